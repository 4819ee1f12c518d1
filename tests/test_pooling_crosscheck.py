"""Cross-checks of synthesis.models.core against PyMARE and statsmodels.

Where a library defines a quantity differently, the test asserts the difference that
definition predicts (and says why) instead of skipping it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from pymare import Dataset
from pymare.estimators import DerSimonianLaird, Hedges, VarianceBasedLikelihoodEstimator
from statsmodels.stats.meta_analysis import combine_effects

from synthesis.models.core import fit
from tests.tolerances import tol

REFERENCE = Path(__file__).parent / "reference" / "rma_reference.json"
_CASES = {c["id"]: c for c in json.loads(REFERENCE.read_text())["cases"]}


def _data(case_id: str) -> tuple[np.ndarray, np.ndarray]:
    c = _CASES[case_id]
    return np.asarray(c["yi"], dtype=float), np.asarray(c["vi"], dtype=float)


# dat.bcg log RR (tau2 > 0, k = 13), dat.bangertdrowns2004 (k = 48),
# dat.pritz1997 logit proportions (k = 14), and a homogeneous set where DL's
# untruncated moment estimate is negative (first 3 dat.bcg trials: Q = 0.93 < k-1 = 2).
DATASETS = {
    "bcg-RR": "bcg-RR-REML-wald",
    "bangertdrowns-GEN": "bangertdrowns2004-GEN-REML-wald",
    "pritz-PLO": "pritz1997-PLO-REML-wald",
    "k3-RR": "k3-RR-REML-wald",
}

ITER = tol("iterative")
CLOSED = tol("closed_form")


def _close(a, b, t) -> None:
    np.testing.assert_allclose(np.ravel(a)[0], b, rtol=t.rtol, atol=t.atol)


# --------------------------------------------------------------------------- PyMARE


def _pymare(method: str, correction: str):
    if method == "DL":
        est = DerSimonianLaird(small_sample_correction=correction)
    elif method == "HE":
        est = Hedges(small_sample_correction=correction)
    else:
        # PyMARE maximizes the profile likelihood by a bounded scalar search whose
        # default xtol (1e-6 of the bracket) is looser than our tolerance; tighten it.
        est = VarianceBasedLikelihoodEstimator(
            method=method, small_sample_correction=correction, xtol=1e-12
        )
    return est


@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("method", ["DL", "REML", "ML", "HE"])
@pytest.mark.parametrize("ci", ["wald", "hksj"])
def test_pymare(dataset: str, method: str, ci: str) -> None:
    y, v = _data(DATASETS[dataset])
    correction = "knapp-hartung" if ci == "hksj" else "wald"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = _pymare(method, correction).fit_dataset(Dataset(y=y, v=v)).summary()
        fe = res.get_fe_stats(alpha=0.05)
        het = res.get_heterogeneity_stats()
        re = res.get_re_stats(alpha=0.05)
    ours = fit(y, v, method=method, ci=ci)
    # DL and HE are closed form in both; PyMARE's ML/REML come from a numeric search
    t = CLOSED if method in ("DL", "HE") else ITER
    _close(res.tau2, ours.tau2, t)
    _close(fe["est"], ours.estimate, t)
    _close(fe["se"], ours.se, t)
    _close(fe["ci_l"], ours.ci_low, t)
    _close(fe["ci_u"], ours.ci_high, t)
    _close(fe["p"], ours.p_value, t)
    # PyMARE's Knapp-Hartung is metafor's knha (scale RSS/(k-1), not truncated,
    # t with k-1 df); under "wald" it uses the normal reference.
    if ci == "hksj":
        assert int(np.ravel(res.fe_dof)[0]) == ours.df == len(y) - 1
    else:
        assert res.fe_dof is None and ours.df is None
    # Q and its p-value are the same fixed-effect Cochran's Q.
    _close(het["Q"], ours.Q, CLOSED)
    _close(het["p(Q)"], ours.Q_p, CLOSED)
    # I^2: PyMARE's is Higgins' Q-based max(0, (Q - df)/Q); ours is metafor's
    # tau2/(vt + tau2) with vt = (k-1)/tr(P). They agree only for DL, where
    # tau2 = (Q - df)/tr(P) makes the two formulas algebraically identical.
    q, df = ours.Q, ours.Q_df
    q_based = max(0.0, 100.0 * (q - df) / q)
    _close(het["I^2"], q_based, CLOSED)
    w = 1.0 / v
    vt = df / (w.sum() - (w**2).sum() / w.sum())
    _close(ours.I2, 100.0 * ours.tau2 / (vt + ours.tau2), CLOSED)
    dl = fit(y, v, method="DL")
    if method == "DL" or abs(ours.tau2 - dl.tau2) < 1e-12:
        _close(het["I^2"], ours.I2, CLOSED)
    else:  # a different tau2 than DL's gives a different (tau2-based) I^2
        assert abs(ours.I2 - float(np.ravel(het["I^2"])[0])) > 1e-6
    # PyMARE's H is sqrt(Q/df) floored at 1 (Q-based), not metafor's H2 = tau2/vt + 1.
    _close(het["H"], max(1.0, np.sqrt(q / df)), CLOSED)
    # Q-profile CI for tau2: same generalized-Q inversion (bounded at 0).
    _close(re["ci_l"], ours.tau2_ci_low, ITER)
    _close(re["ci_u"], ours.tau2_ci_high, ITER)


# --------------------------------------------------------------------------- statsmodels


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_statsmodels_pm(dataset: str) -> None:
    """Paule-Mandel: same estimating equation Q(tau2) = k-1 (truncated at 0 in both)."""
    y, v = _data(DATASETS[dataset])
    # statsmodels stops when |Q - (k-1)| < atol (default 1e-5): tighten it
    res = combine_effects(y, v, method_re="pm", atol=1e-13, maxiter=500)
    ours = fit(y, v, method="PM", ci="wald")
    _close(res.tau2, ours.tau2, ITER)
    _close(res.mean_effect_re, ours.estimate, ITER)
    _close(res.sd_eff_w_re, ours.se, ITER)
    lo, hi = res.conf_int(use_t=False)[1]
    _close(lo, ours.ci_low, ITER)
    _close(hi, ours.ci_high, ITER)
    # statsmodels' HKSJ ("wls" variance, t with k-1 df, not truncated) = metafor knha
    hk = fit(y, v, method="PM", ci="hksj")
    _close(res.sd_eff_w_re_hksj, hk.se, ITER)
    lo, hi = res.conf_int(use_t=True)[3]
    _close(lo, hk.ci_low, ITER)
    _close(hi, hk.ci_high, ITER)
    assert res.df_resid == hk.df


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_statsmodels_dl(dataset: str) -> None:
    y, v = _data(DATASETS[dataset])
    res = combine_effects(y, v, method_re="dl")
    ours = fit(y, v, method="DL", ci="wald")
    fe = fit(y, v, method="FE", ci="wald")
    untruncated = (ours.Q - ours.Q_df) / (np.sum(1 / v) - np.sum(1 / v**2) / np.sum(1 / v))
    # statsmodels' DL is the raw moment estimate (Q - df)/c, NOT truncated at 0.
    _close(res.tau2, untruncated, CLOSED)
    _close(res.q, ours.Q, CLOSED)
    # its FE part is the plain inverse-variance FE model
    _close(res.mean_effect_fe, fe.estimate, CLOSED)
    _close(res.sd_eff_w_fe, fe.se, CLOSED)
    # statsmodels' h2 = Q/df and i2 = 1 - 1/h2 are Q-based fractions (i2 may be < 0),
    # i.e. metafor's FE-model H2 and an untruncated I2/100.
    _close(res.h2, fe.H2, CLOSED)
    _close(res.i2, 1 - 1 / fe.H2, CLOSED)
    if untruncated > 0:
        # truncation does not bite: identical random-effects results
        _close(res.tau2, ours.tau2, CLOSED)
        _close(res.mean_effect_re, ours.estimate, CLOSED)
        _close(res.sd_eff_w_re, ours.se, CLOSED)
        lo, hi = res.conf_int(use_t=False)[1]
        _close(lo, ours.ci_low, CLOSED)
        _close(hi, ours.ci_high, CLOSED)
        hk = fit(y, v, method="DL", ci="hksj")
        _close(res.sd_eff_w_re_hksj, hk.se, CLOSED)
    else:
        # truncation bites: we (and metafor) use tau2 = 0, i.e. the FE weights;
        # statsmodels uses the negative tau2, so its weights 1/(vi + tau2) are larger
        # and its random-effects SE is smaller than the FE one.
        assert ours.tau2 == 0.0
        assert ours.estimate == pytest.approx(fe.estimate, rel=1e-15)
        assert res.sd_eff_w_re < fe.se
        w_neg = 1 / (v + res.tau2)
        _close(res.mean_effect_re, np.sum(w_neg * y) / np.sum(w_neg), CLOSED)
        _close(res.sd_eff_w_re, np.sqrt(1 / np.sum(w_neg)), CLOSED)


def test_statsmodels_dl_negative_case_is_exercised() -> None:
    y, v = _data(DATASETS["k3-RR"])
    assert combine_effects(y, v, method_re="dl").tau2 < 0
