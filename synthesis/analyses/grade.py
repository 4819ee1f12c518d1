"""GRADE certainty of evidence: the rules as data, applied to plain inputs.

Nothing here reads files.  :func:`grade_review` starts from a loaded review (each outcome
pooled as ``synth table`` pools it) and :func:`grade_pooled` from one PoolResult; both
hand :func:`grade_outcome` what the analysis knows.  The reviewer's ``synth.yaml``
judgements are checked in :mod:`synthesis.records.judgements` (re-exported here), where
the records layer that reads ``synth.yaml`` can reach them without importing analyses.

:func:`grade_outcome` takes what an analysis already knows
(design, pooled weights and each study's risk of bias, I², the prediction and
confidence intervals, events and participants, the small-study tests) and the
reviewer's judgements from ``synth.yaml``, and returns the five GRADE domains, the
three upgrades and the certainty, each with its reason in words.

The rules (:data:`RULES` lists them with their sources; the README prints that list):

* Start: randomized trials at high, everything else at low; a design that does not
  say it is randomized is "unclear" and starts at low, and the result says so.
* Risk of bias: the share of the pooled weight from studies at high (ROBINS-I:
  serious) or critical risk.  Critical > 50% -> 2 levels; high or critical > 50% -> 1.
* Inconsistency: I² > 50% -> 1, > 75% -> 2; one level less when the prediction
  interval lies on one side of the null and of every decision threshold; at least 1
  when the test for subgroup differences has p < 0.10.  One study: not assessed.
* Imprecision: the CI (at --level, 95% by default) includes the null or a decision
  threshold -> 1; it includes appreciable benefit and appreciable harm (below and above
  the thresholds; for ratios RR 0.75 and 1.25 unless given) -> 2; the optimal
  information size (OIS) not reached -> 1 more (at most 2 in all).
* Publication bias: with k >= 10 studies, a small-study test p < 0.10 -> 1; with fewer,
  "not assessed" with the reason.
* Indirectness: not judged from data; "not assessed" unless the reviewer says.
* Upgrades (non-randomized evidence with no downgrade): large effect RR > 2 or < 0.5
  -> 1, > 5 or < 0.2 -> 2 (with the CI excluding the null, k >= 2); dose-response and
  plausible confounding only from the reviewer.

Optimal information size (two-sided alpha 0.05, power 1 - beta = 0.80)::

    z = z(1 - alpha/2) + z(1 - beta) = 1.959964 + 0.841621 = 2.801585
    binary, control risk p1, relative risk reduction RRR (0.25), p2 = p1 (1 - RRR):
        n per group = ceil(z² [p1 (1 - p1) + p2 (1 - p2)] / (p1 - p2)²)
        OIS events  = ceil(n (p1 + p2))            (compared with the observed events)
    continuous, effect d = 0.2 SD:
        n per group = ceil(2 z² / d²) = ceil(392.4) = 393
        OIS participants = 2 n = 786              (compared with the participants)

Absolute effects per 1,000 from an assumed control risk cr (rounded half up)::

    RR: risk with intervention = cr × RR
    OR: risk with intervention = OR × cr / (1 - cr + OR × cr)
    RD: risk with intervention = cr + RD
    HR: risk with intervention = 1 - (1 - cr)^HR        (GRADE guidance 27)
    difference = round(1000 × risk with intervention) - round(1000 × cr)

Sources: Schünemann H, Brożek J, Guyatt G, Oxman A (eds). GRADE Handbook, 2013,
sections 5.1 (start), 5.2.1-5.2.5 (the five domains) and 5.3 (upgrading); the GRADE
guidelines series in J Clin Epidemiol 2011;64: 3 (Balshem et al., 401-406),
4 risk of bias (Guyatt et al., 407-415), 5 publication bias (1277-1282),
6 imprecision (1283-1293), 7 inconsistency (1294-1302), 8 indirectness (1303-1310),
9 rating up (1311-1316).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from synthesis.errors import SynthError
from synthesis.records.judgements import (  # re-exported: the judgements' home is records
    DOMAINS,
    MISSING_REASON,
    REVIEWER_FIELDS,
    UPGRADES,
    DomainRating,
    ReviewerJudgements,
    UpgradeRating,
    _is_number,
    check_grade_config,
    check_reviewer,
)
from synthesis.special import ndtri

__all__ = [
    "DOMAINS",
    "MISSING_REASON",
    "REVIEWER_FIELDS",
    "UPGRADES",
    "DomainRating",
    "GradeReport",
    "GradeResult",
    "NotGraded",
    "ReviewerJudgements",
    "UpgradeRating",
    "absolute_effect",
    "check_grade_config",
    "check_reviewer",
    "grade_outcome",
    "grade_pooled",
    "grade_review",
]

# ---------------------------------------------------------------------------
# Scales, names and thresholds

CERTAINTY_LEVELS: tuple[str, ...] = ("very low", "low", "moderate", "high")
SYMBOLS: dict[str, str] = {
    "high": "\u2295\u2295\u2295\u2295",
    "moderate": "\u2295\u2295\u2295\u25ef",
    "low": "\u2295\u2295\u25ef\u25ef",
    "very low": "\u2295\u25ef\u25ef\u25ef",
}
LABELS: dict[str, str] = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
    "large_effect": "Large effect",
    "dose_response": "Dose-response gradient",
    "confounding": "Plausible confounding",
}
MEASURE_KINDS: tuple[str, ...] = ("binary", "continuous", "proportion", "time-to-event", "other")
RATIO_MEASURES: tuple[str, ...] = ("RR", "OR", "HR")
ABSOLUTE_MEASURES: tuple[str, ...] = ("RR", "OR", "RD", "HR")
ROB_GRADE_LEVELS: tuple[str, ...] = ("low", "some concerns", "high", "critical")

ROB_CRITICAL_SHARE = 50.0  # % of pooled weight at critical risk: above -> 2 levels
ROB_HIGH_SHARE = 50.0  # % of pooled weight at high or critical risk: above -> 1 level
I2_SERIOUS = 50.0  # I² above -> 1 level
I2_VERY_SERIOUS = 75.0  # I² above -> 2 levels
SUBGROUP_P = 0.10  # test for subgroup differences below -> at least 1 level
BIAS_MIN_K = 10  # fewer studies: publication bias not assessed
BIAS_P = 0.10  # small-study test below -> 1 level
APPRECIABLE_RATIO = (0.75, 1.25)  # GRADE 6: appreciable benefit / harm for RR, OR, HR
OIS_ALPHA = 0.05
OIS_BETA = 0.20
OIS_RRR = 0.25
OIS_SMD = 0.2
LARGE_RATIO = 2.0  # RR > 2 or < 1/2: up 1
VERY_LARGE_RATIO = 5.0  # RR > 5 or < 1/5: up 2
PER = 1000

SOURCES: dict[str, str] = {
    "handbook": (
        "Schünemann H, Brożek J, Guyatt G, Oxman A (eds). GRADE Handbook for grading the "
        "quality of evidence and the strength of recommendations. Updated October 2013"
    ),
    "grade3": "Balshem H et al. GRADE guidelines 3: rating the quality of evidence. "
    "J Clin Epidemiol 2011;64(4):401-406",
    "grade4": "Guyatt GH et al. GRADE guidelines 4: rating the quality of evidence - study "
    "limitations (risk of bias). J Clin Epidemiol 2011;64(4):407-415",
    "grade5": "Guyatt GH et al. GRADE guidelines 5: rating the quality of evidence - "
    "publication bias. J Clin Epidemiol 2011;64(12):1277-1282",
    "grade6": "Guyatt GH et al. GRADE guidelines 6: rating the quality of evidence - "
    "imprecision. J Clin Epidemiol 2011;64(12):1283-1293",
    "grade7": "Guyatt GH et al. GRADE guidelines 7: rating the quality of evidence - "
    "inconsistency. J Clin Epidemiol 2011;64(12):1294-1302",
    "grade8": "Guyatt GH et al. GRADE guidelines 8: rating the quality of evidence - "
    "indirectness. J Clin Epidemiol 2011;64(12):1303-1310",
    "grade9": "Guyatt GH et al. GRADE guidelines 9: rating up the quality of evidence. "
    "J Clin Epidemiol 2011;64(12):1311-1316",
    "grade18": "Schünemann HJ et al. GRADE guidelines 18: how ROBINS-I and other tools to "
    "assess risk of bias in nonrandomized studies should be used to rate the certainty of a "
    "body of evidence. J Clin Epidemiol 2019;111:105-114",
    "grade27": "Skoetz N et al. GRADE guidelines 27: how to calculate absolute effects for "
    "time-to-event outcomes in summary of findings tables and Evidence Profiles. "
    "J Clin Epidemiol 2020;118:124-131",
    "sterne2011": "Sterne JAC et al. Recommendations for examining and interpreting funnel "
    "plot asymmetry in meta-analyses of randomised controlled trials. BMJ 2011;343:d4002",
    "egger1997": "Egger M et al. Bias in meta-analysis detected by a simple, graphical test. "
    "BMJ 1997;315:629-634",
}


@dataclass(frozen=True)
class Rule:
    """One GRADE rule as synth applies it (printed in the README and ``synth grade`` docs)."""

    domain: str
    when: str
    change: str  # "start high", "-1", "+2", "not assessed", ...
    source: str


def _pct(x: float) -> str:
    text = f"{x:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


RULES: tuple[Rule, ...] = (
    Rule("start", "every study is randomized", "start high", "Handbook 5.1; GRADE 3"),
    Rule(
        "start",
        "any study is non-randomized, or a design does not say (unclear, said so)",
        "start low",
        "Handbook 5.1; GRADE 3",
    ),
    Rule(
        "risk_of_bias",
        f"more than {_pct(ROB_CRITICAL_SHARE)} of the pooled weight from studies at critical risk",
        "-2",
        "Handbook 5.2.1; GRADE 4",
    ),
    Rule(
        "risk_of_bias",
        f"more than {_pct(ROB_HIGH_SHARE)} of the pooled weight from studies at high "
        "(ROBINS-I serious, NOS poor) or critical risk",
        "-1",
        "Handbook 5.2.1; GRADE 4",
    ),
    Rule("risk_of_bias", "no study has a risk-of-bias record", "not assessed", "GRADE 4"),
    Rule("inconsistency", f"I² > {_pct(I2_VERY_SERIOUS)}", "-2", "Handbook 5.2.2; GRADE 7"),
    Rule("inconsistency", f"I² > {_pct(I2_SERIOUS)}", "-1", "Handbook 5.2.2; GRADE 7"),
    Rule(
        "inconsistency",
        "the prediction interval lies on one side of the null and of every threshold",
        "one level less",
        "GRADE 7 (differences in size, not direction)",
    ),
    Rule(
        "inconsistency",
        f"the test for subgroup differences has p < {SUBGROUP_P:g}",
        "at least -1",
        "GRADE 7 (a subgroup effect: present the subgroups)",
    ),
    Rule("inconsistency", "a single study", "not assessed", "GRADE 7"),
    Rule("inconsistency", "no I² (pooled medians)", "not assessed", "GRADE 7"),
    Rule(
        "imprecision",
        "the CI (at --level, 95% by default) includes the null or a decision threshold",
        "-1",
        "Handbook 5.2.4; GRADE 6",
    ),
    Rule(
        "imprecision",
        "the CI (at --level, 95% by default) includes appreciable benefit and appreciable "
        "harm (ratios: below "
        f"{APPRECIABLE_RATIO[0]:g} and above {APPRECIABLE_RATIO[1]:g} unless thresholds are given)",
        "-2",
        "GRADE 6",
    ),
    Rule(
        "imprecision",
        f"events (binary: alpha {OIS_ALPHA:g}, power {1 - OIS_BETA:g}, RRR {OIS_RRR:g}) or "
        f"participants (continuous: {OIS_SMD:g} SD) below the optimal information size",
        "-1 more (at most -2)",
        "Handbook 5.2.4.1; GRADE 6",
    ),
    Rule(
        "publication_bias",
        f"k >= {BIAS_MIN_K} and a small-study test (Egger, ...) has p < {BIAS_P:g}",
        "-1",
        "Handbook 5.2.5; GRADE 5; Egger 1997",
    ),
    Rule(
        "publication_bias",
        f"k < {BIAS_MIN_K} studies",
        "not assessed",
        "Sterne 2011 (too few studies for the tests)",
    ),
    Rule("indirectness", "always, unless the reviewer judges it", "not assessed", "GRADE 8"),
    Rule(
        "large_effect",
        f"non-randomized, no downgrade, k >= 2, CI excludes the null and RR > {LARGE_RATIO:g} "
        f"or < {1 / LARGE_RATIO:g}",
        "+1",
        "Handbook 5.3; GRADE 9",
    ),
    Rule(
        "large_effect",
        f"as above with RR > {VERY_LARGE_RATIO:g} or < {1 / VERY_LARGE_RATIO:g}",
        "+2",
        "Handbook 5.3; GRADE 9",
    ),
    Rule("dose_response", "only the reviewer's judgement", "not assessed", "GRADE 9"),
    Rule("confounding", "only the reviewer's judgement", "not assessed", "GRADE 9"),
    Rule(
        "reviewer",
        "a judgement in synth.yaml with its reason",
        "replaces synth's suggestion",
        "GRADE Handbook 5.2",
    ),
)


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class OptimalInformationSize:
    kind: str  # "events" | "participants"
    required: int
    per_group: int
    observed: int | None
    inputs: str  # the assumptions in words

    @property
    def met(self) -> bool | None:
        return None if self.observed is None else self.observed >= self.required

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "required": self.required,
            "per_group": self.per_group,
            "observed": self.observed,
            "met": self.met,
            "inputs": self.inputs,
        }


@dataclass(frozen=True)
class AbsoluteEffect:
    """Risks per 1,000 with the control and the intervention, and their difference."""

    measure: str
    control_risk: float  # the assumed risk, as a proportion
    per: int
    control: int
    intervention: int
    difference: int
    ci_low: int | None  # of the difference
    ci_high: int | None
    intervention_ci_low: int | None
    intervention_ci_high: int | None
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "per": self.per,
            "control": self.control,
            "intervention": self.intervention,
            "difference": self.difference,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "intervention_ci_low": self.intervention_ci_low,
            "intervention_ci_high": self.intervention_ci_high,
            "control_risk": self.control_risk,
            "measure": self.measure,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class GradeResult:
    """The GRADE assessment of one outcome (contract section 7's JSON object)."""

    outcome: str | None
    measure: str | None
    k: int
    studies: int
    participants: int | None
    events: int | None
    design: str  # "randomized" | "observational" | "unclear"
    start: str  # "high" | "low"
    start_reason: str
    start_by: str
    domains: Mapping[str, DomainRating]
    upgrades: Mapping[str, UpgradeRating]
    certainty: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    absolute: AbsoluteEffect | None
    control_risk_source: str | None
    ois: OptimalInformationSize | None
    warnings: tuple[str, ...] = field(default=())
    level: float = 0.95  # the confidence level of ci_low/ci_high (and of the reasons)

    @property
    def symbols(self) -> str:
        return SYMBOLS[self.certainty]

    @property
    def total_downgrade(self) -> int:
        return sum(d.downgrade for d in self.domains.values())

    @property
    def total_upgrade(self) -> int:
        return sum(u.upgrade for u in self.upgrades.values())

    def to_dict(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "outcome": self.outcome,
            "measure": self.measure,
            "k": self.k,
            "studies": self.studies,
            "participants": self.participants,
            "events": self.events,
            "design": self.design,
            "start": self.start,
            "start_reason": self.start_reason,
            "start_by": self.start_by,
            "domains": {name: self.domains[name].to_dict() for name in DOMAINS},
            "upgrades": {name: self.upgrades[name].to_dict() for name in UPGRADES},
            "certainty": self.certainty,
            "certainty_symbols": self.symbols,
            "level": self.level,
            "estimate": num(self.estimate),
            "ci_low": num(self.ci_low),
            "ci_high": num(self.ci_high),
            "absolute": None if self.absolute is None else self.absolute.to_dict(),
            "control_risk_source": self.control_risk_source,
            "ois": None if self.ois is None else self.ois.to_dict(),
            "warnings": list(self.warnings),
        }

    def to_frame(self):  # -> pandas.DataFrame, one row per domain and upgrade
        import pandas as pd

        rows = [
            {"outcome": self.outcome, "part": "domain", "name": n, **self.domains[n].to_dict()}
            for n in DOMAINS
        ] + [
            {"outcome": self.outcome, "part": "upgrade", "name": n, **self.upgrades[n].to_dict()}
            for n in UPGRADES
        ]
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# The reviewer's judgements (synth.yaml ``grade:``)


def _as_reviewer(reviewer: Mapping[str, Any] | ReviewerJudgements | None) -> ReviewerJudgements:
    if reviewer is None:
        return ReviewerJudgements()
    if isinstance(reviewer, ReviewerJudgements):
        return reviewer
    checked, problems = check_reviewer(value=reviewer, line_of=lambda _f: None, path="synth.yaml")
    if checked is None:
        raise SynthError("; ".join(f"{p.field}: {p.message}" for p in problems))
    return checked


# ---------------------------------------------------------------------------
# Design


RANDOMIZED_WORDS = ("rct", "randomized", "randomised", "random allocation")
NON_RANDOMIZED_WORDS = (
    "non-randomized",
    "non-randomised",
    "nonrandomized",
    "nonrandomised",
    "retrospective",
    "prospective",
    "cohort",
    "registry",
    "case",
    "observational",
    "single-arm",
    "single arm",
    "cross-sectional",
    "before-after",
    "uncontrolled",
    "pilot",
    "phase 1",
    "phase 2",
    "phase i",
    "phase ii",
)


def classify_design(design: str | None) -> str | None:
    """``"randomized"``, ``"non-randomized"`` or None (unclear) from a record's design text."""
    if not design:
        return None
    text = " ".join(design.lower().replace("_", " ").split())
    if any(w in text for w in NON_RANDOMIZED_WORDS[:4]):
        return "non-randomized"
    if any(w in text for w in RANDOMIZED_WORDS):
        return "randomized"
    if any(w in text for w in NON_RANDOMIZED_WORDS):
        return "non-randomized"
    return None


def design_is_randomized(designs: Sequence[str | None]) -> bool | None:
    """True if every design is randomized, False if any is not (and all are known),
    None when a design is missing or not recognised (GRADE then starts low, said so).
    """
    kinds = [classify_design(d) for d in designs]
    if not kinds or any(k is None for k in kinds):
        return None
    return all(k == "randomized" for k in kinds)


# ---------------------------------------------------------------------------
# Arithmetic: OIS and absolute effects


def ois_binary(
    *,
    control_risk: float,
    rrr: float = OIS_RRR,
    alpha: float = OIS_ALPHA,
    beta: float = OIS_BETA,
    observed: int | None = None,
) -> OptimalInformationSize:
    """The OIS in events for a binary outcome (see the module docstring for the formula)."""
    if not 0 < control_risk < 1:
        raise ValueError(f"control risk must lie between 0 and 1, got {control_risk}")
    if not 0 < rrr < 1:
        raise ValueError(f"relative risk reduction must lie between 0 and 1, got {rrr}")
    z = float(ndtri(1 - alpha / 2) + ndtri(1 - beta))
    p1 = control_risk
    p2 = p1 * (1 - rrr)
    n = math.ceil(z * z * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2 - 1e-9)
    events = math.ceil(n * (p1 + p2) - 1e-9)
    inputs = (
        f"control risk {_pct(100 * p1)}, relative risk reduction {_pct(100 * rrr)}, "
        f"alpha {alpha:g}, power {1 - beta:g}"
    )
    return OptimalInformationSize("events", events, n, observed, inputs)


def ois_continuous(
    *,
    smd: float = OIS_SMD,
    alpha: float = OIS_ALPHA,
    beta: float = OIS_BETA,
    observed: int | None = None,
) -> OptimalInformationSize:
    """The OIS in participants for a continuous outcome (effect ``smd`` SD)."""
    if not smd > 0:
        raise ValueError(f"the effect size must be positive, got {smd}")
    z = float(ndtri(1 - alpha / 2) + ndtri(1 - beta))
    n = math.ceil(2 * z * z / smd**2 - 1e-9)
    inputs = f"effect {smd:g} SD, alpha {alpha:g}, power {1 - beta:g}"
    return OptimalInformationSize("participants", 2 * n, n, observed, inputs)


def round_half_up(x: float) -> int:
    """Round to the nearest whole number, halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    y = round(abs(x), 9)  # 449.99999999999994 -> 450.0 before the half test
    return int(math.copysign(math.floor(y + 0.5), x))


def absolute_effect(
    *,
    measure: str,
    estimate: float,
    ci_low: float | None,
    ci_high: float | None,
    control_risk: float,
) -> AbsoluteEffect:
    """Risks per 1,000 for an assumed control risk (RR, OR, RD; HR as GRADE 27).

    RR: cr × RR;  OR: OR × cr / (1 - cr + OR × cr);  RD: cr + RD;  HR: 1 - (1 - cr)^HR.
    Each risk is rounded to a whole number per 1,000 (halves up); the difference is
    the rounded intervention risk minus the rounded control risk, so the table adds up.
    """
    measure = measure.upper()
    if measure not in ABSOLUTE_MEASURES:
        raise ValueError(f"absolute effects need {', '.join(ABSOLUTE_MEASURES)}, not {measure}")
    if not 0 < control_risk < 1:
        raise ValueError(f"control risk must lie between 0 and 1, got {control_risk}")
    cr = float(control_risk)
    warnings: list[str] = []

    def risk(value: float) -> float:
        if measure == "RR":
            r = cr * value
        elif measure == "OR":
            r = value * cr / (1 - cr + value * cr)
        elif measure == "HR":
            r = 1 - (1 - cr) ** value
        else:
            r = cr + value
        if r > 1 or r < 0:
            clipped = min(1.0, max(0.0, r))
            warnings.append(
                f"{measure} {value:g} with a control risk of {cr:g} gives a risk of {r:g}, "
                f"outside 0-1; shown as {clipped:g}"
            )
            r = clipped
        return r

    control = round_half_up(PER * cr)
    intervention = round_half_up(PER * risk(estimate))
    lo_i = hi_i = None
    if ci_low is not None and ci_high is not None:
        a, b = sorted((ci_low, ci_high))
        lo_i, hi_i = round_half_up(PER * risk(a)), round_half_up(PER * risk(b))
        lo_i, hi_i = min(lo_i, hi_i), max(lo_i, hi_i)
    return AbsoluteEffect(
        measure=measure,
        control_risk=cr,
        per=PER,
        control=control,
        intervention=intervention,
        difference=intervention - control,
        ci_low=None if lo_i is None else lo_i - control,
        ci_high=None if hi_i is None else hi_i - control,
        intervention_ci_low=lo_i,
        intervention_ci_high=hi_i,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def median_control_risk(*, events: Sequence[float], totals: Sequence[float]) -> float | None:
    """The median of the control arms' risks events/total (None without a usable arm)."""
    risks = [e / t for e, t in zip(events, totals, strict=True) if t and t > 0]
    return float(median(risks)) if risks else None


# ---------------------------------------------------------------------------
# The domains


def _num(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if abs(x) < 0.01 else f"{x:.2f}"


def _interval(lo: float, hi: float) -> str:
    return f"{_num(lo)} to {_num(hi)}"


def _risk_of_bias(
    weights: Sequence[float] | None, levels: Sequence[str | None] | None
) -> tuple[DomainRating, float]:
    """The risk-of-bias domain and the share of weight without an assessment."""
    levels = list(levels or [])
    if not levels or all(lv is None for lv in levels):
        return (
            DomainRating(
                0,
                "not assessed: no study of this outcome has a risk-of-bias record "
                "(GRADE 4); add risk_of_bias to the study records",
                assessed=False,
            ),
            100.0,
        )
    for lv in levels:
        if lv is not None and lv not in ROB_GRADE_LEVELS:
            raise ValueError(
                f"risk-of-bias level '{lv}' is not on GRADE's scale "
                f"({', '.join(ROB_GRADE_LEVELS)}); map the tool's level first"
            )
    w = [1.0] * len(levels) if weights is None else [float(x) for x in weights]
    if len(w) != len(levels):
        raise ValueError(f"{len(w)} weights for {len(levels)} risk-of-bias levels")
    total = sum(w)
    if not total > 0:
        w, total = [1.0] * len(levels), float(len(levels))
    share = {
        key: 100 * sum(x for x, lv in zip(w, levels, strict=True) if lv == key) / total
        for key in (*ROB_GRADE_LEVELS, None)
    }
    high = share["high"] + share["critical"]
    parts = ", ".join(
        f"{name} {_pct(share[key])}"
        for key, name in (
            ("low", "low"),
            ("some concerns", "some concerns"),
            ("high", "high"),
            ("critical", "critical"),
            (None, "not assessed or no information"),
        )
        if share[key] > 0
    )
    if share["critical"] > ROB_CRITICAL_SHARE:
        n = 2
        why = (
            f"{_pct(share['critical'])} of the pooled weight comes from studies at critical "
            f"risk of bias (more than {_pct(ROB_CRITICAL_SHARE)})"
        )
    elif high > ROB_HIGH_SHARE:
        n = 1
        why = (
            f"{_pct(high)} of the pooled weight comes from studies at high or critical risk "
            f"of bias (more than {_pct(ROB_HIGH_SHARE)})"
        )
    else:
        n = 0
        why = (
            f"{_pct(high)} of the pooled weight comes from studies at high or critical risk "
            f"of bias ({_pct(ROB_HIGH_SHARE)} or less)"
        )
    return DomainRating(n, f"{why}; weight by risk of bias: {parts}"), share[None]


def _thresholds(threshold: float | Sequence[float] | None) -> tuple[float, ...]:
    if threshold is None:
        return ()
    if isinstance(threshold, (int, float)):
        return (float(threshold),)
    return tuple(float(t) for t in threshold)


def _inconsistency(
    *,
    k: int,
    i2: float | None,
    pi: tuple[float | None, float | None] | None,
    null: float | None,
    thresholds: tuple[float, ...],
    subgroup_test: Mapping[str, Any] | None,
) -> DomainRating:
    if k < 2:
        return DomainRating(
            0,
            "not assessed: a single study, so consistency across studies cannot be judged "
            "(GRADE 7)",
            assessed=False,
        )
    if i2 is None:
        return DomainRating(
            0,
            f"not assessed: the analysis of {k} studies has no I² (pooled medians have no "
            "heterogeneity statistic); compare the studies' estimates, or judge inconsistency "
            "in synth.yaml (GRADE 7)",
            assessed=False,
        )
    if i2 > I2_VERY_SERIOUS:
        n = 2
        why = f"I² = {_pct(i2)} (more than {_pct(I2_VERY_SERIOUS)}: considerable heterogeneity)"
    elif i2 > I2_SERIOUS:
        n = 1
        why = f"I² = {_pct(i2)} (more than {_pct(I2_SERIOUS)}: substantial heterogeneity)"
    else:
        n = 0
        why = f"I² = {_pct(i2)} ({_pct(I2_SERIOUS)} or less)"
    refs = [r for r in (null, *thresholds) if r is not None]
    lo, hi = pi if pi is not None else (None, None)
    if lo is not None and hi is not None:
        crossed = [r for r in refs if lo <= r <= hi]
        if not refs:
            if n:
                why += (
                    f"; the prediction interval ({_interval(lo, hi)}) has no null or "
                    "threshold to be compared with"
                )
        elif crossed:
            what = "the null" if null is not None and null in crossed else "a threshold"
            why += (
                f"; the prediction interval ({_interval(lo, hi)}) includes {what} "
                f"({_num(crossed[0])}): studies may differ in direction"
            )
        elif n:
            n -= 1
            why += (
                f"; the prediction interval ({_interval(lo, hi)}) lies on one side of the null "
                "and of every threshold: the studies differ in the size of the effect, not in "
                "its direction, so one level less"
            )
    if subgroup_test is not None:
        p = subgroup_test.get("p")
        by = subgroup_test.get("by")
        named = f" by {by}" if by else ""
        if p is not None and p < SUBGROUP_P:
            if n == 0:
                n = 1
            why += (
                f"; the test for subgroup differences{named} has p = {p:.3g} "
                f"(< {SUBGROUP_P:g}): the effect differs between subgroups, present them "
                "separately if the subgroup effect is credible (GRADE 7)"
            )
        elif p is not None:
            why += (
                f"; the test for subgroup differences{named} has p = {p:.3g} "
                f"({SUBGROUP_P:g} or more): the subgroups do not explain the heterogeneity"
            )
    return DomainRating(n, why)


def _imprecision(
    *,
    ci: tuple[float, float] | None,
    null: float | None,
    thresholds: tuple[float, ...],
    ratio: bool,
    ois: OptimalInformationSize | None,
    ois_note: str,
    level: float = 0.95,
) -> DomainRating:
    the_ci = f"the {_ci_name(level)}"
    parts: list[str] = []
    ci_part = 0
    assessable = False
    if ci is not None and ci[0] is not None and ci[1] is not None:
        lo, hi = sorted(ci)
        refs = [r for r in (null, *thresholds) if r is not None]
        if refs:
            assessable = True
            crossed_null = null is not None and lo <= null <= hi
            crossed = [t for t in thresholds if lo <= t <= hi]
            if crossed_null:
                ci_part = 1
                parts.append(f"{the_ci} ({_interval(lo, hi)}) includes the null ({_num(null)})")
            if crossed:
                ci_part = 1
                parts.append(
                    f"{the_ci} ({_interval(lo, hi)}) includes the decision threshold "
                    f"{_num(crossed[0])}"
                )
            if not ci_part:
                parts.append(
                    f"{the_ci} ({_interval(lo, hi)}) excludes the null"
                    + (" and every decision threshold" if thresholds else "")
                )
            # Appreciable benefit and appreciable harm: below the lower and above the upper
            # threshold around the null (ratios: 0.75 and 1.25 unless thresholds are given).
            if null is not None:
                below = [t for t in thresholds if t < null]
                above = [t for t in thresholds if t > null]
                if ratio and not below:
                    below = [APPRECIABLE_RATIO[0]]
                if ratio and not above:
                    above = [APPRECIABLE_RATIO[1]]
                if below and above and lo < max(below) and hi > min(above):
                    ci_part = 2
                    parts.append(
                        f"it includes appreciable benefit and appreciable harm (below "
                        f"{_num(max(below))} and above {_num(min(above))}; GRADE 6)"
                    )
    ois_part = 0
    if ois is not None and ois.observed is not None:
        assessable = True
        unit = ois.kind
        if ois.met:
            parts.append(
                f"{ois.observed} {unit} reach the optimal information size of "
                f"{ois.required} {unit} ({ois.inputs})"
            )
        else:
            ois_part = 1
            parts.append(
                f"{ois.observed} {unit} fall short of the optimal information size of "
                f"{ois.required} {unit} ({ois.inputs})"
            )
    elif ois_note:
        parts.append(ois_note)
    if not assessable:
        return DomainRating(
            0,
            "not assessed: "
            + "; ".join(
                [
                    "no null effect or decision threshold to compare the CI with "
                    "(set threshold in synth.yaml)",
                    *parts,
                ]
            ),
            assessed=False,
        )
    n = min(2, ci_part + ois_part)
    return DomainRating(n, "; ".join(parts))


def _publication_bias(
    k: int, bias_tests: Mapping[str, Any] | None, studies: int | None = None
) -> DomainRating:
    if k < BIAS_MIN_K:
        # k counts rows; arms of one study are rows of their own (QA2 2)
        if studies is not None and studies != k:
            count = f"k = {k} rows ({studies} {'study' if studies == 1 else 'studies'})"
        else:
            count = f"{k} {'study' if k == 1 else 'studies'}"
        return DomainRating(
            0,
            f"not assessed: {count}, fewer than the "
            f"{BIAS_MIN_K} that funnel-plot asymmetry tests need (Sterne et al. BMJ 2011)",
            assessed=False,
        )
    tests: list[tuple[str, float]] = []
    for name, value in (bias_tests or {}).items():
        p = value
        if isinstance(value, Mapping):
            p = next((value[k_] for k_ in ("p", "p_value", "pval") if k_ in value), None)
        if _is_number(p):
            tests.append((str(name), float(p)))
    if not tests:
        return DomainRating(
            0,
            f"not assessed: k = {k} but no small-study test was given (run synth bias)",
            assessed=False,
        )
    shown = ", ".join(f"{name} p = {p:.3g}" for name, p in tests)
    if any(p < BIAS_P for _, p in tests):
        return DomainRating(
            1,
            f"funnel-plot asymmetry: {shown} (below {BIAS_P:g}), small-study effects suggest "
            "publication bias (GRADE 5)",
        )
    return DomainRating(
        0,
        f"no funnel-plot asymmetry detected ({shown}, each {BIAS_P:g} or more); a test "
        "that finds none does not rule publication bias out",
    )


INDIRECTNESS_NOT_ASSESSED = (
    "not assessed: population, intervention, comparator and outcome are the reviewer's "
    "judgement, not the data's (GRADE 8); give indirectness in synth.yaml"
)


def _ci_name(level: float) -> str:
    """'95% CI', '90% CI': the interval as the reasons name it (follows --level)."""
    return f"{100 * level:g}% CI"


def _large_effect(
    *,
    start: str,
    downgraded: list[str],
    measure: str | None,
    estimate: float | None,
    ci: tuple[float, float] | None,
    null: float | None,
    k: int,
    level: float = 0.95,
) -> UpgradeRating:
    if start == "high":
        return UpgradeRating(
            0,
            "not considered: randomized evidence starts at high; GRADE 9 rates up "
            "non-randomized evidence",
            assessed=False,
        )
    if downgraded:
        return UpgradeRating(
            0,
            "not considered: the evidence is rated down for "
            + ", ".join(LABELS[d].lower() for d in downgraded)
            + "; GRADE 9 rates up only evidence with no reason to rate down",
            assessed=False,
        )
    if measure not in RATIO_MEASURES or estimate is None or not estimate > 0:
        return UpgradeRating(
            0,
            "not assessed: a large effect is judged on a ratio (RR, OR or HR)",
            assessed=False,
        )
    if k < 2:
        return UpgradeRating(
            0, "not considered: a single study (GRADE 9 asks for at least two)", assessed=False
        )
    if ci is not None and None not in ci and null is not None and min(ci) <= null <= max(ci):
        return UpgradeRating(
            0, f"not large: the {_ci_name(level)} includes the null ({_num(null)})"
        )
    size = estimate if estimate >= 1 else 1 / estimate
    shown = f"{measure} = {_num(estimate)}"
    if size > VERY_LARGE_RATIO:
        return UpgradeRating(
            2,
            f"{shown}: a very large effect (above {VERY_LARGE_RATIO:g} or below "
            f"{1 / VERY_LARGE_RATIO:g}; GRADE 9)",
        )
    if size > LARGE_RATIO:
        return UpgradeRating(
            1,
            f"{shown}: a large effect (above {LARGE_RATIO:g} or below {1 / LARGE_RATIO:g}; "
            "GRADE 9)",
        )
    return UpgradeRating(0, f"{shown}: not large (between {1 / LARGE_RATIO:g} and {LARGE_RATIO:g})")


# ---------------------------------------------------------------------------
# The outcome


def grade_outcome(
    *,
    design_randomized: bool | None,
    weights_pct: Sequence[float] | None,
    rob_levels: Sequence[str | None] | None,
    i2: float | None,
    pi: tuple[float | None, float | None] | None,
    ci: tuple[float, float] | None,
    null: float | None,
    threshold: float | Sequence[float] | None,
    measure_kind: str,
    events: int | None,
    participants: int | None,
    ois_inputs: Mapping[str, float] | None,
    bias_tests: Mapping[str, Any] | None,
    k: int,
    reviewer: Mapping[str, Any] | ReviewerJudgements | None,
    outcome: str | None = None,
    measure: str | None = None,
    estimate: float | None = None,
    studies: int | None = None,
    control_risk: float | None = None,
    control_risk_source: str | None = None,
    subgroup_test: Mapping[str, Any] | None = None,
    rob_tools: Sequence[str | None] | None = None,
    level: float = 0.95,
) -> GradeResult:
    """GRADE one outcome from plain inputs; the reviewer's judgements win where given.

    ``ci``, ``pi``, ``null``, ``threshold`` and ``estimate`` are on the reporting scale
    (RR, not log RR); ``ci`` is a ``level`` confidence interval (the reasons name that
    level).  ``weights_pct`` and ``rob_levels`` run over the pooled studies
    (levels on GRADE's scale: low / some concerns / high / critical, None = none).
    ``measure_kind``: binary | continuous | proportion | time-to-event | other.
    ``ois_inputs`` may set control_risk, rrr, alpha, beta (binary) or smd, alpha, beta
    (continuous).  ``bias_tests``: test name -> p value (or a mapping with ``p``).
    ``subgroup_test``: ``{"by": "disease", "p": 0.03}``.  ``reviewer``: the outcome's
    ``synth.yaml`` mapping (checked here; a bad one raises :class:`SynthError`).
    """
    if measure_kind not in MEASURE_KINDS:
        raise ValueError(f"measure_kind must be one of {', '.join(MEASURE_KINDS)}")
    judged = _as_reviewer(reviewer)
    warnings: list[str] = []
    thresholds = judged.threshold if judged.threshold is not None else _thresholds(threshold)
    measure_u = measure.upper() if measure else None
    ratio = measure_u in RATIO_MEASURES or (measure_u is None and measure_kind == "time-to-event")

    # Start.
    if design_randomized is True:
        design, start = "randomized", "high"
        start_reason = "randomized trials start at high certainty (GRADE Handbook 5.1)"
    elif design_randomized is False:
        design, start = "observational", "low"
        start_reason = "non-randomized studies start at low certainty (GRADE Handbook 5.1)"
    else:
        design, start = "unclear", "low"
        start_reason = (
            "unclear design: the records do not say that every study is randomized, so the "
            "evidence starts at low certainty as non-randomized evidence does; say the design "
            "on each record"
        )
        warnings.append(start_reason)
    start_by = "synth"
    if judged.start is not None:
        start, start_reason, start_by = judged.start[0], judged.start[1], "reviewer"

    # Control risk: the reviewer's, else the caller's (e.g. median control arm).
    cr_source = control_risk_source
    if judged.control_risk is not None:
        control_risk, cr_source = judged.control_risk, "reviewer (synth.yaml control_risk)"
    elif control_risk is not None and cr_source is None:
        cr_source = "given"

    # Optimal information size.
    ois: OptimalInformationSize | None = None
    ois_note = ""
    opts = dict(ois_inputs or {})
    if measure_kind == "binary":
        cr_ois = opts.get("control_risk", control_risk)
        if cr_ois is None:
            ois_note = "optimal information size not computed: no control risk"
        else:
            ois = ois_binary(
                control_risk=float(cr_ois),
                rrr=float(opts.get("rrr", OIS_RRR)),
                alpha=float(opts.get("alpha", OIS_ALPHA)),
                beta=float(opts.get("beta", OIS_BETA)),
                observed=events,
            )
            if events is None:
                ois_note = f"optimal information size {ois.required} events; events not known"
    elif measure_kind == "continuous":
        ois = ois_continuous(
            smd=float(opts.get("smd", OIS_SMD)),
            alpha=float(opts.get("alpha", OIS_ALPHA)),
            beta=float(opts.get("beta", OIS_BETA)),
            observed=participants,
        )
        if participants is None:
            ois_note = (
                f"optimal information size {ois.required} participants; participants not known"
            )
    else:
        ois_note = f"no optimal information size is defined for a {measure_kind} outcome"

    rob, unassessed = _risk_of_bias(weights_pct, rob_levels)
    if rob.assessed and unassessed > 0:
        warnings.append(
            f"{_pct(unassessed)} of the pooled weight comes from studies without a "
            "risk-of-bias judgement"
        )
    suggested: dict[str, DomainRating] = {
        "risk_of_bias": rob,
        "inconsistency": _inconsistency(
            k=k, i2=i2, pi=pi, null=null, thresholds=thresholds, subgroup_test=subgroup_test
        ),
        "indirectness": DomainRating(0, INDIRECTNESS_NOT_ASSESSED, assessed=False),
        "imprecision": _imprecision(
            ci=ci,
            null=null,
            thresholds=thresholds,
            ratio=ratio,
            ois=ois,
            ois_note=ois_note,
            level=level,
        ),
        "publication_bias": _publication_bias(k, bias_tests, studies),
    }
    domains = {name: judged.domains.get(name, suggested[name]) for name in DOMAINS}

    tools = {t for t in (rob_tools or ()) if t}
    if "ROBINS-I" in tools and start == "low" and domains["risk_of_bias"].downgrade > 0:
        warnings.append(
            "ROBINS-I judges confounding against a target trial; starting non-randomized "
            "evidence at low and also rating it down for ROBINS-I's serious risk may count "
            "confounding twice (GRADE 18 starts ROBINS-I evidence at high); the reviewer "
            "may set start or risk_of_bias in synth.yaml"
        )

    downgraded = [name for name in DOMAINS if domains[name].downgrade > 0]
    suggested_up: dict[str, UpgradeRating] = {
        "large_effect": _large_effect(
            start=start,
            downgraded=downgraded,
            measure=measure_u,
            estimate=estimate,
            ci=ci,
            null=null,
            k=k,
            level=level,
        ),
        "dose_response": UpgradeRating(
            0,
            "not assessed: only the reviewer can judge a dose-response gradient (GRADE 9)",
            assessed=False,
        ),
        "confounding": UpgradeRating(
            0,
            "not assessed: only the reviewer can judge that plausible confounding would "
            "reduce the effect (GRADE 9)",
            assessed=False,
        ),
    }
    upgrades = {name: judged.upgrades.get(name, suggested_up[name]) for name in UPGRADES}
    if start == "high" and any(u.upgrade > 0 and u.by == "reviewer" for u in upgrades.values()):
        warnings.append(
            "the reviewer rates up evidence that starts at high; GRADE 9 rates up "
            "non-randomized evidence"
        )

    rank = (3 if start == "high" else 1) - sum(d.downgrade for d in domains.values())
    rank += sum(u.upgrade for u in upgrades.values())
    certainty = CERTAINTY_LEVELS[min(3, max(0, rank))]

    lo_hi = sorted(ci) if ci is not None and None not in ci else None
    absolute: AbsoluteEffect | None = None
    if measure_u in ABSOLUTE_MEASURES and estimate is not None:
        if control_risk is None:
            warnings.append(
                "absolute effects not computed: no control risk (set control_risk in "
                "synth.yaml, or give control arms)"
            )
        else:
            absolute = absolute_effect(
                measure=measure_u,
                estimate=estimate,
                ci_low=lo_hi[0] if lo_hi else None,
                ci_high=lo_hi[1] if lo_hi else None,
                control_risk=control_risk,
            )
            warnings.extend(absolute.warnings)

    return GradeResult(
        outcome=outcome,
        measure=measure_u,
        k=k,
        studies=studies if studies is not None else k,
        participants=participants,
        events=events,
        design=design,
        start=start,
        start_reason=start_reason,
        start_by=start_by,
        domains=domains,
        upgrades=upgrades,
        certainty=certainty,
        estimate=estimate,
        ci_low=lo_hi[0] if lo_hi else None,
        ci_high=lo_hi[1] if lo_hi else None,
        absolute=absolute,
        control_risk_source=cr_source if absolute is not None else None,
        ois=ois,
        warnings=tuple(dict.fromkeys(warnings)),
        level=level,
    )


# ---------------------------------------------------------------------------
# From a review: pool each outcome, then grade it (``synth grade``)

#: Above this many rows the small-study tests of ``synth bias`` are run (k >= BIAS_MIN_K).
BIAS_TEST_NAMES: dict[str, str] = {
    "egger": "Egger's regression test",
    "rank_test": "rank correlation test",
}


@dataclass(frozen=True)
class NotGraded:
    """An outcome that could not be pooled, so not graded, and why."""

    outcome: str
    reason: str


@dataclass(frozen=True)
class GradeReport:
    """Every outcome of a review graded; ``to_dict()`` is contract section 7's object."""

    results: tuple[GradeResult, ...]
    pooled: tuple[Any, ...]  # the PoolResult behind each result, in the same order
    not_graded: tuple[NotGraded, ...] = ()
    warnings: tuple[str, ...] = ()  # about the review or synth.yaml, not one outcome

    def to_dict(self) -> dict[str, Any]:
        return {"outcomes": [r.to_dict() for r in self.results]}

    def result(self, outcome: str) -> GradeResult:
        for r in self.results:
            if r.outcome == outcome:
                return r
        raise KeyError(outcome)


def measure_kind(measure: str) -> str:
    """The GRADE kind of outcome a measure reports (binary, proportion, time-to-event, ...)."""
    from synthesis.measures import MEASURES

    code = measure.upper()
    if code in ("MD", "SMD"):
        return "continuous"
    m = MEASURES.get(code)
    if m is None:
        return "other"
    if m.family == "proportion":
        return "proportion"
    if m.family == "two_arm":
        return "binary"
    if code in ("HR", "MED"):
        return "time-to-event"
    return "other"


def _null_of(measure: str) -> float | None:
    from synthesis.measures import MEASURES

    code = measure.upper()
    if code in ("MD", "SMD"):
        return 0.0
    m = MEASURES.get(code)
    return None if m is None else m.null


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def grade_pooled(
    review: Any,
    result: Any,
    *,
    reviewer: ReviewerJudgements | Mapping[str, Any] | None = None,
) -> GradeResult:
    """GRADE one pooled outcome (a :class:`~synthesis.analyses.pool.PoolResult` of ``review``).

    Reads from the analysis what :func:`grade_outcome` needs: each row's pooled weight and
    its study's risk-of-bias level, I², the prediction and confidence intervals, k,
    events and participants, the small-study tests where k >= 10, the test for subgroup
    differences (a result pooled with ``by``), and the designs of the records.
    """
    judged = _as_reviewer(reviewer)
    warnings: list[str] = []
    measure = result.measure
    kind = measure_kind(measure)
    rows = list(result.studies)
    ids = list(dict.fromkeys(s.id for s in rows))
    by_id = {}
    for study_id in ids:
        try:
            by_id[study_id] = review.study(study_id)
        except KeyError:  # a result from another review: no designs, no records
            by_id[study_id] = None

    # Designs (start) and the studies that do not say.
    designs = [None if st is None else st.meta.get("design") for st in by_id.values()]
    randomized = design_is_randomized(designs)
    unclear = [sid for sid, st in by_id.items() if classify_design(designs[ids.index(sid)]) is None]
    if unclear:
        warnings.append(
            f"design missing or not recognised for {', '.join(unclear)}: add design: (rct, "
            "randomized, retrospective, prospective cohort, single-arm trial, ...) to the record"
        )

    # Risk of bias by row, weighted as pooled.
    robs = [None if by_id[s.id] is None else by_id[s.id].risk_of_bias for s in rows]
    levels = [None if r is None else r.grade_level for r in robs]
    tools = [None if r is None else r.tool for r in robs]
    weights = [0.0 if s.weight is None else float(s.weight) for s in rows]
    missing = list(dict.fromkeys(s.id for s, r in zip(rows, robs, strict=True) if r is None))
    if missing and len(missing) < len(ids):
        warnings.append(f"no risk_of_bias record: {', '.join(missing)}")

    # Events and participants.
    events: int | None = None
    control_risk: float | None = None
    cr_source: str | None = None
    counts = [e for s in rows for e in s.entries if e.kind == "binary"]
    if (
        kind in ("binary", "proportion")
        and rows
        and all(s.entries and all(e.kind == "binary" for e in s.entries) for s in rows)
    ):
        events = int(sum(e.events for e in counts))
    if kind == "binary":
        controls = [e for e in counts if e.arm_role == "control" and e.total]
        control_risk = median_control_risk(
            events=[e.events for e in controls], totals=[e.total for e in controls]
        )
        if control_risk is not None:
            n = len({e.study for e in controls})
            cr_source = (
                f"the median control-arm risk of the {_plural(n, 'study')} "
                "(no control_risk in synth.yaml)"
            )
            if not 0 < control_risk < 1:
                warnings.append(
                    f"the median control-arm risk is {control_risk:g}: absolute effects need a "
                    "risk between 0 and 1; set control_risk in synth.yaml"
                )
                control_risk, cr_source = None, None
    participants = result.participants
    if participants is None and all(st is not None and st.n is not None for st in by_id.values()):
        participants = sum(st.n for st in by_id.values()) if by_id else None

    # Small-study tests where there are enough rows (those of synth bias).
    bias_tests: dict[str, float] = {}
    if result.k >= BIAS_MIN_K and measure != "MED":
        from synthesis.analyses.bias import egger, rank_test

        for name, test in (
            ("egger", lambda: egger(yi=result.yi, vi=result.vi, level=result.level)),
            ("rank_test", lambda: rank_test(yi=result.yi, vi=result.vi)),
        ):
            out = test()
            if out:
                bias_tests[BIAS_TEST_NAMES[name]] = float(out.p_value)
            else:
                warnings.append(f"{BIAS_TEST_NAMES[name]} not run: {out.reason}")

    subgroup = None
    test = result.subgroup_test  # the overall result of pool(by=...) holds the subgroups
    by = result.subgroups[0].by if result.subgroups else None
    if by is not None and test is not None and test.p is not None:
        subgroup = {"by": by, "p": float(test.p)}

    graded = grade_outcome(
        design_randomized=randomized,
        weights_pct=weights,
        rob_levels=levels,
        i2=result.heterogeneity.I2,
        pi=(result.pi_low, result.pi_high),
        ci=None if result.ci_low is None or result.ci_high is None else (
            result.ci_low, result.ci_high
        ),
        null=_null_of(measure),
        threshold=None,
        measure_kind=kind,
        events=events,
        participants=participants,
        ois_inputs=None,
        bias_tests=bias_tests if result.k >= BIAS_MIN_K else None,
        k=result.k,
        reviewer=judged,
        outcome=result.outcome,
        measure=measure,
        estimate=result.estimate,
        studies=len(ids),
        control_risk=control_risk,
        control_risk_source=cr_source,
        subgroup_test=subgroup,
        rob_tools=tools,
        level=result.level,
    )  # fmt: skip
    imprecision = graded.domains["imprecision"]
    if not imprecision.assessed and imprecision.by == "synth":
        n = (
            "participants not known"
            if participants is None
            else _plural(participants, "participant")
        )
        warnings.append(
            f"imprecision not assessed ({n}, {_plural(len(ids), 'study')}): a {measure} "
            "estimate has no null effect to compare its CI with; give threshold: (the value "
            "that would change a decision) or imprecision: {downgrade: N, reason: ...} under "
            f"grade.{result.outcome} in synth.yaml"
        )
    from synthesis.analyses.pool import TWO_ARM_PROPORTIONS, two_arm_proportions_warning

    # pool's word on two-arm counts pooled as proportions, naming grade's ways to set RR
    pool_warnings = [
        two_arm_proportions_warning(measure, result.outcome, grade=True)
        if w.startswith(TWO_ARM_PROPORTIONS)
        else w
        for w in [*result.record_warnings, *result.warnings]
    ]
    merged = tuple(dict.fromkeys([*graded.warnings, *warnings, *pool_warnings]))
    from dataclasses import replace

    return replace(graded, warnings=merged)


def reviewer_by_outcome(
    review: Any, reviewer: Mapping[str, ReviewerJudgements | Mapping[str, Any]] | None
) -> tuple[dict[str, ReviewerJudgements], list[str]]:
    """The reviewer's judgements keyed by the review's outcome names (synonyms resolved),
    and a warning for each ``grade:`` entry that names no outcome of the review.

    ``reviewer`` None: the judgements of the synth.yaml the review was loaded with
    (``review.config.grade``, read once by ``load_review``); ``{}``: none."""
    if reviewer is None:
        config = getattr(review, "config", None)
        reviewer = config.grade if config is not None else {}
    existing = review.outcomes()
    judged: dict[str, ReviewerJudgements] = {}
    general: list[str] = []
    for name, value in (reviewer or {}).items():
        canonical = review.synonyms.canonical(str(name))
        if canonical not in existing:
            general.append(
                f"synth.yaml: grade.{name}: no study reports outcome '{name}', so these "
                f"judgements are not used{review.synonyms.closest(str(name), existing)}"
            )
            continue
        judged[canonical] = _as_reviewer(value)
    return judged, general


def grade_review(
    review: Any,
    *,
    outcomes: Sequence[str] = (),
    reviewer: Mapping[str, ReviewerJudgements | Mapping[str, Any]] | None = None,
    measure: str | None = None,
    method: str | None = None,
    ci: str = "wald",
    level: float = 0.95,
    by: str | None = None,
) -> GradeReport:
    """GRADE every outcome of ``review`` (or those named), each pooled as ``synth table`` does.

    Each outcome is pooled with :func:`synthesis.analyses.pool.pool` at its default measure
    (PLO for counts, else what most studies give; ``measure:`` under the outcome in
    ``synth.yaml``'s ``grade:`` or ``measure`` here choose another) and ``method`` where it
    applies (else the measure's default, with a warning), then graded by
    :func:`grade_pooled`.  ``reviewer`` maps outcome names (synonyms allowed) to the
    reviewer's judgements (``Config.grade``; None: ``review.config.grade``, the synth.yaml
    the review was loaded with).  With ``by``, the test for subgroup
    differences enters inconsistency.  An outcome that cannot be pooled is listed in
    ``not_graded`` with the reason; unknown outcome names raise :class:`SynthError`.
    """
    from synthesis.analyses.pool import pool
    from synthesis.measures import MEASURE_CODES, MEASURES

    existing = review.outcomes()
    names: list[str] = []
    for name in outcomes:
        wanted = review.synonyms.canonical(name)
        if wanted not in existing:
            raise review.no_outcome(name)
        if wanted not in names:
            names.append(wanted)
    if not names:
        names = list(existing)
    if measure is not None and measure.upper() not in MEASURE_CODES:
        outcome, eq, code = measure.partition("=")
        if eq and code.strip().upper() in MEASURE_CODES:
            # table/report's OUTCOME=CODE form (QA2 3): say grade's two ways
            code = code.strip().upper()
            raise SynthError(
                f"--measure {measure}: synth grade takes one code for every outcome it "
                f"grades; use --outcome {outcome.strip()} --measure {code}, or measure: "
                f"{code} under grade.{outcome.strip()} in synth.yaml"
            )
        raise SynthError(f"--measure {measure}: use one of {', '.join(MEASURE_CODES)}")
    if by is not None:
        tags = sorted({t for s in review.studies for t in s.tags})
        if by not in tags:
            from synthesis.records.schema import suggest

            raise SynthError(
                f"--by {by}: no study has a tag '{by}'{suggest(by, tags)} "
                f"(tags: {', '.join(tags) or 'none'})"
            )

    judged, general = reviewer_by_outcome(review, reviewer)

    results: list[GradeResult] = []
    pooled: list[Any] = []
    skipped: list[NotGraded] = []
    for name in names:
        mine = judged.get(name, ReviewerJudgements())
        use_measure = (measure or mine.measure or "").upper() or None
        notes: list[str] = []
        use_method, use_ci = method.upper() if method else None, ci
        if use_method is not None:
            entries = [e for e in review.entries if e.outcome == name]
            from synthesis.analyses.pool import default_measure

            code = use_measure or default_measure(entries)[0]
            valid = MEASURES[code].methods
            if use_method not in valid:
                notes.append(
                    f"--method {use_method} does not apply to {code}; used "
                    f"{MEASURES[code].default_method} (one of {', '.join(valid)})"
                )
                use_method = None
            if code == "MED" and use_ci != "wald":
                notes.append(
                    "--ci hksj does not apply to pooled medians; used the sign-test interval"
                )
                use_ci = "wald"
        try:
            result = pool(
                review,
                outcome=name,
                measure=use_measure,
                method=use_method,
                ci=use_ci,
                level=level,
                by=by,
            )
        except SynthError as exc:
            skipped.append(NotGraded(name, str(exc)))
            continue
        graded = grade_pooled(review, result, reviewer=mine)
        if notes:
            from dataclasses import replace

            graded = replace(graded, warnings=tuple(dict.fromkeys([*notes, *graded.warnings])))
        results.append(graded)
        pooled.append(result)
    return GradeReport(tuple(results), tuple(pooled), tuple(skipped), tuple(general))
