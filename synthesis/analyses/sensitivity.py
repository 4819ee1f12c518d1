"""Leave-one-out, influence, cumulative and Baujat analyses with metafor 3.8 semantics.

All four work on an intercept-only ``rma.uni`` model (``rma(yi, vi, method=...,
test="z"|"knha")``) for every method of :data:`synthesis.pooling.METHODS`, on the
analysis (model) scale. Each analysis is one :func:`~synthesis.pooling.fit_batch` call:
the ``k`` models without one study are a ``(k + 1, k)`` batch (mask ``~eye(k)`` plus the
full model as the last row), the cumulative models a ``(k, k)`` lower-triangular batch.

Definitions (metafor 3.8.1 sources; ``beta``, ``vb`` and ``tau2`` of the full model,
``beta(-i)``, ``vb(-i)``, ``tau2(-i)``, ``s2w(-i)`` of the model without study ``i``;
``vb`` includes the HKSJ factor ``s2w`` under ``test="knha"``, ``s2w = 1`` otherwise):

``leave1out.rma.uni``  refit without study ``i``; the prediction interval is
    ``predict()`` of that reduced model.
``cumul.rma.uni``      refit on the first ``j`` studies of the given order.
``influence.rma.uni``  (``p = 1``)
    ``hat_i     = w_i / sum(w)``, ``w = 1 / (vi + tau2)``; ``weight = 100 hat``;
    ``rstudent  = (y_i - beta(-i)) / sqrt(vi s2w(-i) + vb(-i) + tau2(-i) s2w(-i))``;
    ``dffits    = (beta - beta(-i)) / sqrt(s2w(-i) hat_i (tau2(-i) + vi))``;
    ``cook.d    = (beta - beta(-i))^2 / vb``;
    ``cov.r     = vb(-i) / vb``;
    ``dfbetas   = (beta - beta(-i)) / sqrt(s2w(-i) / sum_all_j 1/(v_j + tau2(-i)))``
    (the sum runs over all ``k`` studies, as metafor's ``vb.del``);
    ``influential`` when ``|dffits| > 3 sqrt(p/(k-p))`` or ``pchisq(cook.d, 1) > 0.5``
    or ``hat > 3 p/k`` or ``|dfbetas| > 1`` (rstudent and cov.r are not part of it).
``baujat.rma``         ``x_i = (y_i - beta)^2 / (tau2 + vi)`` (``tau2 = 0`` for FE),
    ``y_i = (beta(-i) - beta)^2 / vb(-i)``.
Residuals below ``100 * eps`` in absolute value are set to 0, as metafor does.

A model with one study has tau2 = 0 in metafor's computations (it reports tau2 = 0,
Q = 0); the values reported here follow :mod:`synthesis.models.core`'s null rules instead:
heterogeneity is ``None`` for ``k = 1``, tau2 is ``None`` for FE, a prediction interval
is ``None`` for FE and for ``k < 3``, and HKSJ falls back to Wald for ``k = 1``. A value
that does not exist is ``None`` with a reason in ``warnings``, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, make_dataclass, replace
from typing import Any, ClassVar, NamedTuple, TypeVar

import numpy as np

from synthesis.errors import SynthError
from synthesis.measures import MEASURES
from synthesis.models.core import METHODS, BatchFit, check_model, fit_batch
from synthesis.models.results import clean, clean_dict
from synthesis.special import chdtrc

__all__ = [
    "ORDERS",
    "Baujat",
    "BaujatPoint",
    "Cumulative",
    "CumulativeStep",
    "Influence",
    "InfluenceRow",
    "LeaveOneOut",
    "LeaveOneOutRow",
    "Sensitivity",
    "SensitivityResult",
    "baujat",
    "conclusion",
    "conclusion_changers",
    "conclusion_changes",
    "cumulative",
    "influence",
    "leave_one_out",
    "sensitivity",
    "sensitivity_of",
]

T = TypeVar("T")

_EPS = float(np.finfo(float).eps)
_RESID_ZERO = 100.0 * _EPS  # metafor sets |residuals| below this to 0

# the per-model fields shared by leave-one-out rows and cumulative steps, with their types
_REFIT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("k", int),
    ("estimate", float | None),
    ("se", float | None),
    ("ci_low", float | None),
    ("ci_high", float | None),
    ("pi_low", float | None),
    ("pi_high", float | None),
    ("statistic", float | None),  # z, or t under HKSJ with k >= 2
    ("df", int | None),  # None for z tests
    ("p_value", float | None),
    ("tau2", float | None),
    ("I2", float | None),  # percent
    ("H2", float | None),
    ("Q", float | None),
    ("Q_df", int | None),
    ("Q_p", float | None),
)
_REFIT_FIELDS = tuple(name for name, _ in _REFIT_COLUMNS)
_INT_FIELDS = frozenset(name for name, kind in _REFIT_COLUMNS if kind in (int, int | None))


# --------------------------------------------------------------------------- results


def _frame(rows: Sequence[Any]):  # -> pandas.DataFrame (pandas imported lazily)
    import pandas as pd

    return pd.DataFrame([r.to_dict() for r in rows])


class _Row:
    """to_dict() of a frozen dataclass row: NaN -> None."""

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


def _refit_row(name: str, index: str, doc: str) -> type:
    """A row class: ``index`` (a 0-based row index of the input), then the refit's fields."""
    return make_dataclass(
        name,
        [(index, int), *_REFIT_COLUMNS],
        bases=(_Row,),
        frozen=True,
        namespace={"__doc__": doc, "__module__": __name__},
    )


LeaveOneOutRow = _refit_row(
    "LeaveOneOutRow", "omitted", "The model without study ``omitted`` (0-based row index)."
)
CumulativeStep = _refit_row(
    "CumulativeStep",
    "added",
    "The model on the studies up to and including ``added`` (0-based row index).",
)


@dataclass(frozen=True)
class InfluenceRow(_Row):
    """metafor ``influence()`` diagnostics of study ``index`` (0-based row index)."""

    index: int
    rstudent: float | None
    dffits: float | None
    cooks_distance: float | None
    cov_ratio: float | None
    tau2_deleted: float | None
    Q_deleted: float | None
    hat: float | None
    weight: float | None  # percent
    dfbetas: float | None
    influential: bool | None


@dataclass(frozen=True)
class BaujatPoint(_Row):
    """One point of metafor's ``baujat()`` plot for study ``index`` (0-based)."""

    index: int
    x: float | None  # contribution to heterogeneity: squared Pearson residual
    y: float | None  # influence on the pooled result


@dataclass(frozen=True)
class _Analysis:
    """What the four analyses share: the model, then (in subclasses) their rows, anything
    else, and ``warnings``; ``_ROWS`` names the field that holds the per-row results."""

    method: str
    ci_method: str
    level: float
    k: int

    _ROWS: ClassVar[str] = "rows"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "ci_method": self.ci_method,
                               "level": self.level, "k": self.k}  # fmt: skip
        for f in fields(self)[4:]:  # rows (as dicts), the cumulative order, warnings
            out[f.name] = [v.to_dict() if isinstance(v, _Row) else v for v in getattr(self, f.name)]
        return out

    def to_frame(self):  # -> pandas.DataFrame, one row per item of ``_ROWS``
        return _frame(getattr(self, self._ROWS))


@dataclass(frozen=True)
class LeaveOneOut(_Analysis):
    """metafor ``leave1out()`` plus ``predict()`` of each reduced model."""

    rows: tuple[Any, ...]  # LeaveOneOutRow
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Influence(_Analysis):
    """metafor ``influence()``: case deletion diagnostics, one row per study."""

    rows: tuple[InfluenceRow, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cumulative(_Analysis):
    """metafor ``cumul()`` (plus ``predict()`` of each step) in the order ``order``."""

    order: tuple[int, ...]
    steps: tuple[Any, ...]  # CumulativeStep
    warnings: tuple[str, ...] = ()

    _ROWS: ClassVar[str] = "steps"


@dataclass(frozen=True)
class Baujat(_Analysis):
    """metafor ``baujat()`` coordinates, one point per study."""

    points: tuple[BaujatPoint, ...]
    warnings: tuple[str, ...] = ()

    _ROWS: ClassVar[str] = "points"


@dataclass(frozen=True)
class Sensitivity:
    """All four analyses of one model (two ``fit_batch`` calls in all)."""

    leave_one_out: LeaveOneOut
    influence: Influence
    baujat: Baujat
    cumulative: Cumulative

    @property
    def warnings(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for part in (self.leave_one_out, self.influence, self.baujat, self.cumulative):
            seen.update(dict.fromkeys(part.warnings))
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "leave_one_out": self.leave_one_out.to_dict(),
            "influence": self.influence.to_dict(),
            "baujat": self.baujat.to_dict(),
            "cumulative": self.cumulative.to_dict(),
            "warnings": list(self.warnings),
        }

    def to_frame(self):  # -> pandas.DataFrame: one row per study, the per-study analyses
        loo = self.leave_one_out.to_frame().add_prefix("loo_")
        inf = self.influence.to_frame()
        bj = self.baujat.to_frame()[["x", "y"]].add_prefix("baujat_")
        return inf.join(bj).join(loo.drop(columns="loo_omitted"))


# --------------------------------------------------------------------------- helpers


def _inputs(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str,
    ci_method: str,
    level: float,
    labels: Sequence[str] | None,
) -> tuple[np.ndarray, np.ndarray, str, float, list[str]]:
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or v.ndim != 1 or y.shape != v.shape:
        raise ValueError(f"yi and vi must be 1-D of one length, got shapes {y.shape}, {v.shape}")
    if y.size == 0:
        raise ValueError("k = 0: no studies to analyse")
    if not np.isfinite(y).all():
        raise ValueError("yi contains non-finite values")
    if not np.isfinite(v).all() or (v <= 0).any():
        raise ValueError("vi must be finite and > 0")
    method, level = check_model(method, ci_method, level, ci_name="ci_method")
    if labels is None:
        names = [f"row {i}" for i in range(y.size)]
    else:
        names = [str(s) for s in labels]
        if len(names) != y.size:
            raise ValueError(f"labels has {len(names)} entries for k = {y.size} studies")
    return y, v, method, level, names


def _opt(values: np.ndarray) -> list[float | None]:
    """Floats with NaN/inf turned into None."""
    return [x if math.isfinite(x) else None for x in np.asarray(values, dtype=float).tolist()]


def _opt_int(values: np.ndarray) -> list[int | None]:
    return [round(x) if math.isfinite(x) else None for x in np.asarray(values, float).tolist()]


def _columns(b: BatchFit, rows: slice) -> dict[str, list]:
    out: dict[str, list] = {}
    for name in _REFIT_FIELDS:
        a = np.asarray(getattr(b, name), dtype=float)[rows]
        out[name] = _opt_int(a) if name in _INT_FIELDS else _opt(a)
    return out


def _which(names: list[str], flags: np.ndarray, limit: int = 8) -> str:
    idx = np.flatnonzero(flags)
    shown = ", ".join(names[i] for i in idx[:limit])
    more = f" and {idx.size - limit} more" if idx.size > limit else ""
    return shown + more


def _refit_warnings(
    b: BatchFit, rows: slice, method: str, names: list[str], what: str
) -> list[str]:
    """Reasons for the None values of the refits ``rows`` of ``b``; ``what`` names a row."""
    out: list[str] = []
    k = b.k[rows]
    if method == "FE":
        out.append("FE (common-effect) model: tau2 and prediction intervals are not defined")
    else:
        few = k < 3
        if few.any():
            out.append(
                f"prediction interval is null where the model has fewer than 3 studies "
                f"({what} {_which(names, few)})"
            )
    one = k == 1
    if one.any():
        out.append(
            f"k = 1 ({what} {_which(names, one)}): the estimate is that study's own; "
            "tau2, I2, H2 and Q are not defined"
        )
    fallback = b.hksj_fallback[rows]
    if fallback.any():
        out.append(
            f"HKSJ is undefined for k = 1; Wald (z) interval used ({what} "
            f"{_which(names, fallback)})"
        )
    zero = b.hksj_zero_scale[rows]
    if zero.any():
        out.append(
            f"HKSJ scale factor is 0 (all estimates equal; {what} {_which(names, zero)}): "
            "zero-width confidence interval as in metafor; the t test is not defined "
            "(statistic and p_value null)"
        )
    bad = ~b.converged[rows]
    if bad.any():
        out.append(f"{method} estimator of tau2 did not converge ({what} {_which(names, bad)})")
    return out


def _deleted_batch(y: np.ndarray, v: np.ndarray, method: str, ci: str, level: float) -> BatchFit:
    """Rows 0..k-1: the model without study i; row k: the full model (k >= 2)."""
    k = y.size
    mask = np.vstack([~np.eye(k, dtype=bool), np.ones((1, k), dtype=bool)])
    yy = np.broadcast_to(y, (k + 1, k))
    vv = np.broadcast_to(v, (k + 1, k))
    # pooling's FE I2 = 100 (Q - df) / Q overflows to -inf for a subnormal Q (> 0) and
    # is then clipped to 0, the right value; only the RuntimeWarning is silenced
    with np.errstate(over="ignore"):
        return fit_batch(yy, vv, method=method, ci=ci, level=level, mask=mask, tau2_ci=False)


class _Deletions(NamedTuple):
    """The inputs of the case-deletion analyses and their one batch fit (None for k = 1)."""

    y: np.ndarray
    v: np.ndarray
    b: BatchFit | None
    method: str
    ci_method: str
    level: float
    names: list[str]


def _deletions(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str,
    ci_method: str,
    level: float,
    labels: Sequence[str] | None,
) -> _Deletions:
    y, v, method, level, names = _inputs(yi, vi, method, ci_method, level, labels)
    b = _deleted_batch(y, v, method, ci_method, level) if y.size >= 2 else None
    return _Deletions(y, v, b, method, ci_method, level, names)


def _case_deletion(analysis: Callable[[_Deletions], T], doc: str) -> Callable[..., T]:
    """The public function of one case-deletion analysis (keyword arguments ``yi``, ``vi``,
    ``method``, ``ci_method``, ``level``, ``labels``; one ``fit_batch`` call)."""

    def run(
        *,
        yi: Sequence[float] | np.ndarray,
        vi: Sequence[float] | np.ndarray,
        method: str = "REML",
        ci_method: str = "wald",
        level: float = 0.95,
        labels: Sequence[str] | None = None,
    ) -> T:
        return analysis(_deletions(yi, vi, method, ci_method, level, labels))

    run.__name__ = run.__qualname__ = analysis.__name__.lstrip("_")
    run.__doc__ = doc
    return run


# --------------------------------------------------------------------------- leave-one-out


def _leave_one_out(d: _Deletions) -> LeaveOneOut:
    y, _, b, method, ci_method, level, names = d
    k = y.size
    if b is None:  # k = 1
        row = LeaveOneOutRow(0, 0, *([None] * (len(_REFIT_FIELDS) - 1)))
        warn = (
            f"leave-one-out needs at least 2 studies: omitting {names[0]}, the only one "
            "(k = 1), leaves nothing to pool",
        )
        return LeaveOneOut(method, ci_method, level, k, (row,), warn)
    rows = slice(0, k)
    cols = _columns(b, rows)
    out = tuple(
        LeaveOneOutRow(i, **{name: cols[name][i] for name in _REFIT_FIELDS}) for i in range(k)
    )
    warns = _refit_warnings(b, rows, method, names, "omitting")
    return LeaveOneOut(method, ci_method, level, k, out, tuple(warns))


leave_one_out = _case_deletion(
    _leave_one_out,
    """metafor ``leave1out(rma(yi, vi, method=, test=))``, with each reduced model's PI.

    Row ``i`` is the model without study ``i``. ``labels`` (one per study) name the
    studies in warnings. k = 1 gives one row of ``None`` with the reason.
    """,
)


# --------------------------------------------------------------------------- influence


def _influence(d: _Deletions) -> Influence:
    y, v, b, method, ci_method, level, names = d
    k = y.size
    if b is None:  # k = 1
        row = InfluenceRow(0, *([None] * 10))
        warn = ("influence diagnostics need at least 2 studies (k = 1; metafor stops here)",)
        return Influence(method, ci_method, level, k, (row,), warn)
    beta = float(b.estimate[k])
    vb = float(b.se[k]) ** 2
    tau2 = 0.0 if math.isnan(b.tau2[k]) else float(b.tau2[k])
    w = 1.0 / (v + tau2)
    hat = w / w.sum()
    hat[hat > 1.0 - 10.0 * _EPS] = 1.0  # metafor's hatvalues()

    beta_d = b.estimate[:k]
    vb_d = b.se[:k] ** 2  # includes the HKSJ factor s2w(-i)
    tau2_d = np.nan_to_num(b.tau2[:k], nan=0.0)  # FE and k = 1 fits: tau2 = 0
    w_d = 1.0 / (v[None, :] + tau2_d[:, None])  # (k, k): every study, tau2(-i)
    sw_all = w_d.sum(axis=1)
    sw_d = sw_all - np.diagonal(w_d)  # the k - 1 studies of fit i
    use_t = np.isfinite(b.df[:k])  # HKSJ applied (k - 1 >= 2)
    s2w_d = np.where(use_t, vb_d * sw_d, 1.0)

    diff = beta - beta_d
    with np.errstate(divide="ignore", invalid="ignore"):
        dffits = diff / np.sqrt(s2w_d * hat * (tau2_d + v))
        dfbetas = diff / np.sqrt(s2w_d / sw_all)
        cook = diff * diff / vb
        cov_r = vb_d / vb
        resid = y - beta_d
        resid = np.where(np.abs(resid) < _RESID_ZERO, 0.0, resid)
        rstudent = resid / np.sqrt(v * s2w_d + vb_d + tau2_d * s2w_d)

    # metafor's rule; a criterion on an undefined (NaN) value is NA as in R
    crits = [
        (np.abs(dffits) > 3.0 * math.sqrt(1.0 / (k - 1.0)), np.isnan(dffits)),
        (1.0 - chdtrc(1.0, np.where(np.isnan(cook), 0.0, cook)) > 0.5, np.isnan(cook)),
        (hat > 3.0 / k, np.zeros(k, dtype=bool)),
        (np.abs(dfbetas) > 1.0, np.isnan(dfbetas)),
    ]
    any_true = np.zeros(k, dtype=bool)
    any_na = np.zeros(k, dtype=bool)
    for flag, na in crits:
        any_true |= flag & ~na
        any_na |= na
    infl: list[bool | None] = [
        True if t else (None if n else False)
        for t, n in zip(any_true.tolist(), any_na.tolist(), strict=True)
    ]

    cols = {
        "rstudent": _opt(rstudent),
        "dffits": _opt(dffits),
        "cooks_distance": _opt(cook),
        "cov_ratio": _opt(cov_r),
        "tau2_deleted": _opt(b.tau2[:k]),
        "Q_deleted": _opt(b.Q[:k]),
        "hat": _opt(hat),
        "weight": _opt(100.0 * hat),
        "dfbetas": _opt(dfbetas),
    }
    rows = tuple(
        InfluenceRow(i, **{c: vals[i] for c, vals in cols.items()}, influential=infl[i])
        for i in range(k)
    )

    warns: list[str] = []
    if method == "FE":
        warns.append("FE (common-effect) model: tau2_deleted is not defined")
    if k == 2:
        warns.append(
            "k = 2: each model without one study has a single study, so tau2_deleted and "
            "Q_deleted are not defined; the other diagnostics use tau2 = 0 and a Wald "
            "variance for it, as metafor does"
        )
    if vb == 0.0:
        warns.append(
            "the HKSJ standard error of the full model is 0 (all estimates equal): "
            "Cook's distance and the covariance ratio are not defined (metafor stops here)"
        )
    for label, arr in (("rstudent", rstudent), ("dffits", dffits), ("dfbetas", dfbetas)):
        bad = ~np.isfinite(arr)
        if bad.any():
            warns.append(
                f"{label} is not defined for {_which(names, bad)}: the HKSJ scale factor of "
                "the model without that study is 0 (its remaining estimates are all equal)"
            )
    if any(x is None for x in infl):
        warns.append(
            "influential is null where a criterion is undefined and none of the defined ones is met"
        )
    bad = ~b.converged[:k]
    if bad.any():
        warns.append(f"{method} estimator of tau2 did not converge (omitting {_which(names, bad)})")
    return Influence(method, ci_method, level, k, rows, tuple(warns))


influence = _case_deletion(
    _influence,
    """metafor ``influence(rma(yi, vi, method=, test=))`` (intercept-only, ``p = 1``).

    k = 1 gives one row of ``None`` with the reason (metafor stops).
    """,
)


# --------------------------------------------------------------------------- baujat


def _baujat(d: _Deletions) -> Baujat:
    y, v, b, method, ci_method, level, names = d
    k = y.size
    if b is None:  # k = 1
        warn = ("the Baujat plot needs at least 2 studies (k = 1; metafor stops here)",)
        return Baujat(method, ci_method, level, k, (BaujatPoint(0, None, None),), warn)
    beta = float(b.estimate[k])
    tau2 = 0.0 if math.isnan(b.tau2[k]) else float(b.tau2[k])
    resid = y - beta
    resid = np.where(np.abs(resid) < _RESID_ZERO, 0.0, resid)
    x = resid * resid / (tau2 + v)
    with np.errstate(divide="ignore", invalid="ignore"):
        yb = (b.estimate[:k] - beta) ** 2 / b.se[:k] ** 2
    xs, ys = _opt(x), _opt(yb)
    points = tuple(BaujatPoint(i, xs[i], ys[i]) for i in range(k))
    warns: list[str] = []
    bad = ~np.isfinite(yb)
    if bad.any():
        warns.append(
            f"Baujat y is not defined for {_which(names, bad)}: the HKSJ standard error of "
            "the model without that study is 0"
        )
    return Baujat(method, ci_method, level, k, points, tuple(warns))


baujat = _case_deletion(
    _baujat,
    """metafor ``baujat(rma(yi, vi, method=, test=))`` coordinates.

    ``x``: squared Pearson residual of the full model, ``(y_i - beta)^2 / (vi + tau2)``;
    ``y``: ``(beta(-i) - beta)^2 / vb(-i)``. k = 1 gives ``None`` with the reason.
    """,
)


# --------------------------------------------------------------------------- cumulative


def _check_order(order: Sequence[int] | np.ndarray, k: int) -> np.ndarray:
    raw = np.asarray(order)
    if raw.ndim != 1 or raw.size != k:
        raise ValueError(f"order must list each of the {k} row indices once, got {raw.size}")
    if not np.issubdtype(raw.dtype, np.integer) and not np.all(np.mod(raw, 1) == 0):
        raise ValueError("order must hold integer row indices")
    idx = raw.astype(int)
    if not np.array_equal(np.sort(idx), np.arange(k)):
        raise ValueError(f"order must be a permutation of 0..{k - 1}, got {idx.tolist()}")
    return idx


def _cumulative(
    y: np.ndarray,
    v: np.ndarray,
    idx: np.ndarray,
    method: str,
    ci_method: str,
    level: float,
    names: list[str],
) -> Cumulative:
    k = y.size
    mask = np.tril(np.ones((k, k), dtype=bool))
    yy = np.broadcast_to(y[idx], (k, k))
    vv = np.broadcast_to(v[idx], (k, k))
    with np.errstate(over="ignore"):  # see _deleted_batch
        b = fit_batch(yy, vv, method=method, ci=ci_method, level=level, mask=mask, tau2_ci=False)
    rows = slice(0, k)
    cols = _columns(b, rows)
    steps = tuple(
        CumulativeStep(int(idx[j]), **{name: cols[name][j] for name in _REFIT_FIELDS})
        for j in range(k)
    )
    ordered = [names[i] for i in idx]
    warns = _refit_warnings(b, rows, method, ordered, "up to")
    return Cumulative(method, ci_method, level, k, tuple(int(i) for i in idx), steps, tuple(warns))


def cumulative(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
    order: Sequence[int] | np.ndarray | None = None,
    labels: Sequence[str] | None = None,
) -> Cumulative:
    """metafor ``cumul(rma(yi, vi, method=, test=), order=)``, with each step's PI.

    ``order``: the 0-based row indices in the order the studies are added (default:
    as listed); step ``j`` is the model on ``order[:j + 1]``. For metafor's
    ``cumul(res, order=key)`` pass ``numpy.argsort(key, kind="stable")``.
    """
    y, v, method, level, names = _inputs(yi, vi, method, ci_method, level, labels)
    idx = np.arange(y.size) if order is None else _check_order(order, y.size)
    return _cumulative(y, v, idx, method, ci_method, level, names)


# --------------------------------------------------------------------------- all four


def sensitivity(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
    order: Sequence[int] | np.ndarray | None = None,
    labels: Sequence[str] | None = None,
) -> Sensitivity:
    """Leave-one-out, influence, Baujat and cumulative analyses from two batch fits."""
    d = _deletions(yi, vi, method, ci_method, level, labels)
    idx = np.arange(d.y.size) if order is None else _check_order(order, d.y.size)
    return Sensitivity(
        leave_one_out=_leave_one_out(d),
        influence=_influence(d),
        baujat=_baujat(d),
        cumulative=_cumulative(d.y, d.v, idx, d.method, ci_method, d.level, d.names),
    )


# --------------------------------------------------------------------------- from a pooled result

#: Orders of the cumulative analysis: publication year (ties keep the listed order),
#: precision (1/vi descending, ties keep the listed order: metafor ``cumul(res,
#: order=vi)``), or the order of the studies in the pooled result.
ORDERS: tuple[str, ...] = ("year", "precision", "listed")

_HET_KEYS = ("tau2", "I2", "H2", "Q", "Q_df", "Q_p")
#: the header of the contract's object, the pooled model's
_HEAD = ("outcome", "measure", "method", "ci_method", "level", "k")


def cumulative_order(result: Any, order: str = "year") -> np.ndarray:
    """The 0-based row indices of ``result.studies`` in the cumulative ``order``.

    ``year``: ascending publication year, ties in the listed order (a stable sort, as
    metafor's ``cumul(res, order=year)``); ``precision``: the most precise study first
    (1/vi descending, ties listed: metafor's ``cumul(res, order=vi)``, the same as
    ``order=1/vi, decreasing=TRUE``); ``listed``: as the studies are listed.
    """
    if order not in ORDERS:
        raise SynthError(f"--order {order}: use one of {', '.join(ORDERS)}")
    k = len(result.studies)
    if order == "listed":
        return np.arange(k)
    if order == "year":
        return np.argsort(np.array([s.year for s in result.studies], dtype=float), kind="stable")
    return np.argsort(np.asarray(result.vi, dtype=float), kind="stable")


def _row_label(study: Any) -> str:
    """How a row is named in warnings: the study id, with the arm when there is one."""
    from synthesis.records.schema import WHOLE_COHORT

    if study.arm in (None, WHOLE_COHORT):
        return str(study.id)
    return f"{study.id}/{study.arm}"


def _refusal(result: Any) -> str | None:
    """Why sensitivity analyses of ``result`` cannot be run (None when they can)."""
    measure, method = result.measure, result.method
    if result.subgroups is not None:
        return (
            "sensitivity analyses take one model of the whole outcome, not subgroups (--by); "
            "run them for one subgroup with --where TAG=VALUE"
        )
    if measure == "MED":
        return (
            f"{result.outcome} as MED: sensitivity analyses refit an inverse-variance model "
            "and need each study's variance, which pooled medians do not have; use a measure "
            "with variances, e.g. --measure HR when the studies report hazard ratios"
        )
    if method == "GLMM":
        return (
            "--method GLMM: leave-one-out, influence and cumulative analyses are defined for "
            "inverse-variance models (metafor's leave1out, influence and cumul have no GLMM "
            "method); rerun with --method ML, the closest inverse-variance model on the logit "
            "scale, or the default REML"
        )
    if method not in METHODS:
        return (
            f"--method {method}: sensitivity analyses are available for the inverse-variance "
            f"methods {', '.join(METHODS)}"
        )
    return None


@dataclass(frozen=True)
class SensitivityResult:
    """Leave-one-out, influence, Baujat and cumulative analyses of a pooled result.

    ``model`` is the :class:`~synthesis.analyses.pool.PoolResult` they start from (as
    metafor's start from an ``rma`` object); ``analyses`` holds the analysis-scale
    numbers (:class:`Sensitivity`, row indices into ``model.studies``); ``order`` is
    the cumulative order's name. :meth:`to_dict` is the contract's JSON (section 5).
    """

    model: Any  # PoolResult
    order: str
    analyses: Sensitivity
    warnings: tuple[str, ...] = ()

    def __getattr__(self, name: str) -> Any:
        """The header of the contract's object is the model's: ``outcome``, ``measure``,
        ``method``, ``ci_method``, ``level``, ``k``."""
        if name in _HEAD:
            return getattr(self.model, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def labels(self) -> tuple[str, ...]:
        """Each row's name: study id, ``id/arm`` for one arm of a multi-arm study."""
        return tuple(_row_label(s) for s in self.model.studies)

    @property
    def tested(self) -> bool:
        """Whether the refits carry a test (as the full model: not for a single-arm
        measure, whose ``synth pool`` result has no test)."""
        return self.model.null_value is not None

    def _refit(self, row: LeaveOneOutRow | CumulativeStep, *, pi: bool) -> dict[str, Any]:
        back = self.model.back
        out: dict[str, Any] = {
            "k": row.k,
            "estimate": clean(back(row.estimate)),
            "ci_low": clean(back(row.ci_low)),
            "ci_high": clean(back(row.ci_high)),
        }
        if pi:
            out["pi_low"] = clean(back(row.pi_low))
            out["pi_high"] = clean(back(row.pi_high))
        out["model_scale"] = {
            "estimate": clean(row.estimate),
            "se": clean(row.se),
            "ci_low": clean(row.ci_low),
            "ci_high": clean(row.ci_high),
        }
        out["statistic"] = clean(row.statistic) if self.tested else None
        out["p_value"] = clean(row.p_value) if self.tested else None
        out["heterogeneity"] = {key: clean(getattr(row, key)) for key in _HET_KEYS}
        return out

    def leave_one_out_rows(self) -> list[dict[str, Any]]:
        """The contract's ``leave_one_out`` rows, in the row order of ``model``."""
        studies = self.model.studies
        return [
            {"omitted": studies[r.omitted].id, "arm": studies[r.omitted].arm,
             **self._refit(r, pi=True)}
            for r in self.analyses.leave_one_out.rows
        ]  # fmt: skip

    def influence_rows(self) -> list[dict[str, Any]]:
        studies = self.model.studies
        out = []
        for r in self.analyses.influence.rows:
            row = {"id": studies[r.index].id, "arm": studies[r.index].arm}
            row.update({key: value for key, value in r.to_dict().items() if key != "index"})
            out.append(row)
        return out

    def baujat_rows(self) -> list[dict[str, Any]]:
        studies = self.model.studies
        return [
            {"id": studies[p.index].id, "arm": studies[p.index].arm, "x": clean(p.x),
             "y": clean(p.y)}
            for p in self.analyses.baujat.points
        ]  # fmt: skip

    def cumulative_steps(self) -> list[dict[str, Any]]:
        """The contract's cumulative ``steps``, in the cumulative order."""
        studies = self.model.studies
        return [
            {"added": studies[s.added].id, "arm": studies[s.added].arm,
             **self._refit(s, pi=False)}
            for s in self.analyses.cumulative.steps
        ]  # fmt: skip

    @property
    def influential(self) -> tuple[int, ...]:
        """Row indices flagged influential by metafor's rule."""
        return tuple(r.index for r in self.analyses.influence.rows if r.influential)

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``synth sensitivity --format json`` object (section 5)."""
        return {
            **{key: getattr(self.model, key) for key in _HEAD},
            "model": self.model.to_dict(),
            "leave_one_out": self.leave_one_out_rows(),
            "influence": self.influence_rows(),
            "baujat": self.baujat_rows(),
            "cumulative": {"order": self.order, "steps": self.cumulative_steps()},
            "warnings": list(self.warnings),
        }

    def records(self) -> list[dict[str, Any]]:
        """One flat record per study (the row order of ``model``): its data, the model without it
        (``loo_*``, reporting scale plus ``loo_model_*`` on the analysis scale), its
        influence diagnostics, its Baujat point and the cumulative step that added it
        (``cumulative_step`` is 1-based; ``cumulative_*`` the model up to that step)."""
        studies = self.model.studies
        loo = self.leave_one_out_rows()
        inf = self.influence_rows()
        bj = self.baujat_rows()
        steps = self.cumulative_steps()
        cum_rows = self.analyses.cumulative.steps
        position = {s.added: j for j, s in enumerate(cum_rows)}
        back = self.model.back
        out = []
        for i, s in enumerate(studies):
            rec: dict[str, Any] = {
                "id": s.id, "arm": s.arm, "label": s.label, "year": s.year,
                "estimate": clean(s.estimate), "ci_low": clean(s.ci_low),
                "ci_high": clean(s.ci_high), "yi": clean(s.yi), "vi": clean(s.vi),
            }  # fmt: skip
            rec.update(_flat("loo", loo[i], skip=("omitted", "arm")))
            rec.update({k: v for k, v in inf[i].items() if k not in ("id", "arm")})
            rec["baujat_x"], rec["baujat_y"] = bj[i]["x"], bj[i]["y"]
            if i in position:
                j = position[i]
                rec["cumulative_step"] = j + 1
                rec.update(_flat("cumulative", steps[j], skip=("added", "arm")))
                rec["cumulative_pi_low"] = clean(back(cum_rows[j].pi_low))
                rec["cumulative_pi_high"] = clean(back(cum_rows[j].pi_high))
            out.append(rec)
        return out

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        """:meth:`records` as a DataFrame, one row per study."""
        import pandas as pd

        return pd.DataFrame(self.records())


def _flat(prefix: str, row: dict[str, Any], *, skip: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in skip:
            continue
        if key == "model_scale":
            out.update({f"{prefix}_model_{k}": v for k, v in value.items()})
        elif key == "heterogeneity":
            out.update({f"{prefix}_{k}": v for k, v in value.items()})
        else:
            out[f"{prefix}_{key}"] = value
    return out


def _in_row_order(analyses: Sensitivity, to_row: Sequence[int]) -> Sensitivity:
    """``analyses`` (computed on the rows in one order) with every row index moved by
    ``to_row`` (old index -> new) and the per-study rows in the new order; the cumulative
    steps keep their order (the analysis itself)."""

    def moved(rows: tuple[Any, ...], key: str) -> tuple[Any, ...]:
        out: list[Any] = list(rows)
        for r in rows:
            out[to_row[getattr(r, key)]] = replace(r, **{key: to_row[getattr(r, key)]})
        return tuple(out)

    loo, inf, bj, cu = (
        analyses.leave_one_out,
        analyses.influence,
        analyses.baujat,
        analyses.cumulative,
    )
    return Sensitivity(
        leave_one_out=replace(loo, rows=moved(loo.rows, "omitted")),
        influence=replace(inf, rows=moved(inf.rows, "index")),
        baujat=replace(bj, points=moved(bj.points, "index")),
        cumulative=replace(
            cu,
            order=tuple(to_row[i] for i in cu.order),
            steps=tuple(replace(s, added=to_row[s.added]) for s in cu.steps),
        ),
    )


def sensitivity_of(
    result: Any, *, order: str = "year", sort: str | None = None
) -> SensitivityResult:
    """Leave-one-out, influence, Baujat and cumulative analyses of a pooled result.

    ``result`` is a :class:`~synthesis.analyses.pool.PoolResult` of an inverse-variance
    model (any measure but MED; any method but GLMM; no subgroups): its ``yi``/``vi``,
    method, CI method and level are refitted exactly as ``synth pool`` fitted them
    (metafor ``leave1out``, ``influence``, ``baujat``, ``cumul`` of that ``rma``, on the
    rows in the listed order, as metafor's rows). Estimates, CIs and PIs are back on the
    reporting scale with ``result.back``. ``order``: the cumulative order, one of
    :data:`ORDERS`. ``sort``: the order of the per-study rows (leave-one-out, influence,
    Baujat), one of :data:`synthesis.analyses.order.SORTS`, as ``synth pool --sort``;
    None keeps the rows of ``result`` as they are (``pool()``'s default order, or the
    caller's). The numbers do not depend on ``sort``.

    Raises :class:`~synthesis.errors.SynthError` (with what to do) for a result these
    analyses do not apply to.
    """
    reason = _refusal(result)
    if reason is not None:
        raise SynthError(reason)
    from synthesis.analyses.pool import order_result

    shown = result if sort is None else order_result(result, sort)
    result = order_result(shown, "listed")  # metafor's rows; the analyses order them
    idx = cumulative_order(result, order)
    labels = [_row_label(s) for s in result.studies]
    try:
        analyses = sensitivity(
            yi=result.yi,
            vi=result.vi,
            method=result.method,
            ci_method=result.ci_method,
            level=result.level,
            order=idx,
            labels=labels,
        )
    except ValueError as exc:  # defensive: a pooled result's yi/vi are checked already
        raise SynthError(f"{result.outcome}: sensitivity analyses cannot run: {exc}") from None
    row = {id(s): i for i, s in enumerate(shown.studies)}
    analyses = _in_row_order(analyses, [row[id(s)] for s in result.studies])
    # a cumulative analysis always starts with k = 1 and 2: the nulls of its first steps
    # (no PI, no heterogeneity) are not worth a warning; everything else is kept
    routine = (
        "prediction interval is null where the model has fewer than 3 studies (up to ",
        "k = 1 (up to ",
    )
    warns = [w for w in analyses.warnings if not w.startswith(routine)]
    if result.measure == "PFT" and result.harmonic_n is not None:
        warns.append(
            "PFT: every refit is back-transformed with the full model's harmonic mean n "
            f"({result.harmonic_n:.4g}), as the pooled estimate"
        )
    if result.null_value is None and result.measure != "MED":
        warns.append(
            f"{result.measure} has no value of no effect: statistic and p_value of the refits "
            "are null, as for the pooled model"
        )
    return SensitivityResult(
        model=shown, order=order, analyses=analyses, warnings=tuple(dict.fromkeys(warns))
    )


# --------------------------------------------------------------------------- conclusions
#
# The conclusion of a model with a value of no effect (1 for ratios, 0 for differences)
# is its direction (the estimate above, below or at the null) and whether its CI
# excludes the null. ``synth table`` and the report mark an outcome whose conclusion
# changes when one study is left out.


def _null(measure: str) -> float | None:
    return MEASURES[measure].null


def conclusion(
    est: float | None, lo: float | None, hi: float | None, null: float
) -> tuple[int, bool] | None:
    """The conclusion of one model: (direction of the estimate relative to ``null``: 1, -1
    or 0; whether its CI excludes ``null``); None when a value is missing."""
    if est is None or lo is None or hi is None:
        return None
    direction = (est > null) - (est < null)
    return direction, bool(lo > null or hi < null)


def _sensitivity(result: Any) -> Any:
    """A SensitivityResult from a SensitivityResult or a PoolResult (None if not possible)."""
    if hasattr(result, "analyses") and hasattr(result, "model"):
        return result
    try:
        return sensitivity_of(result)
    except SynthError:
        return None


def conclusion_changers(result: Any) -> tuple[int, ...] | None:
    """Row indices of the studies whose omission changes the conclusion.

    ``result``: a SensitivityResult or a PoolResult. None when there is no conclusion to
    change: a measure without a value of no effect (proportions, medians), k < 2, an
    analysis these methods do not apply to (MED, GLMM, subgroups), or a full model
    without an estimate or CI.
    """
    res = _sensitivity(result)
    if res is None or res.k < 2:
        return None
    null = _null(res.measure)
    if null is None:
        return None
    m = res.model
    full = conclusion(m.estimate, m.ci_low, m.ci_high, null)
    if full is None:
        return None
    out = []
    defined = False
    for i, row in enumerate(res.leave_one_out_rows()):
        c = conclusion(row["estimate"], row["ci_low"], row["ci_high"], null)
        if c is None:
            continue
        defined = True
        if c != full:
            out.append(i)
    return tuple(out) if defined else None


def conclusion_changes(result: Any) -> bool | None:
    """Does leaving one study out change the conclusion (the direction of the estimate
    or whether its CI excludes the value of no effect)? None where that is not defined
    (see :func:`conclusion_changers`).

    ``result``: a :class:`~synthesis.analyses.pool.PoolResult` (the analyses are
    computed) or a :class:`~synthesis.analyses.sensitivity.SensitivityResult`.
    """
    changers = conclusion_changers(result)
    return None if changers is None else bool(changers)
