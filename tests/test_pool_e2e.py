"""End to end: records -> `synth pool --format json` (and `synthesis.pool`) vs metafor.

Every case of tests/reference/rma_reference.json (made by rma_reference.R, each case
with its R call) is written out as YAML study records in a temporary folder and pooled
through the CLI (in-process, click's CliRunner) and through the Python API. The
contract's JSON keys are compared with metafor's values at the tolerances of
tests/tolerances.py.

metafor's rma tests the pooled value against 0 on the analysis scale. For a single
proportion synth has no test unless a null value is stated (contract section 2), so the
CLI cases pass the ``--null`` whose analysis-scale value is 0 (logit(0.5) = 0,
asin(sqrt(0)) = 0, 0) and meet metafor's z/t statistic; the API cases pass none and
expect no test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synthesis.cli import main

import synthesis
from tests.tolerances import tol

REF = json.loads((Path(__file__).parent / "reference" / "rma_reference.json").read_text())
CASES = REF["cases"]
ITERATIVE = set(REF["meta"]["iterative_methods"])
#: --null VALUE (reporting scale) that is 0 on the analysis scale of each proportion measure
ZERO_NULL = {"PLO": 0.5, "PFT": 0.0, "PAS": 0.0, "PR": 0.0}


def _records(case: dict) -> dict[str, str]:
    """YAML text per file for the studies of one reference case."""
    inp = case["inputs"]
    files = {}
    if "xi" in inp:
        for i, (x, n) in enumerate(zip(inp["xi"], inp["ni"], strict=True)):
            files[f"s{i:03d}.yaml"] = (
                f"id: s{i:03d}\ncitation: Study {i}\nyear: {2000 + i}\n"
                f"outcomes:\n  - {{name: Y, events: {x}, total: {n}}}\n"
            )
    elif "ai" in inp:
        for i, (a, n1, c, n2) in enumerate(
            zip(inp["ai"], inp["n1i"], inp["ci"], inp["n2i"], strict=True)
        ):
            files[f"s{i:03d}.yaml"] = (
                f"id: s{i:03d}\ncitation: Study {i}\nyear: {2000 + i}\n"
                f"arms:\n  - {{id: t, n: {n1}, role: experimental}}\n"
                f"  - {{id: c, n: {n2}, role: control}}\n"
                f"outcomes:\n  - {{name: Y, arm: t, events: {a}}}\n"
                f"  - {{name: Y, arm: c, events: {c}}}\n"
            )
    elif "estimate" in inp:
        for i, (e, lo, hi) in enumerate(
            zip(inp["estimate"], inp["ci_low"], inp["ci_high"], strict=True)
        ):
            files[f"s{i:03d}.yaml"] = (
                f"id: s{i:03d}\ncitation: Study {i}\nyear: {2000 + i}\n"
                f"outcomes:\n  - {{name: Y, hr: {e!r}, ci: [{lo!r}, {hi!r}]}}\n"
            )
    else:
        for i, (y, v) in enumerate(zip(inp["yi"], inp["vi"], strict=True)):
            files[f"s{i:03d}.yaml"] = (
                f"id: s{i:03d}\ncitation: Study {i}\nyear: {2000 + i}\n"
                f"outcomes:\n  - {{name: Y, estimate: {y!r}, se: {math.sqrt(v)!r}}}\n"
            )
    return files


def _write(folder: Path, case: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _records(case).items():
        (folder / name).write_text(text)
    return folder


def _close(actual, expected, kind: str, what: str, case_id: str) -> None:
    t = tol(kind)
    if expected is None:
        assert actual is None, f"{case_id}: {what} should be null, got {actual}"
        return
    assert actual is not None, f"{case_id}: {what} is null, metafor gives {expected}"
    assert np.isclose(actual, expected, rtol=t.rtol, atol=t.atol), (
        f"{case_id}: {what} = {actual!r}, metafor {expected!r} (rtol {t.rtol})"
    )


def _expected_nulls(case: dict) -> dict:
    """The contract's null rules applied to metafor's numbers."""
    exp = dict(case)
    k = case["k"]
    if k < 3 or case["method"] == "FE":
        exp["pi_lb"] = exp["pi_ub"] = None
    if case["method"] == "FE" or k == 1:
        exp["tau2"] = exp["tau2_ci_lb"] = exp["tau2_ci_ub"] = None
    if k == 1:
        for key in ("I2", "H2", "QE", "QEp"):
            exp[key] = None
    return exp


def _check(out: dict, case: dict, *, tested: bool = True) -> None:
    """``tested``: a null value was stated (``--null``), so proportions are tested too."""
    kind = "iterative" if case["method"] in ITERATIVE else "closed_form"
    cid = case["id"]
    exp = _expected_nulls(case)
    if case["measure"] in ZERO_NULL:
        if tested:
            assert out["null_value"] == ZERO_NULL[case["measure"]], cid
        else:
            exp["zval"] = exp["tval"] = exp["pval"] = exp["df"] = None
            assert out["null_value"] is None and out["test"] is None, cid
    assert out["k"] == case["k"]
    assert out["measure"] == case["measure"]
    assert out["method"] == case["method"]
    ms = out["model_scale"]
    _close(ms["estimate"], exp["estimate"], kind, "model_scale.estimate", cid)
    _close(ms["se"], exp["se"], kind, "model_scale.se", cid)
    _close(ms["ci_low"], exp["ci_lb"], kind, "model_scale.ci_low", cid)
    _close(ms["ci_high"], exp["ci_ub"], kind, "model_scale.ci_high", cid)
    _close(ms["pi_low"], exp["pi_lb"], kind, "model_scale.pi_low", cid)
    _close(ms["pi_high"], exp["pi_ub"], kind, "model_scale.pi_high", cid)
    stat = exp["tval"] if exp["tval"] is not None else exp["zval"]
    if case.get("ci") == "hksj" and case["se"] == 0:
        # knha scale factor 0 (identical estimates): metafor's t is +-Inf and p 0 (NaN,
        # NaN for an estimate of 0); the test is not defined, synth gives null for both
        # (QA defect 1) and, with no test, no df
        stat = exp["pval"] = exp["df"] = None
    _close(out["statistic"], stat, kind, "statistic", cid)
    _close(out["p_value"], exp["pval"], kind, "p_value", cid)
    assert out["df"] == exp["df"], f"{cid}: df {out['df']} vs {exp['df']}"
    het = out["heterogeneity"]
    _close(het["tau2"], exp["tau2"], kind, "tau2", cid)
    if case["k"] >= 2 and case["method"] != "FE":
        for side, lb_ub in (("low", "lb"), ("high", "ub")):
            key = f"tau2_ci_{side}"
            if het[f"{key}_unbounded"]:
                # beyond the search limit (metafor prints ">100"): metafor's number is the
                # limit itself, which the JSON gives apart (tests/test_formats.py checks
                # the flag against metafor's lb.sign/ub.sign)
                assert het[key] is None, cid
                _close(het["tau2_ci_limit"], exp[f"tau2_ci_{lb_ub}"], "iterative", key, cid)
            else:
                _close(het[key], exp[f"tau2_ci_{lb_ub}"], "iterative", key, cid)
    _close(het["I2"], exp["I2"], kind, "I2", cid)
    _close(het["H2"], exp["H2"], kind, "H2", cid)
    _close(het["Q"], exp["QE"], "closed_form", "Q", cid)
    _close(het["Q_p"], exp["QEp"], "closed_form", "Q_p", cid)
    yi = [s["yi"] for s in out["studies"]]
    vi = [s["vi"] for s in out["studies"]]
    w = [s["weight"] for s in out["studies"]]
    t = tol("closed_form")
    assert np.allclose(yi, case["yi"], rtol=t.rtol, atol=t.atol), cid
    assert np.allclose(vi, case["vi"], rtol=t.rtol, atol=t.atol), cid
    tw = tol(kind)
    assert np.allclose(w, case["weights"], rtol=tw.rtol, atol=tw.atol), cid
    assert math.isclose(sum(w), 100.0, rel_tol=1e-12)


def _args(case: dict) -> list[str]:
    return [
        "pool",
        "--outcome",
        "Y",
        "--measure",
        case["measure"],
        "--method",
        case["method"],
        "--ci",
        case["ci"],
        "--level",
        repr(case["level"]),
        "--format",
        "json",
        *(["--null", repr(ZERO_NULL[case["measure"]])] if case["measure"] in ZERO_NULL else []),
    ]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_cli_json_matches_metafor(case: dict, tmp_path: Path) -> None:
    folder = _write(tmp_path / "studies", case)
    result = CliRunner().invoke(main, [*_args(case), "--studies", str(folder)])
    assert result.exit_code == 0, result.output + str(result.exception)
    _check(json.loads(result.stdout), case)


@pytest.mark.parametrize(
    "case", CASES[::7], ids=[c["id"] for c in CASES[::7]]
)  # the API path is the same code; a seventh of the grid covers every measure
def test_api_matches_metafor(case: dict, tmp_path: Path) -> None:
    folder = _write(tmp_path / "studies", case)
    res = synthesis.pool(
        studies=folder,
        outcome="Y",
        measure=case["measure"],
        method=case["method"],
        ci=case["ci"],
        level=case["level"],
    )
    _check(res.to_dict(), case, tested=False)
    frame = res.to_frame()
    assert list(frame["id"])[-1] == "pooled"
    assert len(frame) == case["k"] + 1


SUBGROUP_TESTS = REF["subgroup_tests"]


@pytest.mark.parametrize("st", SUBGROUP_TESTS, ids=[s["id"] for s in SUBGROUP_TESTS])
def test_subgroups_and_test_for_differences(st: dict, tmp_path: Path) -> None:
    """--by TAG: one fit per subgroup (own tau2) and Q between, df = groups - 1."""
    by_id = {c["id"]: c for c in CASES}
    folder = tmp_path / "studies"
    folder.mkdir()
    first = None
    for group, cid in zip(st["groups"], st["case_ids"], strict=True):
        case = by_id[cid]
        first = first or case
        for name, text in _records(case).items():
            text = text.replace("id: s", f"id: {group}-s", 1)
            (folder / f"{group}-{name}").write_text(text + f"tags: {{{st['by']}: {group}}}\n")
    result = CliRunner().invoke(main, [*_args(first), "--studies", str(folder), "--by", st["by"]])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    kind = "iterative" if st["method"] in ITERATIVE else "closed_form"
    groups = {g["value"]: g for g in out["subgroups"]}
    assert set(groups) == set(st["groups"])
    for group, cid, est, se in zip(
        st["groups"], st["case_ids"], st["estimates"], st["ses"], strict=True
    ):
        g = groups[group]
        assert g["by"] == st["by"]
        _close(g["model_scale"]["estimate"], est, kind, f"{group} estimate", st["id"])
        _close(g["model_scale"]["se"], se, kind, f"{group} se", st["id"])
        _check(g, by_id[cid])
    _close(out["subgroup_test"]["Q"], st["Q"], kind, "Q between", st["id"])
    assert out["subgroup_test"]["df"] == st["df"]
    _close(out["subgroup_test"]["p"], st["p"], kind, "p between", st["id"])
