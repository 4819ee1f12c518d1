"""Provenance: ``source_text`` on a record, and ``synth validate`` checking quotes against it.

Every failure kind is run through the command line in-process (CliRunner) with its exact
message and exit status; the bundled review passes; pooling never reads a source text;
invariants of the check (verbatim modulo whitespace runs, one changed word found) are
properties.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from synthesis.cli import main

from synthesis.records.provenance import MAX_BYTES, check_quotes, collapse, entry_numbers
from synthesis.records.schema import STUDY_FIELDS

REPO = Path(__file__).resolve().parent.parent

TEXT = (
    "Background. Sixty patients were enrolled between 2019 and 2022.\n"
    "The overall response rate was 46.7% (14/30) in the\n"
    "experimental arm. Median overall survival was 11 months (95% CI 1-22.9).\n"
)
FOOTER = "synth: 1 error(s) in 1 file(s); fix them and run again\n"


def record(outcomes: str, source: str | None = "abstracts/a.txt", rid: str = "a") -> str:
    head = f'id: {rid}\ncitation: "A et al. 2024"\nyear: 2024\nn: 30\noutcomes:\n'
    tail = f"source_text: {source}\n" if source is not None else ""
    return head + outcomes + tail


ORR = (
    "  - name: ORR\n"
    "    events: 14\n"
    "    total: 30\n"
    '    quote: "The overall response rate was 46.7% (14/30) in the experimental arm."\n'
)


@pytest.fixture
def review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A review folder (the working directory) with studies/abstracts/a.txt."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "studies" / "abstracts").mkdir(parents=True)
    (tmp_path / "studies" / "abstracts" / "a.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path / "studies"


def validate(*args: str):
    return CliRunner().invoke(main, ["validate", "--studies", "studies", *args])


def write(studies: Path, text: str, name: str = "a.yaml") -> None:
    (studies / name).write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- sound


def test_a_sound_record_passes_and_the_summary_says_so(review: Path) -> None:
    write(review, record(ORR))
    result = validate()
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "OK: 1 record, 1 outcome entries (1 outcome), 0 warnings; "
        "quotes checked against the source text of 1 of 1\n"
    )


def test_the_bundled_review_passes_with_every_record_sourced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    records = sorted((REPO / "studies").glob("*.yaml"))
    assert len(records) == 5
    for path in records:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert (path.parent / doc["source_text"]).is_file(), path.name
    result = validate()
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "OK: 5 records, 14 outcome entries (8 outcomes), 1 warning; "
        "quotes checked against the source text of 5 of 5\n"
    )
    assert "source_text" not in result.stderr and "quote" not in result.stderr


def test_line_breaks_and_space_runs_count_as_one_space(review: Path) -> None:
    # the text breaks the line after "in the"; the quote has two spaces and a tab
    quote = "The overall  response rate was 46.7% (14/30) in the\\texperimental arm."
    write(review, record(f'  - {{name: ORR, events: 14, total: 30, quote: "{quote}"}}\n'))
    assert validate().exit_code == 0


def test_a_path_may_go_up_from_the_records_folder(review: Path) -> None:
    (review / "sub").mkdir()
    write(review / "sub", record(ORR, source="../abstracts/a.txt"))
    result = validate()
    assert result.exit_code == 0, result.output


def test_a_number_in_the_entrys_note_is_accounted_for(review: Path) -> None:
    entry = (
        "  - name: OS\n"
        "    median: 11\n"
        "    n: 60\n"
        '    quote: "Median overall survival was 11 months"\n'
        '    note: "n = 60, all enrolled (\\"Sixty patients were enrolled\\")"\n'
    )
    write(review, record(entry))
    result = validate()
    assert result.exit_code == 0, result.output


def test_an_entry_without_a_quote_is_a_warning(review: Path) -> None:
    write(review, record("  - {name: ORR, events: 14, total: 30}\n"))
    result = validate()
    assert result.exit_code == 0
    assert result.stderr == (
        "studies/a.yaml:6: outcomes[0]: warning: no quote, so its numbers are not checked "
        "against abstracts/a.txt; add the passage they come from as 'quote:'\n"
    )


# --------------------------------------------------------------------------- quotes


def test_a_quote_not_in_the_text_names_the_closest_passage_and_the_difference(
    review: Path,
) -> None:
    write(review, record(ORR.replace("(14/30)", "(15/30)").replace("events: 14", "events: 15")))
    result = validate()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        'studies/a.yaml:9: outcomes[0].quote: quote is not in abstracts/a.txt: "The overall '
        'response rate was 46.7% (15/30) in the experi..."; the closest passage is '
        '"...overall response rate was 46.7% (14/30) in the experimental arm....": the text '
        'has "(14/30)" where the quote has "(15/30)"\n' + FOOTER
    )


def test_a_quote_that_shares_nothing_with_the_text(review: Path) -> None:
    write(review, record('  - {name: ORR, percent: 50, total: 30, quote: "50% of 30 did"}\n'))
    result = validate()
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'studies/a.yaml:6: outcomes[0].quote: quote is not in abstracts/a.txt: "50% of 30 did"; '
        "no passage of the text shares a word of four letters or more with it (is "
        "source_text the right file?)",
        "synth: 1 error(s) in 1 file(s); fix them and run again",
    ]


def test_a_number_not_in_its_quote_printed_elsewhere_in_the_text(review: Path) -> None:
    entry = (
        "  - name: OS\n"
        "    median: 11\n"
        "    n: 60\n"
        '    quote: "Median overall survival was 11 months"\n'
    )
    write(review, record(entry))
    result = validate()
    assert result.exit_code == 2
    assert result.stderr == (
        'studies/a.yaml:9: outcomes[0].n: 60 is not printed in the quote "Median overall '
        'survival was 11 months"; abstracts/a.txt:1 prints it ("Background. Sixty patients '
        "were enrolled between...\"): quote that passage, or say in the entry's note "
        "where it comes from\n" + FOOTER
    )


def test_a_number_printed_nowhere_in_the_text(review: Path) -> None:
    entry = '  - {name: OS, median: 12, ci: [1, 22.9], quote: "Median overall survival was 11"}\n'
    write(review, record(entry))
    result = validate()
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'studies/a.yaml:6: outcomes[0].ci: 1 is not printed in the quote "Median overall '
        'survival was 11"; abstracts/a.txt:3 prints it ("...overall survival was 11 months '
        "(95% CI 1-22.9).\"): quote that passage, or say in the entry's note where it comes "
        "from",
        'studies/a.yaml:6: outcomes[0].ci: 22.9 is not printed in the quote "Median overall '
        'survival was 11"; abstracts/a.txt:3 prints it ("...survival was 11 months (95% CI '
        "1-22.9).\"): quote that passage, or say in the entry's note where it comes from",
        'studies/a.yaml:6: outcomes[0].median: 12 is not printed in the quote "Median overall '
        'survival was 11", nor anywhere in abstracts/a.txt; check the number, or say in the '
        "entry's note where it comes from",
        "synth: 3 error(s) in 1 file(s); fix them and run again",
    ]


def test_every_problem_of_every_record_in_one_run(review: Path) -> None:
    write(review, record(ORR.replace("overall", "objective"), rid="a"), "a.yaml")
    write(review, record(ORR.replace("events: 14", "events: 13"), rid="b"), "b.yaml")
    write(review, record(ORR, source="abstracts/none.txt", rid="c"), "c.yaml")
    result = validate()
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert [re.sub(r": .*", "", x, count=1) for x in lines] == [
        "studies/a.yaml:9",
        "studies/b.yaml:9",
        "studies/c.yaml:10",
        "synth",
    ]
    assert lines[0].endswith('the text has "overall" where the quote has "objective"')
    assert lines[1].startswith("studies/b.yaml:9: outcomes[0].events: 13 is not printed in")
    assert lines[2] == (
        "studies/c.yaml:10: source_text: abstracts/none.txt: file not found (looked for "
        "studies/abstracts/none.txt)"
    )
    assert lines[3] == "synth: 3 error(s) in 3 file(s); fix them and run again"


# --------------------------------------------------------------------------- the file


def _fifo(path: Path) -> None:
    os.mkfifo(path)


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("none.txt", None, "file not found (looked for studies/abstracts/none.txt)"),
        (
            "big.txt",
            lambda p: p.write_bytes(b"a" * (MAX_BYTES + 1)),
            "1,000,001 bytes is over the 1,000,000-byte (1 MB) limit for a source text; keep "
            "the abstract's text only (looked for studies/abstracts/big.txt)",
        ),
        (
            "folder",
            lambda p: p.mkdir(),
            "is a folder; give the text file the record was drawn from (looked for "
            "studies/abstracts/folder)",
        ),
        (
            "latin1.txt",
            lambda p: p.write_bytes("Réponse 46.7%".encode("latin-1")),
            "not UTF-8 text (byte 0xe9 at offset 1); save it as UTF-8 text (looked for "
            "studies/abstracts/latin1.txt)",
        ),
        (
            "nul.txt",
            lambda p: p.write_bytes(b"abc\x00def"),
            "binary file (NUL byte at offset 3); give the source as plain UTF-8 text (looked "
            "for studies/abstracts/nul.txt)",
        ),
        (
            "empty.txt",
            lambda p: p.write_bytes(b" \n"),
            "file is empty; give the text the record was drawn from (looked for "
            "studies/abstracts/empty.txt)",
        ),
        (
            "pipe.txt",
            _fifo,
            "is a named pipe (FIFO), not a file; give a plain text file (looked for "
            "studies/abstracts/pipe.txt)",
        ),
    ],
    ids=["missing", "too-big", "directory", "not-utf8", "binary", "empty", "fifo"],
)
def test_a_source_text_that_cannot_be_read(review: Path, name: str, make, message: str) -> None:
    if make is not None:
        make(review / "abstracts" / name)
    write(review, record(ORR, source=f"abstracts/{name}"))
    result = validate()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"studies/a.yaml:10: source_text: abstracts/{name}: {message}\n" + (
        FOOTER
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "/abs/a.txt",
            "'/abs/a.txt' is an absolute path; give it relative to the record's folder (such as "
            "abstracts/yoon2025.txt) so that the review still works when moved or shared",
        ),
        (
            "5",
            "must be the path of the text the record was drawn from, relative to the record's "
            "folder (such as abstracts/yoon2025.txt), got 5",
        ),
        (
            '""',
            "must be the path of the text the record was drawn from, relative to the record's "
            "folder (such as abstracts/yoon2025.txt), got text ''",
        ),
    ],
    ids=["absolute", "number", "empty"],
)
def test_a_bad_source_text_field_is_an_error_everywhere(
    review: Path, value: str, message: str
) -> None:
    write(review, record(ORR, source=value))
    expected = f"studies/a.yaml:10: source_text: {message}\n" + FOOTER
    for command in (["validate"], ["pool", "--outcome", "ORR"]):
        result = CliRunner().invoke(main, [*command, "--studies", "studies"])
        assert (result.exit_code, result.stderr) == (2, expected), command


@pytest.mark.parametrize("key", ["source", "sourcetext", "source_txt", "abstract"])
def test_a_misspelt_source_text_gets_did_you_mean(review: Path, key: str) -> None:
    write(review, record(ORR, source=None) + f"{key}: abstracts/a.txt\n")
    result = validate()
    assert result.exit_code == 2
    assert result.stderr == (
        f"studies/a.yaml:10: {key}: unknown field; did you mean 'source_text'?\n" + FOOTER
    )


def test_source_text_is_a_known_field() -> None:
    assert "source_text" in STUDY_FIELDS


# --------------------------------------------------------------------------- cold start


def test_pool_and_studies_never_read_a_source_text(review: Path) -> None:
    write(review, record(ORR, source="abstracts/none.txt"))
    for command in (["pool", "--outcome", "ORR", "--format", "json"], ["studies"]):
        result = CliRunner().invoke(main, [*command, "--studies", "studies"])
        assert result.exit_code == 0, command
        assert "source_text" not in result.stderr and "none.txt" not in result.stderr
    assert validate().exit_code == 2


def test_the_records_layer_never_imports_the_extractor() -> None:
    from tests.test_layout import graph

    g = graph()
    assert g["synthesis.records.provenance"] <= {"synthesis.errors"}
    offenders = {
        name: sorted(t for t in targets if t.startswith("synthesis.extract"))
        for name, targets in g.items()
        if name.startswith("synthesis.records")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


# --------------------------------------------------------------------------- invariants


WORDS = st.sampled_from(
    [
        "the",
        "overall",
        "response",
        "rate",
        "was",
        "46.7%",
        "(14/30)",
        "median",
        "OS",
        "11",
        "months",
        "vs.",
        "21.4%",
        "HR",
        "0.70;",
        "95%",
        "CI",
        "patients",
        "and",
        "in",
    ]
)
SPACE = st.sampled_from([" ", "  ", "\n", " \n ", "\t"])


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.tuples(WORDS, SPACE), min_size=8, max_size=60),
    cut=st.tuples(st.integers(0, 59), st.integers(1, 8)),
    spaces=st.lists(SPACE, min_size=8, max_size=8),
)
def test_property_any_run_of_whole_words_is_verbatim_whatever_its_spaces(
    words, cut, spaces
) -> None:
    text = "".join(w + s for w, s in words)
    start = min(cut[0], len(words) - 1)
    picked = [w for w, _ in words[start : start + cut[1]]]
    quote = "".join(w + spaces[i % len(spaces)] for i, w in enumerate(picked))
    numbers = [("x", v) for v in (46.7, 14, 30, 11) if any(str(v) in w for w in picked)]
    assert check_quotes(text=text, entries=[(1, "q", quote, numbers)]) == []


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.integers(100, 999), min_size=6, max_size=80, unique=True),
    at=st.integers(0, 79),
    length=st.integers(3, 15),
)
def test_property_a_changed_word_is_found_and_named(words, at, length) -> None:
    """In a text of distinct words, the one changed word of a quote is the one named."""
    text = " ".join(f"word{w}" for w in words)
    start = min(at, len(words) - 3)
    picked = [f"word{w}" for w in words[start : start + length]]
    k = len(picked) // 2
    changed = [*picked[:k], "CHANGED", *picked[k + 1 :]]
    [(line, field, message)] = check_quotes(
        text=text, entries=[(3, "outcomes[0].quote", " ".join(changed), [])]
    )
    assert (line, field) == (3, "outcomes[0].quote")
    assert message.startswith('quote is not in the source text: "')
    assert message.endswith(f'the text has "{picked[k]}" where the quote has "CHANGED"')


def test_a_changed_word_in_a_real_abstract_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "studies" / "abstracts" / "hsct2-2025-al.txt").read_text(encoding="utf-8")
    quote = "the median overall survival was 12 months (95 % CI: 1-22.9)"
    [(_, _, message)] = check_quotes(text=text, entries=[(1, "q", quote, [])], source="s.txt")
    assert message == (
        'quote is not in s.txt: "the median overall survival was 12 months (95 % CI: 1-22.9)"; '
        'the closest passage is "...the median overall survival was 11 months (95 % CI: '
        '1-22.9)....": the text has "11" where the quote has "12"'
    )


def test_entry_numbers_and_collapse() -> None:
    assert entry_numbers({"hr": 0.7, "ci": [0.59, 0.83], "adjusted": True, "p": "<0.001"}) == [
        ("ci", 0.59),
        ("ci", 0.83),
        ("hr", 0.7),
        ("p", "<0.001"),
    ]
    assert collapse(" a \n\t b  c ") == "a b c"


def test_drafts_pass_the_records_check() -> None:
    """What ``synth extract`` drafts passes ``synth validate`` against its own text."""
    from synthesis.extract import extract, read_abstract

    sources = sorted((REPO / "tests" / "data" / "abstracts").glob("*/*.txt"))
    assert len(sources) >= 90
    for path in sources:
        text = read_abstract(path)
        doc = yaml.safe_load(extract(text).to_yaml())
        entries = [
            (None, f"outcomes[{i}].quote", o["quote"], entry_numbers(o))
            for i, o in enumerate(doc["outcomes"])
        ]
        notes = [o.get("note") for o in doc["outcomes"]]
        assert check_quotes(text=text, entries=entries, notes=notes) == [], path.name
