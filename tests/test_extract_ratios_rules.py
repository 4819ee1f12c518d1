"""Ratio, p-value and citation rules of ``synth extract`` (helper e-ratios, after round 5).

Each test is a short made-up sentence showing one general pattern of how abstracts print a
hazard, odds or risk ratio (not copied from the abstract rounds), and asserts the drafted
values: the rule is tested apart from the rounds it was written from.
"""

from __future__ import annotations

import yaml

from synthesis.extract import Draft, check_quotes, entry_numbers, extract, iter_numbers
from synthesis.extract.citation import find_citation


def rows(draft: Draft, *keys: str) -> list[tuple]:
    return [(e.name, e.arm, *(e.get(k) for k in keys)) for e in draft.entries]


def skipped(draft: Draft) -> list[str]:
    return [c for c in draft.comments if c.startswith("skipped")]


COHORT = "A total of 410 patients were studied. "


# ---------------------------------------------------------------------------
# How the CI and p are printed around the ratio


def test_a_ci_header_with_its_own_abbreviation_in_parentheses() -> None:
    draft = extract(
        COHORT + "Overall survival was longer with early transplant [hazard ratio=0.71; 95% "
        "confidence interval (95%CI): 0.52-0.97; P=0.03]."
    )
    assert rows(draft, "hr", "ci", "p") == [("OS", None, 0.71, [0.52, 0.97], 0.03)]


def test_a_ratio_per_unit_of_a_continuous_covariate_keeps_its_ci_and_says_the_unit() -> None:
    draft = extract(
        COHORT + "In multivariable analysis, the hazard of death rose with age (HR, 1.31 per "
        "10 years; 95% CI, 1.10-1.56; P = .002)."
    )
    assert rows(draft, "hr", "ci", "p", "contrast") == [
        ("OS", None, 1.31, [1.10, 1.56], 0.002, "age")
    ]
    assert "per 10 years" in draft.entries[0].note


def test_a_p_printed_just_before_the_ratio_in_its_parenthesis_is_the_ratios() -> None:
    draft = extract(
        "Patients were randomly assigned to drug Q or placebo. Median PFS was 9.1 months with "
        "drug Q versus placebo (4.2 months; P = .004; hazard ratio [HR], 0.66; 95% CI, 0.50 "
        "to 0.88)."
    )
    assert [(e.get("hr"), e.get("p")) for e in draft.entries if e.get("hr")] == [(0.66, 0.004)]


def test_a_nominal_p_is_read_as_the_ratios_p() -> None:
    draft = extract(
        COHORT + "An exploratory analysis showed longer OS (HR, 0.79; 95% CI, 0.64 to 0.98; "
        "nominal P = .031)."
    )
    assert rows(draft, "hr", "p") == [("OS", None, 0.79, 0.031)]


def test_a_ratio_adjusted_for_a_covariate_between_its_label_and_value() -> None:
    draft = extract(
        "Patients were randomly assigned to drug Q or placebo. Mortality was lower with drug "
        "Q; the HR adjusted for comorbidity was 0.8 (95% CI 0.7-0.9)."
    )
    assert [(e.name, e.get("hr"), e.get("ci"), e.get("adjusted")) for e in draft.entries] == [
        ("OS", 0.8, [0.7, 0.9], True)
    ]


def test_an_adjusted_ratio_of_a_cohort_without_its_contrast_stays_out() -> None:
    draft = extract(
        COHORT + "Mortality was higher than expected; the HR adjusted for comorbidity was 1.8 "
        "(95% CI 1.5-2.2)."
    )
    assert draft.entries == ()
    assert any("contrast is not stated" in c for c in skipped(draft))


def test_a_decimal_comma_is_read_as_a_decimal() -> None:
    draft = extract(
        COHORT + "In multivariate Cox analysis, bulky disease (RR 2,7; p=0,012) predicted "
        "shorter survival."
    )
    assert rows(draft, "hr", "p", "contrast") == [("OS", None, 2.7, 0.012, "bulky disease")]


def test_a_decimal_comma_draft_passes_the_provenance_check() -> None:
    text = COHORT + "In multivariate Cox analysis, bulky disease (RR 2,7; p=0,012) predicted OS."
    record = yaml.safe_load(extract(text).to_yaml())
    entries = [(None, "q", o["quote"], entry_numbers(o)) for o in record["outcomes"]]
    assert entries and check_quotes(text=text, entries=entries) == []


def test_a_thousands_separator_is_not_a_decimal_comma() -> None:
    assert 41.64 not in set(iter_numbers("41,640 controls"))
    assert 3.9 in set(iter_numbers("RR 3,9;"))


# ---------------------------------------------------------------------------
# A Cox model's "RR"; a list of factors, each with its ratio


def test_a_list_of_factors_after_predictors_were_each_carry_their_contrast() -> None:
    draft = extract(
        COHORT + "In multivariate Cox analysis adverse predictors for survival were: male sex "
        "(RR 1.4, P=0.01), a platelet count below 50 x 10^9/L (RR 2.2, P<0.001) and "
        "prior radiotherapy (RR 1.7, P=0.03)."
    )
    assert rows(draft, "hr", "p", "contrast", "adjusted") == [
        ("OS", None, 1.4, 0.01, "male sex", True),
        ("OS", None, 2.2, "<0.001", "a platelet count below 50 x 10^9/L", True),
        ("OS", None, 1.7, 0.03, "prior radiotherapy", True),
    ]
    assert all("recorded as a hazard ratio" in e.note for e in draft.entries)


def test_an_item_with_and_inside_it_is_not_cut_at_the_and() -> None:
    draft = extract(
        COHORT + "Independent factors for worse OS were: time between diagnosis and "
        "treatment over 60 days (HR 1.5, P=0.02) and older age (HR 2.1, P<0.001)."
    )
    assert rows(draft, "hr", "contrast") == [
        ("OS", None, 1.5, "time between diagnosis and treatment over 60 days"),
        ("OS", None, 2.1, "older age"),
    ]


def test_a_relative_risk_outside_a_cox_model_stays_a_relative_risk() -> None:
    draft = extract(
        "Patients were randomly assigned to drug Q or placebo. The response rate was higher "
        "with drug Q (relative risk, 1.9; 95% CI, 1.2-3.0)."
    )
    assert [(e.get("rr"), e.get("hr")) for e in draft.entries if e.get("rr")] == [(1.9, None)]


# ---------------------------------------------------------------------------
# Ratios printed without their label


def test_a_second_outcome_after_a_labelled_ratio_takes_its_kind_and_contrast() -> None:
    draft = extract(
        COHORT + "In multivariable analysis, prior stem cell transplant was associated with "
        "longer PFS (hazard ratio [HR], 0.55; P = .002) and OS (0.61; P = .02)."
    )
    assert rows(draft, "hr", "p", "contrast", "adjusted") == [
        ("PFS", None, 0.55, 0.002, "prior stem cell transplant", True),
        ("OS", None, 0.61, 0.02, "prior stem cell transplant", True),
    ]


def test_a_list_of_subgroups_after_a_labelled_subgroup_ratio() -> None:
    draft = extract(
        COHORT + "Drug Y vs chemotherapy improved PFS in stage III (HR, 0.50; P = .01), "
        "stage IV (0.62; P = .03), and relapsed disease (0.71; P = .04)."
    )
    assert rows(draft, "hr", "p", "contrast") == [
        ("PFS", None, 0.50, 0.01, "Drug Y vs chemotherapy, stage III"),
        ("PFS", None, 0.62, 0.03, "Drug Y vs chemotherapy, stage IV"),
        ("PFS", None, 0.71, 0.04, "Drug Y vs chemotherapy, relapsed disease"),
    ]


def test_unlabelled_ratios_of_a_cox_model_are_drafted_with_a_check() -> None:
    draft = extract(
        COHORT + "A Cox model identified 2 factors associated with shorter overall survival: "
        "(1) creatinine above 2 mg/dL (1.92; 95% CI, 1.20-3.07; P = .006) and (2) poor "
        "performance status (3.10; 95% CI, 1.55-6.20; P = .001)."
    )
    assert rows(draft, "hr", "ci", "p", "contrast") == [
        ("OS", None, 1.92, [1.20, 3.07], 0.006, "creatinine above 2 mg/dL"),
        ("OS", None, 3.10, [1.55, 6.20], 0.001, "poor performance status"),
    ]
    assert all("Cox model" in e.check for e in draft.entries)


def test_an_unlabelled_number_with_a_ci_outside_a_cox_sentence_is_not_a_ratio() -> None:
    draft = extract(
        COHORT + "The mean score improved from baseline (1.92; 95% CI, 1.20-3.07; P = .006)."
    )
    assert [e for e in draft.entries if e.get("hr") or e.get("or")] == []


def test_a_median_in_parentheses_after_a_ratio_is_not_read_as_another_ratio() -> None:
    draft = extract(
        "Patients were randomly assigned to drug Q or placebo. PFS was longer with drug Q "
        "(HR 0.60; 95% CI 0.45-0.80; P < .001), with a median PFS (11.2; 95% CI, 9.0-13.1)."
    )
    assert [e.get("hr") for e in draft.entries if e.get("hr") is not None] == [0.60]


# ---------------------------------------------------------------------------
# A comparison's p after "..., respectively"; the outcome a ratio is named for


def test_a_p_after_the_groups_and_respectively_is_the_comparisons() -> None:
    draft = extract(
        "In total, 200 patients were randomly assigned to drug K (n = 100) or drug L "
        "(n = 100). Overall response was 61% and 40% of patients treated with drug K and "
        "drug L, respectively [P = .003]."
    )
    assert [(e.name, e.get("percent"), e.get("p")) for e in draft.entries] == [
        ("ORR", 61, 0.003),
        ("ORR", 40, None),
    ]


def test_an_odds_ratio_of_cr_plus_crp_is_one_of_cr_cri() -> None:
    draft = extract(
        "Patients were randomly assigned to drug Q or placebo. The CR rate plus CRp was "
        "higher with drug Q (odds ratio, 3.1; 95% CI, 1.6 to 6.0; P = .001)."
    )
    assert [(e.name, e.get("or"), e.get("p")) for e in draft.entries if e.get("or")] == [
        ("CR/CRi", 3.1, 0.001)
    ]


# ---------------------------------------------------------------------------
# Prognostic factors: the contrast in more of the ways abstracts print it

SERIES = "We retrospectively analyzed 512 patients with myelofibrosis. "


def test_a_factor_before_its_ratio_that_was_an_independent_predictor() -> None:
    draft = extract(
        SERIES + "Platelets below 100 x 10^9/L (HR 2.05, 95% CI 1.31-3.21; P = .002) was an "
        "independent predictor of shorter OS."
    )
    assert rows(draft, "hr", "contrast") == [("OS", None, 2.05, "Platelets below 100 x 10^9/L")]


def test_a_factor_that_predicted_the_outcome() -> None:
    draft = extract(
        SERIES + "In the multivariate model, JAK2 V617F (OR 1.9; 95% CI 1.1-3.3) predicted "
        "complete remission."
    )
    assert rows(draft, "or", "contrast", "adjusted") == [("CR", None, 1.9, "JAK2 V617F", True)]


def test_factors_a_model_identified_as_prognostic_factors() -> None:
    draft = extract(
        SERIES + "Cox regression identified anemia (HR 1.7, 95% CI 1.2-2.4) and leukocytosis "
        "(HR 1.4, 95% CI 1.1-1.9) as independent prognostic factors for OS."
    )
    assert rows(draft, "hr", "contrast") == [
        ("OS", None, 1.7, "anemia"),
        ("OS", None, 1.4, "leukocytosis"),
    ]


def test_a_factor_that_remained_associated_with_the_outcome() -> None:
    draft = extract(
        SERIES + "Prior thrombosis remained significantly associated with OS (HR 1.6; 95% CI "
        "1.1-2.3)."
    )
    assert rows(draft, "hr", "contrast") == [("OS", None, 1.6, "Prior thrombosis")]


def test_patients_with_a_factor_in_a_study_without_arms() -> None:
    draft = extract(
        SERIES + "In multivariable analysis, OS was shorter for patients with triple-negative "
        "disease (HR 1.9; 95% CI 1.2-3.0)."
    )
    assert rows(draft, "hr", "contrast") == [
        ("OS", None, 1.9, "patients with triple-negative disease")
    ]


def test_a_ratio_per_unit_printed_before_its_value() -> None:
    draft = extract(
        SERIES + "The risk of death increased with age (HR per 10 years, 1.30; 95% CI, 1.15-1.47)."
    )
    assert rows(draft, "hr", "ci", "contrast") == [("OS", None, 1.30, [1.15, 1.47], "age")]
    assert "per 10 years" in draft.entries[0].note


def test_a_relative_risk_of_an_outcome() -> None:
    draft = extract(
        "Patients were randomly assigned to drug Q or placebo. Drug Q reduced the relative "
        "risk of death 0.77 (95% CI 0.65-0.92)."
    )
    assert [(e.name, e.get("rr"), e.get("ci")) for e in draft.entries] == [
        ("OS", 0.77, [0.65, 0.92])
    ]


def test_a_ratio_of_a_study_without_arms_and_without_contrast_is_drafted_with_a_check() -> None:
    draft = extract(
        SERIES + "Transfusion dependence at 6 months was linked to OS (HR 2.3; 95% CI 1.5-3.5)."
    )
    assert rows(draft, "hr") == [("OS", None, 2.3)]
    assert "no contrast found" in draft.entries[0].check


# ---------------------------------------------------------------------------
# Lists of ratios, subgroups, p in scientific notation, a ratio naming its own outcome

RCT = "Patients were randomly assigned to drug Q or placebo. "


def test_ratios_listed_with_respectively_go_to_the_outcomes_in_order() -> None:
    draft = extract(RCT + "Drug Q improved EFS and OS (HR 0.58 and 0.81, respectively).")
    assert rows(draft, "hr") == [("EFS", None, 0.58), ("OS", None, 0.81)]


def test_plural_hrs_for_a_list_of_outcomes_with_their_cis() -> None:
    draft = extract(
        RCT + "The HRs for PFS and OS were 0.52 (95% CI 0.40-0.68) and 0.77 (95% CI "
        "0.60-0.99), respectively."
    )
    assert rows(draft, "hr", "ci") == [
        ("PFS", None, 0.52, [0.40, 0.68]),
        ("OS", None, 0.77, [0.60, 0.99]),
    ]


def test_ratios_listed_with_respectively_and_no_matching_outcomes_stay_out() -> None:
    draft = extract(RCT + "Drug Q improved OS (HR 0.58 and 0.81, respectively).")
    assert rows(draft, "hr") == []
    assert any("respectively" in c for c in skipped(draft))


def test_a_subgroup_named_with_parentheses_is_still_a_subgroup() -> None:
    draft = extract(
        RCT + "Drug Q improved PFS in the del(17p) subgroup (HR 0.30; 95% CI 0.15-0.60)."
    )
    assert rows(draft, "hr", "contrast") == [("PFS", None, 0.30, "del(17p) subgroup")]


def test_a_p_in_scientific_notation_is_left_out_and_the_ratio_kept() -> None:
    draft = extract(RCT + "PFS was longer with drug Q (HR 0.49, 95% CI 0.38-0.63, P = 2.1 x 10-6).")
    assert rows(draft, "hr", "ci", "p") == [("PFS", None, 0.49, [0.38, 0.63], None)]


def test_a_ratio_that_names_its_outcome_in_a_sentence_with_no_other_term() -> None:
    draft = extract(
        RCT + "With drug Q, the hazard ratio for progression was 0.51 (95% CI 0.38-0.69)."
    )
    assert rows(draft, "hr", "ci") == [("PFS", None, 0.51, [0.38, 0.69])]


def test_ci_bounds_in_brackets_after_the_ci_label() -> None:
    draft = extract(RCT + "PFS was longer with drug Q (HR 0.57, 95% CI [0.41, 0.79]).")
    assert rows(draft, "hr", "ci") == [("PFS", None, 0.57, [0.41, 0.79])]


def test_a_ci_without_its_level_is_read_with_a_note() -> None:
    draft = extract(RCT + "PFS was longer with drug Q (HR 0.57; CI 0.41-0.79).")
    assert rows(draft, "hr", "ci", "ci_level") == [("PFS", None, 0.57, [0.41, 0.79], None)]
    assert "CI level not printed" in draft.entries[0].note


def test_confidence_limits_are_a_ci() -> None:
    draft = extract(RCT + "PFS was longer with drug Q (HR 0.57; 90% confidence limits 0.44-0.74).")
    assert rows(draft, "hr", "ci", "ci_level") == [("PFS", None, 0.57, [0.44, 0.74], 0.9)]


# ---------------------------------------------------------------------------
# Citation facts: year and PMID only as printed


def test_a_citation_with_year_in_parentheses_and_an_issue() -> None:
    cit = find_citation("We treated 40 patients.\n\nHaematol Res (2013) 98 (4): 512-518.")
    assert (cit.year, cit.journal) == (2013, "Haematol Res")


def test_a_nature_style_citation_line() -> None:
    cit = find_citation("Leuk Res volume 12, pages 101–109 (2018)\nWe treated 40 patients.")
    assert (cit.year, cit.journal) == (2018, "Leuk Res")


def test_a_meeting_abstracts_year_from_presented_at() -> None:
    cit = find_citation(
        "We treated 40 patients. Presented at the 61st Annual Meeting of the Society, "
        "Orlando, FL, December 7-10, 2019."
    )
    assert cit.year == 2019


def test_a_reference_to_other_work_in_a_sentence_gives_no_year() -> None:
    cit = find_citation(
        "A prior score (Leuk Res 2009;33:12) was validated. We treated 40 patients."
    )
    assert cit.year is None


def test_a_pubmed_id_is_read_only_as_printed() -> None:
    assert find_citation("We treated 40 patients. PubMed ID: 31234567").pmid == "31234567"
    assert find_citation("We treated 40 patients in 31234567 visits.").pmid is None


def test_the_drafted_record_carries_the_printed_year() -> None:
    draft = extract(
        "Blood. 2016 Mar 3;127(9):1100-1108.\nA total of 88 patients were enrolled. The "
        "overall response rate was 50%."
    )
    assert draft.year == 2016


def test_ratio_values_each_labelled_for_an_outcome() -> None:
    draft = extract(
        RCT + "The hazard ratios were 0.62 for PFS (P = .01) and 0.70 for OS (P = .04)."
    )
    assert rows(draft, "hr", "p") == [("PFS", None, 0.62, 0.01), ("OS", None, 0.70, 0.04)]


def test_ratio_values_labelled_for_categories_stay_out() -> None:
    draft = extract(
        SERIES + "The HR was 3.2 for low risk, 2.1 for intermediate risk and 1.6 for high risk."
    )
    assert rows(draft, "hr") == []
    assert any("name no outcome" in c for c in skipped(draft))


def test_a_ratio_in_favor_of_one_group_asks_for_its_contrast() -> None:
    draft = extract(
        RCT + "The odds ratio in favor of the home-care arm was 1.4 for event-free survival "
        "(P = .03) and 1.5 for overall survival (P = .02)."
    )
    assert rows(draft, "or", "p") == [("EFS", None, 1.4, 0.03), ("OS", None, 1.5, 0.02)]
    assert all("in favor of the home-care arm" in e.check for e in draft.entries)


# ---------------------------------------------------------------------------
# Death inside a composite end point is not overall survival


def test_risk_of_progression_or_death_is_pfs_not_os() -> None:
    draft = extract(
        RCT + "Drug Q lowered the risk of progression or death by 41% (HR 0.59; 95% CI 0.45-0.77)."
    )
    assert rows(draft, "hr") == [("PFS", None, 0.59)]


def test_a_hazard_ratio_for_event_or_death_takes_the_sentences_outcome() -> None:
    draft = extract(
        RCT + "The 2-year EFS was 61% vs 50% (hazard ratio for event or death, 0.74; 95% CI, "
        "0.58 to 0.94)."
    )
    assert rows(draft, "hr") == [("EFS", None, 0.74)]


def test_a_hazard_ratio_for_death_alone_is_os() -> None:
    draft = extract(RCT + "The hazard ratio for death was 0.81 (95% CI 0.66-0.99).")
    assert rows(draft, "hr") == [("OS", None, 0.81)]


def test_a_p_carried_by_the_ratio_is_not_given_to_the_first_arm_too() -> None:
    draft = extract(
        "A total of 200 patients were randomly assigned to drug A (n = 100) or drug B "
        "(n = 100). Median OS was 14.2 vs 9.9 months (P = .003; HR 0.66; 95% CI 0.50-0.87)."
    )
    assert [(e.arm, e.get("p")) for e in draft.entries] == [
        (None, 0.003),
        ("drug-a", None),
        ("drug-b", None),
    ]


def test_a_comparisons_p_after_its_medians_goes_to_the_first_arm() -> None:
    draft = extract(
        "A total of 200 patients were randomly assigned to drug A (n = 100) or drug B "
        "(n = 100). Median OS was 14.2 vs 9.9 months (P = .003)."
    )
    assert [(e.arm, e.get("median"), e.get("p")) for e in draft.entries] == [
        ("drug-a", 14.2, 0.003),
        ("drug-b", 9.9, None),
    ]


# ---------------------------------------------------------------------------
# A sentence about a subgroup: its ratio is not the whole trial's

TWO_ARMS = "A total of 300 patients were randomly assigned to drug A or drug B. "


def test_a_sentence_opening_with_a_subgroup_gives_its_ratio_a_subgroup_contrast() -> None:
    draft = extract(
        TWO_ARMS + "Among patients with bulky disease, drug A improved PFS (HR 0.58; 95% CI "
        "0.40-0.84)."
    )
    assert rows(draft, "hr", "contrast") == [("PFS", None, 0.58, "patients with bulky disease")]
    assert "subgroup ratio" in draft.entries[0].check


def test_a_subgroup_sentence_of_a_study_without_two_arms_is_skipped() -> None:
    draft = extract(
        "A total of 300 patients were studied. In patients with bulky disease, PFS was "
        "shorter (HR 1.58; 95% CI 1.10-2.27)."
    )
    assert rows(draft, "hr") == []
    assert any("subgroup ratio" in c for c in skipped(draft))


def test_a_subgroup_after_including_is_a_subgroup() -> None:
    draft = extract(
        TWO_ARMS + "The benefit of drug A on PFS was consistent across subgroups, including "
        "older patients (HR 0.61; 95% CI 0.42-0.89)."
    )
    assert rows(draft, "hr", "contrast") == [("PFS", None, 0.61, "older patients")]


def test_a_subset_analysis_opening_the_sentence_names_the_subgroup() -> None:
    draft = extract(
        TWO_ARMS + "In a subset analysis of KRAS-mutant tumors, PFS for drug A versus drug B "
        "was 4.1 v 3.0 months (HR, 0.82; 95% CI, 0.60 to 1.12)."
    )
    assert rows(draft, "hr", "contrast") == [("PFS", None, 0.82, "KRAS-mutant tumors")]


def test_a_subgroup_named_before_the_parenthesis_that_holds_the_ratio() -> None:
    draft = extract(
        TWO_ARMS + "A benefit was also seen in patients with renal failure (median PFS, 10 v "
        "18 months; HR, 0.51; 95% CI, 0.30 to 0.87)."
    )
    assert [(e.get("hr"), e.get("contrast")) for e in draft.entries if e.get("hr")] == [
        (0.51, "patients with renal failure")
    ]


def test_an_outcome_before_the_parenthesis_is_not_a_subgroup() -> None:
    draft = extract(
        TWO_ARMS + "No difference in median PFS was observed [drug A = 30 mos., drug B = 31 "
        "mos., HR = 0.97 (95% CI = 0.70-1.34)]."
    )
    assert [(e.get("hr"), e.get("contrast")) for e in draft.entries if e.get("hr")] == [
        (0.97, None)
    ]


def test_the_levels_compared_inside_the_ratios_parenthesis_join_the_contrast() -> None:
    draft = extract(
        SERIES + "Older age (≥70 vs <70 years; HR 1.8; 95% CI 1.3-2.5) was an independent "
        "prognostic factor for OS."
    )
    assert rows(draft, "hr", "contrast") == [("OS", None, 1.8, "Older age (≥70 vs <70 years)")]


def test_a_ci_level_printed_after_ci() -> None:
    draft = extract(RCT + "PFS was longer with drug Q (HR = 0.64, CI 95% 0.50–0.82).")
    assert rows(draft, "hr", "ci") == [("PFS", None, 0.64, [0.50, 0.82])]


def test_ci_bounds_separated_by_a_semicolon_in_brackets() -> None:
    draft = extract(RCT + "PFS was longer with drug Q (HR 0.64 [0.50; 0.82]).")
    assert rows(draft, "hr", "ci") == [("PFS", None, 0.64, [0.50, 0.82])]


def test_a_p_in_its_own_parenthesis_after_the_ratios() -> None:
    draft = extract(RCT + "PFS was longer with drug Q (HR 0.64; 95% CI 0.50-0.82) (P < .001).")
    assert rows(draft, "hr", "p") == [("PFS", None, 0.64, "<0.001")]


def test_a_factor_named_with_an_abbreviation_in_parentheses() -> None:
    draft = extract(
        SERIES + "High-risk (HR) karyotype was associated with shorter OS (HR 2.1; 95% CI 1.4-3.2)."
    )
    assert rows(draft, "hr", "contrast") == [("OS", None, 2.1, "High-risk (HR) karyotype")]


def test_a_count_after_or_is_not_an_odds_ratio() -> None:
    draft = extract(RCT + "The ORR was 45% with drug Q (OR 12 patients).")
    assert [e for e in draft.entries if e.get("or") is not None] == []


# ---------------------------------------------------------------------------
# Second pass (after round 6): lists closed by "respectively", time-point mortality


def test_respectively_ratios_go_to_the_listed_outcomes_in_order() -> None:
    draft = extract(
        RCT + "Event-free and overall survival did not differ between the arms: 40% vs 44%; "
        "hazard ratio 0.91 (0.75-1.10), P=0.3, and 52% versus 55%; hazard ratio 0.95 "
        "(0.80-1.13), P=0.6, respectively."
    )
    assert rows(draft, "hr", "ci", "p") == [
        ("EFS", None, 0.91, [0.75, 1.10], 0.3),
        ("OS", None, 0.95, [0.80, 1.13], 0.6),
    ]


def test_a_respectively_item_without_a_canonical_outcome_is_skipped_not_shifted() -> None:
    draft = extract(
        RCT + "There was no difference in toxicity or survival between the arms: 30% vs 28%; "
        "hazard ratio 1.21 (0.90-1.62), P=0.2, and 61% versus 58%; hazard ratio 1.05 "
        "(0.85-1.30), P=0.7, respectively."
    )
    assert rows(draft, "hr", "p") == [("OS", None, 1.05, 0.7)]
    assert any("hazard ratio 1.21" in c and "respectively" in c for c in skipped(draft))


def test_respectively_ratios_whose_count_differs_from_the_list_are_all_skipped() -> None:
    draft = extract(
        RCT + "Progression-free and overall survival and relapse favoured drug Q: HR 0.70 "
        "(0.55-0.89) and HR 0.80 (0.62-1.03), respectively."
    )
    assert [e for e in draft.entries if e.get("hr") is not None] == []


def test_each_ratio_after_its_own_outcome_is_not_a_respectively_list() -> None:
    draft = extract(
        RCT + "Median PFS was 8 v 6 months (HR, 0.70; 95% CI, 0.55 to 0.89; P = .004), and "
        "median OS was 20 v 17 months (HR, 0.85; 95% CI, 0.70 to 1.03; P = .09), respectively."
    )
    hrs = [(e.name, e.get("hr"), e.get("p")) for e in draft.entries if e.get("hr") is not None]
    assert hrs == [("PFS", 0.70, 0.004), ("OS", 0.85, 0.09)]


def test_time_point_mortality_ratios_are_not_overall_survival() -> None:
    draft = extract(
        RCT + "The 30- and 90-day mortality was higher with drug Q: 6% versus 2%; hazard ratio "
        "2.40 (1.20-4.80), P=0.01, and 10% versus 6%; hazard ratio 1.70 (1.05-2.75), P=0.03, "
        "respectively."
    )
    assert [e for e in draft.entries if e.get("hr") is not None] == []


def test_a_single_time_point_mortality_ratio_is_not_overall_survival() -> None:
    for sentence in (
        "Early death was more frequent with drug Q (HR 2.10; 95% CI 1.10-4.01).",
        "The 100-day mortality was higher with drug Q (HR 1.90; 95% CI 1.20-3.01).",
        "Mortality at 60 days was higher with drug Q (HR 1.80; 95% CI 1.10-2.95).",
    ):
        draft = extract(RCT + sentence)
        assert [e for e in draft.entries if e.get("hr") is not None] == [], sentence


def test_overall_mortality_ratio_is_still_overall_survival() -> None:
    draft = extract(RCT + "Mortality was lower with drug Q (HR 0.80; 95% CI 0.66-0.97).")
    assert rows(draft, "hr", "ci") == [("OS", None, 0.80, [0.66, 0.97])]


def test_an_odds_ratio_goes_to_the_rate_named_right_before_it_in_its_clause() -> None:
    draft = extract(
        RCT + "The complete remission rate was higher with drug Q [70% vs 58%; odds ratio 1.69 "
        "(1.10-2.60); P=0.02], while the overall response rate was similar (80% vs 78%)."
    )
    ors = [(e.name, e.get("or"), e.get("ci"), e.get("p")) for e in draft.entries if e.get("or")]
    assert ors == [("CR", 1.69, [1.10, 2.60], 0.02)]


def test_a_results_line_headed_by_its_factor_gives_the_contrast() -> None:
    draft = extract(
        SERIES + "Cox model for overall survival.\n\nPlatelets <100: HR = 2.30, p = 0.01 (worse OS)"
    )
    assert rows(draft, "hr", "p", "contrast") == [("OS", None, 2.3, 0.01, "Platelets <100")]


def test_a_heading_before_a_colon_is_not_a_factor() -> None:
    draft = extract(
        SERIES
        + "Results: overall survival was shorter with JAK2 mutation (HR 1.50; 95% CI 1.10-2.05)."
    )
    assert all(e.get("contrast") != "Results" for e in draft.entries)


def test_a_ratio_of_an_event_with_no_canonical_name_is_not_given_the_sentences_other_outcome() -> (
    None
):
    for sentence in (
        "The cumulative incidence of relapse was lower with drug Q (HR 0.60; 95% CI 0.45-0.80), "
        "but overall survival was similar.",
        "Overall survival did not differ, but the risk of relapse was lower with drug Q (HR "
        "0.60; 95% CI 0.45-0.80).",
        "Drug Q reduced the incidence of graft-versus-host disease (HR 0.50; 95% CI 0.35-0.71) "
        "without affecting survival.",
        "Time to next treatment was longer with drug Q (HR 0.62; 95% CI 0.50-0.77); overall "
        "survival data are immature.",
        "The risk of thrombosis was higher with drug Q (OR 2.5; 95% CI 1.3-4.8), and the "
        "response rate was similar.",
    ):
        draft = extract(RCT + sentence)
        assert [e for e in draft.entries if e.get("hr") or e.get("or")] == [], sentence


def test_the_outcome_of_its_own_clause_still_gets_its_ratio() -> None:
    draft = extract(
        RCT + "Relapse was less frequent with drug Q (HR 0.60; 95% CI 0.45-0.80), while overall "
        "survival did not differ (HR 0.95; 95% CI 0.80-1.12)."
    )
    assert rows(draft, "hr", "ci") == [("OS", None, 0.95, [0.80, 1.12])]


def test_an_event_named_as_a_factor_before_an_associated_outcome_is_the_factor() -> None:
    draft = extract(
        SERIES + "In multivariate analysis, early relapse (HR 2.40; 95% CI 1.50-3.84) was "
        "associated with shorter overall survival."
    )
    assert rows(draft, "hr", "contrast") == [("OS", None, 2.4, "early relapse")]


def test_values_compared_are_not_a_subgroup() -> None:
    draft = extract(
        RCT + "Death from any cause occurred in 20% vs 25% (HR 0.78; 95% CI 0.62-0.98)."
    )
    assert rows(draft, "hr", "contrast") == [("OS", None, 0.78, None)]


def test_counts_compared_are_not_a_subgroup() -> None:
    draft = extract(RCT + "PFS events occurred in 120 vs 160 patients (HR 0.65; 95% CI 0.51-0.82).")
    assert rows(draft, "hr", "contrast") == [("PFS", None, 0.65, None)]


def test_a_respectively_list_with_an_unnamed_first_item_drafts_only_the_named_one() -> None:
    draft = extract(
        RCT + "Relapse incidence and overall survival were 20% vs 35% (HR 0.52; 95% CI "
        "0.36-0.75) and 70% vs 62% (HR 0.80; 95% CI 0.60-1.07), respectively."
    )
    assert [(e.name, e.get("hr")) for e in draft.entries if e.get("hr")] == [("OS", 0.80)]


def test_respectively_for_the_arms_after_the_ratios_still_orders_them_by_outcome() -> None:
    draft = extract(
        RCT + "Median PFS and OS were 20 vs 15 months (HR 0.70; 95% CI 0.55-0.89) and 40 vs 35 "
        "months (HR 0.80; 95% CI 0.62-1.03) for the patients given drug Q and those given "
        "placebo, respectively."
    )
    hrs = [(e.name, e.get("hr")) for e in draft.entries if e.get("hr")]
    assert hrs == [("PFS", 0.70), ("OS", 0.80)]


def test_a_factors_ratio_for_an_unnamed_event_is_not_the_sentences_other_outcome() -> None:
    draft = extract(
        SERIES + "Patients with JAK2 mutation had a higher risk of thrombosis (HR 2.2; 95% CI "
        "1.3-3.7) but similar survival."
    )
    assert [e for e in draft.entries if e.get("hr")] == []


def test_a_ratio_for_death_or_an_unnamed_event_is_not_overall_survival() -> None:
    draft = extract(RCT + "The hazard ratio for death or relapse was 0.74 (95% CI 0.60-0.91).")
    assert [e for e in draft.entries if e.get("hr")] == []


def test_an_unlabelled_ratio_after_an_unnamed_event_is_not_the_ratio_befores_outcome() -> None:
    draft = extract(
        RCT + "Drug Q improved OS (HR 0.80; 95% CI 0.66-0.97; P = .02) and reduced the incidence "
        "of GVHD (0.60; 95% CI 0.45-0.80; P = .001)."
    )
    assert [(e.name, e.get("hr")) for e in draft.entries if e.get("hr")] == [("OS", 0.80)]


def test_an_unlabelled_ratio_right_after_its_outcome_is_still_read() -> None:
    draft = extract(RCT + "Drug Q improved PFS (HR 0.60; P < .001) and OS (0.75; P = .02).")
    hrs = [(e.name, e.get("hr"), e.get("p")) for e in draft.entries if e.get("hr")]
    assert hrs == [("PFS", 0.60, "<0.001"), ("OS", 0.75, 0.02)]


# ---------------------------------------------------------------------------
# Third pass: a list of factors closed by "were ... factors" after the ratios


def test_every_item_of_a_bracketed_factor_list_closed_by_its_verb_gets_its_contrast() -> None:
    draft = extract(
        COHORT + "In multivariable analysis, bulky disease [HR = 2.10, 95% CI (1.20-3.70), "
        "P = 0.01], low albumin [HR = 1.80, 95% CI (1.10-2.90), P = 0.02], high beta-2 "
        "microglobulin [HR = 1.50, 95% CI (1.05-2.15)] and older age [HR = 1.40, 95% CI "
        "(1.02-1.90)] were independent risk factors for inferior OS."
    )
    got = [(e.name, e.get("hr"), e.get("contrast")) for e in draft.entries if e.get("hr")]
    assert got == [
        ("OS", 2.10, "bulky disease"),
        ("OS", 1.80, "low albumin"),
        ("OS", 1.50, "high beta-2 microglobulin"),
        ("OS", 1.40, "older age"),
    ]


def test_a_factor_list_that_turned_out_to_be_risk_factors_gets_its_contrasts() -> None:
    draft = extract(
        COHORT + "On Cox analysis for PFS, male sex (HR 1.30; 95% CI 1.05-1.61), anemia (HR "
        "1.45; 95% CI 1.10-1.91), and high LDH (HR 1.90; 95% CI 1.40-2.58) turned out to be "
        "independent risk factors."
    )
    got = [(e.name, e.get("hr"), e.get("contrast")) for e in draft.entries if e.get("hr")]
    assert got == [("PFS", 1.30, "male sex"), ("PFS", 1.45, "anemia"), ("PFS", 1.90, "high LDH")]


def test_a_factor_list_after_factors_associated_with_gets_its_contrasts() -> None:
    draft = extract(
        COHORT + "Multivariate analysis showed the factors for shorter PFS associated with "
        "extranodal disease [HR = 2.20, 95% CI (1.30-3.72)], high Ki-67 [HR = 1.75, 95% CI "
        "(1.12-2.73), P = 0.01] and elevated LDH [HR = 1.60, 95% CI (1.04-2.46)]."
    )
    got = [(e.name, e.get("hr"), e.get("contrast")) for e in draft.entries if e.get("hr")]
    assert got == [
        ("PFS", 2.20, "extranodal disease"),
        ("PFS", 1.75, "high Ki-67"),
        ("PFS", 1.60, "elevated LDH"),
    ]


def test_an_outcome_after_factors_associated_with_is_not_a_contrast() -> None:
    draft = extract(
        COHORT + "In multivariable analysis, the factors associated with OS (HR 1.50; 95% CI "
        "1.10-2.05) were examined."
    )
    assert all(e.get("contrast") != "OS" for e in draft.entries)


def test_a_model_sentence_naming_no_outcome_takes_the_analysis_outcome_named_before() -> None:
    draft = extract(
        COHORT + "Variables tested in the univariate analysis for PFS were age, stage and LDH. "
        "Those with p<0.1 entered the Cox model. In the Cox model, stage IV (HR 1.90; 95% CI "
        "1.20-3.01; p=0.006) and high LDH (vs. normal LDH, HR 1.40; 95% CI 1.05-1.87) remained "
        "independent prognostic factors."
    )
    got = [(e.name, e.get("hr"), e.get("contrast")) for e in draft.entries if e.get("hr")]
    assert got == [("PFS", 1.90, "stage IV"), ("PFS", 1.40, "high LDH (vs. normal LDH)")]
    assert all("outcome inferred" in (e.check or "") for e in draft.entries if e.get("hr")), (
        draft.entries
    )


def test_a_sentence_without_a_model_does_not_take_an_earlier_analysis_outcome() -> None:
    draft = extract(
        COHORT + "Variables tested in the univariate analysis for PFS were age, stage and LDH. "
        "Stage IV (HR 1.90; 95% CI 1.20-3.01) was frequent."
    )
    assert [e for e in draft.entries if e.get("hr")] == []


def test_a_p_printed_as_zero_is_left_out_and_the_ratio_kept() -> None:
    draft = extract(
        COHORT + "In multivariate analysis, bulky disease (HR=2.66, p=0.000) was an independent "
        "predictor of shorter OS."
    )
    assert rows(draft, "hr", "p", "contrast") == [("OS", None, 2.66, None, "bulky disease")]


def test_an_odds_ratio_of_unqualified_response_is_an_overall_response_ratio() -> None:
    draft = extract(
        COHORT + "Patients with a prior splenectomy had a lower likelihood of response (odds "
        "ratio, 0.45; 95% CI 0.25-0.81; P = .008)."
    )
    e = [e for e in draft.entries if e.get("or")]
    assert [(x.name, x.get("or"), x.get("ci"), x.get("p")) for x in e] == [
        ("ORR", 0.45, [0.25, 0.81], 0.008)
    ]
    assert "outcome inferred" in e[0].check


def test_an_odds_ratio_of_complete_response_is_not_read_as_overall_response() -> None:
    draft = extract(
        COHORT + "Older patients had a lower likelihood of response (CR) (odds ratio, 0.45; "
        "95% CI 0.25-0.81)."
    )
    assert [e.name for e in draft.entries if e.get("or")] != ["ORR"]
