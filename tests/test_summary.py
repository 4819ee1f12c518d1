"""`synth table`: the summary of findings equals pool() per outcome, in every format."""

from __future__ import annotations

import csv
import io
import json
import math
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.analyses.pool import PoolResult, pool
from synthesis.analyses.summary import ROW_FIELDS, SummaryRow, summarize
from synthesis.measures import MEASURE_NAMES
from synthesis.records.review import load_review
from synthesis.render.sof import render
from tests.synthetic import write_review

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
BUNDLED_OUTCOMES = ["CR", "CR/CRi", "DOR", "EFS", "Mortality", "ORR", "OS", "PFS"]


def run(*args: str, studies: str = STUDIES) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--studies", studies])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def review60(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("review60") / "studies"
    write_review(folder, k=60)
    return str(folder)


@pytest.fixture(scope="module")
def unpoolable(tmp_path_factory: pytest.TempPathFactory) -> str:
    """ORR poolable; OS only medians not reached; PFS one HR without CI or p."""
    folder = tmp_path_factory.mktemp("unpoolable") / "studies"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "id: alpha2020\ncitation: 'Alpha A. J Test. 2020'\nyear: 2020\nn: 40\noutcomes:\n"
        "  - {name: ORR, events: 12, total: 40, quote: 'ORR 12/40'}\n"
        "  - {name: OS, median: NR, n: 40}\n"
        "  - {name: PFS, hr: 0.7}\n",
        encoding="utf-8",
    )
    (folder / "b.yaml").write_text(
        "id: beta2021\ncitation: 'Beta B. J Test. 2021'\nyear: 2021\nn: 50\noutcomes:\n"
        "  - {name: ORR, events: 20, total: 50}\n"
        "  - {name: OS, median: NR, n: 50}\n",
        encoding="utf-8",
    )
    return str(folder)


def _same(row: SummaryRow, result: PoolResult) -> None:
    assert row.outcome == result.outcome
    assert row.measure == result.measure
    assert row.measure_name == MEASURE_NAMES[result.measure]
    assert row.method == result.method
    assert row.ci_method == result.ci_method
    assert row.level == result.level
    assert row.k == result.k
    for name in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        assert getattr(row, name) == getattr(result, name), name
    assert row.I2 == result.heterogeneity.I2
    assert row.tau2 == result.heterogeneity.tau2
    assert set(result.warnings) <= set(row.warnings)
    assert row.error is None


# ---------------------------------------------------------------------------
# Values


def test_every_bundled_row_equals_pool() -> None:
    review = load_review(STUDIES)
    table = summarize(review)
    assert [r.outcome for r in table.rows] == review.outcomes() == BUNDLED_OUTCOMES
    for row in table.rows:
        _same(row, pool(review, outcome=row.outcome))
        assert row.result is not None


def test_orr_row_values_and_printed_strings() -> None:
    table = summarize(studies=STUDIES, outcomes=["ORR"])
    (row,) = table.rows
    result = pool(studies=STUDIES, outcome="ORR")
    _same(row, result)
    assert (row.k, row.studies, row.participants) == (4, 3, 182) == (4, 3, result.participants)
    assert round(row.estimate, 3) == 0.518
    assert (round(row.ci_low, 3), round(row.ci_high, 3)) == (0.300, 0.730)
    assert (round(row.pi_low, 3), round(row.pi_high, 3)) == (0.156, 0.863)
    assert round(row.I2, 1) == 77.0
    assert round(row.tau2, 4) == 0.5904
    md = render(table, fmt="md")
    assert (
        "| ORR | proportion (PLO) | 4 (3 studies) | 182 | 0.518 [0.300, 0.730] | "
        "[0.156, 0.863] | 77.0% | 0.5904 | REML, Wald | 1, 2, 3 |"
    ) in md.splitlines()
    # The record's warning about the ambiguous percent belongs to the ORR row.
    assert any("64% of 132 could be 84/132 or 85/132" in w for w in row.warnings)


def test_medians_print_in_months_without_heterogeneity() -> None:
    md = render(summarize(studies=STUDIES, outcomes=["OS", "PFS"]), fmt="md")
    lines = md.splitlines()
    assert (
        "| OS | median (MED) | 2 | 123 | 11.0 mo [1.6, 11.0] | – | – | – | WM | 1, 2, 3 |" in lines
    )
    assert "| PFS | median (MED) | 1 (not pooled) | 51 | 0.8 mo | – | – | – | WM | 4 |" in lines
    assert "1. 1 study also usable with --measure HR" in lines
    # medians of 1.6 (ANKL) and 11 months (AML/ALL): the heterogeneity warning of medians
    assert any(
        line.startswith("3. the pooled medians range from 1.6 to 11 months") for line in lines
    )


def test_review_of_60_studies(review60: str) -> None:
    review = load_review(review60)
    table = summarize(review)
    assert [r.outcome for r in table.rows] == ["CR", "ORR", "OS"]
    by = {r.outcome: r for r in table.rows}
    assert (by["CR"].measure, by["CR"].k, by["CR"].studies) == ("PLO", 120, 60)
    assert (by["ORR"].measure, by["ORR"].k, by["ORR"].studies) == ("PLO", 120, 60)
    assert (by["OS"].measure, by["OS"].k, by["OS"].studies) == ("HR", 60, 60)
    for row in table.rows:
        _same(row, pool(review, outcome=row.outcome))
    # Arms carry their n; for HRs the participants are the studies' n.
    total = sum(s.n for s in review.studies)
    assert by["ORR"].participants == total == by["OS"].participants
    md = render(table, fmt="md")
    assert "| OS | hazard ratio (HR) | 60 | " in md
    assert md.count("\n| ") == 4  # header + 3 rows (the separator starts with "|-")


def test_method_that_does_not_apply_falls_back_with_a_warning() -> None:
    review = load_review(STUDIES)
    table = summarize(review, method="DL", ci="hksj")
    by = {r.outcome: r for r in table.rows}
    _same(by["ORR"], pool(review, outcome="ORR", method="DL", ci="hksj"))
    assert by["ORR"].method == "DL"
    assert by["OS"].method == "WM" and by["OS"].ci_method == "wald"
    assert "--method DL does not apply to MED; used WM (one of WM, MM)" in by["OS"].warnings
    assert any(
        w.startswith("--ci hksj does not apply to pooled medians") for w in by["OS"].warnings
    )

    table = summarize(review, method="mm")
    by = {r.outcome: r for r in table.rows}
    assert by["OS"].method == "MM"
    assert by["ORR"].method == "REML"
    assert "--method MM does not apply to PLO; used REML" in by["ORR"].warnings[0]


def test_glmm_applies_to_proportions_only(review60: str) -> None:
    by = {r.outcome: r for r in summarize(studies=review60, method="GLMM").rows}
    assert by["ORR"].method == "GLMM"
    assert by["OS"].method == "REML"
    assert by["OS"].warnings[0].startswith("--method GLMM does not apply to HR; used REML")


def test_outcomes_that_cannot_be_pooled_get_a_row_saying_why(unpoolable: str) -> None:
    table = summarize(studies=unpoolable)
    assert [r.outcome for r in table.rows] == ["ORR", "OS", "PFS"]
    orr, os_, pfs = table.rows
    assert orr.pooled and orr.k == 2
    assert not os_.pooled and os_.estimate is None and os_.k == 0
    assert os_.error == "nothing to pool: median not reached in alpha2020, beta2021"
    assert pfs.error == "nothing to pool: no CI, p or SE (so no standard error) in alpha2020"
    md = render(table, fmt="md")
    assert "| OS | – | 0 (2 studies) | – | not pooled | – | – | – | – | 2 |" in md
    assert "2. OS not pooled: nothing to pool: median not reached in alpha2020, beta2021" in md
    code, out, err = run("table", studies=unpoolable)
    assert code == 0
    assert "not pooled" in out
    assert "outcomes[2].hr: warning: cannot be pooled" in err


# ---------------------------------------------------------------------------
# The command


def test_outcome_order_and_synonyms() -> None:
    code, out, _ = run(
        "table", "--outcome", "OS", "--outcome", "overall response rate", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert [r["outcome"] for r in data["rows"]] == ["OS", "ORR"]
    # The same outcome twice (by two names) is one row.
    table = summarize(studies=STUDIES, outcomes=["ORR", "objective response", "CR"])
    assert [r.outcome for r in table.rows] == ["ORR", "CR"]


def test_unknown_outcome_is_the_error_pool_gives() -> None:
    code, out, err = run("table", "--outcome", "ORR", "--outcome", "XYZ")
    assert code == 2
    assert out == ""
    assert err == (
        "synth: error: no study reports outcome 'XYZ'; outcomes in this review: "
        "CR, CR/CRi, DOR, EFS, Mortality, ORR, OS, PFS\n"
    )
    _, _, pool_err = run("pool", "--outcome", "XYZ")
    assert err == pool_err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "1.5"], "synth: error: --level 1.5: must be between 0 and 1, e.g. 0.95\n"),
        (["--method", "XX"], "synth: error: "
                             "--method XX: use one of REML, DL, PM, ML, HE, SJ, HS, EB, "
         "FE, GLMM, WM, MM\n"),
        (["--method", "GLMM", "--ci", "hksj"],
         "synth: error: --ci hksj is not defined for --method GLMM; use --ci wald\n"),
    ],
)  # fmt: skip
def test_bad_options(args: list[str], message: str) -> None:
    code, out, err = run("table", *args)
    assert (code, out, err) == (2, "", message)


def test_markdown_is_a_pipe_table_with_numbered_warnings() -> None:
    code, out, err = run("table")
    assert code == 0
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Outcome"))
    assert lines[header] == (
        "| Outcome | Measure | k | Participants | Estimate [95% CI] | 95% PI | I² | τ² | Method "
        "| Certainty (GRADE) | Warnings |"  # the bundled studies have risk-of-bias records
    )
    assert lines[header + 1] == "|---|---|---|---|---|---|---|---|---|---|---|"
    rows = lines[header + 2 : header + 2 + len(BUNDLED_OUTCOMES)]
    assert [r.split(" | ")[0].removeprefix("| ") for r in rows] == BUNDLED_OUTCOMES
    assert all(r.count(" | ") == 10 for r in rows)
    assert lines[header + 2 + len(BUNDLED_OUTCOMES)] == ""
    assert "Warnings:" in lines
    notes = [line for line in lines if line[:1].isdigit()]
    markers = {int(m) for r in rows for m in r.rstrip(" |").rsplit("| ", 1)[1].split(", ")}
    assert markers == set(range(1, len(notes) + 1))  # every marker has its note, and back
    assert "I² = 77%: considerable heterogeneity" in out
    # Record warnings go to stderr, as for synth pool.
    assert "64% of 132 could be 84/132 or 85/132" in err


def test_csv_parses_with_full_precision() -> None:
    code, out, _ = run("table", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    # the bundled studies have risk of bias: GRADE's level and the measure it was graded on
    assert tuple(rows[0]) == (*ROW_FIELDS, "certainty", "certainty_measure")
    assert [r["outcome"] for r in rows] == BUNDLED_OUTCOMES
    orr = next(r for r in rows if r["outcome"] == "ORR")
    result = pool(studies=STUDIES, outcome="ORR")
    assert float(orr["estimate"]) == result.estimate
    assert float(orr["tau2"]) == result.heterogeneity.tau2
    assert orr["k"] == "4" and orr["participants"] == "182"
    assert "I² = 77%" in orr["warnings"]
    pfs = next(r for r in rows if r["outcome"] == "PFS")
    assert pfs["pi_low"] == "" and pfs["I2"] == ""


def test_json_has_the_row_keys_and_no_nan() -> None:
    code, out, _ = run("table", "--format", "json")
    assert code == 0
    assert "NaN" not in out
    data = json.loads(out)
    assert set(data) == {"settings", "rows"}
    assert data["settings"]["records"] == 5
    assert data["settings"]["level"] == 0.95
    for row in data["rows"]:
        assert tuple(row) == (*ROW_FIELDS, "certainty", "certainty_measure")
    orr = next(r for r in data["rows"] if r["outcome"] == "ORR")
    assert math.isclose(orr["I2"], 77.043, abs_tol=1e-3)
    assert orr["warnings"] and orr["error"] is None


VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr"}


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.stack: list[str] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def test_html_is_a_document_with_the_table() -> None:
    code, out, _ = run("table", "--format", "html")
    assert code == 0
    assert out.startswith("<!DOCTYPE html>")
    parser = _Cells()
    for tag in ("html", "head", "meta", "body"):
        assert f"<{tag}" in out
    parser.feed(out)
    parser.close()
    assert parser.stack == []  # every element closed, in order
    head, *body = parser.rows
    assert head[0] == "Outcome" and head[4] == "Estimate [95% CI]"
    orr = next(r for r in body if r[0] == "ORR")
    assert orr[2:8] == ["4 (3 studies)", "182", "0.518 [0.300, 0.730]", "[0.156, 0.863]",
                        "77.0%", "0.5904"]  # fmt: skip
    assert "<script" not in out


def test_to_frame_and_to_dict() -> None:
    table = summarize(studies=STUDIES)
    frame = table.to_frame()
    assert list(frame.columns) == list(ROW_FIELDS)
    assert list(frame["outcome"]) == BUNDLED_OUTCOMES
    assert frame.loc[frame["outcome"] == "ORR", "k"].item() == 4
    d = table.to_dict()
    assert d["rows"][5]["outcome"] == "ORR"
    json.dumps(d, allow_nan=False)


def test_table_does_not_import_plotting_or_pandas() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from synthesis.cli import main; "
        f"r = CliRunner().invoke(main, ['table', '--studies', {STUDIES!r}]); "
        "assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('matplotlib', 'pandas', 'forestplot') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"
