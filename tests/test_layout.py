"""The layout holds: no import cycles, the library never imports the CLI, the wheel is whole.

The import graph is read from the source (every ``import``, including those inside
functions and under ``TYPE_CHECKING``), so a cycle that only a lazy import hides is
still found. The wheel is built from this checkout and run
from an empty folder with nothing but the wheel on the path, as after ``pip install .``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# import name prefix -> folder, as pyproject.toml's package-dir maps them
ROOTS = {"synthesis.cli": REPO / "cli", "synthesis": REPO / "synthesis"}


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for prefix, folder in ROOTS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join([prefix, *parts])
            found.setdefault(name, path)
    return found


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The synth modules *path* imports (a ``from pkg import sub`` names the submodule)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:
                    out.add(sub)
                elif base in known:
                    out.add(base)
    out.discard(name)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(path, name, known) for name, path in mods.items()}


def test_the_graph_sees_the_modules() -> None:
    g = graph()
    assert "synthesis.cli" in g and "synthesis.cli.pool" in g
    assert "synthesis.analyses.pool" in g["synthesis.cli.common"]  # a lazy import is an edge
    assert "synthesis.models.core" in g["synthesis.analyses.pool"]


def test_no_import_cycles() -> None:
    g = graph()
    state: dict[str, int] = {}  # 1 on the path, 2 done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(g[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(g):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_the_library_never_imports_the_cli() -> None:
    g = graph()
    offenders = {
        name: sorted(t for t in targets if t.startswith("synthesis.cli"))
        for name, targets in g.items()
        if not name.startswith("synthesis.cli") and name != "synthesis.__main__"
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    folders = {
        ".".join(["synthesis", *p.parent.relative_to(REPO / "synthesis").parts])
        for p in (REPO / "synthesis").rglob("__init__.py")
    }
    assert folders | {"synthesis.cli", "synthesis.studies"} == listed


def test_python_dash_m_synthesis() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "synthesis", "--help"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert "pool" in run.stdout and "validate" in run.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (path,) = out.glob("synth-*.whl")
    return path


def test_the_wheel_holds_every_subpackage_and_the_bundled_review(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in modules():
        path = name.replace(".", "/")
        assert f"{path}.py" in names or f"{path}/__init__.py" in names, name
    bundled = sorted(p.name for p in (REPO / "studies").glob("*.yaml"))
    assert len(bundled) == 5
    for record in bundled:
        assert f"synthesis/studies/{record}" in names
    abstracts = sorted(p.name for p in (REPO / "studies" / "abstracts").glob("*.txt"))
    assert len(abstracts) == 5  # every bundled record's source_text ships with it
    for text in abstracts:
        assert f"synthesis/studies/abstracts/{text}" in names
    assert not any(n.startswith(("cli/", "studies/", "tests/")) for n in names)


def test_the_installed_wheel_pools_the_bundled_review_from_an_empty_folder(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = (
        "import synthesis, sys; from synthesis.cli import main; "
        f"assert synthesis.__file__.startswith({str(site)!r}), synthesis.__file__; "
        "main(['pool', '--outcome', 'ORR', '--format', 'json'])"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert '"outcome": "ORR"' in run.stdout and '"k": 4' in run.stdout
    assert "using the bundled example review" in run.stderr


def test_the_installed_wheel_validates_the_bundled_review_against_its_abstracts(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = "from synthesis.cli import main; main(['validate'])"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == (
        "OK: 5 records, 14 outcome entries (8 outcomes), 2 warnings; "
        "quotes checked against the source text of 5 of 5\n"
    )
    # the quotes were checked against the installed abstracts: change one, and validate fails
    (site / "synthesis" / "studies" / "abstracts" / "hsct2-2025-al.txt").write_text(
        "Mortality at last follow-up was 61.1 %.\n", encoding="utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    found = "hsct2-2025-al.yaml:15: outcomes[0].quote: quote is not in abstracts/hsct2-2025-al.txt"
    assert found in run.stderr  # the median's quote; the mortality quote is still in the text
    assert run.stderr.endswith("synth: 2 error(s) in 1 file(s); fix them and run again\n")


HEAVY = ("statsmodels", "pymare", "forestplot", "matplotlib", "scipy", "pandas", "docx")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_synth_pool_imports_no_heavy_package(fmt: str) -> None:
    """The everyday command's cold start: none of the heavy packages is imported."""
    code = (
        "import sys; from synthesis.cli import main\n"
        "try:\n"
        f"    main(['pool', '--outcome', 'ORR', '--format', '{fmt}'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"
