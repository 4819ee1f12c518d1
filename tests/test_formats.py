"""One number format per measure in every output; the tau² CI beyond its search limit.

Issue 10, items 4 and 6: a number is printed by one rule per measure
(:func:`synthesis.render.text.number`, the styles of ``synthesis.measures``) in the pool
table, Markdown, the summary of findings, the report and the forest plot; a Q-profile
bound of tau² beyond the search limit is null with a flag in JSON and '> 100' in text,
plots and the report, as metafor prints '>100' (tests/reference/formats_reference.json,
made by tests/reference/formats_reference.R, metafor 3.8.1).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from synthesis.cli import main

from synthesis.analyses.pool import PoolResult, pool
from synthesis.analyses.summary import summarize
from synthesis.measures import MEASURES, NUMBER_STYLES
from synthesis.plots.forest import MINUS, forest_image, forest_layout
from synthesis.records.review import load_review
from synthesis.render.report import report_html
from synthesis.render.sof import render as render_sof
from synthesis.render.text import (
    format_number,
    heterogeneity_line,
    interval,
    number,
    pool_markdown,
    pool_table,
)

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
REF = json.loads((Path(__file__).parent / "reference" / "formats_reference.json").read_text())


def write(folder: Path, records: dict[str, str]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in records.items():
        (folder / name).write_text(text, encoding="utf-8")
    return str(folder)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------------------
# The rule, by hand


@pytest.mark.parametrize(
    ("value", "measure", "text"),
    [
        # ratios: 2 decimals, 3 significant digits below 0.1, bounded beyond 0.001 / 1000
        (2.142, "HR", "2.14"),
        (0.1, "HR", "0.10"),
        (0.0767, "HR", "0.0767"),
        (0.00404, "OR", "0.00404"),
        (0.08, "RR", "0.0800"),
        (0.0005, "HR", "< 0.001"),
        (999.5, "HR", "999.50"),
        (16000.0, "HR", "> 1000"),
        (1e300, "HR", "> 1000"),  # was a 300-digit decimal (a 16,000 px wide plot)
        # proportions: 3 decimals; never 0.000 or 1.000 for a value strictly between
        (0.997, "PLO", "0.997"),  # was 1.00 in the plot
        (0.9996, "PLO", "> 0.999"),
        (1.0, "PLO", "1.000"),
        (0.000767, "PFT", "0.001"),  # was 0.000767 beside 0.158
        (3.76e-06, "PLO", "< 0.001"),  # was 3.76e-06 beside 1.000
        (0.0, "PLO", "0.000"),
        (-0.0004, "PR", "0.000"),  # a raw-proportion CI below 0: never -0.000
        # months: 1 decimal
        (11.0, "MED", "11.0"),  # was 11.000 in the table
        (22.86, "MED", "22.9"),
        (0.04, "MED", "< 0.1"),
        # differences: 3 decimals, no -0.000, scientific from 100,000
        (-0.0451, "RD", "-0.045"),
        (-0.00045, "RD", "0.000"),
        (123456.7, "GEN", "1.23e+05"),
    ],
)
def test_the_rule(value: float, measure: str, text: str) -> None:
    assert number(value, measure) == text


def test_every_measure_has_a_style() -> None:
    assert {m.style for m in MEASURES.values()} <= set(NUMBER_STYLES)
    assert {c: MEASURES[c].style for c in ("PLO", "HR", "RD", "MED")} == {
        "PLO": "proportion",
        "HR": "ratio",
        "RD": "difference",
        "MED": "months",
    }


def test_interval_shows_a_missing_bound_as_nr() -> None:
    assert interval(14.2, None, "MED") == "[14.2, NR]"
    assert interval(None, None, "MED") == ""
    assert interval(0.0005, 16000.0, "HR") == "[< 0.001, > 1000]"


@settings(max_examples=300, deadline=None)
@given(
    value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e308, max_value=1e308),
    measure=st.sampled_from(sorted(MEASURES)),
)
def test_no_number_is_wider_than_ten_characters(value: float, measure: str) -> None:
    if MEASURES[measure].style == "ratio":
        value = abs(value)
    text = number(value, measure)
    assert 1 <= len(text) <= 10, text
    assert not re.fullmatch(r"-0\.?0*", text), text


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True))
def test_a_proportion_strictly_inside_never_prints_as_0_or_1(p: float) -> None:
    assert number(p, "PLO") not in ("0.000", "1.000")


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e-300, max_value=1e300))
def test_a_ratio_never_prints_in_scientific_notation_and_keeps_its_order(r: float) -> None:
    text = number(r, "HR")
    assert "e" not in text
    if not text.startswith(("<", ">")):
        # within half the last decimal
        assert math.isclose(float(text), r, rel_tol=0.01, abs_tol=0.005 + 1e-12)


# ---------------------------------------------------------------------------
# The same strings in every output


def _plot_strings(result: PoolResult) -> list[str]:
    layout = forest_layout(result, sort="listed")
    return [r.estimate_text.replace(MINUS, "-") for r in layout.rows if r.kind == "study"]


def _expected(result: PoolResult) -> list[tuple[str, str]]:
    """(estimate, CI) of each study as the rule prints them."""
    m = result.measure
    return [(number(s.estimate, m), interval(s.ci_low, s.ci_high, m)) for s in result.studies]


@pytest.fixture(scope="module")
def odd_review(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Ratios from tiny to huge, a proportion near 1, medians in whole months."""
    folder = tmp_path_factory.mktemp("odd") / "studies"
    records = {
        "a.yaml": "id: a\ncitation: A\nyear: 2001\noutcomes:\n"
        "  - {name: OS, hr: 16000, ci: [2000, 128000]}\n"
        "  - {name: ORR, events: 997, total: 1000}\n"
        "  - {name: PFS, median: 11, ci: [8, 14], n: 40}\n",
        "b.yaml": "id: b\ncitation: B\nyear: 2002\noutcomes:\n"
        "  - {name: OS, hr: 0.0767, ci: [0.0404, 0.146]}\n"
        "  - {name: ORR, events: 3, total: 4000}\n"
        "  - {name: PFS, median: 12, ci: [9, 15], n: 50}\n",
        "c.yaml": "id: c\ncitation: C\nyear: 2003\noutcomes:\n"
        "  - {name: OS, hr: 0.95, ci: [0.7, 1.29]}\n"
        "  - {name: ORR, events: 40, total: 100}\n"
        "  - {name: PFS, median: 13.5, n: 30}\n",
    }
    return write(folder, records)


@pytest.mark.parametrize(("outcome", "measure"), [("OS", "HR"), ("ORR", "PLO"), ("PFS", "MED")])
def test_each_output_prints_the_same_strings(odd_review: str, outcome: str, measure: str) -> None:
    review = load_review(odd_review)
    result = pool(review, outcome=outcome, measure=measure, sort="listed")
    expected = _expected(result)
    assert _plot_strings(result) == [f"{e} {c}".strip() for e, c in expected]
    table = pool_table(result)
    md = pool_markdown(result)
    for s, (est, ci) in zip(result.studies, expected, strict=True):
        assert re.search(rf"{re.escape(s.label)}\s.*\s{re.escape(est)}\s+{re.escape(ci)}", table)
        assert f"| {est} | {ci} |" in md
    # the pooled row: table, Markdown, plot, summary of findings and report agree
    pooled = number(result.estimate, measure)
    pooled_ci = interval(result.ci_low, result.ci_high, measure)
    assert f"{pooled}  {pooled_ci}" in table or f"{pooled} {pooled_ci}" in table
    assert f"**{pooled}** | {pooled_ci} |" in md
    layout = forest_layout(result)
    row = next(r for r in layout.rows if r.kind == "pooled")
    assert row.estimate_text.replace(MINUS, "-") == f"{pooled} {pooled_ci}"
    summary = summarize(review, outcomes=[outcome], sort="listed")
    unit = " mo" if measure == "MED" else ""
    sof = render_sof(summary, fmt="md")
    assert f"| {pooled}{unit} {pooled_ci} |" in sof
    html = unescape(report_html(summary, review=review))
    assert f"{pooled}{unit} {pooled_ci}" in html
    for est, ci in expected:  # the report's study table (medians carry their unit)
        assert f"{est}{unit} {ci}".strip() in html


def test_a_huge_ratio_keeps_the_plot_narrow(odd_review: str) -> None:
    result = pool(load_review(odd_review), outcome="OS", measure="HR", sort="listed")
    huge = replace(result.studies[0], estimate=1e300, ci_low=1e299, ci_high=math.inf)
    result = replace(result, studies=(huge, *result.studies[1:]))
    layout = forest_layout(result, sort="listed")
    assert layout.rows[0].estimate_text == "> 1000 [> 1000, > 1000]"
    image = forest_image(result, fmt="png", sort="listed")
    assert image.width_px < 2500  # was 16,000 px: a 300-digit decimal


def test_months_and_proportions_in_the_table_of_pool(odd_review: str) -> None:
    code, out, err = cli("pool", "--outcome", "PFS", "--measure", "MED", "--studies", odd_review)
    assert code == 0, err
    assert "11.0  [8.0, 14.0]" in out and "11.000" not in out
    code, out, err = cli("pool", "--outcome", "ORR", "--studies", odd_review)
    assert code == 0, err
    assert "0.997  [0.991, 0.999]" in out
    assert "[< 0.001, 0.002]" in out  # 3/4000: never 0.000, never 0.000767


# ---------------------------------------------------------------------------
# tau² CI beyond the search limit (metafor prints ">100")


def _gen_review(folder: Path, yi: list[float], vi: list[float]) -> str:
    records = {}
    for i, (y, v) in enumerate(zip(yi, vi, strict=True)):
        records[f"s{i}.yaml"] = (
            f"id: s{i}\ncitation: S{i}\nyear: {2000 + i}\noutcomes:\n"
            f"  - {{name: Y, estimate: {y!r}, se: {math.sqrt(v)!r}}}\n"
        )
    return write(folder, records)


@pytest.mark.parametrize("case", REF["cases"], ids=lambda c: c["id"])
def test_tau2_ci_beyond_the_limit_is_flagged_as_metafor_signs_it(
    case: dict, tmp_path: Path
) -> None:
    studies = _gen_review(tmp_path / "studies", case["yi"], case["vi"])
    code, out, err = cli(
        "pool", "--outcome", "Y", "--method", case["method"], "--format", "json",
        "--studies", studies,
    )  # fmt: skip
    assert code == 0, err
    het = json.loads(out)["heterogeneity"]
    low_out, high_out = case["lb_sign"] == ">", case["ub_sign"] == ">"
    assert het["tau2_ci_low_unbounded"] is low_out
    assert het["tau2_ci_high_unbounded"] is high_out
    limit = max(100.0, 10.0 * case["tau2"])  # metafor's tau2.max
    assert het["tau2_ci_limit"] == pytest.approx(limit, rel=1e-5)
    for key, out_flag, ref in (
        ("tau2_ci_low", low_out, case["tau2_ci_lb"]),
        ("tau2_ci_high", high_out, case["tau2_ci_ub"]),
    ):
        if out_flag:  # the bound does not exist as a number: null (metafor's is the limit)
            assert het[key] is None
            assert ref == pytest.approx(limit, rel=1e-5)
        else:
            assert het[key] == pytest.approx(ref, rel=1e-5, abs=1e-8)
    # text, plot and report say '> limit' where metafor prints '>limit'
    code, text, _ = cli("pool", "--outcome", "Y", "--method", case["method"], "--studies", studies)
    line = next(x for x in text.splitlines() if x.startswith("Heterogeneity:"))
    printed = re.findall(r">(\d+(?:\.\d+)?)", case["printed"])
    assert line.count("> ") == len(printed)
    for value in printed:
        assert f"> {float(value):.4f}".rstrip("0").rstrip(".") in line
    result = pool(load_review(studies), outcome="Y", method=case["method"])
    footer = forest_layout(result).footer[0]
    assert footer == line.replace("tau²", "τ²")
    summary = summarize(load_review(studies), method=case["method"])
    html = unescape(report_html(summary, review=load_review(studies)))
    assert line.removeprefix("Heterogeneity: ").replace("tau²", "τ²") in html


def test_the_bounded_line_reads_as_before(tmp_path: Path) -> None:
    case = next(c for c in REF["cases"] if c["id"] == "bcg-alternate-DL")
    studies = _gen_review(tmp_path / "studies", case["yi"], case["vi"])
    result = pool(load_review(studies), outcome="Y", method="DL")
    # metafor: "tau^2    0.1326 0.0031  >100.0000"
    assert heterogeneity_line(result).startswith("Heterogeneity: tau² = 0.1326 [0.0031, > 100];")


def test_format_number_styles_are_the_registry_s() -> None:
    assert format_number(None) == ""
    assert format_number(float("nan")) == ""
    assert format_number(0.5, "proportion", 3) == "0.500"
