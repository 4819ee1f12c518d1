"""The group model of ``synth extract``: arms and cohorts, their sizes and every alias."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.extract.groups import (
    NEG,
    DraftArm,
    Groups,
    clean_label,
    find_abbreviations,
    find_groups,
    word_keys,
)
from synthesis.extract.text import split_text


def groups_of(text: str) -> Groups:
    return find_groups(split_text(text).sentences, text)


def arms_of(text: str) -> list[tuple[str, int | None]]:
    return [(a.label, a.n) for a in groups_of(text).arms]


# ---------------------------------------------------------------------------
# Where groups come from


@pytest.mark.parametrize(
    ("text", "arms", "how"),
    [
        (
            "Patients were randomized to drug X (n = 40) or standard care (SC) (n = 38).",
            [("drug X", 40), ("standard care", 38)],
            "allocation with sizes",
        ),
        (
            "In this trial, 40 patients received drug X and 38 received standard care (SC).",
            [("drug X", 40), ("standard care", 38)],
            "allocation with sizes",
        ),
        (
            "Three hundred eighty-six patients were allocated to VTD (130), TD (127), or "
            "VBMCP/VBAD/B (129).",
            [("VTD", 130), ("TD", 127), ("VBMCP/VBAD/B", 129)],
            "allocation with sizes",
        ),
        (
            "150 and 151 patients were assigned to erlotinib and docetaxel, respectively.",
            [("erlotinib", 150), ("docetaxel", 151)],
            "allocation with sizes",
        ),
        (
            "A total of 485 patients underwent randomization, 240 to secondary cytoreduction "
            "before chemotherapy and 245 to chemotherapy alone.",
            [("secondary cytoreduction before chemotherapy", 240), ("chemotherapy alone", 245)],
            "allocation with sizes",
        ),
        (
            "755 men were allocated to treatment groups (377 mitoxantrone, 378 cabazitaxel).",
            [("mitoxantrone", 377), ("cabazitaxel", 378)],
            "allocation with sizes",
        ),
        (
            "S1211 enrolled 103 evaluable patients, RVd n = 54, RVd-Elo n = 49.",
            [("RVd", 54), ("RVd-Elo", 49)],
            "allocation with sizes",
        ),
        (
            "Our study includes 217 patients who received CPX-351 and 439 who received ven/aza.",
            [("CPX-351", 217), ("ven/aza", 439)],
            "allocation with sizes",
        ),
        (
            "Patients were randomly assigned 1:1 to once-daily ibrutinib 420 mg until disease "
            "progression (n = 136) or chlorambucil 0.5-0.8 mg/kg (n = 133).",
            [("ibrutinib", 136), ("chlorambucil", 133)],
            "allocation with sizes",
        ),
        (
            "Patients were randomized to receive either drug X or standard care.",
            [("drug X", None), ("standard care", None)],
            "allocation",
        ),
        (
            "A randomized trial comparing first-line therapy with fludarabine with chlorambucil.",
            [("fludarabine", None), ("chlorambucil", None)],
            "comparison",
        ),
        (
            "Randomized phase III trial of pemetrexed versus docetaxel in lung cancer.",
            [("pemetrexed", None), ("docetaxel", None)],
            "comparison",
        ),
        (
            "Patients were randomly assigned at a 1:1 ratio to AP and EP groups.",
            [("AP", None), ("EP", None)],
            "comparison",
        ),
        (
            "Thirty-five patients were enrolled in each cohort. Responses in the 2-mg cohort "
            "were seen; in the 4-mg cohort, the ORR was 43%.",
            [("2 mg", 35), ("4 mg", 35)],
            "cohorts",
        ),
        (
            "Fifteen patients were randomized to 500 mg before that arm closed. Among 36 "
            "patients on the 1000 mg arm, ORR was 84%.",
            [("500 mg", 15), ("1000 mg", 36)],
            "cohorts",
        ),
        (
            "Of the 44 treated patients, 30 (58.9%) received L-ASNase-based regimens, with "
            "higher response rates than non-L-ASNase regimens.",
            [("L-ASNase-based regimens", 30), ("non-L-ASNase regimens", None)],
            "comparison",
        ),
    ],
)
def test_groups_and_their_sizes_from_each_kind_of_definition(text, arms, how) -> None:
    model = groups_of(text)
    assert [(a.label, a.n) for a in model.arms] == arms
    assert model.how == how


def test_sizes_stated_apart_from_the_definition_fill_the_groups() -> None:
    text = (
        "The effect of CHT versus no CHT on survival was tested. Of 539 patients, 277 (51.4%) "
        "underwent CHT."
    )
    assert arms_of(text) == [("CHT", 277), ("no CHT", None)]
    text = (
        "This analysis compared second-line treatment with bortezomib-dexamethasone and "
        "bortezomib using 109 propensity score-matched pairs of patients."
    )
    assert arms_of(text) == [("bortezomib-dexamethasone", 109), ("bortezomib", 109)]


def test_sizes_of_groups_defined_by_a_patient_trait_are_not_arms() -> None:
    # "(n = 18)" beside an age group: sizes, but no treatment is allocated
    model = groups_of(
        "Patients aged 60 years or older (n = 18) and younger patients (n = 22) did well."
    )
    assert model.how == "groups with sizes"
    # an allocation elsewhere wins over them
    model = groups_of(
        "Patients were randomized to receive either drug X or drug Y. Patients aged 60 years or "
        "older (n = 18) and younger patients (n = 22) did well."
    )
    assert [a.label for a in model.arms] == ["drug X", "drug Y"]


def test_two_allocations_that_disagree_give_no_groups_and_say_so() -> None:
    model = groups_of(
        "Patients were randomized to drug A (n = 30) or drug B (n = 31). Later, patients were "
        "randomized to drug C (n = 20) or drug D (n = 22)."
    )
    assert model.arms == ()
    assert [c.split(":")[0] for c in model.comments] == [
        "ambiguous (several group definitions)",
        "ambiguous (several group definitions)",
    ]


def test_a_single_group_or_a_repeated_name_is_no_comparison() -> None:
    assert arms_of("Patients were randomized to receive either drug X or drug X.") == []
    assert arms_of("A total of 57 patients received drug X.") == []


# ---------------------------------------------------------------------------
# Aliases: every name a group goes by


def test_every_alias_of_a_group_resolves_to_it() -> None:
    model = groups_of(
        "Patients were randomized to receive either drug X or standard care (SC). "
        "In this trial, 40 patients received drug X and 38 received standard care (SC)."
    )
    x, sc = model.arms
    names = {
        "drug X": x,
        "X-treated patients": x,
        "the drug X arm": x,
        "the X cohort": x,
        "standard care": sc,
        "SC": sc,
        "the SC arm": sc,
        "SC-treated patients": sc,
        "the control cohort": sc,  # the arm whose label reads as a control, of two
        "the experimental arm": x,
    }
    for phrase, arm in names.items():
        assert model.resolve(phrase) is arm, phrase
    assert model.resolve("placebo") is None
    assert model.resolve("patients") is None


def test_abbreviations_defined_in_parentheses() -> None:
    abbreviations = find_abbreviations(
        "We compared idecabtagene vicleucel (ide-cel) with standard regimens (SRs), and "
        "amrubicin and cisplatin (AP) with etoposide and cisplatin (EP); low-dose "
        "dexamethasone (LoDEX) was given. The response rate (range, 1-3) was high."
    )
    assert abbreviations == {
        "idecel": "idecabtagene vicleucel",
        "srs": "standard regimens",
        "ap": "amrubicin and cisplatin",  # not "and cisplatin": a long form opens with a word
        "ep": "etoposide and cisplatin",
        "lodex": "low-dose dexamethasone",
    }


def test_a_negated_group_and_its_plain_twin() -> None:
    model = groups_of("We tested CHT versus no CHT in a randomized trial.")
    cht, no_cht = model.arms
    assert model.resolve("CHT") is cht
    assert model.resolve("patients treated with CHT") is cht
    assert model.resolve("no CHT") is no_cht
    assert model.resolve("those who did not receive CHT") is no_cht
    assert model.resolve("the no CHT group") is no_cht


def test_a_group_contained_in_another_resolves_by_exact_keys() -> None:
    model = groups_of(
        "Patients were randomized to pomalidomide (POM) with low-dose dexamethasone (LoDEX). "
        "In total, 221 patients received POM+LoDEX (n = 113) or POM (n = 108)."
    )
    pom_dex, pom = model.arms
    assert model.resolve("POM+LoDEX") is pom_dex
    assert model.resolve("POM") is pom
    assert model.resolve("pomalidomide alone") is pom
    assert model.resolve("LoDEX") is pom_dex


def test_numbers_and_ordinals_tell_groups_apart() -> None:
    model = groups_of(
        "A total of 264 patients received EGFR TKI therapy as the first-line therapy, and a "
        "total of 187 patients received TKI as the second-line therapy."
    )
    first, second = model.arms
    assert model.resolve("First-line EGFR TKI therapy") is first
    assert model.resolve("second-line EGFR TKI therapy") is second
    model = groups_of(
        "Thirty-five patients were enrolled in each cohort. In the 2-mg cohort, ORR was 49%. "
        "In the 4-mg cohort, ORR was 43%."
    )
    two, four = model.arms
    assert model.resolve("2-mg") is two and model.resolve("the 4 mg cohort") is four


def test_arm_letters_are_part_of_the_label() -> None:
    model = groups_of(
        "Patients were randomized to receive first-line CT (FOLFIRI or FOLFOX4) plus B (arm A) "
        "or CT only (arm B)."
    )
    assert [(a.label, a.aliases) for a in model.arms] == [
        ("first-line CT plus B (arm A)", ("arm A",)),
        ("CT only (arm B)", ("arm B",)),
    ]
    a, b = model.arms
    assert model.resolve("arm A") is a and model.resolve("arm B") is b


def test_named_lists_the_groups_of_a_sentence_in_order() -> None:
    model = groups_of("Patients were randomized to receive either drug X or standard care (SC).")
    x, sc = model.arms
    text = "The rate was higher with SC than with drug X (30% vs 20%) and with X again."
    assert [arm for _, _, arm in model.named(text)] == [sc, x, x]
    assert model.named_arms(text) == [sc, x]
    start, end, _ = model.named(text)[0]
    assert text[start:end] == "SC"


def test_a_tie_between_two_groups_names_neither() -> None:
    model = Groups(
        (
            DraftArm("a", "rituximab plus bendamustine", None, "", (0, 0)),
            DraftArm("b", "rituximab plus chlorambucil", None, "", (0, 0)),
        )
    )
    assert model.resolve("rituximab") is None
    assert model.resolve("bendamustine") is model.arms[0]


# ---------------------------------------------------------------------------
# Keys and labels


def test_keys_of_a_phrase() -> None:
    assert word_keys("the surgery arm") == word_keys("surgical patients")  # "surg"
    assert word_keys("no CHT") == {NEG, "cht"}
    assert word_keys("non-L-ASNase regimens") >= {NEG, "asna"}
    assert word_keys("the 2-mg cohort") == {"2"}
    assert word_keys("che-motherapy") >= word_keys("chemotherapy")  # a hyphen from a line break
    assert word_keys("therapy with the drug") == {"drug"}


@pytest.mark.parametrize(
    ("segment", "label"),
    [
        (
            "once-daily ibrutinib 420 mg until disease progression/unacceptable toxicity",
            "ibrutinib",
        ),
        ("12 mg/m(2) mitoxantrone intravenously over 15-30 min", "mitoxantrone"),
        ("nivolumab 3 mg/kg every 2 weeks (Q2W) + placebo Q3W", "nivolumab"),
        (
            "induction therapy with vincristine, doxorubicin, and dexamethasone (VAD)",
            "vincristine, doxorubicin, and dexamethasone",
        ),
        ("no adjuvant chemotherapy until clinically indicated", "no adjuvant chemotherapy"),
        ("bortezomib using 109 propensity score-matched pairs", "bortezomib"),
        ("", None),
    ],
)
def test_clean_label(segment: str, label: str | None) -> None:
    assert clean_label(segment) == label


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abXY -()/+0123456789no", max_size=40))
def test_property_resolve_gives_a_known_arm_or_none(phrase: str) -> None:
    model = groups_of("Patients were randomized to drug X (n = 40) or no drug Y (n = 38).")
    assert model.resolve(phrase) in (None, *model.arms)
