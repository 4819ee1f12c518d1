"""Prediction interval on t with k - 2 degrees of freedom (``synth pool --pi t``).

Higgins, Thompson & Spiegelhalter (J. R. Stat. Soc. A 172 (2009) 137-159, eq. 12):

    estimate ± t_{k-2, (1+level)/2} · sqrt(τ² + se²),

where ``se`` is the classic (Wald) standard error of the random-effects estimate. This is
R meta's ``method.predict = "HTS"`` (meta's documentation, ``help("meta-package")``,
section "Prediction interval": "Based on t-distribution with k-2 degrees of freedom
(Higgins et al., 2009)"; meta 8.4-0 ``R/metagen.R`` forms it as
``ci(TE.random, sqrt(seTE.classic^2 + tau2), level.predict, k - 2)``, so it uses the
unadjusted standard error also when the CI is Hartung-Knapp — meta's ``"HK"``/``"HK-PR"``
prediction intervals are other methods).  metafor's ``predict()`` instead uses the normal
quantile (``--pi normal``, the default).

The interval does not exist for k < 3 (no degrees of freedom) or for a common-effect
model (no τ²): then ``low``/``high`` are None with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthesis.models.results import clean_dict
from synthesis.special import stdtrit

__all__ = ["PredictionInterval", "pi_t", "pi_t_batch"]


@dataclass(frozen=True)
class PredictionInterval:
    """A prediction interval on the model scale; ``low``/``high`` None with ``reason``."""

    method: str  # "t" (Higgins-Thompson-Spiegelhalter, k - 2 df)
    level: float
    low: float | None
    high: float | None
    df: int | None
    se: float | None  # sqrt(tau2 + se^2)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


def pi_t(
    *,
    estimate: float,
    se: float,
    tau2: float | None,
    k: int,
    level: float = 0.95,
) -> PredictionInterval:
    """The HTS prediction interval: estimate ± t_{k-2} sqrt(tau2 + se²).

    ``se`` is the classic (Wald) standard error of the pooled estimate; ``tau2`` None
    means a common-effect model (no interval).
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), not {level!r}")
    if not (math.isfinite(estimate) and math.isfinite(se) and se >= 0):
        raise ValueError("estimate and se must be finite, se >= 0")
    if tau2 is not None and not (math.isfinite(tau2) and tau2 >= 0):
        raise ValueError("tau2 must be finite and >= 0 (or None for a common-effect model)")
    k = int(k)
    if tau2 is None:
        return PredictionInterval(
            "t",
            level,
            None,
            None,
            None,
            None,
            "a common-effect model has no between-study variance: no prediction interval",
        )
    if k < 3:
        return PredictionInterval(
            "t",
            level,
            None,
            None,
            None,
            None,
            f"the prediction interval on t needs k >= 3 studies (k - 2 degrees of freedom); "
            f"k = {k}",
        )
    se_pred = math.sqrt(tau2 + se * se)
    crit = float(stdtrit(k - 2, (1.0 + level) / 2.0))
    half = crit * se_pred
    return PredictionInterval("t", level, estimate - half, estimate + half, k - 2, se_pred)


def pi_t_batch(
    *,
    estimate: np.ndarray,
    se: np.ndarray,
    tau2: np.ndarray,
    k: np.ndarray,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized :func:`pi_t` over a batch (e.g. the arrays of ``pooling.BatchFit``).

    Returns ``(low, high)``; NaN where the interval does not exist (k < 3 or tau2 NaN),
    as in ``BatchFit`` arrays, whose ``.fit()`` turns NaN into None.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), not {level!r}")
    est = np.asarray(estimate, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    t2 = np.asarray(tau2, dtype=np.float64)
    kk = np.asarray(k, dtype=np.float64)
    ok = (kk >= 3) & np.isfinite(t2)
    df = np.where(ok, kk - 2, 1.0)
    crit = np.asarray(stdtrit(df, np.full_like(df, (1.0 + level) / 2.0)))
    half = crit * np.sqrt(np.where(ok, t2, 0.0) + s * s)
    low = np.where(ok, est - half, np.nan)
    high = np.where(ok, est + half, np.nan)
    return low, high
