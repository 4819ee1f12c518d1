"""GLMM on data it cannot fit: a clear message in every command, at once (issue 10, item 9).

All-zero or all-event data used to raise a ValueError traceback in pool, forest, table
and report; 1/10^9 vs 999999999/10^9 ran for minutes (metafor refuses at once: see
tests/reference/formats_reference.json). GLMM runs no longer print the continuity
correction warning that recommends --method GLMM.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synthesis.cli import main

import synthesis.models.glmm as glmm
from synthesis.errors import SynthError
from synthesis.models.glmm import MAX_TOTAL, GlmmError, fit_glmm_plo

REF = json.loads((Path(__file__).parent / "reference" / "formats_reference.json").read_text())

ZERO = (
    "GLMM cannot be fitted: no study has any event (0/5, 0/6, 0/7), so the maximum-likelihood "
    "estimate is a proportion of exactly 0 with no interval (metafor refuses too); use the "
    "default --method REML (inverse variance) or --measure PFT instead, which handle zero counts"
)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def counts_review(folder: Path, counts: list[tuple[int, int]]) -> str:
    folder.mkdir(parents=True)
    for i, (x, n) in enumerate(counts):
        (folder / f"s{i}.yaml").write_text(
            f"id: s{i}\ncitation: S{i}\nyear: {2010 + i}\noutcomes:\n"
            f"  - {{name: CR, events: {x}, total: {n}}}\n",
            encoding="utf-8",
        )
    return str(folder)


@pytest.fixture
def zeros(tmp_path: Path) -> str:
    return counts_review(tmp_path / "studies", [(0, 5), (0, 6), (0, 7)])


def test_pool_and_forest_say_why_with_exit_2(zeros: str, tmp_path: Path) -> None:
    assert REF["glmm_all_zero"]["error"]  # metafor refuses too
    code, out, err = cli("pool", "--outcome", "CR", "--method", "GLMM", "--studies", zeros)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == f"synth: error: {ZERO}"
    assert "Traceback" not in err
    png = tmp_path / "cr.png"
    code, _, err = cli(
        "forest", "--outcome", "CR", "--method", "GLMM", "-o", str(png), "--studies", zeros
    )
    assert code == 2 and err.splitlines()[-1] == f"synth: error: {ZERO}"
    assert not png.exists()


def test_table_and_report_show_the_reason_in_the_row(zeros: str, tmp_path: Path) -> None:
    code, out, err = cli("table", "--method", "GLMM", "--format", "json", "--studies", zeros)
    assert code == 0, err
    (row,) = json.loads(out)["rows"]
    assert row["error"] == ZERO
    html = tmp_path / "r.html"
    code, _, err = cli("report", "--method", "GLMM", "-o", str(html), "--studies", zeros)
    assert code == 0, err
    assert "GLMM cannot be fitted: no study has any event" in html.read_text(encoding="utf-8")


def test_all_events_is_refused_too() -> None:
    with pytest.raises(GlmmError, match=r"every study has only events \(5/5, 6/6\)"):
        fit_glmm_plo([5, 6], [5, 6])
    assert issubclass(GlmmError, SynthError) and issubclass(GlmmError, ValueError)


def test_extreme_counts_are_refused_before_any_likelihood_evaluation(monkeypatch) -> None:
    assert REF["glmm_extreme"]["error"].startswith("Cannot fit ML model")  # metafor, at once
    calls = []
    monkeypatch.setattr(glmm, "_deviance", lambda *a: calls.append(a) or 0.0)
    with pytest.raises(GlmmError, match=r"a study has 1,000,000,000 participants"):
        fit_glmm_plo([1, 999_999_999], [10**9, 10**9])
    assert calls == []
    assert MAX_TOTAL == 10**6


def test_the_work_of_one_fit_is_bounded(monkeypatch) -> None:
    calls = []
    real = glmm._deviance

    def counted(*a):
        calls.append(1)
        return real(*a)

    monkeypatch.setattr(glmm, "_deviance", counted)
    fit_glmm_plo([3e5, 6e5, 4.5e5], [1e6] * 3)  # studies of the largest size accepted
    assert len(calls) <= glmm.MAX_EVALUATIONS
    monkeypatch.setattr(glmm, "MAX_EVALUATIONS", 20)
    with pytest.raises(GlmmError, match=r"no maximum-likelihood fit after 20 likelihood"):
        fit_glmm_plo([5, 10, 20, 7], [30, 40, 50, 25])


def test_glmm_does_not_recommend_itself(tmp_path: Path) -> None:
    studies = counts_review(tmp_path / "studies", [(0, 10), (4, 12), (7, 15)])
    code, out, err = cli(
        "pool", "--outcome", "CR", "--method", "GLMM", "--format", "json", "--studies", studies
    )
    assert code == 0, err
    assert not [w for w in json.loads(out)["warnings"] if "0.5 added" in w]
    assert "--method GLMM need" not in err
    code, out, err = cli("pool", "--outcome", "CR", "--format", "json", "--studies", studies)
    assert [w for w in json.loads(out)["warnings"] if "0.5 added" in w] == [
        "0.5 added to the cells of s0 (0 or all events) for PLO; --measure PFT or "
        "--method GLMM need no correction"
    ]


def test_counts_up_to_the_limit_still_match_metafor() -> None:
    # metafor 3.8.1, rma.glmm(measure = "PLO", xi = c(3e5, 6e5, 4.5e5), ni = rep(1e6, 3)):
    # b = -0.21416733, tau2 = 0.26165622 (se 0.29537560; ours 0.2949, the finite-difference
    # Hessian of a deviance of order 10^6 -- the reason for MAX_TOTAL)
    fit = fit_glmm_plo([3e5, 6e5, 4.5e5], [1e6] * 3)
    assert np.isclose(fit.estimate, -0.21416733, rtol=1e-6)
    assert np.isclose(fit.tau2, 0.26165622, rtol=1e-5)
    assert np.isclose(fit.se, 0.29537560, rtol=2e-3)
