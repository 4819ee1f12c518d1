"""A PNG forest plot has a size limit, checked before drawing (issue 10, item 18).

2,000 studies at 200 dpi used to take 68 s and 2.1 GB for an 84,550 px tall PNG. Now a
PNG may have at most MAX_PNG_SIDE px per side and MAX_PNG_PIXELS in all; beyond, one
error line says the limit and suggests SVG/PDF (no limit) or --where (and a lower --dpi).
The time per row is measured in bench/bench_scale.py, not here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

import synthesis.plots.forest as forest
from synthesis.analyses.pool import pool
from synthesis.errors import SynthError
from synthesis.plots.forest import MAX_PNG_PIXELS, MAX_PNG_SIDE, forest_image
from synthesis.records.review import load_review
from tests.synthetic import write_review

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def many():
    """The bundled ORR analysis with its four rows repeated to 2,000 studies."""
    result = pool(load_review(str(ROOT / "studies")), outcome="ORR")
    rows = tuple(replace(s, id=f"{s.id}-{i}", listed=i) for i in range(500) for s in result.studies)
    return replace(result, studies=rows, k=len(rows))


def test_a_png_too_tall_is_refused_before_drawing(many, monkeypatch) -> None:
    monkeypatch.setattr(forest, "_draw", lambda *a: pytest.fail("drew the figure"))
    with pytest.raises(SynthError) as info:
        forest_image(many, fmt="png")
    assert str(info.value) == (
        "a forest plot of 2,000 studies would be 84,550 px tall as PNG at 200 dpi; a PNG may "
        "have at most 32,768 px per side and 50 megapixels (at most about 770 rows at 200 "
        "dpi): write .svg or .pdf instead (any size), or select fewer studies with "
        "--where TAG=VALUE"
    )
    assert (MAX_PNG_SIDE, MAX_PNG_PIXELS) == (32_768, 50_000_000)


def test_svg_has_no_limit_and_its_height_is_linear_in_rows(many) -> None:
    layout = forest.forest_layout(many)
    heights = [forest._heights(replace(layout, rows=layout.rows[:n]))[-1] for n in (10, 20, 40)]
    assert heights[2] - heights[1] == pytest.approx(2 * (heights[1] - heights[0]))
    assert heights[1] - heights[0] == pytest.approx(10 * forest.ROW_HEIGHT)


def test_the_cli_says_so_with_exit_2(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    write_review(studies, k=60)
    out = tmp_path / "os.png"
    result = CliRunner().invoke(
        main,
        ["forest", "--outcome", "OS", "--measure", "HR", "--dpi", "1200", "-o", str(out),
         "--studies", str(studies)],
    )  # fmt: skip
    assert result.exit_code == 2
    (line,) = [x for x in result.stderr.splitlines() if "PNG" in x]
    assert line.startswith("synth: error: a forest plot of 60 studies would be ")
    assert line.endswith("or select fewer studies with --where TAG=VALUE, or lower --dpi")
    assert "at 1200 dpi" in line and "50 megapixels" in line
    assert not out.exists()
    svg = tmp_path / "os.svg"
    result = CliRunner().invoke(
        main,
        ["forest", "--outcome", "OS", "--measure", "HR", "-o", str(svg), "--studies",
         str(studies)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
