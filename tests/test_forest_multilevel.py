"""Forest plots of a multilevel result (``synth forest --model multilevel``): rows grouped
by cluster under a heading, the three-level diamond and prediction interval, both variance
components in the footer; the numbers are those of ``synth pool --model multilevel``.

Two data sets: the bundled review (Yoon 2025 has two arms: one cluster of two rows) and a
12-row review in 5 studies (1 to 4 arms each; a ``trial`` tag groups them in 4 trials),
written below.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from synthesis.cli import main

from synthesis.analyses.multilevel import pool_multilevel
from synthesis.analyses.pool import pool
from synthesis.plots.forest import (
    SMALL_SIZE,
    ForestLayout,
    draw_forest,
    forest_bytes,
    forest_image,
    forest_layout,
    is_multilevel,
)
from synthesis.records.review import load_review
from tests.test_forest import PNG_SIGNATURE, assert_no_text_overlaps

ROOT = Path(__file__).resolve().parent.parent
STUDIES = str(ROOT / "studies")

#: id, label, year, trial tag, arms (id, label, n, events): 12 rows in 5 studies
TWELVE = [
    ("kim2019", "Kim 2019", 2019, "NCT-A",
     [("low", "low dose", 40, 14), ("high", "high dose", 38, 20)]),
    ("garcia2020", "García 2020", 2020, "NCT-A", [("all", "all patients", 120, 52)]),
    ("okafor2021", "Okafor 2021", 2021, "NCT-B",
     [("a", "induction A", 25, 17), ("b", "induction B", 27, 21), ("c", "induction C", 22, 19)]),
    ("lindqvist2022", "Lindqvist 2022", 2022, "NCT-C",
     [("r1", "relapsed, 1 prior line", 31, 12), ("r2", "relapsed, 2 prior lines", 29, 8),
      ("r3", "refractory", 35, 7), ("older", "age ≥ 65", 18, 3)]),
    ("nakamura2024", "Nakamura 2024", 2024, "NCT-D",
     [("ped", "children", 15, 12), ("adult", "adults", 60, 41)]),
]  # fmt: skip


def write_twelve(folder: Path) -> Path:
    folder.mkdir()
    for sid, label, year, trial, arms in TWELVE:
        lines = [f"id: {sid}", f'citation: "{label}. Synthetic test record."', f"label: {label}"]
        lines += [f"year: {year}", f"tags: {{trial: {trial}}}", "arms:"]
        for aid, alabel, n, _ in arms:
            lines += [f"  - id: {aid}", f'    label: "{alabel}"', f"    n: {n}"]
        lines.append("outcomes:")
        for aid, _, n, events in arms:
            lines += ["  - name: ORR", f"    arm: {aid}"]
            lines += [f"    events: {events}", f"    total: {n}"]
        (folder / f"{sid}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def twelve_dir(tmp_path_factory) -> Path:
    return write_twelve(tmp_path_factory.mktemp("ml") / "studies")


@pytest.fixture(scope="module")
def twelve(twelve_dir):
    return pool_multilevel(load_review(twelve_dir), outcome="ORR")


def pool_json(studies: str | Path, *extra: str) -> dict:
    args = ["pool", "--outcome", "ORR", "--model", "multilevel", "--format", "json"]
    run = CliRunner().invoke(main, [*args, *extra, "--studies", str(studies)])
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)


def outline(layout: ForestLayout) -> list[tuple[str, str, str]]:
    """(kind, label, data) of every row, top to bottom."""
    return [(r.kind, r.label, r.data) for r in layout.rows]


def drawn_lines(fig) -> list[tuple[float, float, str]]:
    """The figure's table texts as (row y, x in inches, text), top to bottom, left to right:
    the texts placed in rows (x in inches, y in rows: a blended transform), not the title,
    axis label and footer."""
    from matplotlib.transforms import BlendedGenericTransform

    out = []
    for t in fig.texts:
        x, y = t.get_position()
        if isinstance(t.get_transform(), BlendedGenericTransform) and t.get_text():
            out.append((round(float(y), 6), float(x), t.get_text()))
    return sorted(out)


# ---------------------------------------------------------------------------
# The bundled review


def test_bundled_review_yoon_is_one_cluster_of_two_rows() -> None:
    result = pool_multilevel(load_review(STUDIES), outcome="ORR")
    assert is_multilevel(result)
    layout = forest_layout(result)
    assert outline(layout) == [
        ("cluster-header", "cityofhope2022-blina", "1 row"),
        ("study", "City of Hope 2022", "84/132 (from 64%)"),
        ("cluster-header", "chictr2400086092-ankl", "1 row"),
        ("study", "Rux-P-Gemox pilot 2025", "5/6"),
        ("cluster-header", "yoon2025-ankl", "2 rows"),
        ("study", "Yoon 2025 (L-ASNase-based)", "14/30 (from 46.7%)"),
        ("study", "Yoon 2025 (non-L-ASNase)", "3/14 (from 21.4%)"),
        ("blank", "", ""),
        ("pooled", "Pooled (multilevel, REML)", "k = 4 in 3 clusters, n = 182"),
        ("pi", "Prediction interval", ""),
    ]
    rows = [r for r in layout.rows if r.kind == "study"]
    assert [r.cluster for r in rows] == [
        "cityofhope2022-blina",
        "chictr2400086092-ankl",
        "yoon2025-ankl",
        "yoon2025-ankl",
    ]


def test_bundled_review_numbers_are_those_of_synth_pool() -> None:
    out = pool_json(STUDIES)
    layout = forest_layout(pool_multilevel(load_review(STUDIES), outcome="ORR"))
    pooled = next(r for r in layout.rows if r.kind == "pooled")
    pi = next(r for r in layout.rows if r.kind == "pi")
    assert (pooled.x, pooled.ci_low, pooled.ci_high) == (
        out["estimate"],
        out["ci_low"],
        out["ci_high"],
    )
    assert (pi.ci_low, pi.ci_high) == (out["pi_low"], out["pi_high"])
    # 0.5651305 [0.3203462, 0.7818027] and [0.1742905, 0.8888987] as printed
    assert pooled.estimate_text == "0.565 [0.320, 0.782]"
    assert pi.estimate_text == "[0.174, 0.889]"
    between, within = out["variance_components"]
    h = out["heterogeneity"]
    assert layout.footer[0] == (
        f"Heterogeneity: σ² between clusters (study) = {between['sigma2']:.4f}, "
        f"within (row) = {within['sigma2']:.4f}; I² = {h['I2']:.1f}%; "
        f"Q = {h['Q']:.2f} (df = {h['Q_df']}, p = {h['Q_p']:.4f})"
    )
    assert layout.footer[0] == (
        "Heterogeneity: σ² between clusters (study) = 0.4470, within (row) = 0.1451; "
        "I² = 77.1%; Q = 10.82 (df = 3, p = 0.0127)"
    )
    assert layout.footer[-1] == (
        "Prediction interval from σ² between + within = 0.5922; "
        "weights: each row's share of the estimate (row sums of V⁻¹)"
    )


# ---------------------------------------------------------------------------
# 12 rows in 5 studies


def test_rows_of_a_cluster_are_adjacent_under_their_heading(twelve) -> None:
    layout = forest_layout(twelve)
    got = [(r.kind, r.label) for r in layout.rows if r.kind in ("cluster-header", "study")]
    expected = []
    for sid, label, _, _, arms in TWELVE:  # listed in year order already
        expected.append(("cluster-header", sid))
        expected.extend(("study", f"{label} ({alabel})" if len(arms) > 1 else label)
                        for _, alabel, _, _ in arms)  # fmt: skip
    assert got == expected
    notes = [r.data for r in layout.rows if r.kind == "cluster-header"]
    assert notes == ["2 rows", "1 row", "3 rows", "4 rows", "2 rows"]


def test_sort_by_estimate_orders_clusters_by_their_smallest_row(twelve) -> None:
    layout = forest_layout(twelve, sort="estimate")
    heads = [r.label for r in layout.rows if r.kind == "cluster-header"]
    # smallest proportions: Lindqvist 3/18, Kim 14/40, García 52/120, Okafor 17/25, Nakamura 41/60
    assert heads == ["lindqvist2022", "kim2019", "garcia2020", "okafor2021", "nakamura2024"]
    lind = [r.data for r in layout.rows if r.cluster == "lindqvist2022" and r.kind == "study"]
    assert lind == ["3/18", "7/35", "8/29", "12/31"]


def test_a_tag_clusters_rows_of_several_studies(twelve_dir) -> None:
    result = pool_multilevel(load_review(twelve_dir), outcome="ORR", cluster="trial")
    layout = forest_layout(result)
    heads = [(r.label, r.data) for r in layout.rows if r.kind == "cluster-header"]
    assert heads == [
        ("trial = NCT-A", "3 rows"),
        ("trial = NCT-B", "3 rows"),
        ("trial = NCT-C", "4 rows"),
        ("trial = NCT-D", "2 rows"),
    ]
    nct_a = [r.label for r in layout.rows if r.cluster == "trial = NCT-A" and r.kind == "study"]
    assert nct_a == ["Kim 2019 (low dose)", "Kim 2019 (high dose)", "García 2020"]
    assert layout.footer[0].startswith("Heterogeneity: σ² between clusters (trial) = ")
    pooled = next(r for r in layout.rows if r.kind == "pooled")
    assert pooled.data == "k = 12 in 4 clusters, n = 460"


def test_numbers_equal_synth_pool_json(twelve, twelve_dir) -> None:
    out = pool_json(twelve_dir)
    layout = forest_layout(twelve)
    pooled = next(r for r in layout.rows if r.kind == "pooled")
    pi = next(r for r in layout.rows if r.kind == "pi")
    assert (pooled.x, pooled.ci_low, pooled.ci_high) == (
        out["estimate"],
        out["ci_low"],
        out["ci_high"],
    )
    assert (pi.ci_low, pi.ci_high) == (out["pi_low"], out["pi_high"])
    weights = {f"{s['id']}/{s['arm']}": f"{s['weight']:.1f}%" for s in out["studies"]}
    drawn = {r.study_id: r.weight_text for r in layout.rows if r.kind == "study"}
    assert drawn == weights
    assert sum(s["weight"] for s in out["studies"]) == pytest.approx(100.0)
    between, within = out["variance_components"]
    assert (between["level"], between["n"]) == ("cluster", 5)
    assert (within["level"], within["n"]) == ("row", 12)
    h = out["heterogeneity"]
    assert h["tau2"] == pytest.approx(between["sigma2"] + within["sigma2"], rel=1e-12)
    assert layout.footer[0] == (
        f"Heterogeneity: σ² between clusters (study) = {between['sigma2']:.4f}, "
        f"within (row) = {within['sigma2']:.4f}; I² = {h['I2']:.1f}%; "
        f"Q = {h['Q']:.2f} (df = 11, p < 0.0001)"
    )
    assert layout.footer[1] == (
        "Method: three-level model, rows nested in clusters (rma.mv), σ² by restricted "
        "maximum likelihood (REML); Wald z 95% CI; proportions pooled on the logit scale"
    )
    assert layout.footer[2] == (
        f"Prediction interval from σ² between + within = {h['tau2']:.4f}; "
        "weights: each row's share of the estimate (row sums of V⁻¹)"
    )
    assert pooled.data == "k = 12 in 5 clusters, n = 460"


def test_ml_and_t_are_named(twelve_dir) -> None:
    result = pool_multilevel(
        load_review(twelve_dir), outcome="ORR", method="ML", ci="hksj", null=0.5
    )
    out = pool_json(twelve_dir, "--method", "ML", "--ci", "hksj", "--null", "0.5")
    layout = forest_layout(result)
    assert next(r.label for r in layout.rows if r.kind == "pooled") == "Pooled (multilevel, ML)"
    assert f"t(11) = {out['statistic']:.2f}" in layout.footer[1]
    assert "σ² by maximum likelihood (ML); t (df = 11) 95% CI" in layout.footer[2]


def test_one_cluster_says_its_component_is_fixed(tmp_path: Path) -> None:
    folder = tmp_path / "yoon"
    folder.mkdir()
    (folder / "yoon.yaml").write_text((Path(STUDIES) / "yoon2025-ankl.yaml").read_text())
    result = pool_multilevel(load_review(folder), outcome="ORR")
    layout = forest_layout(result)
    assert outline(layout)[:3] == [
        ("cluster-header", "yoon2025-ankl", "2 rows"),
        ("study", "Yoon 2025 (L-ASNase-based)", "14/30 (from 46.7%)"),
        ("study", "Yoon 2025 (non-L-ASNase)", "3/14 (from 21.4%)"),
    ]
    assert layout.footer[0].startswith(
        "Heterogeneity: σ² between clusters (study) = 0.0000 (fixed), within (row) = "
    )
    assert not any(r.kind == "pi" for r in layout.rows)  # k = 2: no prediction interval


def test_group_clusters_false_draws_rows_flat(twelve) -> None:
    flat = forest_layout(twelve, group_clusters=False)
    assert "cluster-header" not in [r.kind for r in flat.rows]
    assert [r.cluster for r in flat.rows] == [None] * len(flat.rows)
    grouped = forest_layout(twelve)
    assert sorted(r.study_id or "" for r in flat.rows if r.kind == "study") == sorted(
        r.study_id or "" for r in grouped.rows if r.kind == "study"
    )
    assert flat.footer == grouped.footer


def test_other_results_are_not_grouped() -> None:
    result = pool(load_review(STUDIES), outcome="ORR")
    assert not is_multilevel(result)
    assert forest_layout(result) == forest_layout(result, group_clusters=True)
    assert forest_layout(result) == forest_layout(result, group_clusters=False)
    assert "cluster-header" not in [r.kind for r in forest_layout(result).rows]
    assert forest_layout(result).footer[0].startswith("Heterogeneity: τ² = ")


# ---------------------------------------------------------------------------
# The drawn figure


def test_drawn_figure_shows_headings_above_indented_rows(twelve) -> None:
    layout = forest_layout(twelve)
    fig = draw_forest(layout)
    lines = drawn_lines(fig)
    rows = {i: r for i, r in enumerate(layout.rows)}
    heading_x = {
        x for y, x, t in lines if y >= 0 and t == rows[round(y)].label and rows[round(y)].cluster
    }
    assert len(heading_x) == 2  # headings at one x, the rows under them at another
    for y, x, text in lines:
        if y < 0:  # the column headers
            continue
        r = rows[round(y)]
        if r.kind == "cluster-header":
            assert text in (r.label, r.data)
        elif r.kind == "study" and text == r.label:
            assert x > min(heading_x) + 0.1  # indented under the heading
    first = [t for _, _, t in lines if t in ("kim2019", "Kim 2019 (low dose)", "garcia2020")]
    assert first == ["kim2019", "Kim 2019 (low dose)", "garcia2020"]
    assert assert_no_text_overlaps(fig) > 12 * 4
    assert min(t.get_fontsize() for t in fig.texts) >= SMALL_SIZE  # 11.5 px in the report


def test_bundled_figure_has_no_overlaps() -> None:
    result = pool_multilevel(load_review(STUDIES), outcome="ORR")
    fig = draw_forest(forest_layout(result))
    texts = [t for _, _, t in drawn_lines(fig)]
    assert texts.index("yoon2025-ankl") < texts.index("Yoon 2025 (L-ASNase-based)")
    assert "2 rows" in texts
    assert_no_text_overlaps(fig)


def test_every_format(twelve) -> None:
    png = forest_image(twelve, fmt="png")
    assert png.data.startswith(PNG_SIGNATURE)
    assert png.layout == forest_layout(twelve)
    svg = forest_bytes(twelve, fmt="svg")
    assert ET.fromstring(svg).tag.endswith("svg")
    assert svg == forest_bytes(twelve, fmt="svg")
    pdf = forest_bytes(twelve, fmt="pdf")
    assert pdf.startswith(b"%PDF-")
    flat = forest_image(twelve, fmt="png", group_clusters=False)
    assert flat.height_in < png.height_in  # 5 heading rows fewer


# ---------------------------------------------------------------------------
# synth forest --model multilevel


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_cli_draws_the_grouped_plot(twelve_dir, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"ml.{suffix}"
    args = ["forest", "--outcome", "ORR", "--model", "multilevel", "--cluster", "trial"]
    run = CliRunner().invoke(main, [*args, "-o", str(out), "--studies", str(twelve_dir)])
    assert run.exit_code == 0, run.output
    assert run.stdout.startswith(f"wrote {out} (ORR, k = 12, ")
    data = out.read_bytes()
    result = pool_multilevel(load_review(twelve_dir), outcome="ORR", cluster="trial")
    assert data == forest_bytes(result, fmt=suffix)


def test_cli_unknown_cluster_tag(twelve_dir, tmp_path: Path) -> None:
    out = tmp_path / "ml.png"
    args = ["forest", "--outcome", "ORR", "--model", "multilevel", "--cluster", "centre"]
    run = CliRunner().invoke(main, [*args, "-o", str(out), "--studies", str(twelve_dir)])
    assert run.exit_code == 2
    assert run.stderr == (
        "synth: error: --cluster centre: no such tag in kim2019, garcia2020, okafor2021, "
        "lindqvist2022, nakamura2024 (tags: trial); give every study the tag, or use "
        "--cluster study\n"
    )
    assert not out.exists()
