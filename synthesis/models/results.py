"""Frozen result types shared by the fitting modules (pooling, glmm, medians).

Every field that does not exist for an analysis is ``None``, never NaN.
All numbers here are on the *analysis* (model) scale; the reporting scale is
applied by :mod:`synthesis.analyses.pool`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


def clean(value: Any) -> Any:
    """Turn NaN/inf into None and numpy scalars into Python ones (JSON-safe)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if getattr(value, "dtype", None) is not None and value.dtype.kind in "iu":
        return int(value)
    if isinstance(value, int):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return None if math.isnan(f) or math.isinf(f) else f


def clean_dict(result: Any) -> dict[str, Any]:
    """``asdict`` of a flat result dataclass, JSON-safe (NaN -> None, tuples -> lists)."""
    out: dict[str, Any] = {}
    for key, value in asdict(result).items():
        if isinstance(value, (tuple, list)):
            out[key] = [clean(v) for v in value]
        else:
            out[key] = clean(value)
    return out


@dataclass(frozen=True)
class Fit:
    """One fitted meta-analysis on the model scale (what metafor's ``rma`` reports)."""

    k: int
    method: str  # FE, DL, REML, ML, PM, HE, SJ, HS, EB, GLMM
    ci_method: str  # "wald" or "hksj"
    level: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    statistic: float | None  # z or t; None where the test is not defined (HKSJ scale 0)
    df: int | None  # None for z tests, k-1 for HKSJ
    p_value: float | None
    tau2: float | None
    tau2_ci_low: float | None
    tau2_ci_high: float | None
    tau: float | None
    I2: float | None  # percent
    H2: float | None
    Q: float | None
    Q_df: int | None
    Q_p: float | None
    weights: tuple[float, ...]  # percent, same order as the input studies; sums to 100
    converged: bool = True
    notes: tuple[str, ...] = field(default=())  # caveats from the fitter (shown as warnings)
    info: tuple[str, ...] = field(default=())  # extra facts (e.g. GLMM's LRT), not warnings

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        d = self.to_dict()
        d.pop("weights")
        d.pop("notes")
        d.pop("info")
        return pd.DataFrame([d])
