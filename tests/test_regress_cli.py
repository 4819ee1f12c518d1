"""`synth regress` end to end: YAML records -> CLI JSON, against metafor 3.8.

Reference values: tests/reference/regression_reference.json, made by
tests/reference/regression_reference.R (every case records its R calls). The 13 BCG
trials of dat.bcg (Colditz et al. 1994) are written here as study records with two arms
(vaccine: experimental, control: control), their counts and the tags ``ablat``,
``alloc`` and ``noise`` (trial %% 3, the reference's "moderator that explains nothing");
``--measure RR`` recomputes metafor's ``escalc(measure = "RR")`` from the counts (checked
against the reference's yi/vi first). dat.bangertdrowns2004 enters as generic estimates
(yi with se = sqrt(vi)) with tags ``length`` (missing for two studies), ``grade`` and
``meta``. Every number is compared with tests/tolerances.py's tolerances; exact
permutation p values are compared digit for digit (as counts over the arrangements).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthesis.cli import main

from synthesis.analyses.regress import (
    PERMUTATION_CHUNK,
    parse_mods,
    parse_number,
    regress,
)
from synthesis.errors import SynthError
from synthesis.models.core import ITERATIVE_METHODS, METHODS
from synthesis.models.regression import EXACT_LIMIT, permutation_test
from synthesis.records.review import load_review
from tests.tolerances import tol

REF = json.loads((Path(__file__).parent / "reference" / "regression_reference.json").read_text())
CASES = {c["id"]: c for c in REF["cases"]}
PERMS = {p["id"]: p for p in REF["permutation_tests"]}
CIS = ("wald", "hksj")

# dat.bcg (metafor 3.8 / metadat): trial, author, year, tpos, tneg, cpos, cneg, ablat, alloc
BCG = (
    (1, "Aronson", 1948, 4, 119, 11, 128, 44, "random"),
    (2, "Ferguson & Simes", 1949, 6, 300, 29, 274, 55, "random"),
    (3, "Rosenthal et al", 1960, 3, 228, 11, 209, 42, "random"),
    (4, "Hart & Sutherland", 1977, 62, 13536, 248, 12619, 52, "random"),
    (5, "Frimodt-Moller et al", 1973, 33, 5036, 47, 5761, 13, "alternate"),
    (6, "Stein & Aronson", 1953, 180, 1361, 372, 1079, 44, "alternate"),
    (7, "Vandiviere et al", 1973, 8, 2537, 10, 619, 19, "random"),
    (8, "TPT Madras", 1980, 505, 87886, 499, 87892, 13, "random"),
    (9, "Coetzee & Berjak", 1968, 29, 7470, 45, 7232, 27, "random"),
    (10, "Rosenthal et al", 1961, 17, 1699, 65, 1600, 42, "systematic"),
    (11, "Comstock et al", 1974, 186, 50448, 141, 27197, 18, "systematic"),
    (12, "Comstock & Webster", 1969, 5, 2493, 3, 2338, 33, "systematic"),
    (13, "Comstock et al", 1976, 27, 16886, 29, 17825, 33, "systematic"),
)

CONTRACT_KEYS = [
    "outcome", "measure", "method", "ci_method", "level", "k", "coefficients",
    "moderator_test", "residual_heterogeneity", "R2", "permutations", "studies", "warnings",
]  # fmt: skip
COEF_KEYS = [
    "term", "estimate", "se", "statistic", "p_value", "ci_low", "ci_high", "permutation_p"
]  # fmt: skip
MODTEST_KEYS = ["statistic", "df", "df2", "p_value", "permutation_p"]
HET_KEYS = ["tau2", "I2", "H2", "Q", "Q_df", "Q_p"]
STUDY_KEYS = ["id", "arm", "yi", "vi", "moderators", "fitted", "residual"]


def bcg_record(trial: int, extra_tags: str = "") -> str:
    t, author, year, a, b, c, d, ablat, alloc = BCG[trial - 1]
    return (
        f"id: bcg{t:02d}\n"
        f'citation: "{author} {year} (dat.bcg trial {t})"\n'
        f"year: {year}\n"
        f"tags: {{ablat: {ablat}, alloc: {alloc}, noise: {t % 3}{extra_tags}}}\n"
        "arms:\n"
        f"  - {{id: vaccine, n: {a + b}, role: experimental}}\n"
        f"  - {{id: control, n: {c + d}, role: control}}\n"
        "outcomes:\n"
        f"  - {{name: TB, arm: vaccine, events: {a}, total: {a + b}}}\n"
        f"  - {{name: TB, arm: control, events: {c}, total: {c + d}}}\n"
    )


def write_bcg(folder: Path, trials=range(1, 14)) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for t in trials:
        (folder / f"bcg{t:02d}.yaml").write_text(bcg_record(t))
    return str(folder)


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("regress")
    out = {
        "bcg": write_bcg(root / "bcg"),
        "bcg4": write_bcg(root / "bcg4", range(1, 5)),
        "bcg6": write_bcg(root / "bcg6", range(1, 7)),
        "bcg7": write_bcg(root / "bcg7", range(1, 8)),
        "bcg8": write_bcg(root / "bcg8", range(1, 9)),
    }
    # dat.bangertdrowns2004 as generic estimates; a tag is left out where metafor has NA
    bd = CASES["bangertdrowns-length-grade-REML-wald"]
    folder = root / "bd"
    folder.mkdir()
    cols = bd["columns"]
    for i, (y, v) in enumerate(zip(bd["yi_all"], bd["vi_all"], strict=True)):
        tags = [f"{name}: {cols[name][i]}" for name in cols if cols[name][i] is not None]
        (folder / f"bd{i + 1:02d}.yaml").write_text(
            f"id: bd{i + 1:02d}\n"
            f'citation: "dat.bangertdrowns2004 study {i + 1}"\n'
            "year: 2004\n"
            f"tags: {{{', '.join(tags)}}}\n"
            "outcomes:\n"
            f"  - {{name: achievement, estimate: {y!r}, se: {math.sqrt(v)!r}, scale: SMD}}\n"
        )
    out["bd"] = str(folder)
    return out


def run(studies: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["regress", "--studies", studies, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def no_nan(text: str) -> dict:
    def bad(name: str):
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=bad)


def bcg_json(dirs: dict[str, str], *args: str, subset: str = "bcg") -> dict:
    code, out, err = run(dirs[subset], "--outcome", "TB", "--measure", "RR", *args,
                         "--format", "json")  # fmt: skip
    assert code == 0, err
    return no_nan(out)


def kind(method: str) -> str:
    return "iterative" if method in ITERATIVE_METHODS else "closed_form"


def close(got, want, kind_: str) -> bool:
    t = tol(kind_)
    return bool(np.allclose(np.asarray(got, float), np.asarray(want, float), rtol=t.rtol,
                            atol=t.atol))  # fmt: skip


# --------------------------------------------------------------------------- records


def test_the_records_give_metafors_effect_sizes(dirs: dict[str, str]) -> None:
    ref = CASES["bcg-intercept-REML-wald"]
    out = bcg_json(dirs, "--sort", "listed")
    assert [s["id"] for s in out["studies"]] == [f"bcg{t:02d}" for t in range(1, 14)]
    assert close([s["yi"] for s in out["studies"]], ref["yi_all"], "closed_form")
    assert close([s["vi"] for s in out["studies"]], ref["vi_all"], "closed_form")


# --------------------------------------------------------------------------- the grid

# (reference model, --mods as given to synth, data set, synth's term names)
ALLOC = ["alloc=random", "alloc=systematic"]
MODELS = (
    ("bcg-intercept", None, "bcg", []),
    ("bcg-ablat", "ablat", "bcg", ["ablat"]),
    ("bcg-ablat-year", "ablat,year", "bcg", ["ablat", "year"]),
    ("bcg-alloc", "alloc", "bcg", ALLOC),
    ("bcg-alloc", "factor(alloc)", "bcg", ALLOC),
    ("bcg-ablat-alloc", "ablat,alloc", "bcg", ["ablat", *ALLOC]),
    ("bcg-noise", "noise", "bcg", ["noise"]),
    ("bcg4-ablat", "ablat", "bcg4", ["ablat"]),
)
GRID = [
    (m, mods, d, terms, meth, ci) for m, mods, d, terms in MODELS for meth in METHODS for ci in CIS
]


def compare(out: dict, c: dict) -> list[str]:
    """Differences between the CLI's JSON and metafor's case (empty when they agree)."""
    k_ = kind(c["method"])
    knha = c["metafor_test"] == "knha"
    problems: list[str] = []

    def check(name: str, got, want) -> None:
        if want is None:
            if got is not None:
                problems.append(f"{name}: got {got}, want null")
        elif got is None or (isinstance(got, list) and None in got) or not close(got, want, k_):
            problems.append(f"{name}: got {got}, want {want}")

    coefs = out["coefficients"]
    check("b", [x["estimate"] for x in coefs], c["b"])
    check("se", [x["se"] for x in coefs], c["se"])
    check("statistic", [x["statistic"] for x in coefs], c["tval"] if knha else c["zval"])
    check("p", [x["p_value"] for x in coefs], c["pval"])
    check("ci_low", [x["ci_low"] for x in coefs], c["ci_lb"])
    check("ci_high", [x["ci_high"] for x in coefs], c["ci_ub"])
    mt = out["moderator_test"]
    check("QM", mt["statistic"], c["QM"])
    check("QMp", mt["p_value"], c["QMp"])
    if (mt["df"], mt["df2"]) != (c["QM_df"], c["QM_df2"]):
        problems.append(f"QM df: got {mt['df'], mt['df2']}, want {c['QM_df'], c['QM_df2']}")
    h = out["residual_heterogeneity"]
    check("tau2", h["tau2"], None if c["method"] == "FE" else c["tau2"])
    check("I2", h["I2"], c["I2"])
    check("H2", h["H2"], c["H2"])
    check("QE", h["Q"], c["QE"])
    check("QEp", h["Q_p"], c["QEp"])
    if h["Q_df"] != c["QE_df"]:
        problems.append(f"QE df: got {h['Q_df']}, want {c['QE_df']}")
    check("R2", out["R2"], c["R2"])
    # metafor's rows are in the listed order, synth's in synth pool's (by year): by study id
    # (the records' ids sort in the listed order: bcg01 ..., bd01 ...)
    rows = sorted(out["studies"], key=lambda s: s["id"])
    check("fitted", [s["fitted"] for s in rows], c["fitted"])
    check("residual", [s["residual"] for s in rows], c["residuals"])
    if out["k"] != c["k"]:
        problems.append(f"k: got {out['k']}, want {c['k']}")
    return problems


@pytest.mark.parametrize(("model", "mods", "data", "terms", "method", "ci"), GRID)
def test_cli_json_matches_metafor(
    dirs: dict[str, str],
    model: str,
    mods: str | None,
    data: str,
    terms: list[str],
    method: str,
    ci: str,
) -> None:
    c = CASES[f"{model}-{method}-{ci}"]
    args = ["--method", method, "--ci", ci] + (["--mods", mods] if mods else [])
    out = bcg_json(dirs, *args, subset=data)
    assert compare(out, c) == []
    assert [x["term"] for x in out["coefficients"]] == ["intercept", *terms]
    assert len(terms) + 1 == c["p"]
    assert (out["method"], out["ci_method"], out["measure"]) == (method, ci, "RR")


def test_bangertdrowns_drops_the_rows_without_length_and_matches_metafor(
    dirs: dict[str, str],
) -> None:
    for method in ("REML", "DL", "FE"):
        for ci in CIS:
            c = CASES[f"bangertdrowns-length-grade-{method}-{ci}"]
            code, out, err = run(dirs["bd"], "--outcome", "achievement", "--measure", "GEN",
                                 "--mods", "length,factor(grade),meta", "--method", method,
                                 "--ci", ci, "--format", "json")  # fmt: skip
            assert code == 0, err
            d = no_nan(out)
            assert compare(d, c) == []
            assert [x["term"] for x in d["coefficients"]] == [
                "intercept", "length", "grade=2", "grade=3", "grade=4", "meta",
            ]  # fmt: skip
    missing = [f"bd{i + 1:02d}" for i, ok in enumerate(c["not_na"]) if not ok]
    assert missing == ["bd18", "bd19", "bd34", "bd35"]  # metafor's rows with an NA
    warning = (
        "left out of the meta-regression (no value for a moderator): "
        "bd18 (meta), bd19 (meta), bd34 (length), bd35 (length)"
    )
    assert warning in d["warnings"]
    assert f"synth: warning: {warning}" in err
    assert {s["id"] for s in d["studies"]}.isdisjoint(missing)
    assert d["studies"][0]["moderators"] == {"length": 15, "grade": 4, "meta": 1}


def test_json_has_exactly_the_contract_keys(dirs: dict[str, str]) -> None:
    out = bcg_json(dirs, "--mods", "ablat,alloc", "--ci", "hksj")
    assert list(out) == CONTRACT_KEYS
    for c in out["coefficients"]:
        assert list(c) == COEF_KEYS
    assert list(out["moderator_test"]) == MODTEST_KEYS
    assert list(out["residual_heterogeneity"]) == HET_KEYS
    for s in out["studies"]:
        assert list(s) == STUDY_KEYS
    assert out["studies"][0]["moderators"] == {"ablat": 44, "alloc": "random"}
    assert isinstance(out["studies"][0]["moderators"]["ablat"], int)
    assert out["permutations"] is None
    assert out["moderator_test"]["df2"] == 13 - 4
    z = bcg_json(dirs, "--mods", "ablat")
    assert z["moderator_test"]["df2"] is None
    assert z["warnings"] == []


# --------------------------------------------------------------------------- permutations

EXACT = [p for p in PERMS.values() if p["exact"] == "exact=TRUE"]


@pytest.mark.parametrize("case", EXACT, ids=[p["id"] for p in EXACT])
def test_exact_permutation_p_values_equal_metafors(dirs: dict[str, str], case: dict) -> None:
    subset = case["id"].split("-")[1]  # bcg6, bcg7, bcg8
    mods = {"~ ablat": "ablat", "~ factor(alloc)": "alloc", "~ ablat + factor(alloc)":
            "ablat,alloc", None: None}[case["mods"]]  # fmt: skip
    args = ["--method", case["method"], "--ci", case["ci"], "--permutations", "exact"]
    out = bcg_json(dirs, *args, *(["--mods", mods] if mods else []), subset=subset)
    n = case["exact_iter"]
    assert out["permutations"] == {"n": n, "exact": True}
    got = [c["permutation_p"] for c in out["coefficients"]]
    # the same count of arrangements at least as extreme, so the same double
    assert [round(p * n) for p in got] == [round(p * n) for p in case["pval"]]
    assert got == pytest.approx(case["pval"], abs=1e-15)
    qm = out["moderator_test"]["permutation_p"]
    assert round(qm * n) == round(case["QMp"] * n)
    assert qm == pytest.approx(case["QMp"], abs=1e-15)


def test_exact_is_used_when_there_are_no_more_arrangements_than_asked(
    dirs: dict[str, str],
) -> None:
    case = PERMS["exact-bcg6-ablat-REML-wald"]
    out = bcg_json(dirs, "--mods", "ablat", "--permutations", "5000", subset="bcg6")
    assert out["permutations"] == {"n": 360, "exact": True}
    assert [c["permutation_p"] for c in out["coefficients"]] == pytest.approx(case["pval"])
    assert not any("seed" in w for w in out["warnings"])


def test_random_permutations_are_reproducible_and_agree_with_metafor(
    dirs: dict[str, str],
) -> None:
    case = PERMS["random-bcg-ablat-REML-wald"]  # metafor: permutest(iter = 1000)
    a = bcg_json(dirs, "--mods", "ablat", "--permutations", "1000", "--seed", "7")
    b = bcg_json(dirs, "--mods", "ablat", "--permutations", "1000", "--seed", "7")
    assert a == b
    assert a["permutations"] == {"n": 1000, "exact": False}
    for got, want in zip(
        [c["permutation_p"] for c in a["coefficients"]], case["pval"], strict=True
    ):
        se = math.sqrt(max(want * (1 - want), 1e-3) / 1000)  # two independent estimates
        assert abs(got - want) < 5 * math.sqrt(2) * se
    assert a["moderator_test"]["permutation_p"] == a["coefficients"][1]["permutation_p"]


def test_without_a_seed_the_seed_used_is_reported(dirs: dict[str, str]) -> None:
    code, out, err = run(dirs["bcg"], "--outcome", "TB", "--measure", "RR", "--mods", "ablat",
                         "--permutations", "200", "--format", "json")  # fmt: skip
    assert code == 0, err
    d = no_nan(out)
    (note,) = [w for w in d["warnings"] if "seed" in w]
    seed = int(note.split("--seed ")[1].split()[0])
    assert note == (
        f"random permutations without --seed: this run used --seed {seed} "
        "(give it to get the same permutation p values again)"
    )
    again = bcg_json(dirs, "--mods", "ablat", "--permutations", "200", "--seed", str(seed))
    assert again["coefficients"] == d["coefficients"]


def test_intercept_only_permutation_tests_the_pooled_estimate(dirs: dict[str, str]) -> None:
    case = PERMS["exact-bcg8-intercept-REML-wald"]
    out = bcg_json(dirs, "--permutations", "exact", subset="bcg8")
    assert out["permutations"] == {"n": 2**8, "exact": True}
    assert [c["term"] for c in out["coefficients"]] == ["intercept"]
    assert out["coefficients"][0]["permutation_p"] == pytest.approx(case["pval"][0], abs=1e-15)
    assert out["R2"] is None
    assert out["moderator_test"]["df"] == 1  # the test of the intercept, as metafor's QM


def test_the_permutation_stream_does_not_depend_on_the_batch_size() -> None:
    c = CASES["bcg-ablat-REML-wald"]
    y, v, X = np.array(c["yi"]), np.array(c["vi"]), np.column_stack(c["X"])
    for Xm in (X, X[:, :1]):
        names = ["intercept", "ablat"][: Xm.shape[1]]
        runs = [
            permutation_test(yi=y, vi=v, X=Xm, names=names, permutations=3001, seed=11, chunk=chunk)
            for chunk in (PERMUTATION_CHUNK, 1000, 3001, 333)
        ]
        assert len({(r.p_values, r.QM_p) for r in runs}) == 1


def test_progress_is_shown_for_long_tests(
    dirs: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from synthesis.cli import regress as cli_regress

    monkeypatch.setattr(cli_regress._Progress, "DELAY", 0.0)
    monkeypatch.setattr(cli_regress._Progress, "EVERY", 0.0)
    code, _, err = run(dirs["bcg"], "--outcome", "TB", "--measure", "RR", "--mods", "ablat",
                       "--permutations", "4500", "--seed", "1", "--method", "DL")  # fmt: skip
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if "permutation test:" in ln]
    assert [ln.split(" arrangements")[0] for ln in lines] == [
        "synth: permutation test: 2,000 of 4,500",
        "synth: permutation test: 4,000 of 4,500",
        "synth: permutation test: 4,500 of 4,500",
    ]


# --------------------------------------------------------------------------- bad input


def error_of(dirs: dict[str, str], *args: str, subset: str = "bcg") -> str:
    code, out, err = run(dirs[subset], "--outcome", "TB", "--measure", "RR", *args)
    assert code == 2, (code, out, err)
    assert out == ""
    assert "Traceback" not in err
    return err.strip()


def test_bad_input_exact_messages(dirs: dict[str, str]) -> None:
    count = PERMS["count-bcg-ablat"]["exact_iter"]
    assert count == 389188800 > EXACT_LIMIT
    cases = {
        ("--mods", "ablta"): "synth: error: --mods ablta: no study has a tag 'ablta'; did you mean "
        "'ablat'? (moderators: year, n and the tags ablat, alloc, noise)",
        (
            "--mods",
            "region",
        ): "synth: error: --mods region: no study has a tag 'region' (moderators: "
        "year, n and the tags ablat, alloc, noise)",
        ("--mods", "factor(Alloc)"): "synth: error: --mods factor(Alloc): no study has a tag "
        "'Alloc'; did you mean 'alloc'? (moderators: year, n and the tags ablat, alloc, noise)",
        ("--mods", "ablat,ablat"): "synth: error: --mods: ablat is given twice (ablat and ablat); "
        "give it once",
        ("--mods", "ablat,factor(ablat)"): "synth: error: --mods: ablat is given twice (ablat and "
        "factor(ablat)); give it once",
        (
            "--mods",
            "ablat,,year",
        ): "synth: error: --mods 'ablat,,year': an empty moderator; separate "
        "moderators by single commas, e.g. --mods ablat,year",
        (
            "--mods",
            "ablat+year",
        ): "synth: error: --mods ablat+year: not a moderator name; give year, "
        "n, a tag or factor(TAG), e.g. --mods ablat,factor(alloc)",
        (
            "--mods",
            "alloc",
            "--where",
            "alloc=random",
        ): "synth: error: --mods alloc: every study of TB "
        "used has alloc = random; a moderator needs at least two different levels among the "
        "studies (leave it out, or add studies that differ in it)",
        (
            "--mods",
            "ablat,year,alloc",
            "--where",
            "alloc=systematic",
        ): "synth: error: --mods alloc: "
        "every study of TB used has alloc = systematic; a moderator needs at least two "
        "different levels among the studies (leave it out, or add studies that differ in it)",
        ("--mods", "ablat,year,noise", "--where", "alloc=systematic"): "synth: error: --mods "
        "ablat,year,noise: the model has 4 coefficients (intercept, ablat, year, noise) but "
        "only 4 studies of TB have every moderator; a meta-regression needs more studies than "
        "coefficients (at least 5): drop a moderator or add studies",
        (
            "--mods",
            "factor(year),ablat",
        ): "synth: error: --mods factor(year),ablat: the model has 13 "
        "coefficients (intercept, year=1949, year=1953, year=1960, year=1961, year=1968, "
        "year=1969, year=1973, ... (5 more)) but only 13 studies of TB have every moderator; a "
        "meta-regression needs more studies than coefficients (at least 14): drop a moderator "
        "or add studies",
        (
            "--mods",
            "ablat",
            "--permutations",
            "exact",
        ): "synth: error: --permutations exact: the 13 "
        f"studies have {count:,} distinct arrangements of the moderators, more than synth "
        f"enumerates ({EXACT_LIMIT:,}); use random permutations instead, e.g. "
        "--permutations 10000",
        ("--permutations", "exact", "--mods", ""): "synth: error: --mods '': an empty moderator; "
        "separate moderators by single commas, e.g. --mods ablat,year",
        (
            "--mods",
            "ablat",
            "--permutations",
            "1",
        ): "synth: error: --permutations 1: needs at least 2 "
        "permutations (1000 or more for a p value worth reading), or 'exact'",
        ("--mods", "ablat", "--permutations", "many"): "synth: error: --permutations many: give a "
        "number of permutations (e.g. 1000) or 'exact'",
        (
            "--mods",
            "ablat",
            "--method",
            "GLMM",
        ): "synth: error: --method GLMM: meta-regression with "
        "the logistic-normal GLMM is not available; use an inverse-variance estimator of tau² "
        "(REML, DL, PM, ML, HE, SJ, HS, EB or FE), e.g. --method REML",
        (
            "--mods",
            "ablat",
            "--method",
            "WM",
        ): "synth: error: --method WM pools medians, which have "
        "no sampling variances and cannot enter a meta-regression; use an estimator of tau² "
        "such as --method REML",
        (
            "--mods",
            "ablat",
            "--method",
            "XX",
        ): "synth: error: --method XX: use one of REML, DL, PM, ML, HE, SJ, HS, EB, FE",
        ("--mods", "ablat", "--measure", "MED"): "synth: error: --measure MED: medians have no "
        "sampling variances, so they cannot enter a meta-regression; use a measure with "
        "variances (e.g. --measure HR for hazard ratios)",
        (
            "--mods",
            "ablat",
            "--plot",
            "bubble.gif",
        ): "synth: error: --plot bubble.gif: unknown plot "
        "format '.gif'; end the file name with .png, .svg or .pdf",
        (
            "--mods",
            "ablat",
            "--where",
            "allocation=random",
        ): "synth: error: --where allocation=...: "
        "no study has a tag 'allocation'; did you mean 'alloc'? (tags: ablat, alloc, noise)",
    }
    for args, message in cases.items():
        assert error_of(dirs, *args) == message, args
    # a k = 4 exact test of the intercept runs (16 sign flips); the 13 trials' 8192 too
    assert bcg_json(dirs, "--permutations", "exact")["permutations"] == {
        "n": 8192,
        "exact": True,
    }
    # seeds are checked by click
    code, _, err = run(dirs["bcg"], "--outcome", "TB", "--seed", "-1")
    assert code == 2 and "Invalid value for '--seed'" in err


def test_collinear_moderators_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    folder.mkdir()
    for t in range(1, 14):
        ablat, alloc = BCG[t - 1][7], BCG[t - 1][8]
        extra = f", lat2: {2 * ablat + 1}, arm_alloc: {alloc.upper()}, half: {ablat / 2}, dose: 1"
        (folder / f"bcg{t:02d}.yaml").write_text(bcg_record(t, extra))
    base = ["--outcome", "TB", "--measure", "RR", "--mods"]
    want = {
        "ablat,lat2": "synth: error: "
        "--mods: lat2 and ablat are collinear among the 13 studies used "
        "(column lat2 is a linear combination of intercept, ablat); drop one of them",
        "year,half,ablat": "synth: error: "
        "--mods: ablat and half are collinear among the 13 studies "
        "used (column ablat is a linear combination of half); drop one of them",
        "alloc,arm_alloc": "synth: error: --mods: arm_alloc and alloc are collinear among the 13 "
        "studies used (column arm_alloc=RANDOM is a linear combination of alloc=random); drop "
        "one of them",
        "ablat,dose": "synth: error: --mods dose: every study of TB used has dose = 1; a moderator "
        "needs at least two different values among the studies (leave it out, or add studies "
        "that differ in it)",
    }
    for mods, message in want.items():
        code, out, err = run(str(folder), *base, mods)
        assert (code, out, err.strip()) == (2, "", message), mods
    # numbers as YAML gives them come back as numbers: 22.0 is a float, 44 an int
    d = no_nan(run(str(folder), *base, "half", "--format", "json")[1])
    assert d["studies"][0]["moderators"] == {"half": 22.0}
    assert [c["term"] for c in d["coefficients"]] == ["intercept", "half"]


# --------------------------------------------------------------------------- formats


def test_table_md_and_csv_show_the_numbers(dirs: dict[str, str]) -> None:
    c = CASES["bcg-ablat-REML-wald"]
    base = ["--outcome", "TB", "--measure", "RR", "--mods", "ablat"]
    code, table, err = run(dirs["bcg"], *base)
    assert code == 0, err
    assert f"QM(df = 1) = {c['QM']:.2f}, p < 0.0001" in table
    assert f"tau² = {c['tau2']:.4f}; I² = {c['I2']:.1f}%" in table
    assert f"R² (share of tau² accounted for by the moderators): {c['R2']:.1f}%" in table
    ratio = f"{math.exp(c['b'][1]):.3f} [{math.exp(c['ci_lb'][1]):.3f}, "
    assert ratio in table
    code, md, _ = run(dirs["bcg"], *base, "--format", "md")
    assert code == 0
    assert "| term | estimate | SE | z | p | 95% CI | RR [95% CI] |" in md
    assert f"| ablat | {c['b'][1]:.4f}".replace("-", "\u2212") in md
    code, text, _ = run(dirs["bcg"], *base, "--format", "csv", "--ci", "hksj")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    k = CASES["bcg-ablat-REML-hksj"]
    assert [r["row"] for r in rows] == [
        "coefficient",
        "coefficient",
        "moderator_test",
        "residual_heterogeneity",
    ]
    assert close([float(rows[i]["estimate"]) for i in (0, 1)], k["b"], "iterative")
    assert close(float(rows[1]["exp_estimate"]), math.exp(k["b"][1]), "iterative")
    assert (rows[2]["df"], rows[2]["df2"]) == ("1", "11")
    assert close(float(rows[2]["statistic"]), k["QM"], "iterative")
    assert close(float(rows[3]["tau2"]), k["tau2"], "iterative")
    assert close(float(rows[3]["R2"]), k["R2"], "iterative")


@pytest.mark.parametrize("sort", ["year", "estimate", "listed"])
def test_rows_are_in_synth_pools_order_and_the_numbers_do_not_move(
    dirs: dict[str, str], sort: str
) -> None:
    """--sort as synth pool (default year): the same rows in the same order; every number
    the same to the last digit (fitted on the listed rows, as metafor and the permutations
    with a seed)."""
    args = ("--mods", "ablat", "--permutations", "200", "--seed", "3")
    out = bcg_json(dirs, *args, "--sort", sort)
    pool_args = ["--studies", dirs["bcg"], "--outcome", "TB", "--measure", "RR", "--sort", sort]
    result = CliRunner().invoke(main, ["pool", *pool_args, "--format", "json"])
    assert result.exit_code == 0
    pooled = no_nan(result.stdout)["studies"]
    assert [s["id"] for s in out["studies"]] == [s["id"] for s in pooled]
    listed = bcg_json(dirs, *args, "--sort", "listed")
    by_id = {s["id"]: s for s in out["studies"]}
    assert {**out, "studies": [by_id[s["id"]] for s in listed["studies"]]} == listed
    if sort == "year":
        assert bcg_json(dirs, *args) == out  # the default


def test_by_is_refused_with_what_to_do(dirs: dict[str, str]) -> None:
    code, out, err = run(dirs["bcg"], "--outcome", "TB", "--by", "alloc")
    assert (code, out) == (2, "")
    assert err == (
        "synth: error: --by does not apply to synth regress: a subgroup is a moderator here: use "
        "--mods TAG (or factor(TAG)), or --where TAG=VALUE to fit one subgroup\n"
    )


def test_help_has_examples() -> None:
    result = CliRunner().invoke(main, ["regress", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "synth regress --outcome ORR --mods year\n" in result.stdout  # the bundled review
    assert "--by" not in result.stdout
    for option in ("--mods", "--permutations", "--seed", "--plot", "--force", "--where"):
        assert option in result.stdout


# --------------------------------------------------------------------------- plots


def test_plot_files_are_valid_and_never_overwritten_without_force(
    dirs: dict[str, str], tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ET

    base = ["--outcome", "TB", "--measure", "RR"]
    magic = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}
    for fmt, head in magic.items():
        target = tmp_path / f"bubble.{fmt}"
        code, out, err = run(dirs["bcg"], *base, "--mods", "ablat,alloc", "--plot", str(target),
                             "--format", "json")  # fmt: skip
        assert code == 0, err
        no_nan(out)  # stdout stays pure JSON; the note about the file goes to stderr
        assert target.read_bytes().startswith(head)
        assert f"synth: wrote {target} (bubble plot of ablat, " in err
        before = target.read_bytes()
        code, out, err = run(dirs["bcg"], *base, "--mods", "ablat", "--plot", str(target))
        assert (code, out) == (2, "")
        assert err.strip() == f"synth: error: {target}: already exists; use --force to overwrite it"
        assert target.read_bytes() == before
        code, _, err = run(dirs["bcg"], *base, "--mods", "ablat", "--plot", str(target),
                           "--force")  # fmt: skip
        assert code == 0, err
    assert ET.fromstring((tmp_path / "bubble.svg").read_bytes()).tag.endswith("svg")
    assert (tmp_path / "bubble.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    png = (tmp_path / "bubble.png").read_bytes()
    assert png[12:16] == b"IHDR" and int.from_bytes(png[16:20], "big") > 1000
    # no file without a continuous moderator
    target = tmp_path / "none.png"
    err = error_of(dirs, "--mods", "alloc", "--plot", str(target))
    assert err == (
        "synth: error: --plot: a bubble plot needs a continuous moderator (year, n or a tag whose "
        "values are numbers); this model has none (alloc is categorical)"
    )
    assert not target.exists()
    err = error_of(dirs, "--plot", str(target))
    assert err.endswith("this model has no moderator")
    err = error_of(dirs, "--mods", "ablat", "--plot", str(tmp_path / "missing" / "b.png"))
    missing = tmp_path / "missing"
    assert err == (
        f"synth: error: cannot write {missing / 'b.png'}: folder {missing} does not exist; "
        f"create it first (mkdir -p {missing}) or give another folder"
    )


def test_bubble_layout_draws_the_fitted_line_and_metafors_intervals(dirs: dict[str, str]) -> None:
    from synthesis.plots.bubble import MAX_BUBBLE_PT, MIN_BUBBLE_PT, bubble_layout

    c = CASES["bcg-ablat-REML-wald"]
    result = regress(load_review(dirs["bcg"]), outcome="TB", measure="RR", mods="ablat")
    # the band's variance: at ablat = 0 it is the intercept's CI, per unit the slope's
    for row, j in (([1.0, 0.0], 0), ([0.0, 1.0], 1)):
        mu, lo, hi = result.predict([row])
        assert close([mu[0], lo[0], hi[0]], [c["b"][j], c["ci_lb"][j], c["ci_ub"][j]],
                     "iterative")  # fmt: skip
    lay = bubble_layout(result)
    # rows in synth pool's order (by year), metafor's as listed: matched by study id
    listed = sorted(range(len(lay.ids)), key=lambda i: lay.ids[i])  # bcg01 ... bcg13
    assert lay.ids[0] == "bcg01" and [lay.ids[i] for i in listed] != list(lay.ids)
    assert lay.moderator == "ablat"
    assert tuple(lay.x[i] for i in listed) == tuple(float(a) for a in c["X"][1])
    assert close([lay.y[i] for i in listed], c["yi"], "closed_form")
    assert close(lay.line_y, [c["b"][0] + c["b"][1] * x for x in lay.line_x], "iterative")
    assert all(lo <= mu <= hi for lo, mu, hi in
               zip(lay.band_low, lay.line_y, lay.band_high, strict=True))  # fmt: skip
    # circle area proportional to the weight 1 / (vi + tau2) (no circle at the size bounds)
    w = 1.0 / (np.array(c["vi"]) + c["tau2"])
    area = np.array([lay.size[i] for i in listed]) ** 2
    assert min(lay.size) > MIN_BUBBLE_PT and max(lay.size) < MAX_BUBBLE_PT
    assert close(area / area.sum(), w / w.sum(), "iterative")
    # log measure: ticks at ratios, placed at their logs
    assert all(
        math.isclose(math.exp(t), float(label), rel_tol=1e-9)
        for t, label in zip(lay.yticks, lay.ytick_labels, strict=True)
    )
    assert "1" in lay.ytick_labels and lay.null_line == 0.0
    # several moderators: the line for the first continuous one, the others at their means
    both = regress(load_review(dirs["bcg"]), outcome="TB", measure="RR", mods="alloc,ablat")
    lay2 = bubble_layout(both)
    X = both.design
    b = np.array([x.estimate for x in both.coefficients])
    means = X.mean(axis=0)
    want = [means @ b + (x - means[3]) * b[3] for x in lay2.line_x]
    assert both.names[3] == "ablat" and close(lay2.line_y, want, "iterative")
    assert "Other moderators held at their means: alloc" in lay2.footer


# --------------------------------------------------------------------------- moderators


def test_parse_number_reads_back_what_yaml_wrote() -> None:
    assert parse_number("44") == 44 and isinstance(parse_number("44"), int)
    assert parse_number("44.0") == 44.0 and isinstance(parse_number("44.0"), float)
    assert parse_number("-0.5") == -0.5
    assert parse_number(".5") == 0.5
    assert parse_number("1e-05") == 1e-05
    for text in ("nan", "inf", "-inf", "1_000", "0x1F", "", "44 mg", "random", "true", "1/2"):
        assert parse_number(text) is None, text


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**18), 10**18))
def test_every_number_survives_the_trip_through_a_tag(x: float | int) -> None:
    # schema.py keeps tag values as str(value); parse_number gives the same number back
    assert parse_number(str(x)) == x
    assert type(parse_number(str(x))) is type(x)


def test_parse_mods() -> None:
    assert [t.text for t in parse_mods(["ablat, factor( alloc )", "year"])] == [
        "ablat",
        "factor(alloc)",
        "year",
    ]
    assert parse_mods(None) == () and parse_mods(()) == ()
    with pytest.raises(SynthError, match="given twice"):
        parse_mods("year,factor(year)")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shift=st.integers(-1000, 1000), scale=st.sampled_from([1, 2, 10]))
def test_a_linear_change_of_a_moderator_changes_only_its_coefficients(
    tmp_path_factory: pytest.TempPathFactory, shift: int, scale: int
) -> None:
    """ablat -> scale * ablat + shift: slope / scale, same tests, tau2, R2 and fitted values."""
    folder = tmp_path_factory.mktemp("shift")
    for t in range(1, 14):
        text = bcg_record(t).replace(f"ablat: {BCG[t - 1][7]},",
                                     f"ablat: {scale * BCG[t - 1][7] + shift},")  # fmt: skip
        (folder / f"bcg{t:02d}.yaml").write_text(text)
    got = regress(load_review(folder), outcome="TB", measure="RR", mods="ablat", method="DL")
    c = CASES["bcg-ablat-DL-wald"]
    t = tol("iterative")
    assert math.isclose(got.coefficients[1].estimate, c["b"][1] / scale, rel_tol=t.rtol)
    assert math.isclose(got.coefficients[1].statistic, c["zval"][1], rel_tol=t.rtol)
    assert math.isclose(got.residual_heterogeneity.tau2, c["tau2"], rel_tol=t.rtol)
    assert math.isclose(got.R2, c["R2"], rel_tol=t.rtol)
    by_id = sorted(got.studies, key=lambda s: s.id)  # metafor's listed order: bcg01 ...
    assert close([s.fitted for s in by_id], c["fitted"], "iterative")


def test_year_and_n_come_from_the_records(dirs: dict[str, str]) -> None:
    d = bcg_json(dirs, "--mods", "year,n")
    assert d["studies"][0]["moderators"] == {"year": 1948, "n": 4 + 119 + 11 + 128}
    assert [x["term"] for x in d["coefficients"]] == ["intercept", "year", "n"]


def test_the_report_section_holds_the_table_tests_plot_and_warnings(dirs: dict[str, str]) -> None:
    from synthesis.plots.bubble import bubble_image
    from synthesis.render.regress import regress_section

    c = CASES["bcg-ablat-alloc-REML-wald"]
    result = regress(load_review(dirs["bcg"]), outcome="TB", measure="RR", mods="ablat,alloc")
    html = regress_section(result, plot_svg=bubble_image(result, fmt="svg").data.decode())
    assert html.startswith('<div class="keep regression">') and html.endswith("</div>")
    assert html.count("<tr>") == 4  # one per coefficient
    for term in ("intercept", "ablat", "alloc=random", "alloc=systematic"):
        assert f">{term}</td>" in html
    assert f"QM(df = 3) = {c['QM']:.2f}, p = {c['QMp']:.4f}" in html
    assert "<figure" in html and "<svg" in html
    assert "fewer than 10 studies per moderator" in html  # 13 studies, 3 coefficients
    assert regress_section(result).count("<figure") == 0
