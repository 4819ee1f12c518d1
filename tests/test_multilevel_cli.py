"""``synth pool --model multilevel`` through the CLI's JSON against metafor's rma.mv
(tests/reference/multilevel_reference.json, made by tests/reference/multilevel_reference.R).

Each reference case is written as a review: one record per row with a generic estimate
(``estimate``, ``se = sqrt(vi)``) and its cluster as a tag, then pooled with
``--measure GEN --model multilevel --cluster grp``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

from tests.tolerances import tol

REPO = Path(__file__).resolve().parent.parent
REF = json.loads((REPO / "tests" / "reference" / "multilevel_reference.json").read_text())
CASES = {
    c["id"]: c
    for c in REF["cases"]
    if not any(x is not None for x in c["fixed_sigma2"])
    and c["id"].split("-")[0] in ("konstantopoulos2011", "bcg")
    and "onecluster" not in c["id"]
    and "singletons" not in c["id"]
}


def write_review(folder: Path, case: dict) -> None:
    folder.mkdir()
    for i, (y, v, g) in enumerate(zip(case["yi"], case["vi"], case["cluster"], strict=True)):
        (folder / f"r{i:03d}.yaml").write_text(
            f"id: r{i:03d}\ncitation: row {i}\nyear: {2000 + i}\n"
            f"tags: {{grp: g{g}}}\n"
            f"outcomes:\n  - {{name: X, estimate: {y!r}, se: {math.sqrt(v)!r}}}\n"
        )


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    t = tol("iterative")
    return actual is not None and math.isclose(actual, expected, rel_tol=t.rtol, abs_tol=t.atol)


def test_the_grid_is_there() -> None:
    assert len(CASES) >= 16
    assert {c["method"] for c in CASES.values()} == {"REML", "ML"}
    assert {c["ci"] for c in CASES.values()} == {"wald", "hksj"}


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_cli_json_matches_rma_mv(case_id: str, tmp_path: Path) -> None:
    case = CASES[case_id]
    write_review(tmp_path / "s", case)
    args = ["pool", "--outcome", "X", "--measure", "GEN", "--model", "multilevel"]
    args += ["--cluster", "grp", "--method", case["method"], "--ci", case["ci"]]
    args += ["--level", str(case["level"]), "--studies", str(tmp_path / "s"), "--format", "json"]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["model"] == "multilevel" and out["cluster"] == "grp"
    ms = out["model_scale"]
    assert close(ms["estimate"], case["estimate"])
    assert close(ms["se"], case["se"])
    assert close(ms["ci_low"], case["ci_lb"]) and close(ms["ci_high"], case["ci_ub"])
    assert close(out["statistic"], case["zval"] if case["ci"] == "wald" else case["tval"])
    assert close(out["p_value"], case["pval"])
    if case["k"] >= 3:
        assert close(ms["pi_low"], case["pi_lb"]) and close(ms["pi_high"], case["pi_ub"])
    comps = out["variance_components"]
    assert [c["level"] for c in comps] == ["cluster", "row"]
    assert [c["n"] for c in comps] == case["s_nlevels"]
    for c, s2 in zip(comps, case["sigma2"], strict=True):
        assert close(c["sigma2"], s2)
    assert close(out["heterogeneity"]["tau2"], sum(case["sigma2"]))
    assert close(out["heterogeneity"]["Q"], case["QE"])
    weights = [s["weight"] for s in out["studies"]]
    assert math.isclose(sum(weights), 100.0, rel_tol=1e-9)
    order = sorted(range(case["k"]), key=lambda i: 2000 + i)  # rows are listed by year
    expected = case["weights_rowsum"]
    for w, i in zip(weights, order, strict=True):
        assert close(w, expected[i])


@pytest.fixture
def in_repo():
    cwd = os.getcwd()
    os.chdir(REPO)
    yield
    os.chdir(cwd)


def test_bundled_review_arms_nested_in_their_study(in_repo: None) -> None:
    run = CliRunner().invoke(
        main, ["pool", "--outcome", "ORR", "--model", "multilevel", "--format", "json"]
    )
    assert run.exit_code == 0, run.stderr
    out = json.loads(run.stdout)
    comps = out["variance_components"]
    assert [(c["level"], c["n"]) for c in comps] == [("cluster", 3), ("row", 4)]
    assert out["statistic"] is None and out["p_value"] is None  # a proportion: no --null
    assert "arms of the same study enter as separate rows" not in run.stderr
    plain = CliRunner().invoke(main, ["pool", "--outcome", "ORR"])
    assert "--model multilevel pools them as rows nested in their study" in plain.stderr


def test_bundled_review_text_names_the_multilevel_model(in_repo: None) -> None:
    """The text table's pooled row says which model pooled it, as the forest plot does."""
    run = CliRunner().invoke(main, ["pool", "--outcome", "ORR", "--model", "multilevel"])
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    pooled = [line for line in lines if line.startswith("Pooled")]
    assert len(pooled) == 1 and pooled[0].startswith("Pooled (multilevel, REML)")
    assert any(
        line.startswith("Variance components: between studies (3 studies)") for line in lines
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--method", "DL"],
            "synth: error: --model multilevel fits by REML or ML (rma.mv); --method DL does not "
            "apply: use --method REML or --method ML",
        ),
        (
            ["--cluster", "trial"],
            "synth: error: --cluster trial: no such tag in",
        ),
        (
            ["--by", "disease"],
            "synth: error: --model multilevel with --by is not supported; pool each subgroup",
        ),
    ],
)
def test_multilevel_errors(in_repo: None, extra: list[str], message: str) -> None:
    run = CliRunner().invoke(main, ["pool", "--outcome", "ORR", "--model", "multilevel", *extra])
    assert run.exit_code == 2
    assert run.stderr.startswith(message), run.stderr
