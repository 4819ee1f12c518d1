"""Benchmark ``synth regress`` end to end against Rscript + metafor, side by side in one run.

The task (issue 12, item 8): a meta-regression on year over 50 single-arm studies
(logit proportions, REML) with 1,000 permutations. Timed here:

* synth, library: ``regress(review, outcome=, mods="year", permutations=1000, seed=)``
  on a loaded review, and with the 50 records loaded from disk each time;
* synth, CLI in-process: ``synth regress --outcome ORR --mods year --permutations 1000
  --seed 1 --format json`` through click (records read, model fitted, JSON printed);
* metafor 3.8 in Rscript: ``rma(yi, vi, mods = ~ year)`` then
  ``permutest(res, iter = 1000)`` timed inside R (``proc.time``), and the whole
  ``Rscript`` process (R start-up and ``library(metafor)`` included).

Prints figures; asserts nothing (performance is measured here, not in tests). The
records are synthetic and deterministic (numpy seed 2024). Python figures are the median
of 5 runs; R's are the median of 3. Run from the repository root:

    .venv/bin/python bench/bench_regress.py
"""

from __future__ import annotations

import contextlib
import io
import json
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

K = 50
PERMUTATIONS = 1000


def write_records(folder: Path) -> list[tuple[str, int, int, int]]:
    """50 single-arm studies: ORR events/total, year 1990-2024; proportions rise with year."""
    rng = np.random.default_rng(2024)
    rows = []
    for i in range(K):
        year = int(rng.integers(1990, 2025))
        n = int(rng.integers(20, 201))
        logit = -0.4 + 0.03 * (year - 2005) + rng.normal(0, 0.35)
        events = int(rng.binomial(n, 1 / (1 + np.exp(-logit))))
        sid = f"s{i:02d}"
        (folder / f"{sid}.yaml").write_text(
            f"id: {sid}\n"
            f'citation: "Synthetic single-arm study {i}"\n'
            f"year: {year}\n"
            f"n: {n}\n"
            "outcomes:\n"
            f"  - {{name: ORR, events: {events}, total: {n}}}\n"
        )
        rows.append((sid, year, events, n))
    return rows


R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
d <- read.csv("{csv}")
dat <- escalc(measure = "PLO", xi = events, ni = total, data = d)
t0 <- proc.time()[["elapsed"]]
res <- rma(yi, vi, mods = ~ year, data = dat, method = "REML")
t1 <- proc.time()[["elapsed"]]
set.seed(1)
pt <- permutest(res, iter = {iter}, progbar = FALSE)
t2 <- proc.time()[["elapsed"]]
fmt <- paste0('{{"fit": %.6f, "permutest": %.6f, "b": [%.15g, %.15g], "tau2": %.15g, ',
              '"QM": %.15g, "pval": [%.6f, %.6f], "QMp": %.6f}}\n')
cat(sprintf(fmt, t1 - t0, t2 - t1, res$beta[1], res$beta[2], res$tau2, res$QM,
            pt$pval[1], pt$pval[2], pt$QMp))
"""


def run_r(folder: Path, rows) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    csv = folder / "data.csv"
    csv.write_text("id,year,events,total\n" + "".join(f"{s},{y},{e},{n}\n" for s, y, e, n in rows))
    script = folder / "bench.R"
    script.write_text(R_SCRIPT.format(csv=csv, iter=PERMUTATIONS))
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        proc = subprocess.run(["Rscript", str(script)], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print("Rscript failed:", proc.stderr.strip()[-500:])
            return None
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["wall"] = wall
        runs.append(out)
    best = dict(runs[-1])
    for key in ("fit", "permutest", "wall"):
        best[key] = statistics.median(r[key] for r in runs)
    return best


def main() -> None:
    from click.testing import CliRunner
    from synthesis.cli import main as cli_main

    from synthesis.analyses.regress import regress
    from synthesis.records.review import load_review

    tmp = Path(tempfile.mkdtemp(prefix="bench-regress-"))
    studies = tmp / "studies"
    studies.mkdir()
    rows = write_records(studies)
    review = load_review(studies)

    def library():
        return regress(review, outcome="ORR", mods="year", permutations=PERMUTATIONS, seed=1)

    def library_with_load():
        return regress(
            load_review(studies), outcome="ORR", mods="year", permutations=PERMUTATIONS, seed=1
        )

    args = ["regress", "--studies", str(studies), "--outcome", "ORR", "--mods", "year",
            "--permutations", str(PERMUTATIONS), "--seed", "1", "--format", "json"]  # fmt: skip

    def cli():
        result = CliRunner().invoke(cli_main, args)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    def fit_only():
        return regress(review, outcome="ORR", mods="year")

    library()  # warm-up: imports, first-call costs
    t_fit, _ = median_time(fit_only)
    t_lib, res = median_time(library)
    t_lib_load, _ = median_time(library_with_load)
    with contextlib.redirect_stderr(io.StringIO()):
        t_cli, out = median_time(cli)
    r = run_r(tmp, rows)

    print(f"meta-regression on year, k = {K} single-arm studies (PLO, REML), "
          f"{PERMUTATIONS:,} permutations")  # fmt: skip
    print()
    print(f"  {'':42s} {'seconds':>9s}")
    print(f"  {'synth library: fit only':42s} {t_fit:9.4f}")
    print(f"  {'synth library: fit + 1,000 permutations':42s} {t_lib:9.4f}")
    print(f"  {'synth library: + reading the 50 records':42s} {t_lib_load:9.4f}")
    print(f"  {'synth regress CLI in-process (JSON out)':42s} {t_cli:9.4f}")
    if r is None:
        print("  metafor: Rscript with metafor not found; R figures skipped")
        return
    r_total = r["fit"] + r["permutest"]
    print(f"  {'metafor rma() fit':42s} {r['fit']:9.4f}")
    print(f"  {'metafor rma() + permutest(iter = 1000)':42s} {r_total:9.4f}")
    print(f"  {'Rscript process (start-up, library, all)':42s} {r['wall']:9.4f}")
    print()
    print(f"  metafor (fit + permutest) / synth library:  {r_total / t_lib:7.1f}x faster "
          f"(goal >= 20x, aim 100x)")  # fmt: skip
    print(f"  metafor (fit + permutest) / synth CLI:      {r_total / t_cli:7.1f}x faster")
    print(f"  Rscript process / synth CLI:                {r['wall'] / t_cli:7.1f}x faster")
    print()
    b = [c.estimate for c in res.coefficients]
    print("  same model (synth vs metafor):")
    print(f"    intercept {b[0]: .10f}  {r['b'][0]: .10f}")
    print(f"    year      {b[1]: .10f}  {r['b'][1]: .10f}")
    print(f"    tau2      {res.residual_heterogeneity.tau2: .10f}  {r['tau2']: .10f}")
    print(f"    QM        {res.moderator_test.statistic: .10f}  {r['QM']: .10f}")
    perm = [c.permutation_p for c in res.coefficients]
    print(f"    permutation p (random, different RNGs): synth {perm} (seed 1), "
          f"metafor {r['pval']} (set.seed(1))")  # fmt: skip
    assert out["permutations"] == {"n": PERMUTATIONS, "exact": False}
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
