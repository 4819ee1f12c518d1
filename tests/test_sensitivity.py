"""synthesis.analyses.sensitivity against metafor 3.8 and by its invariants.

Reference values: tests/reference/sensitivity_reference.json, written by
``Rscript tests/reference/sensitivity_reference.R`` (leave1out, influence, cumul, baujat
and predict() of every reduced/cumulative model); these tests never call R. The JSON
holds what metafor reports; the null rules of synthesis.models.core (heterogeneity for
k = 1, tau2 for FE, PI for FE and k < 3, Wald for HKSJ with k = 1) are applied here.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthesis.analyses import sensitivity as sens
from synthesis.analyses.sensitivity import (
    baujat,
    cumulative,
    influence,
    leave_one_out,
    sensitivity,
)
from synthesis.models.core import CI_METHODS, CLOSED_FORM_METHODS, METHODS, fit
from tests.tolerances import tol

REFERENCE = Path(__file__).parent / "reference" / "sensitivity_reference.json"
DATA = json.loads(REFERENCE.read_text())
CASES: list[dict] = DATA["cases"]
IDS = [c["id"] for c in CASES]
DATASETS = ("bcg-RR", "pritz1997-PLO", "hackshaw1998-OR", "k3-RR", "k2-RR")

# our field -> metafor's (leave1out / cumul lists)
REFIT = {
    "estimate": "estimate",
    "se": "se",
    "ci_low": "ci_lb",
    "ci_high": "ci_ub",
    "pi_low": "pi_lb",
    "pi_high": "pi_ub",
    "p_value": "pval",
    "tau2": "tau2",
    "I2": "I2",
    "H2": "H2",
    "Q": "Q",
    "Q_p": "Qp",
}
HETEROGENEITY = ("tau2", "I2", "H2", "Q", "Q_p")
# our field -> metafor's (influence()$inf, influence()$dfbs)
INFLUENCE = {
    "rstudent": "rstudent",
    "dffits": "dffits",
    "cooks_distance": "cook_d",
    "cov_ratio": "cov_r",
    "tau2_deleted": "tau2_del",
    "Q_deleted": "QE_del",
    "hat": "hat",
    "weight": "weight",
    "dfbetas": "dfbs",
}


def kind(method: str) -> str:
    return "closed_form" if method in CLOSED_FORM_METHODS else "iterative"


def run(case: dict):
    return sensitivity(
        yi=case["yi"],
        vi=case["vi"],
        method=case["method"],
        ci_method=case["ci"],
        level=case["level"],
        order=case["order"],
    )


def check(got, want, kind_: str, what: str, problems: list[str]) -> None:
    if want is None:
        if got is not None:
            problems.append(f"{what}: got {got!r}, want None")
        return
    t = tol(kind_)
    if got is None or not np.isclose(got, want, rtol=t.rtol, atol=t.atol):
        problems.append(f"{what}: got {got!r}, want {want!r} ({kind_})")


def expected_refits(case: dict, ref: dict) -> list[dict]:
    """metafor's leave1out/cumul rows under the pooling null rules."""
    method, ci = case["method"], case["ci"]
    stat = ref["zval"] if ref["zval"] is not None else ref["tval"]
    out = []
    for j, k in enumerate(ref["k"]):
        row = {f: (ref[r][j] if ref[r] is not None else None) for f, r in REFIT.items()}
        row["statistic"] = stat[j]
        hksj = ci == "hksj" and k >= 2
        row["df"] = k - 1 if hksj else None
        row["k"] = k
        row["Q_df"] = k - 1 if k >= 2 else None
        if k == 1:
            for f in HETEROGENEITY:
                row[f] = None
        if method == "FE":
            row["tau2"] = None
        if method == "FE" or k < 3:
            row["pi_low"] = row["pi_high"] = None
        out.append(row)
    return out


def compare_refits(rows, case: dict, ref: dict, label: str) -> list[str]:
    problems: list[str] = []
    exp = expected_refits(case, ref)
    assert len(rows) == len(exp)
    for j, (row, want) in enumerate(zip(rows, exp, strict=True)):
        for f in (*REFIT, "statistic"):
            check(getattr(row, f), want[f], kind(case["method"]), f"{label}[{j}].{f}", problems)
        for f in ("k", "df", "Q_df"):
            if getattr(row, f) != want[f]:
                problems.append(f"{label}[{j}].{f}: got {getattr(row, f)}, want {want[f]}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_leave_one_out_matches_metafor(case: dict) -> None:
    res = leave_one_out(yi=case["yi"], vi=case["vi"], method=case["method"], ci_method=case["ci"])
    assert [r.omitted for r in res.rows] == list(range(case["k"]))
    problems = compare_refits(res.rows, case, case["leave1out"], "leave1out")
    assert not problems, f"{case['id']}: {problems}\n{case['r_calls']}"
    assert res.k == case["k"] and res.method == case["method"] and res.ci_method == case["ci"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cumulative_matches_metafor(case: dict) -> None:
    res = cumulative(
        yi=case["yi"],
        vi=case["vi"],
        method=case["method"],
        ci_method=case["ci"],
        order=case["order"],
    )
    assert list(res.order) == case["order"]
    assert [s.added for s in res.steps] == case["order"]
    assert [s.k for s in res.steps] == list(range(1, case["k"] + 1))
    problems = compare_refits(res.steps, case, case["cumul"], "cumul")
    assert not problems, f"{case['id']}: {problems}\n{case['r_calls']}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_influence_matches_metafor(case: dict) -> None:
    res = influence(yi=case["yi"], vi=case["vi"], method=case["method"], ci_method=case["ci"])
    ref = case["influence"]
    k, method = case["k"], case["method"]
    problems: list[str] = []
    for i, row in enumerate(res.rows):
        assert row.index == i
        for f, r in INFLUENCE.items():
            want = ref[r][i]
            if f == "tau2_deleted" and (method == "FE" or k == 2):
                want = None  # FE has no tau2; a k = 1 fit has no heterogeneity
            if f == "Q_deleted" and k == 2:
                want = None
            check(getattr(row, f), want, kind(method), f"influence[{i}].{f}", problems)
        if row.influential is not ref["is_infl"][i]:
            problems.append(f"influence[{i}].influential: {row.influential} != {ref['is_infl'][i]}")
    assert not problems, f"{case['id']}: {problems}\n{case['r_calls']}"
    if method == "FE":
        assert any("tau2_deleted" in w for w in res.warnings)
    if k == 2:
        assert any("k = 2" in w for w in res.warnings)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_baujat_matches_metafor(case: dict) -> None:
    res = baujat(yi=case["yi"], vi=case["vi"], method=case["method"], ci_method=case["ci"])
    problems: list[str] = []
    for i, p in enumerate(res.points):
        assert p.index == i
        for f in ("x", "y"):
            check(getattr(p, f), case["baujat"][f][i], kind(case["method"]), f"{f}[{i}]", problems)
    assert not problems, f"{case['id']}: {problems}\n{case['r_calls']}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sensitivity_equals_the_four_functions(case: dict) -> None:
    res = run(case)
    args = dict(yi=case["yi"], vi=case["vi"], method=case["method"], ci_method=case["ci"])
    assert res.leave_one_out == leave_one_out(**args)
    assert res.influence == influence(**args)
    assert res.baujat == baujat(**args)
    assert res.cumulative == cumulative(**args, order=case["order"])
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert res.to_frame().shape[0] == case["k"]


def test_grid_is_complete() -> None:
    assert len(set(IDS)) == len(CASES), "duplicate case ids"
    present = {(c["id"].rsplit("-", 2)[0], c["method"], c["ci"]) for c in CASES}
    missing = [
        (d, m, ci) for d in DATASETS for m in METHODS for ci in CI_METHODS
        if (d, m, ci) not in present
    ]  # fmt: skip
    assert not missing, missing
    ks = {c["id"].rsplit("-", 2)[0]: c["k"] for c in CASES}
    assert ks == {"bcg-RR": 13, "pritz1997-PLO": 14, "hackshaw1998-OR": 37, "k3-RR": 3,
                  "k2-RR": 2}  # fmt: skip
    for c in CASES:
        assert c["metafor_test"] == {"wald": "z", "hksj": "knha"}[c["ci"]]
        calls = c["r_calls"]
        assert f'method="{c["method"]}"' in calls["rma"]
        assert ('test="knha"' in calls["rma"]) == (c["ci"] == "hksj")
        assert ("threshold=1e-12" in calls["rma"]) == (c["method"] not in CLOSED_FORM_METHODS)
        for key in ("leave1out", "influence", "cumul", "baujat"):
            assert calls[key].startswith(f"{key}(res")
        assert c["escalc_call"]
        assert sorted(c["order"]) == list(range(c["k"]))
        for part in ("leave1out", "cumul"):
            assert len(c[part]["estimate"]) == c["k"]
        assert len(c["influence"]["rstudent"]) == len(c["baujat"]["x"]) == c["k"]
    # the cumulative orders are real reorderings (year, precision, given)
    assert CASES[IDS.index("bcg-RR-REML-wald")]["order"][:3] == [0, 1, 5]
    assert CASES[IDS.index("k3-RR-REML-wald")]["order"] == [1, 2, 0]


# --------------------------------------------------------------------------- one batch


def test_each_analysis_is_one_fit_batch_call(monkeypatch) -> None:
    calls: list[tuple] = []
    real = sens.fit_batch

    def spy(*args, **kwargs):
        calls.append(np.shape(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(sens, "fit_batch", spy)
    yi, vi = [0.1, 0.5, -0.2, 0.9, 0.3], [0.1, 0.2, 0.05, 0.3, 0.15]
    for func in (leave_one_out, influence, baujat):
        calls.clear()
        func(yi=yi, vi=vi)
        assert calls == [(6, 5)]
    calls.clear()
    cumulative(yi=yi, vi=vi, order=[4, 3, 2, 1, 0])
    assert calls == [(5, 5)]
    calls.clear()
    sensitivity(yi=yi, vi=vi)
    assert sorted(calls) == [(5, 5), (6, 5)]


# --------------------------------------------------------------------------- edge cases


def no_nan(obj) -> None:
    """JSON with allow_nan=False fails on NaN and inf anywhere."""
    json.dumps(obj.to_dict(), allow_nan=False)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ci", CI_METHODS)
def test_k1_gives_nulls_with_reasons(method: str, ci: str) -> None:
    res = sensitivity(yi=[0.4], vi=[0.1], method=method, ci_method=ci, labels=["smith2020"])
    no_nan(res)
    (loo,) = res.leave_one_out.rows
    assert loo.omitted == 0 and loo.k == 0
    assert all(getattr(loo, f) is None for f in (*REFIT, "statistic", "df"))
    assert any("smith2020" in w for w in res.leave_one_out.warnings)
    (inf,) = res.influence.rows
    assert inf.rstudent is None and inf.influential is None and inf.hat is None
    assert res.influence.warnings
    (pt,) = res.baujat.points
    assert pt.x is None and pt.y is None and res.baujat.warnings
    (step,) = res.cumulative.steps
    assert step.k == 1 and step.estimate == 0.4
    assert step.se == pytest.approx(math.sqrt(0.1), rel=1e-15)
    assert step.tau2 is None and step.Q is None and step.pi_low is None and step.df is None
    assert any("k = 1" in w for w in res.cumulative.warnings)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ci", CI_METHODS)
def test_k2_no_nan(method: str, ci: str) -> None:
    yi, vi = [0.2, 0.9], [0.04, 0.09]
    res = sensitivity(yi=yi, vi=vi, method=method, ci_method=ci, labels=["a", "b"])
    no_nan(res)
    # without study 0 the model is study 1 alone, and vice versa (Wald, hand computed)
    for i, row in enumerate(res.leave_one_out.rows):
        other = 1 - i
        assert row.k == 1 and row.estimate == yi[other]
        assert row.se == pytest.approx(math.sqrt(vi[other]), rel=1e-15)
        assert row.ci_low == pytest.approx(yi[other] - 1.959963984540054 * math.sqrt(vi[other]))
        assert row.df is None and row.Q is None and row.pi_low is None
    for row in res.influence.rows:
        assert row.tau2_deleted is None and row.Q_deleted is None
        assert row.rstudent is not None and row.influential is not None
    if ci == "hksj":
        assert any("HKSJ is undefined for k = 1" in w for w in res.leave_one_out.warnings)


@pytest.mark.parametrize("method", METHODS)
def test_identical_estimates_hksj_no_nan(method: str) -> None:
    """All yi equal: the HKSJ scale is 0 (metafor: se 0, influence() stops)."""
    yi, vi = [0.4] * 5, [0.1, 0.2, 0.05, 0.3, 0.15]
    res = sensitivity(yi=yi, vi=vi, method=method, ci_method="hksj")
    no_nan(res)
    for row in res.leave_one_out.rows:
        assert row.estimate == pytest.approx(0.4, rel=1e-14)
        assert row.se == 0.0 and row.statistic is None
    assert any("scale factor is 0" in w for w in res.leave_one_out.warnings)
    for row in res.influence.rows:
        assert row.cooks_distance is None and row.cov_ratio is None and row.dffits is None
    assert all(p.x == 0.0 and p.y is None for p in res.baujat.points)
    assert res.influence.warnings and res.baujat.warnings


@pytest.mark.parametrize("ci", CI_METHODS)
def test_no_floating_point_warnings(ci: str) -> None:
    """A subnormal Q (yi 1e-160 apart) once raised an overflow warning in FE's I2."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = sensitivity(yi=[0.0, 1e-160, 0.0], vi=[1.0, 1.0, 2.0], method="FE", ci_method=ci)
    no_nan(res)
    assert all(s.I2 == 0.0 for s in res.cumulative.steps[1:])


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="permutation"):
        cumulative(yi=[1, 2, 3], vi=[1, 1, 1], order=[0, 0, 1])
    with pytest.raises(ValueError, match="each of the 3"):
        cumulative(yi=[1, 2, 3], vi=[1, 1, 1], order=[0, 1])
    with pytest.raises(ValueError, match="integer"):
        cumulative(yi=[1, 2, 3], vi=[1, 1, 1], order=[0.5, 1, 2])
    with pytest.raises(ValueError, match="method"):
        leave_one_out(yi=[1, 2], vi=[1, 1], method="XX")
    with pytest.raises(ValueError, match="ci_method"):
        influence(yi=[1, 2], vi=[1, 1], ci_method="t")
    with pytest.raises(ValueError, match="vi"):
        baujat(yi=[1, 2], vi=[1, 0])
    with pytest.raises(ValueError, match="k = 0"):
        sensitivity(yi=[], vi=[])
    with pytest.raises(ValueError, match="labels"):
        sensitivity(yi=[1, 2], vi=[1, 1], labels=["a"])


# --------------------------------------------------------------------------- properties

effects = st.floats(min_value=-4.0, max_value=4.0, allow_nan=False, allow_subnormal=False)
variances = st.floats(min_value=1e-2, max_value=3.0, allow_nan=False, allow_subnormal=False)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# permuting the studies only moves rounding, but ML/REML/PM/EB stop at a relative step
PERM = {"closed_form": (1e-9, 1e-12), "iterative": (1e-6, 1e-9)}


@st.composite
def studies(draw, min_k: int = 2, max_k: int = 9):
    k = draw(st.integers(min_value=min_k, max_value=max_k))
    yi = draw(st.lists(effects, min_size=k, max_size=k))
    vi = draw(st.lists(variances, min_size=k, max_size=k))
    perm = draw(st.permutations(range(k)))
    return np.array(yi), np.array(vi), np.array(perm)


def same(a, b, rtol: float, atol: float) -> bool:
    # Fit keeps an infinite HKSJ statistic (its to_dict() gives null); ours is None
    a, b = (None if isinstance(x, float) and not math.isfinite(x) else x for x in (a, b))
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(np.isclose(a, b, rtol=rtol, atol=atol))


@SETTINGS
@given(data=studies(), method=st.sampled_from(METHODS), ci=st.sampled_from(CI_METHODS))
def test_permuted_input_permutes_the_results(data, method, ci) -> None:
    yi, vi, perm = data
    base = sensitivity(yi=yi, vi=vi, method=method, ci_method=ci)
    moved = sensitivity(yi=yi[perm], vi=vi[perm], method=method, ci_method=ci)
    no_nan(base)
    rtol, atol = PERM[kind(method)]
    for j, i in enumerate(perm):
        a, b = moved.leave_one_out.rows[j], base.leave_one_out.rows[i]
        for f in (*REFIT, "statistic", "k", "df", "Q_df"):
            assert same(getattr(a, f), getattr(b, f), rtol, atol), (f, j, i)
        a, b = moved.influence.rows[j], base.influence.rows[i]
        for f in (*INFLUENCE, "influential"):
            # the difference beta - beta(-i) loses relative precision when it is tiny
            assert same(getattr(a, f), getattr(b, f), rtol, max(atol, 1e-7)), (f, j, i)
        a, b = moved.baujat.points[j], base.baujat.points[i]
        assert same(a.x, b.x, rtol, atol) and same(a.y, b.y, rtol, max(atol, 1e-7))


@SETTINGS
@given(data=studies(min_k=1), method=st.sampled_from(METHODS), ci=st.sampled_from(CI_METHODS))
def test_cumulative_ends_at_the_full_fit(data, method, ci) -> None:
    yi, vi, perm = data
    res = cumulative(yi=yi, vi=vi, method=method, ci_method=ci, order=perm)
    no_nan(res)
    full = fit(yi, vi, method=method, ci=ci, tau2_ci=False)
    last = res.steps[-1]
    rtol, atol = PERM[kind(method)]
    for f in (*REFIT, "statistic"):
        assert same(getattr(last, f), getattr(full, f), rtol, atol), f
    assert last.k == full.k and last.df == full.df and last.Q_df == full.Q_df
    first = res.steps[0]
    assert first.k == 1 and first.estimate == yi[perm[0]]
    assert first.se == pytest.approx(math.sqrt(vi[perm[0]]), rel=1e-15)
    # the cumulative model j is the plain fit of the first j + 1 studies in that order
    j = len(perm) // 2
    mid = fit(yi[perm[: j + 1]], vi[perm[: j + 1]], method=method, ci=ci, tau2_ci=False)
    assert same(res.steps[j].estimate, mid.estimate, rtol, atol)
    assert same(res.steps[j].tau2, mid.tau2, rtol, atol)


@SETTINGS
@given(data=studies(min_k=2, max_k=12))
def test_fixed_effect_closed_forms(data) -> None:
    """FE by hand: the weighted mean without row i, its SE, and the diagnostics."""
    yi, vi, _ = data
    k = yi.size
    w = 1.0 / vi
    res = sensitivity(yi=yi, vi=vi, method="FE", ci_method="wald")
    beta = np.sum(w * yi) / np.sum(w)
    q = np.sum(w * (yi - beta) ** 2)
    for i in range(k):
        keep = np.arange(k) != i
        mean_i = np.sum(w[keep] * yi[keep]) / np.sum(w[keep])
        se_i = 1.0 / math.sqrt(np.sum(w[keep]))
        row = res.leave_one_out.rows[i]
        assert row.estimate == pytest.approx(mean_i, rel=1e-10, abs=1e-12)
        assert row.se == pytest.approx(se_i, rel=1e-12)
        assert row.tau2 is None and row.pi_low is None
        inf = res.influence.rows[i]
        # FE: hat_i v_i = 1/sum(w), so dffits = dfbetas and Cook's distance = dfbetas^2
        d = (beta - mean_i) * math.sqrt(np.sum(w))
        assert inf.dfbetas == pytest.approx(d, rel=1e-7, abs=1e-9)
        assert inf.dffits == pytest.approx(inf.dfbetas, rel=1e-9, abs=1e-12)
        assert inf.cooks_distance == pytest.approx(d * d, rel=1e-7, abs=1e-9)
        assert inf.hat == pytest.approx(w[i] / np.sum(w), rel=1e-12)
        assert inf.cov_ratio == pytest.approx(np.sum(w) / np.sum(w[keep]), rel=1e-12)
        assert inf.tau2_deleted is None
        if k > 2:
            assert inf.Q_deleted == pytest.approx(
                np.sum(w[keep] * (yi[keep] - mean_i) ** 2), rel=1e-9, abs=1e-12
            )
        # Baujat y for FE = (beta(-i) - beta)^2 / se(-i)^2
        assert res.baujat.points[i].y == pytest.approx(
            (mean_i - beta) ** 2 / se_i**2, rel=1e-7, abs=1e-12
        )
    # Baujat x sums to Q for FE (squared Pearson residuals); weights sum to 100
    assert sum(p.x for p in res.baujat.points) == pytest.approx(q, rel=1e-9, abs=1e-12)
    assert sum(r.weight for r in res.influence.rows) == pytest.approx(100.0, rel=1e-12)


@SETTINGS
@given(data=studies(min_k=2), method=st.sampled_from(METHODS), ci=st.sampled_from(CI_METHODS))
def test_influence_identities(data, method, ci) -> None:
    """Relations that hold for every method (metafor's definitions, p = 1)."""
    yi, vi, _ = data
    res = sensitivity(yi=yi, vi=vi, method=method, ci_method=ci)
    loo = res.leave_one_out.rows
    full = fit(yi, vi, method=method, ci=ci, tau2_ci=False)
    k = yi.size
    for i, row in enumerate(res.influence.rows):
        assert row.weight == pytest.approx(full.weights[i], rel=1e-10)
        assert row.hat == pytest.approx(row.weight / 100.0, rel=1e-12)
        if loo[i].se and full.se:
            # cov.r = vb(-i) / vb and cook.d = (beta - beta(-i))^2 / vb
            assert row.cov_ratio == pytest.approx((loo[i].se / full.se) ** 2, rel=1e-10)
            diff = full.estimate - loo[i].estimate
            assert row.cooks_distance == pytest.approx(diff**2 / full.se**2, rel=1e-9, abs=1e-15)
            assert res.baujat.points[i].y == pytest.approx(
                diff**2 / loo[i].se ** 2, rel=1e-9, abs=1e-15
            )
        if row.influential is False:
            assert abs(row.dffits) <= 3.0 / math.sqrt(k - 1)
            assert row.hat <= 3.0 / k
            assert abs(row.dfbetas) <= 1.0
        if row.hat > 3.0 / k:
            assert row.influential is True


# --------------------------------------------------------------------------- from a PoolResult


@SETTINGS
@given(
    years=st.lists(st.integers(1990, 1995), min_size=1, max_size=12),
    vis=st.lists(st.sampled_from([0.05, 0.1, 0.2, 0.4]), min_size=12, max_size=12),
)
def test_cumulative_order_sorts_stably(years, vis) -> None:
    """year: ascending with ties as listed; precision: vi ascending (1/vi descending)
    with ties as listed, as R's order(vi) in metafor's cumul; listed: as given."""
    from types import SimpleNamespace

    from synthesis.analyses.sensitivity import cumulative_order

    k = len(years)
    fake = SimpleNamespace(
        studies=[SimpleNamespace(year=y) for y in years], vi=np.array(vis[:k], dtype=float)
    )
    assert cumulative_order(fake, "year").tolist() == sorted(range(k), key=lambda i: (years[i], i))
    assert cumulative_order(fake, "precision").tolist() == sorted(
        range(k), key=lambda i: (vis[i], i)
    )
    assert cumulative_order(fake, "listed").tolist() == list(range(k))


def test_sensitivity_of_is_the_core_on_the_pooled_rows() -> None:
    from pathlib import Path

    from synthesis.analyses.pool import pool
    from synthesis.analyses.sensitivity import cumulative_order, sensitivity_of

    studies = Path(__file__).resolve().parent.parent / "studies"
    for method, ci in (("REML", "wald"), ("DL", "hksj"), ("FE", "wald")):
        result = pool(outcome="ORR", method=method, ci=ci, studies=studies, sort="listed")
        res = sensitivity_of(result, order="precision")
        core = sensitivity(
            yi=result.yi,
            vi=result.vi,
            method=method,
            ci_method=ci,
            order=cumulative_order(result, "precision"),
        )
        assert res.analyses.leave_one_out.rows == core.leave_one_out.rows
        assert res.analyses.influence.rows == core.influence.rows
        assert res.analyses.cumulative.steps == core.cumulative.steps
        rows = res.leave_one_out_rows()
        for row, r in zip(rows, core.leave_one_out.rows, strict=True):
            assert row["model_scale"]["estimate"] == r.estimate
            assert row["estimate"] == result.back(r.estimate)  # reporting scale
            assert row["ci_low"] == result.back(r.ci_low)
        json.dumps(res.to_dict(), allow_nan=False)
