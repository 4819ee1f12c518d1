"""The one table of numerical tolerances used by every reference test.

Relative tolerances (``numpy.isclose(actual, expected, rtol=..., atol=...)``).
A value looser than the brief's defaults carries its reason next to it.
"""

from __future__ import annotations

from typing import NamedTuple


class Tol(NamedTuple):
    rtol: float
    atol: float
    reason: str


TOLERANCES: dict[str, Tol] = {
    # Closed-form results: escalc effect sizes, FE/DL/HE/SJ/HS estimates, Q, I2, H2, Wald CIs.
    "closed_form": Tol(1e-8, 1e-12, "brief default for closed-form results"),
    # Iterative results: REML/ML/PM/EB tau2 and everything downstream, Q-profile tau2 CIs.
    "iterative": Tol(1e-5, 1e-8, "brief default for iterative results"),
    # GLMM (rma.glmm via lme4::glmer, adaptive Gauss-Hermite quadrature).
    "glmm": Tol(
        1e-4,
        1e-8,
        "lme4's nAGQ=7 objective is not the exact AGQ value: glmerAGQ scales the nodes by "
        "1/L from the PIRLS weights of the previous iterate (PIRLS restarted from the stage-1 "
        "linear predictor), so its deviance is off by up to 3e-7 (1e-8 rel) and the deriv12 "
        "Hessian (step 1e-4) behind vcov() by up to 2e-4 rel; synth uses the exact modes. "
        "Against converged R fits (bobyqa rhoend=1e-12, tolPwrss=1e-12) max rel diffs are "
        "3.8e-5 (se), 4.2e-5 (CI), 3.0e-5 (z), 7.6e-6 (b), 6.5e-6 (tau2), 6.9e-6 (p)",
    ),
    # PyMARE's closed-form meta-regression against ours (tests/test_regression_crosscheck.py).
    "pymare_regression": Tol(
        5e-8,
        1e-12,
        "PyMARE solves the weighted normal equations by inverting X'WX (and takes Hedges' "
        "leverages from pinv(X'X)) rather than by a QR decomposition; with year (1948-1980) "
        "beside an intercept cond(X'WX) ~ 3e11, and its results drift from metafor by up to "
        "1.9e-8 relative (HE ci_ub, dat.bcg ~ ablat + year) while synth's QR stays within "
        "3e-11",
    ),
}


def tol(kind: str) -> Tol:
    return TOLERANCES[kind]
