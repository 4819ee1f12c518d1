"""Summary of findings: every outcome of a review pooled, one row each (``synth table``).

:func:`summarize` pools each outcome with :func:`synthesis.analysis.pool` at its
default measure (and the default method unless one is given) and returns a
frozen :class:`SummaryTable`.  An outcome that cannot be pooled gets a row that
says why.  The ``*_text`` functions render the table as Markdown, CSV, HTML or
JSON; :mod:`synthesis.render.report` reuses the HTML table and the number formatting.
No pandas or matplotlib at module level.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthesis.analyses.pool import (
    MEASURE_NAMES,
    MEDIAN_METHODS,
    RE_METHODS,
    PoolResult,
    default_measure,
    pool,
)
from synthesis.errors import Problem, SynthError
from synthesis.models.results import clean
from synthesis.records.normalize import Entry
from synthesis.records.review import Review, load_review
from synthesis.render.text import csv_text, json_text, level_text, md_escape, md_table
from synthesis.render.text import fmt as fmt_number

PROPORTIONS = ("PLO", "PFT", "PAS", "PR")
RATIOS = ("HR", "OR", "RR")
DASH = "–"  # shown where a number does not exist (no PI for k = 1, no I² for medians)
# Short names for people; MEASURE_NAMES says how the measure is computed.
SHORT_NAMES = {
    "PLO": "proportion",
    "PFT": "proportion",
    "PAS": "proportion",
    "PR": "proportion",
    "RR": "risk ratio",
    "OR": "odds ratio",
    "RD": "risk difference",
    "HR": "hazard ratio",
    "GEN": "estimate",
    "MED": "median",
}
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

    @property
    def pooled(self) -> tuple[SummaryRow, ...]:
        return tuple(r for r in self.rows if r.pooled)

    @property
    def not_pooled(self) -> tuple[SummaryRow, ...]:
        return tuple(r for r in self.rows if not r.pooled)

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings.to_dict(),
            "rows": [r.to_dict() for r in self.rows],
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


def _record_warnings(review: Review, result: PoolResult) -> list[str]:
    """The warnings from reading the records that concern the entries this result uses."""
    used = {(s.file, s.line) for s in result.studies}
    by_file: dict[str, list[int]] = {}
    for e in review.entries:
        by_file.setdefault(e.file, []).append(e.line)
    out = []
    for p in review.warnings:
        if p.line is None or not p.field.startswith("outcomes[") or p.file not in by_file:
            continue
        starts = [line for line in by_file[p.file] if line <= p.line]
        if starts and (p.file, max(starts)) in used:
            out.append(str(p))
    return out


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


def _row(review: Review, outcome: str, method: str | None, ci: str, level: float) -> SummaryRow:
    entries = [e for e in review.entries if e.outcome == outcome]
    measure, _ = default_measure(entries)
    use_method, use_ci, notes = _method_for(measure, method, ci)
    try:
        result = pool(review, outcome=outcome, method=use_method, ci=use_ci, level=level)
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
    warnings = [*notes, *result.warnings, *_record_warnings(review, result)]
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
) -> SummaryTable:
    """Pool every outcome of a review (or those named) into a summary of findings.

    Each outcome uses its default measure (PLO for counts, else what most studies
    give) and ``method`` when it applies to that measure (else the measure's
    default, with a warning in the row).  Unknown outcome names raise
    :class:`SynthError` naming the outcomes that exist.
    """
    if review is None:
        review = load_review(studies)
    method = method.upper() if method else None
    ci = ci.lower()
    _check_options(method, ci, level)
    names = _choose_outcomes(review, outcomes)
    rows = tuple(_row(review, name, method, ci, level) for name in names)
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


def value_text(measure: str | None, value: float | None) -> str:
    """One estimate as printed: 0.518 (proportions), 0.78 (ratios), 11.0 mo (medians)."""
    if value is None:
        return DASH
    if measure == "MED":
        return f"{value:.1f} mo"
    if measure in RATIOS:
        return fmt_number(value, 2)
    return fmt_number(value, 3)


def interval_text(measure: str | None, low: float | None, high: float | None) -> str:
    """'[0.300, 0.730]', '[0.70, 0.87]', '[1.6, 11.0] mo'; a dash when there is none."""
    if low is None or high is None:
        return DASH
    if measure == "MED":
        return f"[{low:.1f}, {high:.1f}] mo"
    digits = 2 if measure in RATIOS else 3
    return f"[{fmt_number(low, digits)}, {fmt_number(high, digits)}]"


def estimate_text(row: SummaryRow) -> str:
    """'0.518 [0.300, 0.730]' or '11.0 mo [1.6, 11.0]'; 'not pooled' for an error row."""
    if not row.pooled:
        return "not pooled"
    if row.ci_low is None or row.ci_high is None:
        return value_text(row.measure, row.estimate)
    ci = interval_text(row.measure, row.ci_low, row.ci_high).removesuffix(" mo")
    return f"{value_text(row.measure, row.estimate)} {ci}"


def measure_text(row: SummaryRow) -> str:
    if row.measure is None:
        return DASH
    return f"{SHORT_NAMES[row.measure]} ({row.measure})"


def k_text(row: SummaryRow) -> str:
    """'4' or, when arms of a study are separate rows, '4 (3 studies)'."""
    if not row.pooled:
        return f"0 ({row.studies} {'study' if row.studies == 1 else 'studies'})"
    if row.k == row.studies:
        return str(row.k)
    return f"{row.k} ({row.studies} {'study' if row.studies == 1 else 'studies'})"


def i2_text(row: SummaryRow) -> str:
    return DASH if row.I2 is None else f"{row.I2:.1f}%"


def tau2_text(row: SummaryRow) -> str:
    return DASH if row.tau2 is None else fmt_number(row.tau2, 4)


def method_text(row: SummaryRow) -> str:
    if row.method is None:
        return DASH
    if row.measure == "MED" or row.method == "GLMM":
        return row.method
    return f"{row.method}, {'HKSJ' if row.ci_method == 'hksj' else 'Wald'}"


def headers(level: float) -> list[str]:
    pct = level_text(level)
    return [
        "Outcome",
        "Measure",
        "k",
        "Participants",
        f"Estimate [{pct} CI]",
        f"{pct} PI",
        "I²",
        "τ²",
        "Method",
        "Warnings",
    ]


def _footnotes(table: SummaryTable) -> tuple[list[list[int]], list[str]]:
    """Per row, the numbers of its notes; and the notes (each text once, numbered from 1)."""
    texts: dict[str, int] = {}
    marks: list[list[int]] = []
    for row in table.rows:
        items = ([f"{row.outcome} not pooled: {row.error}"] if row.error else []) + list(
            row.warnings
        )
        mine = []
        for text in items:
            if text not in texts:
                texts[text] = len(texts) + 1
            mine.append(texts[text])
        marks.append(mine)
    return marks, list(texts)


def _cells(row: SummaryRow, marks: list[int]) -> list[str]:
    return [
        row.outcome,
        measure_text(row),
        k_text(row),
        DASH if row.participants is None else str(row.participants),
        estimate_text(row),
        interval_text(row.measure, row.pi_low, row.pi_high),
        i2_text(row),
        tau2_text(row),
        method_text(row),
        ", ".join(str(m) for m in marks),
    ]


def caption(table: SummaryTable) -> str:
    s = table.settings
    method = s.method or "REML (medians: WM)"
    ci = "Hartung-Knapp-Sidik-Jonkman" if s.ci_method == "hksj" else "Wald"
    return (
        f"Summary of findings: {len(table.rows)} outcome(s) from {s.records} record(s); "
        f"random effects, {method}; {ci} {level_text(s.level)} CI; PI = prediction interval. "
        "Proportions as 0-1, ratios as ratios, medians in months."
    )


def markdown_text(table: SummaryTable) -> str:
    """A pipe table with numbered notes below it (pastes into GitHub, Pandoc, most editors)."""
    marks, notes = _footnotes(table)
    rows = [_cells(row, m) for row, m in zip(table.rows, marks, strict=True)]
    lines = [f"*{md_escape(caption(table))}*", "", md_table(headers(table.settings.level), rows)]
    if notes:
        lines += ["", "Warnings:", ""]
        lines += [f"{i}. {md_escape(text)}" for i, text in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def csv_table(table: SummaryTable) -> str:
    """One row per outcome, numbers at full precision, warnings joined by ' | '."""
    rows = []
    for r in table.rows:
        d = r.to_dict()
        d["warnings"] = " | ".join(r.warnings)
        rows.append([d[name] for name in ROW_FIELDS])
    return csv_text(ROW_FIELDS, rows)


def json_table(table: SummaryTable) -> str:
    return json_text(table.to_dict()) + "\n"


TABLE_CSS = """
table.sof { border-collapse: collapse; font-size: 10pt; margin: 0.5em 0; }
table.sof th, table.sof td { border: 1px solid #999; padding: 3px 6px; vertical-align: top; }
table.sof th { background: #eee; text-align: left; }
table.sof td.num { text-align: right; white-space: nowrap; }
table.sof tr.not-pooled td { color: #555; font-style: italic; }
p.caption { font-size: 10pt; font-style: italic; margin: 0.3em 0; }
ol.notes { font-size: 9pt; margin-top: 0.3em; }
"""
_NUMERIC = (False, False, True, True, True, True, True, True, False, False)


def html_fragment(table: SummaryTable, *, note_prefix: str = "sof-note") -> str:
    """The table as an HTML ``<table>`` with its notes as an ordered list (no document)."""
    marks, notes = _footnotes(table)
    e = html.escape
    out = [f'<p class="caption">{e(caption(table))}</p>', '<table class="sof">', "<thead><tr>"]
    out += [f"<th>{e(h)}</th>" for h in headers(table.settings.level)]
    out.append("</tr></thead>")
    out.append("<tbody>")
    for row, m in zip(table.rows, marks, strict=True):
        cells = _cells(row, m)
        cells_html = [
            f'<td class="num">{e(c)}</td>' if numeric else f"<td>{e(c)}</td>"
            for c, numeric in zip(cells[:-1], _NUMERIC, strict=False)
        ]
        links = ", ".join(f'<a href="#{note_prefix}-{i}">{i}</a>' for i in m)
        cells_html.append(f"<td>{links}</td>")
        cls = "" if row.pooled else ' class="not-pooled"'
        out.append(f"<tr{cls}>" + "".join(cells_html) + "</tr>")
    out.append("</tbody></table>")
    if notes:
        out.append('<ol class="notes">')
        out += [f'<li id="{note_prefix}-{i}">{e(text)}</li>' for i, text in enumerate(notes, 1)]
        out.append("</ol>")
    return "\n".join(out)


def html_text(table: SummaryTable) -> str:
    """A small self-contained HTML document (inline CSS) holding the table."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Summary of findings</title>\n"
        f"<style>\nbody {{ font-family: sans-serif; margin: 1.5em; }}{TABLE_CSS}</style>\n"
        "</head>\n<body>\n<h1>Summary of findings</h1>\n"
        f"{html_fragment(table)}\n</body>\n</html>\n"
    )


FORMATS = {"md": markdown_text, "csv": csv_table, "html": html_text, "json": json_table}


def render(table: SummaryTable, *, fmt: str = "md") -> str:
    """The table as md, csv, html or json text."""
    try:
        return FORMATS[fmt](table)
    except KeyError:
        raise SynthError(f"--format {fmt}: use one of {', '.join(FORMATS)}") from None
