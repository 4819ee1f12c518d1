"""``synth report``: one self-contained HTML file covering every outcome of a review.

The summary of findings at the top; per poolable outcome a section (a page when
printed) with its forest plot as inline SVG, the pooled numbers, heterogeneity,
warnings and the per-study data with each number's source quote and record
FILE:LINE; outcomes that cannot be pooled with the reason; the settings at the
bottom.  Inline CSS only: no scripts, no external files, nothing fetched on load.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

from synthesis.analyses.order import DEFAULT_SORT
from synthesis.analyses.pool import PoolResult, StudyResult
from synthesis.analyses.summary import DASH, SummaryRow, SummaryTable, summarize
from synthesis.errors import SynthError
from synthesis.measures import MEASURE_NAMES, METHOD_NAMES
from synthesis.records.normalize import Entry
from synthesis.records.review import Review, load_review
from synthesis.records.schema import WHOLE_COHORT
from synthesis.render.sof import (
    TABLE_CSS,
    estimate_text,
    html_fragment,
    interval_text,
    k_text,
    value_text,
)
from synthesis.render.svg import inline_svg
from synthesis.render.text import (
    COMMON_MODEL_NAMES,
    cluster_name,
    common_lines,
    heterogeneity_line,
    level_text,
    model_label,
    overall_line,
    pooled_name,
    result_title,
    variance_component_texts,
    weight_text,
)

#: Axis and footer text of an embedded forest plot, in CSS px: the plot is shown at
#: (this / the plot's small font size in pt) px per pt, so that at a 1,280 px window
#: every text is at least this size (a wide plot scrolls sideways rather than shrink).
PLOT_TEXT_PX = 11.5

CSS = (
    """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 11pt;
       color: #111; margin: 2em auto; max-width: 1100px; padding: 0 1.5em; line-height: 1.35; }
h1 { font-size: 20pt; margin-bottom: 0.2em; }
h2 { font-size: 15pt; border-bottom: 2px solid #333; padding-bottom: 0.15em; margin-top: 1.6em; }
h3 { font-size: 12pt; margin: 1em 0 0.3em; }
p.meta, p.model { color: #444; font-size: 10pt; margin: 0.2em 0; }
figure.forest { margin: 0.8em 0; overflow-x: auto; }
figure.forest svg { display: block; max-width: none; }
table.numbers { border-collapse: collapse; font-size: 10.5pt; }
table.numbers th { text-align: left; font-weight: normal; color: #444; padding: 2px 12px 2px 0; }
table.numbers td { padding: 2px 0; }
ul.warnings { background: #fff6e0; border-left: 4px solid #d08a00; padding: 0.4em 0.4em 0.4em 2em;
              font-size: 10pt; margin: 0.4em 0; }
ul.notes { font-size: 10pt; }
table.studies { border-collapse: collapse; font-size: 9pt; width: 100%; }
table.studies th, table.studies td { border: 1px solid #aaa; padding: 3px 5px;
                                     vertical-align: top; }
table.studies th { background: #eee; text-align: left; }
table.studies td.num, table.studies td.data { text-align: right; white-space: nowrap; }
table.studies td.data { text-align: left; }
table.studies td.quote { font-style: italic; }
table.studies td.src { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt;
                       word-break: normal; overflow-wrap: normal; }
/* FILE:LINE breaks only after a slash (<wbr>), never inside a name or a number */
table.studies td.src span { white-space: nowrap; }
table.studies tr.pooled td { font-weight: bold; background: #f4f4f4; }
span.note { display: block; font-style: normal; color: #555; margin-top: 0.2em; }
dl.settings { display: grid; grid-template-columns: max-content auto; gap: 2px 14px;
              font-size: 10pt; }
dl.settings dt { color: #444; }
dl.settings dd { margin: 0; }
ol.references, ul.record-warnings { font-size: 9pt; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  section.outcome { break-before: page; page-break-before: always; }
  section#settings { break-before: page; page-break-before: always; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure.forest, div.keep { break-inside: avoid; page-break-inside: avoid; }
  /* A plot of many studies is scaled down to fit one A4 page rather than cut. */
  figure.forest { overflow: visible; }
  figure.forest svg { max-width: 100%; max-height: 240mm; width: auto; height: auto; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
"""
    + TABLE_CSS
)


# ---------------------------------------------------------------------------
# The forest plot, inlined


_SIZE = re.compile(r'<svg ([^>]*?)width="([\d.]+)pt" height="([\d.]+)pt"')


def plot_scale() -> float:
    """CSS px per pt at which an embedded plot is shown (its small text at PLOT_TEXT_PX)."""
    from synthesis.plots.forest import SMALL_SIZE

    return PLOT_TEXT_PX / SMALL_SIZE


def _display_size(svg: str) -> str:
    """The plot's width and height in CSS px at :func:`plot_scale` (its viewBox stays in pt)."""
    scale = plot_scale()

    def size(m: re.Match[str]) -> str:
        w, h = float(m.group(2)) * scale, float(m.group(3)) * scale
        return f'<svg {m.group(1)}width="{w:.0f}" height="{h:.0f}"'

    return _SIZE.sub(size, svg, count=1)


def forest_svg(result: PoolResult, *, prefix: str) -> str:
    """The outcome's forest plot as inline SVG, or a line saying why there is none."""
    from synthesis.plots.forest import forest_bytes

    # the rows in the report's order (pool's --sort; a multilevel result's rows grouped
    # by cluster), as in the study table below: "listed" is renumbered to that order
    shown = replace(
        result, studies=tuple(replace(s, listed=i) for i, s in enumerate(result.studies))
    )
    try:
        data = forest_bytes(shown, fmt="svg", sort="listed")
    except SynthError as exc:
        return f'<p class="no-plot">No forest plot: {escape(str(exc))}</p>'
    svg = _display_size(inline_svg(data, prefix=prefix))
    label = f"Forest plot of {result.outcome}"
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return f'<figure class="forest">\n{svg}\n</figure>'


# ---------------------------------------------------------------------------
# One outcome


def _arm_text(study: StudyResult, entry: Entry | None) -> str:
    if entry is not None and entry.arm not in (None, WHOLE_COHORT):
        return entry.arm_label or entry.arm or ""
    if study.arm not in (None, WHOLE_COHORT):
        return study.arm or ""
    return "all"


def source_html(file: str, line: int | None) -> str:
    """``FILE:LINE`` as HTML that may break after a slash only (never in a name or number)."""
    text = file if line is None else f"{file}:{line}"
    parts = text.split("/")
    pieces = [escape(p + "/") for p in parts[:-1]] + [escape(parts[-1])]
    return "<wbr>".join(f"<span>{p}</span>" for p in pieces)


def _row_key(s: StudyResult) -> tuple[str, str | None]:
    return (s.id, s.arm)


def _study_table(result: PoolResult, row: SummaryRow, review: Review) -> str:
    """Every row with its data, estimate, weight(s), quote and record; then the pooled
    line(s). With --also a weight column per model (as R meta and RevMan); with a
    multilevel model over a tag, the cluster of each row (the rows of a cluster are
    adjacent: :func:`synthesis.analyses.summary.cluster_grouped`)."""
    pct = level_text(result.level)
    common = result.common
    multilevel = result.model == "multilevel"
    cluster = cluster_name(result)
    by_tag = multilevel and cluster != "study"
    heads = ["Study", "Arm"]
    if by_tag:
        heads.append(f"Cluster ({cluster})")
    heads += ["Data", f"Estimate [{pct} CI]"]
    if common is not None:
        heads += [f"Weight ({common.method})", f"Weight ({result.method})"]
    else:
        heads.append("Weight")
    heads += ["Source quote", "Record"]
    common_weights = {_row_key(s): s.weight for s in common.studies} if common is not None else {}
    out = ['<table class="studies">', "<thead><tr>"]
    out += [f"<th>{escape(h)}</th>" for h in heads]
    out.append("</tr></thead><tbody>")
    for s in result.studies:  # pool's order (--sort; multilevel: by cluster), as the plot
        entry = s.entries[0] if s.entries else None
        label = entry.label if entry is not None else s.label
        est = value_text(result.measure, s.estimate)
        ci = interval_text(result.measure, s.ci_low, s.ci_high)
        if ci != DASH:
            est += " " + ci.removesuffix(" mo")
        quote = entry.quote if entry is not None and entry.quote else ""
        quote_html = f"“{escape(quote)}”" if quote else DASH
        if entry is not None and entry.note:
            quote_html += f'<span class="note">Note: {escape(entry.note)}</span>'
        weights = [s.weight]
        if common is not None:
            weights.insert(0, common_weights.get(_row_key(s)))
        weight_cells = "".join(
            f'<td class="num">{escape(DASH if w is None else weight_text(w))}</td>' for w in weights
        )
        cluster_cell = f"<td>{escape(str(s.tags.get(cluster, '')))}</td>" if by_tag else ""
        out.append(
            "<tr>"
            f"<td>{escape(label)}</td>"
            f"<td>{escape(_arm_text(s, entry))}</td>"
            f"{cluster_cell}"
            f'<td class="data">{escape(s.data)}</td>'
            f'<td class="num">{escape(est)}</td>'
            f"{weight_cells}"
            f'<td class="quote">{quote_html}</td>'
            f'<td class="src">{source_html(s.file, s.line)}</td>'
            "</tr>"
        )
    blank = "<td></td>" if by_tag else ""
    pooled_rows = [(common, pooled_name(common), estimate_text(common))] if common else []
    pooled_rows.append((result, pooled_name(result), estimate_text(row)))
    for r, name, text in pooled_rows:
        if common is None:
            weight_cells = '<td class="num">100.0%</td>'
        else:
            weight_cells = (
                '<td class="num">100.0%</td><td></td>'
                if r is common
                else '<td></td><td class="num">100.0%</td>'
            )
        out.append(
            '<tr class="pooled">'
            f"<td>{escape(name)}</td><td></td>{blank}"
            f'<td class="data">k = {r.k}</td>'
            f'<td class="num">{escape(text)}</td>{weight_cells}'
            "<td></td><td></td></tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


_OVERALL = re.compile(r"^Test of overall effect( \(H0: [^)]*\))?: (.*)$")


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _numbers(result: PoolResult, row: SummaryRow) -> str:
    pct = level_text(result.level)
    ci_note = f"  ({pct} CI)" if row.ci_low is not None else ""
    common = result.common
    if result.single_study:
        pairs = [("Estimate (single study, not pooled)", estimate_text(row) + ci_note)]
    elif common is not None or result.model == "multilevel":
        pairs = [(model_label(result), estimate_text(row) + ci_note)]
    else:
        pairs = [("Pooled estimate", estimate_text(row) + ci_note)]
    if common is not None:  # as R meta prints them: the common-effect line first
        common_ci = f"  ({pct} CI)" if common.ci_low is not None else ""
        pairs.insert(
            0,
            (
                "Single study, common effect" if common.single_study else model_label(common),
                estimate_text(common) + common_ci,
            ),
        )
    pairs += [
        (f"{pct} prediction interval", interval_text(result.measure, row.pi_low, row.pi_high)),
        ("k", k_text(row)),
        ("Participants", DASH if row.participants is None else str(row.participants)),
    ]
    for r in (common, result):  # the common-effect line first, as above
        if r is None:
            continue
        test = _OVERALL.match(overall_line(r))
        if test is None:
            continue
        what = "Test of overall effect"
        if common is not None:
            what += f", {_lower(model_label(r))}"
        pairs.append((what + (test.group(1) or ""), test.group(2)))
    for r in (result, common):  # an MH odds ratio's Cochran-Mantel-Haenszel and Tarone tests
        if r is not None and r.tests:
            lines = [x for x in common_lines(replace(r, common=None)) if x]
            pairs += [(f"Tests ({r.method})", x) for x in lines]
    # one row: tau² [CI], I², H², Q (the summary table above gives I² and tau² again)
    het = heterogeneity_line(result, prefix="").replace("tau²", "τ²")
    pairs.append(("Heterogeneity", het))
    components = variance_component_texts(result)
    if components:
        pairs.append(("Variance components", "; ".join(components) + "; τ² is their sum"))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pairs)
    return f'<table class="numbers">{body}</table>'


def _optional_section(make, what: str) -> str:
    """A section that may not apply to an outcome: its reason instead of a failed report."""
    try:
        return make()
    except (SynthError, ValueError) as exc:
        return f'<p class="note">{escape(what)}: not available ({escape(str(exc))})</p>'


def outcome_section(row: SummaryRow, review: Review, *, number: int, grade_html: str = "") -> str:
    """The HTML section of one pooled outcome: plot, numbers, GRADE, sensitivity, bias."""
    from synthesis.render.bias import bias_section
    from synthesis.render.sensitivity import sensitivity_html

    result = row.result
    assert result is not None
    anchor = f"outcome-{number}"
    parts = [
        f'<section class="outcome" id="{anchor}">',
        f"<h2>{number}. {escape(row.outcome)}</h2>",
        f'<p class="model">{escape(result_title(result))}</p>',
        forest_svg(result, prefix=f"f{number}"),
        '<div class="keep">',
        "<h3>Pooled result</h3>",
        _numbers(result, row),
        "</div>",
    ]
    if grade_html:
        parts.append(grade_html)
    if row.warnings:
        parts.append(
            '<div class="keep"><h3>Warnings</h3><ul class="warnings">'
            + "".join(f"<li>{escape(w)}</li>" for w in row.warnings)
            + "</ul></div>"
        )
    if result.notes:
        parts.append(
            '<ul class="notes">'
            + "".join(f"<li>Note: {escape(n)}</li>" for n in result.notes)
            + "</ul>"
        )
    if result.model == "multilevel":
        parts.append(
            '<p class="note">The sensitivity analyses and small-study tests below treat the '
            "rows as independent (rma.uni, as synth sensitivity and synth bias do): they do "
            "not take the clusters of the multilevel model into account.</p>"
        )
    parts.append(
        _optional_section(
            lambda: sensitivity_html(result, prefix=f"s{number}"), "Sensitivity analyses"
        )
    )
    parts.append(
        _optional_section(lambda: bias_section(result, prefix=f"b{number}"), "Small-study tests")
    )
    parts.append("<h3>Study data</h3>")
    parts.append(_study_table(result, row, review))
    parts.append("</section>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# The document


def _not_pooled(table: SummaryTable) -> str:
    rows = table.not_pooled
    if not rows:
        return ""
    items = "".join(
        f"<li><strong>{escape(r.outcome)}</strong>: {escape(r.error or '')}</li>" for r in rows
    )
    return (
        '<section id="not-pooled"><h2>Outcomes not pooled</h2>'
        f'<ul class="not-pooled">{items}</ul></section>'
    )


def _settings(table: SummaryTable, review: Review) -> str:
    s = table.settings
    method = s.method or "each measure's default (REML; weighted median WM for medians)"
    ci = (
        "Hartung-Knapp-Sidik-Jonkman t(k-1)"
        if s.ci_method == "hksj"
        else "Wald z (medians: sign-test)"
    )
    model = "random effects"
    if s.model == "multilevel":
        model = (
            f"multilevel random effects (rma.mv): rows nested in clusters of {s.cluster}; "
            "outcomes it does not apply to as independent rows"
        )
    if s.also is not None:
        model += (
            f"; beside it the common-effect model ({COMMON_MODEL_NAMES.get(s.also, s.also)}, "
            f"--also {s.also}, Wald z CI) where it applies"
        )
    pairs = [
        ("Model", model),
        ("Method", method),
        ("CI method", ci),
        ("Level", level_text(s.level)),
        *([("Measures", ", ".join(f"{o}={c}" for o, c in s.measures))] if s.measures else []),
        ("Studies folder", s.studies),
        ("Records", f"{s.records} study records, {s.entries} outcome entries"),
        ("synth version", s.version),
    ]
    for r in table.rows:
        if r.measure is None:
            what = f"not pooled ({r.error})"
        else:
            method_name = METHOD_NAMES.get(r.method or "", r.method or "")
            what = f"{r.measure} ({MEASURE_NAMES[r.measure]}), {r.method} ({method_name})"
            if r.model == "multilevel":
                what += f", multilevel (rows nested in {r.cluster})"
            if r.common is not None:
                what += f"; beside it {r.common.method} ({METHOD_NAMES[r.common.method]})"
        pairs.append((f"Outcome {r.outcome}", what))
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in pairs)
    out = ['<section id="settings">', "<h2>Settings</h2>", f'<dl class="settings">{body}</dl>']
    if table.record_warnings:
        out.append("<h3>Warnings from reading the records</h3>")
        out.append(
            '<ul class="record-warnings">'
            + "".join(f"<li>{escape(str(p))}</li>" for p in table.record_warnings)
            + "</ul>"
        )
    out.append("<h3>Studies in the review</h3>")
    refs = []
    for st in review.studies:
        doi = st.meta.get("doi")
        text = f"{st.first_author_year}: {st.citation}"
        if doi:
            text += f" doi:{doi}"
        refs.append(f"<li>{escape(text)} <code>{escape(f'{st.file}:{st.line}')}</code></li>")
    out.append('<ol class="references">' + "".join(refs) + "</ol>")
    out.append("</section>")
    return "\n".join(out)


def report_html(
    table: SummaryTable, *, review: Review, title: str | None = None, reviewer: Any = None
) -> str:
    """The report of a computed summary table (``review`` supplies quotes and citations).

    It opens with the GRADE summary of findings (``reviewer``: the ``grade:`` judgements
    of synth.yaml), carries a risk-of-bias section when any study has a record, and each
    outcome shows its GRADE reasons, sensitivity analyses and small-study tests.
    """
    from synthesis.render.grade_section import (
        GRADE_CSS,
        grade_summary_section,
        grade_table,
        has_risk_of_bias,
        outcome_grade_sections,
        risk_of_bias_section,
    )
    from synthesis.render.sensitivity import SENSITIVITY_CSS

    grade = grade_table(table, review, reviewer=reviewer)
    grade_html = outcome_grade_sections(grade)
    folder = table.settings.studies
    title = title or f"Evidence synthesis: {Path(folder).name or folder}"
    pooled = table.pooled
    today = _dt.date.today().isoformat()
    meta = (
        f"Generated {today} by synth {table.settings.version} from {folder} "
        f"({table.settings.records} records); {len(pooled)} outcome"
        f"{'' if len(pooled) == 1 else 's'} pooled, {len(table.not_pooled)} not poolable."
    )
    contents = "".join(
        f'<li><a href="#outcome-{i}">{escape(r.outcome)}</a></li>' for i, r in enumerate(pooled, 1)
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}{GRADE_CSS}{SENSITIVITY_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(meta)}</p>',
        "</header>",
        grade_summary_section(grade),
        '<section id="summary">',
        "<h2>Summary of findings</h2>",
        html_fragment(table),
        f'<nav class="contents"><h3>Outcomes</h3><ol>{contents}</ol></nav>' if pooled else "",
        "</section>",
        _not_pooled(table),
        risk_of_bias_section(review) if has_risk_of_bias(review) else "",
    ]
    parts += [
        outcome_section(r, review, number=i, grade_html=grade_html.get(r.outcome, ""))
        for i, r in enumerate(pooled, 1)
    ]
    parts += [_settings(table, review), "</body>", "</html>"]
    return "\n".join(p for p in parts if p) + "\n"


def build_report(
    review: Review | None = None,
    *,
    method: str | None = None,
    ci: str = "wald",
    level: float = 0.95,
    studies: str | Path | None = None,
    title: str | None = None,
    sort: str = DEFAULT_SORT,
    also: str | None = None,
    measures: tuple[str, ...] = (),
    model: str = "rows",
    cluster: str = "study",
) -> str:
    """The whole report as one HTML string (the library function behind ``synth report``).

    ``sort`` orders the studies of each outcome (plot and table), as ``synth pool --sort``;
    ``also``, ``measures``, ``model`` and ``cluster`` are :func:`summarize`'s.
    """
    if review is None:
        review = load_review(studies)
    table = summarize(
        review, method=method, ci=ci, level=level, sort=sort, also=also, measures=measures,
        model=model, cluster=cluster,
    )  # fmt: skip
    return report_html(table, review=review, title=title, reviewer=review.config.grade)
