"""Inverse-variance pooling: one vectorized numpy core, metafor 3.8 ``rma.uni`` semantics.

:func:`fit_batch` fits ``m`` intercept-only meta-analyses at once. Its inputs are
``(m, K)`` arrays ``yi``/``vi`` plus a boolean ``mask`` marking the real cells, so the
analyses may have different numbers of studies (ragged ``k``). All work is done on
whole arrays; the only Python loops run over iterations of the iterative solvers.
:func:`fit` is the one-analysis convenience wrapper returning :class:`~synthesis.results.Fit`.
:func:`fit_batch_regression` is the same core with a design matrix ``X`` (``(K, p)``
shared, or ``(m, K, p)``, e.g. permuted rows): ``rma.uni(yi, vi, mods = X)``.

Definitions follow ``metafor::rma.uni`` (3.8), ``predict.rma`` and ``confint.rma.uni``
(``type="QP"``). With moderators, P = W - W X (X'WX)^-1 X'W is the residual projector,
Q(t) = y'P y with W = diag(1/(vi + t)) (the generalized Q; QE = Q(0)), r the weighted
residuals and p the number of columns of X; the intercept-only model is p = 1, where
P y = w (y - mu_w) and the linear algebra reduces to sums:

``FE``    tau2 = 0.
``DL``    (QE - (k-p)) / tr(P), W = diag(1/vi).  p = 1: tr(P) = sum w - sum w^2 / sum w.
``HE``    (RSS - tr(P V)) / (k-p) with the unweighted (OLS) projector.
          p = 1: (sum (yi - mean y)^2 - sum vi (k-1)/k) / (k-1).
``HS``    (QE - k) / sum w.
``SJ``    t0 * Q(t0) / (k-p), t0 = sum (yi - mean y)^2 / k (= var(yi) (k-1)/k, the
          intercept-only start even with moderators).  Closed form (one step).
``PM``    root of Q(tau2) = k-p (0 when QE < k-p).
``EB``    metafor's Fisher-type iteration tau2 += (Q(tau2) k/(k-p) - k) / sum w has the
          same fixed point as PM (Q(tau2) = k-p), so EB is solved with the PM solver;
          the two agree with metafor to its convergence.
``ML``    root of y'PPy - sum w (score), by Fisher scoring (information sum w^2) from
          max(0, HE).
``REML``  root of y'PPy - tr(P) (score), by Fisher scoring (information tr(PP)) from
          max(0, HE).
Every estimate is truncated at 0. ML/REML repeat metafor's step halving at the 0 bound
and its ``ll0check`` (tau2 = 0 when the (restricted) likelihood at 0 is higher by more
than ``.Machine$double.eps^0.25``). As metafor, tau2 is estimated from yi centred at
their mean (``Ymc``) and the coefficients from the uncentred yi. With moderators the
weighted least squares are solved by a QR decomposition of sqrt(W) X (metafor's
``.invcalc``): leverages give diag(P), R gives (X'WX)^-1 and log det(X'WX).

``Q(tau2)`` is convex and decreasing in tau2 (a partial minimum over the coefficients of
a jointly convex quadratic-over-linear function), so Newton's method started at 0 on
``Q(tau2) = c`` climbs monotonically to the unique root without overshooting; PM, EB and
the Q-profile confidence interval for tau2 use that.  Rows that do not converge within
the iteration budget fall back to bisection with false-position (Illinois) steps on the
same estimating equation; ``converged`` is False only if that fails too.

Tests (``test = "z"`` / ``"knha"``): z, or t on k-p df with vb scaled by
s2w = RSS/(k-p) (0 when RSS <= eps); the omnibus QM = b' vb^-1 b over ``btt`` (all
coefficients but the intercept), chi-square on m df, or QM/m against F(m, k-p).
Heterogeneity: QE on k-p df, I2 = 100 tau2/(vt + tau2) and H2 = tau2/vt + 1 with
vt = (k-p)/tr(P) (FE: I2 = (QE - (k-p))/QE, H2 = QE/(k-p)).

Arrays in :class:`BatchFit` hold NaN where a value does not exist (tau2 for FE, a PI
when k < 3, heterogeneity when k = 1); :meth:`BatchFit.fit` turns them into ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from synthesis.models.results import Fit
from synthesis.special import betainc, chdtrc, chdtri, ndtr, ndtri, stdtr, stdtrit

__all__ = [
    "CI_METHODS",
    "CLOSED_FORM_METHODS",
    "ITERATIVE_METHODS",
    "METHODS",
    "BatchFit",
    "BatchRegression",
    "check_model",
    "fit",
    "fit_batch",
    "fit_batch_regression",
]

METHODS: tuple[str, ...] = ("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
CLOSED_FORM_METHODS: frozenset[str] = frozenset({"FE", "DL", "HE", "SJ", "HS"})
ITERATIVE_METHODS: frozenset[str] = frozenset({"REML", "ML", "PM", "EB"})
CI_METHODS: tuple[str, ...] = ("wald", "hksj")

#: The warning for an HKSJ fit whose scale factor is 0 (every estimate equal).
HKSJ_ZERO_SCALE_NOTE = (
    "HKSJ scale factor is 0 (every study has the same estimate): the t test of the pooled "
    "estimate is not defined (statistic and p null) and the confidence interval has zero "
    "width, as in metafor; use --ci wald for a test and an interval from the studies' own "
    "variances"
)

_EPS = float(np.finfo(float).eps)
_LL0_TOL = _EPS**0.25  # metafor's default control$tol, used by its ll0check
_FISHER_MAXITER = 200
_NEWTON_MAXITER = 300
_BRACKET_MAXITER = 400
_REL_TOL = 1e-14  # relative step size at which an iteration counts as converged


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class BatchFit:
    """Results of :func:`fit_batch`: one entry per analysis (row), NaN where undefined.

    ``weights`` is ``(m, K)`` in percent with 0 in masked cells; ``mask`` is the cell
    mask used. ``df`` is NaN for z tests. ``hksj_fallback`` marks k = 1 rows for which
    a requested HKSJ interval fell back to Wald. ``hksj_zero_scale`` marks HKSJ rows
    whose scale factor is 0 (all estimates equal): metafor then reports se = 0 and a
    zero-width CI; ``statistic`` and ``p_value`` are NaN there (the t test is not defined).
    ``tau2_ci_null`` marks rows where the whole Q-profile lies below the lower quantile
    (metafor's "null/empty set" CI, reported as [0, 0]).
    """

    method: str
    ci_method: str
    level: float
    k: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    pi_low: np.ndarray
    pi_high: np.ndarray
    statistic: np.ndarray
    df: np.ndarray
    p_value: np.ndarray
    tau2: np.ndarray
    tau2_ci_low: np.ndarray
    tau2_ci_high: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    Q: np.ndarray
    Q_df: np.ndarray
    Q_p: np.ndarray
    weights: np.ndarray
    mask: np.ndarray
    converged: np.ndarray
    hksj_fallback: np.ndarray
    hksj_zero_scale: np.ndarray
    tau2_ci_null: np.ndarray

    def __len__(self) -> int:
        return int(self.k.shape[0])

    @property
    def tau(self) -> np.ndarray:
        return np.sqrt(self.tau2)

    def notes(self, i: int) -> tuple[str, ...]:
        """Human-readable remarks for row ``i``."""
        out: list[str] = []
        if self.k[i] == 1:
            out.append(
                "k = 1: the pooled estimate is the single study's own estimate; "
                "heterogeneity is not defined"
            )
        if self.hksj_fallback[i]:
            out.append("HKSJ is undefined for k = 1; Wald (z) interval used instead")
        if self.hksj_zero_scale[i]:
            out.append(HKSJ_ZERO_SCALE_NOTE)
        if not self.converged[i]:
            out.append(f"{self.method} estimator of tau2 did not converge")
        if self.tau2_ci_null[i]:
            out.append(
                "Q-profile CI for tau2: both bounds fall below 0 (null/empty set, "
                "reported as [0, 0] as metafor does)"
            )
        return tuple(out)

    def fit(self, i: int) -> Fit:
        """Row ``i`` as a :class:`~synthesis.results.Fit` (NaN -> None)."""

        def opt(a: np.ndarray) -> float | None:
            x = float(a[i])
            return None if math.isnan(x) else x

        def opt_int(a: np.ndarray) -> int | None:
            x = float(a[i])
            return None if math.isnan(x) else round(x)

        row_mask = self.mask[i]
        ci_method = "wald" if self.hksj_fallback[i] else self.ci_method
        tau2 = opt(self.tau2)
        return Fit(
            k=int(self.k[i]),
            method=self.method,
            ci_method=ci_method,
            level=self.level,
            estimate=float(self.estimate[i]),
            se=float(self.se[i]),
            ci_low=float(self.ci_low[i]),
            ci_high=float(self.ci_high[i]),
            pi_low=opt(self.pi_low),
            pi_high=opt(self.pi_high),
            statistic=opt(self.statistic),
            df=opt_int(self.df),
            p_value=opt(self.p_value),
            tau2=tau2,
            tau2_ci_low=opt(self.tau2_ci_low),
            tau2_ci_high=opt(self.tau2_ci_high),
            tau=None if tau2 is None else math.sqrt(tau2),
            I2=opt(self.I2),
            H2=opt(self.H2),
            Q=opt(self.Q),
            Q_df=opt_int(self.Q_df),
            Q_p=opt(self.Q_p),
            weights=tuple(float(w) for w in self.weights[i][row_mask]),
            converged=bool(self.converged[i]),
            notes=self.notes(i),
        )

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        cols = [
            "k", "estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "statistic",
            "df", "p_value", "tau2", "tau2_ci_low", "tau2_ci_high", "I2", "H2", "Q",
            "Q_df", "Q_p", "converged",
        ]  # fmt: skip
        frame = pd.DataFrame({c: getattr(self, c) for c in cols})
        frame.insert(0, "method", self.method)
        frame.insert(1, "ci_method", np.where(self.hksj_fallback, "wald", self.ci_method))
        frame.insert(2, "level", self.level)
        return frame


# --------------------------------------------------------------------------- helpers


def _rowsum(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=1)


def _weights(v: np.ndarray, mask: np.ndarray | None, tau2: np.ndarray) -> np.ndarray:
    w = 1.0 / (v + tau2[:, None])
    return w if mask is None else np.where(mask, w, 0.0)


def _take(mask: np.ndarray | None, rows) -> np.ndarray | None:
    """Rows of a cell mask; ``None`` (every cell real, the fast path) stays ``None``."""
    return None if mask is None else mask[rows]


class _Data(NamedTuple):
    """What the tau2 estimating equations see: centred ``y``, ``v``, mask, design.

    ``mask`` is ``None`` when every cell is real; ``X`` is ``None`` for the intercept-only
    model (``p = 1``, solved by sums), else ``(K, p)`` shared by every row or ``(m, K, p)``.
    """

    y: np.ndarray
    v: np.ndarray
    mask: np.ndarray | None
    X: np.ndarray | None

    def take(self, rows) -> _Data:
        X = self.X if self.X is None or self.X.ndim == 2 else self.X[rows]
        return _Data(self.y[rows], self.v[rows], _take(self.mask, rows), X)


class _Wls(NamedTuple):
    """Weighted least squares of ``y`` on ``X`` by the QR decomposition of ``sqrt(W) X``."""

    q: np.ndarray  # (m, K, p): orthonormal columns; q[i]q[i]' is the weighted hat matrix
    r: np.ndarray  # (m, p, p): R'R = X'WX
    coef: np.ndarray  # (m, p)
    resid: np.ndarray  # (m, K): y - X coef (also in masked cells, where w = 0)

    @property
    def hat(self) -> np.ndarray:
        """Leverages h_i = w_i x_i'(X'WX)^-1 x_i, so that diag(P) = w (1 - h)."""
        return (self.q * self.q).sum(axis=2)

    def vcov(self) -> np.ndarray:
        """(X'WX)^-1 = R^-1 R^-T."""
        rinv = np.linalg.inv(self.r)
        return rinv @ np.swapaxes(rinv, 1, 2)

    def logdet(self) -> np.ndarray:
        """log det(X'WX)."""
        return 2.0 * np.log(np.abs(np.diagonal(self.r, axis1=1, axis2=2))).sum(axis=1)


def _wls(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> _Wls:
    sw = np.sqrt(w)
    q, r = np.linalg.qr(sw[:, :, None] * X)
    qty = np.einsum("mkp,mk->mp", q, sw * y)
    coef = np.linalg.solve(r, qty[:, :, None])[:, :, 0]
    resid = y - (X @ coef[:, :, None])[:, :, 0]
    return _Wls(q, r, coef, resid)


def _gen_q(d: _Data, tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Generalized Q(tau2) = y'P y (P: residual projector, weights 1/(v + tau2)) and its
    derivative -y'PP y; for the intercept-only model sum w (y - mu_w)^2, -sum w^2 (y - mu_w)^2."""
    w = _weights(d.v, d.mask, tau2)
    if d.X is None:
        sw = _rowsum(w)
        mu = _rowsum(w * d.y) / sw
        wr = w * (d.y - mu[:, None])
        wr2 = wr * (d.y - mu[:, None])
        return _rowsum(wr2), -_rowsum(wr * wr)
    res = _wls(w, d.X, d.y)
    wr = w * res.resid
    return _rowsum(wr * res.resid), -_rowsum(wr * wr)


def _solve_q(
    d: _Data, target: np.ndarray, rows: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Root of Q(tau2) = target for the rows flagged in ``rows`` (requires Q(0) > target).

    Newton from 0 (monotone because Q is convex and decreasing); Illinois bracketing
    fallback for rows that exhaust the Newton budget. Returns (root, converged); rows not
    flagged get 0.
    """
    m = d.y.shape[0]
    x = np.zeros(m)
    conv = ~rows.copy()
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return x, np.ones(m, dtype=bool)
    ds, ts, sc = d.take(idx), target[idx], scale[idx]
    xs = np.zeros(idx.size)
    active = np.ones(idx.size, dtype=bool)
    for _ in range(_NEWTON_MAXITER):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        rs = slice(None) if a.size == idx.size else a  # a view while every row is live
        q, dq = _gen_q(ds.take(rs), xs[a])
        f = q - ts[a]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(dq < 0, f / -dq, 0.0)
        floor = _REL_TOL * np.maximum(xs[a], 1e-2 * sc[a])
        done = (f <= 0) | ~(step > floor) | ~np.isfinite(step)
        step = np.where(np.isfinite(step) & (step > 0), step, 0.0)
        xs[a] = xs[a] + step
        active[a[done]] = False
    ok = ~active
    if active.any():
        a = np.flatnonzero(active)
        da = ds.take(a)
        root, okb = _root_search(
            lambda t, sel: _gen_q(da.take(sel), t)[0] - ts[a][sel],
            xs[a].copy(),  # Q > target here: the search goes up
            sc[a],
        )
        xs[a] = root
        ok[a] = okb
    x[idx] = xs
    conv[idx] = ok
    return x, conv


def _root_search(func, x0: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized bracketing search for a down-crossing (+ to -) of ``func`` near ``x0 >= 0``.

    ``func(t, sel)`` evaluates the function for the rows ``sel`` at ``t``. Where the
    function is positive at ``x0`` the upper end is found by doubling; where it is not,
    the lower end is found by halving towards 0 (no positive value above 1e-30 * scale
    means the down-crossing is at the bound: the root is 0). The root is then refined by
    bisection interleaved with Illinois (modified false position) steps.
    Returns (root, ok).
    """
    n = x0.size
    rows = np.arange(n)
    x0 = np.where(x0 > 0, x0, scale)
    f0 = func(x0, rows)
    lo, hi = x0.copy(), x0.copy()
    f_lo, f_hi = f0.copy(), f0.copy()
    at_zero = np.zeros(n, dtype=bool)
    up = f0 > 0
    for _ in range(2100):  # doubling: the functions used here are < 0 far to the right
        g = np.flatnonzero(up & (f_hi > 0) & np.isfinite(hi))
        if g.size == 0:
            break
        lo[g], f_lo[g] = hi[g], f_hi[g]
        hi[g] = hi[g] * 2.0
        f_hi[g] = func(hi[g], g)
    for _ in range(110):  # halving towards the 0 bound
        g = np.flatnonzero(~up & ~at_zero & (f_lo <= 0))
        if g.size == 0:
            break
        hi[g], f_hi[g] = lo[g], f_lo[g]
        lo[g] = lo[g] * 0.5
        f_lo[g] = func(lo[g], g)
        at_zero[g] = lo[g] < 1e-30 * scale[g]
    ok = (f_lo > 0) & (f_hi <= 0) | at_zero
    side = np.zeros(n)
    for it in range(_BRACKET_MAXITER):
        live = ok & ~at_zero & (hi - lo > _REL_TOL * hi) & (f_hi != 0)
        if not live.any():
            break
        g = np.flatnonzero(live)
        mid = 0.5 * (lo[g] + hi[g])
        if it % 2 == 0:
            t = lo[g] + f_lo[g] * (hi[g] - lo[g]) / (f_lo[g] - f_hi[g])
            t = np.where((t > lo[g]) & (t < hi[g]), t, mid)
        else:
            t = mid
        ft = func(t, g)
        pos = ft > 0
        gp, gn = g[pos], g[~pos]
        lo[gp], f_lo[gp] = t[pos], ft[pos]
        hi[gn], f_hi[gn] = t[~pos], ft[~pos]
        # Illinois: halve the stored value at the end that stayed put twice in a row
        f_hi[gp] = np.where(side[gp] > 0, 0.5 * f_hi[gp], f_hi[gp])
        f_lo[gn] = np.where(side[gn] < 0, 0.5 * f_lo[gn], f_lo[gn])
        side[gp], side[gn] = 1.0, -1.0
    root = np.where(at_zero, 0.0, np.where(f_hi == 0, hi, 0.5 * (lo + hi)))
    return root, ok


def _score_ml_reml(d: _Data, tau2: np.ndarray, reml: bool) -> tuple[np.ndarray, np.ndarray]:
    """(score, expected information) for ML/REML, in metafor's Fisher scoring form:
    ML (y'PPy - sum w, sum w^2), REML (y'PPy - tr P, tr PP)."""
    w = _weights(d.v, d.mask, tau2)
    sw = _rowsum(w)
    w2 = w * w
    sw2 = _rowsum(w2)
    if d.X is None:
        mu = _rowsum(w * d.y) / sw
        r = d.y - mu[:, None]
        ypp = _rowsum(w2 * r * r)  # Y'PPY
        if reml:
            trp = sw - sw2 / sw
            trpp = sw2 - 2.0 * _rowsum(w2 * w) / sw + (sw2 / sw) ** 2
            return ypp - trp, trpp
        return ypp - sw, sw2
    res = _wls(w, d.X, d.y)
    wr = w * res.resid
    ypp = _rowsum(wr * wr)
    if reml:
        h = res.hat
        trp = _rowsum(w * (1.0 - h))
        qwq = np.einsum("mkp,mk,mkq->mpq", res.q, w, res.q)
        trpp = _rowsum(w2 * (1.0 - 2.0 * h)) + (qwq * qwq).sum(axis=(1, 2))
        return ypp - trp, trpp
    return ypp - sw, sw2


def _loglik(d: _Data, tau2: np.ndarray, reml: bool) -> np.ndarray:
    """(Restricted) log-likelihood up to terms that do not depend on tau2."""
    w = _weights(d.v, d.mask, tau2)
    logv = np.log(d.v + tau2[:, None])
    if d.mask is not None:
        logv = np.where(d.mask, logv, 0.0)
    if d.X is None:
        sw = _rowsum(w)
        mu = _rowsum(w * d.y) / sw
        r = d.y - mu[:, None]
        logdet = np.log(sw)
    else:
        res = _wls(w, d.X, d.y)
        r = res.resid
        logdet = res.logdet()
    ll = -0.5 * _rowsum(logv) - 0.5 * _rowsum(w * r * r)
    if reml:
        ll = ll - 0.5 * logdet
    return ll


def _fisher_steps(
    d: _Data, t: np.ndarray, scale: np.ndarray, reml: bool, maxiter: int
) -> np.ndarray:
    """metafor's Fisher scoring from ``t`` (updated in place); returns the converged rows."""
    n = t.size
    active = np.ones(n, dtype=bool)
    prev = np.full(n, np.inf)
    for _ in range(maxiter):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        rs = slice(None) if a.size == n else a  # a view while every row is live
        score, info = _score_ml_reml(d.take(rs), t[a], reml)
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = score / info
        adj = np.where(np.isfinite(adj), adj, 0.0)
        ta = t[a]
        # metafor: while (tau2 + adj < tau2.min) adj <- adj / 2
        adj = np.where((ta == 0) & (adj < 0), 0.0, adj)
        neg = ta + adj < 0
        if neg.any():
            ratio = -adj[neg] / ta[neg]
            halvings = np.ceil(np.log2(ratio))
            adj_n = adj[neg] / np.exp2(halvings)
            for _h in range(3):  # guard against rounding in log2
                still = ta[neg] + adj_n < 0
                adj_n = np.where(still, adj_n / 2.0, adj_n)
            adj[neg] = adj_n
        new = ta + adj
        change = np.abs(adj)
        t[a] = new
        # converged: a step below 1e-14 relative (absolute floor 1e-16 * typical vi), or
        # steps no longer shrinking once at the rounding-noise level (1e-9 relative)
        big = np.maximum(new, 1e-2 * scale[a])
        done = (change <= _REL_TOL * big) | ((change >= prev[a]) & (change <= 1e-9 * big))
        prev[a] = change
        active[a[done]] = False
    return ~active


def _fisher(
    d: _Data,
    start: np.ndarray,
    rows: np.ndarray,
    scale: np.ndarray,
    reml: bool,
    maxiter: int,
) -> tuple[np.ndarray, np.ndarray]:
    """ML/REML tau2 by metafor's Fisher scoring, with bracketing fallback and ll0check."""
    m = d.y.shape[0]
    tau2 = np.zeros(m)
    conv = np.ones(m, dtype=bool)
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return tau2, conv
    ds, sc = d.take(idx), scale[idx]
    t = start[idx].astype(float).copy()
    ok = _fisher_steps(ds, t, sc, reml, maxiter)
    # rows heading for the 0 bound: set exactly 0 when the score at 0 is <= 0
    near0 = t <= 1e-8 * sc
    if near0.any():
        s0, _ = _score_ml_reml(ds, np.zeros(idx.size), reml)
        zero = near0 & (s0 <= 0)
        t[zero] = 0.0
        ok[zero] = True
    if not ok.all():
        a = np.flatnonzero(~ok)
        da = ds.take(a)
        root, okr = _root_search(
            lambda tt, sel: _score_ml_reml(da.take(sel), tt, reml)[0], t[a].copy(), sc[a]
        )
        t[a] = root
        ok[a] = okr
    # metafor's ll0check: prefer tau2 = 0 when its likelihood is higher (by > tol)
    pos = t > 0
    if pos.any():
        p = np.flatnonzero(pos)
        dp = ds.take(p)
        ll0 = _loglik(dp, np.zeros(p.size), reml)
        ll1 = _loglik(dp, t[p], reml)
        t[p[ll0 - ll1 > _LL0_TOL]] = 0.0
    tau2[idx] = t
    conv[idx] = ok
    return tau2, conv


# --------------------------------------------------------------------------- the pieces


class _FeQ(NamedTuple):
    """Fixed-effect (w = 1/vi) quantities: Q (QE with moderators), tr(P), sum w."""

    q: np.ndarray
    trp: np.ndarray
    sw: np.ndarray


def _fe_quantities(d: _Data, msk: np.ndarray) -> _FeQ:
    w0 = np.where(msk, 1.0 / d.v, 0.0)
    s1 = _rowsum(w0)
    if d.X is None:
        s2 = _rowsum(w0 * w0)
        mu0 = _rowsum(w0 * d.y) / s1
        r0 = d.y - mu0[:, None]
        return _FeQ(np.maximum(0.0, _rowsum(w0 * r0 * r0 * msk)), s1 - s2 / s1, s1)
    res = _wls(w0, d.X, d.y)
    q = np.maximum(0.0, _rowsum(w0 * res.resid * res.resid))
    return _FeQ(q, _rowsum(w0 * (1.0 - res.hat)), s1)


def _hedges(d: _Data, msk: np.ndarray, kf: np.ndarray, kmp: np.ndarray) -> np.ndarray:
    """HE: (RSS - tr(PV)) / (k - p), P the unweighted (OLS) residual projector."""
    if d.X is None:
        return (_rowsum(d.y * d.y) - _rowsum(d.v * msk) * (kf - 1.0) / kf) / kmp
    res = _wls(msk.astype(float), d.X, d.y)
    rss = _rowsum(msk * res.resid * res.resid)
    trpv = _rowsum(msk * (1.0 - res.hat) * d.v)
    return (rss - trpv) / kmp


def _estimate_tau2(
    d: _Data,
    msk: np.ndarray,
    p: int,
    method: str,
    fe: _FeQ,
    rows: np.ndarray,
    vscale: np.ndarray,
    maxiter: int,
) -> tuple[np.ndarray, np.ndarray]:
    """tau2 by ``method`` as metafor's rma.uni (with moderators when ``d.X`` is set),
    truncated at 0; rows not flagged in ``rows`` (k = 1) get 0. Returns (tau2, converged)."""
    m = d.y.shape[0]
    kf = msk.sum(axis=1).astype(float)
    kmp = np.maximum(kf - p, 1.0)  # k - p, guarded for k = 1 rows
    converged = np.ones(m, dtype=bool)
    if method == "FE":
        tau2 = np.zeros(m)
    elif method == "DL":
        tau2 = (fe.q - (kf - p)) / fe.trp
    elif method == "HS":
        tau2 = (fe.q - kf) / fe.sw
    elif method == "HE":
        tau2 = _hedges(d, msk, kf, kmp)
    elif method == "SJ":  # one step from the intercept-only start var(yi) (k-1)/k
        t0 = _rowsum(d.y * d.y) / kf
        q_t0, _ = _gen_q(d, t0)
        tau2 = t0 * q_t0 / kmp
    elif method in ("PM", "EB"):  # EB's iteration has PM's fixed point Q(tau2) = k - p
        target = kf - p
        tau2, converged = _solve_q(d, target, rows & (fe.q > target), vscale)
    else:  # ML, REML from max(0, HE)
        start = np.maximum(_hedges(d, msk, kf, kmp), 0.0)
        tau2, converged = _fisher(d, start, rows, vscale, method == "REML", maxiter)
    tau2 = np.where(rows & np.isfinite(tau2), np.maximum(tau2, 0.0), 0.0)
    return tau2, converged


class _Het(NamedTuple):
    """Heterogeneity, by BatchFit's names."""

    tau2: np.ndarray
    Q: np.ndarray
    Q_df: np.ndarray
    Q_p: np.ndarray
    I2: np.ndarray
    H2: np.ndarray

    def residual(self) -> dict[str, np.ndarray]:
        """By BatchRegression's names: the residual heterogeneity's Q is QE."""
        return {"QE" + k[1:] if k.startswith("Q") else k: v for k, v in self._asdict().items()}


def _heterogeneity(
    fe: _FeQ, kf: np.ndarray, p: int, tau2: np.ndarray, method: str, rows: np.ndarray
) -> _Het:
    """Q (QE), I2, H2 as metafor (i2def 1: vt = (k - p) / tr(P)); NaN outside ``rows``."""
    kmp = np.maximum(kf - p, 1.0)
    q_p = chdtrc(kmp, fe.q)
    if method == "FE":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # Q ~ 1e-320: I² 0
            i2 = np.where(fe.q > 0, np.maximum(0.0, 100.0 * (fe.q - (kf - p)) / fe.q), 0.0)
        h2 = fe.q / kmp
        tau2_out = np.full(kf.shape, np.nan)
    else:
        vt = (kf - p) / fe.trp
        i2 = 100.0 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1.0
        tau2_out = np.where(rows, tau2, np.nan)

    def only(a: np.ndarray) -> np.ndarray:
        return np.where(rows, a, np.nan)

    return _Het(tau2_out, only(fe.q), only(kf - p), only(q_p), only(i2), only(h2))


def _two_sided(stat: np.ndarray, df: np.ndarray, use_t: np.ndarray) -> np.ndarray:
    absz = -np.abs(stat)
    return np.where(use_t, 2.0 * stdtr(df, absz), 2.0 * ndtr(absz))


def _ratio(est: np.ndarray, se: np.ndarray) -> np.ndarray:
    """est / se with metafor's limits at se = 0: +-inf, and 0 for 0 / 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    return np.where(se > 0, stat, np.where(est == 0, 0.0, np.copysign(np.inf, est)))


# --------------------------------------------------------------------------- main


def _prepare(
    yi: np.ndarray | Sequence, vi: np.ndarray | Sequence, mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim == 1:
        y = y[None, :]
    if v.ndim == 1:
        v = v[None, :]
    if y.ndim != 2 or y.shape != v.shape:
        raise ValueError(f"yi and vi must be 2-D arrays of one shape, got {y.shape}, {v.shape}")
    if mask is None:
        msk = np.ones(y.shape, dtype=bool)
    else:
        msk = np.asarray(mask, dtype=bool)
        if msk.ndim == 1:
            msk = msk[None, :]
        if msk.shape != y.shape:
            raise ValueError(f"mask must have the shape of yi {y.shape}, got {msk.shape}")
    if y.shape[0] == 0:
        raise ValueError("no analyses to fit")
    k = msk.sum(axis=1)
    if (k == 0).any():
        bad = np.flatnonzero(k == 0)[:5].tolist()
        raise ValueError(f"k = 0: no studies in analysis row(s) {bad}")
    real_y = y[msk]
    real_v = v[msk]
    if not np.isfinite(real_y).all():
        raise ValueError("yi contains non-finite values")
    if not np.isfinite(real_v).all() or (real_v <= 0).any():
        raise ValueError("vi must be finite and > 0")
    y = np.where(msk, y, 0.0)
    v = np.where(msk, v, 1.0)
    return y, v, msk


def check_model(method: str, ci: str, level: float, *, ci_name: str = "ci") -> tuple[str, float]:
    """``(METHOD, level)`` checked: a method of :data:`METHODS` (any case), ``ci`` of
    :data:`CI_METHODS`, a level in (0, 1); else :class:`ValueError` naming the argument
    (``ci_name``: how the caller calls ``ci``)."""
    method = str(method).upper()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if ci not in CI_METHODS:
        raise ValueError(f"unknown {ci_name} {ci!r}; expected 'wald' or 'hksj'")
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return method, level


def fit_batch(
    yi: np.ndarray,
    vi: np.ndarray,
    *,
    method: str = "REML",
    ci: str = "wald",
    level: float = 0.95,
    mask: np.ndarray | None = None,
    tau2_ci: bool = True,
    _maxiter: int = _FISHER_MAXITER,
) -> BatchFit:
    """Fit ``m`` intercept-only meta-analyses at once.

    ``yi``, ``vi``: ``(m, K)`` arrays of effect sizes and sampling variances on the
    analysis scale; ``mask``: ``(m, K)`` booleans marking the real cells (default: all).
    ``method``: one of :data:`METHODS`; ``ci``: ``"wald"`` (z) or ``"hksj"``
    (Hartung-Knapp-Sidik-Jonkman, t with k-1 df, metafor ``test="knha"``, not
    truncated); ``level``: confidence level in (0, 1); ``tau2_ci``: compute the
    Q-profile CI for tau2. ``_maxiter`` (private) caps the Fisher scoring iterations.
    """
    method, level = check_model(method, ci, level)
    y, v, msk = _prepare(yi, vi, mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _fit_arrays(y, v, msk, method, ci, level, tau2_ci, _maxiter)


class _Pooled(NamedTuple):
    estimate: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    df: np.ndarray
    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    crit: np.ndarray
    weights: np.ndarray
    hksj_fallback: np.ndarray
    hksj_zero_scale: np.ndarray


#: what BatchFit takes from the pooled intercept as it is
_POOLED_FIELDS = ("estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value", "weights",
                  "hksj_fallback", "hksj_zero_scale")  # fmt: skip


def _pool_intercept(
    yc: np.ndarray,
    ybar: np.ndarray,
    v: np.ndarray,
    msk: np.ndarray,
    tau2: np.ndarray,
    ci: str,
    level: float,
) -> _Pooled:
    """The intercept-only fixed-effects solve (pooled estimate) and its z or knha test."""
    kf = msk.sum(axis=1).astype(float)
    multi = kf >= 2
    km1 = np.maximum(kf - 1.0, 1.0)
    w = _weights(v, None if msk.all() else msk, tau2)
    sw = _rowsum(w)
    mu_c = _rowsum(w * yc) / sw
    estimate = mu_c + ybar
    se_wald = np.sqrt(1.0 / sw)
    weights = 100.0 * w / sw[:, None]
    weights = np.where(multi[:, None], weights, np.where(msk, 100.0, 0.0))  # k = 1: exactly 100

    use_t = (ci == "hksj") & multi
    rc = yc - mu_c[:, None]
    rss = _rowsum(w * rc * rc)
    s2w = np.where(rss <= _EPS, 0.0, rss / km1)  # metafor: RSS.knha <= eps -> s2w = 0
    se = np.where(use_t, np.sqrt(s2w / sw), se_wald)
    alpha = 1.0 - level
    crit = np.where(use_t, stdtrit(km1, 1.0 - alpha / 2.0), ndtri(1.0 - alpha / 2.0))
    zero_scale = use_t & (s2w == 0.0)
    stat = _ratio(estimate, se)
    p_value = _two_sided(stat, km1, use_t)
    p_value = np.where((se == 0) & (estimate == 0), 1.0, p_value)
    # A zero HKSJ scale factor (every estimate equal): metafor 3.8 gives t = +-Inf, p = 0,
    # and NaN, NaN for an estimate of 0. The t test is not defined either way; synth
    # reports both as NaN (null), one convention for both cases. The zero-width CI
    # [estimate, estimate] is metafor's.
    stat = np.where(zero_scale, np.nan, stat)
    p_value = np.where(zero_scale, np.nan, p_value)
    return _Pooled(
        estimate=estimate,
        se=se,
        statistic=stat,
        df=np.where(use_t, kf - 1.0, np.nan),
        p_value=p_value,
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        crit=crit,
        weights=weights,
        hksj_fallback=np.full(kf.shape, ci == "hksj") & ~multi,
        hksj_zero_scale=zero_scale,
    )


def _centre(y: np.ndarray, v: np.ndarray, msk: np.ndarray):
    """Rows centred at their arithmetic mean (metafor's Ymc), the mean, a typical vi."""
    kf = msk.sum(axis=1).astype(float)
    ybar = _rowsum(y) / kf
    yc = np.where(msk, y - ybar[:, None], 0.0)
    vscale = _rowsum(v * msk) / kf  # typical sampling variance, for absolute tolerances
    return yc, ybar, vscale


def _fit_arrays(
    y: np.ndarray,
    v: np.ndarray,
    msk: np.ndarray,
    method: str,
    ci: str,
    level: float,
    tau2_ci: bool,
    maxiter: int,
) -> BatchFit:
    """The body of :func:`fit_batch` on validated arrays (masked cells: y = 0, v = 1)."""
    k = msk.sum(axis=1)
    kf = k.astype(float)
    multi = k >= 2
    yc, ybar, vscale = _centre(y, v, msk)
    d = _Data(yc, v, None if msk.all() else msk, None)
    fe = _fe_quantities(d, msk)
    tau2, converged = _estimate_tau2(d, msk, 1, method, fe, multi, vscale, maxiter)
    pooled = _pool_intercept(yc, ybar, v, msk, tau2, ci, level)
    het = _heterogeneity(fe, kf, 1, tau2, method, multi)

    # prediction interval: metafor predict(); none for FE or k < 3 (contract)
    pi_low = pi_high = np.full(k.shape, np.nan)
    if method != "FE":
        half = pooled.crit * np.sqrt(pooled.se * pooled.se + tau2)
        pi_low = np.where(k >= 3, pooled.estimate - half, np.nan)
        pi_high = np.where(k >= 3, pooled.estimate + half, np.nan)

    # Q-profile CI for tau2 (confint.rma.uni, type="QP")
    tau2_lo = tau2_hi = np.full(k.shape, np.nan)
    ci_null = np.zeros(k.shape, dtype=bool)
    if tau2_ci and method != "FE" and multi.any():
        km1 = np.maximum(kf - 1.0, 1.0)
        tau2_lo, tau2_hi, ci_null, conv_ci = _qprofile(d, km1, tau2, multi, 1.0 - level, vscale)
        converged = converged & conv_ci

    return BatchFit(
        method=method,
        ci_method=ci,
        level=level,
        k=k,
        **{name: getattr(pooled, name) for name in _POOLED_FIELDS},
        pi_low=pi_low,
        pi_high=pi_high,
        **het._asdict(),
        tau2_ci_low=tau2_lo,
        tau2_ci_high=tau2_hi,
        mask=msk,
        converged=converged,
        tau2_ci_null=ci_null,
    )


def _qprofile(
    d: _Data,
    df: np.ndarray,
    tau2: np.ndarray,
    rows: np.ndarray,
    alpha: float,
    scale: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """confint.rma.uni(type="QP"): bounds in [0, max(100, 10 tau2)] as metafor has them."""
    m = d.y.shape[0]
    crit_u = chdtri(df, alpha / 2.0)  # upper quantile -> lower bound
    crit_l = chdtri(df, 1.0 - alpha / 2.0)  # lower quantile -> upper bound
    tmax = np.maximum(100.0, 10.0 * tau2)
    q0, _ = _gen_q(d, np.zeros(m))
    qmax, _ = _gen_q(d, tmax)

    # upper bound
    ub_null = rows & (q0 < crit_l)
    ub_cap = rows & ~ub_null & (qmax > crit_l)
    ub_solve = rows & ~ub_null & ~ub_cap
    ub, ok_u = _solve_q(d, crit_l, ub_solve, scale)
    ub = np.where(ub_null, 0.0, np.where(ub_cap, tmax, ub))
    # lower bound
    lb_cap = rows & (qmax > crit_u)
    lb_zero = rows & ~lb_cap & (q0 < crit_u)
    lb_solve = rows & ~lb_cap & ~lb_zero
    lb, ok_l = _solve_q(d, crit_u, lb_solve, scale)
    lb = np.where(lb_zero, 0.0, np.where(lb_cap, tmax, lb))
    ub = np.where(lb_cap, tmax, ub)
    lb = np.where(rows, lb, np.nan)
    ub = np.where(rows, ub, np.nan)
    return lb, ub, ub_null, ok_u & ok_l


def fit(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    *,
    method: str = "REML",
    ci: str = "wald",
    level: float = 0.95,
    tau2_ci: bool = True,
) -> Fit:
    """Fit one meta-analysis (1-D ``yi``, ``vi``) and return a :class:`Fit`.

    Raises ``ValueError`` for k = 0, mismatched lengths, non-finite values or vi <= 0.
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or v.ndim != 1 or y.shape != v.shape:
        raise ValueError("yi and vi must be 1-D sequences of the same length")
    if y.size == 0:
        raise ValueError("k = 0: no studies to pool")
    batch = fit_batch(y[None, :], v[None, :], method=method, ci=ci, level=level, tau2_ci=tau2_ci)
    return batch.fit(0)


# --------------------------------------------------------------------------- meta-regression


@dataclass(frozen=True, eq=False)
class BatchRegression:
    """Results of :func:`fit_batch_regression`: ``m`` mixed-effects meta-regressions.

    Per analysis (row) and coefficient (column): ``coef``, ``se``, ``statistic`` (z, or t
    under knha), ``p_value``, ``ci_low``, ``ci_high``, all ``(m, p)``; ``vcov`` ``(m, p, p)``.
    ``QM`` is metafor's omnibus test of the coefficients ``btt`` (chi-square with ``QM_df``,
    or under knha F with ``QM_df`` and ``QM_df2``; NaN where metafor gives NA: a knha
    scale factor of 0). ``tau2`` (NaN for FE), ``I2``, ``H2``, ``QE``, ``QE_df``, ``QE_p``
    are the residual heterogeneity. ``fitted`` and ``residuals`` are ``(m, K)``, 0 in masked
    cells. ``df`` is k - p under knha and NaN for z tests.
    """

    method: str
    ci_method: str
    level: float
    btt: tuple[int, ...]
    k: np.ndarray
    p: int
    coef: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    vcov: np.ndarray
    df: np.ndarray
    QM: np.ndarray
    QM_df: int
    QM_df2: np.ndarray
    QM_p: np.ndarray
    tau2: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    QE: np.ndarray
    QE_df: np.ndarray
    QE_p: np.ndarray
    fitted: np.ndarray
    residuals: np.ndarray
    mask: np.ndarray
    converged: np.ndarray
    zero_scale: np.ndarray

    def __len__(self) -> int:
        return int(self.k.shape[0])


def _intercept_columns(X: np.ndarray, msk: np.ndarray) -> np.ndarray:
    """Columns equal to 1 in every real cell of every row (metafor's .is.intercept)."""
    Xb = np.broadcast_to(X, (*msk.shape, X.shape[-1]))
    return np.all(np.abs(Xb - 1.0) < 1e-8, axis=(0, 1), where=msk[:, :, None])


def _prepare_design(X: np.ndarray | Sequence, msk: np.ndarray) -> np.ndarray:
    """Validate a (K, p) or (m, K, p) design against the cell mask (k > p, full rank)."""
    Xa = np.asarray(X, dtype=float)
    m, K = msk.shape
    if Xa.ndim == 2:
        Xa = Xa[None]
    if Xa.ndim != 3 or Xa.shape[1] != K or Xa.shape[0] not in (1, m) or Xa.shape[2] < 1:
        raise ValueError(f"X must have shape (K, p) or (m, K, p) with K = {K}, got {Xa.shape}")
    p = Xa.shape[2]
    real = np.broadcast_to(msk[:, :, None], (m, K, p))
    if not np.isfinite(np.broadcast_to(Xa, (m, K, p))[real]).all():
        raise ValueError("X contains non-finite values in real cells")
    k = msk.sum(axis=1)
    if (k <= p).any():
        bad = np.flatnonzero(k <= p)[:5].tolist()
        raise ValueError(
            f"k <= p in analysis row(s) {bad}: a meta-regression with {p} coefficients "
            f"needs at least {p + 1} studies"
        )
    # masked cells carry weight 0 in every solve; a shared X stays shared
    if Xa.shape[0] == 1 and np.isfinite(Xa).all():
        Xm = Xa[0]
        xtx = np.einsum("kp,mk,kq->mpq", Xm, msk.astype(float), Xm)
    else:
        Xm = np.where(real, Xa, 0.0)
        xtx = np.swapaxes(Xm, 1, 2) @ Xm
    # metafor: any eigenvalue of X'X <= evtol (1e-7) -> "Model matrix not of full rank"
    if (np.linalg.eigvalsh(xtx)[:, 0] <= 1e-7).any():
        raise ValueError("the design matrix X is not of full rank (metafor: evtol 1e-7)")
    return Xm


def fit_batch_regression(
    yi: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray,
    *,
    method: str = "REML",
    ci: str = "wald",
    level: float = 0.95,
    mask: np.ndarray | None = None,
    btt: Sequence[int] | None = None,
    _maxiter: int = _FISHER_MAXITER,
) -> BatchRegression:
    """Fit ``m`` meta-regressions ``yi ~ X`` at once (metafor ``rma.uni`` with ``mods``).

    ``yi``, ``vi``, ``mask``: ``(m, K)`` as in :func:`fit_batch`; ``X``: the design
    matrix, ``(K, p)`` shared by every row or ``(m, K, p)`` (e.g. rows of X permuted),
    with the intercept as a column of ones where the model has one. ``btt``: 0-based
    columns tested by QM (default: every column except an intercept, all if p = 1, as
    metafor). Every row needs k > p and a full-rank X. ``ci="hksj"`` is metafor's
    ``test="knha"``: t tests with k - p df and an F omnibus test.
    """
    method, level = check_model(method, ci, level)
    y, v, msk = _prepare(yi, vi, mask)
    Xm = _prepare_design(X, msk)
    p = Xm.shape[-1]
    if btt is None:
        is_int = _intercept_columns(Xm, msk)
        btt = [j for j in range(p) if not is_int[j]] if p > 1 and is_int.any() else range(p)
    btt_t = tuple(sorted({int(j) for j in btt}))
    if not btt_t or btt_t[0] < 0 or btt_t[-1] >= p:
        raise ValueError(f"btt must name columns 0..{p - 1}, got {list(btt)}")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _regression_arrays(y, v, msk, Xm, method, ci, level, btt_t, _maxiter)


def _regression_arrays(
    y: np.ndarray,
    v: np.ndarray,
    msk: np.ndarray,
    X: np.ndarray,
    method: str,
    ci: str,
    level: float,
    btt: tuple[int, ...],
    maxiter: int,
) -> BatchRegression:
    """The body of :func:`fit_batch_regression` on validated arrays."""
    k = msk.sum(axis=1)
    kf = k.astype(float)
    p = X.shape[-1]
    every = np.ones(k.shape, dtype=bool)
    yc, _, vscale = _centre(y, v, msk)
    d = _Data(yc, v, None if msk.all() else msk, X)
    fe = _fe_quantities(d, msk)
    tau2, converged = _estimate_tau2(d, msk, p, method, fe, every, vscale, maxiter)
    # the fixed-effects solve, on the uncentred yi as metafor
    w = _weights(v, d.mask, tau2)
    res = _wls(w, X, y)
    rss = _rowsum(w * res.resid * res.resid)
    t = _coef_tests(res.coef, res.vcov(), rss, kf, p, ci, level, btt)
    het = _heterogeneity(fe, kf, p, tau2, method, every)
    fitted = np.where(msk, y - res.resid, 0.0)
    return BatchRegression(
        method=method,
        ci_method=ci,
        level=level,
        btt=btt,
        k=k,
        p=p,
        coef=res.coef,
        **t,
        **het.residual(),
        fitted=fitted,
        residuals=np.where(msk, res.resid, 0.0),
        mask=msk,
        converged=converged,
    )


def _coef_tests(
    coef: np.ndarray,
    vcov: np.ndarray,
    rss: np.ndarray,
    kf: np.ndarray,
    p: int,
    ci: str,
    level: float,
    btt: tuple[int, ...],
) -> dict[str, np.ndarray | int]:
    """Per-coefficient z/t tests and CIs and the omnibus QM, as rma.uni (test z / knha)."""
    knha = ci == "hksj"
    kmp = kf - p
    s2w = np.where(rss <= _EPS, 0.0, rss / kmp) if knha else np.ones(kf.shape)
    se = np.sqrt(s2w[:, None] * np.diagonal(vcov, axis1=1, axis2=2))
    stat = _ratio(coef, se)
    use_t = np.full(se.shape, knha)
    p_value = _two_sided(stat, kmp[:, None], use_t)
    p_value = np.where((se == 0) & (coef == 0), 1.0, p_value)
    alpha = 1.0 - level
    crit = stdtrit(kmp, 1.0 - alpha / 2.0) if knha else np.full(kf.shape, ndtri(1.0 - alpha / 2))
    # QM = b' V^-1 b over btt; with knha V = s2w (X'WX)^-1, so divide the unscaled form
    b = coef[:, btt]
    sub = vcov[:, btt][:, :, btt]
    qm = (b * np.linalg.solve(sub, b[:, :, None])[:, :, 0]).sum(axis=1)
    m_df = len(btt)
    if knha:
        qm = np.where(s2w > 0, qm / s2w, np.nan) / m_df
        x = kmp / (kmp + m_df * qm)
        qm_p = np.where(qm > 0, betainc(kmp / 2.0, m_df / 2.0, x), 1.0)
        qm_df2 = kmp
    else:
        qm_p = chdtrc(float(m_df), qm)
        qm_df2 = np.full(kf.shape, np.nan)
    return {
        "se": se,
        "statistic": stat,
        "p_value": p_value,
        "ci_low": coef - crit[:, None] * se,
        "ci_high": coef + crit[:, None] * se,
        "vcov": s2w[:, None, None] * vcov,
        "df": np.where(knha, kmp, np.nan),
        "QM": qm,
        "QM_df": m_df,
        "QM_df2": qm_df2,
        "QM_p": np.where(np.isnan(qm), np.nan, qm_p),
        "zero_scale": s2w == 0.0,
    }
