"""Bubble plots of a meta-regression: the effect against one continuous moderator.

As metafor's ``regplot()``: one circle per study at (moderator, yi), its area
proportional to the study's weight in the model (1 / (vi + tau²)); the fitted
regression line with its confidence band (``predict.rma``: z, or t(k - p) under
``--ci hksj``). With several moderators the line is drawn for the first continuous one,
the other columns of the model matrix held at their means (``regplot``'s default), and
the footer says so. A model without a continuous moderator has no bubble plot (a
:class:`~synthesis.errors.SynthError` says why).

The y axis is the analysis scale (where the model is linear) labelled on the reporting
scale for log measures (RR, OR, HR: ticks at 0.1, 0.2, 0.5, 1, 2 ...) and for logit
proportions (PLO: ticks at proportions); other measures are labelled on their own scale.

Two layers, as :mod:`synthesis.plots.forest`: :func:`bubble_layout` (pure data, no
matplotlib) and :func:`bubble_image` (a bare matplotlib ``Figure`` on the Agg canvas:
pyplot and the user's rcParams are left alone) in the forest plot's house style.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from synthesis.errors import SynthError
from synthesis.measures import MEASURES, METHOD_NAMES
from synthesis.plots.forest import (
    FONT_SIZE,
    FORMATS,
    GUIDE_COLOUR,
    LINE_COLOUR,
    MINUS,
    SMALL_SIZE,
    SQUARE_COLOUR,
    TITLE_SIZE,
    _nice_step,
    _rc,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from synthesis.analyses.regress import RegressResult

__all__ = ["BubbleImage", "BubbleLayout", "bubble_image", "bubble_layout", "draw_bubble"]

GRID_POINTS = 200
# a circle's diameter in points is BUBBLE_PT * sqrt(weight in percent): the circles' total
# area is the same whatever k (13 studies of 7.7% each: 22 pt), within these bounds
BUBBLE_PT = 8.0
MAX_BUBBLE_PT = 36.0
MIN_BUBBLE_PT = 4.0
BAND_COLOUR = "#0072B2"
FIG_W, FIG_H = 6.4, 4.6  # inches


@dataclass(frozen=True)
class BubbleLayout:
    """Everything a bubble plot shows, as data (analysis scale on y).

    ``x``/``y``/``size``: per study the moderator value, yi and the circle's diameter in
    points (area proportional to weight, within bounds); ``line_x``/``line_y``/
    ``band_low``/``band_high``: the fitted line and its confidence band on a grid over the
    moderator's range; ``yticks`` at analysis-scale positions with ``ytick_labels`` on the
    reporting scale; ``null_line``: the line of no effect (analysis scale) or None.
    """

    title: str
    moderator: str
    measure: str
    ids: tuple[str, ...]
    x: tuple[float, ...]
    y: tuple[float, ...]
    weight: tuple[float, ...]
    size: tuple[float, ...]
    line_x: tuple[float, ...]
    line_y: tuple[float, ...]
    band_low: tuple[float, ...]
    band_high: tuple[float, ...]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    yticks: tuple[float, ...]
    ytick_labels: tuple[str, ...]
    xlabel: str
    ylabel: str
    null_line: float | None
    footer: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class BubbleImage:
    data: bytes
    fmt: str
    width_in: float
    height_in: float
    dpi: int
    layout: BubbleLayout

    @property
    def width_px(self) -> int:
        return int(self.width_in * self.dpi)

    @property
    def height_px(self) -> int:
        return int(self.height_in * self.dpi)


# --------------------------------------------------------------------------- layout


def _label(value: float) -> str:
    text = f"{value:g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.1e}"
    return text.replace("-", MINUS)


def _pad(lo: float, hi: float, share: float = 0.06) -> tuple[float, float]:
    span = hi - lo
    if span <= 0:
        span = abs(lo) or 1.0
    return lo - share * span, hi + share * span


def _linear_ticks(lo: float, hi: float) -> tuple[float, ...]:
    step = _nice_step(max(hi - lo, 1e-12))
    first = math.ceil(lo / step - 1e-9) * step
    n = math.floor((hi - first) / step + 1e-9)
    return tuple(round(first + i * step, 12) + 0.0 for i in range(n + 1))


_RATIO_SETS = ((1.0, 1.5, 2.0, 3.0, 5.0, 7.0), (1.0, 2.0, 5.0), (1.0, 3.0), (1.0,))
_PROPORTIONS = (0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _ratio_ticks(lo: float, hi: float) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Ticks at 1-2-5 ratios (fewer when crowded) between exp(lo) and exp(hi)."""
    for mults in _RATIO_SETS:
        values = [
            m * 10.0**e
            for e in range(math.floor(lo / math.log(10)) - 1, math.ceil(hi / math.log(10)) + 2)
            for m in mults
        ]
        inside = [v for v in values if lo <= math.log(v) <= hi]
        if len(inside) <= 7:
            break
    if len(inside) < 2:  # a narrow axis: plain ticks on the log scale, labelled as ratios
        pos = _linear_ticks(lo, hi)
        return pos, tuple(f"{math.exp(p):.3g}" for p in pos)
    return tuple(math.log(v) for v in inside), tuple(_label(float(f"{v:.6g}")) for v in inside)


def _proportion_ticks(lo: float, hi: float) -> tuple[tuple[float, ...], tuple[str, ...]]:
    values = sorted({*_PROPORTIONS, *(round(1 - p, 6) for p in _PROPORTIONS)})
    inside = [p for p in values if lo <= math.log(p / (1 - p)) <= hi]
    while len(inside) > 8:
        inside = inside[::2]
    if len(inside) < 2:
        pos = _linear_ticks(lo, hi)
        return pos, tuple(f"{1 / (1 + math.exp(-p)):.3g}" for p in pos)
    return (
        tuple(math.log(p / (1 - p)) for p in inside),
        tuple(_label(round(p, 6)) for p in inside),
    )


def _axis_label(result: RegressResult) -> tuple[str, float | None]:
    m = MEASURES.get(result.measure)
    if result.measure == "PLO":
        return "Proportion (logit scale)", None
    if m is None:
        return result.measure, None
    if m.log:
        return m.axis_label, 0.0
    if m.family == "proportion":
        return f"{m.axis_label} ({m.name} scale)", None
    return m.axis_label, m.null


def _choose(result: RegressResult, moderator: str | None) -> str:
    if not result.continuous:
        kinds = ", ".join(
            f"{t.text} is categorical" for t in result.mods if t.name not in result.continuous
        )
        raise SynthError(
            "--plot: a bubble plot needs a continuous moderator (year, n or a tag whose "
            "values are numbers); "
            + (f"this model has none ({kinds})" if kinds else "this model has no moderator")
        )
    if moderator is None:
        return result.continuous[0]
    if moderator not in result.continuous:
        raise SynthError(
            f"bubble plot: {moderator} is not a continuous moderator of this model "
            f"(continuous: {', '.join(result.continuous)})"
        )
    return moderator


def _coef_text(value: float) -> str:
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3e}"
    return f"{value:.4f}"


def _short_p(p: float | None) -> str:
    if p is None:
        return "p not defined"
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.4f}"


def bubble_layout(result: RegressResult, *, moderator: str | None = None) -> BubbleLayout:
    """The bubble plot of ``result`` against ``moderator`` (default: the first continuous
    moderator), as data."""
    name = _choose(result, moderator)
    X = result.design
    col = result.names.index(name)
    x = X[:, col]
    y = np.array([s.yi for s in result.studies], dtype=float)
    w = np.array([s.weight for s in result.studies], dtype=float)
    size = np.clip(BUBBLE_PT * np.sqrt(w), MIN_BUBBLE_PT, MAX_BUBBLE_PT)

    lo_x, hi_x = float(x.min()), float(x.max())
    grid = np.linspace(lo_x, hi_x, GRID_POINTS)
    means = X.mean(axis=0)
    X0 = np.tile(means, (GRID_POINTS, 1))
    X0[:, col] = grid
    mu, band_lo, band_hi = result.predict(X0)

    xlim = _pad(lo_x, hi_x, 0.05)
    ys = [*y.tolist(), *band_lo.tolist(), *band_hi.tolist()]
    ylabel, null = _axis_label(result)
    if null is not None:
        ys.append(null)
    ylim = _pad(min(ys), max(ys), 0.08)
    if result.log_scale:
        yticks, ylabels = _ratio_ticks(*ylim)
    elif result.measure == "PLO":
        yticks, ylabels = _proportion_ticks(*ylim)
    else:
        yticks = _linear_ticks(*ylim)
        ylabels = tuple(_label(t) for t in yticks)

    others = [n for n in dict.fromkeys(result.term_of[1:]) if n != name]
    coef = result.coefficients[col]
    measure = MEASURES.get(result.measure)
    slope = (
        f"Slope of {name}: {_coef_text(coef.estimate)} "
        f"[{_coef_text(coef.ci_low)}, {_coef_text(coef.ci_high)}]"
    )
    per_unit = f"\u00d7{math.exp(coef.estimate):.4f} per unit" if coef.estimate < 700 else ""
    if measure is not None and measure.log and per_unit:
        slope += f" on the log scale ({measure.estimate_name} {per_unit})"
    elif result.measure == "PLO" and per_unit:
        slope += f" on the logit scale (OR {per_unit})"
    stat = f"t({result.df})" if result.df is not None else "z"
    footer = [
        f"{slope}, {stat} = {coef.statistic:.2f}, {_short_p(coef.p_value)}".replace("-", MINUS)
        if coef.statistic is not None
        else slope.replace("-", MINUS),
    ]
    h = result.residual_heterogeneity
    model = "Common-effect" if result.method == "FE" else "Mixed-effects"
    het = f"{model} meta-regression, {METHOD_NAMES.get(result.method, result.method)}"
    het += f" (k = {result.k})"
    if h.tau2 is not None:
        het += f"; residual tau² = {h.tau2:.3g}"
    if result.R2 is not None:
        het += f", R² = {result.R2:.1f}%"
    footer.append(het)
    band = f"Line: fitted values with their {100 * result.level:g}% confidence band"
    if null is not None:
        null_text = f"{measure.estimate_name} = 1" if measure and measure.log else "no effect"
        band += f"; dashed: {null_text}"
    footer.append(band + "; circle area \u221d weight")
    if others:
        footer.append(f"Other moderators held at their means: {', '.join(others)}")
    notes: list[str] = []
    if len(set(x.tolist())) < 3:
        notes.append(
            f"bubble plot: {name} takes {len(set(x.tolist()))} distinct values; the line joins them"
        )
    return BubbleLayout(
        title=f"{result.outcome}: {measure.short if measure else result.measure} by {name}",
        moderator=name,
        measure=result.measure,
        ids=tuple(s.id + (f"/{s.arm}" if s.arm else "") for s in result.studies),
        x=tuple(float(v) for v in x),
        y=tuple(float(v) for v in y),
        weight=tuple(float(v) for v in w),
        size=tuple(float(v) for v in size),
        line_x=tuple(float(v) for v in grid),
        line_y=tuple(float(v) for v in mu),
        band_low=tuple(float(v) for v in band_lo),
        band_high=tuple(float(v) for v in band_hi),
        xlim=xlim,
        ylim=ylim,
        yticks=yticks,
        ytick_labels=ylabels,
        xlabel=name,
        ylabel=ylabel,
        null_line=null,
        footer=tuple(footer),
        warnings=tuple(notes),
    )


# --------------------------------------------------------------------------- drawing


def draw_bubble(layout: BubbleLayout, *, dpi: int = 200) -> Figure:
    """Draw ``layout`` on a new matplotlib Figure (Agg canvas; pyplot is not used)."""
    import matplotlib

    with matplotlib.rc_context(_rc()):
        return _draw(layout, dpi)


def _draw(layout: BubbleLayout, dpi: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

    line_h = SMALL_SIZE * 1.45 / 72
    margin = 0.2
    title_h = 0.42
    footer_h = 0.1 + line_h * len(layout.footer)
    axis_below = 0.55  # tick labels and the axis label
    left = 0.85
    fig = Figure(figsize=(FIG_W, FIG_H), dpi=dpi, facecolor="white")
    renderer = FigureCanvasAgg(fig).get_renderer()
    small = FontProperties(family="DejaVu Sans", size=SMALL_SIZE)
    title_font = FontProperties(family="DejaVu Sans", size=TITLE_SIZE, weight="bold")

    def width(text: str, prop: FontProperties) -> float:
        w, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
        return w / dpi

    # wide enough for the footer and the title (a long outcome name widens the figure)
    text_w = max([width(t, small) for t in layout.footer] + [width(layout.title, title_font)])
    fig_w = max(FIG_W, text_w + 2 * margin + 0.05)
    fig_h = FIG_H + line_h * max(0, len(layout.footer) - 3)
    fig_w = (math.ceil(fig_w * dpi) + 0.5) / dpi  # whole pixels
    fig_h = (math.ceil(fig_h * dpi) + 0.5) / dpi
    fig.set_size_inches(fig_w, fig_h)
    bottom = margin + footer_h + axis_below
    top = fig_h - margin - title_h
    ax = fig.add_axes(
        (left / fig_w, bottom / fig_h, (fig_w - left - margin) / fig_w, (top - bottom) / fig_h),
        facecolor="none",
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.8)
    ax.set_xlim(*layout.xlim)
    ax.set_ylim(*layout.ylim)
    ax.yaxis.set_major_locator(FixedLocator(list(layout.yticks)))
    ax.set_yticklabels(list(layout.ytick_labels), fontsize=SMALL_SIZE)
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_locator(NullLocator())
    if all(float(v).is_integer() for v in layout.x):
        # a whole-number moderator (year, dose level) gets whole-number ticks (QA2 4)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="both", length=3, width=0.8, pad=2, labelsize=SMALL_SIZE)
    ax.xaxis.get_major_formatter().set_useOffset(False)
    ax.set_xlabel(layout.xlabel, fontsize=FONT_SIZE, labelpad=4)
    ax.set_ylabel(layout.ylabel, fontsize=FONT_SIZE, labelpad=4)

    if layout.null_line is not None:
        ax.axhline(layout.null_line, color=GUIDE_COLOUR, lw=0.8, ls=(0, (4, 3)), zorder=1)
    ax.fill_between(layout.line_x, layout.band_low, layout.band_high, color=BAND_COLOUR,
                    alpha=0.14, lw=0, zorder=2)  # fmt: skip
    for edge in (layout.band_low, layout.band_high):
        ax.plot(layout.line_x, edge, color=BAND_COLOUR, lw=0.7, ls=(0, (3, 2)), zorder=3)
    ax.plot(layout.line_x, layout.line_y, color=LINE_COLOUR, lw=1.4, zorder=4)
    # heaviest first, so that small circles stay visible on top of large ones
    order = sorted(range(len(layout.x)), key=lambda i: -layout.size[i])
    sizes = [layout.size[i] ** 2 for i in order]  # scatter sizes are areas in points²
    ax.scatter([layout.x[i] for i in order], [layout.y[i] for i in order], s=sizes,
               facecolor=SQUARE_COLOUR, alpha=0.55, edgecolor=LINE_COLOUR, linewidth=0.6,
               zorder=5, clip_on=False)  # fmt: skip

    fig.text(margin / fig_w, 1 - margin / fig_h, layout.title, fontproperties=title_font,
             ha="left", va="top", parse_math=False)  # fmt: skip
    y_in = margin + footer_h - 0.06
    for text in layout.footer:
        fig.text(margin, y_in, text, transform=fig.dpi_scale_trans, fontproperties=small,
                 ha="left", va="top", parse_math=False)  # fmt: skip
        y_in -= line_h
    return fig


def bubble_image(
    result: RegressResult, *, fmt: str, moderator: str | None = None, dpi: int = 200
) -> BubbleImage:
    """A bubble plot of ``result`` as a file's bytes (``fmt``: png, svg or pdf)."""
    if fmt not in FORMATS:
        raise SynthError(f"unknown plot format '{fmt}': use one of {', '.join(FORMATS)}")
    layout = bubble_layout(result, moderator=moderator)
    import matplotlib

    with matplotlib.rc_context({**_rc(), "svg.hashsalt": "synth-bubble"}):
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
    return BubbleImage(
        data=buf.getvalue(), fmt=fmt, width_in=float(w), height_in=float(h), dpi=dpi, layout=layout
    )
