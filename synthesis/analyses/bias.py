"""Small-study effects and publication bias, as metafor 3.8 computes them.

For an intercept-only ``rma(yi, vi, method=...)`` model (contract section 5):

:func:`egger`
    ``regtest(model = "lm", predictor = ...)``: weighted least squares of ``yi`` on the
    predictor (``sei``, ``vi``, ``ninv`` = 1/n, ``sqrtninv`` = 1/sqrt(n)) with weights
    ``1/vi`` and an estimated dispersion ("multiplicative dispersion"), t test of the
    slope with k - 2 df. The intercept is the limit estimate (the effect as the
    predictor -> 0), with its t interval at ``level`` (Egger et al. 1997, BMJ 315:629).
:func:`regression_test`
    metafor's default ``regtest()`` (``model = "rma"``): the predictor as the moderator
    of ``rma.uni(yi, vi, mods = x, method = method)`` for every tau2 estimator, the
    slope's z test (t with k - 2 df under HKSJ, ``test = "knha"``), the intercept as the
    limit estimate with its interval. One moderator + intercept in O(k) (:func:`_mr_fit`;
    to be replaced by the shared meta-regression engine when it lands).
:func:`rank_test`
    ``ranktest``: Kendall's tau between the standardized deviates
    ``(yi - theta_FE) / sqrt(vi - 1/sum(1/vi))`` and ``vi`` (Begg & Mazumdar 1994,
    Biometrics 50:1088). metafor calls ``cor.test(..., method = "kendall", exact = TRUE)``,
    so the p value comes from the exact null distribution of Kendall's statistic for any
    k when there are no ties, and from the tie-corrected normal approximation (no
    continuity correction) otherwise.
:func:`trim_and_fill`
    ``trimfill.rma.uni`` (Duval & Tweedie 2000, Biometrics 56:455; JASA 95:89): the
    iterative L0/R0 algorithm; the side is the one metafor picks (``"right"`` when the
    slope of ``rma(yi, vi, mods = sqrt(vi), method = method)`` is negative, else
    ``"left"``) unless given. The model is then refitted on the k + k0 rows.
:func:`fail_safe_n`
    ``fsn``: Rosenthal (Stouffer, one-sided ``alpha``), Orwin (unweighted mean effect,
    target half of it by default), Rosenberg (weighted, two-sided ``alpha``).

A test that cannot be run returns :class:`NotRun` (falsy, ``to_dict()`` is ``None``) with
the reason; a test run on fewer than 10 studies carries a low-power warning.

:func:`bias_of` runs them all from a fitted :class:`~synthesis.analyses.pool.PoolResult`
(its rows, n, method, CI method and level) and returns a :class:`BiasResult` whose
``to_dict()`` is the contract's ``synth bias`` JSON (section 5).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from synthesis.analyses.pool import (
    Heterogeneity,
    ModelScale,
    PoolResult,
    StudyResult,
    order_result,
)
from synthesis.errors import SynthError
from synthesis.measures import MEASURES
from synthesis.models.core import METHODS, fit
from synthesis.models.results import Fit, clean, clean_dict
from synthesis.special import ndtr, ndtri, stdtr, stdtrit

__all__ = [
    "ESTIMATORS",
    "LOW_POWER_K",
    "PREDICTORS",
    "SIDES",
    "BiasResult",
    "FailSafeN",
    "NotRun",
    "RankTest",
    "RegressionTest",
    "TrimFill",
    "bias_of",
    "egger",
    "fail_safe_n",
    "rank_test",
    "regression_test",
    "test_rows",
    "to_model_scale",
    "trim_and_fill",
]

PREDICTORS: tuple[str, ...] = ("sei", "vi", "ninv", "sqrtninv")
ESTIMATORS: tuple[str, ...] = ("L0", "R0")
SIDES: tuple[str, ...] = ("left", "right")
LOW_POWER_K = 10  # contract section 5: fewer studies than this -> low-power warning

_EPS = float(np.finfo(float).eps)
_QR_TOL = 1e-7  # lm()'s rank tolerance (dqrdc2), used by regtest's full-rank check
_TRIMFILL_MAXITER = 100  # trimfill.rma.uni's default maxiter
_LL0_TOL = _EPS**0.25  # rma.uni's control$tol, used by its ll0check
_FISHER_THRESHOLD = 1e-12
_FISHER_MAXITER = 1_000  # metafor: 100 by default (the reference runs used 10,000)
_KENDALL_DIRECT = 150  # full distribution by direct convolution up to this n; tilted FFT above
_KENDALL_R_MAX = 170  # R's pkendall divides by gamma(n + 1), which overflows for n > 170


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class NotRun:
    """A test that could not be run: JSON ``null`` with ``reason`` in the warnings."""

    test: str  # "egger", "rank_test", "trim_and_fill", "fail_safe_n"
    k: int
    reason: str

    def __bool__(self) -> bool:
        return False

    @property
    def warnings(self) -> tuple[str, ...]:
        return (self.reason,)

    def to_dict(self) -> None:
        return None

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        return pd.DataFrame([{"test": self.test, "k": self.k, "reason": self.reason}])


@dataclass(frozen=True)
class RegressionTest:
    """``regtest``: the Egger-type regression test, ``model = "lm"`` or ``"rma"``.

    ``"lm"`` (:func:`egger`): t test with k - 2 df, ``dispersion`` the residual variance
    s^2 of the weighted regression, ``tau2`` None. ``"rma"`` (:func:`regression_test`):
    z test (``df`` None) or, under HKSJ, t with k - 2 df; ``dispersion`` is metafor's
    ``s2w`` (1 for the z test), ``tau2`` the residual tau2 (0 for FE).
    """

    model: str  # "lm" or "rma"
    predictor: str
    k: int
    level: float
    statistic: float  # t or z of the slope
    df: int | None  # k - 2, or None for a z test
    p_value: float
    limit_estimate: float  # intercept: the effect as the predictor -> 0 (model scale)
    limit_ci_low: float
    limit_ci_high: float
    limit_se: float
    slope: float
    slope_se: float
    dispersion: float
    tau2: float | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        d = self.to_dict()
        d.pop("warnings")
        return pd.DataFrame([d])


@dataclass(frozen=True)
class RankTest:
    """``ranktest``: Begg and Mazumdar's rank correlation test."""

    k: int
    tau: float  # Kendall's tau-b
    p_value: float  # two-sided
    exact: bool  # exact null distribution (no ties) or normal approximation (ties)
    statistic: float  # exact: T = number of concordant pairs; otherwise z
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        d = self.to_dict()
        d.pop("warnings")
        return pd.DataFrame([d])


@dataclass(frozen=True)
class TrimFill:
    """``trimfill``: estimated missing studies and the model refitted with them."""

    estimator: str  # "L0" or "R0"
    side: str  # side on which studies are filled: "left" or "right"
    side_given: bool  # False: chosen from the sign of the Egger-type slope (as metafor)
    k: int  # observed studies
    k0: int  # estimated missing studies
    se_k0: float | None
    p_k0: float | None  # R0 only: metafor's p value for k0 (0.5 ** (k0 + 1))
    filled_yi: tuple[float, ...]  # model scale, in metafor's order
    filled_vi: tuple[float, ...]
    model: Fit  # refitted on k + k0 rows (the original model when k0 = 0)
    iterations: int
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimator": self.estimator,
            "side": self.side,
            "side_given": self.side_given,
            "k": self.k,
            "k0": self.k0,
            "se_k0": clean(self.se_k0),
            "p_k0": clean(self.p_k0),
            "filled": [
                {"yi": clean(y), "vi": clean(v)}
                for y, v in zip(self.filled_yi, self.filled_vi, strict=True)
            ],
            "model": self.model.to_dict(),
            "iterations": self.iterations,
            "warnings": list(self.warnings),
        }

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily), one row per filled study
        import pandas as pd

        return pd.DataFrame(
            {
                "filled": range(1, self.k0 + 1),
                "yi": list(self.filled_yi),
                "vi": list(self.filled_vi),
            }
        )


@dataclass(frozen=True)
class FailSafeN:
    """``fsn``: Rosenthal's, Orwin's and Rosenberg's fail-safe numbers."""

    k: int
    alpha: float
    rosenthal_n: int
    rosenthal_p: float  # one-sided Stouffer p of the observed studies
    orwin_n: int | None  # None when the target is 0 (n would be infinite)
    orwin_target: float  # model scale, sign-adjusted as metafor does
    orwin_mean: float  # unweighted mean effect
    rosenberg_n: int
    rosenberg_p: float  # two-sided p of the fixed-effect estimate
    rosenberg_mean: float  # inverse-variance weighted mean effect
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rosenthal": {"n": self.rosenthal_n, "p": clean(self.rosenthal_p)},
            "orwin": {
                "n": self.orwin_n,
                "target": clean(self.orwin_target),
                "mean": clean(self.orwin_mean),
            },
            "rosenberg": {
                "n": self.rosenberg_n,
                "p": clean(self.rosenberg_p),
                "mean": clean(self.rosenberg_mean),
            },
            "k": self.k,
            "alpha": self.alpha,
            "warnings": list(self.warnings),
        }

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        return pd.DataFrame(
            [
                {"type": "Rosenthal", "n": self.rosenthal_n, "p": self.rosenthal_p,
                 "target": None, "mean": None},
                {"type": "Orwin", "n": self.orwin_n, "p": None, "target": self.orwin_target,
                 "mean": self.orwin_mean},
                {"type": "Rosenberg", "n": self.rosenberg_n, "p": self.rosenberg_p,
                 "target": None, "mean": self.rosenberg_mean},
            ]
        )  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _arrays(yi: Sequence[float] | np.ndarray, vi: Sequence[float] | np.ndarray):
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or v.ndim != 1 or y.shape != v.shape:
        raise ValueError("yi and vi must be 1-D sequences of the same length")
    if y.size == 0:
        raise ValueError("k = 0: no studies")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v))):
        raise ValueError("yi and vi must be finite")
    if np.any(v <= 0):
        raise ValueError("every vi must be > 0")
    return y, v


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


def _low_power(k: int, what: str) -> tuple[str, ...]:
    if k >= LOW_POWER_K:
        return ()
    return (
        f"{what} with only {k} studies (fewer than {LOW_POWER_K}): the test has low power, "
        "so a non-significant result does not rule out small-study effects",
    )


def _fsnum(x: float) -> int | None:
    """metafor's rounding of a fail-safe N: ceiling, unless within sqrt(eps) of an integer."""
    if math.isinf(x):
        return None
    if abs(x - round(x)) >= _EPS**0.5:
        return math.ceil(x)
    return round(x)


def _rank_deficient(x: np.ndarray) -> bool:
    """lm(yi ~ cbind(1, x) - 1) drops x: its norm after removing the mean is < 1e-7 of its norm."""
    return float(np.linalg.norm(x - x.mean())) < _QR_TOL * float(np.linalg.norm(x))


def _predictor(
    predictor: str,
    y: np.ndarray,
    v: np.ndarray,
    ni: Sequence[float | None] | np.ndarray | None,
    test: str,
    name: str,
) -> np.ndarray | NotRun:
    """regtest's predictor column (sei, vi, 1/n, 1/sqrt n), or why the test cannot run."""
    k = int(y.size)
    if k < 3:
        return NotRun(test, k, f"{name} needs at least 3 studies (k = {k})")
    if predictor == "sei":
        x = np.sqrt(v)
    elif predictor == "vi":
        x = v.copy()
    else:
        n = None if ni is None else np.array([np.nan if a is None else a for a in ni], dtype=float)
        if n is not None and n.shape != y.shape:
            raise ValueError("ni must have one entry per study")
        if n is None or not np.all(np.isfinite(n)) or np.any(n <= 0):
            return NotRun(test, k, f"{name} with predictor {predictor} needs every study's "
                          "sample size (n)")  # fmt: skip
        x = 1.0 / n if predictor == "ninv" else 1.0 / np.sqrt(n)
    if _rank_deficient(x):
        what = {"sei": "standard error", "vi": "variance"}.get(predictor, "sample size")
        return NotRun(
            test,
            k,
            f"{name} cannot be run: every study has the same {what}, so the predictor "
            "cannot be separated from the intercept",
        )
    return x


# --------------------------------------------------------------------------- Egger


def egger(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    ni: Sequence[float | None] | np.ndarray | None = None,
    predictor: str = "sei",
    level: float = 0.95,
) -> RegressionTest | NotRun:
    """metafor ``regtest(model = "lm", predictor = predictor)`` on ``rma(yi, vi, level=...)``.

    ``ni`` (sample sizes) is needed for the ``ninv``/``sqrtninv`` predictors only.
    Not run when k < 3 (no residual degrees of freedom), when the predictor is the same
    for every study (metafor: "Model matrix no longer of full rank"), when a needed
    sample size is missing, or when the studies lie exactly on a line.
    """
    from statsmodels.regression.linear_model import WLS

    y, v = _arrays(yi, vi)
    k = int(y.size)
    if predictor not in PREDICTORS:
        raise ValueError(f"unknown predictor {predictor!r}; expected one of {PREDICTORS}")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be in (0, 1)")
    x = _predictor(predictor, y, v, ni, "egger", "Egger's regression test")
    if isinstance(x, NotRun):
        return x
    design = np.column_stack([np.ones(k), x])
    res = WLS(y, design, weights=1.0 / v).fit()
    df = k - 2
    f = np.asarray(res.fittedvalues)
    # summary.lm's "essentially perfect fit" criterion
    if not float(res.scale) >= (f.mean() ** 2 + f.var(ddof=1)) * 1e-30:
        return NotRun(
            "egger",
            k,
            "Egger's regression test cannot be run: the studies lie exactly on a line "
            "(zero residual variance)",
        )
    lo, hi = res.conf_int(alpha=1.0 - level)[0]
    return RegressionTest(
        model="lm",
        predictor=predictor,
        k=k,
        level=level,
        statistic=float(res.tvalues[1]),
        df=df,
        p_value=float(res.pvalues[1]),
        limit_estimate=float(res.params[0]),
        limit_ci_low=float(lo),
        limit_ci_high=float(hi),
        limit_se=float(res.bse[0]),
        slope=float(res.params[1]),
        slope_se=float(res.bse[1]),
        dispersion=float(res.scale),
        warnings=_low_power(k, "Egger's regression test"),
    )


def regression_test(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    ni: Sequence[float | None] | np.ndarray | None = None,
    predictor: str = "sei",
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
) -> RegressionTest | NotRun:
    """metafor's default ``regtest(rma(yi, vi, method=..., test=..., level=...), predictor=...)``.

    The predictor enters the model as a moderator: ``rma.uni(yi, vi, mods = x, method =
    method)``; the test is the slope's z test, or its t test with k - 2 df under HKSJ
    (``ci_method = "hksj"``, metafor ``test = "knha"``, as regtest passes the model's
    test on). The limit estimate is the intercept with its interval from the same fit.
    Not run when k < 3 (metafor stops for k = 2 with a random-effects model: more
    parameters than studies), when the predictor is the same for every study, when a
    needed sample size is missing, when the tau2 estimator does not converge, or when
    the HKSJ scale factor is 0 (the studies lie exactly on a line).
    """
    _check_method(method)
    y, v = _arrays(yi, vi)
    k = int(y.size)
    if predictor not in PREDICTORS:
        raise ValueError(f"unknown predictor {predictor!r}; expected one of {PREDICTORS}")
    if ci_method not in ("wald", "hksj"):
        raise ValueError(f"unknown ci_method {ci_method!r}; expected 'wald' or 'hksj'")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be in (0, 1)")
    name = "The random-effects regression test"
    x = _predictor(predictor, y, v, ni, "regression_test", name)
    if isinstance(x, NotRun):
        return x
    hksj = ci_method == "hksj"
    fit_ = _mr_fit(y, v, x, method, test="knha" if hksj else "z")
    if not fit_.converged:
        return NotRun(
            "regression_test",
            k,
            f"{name} cannot be run: the {method} estimate of the residual tau² "
            "did not converge (as in metafor); try --method DL or PM",
        )
    if fit_.s2w == 0.0:
        return NotRun(
            "regression_test",
            k,
            f"{name} cannot be run: the studies lie exactly on a line (the HKSJ scale factor is 0)",
        )
    df = k - 2 if hksj else None
    stat = fit_.beta[1] / fit_.se[1]
    if hksj:
        p = 2.0 * float(stdtr(k - 2, -abs(stat)))
        crit = float(stdtrit(k - 2, 1.0 - (1.0 - level) / 2.0))
    else:
        p = 2.0 * float(ndtr(-abs(stat)))
        crit = -float(ndtri((1.0 - level) / 2.0))
    est, se0 = fit_.beta[0], fit_.se[0]
    return RegressionTest(
        model="rma",
        predictor=predictor,
        k=k,
        level=level,
        statistic=stat,
        df=df,
        p_value=p,
        limit_estimate=est,
        limit_ci_low=est - crit * se0,
        limit_ci_high=est + crit * se0,
        limit_se=se0,
        slope=fit_.beta[1],
        slope_se=fit_.se[1],
        dispersion=fit_.s2w,
        tau2=None if method == "FE" else fit_.tau2,
        warnings=_low_power(k, name),
    )


# --------------------------------------------------------------------------- rank test


@functools.lru_cache(maxsize=64)
def _kendall_pmf(n: int) -> np.ndarray:
    """Null distribution of the number of concordant pairs among n untied observations.

    It is the distribution of the number of inversions of a random permutation (Mahonian
    numbers / n!): the convolution of uniform distributions on {0, ..., i - 1},
    i = 1..n. All terms are positive, so tail probabilities keep full relative accuracy.
    R's ``pkendall`` (``ckendall`` counts / n!) is the same distribution.
    """
    p = np.ones(1)
    for i in range(2, n + 1):
        if i <= _KENDALL_DIRECT:
            p = np.convolve(p, np.full(i, 1.0 / i))
            continue
        # moving sum of width i through a cumulative sum: O(len) instead of O(len * i);
        # the lower half is accurate (small partial sums), the upper half is its mirror
        c = np.concatenate([[0.0], np.cumsum(p)])
        j = np.arange(p.size + i - 1)
        p = (c[np.minimum(j + 1, p.size)] - c[np.maximum(j - i + 1, 0)]) / i
        half = p.size // 2
        p[p.size - half :] = p[:half][::-1]
    p.flags.writeable = False
    return p


def _kendall_lower_tail(n: int, m: int) -> float:
    """P(T <= m) for the number T of concordant pairs among n untied observations.

    Up to n = 150 from the cached full distribution (:func:`_kendall_pmf`). Above, from
    the same distribution, T = U_2 + ... + U_n with U_i uniform on {0, ..., i - 1},
    exponentially tilted (Esscher) so that the tail is computed where it is large:
    with weights e^(-r j) each U_i becomes a truncated geometric distribution, r chosen
    so that their means add up to m; the tilted distribution of T is the product of the
    tilted factors' polynomials (divide and conquer, FFT for the large products), and

        P(T <= m) = prod_i (Z_i / i) e^(r m) sum_{j <= m} b_j e^(-r (m - j)),

    Z_i = sum_{j < i} e^(-r j), b the tilted probabilities. The identity is exact for
    any r; the tilt only puts the terms that matter (j near m) at the top of the
    tilted distribution, where the FFT's rounding is relative to them, so tail
    probabilities keep about 13 significant digits (the tests compare with the direct
    convolution). O(N log N log n) for N = n (n - 1) / 2: 0.1 s for n = 1,000.
    """
    if n <= _KENDALL_DIRECT:
        return float(np.sum(_kendall_pmf(n)[: m + 1]))
    if m <= 0:
        return math.exp(-math.lgamma(n + 1)) if m == 0 else 0.0
    i = np.arange(2, n + 1, dtype=float)
    n_pairs = n * (n - 1) // 2
    r = 0.0 if 2 * m >= n_pairs else _kendall_tilt(i, m)
    polys = []
    for ii in range(2, n + 1):
        j = np.arange(min(ii, int(745.0 / r) + 2 if r > 0 else ii), dtype=float)
        w = np.exp(-r * j)
        polys.append(w / np.sum(w))
    while len(polys) > 1:  # coefficients above m never reach those up to m: cut them
        paired = [_poly_mul(polys[a], polys[a + 1])[: m + 1] for a in range(0, len(polys) - 1, 2)]
        if len(polys) % 2:
            paired.append(polys[-1])
        polys = paired
    b = polys[0][: m + 1]
    j = np.arange(b.size, dtype=float)
    tail = float(np.sum(b * np.exp(-r * (m - j))))
    if r > 0:
        log_z = np.log(-np.expm1(-r * i)) - math.log(-math.expm1(-r))
        log_pref = float(np.sum(log_z - np.log(i))) + r * m
    else:
        log_pref = 0.0
    return math.exp(log_pref + math.log(tail)) if tail > 0 else 0.0


def _kendall_tilt(i: np.ndarray, m: int) -> float:
    """r > 0 with sum_i E_r[U_i] = m: the tilted (truncated geometric) means add to m."""
    from scipy.optimize import brentq

    def excess(r: float) -> float:
        with np.errstate(over="ignore"):  # i / expm1(i r) -> 0 for large i r
            means = 1.0 / math.expm1(r) - i / np.expm1(i * r)  # mean of U_i under e^(-r j)
        return float(np.sum(means)) - m

    lo, hi = 1e-9, max(1.0, math.log(i.size / m) + 5.0)
    if excess(lo) <= 0:  # m within rounding of the middle: no tilt needed
        return 0.0
    while excess(hi) > 0:
        hi *= 2.0
    return float(brentq(excess, lo, hi, xtol=1e-10, rtol=1e-8))


def _poly_mul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Coefficients of the product of two polynomials (probability vectors)."""
    from scipy import fft

    size = p.size + q.size - 1
    if min(p.size, q.size) < 64:
        return np.convolve(p, q)
    nfft = fft.next_fast_len(size, real=True)
    return fft.irfft(fft.rfft(p, nfft) * fft.rfft(q, nfft), nfft)[:size]


def _tie_sizes(x: np.ndarray) -> np.ndarray:
    _, counts = np.unique(x, return_counts=True)
    return counts[counts > 1].astype(float)


def rank_test(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
) -> RankTest | NotRun:
    """metafor ``ranktest(rma(yi, vi, method = method))``.

    ``method`` is accepted for a uniform interface: metafor's ranktest uses the
    fixed-effect (inverse-variance) estimate whatever the model's tau2 estimator.
    Not run when k < 3 (with 2 studies tau is +-1 and the exact p is always 1) or when
    every study has the same variance (Kendall's tau is undefined).
    """
    _check_method(method)
    y, v = _arrays(yi, vi)
    k = int(y.size)
    if k < 3:
        return NotRun(
            "rank_test",
            k,
            f"the rank correlation test needs at least 3 studies (k = {k}; with 2 studies "
            "tau is +-1 and p is always 1)",
        )
    w = 1.0 / v
    theta = float(np.sum(w * y) / np.sum(w))
    vb = 1.0 / float(np.sum(w))
    ystar = (y - theta) / np.sqrt(v - vb)
    sx = np.sign(ystar[:, None] - ystar[None, :])
    sy = np.sign(v[:, None] - v[None, :])
    upper = np.triu(np.ones((k, k), dtype=bool), 1)
    n_x = int(np.count_nonzero(sx[upper]))  # pairs not tied in ystar
    n_y = int(np.count_nonzero(sy[upper]))
    if n_x == 0 or n_y == 0:
        what = "variance" if n_y == 0 else "standardized deviate"
        return NotRun(
            "rank_test",
            k,
            f"the rank correlation test cannot be run: every study has the same {what}, so "
            "Kendall's tau is undefined",
        )
    s = int(np.sum(sx[upper] * sy[upper]))  # concordant - discordant
    tau = s / math.sqrt(n_x * n_y)
    n_pairs = k * (k - 1) // 2
    ties = n_x < n_pairs or n_y < n_pairs
    warnings = _low_power(k, "the rank correlation test")
    if not ties:
        q = (s + n_pairs) // 2  # concordant pairs, R's round((tau + 1) n (n - 1) / 4)
        tail = _kendall_lower_tail(k, min(q, n_pairs - q))  # symmetric: P(T >= q) = P(T <= N - q)
        if k > _KENDALL_R_MAX:
            warnings = (
                *warnings,
                f"k = {k} > {_KENDALL_R_MAX}: metafor's exact p is NaN here (n! overflows in "
                "R's pkendall); synth gives the exact p from the same distribution",
            )
        return RankTest(
            k=k, tau=tau, p_value=min(2.0 * tail, 1.0), exact=True, statistic=float(q),
            warnings=warnings,
        )  # fmt: skip
    tx = _tie_sizes(ystar)
    ty = _tie_sizes(v)
    n = float(k)
    v0 = n * (n - 1) * (2 * n + 5)
    vt = float(np.sum(tx * (tx - 1) * (2 * tx + 5)))
    vu = float(np.sum(ty * (ty - 1) * (2 * ty + 5)))
    v1 = float(np.sum(tx * (tx - 1))) * float(np.sum(ty * (ty - 1)))
    v2 = float(np.sum(tx * (tx - 1) * (tx - 2))) * float(np.sum(ty * (ty - 1) * (ty - 2)))
    var_s = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
    z = s / math.sqrt(var_s)
    p = 2.0 * float(ndtr(-abs(z)))
    return RankTest(
        k=k,
        tau=tau,
        p_value=min(p, 1.0),
        exact=False,
        statistic=z,
        warnings=(
            *warnings,
            "tied values: the rank correlation test uses the normal approximation "
            "(no exact p value with ties)",
        ),
    )


# --------------------------------------------------------------------------- meta-regression


class _MetaReg(NamedTuple):
    """``rma.uni(yi, vi, mods = x, method = ..., test = ...)``: one moderator + intercept."""

    beta: tuple[float, float]  # (intercept, slope)
    se: tuple[float, float]
    tau2: float  # 0 for FE
    s2w: float  # HKSJ scale factor (1 for the z test)
    converged: bool


def _xw_sums(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """X'WX for X = [1, x] and a diagonal W, as a 2 x 2 array."""
    sw, swx, swxx = float(np.sum(w)), float(np.sum(w * x)), float(np.sum(w * x * x))
    return np.array([[sw, swx], [swx, swxx]])


def _wls2(y: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of y on [1, x]: (beta, (X'WX)^-1)."""
    a = np.linalg.inv(_xw_sums(x, w))
    beta = a @ np.array([float(np.sum(w * y)), float(np.sum(w * x * y))])
    return beta, a


def _mr_quantities(ymc: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[float, ...]:
    """y'Py, y'PPy, tr(P), tr(PP) for P = W - W X (X'WX)^-1 X'W, without forming P.

    P y = W r (r the weighted residuals), so y'Py = sum w r^2 and y'PPy = sum w^2 r^2;
    with A = (X'WX)^-1, B = X'W^2X, C = X'W^3X: tr(P) = sum w - tr(AB) and
    tr(PP) = sum w^2 - 2 tr(AC) + tr(ABAB). O(k) per call, so k = 1,000 costs nothing.
    """
    beta, a = _wls2(ymc, x, w)
    r = ymc - beta[0] - beta[1] * x
    ab = a @ _xw_sums(x, w * w)
    ac = a @ _xw_sums(x, w * w * w)
    w2 = w * w
    return (
        float(np.sum(w * r * r)),
        float(np.sum(w2 * r * r)),
        float(np.sum(w)) - float(np.trace(ab)),
        float(np.sum(w2)) - 2.0 * float(np.trace(ac)) + float(np.trace(ab @ ab)),
    )


def _mr_fit(
    y: np.ndarray, v: np.ndarray, x: np.ndarray, method: str, *, test: str = "z"
) -> _MetaReg:
    """metafor 3.8 ``rma.uni(yi, vi, mods = x, method = method, test = test)``, k >= 3.

    The residual tau2 estimators for the k x 2 design X = [1, x] (p = 2), as rma.uni
    defines them (P = W - W X (X'WX)^-1 X'W, V = diag(vi), H = X (X'X)^-1 X'):
    FE 0; HS (y'Py - k)/sum w; DL (y'Py - (k-2))/tr P (w = 1/vi); HE
    (y'(I-H)y - tr((I-H)V))/(k-2); SJ t0 y'P(t0)y/(k-2), t0 = mean((y - ybar)^2); PM root
    of y'P(t)y = k - 2 (0 when y'P(0)y < k - 2); ML/REML/EB Fisher scoring from max(0,
    HE) with step halving at 0 (ML: (y'PPy - sum w)/sum w^2; REML: (y'PPy - tr P)/tr PP;
    EB: (y'Py k/(k-2) - k)/sum w) to a change below 1e-12 (metafor's default is 1e-5),
    then ML/REML's ll0check. Every estimate is truncated at 0. The coefficients are the
    weighted least squares fit with w = 1/(vi + tau2) and vb = s2w (X'WX)^-1, s2w = 1
    for the z test and RSS/(k-2) for ``test = "knha"`` (0 when RSS <= machine eps).
    """
    k = y.size
    p = 2
    ymc = y - y.mean()
    converged = True
    tau2 = 0.0
    if method == "HS":
        w = 1.0 / v
        tau2 = (_mr_quantities(ymc, x, w)[0] - k) / float(np.sum(w))
    elif method == "DL":
        ypy, _, trp, _ = _mr_quantities(ymc, x, 1.0 / v)
        tau2 = (ypy - (k - p)) / trp
    elif method == "SJ":
        t0 = float(np.mean(ymc**2))
        tau2 = t0 * _mr_quantities(ymc, x, 1.0 / (v + t0))[0] / (k - p)
    elif method == "PM":
        tau2 = _pm_root(lambda t: _mr_quantities(ymc, x, 1.0 / (v + t))[0] - (k - p))
    elif method in ("HE", "ML", "REML", "EB"):
        beta_u, a_u = _wls2(ymc, x, np.ones(k))
        r_u = ymc - beta_u[0] - beta_u[1] * x
        tr_pv = float(np.sum(v)) - float(np.trace(a_u @ _xw_sums(x, v)))
        tau2 = (float(np.sum(r_u * r_u)) - tr_pv) / (k - p)
        if method != "HE":
            tau2, converged = _fisher_mr(ymc, v, x, method, max(0.0, tau2))
    tau2 = max(0.0, tau2)
    w = 1.0 / (v + tau2)
    beta, a = _wls2(y, x, w)
    s2w = 1.0
    if test == "knha":
        r = y - beta[0] - beta[1] * x
        rss = float(np.sum(w * r * r))
        s2w = 0.0 if rss <= _EPS else rss / (k - p)
    se = np.sqrt(s2w * np.diag(a))
    return _MetaReg(
        beta=(float(beta[0]), float(beta[1])),
        se=(float(se[0]), float(se[1])),
        tau2=tau2,
        s2w=s2w,
        converged=converged,
    )


def _pm_root(func) -> float:
    """Root of the decreasing Q(tau2) - (k - p) on [0, inf); 0 when Q(0) is below target."""
    from scipy.optimize import brentq

    if func(0.0) < 0:
        return 0.0
    hi = 100.0
    while func(hi) > 0:
        hi *= 10.0
        if hi > 1e300:
            return hi
    return float(brentq(func, 0.0, hi, xtol=1e-14, rtol=4 * _EPS, maxiter=1000))


def _fisher_mr(
    ymc: np.ndarray, v: np.ndarray, x: np.ndarray, method: str, tau2: float
) -> tuple[float, bool]:
    """metafor's Fisher scoring for ML/REML/EB with X = [1, x]: (tau2, converged)."""
    k, p = ymc.size, 2
    converged = False
    for _ in range(_FISHER_MAXITER):
        w = 1.0 / (v + tau2)
        ypy, yppy, trp, trpp = _mr_quantities(ymc, x, w)
        if method == "ML":
            adj = (yppy - float(np.sum(w))) / float(np.sum(w * w))
        elif method == "REML":
            adj = (yppy - trp) / trpp
        else:  # EB
            adj = (ypy * k / (k - p) - k) / float(np.sum(w))
        if not math.isfinite(adj):
            adj = 0.0
        while tau2 + adj < 0:
            adj /= 2
        old, tau2 = tau2, tau2 + adj
        if abs(old - tau2) <= _FISHER_THRESHOLD:
            converged = True
            break
    if converged and method in ("ML", "REML") and tau2 > 0:

        def loglik(t: float) -> float:
            w = 1.0 / (v + t)
            beta, a = _wls2(ymc, x, w)
            r = ymc - beta[0] - beta[1] * x
            ll = -0.5 * float(np.sum(np.log(v + t))) - 0.5 * float(np.sum(w * r * r))
            if method == "REML":
                ll += 0.5 * float(np.linalg.slogdet(a)[1])  # -1/2 log det(X'WX)
            return ll

        if loglik(0.0) - loglik(tau2) > _LL0_TOL and tau2 > _FISHER_THRESHOLD:
            tau2 = 0.0
    return tau2, converged


# --------------------------------------------------------------------------- trim and fill


def trim_and_fill(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
    estimator: str = "L0",
    side: str | None = None,
) -> TrimFill | NotRun:
    """metafor ``trimfill(rma(yi, vi, method = method), estimator = ..., side = ...)``.

    The refitted model uses ``ci_method`` and ``level``, as
    ``trimfill(res, test = res$test, level = ...)`` does; metafor's bare ``trimfill(res)``
    refits with a z test at 95% whatever the model had (the two agree for "wald", 0.95).
    Not run when k < 3, when the side must be chosen but every study has the same
    variance (metafor stops: the slope is not estimable), or when the algorithm does not
    converge within metafor's 100 iterations.
    """
    _check_method(method)
    y0, v0 = _arrays(yi, vi)
    k = int(y0.size)
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; expected one of {ESTIMATORS}")
    if side is not None and side not in SIDES:
        raise ValueError(f"unknown side {side!r}; expected 'left', 'right' or None")
    if k < 3:
        return NotRun("trim_and_fill", k, f"trim and fill needs at least 3 studies (k = {k})")
    side_given = side is not None
    if side is None:
        if _rank_deficient(np.sqrt(v0)):
            return NotRun(
                "trim_and_fill",
                k,
                "trim and fill cannot choose the side: every study has the same variance, so "
                "the funnel-asymmetry slope is not estimable; give the side (left or right)",
            )
        side = "right" if _mr_fit(y0, v0, np.sqrt(v0), method).beta[1] < 0 else "left"

    y = -y0 if side == "right" else y0.copy()
    order = np.argsort(y, kind="stable")  # R's sort(): radix, stable
    y = y[order]
    v = v0[order]
    k0_prev, k0, iterations = -1, 0, 0
    se_k0 = float("nan")
    beta = 0.0
    yc = y
    while k0 != k0_prev:
        k0_prev = k0
        iterations += 1
        if iterations > _TRIMFILL_MAXITER:
            return NotRun(
                "trim_and_fill",
                k,
                f"trim and fill did not converge in {_TRIMFILL_MAXITER} iterations",
            )
        beta = fit(y[: k - k0], v[: k - k0], method=method, tau2_ci=False).estimate
        yc = y - beta
        ranks = np.empty(k)
        ranks[np.argsort(np.abs(yc), kind="stable")] = np.arange(1, k + 1)  # ties: "first"
        signed = np.sign(yc) * ranks
        if estimator == "R0":
            neg = signed[signed < 0]
            if neg.size == 0:
                return NotRun(
                    "trim_and_fill",
                    k,
                    "trim and fill (R0) failed: no study lies below the trimmed estimate",
                )
            k0_raw = (k - float(np.max(-neg))) - 1
            se_k0 = math.sqrt(2 * max(0.0, k0_raw) + 2)
        else:
            s_r = float(np.sum(signed[signed > 0]))
            k0_raw = (4 * s_r - k * (k + 1)) / (2 * k - 1)
            var_sr = (
                k * (k + 1) * (2 * k + 1)
                + 10 * k0_raw**3
                + 27 * k0_raw**2
                + 17 * k0_raw
                - 18 * k * k0_raw**2
                - 18 * k * k0_raw
                + 6 * k**2 * k0_raw
            ) / 24
            se_k0 = 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else float("nan")
        k0 = max(0, round(k0_raw))  # R's round(): half to even, as Python's
        se_k0 = max(0.0, se_k0) if not math.isnan(se_k0) else se_k0

    warnings = list(_low_power(k, "trim and fill"))
    if k0 > 0:
        # metafor: yi.c <- yi.c - beta (left) or -(yi.c - beta) (right); filled = -yi.c[tail]
        tail = yc[k - k0 :] - beta
        filled_y = tail if side == "right" else -tail
        filled_v = v[k - k0 :]
        model = fit(
            np.concatenate([y0, filled_y]),
            np.concatenate([v0, filled_v]),
            method=method,
            ci=ci_method,
            level=level,
        )
    else:
        filled_y = filled_v = np.empty(0)
        model = fit(y0, v0, method=method, ci=ci_method, level=level)
    if math.isnan(se_k0):
        se_k0_out = None
        warnings.append("the standard error of k0 is not defined for these data")
    else:
        se_k0_out = se_k0
    return TrimFill(
        estimator=estimator,
        side=side,
        side_given=side_given,
        k=k,
        k0=int(k0),
        se_k0=se_k0_out,
        p_k0=0.5 ** (k0 + 1) if estimator == "R0" else None,
        filled_yi=tuple(float(a) for a in filled_y),
        filled_vi=tuple(float(a) for a in filled_v),
        model=model,
        iterations=iterations,
        warnings=tuple(warnings) + model.notes,
    )


# --------------------------------------------------------------------------- fail-safe N


def fail_safe_n(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    target: float | None = None,
    alpha: float = 0.05,
) -> FailSafeN:
    """metafor ``fsn(yi, vi, type = ...)`` for Rosenthal, Orwin and Rosenberg.

    ``target`` is Orwin's target effect on the model scale (the caller converts a
    reporting-scale value); by default half the unweighted mean effect, as metafor. Its
    sign is made to match the mean effect's, as metafor does. ``method`` is accepted for
    a uniform interface: metafor's fsn does not use the model's tau2 estimator.
    """
    _check_method(method)
    y, v = _arrays(yi, vi)
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must be in (0, 1)")
    k = int(y.size)
    warnings: list[str] = []
    # Rosenthal (Stouffer): one-sided alpha
    z_avg = abs(float(np.sum(y / np.sqrt(v))) / math.sqrt(k))
    rosenthal_p = float(ndtr(-z_avg))
    z_alpha = -float(ndtri(alpha))
    rosenthal = _fsnum(max(0.0, k * (z_avg / z_alpha) ** 2 - k))
    # Orwin: unweighted mean effect
    mean_es = float(np.mean(y))
    tgt = mean_es / 2 if target is None else float(target)
    if tgt == 0:
        orwin: int | None = None
        warnings.append(
            "Orwin's fail-safe N is infinite: the target effect is 0"
            + (" (the mean effect is 0)" if target is None else "")
        )
    else:
        if np.sign(tgt) != np.sign(mean_es):
            tgt = -tgt
        orwin = _fsnum(max(0.0, k * (mean_es - tgt) / tgt))
    # Rosenberg: weighted (fixed-effect) mean, two-sided alpha
    w = 1.0 / v
    sw = float(np.sum(w))
    swy = float(np.sum(w * y))
    mean_w = swy / sw
    z = mean_w / math.sqrt(1.0 / sw)
    rosenberg_p = 2.0 * float(ndtr(-abs(z)))
    w_p = (swy / -float(ndtri(alpha / 2))) ** 2 - sw
    rosenberg = _fsnum(max(0.0, k * w_p / sw))
    if k == 1:
        warnings.append("fail-safe N from a single study")
    return FailSafeN(
        k=k,
        alpha=alpha,
        rosenthal_n=int(rosenthal),  # finite: k (z/z_alpha)^2 - k
        rosenthal_p=rosenthal_p,
        orwin_n=orwin,
        orwin_target=tgt,
        orwin_mean=mean_es,
        rosenberg_n=int(rosenberg),
        rosenberg_p=rosenberg_p,
        rosenberg_mean=mean_w,
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- from a pooled result

_LOW_POWER_TAIL = "the test has low power"
_HANDBOOK = "Cochrane Handbook 13.3.5.4"


@dataclass(frozen=True)
class BiasResult:
    """Every small-study analysis of one pooled outcome: what ``synth bias`` prints.

    ``model`` is the pooled result the analyses start from. The tests are on the
    analysis (model) scale, as metafor reports them; :meth:`to_dict` adds the
    reporting-scale values (limit estimates, Orwin's target and means, the trim-and-fill
    model as a ``synth pool`` object).
    """

    model: PoolResult
    predictor: str
    estimator: str
    side: str | None  # as requested (None: chosen as metafor chooses it)
    egger: RegressionTest | NotRun
    regression_test: RegressionTest | NotRun
    rank_test: RankTest | NotRun
    trim_and_fill: TrimFill | NotRun
    fail_safe_n: FailSafeN
    fsn_target: float | None  # Orwin's target as given, on the reporting scale
    trim_and_fill_model: PoolResult | None  # the refitted model, reporting scale
    warnings: tuple[str, ...] = field(default=())

    @property
    def k(self) -> int:
        return self.model.k

    def _regression_dict(self, test: RegressionTest | NotRun) -> dict[str, Any] | None:
        if not test:
            return None
        assert isinstance(test, RegressionTest)
        d = test.to_dict()
        d["reporting_scale"] = {
            key: clean(self.model.back(getattr(test, key)))
            for key in ("limit_estimate", "limit_ci_low", "limit_ci_high")
        }
        return d

    def _trim_and_fill_dict(self) -> dict[str, Any] | None:
        tf = self.trim_and_fill
        if not tf:
            return None
        assert isinstance(tf, TrimFill) and self.trim_and_fill_model is not None
        d = tf.to_dict()
        rows = [s for s in self.trim_and_fill_model.to_dict()["studies"] if s["filled"]]
        d["filled"] = [
            {key: row[key] for key in ("yi", "vi", "estimate", "ci_low", "ci_high")} for row in rows
        ]
        d["model"] = self.trim_and_fill_model.to_dict()
        return d

    def _fail_safe_n_dict(self) -> dict[str, Any]:
        f = self.fail_safe_n
        d = f.to_dict()
        back = self.model.back
        d["orwin"] = {
            "n": f.orwin_n,
            "target": clean(back(f.orwin_target)),
            "mean": clean(back(f.orwin_mean)),
            "target_model_scale": clean(f.orwin_target),
            "mean_model_scale": clean(f.orwin_mean),
        }
        d["rosenberg"] = {
            "n": f.rosenberg_n,
            "p": clean(f.rosenberg_p),
            "mean": clean(back(f.rosenberg_mean)),
            "mean_model_scale": clean(f.rosenberg_mean),
        }
        return d

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``synth bias`` JSON object (section 5), plus documented extra keys."""
        m = self.model
        return {
            "outcome": m.outcome,
            "measure": m.measure,
            "method": m.method,
            "ci_method": m.ci_method,
            "level": m.level,
            "k": m.k,
            "predictor": self.predictor,
            "estimator": self.estimator,
            "side": self.side,
            "fsn_target": self.fsn_target,
            "model": m.to_dict(),
            "egger": self._regression_dict(self.egger),
            "regression_test": self._regression_dict(self.regression_test),
            "rank_test": self.rank_test.to_dict(),
            "trim_and_fill": self._trim_and_fill_dict(),
            "fail_safe_n": self._fail_safe_n_dict(),
            "warnings": list(self.warnings),
        }

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily), one row per test
        import pandas as pd

        return pd.DataFrame(test_rows(self))


def test_rows(b: BiasResult) -> list[dict[str, Any]]:
    """One flat row per test (the CSV and the tables): numbers as computed, None if absent."""
    back = b.model.back
    rows: list[dict[str, Any]] = []
    names = {"egger": "Egger's test (weighted regression, lm)",
             "regression_test": "Regression test (random-effects model, rma)"}  # fmt: skip
    for key in ("egger", "regression_test"):
        t = getattr(b, key)
        base = {"test": key, "name": names[key], "predictor": b.predictor}
        if isinstance(t, RegressionTest):
            rows.append(
                {
                    **base,
                    "statistic": t.statistic,
                    "df": t.df,
                    "p_value": t.p_value,
                    "estimate": back(t.limit_estimate),
                    "ci_low": back(t.limit_ci_low),
                    "ci_high": back(t.limit_ci_high),
                    "n": None,
                    "note": "limit estimate (effect as the standard error -> 0)"
                    if b.predictor in ("sei", "vi")
                    else "limit estimate (effect as 1/n -> 0)",
                }
            )
        else:
            rows.append({**base, "note": t.reason})
    r = b.rank_test
    base = {"test": "rank_test", "name": "Rank correlation test (Begg and Mazumdar)"}
    if isinstance(r, RankTest):
        rows.append(
            {**base, "statistic": r.tau, "p_value": r.p_value,
             "note": "Kendall's tau; " + ("exact p" if r.exact else "normal approximation")}
        )  # fmt: skip
    else:
        rows.append({**base, "note": r.reason})
    tf = b.trim_and_fill
    base = {"test": "trim_and_fill", "name": f"Trim and fill ({b.estimator})"}
    if isinstance(tf, TrimFill) and b.trim_and_fill_model is not None:
        tm = b.trim_and_fill_model
        rows.append(
            {**base, "statistic": tm.statistic, "df": tm.df, "p_value": tm.p_value,
             "estimate": tm.estimate, "ci_low": tm.ci_low, "ci_high": tm.ci_high,
             "n": tf.k0, "note": f"{tf.k0} filled on the {tf.side}; adjusted estimate"}
        )  # fmt: skip
    else:
        rows.append({**base, "note": tf.reason})
    f = b.fail_safe_n
    rows += [
        {"test": "fsn_rosenthal", "name": "Fail-safe N (Rosenthal)", "n": f.rosenthal_n,
         "p_value": f.rosenthal_p, "note": f"alpha = {f.alpha:g}, one-sided"},
        {"test": "fsn_orwin", "name": "Fail-safe N (Orwin)", "n": f.orwin_n,
         "estimate": back(f.orwin_target), "note": "target effect (estimate column)"},
        {"test": "fsn_rosenberg", "name": "Fail-safe N (Rosenberg)", "n": f.rosenberg_n,
         "p_value": f.rosenberg_p, "note": f"alpha = {f.alpha:g}, two-sided"},
    ]  # fmt: skip
    keys = ("test", "name", "predictor", "statistic", "df", "p_value", "estimate", "ci_low",
            "ci_high", "n", "note")  # fmt: skip
    return [{k: clean(row.get(k)) for k in keys} for row in rows]


def to_model_scale(result: PoolResult, value: float, what: str = "--fsn-target") -> float:
    """A reporting-scale value (a ratio, a proportion, ...) on ``result``'s analysis scale.

    The inverse of ``result.back``: log for ratios, logit for PLO, arcsine square root
    for PAS, the Freeman-Tukey transform at the harmonic mean n for PFT (by root
    finding on ``result.back``), the identity otherwise. Raises SynthError for a value
    outside the scale's range.
    """
    m = MEASURES.get(result.measure)
    if not math.isfinite(value):
        raise SynthError(f"{what} {value}: must be a finite number")
    if m is not None and m.log:
        if value <= 0:
            raise SynthError(
                f"{what} {value:g}: {result.measure} is a ratio, so the target must be > 0 "
                "(1 is no effect)"
            )
        return math.log(value)
    if result.measure in ("PLO", "PAS", "PFT"):
        lo_ok = value > 0 if result.measure == "PLO" else value >= 0
        hi_ok = value < 1 if result.measure == "PLO" else value <= 1
        if not (lo_ok and hi_ok):
            bounds = "between 0 and 1" if result.measure == "PLO" else "in [0, 1]"
            raise SynthError(f"{what} {value:g}: a proportion {bounds} is needed")
        if result.measure == "PLO":
            return math.log(value / (1.0 - value))
        if result.measure == "PAS":
            return math.asin(math.sqrt(value))
        from scipy.optimize import brentq

        ends = (0.0, math.pi / 2)
        back = result.back
        if value in (0.0, 1.0):
            # the transform of p = 0 (or 1): the largest x with back(x) = 0 (smallest = 1)
            return float(
                brentq(lambda t: (back(t) > 0) - 0.5 if value == 0 else (back(t) < 1) - 0.5,
                       *ends, xtol=1e-15)
            )  # fmt: skip
        return float(brentq(lambda t: back(t) - value, *ends, xtol=1e-15, rtol=4 * _EPS))
    return float(value)


_CORRECTED_MEASURES = ("PLO", "PR", "RR", "OR", "RD")  # escalc's add = 1/2, to = "only0"


def _all_corrected(result: PoolResult) -> bool:
    """Whether every row got the 0.5 continuity correction (0 or all events in a group)."""
    if result.measure not in _CORRECTED_MEASURES or not result.studies:
        return False
    for study in result.studies:
        counts = [e for e in study.entries if e.kind == "binary" and e.total]
        if not counts or not any(e.events in (0, e.total) for e in counts):
            return False
    return True


def bias_of(
    result: PoolResult,
    *,
    predictor: str = "sei",
    estimator: str = "L0",
    side: str | None = None,
    fsn_target: float | None = None,
) -> BiasResult:
    """Every small-study analysis of a pooled result (``synth bias``), as metafor 3.8.

    Starts from the pooled result's rows (``yi``, ``vi``, ``n``) and model (``method``,
    ``ci_method``, ``level``): Egger's test and the random-effects regression test with
    ``predictor`` (``sei``, ``vi``, ``ninv``, ``sqrtninv``), the rank correlation test,
    trim and fill (``estimator`` L0 or R0, ``side`` left/right or None for metafor's
    choice) refitted with the same model, and fail-safe N with Orwin's ``fsn_target`` on
    the reporting scale (a ratio for ratio measures; default half the mean effect).

    Raises SynthError for pooled medians (no sampling variances) and for GLMM fits
    (metafor's regtest, ranktest and trimfill do not take rma.glmm models): run the
    inverse-variance model (e.g. REML) on the same logit proportions instead.
    """
    if result.measure == "MED":
        raise SynthError(
            "small-study analyses need effect sizes with sampling variances; pooled medians "
            "(--measure MED) have none. Use a measure with variances (e.g. --measure HR)"
        )
    if result.method not in METHODS:
        raise SynthError(
            f"--method {result.method}: the small-study analyses need an inverse-variance "
            "model (metafor's regtest, ranktest and trimfill do not take rma.glmm); use "
            "--method REML (or DL, PM, ...) on the same data"
        )
    if predictor not in PREDICTORS:
        raise SynthError(f"--predictor {predictor}: use one of {', '.join(PREDICTORS)}")
    if estimator not in ESTIMATORS:
        raise SynthError(f"--estimator {estimator}: use one of {', '.join(ESTIMATORS)}")
    if side is not None and side not in SIDES:
        raise SynthError(f"--side {side}: use left or right")
    # metafor's rows (the listed order): trim and fill breaks ties by row order, so the
    # numbers do not depend on the order the rows are shown in (synth pool --sort)
    rows = order_result(result, "listed")
    y, v = rows.yi, rows.vi
    if y.size == 0 or not (np.all(np.isfinite(y)) and np.all(np.isfinite(v))):
        raise SynthError(f"{result.outcome}: no effect sizes with variances to analyse")
    ni = [s.n for s in rows.studies]
    method, ci, level = result.method, result.ci_method, result.level
    target = None if fsn_target is None else to_model_scale(result, fsn_target)

    eg = egger(yi=y, vi=v, ni=ni, predictor=predictor, level=level)
    rt = regression_test(yi=y, vi=v, ni=ni, predictor=predictor, method=method,
                         ci_method=ci, level=level)  # fmt: skip
    rk = rank_test(yi=y, vi=v, method=method)
    tf = trim_and_fill(yi=y, vi=v, method=method, ci_method=ci, level=level,
                       estimator=estimator, side=side)  # fmt: skip
    fsn = fail_safe_n(yi=y, vi=v, method=method, target=target)
    tf_model = _trim_and_fill_model(rows, tf, shown=result) if isinstance(tf, TrimFill) else None

    warnings: list[str] = []
    low_power = False
    for part in (eg, rt, rk, tf, fsn):
        for w in part.warnings:
            if _LOW_POWER_TAIL in w:
                low_power = True
            else:
                warnings.append(w)
    if low_power:
        warnings.insert(
            0,
            f"only {result.k} studies (fewer than {LOW_POWER_K}): the tests for funnel-plot "
            "asymmetry and trim and fill have low power, so a non-significant result does "
            f"not rule out small-study effects ({_HANDBOOK})",
        )
    if target is not None and fsn.orwin_target != target:
        warnings.append(
            f"Orwin's target {fsn_target:g} lies on the other side of no effect from the mean "
            f"effect; as metafor, its mirror image {result.back(fsn.orwin_target):.4g} is used"
        )
    if _all_corrected(rows):
        warnings.append(
            f"every study has 0 or all events in a group, so 0.5 is added to every study's "
            f"cells for {result.measure}: its estimate and SE then depend on its size alone, "
            "and the funnel-plot tests measure the continuity correction, not the data; use "
            "--measure PFT (no correction) or read them as uninformative"
        )
    if result.measure in ("PLO", "PFT", "PAS", "PR"):
        warnings.append(
            "single-arm proportions: funnel-plot asymmetry may reflect real differences "
            "between populations rather than missing studies; read the tests with care"
        )
    return BiasResult(
        model=result,
        predictor=predictor,
        estimator=estimator,
        side=side,
        egger=eg,
        regression_test=rt,
        rank_test=rk,
        trim_and_fill=tf,
        fail_safe_n=fsn,
        fsn_target=fsn_target,
        trim_and_fill_model=tf_model,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _trim_and_fill_model(result: PoolResult, tf: TrimFill, *, shown: PoolResult) -> PoolResult:
    """The trim-and-fill model as a PoolResult (reporting scale): the observed rows (those
    of ``result``, which ``tf`` was computed on) in the order of ``shown``, then the
    filled ones."""
    f = tf.model
    back = result.back
    z = -float(ndtri((1.0 - result.level) / 2.0))
    weights = f.weights
    weight = {id(s): w for s, w in zip(result.studies, weights[: result.k], strict=True)}
    observed = tuple(replace(s, weight=weight[id(s)]) for s in shown.studies)
    filled = tuple(
        StudyResult(
            id=f"filled-{i}",
            arm=None,
            label=f"Filled study {i} (trim and fill)",
            data="filled",
            estimate=back(yi),
            ci_low=back(yi - z * math.sqrt(vi)),
            ci_high=back(yi + z * math.sqrt(vi)),
            yi=yi,
            vi=vi,
            weight=w,
            n=None,
            year=0,
            file="",
            line=0,
        )
        for i, (yi, vi, w) in enumerate(
            zip(tf.filled_yi, tf.filled_vi, weights[result.k :], strict=True), 1
        )
    )
    notes = [f"trim and fill ({tf.estimator}): {tf.k0} studies filled on the {tf.side}"]
    return _FilledPoolResult(
        outcome=result.outcome,
        measure=result.measure,
        method=result.method,
        ci_method=f.ci_method,
        level=result.level,
        k=f.k,
        estimate=back(f.estimate),
        ci_low=back(f.ci_low),
        ci_high=back(f.ci_high),
        pi_low=back(f.pi_low),
        pi_high=back(f.pi_high),
        model_scale=ModelScale(f.estimate, f.se, f.ci_low, f.ci_high, f.pi_low, f.pi_high),
        statistic=f.statistic,
        df=f.df,
        p_value=f.p_value,
        heterogeneity=Heterogeneity(
            f.tau2, f.tau2_ci_low, f.tau2_ci_high, f.tau, f.I2, f.H2, f.Q, f.Q_df, f.Q_p
        ),
        studies=observed + filled,
        warnings=tuple(dict.fromkeys(f.notes)),
        converged=f.converged,
        notes=tuple(notes),
        where=result.where,
        harmonic_n=result.harmonic_n,
        n_filled=tf.k0,
    )


@dataclass(frozen=True)
class _FilledPoolResult(PoolResult):
    """A PoolResult whose last ``n_filled`` rows are trim-and-fill's filled studies:
    its JSON marks every row with ``filled`` and gives the filled rows no year, n or
    source."""

    n_filled: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        first = len(d["studies"]) - self.n_filled
        for i, row in enumerate(d["studies"]):
            row["filled"] = i >= first
            if i >= first:
                row.update(year=None, source=None, n=None)
        return d
