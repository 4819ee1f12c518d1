"""One study order everywhere; per-subgroup heterogeneity; the warnings of pooled medians.

Issue 10, item 21: ``--sort year|estimate|listed`` (default year) gives the same order in
``synth pool`` (JSON, table, CSV, Markdown), ``synth forest``, ``synth studies`` and the
report; ``synth pool --by`` prints each subgroup's heterogeneity; medians of two arms of
one study get the "arms of the same study" warning; medians pooled across populations
(a spread of more than 3-fold, or different ``disease`` tags) get a heterogeneity warning.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.analyses.order import SORTS, sort_studies
from synthesis.analyses.pool import MEDIAN_SPREAD_RATIO, pool
from synthesis.analyses.summary import summarize
from synthesis.plots.forest import forest_layout
from synthesis.records.review import load_review
from synthesis.render.report import report_html
from synthesis.render.text import tau2_text

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")


def cli(*args: str, studies: str = STUDIES) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--studies", studies])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def review():
    return load_review(STUDIES)


# ORR of the bundled review: files in path order are chictr (2025, 0.833), cityofhope
# (2022, 0.636), yoon (2025: 0.467 and 0.214).
ORDERS = {
    "listed": ["chictr2400086092-ankl", "cityofhope2022-blina", "yoon2025-ankl/lasp",
               "yoon2025-ankl/other"],
    "year": ["cityofhope2022-blina", "chictr2400086092-ankl", "yoon2025-ankl/lasp",
             "yoon2025-ankl/other"],
    "estimate": ["yoon2025-ankl/other", "yoon2025-ankl/lasp", "cityofhope2022-blina",
                 "chictr2400086092-ankl"],
}  # fmt: skip


def _key(study_id: str, arm: str | None) -> str:
    return study_id if arm in (None, "all") else f"{study_id}/{arm}"


@pytest.mark.parametrize("sort", SORTS)
def test_one_order_in_pool_forest_studies_and_report(review, sort: str) -> None:
    expected = ORDERS[sort]
    args = ("--sort", sort) if sort != "year" else ()  # year is the default everywhere
    code, out, err = cli("pool", "--outcome", "ORR", "--format", "json", *args)
    assert code == 0, err
    assert [_key(s["id"], s["arm"]) for s in json.loads(out)["studies"]] == expected
    code, out, _ = cli("pool", "--outcome", "ORR", "--format", "csv", *args)
    rows = [r.split(",") for r in out.splitlines()[1:] if r.startswith("study,")]
    assert [_key(r[2], r[3] or None) for r in rows] == expected
    result = pool(review, outcome="ORR", sort=sort)
    layout = forest_layout(result, sort=sort)
    plotted = [r.study_id for r in layout.rows if r.kind == "study"]
    assert [x.removesuffix("/all") for x in plotted] == expected
    code, out, _ = cli("studies", "--outcome", "ORR", "--format", "json", *args)
    assert [_key(r["study"], r["arm"] or None) for r in json.loads(out)] == expected
    summary = summarize(review, outcomes=["ORR"], sort=sort)
    html = report_html(summary, review=review)
    table = html.split("<h3>Study data</h3>", 1)[1]
    files = re.findall(r'<td class="src">(.*?)</td>', table)
    lines = [re.sub(r"<[^>]+>", "", f) for f in files]
    by_place = {f"{s.file}:{s.line}": _key(s.id, s.arm) for s in result.studies}
    assert [by_place[x] for x in lines] == expected


def test_sorting_composes_and_numbers_do_not_depend_on_it(review) -> None:
    a = pool(review, outcome="ORR", sort="estimate")
    b = pool(review, outcome="ORR", sort="year")
    assert sort_studies(a.studies, "listed") == sort_studies(b.studies, "listed")
    assert (a.estimate, a.ci_low, a.heterogeneity) == (b.estimate, b.ci_low, b.heterogeneity)
    code, _, err = cli("pool", "--outcome", "ORR", "--sort", "size")
    assert code == 2 and "'size' is not one of 'year', 'estimate', 'listed'" in err


def test_pool_by_prints_each_subgroup_s_heterogeneity(review) -> None:
    code, out, err = cli("pool", "--outcome", "ORR", "--by", "disease")
    assert code == 0, err
    result = pool(review, outcome="ORR", by="disease")
    ankl = next(g for g in result.subgroups if g.value == "ANKL")
    h = ankl.heterogeneity
    assert (
        f"Heterogeneity in disease = ANKL: tau² = {tau2_text(h.tau2)} "
        f"[{tau2_text(h.tau2_ci_low)}, {tau2_text(h.tau2_ci_high)}]; I² = {h.I2:.1f}%; "
        f"H² = {h.H2:.2f}; Q = {h.Q:.2f} (df = 2, p = {h.Q_p:.4f})"
    ) in out.splitlines()
    assert "Heterogeneity in disease = B-ALL: not estimable (k = 1)" in out.splitlines()
    code, md, _ = cli("pool", "--outcome", "ORR", "--by", "disease", "--format", "md")
    assert "Heterogeneity in disease = ANKL: tau² = 0.9634" in md


# ---------------------------------------------------------------------------
# Pooled medians


def test_medians_of_two_arms_of_one_study_are_flagged(review) -> None:
    result = pool(review, outcome="DOR", measure="MED")
    assert [s.id for s in result.studies] == ["yoon2025-ankl", "yoon2025-ankl"]
    assert (
        "arms of the same study enter as separate rows (yoon2025-ankl); they share a study, "
        "so the rows are not independent; --model multilevel pools them as rows nested in "
        "their study"
    ) in result.warnings


def _medians(folder: Path, rows: list[tuple[str, float, str]]) -> str:
    folder.mkdir(parents=True)
    for i, (sid, median, disease) in enumerate(rows):
        (folder / f"{sid}.yaml").write_text(
            f"id: {sid}\ncitation: {sid}\nyear: {2010 + i}\ntags: {{disease: {disease}}}\n"
            f"outcomes:\n  - {{name: OS, median: {median}, n: 30}}\n",
            encoding="utf-8",
        )
    return str(folder)


def test_medians_across_diseases_get_a_heterogeneity_warning(tmp_path: Path) -> None:
    studies = _medians(tmp_path / "a", [("ankl", 0.8, "ANKL"), ("fl", 22.8, "FL")])
    code, _, err = cli("pool", "--outcome", "OS", "--measure", "MED", studies=studies)
    assert code == 0
    assert (
        "synth: warning: the pooled medians range from 0.8 to 22.8 months (28-fold, more "
        "than 3-fold) and come from different diseases (ANKL, FL): heterogeneous "
        "populations, and a pooled median may describe none of them; consider --by disease"
    ) in err.splitlines()
    assert MEDIAN_SPREAD_RATIO == 3.0


def test_one_rule_at_a_time(tmp_path: Path) -> None:
    spread = pool(
        load_review(_medians(tmp_path / "b", [("x", 2.0, "FL"), ("y", 7.0, "FL")])),
        outcome="OS",
        measure="MED",
    )
    assert [w for w in spread.warnings if "pooled medians" in w] == [
        "the pooled medians range from 2 to 7 months (4-fold, more than 3-fold): "
        "heterogeneous populations, and a pooled median may describe none of them"
    ]
    diseases = pool(
        load_review(_medians(tmp_path / "c", [("x", 10.0, "AML"), ("y", 12.0, "ALL")])),
        outcome="OS",
        measure="MED",
    )
    assert [w for w in diseases.warnings if "pooled medians" in w] == [
        "the pooled medians come from different diseases (ALL, AML): heterogeneous "
        "populations, and a pooled median may describe none of them; consider --by disease"
    ]
    alike = pool(
        load_review(_medians(tmp_path / "d", [("x", 10.0, "FL"), ("y", 12.0, "FL")])),
        outcome="OS",
        measure="MED",
    )
    assert not [w for w in alike.warnings if "pooled medians" in w]
