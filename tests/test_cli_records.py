"""``synth validate`` and ``synth studies`` from the command line.

Exit status 2 and exact ``FILE:LINE: FIELD: problem`` lines on stderr for bad
records; warnings on stderr with exit status 0; the read-only commands never
change or add a file in the studies folder.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from synthesis.cli import main

from synthesis.analyses.overview import HEADERS
from tests.fixtures.expected import BAD, BAD_DIR, GROUPS, HERE, WARN, WARN_DIR

REPO = Path(__file__).resolve().parent.parent
SEED_SUMMARY = (
    "OK: 5 records, 14 outcome entries (8 outcomes), 1 warning; "
    "quotes checked against the source text of 5 of 5\n"
)
SEED_WARNING = (
    "studies/cityofhope2022-blina.yaml:14: outcomes[0].percent: warning: 64% of 132 could be "
    "84/132 or 85/132; using the nearest, 84/132 (63.64%) - give events to settle it\n"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def trailer(n_errors: int, n_files: int) -> str:
    return f"synth: {n_errors} error(s) in {n_files} file(s); fix them and run again"


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO


# --------------------------------------------------------------------------- validate


def test_validate_summary(in_repo: Path) -> None:
    result = run("validate")
    assert result.exit_code == 0
    assert result.stdout == SEED_SUMMARY
    assert result.stderr == SEED_WARNING


def test_validate_summary_with_studies_option(in_repo: Path) -> None:
    result = run("validate", "--studies", "studies")
    assert (result.exit_code, result.stdout) == (0, SEED_SUMMARY)


@pytest.mark.parametrize("name", sorted(n for n in BAD if BAD[n]))
def test_validate_bad_record(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad").mkdir()
    for n in GROUPS.get(name, (name,)):
        shutil.copyfile(BAD_DIR / n, tmp_path / "bad" / n)
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--studies", "bad")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [*BAD[name], trailer(len(BAD[name]), 1)]
    assert "Traceback" not in result.output


def test_validate_every_bad_file_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    result = run("validate", "--studies", "bad")
    assert result.exit_code == 2
    expected = [line for name in sorted(BAD) for line in BAD[name]]
    n_files = sum(1 for lines in BAD.values() if lines)
    assert result.stderr.splitlines() == [*expected, trailer(len(expected), n_files)]
    for name, lines in BAD.items():  # every file's problems are in the one run
        for line in lines:
            assert line in result.stderr, name


def test_validate_utf8_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "latin1.yaml").write_bytes(
        b'id: x\ncitation: "Caf\xe9 study"\nyear: 2020\noutcomes: []\n'
    )
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--studies", "s")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "s/latin1.yaml:2: file: not UTF-8 text (byte 0xe9 at offset 20); save the file as UTF-8",
        trailer(1, 1),
    ]


@pytest.mark.parametrize("name", sorted(WARN))
def test_validate_warning(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "warn").mkdir()
    shutil.copyfile(WARN_DIR / name, tmp_path / "warn" / name)
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--studies", "warn")
    assert result.exit_code == 0
    assert result.stderr == WARN[name] + "\n"
    assert result.stdout.startswith("OK: 1 record, ")
    assert result.stdout.endswith(", 1 warning\n")


def test_validate_all_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    result = run("validate", "--studies", "warn")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [WARN[n] for n in sorted(WARN)]
    assert result.stdout == "OK: 9 records, 9 outcome entries (3 outcomes), 9 warnings\n"


def test_warnings_are_printed_with_errors_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "s").mkdir()
    shutil.copyfile(WARN_DIR / "ambiguous_percent.yaml", tmp_path / "s" / "a.yaml")
    shutil.copyfile(BAD_DIR / "year_text.yaml", tmp_path / "s" / "b.yaml")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--studies", "s")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        WARN["ambiguous_percent.yaml"].replace("warn/ambiguous_percent.yaml", "s/a.yaml"),
        BAD["year_text.yaml"][0].replace("bad/year_text.yaml", "s/b.yaml"),
        trailer(1, 1),
    ]


@pytest.mark.parametrize("command", ["validate", "studies"])
def test_missing_studies_dir(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(command, "--studies", "nope")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "synth: error: nope: studies directory not found\n"


def test_studies_option_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r.yaml").write_text("id: x\n")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--studies", "r.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "synth: error: "
        "r.yaml: is a file, not a folder; --studies takes the folder of the study records\n"
    )


def test_empty_studies_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--studies", "s")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "s: studies: no *.yaml or *.yml study records found",
        trailer(1, 1),
    ]


def test_validate_as_a_subprocess(in_repo: Path) -> None:
    """The installed entry point: stdout/stderr split, exit status, no traceback."""
    synth = Path(sys.executable).with_name("synth")
    ok = subprocess.run([str(synth), "validate"], capture_output=True, text=True, check=False)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, SEED_SUMMARY, SEED_WARNING)
    bad = subprocess.run(
        [str(synth), "validate", "--studies", "bad"],
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE,
    )
    assert bad.returncode == 2 and bad.stdout == "" and "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[0] == sorted(line for v in BAD.values() for line in v)[0]


# --------------------------------------------------------------------------- studies


def test_studies_json(in_repo: Path) -> None:
    result = run("studies", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == SEED_WARNING
    rows = json.loads(result.stdout)
    assert len(rows) == 14
    assert all(list(r) == list(HEADERS) for r in rows)
    lasp = [r for r in rows if r["study"] == "yoon2025-ankl" and r["arm"] == "lasp"]
    assert lasp[0] == {
        "outcome": "DOR",
        "study": "yoon2025-ankl",
        "label": "Yoon 2025",
        "arm": "lasp",
        "role": "experimental",
        "kind": "median",
        "data": "median 4.5 mo",
        "n": 14,
        "poolable_as": "MED",
        "source": "studies/yoon2025-ankl.yaml:39",
    }
    assert lasp[1] == {
        "outcome": "ORR",
        "study": "yoon2025-ankl",
        "label": "Yoon 2025",
        "arm": "lasp",
        "role": "experimental",
        "kind": "binary",
        "data": "14/30 (from 46.7%)",
        "n": 30,
        "poolable_as": "PLO PFT PAS PR RR OR RD",
        "source": "studies/yoon2025-ankl.yaml:27",
    }
    hr = [r for r in rows if r["kind"] == "ratio"]
    assert [(r["study"], r["data"], r["poolable_as"], r["arm"]) for r in hr] == [
        ("hsct2-2025-al", "HR 2.142 [1.061, 4.326]", "HR", "")
    ]
    coh = [r for r in rows if r["study"] == "cityofhope2022-blina"]
    assert [(r["data"], r["n"], r["poolable_as"]) for r in coh] == [
        ("84/132 (from 64%)", 132, "PLO PFT PAS PR")
    ]
    # sorted by outcome, then year, then study
    keys = [(r["outcome"].lower(), r["study"]) for r in rows]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)


def test_studies_csv(in_repo: Path) -> None:
    result = run("studies", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(HEADERS)
    assert len(rows) == 15
    assert [
        "OS",
        "hsct2-2025-al",
        "HSCT2 2025",
        "all",
        "",
        "median",
        "median 11 mo [1, 22.9]",
        "72",
        "MED",
        "studies/hsct2-2025-al.yaml:11",
    ] in rows
    as_json = json.loads(run("studies", "--format", "json").stdout)
    assert [r[1] for r in rows[1:]] == [r["study"] for r in as_json]


def test_studies_table(in_repo: Path) -> None:
    result = run("studies")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 16  # header, rule, 14 rows
    assert lines[0].split() == list(HEADERS)
    assert set(lines[1]) == {"-", " "}
    assert any("14/30 (from 46.7%)" in ln and "yoon2025-ankl" in ln for ln in lines)
    assert any("median NR" in ln for ln in lines) is False
    assert run("studies", "--format", "table").stdout == result.stdout


def test_studies_outcome_filter_uses_synonyms(in_repo: Path) -> None:
    rows = json.loads(run("studies", "--outcome", "overall survival", "--format", "json").stdout)
    assert {r["outcome"] for r in rows} == {"OS"}
    assert len(rows) == 3


def test_studies_unknown_outcome(in_repo: Path) -> None:
    result = run("studies", "--outcome", "QoL")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "synth: error: no study reports outcome 'QoL'; outcomes in this review: "
        "CR, CR/CRi, DOR, EFS, Mortality, ORR, OS, PFS"
    )


def test_studies_bad_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    result = run("studies", "--studies", "bad", "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    expected = [line for name in sorted(BAD) for line in BAD[name]]
    assert result.stderr.splitlines()[:-1] == expected


def test_studies_not_reached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.yaml").write_text(
        "id: a\ncitation: x\nyear: 2020\nn: 9\noutcomes:\n"
        "  - {name: OS, median: NR, ci: [5.1, NR]}\n  - {name: OS, median: 45, unit: days}\n"
    )
    monkeypatch.chdir(tmp_path)
    rows = json.loads(run("studies", "--studies", "s", "--format", "json").stdout)
    assert [(r["data"], r["poolable_as"]) for r in rows] == [
        ("median NR [5.1, NR]", ""),
        ("median 1.48 mo", "MED"),
    ]


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("args", [[], ["validate"], ["studies"]])
def test_help_has_examples(args: list[str]) -> None:
    result = run(*args, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "synth " in result.stdout.split("Examples:", 1)[1]


# --------------------------------------------------------------------------- read-only


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every path under *folder* -> (sha256 or 'dir', mtime_ns)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        out[str(path.relative_to(folder))] = (digest, st.st_mtime_ns)
    return out


READ_ONLY = [
    ["validate"],
    ["studies"],
    ["studies", "--format", "table"],
    ["studies", "--format", "csv"],
    ["studies", "--format", "json"],
    ["studies", "--outcome", "ORR", "--format", "json"],
]


def test_read_only_commands_leave_the_seed_review_untouched(in_repo: Path) -> None:
    before = snapshot(REPO / "studies")
    assert len([name for name in before if name.endswith(".yaml")]) == 5
    for args in READ_ONLY:
        assert run(*args, "--studies", "studies").exit_code == 0, args
        assert run(*args).exit_code == 0, args  # the default folder
    assert snapshot(REPO / "studies") == before


def test_read_only_commands_leave_bad_records_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "s"
    shutil.copytree(BAD_DIR, folder / "bad")
    shutil.copytree(WARN_DIR, folder / "warn")
    (folder / "bad" / "latin1.yaml").write_bytes(b"id: x\ncitation: caf\xe9\n")
    before = snapshot(folder)
    top_before = sorted(os.listdir(tmp_path))
    monkeypatch.chdir(tmp_path)
    for args in READ_ONLY:
        assert run(*args, "--studies", "s").exit_code == 2, args
        assert run(*args, "--studies", "s/warn").exit_code == 0, args
    assert snapshot(folder) == before
    assert sorted(os.listdir(tmp_path)) == top_before
