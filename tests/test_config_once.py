"""synth.yaml is read once per command, and the reviewer's GRADE judgements it holds reach
every output that grades: ``synth table`` (certainty column) and ``synth report``.

Before: ``synth table`` read synth.yaml in ``load_review`` (twice: the studies folder, then
the synonyms) and again for the GRADE judgements; ``synth report`` read it only in
``load_review`` and so dropped the reviewer's judgements (its GRADE sections showed
synth's suggestions). Now ``load_review`` reads it once and the review carries it
(``Review.config``); grading takes the judgements from there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import synthesis.records.review as review_module
from synthesis.records.review import load_review
from tests.test_grade_cli import REASON, judged, review, run

GRADE = judged(f"indirectness: {{downgrade: 1, reason: {REASON!r}}}")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of every synth.yaml read (records are read by the same function)."""
    seen: list[str] = []
    real = review_module.read_yaml

    def counting(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).name == "synth.yaml":
            seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(review_module, "read_yaml", counting)
    return seen


def test_load_review_reads_synth_yaml_once_and_keeps_it(tmp_path, monkeypatch, reads) -> None:
    monkeypatch.chdir(review(tmp_path, grade=GRADE))
    loaded = load_review()  # the studies folder comes from the working folder too
    assert len(reads) == 1
    assert loaded.config is not None and loaded.config.file == Path.cwd() / "synth.yaml"
    assert set(loaded.config.grade) == {"Mortality"}


@pytest.mark.parametrize(
    "args", [("table",), ("table", "--format", "json"), ("report", "-o", "r.html"), ("pool",
             "--outcome", "Mortality", "--measure", "RR")]
)  # fmt: skip
def test_each_command_reads_synth_yaml_once(tmp_path, monkeypatch, reads, args) -> None:
    monkeypatch.chdir(review(tmp_path, grade=GRADE))
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert reads == [str(Path.cwd() / "synth.yaml")]


def test_report_shows_the_reviewers_judgement(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(review(tmp_path, grade=GRADE))
    assert run("report", "-o", "r.html").exit_code == 0
    html = Path("r.html").read_text()
    row = html.split("<td>Indirectness</td>", 1)[1].split("</tr>", 1)[0]
    assert row.startswith('<td class="levels">−1</td><td>reviewer</td>')
    assert "the committee&#x27;s reason" in row


def test_table_certainty_follows_the_reviewer(tmp_path, monkeypatch) -> None:
    # three low-risk trials: synth suggests high; the reviewer's indirectness -1: moderate
    monkeypatch.chdir(review(tmp_path, grade=GRADE))
    out = run("table").stdout
    assert "⊕⊕⊕◯ Moderate" in out
    (Path.cwd() / "synth.yaml").write_text("grade:\n  Mortality:\n    measure: RR\n")
    assert "⊕⊕⊕⊕ High" in run("table").stdout
