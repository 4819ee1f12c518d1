"""Meta-regression (synthesis.models.regression, pooling.fit_batch_regression) vs metafor 3.8.

The reference JSON is produced by ``Rscript tests/reference/regression_reference.R``;
these tests never call R. Exact permutation p values are compared digit for digit;
random permutation tests (which cannot reproduce R's RNG) are compared by distribution.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthesis.models.core import ITERATIVE_METHODS, METHODS, fit, fit_batch, fit_batch_regression
from synthesis.models.regression import (
    COMPTOL,
    EXACT_LIMIT,
    Regression,
    design_matrix,
    exact_count,
    fit_regression,
    permutation_test,
)
from tests.tolerances import tol

REFERENCE = Path(__file__).parent / "reference" / "regression_reference.json"
DATA = json.loads(REFERENCE.read_text())
CASES: list[dict] = DATA["cases"]
PERMS: list[dict] = DATA["permutation_tests"]
BY_ID = {c["id"]: c for c in CASES}
CIS = ("wald", "hksj")
MODELS = (
    "bcg-intercept",
    "bcg-ablat",
    "bcg-ablat-year",
    "bcg-alloc",
    "bcg-ablat-alloc",
    "bcg-noise",
    "bcg4-ablat",
    "bangertdrowns-length-grade",
)


def kind(method: str) -> str:
    return "iterative" if method in ITERATIVE_METHODS else "closed_form"


def close(got, want, kind_: str) -> bool:
    t = tol(kind_)
    return bool(np.allclose(got, want, rtol=t.rtol, atol=t.atol))


def case_design(c: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """yi, vi, X and names as synth builds them from the raw columns (NA rows dropped)."""
    y_all = np.asarray(c["yi_all"], dtype=float)
    v_all = np.asarray(c["vi_all"], dtype=float)
    X, names, dropped = design_matrix(
        columns=c["columns"] or {}, factors=set(c["factors"]), n_rows=len(y_all)
    )
    keep = np.setdiff1d(np.arange(len(y_all)), dropped)
    return y_all[keep], v_all[keep], X, names


# --------------------------------------------------------------------------- the grid


def test_grid_is_complete() -> None:
    assert len(BY_ID) == len(CASES), "duplicate case ids"
    want = {f"{m}-{meth}-{ci}" for m in MODELS for meth in METHODS for ci in CIS}
    assert set(BY_ID) == want
    assert DATA["meta"]["metafor_version"].startswith("3.8")
    for c in CASES:
        assert c["r_call"].startswith("rma(yi, vi")
        assert f'method="{c["method"]}"' in c["r_call"]
        assert ('test="knha"' in c["r_call"]) == (c["ci"] == "hksj")
        if c["method"] in ITERATIVE_METHODS:
            assert "threshold=1e-12" in c["r_call"]
        assert len(c["yi"]) == len(c["vi"]) == len(c["fitted"]) == c["k"]
        assert len(c["b"]) == len(c["X"]) == c["p"]
    # the grid holds the cases it claims to: a truncated R2, an NA-dropping data set,
    # an intercept-only model (R2 NULL), a k = 4 model, R2 of 100 is not required
    assert BY_ID["bcg-noise-REML-wald"]["R2"] == 0
    assert BY_ID["bcg-intercept-REML-wald"]["R2"] is None
    assert not all(BY_ID["bangertdrowns-length-grade-REML-wald"]["not_na"])
    assert BY_ID["bcg4-ablat-REML-wald"]["k"] == 4
    exact = [p for p in PERMS if p["exact"] == "exact=TRUE"]
    assert {p["method"] for p in exact} >= {"REML", "DL", "FE", "PM"}
    assert {p["ci"] for p in exact} == set(CIS)
    assert any(len(p["X"]) == 1 for p in exact) and any(len(p["X"]) > 2 for p in exact)


def _compare(r: Regression, c: dict) -> list[str]:
    k_ = kind(c["method"])
    knha = c["metafor_test"] == "knha"
    problems = []

    def check(name, got, want, k2=k_):
        if want is None:
            if got is not None and not (isinstance(got, list) and all(g is None for g in got)):
                problems.append(f"{name}: got {got}, want None")
        elif got is None or not close(got, want, k2):
            problems.append(f"{name}: got {got}, want {want}")

    coefs = r.coefficients
    check("b", [x.estimate for x in coefs], c["b"])
    check("se", [x.se for x in coefs], c["se"])
    check("stat", [x.statistic for x in coefs], c["tval"] if knha else c["zval"])
    check("p", [x.p_value for x in coefs], c["pval"])
    check("ci_lb", [x.ci_low for x in coefs], c["ci_lb"])
    check("ci_ub", [x.ci_high for x in coefs], c["ci_ub"])
    mt = r.moderator_test
    check("QM", mt.statistic, c["QM"])
    check("QMp", mt.p_value, c["QMp"])
    if mt.df != c["QM_df"] or mt.df2 != c["QM_df2"] or r.df != c["df"]:
        problems.append(f"df: {mt.df}, {mt.df2}, {r.df} vs {c['QM_df']}, {c['QM_df2']}, {c['df']}")
    h = r.residual_heterogeneity
    check("tau2", h.tau2, None if c["method"] == "FE" else c["tau2"])
    check("I2", h.I2, c["I2"])
    check("H2", h.H2, c["H2"])
    check("QE", h.Q, c["QE"])
    check("QEp", h.Q_p, c["QEp"])
    if h.Q_df != c["QE_df"]:
        problems.append(f"QE_df {h.Q_df} vs {c['QE_df']}")
    check("R2", r.R2, c["R2"])
    if c["R2"] == 0 and r.R2 != 0:
        problems.append(f"R2 truncated: got {r.R2}")
    check("fitted", list(r.fitted), c["fitted"])
    check("residuals", list(r.residuals), c["residuals"])
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fit_regression_matches_metafor(case: dict) -> None:
    y, v, X, names = case_design(case)
    np.testing.assert_array_equal(X, np.column_stack(case["X"]))
    np.testing.assert_array_equal(y, case["yi"])
    r = fit_regression(
        yi=y, vi=v, X=X, names=names, method=case["method"], ci_method=case["ci"], level=0.95
    )
    problems = _compare(r, case)
    assert not problems, f"{case['id']}: {problems}\n{case['r_call']}"
    assert r.k == case["k"] and r.converged
    assert r.names == names
    d = r.to_dict()
    assert "NaN" not in json.dumps(d) and "Infinity" not in json.dumps(d)


def _batch_groups() -> dict[tuple[str, str, int], list[dict]]:
    groups: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
    for c in CASES:
        groups[(c["method"], c["ci"], c["p"])].append(c)
    return groups


GROUPS = _batch_groups()


@pytest.mark.parametrize("key", sorted(GROUPS), ids=[f"{m}-{c}-p{p}" for m, c, p in sorted(GROUPS)])
def test_fit_batch_regression_ragged_matches_metafor(key) -> None:
    """Every case with the same method, test and p in one ragged (m, K, p) batch."""
    method, ci, p = key
    cases = GROUPS[key]
    kmax = max(c["k"] for c in cases)
    m = len(cases)
    y, v = np.zeros((m, kmax)), np.ones((m, kmax))
    X = np.full((m, kmax, p), np.nan)  # masked cells may hold anything
    mask = np.zeros((m, kmax), dtype=bool)
    for i, c in enumerate(cases):
        y[i, : c["k"]], v[i, : c["k"]] = c["yi"], c["vi"]
        X[i, : c["k"]] = np.column_stack(c["X"])
        mask[i, : c["k"]] = True
    b = fit_batch_regression(y, v, X, method=method, ci=ci, mask=mask)
    k_ = kind(method)
    for i, c in enumerate(cases):
        assert close(b.coef[i], c["b"], k_), c["id"]
        assert close(b.se[i], c["se"], k_), c["id"]
        assert close(b.p_value[i], c["pval"], k_), c["id"]
        assert close(b.QM[i], c["QM"], k_), c["id"]
        assert close(b.QE[i], c["QE"], k_), c["id"]
        if method != "FE":
            assert close(b.tau2[i], c["tau2"], k_), c["id"]
        assert close(b.fitted[i, : c["k"]], c["fitted"], k_), c["id"]
        assert not b.fitted[i, c["k"] :].any()


# --------------------------------------------------------------------------- permutations


def _perm_inputs(p: dict):
    return np.asarray(p["yi"]), np.asarray(p["vi"]), np.column_stack(p["X"])


@pytest.mark.parametrize("perm", PERMS, ids=[p["id"] for p in PERMS])
def test_exact_count_matches_metafor(perm: dict) -> None:
    _, _, X = _perm_inputs(perm)
    assert exact_count(X) == perm["exact_iter"]


EXACT = [p for p in PERMS if p["exact"] == "exact=TRUE"]


@pytest.mark.parametrize("perm", EXACT, ids=[p["id"] for p in EXACT])
def test_exact_permutation_matches_metafor(perm: dict) -> None:
    y, v, X = _perm_inputs(perm)
    names = ["intercept"] + [f"x{j}" for j in range(1, X.shape[1])]
    res = permutation_test(
        yi=y, vi=v, X=X, names=names, method=perm["method"], ci_method=perm["ci"],
        permutations="exact",
    )  # fmt: skip
    assert res.exact and res.n == perm["n_perm"] == perm["exact_iter"]
    assert res.failed == 0
    # p values are counts over n: compare the counts exactly
    got = [round(p * res.n) for p in res.p_values]
    want = [round(p * res.n) for p in perm["pval"]]
    assert got == want, (res.p_values, perm["pval"])
    assert round(res.QM_p * res.n) == round(perm["QMp"] * res.n)
    # metafor's rule: the same test is exact without asking when the count fits
    auto = permutation_test(
        yi=y, vi=v, X=X, names=names, method=perm["method"], ci_method=perm["ci"],
        permutations=res.n,
    )  # fmt: skip
    assert auto.exact and auto.p_values == res.p_values and auto.seed is None


RANDOM = [p for p in PERMS if p["id"].startswith("random")]


@pytest.mark.parametrize("perm", RANDOM, ids=[p["id"] for p in RANDOM])
def test_random_permutation_agrees_with_metafor_in_distribution(perm: dict) -> None:
    """R's p from 1,000 permutations vs ours from 20,000: within 4.5 binomial SEs."""
    y, v, X = _perm_inputs(perm)
    names = ["intercept"] + [f"x{j}" for j in range(1, X.shape[1])]
    n_r = perm["n_perm"]
    res = permutation_test(
        yi=y, vi=v, X=X, names=names, method=perm["method"], ci_method=perm["ci"],
        permutations=20_000, seed=11,
    )  # fmt: skip
    for ours, theirs in zip((*res.p_values, res.QM_p), (*perm["pval"], perm["QMp"]), strict=True):
        se = math.sqrt(max(ours * (1 - ours), 1.0 / n_r) / n_r)
        assert abs(ours - theirs) <= 4.5 * se + 1.0 / n_r, (ours, theirs)


def test_random_converges_to_exact() -> None:
    """Random arrangements of a data set estimate the exact enumeration's p values."""
    perm = next(p for p in EXACT if p["id"] == "exact-bcg7-ablat-alloc-REML-wald")
    y, v, X = _perm_inputs(perm)
    names = ["intercept", "ablat", "alloc=random"]
    n = 4000  # < 5040 distinct arrangements: random
    res = permutation_test(yi=y, vi=v, X=X, names=names, permutations=n, seed=3)
    assert not res.exact and res.n == n and res.exact_count == 5040
    for ours, exact_p in zip((*res.p_values, res.QM_p), (*perm["pval"], perm["QMp"]), strict=True):
        assert abs(ours - exact_p) <= 4.5 * math.sqrt(exact_p * (1 - exact_p) / n) + 1 / n
    # sign flips: 2^13 = 8192 > 2000 -> random; compare with the exact enumeration
    c = BY_ID["bcg-intercept-DL-wald"]
    X1 = np.ones((c["k"], 1))
    ex = permutation_test(yi=c["yi"], vi=c["vi"], X=X1, names=["intercept"], method="DL",
                          permutations="exact")  # fmt: skip
    rnd = permutation_test(yi=c["yi"], vi=c["vi"], X=X1, names=["intercept"], method="DL",
                           permutations=2000, seed=5)  # fmt: skip
    assert ex.exact and ex.n == 8192 and not rnd.exact
    pe = ex.p_values[0]
    assert abs(rnd.p_values[0] - pe) <= 4.5 * math.sqrt(max(pe * (1 - pe), 1e-3) / 2000) + 1e-3


def test_random_permutation_properties() -> None:
    c = BY_ID["bcg-ablat-REML-wald"]
    y, v, X = np.asarray(c["yi"]), np.asarray(c["vi"]), np.column_stack(c["X"])
    names = ["intercept", "ablat"]
    a = permutation_test(yi=y, vi=v, X=X, names=names, permutations=300, seed=1)
    b = permutation_test(yi=y, vi=v, X=X, names=names, permutations=300, seed=1)
    other = permutation_test(yi=y, vi=v, X=X, names=names, permutations=300, seed=2)
    assert a == b  # a seed fixes the arrangements
    assert a.seed == 1 and a.n == 300 and not a.exact
    assert a.p_values != other.p_values or a.QM_p != other.QM_p
    for p in (*a.p_values, a.QM_p):
        assert 1 / 300 <= p <= 1  # the observed arrangement is counted
    # one moderator under z: QM = z^2, so the two permutation p values are the same
    assert a.QM_p == a.p_values[1]
    reg = fit_regression(yi=y, vi=v, X=X, names=names).with_permutation(a)
    d = reg.to_dict()
    assert d["permutations"] == {"n": 300, "exact": False}
    assert d["coefficients"][1]["permutation_p"] == a.p_values[1]
    assert d["moderator_test"]["permutation_p"] == a.QM_p


def test_permutation_errors() -> None:
    c = BY_ID["bcg-ablat-REML-wald"]
    X = np.column_stack(c["X"])
    with pytest.raises(ValueError, match="exact test needs 389188800"):
        permutation_test(yi=c["yi"], vi=c["vi"], X=X, names=["i", "a"], permutations="exact")
    with pytest.raises(ValueError, match=">= 2"):
        permutation_test(yi=c["yi"], vi=c["vi"], X=X, names=["i", "a"], permutations=1)
    assert EXACT_LIMIT < 389188800


def test_comparison_tolerance_is_metafors() -> None:
    # the JSON holds R's value to 15 significant digits
    assert math.isclose(DATA["meta"]["permutest_comptol"], COMPTOL, rel_tol=1e-13)
    assert np.finfo(float).eps ** 0.5 == COMPTOL


# --------------------------------------------------------------------------- design matrix


def test_design_matrix_treatment_coding() -> None:
    X, names, dropped = design_matrix(
        columns={
            "ablat": [44, 55, None, 13, 20],
            "alloc": ["random", "alternate", "x", "systematic", "random"],
        },
        factors=set(),
    )
    assert dropped == (2,)
    assert names == ("intercept", "ablat", "alloc=random", "alloc=systematic")
    np.testing.assert_array_equal(
        X, [[1, 44, 1, 0], [1, 55, 0, 0], [1, 13, 0, 1], [1, 20, 1, 0]]
    )  # alternate (first in sorted order) is the reference level


def test_design_matrix_numeric_factor_sorts_numerically() -> None:
    X, names, _ = design_matrix(columns={"grade": [10, 2, 9, 2]}, factors={"grade"})
    assert names == ("intercept", "grade=9", "grade=10")
    np.testing.assert_array_equal(X[:, 1:], [[0, 1], [0, 0], [1, 0], [0, 0]])
    # strings and bools are categorical without being named in factors
    _, names, _ = design_matrix(columns={"g": ["10", "9", "10"]}, factors=set())
    assert names == ("intercept", "g=9")  # "10" < "9" as text
    _, names, _ = design_matrix(columns={"b": [True, False, True]}, factors=set())
    assert names == ("intercept", "b=True")
    # floats that are whole numbers are named as R prints them
    _, names, _ = design_matrix(columns={"d": [1.0, 2.5, 1.0]}, factors={"d"})
    assert names == ("intercept", "d=2.5")


def test_design_matrix_missing_values() -> None:
    X, names, dropped = design_matrix(
        columns={"a": [1.0, float("nan"), 3.0, 4.0, 5.0], "t": ["u", "v", "", "u", "v"]},
        factors=set(),
    )
    assert dropped == (1, 2)
    assert X.shape == (3, 3) and names == ("intercept", "a", "t=v")
    X, names, dropped = design_matrix(columns={}, factors=set(), n_rows=4)
    assert X.shape == (4, 1) and names == ("intercept",) and dropped == ()


def test_design_matrix_errors() -> None:
    with pytest.raises(ValueError, match=r"'twice' is redundant.*'twice'.*intercept, a"):
        design_matrix(columns={"a": [1, 2, 3, 5], "twice": [2, 4, 6, 10]}, factors=set())
    with pytest.raises(ValueError, match="'c' is redundant"):
        design_matrix(columns={"c": [7, 7, 7]}, factors=set())
    with pytest.raises(ValueError, match="'x' is redundant"):  # x = 1 - (t=v)
        design_matrix(columns={"t": ["u", "v", "u"], "x": [1, 0, 1]}, factors=set())
    with pytest.raises(ValueError, match="single level"):
        design_matrix(columns={"t": ["u", "u", None]}, factors=set())
    with pytest.raises(ValueError, match="differ in length"):
        design_matrix(columns={"a": [1, 2], "b": [1, 2, 3]}, factors=set())
    with pytest.raises(ValueError, match="n_rows"):
        design_matrix(columns={}, factors=set())


def test_fit_regression_errors() -> None:
    with pytest.raises(ValueError, match="at least 3 studies"):
        fit_regression(yi=[0.1, 0.2], vi=[0.1, 0.1], X=[[1, 0], [1, 1]], names=["i", "a"])
    with pytest.raises(ValueError, match="not of full rank"):
        fit_regression(
            yi=[0.1, 0.2, 0.3], vi=[0.1] * 3, X=[[1, 2], [1, 2], [1, 2]], names=["i", "a"]
        )
    with pytest.raises(ValueError, match="names"):
        fit_regression(yi=[0.1, 0.2, 0.3], vi=[0.1] * 3, X=[[1], [1], [1]], names=["i", "a"])


# --------------------------------------------------------------------------- properties

effects = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_subnormal=False)
variances = st.floats(min_value=0.01, max_value=2.0, allow_nan=False, allow_subnormal=False)
moderator = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False, allow_subnormal=False)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def regression_data(draw, min_k: int = 4, max_k: int = 12):
    k = draw(st.integers(min_value=min_k, max_value=max_k))
    y = np.array(draw(st.lists(effects, min_size=k, max_size=k)))
    v = np.array(draw(st.lists(variances, min_size=k, max_size=k)))
    x = np.array(draw(st.lists(moderator, min_size=k, max_size=k)))
    if np.ptp(x) < 0.5:  # keep the moderator informative enough to be well conditioned
        x = x + np.arange(k)
    return y, v, x


def _close_all(a, b, rtol=1e-7, atol=1e-9) -> bool:
    """Close elementwise; None (a value that does not exist) only matches None."""
    a = np.asarray(a, dtype=float)  # None -> nan
    b = np.asarray(b, dtype=float)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _exact_fit(r: Regression) -> bool:
    """knha with RSS = 0: metafor's se are 0 and QM is NA (None here)."""
    return any("scale factor is 0" in w for w in r.warnings)


@SETTINGS
@given(data=regression_data(), method=st.sampled_from(METHODS), ci=st.sampled_from(CIS),
       shift=st.floats(min_value=-50, max_value=50, allow_nan=False))  # fmt: skip
def test_shifting_a_moderator_changes_only_the_intercept(data, method, ci, shift) -> None:
    y, v, x = data
    X = np.column_stack([np.ones_like(x), x])
    a = fit_regression(yi=y, vi=v, X=X, names=["i", "x"], method=method, ci_method=ci)
    X2 = np.column_stack([np.ones_like(x), x + shift])
    b = fit_regression(yi=y, vi=v, X=X2, names=["i", "x"], method=method, ci_method=ci)
    ca, cb = a.coefficient("x"), b.coefficient("x")
    if _exact_fit(a) or _exact_fit(b):
        # knha with RSS = 0: se is 0 and the slope's p is 0/0; only the estimates compare
        # (a slope of 0 may come out as 1e-16 under the shift)
        assert _close_all(ca.estimate, cb.estimate, atol=1e-12)
        return
    assert _close_all([ca.estimate, ca.se, ca.p_value], [cb.estimate, cb.se, cb.p_value])
    ia, ib = a.coefficient("i"), b.coefficient("i")
    assert _close_all(ib.estimate, ia.estimate - shift * ca.estimate, atol=1e-8)
    ha, hb = a.residual_heterogeneity, b.residual_heterogeneity
    for f in ("tau2", "I2", "H2", "Q", "Q_p"):
        va, vb = getattr(ha, f), getattr(hb, f)
        assert (va is None) == (vb is None)
        if va is not None:
            assert _close_all(va, vb, atol=1e-8), f
    assert _close_all(a.moderator_test.statistic, b.moderator_test.statistic, atol=1e-8)
    assert _close_all(a.fitted, b.fitted, atol=1e-8)
    assert (a.R2 is None) == (b.R2 is None)
    if a.R2 is not None:
        assert abs(a.R2 - b.R2) <= 1e-6 * max(1.0, a.R2)


@SETTINGS
@given(data=regression_data(min_k=2), method=st.sampled_from(METHODS), ci=st.sampled_from(CIS))
def test_intercept_only_regression_equals_fit(data, method, ci) -> None:
    y, v, _ = data
    r = fit_regression(yi=y, vi=v, X=np.ones((y.size, 1)), names=["intercept"],
                       method=method, ci_method=ci)  # fmt: skip
    f = fit(y, v, method=method, ci=ci)
    c = r.coefficients[0]
    assert _close_all(
        [c.estimate, c.se, c.ci_low, c.ci_high], [f.estimate, f.se, f.ci_low, f.ci_high]
    )
    if _exact_fit(r):  # all yi equal under knha: se 0, z +-inf (None here) or 0/0
        assert f.se == 0 and c.se == 0 and r.moderator_test.statistic is None
        # the t test is not defined (metafor: +-Inf and 0, or NaN for 0/0): null in both
        assert c.statistic is None and c.p_value is None
        assert f.statistic is None and f.p_value is None
        return
    assert _close_all([c.statistic, c.p_value], [f.statistic, f.p_value])
    h = r.residual_heterogeneity
    assert (h.tau2 is None) == (f.tau2 is None)
    if f.tau2 is not None:
        assert _close_all(h.tau2, f.tau2, atol=1e-10)
    assert _close_all([h.I2, h.H2, h.Q, h.Q_p], [f.I2, f.H2, f.Q, f.Q_p], atol=1e-9)
    assert h.Q_df == f.Q_df and r.df == f.df
    assert r.R2 is None and any("R2" in w for w in r.warnings)
    # QM of the intercept: z^2 (chi-square, 1 df) or t^2 (F with 1 and k - 1 df)
    assert _close_all(r.moderator_test.statistic, f.statistic**2, atol=1e-9)
    assert _close_all(r.moderator_test.p_value, f.p_value, atol=1e-9)


@SETTINGS
@given(data=regression_data(), method=st.sampled_from(METHODS), ci=st.sampled_from(CIS),
       order=st.randoms(use_true_random=False), scale=st.floats(0.01, 100))  # fmt: skip
def test_order_scale_and_identities(data, method, ci, order, scale) -> None:
    y, v, x = data
    X = np.column_stack([np.ones_like(x), x])
    a = fit_regression(yi=y, vi=v, X=X, names=["i", "x"], method=method, ci_method=ci)
    # fitted + residual = yi; one moderator: QM = z^2 (t^2 under knha), same p
    assert _close_all(np.add(a.fitted, a.residuals), y, atol=1e-10)
    cx = a.coefficient("x")
    if _exact_fit(a):
        assert a.moderator_test.statistic is None and a.moderator_test.p_value is None
    else:
        assert _close_all(a.moderator_test.statistic, cx.statistic**2, atol=1e-8)
        assert _close_all(a.moderator_test.p_value, cx.p_value, atol=1e-9)
    # studies in another order: same model, fitted values permuted with them
    perm = list(range(y.size))
    order.shuffle(perm)
    b = fit_regression(yi=y[perm], vi=v[perm], X=X[perm], names=["i", "x"], method=method,
                       ci_method=ci)  # fmt: skip
    assert _close_all([c.estimate for c in a.coefficients], [c.estimate for c in b.coefficients])
    assert _close_all(np.asarray(a.fitted)[perm], b.fitted, atol=1e-9)
    # rescaling the moderator rescales its coefficient and leaves its test alone
    s = fit_regression(yi=y, vi=v, X=np.column_stack([np.ones_like(x), x * scale]),
                       names=["i", "x"], method=method, ci_method=ci)  # fmt: skip
    sx = s.coefficient("x")
    assert _close_all(sx.estimate * scale, cx.estimate, atol=1e-9)
    assert _close_all(sx.statistic, cx.statistic, atol=1e-7)


@settings(max_examples=25, deadline=None)
@given(data=regression_data(min_k=3, max_k=10), method=st.sampled_from(METHODS),
       ci=st.sampled_from(CIS))  # fmt: skip
def test_batch_with_ones_column_equals_fit_batch(data, method, ci) -> None:
    """The design-matrix path with X = 1 is the intercept-only core (sums path)."""
    y, v, _ = data
    ys = np.stack([y, -y, 2 * y + 1])
    vs = np.stack([v, v, v])
    a = fit_batch(ys, vs, method=method, ci=ci, tau2_ci=False)
    b = fit_batch_regression(ys, vs, np.ones((y.size, 1)), method=method, ci=ci)
    assert _close_all(b.coef[:, 0], a.estimate) and _close_all(b.se[:, 0], a.se)
    # an HKSJ scale factor of 0 (equal y): the pooling core has no t test (NaN, QA defect
    # 1); the regression core keeps metafor's t = +-Inf, p = 0 for the permutation counts
    # (fit_regression reports those tests as null)
    tested = ~np.isnan(a.p_value)
    assert (tested | b.zero_scale).all()
    assert _close_all(b.p_value[tested, 0], a.p_value[tested])
    assert _close_all(np.nan_to_num(b.tau2), np.nan_to_num(a.tau2), atol=1e-10)
    assert _close_all(b.QE, a.Q, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(data=regression_data(min_k=4, max_k=7), method=st.sampled_from(("DL", "REML", "FE")))
def test_sign_flip_exact_p_is_symmetric(data, method) -> None:
    """Flipping every yi maps the set of sign patterns onto itself: same exact p."""
    y, v, _ = data
    X = np.ones((y.size, 1))
    a = permutation_test(yi=y, vi=v, X=X, names=["i"], method=method, permutations="exact")
    b = permutation_test(yi=-y, vi=v, X=X, names=["i"], method=method, permutations="exact")
    assert a.exact and a.n == 2**y.size
    assert a.p_values == b.p_values
    assert 2 / a.n <= a.p_values[0] <= 1  # the observed pattern and its mirror count
