"""Time fit_multilevel against metafor's rma.mv on 2,000 rows in 500 clusters.

Run from the repository root (needs Rscript with metafor):

    PYTHONPATH=. python tests/reference/multilevel_timing.py [--rows 2000] [--clusters 500]

The data are simulated from the three-level model with a fixed seed (cluster sizes
1..7, sigma2 = 0.05 / 0.03, vi ~ U(0.01, 0.2)).  Python: the median of repeated
fit_multilevel calls.  R: ``system.time`` of one ``rma.mv`` call inside a running R
session (package loading excluded): ``sparse = TRUE`` with metafor's default control and
with the tight nlminb control of multilevel_reference.R, and with ``--dense`` also
metafor's default dense fit (measured: 463 s REML, 504 s ML on 2,000 rows).
Prints both and the largest relative difference of the results.  Not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from synthesis.models.multilevel import fit_multilevel

R_SCRIPT = r"""
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
args <- commandArgs(TRUE)
dat <- read.csv(args[1])
dense <- args[2] == "dense"
tight <- list(rel.tol = 1e-12, sing.tol = 1e-12, step.min = 1e-12, abs.tol = 0,
              iter.max = 10000, eval.max = 10000)
runs <- list(list(sparse = TRUE, control = list(), label = "default"),
             list(sparse = TRUE, control = tight, label = "tight"))
if (dense) runs <- c(list(list(sparse = FALSE, control = list(), label = "default")), runs)
out <- list()
for (run in runs) {
  for (method in c("REML", "ML")) {
    tm <- system.time(res <- rma.mv(yi, vi, random = ~ 1 | cluster/row, data = dat,
                                    method = method, sparse = run$sparse,
                                    control = run$control))
    out[[length(out) + 1L]] <- list(method = method, sparse = run$sparse,
      control = run$label, seconds = unname(tm["elapsed"]), estimate = res$b[1],
      se = res$se, sigma2 = res$sigma2)
  }
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def simulate(rows: int, clusters: int, seed: int = 20240501):
    rng = np.random.default_rng(seed)
    sizes = np.ones(clusters, dtype=int)
    extra = rows - clusters
    while extra > 0:  # spread the remaining rows, at most 7 per cluster
        c = rng.integers(clusters)
        if sizes[c] < 7:
            sizes[c] += 1
            extra -= 1
    cluster = np.repeat(np.arange(clusters), sizes)
    u = rng.normal(0.0, np.sqrt(0.05), clusters)[cluster]
    e = rng.normal(0.0, np.sqrt(0.03), rows)
    vi = rng.uniform(0.01, 0.2, rows)
    yi = 0.3 + u + e + rng.normal(0.0, np.sqrt(vi))
    return yi, vi, cluster


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--clusters", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument(
        "--dense", action="store_true", help="also time rma.mv's default dense fit (minutes)"
    )
    args = ap.parse_args()
    yi, vi, cluster = simulate(args.rows, args.clusters)

    results = {}
    for method in ("REML", "ML"):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fit = fit_multilevel(yi=yi, vi=vi, cluster=cluster, method=method)
            times.append(time.perf_counter() - t0)
        results[method] = fit
        print(
            f"python fit_multilevel {method}: median {1e3 * np.median(times):.1f} ms "
            f"(min {1e3 * min(times):.1f} ms, {args.repeat} runs); "
            f"sigma2 = {fit.sigma2_cluster:.6g}, {fit.sigma2_row:.6g}"
        )

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        rows = ["cluster,row,yi,vi"] + [
            f"{c},{i + 1},{y!r},{v!r}"
            for i, (c, y, v) in enumerate(zip(cluster, yi.tolist(), vi.tolist(), strict=True))
        ]
        csv.write_text("\n".join(rows) + "\n")
        script = Path(tmp) / "time.R"
        script.write_text(R_SCRIPT)
        t0 = time.perf_counter()
        cmd = ["Rscript", str(script), str(csv), "dense" if args.dense else "sparse"]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    for r in json.loads(proc.stdout):
        fit = results[r["method"]]
        diff = max(
            abs(fit.estimate - r["estimate"]) / abs(r["estimate"]),
            abs(fit.se - r["se"]) / r["se"],
            *(
                abs(a - b) / b
                for a, b in zip((fit.sigma2_cluster, fit.sigma2_row), r["sigma2"], strict=True)
            ),
        )
        print(
            f"R rma.mv {r['method']} sparse={r['sparse']} control={r['control']}: "
            f"{r['seconds']:.2f} s; "
            f"max rel diff to python {diff:.1e}"
        )
    print(f"(Rscript wall time including startup: {wall:.1f} s)")


if __name__ == "__main__":
    main()
