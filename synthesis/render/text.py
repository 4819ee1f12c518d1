"""Rendering: results and tables -> text, Markdown, CSV, JSON.

No plotting here (that lives apart, so that ``synth pool`` never imports matplotlib).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from synthesis.measures import COMMON_METHODS, MEASURE_NAMES, MEASURES, METHOD_NAMES

# ---------------------------------------------------------------------------
# Numbers: one rule per measure (synthesis.measures.NUMBER_STYLES), used by every
# human-readable output: the pool table, Markdown, the summary of findings, the report
# and the forest plot. JSON and CSV keep full precision.

#: Ratios beyond these print as "< 0.001" / "> 1000" (symmetric on the log scale).
RATIO_MIN = 0.001
RATIO_MAX = 1000.0
#: Magnitudes from here on print in scientific notation, 3 significant digits (1.23e+05).
SCIENTIFIC_FROM = 1e5
TAU2_DIGITS = 4  # tau², as metafor prints it


def _fixed(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        return f"{0.0:.{digits}f}"  # never "-0.000"
    return text


def format_number(value: Any, style: str = "difference", digits: int = 3) -> str:
    """One number for people, by a style of :data:`synthesis.measures.NUMBER_STYLES`.

    '' for None or NaN (the caller shows a dash or 'NR' where that reads better).
    """
    if value is None:
        return ""
    v = float(value)
    if math.isnan(v):
        return ""
    if style == "ratio" and v >= 0:
        if v > RATIO_MAX:
            return f"> {RATIO_MAX:g}"
        if 0 < v < RATIO_MIN:
            return f"< {RATIO_MIN:g}"
        if 0 < v < 0.1:
            return f"{v:#.3g}"  # three significant digits: 0.0767, 0.00404
        return _fixed(v, digits)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if abs(v) >= SCIENTIFIC_FROM:
        return f"{v:.2e}"
    text = _fixed(v, digits)
    if style in ("proportion", "months") and v > 0 and float(text) == 0:
        return f"< {10.0**-digits:.{digits}f}"  # "< 0.001", never 0.000 for a positive value
    if style == "proportion" and v < 1 and float(text) == 1:
        return f"> {1 - 10.0**-digits:.{digits}f}"  # "> 0.999", never 1.000 below 1
    return text


def number(value: Any, measure: str) -> str:
    """An estimate or CI bound of ``measure`` on its reporting scale, as every output prints it."""
    m = MEASURES[measure]
    return format_number(value, m.style, m.digits)


def interval(low: Any, high: Any, measure: str, *, missing: str = "NR") -> str:
    """'[0.300, 0.730]'; a bound that is not known (not reached) as ``missing``; '' for none."""
    if low is None and high is None:
        return ""
    lo = number(low, measure) or missing
    hi = number(high, measure) or missing
    return f"[{lo}, {hi}]"


def tau2_text(value: Any, *, beyond: float | None = None) -> str:
    """tau² with 4 decimals; a CI bound beyond the search limit ``beyond`` as '> 100' or
    '> 5072.9226' (metafor: '>100.0000', '>5072.9226')."""
    if beyond is not None:
        limit = format_number(beyond, "difference", TAU2_DIGITS)
        return "> " + (limit.rstrip("0").rstrip(".") if "." in limit else limit)
    return format_number(value, "difference", TAU2_DIGITS)


def tau2_ci_text(h: Any) -> str:
    """'[0.0267, 19.9798]' or '[0.0462, > 100]'; '' when tau² has no CI."""
    limit = getattr(h, "tau2_ci_limit", None)
    low_out = bool(getattr(h, "tau2_ci_low_unbounded", False))
    high_out = bool(getattr(h, "tau2_ci_high_unbounded", False))
    if (h.tau2_ci_low is None and not low_out) or (h.tau2_ci_high is None and not high_out):
        return ""
    lo = tau2_text(h.tau2_ci_low, beyond=limit if low_out else None)
    hi = tau2_text(h.tau2_ci_high, beyond=limit if high_out else None)
    return f"[{lo}, {hi}]"


def weight_text(weight: Any) -> str:
    return "" if weight is None else f"{float(weight):.1f}%"


def fmt(value: Any, digits: int = 3) -> str:
    """A number for people: fixed digits, '' for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 10 ** (-digits)):
            return f"{value:.{digits}g}"
        return f"{value:.{digits}f}"
    return str(value)


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[bool] | None = None
) -> str:
    """An aligned plain-text table (numbers right-aligned)."""
    cells = [[str(h) for h in headers]] + [
        [fmt(c) if not isinstance(c, str) else c for c in r] for r in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    if numeric is None:
        numeric = [
            all(not isinstance(r[i], str) for r in rows) and bool(rows) for i in range(len(headers))
        ]
    lines = []
    for j, r in enumerate(cells):
        parts = [
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub/Pandoc pipe table."""
    out = ["| " + " | ".join(md_escape(str(h)) for h in headers) + " |"]
    out.append("|" + "|".join("---" for _ in headers) + "|")
    for r in rows:
        out.append(
            "| " + " | ".join(md_escape(c if isinstance(c, str) else fmt(c)) for c in r) + " |"
        )
    return "\n".join(out)


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV with full-precision numbers (repr), empty for None."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for r in rows:
        writer.writerow(["" if c is None else (repr(c) if isinstance(c, float) else c) for c in r])
    return buf.getvalue()


def json_text(obj: Any) -> str:
    """JSON with NaN forbidden (values that do not exist are null)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)


# ---------------------------------------------------------------------------
# Pooled results


def level_text(level: float) -> str:
    """A confidence level as people write it: 0.95 -> '95%'."""
    return f"{100 * level:g}%"


def p_text(p: float | None) -> str:
    """'p = 0.0127' or 'p < 0.0001' ('' when there is no p)."""
    if p is None:
        return ""
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.4f}"


def result_title(result: Any) -> str:
    ci_name = "Hartung-Knapp-Sidik-Jonkman t" if result.ci_method == "hksj" else "Wald z"
    model = "common effect" if result.method in COMMON_METHODS else "random effects"
    if getattr(result, "model", "rows") == "multilevel":
        model = f"multilevel random effects (rows nested in {cluster_name(result)})"
    if result.measure == "MED":
        return (
            f"{result.outcome}: {MEASURE_NAMES[result.measure]}, "
            f"{METHOD_NAMES.get(result.method, result.method)}, {level_text(result.level)} CI"
        )
    return (
        f"{result.outcome}: {MEASURE_NAMES[result.measure]} ({result.measure}), {model}, "
        f"{METHOD_NAMES.get(result.method, result.method)} ({result.method}), "
        f"{ci_name} {level_text(result.level)} CI"
    )


def heterogeneity_line(result: Any, *, prefix: str = "Heterogeneity: ") -> str:
    h = result.heterogeneity
    if result.measure == "MED" or h.Q is None:
        return prefix + "not estimable" + (" (k = 1)" if result.k == 1 else "")
    parts = []
    if h.tau2 is not None:
        tau2 = f"tau² = {tau2_text(h.tau2)}"
        ci = tau2_ci_text(h)
        if ci:
            tau2 += f" {ci}"
        parts.append(tau2)
    if h.I2 is not None:
        parts.append(f"I² = {h.I2:.1f}%")
    if h.H2 is not None:
        parts.append(f"H² = {h.H2:.2f}")
    parts.append(f"Q = {h.Q:.2f} (df = {h.Q_df}, {p_text(h.Q_p)})")
    return prefix + "; ".join(parts)


#: How R meta and RevMan name the common-effect models beside a random-effects one.
COMMON_MODEL_NAMES = {"FE": "inverse variance", "MH": "Mantel-Haenszel", "PETO": "Peto"}


def model_label(result: Any) -> str:
    """The model of a pooled result as R meta and RevMan label it:
    'Common effect (Mantel-Haenszel)', 'Random effects (REML)',
    'Multilevel random effects (REML)', 'Weighted median of medians'."""
    if result.measure == "MED":
        name = METHOD_NAMES.get(result.method, result.method)
        return name[:1].upper() + name[1:]
    if result.method in COMMON_METHODS:
        return f"Common effect ({COMMON_MODEL_NAMES[result.method]})"
    if getattr(result, "model", "rows") == "multilevel":
        return f"Multilevel random effects ({result.method})"
    return f"Random effects ({result.method})"


def cluster_name(result: Any) -> str:
    """What the clusters of a multilevel result are: 'study', or the tag ('trial')."""
    return getattr(result, "cluster", None) or "study"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def variance_component_texts(result: Any) -> list[str]:
    """Each variance component of a multilevel result with its level and count:
    'between studies (3 studies): σ² = 0.4470', 'within studies (4 rows): σ² = 0.1451';
    [] for any other result."""
    comps = getattr(result, "variance_components", None)
    if getattr(result, "model", "rows") != "multilevel" or not comps:
        return []
    cluster = cluster_name(result)
    out = []
    for vc in comps:
        if vc.level == "cluster":
            what = (
                f"between studies ({_count(vc.n, 'study', 'studies')})"
                if cluster == "study"
                else f"between values of {cluster} ({_count(vc.n, 'cluster', 'clusters')})"
            )
        else:
            where = "studies" if cluster == "study" else f"values of {cluster}"
            what = f"within {where} ({_count(vc.n, 'row', 'rows')})"
        value = "not estimable" if vc.sigma2 is None else tau2_text(vc.sigma2)
        fixed = " (fixed)" if getattr(vc, "fixed", False) else ""
        out.append(f"{what}: σ² = {value}{fixed}")
    return out


def variance_components_line(result: Any, *, prefix: str = "Variance components: ") -> str:
    """'Variance components: between studies (3 studies): σ² = 0.4470; within studies
    (4 rows): σ² = 0.1451; tau² is their sum' ('' unless multilevel)."""
    parts = variance_component_texts(result)
    if not parts:
        return ""
    return prefix + "; ".join(parts) + "; tau² is their sum"


def subgroup_heterogeneity_lines(result: Any) -> list[str]:
    """One heterogeneity line per subgroup ('Heterogeneity in disease = AML: ...')."""
    return [
        heterogeneity_line(g, prefix=f"Heterogeneity in {g.by} = {g.value}: ")
        for g in result.subgroups or ()
    ]


def overall_line(result: Any) -> str:
    null = getattr(result, "null_value", None)
    if result.statistic is None:
        if null is None or result.measure == "MED":
            return ""  # no test asked for (a proportion or median without --null)
        # a test that was asked for but does not exist: say so, never print inf
        h0 = ""
        if null != MEASURES[result.measure].null:
            h0 = f" (H0: {MEASURES[result.measure].short} = {null:g})"
        why = "no standard error"
        if result.ci_method == "hksj" and getattr(result.model_scale, "se", None) == 0:
            why = "the HKSJ scale factor is 0 (every study has the same estimate)"
        return f"Test of overall effect{h0}: not defined: {why}"
    if getattr(result, "test", None) == "sign":
        return (
            f"Sign test (H0: median = {null:g} months): {int(result.statistic)} of {result.k} "
            f"study medians above, {p_text(result.p_value)}"
        )
    stat = f"t({result.df})" if result.df is not None else "z"
    h0 = ""
    if null is not None and null != MEASURES[result.measure].null:
        h0 = f" (H0: {MEASURES[result.measure].short} = {null:g})"
    return f"Test of overall effect{h0}: {stat} = {result.statistic:.2f}, {p_text(result.p_value)}"


def common_lines(result: Any) -> list[str]:
    """The lines a Cochrane reader expects beside the pooled result: the common-effect
    model's test (``--also``) and an MH odds ratio's CMH and Tarone tests."""
    out = []
    common = getattr(result, "common", None)
    if common is not None:
        line = overall_line(common)
        if line:
            what = f"Test of overall effect, common effect ({common.method})"
            out.append(line.replace("Test of overall effect", what, 1))
    for r in (result, common):
        tests = getattr(r, "tests", None) if r is not None else None
        if not tests:
            continue
        parts = [
            f"{name}: X² = {t['statistic']:.2f} (df = {t['df']}, {p_text(t['p_value'])})"
            for key, name in (
                ("cmh", "Cochran-Mantel-Haenszel test"),
                ("tarone", "Tarone's test for heterogeneity"),
            )
            if (t := tests.get(key)) is not None
        ]
        if parts:
            out.append("; ".join(parts))
    return out


def _pi_label(result: Any) -> str:
    if getattr(result, "pi_method", None) == "t" and result.pi_df is not None:
        return f"  prediction interval (t, {result.pi_df} df)"
    return "  prediction interval"


def _common_row(result: Any, *, subtotal: bool = False) -> list[list[Any]]:
    """The common-effect row shown above the random-effects one (``--also``); in a
    subgroup (``subtotal``) it is a subtotal, and a k = 1 subgroup has none (its one
    row, the study's own estimate, is the subtotal row)."""
    c = getattr(result, "common", None)
    if c is None or (subtotal and c.k == 1):
        return []
    return [[pooled_name(c, subtotal=subtotal), *_pooled_cells(c), ""]]


def subgroup_test_line(result: Any) -> str:
    t = result.subgroup_test
    if t is None or t.Q is None:
        return ""
    return f"Test for subgroup differences: Q = {t.Q:.2f} (df = {t.df}, {p_text(t.p)})"


#: The label of the pooled row when k = 1 (nothing is pooled), in every output.
SINGLE_STUDY_LABEL = "Single study: not pooled"


def pooled_name(result: Any, *, subtotal: bool = False) -> str:
    """The label of a pooled (or subtotal) row: 'Pooled (random effects)', ..."""
    if result.k == 1:
        return "Subtotal: single study, not pooled" if subtotal else SINGLE_STUDY_LABEL
    if subtotal and result.method in COMMON_METHODS:
        extra = "" if result.method == "FE" else f", {result.method}"
        return f"Subtotal (common effect{extra})"
    if subtotal:
        return f"Subtotal ({result.method})"
    if result.measure == "MED":
        return "Pooled median"
    if result.method in ("MH", "PETO"):
        return f"Pooled (common effect, {result.method})"
    if getattr(result, "model", "rows") == "multilevel":
        return f"Pooled (multilevel, {result.method})"
    return "Pooled (common effect)" if result.method == "FE" else "Pooled (random effects)"


def _study_rows(result: Any) -> list[list[Any]]:
    m = result.measure
    return [
        [
            s.label,
            s.data,
            number(s.estimate, m),
            interval(s.ci_low, s.ci_high, m),
            weight_text(s.weight),
        ]
        for s in result.studies
    ] + not_pooled_rows(getattr(result, "not_pooled", ()))


def _pooled_cells(result: Any) -> list[str]:
    m = result.measure
    return [
        f"k = {result.k}",
        number(result.estimate, m),
        interval(result.ci_low, result.ci_high, m),
    ]


def _pi_row(result: Any, name: str) -> list[list[Any]]:
    if result.pi_low is None:
        return []
    return [[name, "", "", interval(result.pi_low, result.pi_high, result.measure), ""]]


def _block_rows(result: Any, name: str, *, subtotal: bool = False) -> list[list[Any]]:
    rows = _study_rows(result)
    indent = "  " if subtotal else ""  # subtotal rows are indented in the text table
    rows.extend([indent + r[0], *r[1:]] for r in _common_row(result, subtotal=subtotal))
    rows.append([name, *_pooled_cells(result), "100.0%"])
    rows.extend(_pi_row(result, _pi_label(result)))
    return rows


def _footer(result: Any) -> list[str]:
    """Heterogeneity (overall, then per subgroup), the test of the effect (and of the
    common-effect model, CMH/Tarone) and of subgroups."""
    out = [heterogeneity_line(result), *subgroup_heterogeneity_lines(result)]
    line = variance_components_line(result)
    if line:
        out.append(line)
    line = overall_line(result)
    if line:
        out.append(line)
    out.extend(common_lines(result))
    line = subgroup_test_line(result)
    if line:
        out.append(line)
    return out


def pool_table(result: Any) -> str:
    """Aligned text: per-study rows with weights, the pooled row, PI, heterogeneity."""
    headers = ["study", "data", "estimate", f"{level_text(result.level)} CI", "weight"]
    numeric = [False, False, True, False, True]
    out = [result_title(result), ""]
    if result.subgroups:
        rows: list[list[Any]] = []
        for g in result.subgroups:
            rows.append([f"{g.by} = {g.value}", "", "", "", ""])
            rows.extend(_block_rows(g, "  " + pooled_name(g, subtotal=True), subtotal=True))
            rows.append(["", "", "", "", ""])
        for value, members in outside_subgroups(result):
            rows.append([f"{result.subgroups[0].by} = {value}", "", "", "", ""])
            rows.extend(not_pooled_rows(members))
            rows.append(["", "", "", "", ""])
        rows.extend(_common_row(result))
        rows.append([pooled_name(result), *_pooled_cells(result), ""])
        rows.extend(_pi_row(result, _pi_label(result)))
        out.append(text_table(headers, rows, numeric=numeric))
    else:
        out.append(text_table(headers, _block_rows(result, pooled_name(result)), numeric=numeric))
    out.append("")
    out.extend(_footer(result))
    out.extend(f"Note: {n}" for n in result.notes)
    return "\n".join(out)


def pool_markdown(result: Any) -> str:
    """A Markdown section a committee can paste into a report."""
    headers = ["Study", "Data", "Estimate", f"{level_text(result.level)} CI", "Weight"]
    rows: list[list[Any]] = []
    blocks = result.subgroups or (result,)
    for g in blocks:
        if result.subgroups:
            rows.append([f"**{g.by} = {g.value}**", "", "", "", ""])
        rows.extend(_study_rows(g))
        rows.extend(_common_row(g, subtotal=bool(result.subgroups)))
        name = pooled_name(g, subtotal=bool(result.subgroups))
        k_cell, est, ci = _pooled_cells(g)
        rows.append([f"**{name}**", k_cell, f"**{est}**", ci, "100.0%"])
        rows.extend(_pi_row(g, "Prediction interval"))
    if result.subgroups:
        for value, members in outside_subgroups(result):
            rows.append([f"**{result.subgroups[0].by} = {value}**", "", "", "", ""])
            rows.extend(not_pooled_rows(members))
        rows.extend(_common_row(result))
        k_cell, est, ci = _pooled_cells(result)
        rows.append([f"**{pooled_name(result)}**", k_cell, f"**{est}**", ci, ""])
        rows.extend(_pi_row(result, "Prediction interval"))
    lines = [f"**{result_title(result)}**", "", md_table(headers, rows), ""]
    footer = _footer(result)
    lines.append(footer[0])
    for line in footer[1:]:
        lines += ["", line]
    if result.warnings or result.notes:
        lines += ["", *[f"- Warning: {w}" for w in result.warnings]]
        lines += [f"- Note: {n}" for n in result.notes]
    return "\n".join(lines)


POOL_CSV_HEADERS = (
    "row",
    "subgroup",
    "id",
    "arm",
    "label",
    "data",
    "n",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "yi",
    "vi",
    "weight",
    "tau2",
    "I2",
    "Q",
    "Q_p",
)


def pool_csv(result: Any) -> str:
    """One row per study, then one per pooled estimate (subgroups first), full precision."""
    rows: list[list[Any]] = []
    blocks = result.subgroups or (result,)
    for g in blocks:
        sub = g.value if result.subgroups else None
        for s in g.studies:
            rows.append(
                [
                    "study",
                    sub,
                    s.id,
                    s.arm,
                    s.label,
                    s.data,
                    s.n,
                    s.estimate,
                    s.ci_low,
                    s.ci_high,
                    None,
                    None,
                    s.yi,
                    s.vi,
                    s.weight,
                    None,
                    None,
                    None,
                    None,
                ]
            )
        rows.extend(_not_pooled_csv(g.not_pooled if result.subgroups else result.not_pooled, sub))
        if result.subgroups:
            if g.common is not None and g.common.k > 1:  # k = 1: the subgroup row alone
                rows.append(_pooled_csv_row(g.common, "subgroup-common", sub))
            rows.append(_pooled_csv_row(g, "subgroup", sub))
    if result.subgroups:
        for value, members in outside_subgroups(result):
            rows.extend(_not_pooled_csv(members, value))
    if result.common is not None:
        rows.append(_pooled_csv_row(result.common, "common", None))
    rows.append(_pooled_csv_row(result, "pooled", None))
    return csv_text(POOL_CSV_HEADERS, rows)


def _pooled_csv_row(r: Any, kind: str, sub: str | None) -> list[Any]:
    h = r.heterogeneity
    return [
        kind,
        sub,
        None,
        None,
        pooled_name(r, subtotal=kind in ("subgroup", "subgroup-common")),
        f"k = {r.k}",
        r.participants,
        r.estimate,
        r.ci_low,
        r.ci_high,
        r.pi_low,
        r.pi_high,
        r.model_scale.estimate,
        None,
        100.0,
        h.tau2,
        h.I2,
        h.Q,
        h.Q_p,
    ]


#: What a row left out of the model shows in the estimate and interval cells.
NOT_POOLED_CELLS = ("NR", "not reached, not pooled")


def not_pooled_rows(studies: Sequence[Any]) -> list[list[Any]]:
    """The rows of medians not reached: listed under the pooled ones, no estimate, no weight."""
    return [[s.label, s.data, *NOT_POOLED_CELLS, ""] for s in studies]


def outside_subgroups(result: Any) -> list[tuple[str, list[Any]]]:
    """Rows not pooled that no subgroup lists (a subgroup with no median to pool), by the
    value of the ``--by`` tag: [(value, rows)]."""
    inside = {(s.id, s.arm) for g in result.subgroups or () for s in g.not_pooled}
    by = result.subgroups[0].by if result.subgroups else None
    out: dict[str, list[Any]] = {}
    for s in getattr(result, "not_pooled", ()):
        if (s.id, s.arm) not in inside:
            out.setdefault(str(s.tags.get(by, "(none)")), []).append(s)
    return sorted(out.items(), key=lambda item: item[0].lower())


def _not_pooled_csv(studies: Sequence[Any], sub: str | None) -> list[list[Any]]:
    """CSV rows (``row`` = ``not-pooled``) of medians not reached: no estimate, no weight."""
    return [["not-pooled", sub, s.id, s.arm, s.label, s.data, s.n, *[None] * 12] for s in studies]
