"""Tests for synthesis.effects.escalc against metafor 3.8 (tests/reference/effects_reference.json).

Regenerate the reference with ``Rscript tests/reference/effects_reference.R``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.effects import escalc as effects
from synthesis.effects.escalc import (
    PROPORTION_MEASURES,
    TWO_ARM_MEASURES,
    StudyEffects,
    back_transform,
    clopper_pearson,
    generic,
    harmonic_mean,
    log_ratios,
    proportions,
    two_arm,
    z_crit,
)
from tests.tolerances import tol

REFERENCE_PATH = Path(__file__).parent / "reference" / "effects_reference.json"
REF = json.loads(REFERENCE_PATH.read_text())
CLOSED = tol("closed_form")


def assert_close(actual: object, expected: object) -> None:
    actual_arr = np.asarray(actual, dtype=float)
    expected_arr = np.asarray(
        [math.nan if v is None else v for v in np.ravel(expected)], dtype=float
    ).reshape(np.shape(expected))
    np.testing.assert_allclose(
        actual_arr, expected_arr, rtol=CLOSED.rtol, atol=CLOSED.atol, equal_nan=True
    )


def case_id(case: dict) -> str:
    return case["r_call"]


# --------------------------------------------------------------------------- the grid


def test_reference_metadata() -> None:
    assert REF["meta"]["metafor_version"] == "3.8.1"
    assert REF["meta"]["generated_by"] == "tests/reference/effects_reference.R"


def test_reference_grid_is_complete() -> None:
    # every measure is present
    assert {c["measure"] for c in REF["proportions"]} == set(PROPORTION_MEASURES)
    assert {c["measure"] for c in REF["two_arm"]} == set(TWO_ARM_MEASURES)
    assert {(c["measure"], c["level"]) for c in REF["two_arm_ci"]} == {
        (m, lev) for m in TWO_ARM_MEASURES for lev in (0.95, 0.90)
    }
    assert {c["level"] for c in REF["log_ratios"]} == {0.95, 0.90}
    # single arm: zero events, all events, n = 1 (both outcomes)
    for case in REF["proportions"]:
        xi = np.array(case["inputs"]["xi"])
        ni = np.array(case["inputs"]["ni"])
        assert np.any((xi == 0) & (ni > 1))
        assert np.any((xi == ni) & (ni > 1))
        assert np.any((ni == 1) & (xi == 0))
        assert np.any((ni == 1) & (xi == 1))
        assert np.any((xi > 0) & (xi < ni))
    # two arms: a zero cell, a double zero, a double all-events table
    for case in REF["two_arm"]:
        i = case["inputs"]
        a, n1, c, n2 = (np.array(i[k]) for k in ("ai", "n1i", "ci", "n2i"))
        assert np.any((a == 0) & (c > 0))
        assert np.any((a == 0) & (c == 0))
        assert np.any((a == n1) & (c == n2))
        assert np.any(case["drop00_dropped"])
    # Clopper-Pearson: x = 0 and x = n (also n = 1) at both levels
    for level in (0.95, 0.90):
        cps = [c for c in REF["clopper_pearson"] if c["level"] == level]
        assert any(c["x"] == 0 for c in cps)
        assert any(c["x"] == c["n"] for c in cps)
        assert any(c["n"] == 1 for c in cps)
        assert any(0 < c["x"] < c["n"] for c in cps)
    # back-transforms with out-of-range values
    funcs = {c["function"]: c for c in REF["transforms"]}
    assert set(funcs) == {"transf.ilogit", "transf.iarcsin", "transf.ipft.hm", "transf.ipft"}
    grid = np.array(funcs["transf.iarcsin"]["inputs"]["xi"])
    assert grid.min() < 0 and grid.max() > math.pi / 2
    hm = funcs["transf.ipft.hm"]
    nhm = harmonic_mean(hm["inputs"]["ni"])
    grid = np.array(hm["inputs"]["xi"])
    assert grid.min() < effects._pft(0.0, nhm) and grid.max() > effects._pft(nhm, nhm)


# --------------------------------------------------------------------------- vs metafor


@pytest.mark.parametrize("case", REF["proportions"], ids=case_id)
def test_proportions_match_escalc(case: dict) -> None:
    xi, ni = case["inputs"]["xi"], case["inputs"]["ni"]
    res = proportions(xi, ni, measure=case["measure"])
    assert res.measure == case["measure"]
    assert_close(res.yi, case["yi"])
    assert_close(res.vi, case["vi"])
    assert_close(res.estimate, np.array(xi) / np.array(ni))
    x, n = np.array(xi), np.array(ni)
    if case["measure"] in ("PLO", "PR"):
        np.testing.assert_array_equal(res.corrected, (x == 0) | (x == n))
    else:
        assert not res.corrected.any()


@pytest.mark.parametrize("case", REF["two_arm"], ids=case_id)
def test_two_arm_match_escalc(case: dict) -> None:
    i = case["inputs"]
    res = two_arm(i["ai"], i["n1i"], i["ci"], i["n2i"], measure=case["measure"])
    assert_close(res.yi, case["yi"])
    assert_close(res.vi, case["vi"])
    # double_zero is exactly what escalc(drop00 = TRUE) drops
    np.testing.assert_array_equal(res.double_zero, case["drop00_dropped"])
    a, n1, c, n2 = (np.array(i[k]) for k in ("ai", "n1i", "ci", "n2i"))
    np.testing.assert_array_equal(res.corrected, (a == 0) | (a == n1) | (c == 0) | (c == n2))
    np.testing.assert_array_equal(res.ni, n1 + n2)


@pytest.mark.parametrize("case", REF["two_arm_ci"], ids=case_id)
def test_two_arm_reporting_ci_matches_summary_escalc(case: dict) -> None:
    i = REF["two_arm"][0]["inputs"]
    res = two_arm(
        i["ai"], i["n1i"], i["ci"], i["n2i"], measure=case["measure"], level=case["level"]
    )
    assert_close(res.estimate, case["estimate"])
    assert_close(res.ci_low, case["ci_low"])
    assert_close(res.ci_high, case["ci_high"])
    assert res.level == case["level"]


@pytest.mark.parametrize("case", REF["log_ratios"], ids=case_id)
def test_log_ratios_match_escalc_gen(case: dict) -> None:
    i = case["inputs"]
    res = log_ratios(i["estimate"], i["se"], level=case["level"])
    assert res.measure == "HR"
    assert_close(res.yi, case["yi"])
    assert_close(res.vi, case["vi"])
    assert_close(res.estimate, case["estimate"])
    assert_close(res.ci_low, case["ci_low"])
    assert_close(res.ci_high, case["ci_high"])


@pytest.mark.parametrize("case", REF["clopper_pearson"], ids=case_id)
def test_clopper_pearson_matches_binom_test(case: dict) -> None:
    low, high = clopper_pearson(case["x"], case["n"], level=case["level"])
    assert_close(low, [case["ci_low"]])
    assert_close(high, [case["ci_high"]])
    # proportions() reports the same interval whatever the measure
    for measure in PROPORTION_MEASURES:
        res = proportions([case["x"]], [case["n"]], measure=measure, level=case["level"])
        assert_close(res.ci_low, [case["ci_low"]])
        assert_close(res.ci_high, [case["ci_high"]])


@pytest.mark.parametrize("case", REF["transforms"], ids=case_id)
def test_back_transform_matches_metafor(case: dict) -> None:
    xi = case["inputs"]["xi"]
    function = case["function"]
    if function == "transf.ilogit":
        out = back_transform("PLO", xi)
    elif function == "transf.iarcsin":
        out = back_transform("PAS", xi)
    elif function == "transf.ipft.hm":
        nhm = harmonic_mean(case["inputs"]["ni"])
        assert_close(nhm, case["harmonic_n"])
        out = back_transform("PFT", xi, harmonic_n=nhm)
    else:  # transf.ipft with a single ni
        out = back_transform("PFT", xi, harmonic_n=case["inputs"]["ni"])
    assert_close(out, case["output"])


# --------------------------------------------------------------------------- by hand


def test_plo_by_hand_14_of_30() -> None:
    x, n = 14, 30
    p = x / n
    res = proportions([x], [n], measure="PLO")
    assert_close(res.yi, [math.log(p / (1 - p))])
    assert_close(res.vi, [1 / (n * p * (1 - p))])
    assert_close(res.estimate, [p])
    assert not res.corrected[0]


def test_plo_and_pr_zero_events_get_half_added() -> None:
    # 0 of 10 -> 0.5 events, 10.5 non-events, n = 11
    res = proportions([0], [10], measure="PLO")
    assert_close(res.yi, [math.log(0.5 / 10.5)])
    assert_close(res.vi, [1 / 0.5 + 1 / 10.5])
    assert res.corrected[0]
    assert_close(res.estimate, [0.0])  # reporting estimate is the raw proportion
    # PR is corrected too (escalc add = 1/2 applies to PR): yi = 0.5/6, not 0
    res = proportions([5], [5], measure="PR")
    p = 5.5 / 6
    assert_close(res.yi, [p])
    assert_close(res.vi, [p * (1 - p) / 6])
    assert res.corrected[0]


def test_pas_and_pft_by_hand_no_correction() -> None:
    res = proportions([3, 0, 5], [5, 5, 5], measure="PAS")
    assert_close(res.yi, [math.asin(math.sqrt(0.6)), 0.0, math.pi / 2])
    assert_close(res.vi, [1 / 20] * 3)
    assert not res.corrected.any()
    res = proportions([3, 0], [5, 5], measure="PFT")
    assert_close(
        res.yi,
        [
            0.5 * (math.asin(math.sqrt(3 / 6)) + math.asin(math.sqrt(4 / 6))),
            0.5 * (0.0 + math.asin(math.sqrt(1 / 6))),
        ],
    )
    assert_close(res.vi, [1 / 22, 1 / 22])
    assert not res.corrected.any()


def test_two_arm_by_hand_bcg_aronson() -> None:
    a, n1, c, n2 = 4, 123, 11, 139
    rr = two_arm([a], [n1], [c], [n2], measure="RR")
    assert_close(rr.yi, [math.log((a / n1) / (c / n2))])
    assert_close(rr.vi, [1 / a - 1 / n1 + 1 / c - 1 / n2])
    z = 1.959963984540054
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    assert_close(rr.ci_low, [math.exp(math.log((a / n1) / (c / n2)) - z * se)])
    orr = two_arm([a], [n1], [c], [n2], measure="OR")
    assert_close(orr.yi, [math.log((a * (n2 - c)) / ((n1 - a) * c))])
    assert_close(orr.vi, [1 / a + 1 / (n1 - a) + 1 / c + 1 / (n2 - c)])
    rd = two_arm([a], [n1], [c], [n2], measure="RD")
    p1, p2 = a / n1, c / n2
    assert_close(rd.yi, [p1 - p2])
    assert_close(rd.vi, [p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2])
    assert not (rr.corrected[0] or rr.double_zero[0])


def test_two_arm_zero_cell_and_double_zero_by_hand() -> None:
    # zero cell: 0/50 vs 5/50 -> all four cells + 1/2, for RD too
    rd = two_arm([0], [50], [5], [50], measure="RD")
    assert_close(rd.yi, [0.5 / 51 - 5.5 / 51])
    assert rd.corrected[0] and not rd.double_zero[0]
    orr = two_arm([0], [50], [5], [50], measure="OR")
    assert_close(orr.vi, [1 / 0.5 + 1 / 50.5 + 1 / 5.5 + 1 / 45.5])
    # double zero: kept (drop00 = FALSE), corrected and flagged
    rr = two_arm([0, 3], [30, 20], [0, 4], [28, 20], measure="RR")
    assert_close(rr.yi[0], math.log((0.5 / 31) / (0.5 / 29)))
    np.testing.assert_array_equal(rr.double_zero, [True, False])
    np.testing.assert_array_equal(rr.corrected, [True, False])


def test_clopper_pearson_ends_by_hand() -> None:
    n = 12
    for level in (0.95, 0.90, 0.5):
        half_alpha = (1 - level) / 2
        low, high = clopper_pearson([0, n], [n, n], level=level)
        assert low[0] == 0.0
        assert high[1] == 1.0
        assert_close(high[0], 1 - half_alpha ** (1 / n))
        assert_close(low[1], half_alpha ** (1 / n))


def test_z_crit() -> None:
    assert_close(z_crit(0.95), 1.959963984540054)
    assert_close(z_crit(0.90), 1.6448536269514722)
    assert_close(z_crit(), 1.959963984540054)


def test_log_ratios_keep_printed_ci() -> None:
    res = log_ratios([2.142], [0.3552], ci_low=[1.061], ci_high=[4.326])
    assert_close(res.yi, [math.log(2.142)])
    assert_close(res.vi, [0.3552**2])
    assert_close(res.estimate, [2.142])
    assert_close(res.ci_low, [1.061])
    assert_close(res.ci_high, [4.326])
    res = log_ratios([0.5], [0.2], measure="OR")
    assert res.measure == "OR"
    assert_close(res.ci_high, [math.exp(math.log(0.5) + z_crit(0.95) * 0.2)])


def test_generic_identity() -> None:
    res = generic([0.31, -0.2], [0.12, 0.05], level=0.9)
    assert res.measure == "GEN"
    assert_close(res.yi, [0.31, -0.2])
    assert_close(res.vi, [0.12**2, 0.05**2])
    assert_close(res.ci_low, [0.31 - z_crit(0.9) * 0.12, -0.2 - z_crit(0.9) * 0.05])
    res = generic([0.31], [0.12], ci_low=[0.1], ci_high=[0.5])
    assert_close(res.ci_low, [0.1])


def test_back_transform_by_hand() -> None:
    assert back_transform("PLO", 0.0) == 0.5
    assert isinstance(back_transform("PLO", 0.0), float)
    assert_close(back_transform("RR", math.log(2.0)), 2.0)
    assert_close(back_transform("HR", [0.0, math.log(0.5)]), [1.0, 0.5])
    assert back_transform("RD", -0.25) == -0.25
    # PR is identity, not clipped (metafor applies no transformation)
    assert back_transform("PR", -0.02) == -0.02
    assert back_transform("GEN", 3.0) == 3.0
    assert back_transform("PAS", -0.1) == 0.0
    assert back_transform("PAS", 1.6) == 1.0
    assert_close(back_transform("PAS", math.pi / 4), 0.5)
    assert_close(back_transform("PFT", math.pi / 4, harmonic_n=20.0), 0.5)
    assert back_transform("PFT", 0.0, harmonic_n=20.0) == 0.0
    assert back_transform("PFT", 1.56, harmonic_n=20.0) == 1.0
    assert math.isnan(back_transform("PFT", math.nan, harmonic_n=20.0))
    assert_close(harmonic_mean([2, 4, 4]), 3.0)


# --------------------------------------------------------------------------- result type


def test_study_effects_is_frozen_and_read_only() -> None:
    res = proportions([1, 2], [10, 10])
    with pytest.raises(AttributeError):
        res.measure = "PR"  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.yi[0] = 0.0
    assert len(res) == 2 and res.k == 2
    assert not res.double_zero.any()
    assert np.isnan(log_ratios([2.0], [0.1]).ni).all()
    assert_close(res.sei, np.sqrt(res.vi))


def test_to_frame() -> None:
    res = two_arm([0, 3], [30, 20], [0, 4], [28, 20], measure="OR", level=0.9)
    frame = res.to_frame()
    assert list(frame.columns) == [
        "yi",
        "vi",
        "sei",
        "estimate",
        "ci_low",
        "ci_high",
        "corrected",
        "double_zero",
        "ni",
    ]
    assert frame.attrs == {"measure": "OR", "level": 0.9}
    assert frame["double_zero"].tolist() == [True, False]
    assert_close(frame["yi"].to_numpy(), res.yi)


def test_study_effects_checks_lengths() -> None:
    with pytest.raises(ValueError, match=r"^StudyEffects.vi must be one-dimensional of length 2"):
        StudyEffects(
            yi=[1.0, 2.0],
            vi=[1.0],
            estimate=[1.0, 2.0],
            ci_low=[0.0, 1.0],
            ci_high=[2.0, 3.0],
            corrected=[False, False],
            measure="GEN",
        )


def test_module_imports_only_numpy_and_scipy_special() -> None:
    code = (
        "import sys, synthesis.effects.escalc\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'pandas'"
        " or m.startswith(('scipy.stats', 'scipy.optimize'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: proportions([5], [4]),
            "events must not exceed total (at index 0: 5 > 4)",
        ),
        (
            lambda: proportions([1, -1], [4, 4]),
            "events must not be negative (at index 1: -1)",
        ),
        (lambda: proportions([0, 0], [4, 0]), "total must be > 0 (at index 1: 0)"),
        (
            lambda: proportions([1, 2, 3], [4, 4]),
            "events and total must have the same length (got 3 and 2)",
        ),
        (
            lambda: proportions([1], [4], measure="PLN"),
            "unknown measure 'PLN' for proportions(); valid measures: PLO, PFT, PAS, PR",
        ),
        (
            lambda: proportions([math.nan], [4]),
            "events must be finite numbers (at index 0: nan)",
        ),
        (
            lambda: proportions([1], [4], level=95),
            "level must be strictly between 0 and 1 (got 95)",
        ),
        (
            lambda: two_arm([1], [4], [2], [5], measure="PETO"),
            "unknown measure 'PETO' for two_arm(); valid measures: RR, OR, RD",
        ),
        (
            lambda: two_arm([1, 2], [4, 4], [2], [5], measure="RR"),
            "events_exp, total_exp, events_ctl and total_ctl must have the same length "
            "(got 2, 2, 1 and 1)",
        ),
        (
            lambda: two_arm([1], [4], [6], [5], measure="OR"),
            "events_ctl must not exceed total_ctl (at index 0: 6 > 5)",
        ),
        (
            lambda: two_arm([0], [0], [1], [5], measure="RD"),
            "total_exp must be > 0 (at index 0: 0)",
        ),
        (
            lambda: log_ratios([2.0], [0.1], measure="RD"),
            "unknown measure 'RD' for log_ratios(); valid measures: HR, OR, RR",
        ),
        (
            lambda: log_ratios([0.0], [0.1]),
            "estimate must be a ratio > 0 (at index 0: 0)",
        ),
        (lambda: log_ratios([2.0], [0.0]), "se must be > 0 (at index 0: 0)"),
        (
            lambda: log_ratios([2.0], [0.1], ci_low=[1.0]),
            "ci_low and ci_high must be given together",
        ),
        (
            lambda: log_ratios([2.0], [0.1], ci_low=[3.0], ci_high=[1.5]),
            "ci_low must not exceed ci_high (at index 0: 3 > 1.5)",
        ),
        (
            lambda: generic([0.1, 0.2], [0.1]),
            "estimate and se must have the same length (got 2 and 1)",
        ),
        (
            lambda: back_transform("SMD", 0.1),
            "unknown measure 'SMD' for back_transform(); valid measures: "
            "PLO, PFT, PAS, PR, RR, OR, RD, HR, GEN",
        ),
        (
            lambda: back_transform("PFT", 0.1),
            "back_transform for PFT needs harmonic_n, the harmonic mean of the study "
            "sample sizes (see harmonic_mean())",
        ),
    ],
)
def test_error_messages(call, message: str) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


# --------------------------------------------------------------------------- properties

counts = st.integers(min_value=1, max_value=2000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
levels = st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99])


@given(xn=counts, level=levels)
@settings(max_examples=200, deadline=None)
def test_cp_interval_contains_proportion_and_is_in_unit_interval(
    xn: tuple[int, int], level: float
) -> None:
    x, n = xn
    low, high = clopper_pearson([x], [n], level=level)
    assert 0.0 <= low[0] <= x / n <= high[0] <= 1.0
    # a wider level gives a wider interval
    low99, high99 = clopper_pearson([x], [n], level=0.995)
    assert low99[0] <= low[0] and high[0] <= high99[0]


@given(
    measure=st.sampled_from(["PLO", "PAS", "PR"]),
    p=st.floats(min_value=1e-6, max_value=1 - 1e-6),
)
def test_back_transform_inverts_forward(measure: str, p: float) -> None:
    forward = {
        "PLO": math.log(p / (1 - p)),
        "PAS": math.asin(math.sqrt(p)),
        "PR": p,
    }[measure]
    assert math.isclose(back_transform(measure, forward), p, rel_tol=1e-9, abs_tol=1e-12)


@given(p=st.floats(min_value=0.0, max_value=1.0), n=st.integers(min_value=1, max_value=5000))
def test_back_transform_pft_inverts_forward(p: float, n: int) -> None:
    forward = effects._pft(p * n, float(n))
    assert math.isclose(
        back_transform("PFT", float(forward), harmonic_n=float(n)), p, rel_tol=1e-7, abs_tol=1e-9
    )


@given(
    data=st.lists(counts, min_size=1, max_size=12),
    measure=st.sampled_from(PROPORTION_MEASURES),
    seed=st.randoms(use_true_random=False),
)
@settings(deadline=None)
def test_proportions_order_of_studies_does_not_matter(data, measure: str, seed) -> None:
    x = np.array([d[0] for d in data])
    n = np.array([d[1] for d in data])
    perm = np.array(seed.sample(range(len(data)), len(data)))
    a = proportions(x, n, measure=measure)
    b = proportions(x[perm], n[perm], measure=measure)
    for name in ("yi", "vi", "estimate", "ci_low", "ci_high", "corrected"):
        np.testing.assert_array_equal(getattr(a, name)[perm], getattr(b, name))


@given(
    data=st.lists(st.tuples(counts, counts), min_size=1, max_size=10),
    measure=st.sampled_from(TWO_ARM_MEASURES),
    seed=st.randoms(use_true_random=False),
)
@settings(deadline=None)
def test_two_arm_order_of_studies_does_not_matter(data, measure: str, seed) -> None:
    a_, n1, c_, n2 = (
        np.array(v) for v in zip(*[(e[0], e[1], c[0], c[1]) for e, c in data], strict=True)
    )
    perm = np.array(seed.sample(range(len(data)), len(data)))
    r1 = two_arm(a_, n1, c_, n2, measure=measure)
    r2 = two_arm(a_[perm], n1[perm], c_[perm], n2[perm], measure=measure)
    for name in ("yi", "vi", "estimate", "ci_low", "ci_high", "corrected", "double_zero"):
        np.testing.assert_array_equal(getattr(r1, name)[perm], getattr(r2, name))
    assert np.all(np.isfinite(r1.yi)) and np.all(r1.vi > 0)
