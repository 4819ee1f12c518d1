"""The report reads well (issue 10, item 22).

The Record column breaks ``FILE:LINE`` only after a slash (``<wbr>``), never inside a
name or a number; the forest plots are shown large enough that their smallest text
(axis, footer) is at least 11 CSS px at a 1,280 px window, scrolling sideways rather
than shrinking; heterogeneity is said once, in one row.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from synthesis.analyses.summary import summarize
from synthesis.plots.forest import SMALL_SIZE
from synthesis.records.review import load_review
from synthesis.render.report import CSS, PLOT_TEXT_PX, plot_scale, report_html, source_html

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")


@pytest.fixture(scope="module")
def html() -> str:
    review = load_review(STUDIES)
    return report_html(summarize(review), review=review)


def test_file_line_breaks_after_slashes_only(html: str) -> None:
    assert source_html("studies/sub dir/yoon2025-ankl.yaml", 27) == (
        "<span>studies/</span><wbr><span>sub dir/</span><wbr><span>yoon2025-ankl.yaml:27</span>"
    )
    assert "break-all" not in CSS
    assert re.search(r"td\.src span \{ white-space: nowrap; \}", CSS)
    cells = re.findall(r'<td class="src">(.*?)</td>', html)
    assert len(cells) == 13
    for cell in cells:
        pieces = re.findall(r"<span>(.*?)</span>", cell)
        assert cell == "<wbr>".join(f"<span>{p}</span>" for p in pieces)
        assert all("/" not in p[:-1] for p in pieces)  # a slash only at a piece's end
        assert re.fullmatch(r"[^/]+\.yaml:\d+", unescape(pieces[-1]))


def test_plots_are_shown_with_text_of_at_least_11_px(html: str) -> None:
    assert PLOT_TEXT_PX >= 11 and plot_scale() == PLOT_TEXT_PX / SMALL_SIZE
    pattern = r'<svg [^>]*width="(\d+)" height="(\d+)" viewBox="0 0 ([\d.]+) ([\d.]+)"'
    sizes = re.findall(pattern, html)
    assert len(sizes) == 8
    for w, h, vw, vh in sizes:
        # 1 viewBox unit = 1 pt of the plot; its small text is SMALL_SIZE pt
        assert SMALL_SIZE * int(w) / float(vw) >= 11.0
        assert int(h) == round(float(vh) * plot_scale())
    screen = CSS.split("@media print", 1)[0]
    assert "figure.forest { margin: 0.8em 0; overflow-x: auto; }" in screen
    assert "figure.forest svg { display: block; max-width: none; }" in screen  # no shrinking


def test_heterogeneity_is_said_once(html: str) -> None:
    orr = next(s for s in html.split("<section") if "<h2>6. ORR</h2>" in s)
    numbers = orr.split('<table class="numbers">', 1)[1].split("</table>", 1)[0]
    heads = re.findall(r"<th>(.*?)</th>", numbers)
    assert heads.count("Heterogeneity") == 1
    assert not [h for h in heads if "I²" in h or "τ²" in h]
    row = unescape(re.search(r"<th>Heterogeneity</th><td>(.*?)</td>", numbers).group(1))
    assert row == (
        "τ² = 0.5904 [0.0267, 19.9798]; I² = 77.0%; H² = 4.36; Q = 10.82 (df = 3, p = 0.0127)"
    )
    assert unescape(numbers).count("77.0%") == 1
