"""Benchmark the meta-regression core: fits, permutation tests, PyMARE and metafor.

Prints figures; it asserts nothing (performance is measured here, not in tests).

    .venv/bin/python bench/bench_regression.py

Data: dat.bcg log risk ratios with ablat (k = 13), from tests/reference/regression_reference.json.
R figures are measured when `Rscript` with metafor is on PATH, else skipped with a note.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synthesis.models.regression import fit_regression, permutation_test  # noqa: E402

REF = json.loads((ROOT / "tests" / "reference" / "regression_reference.json").read_text())
CASE = next(c for c in REF["cases"] if c["id"] == "bcg-ablat-REML-wald")
Y, V, X = np.asarray(CASE["yi"]), np.asarray(CASE["vi"]), np.column_stack(CASE["X"])
NAMES = ["intercept", "ablat"]


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    print("synth (median of 5)")
    for method in ("REML", "DL", "PM", "ML", "EB", "HE", "SJ", "HS", "FE"):
        t_fit = best(lambda m=method: fit_regression(yi=Y, vi=V, X=X, names=NAMES, method=m))
        t_perm = best(
            lambda m=method: permutation_test(
                yi=Y, vi=V, X=X, names=NAMES, method=m, permutations=1000, seed=1
            )
        )
        print(
            f"  {method:<5} one fit {t_fit * 1e3:6.1f} ms   "
            f"1,000 permutations {t_perm * 1e3:6.1f} ms"
        )
    bcg7 = next(
        p for p in REF["permutation_tests"] if p["id"] == "exact-bcg7-ablat-alloc-REML-wald"
    )
    x7 = np.column_stack(bcg7["X"])
    t = best(
        lambda: permutation_test(
            yi=bcg7["yi"], vi=bcg7["vi"], X=x7, names=["i", "a", "r"], permutations="exact"
        ),
        repeat=3,
    )
    print(f"  REML exact, k = 7, 5,040 arrangements: {t * 1e3:.0f} ms")

    t0 = time.perf_counter()
    from pymare import Dataset
    from pymare.estimators import DerSimonianLaird, VarianceBasedLikelihoodEstimator

    print(f"PyMARE (import {time.perf_counter() - t0:.2f} s)")
    ds = Dataset(y=Y, v=V, X=X[:, 1:])
    for name, est in (
        ("REML", VarianceBasedLikelihoodEstimator(method="REML")),
        ("DL", DerSimonianLaird()),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = est.fit_dataset(ds).summary()
            t = best(lambda r=res: r.permutation_test(n_perm=1000))
        print(f"  {name:<5} 1,000 permutations {t * 1e3:6.1f} ms")

    if shutil.which("Rscript") is None:
        print("metafor: Rscript not found, skipped")
        return
    script = (
        "suppressPackageStartupMessages(library(metafor));"
        'dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg);'
        'res <- rma(yi, vi, mods=~ablat, data=dat, method="REML");'
        "set.seed(1); t <- system.time(permutest(res, iter=1000, progbar=FALSE));"
        'cat(t[["elapsed"]])'
    )
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    print(f"metafor permutest(res, iter = 1000), REML, k = 13: {float(out.stdout):.2f} s")


if __name__ == "__main__":
    main()
