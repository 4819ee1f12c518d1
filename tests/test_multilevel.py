"""synthesis.models.multilevel against metafor 3.8 rma.mv (reference/multilevel_reference.json).

The JSON is produced by ``Rscript tests/reference/multilevel_reference.R`` (every case
carries its exact R call); these tests never call R.  metafor optimizes on log(sigma2), so
a component at the 0 boundary comes back as ~1e-12 there and exactly 0 here: the
tolerances' absolute part (1e-8) covers that.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthesis.models.core import fit as fit_rma
from synthesis.models.multilevel import (
    MultilevelFit,
    _codes,
    _Model,
    fit_multilevel,
)
from tests.tolerances import tol

REFERENCE = Path(__file__).parent / "reference" / "multilevel_reference.json"
DATA = json.loads(REFERENCE.read_text())
CASES: list[dict] = DATA["cases"]
BY_ID = {c["id"]: c for c in CASES}

DATASETS = (
    "konstantopoulos2011",
    "bcg-blocks3",
    "bcg-alloc",
    "bcg-singletons",
    "bcg-onecluster",
    "arms-PLO",
    "k2-two-clusters",
    "k2-one-cluster",
    "k3",
    "identical",
    "cluster-at-zero",
    "row-at-zero",
    "onecluster-bimodal",
)
ITER = tol("iterative")
CLOSED = tol("closed_form")
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def close(actual, want, t=ITER) -> bool:
    return bool(np.allclose(actual, want, rtol=t.rtol, atol=t.atol))


_FITS: dict[str, MultilevelFit] = {}


def fitted(case: dict) -> MultilevelFit:
    if case["id"] not in _FITS:
        fx = case["fixed_sigma2"]
        _FITS[case["id"]] = fit_multilevel(
            yi=case["yi"],
            vi=case["vi"],
            cluster=case["cluster"],
            method=case["method"],
            ci_method=case["ci"],
            level=case["level"],
            sigma2_cluster=fx[0],
            sigma2_row=fx[1],
        )
    return _FITS[case["id"]]


# --------------------------------------------------------------------------- reference


def compare(f: MultilevelFit, c: dict) -> list[str]:
    """Every value against metafor (empty list = pass)."""
    problems: list[str] = []
    t_test = c["ci"] == "hksj"
    k = c["k"]
    iterative = {
        "estimate": (f.estimate, c["estimate"]),
        "se": (f.se, c["se"]),
        "ci_low": (f.ci_low, c["ci_lb"]),
        "ci_high": (f.ci_high, c["ci_ub"]),
        "statistic": (f.statistic, c["tval"] if t_test else c["zval"]),
        "p_value": (f.p_value, c["pval"]),
        "sigma2_cluster": (f.sigma2_cluster, c["sigma2"][0]),
        "sigma2_row": (f.sigma2_row, c["sigma2"][1]),
        "tau2": (f.tau2, sum(c["sigma2"])),
        "I2": (f.I2, c["I2"]),
        "I2_cluster": (f.variance_components[0].I2, c["I2_levels"][0]),
        "I2_row": (f.variance_components[1].I2, c["I2_levels"][1]),
        "H2": (f.H2, (sum(c["sigma2"]) + c["typical_v"]) / c["typical_v"]),
        "loglik": (f.loglik, c["logLik"]),
    }
    if k >= 3:
        iterative["pi_low"] = (f.pi_low, c["pi_lb"])
        iterative["pi_high"] = (f.pi_high, c["pi_ub"])
    elif f.pi_low is not None or f.pi_high is not None:
        problems.append("PI must be None for k < 3")
    for name, (got, want) in iterative.items():
        if got is None or not close(got, want):
            problems.append(f"{name}: got {got!r}, want {want!r}")
    for name, (got, want) in {"Q": (f.Q, c["QE"]), "Q_p": (f.Q_p, c["QEp"])}.items():
        if got is None or not close(got, want, CLOSED):
            problems.append(f"{name}: got {got!r}, want {want!r} (closed form)")
    exact = {
        "k": (f.k, k),
        "Q_df": (f.Q_df, c["QE_df"]),
        "df": (f.df, c["df"] if t_test else None),
        "ci_method": (f.ci_method, c["ci"]),
        "n": ([vc.n for vc in f.variance_components], c["s_nlevels"]),
        "fixed": ([vc.fixed for vc in f.variance_components], c["s_fixed"]),
        "levels": ([vc.level for vc in f.variance_components], ["cluster", "row"]),
    }
    for name, (got, want) in exact.items():
        if got != want:
            problems.append(f"{name}: got {got!r}, want {want!r}")
    for name, got, want in (
        ("weights", f.weights, c["weights_rowsum"]),
        ("weights_diagonal", f.weights_diagonal, c["weights"]),
    ):
        if len(got) != k or not close(got, want):
            problems.append(f"{name}: got {list(got)}, want {want}")
    if f.tau != math.sqrt(f.tau2):  # metafor has no tau for rma.mv; sqrt at 0 is not comparable
        problems.append("tau must be sqrt(tau2)")
    if not f.converged:
        problems.append("not converged")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_against_metafor(case):
    assert compare(fitted(case), case) == []


def test_grid_is_complete():
    ids = set(BY_ID)
    assert len(ids) == len(CASES) == DATA["meta"]["n_cases"]
    assert DATA["meta"]["metafor_version"].startswith("3.8")
    for ds in DATASETS:
        for method in ("REML", "ML"):
            for ci in ("wald", "hksj"):
                assert f"{ds}-{method}-{ci}" in ids, (ds, method, ci)
    for extra in (
        "konstantopoulos2011-REML-wald-L90",
        "konstantopoulos2011-ML-hksj-L90",
        "konstantopoulos2011-fixed-cluster0-REML-wald",
        "konstantopoulos2011-fixed-cluster0-ML-wald",
    ):
        assert extra in ids
    for c in CASES:
        assert "rma.mv(yi, vi, random = ~ 1 | cluster/row" in c["r_call"]
        assert c["control"] == "tight", c["id"]  # every reference is the tightly converged fit
        assert len(c["yi"]) == len(c["vi"]) == len(c["cluster"]) == c["k"]


def test_reference_is_converged_and_we_are_at_least_as_good():
    """Our optimum is a true stationary point and not below metafor's log-likelihood."""
    for c in CASES:
        f = fitted(c)
        model = _Model(
            np.asarray(c["yi"]) - np.mean(c["yi"]),
            np.asarray(c["vi"], dtype=float),
            _codes(c["cluster"], c["k"]),
            c["method"] == "REML",
        )
        state = model.state(np.array([f.sigma2_cluster, f.sigma2_row]))
        assert state.loglik >= c["logLik"] - 1e-10, c["id"]
        free = [not vc.fixed for vc in f.variance_components]
        if not f.identified:
            free = [False, True]  # only the sum (moved along the row level) is identified
        for j, value in enumerate((f.sigma2_cluster, f.sigma2_row)):
            if not free[j]:
                continue
            if value > 0:  # interior: zero gradient
                assert abs(state.grad[j]) <= 1e-6 * (1 + abs(state.loglik)) / max(value, 1e-3)
            else:  # at the bound: the likelihood must not increase inward
                assert state.grad[j] <= 1e-8, (c["id"], j, state.grad)


def test_konstantopoulos_published_values():
    """Konstantopoulos (2011) / metafor's analysis example, REML: printed to 4 digits."""
    f = fitted(BY_ID["konstantopoulos2011-REML-wald"])
    assert round(f.sigma2_cluster, 4) == 0.0651
    assert round(f.sigma2_row, 4) == 0.0327
    assert round(f.estimate, 4) == 0.1847
    assert round(f.se, 4) == 0.0846
    assert round(f.Q, 4) == 578.8640
    assert (f.variance_components[0].n, f.variance_components[1].n) == (11, 56)


def test_special_cases_warn():
    one = fitted(BY_ID["bcg-onecluster-REML-wald"])
    assert one.sigma2_cluster == 0.0 and one.variance_components[0].fixed
    assert one.identified and any("one cluster" in w for w in one.warnings)
    single = fitted(BY_ID["bcg-singletons-REML-wald"])
    assert not single.identified
    assert single.sigma2_cluster == single.sigma2_row
    assert any("not separately identified" in w for w in single.warnings)
    k2 = fitted(BY_ID["k2-two-clusters-ML-hksj"])
    assert k2.pi_low is None and k2.pi_high is None and k2.df == 1
    assert any("prediction interval" in w for w in k2.warnings)
    full = fitted(BY_ID["konstantopoulos2011-REML-wald"])
    assert full.warnings == () and full.identified


# --------------------------------------------------------------------------- hand computation


def dense_fit(y, v, cluster, sc, sr, reml):
    """The model written out with k x k matrices (for checking the O(k) algebra)."""
    y = np.asarray(y, float)
    v = np.asarray(v, float)
    codes = _codes(cluster, len(y))
    z = (codes[:, None] == codes[None, :]).astype(float)
    vmat = sc * z + np.diag(v + sr)
    w = np.linalg.inv(vmat)
    one = np.ones(len(y))
    s = one @ w @ one
    mu = one @ w @ y / s
    r = y - mu
    k = len(y)
    logdet = np.linalg.slogdet(vmat)[1]
    if reml:
        ll = -0.5 * (k - 1) * math.log(2 * math.pi) + 0.5 * math.log(k)
        ll += -0.5 * logdet - 0.5 * math.log(s) - 0.5 * r @ w @ r
    else:
        ll = -0.5 * k * math.log(2 * math.pi) - 0.5 * logdet - 0.5 * r @ w @ r
    return {"mu": mu, "se": 1 / math.sqrt(s), "ll": ll, "w_row": w @ one, "w_diag": np.diag(w)}


def test_fixed_components_equal_the_dense_formulas():
    """Both sigma2 held fixed: GLS with V = s_c Z Z' + diag(v + s_r), nothing iterative."""
    y = [0.3, -0.1, 0.8, 0.5, 0.2, 1.1, -0.4]
    v = [0.05, 0.08, 0.04, 0.1, 0.06, 0.09, 0.07]
    cl = ["a", "a", "b", "b", "b", "c", "d"]
    for reml in (True, False):
        f = fit_multilevel(
            yi=y, vi=v, cluster=cl, method="REML" if reml else "ML",
            sigma2_cluster=0.07, sigma2_row=0.02,
        )  # fmt: skip
        want = dense_fit(y, v, cl, 0.07, 0.02, reml)
        assert close(f.estimate, want["mu"], CLOSED)
        assert close(f.se, want["se"], CLOSED)
        assert close(f.loglik, want["ll"], CLOSED)
        assert close(f.weights, 100 * want["w_row"] / want["w_row"].sum(), CLOSED)
        assert close(f.weights_diagonal, 100 * want["w_diag"] / want["w_diag"].sum(), CLOSED)
        assert [vc.fixed for vc in f.variance_components] == [True, True]
        z = f.estimate / f.se
        assert close(f.ci_low, f.estimate - 1.959963984540054 * f.se, CLOSED)
        assert close(f.p_value, math.erfc(abs(z) / math.sqrt(2)), CLOSED)


# --------------------------------------------------------------------------- properties


@st.composite
def datasets(draw, min_k=2, max_k=12):
    k = draw(st.integers(min_k, max_k))
    n_cl = draw(st.integers(1, k))
    codes = draw(st.lists(st.integers(0, n_cl - 1), min_size=k, max_size=k))
    y = draw(st.lists(st.floats(-3, 3, allow_nan=False), min_size=k, max_size=k))
    v = draw(st.lists(st.floats(0.01, 1.0, allow_nan=False), min_size=k, max_size=k))
    return np.array(y), np.array(v), [f"c{c}" for c in codes]


methods = st.sampled_from(("REML", "ML"))
cis = st.sampled_from(("wald", "hksj"))


def same_fit(a: MultilevelFit, b: MultilevelFit, perm=None) -> None:
    for name in ("estimate", "se", "ci_low", "ci_high", "statistic", "p_value", "tau2", "I2"):
        assert close(getattr(a, name), getattr(b, name)), name
    assert close(a.sigma2_cluster, b.sigma2_cluster) and close(a.sigma2_row, b.sigma2_row)
    assert (a.pi_low is None) == (b.pi_low is None)
    wb = np.asarray(b.weights)
    if perm is not None:
        wb_perm = np.empty_like(wb)
        wb_perm[perm] = wb  # b's row j is a's row perm[j]
        wb = wb_perm
    assert close(a.weights, wb)


@SETTINGS
@given(data=datasets(), method=methods, ci=cis, seed=st.integers(0, 2**32 - 1))
def test_relabelling_and_permuting_rows_leave_the_fit_unchanged(data, method, ci, seed):
    y, v, cl = data
    base = fit_multilevel(yi=y, vi=v, cluster=cl, method=method, ci_method=ci)
    assert base.converged
    rng = np.random.default_rng(seed)
    names = sorted(set(cl))
    mapping = dict(zip(names, rng.permutation(len(names)).tolist(), strict=True))
    relabelled = fit_multilevel(
        yi=y, vi=v, cluster=[mapping[c] * 7 + 100 for c in cl], method=method, ci_method=ci
    )
    same_fit(base, relabelled)
    perm = rng.permutation(len(y))
    permuted = fit_multilevel(
        yi=y[perm], vi=v[perm], cluster=[cl[i] for i in perm], method=method, ci_method=ci
    )
    same_fit(base, permuted, perm)


@SETTINGS
@given(data=datasets(), method=methods)
def test_cluster_component_forced_to_zero_is_rma_uni(data, method):
    """sigma2_cluster = 0: the model is rma.uni's random-effects model, tau2 = sigma2_row."""
    y, v, cl = data
    f = fit_multilevel(yi=y, vi=v, cluster=cl, method=method, sigma2_cluster=0.0)
    ref = fit_rma(y, v, method=method, tau2_ci=False)
    assert f.sigma2_cluster == 0.0 and f.variance_components[0].fixed
    # rma.uni's Fisher scoring can stop at a lower local maximum (see
    # test_rma_uni_local_maximum): then ours must be the higher one
    ll_ref = _Model(y, v, _codes(cl, len(y)), method == "REML").loglik(np.array([0.0, ref.tau2]))
    if not close(f.sigma2_row, ref.tau2):
        assert f.loglik > ll_ref + 1e-8
        return
    assert close(f.loglik, ll_ref)
    assert close(f.estimate, ref.estimate) and close(f.se, ref.se)
    assert close(f.I2, ref.I2) and close(f.H2, ref.H2)
    assert close(f.Q, ref.Q, CLOSED) and close(f.Q_p, ref.Q_p, CLOSED)
    assert close(f.weights, ref.weights) and close(f.weights_diagonal, ref.weights)
    if len(y) >= 3:
        assert close(f.pi_low, ref.pi_low) and close(f.pi_high, ref.pi_high)


def test_rma_uni_local_maximum():
    """One cluster, ML: rma.uni (and synthesis.models.core, which follows it) stops at the local
    maximum tau2 = 0; rma.mv and fit_multilevel find the global one (reference case)."""
    c = BY_ID["onecluster-bimodal-ML-wald"]
    f = fitted(c)
    uni = fit_rma(c["yi"], c["vi"], method="ML", tau2_ci=False)
    assert uni.tau2 == 0.0  # metafor: rma(yi, vi, method="ML")$tau2 is 0, logLik -13.9078208568
    assert close(f.sigma2_row, c["sigma2"][1]) and f.sigma2_row > 0.1
    model = _Model(np.asarray(c["yi"]), np.asarray(c["vi"]), _codes(c["cluster"], 12), False)
    assert math.isclose(model.loglik(np.zeros(2)), -13.9078208568, rel_tol=1e-10)
    assert f.loglik > model.loglik(np.zeros(2)) + 0.2


@SETTINGS
@given(data=datasets(), method=methods)
def test_singletons_and_single_cluster_reduce_to_two_levels(data, method):
    y, v, _ = data
    ref = fit_rma(y, v, method=method, tau2_ci=False)
    rows = fit_multilevel(yi=y, vi=v, cluster=range(len(y)), method=method)
    assert not rows.identified and rows.sigma2_cluster == rows.sigma2_row
    assert close(rows.tau2, ref.tau2) and close(rows.estimate, ref.estimate)
    assert close(rows.se, ref.se)
    one = fit_multilevel(yi=y, vi=v, cluster=["x"] * len(y), method=method)
    assert one.sigma2_cluster == 0.0 and one.variance_components[0].fixed
    assert close(one.sigma2_row, ref.tau2) and close(one.estimate, ref.estimate)


@SETTINGS
@given(
    data=datasets(),
    method=methods,
    shift=st.floats(-5, 5, allow_nan=False),
    scale=st.floats(0.2, 5, allow_nan=False),
)
def test_location_scale_equivariance(data, method, shift, scale):
    y, v, cl = data
    f = fit_multilevel(yi=y, vi=v, cluster=cl, method=method)
    g = fit_multilevel(yi=scale * y + shift, vi=scale**2 * v, cluster=cl, method=method)
    assert close(g.estimate, scale * f.estimate + shift)
    assert close(g.se, scale * f.se)
    assert close(g.sigma2_cluster, scale**2 * f.sigma2_cluster)
    assert close(g.sigma2_row, scale**2 * f.sigma2_row)
    assert close(g.I2, f.I2) and close(g.weights, f.weights)


@SETTINGS
@given(data=datasets(min_k=1), method=methods, ci=cis, level=st.sampled_from((0.8, 0.95, 0.99)))
def test_invariants_and_no_nan(data, method, ci, level):
    y, v, cl = data
    f = fit_multilevel(yi=y, vi=v, cluster=cl, method=method, ci_method=ci, level=level)
    d = f.to_dict()
    json.dumps(d, allow_nan=False)  # JSON-safe: no NaN or inf anywhere
    assert [vc["level"] for vc in d["variance_components"]] == ["cluster", "row"]
    assert f.converged
    assert math.isclose(sum(f.weights), 100.0, rel_tol=1e-12)
    assert math.isclose(sum(f.weights_diagonal), 100.0, rel_tol=1e-12)
    assert min(f.weights) > 0
    # the estimate is the row-sum-weighted mean of yi
    assert close(f.estimate, float(np.dot(f.weights, y)) / 100.0, CLOSED)
    assert f.ci_low <= f.estimate <= f.ci_high
    if f.k >= 3:
        assert f.pi_low <= f.ci_low and f.ci_high <= f.pi_high
        assert close(f.pi_high - f.estimate, f.estimate - f.pi_low, CLOSED)
    if f.k >= 2:
        assert f.sigma2_cluster >= 0 and f.sigma2_row >= 0
        assert math.isclose(f.tau2, f.sigma2_cluster + f.sigma2_row, rel_tol=1e-15)
        parts = f.variance_components[0].I2 + f.variance_components[1].I2
        assert close(parts, f.I2, CLOSED) and 0 <= f.I2 < 100
        assert f.df == (f.k - 1 if ci == "hksj" else None)
    else:
        assert f.tau2 is None and f.Q is None and f.pi_low is None and f.ci_method == "wald"


@SETTINGS
@given(data=datasets(min_k=3), method=methods)
def test_gradient_and_hessian_are_exact(data, method):
    """O(k) log-likelihood vs the dense formula; gradient/Hessian vs central differences."""
    y, v, cl = data
    model = _Model(y, v, _codes(cl, len(y)), method == "REML")
    theta = np.array([0.11, 0.07])
    s = model.state(theta)
    want = dense_fit(y, v, cl, *theta, method == "REML")
    assert math.isclose(s.loglik, want["ll"], rel_tol=1e-10, abs_tol=1e-10)
    h = 1e-5
    eye = np.eye(2)
    g = np.array([model.loglik(theta + h * e) - model.loglik(theta - h * e) for e in eye]) / (2 * h)
    hs = np.array([model.state(theta + h * e).grad - model.state(theta - h * e).grad for e in eye])
    hs = hs / (2 * h)
    gscale = max(1.0, float(np.abs(g).max()))
    hscale = max(1.0, float(np.abs(hs).max()))
    assert np.abs(g - s.grad).max() <= 1e-5 * gscale
    assert np.abs(hs - s.hess).max() <= 1e-5 * hscale


# --------------------------------------------------------------------------- edges and API


def test_k1():
    f = fit_multilevel(yi=[0.4], vi=[0.04], cluster=["a"], ci_method="hksj")
    assert f.estimate == 0.4 and math.isclose(f.se, 0.2)
    assert f.ci_method == "wald" and f.df is None
    assert f.tau2 is None and f.sigma2_cluster is None and f.I2 is None and f.Q is None
    assert f.pi_low is None and f.weights == (100.0,) and len(f.warnings) == 2
    json.dumps(f.to_dict(), allow_nan=False)


def test_identical_estimates_at_the_boundary():
    f = fit_multilevel(yi=[0.5] * 5, vi=[0.1, 0.2, 0.1, 0.3, 0.05], cluster=[1, 1, 2, 2, 3])
    assert f.sigma2_cluster == 0.0 and f.sigma2_row == 0.0 and f.I2 == 0.0
    assert math.isclose(f.estimate, 0.5, rel_tol=1e-14)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"yi": [], "vi": [], "cluster": []}, "k = 0"),
        ({"yi": [1, 2], "vi": [0.1], "cluster": [1, 2]}, "same length"),
        ({"yi": [1, 2], "vi": [0.1, 0.1], "cluster": [1]}, "one label per row"),
        ({"yi": [1, float("nan")], "vi": [0.1, 0.1], "cluster": [1, 2]}, "non-finite"),
        ({"yi": [1, 2], "vi": [0.1, 0.0], "cluster": [1, 2]}, "vi must be"),
        ({"yi": [1, 2], "vi": [0.1, 0.2], "cluster": [1, None]}, "missing"),
        ({"yi": [1, 2], "vi": [0.1, 0.2], "cluster": [1, 2], "method": "DL"}, "method"),
        ({"yi": [1, 2], "vi": [0.1, 0.2], "cluster": [1, 2], "ci_method": "knha"}, "ci_method"),
        ({"yi": [1, 2], "vi": [0.1, 0.2], "cluster": [1, 2], "level": 95}, "level"),
        ({"yi": [1, 2], "vi": [0.1, 0.2], "cluster": [1, 2], "sigma2_row": -1}, "sigma2_row"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit_multilevel(**kwargs)


def test_to_frame_and_to_fit():
    c = BY_ID["arms-PLO-REML-hksj"]
    f = fitted(c)
    frame = f.to_frame()
    assert frame.shape[0] == 1
    assert close(frame["sigma2_cluster"].iloc[0], c["sigma2"][0])
    assert frame["n_row"].iloc[0] == 14 and frame["n_cluster"].iloc[0] == 7
    fit = f.to_fit()
    assert fit.tau2 == f.tau2 and fit.df == 13 and fit.weights == f.weights
    assert fit.tau2_ci_low is None
    vc = f.to_dict()["variance_components"]
    assert vc[0]["level"] == "cluster" and vc[0]["n"] == 7 and vc[1]["n"] == 14
