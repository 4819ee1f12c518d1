"""Issue 10, items 19-20: warnings belong to the outcome they concern, JSON carries them too,
and numerical RuntimeWarnings never reach the user."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.analyses import pool as pool_module
from synthesis.analyses.pool import _check_finite
from synthesis.errors import SynthError
from synthesis.models.results import Fit

REPO = Path(__file__).resolve().parent.parent
AMBIGUOUS = (
    "cityofhope2022-blina.yaml:14: outcomes[0].percent: warning: 64% of 132 could be 84/132 or "
    "85/132; using the nearest, 84/132 (63.64%) - give events to settle it"
)


@pytest.fixture
def in_repo():
    cwd = os.getcwd()
    os.chdir(REPO)
    yield
    os.chdir(cwd)


def test_pool_json_carries_the_record_warning_of_its_outcome(in_repo: None) -> None:
    run = CliRunner().invoke(main, ["pool", "--outcome", "ORR", "--format", "json"])
    assert run.exit_code == 0
    warns = json.loads(run.stdout)["warnings"]
    assert any(w.endswith(AMBIGUOUS) for w in warns), warns
    assert any(line.endswith(AMBIGUOUS) for line in run.stderr.splitlines())


@pytest.mark.parametrize("outcome", ["OS", "CR/CRi"])
def test_other_outcomes_do_not_repeat_it(in_repo: None, outcome: str) -> None:
    run = CliRunner().invoke(main, ["pool", "--outcome", outcome, "--format", "json"])
    assert run.exit_code == 0, run.stderr
    assert "64%" not in run.stderr
    assert not any("64%" in w for w in json.loads(run.stdout)["warnings"])


def test_validate_still_lists_every_warning(in_repo: None) -> None:
    run = CliRunner().invoke(main, ["validate"])
    assert run.exit_code == 0
    assert any(line.endswith(AMBIGUOUS) for line in run.stderr.splitlines())


def test_runtime_warnings_never_reach_the_user(
    in_repo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pool_module.pool

    def noisy(*args, **kwargs):
        warnings.warn("overflow encountered in square", RuntimeWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pool_module, "pool", noisy)
    run = CliRunner().invoke(main, ["pool", "--outcome", "ORR"])
    assert run.exit_code == 0
    assert "RuntimeWarning" not in run.stderr and "overflow" not in run.stderr


def _fit(**changes: float) -> Fit:
    base = dict(
        k=2, method="REML", ci_method="wald", level=0.95, estimate=0.1, se=0.2, ci_low=-0.3,
        ci_high=0.5, pi_low=None, pi_high=None, statistic=0.5, df=None, p_value=0.6, tau2=0.0,
        tau2_ci_low=None, tau2_ci_high=None, tau=0.0, I2=0.0, H2=1.0, Q=0.1, Q_df=1, Q_p=0.7,
        weights=(50.0, 50.0),
    )  # fmt: skip
    return Fit(**{**base, **changes})


def test_a_non_finite_fit_is_an_error_not_a_number() -> None:
    _check_finite(_fit(), "REML")
    for field in ("estimate", "se", "ci_low", "ci_high"):
        with pytest.raises(SynthError, match="non-finite estimate or CI"):
            _check_finite(_fit(**{field: float("inf")}), "REML")
        with pytest.raises(SynthError, match="non-finite estimate or CI"):
            _check_finite(_fit(**{field: float("nan")}), "REML")
