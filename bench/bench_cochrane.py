"""Benchmark the Cochrane-review additions of `synth pool` against metafor.

Accuracy: the largest relative difference from metafor 3.8 over every case of
tests/reference/cochrane_reference.json (MD/SMD rma grid with the t prediction interval,
rma.mh and rma.peto) and tests/reference/cochrane_cli_reference.json (tests against a
stated null), each pooled through ``synthesis.pool`` from YAML records.
Speed: wall time of `synth pool` (a fresh process, as a user runs it) beside `Rscript`
with the same model, on dat.bcg (13 trials, MH odds ratio beside REML) and
dat.normand1999 (9 trials, SMD).

    .venv/bin/python bench/bench_cochrane.py            # everything
    .venv/bin/python bench/bench_cochrane.py --quick    # fewer repetitions

Prints figures; asserts nothing. R figures need `Rscript` with metafor on PATH.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import synthesis  # noqa: E402
from tests.test_cochrane_cli import (  # noqa: E402
    BCG,
    MH,
    NORMAND,
    NULL_CASES,
    POOL,
    continuous_records,
    count_records,
    null_records,
    write,
)

SYNTH = [sys.executable, "-m", "synthesis"]


def rel(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return 0.0 if a is None and b is None else math.inf
    return abs(a - b) / max(abs(b), 1e-300) if b != 0 else abs(a)


def accuracy(tmp: Path) -> None:
    worst: dict[str, tuple[float, str]] = {}

    def note(group: str, value: float, cid: str) -> None:
        if value > worst.get(group, (-1.0, ""))[0]:
            worst[group] = (value, cid)

    for i, case in enumerate(POOL):
        md = case["measure"] in ("MD", "SMD")
        folder = write(
            tmp / f"p{i}", continuous_records(NORMAND, case["k"]) if md else count_records(BCG)
        )
        res = synthesis.pool(
            studies=folder,
            outcome="LOS" if md else "Y",
            measure=case["measure"],
            method=case["method"],
            ci=case["ci"],
            level=case["level"],
            pi="t",
        )
        closed = case["method"] in ("FE", "DL", "HE", "SJ", "HS")
        group = f"rma {case['measure']} ({'closed form' if closed else 'iterative'})"
        for got, want in (
            (res.model_scale.estimate, case["estimate"]),
            (res.model_scale.se, case["se"]),
            (res.p_value, case["pval"]),
            (res.model_scale.pi_low, case["pi_t_lb"]),
            (res.heterogeneity.Q, case["QE"]),
        ):
            note(group, rel(got, want), case["id"])
    for i, case in enumerate(MH):
        if case["error"] or case["estimate"] is None:
            continue
        folder = write(tmp / f"m{i}", count_records(case["inputs"]))
        res = synthesis.pool(
            studies=folder,
            outcome="Y",
            measure=case["measure"],
            method=case["method"],
            level=case["level"],
        )
        for got, want in (
            (res.model_scale.estimate, case["estimate"]),
            (res.model_scale.se, case["se"]),
            (res.p_value, case["pval"]),
        ):
            note(f"rma.{'mh' if case['method'] == 'MH' else 'peto'}", rel(got, want), case["id"])
    for i, case in enumerate(NULL_CASES):
        folder = write(tmp / f"n{i}", null_records(case))
        res = synthesis.pool(
            studies=folder,
            outcome="LOS" if "m1i" in case["inputs"] else "Y",
            measure=case["measure"],
            method=case["method"],
            ci=case["ci"],
            null=case["null"],
        )
        note(
            f"--null ({case['kind']})",
            max(rel(res.statistic, case["statistic"]), rel(res.p_value, case["pval"])),
            case["id"],
        )
    print("largest relative difference from metafor 3.8.1 (estimate, se, p, t-PI, Q):")
    for group, (value, cid) in sorted(worst.items()):
        print(f"  {group:<28} {value:9.2e}   ({cid})")


def wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def speed(tmp: Path, repeat: int) -> None:
    bcg = write(tmp / "bcg", count_records(BCG))
    normand = write(tmp / "normand", continuous_records(NORMAND))
    runs = [
        (
            "synth pool OR REML --also MH --pi t (dat.bcg)",
            [
                *SYNTH,
                "pool",
                "--studies",
                bcg,
                "--outcome",
                "Y",
                "--measure",
                "OR",
                "--also",
                "MH",
                "--pi",
                "t",
                "--format",
                "json",
            ],
            "library(metafor); d <- dat.bcg; rma(measure='OR', ai=tpos, bi=tneg, ci=cpos, "
            "di=cneg, data=d); rma.mh(measure='OR', ai=tpos, bi=tneg, ci=cpos, di=cneg, data=d)",
        ),
        (
            "synth pool SMD REML (dat.normand1999)",
            [
                *SYNTH,
                "pool",
                "--studies",
                normand,
                "--outcome",
                "LOS",
                "--measure",
                "SMD",
                "--format",
                "json",
            ],
            "library(metafor); rma(measure='SMD', m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, "
            "sd2i=sd2i, n2i=n2i, data=dat.normand1999)",
        ),
    ]
    rscript = shutil.which("Rscript")
    print(f"\nwall time, median of {repeat} fresh processes:")
    for name, cmd, r_code in runs:
        line = f"  {name:<48} synth {wall(cmd, repeat):6.3f} s"
        if rscript:
            line += f"   Rscript {wall([rscript, '-e', r_code], repeat):6.3f} s"
        print(line)
    if not rscript:
        print("  (Rscript not found: R figures skipped)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        accuracy(Path(tmp))
        speed(Path(tmp), 3 if args.quick else 10)
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
