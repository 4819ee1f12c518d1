"""Funnel plots: a small-study analysis -> a layout (pure data) -> a figure (PNG, SVG, PDF).

As :mod:`synthesis.plots.forest`, two layers:

1. :func:`funnel_layout` turns a :class:`~synthesis.analyses.bias.BiasResult` into a
   :class:`FunnelLayout`: the points (observed studies, and the studies trim and fill
   filled in), the shaded contour regions, the pooled and adjusted estimates, the axes
   (limits, ticks, reporting-scale tick labels) and the footer with the tests. No
   matplotlib here, so tests can check exactly what the plot shows.
2. :func:`draw_funnel` draws a layout on a bare matplotlib ``Figure`` (Agg canvas,
   pyplot and the user's rcParams left alone); :func:`funnel_image` returns the bytes.

What is drawn, as metafor's ``funnel.rma`` draws it: each study's effect (analysis
scale: log ratio, logit proportion, ...) against its standard error, the y axis
inverted (0 at the top) and running to the largest standard error plus 10%; the x axis
holds every study and the widest region at the bottom, plus 10% on each side.

* **Contours** (``funnel(res, level = c(90, 95, 99), shade = ..., refline = 0)``, the
  contour-enhanced funnel of Peters et al. 2008, J Clin Epidemiol 61:991): regions where a
  study of that standard error would have two-sided p > 0.10, 0.05-0.10, 0.01-0.05 and
  < 0.01 against no effect, darker for smaller p. For a single-arm measure (a proportion:
  there is no "no effect") the regions are centred on the pooled estimate instead, as
  metafor's default ``refline``.
* **Pseudo-confidence region** around the pooled estimate: the dashed lines
  ``estimate -/+ z se`` at the analysis's level, and the vertical line at the estimate.
* **Trim and fill**: the filled studies as open circles and the adjusted estimate as a
  dotted vertical line (metafor's ``funnel`` of a ``trimfill`` object).
* Tick labels on the reporting scale for ratios (log axis labelled 0.5, 1, 2, ...) and
  for logit and arcsine proportions.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synthesis.analyses.bias import NotRun, RankTest, RegressionTest, TrimFill, to_model_scale
from synthesis.errors import SynthError
from synthesis.measures import MEASURES
from synthesis.render.text import level_text, p_text
from synthesis.special import ndtri

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from synthesis.analyses.bias import BiasResult

MINUS = "\u2212"
FORMATS = ("png", "svg", "pdf")
CONTOUR_LEVELS = (0.90, 0.95, 0.99)
# p > 0.10, 0.05-0.10, 0.01-0.05 (inside the 99% region), p < 0.01 (the background)
SHADES = ("#FFFFFF", "#DCDCDC", "#BDBDBD", "#9A9A9A")
POINT_COLOUR = "#000000"
ESTIMATE_COLOUR = "#0072B2"  # Okabe-Ito blue, as the forest plot's squares
ADJUSTED_COLOUR = "#D55E00"  # Okabe-Ito vermillion
FONT_SIZE = 9.0
SMALL_SIZE = 8.0
TITLE_SIZE = 11.0
FOOTER_CHARS = 118  # footer lines are wrapped to fit the 7-inch figure


@dataclass(frozen=True)
class FunnelPoint:
    """One study on the plot: ``x`` its effect (analysis scale), ``se`` its standard error."""

    x: float
    se: float
    filled: bool = False
    label: str = ""


@dataclass(frozen=True)
class FunnelLayout:
    """Everything a funnel plot shows, as data (no matplotlib).

    ``regions`` are the contour bands from the inside out: (level, shade, legend text),
    each the region ``centre -/+ z(level) se``; the background outside the last one has
    shade ``background``. ``pseudo_ci_level`` is the level of the dashed pseudo-CI
    lines around ``estimate``. ``adjusted`` is the trim-and-fill estimate (None when
    nothing was filled). All x values are on the analysis scale; ``xtick_labels`` are
    on the reporting scale where the measure has one.
    """

    title: str
    subtitle: str
    outcome: str
    measure: str
    k: int
    points: tuple[FunnelPoint, ...]
    estimate: float
    adjusted: float | None
    centre: float  # where the contour regions are centred (no effect, or the estimate)
    centre_is_null: bool
    regions: tuple[tuple[float, str, str], ...]
    background: tuple[str, str]  # (shade, legend text)
    pseudo_ci_level: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]  # (bottom = largest se + 10%, top = 0)
    xticks: tuple[float, ...]
    xtick_labels: tuple[str, ...]
    yticks: tuple[float, ...]
    ytick_labels: tuple[str, ...]
    xlabel: str
    ylabel: str
    footer: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())

    def region_x(self, level: float, se: float, centre: float | None = None) -> tuple[float, float]:
        """The edges of the ``level`` region at standard error ``se``."""
        z = -float(ndtri((1.0 - level) / 2.0))
        c = self.centre if centre is None else centre
        return c - z * se, c + z * se


@dataclass(frozen=True)
class FunnelImage:
    """A drawn funnel plot: the file's bytes and its size."""

    data: bytes
    fmt: str
    width_in: float
    height_in: float
    dpi: int
    layout: FunnelLayout

    @property
    def width_px(self) -> int:
        return int(self.width_in * self.dpi)

    @property
    def height_px(self) -> int:
        return int(self.height_in * self.dpi)


# ---------------------------------------------------------------------------
# Layout (pure data)


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    mag = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mult * mag >= raw * (1 - 1e-9):
            return mult * mag
    return 10.0 * mag  # pragma: no cover


def _num(value: float) -> str:
    return f"{value:g}".replace("-", MINUS)


def _num2(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace("-", MINUS)


def _linear_ticks(lo: float, hi: float, target: int = 5) -> tuple[float, ...]:
    step = _nice_step(max(hi - lo, 1e-12), target)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return tuple(round(i * step, 12) + 0.0 for i in range(first, last + 1))


def _reporting_ticks(
    result: Any, lo: float, hi: float
) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Ticks at round reporting-scale values (a ratio, a proportion) inside [lo, hi]."""
    measure = result.measure
    if MEASURES[measure].log:
        cands = []
        for e in range(math.floor(lo / math.log(10)) - 1, math.ceil(hi / math.log(10)) + 2):
            cands += [float(f"{m}e{e}") for m in (1, 2, 5)]
        inside = [c for c in cands if lo <= math.log(c) <= hi]
        if len(inside) > 8:  # powers of ten (and their halves' neighbours) only
            inside = [c for c in inside if f"{c:g}".lstrip("0.").startswith("1")]
        if len(inside) < 3:  # a narrow range: round steps of the ratio itself
            inside = [t for t in _linear_ticks(math.exp(lo), math.exp(hi)) if t > 0]
        return tuple(math.log(c) for c in inside), tuple(_num(c) for c in inside)
    if measure in ("PLO", "PAS"):
        cands = (0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95,
                 0.98, 0.99, 0.999)  # fmt: skip
        pos = [(to_model_scale(result, c), c) for c in cands]
        inside = [(x, c) for x, c in pos if lo <= x <= hi]
        if len(inside) > 7:
            keep = {0.01, 0.05, 0.1, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99}
            inside = [(x, c) for x, c in inside if c in keep]
        if len(inside) >= 3:
            return tuple(x for x, _ in inside), tuple(_num(c) for _, c in inside)
    ticks = _linear_ticks(lo, hi)
    return ticks, tuple(_num(t) for t in ticks)


def _xlabel(measure: str) -> str:
    m = MEASURES[measure]
    if m.log:
        return m.axis_label  # "Odds ratio (log scale)"
    if measure == "PLO":
        return "Proportion (logit scale)"
    if measure == "PAS":
        return "Proportion (arcsine scale)"
    if measure == "PFT":
        return "Freeman-Tukey double arcsine of the proportion"
    return m.axis_label


def _footer(bias: BiasResult) -> tuple[str, ...]:
    lines = []
    tests = []
    eg = bias.egger
    if isinstance(eg, RegressionTest):
        tests.append(f"Egger's test t({eg.df}) = {_num2(eg.statistic)}, {p_text(eg.p_value)}")
    rt = bias.regression_test
    if isinstance(rt, RegressionTest):
        stat = f"t({rt.df})" if rt.df is not None else "z"
        tests.append(f"regression test {stat} = {_num2(rt.statistic)}, {p_text(rt.p_value)}")
    rk = bias.rank_test
    if isinstance(rk, RankTest):
        tests.append(f"rank correlation τ = {_num2(rk.tau, 3)}, {p_text(rk.p_value)}")
    if tests:
        text = "; ".join(tests)
        lines.append(text[0].upper() + text[1:])
    elif isinstance(eg, NotRun):
        lines.append(f"Tests of funnel-plot asymmetry not run: {eg.reason}")
    tf = bias.trim_and_fill
    tm = bias.trim_and_fill_model
    if isinstance(tf, TrimFill) and tm is not None:
        digits = MEASURES[bias.model.measure].digits
        if tf.k0:
            est = f"{tm.estimate:.{digits}f} [{tm.ci_low:.{digits}f}, {tm.ci_high:.{digits}f}]"
            lines.append(
                f"Trim and fill ({tf.estimator}): {tf.k0} "
                f"{'study' if tf.k0 == 1 else 'studies'} filled on the {tf.side} (open "
                f"circles); adjusted estimate {est.replace('-', MINUS)}"
            )
        else:
            lines.append(f"Trim and fill ({tf.estimator}): no study filled")
    return tuple(lines)


def funnel_layout(bias: BiasResult) -> FunnelLayout:
    """The content of the funnel plot of a small-study analysis."""
    result = bias.model
    measure = result.measure
    if measure == "MED":
        raise SynthError("no funnel plot for pooled medians: they have no standard errors")
    est = result.model_scale.estimate
    if est is None:
        raise SynthError(f"{result.outcome}: no pooled estimate to centre the funnel on")
    points = [
        FunnelPoint(x=float(s.yi), se=math.sqrt(float(s.vi)), label=s.label)
        for s in result.studies
        if s.yi is not None and s.vi is not None
    ]
    tf = bias.trim_and_fill
    adjusted = None
    if isinstance(tf, TrimFill) and tf.k0 and bias.trim_and_fill_model is not None:
        points += [
            FunnelPoint(x=y, se=math.sqrt(v), filled=True, label=f"filled {i}")
            for i, (y, v) in enumerate(zip(tf.filled_yi, tf.filled_vi, strict=True), 1)
        ]
        adjusted = bias.trim_and_fill_model.model_scale.estimate
    null = MEASURES[measure].null
    centre_is_null = null is not None
    centre = 0.0 if centre_is_null else float(est)  # log(1) = 0 for ratios
    if centre_is_null:
        texts = ("p > 0.10", "0.05 < p ≤ 0.10", "0.01 < p ≤ 0.05")
        background = (SHADES[3], "p ≤ 0.01")
    else:
        texts = ("inside 90%", "90% to 95%", "95% to 99%")
        background = (SHADES[3], "outside 99%")
    regions = tuple((lv, SHADES[i], texts[i]) for i, lv in enumerate(CONTOUR_LEVELS))

    se_max = max(p.se for p in points)
    y_bottom = se_max * 1.1
    z_outer = -float(ndtri((1.0 - CONTOUR_LEVELS[-1]) / 2.0))
    z_ci = -float(ndtri((1.0 - result.level) / 2.0))
    xs = [p.x for p in points]
    lo = min([*xs, centre - z_outer * se_max, est - z_ci * se_max, est])
    hi = max([*xs, centre + z_outer * se_max, est + z_ci * se_max, est])
    span = hi - lo if hi > lo else 1.0
    xlim = (lo - 0.1 * span, hi + 0.1 * span)
    xticks, xtick_labels = _reporting_ticks(result, *xlim)
    yticks = _linear_ticks(0.0, y_bottom, 5)
    yticks = tuple(t for t in yticks if t <= y_bottom)
    title = f"{result.outcome}: funnel plot"
    if result.where:
        title += f" ({', '.join(result.where)})"
    model = "common-effect" if result.method == "FE" else f"{result.method} random-effects"
    name = MEASURES[measure].name
    subtitle = f"{name[0].upper()}{name[1:]} ({measure}), {model} model, k = {result.k}"
    shading = (
        "shading: two-sided p of a study of that standard error against no effect"
        if centre_is_null
        else "shading: 90%, 95% and 99% regions around the pooled estimate (a single-arm "
        "measure has no 'no effect' to test against)"
    )
    footer = [
        *_footer(bias),
        f"Solid line: pooled estimate; dashed: its {level_text(result.level)} "
        "pseudo-confidence region"
        + ("; dotted: trim-and-fill adjusted estimate" if adjusted is not None else "")
        + f"; {shading}.",
    ]
    footer = [part for line in footer for part in textwrap.wrap(line, FOOTER_CHARS)]
    warnings = []
    if result.k < 10:
        warnings.append(
            f"only {result.k} studies: a funnel plot of fewer than 10 studies is hard to read "
            "(Cochrane Handbook 13.3.5.4)"
        )
    return FunnelLayout(
        title=title,
        subtitle=subtitle,
        outcome=result.outcome,
        measure=measure,
        k=result.k,
        points=tuple(points),
        estimate=float(est),
        adjusted=None if adjusted is None else float(adjusted),
        centre=centre,
        centre_is_null=centre_is_null,
        regions=regions,
        background=background,
        pseudo_ci_level=result.level,
        xlim=(float(xlim[0]), float(xlim[1])),
        ylim=(float(y_bottom), 0.0),
        xticks=tuple(float(t) for t in xticks),
        xtick_labels=tuple(xtick_labels),
        yticks=tuple(float(t) for t in yticks),
        ytick_labels=tuple(_num(t) for t in yticks),
        xlabel=_xlabel(measure),
        ylabel="Standard error",
        footer=tuple(footer),
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------
# Drawing (matplotlib imported here only)


def _rc() -> dict[str, Any]:
    return {
        "svg.fonttype": "path",
        "svg.hashsalt": "synth-funnel",
        "pdf.fonttype": 42,
        "font.family": "DejaVu Sans",
        "axes.unicode_minus": True,
        "path.simplify": False,
    }


def draw_funnel(layout: FunnelLayout, *, dpi: int = 200) -> Figure:
    """Draw ``layout`` on a new matplotlib Figure (Agg canvas; pyplot is not used)."""
    import matplotlib

    with matplotlib.rc_context(_rc()):
        return _draw(layout, dpi)


def _draw(layout: FunnelLayout, dpi: int) -> Figure:
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    line_h = SMALL_SIZE * 1.5 / 72
    width, plot_h = 7.0, 4.2
    margin = 0.15
    top = margin + 0.62  # title and subtitle
    axis_h = 0.5  # tick labels and the axis label under the plot
    footer_h = 0.08 + line_h * len(layout.footer)
    legend_w = 1.8
    left = 0.72
    fig_h = top + plot_h + axis_h + footer_h + margin
    # whole pixels (half a pixel over, so that the renderer's truncation is exact)
    fig_w = (math.ceil(width * dpi) + 0.5) / dpi
    fig_h = (math.ceil(fig_h * dpi) + 0.5) / dpi
    fig = Figure(figsize=(fig_w, fig_h), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    plot_bottom = margin + footer_h + axis_h
    ax = fig.add_axes(
        (left / fig_w, plot_bottom / fig_h, (width - left - legend_w - 0.25) / fig_w,
         plot_h / fig_h)
    )  # fmt: skip
    x0, x1 = layout.xlim
    y_bot, y_top = layout.ylim
    ax.set_xlim(x0, x1)
    ax.set_ylim(y_bot, y_top)  # inverted: 0 at the top
    ax.set_facecolor(layout.background[0])

    se = np.linspace(0.0, y_bot, 400)
    for level, shade, _ in reversed(layout.regions):  # widest first, then paint inwards
        half = layout.region_x(level, 1.0)[1] - layout.centre
        ax.fill_betweenx(se, layout.centre - half * se, layout.centre + half * se,
                         color=shade, lw=0, zorder=0.5)  # fmt: skip
    for level, _, _ in layout.regions:
        half = layout.region_x(level, 1.0)[1] - layout.centre
        for sign in (-1, 1):
            ax.plot(layout.centre + sign * half * se, se, color="#7F7F7F", lw=0.5, zorder=0.6)
    # pseudo-confidence region around the pooled estimate
    half = layout.region_x(layout.pseudo_ci_level, 1.0, layout.estimate)[1] - layout.estimate
    for sign in (-1, 1):
        ax.plot(layout.estimate + sign * half * se, se, color=ESTIMATE_COLOUR, lw=0.9,
                ls=(0, (4, 3)), zorder=2)  # fmt: skip
    ax.plot([layout.estimate] * 2, [y_bot, 0], color=ESTIMATE_COLOUR, lw=1.1, zorder=2)
    if layout.adjusted is not None:
        ax.plot([layout.adjusted] * 2, [y_bot, 0], color=ADJUSTED_COLOUR, lw=1.1,
                ls=(0, (1.2, 1.8)), zorder=2)  # fmt: skip
    obs = [p for p in layout.points if not p.filled]
    fil = [p for p in layout.points if p.filled]
    size = 5.5 if len(layout.points) <= 100 else 3.5
    ax.plot([p.x for p in obs], [p.se for p in obs], ls="none", marker="o", ms=size,
            mfc=POINT_COLOUR, mec=POINT_COLOUR, mew=0.6, zorder=4, clip_on=False)  # fmt: skip
    if fil:
        ax.plot([p.x for p in fil], [p.se for p in fil], ls="none", marker="o", ms=size,
                mfc="white", mec=POINT_COLOUR, mew=0.9, zorder=4, clip_on=False)  # fmt: skip

    ax.set_xticks(list(layout.xticks))
    ax.set_xticklabels(list(layout.xtick_labels), fontsize=SMALL_SIZE)
    ax.set_yticks(list(layout.yticks))
    ax.set_yticklabels(list(layout.ytick_labels), fontsize=SMALL_SIZE)
    ax.minorticks_off()
    ax.tick_params(length=3, width=0.8, pad=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(layout.xlabel, fontsize=FONT_SIZE, labelpad=4)
    ax.set_ylabel(layout.ylabel, fontsize=FONT_SIZE, labelpad=4)

    handles: list[Any] = [
        Line2D([], [], ls="none", marker="o", ms=5.5, mfc=POINT_COLOUR, mec=POINT_COLOUR,
               label="Study"),
    ]  # fmt: skip
    if fil:
        handles.append(Line2D([], [], ls="none", marker="o", ms=5.5, mfc="white",
                              mec=POINT_COLOUR, label="Filled (trim and fill)"))  # fmt: skip
    handles.append(Line2D([], [], color=ESTIMATE_COLOUR, lw=1.1, label="Pooled estimate"))
    handles.append(Line2D([], [], color=ESTIMATE_COLOUR, lw=0.9, ls=(0, (4, 3)),
                          label=f"{level_text(layout.pseudo_ci_level)} pseudo-CI"))  # fmt: skip
    if layout.adjusted is not None:
        handles.append(Line2D([], [], color=ADJUSTED_COLOUR, lw=1.1, ls=(0, (1.2, 1.8)),
                              label="Adjusted (trim and fill)"))  # fmt: skip
    shades = [
        Patch(facecolor=shade, edgecolor="#7F7F7F", lw=0.5, label=text)
        for _, shade, text in layout.regions
    ]
    shades.append(Patch(facecolor=layout.background[0], edgecolor="#7F7F7F", lw=0.5,
                        label=layout.background[1]))  # fmt: skip
    legend_x = (width - legend_w) / fig_w
    first = fig.legend(handles=handles, loc="upper left", fontsize=SMALL_SIZE, frameon=False,
                       handlelength=2.2, borderaxespad=0.0,
                       bbox_to_anchor=(legend_x, (fig_h - top) / fig_h))  # fmt: skip
    renderer = fig.canvas.get_renderer()
    below = first.get_window_extent(renderer).y0 / fig.dpi - 0.2  # inches from the bottom
    second = fig.legend(handles=shades, loc="upper left", fontsize=SMALL_SIZE, frameon=False,
                        handlelength=2.2, borderaxespad=0.0, alignment="left",
                        title="Shading: p of a study\nagainst no effect" if layout.centre_is_null
                        else "Shading: region around\nthe pooled estimate",
                        title_fontsize=SMALL_SIZE,
                        bbox_to_anchor=(legend_x, below / fig_h))  # fmt: skip
    second.get_title().set_fontweight("bold")

    title_font = FontProperties(family="DejaVu Sans", size=TITLE_SIZE, weight="bold")
    small = FontProperties(family="DejaVu Sans", size=SMALL_SIZE)
    regular = FontProperties(family="DejaVu Sans", size=FONT_SIZE)
    fig.text(margin / fig_w, 1 - margin / fig_h, layout.title, fontproperties=title_font,
             ha="left", va="top", parse_math=False)  # fmt: skip
    fig.text(margin / fig_w, 1 - (margin + 0.27) / fig_h, layout.subtitle, color="#333333",
             fontproperties=regular, ha="left", va="top", parse_math=False)  # fmt: skip
    y = margin + footer_h - 0.04
    for line in layout.footer:
        fig.text(margin / fig_w, y / fig_h, line, fontproperties=small, ha="left", va="top",
                 parse_math=False)  # fmt: skip
        y -= line_h
    return fig


def funnel_image(bias: BiasResult, *, fmt: str, dpi: int = 200) -> FunnelImage:
    """The funnel plot of ``bias`` as a file's bytes (png, svg or pdf) and its size."""
    if fmt not in FORMATS:
        raise SynthError(f"unknown plot format '{fmt}': use one of {', '.join(FORMATS)}")
    layout = funnel_layout(bias)
    import io

    import matplotlib

    with matplotlib.rc_context(_rc()):
        fig = _draw(layout, dpi)
        w, h = fig.get_size_inches()
        buf = io.BytesIO()
        metadata: dict[str, Any]
        if fmt == "svg":
            metadata = {"Date": None}
        elif fmt == "pdf":
            metadata = {"CreationDate": None, "ModDate": None}
        else:
            metadata = {}
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return FunnelImage(
        data=buf.getvalue(), fmt=fmt, width_in=float(w), height_in=float(h), dpi=dpi,
        layout=layout,
    )  # fmt: skip
