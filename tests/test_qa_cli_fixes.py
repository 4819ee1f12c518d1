"""The command-line QA fixes (qa.md findings 4, 5, 6, 11, 12, 13, 15, 16, 17): the
neighbouring cases of the tests in test_qa_findings.py, each with its exact error text and
exit status, in-process with click's CliRunner. Reviews are written into ``tmp_path``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import invoke, record

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")
#: the outcomes of the bundled review, as every "no study reports outcome" message lists them
OUTCOMES = "CR, CR/CRi, DOR, EFS, Mortality, ORR, OS, PFS"


# --- 4. unknown outcome: did you mean, in every command ------------------------------------


ORX = (
    f"synth: error: no study reports outcome 'ORX'; did you mean 'ORR'? (outcomes in this review: "
    f"{OUTCOMES})\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ("pool", "--outcome", "ORX"),
        ("table", "--outcome", "ORX"),
        ("grade", "--outcome", "ORX"),
        ("studies", "--outcome", "ORX"),
        ("sensitivity", "--outcome", "ORX"),
        ("bias", "--outcome", "ORX"),
        ("regress", "--outcome", "ORX", "--mods", "year"),
        ("forest", "--outcome", "ORX", "-o", "f.png"),
    ],
)
def test_unknown_outcome_message_is_the_same_in_every_command(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    result = invoke(*args, "--studies", STUDIES, cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (2, ORX)
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # forest wrote nothing


@pytest.mark.parametrize("command", ["table", "report"])
def test_unknown_outcome_in_measure_option_suggests(command: str, tmp_path: Path) -> None:
    args = ["-o", str(tmp_path / "r.html")] if command == "report" else []
    result = invoke(command, "--measure", "ORX=RR", *args, "--studies", STUDIES)
    assert result.exit_code == 2
    assert result.stderr == (
        "synth: error: --measure ORX=RR: no study reports outcome 'ORX'; did you mean 'ORR'? "
        f"(outcomes in this review: {OUTCOMES})\n"
    )
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("overall respnse rate", "ORR"),  # a misspelt synonym: the outcome it stands for
        ("objectve response rate", "ORR"),
        ("overall survivl", "OS"),
        ("Mortalty", "Mortality"),  # a misspelt outcome name
        ("mortalty", "Mortality"),  # case does not matter
        ("PFX", "PFS"),
        ("complete remision", "CR"),
    ],
)
def test_misspelt_names_and_synonyms_suggest_the_outcome(name: str, meant: str) -> None:
    result = invoke("pool", "--outcome", name, "--studies", STUDIES)
    assert result.exit_code == 2
    assert result.stderr == (
        f"synth: error: no study reports outcome '{name}'; did you mean '{meant}'? "
        f"(outcomes in this review: {OUTCOMES})\n"
    )


def test_a_synonym_of_an_outcome_absent_from_the_review_is_read_as_it() -> None:
    # "progression free survival" is PFS, which this review has; "time to progression" is
    # TTP, which it has not: no guess, the name it was read as and the listing
    result = invoke("pool", "--outcome", "time to progression", "--studies", STUDIES)
    assert result.exit_code == 2
    assert result.stderr == (
        "synth: error: no study reports outcome 'time to progression' (read as TTP); outcomes in "
        f"this review: {OUTCOMES}\n"
    )


def test_nothing_close_gives_the_listing_only() -> None:
    result = invoke("pool", "--outcome", "XYZ", "--studies", STUDIES)
    assert (result.exit_code, result.stderr) == (
        2,
        f"synth: error: no study reports outcome 'XYZ'; outcomes in this review: {OUTCOMES}\n",
    )


def test_only_outcomes_of_the_review_are_suggested(tmp_path: Path) -> None:
    # ORR is a built-in name, but this review has only OS: ORX suggests nothing
    folder = tmp_path / "studies"
    record(folder, "a", 2020, ["{name: OS, hr: 0.8, ci: [0.6, 1.1]}"])
    result = invoke("pool", "--outcome", "ORX", "--studies", str(folder))
    assert (result.exit_code, result.stderr) == (
        2,
        "synth: error: no study reports outcome 'ORX'; outcomes in this review: OS\n",
    )


def test_synth_yaml_synonyms_are_suggested_too(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    record(folder, "a", 2020, ["{name: QoL, estimate: 0.3, se: 0.1, scale: SMD}"])
    (tmp_path / "synth.yaml").write_text("synonyms:\n  QoL: [quality of life]\n")
    result = invoke("pool", "--outcome", "quality of lfe", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (
        2,
        "synth: error: no study reports outcome 'quality of lfe'; did you mean 'QoL'? "
        "(outcomes in this review: QoL)\n",
    )


def test_synth_yaml_grade_outcome_suggests_through_synonyms(tmp_path: Path) -> None:
    # the synth.yaml warning uses the same helper: a misspelt synonym names its outcome
    (tmp_path / "synth.yaml").write_text(
        f"studies: {STUDIES}\ngrade:\n  overall respnse rate:\n    risk_of_bias: "
        '{downgrade: 1, reason: "no blinding"}\n'
    )
    result = invoke("grade", "--outcome", "ORR", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (
        "synth: warning: synth.yaml: grade.overall respnse rate: no study reports outcome "
        "'overall respnse rate', so these judgements are not used; did you mean 'ORR'?\n"
    ) in result.stderr


# --- 6. an output target that is a folder; --studies naming a file ------------------------


FOLDER_TARGETS = [
    ("forest", "--outcome", "ORR", "-o"),
    ("report", "-o"),
    ("grade", "--format", "html", "-o"),
    ("rob", "-o"),
    ("sensitivity", "--outcome", "ORR", "--plot"),
    ("bias", "--outcome", "ORR", "--funnel"),
    ("regress", "--outcome", "ORR", "--plot"),
]


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("args", FOLDER_TARGETS)
def test_folder_target_has_one_wording_in_every_command(
    args: tuple[str, ...], force: bool, tmp_path: Path
) -> None:
    name = "adir.html" if args[0] in ("report", "table", "grade") else "adir.png"
    folder = tmp_path / name
    folder.mkdir()
    extra = ["--force"] if force else []
    result = invoke(*args, name, *extra, "--studies", STUDIES, cwd=tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"synth: error: cannot write {name}: it is a folder; give a file name\n"
    assert list(folder.iterdir()) == []


def test_extract_folder_target_has_the_same_wording(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("In 20 patients, 10 responded (50%).\n")
    (tmp_path / "new.yaml").mkdir()
    result = invoke("extract", "a.txt", "-o", "new.yaml", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (
        2,
        "synth: error: cannot write new.yaml: it is a folder; give a file name\n",
    )


def test_link_to_a_folder_as_target_says_so(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "f.png").symlink_to("real")
    result = invoke("forest", "--outcome", "ORR", "-o", "f.png", "--studies", STUDIES, cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (
        2,
        "synth: error: cannot write f.png: it is a symbolic link to real, which is a folder; "
        "give a file name\n",
    )


@pytest.mark.parametrize(
    "args",
    [("validate",), ("studies",), ("pool", "--outcome", "ORR"), ("table",), ("grade",)],
)
def test_studies_option_naming_a_file_is_refused_by_synth(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("x")
    result = invoke(*args, "--studies", "notes.txt", cwd=tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "synth: error: notes.txt: is a file, not a folder; --studies takes the folder of the study "
        "records\n"
    )


def test_studies_option_naming_nothing_is_refused(tmp_path: Path) -> None:
    result = invoke("validate", "--studies", "nope", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (
        2,
        "synth: error: nope: studies directory not found\n",
    )


# --- 17. synth.yaml studies: a folder that is not there -----------------------------------


TRAILER = "synth: 1 error(s) in 1 file(s); fix them and run again\n"


@pytest.mark.parametrize("command", [("validate",), ("pool", "--outcome", "ORR"), ("table",)])
def test_synth_yaml_missing_studies_folder(command: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "synth.yaml").write_text("# my review\n\nstudies: records/here\n")
    result = invoke(*command, cwd=tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "synth.yaml:3: studies: directory records/here not found; give the folder of the "
        "study records, relative to the folder of synth.yaml\n" + TRAILER
    )


def test_synth_yaml_studies_naming_a_file(tmp_path: Path) -> None:
    (tmp_path / "synth.yaml").write_text("studies: notes.txt\n")
    (tmp_path / "notes.txt").write_text("x")
    result = invoke("validate", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (
        2,
        "synth.yaml:1: studies: notes.txt is a file, not a folder; give the folder of the "
        "study records, relative to the folder of synth.yaml\n" + TRAILER,
    )


def test_synth_yaml_studies_is_relative_to_its_folder_and_yields_to_the_option(
    tmp_path: Path,
) -> None:
    (tmp_path / "synth.yaml").write_text("studies: nope\n")
    # --studies wins: synth.yaml's folder is not looked at
    result = invoke("validate", "--studies", STUDIES, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("OK: 5 records")
    # a folder that is there, relative to synth.yaml
    record(tmp_path / "nope", "a", 2020, ["{name: ORR, events: 5, total: 20}"])
    result = invoke("validate", cwd=tmp_path)
    assert (result.exit_code, result.stdout) == (
        0,
        "OK: 1 record, 1 outcome entries (1 outcome), 0 warnings\n",
    )


def test_other_synth_yaml_problems_name_the_file_as_records_are_named(tmp_path: Path) -> None:
    (tmp_path / "synth.yaml").write_text("studies: x\nstudys: y\n")
    result = invoke("validate", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (
        2,
        "synth.yaml:2: studys: unknown setting; did you mean 'studies'?\n" + TRAILER,
    )


# --- 11. every --help example runs verbatim on the bundled review ---------------------------


COMMANDS = [
    "validate",
    "studies",
    "pool",
    "forest",
    "table",
    "report",
    "grade",
    "rob",
    "sensitivity",
    "bias",
    "regress",
    "extract",
]


def help_examples(command: str) -> list[str]:
    text = invoke(command, "--help").stdout
    block = text.split("Examples:", 1)[1].split("Options:", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("synth ")]


def test_every_command_has_examples() -> None:
    assert all(help_examples(command) for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_example_is_one_shell_command(command: str) -> None:
    # bash parses it as one simple command (no unquoted ( ) ; & |) and the words synth
    # gets are those the example shows
    import shlex
    import subprocess

    for example in help_examples(command):
        check = subprocess.run(["bash", "-n", "-c", example], capture_output=True, text=True)
        assert check.returncode == 0, (example, check.stderr)
        words = shlex.split(example, comments=True)
        assert not {"(", ")", ";", "&", "|", "&&"} & set(words), example


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_example_runs_where_synth_falls_back_to_the_bundled_review(
    command: str, tmp_path: Path
) -> None:
    """Each example in a fresh folder without studies/ (synth falls back to the bundled
    review), as a reader who copies it would run it; an example that needs the reader's
    own files (an abstract, their review) says so in a comment, and runs once they are there."""
    import shlex
    import shutil

    for i, example in enumerate(help_examples(command)):
        here = tmp_path / str(i)
        here.mkdir()
        # extract's ABSTRACT.txt is always the reader's own text
        shutil.copy(Path(STUDIES) / "abstracts" / "yoon2025-ankl.txt", here / "abstract.txt")
        if "  #" in example and "pooled logit" not in example:  # the reader's own review
            shutil.copytree(STUDIES, here / "my-review" / "studies")
            shutil.copytree(STUDIES, here / "studies")
        words = shlex.split(example, comments=True)[1:]
        if ">" in words:  # synth table --format csv > summary.csv: stdout is the file
            words = words[: words.index(">")]
        result = invoke(*words, cwd=here)
        assert result.exit_code == 0, (example, result.stderr)


# --- 12. --permutations exact: a count a reader can take in ---------------------------------


def many_studies(folder: Path, k: int) -> None:
    for i in range(k):
        record(folder, f"b{i:03d}", 1990 + i % 30, [f"{{name: ORR, events: {i % 17}, total: 40}}"])


def test_too_many_exact_permutations_of_a_moderator(tmp_path: Path) -> None:
    import math

    many_studies(tmp_path / "s", 200)
    # 200 studies over 30 years: 20 years of 7 studies and 10 of 6; the distinct
    # arrangements of year are the multinomial 200! / (7!^20 6!^10)
    count = math.factorial(200) // (math.factorial(7) ** 20 * math.factorial(6) ** 10)
    digits = str(count)
    assert len(digits) == 273 and digits.startswith("1883")  # about 1.9e272
    result = invoke(
        "regress", "--outcome", "ORR", "--mods", "year", "--permutations", "exact",
        "--studies", str(tmp_path / "s"),
    )  # fmt: skip
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (
        "synth: error: --permutations exact: the 200 studies have about 1.9e272 distinct "
        "arrangements of the moderators, more than synth enumerates (1,000,000); use random "
        "permutations instead, e.g. --permutations 10000"
    )


@pytest.mark.parametrize(
    ("k", "shown"),
    [(21, "2,097,152"), (39, "549,755,813,888"), (40, "about 1.1e12"), (60, "about 1.2e18")],
)
def test_too_many_exact_sign_flips(k: int, shown: str, tmp_path: Path) -> None:
    # the intercept-only model: 2^k sign flips; exact with separators below a trillion
    many_studies(tmp_path / "s", k)
    result = invoke(
        "regress", "--outcome", "ORR", "--permutations", "exact", "--studies", str(tmp_path / "s")
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"synth: error: "
        f"--permutations exact: the {k} studies have {shown} sign flips, more than synth "
        "enumerates (1,000,000); use random permutations instead, e.g. --permutations 10000"
    )


# --- 13. a format that contradicts the output file's suffix: refused, nothing written -------


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("sof.docx", "md", "--format md does not match the suffix of sof.docx (.docx is docx); "
         "leave out --format or name the file sof.md"),
        ("sof.md", "json", "--format json does not match the suffix of sof.md (.md is md); "
         "leave out --format or name the file sof.json"),
        ("sof.HTM", "docx", "--format docx does not match the suffix of sof.HTM (.htm is html); "
         "leave out --format or name the file sof.docx"),
        ("sof.txt", None, "sof.txt: the suffix '.txt' names no format; end the file name with "
         ".md, .csv, .html, .htm, .json or .docx, or give --format"),
        ("sof", None, "sof: no suffix names the format; end the file name with .md, .csv, "
         ".html, .htm, .json or .docx, or give --format"),
    ],
)  # fmt: skip
def test_grade_output_format_and_suffix_must_agree(
    name: str, fmt: str | None, message: str, tmp_path: Path
) -> None:
    args = ["--format", fmt] if fmt else []
    result = invoke("grade", *args, "-o", name, "--studies", STUDIES, cwd=tmp_path)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"synth: error: {message}\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "fmt", "written"),
    [
        ("sof.txt", "md", "### Summary of findings"),  # --format for a suffix of no format
        ("sof.HTML", None, "<!DOCTYPE html>"),  # the suffix, any case
        ("sof.htm", "html", "<!DOCTYPE html>"),
        ("sof.json", "json", "{"),
        ("sof.csv", None, "outcome,participants,"),
    ],
)
def test_grade_output_format_agreeing_with_the_suffix_is_written(
    name: str, fmt: str | None, written: str, tmp_path: Path
) -> None:
    args = ["--format", fmt] if fmt else []
    result = invoke("grade", *args, "-o", name, "--studies", STUDIES, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / name).read_text(encoding="utf-8").lstrip().startswith(written)


@pytest.mark.parametrize("name", ["report.pdf", "report.md", "report"])
def test_report_writes_html_files_only(name: str, tmp_path: Path) -> None:
    result = invoke("report", "-o", name, "--studies", STUDIES, cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (
        2,
        f"synth: error: "
        f"{name}: synth report writes an HTML page; end the file name with .html or .htm\n",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["draft.json", "draft.txt", "draft"])
def test_extract_writes_yaml_files_only(name: str, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("In 20 patients, 10 responded (50%).\n")
    result = invoke("extract", "a.txt", "-o", name, cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (
        2,
        f"synth: error: {name}: a study record is YAML, and synth reads only those; end the file "
        "name with .yaml or .yml\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


# --- 15. --cluster without --model multilevel; 16. multilevel --also FE ---------------------


CLUSTER_ALONE = (
    "synth: error: "
    "--cluster {}: clusters belong to the multilevel model; add --model multilevel, or "
    "leave out --cluster\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ("pool", "--outcome", "ORR"),
        ("forest", "--outcome", "ORR", "-o", "f.png"),
        ("table",),
        ("report", "-o", "r.html"),
    ],
)
@pytest.mark.parametrize("cluster", ["disease", "study"])
def test_cluster_without_multilevel_is_refused(
    args: tuple[str, ...], cluster: str, tmp_path: Path
) -> None:
    for model in ((), ("--model", "rows")):
        result = invoke(*args, "--cluster", cluster, *model, "--studies", STUDIES, cwd=tmp_path)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == CLUSTER_ALONE.format(cluster)
        assert list(tmp_path.iterdir()) == []


def test_cluster_with_multilevel_is_taken(tmp_path: Path) -> None:
    import json

    out = {}
    for cluster in ("study", "disease"):
        result = invoke(
            "pool", "--outcome", "ORR", "--model", "multilevel", "--cluster", cluster,
            "--format", "json", "--studies", STUDIES,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        out[cluster] = json.loads(result.stdout)
    # clusters by disease: 2 clusters (ANKL, B-ALL); by study: 3 (the default)
    assert [c["n"] for c in out["study"]["variance_components"]] == [3, 4]
    assert [c["n"] for c in out["disease"]["variance_components"]] == [2, 4]


@pytest.mark.parametrize("command", ["pool", "forest"])
def test_multilevel_common_effect_says_it_has_no_clusters(command: str, tmp_path: Path) -> None:
    out = ["-o", "f.svg"] if command == "forest" else []
    result = invoke(
        command, "--outcome", "ORR", "--model", "multilevel", "--also", "FE", *out,
        "--studies", STUDIES, cwd=tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "--model multilevel pools" not in result.stderr
    assert (
        "synth: warning: common effect (FE): the common-effect model has no clusters: the rows "
        "of yoon2025-ankl enter it as independent rows"
    ) in lines


def test_rows_model_still_points_to_multilevel() -> None:
    result = invoke("pool", "--outcome", "ORR", "--also", "FE", "--studies", STUDIES)
    assert result.exit_code == 0
    assert (
        "synth: warning: arms of the same study enter as separate rows (yoon2025-ankl); they "
        "share a study, so the rows are not independent; --model multilevel pools them as rows "
        "nested in their study"
    ) in result.stderr.splitlines()


# --- 5. every user error is 'synth: error: ...'; record problems stay FILE:LINE: FIELD -------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pool", "--outcome", "ORR", "--level", "2"), "--level 2.0: must be between 0 and 1, "
         "e.g. 0.95"),
        (("pool", "--outcome", "ORR", "--null", "0"), "--null 0: --measure PLO needs a "
         "proportion strictly between 0 and 1 (its logit must be finite), e.g. 0.3"),
        (("forest", "--outcome", "ORR", "-o", "f.gif"), "f.gif: unknown plot format '.gif'; "
         "end the file name with .png, .svg or .pdf"),
        (("grade", "--format", "docx"), "--format docx writes a Word file: give it a name with "
         "-o, e.g. -o sof.docx"),
        (("table", "--measure", "ORR"), "--measure ORR: expected OUTCOME=CODE, e.g. --measure "
         "Death=OR (each outcome is pooled at its default measure unless named)"),
    ],
)  # fmt: skip
def test_user_errors_are_one_synth_error_line(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    result = invoke(*args, "--studies", STUDIES, cwd=tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"synth: error: {message}\n"


def test_write_errors_say_error_once(tmp_path: Path) -> None:
    (tmp_path / "f.png").write_bytes(b"old")
    result = invoke("forest", "--outcome", "ORR", "-o", "f.png", "--studies", STUDIES, cwd=tmp_path)
    assert result.stderr == "synth: error: f.png: already exists; use --force to overwrite it\n"
    result = invoke(
        "forest", "--outcome", "ORR", "-o", "no/f.png", "--studies", STUDIES, cwd=tmp_path
    )
    assert result.stderr == (
        "synth: error: cannot write no/f.png: folder no does not exist; create it first "
        "(mkdir -p no) or give another folder\n"
    )


def test_write_error_text_is_the_problem_without_a_prefix(tmp_path: Path) -> None:
    from synthesis.io import WriteError, check_target

    (tmp_path / "d").mkdir()
    with pytest.raises(WriteError) as refused:
        check_target(tmp_path / "d")
    assert str(refused.value) == f"cannot write {tmp_path / 'd'}: it is a folder; give a file name"


def test_record_problems_keep_the_contract_form(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    record(folder, "a", 2020, ["{name: ORR, events: 25, total: 20}"])
    (folder / "b.yaml").write_text(
        'id: b\ncitation: "B"\nyear: 2020\noutcomes:\n  - {name: ORR, evnts: 3, total: 9}\n'
    )
    result = invoke("validate", "--studies", str(folder), cwd=tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    # FILE:LINE: FIELD: problem, one per problem (contract section 4), then the count
    assert all(line.startswith(("studies/a.yaml:5: ", "studies/b.yaml:5: ")) for line in lines[:-1])
    assert lines[-1] == "synth: 2 error(s) in 2 file(s); fix them and run again"
    assert not any(line.startswith("synth: error:") for line in lines)
