"""``synth grade`` and ``synth rob`` end to end: records -> synth.yaml -> pooled -> GRADE.

Made-up reviews (YAML folders in a temporary directory) built to land on each certainty
level through the command line, every reviewer judgement in ``synth.yaml`` winning over
the suggestion, every bad ``risk_of_bias`` record with its exact ``FILE:LINE: FIELD``
message through ``synth validate``, the Word file read back with python-docx, the plot
files checked, and the bundled review graded.
"""

from __future__ import annotations

import io
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from synthesis.cli import main

from synthesis.analyses.grade import DOMAINS, UPGRADES
from synthesis.render.grade import COLUMNS

REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def trailer(n_errors: int, n_files: int) -> str:
    return f"synth: {n_errors} error(s) in {n_files} file(s); fix them and run again"


# ---------------------------------------------------------------------------
# Made-up reviews

ROB2_LOW = """risk_of_bias:
  tool: ROB2
  overall: low
  domains: {D1: low, D2: low, D3: low, D4: low, D5: low}
"""
ROB2_HIGH = """risk_of_bias:
  tool: ROB2
  overall: high
  domains: {D1: high, D2: low, D3: low, D4: low, D5: low}
"""
NOS_GOOD = """risk_of_bias:
  tool: NOS
  domains: {selection: 4, comparability: 2, outcome: 3}
"""
ROBINS_SERIOUS = """risk_of_bias:
  tool: ROBINS-I
  overall: serious
  domains: {D1: serious, D2: low, D3: low, D4: low, D5: low, D6: low, D7: low}
"""
RCT = "randomized controlled trial"
COHORT = "retrospective cohort"


def trial(i: int, *, design: str, exp: int, ctl: int, per_arm: int, rob: str | None) -> str:
    """A two-arm study of the outcome Mortality: exp/per_arm vs ctl/per_arm."""
    text = f"""id: t{i}
citation: "Trial {i} 2020"
year: {2019 + i}
design: {design}
n: {2 * per_arm}
tags: {{group: {"a" if i % 2 else "b"}}}
arms:
  - {{id: exp, n: {per_arm}, role: experimental}}
  - {{id: ctl, n: {per_arm}, role: control}}
outcomes:
  - {{name: Mortality, arm: exp, events: {exp}, total: {per_arm}}}
  - {{name: Mortality, arm: ctl, events: {ctl}, total: {per_arm}}}
"""
    return text + (rob or "")


def review(
    folder: Path,
    *,
    design: str = RCT,
    robs: tuple[str | None, ...] = (ROB2_LOW,) * 3,
    exp: int = 80,
    ctl: int = 120,
    per_arm: int = 400,
    grade: str = "  Mortality:\n    measure: RR\n",
) -> Path:
    """Three identical trials (one per risk-of-bias record) and a synth.yaml."""
    studies = folder / "studies"
    studies.mkdir(parents=True)
    for i, rob in enumerate(robs, 1):
        (studies / f"t{i}.yaml").write_text(
            trial(i, design=design, exp=exp, ctl=ctl, per_arm=per_arm, rob=rob)
        )
    if grade is not None:
        (folder / "synth.yaml").write_text("grade:\n" + grade)
    return folder


def graded(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict:
    monkeypatch.chdir(folder)
    result = run("grade", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"outcomes"}
    (death,) = data["outcomes"]
    return death


def downs(outcome: dict) -> dict[str, int]:
    return {name: d["downgrade"] for name, d in outcome["domains"].items()}


# Hand computation for three identical trials of 80/400 vs 120/400 (RR, REML -> tau² = 0):
#   yi = ln(0.2 / 0.3) = -0.405465; vi = 1/80 - 1/400 + 1/120 - 1/400 = 0.0158333
#   pooled: yi, se = sqrt(vi / 3) = 0.0726483; 95% CI = exp(yi -+ 1.959964 se)
#         = exp(-0.547852), exp(-0.263078) = 0.578190, 0.768683
YI = math.log(0.2 / 0.3)
VI = 1 / 80 - 1 / 400 + 1 / 120 - 1 / 400
SE = math.sqrt(VI / 3)
Z = 1.959963984540054
CI = (math.exp(YI - Z * SE), math.exp(YI + Z * SE))
# Optimal information size (control risk 0.3 = the median control arm, RRR 0.25):
#   p2 = 0.225; n = ceil(2.801585² (0.3·0.7 + 0.225·0.775) / 0.075²) = ceil(536.34) = 537
#   events = ceil(537 (0.3 + 0.225)) = ceil(281.9) = 282; observed 3 × 200 = 600
OIS_EVENTS = 282


def test_hand_numbers() -> None:
    assert pytest.approx((0.578190, 0.768683), abs=1e-6) == CI
    z = 1.959964 + 0.841621
    n = math.ceil(z**2 * (0.3 * 0.7 + 0.225 * 0.775) / 0.075**2)
    assert (n, math.ceil(n * 0.525)) == (537, OIS_EVENTS)


def test_high_randomized_low_risk_consistent_precise(tmp_path, monkeypatch) -> None:
    death = graded(review(tmp_path), monkeypatch)
    assert death["certainty"] == "high"
    assert (death["design"], death["start"], death["measure"]) == ("randomized", "high", "RR")
    assert downs(death) == dict.fromkeys(DOMAINS, 0)
    assert (death["k"], death["participants"], death["events"]) == (3, 2400, 600)
    assert death["estimate"] == pytest.approx(2 / 3, rel=1e-9)
    assert (death["ci_low"], death["ci_high"]) == pytest.approx(CI, rel=1e-7)
    assert death["domains"]["risk_of_bias"]["reason"] == (
        "0% of the pooled weight comes from studies at high or critical risk of bias (50% or "
        "less); weight by risk of bias: low 100%"
    )
    assert (
        f"600 events reach the optimal information size of {OIS_EVENTS} events"
        in (death["domains"]["imprecision"]["reason"])
    )
    # Absolute effects per 1,000 from the median control-arm risk 120/400 = 0.3:
    #   control 300; intervention 300 × 2/3 = 200; CI 300 × 0.578190 = 173.46 -> 173 and
    #   300 × 0.768683 = 230.60 -> 231; differences 200 - 300, 173 - 300, 231 - 300.
    assert {k: death["absolute"][k] for k in ("per", "control", "intervention")} == {
        "per": 1000,
        "control": 300,
        "intervention": 200,
    }
    assert (death["absolute"]["difference"], death["absolute"]["ci_low"]) == (-100, -127)
    assert death["absolute"]["ci_high"] == -69
    assert death["control_risk_source"] == (
        "the median control-arm risk of the 3 studies (no control_risk in synth.yaml)"
    )


def test_moderate_when_most_weight_is_at_high_risk(tmp_path, monkeypatch) -> None:
    death = graded(review(tmp_path, robs=(ROB2_HIGH, ROB2_HIGH, ROB2_LOW)), monkeypatch)
    assert death["certainty"] == "moderate"
    assert downs(death) == {**dict.fromkeys(DOMAINS, 0), "risk_of_bias": 1}
    assert death["domains"]["risk_of_bias"]["reason"] == (
        "66.7% of the pooled weight comes from studies at high or critical risk of bias (more "
        "than 50%); weight by risk of bias: low 33.3%, high 66.7%"
    )


def test_low_for_cohorts_without_a_reason_to_rate_up_or_down(tmp_path, monkeypatch) -> None:
    death = graded(review(tmp_path, design=COHORT, robs=(NOS_GOOD,) * 3), monkeypatch)
    assert (death["design"], death["start"], death["certainty"]) == ("observational", "low", "low")
    assert downs(death) == dict.fromkeys(DOMAINS, 0)
    assert death["upgrades"]["large_effect"]["upgrade"] == 0
    assert death["upgrades"]["large_effect"]["reason"].startswith("RR = 0.67: not large")


def test_low_for_small_trials_imprecision_two_levels(tmp_path, monkeypatch) -> None:
    # 8/40 vs 12/40 three times: vi = 1/8 - 1/40 + 1/12 - 1/40 = 0.158333, se = 0.229734,
    # CI exp(-0.405465 -+ 0.450268) = 0.42497 to 1.04582: includes 1 (-1); 3 × 20 = 60 events
    # fall short of the 282 of the OIS (-1 more).
    death = graded(review(tmp_path, exp=8, ctl=12, per_arm=40), monkeypatch)
    assert death["certainty"] == "low"
    assert downs(death) == {**dict.fromkeys(DOMAINS, 0), "imprecision": 2}
    assert (death["ci_low"], death["ci_high"]) == pytest.approx((0.42497, 1.04582), abs=1e-5)
    reason = death["domains"]["imprecision"]["reason"]
    assert "the 95% CI (0.42 to 1.05) includes the null (1.00)" in reason
    assert f"60 events fall short of the optimal information size of {OIS_EVENTS} events" in reason


def test_very_low_for_cohorts_at_serious_risk(tmp_path, monkeypatch) -> None:
    death = graded(review(tmp_path, design=COHORT, robs=(ROBINS_SERIOUS,) * 3), monkeypatch)
    assert death["certainty"] == "very low"
    assert downs(death) == {**dict.fromkeys(DOMAINS, 0), "risk_of_bias": 1}
    assert any(w.startswith("ROBINS-I judges confounding") for w in death["warnings"])


def test_moderate_for_cohorts_with_a_large_effect(tmp_path, monkeypatch) -> None:
    # 30/400 vs 120/400: RR = 0.25 (below 0.5, not below 0.2) -> rated up one level.
    death = graded(review(tmp_path, design=COHORT, robs=(NOS_GOOD,) * 3, exp=30), monkeypatch)
    assert death["certainty"] == "moderate"
    assert death["upgrades"]["large_effect"]["upgrade"] == 1
    assert death["upgrades"]["large_effect"]["by"] == "synth"
    assert death["estimate"] == pytest.approx(0.25, rel=1e-9)


def test_default_measure_is_the_tables_and_the_warning_says_how_to_compare(
    tmp_path, monkeypatch
) -> None:
    folder = review(tmp_path, grade=None)
    monkeypatch.chdir(folder)
    result = run("grade", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (death,) = json.loads(result.stdout)["outcomes"]
    assert (death["measure"], death["k"], death["absolute"]) == ("PLO", 6, None)
    assert (
        "synth: warning: Mortality: every study compares an experimental and a control arm, pooled "
        "here as single-group proportions (PLO) with both arms as rows; for the relative effect "
        "and absolute effects use --measure RR (or measure: RR under grade.Mortality in "
        "synth.yaml)"
    ) in result.stderr.splitlines()
    death = graded(folder, monkeypatch, "--measure", "RR")
    assert (death["measure"], death["certainty"]) == ("RR", "high")


def test_subgroup_test_enters_inconsistency(tmp_path, monkeypatch) -> None:
    death = graded(review(tmp_path), monkeypatch, "--by", "group")
    assert (
        "the test for subgroup differences by group has p = 1 (0.1 or more)"
        in (death["domains"]["inconsistency"]["reason"])
    )


# ---------------------------------------------------------------------------
# The reviewer's word wins (synth.yaml)

REASON = "the committee's reason"


def judged(*lines: str) -> str:
    """A synth.yaml grade: section for Mortality, pooled as RR, with these judgements."""
    return "  Mortality:\n    measure: RR\n" + "".join(f"    {line}\n" for line in lines)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize(("levels", "certainty"), [(1, "moderate"), (2, "low")])
def test_every_domain_override(tmp_path, monkeypatch, domain, levels, certainty) -> None:
    grade = judged(f"{domain}: {{downgrade: {levels}, reason: {REASON!r}}}")
    death = graded(review(tmp_path, grade=grade), monkeypatch)
    assert death["domains"][domain] == {
        "downgrade": levels,
        "reason": REASON,
        "by": "reviewer",
        "assessed": True,
    }
    assert death["certainty"] == certainty
    assert [d["by"] for name, d in death["domains"].items() if name != domain] == ["synth"] * 4


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_reviewer_can_also_clear_a_domain(tmp_path, monkeypatch, domain) -> None:
    # Small trials at high risk: synth suggests risk of bias -1 and imprecision -2.
    grade = judged(f"{domain}: {{downgrade: 0, reason: {REASON!r}}}")
    folder = review(tmp_path, robs=(ROB2_HIGH,) * 3, exp=8, ctl=12, per_arm=40, grade=grade)
    death = graded(folder, monkeypatch)
    assert death["domains"][domain]["by"] == "reviewer"
    expected = {"risk_of_bias": 1, "imprecision": 2}
    expected.pop(domain, None)
    assert death["certainty"] == ["high", "moderate", "low", "very low"][sum(expected.values())]


@pytest.mark.parametrize("upgrade", UPGRADES)
def test_every_upgrade_override(tmp_path, monkeypatch, upgrade) -> None:
    grade = judged(f"{upgrade}: {{upgrade: 2, reason: {REASON!r}}}")
    death = graded(review(tmp_path, design=COHORT, robs=(NOS_GOOD,) * 3, grade=grade), monkeypatch)
    assert death["upgrades"][upgrade] == {
        "upgrade": 2,
        "reason": REASON,
        "by": "reviewer",
        "assessed": True,
    }
    assert death["certainty"] == "high"


def test_reviewer_withholds_the_large_effect_upgrade(tmp_path, monkeypatch) -> None:
    grade = judged(f"large_effect: {{upgrade: 0, reason: {REASON!r}}}")
    folder = review(tmp_path, design=COHORT, robs=(NOS_GOOD,) * 3, exp=30, grade=grade)
    death = graded(folder, monkeypatch)
    assert (death["upgrades"]["large_effect"]["by"], death["certainty"]) == ("reviewer", "low")


def test_reviewer_start(tmp_path, monkeypatch) -> None:
    grade = judged(f"start: {{level: low, reason: {REASON!r}}}")
    death = graded(review(tmp_path, grade=grade), monkeypatch)
    assert (death["start"], death["start_by"], death["start_reason"]) == (
        "low",
        "reviewer",
        REASON,
    )
    assert death["certainty"] == "low"


def test_reviewer_control_risk(tmp_path, monkeypatch) -> None:
    # control 0.1: 100 per 1,000; 100 × 2/3 = 66.7 -> 67; CI 57.82 -> 58 and 76.87 -> 77.
    death = graded(review(tmp_path, grade="  Mortality:\n    measure: RR\n    control_risk: 0.1\n"),
                   monkeypatch)  # fmt: skip
    absolute = death["absolute"]
    assert (absolute["control"], absolute["intervention"], absolute["difference"]) == (
        100,
        67,
        -33,
    )
    assert (absolute["ci_low"], absolute["ci_high"]) == (58 - 100, 77 - 100)
    assert death["control_risk_source"] == "reviewer (synth.yaml control_risk)"


def test_reviewer_threshold(tmp_path, monkeypatch) -> None:
    death = graded(review(tmp_path, grade="  Mortality:\n    measure: RR\n    threshold: 0.7\n"),
                   monkeypatch)  # fmt: skip
    assert downs(death)["imprecision"] == 1
    assert death["domains"]["imprecision"]["by"] == "synth"
    assert "includes the decision threshold 0.70" in death["domains"]["imprecision"]["reason"]
    assert death["certainty"] == "moderate"


def test_reviewer_judgement_is_marked_in_the_table(tmp_path, monkeypatch) -> None:
    grade = judged(f"indirectness: {{downgrade: 1, reason: {REASON!r}}}")
    monkeypatch.chdir(review(tmp_path, grade=grade))
    out = run("grade").stdout
    assert "| Mortality | 2,400 (3 studies) | ⊕⊕⊕◯ MODERATE<sup>" in out
    assert f"Indirectness, rated down one level (reviewer): {REASON}" in out


def test_synonyms_reach_the_reviewer_judgements(tmp_path, monkeypatch) -> None:
    folder = review(tmp_path, grade=f"  death:\n    measure: RR\n    start: {{level: low, "
                    f"reason: {REASON!r}}}\n")  # fmt: skip
    assert graded(folder, monkeypatch)["start_by"] == "reviewer"


def test_judgements_for_an_unknown_outcome_are_a_warning(tmp_path, monkeypatch) -> None:
    folder = review(tmp_path, grade=f"  Mortalty:\n    start: {{level: low, reason: {REASON!r}}}\n")
    monkeypatch.chdir(folder)
    result = run("grade", "--format", "json")
    assert result.exit_code == 0
    assert (
        "synth: warning: synth.yaml: grade.Mortalty: no study reports outcome 'Mortalty', so these "
        "judgements are not used; did you mean 'Mortality'?"
    ) in result.stderr.splitlines()


BAD_CONFIG = [
    (
        "  Mortality:\n    indirectness: {downgrade: 1}\n",
        [(3, "grade.Mortality.indirectness.reason", "required field is missing: every reviewer "
          "judgement needs its reason")],
    ),
    (
        "  Mortality:\n    imprecision:\n      downgrade: 3\n      reason: too wide\n",
        [(4, "grade.Mortality.imprecision.downgrade", "must be 0, 1 or 2 levels, got 3")],
    ),
    (
        "  Mortality:\n    measure: RRR\n    control_risk: 30\n",
        [
            (3, "grade.Mortality.measure", "must be a measure code (PLO, PFT, PAS, PR, RR, OR, "
             "RD, MD, SMD, HR, GEN, MED), got text 'RRR'; did you mean 'RR'?"),
            (4, "grade.Mortality.control_risk", "must be a risk between 0 and 1 (exclusive), got "
             "30; did you mean 0.3?"),
        ],
    ),
    (
        "  Mortality: downgrade\n",
        [(2, "grade.Mortality", "expected a mapping of GRADE judgements such as indirectness: "
          "{downgrade: 1, reason: \"...\"}, got text 'downgrade'")],
    ),
    ("  - Mortality\n", [(1, "grade", "expected a mapping of outcome name to GRADE judgements, got "
                      "a list")]),
]  # fmt: skip


@pytest.mark.parametrize(("grade", "expected"), BAD_CONFIG)
@pytest.mark.parametrize("command", ["grade", "validate"])
def test_bad_grade_section(tmp_path, monkeypatch, grade, expected, command) -> None:
    monkeypatch.chdir(review(tmp_path, grade=grade))
    config = "synth.yaml"  # shown as records are: relative to the working folder
    result = run(command)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = [f"{config}:{line}: {field}: {message}" for line, field, message in expected]
    assert result.stderr.splitlines() == [*lines, trailer(len(lines), 1)]


def test_empty_grade_section_is_no_judgements(tmp_path, monkeypatch) -> None:
    folder = review(tmp_path, grade=None)
    (folder / "synth.yaml").write_text("grade:\n")
    monkeypatch.chdir(folder)
    assert run("validate").exit_code == 0


# ---------------------------------------------------------------------------
# Bad risk_of_bias records through synth validate (every message, exact)

BASE = """id: s1
citation: "Smith 2020"
year: 2020
design: retrospective
n: 50
outcomes:
  - {name: ORR, events: 10, total: 50}
"""
TOOLS_TEXT = "ROB2, ROBINS-I, QUADAS-2, NOS, Murad, other"
ROB2_DOMAINS = "{D1: low, D2: low, D3: low, D4: low, D5: low}"
BAD_ROB = {
    "not a mapping": (
        "risk_of_bias: high\n",
        [(8, "risk_of_bias", "expected a mapping with tool, overall, domains and note, got text "
          "'high'")],
    ),
    "unknown field": (
        f"risk_of_bias:\n  tool: ROB2\n  overal: low\n  domains: {ROB2_DOMAINS}\n",
        [(10, "risk_of_bias.overal", "unknown field; did you mean 'overall'?")],
    ),
    "no tool": (
        "risk_of_bias:\n  overall: low\n",
        [(8, "risk_of_bias.tool", f"required field is missing; use one of {TOOLS_TEXT}")],
    ),
    "tool not text": (
        "risk_of_bias:\n  tool: 2\n  overall: low\n",
        [(9, "risk_of_bias.tool", f"must be one of {TOOLS_TEXT}, got 2")],
    ),
    "unknown tool": (
        "risk_of_bias:\n  tool: ROB3\n  overall: low\n",
        [(9, "risk_of_bias.tool", f"unknown tool 'ROB3'; did you mean 'ROB2'? (tools: "
          f"{TOOLS_TEXT})")],
    ),
    "note not text": (
        "risk_of_bias:\n  tool: ROB2\n  overall: low\n  note: [a, b]\n",
        [(11, "risk_of_bias.note", "must be text, got a list")],
    ),
    "applicability outside QUADAS-2": (
        "risk_of_bias:\n  tool: ROB2\n  overall: low\n  applicability: {D1: low}\n",
        [(11, "risk_of_bias.applicability", "applicability concerns are part of QUADAS-2 only, "
          "not ROB2")],
    ),
    "domains not a mapping": (
        "risk_of_bias:\n  tool: ROB2\n  domains: [low, low]\n",
        [(10, "risk_of_bias.domains", "expected a mapping of domain to judgement such as {D1: "
          "low, D2: some concerns}, got a list")],
    ),
    "unknown domain": (
        "risk_of_bias:\n  tool: ROB2\n  overall: low\n  domains:\n    D1: low\n    D2: low\n"
        "    D3: low\n    D4: low\n    D6: low\n",
        [
            (11, "risk_of_bias.domains.D5", "warning: no judgement for D5 (Bias in selection of "
             "the reported result); it is shown as 'no information'"),
            (16, "risk_of_bias.domains.D6", "unknown domain 'D6' for ROB2 (ROB2's domains are D1, "
             "D2, D3, D4, D5)"),
        ],
    ),
    "misspelt named domain": (
        "risk_of_bias:\n  tool: Murad\n  overall: low\n  domains: {selection: low, "
        "ascertainmen: low, causality: low, reporting: low}\n",
        [(11, "risk_of_bias.domains.ascertainmen", "unknown domain 'ascertainmen' for Murad; did "
          "you mean 'ascertainment'? (Murad's domains are selection, ascertainment, causality, "
          "reporting)")],
    ),
    "domain twice": (
        "risk_of_bias:\n  tool: ROB2\n  overall: low\n  domains: {D1: low, d1: low, D2: low, "
        "D3: low, D4: low, D5: low}\n",
        [(11, "risk_of_bias.domains.d1", "D1 is given twice (as 'D1' and 'd1')")],
    ),
    "empty domain name": (
        "risk_of_bias:\n  tool: other\n  overall: low\n  domains: {'': low}\n",
        [(11, "risk_of_bias.domains.''", "a domain name must be non-empty text")],
    ),
    "judgement with an unknown field": (
        "risk_of_bias:\n  tool: ROB2\n  overall: {judgement: low, reason: x}\n",
        [(10, "risk_of_bias.overall.reason", "unknown field")],
    ),
    "judgement missing": (
        "risk_of_bias:\n  tool: ROB2\n  overall: {note: why}\n",
        [(10, "risk_of_bias.overall.judgement", "required field is missing (the level, e.g. "
          "low)")],
    ),
    "judgement note not text": (
        "risk_of_bias:\n  tool: ROB2\n  overall: {judgement: low, note: 3}\n",
        [(10, "risk_of_bias.overall.note", "must be text, got 3")],
    ),
    "level not text": (
        "risk_of_bias:\n  tool: ROB2\n  overall: 1\n",
        [(10, "risk_of_bias.overall", "expected one of low, some concerns, high, got 1")],
    ),
    "unknown level": (
        "risk_of_bias:\n  tool: ROB2\n  overall: some concern\n",
        [(10, "risk_of_bias.overall", "unknown level 'some concern'; did you mean 'some "
          "concerns'? (ROB2's levels are low, some concerns, high)")],
    ),
    "another tool's level": (
        "risk_of_bias:\n  tool: ROBINS-I\n  overall: high\n",
        [(10, "risk_of_bias.overall", "unknown level 'high' (ROBINS-I's levels are low, "
          "moderate, serious, critical, no information)")],
    ),
    "domain level in a nested judgement": (
        "risk_of_bias:\n  tool: ROB2\n  domains:\n    D1: low\n    D2: low\n    D3: low\n"
        "    D4: low\n    D5:\n      judgement: hihg\n      note: selective reporting\n",
        [(16, "risk_of_bias.domains.D5.judgement", "unknown level 'hihg'; did you mean 'high'? "
          "(ROB2's levels are low, some concerns, high)")],
    ),
    "NOS stars as words": (
        "risk_of_bias:\n  tool: NOS\n  domains: {selection: good, comparability: 1, outcome: 2}"
        "\n",
        [(10, "risk_of_bias.domains.selection", "expected a number of stars 0-4 (or a string of "
          "*), got text 'good'")],
    ),
    "NOS too many stars": (
        "risk_of_bias:\n  tool: NOS\n  domains: {selection: 5, comparability: 1, outcome: 2}\n",
        [(10, "risk_of_bias.domains.selection", "selection takes 0-4 stars, got 5")],
    ),
    "NOS outcome and exposure": (
        "risk_of_bias:\n  tool: NOS\n  domains: {selection: 3, comparability: 1, outcome: 2, "
        "exposure: 2}\n",
        [(10, "risk_of_bias.domains.exposure", "give outcome (cohort studies) or exposure "
          "(case-control studies), not both")],
    ),
    "NOS overall cannot be derived": (
        "risk_of_bias:\n  tool: NOS\n  domains: {selection: 3}\n",
        [
            (8, "risk_of_bias.overall", "cannot be derived: NOS needs selection, comparability "
             "and outcome (or exposure) stars, or an overall good / fair / poor"),
            (10, "risk_of_bias.domains.comparability", "warning: no judgement for comparability "
             "(Comparability); it is shown as 'no information'"),
            (10, "risk_of_bias.domains.outcome", "warning: no judgement for outcome (Outcome); it "
             "is shown as 'no information'"),
        ],
    ),
    "nothing judged": (
        "risk_of_bias:\n  tool: ROB2\n",
        [(8, "risk_of_bias", "give an overall judgement, the domain judgements, or both (ROB2: "
          "D1-D5)")],
    ),
    "other tool without any judgement": (
        "risk_of_bias:\n  tool: other\n  domains: {}\n",
        [(8, "risk_of_bias.overall", "cannot be derived: no domain is judged; give other's "
          "overall judgement (low, some concerns, moderate, unclear, high, serious, critical, "
          "no information)")],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_ROB))
def test_bad_risk_of_bias_record(tmp_path, monkeypatch, name) -> None:
    record, expected = BAD_ROB[name]
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "s1.yaml").write_text(BASE + record)
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = [f"studies/s1.yaml:{line}: {field}: {message}" for line, field, message in expected]
    errors = sum(1 for _, _, m in expected if not m.startswith("warning: "))
    assert result.stderr.splitlines() == [*lines, trailer(errors, 1)]


BAD_ROB_WARNINGS = {
    "overall better than the worst domain": (
        "risk_of_bias:\n  tool: ROB2\n  overall: low\n  domains: {D1: low, D2: high, D3: low, "
        "D4: low, D5: low}\n",
        [(10, "risk_of_bias.overall", "warning: overall 'low' is better than the worst domain "
          "(D2: high); ROB2 rates the overall at least as severe as the worst domain")],
    ),
    "overall better than the stars": (
        "risk_of_bias:\n  tool: NOS\n  overall: good\n  domains: {selection: 4, comparability: 0, "
        "outcome: 3}\n",
        [(10, "risk_of_bias.overall", "warning: overall 'good' is better than the AHRQ conversion "
          "of the stars (selection 4, comparability 0, outcome 3), which gives 'poor'")],
    ),
    "domains left out": (
        "risk_of_bias:\n  tool: ROB2\n  overall: high\n  domains:\n    D1: high\n    D2: low\n"
        "    D3: low\n    D4: low\n",
        [(11, "risk_of_bias.domains.D5", "warning: no judgement for D5 (Bias in selection of the "
          "reported result); it is shown as 'no information'")],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_ROB_WARNINGS))
def test_doubtful_risk_of_bias_record_is_a_warning(tmp_path, monkeypatch, name) -> None:
    record, expected = BAD_ROB_WARNINGS[name]
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "s1.yaml").write_text(BASE + record)
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exit_code == 0
    lines = [f"studies/s1.yaml:{line}: {field}: {message}" for line, field, message in expected]
    assert result.stderr.splitlines() == lines
    assert result.stdout.startswith("OK: 1 record")


def test_a_bad_record_elsewhere_in_the_file_is_reported_too(tmp_path, monkeypatch) -> None:
    (tmp_path / "studies").mkdir()
    bad = BASE.replace("year: 2020", "year: 20x") + "risk_of_bias:\n  tool: ROB2\n  overall: hi\n"
    (tmp_path / "studies" / "s1.yaml").write_text(bad)
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.stderr.splitlines() == [
        "studies/s1.yaml:3: year: must be an integer year such as 2025, got text '20x'",
        "studies/s1.yaml:10: risk_of_bias.overall: unknown level 'hi'; did you mean 'high'? "
        "(ROB2's levels are low, some concerns, high)",
        trailer(2, 1),
    ]


# ---------------------------------------------------------------------------
# Outputs: files, docx, errors


def test_grade_writes_files_atomically_and_never_over_one(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(review(tmp_path))
    out = tmp_path / "sof.md"
    result = run("grade", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote {out} (1 outcome, md)\n"
    assert out.read_text().startswith("### Summary of findings")
    again = run("grade", "-o", str(out), "--format", "md")
    assert again.exit_code == 2
    assert again.stderr == f"synth: error: {out}: already exists; use --force to overwrite it\n"
    out.write_text("edited by hand\n")  # (csv into sof.md is refused: the suffix says md)
    forced = run("grade", "-o", str(out), "--format", "md", "--force")
    assert forced.exit_code == 0
    assert out.read_text().startswith("### Summary of findings")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_format_follows_the_suffix(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(review(tmp_path))
    assert run("grade", "-o", "g.json").exit_code == 0
    assert set(json.loads(Path("g.json").read_text())) == {"outcomes"}
    assert run("grade", "-o", "g.html").exit_code == 0
    assert Path("g.html").read_text().startswith("<!DOCTYPE html>")


def test_docx_needs_a_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(review(tmp_path))
    result = run("grade", "--format", "docx")
    assert result.exit_code == 2
    assert result.stderr == (
        "synth: error: --format docx writes a Word file: give it a name with -o, e.g. -o sof.docx\n"
    )


def test_unknown_outcome_and_tag(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(review(tmp_path))
    result = run("grade", "--outcome", "ORR")
    assert result.exit_code == 2
    assert result.stderr == (
        "synth: error: no study reports outcome 'ORR'; outcomes in this review: Mortality\n"
    )
    result = run("grade", "--by", "grup")
    assert result.exit_code == 2
    assert result.stderr == (
        "synth: error: --by grup: no study has a tag 'grup'; did you mean 'group'? (tags: group)\n"
    )


def test_the_bundled_review_as_a_word_file(tmp_path, monkeypatch) -> None:
    from docx import Document

    monkeypatch.chdir(REPO)
    out = tmp_path / "sof.docx"
    result = run("grade", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote {out} (8 outcomes, docx)\n"
    doc = Document(io.BytesIO(out.read_bytes()))
    (table,) = doc.tables
    assert [c.text for c in table.rows[0].cells] == list(COLUMNS)
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert list(rows) == ["CR", "CR/CRi", "DOR", "EFS", "Mortality", "ORR", "OS", "PFS"]
    orr = rows["ORR"]
    assert orr[1] == "182 (3 studies, k = 4)"
    assert orr[2].startswith("⊕◯◯◯ VERY LOW")
    assert orr[5] == "518 per 1,000 (300 to 730)"
    assert rows["Mortality"][2].startswith("⊕◯◯◯ VERY LOW")
    assert rows["CR"][2].startswith("⊕⊕◯◯ LOW")
    assert rows["DOR"][5] == "median 4.5 months (4.2 to 4.5)"
    texts = [p.text for p in doc.paragraphs]
    assert doc.paragraphs[0].text == "Summary of findings"
    marks = orr[2].removeprefix("⊕◯◯◯ VERY LOW").split(",")
    notes = {t.split(" ", 1)[0]: t.split(" ", 1)[1] for t in texts if t[:1].isalpha() and
             " " in t and t.split(" ", 1)[0] in marks}  # fmt: skip
    assert any(n.startswith("Inconsistency, rated down two levels (synth): I² = 77%")
               for n in notes.values())  # fmt: skip


def test_the_bundled_review_graded(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = run("grade", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"outcomes"}
    by_name = {o["outcome"]: o for o in data["outcomes"]}
    contract = {
        "outcome", "measure", "k", "participants", "design", "start", "domains", "upgrades",
        "certainty", "estimate", "ci_low", "ci_high", "absolute", "warnings",
    }  # fmt: skip
    for o in data["outcomes"]:
        assert contract <= set(o)
        assert set(o["domains"]) == set(DOMAINS) and set(o["upgrades"]) == set(UPGRADES)
        assert o["design"] == "observational" and o["start"] == "low"
    assert {n: o["certainty"] for n, o in by_name.items()} == {
        "CR": "low",
        "CR/CRi": "low",
        "DOR": "low",
        "EFS": "low",
        "Mortality": "very low",
        "ORR": "very low",
        "OS": "very low",
        "PFS": "low",
    }
    orr = by_name["ORR"]
    pooled = json.loads(run("pool", "--outcome", "ORR", "--format", "json").stdout)
    assert (orr["estimate"], orr["ci_low"], orr["ci_high"]) == (
        pooled["estimate"],
        pooled["ci_low"],
        pooled["ci_high"],
    )
    assert (orr["measure"], orr["k"], orr["participants"], orr["absolute"]) == ("PLO", 4, 182, None)
    assert downs(orr) == {**dict.fromkeys(DOMAINS, 0), "inconsistency": 2}
    # HSCT2 (high risk: follow-up) carries all of Mortality's weight and 72/123 of OS's.
    assert downs(by_name["Mortality"])["risk_of_bias"] == 1
    assert by_name["OS"]["domains"]["risk_of_bias"]["reason"].startswith(
        "58.5% of the pooled weight comes from studies at high or critical risk of bias"
    )


# ---------------------------------------------------------------------------
# synth rob


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_rob_png_of_the_bundled_review(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "rob.png"
    result = run("rob", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    w, h = png_size(out.read_bytes())
    assert result.stdout == f"wrote {out} (5 studies, {w}x{h} px)\n"
    assert result.stderr == ""
    assert 1000 < w < 3000 and 1000 < h < 3000


@pytest.mark.parametrize(("palette", "colour"), [("cochrane", "#02c100"),
                                                 ("colourblind", "#fed98e")])  # fmt: skip
def test_rob_svg_palettes(tmp_path, monkeypatch, palette, colour) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "rob.svg"
    assert run("rob", "-o", str(out), "--palette", palette).exit_code == 0
    text = out.read_text()
    assert ET.fromstring(text).tag == "{http://www.w3.org/2000/svg}svg"
    assert colour in text.lower()


def test_rob_pdf(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "rob.pdf"
    assert run("rob", "-o", str(out)).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_rob_weighted_by_an_outcome(tmp_path, monkeypatch) -> None:
    import synthesis.plots.rob as plots

    seen = {}
    real = plots.rob_figure

    def spy(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(plots, "rob_figure", spy)
    monkeypatch.chdir(REPO)
    result = run("rob", "-o", str(tmp_path / "rob.png"), "--outcome", "ORR")
    assert result.exit_code == 0, result.stderr
    pooled = json.loads(run("pool", "--outcome", "ORR", "--format", "json").stdout)
    weight = {}
    for s in pooled["studies"]:
        weight[s["id"]] = weight.get(s["id"], 0.0) + s["weight"]
    # ordered by year, then label: City of Hope 2022, Rux-P-Gemox pilot 2025, Yoon 2025
    assert [label for label, _ in seen["studies"]] == [
        "City of Hope 2022",
        "Rux-P-Gemox pilot 2025",
        "Yoon 2025",
    ]
    assert seen["weights"] == pytest.approx(
        [weight["cityofhope2022-blina"], weight["chictr2400086092-ankl"], weight["yoon2025-ankl"]]
    )


def test_rob_names_the_studies_left_out(tmp_path, monkeypatch) -> None:
    folder = review(tmp_path, robs=(ROB2_LOW, None, ROB2_HIGH))
    monkeypatch.chdir(folder)
    result = run("rob", "-o", "rob.png", "--outcome", "Mortality")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "synth: warning: no risk_of_bias record, not in the plot: t2 (33.3% of the pooled weight)\n"
    )


def test_rob_without_any_record(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(review(tmp_path, robs=(None, None), grade=None))
    result = run("rob", "-o", "rob.png")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "synth: error: "
        "no study record has a risk_of_bias mapping; add one to each study's YAML file"
    )
    assert "then run 'synth validate'" in result.stderr
    assert not Path("rob.png").exists()
    graded_anyway = run("grade", "--format", "json")
    assert graded_anyway.exit_code == 0
    assert (
        "synth: warning: no study has a risk_of_bias record, so risk of bias is not assessed; "
        "add risk_of_bias to the records (see synth rob --help)"
    ) in graded_anyway.stderr.splitlines()


def test_rob_bad_suffix_and_existing_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = run("rob", "-o", str(tmp_path / "rob.jpg"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"synth: error: {tmp_path / 'rob.jpg'}: unknown plot format '.jpg'; end the file name with "
        ".png, .svg or .pdf\n"
    )
    out = tmp_path / "rob.png"
    out.write_bytes(b"mine")
    result = run("rob", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"synth: error: {out}: already exists; use --force to overwrite it\n"
    assert out.read_bytes() == b"mine"


@pytest.mark.parametrize("command", ["grade", "rob"])
def test_help_has_examples(command) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert f"synth {command}" in result.stdout.split("Examples:", 1)[1]


# ---------------------------------------------------------------------------
# The bundled review's records, and the report / table sections


def test_every_bundled_judgement_says_what_it_rests_on() -> None:
    from synthesis.records.review import load_review

    review = load_review(REPO / "studies")
    assert len(review.studies) == 5
    for study in review.studies:
        rob = study.risk_of_bias
        assert rob is not None and rob.tool == "Murad", study.id
        assert rob.warnings == ()
        assert [d.key for d in rob.domains] == ["selection", "ascertainment", "causality",
                                                "reporting"]  # fmt: skip
        assert all(d.note and len(d.note) > 30 for d in rob.domains), study.id
        assert rob.overall.note and rob.note and "Murad et al. 2018" in rob.note
    assert {s.id: s.risk_of_bias.overall.level for s in review.studies} == {
        "chictr2400086092-ankl": "some concerns",
        "cityofhope2022-blina": "some concerns",
        "hsct2-2025-al": "high",
        "lenalidomide2023-ball": "some concerns",
        "yoon2025-ankl": "some concerns",
    }


def test_line_finder_follows_nested_keys_and_keys_with_dots() -> None:
    from synthesis.records.rob import line_finder
    from synthesis.records.yamlio import read_yaml

    problems: list = []
    path = REPO / "studies" / "yoon2025-ankl.yaml"
    doc = read_yaml(path, "x", problems)
    lines = path.read_text().splitlines()
    line_of = line_finder(doc)
    at = line_of("risk_of_bias.domains.causality.judgement")
    assert lines[at - 1].strip() == "judgement: low"
    assert lines[line_of("risk_of_bias.domains.nothing") - 1].strip() == "domains:"
    assert lines[line_of("risk_of_bias") - 1] == "risk_of_bias:"

    class D(dict):
        pass

    inner = D({"imprecision": 1})
    inner.lines, inner.line = {"imprecision": 7}, 6
    doc = D({"grade": D({"OS 2.5y": inner})})
    doc["grade"].lines, doc["grade"].line = {"OS 2.5y": 6}, 5
    doc.lines, doc.line = {"grade": 5}, 1
    assert line_finder(doc)("grade.OS 2.5y.imprecision") == 7
    assert line_finder(doc)("grade.OS 2.5y.threshold") == 6


def test_table_certainty_column_and_report_sections(monkeypatch) -> None:
    from synthesis.analyses.summary import summarize
    from synthesis.records.review import load_review
    from synthesis.render.grade_section import (
        certainty_column,
        grade_summary_section,
        grade_table,
        outcome_grade_html,
        risk_of_bias_section,
        study_weights,
    )

    review = load_review(REPO / "studies")
    table = summarize(review)
    column = certainty_column(table, review)
    assert column == {
        "CR": "⊕⊕◯◯ Low",
        "CR/CRi": "⊕⊕◯◯ Low",
        "DOR": "⊕⊕◯◯ Low",
        "EFS": "⊕⊕◯◯ Low",
        "Mortality": "⊕◯◯◯ Very low",
        "ORR": "⊕◯◯◯ Very low",
        "OS": "⊕◯◯◯ Very low",
        "PFS": "⊕⊕◯◯ Low",
    }
    # the same certainty as synth grade (same analyses)
    monkeypatch.chdir(REPO)
    cli = json.loads(run("grade", "--format", "json").stdout)["outcomes"]
    assert {o["outcome"]: o["certainty"] for o in cli} == {
        k: v.split(" ", 1)[1].lower() for k, v in column.items()
    }
    report = grade_table(table, review)
    section = grade_summary_section(report)
    assert section.startswith('<section id="grade">\n<h2>Certainty of the evidence (GRADE)</h2>')
    assert '<td class="certainty">⊕◯◯◯ VERY LOW<sup>' in section
    rob = risk_of_bias_section(review)
    assert rob.count("<svg ") == 2 and rob.count("</svg>") == 2
    assert 'aria-label="Risk-of-bias traffic-light plot"' in rob
    assert "<?xml" not in rob and "<!DOCTYPE" not in rob
    ids = re.findall(r'\bid="([^"]+)"', rob)
    assert len(ids) == len(set(ids))
    assert "studies/hsct2-2025-al.yaml:" in rob and "Follow-up too short" in rob
    weighted = risk_of_bias_section(review, weights=study_weights(report, "ORR"))
    assert "MSKCC 2023" not in weighted and "Yoon 2025" in weighted
    orr = outcome_grade_html(report.result("ORR"))
    assert "<h3>Certainty of the evidence (GRADE): ⊕◯◯◯ VERY LOW</h3>" in orr
    assert '<td>Inconsistency</td><td class="levels">\u22122</td><td>synth</td>' in orr


def test_certainty_column_is_empty_without_records_and_names_another_measure(
    tmp_path, monkeypatch
) -> None:
    from synthesis.analyses.summary import summarize
    from synthesis.records.review import load_review, read_config
    from synthesis.render.grade_section import certainty_column

    bare = review(tmp_path / "a", robs=(None, None), grade=None)
    plain = load_review(bare / "studies")
    assert certainty_column(summarize(plain), plain) == {}
    folder = review(tmp_path / "b")
    rich = load_review(folder / "studies")
    column = certainty_column(summarize(rich), rich, reviewer=read_config(folder).grade)
    assert column == {"Mortality": "⊕⊕⊕⊕ High (RR)"}


# ---------------------------------------------------------------------------
# Publication bias where k >= 10: the small-study tests of metafor, read by GRADE

REFERENCE = json.loads((REPO / "tests" / "reference" / "grade_reference.json").read_text())


def small_study_review(folder: Path, k: int) -> Path:
    (case,) = [c for c in REFERENCE["cases"] if c["id"] == "small-study-effects"]
    studies = folder / "studies"
    studies.mkdir(parents=True)
    rows = list(zip(case["ai"], case["n1i"], case["ci"], case["n2i"], strict=True))[-k:]
    for i, (ai, n1, ci, n2) in enumerate(rows, 1):
        (studies / f"t{i:02d}.yaml").write_text(
            f'id: t{i}\ncitation: "Trial {i} 2020"\nyear: {2000 + i}\ndesign: rct\narms:\n'
            f"  - {{id: exp, n: {n1}, role: experimental}}\n"
            f"  - {{id: ctl, n: {n2}, role: control}}\noutcomes:\n"
            f"  - {{name: Mortality, arm: exp, events: {ai}, total: {n1}}}\n"
            f"  - {{name: Mortality, arm: ctl, events: {ci}, total: {n2}}}\n"
            "risk_of_bias: {tool: ROB2, overall: low}\n"
        )
    return folder


def test_publication_bias_from_metafor_s_small_study_tests(tmp_path, monkeypatch) -> None:
    from tests.tolerances import TOLERANCES

    (case,) = REFERENCE["cases"]
    death = graded(small_study_review(tmp_path, 12), monkeypatch, "--measure", "RR")
    tol = TOLERANCES["iterative"]
    for key in ("estimate", "ci_low", "ci_high"):
        assert math.isclose(death[key], case[key], rel_tol=tol.rtol, abs_tol=tol.atol), key
    assert death["domains"]["publication_bias"] == {
        "downgrade": 1,
        "reason": f"funnel-plot asymmetry: Egger's regression test p = {case['egger_p']:.3g}, "
        f"rank correlation test p = {case['rank_p']:.3g} (below 0.1), small-study effects "
        "suggest publication bias (GRADE 5)",
        "by": "synth",
        "assessed": True,
    }
    assert death["certainty"] == "moderate"


def test_publication_bias_not_assessed_below_ten_studies(tmp_path, monkeypatch) -> None:
    death = graded(small_study_review(tmp_path, 9), monkeypatch, "--measure", "RR")
    assert death["domains"]["publication_bias"] == {
        "downgrade": 0,
        "reason": "not assessed: 9 studies, fewer than the 10 that funnel-plot asymmetry tests "
        "need (Sterne et al. BMJ 2011)",
        "by": "synth",
        "assessed": False,
    }
