"""Median survival rules (``synth extract``): each input is a short made-up sentence.

Every rule reads a general way abstracts print medians (its CI, NR, its unit, its group);
the sentences are written here, not copied from the development rounds, and the drafted
values are asserted exactly. A median whose group is not clear stays out.
"""

from __future__ import annotations

from synthesis.extract import Draft, extract

ONE_ARM = "We enrolled 60 patients with relapsed myeloma in this single-arm phase 2 study. "
TWO_ARMS = (
    "A total of 400 patients were randomly assigned to zanubrutinib (n = 200) or "
    "bendamustine-rituximab (BR; n = 200). "
)


def medians(draft: Draft) -> list[tuple]:
    return [
        (e.name, e.arm, e.get("median"), e.get("ci"), e.get("unit"))
        for e in draft.entries
        if e.get("median") is not None
    ]


def checks(draft: Draft) -> list[str | None]:
    return [e.check for e in draft.entries if e.get("median") is not None]


# ---------------------------------------------------------------------------
# The words between the outcome and its value


def test_a_verb_phrase_before_the_value() -> None:
    draft = extract(
        ONE_ARM + "Median OS was estimated at 31 months and median PFS was "
        "calculated as 12.5 months."
    )
    assert medians(draft) == [("OS", None, 31, None, "months"), ("PFS", None, 12.5, None, "months")]


def test_a_start_point_after_from() -> None:
    draft = extract(
        ONE_ARM + "The median OS from study entry for the entire cohort was 13 "
        "(95% CI 11, 15) months."
    )
    assert medians(draft) == [("OS", None, 13, [11, 15], "months")]


def test_a_start_point_is_never_a_number() -> None:
    # "from 6 to 9 months" is a change, not a start point: nothing read as a median of 9
    draft = extract(ONE_ARM + "Median OS improved from 6 months to 9 months.")
    assert medians(draft) == []


def test_had_not_been_reached_for_two_outcomes() -> None:
    draft = extract(
        ONE_ARM + "At a median follow-up of 2 years, median PFS and OS had not been reached."
    )
    assert medians(draft) == [
        ("PFS", None, "NR", None, "months"),
        ("OS", None, "NR", None, "months"),
    ]


# ---------------------------------------------------------------------------
# A CI header: the form of the values printed before them


def test_a_ci_header_after_the_outcome() -> None:
    draft = extract(ONE_ARM + "Median OS (95% CI): 12.1 (9.8-14.0) months.")
    assert medians(draft) == [("OS", None, 12.1, [9.8, 14.0], "months")]


def test_a_ci_header_before_the_outcomes_with_respectively() -> None:
    draft = extract(
        ONE_ARM + "The median (95% CI) PFS and OS were 5 (4, 6) and 15.2 (13, 17) "
        "weeks, respectively."
    )
    assert medians(draft) == [
        ("PFS", None, 5, [4, 6], "weeks"),
        ("OS", None, 15.2, [13, 17], "weeks"),
    ]


# ---------------------------------------------------------------------------
# A list of outcomes, its values "respectively"


def test_a_listed_outcome_with_no_canonical_name_is_left_out_and_the_others_paired() -> None:
    draft = extract(
        ONE_ARM + "Median PFS, time to next treatment and OS were 10.1, 14.2 and 30.5 months, "
        "respectively."
    )
    assert medians(draft) == [
        ("PFS", None, 10.1, None, "months"),
        ("OS", None, 30.5, None, "months"),
    ]
    assert any("no canonical name" in c and "14.2" in c for c in draft.comments)


def test_a_list_whose_items_carry_brackets() -> None:
    draft = extract(
        ONE_ARM + "Median survival (overall survival [OS]), duration of remission (DR), and "
        "event-free survival (EFS) were 2.2, 2.4, and 2 years, respectively."
    )
    assert medians(draft) == [
        ("OS", None, 2.2, None, "years"),
        ("DOR", None, 2.4, None, "years"),
        ("EFS", None, 2, None, "years"),
    ]


def test_a_list_without_respectively_is_not_paired() -> None:
    draft = extract(
        ONE_ARM + "Median PFS, time to next treatment and OS were 10.1, 14.2 and 30.5 months."
    )
    assert medians(draft) == []


# ---------------------------------------------------------------------------
# Each group's value in a bracket after its name


def test_group_brackets_with_a_ci_and_more_after_it() -> None:
    draft = extract(
        TWO_ARMS + "Median OS was longer with zanubrutinib (30.1 months; 95% CI, 25.0 to 35.2) "
        "than with BR (22.4 months; 95% CI, 18.0 to 26.1; P = .01; HR, 0.71)."
    )
    assert medians(draft) == [
        ("OS", "zanubrutinib", 30.1, [25.0, 35.2], "months"),
        ("OS", "br", 22.4, [18.0, 26.1], "months"),
    ]
    assert checks(draft) == [None, None]  # "median" names the outcome: nothing inferred


def test_group_brackets_without_the_word_median_carry_a_check() -> None:
    draft = extract(
        TWO_ARMS + "Overall survival was longer with zanubrutinib (30.1 months) than with BR "
        "(22.4 months)."
    )
    assert medians(draft) == [
        ("OS", "zanubrutinib", 30.1, None, "months"),
        ("OS", "br", 22.4, None, "months"),
    ]
    assert all(c and "median" in c for c in checks(draft))


def test_group_brackets_for_one_group_only_are_not_read() -> None:
    draft = extract(TWO_ARMS + "Median OS was 30.1 months with zanubrutinib (range 2-40).")
    assert [m for m in medians(draft) if m[1] == "br"] == []


# ---------------------------------------------------------------------------
# A group named through its members: "for patients treated with ..."


def test_groups_named_through_their_members() -> None:
    draft = extract(
        TWO_ARMS + "The median PFS for patients treated with the combination of zanubrutinib "
        "plus dexamethasone was 14.0 months compared to 9.5 months for patients treated with "
        "dexamethasone and BR (P = .002)."
    )
    assert medians(draft) == [
        ("PFS", "zanubrutinib", 14.0, None, "months"),
        ("PFS", "br", 9.5, None, "months"),
    ]
    assert [e.get("p") for e in draft.entries] == [0.002, None]


def test_a_members_phrase_that_names_both_arms_is_no_label() -> None:
    draft = extract(
        TWO_ARMS + "The median PFS for patients receiving zanubrutinib after BR was 14.0 months "
        "compared to 9.5 months for those receiving BR alone."
    )
    assert medians(draft) == []


# ---------------------------------------------------------------------------
# "in the two groups": the values are the groups', in the order they were defined

SIZED = "We compared azacitidine (n = 180) and intensive chemotherapy (n = 120) in older adults. "


def test_values_said_to_be_the_two_groups_take_their_order_with_a_check() -> None:
    draft = extract(
        SIZED + "Median survival (8.1 vs 7.9 months, P = .41) was similar in the 2 groups."
    )
    assert medians(draft) == [
        ("OS", "azacitidine", 8.1, None, "months"),
        ("OS", "intensive-chemotherapy", 7.9, None, "months"),
    ]
    assert all(c and "order the groups were defined" in c for c in checks(draft))


def test_three_values_for_two_groups_are_not_ordered() -> None:
    draft = extract(
        SIZED + "Median survival (8.1 vs 7.9 vs 6.0 months) was similar in the 2 groups."
    )
    assert medians(draft) == []


# ---------------------------------------------------------------------------
# Groups named before the values, or after each value

ALLOC = (
    "A total of 400 patients were randomly assigned to arm A (ibrutinib; n = 200) or arm B "
    "(chlorambucil; n = 200). "
)


def test_a_value_in_arm_a_and_a_value_in_arm_b() -> None:
    # "and 27.9 months in arm B" is the next value, not a list of groups after the first
    draft = extract(ALLOC + "Median OS was 35.6 months in arm A and 27.9 months in arm B.")
    assert medians(draft) == [
        ("OS", "arm-a", 35.6, None, "months"),
        ("OS", "arm-b", 27.9, None, "months"),
    ]


def test_the_groups_listed_before_the_values() -> None:
    for sentence in (
        "Median OS in the arm A and arm B groups was 24.1 and 18.2 months.",
        "Median OS for arm A and arm B was 24.1 and 18.2 months, respectively.",
    ):
        assert medians(extract(ALLOC + sentence)) == [
            ("OS", "arm-a", 24.1, None, "months"),
            ("OS", "arm-b", 18.2, None, "months"),
        ], sentence


def test_longer_for_one_group_compared_with_the_other_then_the_values() -> None:
    draft = extract(
        TWO_ARMS
        + "The median OS was longer for zanubrutinib compared with BR: 24.1 vs 18.2 months."
    )
    assert medians(draft) == [
        ("OS", "zanubrutinib", 24.1, None, "months"),
        ("OS", "br", 18.2, None, "months"),
    ]


def test_values_in_patients_receiving_each_group() -> None:
    draft = extract(
        TWO_ARMS + "Median PFS was 8.3 months in patients receiving zanubrutinib and 4.2 months "
        "in those receiving BR."
    )
    assert medians(draft) == [
        ("PFS", "zanubrutinib", 8.3, None, "months"),
        ("PFS", "br", 4.2, None, "months"),
    ]


# ---------------------------------------------------------------------------
# One group's median: named before "was", in a bracket after the value, or as the subject

TWO = (
    "A total of 400 patients were randomly assigned to ibrutinib (n = 200) or chlorambucil "
    "(n = 200). "
)
BOTH = [("OS", "ibrutinib", 24.1, None, "months"), ("OS", "chlorambucil", 18.2, None, "months")]


def test_one_group_named_before_was_in_each_sentence() -> None:
    draft = extract(
        TWO + "The median OS in the ibrutinib arm was 24.1 months. The median OS in the "
        "chlorambucil arm was 18.2 months."
    )
    assert medians(draft) == BOTH


def test_and_in_the_other_arm_before_its_value() -> None:
    draft = extract(
        TWO + "The median OS in the ibrutinib arm was 24.1 months, and in the chlorambucil arm "
        "18.2 months."
    )
    assert medians(draft) == BOTH


def test_a_group_in_a_bracket_after_its_value() -> None:
    draft = extract(TWO + "Median OS: 24.1 months (ibrutinib) vs 18.2 months (chlorambucil).")
    assert medians(draft) == BOTH


def test_a_bracket_that_is_no_group_is_no_label() -> None:
    draft = extract(ONE_ARM + "Median OS was 24.1 months (range) and median PFS 10.0 months.")
    assert ("OS", None, 24.1, None, "months") in medians(draft)


def test_the_group_as_the_subject_of_the_clause() -> None:
    for sentence in (
        "Patients treated with ibrutinib had a median OS of 24.1 months, compared with 18.2 "
        "months for patients treated with chlorambucil.",
        "The ibrutinib group had a median OS of 24.1 months, compared with 18.2 months in the "
        "chlorambucil group.",
    ):
        assert medians(extract(TWO + sentence)) == BOTH, sentence


def test_a_qualified_subject_is_a_subgroup_not_the_arm() -> None:
    draft = extract(
        TWO + "Patients treated with ibrutinib who relapsed had a median OS of 24.1 months."
    )
    assert medians(draft) == []


# ---------------------------------------------------------------------------
# A group or subgroup named after the value: not the whole cohort's


def test_a_value_for_an_arm_among_a_subgroup_is_left_out() -> None:
    draft = extract(
        TWO + "Median OS was 12 months in the ibrutinib arm among patients older than 70 years."
    )
    assert medians(draft) == []


def test_a_subgroup_after_the_value_in_a_single_arm_study_is_left_out() -> None:
    for sentence in (
        "Median OS was 16 months in patients with TP53 mutation.",
        "Median OS was 16 months in the high-risk subgroup.",
    ):
        draft = extract(ONE_ARM + sentence)
        assert medians(draft) == [], sentence
        assert any(c.startswith("skipped") and "16 months" in c for c in draft.comments)


def test_the_whole_cohort_named_after_the_value_is_still_the_cohort() -> None:
    for sentence in (
        "Median OS was 16 months for the whole cohort.",
        "Median OS was 16 months in all patients.",
        "Median OS was 16 months in this cohort.",
    ):
        assert medians(extract(ONE_ARM + sentence)) == [("OS", None, 16, None, "months")], sentence


# ---------------------------------------------------------------------------
# Units, abbreviations, the whole cohort named before "was"


def test_each_value_keeps_its_own_unit() -> None:
    draft = extract(TWO + "Median OS was 2 years for ibrutinib and 18 months for chlorambucil.")
    assert medians(draft) == [
        ("OS", "ibrutinib", 2, None, "years"),
        ("OS", "chlorambucil", 18, None, "months"),
    ]


def test_m_before_an_outcome_abbreviation_is_median() -> None:
    draft = extract(ONE_ARM + "The mOS was 12.1 mo and the mPFS was 6.2 mo.")
    assert medians(draft) == [
        ("OS", None, 12.1, None, "months"),
        ("PFS", None, 6.2, None, "months"),
    ]


def test_the_itt_population_before_was_is_the_whole_cohort() -> None:
    draft = extract(ONE_ARM + "Median OS in the intention-to-treat population was 30 months.")
    assert medians(draft) == [("OS", None, 30, None, "months")]


def test_comma_versus_parts_two_values() -> None:
    draft = extract(
        TWO + "With ibrutinib, median PFS was not reached, versus 18.9 months with chlorambucil."
    )
    assert medians(draft) == [
        ("PFS", "ibrutinib", "NR", None, "months"),
        ("PFS", "chlorambucil", 18.9, None, "months"),
    ]
    assert all(checks(draft))  # the first value's group is inferred


MAINT = (
    "After induction, 300 responders were randomized to rituximab maintenance (n = 150) or "
    "observation (n = 150). "
)


def test_patients_who_received_an_arm_are_its_members_not_a_subgroup() -> None:
    draft = extract(
        MAINT + "Median PFS in patients who received rituximab maintenance was 34 months."
    )
    assert medians(draft) == [("PFS", "rituximab-maintenance", 34, None, "months")]


def test_patients_who_received_an_arm_and_more_are_a_subgroup() -> None:
    for sentence in (
        "Median PFS in patients who received rituximab maintenance and had del17p was 34 months.",
        "PFS was longer in patients who received rituximab maintenance after relapse (median 34 "
        "vs 22 months).",
    ):
        assert medians(extract(MAINT + sentence)) == [], sentence


# ---------------------------------------------------------------------------
# Lists of outcomes: a shared "survival", no "respectively"


def test_progression_free_and_overall_survival_share_the_word() -> None:
    draft = extract(
        ONE_ARM + "Median event-free, disease-free and overall survival were 2.1, 3.3 and 4.5 "
        "years, respectively."
    )
    assert medians(draft) == [
        ("EFS", None, 2.1, None, "years"),
        ("DFS", None, 3.3, None, "years"),
        ("OS", None, 4.5, None, "years"),
    ]


def test_outcomes_and_values_paired_in_order_without_respectively_carry_a_check() -> None:
    draft = extract(ONE_ARM + "Median PFS and OS were 10.2 months and 20.5 months.")
    assert medians(draft) == [
        ("PFS", None, 10.2, None, "months"),
        ("OS", None, 20.5, None, "months"),
    ]
    assert all(c and "respectively" in c for c in checks(draft))


def test_two_values_for_two_outcomes_in_a_two_arm_study_stay_ambiguous() -> None:
    draft = extract(TWO + "Median PFS and OS were 10.2 and 20.5 months.")
    assert medians(draft) == []
    assert any(c.startswith("ambiguous") for c in draft.comments)


def test_not_reached_in_either_arm_is_each_arms() -> None:
    draft = extract(TWO + "Median OS was not reached in either arm.")
    assert medians(draft) == [
        ("OS", "ibrutinib", "NR", None, "months"),
        ("OS", "chlorambucil", "NR", None, "months"),
    ]


def test_the_unit_in_a_bracket_after_the_outcome() -> None:
    draft = extract(ONE_ARM + "Median OS (months): 12.1 (95% CI, 10.0-14.2).")
    assert medians(draft) == [("OS", None, 12.1, [10.0, 14.2], "months")]


def test_the_study_patients_counted_before_was_are_the_cohort() -> None:
    draft = extract(ONE_ARM + "Median OS for the 45 evaluable patients was 9.1 months.")
    assert medians(draft) == [("OS", None, 9.1, None, "months")]


def test_not_reached_in_a_group_bracket() -> None:
    draft = extract(
        TWO + "Median PFS was longer in the ibrutinib arm (not reached) than in the chlorambucil "
        "arm (18.2 months)."
    )
    assert medians(draft) == [
        ("PFS", "ibrutinib", "NR", None, "months"),
        ("PFS", "chlorambucil", 18.2, None, "months"),
    ]


def test_similar_between_groups_takes_the_groups_order_with_a_check() -> None:
    draft = extract(SIZED + "Median OS was similar between groups (8.1 vs 7.9 months).")
    assert medians(draft) == [
        ("OS", "azacitidine", 8.1, None, "months"),
        ("OS", "intensive-chemotherapy", 7.9, None, "months"),
    ]
    assert all(checks(draft))


def test_similar_among_a_subgroup_is_not_the_groups() -> None:
    draft = extract(SIZED + "Median OS was similar among responders (8.1 vs 7.9 months).")
    assert medians(draft) == []


THREE = (
    "Overall, 300 patients were randomized to drug A (n = 100), drug B (n = 100), or drug C "
    "(n = 100). "
)


def test_three_groups_listed_before_the_values() -> None:
    draft = extract(
        THREE + "Median OS in the drug A, drug B and drug C groups was 20, 18 and 15 months."
    )
    assert medians(draft) == [
        ("OS", "drug-a", 20, None, "months"),
        ("OS", "drug-b", 18, None, "months"),
        ("OS", "drug-c", 15, None, "months"),
    ]


def test_a_listed_group_that_is_no_arm_stops_the_list() -> None:
    draft = extract(THREE + "Median OS for drug A, drug B, and drug D was 20, 18 and 15 months.")
    assert medians(draft) == []


# ---------------------------------------------------------------------------
# Follow-up and other medians are not survival medians


def test_a_median_follow_up_for_an_outcome_is_no_survival_median() -> None:
    for sentence in (
        "The median follow-up for OS was 36 months.",
        "Median OS follow-up was 36 months.",
        "Median age at OS analysis was 65 years.",
    ):
        assert medians(extract(ONE_ARM + sentence)) == [], sentence


def test_how_the_median_was_estimated_between_outcome_and_value() -> None:
    for sentence in (
        "Median OS, estimated by the Kaplan-Meier method, was 30 months.",
        "Median OS (Kaplan-Meier estimate) was 30 months.",
    ):
        assert medians(extract(ONE_ARM + sentence)) == [("OS", None, 30, None, "months")], sentence


# ---------------------------------------------------------------------------
# "medians", "(median, x)", "while it was", group brackets that say "median"


def test_outcomes_before_medians_plural() -> None:
    draft = extract(ONE_ARM + "PFS and OS medians were 10 and 20 months, respectively.")
    assert medians(draft) == [("PFS", None, 10, None, "months"), ("OS", None, 20, None, "months")]


def test_each_outcome_with_its_median_in_a_bracket() -> None:
    draft = extract(
        ONE_ARM + "PFS (median, 10 months) and OS (median, 20 months) were encouraging."
    )
    assert medians(draft) == [("PFS", None, 10, None, "months"), ("OS", None, 20, None, "months")]


def test_whole_cohort_looking_medians_followed_by_an_arm_are_left_out() -> None:
    draft = extract(TWO + "PFS (median, 10 months) and OS (median, 20 months) favoured ibrutinib.")
    assert medians(draft) == []


def test_while_it_was_parts_two_values() -> None:
    draft = extract(
        TWO + "The median OS was 24.1 months in the ibrutinib arm, while it was 18.2 months in "
        "the chlorambucil arm."
    )
    assert medians(draft) == BOTH


def test_group_brackets_that_say_median_need_no_check() -> None:
    draft = extract(
        TWO + "OS was longer with ibrutinib (median 24.1 months) than with chlorambucil (median "
        "18.2 months)."
    )
    assert medians(draft) == BOTH
    assert checks(draft) == [None, None]


def test_a_list_of_groups_after_the_values_is_no_label_of_the_last() -> None:
    # "... 8.0 months for ibrutinib vs chlorambucil": both groups, in the order of the values
    draft = extract(
        TWO + "Median OS (95% CI) was 24.1 (20.0-28.0) vs 18.2 (15.0-21.0) months for ibrutinib "
        "vs chlorambucil."
    )
    assert medians(draft) == [
        ("OS", "ibrutinib", 24.1, [20.0, 28.0], "months"),
        ("OS", "chlorambucil", 18.2, [15.0, 21.0], "months"),
    ]


def test_arm_values_for_a_subgroup_named_after_them_are_left_out() -> None:
    draft = extract(
        TWO + "Median OS was 20 months in the ibrutinib arm and 30 months in the chlorambucil arm "
        "for patients aged 65 or older."
    )
    assert medians(draft) == []
    assert any("subgroup" in c for c in draft.comments)


def test_a_range_is_never_a_ci_and_the_unit_after_it_is_read() -> None:
    for sentence in (
        "Median (range) OS was 12 (2-40) months.",
        "Median OS was 12 (range 2-40) months.",
    ):
        assert medians(extract(ONE_ARM + sentence)) == [("OS", None, 12, None, "months")], sentence
    draft = extract(
        ONE_ARM + "Median (IQR) PFS and OS were 8 (4-12) and 20 (10-30) months, respectively."
    )
    assert medians(draft) == [("PFS", None, 8, None, "months"), ("OS", None, 20, None, "months")]


def test_a_single_arm_median_compared_with_another_groups_value() -> None:
    draft = extract(
        ONE_ARM + "Median OS was 16 months, compared with 9 months in a historical cohort."
    )
    assert medians(draft) == [("OS", None, 16, None, "months")]
    assert any("9 months" in c and c.startswith("skipped") for c in draft.comments)
    draft = extract(
        ONE_ARM + "Median OS was 16 months in responders compared with 9 months in non-responders."
    )
    assert medians(draft) == []


def test_three_groups_listed_after_three_values() -> None:
    draft = extract(
        THREE + "Median OS was 20.1 vs 18.3 vs 15.2 months for drug A, drug B and drug C."
    )
    assert medians(draft) == [
        ("OS", "drug-a", 20.1, None, "months"),
        ("OS", "drug-b", 18.3, None, "months"),
        ("OS", "drug-c", 15.2, None, "months"),
    ]


def test_patients_randomly_assigned_to_each_group() -> None:
    draft = extract(
        TWO + "Median OS was 24.1 months for patients randomly assigned to ibrutinib and 18.2 "
        "months for those assigned to chlorambucil."
    )
    assert medians(draft) == BOTH


def test_a_subject_with_a_qualifier_is_no_arm() -> None:
    draft = extract(TWO + "Ibrutinib-treated patients with del17p had a median OS of 20 months.")
    assert medians(draft) == []
    draft = extract(TWO + "Ibrutinib-treated patients had a median OS of 20 months.")
    assert medians(draft) == [("OS", "ibrutinib", 20, None, "months")]


def test_a_sentence_opening_with_both_groups_then_respectively() -> None:
    draft = extract(
        TWO + "In the ibrutinib and chlorambucil arms, the median PFS was 12.1 (95% CI 10.0-14.0) "
        "and 8.0 months (95% CI 6.0-10.0), respectively."
    )
    assert medians(draft) == [
        ("PFS", "ibrutinib", 12.1, [10.0, 14.0], "months"),
        ("PFS", "chlorambucil", 8.0, [6.0, 10.0], "months"),
    ]
    draft = extract(
        TWO + "In the ibrutinib and chlorambucil arms, the median PFS was 12.1 and 8.0 months."
    )
    assert medians(draft) == []  # without "respectively" the order is not said


# second pass: a list line that opens with a label and a colon


def test_a_list_line_labelled_by_an_arm() -> None:
    draft = extract(
        TWO + "Results:\nIbrutinib: Median OS 24.1 months\nChlorambucil: median OS 18.2 months\n"
    )
    assert medians(draft) == BOTH


def test_a_list_line_labelled_by_a_subgroup_is_not_the_cohorts() -> None:
    # no arms: "Women: median PFS not reached" is a subgroup's value, never the cohort's
    draft = extract(
        "We reviewed 80 patients with myelofibrosis.\nWomen: median PFS not reached\n"
        "Men: Median PFS 14.0 months\n"
    )
    assert medians(draft) == []
    assert any("named before it" in c for c in draft.comments)
    draft = extract(TWO + "Stage III-IV: Median OS 11.0 months (p = 0.01)\n")
    assert medians(draft) == []


def test_a_heading_before_the_colon_is_no_group() -> None:
    draft = extract("We reviewed 80 patients with myelofibrosis. Results: Median OS was 30 months.")
    assert medians(draft) == [("OS", None, 30, None, "months")]
    draft = extract("We reviewed 80 patients.\nOverall survival (OS): Median OS 30 months\n")
    assert medians(draft) == [("OS", None, 30, None, "months")]
    draft = extract("We reviewed 80 patients.\nEfficacy: Median OS 30 months\n")
    assert medians(draft) == [("OS", None, 30, None, "months")]
    draft = extract("We reviewed 80 patients. Of note: median OS was 30 months.")
    assert medians(draft) == [("OS", None, 30, None, "months")]
    draft = extract("We reviewed 80 patients.\nCohort 1: median OS 30 months\n")
    assert medians(draft) == []


def test_a_value_after_an_arms_treatment() -> None:
    draft = extract(
        TWO + "Median OS from first randomization was 24.1 months after ibrutinib versus 18.2 "
        "months after chlorambucil (HR 0.7; P = .01)."
    )
    assert medians(draft) == BOTH
    # "after" a start point that is no arm is no label: the cohort's
    draft = extract("We reviewed 80 patients. Median OS from the second relapse was 9.5 months.")
    assert medians(draft) == [("OS", None, 9.5, None, "months")]


def test_one_side_of_a_comparison_is_not_the_cohorts() -> None:
    # no arms are known: the first value is followed by words not read, then a compared value
    draft = extract(
        "We reviewed 80 patients. Median OS was 24.1 months after transplant versus 9.0 months "
        "after chemotherapy alone."
    )
    assert medians(draft) == []
    assert any("one side of a comparison" in c for c in draft.comments)


def test_a_difference_first_then_the_arms_values() -> None:
    draft = extract(
        TWO + "Median OS was 5.9 months longer with ibrutinib vs chlorambucil "
        "(24.1 vs 18.2 months; HR, 0.70; P = .002)."
    )
    assert medians(draft) == BOTH


def test_a_difference_between_medians_is_no_median() -> None:
    for sentence in (
        "Median OS was 6 months longer than in historical controls.",
        "Median OS was improved by 6 months compared with the registry.",
        "Median PFS showed an improvement of 4.5 months over the prior line.",
    ):
        draft = extract("We reviewed 80 patients with myelofibrosis. " + sentence)
        assert medians(draft) == [], sentence


def test_a_sentence_opening_with_a_subpopulation() -> None:
    draft = extract(TWO + "Among high-risk patients, median PFS was 10.1 months.")
    assert medians(draft) == []
    draft = extract("We saw 80 patients. In elderly patients (n = 40), median OS was 10 months.")
    assert medians(draft) == []
    assert any("named before it" in c for c in draft.comments)
    # the study's own patients, or one arm's members
    draft = extract("We saw 80 patients. In the 45 evaluable patients, median OS was 10 months.")
    assert medians(draft) == [("OS", None, 10, None, "months")]
    draft = extract(TWO + "Among ibrutinib-treated patients, median OS was 24.1 months.")
    assert medians(draft) == [("OS", "ibrutinib", 24.1, None, "months")]


def test_a_group_that_is_no_arm_after_the_arms_values() -> None:
    draft = extract(
        TWO + "Median OS was 24.1 months for ibrutinib and 18.2 months for chlorambucil in the "
        "high-risk group."
    )
    assert medians(draft) == []
    draft = extract(
        TWO + "Median OS was 24.1 months in the ibrutinib group and 18.2 months in the "
        "chlorambucil group."
    )
    assert medians(draft) == BOTH


def test_favouring_an_arm_must_agree_with_the_values() -> None:
    draft = extract(TWO + "Median OS was 18.2 months versus 24.1 months, favouring ibrutinib.")
    assert medians(draft) == []
    assert any("favoured" in c for c in draft.comments)
    draft = extract(TWO + "Median OS was 24.1 months versus 18.2 months, favouring ibrutinib.")
    assert medians(draft) == BOTH


def test_an_unlabelled_value_before_another_groups_value() -> None:
    # no arms: the words after 25 were not read as a label, and a second value follows
    draft = extract(
        "We saw 80 patients. Median OS was 25 months for patients treated before 2010 and "
        "40 months for those treated after 2010."
    )
    assert medians(draft) == []
    draft = extract("We saw 80 patients. Median OS was 25 months and median PFS was 11 months.")
    assert medians(draft) == [("OS", None, 25, None, "months"), ("PFS", None, 11, None, "months")]


def test_a_subpopulation_as_the_subject() -> None:
    for sentence in (
        "Transplanted patients had a median OS of 30 months.",
        "Those achieving CR had a median OS of 30 months.",
        "Patients with high-risk disease had a median OS of 12 months.",
    ):
        draft = extract("We saw 80 patients. " + sentence)
        assert medians(draft) == [], sentence
    draft = extract("We saw 80 patients. All 80 patients had a median OS of 30 months.")
    assert medians(draft) == [("OS", None, 30, None, "months")]


def test_the_cohort_named_before_was() -> None:
    draft = extract("We saw 80 patients. Median OS for the cohort was 24.1 months.")
    assert medians(draft) == [("OS", None, 24.1, None, "months")]
    draft = extract("We saw 80 patients. Median OS of the entire cohort was 24.1 months.")
    assert medians(draft) == [("OS", None, 24.1, None, "months")]
    draft = extract("We saw 80 patients. Median OS for the whole group was 24.1 months.")
    assert medians(draft) == [("OS", None, 24.1, None, "months")]
    draft = extract("We saw 80 patients. Median OS in cohort 1 was 24.1 months.")
    assert medians(draft) == []
    draft = extract("We saw 80 patients. Median OS for the high-risk group was 24.1 months.")
    assert medians(draft) == []


# ---------------------------------------------------------------------------
# Third pass: the comparative names the group whose time is longer


def test_longer_after_a_named_arm() -> None:
    # "after A" names the arm like "with A"; the comparative may stand before the outcome
    for sentence in (
        "Overall survival was longer after BR (14.2 vs. 11.0 months, P = 0.03).",
        "The study showed longer overall survival after BR (14.2 vs. 11.0 months, P = 0.03).",
    ):
        draft = extract(TWO_ARMS + sentence)
        assert medians(draft) == [
            ("OS", "br", 14.2, None, "months"),
            ("OS", "zanubrutinib", 11.0, None, "months"),
        ], sentence
        assert all("longer" in c for c in checks(draft))
    draft = extract(
        TWO_ARMS + "Overall survival was longer after zanubrutinib (14.2 vs. 11.0 months)."
    )
    assert medians(draft) == [
        ("OS", "zanubrutinib", 14.2, None, "months"),
        ("OS", "br", 11.0, None, "months"),
    ]


def test_the_superior_arms_time_printed_second_in_its_bracket() -> None:
    # "superior in A (median 11 v 14 months)": A's time is the longer one, printed second
    draft = extract(
        TWO_ARMS + "PFS was superior in the BR arm (median of 11 months v 14 months; HR 0.7)."
    )
    assert medians(draft) == [
        ("PFS", "zanubrutinib", 11, None, "months"),
        ("PFS", "br", 14, None, "months"),
    ]
    assert "larger value bendamustine-rituximab's" in checks(draft)[0]
    draft = extract(TWO_ARMS + "PFS was shorter in the BR arm (median 14 v 11 months; HR 1.4).")
    assert medians(draft) == [
        ("PFS", "zanubrutinib", 14, None, "months"),
        ("PFS", "br", 11, None, "months"),
    ]
    # after a comma the order stays unclear; a rate is never read this way
    draft = extract(TWO_ARMS + "Median PFS was longer in the BR arm, 11 versus 14 months.")
    assert medians(draft) == []
    draft = extract(TWO_ARMS + "Response rate was higher in the BR arm (40% vs 60%).")
    assert [e for e in draft.entries if e.get("percent") is not None] == []


def test_the_favoured_arms_time_is_the_longer() -> None:
    # "favoured A (x vs y)": A is the arm whose time is the longer
    draft = extract(TWO_ARMS + "Median PFS favoured BR (14.2 vs 11.0 months; HR 0.7).")
    assert medians(draft) == [
        ("PFS", "br", 14.2, None, "months"),
        ("PFS", "zanubrutinib", 11.0, None, "months"),
    ]
    draft = extract(TWO_ARMS + "Median PFS favoured zanubrutinib (14.2 vs 11.0 months).")
    assert medians(draft) == [
        ("PFS", "zanubrutinib", 14.2, None, "months"),
        ("PFS", "br", 11.0, None, "months"),
    ]
    # the favoured arm named first with the shorter time first: the order is unclear
    draft = extract(TWO_ARMS + "Median PFS favoured zanubrutinib (11.0 vs 14.2 months).")
    assert medians(draft) == []


def test_as_compared_with_parts_two_values() -> None:
    draft = extract(
        TWO_ARMS + "Median PFS was 24.1 months with zanubrutinib, as compared with 18.2 "
        "months with BR."
    )
    assert medians(draft) == [
        ("PFS", "zanubrutinib", 24.1, None, "months"),
        ("PFS", "br", 18.2, None, "months"),
    ]
