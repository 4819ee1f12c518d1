"""Cohort sizes, arm sizes and response rates (``synth extract``): general patterns.

Each test is a short made-up sentence showing one way abstracts state a cohort, an arm's
size or a rate and its denominator; the drafted values are asserted. A doubtful value stays
out with a ``# skipped:`` comment: a wrong number is worse than a missed one.
"""

from __future__ import annotations

from synthesis.extract import Draft, extract


def rows(draft: Draft, *keys: str) -> list[tuple]:
    return [(e.name, e.arm, *(e.get(k) for k in keys)) for e in draft.entries]


def arms(draft: Draft) -> list[tuple]:
    return [(a.id, a.n) for a in draft.arms]


def skipped(draft: Draft) -> list[str]:
    return [c for c in draft.comments if c.startswith("skipped")]


# ---------------------------------------------------------------------------
# The cohort


def test_the_outcome_of_n_patients_is_the_cohort() -> None:
    draft = extract("We examined the outcomes of 212 adults with untreated myeloma.")
    assert draft.n == 212


def test_we_followed_n_patients_is_the_cohort() -> None:
    draft = extract("We followed 1,304 patients with polycythemia vera for a median of 9 years.")
    assert draft.n == 1304


def test_a_year_range_is_not_a_second_count() -> None:
    draft = extract(
        "Three hundred and twelve patients diagnosed between 2001 and 2019 were included."
    )
    assert draft.n == 312


def test_the_count_that_passed_screening_is_the_cohort() -> None:
    draft = extract(
        "Of 240 patients screened, 201 were enrolled. The median age was 64 years. "
        "Complete remission was achieved in 150 patients (74.6%)."
    )
    assert draft.n == 201
    assert rows(draft, "events", "total") == [("CR", None, 150, 201)]


def test_an_age_bound_beside_the_count_is_not_a_rival() -> None:
    draft = extract(
        "Among 410 adult (aged 18 to 65 years) patients registered, 398 were eligible."
    )
    assert draft.n == 398


def test_a_share_of_the_cohort_does_not_make_the_cohort_doubtful() -> None:
    # "N patients (x%) received R" is a part of the cohort (x% of it), not a second cohort
    draft = extract(
        "Ninety patients with follicular lymphoma were included in this study. "
        "Forty-five patients (50.0%) received bendamustine. "
        "Complete response was seen in 54 (60.0%) patients."
    )
    assert draft.n == 90
    assert rows(draft, "events", "percent", "total") == [("CR", None, 54, 60.0, 90)]


def test_a_count_and_percent_of_another_denominator_are_skipped() -> None:
    # 300 of 400 is 75%, not 80%: the percent is of a population the text does not state
    draft = extract(
        "Of 420 patients registered, 400 were eligible. CR was achieved in 300 patients (80%)."
    )
    assert draft.n == 400
    assert rows(draft, "events") == []
    assert any("not of the stated n = 400" in c for c in skipped(draft))


def test_a_count_and_percent_of_a_denominator_printed_beside_them_are_kept() -> None:
    draft = extract(
        "Nine patients were enrolled. The ORR was 87.5% (7/8), including 5 patients (62.5%) "
        "with CR."
    )
    assert ("CR", None, 5, None) in rows(draft, "events", "total")
