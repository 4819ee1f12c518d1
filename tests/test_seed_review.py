"""The seed review in studies/: sound, traceable to its sources, normalized as expected.

Each record's first line names its source abstract (``# Source: tests/data/seeds/...``).
Every ``quote`` must be an exact substring of that abstract, and every number written
in an entry must appear in the entry's quote or be explained in its note.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.records.normalize import Entry
from synthesis.records.review import Review, load_review

REPO = Path(__file__).resolve().parent.parent
STUDIES = REPO / "studies"
RECORDS = sorted(STUDIES.glob("*.yaml"))
Z95 = 1.959963984540054  # qnorm(0.975)

# Fields whose numbers must be traceable to the quote or the note.
NUMBER_FIELDS = ("events", "percent", "total", "median", "hr", "or", "rr", "estimate", "se")

# Numbers in the seed records that are neither in the entry's quote nor in its note.
# Each is a gap in the record, listed here so that the test fails when the record
# changes (fixed: remove the line; new gap: explain it in the note instead).
KNOWN_UNEXPLAINED: set[tuple[str, int, str, str]] = set()


def source_of(record: Path) -> Path:
    first = record.read_text(encoding="utf-8").splitlines()[0]
    m = re.fullmatch(r"#\s*Source:\s*(\S+)\s*", first)
    assert m, f"{record.name}: the first line must be '# Source: tests/data/seeds/...'"
    path = REPO / m.group(1)
    assert path.is_file(), f"{record.name}: source {m.group(1)} not found"
    return path


def raw_entries(record: Path) -> list[dict]:
    doc = yaml.safe_load(record.read_text(encoding="utf-8"))
    return list(doc.get("outcomes") or [])


def written_numbers(entry: dict) -> list[tuple[str, str]]:
    """(field, number as written) for every number in the entry's data fields and CI."""
    out = []
    for key in NUMBER_FIELDS:
        if key in entry and isinstance(entry[key], (int, float)):
            out.append((key, number_text(entry[key])))
    for bound in entry.get("ci") or []:
        if isinstance(bound, (int, float)):
            out.append(("ci", number_text(bound)))
    return out


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def mentions(text: str | None, number: str) -> bool:
    """Whether *number* appears in *text* as a whole number (``4`` is not in ``14`` or ``4.5``)."""
    if not text:
        return False
    return re.search(rf"(?<![\d.]){re.escape(number)}(?!\.?\d)", text) is not None


@pytest.fixture(scope="module")
def review() -> Review:
    return load_review(STUDIES, root=REPO)


def entry(review: Review, study: str, outcome: str, arm: str | None = None, **kw) -> Entry:
    found = [
        e
        for e in review.entries
        if e.study == study
        and e.outcome == outcome
        and (arm is None or e.arm == arm)
        and all(getattr(e, k) == v for k, v in kw.items())
    ]
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- sound


def test_validate_is_green(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["validate", "--studies", "studies"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "OK: 5 records, 14 outcome entries (8 outcomes), 1 warning; "
        "quotes checked against the source text of 5 of 5\n"
    )
    assert result.stderr == (
        "studies/cityofhope2022-blina.yaml:14: outcomes[0].percent: warning: 64% of 132 could "
        "be 84/132 or 85/132; using the nearest, 84/132 (63.64%) - give events to settle it\n"
    )


def test_five_records(review: Review) -> None:
    assert len(RECORDS) == 5
    assert sorted(s.id for s in review.studies) == [
        "chictr2400086092-ankl",
        "cityofhope2022-blina",
        "hsct2-2025-al",
        "lenalidomide2023-ball",
        "yoon2025-ankl",
    ]


def test_every_study_has_a_disease_tag(review: Review) -> None:
    for study in review.studies:
        assert study.tags.get("disease"), study.id


# --------------------------------------------------------------------------- traceable


@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_quotes_are_exact_substrings_of_the_source(record: Path) -> None:
    source = source_of(record).read_text(encoding="utf-8")
    quotes = [e["quote"] for e in raw_entries(record) if "quote" in e]
    assert quotes, f"{record.name} has no quotes"
    for quote in quotes:
        assert quote in source, f"{record.name}: quote not in source: {quote!r}"


@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_every_entry_has_a_quote(record: Path) -> None:
    for i, e in enumerate(raw_entries(record)):
        assert e.get("quote"), f"{record.name}: outcomes[{i}] has no quote"


def test_every_number_is_in_its_quote_or_explained_in_its_note() -> None:
    unexplained = set()
    checked = 0
    for record in RECORDS:
        for i, e in enumerate(raw_entries(record)):
            for key, number in written_numbers(e):
                checked += 1
                if not (mentions(e.get("quote"), number) or mentions(e.get("note"), number)):
                    unexplained.add((record.name, i, key, number))
    assert checked >= 25
    assert unexplained == KNOWN_UNEXPLAINED


def test_number_matching_is_whole_number() -> None:
    assert mentions("higher response rates (46.7% vs. 21.4%)", "46.7")
    assert mentions("83.3% (5/6)", "5") and mentions("83.3% (5/6)", "6")
    assert not mentions("14 responders", "4")
    assert not mentions("4.5 months", "4")
    assert not mentions("1.061-4.326", "1.06")
    assert mentions("95 % CI: 1-22.9", "1") and mentions("95 % CI: 1-22.9", "22.9")


# --------------------------------------------------------------------------- normalized values


def test_yoon_orr_from_percent(review: Review) -> None:
    lasp = entry(review, "yoon2025-ankl", "ORR", "lasp")
    other = entry(review, "yoon2025-ankl", "ORR", "other")
    assert (lasp.events, lasp.total, lasp.events_from_percent, lasp.arm_role) == (
        14,
        30,
        True,
        "experimental",
    )
    assert (other.events, other.total, other.events_from_percent, other.arm_role) == (
        3,
        14,
        True,
        "control",
    )


def test_yoon_medians(review: Review) -> None:
    assert entry(review, "yoon2025-ankl", "OS", "all").median == 1.6
    assert entry(review, "yoon2025-ankl", "PFS", "all").median == 0.8
    dor = entry(review, "yoon2025-ankl", "DOR", "lasp")
    assert (dor.median, dor.n, dor.unit) == (4.5, 14, "months")
    assert entry(review, "yoon2025-ankl", "DOR", "other").n == 3


def test_city_of_hope_orr_is_ambiguous(review: Review) -> None:
    orr = entry(review, "cityofhope2022-blina", "ORR")
    assert (orr.events, orr.total, orr.events_from_percent, orr.percent) == (84, 132, True, 64.0)
    assert [str(w) for w in review.warnings] == [
        "studies/cityofhope2022-blina.yaml:14: outcomes[0].percent: warning: 64% of 132 could be "
        "84/132 or 85/132; using the nearest, 84/132 (63.64%) - give events to settle it"
    ]


def test_hsct2(review: Review) -> None:
    hr = entry(review, "hsct2-2025-al", "OS", kind="ratio")
    assert (hr.ratio_type, hr.ratio, hr.ci_low, hr.ci_high, hr.p) == (
        "hr",
        2.142,
        1.061,
        4.326,
        0.034,
    )
    assert hr.yi == pytest.approx(math.log(2.142), rel=1e-15)
    # (ln 4.326 - ln 1.061) / (2 * 1.959963984540054) = 0.358548...
    assert hr.se == pytest.approx(
        (math.log(4.326) - math.log(1.061)) / (2 * 1.959963984540054), rel=1e-14
    )
    assert hr.se_source == "ci" and hr.adjusted is True
    median = entry(review, "hsct2-2025-al", "OS", kind="median")
    assert (median.median, median.median_ci_low, median.median_ci_high, median.n) == (
        11.0,
        1.0,
        22.9,
        72,
    )
    mortality = entry(review, "hsct2-2025-al", "Mortality")
    assert (mortality.events, mortality.total) == (44, 72)  # 61.1% of 72


def test_single_arm_counts(review: Review) -> None:
    orr = entry(review, "chictr2400086092-ankl", "ORR")
    cr = entry(review, "chictr2400086092-ankl", "CR")
    assert (orr.events, orr.total, cr.events, cr.total) == (5, 6, 5, 6)
    crc = entry(review, "lenalidomide2023-ball", "CR/CRi")
    assert (crc.events, crc.total, crc.events_from_percent) == (25, 28, False)
    efs = entry(review, "lenalidomide2023-ball", "EFS")
    assert (efs.median, efs.n) == (35.4, 28)


def test_entry_counts(review: Review) -> None:
    assert len(review.entries) == 14
    assert review.outcomes() == ["CR", "CR/CRi", "DOR", "EFS", "Mortality", "ORR", "OS", "PFS"]
