"""Three-level random-effects model: rows nested in clusters (metafor 3.8 ``rma.mv``).

:func:`fit_multilevel` reproduces ::

    rma.mv(yi, vi, random = ~ 1 | cluster/row, method = "REML" | "ML", test = "z" | "t")

(Konstantopoulos S. Fixed effects and variance components estimation in three-level
meta-analysis. Res Synth Methods 2011;2:61-76; Cheung MWL. Modeling dependent effect
sizes with three-level meta-analyses: a structural equation modeling approach. Psychol
Methods 2014;19:211-29; Viechtbauer W. Conducting meta-analyses in R with the metafor
package. J Stat Softw 2010;36(3)).  The model for row ``i`` of cluster ``c`` is ::

    y_ci = mu + u_c + e_ci + eps_ci,   u_c ~ N(0, s_c),  e_ci ~ N(0, s_r),  eps_ci ~ N(0, v_ci)

so the marginal covariance is block diagonal, one block per cluster::

    V_c = s_c J + diag(v + s_r) = D + s_c 1 1',    D = diag(d),  d_i = v_i + s_r.

Everything is computed from the closed-form inverse of that block (Sherman-Morrison):
with ``a = 1/d``, ``A_c = sum a``, ``g_c = 1 + s_c A_c``::

    V_c^-1 = diag(a) - (s_c / g_c) a a',    log det V_c = sum log d_i + log g_c,

so the (restricted) log-likelihood, its exact gradient and its exact Hessian in
``(s_c, s_r)`` are sums over rows and clusters (``numpy.bincount``): O(k) time and
memory, no k x k matrix.  With ``P = V^-1 - V^-1 1 1' V^-1 / (1' V^-1 1)`` and
``V_1 = J`` (cluster), ``V_2 = I`` (row)::

    ML     l   = -k/2 log 2pi - 1/2 log|V| - 1/2 r'V^-1 r
    REML   l_R = -(k-1)/2 log 2pi + 1/2 log k - 1/2 log|V| - 1/2 log(1'V^-1 1) - 1/2 r'V^-1 r
    dl/ds_j        = -1/2 tr(X V_j) + 1/2 y'P V_j P y          (X = V^-1 for ML, P for REML)
    d2l/ds_i ds_j  =  1/2 tr(X V_i X V_j) - y'P V_i P V_j P y

(``r = y - mu_hat``, ``P y = V^-1 r``; the constants are metafor's, ``REMLf = TRUE``, so
``loglik`` equals ``logLik(res)``).  The maximum over ``s_c, s_r >= 0`` is found by a
projected Newton method with an active set for the bound at 0 (Fisher-scoring steps where
the Hessian is not negative definite, step halving on the log-likelihood), started from
metafor's initial values and from every local maximum of a coarse likelihood scan along
rays of fixed s_c : s_r (the likelihood can have two local maxima); the best end point is
kept.  It stops when the Newton step is below 1e-12 relative, far tighter than metafor's
``nlminb`` defaults (which leave the variance components off by up to ~3e-5 relative on
2,000 rows, ~1e-6 on small data).

Reported, as metafor does for this model (p = 1 fixed effect):

* ``estimate`` = mu_hat, ``se`` = (1'V^-1 1)^-1/2; ``ci_method="wald"``: z test and
  interval (``test="z"``); ``"hksj"``: t test and interval with ``df = k - 1``, which is
  what ``rma.mv(test = "t")`` does (``dfs = "residual"``: k - p).  rma.mv has no
  Knapp-Hartung scale factor, so ``se`` is the same under both.
* ``variance_components``: sigma2 of the cluster level (n = number of clusters) and of the
  row level (n = k), ``tau2`` = their sum, ``tau = sqrt(tau2)``.
* prediction interval ``mu_hat +/- crit * sqrt(se^2 + sigma2_cluster + sigma2_row)``
  (``predict.rma`` for rma.mv, ``crit`` the same z or t quantile as the CI); ``None`` for
  k < 3 rows (the contract's rule).
* ``Q``: rma.mv's QE, the fixed-effect heterogeneity statistic ``sum (y - mu_FE)^2 / v``
  with ``k - 1`` df.
* ``I2``: the multilevel I2 of Cheung (2014) / the metafor project page "I^2 for multilevel
  and multivariate models": ``100 * sum sigma2 / (sum sigma2 + (k - 1) / tr(P_FE))`` with
  ``P_FE = W - W 1 1'W / sum w``, ``W = diag(1/v)`` (the "typical" sampling variance), and
  per level ``100 * sigma2_j / (sum sigma2 + (k - 1) / tr(P_FE))``; ``H2`` is the
  matching ``(sum sigma2 + vt) / vt`` (metafor reports no H2 for rma.mv).
* ``weights``: percents of the row sums of ``W = V^-1`` (``weights(res, type = "rowsum")``):
  the estimate is exactly ``sum(weights * y) / 100``; ``weights_diagonal``: percents of
  ``diag(W)``, metafor's default ``weights(res)``.

Special cases: one cluster holding every row -> sigma2_cluster is fixed at 0, as metafor
does for a single-level factor (with a warning); every cluster with one row -> only the
sum is identified (metafor fits it without comment; its default optimizer splits the sum
equally): the sum is estimated and split equally, with a warning; k = 1 -> the estimate is
the row's own, no variance components, heterogeneity or PI (metafor refuses to fit).
Either component may also be held at a given value (``sigma2_cluster=``/``sigma2_row=``,
metafor's ``sigma2 = c(., .)``).  No value is ever NaN: what does not exist is ``None``
with the reason in ``warnings``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthesis.models.results import Fit, clean
from synthesis.special import chdtrc, ndtr, ndtri, stdtr, stdtrit

__all__ = ["CI_METHODS", "METHODS", "MultilevelFit", "VarianceComponent", "fit_multilevel"]

METHODS: tuple[str, ...] = ("REML", "ML")
CI_METHODS: tuple[str, ...] = ("wald", "hksj")

_LOG2PI = math.log(2.0 * math.pi)
_MAXITER = 200
_XTOL = 1e-12  # relative Newton step at which the iteration counts as converged
_ACCEPT_TOL = 1e-6  # a stalled iteration still counts as converged below this step
_ZERO_SNAP = 1e-14  # a variance component below 1e-14 * mean(vi) is the bound 0
_FINAL_GAIN = 1e-10  # predicted log-likelihood gain below which Newton steps are trusted


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class VarianceComponent:
    """One level of the model: ``{"level": "cluster", "sigma2": 0.2, "n": 8}`` (contract 6)."""

    level: str  # "cluster" or "row"
    sigma2: float | None  # None only when k = 1
    n: int  # number of levels: clusters, or rows
    fixed: bool  # held at a given value (by the caller, or 0 for a single cluster)
    I2: float | None  # percent of the total variance due to this level (Cheung 2014)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "sigma2": clean(self.sigma2),
            "n": int(self.n),
            "fixed": bool(self.fixed),
            "I2": clean(self.I2),
        }


@dataclass(frozen=True)
class MultilevelFit:
    """A fitted three-level model on the analysis scale (what ``rma.mv`` reports)."""

    k: int
    n_clusters: int
    method: str  # REML or ML
    ci_method: str  # "wald" (z) or "hksj" (t with k - 1 df, rma.mv test = "t")
    level: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    statistic: float  # z or t
    df: int | None  # None for z, k - 1 for t
    p_value: float
    variance_components: tuple[VarianceComponent, ...]  # (cluster, row)
    tau2: float | None  # sum of the two sigma2
    tau: float | None
    I2: float | None  # percent
    H2: float | None
    Q: float | None
    Q_df: int | None
    Q_p: float | None
    weights: tuple[float, ...]  # percent, row sums of V^-1, input order; sums to 100
    weights_diagonal: tuple[float, ...]  # percent, diag(V^-1): metafor's weights() default
    loglik: float | None  # the maximized (restricted) log-likelihood, as logLik(res)
    identified: bool  # False when every cluster has one row (only tau2 is identified)
    converged: bool
    iterations: int
    warnings: tuple[str, ...] = ()

    @property
    def sigma2_cluster(self) -> float | None:
        return self.variance_components[0].sigma2

    @property
    def sigma2_row(self) -> float | None:
        return self.variance_components[1].sigma2

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "variance_components":
                out[name] = [vc.to_dict() for vc in value]
            elif isinstance(value, tuple):
                out[name] = [clean(x) for x in value]
            else:
                out[name] = clean(value)
        return out

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        d = self.to_dict()
        for key in ("weights", "weights_diagonal", "warnings", "variance_components"):
            d.pop(key)
        for vc in self.variance_components:
            d[f"sigma2_{vc.level}"] = clean(vc.sigma2)
            d[f"n_{vc.level}"] = vc.n
            d[f"I2_{vc.level}"] = clean(vc.I2)
        return pd.DataFrame([d])

    def to_fit(self) -> Fit:
        """The same model as a :class:`~synthesis.results.Fit` (tau2 = sum of sigma2)."""
        return Fit(
            k=self.k,
            method=self.method,
            ci_method=self.ci_method,
            level=self.level,
            estimate=self.estimate,
            se=self.se,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            pi_low=self.pi_low,
            pi_high=self.pi_high,
            statistic=self.statistic,
            df=self.df,
            p_value=self.p_value,
            tau2=self.tau2,
            tau2_ci_low=None,
            tau2_ci_high=None,
            tau=self.tau,
            I2=self.I2,
            H2=self.H2,
            Q=self.Q,
            Q_df=self.Q_df,
            Q_p=self.Q_p,
            weights=self.weights,
            converged=self.converged,
            notes=self.warnings,
        )


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _State:
    """Everything the fit needs at one (s_c, s_r)."""

    loglik: float
    grad: np.ndarray  # (2,)
    hess: np.ndarray  # (2, 2) observed Hessian of loglik
    fisher: np.ndarray  # (2, 2) expected information
    mu: float  # on the centred scale
    sum_w: float  # 1' V^-1 1
    w_row: np.ndarray  # V^-1 1 (row sums of W)
    w_diag: np.ndarray  # diag(V^-1)


class _Model:
    """y (centred), v and integer cluster codes; evaluates l, dl, d2l in O(k)."""

    def __init__(self, y: np.ndarray, v: np.ndarray, codes: np.ndarray, reml: bool) -> None:
        self.y = y
        self.v = v
        self.g = codes
        self.n_clusters = int(codes.max()) + 1
        self.k = y.size
        self.reml = reml
        self.evals = 0

    def _sum(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.g, weights=x, minlength=self.n_clusters)

    def loglik(self, theta: np.ndarray) -> float:
        return self.state(theta, derivatives=False).loglik

    def state(self, theta: np.ndarray, derivatives: bool = True) -> _State:
        self.evals += 1
        sc, sr = float(theta[0]), float(theta[1])
        y, v, g, k = self.y, self.v, self.g, self.k
        d = v + sr
        a = 1.0 / d
        big_a = self._sum(a)  # A_c
        gc = 1.0 + sc * big_a
        h = sc / gc
        t = big_a / gc  # 1_c' V_c^-1 1_c
        s = float(t.sum())  # 1' V^-1 1
        mu = float((self._sum(a * y) / gc).sum() / s)
        r = y - mu
        ar = a * r
        big_ar = self._sum(ar)
        z = ar - (h * big_ar)[g] * a  # V^-1 r = P y
        rss = float(np.dot(r, z))
        logdet = float(np.log(d).sum() + np.log1p(sc * big_a).sum())
        if self.reml:
            ll = -0.5 * (k - 1) * _LOG2PI + 0.5 * math.log(k) - 0.5 * logdet
            ll += -0.5 * math.log(s) - 0.5 * rss
        else:
            ll = -0.5 * k * _LOG2PI - 0.5 * logdet - 0.5 * rss
        w_row = a / gc[g]
        a2 = self._sum(a * a)
        w_diag = a - h[g] * a * a
        if not derivatives:
            empty = np.zeros(2)
            return _State(ll, empty, np.zeros((2, 2)), np.zeros((2, 2)), mu, s, w_row, w_diag)

        a3 = self._sum(a * a * a)
        u2 = a2 / (gc * gc)  # ||V_c^-1 1_c||^2
        tr_vinv = float(a.sum() - (h * a2).sum())
        sum_t2 = float((t * t).sum())
        sum_u2 = float(u2.sum())
        # tr(X V_i X V_j), X = V^-1
        vv = np.array(
            [
                [sum_t2, sum_u2],
                [sum_u2, float((a2 - 2.0 * h * a3 + h * h * a2 * a2).sum())],
            ]
        )
        if self.reml:  # X = P: tr(V^-1 M V^-1 N) - 2 u'N V^-1 M u / S + (u'Mu)(u'Nu) / S^2
            nvec = np.array([sum_t2, sum_u2])
            m_cc = float((t**3).sum())
            m_cr = float((t * u2).sum())
            m_rr = float(((a3 - h * a2 * a2) / (gc * gc)).sum())
            mm = np.array([[m_cc, m_cr], [m_cr, m_rr]])
            tr2 = vv - 2.0 * mm / s + np.outer(nvec, nvec) / (s * s)
            tr1 = np.array([s - sum_t2 / s, tr_vinv - sum_u2 / s])
        else:
            tr2 = vv
            tr1 = np.array([s, tr_vinv])
        wz = self._sum(z)  # 1_c' z_c
        quad = np.array([float((wz * wz).sum()), float(np.dot(z, z))])
        grad = 0.5 * (quad - tr1)
        # y'P V_i P V_j P y = (V_i z)' V^-1 (V_j z) - (u'V_i z)(u'V_j z) / S
        az = a * z
        big_az = self._sum(az)
        uz = big_az / gc  # u_c' z_c
        tw = float((t * wz).sum())
        suz = float(uz.sum())
        q_cc = float((wz * wz * t).sum()) - tw * tw / s
        q_cr = float((wz * uz).sum()) - tw * suz / s
        q_rr = float(np.dot(az, z) - (h * big_az * big_az).sum()) - suz * suz / s
        qd = np.array([[q_cc, q_cr], [q_cr, q_rr]])
        hess = 0.5 * tr2 - qd
        return _State(ll, grad, hess, 0.5 * tr2, mu, s, w_row, w_diag)


def _direction(st: _State, work: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Newton direction on the working set (Fisher scoring if -H is not PD), the
    diagonally scaled gradient as a fallback ascent direction, and whether the first
    one is a Newton step."""
    idx = np.flatnonzero(work)
    grad = st.grad[idx]
    fisher = st.fisher[np.ix_(idx, idx)]
    neg_h = -st.hess[np.ix_(idx, idx)]
    scale = np.sqrt(np.maximum(np.diag(fisher), np.finfo(float).tiny))
    fallback = grad / (scale * scale)
    direction = None
    newton = False
    for is_newton, mat in ((True, neg_h), (False, fisher)):
        # solve on the diagonally scaled matrix for conditioning
        ms = mat / np.outer(scale, scale)
        try:
            chol = np.linalg.cholesky(ms)
        except np.linalg.LinAlgError:
            continue
        step = np.linalg.solve(chol.T, np.linalg.solve(chol, grad / scale)) / scale
        if np.all(np.isfinite(step)) and float(np.dot(step, grad)) >= 0.0:
            direction = step
            newton = is_newton
            break
    if direction is None:
        direction = fallback
    full = np.zeros(2)
    full[idx] = direction
    fb = np.zeros(2)
    fb[idx] = fallback
    return full, fb, newton


def _maximize(
    model: _Model, theta0: np.ndarray, free: np.ndarray, scale: float
) -> tuple[np.ndarray, _State, bool, int]:
    """Projected Newton ascent over theta >= 0 on the free components.

    Far from the optimum every step is checked on the log-likelihood (step halving).
    Close to it (a Newton step whose predicted gain is below what the log-likelihood can
    resolve, ~1e-10) the full Newton steps are taken on the strength of the exact
    gradient, which converges quadratically to ~1e-15 relative where a comparison of
    log-likelihood values could not get past ~1e-8.
    """
    floor = _ZERO_SNAP * scale

    def snap(x: np.ndarray) -> np.ndarray:
        # the bound: below the rounding level of a variance of this scale, a value is 0
        return np.where(x <= floor, 0.0, x)

    theta = np.where(free, snap(theta0), theta0).astype(float)
    st = model.state(theta)
    prev_size = math.inf
    for it in range(1, _MAXITER + 1):
        # active set: at the bound and pushing outward
        active = free & (theta <= 0.0) & (st.grad <= 0.0)
        work = free & ~active
        if not work.any():
            return theta, st, True, it
        direction, fallback, newton = _direction(st, work)
        rel_step = np.abs(direction)[work] / (np.abs(theta) + 1e-3 * scale)[work]
        size = float(rel_step.max())
        gain = 0.5 * float(np.dot(direction, st.grad))
        if newton and gain <= _FINAL_GAIN * (1.0 + abs(st.loglik)):
            cand = np.where(work, snap(theta + direction), theta)
            theta, st = cand, model.state(cand)
            # done when the step is negligible, or stops shrinking at the rounding floor
            if size <= _XTOL or (size <= _ACCEPT_TOL and size >= 0.5 * prev_size):
                return theta, st, True, it
            prev_size = size
            continue
        accepted = False
        for d in (direction, fallback):
            alpha = 1.0
            while alpha > 1e-12:
                cand = np.where(work, snap(theta + alpha * d), theta)
                if model.loglik(cand) >= st.loglik:
                    accepted = True
                    break
                alpha *= 0.5
            if accepted:
                break
        if not accepted or np.array_equal(cand, theta):
            # no ascent at all: the optimum to rounding, if the step was already small
            return theta, st, size <= _ACCEPT_TOL, it
        theta = cand
        st = model.state(theta)
        if size <= _XTOL:
            return theta, st, True, it
        prev_size = math.inf
    return theta, st, False, _MAXITER


def _initial_total(y: np.ndarray, v: np.ndarray) -> float:
    """metafor's rma.mv start: max(0.002, var(y - mu_FE) - 1/mean(1/v)) for 2 components."""
    w = 1.0 / v
    mu = float(np.dot(w, y) / w.sum())
    res = y - mu
    var = float(np.dot(res - res.mean(), res - res.mean()) / (y.size - 1))
    return max(0.002, var - 1.0 / float(np.mean(w)))


def _starts(
    model: _Model, free: np.ndarray, theta_fixed: np.ndarray, scale: float
) -> list[np.ndarray]:
    """Starting points: metafor's, plus the local maxima of the log-likelihood along rays.

    The (restricted) likelihood of variance components can have more than one local
    maximum (e.g. one at 0 and one inside), and a single start may end at the lower one.
    So the log-likelihood is scanned on a geometric grid of totals s_c + s_r (0, and
    1e-4 .. 1 times max(2 var(y), mean(vi)), 14 values) along the rays s_c / (s_c + s_r) in
    {0, 1/4, 1/2, 3/4, 1} (only the free directions); every local maximum along a ray is a
    start, as is metafor's own start (``_initial_total`` split equally).
    """
    total = _initial_total(model.y, model.v)
    hi = max(2.0 * float(np.var(model.y)), scale)
    grid = np.concatenate(([0.0], hi * np.logspace(-4.0, 0.0, 13)))
    if free.all():
        rays = (0.0, 0.25, 0.5, 0.75, 1.0)
        first = np.array([total / 2.0, total / 2.0])
    else:
        rays = (0.0,)
        first = np.where(free, total, theta_fixed)
    starts = [first]
    for frac in rays:
        points = [
            np.where(free, np.array([frac * t, (1.0 - frac) * t]) if free.all() else t, theta_fixed)
            for t in grid
        ]
        ll = np.array([model.loglik(p) for p in points])
        for i, p in enumerate(points):
            left = ll[i - 1] if i > 0 else -np.inf
            right = ll[i + 1] if i + 1 < ll.size else -np.inf
            if ll[i] >= left and ll[i] >= right:
                starts.append(p)
    return starts


# --------------------------------------------------------------------------- fitting


def _codes(cluster: Sequence[Hashable], k: int) -> np.ndarray:
    labels = list(cluster)
    if len(labels) != k:
        raise ValueError(f"cluster must have one label per row: {len(labels)} labels, k = {k}")
    index: dict[Hashable, int] = {}
    codes = np.empty(k, dtype=np.intp)
    for i, lab in enumerate(labels):
        if lab is None or (isinstance(lab, float) and math.isnan(lab)):
            raise ValueError(f"cluster label of row {i + 1} is missing")
        try:
            codes[i] = index.setdefault(lab, len(index))
        except TypeError as exc:
            raise ValueError(f"cluster label of row {i + 1} is not hashable: {lab!r}") from exc
    return codes


def _check_fixed(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    x = float(value)
    if not math.isfinite(x) or x < 0.0:
        raise ValueError(f"{name} must be a finite value >= 0 or None, got {value!r}")
    return x


def fit_multilevel(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    cluster: Sequence[Hashable],
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
    sigma2_cluster: float | None = None,
    sigma2_row: float | None = None,
) -> MultilevelFit:
    """Fit ``rma.mv(yi, vi, random = ~ 1 | cluster/row)`` (see the module docstring).

    ``cluster`` holds one hashable label per row (rows with equal labels share a
    cluster).  ``sigma2_cluster``/``sigma2_row`` hold a component at a given value instead
    of estimating it (metafor's ``sigma2 = c(., .)``).  Raises ``ValueError`` for k = 0,
    mismatched lengths, non-finite ``yi``, ``vi <= 0`` or non-finite, missing cluster labels,
    or an unknown ``method``/``ci_method``/``level``.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if ci_method not in CI_METHODS:
        raise ValueError(f"unknown ci_method {ci_method!r}; expected 'wald' or 'hksj'")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    level = float(level)
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or v.ndim != 1 or y.shape != v.shape:
        raise ValueError("yi and vi must be 1-D sequences of the same length")
    k = y.size
    if k == 0:
        raise ValueError("k = 0: no rows to pool")
    if not np.all(np.isfinite(y)):
        raise ValueError("yi contains non-finite values")
    if not np.all(np.isfinite(v) & (v > 0)):
        raise ValueError("vi must be finite and > 0")
    codes = _codes(cluster, k)
    fixed_in = (
        _check_fixed("sigma2_cluster", sigma2_cluster),
        _check_fixed("sigma2_row", sigma2_row),
    )
    n_clusters = int(codes.max()) + 1
    warnings: list[str] = []
    alpha = 1.0 - level

    if k == 1:
        return _single_row(y, v, method, ci_method, level, fixed_in)

    # centre at the arithmetic mean for accuracy; metafor's results are shift-equivariant
    ybar = float(y.mean())
    model = _Model(y - ybar, v, codes, reml=method == "REML")
    scale = float(np.mean(v))

    fixed = np.array([fixed_in[0] is not None, fixed_in[1] is not None])
    theta_fixed = np.array([fixed_in[0] or 0.0, fixed_in[1] or 0.0])
    if n_clusters == 1 and not fixed[0]:
        fixed[0] = True
        theta_fixed[0] = 0.0
        warnings.append(
            f"all {k} rows are in one cluster: sigma2 of the cluster level is fixed at 0 "
            "(as metafor does for a single-level factor); the model is the two-level "
            "random-effects model with tau2 = sigma2 of the row level"
        )
    singletons = n_clusters == k  # every cluster has one row
    split = singletons and not fixed.any()
    identified = not split
    if split:
        # the likelihood depends on s_c + s_r only: estimate the sum on the row level
        fixed[0] = True
        theta_fixed[0] = 0.0
        warnings.append(
            "every cluster has one row, so sigma2 of the cluster and of the row level are "
            "not separately identified: only their sum (tau2) is estimated; it is split "
            "equally between the two levels, as metafor's default optimizer ends up doing, "
            "and the per-level values carry no information"
        )

    free = ~fixed
    best = None
    iterations = 0
    for theta0 in _starts(model, free, theta_fixed, scale):
        theta, st, ok, its = _maximize(model, theta0, free, scale)
        iterations += its
        if best is None or st.loglik > best[1].loglik:
            best = (theta, st, ok)
    assert best is not None
    theta, st, converged_all = best
    if split:
        theta = np.array([theta[1] / 2.0, theta[1] / 2.0])
        st = model.state(theta)
    if not converged_all:
        warnings.append(
            f"{method} estimation of the variance components did not converge within "
            f"{_MAXITER} iterations; the results are from the last iterate"
        )

    sc, sr = float(theta[0]), float(theta[1])
    tau2 = sc + sr
    estimate = st.mu + ybar
    se = 1.0 / math.sqrt(st.sum_w)
    use_t = ci_method == "hksj"
    df = k - 1
    if use_t:
        crit = float(stdtrit(float(df), 1.0 - alpha / 2.0))
    else:
        crit = float(ndtri(1.0 - alpha / 2.0))
    stat = estimate / se
    p_value = float(2.0 * (stdtr(float(df), -abs(stat)) if use_t else ndtr(-abs(stat))))
    ci_low, ci_high = estimate - crit * se, estimate + crit * se

    if k >= 3:
        half = crit * math.sqrt(se * se + tau2)
        pi_low, pi_high = estimate - half, estimate + half
    else:
        pi_low = pi_high = None
        warnings.append(
            f"no prediction interval with k = {k} rows (at least 3 are needed to report one)"
        )

    # heterogeneity: rma.mv's QE and the multilevel I2 (typical within variance)
    w0 = 1.0 / v
    sw0 = float(w0.sum())
    mu_fe = float(np.dot(w0, model.y) / sw0)
    q = max(0.0, float(np.dot(w0, (model.y - mu_fe) ** 2)))
    q_p = float(chdtrc(float(df), q))
    trp = sw0 - float(np.dot(w0, w0)) / sw0
    vt = df / trp
    i2 = 100.0 * tau2 / (tau2 + vt)
    i2_levels = (100.0 * sc / (tau2 + vt), 100.0 * sr / (tau2 + vt))
    h2 = (tau2 + vt) / vt

    w_row = 100.0 * st.w_row / st.w_row.sum()
    w_diag = 100.0 * st.w_diag / st.w_diag.sum()
    user_fixed = (fixed_in[0] is not None, fixed_in[1] is not None)
    components = (
        VarianceComponent(
            "cluster", sc, n_clusters, bool(user_fixed[0] or n_clusters == 1), i2_levels[0]
        ),
        VarianceComponent("row", sr, k, bool(user_fixed[1]), i2_levels[1]),
    )
    return MultilevelFit(
        k=k,
        n_clusters=n_clusters,
        method=method,
        ci_method=ci_method,
        level=level,
        estimate=estimate,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        pi_low=pi_low,
        pi_high=pi_high,
        statistic=stat,
        df=df if use_t else None,
        p_value=p_value,
        variance_components=components,
        tau2=tau2,
        tau=math.sqrt(tau2),
        I2=i2,
        H2=h2,
        Q=q,
        Q_df=df,
        Q_p=q_p,
        weights=tuple(float(x) for x in w_row),
        weights_diagonal=tuple(float(x) for x in w_diag),
        loglik=st.loglik,
        identified=identified,
        converged=converged_all,
        iterations=iterations,
        warnings=tuple(warnings),
    )


def _single_row(
    y: np.ndarray,
    v: np.ndarray,
    method: str,
    ci_method: str,
    level: float,
    fixed_in: tuple[float | None, float | None],
) -> MultilevelFit:
    """k = 1: the row's own estimate (metafor refuses to fit: "k <= 1")."""
    warnings = [
        "k = 1: the pooled estimate is the single row's own estimate; the variance "
        "components, heterogeneity and the prediction interval are not defined"
    ]
    if ci_method == "hksj":
        warnings.append("a t test needs k >= 2 (df = k - 1); Wald (z) interval used instead")
    estimate = float(y[0])
    se = math.sqrt(float(v[0]))
    crit = float(ndtri(1.0 - (1.0 - level) / 2.0))
    stat = estimate / se
    components = (
        VarianceComponent("cluster", fixed_in[0], 1, fixed_in[0] is not None, None),
        VarianceComponent("row", fixed_in[1], 1, fixed_in[1] is not None, None),
    )
    return MultilevelFit(
        k=1,
        n_clusters=1,
        method=method,
        ci_method="wald",
        level=level,
        estimate=estimate,
        se=se,
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        pi_low=None,
        pi_high=None,
        statistic=stat,
        df=None,
        p_value=float(2.0 * ndtr(-abs(stat))),
        variance_components=components,
        tau2=None,
        tau=None,
        I2=None,
        H2=None,
        Q=None,
        Q_df=None,
        Q_p=None,
        weights=(100.0,),
        weights_diagonal=(100.0,),
        loglik=None,
        identified=False,
        converged=True,
        iterations=0,
        warnings=tuple(warnings),
    )
