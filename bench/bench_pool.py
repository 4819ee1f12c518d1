"""Benchmark `synth pool`: cold start, 1,500 records from the CLI, in-process scale.

Prints figures; it asserts nothing (performance is measured here, not in tests).

    .venv/bin/python bench/bench_pool.py            # everything
    .venv/bin/python bench/bench_pool.py --quick    # fewer repetitions

R figures are measured when `Rscript` with metafor is on PATH, else skipped with a note.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import r_available

ROOT = Path(__file__).resolve().parent.parent
SYNTH = [sys.executable, "-m", "synthesis"]


def wall(cmd: list[str], *, cwd: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def show(name: str, times: list[float]) -> float:
    med = statistics.median(times)
    print(f"{name:<58} median {med:7.3f} s   (min {min(times):.3f}, n={len(times)})")
    return med


def write_records(folder: Path, k: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 300, size=k)
    p = 1 / (1 + np.exp(-rng.normal(0.3, 0.8, size=k)))
    x = rng.binomial(n, p)
    for i in range(k):
        (folder / f"s{i:05d}.yaml").write_text(
            f"id: s{i:05d}\ncitation: Synthetic study {i}\nyear: {2000 + i % 25}\n"
            f"tags: {{disease: D{i % 3}}}\noutcomes:\n"
            f"  - {{name: ORR, events: {int(x[i])}, total: {int(n[i])}}}\n"
        )
    return x, n


R_POOL = """suppressMessages(library(metafor))
x <- c({x}); n <- c({n})
dat <- escalc("PLO", xi = x, ni = n)
res <- rma(yi, vi, data = dat)
invisible(predict(res, transf = transf.ilogit)); invisible(confint(res))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeat = 3 if args.quick else 9
    have_r = r_available()

    print("== cold start: synth pool --outcome ORR --format json (bundled review)")
    ours = show(
        "synth pool",
        wall([*SYNTH, "pool", "--outcome", "ORR", "--format", "json"], cwd=ROOT, repeat=repeat),
    )
    if have_r:
        script = R_POOL.format(x="5, 84, 14, 3", n="6, 132, 30, 14")
        r = show(
            "Rscript + metafor (same pooling)",
            wall(["Rscript", "-e", script], cwd=ROOT, repeat=repeat),
        )
        print(f"{'ratio synth / metafor':<58} {ours / r:.2f}")
    else:
        print("Rscript with metafor not found: R figures skipped")

    print("\n== scale: 1,500 single-arm YAML records, REML, from the command line")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "studies"
        folder.mkdir()
        x, n = write_records(folder, 1500)
        ours = show(
            "synth pool --studies (1,500 records)",
            wall(
                [*SYNTH, "pool", "--outcome", "ORR", "--studies", str(folder), "--format", "json"],
                cwd=ROOT,
                repeat=max(3, repeat // 3),
            ),
        )
        if have_r:
            script = R_POOL.format(x=", ".join(map(str, x)), n=", ".join(map(str, n)))
            rfile = Path(tmp) / "pool.R"
            rfile.write_text(script)
            r = show(
                "Rscript + metafor (same 1,500 counts)",
                wall(["Rscript", str(rfile)], cwd=ROOT, repeat=1),
            )
            print(f"{'ratio synth / metafor':<58} {ours / r:.3f}")

    print("\n== in process")
    from synthesis.models.core import fit, fit_batch

    rng = np.random.default_rng(7)
    k = 1_000_000
    vi = rng.uniform(0.01, 0.5, size=k)
    yi = rng.normal(0.2, np.sqrt(vi + 0.1))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = fit(yi, vi, method="REML")
        times.append(time.perf_counter() - t0)
    show(f"fit REML, k = 10^6 (tau2 = {res.tau2:.4f})", times)

    m, k = 10_000, 10
    vi = rng.uniform(0.01, 0.5, size=(m, k))
    yi = rng.normal(0.2, np.sqrt(vi + 0.1))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        fit_batch(yi, vi, method="REML")
        times.append(time.perf_counter() - t0)
    show("fit_batch REML, 10,000 analyses of k = 10 (with tau2 CI)", times)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        fit_batch(yi, vi, method="REML", tau2_ci=False)
        times.append(time.perf_counter() - t0)
    show("fit_batch REML, 10,000 analyses of k = 10 (no tau2 CI)", times)


if __name__ == "__main__":
    main()
