"""Cross-checks of the meta-regression core against PyMARE (what PyMARE supports).

PyMARE fits DL, HE, ML, REML and fixed-effect (weighted least squares) meta-regressions
with Wald or Knapp-Hartung inference and runs permutation tests. Where it defines a
quantity differently from metafor, the test asserts the difference that definition
predicts instead of skipping it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from synthesis.models.regression import fit_regression, permutation_test
from tests.tolerances import tol

REFERENCE = Path(__file__).parent / "reference" / "regression_reference.json"
DATA = json.loads(REFERENCE.read_text())
CASES = [c for c in DATA["cases"] if c["method"] in ("FE", "DL", "HE", "ML", "REML")]
PERMS = {p["id"]: p for p in DATA["permutation_tests"]}


def _pymare(method: str, ci: str):
    from pymare.estimators import (
        DerSimonianLaird,
        Hedges,
        VarianceBasedLikelihoodEstimator,
        WeightedLeastSquares,
    )

    corr = "knapp-hartung" if ci == "hksj" else "wald"
    if method == "FE":
        return WeightedLeastSquares(tau2=0.0, small_sample_correction=corr)
    if method == "DL":
        return DerSimonianLaird(small_sample_correction=corr)
    if method == "HE":
        return Hedges(small_sample_correction=corr)
    # a bounded scalar search; its default xtol (1e-6 of the bracket) is too loose
    return VarianceBasedLikelihoodEstimator(method=method, small_sample_correction=corr, xtol=1e-12)


def _fit_pymare(method: str, ci: str, y, v, X):
    from pymare import Dataset

    ds = Dataset(y=np.asarray(y), v=np.asarray(v), X=X[:, 1:] if X.shape[1] > 1 else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _pymare(method, ci).fit_dataset(ds).summary()


def _tolerance(case: dict):
    if case["method"] in ("ML", "REML"):
        return tol("iterative")
    if case["mods"] and "year" in case["mods"]:  # an ill-conditioned X'WX: see the entry
        return tol("pymare_regression")
    return tol("closed_form")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_pymare_regression(case: dict) -> None:
    X = np.column_stack(case["X"])
    ours = fit_regression(
        yi=case["yi"], vi=case["vi"], X=X, names=case["X_names"], method=case["method"],
        ci_method=case["ci"],
    )  # fmt: skip
    res = _fit_pymare(case["method"], case["ci"], case["yi"], case["vi"], X)
    fe = res.get_fe_stats(alpha=0.05)
    t = _tolerance(case)

    def same(theirs, mine) -> None:
        np.testing.assert_allclose(np.ravel(theirs), mine, rtol=t.rtol, atol=t.atol)

    coefs = ours.coefficients
    same(fe["est"], [c.estimate for c in coefs])
    same(fe["se"], [c.se for c in coefs])
    same(fe["ci_l"], [c.ci_low for c in coefs])
    same(fe["ci_u"], [c.ci_high for c in coefs])
    same(fe["p"], [c.p_value for c in coefs])
    if case["ci"] == "hksj":  # metafor's knha: t on k - p df in both
        assert ours.df == case["k"] - case["p"]
        assert np.all(np.ravel(res.fe_dof) == ours.df)
    else:
        assert res.fe_dof is None and ours.df is None
    h = ours.residual_heterogeneity
    if case["method"] == "FE":
        assert h.tau2 is None
    else:
        same(res.tau2, h.tau2)
    # Q: the same fixed-effect residual Q on k - p df (QE)
    het = res.get_heterogeneity_stats()
    np.testing.assert_allclose(np.ravel(het["Q"]), h.Q, rtol=t.rtol, atol=t.atol)
    np.testing.assert_allclose(np.ravel(het["p(Q)"]), h.Q_p, rtol=t.rtol, atol=t.atol)
    # PyMARE's I^2 is Higgins' Q-based max(0, (QE - df) / QE); metafor's (ours) is
    # tau2 / (vt + tau2) with vt = (k - p) / tr(P): the two agree for DL and FE only.
    q_based = max(0.0, 100.0 * (h.Q - h.Q_df) / h.Q)
    np.testing.assert_allclose(np.ravel(het["I^2"]), q_based, rtol=1e-12)
    if case["method"] in ("DL", "FE"):
        np.testing.assert_allclose(q_based, h.I2, rtol=t.rtol, atol=1e-9)


# Exact permutation tests. PyMARE enumerates all k! row orders (metafor and synth the
# distinct arrangements k! / prod(n_c!)); every distinct arrangement occurs equally often
# among the k! orders, so the p values are the same fractions.
EXACT_CLOSED = [
    "exact-bcg6-ablat-DL-wald",
    "exact-bcg8-intercept-DL-wald",
    "exact-bcg6-ablat-FE-wald",
    "exact-bcg8-intercept-FE-wald",
]


@pytest.mark.parametrize("perm_id", EXACT_CLOSED)
def test_pymare_exact_permutation(perm_id: str) -> None:
    p = PERMS[perm_id]
    X = np.column_stack(p["X"])
    ours = permutation_test(
        yi=p["yi"], vi=p["vi"], X=X, names=p["X_names"], method=p["method"],
        ci_method=p["ci"], permutations="exact",
    )  # fmt: skip
    res = _fit_pymare(p["method"], p["ci"], p["yi"], p["vi"], X)
    pt = res.permutation_test(n_perm=1000)
    assert pt.exact
    n_py = pt.n_perm
    assert n_py == (2 ** p["k"] if X.shape[1] == 1 else 720)
    theirs = np.ravel(pt.perm_p["fe_p"])
    np.testing.assert_array_equal(np.round(theirs * n_py), np.round(np.array(ours.p_values) * n_py))
    np.testing.assert_allclose(ours.p_values, p["pval"], rtol=1e-12)


def test_pymare_reml_exact_permutation_differs_by_a_tie() -> None:
    """REML: PyMARE's bounded likelihood search leaves ~1e-7 relative error, which differs
    between the two row orders of the same data set (rows 1 and 6 share ablat = 44), so one
    copy of the observed arrangement falls outside the sqrt(eps) tie tolerance; synth
    (Fisher scoring to 1e-14) counts both, as metafor does."""
    p = PERMS["exact-bcg6-ablat-REML-wald"]
    X = np.column_stack(p["X"])
    ours = permutation_test(yi=p["yi"], vi=p["vi"], X=X, names=p["X_names"], permutations="exact")
    res = _fit_pymare("REML", "wald", p["yi"], p["vi"], X)
    theirs = np.ravel(res.permutation_test(n_perm=1000).perm_p["fe_p"])
    assert ours.p_values == pytest.approx(p["pval"], rel=1e-12)
    diff = np.abs(theirs - np.array(ours.p_values)) * 720
    assert np.all(diff <= 1.0 + 1e-9)
