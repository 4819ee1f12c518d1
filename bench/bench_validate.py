"""How long does ``synth validate`` take on a large review?

Writes N varied study records (single-arm and two-arm; counts, printed
percents, medians in several units, ratios with CI or p) to a temporary
folder, then times

* ``synth validate`` as a subprocess (cold start included: interpreter,
  imports, reading, checking, normalizing), median of R runs, and
* :func:`synthesis.normalize.load_review` in-process, median of R runs,

and prints the figures.  The goal is 2,000 records in under 1 s.

    .venv/bin/python bench/bench_validate.py [--records 2000] [--runs 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 1.0


def record(i: int, rng: random.Random) -> str:
    """One plausible record; about half single-arm, half two-arm."""
    lines = [
        f"# Source: synthetic record {i}",
        f"id: bench-{i:05d}",
        f'citation: "Author{i} X et al. J Synth. {2000 + i % 25};{i % 90 + 1}:{i % 500 + 1}"',
        f"year: {2000 + i % 25}",
        f"design: {rng.choice(['retrospective', 'prospective', 'rct', 'single-arm trial'])}",
        f"tags: {{disease: {rng.choice(['ANKL', 'B-ALL', 'AML', 'T-ALL'])}, "
        f"setting: {rng.choice(['newly-diagnosed', 'relapsed', 'mixed'])}}}",
    ]
    two_arm = i % 2 == 1
    n_a, n_b = rng.randint(10, 200), rng.randint(10, 200)
    if two_arm:
        lines += [
            f"n: {n_a + n_b}",
            "arms:",
            f"  - {{id: exp, label: experimental arm, n: {n_a}, role: experimental}}",
            f"  - {{id: ctl, label: control arm, n: {n_b}, role: control}}",
        ]
    else:
        lines.append(f"n: {n_a}")
    lines.append("outcomes:")
    arms = [("exp", n_a), ("ctl", n_b)] if two_arm else [(None, n_a)]
    for arm, n in arms:
        where = f"arm: {arm}, " if arm else ""
        events = rng.randint(0, n)
        if rng.random() < 0.5:
            lines.append(
                f"  - {{name: overall response rate, {where}events: {events}, total: {n}, "
                f'quote: "responses in {events} of {n} patients"}}'
            )
        else:
            pct = round(100 * events / n, 1)
            lines.append(f"  - {{name: ORR, {where}percent: {pct}, total: {n}}}")
        unit = rng.choice(["months", "weeks", "days", "years"])
        median = round(rng.uniform(1, 40), 1)
        lines.append(
            "  - name: OS\n"
            + (f"    arm: {arm}\n" if arm else "")
            + f"    median: {median}\n    unit: {unit}\n"
            f"    ci: [{round(median * 0.6, 1)}, {round(median * 1.5, 1)}]"
        )
        lines.append(f"  - {{name: CR, {where}events: {rng.randint(0, n)}, total: {n}}}")
    hr = round(rng.uniform(0.3, 3), 2)
    if rng.random() < 0.7:
        lo, hi = round(hr / 1.8, 3), round(hr * 1.8, 3)
        lines.append(f"  - {{name: PFS, hr: {hr}, ci: [{lo}, {hi}], adjusted: true}}")
    else:
        lines.append(f"  - {{name: PFS, hr: {hr}, p: {round(rng.uniform(0.001, 0.9), 3)}}}")
    lines.append('note: "synthetic record for the validate benchmark"')
    return "\n".join(lines) + "\n"


def write_review(folder: Path, count: int, seed: int = 20250101) -> None:
    rng = random.Random(seed)
    for i in range(count):
        sub = folder / f"batch{i // 250:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"bench-{i:05d}.yaml").write_text(record(i, rng), encoding="utf-8")


def time_subprocess(folder: Path, runs: int) -> tuple[float, str]:
    synth = Path(sys.executable).with_name("synth")
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(
            [str(synth), "validate", "--studies", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0,):
            raise SystemExit(f"synth validate failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        out = proc.stdout.strip()
    return statistics.median(times), out


def time_in_process(folder: Path, runs: int) -> float:
    from synthesis.records.review import load_review

    load_review(folder, root=folder)  # warm imports (scipy, yaml) once
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_review(folder, root=folder)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one in-process load")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="synth-bench-") as tmp:
        folder = Path(tmp) / "studies"
        folder.mkdir()
        start = time.perf_counter()
        write_review(folder, args.records)
        wrote = time.perf_counter() - start
        size = sum(p.stat().st_size for p in folder.rglob("*.yaml"))
        print(f"wrote {args.records} records ({size / 1e6:.2f} MB) in {wrote:.2f} s")

        sub, summary = time_subprocess(folder, args.runs)
        print(f"synth validate (subprocess, cold start), median of {args.runs}: {sub:.3f} s")
        print(f"  -> {summary}")
        inproc = time_in_process(folder, args.runs)
        print(f"load_review (in-process, warm imports), median of {args.runs}: {inproc:.3f} s")
        print(f"  = {1e3 * inproc / args.records:.3f} ms per record")
        verdict = "meets" if sub < GOAL_SECONDS else "MISSES"
        print(f"goal: {args.records} records in < {GOAL_SECONDS:.0f} s -> {verdict} the goal")

        if args.profile:
            from synthesis.records.review import load_review

            profiler = cProfile.Profile()
            profiler.enable()
            load_review(folder, root=folder)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
