"""Normalization: synonyms, units, NR, SE from CI or p, percent -> events.

Every expected number is written out by hand next to its test; the normal
quantiles are the usual constants:

    qnorm(0.975) = 1.959963984540054   (95% CI)
    qnorm(0.95)  = 1.6448536269514722  (90% CI)
    qnorm(0.98)  = 2.0537489106318225  (two-sided p = 0.04)
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from synthesis.errors import RecordError
from synthesis.records.normalize import (
    MONTHS_PER,
    Entry,
    Synonyms,
    events_from_percent,
    printed_decimals,
    se_from_ci,
    se_from_p,
    z_quantile,
)
from synthesis.records.review import Review, load_review

Z95 = 1.959963984540054
Z90 = 1.6448536269514722
Z_P004 = 2.0537489106318225
DAYS_PER_MONTH = 30.4375  # 365.25 / 12

HEADER = 'id: t\ncitation: "Fixture"\nyear: 2024\n'


def review_of(tmp_path: Path, text: str, synth_yaml: str | None = None) -> Review:
    (tmp_path / "studies").mkdir(exist_ok=True)
    (tmp_path / "studies" / "r.yaml").write_text(text, encoding="utf-8")
    if synth_yaml is not None:
        (tmp_path / "synth.yaml").write_text(synth_yaml, encoding="utf-8")
    return load_review(root=tmp_path)


def entries_of(tmp_path: Path, outcomes: str, extra: str = "") -> list[Entry]:
    return list(review_of(tmp_path, HEADER + extra + "outcomes:\n" + outcomes).entries)


def error_lines(tmp_path: Path, outcomes: str, extra: str = "") -> list[str]:
    with pytest.raises(RecordError) as info:
        entries_of(tmp_path, outcomes, extra)
    return [f"{p.field}: {p.message}" for p in info.value.problems]


# --------------------------------------------------------------------------- synonyms


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("ORR", "ORR"),
        ("orr", "ORR"),
        ("Overall Response Rate", "ORR"),
        ("OBJECTIVE RESPONSE", "ORR"),
        ("  objective   response rate ", "ORR"),
        ("complete remission", "CR"),
        ("Complete Response", "CR"),
        ("overall survival", "OS"),
        ("Overall-Survival", "OS"),
        ("overall_survival", "OS"),
        ("progression free survival", "PFS"),
        ("Progression-free survival", "PFS"),
        ("cr + cri", "CR/CRi"),
        ("MRD negativity", "MRD-"),
        ("Duration of response", "DOR"),
        ("Quality of life", "Quality of life"),  # unknown: kept as written (stripped)
        ("  QoL ", "QoL"),
    ],
)
def test_synonyms_case_insensitive(name: str, canonical: str) -> None:
    assert Synonyms().canonical(name) == canonical


def test_synonyms_extendable() -> None:
    syn = Synonyms({"ORR": ["best response"], "TRM": ["treatment-related mortality"]})
    assert syn.canonical("Best Response") == "ORR"
    assert syn.canonical("overall response rate") == "ORR"  # the built-in ones stay
    assert syn.canonical("Treatment related mortality") == "TRM"
    assert syn.canonical("trm") == "TRM"
    assert {"ORR", "TRM", "OS"} <= set(syn.known())


def test_synonyms_from_synth_yaml(tmp_path: Path) -> None:
    review = review_of(
        tmp_path,
        HEADER + "n: 20\noutcomes:\n"
        "  - {name: Best Response, events: 5}\n"
        "  - {name: treatment-related mortality, events: 2}\n"
        "  - {name: Overall Response Rate, events: 6}\n",
        synth_yaml="synonyms:\n  ORR: [best response]\n  TRM: treatment-related mortality\n",
    )
    assert [(e.outcome, e.outcome_raw) for e in review.entries] == [
        ("ORR", "Best Response"),
        ("TRM", "treatment-related mortality"),
        ("ORR", "Overall Response Rate"),
    ]
    assert review.synonyms.canonical("BEST RESPONSE") == "ORR"


def test_synth_yaml_studies_setting(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "a.yaml").write_text(HEADER + "outcomes: []\n")
    (tmp_path / "synth.yaml").write_text("studies: records\n")
    assert [s.id for s in load_review(root=tmp_path).studies] == ["t"]


def test_synth_yaml_problems(tmp_path: Path) -> None:
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "a.yaml").write_text(HEADER + "outcomes: []\n")
    (tmp_path / "synth.yaml").write_text("studeis: x\nsynonyms:\n  ORR: {a: 1}\n")
    with pytest.raises(RecordError) as info:
        load_review(root=tmp_path)
    path = tmp_path / "synth.yaml"
    assert [str(p) for p in info.value.problems] == [
        f"{path}:1: studeis: unknown setting; did you mean 'studies'?",
        f"{path}:3: synonyms.ORR: must be a list of names",
    ]


# --------------------------------------------------------------------------- units and NR


def test_months_per_unit() -> None:
    assert MONTHS_PER == {
        "months": 1.0,
        "weeks": 7.0 / 30.4375,
        "days": 1.0 / 30.4375,
        "years": 12.0,
    }


def test_median_units_to_months(tmp_path: Path) -> None:
    entries = entries_of(
        tmp_path,
        "  - {name: OS, median: 45, ci: [30, 61], unit: days}\n"
        "  - {name: OS, median: 12, unit: weeks}\n"
        "  - {name: OS, median: 1.5, ci: [1, 2.5], unit: years}\n"
        "  - {name: OS, median: 7.2}\n"
        "  - {name: OS, median: 3, unit: Mo}\n"
        "  - {name: OS, median: 10, unit: wks}\n"
        "  - {name: OS, median: 2, unit: YR}\n",
        extra="n: 40\n",
    )
    got = [(e.median, e.median_ci_low, e.median_ci_high, e.unit) for e in entries]
    assert got[0][:3] == pytest.approx(
        (45 / DAYS_PER_MONTH, 30 / DAYS_PER_MONTH, 61 / DAYS_PER_MONTH), rel=1e-15
    )
    assert got[0][3] == "days"
    # 45 days = 45 / 30.4375 = 1.478439... months
    assert entries[0].median == pytest.approx(1.4784394250513346, rel=1e-15)
    # 12 weeks = 12 * 7 / 30.4375 = 84 / 30.4375 = 2.759753... months
    assert entries[1].median == pytest.approx(2.7597535934291582, rel=1e-15)
    assert entries[1].unit == "weeks"
    # 1.5 years = 1.5 * 12 = 18 months; CI [1, 2.5] years = [12, 30] months
    assert got[2] == (18.0, 12.0, 30.0, "years")
    assert got[3] == (7.2, None, None, "months")  # months is the default
    assert got[4][::3] == (3.0, "months")
    assert entries[5].median == pytest.approx(70 / DAYS_PER_MONTH) and entries[5].unit == "weeks"
    assert got[6][::3] == (24.0, "years")
    assert all(e.n == 40 and not e.not_reached for e in entries)


def test_not_reached(tmp_path: Path) -> None:
    entries = entries_of(
        tmp_path,
        "  - {name: OS, median: NR}\n"
        "  - {name: OS, median: nr, ci: [10, NR], unit: weeks}\n"
        "  - {name: OS, median: 5.5, ci: [3.1, NR]}\n",
    )
    assert [(e.not_reached, e.median) for e in entries] == [
        (True, None),
        (True, None),
        (False, 5.5),
    ]
    assert entries[1].median_ci_low == pytest.approx(70 / DAYS_PER_MONTH)
    assert entries[1].median_ci_high is None
    assert (entries[2].median_ci_low, entries[2].median_ci_high) == (3.1, None)


# --------------------------------------------------------------------------- SE of ratios


def test_se_from_ci_95() -> None:
    expected = (math.log(4.326) - math.log(1.061)) / (2 * 1.959963984540054)
    assert se_from_ci(1.061, 4.326, 0.95, log=True) == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx(0.35855, abs=5e-5)


def test_se_from_ci_90() -> None:
    expected = (math.log(4.326) - math.log(1.061)) / (2 * 1.6448536269514722)
    assert se_from_ci(1.061, 4.326, 0.90, log=True) == pytest.approx(expected, rel=1e-15)


def test_se_from_ci_generic_scale() -> None:
    assert se_from_ci(0.07, 0.55, 0.95, log=False) == pytest.approx(0.48 / (2 * Z95), rel=1e-14)


def test_z_quantile() -> None:
    assert z_quantile(0.95) == pytest.approx(Z95, rel=1e-15)
    assert z_quantile(0.90) == pytest.approx(Z90, rel=1e-15)


def test_se_from_p() -> None:
    # HR 0.7, p = 0.04: z = qnorm(1 - 0.04/2) = 2.0537..., SE = |ln 0.7| / z
    assert se_from_p(0.7, 0.04, log=True) == pytest.approx(
        abs(math.log(0.7)) / 2.0537489106318225, rel=1e-14
    )
    assert se_from_p(-0.5, 0.04, log=False) == pytest.approx(0.5 / Z_P004, rel=1e-14)
    assert se_from_p(1.0, 0.04, log=True) is None  # ln 1 = 0: no information
    assert se_from_p(2.0, 0.0, log=True) is None
    assert se_from_p(2.0, 1.0, log=True) is None


def test_ratio_entries(tmp_path: Path) -> None:
    entries = entries_of(
        tmp_path,
        "  - {name: OS, hr: 2.142, ci: [1.061, 4.326], p: 0.034}\n"
        "  - {name: OS, hr: 2.142, ci: [1.061, 4.326], ci_level: 0.9}\n"
        "  - {name: PFS, or: 0.7, p: 0.04}\n"
        "  - {name: EFS, rr: 0.7, p: '<0.05'}\n"
        "  - {name: QoL, estimate: 0.31, ci: [0.07, 0.55], scale: SMD}\n"
        "  - {name: QoL, estimate: 0.31, se: 0.12, ci: [0.07, 0.55]}\n",
    )
    hr95, hr90, or_p, rr_bound, gen_ci, gen_se = entries
    width = math.log(4.326) - math.log(1.061)
    assert (hr95.ratio_type, hr95.ratio, hr95.se_source, hr95.ci_level) == ("hr", 2.142, "ci", 0.95)
    assert hr95.yi == pytest.approx(math.log(2.142), rel=1e-15)
    assert hr95.se == pytest.approx(width / (2 * Z95), rel=1e-14)
    assert (hr95.p, hr95.p_text) == (0.034, None)
    assert hr95.arm is None  # a per-study quantity
    assert hr90.se == pytest.approx(width / (2 * Z90), rel=1e-14)
    assert hr90.ci_level == 0.9
    assert (or_p.ratio_type, or_p.se_source) == ("or", "p")
    assert or_p.se == pytest.approx(abs(math.log(0.7)) / Z_P004, rel=1e-14)
    assert (rr_bound.se, rr_bound.se_source, rr_bound.p, rr_bound.p_text) == (
        None,
        None,
        0.05,
        "<0.05",
    )
    assert gen_ci.se == pytest.approx(0.48 / (2 * Z95), rel=1e-14) and gen_ci.se_source == "ci"
    assert (gen_se.se, gen_se.se_source) == (0.12, "se")  # a given se wins over the CI


# --------------------------------------------------------------------------- percent -> events


def test_printed_decimals() -> None:
    assert printed_decimals("46.7", 46.7) == 1
    assert printed_decimals("46.70", 46.7) == 2
    assert printed_decimals("64", 64) == 0
    assert printed_decimals("64.0", 64.0) == 1
    assert printed_decimals(None, 21.4) == 1  # falls back to repr
    assert printed_decimals("1e1", 10.0) == 0
    assert printed_decimals("junk", 1.0) == 0


@pytest.mark.parametrize(
    ("percent", "total", "decimals", "candidates"),
    [
        # 46.7% of 30: [46.65, 46.75] * 30 / 100 = [13.995, 14.025] -> 14
        (46.7, 30, 1, [14]),
        # 21.4% of 14: [21.35, 21.45] * 0.14 = [2.989, 3.003] -> 3
        (21.4, 14, 1, [3]),
        # 64% of 132: [63.5, 64.5] * 1.32 = [83.82, 85.14] -> 84 (63.64%) or 85 (64.39%)
        (64, 132, 0, [84, 85]),
        # 61.1% of 72: [61.05, 61.15] * 0.72 = [43.956, 44.028] -> 44
        (61.1, 72, 1, [44]),
        # 33.3% of 10: [33.25, 33.35] * 0.1 = [3.325, 3.335] -> none
        (33.3, 10, 1, []),
        # 46.70 (two decimals) of 30: [46.695, 46.705] * 0.3 = [14.0085, 14.0115] -> none
        # (14/30 = 46.67%, so "46.70" cannot come from 30 patients; "46.7" can)
        (46.70, 30, 2, []),
        (46.67, 30, 2, [14]),
        # 83.3% of 6 = 5 (83.33%); 66.6% of 6 is a truncation of 66.67%, not a rounding
        (83.3, 6, 1, [5]),
        (66.6, 6, 1, []),
        (0, 10, 0, [0]),
        (100, 10, 0, [10]),
        # 1% of 150: [0.5, 1.5] * 1.5 = [0.75, 2.25] -> 1 (0.67%) or 2 (1.33%), equally near
        (1, 150, 0, [1, 2]),
    ],
)
def test_events_from_percent(percent: float, total: int, decimals: int, candidates: list) -> None:
    assert list(events_from_percent(percent, total, decimals)) == candidates


def test_percent_entries(tmp_path: Path) -> None:
    review = review_of(
        tmp_path,
        HEADER + "outcomes:\n"
        "  - {name: ORR, percent: 46.7, total: 30}\n"
        "  - {name: ORR, percent: 21.4, total: 14}\n"
        "  - {name: ORR, percent: 64, total: 132}\n"
        "  - {name: ORR, percent: 61.1, total: 72}\n"
        "  - {name: ORR, percent: 1, total: 150}\n"
        "  - {name: ORR, events: 14, percent: 46.7, total: 30}\n",
    )
    got = [(e.events, e.total, e.events_from_percent) for e in review.entries]
    assert got == [
        (14, 30, True),
        (3, 14, True),
        (84, 132, True),
        (44, 72, True),
        (1, 150, True),  # a tie goes to the smaller count
        (14, 30, False),  # given events are used (and checked against the percent)
    ]
    assert [f"{w.line}: {w.field}: {w.message}" for w in review.warnings] == [
        "7: outcomes[2].percent: 64% of 132 could be 84/132 or 85/132; using the nearest, "
        "84/132 (63.64%) - give events to settle it",
        "9: outcomes[4].percent: 1% of 150 could be 1/150 or 2/150; using the nearest, "
        "1/150 (0.67%) - give events to settle it",
    ]


def test_percent_errors(tmp_path: Path) -> None:
    assert error_lines(
        tmp_path,
        "  - {name: ORR, percent: 33.3, total: 10}\n"
        "  - {name: ORR, percent: 46.70, total: 30}\n"
        "  - {name: ORR, events: 15, percent: 46.7, total: 30}\n",
    ) == [
        "outcomes[0].percent: no whole number of events out of 10 gives 33.3% "
        "(nearest: 3/10 = 30.00%, 4/10 = 40.00%); check the total, or record the count the "
        "paper gives as events, with a note saying how the percent was printed",
        "outcomes[1].percent: no whole number of events out of 30 gives 46.70% "
        "(nearest: 14/30 = 46.667%, 15/30 = 50.000%); check the total, or record the count the "
        "paper gives as events, with a note saying how the percent was printed",
        "outcomes[2].percent: 46.7% does not match events/total = 15/30 (50.0%)",
    ]


def test_percent_total_from_arm_and_study_n(tmp_path: Path) -> None:
    entries = entries_of(
        tmp_path,
        "  - {name: ORR, arm: a, percent: 46.7}\n  - {name: ORR, arm: b, percent: 21.4}\n",
        extra="n: 44\narms:\n  - {id: a, n: 30}\n  - {id: b, n: 14}\n",
    )
    assert [(e.arm, e.events, e.total) for e in entries] == [("a", 14, 30), ("b", 3, 14)]
    single = entries_of(tmp_path, "  - {name: ORR, percent: 61.1}\n", extra="n: 72\n")
    assert [(e.arm, e.events, e.total) for e in single] == [("all", 44, 72)]


def printed(events: int, total: int, decimals: int, half_even: bool) -> Fraction:
    """100 * events / total rounded exactly to *decimals* places (half up or half to even)."""
    exact = Fraction(100 * events, total)
    if half_even:
        return Fraction(round(exact, decimals))
    scale = 10**decimals
    return Fraction(math.floor(exact * scale + Fraction(1, 2)), scale)


def as_text(value: Fraction, decimals: int) -> str:
    scale = 10**decimals
    units = value * scale
    assert units.denominator == 1
    whole, frac = divmod(int(units), scale)
    return f"{whole}.{frac:0{decimals}d}" if decimals else str(whole)


@settings(max_examples=2000, deadline=None)
@given(
    total=st.integers(1, 2000),
    fraction=st.fractions(0, 1),
    decimals=st.sampled_from([0, 1, 2]),
    half_even=st.booleans(),
)
def test_reconstruction_contains_the_true_count(
    total: int, fraction: Fraction, decimals: int, half_even: bool
) -> None:
    """What is proved here, for any 1 <= total <= 2000 and 0 <= events <= total:

    * the printed percentage (100 * events / total rounded to 0, 1 or 2 decimals,
      half up or half to even) always yields a candidate set containing the true
      count, since the true value lies within half a unit of the last printed digit;
    * the candidates are exactly the counts whose percentage lies within that half
      unit (nothing missing, nothing extra);
    * the count is recovered uniquely whenever total <= 100 * 10**decimals (100 for
      whole percents, 1,000 for one decimal, 10,000 for two): the interval then spans
      total * 10**-decimals / 100 <= 1 events, and when it is exactly 1 its ends are
      half-integers, so it holds one integer.  Above that, several counts can share a
      printed value (64% of 132 is 84 or 85).
    """
    events = round(fraction * total)
    shown = printed(events, total, decimals, half_even)
    text = as_text(shown, decimals)
    assert printed_decimals(text, float(text)) == decimals
    candidates = events_from_percent(float(text), total, decimals)
    assert events in candidates
    # |100 c / total - k / 10^d| <= 1 / (2 * 10^d), in integers: |200 c 10^d - 2 k total| <= total
    k = int(shown * 10**decimals)
    scale = 200 * 10**decimals
    assert list(candidates) == [
        c for c in range(total + 1) if abs(scale * c - 2 * k * total) <= total
    ]
    if total <= 100 * 10**decimals:
        assert list(candidates) == [events]


@settings(max_examples=500, deadline=None)
@given(
    yi=st.floats(-4, 4),
    se=st.floats(0.01, 3),
    level=st.floats(0.5, 0.999),
)
def test_ci_to_se_round_trip(yi: float, se: float, level: float) -> None:
    """A CI built from (estimate, SE) at a level gives back the SE (log and linear scales)."""
    z = z_quantile(level)
    low, high = math.exp(yi - z * se), math.exp(yi + z * se)
    assert se_from_ci(low, high, level, log=True) == pytest.approx(se, rel=1e-12)
    assert se_from_ci(yi - z * se, yi + z * se, level, log=False) == pytest.approx(se, rel=1e-12)


@settings(max_examples=500, deadline=None)
@given(yi=st.floats(-4, 4), se=st.floats(0.01, 3))
def test_p_to_se_round_trip(yi: float, se: float) -> None:
    """A two-sided Wald p from (estimate, SE) gives back the SE."""
    from scipy.special import ndtr

    assume(0.01 < abs(yi) / se < 8)
    p = 2 * float(ndtr(-abs(yi) / se))
    assert se_from_p(math.exp(yi), p, log=True) == pytest.approx(se, rel=1e-12)


# --------------------------------------------------------------------------- the tidy table


def test_frame_has_one_row_per_entry_and_tag_columns(tmp_path: Path) -> None:
    review = review_of(
        tmp_path,
        HEADER + "tags: {disease: ANKL, setting: r/r}\nn: 30\noutcomes:\n"
        "  - {name: ORR, events: 14}\n  - {name: overall survival, median: 4.5}\n",
    )
    frame = review.frame()
    assert len(frame) == 2
    assert list(frame["outcome"]) == ["ORR", "OS"]
    assert list(frame["tag:disease"]) == ["ANKL", "ANKL"]
    assert list(frame["tag:setting"]) == ["r/r", "r/r"]
    assert {"study", "events", "total", "median", "yi", "se", "file", "line"} <= set(frame.columns)
    assert review.outcomes() == ["ORR", "OS"]
    assert review.study("t").n == 30


def test_reconstruction_exhaustive_for_small_totals() -> None:
    """Every count of every total up to 150, printed at 0, 1 and 2 decimals (half up)."""
    for total in range(1, 151):
        for events in range(total + 1):
            for decimals in (0, 1, 2):
                text = as_text(printed(events, total, decimals, half_even=False), decimals)
                candidates = events_from_percent(float(text), total, decimals)
                assert events in candidates, (events, total, text)
                if total <= 100 * 10**decimals:
                    assert list(candidates) == [events], (events, total, text)


def test_events_from_percent_is_closed_form_for_huge_totals() -> None:
    """A total of 10^9 (the largest count) gives a range, not a list of every candidate."""
    got = events_from_percent(50.0, 1_000_000_000, 0)
    # [49.5%, 50.5%] of 10^9 = [495,000,000, 505,000,000]: 10,000,001 counts, held as a range
    assert isinstance(got, range)
    assert (got.start, got.stop, len(got)) == (495_000_000, 505_000_001, 10_000_001)
