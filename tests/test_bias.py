"""synthesis.analyses.bias against metafor 3.8 (tests/reference/bias_reference.json).

The JSON is produced by ``Rscript tests/reference/bias_reference.R``; these tests never
call R. It holds what metafor reports (or the message with which it stops); synth's own
rules (a test that cannot be run is ``NotRun`` with a reason) are applied here.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.analyses.bias import (
    ESTIMATORS,
    LOW_POWER_K,
    PREDICTORS,
    FailSafeN,
    NotRun,
    RankTest,
    RegressionTest,
    TrimFill,
    _kendall_pmf,
    _mr_fit,
    _mr_quantities,
    egger,
    fail_safe_n,
    rank_test,
    regression_test,
    trim_and_fill,
)
from synthesis.models.core import CLOSED_FORM_METHODS, METHODS
from synthesis.special import stdtr, stdtrit
from tests.tolerances import tol

REFERENCE = Path(__file__).parent / "reference" / "bias_reference.json"
DATA = json.loads(REFERENCE.read_text())
DATASETS: list[dict] = DATA["datasets"]
CASES: list[dict] = DATA["cases"]
FSN_CASES: list[dict] = DATA["fsn_cases"]
DS = {d["id"]: d for d in DATASETS}
CIS = ("wald", "hksj")
MAIN = (
    "hackshaw1998-OR",
    "bcg-RR",
    "pritz1997-PLO",
    "normand1999-MD",
    "molloy2014-ZCOR",
    "bangertdrowns2004-SMD",
)


def close(actual, want, kind: str = "closed_form") -> bool:
    t = tol(kind)
    return bool(np.isclose(actual, want, rtol=t.rtol, atol=t.atol))


def kind(method: str) -> str:
    return "closed_form" if method in CLOSED_FORM_METHODS else "iterative"


def low_power(result) -> bool:
    return any("low power" in w for w in result.warnings)


# --------------------------------------------------------------------------- Egger


EGGER = [(d, e) for d in DATASETS for e in d["egger"]]


@pytest.mark.parametrize(
    ("ds", "ref"), EGGER, ids=[f"{d['id']}-{e['predictor']}-{e['level']}" for d, e in EGGER]
)
def test_egger_matches_metafor(ds: dict, ref: dict) -> None:
    res = egger(
        yi=ds["yi"], vi=ds["vi"], ni=ds["ni"], predictor=ref["predictor"], level=ref["level"]
    )
    if "error" in ref:  # metafor stops ("Model matrix no longer of full rank ...")
        assert isinstance(res, NotRun), ref["error"]
        assert not res and res.to_dict() is None
        assert "same" in res.reason
        return
    if ds["k"] < 3:  # metafor returns t = NA with df = 0
        assert ref["df"] == 0 and ref["statistic"] is None
        assert isinstance(res, NotRun) and "at least 3" in res.reason
        return
    assert isinstance(res, RegressionTest), getattr(res, "reason", "")
    pairs = {
        "statistic": "statistic",
        "p_value": "pval",
        "limit_estimate": "est",
        "limit_ci_low": "ci_lb",
        "limit_ci_high": "ci_ub",
        "slope": "slope",
    }
    for field, key in pairs.items():
        assert close(getattr(res, field), ref[key]), (field, getattr(res, field), ref[key])
    assert res.df == ref["df"] == ds["k"] - 2
    assert res.model == "lm" and res.predictor == ref["predictor"]
    assert low_power(res) == (ds["k"] < LOW_POWER_K)
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    for key in ("model", "predictor", "statistic", "df", "p_value", "limit_estimate",
                "limit_ci_low", "limit_ci_high"):  # fmt: skip
        assert key in d


def _wls_closed_form(y: np.ndarray, v: np.ndarray, x: np.ndarray, level: float) -> dict:
    """Egger's regression written out: b = (X'WX)^-1 X'Wy, s2 = sum w r^2 / (k - 2)."""
    k = y.size
    w = 1.0 / v
    xm = np.column_stack([np.ones(k), x])
    xtwx = xm.T @ (w[:, None] * xm)
    b = np.linalg.solve(xtwx, xm.T @ (w * y))
    r = y - xm @ b
    s2 = float(np.sum(w * r * r)) / (k - 2)
    se = np.sqrt(s2 * np.diag(np.linalg.inv(xtwx)))
    t = b[1] / se[1]
    crit = float(stdtrit(k - 2, 1 - (1 - level) / 2))
    return {
        "statistic": t,
        "p_value": 2 * float(stdtr(k - 2, -abs(t))),
        "limit_estimate": b[0],
        "limit_ci_low": b[0] - crit * se[0],
        "limit_ci_high": b[0] + crit * se[0],
        "slope": b[1],
        "slope_se": se[1],
        "dispersion": s2,
    }


@pytest.mark.parametrize("ds", [d for d in DATASETS if d["k"] >= 3], ids=lambda d: d["id"])
@pytest.mark.parametrize("predictor", PREDICTORS)
def test_egger_statsmodels_equals_closed_form(ds: dict, predictor: str) -> None:
    y, v = np.array(ds["yi"]), np.array(ds["vi"])
    n = np.array(ds["ni"], dtype=float)
    x = {"sei": np.sqrt(v), "vi": v, "ninv": 1 / n, "sqrtninv": 1 / np.sqrt(n)}[predictor]
    res = egger(yi=y, vi=v, ni=n, predictor=predictor, level=0.9)
    if np.ptp(x) == 0:
        assert isinstance(res, NotRun)
        return
    assert isinstance(res, RegressionTest)
    want = _wls_closed_form(y, v, x, 0.9)
    for field, value in want.items():
        assert np.isclose(getattr(res, field), value, rtol=1e-9, atol=1e-13), field


def test_egger_needs_sample_sizes() -> None:
    ds = DS["bcg-RR"]
    for pred in ("ninv", "sqrtninv"):
        res = egger(yi=ds["yi"], vi=ds["vi"], predictor=pred)
        assert isinstance(res, NotRun) and "sample size" in res.reason
        ni = list(ds["ni"])
        ni[3] = None
        assert isinstance(egger(yi=ds["yi"], vi=ds["vi"], ni=ni, predictor=pred), NotRun)
    with pytest.raises(ValueError):
        egger(yi=ds["yi"], vi=ds["vi"], predictor="ni")
    with pytest.raises(ValueError):
        egger(yi=ds["yi"], vi=ds["vi"], ni=[10, 20], predictor="ninv")


def test_egger_exact_line_is_not_run() -> None:
    v = np.array([0.01, 0.04, 0.09, 0.16])
    res = egger(yi=0.2 + 1.5 * np.sqrt(v), vi=v)
    assert isinstance(res, NotRun) and "line" in res.reason


# --------------------------------------------------------------------------- rank test


@pytest.mark.parametrize("ds", DATASETS, ids=lambda d: d["id"])
def test_rank_test_matches_metafor(ds: dict) -> None:
    ref = ds["ranktest"]
    for method in METHODS:  # metafor's ranktest uses the FE estimate whatever the method
        res = rank_test(yi=ds["yi"], vi=ds["vi"], method=method)
        if ds["k"] < 3:
            # metafor: tau = +-1, p = 1 -- uninformative; synth does not run it
            assert abs(ref["tau"]) == 1 and ref["pval"] == 1
            assert isinstance(res, NotRun) and "at least 3" in res.reason
            continue
        if ref["tau"] is None:  # all vi equal: Kendall's tau is NA
            assert isinstance(res, NotRun) and "same variance" in res.reason
            continue
        assert isinstance(res, RankTest)
        if ds["k"] > 170:  # metafor: p = NaN (gamma(k + 1) overflows in R's pkendall)
            assert ref["pval"] is None and not ref["ties"]
            assert close(res.tau, ref["tau"]) and res.exact
            assert 0 < res.p_value < 1 and any("NaN" in w for w in res.warnings)
            continue
        assert close(res.tau, ref["tau"]), (res.tau, ref["tau"])
        assert close(res.p_value, ref["pval"]), (res.p_value, ref["pval"])
        assert res.exact == (not ref["ties"])
        assert low_power(res) == (ds["k"] < LOW_POWER_K)
        assert any("normal approximation" in w for w in res.warnings) == ref["ties"]
        d = res.to_dict()
        json.dumps(d, allow_nan=False)
        assert {"tau", "p_value", "exact"} <= set(d)


def test_kendall_null_distribution_by_enumeration() -> None:
    """The exact null distribution equals a count over all n! permutations (n <= 7)."""
    for n in range(1, 8):
        counts = np.zeros(n * (n - 1) // 2 + 1)
        for perm in itertools.permutations(range(n)):
            conc = sum(perm[i] < perm[j] for i in range(n) for j in range(i + 1, n))
            counts[conc] += 1
        np.testing.assert_allclose(_kendall_pmf(n), counts / math.factorial(n), rtol=1e-14)
    # n = 4: Mahonian numbers 1 3 5 6 5 3 1 over 24
    np.testing.assert_allclose(_kendall_pmf(4) * 24, [1, 3, 5, 6, 5, 3, 1], rtol=1e-14)


def test_kendall_moving_sums_equal_direct_convolution(monkeypatch) -> None:
    """Above n = 150 the distribution is built with moving sums; it equals the direct
    convolution to rounding (n = 200, all probabilities above 1e-300)."""
    from synthesis.analyses import bias

    _kendall_pmf.cache_clear()
    monkeypatch.setattr(bias, "_KENDALL_DIRECT", 10**6)
    direct = _kendall_pmf(200).copy()
    _kendall_pmf.cache_clear()
    monkeypatch.setattr(bias, "_KENDALL_DIRECT", 5)
    moving = _kendall_pmf(200).copy()
    _kendall_pmf.cache_clear()
    m = direct > 1e-300
    np.testing.assert_allclose(moving[m], direct[m], rtol=1e-13)
    np.testing.assert_allclose(moving, moving[::-1], rtol=0, atol=0)
    assert abs(moving.sum() - 1) < 1e-13


@pytest.mark.parametrize("n", [151, 200, 263])
def test_kendall_tilted_fft_tail_equals_direct_convolution(monkeypatch, n: int) -> None:
    """Above n = 150 the tail P(T <= m) comes from the exponentially tilted FFT product;
    it equals the sum of the direct convolution to 1e-12 relative (above the subnormal
    range), from m = 1 (a single
    permutation in n!) to the middle of the distribution."""
    from synthesis.analyses import bias

    _kendall_pmf.cache_clear()
    monkeypatch.setattr(bias, "_KENDALL_DIRECT", 10**6)
    direct = np.cumsum(_kendall_pmf(n))
    _kendall_pmf.cache_clear()
    monkeypatch.setattr(bias, "_KENDALL_DIRECT", 150)
    n_pairs = n * (n - 1) // 2
    for m in (0, 1, 7, 60, 400, n_pairs // 10, n_pairs // 5, n_pairs // 3, n_pairs // 2 - 50,
              n_pairs // 2):  # fmt: skip
        got = bias._kendall_lower_tail(n, m)
        assert np.isclose(got, direct[m], rtol=1e-12, atol=1e-300), (m, got, direct[m])
    assert bias._kendall_lower_tail(n, 0) == pytest.approx(math.exp(-math.lgamma(n + 1)))


def test_kendall_exact_p_by_hand() -> None:
    """k = 4, vi increasing, deviates in perfect order: T = 6 of 6 concordant pairs,
    p = 2 * P(T >= 6) = 2/24; one discordant pair: p = 2 * (1 + 3)/24."""
    v = np.array([0.01, 0.02, 0.04, 0.08])
    res = rank_test(yi=[-0.4, -0.1, 0.3, 0.9], vi=v)
    assert isinstance(res, RankTest) and res.exact and res.statistic == 6
    assert res.tau == 1 and close(res.p_value, 2 / 24)
    res = rank_test(yi=[-0.1, -0.4, 0.3, 0.9], vi=v)
    assert res.statistic == 5 and close(res.tau, 4 / 6) and close(res.p_value, 8 / 24)


# --------------------------------------------------------------------------- fail-safe N


def _check_fsn(res: FailSafeN, ref: dict, kind_: str) -> None:
    if kind_ == "Rosenthal":
        assert res.rosenthal_n == ref["fsnum"]
        assert close(res.rosenthal_p, ref["pval"])
    elif kind_ == "Orwin":
        if ref["fsnum_inf"]:
            assert res.orwin_n is None
            assert any("infinite" in w for w in res.warnings)
        else:
            assert res.orwin_n == ref["fsnum"]
        assert close(res.orwin_target, ref["target"])
        assert close(res.orwin_mean, ref["meanes"])
    else:
        assert res.rosenberg_n == ref["fsnum"]
        assert close(res.rosenberg_p, ref["pval"])
        assert close(res.rosenberg_mean, ref["meanes"])


@pytest.mark.parametrize("ds", DATASETS, ids=lambda d: d["id"])
def test_fail_safe_n_matches_metafor(ds: dict) -> None:
    for method in ("REML", "FE"):  # fsn does not use the tau2 estimator
        res = fail_safe_n(yi=ds["yi"], vi=ds["vi"], method=method)
        for type_, ref in ds["fsn"].items():
            assert ref["alpha"] == 0.05
            _check_fsn(res, ref, type_)
        d = res.to_dict()
        json.dumps(d, allow_nan=False)
        assert set(d["rosenthal"]) >= {"n", "p"}
        assert set(d["orwin"]) >= {"n", "target"}
        assert set(d["rosenberg"]) >= {"n"}


@pytest.mark.parametrize("case", FSN_CASES, ids=lambda c: c["id"])
def test_fail_safe_n_options_match_metafor(case: dict) -> None:
    ds = DS[case["dataset"]]
    call = case["r_call"]
    y = np.array(ds["yi"])
    if "yi - 0.2" in call:
        y = y - 0.2
    target = None
    if "target=" in call:
        target = float(call.split("target=")[1].rstrip(")"))
    alpha = float(call.split("alpha=")[1].rstrip(")")) if "alpha=" in call else 0.05
    assert case["alpha"] == alpha
    res = fail_safe_n(yi=y, vi=ds["vi"], target=target, alpha=alpha)
    _check_fsn(res, case, case["type"])


def test_fail_safe_n_by_hand() -> None:
    """k = 2, yi = (0.5, 0.3), vi = (0.04, 0.01): z_i = (2.5, 3), z_avg = 5.5/sqrt 2."""
    res = fail_safe_n(yi=[0.5, 0.3], vi=[0.04, 0.01])
    z_avg = 5.5 / math.sqrt(2)
    z05 = 1.6448536269514722
    assert res.rosenthal_n == math.ceil(2 * (z_avg / z05) ** 2 - 2)  # 9.18 -> 10
    assert res.rosenthal_n == 10
    assert close(res.rosenthal_p, 0.5 * math.erfc(z_avg / math.sqrt(2)))
    assert res.orwin_n == 2 and res.orwin_target == 0.2  # 2 (0.4 - 0.2) / 0.2
    # Rosenberg: sum w = 125, sum w y = 42.5; n = 2 ((42.5/1.96)^2 - 125)/125 = 5.52 -> 6
    assert res.rosenberg_n == 6


# --------------------------------------------------------------------------- trim and fill


def _fit_expected(ref: dict, method: str) -> dict:
    z = ref["test"] == "z"
    out = {
        "estimate": ref["estimate"],
        "se": ref["se"],
        "ci_low": ref["ci_lb"],
        "ci_high": ref["ci_ub"],
        "statistic": ref["zval"] if z else ref["tval"],
        "p_value": ref["pval"],
        "I2": ref["I2"],
        "H2": ref["H2"],
        "Q": ref["QE"],
        "Q_p": ref["QEp"],
        "tau2": None if method == "FE" else ref["tau2"],
        "tau2_ci_low": None if method == "FE" else ref["tau2_ci_lb"],
        "tau2_ci_high": None if method == "FE" else ref["tau2_ci_ub"],
        "pi_low": None if method == "FE" else ref["pi_lb"],
        "pi_high": None if method == "FE" else ref["pi_ub"],
    }
    return out


def _compare_fit(model, ref: dict, method: str) -> list[str]:
    problems = []
    for field, want in _fit_expected(ref, method).items():
        got = getattr(model, field)
        k_f = "iterative" if field.startswith("tau2_ci") else kind(method)
        if want is None:
            if got is not None:
                problems.append(f"{field}: got {got}, want None")
        elif got is None or not close(got, want, k_f):
            problems.append(f"{field}: got {got!r}, want {want!r}")
    if model.k != ref["k"]:
        problems.append(f"k: {model.k} != {ref['k']}")
    if model.df != (None if ref["test"] == "z" else ref["df"]):
        problems.append(f"df: {model.df} vs {ref['df']}")
    return problems


TRIMFILL = [(c, t) for c in CASES for t in c["trimfill"]]


@pytest.mark.parametrize(
    ("case", "ref"),
    TRIMFILL,
    ids=[f"{c['id']}-{t['estimator']}-{t['side_arg'] or 'auto'}" for c, t in TRIMFILL],
)
def test_trim_and_fill_matches_metafor(case: dict, ref: dict) -> None:
    ds = DS[case["dataset"]]
    res = trim_and_fill(
        yi=ds["yi"],
        vi=ds["vi"],
        method=case["method"],
        ci_method=case["ci"],
        level=case["level"],
        estimator=ref["estimator"],
        side=ref["side_arg"],
    )
    if case["k"] < 3:  # metafor runs some k = 2 variants (k0 0 or 1); synth does not
        assert isinstance(res, NotRun) and "at least 3" in res.reason
        return
    if "error" in ref:
        # metafor stops: the side regression has no slope when every vi is the same
        assert ds["id"] == "identical-vi-GEN" and ref["side_arg"] is None, ref["error"]
        assert isinstance(res, NotRun) and "same variance" in res.reason
        return
    assert isinstance(res, TrimFill), getattr(res, "reason", "")
    assert res.k0 == ref["k0"]
    assert res.side == ref["side"]
    assert res.side_given == (ref["side_arg"] is not None)
    assert res.estimator == ref["estimator"]
    if ref["se_k0"] is None:  # metafor: NaN (the L0 variance formula goes negative)
        assert res.se_k0 is None and any("standard error of k0" in w for w in res.warnings)
    else:
        assert close(res.se_k0, ref["se_k0"])
    if ref["estimator"] == "R0":
        assert close(res.p_k0, ref["p_k0"])
    else:
        assert res.p_k0 is None and ref["p_k0"] is None
    k_m = kind(case["method"])
    np.testing.assert_allclose(res.filled_vi, ref["filled_vi"], rtol=1e-15)
    t = tol(k_m)
    np.testing.assert_allclose(res.filled_yi, ref["filled_yi"], rtol=t.rtol, atol=t.atol)
    problems = _compare_fit(res.model, ref["fit"], case["method"])
    assert not problems, problems
    assert res.model.ci_method == case["ci"] and res.model.level == case["level"]
    assert low_power(res) == (ds["k"] < LOW_POWER_K)
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert [f["vi"] for f in d["filled"]] == list(res.filled_vi)
    assert {"estimator", "side", "k0", "se_k0", "filled", "model"} <= set(d)


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["method"] in CLOSED_FORM_METHODS and c["trimfill"] and c["k"] >= 3],
    ids=lambda c: c["id"],
)
def test_trim_and_fill_bare_metafor_call_is_wald_95(case: dict) -> None:
    """metafor's bare ``trimfill(res)`` refits with a z test at 95% whatever the model
    had; synth's ci_method="wald", level=0.95 is that call."""
    ds = DS[case["dataset"]]
    for ref in case["trimfill"]:
        if "error" in ref:
            continue
        plain = ref["plain_fit"]
        if ref["k0"] == 0:  # nothing filled: metafor returns the model itself
            assert plain["test"] == ("z" if case["ci"] == "wald" else "knha")
            continue
        assert plain["test"] == "z" and plain["level"] == 0.95
        res = trim_and_fill(
            yi=ds["yi"], vi=ds["vi"], method=case["method"], estimator=ref["estimator"],
            side=ref["side_arg"],
        )  # fmt: skip
        m = res.model
        for field, key in (("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_lb"),
                           ("ci_high", "ci_ub"), ("p_value", "pval")):  # fmt: skip
            assert close(getattr(m, field), plain[key]), (field, getattr(m, field), plain[key])


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["ci"] == "wald" and c["level"] == 0.95],
    ids=lambda c: c["id"],
)
def test_side_regression_slope_matches_metafor(case: dict) -> None:
    """The slope whose sign picks trimfill's side = regtest(res)'s sei slope."""
    ds = DS[case["dataset"]]
    ref = case["regtest_rma"][0]
    assert ref["predictor"] == "sei"
    if "error" in ref:  # k = p, collinear, or R's Fisher scoring failing on tied data
        assert ds["k"] == 2 or np.ptp(ds["vi"]) == 0 or "converge" in ref["error"]
        return
    v = np.array(ds["vi"])
    slope = _mr_fit(np.array(ds["yi"]), v, np.sqrt(v), case["method"]).beta[1]
    if ds["id"] == "symmetric-GEN":  # 0 up to rounding
        assert abs(slope) < 1e-12 and abs(ref["slope"]) < 1e-12
        return
    t = tol("iterative")
    assert np.isclose(slope, ref["slope"], rtol=t.rtol, atol=t.atol), (slope, ref["slope"])


# --------------------------------------------------------------------------- grid


def test_grid_is_complete() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    by = {(c["dataset"], c["method"], c["ci"], c["level"]) for c in CASES}
    for ds in MAIN:
        for m in METHODS:
            for ci in CIS:
                assert (ds, m, ci, 0.95) in by, (ds, m, ci)
    for m in METHODS:
        for ci in CIS:
            assert ("bcg-RR", m, ci, 0.90) in by
    for d in DATASETS:
        levels = {e["level"] for e in d["egger"]}
        for lv in levels:
            assert {e["predictor"] for e in d["egger"] if e["level"] == lv} == set(PREDICTORS)
    assert {e["level"] for e in DS["bcg-RR"]["egger"]} == {0.95, 0.90}
    # every main case: L0 and R0 x side chosen by metafor / left / right
    for c in CASES:
        if c["dataset"] in MAIN:
            combos = {(t["estimator"], t["side_arg"]) for t in c["trimfill"]}
            assert combos == {(e, s) for e in ESTIMATORS for s in (None, "left", "right")}
        assert {r["predictor"] for r in c["regtest_rma"]} == set(PREDICTORS)
    # metafor fills on the left and on the right (side chosen by metafor), with k0 > 0
    auto = [t for c in CASES for t in c["trimfill"] if t["side_arg"] is None and "k0" in t]
    assert any(t["side"] == "left" and t["k0"] > 0 for t in auto)
    assert any(t["side"] == "right" and t["k0"] > 0 for t in auto)
    assert any(t["estimator"] == "R0" and t["k0"] > 0 for t in auto)
    # rank test: ties (normal approximation), no ties with k >= 50 (still exact)
    assert any(d["ranktest"]["ties"] and d["k"] >= 3 and d["ranktest"]["tau"] for d in DATASETS)
    assert any(not d["ranktest"]["ties"] and d["k"] >= 50 for d in DATASETS)
    assert any(150 < d["k"] <= 170 and d["ranktest"]["pval"] for d in DATASETS)
    assert any(d["k"] > 170 and d["ranktest"]["pval"] is None for d in DATASETS)
    # edge cases: k = 2, 3, identical variances, identical sample sizes, fewer than 10
    assert {"k2-RR", "k3-RR", "identical-vi-GEN", "identical-ni-GEN"} <= set(DS)
    assert DS["k2-RR"]["k"] == 2 and DS["k3-RR"]["k"] == 3
    assert len(set(DS["identical-vi-GEN"]["vi"])) == 1
    assert len(set(DS["identical-ni-GEN"]["ni"])) == 1
    assert any(3 <= d["k"] < LOW_POWER_K for d in DATASETS)
    # fsn: Orwin with a target of each sign and 0, other alphas
    calls = " ".join(c["r_call"] for c in FSN_CASES)
    for s in ("target=-0.2", "target=0.2", "target=0)", "alpha=0.1", "alpha=0.01"):
        assert s in calls, s


def test_reference_calls_are_recorded() -> None:
    for c in CASES:
        assert c["r_call"].startswith("rma(yi, vi, ni=ni, data=dat, ")
        assert f'method="{c["method"]}"' in c["r_call"]
        assert ('test="knha"' in c["r_call"]) == (c["ci"] == "hksj")
        if c["method"] in ("REML", "ML", "PM", "EB"):
            assert "threshold=1e-12" in c["r_call"]
        for t in c["trimfill"]:
            assert t["r_call"].startswith(f'trimfill(res, estimator="{t["estimator"]}"')
            assert ('test="knha"' in t["r_call"]) == (c["ci"] == "hksj")
        for r in c["regtest_rma"]:
            assert r["r_call"] == f'regtest(res, predictor="{r["predictor"]}")'
    for d in DATASETS:
        assert d["data_call"] and len(d["yi"]) == len(d["vi"]) == len(d["ni"]) == d["k"]
        for e in d["egger"]:
            assert e["r_call"].startswith(f'regtest(res, model="lm", predictor="{e["predictor"]}")')


def test_regtest_rma_reference_values_are_complete() -> None:
    """regtest(model = "rma")'s metafor values are in the JSON for every case and
    predictor (or metafor's error)."""
    for c in CASES:
        for r in c["regtest_rma"]:
            if "error" in r:
                assert (
                    c["k"] == 2
                    or np.ptp(DS[c["dataset"]]["vi"]) == 0
                    or "converge" in r["error"]
                    or (
                        r["predictor"] in ("ninv", "sqrtninv")
                        and np.ptp(DS[c["dataset"]]["ni"]) == 0
                    )
                ), (c["id"], r)
                continue
            if c["k"] == 2 and c["ci"] == "hksj":  # k = p: no residual df, t is NA
                assert r["statistic"] is None and r["df"] == 0
                continue
            for key in ("statistic", "pval", "est", "ci_lb", "ci_ub", "slope"):
                assert r[key] is not None, (c["id"], r["predictor"], key)
            if c["method"] != "FE":
                assert r["tau2"] is not None
            assert (r["df"] is None) == (c["ci"] == "wald")
            assert r["test"] == ("z" if c["ci"] == "wald" else "knha")


# --------------------------------------------------------------------------- not run


def test_not_run_shape() -> None:
    res = egger(yi=[0.1, 0.2], vi=[0.01, 0.02])
    assert isinstance(res, NotRun)
    assert not res and res.to_dict() is None
    assert res.warnings == (res.reason,) and res.k == 2 and res.test == "egger"
    assert list(res.to_frame().columns) == ["test", "k", "reason"]
    assert isinstance(trim_and_fill(yi=[0.1], vi=[0.01]), NotRun)
    assert isinstance(rank_test(yi=[0.1], vi=[0.01]), NotRun)
    # fail-safe N exists for any k
    assert isinstance(fail_safe_n(yi=[0.1], vi=[0.01]), FailSafeN)


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError):
        egger(yi=[0.1, 0.2, 0.3], vi=[0.01, 0.02])
    with pytest.raises(ValueError):
        rank_test(yi=[0.1, 0.2, 0.3], vi=[0.01, 0.02, 0.0])
    with pytest.raises(ValueError):
        trim_and_fill(yi=[0.1, 0.2, 0.3], vi=[0.01, 0.02, 0.03], estimator="Q0")
    with pytest.raises(ValueError):
        trim_and_fill(yi=[0.1, 0.2, 0.3], vi=[0.01, 0.02, 0.03], side="up")
    with pytest.raises(ValueError):
        fail_safe_n(yi=[0.1, 0.2, 0.3], vi=[0.01, 0.02, 0.03], method="XX")


def test_frames() -> None:
    ds = DS["bcg-RR"]
    y, v = ds["yi"], ds["vi"]
    assert egger(yi=y, vi=v).to_frame().shape[0] == 1
    assert rank_test(yi=y, vi=v).to_frame().shape[0] == 1
    tf = trim_and_fill(yi=y, vi=v, method="FE")
    assert tf.to_frame().shape[0] == tf.k0 == 4
    assert list(fail_safe_n(yi=y, vi=v).to_frame()["type"]) == ["Rosenthal", "Orwin", "Rosenberg"]


# --------------------------------------------------------------------------- properties


@st.composite
def funnels(draw, min_k: int = 3, max_k: int = 25):
    """Continuous random (yi, vi): a seed drives numpy, so no two values tie."""
    k = draw(st.integers(min_k, max_k))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.005, 0.5, k)
    y = rng.normal(draw(st.floats(-1, 1)), np.sqrt(v + draw(st.floats(0, 0.3))))
    return y, v, seed


@settings(max_examples=60, deadline=None)
@given(funnels(), st.sampled_from(PREDICTORS), st.floats(-3, 3))
def test_egger_invariances(data, predictor: str, shift: float) -> None:
    y, v, seed = data
    n = np.random.default_rng(seed + 1).integers(20, 500, y.size).astype(float)
    base = egger(yi=y, vi=v, ni=n, predictor=predictor)
    perm = np.random.default_rng(seed).permutation(y.size)
    permuted = egger(yi=y[perm], vi=v[perm], ni=n[perm], predictor=predictor)
    shifted = egger(yi=y + shift, vi=v, ni=n, predictor=predictor)
    negated = egger(yi=-y, vi=v, ni=n, predictor=predictor)
    assert isinstance(base, RegressionTest)
    for f in ("statistic", "p_value", "limit_estimate", "limit_ci_low", "slope"):
        assert np.isclose(getattr(permuted, f), getattr(base, f), rtol=1e-9, atol=1e-12), f
    # a constant shift moves the limit estimate only
    assert np.isclose(shifted.statistic, base.statistic, rtol=1e-7, atol=1e-9)
    assert np.isclose(shifted.limit_estimate, base.limit_estimate + shift, rtol=1e-9, atol=1e-9)
    assert np.isclose(negated.statistic, -base.statistic, rtol=1e-9, atol=1e-12)
    assert base.limit_ci_low < base.limit_estimate < base.limit_ci_high


@settings(max_examples=60, deadline=None)
@given(funnels())
def test_rank_test_invariances(data) -> None:
    y, v, seed = data
    base = rank_test(yi=y, vi=v)
    perm = np.random.default_rng(seed).permutation(y.size)
    permuted = rank_test(yi=y[perm], vi=v[perm])
    negated = rank_test(yi=-y, vi=v)
    assert isinstance(base, RankTest) and base.exact
    assert permuted.tau == base.tau and permuted.p_value == base.p_value
    assert negated.tau == -base.tau and np.isclose(negated.p_value, base.p_value, rtol=1e-12)
    assert -1 <= base.tau <= 1 and 0 < base.p_value <= 1


@settings(max_examples=40, deadline=None)
@given(funnels(), st.sampled_from(["FE", "DL", "REML"]), st.sampled_from(ESTIMATORS))
def test_trim_and_fill_invariances(data, method: str, estimator: str) -> None:
    y, v, seed = data
    base = trim_and_fill(yi=y, vi=v, method=method, estimator=estimator)
    assert isinstance(base, TrimFill)
    perm = np.random.default_rng(seed).permutation(y.size)
    permuted = trim_and_fill(yi=y[perm], vi=v[perm], method=method, estimator=estimator)
    assert (permuted.k0, permuted.side) == (base.k0, base.side)
    np.testing.assert_allclose(sorted(permuted.filled_yi), sorted(base.filled_yi), rtol=1e-9)
    assert np.isclose(permuted.model.estimate, base.model.estimate, rtol=1e-7, atol=1e-10)
    # mirror image: negated data filled on the other side
    other = "left" if base.side == "right" else "right"
    mirror = trim_and_fill(yi=-y, vi=v, method=method, estimator=estimator, side=other)
    assert mirror.k0 == base.k0
    np.testing.assert_allclose(mirror.filled_yi, [-a for a in base.filled_yi], rtol=1e-12)
    assert mirror.filled_vi == base.filled_vi
    assert np.isclose(mirror.model.estimate, -base.model.estimate, rtol=1e-7, atol=1e-10)
    # filled studies mirror the most extreme ones on the other side of the estimate
    assert base.model.k == y.size + base.k0
    assert 0 <= base.k0 < y.size


@settings(max_examples=40, deadline=None)
@given(
    # distances on a 1e-3 grid: two nearly equal distances (1.0 and 0.9999999999999999)
    # are a tie that rounding breaks either way, which is not a symmetric funnel
    st.lists(st.integers(10, 1000), min_size=1, max_size=8, unique=True).map(
        lambda xs: [x / 1000 for x in xs]
    ),
    st.floats(-1, 1),
    st.sampled_from(["FE", "DL", "REML"]),
)
def test_trim_and_fill_symmetric_funnel_r0(ds: list[float], centre: float, method: str) -> None:
    """A funnel symmetric about its centre (pairs centre -/+ d with the same vi): R0 finds
    no missing study on either side, however rounding breaks the ties in |yi - beta|."""
    d = np.array(ds)
    v = 0.01 + d**2
    y = np.concatenate([centre - d, centre + d])
    vv = np.concatenate([v, v])
    for side in ("left", "right"):
        r0 = trim_and_fill(yi=y, vi=vv, method=method, estimator="R0", side=side)
        if y.size < 3:
            assert isinstance(r0, NotRun)
            continue
        assert r0.k0 == 0 and r0.iterations == 1
        assert np.isclose(r0.model.estimate, centre, rtol=1e-9, atol=1e-9)


def test_trim_and_fill_l0_symmetric_funnel_by_hand() -> None:
    """L0 on the symmetric funnel (-2, -1, 1, 2), equal vi, FE (metafor 3.8 gives the same).

    Iteration 1: beta = 0; |yi| ties are ranked "first" by position in the sorted yi, so
    the ranks of (-2, -1, 1, 2) are (3, 1, 2, 4), S_r = 2 + 4 = 6 and
    L0 = (4 * 6 - 4 * 5) / 7 = 0.57 -> 1. Iteration 2: beta = mean(-2, -1, 1) = -2/3,
    deviations (-4/3, -1/3, 5/3, 8/3), signed ranks (-2, -1, 3, 4), S_r = 7,
    L0 = (28 - 20) / 7 = 1.14 -> 1 = previous: stop. Filled: 2 beta - 2 = -10/3.
    (With mid-ranks for the ties S_r would be 5.5 and L0 = 0: the filled study comes
    from metafor's tie rule, not from asymmetry.)
    """
    for side, sign in (("left", -1), ("right", 1)):
        res = trim_and_fill(yi=[-1, 1, -2, 2], vi=[0.1] * 4, method="FE", side=side)
        assert res.k0 == 1 and res.iterations == 2
        assert np.isclose(res.filled_yi[0], sign * 10 / 3, rtol=1e-14)
        varsr = (4 * 5 * 9 + 10 * (8 / 7) ** 3 + 27 * (8 / 7) ** 2 + 17 * 8 / 7
                 - 18 * 4 * (8 / 7) ** 2 - 18 * 4 * 8 / 7 + 6 * 16 * 8 / 7) / 24  # fmt: skip
        assert np.isclose(res.se_k0, 4 * math.sqrt(varsr) / 7, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(funnels(min_k=1), st.floats(0.001, 0.2))
def test_fail_safe_n_properties(data, alpha: float) -> None:
    y, v, seed = data
    base = fail_safe_n(yi=y, vi=v, alpha=alpha)
    perm = np.random.default_rng(seed).permutation(y.size)
    permuted = fail_safe_n(yi=y[perm], vi=v[perm], alpha=alpha)
    assert (permuted.rosenthal_n, permuted.orwin_n, permuted.rosenberg_n) == (
        base.rosenthal_n,
        base.orwin_n,
        base.rosenberg_n,
    )
    stricter = fail_safe_n(yi=y, vi=v, alpha=alpha / 2)
    assert stricter.rosenthal_n <= base.rosenthal_n
    assert stricter.rosenberg_n <= base.rosenberg_n
    # Rosenthal: adding n null studies with z = 0 brings the Stouffer z to z_alpha
    assert base.rosenthal_n >= 0 and base.rosenberg_n >= 0
    json.dumps(base.to_dict(), allow_nan=False)


# --------------------------------------------------------------------------- regression test (rma)

REGTEST = [(c, r) for c in CASES for r in c["regtest_rma"]]


def _x(ds: dict, predictor: str) -> np.ndarray:
    v, n = np.array(ds["vi"]), np.array(ds["ni"], dtype=float)
    return {"sei": np.sqrt(v), "vi": v, "ninv": 1 / n, "sqrtninv": 1 / np.sqrt(n)}[predictor]


@pytest.mark.parametrize(
    ("case", "ref"), REGTEST, ids=[f"{c['id']}-{r['predictor']}" for c, r in REGTEST]
)
def test_regression_test_matches_metafor(case: dict, ref: dict) -> None:
    """synth's regression_test = metafor's regtest(res, predictor=...) (model = "rma")."""
    ds = DS[case["dataset"]]
    res = regression_test(
        yi=ds["yi"],
        vi=ds["vi"],
        ni=ds["ni"],
        predictor=ref["predictor"],
        method=case["method"],
        ci_method=case["ci"],
        level=case["level"],
    )
    if case["k"] < 3:
        # metafor stops ("Number of parameters to be estimated is larger than the number
        # of observations") or, for FE, fits the line through the two studies exactly
        assert isinstance(res, NotRun) and "at least 3" in res.reason
        return
    if "error" in ref:
        assert isinstance(res, NotRun), ref["error"]
        assert res.to_dict() is None and res.test == "regression_test"
        if "converge" in ref["error"]:  # metafor's Fisher scoring oscillates; so does synth's
            assert "did not converge" in res.reason
        else:  # "Model matrix no longer of full rank after addition of predictor"
            assert "full rank" in ref["error"] and "same" in res.reason
        return
    assert isinstance(res, RegressionTest), getattr(res, "reason", "")
    k_m = kind(case["method"])
    pairs = {
        "statistic": "statistic",
        "p_value": "pval",
        "limit_estimate": "est",
        "limit_ci_low": "ci_lb",
        "limit_ci_high": "ci_ub",
        "slope": "slope",
    }
    for field, key in pairs.items():
        got = getattr(res, field)
        assert close(got, ref[key], k_m), (field, got, ref[key])
    if case["method"] == "FE":
        assert res.tau2 is None and ref["tau2"] == 0
    else:
        assert close(res.tau2, ref["tau2"], k_m), (res.tau2, ref["tau2"])
    assert res.df == ref["df"] == (case["k"] - 2 if case["ci"] == "hksj" else None)
    assert res.model == "rma" and res.predictor == ref["predictor"]
    assert low_power(res) == (case["k"] < LOW_POWER_K)
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert {"model", "predictor", "statistic", "df", "p_value", "limit_estimate",
            "limit_ci_low", "limit_ci_high"} <= set(d)  # fmt: skip


def test_regression_test_reference_covers_every_method_and_ci() -> None:
    compared = {
        (c["method"], c["ci"])
        for c, r in REGTEST
        if "error" not in r and c["k"] >= 3 and r["statistic"] is not None
    }
    assert compared == {(m, ci) for m in METHODS for ci in CIS}
    assert any(c["level"] == 0.90 for c, r in REGTEST if "error" not in r)
    assert any("converge" in r.get("error", "") for _, r in REGTEST)


def _p_matrix(v: np.ndarray, x: np.ndarray, tau2: float) -> np.ndarray:
    xm = np.column_stack([np.ones(v.size), x])
    w = np.diag(1 / (v + tau2))
    return w - w @ xm @ np.linalg.inv(xm.T @ w @ xm) @ xm.T @ w


@pytest.mark.parametrize("ds", [d for d in DATASETS if 3 <= d["k"] <= 60], ids=lambda d: d["id"])
def test_meta_regression_quantities_equal_the_explicit_matrices(ds: dict) -> None:
    """y'Py, y'PPy, tr P, tr PP in O(k) = the k x k matrix forms rma.uni computes."""
    y, v = np.array(ds["yi"]), np.array(ds["vi"])
    ymc = y - y.mean()
    for predictor in PREDICTORS:
        x = _x(ds, predictor)
        if np.ptp(x) == 0:
            continue
        for tau2 in (0.0, 0.013, 0.4):
            pm = _p_matrix(v, x, tau2)
            want = (ymc @ pm @ ymc, ymc @ pm @ pm @ ymc, np.trace(pm), np.trace(pm @ pm))
            got = _mr_quantities(ymc, x, 1 / (v + tau2))
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("ds", [d for d in DATASETS if d["k"] >= 3], ids=lambda d: d["id"])
@pytest.mark.parametrize("predictor", PREDICTORS)
def test_fixed_effect_regression_test_against_egger(ds: dict, predictor: str) -> None:
    """With tau2 = 0 the moderator model is Egger's weighted regression: the rma z
    statistic is the lm t times the residual SD (s), and under HKSJ (s2w = s^2) the two
    tests are the same t test with k - 2 df."""
    args = {"yi": ds["yi"], "vi": ds["vi"], "ni": ds["ni"], "predictor": predictor}
    lm = egger(**args, level=0.9)
    z = regression_test(**args, method="FE", level=0.9)
    t = regression_test(**args, method="FE", ci_method="hksj", level=0.9)
    if isinstance(lm, NotRun):
        assert isinstance(z, NotRun) and isinstance(t, NotRun)
        return
    s = math.sqrt(lm.dispersion)
    assert np.isclose(z.statistic, lm.statistic * s, rtol=1e-10)
    assert np.isclose(z.limit_estimate, lm.limit_estimate, rtol=1e-10, atol=1e-13)
    for f in ("statistic", "p_value", "limit_estimate", "limit_ci_low", "limit_ci_high"):
        assert np.isclose(getattr(t, f), getattr(lm, f), rtol=1e-9, atol=1e-13), f
    assert t.df == lm.df == ds["k"] - 2 and z.df is None
    assert np.isclose(t.dispersion, lm.dispersion, rtol=1e-10)


def test_regression_test_by_hand() -> None:
    """k = 3, FE, z test, predictor sei: yi = (0.1, 0.3, 0.8), sei = (0.1, 0.2, 0.4).

    Weights 100, 25, 6.25: X'WX = [[131.25, 17.5], [17.5, 3]], det = 87.5;
    X'Wy = (10 + 7.5 + 5, 1 + 1.5 + 2) = (22.5, 4.5); b = (X'WX)^-1 X'Wy =
    ((3 * 22.5 - 17.5 * 4.5) / 87.5, (131.25 * 4.5 - 17.5 * 22.5) / 87.5) = (-9/70, 2.25);
    se(intercept) = sqrt(3 / 87.5), se(slope) = sqrt(131.25 / 87.5).
    """
    res = regression_test(yi=[0.1, 0.3, 0.8], vi=[0.01, 0.04, 0.16], method="FE")
    assert isinstance(res, RegressionTest)
    b0, b1 = -9 / 70, 2.25
    se0, se1 = math.sqrt(3 / 87.5), math.sqrt(131.25 / 87.5)
    assert close(res.limit_estimate, b0) and close(res.slope, b1)
    assert close(res.statistic, b1 / se1)
    assert close(res.p_value, math.erfc(abs(b1 / se1) / math.sqrt(2)))
    z975 = 1.959963984540054
    assert close(res.limit_ci_low, b0 - z975 * se0) and close(res.limit_ci_high, b0 + z975 * se0)
    assert res.df is None and res.dispersion == 1.0 and res.tau2 is None


@settings(max_examples=40, deadline=None)
@given(funnels(), st.sampled_from(PREDICTORS), st.sampled_from(METHODS), st.floats(-3, 3))
def test_regression_test_invariances(data, predictor: str, method: str, shift: float) -> None:
    y, v, seed = data
    n = np.random.default_rng(seed + 1).integers(20, 500, y.size).astype(float)
    args = {"predictor": predictor, "method": method}
    base = regression_test(yi=y, vi=v, ni=n, **args)
    if isinstance(base, NotRun):  # Fisher scoring may fail to converge, as in metafor
        assert "converge" in base.reason
        return
    perm = np.random.default_rng(seed).permutation(y.size)
    permuted = regression_test(yi=y[perm], vi=v[perm], ni=n[perm], **args)
    shifted = regression_test(yi=y + shift, vi=v, ni=n, **args)
    negated = regression_test(yi=-y, vi=v, ni=n, **args)
    for f in ("statistic", "p_value", "limit_estimate", "slope"):
        assert np.isclose(getattr(permuted, f), getattr(base, f), rtol=1e-6, atol=1e-9), f
    # a constant shift moves the limit estimate only; negation flips the slope
    assert np.isclose(shifted.statistic, base.statistic, rtol=1e-6, atol=1e-8)
    assert np.isclose(shifted.limit_estimate, base.limit_estimate + shift, rtol=1e-7, atol=1e-7)
    assert np.isclose(negated.statistic, -base.statistic, rtol=1e-7, atol=1e-9)
    assert base.limit_ci_low < base.limit_estimate < base.limit_ci_high
    assert 0 <= base.p_value <= 1 and (base.tau2 is None) == (method == "FE")


def test_regression_test_not_run() -> None:
    assert "at least 3" in regression_test(yi=[0.1, 0.2], vi=[0.01, 0.02]).reason
    same = regression_test(yi=[0.1, 0.2, 0.5], vi=[0.02] * 3)
    assert isinstance(same, NotRun) and "same standard error" in same.reason
    no_n = regression_test(yi=[0.1, 0.2, 0.5], vi=[0.01, 0.02, 0.03], predictor="ninv")
    assert isinstance(no_n, NotRun) and "sample size (n)" in no_n.reason
    v = np.array([0.01, 0.04, 0.09, 0.16])
    line = regression_test(yi=0.2 + 1.5 * np.sqrt(v), vi=v, method="FE", ci_method="hksj")
    assert isinstance(line, NotRun) and "exactly on a line" in line.reason
    with pytest.raises(ValueError):
        regression_test(yi=[0.1, 0.2, 0.5], vi=[0.01, 0.02, 0.03], method="GLMM")
    with pytest.raises(ValueError):
        regression_test(yi=[0.1, 0.2, 0.5], vi=[0.01, 0.02, 0.03], ci_method="knha")
