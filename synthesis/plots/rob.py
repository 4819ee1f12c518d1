"""Risk-of-bias plots as robvis draws them: traffic lights and the (weighted) summary.

* :func:`traffic_light_figure`: one row per study, one column per domain and the
  overall judgement, a coloured circle with a symbol in each cell (``+`` low,
  ``−`` some concerns / moderate, ``×`` high / serious, ``!`` critical, ``?`` no
  information; NOS cells carry their number of stars).
* :func:`summary_figure`: one horizontal bar per domain (and overall), split into the
  share of studies, or of the pooled weight, at each level.

Studies assessed with different tools are drawn as one panel per tool, stacked.
Colours are robvis's: ``palette="cochrane"`` (green, yellow, red, dark red, blue) or
``palette="colourblind"`` (a sequential orange palette that keeps its order in grey).
McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R package and
Shiny web app for visualizing risk-of-bias assessments. Res Syn Meth 2021;12:55-61.

matplotlib is imported inside the functions; a bare ``Figure`` on the Agg canvas is
built (pyplot is never used), so nothing global changes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from synthesis.records.rob import GRADE_ROB_SCALE, SYMBOLS, TOOLS, RiskOfBias, Tool

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PALETTES: dict[str, dict[str | None, str]] = {
    "cochrane": {
        "low": "#02C100",
        "some concerns": "#E2DF07",
        "high": "#BF0000",
        "critical": "#820000",
        None: "#4EA1F7",
    },
    "colourblind": {
        "low": "#fed98e",
        "some concerns": "#fe9929",
        "high": "#d95f0e",
        "critical": "#993404",
        None: "#ffffff",
    },
}
PALETTE_ALIASES = {"colorblind": "colourblind", "color-blind": "colourblind"}
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

FONT = "DejaVu Sans"
FONT_SIZE = 9.0
SMALL = 8.0
TITLE = 10.0
CELL = 0.42  # inches per traffic-light cell
RADIUS = 0.16  # circle radius, inches
MARGIN = 0.2
GAP = 0.15
LINE = 0.18  # inches per legend line
BAR_H = 0.26  # summary bar height, inches
BAR_STEP = 0.36
BAR_W = 4.2  # summary plot width, inches
STRIP = "#a9a9a9"  # robvis's header strip
OVERALL_BG = "#d3d3d3"
GRID = "#bfbfbf"

_LEVEL_NAMES: dict[str, dict[str, str]] = {
    "ROB2": {"low": "Low", "some concerns": "Some concerns", "high": "High"},
    "ROBINS-I": {
        "low": "Low",
        "moderate": "Moderate",
        "serious": "Serious",
        "critical": "Critical",
        "no information": "No information",
    },
    "QUADAS-2": {"low": "Low", "unclear": "Unclear", "high": "High"},
    "NOS": {"good": "Good", "fair": "Fair", "poor": "Poor"},
    "Murad": {"low": "Low", "some concerns": "Some concerns", "high": "High"},
}


def _palette(name: str) -> dict[str | None, str]:
    key = PALETTE_ALIASES.get(name.lower(), name.lower())
    if key not in PALETTES:
        raise ValueError(f"unknown palette '{name}': use cochrane or colourblind")
    return PALETTES[key]


def _rc() -> dict[str, Any]:
    return {
        "svg.fonttype": "path",
        "svg.hashsalt": "synth-rob",
        "pdf.fonttype": 42,
        "font.family": FONT,
        "path.simplify": False,
    }


# ---------------------------------------------------------------------------
# The data of a panel: one tool, its columns, and each study's cells


@dataclass(frozen=True)
class Cell:
    level: str | None  # the tool's level (None: not judged -> no information)
    grade: str | None  # GRADE-scale key used for the colour and symbol
    text: str  # the symbol (or NOS stars)


@dataclass(frozen=True)
class Panel:
    tool: Tool
    keys: tuple[str, ...]  # domain keys in order
    labels: tuple[str, ...]  # domain labels (legend, summary bars)
    heads: tuple[str, ...]  # column headers (D1, D2, ...)
    studies: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]  # per study: domains..., overall
    weights: tuple[float, ...]


def _cell(tool: Tool, level: str | None, stars: int | None = None) -> Cell:
    grade = tool.to_grade.get(level) if level is not None else None
    text = str(stars) if stars is not None else SYMBOLS[grade]
    return Cell(level, grade, text)


def _panels(
    studies: Sequence[tuple[str, RiskOfBias]], weights: Sequence[float] | None
) -> list[Panel]:
    if weights is not None and len(weights) != len(studies):
        raise ValueError(f"{len(weights)} weights for {len(studies)} studies")
    groups: dict[str, list[int]] = {}
    for i, (_label, rob) in enumerate(studies):
        groups.setdefault(rob.tool, []).append(i)
    panels = []
    for name in [t for t in TOOLS if t in groups]:
        tool = TOOLS[name]
        idx = groups[name]
        if tool.free_domains:
            keys: list[str] = []
            for i in idx:
                for d in studies[i][1].domains:
                    if d.key not in keys:
                        keys.append(d.key)
            labels = list(keys)
        elif tool.stars:
            used = {d.key for i in idx for d in studies[i][1].domains}
            keys = ["selection", "comparability"]
            keys += ["exposure"] if "exposure" in used and "outcome" not in used else ["outcome"]
            if "exposure" in used and "outcome" in used:
                keys.append("exposure")
            labels = [
                f"{tool.domain(k).label} (stars of {tool.domain(k).max_stars})"  # type: ignore[union-attr]
                for k in keys
            ]
        else:
            keys = [d.key for d in tool.domains]
            labels = [d.label for d in tool.domains]
        rows = []
        for i in idx:
            rob = studies[i][1]
            row = []
            for key in keys:
                j = rob.domain(key)
                row.append(_cell(tool, None) if j is None else _cell(tool, j.level, j.stars))
            row.append(_cell(tool, rob.overall.level))
            rows.append(tuple(row))
        panels.append(
            Panel(
                tool=tool,
                keys=tuple(keys),
                labels=tuple(labels),
                heads=tuple(f"D{n + 1}" for n in range(len(keys))),
                studies=tuple(studies[i][0] for i in idx),
                cells=tuple(rows),
                weights=tuple(1.0 if weights is None else float(weights[i]) for i in idx),
            )
        )
    return panels


def _legend_levels(panel: Panel) -> list[tuple[str | None, str, str]]:
    """(grade key, symbol, name) for the legend, in the tool's order, plus no information."""
    names = _LEVEL_NAMES.get(panel.tool.name)
    out: list[tuple[str | None, str, str]] = []
    if names is None:  # other: the levels that occur
        seen = {c.level for row in panel.cells for c in row if c.level is not None}
        for level in panel.tool.levels:
            if level in seen:
                grade = panel.tool.to_grade[level]
                out.append((grade, SYMBOLS[grade], level.capitalize()))
    else:
        for level, name in names.items():
            grade = panel.tool.to_grade[level]
            symbol = "n" if panel.tool.stars else SYMBOLS[grade]
            out.append((grade, symbol, name))
    has_ni = any(c.grade is None for row in panel.cells for c in row)
    if has_ni and all(g is not None for g, _, _ in out):
        out.append((None, SYMBOLS[None], "No information"))
    return out


# ---------------------------------------------------------------------------
# Drawing helpers (inches; y grows downwards)


class _Canvas:
    def __init__(self, dpi: int) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.font_manager import FontProperties

        self.fig = Figure(figsize=(4, 4), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.fig)
        self.renderer = self.canvas.get_renderer()
        self.dpi = dpi
        self.font = FontProperties(family=FONT, size=FONT_SIZE)
        self.bold = FontProperties(family=FONT, size=FONT_SIZE, weight="bold")
        self.small = FontProperties(family=FONT, size=SMALL)
        self.title = FontProperties(family=FONT, size=TITLE, weight="bold")

    def width(self, text: str, prop: Any) -> float:
        if not text:
            return 0.0
        w, _, _ = self.renderer.get_text_width_height_descent(text, prop, ismath=False)
        return w / self.dpi

    def axes(self, w: float, h: float) -> Axes:
        self.fig.set_size_inches(w, h)
        ax = self.fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_axis_off()
        return ax


def _text(ax: Axes, x: float, y: float, s: str, prop: Any, **kw: Any) -> None:
    ax.text(x, y, s, fontproperties=prop, parse_math=False, **kw)


def _symbol_colour(fill: str) -> str:
    """Black on light fills, white on dark ones (the dark reds of both palettes)."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.35 else "#ffffff"


def _circle(ax: Axes, x: float, y: float, grade: str | None, text: str, pal: dict) -> None:
    from matplotlib.patches import Circle

    fill = pal[grade]
    ax.add_patch(Circle((x, y), RADIUS, facecolor=fill, edgecolor="#000000", linewidth=0.6))
    size = 11 if len(text) == 1 else 9
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center_baseline",
        fontsize=size,
        fontweight="bold",
        family=FONT,
        color=_symbol_colour(fill),
        parse_math=False,
    )


def _traffic_size(c: _Canvas, panel: Panel) -> tuple[float, float, float]:
    """(width, height, label column width) of a traffic-light panel."""
    label_w = max([c.width(s, c.font) for s in (*panel.studies, "Study")]) + GAP
    ncol = len(panel.keys) + 1
    grid_w = ncol * CELL
    legend_levels = _legend_levels(panel)
    domain_lines = [f"{h}: {lab}" for h, lab in zip(panel.heads, panel.labels, strict=True)]
    domain_w = max(c.width(s, c.small) for s in ["Domains:", *domain_lines])
    judge_w = max(c.width(s, c.small) for s in ["Judgement", *(n for _, _, n in legend_levels)])
    legend_w = domain_w + 3 * GAP + 2 * RADIUS + judge_w
    width = 2 * MARGIN + max(label_w + grid_w, legend_w)
    title_w = c.width(panel.tool.title, c.title)
    width = max(width, 2 * MARGIN + title_w)
    legend_lines = max(len(domain_lines) + 1, len(legend_levels) + 1)
    height = (
        MARGIN
        + 0.32  # title
        + CELL * 0.8  # header strip
        + CELL * len(panel.studies)
        + GAP
        + LINE * legend_lines
        + (LINE if panel.tool.stars else 0)
        + MARGIN
    )
    return width, height, label_w


def _draw_traffic(c: _Canvas, ax: Axes, panel: Panel, y0: float, pal: dict) -> float:
    from matplotlib.patches import Rectangle

    _width, height, label_w = _traffic_size(c, panel)
    x0 = MARGIN
    y = y0 + MARGIN
    _text(ax, x0, y, panel.tool.title, c.title, ha="left", va="top")
    y += 0.32
    ncol = len(panel.keys) + 1
    gx = x0 + label_w
    strip_h = CELL * 0.8
    nrow = len(panel.studies)
    # header strip and the grey overall column (robvis)
    ax.add_patch(
        Rectangle((gx, y), ncol * CELL, strip_h, facecolor=STRIP, edgecolor=GRID, linewidth=0.6)
    )
    ax.add_patch(
        Rectangle(
            (gx + (ncol - 1) * CELL, y + strip_h),
            CELL,
            nrow * CELL,
            facecolor=OVERALL_BG,
            edgecolor="none",
        )
    )
    for j, head in enumerate((*panel.heads, "Overall")):
        _text(
            ax,
            gx + (j + 0.5) * CELL,
            y + strip_h / 2,
            head,
            c.small if head == "Overall" else c.font,
            ha="center",
            va="center_baseline",
        )
    _text(ax, x0, y + strip_h / 2, "Study", c.bold, ha="left", va="center_baseline")
    y += strip_h
    for i, study in enumerate(panel.studies):
        cy = y + (i + 0.5) * CELL
        _text(ax, x0, cy, study, c.font, ha="left", va="center_baseline")
        for j, cell in enumerate(panel.cells[i]):
            _circle(ax, gx + (j + 0.5) * CELL, cy, cell.grade, cell.text, pal)
    # grid lines
    for i in range(nrow + 1):
        ax.plot([gx, gx + ncol * CELL], [y + i * CELL] * 2, color=GRID, linewidth=0.6, zorder=0.5)
    for j in range(ncol + 1):
        ax.plot(
            [gx + j * CELL] * 2, [y - strip_h, y + nrow * CELL], color=GRID, linewidth=0.6,
            zorder=0.5,
        )  # fmt: skip
    y += nrow * CELL + GAP
    # legends: domains on the left, judgements on the right
    _text(ax, x0, y, "Domains:", c.small, ha="left", va="top", fontweight="bold")
    for n, (head, label) in enumerate(zip(panel.heads, panel.labels, strict=True)):
        _text(ax, x0, y + (n + 1) * LINE, f"{head}: {label}", c.small, ha="left", va="top")
    domain_w = max(
        c.width(f"{h}: {lab}", c.small) for h, lab in zip(panel.heads, panel.labels, strict=True)
    )
    lx = x0 + max(domain_w, c.width("Domains:", c.small)) + 3 * GAP
    _text(ax, lx, y, "Judgement", c.small, ha="left", va="top", fontweight="bold")
    from matplotlib.patches import Circle

    r = LINE * 0.42
    for n, (grade, symbol, name) in enumerate(_legend_levels(panel)):
        cy = y + (n + 1) * LINE + LINE * 0.45
        fill = pal[grade]
        ax.add_patch(Circle((lx + r, cy), r, facecolor=fill, edgecolor="#000000", linewidth=0.5))
        ax.text(
            lx + r,
            cy,
            symbol,
            ha="center",
            va="center_baseline",
            fontsize=6.5,
            fontweight="bold",
            family=FONT,
            color=_symbol_colour(fill),
            parse_math=False,
        )
        _text(ax, lx + 2 * r + 0.08, cy, name, c.small, ha="left", va="center_baseline")
    if panel.tool.stars:
        lines = max(len(panel.heads) + 1, len(_legend_levels(panel)) + 1)
        _text(
            ax,
            x0,
            y + lines * LINE + 0.04,
            "Numbers are stars awarded; colours are the AHRQ rating of each domain and overall.",
            c.small,
            ha="left",
            va="top",
            style="italic",
        )
    return y0 + height


def _summary_size(c: _Canvas, panel: Panel, weighted: bool) -> tuple[float, float, float]:
    labels = [*panel.labels, "Overall risk of bias"]
    label_w = max(c.width(s, c.font) for s in labels) + GAP
    title = _summary_title(panel, weighted)
    nbar = len(labels)
    legend = _legend_levels(panel)
    legend_w = sum(c.width(n, c.small) + 0.35 for _, _, n in legend)
    width = 2 * MARGIN + max(label_w + BAR_W + GAP, c.width(title, c.title), legend_w)
    height = MARGIN + 0.32 + nbar * BAR_STEP + 0.30 + 0.35 + MARGIN
    return width, height, label_w


def _summary_title(panel: Panel, weighted: bool) -> str:
    how = "share of the pooled weight" if weighted else "share of studies"
    return f"{panel.tool.title}: {how}"


def _draw_summary(
    c: _Canvas, ax: Axes, panel: Panel, y0: float, pal: dict, weighted: bool
) -> float:
    from matplotlib.patches import Rectangle

    _width, height, label_w = _summary_size(c, panel, weighted)
    x0 = MARGIN
    y = y0 + MARGIN
    _text(ax, x0, y, _summary_title(panel, weighted), c.title, ha="left", va="top")
    y += 0.32
    bx = x0 + label_w
    total = sum(panel.weights) or 1.0
    order: list[str | None] = [*GRADE_ROB_SCALE, None]
    labels = [*panel.labels, "Overall risk of bias"]
    for b, label in enumerate(labels):
        cy = y + b * BAR_STEP + BAR_STEP / 2
        bold = label == "Overall risk of bias"
        _text(ax, bx - GAP, cy, label, c.bold if bold else c.font, ha="right", va="center_baseline")
        share: dict[str | None, float] = dict.fromkeys(order, 0.0)
        for row, w in zip(panel.cells, panel.weights, strict=True):
            share[row[b].grade] += w / total
        left = 0.0
        for grade in order:
            if share[grade] <= 0:
                continue
            ax.add_patch(
                Rectangle(
                    (bx + left * BAR_W, cy - BAR_H / 2),
                    share[grade] * BAR_W,
                    BAR_H,
                    facecolor=pal[grade],
                    edgecolor="#000000",
                    linewidth=0.6,
                )
            )
            left += share[grade]
    # x axis with percent ticks
    ay = y + len(labels) * BAR_STEP + 0.02
    ax.plot([bx, bx + BAR_W], [ay, ay], color="#000000", linewidth=0.6)
    for t in range(5):
        tx = bx + t * BAR_W / 4
        ax.plot([tx, tx], [ay, ay + 0.05], color="#000000", linewidth=0.6)
        _text(ax, tx, ay + 0.08, f"{25 * t}%", c.small, ha="center", va="top")
    # legend, boxed, below
    ly = ay + 0.36
    lx = x0
    for grade, _symbol, name in _legend_levels(panel):
        ax.add_patch(
            Rectangle(
                (lx, ly - 0.06), 0.14, 0.14, facecolor=pal[grade], edgecolor="#000000",
                linewidth=0.5,
            )
        )  # fmt: skip
        _text(ax, lx + 0.2, ly + 0.01, name, c.small, ha="left", va="center_baseline")
        lx += 0.2 + c.width(name, c.small) + 0.15
    return y0 + height


# ---------------------------------------------------------------------------
# Public


def traffic_light_figure(
    *,
    studies: Sequence[tuple[str, RiskOfBias]],
    palette: str = "cochrane",
    dpi: int = 150,
) -> Figure:
    """Traffic-light plot of ``studies`` (label, checked record): one panel per tool."""
    import matplotlib

    pal = _palette(palette)
    panels = _panels(studies, None)
    if not panels:
        raise ValueError("no risk-of-bias records to plot")
    with matplotlib.rc_context(_rc()):
        c = _Canvas(dpi)
        sizes = [_traffic_size(c, p) for p in panels]
        ax = c.axes(max(s[0] for s in sizes), sum(s[1] for s in sizes))
        y = 0.0
        for p in panels:
            y = _draw_traffic(c, ax, p, y, pal)
    return c.fig


def summary_figure(
    *,
    studies: Sequence[tuple[str, RiskOfBias]],
    weights: Sequence[float] | None = None,
    palette: str = "cochrane",
    dpi: int = 150,
) -> Figure:
    """Summary bar plot: per domain, the share of studies (or of ``weights``) at each level."""
    import matplotlib

    pal = _palette(palette)
    panels = _panels(studies, weights)
    if not panels:
        raise ValueError("no risk-of-bias records to plot")
    with matplotlib.rc_context(_rc()):
        c = _Canvas(dpi)
        sizes = [_summary_size(c, p, weights is not None) for p in panels]
        ax = c.axes(max(s[0] for s in sizes), sum(s[1] for s in sizes))
        y = 0.0
        for p in panels:
            y = _draw_summary(c, ax, p, y, pal, weights is not None)
    return c.fig


def rob_figure(
    *,
    studies: Sequence[tuple[str, RiskOfBias]],
    weights: Sequence[float] | None = None,
    palette: str = "cochrane",
    dpi: int = 150,
) -> Figure:
    """Both plots in one figure (traffic lights above, summary below): ``synth rob``."""
    import matplotlib

    pal = _palette(palette)
    panels = _panels(studies, weights)
    if not panels:
        raise ValueError("no risk-of-bias records to plot")
    weighted = weights is not None
    with matplotlib.rc_context(_rc()):
        c = _Canvas(dpi)
        t_sizes = [_traffic_size(c, p) for p in panels]
        s_sizes = [_summary_size(c, p, weighted) for p in panels]
        w = max(s[0] for s in (*t_sizes, *s_sizes))
        h = sum(s[1] for s in (*t_sizes, *s_sizes))
        ax = c.axes(w, h)
        y = 0.0
        for p in panels:
            y = _draw_traffic(c, ax, p, y, pal)
        for p in panels:
            y = _draw_summary(c, ax, p, y, pal, weighted)
    return c.fig


def figure_bytes(fig: Figure, *, fmt: str) -> bytes:
    """A figure as PNG, SVG (fonts as paths, no date) or PDF (no dates) bytes."""
    import matplotlib

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown plot format '{fmt}': use one of {', '.join(FORMATS)}")
    metadata: dict[str, Any] = (
        {"Date": None} if fmt == "svg" else {"CreationDate": None, "ModDate": None}
        if fmt == "pdf" else {}
    )  # fmt: skip
    buf = io.BytesIO()
    with matplotlib.rc_context(_rc()):
        fig.savefig(buf, format=fmt, metadata=metadata, facecolor="white")
    return buf.getvalue()
