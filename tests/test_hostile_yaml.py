"""Hostile and surprising YAML (issue 10, items 1, 11, 19): bounded, one line per problem.

Each case states the exact problem line; the reader's bounds come before any YAML
library's, so none of these depends on the PyYAML or libyaml version installed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.test_records import HEADER, lines_for

ARM = "arms:\n  - {id: a, n: 10, role: experimental}\n  - {id: b, n: 12, role: control}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "n: 050\noutcomes: []\n",
            "s/r.yaml:4: n: YAML reads 050 (leading zero) as the octal number 40; "
            "write 50 without the leading zero",
        ),
        (
            "n: 20\noutcomes:\n  - {name: ORR, events: 012, total: 20}\n",
            "s/r.yaml:6: outcomes[0].events: YAML reads 012 (leading zero) as the octal "
            "number 10; write 12 without the leading zero",
        ),
        (
            "outcomes:\n  - {name: OS, median: 1:30}\n",
            "s/r.yaml:5: outcomes[0].median: YAML reads 1:30 as base 60 (90); write the "
            "number in decimal (1:30 as 1.5 for one and a half), or quote it if it is text",
        ),
        (
            "n: 0x1A\noutcomes: []\n",
            "s/r.yaml:4: n: YAML reads 0x1A as 26; write the number in plain decimal digits",
        ),
    ],
)
def test_numbers_yaml_reads_differently_are_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    assert expected in lines_for(tmp_path, monkeypatch, HEADER + text)


def test_quoted_or_plain_decimals_are_not_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEADER + 'n: 50\nnote: "050"\noutcomes:\n  - {name: ORR, events: 0, total: 50}\n'
    assert lines_for(tmp_path, monkeypatch, text) == []


def _laughs(levels: int, width: int) -> str:
    """The billion laughs: each anchor lists the previous one *width* times."""
    text = "a0: &a0 [x, x]\n"
    for i in range(1, levels + 1):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n"
    return text


@pytest.mark.parametrize(
    "bomb",
    [
        _laughs(10, 4) + "outcomes: []\n",  # 2 * 4^10 values
        _laughs(10, 4) + "? *a10\n: 1\noutcomes: []\n",  # the same as a mapping key
        _laughs(8, 4) + "arms:\n  - {id: a, n: 10, label: *a8}\noutcomes: []\n",
    ],
)
def test_alias_bombs_are_refused_at_parse_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bomb: str
) -> None:
    started = time.perf_counter()
    lines = lines_for(tmp_path, monkeypatch, HEADER + bomb)
    assert time.perf_counter() - started < 10  # a hang guard, not a benchmark
    assert len(lines) == 1
    assert lines[0].startswith("s/r.yaml:")
    assert lines[0].endswith(
        "yaml: invalid YAML: aliases (*name) here expand to more than 10,000 values; "
        "write the values out, or use fewer nested aliases"
    )


def test_a_few_aliases_are_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + ARM + "outcomes:\n  - &o {name: ORR, arm: a, events: 3, total: 10}\n"
    text += "  - {<<: *o, arm: b, total: 12}\n"
    assert lines_for(tmp_path, monkeypatch, text) == []


def test_control_character_names_line_and_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEADER + "population: adults\x01\noutcomes: []\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:4: file: control character U+0001 at column 19; delete it (YAML text "
        "cannot contain it), or re-save the file as plain UTF-8 text"
    ]


def test_duplicate_key_names_its_full_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + "tags:\n  disease: ANKL\n  disease: FL\noutcomes: []\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:6: tags.disease: duplicate key; each field may appear once per mapping"
    ]


def test_scalar_merge_key_is_not_blamed_on_tags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (line,) = lines_for(tmp_path, monkeypatch, HEADER + "<<: 5\noutcomes: []\n")
    assert line.startswith("s/r.yaml:4: yaml: invalid YAML: ")
    assert "custom tags" not in line


def test_huge_value_is_not_echoed_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'id: t\ncitation: "Fixture"\nyear: ' + "9" * 2_000_000 + "-01-01\noutcomes: []\n"
    lines = lines_for(tmp_path, monkeypatch, text)
    assert len(lines) == 1
    assert len(lines[0]) < 400
    assert lines[0].startswith("s/r.yaml:3:")


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + "note: " + "x" * 6_000_000 + "\noutcomes: []\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml: file: larger than 5 MB; a study record is a few kB (is this the right file?)"
    ]


# ------------------------------------------------------------------ numbers (items 2, 3, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # item 8: a cohort of 10^300 with a percent (was an OverflowError)
            "n: 1.0e+300\noutcomes:\n  - {name: ORR, percent: 50}\n",
            "s/r.yaml:4: n: must be a positive whole number of patients, got 1e+300, far beyond "
            "any number synth accepts (counts up to 1,000,000,000, other numbers up to 1e+50)",
        ),
        (  # item 8: counts of 10^400 (passed validate, overflowed in pool)
            "outcomes:\n  - {name: ORR, events: 1" + "0" * 400 + ", total: 2" + "0" * 400 + "}\n",
            "s/r.yaml:5: outcomes[0].total: must be a whole number > 0, got a number of about "
            "401 digits, above the largest count synth accepts (1,000,000,000)",
        ),
        (  # item 8: a CI level of 1e-17 (was a ZeroDivisionError)
            "outcomes:\n  - {name: OS, hr: 0.8, ci: [0.6, 1.1], ci_level: 1.0e-17}\n",
            "s/r.yaml:5: outcomes[0].ci_level: 1e-17 is below 0.5; a reported CI is 0.90, 0.95 "
            "or 0.99 - give it as such",
        ),
        (  # item 3: an SE whose square underflows (pooled to p = 0.0 silently)
            "outcomes:\n  - {name: X, estimate: 0.3, se: 1.0e-160}\n",
            "s/r.yaml:5: outcomes[0].se: the SE 1e-160 is too small to pool (weights 1/SE² "
            "must stay finite: SE from 1e-50 to 1e+50); check the number",
        ),
        (  # item 3: an estimate of 1e308 (passed validate, crashed pool, table, report)
            "outcomes:\n  - {name: X, estimate: 1.0e+308, se: 1}\n",
            "s/r.yaml:5: outcomes[0].estimate: must be a number, got 1e+308, far beyond any "
            "number synth accepts (counts up to 1,000,000,000, other numbers up to 1e+50)",
        ),
        (  # item 2: a total above its arm's n is impossible
            "arms:\n  - {id: a, n: 10}\noutcomes:\n"
            "  - {name: ORR, arm: a, events: 12, total: 15}\n",
            "s/r.yaml:7: outcomes[0].total: 15 is more than the 10 patients it is drawn from "
            "(arm 'a' has n = 10); correct the total or the n",
        ),
    ],
)
def test_numbers_the_arithmetic_cannot_carry_are_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    assert expected in lines_for(tmp_path, monkeypatch, HEADER + text)


def test_a_subset_total_without_note_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        HEADER
        + "arms:\n  - {id: a, n: 40}\noutcomes:\n  - {name: ORR, arm: a, percent: 50, total: 30}\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:7: outcomes[0].total: warning: 30 is fewer than the 40 patients (arm 'a' has "
        "n = 40): the percent counted among a subset (evaluable patients?); say so in a note, or "
        "drop total to use n"
    ]
    with_note = text.replace("total: 30}", "total: 30, note: 30 evaluable}")
    assert lines_for(tmp_path, monkeypatch, with_note) == []


def test_a_percent_of_a_billion_is_closed_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was a MemoryError: every candidate count was listed."""
    text = HEADER + "n: 1000000000\noutcomes:\n  - {name: ORR, percent: 50}\n"
    (line,) = lines_for(tmp_path, monkeypatch, text)
    assert line == (
        "s/r.yaml:6: outcomes[0].percent: warning: 50% of 1000000000 could be any of 10,000,001 "
        "counts from 495000000 to 505000000 out of 1000000000; using the nearest, "
        "500000000/1000000000 (50.00%) - give events to settle it"
    )


# --------------------------------------------------------------------------- names (item 5)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "ORR\u200b",
            "s/r.yaml:6: outcomes[0].name: warning: contains an invisible character (U+200B "
            "ZERO WIDTH SPACE); it would be an outcome of its own - delete the character "
            "(retype the name)",
        ),
        (
            "\u041eRR",
            "s/r.yaml:6: outcomes[0].name: warning: '\u041eRR' mixes scripts: Cyrillic Capital "
            "Letter O (U+041E) looks like Latin 'O', so '\u041eRR' would be an outcome apart "
            "from 'ORR' - retype the name in Latin letters",
        ),
    ],
)
def test_lookalike_outcome_names_are_warned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, expected: str
) -> None:
    text = HEADER + f'n: 10\noutcomes:\n  - {{name: "{name}", events: 3}}\n'
    assert lines_for(tmp_path, monkeypatch, text) == [expected]


def test_synonyms_that_take_a_builtin_name_are_warned(tmp_path: Path) -> None:
    from synthesis.records.review import load_review

    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "r.yaml").write_text(HEADER + "n: 10\noutcomes: []\n")
    (tmp_path / "synth.yaml").write_text("synonyms:\n  ORR: [OS, response]\n")
    review = load_review(tmp_path / "s", root=tmp_path)
    assert [str(w) for w in review.warnings] == [
        f"{tmp_path / 'synth.yaml'}:2: synonyms.ORR: warning: 'OS' is the built-in outcome OS; "
        "mapping it to ORR merges two different outcomes - remove 'OS' from the list unless "
        "you mean it"
    ]


@pytest.mark.parametrize("content", ["", "# nothing here yet\n\n# still nothing\n"])
def test_an_empty_settings_file_is_no_settings(tmp_path: Path, content: str) -> None:
    from synthesis.records.review import load_review

    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "r.yaml").write_text(HEADER + "n: 10\noutcomes: []\n")
    (tmp_path / "synth.yaml").write_text(content)
    assert load_review(tmp_path / "s", root=tmp_path).warnings == ()
