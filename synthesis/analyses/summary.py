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
from synthesis.measures import (
    COMMON_METHODS,
    MEASURE_CODES,
    MEASURE_NAMES,
    MEDIAN_METHODS,
    RE_METHODS,
)
from synthesis.models.results import clean
from synthesis.records.normalize import Entry
from synthesis.records.review import Review, load_review

#: ``--model``: every row independent (rma.uni), or rows nested in clusters (rma.mv).
MODELS = ("rows", "multilevel")
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
    also: str | None = None  # --also CODE as asked (the row's common part may be None)
    model: str = "rows"  # the model the row was fitted with ("multilevel": rma.mv)
    cluster: str | None = None  # multilevel: "study" or the tag whose values are clusters

    @property
    def pooled(self) -> bool:
        return self.error is None

    @property
    def common(self) -> PoolResult | None:
        """The common-effect result beside the random-effects one (``--also``), if any."""
        return None if self.result is None else self.result.common

    @property
    def variance_components(self) -> tuple[Any, ...]:
        """Multilevel: the (cluster, row) variance components; () otherwise."""
        if self.result is None or self.model != "multilevel":
            return ()
        return tuple(self.result.variance_components or ())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ROW_FIELDS:
            value = getattr(self, name)
            out[name] = list(value) if name == "warnings" else clean(value)
        if self.also is not None:
            out["common"] = common_dict(self.common)
        if self.model == "multilevel":
            out["model"] = self.model
            out["cluster"] = self.cluster
            out["variance_components"] = [vc.to_dict() for vc in self.variance_components]
        return out

    def extra_csv(self, settings: SummarySettings) -> list[Any]:
        """The CSV cells of :func:`extra_csv_fields` (full precision)."""
        cells: list[Any] = []
        if settings.also is not None:
            c = self.common
            cells += (
                [None] * 6
                if c is None
                else [c.method, c.estimate, c.ci_low, c.ci_high, c.heterogeneity.I2, c.p_value]
            )
        if settings.model == "multilevel":
            comps = {vc.level: vc for vc in self.variance_components}
            cells.append(self.model)
            cells.append(self.cluster if self.model == "multilevel" else None)
            for level in ("cluster", "row"):
                vc = comps.get(level)
                cells += [None, None] if vc is None else [clean(vc.sigma2), vc.n]
        return cells


#: The keys of a row's ``common`` object in ``synth table --format json`` (the same
#: values as ``synth pool --also CODE --format json`` gives under ``common``).
COMMON_FIELDS = (
    "method",
    "ci_method",
    "level",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "statistic",
    "p_value",
    "I2",
    "Q",
    "Q_p",
)


def common_dict(common: PoolResult | None) -> dict[str, Any] | None:
    """A common-effect result as the summary table's JSON gives it (None: none)."""
    if common is None:
        return None
    h = common.heterogeneity
    values = {
        "method": common.method,
        "ci_method": common.ci_method,
        "level": common.level,
        "k": common.k,
        "estimate": common.estimate,
        "ci_low": common.ci_low,
        "ci_high": common.ci_high,
        "statistic": common.statistic,
        "p_value": common.p_value,
        "I2": h.I2,
        "Q": h.Q,
        "Q_p": h.Q_p,
    }
    return {name: clean(values[name]) for name in COMMON_FIELDS}


def extra_csv_fields(settings: SummarySettings) -> tuple[str, ...]:
    """The CSV columns ``--also`` and ``--model multilevel`` add after the usual ones."""
    out: tuple[str, ...] = ()
    if settings.also is not None:
        out += (
            "common_method",
            "common_estimate",
            "common_ci_low",
            "common_ci_high",
            "common_I2",
            "common_p_value",
        )
    if settings.model == "multilevel":
        out += ("model", "cluster", "sigma2_cluster", "n_clusters", "sigma2_row", "n_rows")
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
    also: str | None = None  # --also CODE: a common-effect model beside each result
    model: str = "rows"  # --model
    cluster: str = "study"  # --cluster (with --model multilevel)
    measures: tuple[tuple[str, str], ...] = ()  # --measure OUTCOME=CODE, as (outcome, code)

    def to_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["measures"] = dict(self.measures)
        return out


@dataclass(frozen=True)
class SummaryTable:
    rows: tuple[SummaryRow, ...]
    settings: SummarySettings
    record_warnings: tuple[Problem, ...] = ()  # every warning from reading the records
    # outcome -> GRADE certainty ("⊕⊕◯◯ LOW"); empty when no study has a risk-of-bias
    # record (then no certainty column): filled by synthesis.render.grade_section
    certainty: dict[str, str] = field(default_factory=dict)
    # outcome -> (GRADE level word "low", the measure it was graded on) for the machine
    # formats (JSON, CSV), as `synth grade --format json` gives it; not pooled: absent
    certainty_levels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def certainty_fields(self, outcome: str) -> dict[str, str | None]:
        """A row's ``certainty`` (GRADE's level word, as ``synth grade`` JSON) and
        ``certainty_measure`` (the measure graded: the row's, or the one synth.yaml
        names); both None for an outcome that was not graded."""
        level, measure = self.certainty_levels.get(outcome, (None, None))
        return {"certainty": level, "certainty_measure": measure}

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
                {**r.to_dict(), **self.certainty_fields(r.outcome)}
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


def _check_options(
    method: str | None,
    ci: str,
    level: float,
    also: str | None = None,
    model: str = "rows",
) -> None:
    if not 0.0 < level < 1.0:
        raise SynthError(f"--level {level}: must be between 0 and 1, e.g. 0.95")
    if ci not in ("wald", "hksj"):
        raise SynthError(f"--ci {ci}: use one of wald, hksj")
    if model not in MODELS:
        raise SynthError(f"--model {model}: use one of {', '.join(MODELS)}")
    if also is not None:  # the checks of synth pool that do not depend on the outcome
        if also not in COMMON_METHODS:
            raise SynthError(
                f"--also {also}: use a common-effect model: {', '.join(COMMON_METHODS)}"
            )
        if method in COMMON_METHODS:
            raise SynthError(
                f"--also {also} puts a common-effect result beside a random-effects one; "
                f"--method {method} is common-effect already: use e.g. --method REML --also {also}"
            )
    if method is None:
        return
    known = (*RE_METHODS, "GLMM", *MEDIAN_METHODS)
    if method not in known:
        raise SynthError(f"--method {method}: use one of {', '.join(known)}")
    if method == "GLMM" and ci == "hksj":
        raise SynthError("--ci hksj is not defined for --method GLMM; use --ci wald")


def _measures(review: Review, measures: Sequence[str]) -> dict[str, str]:
    """``--measure OUTCOME=CODE`` (repeatable): outcome (canonical name) -> measure code."""
    existing = review.outcomes()
    out: dict[str, str] = {}
    for item in measures:
        name, sep, code = item.rpartition("=")
        name, code = name.strip(), code.strip().upper()
        if not sep or not name or not code:
            raise SynthError(
                f"--measure {item}: expected OUTCOME=CODE, e.g. --measure Death=OR "
                "(each outcome is pooled at its default measure unless named)"
            )
        if code not in MEASURE_CODES:
            raise SynthError(f"--measure {item}: use one of {', '.join(MEASURE_CODES)}")
        wanted = review.synonyms.canonical(name)
        if wanted not in existing:
            raise review.no_outcome(name, prefix=f"--measure {item}: ")
        if out.get(wanted, code) != code:
            raise SynthError(f"--measure {item}: {wanted} already has --measure {out[wanted]}")
        out[wanted] = code
    return out


def _choose_outcomes(review: Review, outcomes: Sequence[str]) -> list[str]:
    existing = review.outcomes()
    if not outcomes:
        return existing
    chosen: list[str] = []
    for name in outcomes:
        wanted = review.synonyms.canonical(name)
        if wanted not in existing:
            raise review.no_outcome(name)
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


def cluster_grouped(result: PoolResult, cluster: str) -> PoolResult:
    """A multilevel result with the rows of each cluster adjacent: the clusters in the
    order of their first row, the rows of a cluster in their present (``--sort``) order."""
    from dataclasses import replace

    from synthesis.analyses.multilevel import cluster_labels

    labels = cluster_labels(result, cluster=cluster)
    first: dict[str, int] = {}
    for i, label in enumerate(labels):
        first.setdefault(label, i)
    order = sorted(range(len(labels)), key=lambda i: (first[labels[i]], i))
    return replace(result, studies=tuple(result.studies[i] for i in order))


#: The beginnings of pool's messages about --also and --model multilevel options that do
#: not apply to one outcome (the outcome is then pooled without them, and its row says so).
_ALSO_REFUSED = ("--also",)
_MODEL_REFUSED = ("--model multilevel", "--cluster")


def _fit(
    review: Review,
    outcome: str,
    *,
    measure: str | None,
    method: str | None,
    ci: str,
    level: float,
    sort: str,
    also: str | None,
    model: str,
    cluster: str,
) -> tuple[PoolResult, list[str], dict[str, str]]:
    """The outcome pooled as ``synth pool`` would with these options; where ``--also`` or
    ``--model multilevel`` does not apply to it, without them: (result, notes, refused)."""
    from synthesis.analyses.pool import order_result

    notes: list[str] = []
    refused: dict[str, str] = {}
    options: dict[str, Any] = {
        "outcome": outcome, "measure": measure, "method": method, "ci": ci, "level": level,
    }  # fmt: skip
    while True:
        try:
            if model == "multilevel":
                from synthesis.analyses.multilevel import pool_multilevel

                # as synth pool --model multilevel: fitted in pool's default order, then sorted
                result = pool_multilevel(review, cluster=cluster, also=also, **options)
                return cluster_grouped(order_result(result, sort), cluster), notes, refused
            return pool(review, also=also, sort=sort, **options), notes, refused
        except SynthError as exc:
            message = str(exc)
            if also is not None and message.startswith(_ALSO_REFUSED):
                refused["also"] = message
                notes.append(message)
                also = None
            elif model == "multilevel" and message.startswith(_MODEL_REFUSED):
                refused["model"] = message
                notes.append(f"{message}; pooled as independent rows (--model rows)")
                model = "rows"
            else:
                raise


def _row(
    review: Review,
    outcome: str,
    method: str | None,
    ci: str,
    level: float,
    sort: str = DEFAULT_SORT,
    *,
    measure: str | None = None,
    also: str | None = None,
    model: str = "rows",
    cluster: str = "study",
) -> tuple[SummaryRow, dict[str, str]]:
    """One outcome's row, and the options that did not apply to it (``also``, ``model``)
    with pool's reason."""
    entries = [e for e in review.entries if e.outcome == outcome]
    chosen = measure if measure is not None else default_measure(entries)[0]
    use_method, use_ci, notes = _method_for(chosen, method, ci)
    try:
        result, more, refused = _fit(
            review, outcome, measure=measure, method=use_method, ci=use_ci, level=level,
            sort=sort, also=also, model=model, cluster=cluster,
        )  # fmt: skip
    except SynthError as exc:
        row = SummaryRow(
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
            also=also,
            model=model,
            cluster=cluster if model == "multilevel" else None,
        )
        return row, {}
    h = result.heterogeneity
    warnings = [*notes, *more, *result.warnings, *result.record_warnings]
    if result.common is not None:  # as synth pool says them: the common model's own
        own = [w for w in result.common.warnings if w not in result.warnings]
        warnings += [f"common effect ({result.common.method}): {w}" for w in own]
    # leave-one-out refits independent rows: not a statement about a multilevel model
    changes = _loo_changes(result) if result.model != "multilevel" else None
    if changes:
        warnings.append(LOO_CHANGES)
    row = SummaryRow(
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
        also=also,
        model=result.model,
        cluster=result.cluster if result.model == "multilevel" else None,
    )
    return row, refused


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


def _refused_everywhere(refused: list[tuple[str, str]]) -> str:
    """One message for an option that applies to none of the outcomes (pool's words)."""
    by_message: dict[str, list[str]] = {}
    for outcome, message in refused:
        by_message.setdefault(message, []).append(outcome)
    if len(by_message) == 1:
        return next(iter(by_message))
    # one clause per distinct reason, naming its outcomes: "CR, ORR: ...; OS, PFS: ..."
    return "; ".join(f"{', '.join(names)}: {message}" for message, names in by_message.items())


def summarize(
    review: Review | None = None,
    *,
    outcomes: Sequence[str] = (),
    method: str | None = None,
    ci: str = "wald",
    level: float = 0.95,
    studies: str | Path | None = None,
    sort: str = DEFAULT_SORT,
    also: str | None = None,
    measures: Sequence[str] = (),
    model: str = "rows",
    cluster: str = "study",
) -> SummaryTable:
    """Pool every outcome of a review (or those named) into a summary of findings.

    Each outcome uses its default measure (PLO for counts, else what most studies
    give), or the one ``measures`` names for it (``"Death=OR"``), and ``method`` when
    it applies to that measure (else the measure's default, with a warning in the
    row).  ``sort`` orders each result's studies (``synth pool --sort``).  ``also``
    (FE, MH or PETO) puts that common-effect result beside each random-effects one, as
    ``synth pool --also``; ``model="multilevel"`` fits rows nested in ``cluster`` (the
    study, or a tag), as ``synth pool --model multilevel``, each result's rows grouped
    by cluster.  Where ``also`` or the multilevel model does not apply to an outcome,
    its row is pooled without it and says why; where it applies to none of them,
    :class:`SynthError` with pool's reason.  Unknown outcome names raise
    :class:`SynthError` naming the outcomes that exist.
    """
    if review is None:
        review = load_review(studies)
    method = method.upper() if method else None
    also = also.upper() if also else None
    ci = ci.lower()
    model = model.lower()
    _check_options(method, ci, level, also, model)
    check_sort(sort)
    chosen = _measures(review, measures)
    names = _choose_outcomes(review, outcomes)
    rows: list[SummaryRow] = []
    refused: dict[str, list[tuple[str, str]]] = {"also": [], "model": []}
    for name in names:
        row, why = _row(
            review, name, method, ci, level, sort, measure=chosen.get(name), also=also,
            model=model, cluster=cluster,
        )  # fmt: skip
        rows.append(row)
        for option, message in why.items():
            refused[option].append((name, message))
    poolable = [r for r in rows if r.pooled]
    for option, asked in (("also", also), ("model", model == "multilevel")):
        if asked and poolable and len(refused[option]) == len(poolable):
            raise SynthError(_refused_everywhere(refused[option]))
    settings = SummarySettings(
        method=method,
        ci_method=ci,
        level=level,
        studies=str(review.root),
        records=len(review.studies),
        entries=len(review.entries),
        version=synth_version(),
        also=also,
        model=model,
        cluster=cluster,
        measures=tuple(chosen.items()),
    )
    return SummaryTable(rows=tuple(rows), settings=settings, record_warnings=tuple(review.warnings))


# ---------------------------------------------------------------------------
# Numbers for people
