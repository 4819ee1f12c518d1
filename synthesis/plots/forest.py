"""Forest plots: a pooled result -> a layout (pure data) -> a figure (PNG, SVG, PDF).

Two layers:

1. :func:`forest_layout` turns a :class:`~synthesis.analysis.PoolResult` into a
   :class:`ForestLayout`: the rows in the order they are drawn (studies, subgroup
   headers and subtotals, pooled diamonds, prediction intervals), their texts, their
   coordinates on the plotting scale, the axis (scale, limits, ticks, line of no
   effect), the "favours" labels and the footer.  No matplotlib here, so tests and
   other renderers can check exactly what a plot shows.
2. :func:`draw_forest` draws a layout with matplotlib (a bare ``Figure`` on the Agg
   canvas: pyplot and the user's rcParams are left alone); :func:`forest_image` and
   :func:`forest_bytes` return the file's bytes.

The whole plot is drawn with matplotlib rather than with the ``forestplot`` package:
importing ``forestplot`` changes process-wide state (``warnings.filterwarnings("ignore")``
in ``forestplot/graph_utils.py``, ``np.seterr(all="ignore")`` and
``rcParams["font.monospace"]`` in ``forestplot/plot.py``), it measures text on
``plt.gcf()`` (the pyplot figure, not the one being drawn), it places rows on a
categorical y axis keyed by the label text (two rows with the same label, or two empty
spacer rows, fall on one line), it draws one marker size for every row (no squares
sized by weight), no diamonds, no prediction intervals and no arrows, and it aligns its
text columns by padding strings with spaces in a monospaced font.

Coordinates on the "plotting scale" are the values on the axis's own data scale: the
reporting scale (a ratio, a proportion 0-1, months), with a log axis for ratios.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from synthesis.analyses.order import SORTS, sort_studies
from synthesis.errors import SynthError
from synthesis.measures import COMMON_METHODS, MEASURES, METHOD_NAMES
from synthesis.plots.fonts import font_family, missing_glyphs_warning, quiet_glyphs
from synthesis.render.text import (
    NOT_POOLED_CELLS,
    common_lines,
    heterogeneity_line,
    interval,
    level_text,
    number,
    outside_subgroups,
    overall_line,
    p_text,
    pooled_name,
    subgroup_test_line,
    tau2_text,
    weight_text,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from synthesis.analyses.pool import PoolResult, StudyResult

MINUS = "\u2212"
FORMATS = ("png", "svg", "pdf")
#: The largest PNG drawn: pixels per side and in all (a 2,000-study plot at 200 dpi would
#: be 84,550 px tall and need gigabytes). Beyond, the error suggests SVG/PDF or --where.
MAX_PNG_SIDE = 32_768
MAX_PNG_PIXELS = 50_000_000
ROW_KINDS = (
    "cluster-header",
    "study",
    "subgroup-header",
    "subgroup-pooled",
    "subgroup-pi",
    "subgroup-heterogeneity",
    "pooled",
    "pi",
    "blank",
)


@dataclass(frozen=True)
class ForestRow:
    """One line of a forest plot, top to bottom.

    ``kind`` is one of :data:`ROW_KINDS`.  ``x`` is the point estimate, ``lo``/``hi``
    the extent drawn (the interval clipped to the axis limits; ``arrow_left`` and
    ``arrow_right`` say where it was clipped), ``ci_low``/``ci_high`` the interval as
    computed (for a ``pi`` row: the prediction interval).  A pooled row's diamond has
    its vertices at ``(lo, x, hi)``.  ``size`` is a study square's side relative to the
    largest square in the plot (area proportional to weight); 0 means no square.
    A ``cluster-header`` row (a multilevel result drawn with its clusters grouped) has
    the cluster's name as ``label`` ("yoon2025-ankl", or "trial = X" for ``--cluster
    TAG``) and its number of rows as ``data`` ("2 rows"); the rows under it carry the
    same name in ``cluster``.
    """

    kind: str
    label: str = ""
    data: str = ""
    estimate_text: str = ""
    weight_text: str = ""
    x: float | None = None
    lo: float | None = None
    hi: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    weight: float | None = None
    size: float = 0.0
    arrow_left: bool = False
    arrow_right: bool = False
    bold: bool = False
    study_id: str | None = None
    subgroup: str | None = None
    single: bool = False  # a pooled row of k = 1: nothing pooled, so no diamond
    cluster: str | None = None  # multilevel: the cluster (study id or tag value) of the row

    @property
    def diamond(self) -> tuple[float, float, float] | None:
        """(left, centre, right) of a pooled row's diamond on the plotting scale."""
        if self.kind not in ("pooled", "subgroup-pooled") or self.x is None or self.single:
            return None
        if self.lo is None or self.hi is None:
            return (self.x, self.x, self.x)
        return (self.lo, self.x, self.hi)


@dataclass(frozen=True)
class ForestLayout:
    """Everything a forest plot shows, as data (no matplotlib)."""

    title: str
    outcome: str
    measure: str
    k: int
    rows: tuple[ForestRow, ...]
    headers: tuple[str, str, str, str]  # study, data, estimate [CI], weight
    scale: str  # "log" or "linear"
    xlim: tuple[float, float]
    ticks: tuple[float, ...]
    tick_labels: tuple[str, ...]
    xlabel: str
    null_line: float | None
    pooled_line: float | None
    favours: tuple[str, str] | None
    footer: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """One row per plot row (pandas imported lazily)."""
        import pandas as pd

        records = []
        for i, row in enumerate(self.rows):
            rec = asdict(row)
            rec["row"] = i
            records.append(rec)
        frame = pd.DataFrame(records)
        return frame[["row", *[c for c in frame.columns if c != "row"]]]


@dataclass(frozen=True)
class ForestImage:
    """A drawn forest plot: the file's bytes and its size."""

    data: bytes
    fmt: str
    width_in: float
    height_in: float
    dpi: int
    layout: ForestLayout

    @property
    def width_px(self) -> int:
        return int(self.width_in * self.dpi)

    @property
    def height_px(self) -> int:
        return int(self.height_in * self.dpi)


# ---------------------------------------------------------------------------
# Layout (pure data)


def _plot_text(text: str) -> str:
    """A number as the plot shows it: the text outputs' string with a true minus sign."""
    return text.replace("-", MINUS)


def _num(value: float | None, measure: str) -> str:
    """A number as printed in the plot: :func:`synthesis.render.text.number` (the rule of
    every output) with a true minus sign; 'NR' (not reached / not reported) for None."""
    if value is None:
        return "NR"
    return _plot_text(number(value, measure))


def _estimate_text(est: float | None, lo: float | None, hi: float | None, measure: str) -> str:
    if est is None:
        return "NR"
    text = _num(est, measure)
    if lo is None and hi is None:
        return text
    return f"{text} {_interval_text(lo, hi, measure)}"


def _interval_text(lo: float | None, hi: float | None, measure: str) -> str:
    return _plot_text(interval(lo, hi, measure))


def _sorted_studies(studies: Sequence[StudyResult], sort: str) -> list[StudyResult]:
    return sort_studies(studies, sort)


def _pooled_label(result: PoolResult, *, subtotal: bool) -> str:
    if result.single_study:
        return pooled_name(result, subtotal=subtotal)
    if result.measure == "MED":
        name = f"median of medians ({result.method})"
        return f"Subtotal, {name}" if subtotal else f"Pooled {name}"
    if is_multilevel(result):
        model = "multilevel"
    elif result.method in COMMON_METHODS:
        model = "common effect"
    else:
        model = "random effects"
    return f"Subtotal ({model})" if subtotal else f"Pooled ({model}, {result.method})"


def _pooled_data(result: PoolResult) -> str:
    n = result.participants
    k = f"k = {result.k}"
    clusters = _component(result, "cluster")
    if clusters is not None and is_multilevel(result):
        k += f" in {clusters.n} cluster{'s' if clusters.n != 1 else ''}"
    return k + (f", n = {n}" if n is not None else "")


def _component(result: PoolResult, level: str) -> Any:
    """The variance component of ``level`` ("cluster" or "row") of a multilevel result."""
    for vc in getattr(result, "variance_components", None) or ():
        if vc.level == level:
            return vc
    return None


def multilevel_heterogeneity_line(result: PoolResult) -> str:
    """The footer's heterogeneity line of a multilevel result, naming both components:
    'Heterogeneity: σ² between clusters (study) = 0.4470, within (row) = 0.1451;
    I² = 77.1%; Q = 10.82 (df = 3, p = 0.0127)'."""
    from synthesis.analyses.multilevel import CLUSTER_DEFAULT

    h = result.heterogeneity
    between, within = _component(result, "cluster"), _component(result, "row")
    if between is None or within is None or between.sigma2 is None or within.sigma2 is None:
        return "Heterogeneity: not estimable" + (" (k = 1)" if result.k == 1 else "")
    cluster = result.cluster or CLUSTER_DEFAULT

    def value(vc: Any) -> str:
        return tau2_text(vc.sigma2) + (" (fixed)" if vc.fixed else "")

    parts = [f"σ² between clusters ({cluster}) = {value(between)}, within (row) = {value(within)}"]
    if h.I2 is not None:
        parts.append(f"I² = {h.I2:.1f}%")
    if h.Q is not None:
        parts.append(f"Q = {h.Q:.2f} (df = {h.Q_df}, {p_text(h.Q_p)})")
    return "Heterogeneity: " + "; ".join(parts)


def _short_heterogeneity(result: PoolResult) -> str:
    """R meta's per-subgroup line: 'Heterogeneity: I² = 12.3%, τ² = 0.0123, p = 0.3318'."""
    h = result.heterogeneity
    if result.measure == "MED" or h.Q is None or result.k < 2:
        return ""
    parts = []
    if h.I2 is not None:
        parts.append(f"I² = {h.I2:.1f}%")
    if h.tau2 is not None:
        parts.append(f"τ² = {tau2_text(h.tau2)}")
    if h.Q_p is not None:
        parts.append(p_text(h.Q_p))
    return "Heterogeneity: " + ", ".join(parts)


def _method_line(result: PoolResult) -> str:
    pct = level_text(result.level)
    if result.measure == "MED":
        return f"Method: {METHOD_NAMES.get(result.method, result.method)}; {pct} CI"
    ci = "Hartung-Knapp-Sidik-Jonkman t" if result.ci_method == "hksj" else "Wald z"
    if is_multilevel(result):
        name = METHOD_NAMES.get(result.method, result.method)
        ci = f"t (df = {result.k - 1})" if result.ci_method == "hksj" else "Wald z"
        model = "three-level model, rows nested in clusters (rma.mv), "
        model += f"σ² by {name} ({result.method})"
    elif result.method in COMMON_METHODS:
        model = _common_model_name(result.method)
    elif result.method == "GLMM":
        model = "random-effects logistic-normal model (GLMM, maximum likelihood)"
    else:
        name = METHOD_NAMES.get(result.method, result.method)
        model = f"random-effects model, τ² by {name} ({result.method})"
    line = f"Method: {model}; {ci} {pct} CI"
    note = MEASURES[result.measure].scale_note
    if note:
        line += f"; {note}"
    return line


def _common_model_name(method: str) -> str:
    name = {"FE": "inverse-variance", "MH": "Mantel-Haenszel", "PETO": "Peto"}[method]
    return f"common-effect ({name}) model"


def _method_notes(result: PoolResult) -> list[str]:
    """Footer lines for --also and --pi t."""
    out = []
    if result.common is not None:
        out.append(f"Beside it: the {_common_model_name(result.common.method)}; Wald z CI")
    if result.pi_method == "t" and result.pi_df is not None:
        out.append(f"Prediction interval on t with k - 2 = {result.pi_df} df (Higgins et al. 2009)")
    if is_multilevel(result):
        h = result.heterogeneity
        if result.pi_low is not None and h.tau2 is not None:
            out.append(
                f"Prediction interval from σ² between + within = {tau2_text(h.tau2)}; "
                "weights: each row's share of the estimate (row sums of V⁻¹)"
            )
    return out


def _common_rows(result: PoolResult, *, subgroup: str | None, subtotal: bool) -> list[ForestRow]:
    """The common-effect diamond (``--also``), drawn above the random-effects one."""
    c = result.common
    if c is None or (subtotal and c.single_study):  # a k = 1 subgroup: one row
        return []
    return [
        ForestRow(
            kind="subgroup-pooled" if subtotal else "pooled",
            label=_pooled_label(c, subtotal=subtotal)
            + (f" ({c.method})" if subtotal and c.method != "FE" else ""),
            data=_pooled_data(c),
            estimate_text=_estimate_text(c.estimate, c.ci_low, c.ci_high, c.measure),
            x=c.estimate,
            ci_low=c.ci_low,
            ci_high=c.ci_high,
            bold=True,
            subgroup=subgroup,
        )
    ]


def _study_row(s: StudyResult, measure: str, subgroup: str | None) -> ForestRow:
    return ForestRow(
        kind="study",
        label=s.label,
        data=s.data,
        estimate_text=_estimate_text(s.estimate, s.ci_low, s.ci_high, measure),
        weight_text=weight_text(s.weight),
        x=s.estimate,
        ci_low=s.ci_low,
        ci_high=s.ci_high,
        weight=s.weight,
        study_id=s.id if s.arm is None else f"{s.id}/{s.arm}",
        subgroup=subgroup,
    )


def _not_pooled_row(s: StudyResult, subgroup: str | None) -> ForestRow:
    """A median not reached: listed with its data, no square, no line, no weight."""
    return ForestRow(
        kind="study",
        label=s.label,
        data=s.data,
        estimate_text=f"{NOT_POOLED_CELLS[0]} ({NOT_POOLED_CELLS[1]})",
        study_id=s.id if s.arm is None else f"{s.id}/{s.arm}",
        subgroup=subgroup,
    )


def is_multilevel(result: PoolResult) -> bool:
    """Whether ``result`` is a three-level fit (``--model multilevel``)."""
    return getattr(result, "model", "rows") == "multilevel"


def _cluster_heading(result: PoolResult, name: str) -> str:
    """A cluster's heading: the study id (``--cluster study``) or "TAG = value"."""
    from synthesis.analyses.multilevel import CLUSTER_DEFAULT

    cluster = result.cluster or CLUSTER_DEFAULT
    return name if cluster == CLUSTER_DEFAULT else f"{cluster} = {name}"


def _clustered_rows(result: PoolResult, sort: str, subgroup: str | None) -> list[ForestRow]:
    """The study rows grouped by cluster, each group under a ``cluster-header`` row.

    The rows are first sorted by ``sort``; clusters then follow in the order of their
    first row (by the earliest year, the smallest estimate, or as listed) and keep that
    order inside.
    """
    from synthesis.analyses.multilevel import CLUSTER_DEFAULT, cluster_labels

    m = result.measure
    labels = cluster_labels(result, cluster=result.cluster or CLUSTER_DEFAULT)
    of = {id(s): c for s, c in zip(result.studies, labels, strict=True)}
    groups: dict[str, list[StudyResult]] = {}
    for s in _sorted_studies(result.studies, sort):
        groups.setdefault(of[id(s)], []).append(s)
    rows: list[ForestRow] = []
    for name, members in groups.items():
        heading = _cluster_heading(result, name)
        rows.append(
            ForestRow(
                kind="cluster-header",
                label=heading,
                data=f"{len(members)} row{'s' if len(members) != 1 else ''}",
                bold=True,
                subgroup=subgroup,
                cluster=heading,
            )
        )
        rows.extend(replace(_study_row(s, m, subgroup), cluster=heading) for s in members)
    return rows


def _block(
    result: PoolResult,
    *,
    sort: str,
    subgroup: str | None,
    subtotal: bool,
    group_clusters: bool = False,
) -> list[ForestRow]:
    m = result.measure
    if group_clusters and is_multilevel(result):
        rows = _clustered_rows(result, sort, subgroup)
    else:
        rows = [_study_row(s, m, subgroup) for s in _sorted_studies(result.studies, sort)]
    rows.extend(_not_pooled_row(s, subgroup) for s in result.not_pooled)
    if not subtotal:
        rows.append(ForestRow(kind="blank"))
    rows.extend(_common_rows(result, subgroup=subgroup, subtotal=subtotal))
    rows.append(
        ForestRow(
            kind="subgroup-pooled" if subtotal else "pooled",
            label=_pooled_label(result, subtotal=subtotal),
            data=_pooled_data(result),
            estimate_text=_estimate_text(result.estimate, result.ci_low, result.ci_high, m),
            weight_text="100.0%" if subtotal or not result.subgroups else "",
            x=result.estimate,
            ci_low=result.ci_low,
            ci_high=result.ci_high,
            bold=True,
            subgroup=subgroup,
            single=result.single_study,
        )
    )
    if result.pi_low is not None and result.pi_high is not None:
        rows.append(
            ForestRow(
                kind="subgroup-pi" if subtotal else "pi",
                label="Prediction interval",
                estimate_text=_interval_text(result.pi_low, result.pi_high, m),
                ci_low=result.pi_low,
                ci_high=result.pi_high,
                subgroup=subgroup,
            )
        )
    if subtotal:
        het = _short_heterogeneity(result)
        if het:
            rows.append(ForestRow(kind="subgroup-heterogeneity", label=het, subgroup=subgroup))
    return rows


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    mag = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mult * mag >= raw * (1 - 1e-9):
            return mult * mag
    return 10.0 * mag  # pragma: no cover


def _linear_axis(
    must: list[float], want: list[float], *, floor: float | None, ceil: float | None
) -> tuple[tuple[float, float], tuple[float, ...]]:
    """Nice linear limits holding every ``must`` value and the ``want`` values within reason."""
    lo, hi = min(must), max(must)
    span = max(hi - lo, 1e-9)
    # study intervals may widen the axis up to one core span on each side; beyond, arrows
    slack = max(span, abs(hi), abs(lo), 1e-9)
    w_lo = min([*want, lo])
    w_hi = max([*want, hi])
    lo = max(w_lo, lo - slack)
    hi = min(w_hi, hi + slack)
    if floor is not None:
        lo = max(lo, floor)
    if ceil is not None:
        hi = min(hi, ceil)
    if hi - lo < 1e-9:
        pad = abs(lo) * 0.5 or 1.0
        lo, hi = lo - pad, hi + pad
        if floor is not None:
            lo = max(lo, floor)
    step = _nice_step(hi - lo)
    lo_n = math.floor(lo / step + 1e-9) * step
    hi_n = math.ceil(hi / step - 1e-9) * step
    n = round((hi_n - lo_n) / step)
    ticks = tuple(round(lo_n + i * step, 10) + 0.0 for i in range(n + 1))
    return (ticks[0], ticks[-1]), ticks


def _log_candidates(lo: float, hi: float) -> list[float]:
    """1-2-5 values per decade from below ``lo`` to above ``hi``."""
    out = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 2):
        for m in (1.0, 2.0, 5.0):
            out.append(float(f"{m}e{e}"))
    return out


def _log_axis(
    must: list[float], want: list[float]
) -> tuple[tuple[float, float], tuple[float, ...]]:
    """Log limits at 1-2-5 values holding ``must`` (and at least [0.5, 2]) and the ``want``
    values (study intervals) up to a factor of 2 beyond; beyond that, arrows."""
    lo, hi = min([*must, 0.5]), max([*must, 2.0])
    lo = max(min([*want, lo]), lo / 2.0)
    hi = min(max([*want, hi]), hi * 2.0)
    lo, hi = max(lo, 1e-3), min(hi, 1e3)
    cands = _log_candidates(lo, hi)
    lim_lo = max(c for c in cands if c <= lo * (1 + 1e-9))
    lim_hi = min(c for c in cands if c >= hi * (1 - 1e-9))
    ticks = [c for c in cands if lim_lo <= c <= lim_hi]
    if len(ticks) > 7:  # powers of ten (1 always), and the ends where they do not crowd them
        inner = [c for c in ticks if abs(math.log10(c) - round(math.log10(c))) < 1e-9]
        if len(inner) > 6:
            inner = [c for c in inner if round(math.log10(c)) % 2 == 0]
        room = 0.12 * math.log10(lim_hi / lim_lo)  # about an eighth of the axis
        ends = [
            end
            for end in (lim_lo, lim_hi)
            if end not in inner and min(abs(math.log10(end / c)) for c in inner) > room
        ]
        ticks = sorted({*inner, *ends})
    return (lim_lo, lim_hi), tuple(ticks)


def _tick_label(value: float) -> str:
    return f"{value:g}".replace("-", MINUS)


def _clip(
    row: ForestRow, xlim: tuple[float, float]
) -> tuple[float | None, float | None, bool, bool]:
    """The part of a row's interval inside the axis, and whether it was cut (arrows)."""
    lo, hi = row.ci_low, row.ci_high
    if lo is None and hi is None:
        return None, None, False, False
    left = right = False
    if lo is None:  # lower limit not reported / not reached: draw to the axis edge
        lo, left = xlim[0], True
    if hi is None:
        hi, right = xlim[1], True
    if lo < xlim[0]:
        lo, left = xlim[0], True
    if hi > xlim[1]:
        hi, right = xlim[1], True
    lo = min(max(lo, xlim[0]), xlim[1])
    hi = max(min(hi, xlim[1]), xlim[0])
    return lo, hi, left, right


def forest_layout(
    result: PoolResult,
    *,
    sort: str = "year",
    favours: Sequence[str] | None = None,
    group_clusters: bool = True,
) -> ForestLayout:
    """The content of a forest plot of ``result``: rows, axis, labels, footer.

    ``sort``: ``"year"`` (default; ties keep the listed order), ``"estimate"``
    (ascending, within each subgroup) or ``"listed"`` (the result's order).
    ``favours``: two labels (left, right of the line of no effect); drawn for
    comparative measures only (a warning in :attr:`ForestLayout.warnings` otherwise).
    ``group_clusters``: for a multilevel result (``result.model == "multilevel"``, from
    :func:`~synthesis.analyses.multilevel.pool_multilevel`), draw the rows of each
    cluster together under a ``cluster-header`` row (the study id, or "TAG = value"
    for ``cluster=TAG``, with the number of rows); the clusters follow ``sort`` by
    their first row. The diamond is the multilevel estimate, the prediction interval
    uses the sum of the two variance components, and the footer names both. True by
    default; False draws a multilevel result's rows ungrouped. No effect on any other
    result.
    """
    if sort not in SORTS:
        raise SynthError(f"--sort {sort}: use one of {', '.join(SORTS)}")
    measure = result.measure
    warnings: list[str] = []

    rows: list[ForestRow] = []
    if result.subgroups:
        for g in result.subgroups:
            name = f"{g.by} = {g.value}"
            rows.append(ForestRow(kind="subgroup-header", label=name, bold=True, subgroup=name))
            rows.extend(_block(g, sort=sort, subgroup=name, subtotal=True))
            rows.append(ForestRow(kind="blank"))
        for value, members in outside_subgroups(result):  # nothing pooled in the subgroup
            name = f"{result.subgroups[0].by} = {value}"
            rows.append(ForestRow(kind="subgroup-header", label=name, bold=True, subgroup=name))
            rows.extend(_not_pooled_row(s, name) for s in members)
            rows.append(ForestRow(kind="blank"))
        rows.extend(
            r
            for r in _block(result, sort=sort, subgroup=None, subtotal=False)
            if r.kind not in ("study", "blank")
        )
    else:
        rows = _block(
            result, sort=sort, subgroup=None, subtotal=False, group_clusters=group_clusters
        )

    # axis
    null: float | None
    if MEASURES[measure].log:
        null, scale = 1.0, "log"
    elif measure in ("RD", "GEN", "MD", "SMD"):
        null, scale = 0.0, "linear"
    else:
        null, scale = None, "linear"
    must: list[float] = []
    want: list[float] = []
    for r in rows:
        if r.kind == "study":
            if r.x is not None:
                must.append(r.x)
            want.extend(v for v in (r.ci_low, r.ci_high) if v is not None)
        elif r.kind in ("pooled", "subgroup-pooled", "pi", "subgroup-pi"):
            must.extend(v for v in (r.x, r.ci_low, r.ci_high) if v is not None)
    if null is not None:
        must.append(null)
    if not must:
        must = want[:] or [0.0, 1.0]
    if MEASURES[measure].log:
        must = [v for v in must if v > 0] or [1.0]
        xlim, ticks = _log_axis(must, [v for v in want if v > 0])
    elif MEASURES[measure].family == "proportion":
        lo_all = min([*must, *want, 0.0])
        hi_all = max([*must, *want, 1.0])
        if lo_all >= 0.0 and hi_all <= 1.0:
            xlim, ticks = (0.0, 1.0), (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
        else:  # a raw-proportion (PR) interval beyond [0, 1]
            xlim, ticks = _linear_axis([*must, 0.0, 1.0], want, floor=None, ceil=None)
    elif measure == "RD":
        xlim, ticks = _linear_axis(must, want, floor=-1.0, ceil=1.0)
    elif measure == "MED":
        xlim, ticks = _linear_axis([*must, 0.0], want, floor=0.0, ceil=None)
    else:
        xlim, ticks = _linear_axis(must, want, floor=None, ceil=None)

    # sizes (area proportional to weight, relative to the largest study in the plot)
    weights = [r.weight for r in rows if r.kind == "study" and r.weight and r.x is not None]
    top = max(weights) if weights else None
    drawn: list[ForestRow] = []
    for r in rows:
        lo, hi, left, right = _clip(r, xlim)
        size = 0.0
        inside = r.x is not None and xlim[0] <= r.x <= xlim[1]
        if r.kind == "study" and inside and r.weight and top:
            size = math.sqrt(r.weight / top)
        drawn.append(replace(r, lo=lo, hi=hi, size=size, arrow_left=left, arrow_right=right))

    fav: tuple[str, str] | None = None
    if favours is not None:
        if len(favours) != 2:
            raise SynthError("--favours takes two labels: LEFT RIGHT")
        if null is None:
            warnings.append(
                f"--favours is for comparative measures; {measure} has no line of no effect, "
                "so the labels are not drawn"
            )
        else:
            fav = (str(favours[0]), str(favours[1]))

    if is_multilevel(result):
        footer = [multilevel_heterogeneity_line(result)]
    else:
        footer = [heterogeneity_line(result).replace("tau²", "τ²")]
    line = overall_line(result)  # (none for a proportion or median without --null)
    if line:
        footer.append(line)
    footer.extend(common_lines(result))
    if subgroup_test_line(result):
        footer.append(subgroup_test_line(result))
    footer.append(_method_line(result))
    footer.extend(_method_notes(result))
    if result.subgroups:
        footer.append("Study weights are percentages within each subgroup.")

    pct = level_text(result.level)
    title = result.outcome
    if result.subgroups:
        title += f" by {result.subgroups[0].by}"
    if result.where:
        title += f" ({', '.join(result.where)})"
    return ForestLayout(
        title=title,
        outcome=result.outcome,
        measure=measure,
        k=result.k,
        rows=tuple(drawn),
        headers=(
            "Study",
            MEASURES[measure].data_header,
            f"{MEASURES[measure].estimate_name} [{pct} CI]",
            "Weight",
        ),
        scale=scale,
        xlim=(float(xlim[0]), float(xlim[1])),
        ticks=tuple(float(t) for t in ticks),
        tick_labels=tuple(_tick_label(t) for t in ticks),
        xlabel=MEASURES[measure].axis_label,
        null_line=null,
        pooled_line=None if result.single_study else result.estimate,
        favours=fav,
        footer=tuple(footer),
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------
# Drawing (matplotlib imported here only)

# Okabe-Ito blue for squares, black lines and diamonds, vermillion prediction intervals.
SQUARE_COLOUR = "#0072B2"
LINE_COLOUR = "#000000"
DIAMOND_COLOUR = "#000000"
SUBDIAMOND_COLOUR = "#7F7F7F"
PI_COLOUR = "#D55E00"
GUIDE_COLOUR = "#999999"

FONT_SIZE = 9.0  # table text, points
SMALL_SIZE = 8.0  # footer, axis, per-subgroup heterogeneity
TITLE_SIZE = 11.0
ROW_HEIGHT = 0.21  # inches per row
PLOT_WIDTH = 3.0  # inches for the plot column
GAP = 0.22  # inches between text columns
MARGIN = 0.2  # inches around the figure
MAX_SQUARE = 0.78  # largest square's side as a fraction of the row height
MIN_SQUARE_PT = 3.0
INDENT = 0.16  # inches: rows under a cluster heading
NOTE_COLOUR = "#555555"  # a cluster heading's note ("2 rows")


def _rc() -> dict[str, Any]:
    return {
        "svg.fonttype": "path",
        "svg.hashsalt": "synth-forest",
        "pdf.fonttype": 42,
        "font.family": font_family(),  # DejaVu Sans, then installed CJK fallbacks
        "axes.unicode_minus": True,
        "path.simplify": False,
    }


def _heights(layout: ForestLayout) -> tuple[float, float, float, float, float, float]:
    """Inches: a footer line, the header, the axis, the footer, the rows, the whole figure.

    The height depends on the number of rows only (no text is measured), so that
    :func:`forest_image` can refuse a PNG that is too large before drawing anything.
    """
    line_h = SMALL_SIZE * 1.45 / 72
    title_h = 0.42
    header_h = ROW_HEIGHT * 1.4
    axis_h = 0.32 + (line_h if layout.favours else 0.0) + line_h + 0.08
    footer_h = 0.12 + line_h * len(layout.footer)
    rows_h = ROW_HEIGHT * max(len(layout.rows), 1)
    fig_h = MARGIN + title_h + header_h + rows_h + axis_h + footer_h + MARGIN
    return line_h, header_h, axis_h, footer_h, rows_h, fig_h


def _check_png_size(layout: ForestLayout, dpi: int, width_in: float | None = None) -> None:
    """Refuse a PNG beyond :data:`MAX_PNG_SIDE` per side or :data:`MAX_PNG_PIXELS` in all."""
    height = math.ceil(_heights(layout)[-1] * dpi)
    width = math.ceil(width_in * dpi) if width_in is not None else 0
    studies = sum(r.kind == "study" for r in layout.rows)
    too_tall = height > MAX_PNG_SIDE
    too_big = width > MAX_PNG_SIDE or width * height > MAX_PNG_PIXELS
    if not (too_tall or too_big):
        return
    size = f"{width:,} x {height:,} px" if width else f"{height:,} px tall"
    # rows that fit at this dpi (the height grows by ROW_HEIGHT * dpi per row)
    tallest = min(MAX_PNG_SIDE, MAX_PNG_PIXELS / width) if width else MAX_PNG_SIDE
    fixed = _heights(replace(layout, rows=()))[-1] - ROW_HEIGHT
    rows_fit = max(0, int((tallest / dpi - fixed) / ROW_HEIGHT))
    raise SynthError(
        f"a forest plot of {studies:,} studies would be {size} as PNG at {dpi} dpi; a PNG "
        f"may have at most {MAX_PNG_SIDE:,} px per side and {MAX_PNG_PIXELS / 1e6:g} "
        f"megapixels ({'' if width else 'at most '}about {rows_fit:,} rows at {dpi} dpi): "
        "write .svg or .pdf instead (any size), or select fewer studies with --where TAG=VALUE"
        + (", or lower --dpi" if dpi > 200 else "")
    )


def draw_forest(layout: ForestLayout, *, dpi: int = 200) -> Figure:
    """Draw ``layout`` on a new matplotlib Figure (Agg canvas; pyplot is not used).

    The height follows the number of rows; column widths follow the measured text.
    """
    import matplotlib

    with matplotlib.rc_context(_rc()), quiet_glyphs():
        return _draw(layout, dpi)


def _draw(layout: ForestLayout, dpi: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon, Rectangle
    from matplotlib.ticker import NullLocator
    from matplotlib.transforms import blended_transform_factory

    fig = Figure(figsize=(8.0, 4.0), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    family = font_family()
    regular = FontProperties(family=family, size=FONT_SIZE)
    bold = FontProperties(family=family, size=FONT_SIZE, weight="bold")
    small = FontProperties(family=family, size=SMALL_SIZE)
    title_font = FontProperties(family=family, size=TITLE_SIZE, weight="bold")

    def width(text: str, prop: FontProperties) -> float:
        if not text:
            return 0.0
        w, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
        return w / dpi

    rows = layout.rows
    n = len(rows)
    spanning = ("subgroup-heterogeneity", "subgroup-header")

    def col_width(i: int) -> float:
        cells = [width(layout.headers[i], bold)]
        for r in rows:
            if r.kind in spanning and i == 0:
                continue
            text = (r.label, r.data, r.estimate_text, r.weight_text)[i]
            if r.kind == "cluster-header" and i == 1:
                cells.append(width(text, small))
                continue
            indent = INDENT if i == 0 and r.kind == "study" and r.cluster is not None else 0.0
            cells.append(indent + width(text, bold if r.bold and i in (0, 2) else regular))
        return max(cells)

    w_label, w_data, w_est, w_weight = (col_width(i) for i in range(4))
    # header and heterogeneity lines may run over the data column, not into the plot
    span_w = max(
        [width(r.label, bold if r.bold else small) for r in rows if r.kind in spanning] or [0.0]
    )
    w_data = max(w_data, span_w - w_label - GAP)
    plot_w = PLOT_WIDTH
    footer_w = max([width(t, small) for t in layout.footer] + [width(layout.title, title_font)])

    x_label = MARGIN
    x_data = x_label + w_label + GAP
    x_plot = x_data + w_data + GAP
    x_est = x_plot + plot_w + GAP + w_est  # right edge (right-aligned)
    x_weight = x_est + GAP + w_weight  # right edge
    fig_w = x_weight + MARGIN
    if footer_w + 2 * MARGIN > fig_w:  # widen the plot column rather than clip the footer
        extra = footer_w + 2 * MARGIN - fig_w
        plot_w += extra
        x_est += extra
        x_weight += extra
        fig_w += extra

    line_h, header_h, axis_h, footer_h, rows_h, fig_h = _heights(layout)
    # whole pixels (half a pixel over, so that the renderer's truncation is exact)
    fig_w = (math.ceil(fig_w * dpi) + 0.5) / dpi
    fig_h = (math.ceil(fig_h * dpi) + 0.5) / dpi
    fig.set_size_inches(fig_w, fig_h)

    bottom = MARGIN + footer_h + axis_h
    ax = fig.add_axes(
        (x_plot / fig_w, bottom / fig_h, plot_w / fig_w, rows_h / fig_h), facecolor="none"
    )
    ax.set_xscale(layout.scale)
    ax.set_xlim(*layout.xlim)
    ax.set_ylim(max(n, 1) - 0.5, -0.5)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_linewidth(0.8)
    ax.set_yticks([])
    ax.set_xticks(list(layout.ticks))
    ax.set_xticklabels(list(layout.tick_labels), fontsize=SMALL_SIZE)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.tick_params(axis="x", length=3, width=0.8, pad=2)

    # text columns: x in inches from the figure's left edge, y in rows
    tr = blended_transform_factory(fig.dpi_scale_trans, ax.transData)

    def put(x: float, y: float, text: str, prop: FontProperties, ha: str = "left", **kw: Any):
        if text:
            fig.text(
                x,
                y,
                text,
                transform=tr,
                fontproperties=prop,
                ha=ha,
                va="center_baseline",
                parse_math=False,
                **kw,
            )

    header_y = -0.5 - header_h / ROW_HEIGHT / 2
    put(x_label, header_y, layout.headers[0], bold)
    put(x_data, header_y, layout.headers[1], bold)
    put(x_est, header_y, layout.headers[2], bold, ha="right")
    put(x_weight, header_y, layout.headers[3], bold, ha="right")
    fig.add_artist(
        Line2D([MARGIN, fig_w - MARGIN], [-0.5, -0.5], transform=tr, color=LINE_COLOUR, lw=0.6)
    )
    fig.text(
        MARGIN / fig_w,
        1 - MARGIN / fig_h,
        layout.title,
        fontproperties=title_font,
        ha="left",
        va="top",
        parse_math=False,
    )

    for y, r in enumerate(rows):
        if r.kind == "subgroup-heterogeneity":
            put(x_label, y, r.label, small, color="#333333")
            continue
        if r.kind == "cluster-header":
            put(x_label, y, r.label, bold)
            put(x_data, y, r.data, small, color=NOTE_COLOUR)
            continue
        if r.kind == "study" and r.cluster is not None:
            put(x_label + INDENT, y, r.label, regular)
            put(x_data, y, r.data, regular)
            put(x_est, y, r.estimate_text, regular, ha="right")
            put(x_weight, y, r.weight_text, regular, ha="right")
            continue
        label_prop = bold if r.bold else regular
        put(x_label, y, r.label, label_prop, style="italic" if r.kind.endswith("pi") else None)
        put(x_data, y, r.data, regular)
        put(x_est, y, r.estimate_text, bold if r.bold else regular, ha="right")
        put(x_weight, y, r.weight_text, regular, ha="right")

    # guides: line of no effect, dotted line at the overall pooled estimate
    if layout.null_line is not None:
        ax.axvline(layout.null_line, color=LINE_COLOUR, lw=0.8, zorder=1)
    if layout.pooled_line is not None:
        lo_x, hi_x = layout.xlim
        if lo_x <= layout.pooled_line <= hi_x:
            ax.axvline(layout.pooled_line, color=GUIDE_COLOUR, lw=0.7, ls=(0, (2, 2)), zorder=0.5)

    row_pt = ROW_HEIGHT * 72
    for y, r in enumerate(rows):
        if r.kind == "study":
            if r.lo is not None and r.hi is not None:
                ax.plot([r.lo, r.hi], [y, y], color=LINE_COLOUR, lw=0.9, zorder=3,
                        solid_capstyle="butt")  # fmt: skip
                for flag, at, marker in ((r.arrow_left, r.lo, "<"), (r.arrow_right, r.hi, ">")):
                    if flag:
                        ax.plot([at], [y], marker=marker, color=LINE_COLOUR, ms=4.5, zorder=3,
                                clip_on=False, mew=0)  # fmt: skip
            if r.x is not None and r.size > 0:
                side = max(MIN_SQUARE_PT, r.size * MAX_SQUARE * row_pt)
                ax.plot([r.x], [y], marker="s", ms=side, mew=0, color=SQUARE_COLOUR, zorder=2,
                        clip_on=False)  # fmt: skip
        elif r.kind in ("pooled", "subgroup-pooled") and r.x is not None and not r.single:
            colour = DIAMOND_COLOUR if r.kind == "pooled" else SUBDIAMOND_COLOUR
            left, centre, right = r.diamond or (r.x, r.x, r.x)
            if left == right:
                ax.plot([r.x], [y], marker="D", ms=6, color=colour, mec=LINE_COLOUR, zorder=4)
            else:
                half = 0.36
                ax.add_patch(
                    Polygon(
                        [(left, y), (centre, y - half), (right, y), (centre, y + half)],
                        closed=True,
                        facecolor=colour,
                        edgecolor=LINE_COLOUR,
                        lw=0.6,
                        zorder=4,
                    )
                )
        elif r.kind in ("pi", "subgroup-pi") and r.lo is not None and r.hi is not None:
            half = 0.13
            ax.add_patch(
                Rectangle(
                    (r.lo, y - half),
                    r.hi - r.lo,
                    2 * half,
                    facecolor=PI_COLOUR,
                    edgecolor="none",
                    zorder=4,
                )
            )
            for flag, at, marker in ((r.arrow_left, r.lo, "<"), (r.arrow_right, r.hi, ">")):
                if flag:
                    ax.plot([at], [y], marker=marker, color=PI_COLOUR, ms=5, zorder=4,
                            clip_on=False, mew=0)  # fmt: skip

    # below the axis: favours labels, then the axis label
    axis_top = bottom  # inches from the bottom of the figure
    tick_space = 0.30
    y_in = axis_top - tick_space
    fig_in = fig.dpi_scale_trans
    if layout.favours is not None and layout.null_line is not None:
        null_disp = ax.transData.transform((layout.null_line, 0))[0]
        null_in = fig_in.inverted().transform((null_disp, 0))[0]
        fig.text(null_in - 0.06, y_in, f"\u2190 {layout.favours[0]}", transform=fig_in,
                 fontproperties=small, ha="right", va="top", parse_math=False)  # fmt: skip
        fig.text(null_in + 0.06, y_in, f"{layout.favours[1]} \u2192", transform=fig_in,
                 fontproperties=small, ha="left", va="top", parse_math=False)  # fmt: skip
        y_in -= line_h
    fig.text(x_plot + plot_w / 2, y_in, layout.xlabel, transform=fig_in, fontproperties=small,
             ha="center", va="top", parse_math=False)  # fmt: skip

    y_in = MARGIN + footer_h - 0.06
    for line in layout.footer:
        fig.text(MARGIN, y_in, line, transform=fig_in, fontproperties=small, ha="left", va="top",
                 parse_math=False)  # fmt: skip
        y_in -= line_h
    return fig


def forest_image(
    result: PoolResult,
    *,
    fmt: str,
    sort: str = "year",
    favours: Sequence[str] | None = None,
    dpi: int = 200,
    group_clusters: bool = True,
) -> ForestImage:
    """A forest plot of ``result`` as a file's bytes (``fmt``: png, svg or pdf) and its size.

    ``sort`` and ``favours`` as :func:`forest_layout`. ``group_clusters`` (default True):
    a multilevel result (``synth pool --model multilevel``) is drawn with the rows of each
    cluster together under a heading (the study id or "TAG = value") and the number of
    rows, the multilevel diamond and prediction interval (from the sum of the two
    variance components), and a footer naming both components; False draws its rows
    ungrouped. Other results are drawn as before whatever its value.
    """
    if fmt not in FORMATS:
        raise SynthError(f"unknown plot format '{fmt}': use one of {', '.join(FORMATS)}")
    layout = forest_layout(result, sort=sort, favours=favours, group_clusters=group_clusters)
    if fmt == "png":
        _check_png_size(layout, dpi)  # before drawing: the height needs no text measured
    import io

    import matplotlib

    with matplotlib.rc_context(_rc()), quiet_glyphs():  # missing glyphs: said once, below
        fig = _draw(layout, dpi)
        w, h = fig.get_size_inches()
        if fmt == "png":
            _check_png_size(layout, dpi, float(w))
        buf = io.BytesIO()
        metadata: dict[str, Any]
        if fmt == "svg":
            metadata = {"Date": None}
        elif fmt == "pdf":
            metadata = {"CreationDate": None, "ModDate": None}
        else:
            metadata = {}
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    glyphs = _glyphs_warning(layout)
    if glyphs is not None:
        layout = replace(layout, warnings=(*layout.warnings, glyphs))
    return ForestImage(
        data=buf.getvalue(),
        fmt=fmt,
        width_in=float(w),
        height_in=float(h),
        dpi=dpi,
        layout=layout,
    )


def _glyphs_warning(layout: ForestLayout) -> str | None:
    """One warning naming the study labels (or other text) the plot fonts cannot draw."""
    labels = [r.label for r in layout.rows if r.kind == "study"]
    others = [
        layout.title,
        *layout.headers,
        *layout.footer,
        *(layout.favours or ()),
        *(t for r in layout.rows for t in (r.data, r.estimate_text)),
        *(r.label for r in layout.rows if r.kind != "study"),
    ]
    return missing_glyphs_warning(labels, others)


def forest_bytes(
    result: PoolResult,
    *,
    fmt: str,
    sort: str = "year",
    favours: Sequence[str] | None = None,
    dpi: int = 200,
    group_clusters: bool = True,
) -> bytes:
    """A forest plot of ``result`` as PNG, SVG (fonts as paths, deterministic) or PDF bytes
    (``group_clusters``: as :func:`forest_image`)."""
    image = forest_image(
        result, fmt=fmt, sort=sort, favours=favours, dpi=dpi, group_clusters=group_clusters
    )
    return image.data
