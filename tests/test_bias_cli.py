"""`synth bias` end to end: the CLI's JSON against metafor 3.8, formats, plots, errors, odd inputs.

Reference values: tests/reference/bias_reference.json (made by
tests/reference/bias_reference.R, each value with its R call). The data sets are written
as study records in temporary folders so that the whole path runs: YAML -> effect sizes
-> pooled model -> small-study analyses -> JSON. The records are chosen to round-trip
metafor's yi/vi exactly (to the last bits):

* dat.hackshaw1998 as reported odds ratios with 95% CIs (``or: exp(yi)``,
  ``ci: exp(yi -/+ z sqrt(vi))``): synth takes log(or) and the SE from the CI;
* dat.pritz1997 as event counts (``events``/``total``): synth's escalc PLO, with the same
  0.5 correction of the two all-event studies as metafor;
* the other data sets as generic estimates (``estimate: yi``, ``se: sqrt(vi)``, ``n: ni``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.analyses.bias import LOW_POWER_K
from synthesis.models.core import CLOSED_FORM_METHODS
from tests.tolerances import tol

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
REF = json.loads((Path(__file__).parent / "reference" / "bias_reference.json").read_text())
DS = {d["id"]: d for d in REF["datasets"]}
Z975 = 1.959963984540054  # qnorm(0.975)

# data set -> (how its records are written, --measure)
RECORDS = {
    "hackshaw1998-OR": ("or", "OR"),
    "pritz1997-PLO": ("counts", "PLO"),
    "bcg-RR": ("generic", "GEN"),
    "normand1999-MD": ("generic", "GEN"),
    "molloy2014-ZCOR": ("generic", "GEN"),
    "bangertdrowns2004-SMD": ("generic", "GEN"),
    "k2-RR": ("generic", "GEN"),
    "k3-RR": ("generic", "GEN"),
    "identical-vi-GEN": ("generic", "GEN"),
    "identical-ni-GEN": ("generic", "GEN"),
    "symmetric-GEN": ("generic", "GEN"),
    "ties-GEN": ("generic", "GEN"),
    "k60-GEN": ("generic", "GEN"),
    "hackshaw1998-neg": ("generic", "GEN"),
}
# every method x CI through the CLI for these; the others at three settings
FULL = ("hackshaw1998-OR", "pritz1997-PLO", "bcg-RR")
SETTINGS = {("REML", "wald"), ("DL", "wald"), ("FE", "hksj"), ("PM", "hksj")}

BIAS_KEYS = {"outcome", "measure", "method", "k", "model", "egger", "regression_test",
             "rank_test", "trim_and_fill", "fail_safe_n", "warnings"}  # fmt: skip
REGRESSION_KEYS = {"model", "predictor", "statistic", "df", "p_value", "limit_estimate",
                   "limit_ci_low", "limit_ci_high"}  # fmt: skip
POOL_KEYS = {"outcome", "measure", "method", "ci_method", "level", "k", "estimate", "ci_low",
             "ci_high", "pi_low", "pi_high", "model_scale", "statistic", "df", "p_value",
             "heterogeneity", "studies", "warnings"}  # fmt: skip


def write_records(folder: Path, ds_id: str) -> Path:
    kind, _ = RECORDS[ds_id]
    ds = DS[ds_id]
    folder.mkdir(parents=True, exist_ok=True)
    for i, (y, v, n) in enumerate(zip(ds["yi"], ds["vi"], ds["ni"], strict=True)):
        se = math.sqrt(v)
        if kind == "or":
            lo, hi = math.exp(y - Z975 * se), math.exp(y + Z975 * se)
            entry = f"{{name: X, or: {math.exp(y)!r}, ci: [{lo!r}, {hi!r}]}}"
        elif kind == "counts":
            events = round(n / (1 + math.exp(-y)))
            entry = f"{{name: X, events: {events}, total: {int(n)}}}"
        else:
            entry = f"{{name: X, estimate: {y!r}, se: {se!r}, n: {int(n)}}}"
        (folder / f"s{i:03d}.yaml").write_text(
            f"id: s{i:03d}\ncitation: Study {i} of {ds_id}\nyear: {2000 + i}\n"
            f"outcomes:\n  - {entry}\n"
        )
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("bias-records")
    return {ds_id: str(write_records(base / ds_id, ds_id)) for ds_id in RECORDS}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["bias", *args])
    return result.exit_code, result.stdout, result.stderr


def bias_json(folder: str, *args: str) -> dict:
    code, out, err = invoke("--outcome", "X", "--studies", folder, "--format", "json", *args)
    assert code == 0, err
    assert "NaN" not in out and "Infinity" not in out
    return json.loads(out)


def close(a: float | None, b: float | None, kind: str) -> bool:
    if a is None or b is None:
        return a is None and b is None
    t = tol(kind)
    return bool(np.isclose(a, b, rtol=t.rtol, atol=t.atol))


def kind_of(method: str) -> str:
    return "closed_form" if method in CLOSED_FORM_METHODS else "iterative"


def model_args(case: dict) -> list[str]:
    _, measure = RECORDS[case["dataset"]]
    return ["--measure", measure, "--method", case["method"], "--ci", case["ci"],
            "--level", str(case["level"])]  # fmt: skip


def back(measure: str, x: float) -> float:
    if measure == "OR":
        return math.exp(x)
    if measure == "PLO":
        return 1 / (1 + math.exp(-x))
    return x


# --------------------------------------------------------------------------- checks


def check_egger(out: dict, ds: dict, predictor: str, level: float) -> None:
    ref = next(e for e in ds["egger"] if e["predictor"] == predictor and e["level"] == level)
    got = out["egger"]
    if ds["k"] < 3 or "error" in ref:
        assert got is None
        return
    assert set(got) >= REGRESSION_KEYS and got["model"] == "lm"
    for key, rkey in (("statistic", "statistic"), ("p_value", "pval"),
                      ("limit_estimate", "est"), ("limit_ci_low", "ci_lb"),
                      ("limit_ci_high", "ci_ub")):  # fmt: skip
        assert close(got[key], ref[rkey], "closed_form"), (key, got[key], ref[rkey])
    assert got["df"] == ref["df"]
    rep = got["reporting_scale"]
    assert close(rep["limit_estimate"], back(out["measure"], ref["est"]), "closed_form")


def check_regression(out: dict, case: dict, predictor: str) -> None:
    ref = next(r for r in case["regtest_rma"] if r["predictor"] == predictor)
    got = out["regression_test"]
    if case["k"] < 3 or "error" in ref:
        assert got is None
        return
    assert set(got) >= REGRESSION_KEYS and got["model"] == "rma"
    k_m = kind_of(case["method"])
    for key, rkey in (("statistic", "statistic"), ("p_value", "pval"),
                      ("limit_estimate", "est"), ("limit_ci_low", "ci_lb"),
                      ("limit_ci_high", "ci_ub")):  # fmt: skip
        assert close(got[key], ref[rkey], k_m), (key, got[key], ref[rkey])
    assert got["df"] == ref["df"]  # null for the z test, k - 2 under knha


def check_rank(out: dict, ds: dict) -> None:
    ref = ds["ranktest"]
    got = out["rank_test"]
    if ds["k"] < 3 or ref["tau"] is None:
        assert got is None
        return
    assert close(got["tau"], ref["tau"], "closed_form")
    assert close(got["p_value"], ref["pval"], "closed_form")
    assert got["exact"] == (not ref["ties"])


def check_trim_and_fill(out: dict, case: dict, estimator: str, side: str | None) -> None:
    ref = next(t for t in case["trimfill"] if t["estimator"] == estimator
               and t["side_arg"] == side)  # fmt: skip
    got = out["trim_and_fill"]
    if case["k"] < 3 or "error" in ref:
        assert got is None
        return
    assert (got["k0"], got["side"], got["estimator"]) == (ref["k0"], ref["side"], estimator)
    k_m = kind_of(case["method"])
    t = tol(k_m)
    assert [f["vi"] for f in got["filled"]] == pytest.approx(ref["filled_vi"], rel=1e-12)
    np.testing.assert_allclose([f["yi"] for f in got["filled"]], ref["filled_yi"],
                               rtol=t.rtol, atol=t.atol)  # fmt: skip
    for f in got["filled"]:
        assert close(f["estimate"], back(out["measure"], f["yi"]), "closed_form")
    model, fit = got["model"], ref["fit"]
    assert set(model) >= POOL_KEYS
    assert model["k"] == fit["k"] == case["k"] + ref["k0"]
    ms = model["model_scale"]
    for key, rkey in (("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_lb"),
                      ("ci_high", "ci_ub")):  # fmt: skip
        assert close(ms[key], fit[rkey], k_m), (key, ms[key], fit[rkey])
    assert close(model["estimate"], back(out["measure"], fit["estimate"]), k_m)
    assert close(model["p_value"], fit["pval"], k_m)
    het = model["heterogeneity"]
    assert close(het["Q"], fit["QE"], k_m) and close(het["I2"], fit["I2"], k_m)
    if case["method"] != "FE":
        assert close(het["tau2"], fit["tau2"], k_m)
        assert close(ms["pi_low"], fit["pi_lb"], k_m) and close(ms["pi_high"], fit["pi_ub"], k_m)
    filled = [s for s in model["studies"] if s["filled"]]
    assert len(filled) == ref["k0"] and all(s["source"] is None for s in filled)
    assert math.isclose(sum(s["weight"] for s in model["studies"]), 100.0, rel_tol=1e-9)


def check_fsn(out: dict, ds: dict) -> None:
    got = out["fail_safe_n"]
    ref = ds["fsn"]
    assert got["rosenthal"]["n"] == ref["Rosenthal"]["fsnum"]
    assert close(got["rosenthal"]["p"], ref["Rosenthal"]["pval"], "closed_form")
    assert got["orwin"]["n"] == (None if ref["Orwin"]["fsnum_inf"] else ref["Orwin"]["fsnum"])
    assert close(got["orwin"]["target_model_scale"], ref["Orwin"]["target"], "closed_form")
    assert close(got["orwin"]["target"], back(out["measure"], ref["Orwin"]["target"]),
                 "closed_form")  # fmt: skip
    assert got["rosenberg"]["n"] == ref["Rosenberg"]["fsnum"]
    assert close(got["rosenberg"]["p"], ref["Rosenberg"]["pval"], "closed_form")


# --------------------------------------------------------------------------- the grid

GRID = [
    c
    for c in REF["cases"]
    if c["dataset"] in RECORDS and (c["dataset"] in FULL or (c["method"], c["ci"]) in SETTINGS)
]


@pytest.mark.parametrize("case", GRID, ids=lambda c: c["id"])
def test_cli_json_matches_metafor(folders: dict[str, str], case: dict) -> None:
    """Default options (predictor sei, L0, side as metafor): every block of the JSON."""
    ds = DS[case["dataset"]]
    out = bias_json(folders[case["dataset"]], *model_args(case))
    assert set(out) >= BIAS_KEYS
    assert (out["k"], out["method"], out["measure"]) == (
        case["k"],
        case["method"],
        RECORDS[case["dataset"]][1],
    )
    # the records round-trip metafor's rows in order
    model = out["model"]
    assert set(model) >= POOL_KEYS
    np.testing.assert_allclose([s["yi"] for s in model["studies"]], ds["yi"], rtol=1e-13,
                               atol=1e-15)  # fmt: skip
    np.testing.assert_allclose([s["vi"] for s in model["studies"]], ds["vi"], rtol=1e-12)
    assert close(model["model_scale"]["estimate"], case["model"]["estimate"],
                 kind_of(case["method"]))  # fmt: skip
    check_egger(out, ds, "sei", case["level"])
    check_regression(out, case, "sei")
    check_rank(out, ds)
    if ds["trimfill_sides"]:
        check_trim_and_fill(out, case, "L0", None)
    check_fsn(out, ds)
    low = any("fewer than 10" in w and "low power" in w for w in out["warnings"])
    ran = any(out[t] for t in ("egger", "regression_test", "rank_test", "trim_and_fill"))
    assert low == (ran and case["k"] < LOW_POWER_K)
    json.dumps(out, allow_nan=False)


def test_grid_covers_every_method_ci_and_the_odd_data() -> None:
    assert {(c["method"], c["ci"]) for c in GRID if c["dataset"] == "hackshaw1998-OR"} == {
        (m, ci) for m in REF["meta"]["methods"] for ci in ("wald", "hksj")
    }
    assert {c["dataset"] for c in GRID} == set(RECORDS)
    assert any(c["level"] == 0.90 for c in GRID)


PREDICTOR_CASES = [
    c
    for c in REF["cases"]
    if c["dataset"] in ("bcg-RR", "bangertdrowns2004-SMD", "identical-ni-GEN", "k3-RR")
    and (c["method"], c["ci"]) in {("REML", "wald"), ("DL", "hksj")}
]


@pytest.mark.parametrize("predictor", ["vi", "ninv", "sqrtninv"])
@pytest.mark.parametrize("case", PREDICTOR_CASES, ids=lambda c: c["id"])
def test_predictors_match_metafor(folders: dict[str, str], case: dict, predictor: str) -> None:
    out = bias_json(folders[case["dataset"]], *model_args(case), "--predictor", predictor)
    assert out["predictor"] == predictor
    check_egger(out, DS[case["dataset"]], predictor, case["level"])
    check_regression(out, case, predictor)
    if out["regression_test"] is None and case["k"] >= 3:
        assert any("same sample size" in w for w in out["warnings"])


TF_CASES = [
    c
    for c in REF["cases"]
    if c["dataset"] in ("hackshaw1998-OR", "bcg-RR", "pritz1997-PLO", "identical-vi-GEN")
    and (c["method"], c["ci"]) in {("REML", "wald"), ("FE", "hksj"), ("EB", "wald")}
]


@pytest.mark.parametrize("side", [None, "left", "right"])
@pytest.mark.parametrize("estimator", ["L0", "R0"])
@pytest.mark.parametrize("case", TF_CASES, ids=lambda c: c["id"])
def test_trim_and_fill_options_match_metafor(
    folders: dict[str, str], case: dict, estimator: str, side: str | None
) -> None:
    extra = ["--estimator", estimator] + ([] if side is None else ["--side", side])
    out = bias_json(folders[case["dataset"]], *model_args(case), *extra)
    assert (out["estimator"], out["side"]) == (estimator, side)  # as requested
    check_trim_and_fill(out, case, estimator, side)
    if out["trim_and_fill"] is not None:
        assert out["trim_and_fill"]["side_given"] == (side is not None)


def test_orwin_target_on_the_reporting_scale(folders: dict[str, str]) -> None:
    """--fsn-target is a ratio for OR: exp(0.05) is metafor's fsn(..., target = 0.05)."""
    ref = next(c for c in REF["fsn_cases"] if c["id"] == "hackshaw-orwin-target")
    out = bias_json(folders["hackshaw1998-OR"], "--measure", "OR", "--fsn-target",
                    repr(math.exp(0.05)))  # fmt: skip
    orwin = out["fail_safe_n"]["orwin"]
    assert orwin["n"] == ref["fsnum"]
    assert close(orwin["target_model_scale"], ref["target"], "closed_form")
    assert close(orwin["target"], math.exp(0.05), "closed_form")
    # a target on the other side of no effect is mirrored, as metafor does, with a warning
    for target, rid in ((-0.2, "bcg-orwin-target-neg"), (0.2, "bcg-orwin-target-pos")):
        ref = next(c for c in REF["fsn_cases"] if c["id"] == rid)
        out = bias_json(folders["bcg-RR"], "--measure", "GEN", "--fsn-target", str(target))
        assert out["fail_safe_n"]["orwin"]["n"] == ref["fsnum"]
        assert close(out["fail_safe_n"]["orwin"]["target"], ref["target"], "closed_form")
        mirrored = any("mirror image" in w for w in out["warnings"])
        assert mirrored == (target > 0)  # the mean log RR of dat.bcg is negative
    ref = next(c for c in REF["fsn_cases"] if c["id"] == "bcg-orwin-target-0")
    out = bias_json(folders["bcg-RR"], "--measure", "GEN", "--fsn-target", "0")
    assert ref["fsnum_inf"] and out["fail_safe_n"]["orwin"]["n"] is None
    assert any("infinite" in w for w in out["warnings"])


# --------------------------------------------------------------------------- the bundled review


def test_bundled_review_k4_runs_every_test_with_a_low_power_warning() -> None:
    code, out, err = invoke("--outcome", "ORR", "--studies", STUDIES, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= BIAS_KEYS and data["k"] == 4 and data["measure"] == "PLO"
    for key in ("egger", "regression_test", "rank_test", "trim_and_fill"):
        assert data[key] is not None, key  # k = 4: they run ...
    low = [w for w in data["warnings"] if "low power" in w]
    assert len(low) == 1 and "only 4 studies (fewer than 10)" in low[0]  # ... and warn once
    assert "13.3.5.4" in low[0]
    assert "synth: warning: only 4 studies (fewer than 10)" in err
    # the pool object is the one `synth pool` prints
    pool_data = json.loads(
        CliRunner()
        .invoke(main, ["pool", "--outcome", "ORR", "--studies", STUDIES, "--format", "json"])
        .stdout
    )
    assert data["model"] == pool_data


def test_bundled_review_hazard_ratio_k1() -> None:
    """OS as HR: one study gives an HR with a CI -> k = 1: the tests are null with reasons,
    fail-safe N still exists."""
    code, out, err = invoke("--outcome", "OS", "--measure", "HR", "--studies", STUDIES,
                            "--format", "json")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["k"] == 1
    for key in ("egger", "regression_test", "rank_test", "trim_and_fill"):
        assert data[key] is None
    reasons = " | ".join(data["warnings"])
    assert "Egger's regression test needs at least 3 studies (k = 1)" in reasons
    assert "the rank correlation test needs at least 3 studies (k = 1" in reasons
    assert "trim and fill needs at least 3 studies (k = 1)" in reasons
    assert data["fail_safe_n"]["rosenthal"]["n"] is not None


def test_k2_and_equal_variances_are_null_with_reasons(folders: dict[str, str]) -> None:
    out = bias_json(folders["k2-RR"], "--measure", "GEN")
    assert out["k"] == 2
    assert all(out[t] is None for t in ("egger", "regression_test", "rank_test", "trim_and_fill"))
    assert any("needs at least 3 studies (k = 2)" in w for w in out["warnings"])
    out = bias_json(folders["identical-vi-GEN"], "--measure", "GEN")
    assert all(out[t] is None for t in ("egger", "regression_test", "rank_test", "trim_and_fill"))
    text = " | ".join(out["warnings"])
    assert "every study has the same standard error" in text
    assert "every study has the same variance" in text
    assert "give the side (left or right)" in text
    # with the side given, trim and fill runs (metafor: trimfill(res, side = "left"))
    out = bias_json(folders["identical-vi-GEN"], "--measure", "GEN", "--side", "left")
    assert out["trim_and_fill"] is not None and out["trim_and_fill"]["side"] == "left"


def test_rows_without_n_make_the_n_predictors_null(folders: dict[str, str]) -> None:
    """Reported odds ratios carry no n: --predictor ninv is null with the reason."""
    out = bias_json(folders["hackshaw1998-OR"], "--measure", "OR", "--predictor", "ninv")
    assert out["egger"] is None and out["regression_test"] is None
    assert (
        "Egger's regression test with predictor ninv needs every study's sample size (n)"
        in (out["warnings"])
    )
    assert out["rank_test"] is not None  # the others do not need n


# --------------------------------------------------------------------------- formats


def test_table_md_and_csv(folders: dict[str, str]) -> None:
    folder = folders["hackshaw1998-OR"]
    code, table, err = invoke("--outcome", "X", "--studies", folder, "--measure", "OR")
    assert code == 0, err
    assert "Egger's test (weighted regression on the standard error)  t(35) = 2.38" in table
    assert "7 filled on the left" in table and "adjusted 1.19 [1.08, 1.31]" in table
    assert "393, 37, 202" in table  # fsn: Rosenthal, Orwin, Rosenberg (metafor's numbers)
    code, md, _ = invoke("--outcome", "X", "--studies", folder, "--measure", "OR",
                         "--format", "md")  # fmt: skip
    assert code == 0
    assert md.startswith("**Small-study effects, X: odds ratio (OR)")
    assert "| Test | Result | p | Estimate [95% CI] |" in md
    assert "Trim and fill (L0) estimates 7 missing studies on the left" in md
    code, csv_out, _ = invoke("--outcome", "X", "--studies", folder, "--measure", "OR",
                              "--format", "csv")  # fmt: skip
    assert csv_out.splitlines()[0] == (
        "test,name,predictor,statistic,df,p_value,estimate,ci_low,ci_high,n,note"
    )
    lines = list(csv.reader(io.StringIO(csv_out)))
    tests = [line[0] for line in lines[1:]]
    assert tests == ["egger", "regression_test", "rank_test", "trim_and_fill", "fsn_rosenthal",
                     "fsn_orwin", "fsn_rosenberg"] + ["filled"] * 7  # fmt: skip
    egger_ref = next(e for e in DS["hackshaw1998-OR"]["egger"] if e["predictor"] == "sei")
    assert close(float(lines[1][3]), egger_ref["statistic"], "closed_form")
    assert lines[-1][1] == "Filled study 7 (trim and fill)"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--outcome", "OS", "--measure", "MED"],
            "synth: error: small-study analyses need effect sizes with sampling variances; pooled "
            "medians (--measure MED) have none. Use a measure with variances (e.g. --measure HR)",
        ),
        (
            ["--outcome", "ORR", "--method", "GLMM"],
            "synth: error: --method GLMM: the small-study analyses need an inverse-variance model "
            "(metafor's regtest, ranktest and trimfill do not take rma.glmm); use --method REML "
            "(or DL, PM, ...) on the same data",
        ),
        (
            ["--outcome", "ORR", "--fsn-target", "abc"],
            "synth: error: --fsn-target abc: expected a number on the reporting scale (a ratio for "
            "OR/RR/HR, a proportion for proportions), e.g. --fsn-target 1.1",
        ),
        (
            ["--outcome", "ORR", "--fsn-target", "1.5"],
            "synth: error: --fsn-target 1.5: a proportion between 0 and 1 is needed",
        ),
        (
            ["--outcome", "OS", "--measure", "HR", "--fsn-target", "-2"],
            "synth: error: "
            "--fsn-target -2: HR is a ratio, so the target must be > 0 (1 is no effect)",
        ),
        (
            ["--outcome", "ORR", "--funnel", "plot.jpg"],
            "synth: error: plot.jpg: unknown plot format '.jpg'; end the file name with .png, .svg "
            "or .pdf",
        ),
        (["--outcome", "NOPE"], "synth: error: no study reports outcome 'NOPE'"),
    ],
)
def test_errors_exit_2_with_the_message(args: list[str], message: str) -> None:
    code, out, err = invoke(*args, "--studies", STUDIES)
    assert code == 2, (out, err)
    assert message in err
    assert "Traceback" not in err and out == ""


def test_by_is_refused_with_what_to_do() -> None:
    code, out, err = invoke("--outcome", "ORR", "--by", "disease", "--studies", STUDIES)
    assert (code, out) == (2, "")
    assert err == (
        "synth: error: --by does not apply to synth bias: the tests are for one model of the whole "
        "outcome; use --where TAG=VALUE to test one subgroup\n"
    )
    code, out, _ = invoke("--help")
    assert code == 0 and "--by" not in out


def test_help_has_examples() -> None:
    result = CliRunner().invoke(main, ["bias", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "synth bias --outcome ORR" in result.stdout
    for option in ("--predictor", "--estimator", "--side", "--fsn-target", "--funnel",
                   "--force", "--measure", "--where", "--level"):  # fmt: skip
        assert option in result.stdout


# --------------------------------------------------------------------------- plots


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_funnel_files_are_valid_and_never_overwritten(
    folders: dict[str, str], tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"funnel.{suffix}"
    args = ["--outcome", "X", "--studies", folders["hackshaw1998-OR"], "--measure", "OR",
            "--funnel", str(target)]  # fmt: skip
    code, out, err = invoke(*args)
    assert code == 0, err
    assert f"wrote {target} (funnel plot of X, k = 37," in err
    assert "Egger's test" in out  # the table still prints
    data = target.read_bytes()
    if suffix == "png":
        w, h = png_size(data)
        assert w >= 1200 and h >= 1000
        chunks = data[8:]
        assert zlib.crc32(chunks[4:21]) == struct.unpack(">I", chunks[21:25])[0]
    elif suffix == "svg":
        text = data.decode()
        assert text.lstrip().startswith("<?xml") and text.rstrip().endswith("</svg>")
        assert "<image" not in text  # vector, fonts as paths
    else:
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    # a second run refuses to overwrite, before any work, and leaves the file alone
    before = target.stat().st_mtime_ns
    code, out, err = invoke(*args)
    assert code == 2
    assert f"synth: error: {target}: already exists; use --force to overwrite it" in err
    assert target.stat().st_mtime_ns == before and out == ""
    code, _, err = invoke(*args, "--force")
    assert code == 0, err
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_funnel_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "funnel.png"
    code, _, err = invoke("--outcome", "ORR", "--studies", STUDIES, "--funnel", str(target))
    assert code == 2 and "does not exist" in err
    assert not target.parent.exists()


# --------------------------------------------------------------------------- study order

# generic estimates with ties in yi and |yi - mean| (trim and fill ranks them by row order),
# listed in the opposite order of their years
TIED = [("s1", 2024, 0.5, 0.1), ("s2", 2023, 0.5, 0.2), ("s3", 2022, -0.1, 0.1),
        ("s4", 2021, 0.9, 0.3), ("s5", 2020, 0.1, 0.1), ("s6", 2019, 0.9, 0.15)]  # fmt: skip


def _by_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["id"], r["arm"] or ""))


@pytest.mark.parametrize("folder", ["bundled", "tied"])
def test_rows_follow_sort_and_the_numbers_do_not(folder: str, tmp_path: Path) -> None:
    """--sort orders the model's and trim and fill's rows as synth pool's (default year);
    every test runs on the rows as listed (metafor's), so no number depends on it."""
    if folder == "bundled":
        args = ["--outcome", "ORR", "--studies", STUDIES]
    else:
        for sid, year, yi, se in TIED:
            (tmp_path / f"{sid}.yaml").write_text(
                f"id: {sid}\ncitation: {sid}\nyear: {year}\noutcomes:\n"
                f"  - {{name: X, estimate: {yi}, se: {se}, scale: SMD}}\n"
            )
        args = ["--outcome", "X", "--studies", str(tmp_path)]
    outs = {}
    for sort in ("year", "estimate", "listed"):
        code, out, err = invoke(*args, "--sort", sort, "--format", "json")
        assert code == 0, err
        outs[sort] = json.loads(out)
        result = CliRunner().invoke(main, ["pool", *args, "--sort", sort, "--format", "json"])
        assert outs[sort]["model"] == json.loads(result.stdout)  # synth pool's object
    code, out, _ = invoke(*args, "--format", "json")
    assert json.loads(out) == outs["year"]  # the default
    assert [s["id"] for s in outs["year"]["model"]["studies"]] != [
        s["id"] for s in outs["listed"]["model"]["studies"]
    ]

    def unordered(d: dict) -> dict:
        d = json.loads(json.dumps(d))
        d["model"]["studies"] = _by_id(d["model"]["studies"])
        if d["trim_and_fill"] is not None:
            tm = d["trim_and_fill"]["model"]
            tm["studies"] = _by_id(tm["studies"])
        return d

    assert unordered(outs["year"]) == unordered(outs["listed"]) == unordered(outs["estimate"])
    tf = outs["listed"]["trim_and_fill"]
    if tf is not None:  # observed rows in the model's order, then the filled ones
        ids = [s["id"] for s in tf["model"]["studies"]]
        k = outs["listed"]["k"]
        assert ids[:k] == [s["id"] for s in outs["listed"]["model"]["studies"]]
        assert all(i.startswith("filled-") for i in ids[k:])
