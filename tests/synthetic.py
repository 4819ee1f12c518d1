"""A synthetic review of any size, written as contract records (for plots, tables, reports).

``write_review(folder, k=60)`` writes ``k`` YAML records with deterministic numbers:
every study reports ORR (events/total) and CR for two arms (experimental and
control, so RR/OR/RD apply), a median OS per arm, and an HR for OS with its 95% CI.
Studies carry a ``disease`` tag (three values) for ``--by``; years run 2001-2024.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

DISEASES = ("AML", "ALL", "NHL")


def write_review(folder: Path, *, k: int = 60, seed: int = 0) -> list[Path]:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(k):
        n_exp = int(rng.integers(12, 180))
        n_ctl = int(rng.integers(10, 160))
        p_exp = float(np.clip(rng.normal(0.55, 0.15), 0.03, 0.97))
        p_ctl = float(np.clip(p_exp - rng.normal(0.12, 0.08), 0.02, 0.95))
        orr_exp = int(rng.binomial(n_exp, p_exp))
        orr_ctl = int(rng.binomial(n_ctl, p_ctl))
        cr_exp = int(rng.binomial(orr_exp, 0.6))
        cr_ctl = int(rng.binomial(orr_ctl, 0.6))
        os_exp = round(float(rng.lognormal(math.log(14), 0.4)), 1)
        os_ctl = round(float(rng.lognormal(math.log(10), 0.4)), 1)
        log_hr = float(rng.normal(-0.25, 0.2))
        se = 2.0 / math.sqrt(n_exp + n_ctl) * 1.2
        hr = round(math.exp(log_hr), 2)
        lo = round(math.exp(log_hr - 1.959964 * se), 2)
        hi = round(math.exp(log_hr + 1.959964 * se), 2)
        year = 2001 + (i * 7) % 24
        sid = f"syn{i + 1:03d}"
        text = f"""id: {sid}
citation: "Synthetic S{i + 1} et al. J Synth. {year};{i + 1}:{100 + i}"
year: {year}
label: Study {i + 1:02d} {year}
design: rct
tags: {{disease: {DISEASES[i % 3]}}}
n: {n_exp + n_ctl}
arms:
  - {{id: exp, label: new drug, n: {n_exp}, role: experimental}}
  - {{id: ctl, label: standard, n: {n_ctl}, role: control}}
outcomes:
  - {{name: ORR, arm: exp, events: {orr_exp}, total: {n_exp}, quote: "ORR {orr_exp}/{n_exp}"}}
  - {{name: ORR, arm: ctl, events: {orr_ctl}, total: {n_ctl}, quote: "ORR {orr_ctl}/{n_ctl}"}}
  - {{name: CR, arm: exp, events: {cr_exp}, total: {n_exp}}}
  - {{name: CR, arm: ctl, events: {cr_ctl}, total: {n_ctl}}}
  - {{name: OS, arm: exp, median: {os_exp}, unit: months}}
  - {{name: OS, arm: ctl, median: {os_ctl}, unit: months}}
  - {{name: OS, hr: {hr}, ci: [{lo}, {hi}], quote: "HR {hr} (95% CI {lo}-{hi})"}}
"""
        path = folder / f"{sid}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
