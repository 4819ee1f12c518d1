"""Mean difference (MD) and standardized mean difference (SMD, Hedges' g) between two arms.

Exactly metafor 3.8 ``escalc(measure = "MD")`` and ``escalc(measure = "SMD")`` with their
defaults (``vtype = "LS"``), for arm means ``m1``/``m2``, standard deviations
``sd1``/``sd2`` and sizes ``n1``/``n2`` (arm 1 = experimental, arm 2 = control):

``MD``   yi = m1 - m2,  vi = sd1²/n1 + sd2²/n2.
``SMD``  m = n1 + n2 - 2,  s_p = sqrt(((n1 - 1) sd1² + (n2 - 1) sd2²) / m),
         d = (m1 - m2) / s_p,  yi = c(m) d  (Hedges' g),
         vi = 1/n1 + 1/n2 + yi² / (2 (n1 + n2))    (metafor's large-sample "LS").

``c(m)`` is the exact small-sample bias correction of Hedges (1981), metafor's
``.cmicalc``: c(m) = Γ(m/2) / (sqrt(m/2) Γ((m - 1)/2)), defined for m > 1.  metafor forms
it as exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2)); for large m that difference
of two nearly equal log-gamma values loses digits (about 1e-7 relative at m = 1e8), so
here it is written through Stirling's series instead (see :func:`hedges_correction`),
which keeps full precision for any m and never overflows.

References: L. V. Hedges, J. Educ. Stat. 6 (1981) 107-128 (the correction c(m) and g);
L. V. Hedges & I. Olkin, *Statistical Methods for Meta-Analysis* (1985), ch. 5 (the
large-sample variance); W. Viechtbauer, J. Stat. Softw. 36(3) (2010), metafor.

All functions are vectorized (numpy broadcasting); they never return NaN: rows for
which an effect size does not exist raise ``ValueError`` naming the row and the reason
(:func:`continuous_problems` lists them without raising, so a caller can drop those
studies with a warning).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CONTINUOUS_MEASURES", "continuous_problems", "hedges_correction", "md", "smd"]

CONTINUOUS_MEASURES: tuple[str, ...] = ("MD", "SMD")

_LN_SQRT_2PI = 0.9189385332046728  # ln(sqrt(2 pi))
# Stirling-series coefficients B_{2k} / (2k (2k - 1)), k = 1..8.
_STIRLING = (
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360360.0,
    1.0 / 156.0,
    -3617.0 / 122400.0,
)
_STIRLING_MIN = 10.0  # below this, log-gamma values are small and used directly
_lgamma_u = np.frompyfunc(math.lgamma, 1, 1)


def _lgamma(z: np.ndarray) -> np.ndarray:
    return _lgamma_u(z).astype(np.float64)


def _stirling_delta(z: np.ndarray) -> np.ndarray:
    """delta(z) = lgamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)] for z >= 10.

    Eight terms of Stirling's series: truncation error below 2e-18.
    """
    w = (1.0 / z) ** 2
    s = np.full_like(z, _STIRLING[-1])
    for c in _STIRLING[-2::-1]:
        s = s * w + c
    return s / z


def hedges_correction(m: np.ndarray | float) -> np.ndarray:
    """Hedges' exact bias correction c(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2)), m > 1.

    metafor's ``.cmicalc(mi)`` (NA for m <= 1; here ``ValueError``). With a = m/2 and
    Stirling's formula lgamma(z) = (z - 1/2) ln z - z + ln sqrt(2 pi) + delta(z):

        ln c(m) = -(a - 1) log1p(-1 / (2a)) - 1/2 + delta(a) - delta(a - 1/2),

    free of the cancellation in lgamma(a) - lgamma(a - 1/2) (used directly for a < 10.5,
    where it is harmless).  Accurate to ~1e-16 relative for every m > 1; c(m) -> 1 as
    m -> inf with c(m) = 1 - 3/(4m - 1) + O(m^-2).
    """
    mm = np.asarray(m, dtype=np.float64)
    if not np.all(np.isfinite(mm)) or np.any(mm <= 1.0):
        raise ValueError("Hedges' correction c(m) needs a finite m = n1 + n2 - 2 > 1")
    a = np.atleast_1d(mm / 2.0)
    b = a - 0.5
    out = np.empty_like(a)
    big = b >= _STIRLING_MIN
    if big.any():
        ab, bb = a[big], b[big]
        out[big] = -(ab - 1.0) * np.log1p(-0.5 / ab) - 0.5 + _stirling_delta(ab)
        out[big] -= _stirling_delta(bb)
    small = ~big
    if small.any():
        a_s, b_s = a[small], b[small]
        out[small] = _lgamma(a_s) - 0.5 * np.log(a_s) - _lgamma(b_s)
    res = np.exp(out).reshape(mm.shape)
    return res


def _arrays(m1, sd1, n1, m2, sd2, n2) -> list[np.ndarray]:
    arrs = [np.asarray(x, dtype=np.float64) for x in (m1, sd1, n1, m2, sd2, n2)]
    return list(np.broadcast_arrays(*arrs))


def continuous_problems(
    *,
    measure: str,
    m1: np.ndarray | float,
    sd1: np.ndarray | float,
    n1: np.ndarray | float,
    m2: np.ndarray | float,
    sd2: np.ndarray | float,
    n2: np.ndarray | float,
) -> tuple[tuple[int, str], ...]:
    """Rows (flat index into the broadcast inputs) for which ``measure`` does not exist.

    Returns ``((row, reason), ...)``, empty when every row is fine. The reasons are the
    cases where metafor gives an error, NA, NaN, an infinite value or a zero variance.
    """
    if measure not in CONTINUOUS_MEASURES:
        raise ValueError(f"measure must be one of {CONTINUOUS_MEASURES}, not {measure!r}")
    a_m1, a_sd1, a_n1, a_m2, a_sd2, a_n2 = (x.ravel() for x in _arrays(m1, sd1, n1, m2, sd2, n2))
    problems: list[tuple[int, str]] = []
    for i in range(a_m1.size):
        vals = {
            "mean (arm 1)": a_m1[i],
            "SD (arm 1)": a_sd1[i],
            "n (arm 1)": a_n1[i],
            "mean (arm 2)": a_m2[i],
            "SD (arm 2)": a_sd2[i],
            "n (arm 2)": a_n2[i],
        }
        bad = [name for name, v in vals.items() if not math.isfinite(v)]
        if bad:
            problems.append((i, "missing or non-finite " + ", ".join(bad)))
            continue
        if a_n1[i] <= 0 or a_n2[i] <= 0:
            problems.append((i, "every arm needs n > 0"))
            continue
        if a_sd1[i] < 0 or a_sd2[i] < 0:
            problems.append((i, "a standard deviation is negative"))
            continue
        if measure == "MD":
            if a_sd1[i] == 0 and a_sd2[i] == 0:
                problems.append(
                    (i, "both SDs are 0: the mean difference has variance 0 and cannot be weighted")
                )
        else:
            mi = a_n1[i] + a_n2[i] - 2.0
            if mi <= 1.0:
                problems.append(
                    (i, "SMD needs n1 + n2 >= 4 (Hedges' correction needs n1 + n2 - 2 > 1)")
                )
            elif (a_n1[i] - 1.0) * a_sd1[i] ** 2 + (a_n2[i] - 1.0) * a_sd2[i] ** 2 <= 0.0:
                problems.append((i, "the pooled SD is 0: the standardized difference is undefined"))
    return tuple(problems)


def _raise(problems: tuple[tuple[int, str], ...], measure: str) -> None:
    if problems:
        detail = "; ".join(f"row {i}: {reason}" for i, reason in problems)
        raise ValueError(f"{measure} cannot be computed: {detail}")


def md(
    *,
    m1: np.ndarray | float,
    sd1: np.ndarray | float,
    n1: np.ndarray | float,
    m2: np.ndarray | float,
    sd2: np.ndarray | float,
    n2: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean difference arm 1 - arm 2 and its variance (metafor ``escalc("MD")``, vtype "LS").

    Returns ``(yi, vi)`` with the broadcast shape of the inputs.
    """
    _raise(continuous_problems(measure="MD", m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2), "MD")
    a_m1, a_sd1, a_n1, a_m2, a_sd2, a_n2 = _arrays(m1, sd1, n1, m2, sd2, n2)
    yi = a_m1 - a_m2
    vi = a_sd1**2 / a_n1 + a_sd2**2 / a_n2
    return yi, vi


def smd(
    *,
    m1: np.ndarray | float,
    sd1: np.ndarray | float,
    n1: np.ndarray | float,
    m2: np.ndarray | float,
    sd2: np.ndarray | float,
    n2: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """Hedges' g (arm 1 - arm 2) and its variance (metafor ``escalc("SMD")``, vtype "LS").

    Returns ``(yi, vi)`` with the broadcast shape of the inputs.
    """
    _raise(continuous_problems(measure="SMD", m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2), "SMD")
    a_m1, a_sd1, a_n1, a_m2, a_sd2, a_n2 = _arrays(m1, sd1, n1, m2, sd2, n2)
    mi = a_n1 + a_n2 - 2.0
    sdp = np.sqrt(((a_n1 - 1.0) * a_sd1**2 + (a_n2 - 1.0) * a_sd2**2) / mi)
    di = (a_m1 - a_m2) / sdp
    yi = hedges_correction(mi) * di
    vi = 1.0 / a_n1 + 1.0 / a_n2 + yi**2 / (2.0 * (a_n1 + a_n2))
    return yi, vi
