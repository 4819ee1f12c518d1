"""Record validation through the library: every rule, the exact problem line.

The fixture files in ``tests/fixtures/bad`` and ``tests/fixtures/warn`` and the
lines they must produce are listed in :mod:`tests.fixtures.expected`.  Here they
go through :func:`synthesis.normalize.load_review`; ``test_cli_records`` runs the
same files through ``synth validate``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthesis.errors import Problem, RecordError, SynthError
from synthesis.records.review import load_review
from synthesis.records.schema import is_int, is_number, parse_p, suggest, type_name
from synthesis.records.yamlio import LineDict, LineList, read_yaml
from tests.fixtures.expected import BAD, BAD_DIR, GROUPS, HERE, WARN, WARN_DIR

# FILE:LINE: FIELD: problem (LINE where known), the contract's section 4
PROBLEM_LINE = re.compile(r"^[^:\s]+(:\d+)?: [A-Za-z_][\w.\[\]-]*: \S.*$")

HEADER = 'id: t\ncitation: "Fixture"\nyear: 2024\n'


def copy_fixtures(tmp_path: Path, folder: str, names: tuple[str, ...]) -> None:
    target = tmp_path / folder
    target.mkdir()
    source = BAD_DIR if folder == "bad" else WARN_DIR
    for name in names:
        shutil.copyfile(source / name, target / name)


def problems_of(folder: Path | str, root: Path) -> list[Problem]:
    with pytest.raises(RecordError) as info:
        load_review(folder, root=root)
    return list(info.value.problems)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    folder = tmp_path / "s"
    folder.mkdir(exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def lines_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | bytes) -> list[str]:
    """Problem lines (errors and warnings) of one record written to s/r.yaml."""
    write(tmp_path, "r.yaml", text)
    monkeypatch.chdir(tmp_path)
    try:
        review = load_review("s", root=tmp_path)
    except RecordError as exc:
        return [str(p) for p in exc.problems]
    return [str(p) for p in review.warnings]


# --------------------------------------------------------------------------- the fixtures


def test_every_fixture_file_has_expected_lines() -> None:
    assert sorted(p.name for p in BAD_DIR.iterdir()) == sorted(BAD)
    assert sorted(p.name for p in WARN_DIR.iterdir()) == sorted(WARN)
    # at least 15 single-problem files, and one with several problems
    assert sum(len(v) == 1 for v in BAD.values()) >= 15
    assert max(len(v) for v in BAD.values()) >= 5


@pytest.mark.parametrize("name", sorted(n for n in BAD if BAD[n]))
def test_bad_record_exact_problem(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_fixtures(tmp_path, "bad", GROUPS.get(name, (name,)))
    monkeypatch.chdir(tmp_path)
    problems = problems_of("bad", tmp_path)
    assert [str(p) for p in problems] == BAD[name]
    assert all(p.severity == "error" for p in problems)
    assert all(p.file == f"bad/{name}" for p in problems)


def test_all_bad_files_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """One run over the folder reports every problem of every file, in file/line order."""
    monkeypatch.chdir(HERE)
    problems = problems_of("bad", HERE)
    expected = [line for name in sorted(BAD) for line in BAD[name]]
    assert [str(p) for p in problems] == expected
    files_with_errors = {p.file for p in problems if p.severity == "error"}
    assert files_with_errors == {f"bad/{n}" for n in BAD if BAD[n]}
    for p in problems:
        assert PROBLEM_LINE.match(str(p)), str(p)


@pytest.mark.parametrize("name", sorted(WARN))
def test_warning_fixture(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_fixtures(tmp_path, "warn", (name,))
    monkeypatch.chdir(tmp_path)
    review = load_review("warn", root=tmp_path)  # no exception: warnings only
    assert [str(w) for w in review.warnings] == [WARN[name]]
    assert all(w.severity == "warning" for w in review.warnings)
    assert len(review.studies) == 1


def test_all_warnings_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    review = load_review("warn", root=HERE)
    assert [str(w) for w in review.warnings] == [WARN[n] for n in sorted(WARN)]
    assert len(review.studies) == len(WARN)


# --------------------------------------------------------------------------- bytes and files


def test_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = HEADER.encode() + "population: caf\u00e9\noutcomes: []\n".encode("latin-1")
    offset = data.index(b"\xe9")
    assert lines_for(tmp_path, monkeypatch, data) == [
        f"s/r.yaml:4: file: not UTF-8 text (byte 0xe9 at offset {offset}); save the file as UTF-8"
    ]


def test_utf16_is_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (HEADER + "outcomes: []\n").encode("utf-16")
    assert lines_for(tmp_path, monkeypatch, data) == [
        "s/r.yaml:1: file: the file is UTF-16 (little-endian) text; save it as UTF-8"
    ]


def test_utf8_bom_and_non_ascii_are_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\ufeff" + HEADER + "population: caf\u00e9 \u2265 18 y\noutcomes: []\n"
    assert lines_for(tmp_path, monkeypatch, text.encode("utf-8")) == []


def test_unreadable_file_is_a_problem_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "r.yaml", HEADER + "outcomes: []\n")

    def refuse(self: Path, *args: object, **kwargs: object) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    problems: list[Problem] = []
    assert read_yaml(path, "s/r.yaml", problems) is None
    assert [str(p) for p in problems] == ["s/r.yaml: file: cannot be read: Permission denied"]


def test_deep_nesting_is_a_problem_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # synth's own bound (32 levels) comes before any YAML library's: the same message
    # and line whatever PyYAML or libyaml version is installed.
    text = HEADER + "outcomes: " + "[" * 5000 + "]" * 5000 + "\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:4: yaml: invalid YAML: nested more than 32 levels deep; a study record needs 4"
    ]


@pytest.mark.parametrize(
    "body",
    [
        "outcomes:\n" + "".join("  " * i + "- \n" for i in range(1, 200)),  # block lists
        "outcomes: " + "- " * 3000 + "x\n",  # compact nested lists on one line
        "outcomes: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    ],
)
def test_deep_block_nesting_is_one_problem_with_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    """Behaviour, not wording: one problem naming the file and a line, no traceback."""
    lines = lines_for(tmp_path, monkeypatch, HEADER + body)
    assert len(lines) == 1
    assert re.match(r"s/r\.yaml:\d+: yaml: invalid YAML: ", lines[0]), lines


def test_two_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + "outcomes: []\n---\nid: u\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:5: yaml: invalid YAML: expected a single document in the stream, "
        "but found another document"
    ]


def test_unclosed_flow_sequence_names_where_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEADER + "outcomes:\n  - {name: OS, hr: 2, ci: [1, 3}\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:5: yaml: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence)"
    ]


def test_duplicate_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + "year: 2025\noutcomes: []\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:4: year: duplicate key; each field may appear once per mapping"
    ]


def test_no_records_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "notes.txt").write_text("not a record")
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in problems_of("s", tmp_path)] == [
        "s: studies: no *.yaml or *.yml study records found"
    ]


def test_missing_studies_dir(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="studies directory not found"):
        load_review(tmp_path / "nope", root=tmp_path)


def test_records_found_recursively_and_yml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = tmp_path / "s" / "ankl" / "2025"
    sub.mkdir(parents=True)
    (sub / "a.yml").write_text("id: a\ncitation: x\nyear: 2025\noutcomes: []\n")
    (tmp_path / "s" / "b.yaml").write_text("id: b\ncitation: x\nyear: 2025\noutcomes: []\n")
    monkeypatch.chdir(tmp_path)
    review = load_review("s", root=tmp_path)
    assert sorted(s.id for s in review.studies) == ["a", "b"]
    assert sorted(s.file for s in review.studies) == ["s/ankl/2025/a.yml", "s/b.yaml"]


# --------------------------------------------------------------------------- every problem, once


def test_duplicate_id_reported_even_when_the_record_has_other_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "a.yaml", HEADER + "outcomes: []\n")
    write(tmp_path, "b.yaml", HEADER + "colour: red\noutcomes: []\n")
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in problems_of("s", tmp_path)] == [
        "s/b.yaml:1: id: duplicate id 't' (also in s/a.yaml:1)",
        "s/b.yaml:4: colour: unknown field",
    ]


def test_entry_errors_reported_alongside_study_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong year does not hide that an entry has more events than patients."""
    text = (
        "id: t\ncitation: x\nyear: 2O24\noutcomes:\n"
        "  - {name: ORR, events: 12, total: 10}\n"
        "  - {name: OS, median: 3, unit: wks}\n"
        "  - {name: OS, hr: 0.5, ci: [0.6, 0.9]}\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:3: year: must be an integer year such as 2025, got text '2O24'",
        "s/r.yaml:5: outcomes[0].events: 12 events is more than the total of 10",
        "s/r.yaml:7: outcomes[2].ci: [0.6, 0.9] does not contain the estimate 0.5",
    ]


def test_bad_arm_role_does_not_make_its_arm_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEADER + (
        "arms:\n  - {id: a, n: 10, role: treatment}\n  - {id: b, n: 10}\n"
        "outcomes:\n  - {name: ORR, arm: a, events: 3}\n  - {name: ORR, arm: b, events: 11}\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:5: arms[0].role: must be 'experimental' or 'control', got text 'treatment'",
        "s/r.yaml:9: outcomes[1].events: 11 events is more than the total of 10",
    ]


def test_bad_arm_n_reported_without_cascade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad arm n would make every count of that arm lack a total: only the cause is shown."""
    text = HEADER + (
        "arms:\n  - {id: a, n: ten}\n  - {id: b, n: 10}\n"
        "outcomes:\n  - {name: ORR, arm: a, events: 3}\n  - {name: ORR, arm: b, events: 3}\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:5: arms[0].n: must be a positive whole number of patients, got text 'ten'",
    ]


def test_misspelt_data_field_gives_one_problem_not_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEADER + "outcomes:\n  - {name: OS, meidan: 4}\n  - {name: OS, HR: 2, p: 0.01}\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:5: outcomes[0].meidan: unknown field; did you mean 'median'?",
        "s/r.yaml:6: outcomes[1].HR: unknown field; did you mean 'hr'?",
    ]


def test_outcome_level_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + (
        "outcomes:\n"
        "  - {name: OS, hr: 2, ci: [1]}\n"
        "  - {name: OS, hr: 2, ci: 1-3}\n"
        "  - {name: OS, hr: 2, p: 2}\n"
        "  - {name: OS, hr: 1.7, ci: [1, 3], ci_level: 95}\n"
        "  - {name: OS, median: 5, ci: [NR, 7]}\n"
        "  - {name: OS, median: 5, ci: [6, 7]}\n"
        "  - {name: OS, hr: 2, or: 3, ci: [1, 3]}\n"
        "  - {events: 3, total: 5}\n"
        "  - just text\n"
        "  - {name: OS, median: 5, total: 4}\n"
        "  - {name: OS, hr: 2, ci: [0, 3]}\n"
        "  - {name: OS, hr: 2, ci: [2, 2]}\n"
        "  - {name: ORR, events: 2.5, total: 5}\n"
        "  - {name: ORR, events: 2, percent: 50, total: 5}\n"
        "  - {name: OS, median: 0}\n"
        "  - {name: OS, hr: 1.7, ci: [1, 3], adjusted: maybe}\n"
        "  - {name: QoL, estimate: 0.3, se: -1}\n"
        "  - {name: 7, events: 1, total: 2}\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:5: outcomes[0].ci: must be two bounds [low, high], got a list of 1",
        "s/r.yaml:6: outcomes[1].ci: must be two bounds [low, high], got text '1-3'",
        "s/r.yaml:7: outcomes[2].p: must be a number in [0, 1] or text such as '<0.001', got 2",
        "s/r.yaml:8: outcomes[3].ci_level: must be a proportion between 0 and 1 such as 0.95, "
        "got 95; did you mean 0.95?",
        "s/r.yaml:9: outcomes[4].ci: the low bound cannot be 'NR'",
        "s/r.yaml:10: outcomes[5].ci: [6, 7] does not contain the median 5",
        "s/r.yaml:11: outcomes[6].or: give one ratio per entry, got hr and or",
        "s/r.yaml:12: outcomes[7].name: required field is missing",
        "s/r.yaml:13: outcomes[8]: must be a mapping with a name, got text 'just text'",
        "s/r.yaml:14: outcomes[9].total: does not belong to a median entry",
        "s/r.yaml:15: outcomes[10].ci: low bound must be > 0 for a ratio, got 0",
        "s/r.yaml:16: outcomes[11].ci: low and high bounds are equal; the SE would be 0",
        "s/r.yaml:17: outcomes[12].events: must be a whole number >= 0, got 2.5",
        "s/r.yaml:18: outcomes[13].percent: 50% does not match events/total = 2/5 (40.0%)",
        "s/r.yaml:19: outcomes[14].median: must be a number > 0 or 'NR' (not reached), got 0",
        "s/r.yaml:20: outcomes[15].adjusted: must be true or false, got text 'maybe'",
        "s/r.yaml:21: outcomes[16].se: must be a number > 0, got -1",
        "s/r.yaml:22: outcomes[17].name: must be text such as ORR or OS, got 7",
    ]


def test_study_level_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        'id: "-bad id"\ncitation: ""\nyear: 1492\nn: 0\ntags: [ANKL]\npmid: abc\n'
        "authors: Yoon\ndoi: 10\nyaer: 2024\noutcomes: {}\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:1: id: must match [A-Za-z0-9][A-Za-z0-9._-]* (letters, digits, '.', '_', '-'), "
        "got text '-bad id'",
        "s/r.yaml:2: citation: must be non-empty text, got text ''",
        "s/r.yaml:3: year: 1492 is not a plausible publication year (1800-2100)",
        "s/r.yaml:4: n: must be a positive whole number of patients, got 0",
        "s/r.yaml:5: tags: must be a flat mapping such as {disease: ANKL}, got a list",
        "s/r.yaml:6: pmid: must be a PubMed id (digits), got text 'abc'",
        "s/r.yaml:7: authors: must be a list of names",
        "s/r.yaml:8: doi: must be text, got 10",
        "s/r.yaml:9: yaer: unknown field; did you mean 'year'?",
        "s/r.yaml:10: outcomes: must be a list of outcome entries, got a mapping",
    ]


def test_missing_outcomes_and_nested_tags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + "tags:\n  disease: ANKL\n  setting: {a: 1}\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:1: outcomes: required field is missing (write 'outcomes: []' if there are none)",
        "s/r.yaml:6: tags.setting: must be a single value, got a mapping",
    ]


def test_year_as_a_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "id: t\ncitation: x\nyear: 2024-05-01\noutcomes: []\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:3: year: must be an integer year such as 2025, got a date (2024-05-01)"
    ]


def test_arm_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + (
        "arms:\n  - {id: a, n: 5}\n  - {id: a, n: 5}\n  - {label: c}\n  - x\n"
        "  - {id: d, colour: 1}\n"
        "outcomes: []\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:6: arms[1].id: duplicate arm id 'a' (first at line 5)",
        "s/r.yaml:7: arms[2].id: required field is missing",
        "s/r.yaml:8: arms[3]: must be a mapping with an id, got text 'x'",
        "s/r.yaml:9: arms[4].colour: unknown field",
    ]


def test_empty_arms_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert lines_for(tmp_path, monkeypatch, HEADER + "arms: []\noutcomes: []\n") == [
        "s/r.yaml:4: arms: must be a non-empty list of arms (or left out)"
    ]


def test_total_missing_without_any_n(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + "outcomes:\n  - {name: ORR, events: 3}\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:5: outcomes[0].total: missing: give total (the denominator) or the arm's n (no n)"
    ]


def test_ratio_p_that_gives_no_se(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + "outcomes:\n  - {name: OS, hr: 1, p: 1}\n"
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:5: outcomes[0].hr: warning: cannot be pooled: p = 1 with HR 1 gives no SE; "
        "its SE is unknown"
    ]


def test_sound_record_has_no_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + (
        "n: 44\narms:\n  - {id: lasp, n: 30, role: experimental}\n"
        "  - {id: other, n: 14, role: control}\n"
        "outcomes:\n"
        "  - {name: ORR, arm: lasp, events: 14, percent: 46.7}\n"
        "  - {name: ORR, arm: other, percent: 21.4}\n"
        "  - {name: OS, arm: lasp, median: NR, ci: [5.1, NR]}\n"
        "  - {name: OS, hr: 2.142, ci: [1.061, 4.326], p: 0.034}\n"
        "  - {name: QoL, estimate: 0.31, ci: [0.07, 0.55], scale: SMD}\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == []


# --------------------------------------------------------------------------- helpers


def test_line_numbers_of_nested_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        HEADER + "outcomes:\n  - name: ORR\n    events: 3\n  - {name: OS, median: 4}\n",
    )
    problems: list[Problem] = []
    doc = read_yaml(path, "r.yaml", problems)
    assert problems == []
    assert isinstance(doc, LineDict) and doc.line == 1
    assert doc.lines == {"id": 1, "citation": 2, "year": 3, "outcomes": 4}
    outcomes = doc["outcomes"]
    assert isinstance(outcomes, LineList) and outcomes.lines == [5, 7]
    assert outcomes[0].lines == {"name": 5, "events": 6}
    assert outcomes[1].lines == {"name": 7, "median": 7}
    assert outcomes[0].raw == {"name": "ORR", "events": "3"}


def test_type_name() -> None:
    assert type_name(None) == "nothing"
    assert type_name(True) == "a boolean (true)"
    assert type_name("x") == "text 'x'"
    assert type_name({}) == "a mapping"
    assert type_name([]) == "a list"
    assert type_name(0) == "0"
    assert type_name(2020.5) == "2020.5"


def test_number_predicates() -> None:
    assert is_number(3) and is_number(2.5) and not is_number(True)
    assert not is_number(float("nan")) and not is_number(float("inf")) and not is_number("3")
    assert is_int(3) and is_int(3.0) and not is_int(3.5) and not is_int(False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.034, (0.034, None, True)),
        ("<0.001", (0.001, "<", True)),
        ("< .05", (0.05, "<", True)),
        ("≤0.01", (0.01, "<=", True)),
        ("=0.2", (0.2, None, True)),
        ("0,03", (0.03, None, True)),
        ("1e-5", (1e-5, None, True)),
        (1.5, (1.5, None, False)),
        ("ns", (None, None, False)),
        (True, (None, None, False)),
    ],
)
def test_parse_p(value: object, expected: tuple) -> None:
    assert parse_p(value) == expected


def test_suggest() -> None:
    assert suggest("evnets", ("events", "total")) == "; did you mean 'events'?"
    assert suggest("HR", ("hr", "or")) == "; did you mean 'hr'?"
    assert suggest("zzz", ("events",)) == ""


# --------------------------------------------------------------------------- no traceback, ever

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["NR", "months", "days", "<0.05", "", "x", "lasp", "1-3", "ORR"]),
    st.lists(st.one_of(st.integers(-2, 50), st.floats(-1, 50), st.just("NR")), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2),
)
OUTCOME_KEYS = st.sampled_from(
    [
        "name",
        "arm",
        "events",
        "percent",
        "total",
        "median",
        "unit",
        "ci",
        "ci_level",
        "hr",
        "or",
        "p",
        "estimate",
        "se",
        "n",
        "quote",
        "adjusted",
        "evnets",
    ]
)
RECORDS = st.fixed_dictionaries(
    {
        "id": st.one_of(st.just("fz"), VALUES),
        "citation": st.one_of(st.just("x"), VALUES),
        "year": st.one_of(st.just(2020), VALUES),
        "outcomes": st.one_of(
            st.lists(st.dictionaries(OUTCOME_KEYS, VALUES, max_size=6), max_size=4), VALUES
        ),
    },
    optional={
        "n": VALUES,
        "tags": VALUES,
        "arms": st.one_of(
            st.lists(
                st.dictionaries(st.sampled_from(["id", "n", "role", "label"]), VALUES, max_size=4),
                max_size=3,
            ),
            VALUES,
        ),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=RECORDS)
def test_arbitrary_records_give_problems_not_tracebacks(record: dict) -> None:
    text = yaml.safe_dump(record, allow_unicode=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "s").mkdir()
        (root / "s" / "r.yaml").write_text(text, encoding="utf-8")
        try:
            review = load_review(root / "s", root=root)
        except RecordError as exc:
            assert exc.errors
            for p in exc.problems:
                assert PROBLEM_LINE.match(str(p).replace(str(root), "ROOT")), str(p)
        else:
            assert all(p.severity == "warning" for p in review.warnings)


def test_complex_keys_and_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """YAML allows a list as a key and aliases; neither breaks the reader."""
    text = HEADER + (
        "? [a, b]\n: 1\n"
        "arms:\n  - &arm {id: a, n: 10}\n"
        "outcomes:\n  - &orr {name: ORR, events: 3}\n  - *orr\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:4: \"['a', 'b']\": unknown field",
    ]


def test_merge_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + (
        "n: 20\noutcomes:\n  - &base {name: ORR, total: 20, events: 3}\n"
        "  - {<<: *base, events: 25}\n"
    )
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:7: outcomes[1].events: 25 events is more than the total of 20",
    ]


def test_same_scalars_in_many_files_keep_their_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scalars are converted once per (tag, text): a quoted "12" stays text, a plain 12 a number."""
    write(tmp_path, "a.yaml", 'id: "2024"\ncitation: x\nyear: 2024\noutcomes: []\n')
    write(tmp_path, "b.yaml", 'id: b\ncitation: "2024"\nyear: "2024"\noutcomes: []\n')
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in problems_of("s", tmp_path)] == [
        "s/b.yaml:3: year: must be an integer year such as 2025, got text '2024'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "year: 2024-13-45\n",
            "s/r.yaml:3: yaml: invalid YAML: cannot read '2024-13-45' as a date "
            "(month must be in 1..12)",
        ),
        (
            "year: !!int twenty\n",
            "s/r.yaml:3: yaml: invalid YAML: cannot read 'twenty' as an integer "
            "(invalid literal for int() with base 10: 'twenty')",
        ),
        ("year: 2024\nauthors: !!set {a, b}\n", "s/r.yaml:4: authors: must be a list of names"),
        (
            "year: 2024\nn: !!set {a, b}\n",
            "s/r.yaml:4: n: must be a positive whole number of patients, got a set",
        ),
    ],
)
def test_values_yaml_cannot_convert(
    text: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = "id: t\ncitation: x\n" + text + "outcomes: []\n"
    assert lines_for(tmp_path, monkeypatch, record) == [expected]


YAMLISH = st.text(
    alphabet=st.sampled_from(list(":-[]{},'\"!&*#|>%@`?<=~ \n\t\r0123456789.eEabnNrRyx_\\/")),
    max_size=120,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tail=YAMLISH, whole=YAMLISH)
def test_arbitrary_text_gives_problems_not_tracebacks(tail: str, whole: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "s").mkdir()
        (root / "s" / "a.yaml").write_text(HEADER + "outcomes:\n  - " + tail, encoding="utf-8")
        (root / "s" / "b.yaml").write_text(whole, encoding="utf-8")
        try:
            load_review(root / "s", root=root)
        except RecordError as exc:
            for p in exc.problems:
                assert LOOSE_LINE.match(str(p).replace(str(root), "ROOT")), str(p)


# FILE(:LINE): FIELD: problem, where FIELD may be any key the user wrote (shown quoted)
LOOSE_LINE = re.compile(r"^ROOT/s/[ab]\.yaml(:\d+)?: [^\s:'\"]*('.*'|\".*\")?: \S.*$")


def test_odd_keys_are_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + '"": 1\n"a b": 2\n0: 3\noutcomes: []\n'
    assert lines_for(tmp_path, monkeypatch, text) == [
        "s/r.yaml:4: '': unknown field",
        "s/r.yaml:5: 'a b': unknown field",
        "s/r.yaml:6: 0: unknown field",
    ]
