"""Study effect sizes: data in, per-study effects out (metafor's ``escalc``), never a fit.

Each study gives ``yi`` and ``vi`` on the *analysis* scale (logit, log, arcsine, ...),
which the pooling layer fits, and ``estimate``/``ci_low``/``ci_high`` on the
*reporting* scale (a proportion 0-1, a ratio, ...), which tables and forest plots
print (contract section 2).

Conventions follow metafor 3.8-1 ``escalc`` with its defaults (``add = 1/2``,
``to = "only0"``, ``drop00 = FALSE``, ``vtype = "LS"``); see ``?metafor::escalc``:

* ``PLO`` and ``PR``: 1/2 is added to the event and the non-event count of a study with
  0 events or with all events (so its n grows by 1), and the corrected counts are used
  for *both* ``yi`` and ``vi`` (escalc's ``addyi = TRUE``, ``addvi = TRUE``).  A
  ``PR`` study with 0 of 5 events therefore has ``yi = 0.5 / 6``, not 0.
* ``PFT`` and ``PAS``: no correction (escalc sets ``add = 0`` for these measures unless
  ``add`` is given); both transforms are defined at 0 and at n events.
* ``RR``, ``OR``, ``RD``: 1/2 is added to all four cells of a table with any zero cell,
  for ``yi`` and ``vi``, including ``RD``.  Double-zero tables are kept
  (``drop00 = FALSE``) and flagged in :attr:`StudyEffects.double_zero`, using
  escalc's ``drop00`` definition: no events in either arm *or* only events in both arms.

Per-study reporting intervals: Clopper-Pearson exact intervals for single proportions
(as R meta's ``metaprop(method.ci = "CP")``, equal to ``binom.test(x, n)$conf.int``)
around the raw proportion x/n; back-transformed Wald intervals for ``RR``, ``OR``, ``RD``,
``HR`` and ``GEN`` (as R meta prints, and as ``summary(escalc(...), transf = exp)``).

The Freeman-Tukey double arcsine transform is Freeman & Tukey (1950), Ann. Math.
Statist. 21:607-611; its inverse is Miller (1978), Am. Stat. 32:138, here with the
harmonic mean of the sample sizes as metafor's ``transf.ipft.hm``.

Only numpy and :mod:`synthesis.special` (scipy.special look-alikes) are imported at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from synthesis import special
from synthesis.measures import (
    BACK_TRANSFORM_MEASURES,
    PROPORTION_MEASURES,
    RATIO_MEASURES,
    TWO_ARM_MEASURES,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "BACK_TRANSFORM_MEASURES",
    "PROPORTION_MEASURES",
    "RATIO_MEASURES",
    "TWO_ARM_MEASURES",
    "StudyEffects",
    "back_transform",
    "clopper_pearson",
    "generic",
    "harmonic_mean",
    "log_ratios",
    "proportions",
    "two_arm",
    "z_crit",
]

#: escalc's default continuity correction (``add = 1/2``).
CONTINUITY_ADD = 0.5
#: Proportion measures that receive escalc's default correction (``to = "only0"``).
_CORRECTED_PROPORTIONS = frozenset({"PLO", "PR"})


# --------------------------------------------------------------------------- result type


@dataclass(frozen=True, eq=False)
class StudyEffects:
    """Per-study effects of one measure, in input order.

    Attributes:
        yi: effect on the analysis scale (logit, log ratio, arcsine, ...).
        vi: sampling variance of ``yi``.
        estimate: per-study point estimate on the reporting scale (for proportions the
            raw x/n, for ratios the ratio, ...).
        ci_low, ci_high: per-study confidence interval on the reporting scale.
        corrected: True where the continuity correction was applied.
        measure: metafor measure code (``PLO``, ``RR``, ``HR``, ...).
        double_zero: True for two-arm studies with no events in either arm (or only
            events in both arms, escalc's ``drop00`` definition); all False otherwise.
        level: confidence level of ``ci_low``/``ci_high``.
        ni: total sample size per study (both arms for two-arm measures), NaN where
            unknown (ratios, generic); the ``PFT`` back-transform needs it.

    All arrays are one-dimensional, of equal length, and read-only.
    """

    yi: np.ndarray
    vi: np.ndarray
    estimate: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    corrected: np.ndarray
    measure: str
    double_zero: np.ndarray | None = field(default=None)
    level: float = 0.95
    ni: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        k = np.asarray(self.yi).shape[0] if np.ndim(self.yi) else 1
        defaults = {
            "double_zero": np.zeros(k, dtype=bool),
            "ni": np.full(k, np.nan),
        }
        dtypes = {"corrected": bool, "double_zero": bool}
        for name in (
            "yi",
            "vi",
            "estimate",
            "ci_low",
            "ci_high",
            "corrected",
            "double_zero",
            "ni",
        ):
            value = getattr(self, name)
            if value is None:
                value = defaults[name]
            arr = np.array(value, dtype=dtypes.get(name, float), copy=True, ndmin=1)
            if arr.ndim != 1 or arr.shape[0] != k:
                raise ValueError(
                    f"StudyEffects.{name} must be one-dimensional of length {k} "
                    f"(got shape {arr.shape})"
                )
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return int(self.yi.shape[0])

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self)

    @property
    def sei(self) -> np.ndarray:
        """Standard errors on the analysis scale, ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    def to_frame(self) -> pd.DataFrame:
        """One row per study: yi, vi, sei, estimate, ci_low, ci_high, corrected,
        double_zero, ni.  The measure and level are in ``DataFrame.attrs``."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                "yi": self.yi,
                "vi": self.vi,
                "sei": self.sei,
                "estimate": self.estimate,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "corrected": self.corrected,
                "double_zero": self.double_zero,
                "ni": self.ni,
            }
        )
        frame.attrs["measure"] = self.measure
        frame.attrs["level"] = self.level
        return frame


# --------------------------------------------------------------------------- helpers


def z_crit(level: float = 0.95) -> float:
    """Two-sided standard-normal critical value for a ``level`` interval.

    Computed as metafor does, ``qnorm(alpha/2, lower.tail = FALSE)`` with
    ``alpha = 1 - level``; ``z_crit(0.95)`` is 1.959964...
    """
    _check_level(level)
    return float(-special.ndtri((1.0 - level) / 2.0))


def harmonic_mean(n: ArrayLike) -> float:
    """Harmonic mean ``1 / mean(1 / n)`` of sample sizes (NaNs ignored, as metafor's
    ``transf.ipft.hm``); the ``harmonic_n`` argument of :func:`back_transform` for PFT."""
    arr = _as_1d(n, "n")
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        raise ValueError("n must contain at least one sample size")
    if np.any(arr <= 0) or not np.all(np.isfinite(arr)):
        raise ValueError("n must contain finite sample sizes > 0")
    return float(1.0 / np.mean(1.0 / arr))


def clopper_pearson(
    events: ArrayLike, total: ArrayLike, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson exact interval for x events out of n, per study.

    Equal to R's ``binom.test(x, n, conf.level = level)$conf.int``: the lower limit is
    the ``alpha/2`` quantile of Beta(x, n - x + 1) (0 when x = 0), the upper limit the
    ``1 - alpha/2`` quantile of Beta(x + 1, n - x) (1 when x = n), ``alpha = 1 - level``.
    Both tails keep ``alpha/2`` also at x = 0 and x = n, as ``binom.test`` does.
    """
    _check_level(level)
    x, n = _check_counts(("events", events), ("total", total))
    return _clopper_pearson(x, n, level)


def _clopper_pearson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - level
    has_low = x > 0
    has_high = x < n
    # Placeholder shape parameters where the end is exact, to keep betaincinv quiet.
    a_low = np.where(has_low, x, 1.0)
    b_low = np.where(has_low, n - x + 1.0, 1.0)
    a_high = np.where(has_high, x + 1.0, 1.0)
    b_high = np.where(has_high, n - x, 1.0)
    low = np.where(has_low, special.betaincinv(a_low, b_low, alpha / 2.0), 0.0)
    high = np.where(has_high, special.betaincinv(a_high, b_high, 1.0 - alpha / 2.0), 1.0)
    return low, high


def _check_level(level: float) -> None:
    if not (isinstance(level, int | float | np.floating) and 0.0 < float(level) < 1.0):
        raise ValueError(f"level must be strictly between 0 and 1 (got {level!r})")


def _as_1d(values: ArrayLike, name: str) -> np.ndarray:
    try:
        arr = np.array(values, dtype=float, ndmin=1)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (got shape {arr.shape})")
    return arr


def _same_length(named: Sequence[tuple[str, np.ndarray]]) -> None:
    lengths = [arr.shape[0] for _, arr in named]
    if len(set(lengths)) > 1:
        names = ", ".join(name for name, _ in named[:-1]) + f" and {named[-1][0]}"
        got = ", ".join(str(n) for n in lengths[:-1]) + f" and {lengths[-1]}"
        raise ValueError(f"{names} must have the same length (got {got})")


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _fmt(value: float) -> str:
    return f"{value:g}"


def _check_finite(name: str, arr: np.ndarray) -> None:
    bad = ~np.isfinite(arr)
    if np.any(bad):
        i = _first_bad(bad)
        raise ValueError(f"{name} must be finite numbers (at index {i}: {arr[i]})")


def _check_counts(
    events: tuple[str, ArrayLike], total: tuple[str, ArrayLike]
) -> tuple[np.ndarray, np.ndarray]:
    """Validate one arm's counts: finite, events >= 0, total > 0, events <= total."""
    (ev_name, ev_raw), (tot_name, tot_raw) = events, total
    x = _as_1d(ev_raw, ev_name)
    n = _as_1d(tot_raw, tot_name)
    _same_length([(ev_name, x), (tot_name, n)])
    _check_finite(ev_name, x)
    _check_finite(tot_name, n)
    if np.any(x < 0):
        i = _first_bad(x < 0)
        raise ValueError(f"{ev_name} must not be negative (at index {i}: {_fmt(x[i])})")
    if np.any(n <= 0):
        i = _first_bad(n <= 0)
        raise ValueError(f"{tot_name} must be > 0 (at index {i}: {_fmt(n[i])})")
    if np.any(x > n):
        i = _first_bad(x > n)
        raise ValueError(
            f"{ev_name} must not exceed {tot_name} (at index {i}: {_fmt(x[i])} > {_fmt(n[i])})"
        )
    return x, n


def _check_measure(measure: str, valid: tuple[str, ...], func: str) -> str:
    if measure not in valid:
        raise ValueError(
            f"unknown measure {measure!r} for {func}(); valid measures: {', '.join(valid)}"
        )
    return measure


def _optional_ci(
    ci_low: ArrayLike | None, ci_high: ArrayLike | None, k: int
) -> tuple[np.ndarray, np.ndarray] | None:
    if ci_low is None and ci_high is None:
        return None
    if ci_low is None or ci_high is None:
        raise ValueError("ci_low and ci_high must be given together")
    low = _as_1d(ci_low, "ci_low")
    high = _as_1d(ci_high, "ci_high")
    if low.shape[0] != k or high.shape[0] != k:
        raise ValueError(
            f"estimate, ci_low and ci_high must have the same length "
            f"(got {k}, {low.shape[0]} and {high.shape[0]})"
        )
    _check_finite("ci_low", low)
    _check_finite("ci_high", high)
    if np.any(low > high):
        i = _first_bad(low > high)
        raise ValueError(
            f"ci_low must not exceed ci_high (at index {i}: {_fmt(low[i])} > {_fmt(high[i])})"
        )
    return low, high


def _estimate_se(estimate: ArrayLike, se: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    est = _as_1d(estimate, "estimate")
    sei = _as_1d(se, "se")
    _same_length([("estimate", est), ("se", sei)])
    _check_finite("estimate", est)
    _check_finite("se", sei)
    if np.any(sei <= 0):
        i = _first_bad(sei <= 0)
        raise ValueError(f"se must be > 0 (at index {i}: {_fmt(sei[i])})")
    return est, sei


# --------------------------------------------------------------------------- single arm


def proportions(
    events: ArrayLike, total: ArrayLike, *, measure: str = "PLO", level: float = 0.95
) -> StudyEffects:
    """Single-arm proportions x/n as metafor's ``escalc(measure, xi = events, ni = total)``.

    Measures (see ``?metafor::escalc``, "Measures for Single Proportions"):

    * ``PLO`` logit: ``yi = log(p / (1 - p))``, ``vi = 1/x + 1/(n - x)``.
    * ``PR`` raw: ``yi = p``, ``vi = p (1 - p) / n``.
    * ``PAS`` arcsine square root: ``yi = asin(sqrt(p))``, ``vi = 1 / (4 n)``.
    * ``PFT`` Freeman-Tukey double arcsine (Freeman & Tukey 1950):
      ``yi = (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1)))) / 2``, ``vi = 1/(4 n + 2)``.

    For ``PLO`` and ``PR`` a study with 0 events or with all events gets 1/2 added to its
    events and non-events (n grows by 1) before computing both ``yi`` and ``vi``
    (escalc ``add = 1/2, to = "only0"``); ``corrected`` marks those studies.  ``PAS``
    and ``PFT`` are never corrected (escalc uses ``add = 0`` for them by default).

    The reporting ``estimate`` is the raw x/n (uncorrected) with a Clopper-Pearson
    interval (:func:`clopper_pearson`), whatever the measure.
    """
    _check_measure(measure, PROPORTION_MEASURES, "proportions")
    _check_level(level)
    x, n = _check_counts(("events", events), ("total", total))

    if measure in _CORRECTED_PROPORTIONS:
        corrected = (x == 0) | (x == n)
    else:
        corrected = np.zeros(x.shape, dtype=bool)
    xi = x + CONTINUITY_ADD * corrected
    mi = (n - x) + CONTINUITY_ADD * corrected
    ni = xi + mi
    pri = xi / ni

    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PLO":
            yi = np.log(pri / (1.0 - pri))
            vi = 1.0 / xi + 1.0 / mi
        elif measure == "PR":
            yi = pri
            vi = pri * (1.0 - pri) / ni
        elif measure == "PAS":
            yi = np.arcsin(np.sqrt(pri))
            vi = 1.0 / (4.0 * ni)
        else:  # PFT
            yi = _pft(x, n)
            vi = 1.0 / (4.0 * n + 2.0)

    low, high = _clopper_pearson(x, n, level)
    return StudyEffects(
        yi=yi,
        vi=vi,
        estimate=x / n,
        ci_low=low,
        ci_high=high,
        corrected=corrected,
        measure=measure,
        level=level,
        ni=n,
    )


def _pft(x: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    """Freeman-Tukey double arcsine of x events in n (Freeman & Tukey 1950)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n + 1.0))))


# --------------------------------------------------------------------------- two arms


def two_arm(
    events_exp: ArrayLike,
    total_exp: ArrayLike,
    events_ctl: ArrayLike,
    total_ctl: ArrayLike,
    *,
    measure: str,
    level: float = 0.95,
) -> StudyEffects:
    """Experimental vs control 2x2 tables as metafor's
    ``escalc(measure, ai = events_exp, n1i = total_exp, ci = events_ctl, n2i = total_ctl)``.

    With cells a, b (experimental events, non-events), c, d (control) and
    p1 = a/n1, p2 = c/n2 (see ``?metafor::escalc``, "Measures for Two-Group Comparisons"):

    * ``RR`` log risk ratio: ``yi = log(p1) - log(p2)``, ``vi = 1/a - 1/n1 + 1/c - 1/n2``.
    * ``OR`` log odds ratio: ``yi = logit(p1) - logit(p2)``, ``vi = 1/a + 1/b + 1/c + 1/d``.
    * ``RD`` risk difference: ``yi = p1 - p2``, ``vi = p1 (1-p1)/n1 + p2 (1-p2)/n2``.

    A table with any zero cell gets 1/2 added to all four cells for ``yi`` and ``vi``
    (escalc ``add = 1/2, to = "only0"``), for ``RD`` too; ``corrected`` marks them.
    Double-zero tables are kept (escalc ``drop00 = FALSE``) and marked in
    ``double_zero`` so the caller can warn or drop them; as in escalc's ``drop00`` this
    is no events in either arm or only events in both arms.

    Reporting scale: ``exp(yi)`` and ``exp(yi -/+ z sqrt(vi))`` for RR and OR (as
    ``summary(escalc(...), transf = exp)``), ``yi -/+ z sqrt(vi)`` for RD.
    """
    _check_measure(measure, TWO_ARM_MEASURES, "two_arm")
    _check_level(level)
    arrays = [
        ("events_exp", _as_1d(events_exp, "events_exp")),
        ("total_exp", _as_1d(total_exp, "total_exp")),
        ("events_ctl", _as_1d(events_ctl, "events_ctl")),
        ("total_ctl", _as_1d(total_ctl, "total_ctl")),
    ]
    _same_length(arrays)
    a, n1 = _check_counts(arrays[0], arrays[1])
    c, n2 = _check_counts(arrays[2], arrays[3])
    b = n1 - a
    d = n2 - c

    double_zero = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    corrected = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    add = CONTINUITY_ADD * corrected
    a, b, c, d = a + add, b + add, c + add, d + add
    n1c = a + b
    n2c = c + d
    p1 = a / n1c
    p2 = c / n2c

    if measure == "RR":
        yi = np.log(p1) - np.log(p2)
        vi = 1.0 / a - 1.0 / n1c + 1.0 / c - 1.0 / n2c
    elif measure == "OR":
        yi = np.log(p1 / (1.0 - p1)) - np.log(p2 / (1.0 - p2))
        vi = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d
    else:  # RD
        yi = p1 - p2
        vi = p1 * (1.0 - p1) / n1c + p2 * (1.0 - p2) / n2c

    estimate, low, high = _wald(yi, vi, level, log_scale=measure != "RD")
    return StudyEffects(
        yi=yi,
        vi=vi,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        corrected=corrected,
        measure=measure,
        double_zero=double_zero,
        level=level,
        ni=n1 + n2,
    )


def _wald(
    yi: np.ndarray, vi: np.ndarray, level: float, *, log_scale: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    half = z_crit(level) * np.sqrt(vi)
    low, high = yi - half, yi + half
    if log_scale:
        return np.exp(yi), np.exp(low), np.exp(high)
    return yi.copy(), low, high


# --------------------------------------------------------------------------- given effects


def log_ratios(
    estimate: ArrayLike,
    se: ArrayLike,
    *,
    measure: str = "HR",
    level: float = 0.95,
    ci_low: ArrayLike | None = None,
    ci_high: ArrayLike | None = None,
) -> StudyEffects:
    """Ratios (HR, or OR/RR reported as ratios) given as estimate and log-scale SE.

    ``yi = log(estimate)``, ``vi = se**2`` (``se`` is on the log scale; deriving it from a
    printed CI or p value happens elsewhere), as ``escalc(measure = "GEN",
    yi = log(estimate), sei = se)``.  The reporting interval is the printed one when
    ``ci_low`` and ``ci_high`` are given (kept as printed), otherwise
    ``exp(yi -/+ z se)``.
    """
    _check_measure(measure, RATIO_MEASURES, "log_ratios")
    _check_level(level)
    est, sei = _estimate_se(estimate, se)
    if np.any(est <= 0):
        i = _first_bad(est <= 0)
        raise ValueError(f"estimate must be a ratio > 0 (at index {i}: {_fmt(est[i])})")
    printed = _optional_ci(ci_low, ci_high, est.shape[0])
    if printed is not None and np.any(printed[0] <= 0):
        i = _first_bad(printed[0] <= 0)
        raise ValueError(f"ci_low must be a ratio > 0 (at index {i}: {_fmt(printed[0][i])})")
    yi = np.log(est)
    vi = sei**2
    if printed is None:
        _, low, high = _wald(yi, vi, level, log_scale=True)
    else:
        low, high = printed
    return StudyEffects(
        yi=yi,
        vi=vi,
        estimate=est,
        ci_low=low,
        ci_high=high,
        corrected=np.zeros(est.shape, dtype=bool),
        measure=measure,
        level=level,
    )


def generic(
    estimate: ArrayLike,
    se: ArrayLike,
    *,
    level: float = 0.95,
    ci_low: ArrayLike | None = None,
    ci_high: ArrayLike | None = None,
) -> StudyEffects:
    """Generic effects (``GEN``): estimate and SE already on the analysis scale.

    ``yi = estimate``, ``vi = se**2`` (``escalc(measure = "GEN", yi, sei)``); the reporting
    scale is the identity, with the printed interval kept when given, otherwise
    ``yi -/+ z se``.
    """
    _check_level(level)
    est, sei = _estimate_se(estimate, se)
    printed = _optional_ci(ci_low, ci_high, est.shape[0])
    yi = est
    vi = sei**2
    if printed is None:
        _, low, high = _wald(yi, vi, level, log_scale=False)
    else:
        low, high = printed
    return StudyEffects(
        yi=yi,
        vi=vi,
        estimate=est,
        ci_low=low,
        ci_high=high,
        corrected=np.zeros(est.shape, dtype=bool),
        measure="GEN",
        level=level,
    )


# --------------------------------------------------------------------------- back-transform


def back_transform(
    measure: str, x: ArrayLike, *, harmonic_n: ArrayLike | None = None
) -> np.ndarray | float:
    """Analysis scale -> reporting scale, for pooled values (estimate, CI, PI limits).

    * ``PLO``: inverse logit (metafor ``transf.ilogit``).
    * ``PAS``: ``sin(x)**2`` (metafor ``transf.iarcsin``); as metafor, values below 0
      give 0 and values above pi/2 give 1.
    * ``PFT``: Miller's (1978) inverse of the Freeman-Tukey double arcsine, evaluated at
      ``harmonic_n``, the harmonic mean of the study sample sizes (metafor
      ``transf.ipft.hm(x, targs = list(ni = ni))``, which R meta uses for the pooled PFT
      estimate; see :func:`harmonic_mean`).  As metafor, values below the transform of
      p = 0 give 0 and values above the transform of p = 1 give 1 (the formula is not
      monotone outside that range).  An array ``harmonic_n`` broadcasts against ``x``,
      which with per-study sample sizes is metafor's ``transf.ipft(x, ni)``.
    * ``RR``, ``OR``, ``HR``: ``exp``.
    * ``PR``, ``RD``, ``GEN``: identity.  Like metafor (which applies no transformation)
      a pooled ``PR`` limit outside [0, 1] is *not* clipped.

    NaN stays NaN.  Returns a float for a scalar ``x``, an array otherwise.
    """
    _check_measure(measure, BACK_TRANSFORM_MEASURES, "back_transform")
    arr = np.asarray(x, dtype=float)
    if measure == "PLO":
        out = special.expit(arr)
    elif measure == "PAS":
        out = np.sin(arr) ** 2
        out = np.where(arr < 0, 0.0, out)
        out = np.where(arr > np.arcsin(1.0), 1.0, out)
    elif measure == "PFT":
        if harmonic_n is None:
            raise ValueError(
                "back_transform for PFT needs harmonic_n, the harmonic mean of the study "
                "sample sizes (see harmonic_mean())"
            )
        nhm = np.asarray(harmonic_n, dtype=float)
        if np.any(~np.isfinite(nhm)) or np.any(nhm <= 0):
            raise ValueError(f"harmonic_n must be finite and > 0 (got {harmonic_n!r})")
        out = _ipft(arr, nhm)
    elif measure in ("RR", "OR", "HR"):
        out = np.exp(arr)
    else:  # PR, RD, GEN
        out = arr.copy()
    if np.ndim(out) == 0:
        return float(out)
    return out


def _ipft(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Inverse Freeman-Tukey (Miller 1978) as metafor ``transf.ipft``, with its clipping."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = np.sin(2.0 * x)
        inner = 1.0 - (s + (s - 1.0 / s) / n) ** 2
        z = 0.5 * (1.0 - np.sign(np.cos(2.0 * x)) * np.sqrt(inner))
    z = np.where(x > _pft(1.0 * n, n), 1.0, z)
    z = np.where(x < _pft(0.0 * n, n), 0.0, z)
    return np.asarray(z, dtype=float)
