"""Random-effects logistic (binomial-normal) GLMM for single proportions.

:func:`fit_glmm_plo` reproduces metafor's
``rma.glmm(measure="PLO", xi=events, ni=total)`` with its defaults
(Viechtbauer W. Conducting meta-analyses in R with the metafor package.
J Stat Softw 2010;36(3); ``metafor::rma.glmm``, model "UM.FS", method "ML",
``nAGQ = 7``), which fits through ``lme4::glmer``.  The model is the
logistic-normal random-intercept model of Stijnen, Hamza & Ozdemir
(Stat Med 2010;29:3046-67)::

    x_i | b_i ~ Binomial(n_i, expit(beta + b_i)),    b_i ~ N(0, tau^2)

fitted by maximum likelihood.  As in lme4 the random effect is written
``b_i = theta * u_i`` with spherical ``u_i ~ N(0, 1)`` (``theta = tau``) and
the marginal likelihood is approximated by adaptive Gauss-Hermite quadrature
(AGQ) with 7 nodes per study, centred on the conditional mode of ``u_i`` and
scaled by ``1/L_i`` with ``L_i^2 = 1 + theta^2 n_i mu_i (1 - mu_i)``.  The
objective minimised is exactly lme4's ``glmerAGQ`` value (the quantity
``-2 * logLik(fit)`` of a glmer fit)::

    dev(theta, beta) = sum_i [u_i^2 + d_i(u_i)] + sum_i log L_i^2
                       - 2 sum_i log sum_j w_j exp(z_j^2/2 - (D_i(u_i + z_j/L_i) - D_i(u_i))/2)

with ``d_i`` the binomial deviance residual, ``D_i(u) = u^2 + d_i(u)``, and
``(z_j, w_j)`` the 7-point Gauss-Hermite rule for the standard normal density.

What is reported (as ``rma.glmm`` does):

* ``estimate``/``se``: the fixed intercept (logit scale) and its SE from the
  inverse of the finite-difference Hessian of the deviance with respect to
  ``(theta, beta)`` (lme4's default ``vcov``: ``use.hessian = TRUE``,
  ``deriv12`` with step 1e-4, ``V = 2 H^{-1}``), so the SE accounts for the
  estimation of ``tau``; Wald z test and CI.
* ``tau2 = theta^2``; ``I2``/``H2`` from the "typical" within-study variance
  ``vt = (k - 1) / tr(P)`` computed with ``W = diag(1/vi)`` from the escalc'd
  ``vi`` (add = 1/2 to studies with 0 or all events).
* ``Q``/``Q_p``: the Wald-type heterogeneity test ``QE.Wld`` of the saturated
  binomial GLM (one logit per study; reproduces ``glm``'s IRLS, so that
  studies with 0 or all events contribute what ``glm`` gives them);
  ``Q_df = k - 1``.  The likelihood-ratio test ``QE.LRT`` and its p are in
  ``notes``.
* Prediction interval ``b +/- z * sqrt(se^2 + tau2)`` (``predict.rma``),
  ``None`` when k < 3.
* ``weights``: ``rma.glmm`` defines no study weights.  The weights returned are
  the percents of ``1/(vi + tau2)`` with the escalc'd ``vi`` (metafor defaults
  add = 1/2, to = "only0"): the weights an inverse-variance model with this
  ``tau2`` would use, for display only.
* No CI for tau2 (metafor gives none for GLMMs): ``None``.

Differences from R, by design: the optimum is found to ~1e-10 (Newton on
``(theta, beta)``) rather than stopping at lme4's default tolerances
(bobyqa/Nelder-Mead, ``tolPwrss = 1e-7``), which leave tau2 off by up to
~1e-5 relative.  With k = 1 metafor refuses to fit ("Number of parameters to
be estimated is larger than the number of observations"); so does this module
(:class:`GlmmError`, a ``ValueError`` and a :class:`~synthesis.errors.SynthError`,
so that the command line says what to do instead of printing a traceback).  When
every study has 0 events, or every study has all events, the ML estimate is
infinite and lme4/metafor fail: :class:`GlmmError`.  When all proportions are
identical, lme4 refuses ("Response is constant"); the ML solution is tau2 = 0 with
the binomial fixed-effect fit, which is returned with a note.

Bounded work: a study with more than :data:`MAX_TOTAL` (10^6) participants is
refused at once. The binomial deviance is a difference of terms of order n, so its
rounding grows with n and the finite-difference Hessian behind the SE loses digits:
against metafor 3.8.1 (xi = 0.3n, 0.6n, 0.45n) the SE differs by 4e-6 at n = 10^4,
2e-4 at 10^5, 1.5e-3 at 10^6 and 1-4e-2 at 10^7, where metafor's own SE wobbles as
much and fits take seconds; lme4, hence metafor, stops with "Cannot fit ML model"
from about 2 x 10^8 (1/10^9 vs 999999999/10^9 used to run for minutes here). And a
fit evaluates the likelihood at most :data:`MAX_EVALUATIONS` times (ordinary data need
50 to 1,000), else :class:`GlmmError`. At such sizes the inverse-variance model
(``--method REML``) gives the same answer to many digits.

The module imports only numpy at import time; scipy (special functions, and
optimize only as a fallback) is imported inside :func:`fit_glmm_plo`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from synthesis.errors import SynthError
from synthesis.models.results import Fit

__all__ = ["MAX_EVALUATIONS", "MAX_TOTAL", "GlmmError", "fit_glmm_plo", "glmm_deviance"]

N_AGQ = 7
#: The largest study (participants) a GLMM is fitted to; see the module docstring.
MAX_TOTAL = 10**6
#: The most likelihood evaluations one fit may use (ordinary fits need 50 to 1,000).
MAX_EVALUATIONS = 10_000
_NM_MAXFEV = 5_000  # of which the Nelder-Mead fallback may use at most this many

_ALTERNATIVE = "use the default --method REML (inverse variance) or --measure PFT instead"


class GlmmError(SynthError, ValueError):
    """The GLMM cannot be fitted to these data (a user-facing reason and what to do)."""


_DERIV12_DELTA = 1e-4  # lme4::deriv12 default step


def _gh_rule(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite rule for the standard normal density (lme4's GHrule)."""
    z, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    return z, w / math.sqrt(2.0 * math.pi)


_GH_Z, _GH_W = _gh_rule(N_AGQ)
_GH_LOGW_Z = np.log(_GH_W) + 0.5 * _GH_Z**2


def _expit(eta: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(eta))
    return np.where(eta >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _mu1mu(eta: np.ndarray) -> np.ndarray:
    """mu * (1 - mu) for mu = expit(eta), without cancellation."""
    e = np.exp(-np.abs(eta))
    return e / (1.0 + e) ** 2


def _xlogy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros_like(a, dtype=float)
    m = a > 0
    out[m] = a[m] * np.log(b[m])
    return out


class _Data:
    """Counts plus the constant (saturated) part of the binomial deviance.

    ``budget`` counts the deviance evaluations left (:data:`MAX_EVALUATIONS`).
    """

    def __init__(self, x: np.ndarray, n: np.ndarray, budget: int | None = None) -> None:
        self.x = x
        self.n = n
        self.sat = _xlogy(x, x / n) + _xlogy(n - x, (n - x) / n)
        self.b_last = np.zeros_like(x)  # last conditional modes on the b = theta*u scale
        self.limit = MAX_EVALUATIONS if budget is None else budget
        self.budget = self.limit

    def spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise GlmmError(
                f"GLMM: no maximum-likelihood fit after {self.limit:,} likelihood "
                "evaluations (the likelihood is too flat or too irregular for these counts; "
                f"metafor stops with 'Cannot fit ML model' on such data); {_ALTERNATIVE}"
            )

    def devres(self, eta: np.ndarray) -> np.ndarray:
        """Binomial deviance residuals d_i(eta) = 2 n_i [y log(y/mu) + ...]."""
        x = self.x if eta.ndim == 1 else self.x[:, None]
        n = self.n if eta.ndim == 1 else self.n[:, None]
        sat = self.sat if eta.ndim == 1 else self.sat[:, None]
        return 2.0 * (sat - (x * eta - n * np.logaddexp(0.0, eta)))


def _modes(d: _Data, theta: float, beta: float) -> np.ndarray:
    """Conditional modes of the spherical random effects (safeguarded Newton).

    The mode solves u = theta (x - n expit(beta + theta u)); it lies between
    theta (x - n) and theta x, a bracket kept during the iteration.
    """
    x, n = d.x, d.n
    if theta == 0.0:
        return np.zeros_like(x)
    a, b = theta * (x - n), theta * x
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    # warm start from the previous evaluation (the bracket keeps it safe)
    u = np.clip(d.b_last / theta, lo, hi)
    for _ in range(200):
        eta = beta + theta * u
        h = u - theta * (x - n * _expit(eta))
        hp = 1.0 + theta * theta * n * _mu1mu(eta)
        pos = h > 0
        hi = np.where(pos, u, hi)
        lo = np.where(pos, lo, u)
        unew = u - h / hp
        bad = ~((unew > lo) & (unew < hi))
        if np.any(bad):
            unew = np.where(bad, 0.5 * (lo + hi), unew)
        step = float(np.max(np.abs(unew - u) / (1.0 + np.abs(u))))
        u = unew
        if step < 1e-13:
            # Newton converges quadratically: one more step reaches rounding level
            eta = beta + theta * u
            u = u - (u - theta * (x - n * _expit(eta))) / (1.0 + theta * theta * n * _mu1mu(eta))
            break
    d.b_last = theta * u
    return u


def _deviance(d: _Data, theta: float, beta: float) -> float:
    d.spend()
    u = _modes(d, theta, beta)
    eta = beta + theta * u
    devc0 = u * u + d.devres(eta)
    if theta == 0.0:
        return float(devc0.sum())
    l2 = 1.0 + theta * theta * d.n * _mu1mu(eta)
    sd = 1.0 / np.sqrt(l2)
    uu = u[:, None] + _GH_Z[None, :] * sd[:, None]
    ee = beta + theta * uu
    x, n = d.x[:, None], d.n[:, None]
    delta = (uu * uu - (u * u)[:, None]) + 2.0 * (
        n * (np.logaddexp(0.0, ee) - np.logaddexp(0.0, eta)[:, None]) - x * (ee - eta[:, None])
    )
    t = _GH_LOGW_Z[None, :] - 0.5 * delta
    tmax = t.max(axis=1)
    logmult = tmax + np.log(np.exp(t - tmax[:, None]).sum(axis=1))
    return float(devc0.sum() + np.log(l2).sum() - 2.0 * logmult.sum())


def glmm_deviance(
    events: Sequence[float], total: Sequence[float], *, theta: float, beta: float
) -> float:
    """lme4's nAGQ = 7 objective (-2 log-likelihood relative to the saturated
    binomial model) at ``(theta, beta)``; exposed for testing."""
    x, n = _check_counts(events, total, allow_k1=True)
    return _deviance(_Data(x, n), float(theta), float(beta))


def _check_counts(
    events: Sequence[float], total: Sequence[float], *, allow_k1: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(events, dtype=float).ravel()
    n = np.asarray(total, dtype=float).ravel()
    if x.shape != n.shape:
        raise GlmmError("GLMM: events and total must have the same length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(n))):
        raise GlmmError("GLMM: events and total must be finite numbers")
    if np.any(x != np.round(x)) or np.any(n != np.round(n)):
        raise GlmmError("GLMM: events and total must be whole numbers")
    if np.any(n <= 0) or np.any(x < 0) or np.any(x > n):
        raise GlmmError("GLMM: need 0 <= events <= total and total > 0 in every study")
    if x.size < (1 if allow_k1 else 2):
        raise GlmmError("GLMM needs at least 2 studies")
    return x, n


def _counts(x: np.ndarray, n: np.ndarray) -> str:
    shown = ", ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(x[:4], n[:4], strict=True))
    return shown + (f" and {x.size - 4} more" if x.size > 4 else "")


# --------------------------------------------------------------------------- #
# Optimisation


def _grad_hess(f, p: np.ndarray, f0: float, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradient and Hessian of a function of 2 parameters."""
    g = np.empty(2)
    hess = np.empty((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = h[j]
        fp, fm = f(p + e), f(p - e)
        g[j] = (fp - fm) / (2 * h[j])
        hess[j, j] = (fp - 2 * f0 + fm) / h[j] ** 2
    e0 = np.array([h[0], 0.0])
    e1 = np.array([0.0, h[1]])
    hess[0, 1] = hess[1, 0] = (
        f(p + e0 + e1) - f(p + e0 - e1) - f(p - e0 + e1) + f(p - e0 - e1)
    ) / (4 * h[0] * h[1])
    return g, hess


def _newton(f, p0: np.ndarray, max_iter: int = 200) -> tuple[np.ndarray, float, bool]:
    """Minimise f(theta, beta) by Newton's method with a backtracking line search
    (finite-difference derivatives, Hessian modified to be positive definite)."""
    p = p0.astype(float).copy()
    fp = f(p)
    converged = False
    for _ in range(max_iter):
        h = 1e-5 * (1.0 + np.abs(p))
        g, hess = _grad_hess(f, p, fp, h)
        evals, evecs = np.linalg.eigh(hess)
        floor = 1e-8 * max(1.0, float(np.max(np.abs(evals))))
        evals = np.maximum(np.abs(evals), floor)
        step = -(evecs @ ((evecs.T @ g) / evals))
        # limit wild steps
        size = float(np.max(np.abs(step)))
        if size > 5.0:
            step *= 5.0 / size
        slope = float(g @ step)
        t = 1.0
        accepted = False
        for _ in range(60):
            cand = p + t * step
            fc = f(cand)
            if np.isfinite(fc) and fc <= fp + 1e-4 * t * min(slope, 0.0):
                accepted = True
                break
            t *= 0.5
        small = float(np.max(np.abs(t * step) / (1.0 + np.abs(p)))) < 1e-10
        if not accepted:
            # no decrease possible along the Newton direction: at the optimum
            # up to rounding of f
            converged = float(np.max(np.abs(step) / (1.0 + np.abs(p)))) < 1e-6
            break
        p, fp = cand, fc
        if small:
            converged = True
            break
    return p, fp, converged


def _nelder_mead(f, p0: np.ndarray) -> tuple[np.ndarray, float]:
    from scipy.optimize import minimize  # lazy: only on a failed Newton run

    res = minimize(
        lambda q: f(np.asarray(q)),
        p0,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": _NM_MAXFEV, "maxfev": _NM_MAXFEV},
    )
    return np.asarray(res.x, dtype=float), float(res.fun)


def _deriv12_hessian(f, p: np.ndarray, fx: float, delta: float = _DERIV12_DELTA) -> np.ndarray:
    """lme4::deriv12's finite-difference Hessian (no bounds)."""
    nx = p.size
    hess = np.empty((nx, nx))
    for j in range(nx):
        pa = p.copy()
        pa[j] += delta
        ps = p.copy()
        ps[j] -= delta
        hess[j, j] = f(pa) / delta**2 - 2 * fx / (delta * delta) + f(ps) / delta**2
        for i in range(j):

            def at(si: float, sj: float, i: int = i, j: int = j) -> float:
                q = p.copy()
                q[i] += si * delta
                q[j] += sj * delta
                return f(q)

            hess[i, j] = hess[j, i] = (
                at(1, 1) / (2 * delta) ** 2
                - at(1, -1) / (2 * delta) ** 2
                - at(-1, 1) / (2 * delta) ** 2
                + at(-1, -1) / (2 * delta) ** 2
            )
    return hess


# --------------------------------------------------------------------------- #
# The fixed-effect and saturated binomial GLMs (metafor's res.FE and res.QE)


def _glm_saturated(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's glm.fit IRLS for one logit per study (binomial, logit link).

    Returns the final linear predictors and the working weights of the last
    IRLS iteration (those in the QR that summary.glm's vcov uses).  With one
    parameter per study the weighted least-squares fit reproduces the working
    response, so the studies update independently; the stopping rule is
    glm's (relative change of the total deviance < 1e-8, at most 25 steps).
    """
    eps = np.finfo(float).eps
    y = x / n

    def linkinv(eta: np.ndarray) -> np.ndarray:
        t = np.where(eta < -30, eps, np.where(eta > 30, 1 / eps, np.exp(np.clip(eta, -30, 30))))
        return t / (1 + t)

    def mu_eta(eta: np.ndarray) -> np.ndarray:
        e = np.exp(np.clip(eta, -30, 30))
        return np.where((eta > 30) | (eta < -30), eps, e / (1 + e) ** 2)

    def dev(mu: np.ndarray) -> float:
        return float(np.sum(2 * n * (_xlogy(y, y / mu) + _xlogy(1 - y, (1 - y) / (1 - mu)))))

    mustart = (n * y + 0.5) / (n + 1)
    eta = np.log(mustart / (1 - mustart))
    mu = linkinv(eta)
    devold = dev(mu)
    wts = n * mu_eta(eta) ** 2 / (mu * (1 - mu))
    for _ in range(25):
        me = mu_eta(eta)
        wts = n * me**2 / (mu * (1 - mu))
        eta = eta + (y - mu) / me
        mu = linkinv(eta)
        dv = dev(mu)
        if abs(dv - devold) / (abs(dv) + 0.1) < 1e-8:
            break
        devold = dv
    return eta, wts


def _binom_dev(x: np.ndarray, n: np.ndarray, mu: np.ndarray) -> float:
    y = x / n
    return float(np.sum(2 * n * (_xlogy(y, y / mu) + _xlogy(1 - y, (1 - y) / (1 - mu)))))


def _heterogeneity_tests(x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """metafor's QE.Wld and QE.LRT for rma.glmm(measure="PLO").

    QE.Wld is the Wald test that the k - 1 study contrasts of the saturated
    GLM are 0, b2' V22^{-1} b2, which equals sum W_i (eta_i - eta_w)^2 with
    glm's working weights W_i; QE.LRT = deviance(FE) - deviance(saturated).
    """
    eta_sat, w_sat = _glm_saturated(x, n)
    eta_bar = float(np.sum(w_sat * eta_sat) / np.sum(w_sat))
    qe_wld = max(float(np.sum(w_sat * (eta_sat - eta_bar) ** 2)), 0.0)
    p_fe = float(x.sum() / n.sum())
    mu_sat = _expit(eta_sat)
    qe_lrt = max(_binom_dev(x, n, np.full(x.size, p_fe)) - _binom_dev(x, n, mu_sat), 0.0)
    return qe_wld, qe_lrt


# --------------------------------------------------------------------------- #


# tau (logit scale) beyond which the fit is reported as not identified: a between-study
# SD of 10 logits spreads study proportions from 1e-9 to 1 - 1e-9.
TAU_NOT_IDENTIFIED = 10.0


def fit_glmm_plo(events: Sequence[float], total: Sequence[float], *, level: float = 0.95) -> Fit:
    """Fit ``rma.glmm(measure="PLO", xi=events, ni=total)`` (metafor defaults).

    ``events``/``total`` are per-study counts (whole numbers, 0 <= events <=
    total).  ``level`` is the confidence level as a fraction (0.95).  Returns a
    :class:`synthesis.results.Fit` on the logit scale with ``method="GLMM"``.
    Raises :class:`GlmmError` (a ``ValueError``) for fewer than 2 studies, when
    every study has 0 events (or every study all events), where the ML estimate
    does not exist, for a study larger than :data:`MAX_TOTAL`, and when the fit
    needs more than :data:`MAX_EVALUATIONS` likelihood evaluations.
    """
    from scipy.special import chdtrc, ndtr, ndtri  # lazy: keep module import light

    if not 0.0 < level < 1.0:
        raise GlmmError("GLMM: level must be between 0 and 1 (e.g. 0.95)")
    x, n = _check_counts(events, total)
    k = int(x.size)
    if np.all(x == 0):
        raise GlmmError(
            f"GLMM cannot be fitted: no study has any event ({_counts(x, n)}), so the "
            "maximum-likelihood estimate is a proportion of exactly 0 with no interval "
            f"(metafor refuses too); {_ALTERNATIVE}, which handle zero counts"
        )
    if np.all(x == n):
        raise GlmmError(
            f"GLMM cannot be fitted: every study has only events ({_counts(x, n)}), so the "
            "maximum-likelihood estimate is a proportion of exactly 1 with no interval "
            f"(metafor refuses too); {_ALTERNATIVE}, which handle such counts"
        )
    if np.any(n > MAX_TOTAL):
        big = int(np.argmax(n))
        raise GlmmError(
            f"GLMM: a study has {n[big]:,.0f} participants ({x[big]:.0f}/{n[big]:.0f}), "
            f"more than the {MAX_TOTAL:,} up to which the GLMM's binomial likelihood and "
            "standard error can be computed precisely (metafor stops with 'Cannot fit ML "
            "model' from about 2 x 10^8); at this size the normal approximation of the "
            f"inverse-variance model is exact to many digits: {_ALTERNATIVE}"
        )
    notes: list[str] = []
    d = _Data(x, n)

    # escalc(measure="PLO", add=1/2, to="only0")
    cc = np.where((x == 0) | (x == n), 0.5, 0.0)
    yi = np.log((x + cc) / (n - x + cc))
    vi = 1.0 / (x + cc) + 1.0 / (n - x + cc)

    # fixed-effect and saturated binomial GLMs: heterogeneity tests
    qe_wld, qe_lrt = _heterogeneity_tests(x, n)
    q_df = k - 1
    qp_wld = float(chdtrc(q_df, qe_wld))
    qp_lrt = float(chdtrc(q_df, qe_lrt))

    # ML fit of the GLMM
    def f(p: np.ndarray) -> float:
        return _deviance(d, float(p[0]), float(p[1]))

    p_fe = float(x.sum() / n.sum())
    beta_fe = math.log(p_fe / (1.0 - p_fe))
    constant = bool(np.all(x * n[0] == x[0] * n))
    if constant:
        theta, beta, fval, converged = 0.0, beta_fe, f(np.array([0.0, beta_fe])), True
        notes.append(
            "all proportions are identical: tau2 = 0 and the binomial fixed-effect fit "
            "(lme4::glmer, hence metafor, refuses a constant response)"
        )
    else:
        # start: DerSimonian-Laird tau on the escalc'd logits
        w = 1.0 / vi
        ybar = float(np.sum(w * yi) / np.sum(w))
        qdl = float(np.sum(w * (yi - ybar) ** 2))
        tau2_dl = max(0.0, (qdl - (k - 1)) / (np.sum(w) - np.sum(w * w) / np.sum(w)))
        p0 = np.array([max(math.sqrt(tau2_dl), 0.1), beta_fe])
        p_opt, fval, converged = _newton(f, p0)
        if not converged:
            p_nm, f_nm = _nelder_mead(f, p_opt)
            p_opt, fval, converged = _newton(f, p_nm)
            if f_nm < fval:
                p_opt, fval = p_nm, f_nm
        # the boundary tau = 0 (f is even in theta, so theta = 0 is stationary;
        # Newton only approaches it, like lme4's check.boundary take it when
        # it is as good up to rounding). Where the deviance is flat in theta
        # (e.g. three studies of n = 1) an interior theta gains nothing
        # measurable and its Hessian is singular (lme4 warns so): take tau = 0.
        f_zero = f(np.array([0.0, beta_fe]))
        if f_zero <= fval + 1e-9 * (1.0 + abs(fval)):
            p_opt, fval = np.array([0.0, beta_fe]), f_zero
        theta, beta = abs(float(p_opt[0])), float(p_opt[1])
        if not converged:
            notes.append("GLMM optimiser did not fully converge")

    # SE of beta as lme4's vcov(): 2 * inverse of the deriv12 Hessian over (theta, beta)
    p_hat = np.array([theta, beta])
    se = math.nan
    hess = _deriv12_hessian(f, p_hat, fval)
    if constant:
        # exact: at theta = 0 the Hessian is diagonal and beta's block is
        # 2 * sum(n p (1 - p)) (the binomial GLM's information)
        hess = np.array(
            [[hess[0, 0], 0.0], [0.0, 2.0 * float(np.sum(n * _mu1mu(np.full(k, beta))))]]
        )
    try:
        inv = np.linalg.inv(hess)
        v_beta = 2.0 * float(inv[1, 1])
        ev = np.linalg.eigvalsh(hess)
        if np.all(np.isfinite(inv)) and v_beta > 0 and ev.min() > 0:
            se = math.sqrt(v_beta)
    except np.linalg.LinAlgError:
        pass
    if not math.isfinite(se):
        # lme4 falls back to the var-cov from RX (beta conditional on theta)
        u = _modes(d, theta, beta)
        wi = n * _mu1mu(beta + theta * u)
        se = math.sqrt(1.0 / float(np.sum(wi / (1.0 + theta * theta * wi))))
        notes.append("finite-difference Hessian not positive definite: SE from RX (as lme4)")

    tau2 = theta * theta
    if theta > TAU_NOT_IDENTIFIED:
        notes.append(
            f"tau² = {tau2:.4g} on the logit scale: the GLMM likelihood keeps rising as tau² "
            "grows, so tau² and the SE are not identified by these data (lme4 agrees only "
            "roughly, and its SE changes with the order of the studies); use --method REML, "
            "or more or larger studies"
        )
    crit = float(ndtri(1.0 - (1.0 - level) / 2.0))
    zval = beta / se
    pval = float(2.0 * ndtr(-abs(zval)))

    # I2 / H2 with metafor's typical within-study variance (i2def = "1")
    w = 1.0 / vi
    tr_p = float(np.sum(w) - np.sum(w * w) / np.sum(w))
    vt = (k - 1) / tr_p
    i2 = 100.0 * tau2 / (vt + tau2)
    h2 = tau2 / vt + 1.0

    if k >= 3:
        half = crit * math.sqrt(se * se + tau2)
        pi_low, pi_high = beta - half, beta + half
    else:
        pi_low = pi_high = None

    wt = 1.0 / (vi + tau2)
    weights = tuple(float(v) for v in 100.0 * wt / wt.sum())

    info = (
        f"likelihood-ratio test for heterogeneity QE.LRT = {qe_lrt:.6g} "
        f"(df = {q_df}), p = {qp_lrt:.6g}; Q is the Wald-type test QE.Wld",
        f"-2 log-likelihood (lme4 nAGQ = {N_AGQ}, relative to saturated) = {fval:.10g}",
        "study weights are not defined by the GLMM; shown: percent of 1/(vi + tau2) "
        "with escalc vi (add 1/2 to 0/all-event studies)",
    )

    return Fit(
        k=k,
        method="GLMM",
        ci_method="wald",
        level=level,
        estimate=beta,
        se=se,
        ci_low=beta - crit * se,
        ci_high=beta + crit * se,
        pi_low=pi_low,
        pi_high=pi_high,
        statistic=zval,
        df=None,
        p_value=pval,
        tau2=tau2,
        tau2_ci_low=None,
        tau2_ci_high=None,
        tau=theta,
        I2=i2,
        H2=h2,
        Q=qe_wld,
        Q_df=q_df,
        Q_p=qp_wld,
        weights=weights,
        converged=converged,
        notes=tuple(notes),
        info=info,
    )
