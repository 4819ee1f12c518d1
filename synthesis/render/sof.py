"""The summary-of-findings table rendered: Markdown, CSV, HTML fragment and page, JSON.

:func:`render` turns a :class:`~synthesis.analyses.summary.SummaryTable` into text;
:mod:`synthesis.render.report` reuses the HTML fragment and the number formatting.
"""

from __future__ import annotations

import html

from synthesis.analyses.summary import DASH, ROW_FIELDS, SummaryRow, SummaryTable
from synthesis.errors import SynthError
from synthesis.measures import MEASURES
from synthesis.render.text import (
    csv_text,
    interval,
    json_text,
    level_text,
    md_escape,
    md_table,
    number,
)
from synthesis.render.text import tau2_text as tau2_number

UNIT = {"MED": " mo"}  # the unit after a value or interval, where the measure has one


def value_text(measure: str | None, value: float | None) -> str:
    """One estimate as printed: 0.518 (proportions), 0.78 (ratios), 11.0 mo (medians).

    The digits are :func:`synthesis.render.text.number`'s, as in every other output.
    """
    if value is None or measure is None:
        return DASH
    return number(value, measure) + UNIT.get(measure, "")


def interval_text(measure: str | None, low: float | None, high: float | None) -> str:
    """'[0.300, 0.730]', '[0.70, 0.87]', '[1.6, 11.0] mo'; a dash when there is none."""
    if measure is None or (low is None and high is None):
        return DASH
    return interval(low, high, measure) + UNIT.get(measure, "")


def estimate_text(row: SummaryRow) -> str:
    """'0.518 [0.300, 0.730]' or '11.0 mo [1.6, 11.0]'; 'not pooled' for an error row."""
    if not row.pooled:
        return "not pooled"
    if row.ci_low is None and row.ci_high is None:
        return value_text(row.measure, row.estimate)
    ci = interval_text(row.measure, row.ci_low, row.ci_high).removesuffix(" mo")
    return f"{value_text(row.measure, row.estimate)} {ci}"


def measure_text(row: SummaryRow) -> str:
    if row.measure is None:
        return DASH
    return f"{MEASURES[row.measure].short} ({row.measure})"


def k_text(row: SummaryRow) -> str:
    """'4', '4 (3 studies)' when arms of a study are separate rows, '1 (not pooled)'."""
    if not row.pooled:
        return f"0 ({row.studies} {'study' if row.studies == 1 else 'studies'})"
    if row.k == 1:
        return "1 (not pooled)"
    if row.k == row.studies:
        return str(row.k)
    return f"{row.k} ({row.studies} {'study' if row.studies == 1 else 'studies'})"


def i2_text(row: SummaryRow) -> str:
    return DASH if row.I2 is None else f"{row.I2:.1f}%"


def tau2_text(row: SummaryRow) -> str:
    return DASH if row.tau2 is None else tau2_number(row.tau2)


def method_text(row: SummaryRow) -> str:
    if row.method is None:
        return DASH
    if row.measure == "MED" or row.method == "GLMM":
        return row.method
    return f"{row.method}, {'HKSJ' if row.ci_method == 'hksj' else 'Wald'}"


def headers(level: float, *, certainty: bool = False) -> list[str]:
    pct = level_text(level)
    grade = ["Certainty (GRADE)"] if certainty else []
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
        *grade,
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


def _cells(row: SummaryRow, marks: list[int], certainty: dict[str, str] | None = None) -> list[str]:
    grade = [certainty.get(row.outcome, DASH)] if certainty else []
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
        *grade,
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
    rows = [_cells(row, m, table.certainty) for row, m in zip(table.rows, marks, strict=True)]
    heads = headers(table.settings.level, certainty=bool(table.certainty))
    lines = [f"*{md_escape(caption(table))}*", "", md_table(heads, rows)]
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
        grade = [table.certainty.get(r.outcome, "")] if table.certainty else []
        rows.append([d[name] for name in ROW_FIELDS] + grade)
    names = (*ROW_FIELDS, "certainty") if table.certainty else ROW_FIELDS
    return csv_text(names, rows)


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
    out += [
        f"<th>{e(h)}</th>" for h in headers(table.settings.level, certainty=bool(table.certainty))
    ]
    out.append("</tr></thead>")
    out.append("<tbody>")
    for row, m in zip(table.rows, marks, strict=True):
        cells = _cells(row, m, table.certainty)
        numeric_flags = (*_NUMERIC[:-1], *((False,) if table.certainty else ()))
        cells_html = [
            f'<td class="num">{e(c)}</td>' if numeric else f"<td>{e(c)}</td>"
            for c, numeric in zip(cells[:-1], numeric_flags, strict=False)
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
