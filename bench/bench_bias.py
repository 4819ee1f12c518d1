"""Benchmark `synth bias` on 1,000 studies against Rscript + metafor, side by side.

Prints figures; it asserts nothing (performance is measured here, not in tests).

    .venv/bin/python bench/bench_bias.py            # everything
    .venv/bin/python bench/bench_bias.py --quick    # fewer repetitions

The same seeded data (1,000 generic estimates with an SE and n, a funnel with small
non-significant studies missing on one side) go to both:

The variances 4/n of integer n have ties, so both use the normal approximation for
Kendall's tau (metafor's exact ``cor.test`` for 1,000 untied values did not finish in 10
minutes); synth's exact p for the untied variant is timed on its own line.

* synth, in process: ``bias_of(pool(...))`` = Egger's test (lm), the regression test
  (rma), the rank test, trim and fill (L0, refitted model) and fail-safe N (Rosenthal,
  Orwin, Rosenberg), from the pooled result; and the whole command from the shell on the
  1,000 YAML records (``synth bias --format json``: start-up, reading, pooling, bias).
* R: ``rma(yi, vi)``, ``regtest(res, model = "lm")``, ``regtest(res)``, ``ranktest(res)``,
  ``trimfill(res)`` and ``fsn(yi, vi, type = ...)`` for the three types, timed inside R
  (``proc.time``) after ``library(metafor)``, and the whole Rscript call.

The numbers of both are printed so that the comparison is of the same analyses.
"""

from __future__ import annotations

import argparse
import json
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
K = 1000


def show(name: str, times: list[float]) -> float:
    med = statistics.median(times)
    print(f"{name:<62} median {med:8.3f} s   (min {min(times):.3f}, n={len(times)})")
    return med


def make_data(k: int = K, seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A funnel of k studies missing some small ones with effects below the mean."""
    rng = np.random.default_rng(seed)
    ys: list[float] = []
    vs: list[float] = []
    ns: list[int] = []
    while len(ys) < k:
        n = int(rng.integers(20, 800))
        v = 4.0 / n
        y = float(rng.normal(0.3, np.sqrt(v + 0.04)))
        if y < 0.3 and v > 0.02 and rng.random() < 0.6:  # the missing small studies
            continue
        ys.append(y)
        vs.append(v)
        ns.append(n)
    return np.array(ys), np.array(vs), np.array(ns)


def write_records(folder: Path, y: np.ndarray, v: np.ndarray, n: np.ndarray) -> None:
    for i, (yi, vi, ni) in enumerate(zip(y, v, n, strict=True)):
        (folder / f"s{i:05d}.yaml").write_text(
            f"id: s{i:05d}\ncitation: Synthetic study {i}\nyear: {2000 + i % 25}\n"
            f"outcomes:\n  - {{name: X, estimate: {float(yi)!r}, "
            f"se: {float(np.sqrt(vi))!r}, n: {int(ni)}}}\n"
        )


R_SCRIPT = r"""suppressMessages(library(metafor))
dat <- read.csv("{csv}")
t0 <- proc.time()[["elapsed"]]
res <- rma(yi, vi, ni = ni, data = dat)
lm <- regtest(res, model = "lm")
rt <- regtest(res)
rk <- ranktest(res)
tf <- trimfill(res)
f1 <- fsn(yi, vi, data = dat, type = "Rosenthal")
f2 <- fsn(yi, vi, data = dat, type = "Orwin")
f3 <- fsn(yi, vi, data = dat, type = "Rosenberg")
t1 <- proc.time()[["elapsed"]]
cat(sprintf('{{"seconds": %.6f, "egger_t": %.10g, "regtest_z": %.10g, "rank_tau": %.10g,
 "rank_p": %s, "k0": %d, "tf_estimate": %.10g, "rosenthal": %d, "orwin": %d,
 "rosenberg": %d}}\n',
  t1 - t0, lm$zval, rt$zval, rk$tau, ifelse(is.na(rk$pval), "null", format(rk$pval, digits = 10)),
  tf$k0, tf$b[1], as.integer(f1$fsnum), as.integer(f2$fsnum), as.integer(f3$fsnum)))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeat = 3 if args.quick else 7
    y, v, n = make_data()
    print(f"== synth bias on k = {K} studies (seeded; REML, Wald, predictor sei, L0)")

    from synthesis.analyses.bias import bias_of
    from synthesis.analyses.pool import pool
    from synthesis.records.review import load_review

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "studies"
        folder.mkdir()
        write_records(folder, y, v, n)
        result = pool(load_review(folder), outcome="X", measure="GEN")
        bias_of(result)  # warm (imports statsmodels, scipy)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            b = bias_of(result)
            times.append(time.perf_counter() - t0)
        ours = show("synth: bias_of(pooled result), in process", times)
        parts = {}
        from synthesis.analyses import bias as core

        for name, call in (
            ("egger", lambda: core.egger(yi=y, vi=v, ni=n)),
            ("regression_test", lambda: core.regression_test(yi=y, vi=v, ni=n)),
            ("rank_test", lambda: core.rank_test(yi=y, vi=v)),
            ("trim_and_fill", lambda: core.trim_and_fill(yi=y, vi=v)),
            ("fail_safe_n", lambda: core.fail_safe_n(yi=y, vi=v)),
        ):
            ts = []
            for _ in range(repeat):
                core._kendall_pmf.cache_clear()
                t0 = time.perf_counter()
                call()
                ts.append(time.perf_counter() - t0)
            parts[name] = statistics.median(ts)
        print("   of which " + ", ".join(f"{k} {s:.3f} s" for k, s in parts.items()))
        # the same funnel with untied variances: the rank test's exact Kendall p (metafor's
        # cor.test(exact = TRUE) did not finish within 10 minutes for n = 1,000 and its
        # pkendall gives NaN above n = 170 anyway, so this line has no R counterpart)
        v_untied = v * np.random.default_rng(5).uniform(0.95, 1.05, v.size)
        ts = []
        for _ in range(repeat):
            core._kendall_pmf.cache_clear()
            t0 = time.perf_counter()
            rk = core.rank_test(yi=y, vi=v_untied)
            ts.append(time.perf_counter() - t0)
        show(f"synth: rank_test, untied (exact p = {rk.p_value:.4g})", ts)
        cmd = [*SYNTH, "bias", "--outcome", "X", "--measure", "GEN", "--studies", str(folder),
               "--format", "json"]  # fmt: skip
        walls = []
        out = ""
        for _ in range(max(3, repeat // 2)):
            t0 = time.perf_counter()
            out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
            walls.append(time.perf_counter() - t0)
        cli = show(f"synth bias from the shell ({K} YAML records, cold start)", walls)
        data = json.loads(out)
        tfd = data["trim_and_fill"]
        fsn = data["fail_safe_n"]
        rank_p = data["rank_test"]["p_value"]
        print(
            f"   synth: Egger t = {data['egger']['statistic']:.6f}, regtest z = "
            f"{data['regression_test']['statistic']:.6f}, rank tau = "
            f"{data['rank_test']['tau']:.6f} (p = {rank_p:.6g}), k0 = {tfd['k0']}, "
            f"trim-and-fill estimate = {tfd['model']['model_scale']['estimate']:.6f}, fsn = "
            f"{fsn['rosenthal']['n']}, {fsn['orwin']['n']}, {fsn['rosenberg']['n']}"
        )
        del b

        if not r_available():
            print("Rscript with metafor not found: R figures skipped")
            return
        csv = Path(tmp) / "dat.csv"
        csv.write_text(
            "yi,vi,ni\n"
            + "".join(
                f"{float(a)!r},{float(b)!r},{int(c)}\n" for a, b, c in zip(y, v, n, strict=True)
            )
        )
        script = Path(tmp) / "bias.R"
        script.write_text(R_SCRIPT.format(csv=csv))
        r_inside = []
        r_wall = []
        rout: dict = {}
        for _ in range(1 if args.quick else 2):
            t0 = time.perf_counter()
            run = subprocess.run(["Rscript", str(script)], capture_output=True, text=True,
                                 check=True)  # fmt: skip
            r_wall.append(time.perf_counter() - t0)
            rout = json.loads(run.stdout)
            r_inside.append(rout["seconds"])
        r_in = show("metafor: rma + regtest x2 + ranktest + trimfill + fsn x3 (in R)", r_inside)
        r_all = show("Rscript + metafor, whole call", r_wall)
        print(
            f"   metafor: Egger t = {rout['egger_t']:.6f}, regtest z = {rout['regtest_z']:.6f}, "
            f"rank tau = {rout['rank_tau']:.6f} (p = {rout['rank_p']}), k0 = {rout['k0']}, "
            f"trim-and-fill estimate = {rout['tf_estimate']:.6f}, fsn = {rout['rosenthal']}, "
            f"{rout['orwin']}, {rout['rosenberg']}"
        )
        print(f"{'ratio synth in process / metafor in R':<62} {ours / r_in:.4f}  "
              f"(1/{r_in / ours:.0f}; goal <= 1/50)")  # fmt: skip
        print(f"{'ratio synth command / Rscript command':<62} {cli / r_all:.4f}  "
              f"(1/{r_all / cli:.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
