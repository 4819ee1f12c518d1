"""The README tells the truth: its commands run, and its printed output is what synth prints.

In the spirit of sqlite-utils, whose docs are checked against ``--help``.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(sh|console)\n(.*?)```", README, flags=re.S)


def _commands() -> list[str]:
    out = []
    for _lang, body in BLOCKS:
        for line in body.splitlines():
            line = line.removeprefix("$ ")
            if line.startswith("synth "):
                out.append(line.split("  #")[0].strip())
    return out


def _run(command: str, out_dir: Path | None = None):
    """Run a README command in-process from the repository root.

    An output file (``-o FILE``) goes to ``out_dir`` instead: the tests never write
    into the repository.
    """
    args = shlex.split(command)[1:]
    for flag in ("-o", "--output"):
        if flag in args:
            assert out_dir is not None, command
            i = args.index(flag) + 1
            args[i] = str(out_dir / Path(args[i]).name)
    cwd = os.getcwd()
    os.chdir(ROOT)  # the README's commands run from the repository root
    try:
        return CliRunner().invoke(main, args)
    finally:
        os.chdir(cwd)


INSTALL = (
    "apt-get update && apt-get install -y chromium && python3 -m venv .venv "
    "&& .venv/bin/pip install -c constraints.txt -e '.[test]'"
)
TEST = ".venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/python -m pytest"


def test_readme_has_the_two_setup_commands_and_ci_runs_them() -> None:
    assert f"\n{INSTALL}\n" in README
    assert f"\n{TEST}\n" in README
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert INSTALL in ci
    assert TEST in ci
    assert ci.index(INSTALL) < ci.index(TEST)


@pytest.mark.parametrize("command", _commands())
def test_every_readme_command_runs(command: str, tmp_path: Path) -> None:
    result = _run(command, tmp_path)
    assert result.exit_code == 0, f"{command}\n{result.stderr}"


@pytest.mark.parametrize(
    "command", ["synth pool --outcome ORR", "synth studies --outcome ORR", "synth validate"]
)
def test_printed_output_in_readme_is_current(command: str) -> None:
    block = next(body for lang, body in BLOCKS if lang == "console" and f"$ {command}\n" in body)
    shown = block.split(f"$ {command}\n", 1)[1].split("\n$ ", 1)[0].rstrip("\n").splitlines()
    result = _run(command)
    # The README shows stdout, and those stderr lines (warnings) it chooses to show.
    shown_out = [line for line in shown if ": warning: " not in line]
    shown_err = [line for line in shown if ": warning: " in line]
    assert shown_out == result.stdout.splitlines()
    assert set(shown_err) <= set(result.stderr.splitlines())


def test_every_command_is_documented_in_help_with_an_example() -> None:
    for name in main.commands:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.output, name
        assert f"synth {name}" in result.output, name


def test_pool_help_lists_every_contract_option() -> None:
    help_text = CliRunner().invoke(main, ["pool", "--help"]).output
    for option in (
        "--outcome", "--measure", "--method", "--ci", "--level", "--by", "--where",
        "--studies", "--format",
    ):  # fmt: skip
        assert option in help_text
    for code in ("PLO", "PFT", "PAS", "PR", "RR", "OR", "RD", "HR", "GEN", "MED"):
        assert code in help_text
    for code in ("REML", "DL", "PM", "ML", "HE", "SJ", "HS", "EB", "FE", "GLMM", "WM", "MM"):
        assert code in help_text


def test_summary_table_in_readme_is_current() -> None:
    result = _run("synth table")
    assert result.exit_code == 0
    lines = result.stdout.rstrip("\n").splitlines()
    assert len(lines) > 10
    start = README.index(lines[0])
    assert README[start:].startswith("\n".join(lines) + "\n")


def test_readme_forest_image_is_the_documented_command_s_output(tmp_path: Path) -> None:
    import matplotlib.image

    command = next(c for c in _commands() if c.startswith("synth forest") and "docs/" in c)
    assert _run(command, tmp_path).exit_code == 0
    committed = ROOT / "docs" / "forest-orr.png"
    assert f"]({committed.relative_to(ROOT)})" in README
    fresh = tmp_path / committed.name
    assert committed.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Same picture size as the command draws today (the layout has not drifted).
    assert matplotlib.image.imread(committed).shape == matplotlib.image.imread(fresh).shape
