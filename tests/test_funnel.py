"""The funnel plot (synthesis.plots.funnel) and the report's small-study section
(synthesis.render.bias): what they show, checked as data and in the drawn pixels."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from synthesis.analyses.bias import BiasResult, TrimFill, bias_of
from synthesis.analyses.pool import PoolResult, pool
from synthesis.errors import SynthError
from synthesis.plots.funnel import (
    CONTOUR_LEVELS,
    SHADES,
    FunnelLayout,
    draw_funnel,
    funnel_image,
    funnel_layout,
)
from synthesis.records.review import load_review
from synthesis.render.bias import bias_section, no_funnel_reason
from tests.synthetic import write_review
from tests.test_bias_cli import DS, write_records
from tests.test_forest import assert_no_text_overlaps

ROOT = Path(__file__).resolve().parent.parent
STUDIES = ROOT / "studies"
Z = {0.90: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004}


@pytest.fixture(scope="module")
def hackshaw(tmp_path_factory: pytest.TempPathFactory) -> BiasResult:
    folder = write_records(tmp_path_factory.mktemp("hack") / "r", "hackshaw1998-OR")
    return bias_of(pool(load_review(folder), outcome="X", measure="OR"))


@pytest.fixture(scope="module")
def orr() -> BiasResult:
    return bias_of(pool(load_review(STUDIES), outcome="ORR"))


def test_points_are_the_studies_and_the_filled_ones(hackshaw: BiasResult) -> None:
    layout = funnel_layout(hackshaw)
    tf = hackshaw.trim_and_fill
    assert isinstance(tf, TrimFill) and tf.k0 == 7  # metafor: 7 missing on the left
    observed = [p for p in layout.points if not p.filled]
    filled = [p for p in layout.points if p.filled]
    ds = DS["hackshaw1998-OR"]
    np.testing.assert_allclose([p.x for p in observed], ds["yi"], rtol=1e-13)
    np.testing.assert_allclose([p.se for p in observed], np.sqrt(ds["vi"]), rtol=1e-12)
    np.testing.assert_allclose([p.x for p in filled], tf.filled_yi, rtol=1e-15)
    assert [p.se**2 for p in filled] == pytest.approx(list(tf.filled_vi), rel=1e-14)
    assert all(p.x < layout.estimate for p in filled)  # filled on the left
    assert layout.adjusted == hackshaw.trim_and_fill_model.model_scale.estimate


def test_axes_as_metafor_funnel(hackshaw: BiasResult) -> None:
    """y: 0 at the top down to the largest SE + 10%; x: every point and the widest region
    at the bottom, plus 10% of the span on each side (funnel.rma's limits)."""
    layout = funnel_layout(hackshaw)
    se_max = max(p.se for p in layout.points)
    assert layout.ylim == (pytest.approx(1.1 * se_max), 0.0)
    lo = min(min(p.x for p in layout.points), -Z[0.99] * se_max,
             layout.estimate - Z[0.95] * se_max)  # fmt: skip
    hi = max(max(p.x for p in layout.points), Z[0.99] * se_max,
             layout.estimate + Z[0.95] * se_max)  # fmt: skip
    span = hi - lo
    assert layout.xlim == (pytest.approx(lo - 0.1 * span), pytest.approx(hi + 0.1 * span))
    assert layout.yticks[0] == 0.0 and layout.yticks[-1] <= layout.ylim[0]
    assert layout.xlabel == "Odds ratio (log scale)" and layout.ylabel == "Standard error"


def test_ratio_ticks_are_ratios_at_their_logs(hackshaw: BiasResult) -> None:
    layout = funnel_layout(hackshaw)
    assert "1" in layout.xtick_labels
    for x, label in zip(layout.xticks, layout.xtick_labels, strict=True):
        assert math.isclose(math.exp(x), float(label), rel_tol=1e-12)
        assert layout.xlim[0] <= x <= layout.xlim[1]


def test_proportion_ticks_are_proportions_at_their_logits(orr: BiasResult) -> None:
    layout = funnel_layout(orr)
    assert layout.xlabel == "Proportion (logit scale)"
    assert len(layout.xticks) >= 3
    for x, label in zip(layout.xticks, layout.xtick_labels, strict=True):
        p = float(label)
        assert math.isclose(x, math.log(p / (1 - p)), rel_tol=1e-12, abs_tol=1e-15)


def test_contours_against_no_effect_for_ratios_and_around_the_estimate_for_proportions(
    hackshaw: BiasResult, orr: BiasResult
) -> None:
    h = funnel_layout(hackshaw)
    assert h.centre == 0.0 and h.centre_is_null  # log(1)
    assert [lv for lv, _, _ in h.regions] == list(CONTOUR_LEVELS) == [0.90, 0.95, 0.99]
    assert [t for _, _, t in h.regions] == ["p > 0.10", "0.05 < p ≤ 0.10", "0.01 < p ≤ 0.05"]
    assert h.background == (SHADES[3], "p ≤ 0.01")
    for level, z in Z.items():  # the region edges are centre -/+ z(level) se
        lo, hi = h.region_x(level, 0.5)
        assert math.isclose(lo, -z * 0.5, rel_tol=1e-15) and math.isclose(hi, z * 0.5)
    o = funnel_layout(orr)
    assert not o.centre_is_null and o.centre == orr.model.model_scale.estimate
    assert o.background[1] == "outside 99%"


def test_footer_reports_the_tests(hackshaw: BiasResult) -> None:
    footer = " ".join(funnel_layout(hackshaw).footer)
    assert "Egger's test t(35) = 2.38, p = 0.0228" in footer
    assert "Trim and fill (L0): 7 studies filled on the left (open circles)" in footer
    assert "adjusted estimate 1.19 [1.08, 1.31]" in footer
    assert "two-sided p of a study of that standard error against no effect" in footer


def _pixel(fig, ax, x: float, y: float) -> np.ndarray:
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    px, py = ax.transData.transform((x, y))
    return rgba[round(float(fig.bbox.height - py)), round(float(px)), :3]


def test_drawn_pixels_show_filled_black_and_open_white_circles(hackshaw: BiasResult) -> None:
    layout = funnel_layout(hackshaw)
    fig = draw_funnel(layout, dpi=100)
    ax = fig.axes[0]
    observed = next(p for p in layout.points if not p.filled)
    filled = next(p for p in layout.points if p.filled)
    assert (_pixel(fig, ax, observed.x, observed.se) < 40).all()  # a black dot
    assert (_pixel(fig, ax, filled.x, filled.se) > 215).all()  # an open circle's white centre
    # the background (p <= 0.01) top left, the white p > 0.10 region at the bottom centre
    corner = _pixel(fig, ax, layout.xlim[0] + 0.02 * (layout.xlim[1] - layout.xlim[0]), 0.02)
    assert abs(int(corner[0]) - int(SHADES[3][1:3], 16)) <= 2
    inside = _pixel(fig, ax, 0.02, 0.98 * layout.ylim[0])
    assert (inside > 250).all()
    assert ax.yaxis_inverted()


def test_no_text_overlaps_and_nothing_clipped(hackshaw: BiasResult, orr: BiasResult) -> None:
    for b in (hackshaw, orr):
        fig = draw_funnel(funnel_layout(b))
        assert assert_no_text_overlaps(fig) > 10
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for legend in fig.legends:  # the legends stay inside the figure
            box = legend.get_window_extent(renderer)
            assert box.x1 <= fig.bbox.width and box.y0 >= 0


def test_formats_are_valid_and_deterministic(hackshaw: BiasResult) -> None:
    png = funnel_image(hackshaw, fmt="png")
    assert png.data.startswith(b"\x89PNG") and png.width_px == 1400
    svg1 = funnel_image(hackshaw, fmt="svg").data
    assert svg1 == funnel_image(hackshaw, fmt="svg").data
    pdf = funnel_image(hackshaw, fmt="pdf").data
    assert pdf.startswith(b"%PDF") and pdf == funnel_image(hackshaw, fmt="pdf").data
    with pytest.raises(SynthError, match="unknown plot format 'gif'"):
        funnel_image(hackshaw, fmt="gif")


def test_drawing_leaves_matplotlib_settings_alone(orr: BiasResult) -> None:
    import warnings

    import matplotlib

    before = dict(matplotlib.rcParams)
    filters = list(warnings.filters)
    funnel_image(orr, fmt="svg")
    funnel_image(orr, fmt="png")
    assert dict(matplotlib.rcParams) == before
    assert list(warnings.filters) == filters


def test_k1_and_many_studies(tmp_path: Path) -> None:
    one = bias_of(pool(load_review(STUDIES), outcome="OS", measure="HR"))
    assert one.k == 1
    layout = funnel_layout(one)
    assert len(layout.points) == 1 and layout.adjusted is None
    assert any("fewer than 10" in w for w in layout.warnings)
    assert funnel_image(one, fmt="png").data.startswith(b"\x89PNG")
    write_review(tmp_path, k=120, seed=3)
    many = bias_of(pool(load_review(tmp_path), outcome="OS", measure="HR"))
    fig = draw_funnel(funnel_layout(many))
    assert_no_text_overlaps(fig)


def test_medians_have_no_funnel() -> None:
    result = pool(load_review(STUDIES), outcome="OS", measure="MED")
    with pytest.raises(SynthError, match="pooled medians"):
        bias_of(result)
    assert no_funnel_reason(result) == "No funnel plot: pooled medians have no standard errors."


# --------------------------------------------------------------------------- report section


def test_report_section_below_10_studies_says_why_there_is_no_funnel() -> None:
    result = pool(load_review(STUDIES), outcome="ORR")
    html = bias_section(result, prefix="b1")
    assert "<svg" not in html
    assert (
        "No funnel plot: with 4 studies (fewer than 10) a funnel plot and the tests for its "
        "asymmetry have too little power to tell chance from real asymmetry (Cochrane Handbook "
        "for Systematic Reviews of Interventions, section 13.3.5.4)."
    ) in html
    glmm = pool(load_review(STUDIES), outcome="ORR", method="GLMM")
    assert "inverse-variance model" in bias_section(glmm, prefix="b2")


def test_report_section_from_10_studies_has_the_funnel_and_the_tests(
    hackshaw: BiasResult,
) -> None:
    result: PoolResult = hackshaw.model
    html = bias_section(result, prefix="o3", bias=hackshaw)
    assert html.count("<svg") == 1 and 'aria-label="Funnel plot of X"' in html
    assert "<?xml" not in html
    ids = set(__import__("re").findall(r'\bid="([^"]+)"', html))
    assert ids and all(i.startswith("o3-") for i in ids)
    assert "<td>Egger&#x27;s test (weighted regression on the standard error)</td>" in html
    assert "<td>t(35) = 2.38</td>" in html
    assert "Trim and fill (L0) estimates 7 missing studies on the left" in html
    assert bias_section(result, prefix="o3") == html  # computed when not given: the same
    assert isinstance(FunnelLayout, type)
