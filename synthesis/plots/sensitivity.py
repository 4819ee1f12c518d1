"""Sensitivity plots: leave-one-out and cumulative forest plots, and the Baujat plot.

Two layers, as :mod:`synthesis.plots.forest`:

1. :func:`leave_one_out_panel` and :func:`cumulative_panel` turn a
   :class:`~synthesis.analyses.sensitivity.SensitivityResult` into a :class:`ForestPanel`
   (pure data: rows, texts, axis, reference lines); :func:`baujat_panel` into a
   :class:`BaujatPanel`. No matplotlib there.
2. :func:`sensitivity_figure` draws the panels, one under the other, on one matplotlib
   ``Figure`` (Agg canvas, never pyplot): (A) leave-one-out, (B) cumulative, (C) Baujat.
   :func:`sensitivity_image` returns a PNG, SVG or PDF file's bytes.

The study rows of the forest panels (labels, confidence intervals, markers) are drawn
by the ``forestplot`` package through :mod:`synthesis.plots.forestplot_safe`, which
keeps its process-wide side effects out. What a committee needs and forestplot does
not draw is added on the Axes it returns: the full model as a diamond (leave-one-out)
and as a dashed reference line with its confidence band, the line of no effect, the
column headers and the estimate [CI], I² and τ² columns at the right, arrows where an
interval leaves the axis, influential studies in vermillion, the axis as
``synth forest`` draws it (log scale for ratios), and the footnotes.

The Baujat plot follows metafor's ``baujat()``: x is each study's squared Pearson
residual, its contribution to the Q statistic; y is its influence on the pooled result,
``(beta(-i) - beta)^2 / vb(-i)``; every point labelled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from synthesis.errors import SynthError
from synthesis.measures import MEASURES
from synthesis.plots.fonts import missing_glyphs_warning, quiet_glyphs
from synthesis.plots.forest import (
    FORMATS,
    GUIDE_COLOUR,
    LINE_COLOUR,
    SQUARE_COLOUR,
    _estimate_text,
    _linear_axis,
    _log_axis,
    _method_line,
    _rc,
    _tick_label,
)
from synthesis.render.text import level_text, tau2_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from synthesis.analyses.sensitivity import SensitivityResult

__all__ = [
    "PANELS",
    "BaujatPanel",
    "ForestPanel",
    "PanelRow",
    "SensitivityImage",
    "baujat_panel",
    "cumulative_panel",
    "leave_one_out_panel",
    "sensitivity_figure",
    "sensitivity_image",
]

PANELS = ("leave_one_out", "cumulative", "baujat")

INFLUENTIAL_COLOUR = "#D55E00"  # Okabe-Ito vermillion
BAND_COLOUR = "#0072B2"
FONT_SIZE = 9.0
SMALL_SIZE = 8.0
TITLE_SIZE = 10.5
ROW_HEIGHT = 0.22  # inches per row
PLOT_WIDTH = 2.8  # inches for the interval column
GAP = 0.2  # inches between text columns
NOTE_COLOUR = "#333333"  # the notes under a panel
MARGIN = 0.25  # inches around the figure
LABEL_MAX = 44  # characters of a study label before it is shortened
BAUJAT_SIZE = (4.6, 3.6)  # inches of the Baujat axes
MAX_BAUJAT_LABELS = 25  # the most notable points labelled (influential ones always)
MAX_PIXELS = 60000  # Agg cannot draw more than 2**16 pixels in either direction
BUILD_DPI = 72  # the figure is built at 72 dpi (1 px = 1 pt); files use their own dpi


# ---------------------------------------------------------------------------
# Layout (pure data)


@dataclass(frozen=True)
class PanelRow:
    """One row of a forest panel, top to bottom.

    ``kind``: ``refit`` (a model without one study / up to one study), ``blank`` or
    ``pooled`` (the full model, drawn as a diamond). ``x``, ``ci_low``, ``ci_high`` on
    the reporting scale; ``influential``: the row's study is influential (metafor).
    """

    kind: str
    label: str
    x: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    estimate_text: str = ""
    i2_text: str = ""
    tau2_text: str = ""
    influential: bool = False
    study: str | None = None  # id or id/arm


@dataclass(frozen=True)
class ForestPanel:
    """A leave-one-out or cumulative forest plot as data."""

    key: str  # leave_one_out | cumulative
    title: str
    headers: tuple[str, str, str, str]  # rows, estimate [CI], I², τ²
    rows: tuple[PanelRow, ...]
    scale: str  # log | linear
    xlim: tuple[float, float]
    ticks: tuple[float, ...]
    tick_labels: tuple[str, ...]
    xlabel: str
    null_line: float | None
    reference: tuple[float | None, float | None, float | None]  # full model: est, lo, hi
    notes: tuple[str, ...]
    message: str | None = None  # why the panel has no rows (k = 1)


@dataclass(frozen=True)
class BaujatPanel:
    """metafor's Baujat plot as data: one point per study."""

    title: str
    labels: tuple[str, ...]
    x: tuple[float | None, ...]
    y: tuple[float | None, ...]
    influential: tuple[bool, ...]
    xlabel: str
    ylabel: str
    notes: tuple[str, ...]
    message: str | None = None


@dataclass(frozen=True)
class SensitivityImage:
    """The drawn panels: the file's bytes, its size, and warnings about the drawing."""

    data: bytes
    fmt: str
    width_in: float
    height_in: float
    dpi: int
    warnings: tuple[str, ...] = ()

    @property
    def width_px(self) -> int:
        return int(self.width_in * self.dpi)

    @property
    def height_px(self) -> int:
        return int(self.height_in * self.dpi)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1].rstrip() + "…"


def _unique_labels(res: SensitivityResult) -> list[str]:
    """Study labels for the rows, made unique (forestplot keys rows by their label)."""
    studies = res.model.studies
    labels = [_short(s.label) for s in studies]
    names = res.labels
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    out = []
    for label, name in zip(labels, names, strict=True):
        out.append(label if seen[label] == 1 else f"{label} [{name}]")
    return out


def _fmt_i2(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def _axis(res: SensitivityResult):
    """One axis for both forest panels (so that they can be compared), chosen as
    ``synth forest`` chooses it (log axis for ratios): every estimate and the full
    model's CI inside; the refits' CIs within reason (beyond: arrows)."""
    m = res.model
    spec = MEASURES[m.measure]
    null = spec.null
    rows = [*res.leave_one_out_rows(), *res.cumulative_steps()] if res.k >= 2 else []
    if res.k < 2:
        rows = res.cumulative_steps()
    must = [r["estimate"] for r in rows if r["estimate"] is not None]
    must += [v for v in (m.estimate, m.ci_low, m.ci_high) if v is not None]
    want = [v for r in rows for v in (r["ci_low"], r["ci_high"]) if v is not None]
    if null is not None:
        must.append(null)
    if not must:
        must = want[:] or [0.0, 1.0]
    if spec.log:
        xlim, ticks = _log_axis([v for v in must if v > 0] or [1.0], [v for v in want if v > 0])
        scale = "log"
    elif spec.family == "proportion" and min([*must, *want]) >= 0 and max([*must, *want]) <= 1:
        # zoomed on the estimates (they move little when one study goes), within [0, 1]
        xlim, ticks = _linear_axis(must, want, floor=0.0, ceil=1.0)
        scale = "linear"
    elif m.measure == "RD":
        xlim, ticks = _linear_axis(must, want, floor=-1.0, ceil=1.0)
        scale = "linear"
    else:
        xlim, ticks = _linear_axis(must, want, floor=None, ceil=None)
        scale = "linear"
    return scale, (float(xlim[0]), float(xlim[1])), tuple(float(t) for t in ticks), null


def _common_notes(res: SensitivityResult) -> list[str]:
    pct = level_text(res.level)
    which = {1: "the one study", 2: "both studies"}.get(res.k, f"all {res.k} studies")
    return [f"Dashed line and shaded band: the pooled estimate of {which} and its {pct} CI."]


def _refit_row(
    res: SensitivityResult, row: dict[str, Any], i: int, label: str, infl: set[int]
) -> PanelRow:
    """The panel row of one refit (a leave-one-out row or a cumulative step) of study
    ``i``; estimates in the measure's one number format (render.text.number)."""
    het = row["heterogeneity"]
    return PanelRow(
        kind="refit",
        label=label + (" *" if i in infl else ""),
        x=row["estimate"],
        ci_low=row["ci_low"],
        ci_high=row["ci_high"],
        estimate_text=_estimate_text(row["estimate"], row["ci_low"], row["ci_high"], res.measure),
        i2_text=_fmt_i2(het["I2"]),
        tau2_text=tau2_text(het["tau2"]),
        influential=i in infl,
        study=res.labels[i],
    )


def _panel(
    res: SensitivityResult,
    key: str,
    title: str,
    first_header: str,
    rows: list[PanelRow],
    notes: list[str],
    message: str | None = None,
) -> ForestPanel:
    """A forest panel on the axis both panels share (``_axis``), with the full model as
    its reference band."""
    m = res.model
    scale, xlim, ticks, null = _axis(res)
    return ForestPanel(
        key=key,
        title=title,
        headers=(
            first_header,
            f"{MEASURES[m.measure].estimate_name} [{level_text(res.level)} CI]",
            "I²",
            "τ²",
        ),
        rows=tuple(rows),
        scale=scale,
        xlim=xlim,
        ticks=ticks,
        tick_labels=tuple(_tick_label(t) for t in ticks),
        xlabel=MEASURES[m.measure].axis_label,
        null_line=null,
        reference=(m.estimate, m.ci_low, m.ci_high),
        notes=tuple(notes),
        message=message,
    )


def leave_one_out_panel(res: SensitivityResult) -> ForestPanel:
    """Panel A: one row per omitted study (synth pool's order), then the full model's
    diamond."""
    m = res.model
    labels = _unique_labels(res)
    loo = res.leave_one_out_rows()
    infl = set(res.influential)
    rows: list[PanelRow] = []
    if res.k >= 2:
        for i, row in enumerate(loo):
            rows.append(_refit_row(res, row, i, labels[i], infl))
        rows.append(PanelRow(kind="blank", label=" "))
    h = m.heterogeneity
    rows.append(
        PanelRow(
            kind="pooled",
            label=f"All studies (k = {res.k})",
            x=m.estimate,
            ci_low=m.ci_low,
            ci_high=m.ci_high,
            estimate_text=_estimate_text(m.estimate, m.ci_low, m.ci_high, m.measure),
            i2_text=_fmt_i2(h.I2),
            tau2_text=tau2_text(h.tau2),
        )
    )
    notes = _common_notes(res)
    if infl:
        notes.append(
            "* influential (metafor's influence(): |DFFITS| > 3√(1/(k−1)), Cook's distance "
            "above the χ²(1) median, hat > 3/k or |DFBETAS| > 1); drawn in vermillion."
        )
    return _panel(
        res,
        "leave_one_out",
        "Leave-one-out: the pooled estimate without each study",
        "Study omitted",
        rows,
        notes,
        message=None if res.k >= 2 else "Leave-one-out needs at least 2 studies (k = 1).",
    )


_ORDER_TEXT = {
    "year": "by publication year",
    "precision": "most precise study first",
    "listed": "in the listed order",
}


def cumulative_panel(res: SensitivityResult) -> ForestPanel:
    """Panel B: the pooled estimate as each study is added, in the cumulative order."""
    labels = _unique_labels(res)
    steps = res.cumulative_steps()
    infl = set(res.influential)
    rows: list[PanelRow] = []
    for j, (step, raw) in enumerate(zip(steps, res.analyses.cumulative.steps, strict=True)):
        i = raw.added
        rows.append(_refit_row(res, step, i, ("" if j == 0 else "+ ") + labels[i], infl))
    notes = _common_notes(res)
    notes.append(
        "Each row pools the studies up to and including it; the last row is the full model."
    )
    return _panel(
        res,
        "cumulative",
        f"Cumulative meta-analysis, {_ORDER_TEXT[res.order]}",
        "Study added",
        rows,
        notes,
    )


def baujat_panel(res: SensitivityResult) -> BaujatPanel:
    """Panel C: metafor's ``baujat()`` points, labelled with the study labels."""
    labels = _unique_labels(res)
    pts = res.baujat_rows()
    infl = set(res.influential)
    message = None
    if res.k < 2:
        message = "The Baujat plot needs at least 2 studies (k = 1)."
    elif all(p["x"] is None or p["y"] is None for p in pts):
        message = "The Baujat plot is not defined here (see the warnings)."
    notes = [
        "x: the study's squared Pearson residual, its contribution to Q; y: the squared change "
        "of the pooled estimate when it is left out, over that model's variance (metafor's "
        "baujat())."
    ]
    return BaujatPanel(
        title="Baujat plot: contribution to heterogeneity and influence",
        labels=tuple(labels),
        x=tuple(p["x"] for p in pts),
        y=tuple(p["y"] for p in pts),
        influential=tuple(i in infl for i in range(len(pts))),
        xlabel="Squared Pearson residual (contribution to Q)",
        ylabel="Influence on the pooled result",
        notes=tuple(notes),
        message=message,
    )


# ---------------------------------------------------------------------------
# Drawing (matplotlib and forestplot imported here only)


class _Measure:
    """Text widths in inches on the figure's own renderer."""

    def __init__(self, fig: Figure) -> None:
        from matplotlib.font_manager import FontProperties

        self.renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        self.dpi = fig.dpi
        self.regular = FontProperties(family="DejaVu Sans", size=FONT_SIZE)
        self.bold = FontProperties(family="DejaVu Sans", size=FONT_SIZE, weight="bold")
        self.small = FontProperties(family="DejaVu Sans", size=SMALL_SIZE)
        self.title = FontProperties(family="DejaVu Sans", size=TITLE_SIZE, weight="bold")

    def width(self, text: str, prop: Any) -> float:
        if not text:
            return 0.0
        w, _, _ = self.renderer.get_text_width_height_descent(text, prop, ismath=False)
        return w / self.dpi


@dataclass
class _Columns:
    label: float
    estimate: float
    i2: float
    tau2: float

    @property
    def width(self) -> float:
        return self.label + GAP + PLOT_WIDTH + GAP + self.estimate + GAP + self.i2 + GAP + self.tau2


def _columns(panels: list[ForestPanel], mt: _Measure) -> _Columns:
    def widest(i: int) -> float:
        cells = [mt.width(p.headers[i], mt.bold) for p in panels]
        for p in panels:
            for r in p.rows:
                text = (r.label, r.estimate_text, r.i2_text, r.tau2_text)[i]
                cells.append(mt.width(text, mt.bold if r.kind == "pooled" else mt.regular))
        return max(cells or [0.0])

    return _Columns(widest(0), widest(1), widest(2), widest(3))


def _wrap(text: str, width_in: float, mt: _Measure) -> list[str]:
    """Greedy word wrap of a footnote to ``width_in`` inches."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and mt.width(trial, mt.small) > width_in:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


LINE_H = SMALL_SIZE * 1.4 / 72  # inches per footnote line
TITLE_H = 0.36
HEADER_H = 0.30
AXIS_H = 0.52  # tick labels and the axis label under a forest panel


def _text(
    fig: Figure,
    x: float,
    y: float,
    text: str,
    prop: Any,
    *,
    transform: Any = None,
    ha: str = "left",
    va: str = "top",
    **style: Any,
) -> None:
    """One line of text (no mathtext) at (x, y): inches from the figure's bottom-left
    corner unless ``transform`` says otherwise."""
    fig.text(x, y, text, transform=fig.dpi_scale_trans if transform is None else transform,
             fontproperties=prop, ha=ha, va=va, parse_math=False, **style)  # fmt: skip


def _lines(fig: Figure, x: float, y: float, lines: list[str], prop: Any, **style: Any) -> None:
    """Lines of text one under the other, the first one's top at ``y`` inches."""
    for line in lines:
        _text(fig, x, y, line, prop, **style)
        y -= LINE_H


def _panel_head(fig: Figure, p: ForestPanel | BaujatPanel, top: float, fig_h: float,
                mt: _Measure) -> bool:  # fmt: skip
    """A panel's title ``top`` inches below the figure's top edge, and the message that
    stands instead of its plot when it has one (then True)."""
    _text(fig, MARGIN, fig_h - top - 0.05, p.title, mt.title)
    if p.message:
        _text(fig, MARGIN, fig_h - top - TITLE_H - 0.1, p.message, mt.regular)
    return bool(p.message)


def _forest_height(p: ForestPanel, notes: int) -> float:
    rows = 1 if p.message else len(p.rows)
    return TITLE_H + HEADER_H + rows * ROW_HEIGHT + (0 if p.message else AXIS_H) + notes * LINE_H


def _draw_forest(
    fig: Figure,
    p: ForestPanel,
    cols: _Columns,
    top: float,
    fig_w: float,
    fig_h: float,
    notes: list[str],
    mt: _Measure,
) -> None:
    """Draw panel ``p`` with its top ``top`` inches below the figure's top edge."""
    import numpy as np
    import pandas as pd
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon
    from matplotlib.ticker import NullLocator
    from matplotlib.transforms import blended_transform_factory

    from synthesis.plots.forestplot_safe import draw_forestplot

    fig_in = fig.dpi_scale_trans
    x0 = MARGIN
    if _panel_head(fig, p, top, fig_h, mt):
        return
    n = len(p.rows)
    rows_h = n * ROW_HEIGHT
    x_plot = x0 + cols.label + GAP
    rows_top = top + TITLE_H + HEADER_H
    bottom = fig_h - rows_top - rows_h  # inches from the figure's bottom edge
    ax = fig.add_axes(
        (x_plot / fig_w, bottom / fig_h, PLOT_WIDTH / fig_w, rows_h / fig_h), facecolor="none"
    )

    # the study rows by forestplot: labels (left-flushed y tick labels), intervals, markers
    frame = pd.DataFrame(
        {
            "label": [r.label for r in p.rows],
            "estimate": [np.nan if r.kind != "refit" or r.x is None else r.x for r in p.rows],
            "ll": [np.nan if r.kind != "refit" or r.ci_low is None else r.ci_low for r in p.rows],
            "hl": [np.nan if r.kind != "refit" or r.ci_high is None else r.ci_high for r in p.rows],
        }
    )
    ax, fp_warnings = draw_forestplot(
        ax,
        frame,
        estimate="estimate",
        varlabel="label",
        ll="ll",
        hl="hl",
        ci_report=False,
        logscale=p.scale == "log",
        xticks=list(p.ticks),
        xline=p.null_line,
        xlinecolor=LINE_COLOUR,
        xlinewidth=0.8,
        fontfamily="DejaVu Sans",
        fontsize=FONT_SIZE,
        marker="s",
        markersize=22,
        markercolor=SQUARE_COLOUR,
        markeralpha=1.0,
        linecolor=LINE_COLOUR,
        lw=0.9,
        flush=True,
    )
    del fp_warnings  # forestplot's own advice about its API (tick labels); nothing for users

    # extend forestplot's Axes: the row positions it chose, then our axis and additions
    ypos = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    ys = [float(ypos.get(r.label, n - 1 - i)) for i, r in enumerate(p.rows)]
    ax.set_ylim(-0.5, n - 0.5)
    ax.set_xscale(p.scale)
    ax.set_xlim(*p.xlim)
    ax.set_xticks(list(p.ticks))
    ax.set_xticklabels(list(p.tick_labels), fontsize=SMALL_SIZE, fontfamily="DejaVu Sans")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.tick_params(axis="x", length=3, width=0.8, pad=2)
    ax.spines["bottom"].set_linewidth(0.8)
    ax.set_xlabel("")
    ax.set_ylabel("")
    # labels: left-flushed at the figure margin (forestplot's pad is in pixels, not points)
    ax.yaxis.set_tick_params(pad=(cols.label + GAP) * 72, length=0)
    ticks = {t.get_text(): t for t in ax.get_yticklabels()}  # styled below, row by row
    for t in ticks.values():
        t.set_horizontalalignment("left")
        t.set_fontfamily("DejaVu Sans")
        t.set_fontsize(FONT_SIZE)
    lo_x, hi_x = p.xlim
    est, ref_lo, ref_hi = p.reference
    if ref_lo is not None and ref_hi is not None:
        ax.axvspan(
            max(ref_lo, lo_x), min(ref_hi, hi_x), color=BAND_COLOUR, alpha=0.09, lw=0, zorder=-2
        )
    if est is not None and lo_x <= est <= hi_x:
        ax.axvline(est, color=GUIDE_COLOUR, lw=0.9, ls=(0, (3, 2)), zorder=-1)
    for y, r in zip(ys, p.rows, strict=True):
        label_tick = ticks.get(r.label)
        if r.kind == "pooled" and label_tick is not None:
            label_tick.set_fontweight("bold")
        if r.kind == "pooled" and r.x is not None:
            left = r.ci_low if r.ci_low is not None else r.x
            right = r.ci_high if r.ci_high is not None else r.x
            left, right = max(left, lo_x), min(right, hi_x)
            half = 0.34
            ax.add_patch(
                Polygon(
                    [(left, y), (r.x, y - half), (right, y), (r.x, y + half)],
                    closed=True,
                    facecolor="#000000",
                    edgecolor=LINE_COLOUR,
                    lw=0.6,
                    zorder=4,
                )
            )
        if r.kind != "refit" or r.x is None:
            continue
        if r.influential:
            if label_tick is not None:
                label_tick.set_color(INFLUENTIAL_COLOUR)
            ax.plot([r.x], [y], marker="s", ms=5.2, mew=0, color=INFLUENTIAL_COLOUR, zorder=5)
        for lim, edge, marker in ((r.ci_low, lo_x, "<"), (r.ci_high, hi_x, ">")):
            if lim is not None and (
                (marker == "<" and lim < edge) or (marker == ">" and lim > edge)
            ):
                ax.plot(
                    [edge],
                    [y],
                    marker=marker,
                    color=LINE_COLOUR,
                    ms=4.5,
                    mew=0,
                    clip_on=False,
                    zorder=3,
                )

    # right-hand columns and the header row, x in inches, y in data rows
    tr = blended_transform_factory(fig_in, ax.transData)
    x_est = x_plot + PLOT_WIDTH + GAP + cols.estimate
    x_i2 = x_est + GAP + cols.i2
    x_tau2 = x_i2 + GAP + cols.tau2
    header_y = n - 0.5 + (HEADER_H / ROW_HEIGHT) / 2
    for x, text, ha in (
        (x0, p.headers[0], "left"),
        (x_est, p.headers[1], "right"),
        (x_i2, p.headers[2], "right"),
        (x_tau2, p.headers[3], "right"),
    ):
        _text(fig, x, header_y, text, mt.bold, transform=tr, ha=ha, va="center_baseline")
    fig.add_artist(
        Line2D([x0, x_tau2], [n - 0.5, n - 0.5], transform=tr, color=LINE_COLOUR, lw=0.6)
    )
    for y, r in zip(ys, p.rows, strict=True):
        prop = mt.bold if r.kind == "pooled" else mt.regular
        colour = INFLUENTIAL_COLOUR if r.influential else "#000000"
        for x, text in ((x_est, r.estimate_text), (x_i2, r.i2_text), (x_tau2, r.tau2_text)):
            if text:
                _text(fig, x, y, text, prop, transform=tr, ha="right", va="center_baseline",
                      color=colour)  # fmt: skip
    _text(fig, x_plot + PLOT_WIDTH / 2, bottom - 0.27, p.xlabel, mt.small, ha="center")
    _lines(fig, x0, bottom - AXIS_H - 0.02, notes, mt.small, color=NOTE_COLOUR)


@dataclass(frozen=True)
class _Label:
    index: int  # into the panel's points
    dx: float  # offset of the text anchor from the point, in points
    dy: float
    ha: str
    va: str
    leader: bool  # draw a thin line from the point to the text


def _baujat_limits(xs: list[float], ys: list[float]) -> tuple[tuple[float, float], ...]:
    x_hi = max(xs, default=0.0) or 1.0
    y_hi = max(ys, default=0.0) or 1.0
    return (-0.04 * x_hi, 1.08 * x_hi), (-0.05 * y_hi, 1.12 * y_hi)


def _baujat_labels(p: BaujatPanel, mt: _Measure) -> tuple[list[_Label], list[int]]:
    """Where to put each point's label so that labels neither overlap each other nor
    the points, in points on the Baujat axes (pure geometry: the axes size and limits
    are fixed). The most notable points (influential first, then by the larger of x and
    y relative to their maxima) are placed first and always labelled; a label that finds
    no free place is left out and its study named in a note. Returns (labels, left out)."""
    keep = [i for i in range(len(p.x)) if p.x[i] is not None and p.y[i] is not None]
    xs = [float(p.x[i]) for i in keep]  # type: ignore[arg-type]
    ys = [float(p.y[i]) for i in keep]  # type: ignore[arg-type]
    (x0, x1), (y0, y1) = _baujat_limits(xs, ys)
    w_pt, h_pt = BAUJAT_SIZE[0] * 72, BAUJAT_SIZE[1] * 72
    pts = {
        i: ((x - x0) / (x1 - x0) * w_pt, (y - y0) / (y1 - y0) * h_pt)
        for i, x, y in zip(keep, xs, ys, strict=True)
    }
    x_max, y_max = (max(xs, default=0.0) or 1.0), (max(ys, default=0.0) or 1.0)
    order = sorted(keep, key=lambda i: (not p.influential[i], -max(p.x[i] / x_max, p.y[i] / y_max)))  # type: ignore[operator]
    taken = [(px - 3.5, py - 3.5, px + 3.5, py + 3.5) for px, py in pts.values()]
    directions = [
        (1, 0, "left", "center"),
        (-1, 0, "right", "center"),
        (0, 1, "center", "bottom"),
        (0, -1, "center", "top"),
        (1, 1, "left", "bottom"),
        (-1, 1, "right", "bottom"),
        (1, -1, "left", "top"),
        (-1, -1, "right", "top"),
    ]
    text_h = SMALL_SIZE * 1.15
    placed: list[_Label] = []
    left_out: list[int] = []
    for rank, i in enumerate(order):
        if rank >= MAX_BAUJAT_LABELS and not p.influential[i]:
            left_out.append(i)
            continue
        px, py = pts[i]
        tw = mt.width(p.labels[i], mt.small) * 72
        first_inside = None
        chosen = None
        for radius in (4.5, 11.0, 19.0, 28.0):
            for ux, uy, ha, va in directions:
                dx, dy = ux * radius, uy * radius
                left = px + dx - (tw if ha == "right" else tw / 2 if ha == "center" else 0)
                low = py + dy - (text_h if va == "top" else text_h / 2 if va == "center" else 0)
                box = (left, low, left + tw, low + text_h)
                inside = box[0] >= -4 and box[2] <= w_pt + 60 and box[1] >= 0 and box[3] <= h_pt + 6
                if not inside:
                    continue
                if first_inside is None:
                    first_inside = (dx, dy, ha, va, box, radius)
                clash = any(
                    box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3]
                    for o in taken
                )
                if not clash:
                    chosen = (dx, dy, ha, va, box, radius)
                    break
            if chosen:
                break
        if chosen is None and (rank < 8 or p.influential[i]) and first_inside is not None:
            chosen = first_inside
        if chosen is None:
            left_out.append(i)
            continue
        dx, dy, ha, va, box, radius = chosen
        taken.append(box)
        placed.append(_Label(i, dx, dy, ha, va, radius > 5))
    return placed, sorted(left_out)


def _draw_baujat(
    fig: Figure,
    p: BaujatPanel,
    top: float,
    fig_w: float,
    fig_h: float,
    notes: list[str],
    labels: list[_Label],
    mt: _Measure,
) -> None:
    from matplotlib.ticker import MaxNLocator

    x0 = MARGIN
    if _panel_head(fig, p, top, fig_h, mt):
        return
    w, h = BAUJAT_SIZE
    left = x0 + 0.62
    bottom = fig_h - top - TITLE_H - 0.15 - h
    ax = fig.add_axes((left / fig_w, bottom / fig_h, w / fig_w, h / fig_h))
    keep = [i for i in range(len(p.x)) if p.x[i] is not None and p.y[i] is not None]
    xs = [float(p.x[i]) for i in keep]  # type: ignore[arg-type]
    ys = [float(p.y[i]) for i in keep]  # type: ignore[arg-type]
    colours = [INFLUENTIAL_COLOUR if p.influential[i] else SQUARE_COLOUR for i in keep]
    ax.scatter(xs, ys, s=22, c=colours, zorder=3, linewidths=0)
    xlim, ylim = _baujat_limits(xs, ys)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for loc in (ax.xaxis, ax.yaxis):
        loc.set_major_locator(MaxNLocator(5))
    ax.tick_params(labelsize=SMALL_SIZE, length=3, width=0.8)
    for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        t.set_fontfamily("DejaVu Sans")
    ax.set_xlabel(p.xlabel, fontsize=SMALL_SIZE, fontfamily="DejaVu Sans")
    ax.set_ylabel(p.ylabel, fontsize=SMALL_SIZE, fontfamily="DejaVu Sans")
    ax.grid(True, color="#e5e5e5", lw=0.6, zorder=0)
    for lab in labels:
        i = lab.index
        colour = INFLUENTIAL_COLOUR if p.influential[i] else "#222222"
        # the leader line ends at the label's edge nearest to the point
        relpos = (
            {"left": 0.0, "center": 0.5, "right": 1.0}[lab.ha],
            {"bottom": 0.0, "center": 0.5, "top": 1.0}[lab.va],
        )
        arrow = (
            {
                "arrowstyle": "-",
                "color": "#999999",
                "lw": 0.5,
                "shrinkA": 1,
                "shrinkB": 2.5,
                "relpos": relpos,
            }
            if lab.leader
            else None
        )
        ax.annotate(
            p.labels[i],
            (p.x[i], p.y[i]),
            xytext=(lab.dx, lab.dy),
            textcoords="offset points",
            ha=lab.ha,
            va=lab.va,
            fontsize=SMALL_SIZE,
            color=colour,
            fontfamily="DejaVu Sans",
            annotation_clip=False,
            arrowprops=arrow,
        )
    _lines(fig, x0, bottom - 0.5, notes, mt.small, color=NOTE_COLOUR)


def sensitivity_figure(
    res: SensitivityResult, *, panels: tuple[str, ...] = PANELS
) -> tuple[Figure, list[str]]:
    """Draw ``panels`` (default: leave-one-out, cumulative, Baujat) one under the other.

    Returns the Figure (Agg canvas, built at 72 dpi; save it with any dpi) and warnings.
    """
    import matplotlib

    unknown = [p for p in panels if p not in PANELS]
    if unknown or not panels:
        raise SynthError(f"unknown panel(s) {', '.join(unknown)}; use {', '.join(PANELS)}")
    with matplotlib.rc_context(_rc()), quiet_glyphs():  # missing glyphs: said once
        return _figure(res, panels)


def _figure(res: SensitivityResult, panels: tuple[str, ...]) -> tuple[Figure, list[str]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    warns: list[str] = []
    fig = Figure(figsize=(8.0, 4.0), dpi=BUILD_DPI, facecolor="white")
    FigureCanvasAgg(fig)
    mt = _Measure(fig)
    forests = [
        leave_one_out_panel(res) if key == "leave_one_out" else cumulative_panel(res)
        for key in panels
        if key != "baujat"
    ]
    baujat = baujat_panel(res) if "baujat" in panels else None
    if len(forests) + (baujat is not None) > 1:  # panel letters in drawing order
        forests = [replace(f, title=f"{'ABC'[j]}  {f.title}") for j, f in enumerate(forests)]
        if baujat is not None:
            baujat = replace(baujat, title=f"{'ABC'[len(forests)]}  {baujat.title}")
    cols = _columns([f for f in forests if not f.message], mt)
    footer = [_method_line(res.model)]
    fig_w = MARGIN * 2 + max(
        [cols.width, BAUJAT_SIZE[0] + 0.9]
        + [mt.width(f.title, mt.title) for f in forests]
        + ([mt.width(baujat.title, mt.title)] if baujat else [])
    )
    text_w = fig_w - 2 * MARGIN
    forest_notes = [
        [] if f.message else [line for n in f.notes for line in _wrap(n, text_w, mt)]
        for f in forests
    ]
    baujat_labels: list[_Label] = []
    baujat_notes: list[str] = []
    if baujat is not None:
        notes = list(baujat.notes)
        if not baujat.message:
            baujat_labels, left_out = _baujat_labels(baujat, mt)
            if 0 < len(left_out) <= 10:
                names = ", ".join(baujat.labels[i] for i in left_out)
                notes.append(f"Not labelled (no room): {names}.")
            elif left_out:
                notes.append(
                    f"{len(left_out)} studies are not labelled (no room); every point's "
                    "coordinates are in 'synth sensitivity --format csv' (baujat_x, baujat_y)."
                )
        baujat_notes = [line for n in notes for line in _wrap(n, text_w, mt)]
    footer_lines = [line for n in footer for line in _wrap(n, text_w, mt)]
    heights = [_forest_height(f, len(nl)) for f, nl in zip(forests, forest_notes, strict=True)]
    if baujat is not None:
        bh = TITLE_H + (0.4 if baujat.message else 0.15 + BAUJAT_SIZE[1] + 0.5)
        heights.append(bh + (0 if baujat.message else len(baujat_notes) * LINE_H))
    gap = 0.3
    fig_h = MARGIN * 2 + sum(heights) + gap * (len(heights) - 1) + 0.1 + LINE_H * len(footer_lines)
    fig_w = (math.ceil(fig_w * BUILD_DPI) + 0.5) / BUILD_DPI
    fig_h = (math.ceil(fig_h * BUILD_DPI) + 0.5) / BUILD_DPI
    fig.set_size_inches(fig_w, fig_h)
    top = MARGIN
    for f, nl, hgt in zip(forests, forest_notes, heights, strict=False):
        _draw_forest(fig, f, cols, top, fig_w, fig_h, nl, mt)
        top += hgt + gap
    if baujat is not None:
        _draw_baujat(fig, baujat, top, fig_w, fig_h, baujat_notes, baujat_labels, mt)
    _lines(fig, MARGIN, MARGIN + LINE_H * len(footer_lines), footer_lines, mt.small)
    glyphs = missing_glyphs_warning([s.label for s in res.model.studies], footer_lines)
    if glyphs is not None:
        warns.append(glyphs)
    return fig, warns


def sensitivity_image(
    res: SensitivityResult, *, fmt: str, dpi: int = 200, panels: tuple[str, ...] = PANELS
) -> SensitivityImage:
    """The panels as a PNG, SVG (fonts as paths) or PDF file's bytes."""
    if fmt not in FORMATS:
        raise SynthError(f"unknown plot format '{fmt}': use one of {', '.join(FORMATS)}")
    import io

    import matplotlib

    with matplotlib.rc_context(_rc()), quiet_glyphs():  # missing glyphs: said once
        fig, warns = _figure(res, panels)
        w, h = (float(v) for v in fig.get_size_inches())
        if fmt == "png" and max(w, h) * dpi > MAX_PIXELS:
            new = max(20, int(MAX_PIXELS / max(w, h)))
            warns.append(
                f"the plot is {h:.0f} in tall: drawn at {new} dpi instead of {dpi} to stay "
                "within the PNG size limit; use .svg or .pdf for full resolution"
            )
            dpi = new
        metadata: dict[str, Any]
        if fmt == "svg":
            metadata = {"Date": None}
        elif fmt == "pdf":
            metadata = {"CreationDate": None, "ModDate": None}
        else:
            metadata = {}
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return SensitivityImage(buf.getvalue(), fmt, w, h, dpi, tuple(warns))
