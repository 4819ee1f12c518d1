"""The abstract sets that measure `synth extract` are complete and sound.

Each folder under ``tests/data/abstracts/`` pairs ``X.txt`` (an abstract) with ``X.yaml``
(the record a reviewer would write from it). The expected records define "right" for
``bench/measure_extract.py``, so they are held to the records layer's rules: every
record of the real-abstract sets loads without errors, every quote is an exact
substring of its abstract, and no abstract lacks its record (or the other way round).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from synthesis.records.review import load_review

SETS = Path(__file__).resolve().parent / "data" / "abstracts"
FOLDERS = sorted(p for p in SETS.iterdir() if p.is_dir())


def test_the_sets_are_there() -> None:
    assert [p.name for p in FOLDERS] == ["dev", "round1", "round2", "round3", "seeds"]
    counts = {p.name: len(list(p.glob("*.txt"))) for p in FOLDERS}
    assert counts == {"dev": counts["dev"], "round1": 20, "round2": 20, "round3": 20, "seeds": 5}
    assert counts["dev"] >= 6


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_abstract_has_its_record(folder: Path) -> None:
    texts = {p.stem for p in folder.glob("*.txt")}
    records = {p.stem for p in folder.glob("*.yaml")}
    assert texts == records


@pytest.mark.parametrize(
    "folder", [SETS / "round1", SETS / "round2", SETS / "round3"], ids=lambda p: p.name
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
