"""One number format per measure in every output: the same estimate prints the same
digits in ``synth pool``, ``synth sensitivity`` and ``synth bias``.

The expected text is :func:`synthesis.render.text.number` / ``interval`` of the numbers in
``synth pool --format json`` (the one rule, synthesis.measures' ``style`` and ``digits``);
the outputs must show exactly that text. The bundled review's ORR (proportions, 3
decimals) and a review of small hazard ratios (below 0.1 a ratio prints with three
significant digits, 0.0500, where two decimals would print 0.05) are checked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.render.text import interval, number

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")

# three trials with hazard ratios near 0.05 (the pooled HR is below 0.1)
SMALL_HR = [
    ("trial-a", 2019, 0.04, 0.01, 0.16),
    ("trial-b", 2020, 0.06, 0.02, 0.18),
    ("trial-c", 2021, 0.05, 0.015, 0.17),
]


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def small_hr(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("small-hr")
    for sid, year, hr, lo, hi in SMALL_HR:
        (folder / f"{sid}.yaml").write_text(
            f"id: {sid}\ncitation: {sid} {year}\nyear: {year}\nn: 100\noutcomes:\n"
            f"  - {{name: OS, hr: {hr}, ci: [{lo}, {hi}]}}\n"
        )
    return str(folder)


CASES = {
    "bundled-ORR": ("ORR", None),
    "small-HR": ("OS", "HR"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_same_estimate_prints_the_same_digits(case: str, small_hr: str) -> None:
    outcome, measure = CASES[case]
    studies = STUDIES if case.startswith("bundled") else small_hr
    args = ["--outcome", outcome, "--studies", studies]
    if measure:
        args += ["--measure", measure]
    pooled = json.loads(cli("pool", *args, "--format", "json"))
    m = pooled["measure"]
    est = number(pooled["estimate"], m)
    ci = interval(pooled["ci_low"], pooled["ci_high"], m)
    if case == "small-HR":
        assert pooled["estimate"] < 0.1 and len(est) == 6  # 0.0xyz: 3 significant digits
    shown = f"{est} {ci}"

    pool_table = cli("pool", *args)
    pooled_row = next(line for line in pool_table.splitlines() if line.startswith("Pooled"))
    assert re.split(r"\s{2,}", pooled_row)[2:4] == [est, ci]  # k = K, estimate, CI, weight
    sens = cli("sensitivity", *args)
    assert f"All studies: {shown}" in sens
    bias = cli("bias", *args)
    assert f"Pooled estimate (k = {pooled['k']}): {shown} (95% CI)" in bias
    for fmt in ("md",):
        assert f"All studies: {shown}" in cli("sensitivity", *args, "--format", fmt)
        assert f"{shown}" in cli("bias", *args, "--format", fmt)

    # each leave-one-out and cumulative row: number() of its JSON value
    res = json.loads(cli("sensitivity", *args, "--format", "json"))
    table = sens.splitlines()
    for row in res["leave_one_out"] + res["cumulative"]["steps"]:
        if row["estimate"] is None:
            continue
        text = number(row["estimate"], m)
        ci_text = interval(row["ci_low"], row["ci_high"], m)
        assert any(text in line.split() and ci_text in line for line in table), (text, ci_text)
