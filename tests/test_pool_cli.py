"""`synth pool` on the bundled review: values against metafor, formats, errors, odd inputs.

Reference values: tests/reference/bundled_reference.json, made by
tests/reference/bundled_reference.R (each value with its R call).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synthesis.cli import main

from tests.tolerances import tol

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
REF = json.loads((Path(__file__).parent / "reference" / "bundled_reference.json").read_text())

CONTRACT_KEYS = {
    "outcome", "measure", "method", "ci_method", "level", "k", "estimate", "ci_low",
    "ci_high", "pi_low", "pi_high", "model_scale", "statistic", "df", "p_value",
    "heterogeneity", "studies", "warnings",
}  # fmt: skip
MODEL_KEYS = {"estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high"}
HET_KEYS = {"tau2", "tau2_ci_low", "tau2_ci_high", "tau", "I2", "H2", "Q", "Q_df", "Q_p"}
# added keys (synthesis.analyses.pool.Heterogeneity): a Q-profile bound beyond the search
# limit (metafor's ">100") is null with its flag true; the limit searched
HET_KEYS |= {"tau2_ci_low_unbounded", "tau2_ci_high_unbounded", "tau2_ci_limit"}
STUDY_KEYS = {"id", "arm", "estimate", "ci_low", "ci_high", "yi", "vi", "weight"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--studies", STUDIES])
    return result.exit_code, result.stdout, result.stderr


def pool_json(*args: str) -> dict:
    code, out, err = run("pool", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def close(a: float, b: float, kind: str) -> bool:
    t = tol(kind)
    return bool(np.isclose(a, b, rtol=t.rtol, atol=t.atol))


def test_orr_default_is_plo_reml_and_matches_metafor() -> None:
    # metafor's rows are in the records' order (--sort listed); the default is by year
    out = pool_json("--outcome", "ORR", "--sort", "listed")
    ref = REF["reml"]
    assert (out["measure"], out["method"], out["ci_method"], out["k"]) == ("PLO", "REML", "wald", 4)
    assert close(out["estimate"], ref["pred"], "iterative")
    assert close(out["ci_low"], ref["pred_ci_lb"], "iterative")
    assert close(out["ci_high"], ref["pred_ci_ub"], "iterative")
    assert close(out["pi_low"], ref["pi_lb"], "iterative")
    assert close(out["pi_high"], ref["pi_ub"], "iterative")
    assert close(out["model_scale"]["estimate"], ref["b"], "iterative")
    het = out["heterogeneity"]
    assert close(het["tau2"], ref["tau2"], "iterative")
    assert close(het["I2"], ref["I2"], "iterative")
    assert close(het["Q"], ref["QE"], "closed_form")
    assert close(het["tau2_ci_low"], ref["tau2_ci"][0], "iterative")
    assert close(het["tau2_ci_high"], ref["tau2_ci"][1], "iterative")
    assert np.allclose([s["weight"] for s in out["studies"]], ref["weights"], rtol=1e-5)
    # Study CIs on the reporting scale are Clopper-Pearson (binom.test), as R meta.
    for s, cp in zip(out["studies"], REF["cp"]["ci"], strict=True):
        assert close(s["ci_low"], cp[0], "closed_form")
        assert close(s["ci_high"], cp[1], "closed_form")


def test_json_has_exactly_the_contract_keys_and_no_nan() -> None:
    code, out, _ = run("pool", "--outcome", "ORR", "--format", "json")
    assert code == 0
    assert "NaN" not in out and "Infinity" not in out
    data = json.loads(out)
    assert set(data) >= CONTRACT_KEYS
    assert "subgroups" not in data and "subgroup_test" not in data
    assert set(data["model_scale"]) == MODEL_KEYS
    assert set(data["heterogeneity"]) == HET_KEYS
    for s in data["studies"]:
        assert set(s) >= STUDY_KEYS
    assert data["df"] is None  # z test
    assert math.isclose(sum(s["weight"] for s in data["studies"]), 100.0)


def test_synonym_outcome_name() -> None:
    assert pool_json("--outcome", "overall response rate")["outcome"] == "ORR"


def test_dl_and_glmm_match_metafor() -> None:
    dl = pool_json("--outcome", "ORR", "--method", "DL")
    assert close(dl["heterogeneity"]["tau2"], REF["dl"]["tau2"], "closed_form")
    assert close(dl["estimate"], REF["dl"]["pred"], "closed_form")
    glmm = pool_json("--outcome", "ORR", "--method", "GLMM")
    assert glmm["method"] == "GLMM"
    assert close(glmm["model_scale"]["estimate"], REF["glmm"]["b"], "glmm")
    assert close(glmm["heterogeneity"]["tau2"], REF["glmm"]["tau2"], "glmm")
    assert close(glmm["estimate"], REF["glmm"]["pred"], "glmm")


def test_subgroups_by_disease() -> None:
    out = pool_json("--outcome", "ORR", "--by", "disease")
    sg = REF["subgroups"]
    values = [g["value"] for g in out["subgroups"]]
    assert values == sg["values"]
    for g, est, se in zip(out["subgroups"], sg["estimates"], sg["ses"], strict=True):
        assert g["by"] == "disease"
        assert set(g) >= CONTRACT_KEYS
        # B-ALL has k = 1: its own estimate.
        assert close(g["model_scale"]["estimate"], est, "iterative")
        assert close(g["model_scale"]["se"], se, "iterative")
    assert close(out["subgroup_test"]["Q"], sg["Q"], "iterative")
    assert out["subgroup_test"]["df"] == 1
    assert close(out["subgroup_test"]["p"], sg["p"], "iterative")


def test_k1_gives_the_study_estimate_and_null_heterogeneity() -> None:
    out = pool_json("--outcome", "CR")
    assert out["k"] == 1
    assert math.isclose(out["estimate"], 5 / 6, rel_tol=1e-12)
    assert out["pi_low"] is None and out["pi_high"] is None
    assert all(v is None for v in out["heterogeneity"].values())
    assert out["single_study"] is True
    assert any(w.startswith("single study: not pooled") for w in out["warnings"])
    # Nothing is pooled: the CI is the study's own (Clopper-Pearson, as on its row), not
    # the Wald CI on the logit scale; model_scale keeps metafor's rma(k = 1) numbers.
    (study,) = out["studies"]
    assert (out["ci_low"], out["ci_high"]) == (study["ci_low"], study["ci_high"])
    assert math.isclose(out["ci_low"], REF["cp"]["ci"][0][0], rel_tol=1e-9)  # binom.test(5, 6)
    assert math.isclose(out["ci_high"], REF["cp"]["ci"][0][1], rel_tol=1e-9)
    se = math.sqrt(1 / 5 + 1 / 1)
    assert math.isclose(
        out["model_scale"]["ci_low"], math.log(5) - 1.959963984540054 * se, rel_tol=1e-12
    )


def test_unknown_outcome_is_a_clear_error() -> None:
    code, out, err = run("pool", "--outcome", "XYZ")
    assert code == 2
    assert out == ""
    assert err == (
        "synth: error: no study reports outcome 'XYZ'; outcomes in this review: "
        "CR, CR/CRi, DOR, EFS, Mortality, ORR, OS, PFS\n"
    )


def test_method_that_does_not_fit_the_measure() -> None:
    code, _, err = run("pool", "--outcome", "OS", "--measure", "MED", "--method", "REML")
    assert code == 2
    assert err.endswith(
        "synth: error: --method REML does not apply to --measure MED; use one of WM, MM\n"
    )


def test_two_arm_measure_needs_roles_and_says_what_is_missing() -> None:
    out = pool_json("--outcome", "ORR", "--measure", "RR")
    assert out["k"] == 1  # only Yoon has experimental and control arms
    assert out["studies"][0]["id"] == "yoon2025-ankl"
    assert math.isclose(out["estimate"], (14 / 30) / (3 / 14), rel_tol=1e-12)


def test_where_filters_and_unknown_tag_suggests() -> None:
    out = pool_json("--outcome", "ORR", "--where", "disease=ANKL")
    assert out["k"] == 3
    code, _, err = run("pool", "--outcome", "ORR", "--where", "diseas=ANKL")
    assert code == 2
    assert "no study has a tag 'diseas'; did you mean 'disease'?" in err


def test_medians_default_wm() -> None:
    out = pool_json("--outcome", "OS", "--measure", "MED")
    assert out["method"] == "WM" and out["k"] == 2
    # Weighted median of 11 (n = 72) and 1.6 (n = 51): 72 / 123 > 1/2 of the weight.
    assert out["estimate"] == 11.0
    assert out["heterogeneity"]["tau2"] is None


@pytest.mark.parametrize("fmt", ["table", "md", "csv"])
def test_text_formats(fmt: str) -> None:
    code, out, err = run("pool", "--outcome", "ORR", "--format", fmt)
    assert code == 0
    assert "84/132 (from 64%)" in out
    if fmt == "csv":
        header = out.splitlines()[0]
        assert header.startswith("row,subgroup,id,arm,label")
        assert out.splitlines()[-1].startswith("pooled,")
    else:
        assert re.search(r"Pooled \(random effects\)\*?\*?\s*\|?\s*k = 4", out)
        assert "I² = 77.0%" in out
    assert "64% of 132 could be 84/132 or 85/132" in err


def test_help_has_examples() -> None:
    for cmd in ("pool", "validate", "studies"):
        result = CliRunner().invoke(main, [cmd, "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.output
        assert f"synth {cmd}" in result.output
