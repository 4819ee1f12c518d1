"""Benchmark the rendering commands: `synth forest`, `synth table`, `synth report`, `synth extract`.

Prints figures; it asserts nothing (performance is measured here, not in tests). Each
figure is the wall time of a fresh `python -m synthesis ...` process (cold start
included), on the bundled review and on a synthetic review of 60 two-arm studies
(`tests/synthetic.py`), plus the size of what was written.

    .venv/bin/python bench/bench_render.py            # 5 repetitions each
    .venv/bin/python bench/bench_render.py --quick    # 2 repetitions each
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synthetic import write_review  # noqa: E402

SYNTH = [sys.executable, "-m", "synthesis"]


def timed(args: list[str], *, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([*SYNTH, *args], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def row(name: str, times: list[float], output: Path | None = None) -> None:
    size = f"{output.stat().st_size / 1024:8.0f} kB" if output is not None else ""
    print(
        f"{name:<62} median {statistics.median(times):6.2f} s  "
        f"(min {min(times):.2f}, n={len(times)}) {size}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repetitions instead of 5")
    repeat = 2 if parser.parse_args().quick else 5
    seed = next((ROOT / "tests" / "data" / "seeds").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        big = out / "review60"
        write_review(big, k=60)
        cases: list[tuple[str, list[str], Path | None]] = [
            ("pool ORR, bundled (for comparison)", ["pool", "--outcome", "ORR"], None),
            ("table, bundled (8 outcomes)", ["table"], None),
            ("table, 60 studies (3 outcomes)", ["table", "--studies", str(big)], None),
        ]
        for fmt in ("png", "svg", "pdf"):
            path = out / f"orr.{fmt}"
            cases.append(
                (
                    f"forest ORR {fmt}, bundled (k = 4)",
                    ["forest", "--outcome", "ORR", "-o", str(path), "--force"],
                    path,
                )
            )
        for fmt in ("png", "svg", "pdf"):
            path = out / f"hr60.{fmt}"
            cases.append(
                (
                    f"forest OS HR {fmt}, 60 studies, --by disease",
                    ["forest", "--outcome", "OS", "--measure", "HR", "--by", "disease",
                     "--studies", str(big), "-o", str(path), "--force"],
                    path,
                )
            )  # fmt: skip
        path = out / "orr120.png"
        cases.append(
            (
                "forest ORR png, 60 studies x 2 arms (120 rows)",
                ["forest", "--outcome", "ORR", "--studies", str(big), "-o", str(path), "--force"],
                path,
            )
        )
        for name, studies in (("bundled", None), ("60 studies", big)):
            path = out / f"report-{name.replace(' ', '')}.html"
            args = ["report", "-o", str(path), "--force"]
            if studies is not None:
                args += ["--studies", str(studies)]
            cases.append((f"report, {name}", args, path))
        cases.append((f"extract {seed.name}", ["extract", str(seed)], None))
        for name, args, path in cases:
            row(name, timed(args, repeat=repeat), path)


if __name__ == "__main__":
    main()
