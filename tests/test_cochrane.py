"""MD/SMD, Mantel-Haenszel, Peto and the t prediction interval against metafor 3.8.

The reference is tests/reference/cochrane_reference.json, written by
``Rscript tests/reference/cochrane_reference.R``; these tests never call R. The JSON holds
what metafor reports; the contract's null rules are applied in the ``expected_*``
helpers below:
  * Q, Q_df, Q_p, I2, H2 are None when fewer than 2 studies have a per-study estimate
    (metafor reports Q = 0, QEp = 1, I2 = 0, H2 = 1 there);
  * I2 is 0 when Q is exactly 0 (rma.mh divides 0 by 0; rma.uni FE reports 0);
  * Tarone's and the Breslow-Day tests are None with fewer than 2 informative tables
    (metafor reports a statistic with 0 df and p = NA);
  * where metafor stops (Peto with one outcome never occurring) the estimate is None.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthesis.effects.continuous import continuous_problems, hedges_correction, md, smd
from synthesis.models.core import CLOSED_FORM_METHODS, METHODS, fit
from synthesis.models.mh import MHResult, escalc_2x2, mantel_haenszel, peto
from synthesis.models.prediction import pi_t, pi_t_batch
from synthesis.special import ndtri
from tests.tolerances import tol

REFERENCE = Path(__file__).parent / "reference" / "cochrane_reference.json"
REF = json.loads(REFERENCE.read_text())
ESCALC: list[dict] = REF["escalc"]
POOL: list[dict] = REF["pool"]
MH: list[dict] = REF["mh"]
CLOSED = tol("closed_form")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def close(actual, want, kind: str = "closed_form") -> bool:
    t = tol(kind)
    return bool(np.isclose(actual, want, rtol=t.rtol, atol=t.atol))


def assert_seq(actual, want, kind: str = "closed_form", what: str = "") -> None:
    """Element-wise comparison of sequences that may hold None."""
    assert len(actual) == len(want), f"{what}: length {len(actual)} != {len(want)}"
    for i, (x, y) in enumerate(zip(actual, want, strict=True)):
        if y is None or x is None:
            assert x is None and y is None, f"{what}[{i}]: got {x!r}, want {y!r}"
        else:
            assert close(x, y, kind), f"{what}[{i}]: got {x!r}, want {y!r}"


def continuous(case: dict, measure: str | None = None):
    i = case["inputs"]
    f = md if (measure or case["measure"]) == "MD" else smd
    return f(m1=i["m1i"], sd1=i["sd1i"], n1=i["n1i"], m2=i["m2i"], sd2=i["sd2i"], n2=i["n2i"])


# =========================================================================== grid


def test_reference_metadata() -> None:
    assert REF["meta"]["metafor_version"] == "3.8.1"
    assert REF["meta"]["generator"] == "tests/reference/cochrane_reference.R"
    assert REF["meta"]["n_escalc"] == len(ESCALC)
    assert REF["meta"]["n_pool"] == len(POOL)
    assert REF["meta"]["n_mh"] == len(MH)


def test_grid_is_complete() -> None:
    for section in (ESCALC, POOL, MH):
        ids = [c["id"] for c in section]
        assert len(ids) == len(set(ids)), "duplicate case ids"
        assert all(c["r_call"] for c in section)
    assert {c["id"] for c in ESCALC} == {
        f"{ds}-{m}" for ds in ("normand1999", "hand") for m in ("MD", "SMD")
    }
    hand = next(c for c in ESCALC if c["id"] == "hand-SMD")["inputs"]
    n = np.array(hand["n1i"]) + np.array(hand["n2i"])
    assert n.min() == 4 and n.max() >= 2e6  # the smallest SMD n and a large trial
    # rma on MD and SMD: every method x {wald, hksj} x {0.95, 0.90}
    present = {(c["measure"], c["method"], c["ci"], c["level"]) for c in POOL}
    for measure in ("MD", "SMD"):
        for method in METHODS:
            for ci in ("wald", "hksj"):
                for level in (0.95, 0.90):
                    assert (measure, method, ci, level) in present
    assert {c["k"] for c in POOL} >= {2, 3, 9, 13}
    # MH RR/OR/RD and Peto for every data set and edge case
    prefixes = {c["id"].rsplit("-", 2)[0] for c in MH if c["level"] == 0.95}
    assert prefixes >= {
        "bcg", "egger2001", "yusuf1985-12b", "li2007", "k1", "k2", "k3", "k1-zero",
        "zero-cell", "double-zero", "all-events", "k2-double-zero", "no-exp-events",
        "no-events", "identical", "events-everywhere",
    }  # fmt: skip
    for p in prefixes:
        got = {(c["method"], c["measure"]) for c in MH if c["id"].startswith(p + "-")}
        assert got >= {("MH", "RR"), ("MH", "OR"), ("MH", "RD"), ("PETO", "OR")}, p
    assert any(c["level"] == 0.90 for c in MH)
    assert any(c["error"] for c in MH)  # Peto with one outcome never occurring


# =========================================================================== escalc


@pytest.mark.parametrize("case", ESCALC, ids=[c["id"] for c in ESCALC])
def test_escalc_md_smd(case: dict) -> None:
    yi, vi = continuous(case)
    assert_seq(yi.tolist(), case["yi"], what=f"{case['id']} yi")
    assert_seq(vi.tolist(), case["vi"], what=f"{case['id']} vi")
    assert np.all(np.isfinite(yi)) and np.all(vi > 0)
    if case["measure"] == "SMD":
        i = case["inputs"]
        cmi = hedges_correction(np.array(i["n1i"]) + np.array(i["n2i"]) - 2)
        assert_seq(cmi.tolist(), case["cmi"], what="cmi")


def test_hedges_correction_hand_values() -> None:
    # c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)); Gamma(1/2) = sqrt(pi), Gamma(3/2) = sqrt(pi)/2
    want = {
        2.0: 1 / math.sqrt(math.pi),
        3.0: (math.sqrt(math.pi) / 2) / math.sqrt(1.5),
        4.0: 1 / (math.sqrt(2) * math.sqrt(math.pi) / 2),
        5.0: (3 * math.sqrt(math.pi) / 4) / (math.sqrt(2.5) * 1.0),
    }
    got = hedges_correction(np.array(list(want)))
    np.testing.assert_allclose(got, list(want.values()), rtol=1e-15)
    # large m: c(m) = 1 - 3/(4m - 1) + O(m^-2); metafor's lgamma difference would lose
    # ~1e-7 at m = 1e8, the Stirling form keeps every digit and never overflows
    for m in (1e3, 1e5, 1e8, 1e12, 1e200):
        assert abs(float(hedges_correction(m)) - (1 - 3 / (4 * m - 1))) <= max(0.1 / m / m, 4e-16)
    assert math.isclose(float(hedges_correction(1e308)), 1.0, rel_tol=2.3e-16)


@SETTINGS
@given(m=st.floats(1.0001, 1e13))
def test_hedges_correction_recurrence(m: float) -> None:
    # Gamma(z + 1) = z Gamma(z) gives c(m + 2) = c(m) m^(3/2) / ((m - 1) sqrt(m + 2)),
    # which ties the small-m (direct) and large-m (Stirling) branches together
    c0, c2 = hedges_correction(np.array([m, m + 2.0]))
    assert math.isclose(c2, c0 * m**1.5 / ((m - 1) * math.sqrt(m + 2)), rel_tol=1e-13)
    assert 0 < c0 <= c2 * (1 + 1e-15) and c2 <= 1  # increasing to 1 (within rounding)


def test_smd_hand_case() -> None:
    # n1 = n2 = 2: m = 2, c = 1/sqrt(pi); s_p^2 = (1.2^2 + 1^2)/2; d = -0.5/s_p
    d = -0.5 / math.sqrt((1.44 + 1.0) / 2)
    g = d / math.sqrt(math.pi)
    yi, vi = smd(m1=5.5, sd1=1.2, n1=2, m2=6.0, sd2=1.0, n2=2)
    assert math.isclose(float(yi), g, rel_tol=1e-14)
    assert math.isclose(float(vi), 1 / 2 + 1 / 2 + g * g / 8, rel_tol=1e-14)
    yi, vi = md(m1=5.5, sd1=1.2, n1=2, m2=6.0, sd2=1.0, n2=2)
    assert float(yi) == -0.5 and math.isclose(float(vi), 1.44 / 2 + 1 / 2, rel_tol=1e-15)


def test_continuous_problems_and_errors() -> None:
    kw = dict(m1=[1.0, 1.0, 1.0, 1.0, np.nan], sd1=[1.0, 0.0, -1.0, 1.0, 1.0],
              n1=[10, 10, 10, 2, 10], m2=[0.0, 0.0, 0.0, 0.0, 0.0],
              sd2=[1.0, 0.0, 1.0, 1.0, 1.0], n2=[10, 10, 10, 1, 10])  # fmt: skip
    md_rows = dict(continuous_problems(measure="MD", **kw))
    smd_rows = dict(continuous_problems(measure="SMD", **kw))
    assert set(md_rows) == {1, 2, 4} and "variance 0" in md_rows[1]
    assert set(smd_rows) == {1, 2, 3, 4}
    assert "pooled SD is 0" in smd_rows[1] and "n1 + n2 >= 4" in smd_rows[3]
    assert "negative" in smd_rows[2] and "non-finite" in smd_rows[4]
    assert continuous_problems(measure="SMD", m1=1, sd1=1, n1=2, m2=0, sd2=1, n2=0) == (
        (0, "every arm needs n > 0"),
    )
    with pytest.raises(ValueError, match="row 3"):
        smd(**kw)
    with pytest.raises(ValueError, match="measure"):
        continuous_problems(measure="ROM", **kw)
    with pytest.raises(ValueError):
        hedges_correction(1.0)
    # n2 = 1 is fine for MD (vi > 0) and for SMD when n1 + n2 >= 4
    yi, vi = md(m1=1, sd1=2, n1=1, m2=0, sd2=0, n2=1)
    assert float(yi) == 1.0 and float(vi) == 4.0


arm = st.tuples(st.floats(-1e3, 1e3), st.floats(0.01, 100), st.integers(1, 10_000))  # mean, sd, n


@SETTINGS
@given(a=arm, b=arm)
def test_swapping_arms_negates_md_and_smd(a, b) -> None:
    (m1, s1, n1), (m2, s2, n2) = a, b
    for f in (md, smd):
        if f is smd and n1 + n2 < 4:
            continue
        y, v = f(m1=m1, sd1=s1, n1=n1, m2=m2, sd2=s2, n2=n2)
        ys, vs = f(m1=m2, sd1=s2, n1=n2, m2=m1, sd2=s1, n2=n1)
        assert float(ys) == -float(y)
        assert float(vs) == float(v)


@SETTINGS
@given(a=arm, b=arm, scale=st.floats(1e-3, 1e3))
def test_smd_is_scale_free_and_shrunk(a, b, scale) -> None:
    (m1, s1, n1), (m2, s2, n2) = a, b
    if n1 + n2 < 4:
        n2 += 3
    y, v = smd(m1=m1, sd1=s1, n1=n1, m2=m2, sd2=s2, n2=n2)
    ys, vs = smd(m1=m1 * scale, sd1=s1 * scale, n1=n1, m2=m2 * scale, sd2=s2 * scale, n2=n2)
    assert math.isclose(float(ys), float(y), rel_tol=1e-12, abs_tol=1e-300)
    assert math.isclose(float(vs), float(v), rel_tol=1e-12)
    sdp = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    d = (m1 - m2) / sdp
    assert abs(float(y)) <= abs(d) * (1 + 1e-15)  # Hedges' g shrinks Cohen's d


def test_vectorized_shapes() -> None:
    yi, vi = smd(m1=np.ones((2, 3)), sd1=1.0, n1=10, m2=0.0, sd2=2.0, n2=np.arange(5, 8))
    assert yi.shape == vi.shape == (2, 3)
    yi, vi = md(m1=3.0, sd1=1.0, n1=10, m2=1.0, sd2=2.0, n2=5)
    assert yi.shape == () and float(yi) == 2.0


# =========================================================================== pooling MD/SMD


def pool_kind(method: str) -> str:
    return "closed_form" if method in CLOSED_FORM_METHODS else "iterative"


@pytest.mark.parametrize("case", POOL, ids=[c["id"] for c in POOL])
def test_pooled_md_smd_and_pi_t(case: dict) -> None:
    """synthesis.pooling.fit on our escalc output equals metafor's rma on metafor's."""
    yi, vi = np.array(case["yi"]), np.array(case["vi"])
    if case["measure"] in ("MD", "SMD"):
        k = case["k"]
        src = next(c for c in ESCALC if c["id"] == f"normand1999-{case['measure']}")
        sub = {key: v[:k] for key, v in src["inputs"].items()}
        ours_y, ours_v = continuous({"inputs": sub, "measure": case["measure"]})
        assert_seq(ours_y.tolist(), case["yi"], what="yi")
        assert_seq(ours_v.tolist(), case["vi"], what="vi")
        yi, vi = ours_y, ours_v
    method, k = case["method"], case["k"]
    kind = pool_kind(method)
    f = fit(yi, vi, method=method, ci=case["ci"], level=case["level"])
    checks = {
        "estimate": case["estimate"], "se": case["se"], "ci_low": case["ci_lb"],
        "ci_high": case["ci_ub"], "p_value": case["pval"], "Q": case["QE"],
        "Q_p": case["QEp"], "I2": case["I2"], "H2": case["H2"],
        "statistic": case["zval"] if case["ci"] == "wald" else case["tval"],
        "tau2": None if method == "FE" else case["tau2"],
        "pi_low": None if method == "FE" or k < 3 else case["pi_lb"],
        "pi_high": None if method == "FE" or k < 3 else case["pi_ub"],
    }  # fmt: skip
    for field, want in checks.items():
        got = getattr(f, field)
        if want is None:
            assert got is None, f"{field}: got {got}, want None"
        else:
            assert got is not None and close(got, want, kind), f"{field}: {got} != {want}"
    assert f.df == (k - 1 if case["ci"] == "hksj" else None)
    assert_seq(f.weights, case["weights"], kind, "weights")
    # the t prediction interval (meta's HTS) from the classic (Wald) SE of the same model
    classic = f if case["ci"] == "wald" else fit(yi, vi, method=method, level=case["level"])
    assert close(classic.se, case["se_classic"], kind)
    pi = pi_t(estimate=f.estimate, se=classic.se, tau2=f.tau2, k=k, level=case["level"])
    if case["pi_t_lb"] is None:
        assert pi.low is None and pi.high is None and pi.df is None and pi.reason
    else:
        assert pi.df == case["pi_t_df"] == k - 2 and pi.reason is None
        assert close(pi.low, case["pi_t_lb"], kind), (pi.low, case["pi_t_lb"])
        assert close(pi.high, case["pi_t_ub"], kind), (pi.high, case["pi_t_ub"])
    lo, hi = pi_t_batch(
        estimate=np.array([f.estimate]), se=np.array([classic.se]),
        tau2=np.array([math.nan if f.tau2 is None else f.tau2]), k=np.array([k]),
        level=case["level"],
    )  # fmt: skip
    if pi.low is None:
        assert np.isnan(lo[0]) and np.isnan(hi[0])
    else:
        assert math.isclose(lo[0], pi.low, rel_tol=1e-15) and math.isclose(hi[0], pi.high)


# =========================================================================== pi_t


def test_pi_t_hand_values() -> None:
    # k = 3: 1 df, t_{1, 0.975} = tan(0.475 pi); k = 4: 2 df, t = (2p - 1)/sqrt(2p(1 - p))
    p = pi_t(estimate=0.5, se=0.1, tau2=0.03, k=3, level=0.95)
    half = math.tan(0.475 * math.pi) * math.sqrt(0.03 + 0.01)
    assert p.df == 1 and math.isclose(p.se, 0.2, rel_tol=1e-15)
    assert math.isclose(p.low, 0.5 - half, rel_tol=1e-12)
    assert math.isclose(p.high, 0.5 + half, rel_tol=1e-12)
    p = pi_t(estimate=-1.0, se=0.3, tau2=0.16, k=4, level=0.9)
    t = (2 * 0.95 - 1) / math.sqrt(2 * 0.95 * 0.05)
    assert p.df == 2
    assert math.isclose(p.high, -1.0 + t * 0.5, rel_tol=1e-12)
    assert math.isclose(p.low, -1.0 - t * 0.5, rel_tol=1e-12)
    for k in (1, 2):
        p = pi_t(estimate=0.5, se=0.1, tau2=0.03, k=k)
        assert p.low is None and p.high is None and "k >= 3" in p.reason
        assert json.dumps(p.to_dict(), allow_nan=False)
    p = pi_t(estimate=0.5, se=0.1, tau2=None, k=10)
    assert p.low is None and "common-effect" in p.reason
    with pytest.raises(ValueError):
        pi_t(estimate=0.5, se=0.1, tau2=-1.0, k=10)
    with pytest.raises(ValueError):
        pi_t(estimate=0.5, se=0.1, tau2=0.0, k=10, level=95)


@SETTINGS
@given(
    est=st.floats(-10, 10), se=st.floats(1e-4, 10), tau2=st.floats(0, 10),
    k=st.integers(3, 500), level=st.floats(0.5, 0.999),
)  # fmt: skip
def test_pi_t_properties(est, se, tau2, k, level) -> None:
    p = pi_t(estimate=est, se=se, tau2=tau2, k=k, level=level)
    z = -float(ndtri((1 - level) / 2))
    sp = math.sqrt(tau2 + se * se)
    assert math.isclose(est - p.low, p.high - est, rel_tol=1e-9, abs_tol=1e-12)  # symmetric
    assert p.high - est >= z * sp * (1 - 1e-12)  # wider than the normal-quantile PI
    wider = pi_t(estimate=est, se=se, tau2=tau2, k=k, level=min(0.9999, level + 0.0005))
    assert wider.high >= p.high and wider.low <= p.low


# =========================================================================== MH / Peto


def run_mh(case: dict) -> MHResult:
    i = case["inputs"]
    kw = dict(ai=i["ai"], bi=i["bi"], ci=i["ci"], di=i["di"], level=case["level"])
    if case["method"] == "MH":
        return mantel_haenszel(measure=case["measure"], **kw)
    return peto(**kw)


def expected_mh(case: dict) -> dict:
    """What MHResult must hold: metafor's values under the contract's null rules."""
    out = {
        "estimate": case["estimate"], "se": case["se"], "statistic": case["zval"],
        "p_value": case["pval"], "ci_low": case["ci_lb"], "ci_high": case["ci_ub"],
    }  # fmt: skip
    if case["k_yi"] < 2 or case["QE"] is None:
        out.update(Q=None, Q_p=None, I2=None, H2=None, Q_df=None)
    else:
        out.update(Q=case["QE"], Q_p=case["QEp"], H2=case["H2"], Q_df=case["k_yi"] - 1)
        out["I2"] = 0.0 if case["I2"] is None and case["QE"] == 0 else case["I2"]
    if case["method"] == "MH" and case["measure"] == "OR":
        out.update(
            CMH=case["CMH"], CMH_p=case["CMHp"], CMH_uncorrected=case["CMH_uncorrected"],
            CMH_uncorrected_p=case["CMHp_uncorrected"],
        )  # fmt: skip
        if case["k_pos"] >= 2:
            out.update(TA=case["TA"], TA_p=case["TAp"], BD=case["BD"], BD_p=case["BDp"])
            out["TA_df"] = case["k_pos"] - 1
        else:
            out.update(TA=None, TA_p=None, BD=None, BD_p=None, TA_df=None)
    return out


@pytest.mark.parametrize("case", MH, ids=[c["id"] for c in MH])
def test_mh_and_peto_match_metafor(case: dict) -> None:
    res = run_mh(case)
    assert res.method == case["method"] and res.measure == case["measure"]
    assert res.tau2 is None and res.pi_low is None and res.df is None
    assert json.dumps(res.to_dict(), allow_nan=False)
    if case["error"]:  # metafor stops: Peto with one outcome never occurring
        assert res.estimate is None and res.se is None and res.ci_low is None
        assert any("Peto's method cannot be used" in n for n in res.notes)
        return
    assert res.k == case["k"] and res.k_yi == case["k_yi"]
    if case["method"] == "PETO" or case["measure"] == "OR":
        assert res.k_pos == case["k_pos"]
    for field, want in expected_mh(case).items():
        got = getattr(res, field)
        if want is None or field.endswith("_df"):
            assert got == want, f"{field}: got {got!r}, want {want!r}"
        else:
            assert got is not None and close(got, want), f"{field}: got {got!r}, want {want!r}"
    assert_seq(res.weights, case["weights"], what="weights")
    assert_seq(res.yi, case["yi"], what="yi")
    assert_seq(res.vi, case["vi"], what="vi")
    # every None carries a reason
    if res.estimate is None or res.Q is None or res.statistic is None:
        assert res.notes


def test_mh_bcg_hand_check() -> None:
    """dat.bcg MH RR written out: R = sum(a n2/N), S = sum(c n1/N)."""
    case = next(c for c in MH if c["id"] == "bcg-MH-RR")
    a, b, c, d = (np.array(case["inputs"][x], dtype=float) for x in ("ai", "bi", "ci", "di"))
    n1, n2 = a + b, c + d
    n = n1 + n2
    r, s = (a * n2 / n).sum(), (c * n1 / n).sum()
    res = run_mh(case)
    assert math.isclose(res.estimate, math.log(r / s), rel_tol=1e-14)
    var = ((n1 * n2 * (a + c) / n**2) - a * c / n).sum() / (r * s)
    assert math.isclose(res.se, math.sqrt(var), rel_tol=1e-14)


def test_mh_result_frame_and_dict() -> None:
    case = next(c for c in MH if c["id"] == "bcg-MH-OR")
    res = run_mh(case)
    frame = res.to_frame()
    assert frame.shape[0] == 1
    assert math.isclose(frame["estimate"].iloc[0], case["estimate"], rel_tol=1e-12)
    d = res.to_dict()
    assert d["tau2"] is None and d["pi_low"] is None and len(d["weights"]) == case["k"]
    assert res.warnings == res.notes


def test_mh_invalid_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        mantel_haenszel(measure="OR", ai=[-1], bi=[2], ci=[1], di=[1])
    with pytest.raises(ValueError, match="no participants"):
        mantel_haenszel(measure="RR", ai=[0], bi=[0], ci=[1], di=[1])
    with pytest.raises(ValueError, match="k = 0"):
        peto(ai=[], bi=[], ci=[], di=[])
    with pytest.raises(ValueError, match="measure"):
        mantel_haenszel(measure="HR", ai=[1], bi=[2], ci=[1], di=[1])
    with pytest.raises(ValueError, match="level"):
        peto(ai=[1], bi=[2], ci=[1], di=[1], level=95)
    with pytest.raises(ValueError, match="same length"):
        peto(ai=[1, 2], bi=[2], ci=[1], di=[1])


# ------------------------------------------------------------------ properties

cell = st.integers(0, 60)
table = st.tuples(cell, cell, cell, cell).filter(lambda t: t[0] + t[1] > 0 and t[2] + t[3] > 0)
tables = st.lists(table, min_size=1, max_size=12)
positive_table = st.tuples(*(st.integers(1, 200),) * 4)


def cols(ts):
    a, b, c, d = (np.array(x, dtype=float) for x in zip(*ts, strict=True))
    return {"ai": a, "bi": b, "ci": c, "di": d}


def fit_all(kw: dict) -> list[MHResult]:
    return [mantel_haenszel(measure=m, **kw) for m in ("RR", "OR", "RD")] + [peto(**kw)]


SCALARS = ("estimate", "se", "Q", "I2", "CMH", "CMH_uncorrected", "TA", "BD")


def same(x, y, rel: float = 1e-12) -> bool:
    if x is None or y is None:
        return x is None and y is None
    return math.isclose(x, y, rel_tol=rel, abs_tol=1e-12)


@SETTINGS
@given(ts=tables)
def test_mh_never_nan_and_json_safe(ts) -> None:
    for res in fit_all(cols(ts)):
        d = res.to_dict()
        json.dumps(d, allow_nan=False)
        for key in ("estimate", "se", "ci_low", "ci_high", "Q", "I2", "H2", "Q_p", "p_value"):
            v = d[key]
            assert v is None or math.isfinite(v)
        if res.estimate is None or (res.Q is None and res.k_yi >= 2):
            assert res.notes
        if res.estimate is not None:
            assert res.ci_low <= res.estimate <= res.ci_high


@SETTINGS
@given(ts=st.lists(table, min_size=2, max_size=10), seed=st.integers(0, 2**32 - 1))
def test_mh_invariant_to_study_order(ts, seed) -> None:
    perm = np.random.default_rng(seed).permutation(len(ts))
    base = fit_all(cols(ts))
    shuffled = fit_all(cols([ts[i] for i in perm]))
    for r0, r1 in zip(base, shuffled, strict=True):
        for f in SCALARS:
            # Tarone's and Breslow-Day's corrections subtract nearly equal sums
            # (order-dependent rounding: 1.2e-12 relative seen); every other field to 1e-12
            rel = 1e-9 if f in ("TA", "TA_p", "BD", "BD_p") else 1e-12
            assert same(getattr(r0, f), getattr(r1, f), rel), (r0.measure, r0.method, f)
        w0 = [r0.weights[i] for i in perm]
        assert all(same(x, y) for x, y in zip(w0, r1.weights, strict=True))


@SETTINGS
@given(t=positive_table)
def test_mh_single_study_is_its_own_estimate(t) -> None:
    """k = 1 without zero cells: MH = the study's own estimate and variance (no correction)."""
    kw = cols([t])
    for measure in ("RR", "OR", "RD"):
        res = mantel_haenszel(measure=measure, **kw)
        yi, vi, dropped = escalc_2x2(measure=measure, **kw)
        assert not dropped[0]
        assert math.isclose(res.estimate, yi[0], rel_tol=1e-12, abs_tol=1e-14)
        assert math.isclose(res.se**2, vi[0], rel_tol=1e-10)  # Woolf / Katz / Wald
        assert res.Q is None and len(res.weights) == 1
        assert math.isclose(res.weights[0], 100.0, rel_tol=1e-14)
    a, b, c, d = t
    assert math.isclose(
        mantel_haenszel(measure="OR", **kw).estimate, math.log(a * d / (b * c)), rel_tol=1e-12,
        abs_tol=1e-14,
    )  # fmt: skip


@SETTINGS
@given(ts=tables)
def test_mh_swapping_arms_negates(ts) -> None:
    kw = cols(ts)
    swapped = {"ai": kw["ci"], "bi": kw["di"], "ci": kw["ai"], "di": kw["bi"]}
    for r0, r1 in zip(fit_all(kw), fit_all(swapped), strict=True):
        if r0.estimate is None:
            assert r1.estimate is None
            continue
        assert math.isclose(r1.estimate, -r0.estimate, rel_tol=1e-9, abs_tol=1e-12)
        # an SE that is 0 in exact arithmetic (RD of 3/3 vs 0/7) comes out as the square
        # root of a rounding residue, about 1e-8 either way round: compare it absolutely
        if r0.se is not None and r1.se is not None and max(r0.se, r1.se) < 1e-6:
            assert abs(r0.se - r1.se) < 1e-7
        else:
            assert same(r0.se, r1.se, 1e-9), (r0.measure, r0.method, "se")
        for f in ("Q", "CMH", "CMH_uncorrected", "TA"):
            assert same(getattr(r0, f), getattr(r1, f), 1e-9), (r0.measure, r0.method, f)


@SETTINGS
@given(ts=tables)
def test_odds_ratio_swapping_outcomes_negates(ts) -> None:
    kw = cols(ts)
    flipped = {"ai": kw["bi"], "bi": kw["ai"], "ci": kw["di"], "di": kw["ci"]}
    for f in (lambda **k: mantel_haenszel(measure="OR", **k), peto):
        r0, r1 = f(**kw), f(**flipped)
        if r0.estimate is None:
            assert r1.estimate is None
            continue
        assert math.isclose(r1.estimate, -r0.estimate, rel_tol=1e-9, abs_tol=1e-12)
        assert same(r0.se, r1.se, 1e-9) and same(r0.Q, r1.Q, 1e-9)


@SETTINGS
@given(ts=tables)
def test_mh_duplicated_tables(ts) -> None:
    """Every table twice: same pooled estimate, variance halved (ratio-of-sums estimators)."""
    r0s, r2s = fit_all(cols(ts)), fit_all(cols(ts + ts))
    for r0, r2 in zip(r0s, r2s, strict=True):
        assert same(r0.estimate, r2.estimate, 1e-9)
        if r0.se is not None and r0.se > 0:
            assert math.isclose(r2.se, r0.se / math.sqrt(2), rel_tol=1e-9)


def test_mh_risk_ratio_with_only_events_has_zero_se_either_way_round() -> None:
    # (2/2 vs 3/3), found by hypothesis: r = a*n2/N = 2*3/5 = 1.2, s = c*n1/N = 3*2/5 = 1.2,
    # log RR = 0; Greenland-Robins variance sum((n1*n2*(a+c)/N - a*c)/N) / (r*s) =
    # ((2*3*5/5 - 2*3)/5) / 1.44 = 0 exactly (metafor's rma.mh gives se NaN): se 0, no z test,
    # no NaN anywhere, the same with the arms swapped
    for ai, ci in ((2, 3), (3, 2)):
        res = mantel_haenszel(measure="RR", ai=[ai], bi=[0], ci=[ci], di=[0])
        assert (res.estimate, res.se, res.statistic, res.p_value) == (
            pytest.approx(math.log(ai * (ci / 5) / (ci * (ai / 5))), abs=1e-15),
            0.0,
            None,
            None,
        )
        assert res.ci_low == res.ci_high == pytest.approx(res.estimate, abs=1e-15)
        assert any("variance of the risk ratio is 0" in note for note in res.notes)
