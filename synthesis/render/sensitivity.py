"""Sensitivity analyses rendered: text, Markdown and CSV tables, the report's HTML section.

Everything here starts from a :class:`~synthesis.analyses.sensitivity.SensitivityResult`
(or, for :func:`sensitivity_html` and :func:`conclusion_changes`, from the
:class:`~synthesis.analyses.pool.PoolResult` it is computed from). Plain-text and
Markdown tables are meant to be pasted into a committee's document: the leave-one-out
table, the influence table with the influential studies flagged, the cumulative table
and the Baujat coordinates. No matplotlib here unless an HTML section asks for a plot.

The *conclusion* of a model with a value of no effect (1 for ratios, 0 for differences)
is its direction (the estimate above, below or at the null) and whether its CI
excludes the null. :func:`conclusion_changes` says whether leaving one study out changes
it for any study.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from synthesis.analyses.sensitivity import conclusion as _conclusion
from synthesis.analyses.sensitivity import conclusion_changers, conclusion_changes
from synthesis.errors import SynthError
from synthesis.measures import MEASURE_NAMES, MEASURES, METHOD_NAMES
from synthesis.render.svg import inline_svg
from synthesis.render.text import (
    csv_text,
    fmt,
    interval,
    json_text,
    level_text,
    md_table,
    number,
    result_title,
    tau2_text,
    text_table,
)

__all__ = [
    "SENSITIVITY_CSS",
    "conclusion_changers",
    "conclusion_changes",
    "influence_reasons",
    "json_text",
    "sensitivity_csv",
    "sensitivity_html",
    "sensitivity_markdown",
    "sensitivity_table",
]

#: CSS the report needs for :func:`sensitivity_html` (on top of its own table styles).
SENSITIVITY_CSS = """
div.sensitivity table.studies tr.influential td { color: #a33c00; font-weight: bold; }
div.sensitivity p.conclusion { margin: 0.3em 0; }
div.sensitivity figure.sensitivity svg { display: block; max-width: 100%; height: auto; }
"""

_ORDER_TEXT = {
    "year": "by publication year (ties as listed)",
    "precision": "most precise study first",
    "listed": "in the listed order",
}


# ---------------------------------------------------------------------------
# Conclusions


# Estimates, CIs and PIs (reporting scale) print as in every other output:
# synthesis.render.text.number, one format per measure.


def _ci(lo: Any, hi: Any, measure: str) -> str:
    if lo is None or hi is None:
        return ""
    return interval(lo, hi, measure)


def _est_ci(est: Any, lo: Any, hi: Any, measure: str) -> str:
    if est is None:
        return ""
    text = number(est, measure)
    ci = _ci(lo, hi, measure)
    return f"{text} {ci}" if ci else text


def _describe(c: tuple[int, bool], null: float, pct: str) -> str:
    side = {1: "above", -1: "below", 0: "at"}[c[0]]
    ci = f"its {pct} CI excludes {null:g}" if c[1] else f"its {pct} CI includes {null:g}"
    return f"estimate {side} {null:g}, {ci}"


def conclusion_text(res: Any) -> list[str]:
    """Sentences on how far the estimate moves and whether the conclusion changes."""
    if res.k < 2:
        return ["Leave-one-out needs at least 2 studies (k = 1)."]
    m = res.measure
    labels = [s.label for s in res.model.studies]
    rows = res.leave_one_out_rows()
    est = [(r["estimate"], i) for i, r in enumerate(rows) if r["estimate"] is not None]
    out = []
    if est:
        lo, ilo = min(est)
        hi, ihi = max(est)
        out.append(
            f"Leaving one study out moves the pooled estimate ({number(res.model.estimate, m)}) "
            f"between {number(lo, m)} (without {labels[ilo]}) and {number(hi, m)} "
            f"(without {labels[ihi]})."
        )
    null = MEASURES[res.measure].null
    changers = conclusion_changers(res)
    pct = level_text(res.level)
    if null is None:
        out.append(
            f"{MEASURES[res.measure].short.capitalize()}s have no value of no effect, so there "
            "is no conclusion about one to change."
        )
    elif changers is not None:
        m = res.model
        full = _conclusion(m.estimate, m.ci_low, m.ci_high, null)
        assert full is not None
        if not changers:
            whole = _describe(full, null, pct)
            out.append(f"No single study changes the conclusion (all studies: {whole}).")
        else:
            parts = []
            for i in changers:
                r = rows[i]
                c = _conclusion(r["estimate"], r["ci_low"], r["ci_high"], null)
                assert c is not None
                parts.append(f"without {labels[i]}: {_describe(c, null, pct)}")
            out.append(
                f"The conclusion changes when one study is left out (all studies: "
                f"{_describe(full, null, pct)}; " + "; ".join(parts) + ")."
            )
    return out


# ---------------------------------------------------------------------------
# Influence


def influence_reasons(res: Any) -> dict[int, list[str]]:
    """For each influential row index, the metafor criteria it meets, as text."""
    from synthesis.special import chdtri

    k = res.k
    out: dict[int, list[str]] = {}
    if k < 2:
        return out
    dffits_cut = 3.0 * math.sqrt(1.0 / (k - 1.0))
    cook_cut = float(chdtri(1.0, 0.5))  # the chi-square(1) median
    hat_cut = 3.0 / k
    for r in res.analyses.influence.rows:
        if not r.influential:
            continue
        why = []
        if r.dffits is not None and abs(r.dffits) > dffits_cut:
            why.append(f"|DFFITS| = {abs(r.dffits):.2f} > {dffits_cut:.2f}")
        if r.cooks_distance is not None and r.cooks_distance > cook_cut:
            why.append(f"Cook's distance = {r.cooks_distance:.2f} > {cook_cut:.2f}")
        if r.hat is not None and r.hat > hat_cut:
            why.append(f"hat = {r.hat:.2f} > {hat_cut:.2f}")
        if r.dfbetas is not None and abs(r.dfbetas) > 1.0:
            why.append(f"|DFBETAS| = {abs(r.dfbetas):.2f} > 1")
        out[r.index] = why
    return out


INFLUENCE_RULE = (
    "influential (metafor): |DFFITS| > 3·sqrt(1/(k-1)), Cook's distance above the "
    "chi-square(1) median (0.45), hat > 3/k, or |DFBETAS| > 1"
)


# ---------------------------------------------------------------------------
# Tables (rows shared by text, Markdown and HTML)


def _header_lines(res: Any) -> list[str]:
    m = res.model
    pct = level_text(res.level)
    h = m.heterogeneity
    parts = [f"{_est_ci(m.estimate, m.ci_low, m.ci_high, res.measure)}"]
    if m.pi_low is not None and m.pi_high is not None:
        parts.append(f"{pct} PI {_ci(m.pi_low, m.pi_high, res.measure)}")
    if h.I2 is not None:
        parts.append(f"I² = {h.I2:.1f}%")
    if h.tau2 is not None:
        parts.append(f"tau² = {tau2_text(h.tau2)}")
    return [
        result_title(m),
        f"Sensitivity analyses of {res.k} {'study' if res.k == 1 else 'studies'} "
        "(metafor leave1out, influence, cumul, baujat)",
        f"All studies: {'; '.join(parts)}",
    ]


def _loo_table(res: Any) -> tuple[list[str], list[list[Any]], list[bool]]:
    m = res.measure
    pct = level_text(res.level)
    infl = set(res.influential)
    headers = ["study omitted", "k", "estimate", f"{pct} CI", f"{pct} PI"]
    numeric = [False, True, True, False, False]
    if res.tested:
        headers.append("p")
        numeric.append(True)
    headers += ["I²", "tau²", "Q", "p(Q)"]
    numeric += [True, True, True, True]
    rows = []
    for i, (s, r) in enumerate(zip(res.model.studies, res.leave_one_out_rows(), strict=True)):
        het = r["heterogeneity"]
        row: list[Any] = [
            s.label + (" *" if i in infl else ""),
            str(r["k"]),
            number(r["estimate"], m),
            _ci(r["ci_low"], r["ci_high"], m),
            _ci(r["pi_low"], r["pi_high"], m),
        ]
        if res.tested:
            row.append(_p(r["p_value"]))
        row += [
            "" if het["I2"] is None else f"{het['I2']:.1f}%",
            tau2_text(het["tau2"]),
            fmt(het["Q"], 2),
            _p(het["Q_p"]),
        ]
        rows.append(row)
    return headers, rows, numeric


def _p(p: float | None) -> str:
    if p is None:
        return ""
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def _influence_table(res: Any) -> tuple[list[str], list[list[Any]], list[bool]]:
    headers = [
        "study",
        "rstudent",
        "dffits",
        "cook.d",
        "cov.r",
        "tau²(-i)",
        "Q(-i)",
        "hat",
        "weight",
        "dfbetas",
        "influential",
    ]
    numeric = [False, *([True] * 9), False]
    rows = []
    for s, r in zip(res.model.studies, res.analyses.influence.rows, strict=True):
        flag = {True: "yes *", False: "", None: "undefined"}[r.influential]
        rows.append(
            [
                s.label,
                fmt(r.rstudent, 3),
                fmt(r.dffits, 3),
                fmt(r.cooks_distance, 3),
                fmt(r.cov_ratio, 3),
                tau2_text(r.tau2_deleted),
                fmt(r.Q_deleted, 2),
                fmt(r.hat, 3),
                "" if r.weight is None else f"{r.weight:.1f}%",
                fmt(r.dfbetas, 3),
                flag,
            ]
        )
    return headers, rows, numeric


def _cumulative_table(res: Any) -> tuple[list[str], list[list[Any]], list[bool]]:
    m = res.measure
    pct = level_text(res.level)
    headers = ["study added", "year", "k", "estimate", f"{pct} CI"]
    numeric = [False, True, True, True, False]
    if res.tested:
        headers.append("p")
        numeric.append(True)
    headers += ["I²", "tau²"]
    numeric += [True, True]
    studies = res.model.studies
    rows = []
    for step, raw in zip(res.cumulative_steps(), res.analyses.cumulative.steps, strict=True):
        s = studies[raw.added]
        het = step["heterogeneity"]
        row: list[Any] = [
            s.label,
            str(s.year),
            str(step["k"]),
            number(step["estimate"], m),
            _ci(step["ci_low"], step["ci_high"], m),
        ]
        if res.tested:
            row.append(_p(step["p_value"]))
        row += ["" if het["I2"] is None else f"{het['I2']:.1f}%", tau2_text(het["tau2"])]
        rows.append(row)
    return headers, rows, numeric


def _baujat_table(res: Any) -> tuple[list[str], list[list[Any]], list[bool]]:
    headers = ["study", "x: contribution to Q", "y: influence on the result"]
    rows = [
        [s.label, fmt(p.x, 3), fmt(p.y, 3)]
        for s, p in zip(res.model.studies, res.analyses.baujat.points, strict=True)
    ]
    return headers, rows, [False, True, True]


def _sections(res: Any) -> list[tuple[str, tuple[list[str], list[list[Any]], list[bool]]]]:
    return [
        ("Leave-one-out: the model without each study", _loo_table(res)),
        ("Influence diagnostics (* = influential)", _influence_table(res)),
        (f"Cumulative meta-analysis, {_ORDER_TEXT[res.order]}", _cumulative_table(res)),
        ("Baujat plot coordinates", _baujat_table(res)),
    ]


def sensitivity_table(res: Any) -> str:
    """Aligned plain text: the four tables with their headings and the conclusion."""
    out = [*_header_lines(res), ""]
    for title, (headers, rows, numeric) in _sections(res):
        out += [title, text_table(headers, rows, numeric=numeric), ""]
        if title.startswith("Leave-one-out"):
            out += [*conclusion_text(res), ""]
        if title.startswith("Influence"):
            out += [f"* {INFLUENCE_RULE}.", ""]
    return "\n".join(out).rstrip()


def sensitivity_markdown(res: Any) -> str:
    """The same tables as Markdown pipe tables, ready to paste."""
    out = [f"**{_header_lines(res)[0]}**", "", *_header_lines(res)[1:], ""]
    for title, (headers, rows, _) in _sections(res):
        out += [f"**{title}**", "", md_table(headers, rows), ""]
        if title.startswith("Leave-one-out"):
            out += [" ".join(conclusion_text(res)), ""]
        if title.startswith("Influence"):
            out += [f"\\* {INFLUENCE_RULE}.", ""]
    out += [f"- Warning: {w}" for w in res.warnings]
    return "\n".join(out).rstrip()


def sensitivity_csv(res: Any) -> str:
    """One row per study (listed order) with every number at full precision."""
    records = res.records()
    headers: list[str] = []
    for rec in records:
        headers += [k for k in rec if k not in headers]
    return csv_text(headers, [[rec.get(h) for h in headers] for rec in records])


# ---------------------------------------------------------------------------
# The report's section


def sensitivity_html(result: Any, *, prefix: str = "s", plot: bool = False) -> str:
    """The report's sensitivity section for one outcome (a ``<div>``, h3 heading).

    ``result``: the outcome's PoolResult (or a SensitivityResult). The section holds the
    leave-one-out table (the full model last), a sentence on how far the estimate moves
    and whether the conclusion changes, and the influential studies with the criteria
    they meet; with ``plot``, also the leave-one-out forest plot as inline SVG (ids
    prefixed with ``prefix``). Where the analyses do not apply (medians, GLMM, k = 1),
    one sentence says why.
    """
    head = '<div class="sensitivity keep">\n<h3>Sensitivity analyses</h3>'
    res = result if hasattr(result, "analyses") else None
    if res is None:
        from synthesis.analyses.sensitivity import sensitivity_of

        try:
            res = sensitivity_of(result)
        except SynthError as exc:
            return f"{head}\n<p>Not available: {escape(str(exc))}.</p>\n</div>"
    if res.k < 2:
        return (
            f"{head}\n<p>Not available: leave-one-out and influence analyses need at least "
            "2 studies (k = 1).</p>\n</div>"
        )
    measure = res.measure
    pct = level_text(res.level)
    infl = set(res.influential)
    parts = [head]
    parts += [f'<p class="conclusion">{escape(t)}</p>' for t in conclusion_text(res)]
    heads = ["Study omitted", "k", f"Estimate [{pct} CI]", f"{pct} PI", "I²", "τ²", "Influential"]
    parts.append('<table class="studies sensitivity"><thead><tr>')
    parts.append("".join(f"<th>{escape(h)}</th>" for h in heads))
    parts.append("</tr></thead><tbody>")
    for i, (s, r) in enumerate(zip(res.model.studies, res.leave_one_out_rows(), strict=True)):
        het = r["heterogeneity"]
        cls = ' class="influential"' if i in infl else ""
        cells = [
            (s.label, ""),
            (str(r["k"]), "num"),
            (_est_ci(r["estimate"], r["ci_low"], r["ci_high"], measure), "num"),
            (_ci(r["pi_low"], r["pi_high"], measure) or "–", "num"),
            ("–" if het["I2"] is None else f"{het['I2']:.1f}%", "num"),
            (tau2_text(het["tau2"]) or "–", "num"),
            ("yes" if i in infl else "", ""),
        ]
        parts.append(
            f"<tr{cls}>"
            + "".join(
                f'<td class="{c}">{escape(t)}</td>' if c else f"<td>{escape(t)}</td>"
                for t, c in cells
            )
            + "</tr>"
        )
    m = res.model
    h = m.heterogeneity
    parts.append(
        '<tr class="pooled">'
        f'<td>All studies</td><td class="num">{res.k}</td>'
        f'<td class="num">{escape(_est_ci(m.estimate, m.ci_low, m.ci_high, measure))}</td>'
        f'<td class="num">{escape(_ci(m.pi_low, m.pi_high, measure) or "–")}</td>'
        f'<td class="num">{"–" if h.I2 is None else f"{h.I2:.1f}%"}</td>'
        f'<td class="num">{escape(tau2_text(h.tau2) or "–")}</td><td></td></tr>'
    )
    parts.append("</tbody></table>")
    reasons = influence_reasons(res)
    if reasons:
        items = "".join(
            f"<li><strong>{escape(res.model.studies[i].label)}</strong>: "
            f"{escape('; '.join(why))}</li>"
            for i, why in reasons.items()
        )
        parts.append(
            f"<p>Influential studies (metafor's influence() criteria):</p><ul>{items}</ul>"
        )
    else:
        parts.append(
            "<p>No study is influential by metafor's influence() criteria "
            f"({escape(INFLUENCE_RULE.removeprefix('influential (metafor): '))}).</p>"
        )
    if plot:
        from synthesis.plots.sensitivity import sensitivity_image

        image = sensitivity_image(res, fmt="svg", panels=("leave_one_out",))
        svg = inline_svg(image.data, prefix=prefix)
        label = f"Leave-one-out plot of {res.outcome}"
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
        parts.append(f'<figure class="sensitivity">\n{svg}\n</figure>')
    model = (
        f"Model: {MEASURE_NAMES[res.measure]} ({res.measure}), "
        f"{METHOD_NAMES.get(res.method, res.method)} ({res.method}), "
        f"{'HKSJ t' if res.ci_method == 'hksj' else 'Wald z'} {pct} CI; "
        "as metafor 3.8's leave1out() and influence()."
    )
    parts.append(f'<p class="model">{escape(model)}</p>')
    parts.append("</div>")
    return "\n".join(parts)
