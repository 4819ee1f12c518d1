"""`synth sensitivity` end to end: metafor's numbers through the CLI's JSON, formats,
errors, plots, and the containment of the ``forestplot`` package.

Reference values:
- tests/reference/sensitivity_reference.json (``Rscript tests/reference/sensitivity_reference.R``):
  dat.bcg (RR from counts per arm), dat.pritz1997 (PLO from events/total, cumulative by
  precision), dat.hackshaw1998 (log OR given as a generic estimate with its SE, cumulative
  by year with ties), and the first 3 and 2 rows of dat.bcg, for every method and both CI
  methods. The records are written into temporary folders (tests/sensitivity_datasets.py).
- tests/reference/sensitivity_bundled_reference.json
  (``Rscript tests/reference/sensitivity_bundled_reference.R``): the bundled review's ORR.
The null rules of `synth pool` (heterogeneity for k = 1, tau2 for FE, PI for FE and
k < 3) are applied to metafor's values by ``expected_refits`` of tests/test_sensitivity.py.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synthesis.cli import main

from tests.sensitivity_datasets import DATASETS, records, write_records
from tests.test_sensitivity import INFLUENCE, expected_refits, kind
from tests.tolerances import tol

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
REF = json.loads((Path(__file__).parent / "reference" / "sensitivity_reference.json").read_text())
CASES = REF["cases"]
BUNDLED = json.loads(
    (Path(__file__).parent / "reference" / "sensitivity_bundled_reference.json").read_text()
)["cases"]

TOP_KEYS = [
    "outcome",
    "measure",
    "method",
    "ci_method",
    "level",
    "k",
    "model",
    "leave_one_out",
    "influence",
    "baujat",
    "cumulative",
    "warnings",
]
LOO_KEYS = [
    "omitted",
    "arm",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "model_scale",
    "statistic",
    "p_value",
    "heterogeneity",
]
STEP_KEYS = [
    "added",
    "arm",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "model_scale",
    "statistic",
    "p_value",
    "heterogeneity",
]
SCALE_KEYS = ["estimate", "se", "ci_low", "ci_high"]
HET_KEYS = ["tau2", "I2", "H2", "Q", "Q_df", "Q_p"]
INFLUENCE_KEYS = [
    "id",
    "arm",
    "rstudent",
    "dffits",
    "cooks_distance",
    "cov_ratio",
    "tau2_deleted",
    "Q_deleted",
    "hat",
    "weight",
    "dfbetas",
    "influential",
]
BAUJAT_KEYS = ["id", "arm", "x", "y"]

BACK = {"RR": np.exp, "PLO": lambda x: 1.0 / (1.0 + np.exp(-x)), "GEN": lambda x: x}


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} in JSON output")


def strict_json(text: str) -> dict:
    return json.loads(text, parse_constant=_no_constants)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("sensitivity-data")
    out = {}
    for name in DATASETS:
        write_records(base / name, records(name))
        out[name] = base / name
    return out


def dataset_of(case: dict) -> str:
    return case["id"].rsplit("-", 2)[0]


def run_case(case: dict, folders: dict[str, Path], *extra: str) -> dict:
    name = dataset_of(case)
    outcome, measure, order = DATASETS[name]
    code, out, err = cli(
        "sensitivity",
        "--outcome",
        outcome,
        "--measure",
        measure,
        "--method",
        case["method"],
        "--ci",
        case["ci"],
        "--order",
        order,
        "--format",
        "json",
        "--studies",
        str(folders[name]),
        *extra,
    )
    assert code == 0, err
    return strict_json(out)


def pool_json(*args: str) -> dict:
    code, out, err = cli("pool", "--outcome", "ORR", "--format", "json", "--studies", STUDIES,
                         *args)  # fmt: skip
    assert code == 0, err
    return strict_json(out)


def key(row: dict, id_key: str = "id") -> tuple[str, str | None]:
    return row[id_key], row["arm"]


def as_listed(out: dict, listed: list[tuple[str, str | None]]) -> dict:
    """The sensitivity JSON with its per-study rows (the model's studies, leave-one-out,
    influence, Baujat) matched to the listed order of ``listed`` (study id, arm) by study
    id, not by position: the metafor references are in the data sets' order, the JSON in
    ``--sort``'s (default year). The cumulative steps are the analysis' own order."""

    def put(rows: list[dict], id_key: str) -> list[dict]:
        got = {key(r, id_key): r for r in rows}
        assert len(got) == len(rows) and sorted(got, key=str) == sorted(listed, key=str)
        return [got[k] for k in listed]

    model = {**out["model"], "studies": put(out["model"]["studies"], "id")}
    return {
        **out,
        "model": model,
        "leave_one_out": put(out["leave_one_out"], "omitted"),
        "influence": put(out["influence"], "id"),
        "baujat": put(out["baujat"], "id"),
    }


def close(got, want, kind_: str, what: str, problems: list[str]) -> None:
    if want is None:
        if got is not None:
            problems.append(f"{what}: got {got!r}, want None")
        return
    t = tol(kind_)
    if got is None or not np.isclose(got, want, rtol=t.rtol, atol=t.atol):
        problems.append(f"{what}: got {got!r}, want {want!r} ({kind_})")


def back(measure: str, value):
    return None if value is None else float(BACK[measure](value))


def compare_refit(
    row: dict,
    want: dict,
    measure: str,
    kind_: str,
    tested: bool,
    what: str,
    problems: list[str],
    *,
    pi: bool,
) -> None:
    close(row["estimate"], back(measure, want["estimate"]), kind_, f"{what}.estimate", problems)
    close(row["ci_low"], back(measure, want["ci_low"]), kind_, f"{what}.ci_low", problems)
    close(row["ci_high"], back(measure, want["ci_high"]), kind_, f"{what}.ci_high", problems)
    if pi:
        close(row["pi_low"], back(measure, want["pi_low"]), kind_, f"{what}.pi_low", problems)
        close(row["pi_high"], back(measure, want["pi_high"]), kind_, f"{what}.pi_high", problems)
    ms = row["model_scale"]
    for ours, theirs in (
        ("estimate", "estimate"),
        ("se", "se"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ):
        close(ms[ours], want[theirs], kind_, f"{what}.model_scale.{ours}", problems)
    close(
        row["statistic"],
        want["statistic"] if tested else None,
        kind_,
        f"{what}.statistic",
        problems,
    )
    close(row["p_value"], want["p_value"] if tested else None, kind_, f"{what}.p_value", problems)
    het = row["heterogeneity"]
    for f in ("tau2", "I2", "H2", "Q", "Q_p"):
        close(het[f], want[f], kind_, f"{what}.heterogeneity.{f}", problems)
    if het["Q_df"] != want["Q_df"] or row["k"] != want["k"]:
        problems.append(f"{what}: k/Q_df {row['k']}/{het['Q_df']} != {want['k']}/{want['Q_df']}")


# --------------------------------------------------------------------------- metafor grid


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_cli_json_matches_metafor(case: dict, folders: dict[str, Path]) -> None:
    out = run_case(case, folders)
    name = dataset_of(case)
    _, measure, order = DATASETS[name]
    ids = [r["id"] for r in records(name)]
    years = [r["year"] for r in records(name)]
    # the rows are in synth pool's default order (by year, ties as listed) ...
    by_year = sorted(range(len(ids)), key=lambda i: (years[i], i))
    assert [s["id"] for s in out["model"]["studies"]] == [ids[i] for i in by_year]
    assert [r["omitted"] for r in out["leave_one_out"]] == [ids[i] for i in by_year]
    # ... and compared with metafor's by study id
    arm = out["model"]["studies"][0]["arm"]
    out = as_listed(out, [(i, arm) for i in ids])
    k, method = case["k"], case["method"]
    kind_ = kind(method)
    problems: list[str] = []

    assert list(out) == TOP_KEYS
    assert (out["measure"], out["method"], out["ci_method"], out["level"], out["k"]) == (
        measure,
        method,
        case["ci"],
        0.95,
        k,
    )
    model = out["model"]
    assert model["k"] == k and model["method"] == method
    # the rows are the records in their listed order, and their yi/vi are metafor's escalc
    assert [s["id"] for s in model["studies"]] == ids
    for i, s in enumerate(model["studies"]):
        close(s["yi"], case["yi"][i], "closed_form", f"yi[{i}]", problems)
        close(s["vi"], case["vi"][i], "closed_form", f"vi[{i}]", problems)
    tested = model["statistic"] is not None

    loo = out["leave_one_out"]
    assert [r["omitted"] for r in loo] == ids
    for i, (row, want) in enumerate(
        zip(loo, expected_refits(case, case["leave1out"]), strict=True)
    ):
        assert list(row) == LOO_KEYS and list(row["model_scale"]) == SCALE_KEYS
        assert list(row["heterogeneity"]) == HET_KEYS
        compare_refit(row, want, measure, kind_, tested, f"leave_one_out[{i}]", problems, pi=True)

    cum = out["cumulative"]
    assert list(cum) == ["order", "steps"] and cum["order"] == order
    assert [s["added"] for s in cum["steps"]] == [ids[j] for j in case["order"]]
    for j, (row, want) in enumerate(
        zip(cum["steps"], expected_refits(case, case["cumul"]), strict=True)
    ):
        assert list(row) == STEP_KEYS and list(row["model_scale"]) == SCALE_KEYS
        compare_refit(row, want, measure, kind_, tested, f"cumulative[{j}]", problems, pi=False)

    ref = case["influence"]
    for i, row in enumerate(out["influence"]):
        assert list(row) == INFLUENCE_KEYS and row["id"] == ids[i]
        for f, r in INFLUENCE.items():
            want = ref[r][i]
            if f == "tau2_deleted" and (method == "FE" or k == 2):
                want = None
            if f == "Q_deleted" and k == 2:
                want = None
            close(row[f], want, kind_, f"influence[{i}].{f}", problems)
        if row["influential"] is not ref["is_infl"][i]:
            problems.append(f"influence[{i}].influential {row['influential']}")
    for i, row in enumerate(out["baujat"]):
        assert list(row) == BAUJAT_KEYS and row["id"] == ids[i]
        for f in ("x", "y"):
            close(row[f], case["baujat"][f][i], kind_, f"baujat[{i}].{f}", problems)
    assert not problems, f"{case['id']}: {problems}\n{case['r_calls']}"


@pytest.mark.parametrize("name", ["bcg-RR", "pritz1997-PLO", "hackshaw1998-OR", "k2-RR"])
@pytest.mark.parametrize("sort", [None, "year", "estimate", "listed"])
def test_model_is_the_pool_object_in_pools_order(
    name: str, sort: str | None, folders: dict[str, Path]
) -> None:
    """The model is `synth pool`'s object with the same --sort (default year), and the
    per-study rows follow it; the numbers do not depend on the order."""
    outcome, measure, _ = DATASETS[name]
    args = [
        "--outcome",
        outcome,
        "--measure",
        measure,
        "--method",
        "DL",
        "--ci",
        "hksj",
        "--format",
        "json",
        "--studies",
        str(folders[name]),
        *(["--sort", sort] if sort else []),
    ]
    code, pooled, err = cli("pool", *args)
    assert code == 0, err
    code, out, err = cli("sensitivity", *args)
    assert code == 0, err
    res = strict_json(out)
    assert res["model"] == strict_json(pooled)
    rows = [key(s) for s in res["model"]["studies"]]
    assert [key(r, "omitted") for r in res["leave_one_out"]] == rows
    assert [key(r) for r in res["influence"]] == rows
    assert [key(r) for r in res["baujat"]] == rows
    code, listed, err = (
        cli("sensitivity", *args[:-2], "--sort", "listed")
        if sort
        else cli("sensitivity", *args, "--sort", "listed")
    )
    assert code == 0, err
    listed_rows = [key(s) for s in strict_json(listed)["model"]["studies"]]
    again = as_listed(res, listed_rows)
    assert again == strict_json(listed)  # the same numbers to the last digit


def test_orders(folders: dict[str, Path]) -> None:
    """year: ascending, ties as listed; precision: vi ascending, ties as listed; listed."""
    from synthesis.analyses.sensitivity import cumulative

    def steps(order: str) -> list[str]:
        code, out, err = cli(
            "sensitivity",
            "--outcome",
            "LC",
            "--measure",
            "GEN",
            "--order",
            order,
            "--format",
            "json",
            "--studies",
            str(folders["hackshaw1998-OR"]),
        )
        assert code == 0, err
        return strict_json(out)

    ids = [r["id"] for r in records("hackshaw1998-OR")]
    years = [r["year"] for r in records("hackshaw1998-OR")]
    vi = [r["outcomes"][0]["se"] ** 2 for r in records("hackshaw1998-OR")]
    by_year = sorted(range(len(ids)), key=lambda i: (years[i], i))
    by_precision = sorted(range(len(ids)), key=lambda i: (vi[i], i))
    for order, want in (
        ("year", by_year),
        ("precision", by_precision),
        ("listed", list(range(len(ids)))),
    ):
        out = steps(order)
        assert [s["added"] for s in out["cumulative"]["steps"]] == [ids[i] for i in want]
        study = {s["id"]: s for s in out["model"]["studies"]}  # by id: rows are by year
        core = cumulative(
            yi=[study[i]["yi"] for i in ids],
            vi=[study[i]["vi"] for i in ids],
            order=want,
        )
        got = [s["model_scale"]["estimate"] for s in out["cumulative"]["steps"]]
        assert got == [s.estimate for s in core.steps]
    # ties: the 1987 studies enter in their listed order
    tied = [ids[i] for i in range(len(ids)) if years[i] == 1987]
    added = [s["added"] for s in steps("year")["cumulative"]["steps"]]
    assert [a for a in added if a in tied] == tied


# --------------------------------------------------------------------------- bundled review


@pytest.mark.parametrize("case", BUNDLED, ids=[c["name"] for c in BUNDLED])
def test_bundled_review_matches_metafor(case: dict) -> None:
    code, out, err = cli(
        "sensitivity",
        "--outcome",
        "ORR",
        "--method",
        case["method"],
        "--ci",
        case["ci"],
        "--order",
        case["order"],
        "--format",
        "json",
        "--studies",
        STUDIES,
    )
    assert code == 0, err
    res = strict_json(out)
    kind_ = kind(case["method"])
    problems: list[str] = []
    # rows by year (synth pool's default); metafor's in the listed order: match by id
    assert [key(s) for s in res["model"]["studies"]] == [
        ("cityofhope2022-blina", "all"),
        ("chictr2400086092-ankl", "all"),
        ("yoon2025-ankl", "lasp"),
        ("yoon2025-ankl", "other"),
    ]
    res = as_listed(res, [key(s) for s in pool_json("--sort", "listed")["studies"]])
    assert [s["data"] for s in res["model"]["studies"]] == [
        "5/6",
        "84/132 (from 64%)",
        "14/30 (from 46.7%)",
        "3/14 (from 21.4%)",
    ]
    for i, s in enumerate(res["model"]["studies"]):
        close(s["yi"], case["yi"][i], "closed_form", f"yi[{i}]", problems)
    ref = case["leave1out"]
    tested = res["model"]["statistic"] is not None
    for i, row in enumerate(res["leave_one_out"]):
        for ours, theirs in (
            ("estimate", "pred"),
            ("ci_low", "pred_ci_lb"),
            ("ci_high", "pred_ci_ub"),
            ("pi_low", "pred_pi_lb"),
            ("pi_high", "pred_pi_ub"),
        ):
            close(row[ours], ref[theirs][i], kind_, f"loo[{i}].{ours}", problems)
        for ours, theirs in (
            ("estimate", "estimate"),
            ("se", "se"),
            ("ci_low", "ci_lb"),
            ("ci_high", "ci_ub"),
        ):
            close(row["model_scale"][ours], ref[theirs][i], kind_, f"loo[{i}].ms.{ours}", problems)
        close(row["statistic"], ref["stat"][i] if tested else None, kind_, "stat", problems)
        close(row["p_value"], ref["pval"][i] if tested else None, kind_, "p", problems)
        for f, r in (("tau2", "tau2"), ("I2", "I2"), ("H2", "H2"), ("Q", "Q"), ("Q_p", "Qp")):
            close(row["heterogeneity"][f], ref[r][i], kind_, f"loo[{i}].{f}", problems)
    cu = case["cumul"]
    steps = res["cumulative"]["steps"]
    ids = [s["id"] for s in res["model"]["studies"]]
    arms = [s["arm"] for s in res["model"]["studies"]]
    assert [(s["added"], s["arm"]) for s in steps] == [
        (ids[j], arms[j]) for j in case["cumul_order"]
    ]
    for j, step in enumerate(steps):
        for ours, theirs in (
            ("estimate", "pred"),
            ("ci_low", "pred_ci_lb"),
            ("ci_high", "pred_ci_ub"),
        ):
            close(step[ours], cu[theirs][j], kind_, f"cum[{j}].{ours}", problems)
        if step["k"] >= 2:
            for f, r in (("tau2", "tau2"), ("I2", "I2"), ("Q", "Q")):
                close(step["heterogeneity"][f], cu[r][j], kind_, f"cum[{j}].{f}", problems)
    inf = case["influence"]
    for i, row in enumerate(res["influence"]):
        for f, r in INFLUENCE.items():
            close(row[f], inf[r][i], kind_, f"influence[{i}].{f}", problems)
        assert row["influential"] is inf["is_infl"][i]
    for i, row in enumerate(res["baujat"]):
        close(row["x"], case["baujat"]["x"][i], kind_, "baujat.x", problems)
        close(row["y"], case["baujat"]["y"][i], kind_, "baujat.y", problems)
    assert not problems, f"{case['name']}: {problems}\n{case['r_calls']}"


def test_bundled_review_table_flags_the_influential_study() -> None:
    code, out, err = cli("sensitivity", "--outcome", "ORR", "--studies", STUDIES)
    assert code == 0, err
    ref = BUNDLED[0]  # REML, Wald, by year: as the command's defaults
    assert (ref["method"], ref["ci"], ref["order"]) == ("REML", "wald", "year")
    listed = [  # metafor's rows
        "Rux-P-Gemox pilot 2025",
        "City of Hope 2022",
        "Yoon 2025 (L-ASNase-based)",
        "Yoon 2025 (non-L-ASNase)",
    ]
    flagged = dict(zip(listed, ref["influence"]["is_infl"], strict=True))
    lines = out.splitlines()
    start = lines.index("Influence diagnostics (* = influential)")
    table = lines[start + 3 : start + 3 + len(listed)]
    by_year = [listed[i] for i in (1, 0, 2, 3)]  # synth pool's order
    for label, line in zip(by_year, table, strict=True):
        assert line.startswith(label)
        assert line.endswith("yes *") is flagged[label]
    assert "Leave-one-out: the model without each study" in lines
    assert "Cumulative meta-analysis, by publication year (ties as listed)" in lines
    assert "Baujat plot coordinates" in lines
    assert "Proportions have no value of no effect" in out


def test_formats_md_and_csv() -> None:
    code, md, _ = cli("sensitivity", "--outcome", "ORR", "--format", "md", "--studies", STUDIES)
    assert code == 0
    assert "**Leave-one-out: the model without each study**" in md
    assert "| study omitted | k | estimate |" in md
    code, text, _ = cli("sensitivity", "--outcome", "ORR", "--format", "csv", "--studies", STUDIES)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [  # synth pool's order: by year
        "cityofhope2022-blina",
        "chictr2400086092-ankl",
        "yoon2025-ankl",
        "yoon2025-ankl",
    ]
    code, out, _ = cli("sensitivity", "--outcome", "ORR", "--format", "json", "--studies", STUDIES)
    res = strict_json(out)
    for row, loo, inf in zip(rows, res["leave_one_out"], res["influence"], strict=True):
        assert float(row["loo_estimate"]) == loo["estimate"]  # full precision
        assert float(row["dffits"]) == inf["dffits"]
        assert row["influential"] == str(inf["influential"])
    assert rows[0]["cumulative_pi_low"] == ""  # City of Hope: step 1 (k = 1), no PI


# --------------------------------------------------------------------------- errors


def test_by_is_refused() -> None:
    code, out, err = cli("sensitivity", "--outcome", "ORR", "--by", "disease", "--studies", STUDIES)
    assert (code, out) == (2, "")
    assert err == (
        "synth: error: --by does not apply to synth sensitivity: the analyses refit one model "
        "of the whole outcome; use --where TAG=VALUE to analyse one subgroup\n"
    )


def test_glmm_is_refused() -> None:
    code, out, err = cli(
        "sensitivity", "--outcome", "ORR", "--method", "glmm", "--studies", STUDIES
    )
    assert (code, out) == (2, "")
    assert err == (
        "synth: error: --method GLMM: leave-one-out, influence and cumulative analyses are "
        "defined for inverse-variance models (metafor's leave1out, influence and cumul have no "
        "GLMM method); rerun with --method ML, the closest inverse-variance model on the logit "
        "scale, or the default REML\n"
    )


def test_medians_are_refused() -> None:
    code, out, err = cli("sensitivity", "--outcome", "OS", "--measure", "MED", "--studies", STUDIES)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == (
        "synth: error: OS as MED: sensitivity analyses refit an inverse-variance model and need "
        "each study's variance, which pooled medians do not have; use a measure with variances, "
        "e.g. --measure HR when the studies report hazard ratios"
    )
    assert "Traceback" not in err


def test_unknown_outcome_and_order() -> None:
    code, _, err = cli("sensitivity", "--outcome", "XYZ", "--studies", STUDIES)
    assert code == 2 and err.startswith("synth: error: no study reports outcome 'XYZ'")
    code, _, err = cli("sensitivity", "--outcome", "ORR", "--order", "size", "--studies", STUDIES)
    assert code == 2 and "--order" in err


def test_help_has_examples() -> None:
    code, out, _ = cli("sensitivity", "--help")
    assert code == 0
    assert "Examples:" in out and "synth sensitivity --outcome ORR --order precision" in out
    for option in (
        "--order",
        "--format",
        "--plot",
        "--force",
        "--measure",
        "--method",
        "--ci",
        "--level",
        "--where",
        "--studies",
    ):
        assert option in out


def test_cli_orders_are_the_library_orders() -> None:
    from synthesis.cli import sensitivity as command

    from synthesis.analyses.sensitivity import ORDERS

    assert command.ORDERS == ORDERS


def test_cli_sorts_are_the_library_sorts() -> None:
    """--sort of sensitivity and regress (cli/common.py) is synthesis.analyses.order's."""
    from synthesis.cli import common

    from synthesis.analyses.order import DEFAULT_SORT, SORTS

    assert common.SORTS == SORTS
    for command in ("sensitivity", "regress"):
        option = next(p for p in main.commands[command].params if p.name == "sort")
        assert list(option.type.choices) == list(SORTS) and option.default == DEFAULT_SORT


# --------------------------------------------------------------------------- small inputs


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("method", ["REML", "FE", "PM"])
@pytest.mark.parametrize("ci", ["wald", "hksj"])
def test_k1_and_k2_no_nan_no_traceback(k: int, method: str, ci: str, tmp_path: Path) -> None:
    write_records(tmp_path, records("bcg-RR")[:k])
    code, out, err = cli(
        "sensitivity",
        "--outcome",
        "TB",
        "--measure",
        "RR",
        "--method",
        method,
        "--ci",
        ci,
        "--format",
        "json",
        "--studies",
        str(tmp_path),
    )
    assert code == 0, err
    res = strict_json(out)
    assert res["k"] == k and len(res["leave_one_out"]) == k and len(res["influence"]) == k
    assert res["warnings"]
    if k == 1:
        row = res["leave_one_out"][0]
        assert row["k"] == 0 and row["estimate"] is None and row["ci_low"] is None
        assert res["influence"][0]["rstudent"] is None
        assert res["baujat"][0] == {"id": "bcg01-aronson", "arm": None, "x": None, "y": None}
        assert any("at least 2 studies" in w for w in res["warnings"])
        assert res["cumulative"]["steps"][0]["k"] == 1
    else:
        assert all(r["k"] == 1 and r["pi_low"] is None for r in res["leave_one_out"])
    for fmt in ("table", "md", "csv"):
        code, _, err = cli(
            "sensitivity",
            "--outcome",
            "TB",
            "--measure",
            "RR",
            "--method",
            method,
            "--ci",
            ci,
            "--format",
            fmt,
            "--studies",
            str(tmp_path),
        )
        assert code == 0, err


def test_non_converging_refit_is_reported(monkeypatch, tmp_path: Path) -> None:
    """A refit whose tau2 does not converge: a warning naming the study, null values."""
    import synthesis.analyses.sensitivity as sens

    real = sens.fit_batch

    def failing(*args, **kwargs):
        b = real(*args, **kwargs)
        converged = np.array(b.converged, dtype=bool).copy()
        converged[0] = False
        estimate = np.array(b.estimate, dtype=float).copy()
        estimate[0] = np.nan
        return replace(b, converged=converged, estimate=estimate)

    monkeypatch.setattr(sens, "fit_batch", failing)
    write_records(tmp_path, records("bcg-RR"))
    plot = tmp_path / "out.png"
    code, out, err = cli(
        "sensitivity",
        "--outcome",
        "TB",
        "--measure",
        "RR",
        "--format",
        "json",
        "--plot",
        str(plot),
        "--studies",
        str(tmp_path),
    )
    assert code == 0, err
    res = strict_json(out)
    assert res["leave_one_out"][0]["estimate"] is None
    assert "REML estimator of tau2 did not converge (omitting bcg01-aronson)" in res["warnings"]
    assert "synth: warning: REML estimator of tau2 did not converge (omitting bcg01-aronson)" in err
    assert plot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    for fmt in ("table", "md", "csv"):
        code, _, err = cli(
            "sensitivity",
            "--outcome",
            "TB",
            "--measure",
            "RR",
            "--format",
            fmt,
            "--studies",
            str(tmp_path),
        )
        assert code == 0, err


# --------------------------------------------------------------------------- plots


MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".svg": b"<?xml", ".pdf": b"%PDF-"}


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plot_files_are_valid_and_never_overwritten(suffix: str, tmp_path: Path) -> None:
    target = tmp_path / f"orr{suffix}"
    code, out, err = cli(
        "sensitivity",
        "--outcome",
        "ORR",
        "--format",
        "json",
        "--plot",
        str(target),
        "--studies",
        STUDIES,
    )
    assert code == 0, err
    strict_json(out)  # stdout stays pure JSON
    data = target.read_bytes()
    assert data.startswith(MAGIC[suffix])
    if suffix == ".png":
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width > 1000 and height > width
    if suffix == ".svg":
        assert b"<svg" in data and b"</svg>" in data
    if suffix == ".pdf":
        assert data.rstrip().endswith(b"%%EOF")
    assert f"synth: wrote {target} (ORR, k = 4, " in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary left

    target.write_bytes(b"keep me")
    code, out, err = cli(
        "sensitivity", "--outcome", "ORR", "--plot", str(target), "--studies", STUDIES
    )
    assert (code, out) == (2, "")
    assert err == f"synth: error: {target}: already exists; use --force to overwrite it\n"
    assert target.read_bytes() == b"keep me"
    code, _, err = cli(
        "sensitivity", "--outcome", "ORR", "--plot", str(target), "--force", "--studies", STUDIES
    )
    assert code == 0, err
    assert target.read_bytes().startswith(MAGIC[suffix])


def test_plot_bad_suffix_and_folder(tmp_path: Path) -> None:
    bad = tmp_path / "orr.txt"
    code, out, err = cli(
        "sensitivity", "--outcome", "ORR", "--plot", str(bad), "--studies", STUDIES
    )
    assert (code, out) == (2, "")
    assert err == (
        f"synth: error: "
        f"{bad}: unknown plot format '.txt'; end the file name with .png, .svg or .pdf\n"
    )
    missing = tmp_path / "nope" / "orr.png"
    code, out, err = cli(
        "sensitivity", "--outcome", "ORR", "--plot", str(missing), "--studies", STUDIES
    )
    assert (code, out) == (2, "")
    assert err == (
        f"synth: error: cannot write {missing}: folder {missing.parent} does not exist; "
        f"create it first (mkdir -p {missing.parent}) or give another folder\n"
    )
    assert not bad.exists()


def test_plot_k1(tmp_path: Path) -> None:
    write_records(tmp_path / "s", records("bcg-RR")[:1])
    target = tmp_path / "k1.png"
    code, _, err = cli(
        "sensitivity",
        "--outcome",
        "TB",
        "--measure",
        "RR",
        "--plot",
        str(target),
        "--studies",
        str(tmp_path / "s"),
    )
    assert code == 0, err
    assert target.read_bytes().startswith(MAGIC[".png"])


def test_panels_as_data() -> None:
    """The forest panels hold what the plot shows: one row per study, the full model."""
    from synthesis.analyses.pool import pool
    from synthesis.analyses.sensitivity import sensitivity_of
    from synthesis.plots.sensitivity import baujat_panel, cumulative_panel, leave_one_out_panel

    res = sensitivity_of(pool(outcome="ORR", studies=STUDIES))
    loo = leave_one_out_panel(res)
    assert [r.kind for r in loo.rows] == ["refit"] * 4 + ["blank", "pooled"]
    assert [r.x for r in loo.rows[:4]] == [r["estimate"] for r in res.leave_one_out_rows()]
    assert loo.rows[-1].x == res.model.estimate and loo.reference[0] == res.model.estimate
    assert [r.influential for r in loo.rows[:4]] == BUNDLED[0]["influence"]["is_infl"]
    assert loo.scale == "linear" and loo.null_line is None
    cum = cumulative_panel(res)
    assert (cum.xlim, cum.ticks) == (loo.xlim, loo.ticks)  # one axis for both panels
    shown = [r.x for r in (*loo.rows, *cum.rows) if r.x is not None]
    assert 0.0 <= loo.xlim[0] <= min(shown) and max(shown) <= loo.xlim[1] <= 1.0
    assert [r.x for r in cum.rows] == [s["estimate"] for s in res.cumulative_steps()]
    assert cum.rows[0].label == "City of Hope 2022"  # 2022 first, by year
    bj = baujat_panel(res)
    assert list(bj.x) == [p["x"] for p in res.baujat_rows()]


# --------------------------------------------------------------------------- containment


CONTAINMENT = textwrap.dedent(
    """
    import json, sys, warnings
    import numpy as np
    import matplotlib
    import matplotlib.figure
    import matplotlib.backends.backend_agg
    import pandas

    def snapshot():
        rc = {k: repr(v) for k, v in dict.items(matplotlib.rcParams) if k != "backend"}
        pyplot = sys.modules.get("matplotlib.pyplot")
        return {
            "filters": [repr(f) for f in warnings.filters],
            "showwarning": repr(warnings.showwarning),
            "geterr": np.geterr(),
            "geterrcall": repr(np.geterrcall()),
            "rc": rc,
            "backend": repr(matplotlib.rcParams._get_backend_or_none()),
            "pyplot_figures": pyplot.get_fignums() if pyplot else [],
        }

    def diff(a, b):
        out = []
        for key in a:
            if key == "rc":
                out += [f"rc[{k}]" for k in a["rc"] if a["rc"][k] != b["rc"].get(k)]
            elif a[key] != b[key]:
                out.append(key)
        return out

    # the comparison sees each change forestplot makes on import
    base = snapshot()
    checks = {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        checks["filters"] = diff(base, snapshot())
    old = np.seterr(all="ignore")
    checks["geterr"] = diff(base, snapshot())
    np.seterr(**old)
    with matplotlib.rc_context({"font.monospace": ["Courier New"]}):
        checks["rc"] = diff(base, snapshot())

    before = snapshot()
    from synthesis.plots.forestplot_safe import load_forestplot
    fp = load_forestplot()
    after_import = snapshot()

    from synthesis.analyses.pool import pool
    from synthesis.analyses.sensitivity import sensitivity_of
    from synthesis.plots.sensitivity import sensitivity_image
    res = sensitivity_of(pool(outcome="ORR", studies=sys.argv[1]))
    image = sensitivity_image(res, fmt="png", dpi=50)
    after_draw = snapshot()
    print(json.dumps({
        "checks": checks,
        "imported": "forestplot" in sys.modules and fp is sys.modules["forestplot"],
        "pyplot_imported": "matplotlib.pyplot" in sys.modules,
        "import_diff": diff(before, after_import),
        "draw_diff": diff(before, after_draw),
        "png": image.data[:4].hex(),
    }))
    """
)


def test_forestplot_import_and_drawing_leave_the_process_state_alone() -> None:
    run = subprocess.run(
        [sys.executable, "-c", CONTAINMENT, STUDIES],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    # the snapshot comparison detects each kind of change forestplot makes on import
    assert out["checks"] == {
        "filters": ["filters"],
        "geterr": ["geterr"],
        "rc": ["rc[font.monospace]"],
    }
    assert out["imported"] and out["pyplot_imported"]
    assert out["import_diff"] == []
    assert out["draw_diff"] == []  # no pyplot figure left either
    assert out["png"] == "89504e47"


def test_the_cli_imports_nothing_heavy() -> None:
    code = (
        "import sys, synthesis.cli; "
        "heavy = [m for m in ('matplotlib', 'forestplot', 'pandas', 'statsmodels', 'pymare') "
        "if m in sys.modules]; print(heavy)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


# --------------------------------------------------------------------------- report pieces


def test_conclusion_changes_and_html(folders: dict[str, Path]) -> None:
    from synthesis.analyses import sensitivity as analyses
    from synthesis.analyses.pool import pool
    from synthesis.analyses.sensitivity import sensitivity_of
    from synthesis.render.sensitivity import (
        conclusion_changers,
        conclusion_changes,
        sensitivity_html,
    )

    # one implementation, in the analyses layer (analyses.summary may use it), re-exported
    assert conclusion_changes is analyses.conclusion_changes
    # dat.bcg, REML: every RR without one trial stays below 1 with a CI below 1 (metafor)
    bcg = pool(outcome="TB", measure="RR", studies=folders["bcg-RR"])
    ref = next(c for c in CASES if c["id"] == "bcg-RR-REML-wald")["leave1out"]
    assert all(hi < 0 for hi in ref["ci_ub"])
    assert conclusion_changes(bcg) is False
    assert conclusion_changes(sensitivity_of(bcg)) is False
    # k = 2: without either trial, the other's RR; Ferguson's CI (metafor) excludes 1,
    # Aronson's includes it, the pooled CI excludes it: leaving out Ferguson changes it
    two = pool(outcome="TB", measure="RR", studies=folders["k2-RR"])
    ref2 = next(c for c in CASES if c["id"] == "k2-RR-REML-wald")
    assert ref2["leave1out"]["ci_ub"][1] > 0 > ref2["leave1out"]["ci_ub"][0]
    ferguson = records("k2-RR")[1]["id"]
    assert [two.studies[i].id for i in conclusion_changers(two)] == [ferguson]  # by id
    assert conclusion_changes(two) is True
    # no value of no effect (proportions), medians, k = 1: None
    orr = pool(outcome="ORR", studies=STUDIES)
    assert conclusion_changes(orr) is None
    assert conclusion_changes(pool(outcome="OS", measure="MED", studies=STUDIES)) is None
    one = folders["k2-RR"].parent / "one"
    write_records(one, records("bcg-RR")[:1])
    assert conclusion_changes(pool(outcome="TB", measure="RR", studies=one)) is None

    html = sensitivity_html(two)
    assert html.startswith('<div class="sensitivity keep">\n<h3>Sensitivity analyses</h3>')
    assert "The conclusion changes when one study is left out" in html
    assert html.count('<tr class="influential">') == sum(ref2["influence"]["is_infl"])
    assert "<td>All studies</td>" in html
    med = sensitivity_html(pool(outcome="OS", measure="MED", studies=STUDIES))
    assert "<p>Not available: OS as MED: sensitivity analyses refit" in med
    plot = sensitivity_html(orr, plot=True, prefix="o1")
    assert (
        '<figure class="sensitivity">' in plot and 'aria-label="Leave-one-out plot of ORR"' in plot
    )
    assert "<?xml" not in plot


def test_library_refusals_and_json_safety() -> None:
    from synthesis.analyses.pool import pool
    from synthesis.analyses.sensitivity import sensitivity_of
    from synthesis.errors import SynthError

    with pytest.raises(SynthError, match=r"not subgroups \(--by\)"):
        sensitivity_of(pool(outcome="ORR", by="disease", studies=STUDIES))
    with pytest.raises(SynthError, match="--method GLMM"):
        sensitivity_of(pool(outcome="ORR", method="GLMM", studies=STUDIES))
    with pytest.raises(SynthError, match="--order size: use one of year, precision, listed"):
        sensitivity_of(pool(outcome="ORR", studies=STUDIES), order="size")
    res = sensitivity_of(pool(outcome="ORR", studies=STUDIES), order="precision")
    json.dumps(res.to_dict(), allow_nan=False)
    # the first cumulative steps (k = 1, 2) always lack a PI and heterogeneity: no warning
    assert res.cumulative_steps()[0]["heterogeneity"]["I2"] is None
    # a proportion without --null has no test (as pool): the one warning says so
    assert res.warnings == (
        "PLO has no value of no effect: statistic and p_value of the refits are null, as for "
        "the pooled model",
    )
    hksj = sensitivity_of(pool(outcome="ORR", ci="hksj", studies=STUDIES))
    assert hksj.warnings == (
        "HKSJ is undefined for k = 1; Wald (z) interval used (up to cityofhope2022-blina)",
        "PLO has no value of no effect: statistic and p_value of the refits are null, as for "
        "the pooled model",
    )
    frame = res.to_frame()
    assert frame.shape[0] == 4 and "loo_estimate" in frame and "cumulative_step" in frame
    assert sorted(frame["cumulative_step"]) == [1, 2, 3, 4]
    assert not any(
        isinstance(v, float) and math.isnan(v) for r in res.records() for v in r.values()
    )
