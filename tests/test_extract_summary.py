"""``synth extract``'s summary on stderr: what the reviewer has to confirm, and what was left out.

The counts are checked against the draft on stdout (its ``# check:``, ``# skipped``,
``# ambiguous`` and ``- name:`` lines), which the summary must agree with, and exactly on
a small text whose draft is known.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

REPO = Path(__file__).resolve().parent.parent
SMALL = (
    "Patients were randomized to drug A (n = 40) or drug B (n = 38). The ORR was 55% vs 30%. "
    "Median OS was 12.1 months. The 2-year OS was 71%.\n"
)
SUMMARY = re.compile(
    r"synth: drafted (\d+) outcome entr(?:y|ies), (\d+) to confirm \(# check:\), (\d+) skipped "
    r"\(# skipped:\), (\d+) ambiguous \(# ambiguous:\), (\d+) field\(s\) to fill in "
    r"\(required: [a-z, ]+\); check every number\n\Z"
)


def test_the_summary_of_a_small_draft(tmp_path: Path) -> None:
    src = tmp_path / "small.txt"
    src.write_text(SMALL, encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(src)])
    assert result.exit_code == 0
    # one entry inferred (ORR of drug A, no group named), 30% of 38 fits no count, 71% is
    # a rate at a fixed time; citation and year are not in the text
    assert result.stderr == (
        "synth: drafted 2 outcome entries, 1 to confirm (# check:), 2 skipped (# skipped:), "
        "0 ambiguous (# ambiguous:), 2 field(s) to fill in (required: citation, year); check "
        "every number\n"
    )
    assert result.stdout.count("\n  # check: ") == 1
    assert "synth:" not in result.stdout


def test_the_draft_on_stdout_is_unchanged_by_the_summary(tmp_path: Path) -> None:
    src = tmp_path / "small.txt"
    src.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "draft.yaml"
    printed = CliRunner().invoke(main, ["extract", str(src)])
    written = CliRunner().invoke(main, ["extract", str(src), "-o", str(out)])
    assert written.exit_code == 0 and written.stdout == ""
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert written.stderr == printed.stderr.replace("synth: drafted ", f"synth: wrote {out}: ")


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "tests" / "data" / "abstracts").glob("*/*.txt"))[::6],
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_the_summary_counts_what_the_draft_shows(path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(path)])
    assert result.exit_code == 0
    m = SUMMARY.match(result.stderr)
    assert m is not None, result.stderr
    entries, check, skipped, ambiguous, _todo = (int(x) for x in m.groups())
    lines = result.stdout.splitlines()
    assert entries == sum(1 for x in lines if x.startswith("  - name: "))
    assert check == sum(1 for x in lines if x.startswith("  # check: "))
    assert skipped == sum(1 for x in lines if x.startswith("# skipped"))
    assert ambiguous == sum(1 for x in lines if x.startswith("# ambiguous"))
