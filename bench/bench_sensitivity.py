"""Benchmark `synth sensitivity` against R's metafor, side by side, in one run.

Leave-one-out, influence and cumulative analyses (and all four from a pooled result)
on 200 synthetic single-arm studies (seeded; logit proportions, REML, Wald): synth's
library calls timed in-process (median of repeats after one warm-up), metafor's with
``system.time()`` inside one Rscript process (R start-up and package loading excluded),
plus the wall time of that whole Rscript run. The same data go to R through a temporary
CSV (events, totals, years; both sides compute the logit proportions themselves).
It also checks that the two agree (max relative difference of the leave-one-out
estimates, the influence DFFITS and the cumulative estimates).

    .venv/bin/python bench/bench_sensitivity.py            # k = 200, 7 repeats
    .venv/bin/python bench/bench_sensitivity.py --k 100 --repeat 3

Prints figures; it asserts nothing (performance is measured here, not in tests).
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
from timing import median_time, r_available

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
dat <- escalc("PLO", xi = events, ni = total, data = d)
ctrl <- list(threshold = 1e-12, maxiter = 10000)
t_fit <- system.time(res <- rma(yi, vi, data = dat, method = "REML", control = ctrl))
t_l1o <- system.time(l1o <- leave1out(res))
t_inf <- system.time(inf <- influence(res))
t_cum <- system.time(cu <- cumul(res, order = dat$year))
out <- list(fit = t_fit[["elapsed"]], leave1out = t_l1o[["elapsed"]],
            influence = t_inf[["elapsed"]], cumul = t_cum[["elapsed"]],
            loo_estimate = as.numeric(l1o$estimate), dffits = as.numeric(inf$inf$dffits),
            cumul_estimate = as.numeric(cu$estimate))
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def data(k: int, seed: int = 20240611) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 300, size=k)
    p = 1 / (1 + np.exp(-rng.normal(0.3, 0.8, size=k)))
    x = rng.binomial(n, p)
    years = 1990 + rng.integers(0, 30, size=k)
    return x, n, years


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--k", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    from synthesis.analyses.sensitivity import (
        cumulative,
        influence,
        leave_one_out,
        sensitivity_of,
    )
    from synthesis.effects.escalc import proportions

    x, n, years = data(args.k)
    eff = proportions(x.astype(float), n.astype(float), measure="PLO", level=0.95)
    yi, vi = eff.yi, eff.vi
    order = np.argsort(years, kind="stable")

    # a PoolResult of the same data, as `synth pool` makes it (records in a temp folder)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(args.k):
            (folder / f"s{i:04d}.yaml").write_text(
                f"id: s{i:04d}\ncitation: Synthetic study {i}\nyear: {int(years[i])}\n"
                f"outcomes:\n  - {{name: ORR, events: {int(x[i])}, total: {int(n[i])}}}\n"
            )
        from synthesis.analyses.pool import pool

        result = pool(outcome="ORR", studies=folder)
        csv = folder / "data.csv"
        csv.write_text(
            "events,total,year\n"
            + "".join(f"{a},{b},{c}\n" for a, b, c in zip(x, n, years, strict=True))
        )
        r_out = None
        r_wall = None
        if r_available("jsonlite"):
            script = folder / "bench.R"
            script.write_text(R_SCRIPT)
            t0 = time.perf_counter()
            run = subprocess.run(
                ["Rscript", str(script), str(csv)], capture_output=True, text=True, check=True
            )
            r_wall = time.perf_counter() - t0
            r_out = json.loads(run.stdout)

    rows = [
        ("leave-one-out", "leave1out", lambda: leave_one_out(yi=yi, vi=vi, method="REML")),
        ("influence", "influence", lambda: influence(yi=yi, vi=vi, method="REML")),
        (
            "cumulative (by year)",
            "cumul",
            lambda: cumulative(yi=yi, vi=vi, method="REML", order=order),
        ),
    ]
    print(
        f"synth sensitivity vs metafor{'' if r_out else ' (R not available)'}: "
        f"k = {args.k} single-arm studies, PLO, REML, Wald; synth median of {args.repeat}"
    )
    print(f"{'analysis':<34}{'synth (s)':>12}{'metafor (s)':>13}{'ratio':>10}")
    results = {}
    total_r = 0.0
    for name, r_key, fn in rows:
        t, out = median_time(fn, args.repeat, warm_up=True)
        results[r_key] = out
        if r_out:
            tr = float(r_out[r_key])
            total_r += tr
            ratio = f"1/{tr / t:,.0f}" if t > 0 else "-"
            print(f"{name:<34}{t:12.4f}{tr:13.2f}{ratio:>10}")
        else:
            print(f"{name:<34}{t:12.4f}{'-':>13}{'-':>10}")
    t_all, _ = median_time(lambda: sensitivity_of(result, order="year"), args.repeat, warm_up=True)
    line = f"{'all four from a PoolResult':<34}{t_all:12.4f}"
    if r_out:
        line += f"{total_r:13.2f}{'1/' + format(total_r / t_all, ',.0f'):>10}"
        line += "   (metafor: leave1out + influence + cumul)"
    print(line)
    if r_out and r_wall is not None:
        print(
            f"{'whole Rscript run (wall)':<34}{'':12}{r_wall:13.2f}"
            f"{'1/' + format(r_wall / t_all, ',.0f'):>10}   (vs synth's all four)"
        )
        loo = np.array([r.estimate for r in results["leave1out"].rows])
        dff = np.array([r.dffits for r in results["influence"].rows], dtype=float)
        cum = np.array([s.estimate for s in results["cumul"].steps])

        def rel(a: np.ndarray, b: list[float]) -> float:
            b_arr = np.asarray(b, dtype=float)
            return float(np.max(np.abs(a - b_arr) / np.maximum(np.abs(b_arr), 1e-12)))

        print(
            "agreement (max relative difference): "
            f"leave-one-out estimates {rel(loo, r_out['loo_estimate']):.1e}, "
            f"DFFITS {rel(dff, r_out['dffits']):.1e}, "
            f"cumulative estimates {rel(cum, r_out['cumul_estimate']):.1e}"
        )


if __name__ == "__main__":
    main()
