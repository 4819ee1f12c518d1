"""Tests for synthesis.models.medians (port of metamedian ``pool.med``, R/pool.med.R).

Reference values are derived by hand in the comments (cumulative weights,
order-statistic positions); the normal quantile z = qnorm(0.975) is written out.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.models.medians import MedianPool, pool_medians
from tests.tolerances import tol

CF = tol("closed_form")
Z975 = 1.959963984540054  # qnorm(0.975)


def close(actual: float | None, expected: float) -> bool:
    assert actual is not None
    return bool(np.isclose(actual, expected, rtol=CF.rtol, atol=CF.atol))


# --------------------------------------------------------------------------- WM by hand


def test_wm_four_studies_cumulative_weight_exactly_half() -> None:
    # medians 10, 14, 8, 20 with n 50, 30, 100, 20; N = 200.
    # Sorted: 8 (100) cum 100 | 10 (50) cum 150 | 14 (30) cum 180 | 20 (20) cum 200.
    # Median: order = 1 + 199 * 0.5 = 100.5 -> positions 100 and 101, h = 0.5.
    #   position 100: first cum >= 100 is 100 -> 8 (cumulative weight exactly 1/2)
    #   position 101: first cum >= 101 is 150 -> 10
    #   WM = 0.5 * 8 + 0.5 * 10 = 9
    # CI: k = 4, prob = min(0.5, z / (2 * sqrt(4))) = z / 4 = 0.48999...
    #   p = 0.01001: order = 1 + 199 * 0.01001 = 2.99 -> positions 2, 3 -> 8, 8 -> 8
    #   p = 0.98999: order = 198.008 -> positions 198, 199 (> 180) -> 20, 20 -> 20
    res = pool_medians([10.0, 14.0, 8.0, 20.0], [50, 30, 100, 20])
    assert res.method == "WM"
    assert res.k == 4
    assert res.estimate == 9.0
    assert res.ci_low == 8.0
    assert res.ci_high == 20.0
    assert res.weights == (25.0, 15.0, 50.0, 10.0)  # 100 * n / 200, input order
    assert res.n_total == 200
    assert res.coverage == 0.95
    assert res.notes == ()


def test_wm_odd_total_takes_single_expanded_position() -> None:
    # medians 1, 5, 9 with n 1, 1, 8; N = 10, cum 1, 2, 10.
    # order = 1 + 9 * 0.5 = 5.5 -> positions 5, 6 -> both 9 -> WM = 9 (MM would be 5).
    assert pool_medians([1.0, 5.0, 9.0], [1, 1, 8]).estimate == 9.0
    # medians 1, 5, 9 with n 2, 1, 2; N = 5 (odd), cum 2, 3, 5.
    # order = 1 + 4 * 0.5 = 3 (integer, h = 0) -> position 3 -> 5.
    assert pool_medians([1.0, 5.0, 9.0], [2, 1, 2]).estimate == 5.0


def test_wm_help_page_data_with_sample_sizes() -> None:
    # yi from the pool.med help page (man/pool.med.Rd, \examples) with made-up n.
    yi = [5.23, 3.10, 0.50, 0.78, 3.48, 0.59, 2.20, 5.06, 4.00]
    n = [40, 120, 35, 80, 60, 25, 150, 45, 90]
    # Sorted with n and cumulative n (N = 645):
    #   0.50 (35) 35 | 0.59 (25) 60 | 0.78 (80) 140 | 2.20 (150) 290 | 3.10 (120) 410
    #   3.48 (60) 470 | 4.00 (90) 560 | 5.06 (45) 605 | 5.23 (40) 645
    # Median: order = 1 + 644 * 0.5 = 323 (h = 0): 290 < 323 <= 410 -> 3.10
    # prob = z / (2 * 3) = 0.326661
    #   p = 0.173339: order = 1 + 644 p = 112.63 -> positions 112, 113 (60 < . <= 140) -> 0.78
    #   p = 0.826661: order = 533.37 -> positions 533, 534 (470 < . <= 560) -> 4.00
    res = pool_medians(yi, n, method="WM")
    assert res.estimate == 3.10
    assert res.ci_low == 0.78
    assert res.ci_high == 4.00
    assert res.n_total == 645
    assert math.isclose(sum(res.weights), 100.0)
    assert close(res.weights[6], 100 * 150 / 645)


# --------------------------------------------------------------------------- MM by hand


def test_mm_help_page_example() -> None:
    # man/pool.med.Rd \examples: pool.med(yi) (no printed output in the source; values
    # below are computed by hand from R/pool.med.R with stats::quantile type 7).
    yi = [5.23, 3.10, 0.50, 0.78, 3.48, 0.59, 2.20, 5.06, 4.00]
    # sorted: 0.50 0.59 0.78 2.20 3.10 3.48 4.00 5.06 5.23 ; k = 9
    # estimate: index 1 + 8 * 0.5 = 5 -> 3.10
    # prob = min(0.5, z / (2 * sqrt(9))) = z / 6
    prob = Z975 / 6
    # lower: index = 1 + 8 (0.5 - prob) = 2.3867 -> x2 + 0.3867 (x3 - x2), x2 = 0.59, x3 = 0.78
    h_lo = 1 + 8 * (0.5 - prob) - 2
    # upper: index = 1 + 8 (0.5 + prob) = 7.6133 -> x7 + 0.6133 (x8 - x7), x7 = 4.00, x8 = 5.06
    h_hi = 1 + 8 * (0.5 + prob) - 7
    res = pool_medians(yi, [1] * 9, method="MM")
    assert res.estimate == 3.10
    assert close(res.ci_low, 0.59 + h_lo * (0.78 - 0.59))  # 0.663476
    assert close(res.ci_high, 4.00 + h_hi * (5.06 - 4.00))  # 4.650082
    assert close(res.ci_low, 0.6634757905832)
    assert close(res.ci_high, 4.6500824314833)
    assert res.weights == tuple([100 / 9] * 9)


def test_mm_four_studies() -> None:
    # sorted 8, 10, 14, 20: median index 2.5 -> (10 + 14) / 2 = 12
    # prob = z / 4; lower index = 1 + 3 (0.5 - z/4) = 1.030027 -> 8 + 0.030027 * 2
    # upper index = 1 + 3 (0.5 + z/4) = 3.969973 -> 14 + 0.969973 * 6
    res = pool_medians([10.0, 14.0, 8.0, 20.0], [50, 30, 100, 20], method="mm")
    assert res.method == "MM"
    assert res.estimate == 12.0
    assert close(res.ci_low, 8.060054023189919)
    assert close(res.ci_high, 19.819837930430243)
    assert res.weights == (25.0, 25.0, 25.0, 25.0)
    assert res.n_total == 200


def test_small_k_interval_is_range_with_note() -> None:
    # k = 3: z / (2 sqrt 3) = 0.566 > 0.5 -> prob = 0.5 -> quantiles at 0 and 1.
    for method in ("MM", "WM"):
        res = pool_medians([4.0, 9.0, 6.0], [10, 20, 30], method=method)
        assert (res.ci_low, res.ci_high) == (4.0, 9.0)
        assert any("not attained" in note for note in res.notes)
    # k = 4: z / 4 = 0.49 < 0.5 -> no note
    assert pool_medians([4.0, 9.0, 6.0, 7.0], [10, 20, 30, 5]).notes == ()


def test_level_changes_normal_quantile() -> None:
    # level 0.5: z = qnorm(0.75) = 0.6744897501960817, k = 9, prob = z / 6 = 0.112415
    yi = [5.23, 3.10, 0.50, 0.78, 3.48, 0.59, 2.20, 5.06, 4.00]
    prob = 0.6744897501960817 / 6
    # lower index = 1 + 8 (0.5 - prob) = 4.1007 -> 2.20 + 0.1007 * (3.10 - 2.20)
    h = 1 + 8 * (0.5 - prob) - 4
    res = pool_medians(yi, [1] * 9, method="MM", level=0.5)
    assert close(res.ci_low, 2.20 + h * 0.90)
    assert res.level == 0.5
    assert res.coverage == 0.5


# --------------------------------------------------------------------------- exact branch


def test_exact_interval_k6() -> None:
    # norm.approx = FALSE, k = 6: T = 0..3, coverage(T=0) = 1 - 2/64 = 0.96875 >= 0.95,
    # coverage(T=1) = 1 - 2 * 7/64 = 0.78125 -> cov.level 0.96875, ind = 1.
    y = [3.0, 5.0, 7.0, 9.0, 11.0, 13.0]
    mm = pool_medians(y, [10] * 6, method="MM", norm_approx=False)
    # MM: c(sort(yi)[ind], sort(yi)[n - ind]) = (x1, x5) = (3, 11)  [R's choice]
    assert (mm.ci_low, mm.estimate, mm.ci_high) == (3.0, 8.0, 11.0)
    assert mm.coverage == 0.96875
    assert mm.norm_approx is False
    # WM: probs ind/n = 1/6 and (n - ind + 1)/n = 1; N = 60, cum 10, 20, ..., 60
    #   p = 1/6: order = 1 + 59/6 = 10.8333 -> positions 10 (-> 3), 11 (-> 5):
    #            (1/6) * 3 + (5/6) * 5 = 14/3
    #   p = 0.5: order 30.5 -> positions 30 (-> 7, cum exactly 30), 31 (-> 9) -> 8
    #   p = 1:   order 60 -> 13
    wm = pool_medians(y, [10] * 6, method="WM", norm_approx=False)
    assert close(wm.ci_low, 14 / 3)
    assert wm.estimate == 8.0
    assert wm.ci_high == 13.0
    assert wm.coverage == 0.96875


def test_exact_interval_too_few_studies_is_none() -> None:
    # k = 5: best coverage 1 - 2/32 = 0.9375 < 0.95 -> R stops; here None + note
    res = pool_medians([3.0, 5.0, 7.0, 9.0, 11.0], [10] * 5, method="MM", norm_approx=False)
    assert res.estimate == 7.0
    assert res.ci_low is None and res.ci_high is None and res.coverage is None
    assert any("0.9375" in note for note in res.notes)


# --------------------------------------------------------------------------- k = 1, validation


def test_single_study() -> None:
    for method in ("WM", "MM"):
        res = pool_medians([7.5], [40], method=method)
        assert res.estimate == 7.5
        assert res.ci_low is None and res.ci_high is None
        assert res.weights == (100.0,)
        assert res.n_total == 40
        assert res.notes


@pytest.mark.parametrize(
    ("medians", "n", "kwargs", "match"),
    [
        ([], [], {}, "k = 0"),
        ([1.0, 2.0], [10], {}, "do not match"),
        ([1.0, 2.0], [10, 0], {}, "> 0"),
        ([1.0, 2.0], [10, -3], {}, "> 0"),
        ([1.0, 2.0], [10, float("nan")], {}, "> 0"),
        ([1.0, float("inf")], [10, 10], {}, "finite"),
        ([1.0, 2.0], [10, 10], {"method": "REML"}, "unknown median pooling method"),
        ([1.0, 2.0], [10, 10], {"level": 1.0}, "level"),
        ([1.0, 2.0], [10, 10], {"level": 0.0}, "level"),
    ],
)
def test_validation(medians, n, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        pool_medians(medians, n, **kwargs)


# --------------------------------------------------------------------------- output


def test_to_dict_and_frame() -> None:
    res = pool_medians([7.5], [40])
    d = res.to_dict()
    assert d["ci_low"] is None and d["ci_high"] is None
    assert d["weights"] == [100.0]
    json.dumps(d, allow_nan=False)
    frame = pool_medians([10.0, 14.0, 8.0, 20.0], [50, 30, 100, 20]).to_frame()
    assert frame.shape[0] == 1
    assert frame.loc[0, "estimate"] == 9.0
    assert isinstance(res, MedianPool)


def test_cold_import_does_not_load_heavy_modules() -> None:
    code = (
        "import sys, synthesis.models.medians\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] == 'pandas' "
        "or m.startswith(('scipy.stats', 'scipy.optimize'))]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --------------------------------------------------------------------------- properties

medians_st = st.floats(min_value=0.1, max_value=240.0, allow_nan=False, allow_infinity=False)


@st.composite
def studies(draw, min_k: int = 1, max_k: int = 25):
    k = draw(st.integers(min_value=min_k, max_value=max_k))
    # include ties: draw from a small pool half of the time
    if draw(st.booleans()):
        pool = draw(st.lists(medians_st, min_size=1, max_size=4))
        y = draw(st.lists(st.sampled_from(pool), min_size=k, max_size=k))
    else:
        y = draw(st.lists(medians_st, min_size=k, max_size=k))
    n = draw(st.lists(st.integers(min_value=1, max_value=400), min_size=k, max_size=k))
    return y, n


methods_st = st.sampled_from(["WM", "MM"])


@settings(max_examples=200, deadline=None)
@given(data=studies(), method=methods_st, norm_approx=st.booleans())
def test_estimate_and_interval_within_range(data, method, norm_approx) -> None:
    y, n = data
    res = pool_medians(y, n, method=method, norm_approx=norm_approx)
    assert min(y) <= res.estimate <= max(y)
    if res.ci_low is not None:
        assert res.ci_high is not None
        assert min(y) <= res.ci_low <= res.ci_high <= max(y)
        if norm_approx:
            assert res.ci_low <= res.estimate <= res.ci_high


@settings(max_examples=200, deadline=None)
@given(data=studies(), method=methods_st, seed=st.integers(0, 2**32 - 1))
def test_invariant_to_study_order(data, method, seed) -> None:
    y, n = data
    perm = np.random.default_rng(seed).permutation(len(y))
    a = pool_medians(y, n, method=method)
    b = pool_medians([y[i] for i in perm], [n[i] for i in perm], method=method)
    assert (a.estimate, a.ci_low, a.ci_high) == (b.estimate, b.ci_low, b.ci_high)
    assert tuple(a.weights[i] for i in perm) == b.weights


@settings(max_examples=200, deadline=None)
@given(data=studies(), method=methods_st)
def test_weights_sum_to_100(data, method) -> None:
    y, n = data
    res = pool_medians(y, n, method=method)
    assert len(res.weights) == len(y)
    assert math.isclose(sum(res.weights), 100.0, rel_tol=1e-12)
    assert all(w > 0 for w in res.weights)
    assert res.n_total == sum(n)


@settings(max_examples=200, deadline=None)
@given(data=studies())
def test_mm_equals_numpy_median(data) -> None:
    y, n = data
    res = pool_medians(y, n, method="MM")
    assert np.isclose(res.estimate, np.median(y), rtol=CF.rtol, atol=CF.atol)


@settings(max_examples=200, deadline=None)
@given(data=studies(min_k=2))
def test_wm_is_type7_quantile_of_expanded_sample(data) -> None:
    # Hmisc wtd.quantile with frequency weights == R type 7 (numpy "linear") quantile of
    # the sample in which each study median is repeated n_i times.
    y, n = data
    res = pool_medians(y, n, method="WM")
    expanded = np.repeat(np.asarray(y, dtype=float), n)
    k = len(y)
    prob = min(0.5, Z975 / (2 * math.sqrt(k)))
    lo, mid, hi = np.quantile(expanded, [0.5 - prob, 0.5, 0.5 + prob])
    assert np.isclose(res.estimate, mid, rtol=CF.rtol, atol=CF.atol)
    assert np.isclose(res.ci_low, lo, rtol=CF.rtol, atol=CF.atol)
    assert np.isclose(res.ci_high, hi, rtol=CF.rtol, atol=CF.atol)


@settings(max_examples=100, deadline=None)
@given(data=studies(min_k=2))
def test_wm_with_equal_n_equals_mm(data) -> None:
    y, _ = data
    k = len(y)
    wm = pool_medians(y, [7] * k, method="WM")
    mm = pool_medians(y, [7] * k, method="MM")
    assert np.isclose(wm.estimate, mm.estimate, rtol=CF.rtol, atol=CF.atol)
