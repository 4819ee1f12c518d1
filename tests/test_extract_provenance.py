"""Provenance: ``check_quotes`` against a record's source text, and drafts that pass it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.extract import check_quotes, entry_numbers, extract, iter_numbers, read_abstract

REPO = Path(__file__).resolve().parent.parent
ABSTRACTS = REPO / "tests" / "data" / "abstracts"
SOURCE = (
    "Median progression-free survival and overall survival were 0.8 and\n"
    "1.6 months, respectively. The overall response rate was 46.7% (14/30) vs. 21.4%.\n"
    "Seventy percent of the 290 achieved complete remission; median OS was not reached.\n"
    "The hazard ratio was 0·70 (97.5% CI 0·59-0·83, p<0·0001)."
)


def test_a_sound_record_has_no_problem() -> None:
    entries = [
        (
            12,
            "outcomes[0].quote",
            "overall survival were 0.8 and 1.6 months",  # a line break in the text: a space
            [("median", 1.6)],
        ),
        (
            18,
            "outcomes[1].quote",
            "The overall response rate was 46.7% (14/30)",
            [("events", 14), ("total", 30), ("percent", 46.7)],
        ),
        (24, "outcomes[2].quote", "Seventy percent of the 290", [("percent", 70), ("total", 290)]),
        (28, "outcomes[3].quote", "median OS was not reached", [("median", "NR")]),
        (
            32,
            "outcomes[4].quote",
            "The hazard ratio was 0·70 (97.5% CI 0·59-0·83, p<0·0001)",
            [("hr", 0.7), ("ci", 0.59), ("ci", 0.83), ("ci_level", 0.975), ("p", "<0.0001")],
        ),
    ]
    assert check_quotes(text=SOURCE, entries=entries) == []


def test_a_quote_not_in_the_text_and_numbers_not_in_their_quote() -> None:
    entries = [
        (7, "outcomes[0].quote", "The overall response rate was 46.7% (15/30)", [("events", 15)]),
        (9, "outcomes[1].quote", "overall survival were 0.8 and 1.6 months", [("median", 1.7)]),
        (11, "outcomes[2].quote", "median OS was not reached", [("median", 14)]),
        (13, "outcomes[3].quote", "   ", []),
        (15, "outcomes[4].quote", "The hazard ratio was 0·70", [0.7, ("p", 0.05)]),
    ]
    # the one check of synth validate (synthesis.records.provenance), re-exported by extract
    assert check_quotes(text=SOURCE, entries=entries) == [
        (
            7,
            "outcomes[0].quote",
            'quote is not in the source text: "The overall response rate was 46.7% (15/30)"; '
            'the closest passage is "...overall response rate was 46.7% (14/30)...": the text '
            'has "(14/30)" where the quote has "(15/30)"',
        ),
        (
            9,
            "outcomes[1].median",
            '1.7 is not printed in the quote "overall survival were 0.8 and 1.6 months", nor '
            "anywhere in the source text; check the number, or say in the entry's note where it "
            "comes from",
        ),
        (
            11,
            "outcomes[2].median",
            '14 is not printed in the quote "median OS was not reached"; the source text:2 prints '
            'it ("...The overall response rate was 46.7% (14/30) vs. 21.4%. Seventy percent of '
            "the...\"): quote that passage, or say in the entry's note where it comes from",
        ),
        (
            13,
            "outcomes[3].quote",
            "quote is empty; copy the sentence from the source text that gives it",
        ),
        (
            15,
            "outcomes[4].p",
            '0.05 is not printed in the quote "The hazard ratio was 0·70", nor anywhere in the '
            "source text; check the number, or say in the entry's note where it comes from",
        ),
    ]


def test_a_changed_word_is_not_verbatim_but_whitespace_is_free() -> None:
    assert (
        check_quotes(text=SOURCE, entries=[(1, "q", "Median  progression-free\tsurvival", [])])
        == []
    )
    [(_line, _field, message)] = check_quotes(
        text=SOURCE, entries=[(1, "q", "Median progression free survival", [])]
    )
    assert message.startswith('quote is not in the source text: "Median progression free')


def test_entry_numbers_lists_every_number_of_an_entry() -> None:
    entry = {
        "name": "OS",
        "arm": "a",
        "hr": 0.7,
        "ci": [0.59, 0.83],
        "ci_level": 0.975,
        "p": "<0.0001",
        "adjusted": True,
        "quote": "x",
    }
    assert entry_numbers(entry) == [
        ("ci", 0.59),
        ("ci", 0.83),
        ("ci_level", 0.975),
        ("hr", 0.7),
        ("p", "<0.0001"),
    ]


def test_numbers_printed_in_words_count() -> None:
    assert sorted(iter_numbers("Forty-six (78%) of one hundred and twelve, p = .05")) == [
        0.05,
        46.0,
        78.0,
        112.0,
    ]


def _checked(text: str) -> list:
    draft = extract(text)
    record = yaml.safe_load(draft.to_yaml())
    entries = [
        (None, f"outcomes[{i}].quote", o["quote"], entry_numbers(o))
        for i, o in enumerate(record["outcomes"])
    ]
    return check_quotes(text=text, entries=entries)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in ABSTRACTS.glob("*/*.txt")),
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_every_draft_passes_its_own_provenance_check(path: Path) -> None:
    assert _checked(read_abstract(path)) == []


_PARTS = st.sampled_from(
    [
        "Patients were randomized to drug A (n = {a}) or drug B (n = {b}). ",
        "The ORR was {c}% vs {d}% (P = .0{a}). ",
        "Median OS was {c}.{a} vs {d} months. ",
        "Median PFS was {c} months in the drug A arm compared with {d} months in the drug B arm. ",
        "A total of {a} patients were enrolled. ",
        "The CR rate was {c}% ({a}/{b}). ",
        "PFS was longer with drug A (HR 0.{a}; 95% CI 0.{c}-1.{d}). ",
        "No difference in OS was observed [drug A = {c} mos, drug B = not reached]. ",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(
        st.tuples(
            _PARTS, st.integers(1, 99), st.integers(1, 99), st.integers(1, 99), st.integers(1, 99)
        ),
        min_size=1,
        max_size=6,
    )
)
def test_property_drafts_pass_their_provenance_check(parts) -> None:
    text = "".join(p.format(a=a, b=b, c=c, d=d) for p, a, b, c, d in parts)
    assert _checked(text) == []
