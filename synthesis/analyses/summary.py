"""Summary of findings: every outcome of a review pooled, one row each (``synth table``).

:func:`summarize` pools each outcome with :func:`synthesis.analysis.pool` at its
default measure (and the default method unless one is given) and returns a
frozen :class:`SummaryTable`.  An outcome that cannot be pooled gets a row that
says why.  :mod:`synthesis.render.sof` renders the table as Markdown, CSV, HTML or JSON.
No pandas or matplotlib at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthesis.analyses.order import DEFAULT_SORT, check_sort
from synthesis.analyses.pool import PoolResult, default_measure, pool
from synthesis.errors import Problem, SynthError
from synthesis.measures import MEASURE_NAMES, MEDIAN_METHODS, RE_METHODS
from synthesis.models.results import clean
from synthesis.records.normalize import Entry
from synthesis.records.review import Review, load_review

DASH = "–"  # shown where a number does not exist (no PI for k = 1, no I² for medians)
ROW_FIELDS = (
    "outcome",
    "measure",
    "measure_name",
    "k",
    "studies",
    "participants",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "I2",
    "tau2",
    "method",
    "ci_method",
    "level",
    "warnings",
    "error",
)


@dataclass(frozen=True)
class SummaryRow:
    """One outcome of the summary of findings (``error`` says why it was not pooled)."""

    outcome: str
    measure: str | None
    measure_name: str | None
    k: int
    studies: int  # distinct studies behind the k rows (arms of one study are separate rows)
    participants: int | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    pi_low: float | None
    pi_high: float | None
    I2: float | None
    tau2: float | None
    method: str | None
    ci_method: str | None
    level: float
    warnings: tuple[str, ...]
    error: str | None = None
    result: PoolResult | None = field(default=None, repr=False, compare=False)

    @property
    def pooled(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ROW_FIELDS:
            value = getattr(self, name)
            out[name] = list(value) if name == "warnings" else clean(value)
        return out


@dataclass(frozen=True)
class SummarySettings:
    """What the table was computed with."""

    method: str | None  # as asked (None: each measure's default)
    ci_method: str
    level: float
    studies: str  # the folder of records
    records: int  # study records in the review
    entries: int  # outcome entries in the review
    version: str

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class SummaryTable:
    rows: tuple[SummaryRow, ...]
    settings: SummarySettings
    record_warnings: tuple[Problem, ...] = ()  # every warning from reading the records
    # outcome -> GRADE certainty ("⊕⊕◯◯ LOW"); empty when no study has a risk-of-bias
    # record (then no certainty column): filled by synthesis.render.grade_section
    certainty: dict[str, str] = field(default_factory=dict)

    @property
    def pooled(self) -> tuple[SummaryRow, ...]:
        return tuple(r for r in self.rows if r.pooled)

    @property
    def not_pooled(self) -> tuple[SummaryRow, ...]:
        return tuple(r for r in self.rows if not r.pooled)

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings.to_dict(),
            "rows": [
                {**r.to_dict(), "certainty": self.certainty.get(r.outcome)}
                if self.certainty
                else r.to_dict()
                for r in self.rows
            ],
        }

    def to_frame(self):  # -> pandas.DataFrame
        """One row per outcome; warnings joined by ' | ' (pandas imported lazily)."""
        import pandas as pd

        rows = []
        for r in self.rows:
            d = r.to_dict()
            d["warnings"] = " | ".join(r.warnings)
            rows.append(d)
        return pd.DataFrame(rows, columns=list(ROW_FIELDS))


# ---------------------------------------------------------------------------
# Computing


#: The mark of an outcome whose conclusion changes when one study is left out.
LOO_CHANGES = (
    "leaving one study out changes the conclusion (the CI then includes, or excludes, the "
    "null, or the direction changes): see synth sensitivity"
)


def _loo_changes(result: PoolResult) -> bool | None:
    """Whether leaving one study out changes the conclusion (None where not defined)."""
    from synthesis.analyses.sensitivity import conclusion_changes

    try:
        return conclusion_changes(result)
    except (SynthError, ValueError):
        return None


def synth_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("synth")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _check_options(method: str | None, ci: str, level: float) -> None:
    if not 0.0 < level < 1.0:
        raise SynthError(f"--level {level}: must be between 0 and 1, e.g. 0.95")
    if ci not in ("wald", "hksj"):
        raise SynthError(f"--ci {ci}: use one of wald, hksj")
    if method is None:
        return
    known = (*RE_METHODS, "GLMM", *MEDIAN_METHODS)
    if method not in known:
        raise SynthError(f"--method {method}: use one of {', '.join(known)}")
    if method == "GLMM" and ci == "hksj":
        raise SynthError("--ci hksj is not defined for --method GLMM; use --ci wald")


def _choose_outcomes(review: Review, outcomes: Sequence[str]) -> list[str]:
    existing = review.outcomes()
    if not outcomes:
        return existing
    chosen: list[str] = []
    for name in outcomes:
        wanted = review.synonyms.canonical(name)
        if wanted not in existing:
            raise SynthError(
                f"no study reports outcome '{name}'"
                + (f" (read as {wanted})" if wanted != name else "")
                + f"; outcomes in this review: {', '.join(existing) or 'none'}"
            )
        if wanted not in chosen:
            chosen.append(wanted)
    return chosen


def _method_for(measure: str, method: str | None, ci: str) -> tuple[str | None, str, list[str]]:
    """The method and CI to use for one measure, and warnings when the asked ones do not apply."""
    notes: list[str] = []
    if method is not None:
        if measure == "MED":
            valid: tuple[str, ...] = MEDIAN_METHODS
        elif measure == "PLO":
            valid = (*RE_METHODS, "GLMM")
        else:
            valid = RE_METHODS
        if method not in valid:
            default = "WM" if measure == "MED" else "REML"
            notes.append(
                f"--method {method} does not apply to {measure}; used {default} "
                f"(one of {', '.join(valid)})"
            )
            method = None
    if measure == "MED" and ci != "wald":
        notes.append("--ci hksj does not apply to pooled medians; used the sign-test interval")
        ci = "wald"
    return method, ci, notes


def _participants(review: Review, result: PoolResult) -> int | None:
    """Participants behind the result: the rows' n, else (ratios) the studies' n."""
    if result.participants is not None:
        return result.participants
    ids = list(dict.fromkeys(s.id for s in result.studies))
    ns = []
    for study_id in ids:
        try:
            n = review.study(study_id).n
        except KeyError:
            return None
        if n is None:
            return None
        ns.append(n)
    return sum(ns) if ns else None


def _row(
    review: Review,
    outcome: str,
    method: str | None,
    ci: str,
    level: float,
    sort: str = DEFAULT_SORT,
) -> SummaryRow:
    entries = [e for e in review.entries if e.outcome == outcome]
    measure, _ = default_measure(entries)
    use_method, use_ci, notes = _method_for(measure, method, ci)
    try:
        result = pool(review, outcome=outcome, method=use_method, ci=use_ci, level=level, sort=sort)
    except SynthError as exc:
        return SummaryRow(
            outcome=outcome,
            measure=None,
            measure_name=None,
            k=0,
            studies=len({e.study for e in entries}),
            participants=None,
            estimate=None,
            ci_low=None,
            ci_high=None,
            pi_low=None,
            pi_high=None,
            I2=None,
            tau2=None,
            method=None,
            ci_method=None,
            level=level,
            warnings=tuple(notes),
            error=_why_not(str(exc), entries),
        )
    h = result.heterogeneity
    warnings = [*notes, *result.warnings, *result.record_warnings]
    changes = _loo_changes(result)
    if changes:
        warnings.append(LOO_CHANGES)
    return SummaryRow(
        outcome=result.outcome,
        measure=result.measure,
        measure_name=MEASURE_NAMES[result.measure],
        k=result.k,
        studies=len({s.id for s in result.studies}),
        participants=_participants(review, result),
        estimate=result.estimate,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        pi_low=result.pi_low,
        pi_high=result.pi_high,
        I2=h.I2,
        tau2=h.tau2,
        method=result.method,
        ci_method=result.ci_method,
        level=result.level,
        warnings=tuple(dict.fromkeys(warnings)),
        result=result,
    )


def _why_not(message: str, entries: list[Entry]) -> str:
    """Why an outcome cannot be pooled: what its entries lack, else pool()'s reason."""
    reasons: dict[str, list[str]] = {}
    for e in entries:
        if e.kind == "median" and e.not_reached:
            reason = "median not reached"
        elif e.kind in ("ratio", "generic") and e.se is None:
            reason = "no CI, p or SE (so no standard error)"
        else:
            return message
        studies = reasons.setdefault(reason, [])
        if e.study not in studies:
            studies.append(e.study)
    if not reasons:
        return message
    return "nothing to pool: " + "; ".join(
        f"{reason} in {', '.join(studies)}" for reason, studies in reasons.items()
    )


def summarize(
    review: Review | None = None,
    *,
    outcomes: Sequence[str] = (),
    method: str | None = None,
    ci: str = "wald",
    level: float = 0.95,
    studies: str | Path | None = None,
    sort: str = DEFAULT_SORT,
) -> SummaryTable:
    """Pool every outcome of a review (or those named) into a summary of findings.

    Each outcome uses its default measure (PLO for counts, else what most studies
    give) and ``method`` when it applies to that measure (else the measure's
    default, with a warning in the row).  ``sort`` orders each result's studies
    (``synth pool --sort``).  Unknown outcome names raise
    :class:`SynthError` naming the outcomes that exist.
    """
    if review is None:
        review = load_review(studies)
    method = method.upper() if method else None
    ci = ci.lower()
    _check_options(method, ci, level)
    check_sort(sort)
    names = _choose_outcomes(review, outcomes)
    rows = tuple(_row(review, name, method, ci, level, sort) for name in names)
    settings = SummarySettings(
        method=method,
        ci_method=ci,
        level=level,
        studies=str(review.root),
        records=len(review.studies),
        entries=len(review.entries),
        version=synth_version(),
    )
    return SummaryTable(rows=rows, settings=settings, record_warnings=tuple(review.warnings))


# ---------------------------------------------------------------------------
# Numbers for people
