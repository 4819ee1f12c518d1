"""`synth pool` end to end for the Cochrane-review additions, against metafor 3.8.

Continuous entries (MD, SMD), Mantel-Haenszel and Peto, ``--also``, ``--pi t`` and
``--null``, through the CLI's JSON (in-process, click's CliRunner), from YAML records
written in a temporary folder. Reference values:

* tests/reference/cochrane_reference.json (tests/reference/cochrane_reference.R): rma on
  escalc MD/SMD of dat.normand1999 for every tau² estimator, both CIs and two levels,
  with R meta's t prediction interval; rma.mh and rma.peto on dat.bcg and the zero-cell
  cases;
* tests/reference/cochrane_cli_reference.R/.json: tests against a stated null value;

each with its R call. Tolerances: tests/tolerances.py. The contract's null rules (no
heterogeneity with fewer than 2 studies in Q, no PI with k < 3 or a common-effect model)
are applied as in tests/test_cochrane.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthesis.cli import main

import synthesis
import synthesis.errors
from synthesis.models.core import CLOSED_FORM_METHODS
from tests.tolerances import tol

HERE = Path(__file__).parent
REF = json.loads((HERE / "reference" / "cochrane_reference.json").read_text())
NULL_REF = json.loads((HERE / "reference" / "cochrane_cli_reference.json").read_text())
POOL = REF["pool"]
MH = REF["mh"]
NULL_CASES = NULL_REF["cases"]
NORMAND = next(c for c in REF["escalc"] if c["id"] == "normand1999-MD")["inputs"]
BCG = next(c for c in MH if c["id"] == "bcg-MH-RR")["inputs"]


# --------------------------------------------------------------------------- records


def study_yaml(i: int, outcomes: str, arms: tuple[int | None, int | None] = (None, None)) -> str:
    """A two-arm study (arms exp and ctl, sizes ``arms``); its outcomes start on line 8."""

    def arm(name: str, n: int | None, role: str) -> str:
        size = "" if n is None else f", n: {n}"
        return f"  - {{id: {name}, role: {role}{size}}}\n"

    return (
        f"id: s{i:02d}\ncitation: Study {i}\nyear: {2000 + i}\narms:\n"
        + arm("exp", arms[0], "experimental")
        + arm("ctl", arms[1], "control")
        + "outcomes:\n"
        + outcomes
    )


def continuous_records(inputs: dict, k: int | None = None) -> dict[str, str]:
    k = len(inputs["m1i"]) if k is None else k
    files = {}
    for i in range(k):
        m1, s1, n1 = inputs["m1i"][i], inputs["sd1i"][i], int(inputs["n1i"][i])
        m2, s2, n2 = inputs["m2i"][i], inputs["sd2i"][i], int(inputs["n2i"][i])
        files[f"s{i:02d}.yaml"] = study_yaml(
            i,
            f"  - {{name: LOS, arm: exp, mean: {m1!r}, sd: {s1!r}, n: {n1}}}\n"
            f"  - {{name: LOS, arm: ctl, mean: {m2!r}, sd: {s2!r}, n: {n2}}}\n",
            (n1, n2),
        )
    return files


def count_records(inputs: dict) -> dict[str, str]:
    """2x2 tables as records: ai/bi experimental, ci/di control."""
    files = {}
    for i, (a, b, c, d) in enumerate(
        zip(inputs["ai"], inputs["bi"], inputs["ci"], inputs["di"], strict=True)
    ):
        a, b, c, d = int(a), int(b), int(c), int(d)
        files[f"s{i:02d}.yaml"] = study_yaml(
            i,
            f"  - {{name: Y, arm: exp, events: {a}}}\n  - {{name: Y, arm: ctl, events: {c}}}\n",
            (a + b, c + d),
        )
    return files


def write(folder: Path, files: dict[str, str]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return str(folder)


def run(folder: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["pool", *args, "--studies", folder])
    return result.exit_code, result.stdout, result.stderr


def pool_json(folder: str, *args: str) -> dict:
    code, out, err = run(folder, *args, "--format", "json")
    assert code == 0, err
    assert "NaN" not in out and "Infinity" not in out
    return json.loads(out)


# --------------------------------------------------------------------------- comparing


def kind_of(method: str) -> str:
    return "closed_form" if method in (*CLOSED_FORM_METHODS, "MH", "PETO") else "iterative"


def close(actual, want, kind: str, what: str) -> None:
    if want is None:
        assert actual is None, f"{what}: got {actual!r}, want null"
        return
    t = tol(kind)
    assert actual is not None, f"{what}: null, metafor gives {want!r}"
    assert np.isclose(actual, want, rtol=t.rtol, atol=t.atol), f"{what}: {actual!r} != {want!r}"


def close_seq(actual: list, want: list, kind: str, what: str) -> None:
    assert len(actual) == len(want), what
    for i, (x, y) in enumerate(zip(actual, want, strict=True)):
        close(x, y, kind, f"{what}[{i}]")


def check_rma(out: dict, case: dict, *, pi: str = "normal") -> None:
    """The pool JSON against one rma case of cochrane_reference.json."""
    method, k, cid = case["method"], case["k"], case["id"]
    kind = kind_of(method)
    assert (out["measure"], out["method"], out["k"]) == (case["measure"], method, k), cid
    assert out["ci_method"] == case["ci"] and out["level"] == case["level"]
    ms = out["model_scale"]
    close(ms["estimate"], case["estimate"], kind, f"{cid} estimate")
    close(ms["se"], case["se"], kind, f"{cid} se")
    close(ms["ci_low"], case["ci_lb"], kind, f"{cid} ci_low")
    close(ms["ci_high"], case["ci_ub"], kind, f"{cid} ci_high")
    if pi == "t":
        close(ms["pi_low"], case["pi_t_lb"], kind, f"{cid} pi_t_low")
        close(ms["pi_high"], case["pi_t_ub"], kind, f"{cid} pi_t_high")
        assert out["pi_method"] == "t" and out["pi_df"] == case["pi_t_df"], cid
    else:
        no_pi = method == "FE" or k < 3
        close(ms["pi_low"], None if no_pi else case["pi_lb"], kind, f"{cid} pi_low")
        close(ms["pi_high"], None if no_pi else case["pi_ub"], kind, f"{cid} pi_high")
        assert out["pi_method"] == "normal" and out["pi_df"] is None
    stat = case["zval"] if case["ci"] == "wald" else case["tval"]
    close(out["statistic"], stat, kind, f"{cid} statistic")
    close(out["p_value"], case["pval"], kind, f"{cid} p")
    assert out["df"] == (k - 1 if case["ci"] == "hksj" else None), cid
    assert out["test"] == ("t" if case["ci"] == "hksj" else "z")
    assert out["null_value"] == (1.0 if case["measure"] == "RR" else 0.0)
    het = out["heterogeneity"]
    close(het["tau2"], None if method == "FE" else case["tau2"], kind, f"{cid} tau2")
    close(het["I2"], case["I2"], kind, f"{cid} I2")
    close(het["H2"], case["H2"], kind, f"{cid} H2")
    close(het["Q"], case["QE"], "closed_form", f"{cid} Q")
    close(het["Q_p"], case["QEp"], "closed_form", f"{cid} Q_p")
    assert het["Q_df"] == k - 1
    close_seq([s["yi"] for s in out["studies"]], case["yi"], "closed_form", f"{cid} yi")
    close_seq([s["vi"] for s in out["studies"]], case["vi"], "closed_form", f"{cid} vi")
    close_seq([s["weight"] for s in out["studies"]], case["weights"], kind, f"{cid} weights")
    # MD/SMD: the reporting scale is the analysis scale
    if case["measure"] in ("MD", "SMD"):
        assert out["estimate"] == ms["estimate"] and out["ci_low"] == ms["ci_low"]
    else:
        assert math.isclose(out["estimate"], math.exp(ms["estimate"]), rel_tol=1e-15)


def expected_mh(case: dict) -> dict:
    """metafor's rma.mh / rma.peto values under the contract's null rules."""
    out = {"Q": None, "Q_p": None, "I2": None, "H2": None, "Q_df": None}
    if case["k_yi"] >= 2 and case["QE"] is not None:
        i2 = 0.0 if case["I2"] is None and case["QE"] == 0 else case["I2"]
        out = {"Q": case["QE"], "Q_p": case["QEp"], "I2": i2, "H2": case["H2"],
               "Q_df": case["k_yi"] - 1}  # fmt: skip
    return out


def mh_args(case: dict) -> list[str]:
    return [
        "--outcome", "Y", "--measure", case["measure"], "--method", case["method"],
        "--level", repr(case["level"]),
    ]  # fmt: skip


def check_mh(out: dict, case: dict) -> None:
    cid = case["id"]
    assert (out["measure"], out["method"], out["k"]) == (
        case["measure"],
        case["method"],
        case["k"],
    )
    ms = out["model_scale"]
    close(ms["estimate"], case["estimate"], "closed_form", f"{cid} estimate")
    close(ms["se"], case["se"], "closed_form", f"{cid} se")
    close(ms["ci_low"], case["ci_lb"], "closed_form", f"{cid} ci_low")
    close(ms["ci_high"], case["ci_ub"], "closed_form", f"{cid} ci_high")
    close(out["statistic"], case["zval"], "closed_form", f"{cid} z")
    close(out["p_value"], case["pval"], "closed_form", f"{cid} p")
    assert out["df"] is None and out["pi_low"] is None and ms["pi_low"] is None
    assert out["null_value"] == (0.0 if case["measure"] == "RD" else 1.0)
    het = out["heterogeneity"]
    assert het["tau2"] is None and het["tau"] is None and het["tau2_ci_low"] is None
    for key, want in expected_mh(case).items():
        if key == "Q_df":
            assert het[key] == want, cid
        else:
            close(het[key], want, "closed_form", f"{cid} {key}")
    studies = out["studies"]
    close_seq([s["yi"] for s in studies], case["yi"], "closed_form", f"{cid} yi")
    close_seq([s["vi"] for s in studies], case["vi"], "closed_form", f"{cid} vi")
    close_seq([s["weight"] for s in studies], case["weights"], "closed_form", f"{cid} weights")
    back = (lambda x: x) if case["measure"] == "RD" else math.exp
    assert math.isclose(out["estimate"], back(ms["estimate"]), rel_tol=1e-15)
    for s in studies:  # a study's own estimate and Wald CI on the reporting scale
        if s["yi"] is None:
            assert s["estimate"] is None and s["ci_low"] is None
        else:
            half = 1.959963984540054 * math.sqrt(s["vi"]) if case["level"] == 0.95 else None
            assert math.isclose(s["estimate"], back(s["yi"]), rel_tol=1e-14)
            if half is not None:
                assert math.isclose(s["ci_low"], back(s["yi"] - half), rel_tol=1e-12)
    if case["method"] == "MH" and case["measure"] == "OR":
        t = out["tests"]
        close(t["cmh"]["statistic"], case["CMH"], "closed_form", f"{cid} CMH")
        close(t["cmh"]["p_value"], case["CMHp"], "closed_form", f"{cid} CMH p")
        assert t["cmh"]["df"] == 1 and t["cmh"]["continuity_correction"] is True
        close(t["cmh_uncorrected"]["statistic"], case["CMH_uncorrected"], "closed_form", cid)
        close(t["cmh_uncorrected"]["p_value"], case["CMHp_uncorrected"], "closed_form", cid)
        if case["k_pos"] >= 2:
            for key, stat, p in (("tarone", "TA", "TAp"), ("breslow_day", "BD", "BDp")):
                close(t[key]["statistic"], case[stat], "closed_form", f"{cid} {key}")
                close(t[key]["p_value"], case[p], "closed_form", f"{cid} {key} p")
                assert t[key]["df"] == case["k_pos"] - 1
        else:
            assert t["tarone"] is None and t["breslow_day"] is None
    else:
        assert "tests" not in out


# =========================================================================== MD and SMD


def pool_case_records(case: dict) -> dict[str, str]:
    if case["measure"] in ("MD", "SMD"):
        return continuous_records(NORMAND, case["k"])
    return count_records(BCG)


def rma_args(case: dict) -> list[str]:
    outcome = "LOS" if case["measure"] in ("MD", "SMD") else "Y"
    return [
        "--outcome", outcome, "--measure", case["measure"], "--method", case["method"],
        "--ci", case["ci"], "--level", repr(case["level"]),
    ]  # fmt: skip


@pytest.mark.parametrize("case", POOL, ids=[c["id"] for c in POOL])
def test_md_smd_and_rr_through_the_cli_match_metafor(case: dict, tmp_path: Path) -> None:
    """Every rma case (MD/SMD of dat.normand1999, k = 2, 3, 9; RR of dat.bcg), with the
    normal prediction interval (metafor's predict) and with --pi t (R meta's HTS)."""
    folder = write(tmp_path / "s", pool_case_records(case))
    check_rma(pool_json(folder, *rma_args(case)), case)
    out = pool_json(folder, *rma_args(case), "--pi", "t")
    check_rma(out, case, pi="t")
    if case["pi_t_lb"] is None and case["method"] != "FE":
        assert any(w.startswith("--pi t: the prediction interval on t needs k >= 3") for w in
                   out["warnings"])  # fmt: skip


def test_md_records_give_the_md_data_column_and_default_measure(tmp_path: Path) -> None:
    folder = write(tmp_path / "s", continuous_records(NORMAND))
    out = pool_json(folder, "--outcome", "LOS")  # continuous arms: MD by default
    assert (out["measure"], out["method"], out["k"]) == ("MD", "REML", 9)
    s = out["studies"][0]
    assert s["data"] == "55 (47), 155 vs 75 (64), 156" and s["n"] == 311
    # the study CI is the Wald interval of escalc's yi, vi (summary.escalc)
    assert math.isclose(s["ci_low"], s["yi"] - 1.959963984540054 * math.sqrt(s["vi"]))
    code, text, _ = run(folder, "--outcome", "LOS", "--measure", "SMD")
    assert code == 0
    assert "LOS: standardized mean difference (Hedges' g) (SMD), random effects" in text
    assert "Test of overall effect: z = -1.74, p = 0.0818" in text  # differences: against 0
    listed = CliRunner().invoke(main, ["studies", "--studies", folder, "--format", "csv"])
    rows = listed.stdout.splitlines()
    assert len(rows) == 19 and all(",continuous," in r and ",MD SMD," in r for r in rows[1:])


def test_md_k1_and_k2(tmp_path: Path) -> None:
    one = write(tmp_path / "one", continuous_records(NORMAND, 1))
    out = pool_json(one, "--outcome", "LOS", "--measure", "MD")
    assert out["k"] == 1 and out["estimate"] == -20.0  # 55 - 75
    assert math.isclose(out["model_scale"]["se"], math.sqrt(47**2 / 155 + 64**2 / 156))
    het = out["heterogeneity"]
    assert het["tau2"] is None and het["Q"] is None and het["I2"] is None
    assert out["pi_low"] is None
    out = pool_json(one, "--outcome", "LOS", "--measure", "MD", "--pi", "t")
    assert out["pi_low"] is None and out["pi_df"] is None
    assert "--pi t: the prediction interval on t needs k >= 3 studies (k - 2 degrees of " \
        "freedom); k = 1; no prediction interval" in out["warnings"]  # fmt: skip
    two = write(tmp_path / "two", continuous_records(NORMAND, 2))
    out = pool_json(two, "--outcome", "LOS", "--measure", "SMD", "--also", "FE")
    assert out["k"] == 2 and out["common"]["k"] == 2 and out["pi_low"] is None
    assert (
        "k = 2: tau² is very imprecise and no prediction interval is given (needs k >= 3)"
        in (out["warnings"])
    )


def test_studies_that_cannot_give_md_or_smd_are_left_out_with_the_reason(tmp_path: Path) -> None:
    files = continuous_records(NORMAND, 3)
    files["tiny.yaml"] = study_yaml(
        50,
        "  - {name: LOS, arm: exp, mean: 3, sd: 1, n: 1}\n"
        "  - {name: LOS, arm: ctl, mean: 4, sd: 1, n: 2}\n",
    )
    files["onearm.yaml"] = study_yaml(51, "  - {name: LOS, arm: exp, mean: 3, sd: 1, n: 10}\n")
    folder = write(tmp_path / "s", files)
    out = pool_json(folder, "--outcome", "LOS", "--measure", "SMD")
    assert out["k"] == 3
    assert (
        "left out of SMD: s51 (needs a mean, SD and n for one experimental and one control arm); "
        "s50 (SMD needs n1 + n2 >= 4 (Hedges' correction needs n1 + n2 - 2 > 1))"
    ) in out["warnings"]
    out = pool_json(folder, "--outcome", "LOS", "--measure", "MD")
    assert out["k"] == 4  # the MD exists with n = 1 + 2
    assert "left out of MD: s51 (needs a mean, SD and n for one experimental and one control " \
        "arm)" in out["warnings"]  # fmt: skip


BAD_CONTINUOUS = [
    ("{name: QoL, arm: ctl, mean: 55.0, stdev: 17.0}",
     "outcomes[1].stdev: unknown field; did you mean 'sd'?"),
    ("{name: QoL, arm: ctl, mean: 55.0, SD: 17.0}",
     "outcomes[1].SD: unknown field; did you mean 'sd'?"),
    ("{name: QoL, arm: ctl, mean: 55.0, std: 17.0}",
     "outcomes[1].std: unknown field; did you mean 'sd'?"),
    ("{name: QoL, arm: ctl, mean: 55.0}",
     "outcomes[1].sd: missing: a mean needs its standard deviation sd (e.g. sd: 18.4); from a "
     "standard error, sd = se * sqrt(n)"),
    ("{name: QoL, arm: ctl, mean: 55.0, sd: 0}",
     "outcomes[1].sd: must be a standard deviation > 0, got 0"),
    ("{name: QoL, arm: ctl, mean: 55.0, sd: -2.5}",
     "outcomes[1].sd: must be a standard deviation > 0, got -2.5"),
    ("{name: QoL, arm: ctl, mean: 55.0, sd: 3, n: 2.5}",
     "outcomes[1].n: must be a positive whole number of patients, got 2.5"),
    ("{name: QoL, arm: ctl, mean: 55.0, sd: 3, n: 0}",
     "outcomes[1].n: must be a positive whole number of patients, got 0"),
    ("{name: QoL, arm: ctl, mean: 55.0, sd: 3, n: 39}",
     "outcomes[1].n: 39 is more than the 38 patients it is drawn from (arm 'ctl' has n = 38); "
     "correct this n or the arm's"),
    ("{name: QoL, arm: ctl, mean: high, sd: 3}",
     "outcomes[1].mean: must be a number, got text 'high'"),
    ("{name: QoL, mean: 55.0, sd: 3, n: 38}",
     "outcomes[1].arm: this study has 2 arms (exp, ctl); a mean needs 'arm:' to say which"),
    ("{name: QoL, arm: ctl, mean: 55.0, sd: 3, events: 4}",
     "outcomes[1].mean: an entry holds one kind of data; this one mixes events and mean (split "
     "it into separate entries)"),
]  # fmt: skip


BAD_IDS = [m.split(":")[0] + m.split(":")[1] for _, m in BAD_CONTINUOUS]


@pytest.mark.parametrize("entry,message", BAD_CONTINUOUS, ids=BAD_IDS)
def test_bad_continuous_entries_have_exact_messages(
    entry: str, message: str, tmp_path: Path
) -> None:
    text = study_yaml(1, f"  - {{name: QoL, arm: exp, mean: 62.1, sd: 18.4, n: 40}}\n  - {entry}\n",
                      (40, 38))  # fmt: skip
    folder = write(tmp_path / "s", {"s.yaml": text})
    result = CliRunner().invoke(main, ["validate", "--studies", folder])
    assert result.exit_code == 2
    assert f"s.yaml:9: {message}\n" in result.stderr
    assert "Traceback" not in result.stderr
    code, _, err = run(folder, "--outcome", "QoL")
    assert code == 2 and f"s.yaml:9: {message}\n" in err


def test_continuous_n_from_the_arm_and_a_subset_warning(tmp_path: Path) -> None:
    text = study_yaml(
        1,
        "  - {name: QoL, arm: exp, mean: 62.1, sd: 18.4}\n"
        "  - {name: QoL, arm: ctl, mean: 55.0, sd: 17.0, n: 30}\n",
        (40, 38),
    )
    folder = write(tmp_path / "s", {"s.yaml": text})
    out = pool_json(folder, "--outcome", "QoL", "--measure", "MD")
    assert out["studies"][0]["data"] == "62.1 (18.4), 40 vs 55 (17), 30"
    assert math.isclose(out["model_scale"]["se"], math.sqrt(18.4**2 / 40 + 17.0**2 / 30))
    assert (
        "s.yaml:9: outcomes[1].n: warning: 30 is fewer than the 38 patients (arm 'ctl' has "
        "n = 38): the mean and SD of a subset (completers?); say so in a note, or drop n to use "
        "the arm's n"
    ) in "\n".join(out["warnings"])
    text = study_yaml(1, "  - {name: QoL, arm: exp, mean: 62.1, sd: 18.4}\n")
    folder = write(tmp_path / "t", {"s.yaml": text})
    result = CliRunner().invoke(main, ["validate", "--studies", folder])
    assert result.exit_code == 2
    assert (
        "s.yaml:8: outcomes[0].n: missing: give n (the patients behind the mean) or the arm's n "
        "(arm 'exp' has no n)"
    ) in result.stderr


# =========================================================================== MH and Peto


@pytest.mark.parametrize("case", MH, ids=[c["id"] for c in MH])
def test_mh_and_peto_through_the_cli_match_metafor(case: dict, tmp_path: Path) -> None:
    folder = write(tmp_path / "s", count_records(case["inputs"]))
    code, out, err = run(folder, *mh_args(case), "--format", "json")
    if case["error"] or case["estimate"] is None:  # metafor stops or gives no estimate
        assert code == 2, out
        assert err.startswith(f"synth: error: --method {case['method']}: no pooled ")
        assert err.endswith(
            "; try --measure RD, or a random-effects method (0.5 is added to zero cells)\n"
        )
        assert "Traceback" not in err
        return
    assert code == 0, err
    check_mh(json.loads(out), case)


def test_mh_error_messages_say_why(tmp_path: Path) -> None:
    cases = {c["id"]: c for c in MH}
    folder = write(tmp_path / "a", count_records(cases["no-exp-events-MH-OR"]["inputs"]))
    code, _, err = run(folder, "--outcome", "Y", "--measure", "OR", "--method", "MH")
    assert code == 2
    assert err == (
        "synth: error: --method MH: no pooled odds ratio: the Mantel-Haenszel odds ratio is 0, "
        "infinite or undefined: every table has a = 0 or d = 0 (sum of a*d/N is 0); try "
        "--measure RD, or a random-effects method (0.5 is added to zero cells)\n"
    )
    code, _, err = run(folder, "--outcome", "Y", "--measure", "RR", "--method", "MH")
    assert err == (
        "synth: error: --method MH: no pooled risk ratio: no events in the experimental arm of any "
        "study: the Mantel-Haenszel risk ratio is 0, infinite or undefined; try --measure RD, "
        "or a random-effects method (0.5 is added to zero cells)\n"
    )
    folder = write(tmp_path / "b", count_records(cases["no-events-PETO-OR"]["inputs"]))
    code, _, err = run(folder, "--outcome", "Y", "--measure", "OR", "--method", "PETO")
    assert err == (
        "synth: error: "
        "--method PETO: no pooled odds ratio: one of the two outcomes never occurred in "
        "any table: Peto's method cannot be used; try --measure RD, or a random-effects method "
        "(0.5 is added to zero cells)\n"
    )
    # the risk difference exists (0, SE 0): no test, and no error
    out = pool_json(folder, "--outcome", "Y", "--measure", "RD", "--method", "MH")
    assert out["estimate"] == 0.0 and out["statistic"] is None and out["p_value"] is None


def test_mh_zero_cells_are_named_by_study(tmp_path: Path) -> None:
    case = next(c for c in MH if c["id"] == "double-zero-MH-OR")
    folder = write(tmp_path / "s", count_records(case["inputs"]))
    out = pool_json(folder, "--outcome", "Y", "--measure", "OR", "--method", "MH")
    assert (
        "s04: no events, or only events, in both arms: no study estimate, left out of Q and I² "
        "(as metafor); kept in the Mantel-Haenszel pooled estimate"
    ) in out["warnings"]
    assert out["studies"][4]["yi"] is None and out["studies"][4]["estimate"] is None
    case = next(c for c in MH if c["id"] == "zero-cell-PETO-OR")
    folder = write(tmp_path / "t", count_records(case["inputs"]))
    out = pool_json(folder, "--outcome", "Y", "--measure", "OR", "--method", "PETO")
    assert (
        "s04: a zero cell; 0.5 added to its cells for the study's own estimate and Q only (the "
        "Peto pooled estimate uses the counts as given)"
    ) in out["warnings"]
    assert not any("0.5 added to every cell" in w for w in out["warnings"])


def test_mh_needs_counts_and_the_right_measure(tmp_path: Path) -> None:
    files = count_records({k: v[:3] for k, v in next(c for c in MH if c["id"] == "bcg-MH-RR")
                           ["inputs"].items()})  # fmt: skip
    files["hr.yaml"] = (
        "id: reported\ncitation: R\nyear: 2010\noutcomes:\n  - {name: Y, rr: 0.5, ci: [0.3, 0.8]}\n"
    )
    folder = write(tmp_path / "s", files)
    out = pool_json(folder, "--outcome", "Y", "--measure", "RR", "--method", "MH")
    assert out["k"] == 3
    assert "left out of RR: reported (a reported RR; MH needs the arm counts)" in out["warnings"]
    assert pool_json(folder, "--outcome", "Y", "--measure", "RR")["k"] == 4  # REML takes it
    for args, message in (
        (("--measure", "PLO", "--method", "MH"),
         "synth: error: "
         "--method MH is for --measure RR or OR or RD (arm counts of two-arm studies); "
         "for PLO use one of REML, DL, PM, ML, HE, SJ, HS, EB, FE\n"),
        (("--measure", "RR", "--method", "PETO"),
         "synth: error: "
         "--method PETO is for --measure OR (arm counts of two-arm studies); for RR use "
         "one of REML, DL, PM, ML, HE, SJ, HS, EB, FE\n"),
        (("--measure", "OR", "--method", "MH", "--ci", "hksj"),
         "synth: error: --ci hksj does not apply to --method MH (a common-effect model); use --ci "
         "wald, or --method REML --ci hksj --also MH for both\n"),
        (("--measure", "OR", "--also", "REML"),
         "synth: error: --also REML: use a common-effect model: FE, MH, PETO\n"),
        (("--measure", "OR", "--method", "FE", "--also", "MH"),
         "synth: error: "
         "--also MH puts a common-effect result beside a random-effects one; --method FE "
         "is common-effect already: use e.g. --method REML --also MH\n"),
        (("--measure", "RR", "--also", "PETO"),
         "synth: error: --also PETO is for --measure OR; for RR use --also FE\n"),
        (("--measure", "RR", "--null", "0"),
         "synth: error: --null 0: --measure RR needs a ratio > 0, e.g. 1\n"),
        (("--measure", "RD", "--null", "1.5"),
         "synth: error: --null 1.5: --measure RD needs a risk difference from -1 to 1, e.g. 0\n"),
        (("--measure", "PLO", "--null", "1"),
         "synth: error: --null 1: --measure PLO needs a proportion strictly between 0 and 1 (its "
         "logit must be finite), e.g. 0.3\n"),
    ):  # fmt: skip
        code, _, err = run(folder, "--outcome", "Y", *args)
        assert (code, err) == (2, message), args


# =========================================================================== --also


def test_also_mh_beside_reml_on_bcg(tmp_path: Path) -> None:
    folder = write(tmp_path / "s", count_records(BCG))
    out = pool_json(folder, "--outcome", "Y", "--measure", "RR", "--method", "REML",
                    "--also", "MH")  # fmt: skip
    check_rma(out, next(c for c in POOL if c["id"] == "bcg-RR-REML-wald"))
    check_mh(out["common"], next(c for c in MH if c["id"] == "bcg-MH-RR"))
    assert out["common"]["pi_method"] == "normal" and "common" not in out["common"]
    # --ci hksj for the random-effects model; the common-effect one keeps its z interval
    out = pool_json(folder, "--outcome", "Y", "--measure", "OR", "--method", "DL",
                    "--ci", "hksj", "--also", "PETO", "--pi", "t")  # fmt: skip
    assert out["ci_method"] == "hksj" and out["common"]["ci_method"] == "wald"
    check_mh(out["common"], next(c for c in MH if c["id"] == "bcg-PETO-OR"))
    assert out["pi_df"] == 11


def test_also_fe_beside_smd(tmp_path: Path) -> None:
    folder = write(tmp_path / "s", continuous_records(NORMAND))
    out = pool_json(folder, "--outcome", "LOS", "--measure", "SMD", "--also", "FE", "--level",
                    "0.9")  # fmt: skip
    check_rma(out, next(c for c in POOL if c["id"] == "normand1999-SMD-REML-wald-L90"))
    check_rma(out["common"], next(c for c in POOL if c["id"] == "normand1999-SMD-FE-wald-L90"))
    # the I² warning is said once, by the random-effects result
    assert not any(w.startswith("I² = ") for w in out["common"]["warnings"])


def test_also_in_text_md_csv_and_subgroups(tmp_path: Path) -> None:
    files = count_records(BCG)
    for i, name in enumerate(sorted(files)):
        files[name] += f"tags: {{alloc: {'random' if i % 2 else 'other'}}}\n"
    folder = write(tmp_path / "s", files)
    args = ("--outcome", "Y", "--measure", "OR", "--also", "MH")
    code, text, _ = run(folder, *args)
    assert code == 0
    lines = text.splitlines()
    common = next(
        i for i, line in enumerate(lines) if line.startswith("Pooled (common effect, MH)")
    )
    assert lines[common + 1].startswith("Pooled (random effects)")
    assert "0.62  [0.57, 0.68]" in lines[common]  # rma.mh OR 0.623 [0.575, 0.675]
    assert "Test of overall effect, common effect (MH): z = -11.54, p < 0.0001" in text
    assert "Cochran-Mantel-Haenszel test: X² = 135.69 (df = 1, p < 0.0001); Tarone's test for " \
        "heterogeneity: X² = 171.76 (df = 12, p < 0.0001)" in text  # fmt: skip
    code, md, _ = run(folder, *args, "--format", "md")
    assert "| Pooled (common effect, MH) | k = 13 | 0.62 | [0.57, 0.68] |  |" in md
    code, csv, _ = run(folder, *args, "--format", "csv")
    kinds = [line.split(",")[0] for line in csv.splitlines()[1:]]
    assert kinds[-2:] == ["common", "pooled"]
    out = pool_json(folder, *args, "--by", "alloc")
    assert [g["common"]["method"] for g in out["subgroups"]] == ["MH", "MH"]
    assert out["common"]["k"] == 13
    code, csv, _ = run(folder, *args, "--by", "alloc", "--format", "csv")
    assert [line.split(",")[0] for line in csv.splitlines()[1:]].count("subgroup-common") == 2


def test_forest_layout_draws_two_diamonds(tmp_path: Path) -> None:
    from synthesis.plots.forest import forest_layout

    folder = write(tmp_path / "s", count_records(BCG))
    res = synthesis.pool(studies=folder, outcome="Y", measure="OR", also="MH", pi="t")
    layout = forest_layout(res)
    diamonds = [r for r in layout.rows if r.diamond is not None]
    assert [r.label for r in diamonds] == [
        "Pooled (common effect, MH)",
        "Pooled (random effects, REML)",
    ]
    assert diamonds[0].x == res.common.estimate and diamonds[1].x == res.estimate
    assert "Beside it: the common-effect (Mantel-Haenszel) model; Wald z CI" in layout.footer
    assert "Prediction interval on t with k - 2 = 11 df (Higgins et al. 2009)" in layout.footer
    pi_row = next(r for r in layout.rows if r.kind == "pi")
    assert (pi_row.ci_low, pi_row.ci_high) == (res.pi_low, res.pi_high)
    out = tmp_path / "f.svg"
    result = CliRunner().invoke(
        main, ["forest", "--studies", folder, "--outcome", "Y", "--measure", "OR", "--also",
               "MH", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"<?xml")


# =========================================================================== --null


def null_records(case: dict) -> dict[str, str]:
    inp = case["inputs"]
    if "xi" in inp:
        return {
            f"s{i:02d}.yaml": f"id: s{i:02d}\ncitation: S\nyear: 2000\noutcomes:\n"
            f"  - {{name: Y, events: {x}, total: {n}}}\n"
            for i, (x, n) in enumerate(zip(inp["xi"], inp["ni"], strict=True))
        }
    if "ai" in inp:
        tables = {"ai": inp["ai"], "ci": inp["ci"],
                  "bi": [n - a for a, n in zip(inp["ai"], inp["n1i"], strict=True)],
                  "di": [n - c for c, n in zip(inp["ci"], inp["n2i"], strict=True)]}  # fmt: skip
        return count_records(tables)
    if "m1i" in inp:
        return continuous_records(inp)
    return {
        f"s{i:02d}.yaml": f"id: s{i:02d}\ncitation: S\nyear: 2000\noutcomes:\n"
        f"  - {{name: Y, median: {m}, n: {n}}}\n"
        for i, (m, n) in enumerate(zip(inp["median"], inp["n"], strict=True))
    }


def test_null_reference_grid_is_complete() -> None:
    meta = NULL_REF["meta"]
    assert meta["generator"] == "tests/reference/cochrane_cli_reference.R"
    assert meta["metafor_version"] == "3.8.1" and meta["n_cases"] == len(NULL_CASES)
    ids = [c["id"] for c in NULL_CASES]
    assert len(ids) == len(set(ids)) and all(c["r_call"] for c in NULL_CASES)
    got = {(c["measure"], c["method"], c["ci"]) for c in NULL_CASES if c["kind"] == "rma"}
    for measure in ("PLO", "PFT", "PAS", "PR", "RR", "MD", "SMD"):
        for method in ("REML", "DL", "FE"):
            for ci in ("wald", "hksj"):
                assert (measure, method, ci) in got
    assert {(c["measure"], c["method"]) for c in NULL_CASES if c["kind"] in ("glmm", "mh")} == {
        ("PLO", "GLMM"), ("RR", "MH"), ("OR", "PETO"), ("RD", "MH"),
    }  # fmt: skip
    assert {c["null"] for c in NULL_CASES if c["kind"] == "sign"} == {10, 12, 30}


@pytest.mark.parametrize("case", NULL_CASES, ids=[c["id"] for c in NULL_CASES])
def test_null_value_tests_match_metafor(case: dict, tmp_path: Path) -> None:
    folder = write(tmp_path / "s", null_records(case))
    outcome = "LOS" if case["measure"] in ("MD", "SMD") else "Y"
    args = ["--outcome", outcome, "--measure", case["measure"], "--method", case["method"],
            "--ci", case["ci"], "--null", repr(case["null"])]  # fmt: skip
    out = pool_json(folder, *args)
    kind = "glmm" if case["kind"] == "glmm" else kind_of(case["method"])
    cid = case["id"]
    close(out["statistic"], case["statistic"], kind, f"{cid} statistic")
    close(out["p_value"], case["pval"], kind, f"{cid} p")
    assert out["df"] == case["df"] and out["null_value"] == case["null"]
    if case["kind"] == "sign":
        assert out["test"] == "sign"
        return
    assert out["test"] == ("t" if case["ci"] == "hksj" else "z")
    if case["kind"] == "rma":  # the shift moves the estimate only
        close(out["model_scale"]["se"], case["se"], kind, f"{cid} se")
        if case["method"] != "FE":
            close(out["heterogeneity"]["tau2"], case["tau2"], kind, f"{cid} tau2")
    else:
        close(out["model_scale"]["estimate"], case["estimate"], kind, f"{cid} estimate")
        close(out["model_scale"]["se"], case["se"], kind, f"{cid} se")


def test_a_proportion_has_no_test_without_a_null(tmp_path: Path) -> None:
    case = next(c for c in NULL_CASES if c["id"] == "pritz1997-PLO-REML-wald-null0.7")
    folder = write(tmp_path / "s", null_records(case))
    for measure in ("PLO", "PFT", "PAS", "PR"):
        out = pool_json(folder, "--outcome", "Y", "--measure", measure)
        assert (out["statistic"], out["p_value"], out["df"]) == (None, None, None), measure
        assert out["test"] is None and out["null_value"] is None
    _, text, _ = run(folder, "--outcome", "Y")
    assert "Test of overall effect" not in text
    _, text, _ = run(folder, "--outcome", "Y", "--null", "0.7")
    assert "Test of overall effect (H0: proportion = 0.7): z = 1.21, p = 0.2272" in text
    # the bundled review: its ORR is no longer tested against a logit of 0
    result = CliRunner().invoke(main, ["pool", "--outcome", "ORR", "--format", "json"])
    assert json.loads(result.stdout)["p_value"] is None


def test_medians_sign_test_and_its_text(tmp_path: Path) -> None:
    case = next(c for c in NULL_CASES if c["id"] == "medians-sign-null12")
    folder = write(tmp_path / "s", null_records(case))
    out = pool_json(folder, "--outcome", "Y", "--measure", "MED")
    assert out["statistic"] is None and out["test"] is None  # no test without --null
    code, text, err = run(folder, "--outcome", "Y", "--measure", "MED", "--null", "12")
    assert "Sign test (H0: median = 12 months): 2 of 7 study medians above, p = 0.6875" in text
    assert "sign test against 12 months: 1 median(s) equal to it left out of the test" in err
    for args, message in (
        (("--pi", "t"), "synth: error: --pi t does not apply to pooled medians (they have no "
                        "prediction interval)\n"),
        (("--also", "FE"), "synth: error: "
                           "--also does not apply to pooled medians (--measure MED)\n"),
        (("--null", "0"), "synth: error: "
                          "--null 0: --measure MED needs a median > 0 in months, e.g. 12\n"),
    ):  # fmt: skip
        code, _, err = run(folder, "--outcome", "Y", "--measure", "MED", *args)
        assert (code, err) == (2, message), args


def test_null_for_ratios_defaults_to_one_and_can_be_moved(tmp_path: Path) -> None:
    folder = write(tmp_path / "s", count_records(BCG))
    default = pool_json(folder, "--outcome", "Y", "--measure", "RR")
    same = pool_json(folder, "--outcome", "Y", "--measure", "RR", "--null", "1")
    assert default["statistic"] == same["statistic"] and default["p_value"] == same["p_value"]
    _, text, _ = run(folder, "--outcome", "Y", "--measure", "RR", "--null", "0.8")
    assert "Test of overall effect (H0: risk ratio = 0.8): z = -2.73, p = 0.0063" in text


def test_help_shows_the_new_options_with_examples() -> None:
    text = CliRunner().invoke(main, ["pool", "--help"]).output
    for option in ("--also", "--pi", "--null", "MD", "SMD", "MH", "PETO"):
        assert option in text
    assert "synth pool --outcome ORR --null 0.3" in text
    assert "--also MH" in CliRunner().invoke(main, ["forest", "--help"]).output


# =========================================================================== invariants

ARM = st.tuples(
    st.integers(-5000, 5000).map(lambda x: x / 10),  # mean, one decimal
    st.integers(5, 500).map(lambda x: x / 10),  # SD > 0
    st.integers(2, 300),  # n
)
TABLE = st.tuples(st.integers(0, 30), st.integers(1, 60), st.integers(0, 30), st.integers(1, 60))
HSETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


def _arm_records(studies: list, *, swap: bool = False) -> dict[str, str]:
    files = {}
    for i, (a, b) in enumerate(studies):
        e, c = (b, a) if swap else (a, b)
        files[f"s{i:02d}.yaml"] = study_yaml(
            i,
            f"  - {{name: LOS, arm: exp, mean: {e[0]}, sd: {e[1]}, n: {e[2]}}}\n"
            f"  - {{name: LOS, arm: ctl, mean: {c[0]}, sd: {c[1]}, n: {c[2]}}}\n",
            (e[2], c[2]),
        )
    return files


@HSETTINGS
@given(studies=st.lists(st.tuples(ARM, ARM), min_size=1, max_size=6), null=st.integers(-50, 50))
def test_md_smd_swap_negates_also_equals_fe_and_null_shifts(
    studies: list, null: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("h")
    folder = write(base / "a", _arm_records(studies))
    swapped = write(base / "b", _arm_records(studies, swap=True))
    for measure in ("MD", "SMD"):
        kw = {"outcome": "LOS", "measure": measure, "method": "DL"}
        res = synthesis.pool(studies=folder, also="FE", **kw)
        neg = synthesis.pool(studies=swapped, **kw)
        fe = synthesis.pool(studies=folder, **{**kw, "method": "FE"})
        assert math.isclose(neg.estimate, -res.estimate, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(neg.ci_low, -res.ci_high, rel_tol=1e-9, abs_tol=1e-9)
        assert res.common.model_scale == fe.model_scale
        assert res.common.heterogeneity == fe.heterogeneity
        # --null h: z = (estimate - h) / se, and the estimate and SE are those without it
        tested = synthesis.pool(studies=folder, null=null / 10, **kw)
        assert tested.model_scale == res.model_scale and tested.null_value == null / 10
        z = (res.model_scale.estimate - null / 10) / res.model_scale.se
        assert math.isclose(tested.statistic, z, rel_tol=1e-12, abs_tol=1e-12)
        assert 0.0 <= tested.p_value <= 1.0


@HSETTINGS
@given(tables=st.lists(TABLE, min_size=1, max_size=6))
def test_also_mh_is_the_mh_fit_and_never_nan(
    tables: list, tmp_path_factory: pytest.TempPathFactory
) -> None:
    inputs = {key: [t[j] for t in tables] for j, key in enumerate(("ai", "bi", "ci", "di"))}
    folder = write(tmp_path_factory.mktemp("h") / "s", count_records(inputs))
    for measure, method in (("RR", "MH"), ("OR", "MH"), ("RD", "MH"), ("OR", "PETO")):
        try:
            alone = synthesis.pool(studies=folder, outcome="Y", measure=measure, method=method)
        except synthesis.errors.SynthError as exc:  # no pooled estimate: said so, not NaN
            assert "no pooled" in str(exc)
            continue
        both = synthesis.pool(studies=folder, outcome="Y", measure=measure, also=method)
        assert both.common is not None
        assert both.common.model_scale == alone.model_scale
        assert both.common.heterogeneity == alone.heterogeneity
        assert both.common.tests == alone.tests
        json.dumps(both.to_dict(), allow_nan=False)
