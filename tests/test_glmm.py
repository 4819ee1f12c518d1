"""synthesis.models.glmm against metafor::rma.glmm(measure="PLO") (lme4::glmer, nAGQ = 7).

Reference: tests/reference/glmm_reference.json, written by
tests/reference/glmm_reference.R (each data set records its exact R call).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from synthesis.models.glmm import _heterogeneity_tests, fit_glmm_plo, glmm_deviance
from tests.tolerances import tol

REF_PATH = Path(__file__).parent / "reference" / "glmm_reference.json"
REF = json.loads(REF_PATH.read_text())
DATASETS = {d["name"]: d for d in REF["datasets"]}
EXPECTED_SETS = {
    "pritz1997",
    "zero_and_all_events",
    "k2",
    "k3",
    "identical_proportions",
    "homogeneous",
    "large_heterogeneity",
    "small_counts",
}

# reference key -> Fit attribute
QUANTITIES = {
    "b": "estimate",
    "se": "se",
    "ci.lb": "ci_low",
    "ci.ub": "ci_high",
    "zval": "statistic",
    "pval": "p_value",
    "tau2": "tau2",
    "I2": "I2",
    "H2": "H2",
    "QE.Wld": "Q",
    "QEp.Wld": "Q_p",
    "pi.lb": "pi_low",
    "pi.ub": "pi_high",
}

_FITS: dict[str, object] = {}


def _fit(name: str):
    if name not in _FITS:
        d = DATASETS[name]
        _FITS[name] = fit_glmm_plo(d["xi"], d["ni"])
    return _FITS[name]


def _close(actual: float, expected: float, kind: str = "glmm") -> bool:
    t = tol(kind)
    return bool(np.isclose(actual, expected, rtol=t.rtol, atol=t.atol))


def test_grid_complete() -> None:
    """Every data set and every reported quantity has a reference value."""
    assert set(DATASETS) == EXPECTED_SETS
    for name, d in DATASETS.items():
        assert d["r_call"].startswith('rma.glmm(measure = "PLO"'), name
        ref = d["tight"]
        for key in [*QUANTITIES, "QE.LRT", "QEp.LRT", "deviance_objective", "theta"]:
            assert ref.get(key) is not None, (name, key)
        if name != "identical_proportions":  # lme4 cannot build its devfun there
            assert len(d["devfun_checks"]) == 4, name


@pytest.mark.parametrize("name", sorted(EXPECTED_SETS))
@pytest.mark.parametrize("key", list(QUANTITIES))
def test_against_metafor(name: str, key: str) -> None:
    fit = _fit(name)
    ref = DATASETS[name]["tight"]
    actual = getattr(fit, QUANTITIES[key])
    if key in ("pi.lb", "pi.ub") and fit.k < 3:
        assert actual is None  # no prediction interval for k < 3 (metafor gives one)
        return
    assert actual is not None and math.isfinite(actual)
    assert _close(actual, ref[key]), (name, key, actual, ref[key])


@pytest.mark.parametrize("name", sorted(EXPECTED_SETS))
def test_fixed_fields(name: str) -> None:
    fit = _fit(name)
    d = DATASETS[name]
    assert fit.method == "GLMM"
    assert fit.ci_method == "wald"
    assert fit.df is None
    assert fit.tau2_ci_low is None and fit.tau2_ci_high is None
    assert fit.k == len(d["xi"])
    assert fit.Q_df == fit.k - 1
    assert fit.tau == pytest.approx(math.sqrt(fit.tau2), rel=1e-12, abs=1e-300)
    assert sum(fit.weights) == pytest.approx(100.0, rel=1e-12)
    vi = np.asarray(d["tight"]["vi"])
    w = 1.0 / (vi + fit.tau2)
    np.testing.assert_allclose(fit.weights, 100 * w / w.sum(), rtol=1e-6)
    assert fit.converged


@pytest.mark.parametrize("name", sorted(EXPECTED_SETS))
def test_heterogeneity_lrt(name: str) -> None:
    d = DATASETS[name]
    x = np.asarray(d["xi"], float)
    n = np.asarray(d["ni"], float)
    qe_wld, qe_lrt = _heterogeneity_tests(x, n)
    assert _close(qe_wld, d["tight"]["QE.Wld"])
    assert _close(qe_lrt, d["tight"]["QE.LRT"])


@pytest.mark.parametrize("name", sorted(EXPECTED_SETS - {"identical_proportions"}))
def test_deviance_matches_lme4(name: str) -> None:
    """The nAGQ = 7 objective equals lme4's devfun value at fixed points."""
    d = DATASETS[name]
    for c in d["devfun_checks"]:
        v = glmm_deviance(d["xi"], d["ni"], theta=c["theta"], beta=c["beta"])
        assert v == pytest.approx(c["dev"], rel=1e-10), c


@pytest.mark.parametrize("name", sorted(EXPECTED_SETS))
def test_deviance_at_optimum(name: str) -> None:
    d = DATASETS[name]
    fit = _fit(name)
    v = glmm_deviance(d["xi"], d["ni"], theta=fit.tau, beta=fit.estimate)
    assert _close(v, d["tight"]["deviance_objective"])


def test_k1_raises() -> None:
    with pytest.raises(ValueError, match="at least 2 studies"):
        fit_glmm_plo([3], [10])


@pytest.mark.parametrize(("xi", "ni"), [([0, 0, 0], [10, 20, 30]), ([10, 20], [10, 20])])
def test_no_ml_estimate_raises(xi: list[int], ni: list[int]) -> None:
    with pytest.raises(ValueError, match="cannot be fitted"):
        fit_glmm_plo(xi, ni)


def test_bad_counts_raise() -> None:
    with pytest.raises(ValueError):
        fit_glmm_plo([5, 11], [10, 10])
    with pytest.raises(ValueError):
        fit_glmm_plo([1.5, 2], [10, 10])


def test_level() -> None:
    d = DATASETS["pritz1997"]
    f90 = fit_glmm_plo(d["xi"], d["ni"], level=0.90)
    half = 1.6448536269514722 * f90.se
    assert f90.ci_low == pytest.approx(f90.estimate - half, rel=1e-12)
    assert f90.level == 0.90


def _finite_or_none(fit) -> None:
    for key, value in fit.to_dict().items():
        if isinstance(value, float):
            assert math.isfinite(value), key
    for v in fit.weights:
        assert math.isfinite(v)


studies = st.lists(
    st.integers(min_value=1, max_value=60).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ),
    min_size=2,
    max_size=6,
)


@settings(max_examples=25, deadline=None)
@example(data=[(0, 1), (0, 1), (1, 1)], seed=0)  # flat in tau: lme4 warns, boundary tau = 0
@example(data=[(0, 1), (1, 1), (0, 4)], seed=0)  # tau² not identified (runs off to ~1e4)
@given(data=studies, seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_order_invariance_and_tau2_nonnegative(data: list[tuple[int, int]], seed: int) -> None:
    xi = [a for a, _ in data]
    ni = [b for _, b in data]
    if all(a == 0 for a in xi) or all(a == b for a, b in data):
        with pytest.raises(ValueError):
            fit_glmm_plo(xi, ni)
        return
    fit = fit_glmm_plo(xi, ni)
    assert fit.tau2 is not None and fit.tau2 >= 0.0
    assert fit.se > 0
    _finite_or_none(fit)
    perm = np.random.default_rng(seed).permutation(len(xi))
    fit2 = fit_glmm_plo([xi[i] for i in perm], [ni[i] for i in perm])
    t = tol("glmm")
    unidentified = any("not identified" in n for n in fit.notes)
    assert unidentified == any("not identified" in n for n in fit2.notes)
    if unidentified:
        # tau² runs off to ~1e4 (0/1, 1/1, 0/4): the likelihood is flat, and lme4's own SE
        # changes with the order too (metafor 3.8.1: se 10.165 vs 10.083 for the two
        # orders of that example). The fit says so; the numbers cannot be order-free.
        assert fit.tau > 10 and fit2.tau > 10
        return
    if fit.tau > 5 or fit2.tau > 5:
        # nearly flat in tau (all-event studies beside tiny ones, e.g. 1/1, 1/11, 47/47):
        # the optimum is order-dependent at the 2e-4 level (lme4's too): only sanity here
        assert fit.tau > 2 and fit2.tau > 2
        return
    for attr in ("estimate", "se", "tau2", "Q", "I2"):
        a, b = getattr(fit, attr), getattr(fit2, attr)
        assert np.isclose(a, b, rtol=t.rtol, atol=1e-7), (attr, a, b)
    np.testing.assert_allclose(
        np.asarray(fit2.weights), np.asarray(fit.weights)[perm], rtol=1e-4, atol=1e-6
    )


def test_import_does_not_load_scipy_optimize() -> None:
    code = (
        "import sys; import synthesis.models.glmm; "
        "bad = [m for m in ('scipy.optimize', 'scipy.stats', 'pandas', 'statsmodels') "
        "if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == ""


def test_flat_likelihood_takes_the_boundary_like_lme4() -> None:
    # metafor 3.8.1: rma.glmm(measure = "PLO", xi = c(0, 0, 1), ni = c(1, 1, 1)) gives
    # tau² 0.0000 (tau 0.0006) and estimate -0.6931 = logit(1/3), with lme4's warning
    # "Hessian is numerically singular". The deviance is flat in tau near 0.
    fit = fit_glmm_plo([0, 0, 1], [1, 1, 1])
    assert fit.tau2 == 0.0
    assert fit.estimate == pytest.approx(math.log(1 / 2), rel=1e-12)


def test_runaway_tau2_is_reported_as_not_identified() -> None:
    # metafor 3.8.1: rma.glmm(measure = "PLO", xi = c(0, 1, 0), ni = c(1, 1, 4)):
    # tau² 17880, estimate -13.17; our optimum: tau² ~ 1.8e4 as well.
    fit = fit_glmm_plo([0, 1, 0], [1, 1, 4])
    assert fit.tau2 > 1e4
    assert any("not identified" in n for n in fit.notes)
