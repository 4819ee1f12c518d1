"""Rendering a meta-regression (``synth regress``): text table, Markdown, CSV, HTML section.

The coefficient table a committee can paste: per coefficient the estimate on the
analysis scale with its SE, z (or t), p and CI, and for measures analysed on the log or
logit scale the exponentiated coefficient (the ratio per unit of the moderator) with its
CI; then the omnibus test of the moderators, the residual heterogeneity and R².
``json_text(result.to_dict())`` (:mod:`synthesis.render.text`) is the JSON.
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Any

from synthesis.measures import MEASURE_NAMES, MEASURES, METHOD_NAMES
from synthesis.render.text import csv_text, fmt, level_text, md_table, p_text, text_table

if TYPE_CHECKING:  # pragma: no cover
    from synthesis.analyses.regress import RegressResult

MINUS = "\u2212"


def ratio_name(result: RegressResult) -> str | None:
    """What exp(coefficient) is for this measure (None when it means nothing)."""
    m = MEASURES.get(result.measure)
    if m is not None and m.log:
        return m.estimate_name  # RR, OR, HR
    if result.measure == "PLO":
        return "OR"  # a logit coefficient exponentiates to an odds ratio
    return None


def scale_note(result: RegressResult) -> str:
    name = ratio_name(result)
    if result.measure == "PLO":
        return (
            "Coefficients on the logit scale; OR = exp(coefficient): the odds ratio per unit "
            "of the moderator (for a dummy TAG=LEVEL: LEVEL against the first level)."
        )
    if name is not None:
        return (
            f"Coefficients on the log {MEASURE_NAMES[result.measure]} scale; {name} = "
            "exp(coefficient): the ratio per unit of the moderator (for a dummy TAG=LEVEL: "
            "LEVEL against the first level; for the intercept: at moderator values 0; blank "
            "beyond 0.0001 to 10000)."
        )
    measure = MEASURE_NAMES.get(result.measure, result.measure)
    return (
        f"Coefficients on the {measure} scale: the change per unit of the moderator "
        "(for a dummy TAG=LEVEL: LEVEL against the first level)."
    )


def _exp(x: float | None) -> float | None:
    if x is None:
        return None
    try:
        return math.exp(x)
    except OverflowError:
        return None


def _num(x: float | None, digits: int = 4) -> str:
    if x is None:
        return ""
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 10 ** (-digits)):
        return f"{x:.{digits - 1}e}".replace("-", MINUS)
    return f"{x:.{digits}f}".replace("-", MINUS)


def _p(p: float | None) -> str:
    if p is None:
        return ""
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def _ci(lo: float | None, hi: float | None, digits: int = 4) -> str:
    if lo is None or hi is None:
        return ""
    return f"[{_num(lo, digits)}, {_num(hi, digits)}]"


RATIO_RANGE = (1e-4, 1e4)  # exponentiated values outside it are not shown (a year's intercept)


def _shows_ratio(result: RegressResult, term: str) -> bool:
    """The intercept of a logit model exponentiates to odds, not an odds ratio: not shown."""
    return ratio_name(result) is not None and not (result.measure == "PLO" and term == "intercept")


def _ratio_text(est: float | None, lo: float | None, hi: float | None) -> str:
    e, a, b = _exp(est), _exp(lo), _exp(hi)
    if e is None or a is None or b is None:
        return ""
    if min(e, a, b) < RATIO_RANGE[0] or max(e, a, b) > RATIO_RANGE[1]:
        return ""

    def r(x: float | None) -> str:
        if x is None:
            return "?"
        return f"{x:.3g}" if x < 0.01 or x >= 1000 else f"{x:.3f}"

    return f"{r(e)} [{r(a)}, {r(b)}]"


def title(result: RegressResult) -> str:
    model = "common effect" if result.method == "FE" else "mixed effects"
    ci = "Knapp-Hartung t" if result.ci_method == "hksj" else "Wald z"
    mods = ", ".join(t.text for t in result.mods)
    what = f"meta-regression of the {MEASURE_NAMES[result.measure]} ({result.measure}) on {mods}"
    if not mods:
        what = (
            f"intercept-only meta-regression model of the {MEASURE_NAMES[result.measure]} "
            f"({result.measure})"
        )
    return (
        f"{result.outcome}: {what}; {model}, "
        f"{METHOD_NAMES.get(result.method, result.method)} ({result.method}), "
        f"{ci} {level_text(result.level)} CI"
    )


def stat_name(result: RegressResult) -> str:
    return f"t({result.df})" if result.df is not None else "z"


def headers(result: RegressResult) -> list[str]:
    out = [
        "term",
        "estimate",
        "SE",
        stat_name(result),
        "p",
        f"{level_text(result.level)} CI",
    ]
    name = ratio_name(result)
    if name is not None:
        out.append(f"{name} [{level_text(result.level)} CI]")
    if result.permutations is not None:
        out.append("permutation p")
    return out


def coefficient_rows(result: RegressResult) -> list[list[str]]:
    rows = []
    name = ratio_name(result)
    for c in result.coefficients:
        row = [
            c.term,
            _num(c.estimate),
            _num(c.se),
            "" if c.statistic is None else f"{c.statistic:.2f}".replace("-", MINUS),
            _p(c.p_value),
            _ci(c.ci_low, c.ci_high),
        ]
        if name is not None:
            shown = _shows_ratio(result, c.term)
            row.append(_ratio_text(c.estimate, c.ci_low, c.ci_high) if shown else "")
        if result.permutations is not None:
            row.append(_p(c.permutation_p))
        rows.append(row)
    return rows


def moderator_line(result: RegressResult) -> str:
    t = result.moderator_test
    if len(result.coefficients) == 1:
        what = "Test of the intercept"
    else:
        what = f"Test of moderators ({', '.join(c.term for c in result.coefficients[1:])})"
    if t.statistic is None:
        return f"{what}: not defined for these data"
    stat = f"F({t.df}, {t.df2})" if t.df2 is not None else f"QM(df = {t.df})"
    line = f"{what}: {stat} = {t.statistic:.2f}, {p_text(t.p_value)}"
    if t.permutation_p is not None:
        line += f"; permutation {p_text(t.permutation_p)}"
    return line


def heterogeneity_line(result: RegressResult) -> str:
    h = result.residual_heterogeneity
    parts = []
    if h.tau2 is not None:
        parts.append(f"tau² = {fmt(h.tau2, 4)}")
    if h.I2 is not None:
        parts.append(f"I² = {h.I2:.1f}%")
    if h.H2 is not None:
        parts.append(f"H² = {h.H2:.2f}")
    if h.Q is not None:
        parts.append(f"QE = {h.Q:.2f} (df = {h.Q_df}, {p_text(h.Q_p)})")
    return "Residual heterogeneity: " + ("; ".join(parts) or "not estimable")


def r2_line(result: RegressResult) -> str | None:
    if result.R2 is None:
        return None
    return f"R² (share of tau² accounted for by the moderators): {result.R2:.1f}%"


def permutation_line(result: RegressResult) -> str | None:
    pm = result.permutations
    if pm is None:
        return None
    if pm["exact"]:
        return f"Permutation test: exact, every one of {pm['n']:,} arrangements"
    seed = f" (seed {result.seed})" if result.seed is not None else ""
    return f"Permutation test: {pm['n']:,} random permutations{seed}"


def summary_lines(result: RegressResult) -> list[str]:
    lines = [moderator_line(result), heterogeneity_line(result)]
    for extra in (r2_line(result), permutation_line(result)):
        if extra:
            lines.append(extra)
    return lines


def _k_line(result: RegressResult) -> str:
    line = f"k = {result.k} {'study' if result.k == 1 else 'studies'}"
    if result.dropped:
        line += f" ({len(result.dropped)} left out: no value for a moderator)"
    return line


def regress_table(result: RegressResult) -> str:
    """Aligned text: title, the coefficient table, the tests and heterogeneity."""
    rows = coefficient_rows(result)
    hs = headers(result)
    numeric = [h != "term" and "CI" not in h for h in hs]
    out = [title(result), _k_line(result), ""]
    out.append(text_table(hs, rows, numeric=numeric))
    out.append("")
    out.extend(summary_lines(result))
    out.append(scale_note(result))
    return "\n".join(out)


def regress_markdown(result: RegressResult) -> str:
    """A Markdown section a committee can paste into a report."""
    lines = [f"**{title(result)}**", "", _k_line(result), ""]
    lines.append(md_table(headers(result), coefficient_rows(result)))
    lines.append("")
    for line in summary_lines(result):
        lines += [line, ""]
    lines.append(f"*{scale_note(result)}*")
    warnings = [*result.record_warnings, *result.warnings]
    if warnings:
        lines += ["", *[f"- Warning: {w}" for w in warnings]]
    return "\n".join(lines)


CSV_HEADERS = (
    "row",
    "term",
    "estimate",
    "se",
    "statistic",
    "df",
    "df2",
    "p_value",
    "ci_low",
    "ci_high",
    "exp_estimate",
    "exp_ci_low",
    "exp_ci_high",
    "permutation_p",
    "tau2",
    "I2",
    "H2",
    "Q",
    "Q_df",
    "Q_p",
    "R2",
)


def regress_csv(result: RegressResult) -> str:
    """One row per coefficient, then the moderator test and the residual heterogeneity;
    full precision, empty cells where a value does not apply."""
    rows: list[list[Any]] = []
    for c in result.coefficients:
        ratio = _shows_ratio(result, c.term)
        rows.append(
            [
                "coefficient",
                c.term,
                c.estimate,
                c.se,
                c.statistic,
                result.df,
                None,
                c.p_value,
                c.ci_low,
                c.ci_high,
                _exp(c.estimate) if ratio else None,
                _exp(c.ci_low) if ratio else None,
                _exp(c.ci_high) if ratio else None,
                c.permutation_p,
                *([None] * 7),
            ]
        )
    t = result.moderator_test
    rows.append(
        [
            "moderator_test",
            ";".join(c.term for c in result.coefficients[1:]) or result.coefficients[0].term,
            None,
            None,
            t.statistic,
            t.df,
            t.df2,
            t.p_value,
            None,
            None,
            None,
            None,
            None,
            t.permutation_p,
            *([None] * 7),
        ]
    )
    h = result.residual_heterogeneity
    het = [h.tau2, h.I2, h.H2, h.Q, h.Q_df, h.Q_p, result.R2]
    rows.append(["residual_heterogeneity", *([None] * 13), *het])
    return csv_text(CSV_HEADERS, rows)


def regress_section(result: RegressResult, *, plot_svg: str | None = None) -> str:
    """The report's HTML for one meta-regression (classes of ``synth report``'s CSS:
    ``figure.forest`` for the plot, ``table.numbers``, ``ul.warnings``).

    ``plot_svg``: the bubble plot as inline SVG (``synthesis.render.report.inline_svg`` of
    ``bubble_image(result, fmt="svg").data``), or None.
    """
    hs = headers(result)
    cell = "padding: 2px 10px 2px 0; white-space: nowrap;"
    left, right = f' style="{cell} text-align: left;"', f' style="{cell} text-align: right;"'
    head = "".join(f"<th{left if i == 0 else right}>{escape(h)}</th>" for i, h in enumerate(hs))
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{left if i == 0 else right}>{escape(text)}</td>" for i, text in enumerate(row)
        )
        + "</tr>"
        for row in coefficient_rows(result)
    )
    parts = [
        '<div class="keep regression">',
        f"<h3>Meta-regression: {escape(', '.join(t.text for t in result.mods) or 'intercept only')}"
        "</h3>",
        f'<p class="model">{escape(title(result))}; {escape(_k_line(result))}</p>',
    ]
    if plot_svg:
        parts.append(f'<figure class="forest bubble">\n{plot_svg}\n</figure>')
    parts.append(
        '<table class="numbers coefficients" style="border-collapse: collapse;">'
        f'<thead><tr style="border-bottom: 1px solid #999;">{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )
    parts.append(
        '<p class="meta">' + "<br>".join(escape(line) for line in summary_lines(result)) + "</p>"
    )
    parts.append(f'<p class="meta">{escape(scale_note(result))}</p>')
    warnings = [*result.record_warnings, *result.warnings]
    if warnings:
        parts.append(
            '<ul class="warnings">' + "".join(f"<li>{escape(w)}</li>" for w in warnings) + "</ul>"
        )
    parts.append("</div>")
    return "\n".join(parts)
