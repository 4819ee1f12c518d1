"""Inverse-variance pooling: one vectorized numpy core, metafor 3.8 ``rma.uni`` semantics.

:func:`fit_batch` fits ``m`` intercept-only meta-analyses at once. Its inputs are
``(m, K)`` arrays ``yi``/``vi`` plus a boolean ``mask`` marking the real cells, so the
analyses may have different numbers of studies (ragged ``k``). All work is done on
whole arrays; the only Python loops run over iterations of the iterative solvers.
:func:`fit` is the one-analysis convenience wrapper returning :class:`~synthesis.results.Fit`.

Definitions follow ``metafor::rma.uni`` (3.8), ``predict.rma`` and ``confint.rma.uni``
(``type="QP"``) for the intercept-only model (``p = 1``):

``FE``    tau2 = 0.
``DL``    (Q - (k-1)) / (sum w - sum w^2 / sum w), w = 1/vi.
``HE``    (sum (yi - mean y)^2 - sum vi (k-1)/k) / (k-1).
``HS``    (Q - k) / sum w.
``SJ``    t0 * Q(t0) / (k-1), t0 = sum (yi - mean y)^2 / k (= var(yi) (k-1)/k), where
          Q(t) is the generalized Q statistic with weights 1/(vi + t).  Closed form.
``PM``    root of Q(tau2) = k-1 (0 when Q(0) < k-1).
``EB``    metafor's Fisher-type iteration tau2 += (Q(tau2) k/(k-1) - k) / sum w has the
          same fixed point as PM in the intercept-only model (Q(tau2) = k-1), so EB is
          solved with the PM solver; the two agree with metafor to its convergence.
``ML``    root of sum w^2 r^2 - sum w (score), by Fisher scoring from max(0, HE).
``REML``  root of sum w^2 r^2 - tr(P) (score), by Fisher scoring from max(0, HE).
Every estimate is truncated at 0. ML/REML repeat metafor's step halving at the 0 bound
and its ``ll0check`` (tau2 = 0 when the (restricted) likelihood at 0 is higher by more
than ``.Machine$double.eps^0.25``).

``Q(tau2)`` is convex and decreasing in tau2 (a partial minimum over mu of a jointly
convex quadratic-over-linear function), so Newton's method started at 0 on
``Q(tau2) = c`` climbs monotonically to the unique root without overshooting; PM, EB and
the Q-profile confidence interval for tau2 use that.  Rows that do not converge within
the iteration budget fall back to bisection with false-position (Illinois) steps on the
same estimating equation; ``converged`` is False only if that fails too.

Arrays in :class:`BatchFit` hold NaN where a value does not exist (tau2 for FE, a PI
when k < 3, heterogeneity when k = 1); :meth:`BatchFit.fit` turns them into ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synthesis.models.results import Fit
from synthesis.special import chdtrc, chdtri, ndtr, ndtri, stdtr, stdtrit

__all__ = [
    "CI_METHODS",
    "CLOSED_FORM_METHODS",
    "ITERATIVE_METHODS",
    "METHODS",
    "BatchFit",
    "fit",
    "fit_batch",
]

METHODS: tuple[str, ...] = ("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
CLOSED_FORM_METHODS: frozenset[str] = frozenset({"FE", "DL", "HE", "SJ", "HS"})
ITERATIVE_METHODS: frozenset[str] = frozenset({"REML", "ML", "PM", "EB"})
CI_METHODS: tuple[str, ...] = ("wald", "hksj")

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
    whose scale factor is 0 (all estimates equal): metafor then reports se = 0.
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
            out.append(
                "HKSJ scale factor is 0 (all estimates equal): the confidence interval "
                "has zero width, as in metafor"
            )
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
            statistic=float(self.statistic[i]),
            df=opt_int(self.df),
            p_value=float(self.p_value[i]),
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


def _gen_q(
    y: np.ndarray, v: np.ndarray, mask: np.ndarray | None, tau2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Generalized Q(tau2) = sum w (y - mu_w)^2 and its derivative -sum w^2 (y - mu_w)^2."""
    w = _weights(v, mask, tau2)
    sw = _rowsum(w)
    mu = _rowsum(w * y) / sw
    wr = w * (y - mu[:, None])
    wr2 = wr * (y - mu[:, None])
    return _rowsum(wr2), -_rowsum(wr * wr)


def _solve_q(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray | None,
    target: np.ndarray,
    rows: np.ndarray,
    scale: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Root of Q(tau2) = target for the rows flagged in ``rows`` (requires Q(0) > target).

    Newton from 0 (monotone because Q is convex and decreasing); Illinois bracketing
    fallback for rows that exhaust the Newton budget. Returns (root, converged); rows not
    flagged get 0.
    """
    m = y.shape[0]
    x = np.zeros(m)
    conv = ~rows.copy()
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return x, np.ones(m, dtype=bool)
    ys, vs, ms, ts, sc = y[idx], v[idx], _take(mask, idx), target[idx], scale[idx]
    xs = np.zeros(idx.size)
    active = np.ones(idx.size, dtype=bool)
    for _ in range(_NEWTON_MAXITER):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        rs = slice(None) if a.size == idx.size else a  # a view while every row is live
        q, dq = _gen_q(ys[rs], vs[rs], _take(ms, rs), xs[a])
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
        root, okb = _root_search(
            lambda t, sel: (
                _gen_q(ys[a][sel], vs[a][sel], _take(_take(ms, a), sel), t)[0] - ts[a][sel]
            ),
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


def _score_ml_reml(
    y: np.ndarray, v: np.ndarray, mask: np.ndarray | None, tau2: np.ndarray, reml: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(score, expected information) for ML/REML, in metafor's Fisher scoring form."""
    w = _weights(v, mask, tau2)
    sw = _rowsum(w)
    w2 = w * w
    sw2 = _rowsum(w2)
    mu = _rowsum(w * y) / sw
    r = y - mu[:, None]
    ypp = _rowsum(w2 * r * r)  # Y'PPY
    if reml:
        trp = sw - sw2 / sw
        trpp = sw2 - 2.0 * _rowsum(w2 * w) / sw + (sw2 / sw) ** 2
        return ypp - trp, trpp
    return ypp - sw, sw2


def _loglik(
    y: np.ndarray, v: np.ndarray, mask: np.ndarray | None, tau2: np.ndarray, reml: bool
) -> np.ndarray:
    """(Restricted) log-likelihood up to terms that do not depend on tau2."""
    w = _weights(v, mask, tau2)
    sw = _rowsum(w)
    mu = _rowsum(w * y) / sw
    r = y - mu[:, None]
    logv = np.log(v + tau2[:, None])
    if mask is not None:
        logv = np.where(mask, logv, 0.0)
    ll = -0.5 * _rowsum(logv) - 0.5 * _rowsum(w * r * r)
    if reml:
        ll = ll - 0.5 * np.log(sw)
    return ll


def _fisher(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray | None,
    start: np.ndarray,
    rows: np.ndarray,
    scale: np.ndarray,
    reml: bool,
    maxiter: int,
) -> tuple[np.ndarray, np.ndarray]:
    """ML/REML tau2 by metafor's Fisher scoring, with bracketing fallback."""
    m = y.shape[0]
    tau2 = np.zeros(m)
    conv = np.ones(m, dtype=bool)
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return tau2, conv
    ys, vs, ms, sc = y[idx], v[idx], _take(mask, idx), scale[idx]
    t = start[idx].astype(float).copy()
    active = np.ones(idx.size, dtype=bool)
    prev = np.full(idx.size, np.inf)
    for _ in range(maxiter):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        rs = slice(None) if a.size == idx.size else a  # a view while every row is live
        score, info = _score_ml_reml(ys[rs], vs[rs], _take(ms, rs), t[a], reml)
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
        big = np.maximum(new, 1e-2 * sc[a])
        done = (change <= _REL_TOL * big) | ((change >= prev[a]) & (change <= 1e-9 * big))
        prev[a] = change
        active[a[done]] = False
    ok = ~active
    # rows heading for the 0 bound: set exactly 0 when the score at 0 is <= 0
    near0 = t <= 1e-8 * sc
    if near0.any():
        s0, _ = _score_ml_reml(ys, vs, ms, np.zeros(idx.size), reml)
        zero = near0 & (s0 <= 0)
        t[zero] = 0.0
        ok[zero] = True
    if not ok.all():
        a = np.flatnonzero(~ok)
        root, okr = _root_search(
            lambda tt, sel: _score_ml_reml(
                ys[a][sel], vs[a][sel], _take(_take(ms, a), sel), tt, reml
            )[0],
            t[a].copy(),
            sc[a],
        )
        t[a] = root
        ok[a] = okr
    # metafor's ll0check: prefer tau2 = 0 when its likelihood is higher (by > tol)
    pos = t > 0
    if pos.any():
        p = np.flatnonzero(pos)
        ll0 = _loglik(ys[p], vs[p], _take(ms, p), np.zeros(p.size), reml)
        ll1 = _loglik(ys[p], vs[p], _take(ms, p), t[p], reml)
        t[p[ll0 - ll1 > _LL0_TOL]] = 0.0
    tau2[idx] = t
    conv[idx] = ok
    return tau2, conv


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
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if ci not in CI_METHODS:
        raise ValueError(f"unknown ci {ci!r}; expected 'wald' or 'hksj'")
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    y, v, msk = _prepare(yi, vi, mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _fit_arrays(y, v, msk, method, ci, level, tau2_ci, _maxiter)


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
    m = y.shape[0]
    k = msk.sum(axis=1)
    kf = k.astype(float)
    hm = None if msk.all() else msk  # helpers skip the masking when every cell is real
    multi = k >= 2
    km1 = np.maximum(kf - 1.0, 1.0)  # k - 1, guarded for k = 1 rows
    alpha = 1.0 - level

    # centre each row at its arithmetic mean (metafor's Ymc) for numerical accuracy
    ybar = _rowsum(y) / kf
    yc = np.where(msk, y - ybar[:, None], 0.0)
    vscale = _rowsum(v * msk) / kf  # typical sampling variance, for absolute tolerances

    # fixed-effect (w = 1/vi) quantities: Q, tr(P)
    w0 = np.where(msk, 1.0 / v, 0.0)
    s1 = _rowsum(w0)
    s2 = _rowsum(w0 * w0)
    mu0 = _rowsum(w0 * yc) / s1
    r0 = yc - mu0[:, None]
    q_fe = np.maximum(0.0, _rowsum(w0 * r0 * r0 * msk))
    trp_fe = s1 - s2 / s1

    converged = np.ones(m, dtype=bool)
    if method == "FE":
        tau2 = np.zeros(m)
    elif method == "DL":
        tau2 = (q_fe - (kf - 1.0)) / trp_fe
    elif method == "HS":
        tau2 = (q_fe - kf) / s1
    elif method == "HE":
        tau2 = (_rowsum(yc * yc) - _rowsum(v * msk) * (kf - 1.0) / kf) / km1
    elif method == "SJ":
        t0 = _rowsum(yc * yc) / kf
        q_t0, _ = _gen_q(yc, v, hm, t0)
        tau2 = t0 * q_t0 / km1
    elif method in ("PM", "EB"):
        target = kf - 1.0
        rows = multi & (q_fe > target)
        tau2, converged = _solve_q(yc, v, hm, target, rows, vscale)
    else:  # ML, REML
        he = (_rowsum(yc * yc) - _rowsum(v * msk) * (kf - 1.0) / kf) / km1
        tau2, converged = _fisher(
            yc, v, hm, np.maximum(he, 0.0), multi, vscale, method == "REML", maxiter
        )
    tau2 = np.where(multi & np.isfinite(tau2), np.maximum(tau2, 0.0), 0.0)

    # the pooled estimate
    w = _weights(v, hm, tau2)
    sw = _rowsum(w)
    mu_c = _rowsum(w * yc) / sw
    estimate = mu_c + ybar
    se_wald = np.sqrt(1.0 / sw)
    weights = 100.0 * w / sw[:, None]
    weights = np.where(multi[:, None], weights, np.where(msk, 100.0, 0.0))  # k = 1: exactly 100

    use_t = (ci == "hksj") & multi
    hksj_fallback = np.full(m, ci == "hksj") & ~multi
    rc = yc - mu_c[:, None]
    rss = _rowsum(w * rc * rc)
    s2w = np.where(rss <= _EPS, 0.0, rss / km1)  # metafor: RSS.knha <= eps -> s2w = 0
    se = np.where(use_t, np.sqrt(s2w / sw), se_wald)
    hksj_zero_scale = use_t & (s2w == 0.0)
    df = np.where(use_t, kf - 1.0, np.nan)
    crit = np.where(use_t, stdtrit(km1, 1.0 - alpha / 2.0), ndtri(1.0 - alpha / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = estimate / se
    stat = np.where(se > 0, stat, np.where(estimate == 0, 0.0, np.copysign(np.inf, estimate)))
    absz = -np.abs(stat)
    p_value = np.where(use_t, 2.0 * stdtr(km1, absz), 2.0 * ndtr(absz))
    p_value = np.where((se == 0) & (estimate == 0), 1.0, p_value)
    ci_low = estimate - crit * se
    ci_high = estimate + crit * se

    # heterogeneity
    nan = np.full(m, np.nan)
    q_out = np.where(multi, q_fe, np.nan)
    q_df = np.where(multi, kf - 1.0, np.nan)
    q_p = np.where(multi, chdtrc(km1, q_fe), np.nan)
    if method == "FE":
        with np.errstate(divide="ignore", invalid="ignore"):
            i2 = np.where(q_fe > 0, np.maximum(0.0, 100.0 * (q_fe - (kf - 1.0)) / q_fe), 0.0)
        h2 = q_fe / km1
        tau2_out = nan.copy()
    else:
        vt = (kf - 1.0) / trp_fe
        i2 = 100.0 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1.0
        tau2_out = np.where(multi, tau2, np.nan)
    i2 = np.where(multi, i2, np.nan)
    h2 = np.where(multi, h2, np.nan)

    # prediction interval: metafor predict(); none for FE or k < 3 (contract)
    if method == "FE":
        pi_low = pi_high = nan.copy()
    else:
        half = crit * np.sqrt(se * se + tau2)
        has_pi = k >= 3
        pi_low = np.where(has_pi, estimate - half, np.nan)
        pi_high = np.where(has_pi, estimate + half, np.nan)

    # Q-profile CI for tau2 (confint.rma.uni, type="QP")
    tau2_lo = nan.copy()
    tau2_hi = nan.copy()
    ci_null = np.zeros(m, dtype=bool)
    if tau2_ci and method != "FE" and multi.any():
        tau2_lo, tau2_hi, ci_null, conv_ci = _qprofile(yc, v, hm, km1, tau2, multi, alpha, vscale)
        converged = converged & conv_ci

    return BatchFit(
        method=method,
        ci_method=ci,
        level=level,
        k=k,
        estimate=estimate,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        pi_low=pi_low,
        pi_high=pi_high,
        statistic=stat,
        df=df,
        p_value=p_value,
        tau2=tau2_out,
        tau2_ci_low=tau2_lo,
        tau2_ci_high=tau2_hi,
        I2=i2,
        H2=h2,
        Q=q_out,
        Q_df=q_df,
        Q_p=q_p,
        weights=weights,
        mask=msk,
        converged=converged,
        hksj_fallback=hksj_fallback,
        hksj_zero_scale=hksj_zero_scale,
        tau2_ci_null=ci_null,
    )


def _qprofile(
    yc: np.ndarray,
    v: np.ndarray,
    msk: np.ndarray | None,
    df: np.ndarray,
    tau2: np.ndarray,
    rows: np.ndarray,
    alpha: float,
    scale: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """confint.rma.uni(type="QP"): bounds in [0, max(100, 10 tau2)] as metafor has them."""
    m = yc.shape[0]
    crit_u = chdtri(df, alpha / 2.0)  # upper quantile -> lower bound
    crit_l = chdtri(df, 1.0 - alpha / 2.0)  # lower quantile -> upper bound
    tmax = np.maximum(100.0, 10.0 * tau2)
    q0, _ = _gen_q(yc, v, msk, np.zeros(m))
    qmax, _ = _gen_q(yc, v, msk, tmax)

    # upper bound
    ub_null = rows & (q0 < crit_l)
    ub_cap = rows & ~ub_null & (qmax > crit_l)
    ub_solve = rows & ~ub_null & ~ub_cap
    ub, ok_u = _solve_q(yc, v, msk, crit_l, ub_solve, scale)
    ub = np.where(ub_null, 0.0, np.where(ub_cap, tmax, ub))
    # lower bound
    lb_cap = rows & (qmax > crit_u)
    lb_zero = rows & ~lb_cap & (q0 < crit_u)
    lb_solve = rows & ~lb_cap & ~lb_zero
    lb, ok_l = _solve_q(yc, v, msk, crit_u, lb_solve, scale)
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
