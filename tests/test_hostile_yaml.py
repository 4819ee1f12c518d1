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
