"""`synth report`: one self-contained HTML file; parsed, checked, and rendered in headless Chromium.

The Chromium tests need Debian's ``chromium`` package (``apt-get install -y chromium``);
without it they fail (CI installs it), they do not skip.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.analyses.summary import summarize, synth_version
from synthesis.records.review import load_review
from synthesis.render.report import build_report, inline_svg, source_html
from tests.synthetic import write_review

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
CHROMIUM = "/usr/bin/chromium"
VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr", "source"}


def run(*args: str, studies: str = STUDIES) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--studies", studies])
    return result.exit_code, result.stdout, result.stderr


class Tree(HTMLParser):
    """Checks that every element is closed in order; collects what the tests look at."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.outcome_sections: list[dict[str, int | str]] = []  # id, svgs, study rows
        self.h2 = 0
        self.table_class: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "h2":
            self.h2 += 1
        if tag == "section" and a.get("class") == "outcome":
            self.outcome_sections.append({"id": a.get("id") or "", "svgs": 0, "rows": 0})
        if self.outcome_sections and "section" in self.stack:
            current = self.outcome_sections[-1]
            if tag == "svg" and "svg" not in self.stack:
                current["svgs"] = int(current["svgs"]) + 1
            if tag == "tr" and self.table_class == "studies":
                current["rows"] = int(current["rows"]) + 1
        if tag == "table":
            self.table_class = a.get("class")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))  # <path ... /> inside SVG

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()


def parse(text: str) -> Tree:
    tree = Tree()
    tree.feed(text)
    tree.close()
    assert tree.errors == []
    assert tree.stack == []
    return tree


def sections(text: str) -> list[str]:
    return text.split('<section class="outcome"')[1:]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("report") / "report.html"
    code, out, err = run("report", "-o", str(path))
    assert code == 0, err
    return path, out


@pytest.fixture(scope="module")
def review60(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("review60") / "studies"
    write_review(folder, k=60)
    return str(folder)


# ---------------------------------------------------------------------------
# Content


def test_one_section_per_pooled_outcome_each_with_an_inline_svg(
    bundled: tuple[Path, str],
) -> None:
    path, out = bundled
    text = path.read_text(encoding="utf-8")
    size = len(text.encode("utf-8"))
    assert out == f"wrote {path} (8 outcomes pooled, 0 not poolable, {round(size / 1000)} kB)\n"
    tree = parse(text)
    table = summarize(studies=STUDIES)
    assert len(tree.outcome_sections) == len(table.pooled) == 8
    for i, (sec, row) in enumerate(zip(tree.outcome_sections, table.pooled, strict=True), 1):
        assert sec["id"] == f"outcome-{i}"
        assert sec["svgs"] == 1, row.outcome
        assert row.result is not None
        assert sec["rows"] == 1 + row.result.k + 1  # header, studies, pooled
    for body, row in zip(sections(text), table.pooled, strict=True):
        assert f"<h2>{sections(text).index(body) + 1}. {escape(row.outcome)}</h2>" in body
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text
    # Summary of findings first, settings last.
    assert text.index('id="summary"') < text.index('class="outcome"') < text.index('id="settings"')


def test_nothing_is_fetched_and_nothing_runs(bundled: tuple[Path, str]) -> None:
    text = bundled[0].read_text(encoding="utf-8")
    tree = parse(text)
    names = {tag for tag, _ in tree.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "base"}
    assert "<script" not in text.lower()
    for tag, attrs in tree.tags:
        for key, value in attrs.items():
            if key in ("src", "href", "xlink:href", "data", "poster", "action"):
                assert value is not None and value.startswith("#"), (tag, key, value)
            assert not key.startswith("on"), (tag, key)  # no event handlers
    assert "@import" not in text
    assert not re.search(r"url\(\s*['\"]?(?!#)", text)  # only url(#clip) references
    assert "@font-face" not in text


def test_ids_are_unique_and_svg_references_resolve(bundled: tuple[Path, str]) -> None:
    text = bundled[0].read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)) > 8
    refs = set(re.findall(r'href="#([^"]+)"', text)) | set(re.findall(r"url\(#([^)]+)\)", text))
    assert refs <= set(ids)


def test_every_pooled_quote_and_source_appears_escaped(bundled: tuple[Path, str]) -> None:
    text = bundled[0].read_text(encoding="utf-8")
    review = load_review(STUDIES)
    table = summarize(review)
    places = {(e.file, e.line): e for e in review.entries}
    used = 0
    for body, row in zip(sections(text), table.pooled, strict=True):
        assert row.result is not None
        for s in row.result.studies:
            entry = places[(s.file, s.line)]
            assert entry.quote, (s.file, s.line)
            assert f"“{escape(entry.quote)}”" in body
            # FILE:LINE may break after a slash only
            assert source_html(s.file, s.line) in body
            assert re.sub(r"<[^>]+>", "", source_html(s.file, s.line)) == escape(
                f"{s.file}:{s.line}"
            )
            if entry.note:
                assert escape(entry.note) in body
            used += 1
        for w in row.warnings:
            assert f"<li>{escape(w)}</li>" in body
    # 13 of the 14 entries are pooled (OS's one HR gives way to the two medians).
    assert used == 13 == len(review.entries) - 1
    assert escape("64% of 132 could be 84/132 or 85/132") in text


def test_pooled_numbers_and_heterogeneity(bundled: tuple[Path, str]) -> None:
    text = bundled[0].read_text(encoding="utf-8")
    orr = next(b for b in sections(text) if "<h2>6. ORR</h2>" in b)
    assert "<th>Pooled estimate</th><td>0.518 [0.300, 0.730]  (95% CI)</td>" in orr
    assert "<th>95% prediction interval</th><td>[0.156, 0.863]</td>" in orr
    # a pooled proportion has no test unless a null value is stated (synth pool --null)
    assert "Test of overall effect" not in orr
    assert "I² = 77.0%" in orr and "Q = 10.82 (df = 3, p = 0.0127)" in orr
    assert "<th>Participants</th><td>182</td>" in orr
    os_ = next(b for b in sections(text) if "<h2>7. OS</h2>" in b)
    assert "<th>Pooled estimate</th><td>11.0 mo [1.6, 11.0]  (95% CI)</td>" in os_


def test_settings_at_the_bottom(bundled: tuple[Path, str]) -> None:
    text = bundled[0].read_text(encoding="utf-8")
    settings = text[text.index('<section id="settings">') :]
    for expected in (
        "<dt>Method</dt>",
        "<dt>CI method</dt><dd>Wald z (medians: sign-test)</dd>",
        "<dt>Level</dt><dd>95%</dd>",
        f"<dt>Studies folder</dt><dd>{escape(STUDIES)}</dd>",
        "<dt>Records</dt><dd>5 study records, 14 outcome entries</dd>",
        f"<dt>synth version</dt><dd>{synth_version()}</dd>",
        "<dt>Outcome ORR</dt><dd>PLO (logit proportion), REML (restricted maximum likelihood)",
        "<dt>Outcome OS</dt><dd>MED (median (months)), WM (weighted median of medians)",
        "doi:10.1007/s44313-025-00104-3",
    ):
        assert expected in settings, expected
    assert settings.rstrip().endswith("</section>\n</body>\n</html>")


def test_options_reach_the_report() -> None:
    text = build_report(studies=STUDIES, method="DL", ci="hksj", level=0.9, title="A & B <review>")
    assert "<title>A &amp; B &lt;review&gt;</title>" in text
    assert "<h1>A &amp; B &lt;review&gt;</h1>" in text
    assert "<dt>Method</dt><dd>DL</dd>" in text
    assert "Hartung-Knapp-Sidik-Jonkman" in text and "<dt>Level</dt><dd>90%</dd>" in text
    assert "Estimate [90% CI]" in text
    assert escape("--method DL does not apply to MED; used WM (one of WM, MM)") in text


def test_print_css_breaks_pages_between_outcomes(bundled: tuple[Path, str]) -> None:
    text = bundled[0].read_text(encoding="utf-8")
    css = text[text.index("<style>") : text.index("</style>")]
    media = css[css.index("@media print") :]
    rule = re.search(r"section\.outcome \{([^}]*)\}", media)
    assert rule is not None
    assert "break-before: page" in rule.group(1)
    assert "page-break-before: always" in rule.group(1)


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("mine", encoding="utf-8")
    code, out, err = run("report", "-o", str(path))
    assert (code, out) == (2, "")
    assert err == f"synth: error: {path}: already exists; use --force to overwrite it\n"
    assert path.read_text(encoding="utf-8") == "mine"
    code, out, _ = run("report", "-o", str(path), "--force")
    assert code == 0
    assert out.startswith(f"wrote {path} (8 outcomes pooled, 0 not poolable, ")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_output_is_required_and_folder_must_exist(tmp_path: Path) -> None:
    code, _, err = run("report")
    assert code == 2 and "Missing option '-o' / '--output'" in err
    missing = tmp_path / "nowhere" / "r.html"
    code, _, err = run("report", "-o", str(missing))
    assert (code, err) == (
        2,
        f"synth: error: cannot write {missing}: folder {missing.parent} does not exist; "
        f"create it first (mkdir -p {missing.parent}) or give another folder\n",
    )


def test_outcomes_that_cannot_be_pooled_are_listed_with_the_reason(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "id: alpha2020\ncitation: 'Alpha A. J Test. 2020'\nyear: 2020\nn: 40\noutcomes:\n"
        "  - name: ORR\n    events: 12\n    total: 40\n"
        "    quote: 'ORR was 30% (12/40) <with> & \"quotes\"'\n"
        "  - {name: OS, median: NR, n: 40}\n",
        encoding="utf-8",
    )
    (folder / "b.yaml").write_text(
        "id: beta2021\ncitation: 'Beta B. J Test. 2021'\nyear: 2021\nn: 50\noutcomes:\n"
        "  - {name: ORR, events: 20, total: 50}\n",
        encoding="utf-8",
    )
    out_file = tmp_path / "r.html"
    code, out, err = run("report", "-o", str(out_file), studies=str(folder))
    assert code == 0, err
    assert out.startswith(f"wrote {out_file} (1 outcome pooled, 1 not poolable, ")
    text = out_file.read_text(encoding="utf-8")
    tree = parse(text)
    assert len(tree.outcome_sections) == 1
    assert "<h2>Outcomes not pooled</h2>" in text
    assert "<li><strong>OS</strong>: nothing to pool: median not reached in alpha2020</li>" in text
    assert "“ORR was 30% (12/40) &lt;with&gt; &amp; &quot;quotes&quot;”" in text
    assert "<with>" not in text
    # The study without a quote shows a dash, not an empty cell.
    assert '<td class="quote">–</td>' in text


def test_review_of_60_studies(review60: str, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    code, out, err = run("report", "-o", str(path), studies=review60)
    assert code == 0, err
    assert out.startswith(f"wrote {path} (3 outcomes pooled, 0 not poolable, ")
    text = path.read_text(encoding="utf-8")
    tree = parse(text)
    # two plots per outcome: the forest plot and (k >= 10) the funnel plot
    assert [(s["svgs"], s["rows"]) for s in tree.outcome_sections] == [
        (2, 122),  # CR: 120 arms
        (2, 122),  # ORR
        (2, 62),  # OS: 60 HRs
    ]
    orr = sections(text)[1]
    for i in range(1, 61):
        assert f"syn{i:03d}.yaml:" in orr
    assert orr.count("“ORR ") == 120
    assert "<dt>Records</dt><dd>60 study records, 420 outcome entries</dd>" in text


def test_inline_svg_prefixes_ids_and_references() -> None:
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg"><defs><path id="g1" d="M0 0"/>'
        '<clipPath id="c1"><rect/></clipPath></defs>'
        '<use xlink:href="#g1"/><g clip-path="url(#c1)"/></svg>'
    )
    out = inline_svg(svg.encode(), prefix="f2")
    assert out.startswith("<svg ")
    assert 'id="f2-g1"' in out and 'xlink:href="#f2-g1"' in out
    assert 'id="f2-c1"' in out and "url(#f2-c1)" in out
    assert 'id="g1"' not in out


# ---------------------------------------------------------------------------
# Rendering in headless Chromium


def _chromium(*args: str, tmp: Path) -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("headless Chromium is needed to render the report: apt-get install -y chromium")
    binary = CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


def _svg_heights_px(text: str, content_width: float) -> list[float]:
    """The CSS heights of the inline SVGs (px; a wide plot scrolls rather than shrink)."""
    out = []
    for w, h in re.findall(r'<svg [^>]*width="([\d.]+)" height="([\d.]+)"', text):
        assert float(w) <= content_width  # the bundled plots fit at 1,200 px
        out.append(float(h))
    return out


def test_report_renders_in_chromium(bundled: tuple[Path, str], tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    path = bundled[0]
    text = path.read_text(encoding="utf-8")
    window = 32000
    png = tmp_path / "report.png"
    _chromium(
        "--hide-scrollbars",
        f"--window-size=1200,{window}",
        f"--screenshot={png}",
        path.resolve().as_uri(),
        tmp=tmp_path,
    )
    image = mpimg.imread(str(png))[:, :, :3]
    assert image.shape[:2] == (window, 1200)
    ink = (image < 0.9).any(axis=2)
    rows = np.flatnonzero(ink.any(axis=1))
    top, bottom = int(rows[0]), int(rows[-1])
    # Not blank: ink from near the top, in most 200-px bands, a sensible share of pixels.
    assert top < 100
    bands = [ink[y : y + 200].any() for y in range(0, bottom, 200)]
    assert sum(bands) >= 0.9 * len(bands)
    share = ink[: bottom + 1].mean()
    assert 0.02 < share < 0.5, share
    # The expected height: the eight plots, plus for each outcome its headings, numbers,
    # GRADE reasons, sensitivity tables and study table; the GRADE and risk-of-bias
    # sections on top and the settings below; and the whole page fits well inside the
    # window (so nothing was cut off).
    svgs = _svg_heights_px(text, content_width=1100)
    assert len(svgs) == 8
    assert sum(svgs) + 8 * 450 + 800 < bottom < sum(svgs) + 8 * 2500 + 6000
    assert bottom < window - 2000
    # One 2-px rule under each h2 (GRADE, the summary, risk of bias, 8 outcomes, the
    # settings), full width.
    dark = (image < 0.3).all(axis=2).sum(axis=1) > 1000
    starts = [y for y in np.flatnonzero(dark) if not dark[y - 1]]
    tree = parse(text)
    assert len(starts) == tree.h2 == 12
    # Each outcome's band holds its plot: as tall as the SVG, with ink in the plot's rows.
    for (y0, y1), height in zip(itertools.pairwise(starts[3:12]), svgs, strict=True):
        assert y1 - y0 > height + 300
        plot = ink[y0 + 40 : y0 + 40 + int(height)]
        assert plot.any(axis=1).mean() > 0.25  # a blank plot area gives about 0.06


def test_report_prints_one_outcome_per_page(bundled: tuple[Path, str], tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    _chromium(
        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", bundled[0].resolve().as_uri(),
        tmp=tmp_path,
    )  # fmt: skip
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    # The summary, a page (at least) per outcome, and the settings.
    assert pages >= 1 + 8 + 1, pages
