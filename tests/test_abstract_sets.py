"""The abstract sets that measure `synth extract` are complete and sound.

Each folder under ``tests/data/abstracts/`` pairs ``X.txt`` (an abstract) with ``X.yaml``
(the record a reviewer would write from it). The expected records define "right" for
``bench/measure_extract.py``, so they are held to the records layer's rules: every
record of the real-abstract sets loads without errors, every quote is an exact
substring of its abstract, and no abstract lacks its record (or the other way round).
"""

from __future__ import annotations

import contextlib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import yaml

from synthesis.records.review import load_review

SETS = Path(__file__).resolve().parent / "data" / "abstracts"
FOLDERS = sorted(p for p in SETS.iterdir() if p.is_dir())


def test_the_sets_are_there() -> None:
    assert [p.name for p in FOLDERS] == [
        "dev",
        "round1",
        "round2",
        "round3",
        "round4",
        "round5",
        "round6",
        "round7",
        "round8",
        "seeds",
    ]
    counts = {p.name: len(list(p.glob("*.txt"))) for p in FOLDERS}
    assert counts == {
        "dev": counts["dev"],
        "round1": 20,
        "round2": 20,
        "round3": 20,
        "round4": 23,
        "round5": 25,
        "round6": 23,
        "round7": 24,
        "round8": 21,
        "seeds": 5,
    }
    assert counts["dev"] >= 6


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_abstract_has_its_record(folder: Path) -> None:
    texts = {p.stem for p in folder.glob("*.txt")}
    records = {p.stem for p in folder.glob("*.yaml")}
    assert texts == records


@pytest.mark.parametrize(
    "folder",
    [
        SETS / "round1",
        SETS / "round2",
        SETS / "round3",
        SETS / "round4",
        SETS / "round5",
        SETS / "round6",
        SETS / "round7",
        SETS / "round8",
    ],
    ids=lambda p: p.name,
)
def test_expected_records_load_without_errors(folder: Path) -> None:
    # The real-abstract sets hold the records a reviewer would save. (``dev`` and
    # ``seeds`` hold what the extractor should draft, which may lack a citation or
    # year the text does not give: test_extract.py checks those drafts.)
    review = load_review(folder)
    assert len(review.studies) == len(list(folder.glob("*.yaml")))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_expected_quote_is_in_its_abstract(folder: Path) -> None:
    for record in sorted(folder.glob("*.yaml")):
        text = record.with_suffix(".txt").read_text(encoding="utf-8")
        data = yaml.safe_load(record.read_text(encoding="utf-8"))
        for i, entry in enumerate(data.get("outcomes") or []):
            quote = entry.get("quote")
            if quote is not None:
                assert str(quote) in text, f"{record.name}: outcomes[{i}].quote"


# ---------------------------------------------------------------------------
# Rounds 4 to 7 also hold every number of an entry to its quote.

_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_TEENS = {
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_SMALL = {**_WORDS, **_TEENS}
_SMALL_ALT = "|".join(sorted(_SMALL, key=len, reverse=True))
# "One hundred fifteen", "Five hundred and forty-three", "Fifteen"
_WORD_PHRASE = re.compile(
    rf"\b(?:({_SMALL_ALT})[\s-]+hundred(?:[\s-]+(?:and[\s-]+)?({_SMALL_ALT})(?:-({_SMALL_ALT}))?)?"
    rf"|({_SMALL_ALT})(?:-({_SMALL_ALT}))?)\b",
    re.I,
)
_NUMBER = re.compile(r"\d+(?:[ ,]\d{3})+(?![\d.,])|\d*[.,·]\d+|\d+")
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORDS) + r")(?:-(" + "|".join(_WORDS) + r"))?\b", re.I)


def numbers_in(text: str) -> set[Decimal]:
    """Every number a reader can see in ``text``: thousands separators (``3,209``, ``3 700``),
    decimal points, decimal commas (``3,9``), middle dots, leading points (``.007``) and
    numbers written in words (``Thirty-eight``)."""
    found: set[Decimal] = set()
    for token in _NUMBER.findall(text):
        variants = {token.replace(",", "").replace(" ", "")}
        if re.fullmatch(r"\d*[,·]\d+", token):  # decimal comma or middle dot
            variants.add(token.replace(",", ".").replace("·", "."))
        for v in variants:
            with contextlib.suppress(InvalidOperation):
                found.add(Decimal(v if not v.startswith(".") else "0" + v))
    for tens, unit in _WORD_NUMBER.findall(text):
        found.add(Decimal(_WORDS[tens.lower()] + (_WORDS[unit.lower()] if unit else 0)))
    for match in _WORD_PHRASE.findall(text):
        hundreds, *rest = (_SMALL.get(w.lower(), 0) for w in match)
        found.add(Decimal(hundreds * 100 + sum(rest)))
    return found


def entry_numbers(entry: dict) -> dict[str, Decimal]:
    """The numbers an outcome entry asserts (not its name, arm, unit or note)."""
    out: dict[str, Decimal] = {}
    for key in (
        "events",
        "total",
        "percent",
        "median",
        "hr",
        "or",
        "rr",
        "mean",
        "sd",
        "n",
        "estimate",
        "se",
    ):
        value = entry.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = Decimal(str(value))
    for i, bound in enumerate(entry.get("ci") or []):
        out[f"ci[{i}]"] = Decimal(str(bound))
    p = entry.get("p")
    if isinstance(p, (int, float)):
        out["p"] = Decimal(str(p))
    elif isinstance(p, str):
        out["p"] = Decimal(p.lstrip("<>=≤≥ "))
    return out


def number_problems(folder: Path) -> list[str]:
    """Every number of every entry must be printed in its quote; a ``total`` that is the
    arm's or the study's size may instead be printed elsewhere in the text."""
    problems = []
    for record in sorted(folder.glob("*.yaml")):
        text = record.with_suffix(".txt").read_text(encoding="utf-8")
        data = yaml.safe_load(record.read_text(encoding="utf-8"))
        sizes = {a.get("id"): a.get("n") for a in data.get("arms") or []}
        for i, entry in enumerate(data.get("outcomes") or []):
            quote = str(entry.get("quote", ""))
            if quote not in text:
                problems.append(f"{record.name}: outcomes[{i}].quote is not in the text")
            in_quote, in_text = numbers_in(quote), numbers_in(text)
            for key, value in entry_numbers(entry).items():
                if value in in_quote:
                    continue
                stated_size = key == "total" and value in (
                    Decimal(str(sizes.get(entry.get("arm")) or -1)),
                    Decimal(str(data.get("n") or -1)),
                )
                if stated_size and value in in_text:
                    continue
                problems.append(f"{record.name}: outcomes[{i}].{key} = {value} is not in its quote")
        for arm in data.get("arms") or []:
            if arm.get("n") is not None and Decimal(str(arm["n"])) not in numbers_in(text):
                problems.append(f"{record.name}: arm {arm['id']} n = {arm['n']} is not in the text")
        if data.get("n") is not None and Decimal(str(data["n"])) not in numbers_in(text):
            problems.append(f"{record.name}: n = {data['n']} is not in the text")
    return problems


@pytest.mark.parametrize(
    "folder",
    [SETS / "round4", SETS / "round5", SETS / "round6", SETS / "round7", SETS / "round8"],
    ids=lambda p: p.name,
)
def test_every_number_of_an_entry_is_in_its_quote(folder: Path) -> None:
    assert number_problems(folder) == []


if __name__ == "__main__":  # python tests/test_abstract_sets.py [FOLDER ...]
    import sys

    folders = [Path(a) for a in sys.argv[1:]] or [SETS / "round4"]
    found = [problem for f in folders for problem in number_problems(f)]
    print(
        "\n".join(found) or f"OK: every quote and every number checked in {len(folders)} folder(s)"
    )
    sys.exit(1 if found else 0)
