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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthesis.models.core import CI_METHODS, METHODS, BatchFit, fit_batch
from synthesis.models.results import clean_dict
from synthesis.special import chdtrc

__all__ = [
    "Baujat",
    "BaujatPoint",
    "Cumulative",
    "CumulativeStep",
    "Influence",
    "InfluenceRow",
    "LeaveOneOut",
    "LeaveOneOutRow",
    "Sensitivity",
    "baujat",
    "cumulative",
    "influence",
    "leave_one_out",
    "sensitivity",
]

_EPS = float(np.finfo(float).eps)
_RESID_ZERO = 100.0 * _EPS  # metafor sets |residuals| below this to 0

# the per-model fields shared by leave-one-out rows and cumulative steps
_REFIT_FIELDS = (
    "k", "estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "statistic", "df",
    "p_value", "tau2", "I2", "H2", "Q", "Q_df", "Q_p",
)  # fmt: skip
_INT_FIELDS = frozenset({"k", "df", "Q_df"})


# --------------------------------------------------------------------------- results


def _frame(rows: Sequence[Any]):  # -> pandas.DataFrame (pandas imported lazily)
    import pandas as pd

    return pd.DataFrame([r.to_dict() for r in rows])


@dataclass(frozen=True)
class LeaveOneOutRow:
    """The model without study ``omitted`` (0-based row index of the input)."""

    omitted: int
    k: int
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    pi_low: float | None
    pi_high: float | None
    statistic: float | None  # z, or t under HKSJ with k >= 2
    df: int | None  # None for z tests
    p_value: float | None
    tau2: float | None
    I2: float | None  # percent
    H2: float | None
    Q: float | None
    Q_df: int | None
    Q_p: float | None

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


@dataclass(frozen=True)
class CumulativeStep:
    """The model on the studies up to and including ``added`` (0-based row index)."""

    added: int
    k: int
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    pi_low: float | None
    pi_high: float | None
    statistic: float | None
    df: int | None
    p_value: float | None
    tau2: float | None
    I2: float | None
    H2: float | None
    Q: float | None
    Q_df: int | None
    Q_p: float | None

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


@dataclass(frozen=True)
class InfluenceRow:
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

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


@dataclass(frozen=True)
class BaujatPoint:
    """One point of metafor's ``baujat()`` plot for study ``index`` (0-based)."""

    index: int
    x: float | None  # contribution to heterogeneity: squared Pearson residual
    y: float | None  # influence on the pooled result

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


@dataclass(frozen=True)
class _Analysis:
    method: str
    ci_method: str
    level: float
    k: int

    def _head(self) -> dict[str, Any]:
        return {"method": self.method, "ci_method": self.ci_method, "level": self.level,
                "k": self.k}  # fmt: skip


@dataclass(frozen=True)
class LeaveOneOut(_Analysis):
    """metafor ``leave1out()`` plus ``predict()`` of each reduced model."""

    rows: tuple[LeaveOneOutRow, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self._head(), "rows": [r.to_dict() for r in self.rows],
                "warnings": list(self.warnings)}  # fmt: skip

    def to_frame(self):
        return _frame(self.rows)


@dataclass(frozen=True)
class Influence(_Analysis):
    """metafor ``influence()``: case deletion diagnostics, one row per study."""

    rows: tuple[InfluenceRow, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self._head(), "rows": [r.to_dict() for r in self.rows],
                "warnings": list(self.warnings)}  # fmt: skip

    def to_frame(self):
        return _frame(self.rows)


@dataclass(frozen=True)
class Cumulative(_Analysis):
    """metafor ``cumul()`` (plus ``predict()`` of each step) in the order ``order``."""

    order: tuple[int, ...]
    steps: tuple[CumulativeStep, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self._head(), "order": list(self.order),
                "steps": [s.to_dict() for s in self.steps],
                "warnings": list(self.warnings)}  # fmt: skip

    def to_frame(self):
        return _frame(self.steps)


@dataclass(frozen=True)
class Baujat(_Analysis):
    """metafor ``baujat()`` coordinates, one point per study."""

    points: tuple[BaujatPoint, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self._head(), "points": [p.to_dict() for p in self.points],
                "warnings": list(self.warnings)}  # fmt: skip

    def to_frame(self):
        return _frame(self.points)


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
    method = str(method).upper()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if ci_method not in CI_METHODS:
        raise ValueError(f"unknown ci_method {ci_method!r}; expected 'wald' or 'hksj'")
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
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
            "zero-width confidence interval as in metafor; a non-zero estimate has an "
            "infinite t statistic, reported as null"
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


# --------------------------------------------------------------------------- leave-one-out


def _leave_one_out(
    y: np.ndarray,
    b: BatchFit | None,
    method: str,
    ci_method: str,
    level: float,
    names: list[str],
) -> LeaveOneOut:
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


def leave_one_out(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> LeaveOneOut:
    """metafor ``leave1out(rma(yi, vi, method=, test=))``, with each reduced model's PI.

    Row ``i`` is the model without study ``i``. ``labels`` (one per study) name the
    studies in warnings. k = 1 gives one row of ``None`` with the reason.
    """
    y, v, method, level, names = _inputs(yi, vi, method, ci_method, level, labels)
    b = _deleted_batch(y, v, method, ci_method, level) if y.size >= 2 else None
    return _leave_one_out(y, b, method, ci_method, level, names)


# --------------------------------------------------------------------------- influence


def _influence(
    y: np.ndarray,
    v: np.ndarray,
    b: BatchFit | None,
    method: str,
    ci_method: str,
    level: float,
    names: list[str],
) -> Influence:
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


def influence(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> Influence:
    """metafor ``influence(rma(yi, vi, method=, test=))`` (intercept-only, ``p = 1``).

    k = 1 gives one row of ``None`` with the reason (metafor stops).
    """
    y, v, method, level, names = _inputs(yi, vi, method, ci_method, level, labels)
    b = _deleted_batch(y, v, method, ci_method, level) if y.size >= 2 else None
    return _influence(y, v, b, method, ci_method, level, names)


# --------------------------------------------------------------------------- baujat


def _baujat(
    y: np.ndarray,
    v: np.ndarray,
    b: BatchFit | None,
    method: str,
    ci_method: str,
    level: float,
    names: list[str],
) -> Baujat:
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


def baujat(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> Baujat:
    """metafor ``baujat(rma(yi, vi, method=, test=))`` coordinates.

    ``x``: squared Pearson residual of the full model, ``(y_i - beta)^2 / (vi + tau2)``;
    ``y``: ``(beta(-i) - beta)^2 / vb(-i)``. k = 1 gives ``None`` with the reason.
    """
    y, v, method, level, names = _inputs(yi, vi, method, ci_method, level, labels)
    b = _deleted_batch(y, v, method, ci_method, level) if y.size >= 2 else None
    return _baujat(y, v, b, method, ci_method, level, names)


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
    y, v, method, level, names = _inputs(yi, vi, method, ci_method, level, labels)
    idx = np.arange(y.size) if order is None else _check_order(order, y.size)
    b = _deleted_batch(y, v, method, ci_method, level) if y.size >= 2 else None
    return Sensitivity(
        leave_one_out=_leave_one_out(y, b, method, ci_method, level, names),
        influence=_influence(y, v, b, method, ci_method, level, names),
        baujat=_baujat(y, v, b, method, ci_method, level, names),
        cumulative=_cumulative(y, v, idx, method, ci_method, level, names),
    )
