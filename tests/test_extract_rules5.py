"""Rules added after round 4 (``synth extract``): each input is written out here.

Every rule either drafts a value with the group its sentence gives (with a ``# check:``
comment when the group is inferred) or leaves a doubtful value out with a ``# skipped:``
comment: a wrong number is worse than a missed one.
"""

from __future__ import annotations

import pytest

from synthesis.extract import Draft, extract
from synthesis.extract.citation import find_citation


def rows(draft: Draft, *keys: str) -> list[tuple]:
    return [(e.name, e.arm, *(e.get(k) for k in keys)) for e in draft.entries]


def skipped(draft: Draft) -> list[str]:
    return [c for c in draft.comments if c.startswith("skipped")]


# ---------------------------------------------------------------------------
# Medians that are not the whole cohort's


def test_a_median_after_versus_with_no_first_value_is_skipped() -> None:
    draft = extract(
        "A total of 120 patients were enrolled. Response duration was prolonged by drug X, "
        "with the median not being reached versus an estimated median of 16 months (P = .001)."
    )
    assert rows(draft, "median") == []
    assert any("second side of a comparison" in c for c in skipped(draft))


def test_a_median_after_group_values_in_its_sentence_is_skipped() -> None:
    draft = extract(
        "A total of 300 patients were enrolled. Median EFS was similar in patients treated "
        "with AB (59.0 months) and CD (55.0 months); median OS was not reached."
    )
    assert [r for r in rows(draft, "median") if r[0] == "OS"] == []
    assert any("after group values" in c for c in skipped(draft))


def test_a_whole_cohort_median_is_still_drafted() -> None:
    draft = extract(
        "A total of 300 patients were enrolled. With a median follow-up of 46.6 months "
        "(range, 0-63.0 months), median OS was 38.0 months."
    )
    assert rows(draft, "median") == [("OS", None, 38.0)]


# ---------------------------------------------------------------------------
# Rates of one arm named by the sentence, and of labelled subgroups

ALLOC = "In total, 298 patients were randomly assigned to ZX200 or ZX100. "


def test_rates_of_a_sentence_that_names_one_arm_go_to_it_with_a_check() -> None:
    draft = extract(
        ALLOC + "Best response to ZX200 was: complete remission 22 of 149 (15%); partial "
        "remission 95 of 149 (64%), for an overall response rate of 79%. Best response to "
        "ZX100 was: complete remission 12 of 149 (8%)."
    )
    assert rows(draft, "events", "total", "percent") == [
        ("CR", "zx200", 22, 149, 15),
        ("PR", "zx200", 95, 149, 64),
        ("ORR", "zx200", None, 149, 79),
        ("CR", "zx100", 12, 149, 8),
    ]
    assert all(e.check and "sentence names only" in e.check for e in draft.entries)
    assert "total inferred" in draft.entries[2].check


def test_a_sentence_that_compares_is_not_read_as_one_arms() -> None:
    draft = extract(
        ALLOC + "Best response to ZX100 was: CR 12 of 149 (8%). The ORR with ZX200 was 79%, "
        "higher than historical controls."
    )
    assert [a.id for a in draft.arms] == ["zx200", "zx100"]
    assert [e.arm for e in draft.entries if e.name == "ORR"] in ([], [None])


def test_a_total_that_does_not_fit_the_percent_is_not_inferred() -> None:
    draft = extract(
        ALLOC + "Best response to ZX200 was: complete remission 22 of 149 (15%), for an "
        "overall response rate of 33.3%."
    )
    orr = [e for e in draft.entries if e.name == "ORR"]
    assert orr == [] or orr[0].get("total") is None


def test_a_rate_in_a_parenthesis_after_a_label_is_that_groups() -> None:
    draft = extract(
        "A total of 1494 patients were enrolled. Modeling identified 3 risk groups: low "
        "(mortality rate, 6.2%), medium (14.5%), and high (27.4%)."
    )
    assert rows(draft, "percent") == []
    assert any('a value of "low"' in c for c in skipped(draft))


# ---------------------------------------------------------------------------
# Arm labels


def test_parallel_codes_name_the_arms() -> None:
    draft = extract(
        "In a phase 3 study, 298 patients were randomly assigned to receive 2 transplantations "
        "after conditioning with MEL200 or MEL100. Best response to MEL200 was: CR 22 of "
        "149 (15%)."
    )
    assert [a.label for a in draft.arms if a.id != "all"] == ["MEL200", "MEL100"]


# ---------------------------------------------------------------------------
# Cohort and arm sizes


def test_a_cohort_size_in_words_with_a_randomly_divided_verb() -> None:
    draft = extract(
        "Methods: Forty-two patients with APL, from 2001 to 2005, were randomly divided into "
        "two groups."
    )
    assert draft.n == 42


def test_a_cohort_size_with_a_space_as_thousands_separator() -> None:
    draft = extract(
        "We built a registry collecting data of 2 450 newly diagnosed acute myeloid leukemia "
        "patients aged 70 years or more."
    )
    assert draft.n == 2450


def test_a_year_before_a_count_is_not_read_as_thousands() -> None:
    draft = extract("Between 2011 and 2013 412 patients were enrolled.")
    assert draft.n == 412


def test_a_cohort_size_with_a_comma_and_data_from() -> None:
    draft = extract("Methods: We retrospectively analyzed registered data from 2,118 patients.")
    assert draft.n == 2118


def test_a_cohort_framed_by_who_are_evaluable() -> None:
    draft = extract(
        "Of the 152 patients who are currently evaluable (as of May 2004), 120 received A."
    )
    assert draft.n == 152


def test_two_adverbs_before_the_verb() -> None:
    draft = extract("Overall, 410 patients were centrally randomly assigned after ASCT.")
    assert draft.n == 410


def test_a_cohort_composition_is_not_its_arms_and_keeps_the_total() -> None:
    draft = extract(
        "From 1991 to 1997, 812 patients (500 stage B and 312 stage C) were randomized in 60 "
        "centers. The CR rate was 40%."
    )
    assert draft.n == 812
    assert [a for a in draft.arms if a.id != "all"] == []


def test_a_size_printed_with_the_groups_abbreviation() -> None:
    draft = extract(
        "This phase 3 study evaluated drugzumab (n = 300) vs a treatment choice (TC; n = 290) "
        "in patients with AML. The CR rate was 19% vs 17%."
    )
    assert [(a.n, a.aliases) for a in draft.arms if a.id != "all"][1] == (290, ("TC",))
    assert [(e.get("percent"), e.get("total")) for e in draft.entries] == [(19, 300), (17, 290)]


def test_grouped_thousands_count_as_printed_numbers() -> None:
    from synthesis.extract import iter_numbers

    assert {3700.0, 41640.0} <= set(iter_numbers("data of 3 700 patients and 41,640 people"))


# ---------------------------------------------------------------------------
# Times labelled by group without brackets; "the control group"; sizes of the whole cohort

BTZ = "Overall, 370 patients were randomly assigned to receive bortezomib or no consolidation. "


def test_times_labelled_after_was_and_the_control_group_names_the_no_arm() -> None:
    draft = extract(
        BTZ + "The PFS after randomization was 27 months for the bortezomib group compared "
        "with 20 months for the control group (P = .05)."
    )
    assert rows(draft, "median", "p") == [
        ("PFS", "bortezomib", 27, 0.05),
        ("PFS", "no-consolidation", 20, None),
    ]
    assert all("without the word" in e.check for e in draft.entries)


def test_a_drug_does_not_name_its_negation() -> None:
    draft = extract(
        BTZ + "The PFS was 27 months for the bortezomib group compared with 20 months for "
        "the consolidation group."
    )
    assert rows(draft, "median") == []


def test_the_cohort_randomized_between_arms_is_no_arms_size() -> None:
    draft = extract(
        BTZ + "The PFS after randomization was 27 months for the bortezomib group compared "
        "with 20 months for the control group."
    )
    assert [a.n for a in draft.arms if a.id != "all"] == [None, None]


# ---------------------------------------------------------------------------
# Three arms after "either", a list of three medians, labels after "selected for"


def test_three_arms_after_either_and_their_medians_respectively() -> None:
    draft = extract(
        "Untreated patients were randomly allocated to receive 6 courses of either AB, CD, or "
        "drugumab (DRG). Median survival did not differ significantly (61, 64, and 58 months "
        "in the AB, CD, and DRG groups, respectively)."
    )
    assert [a.label for a in draft.arms if a.id != "all"] == ["AB", "CD", "drugumab"]
    assert rows(draft, "median") == [("OS", "ab", 61), ("OS", "cd", 64), ("OS", "drugumab", 58)]


def test_a_label_after_selected_for() -> None:
    draft = extract(
        "The objective was to compare survival in patients selected for intensive "
        "chemotherapy (n = 900) or hypomethylating agents (n = 800). The median overall "
        "survival was 10.9 and 9.2 months with chemotherapy and hypomethylating agents, "
        "respectively."
    )
    assert [(a.label, a.n) for a in draft.arms if a.id != "all"] == [
        ("intensive chemotherapy", 900),
        ("hypomethylating agents", 800),
    ]
    assert rows(draft, "median") == [
        ("OS", "intensive-chemotherapy", 10.9),
        ("OS", "hypomethylating-agents", 9.2),
    ]


# ---------------------------------------------------------------------------
# The year from other citation forms (never from study dates)


@pytest.mark.parametrize(
    ("line", "year", "journal"),
    [
        ("Smith A, et al. A trial of X (ABC). Leuk Res 2011;35:120-126.", 2011, "Leuk Res"),
        ("Smith A, et al.: A trial of X. Ann Hematol 12 (3): 101-9, 1999.", 1999, "Ann Hematol"),
        ("Smith et al. BMC Hematology (2018) 18:12 DOI 10.1/x", 2018, "BMC Hematology"),
        ("Blood Cancer Journal volume 9, Article number: 41 (2019)", 2019, "Blood Cancer Journal"),
        ("Journal of Clinical Haematology 2008 March 3", 2008, "Journal of Clinical Haematology"),
        ("Doe, J., Roe, R. (2012). A phase II study. Ann Oncol, 3(1), 1-5.", 2012, None),
    ],
)
def test_citation_forms_give_the_year(line: str, year: int, journal: str | None) -> None:
    c = find_citation(line + "\nBackground: 40 patients were enrolled.")
    assert (c.year, c.journal) == (year, journal)
    assert c.text is not None and c.text in line


def test_study_dates_are_not_a_citation_year() -> None:
    text = (
        "The study started in 2002 and accrual stopped 1st of May 2007. Results will be "
        "available September 2007. Between 2000 and 2011, 300 patients were enrolled."
    )
    assert find_citation(text).year is None
    assert extract(text).year is None


# ---------------------------------------------------------------------------
# Factor contrasts; the direction of a comparison with one named group


def test_a_factor_after_a_linking_word_is_the_contrast() -> None:
    draft = extract(
        "A total of 900 patients were identified. Furthermore, male gender was associated with "
        "inferior overall survival (OS) in multivariate analysis (hazard ratio [HR] = 1.36; "
        "P = .002)."
    )
    assert rows(draft, "hr", "contrast", "adjusted") == [("OS", None, 1.36, "male gender", True)]


def test_a_list_of_factors_with_sizes_and_the_population_of_the_sentence() -> None:
    draft = extract(
        "A total of 900 patients were identified. Among patients receiving chemotherapy, drug "
        "X (n = 500; HR = 0.66; P = .001) and radiotherapy (n = 200; HR = 0.55; P = .004) "
        "were independently associated with improved OS in multivariate analysis."
    )
    assert rows(draft, "hr", "contrast") == [
        ("OS", None, 0.66, "drug X, among patients receiving chemotherapy"),
        ("OS", None, 0.55, "radiotherapy, among patients receiving chemotherapy"),
    ]


ALLOC2 = "A total of 500 patients were randomly assigned to drug X or placebo. "


def test_longer_in_the_named_arm_gives_it_the_larger_value() -> None:
    draft = extract(ALLOC2 + "Median survival was longer in the placebo arm, 73 versus 60 months.")
    assert rows(draft, "median") == [("OS", "placebo", 73), ("OS", "drug-x", 60)]
    assert "larger value placebo's" in draft.entries[0].check


def test_shorter_in_the_named_arm_gives_it_the_smaller_value() -> None:
    draft = extract(ALLOC2 + "Median PFS was shorter in the placebo arm, 8 versus 12 months.")
    assert rows(draft, "median") == [("PFS", "placebo", 8), ("PFS", "drug-x", 12)]


def test_a_named_value_not_printed_first_is_skipped() -> None:
    draft = extract(ALLOC2 + "Median PFS was longer in the placebo arm, 8 versus 12 months.")
    assert rows(draft, "median") == []


def test_compared_with_the_named_arm_is_no_direction() -> None:
    draft = extract(ALLOC2 + "Compared with placebo, the median PFS was longer (12 vs 8 months).")
    assert ("PFS", "placebo", 12) not in rows(draft, "median")


# ---------------------------------------------------------------------------
# "in the A versus B arms"; "with or without"; an abbreviation beside a size


def test_rates_in_the_a_versus_b_arms_are_read_in_order() -> None:
    draft = extract(
        "This randomized trial compared epoetin (EPO) with or without filgrastim plus "
        "supportive care (SC; n = 50) versus SC alone (n = 40). The response rates in the EPO "
        "versus SC alone arms were 36% versus 10%, respectively."
    )
    assert [(a.label, a.n, a.aliases) for a in draft.arms if a.id != "all"][1] == (
        "SC alone",
        40,
        (),
    )
    epo = next(a for a in draft.arms if a.id == "epo")
    assert "SC" not in epo.aliases
    assert rows(draft, "percent", "total") == [("ORR", "epo", 36, 50), ("ORR", "sc-alone", 10, 40)]


def test_with_or_without_is_not_a_negation() -> None:
    from synthesis.extract.groups import NEG, word_keys

    assert NEG not in word_keys("epoetin with or without filgrastim")
    assert NEG in word_keys("epoetin without filgrastim")


def test_a_distribution_of_counts_is_no_rival_cohort_size() -> None:
    draft = extract(
        "The primary endpoint was EFS. 700 patients were randomized: 250 to each A and B arms "
        "and 200 to the C arm. 90, 450, and 160 patients had favorable-, intermediate-, and "
        "unfavorable-risk cytogenetics, respectively."
    )
    assert draft.n == 700


THREE = "A total of 300 patients were randomized to AB (n = 100), CD (n = 100), or EF (n = 100). "


def test_rates_each_labelled_with_its_arm_after_with() -> None:
    draft = extract(THREE + "The CR rate was 40% with AB, 50% with CD and 60% with EF.")
    assert rows(draft, "percent", "total") == [
        ("CR", "ab", 40, 100),
        ("CR", "cd", 50, 100),
        ("CR", "ef", 60, 100),
    ]


def test_with_an_outcome_is_still_the_outcome() -> None:
    draft = extract(THREE + "Overall, 40% of patients with AB responded with CR.")
    assert ("CR", "ab", 40) not in rows(draft, "percent")


def test_the_subject_arm_improved_a_time_from_x_to_y() -> None:
    draft = extract(
        ALLOC2 + "Drug X also significantly improved event-free survival from median 22 months "
        "to 34 months (P < .001)."
    )
    assert rows(draft, "median", "p") == [
        ("EFS", "drug-x", 34, "<0.001"),
        ("EFS", "placebo", 22, None),
    ]
    assert "y is drug X's" in draft.entries[0].check


def test_from_to_without_a_subject_arm_is_not_read() -> None:
    draft = extract(
        ALLOC2 + "Longer follow-up improved event-free survival estimates from 22 months to 34 "
        "months."
    )
    assert rows(draft, "median") == []


def test_counts_of_responses_are_drafted_with_a_total_to_fill_in() -> None:
    draft = extract(
        "A total of 80 patients were treated. The overall response rate was 40.0% (12 complete "
        "responses, one partial response, and 19 hematologic improvements)."
    )
    counts = [r for r in rows(draft, "events", "total") if r[0] in ("CR", "PR")]
    # the parts of the 40.0% of 80 share its total, flagged for a check (e-rates helper)
    assert counts == [("CR", None, 12, 80), ("PR", None, 1, 80)]
    assert all(e.check for e in draft.entries if e.name in ("CR", "PR"))


def test_a_complete_response_rate_is_not_a_count() -> None:
    draft = extract("A total of 80 patients were treated. The 20 complete response rate was 25%.")
    assert 20 not in [e.get("events") for e in draft.entries]


def test_stratified_log_rank_p_of_a_ratio() -> None:
    draft = extract(
        ALLOC2 + "Overall survival did not differ (hazard ratio, 0.97; 95% CI, 0.83-1.14; "
        "stratified log-rank P = .73)."
    )
    assert rows(draft, "hr", "ci", "p") == [("OS", None, 0.97, [0.83, 1.14], 0.73)]


# ---------------------------------------------------------------------------
# A subgroup's ratio carries its contrast, or stays out

REG = "The registry enrolled 1500 patients between 2010 and 2014. "


def test_a_subgroup_ratio_takes_the_sentences_comparison_as_contrast() -> None:
    draft = extract(REG + "Drug Z vs other treatments improved OS in LOT2 (HR, 0.279; P = .009).")
    assert rows(draft, "hr", "contrast") == [
        ("OS", None, 0.279, "Drug Z vs other treatments, LOT2")
    ]


def test_a_subgroup_ratio_without_a_comparison_is_skipped() -> None:
    draft = extract(REG + "Survival was better in second-line patients (HR, 0.61; P = .01).")
    assert rows(draft, "hr") == []
    assert any("subgroup ratio" in c for c in skipped(draft))


def test_a_ratio_in_an_analysis_is_not_a_subgroups() -> None:
    draft = extract(
        REG + "Drug Z improved OS (HR, 0.55; P < .001). Similar results were recorded in "
        "landmark analyses (HR, 0.52; 95% CI, 0.38-0.70; P < .001)."
    )
    assert [r[2] for r in rows(draft, "hr")] == [0.55, 0.52]


def test_the_p_after_labelled_medians_goes_to_the_first_arm() -> None:
    draft = extract(
        "A total of 300 patients were randomly assigned to MPT or MP alone. The median PFS was "
        "21.8 months for MPT and 14.5 months for MP (P = .004)."
    )
    assert rows(draft, "median", "p") == [
        ("PFS", "mpt", 21.8, 0.004),
        ("PFS", "mp-alone", 14.5, None),
    ]


def test_a_one_sided_p_written_with_a_digit() -> None:
    draft = extract(
        "In total, 98 patients were randomized to drug X (n = 50) or placebo (n = 48). "
        "The CR rate was higher with drug X than with placebo (74% vs 31%; 1‐sided P < "
        ".0001)."
    )
    assert [e.get("p") for e in draft.entries] == ["<0.0001", None]


def test_parallel_sizes_in_words_with_another_and_treated_only() -> None:
    draft = extract(
        "Fifty patients were randomly divided into two groups. Twenty-six patients as study "
        "group received ABX+CDY, another twenty-four patients as control group were treated "
        "only ABX+CDY+chemotherapy. The CR rate was 80% versus 75%."
    )
    assert draft.n == 50
    assert [(a.label, a.n) for a in draft.arms if a.id != "all"] == [
        ("ABX+CDY", 26),
        ("ABX+CDY+chemotherapy", 24),
    ]


def test_an_arm_named_as_a_time_is_not_the_sentences_group() -> None:
    draft = extract(
        "In total, 200 patients were randomly assigned to lenalidomide (n = 100) or "
        "observation (n = 100). After induction with lenalidomide, the CR rate was 60%. PFS "
        "was longer with lenalidomide than with observation (30 vs 20 months)."
    )
    assert [a.id for a in draft.arms] == ["lenalidomide", "observation"]
    assert all(e.arm is None or e.check is None for e in draft.entries)
    assert "lenalidomide" not in [e.arm for e in draft.entries]


DRUG = (
    "In this phase 3 trial, 400 patients were randomly assigned to drugumab (n = 200) or "
    "placebo (n = 200). "
)


def test_median_values_right_after_an_opening_parenthesis() -> None:
    draft = extract(DRUG + "Drugumab prolonged PFS (median 14.2 vs 8.1 months; HR 0.55).")
    medians = [r for r in rows(draft, "median") if r[2] is not None]
    assert medians == [("PFS", "drugumab", 14.2), ("PFS", "placebo", 8.1)]
    assert all(e.check for e in draft.entries if e.get("median") is not None)


def test_group_names_before_their_medians_without_a_separator() -> None:
    draft = extract(DRUG + "Median OS: drugumab 30.1 months, placebo 24.5 months.")
    assert rows(draft, "median") == [("OS", "drugumab", 30.1), ("OS", "placebo", 24.5)]


def test_of_n_patients_comma_frames_the_cohort() -> None:
    draft = extract(
        "Of 520 patients, 260 received drug A and 260 received drug B. Median PFS was 10.0 and "
        "7.5 months, respectively."
    )
    assert draft.n == 520
    assert [(a.id, a.n) for a in draft.arms if a.id != "all"] == [("drug-a", 260), ("drug-b", 260)]


def test_sizes_in_named_arms_and_rates_in_arm_letters() -> None:
    draft = extract(
        "The study enrolled 88 patients (45 in arm A and 43 in arm B). ORR was 60% in arm A and "
        "40% in arm B."
    )
    assert [(a.id, a.n) for a in draft.arms if a.id != "all"] == [("arm-a", 45), ("arm-b", 43)]
    assert rows(draft, "percent", "total") == [("ORR", "arm-a", 60, 45), ("ORR", "arm-b", 40, 43)]


def test_a_rate_with_no_group_in_a_sentence_naming_the_arms_is_skipped() -> None:
    draft = extract(
        DRUG + "After progression on placebo, patients crossed over to drugumab; the ORR was 30%."
    )
    assert rows(draft, "percent") == []
    assert any("names the arms" in c for c in skipped(draft))


def test_a_groupless_median_in_a_clause_naming_an_arm_is_skipped() -> None:
    draft = extract(DRUG + "After crossover from placebo to drugumab, median OS was 20 months.")
    assert rows(draft, "median") == []
    assert any("clause that names an arm" in c for c in skipped(draft))


def test_a_groupless_median_in_another_clause_is_the_cohorts() -> None:
    draft = extract(DRUG + "Median OS was 20 months; drugumab was well tolerated.")
    assert rows(draft, "median") == [("OS", "all", 20)]


def test_only_codes_of_one_family_shorten_a_label() -> None:
    from synthesis.extract.groups import _parallel

    assert _parallel(["conditioning with MEL200", "MEL100"]) == ["MEL200", "MEL100"]
    assert _parallel(["rituximab plus CHOP", "CHOP"]) == ["rituximab plus CHOP", "CHOP"]
    assert _parallel(["rituximab plus CHOP-14", "R-CHOP"]) == ["rituximab plus CHOP-14", "R-CHOP"]
