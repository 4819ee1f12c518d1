"""The GRADE summary-of-findings table: one layout, rendered as md, csv, html (and docx).

:func:`sof_table` builds the rows and footnotes once from :class:`GradeResult` values;
every renderer prints that same table, so the reasons read the same in every format.
Columns follow the GRADE summary-of-findings layout (Guyatt GH et al. GRADE guidelines
12: preparing summary of findings tables - binary outcomes. J Clin Epidemiol
2013;66:158-172): outcome, participants (studies), certainty with ⊕ symbols and
footnotes giving the reasons, relative effect (95% CI), and the anticipated absolute
effects per 1,000 (risk with the control, risk with the intervention, difference).
Every interval label follows the results' confidence level (``--level 0.9``: "90% CI").
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from synthesis.analyses.grade import DOMAINS, LABELS, UPGRADES, GradeResult
from synthesis.measures import PROPORTION_MEASURES


def _ci_label(level: float) -> str:
    """'95% CI' for 0.95, '90% CI' for 0.9."""
    return f"{100 * level:g}% CI"


def columns(level: float = 0.95) -> tuple[str, ...]:
    """The table's column headers, the intervals labelled at ``level``."""
    ci = _ci_label(level)
    return (
        "Outcome",
        "Participants (studies)",
        "Certainty of the evidence (GRADE)",
        f"Relative effect ({ci})",
        "Risk with control",
        f"Risk with intervention ({ci})",
        f"Risk difference ({ci})",
    )


COLUMNS: tuple[str, ...] = columns()  # at the default 95%
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "High certainty",
        "we are very confident that the true effect lies close to that of the estimate of "
        "the effect.",
    ),
    (
        "Moderate certainty",
        "we are moderately confident in the effect estimate: the true effect is likely to be "
        "close to the estimate of the effect, but there is a possibility that it is "
        "substantially different.",
    ),
    (
        "Low certainty",
        "our confidence in the effect estimate is limited: the true effect may be "
        "substantially different from the estimate of the effect.",
    ),
    (
        "Very low certainty",
        "we have very little confidence in the effect estimate: the true effect is likely to "
        "be substantially different from the estimate of effect.",
    ),
)


def absolute_note(level: float = 0.95) -> str:
    """The note under the table on how the absolute effects are computed."""
    ci = _ci_label(level)
    return (
        f"Risks are per 1,000. The risk with the intervention (and its {ci}) is based on the "
        f"assumed risk with the control and the relative effect (and its {ci})."
    )


def proportion_note(level: float = 0.95) -> str:
    """The note under a table with no control risk (single-group proportions): the
    risk with the intervention is the pooled proportion, not one derived from a
    relative effect (QA2 7)."""
    return (
        f"Risks are per 1,000. No row has a risk with the control: the risk with the "
        f"intervention (and its {_ci_label(level)}), where shown, is the pooled proportion "
        "itself."
    )


ABSOLUTE_NOTE = absolute_note()  # at the default 95%
DASH = "\u2014"


@dataclass(frozen=True)
class SofRow:
    outcome: str
    participants: str
    certainty: str  # "low"
    symbols: str  # ⊕⊕◯◯
    certainty_marks: tuple[str, ...]
    relative: str
    control: str
    control_marks: tuple[str, ...]
    intervention: str
    difference: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.outcome,
            self.participants,
            f"{self.symbols} {self.certainty.upper()}",
            self.relative,
            self.control,
            self.intervention,
            self.difference,
        )


@dataclass(frozen=True)
class SofTable:
    title: str
    columns: tuple[str, ...]
    rows: tuple[SofRow, ...]
    footnotes: tuple[tuple[str, str], ...]  # (mark, text)
    results: tuple[GradeResult, ...]
    level: float = 0.95  # the confidence level of every interval in the table

    @property
    def absolute_note(self) -> str:
        if self.rows and all(row.control == DASH for row in self.rows):
            return proportion_note(self.level)
        return absolute_note(self.level)

    def footnote(self, mark: str) -> str:
        return dict(self.footnotes)[mark]


def _mark(n: int) -> str:
    """a, b, ..., z, aa, ab, ..."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def _f(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:.2f}"


def _per1000(x: int) -> str:
    return f"{x:,}"


def _more(x: int) -> str:
    if x == 0:
        return "0 more"
    return f"{abs(x):,} more" if x > 0 else f"{abs(x):,} fewer"


def _level_text(n: int, up: bool = False) -> str:
    verb = "rated up" if up else "rated down"
    return {0: "not rated down" if not up else "not rated up", 1: f"{verb} one level",
            2: f"{verb} two levels"}[n]  # fmt: skip


def footnote_texts(result: GradeResult) -> list[tuple[str, str]]:
    """(column, text) of every reason the table must show for ``result``.

    Shown: every domain or upgrade that changes the certainty, every reviewer
    judgement, every part that was not assessed, an unclear or reviewer-set start.
    """
    out: list[tuple[str, str]] = []
    if result.design == "unclear" or result.start_by == "reviewer":
        who = " (reviewer)" if result.start_by == "reviewer" else ""
        out.append(("certainty", f"Starts at {result.start}{who}: {result.start_reason}"))
    for name in DOMAINS:
        d = result.domains[name]
        if not d.assessed and d.by == "synth":
            out.append(("certainty", f"{LABELS[name]}: {d.reason}"))
        elif d.downgrade > 0 or d.by == "reviewer":
            out.append(
                ("certainty", f"{LABELS[name]}, {_level_text(d.downgrade)} ({d.by}): {d.reason}")
            )
    for name in UPGRADES:
        u = result.upgrades[name]
        if u.upgrade > 0 or u.by == "reviewer":
            out.append(
                (
                    "certainty",
                    f"{LABELS[name]}, {_level_text(u.upgrade, up=True)} ({u.by}): {u.reason}",
                )
            )
    if result.absolute is not None:
        a = result.absolute
        source = result.control_risk_source or "given"
        out.append(
            (
                "control",
                f"Assumed risk with the control: {a.control} per 1,000 "
                f"({a.control_risk:.3g}), {source}",
            )
        )
    return out


def _row(result: GradeResult, marks_of: dict[str, str], notes: list[tuple[str, str]]) -> SofRow:
    cert: list[str] = []
    ctrl: list[str] = []
    for column, text in footnote_texts(result):
        if text not in marks_of:
            marks_of[text] = _mark(len(marks_of))
            notes.append((marks_of[text], text))
        (cert if column == "certainty" else ctrl).append(marks_of[text])
    studies = result.studies
    n = "not reported" if result.participants is None else f"{result.participants:,}"
    participants = f"{n} ({studies} {'study' if studies == 1 else 'studies'})"
    if result.k != studies:
        participants = f"{n} ({studies} {'study' if studies == 1 else 'studies'}, k = {result.k})"
    measure = result.measure or ""
    control = intervention = difference = DASH
    if result.estimate is None:
        relative = DASH
    elif measure in PROPORTION_MEASURES:
        relative = DASH
        est = round(1000 * result.estimate)
        ci = (
            f" ({round(1000 * result.ci_low):,} to {round(1000 * result.ci_high):,})"
            if result.ci_low is not None and result.ci_high is not None
            else ""
        )
        intervention = f"{est:,} per 1,000{ci}"
    elif measure == "MED":  # a single-group median: what the intervention group had
        relative = DASH
        ci = (
            f" ({result.ci_low:.1f} to {result.ci_high:.1f})"
            if result.ci_low is not None and result.ci_high is not None
            else ""
        )
        intervention = f"median {result.estimate:.1f} months{ci}"
    else:
        name = measure  # the code itself (RR, OR, HR, MD ...) heads the column
        ci = (
            f" ({_f(result.ci_low)} to {_f(result.ci_high)})"
            if result.ci_low is not None and result.ci_high is not None
            else ""
        )
        relative = f"{name} {_f(result.estimate)}{ci}".strip()
    a = result.absolute
    if a is not None:
        control = f"{_per1000(a.control)} per 1,000"
        ci_i = (
            f" ({_per1000(a.intervention_ci_low)} to {_per1000(a.intervention_ci_high)})"
            if a.intervention_ci_low is not None and a.intervention_ci_high is not None
            else ""
        )
        intervention = f"{_per1000(a.intervention)} per 1,000{ci_i}"
        ci_d = (
            f" ({_more(a.ci_low)} to {_more(a.ci_high)})"
            if a.ci_low is not None and a.ci_high is not None
            else ""
        )
        difference = f"{_more(a.difference)} per 1,000{ci_d}"
    return SofRow(
        outcome=result.outcome or "(outcome)",
        participants=participants,
        certainty=result.certainty,
        symbols=result.symbols,
        certainty_marks=tuple(dict.fromkeys(cert)),
        relative=relative,
        control=control,
        control_marks=tuple(dict.fromkeys(ctrl)),
        intervention=intervention,
        difference=difference,
    )


def sof_table(results: Sequence[GradeResult], *, title: str = "Summary of findings") -> SofTable:
    """The summary-of-findings table of ``results`` (one row per outcome)."""
    marks_of: dict[str, str] = {}
    notes: list[tuple[str, str]] = []
    rows = tuple(_row(r, marks_of, notes) for r in results)
    levels = list(dict.fromkeys(r.level for r in results))
    if len(levels) > 1:
        raise ValueError(f"one table, one confidence level: got {levels}")
    level = levels[0] if levels else 0.95
    return SofTable(title, columns(level), rows, tuple(notes), tuple(results), level)


# ---------------------------------------------------------------------------
# Markdown


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(results: Sequence[GradeResult], *, title: str = "Summary of findings") -> str:
    table = sof_table(results, title=title)
    lines = [f"### {table.title}", ""]
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    for row in table.rows:
        cells = [_md_cell(c) for c in row.cells()]
        if row.certainty_marks:
            cells[2] += f"<sup>{','.join(row.certainty_marks)}</sup>"
        if row.control_marks:
            cells[4] += f"<sup>{','.join(row.control_marks)}</sup>"
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for mark, text in table.footnotes:
        lines.append(f"- <sup>{mark}</sup> {_md_cell(text)}")
    if table.footnotes:
        lines.append("")
    lines.append(table.absolute_note)
    lines.append("")
    lines.append("GRADE Working Group grades of evidence:")
    lines.append("")
    for name, text in DEFINITIONS:
        lines.append(f"- **{name}**: {text}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# CSV: one row per outcome, the reasons in full


CSV_COLUMNS: tuple[str, ...] = (
    "outcome",
    "participants",
    "studies",
    "k",
    "design",
    "start",
    "certainty",
    "certainty_symbols",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "relative_effect",
    "control_per_1000",
    "intervention_per_1000",
    "difference_per_1000",
    *(f"{d}_downgrade" for d in DOMAINS),
    *(f"{u}_upgrade" for u in UPGRADES),
    "footnotes",
)


def render_csv(results: Sequence[GradeResult], *, title: str = "Summary of findings") -> str:
    table = sof_table(results, title=title)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    notes = dict(table.footnotes)
    for row, r in zip(table.rows, table.results, strict=True):
        marks = [*row.certainty_marks, *row.control_marks]
        writer.writerow(
            [
                row.outcome,
                "" if r.participants is None else r.participants,
                r.studies,
                r.k,
                r.design,
                r.start,
                r.certainty,
                r.symbols,
                r.measure or "",
                "" if r.estimate is None else repr(float(r.estimate)),
                "" if r.ci_low is None else repr(float(r.ci_low)),
                "" if r.ci_high is None else repr(float(r.ci_high)),
                row.relative,
                row.control,
                row.intervention,
                row.difference,
                *(r.domains[d].downgrade for d in DOMAINS),
                *(r.upgrades[u].upgrade for u in UPGRADES),
                " | ".join(f"{m}: {notes[m]}" for m in marks),
            ]
        )
    return buf.getvalue()


# ---------------------------------------------------------------------------
# HTML


HTML_STYLE = """
table.grade-sof { border-collapse: collapse; font-family: sans-serif; font-size: 0.9em; }
table.grade-sof th, table.grade-sof td { border: 1px solid #999; padding: 4px 6px;
  vertical-align: top; text-align: left; }
table.grade-sof th { background: #e8e8e8; }
td.certainty { white-space: nowrap; }
.grade-footnotes { font-size: 0.85em; }
"""


def render_html(
    results: Sequence[GradeResult],
    *,
    title: str = "Summary of findings",
    standalone: bool = True,
) -> str:
    table = sof_table(results, title=title)
    e = html.escape
    out = [f"<h3>{e(table.title)}</h3>", '<table class="grade-sof">', "<thead><tr>"]
    out += [f"<th>{e(c)}</th>" for c in table.columns]
    out.append("</tr></thead>")
    out.append("<tbody>")
    for row in table.rows:
        cells = [e(c) for c in row.cells()]
        if row.certainty_marks:
            cells[2] += f"<sup>{e(','.join(row.certainty_marks))}</sup>"
        if row.control_marks:
            cells[4] += f"<sup>{e(','.join(row.control_marks))}</sup>"
        tds = "".join(
            f'<td class="certainty">{c}</td>' if i == 2 else f"<td>{c}</td>"
            for i, c in enumerate(cells)
        )
        out.append(f"<tr>{tds}</tr>")
    out.append("</tbody></table>")
    out.append('<div class="grade-footnotes">')
    for mark, text in table.footnotes:
        out.append(f"<p><sup>{e(mark)}</sup> {e(text)}</p>")
    out.append(f"<p>{e(table.absolute_note)}</p>")
    out.append("<p><b>GRADE Working Group grades of evidence</b></p><ul>")
    for name, text in DEFINITIONS:
        out.append(f"<li><b>{e(name)}</b>: {e(text)}</li>")
    out.append("</ul></div>")
    body = "\n".join(out)
    if not standalone:
        return body + "\n"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(table.title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def render_json(results: Sequence[GradeResult]) -> str:
    """``{"outcomes": [...]}``, the contract's JSON."""
    return (
        json.dumps({"outcomes": [r.to_dict() for r in results]}, indent=2, ensure_ascii=False)
        + "\n"
    )


FORMATS: tuple[str, ...] = ("md", "csv", "html", "json", "docx")


def render(
    results: Sequence[GradeResult], *, fmt: str, title: str = "Summary of findings"
) -> str | bytes:
    """The table in ``fmt`` (md, csv, html, json: text; docx: bytes)."""
    if fmt == "md":
        return render_md(results, title=title)
    if fmt == "csv":
        return render_csv(results, title=title)
    if fmt == "html":
        return render_html(results, title=title)
    if fmt == "json":
        return render_json(results)
    if fmt == "docx":
        return sof_docx(results, title=title)
    raise ValueError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")


# ---------------------------------------------------------------------------
# Word (.docx): the same rows and footnotes, as an editable document (python-docx,
# imported inside the function)

HEADER_FILL = "E8E8E8"
SYMBOL_FONT = "Segoe UI Symbol"  # has ⊕ and ◯; Word substitutes a font that has them


def sof_docx(
    results: Sequence[GradeResult],
    *,
    title: str = "Summary of findings",
    path: str | Path | None = None,
) -> bytes:
    """The table as .docx bytes (also written to ``path`` when given)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table_data = sof_table(results, title=title)
    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.author = "synth"
    section = doc.sections[0]
    if section.orientation != WD_ORIENT.LANDSCAPE:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    style = doc.styles["Normal"]
    style.font.size = Pt(9)

    doc.add_heading(table_data.title, level=1)
    table = doc.add_table(rows=1, cols=len(table_data.columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, table_data.columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), HEADER_FILL)
        cell._tc.get_or_add_tcPr().append(shading)
    # Repeat the header row on every page.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)

    for row in table_data.rows:
        cells = table.add_row().cells
        values = row.cells()
        for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
            para = cell.paragraphs[0]
            if i == 2:
                sym = para.add_run(row.symbols)
                sym.font.name = SYMBOL_FONT
                para.add_run(" " + row.certainty.upper())
                if row.certainty_marks:
                    mark = para.add_run(",".join(row.certainty_marks))
                    mark.font.superscript = True
            else:
                para.add_run(text)
                if i == 4 and row.control_marks:
                    mark = para.add_run(",".join(row.control_marks))
                    mark.font.superscript = True

    doc.add_paragraph()
    for mark, text in table_data.footnotes:
        para = doc.add_paragraph()
        sup = para.add_run(mark)
        sup.font.superscript = True
        para.add_run(" " + text)
    doc.add_paragraph(table_data.absolute_note)
    heading = doc.add_paragraph()
    heading.add_run("GRADE Working Group grades of evidence").bold = True
    for name, text in DEFINITIONS:
        para = doc.add_paragraph(style="List Bullet")
        para.add_run(name).bold = True
        para.add_run(": " + text)

    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
