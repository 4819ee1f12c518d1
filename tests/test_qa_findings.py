"""QA findings: each test states the expected behaviour of a defect found in the QA pass.

Every test is ``xfail(strict=True)``: it fails today, and once the defect is fixed it
passes, turns the suite red, and must be un-marked. One finding per test; the list with
the commands to reproduce is /work/notes/qa.md. Reviews are written into ``tmp_path``;
no test writes into the repository.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import invoke, record

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")


def identical_hr_review(tmp_path: Path) -> Path:
    folder = tmp_path / "studies"
    for i in range(3):
        record(folder, f"h{i}", 2020 + i, ["{name: OS, hr: 0.8, ci: [0.6, 1.1]}"])
    return folder


# --- 1. inf printed for identical estimates under --ci hksj --------------------------


def test_hksj_identical_estimates_print_no_inf_in_text(tmp_path: Path) -> None:
    folder = identical_hr_review(tmp_path)
    result = invoke("pool", "--outcome", "OS", "--ci", "hksj", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    assert not re.search(r"\binf\b", result.stdout), result.stdout


def test_hksj_identical_estimates_with_null_print_no_inf(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    for i in range(4):
        record(folder, f"i{i}", 2015 + i, ["{name: ORR, events: 10, total: 20}"])
    result = invoke(
        "pool", "--outcome", "ORR", "--ci", "hksj", "--null", "0.3", "--studies", str(folder)
    )
    assert result.exit_code == 0, result.stderr
    assert not re.search(r"\binf\b", result.stdout), result.stdout


def test_hksj_identical_estimates_no_inf_in_forest_or_report(tmp_path: Path) -> None:
    folder = identical_hr_review(tmp_path)
    svg, html = tmp_path / "f.svg", tmp_path / "r.html"
    r1 = invoke(
        "forest", "--outcome", "OS", "--ci", "hksj", "--studies", str(folder), "-o", str(svg)
    )
    r2 = invoke("report", "--ci", "hksj", "--studies", str(folder), "-o", str(html))
    assert (r1.exit_code, r2.exit_code) == (0, 0), (r1.stderr, r2.stderr)
    assert "= -inf" not in svg.read_text(encoding="utf-8")
    assert "= -inf" not in html.read_text(encoding="utf-8")


def test_hksj_identical_estimates_json_statistic_and_p_agree(tmp_path: Path) -> None:
    folder = identical_hr_review(tmp_path)
    result = invoke(
        "pool", "--outcome", "OS", "--ci", "hksj", "--format", "json", "--studies", str(folder)
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    # a test statistic that does not exist has no p value either
    assert (out["statistic"] is None) == (out["p_value"] is None), out


# --- 2. unknown outcome: no "did you mean" -----------------------------------------------


def test_unknown_outcome_suggests_the_nearest() -> None:
    result = invoke("pool", "--outcome", "ORX", "--studies", STUDIES)
    assert result.exit_code == 2
    assert "did you mean 'ORR'" in result.stderr, result.stderr


def test_misspelt_synonym_suggests_the_outcome() -> None:
    result = invoke("pool", "--outcome", "overall respnse rate", "--studies", STUDIES)
    assert result.exit_code == 2
    assert "did you mean 'ORR'" in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["table", "grade", "studies", "sensitivity"])
def test_unknown_outcome_suggests_in_every_command(command: str) -> None:
    result = invoke(command, "--outcome", "ORX", "--studies", STUDIES)
    assert result.exit_code == 2
    assert "did you mean 'ORR'" in result.stderr, result.stderr


# --- 3. error messages not in the form 'synth: error: ...' -------------------------------


def test_user_errors_say_synth_error() -> None:
    result = invoke("pool", "--outcome", "ORX", "--studies", STUDIES)
    assert result.exit_code == 2
    assert result.stderr.startswith("synth: error: "), result.stderr


def test_existing_target_message_says_synth_error(tmp_path: Path) -> None:
    target = tmp_path / "exists.png"
    target.write_bytes(b"old")
    result = invoke("forest", "--outcome", "ORR", "--studies", STUDIES, "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.startswith("synth: error: "), result.stderr
    assert "--force" in result.stderr
    assert target.read_bytes() == b"old"


# --- 4. output target is a folder: click usage error instead of synth's message ----------


@pytest.mark.parametrize(
    "args",
    [
        ("forest", "--outcome", "ORR", "-o"),
        ("report", "-o"),
        ("grade", "--format", "html", "-o"),
        ("rob", "-o"),
        ("sensitivity", "--outcome", "ORR", "--plot"),
        ("bias", "--outcome", "ORR", "--funnel"),
        ("regress", "--outcome", "ORR", "--plot"),
    ],
)
def test_folder_as_output_is_a_synth_error(tmp_path: Path, args: tuple[str, ...]) -> None:
    folder = tmp_path / "adir.png"
    folder.mkdir()
    result = invoke(*args, str(folder), "--studies", STUDIES)
    assert result.exit_code == 2
    assert "Usage:" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"synth: error: cannot write {folder}"), result.stderr


# --- 5. duplicate labels -----------------------------------------------------------------


def test_same_author_and_year_get_distinct_labels(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    (folder).mkdir()
    (folder / "a.yaml").write_text(
        'id: smith2020a\ncitation: "Smith J. A trial"\nyear: 2020\n'
        "outcomes:\n  - {name: ORR, events: 5, total: 20}\n"
    )
    (folder / "b.yaml").write_text(
        'id: smith2020b\ncitation: "Smith J. Another"\nyear: 2020\n'
        "outcomes:\n  - {name: ORR, events: 9, total: 20}\n"
    )
    result = invoke("pool", "--outcome", "ORR", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    rows = [line.split("  ")[0] for line in result.stdout.splitlines() if "/20" in line]
    assert len(rows) == 2 and rows[0] != rows[1], rows


# --- 6. non-ASCII labels in plots --------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("forest", "-o", "f.png"), ("sensitivity", "--plot", "s.png"), ("bias", "--funnel", "b.png")],
)
def test_cjk_label_gives_no_raw_matplotlib_warning(tmp_path: Path, command: tuple) -> None:
    folder = tmp_path / "studies"
    for i, label in enumerate(["Müller 2020 — 北京", "Øster 2021", "Ünal 2022"]):
        record(
            folder,
            f"s{i}",
            2020 + i,
            [f"{{name: ORR, events: {5 + 2 * i}, total: 20}}"],
            extra=f'label: "{label}"\n',
        )
    # a fresh process, as the user runs it (pytest would capture the Python warning itself)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "synthesis",
            command[0],
            "--outcome",
            "ORR",
            *("--studies", str(folder)),
            *command[1:],
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"},
    )
    assert result.returncode == 0, result.stderr
    assert "UserWarning" not in result.stderr, result.stderr
    assert ".py:" not in result.stderr, result.stderr


# --- 7. multilevel k = 1 shows a CI that is not the study's own -------------------------


def test_multilevel_single_study_shows_the_study_s_own_ci(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    record(folder, "s1", 2020, ["{name: ORR, events: 5, total: 20}"])
    rows = invoke("pool", "--outcome", "ORR", "--format", "json", "--studies", str(folder))
    ml = invoke(
        "pool", "--outcome", "ORR", "--model", "multilevel", "--format", "json",
        "--studies", str(folder),
    )  # fmt: skip
    assert (rows.exit_code, ml.exit_code) == (0, 0), (rows.stderr, ml.stderr)
    a, b = json.loads(rows.stdout), json.loads(ml.stdout)
    # the warning says "the estimate and CI shown are the study's own" in both models
    assert (b["ci_low"], b["ci_high"]) == pytest.approx((a["ci_low"], a["ci_high"]), rel=1e-12)
    assert (b["ci_low"], b["ci_high"]) == pytest.approx(
        (b["studies"][0]["ci_low"], b["studies"][0]["ci_high"]), rel=1e-12
    )


# --- 8. --permutations exact too large: a 1,000-digit number in the message -------------


def test_too_many_exact_permutations_message_is_readable(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    for i in range(200):
        record(folder, f"b{i:03d}", 1990 + i % 30, [f"{{name: ORR, events: {i % 17}, total: 40}}"])
    result = invoke(
        "regress", "--outcome", "ORR", "--mods", "year", "--permutations", "exact",
        "--studies", str(folder),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--permutations" in result.stderr and "10000" in result.stderr
    first = result.stderr.splitlines()[0]
    assert len(first) < 400, f"{len(first)} characters: {first[:200]}..."


# --- 9. grade -o FILE whose suffix contradicts --format ---------------------------------


def test_grade_refuses_a_format_that_contradicts_the_suffix(tmp_path: Path) -> None:
    target = tmp_path / "sof.docx"
    result = invoke("grade", "--format", "md", "-o", str(target), "--studies", STUDIES)
    assert result.exit_code == 2
    assert result.stderr.startswith("synth: error: "), result.stderr
    assert not target.exists()


# --- 10. --help examples that cannot be run verbatim ------------------------------------


def _help_examples(command: str) -> list[str]:
    text = invoke(command, "--help").stdout
    block = text.split("Examples:", 1)[1].split("Options:", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("synth ")]


def test_help_examples_are_shell_safe() -> None:
    bad = []
    for command in ("pool", "forest", "regress", "sensitivity", "bias", "grade", "rob"):
        for example in _help_examples(command):
            check = subprocess.run(["bash", "-n", "-c", example], capture_output=True)
            if check.returncode != 0:
                bad.append(example)
    assert not bad, bad


@pytest.mark.parametrize("command", ["pool", "forest", "regress"])
def test_help_examples_run_on_the_bundled_review(command: str, tmp_path: Path) -> None:
    failures = []
    for example in _help_examples(command):
        args = shlex.split(example.split("  #")[0].replace("factor(alloc)", "'factor(alloc)'"))
        args = args[1:]
        for flag in ("-o", "--output", "--plot"):
            if flag in args:
                i = args.index(flag) + 1
                args[i] = str(tmp_path / Path(args[i]).name)
        result = invoke(*args, "--studies", STUDIES)
        if result.exit_code != 0:
            failures.append((example, result.stderr.strip().splitlines()[-1:]))
    assert not failures, failures


# --- 11. synth.yaml studies: a missing folder is not reported as FILE:LINE --------------


def test_synth_yaml_missing_studies_folder_is_file_line_field(tmp_path: Path) -> None:
    (tmp_path / "synth.yaml").write_text("studies: nope\n")
    result = invoke("validate", cwd=tmp_path)
    assert result.exit_code == 2
    assert re.match(r"(\S*/)?synth\.yaml:1: studies: ", result.stderr), result.stderr


# --- 12. table JSON's certainty is display glyphs, grade JSON's a level -----------------


def test_table_json_certainty_is_the_grade_level() -> None:
    table = invoke("table", "--format", "json", "--studies", STUDIES)
    grade = invoke("grade", "--format", "json", "--studies", STUDIES)
    assert (table.exit_code, grade.exit_code) == (0, 0)
    levels = {o["outcome"]: o["certainty"] for o in json.loads(grade.stdout)["outcomes"]}
    for row in json.loads(table.stdout)["rows"]:
        assert row["certainty"] == levels[row["outcome"]], row


# --- 13. medians not reached are not listed -----------------------------------------------


def test_median_not_reached_is_listed_in_pool_output(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    for i, (median, n) in enumerate([(5, 20), (7, 30), ("NR", 40)]):
        record(folder, f"m{i}", 2020 + i, [f"{{name: OS, median: {median}, n: {n}}}"])
    result = invoke("pool", "--outcome", "OS", "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    assert "Cite 2022" in result.stdout, result.stdout  # the study, listed as not reached
    assert re.search(r"\bNR\b|not reached", result.stdout), result.stdout


# --- 14. --by with --also: subgroup rows labelled as the overall pooled result ------------


def test_subgroup_common_effect_rows_are_subtotals() -> None:
    result = invoke(
        "pool", "--outcome", "ORR", "--by", "disease", "--also", "FE", "--studies", STUDIES
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    # only the overall result is "Pooled"; a subgroup's is a subtotal, and a k = 1
    # subgroup has one "not pooled" row, not two
    assert sum(line.startswith("Pooled (common effect)") for line in lines) == 1, result.stdout
    assert sum("not pooled" in line for line in lines) == 1, result.stdout


# --- 15. options that are silently ignored or advise what is already done ----------------


def test_cluster_without_multilevel_is_not_silently_ignored() -> None:
    result = invoke("pool", "--outcome", "ORR", "--cluster", "disease", "--studies", STUDIES)
    assert "--cluster" in result.stderr, result.stderr


def test_multilevel_also_fe_does_not_advise_multilevel() -> None:
    result = invoke(
        "pool", "--outcome", "ORR", "--model", "multilevel", "--also", "FE", "--studies", STUDIES
    )
    assert result.exit_code == 0, result.stderr
    advice = [line for line in result.stderr.splitlines() if "--model multilevel pools" in line]
    assert not advice, advice


def test_studies_option_naming_a_file_is_a_synth_error(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("x")
    result = invoke("validate", "--studies", str(target))
    assert result.exit_code == 2
    assert "Usage:" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"synth: error: {target}"), result.stderr


# --- 16. two-arm comparative studies pooled as one single-group proportion, no warning ---


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


@pytest.mark.parametrize("command", ["pool", "table"])
def test_two_arm_counts_pooled_as_one_proportion_point_to_rr(command: str, tmp_path: Path) -> None:
    folder = two_arm_review(tmp_path)
    args = ["pool", "--outcome", "Death"] if command == "pool" else ["table"]
    result = invoke(*args, "--studies", str(folder))
    assert result.exit_code == 0, result.stderr
    # the grade command's warning: "every study compares an experimental and a control arm,
    # pooled here as single-group proportions (PLO) ...; ... use --measure RR"
    text = result.stderr + result.stdout
    assert "experimental and a control arm" in text and "--measure RR" in text, text


# --- 17. grade --level 0.9: 90% intervals under "95% CI" headers --------------------------


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_grade_headers_follow_the_confidence_level(fmt: str) -> None:
    result = invoke(
        "grade", "--outcome", "ORR", "--level", "0.9", "--format", fmt, "--studies", STUDIES
    )
    assert result.exit_code == 0, result.stderr
    assert "518 per 1,000 (332 to 700)" in result.stdout  # the 90% interval (synth table's)
    assert "95% CI" not in result.stdout, result.stdout
    assert "90% CI" in result.stdout, result.stdout


def test_grade_reasons_follow_the_confidence_level(tmp_path: Path) -> None:
    folder = two_arm_review(tmp_path)
    result = invoke(
        "grade", "--measure", "RR", "--level", "0.9", "--format", "json", "--studies", str(folder)
    )
    assert result.exit_code == 0, result.stderr
    reason = json.loads(result.stdout)["outcomes"][0]["domains"]["imprecision"]["reason"]
    assert "95% CI" not in reason and "90% CI" in reason, reason
