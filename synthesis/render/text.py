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


def _ci(low: Any, high: Any, digits: int = 3) -> str:
    if low is None or high is None:
        return ""
    return f"[{fmt(low, digits)}, {fmt(high, digits)}]"


def p_text(p: float | None) -> str:
    """'p = 0.0127' or 'p < 0.0001' ('' when there is no p)."""
    if p is None:
        return ""
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.4f}"


def result_title(result: Any) -> str:
    ci_name = "Hartung-Knapp-Sidik-Jonkman t" if result.ci_method == "hksj" else "Wald z"
    model = "common effect" if result.method in COMMON_METHODS else "random effects"
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


def heterogeneity_line(result: Any) -> str:
    h = result.heterogeneity
    if result.measure == "MED" or h.Q is None:
        return "Heterogeneity: not estimable" + (" (k = 1)" if result.k == 1 else "")
    parts = []
    if h.tau2 is not None:
        tau2 = f"tau² = {fmt(h.tau2, 4)}"
        if h.tau2_ci_low is not None and h.tau2_ci_high is not None:
            tau2 += f" {_ci(h.tau2_ci_low, h.tau2_ci_high, 4)}"
        parts.append(tau2)
    if h.I2 is not None:
        parts.append(f"I² = {h.I2:.1f}%")
    if h.H2 is not None:
        parts.append(f"H² = {h.H2:.2f}")
    parts.append(f"Q = {h.Q:.2f} (df = {h.Q_df}, {p_text(h.Q_p)})")
    return "Heterogeneity: " + "; ".join(parts)


def overall_line(result: Any) -> str:
    if result.statistic is None:
        return ""
    null = getattr(result, "null_value", None)
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


def _common_row(result: Any) -> list[list[Any]]:
    """The common-effect row shown above the random-effects one (``--also``)."""
    c = getattr(result, "common", None)
    if c is None:
        return []
    return [[_pooled_name(c), f"k = {c.k}", fmt(c.estimate), _ci(c.ci_low, c.ci_high), ""]]


def _study_rows(result: Any) -> list[list[Any]]:
    return [
        [
            s.label,
            s.data,
            fmt(s.estimate),
            _ci(s.ci_low, s.ci_high),
            "" if s.weight is None else f"{s.weight:.1f}%",
        ]
        for s in result.studies
    ]


def _block_rows(result: Any, name: str) -> list[list[Any]]:
    rows = _study_rows(result)
    rows.extend(_common_row(result))
    rows.append(
        [
            name,
            f"k = {result.k}",
            fmt(result.estimate),
            _ci(result.ci_low, result.ci_high),
            "100.0%",
        ]
    )
    if result.pi_low is not None:
        rows.append([_pi_label(result), "", "", _ci(result.pi_low, result.pi_high), ""])
    return rows


def _pooled_name(result: Any) -> str:
    if result.measure == "MED":
        return "Pooled median"
    if result.method in ("MH", "PETO"):
        return f"Pooled (common effect, {result.method})"
    return "Pooled (common effect)" if result.method == "FE" else "Pooled (random effects)"


def pool_table(result: Any) -> str:
    """Aligned text: per-study rows with weights, the pooled row, PI, heterogeneity."""
    headers = ["study", "data", "estimate", f"{level_text(result.level)} CI", "weight"]
    numeric = [False, False, True, False, True]
    out = [result_title(result), ""]
    if result.subgroups:
        rows: list[list[Any]] = []
        for g in result.subgroups:
            rows.append([f"{g.by} = {g.value}", "", "", "", ""])
            rows.extend(_block_rows(g, f"  subtotal ({g.method})"))
            rows.append(["", "", "", "", ""])
        rows.extend(_common_row(result))
        rows.append(
            [
                _pooled_name(result),
                f"k = {result.k}",
                fmt(result.estimate),
                _ci(result.ci_low, result.ci_high),
                "",
            ]
        )
        if result.pi_low is not None:
            rows.append([_pi_label(result), "", "", _ci(result.pi_low, result.pi_high), ""])
        out.append(text_table(headers, rows, numeric=numeric))
    else:
        out.append(text_table(headers, _block_rows(result, _pooled_name(result)), numeric=numeric))
    out.append("")
    out.append(heterogeneity_line(result))
    line = overall_line(result)
    if line:
        out.append(line)
    out.extend(common_lines(result))
    if result.subgroup_test is not None and result.subgroup_test.Q is not None:
        t = result.subgroup_test
        out.append(f"Test for subgroup differences: Q = {t.Q:.2f} (df = {t.df}, {p_text(t.p)})")
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
        rows.extend(_common_row(g))
        name = f"Subtotal ({g.method})" if result.subgroups else _pooled_name(g)
        rows.append(
            [
                f"**{name}**",
                f"k = {g.k}",
                f"**{fmt(g.estimate)}**",
                _ci(g.ci_low, g.ci_high),
                "100.0%",
            ]
        )
        if g.pi_low is not None:
            rows.append(["Prediction interval", "", "", _ci(g.pi_low, g.pi_high), ""])
    if result.subgroups:
        rows.extend(_common_row(result))
        rows.append(
            [
                f"**{_pooled_name(result)}**",
                f"k = {result.k}",
                f"**{fmt(result.estimate)}**",
                _ci(result.ci_low, result.ci_high),
                "",
            ]
        )
    lines = [
        f"**{result_title(result)}**",
        "",
        md_table(headers, rows),
        "",
        heterogeneity_line(result),
    ]
    if overall_line(result):
        lines += ["", overall_line(result)]
    lines += [x for line in common_lines(result) for x in ("", line)]
    if result.subgroup_test is not None and result.subgroup_test.Q is not None:
        t = result.subgroup_test
        lines += ["", f"Test for subgroup differences: Q = {t.Q:.2f} (df = {t.df}, {p_text(t.p)})"]
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
        if result.subgroups:
            if g.common is not None:
                rows.append(_pooled_csv_row(g.common, "subgroup-common", sub))
            rows.append(_pooled_csv_row(g, "subgroup", sub))
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
        _pooled_name(r),
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
