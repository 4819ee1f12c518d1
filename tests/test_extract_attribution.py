"""Attribution in ``synth extract``: each value to its outcome and group, by sentence structure.

A value whose group the sentence states is drafted as is; one whose group is inferred is
drafted with a ``# check:`` comment saying how; one that cannot be tied to one group stays
out with a ``# skipped:`` comment.
"""

from __future__ import annotations

import pytest
import yaml

from synthesis.extract import Draft, extract

ALLOC = "In total, 98 patients were randomized to drug X (n = 50) or placebo (n = 48). "
INFERRED_ORDER = (
    "arms inferred: the sentence names no group; values taken in the order the arms were "
    "defined (drug X, placebo)"
)
FIRST_NAMED = (
    "arms inferred: the first value is drug X's (named in the sentence), the second "
    "placebo's (the other arm, not named)"
)


def rows(draft: Draft, *keys: str) -> list[tuple]:
    return [(e.name, e.arm, *(e.get(k) for k in keys), e.check) for e in draft.entries]


def skipped(draft: Draft) -> list[str]:
    return [c for c in draft.comments if c.startswith("skipped")]


# ---------------------------------------------------------------------------
# "A% vs B%": the order the groups are named in, in the sentence or in the allocation


@pytest.mark.parametrize(
    "sentence",
    [
        "The ORR was higher with drug X than with placebo (46% vs 25%).",
        "The ORR was 46% vs 25% for drug X and placebo, respectively.",
        "The ORR was 46% and 25% for drug X and placebo, respectively.",
        "The ORR was 46% (drug X) and 25% (placebo).",
        "The ORR was 46% in the drug X arm compared with 25% in the placebo arm.",
    ],
)
def test_rates_of_groups_named_in_the_sentence_are_stated(sentence: str) -> None:
    draft = extract(ALLOC + sentence)
    assert rows(draft, "percent", "total") == [
        ("ORR", "drug-x", 46, 50, None),
        ("ORR", "placebo", 25, 48, None),
    ]


def test_the_order_of_naming_not_of_definition_decides() -> None:
    draft = extract(ALLOC + "The ORR was higher with placebo than with drug X (25% vs 46%).")
    assert rows(draft, "percent") == [("ORR", "placebo", 25, None), ("ORR", "drug-x", 46, None)]


def test_values_in_a_sentence_that_names_no_group_follow_the_allocation_with_a_check() -> None:
    draft = extract(ALLOC + "The ORR was 46% vs 25% (P = .02).")
    assert rows(draft, "percent", "total") == [
        ("ORR", "drug-x", 46, 50, INFERRED_ORDER),
        ("ORR", "placebo", 25, 48, INFERRED_ORDER),
    ]
    # the check is printed above each entry it concerns
    text = draft.to_yaml()
    assert text.count(f"  # check: {INFERRED_ORDER}\n  - name: ORR\n") == 2


def test_only_the_first_arm_named_the_second_value_is_the_other_arms() -> None:
    draft = extract(ALLOC + "Drug X improved the ORR (46% vs 25%).")
    assert rows(draft, "percent") == [
        ("ORR", "drug-x", 46, FIRST_NAMED),
        ("ORR", "placebo", 25, FIRST_NAMED),
    ]


def test_only_the_second_arm_named_the_order_is_unclear_and_skipped() -> None:
    # "PFS was superior in the PAD arm (28 v 35 months)": the values may follow the allocation
    draft = extract(ALLOC + "The ORR was better with placebo (25% vs 46%).")
    assert draft.entries == ()
    assert skipped(draft) == [
        "skipped (two-arm comparison, only placebo is named and the order of the values is not "
        'stated): "25% vs 46%" in "The ORR was better with placebo (25% vs 46%)."'
    ]


def test_a_comparative_that_contradicts_the_inferred_order_vetoes_it() -> None:
    draft = extract(ALLOC + "Drug X improved the ORR (25% vs 46%).")
    assert draft.entries == ()
    assert skipped(draft)[0].startswith(
        "skipped (two-arm comparison, the values do not read as drug X first)"
    )


def test_a_group_the_model_does_not_know_blocks_any_inference() -> None:
    draft = extract(ALLOC + "The ORR was 46% vs 25% in the drug Z arm.")
    assert draft.entries == ()
    assert skipped(draft)[0].startswith(
        'skipped (two-arm comparison, "drug Z" is named, not an identified arm)'
    )


def test_three_arms_pairwise_values_go_to_the_pairs_named() -> None:
    text = (
        "Three hundred eighty-six patients were allocated to VTD (130), TD (127), or "
        "VBMCP/VBAD/B (129). The CR rate was higher with VTD than with TD (35% vs 14%, P = .001) "
        "or with VBMCP/VBAD/B (35% vs 21%, P = .01). The median PFS was longer with VTD (56.2 vs "
        "28.2 vs 35.5 months, P = .01)."
    )
    draft = extract(text)
    assert [
        (e.name, e.arm, e.get("percent") or e.get("median"), e.get("p")) for e in draft.entries
    ] == [
        ("CR", "vtd", 35, None),  # a pairwise p has no place among three arms
        ("CR", "td", 14, None),
        ("CR", "vbmcp-vbad-b", 21, None),
        ("PFS", "vtd", 56.2, 0.01),
        ("PFS", "td", 28.2, None),
        ("PFS", "vbmcp-vbad-b", 35.5, None),
    ]
    assert draft.entries[3].check == (
        "arms inferred: the first value is VTD's (named in the sentence), the others taken in "
        "the order the arms were defined (TD, VBMCP/VBAD/B)"
    )
    assert any(c.startswith("repeated: CR percent: 35") for c in draft.comments)


# ---------------------------------------------------------------------------
# Medians: "X and Y months, respectively", labelled values, "in the A arm ... in the B arm"


@pytest.mark.parametrize(
    "sentence",
    [
        "Median PFS was 8.2 and 5.1 months for drug X and placebo, respectively.",
        "Median PFS was 8.2 vs 5.1 months with drug X and placebo, respectively.",
        "Median PFS was 8.2 months in the drug X arm compared with 5.1 months in the placebo arm.",
        "Median PFS was 8.2 months for drug X vs 5.1 months for placebo.",
        "Median PFS for drug X was 8.2 months vs 5.1 months for placebo.",
        "Median PFS for drug X vs. placebo was 8.2 vs. 5.1 months.",
        "The median PFS was significantly longer with drug X than with placebo (8.2 vs 5.1 "
        "months).",
        "Median PFS (drug X, 8.2 months vs placebo, 5.1 months) was longer.",
    ],
)
def test_medians_of_groups_named_in_the_sentence(sentence: str) -> None:
    draft = extract(ALLOC + sentence)
    assert rows(draft, "median", "unit") == [
        ("PFS", "drug-x", 8.2, "months", None),
        ("PFS", "placebo", 5.1, "months", None),
    ]


def test_medians_and_cis_of_two_groups() -> None:
    draft = extract(
        ALLOC + "Median survival was 15.1 months (95% CI 14.1-16.3) in the drug X group and "
        "12.7 months (11.6-13.7) in the placebo group."
    )
    assert [(e.arm, e.get("median"), e.get("ci")) for e in draft.entries] == [
        ("drug-x", 15.1, [14.1, 16.3]),
        ("placebo", 12.7, [11.6, 13.7]),  # the level is printed once, with the first
    ]


def test_times_per_group_without_the_word_median_are_drafted_with_a_check() -> None:
    draft = extract(
        ALLOC + "No difference in OS was observed [drug X = 14 mos, placebo = not reached]."
    )
    check = 'read as medians: the sentence gives a time per group for OS without the word "median"'
    assert rows(draft, "median") == [("OS", "drug-x", 14, check), ("OS", "placebo", "NR", check)]
    draft = extract(ALLOC + "Overall survival was longer with drug X (14 vs 9 months; P = .01).")
    assert rows(draft, "median", "p") == [
        ("OS", "drug-x", 14, 0.01, f"{check}; {FIRST_NAMED}"),
        ("OS", "placebo", 9, None, f"{check}; {FIRST_NAMED}"),
    ]


def test_a_median_carried_to_the_next_outcome_of_the_list() -> None:
    draft = extract(
        ALLOC + "Median time-to-progression (13.6 vs. 7.0 months) and progression-free survival "
        "(11.9 vs. 6.4 months) were longer with drug X versus placebo, respectively."
    )
    assert [(e.name, e.arm, e.get("median")) for e in draft.entries] == [
        ("TTP", "drug-x", 13.6),
        ("TTP", "placebo", 7.0),
        ("PFS", "drug-x", 11.9),
        ("PFS", "placebo", 6.4),
    ]


def test_a_value_for_each_arm_goes_to_both() -> None:
    draft = extract(ALLOC + "Median progression-free survival was 2.9 months for each arm.")
    assert rows(draft, "median") == [("PFS", "drug-x", 2.9, None), ("PFS", "placebo", 2.9, None)]


def test_a_value_for_both_unnamed_groups_is_skipped() -> None:
    draft = extract(
        ALLOC + "In refractory patients, results held (median PFS 3.8 months for both)."
    )
    assert draft.entries == ()
    assert skipped(draft)


def test_a_sentence_about_one_group_gives_its_values_to_that_group() -> None:
    draft = extract(ALLOC + "In the drug X arm, the ORR was 46%.")
    assert rows(draft, "percent", "total") == [("ORR", "drug-x", 46, 50, None)]
    draft = extract(ALLOC + "Among 50 patients on the drug X arm, median PFS was 8.2 months.")
    assert rows(draft, "median") == [("PFS", "drug-x", 8.2, None)]


# ---------------------------------------------------------------------------
# Denominators


def test_a_rate_takes_its_group_size_the_quote_then_holds_it() -> None:
    text = ALLOC + "The ORR was higher with drug X than with placebo (46% vs 25%)."
    draft = extract(text)
    entry = draft.entries[0]
    assert entry.get("total") == 50 and entry.quote == text.strip()
    assert entry.note == "total = the arm's n, stated apart from the rate"


def test_denominators_from_the_patients_a_rate_is_of() -> None:
    draft = extract(
        "Among 33 treated patients (61% men), the median age was 64 years. Overall response "
        "rate was 76%."
    )
    assert (draft.n, rows(draft, "percent", "total")) == (33, [("ORR", None, 76, 33, None)])
    draft = extract(
        "The objective response rate of the 50 patients was 48.0% (95% CI, 22.5 to 57.1%)."
    )
    assert rows(draft, "percent", "total") == [("ORR", None, 48.0, 50, None)]
    draft = extract(
        "Sixty-two patients were enrolled; the complete response rate among all treated "
        "patients (n = 61) was 61%."
    )
    assert rows(draft, "percent", "total") == [("CR", None, 61, 61, None)]


def test_rates_compared_with_a_group_of_unstated_size_take_no_total() -> None:
    draft = extract(
        "Of the 44 treated patients, 30 (58.9%) received A-based regimens, showing higher "
        "response rates (46.7% vs. 21.4%) than non-A regimens."
    )
    assert draft.entries == ()
    assert [c.split(": ORR")[0] for c in skipped(draft)[:2]] == [
        "skipped (a rate compared with non-A regimens, whose size is not stated)"
    ] * 2


def test_a_count_and_a_percent_that_disagree_keep_the_count() -> None:
    draft = extract(
        "A total of 264 patients received first-line EGFR TKI therapy, and a total of 187 "
        "patients received second-line TKI therapy. The ORR of first-, and second-line TKI "
        "therapy were 67.8% (159/233) and 55.6% (94/169), respectively (P = 0.001)."
    )
    assert [
        (e.arm, e.get("events"), e.get("total"), e.get("percent"), e.get("p"))
        for e in draft.entries
    ] == [
        ("first-line-egfr-tki-therapy", 159, 233, None, 0.001),
        ("second-line-tki-therapy", 94, 169, 55.6, None),
    ]


# ---------------------------------------------------------------------------
# Ratios, contrasts, subgroups


def test_a_prognostic_ratio_keeps_its_contrast_verbatim() -> None:
    draft = extract(
        "A total of 44 patients were treated. Patients with prior nephrectomy had longer PFS "
        "(HR 0.45; 95% CI 0.26-0.78; P = .004). On multivariate analysis, although late relapse "
        "(HR, 0.21; 95% CI, 0.13-0.34) was associated with lower mortality, the risk of "
        "mortality increased with age (HR, 1.25; 95% CI, 1.11-1.40)."
    )
    assert [(e.name, e.get("hr"), e.get("contrast"), e.get("adjusted")) for e in draft.entries] == [
        ("PFS", 0.45, "Patients with prior nephrectomy", None),
        ("OS", 0.21, "late relapse", True),  # a hazard ratio of mortality is one of survival
        ("OS", 1.25, "age", True),
    ]
    for e in draft.entries:
        assert e.get("contrast") in e.quote


def test_a_multivariate_ratio_without_its_contrast_is_skipped() -> None:
    draft = extract(
        "A total of 44 patients were treated. On multivariate analysis, the hazard ratio for "
        "death was 1.25 (95% CI 1.11-1.40)."
    )
    assert draft.entries == ()
    assert skipped(draft)[0].startswith(
        'skipped (a multivariate ratio whose contrast is not stated): "hazard ratio for death'
    )


def test_a_treatment_ratio_has_no_contrast() -> None:
    draft = extract(ALLOC + "Drug X improved PFS (HR 0.61, 95% CI 0.42-0.89; P = .01).")
    assert [(e.name, e.arm, e.get("hr"), e.get("contrast")) for e in draft.entries] == [
        ("PFS", None, 0.61, None)
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "In patients with del(17p), median PFS was 12 months.",
        "Among patients aged 70 years or older, the ORR was 35%.",
        "Excluding patients with favorable karyotypes, the CR rate was 45%.",
    ],
)
def test_values_of_a_subgroup_are_skipped_with_a_comment(sentence: str) -> None:
    draft = extract("A total of 100 patients were enrolled. " + sentence)
    assert draft.entries == ()
    assert any(c.startswith("skipped (subgroup)") for c in draft.comments)


# ---------------------------------------------------------------------------
# Every outcome-like number not drafted is named in a comment


def test_every_outcome_like_number_not_drafted_has_a_comment() -> None:
    text = (
        ALLOC + "The 1-year OS rate was 62%. Overall survival was 14 months in one cohort. "
        "Median PFS was 8.2 vs 5.1 months (HR 0.7, 95% CI 0.5-0.9) in the drug Z arm."
    )
    draft = extract(text)
    assert [(e.name, e.get("hr")) for e in draft.entries] == [("PFS", 0.7)]
    comments = skipped(draft)
    assert (
        'skipped (a survival rate, at a fixed time?): "62%" in "The 1-year OS rate was 62%."'
        in (comments)
    )
    assert any('"14 months"' in c for c in comments)
    assert any('"8.2 vs 5.1 months"' in c for c in comments)


def test_entries_hold_the_offsets_of_their_numbers() -> None:
    text = ALLOC + "Median PFS was 8.2 and 5.1 months for drug X and placebo, respectively."
    for e in extract(text).entries:
        for a, b in e.values:
            assert e.span[0] <= a < b <= e.span[1]
        printed = text[e.values[0][0] : e.values[0][1]]
        assert printed.startswith(str(e.get("median")))


def test_a_draft_with_checks_reads_back_as_its_record() -> None:
    draft = extract(ALLOC + "The ORR was 46% vs 25% (P = .02). Median OS was 14.2 vs 9.1 months.")
    record = yaml.safe_load(draft.to_yaml())
    assert record == draft.record()
    assert [o["arm"] for o in record["outcomes"]] == ["drug-x", "placebo", "drug-x", "placebo"]
