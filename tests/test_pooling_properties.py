"""Property tests for synthesis.models.core (hypothesis)."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from synthesis.models import core as pooling
from synthesis.models.core import CI_METHODS, METHODS, fit, fit_batch
from synthesis.models.results import Fit

# iterative solvers stop at ~1e-14 relative steps; order changes only move rounding
ORDER_RTOL = 1e-9
ORDER_ATOL = 1e-12

effects = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False, allow_subnormal=False)
variances = st.floats(min_value=1e-3, max_value=4.0, allow_nan=False, allow_subnormal=False)


@st.composite
def studies(draw, min_k: int = 1, max_k: int = 12) -> tuple[list[float], list[float]]:
    k = draw(st.integers(min_value=min_k, max_value=max_k))
    yi = draw(st.lists(effects, min_size=k, max_size=k))
    vi = draw(st.lists(variances, min_size=k, max_size=k))
    return yi, vi


methods = st.sampled_from(METHODS)
cis = st.sampled_from(CI_METHODS)
levels = st.sampled_from((0.95, 0.90, 0.99))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def no_nan(f: Fit) -> None:
    for field in dataclasses.fields(f):
        value = getattr(f, field.name)
        values = value if isinstance(value, tuple) else (value,)
        for x in values:
            if isinstance(x, float):
                assert not math.isnan(x), f"{field.name} is NaN"


@SETTINGS
@given(data=studies(), method=methods, ci=cis, level=levels)
def test_basic_invariants(data, method, ci, level) -> None:
    yi, vi = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = fit(yi, vi, method=method, ci=ci, level=level)
    no_nan(f)
    assert f.converged
    assert len(f.weights) == len(yi)
    assert math.isclose(sum(f.weights), 100.0, rel_tol=0, abs_tol=1e-9)
    assert all(w > 0 for w in f.weights)
    if f.tau2 is not None:
        assert f.tau2 >= 0
        assert f.tau == pytest.approx(math.sqrt(f.tau2))
        assert f.tau2_ci_low is not None and f.tau2_ci_high is not None
        assert 0 <= f.tau2_ci_low <= f.tau2_ci_high
    assert f.ci_low <= f.estimate <= f.ci_high
    assert min(yi) - 1e-12 <= f.estimate <= max(yi) + 1e-12  # a weighted mean
    if f.p_value is None:  # only where the HKSJ scale factor is 0: no test
        assert ci == "hksj" and f.se == 0.0 and f.statistic is None
    else:
        assert 0 <= f.p_value <= 1
    if len(yi) == 1:
        assert f.tau2 is None and f.I2 is None and f.Q is None and f.pi_low is None
        assert f.estimate == yi[0]
        assert f.se == pytest.approx(math.sqrt(vi[0]))
        assert f.ci_method == "wald"
        assert f.weights == (100.0,)
        assert f.notes
    if len(yi) < 3 or method == "FE":
        assert f.pi_low is None and f.pi_high is None
    else:
        assert f.pi_low <= f.ci_low and f.ci_high <= f.pi_high
    if len(yi) >= 2:
        assert 0 <= f.I2 <= 100
        if method == "FE":  # metafor's FE H2 is Q/(k-1): below 1 when Q < k-1
            assert math.isclose(f.H2, f.Q / (len(yi) - 1), rel_tol=1e-12)
        else:
            assert f.H2 >= 1 - 1e-12
        assert f.Q >= 0 and f.Q_df == len(yi) - 1


@SETTINGS
@given(data=studies(min_k=2), method=methods, ci=cis, perm_seed=st.integers(0, 2**32 - 1))
def test_order_does_not_matter(data, method, ci, perm_seed) -> None:
    yi, vi = data
    perm = np.random.default_rng(perm_seed).permutation(len(yi))
    a = fit(yi, vi, method=method, ci=ci)
    b = fit([yi[i] for i in perm], [vi[i] for i in perm], method=method, ci=ci)
    for field in ("estimate", "se", "ci_low", "ci_high", "tau2", "tau2_ci_low", "tau2_ci_high",
                  "I2", "H2", "Q", "pi_low", "pi_high", "p_value"):  # fmt: skip
        x, y = getattr(a, field), getattr(b, field)
        if x is None:
            assert y is None
        else:
            assert math.isclose(x, y, rel_tol=ORDER_RTOL, abs_tol=ORDER_ATOL), field
    np.testing.assert_allclose(
        np.asarray(b.weights), np.asarray(a.weights)[perm], rtol=ORDER_RTOL, atol=ORDER_ATOL
    )


@SETTINGS
@given(data=studies())
def test_fe_estimate_within_range(data) -> None:
    yi, vi = data
    f = fit(yi, vi, method="FE")
    assert min(yi) - 1e-12 <= f.estimate <= max(yi) + 1e-12
    assert f.tau2 is None and f.tau is None and f.tau2_ci_low is None and f.pi_low is None


@SETTINGS
@given(data=studies(min_k=2), tau2_scale=st.floats(0, 3))
def test_hksj_interval_as_written(data, tau2_scale) -> None:
    """HKSJ: est +- t_{k-1} sqrt(sum w (y - est)^2 / ((k-1) sum w)), w = 1/(vi + tau2)."""
    yi, vi = data
    y = np.asarray(yi) * (1 + tau2_scale)
    v = np.asarray(vi)
    k = len(y)
    f = fit(y, v, method="DL", ci="hksj", level=0.9)
    w = 1.0 / (v + f.tau2)
    mu = np.sum(w * y) / np.sum(w)
    rss = np.sum(w * (y - mu) ** 2)
    s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - 1)
    se = math.sqrt(s2w / np.sum(w))
    crit = stats.t.ppf(0.95, k - 1)
    assert f.df == k - 1
    assert f.estimate == pytest.approx(mu, rel=1e-12, abs=1e-14)
    assert f.se == pytest.approx(se, rel=1e-10, abs=1e-15)
    assert f.ci_low == pytest.approx(mu - crit * se, rel=1e-10, abs=1e-12)
    assert f.ci_high == pytest.approx(mu + crit * se, rel=1e-10, abs=1e-12)
    if se > 0:
        assert f.statistic == pytest.approx(mu / se, rel=1e-10, abs=1e-12)
        assert f.p_value == pytest.approx(2 * stats.t.sf(abs(mu / se), k - 1), rel=1e-8, abs=1e-15)
    if k >= 3:
        half = crit * math.sqrt(se**2 + f.tau2)
        assert f.pi_low == pytest.approx(mu - half, rel=1e-10, abs=1e-12)


@st.composite
def ragged_batches(draw):
    m = draw(st.integers(min_value=1, max_value=8))
    rows = [draw(studies()) for _ in range(m)]
    return rows


@SETTINGS
@given(rows=ragged_batches(), method=methods, ci=cis)
def test_batch_rows_equal_single_fits(rows, method, ci) -> None:
    kmax = max(len(r[0]) for r in rows)
    m = len(rows)
    yi = np.full((m, kmax), 1e300)  # junk in masked cells must not matter
    vi = np.full((m, kmax), -1.0)
    mask = np.zeros((m, kmax), dtype=bool)
    for i, (y, v) in enumerate(rows):
        yi[i, : len(y)] = y
        vi[i, : len(v)] = v
        mask[i, : len(y)] = True
    batch = fit_batch(yi, vi, method=method, ci=ci, mask=mask)
    for i, (y, v) in enumerate(rows):
        single = fit(y, v, method=method, ci=ci)
        row = batch.fit(i)
        for field in dataclasses.fields(Fit):
            a, b = getattr(row, field.name), getattr(single, field.name)
            if isinstance(a, float):
                assert math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-13), field.name
            elif isinstance(a, tuple) and a and isinstance(a[0], float):
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
            else:
                assert a == b, field.name


@SETTINGS
@given(data=studies(min_k=2), method=st.sampled_from(("REML", "ML", "PM", "EB")))
def test_fallback_solver_agrees(data, method) -> None:
    """The bracketing fallback finds the same tau2 as Fisher scoring / Newton."""
    yi, vi = data
    y = np.asarray(yi)[None, :] * 2.0
    v = np.asarray(vi)[None, :]
    full = fit_batch(y, v, method=method)
    saved = pooling._NEWTON_MAXITER
    pooling._NEWTON_MAXITER = 1
    try:
        forced = fit_batch(y, v, method=method, _maxiter=1)
    finally:
        pooling._NEWTON_MAXITER = saved
    assert forced.converged.all()
    scale = float(np.mean(vi))
    for field in ("tau2", "tau2_ci_low", "tau2_ci_high", "estimate"):
        a, b = getattr(full, field)[0], getattr(forced, field)[0]
        assert math.isclose(a, b, rel_tol=1e-8, abs_tol=1e-10 * scale), (field, a, b)


def test_identical_yi_gives_zero_tau2_without_warnings() -> None:
    yi = [0.4] * 6
    vi = [0.1, 0.2, 0.05, 0.3, 0.15, 0.4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in METHODS:
            for ci in CI_METHODS:
                f = fit(yi, vi, method=method, ci=ci)
                no_nan(f)
                assert f.estimate == pytest.approx(0.4)
                assert abs(f.Q) <= 1e-15
                assert f.I2 == 0.0
                if method != "FE":
                    assert f.tau2 == 0.0
                    assert f.tau2_ci_low == 0.0 and f.tau2_ci_high == 0.0
                if ci == "hksj":  # metafor: s2w = 0 -> se = 0, zero-width CI
                    assert f.se == 0.0 and f.ci_low == f.ci_high == f.estimate
                    # metafor: t = Inf, p = 0; not defined, so both None in synth
                    assert f.statistic is None and f.p_value is None
                    assert any("scale factor is 0" in n for n in f.notes)


def test_all_zero_identical_hksj_is_not_nan() -> None:
    # metafor 3.8.1: rma(c(0, 0, 0), c(.1, .2, .3), test = "knha") gives se 0, zval NaN,
    # pval NaN, CI [0, 0]; synth: None for both (as for a non-zero estimate), never NaN
    f = fit([0.0, 0.0, 0.0], [0.1, 0.2, 0.3], method="REML", ci="hksj")
    no_nan(f)
    assert f.statistic is None and f.p_value is None
    assert f.se == 0.0 and f.ci_low == f.ci_high == 0.0


def test_eb_equals_pm() -> None:
    rng = np.random.default_rng(7)
    v = rng.uniform(0.01, 0.5, (500, 9))
    y = rng.normal(0, np.sqrt(v + rng.uniform(0, 0.5, (500, 1))))
    pm = fit_batch(y, v, method="PM")
    eb = fit_batch(y, v, method="EB")
    np.testing.assert_array_equal(pm.tau2, eb.tau2)


def test_k_edge_cases() -> None:
    with pytest.raises(ValueError):
        fit([], [], method="REML")
    with pytest.raises(ValueError):
        fit_batch(np.ones((2, 3)), np.ones((2, 3)), mask=np.array([[1, 1, 0], [0, 0, 0]]))
    with pytest.raises(ValueError):
        fit([0.1, 0.2], [0.1, 0.0])
    with pytest.raises(ValueError):
        fit([0.1, float("nan")], [0.1, 0.1])
    with pytest.raises(ValueError):
        fit([0.1, 0.2], [0.1, 0.1], method="XX")
    with pytest.raises(ValueError):
        fit([0.1, 0.2], [0.1, 0.1], ci="t")
    with pytest.raises(ValueError):
        fit([0.1, 0.2], [0.1, 0.1], level=95)
    two = fit([0.1, 0.5], [0.04, 0.09], method="REML", ci="hksj")
    assert two.k == 2 and two.pi_low is None and two.I2 is not None and two.df == 1
    one = fit([0.3], [0.1], method="PM", ci="hksj")
    assert one.ci_method == "wald" and one.df is None
    assert one.ci_low == pytest.approx(0.3 - stats.norm.ppf(0.975) * math.sqrt(0.1))
    assert one.Q is None and one.Q_df is None and one.Q_p is None and one.H2 is None


def test_large_batch_is_vectorized_and_clean() -> None:
    rng = np.random.default_rng(11)
    m, kmax = 3000, 15
    v = rng.uniform(0.001, 1, (m, kmax)) * 10 ** rng.uniform(-3, 3, (m, 1))
    y = rng.normal(0, np.sqrt(v + 10 ** rng.uniform(-4, 1, (m, 1))))
    mask = np.arange(kmax)[None, :] < rng.integers(1, kmax + 1, (m, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in METHODS:
            b = fit_batch(y, v, method=method, ci="hksj", mask=mask)
            assert b.converged.all()
            np.testing.assert_allclose(b.weights.sum(axis=1), 100.0, rtol=0, atol=1e-9)
            assert (b.weights[~mask] == 0).all()
            for name in ("estimate", "se", "ci_low", "ci_high", "statistic", "p_value"):
                assert np.isfinite(getattr(b, name)).all(), name
            multi = b.k >= 2
            if method != "FE":
                assert (b.tau2[multi] >= 0).all()
                assert np.isfinite(b.tau2_ci_low[multi]).all()
