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
    draft = extract("Among 410 adult (aged 18 to 65 years) patients registered, 398 were eligible.")
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


# ---------------------------------------------------------------------------
# Arms and their sizes


def test_sizes_with_a_remark_after_n_are_the_arms_sizes() -> None:
    draft = extract(
        "Patients were randomized to receive drug X 20 mg/d for 5 days (n = 80, nonresponders "
        "received a second course) or drug Y 1.5 mg/kg daily for 3 weeks (n = 78). "
        "Drug X resulted in a higher complete response rate (45.0% vs 25.6%, P = .01) "
        "compared with drug Y."
    )
    assert arms(draft) == [("drug-x", 80), ("drug-y", 78)]
    assert rows(draft, "percent", "total") == [
        ("CR", "drug-x", 45.0, 80),
        ("CR", "drug-y", 25.6, 78),
    ]


def test_a_list_of_labelled_sizes_inside_parentheses_gives_the_arms() -> None:
    draft = extract(
        "Adults in first remission were randomized between drug X consolidation or drug Y. "
        "Of patients randomized (drug X, n = 140; drug Y, n = 138), 90% received their "
        "assigned treatment."
    )
    assert arms(draft) == [("drug-x", 140), ("drug-y", 138)]


def test_reasons_with_sizes_inside_parentheses_are_not_arms() -> None:
    draft = extract(
        "Forty patients were enrolled; 12 discontinued (toxicity, n = 7; withdrawal, n = 5)."
    )
    assert arms(draft) == []


def test_a_size_with_a_statistic_after_it_is_not_a_remark() -> None:
    draft = extract(
        "Among treated patients, drug X (n = 310; HR = 0.70; P = .002) and drug Y "
        "(n = 122; HR = 0.61; P = .01) were associated with longer survival."
    )
    assert arms(draft) == []


def test_overall_initial_response_is_the_overall_response() -> None:
    draft = extract(
        "A total of 64 patients were enrolled. The overall initial response was 75.0% (48/64)."
    )
    assert rows(draft, "events", "total") == [("ORR", None, 48, 64)]


def test_the_mortality_associated_with_a_toxicity_is_not_the_cohorts() -> None:
    draft = extract(
        "We reviewed 120 patients. Pulmonary toxicity occurred in 20% (with associated "
        "mortality rate, 25%)."
    )
    assert rows(draft, "percent") == []


def test_shares_of_the_randomized_cohort_give_the_arms_sizes() -> None:
    draft = extract(
        "Patients were randomised to drug X (Arm A) or drug Y (Arm B). Sixty-two of 120 "
        "patients (51.7%) were randomized to Arm A and 58 of 120 (48.3%) to Arm B. In "
        "evaluable patients, the ORR was 40% in Arm A."
    )
    assert arms(draft) == [("arm-a", 62), ("arm-b", 58)]


def test_a_letter_after_arm_does_not_hide_the_sentence_end() -> None:
    from synthesis.extract.text import split_text

    text = "Forty patients were assigned to Arm B. In evaluable patients, the ORR was 40%."
    assert len(split_text(text).sentences) == 2


def test_a_second_size_with_its_verb_left_out_is_an_arm() -> None:
    draft = extract(
        "Patients were randomized to drug X or drug X and drug Y. Ninety patients were "
        "randomized; 46 received drug X and 44 drug X and drug Y. In the drug X group, the "
        "percentage of complete and partial responders was 26.1% and 21.7%, respectively. A "
        "higher overall response rate of 68.2% was found in the drug X and drug Y group, with "
        "40.9% complete and 27.3% partial responders (P = .04)."
    )
    assert arms(draft) == [("drug-x", 46), ("drug-x-and-drug-y", 44)]
    assert rows(draft, "percent", "total") == [
        ("CR", "drug-x", 26.1, 46),
        ("PR", "drug-x", 21.7, 46),
        ("ORR", "drug-x-and-drug-y", 68.2, 44),
        ("CR", "drug-x-and-drug-y", 40.9, 44),
        ("PR", "drug-x-and-drug-y", 27.3, 44),
    ]


def test_a_count_with_a_unit_after_and_is_not_an_elided_arm() -> None:
    draft = extract("Forty patients received drug X and 12 months of follow-up.")
    assert arms(draft) == []


# ---------------------------------------------------------------------------
# Denominators


def test_a_rate_between_the_cohort_and_a_later_size_is_of_the_cohort() -> None:
    draft = extract(
        "A total of 250 patients were enrolled. Complete remission was achieved in 84%. "
        "A total of 180 patients were then randomized to drug X or drug Y."
    )
    assert draft.n == 250
    assert rows(draft, "percent", "total") == [("CR", None, 84, 250)]


def test_a_rate_after_a_second_size_is_not_given_the_cohorts_total() -> None:
    draft = extract(
        "A total of 250 patients were enrolled. Forty patients received drug X after "
        "relapse, with complete remission in 30%."
    )
    assert [r for r in rows(draft, "total") if r[2] is not None] == []


def test_counts_printed_as_parts_of_a_rate_share_its_total() -> None:
    draft = extract(
        "A total of 80 patients were analyzed. The overall response rate was 50.0% "
        "(10 complete responses and 30 partial responses)."
    )
    assert rows(draft, "events", "percent", "total") == [
        ("ORR", None, None, 50.0, 80),
        ("CR", None, 10, None, 80),
        ("PR", None, 30, None, 80),
    ]
    assert all(e.check and "total inferred" in e.check for e in draft.entries[1:])


def test_a_count_beside_a_rate_without_a_total_keeps_its_placeholder() -> None:
    draft = extract(
        "Patients were treated with drug X. The overall response rate was 50.0% "
        "(10 complete responses)."
    )
    assert all(r[3] is None for r in rows(draft, "events", "total"))


def test_dose_arms_and_a_remark_before_the_last_item() -> None:
    draft = extract(
        "Patients received drug X 20 mg/day on days 1-14 (n = 51) or 10 mg/day on days 1-28 "
        "(n = 50) of 28-day cycles; or placebo (n = 49)."
    )
    assert arms(draft) == [("drug-x", 51), ("10-mg", 50), ("placebo", 49)]
    assert draft.n is None  # 51 is one arm's size, not the cohort


def test_a_cytogenetic_response_is_not_the_overall_response() -> None:
    draft = extract(
        "A total of 60 patients were enrolled. The cytogenetic response rate was 50.0% (30/60)."
    )
    assert rows(draft, "events") == []


def test_slash_lists_of_arm_sizes_that_add_up_to_the_count() -> None:
    draft = extract(
        "The analysis included 300 patients (arm A/B, 151/149 patients). The overall "
        "response rate was 60% without differences between the 2 arms, although fewer "
        "patients needed a second course in arm B."
    )
    assert draft.n == 300
    assert arms(draft) == [("arm-a", 151), ("arm-b", 149)]
    assert rows(draft, "percent", "total") == [("ORR", "all", 60, 300)]


def test_slash_sizes_that_do_not_add_up_are_not_arms() -> None:
    draft = extract("The analysis included 300 patients (arm A/B, 150/140 patients).")
    assert arms(draft) == []


def test_a_rate_in_a_sentence_naming_one_arm_without_pooling_stays_out() -> None:
    draft = extract(
        "The analysis included 300 patients (arm A/B, 151/149 patients). The overall "
        "response rate was 60%, although fewer patients needed a second course in arm B."
    )
    assert rows(draft, "percent") == []


# ---------------------------------------------------------------------------
# General phrasings (not from the rounds)


def test_the_study_population_comprised_n_patients() -> None:
    assert extract("The study population comprised 230 adults with AML.").n == 230


def test_screened_and_then_randomized_gives_the_randomized() -> None:
    assert extract("1,024 patients were screened and 800 were randomized.").n == 800
    assert extract("Overall, 1,024 patients were screened, of whom 800 were enrolled.").n == 800


def test_evaluable_after_the_cohort_is_another_denominator() -> None:
    draft = extract(
        "Of the 200 patients randomized, 190 were evaluable for response. The ORR was 60%."
    )
    assert draft.n == 200
    assert rows(draft, "percent") == []  # of 200 or of 190: not clear


def test_a_sentence_framed_by_its_evaluable_patients_gives_their_total() -> None:
    draft = extract("Fifty patients were enrolled. Among 40 evaluable patients, the ORR was 75%.")
    assert rows(draft, "percent", "total") == [("ORR", None, 75, 40)]
    assert draft.entries[0].check and "Among 40 evaluable patients" in draft.entries[0].check


def test_responded_is_the_overall_response_of_the_framed_patients() -> None:
    draft = extract(
        "Fifty patients were enrolled. Of the 40 evaluable patients, 30 (75%) responded, "
        "including 20 (50%) with CR."
    )
    assert rows(draft, "events", "total") == [("ORR", None, 30, 40), ("CR", None, 20, 40)]


def test_enrolled_in_arm_a_and_in_arm_b_are_sizes() -> None:
    draft = extract(
        "Patients were randomized to drug X (arm A) or drug Y (arm B); 150 patients were "
        "enrolled in arm A and 148 in arm B. The CR rate was 60% in arm A and 45% in arm B."
    )
    assert arms(draft) == [("arm-a", 150), ("arm-b", 148)]
    assert rows(draft, "percent", "total") == [("CR", "arm-a", 60, 150), ("CR", "arm-b", 45, 148)]


def test_events_in_each_arm_are_not_sizes() -> None:
    draft = extract(
        "Patients were randomized to drug X (arm A) or drug Y (arm B). Six patients "
        "developed a second cancer, three in arm A and three in arm B."
    )
    assert all(a.n is None for a in draft.arms)


def test_n_patients_treated_with_a_and_m_treated_with_b_are_groups() -> None:
    draft = extract(
        "We compared 85 patients treated with drug X with 90 patients treated with drug Y. "
        "CR rates were 60% and 50%, respectively."
    )
    assert arms(draft) == [("drug-x", 85), ("drug-y", 90)]
    assert rows(draft, "percent", "total") == [("CR", "drug-x", 60, 85), ("CR", "drug-y", 50, 90)]


A2 = "A total of 80 patients were randomized to drug X (n = 40) or drug Y (n = 40). "


def test_rates_in_patients_treated_with_each_arm() -> None:
    draft = extract(
        A2 + "The ORR was 65% in patients treated with drug X and 40% in those treated with drug Y."
    )
    assert rows(draft, "percent") == [("ORR", "drug-x", 65), ("ORR", "drug-y", 40)]


def test_labels_printed_before_the_rates_after_a_colon() -> None:
    draft = extract(A2 + "ORR: drug X 65% vs drug Y 40%.")
    assert rows(draft, "percent") == [("ORR", "drug-x", 65), ("ORR", "drug-y", 40)]


def test_orrs_in_the_plural() -> None:
    draft = extract(A2 + "Drug X and drug Y groups had ORRs of 65% and 40%, respectively.")
    assert rows(draft, "percent") == [("ORR", "drug-x", 65), ("ORR", "drug-y", 40)]


def test_labelled_sizes_that_add_up_to_the_enrolled_count() -> None:
    draft = extract(
        "A total of 60 patients were enrolled (drug X, n = 30; drug Y, n = 30). The ORR was "
        "50% with drug X and 40% with drug Y."
    )
    assert arms(draft) == [("drug-x", 30), ("drug-y", 30)]


def test_sizes_listed_respectively_after_the_allocation() -> None:
    draft = extract(
        "Patients were randomly assigned (1:1) to drug X or drug Y; 200 and 198 patients, "
        "respectively. The CR rate was 60.0% vs 40.9%."
    )
    assert arms(draft) == [("drug-x", 200), ("drug-y", 198)]
    assert rows(draft, "percent", "total") == [
        ("CR", "drug-x", 60.0, 200),
        ("CR", "drug-y", 40.9, 198),
    ]


def test_terms_that_define_a_term_in_parentheses_are_not_read() -> None:
    draft = extract(
        "Patients were randomised to drug X (Arm A) or drug Y (Arm B). Sixty-two of 120 "
        "patients (51.7%) were randomized to Arm A and 58 of 120 (48.3%) to Arm B. Total "
        "responses (complete response [CR], partial response [PR]) were 40 of 55 (72.7%) in "
        "Arm A and 30 of 50 (60.0%) in Arm B."
    )
    assert rows(draft, "events", "total") == [("ORR", "arm-a", 40, 55), ("ORR", "arm-b", 30, 50)]


def test_a_count_in_an_earlier_sentence_does_not_share_a_later_rates_total() -> None:
    draft = extract(
        "A total of 80 patients were analyzed. Ten complete responses were seen early. "
        "The overall response rate was 50.0%."
    )
    assert [r for r in rows(draft, "events", "total") if r[0] == "CR" and r[3]] == []


def test_a_cohort_named_with_several_words_before_patients() -> None:
    draft = extract(
        "In the national registry, 240 first courses in adult male haemophilia patients were "
        "analysed. Treatment was successful in 150 (62.5%)."
    )
    assert draft.n == 240


def test_eligible_were_n_patients() -> None:
    assert extract("Eligible were 312 patients with aplastic anemia.").n == 312


def test_two_shares_of_one_count_give_the_cohort() -> None:
    draft = extract(
        "Forty-one of 80 patients (51.3%) were randomized to Arm A and 39 of 80 (48.8%) to Arm B."
    )
    assert draft.n == 80
    assert arms(draft) == [("arm-a", 41), ("arm-b", 39)]


# ---------------------------------------------------------------------------
# Rates that are not the cohort's

P120 = "A total of 120 patients were enrolled. "


def test_a_rate_among_responders_without_its_count_stays_out() -> None:
    draft = extract(P120 + "MRD negativity was achieved in 60% of patients in CR.")
    assert rows(draft, "percent") == []
    assert any("among responders" in c for c in skipped(draft))


def test_a_rate_among_responders_with_its_count_is_kept() -> None:
    draft = extract(P120 + "MRD negativity was reached in 60% (12/20) of patients with CR.")
    assert rows(draft, "events", "total") == [("MRD-", None, 12, 20)]


def test_rates_of_two_populations_that_are_not_arms_stay_out() -> None:
    draft = extract(
        P120 + "Complete response rates were 70% in NPM1-mutated and 40% in wild-type patients."
    )
    assert rows(draft, "percent") == []


def test_response_assessed_in_fewer_patients_is_another_denominator() -> None:
    draft = extract(P120 + "Response was assessed in 100 patients; the ORR was 60%.")
    assert [r for r in rows(draft, "total") if r[2] == 120] == []


def test_n_patients_in_both_arms_gives_each_arm_its_size() -> None:
    draft = extract(
        "Patients were randomized to receive drug X or drug Y. We have randomized 45 "
        "patients in both treatment arms."
    )
    assert arms(draft) == [("drug-x", 45), ("drug-y", 45)]


# ---------------------------------------------------------------------------
# Second pass (round 6's wrong facts, closed as classes)


def test_a_list_of_groups_and_its_verb_before_the_values_is_read_respectively() -> None:
    # "for A and B were x and y": "B were" is the list's last item and its verb, not a
    # label printed before x
    draft = extract(
        "Patients were randomized to receive VRd (n = 150) or Rd (n = 148). "
        "The complete response rates for VRd and Rd were 44% and 29%, respectively (P = .01)."
    )
    assert rows(draft, "percent", "total") == [("CR", "vrd", 44, 150), ("CR", "rd", 29, 148)]


def test_we_treated_n_patients_is_the_cohort_not_a_later_subgroup() -> None:
    draft = extract(
        "Between 1995 and 2010, we treated 318 adults with severe hemophilia A. "
        "Twenty-two inhibitor patients received immune tolerance induction."
    )
    assert draft.n == 318


def test_sizes_printed_before_their_labels_give_the_arms() -> None:
    draft = extract(
        "Two hundred twelve patients (n = 110, HMA; n = 102, LDAC) were analysed. "
        "The CR rate was 31% vs. 18%, respectively."
    )
    assert arms(draft) == [("hma", 110), ("ldac", 102)]
    assert rows(draft, "percent", "total") == [("CR", "hma", 31, 110), ("CR", "ldac", 18, 102)]


def test_sizes_before_labels_that_do_not_add_up_are_not_arms() -> None:
    draft = extract("Two hundred patients (n = 110, HMA; n = 60, LDAC) were analysed.")
    assert arms(draft) == []


def test_what_one_groups_patients_received_is_not_a_pair_of_arms() -> None:
    # 40 + 12 = 52, the second group's size: its parts, not the arms
    draft = extract(
        "One hundred patients (n = 48, chemotherapy; n = 52, HMA) were analysed; "
        "40 patients received azacitidine and 12 decitabine."
    )
    assert arms(draft) == [("chemotherapy", 48), ("hma", 52)]


def test_a_drug_added_to_the_first_arm_names_the_second_arm() -> None:
    draft = extract(
        "A total of 90 patients were randomly assigned to either prednisone 1 mg/kg "
        "(n = 46) or in combination with eltrombopag 50 mg daily (n = 44)."
    )
    assert [(a.label, a.n) for a in draft.arms if a.id != "all"] == [
        ("prednisone alone", 46),
        ("prednisone + eltrombopag", 44),
    ]


def test_a_code_of_single_letters_names_an_arm() -> None:
    draft = extract(
        "Overall, 300 patients were randomized to receive R-B or R-CVP. "
        "In all, 280 randomized patients were evaluable (141 R-B; 139 R-CVP)."
    )
    assert arms(draft) == [("r-b", 141), ("r-cvp", 139)]


def test_received_counts_with_shares_adding_to_100_percent_are_the_arms() -> None:
    draft = extract(
        "From a claims database we identified 1500 adults who received a first-line "
        "anticoagulant; 900 (60%) received apixaban, and 600 (40%) received warfarin."
    )
    assert draft.n == 1500
    assert arms(draft) == [("apixaban", 900), ("warfarin", 600)]


def test_received_counts_with_overlapping_shares_are_not_arms() -> None:
    draft = extract(
        "Of 40 patients, 30 (75.0%) received chemotherapy and 12 (30.0%) received radiotherapy."
    )
    assert arms(draft) == []


def test_short_names_and_sizes_in_parentheses_of_a_comparison_give_the_arms() -> None:
    draft = extract(
        "In this randomized trial we compared a reduced-dose regimen of bortezomib and "
        "melphalan (VM; n = 210) with melphalan and prednisone (MP; n = 205). "
        "The overall response rate was higher with VM than MP (70.5% vs 45.4%; P < .001)."
    )
    assert arms(draft) == [("vm", 210), ("mp", 205)]
    assert rows(draft, "percent", "total") == [
        ("ORR", "vm", 70.5, 210),
        ("ORR", "mp", 45.4, 205),
    ]


def test_we_verb_in_n_patients_is_the_cohort() -> None:
    draft = extract(
        "We retrospectively evaluated treatment outcomes in 512 older (>=65 years) "
        "myelofibrosis patients from two centers."
    )
    assert draft.n == 512
    draft = extract("We compared drug X with drug Y in 144 adults with sickle cell disease.")
    assert draft.n == 144


def test_a_respectively_list_with_an_outcome_of_no_canonical_name_pairs_the_others() -> None:
    draft = extract(
        "We enrolled 120 patients with warm autoimmune hemolytic anemia. "
        "Partial response, stable disease, and complete response were 40%, 35%, and 25%, "
        "respectively."
    )
    assert rows(draft, "percent", "total") == [("PR", None, 40, 120), ("CR", None, 25, 120)]
    assert any("no canonical name" in c for c in skipped(draft))


def test_a_respectively_list_that_is_not_plain_stays_ambiguous() -> None:
    draft = extract(
        "We enrolled 120 patients. Complete response (after 2 cycles) and partial response "
        "were 20%, 30%, and 40%, respectively."
    )
    assert rows(draft, "percent") == []


def test_a_rate_followed_by_with_and_its_part_is_the_outcome_named_before() -> None:
    draft = extract(
        "We included 150 patients with follicular lymphoma. "
        "The overall response rate was 88.0% with 62% complete responses."
    )
    assert rows(draft, "percent", "total") == [("ORR", None, 88.0, 150), ("CR", None, 62, 150)]


def test_patients_registered_are_the_cohort_unless_a_checked_count_follows() -> None:
    draft = extract(
        "From 2003 until 2008, 512 patients were registered for induction. The CR rate was 66%."
    )
    assert draft.n == 512
    draft = extract(
        "A total of 512 patients were registered between 2003 and 2008. "
        "Of these, 498 were eligible."
    )
    assert draft.n != 512


# ---------------------------------------------------------------------------
# Third pass


def test_one_of_two_named_cohorts_is_not_the_study_n() -> None:
    draft = extract(
        "The derivation cohort comprised 512 patients with myelofibrosis. "
        "A validation cohort of 240 patients from another registry confirmed the score."
    )
    assert draft.n is None


def test_a_single_named_cohort_is_still_the_study_n() -> None:
    draft = extract("The discovery cohort consisted of 318 patients with untreated CLL.")
    assert draft.n == 318


def test_a_salvage_phase_rate_is_not_the_cohorts() -> None:
    draft = extract(
        "In this randomized study of 210 patients, A was compared with B. "
        "Patients who relapsed after A received salvage B. "
        "Salvage B yielded a 74% CR rate."
    )
    assert draft.n == 210
    assert not [e for e in draft.entries if e.name == "CR"]
    assert any("74%" in c for c in skipped(draft))


def test_a_cohort_rate_without_a_phase_word_is_still_drafted() -> None:
    draft = extract("In this study of 200 patients, the CR rate was 74%.")
    assert rows(draft, "percent", "total") == [("CR", None, 74, 200)]


def test_n_patients_enrolled_in_the_active_voice_is_the_cohort() -> None:
    draft = extract("Overall, 418 children with newly diagnosed ITP enrolled in the registry.")
    assert draft.n == 418


def test_we_conducted_a_trial_comparing_a_with_b_in_n_patients() -> None:
    draft = extract(
        "We conducted a multicenter phase 3 trial comparing lenalidomide with placebo in "
        "614 patients who had responded to induction."
    )
    assert draft.n == 614


def test_the_enrolled_count_is_the_cohort_not_the_patients_approached() -> None:
    draft = extract("Of the 90 patients approached, 64 patients enrolled in the study.")
    assert draft.n == 64


def test_arm_sizes_printed_with_the_arms_own_name_in_parentheses() -> None:
    draft = extract(
        "In total, 240 patients were randomly assigned to receive either azacitidine "
        "(arm 1, n = 121) or best supportive care with transfusions (arm 2, n = 119)."
    )
    assert sorted(n for _, n in arms(draft) if _ != "all") == [119, 121]
    labels = {a.label for a in draft.arms if a.id != "all"}
    assert any("azacitidine" in (x or "") for x in labels)
    assert any("(arm 2)" in (x or "") for x in labels)


def test_this_study_assessed_a_in_n_patients_is_the_cohort() -> None:
    draft = extract(
        "This open-label, multicenter phase 2 study evaluated ibrutinib in 144 previously "
        "treated patients with mantle cell lymphoma."
    )
    assert draft.n == 144
