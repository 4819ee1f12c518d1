"""``synth table`` and ``synth report`` with ``--also`` (a common-effect model beside the
random-effects one) and ``--model multilevel`` (rows nested in clusters).

Every number the table and the report print is compared with what ``synth pool`` gives
for the same options (``--format json``), which tests/test_cochrane_cli.py (``--also``:
rma.mh, rma.peto, rma FE on dat.bcg and dat.normand1999) and tests/test_multilevel_cli.py
(rma.mv) check against metafor 3.8; the MH odds ratio is also checked here against
tests/reference/cochrane_reference.json directly. Errors: exact text and exit status 2,
the same words as ``synth pool``. In-process with click's CliRunner.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.render.text import interval, number, tau2_text, weight_text
from tests.test_cochrane_cli import BCG, MH, NORMAND, continuous_records, count_records, write
from tests.tolerances import tol

REPO = Path(__file__).resolve().parent.parent
BUNDLED = str(REPO / "studies")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def pool_json(folder: str, *args: str) -> dict:
    code, out, err = invoke("pool", "--studies", folder, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def table_json(folder: str, *args: str) -> dict:
    code, out, err = invoke("table", "--studies", folder, *args, "--format", "json")
    assert code == 0, err
    assert "NaN" not in out and "Infinity" not in out
    return json.loads(out)


def est_text(d: dict, measure: str) -> str:
    """'0.62 [0.57, 0.68]': a pooled estimate and CI as the table prints them."""
    return f"{number(d['estimate'], measure)} {interval(d['ci_low'], d['ci_high'], measure)}"


@pytest.fixture
def bcg(tmp_path: Path) -> str:
    return write(tmp_path / "bcg", count_records(BCG))


COMMON_KEYS = ("method", "ci_method", "level", "k", "estimate", "ci_low", "ci_high",
               "statistic", "p_value")  # fmt: skip


def same_common(table_common: dict, pool_common: dict) -> None:
    for key in COMMON_KEYS:
        assert table_common[key] == pool_common[key], key
    het = pool_common["heterogeneity"]
    assert (table_common["I2"], table_common["Q"], table_common["Q_p"]) == (
        het["I2"],
        het["Q"],
        het["Q_p"],
    )


# =========================================================================== --also: table


def test_table_also_mh_gives_pool_s_numbers_in_every_format(bcg: str) -> None:
    pooled = pool_json(bcg, "--outcome", "Y", "--measure", "OR", "--also", "MH")
    data = table_json(bcg, "--measure", "Y=OR", "--also", "MH")
    assert data["settings"]["also"] == "MH" and data["settings"]["measures"] == {"Y": "OR"}
    (row,) = data["rows"]
    for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "k", "method"):
        assert row[key] == pooled[key], key
    assert row["tau2"] == pooled["heterogeneity"]["tau2"]
    same_common(row["common"], pooled["common"])
    # and metafor's rma.mh(measure = "OR") on dat.bcg itself
    ref = next(c for c in MH if c["id"] == "bcg-MH-OR")
    t = tol("closed_form")
    for key, want in (("estimate", ref["estimate"]), ("ci_low", ref["ci_lb"]),
                      ("ci_high", ref["ci_ub"])):  # fmt: skip
        assert math.isclose(math.log(row["common"][key]), want, rel_tol=t.rtol, abs_tol=t.atol)
    assert math.isclose(row["common"]["statistic"], ref["zval"], rel_tol=t.rtol, abs_tol=t.atol)

    code, md, err = invoke("table", "--studies", bcg, "--measure", "Y=OR", "--also", "MH")
    assert code == 0, err
    common, random = pooled["common"], pooled
    pi = interval(random["pi_low"], random["pi_high"], "OR")
    tau2 = tau2_text(random["heterogeneity"]["tau2"])
    assert (
        "| Outcome | Measure | Model | k | Participants | Estimate [95% CI] | 95% PI | I² | τ² "
        "| Method | Warnings |"
    ) in md
    assert (
        f"| Y | odds ratio (OR) | Common effect (Mantel-Haenszel) | 13 | 357347 | "
        f"{est_text(common, 'OR')} | – | {common['heterogeneity']['I2']:.1f}% | – | MH, Wald | 1 |"
    ) in md
    assert (
        f"|  |  | Random effects (REML) |  |  | {est_text(random, 'OR')} | {pi} | "
        f"{random['heterogeneity']['I2']:.1f}% | {tau2} | REML, Wald |  |"
    ) in md
    assert "0.62 [0.57, 0.68]" in md and "0.47 [0.33, 0.68]" in md  # rma.mh; rma REML
    assert "beside it the common-effect model (Mantel-Haenszel, Wald z CI)" in md

    code, csv, _ = invoke("table", "--studies", bcg, "--measure", "Y=OR", "--also", "MH",
                          "--format", "csv")  # fmt: skip
    head, line = csv.splitlines()[:2]
    cells = dict(zip(head.split(","), line.split(","), strict=False))
    assert cells["common_method"] == "MH"
    assert float(cells["common_estimate"]) == common["estimate"]
    assert float(cells["common_ci_high"]) == common["ci_high"]
    assert float(cells["common_p_value"]) == common["p_value"]

    code, html, _ = invoke("table", "--studies", bcg, "--measure", "Y=OR", "--also", "MH",
                           "--format", "html")  # fmt: skip
    assert "<th>Model</th>" in html
    assert '<td>Common effect (Mantel-Haenszel)</td><td class="num">13</td>' in html
    assert '<tr class="beside"><td></td><td></td><td>Random effects (REML)</td>' in html
    assert f'<td class="num">{est_text(random, "OR")}</td>' in html


def test_table_also_fe_beside_md_and_without_also_no_model_column(tmp_path: Path) -> None:
    folder = write(tmp_path / "s", continuous_records(NORMAND))
    pooled = pool_json(folder, "--outcome", "LOS", "--also", "FE", "--level", "0.9")
    data = table_json(folder, "--also", "FE", "--level", "0.9")
    (row,) = data["rows"]
    assert row["measure"] == "MD" and row["estimate"] == pooled["estimate"]
    same_common(row["common"], pooled["common"])
    code, md, _ = invoke("table", "--studies", folder, "--also", "fe", "--level", "0.9")
    assert code == 0
    assert "| Common effect (inverse variance) |" in md
    assert f"| {est_text(pooled['common'], 'MD')} |" in md
    # without --also the table is as before: no Model column, no "common" key
    plain = table_json(folder)
    assert "common" not in plain["rows"][0] and plain["settings"]["also"] is None
    _, md, _ = invoke("table", "--studies", folder)
    assert "Model" not in md.splitlines()[2]


def test_table_also_k1_says_what_pool_says(tmp_path: Path) -> None:
    one = {"s00.yaml": count_records(BCG)["s00.yaml"]}
    folder = write(tmp_path / "one", one)
    code, _, err = invoke("pool", "--studies", folder, "--outcome", "Y", "--measure", "OR",
                          "--also", "MH")  # fmt: skip
    assert code == 0
    pooled = pool_json(folder, "--outcome", "Y", "--measure", "OR", "--also", "MH")
    (row,) = table_json(folder, "--measure", "Y=OR", "--also", "MH")["rows"]
    same_common(row["common"], pooled["common"])
    assert row["k"] == 1 and row["common"]["k"] == 1
    said = {line.removeprefix("synth: warning: ") for line in err.splitlines()}
    assert said <= set(row["warnings"])
    assert "common effect (MH): heterogeneity (Q, I2, H2) needs at least 2 studies with an " \
        "estimate; 1 here" in row["warnings"]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--also", "MH"),
         "synth: error: --also MH is for --measure RR or OR or RD; for PLO use --also FE\n"),
        (("--measure", "Y=RR", "--also", "PETO"),
         "synth: error: --also PETO is for --measure OR; for RR use --also FE\n"),
        (("--measure", "Y=OR", "--also", "REML"),
         "synth: error: --also REML: use a common-effect model: FE, MH, PETO\n"),
        (("--measure", "Y=OR", "--method", "FE", "--also", "MH"),
         "synth: error: "
         "--also MH puts a common-effect result beside a random-effects one; --method FE "
         "is common-effect already: use e.g. --method REML --also MH\n"),
    ],
)  # fmt: skip
def test_also_errors_are_pool_s(bcg: str, args: tuple[str, ...], message: str) -> None:
    pool_args = [a.replace("Y=", "") if a.startswith("Y=") else a for a in args]
    code, _, err = invoke("pool", "--studies", bcg, "--outcome", "Y", *pool_args)
    assert (code, err) == (2, message)
    for command in (("table",), ("report", "-o", str(Path(bcg).parent / "r.html"))):
        code, out, err = invoke(*command, "--studies", bcg, *args)
        assert (code, err, out) == (2, message, ""), command
    assert not (Path(bcg).parent / "r.html").exists()


def test_also_that_applies_to_some_outcomes_says_why_in_the_others() -> None:
    code, _, err = invoke("pool", "--studies", BUNDLED, "--outcome", "OS", "--also", "FE")
    assert (code, err) == (
        2,
        "synth: error: --also does not apply to pooled medians (--measure MED)\n",
    )
    code, _, err = invoke("table", "--studies", BUNDLED, "--outcome", "OS", "--also", "FE")
    assert (code, err) == (
        2,
        "synth: error: --also does not apply to pooled medians (--measure MED)\n",
    )
    data = table_json(BUNDLED, "--outcome", "ORR", "--outcome", "OS", "--also", "FE")
    orr, os_ = data["rows"]
    assert orr["common"] is not None and os_["common"] is None
    assert "--also does not apply to pooled medians (--measure MED)" in os_["warnings"]
    pooled = pool_json(BUNDLED, "--outcome", "ORR", "--also", "FE")
    same_common(orr["common"], pooled["common"])
    code, _, err = invoke("table", "--studies", BUNDLED, "--outcome", "ORR", "--outcome", "OS",
                          "--also", "MH")  # fmt: skip
    assert (code, err) == (
        2,
        "synth: error: ORR: --also MH is for --measure RR or OR or RD; for PLO use --also FE; "
        "OS: --also does not apply to pooled medians (--measure MED)\n",
    )
    # every outcome of the bundled review: one clause per reason, naming its outcomes
    code, _, err = invoke("table", "--studies", BUNDLED, "--also", "MH")
    assert (code, err) == (
        2,
        "synth: error: CR, CR/CRi, Mortality, ORR: --also MH is for --measure RR or OR or RD; "
        "for PLO use --also FE; DOR, EFS, OS, PFS: --also does not apply to pooled medians "
        "(--measure MED)\n",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Y", "synth: error: --measure Y: expected OUTCOME=CODE, e.g. --measure Death=OR (each "
              "outcome is pooled at its default measure unless named)\n"),
        ("Y=XX", "synth: error: "
                 "--measure Y=XX: use one of PLO, PFT, PAS, PR, RR, OR, RD, MD, SMD, HR, "
                 "GEN, MED\n"),
        ("Relapse=OR", "synth: error: --measure Relapse=OR: no study reports outcome 'Relapse'; "
                       "outcomes in this review: Y\n"),
    ],
)  # fmt: skip
def test_measure_option_errors(bcg: str, value: str, message: str) -> None:
    code, _, err = invoke("table", "--studies", bcg, "--measure", value)
    assert (code, err) == (2, message)


def test_measure_that_does_not_fit_the_data_gives_a_not_pooled_row(bcg: str) -> None:
    (row,) = table_json(bcg, "--measure", "Y=HR")["rows"]
    assert row["error"] is not None and row["estimate"] is None


# =========================================================================== --also: report


def test_report_also_mh_shows_both_results_and_draws_both_diamonds(
    bcg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import synthesis.plots.forest as forest

    drawn = []
    real = forest.forest_bytes

    def spy(result, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append((result, kwargs))
        return real(result, **kwargs)

    monkeypatch.setattr(forest, "forest_bytes", spy)
    out = tmp_path / "r.html"
    code, stdout, err = invoke("report", "--studies", bcg, "--measure", "Y=OR", "--also", "MH",
                               "-o", str(out))  # fmt: skip
    assert code == 0, err
    assert stdout.startswith(f"wrote {out} (1 outcome pooled, 0 not poolable, ")
    html = out.read_text()
    pooled = pool_json(bcg, "--outcome", "Y", "--measure", "OR", "--also", "MH")
    common = pooled["common"]
    assert (
        f"<tr><th>Common effect (Mantel-Haenszel)</th><td>{est_text(common, 'OR')}  (95% CI)"
        "</td></tr>"
    ) in html
    assert (
        f"<tr><th>Random effects (REML)</th><td>{est_text(pooled, 'OR')}  (95% CI)</td></tr>"
    ) in html
    assert "<tr><th>Test of overall effect, common effect (Mantel-Haenszel)</th><td>z = " \
        f"{common['statistic']:.2f}, p &lt; 0.0001</td></tr>" in html  # fmt: skip
    assert "Cochran-Mantel-Haenszel test: X² = 135.69 (df = 1, p &lt; 0.0001)" in html
    # the study table: a weight column per model, both pooled lines
    assert "<th>Weight (MH)</th>\n<th>Weight (REML)</th>" in html
    first = pooled["studies"][0]
    first_mh = next(s for s in common["studies"] if s["id"] == first["id"])
    assert (
        f'<td class="num">{weight_text(first_mh["weight"])}</td>'
        f'<td class="num">{weight_text(first["weight"])}</td>'
    ) in html
    assert "<td>Pooled (common effect, MH)</td>" in html
    assert "<td>Pooled (random effects)</td>" in html
    # the settings say it
    assert "beside it the common-effect model (Mantel-Haenszel, --also MH, Wald z CI)" in html
    # the forest plot is drawn from the result with its common part: two diamonds
    ((result, kwargs),) = drawn
    assert result.common is not None and result.common.method == "MH"
    assert kwargs == {"fmt": "svg", "sort": "listed"}
    layout = forest.forest_layout(result, sort="listed")
    assert [r.label for r in layout.rows if r.diamond is not None] == [
        "Pooled (common effect, MH)",
        "Pooled (random effects, REML)",
    ]


# =========================================================================== multilevel


TRIALS = ("A", "B", "A", "C", "B", "C")  # six studies, years 2001-2006, in three trials
EVENTS = ((12, 40), (20, 50), (15, 45), (30, 60), (8, 35), (25, 70))


@pytest.fixture
def trials(tmp_path: Path) -> str:
    files = {
        f"s{i}.yaml": f"id: s{i}\ncitation: Study {i}\nyear: {2000 + i}\ntags: {{trial: {t}}}\n"
        f"outcomes:\n  - {{name: CR, events: {x}, total: {n}}}\n"
        for i, (t, (x, n)) in enumerate(zip(TRIALS, EVENTS, strict=True), 1)
    }
    return write(tmp_path / "trials", files)


def test_table_multilevel_gives_pool_s_numbers_and_its_components() -> None:
    pooled = pool_json(BUNDLED, "--outcome", "ORR", "--model", "multilevel")
    data = table_json(BUNDLED, "--outcome", "ORR", "--model", "multilevel")
    (row,) = data["rows"]
    assert data["settings"]["model"] == "multilevel"
    assert (row["model"], row["cluster"]) == ("multilevel", "study")
    for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        assert row[key] == pooled[key], key
    assert row["tau2"] == pooled["heterogeneity"]["tau2"]
    assert row["variance_components"] == pooled["variance_components"]
    cluster, rows = pooled["variance_components"]
    code, md, _ = invoke("table", "--studies", BUNDLED, "--outcome", "ORR", "--model",
                         "multilevel")  # fmt: skip
    assert code == 0
    total = pooled["heterogeneity"]["tau2"]
    assert (
        f"| ORR | proportion (PLO) | Multilevel random effects (REML) | 4 (3 studies) | 182 | "
        f"{est_text(pooled, 'PLO')} | {interval(pooled['pi_low'], pooled['pi_high'], 'PLO')} | "
        f"{pooled['heterogeneity']['I2']:.1f}% | {tau2_text(total)} ({tau2_text(cluster['sigma2'])}"
        f" + {tau2_text(rows['sigma2'])}) | REML, Wald |"
    ) in md
    assert (
        "1. ORR: τ² is the sum of the variance components: between studies (3 studies): σ² = "
        f"{tau2_text(cluster['sigma2'])}; within studies (4 rows): σ² = {tau2_text(rows['sigma2'])}"
    ) in md
    assert "0.5922 (0.4470 + 0.1451)" in md  # rma.mv on the bundled ORR
    _, csv, _ = invoke("table", "--studies", BUNDLED, "--outcome", "ORR", "--model",
                       "multilevel", "--format", "csv")  # fmt: skip
    head, line = csv.splitlines()[:2]
    assert head.endswith(",model,cluster,sigma2_cluster,n_clusters,sigma2_row,n_rows")
    assert line.endswith(f",multilevel,study,{cluster['sigma2']!r},3,{rows['sigma2']!r},4")


def test_multilevel_that_applies_to_some_outcomes_says_why_in_the_others() -> None:
    data = table_json(BUNDLED, "--outcome", "ORR", "--outcome", "OS", "--model", "multilevel")
    orr, os_ = data["rows"]
    assert orr["model"] == "multilevel" and "model" not in os_
    assert (
        "--model multilevel needs an inverse-variance model; WM on MED is not one (use --measure "
        "PLO with --method REML); pooled as independent rows (--model rows)"
    ) in os_["warnings"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--outcome", "ORR", "--method", "DL"),
         "synth: error: "
         "--model multilevel fits by REML or ML (rma.mv); --method DL does not apply: "
         "use --method REML or --method ML\n"),
        (("--outcome", "OS"),
         "synth: error: "
         "--model multilevel needs an inverse-variance model; WM on MED is not one (use "
         "--measure PLO with --method REML)\n"),
        (("--outcome", "ORR", "--cluster", "trial"),
         "synth: error: "
         "--cluster trial: no such tag in cityofhope2022-blina, chictr2400086092-ankl, "
         "yoon2025-ankl (tags: "),  # the bundled review's tags, then what to do
    ],
)  # fmt: skip
def test_multilevel_errors_are_pool_s(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    code, _, said = invoke("pool", "--studies", BUNDLED, "--model", "multilevel", *args)
    assert code == 2 and said.startswith(message) and said.count("\n") == 1
    if "--cluster" in args:
        assert said.endswith("; give every study the tag, or use --cluster study\n")
    else:
        assert said == message
    code, _, err = invoke("table", "--studies", BUNDLED, "--model", "multilevel", *args)
    assert (code, err) == (2, said)
    report_args = [a for a in args if a not in ("--outcome", "ORR", "OS")]
    if "--cluster" in report_args:  # the report pools every outcome: none has the tag
        code, _, err = invoke("report", "--studies", BUNDLED, "--model", "multilevel",
                              *report_args, "-o", str(tmp_path / "r.html"))  # fmt: skip
        assert code == 2 and err.startswith("synth: error: CR: --cluster trial: no such tag in ")


def test_report_multilevel_by_a_tag(
    trials: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import synthesis.plots.forest as forest

    drawn = []
    real = forest.forest_bytes

    def spy(result, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append((result, kwargs))
        return real(result, **kwargs)

    monkeypatch.setattr(forest, "forest_bytes", spy)
    args = ("--model", "multilevel", "--cluster", "trial")
    pooled = pool_json(trials, "--outcome", "CR", *args)
    out = tmp_path / "r.html"
    code, _, err = invoke("report", "--studies", trials, *args, "-o", str(out))
    assert code == 0, err
    html = out.read_text()
    cluster, rows = pooled["variance_components"]
    assert (cluster["n"], rows["n"]) == (3, 6)
    assert (
        "<tr><th>Variance components</th><td>between values of trial (3 clusters): σ² = "
        f"{tau2_text(cluster['sigma2'])}; within values of trial (6 rows): σ² = "
        f"{tau2_text(rows['sigma2'])}; τ² is their sum</td></tr>"
    ) in html
    assert (
        f"<tr><th>Multilevel random effects (REML)</th><td>{est_text(pooled, 'PLO')}  (95% CI)"
        "</td></tr>"
    ) in html
    assert (
        "<tr><th>95% prediction interval</th><td>"
        f"{interval(pooled['pi_low'], pooled['pi_high'], 'PLO')}</td></tr>"
    ) in html
    assert "multilevel random effects (rows nested in trial)" in html
    # the study table: rows of a trial together (trials in the order of their first study,
    # studies by year within a trial), with the trial named
    table = html.split("<h3>Study data</h3>", 1)[1]
    order = re.findall(r"<tr><td>(Study \d+)</td><td>all</td><td>([ABC])</td>", table)
    assert order == [("Study 2001", "A"), ("Study 2003", "A"), ("Study 2002", "B"),
                     ("Study 2005", "B"), ("Study 2004", "C"), ("Study 2006", "C")]  # fmt: skip
    assert "<th>Cluster (trial)</th>" in table
    # the forest plot gets the multilevel result, its rows in the same order
    ((result, kwargs),) = drawn
    assert result.model == "multilevel" and result.cluster == "trial"
    assert kwargs["sort"] == "listed"
    layout = forest.forest_layout(result, sort="listed")
    assert [r.label for r in layout.rows if r.kind == "study"] == [
        "Study 2001", "Study 2003", "Study 2002", "Study 2005", "Study 2004", "Study 2006"
    ]  # fmt: skip
    by_id = {s["id"]: s for s in pooled["studies"]}
    for s in result.studies:  # the weights are rma.mv's, as synth pool gives them
        assert s.weight == by_id[s.id]["weight"]


def test_pool_text_prints_the_variance_components() -> None:
    pooled = pool_json(BUNDLED, "--outcome", "ORR", "--model", "multilevel")
    cluster, rows = pooled["variance_components"]
    line = (
        f"Variance components: between studies (3 studies): σ² = {tau2_text(cluster['sigma2'])}; "
        f"within studies (4 rows): σ² = {tau2_text(rows['sigma2'])}; tau² is their sum"
    )
    for fmt in ("table", "md"):
        code, out, _ = invoke("pool", "--studies", BUNDLED, "--outcome", "ORR", "--model",
                              "multilevel", "--format", fmt)  # fmt: skip
        assert code == 0 and line in out
        assert "multilevel random effects (rows nested in study)" in out
    code, out, _ = invoke("pool", "--studies", BUNDLED, "--outcome", "ORR")
    assert "Variance components" not in out


def test_help_has_the_new_options_with_examples() -> None:
    for command in ("table", "report"):
        code, out, _ = invoke(command, "--help")
        assert code == 0
        for text in ("--also [FE|MH|PETO]", "--model [rows|multilevel]", "--cluster study|TAG",
                     "--measure OUTCOME=CODE", "--also MH", "--model multilevel"):  # fmt: skip
            assert text in out, (command, text)


def test_report_uses_the_reviewer_s_grade_judgements_as_the_table_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_grade_cli import REASON, judged, review

    grade = judged(f"indirectness: {{downgrade: 1, reason: {REASON!r}}}")
    monkeypatch.chdir(review(tmp_path, grade=grade))
    code, md, err = invoke("table")
    assert code == 0, err
    assert "| ⊕⊕⊕◯ Moderate (RR) |" in md
    code, _, err = invoke("report", "-o", "r.html")
    assert code == 0, err
    html = (tmp_path / "r.html").read_text()
    assert "MODERATE" in html and REASON.replace("'", "&#x27;") in html
