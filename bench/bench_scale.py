"""Benchmark how synth scales: `synth table` / `synth pool` in the number of records, forest
plots in the number of rows, and GLMM on extreme counts (issue 10, items 9, 16 and 18).

Prints figures; it asserts nothing (performance is measured here, not in tests). Records
come from tests/synthetic.py (each record: ORR and CR per arm, medians and an HR of OS).
Where `Rscript` with metafor is on PATH, the same pooling is timed in R beside it.

    .venv/bin/python bench/bench_scale.py               # 1,000 / 5,000 / 20,000 records
    .venv/bin/python bench/bench_scale.py --quick       # 1,000 / 5,000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synthetic import write_review  # noqa: E402

SYNTH = [sys.executable, "-m", "synthesis"]


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one fresh process (GNU time's %M)."""
    t = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t
    return wall, int(done.stderr.strip().splitlines()[-1]) // 1024


def r_seconds(code: str) -> str:
    if shutil.which("Rscript") is None:
        return "(no Rscript)"
    script = f"suppressMessages(library(metafor)); t0 <- proc.time()[['elapsed']]; {code}; "
    script += "cat(proc.time()[['elapsed']] - t0)"
    done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    return f"{float(done.stdout.strip().split()[-1]):.2f} s" if done.returncode == 0 else "failed"


def records(sizes: list[int], tmp: Path) -> None:
    print("synth table / synth pool --outcome ORR by number of records (cold process)")
    print(f"{'records':>8} {'table s':>8} {'MB':>6} {'pool s':>8} {'MB':>6}  metafor")
    for n in sizes:
        folder = tmp / f"r{n}"
        write_review(folder, k=n)
        table = timed([*SYNTH, "table", "--studies", str(folder)])
        pooled = timed([*SYNTH, "pool", "--outcome", "ORR", "--studies", str(folder)])
        if n <= 1_000:  # metafor's rma() holds k x k matrices: minutes beyond k = 2,000
            r = r_seconds(
                f"set.seed(1); n <- {2 * n}; xi <- rbinom(n, 100, 0.5); "
                "dat <- escalc('PLO', xi = xi, ni = rep(100, n)); res <- rma(yi, vi, data = dat)"
            )
            r = f"rma() on the same k = {2 * n}: {r} (the model only)"
        else:
            r = "not run (k x k matrices)"
        print(f"{n:>8,} {table[0]:>8.1f} {table[1]:>6} {pooled[0]:>8.1f} {pooled[1]:>6}  {r}")


def forest_rows(rows: list[int], tmp: Path) -> None:
    from synthesis.analyses.pool import pool
    from synthesis.errors import SynthError
    from synthesis.plots.forest import forest_image
    from synthesis.records.review import load_review

    print("\nforest plot of the HR of OS by number of studies (in process; PNG at 200 dpi)")
    print(f"{'studies':>8} {'svg s':>7} {'pdf s':>7} {'png s':>7}  png")
    for n in rows:
        folder = tmp / f"f{n}"
        write_review(folder, k=n)
        result = pool(load_review(folder), outcome="OS", measure="HR")
        cells = []
        note = ""
        for fmt in ("svg", "pdf", "png"):
            t = time.perf_counter()
            try:
                image = forest_image(result, fmt=fmt)
                if fmt == "png":
                    note = f"{image.width_px} x {image.height_px} px"
            except SynthError as exc:
                note = "refused: " + str(exc).split(";")[0]
            cells.append(time.perf_counter() - t)
        print(f"{n:>8,} {cells[0]:>7.2f} {cells[1]:>7.2f} {cells[2]:>7.2f}  {note}")


def glmm() -> None:
    from synthesis.models.glmm import GlmmError, fit_glmm_plo

    print("\nGLMM on extreme counts")
    for xi, ni in (([1, 999_999_999], [10**9, 10**9]), ([1, 999_999], [10**6, 10**6])):
        t = time.perf_counter()
        try:
            fit = fit_glmm_plo(xi, ni)
            what = f"tau2 = {fit.tau2:.4g}"
        except GlmmError as exc:
            what = "refused: " + str(exc)[:60] + "..."
        call = f"rma.glmm(measure = 'PLO', xi = c({xi[0]}, {xi[1]}), ni = c({ni[0]}, {ni[1]}))"
        r = r_seconds(f"try({call})")
        print(f"  {xi}/{ni}: synth {time.perf_counter() - t:.2f} s ({what}); metafor {r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    sizes = [1_000, 5_000] if args.quick else [1_000, 5_000, 20_000]
    rows = [250, 500] if args.quick else [250, 500, 1_000, 2_000]
    with tempfile.TemporaryDirectory() as tmp:
        records(sizes, Path(tmp))
        forest_rows(rows, Path(tmp))
    glmm()


if __name__ == "__main__":
    main()
