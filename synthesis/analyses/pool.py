"""Analysis: select the entries of one outcome, compute effects, pool, subgroup.

The flow is records -> normalize -> **effects** (escalc) -> **pooling** (rma)
-> render.  This module wires them together for one outcome and returns a
frozen :class:`PoolResult` whose :meth:`PoolResult.to_dict` is the contract's
JSON object (section 2).  It never imports pandas, matplotlib, statsmodels or
pymare at module level: ``synth pool`` must start fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from synthesis.analyses.order import DEFAULT_SORT, check_sort, sort_studies
from synthesis.effects import escalc as effects
from synthesis.errors import SynthError
from synthesis.measures import (
    CI_METHODS,
    MEASURE_CODES,
    MEDIAN_METHODS,
    PROPORTION_MEASURES,
    RE_METHODS,
    TWO_ARM_MEASURES,
)
from synthesis.models.results import Fit, clean
from synthesis.records.normalize import Entry, entry_data
from synthesis.records.review import Review, load_review
from synthesis.records.schema import WHOLE_COHORT


@dataclass(frozen=True)
class StudyResult:
    """One row of the analysis: a study (or one arm of it)."""

    id: str
    arm: str | None
    label: str
    data: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    yi: float | None
    vi: float | None
    weight: float | None
    n: int | None
    year: int
    file: str
    line: int
    tags: dict[str, str] = field(default_factory=dict)
    # the record entries this row was computed from (experimental then control for a
    # two-arm comparison): later analyses and the report start from them, not (file, line)
    entries: tuple[Entry, ...] = field(default=(), compare=False, repr=False)
    # position in the order the records are read (--sort listed), whatever the row order
    listed: int = field(default=0, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "arm": self.arm,
            "label": self.label,
            "data": self.data,
            "estimate": clean(self.estimate),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "yi": clean(self.yi),
            "vi": clean(self.vi),
            "weight": clean(self.weight),
            "n": self.n,
            "year": self.year,
            "source": f"{self.file}:{self.line}",
        }


class _Flat:
    """to_dict() for a flat frozen dataclass of numbers: NaN -> None."""

    def to_dict(self) -> dict[str, Any]:
        return {k: clean(getattr(self, k)) for k in self.__dataclass_fields__}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ModelScale(_Flat):
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    pi_low: float | None
    pi_high: float | None


@dataclass(frozen=True)
class Heterogeneity(_Flat):
    """Heterogeneity of a fit; the Q-profile CI of tau² as metafor's ``confint()``.

    The CI is searched in [0, ``tau2_ci_limit``] (metafor's ``tau2.max``,
    max(100, 10 tau²)). A bound beyond that limit (metafor prints ``>100``) does not
    exist as a number: it is ``None`` with ``tau2_ci_high_unbounded`` (or, when the
    whole CI lies beyond the limit, ``tau2_ci_low_unbounded`` too) true. The three
    keys are ``None`` when there is no CI of tau² (FE, GLMM, k = 1, medians).
    """

    tau2: float | None
    tau2_ci_low: float | None
    tau2_ci_high: float | None
    tau: float | None
    I2: float | None
    H2: float | None
    Q: float | None
    Q_df: int | None
    Q_p: float | None
    tau2_ci_low_unbounded: bool | None = None
    tau2_ci_high_unbounded: bool | None = None
    tau2_ci_limit: float | None = None


@dataclass(frozen=True)
class SubgroupTest(_Flat):
    Q: float | None
    df: int | None
    p: float | None


@dataclass(frozen=True)
class PoolResult:
    """A pooled analysis of one outcome (or one subgroup of it)."""

    outcome: str
    measure: str
    method: str
    ci_method: str
    level: float
    k: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    pi_low: float | None
    pi_high: float | None
    model_scale: ModelScale
    statistic: float | None
    df: int | None
    p_value: float | None
    heterogeneity: Heterogeneity
    studies: tuple[StudyResult, ...]
    warnings: tuple[str, ...]
    converged: bool = True
    subgroups: tuple[PoolResult, ...] | None = None
    subgroup_test: SubgroupTest | None = None
    by: str | None = None
    value: str | None = None
    where: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # facts worth reporting that are not warnings (GLMM's LRT ...)
    harmonic_n: float | None = None  # PFT back-transform (Miller 1978): harmonic mean of n

    @property
    def single_study(self) -> bool:
        """k = 1: nothing is pooled; estimate and CI are the study's own (its row above)."""
        return self.k == 1

    @property
    def record_warnings(self) -> tuple[str, ...]:
        """Warnings from reading the entries this result uses (``FILE:LINE: FIELD: ...``)."""
        seen = dict.fromkeys(w for s in self.studies for e in s.entries for w in e.warnings)
        for group in self.subgroups or ():
            seen.update(dict.fromkeys(group.record_warnings))
        return tuple(seen)

    @property
    def yi(self) -> np.ndarray:
        """The analysis-scale effect sizes the model was fitted on, in row order."""
        return np.array([np.nan if s.yi is None else s.yi for s in self.studies], dtype=float)

    @property
    def vi(self) -> np.ndarray:
        """The sampling variances the model was fitted on (NaN for medians)."""
        return np.array([np.nan if s.vi is None else s.vi for s in self.studies], dtype=float)

    def back(self, value: float | None) -> float | None:
        """*value* on the analysis scale, back on the reporting scale of this result."""
        if self.measure == "MED":
            return value
        return _back(self.measure, value, self.harmonic_n)

    @property
    def participants(self) -> int | None:
        ns = [s.n for s in self.studies]
        return None if any(n is None for n in ns) else int(sum(ns))  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object (section 2), plus a few documented extra keys."""
        out: dict[str, Any] = {}
        if self.by is not None:
            out["by"] = self.by
            out["value"] = self.value
        out.update(
            {
                "outcome": self.outcome,
                "measure": self.measure,
                "method": self.method,
                "ci_method": self.ci_method,
                "level": self.level,
                "k": self.k,
                "estimate": clean(self.estimate),
                "ci_low": clean(self.ci_low),
                "ci_high": clean(self.ci_high),
                "pi_low": clean(self.pi_low),
                "pi_high": clean(self.pi_high),
                "model_scale": self.model_scale.to_dict(),
                "statistic": clean(self.statistic),
                "df": self.df,
                "p_value": clean(self.p_value),
                "heterogeneity": self.heterogeneity.to_dict(),
                "single_study": self.single_study,
                "studies": [s.to_dict() for s in self.studies],
            }
        )
        if self.subgroups is not None:
            out["subgroups"] = [g.to_dict() for g in self.subgroups]
            out["subgroup_test"] = (
                self.subgroup_test.to_dict() if self.subgroup_test is not None else None
            )
        out["warnings"] = [*self.record_warnings, *self.warnings]
        out["notes"] = list(self.notes)
        out["converged"] = self.converged
        out["participants"] = self.participants
        if self.where:
            out["where"] = list(self.where)
        return out

    def to_frame(self):  # -> pandas.DataFrame
        """Per-study rows followed by the pooled row (pandas imported lazily)."""
        import pandas as pd

        rows = [s.to_dict() for s in self.studies]
        rows.append(
            {
                "id": "pooled",
                "label": f"Pooled ({self.method})",
                "estimate": clean(self.estimate),
                "ci_low": clean(self.ci_low),
                "ci_high": clean(self.ci_high),
                "yi": clean(self.model_scale.estimate),
                "weight": 100.0 if self.k else None,
            }
        )
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Study order: one rule for every output (synthesis.analyses.order)


def _ordered(result: PoolResult, sort: str) -> PoolResult:
    return replace(result, studies=tuple(sort_studies(result.studies, sort)))


def order_result(result: PoolResult, sort: str) -> PoolResult:
    """``result`` with its study rows (and each subgroup's) in the order ``sort`` names."""
    ordered = _ordered(result, sort)
    if result.subgroups is None:
        return ordered
    return replace(ordered, subgroups=tuple(_ordered(g, sort) for g in result.subgroups))


# ---------------------------------------------------------------------------
# Selection


def _parse_where(where: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for item in where:
        if "=" not in item:
            raise SynthError(f"--where {item!r}: expected TAG=VALUE, e.g. --where disease=ANKL")
        tag, value = item.split("=", 1)
        out.append((tag.strip(), value.strip()))
    return out


def _apply_where(entries: list[Entry], review: Review, where: Sequence[str]) -> list[Entry]:
    conditions = _parse_where(where)
    known_tags = sorted({t for s in review.studies for t in s.tags})
    for tag, _ in conditions:
        if tag not in known_tags:
            from synthesis.records.schema import suggest

            raise SynthError(
                f"--where {tag}=...: no study has a tag '{tag}'"
                f"{suggest(tag, known_tags)} (tags: {', '.join(known_tags) or 'none'})"
            )
    return [
        e
        for e in entries
        if all(e.tags.get(tag, "").lower() == value.lower() for tag, value in conditions)
    ]


def default_measure(entries: Sequence[Entry]) -> tuple[str, list[str]]:
    """The measure to use when none is given, and a note on the alternatives."""
    counts: dict[str, set[str]] = {}
    for e in entries:
        if e.kind == "binary":
            code = "PLO"
        elif e.kind == "ratio" and e.se is not None:
            code = e.ratio_type.upper()
        elif e.kind == "median" and not e.not_reached:
            code = "MED"
        elif e.kind == "generic" and e.se is not None:
            code = "GEN"
        else:
            continue
        counts.setdefault(code, set()).add(e.study)
    if not counts:
        return "PLO", []
    order = ["PLO", "HR", "OR", "RR", "MED", "GEN"]
    best = max(counts, key=lambda c: (len(counts[c]), -order.index(c)))
    notes = [
        f"{len(counts[c])} {'study' if len(counts[c]) == 1 else 'studies'} "
        f"also usable with --measure {c}"
        for c in order
        if c in counts and c != best
    ]
    return best, notes


@dataclass(frozen=True)
class _Rows:
    """The rows selected for one analysis, as effect sizes (or medians)."""

    entries: tuple[Entry, ...]
    yi: np.ndarray
    vi: np.ndarray
    estimate: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: tuple[int | None, ...]
    data: tuple[str, ...]
    arms: tuple[str | None, ...]
    events: np.ndarray | None = None
    totals: np.ndarray | None = None
    sources: tuple[tuple[Entry, ...], ...] = ()  # the entries behind each row


def _dedupe(entries: list[Entry], warnings: list[str]) -> list[Entry]:
    """One entry per study and arm; the whole cohort gives way to its arms."""
    seen: dict[tuple[str, str | None], Entry] = {}
    for e in entries:
        key = (e.study, e.arm)
        if key in seen:
            first = seen[key]
            warnings.append(
                f"{e.study}: {e.outcome} is given twice for "
                f"{'arm ' + e.arm if e.arm else 'the study'} "
                f"({first.file}:{first.line} and {e.file}:{e.line}); "
                f"using the first - give the other a distinct outcome name or remove it"
            )
            continue
        seen[key] = e
    kept = list(seen.values())
    by_study: dict[str, list[Entry]] = {}
    for e in kept:
        by_study.setdefault(e.study, []).append(e)
    out = []
    for study, group in by_study.items():
        arms = [e for e in group if e.arm not in (None, WHOLE_COHORT)]
        whole = [e for e in group if e.arm in (None, WHOLE_COHORT)]
        if arms and whole:
            warnings.append(
                f"{study}: using its {len(arms)} arms as separate rows and leaving out the "
                f"whole-cohort entry ({whole[0].file}:{whole[0].line}) to avoid counting "
                "patients twice"
            )
            out.extend(arms)
        else:
            out.extend(group)
    return out


def _select_rows(
    entries: list[Entry], measure: str, level: float, warnings: list[str], method: str = "REML"
) -> _Rows:
    if measure in PROPORTION_MEASURES:
        chosen = _dedupe([e for e in entries if e.kind == "binary"], warnings)
        _arms_warning(chosen, warnings)
        events = np.array([e.events for e in chosen], dtype=float)
        totals = np.array([e.total for e in chosen], dtype=float)
        eff = effects.proportions(events, totals, measure=measure, level=level)
        corrected = [
            e.study + (f"/{e.arm}" if e.arm and e.arm != WHOLE_COHORT else "")
            for e, c in zip(chosen, eff.corrected, strict=True)
            if c
        ]
        if corrected and method != "GLMM":  # the GLMM fits the counts themselves
            warnings.append(
                f"0.5 added to the cells of {', '.join(corrected)} (0 or all events) for "
                f"{measure}; --measure PFT or --method GLMM need no correction"
            )
        return _Rows(
            entries=tuple(chosen),
            yi=eff.yi,
            vi=eff.vi,
            estimate=eff.estimate,
            ci_low=eff.ci_low,
            ci_high=eff.ci_high,
            n=tuple(e.total for e in chosen),
            data=tuple(entry_data(e) for e in chosen),
            arms=tuple(e.arm for e in chosen),
            events=events,
            totals=totals,
            sources=tuple((e,) for e in chosen),
        )
    if measure in ("HR", "OR", "RR", "RD"):
        return _select_comparative(entries, measure, level, warnings)
    if measure == "GEN":
        chosen = _dedupe([e for e in entries if e.kind == "generic"], warnings)
        missing = [e.study for e in chosen if e.se is None]
        if missing:
            warnings.append(f"left out (no SE or CI): {', '.join(missing)}")
        chosen = [e for e in chosen if e.se is not None]
        scales = sorted({e.scale or "unspecified" for e in chosen})
        if len(scales) > 1:
            warnings.append(
                f"generic estimates on different scales are pooled together: {', '.join(scales)}"
            )
        est = np.array([e.yi for e in chosen], dtype=float)
        se = np.array([e.se for e in chosen], dtype=float)
        eff = effects.generic(est, se, level=level)
        return _Rows(
            entries=tuple(chosen),
            yi=eff.yi,
            vi=eff.vi,
            estimate=eff.estimate,
            ci_low=eff.ci_low,
            ci_high=eff.ci_high,
            n=tuple(e.n for e in chosen),
            data=tuple(entry_data(e) for e in chosen),
            arms=tuple(None for _ in chosen),
            sources=tuple((e,) for e in chosen),
        )
    raise SynthError(f"unknown measure {measure}")


def _select_comparative(
    entries: list[Entry], measure: str, level: float, warnings: list[str]
) -> _Rows:
    rows: list[tuple[tuple[Entry, ...], float, float, float, float, float, str, int | None]] = []
    by_study: dict[str, list[Entry]] = {}
    for e in entries:
        by_study.setdefault(e.study, []).append(e)
    skipped: list[str] = []
    for study, group in by_study.items():
        ratios = [
            e
            for e in group
            if e.kind == "ratio" and e.ratio_type.upper() == measure and e.se is not None
        ]
        exp = [e for e in group if e.kind == "binary" and e.arm_role == "experimental"]
        ctl = [e for e in group if e.kind == "binary" and e.arm_role == "control"]
        if measure in TWO_ARM_MEASURES and exp and ctl:
            a, c = exp[0], ctl[0]
            eff = effects.two_arm(
                np.array([a.events], float),
                np.array([a.total], float),
                np.array([c.events], float),
                np.array([c.total], float),
                measure=measure,
                level=level,
            )
            if bool(eff.corrected[0]):
                warnings.append(f"{study}: 0.5 added to every cell (a zero cell) for {measure}")
            if getattr(eff, "double_zero", None) is not None and bool(eff.double_zero[0]):
                warnings.append(
                    f"{study}: no events in either arm; it carries almost no information"
                )
            data = f"{a.events}/{a.total} vs {c.events}/{c.total}"
            rows.append(
                (
                    (a, c),
                    float(eff.yi[0]),
                    float(eff.vi[0]),
                    float(eff.estimate[0]),
                    float(eff.ci_low[0]),
                    float(eff.ci_high[0]),
                    data,
                    a.total + c.total,
                )
            )
            if ratios:
                warnings.append(
                    f"{study}: has both arm counts and a reported {measure}; using the counts"
                )
        elif ratios:
            if len(ratios) > 1:
                warnings.append(
                    f"{study}: {len(ratios)} {measure}s for this outcome; using the first "
                    f"({ratios[0].file}:{ratios[0].line})"
                )
            e = ratios[0]
            eff = effects.log_ratios(
                np.array([e.ratio]),
                np.array([e.se]),
                measure=measure,
                level=level,
                ci_low=None if e.ci_low is None else np.array([e.ci_low]),
                ci_high=None if e.ci_high is None else np.array([e.ci_high]),
            )
            rows.append(
                (
                    (e,),
                    float(eff.yi[0]),
                    float(eff.vi[0]),
                    float(eff.estimate[0]),
                    float(eff.ci_low[0]),
                    float(eff.ci_high[0]),
                    entry_data(e),
                    None,
                )
            )
        elif measure in TWO_ARM_MEASURES and (exp or ctl):
            skipped.append(f"{study} (needs one experimental and one control arm)")
        elif any(e.kind == "ratio" and e.ratio_type.upper() == measure for e in group):
            skipped.append(f"{study} ({measure} without CI or exact p)")
    if skipped:
        warnings.append(f"left out of {measure}: {'; '.join(skipped)}")
    return _Rows(
        entries=tuple(r[0][0] for r in rows),
        sources=tuple(r[0] for r in rows),
        yi=np.array([r[1] for r in rows], float),
        vi=np.array([r[2] for r in rows], float),
        estimate=np.array([r[3] for r in rows], float),
        ci_low=np.array([r[4] for r in rows], float),
        ci_high=np.array([r[5] for r in rows], float),
        n=tuple(r[7] for r in rows),
        data=tuple(r[6] for r in rows),
        arms=tuple(None for _ in rows),
    )


# ---------------------------------------------------------------------------
# Pooling one set of rows


def _back(measure: str, value: float | None, harmonic_n: float | None) -> float | None:
    if value is None:
        return None
    return float(effects.back_transform(measure, np.array([value]), harmonic_n=harmonic_n)[0])


def _fit_rows(
    rows: _Rows, measure: str, method: str, ci: str, level: float, warnings: list[str]
) -> Fit:
    k = len(rows.yi)
    if method == "GLMM":
        if measure != "PLO":
            raise SynthError("--method GLMM is for --measure PLO only")
        if ci != "wald":
            raise SynthError("--ci hksj is not defined for --method GLMM; use --ci wald")
        if k >= 2:
            from synthesis.models.glmm import fit_glmm_plo

            return fit_glmm_plo(rows.events, rows.totals, level=level)
        warnings.append("GLMM needs at least 2 studies; the single study is shown as it is")
        method = "FE"
    from synthesis.models.core import fit

    return fit(rows.yi, rows.vi, method=method, ci=ci, level=level)


#: What every output says when k = 1 (the pooled row is the study's own row).
SINGLE_STUDY = (
    "single study: not pooled; the estimate and CI shown are the study's own, and "
    "heterogeneity is not defined"
)


def tau2_search_limit(tau2: float) -> float:
    """The upper end of the tau² range searched for its Q-profile CI.

    metafor's ``confint.rma.uni`` (``tau2.max = max(100, 10 * tau2)``), reproduced by
    :func:`synthesis.models.core._qprofile`, which returns this limit itself as a bound
    that lies beyond it (metafor prints ``>100``).
    """
    return max(100.0, 10.0 * tau2)


def _heterogeneity(res: Fit) -> Heterogeneity:
    lo, hi = res.tau2_ci_low, res.tau2_ci_high
    low_out = high_out = limit = None
    if res.tau2 is not None and lo is not None and hi is not None:
        limit = tau2_search_limit(res.tau2)
        at_limit = limit * (1.0 - 1e-12)
        high_out = hi >= at_limit
        low_out = lo >= at_limit
        lo = None if low_out else lo
        hi = None if high_out else hi
    return Heterogeneity(
        tau2=res.tau2,
        tau2_ci_low=lo,
        tau2_ci_high=hi,
        tau=res.tau,
        I2=res.I2,
        H2=res.H2,
        Q=res.Q,
        Q_df=res.Q_df,
        Q_p=res.Q_p,
        tau2_ci_low_unbounded=low_out,
        tau2_ci_high_unbounded=high_out,
        tau2_ci_limit=limit,
    )


def _result_from_fit(
    *,
    outcome: str,
    measure: str,
    method: str,
    ci: str,
    level: float,
    rows: _Rows,
    res: Fit,
    warnings: list[str],
    by: str | None = None,
    value: str | None = None,
    where: tuple[str, ...] = (),
) -> PoolResult:
    harmonic = None
    if measure == "PFT":
        n = np.array([x for x in rows.n if x], dtype=float)
        harmonic = float(len(n) / np.sum(1.0 / n)) if len(n) else None
    k = len(rows.yi)
    if k == 2 and method not in ("FE",):
        warnings.append(
            "k = 2: tau² is very imprecise and no prediction interval is given (needs k >= 3)"
        )
    if not res.converged:
        warnings.append(f"the {method} estimate of tau² did not converge; try --method DL or PM")
    for note in res.notes:
        if k == 1 and note.startswith("k = 1:"):
            continue  # said once, in the words every output uses (SINGLE_STUDY)
        warnings.append(note)
    if k == 1:
        warnings.append(SINGLE_STUDY)
    if res.I2 is not None and res.I2 >= 75 and k >= 3:
        warnings.append(
            f"I² = {res.I2:.0f}%: considerable heterogeneity; read the pooled estimate with its "
            "prediction interval"
        )
    studies = tuple(
        StudyResult(
            id=e.study,
            arm=arm,
            label=e.label + (f" ({e.arm_label or arm})" if arm and arm != WHOLE_COHORT else ""),
            data=data,
            estimate=float(est),
            ci_low=float(lo),
            ci_high=float(hi),
            yi=float(y),
            vi=float(v),
            weight=float(w),
            n=n,
            year=e.year,
            file=e.file,
            line=e.line,
            tags=dict(e.tags),
            entries=src,
            listed=i,
        )
        for i, (e, src, arm, data, est, lo, hi, y, v, w, n) in enumerate(
            zip(
                rows.entries,
                rows.sources,
                rows.arms,
                rows.data,
                rows.estimate,
                rows.ci_low,
                rows.ci_high,
                rows.yi,
                rows.vi,
                res.weights,
                rows.n,
                strict=True,
            )
        )
    )
    if k == 1:  # not pooled: the study's own estimate and CI (its row above), every output
        own = studies[0]
        estimate, ci_low, ci_high = own.estimate, own.ci_low, own.ci_high
    else:
        estimate = _back(measure, res.estimate, harmonic)
        ci_low = _back(measure, res.ci_low, harmonic)
        ci_high = _back(measure, res.ci_high, harmonic)
    return PoolResult(
        outcome=outcome,
        measure=measure,
        method=method,
        ci_method=ci,
        level=level,
        k=k,
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        pi_low=_back(measure, res.pi_low, harmonic),
        pi_high=_back(measure, res.pi_high, harmonic),
        model_scale=ModelScale(
            estimate=res.estimate,
            se=res.se,
            ci_low=res.ci_low,
            ci_high=res.ci_high,
            pi_low=res.pi_low,
            pi_high=res.pi_high,
        ),
        statistic=res.statistic,
        df=res.df,
        p_value=res.p_value,
        heterogeneity=_heterogeneity(res),
        studies=studies,
        warnings=tuple(dict.fromkeys(warnings)),
        converged=res.converged,
        notes=res.info,
        by=by,
        value=value,
        where=where,
        harmonic_n=harmonic,
    )


#: Pooled medians have no heterogeneity statistic; they are flagged instead when the
#: largest median is more than this many times the smallest (e.g. 0.8 and 22.8 months).
MEDIAN_SPREAD_RATIO = 3.0
#: ...and when the rows differ in one of these tags (different populations).
POPULATION_TAGS: tuple[str, ...] = ("disease",)


def median_spread_warnings(entries: Sequence[Entry]) -> list[str]:
    """The heterogeneity warning of a pooled median (medians have no Q, I² or tau²).

    Rule 1: the largest median is more than :data:`MEDIAN_SPREAD_RATIO` times the
    smallest. Rule 2: the rows differ in a tag of :data:`POPULATION_TAGS` (``disease``).
    One warning gives every reason that applies and names the tags whose values differ
    between the rows, to use with ``--by``.
    """
    reasons: list[str] = []
    values = [e.median for e in entries if e.median is not None]
    if values and min(values) > 0 and max(values) / min(values) > MEDIAN_SPREAD_RATIO:
        low, high = min(values), max(values)
        reasons.append(
            f"range from {low:g} to {high:g} months ({high / low:.0f}-fold, more than "
            f"{MEDIAN_SPREAD_RATIO:g}-fold)"
        )
    for tag in POPULATION_TAGS:
        found = sorted({e.tags[tag] for e in entries if tag in e.tags}, key=str.lower)
        if len(found) > 1:
            reasons.append(f"come from different {tag}s ({', '.join(found)})")
    if not reasons:
        return []
    tags = sorted({t for e in entries for t in e.tags})
    differing = [t for t in tags if len({e.tags.get(t) for e in entries}) > 1]
    differing = [t for t in differing if t in POPULATION_TAGS] or differing
    hint = f"; consider --by {' or --by '.join(differing)}" if differing else ""
    return [
        f"the pooled medians {' and '.join(reasons)}: heterogeneous populations, and a "
        f"pooled median may describe none of them{hint}"
    ]


def _arms_warning(chosen: Sequence[Entry], warnings: list[str]) -> None:
    """Rows that are arms of one study are not independent: say so (any measure)."""
    per_study = Counter(e.study for e in chosen)
    multi = sorted(study for study, count in per_study.items() if count > 1)
    if multi:
        warnings.append(
            f"arms of the same study enter as separate rows ({', '.join(multi)}); "
            "they share a study, so the rows are not independent"
        )


def _pool_medians(
    entries: list[Entry], outcome: str, method: str, level: float, warnings: list[str], **meta: Any
) -> PoolResult:
    from synthesis.models.medians import pool_medians

    chosen = _dedupe([e for e in entries if e.kind == "median"], warnings)
    nr = [e for e in chosen if e.not_reached]
    if nr:
        warnings.append(
            f"median not reached in {', '.join(e.study for e in nr)}: reported, left out of the "
            "pooled median"
        )
    usable = [e for e in chosen if not e.not_reached]
    if method == "WM":
        no_n = [e for e in usable if e.n is None]
        if no_n:
            warnings.append(
                f"left out of the weighted median (no n): {', '.join(e.study for e in no_n)}; "
                "add n to the entry or use --method MM"
            )
            usable = [e for e in usable if e.n is not None]
    if not usable:
        raise SynthError(f"no median of {outcome} can be pooled (all missing n or not reached)")
    _arms_warning(usable, warnings)
    medians = np.array([e.median for e in usable], dtype=float)
    ns = np.array([e.n if e.n is not None else 1 for e in usable], dtype=float)
    res = pool_medians(medians, ns, method=method, level=level)
    if len(usable) == 1:
        warnings.append(SINGLE_STUDY)
    else:
        warnings.extend(res.notes)
        warnings.extend(median_spread_warnings(usable))
    studies = tuple(
        StudyResult(
            id=e.study,
            arm=e.arm,
            label=e.label
            + (f" ({e.arm_label or e.arm})" if e.arm and e.arm != WHOLE_COHORT else ""),
            data=entry_data(e),
            estimate=e.median,
            ci_low=e.median_ci_low,
            ci_high=e.median_ci_high,
            yi=e.median,
            vi=None,
            weight=float(w),
            n=e.n,
            year=e.year,
            file=e.file,
            line=e.line,
            tags=dict(e.tags),
            entries=(e,),
            listed=i,
        )
        for i, (e, w) in enumerate(zip(usable, res.weights, strict=True))
    )
    estimate, ci_low, ci_high = res.estimate, res.ci_low, res.ci_high
    if len(usable) == 1:  # not pooled: the study's own median and its reported CI
        estimate, ci_low, ci_high = studies[0].estimate, studies[0].ci_low, studies[0].ci_high
    return PoolResult(
        outcome=outcome,
        measure="MED",
        method=method,
        ci_method="wald",
        level=level,
        k=len(usable),
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        pi_low=None,
        pi_high=None,
        model_scale=ModelScale(estimate, None, ci_low, ci_high, None, None),
        statistic=None,
        df=None,
        p_value=None,
        heterogeneity=Heterogeneity(None, None, None, None, None, None, None, None, None),
        studies=studies,
        warnings=tuple(dict.fromkeys(warnings)),
        **meta,
    )


def _analyse(
    entries: list[Entry],
    *,
    outcome: str,
    measure: str,
    method: str,
    ci: str,
    level: float,
    warnings: list[str],
    by: str | None = None,
    value: str | None = None,
    where: tuple[str, ...] = (),
) -> PoolResult:
    if measure == "MED":
        return _pool_medians(
            entries, outcome, method, level, warnings, by=by, value=value, where=where
        )
    rows = _select_rows(entries, measure, level, warnings, method)
    if len(rows.yi) == 0:
        raise SynthError(
            f"no study gives {outcome} as {measure}"
            + (f" in subgroup {by}={value}" if by else "")
            + "; see 'synth studies --outcome "
            + outcome
            + "' for what is available"
        )
    res = _fit_rows(rows, measure, method, ci, level, warnings)
    return _result_from_fit(
        outcome=outcome,
        measure=measure,
        method=res.method if method != "GLMM" else "GLMM",
        ci=ci,
        level=level,
        rows=rows,
        res=res,
        warnings=warnings,
        by=by,
        value=value,
        where=where,
    )


def _subgroup_test(groups: list[PoolResult]) -> SubgroupTest:
    """Q between subgroup estimates (FE meta-analysis of them), df = groups - 1 (R meta, RevMan)."""
    from synthesis.special import chdtrc

    est = np.array([g.model_scale.estimate for g in groups if g.model_scale.se is not None], float)
    se = np.array([g.model_scale.se for g in groups if g.model_scale.se is not None], float)
    if len(est) < 2:
        return SubgroupTest(None, None, None)
    w = 1.0 / se**2
    mu = float(np.sum(w * est) / np.sum(w))
    q = float(np.sum(w * (est - mu) ** 2))
    df = len(est) - 1
    return SubgroupTest(q, df, float(chdtrc(df, q)))


def pool(
    review: Review | None = None,
    *,
    outcome: str,
    measure: str | None = None,
    method: str | None = None,
    ci: str = "wald",
    level: float = 0.95,
    by: str | None = None,
    where: Sequence[str] = (),
    studies: str | Path | None = None,
    sort: str = DEFAULT_SORT,
) -> PoolResult:
    """Pool one outcome of a review; the library function behind ``synth pool``.

    ``review`` is a loaded :class:`Review` (else the records under ``studies``
    are loaded).  ``measure`` defaults to PLO for counts (else the kind of data
    most studies give); ``method`` to REML (WM for medians).  ``sort`` orders the
    study rows (within each subgroup): see :data:`SORTS`; the numbers do not depend
    on it.
    """
    check_sort(sort)
    if review is None:
        review = load_review(studies)
    if not 0.0 < level < 1.0:
        raise SynthError(f"--level {level}: must be between 0 and 1, e.g. 0.95")
    if ci not in CI_METHODS:
        raise SynthError(f"--ci {ci}: use one of {', '.join(CI_METHODS)}")
    wanted = review.synonyms.canonical(outcome)
    entries = [e for e in review.entries if e.outcome == wanted]
    if not entries:
        raise SynthError(
            f"no study reports outcome '{outcome}'"
            + (f" (read as {wanted})" if wanted != outcome else "")
            + f"; outcomes in this review: {', '.join(review.outcomes()) or 'none'}"
        )
    where = tuple(where)
    if where:
        entries = _apply_where(entries, review, where)
        if not entries:
            raise SynthError(f"no study reports {wanted} with {' and '.join(where)}")
    warnings: list[str] = []
    if measure is None:
        measure, notes = default_measure(entries)
        warnings.extend(notes)
    measure = measure.upper()
    if measure not in MEASURE_CODES:
        raise SynthError(f"--measure {measure}: use one of {', '.join(MEASURE_CODES)}")
    if method is None:
        method = "WM" if measure == "MED" else "REML"
    method = method.upper()
    valid = MEDIAN_METHODS if measure == "MED" else (*RE_METHODS, "GLMM")
    if method not in valid:
        raise SynthError(
            f"--method {method} does not apply to --measure {measure}; "
            f"use one of {', '.join(valid)}"
        )
    if measure == "MED" and ci != "wald":
        raise SynthError("--ci hksj does not apply to pooled medians (--measure MED)")

    overall = _analyse(
        entries,
        outcome=wanted,
        measure=measure,
        method=method,
        ci=ci,
        level=level,
        warnings=list(warnings),
        where=where,
    )
    if by is None:
        return _ordered(overall, sort)
    known_tags = sorted({t for s in review.studies for t in s.tags})
    if by not in known_tags:
        from synthesis.records.schema import suggest

        raise SynthError(
            f"--by {by}: no study has a tag '{by}'{suggest(by, known_tags)} "
            f"(tags: {', '.join(known_tags) or 'none'})"
        )
    used = {s.id for s in overall.studies}
    values = sorted({e.tags.get(by, "(none)") for e in entries if e.study in used}, key=str.lower)
    groups = []
    for val in values:
        group_entries = [e for e in entries if e.tags.get(by, "(none)") == val]
        groups.append(
            _analyse(
                group_entries,
                outcome=wanted,
                measure=measure,
                method=method,
                ci=ci,
                level=level,
                warnings=[],
                by=by,
                value=val,
                where=where,
            )
        )
    test = _subgroup_test(groups) if measure != "MED" else SubgroupTest(None, None, None)
    extra = []
    if "(none)" in values:
        extra.append(f"studies without a '{by}' tag form the subgroup '(none)'")
    if len(groups) < 2:
        extra.append(f"only one subgroup of {by}; no test for subgroup differences")
    return replace(
        _ordered(overall, sort),
        warnings=tuple(dict.fromkeys(list(overall.warnings) + extra)),
        subgroups=tuple(_ordered(g, sort) for g in groups),
        subgroup_test=test,
    )
