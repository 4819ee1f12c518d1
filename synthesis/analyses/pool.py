"""Analysis: select the entries of one outcome, compute effects, pool, subgroup.

The flow is records -> normalize -> **effects** (escalc) -> **pooling** (rma)
-> render.  This module wires them together for one outcome and returns a
frozen :class:`PoolResult` whose :meth:`PoolResult.to_dict` is the contract's
JSON object (section 2).  It never imports pandas, matplotlib, statsmodels or
pymare at module level: ``synth pool`` must start fast.
"""

from __future__ import annotations

import math
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
    BACK_TRANSFORM_MEASURES,
    CI_METHODS,
    COMMON_METHODS,
    CONTINUOUS_MEASURES,
    MEASURE_CODES,
    MEASURES,
    MEDIAN_METHODS,
    METHOD_NAMES,
    MH_METHODS,
    PROPORTION_MEASURES,
    RE_METHODS,
    TWO_ARM_MEASURES,
)
from synthesis.models.results import Fit, clean
from synthesis.records.normalize import Entry, entry_data, z_quantile
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
    pi_method: str | None = "normal"  # "normal" (metafor predict()) or "t" (k - 2 df, HTS)
    pi_df: int | None = None  # the t prediction interval's degrees of freedom
    null_value: float | None = None  # the value the pooled estimate is tested against
    tests: dict[str, Any] | None = None  # MH odds ratio: CMH, Tarone and Breslow-Day tests
    also: str | None = None  # --also CODE: the common-effect model asked for
    common: PoolResult | None = None  # its result (None when it does not exist)
    model: str = "rows"  # "rows" (rma.uni) or "multilevel" (rma.mv, rows nested in clusters)
    cluster: str | None = None  # multilevel: "study" or the tag whose values are the clusters
    variance_components: tuple[Any, ...] | None = None  # multilevel: (cluster, row)
    # rows listed but left out of the model: medians not reached (no estimate, no weight)
    not_pooled: tuple[StudyResult, ...] = ()

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
        return _back(self.measure, value, self.harmonic_n)

    @property
    def test(self) -> str | None:
        """The test of the pooled value: "z", "t" (HKSJ), "sign" (medians) or None."""
        if self.statistic is None:
            return None
        if self.measure == "MED":
            return "sign"
        return "t" if self.df is not None else "z"

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
                "test": self.test,
                "null_value": self.null_value,
                "pi_method": self.pi_method,
                "pi_df": self.pi_df,
                "heterogeneity": self.heterogeneity.to_dict(),
                "single_study": self.single_study,
            }
        )
        if self.model == "multilevel":
            out["model"] = self.model
            out["cluster"] = self.cluster
            out["variance_components"] = [vc.to_dict() for vc in self.variance_components or ()]
        if self.tests is not None:
            out["tests"] = self.tests
        out["studies"] = [s.to_dict() for s in self.studies]
        if self.measure == "MED":  # listed, not pooled: estimate, CI, yi and weight null
            out["not_pooled"] = [{**s.to_dict(), "reason": NOT_REACHED} for s in self.not_pooled]
        if self.also is not None:
            out["common"] = self.common.to_dict() if self.common is not None else None
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
        for r in (self, self.common):
            if r is None:
                continue
            rows.append(
                {
                    "id": "pooled" if r is self else "common",
                    "label": f"Pooled ({r.method})",
                    "estimate": clean(r.estimate),
                    "ci_low": clean(r.ci_low),
                    "ci_high": clean(r.ci_high),
                    "yi": clean(r.model_scale.estimate),
                    "weight": 100.0 if r.k else None,
                }
            )
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Study order: one rule for every output (synthesis.analyses.order)


def _ordered(result: PoolResult, sort: str) -> PoolResult:
    return replace(
        result,
        studies=tuple(sort_studies(result.studies, sort)),
        not_pooled=tuple(sort_studies(result.not_pooled, sort)),
    )


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
        elif e.kind == "continuous" and e.arm_role in ("experimental", "control"):
            code = "MD"
        else:
            continue
        counts.setdefault(code, set()).add(e.study)
    if not counts:  # medians all not reached: MED, whose error says so
        return ("MED" if any(e.kind == "median" for e in entries) else "PLO"), []
    order = ["PLO", "HR", "OR", "RR", "MD", "MED", "GEN"]
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
    tables: np.ndarray | None = None  # (k, 4) 2x2 counts ai, bi, ci, di (RR/OR/RD from counts)


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
    entries: list[Entry], measure: str, level: float, warnings: list[str], *, method: str = ""
) -> _Rows:
    """The rows of one analysis: the entries that give ``measure``, as effect sizes."""
    if measure in PROPORTION_MEASURES:
        return _select_proportions(entries, measure, level, warnings, method)
    if measure in ("HR", "OR", "RR", "RD"):
        return _select_comparative(entries, measure, level, warnings, method=method)
    if measure in CONTINUOUS_MEASURES:
        return _select_continuous(entries, measure, level, warnings)
    if measure == "GEN":
        return _select_generic(entries, level, warnings)
    raise SynthError(f"unknown measure {measure}")


def _select_proportions(
    entries: list[Entry], measure: str, level: float, warnings: list[str], method: str = ""
) -> _Rows:
    """One row per arm (or whole cohort) with a count: a single proportion."""
    chosen = _dedupe([e for e in entries if e.kind == "binary"], warnings)
    _arms_warning(chosen, warnings, measure)
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


def _select_generic(entries: list[Entry], level: float, warnings: list[str]) -> _Rows:
    """One row per generic estimate with an SE (or CI)."""
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


@dataclass(frozen=True)
class _Row:
    """One comparative row: the entries behind it, its effect and how it is shown."""

    sources: tuple[Entry, ...]  # experimental then control (or the one reported ratio)
    yi: float
    vi: float
    estimate: float
    ci_low: float
    ci_high: float
    data: str
    n: int | None
    table: tuple[float, float, float, float] | None = None  # ai, bi, ci, di (arm counts)


def _rows_of(rows: list[_Row]) -> _Rows:
    tables = [r.table for r in rows]
    return _Rows(
        entries=tuple(r.sources[0] for r in rows),
        sources=tuple(r.sources for r in rows),
        yi=np.array([r.yi for r in rows], float),
        vi=np.array([r.vi for r in rows], float),
        estimate=np.array([r.estimate for r in rows], float),
        ci_low=np.array([r.ci_low for r in rows], float),
        ci_high=np.array([r.ci_high for r in rows], float),
        n=tuple(r.n for r in rows),
        data=tuple(r.data for r in rows),
        arms=tuple(None for _ in rows),
        tables=np.array(tables, float) if rows and None not in tables else None,
    )


def _by_study(entries: list[Entry]) -> dict[str, list[Entry]]:
    by_study: dict[str, list[Entry]] = {}
    for e in entries:
        by_study.setdefault(e.study, []).append(e)
    return by_study


def _arm_pair(group: list[Entry], kind: str) -> tuple[Entry | None, Entry | None]:
    """The first experimental and the first control entry of one kind in a study."""
    exp = next((e for e in group if e.kind == kind and e.arm_role == "experimental"), None)
    ctl = next((e for e in group if e.kind == kind and e.arm_role == "control"), None)
    return exp, ctl


def _counts_row(
    study: str, a: Entry, c: Entry, measure: str, level: float, warnings: list[str], *, mh: bool
) -> _Row:
    """A 2x2 table (experimental vs control counts) as RR, OR or RD (escalc)."""
    eff = effects.two_arm(
        np.array([a.events], float),
        np.array([a.total], float),
        np.array([c.events], float),
        np.array([c.total], float),
        measure=measure,
        level=level,
    )
    if not mh:  # (Mantel-Haenszel and Peto pool the counts as given; they say so themselves)
        if bool(eff.corrected[0]):
            warnings.append(f"{study}: 0.5 added to every cell (a zero cell) for {measure}")
        if getattr(eff, "double_zero", None) is not None and bool(eff.double_zero[0]):
            what = (
                "no events in either arm"
                if a.events == 0 and c.events == 0
                else "every patient had the event in both arms"
            )
            warnings.append(f"{study}: {what}; it carries almost no information")
    return _Row(
        sources=(a, c),
        yi=float(eff.yi[0]),
        vi=float(eff.vi[0]),
        estimate=float(eff.estimate[0]),
        ci_low=float(eff.ci_low[0]),
        ci_high=float(eff.ci_high[0]),
        data=f"{a.events}/{a.total} vs {c.events}/{c.total}",
        n=a.total + c.total,
        table=(a.events, a.total - a.events, c.events, c.total - c.events),
    )


def _ratio_row(
    study: str, ratios: list[Entry], measure: str, level: float, warnings: list[str]
) -> _Row:
    """A reported ratio (estimate with CI or p) on the log scale."""
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
    return _Row(
        sources=(e,),
        yi=float(eff.yi[0]),
        vi=float(eff.vi[0]),
        estimate=float(eff.estimate[0]),
        ci_low=float(eff.ci_low[0]),
        ci_high=float(eff.ci_high[0]),
        data=entry_data(e),
        n=None,
    )


def _select_comparative(
    entries: list[Entry], measure: str, level: float, warnings: list[str], *, method: str = ""
) -> _Rows:
    """One row per study: its arm counts (RR/OR/RD), else its reported ratio.

    Mantel-Haenszel and Peto (``method`` MH or PETO) need the counts: a study that only
    reports a ratio is left out with a warning.
    """
    counts_only = method in MH_METHODS
    rows: list[_Row] = []
    skipped: list[str] = []
    for study, group in _by_study(entries).items():
        ratios = [
            e
            for e in group
            if e.kind == "ratio" and e.ratio_type.upper() == measure and e.se is not None
        ]
        exp, ctl = _arm_pair(group, "binary")
        if measure in TWO_ARM_MEASURES and exp and ctl:
            rows.append(_counts_row(study, exp, ctl, measure, level, warnings, mh=counts_only))
            if ratios:
                warnings.append(
                    f"{study}: has both arm counts and a reported {measure}; using the counts"
                )
        elif ratios and counts_only:
            skipped.append(f"{study} (a reported {measure}; {method} needs the arm counts)")
        elif ratios:
            rows.append(_ratio_row(study, ratios, measure, level, warnings))
        elif measure in TWO_ARM_MEASURES and (exp or ctl):
            skipped.append(f"{study} (needs one experimental and one control arm)")
        elif any(e.kind == "ratio" and e.ratio_type.upper() == measure for e in group):
            skipped.append(f"{study} ({measure} without CI or exact p)")
    if skipped:
        warnings.append(f"left out of {measure}: {'; '.join(skipped)}")
    return _rows_of(rows)


def _continuous_row(
    study: str, a: Entry, c: Entry, measure: str, level: float
) -> tuple[_Row | None, str | None]:
    """Experimental vs control means as MD or SMD (metafor escalc), or why not."""
    from synthesis.effects.continuous import continuous_problems, md, smd

    arms = dict(m1=a.mean, sd1=a.sd, n1=a.n, m2=c.mean, sd2=c.sd, n2=c.n)
    problems = continuous_problems(measure=measure, **arms)  # type: ignore[arg-type]
    if problems:
        return None, problems[0][1]
    yi_a, vi_a = (md if measure == "MD" else smd)(**arms)  # type: ignore[arg-type]
    yi, vi = float(yi_a), float(vi_a)
    half = z_quantile(level) * math.sqrt(vi)  # Wald interval, as summary(escalc(...))
    return (
        _Row(
            sources=(a, c),
            yi=yi,
            vi=vi,
            estimate=yi,
            ci_low=yi - half,
            ci_high=yi + half,
            data=f"{a.mean:g} ({a.sd:g}), {a.n} vs {c.mean:g} ({c.sd:g}), {c.n}",
            n=(a.n or 0) + (c.n or 0),
        ),
        None,
    )


def _select_continuous(
    entries: list[Entry], measure: str, level: float, warnings: list[str]
) -> _Rows:
    """One row per study: the mean difference (MD) or Hedges' g (SMD), experimental vs control."""
    rows: list[_Row] = []
    skipped: list[str] = []
    for study, group in _by_study(entries).items():
        exp, ctl = _arm_pair(group, "continuous")
        if exp and ctl:
            row, why = _continuous_row(study, exp, ctl, measure, level)
            if row is None:
                skipped.append(f"{study} ({why})")
            else:
                rows.append(row)
        elif any(e.kind == "continuous" for e in group):
            skipped.append(
                f"{study} (needs a mean, SD and n for one experimental and one control arm)"
            )
    if skipped:
        warnings.append(f"left out of {measure}: {'; '.join(skipped)}")
    return _rows_of(rows)


# ---------------------------------------------------------------------------
# Pooling one set of rows

#: Prediction intervals: the normal quantile (metafor ``predict()``) or t with k - 2 df
#: (Higgins, Thompson & Spiegelhalter 2009; R meta's ``method.predict = "HTS"``).
PI_METHODS: tuple[str, ...] = ("normal", "t")


@dataclass(frozen=True)
class _Options:
    """What one analysis asks for; the same for the whole review and every subgroup."""

    measure: str
    method: str
    ci: str = "wald"
    level: float = 0.95
    pi: str = "normal"
    null: float | None = None  # --null VALUE on the reporting scale (None: the default)
    also: str | None = None  # a common-effect model to fit beside the random-effects one
    beside: bool = False  # this is that common-effect model


def _back(measure: str, value: float | None, harmonic_n: float | None) -> float | None:
    if value is None:
        return None
    if measure not in BACK_TRANSFORM_MEASURES:  # MD, SMD, MED: the analysis scale
        return float(value)
    return float(effects.back_transform(measure, np.array([value]), harmonic_n=harmonic_n)[0])


def null_on_model_scale(measure: str, value: float) -> float:
    """``--null VALUE`` (reporting scale) on the analysis scale of ``measure``.

    Proportions go through the measure's own transformation, with asin(sqrt(p)) for both
    arcsine measures (as R meta's ``metaprop(null.effect =)``); ratios through log.
    """
    if not math.isfinite(value):
        raise SynthError(f"--null {value}: must be a finite number")
    m = MEASURES[measure]

    def bad(what: str) -> SynthError:
        return SynthError(f"--null {value:g}: --measure {measure} needs {what}")

    if measure == "PLO":
        if not 0.0 < value < 1.0:
            raise bad("a proportion strictly between 0 and 1 (its logit must be finite), e.g. 0.3")
        return math.log(value / (1.0 - value))
    if m.family == "proportion":
        if not 0.0 <= value <= 1.0:
            raise bad("a proportion from 0 to 1, e.g. 0.3")
        return math.asin(math.sqrt(value)) if measure in ("PFT", "PAS") else value
    if m.log:
        if not value > 0.0:
            raise bad("a ratio > 0, e.g. 1")
        return math.log(value)
    if measure == "RD" and not -1.0 <= value <= 1.0:
        raise bad("a risk difference from -1 to 1, e.g. 0")
    if measure == "MED" and not value > 0.0:
        raise bad("a median > 0 in months, e.g. 12")
    return value


def _z_or_t_test(
    estimate: float | None, se: float | None, df: int | None, null_m: float
) -> tuple[float | None, float | None]:
    """(statistic, two-sided p) of estimate against null_m: z, or t with df (HKSJ)."""
    from synthesis.special import ndtr, stdtr

    if estimate is None or se is None:
        return None, None
    if not se > 0:  # an HKSJ scale factor of 0: no test (see synthesis.models.core)
        return None, None
    stat = (estimate - null_m) / se
    tail = float(stdtr(df, -abs(stat))) if df is not None else float(ndtr(-abs(stat)))
    return stat, 2.0 * tail


def _overall_test(
    measure: str, res: Any, null: float | None
) -> tuple[float | None, float | None, float | None]:
    """(statistic, p, the value tested): --null VALUE, else 1 for ratios and 0 for
    differences; a single-arm measure without --null has no test (as R meta's metaprop)."""
    if null is None:
        default = MEASURES[measure].null
        if default is None:
            return None, None, None
        return res.statistic, res.p_value, default
    stat, p = _z_or_t_test(res.estimate, res.se, res.df, null_on_model_scale(measure, null))
    return stat, p, null


def _fit_rows(
    rows: _Rows, measure: str, method: str, ci: str, level: float, warnings: list[str]
) -> Any:  # Fit, or MHResult (its fields and more) for MH and PETO
    k = len(rows.yi)
    if method in MH_METHODS:
        return _fit_mh(rows, measure, method, level, warnings)
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


def _fit_mh(rows: _Rows, measure: str, method: str, level: float, warnings: list[str]) -> Any:
    """Mantel-Haenszel or Peto on the rows' 2x2 tables (metafor rma.mh / rma.peto)."""
    from synthesis.models.mh import mantel_haenszel, peto

    if rows.tables is None:  # pragma: no cover - the selection keeps count rows only
        raise SynthError(f"--method {method} needs the arm counts of every study")
    a, b, c, d = (rows.tables[:, j] for j in range(4))
    name = METHOD_NAMES[method]
    if method == "PETO":
        res = peto(ai=a, bi=b, ci=c, di=d, level=level)
    else:
        res = mantel_haenszel(measure=measure, ai=a, bi=b, ci=c, di=d, level=level)
    ids = [e.study for e in rows.entries]
    dropped = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))  # metafor's drop00
    zero = ~dropped & ((a == 0) | (b == 0) | (c == 0) | (d == 0))
    if dropped.any():
        warnings.append(
            f"{', '.join(i for i, x in zip(ids, dropped, strict=True) if x)}: no events, or "
            f"only events, in both arms: no study estimate, left out of Q and I² (as metafor); "
            f"kept in the {name} pooled estimate"
        )
    if zero.any():
        warnings.append(
            f"{', '.join(i for i, x in zip(ids, zero, strict=True) if x)}: a zero cell; 0.5 "
            f"added to its cells for the study's own estimate and Q only (the {name} pooled "
            "estimate uses the counts as given)"
        )
    notes = [n for n in res.notes if "table(s) (" not in n]  # said above, by study id
    if res.estimate is None:
        why = next(
            (n for n in notes if "undefined" in n or "cannot be used" in n), "it does not exist"
        )
        raise SynthError(
            f"--method {method}: no pooled {MEASURES[measure].short}: {why}; "
            "try --measure RD, or a random-effects method (0.5 is added to zero cells)"
        )
    return replace(res, notes=tuple(notes))


def _mh_tests(res: Any) -> dict[str, Any] | None:
    """The Cochran-Mantel-Haenszel, Tarone and Breslow-Day tests of an MH odds ratio."""
    if getattr(res, "method", None) != "MH" or res.measure != "OR":
        return None

    def test(stat: float | None, df: int | None, p: float | None, **extra: Any) -> Any:
        if stat is None:
            return None
        return {"statistic": clean(stat), "df": df, "p_value": clean(p), **extra}

    return {
        "cmh": test(res.CMH, 1, res.CMH_p, continuity_correction=True),
        "cmh_uncorrected": test(
            res.CMH_uncorrected, 1, res.CMH_uncorrected_p, continuity_correction=False
        ),
        "tarone": test(res.TA, res.TA_df, res.TA_p),
        "breslow_day": test(res.BD, res.TA_df, res.BD_p),
    }


def _prediction_interval(
    rows: _Rows, res: Any, opts: _Options, method: str, warnings: list[str]
) -> tuple[float | None, float | None, int | None]:
    """The model-scale PI and its t df: metafor's (normal) or HTS's t with k - 2 df."""
    if opts.pi == "normal":
        return res.pi_low, res.pi_high, None
    from synthesis.models.prediction import pi_t

    k = len(rows.yi)
    if method in COMMON_METHODS:
        warnings.append(f"--pi t: a common-effect model ({method}) has no prediction interval")
        return None, None, None
    se = res.se
    if opts.ci == "hksj" and k >= 2:  # HTS uses the classic (Wald) SE under any CI
        from synthesis.models.core import fit

        se = fit(rows.yi, rows.vi, method=method, ci="wald", level=opts.level, tau2_ci=False).se
    tau2 = res.tau2 if res.tau2 is not None else 0.0
    interval = pi_t(estimate=res.estimate, se=se, tau2=tau2, k=k, level=opts.level)
    if interval.low is None:
        warnings.append(f"--pi t: {interval.reason}; no prediction interval")
    return interval.low, interval.high, interval.df


def _study_effects(rows: _Rows, res: Any, measure: str, method: str, level: float) -> tuple:
    """Per-study (yi, vi, estimate, ci_low, ci_high): the rows' own, except for MH and Peto,
    whose study estimates are those of rma.mh / rma.peto (None for a double-zero table)."""
    if method not in MH_METHODS:
        return rows.yi, rows.vi, rows.estimate, rows.ci_low, rows.ci_high
    yi = np.array([np.nan if y is None else y for y in res.yi], float)
    vi = np.array([np.nan if v is None else v for v in res.vi], float)
    half = z_quantile(level) * np.sqrt(vi)
    back = (lambda x: np.exp(x)) if MEASURES[measure].log else (lambda x: x)
    return yi, vi, back(yi), back(yi - half), back(yi + half)


def _check_finite(res: Fit, method: str) -> None:
    """The pooling layer never emits a wrong number silently: a non-finite estimate, SE or
    CI (an overflow the record bounds did not foresee) is an error that says so."""
    values = (res.estimate, res.se, res.ci_low, res.ci_high)
    if all(v is not None and math.isfinite(v) for v in values):
        return
    raise SynthError(
        f"the {method} fit gave a non-finite estimate or CI (the arithmetic overflowed); "
        "check the studies' estimates and SEs for typos, or try --method DL"
    )


def _heterogeneity_warnings(
    res: Any, k: int, method: str, warnings: list[str], *, beside: bool = False
) -> None:
    if k == 2 and method not in COMMON_METHODS:
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
    if res.I2 is not None and res.I2 >= 75 and k >= 3 and not beside:  # (said once, by the main)
        if method in MH_METHODS:
            warnings.append(
                f"I² = {res.I2:.0f}%: considerable heterogeneity, which a common-effect model "
                f"assumes away; see a random-effects model beside it (--method REML --also "
                f"{method})"
            )
        else:
            warnings.append(
                f"I² = {res.I2:.0f}%: considerable heterogeneity; read the pooled estimate with "
                "its prediction interval"
            )


def _opt(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _result_from_fit(
    *,
    outcome: str,
    opts: _Options,
    method: str,
    ci: str,
    rows: _Rows,
    res: Any,
    warnings: list[str],
    by: str | None = None,
    value: str | None = None,
    where: tuple[str, ...] = (),
) -> PoolResult:
    measure, level = opts.measure, opts.level
    _check_finite(res, method)
    harmonic = None
    if measure == "PFT":
        n = np.array([x for x in rows.n if x], dtype=float)
        harmonic = float(len(n) / np.sum(1.0 / n)) if len(n) else None
    k = len(rows.yi)
    _heterogeneity_warnings(res, k, method, warnings, beside=opts.beside)
    pi_low, pi_high, pi_df = _prediction_interval(rows, res, opts, method, warnings)
    statistic, p_value, null_value = _overall_test(measure, res, opts.null)
    yi, vi, est, lo, hi = _study_effects(rows, res, measure, method, level)
    studies = tuple(
        StudyResult(
            id=e.study,
            arm=arm,
            label=e.label + (f" ({e.arm_label or arm})" if arm and arm != WHOLE_COHORT else ""),
            data=data,
            estimate=_opt(s_est),
            ci_low=_opt(s_lo),
            ci_high=_opt(s_hi),
            yi=_opt(y),
            vi=_opt(v),
            weight=None if w is None else float(w),
            n=n,
            year=e.year,
            file=e.file,
            line=e.line,
            tags=dict(e.tags),
            entries=src,
            listed=i,
        )
        for i, (e, src, arm, data, s_est, s_lo, s_hi, y, v, w, n) in enumerate(
            zip(
                rows.entries,
                rows.sources,
                rows.arms,
                rows.data,
                est,
                lo,
                hi,
                yi,
                vi,
                res.weights,
                rows.n,
                strict=True,
            )
        )
    )
    if k == 1 and method not in MH_METHODS:  # not pooled: the study's own estimate and CI
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
        pi_low=_back(measure, pi_low, harmonic),
        pi_high=_back(measure, pi_high, harmonic),
        model_scale=ModelScale(
            estimate=res.estimate,
            se=res.se,
            ci_low=res.ci_low,
            ci_high=res.ci_high,
            pi_low=pi_low,
            pi_high=pi_high,
        ),
        statistic=statistic,
        df=res.df if statistic is not None else None,
        p_value=p_value,
        heterogeneity=_heterogeneity(res),
        studies=studies,
        warnings=tuple(dict.fromkeys(warnings)),
        converged=res.converged,
        notes=res.info,
        by=by,
        value=value,
        where=where,
        harmonic_n=harmonic,
        pi_method=opts.pi,
        pi_df=pi_df,
        null_value=null_value,
        tests=_mh_tests(res),
        also=opts.also,
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


#: The start of :func:`two_arm_proportions_warning` (grade and table find it by it).
TWO_ARM_PROPORTIONS = "every study compares an experimental and a control arm"


def two_arm_proportions_warning(measure: str, outcome: str, *, grade: bool = False) -> str:
    """Counts of two-arm comparative studies pooled as single-group proportions.

    The one wording, said by pool, table, report and grade; with ``grade`` it names
    synth grade's other way to set the measure (synth.yaml) instead of synth table's.
    """
    where = (
        f"or measure: RR under grade.{outcome} in synth.yaml"
        if grade
        else f"synth table and report: --measure {outcome}=RR"
    )
    return (
        f"{TWO_ARM_PROPORTIONS}, pooled here as single-group proportions ({measure}) with "
        f"both arms as rows; for the relative effect and absolute effects use --measure RR "
        f"({where})"
    )


def _compares_arms(chosen: Sequence[Entry]) -> bool:
    """Every study of the rows has an experimental and a control arm among them."""
    roles: dict[str, set[str | None]] = {}
    for e in chosen:
        roles.setdefault(e.study, set()).add(e.arm_role)
    return bool(roles) and all({"experimental", "control"} <= r for r in roles.values())


def _arms_warning(chosen: Sequence[Entry], warnings: list[str], measure: str = "") -> None:
    """Rows that are arms of one study are not independent: say so (any measure).

    Single-group proportions of studies that each compare an experimental and a control
    arm are no comparison at all: then the warning points to --measure RR instead.
    """
    if measure in PROPORTION_MEASURES and _compares_arms(chosen):
        warnings.append(two_arm_proportions_warning(measure, chosen[0].outcome))
        return
    per_study = Counter(e.study for e in chosen)
    multi = sorted(study for study, count in per_study.items() if count > 1)
    if multi:
        warnings.append(
            f"arms of the same study enter as separate rows ({', '.join(multi)}); "
            "they share a study, so the rows are not independent; --model multilevel pools "
            "them as rows nested in their study"
        )


def _pool_medians(
    entries: list[Entry], outcome: str, opts: _Options, warnings: list[str], **meta: Any
) -> PoolResult:
    from synthesis.models.medians import pool_medians

    method, level = opts.method, opts.level
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
    statistic = p_value = None
    if opts.null is not None:  # the exact sign test of the study medians (no SE exists)
        from synthesis.models.signtest import sign_test

        null_on_model_scale("MED", opts.null)  # validates
        test = sign_test(medians, opts.null)
        statistic, p_value = float(test.above), test.p_value
        if test.ties:
            warnings.append(
                f"sign test against {opts.null:g} months: {test.ties} median(s) equal to it "
                "left out of the test"
            )
        if p_value is None:
            statistic = None
    studies = tuple(
        _median_row(e, i, e.median, float(w))
        for i, (e, w) in enumerate(zip(usable, res.weights, strict=True))
    )
    # listed after the pooled rows, as the README says: no estimate, no weight
    not_pooled = tuple(_median_row(e, len(usable) + i, None, None) for i, e in enumerate(nr))
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
        statistic=statistic,
        df=None,
        p_value=p_value,
        heterogeneity=Heterogeneity(None, None, None, None, None, None, None, None, None),
        studies=studies,
        warnings=tuple(dict.fromkeys(warnings)),
        pi_method=None,
        null_value=opts.null if p_value is not None else None,
        not_pooled=not_pooled,
        **meta,
    )


#: Why a row of :attr:`PoolResult.not_pooled` is not pooled (JSON ``reason``).
NOT_REACHED = "median not reached"


def _median_row(e: Entry, listed: int, median: float | None, weight: float | None) -> StudyResult:
    """A row of a pooled median; ``median`` None for one not reached (listed, not pooled)."""
    return StudyResult(
        id=e.study,
        arm=e.arm,
        label=e.label + (f" ({e.arm_label or e.arm})" if e.arm and e.arm != WHOLE_COHORT else ""),
        data=entry_data(e),
        estimate=median,
        ci_low=e.median_ci_low if median is not None else None,
        ci_high=e.median_ci_high if median is not None else None,
        yi=median,
        vi=None,
        weight=weight,
        n=e.n,
        year=e.year,
        file=e.file,
        line=e.line,
        tags=dict(e.tags),
        entries=(e,),
        listed=listed,
    )


def _analyse_one(
    entries: list[Entry],
    *,
    outcome: str,
    opts: _Options,
    method: str,
    ci: str,
    warnings: list[str],
    by: str | None = None,
    value: str | None = None,
    where: tuple[str, ...] = (),
) -> PoolResult:
    """One model (``method``) fitted to the rows of ``entries``."""
    measure = opts.measure
    rows = _select_rows(entries, measure, opts.level, warnings, method=method)
    if len(rows.yi) == 0:
        raise SynthError(
            f"no study gives {outcome} as {measure}"
            + (f" for --method {method}" if method in MH_METHODS else "")
            + (f" in subgroup {by}={value}" if by else "")
            + "; see 'synth studies --outcome "
            + outcome
            + "' for what is available"
        )
    res = _fit_rows(rows, measure, method, ci, opts.level, warnings)
    return _result_from_fit(
        outcome=outcome,
        opts=opts,
        method=res.method if method != "GLMM" else "GLMM",
        ci=ci,
        rows=rows,
        res=res,
        warnings=warnings,
        by=by,
        value=value,
        where=where,
    )


def _analyse(
    entries: list[Entry],
    *,
    outcome: str,
    opts: _Options,
    warnings: list[str],
    by: str | None = None,
    value: str | None = None,
    where: tuple[str, ...] = (),
) -> PoolResult:
    """The requested model, and with ``--also`` the common-effect one beside it."""
    meta: dict[str, Any] = {"by": by, "value": value, "where": where}
    if opts.measure == "MED":
        return _pool_medians(entries, outcome, opts, warnings, **meta)
    main = _analyse_one(
        entries, outcome=outcome, opts=opts, method=opts.method, ci=opts.ci, warnings=warnings,
        **meta,
    )  # fmt: skip
    if opts.also is None:
        return main
    common_warnings: list[str] = []
    try:  # the common-effect model always with a Wald z CI (as R meta and RevMan)
        common = _analyse_one(
            entries, outcome=outcome, opts=replace(opts, pi="normal", also=None, beside=True),
            method=opts.also, ci="wald", warnings=common_warnings, **meta,
        )  # fmt: skip
    except SynthError as exc:
        return replace(
            main,
            warnings=(*main.warnings, f"--also {opts.also}: no common-effect result: {exc}"),
        )
    return replace(main, common=common)


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


def _options(
    measure: str,
    method: str,
    ci: str,
    level: float,
    also: str | None,
    pi: str,
    null: float | None,
) -> _Options:
    """The options checked against each other, before any work."""
    method = method.upper()
    valid = MEDIAN_METHODS if measure == "MED" else (*RE_METHODS, "GLMM", *MH_METHODS)
    if method not in valid:
        raise SynthError(
            f"--method {method} does not apply to --measure {measure}; "
            f"use one of {', '.join(valid)}"
        )
    if method in MH_METHODS and measure not in MH_METHODS[method]:
        raise SynthError(
            f"--method {method} is for --measure {' or '.join(MH_METHODS[method])} "
            f"(arm counts of two-arm studies); for {measure} use one of {', '.join(RE_METHODS)}"
        )
    if method in MH_METHODS and ci != "wald":
        raise SynthError(
            f"--ci hksj does not apply to --method {method} (a common-effect model); use "
            f"--ci wald, or --method REML --ci hksj --also {method} for both"
        )
    if measure == "MED" and ci != "wald":
        raise SynthError("--ci hksj does not apply to pooled medians (--measure MED)")
    pi = pi.lower()
    if pi not in PI_METHODS:
        raise SynthError(f"--pi {pi}: use one of {', '.join(PI_METHODS)}")
    if measure == "MED" and pi != "normal":
        raise SynthError(
            "--pi t does not apply to pooled medians (they have no prediction interval)"
        )
    if also is not None:
        also = also.upper()
        if measure == "MED":
            raise SynthError("--also does not apply to pooled medians (--measure MED)")
        if also not in COMMON_METHODS:
            raise SynthError(
                f"--also {also}: use a common-effect model: {', '.join(COMMON_METHODS)}"
            )
        if also in MH_METHODS and measure not in MH_METHODS[also]:
            raise SynthError(
                f"--also {also} is for --measure {' or '.join(MH_METHODS[also])}; "
                f"for {measure} use --also FE"
            )
        if method in COMMON_METHODS:
            raise SynthError(
                f"--also {also} puts a common-effect result beside a random-effects one; "
                f"--method {method} is common-effect already: use e.g. --method REML --also {also}"
            )
    if null is not None:
        null = float(null)
        null_on_model_scale(measure, null)  # in range for the measure
    return _Options(measure, method, ci, level, pi, null, also)


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
    also: str | None = None,
    pi: str = "normal",
    null: float | None = None,
    sort: str = DEFAULT_SORT,
) -> PoolResult:
    """Pool one outcome of a review; the library function behind ``synth pool``.

    ``review`` is a loaded :class:`Review` (else the records under ``studies``
    are loaded).  ``measure`` defaults to PLO for counts (else the kind of data
    most studies give); ``method`` to REML (WM for medians); MH (RR, OR, RD) and
    PETO (OR) are the common-effect models of 2x2 tables.  ``also`` (FE, MH or PETO)
    adds that common-effect result as :attr:`PoolResult.common`; ``pi`` is ``"normal"``
    (metafor's prediction interval) or ``"t"`` (k - 2 df); ``null`` is the value, on
    the reporting scale, that the pooled estimate is tested against (default: 1 for
    ratios, 0 for differences, no test for proportions and medians).  ``sort`` orders
    the study rows (within each subgroup): see :data:`SORTS`; the numbers do not depend
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
        raise review.no_outcome(outcome)
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
        _, eq, code = measure.partition("=")
        if eq and code.strip() in MEASURE_CODES:
            # table/report's OUTCOME=CODE form (QA2 3); the outcome is --outcome here
            raise SynthError(
                f"--measure {measure}: the outcome is chosen with --outcome; "
                f"use --measure {code.strip()}"
            )
        raise SynthError(f"--measure {measure}: use one of {', '.join(MEASURE_CODES)}")
    if method is None:
        method = "WM" if measure == "MED" else "REML"
    opts = _options(measure, method, ci, level, also, pi, null)
    overall = _analyse(entries, outcome=wanted, opts=opts, warnings=list(warnings), where=where)
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
                group_entries, outcome=wanted, opts=opts, warnings=[], by=by, value=val, where=where
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
