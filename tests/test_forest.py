"""Forest plots: the layout a plot is drawn from (rows, weights, diamonds, axis, texts),
the files written (PNG, SVG, PDF), text that never overlaps, and ``synth forest``."""

from __future__ import annotations

import math
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.analyses.pool import PoolResult, pool
from synthesis.errors import SynthError
from synthesis.plots.forest import (
    ForestLayout,
    draw_forest,
    forest_bytes,
    forest_image,
    forest_layout,
)
from synthesis.records.review import load_review
from synthesis.render.text import fmt, p_text
from tests.synthetic import write_review

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def review():
    return load_review(STUDIES)


@pytest.fixture(scope="module")
def review60(tmp_path_factory):
    folder = tmp_path_factory.mktemp("syn60")
    write_review(folder, k=60)
    return load_review(folder)


@pytest.fixture(scope="module")
def orr(review) -> PoolResult:
    return pool(review, outcome="ORR")


def study_rows(layout: ForestLayout):
    return [r for r in layout.rows if r.kind == "study"]


def kinds(layout: ForestLayout) -> list[str]:
    return [r.kind for r in layout.rows]


# ---------------------------------------------------------------------------
# Layout: rows, order, weights


def test_rows_follow_year_then_listed_order(orr: PoolResult) -> None:
    layout = forest_layout(orr)
    expected = [s.label for s in sorted(orr.studies, key=lambda s: s.year)]
    assert [r.label for r in study_rows(layout)] == expected
    assert expected == [
        "City of Hope 2022",
        "Rux-P-Gemox pilot 2025",
        "Yoon 2025 (L-ASNase-based)",
        "Yoon 2025 (non-L-ASNase)",
    ]
    assert kinds(layout) == ["study"] * 4 + ["blank", "pooled", "pi"]


def test_sort_by_estimate_and_as_listed(orr: PoolResult) -> None:
    by_est = [r.x for r in study_rows(forest_layout(orr, sort="estimate"))]
    assert by_est == sorted(s.estimate for s in orr.studies)
    listed = [r.label for r in study_rows(forest_layout(orr, sort="listed"))]
    assert listed == [s.label for s in sorted(orr.studies, key=lambda s: s.listed)]
    assert listed[:2] == ["Rux-P-Gemox pilot 2025", "City of Hope 2022"]  # files' order
    with pytest.raises(SynthError, match="--sort size"):
        forest_layout(orr, sort="size")


def test_study_texts_and_weights_come_from_the_result(orr: PoolResult) -> None:
    layout = forest_layout(orr)
    by_label = {s.label: s for s in orr.studies}
    top = max(s.weight for s in orr.studies)
    for row in study_rows(layout):
        s = by_label[row.label]
        assert row.data == s.data
        assert row.weight == s.weight
        assert row.weight_text == f"{s.weight:.1f}%"
        # proportions: three decimals, as in every output (render.text.number)
        assert row.estimate_text == f"{s.estimate:.3f} [{s.ci_low:.3f}, {s.ci_high:.3f}]"
        assert (row.x, row.ci_low, row.ci_high) == (s.estimate, s.ci_low, s.ci_high)
        assert row.size == pytest.approx(math.sqrt(s.weight / top))
    assert sum(r.weight for r in study_rows(layout)) == pytest.approx(100.0)
    texts = [r.weight_text for r in study_rows(layout)]
    assert texts == ["35.4%", "12.3%", "30.5%", "21.8%"]


def test_diamond_and_prediction_interval(orr: PoolResult) -> None:
    layout = forest_layout(orr)
    pooled = next(r for r in layout.rows if r.kind == "pooled")
    assert pooled.diamond == (orr.ci_low, orr.estimate, orr.ci_high)
    assert pooled.estimate_text == "0.518 [0.300, 0.730]"
    assert pooled.data == "k = 4, n = 182"
    assert pooled.weight_text == "100.0%"
    pi = next(r for r in layout.rows if r.kind == "pi")
    assert (pi.lo, pi.hi) == (orr.pi_low, orr.pi_high)
    assert pi.estimate_text == "[0.156, 0.863]"
    assert layout.rows.index(pi) == layout.rows.index(pooled) + 1  # the bar under the diamond


def test_proportion_axis_is_zero_to_one_without_null_line(orr: PoolResult) -> None:
    layout = forest_layout(orr)
    assert layout.scale == "linear"
    assert layout.xlim == (0.0, 1.0)
    assert layout.ticks == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    assert layout.null_line is None
    assert layout.xlabel == "Proportion"
    assert layout.headers == ("Study", "Events/Total", "Proportion [95% CI]", "Weight")
    assert layout.pooled_line == orr.estimate


def test_hazard_ratio_axis_is_log_with_null_at_one(review) -> None:
    result = pool(review, outcome="OS", measure="HR")
    layout = forest_layout(result, favours=("L-ASNase", "other"))
    assert layout.scale == "log"
    assert layout.null_line == 1.0
    assert layout.xlim == (0.5, 5.0)
    assert layout.ticks == (0.5, 1.0, 2.0, 5.0)
    assert layout.tick_labels == ("0.5", "1", "2", "5")
    assert layout.favours == ("L-ASNase", "other")
    assert layout.warnings == ()
    (row,) = study_rows(layout)
    assert row.data == "HR 2.142 [1.061, 4.326]"
    assert row.estimate_text == "2.14 [1.06, 4.33]"
    assert layout.xlabel == "Hazard ratio (log scale)"
    assert "Test of overall effect: z = 2.12, p = 0.0336" in layout.footer


def test_risk_difference_axis_is_linear_with_null_at_zero(review) -> None:
    result = pool(review, outcome="ORR", measure="RD")
    layout = forest_layout(result)
    assert (layout.scale, layout.null_line) == ("linear", 0.0)
    lo, hi = layout.xlim
    assert lo <= 0.0 <= hi and lo >= -1.0 and hi <= 1.0
    (row,) = study_rows(layout)
    assert row.estimate_text == "0.252 [\u22120.027, 0.532]"  # a true minus sign
    assert "\u22120.2" in layout.tick_labels


def test_medians_have_no_null_line_and_a_month_axis(review) -> None:
    result = pool(review, outcome="OS", measure="MED")
    layout = forest_layout(result)
    assert (layout.scale, layout.null_line, layout.xlim[0]) == ("linear", None, 0.0)
    assert layout.xlabel == "Median (months)"
    rows = study_rows(layout)
    assert [r.estimate_text for r in rows] == ["11.0 [1.0, 22.9]", "1.6"]
    assert rows[1].lo is None and rows[1].size > 0  # a median without CI: a square, no line
    pooled = next(r for r in layout.rows if r.kind == "pooled")
    assert pooled.diamond == (result.ci_low, result.estimate, result.ci_high)
    assert "pi" not in kinds(layout)


def test_median_not_reached_is_a_row_without_square(review) -> None:
    result = pool(review, outcome="DOR", measure="MED")
    first = result.studies[0]
    odd = replace(first, estimate=None, ci_low=3.0, ci_high=None, data="median NR [3, NR]")
    layout = forest_layout(replace(result, studies=(odd, *result.studies[1:])), sort="listed")
    row = study_rows(layout)[0]
    assert row.estimate_text == "NR"
    assert row.size == 0.0
    assert (row.lo, row.hi, row.arrow_right) == (3.0, layout.xlim[1], True)
    forest_bytes(replace(result, studies=(odd, *result.studies[1:])), fmt="png")


def test_limits_hold_every_interval_or_flag_it_with_arrows(review60) -> None:
    result = pool(review60, outcome="ORR", measure="OR")
    s0 = result.studies[0]
    wild = replace(s0, ci_low=s0.estimate / 1e4, ci_high=s0.estimate * 1e4)
    result = replace(result, studies=(wild, *result.studies[1:]))
    layout = forest_layout(result)
    lo_lim, hi_lim = layout.xlim
    arrows = 0
    for r in layout.rows:
        if r.lo is None:
            continue
        assert lo_lim <= r.lo <= r.hi <= hi_lim
        assert r.lo == r.ci_low or (r.arrow_left and r.ci_low < lo_lim)
        assert r.hi == r.ci_high or (r.arrow_right and r.ci_high > hi_lim)
        if r.x is not None and r.kind == "study":
            assert lo_lim <= r.x <= hi_lim
        arrows += r.arrow_left + r.arrow_right
    wild_row = next(r for r in layout.rows if r.label == wild.label)
    assert wild_row.arrow_left and wild_row.arrow_right
    assert arrows >= 2
    # the pooled diamond and the prediction interval are never cut
    for r in layout.rows:
        if r.kind in ("pooled", "pi"):
            assert not (r.arrow_left or r.arrow_right)


def test_log_ticks_are_readable_values(review60) -> None:
    for measure in ("HR", "OR", "RR"):
        outcome = "OS" if measure == "HR" else "ORR"
        layout = forest_layout(pool(review60, outcome=outcome, measure=measure))
        assert layout.scale == "log" and 1.0 in layout.ticks
        for t in layout.ticks:
            mantissa = t / 10 ** math.floor(math.log10(t) + 1e-9)
            assert round(mantissa, 9) in (1.0, 2.0, 5.0), t
            assert layout.xlim[0] <= t <= layout.xlim[1]


def test_footer_has_heterogeneity_test_and_method(orr: PoolResult) -> None:
    layout = forest_layout(orr)
    h = orr.heterogeneity
    footer = "\n".join(layout.footer)
    assert f"τ² = {fmt(h.tau2, 4)}" in footer
    assert f"I² = {h.I2:.1f}%" in footer
    assert f"Q = {h.Q:.2f} (df = {h.Q_df}, {p_text(h.Q_p)})" in footer
    assert "τ² = 0.5904" in footer and "I² = 77.0%" in footer and "p = 0.0127" in footer
    assert "restricted maximum likelihood (REML)" in footer and "Wald z 95% CI" in footer
    assert "logit" in footer
    assert "Test of overall effect" not in footer  # no null hypothesis for a single proportion


def test_favours_are_ignored_with_a_warning_without_null_line(orr: PoolResult) -> None:
    layout = forest_layout(orr, favours=("a", "b"))
    assert layout.favours is None
    assert layout.warnings and "--favours" in layout.warnings[0]


def test_subgroup_blocks_each_with_their_diamond_and_the_test(review) -> None:
    result = pool(review, outcome="ORR", by="disease")
    layout = forest_layout(result)
    assert kinds(layout) == [
        "subgroup-header", "study", "study", "study", "subgroup-pooled", "subgroup-pi",
        "subgroup-heterogeneity", "blank",
        "subgroup-header", "study", "subgroup-pooled", "blank",
        "pooled", "pi",
    ]  # fmt: skip
    headers = [r.label for r in layout.rows if r.kind == "subgroup-header"]
    assert headers == ["disease = ANKL", "disease = B-ALL"]
    diamonds = [r for r in layout.rows if r.kind == "subgroup-pooled"]
    assert len(diamonds) == len(result.subgroups) == 2
    for g, d in zip(result.subgroups, diamonds, strict=True):
        if g.k == 1:  # one study pools nothing: no diamond, the study's own numbers
            (s,) = g.studies
            assert d.diamond is None and d.label == "Subtotal: single study, not pooled"
            assert (d.x, d.ci_low, d.ci_high) == (s.estimate, s.ci_low, s.ci_high)
        else:
            assert d.diamond == (g.ci_low, g.estimate, g.ci_high)
        assert d.subgroup == f"disease = {g.value}"
        members = [r for r in study_rows(layout) if r.subgroup == d.subgroup]
        assert sorted(r.weight_text for r in members) == sorted(
            f"{s.weight:.1f}%" for s in g.studies
        )
    overall = next(r for r in layout.rows if r.kind == "pooled")
    assert overall.diamond == (result.ci_low, result.estimate, result.ci_high)
    assert overall.weight_text == ""
    t = result.subgroup_test
    line = f"Test for subgroup differences: Q = {t.Q:.2f} (df = {t.df}, {p_text(t.p)})"
    assert line in layout.footer
    assert line == "Test for subgroup differences: Q = 0.99 (df = 1, p = 0.3205)"
    het = next(r for r in layout.rows if r.kind == "subgroup-heterogeneity")
    assert het.label == "Heterogeneity: I² = 70.0%, τ² = 0.9634, p = 0.0615"
    assert layout.title == "ORR by disease"


def test_k1_and_k2_work(review) -> None:
    one = pool(review, outcome="CR")
    layout = forest_layout(one)
    assert one.k == 1 and len(study_rows(layout)) == 1
    assert "Heterogeneity: not estimable (k = 1)" in layout.footer
    assert "pi" not in kinds(layout)
    two = pool(review, outcome="DOR", measure="MED")
    assert two.k == 2 and len(study_rows(forest_layout(two))) == 2
    for result in (one, two):
        assert forest_bytes(result, fmt="png").startswith(PNG_SIGNATURE)


def test_to_frame_has_one_row_per_plot_row(orr: PoolResult) -> None:
    layout = forest_layout(orr)
    frame = layout.to_frame()
    assert len(frame) == len(layout.rows)
    assert list(frame["kind"]) == kinds(layout)
    assert list(frame["row"]) == list(range(len(layout.rows)))
    assert {"label", "estimate_text", "weight_text", "x", "lo", "hi", "size"} <= set(frame)


# ---------------------------------------------------------------------------
# Files


def png_dpi(data: bytes) -> float:
    i = data.index(b"pHYs")
    x_ppm, y_ppm, unit = struct.unpack(">IIB", data[i + 4 : i + 13])
    assert unit == 1 and x_ppm == y_ppm
    return round(x_ppm * 0.0254, 1)  # pixels per metre, an integer: 7874 is 200 dpi


def test_png_is_valid_at_200_dpi_or_more(orr: PoolResult) -> None:
    import matplotlib.image as mpimg

    image = forest_image(orr, fmt="png")
    assert image.data.startswith(PNG_SIGNATURE)
    assert png_dpi(image.data) == pytest.approx(200, abs=0.1)
    pixels = mpimg.imread(__import__("io").BytesIO(image.data), format="png")
    assert pixels.shape[:2] == (image.height_px, image.width_px)
    assert png_dpi(forest_bytes(orr, fmt="png", dpi=300)) == pytest.approx(300, abs=0.1)


def test_svg_is_valid_self_contained_and_deterministic(orr: PoolResult) -> None:
    data = forest_bytes(orr, fmt="svg")
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"<text" not in data  # glyphs are paths: the same layout in every browser
    assert b"<image" not in data
    assert data == forest_bytes(orr, fmt="svg")
    assert len(data) < 400_000


def test_pdf_is_valid_and_deterministic(orr: PoolResult) -> None:
    data = forest_bytes(orr, fmt="pdf")
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert data == forest_bytes(orr, fmt="pdf")


def test_unknown_format_is_refused(orr: PoolResult) -> None:
    with pytest.raises(SynthError, match="unknown plot format 'jpg'"):
        forest_bytes(orr, fmt="jpg")


def test_drawing_leaves_matplotlib_settings_alone(orr: PoolResult) -> None:
    import warnings

    import matplotlib

    before = dict(matplotlib.rcParams)
    filters = list(warnings.filters)
    forest_bytes(orr, fmt="svg")
    forest_bytes(orr, fmt="png")
    assert dict(matplotlib.rcParams) == before
    assert list(warnings.filters) == filters


def text_boxes(fig) -> list[tuple[str, object]]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += list(ax.texts) + ax.get_xticklabels() + [ax.xaxis.label]
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in texts
        if t.get_visible() and t.get_text()
    ]


def assert_no_text_overlaps(fig) -> int:
    """Every text inside the figure and no two texts' boxes overlapping; returns the count."""
    boxes = text_boxes(fig)
    arr = np.array([[b.x0, b.y0, b.x1, b.y1] for _, b in boxes])
    assert (arr[:, 0] >= 0).all() and (arr[:, 2] <= fig.bbox.width).all()  # nothing clipped
    assert (arr[:, 1] >= 0).all() and (arr[:, 3] <= fig.bbox.height).all()
    x0, y0, x1, y1 = (arr[:, i] for i in range(4))
    overlap = (
        (x0[:, None] < x1[None, :] - 0.5)
        & (x0[None, :] < x1[:, None] - 0.5)
        & (y0[:, None] < y1[None, :] - 0.5)
        & (y0[None, :] < y1[:, None] - 0.5)
    )
    np.fill_diagonal(overlap, False)
    pairs = [(boxes[i][0], boxes[j][0]) for i, j in zip(*np.nonzero(overlap), strict=True)]
    assert pairs == []
    assert min(t.get_fontsize() for t in fig.texts) >= 8  # readable in print
    return len(boxes)


def test_overlap_check_sees_overlaps(orr: PoolResult) -> None:
    fig = draw_forest(forest_layout(orr))
    fig.text(0.5, 0.5, "Overlapping one")
    fig.text(0.5, 0.5, "Overlapping two")
    with pytest.raises(AssertionError):
        assert_no_text_overlaps(fig)


def test_100_rows_grow_the_figure_and_no_text_overlaps(tmp_path: Path) -> None:
    small_dir, big_dir = tmp_path / "small", tmp_path / "big"
    write_review(small_dir, k=3, seed=1)
    write_review(big_dir, k=50, seed=1)
    small = pool(load_review(small_dir), outcome="ORR")  # 6 arms as rows
    big = pool(load_review(big_dir), outcome="ORR")  # 100 arms as rows
    assert big.k == 100
    layout = forest_layout(big)
    assert len(study_rows(layout)) == 100
    small_layout = forest_layout(small)
    fig_small = draw_forest(small_layout)
    fig = draw_forest(layout)
    h_small, h_big = fig_small.get_size_inches()[1], fig.get_size_inches()[1]
    assert h_big > h_small + 94 * 0.2  # height follows rows (~0.2 in each)
    assert h_small / len(small_layout.rows) > 0.2  # few rows: full size, not squeezed
    assert assert_no_text_overlaps(fig) > 400
    assert_no_text_overlaps(fig_small)


@pytest.mark.parametrize(
    ("kwargs", "by"),
    [
        ({"outcome": "OS", "measure": "HR"}, None),
        ({"outcome": "ORR", "measure": "RR"}, "disease"),
        ({"outcome": "OS", "measure": "MED"}, None),
    ],
)
def test_sixty_studies(review60, kwargs: dict, by: str | None) -> None:
    result = pool(review60, by=by, **kwargs)
    layout = forest_layout(result, favours=("new drug", "standard"))
    assert len(study_rows(layout)) == (120 if kwargs["measure"] == "MED" else 60)
    fig = draw_forest(layout)
    assert fig.get_size_inches()[1] > 60 * 0.2
    assert assert_no_text_overlaps(fig) >= 60 * 3
    if by:
        assert sum(r.kind == "subgroup-pooled" for r in layout.rows) == 3


# ---------------------------------------------------------------------------
# synth forest


def run(*args: str):
    return CliRunner().invoke(main, ["forest", *args, "--studies", STUDIES])


def test_cli_writes_png_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "forest-orr.png"
    result = run("--outcome", "ORR", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"wrote {re.escape(str(out))} \(ORR, k = 4, \d+x\d+ px\)\n", result.stdout)
    data = out.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert png_dpi(data) >= 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forest-orr.png"]  # no temp file left
    assert "rows are not independent" in result.stderr


@pytest.mark.parametrize("suffix", ["svg", "pdf", "PNG"])
def test_cli_every_format(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"os.{suffix}"
    result = run("--outcome", "OS", "--measure", "HR", "--favours", "L-ASNase", "other",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if suffix == "svg":
        assert ET.fromstring(data).tag.endswith("svg")
        assert re.search(r"\(OS, k = 1, [\d.]+x[\d.]+ in\)", result.stdout)
    elif suffix == "pdf":
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    else:
        assert data.startswith(PNG_SIGNATURE)


def test_cli_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "plot.png"
    out.write_bytes(b"precious")
    result = run("--outcome", "ORR", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"synth: error: {out}: already exists; use --force to overwrite it\n"
    assert result.stdout == ""
    assert out.read_bytes() == b"precious"
    result = run("--outcome", "ORR", "-o", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png"]


def test_cli_unknown_suffix(tmp_path: Path) -> None:
    out = tmp_path / "plot.jpg"
    result = run("--outcome", "ORR", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        f"synth: error: "
        f"{out}: unknown plot format '.jpg'; end the file name with .png, .svg or .pdf\n"
    )
    assert not out.exists()
    result = run("--outcome", "ORR", "-o", str(tmp_path / "plot"))
    assert result.exit_code == 2
    assert "unknown plot format '(no suffix)'" in result.stderr


def test_cli_unknown_outcome_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "plot.svg"
    result = run("--outcome", "XYZ", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "synth: error: no study reports outcome 'XYZ'; outcomes in this"
    )
    assert list(tmp_path.iterdir()) == []


def test_cli_missing_folder_and_low_dpi(tmp_path: Path) -> None:
    result = run("--outcome", "ORR", "-o", str(tmp_path / "no" / "plot.png"))
    assert result.exit_code == 2
    no = tmp_path / "no"
    assert result.stderr == (
        f"synth: error: cannot write {no / 'plot.png'}: folder {no} does not exist; "
        f"create it first (mkdir -p {no}) or give another folder\n"
    )
    result = run("--outcome", "ORR", "-o", str(tmp_path / "plot.png"), "--dpi", "100")
    assert result.exit_code == 2
    assert "--dpi" in result.stderr


def test_cli_favours_on_a_proportion_warns(tmp_path: Path) -> None:
    result = run("--outcome", "ORR", "--favours", "a", "b", "-o", str(tmp_path / "p.svg"))
    assert result.exit_code == 0
    assert "synth: warning: --favours is for comparative measures" in result.stderr


def test_cli_by_and_sort(tmp_path: Path) -> None:
    out = tmp_path / "by.png"
    result = run("--outcome", "ORR", "--by", "disease", "--sort", "estimate", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_cli_help_has_examples() -> None:
    result = CliRunner().invoke(main, ["forest", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output
    for option in ("--outcome", "--measure", "--method", "--ci", "--by", "--where",
                   "--studies", "--output", "--sort", "--favours", "--dpi", "--force"):  # fmt: skip
        assert option in result.output


def test_pool_never_imports_plotting() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from synthesis.cli import main; "
        f"r = CliRunner().invoke(main, ['pool', '--outcome', 'ORR', '--studies', {STUDIES!r}]); "
        "assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('matplotlib', 'forestplot', 'synthesis.plots.forest') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"


def test_numbers_in_the_plot_differences_never_show_minus_zero() -> None:
    from synthesis.plots.forest import _num

    assert _num(0.00045, "RD") == "0.000"
    assert _num(-0.00045, "RD") == "0.000"
    assert _num(-0.0451, "RD") == "\u22120.045"
    assert _num(0.0045, "HR") == "0.00450"  # a ratio never prints as 0.00
    assert _num(0.996, "PLO") == "0.996"  # not 1.00
    assert _num(11.04, "MED") == "11.0"
    assert _num(None, "MED") == "NR"
