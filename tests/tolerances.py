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
    "glmm": Tol(1e-5, 1e-8, "brief default for iterative results (to be reviewed)"),
}


def tol(kind: str) -> Tol:
    return TOLERANCES[kind]
