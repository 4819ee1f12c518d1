"""Neighbouring cases of the QA defects fixed on branch qa-grade (/work/notes/qa.md).

1. HKSJ with a scale factor of 0 (every estimate equal): the t test is not defined.
2. Every interval label and reason of the GRADE table follows ``--level``.
14. Subgroup common-effect rows are subtotals; a k = 1 subgroup has one row.
18. ``synth table --format json`` gives the certainty as GRADE's level word.

The strict-xfail tests of these defects in tests/test_qa_findings.py are un-marked; the
tests here cover the cases next to them. Error lines are matched after the ``synth:``
prefix (its exact form is another change's business).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_support import invoke, record

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
Z975 = 1.959963984540054  # qnorm(0.975)


def identical_hr_review(tmp_path: Path, k: int = 3) -> Path:
    folder = tmp_path / "studies"
    for i in range(k):
        record(folder, f"h{i}", 2020 + i, ["{name: OS, hr: 0.8, ci: [0.6, 1.1]}"])
    return folder


def zero_md_review(tmp_path: Path) -> Path:
    """Three two-arm studies whose arms have the same mean: every MD is exactly 0."""
    folder = tmp_path / "studies"
    arms = "arms:\n  - {id: e, n: 20, role: experimental}\n  - {id: c, n: 20, role: control}\n"
    for i, sd in enumerate([2.0, 3.0, 4.0]):
        record(
            folder,
            f"m{i}",
            2010 + i,
            [
                f"{{name: QoL, arm: e, mean: 50, sd: {sd}, n: 20}}",
                f"{{name: QoL, arm: c, mean: 50, sd: {sd}, n: 20}}",
            ],
            extra=arms,
        )
    return folder


def pool_json(*args: str) -> dict:
    result = invoke("pool", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- 1. HKSJ scale factor 0 --------------------------------------------------------------
#
# metafor 3.8.1 (Rscript, R 4.2):
#   yi <- rep(log(0.8), 3); vi <- rep(((log(1.1) - log(0.6)) / (2 * 1.96))^2, 3)
#   rma(yi, vi, test = "knha")                 # se 0, tval -Inf, pval 0, ci.lb = ci.ub = yi
#   rma(rep(0, 3), c(.1, .2, .3), test = "knha")  # se 0, zval NaN, pval NaN, ci [0, 0]
# The t test is not defined in both cases; synth reports statistic and p both null (one
# convention for both) and keeps metafor's zero-width interval [estimate, estimate].


def test_identical_hrs_hksj_json_follows_metafor_ci_and_has_no_test(tmp_path: Path) -> None:
    out = pool_json(
        "--outcome", "OS", "--ci", "hksj", "--studies", str(identical_hr_review(tmp_path))
    )
    assert out["statistic"] is None and out["p_value"] is None and out["test"] is None
    assert out["df"] is None  # no test, no degrees of freedom (as for an untested proportion)
    # metafor: se = 0, ci.lb = ci.ub = estimate = log(0.8)
    ms = out["model_scale"]
    assert ms["se"] == 0.0
    assert ms["estimate"] == pytest.approx(math.log(0.8), abs=1e-12)
    assert ms["ci_low"] == ms["ci_high"] == ms["estimate"]
    assert out["estimate"] == out["ci_low"] == out["ci_high"] == pytest.approx(0.8, abs=1e-12)
    assert out["null_value"] == 1.0  # a test was due (HR against 1), it is not defined
    (warning,) = [w for w in out["warnings"] if "scale factor is 0" in w]
    assert "not defined" in warning and "--ci wald" in warning  # what to do about it


def test_identical_hrs_hksj_text_says_not_defined(tmp_path: Path) -> None:
    result = invoke(
        "pool", "--outcome", "OS", "--ci", "hksj", "--studies", str(identical_hr_review(tmp_path))
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "Test of overall effect: not defined: the HKSJ scale factor is 0 "
        "(every study has the same estimate)" in result.stdout.splitlines()
    ), result.stdout
    assert "scale factor is 0" in result.stderr and "--ci wald" in result.stderr


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "table"])
def test_identical_hrs_hksj_no_inf_or_nan_in_any_format(tmp_path: Path, fmt: str) -> None:
    folder = identical_hr_review(tmp_path)
    result = invoke(
        "pool", "--outcome", "OS", "--ci", "hksj", "--format", fmt, "--studies", str(folder)
    )
    assert result.exit_code == 0, result.stderr
    assert not re.search(r"\binf\b|\bnan\b|Infinity|NaN", result.stdout, re.I), result.stdout


def test_identical_zero_mds_follow_the_same_convention(tmp_path: Path) -> None:
    # the 0/0 case: metafor gives NaN and NaN (see above); synth null and null, as for a
    # non-zero estimate (before the fix: statistic 0.0 and p 1.0, a third convention)
    folder = zero_md_review(tmp_path)
    out = pool_json("--outcome", "QoL", "--measure", "MD", "--ci", "hksj", "--studies", str(folder))
    assert out["k"] == 3 and out["estimate"] == 0.0
    assert out["statistic"] is None and out["p_value"] is None
    assert out["ci_low"] == out["ci_high"] == 0.0  # metafor: ci [0, 0]
    text = invoke(
        "pool", "--outcome", "QoL", "--measure", "MD", "--ci", "hksj", "--studies", str(folder)
    )
    assert "Test of overall effect: not defined: the HKSJ scale factor is 0" in text.stdout


def test_identical_zero_mds_wald_is_still_tested(tmp_path: Path) -> None:
    # Wald z: se = 1 / sqrt(sum 1/vi) > 0, so z = 0 and p = 1 exactly (metafor: zval 0, pval 1)
    folder = zero_md_review(tmp_path)
    out = pool_json("--outcome", "QoL", "--measure", "MD", "--studies", str(folder))
    assert out["statistic"] == 0.0 and out["p_value"] == 1.0 and out["test"] == "z"


def test_identical_hrs_wald_test_is_hand_computed(tmp_path: Path) -> None:
    # z = log(0.8) / (se_i / sqrt(3)), se_i = (log 1.1 - log 0.6) / (2 * 1.959964)
    out = pool_json("--outcome", "OS", "--studies", str(identical_hr_review(tmp_path)))
    se = (math.log(1.1) - math.log(0.6)) / (2 * Z975) / math.sqrt(3)
    z = math.log(0.8) / se
    assert out["statistic"] == pytest.approx(z, rel=1e-9)
    assert out["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    assert out["ci_low"] < out["estimate"] < out["ci_high"]


def test_identical_proportions_hksj_with_null_names_h0_and_has_no_test(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    for i in range(4):
        record(folder, f"i{i}", 2015 + i, ["{name: ORR, events: 10, total: 20}"])
    args = ("--outcome", "ORR", "--ci", "hksj", "--null", "0.3", "--studies", str(folder))
    result = invoke("pool", *args)
    assert result.exit_code == 0, result.stderr
    assert "Test of overall effect (H0: proportion = 0.3): not defined:" in result.stdout
    out = pool_json(*args)
    assert out["statistic"] is None and out["p_value"] is None and out["null_value"] == 0.3
    # without --null a proportion has no test at all, and no "not defined" line either
    plain = invoke("pool", "--outcome", "ORR", "--ci", "hksj", "--studies", str(folder))
    assert "Test of overall effect" not in plain.stdout


def test_identical_hrs_hksj_sensitivity_refits_have_no_test(tmp_path: Path) -> None:
    folder = identical_hr_review(tmp_path)
    result = invoke(
        "sensitivity",
        "--outcome",
        "OS",
        "--ci",
        "hksj",
        "--format",
        "json",
        "--studies",
        str(folder),
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    rows = [*out["leave_one_out"], *out["cumulative"]["steps"]]
    for row in rows:
        assert (row["statistic"] is None) == (row["p_value"] is None), row
    assert all(r["statistic"] is None for r in out["leave_one_out"])
    # an HR has a value of no effect: the refits are not null for want of a null
    assert not any("has no value of no effect" in w for w in out["warnings"]), out["warnings"]


def test_sensitivity_refit_with_two_equal_estimates_left_is_not_tested(tmp_path: Path) -> None:
    # omitting the odd study leaves two equal HRs: that refit's t test is not defined,
    # the others are tested as usual
    folder = tmp_path / "studies"
    for i, hr in enumerate([0.8, 0.8, 0.5]):
        record(
            folder,
            f"s{i}",
            2020 + i,
            [f"{{name: OS, hr: {hr}, ci: [{hr / 1.5:.4f}, {hr * 1.5:.4f}]}}"],
        )
    result = invoke(
        "sensitivity",
        "--outcome",
        "OS",
        "--ci",
        "hksj",
        "--format",
        "json",
        "--studies",
        str(folder),
    )
    assert result.exit_code == 0, result.stderr
    rows = {r["omitted"]: r for r in json.loads(result.stdout)["leave_one_out"]}
    assert rows["s2"]["statistic"] is None and rows["s2"]["p_value"] is None
    for sid in ("s0", "s1"):
        assert rows[sid]["statistic"] is not None and 0 < rows[sid]["p_value"] <= 1


@settings(max_examples=60, deadline=None)
@given(
    y=st.floats(-3, 3, allow_nan=False),
    v=st.lists(st.floats(0.01, 2.0), min_size=2, max_size=8),
    method=st.sampled_from(["REML", "DL", "PM", "ML", "HE", "SJ", "FE"]),
)
def test_hksj_zero_scale_has_no_test_and_a_zero_width_ci(y, v, method) -> None:
    from synthesis.models.core import fit

    f = fit([y] * len(v), v, method=method, ci="hksj")
    assert f.statistic is None and f.p_value is None
    assert f.se == 0.0 and f.ci_low == f.ci_high == pytest.approx(y, abs=1e-12)
    assert any("scale factor is 0" in n for n in f.notes)
    g = fit([y] * len(v), v, method=method, ci="wald")  # Wald: always tested
    assert g.statistic is not None and 0 <= g.p_value <= 1


def test_identical_hrs_hksj_forest_footer_says_not_defined(tmp_path: Path) -> None:
    folder = identical_hr_review(tmp_path)
    svg = tmp_path / "f.svg"
    result = invoke(
        "forest", "--outcome", "OS", "--ci", "hksj", "--studies", str(folder), "-o", str(svg)
    )
    assert result.exit_code == 0, result.stderr
    text = svg.read_text(encoding="utf-8")
    assert "not defined" in text and not re.search(r"\binf\b", text)


def test_identical_hrs_hksj_report_says_not_defined(tmp_path: Path) -> None:
    folder = identical_hr_review(tmp_path)
    html = tmp_path / "r.html"
    result = invoke("report", "--ci", "hksj", "--studies", str(folder), "-o", str(html))
    assert result.exit_code == 0, result.stderr
    text = html.read_text(encoding="utf-8")
    assert "not defined: the HKSJ scale factor is 0" in text
    assert not re.search(r"[=>] -?inf\b", text)


def test_regress_knha_perfect_fit_has_no_coefficient_tests(tmp_path: Path) -> None:
    # yi = 0.1 (year - 2010) exactly: the Knapp-Hartung scale factor is 0. metafor 3.8.1:
    #   rma(c(0, .1, .2, .3), rep(.04, 4), mods = ~ year, test = "knha")
    #   -> se 0 0, zval -Inf Inf, pval 0 0, QM NA; synth: coefficient statistic and p null
    #   (as synth pool), the moderator test null (as metafor), CIs of zero width
    folder = tmp_path / "studies"
    for i in range(4):
        record(folder, f"r{i}", 2010 + i, [f"{{name: QoL, estimate: {0.1 * i:.1f}, se: 0.2}}"])
    args = ("--outcome", "QoL", "--mods", "year", "--ci", "hksj", "--studies", str(folder))
    result = invoke("regress", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    coefs = {c["term"]: c for c in out["coefficients"]}
    assert coefs["year"]["estimate"] == pytest.approx(0.1, abs=1e-9)
    assert coefs["intercept"]["estimate"] == pytest.approx(-201.0, abs=1e-6)
    for c in coefs.values():
        assert c["se"] == 0.0 and c["ci_low"] == c["ci_high"] == c["estimate"]
        assert c["statistic"] is None and c["p_value"] is None, c
    assert out["moderator_test"]["statistic"] is None
    assert out["moderator_test"]["p_value"] is None
    assert any("--ci wald" in w for w in out["warnings"])
    text = invoke("regress", *args)
    assert "<0.0001" not in text.stdout and not re.search(r"\binf\b", text.stdout)


# --- 2. GRADE intervals labelled at --level -----------------------------------------------


def two_arm_review(tmp_path: Path) -> Path:
    folder = tmp_path / "studies"
    arms = "arms:\n  - {id: e, n: 30, role: experimental}\n  - {id: c, n: 30, role: control}\n"
    for i, (a, b) in enumerate([(4, 9), (3, 8), (6, 10), (2, 7)]):
        record(
            folder,
            f"t{i}",
            2010 + i,
            [
                f"{{name: Death, arm: e, events: {a}, total: 30}}",
                f"{{name: Death, arm: c, events: {b}, total: 30}}",
            ],
            extra=arms,
        )
    return folder


@pytest.mark.parametrize(
    ("level", "label"), [("0.9", "90% CI"), ("0.99", "99% CI"), ("0.975", "97.5% CI")]
)
def test_grade_md_labels_every_interval_at_the_level(
    tmp_path: Path, level: str, label: str
) -> None:
    folder = two_arm_review(tmp_path)
    result = invoke(
        "grade", "--measure", "RR", "--level", level, "--format", "md", "--studies", str(folder)
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for header in ("Relative effect", "Risk with intervention", "Risk difference"):
        assert f"{header} ({label})" in out, out
    assert f"(and its {label}) is based on" in out and f"relative effect (and its {label})" in out
    assert "95% CI" not in out, out


def test_grade_default_level_still_says_95(tmp_path: Path) -> None:
    folder = two_arm_review(tmp_path)
    result = invoke("grade", "--measure", "RR", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    (outcome,) = json.loads(result.stdout)["outcomes"]
    assert outcome["level"] == 0.95
    assert outcome["domains"]["imprecision"]["reason"].startswith("the 95% CI (")
    md = invoke("grade", "--measure", "RR", "--studies", str(folder)).stdout
    assert "Relative effect (95% CI)" in md


def test_grade_json_reason_names_the_interval_it_shows(tmp_path: Path) -> None:
    # the 90% interval of the JSON is the one the reason quotes, and the JSON says its level
    folder = two_arm_review(tmp_path)
    result = invoke(
        "grade", "--measure", "RR", "--level", "0.9", "--format", "json", "--studies", str(folder)
    )
    assert result.exit_code == 0, result.stderr
    (outcome,) = json.loads(result.stdout)["outcomes"]
    assert outcome["level"] == 0.9
    reason = outcome["domains"]["imprecision"]["reason"]
    shown = f"({outcome['ci_low']:.2f} to {outcome['ci_high']:.2f})"
    assert reason.startswith(f"the 90% CI {shown} excludes the null;"), reason
    pooled = pool_json(
        "--outcome", "Death", "--measure", "RR", "--level", "0.9", "--studies", str(folder)
    )
    assert (pooled["ci_low"], pooled["ci_high"]) == (outcome["ci_low"], outcome["ci_high"])


def test_grade_docx_headers_follow_the_level(tmp_path: Path) -> None:
    from docx import Document

    folder = two_arm_review(tmp_path)
    out = tmp_path / "sof.docx"
    result = invoke(
        "grade", "--measure", "RR", "--level", "0.9", "--studies", str(folder), "-o", str(out)
    )
    assert result.exit_code == 0, result.stderr
    doc = Document(str(out))
    (table,) = doc.tables
    headers = [c.text for c in table.rows[0].cells]
    assert headers[3] == "Relative effect (90% CI)"
    assert headers[5:] == ["Risk with intervention (90% CI)", "Risk difference (90% CI)"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "its 90% CI" in text and "95% CI" not in text


def test_report_grade_table_follows_the_level(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    result = invoke("report", "--level", "0.9", "--studies", STUDIES, "-o", str(html))
    assert result.exit_code == 0, result.stderr
    text = html.read_text(encoding="utf-8")
    assert "<th>Relative effect (90% CI)</th>" in text
    assert "<th>Risk with intervention (90% CI)</th>" in text
    # the only "95" CI left is a verbatim quote from a source abstract ("95 % CI")
    assert "95% CI" not in text


def test_large_effect_reason_names_the_level() -> None:
    from synthesis.analyses.grade import grade_outcome

    r = grade_outcome(
        design_randomized=False,
        weights_pct=[50.0, 50.0],
        rob_levels=["low", "low"],
        i2=0.0,
        pi=(None, None),
        ci=(0.9, 3.0),
        null=1.0,
        threshold=None,
        measure_kind="binary",
        events=None,
        participants=None,
        ois_inputs=None,
        bias_tests=None,
        k=2,
        reviewer={"imprecision": {"downgrade": 0, "reason": "judged precise enough"}},
        outcome="Death",
        measure="RR",
        estimate=1.6,
        level=0.8,
    )
    assert r.level == 0.8 and r.to_dict()["level"] == 0.8
    assert r.upgrades["large_effect"].reason == "not large: the 80% CI includes the null (1.00)"


def test_sof_table_refuses_mixed_levels() -> None:
    from dataclasses import replace

    from synthesis.analyses.grade import grade_outcome
    from synthesis.render.grade import sof_table

    kw = dict(
        design_randomized=True,
        weights_pct=[100.0],
        rob_levels=["low"],
        i2=None,
        pi=None,
        ci=(0.5, 0.9),
        null=1.0,
        threshold=None,
        measure_kind="binary",
        events=None,
        participants=None,
        ois_inputs=None,
        bias_tests=None,
        k=1,
        reviewer=None,
        measure="RR",
        estimate=0.7,
    )
    a = grade_outcome(**kw, outcome="A")
    assert sof_table([a]).columns[3] == "Relative effect (95% CI)"
    assert sof_table([]).columns[3] == "Relative effect (95% CI)"
    with pytest.raises(ValueError, match="one confidence level"):
        sof_table([a, replace(a, outcome="B", level=0.9)])


def test_grade_rules_do_not_fix_the_level() -> None:
    from synthesis.analyses.grade import RULES

    texts = [r.when for r in RULES if r.domain == "imprecision"]
    assert not any("95% CI" in t for t in texts), texts
    assert any("--level" in t for t in texts), texts


# --- 14. subgroup common-effect rows are subtotals; a k = 1 subgroup has one row ---------


def by_region_review(tmp_path: Path) -> Path:
    """Two-arm trials, three in region A and one in region B (a k = 1 subgroup)."""
    folder = tmp_path / "studies"
    arms = "arms:\n  - {id: e, n: 30, role: experimental}\n  - {id: c, n: 30, role: control}\n"
    for i, (a, b, region) in enumerate([(4, 9, "A"), (3, 8, "A"), (6, 10, "A"), (2, 7, "B")]):
        record(
            folder,
            f"t{i}",
            2010 + i,
            [
                f"{{name: Death, arm: e, events: {a}, total: 30}}",
                f"{{name: Death, arm: c, events: {b}, total: 30}}",
            ],
            extra=f"tags: {{region: {region}}}\n" + arms,
        )
    return folder


def test_subgroup_common_rows_in_markdown_are_subtotals() -> None:
    result = invoke(
        "pool", "--outcome", "ORR", "--by", "disease", "--also", "FE", "--format", "md",
        "--studies", STUDIES,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    labels = [row.split(" | ")[0].removeprefix("| ").strip("*") for row in rows]
    assert labels.count("Subtotal (common effect)") == 1  # ANKL (k = 3); not B-ALL (k = 1)
    assert labels.count("Pooled (common effect)") == 1  # the overall result only
    assert sum("not pooled" in label for label in labels) == 1  # B-ALL: one row
    assert labels.index("Subtotal (common effect)") + 1 == labels.index("Subtotal (REML)")


def test_subgroup_common_rows_in_csv_are_subtotals() -> None:
    import csv
    import io

    result = invoke(
        "pool", "--outcome", "ORR", "--by", "disease", "--also", "FE", "--format", "csv",
        "--studies", STUDIES,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["row"] != "study"]
    assert [(r["row"], r["subgroup"], r["label"]) for r in rows] == [
        ("subgroup-common", "ANKL", "Subtotal (common effect)"),
        ("subgroup", "ANKL", "Subtotal (REML)"),
        ("subgroup", "B-ALL", "Subtotal: single study, not pooled"),
        ("common", "", "Pooled (common effect)"),
        ("pooled", "", "Pooled (random effects)"),
    ]


def test_subgroup_json_keeps_every_common_result() -> None:
    # machine output: the k = 1 subgroup's common-effect result is still there (the
    # study's own, as its random-effects one): only the display drops the repeat
    out = pool_json("--outcome", "ORR", "--by", "disease", "--also", "FE", "--studies", STUDIES)
    commons = {g["value"]: g["common"] for g in out["subgroups"]}
    assert commons["B-ALL"]["k"] == 1 and commons["ANKL"]["k"] == 3
    b_all = next(g for g in out["subgroups"] if g["value"] == "B-ALL")
    assert commons["B-ALL"]["estimate"] == b_all["estimate"]


def test_subgroup_mh_common_rows_name_the_method(tmp_path: Path) -> None:
    folder = by_region_review(tmp_path)
    result = invoke(
        "pool", "--outcome", "Death", "--measure", "RR", "--by", "region", "--also", "MH",
        "--studies", str(folder),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    labels = [re.split(r"(?<=\S)  ", line)[0] for line in result.stdout.splitlines()]
    stripped = [label.strip() for label in labels]
    assert stripped.count("Subtotal (common effect, MH)") == 1  # region A; B has k = 1
    assert stripped.count("Pooled (common effect, MH)") == 1
    assert sum("not pooled" in line for line in result.stdout.splitlines()) == 1
    # subtotal rows are indented under their subgroup, as the random-effects subtotal
    assert "  Subtotal (common effect, MH)" in labels


def test_subgroup_forest_has_one_row_for_a_single_study_subgroup(tmp_path: Path) -> None:
    svg = tmp_path / "f.svg"
    result = invoke(
        "forest", "--outcome", "ORR", "--by", "disease", "--also", "FE", "--studies", STUDIES,
        "-o", str(svg),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = svg.read_text(encoding="utf-8")
    assert text.count("not pooled") == 1, text.count("not pooled")
    assert text.count("Subtotal (common effect)") == 1


def test_subgroups_without_also_are_unchanged() -> None:
    result = invoke("pool", "--outcome", "ORR", "--by", "disease", "--studies", STUDIES)
    assert result.exit_code == 0, result.stderr
    assert "common effect" not in result.stdout
    assert sum("not pooled" in line for line in result.stdout.splitlines()) == 1


# --- 18. table JSON: certainty as GRADE's level word ----------------------------------------
# The contract (section 7) gives synth grade's JSON "certainty": "very low"; synth table's
# JSON is not spelled out there, so it follows the one encoding the contract has.

LEVELS = {"high", "moderate", "low", "very low"}


def test_table_json_certainty_words_and_measure() -> None:
    result = invoke("table", "--format", "json", "--studies", STUDIES)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    for row in rows:
        assert row["certainty"] in LEVELS, row
        assert row["certainty_measure"] == row["measure"], row
        assert not re.search("[\u2295\u25ef]", json.dumps(row, ensure_ascii=False))


def test_table_csv_certainty_is_the_level_word() -> None:
    import csv
    import io

    result = invoke("table", "--format", "csv", "--studies", STUDIES)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["certainty"] for r in rows} <= LEVELS
    orr = next(r for r in rows if r["outcome"] == "ORR")
    assert (orr["certainty"], orr["certainty_measure"]) == ("very low", "PLO")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_table_display_formats_keep_the_symbols(fmt: str) -> None:
    result = invoke("table", "--format", fmt, "--studies", STUDIES)
    assert result.exit_code == 0, result.stderr
    assert "⊕◯◯◯ Very low" in result.stdout and "⊕⊕◯◯ Low" in result.stdout


def test_table_json_names_the_measure_graded_when_synth_yaml_changes_it(tmp_path: Path) -> None:
    from tests.test_grade_cli import review

    folder = review(tmp_path)  # synth.yaml: grade Mortality as RR; the table pools PLO
    result = invoke("table", "--format", "json", cwd=folder)
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["measure"], row["certainty"], row["certainty_measure"]) == ("PLO", "high", "RR")
    grade = json.loads(invoke("grade", "--format", "json", cwd=folder).stdout)["outcomes"]
    assert grade[0]["certainty"] == row["certainty"] and grade[0]["measure"] == "RR"
    assert "⊕⊕⊕⊕ High (RR)" in invoke("table", cwd=folder).stdout


def test_table_json_without_risk_of_bias_has_no_certainty(tmp_path: Path) -> None:
    from tests.test_grade_cli import review

    folder = review(tmp_path, robs=(None, None, None), grade=None)
    result = invoke("table", "--format", "json", cwd=folder)
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert "certainty" not in row and "certainty_measure" not in row
