"""Mantel-Haenszel (RR, OR, RD) and Peto (OR) common-effect meta-analysis of 2x2 tables.

Exactly metafor 3.8 ``rma.mh`` and ``rma.peto`` with their defaults. Each study is a
2x2 table: ``ai``/``bi`` events/non-events in the experimental arm, ``ci``/``di`` in the
control arm; N = ai + bi + ci + di, n1 = ai + bi, n2 = ci + di.

Pooled estimate (raw counts, nothing added; metafor's ``add = c(1/2, 0)``,
``to = c("only0", "none")``, ``drop00 = c(TRUE, FALSE)``):

``OR``  R = Σ ai di / N, S = Σ bi ci / N, log OR = log(R / S). Variance of Robins,
        Breslow & Greenland (1986): with P = (ai + di)/N, Q = (bi + ci)/N,
        var = ½ [Σ P ai di/N / R² + Σ (P bi ci/N + Q ai di/N) / (R S) + Σ Q bi ci/N / S²].
``RR``  R = Σ ai n2/N, S = Σ ci n1/N, log RR = log(R / S). Variance of Greenland &
        Robins (1985): Σ (n1 n2 (ai + ci)/N² - ai ci/N) / (R S).
``RD``  RD = Σ (ai n2 - ci n1)/N / Σ n1 n2/N, with the variance metafor uses (Sato,
        Greenland & Robins 1989, as written in ``rma.mh``).
``PETO`` O - E = Σ (ai - xt n1/N), V = Σ xt yt n1 n2 / (N² (N - 1)) (xt = ai + ci,
        yt = bi + di), log OR = (O - E) / V, var = 1 / V (Yusuf et al. 1985).

Heterogeneity: Cochran's Q = Σ wi (yi - θ)² over the per-study estimates ``yi``/``vi`` of
``escalc`` with 1/2 added to every cell of a table with a zero cell and tables with no
events (ai = ci = 0) or no non-events (bi = di = 0) left out (``drop00``); df = k_yi - 1;
I² = max(0, 100 (Q - df) / Q), H² = Q / df.  Peto's Q is Σ (Oi - Ei)²/Vi - (Σ(Oi-Ei))²/ΣVi.
For the OR, also the Cochran-Mantel-Haenszel test (df = 1; with the continuity correction
as ``rma.mh`` prints it, and without), Tarone's test for heterogeneity and the
Breslow-Day test (df = k_pos - 1, over the tables with events and non-events).
Study weights in percent are metafor's ``weights()``: bi ci/N (OR), ci n1/N (RR),
n1 n2/N (RD), Vi (Peto).

Values that do not exist are ``None`` with the reason in ``notes``: e.g. the MH odds ratio
when Σ ai di/N or Σ bi ci/N is 0, Q with fewer than 2 tables in it, Tarone's test with
fewer than 2 informative tables. Where metafor reports Q = 0, QEp = 1, I² = 0 for a single
study, this module reports None (the contract's rule for k = 1).  τ² does not exist in
these common-effect models (None).

References: N. Mantel & W. Haenszel, J. Natl. Cancer Inst. 22 (1959) 719-748;
J. Robins, N. Breslow & S. Greenland, Biometrics 42 (1986) 311-323; S. Greenland &
J. M. Robins, Biometrics 41 (1985) 55-68; T. Sato, S. Greenland & J. M. Robins,
Biometrics 45 (1989) 1323-1324; S. Yusuf et al., Prog. Cardiovasc. Dis. 27 (1985)
335-371; R. E. Tarone, Biometrika 72 (1985) 91-95; N. E. Breslow & N. E. Day,
*Statistical Methods in Cancer Research I* (IARC, 1980).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthesis.models.results import clean_dict
from synthesis.special import chdtrc, ndtr, ndtri

__all__ = ["MH_MEASURES", "MHResult", "escalc_2x2", "mantel_haenszel", "peto"]

MH_MEASURES: tuple[str, ...] = ("RR", "OR", "RD")
_ADD = 0.5  # metafor's add = 1/2, to = "only0" for the per-study yi/vi
_NO_Q = "heterogeneity (Q, I2, H2) needs the pooled estimate, which does not exist here"


@dataclass(frozen=True)
class MHResult:
    """A Mantel-Haenszel or Peto fit on the model scale (log RR/OR, or RD).

    Carries every field of :class:`synthesis.results.Fit` (τ², its CI, τ and the
    prediction interval are always None: common-effect model) plus the per-study
    ``yi``/``vi`` used in Q (None for tables left out by ``drop00``) and, for the MH
    odds ratio, the CMH, Tarone and Breslow-Day tests.
    """

    measure: str  # RR, OR, RD
    method: str  # MH or PETO
    k: int  # tables in the pooled estimate (all)
    k_yi: int  # tables with a per-study estimate (used in Q)
    level: float
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    statistic: float | None  # z
    p_value: float | None
    I2: float | None  # percent
    H2: float | None
    Q: float | None
    Q_df: int | None
    Q_p: float | None
    weights: tuple[float | None, ...]  # percent, input order
    yi: tuple[float | None, ...]
    vi: tuple[float | None, ...]
    CMH: float | None = None  # Cochran-Mantel-Haenszel, continuity-corrected (rma.mh)
    CMH_p: float | None = None
    CMH_uncorrected: float | None = None  # rma.mh(..., correct = FALSE)
    CMH_uncorrected_p: float | None = None
    TA: float | None = None  # Tarone's test for heterogeneity
    TA_df: int | None = None
    TA_p: float | None = None
    BD: float | None = None  # Breslow-Day test
    BD_p: float | None = None
    k_pos: int | None = None  # tables in Tarone/Breslow-Day (or with Vi > 0 for Peto)
    ci_method: str = "wald"
    df: int | None = None
    pi_low: float | None = None
    pi_high: float | None = None
    tau2: float | None = None
    tau2_ci_low: float | None = None
    tau2_ci_high: float | None = None
    tau: float | None = None
    converged: bool = True
    notes: tuple[str, ...] = field(default=())  # why a value is None, what was dropped
    info: tuple[str, ...] = field(default=())

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.notes

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        d = self.to_dict()
        for key in ("weights", "yi", "vi", "notes", "info"):
            d.pop(key)
        return pd.DataFrame([d])


# --------------------------------------------------------------------------- helpers


def _tables(ai, bi, ci, di) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    arrs = [np.asarray(x, dtype=np.float64) for x in (ai, bi, ci, di)]
    if any(a.ndim != 1 for a in arrs) or len({a.shape for a in arrs}) != 1:
        raise ValueError("ai, bi, ci, di must be 1-D sequences of the same length")
    a, b, c, d = arrs
    if a.size == 0:
        raise ValueError("k = 0: no tables to pool")
    bad = []
    for i in range(a.size):
        cells = (a[i], b[i], c[i], d[i])
        if not all(np.isfinite(cells)):
            bad.append(f"table {i}: a count is missing or not finite")
        elif min(cells) < 0:
            bad.append(f"table {i}: a count is negative")
        elif a[i] + b[i] <= 0:
            bad.append(f"table {i}: the experimental arm has no participants")
        elif c[i] + d[i] <= 0:
            bad.append(f"table {i}: the control arm has no participants")
    if bad:
        raise ValueError("; ".join(bad))
    return a, b, c, d


def _double_zero(a, b, c, d) -> np.ndarray:
    return ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))


def escalc_2x2(
    *,
    measure: str,
    ai: Sequence[float] | np.ndarray,
    bi: Sequence[float] | np.ndarray,
    ci: Sequence[float] | np.ndarray,
    di: Sequence[float] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-study ``(yi, vi, dropped)`` as metafor ``escalc(..., drop00 = TRUE)``.

    ``measure`` is RR, OR, RD or PETO; 1/2 is added to every cell of a table with a zero
    cell (``to = "only0"``).  Tables with ai = ci = 0 or bi = di = 0 are ``dropped``
    (their yi/vi are NaN here; :class:`MHResult` stores None). Internal arrays only.
    """
    a, b, c, d = _tables(ai, bi, ci, di)
    if measure not in (*MH_MEASURES, "PETO"):
        raise ValueError(f"measure must be RR, OR, RD or PETO, not {measure!r}")
    dropped = _double_zero(a, b, c, d)
    zero = ~dropped & ((a == 0) | (b == 0) | (c == 0) | (d == 0))
    add = np.where(zero, _ADD, 0.0)
    a, b, c, d = a + add, b + add, c + add, d + add
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif measure == "OR":
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        elif measure == "RD":
            yi = p1 - p2
            vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        else:
            n = n1 + n2
            xt, yt = a + c, b + d
            e = xt * n1 / n
            v = xt * yt * (n1 / n) * (n2 / n) / (n - 1)
            yi = (a - e) / v
            vi = 1 / v
    yi = np.where(dropped, np.nan, yi)
    vi = np.where(dropped, np.nan, vi)
    return yi, vi, dropped


def _opt(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _crit(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), not {level!r}")
    return float(-ndtri((1.0 - level) / 2.0))


def _wald(estimate: float | None, se: float | None, level: float) -> dict[str, float | None]:
    out: dict[str, float | None] = {
        "estimate": estimate,
        "se": se,
        "ci_low": None,
        "ci_high": None,
        "statistic": None,
        "p_value": None,
    }
    if estimate is None or se is None:
        return out
    crit = _crit(level)
    out["ci_low"] = estimate - crit * se
    out["ci_high"] = estimate + crit * se
    if se > 0:
        z = estimate / se
        out["statistic"] = z
        out["p_value"] = float(2.0 * ndtr(-abs(z)))
    return out


def _heterogeneity(
    q: float | None, k_yi: int, notes: list[str], why_none: str | None
) -> dict[str, Any]:
    """Q, its df and p, I² and H² from a Q statistic over k_yi tables."""
    out: dict[str, Any] = {"Q": None, "Q_df": None, "Q_p": None, "I2": None, "H2": None}
    if k_yi < 2:
        notes.append(
            f"heterogeneity (Q, I2, H2) needs at least 2 studies with an estimate; {k_yi} here"
        )
        return out
    if q is None:
        if why_none:
            notes.append(why_none)
        return out
    q = max(0.0, q)
    df = k_yi - 1
    out["Q"] = q
    out["Q_df"] = df
    out["Q_p"] = float(chdtrc(df, q))
    out["I2"] = max(0.0, 100.0 * (q - df) / q) if q > 0 else 0.0
    out["H2"] = q / df
    return out


def _percent(w: np.ndarray, notes: list[str], what: str) -> tuple[float | None, ...]:
    total = float(w.sum())
    if not total > 0:
        notes.append(f"study weights do not exist: every {what} is 0")
        return tuple(None for _ in w)
    return tuple(float(x) for x in 100.0 * w / total)


def _drop_notes(dropped: np.ndarray, zero: np.ndarray, notes: list[str], method: str) -> None:
    nd = int(dropped.sum())
    if nd:
        rows = ", ".join(str(i) for i in np.flatnonzero(dropped))
        notes.append(
            f"{nd} table(s) ({rows}) with no events, or only events, in both arms have no "
            f"per-study estimate and are left out of Q (drop00, as metafor); they stay in the "
            f"{method} sums"
        )
    nz = int(zero.sum())
    if nz:
        rows = ", ".join(str(i) for i in np.flatnonzero(zero))
        notes.append(
            f"1/2 added to every cell of {nz} table(s) ({rows}) with a zero cell for the "
            f"per-study estimates and Q only; the {method} estimate uses the counts as given"
        )


def _per_study(x: np.ndarray) -> tuple[float | None, ...]:
    return tuple(_opt(v) for v in x)


# --------------------------------------------------------------------------- MH


def mantel_haenszel(
    *,
    measure: str,
    ai: Sequence[float] | np.ndarray,
    bi: Sequence[float] | np.ndarray,
    ci: Sequence[float] | np.ndarray,
    di: Sequence[float] | np.ndarray,
    level: float = 0.95,
) -> MHResult:
    """Mantel-Haenszel common-effect meta-analysis (metafor ``rma.mh``) for RR, OR or RD.

    ``ai``/``bi``: events/non-events, experimental arm; ``ci``/``di``: control arm.
    Estimates are on the model scale (log RR, log OR, RD). Raises ``ValueError`` for
    invalid tables (negative or missing counts, an arm with no participants).
    """
    if measure not in MH_MEASURES:
        raise ValueError(f"measure must be one of {MH_MEASURES} for Mantel-Haenszel")
    _crit(level)  # validates level
    a, b, c, d = _tables(ai, bi, ci, di)
    yi, vi, dropped = escalc_2x2(measure=measure, ai=a, bi=b, ci=c, di=d)
    zero = ~dropped & ((a == 0) | (b == 0) | (c == 0) | (d == 0))
    notes: list[str] = []
    _drop_notes(dropped, zero, notes, "Mantel-Haenszel")
    n1, n2 = a + b, c + d
    n = n1 + n2
    k = int(a.size)
    extra: dict[str, Any] = {}
    estimate: float | None = None
    se: float | None = None
    why_none: str | None = None

    if measure == "OR":
        r_i, s_i = a * d / n, b * c / n
        r, s = float(r_i.sum()), float(s_i.sum())
        if r == 0 or s == 0:
            why_none = (
                "the Mantel-Haenszel odds ratio is 0, infinite or undefined: "
                + ("every table has a = 0 or d = 0 (sum of a*d/N is 0)" if r == 0 else "")
                + (" and " if r == 0 and s == 0 else "")
                + ("every table has b = 0 or c = 0 (sum of b*c/N is 0)" if s == 0 else "")
            )
            notes.append(why_none)
        else:
            p_i, q_i = (a + d) / n, (b + c) / n
            var = 0.5 * (
                float((p_i * r_i).sum()) / r**2
                + float((p_i * s_i + q_i * r_i).sum()) / (r * s)
                + float((q_i * s_i).sum()) / s**2
            )
            estimate, se = float(np.log(r / s)), float(np.sqrt(var))
        extra.update(_cmh(a, b, c, d, notes))
        extra.update(_tarone(a, b, c, d, None if estimate is None else r / s, notes))
        w = s_i
        what = "b*c/N (no table has both control events and experimental non-events)"
    elif measure == "RR":
        r_i, s_i = a * (n2 / n), c * (n1 / n)
        r, s = float(r_i.sum()), float(s_i.sum())
        if a.sum() == 0 or c.sum() == 0:
            arms = [
                name for name, tot in (("experimental", a.sum()), ("control", c.sum())) if tot == 0
            ]
            why_none = (
                f"no events in the {' or '.join(arms)} arm of any study: the Mantel-Haenszel "
                "risk ratio is 0, infinite or undefined"
            )
            notes.append(why_none)
        else:
            var = float(((n1 / n) * (n2 / n) * (a + c) - (a / n) * c).sum()) / (r * s)
            # 0 in exact arithmetic when every participant has the event (a rounding residue
            # of either sign): never the square root of a negative number
            estimate, se = float(np.log(r / s)), float(np.sqrt(max(var, 0.0)))
        w = s_i
        what = "c*n1/N (no control events in any study)"
    else:
        den = float((n1 * (n2 / n)).sum())
        beta = float((a * (n2 / n) - c * (n1 / n)).sum()) / den
        var = (
            beta
            * float(
                (c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2).sum()
            )
            + float((a * (n2 - c) / n + c * (n1 - a) / n).sum()) / 2
        ) / den**2
        estimate = beta
        se = float(np.sqrt(max(var, 0.0)))
        if not se > 0:
            notes.append(
                "the Mantel-Haenszel variance of the risk difference is 0 (no events, or only "
                "events, in every study): no z test, and the interval has zero width"
            )
        w = n1 * (n2 / n)
        what = "n1*n2/N"

    wald = _wald(estimate, se, level)
    q: float | None = None
    keep = ~dropped
    if estimate is not None:
        q = float((((yi[keep] - estimate) ** 2) / vi[keep]).sum())
    het = _heterogeneity(q, int(keep.sum()), notes, _NO_Q)
    return MHResult(
        measure=measure,
        method="MH",
        k=k,
        k_yi=int(keep.sum()),
        level=level,
        **wald,
        **het,
        weights=_percent(w, notes, what),
        yi=_per_study(yi),
        vi=_per_study(vi),
        **extra,
        notes=tuple(notes),
    )


def _cmh(a, b, c, d, notes: list[str]) -> dict[str, Any]:
    """Cochran-Mantel-Haenszel test (df = 1), with and without continuity correction."""
    n1, n2 = a + b, c + d
    n = n1 + n2
    xt, yt = a + c, b + d
    out: dict[str, Any] = {}
    den = float(((n1 / n) * (n2 / n) * (xt * (yt / (n - 1)))).sum())  # N >= 2: both arms > 0
    if xt.sum() == 0 or yt.sum() == 0 or not den > 0:
        notes.append(
            "the Cochran-Mantel-Haenszel test does not exist: no table has both events and "
            "non-events"
        )
        return out
    dev = abs(float((a - (n1 / n) * xt).sum()))
    for key, corr in (("CMH", 0.5), ("CMH_uncorrected", 0.0)):
        stat = (dev - corr) ** 2 / den
        out[key] = stat
        out[f"{key}_p"] = float(chdtrc(1, stat))
    return out


def _tarone(a, b, c, d, psi: float | None, notes: list[str]) -> dict[str, Any]:
    """Tarone's and Breslow-Day's tests of homogeneity of the odds ratios (metafor)."""
    if psi is None:
        return {"k_pos": 0}
    n1, n2 = a + b, c + d
    n = n1 + n2
    xt, yt = a + c, b + d
    if psi == 1.0:
        n11 = (n1 / n) * xt
    else:
        aa = psi * (n1 + xt) + (n2 - xt)
        bb = np.sqrt(aa**2 - 4 * n1 * xt * psi * (psi - 1))
        n11 = (aa - bb) / (2 * (psi - 1))
    pos = (n11 > 0) & (xt > 0) & (yt > 0)
    k_pos = int(pos.sum())
    out: dict[str, Any] = {"k_pos": k_pos}
    if k_pos < 2:
        notes.append(
            f"Tarone's and the Breslow-Day test need at least 2 tables with both events and "
            f"non-events; {k_pos} here"
        )
        return out
    e11 = n11[pos]
    e12 = n1[pos] - e11
    e21 = xt[pos] - e11
    e22 = e11 - n1[pos] - xt[pos] + n[pos]
    inv = 1 / e11 + 1 / e12 + 1 / e21 + 1 / e22
    resid = a[pos] - e11
    bd = max(0.0, float((resid**2 * inv).sum()))
    ta = max(0.0, bd - float(resid.sum()) ** 2 / float((1 / inv).sum()))
    if not (np.isfinite(bd) and np.isfinite(ta)):
        notes.append("Tarone's and the Breslow-Day test are not finite for these tables")
        return out
    df = k_pos - 1
    out.update(
        TA=ta,
        TA_df=df,
        TA_p=float(chdtrc(df, ta)),
        BD=bd,
        BD_p=float(chdtrc(df, bd)),
    )
    return out


# --------------------------------------------------------------------------- Peto


def peto(
    *,
    ai: Sequence[float] | np.ndarray,
    bi: Sequence[float] | np.ndarray,
    ci: Sequence[float] | np.ndarray,
    di: Sequence[float] | np.ndarray,
    level: float = 0.95,
) -> MHResult:
    """Peto's one-step log odds ratio (metafor ``rma.peto``), common-effect.

    Raises ``ValueError`` for invalid tables; when one outcome never occurs in any table
    (metafor stops with an error) the estimate is None with the reason in ``notes``.
    """
    _crit(level)
    a, b, c, d = _tables(ai, bi, ci, di)
    yi, vi, dropped = escalc_2x2(measure="PETO", ai=a, bi=b, ci=c, di=d)
    zero = ~dropped & ((a == 0) | (b == 0) | (c == 0) | (d == 0))
    notes: list[str] = []
    _drop_notes(dropped, zero, notes, "Peto")
    n1, n2 = a + b, c + d
    n = n1 + n2
    xt, yt = a + c, b + d
    e = xt * n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, xt * yt * (n1 / n) * (n2 / n) / (n - 1), 0.0)
    sum_v = float(v.sum())
    keep = ~dropped
    k_yi = int(keep.sum())
    k_pos = int((v > 0).sum())
    estimate: float | None = None
    se: float | None = None
    q: float | None = None
    if not sum_v > 0:
        notes.append(
            "one of the two outcomes never occurred in any table: Peto's method cannot be used"
        )
    else:
        o_e = a - e
        estimate = float(o_e.sum()) / sum_v
        se = float(np.sqrt(1.0 / sum_v))
        pos = v > 0
        q = max(0.0, float((o_e[pos] ** 2 / v[pos]).sum()) - float(o_e.sum()) ** 2 / sum_v)
    wald = _wald(estimate, se, level)
    het = _heterogeneity(q, k_yi, notes, _NO_Q)
    return MHResult(
        measure="OR",
        method="PETO",
        k=int(a.size),
        k_yi=k_yi,
        level=level,
        **wald,
        **het,
        weights=_percent(v, notes, "Vi (every table lacks events or non-events)"),
        yi=_per_study(yi),
        vi=_per_study(vi),
        k_pos=k_pos,
        notes=tuple(notes),
    )
