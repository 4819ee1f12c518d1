"""The summary-of-findings table rendered: Markdown, CSV, HTML fragment and page, JSON.

:func:`render` turns a :class:`~synthesis.analyses.summary.SummaryTable` into text;
:mod:`synthesis.render.report` reuses the HTML fragment and the number formatting.
"""

from __future__ import annotations

import html
from typing import Any

from synthesis.analyses.summary import (
    DASH,
    ROW_FIELDS,
    SummaryRow,
    SummaryTable,
    extra_csv_fields,
)
from synthesis.errors import SynthError
from synthesis.measures import MEASURES
from synthesis.render.text import (
    COMMON_MODEL_NAMES,
    csv_text,
    interval,
    json_text,
    level_text,
    md_escape,
    md_table,
    model_label,
    number,
    variance_component_texts,
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


def estimate_text(row: Any) -> str:
    """'0.518 [0.300, 0.730]' or '11.0 mo [1.6, 11.0]'; 'not pooled' for an error row.

    ``row`` is a :class:`SummaryRow` or a PoolResult (a common-effect result beside it).
    """
    if not getattr(row, "pooled", True):
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
    """τ²; for a multilevel row the sum and its two parts: '0.5922 (0.4470 + 0.1451)'
    (which part is which, with their counts: :func:`variance_note`)."""
    if row.tau2 is None:
        return DASH
    parts = _components(row)
    if parts is None:
        return tau2_number(row.tau2)
    c, r = parts
    return f"{tau2_number(row.tau2)} ({tau2_number(c.sigma2)} + {tau2_number(r.sigma2)})"


def _components(row: SummaryRow) -> tuple[Any, Any] | None:
    comps = {vc.level: vc for vc in row.variance_components}
    if set(comps) != {"cluster", "row"} or any(vc.sigma2 is None for vc in comps.values()):
        return None
    return comps["cluster"], comps["row"]


def variance_note(row: SummaryRow) -> str | None:
    """The note of a multilevel row: 'ORR: τ² = 0.4470 between studies (3 studies) +
    0.1451 within studies (4 rows), the variance components of the multilevel model'."""
    parts = _components(row)
    if parts is None or row.result is None:
        return None
    texts = variance_component_texts(row.result)
    return f"{row.outcome}: τ² is the sum of the variance components: " + "; ".join(texts)


def method_text(row: Any) -> str:
    if row.method is None:
        return DASH
    if row.measure == "MED" or row.method == "GLMM":
        return row.method
    return f"{row.method}, {'HKSJ' if row.ci_method == 'hksj' else 'Wald'}"


def model_text(row: SummaryRow) -> str:
    """The Model column: 'Random effects (REML)', 'Multilevel random effects (REML)' ..."""
    return DASH if row.result is None else model_label(row.result)


def has_model_column(table: SummaryTable) -> bool:
    """A Model column (and a common-effect line under an outcome) with --also or
    --model multilevel; the table is as before otherwise."""
    return table.settings.also is not None or table.settings.model == "multilevel"


def headers(level: float, *, certainty: bool = False, model: bool = False) -> list[str]:
    pct = level_text(level)
    grade = ["Certainty (GRADE)"] if certainty else []
    return [
        "Outcome",
        "Measure",
        *(["Model"] if model else []),
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
        note = variance_note(row)
        if note is not None:
            items.insert(0, note)
        mine = []
        for text in items:
            if text not in texts:
                texts[text] = len(texts) + 1
            mine.append(texts[text])
        marks.append(mine)
    return marks, list(texts)


def _cells(
    row: SummaryRow,
    marks: list[int],
    certainty: dict[str, str] | None = None,
    *,
    model: bool = False,
) -> list[list[str]]:
    """The table lines of one outcome: one, or with a common-effect result beside the
    random-effects one (``--also``) two, the common-effect line first (as R meta and
    RevMan print them, and as synth pool and the forest plot show them)."""
    grade = [certainty.get(row.outcome, DASH)] if certainty else []
    main = [
        row.outcome,
        measure_text(row),
        *([model_text(row)] if model else []),
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
    common = row.common if model else None
    if common is None:
        return [main]
    first = [
        *main[:2],
        model_label(common),
        *main[3:5],
        estimate_text(common),
        interval_text(common.measure, common.pi_low, common.pi_high),
        DASH if common.heterogeneity.I2 is None else f"{common.heterogeneity.I2:.1f}%",
        DASH,
        method_text(common),
        *main[10:],
    ]
    second = ["", "", main[2], "", "", *main[5:10], *([""] * len(grade)), ""]
    return [first, second]


#: Which columns are numbers (right-aligned in HTML), by header.
_NUMERIC_HEADERS = {"k", "Participants", "I²", "τ²"}


def _numeric(head: str) -> bool:
    return head in _NUMERIC_HEADERS or head.startswith("Estimate [") or head.endswith(" PI")


def caption(table: SummaryTable) -> str:
    s = table.settings
    method = s.method or "REML (medians: WM)"
    ci = "Hartung-Knapp-Sidik-Jonkman" if s.ci_method == "hksj" else "Wald"
    model = "random effects"
    if s.model == "multilevel":
        model = f"multilevel random effects (rows nested in {s.cluster})"
    also = ""
    if s.also is not None:
        also = (
            f"; beside it the common-effect model ({COMMON_MODEL_NAMES.get(s.also, s.also)}, "
            "Wald z CI) where it applies"
        )
    return (
        f"Summary of findings: {len(table.rows)} outcome(s) from {s.records} record(s); "
        f"{model}, {method}; {ci} {level_text(s.level)} CI{also}; PI = prediction interval. "
        "Proportions as 0-1, ratios as ratios, medians in months."
    )


def markdown_text(table: SummaryTable) -> str:
    """A pipe table with numbered notes below it (pastes into GitHub, Pandoc, most editors)."""
    marks, notes = _footnotes(table)
    model = has_model_column(table)
    rows = [
        line
        for row, m in zip(table.rows, marks, strict=True)
        for line in _cells(row, m, table.certainty, model=model)
    ]
    heads = headers(table.settings.level, certainty=bool(table.certainty), model=model)
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
        grade = list(table.certainty_fields(r.outcome).values()) if table.certainty else []
        rows.append([d[name] for name in ROW_FIELDS] + grade + r.extra_csv(table.settings))
    names = (*ROW_FIELDS, *(("certainty", "certainty_measure") if table.certainty else ()))
    return csv_text((*names, *extra_csv_fields(table.settings)), rows)


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
table.sof tr.beside td { border-top-style: dotted; }
"""


def html_fragment(table: SummaryTable, *, note_prefix: str = "sof-note") -> str:
    """The table as an HTML ``<table>`` with its notes as an ordered list (no document)."""
    marks, notes = _footnotes(table)
    e = html.escape
    model = has_model_column(table)
    heads = headers(table.settings.level, certainty=bool(table.certainty), model=model)
    out = [f'<p class="caption">{e(caption(table))}</p>', '<table class="sof">', "<thead><tr>"]
    out += [f"<th>{e(h)}</th>" for h in heads]
    out.append("</tr></thead>")
    out.append("<tbody>")
    for row, m in zip(table.rows, marks, strict=True):
        for j, cells in enumerate(_cells(row, m, table.certainty, model=model)):
            cells_html = [
                f'<td class="num">{e(c)}</td>' if _numeric(h) else f"<td>{e(c)}</td>"
                for c, h in zip(cells[:-1], heads[:-1], strict=True)
            ]
            links = ", ".join(f'<a href="#{note_prefix}-{i}">{i}</a>' for i in m) if j == 0 else ""
            cells_html.append(f"<td>{links}</td>")
            classes = [c for c in ("" if row.pooled else "not-pooled", "beside" if j else "") if c]
            cls = f' class="{" ".join(classes)}"' if classes else ""
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
