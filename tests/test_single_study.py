"""k = 1 says one thing in every output (issue 10, item 7).

With one study nothing is pooled: the "pooled" row is the study's own estimate and CI
(for a proportion the Clopper-Pearson interval of its row, not a Wald CI on the logit
scale), labelled "Single study: not pooled", in the pool table, Markdown, CSV, JSON
(``single_study: true``), the forest plot, the summary of findings and the report.
``model_scale`` keeps metafor's ``rma()`` with k = 1 (the analysis scale).
"""

from __future__ import annotations

import json
import math
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.analyses.pool import SINGLE_STUDY, pool
from synthesis.analyses.summary import summarize
from synthesis.plots.forest import forest_layout
from synthesis.records.review import load_review
from synthesis.render.report import report_html
from synthesis.render.sof import render as render_sof
from synthesis.render.text import SINGLE_STUDY_LABEL, interval, number, pool_csv, pool_table

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
REF = json.loads((Path(__file__).parent / "reference" / "bundled_reference.json").read_text())


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--studies", STUDIES])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def review():
    return load_review(STUDIES)


def test_json_pooled_ci_is_the_study_s_clopper_pearson(review) -> None:
    code, out, err = cli("pool", "--outcome", "CR", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    (study,) = data["studies"]
    assert data["k"] == 1 and data["single_study"] is True
    assert data["estimate"] == study["estimate"] == 5 / 6
    assert (data["ci_low"], data["ci_high"]) == (study["ci_low"], study["ci_high"])
    # binom.test(5, 6)$conf.int (metafor's rows and R meta): 0.3588 to 0.9958
    low, high = REF["cp"]["ci"][0]
    assert math.isclose(data["ci_low"], low, rel_tol=1e-9)
    assert math.isclose(data["ci_high"], high, rel_tol=1e-9)
    # the analysis scale stays metafor's rma(k = 1): logit(5/6) +/- z sqrt(1/5 + 1/1)
    se = math.sqrt(1 / 5 + 1)
    assert math.isclose(data["model_scale"]["se"], se, rel_tol=1e-12)
    assert [w for w in data["warnings"] if "single study" in w or "k = 1" in w] == [SINGLE_STUDY]
    code, out, _ = cli("pool", "--outcome", "ORR", "--format", "json")
    assert json.loads(out)["single_study"] is False


def test_table_markdown_csv_plot_summary_and_report_say_one_thing(review) -> None:
    result = pool(review, outcome="CR")
    (s,) = result.studies
    est, ci = number(s.estimate, "PLO"), interval(s.ci_low, s.ci_high, "PLO")
    assert (est, ci) == ("0.833", "[0.359, 0.996]")
    text = pool_table(result)
    assert text.count(f"{est}  {ci}") == 2  # the study's row and the "pooled" row
    assert f"{SINGLE_STUDY_LABEL}  k = 1" in text
    assert "[0.369, 0.977]" not in text  # the Wald CI on the logit scale shown before
    csv_rows = pool_csv(result).splitlines()
    assert csv_rows[-1].startswith(f"pooled,,,,{SINGLE_STUDY_LABEL},k = 1,")
    layout = forest_layout(result)
    study_row = next(r for r in layout.rows if r.kind == "study")
    pooled_row = next(r for r in layout.rows if r.kind == "pooled")
    assert pooled_row.estimate_text == study_row.estimate_text == f"{est} {ci}"
    assert pooled_row.label == SINGLE_STUDY_LABEL
    assert pooled_row.diamond is None and layout.pooled_line is None  # nothing pooled
    summary = summarize(review, outcomes=["CR"])
    md = render_sof(summary, fmt="md")
    assert f"| CR | proportion (PLO) | 1 (not pooled) | 6 | {est} {ci} |" in md
    html = unescape(report_html(summary, review=review))
    assert html.count(f"{est} {ci}") >= 3  # summary, pooled numbers, study row, pooled row
    assert "[0.369, 0.977]" not in html
    assert f"<td>{SINGLE_STUDY_LABEL}</td>" in html
    assert "Estimate (single study, not pooled)" in html


def test_a_single_median_shows_its_own_ci(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "id: a\ncitation: A\nyear: 2020\noutcomes:\n"
        "  - {name: OS, median: 11, ci: [8.2, 14.9], n: 40}\n",
        encoding="utf-8",
    )
    result = pool(load_review(str(folder)), outcome="OS", measure="MED")
    assert (result.estimate, result.ci_low, result.ci_high) == (11.0, 8.2, 14.9)
    assert result.single_study
    assert SINGLE_STUDY in result.warnings
    assert not any("only one study" in w for w in result.warnings)  # said once
    pooled_line = next(x for x in pool_table(result).splitlines() if x.startswith("Single"))
    assert pooled_line.split() == [*SINGLE_STUDY_LABEL.split(), "k", "=", "1", "11.0", "[8.2,",
                                   "14.9]", "100.0%"]  # fmt: skip


def test_a_subgroup_of_one_study(review) -> None:
    result = pool(review, outcome="ORR", by="disease")
    (single,) = [g for g in result.subgroups if g.k == 1]
    (s,) = single.studies
    assert (single.estimate, single.ci_low, single.ci_high) == (s.estimate, s.ci_low, s.ci_high)
    assert "Subtotal: single study, not pooled" in pool_table(result)
