"""The QA defects 3, 7, 8, 9 and 10 (/work/notes/qa.md): the cases next to the ones in
tests/test_qa_findings.py.

3. two-arm counts pooled as single-group proportions point to --measure RR;
7. labels are unique review-wide (``Smith 2020a``/``Smith 2020b``, as RevMan);
8. ``--model multilevel`` with k = 1 shows the study's own CI;
9. a median not reached is listed as its own row;
10. a plot label the font cannot draw gives one synth warning, no Python warning.

Error and warning lines are checked by the message after ``synth: `` (the prefix of an
error line is another change's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cli_support import invoke, record

ROOT = Path(__file__).resolve().parent.parent


def lines(text: str) -> list[str]:
    """The messages of the ``synth: warning: ...`` lines (prefix left out)."""
    return [line.split("warning: ", 1)[1] for line in text.splitlines() if "warning: " in line]


# ---------------------------------------------------------------------------------------
# 3. two-arm comparative counts pooled as single-group proportions

TWO_ARMS = "arms:\n  - {id: e, n: 30, role: experimental}\n  - {id: c, n: 30, role: control}\n"
COUNTS = [(4, 9), (3, 8), (6, 10), (2, 7)]


def two_arm_review(tmp_path: Path, counts=COUNTS, one_arm_only: bool = False) -> Path:
    folder = tmp_path / "studies"
    for i, (a, b) in enumerate(counts):
        outcomes = [f"{{name: Death, arm: e, events: {a}, total: 30}}"]
        if not (one_arm_only and i == 0):
            outcomes.append(f"{{name: Death, arm: c, events: {b}, total: 30}}")
        record(folder, f"t{i}", 2010 + i, outcomes, extra=TWO_ARMS)
    return folder


def two_arm_words(measure: str, where: str = "synth table and report: --measure Mortality=RR"):
    return (
        "every study compares an experimental and a control arm, pooled here as single-group "
        f"proportions ({measure}) with both arms as rows; for the relative effect and absolute "
        f"effects use --measure RR ({where})"
    )


@pytest.mark.parametrize("measure", ["PLO", "PFT", "PAS", "PR"])
def test_pool_says_two_arm_counts_are_no_comparison(tmp_path: Path, measure: str) -> None:
    folder = two_arm_review(tmp_path)
    result = invoke(
        "pool", "--outcome", "Death", "--measure", measure, "--format", "json",
        "--studies", str(folder),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["measure"], out["k"]) == (measure, 8)
    assert two_arm_words(measure) in out["warnings"]
    # not the advice for arms of one single-group study: multilevel compares nothing either
    assert not any(w.startswith("arms of the same study") for w in out["warnings"])


def test_the_default_measure_for_two_arm_counts_stays_plo(tmp_path: Path) -> None:
    # the contract fixes PLO as the default for counts; the warning is the remedy
    folder = two_arm_review(tmp_path)
    result = invoke("pool", "--outcome", "Death", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["measure"] == "PLO"
    assert two_arm_words("PLO") in lines(result.stderr)


def test_pool_with_rr_gives_no_two_arm_warning(tmp_path: Path) -> None:
    folder = two_arm_review(tmp_path)
    result = invoke(
        "pool", "--outcome", "Death", "--measure", "RR", "--format", "json",
        "--studies", str(folder),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    # metafor 3.8.1: rma(measure = "RR", ai = c(4, 3, 6, 2), n1i = rep(30, 4),
    #                    ci = c(9, 8, 10, 7), n2i = rep(30, 4)) -> exp(b), exp(ci.lb), exp(ci.ub)
    assert out["k"] == 4
    assert (out["estimate"], out["ci_low"], out["ci_high"]) == pytest.approx(
        (0.455078030585, 0.262477060787, 0.789006145149), rel=1e-9
    )
    assert not any("experimental and a control arm" in w for w in out["warnings"])


def test_a_study_without_its_control_count_keeps_the_arms_warning(tmp_path: Path) -> None:
    # t0 gives only its experimental arm: not every study compares, so the rows warning
    folder = two_arm_review(tmp_path, one_arm_only=True)
    result = invoke("pool", "--outcome", "Death", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    assert not any("experimental and a control arm" in w for w in warnings)
    rows_warning = "arms of the same study enter as separate rows (t1, t2, t3)"
    assert any(w.startswith(rows_warning) for w in warnings)


def test_single_arm_studies_get_no_two_arm_warning(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    for i, events in enumerate([5, 7, 9]):
        record(folder, f"s{i}", 2020 + i, [f"{{name: ORR, events: {events}, total: 20}}"])
    result = invoke("pool", "--outcome", "ORR", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    assert not any("control arm" in w for w in json.loads(result.stdout)["warnings"])


def test_multilevel_keeps_the_two_arm_warning(tmp_path: Path) -> None:
    folder = two_arm_review(tmp_path)
    result = invoke(
        "pool", "--outcome", "Death", "--model", "multilevel", "--format", "json",
        "--studies", str(folder),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert two_arm_words("PLO") in json.loads(result.stdout)["warnings"]


def test_table_says_it_with_its_own_option_and_the_option_works(tmp_path: Path) -> None:
    folder = two_arm_review(tmp_path)
    result = invoke("table", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert row["measure"] == "PLO"
    assert two_arm_words("PLO") in row["warnings"]
    again = invoke(
        "table", "--measure", "Mortality=RR", "--format", "json", "--studies", str(folder)
    )
    assert again.exit_code == 0, again.stderr
    (row,) = json.loads(again.stdout)["rows"]
    assert (row["measure"], row["k"]) == ("RR", 4)
    assert not any("control arm" in w for w in row["warnings"])


def test_grade_says_it_once_with_synth_yaml(tmp_path: Path) -> None:
    folder = two_arm_review(tmp_path)
    result = invoke("grade", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    (death,) = json.loads(result.stdout)["outcomes"]
    said = [w for w in death["warnings"] if "experimental and a control arm" in w]
    assert said == [two_arm_words("PLO", "or measure: RR under grade.Mortality in synth.yaml")]


# ---------------------------------------------------------------------------------------
# 7. labels unique in the review


def smith_review(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    """smith2020b and smith2020a (written in that order), both 'Smith 2020', and Jones 2021."""
    folder = tmp_path / "studies"
    folder.mkdir()
    rows = [
        ("smith2020b", "Smith J. Another", 2020, 9),
        ("smith2020a", "Smith J. A trial", 2020, 5),
        ("jones2021", "Jones K. Third", 2021, 7),
    ]
    for sid, citation, year, events in rows:
        label = (extra or {}).get(sid, "")
        (folder / f"{sid}.yaml").write_text(
            f'id: {sid}\ncitation: "{citation}"\nyear: {year}\n{label}'
            f"tags: {{x: {events}}}\n"
            f"outcomes:\n  - {{name: ORR, events: {events}, total: 20}}\n",
            encoding="utf-8",
        )
    return folder


WANTED = {"smith2020a": "Smith 2020a", "smith2020b": "Smith 2020b", "jones2021": "Jones 2021"}


def test_json_labels_are_unique_and_ids_unchanged(tmp_path: Path) -> None:
    folder = smith_review(tmp_path)
    result = invoke("pool", "--outcome", "ORR", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    studies = json.loads(result.stdout)["studies"]
    assert {s["id"]: s["label"] for s in studies} == WANTED


def test_letters_follow_the_ids_not_the_file_order(tmp_path: Path) -> None:
    # smith2020b.yaml is written first; the letters still follow the ids (a before b)
    folder = smith_review(tmp_path)
    result = invoke("pool", "--outcome", "ORR", "--sort", "listed", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    assert "Smith 2020a   " in result.stdout and "Smith 2020b   " in result.stdout
    assert "Smith 2020 " not in result.stdout


def test_a_selection_keeps_the_review_wide_label(tmp_path: Path) -> None:
    # with only one Smith selected, it is still 'Smith 2020b', as in every other output
    folder = smith_review(tmp_path)
    result = invoke(
        "pool", "--outcome", "ORR", "--where", "x=9", "--format", "json",
        "--studies", str(folder),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (study,) = json.loads(result.stdout)["studies"]
    assert (study["id"], study["label"]) == ("smith2020b", "Smith 2020b")


def test_every_output_uses_the_unique_labels(tmp_path: Path) -> None:
    folder = smith_review(tmp_path)
    sens = invoke("sensitivity", "--outcome", "ORR", "--studies", str(folder))
    bias = invoke("bias", "--outcome", "ORR", "--studies", str(folder))
    studies = invoke("studies", "--studies", str(folder))
    report = tmp_path / "r.html"
    made = invoke("report", "-o", str(report), "--studies", str(folder))
    svg = tmp_path / "f.svg"
    forest = invoke("forest", "--outcome", "ORR", "-o", str(svg), "--studies", str(folder))
    for run in (sens, bias, studies, made, forest):
        assert run.exit_code == 0, run.stderr
    for text in (sens.stdout, studies.stdout, report.read_text(), svg.read_text()):
        assert "Smith 2020a" in text and "Smith 2020b" in text
        assert "Smith 2020<" not in text and "Smith 2020 " not in text
    # the table of synth studies lists the id beside its label
    assert any(
        "smith2020a" in line and "Smith 2020a" in line for line in studies.stdout.splitlines()
    )


def test_a_letter_already_used_by_another_label_is_skipped(tmp_path: Path) -> None:
    # Jones's record is labelled 'Smith 2020a': the two 'Smith 2020' become b and c
    folder = smith_review(tmp_path, extra={"jones2021": 'label: "Smith 2020a"\n'})
    result = invoke("pool", "--outcome", "ORR", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    labels = {s["id"]: s["label"] for s in json.loads(result.stdout)["studies"]}
    assert labels == {
        "smith2020a": "Smith 2020b",
        "smith2020b": "Smith 2020c",
        "jones2021": "Smith 2020a",
    }


def test_records_labelled_alike_are_told_apart_too(tmp_path: Path) -> None:
    folder = smith_review(
        tmp_path,
        extra={"smith2020a": 'label: "Yoon 2025"\n', "jones2021": 'label: "Yoon 2025"\n'},
    )
    result = invoke("pool", "--outcome", "ORR", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    labels = {s["id"]: s["label"] for s in json.loads(result.stdout)["studies"]}
    assert labels == {
        "smith2020a": "Yoon 2025b",
        "smith2020b": "Smith 2020",
        "jones2021": "Yoon 2025a",
    }


def test_letters_go_on_past_z() -> None:
    from synthesis.records.schema import _letters

    assert [_letters(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "a", "b", "z", "aa", "ab", "az", "ba", "zz", "aaa",
    ]  # fmt: skip


def test_thirty_studies_of_one_author_and_year_get_thirty_labels(tmp_path: Path) -> None:
    folder = tmp_path / "studies"  # every citation is "Cite sNN": every label 'Cite 2020'
    for i in range(30):
        record(folder, f"s{i:02d}", 2020, [f"{{name: ORR, events: {i % 9 + 1}, total: 20}}"])
    result = invoke("pool", "--outcome", "ORR", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    labels = {s["id"]: s["label"] for s in json.loads(result.stdout)["studies"]}
    assert len(set(labels.values())) == 30
    assert [labels[k] for k in ("s00", "s01", "s25", "s26", "s29")] == [
        "Cite 2020a", "Cite 2020b", "Cite 2020z", "Cite 2020aa", "Cite 2020ad",
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------
# 8. --model multilevel with one study: the study's own estimate and CI


def one_study(tmp_path: Path, outcome: str) -> Path:
    folder = tmp_path / "studies"
    record(folder, "s1", 2020, [outcome])
    return folder


def both_models(folder: Path, outcome: str, *more: str) -> tuple[dict, dict, str]:
    args = ("pool", "--outcome", outcome, "--format", "json", "--studies", str(folder), *more)
    rows = invoke(*args)
    ml = invoke(*args, "--model", "multilevel")
    assert (rows.exit_code, ml.exit_code) == (0, 0), (rows.stderr, ml.stderr)
    return json.loads(rows.stdout), json.loads(ml.stdout), ml.stderr


def test_multilevel_k1_proportion_is_the_clopper_pearson_interval(tmp_path: Path) -> None:
    # 5/20: Clopper-Pearson 95% [0.08657147, 0.49104587] (R: binom.test(5, 20)$conf.int)
    a, b, _ = both_models(one_study(tmp_path, "{name: ORR, events: 5, total: 20}"), "ORR")
    assert (b["estimate"], b["ci_low"], b["ci_high"]) == pytest.approx(
        (0.25, 0.0865714691014346, 0.4910458717079575), rel=1e-9
    )
    assert (b["estimate"], b["ci_low"], b["ci_high"]) == (a["estimate"], a["ci_low"], a["ci_high"])
    # the analysis scale keeps the fit (Wald on the logit), as --model rows does
    assert b["model_scale"]["ci_low"] == pytest.approx(a["model_scale"]["ci_low"], rel=1e-12)
    assert b["heterogeneity"]["tau2"] is None and b["pi_low"] is None


def test_multilevel_k1_hazard_ratio_is_the_record_s_interval(tmp_path: Path) -> None:
    folder = one_study(tmp_path, "{name: OS, hr: 0.8, ci: [0.6, 1.1]}")
    a, b, _ = both_models(folder, "OS")
    own = b["studies"][0]
    assert (b["estimate"], b["ci_low"], b["ci_high"]) == (
        own["estimate"], own["ci_low"], own["ci_high"],
    )  # fmt: skip
    assert (b["estimate"], b["ci_low"], b["ci_high"]) == (a["estimate"], a["ci_low"], a["ci_high"])


def test_multilevel_k1_says_single_study_once(tmp_path: Path) -> None:
    _, b, stderr = both_models(one_study(tmp_path, "{name: ORR, events: 5, total: 20}"), "ORR")
    said = [w for w in b["warnings"] if "single" in w or w.startswith("k = 1")]
    assert said == [
        "single study: not pooled; the estimate and CI shown are the study's own, and "
        "heterogeneity is not defined"
    ]
    assert len([line for line in lines(stderr) if "single" in line]) == 1


def test_multilevel_k1_text_rows_agree(tmp_path: Path) -> None:
    folder = one_study(tmp_path, "{name: ORR, events: 5, total: 20}")
    result = invoke("pool", "--outcome", "ORR", "--model", "multilevel", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    shown = [line for line in result.stdout.splitlines() if "[0.087, 0.491]" in line]
    assert [line.split("  ")[0] for line in shown] == ["Cite 2020", "Single study: not pooled"]


def test_multilevel_k1_table_row_is_the_study_s_own(tmp_path: Path) -> None:
    folder = one_study(tmp_path, "{name: ORR, events: 5, total: 20}")
    rows = invoke("table", "--format", "json", "--studies", str(folder))
    ml = invoke("table", "--model", "multilevel", "--format", "json", "--studies", str(folder))
    assert (rows.exit_code, ml.exit_code) == (0, 0), (rows.stderr, ml.stderr)
    (a,) = json.loads(rows.stdout)["rows"]
    (b,) = json.loads(ml.stdout)["rows"]
    assert (b["estimate"], b["ci_low"], b["ci_high"]) == (a["estimate"], a["ci_low"], a["ci_high"])


# ---------------------------------------------------------------------------------------
# 9. medians not reached: listed as their own rows, not pooled


def median_review(tmp_path: Path, rows=((5, 20, "A"), (7, 30, "B"), ("NR", 40, "B"))) -> Path:
    folder = tmp_path / "studies"
    for i, (median, n, group) in enumerate(rows):
        record(
            folder, f"m{i}", 2020 + i, [f"{{name: OS, median: {median}, n: {n}}}"],
            extra=f"tags: {{g: {group}}}\n",
        )  # fmt: skip
    return folder


def pool_text(folder: Path, *more: str) -> str:
    result = invoke("pool", "--outcome", "OS", "--studies", str(folder), *more)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_text_lists_the_median_not_reached_before_the_pooled_row(tmp_path: Path) -> None:
    out = pool_text(median_review(tmp_path)).splitlines()
    assert [line.split()[:2] for line in out[4:8]] == [
        ["Cite", "2020"], ["Cite", "2021"], ["Cite", "2022"], ["Pooled", "median"],
    ]  # fmt: skip
    cells = [c.strip() for c in out[6].split("  ") if c.strip()]
    assert cells == ["Cite 2022", "median NR", "NR", "not reached, not pooled"]
    # pooled from the two medians only: weights 20/50 and 30/50, k = 2
    assert "40.0%" in out[4] and "60.0%" in out[5] and "k = 2" in out[7]


def test_the_not_reached_row_follows_the_pooled_rows_in_every_sort(tmp_path: Path) -> None:
    folder = median_review(tmp_path, rows=(("NR", 40, "A"), (7, 30, "B"), (5, 20, "B")))
    for sort in ("year", "estimate", "listed"):
        out = pool_text(folder, "--sort", sort).splitlines()
        assert out[6].startswith("Cite 2020") and "not reached, not pooled" in out[6], sort


def test_json_lists_it_under_not_pooled_with_nulls(tmp_path: Path) -> None:
    result = invoke(
        "pool", "--outcome", "OS", "--format", "json", "--studies", str(median_review(tmp_path))
    )
    assert result.exit_code == 0, result.stderr
    assert "NaN" not in result.stdout
    out = json.loads(result.stdout)
    assert out["k"] == 2 and [s["id"] for s in out["studies"]] == ["m0", "m1"]
    (nr,) = out["not_pooled"]
    assert nr == {
        "id": "m2", "arm": "all", "label": "Cite 2022", "data": "median NR",
        "estimate": None, "ci_low": None, "ci_high": None, "yi": None, "vi": None,
        "weight": None, "n": 40, "year": 2022, "source": nr["source"],
        "reason": "median not reached",
    }  # fmt: skip
    assert nr["source"].endswith("m2.yaml:6")
    # the warning still says it too
    assert any(w.startswith("median not reached in m2") for w in out["warnings"])


def test_json_of_medians_all_reached_has_an_empty_not_pooled(tmp_path: Path) -> None:
    folder = median_review(tmp_path, rows=((5, 20, "A"), (7, 30, "B")))
    result = invoke("pool", "--outcome", "OS", "--format", "json", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["not_pooled"] == []


def test_csv_and_markdown_list_it(tmp_path: Path) -> None:
    folder = median_review(tmp_path)
    csv = pool_text(folder, "--format", "csv").splitlines()
    assert csv[3] == "not-pooled,,m2,all,Cite 2022,median NR,40" + "," * 12
    assert csv[4].startswith("pooled,")
    md = pool_text(folder, "--format", "md")
    assert "| Cite 2022 | median NR | NR | not reached, not pooled |  |" in md


def test_forest_draws_a_row_without_square_or_line(tmp_path: Path) -> None:
    from synthesis.analyses.pool import pool
    from synthesis.plots.forest import forest_layout

    layout = forest_layout(pool(studies=median_review(tmp_path), outcome="OS"))
    row = next(r for r in layout.rows if r.label == "Cite 2022")
    assert (row.kind, row.data, row.estimate_text) == (
        "study", "median NR", "NR (not reached, not pooled)",
    )  # fmt: skip
    assert (row.x, row.lo, row.hi, row.size, row.weight_text) == (None, None, None, 0.0, "")
    labels = [r.label for r in layout.rows if r.kind != "blank"]
    assert labels.index("Cite 2022") == 2 and labels[3].startswith("Pooled")


def test_a_subgroup_with_no_median_reached_is_listed_under_its_heading(tmp_path: Path) -> None:
    from synthesis.analyses.pool import pool
    from synthesis.plots.forest import forest_layout

    folder = median_review(
        tmp_path, rows=((5, 20, "A"), ("NR", 40, "A"), (7, 30, "B"), (9, 25, "B"), ("NR", 15, "C"))
    )
    out = pool_text(folder, "--by", "g")
    lines_ = out.splitlines()
    c = lines_.index("g = C")
    assert lines_[c + 1].startswith("Cite 2024") and "not reached, not pooled" in lines_[c + 1]
    a = lines_.index("g = A")
    assert lines_[a + 2].startswith("Cite 2021") and "not reached, not pooled" in lines_[a + 2]
    csv = pool_text(folder, "--by", "g", "--format", "csv")
    assert "not-pooled,A,m1,all,Cite 2021" in csv and "not-pooled,C,m4,all,Cite 2024" in csv
    layout = forest_layout(pool(studies=folder, outcome="OS", by="g"))
    shown = [(r.kind, r.label) for r in layout.rows if r.kind != "blank"]
    c = shown.index(("subgroup-header", "g = C"))
    assert shown[c + 1] == ("study", "Cite 2024") and shown[c + 2][0] == "pooled"


def test_every_median_not_reached_is_still_an_error(tmp_path: Path) -> None:
    folder = median_review(tmp_path, rows=(("NR", 20, "A"), ("NR", 30, "B")))
    result = invoke("pool", "--outcome", "OS", "--studies", str(folder))
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith(
        "no median of OS can be pooled (all missing n or not reached)"
    )


# ---------------------------------------------------------------------------------------
# 10. text the plot font cannot draw: one synth warning, no Python warning

CJK_LABELS = ["Müller 2020 — 北京", "Øster 2021", "Ünal 2022"]


def cjk_review(tmp_path: Path, labels=CJK_LABELS) -> Path:
    folder = tmp_path / "studies"
    for i, label in enumerate(labels):
        record(
            folder, f"s{i}", 2020 + i, [f"{{name: ORR, events: {5 + 2 * i}, total: 20}}"],
            extra=f'label: "{label}"\n',
        )  # fmt: skip
    return folder


def forest_in_fresh_process(
    tmp_path: Path, folder: Path, out: Path, *, fallbacks: bool, command=("forest", "-o")
):
    """``synth forest`` (or ``command``: a plotting command and its output option) as the
    user runs it; without ``fallbacks`` no CJK font is used
    (as on a machine that has none), whatever this machine has installed."""
    code = (
        "import sys, synthesis.plots.fonts as f\n"
        + ("" if fallbacks else "f.FALLBACK_FONTS = ()\n")
        + "from synthesis.cli import main\nmain(sys.argv[1:])\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, command[0], "--outcome", "ORR", "--studies", str(folder),
         command[1], str(out)],
        capture_output=True, text=True, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "command"),
    [
        ("png", ("forest", "-o")),
        ("svg", ("forest", "-o")),
        ("pdf", ("forest", "-o")),
        ("png", ("sensitivity", "--plot")),
        ("svg", ("sensitivity", "--plot")),
    ],
)
def test_no_font_for_cjk_gives_one_synth_warning_naming_the_label(
    tmp_path: Path, fmt, command
) -> None:
    out = tmp_path / f"f.{fmt}"
    run = forest_in_fresh_process(
        tmp_path, cjk_review(tmp_path), out, fallbacks=False, command=command
    )
    assert run.returncode == 0, run.stderr
    assert out.stat().st_size > 0
    # the command's own lines (sensitivity: its warnings, "wrote ...") aside, one line
    # about the fonts and nothing raw from matplotlib
    assert "UserWarning" not in run.stderr and ".py:" not in run.stderr, run.stderr
    said = [line for line in run.stderr.splitlines() if "draw" in line or "glyph" in line]
    if command[0] == "forest":
        said = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(said) == 1, run.stderr
    assert said[0].split("warning: ", 1)[1] == (
        "label 'Müller 2020 — 北京' has characters the plot font cannot draw (北 京), drawn as "
        "empty boxes; install a font that has them (e.g. fonts-noto-cjk) or give the record a "
        "label: without them"
    )


def test_with_the_installed_fonts_nothing_raw_reaches_the_terminal(tmp_path: Path) -> None:
    # a CJK font here or not: no Python warning, no matplotlib log line; at most synth's one
    out = tmp_path / "f.svg"
    run = forest_in_fresh_process(tmp_path, cjk_review(tmp_path), out, fallbacks=True)
    assert run.returncode == 0, run.stderr
    others = [line for line in run.stderr.splitlines() if "plot font cannot draw" not in line]
    assert others == [], run.stderr


def test_latin_labels_with_accents_need_no_fallback(tmp_path: Path) -> None:
    out = tmp_path / "f.png"
    folder = cjk_review(tmp_path, labels=["Müller 2020", "Øster 2021", "Łukasz 2022 – ß"])
    run = forest_in_fresh_process(tmp_path, folder, out, fallbacks=False)
    assert (run.returncode, run.stderr) == (0, "")


def test_missing_glyphs_warning_words(monkeypatch: pytest.MonkeyPatch) -> None:
    from synthesis.plots import fonts

    monkeypatch.setattr(fonts, "FALLBACK_FONTS", ())
    assert fonts.font_family() == ["DejaVu Sans"]
    assert fonts.missing_glyphs_warning(["Smith 2020", "Müller 2021"], ["ORR"]) is None
    assert fonts.missing_characters("Yoon 2025 — 서울 北京 北") == ["서", "울", "北", "京"]
    two = fonts.missing_glyphs_warning(["A 北", "B 京"])
    assert two is not None and two.startswith(
        "labels 'A 北', 'B 京' have characters the plot font cannot draw (北 京)"
    )
    title = fonts.missing_glyphs_warning(["Smith 2020"], ["生存"])
    assert title == (
        "'生存' has characters the plot font cannot draw (生 存), drawn as empty boxes; "
        "install a font that has them (e.g. fonts-noto-cjk)"
    )
    many = fonts.missing_glyphs_warning(["".join(chr(0x4E00 + i) for i in range(12))])
    assert many is not None and "(一 丁 丂 七 丄 丅 丆 万 丈 三 ...)" in many


def test_font_family_names_only_installed_fonts() -> None:
    from matplotlib import font_manager

    from synthesis.plots import fonts

    family = fonts.font_family()
    names = {f.name for f in font_manager.fontManager.ttflist}
    assert family[0] == "DejaVu Sans" and set(family) <= names
    assert family[1:] == [f for f in fonts.FALLBACK_FONTS if f in names]


def test_quiet_glyphs_restores_the_warning_filters_and_the_log_level() -> None:
    import logging
    import warnings

    from synthesis.plots.fonts import quiet_glyphs

    log = logging.getLogger("matplotlib.font_manager")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        before = (log.level, list(warnings.filters))
        with quiet_glyphs():
            assert log.level == logging.ERROR
            warnings.warn("Glyph 21271 (x) missing from font(s) DejaVu Sans.", stacklevel=1)
            warnings.warn("another warning", stacklevel=1)
        after = (log.level, list(warnings.filters))
    assert after == before
    assert [str(w.message) for w in seen] == ["another warning"]


# ---------------------------------------------------------------------------------------
# 7. (invariant) unique_labels


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Smith 2020", "Smith 2020a", "Smith 2020b", "Lee 2019", "Lee 2019a"]),
            st.integers(0, 10_000),
        ),
        max_size=40,
        unique_by=lambda t: t[1],
    )
)
def test_unique_labels_are_unique_and_only_ever_add_letters(rows) -> None:
    from types import SimpleNamespace

    from synthesis.records.schema import unique_labels

    studies = [SimpleNamespace(own_label=label, id=f"s{sid:05d}") for label, sid in rows]
    labels = unique_labels(studies)
    assert len(set(labels)) == len(labels)
    own = [s.own_label for s in studies]
    for s, label in zip(studies, labels, strict=True):
        if own.count(s.own_label) == 1:
            assert label == s.own_label  # a label nobody shares is left alone
        else:
            assert label.startswith(s.own_label) and label[len(s.own_label) :].isalpha()
    # the same studies in another order get the same labels (letters follow the ids)
    again = dict(zip((s.id for s in reversed(studies)), unique_labels(studies[::-1]), strict=True))
    assert [again[s.id] for s in studies] == labels
