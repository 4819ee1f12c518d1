"""The GRADE summary-of-findings table as a Word document (python-docx).

The same rows and footnotes as :mod:`synthesis.grade_render` (one layout for every
format), written as a real, editable .docx: a landscape page, a table in the "Table
Grid" style with a shaded header row, the certainty as ⊕ symbols with the footnote
marks in superscript, then the footnotes, the note on absolute effects and the GRADE
definitions.  python-docx is imported inside the function.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from synthesis.grade import GradeResult
from synthesis.grade_render import ABSOLUTE_NOTE, DEFINITIONS, sof_table

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
    doc.add_paragraph(ABSOLUTE_NOTE)
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
