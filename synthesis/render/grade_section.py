"""GRADE and risk of bias inside ``synth report`` and ``synth table``.

What the report and the summary table need, built from the analyses they already hold
(the :class:`~synthesis.analyses.summary.SummaryTable` rows' PoolResults), so that the
certainty they print is the certainty of the numbers beside it:

* :func:`grade_table`: the :class:`GradeReport` of a summary table's pooled rows;
* :func:`certainty_column`: per outcome, the certainty text for a ``synth table``
  column (``⊕⊕◯◯ Low``), empty when no study has a risk-of-bias record;
* :func:`grade_summary_section`: the report's opening GRADE summary of findings (HTML);
* :func:`risk_of_bias_section`: the report's risk-of-bias section: the traffic-light
  and summary plots as inline SVG and every judgement with the note it rests on;
* :func:`outcome_grade_html`: one outcome's GRADE reasons, for its report section.

matplotlib is imported (through :mod:`synthesis.plots.rob`) only when a plot is drawn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from synthesis.analyses.grade import (
    DOMAINS,
    LABELS,
    UPGRADES,
    GradeReport,
    GradeResult,
    NotGraded,
    ReviewerJudgements,
    grade_pooled,
    reviewer_by_outcome,
)
from synthesis.analyses.summary import SummaryTable
from synthesis.records.review import Review
from synthesis.render.grade import HTML_STYLE, render_html
from synthesis.render.svg import inline_svg

#: The column ``synth table`` adds when any study has a risk-of-bias record.
CERTAINTY_HEADER = "Certainty (GRADE)"
DASH = "\u2014"

GRADE_CSS = (
    HTML_STYLE
    + """
figure.rob { margin: 0.8em 0; }
figure.rob svg { display: block; max-width: 100%; height: auto; }
table.grade-domains { border-collapse: collapse; font-size: 9.5pt; margin: 0.3em 0; }
table.grade-domains th, table.grade-domains td { border: 1px solid #bbb; padding: 3px 6px;
  vertical-align: top; text-align: left; }
table.grade-domains th { background: #eee; }
table.grade-domains td.levels { white-space: nowrap; }
table.grade-domains tr.reviewer td { background: #f3f7ff; }
ul.rob-notes { font-size: 9.5pt; }
ul.rob-notes li { margin-bottom: 0.3em; }
@media print { figure.rob { break-inside: avoid; page-break-inside: avoid; } }
"""
)


def has_risk_of_bias(review: Review) -> bool:
    """Whether any study of the review has a ``risk_of_bias`` record."""
    return any(s.risk_of_bias is not None for s in review.studies)


def grade_table(
    table: SummaryTable,
    review: Review,
    *,
    reviewer: Mapping[str, ReviewerJudgements | Mapping[str, Any]] | None = None,
) -> GradeReport:
    """GRADE each pooled row of a summary table from the row's own analysis.

    ``reviewer`` is ``read_config(...).grade``.  Where the reviewer chose another
    measure for an outcome (``measure:`` under it in ``synth.yaml``) the outcome is
    pooled again with that measure, as ``synth grade`` does.
    """
    from dataclasses import replace

    from synthesis.analyses.pool import pool
    from synthesis.errors import SynthError

    judged, general = reviewer_by_outcome(review, reviewer)
    results: list[GradeResult] = []
    pooled: list[Any] = []
    skipped: list[NotGraded] = []
    for row in table.rows:
        mine = judged.get(row.outcome, ReviewerJudgements())
        result = row.result
        if result is None:
            skipped.append(NotGraded(row.outcome, row.error or "not pooled"))
            continue
        if mine.measure is not None and mine.measure != result.measure:
            try:
                result = pool(
                    review,
                    outcome=row.outcome,
                    measure=mine.measure,
                    ci=result.ci_method,
                    level=result.level,
                )
            except SynthError as exc:
                skipped.append(NotGraded(row.outcome, str(exc)))
                continue
        graded = grade_pooled(review, result, reviewer=mine)
        if result is not row.result:
            graded = replace(graded, warnings=(f"graded as {result.measure}", *graded.warnings))
        results.append(graded)
        pooled.append(result)
    return GradeReport(tuple(results), tuple(pooled), tuple(skipped), tuple(general))


def certainty_text(result: GradeResult) -> str:
    """``⊕⊕◯◯ Low``: the symbols and the level of an outcome's certainty."""
    return f"{result.symbols} {result.certainty.capitalize()}"


def certainty_column(
    table: SummaryTable,
    review: Review,
    *,
    reviewer: Mapping[str, ReviewerJudgements | Mapping[str, Any]] | None = None,
) -> dict[str, str]:
    """Outcome -> certainty text for ``synth table``'s column; ``{}`` when no study has a
    risk-of-bias record (then the table has no certainty column).  An outcome that was
    not pooled gets a dash; one graded on another measure says which (``(RR)``).
    """
    return _certainties(table, review, reviewer=reviewer)[0]


def _certainties(
    table: SummaryTable,
    review: Review,
    *,
    reviewer: Mapping[str, ReviewerJudgements | Mapping[str, Any]] | None = None,
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(:func:`certainty_column`, outcome -> (GRADE level word, measure graded on)) from
    one grading; both empty when no study has a risk-of-bias record."""
    if not has_risk_of_bias(review):
        return {}, {}
    report = grade_table(table, review, reviewer=reviewer)
    out = {row.outcome: DASH for row in table.rows}
    levels: dict[str, tuple[str, str]] = {}
    for result, pooled in zip(report.results, report.pooled, strict=True):
        row_measure = next(r.measure for r in table.rows if r.outcome == result.outcome)
        text = certainty_text(result)
        if pooled.measure != row_measure:
            text += f" ({pooled.measure})"
        out[result.outcome or ""] = text
        levels[result.outcome or ""] = (result.certainty, pooled.measure)
    return out, levels


# ---------------------------------------------------------------------------
# The report


def grade_summary_section(report: GradeReport) -> str:
    """The report's opening section: the GRADE summary of findings with its footnotes."""
    parts = [
        '<section id="grade">',
        "<h2>Certainty of the evidence (GRADE)</h2>",
    ]
    if report.results:
        parts.append(render_html(report.results, standalone=False))
    for skipped in report.not_graded:
        parts.append(f"<p>{escape(skipped.outcome)}: not graded ({escape(skipped.reason)}).</p>")
    if report.warnings:
        parts.append(
            '<ul class="warnings">'
            + "".join(f"<li>{escape(w)}</li>" for w in report.warnings)
            + "</ul>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _inline_svg(data: bytes, *, prefix: str, label: str) -> str:
    """SVG ready for HTML, labelled for screen readers."""
    text = inline_svg(data, prefix=prefix)
    return text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def _domain_name(key: str, label: str) -> str:
    """``D1 Bias arising from ...`` for numbered domains, the label alone for named ones."""
    return f"{key} {label}" if re.fullmatch(r"D\d+", key) and key != label else label


def _level_text(level: str | None, stars: int | None) -> str:
    text = level or "no information"
    return f"{stars} star{'' if stars == 1 else 's'} ({text})" if stars is not None else text


def risk_of_bias_section(
    review: Review,
    *,
    weights: Mapping[str, float] | None = None,
    palette: str = "cochrane",
) -> str:
    """The report's risk-of-bias section: both plots inline, then each study's judgements
    with their notes.  ``weights`` (study id -> pooled weight) weights the summary bars
    and keeps only those studies; by default every study counts once.  Empty string
    when no study has a record.
    """
    studies = [s for s in review.studies if s.risk_of_bias is not None]
    if weights is not None:
        studies = [s for s in studies if s.id in weights]
    if not studies:
        return ""
    from synthesis.plots.rob import figure_bytes, summary_figure, traffic_light_figure

    studies.sort(key=lambda s: (s.year, s.first_author_year.lower()))
    pairs = [(s.first_author_year, s.risk_of_bias) for s in studies]
    traffic = figure_bytes(traffic_light_figure(studies=pairs, palette=palette), fmt="svg")
    summary = figure_bytes(
        summary_figure(
            studies=pairs,
            weights=None if weights is None else [weights[s.id] for s in studies],
            palette=palette,
        ),
        fmt="svg",
    )
    parts = [
        '<section id="risk-of-bias">',
        "<h2>Risk of bias</h2>",
        '<figure class="rob">',
        _inline_svg(traffic, prefix="rob-t", label="Risk-of-bias traffic-light plot"),
        "</figure>",
        '<figure class="rob">',
        _inline_svg(summary, prefix="rob-s", label="Risk-of-bias summary plot"),
        "</figure>",
    ]
    missing = [s.id for s in review.studies if s.risk_of_bias is None]
    if missing:
        parts.append(f"<p>No risk-of-bias record: {escape(', '.join(missing))}.</p>")
    parts.append("<h3>Judgements and what they rest on</h3>")
    parts.append('<ul class="rob-notes">')
    for s in studies:
        rob = s.risk_of_bias
        assert rob is not None
        head = (
            f"<strong>{escape(s.first_author_year)}</strong> ({escape(rob.tool)}): overall "
            f"{escape(rob.overall.level or 'no information')}"
        )
        if rob.overall.note:
            head += f": {escape(rob.overall.note)}"
        items = [
            f"<li>{escape(_domain_name(d.key, d.label))}: "
            f"{escape(_level_text(d.level, d.stars))}"
            + (f": {escape(d.note)}" if d.note else "")
            + "</li>"
            for d in (*rob.domains, *rob.applicability)
        ]
        note = f"<br>{escape(rob.note)}" if rob.note else ""
        where = f"{s.file}:{s.lines.get('risk_of_bias', s.line)}"
        source = f" <code>{escape(where)}</code>"
        parts.append(f"<li>{head}{source}{note}<ul>{''.join(items)}</ul></li>")
    parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _levels(n: int, up: bool) -> str:
    sign = "+" if up else "\u2212"
    return "0" if n == 0 else f"{sign}{n}"


def outcome_grade_html(result: GradeResult) -> str:
    """One outcome's GRADE assessment: start, every domain and upgrade with its reason."""
    rows = [
        (
            "Start",
            result.start,
            "reviewer" if result.start_by == "reviewer" else "synth",
            result.start_reason,
        )
    ]
    for name in DOMAINS:
        d = result.domains[name]
        rows.append((LABELS[name], _levels(d.downgrade, False), d.by, d.reason))
    for name in UPGRADES:
        u = result.upgrades[name]
        rows.append((LABELS[name], _levels(u.upgrade, True), u.by, u.reason))
    body = "".join(
        f'<tr class="{escape(by)}"><td>{escape(what)}</td><td class="levels">{escape(levels)}'
        f"</td><td>{escape(by)}</td><td>{escape(reason)}</td></tr>"
        for what, levels, by, reason in rows
    )
    return (
        '<div class="keep grade">'
        f"<h3>Certainty of the evidence (GRADE): {escape(result.symbols)} "
        f"{escape(result.certainty.upper())}</h3>"
        '<table class="grade-domains"><thead><tr><th>Domain</th><th>Levels</th><th>By</th>'
        f"<th>Reason</th></tr></thead><tbody>{body}</tbody></table></div>"
    )


def outcome_grade_sections(report: GradeReport) -> dict[str, str]:
    """Outcome -> :func:`outcome_grade_html`, for the report's outcome sections."""
    return {r.outcome or "": outcome_grade_html(r) for r in report.results}


def study_weights(report: GradeReport, outcome: str) -> dict[str, float] | None:
    """Study id -> pooled weight (arms summed) of one graded outcome, for the summary bars."""
    for result, pooled in zip(report.results, report.pooled, strict=True):
        if result.outcome == outcome:
            out: dict[str, float] = {}
            for row in pooled.studies:
                out[row.id] = out.get(row.id, 0.0) + float(row.weight or 0.0)
            return out
    return None


__all__: Sequence[str] = (
    "CERTAINTY_HEADER",
    "GRADE_CSS",
    "certainty_column",
    "certainty_text",
    "grade_summary_section",
    "grade_table",
    "has_risk_of_bias",
    "outcome_grade_html",
    "outcome_grade_sections",
    "risk_of_bias_section",
    "study_weights",
)


def with_certainty(
    table: SummaryTable,
    review: Review,
    *,
    reviewer: Mapping[str, ReviewerJudgements | Mapping[str, Any]] | None = None,
) -> SummaryTable:
    """*table* with its GRADE certainty column filled (unchanged when no study has a
    risk-of-bias record)."""
    from dataclasses import replace

    column, levels = _certainties(table, review, reviewer=reviewer)
    return replace(table, certainty=column, certainty_levels=levels) if column else table


def graded_summary(
    *,
    outcomes: Sequence[str] = (),
    method: str | None = None,
    ci: str = "wald",
    level: float = 0.95,
    studies: str | None = None,
) -> SummaryTable:
    """``synth table``: the summary of findings, with a GRADE certainty column when any
    study has a risk-of-bias record (the reviewer's judgements from ./synth.yaml)."""
    from synthesis.analyses.summary import summarize
    from synthesis.records.review import load_review

    review = load_review(studies)  # reads ./synth.yaml once: review.config.grade
    table = summarize(review, outcomes=outcomes, method=method, ci=ci, level=level)
    return with_certainty(table, review)
