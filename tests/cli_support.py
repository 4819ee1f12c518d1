"""What the CLI test files share: running ``synth`` in-process from a folder, and writing a
small study record."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner, Result
from synthesis.cli import main

ROOT = Path(__file__).resolve().parent.parent


def invoke(*args: str, cwd: Path | None = None) -> Result:
    """``synth ARGS`` through click's test runner, run from ``cwd`` (the repository root
    unless given: where synth falls back to the bundled review)."""
    old = os.getcwd()
    os.chdir(cwd if cwd is not None else ROOT)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)


def record(folder: Path, sid: str, year: int, outcomes: list[str], extra: str = "") -> None:
    """``folder/SID.yaml``: a record with a citation, a year, ``extra`` lines and the
    outcome entries (one flow mapping each)."""
    folder.mkdir(parents=True, exist_ok=True)
    body = "\n".join(f"  - {o}" for o in outcomes)
    (folder / f"{sid}.yaml").write_text(
        f'id: {sid}\ncitation: "Cite {sid}"\nyear: {year}\n{extra}outcomes:\n{body}\n',
        encoding="utf-8",
    )
