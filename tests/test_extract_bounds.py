"""``synth extract`` is bounded and linear: what it reads, how long it takes on hostile text.

The time bounds are hang guards only (generous, 20 s): each test asserts the output.
"""

from __future__ import annotations

import glob
import itertools
import os
import re
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from synthesis.cli import main

from synthesis.errors import SynthError
from synthesis.extract import MAX_BYTES, extract, read_abstract
from synthesis.extract.text import MAX_SENTENCE, split_text

REPO = Path(__file__).resolve().parent.parent
HANG_GUARD = 20.0  # seconds


def timed(text: str):
    start = time.perf_counter()
    draft = extract(text)
    seconds = time.perf_counter() - start
    assert seconds < HANG_GUARD, f"{seconds:.1f} s for {len(text):,} characters"
    return draft


def one_megabyte(unit: str) -> str:
    return (unit * (MAX_BYTES // len(unit) + 1))[:MAX_BYTES]


# ---------------------------------------------------------------------------
# Reading: regular files of at most 1 MB


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused_at_once() -> None:
    with pytest.raises(SynthError) as info:
        read_abstract("/dev/zero")
    assert str(info.value) == (
        "/dev/zero: is a character device, not a file; give the abstract as a plain text file"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "abstract.txt"
    os.mkfifo(fifo)
    with pytest.raises(SynthError) as info:
        read_abstract(fifo)  # nobody writes to it: an open() would wait for ever
    assert str(info.value) == (
        f"{fifo}: is a named pipe (FIFO), not a file; give the abstract as a plain text file"
    )


def test_a_file_over_the_limit_is_refused_one_at_the_limit_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (MAX_BYTES + 1))
    with pytest.raises(SynthError) as info:
        read_abstract(big)
    assert str(info.value) == (
        f"{big}: 1,000,001 bytes is over the 1,000,000-byte (1 MB) limit for an abstract; "
        "give the abstract's text only"
    )
    ok = tmp_path / "ok.txt"
    ok.write_bytes(b"a" * MAX_BYTES)
    assert len(read_abstract(ok)) == MAX_BYTES


def test_extract_refuses_a_text_over_the_limit() -> None:
    with pytest.raises(SynthError) as info:
        extract("a" * (MAX_BYTES + 1))
    assert str(info.value) == (
        "the text has 1,000,001 characters, over the 1,000,000-character (1 MB) limit for an "
        "abstract; give the abstract's text only"
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_cli_refuses_a_device_with_exit_2() -> None:
    result = CliRunner().invoke(main, ["extract", "/dev/zero"])
    assert result.exit_code == 2
    assert result.stderr == (
        "synth: error: /dev/zero: is a character device, not a file; give the abstract as a plain "
        "text file\n"
    )


# ---------------------------------------------------------------------------
# Hostile text: 1 MB in well under a few seconds, and a draft that says what it skipped

RUN_CUT = (
    "skipped: 1 run(s) of over 1,000 characters without a sentence end, read in pieces (check "
    "the text was pasted whole)"
)


def test_median_os_of_repeated_to_one_megabyte() -> None:
    # was 57 s for 52 kB (quadratic); now every sentence and every step is bounded
    draft = timed(one_megabyte("median OS of "))
    assert (draft.entries, draft.arms, draft.n) == ((), (), None)
    assert draft.comments == (
        RUN_CUT,
        "skipped: 1,004 sentence(s) with more than 12 outcome terms or 60 numbers, not prose "
        '(a table?), not read: "median OS of median OS of median OS of median OS of median OS '
        'of median OS of..."',
    )


def test_response_rate_with_an_open_ci_repeated_to_one_megabyte() -> None:
    # was over 2 minutes
    draft = timed(one_megabyte("The overall response rate was 45% (95% CI, "))
    assert (draft.entries, draft.arms, draft.n) == ((), (), None)
    head = "The overall response rate was 45% (95% CI, "
    # only the last piece of the run is short enough to be read: its rate has no denominator
    assert draft.comments == (
        RUN_CUT,
        "skipped: 1,011 sentence(s) with more than 12 outcome terms or 60 numbers, not prose "
        f'(a table?), not read: "{head}The overall response rate was 45% ..."',
        f'repeated: ORR percent: 45 in "{head * 2}The overall response rate was 45% ("',
        "skipped (a percent whose denominator is not stated): ORR percent: 45 in "
        f'"{head * 2}The overall response rate was 45% ("',
    )


@pytest.mark.parametrize(
    "unit",
    [
        "Median OS was 12 months. ",
        "Patients were randomized to A (n = 10) or B (n = 12). ",
        "HR 0.5 (95% CI 0.3-0.8; p = 0.01) for OS. ",
        "A total of 12 patients were enrolled; ",
        "doi:10.1000/",
        "((((((",
        "1111111",
        "vs. ",
        "no CHT ",
        " ",
    ],
)
def test_other_repetitions_are_bounded(unit: str) -> None:
    draft = timed(one_megabyte(unit))
    assert len(draft.entries) <= 2  # a repeated sentence is read once


def test_a_megabyte_of_real_abstracts_with_all_numbers_changed() -> None:
    """Linear on prose: the development abstracts, renumbered, to 1 MB (no sentence repeats)."""
    base = "\n".join(
        Path(p).read_text(encoding="utf-8")
        for p in sorted(glob.glob(str(REPO / "tests/data/abstracts/*/*.txt")))
    )
    counter = itertools.count(1)
    parts, size = [], 0
    while size < MAX_BYTES:
        part = re.sub(r"\d+", lambda m: str(next(counter) % 997), base)
        parts.append(part)
        size += len(part)
    text = "\n".join(parts)[:MAX_BYTES]
    draft = timed(text)
    assert draft.entries
    for e in draft.entries:
        assert text[e.span[0] : e.span[1]] == e.quote


# ---------------------------------------------------------------------------
# Sentences: bounded pieces, exact offsets


def test_a_long_run_without_sentence_ends_is_read_in_pieces() -> None:
    text = "word " * 700 + "The ORR was 45%. " + "Xx" * 1250
    split = split_text(text)
    assert split.cut == 2
    assert all(len(s.text) <= MAX_SENTENCE for s in split.sentences)
    for s in split.sentences:
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("The ORR was 46.7% vs. 21.4% in all.", 1),  # "vs." is no sentence end
        ("Yoon S. E. and Kim W. S. wrote it.", 1),  # initials
        ("They received drug Y. Patients did well.", 2),  # a name ending a sentence
        ("It completed recruitment.FindingsBetween 2010 and 2016 it ran.", 2),
        ("It followed induction therapy. 289 patients were assigned to A.", 2),
    ],
)
def test_sentence_ends(text: str, sentences: int) -> None:
    assert len(split_text(text).sentences) == sentences


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*"ab .;,\n(0)%5A", "vs. ", "Median ", "x" * 300]), max_size=300).map(
        "".join
    )
)
def test_property_sentences_are_exact_slices_of_bounded_length(text: str) -> None:
    for s in split_text(text).sentences:
        assert text[s.start : s.end] == s.text
        assert 0 < len(s.text) <= MAX_SENTENCE
