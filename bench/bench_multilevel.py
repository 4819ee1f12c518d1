"""Benchmark ``synth pool --model multilevel`` as a user runs it, against Rscript + metafor's
``rma.mv``, side by side in one run (issue 12, item 8).

Data: 2,000 rows in 500 clusters: 500 synthetic studies with 4 arms each, one ORR
(events/total) per arm, written as YAML study records to a temporary folder (arms nested
in their study: ``--cluster study``, the default). Logit proportions are simulated from
the three-level model (mean -0.2, sigma2 between studies 0.30, within 0.10, arm sizes
20-150; events kept in 1..n-1 so that no row needs a continuity correction and both
sides compute the same yi, vi). Deterministic (numpy seed 2025).

Timed here:

* ``synth pool --outcome ORR --model multilevel --format json`` in a subprocess, the
  installed ``synth`` script (Python start-up, imports, reading the 500 YAML files,
  the fit, the JSON printed): median of ``--repeat`` runs (default 5);
* the library in-process: ``load_review`` (YAML reading) + ``pool_multilevel``,
  ``pool_multilevel`` on a loaded review (effect sizes + fit), and the core
  ``fit_multilevel`` on its yi, vi and clusters (median of ``--repeat`` runs after a
  warm-up);
* ``Rscript`` + metafor 3.8: ``read.csv`` + ``escalc(measure = "PLO")`` then
  ``rma.mv(yi, vi, random = ~ 1 | cluster/row, data = dat)`` with ``sparse = TRUE``
  (metafor's advice for large data; its default dense fit on 2,000 rows takes minutes:
  add ``--dense`` to time it too). The fit alone is timed inside R (``proc.time``), the
  whole ``Rscript`` process (R start-up, ``library(metafor)``, reading the CSV, fit)
  from Python; median of ``--r-repeat`` runs (default 3).

The estimates are compared (pooled logit and its SE, both variance components, the CI
and PI limits): the largest relative difference between the CLI's JSON and metafor's
fit is printed, for metafor's default ``nlminb`` control and for a tight one (metafor's
defaults stop early: ~1e-5 relative on the variance components at this size). Prints
figures; asserts only that both sides fitted the same 2,000 rows. Run from the
repository root:

    .venv/bin/python bench/bench_multilevel.py [--repeat 5] [--r-repeat 3] [--dense]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import median_time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STUDIES = 500
ARMS = 4
SEED = 2025


def write_records(folder: Path) -> list[tuple[str, str, int, int]]:
    """500 studies x 4 arms of ORR events/total; returns (study, arm, events, total) rows."""
    rng = np.random.default_rng(SEED)
    rows = []
    for i in range(STUDIES):
        sid = f"s{i:03d}"
        u = rng.normal(0.0, math.sqrt(0.30))
        lines = [f"id: {sid}", f'citation: "Synthetic study {i}"', f"year: {1990 + i % 35}"]
        arms, outcomes = ["arms:"], ["outcomes:"]
        for j in range(ARMS):
            aid = f"a{j + 1}"
            n = int(rng.integers(20, 151))
            logit = -0.2 + u + rng.normal(0.0, math.sqrt(0.10))
            events = int(np.clip(rng.binomial(n, 1.0 / (1.0 + math.exp(-logit))), 1, n - 1))
            arms += [f"  - id: {aid}", f'    label: "arm {j + 1}"', f"    n: {n}"]
            outcomes.append(f"  - {{name: ORR, arm: {aid}, events: {events}, total: {n}}}")
            rows.append((sid, aid, events, n))
        (folder / f"{sid}.yaml").write_text("\n".join([*lines, *arms, *outcomes]) + "\n")
    return rows


R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
dat <- escalc(measure = "PLO", xi = events, ni = total, data = d)
dat$row <- seq_len(nrow(dat))
fits <- list(list(label = "default", sparse = TRUE, control = list()))
if (args[2] == "tight") fits[[length(fits) + 1L]] <- list(label = "tight", sparse = TRUE,
  control = list(rel.tol = 1e-12, sing.tol = 1e-12, step.min = 1e-12, abs.tol = 0,
                 iter.max = 10000, eval.max = 10000))
if (args[3] == "dense") fits[[length(fits) + 1L]] <- list(label = "dense", sparse = FALSE,
  control = list())
num <- function(x) sprintf("%.17g", x)
out <- character(0)
for (f in fits) {
  t0 <- proc.time()[["elapsed"]]
  res <- rma.mv(yi, vi, random = ~ 1 | cluster/row, data = dat, method = "REML",
                sparse = f$sparse, control = f$control)
  t1 <- proc.time()[["elapsed"]]
  p <- predict(res)
  out <- c(out, sprintf(paste0('{"label": "%s", "seconds": %.6f, "k": %d, "estimate": %s, ',
    '"se": %s, "sigma2": [%s, %s], "n": [%d, %d], "ci": [%s, %s], "pi": [%s, %s]}'),
    f$label, t1 - t0, res$k, num(res$b[1]), num(res$se), num(res$sigma2[1]),
    num(res$sigma2[2]), res$s.nlevels[1], res$s.nlevels[2], num(res$ci.lb), num(res$ci.ub),
    num(p$pi.lb), num(p$pi.ub)))
}
cat("[", paste(out, collapse = ", "), "]\n")
"""


def run_r(tmp: Path, rows, *, dense: bool, repeat: int) -> list[dict] | None:
    if shutil.which("Rscript") is None:
        return None
    csv = tmp / "data.csv"
    csv.write_text(
        "cluster,arm,events,total\n" + "".join(f"{s},{a},{e},{n}\n" for s, a, e, n in rows)
    )
    script = tmp / "bench.R"
    script.write_text(R_SCRIPT)
    walls, fits = [], []
    for _ in range(repeat):
        # the timed runs fit metafor's default only; one more run adds the tight (and dense)
        cmd = ["Rscript", str(script), str(csv), "none", "none"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            print("Rscript failed:", proc.stderr.strip()[-800:])
            return None
        fits.append(json.loads(proc.stdout)[0])
    cmd = ["Rscript", str(script), str(csv), "tight", "dense" if dense else "none"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print("Rscript failed:", proc.stderr.strip()[-800:])
        return None
    extra = json.loads(proc.stdout)[1:]
    default = dict(fits[-1])
    default["seconds"] = statistics.median(f["seconds"] for f in fits)
    default["wall"] = statistics.median(walls)
    return [default, *extra]


def rel_diff(out: dict, r: dict) -> float:
    """Largest relative difference of the CLI's JSON to one rma.mv fit (analysis scale)."""
    ms = out["model_scale"]
    comps = out["variance_components"]
    pairs = [
        (ms["estimate"], r["estimate"]),
        (ms["se"], r["se"]),
        (comps[0]["sigma2"], r["sigma2"][0]),
        (comps[1]["sigma2"], r["sigma2"][1]),
        (ms["ci_low"], r["ci"][0]),
        (ms["ci_high"], r["ci"][1]),
        (ms["pi_low"], r["pi"][0]),
        (ms["pi_high"], r["pi"][1]),
    ]
    return max(abs(a - b) / abs(b) for a, b in pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs of each synth timing")
    ap.add_argument("--r-repeat", type=int, default=3, help="Rscript runs")
    ap.add_argument("--dense", action="store_true", help="also time rma.mv's dense default")
    args = ap.parse_args()

    from synthesis.analyses.multilevel import cluster_labels, pool_multilevel
    from synthesis.models.multilevel import fit_multilevel
    from synthesis.records.review import load_review

    synth = Path(sys.executable).parent / "synth"
    if not synth.exists():
        sys.exit(f"{synth} not found: install the package (pip install -e .) in this venv")
    tmp = Path(tempfile.mkdtemp(prefix="bench-multilevel-"))
    studies = tmp / "studies"
    studies.mkdir()
    rows = write_records(studies)

    cmd = [str(synth), "pool", "--studies", str(studies), "--outcome", "ORR",
           "--model", "multilevel", "--format", "json"]  # fmt: skip

    def cli() -> dict:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        return json.loads(proc.stdout)

    review = load_review(studies)
    pool_multilevel(review, outcome="ORR")  # warm-up: imports, first-call costs
    t_lib, res = median_time(lambda: pool_multilevel(review, outcome="ORR"), args.repeat)
    labels = cluster_labels(res)
    t_core, _ = median_time(
        lambda: fit_multilevel(yi=res.yi, vi=res.vi, cluster=labels, method="REML"), args.repeat
    )
    t_load, _ = median_time(
        lambda: pool_multilevel(load_review(studies), outcome="ORR"), args.repeat
    )
    t_cli, out = median_time(cli, args.repeat)
    assert out["k"] == STUDIES * ARMS and res.k == STUDIES * ARMS
    assert [c["n"] for c in out["variance_components"]] == [STUDIES, STUDIES * ARMS]
    r = run_r(tmp, rows, dense=args.dense, repeat=args.r_repeat)

    print(
        f"synth pool --model multilevel vs metafor rma.mv(yi, vi, random = ~ 1 | cluster/row): "
        f"{STUDIES * ARMS:,} rows (ORR, PLO) in {STUDIES} studies x {ARMS} arms, REML"
    )
    print()
    w = 62
    print(f"  {'':{w}s} {'seconds':>9s}")
    print(f"  {'synth core: fit_multilevel (yi, vi, clusters)':{w}s} {t_core:9.4f}")
    print(f"  {'synth library: pool_multilevel (records loaded)':{w}s} {t_lib:9.4f}")
    print(f"  {'synth library: load_review (500 YAML) + pool_multilevel':{w}s} {t_load:9.4f}")
    print(f"  {'synth pool CLI, whole subprocess (start-up, YAML, JSON)':{w}s} {t_cli:9.4f}")
    if r is None:
        print("  metafor: Rscript with metafor not found; R figures skipped")
        return
    default, *extra = r
    print(f"  {'metafor rma.mv fit alone (sparse = TRUE)':{w}s} {default['seconds']:9.4f}")
    print(f"  {'Rscript whole run (start-up, library, read.csv, escalc, fit)':{w}s} "
          f"{default['wall']:9.4f}")  # fmt: skip
    for f in extra:
        if f["label"] == "dense":
            print(f"  {'metafor rma.mv fit alone (default dense, sparse = FALSE)':{w}s} "
                  f"{f['seconds']:9.4f}")  # fmt: skip
    print()
    print(f"  rma.mv fit / synth core fit:          {default['seconds'] / t_core:8.1f}x")
    print(f"  rma.mv fit / synth pool_multilevel:   {default['seconds'] / t_lib:8.1f}x")
    print(f"  Rscript whole run / synth CLI run:    {default['wall'] / t_cli:8.1f}x")
    print()
    assert default["k"] == out["k"] and default["n"] == [STUDIES, STUDIES * ARMS]
    ms, comps = out["model_scale"], out["variance_components"]
    print("  same model (synth CLI JSON vs metafor, logit scale):")
    print(f"    {'':10s} {'synth':>20s} {'rma.mv default':>20s}")
    print(f"    {'estimate':10s} {ms['estimate']:20.12f} {default['estimate']:20.12f}")
    print(f"    {'se':10s} {ms['se']:20.12f} {default['se']:20.12f}")
    print(f"    {'sigma2 st.':10s} {comps[0]['sigma2']:20.12f} {default['sigma2'][0]:20.12f}")
    print(f"    {'sigma2 arm':10s} {comps[1]['sigma2']:20.12f} {default['sigma2'][1]:20.12f}")
    print("  max relative difference (estimate, se, sigma2 x 2, CI, PI):")
    for f in (default, *extra):
        print(f"    vs rma.mv control = {f['label']:8s} {rel_diff(out, f):.1e}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
