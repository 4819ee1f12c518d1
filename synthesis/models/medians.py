"""Pooled medians: the (weighted) median of medians, ported from R's metamedian.

Measure ``MED`` (contract section 2): study medians already unit-normalised to
months. Methods:

``WM`` (default)
    Weighted median of medians (McGrath, Zhao, Qin, Steele & Benedetti 2019,
    "One-sample aggregate data meta-analysis of medians", Stat Med 38:969-984),
    the weights being the study sample sizes.
``MM``
    Median of medians (same paper; McGrath, Sohn, Steele & Benedetti 2020,
    Biometrical Journal 62:69-98 for the two-sample analogue).

Source ported
-------------
``stmcg/metamedian`` file ``R/pool.med.R``, function ``pool.med(yi, wi,
norm.approx = TRUE, coverage.prob = 0.95)`` (version since 0.1.5, unchanged in
1.0.0), called from ``R/metamedian.R`` (``metamedian()``: ``median_method = "mm"``
calls ``pool.med(yi)``, ``"wm"`` calls ``pool.med(yi, wi = df$n.g1)``, i.e. the raw,
un-normalised sample sizes). ``pool.med`` in turn uses

* ``stats::quantile(yi, probs)`` (type 7) when there are no weights (MM), and
* ``Hmisc::wtd.quantile(yi, weights = wi, probs)`` with its defaults
  ``type = "quantile"``, ``normwt = FALSE`` when there are weights (WM)
  (``harrelfe/Hmisc`` file ``R/wtd.stats.s``, functions ``wtd.quantile`` and
  ``wtd.table``).

Point estimate
    ``quantiles[2]``: the (weighted) quantile at probability 0.5.

Interval, ``norm.approx = TRUE`` (metamedian's default; used here by default)
    Inversion of the sign test with the normal approximation to the
    Binomial(k, 1/2), k = number of studies (not patients)::

        prob = min(0.5, qnorm(0.5 * coverage.prob + 0.5) / (2 * sqrt(k)))
        ci   = quantile at 0.5 - prob, 0.5 + prob   (weighted for WM)

    ``cov.level`` is ``coverage.prob``. When ``prob`` is capped at 0.5
    (k <= z**2, i.e. k <= 3 at 95%) the bounds are the smallest and largest
    median and the nominal coverage is not attained; R reports them silently,
    we report them with a note.

Interval, ``norm.approx = FALSE`` (``norm_approx=False`` here)
    ``T = 0..floor(k/2)``, ``coverages = 1 - 2 * pbinom(T, k, 0.5)``,
    ``cov.level = min(coverages[coverages >= coverage.prob])`` and
    ``ind = which(coverages == cov.level)`` (1-based, so ``ind = T + 1``).
    MM: ``c(sort(yi)[ind], sort(yi)[k - ind])`` -- note the upper order statistic
    is ``k - ind``, one below the symmetric sign-test bound ``k - ind + 1``; this
    port keeps R's choice (a note says so). WM: weighted quantiles at
    ``ind / k`` and ``(k - ind + 1) / k``. If no coverage reaches the level R
    stops with "Not enough studies for exact coverage ..."; here the interval is
    ``None`` with that message as a note.

Weighted quantile (Hmisc ``wtd.quantile``, ``type = "quantile"``, ``normwt = FALSE``)
    The sample sizes act as frequency weights: with ``N = sum(n)`` the result is
    R's type-7 quantile of the expanded sample in which study i's median is
    repeated n_i times::

        order = 1 + (N - 1) * p;  low = max(floor(order), 1);  high = min(low + 1, N)
        q = (1 - order %% 1) * x[low] + (order %% 1) * x[high]

    where ``x[t]`` = the smallest median whose cumulative weight (medians sorted
    ascending, tied medians pooled) is ``>= t``; beyond the last cumulative
    weight the largest median (``approx(cumsum(w), x, xout, method = "constant",
    f = 1, rule = 2)``). Consequences: with N odd the WM is the median at expanded
    position (N + 1) / 2; with N even it is the average of positions N/2 and
    N/2 + 1, so when the cumulative weight of the lower studies is *exactly*
    one half (N/2) the WM is the midpoint of that study's median and the next
    larger one.

Deliberate deviations (all at rounding level)
    * Each interpolation is clamped to its bracketing order statistics, so an
      ulp of rounding cannot move an estimate outside [min, max] (R can be off by
      one ulp there).
    * Tied medians are pooled by exact equality; ``wtd.table`` pools them through
      ``tapply`` names (15 significant digits), which can move a tied value by an
      ulp-sized amount.
    * Hmisc's pull request #134 proposes a different weighted-quantile definition;
      the long-standing CRAN definition above is the one ported.

k = 1: the study's median, no interval (R would return a zero-width interval).

Only numpy is imported at module level (cold-start budget); the normal
quantile comes from ``synthesis.special.ndtri`` (same as scipy.special.ndtri).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from synthesis import special
from synthesis.models.results import clean_dict

METHODS: tuple[str, ...] = ("WM", "MM")


@dataclass(frozen=True)
class MedianPool:
    """A pooled median (months) with its sign-test confidence interval."""

    method: str  # "WM" or "MM"
    level: float  # requested coverage (pool.med's coverage.prob)
    k: int  # number of studies
    estimate: float
    ci_low: float | None  # None when no interval exists for this k; never NaN
    ci_high: float | None
    weights: tuple[float, ...]  # percent, input order, sums to 100 (equal for MM)
    n_total: int | float  # sum of the study sample sizes
    notes: tuple[str, ...] = field(default=())
    coverage: float | None = None  # pool.med's cov.level (theoretical coverage)
    norm_approx: bool = True  # pool.med's norm.approx

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        d = self.to_dict()
        d.pop("weights")
        d["notes"] = "; ".join(self.notes)
        return pd.DataFrame([d])


def _lerp(lo: float, hi: float, h: float) -> float:
    """``(1 - h) * lo + h * hi`` clamped to [min(lo, hi), max(lo, hi)]."""
    value = (1.0 - h) * lo + h * hi
    return min(max(value, min(lo, hi)), max(lo, hi))


def _quantile_type7(x: np.ndarray, probs: Sequence[float]) -> list[float]:
    """R ``stats::quantile(x, probs)`` (type 7) for finite ``x``."""
    xs = np.sort(np.asarray(x, dtype=float))
    n = xs.size
    out: list[float] = []
    for p in probs:
        index = 1.0 + max(n - 1, 0) * p
        lo = math.floor(index)
        hi = math.ceil(index)
        q = float(xs[lo - 1])
        if index > lo and xs[hi - 1] != q:
            q = _lerp(q, float(xs[hi - 1]), index - lo)
        out.append(q)
    return out


def _wtd_quantile(x: np.ndarray, w: np.ndarray, probs: Sequence[float]) -> list[float]:
    """Hmisc ``wtd.quantile(x, weights = w, probs)`` with ``type = "quantile"``,
    ``normwt = FALSE``: frequency weights, type-7 quantile of the expanded sample."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    order_ = np.argsort(x, kind="stable")
    xs = x[order_]
    # wtd.table: pool tied values (sum their weights), sorted ascending.
    values, first = np.unique(xs, return_index=True)
    wts = np.add.reduceat(w[order_], first)
    cum = np.cumsum(wts)
    total = float(cum[-1])

    def at(t: float) -> float:
        # approx(cum, values, xout = t, method = "constant", f = 1, rule = 2)
        j = int(np.searchsorted(cum, t, side="left"))
        return float(values[min(j, values.size - 1)])

    out: list[float] = []
    for p in probs:
        order = 1.0 + (total - 1.0) * p
        low = max(math.floor(order), 1)
        high = min(low + 1, total)
        h = order - math.floor(order)  # R's order %% 1
        a, b = at(low), at(high)
        out.append(a if a == b else _lerp(a, b, h))
    return out


def _exact_index(k: int, level: float) -> tuple[int, float] | None:
    """pool.med's exact branch: (ind, cov.level) or None when no coverage >= level."""
    # 1 - 2 * pbinom(T, k, 0.5) for T = 0..floor(k/2), from exact integer sums.
    coverages: list[float] = []
    s = 0
    for t in range(k // 2 + 1):
        s += math.comb(k, t)
        coverages.append(1.0 - 2.0 * s / 2.0**k)
    ok = [c for c in coverages if c >= level]
    if not ok:
        return None
    cov = min(ok)
    return coverages.index(cov) + 1, cov


def _as_float_array(values: Sequence[float], name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of numbers") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def pool_medians(
    medians: Sequence[float],
    n: Sequence[float],
    *,
    method: str = "WM",
    level: float = 0.95,
    norm_approx: bool = True,
) -> MedianPool:
    """Pool study medians (months) by the weighted median (WM) or median (MM) of medians.

    Port of metamedian ``pool.med`` (``R/pool.med.R``); see the module docstring
    for the exact construction. ``n`` are the study sample sizes: the WM weights,
    and the source of ``n_total`` for both methods. ``level`` is pool.med's
    ``coverage.prob``; ``norm_approx`` its ``norm.approx`` (default ``True``).
    """
    meth = str(method).upper()
    if meth not in METHODS:
        raise ValueError(f"unknown median pooling method {method!r}; expected one of WM, MM")
    if isinstance(level, bool) or not isinstance(level, Real) or not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be a number strictly between 0 and 1, got {level!r}")
    y = _as_float_array(medians, "medians")
    w = _as_float_array(n, "n")
    k = int(y.size)
    if k == 0:
        raise ValueError("no studies to pool: medians is empty (k = 0)")
    if w.size != k:
        raise ValueError(
            f"lengths of medians ({k}) and n ({w.size}) do not match: one sample size per median"
        )
    if not np.all(np.isfinite(y)):
        raise ValueError("medians must be finite (drop medians not reached before pooling)")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("sample sizes n must be finite and > 0")

    level = float(level)
    total = float(w.sum())
    n_total: int | float = int(total) if np.all(w == np.round(w)) else total
    if meth == "WM":
        weights = tuple(float(v) for v in 100.0 * w / total)
    else:
        weights = tuple(100.0 / k for _ in range(k))

    def quantiles(probs: Sequence[float]) -> list[float]:
        return _wtd_quantile(y, w, probs) if meth == "WM" else _quantile_type7(y, probs)

    notes: list[str] = []
    if k == 1:
        notes.append("only one study: the pooled median is that study's median; no interval")
        return MedianPool(
            method=meth,
            level=level,
            k=1,
            estimate=float(y[0]),
            ci_low=None,
            ci_high=None,
            weights=(100.0,),
            n_total=n_total,
            notes=tuple(notes),
            coverage=None,
            norm_approx=bool(norm_approx),
        )

    ci_low: float | None
    ci_high: float | None
    coverage: float | None
    if norm_approx:
        z = float(special.ndtri(0.5 * level + 0.5))
        prob = min(0.5, z / (2.0 * math.sqrt(k)))
        ci_low, estimate, ci_high = quantiles([0.5 - prob, 0.5, 0.5 + prob])
        coverage = level
        if prob >= 0.5:
            notes.append(
                f"with k = {k} studies the normal-approximation sign-test interval is the "
                f"range of the medians; its nominal {level:.0%} coverage is not attained"
            )
    else:
        (estimate,) = quantiles([0.5])
        exact = _exact_index(k, level)
        if exact is None:
            best = 1.0 - 2.0 / 2.0**k
            notes.append(
                f"not enough studies (k = {k}) for an exact sign-test interval with coverage "
                f">= {level:g}; the highest possible exact coverage is {best:.4g}"
            )
            ci_low = ci_high = coverage = None
        else:
            ind, coverage = exact
            if meth == "MM":
                ys = np.sort(y)
                ci_low = float(ys[ind - 1])
                ci_high = float(ys[max(k - ind, 1) - 1])
                notes.append(
                    "exact MM interval as metamedian pool.med: upper bound is order statistic "
                    f"{k - ind} of {k} (the symmetric sign-test bound would be {k - ind + 1})"
                )
            else:
                ci_low, ci_high = quantiles([ind / k, (k - ind + 1) / k])

    return MedianPool(
        method=meth,
        level=level,
        k=k,
        estimate=float(estimate),
        ci_low=ci_low,
        ci_high=ci_high,
        weights=weights,
        n_total=n_total,
        notes=tuple(notes),
        coverage=coverage,
        norm_approx=bool(norm_approx),
    )
