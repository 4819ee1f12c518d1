"""GRADE: made-up reviews built to land on each certainty level, every rule at its
boundary, every reviewer override, the OIS and absolute-effect arithmetic against hand
computation, the summary-of-findings table in md / csv / html / json / docx (read back).
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.analyses.grade import (
    DOMAINS,
    RULES,
    SOURCES,
    SYMBOLS,
    UPGRADES,
    absolute_effect,
    check_grade_config,
    check_reviewer,
    classify_design,
    design_is_randomized,
    grade_outcome,
    median_control_risk,
    ois_binary,
    ois_continuous,
    round_half_up,
)
from synthesis.errors import SynthError
from synthesis.render.grade import render, render_csv, render_html, render_md, sof_docx, sof_table


def clean_rct(**changes):
    """Twelve low-risk randomized trials, consistent and precise: high certainty."""
    kw = dict(
        design_randomized=True,
        weights_pct=[100 / 12] * 12,
        rob_levels=["low"] * 12,
        i2=10.0,
        pi=(0.58, 0.85),
        ci=(0.62, 0.79),
        null=1.0,
        threshold=None,
        measure_kind="binary",
        events=900,
        participants=6000,
        ois_inputs={"control_risk": 0.2},
        bias_tests={"egger": 0.5},
        k=12,
        reviewer=None,
        outcome="Death",
        measure="RR",
        estimate=0.70,
    )
    kw.update(changes)
    return kw


def clean_cohorts(**changes):
    """The same numbers from non-randomized studies."""
    return clean_rct(design_randomized=False, **changes)


def downs(result):
    return {d: result.domains[d].downgrade for d in DOMAINS}


# ---------------------------------------------------------------------------
# Reviews that land on each certainty level


def test_high():
    r = grade_outcome(**clean_rct())
    assert r.start == "high" and r.design == "randomized"
    assert downs(r) == dict.fromkeys(DOMAINS, 0)
    assert r.certainty == "high" and r.symbols == "⊕⊕⊕⊕"
    assert r.upgrades["large_effect"].upgrade == 0
    assert r.upgrades["large_effect"].reason.startswith("not considered: randomized evidence")


def test_moderate_from_risk_of_bias():
    # 7 of 12 equal-weight trials at high risk: 58.3% of the weight -> one level.
    r = grade_outcome(**clean_rct(rob_levels=["high"] * 7 + ["low"] * 5))
    assert downs(r)["risk_of_bias"] == 1
    assert r.domains["risk_of_bias"].reason.startswith(
        "58.3% of the pooled weight comes from studies at high or critical risk of bias "
        "(more than 50%)"
    )
    assert r.certainty == "moderate" and r.symbols == "⊕⊕⊕◯"


def test_low_from_risk_of_bias_and_imprecision():
    r = grade_outcome(**clean_rct(rob_levels=["high"] * 7 + ["low"] * 5, ci=(0.62, 1.05)))
    assert downs(r)["imprecision"] == 1
    assert r.certainty == "low" and r.symbols == "⊕⊕◯◯"


def test_very_low_from_cohorts_with_risk_of_bias():
    r = grade_outcome(**clean_cohorts(rob_levels=["high"] * 12))
    assert r.start == "low" and r.design == "observational"
    assert r.certainty == "very low" and r.symbols == "⊕◯◯◯"


def test_cohorts_start_low():
    r = grade_outcome(**clean_cohorts())
    assert r.certainty == "low"
    assert r.upgrades["large_effect"].upgrade == 0
    assert r.upgrades["large_effect"].reason == ("RR = 0.70: not large (between 0.5 and 2)")


@pytest.mark.parametrize(
    ("estimate", "ci", "up", "certainty"),
    [
        (0.40, (0.30, 0.53), 1, "moderate"),  # RR < 0.5
        (2.5, (1.9, 3.3), 1, "moderate"),  # RR > 2
        (0.15, (0.10, 0.22), 2, "high"),  # RR < 0.2
        (6.0, (4.0, 9.0), 2, "high"),  # RR > 5
        (2.0, (1.5, 2.7), 0, "low"),  # exactly 2 is not "> 2"
        (0.40, (0.15, 1.07), 0, "low"),  # the CI includes the null (and imprecision -1)
    ],
)
def test_large_effect_upgrades_cohorts(estimate, ci, up, certainty):
    r = grade_outcome(**clean_cohorts(estimate=estimate, ci=ci, pi=None, threshold=None))
    if ci[0] <= 1 <= ci[1]:
        assert r.domains["imprecision"].downgrade >= 1
        assert r.upgrades["large_effect"].reason.startswith("not considered: the evidence is")
        assert r.certainty == "very low"
        return
    assert r.upgrades["large_effect"].upgrade == up
    assert r.certainty == certainty


def test_no_upgrade_after_a_downgrade():
    r = grade_outcome(**clean_cohorts(estimate=0.15, ci=(0.10, 0.22), i2=60.0, pi=None))
    assert downs(r)["inconsistency"] == 1
    assert r.upgrades["large_effect"].upgrade == 0
    assert r.upgrades["large_effect"].reason == (
        "not considered: the evidence is rated down for inconsistency; GRADE 9 rates up only "
        "evidence with no reason to rate down"
    )
    assert r.certainty == "very low"


def test_single_study_not_upgraded():
    r = grade_outcome(
        **clean_cohorts(
            estimate=0.15, ci=(0.10, 0.22), k=1, weights_pct=[100], rob_levels=["low"], i2=None
        )
    )
    assert r.upgrades["large_effect"].upgrade == 0
    assert r.domains["inconsistency"].assessed is False


def test_unclear_design_starts_low_and_says_so():
    r = grade_outcome(**clean_rct(design_randomized=None))
    assert r.design == "unclear" and r.start == "low" and r.certainty == "low"
    assert r.warnings[0].startswith("unclear design: the records do not say")


def test_certainty_cannot_fall_below_very_low_or_rise_above_high():
    r = grade_outcome(
        **clean_cohorts(
            rob_levels=["critical"] * 12, i2=90.0, pi=(0.1, 3.0), ci=(0.5, 1.6), events=10
        )
    )
    assert r.total_downgrade == 2 + 2 + 0 + 2 + 0
    assert r.certainty == "very low"
    r = grade_outcome(
        **clean_rct(
            reviewer={
                "dose_response": {"upgrade": 2, "reason": "clear gradient"},
                "confounding": {"upgrade": 1, "reason": "confounders would reduce it"},
            }
        )
    )
    assert r.certainty == "high"
    assert "the reviewer rates up evidence that starts at high" in r.warnings[0]


# ---------------------------------------------------------------------------
# Risk of bias: share of the pooled weight


@pytest.mark.parametrize(
    ("levels", "weights", "down"),
    [
        (["high", "low"], [50, 50], 0),  # exactly 50%: not more than 50%
        (["high", "low"], [50.5, 49.5], 1),
        (["critical", "low"], [50.5, 49.5], 2),
        (["critical", "high", "low"], [40, 20, 40], 1),  # 60% high or critical, 40% critical
        (["some concerns", "some concerns"], [50, 50], 0),
        (["high", None], [60, 40], 1),
    ],
)
def test_risk_of_bias_shares(levels, weights, down):
    r = grade_outcome(**clean_rct(rob_levels=levels, weights_pct=weights, k=len(levels)))
    assert downs(r)["risk_of_bias"] == down


def test_risk_of_bias_reason_and_unassessed_weight():
    r = grade_outcome(
        **clean_rct(rob_levels=["critical", None, "low"], weights_pct=[60, 30, 10], k=3)
    )
    assert r.domains["risk_of_bias"].reason == (
        "60% of the pooled weight comes from studies at critical risk of bias (more than 50%); "
        "weight by risk of bias: low 10%, critical 60%, not assessed or no information 30%"
    )
    assert "30% of the pooled weight comes from studies without a risk-of-bias judgement" in (
        r.warnings
    )


def test_risk_of_bias_not_assessed_without_records():
    r = grade_outcome(**clean_rct(rob_levels=[None] * 12))
    d = r.domains["risk_of_bias"]
    assert (d.downgrade, d.assessed, d.by) == (0, False, "synth")
    assert d.reason.startswith("not assessed: no study of this outcome has a risk-of-bias record")


def test_risk_of_bias_rejects_tool_levels():
    with pytest.raises(ValueError, match="'serious' is not on GRADE's scale"):
        grade_outcome(**clean_rct(rob_levels=["serious"] * 12))


def test_robins_i_double_counting_is_warned():
    r = grade_outcome(**clean_cohorts(rob_levels=["high"] * 12, rob_tools=["ROBINS-I"] * 12))
    assert any(
        w.startswith("ROBINS-I judges confounding against a target trial") for w in r.warnings
    )


# ---------------------------------------------------------------------------
# Inconsistency


@pytest.mark.parametrize(
    ("i2", "pi", "down"),
    [
        (50.0, None, 0),
        (50.1, None, 1),
        (75.0, None, 1),
        (75.1, None, 2),
        (60.0, (0.40, 0.95), 0),  # PI on the benefit side of the null: one level less
        (80.0, (0.40, 0.95), 1),
        (80.0, (0.40, 1.30), 2),  # PI includes the null
        (30.0, (0.40, 1.30), 0),
    ],
)
def test_inconsistency_i2_and_prediction_interval(i2, pi, down):
    r = grade_outcome(**clean_rct(i2=i2, pi=pi))
    assert downs(r)["inconsistency"] == down


def test_inconsistency_reasons():
    r = grade_outcome(**clean_rct(i2=60.0, pi=(0.40, 0.95)))
    assert r.domains["inconsistency"].reason == (
        "I² = 60% (more than 50%: substantial heterogeneity); the prediction interval "
        "(0.40 to 0.95) lies on one side of the null and of every threshold: the studies "
        "differ in the size of the effect, not in its direction, so one level less"
    )
    r = grade_outcome(**clean_rct(i2=80.0, pi=(0.40, 1.30)))
    assert r.domains["inconsistency"].reason == (
        "I² = 80% (more than 75%: considerable heterogeneity); the prediction interval "
        "(0.40 to 1.30) includes the null (1.00): studies may differ in direction"
    )


def test_inconsistency_threshold_tempers_like_the_null():
    # PI (0.40, 0.95) excludes the null but includes the threshold 0.8: no tempering.
    r = grade_outcome(**clean_rct(i2=60.0, pi=(0.40, 0.95), threshold=0.8, ci=(0.62, 0.79)))
    assert downs(r)["inconsistency"] == 1


def test_subgroup_test():
    r = grade_outcome(**clean_rct(subgroup_test={"by": "disease", "p": 0.03}))
    assert downs(r)["inconsistency"] == 1
    assert "the test for subgroup differences by disease has p = 0.03 (< 0.1)" in (
        r.domains["inconsistency"].reason
    )
    r = grade_outcome(**clean_rct(subgroup_test={"by": "disease", "p": 0.40}))
    assert downs(r)["inconsistency"] == 0
    assert "the subgroups do not explain the heterogeneity" in r.domains["inconsistency"].reason


def test_inconsistency_single_study_not_assessed():
    r = grade_outcome(**clean_rct(k=1, i2=None, weights_pct=[100], rob_levels=["low"]))
    d = r.domains["inconsistency"]
    assert (d.downgrade, d.assessed) == (0, False)
    assert d.reason == (
        "not assessed: a single study, so consistency across studies cannot be judged (GRADE 7)"
    )


def test_inconsistency_without_i2_for_several_studies_says_why():
    r = grade_outcome(
        **clean_rct(k=2, i2=None, pi=None, weights_pct=[50, 50], rob_levels=["low", "low"])
    )
    d = r.domains["inconsistency"]
    assert (d.downgrade, d.assessed) == (0, False)
    assert d.reason == (
        "not assessed: the analysis of 2 studies has no I² (pooled medians have no "
        "heterogeneity statistic); compare the studies' estimates, or judge inconsistency in "
        "synth.yaml (GRADE 7)"
    )


def test_reviewer_measure():
    checked, problems = reviewer_problems({"measure": "rr"})
    assert problems == [] and checked.measure == "RR"
    checked, problems = reviewer_problems({"measure": 2})
    assert checked is None
    assert problems == [
        (
            3,
            "grade.ORR.measure",
            "must be a measure code (PLO, PFT, PAS, PR, RR, OR, RD, MD, SMD, HR, GEN, MED), got 2",
        )
    ]


# ---------------------------------------------------------------------------
# Imprecision


@pytest.mark.parametrize(
    ("ci", "threshold", "events", "down"),
    [
        ((0.62, 0.79), None, 900, 0),
        ((0.62, 1.05), None, 900, 1),  # includes the null
        ((0.50, 1.60), None, 900, 2),  # below 0.75 and above 1.25: benefit and harm
        ((0.62, 0.79), 0.75, 900, 1),  # includes the decision threshold 0.75
        ((0.62, 0.79), None, 300, 1),  # 300 events < OIS 317
        ((0.62, 1.05), None, 300, 2),  # both
        ((0.50, 1.60), None, 300, 2),  # at most two levels
        ((0.80, 1.10), [0.9, 1.1], 900, 1),  # thresholds given: replace 0.75 / 1.25
        ((0.85, 1.15), [0.9, 1.1], 900, 2),
    ],
)
def test_imprecision(ci, threshold, events, down):
    r = grade_outcome(**clean_rct(ci=ci, threshold=threshold, events=events))
    assert downs(r)["imprecision"] == down


def test_imprecision_reason_names_the_ois():
    r = grade_outcome(**clean_rct(ci=(0.62, 1.05), events=300))
    assert r.domains["imprecision"].reason == (
        "the 95% CI (0.62 to 1.05) includes the null (1.00); 300 events fall short of the "
        "optimal information size of 317 events (control risk 20%, relative risk reduction "
        "25%, alpha 0.05, power 0.8)"
    )
    assert r.ois.to_dict() == {
        "kind": "events",
        "required": 317,
        "per_group": 903,
        "observed": 300,
        "met": False,
        "inputs": "control risk 20%, relative risk reduction 25%, alpha 0.05, power 0.8",
    }


@pytest.mark.parametrize(("participants", "down"), [(785, 1), (786, 0)])
def test_imprecision_continuous_ois(participants, down):
    r = grade_outcome(
        **clean_rct(
            measure_kind="continuous",
            measure="MD",
            estimate=-2.0,
            ci=(-3.0, -1.0),
            pi=(-4.0, -0.5),
            null=0.0,
            participants=participants,
            ois_inputs=None,
        )
    )
    assert downs(r)["imprecision"] == down
    assert r.ois.required == 786


def test_imprecision_single_proportion_not_assessed_unless_threshold():
    kw = clean_rct(
        measure_kind="proportion",
        measure="PLO",
        estimate=0.52,
        ci=(0.30, 0.73),
        pi=(0.15, 0.86),
        null=None,
        ois_inputs=None,
    )
    r = grade_outcome(**kw)
    d = r.domains["imprecision"]
    assert (d.downgrade, d.assessed) == (0, False)
    assert d.reason == (
        "not assessed: no null effect or decision threshold to compare the CI with (set "
        "threshold in synth.yaml); no optimal information size is defined for a proportion "
        "outcome"
    )
    r = grade_outcome(**(kw | {"threshold": 0.4}))
    assert downs(r)["imprecision"] == 1


def test_ois_binary_without_control_risk():
    r = grade_outcome(**clean_rct(ois_inputs=None))
    assert r.ois is None
    assert r.domains["imprecision"].reason == (
        "the 95% CI (0.62 to 0.79) excludes the null; optimal information size not "
        "computed: no control risk"
    )


# ---------------------------------------------------------------------------
# Publication bias and indirectness


@pytest.mark.parametrize(
    ("k", "tests", "down", "assessed"),
    [
        (9, {"egger": 0.001}, 0, False),
        (10, {"egger": 0.05}, 1, True),
        (10, {"egger": 0.10}, 0, True),  # 0.10 is not below 0.10
        (10, {"egger": {"p": 0.2}, "begg": {"p_value": 0.04}}, 1, True),
        (10, None, 0, False),
    ],
)
def test_publication_bias(k, tests, down, assessed):
    r = grade_outcome(
        **clean_rct(k=k, bias_tests=tests, weights_pct=[10] * k, rob_levels=["low"] * k)
    )
    d = r.domains["publication_bias"]
    assert (d.downgrade, d.assessed) == (down, assessed)


def test_publication_bias_reasons():
    r = grade_outcome(
        **clean_rct(k=4, weights_pct=[25] * 4, rob_levels=["low"] * 4, bias_tests=None)
    )
    assert r.domains["publication_bias"].reason == (
        "not assessed: 4 studies, fewer than the 10 that funnel-plot asymmetry tests need "
        "(Sterne et al. BMJ 2011)"
    )
    r = grade_outcome(**clean_rct(bias_tests={"Egger": 0.03}))
    assert r.domains["publication_bias"].reason == (
        "funnel-plot asymmetry: Egger p = 0.03 (below 0.1), small-study effects suggest "
        "publication bias (GRADE 5)"
    )


def test_indirectness_is_not_judged_from_data():
    d = grade_outcome(**clean_rct()).domains["indirectness"]
    assert (d.downgrade, d.assessed, d.by) == (0, False, "synth")
    assert d.reason.startswith("not assessed: population, intervention, comparator and outcome")


# ---------------------------------------------------------------------------
# Every reviewer override


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_reviewer_domain_override(domain, levels):
    base = clean_rct(rob_levels=["critical"] * 12, i2=90.0, pi=None, ci=(0.5, 1.6))
    reason = f"the committee's view on {domain}"
    r = grade_outcome(**base | {"reviewer": {domain: {"downgrade": levels, "reason": reason}}})
    d = r.domains[domain]
    assert (d.downgrade, d.reason, d.by, d.assessed) == (levels, reason, "reviewer", True)
    others = [x for x in DOMAINS if x != domain]
    assert all(r.domains[x].by == "synth" for x in others)


@pytest.mark.parametrize("upgrade", UPGRADES)
def test_reviewer_upgrade_override(upgrade):
    reason = f"the committee's view on {upgrade}"
    r = grade_outcome(**clean_cohorts(reviewer={upgrade: {"upgrade": 1, "reason": reason}}))
    u = r.upgrades[upgrade]
    assert (u.upgrade, u.reason, u.by) == (1, reason, "reviewer")
    assert r.certainty == "moderate"


def test_reviewer_can_withhold_a_large_effect_upgrade():
    kw = clean_cohorts(estimate=0.15, ci=(0.10, 0.22))
    assert grade_outcome(**kw).certainty == "high"
    r = grade_outcome(
        **kw | {"reviewer": {"large_effect": {"upgrade": 0, "reason": "residual confounding"}}}
    )
    assert r.certainty == "low"


def test_reviewer_control_risk_and_threshold_and_start():
    r = grade_outcome(
        **clean_rct(
            control_risk=0.2,
            control_risk_source="median of the control arms (12 studies)",
            reviewer={"control_risk": 0.3, "threshold": [0.8]},
        )
    )
    assert r.absolute.control == 300
    assert r.control_risk_source == "reviewer (synth.yaml control_risk)"
    # the CI (0.62, 0.79) excludes 0.8: precise; PI (0.58, 0.85) includes it
    assert downs(r)["imprecision"] == 0
    r = grade_outcome(**clean_rct(reviewer={"threshold": 0.75}))
    assert downs(r)["imprecision"] == 1
    r = grade_outcome(
        **clean_cohorts(reviewer={"start": {"level": "high", "reason": "ROBINS-I used (GRADE 18)"}})
    )
    assert (r.start, r.start_by, r.start_reason) == ("high", "reviewer", "ROBINS-I used (GRADE 18)")
    assert r.certainty == "high"


# ---------------------------------------------------------------------------
# The reviewer's mapping: every bad entry, with its exact message


def reviewer_problems(value):
    lines = {"grade.ORR": 3, "grade.ORR.indirectness": 4, "grade.ORR.indirectness.reason": 5}

    def line_of(path):
        while path not in lines and "." in path:
            path = path.rsplit(".", 1)[0]
        return lines.get(path, 1)

    checked, problems = check_reviewer(
        value=value, line_of=line_of, path="synth.yaml", field_name="grade.ORR"
    )
    return checked, [(p.line, p.field, p.message) for p in problems]


BAD_REVIEWER = [
    (
        {"indirectness": {"downgrade": 1}},
        [
            (
                4,
                "grade.ORR.indirectness.reason",
                "required field is missing: every reviewer judgement needs its reason",
            )
        ],
    ),
    (
        {"indirectness": {"downgrade": 1, "reason": "  "}},
        [(5, "grade.ORR.indirectness.reason", "must be non-empty text saying why, got text '  '")],
    ),
    (
        {"indirectness": 1},
        [
            (
                4,
                "grade.ORR.indirectness",
                'expected {downgrade: 1, reason: "..."}, got 1; every judgement needs its reason',
            )
        ],
    ),
    (
        {"indirectness": {"downgrade": 3, "reason": "x"}},
        [(4, "grade.ORR.indirectness.downgrade", "must be 0, 1 or 2 levels, got 3")],
    ),
    (
        {"indirectness": {"downgrade": True, "reason": "x"}},
        [(4, "grade.ORR.indirectness.downgrade", "must be 0, 1 or 2 levels, got a boolean (true)")],
    ),
    (
        {"indirectness": {"upgrade": 1, "reason": "x"}},
        [
            (4, "grade.ORR.indirectness.upgrade", "unknown field; did you mean 'downgrade'?"),
            (
                4,
                "grade.ORR.indirectness.downgrade",
                'required field is missing (0, 1 or 2 levels); e.g. {downgrade: 1, reason: "..."}',
            ),
        ],
    ),
    (
        {"large_effect": {"downgrade": 1, "reason": "x"}},
        [
            (3, "grade.ORR.large_effect.downgrade", "unknown field; did you mean 'upgrade'?"),
            (
                3,
                "grade.ORR.large_effect.upgrade",
                'required field is missing (0, 1 or 2 levels); e.g. {upgrade: 1, reason: "..."}',
            ),
        ],
    ),
    (
        {"imprecission": {"downgrade": 1, "reason": "x"}},
        [
            (
                3,
                "grade.ORR.imprecission",
                "unknown field; did you mean 'imprecision'? (GRADE fields: risk_of_bias, "
                "inconsistency, indirectness, imprecision, publication_bias, large_effect, "
                "dose_response, confounding, control_risk, threshold, start, measure)",
            )
        ],
    ),
    (
        {"control_risk": 30},
        [
            (
                3,
                "grade.ORR.control_risk",
                "must be a risk between 0 and 1 (exclusive), got 30; did you mean 0.3?",
            )
        ],
    ),
    (
        {"control_risk": "30%"},
        [
            (
                3,
                "grade.ORR.control_risk",
                "must be a risk between 0 and 1 (e.g. 0.3), got text '30%'",
            )
        ],
    ),
    (
        {"threshold": ["a"]},
        [
            (
                3,
                "grade.ORR.threshold",
                "must be a number or a list of numbers on the reporting scale (e.g. 1.25 or "
                "[0.8, 1.25]), got a list",
            )
        ],
    ),
    (
        {"start": {"level": "moderate"}},
        [
            (3, "grade.ORR.start.level", "must be high or low, got text 'moderate'"),
            (
                3,
                "grade.ORR.start.reason",
                "required field is missing: every reviewer judgement needs its reason",
            ),
        ],
    ),
    (
        "downgrade everything",
        [
            (
                3,
                "grade.ORR",
                "expected a mapping of GRADE judgements such as indirectness: "
                "{downgrade: 1, reason: \"...\"}, got text 'downgrade everything'",
            )
        ],
    ),
]


@pytest.mark.parametrize(("value", "expected"), BAD_REVIEWER)
def test_bad_reviewer_entries(value, expected):
    checked, problems = reviewer_problems(value)
    assert checked is None
    assert problems == expected


def test_grade_outcome_refuses_a_judgement_without_reason():
    with pytest.raises(SynthError, match="every reviewer judgement needs its reason"):
        grade_outcome(**clean_rct(reviewer={"imprecision": {"downgrade": 0}}))


def test_grade_config_collects_every_outcome():
    config, problems = check_grade_config(
        value={
            "ORR": {"indirectness": {"downgrade": 1, "reason": "single-centre cohorts"}},
            "OS": {"imprecision": {"downgrade": 2}},
            "CR": {"risk_of_bias": {"downgrade": 1, "reason": "no blinding"}},
            "EFS": {"inconsistncy": {"downgrade": 1, "reason": "x"}},
        },
        line_of=lambda _p: 7,
        path="synth.yaml",
    )
    assert config is None
    assert [(p.field, p.message.split(";")[0]) for p in problems] == [
        ("grade.OS.imprecision.reason", "required field is missing: every reviewer judgement "
         "needs its reason"),
        ("grade.EFS.inconsistncy", "unknown field"),
    ]  # fmt: skip
    config, problems = check_grade_config(
        value={"ORR": {"indirectness": {"downgrade": 1, "reason": "single-centre cohorts"}}},
        line_of=lambda _p: 7,
        path="synth.yaml",
    )
    assert problems == []
    assert config["ORR"].domains["indirectness"].downgrade == 1


# ---------------------------------------------------------------------------
# Arithmetic: OIS and absolute effects, written out


def test_ois_binary_by_hand():
    # z = z(0.975) + z(0.80) = 1.959963985 + 0.841621234 = 2.801585219; z² = 7.848879
    # p1 = 0.20, p2 = 0.20 × 0.75 = 0.15
    # n = 7.848879 × (0.2×0.8 + 0.15×0.85) / 0.05² = 7.848879 × 0.2875 / 0.0025 = 902.62
    # -> 903 per group; events = 903 × (0.20 + 0.15) = 316.05 -> 317
    ois = ois_binary(control_risk=0.2)
    assert (ois.per_group, ois.required, ois.kind) == (903, 317, "events")
    z2 = (1.959963984540054 + 0.8416212335729143) ** 2
    assert math.ceil(z2 * 0.2875 / 0.0025) == 903
    # p1 = 0.30, p2 = 0.225: n = 7.848879 × (0.21 + 0.174375) / 0.075² = 536.6 -> 537
    # events = 537 × 0.525 = 281.9 -> 282
    assert (ois_binary(control_risk=0.3).per_group, ois_binary(control_risk=0.3).required) == (
        537,
        282,
    )


def test_ois_continuous_by_hand():
    # n = 2 × 7.848879 / 0.2² = 392.44 -> 393 per group, 786 participants
    ois = ois_continuous()
    assert (ois.per_group, ois.required, ois.kind) == (393, 786, "participants")
    # effect 0.5 SD: 2 × 7.848879 / 0.25 = 62.79 -> 63 per group, 126
    assert ois_continuous(smd=0.5).required == 126


@pytest.mark.parametrize(
    ("measure", "est", "lo", "hi", "cr", "expected"),
    [
        # RR: cr × RR.  0.30 × 1.37 = 0.411; 0.30 × 1.07 = 0.321; 0.30 × 1.77 = 0.531
        ("RR", 1.37, 1.07, 1.77, 0.30, (300, 411, 111, 21, 231, 321, 531)),
        # OR: OR cr / (1 - cr + OR cr).  2 × 0.2 / (0.8 + 0.4) = 0.3333 -> 333;
        # 1.2 × 0.2 / (0.8 + 0.24) = 0.2308 -> 231;  3.5 × 0.2 / (0.8 + 0.7) = 0.4667 -> 467
        ("OR", 2.0, 1.2, 3.5, 0.20, (200, 333, 133, 31, 267, 231, 467)),
        # RD: cr + RD.  0.25 - 0.05 = 0.20; 0.25 - 0.10 = 0.15; 0.25 + 0.01 = 0.26
        ("RD", -0.05, -0.10, 0.01, 0.25, (250, 200, -50, -100, 10, 150, 260)),
        # HR: 1 - (1 - cr)^HR.  1 - 0.6^0.5 = 0.2254 -> 225; 1 - 0.6^0.25 = 0.1199 -> 120;
        # 1 - 0.6^1 = 0.4 -> 400
        ("HR", 0.5, 0.25, 1.0, 0.40, (400, 225, -175, -280, 0, 120, 400)),
        # OR below 1: 0.5 × 0.1 / (0.9 + 0.05) = 0.05263 -> 53;
        # 0.3 × 0.1 / (0.9 + 0.03) = 0.03226 -> 32;  0.9 × 0.1 / (0.9 + 0.09) = 0.09091 -> 91
        ("OR", 0.5, 0.3, 0.9, 0.10, (100, 53, -47, -68, -9, 32, 91)),
    ],
)
def test_absolute_effects_by_hand(measure, est, lo, hi, cr, expected):
    a = absolute_effect(measure=measure, estimate=est, ci_low=lo, ci_high=hi, control_risk=cr)
    got = (
        a.control,
        a.intervention,
        a.difference,
        a.ci_low,
        a.ci_high,
        a.intervention_ci_low,
        a.intervention_ci_high,
    )
    assert got == expected
    assert a.per == 1000 and a.warnings == ()


def test_absolute_effect_rounding_and_capping():
    assert [round_half_up(x) for x in (12.5, -12.5, 0.49, 449.99999999999994, 2.5)] == [
        13,
        -13,
        0,
        450,
        3,
    ]
    # 0.0125 × 1000 = 12.5 -> 13 (half up), intervention 0.0125 × 1.0 -> 13, difference 0
    a = absolute_effect(measure="RR", estimate=1.0, ci_low=None, ci_high=None, control_risk=0.0125)
    assert (a.control, a.intervention, a.difference, a.ci_low) == (13, 13, 0, None)
    # 0.6 × 2.0 = 1.2 > 1: shown as 1000 per 1,000, with a warning
    a = absolute_effect(measure="RR", estimate=2.0, ci_low=1.5, ci_high=2.5, control_risk=0.6)
    assert (a.intervention, a.intervention_ci_low, a.intervention_ci_high) == (1000, 900, 1000)
    assert a.warnings[0] == (
        "RR 2 with a control risk of 0.6 gives a risk of 1.2, outside 0-1; shown as 1"
    )
    with pytest.raises(ValueError, match="absolute effects need RR, OR, RD, HR, not MD"):
        absolute_effect(measure="MD", estimate=1, ci_low=0, ci_high=2, control_risk=0.2)
    with pytest.raises(ValueError, match="control risk must lie between 0 and 1, got 30"):
        absolute_effect(measure="RR", estimate=1, ci_low=0, ci_high=2, control_risk=30)


def test_absolute_in_the_result_and_median_control_risk():
    # control arms 3/14, 10/40, 6/30: risks 0.2143, 0.25, 0.2 -> median 0.2143
    cr = median_control_risk(events=[3, 10, 6], totals=[14, 40, 30])
    assert cr == pytest.approx(3 / 14, rel=1e-12)
    r = grade_outcome(**clean_rct(control_risk=cr, control_risk_source="median of 3 control arms"))
    # 3/14 × 0.70 = 0.15 -> 150; control 214.29 -> 214; difference -64
    assert (r.absolute.control, r.absolute.intervention, r.absolute.difference) == (214, 150, -64)
    assert r.control_risk_source == "median of 3 control arms"
    assert median_control_risk(events=[], totals=[]) is None
    r = grade_outcome(**clean_rct())
    assert r.absolute is None
    assert any(w.startswith("absolute effects not computed: no control risk") for w in r.warnings)


# ---------------------------------------------------------------------------
# Design words


@pytest.mark.parametrize(
    ("design", "kind"),
    [
        ("rct", "randomized"),
        ("Randomised controlled trial", "randomized"),
        ("non-randomized controlled trial", "non-randomized"),
        ("retrospective", "non-randomized"),
        ("prospective single-arm pilot trial", "non-randomized"),
        ("registry", "non-randomized"),
        ("trial", None),
        (None, None),
    ],
)
def test_classify_design(design, kind):
    assert classify_design(design) == kind


def test_design_is_randomized():
    assert design_is_randomized(["RCT", "randomized"]) is True
    assert design_is_randomized(["RCT", "retrospective"]) is False
    assert design_is_randomized(["RCT", None]) is None
    assert design_is_randomized([]) is None


# ---------------------------------------------------------------------------
# The rules as data


def test_rules_cover_every_domain_with_a_source():
    covered = {r.domain for r in RULES}
    assert {*DOMAINS, *UPGRADES, "start", "reviewer"} <= covered
    assert all(r.source for r in RULES)
    assert "5.2.1" in " ".join(r.source for r in RULES if r.domain == "risk_of_bias")
    assert "J Clin Epidemiol 2011;64(12):1283-1293" in SOURCES["grade6"]


# ---------------------------------------------------------------------------
# Properties


DOWNGRADE_OVERRIDES = st.dictionaries(
    st.sampled_from(DOMAINS), st.integers(min_value=0, max_value=2), max_size=5
)
INPUTS = st.fixed_dictionaries(
    {
        "design_randomized": st.sampled_from([True, False, None]),
        "rob": st.lists(
            st.sampled_from(["low", "some concerns", "high", "critical", None]),
            min_size=12,
            max_size=12,
        ),
        "i2": st.one_of(st.none(), st.floats(min_value=0, max_value=99)),
        "estimate": st.floats(min_value=0.1, max_value=8.0),
        "width": st.floats(min_value=1.01, max_value=3.0),
        "events": st.integers(min_value=0, max_value=2000),
        "egger": st.floats(min_value=0, max_value=1),
    }
)


def _from(inputs, reviewer):
    est, w = inputs["estimate"], inputs["width"]
    return grade_outcome(
        **clean_rct(
            design_randomized=inputs["design_randomized"],
            rob_levels=inputs["rob"],
            i2=inputs["i2"],
            pi=(est / w / w, est * w * w),
            estimate=est,
            ci=(est / w, est * w),
            events=inputs["events"],
            bias_tests={"egger": inputs["egger"]},
            reviewer=reviewer,
        )
    )


def _entries(downgrades):
    return {d: {"downgrade": n, "reason": f"reviewer {d}"} for d, n in downgrades.items()}


@settings(max_examples=200, deadline=None)
@given(inputs=INPUTS, overrides=DOWNGRADE_OVERRIDES, domain=st.sampled_from(DOMAINS))
def test_property_certainty_never_rises_when_a_downgrade_increases(inputs, overrides, domain):
    order = ["very low", "low", "moderate", "high"]
    before = _from(inputs, _entries(overrides))
    current = before.domains[domain].downgrade
    if current == 2:
        return
    after = _from(inputs, _entries(overrides | {domain: current + 1}))
    assert order.index(after.certainty) <= order.index(before.certainty)
    assert after.total_downgrade == before.total_downgrade + 1


@settings(max_examples=200, deadline=None)
@given(
    inputs=INPUTS,
    name=st.sampled_from((*DOMAINS, *UPGRADES)),
    levels=st.integers(min_value=0, max_value=2),
)
def test_property_reviewer_override_always_wins(inputs, name, levels):
    key = "downgrade" if name in DOMAINS else "upgrade"
    r = _from(inputs, {name: {key: levels, "reason": "the committee decided"}})
    got = r.domains[name] if name in DOMAINS else r.upgrades[name]
    assert getattr(got, key) == levels
    assert (got.by, got.reason) == ("reviewer", "the committee decided")
    json.dumps(r.to_dict(), allow_nan=False)


# ---------------------------------------------------------------------------
# The summary-of-findings table in every format


def two_outcomes():
    death = grade_outcome(
        **clean_rct(
            rob_levels=["high"] * 7 + ["low"] * 5,
            ci=(1.07, 1.77),
            estimate=1.37,
            pi=(0.95, 2.0),
            control_risk=0.3,
            control_risk_source="median of the control arms (12 studies)",
            reviewer={"indirectness": {"downgrade": 1, "reason": "adults & children < 5"}},
        )
    )
    orr = grade_outcome(
        **clean_rct(
            design_randomized=None,
            outcome="ORR",
            measure="PLO",
            measure_kind="proportion",
            estimate=0.518,
            ci=(0.300, 0.730),
            pi=(0.156, 0.863),
            null=None,
            k=4,
            studies=3,
            participants=182,
            weights_pct=[30, 30, 20, 20],
            rob_levels=["high", "high", "some concerns", "low"],
            i2=77.0,
            ois_inputs=None,
            bias_tests=None,
        )
    )
    return [death, orr]


def test_sof_table_rows_and_footnotes():
    table = sof_table(two_outcomes())
    death, orr = table.rows
    assert death.cells() == (
        "Death",
        "6,000 (12 studies)",
        "⊕⊕◯◯ LOW",
        "RR 1.37 (1.07 to 1.77)",
        "300 per 1,000",
        "411 per 1,000 (321 to 531)",
        "111 more per 1,000 (21 more to 231 more)",
    )
    assert death.certainty_marks == ("a", "b")
    assert table.footnote("a").startswith("Risk of bias, rated down one level (synth): 58.3%")
    assert (
        table.footnote("b")
        == "Indirectness, rated down one level (reviewer): adults & children < 5"
    )
    assert death.control_marks == ("c",)
    assert table.footnote("c") == (
        "Assumed risk with the control: 300 per 1,000 (0.3), median of the control arms "
        "(12 studies)"
    )
    assert orr.cells() == (
        "ORR",
        "182 (3 studies, k = 4)",
        "⊕◯◯◯ VERY LOW",
        "—",
        "—",
        "518 per 1,000 (300 to 730)",
        "—",
    )
    texts = [table.footnote(m) for m in orr.certainty_marks]
    assert texts[0].startswith("Starts at low: unclear design")
    assert any(t.startswith("Indirectness: not assessed: population") for t in texts)
    pub = "Publication bias: not assessed: k = 4 rows (3 studies)"
    assert any(t.startswith(pub) for t in texts)


def test_markdown():
    md = render_md(two_outcomes())
    lines = md.splitlines()
    assert lines[0] == "### Summary of findings"
    assert lines[2].startswith("| Outcome | Participants (studies) | Certainty of the evidence")
    assert lines[4] == (
        "| Death | 6,000 (12 studies) | ⊕⊕◯◯ LOW<sup>a,b</sup> | RR 1.37 (1.07 to 1.77) | "
        "300 per 1,000<sup>c</sup> | 411 per 1,000 (321 to 531) | 111 more per 1,000 (21 more "
        "to 231 more) |"
    )
    assert (
        "- <sup>b</sup> Indirectness, rated down one level (reviewer): adults & children < 5"
        in lines
    )
    assert (
        "- **Low certainty**: our confidence in the effect estimate is limited: the true effect "
        "may be substantially different from the estimate of the effect." in lines
    )


def test_csv_reads_back():
    rows = list(csv.DictReader(io.StringIO(render_csv(two_outcomes()))))
    assert [r["outcome"] for r in rows] == ["Death", "ORR"]
    death = rows[0]
    assert death["certainty"] == "low" and death["certainty_symbols"] == "⊕⊕◯◯"
    assert float(death["estimate"]) == 1.37 and float(death["ci_high"]) == 1.77
    assert death["risk_of_bias_downgrade"] == "1" and death["indirectness_downgrade"] == "1"
    assert death["difference_per_1000"] == "111 more per 1,000 (21 more to 231 more)"
    assert death["footnotes"].startswith("a: Risk of bias, rated down one level (synth)")
    assert rows[1]["design"] == "unclear" and rows[1]["participants"] == "182"


def test_html_escapes_and_marks():
    page = render_html(two_outcomes())
    assert page.startswith("<!DOCTYPE html>")
    assert '<table class="grade-sof">' in page
    assert '<td class="certainty">⊕⊕◯◯ LOW<sup>a,b</sup></td>' in page
    assert "adults &amp; children &lt; 5" in page
    assert "adults & children" not in page
    fragment = render_html(two_outcomes(), standalone=False)
    assert fragment.startswith("<h3>Summary of findings</h3>")


def test_json_is_the_contract_object():
    data = json.loads(render(two_outcomes(), fmt="json"))
    death = data["outcomes"][0]
    assert set(death) >= {
        "outcome",
        "measure",
        "k",
        "participants",
        "design",
        "start",
        "domains",
        "upgrades",
        "certainty",
        "estimate",
        "ci_low",
        "ci_high",
        "absolute",
        "warnings",
    }
    assert death["domains"]["indirectness"] == {
        "downgrade": 1,
        "reason": "adults & children < 5",
        "by": "reviewer",
        "assessed": True,
    }
    assert {
        k: death["absolute"][k]
        for k in ("per", "control", "intervention", "difference", "ci_low", "ci_high")
    } == {
        "per": 1000,
        "control": 300,
        "intervention": 411,
        "difference": 111,
        "ci_low": 21,
        "ci_high": 231,
    }
    assert data["outcomes"][1]["absolute"] is None
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(two_outcomes(), fmt="pdf")


def test_docx_reads_back(tmp_path):
    from docx import Document
    from docx.enum.section import WD_ORIENT

    results = two_outcomes()
    out = tmp_path / "sof.docx"
    data = sof_docx(results, path=out)
    assert data[:2] == b"PK" and out.read_bytes() == data
    assert render(results, fmt="docx")[:2] == b"PK"
    doc = Document(str(out))
    assert doc.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert doc.paragraphs[0].text == "Summary of findings"
    (table,) = doc.tables
    assert [c.text for c in table.rows[0].cells] == list(sof_table(results).columns)
    death = [c.text for c in table.rows[1].cells]
    assert death == [
        "Death",
        "6,000 (12 studies)",
        "⊕⊕◯◯ LOWa,b",
        "RR 1.37 (1.07 to 1.77)",
        "300 per 1,000c",
        "411 per 1,000 (321 to 531)",
        "111 more per 1,000 (21 more to 231 more)",
    ]
    runs = table.rows[1].cells[2].paragraphs[0].runs
    assert [(r.text, bool(r.font.superscript)) for r in runs] == [
        ("⊕⊕◯◯", False),
        (" LOW", False),
        ("a,b", True),
    ]
    assert table.rows[2].cells[2].text.startswith("⊕◯◯◯ VERY LOW")
    texts = [p.text for p in doc.paragraphs]
    assert "b Indirectness, rated down one level (reviewer): adults & children < 5" in texts
    assert "GRADE Working Group grades of evidence" in texts
    assert any(t.startswith("High certainty: we are very confident") for t in texts)


def test_symbols():
    assert SYMBOLS == {
        "high": "⊕⊕⊕⊕",
        "moderate": "⊕⊕⊕◯",
        "low": "⊕⊕◯◯",
        "very low": "⊕◯◯◯",
    }
