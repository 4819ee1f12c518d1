"""synthesis.models.core against metafor 3.8 (tests/reference/rma_reference.json).

The JSON is produced by ``Rscript tests/reference/rma_reference.R``; these tests never
call R. It holds what metafor reports; the contract's null rules (tau2 for FE, PI for
k < 3, heterogeneity for k = 1) are applied here, in :func:`expected`.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from synthesis.models.core import CLOSED_FORM_METHODS, ITERATIVE_METHODS, METHODS, fit, fit_batch
from tests.tolerances import tol

REFERENCE = Path(__file__).parent / "reference" / "rma_reference.json"
DATA = json.loads(REFERENCE.read_text())
CASES: list[dict] = DATA["cases"]
SUBGROUP_TESTS: list[dict] = DATA["subgroup_tests"]
BY_ID = {c["id"]: c for c in CASES}

MEASURES = ("PLO", "PFT", "PAS", "PR", "RR", "OR", "RD", "HR", "GEN")
CIS = ("wald", "hksj")

# Fit field -> reference key, for the scalars compared on every case
SCALARS = {
    "estimate": "estimate",
    "se": "se",
    "ci_low": "ci_lb",
    "ci_high": "ci_ub",
    "p_value": "pval",
}
HETEROGENEITY = {"tau2": "tau2", "I2": "I2", "H2": "H2", "Q": "QE", "Q_p": "QEp"}


def kind(method: str) -> str:
    # SJ and HS are closed form in metafor 3.8: SJ is one step from the fixed start
    # var(yi)(k-1)/k (the iterated variant is "SJIT"), HS is (Q - k) / sum(w).
    return "closed_form" if method in CLOSED_FORM_METHODS else "iterative"


def expected(case: dict) -> dict:
    """What fit() must return for this case: metafor's values under the contract's rules."""
    k = case["k"]
    method = case["method"]
    hksj = case["ci"] == "hksj" and k >= 2
    out: dict = {f: case[r] for f, r in SCALARS.items()}
    out["statistic"] = case["tval"] if hksj else case["zval"]
    out["df"] = k - 1 if hksj else None
    out["ci_method"] = "hksj" if hksj else "wald"
    if k == 1:
        for f in (*HETEROGENEITY, "tau", "tau2_ci_low", "tau2_ci_high", "Q_df"):
            out[f] = None
    else:
        out.update({f: case[r] for f, r in HETEROGENEITY.items()})
        out["Q_df"] = k - 1
        out["tau2_ci_low"] = case["tau2_ci_lb"]
        out["tau2_ci_high"] = case["tau2_ci_ub"]
        if method == "FE":
            out["tau2"] = out["tau2_ci_low"] = out["tau2_ci_high"] = None
    out["tau"] = None if out["tau2"] is None else math.sqrt(out["tau2"])
    if method == "FE" or k < 3:
        out["pi_low"] = out["pi_high"] = None
    else:
        out["pi_low"], out["pi_high"] = case["pi_lb"], case["pi_ub"]
    out["weights"] = case["weights"]
    return out


def close(actual, want, kind_: str) -> bool:
    t = tol(kind_)
    return bool(np.isclose(actual, want, rtol=t.rtol, atol=t.atol))


def compare(fitted, case: dict) -> list[str]:
    """Mismatches between a Fit-like object and the reference case (empty = pass)."""
    exp = expected(case)
    k_est = kind(case["method"])
    problems: list[str] = []
    for field in (
        *SCALARS,
        *HETEROGENEITY,
        "tau",
        "pi_low",
        "pi_high",
        "tau2_ci_low",
        "tau2_ci_high",
        "statistic",
    ):
        got = getattr(fitted, field)
        want = exp[field]
        # Q-profile bounds are found by root finding for every method
        k_f = "iterative" if field.startswith("tau2_ci") else k_est
        if field in ("statistic", "p_value") and case["ci"] == "hksj" and case["se"] == 0:
            # identical yi under knha (scale factor 0): metafor gives zval +-Inf and pval 0
            # (NaN and NaN for an estimate of 0); the t test is not defined, and synth
            # reports statistic and p both as None (QA defect 1)
            if got is not None:
                problems.append(f"{field}: got {got}, want None (knha scale factor 0)")
            continue
        if want is None:
            if got is not None:
                problems.append(f"{field}: got {got}, want None")
            continue
        if got is None or not close(got, want, k_f):
            problems.append(f"{field}: got {got!r}, want {want!r} ({k_f})")
    for field in ("df", "Q_df", "ci_method"):
        if getattr(fitted, field) != exp[field]:
            problems.append(f"{field}: got {getattr(fitted, field)!r}, want {exp[field]!r}")
    w = np.asarray(fitted.weights)
    t = tol(k_est)
    if w.shape != (case["k"],) or not np.allclose(w, exp["weights"], rtol=t.rtol, atol=t.atol):
        problems.append(f"weights: got {w.tolist()}, want {exp['weights']}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fit_matches_metafor(case: dict) -> None:
    f = fit(case["yi"], case["vi"], method=case["method"], ci=case["ci"], level=case["level"])
    problems = compare(f, case)
    assert not problems, f"{case['id']}: {problems}\n{case['r_call']}"
    assert f.k == case["k"]
    assert f.method == case["method"]
    assert f.level == case["level"]
    assert f.converged
    if case["k"] == 1:
        assert any("k = 1" in n for n in f.notes)
        if case["ci"] == "hksj":  # metafor too falls back to z for k = 1
            assert case["metafor_test"] == "z"
            assert any("HKSJ is undefined" in n for n in f.notes)


def _groups() -> dict[tuple[str, str, float], list[dict]]:
    groups: dict[tuple[str, str, float], list[dict]] = defaultdict(list)
    for c in CASES:
        groups[(c["method"], c["ci"], c["level"])].append(c)
    return groups


GROUPS = _groups()


@pytest.mark.parametrize(
    "key", sorted(GROUPS), ids=[f"{m}-{c}-{lv}" for m, c, lv in sorted(GROUPS)]
)
def test_fit_batch_ragged_matches_metafor(key: tuple[str, str, float]) -> None:
    """All cases of one method/ci/level stacked into one ragged batch."""
    method, ci, level = key
    cases = GROUPS[key]
    kmax = max(c["k"] for c in cases)
    m = len(cases)
    yi = np.full((m, kmax), np.nan)
    vi = np.full((m, kmax), np.nan)
    mask = np.zeros((m, kmax), dtype=bool)
    for i, c in enumerate(cases):
        yi[i, : c["k"]] = c["yi"]
        vi[i, : c["k"]] = c["vi"]
        mask[i, : c["k"]] = True
    batch = fit_batch(yi, vi, method=method, ci=ci, level=level, mask=mask)
    assert len(batch) == m
    failures = {}
    for i, c in enumerate(cases):
        problems = compare(batch.fit(i), c)
        if problems:
            failures[c["id"]] = problems
    assert not failures, failures


@pytest.mark.parametrize("sg", SUBGROUP_TESTS, ids=[s["id"] for s in SUBGROUP_TESTS])
def test_subgroup_difference(sg: dict) -> None:
    """Per-subgroup fits, then Q of an FE meta-analysis of their estimates (R meta's test)."""
    est, ses = [], []
    for case_id in sg["case_ids"]:
        c = BY_ID[case_id]
        f = fit(c["yi"], c["vi"], method=c["method"], ci=c["ci"], level=c["level"])
        est.append(f.estimate)
        ses.append(f.se)
    k_est = kind(sg["method"])
    t = tol(k_est)
    np.testing.assert_allclose(est, sg["estimates"], rtol=t.rtol, atol=t.atol)
    np.testing.assert_allclose(ses, sg["ses"], rtol=t.rtol, atol=t.atol)
    between = fit(est, np.square(ses), method="FE")
    assert between.Q_df == sg["df"] == len(sg["groups"]) - 1
    assert close(between.Q, sg["Q"], k_est)
    assert close(between.Q_p, sg["p"], k_est)


def test_grid_is_complete() -> None:
    ids = set(BY_ID)
    assert len(ids) == len(CASES), "duplicate case ids"
    present = {(c["measure"], c["method"], c["ci"]) for c in CASES if c["level"] == 0.95}
    missing = [
        (ms, mt, ci)
        for ms in MEASURES
        for mt in METHODS
        for ci in CIS
        if (ms, mt, ci) not in present
    ]
    assert not missing, missing
    at90 = {(c["method"], c["ci"]) for c in CASES if c["level"] == 0.90}
    assert at90 == {(m, ci) for m in METHODS for ci in CIS}
    prefixes = ("zero-PLO", "zero-OR", "k1-RR", "k2-RR", "k3-RR", "identical-GEN", "qpcap-GEN")
    for prefix in prefixes:
        for m in METHODS:
            for ci in CIS:
                assert f"{prefix}-{m}-{ci}" in ids, f"{prefix}-{m}-{ci}"
    assert sorted({c["k"] for c in CASES})[:3] == [1, 2, 3]
    # the zero-cell cases really contain a 0-event and an all-event study
    for cid in ("zero-PLO-REML-wald", "zero-OR-REML-wald"):
        inp = BY_ID[cid]["inputs"]
        if "xi" in inp:
            assert 0 in inp["xi"]
            assert any(x == n for x, n in zip(inp["xi"], inp["ni"], strict=True))
        else:
            assert 0 in inp["ai"]
            assert any(a == n for a, n in zip(inp["ai"], inp["n1i"], strict=True))
    ident = BY_ID["identical-GEN-REML-wald"]
    assert len(set(ident["yi"])) == 1
    # subgroups: every alloc group for every method and ci, and their tests
    for m in METHODS:
        for ci in CIS:
            for g in ("random", "alternate", "systematic"):
                assert f"subgroup-alloc-{g}-RR-{m}-{ci}" in ids
            assert any(s["method"] == m and s["ci"] == ci for s in SUBGROUP_TESTS)
    # the Q-profile cap case really is capped at confint's tau2.max
    cap = BY_ID["qpcap-GEN-REML-wald"]
    assert cap["tau2_ci_ub"] == max(100.0, 10 * cap["tau2"])


def test_reference_calls_are_recorded() -> None:
    for c in CASES:
        assert c["r_call"].startswith("rma(yi, vi, data=dat, ")
        assert f'method="{c["method"]}"' in c["r_call"]
        assert ('test="knha"' in c["r_call"]) == (c["ci"] == "hksj")
        if c["method"] in ITERATIVE_METHODS:
            assert "threshold=1e-12" in c["r_call"]
            assert "maxiter=10000" in c["r_call"]
        if c["method"] == "PM":  # uniroot's tolerance is control$tol
            assert "tol=1e-12" in c["r_call"]
        assert c["escalc_call"]
        assert len(c["yi"]) == len(c["vi"]) == len(c["weights"]) == c["k"]
