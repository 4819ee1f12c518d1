"""Rendering a small-study analysis: text table, Markdown, CSV and the report's HTML section.

:func:`bias_table`, :func:`bias_markdown` and :func:`bias_csv` print a
:class:`~synthesis.analyses.bias.BiasResult` (``synth bias --format table|md|csv``);
:func:`bias_section` is the report's per-outcome HTML section: the funnel plot with the
tests where k >= 10, and below 10 a sentence that says why there is none (Cochrane
Handbook 13.3.5.4). No plotting is imported at module level.
"""

from __future__ import annotations

from html import escape
from typing import Any

from synthesis.analyses.bias import (
    LOW_POWER_K,
    BiasResult,
    NotRun,
    RankTest,
    RegressionTest,
    TrimFill,
    bias_of,
    test_rows,
)
from synthesis.analyses.pool import PoolResult
from synthesis.errors import SynthError
from synthesis.render.svg import inline_svg
from synthesis.render.text import (
    csv_text,
    interval,
    level_text,
    md_table,
    number,
    p_text,
    result_title,
    text_table,
)

MINUS = "\u2212"
HANDBOOK = (
    "Cochrane Handbook for Systematic Reviews of Interventions, section 13.3.5.4: tests for "
    "funnel plot asymmetry should be used only when there are at least 10 studies"
)


def _num(value: float | None, digits: int) -> str:
    if value is None:
        return "NA"
    text = f"{value:.{digits}f}"
    if float(text) == 0 and value != 0:
        text = f"{value:.2g}"
    return text.replace("-", MINUS)


def _est(b: BiasResult, est: float | None, lo: float | None, hi: float | None) -> str:
    """An estimate [CI] on the reporting scale, as ``synth pool`` and every output print
    it (:func:`synthesis.render.text.number`)."""
    measure = b.model.measure
    if est is None:
        return ""
    if lo is None or hi is None:
        return number(est, measure)
    return f"{number(est, measure)} {interval(lo, hi, measure)}"


def _pred(b: BiasResult) -> str:
    return {"sei": "standard error", "vi": "variance", "ninv": "1/n", "sqrtninv": "1/√n"}[
        b.predictor
    ]


def _lines(b: BiasResult) -> list[tuple[str, str, str, str]]:
    """(test, result, p, estimate [CI]) for each analysis, in plain words."""
    m = b.model
    back = m.back
    out: list[tuple[str, str, str, str]] = []
    for name, t in (
        (f"Egger's test (weighted regression on the {_pred(b)})", b.egger),
        (f"Regression test ({_pred(b)} as moderator, {m.method})", b.regression_test),
    ):
        if isinstance(t, RegressionTest):
            stat = f"t({t.df}) = " if t.df is not None else "z = "
            out.append(
                (
                    name,
                    stat + _num(t.statistic, 2),
                    p_text(t.p_value).removeprefix("p = ").removeprefix("p "),
                    "limit "
                    + _est(b, back(t.limit_estimate), back(t.limit_ci_low), back(t.limit_ci_high)),
                )
            )
        else:
            out.append((name, "not run", "", ""))
    r = b.rank_test
    name = "Rank correlation test (Begg and Mazumdar)"
    if isinstance(r, RankTest):
        out.append(
            (
                name,
                f"Kendall's τ = {_num(r.tau, 3)}" + ("" if r.exact else " (ties: normal approx.)"),
                p_text(r.p_value).removeprefix("p = ").removeprefix("p "),
                "",
            )
        )
    else:
        out.append((name, "not run", "", ""))
    tf, tm = b.trim_and_fill, b.trim_and_fill_model
    name = f"Trim and fill ({b.estimator})"
    if isinstance(tf, TrimFill) and tm is not None:
        filled = f"{tf.k0} filled on the {tf.side}"
        if tf.se_k0 is not None:
            filled += f" (SE {tf.se_k0:.2f})"
        out.append((name, filled, "", "adjusted " + _est(b, tm.estimate, tm.ci_low, tm.ci_high)))
    else:
        out.append((name, "not run", "", ""))
    f = b.fail_safe_n
    orwin = "∞" if f.orwin_n is None else str(f.orwin_n)
    out.append(
        (
            "Fail-safe N (Rosenthal, Orwin, Rosenberg)",
            f"{f.rosenthal_n}, {orwin}, {f.rosenberg_n}",
            "",
            f"Orwin's target {_est(b, back(f.orwin_target), None, None)}",
        )
    )
    return out


def _title(b: BiasResult) -> str:
    return f"Small-study effects, {result_title(b.model)}"


def _pooled_line(b: BiasResult) -> str:
    m = b.model
    pct = level_text(m.level)
    return f"Pooled estimate (k = {m.k}): {_est(b, m.estimate, m.ci_low, m.ci_high)} ({pct} CI)"


def bias_table(b: BiasResult) -> str:
    """Aligned text for the terminal: the pooled estimate and one line per test (the
    warnings go to stderr, as ``synth pool``'s)."""
    pct = level_text(b.model.level)
    rows = [list(r) for r in _lines(b)]
    out = [_title(b), _pooled_line(b), ""]
    out.append(text_table(["test", "result", "p", f"estimate [{pct} CI]"], rows,
                          numeric=[False, False, True, False]))  # fmt: skip
    return "\n".join(out)


def _not_run(b: BiasResult) -> list[str]:
    return [t.reason for t in (b.egger, b.regression_test, b.rank_test, b.trim_and_fill)
            if isinstance(t, NotRun)]  # fmt: skip


def summary_sentences(b: BiasResult) -> list[str]:
    """Plain sentences a committee can paste (one per analysis), with the numbers."""
    m = b.model
    back = m.back
    out = []
    if m.k < LOW_POWER_K:
        out.append(
            f"With {m.k} studies (fewer than {LOW_POWER_K}) the tests for funnel-plot asymmetry "
            "have low power; their results are reported but cannot rule out small-study "
            "effects (Cochrane Handbook 13.3.5.4)."
        )
    eg = b.egger
    if isinstance(eg, RegressionTest):
        verdict = "suggests" if eg.p_value < 0.10 else "does not suggest"
        out.append(
            f"Egger's regression test {verdict} funnel-plot asymmetry at the 10% level "
            f"(t({eg.df}) = {_num(eg.statistic, 2)}, {p_text(eg.p_value)}); the limit estimate "
            "for a study of "
            f"infinite precision is "
            f"{_est(b, back(eg.limit_estimate), back(eg.limit_ci_low), back(eg.limit_ci_high))}."
        )
    rt = b.regression_test
    if isinstance(rt, RegressionTest):
        stat = f"t({rt.df})" if rt.df is not None else "z"
        out.append(
            f"In the random-effects model with the {_pred(b)} as moderator, the slope gives "
            f"{stat} = {_num(rt.statistic, 2)}, {p_text(rt.p_value)}."
        )
    rk = b.rank_test
    if isinstance(rk, RankTest):
        out.append(
            f"Begg and Mazumdar's rank correlation: Kendall's τ = {_num(rk.tau, 3)}, "
            f"{p_text(rk.p_value)}."
        )
    tf, tm = b.trim_and_fill, b.trim_and_fill_model
    if isinstance(tf, TrimFill) and tm is not None:
        pct = level_text(m.level)
        if tf.k0:
            out.append(
                f"Trim and fill ({tf.estimator}) estimates {tf.k0} missing "
                f"{'study' if tf.k0 == 1 else 'studies'} on the {tf.side}; with "
                f"{'it' if tf.k0 == 1 else 'them'} the "
                f"estimate moves from {_est(b, m.estimate, m.ci_low, m.ci_high)} to "
                f"{_est(b, tm.estimate, tm.ci_low, tm.ci_high)} ({pct} CI)."
            )
        else:
            out.append(f"Trim and fill ({tf.estimator}) estimates no missing studies.")
    f = b.fail_safe_n
    if f.rosenthal_p >= f.alpha:
        rosenthal = (
            f"the studies' combined (Stouffer) one-sided p is {f.rosenthal_p:.3g}, already above "
            f"{f.alpha:g}, so Rosenthal's fail-safe N is 0"
        )
    else:
        rosenthal = (
            f"{f.rosenthal_n} studies averaging no effect would bring the combined one-sided "
            f"p above {f.alpha:g} (Rosenthal)"
        )
    orwin = "infinitely many" if f.orwin_n is None else str(f.orwin_n)
    out.append(
        f"Fail-safe N: {rosenthal}; {orwin} studies with an effect of "
        f"{_est(b, back(0.0), None, None)} would bring the unweighted mean effect "
        f"to {_est(b, back(f.orwin_target), None, None)} (Orwin)."
    )
    return out


def bias_markdown(b: BiasResult) -> str:
    """A Markdown section a committee can paste: the table of tests and the sentences."""
    pct = level_text(b.model.level)
    rows = [list(r) for r in _lines(b)]
    lines = [
        f"**{_title(b)}**",
        "",
        _pooled_line(b),
        "",
        md_table(["Test", "Result", "p", f"Estimate [{pct} CI]"], rows),
        "",
        " ".join(summary_sentences(b)),
    ]
    notes = [*_not_run(b), *b.warnings]
    if notes:
        lines += ["", *[f"- Warning: {w}" for w in dict.fromkeys(notes)]]
    return "\n".join(lines)


CSV_HEADERS = ("test", "name", "predictor", "statistic", "df", "p_value", "estimate", "ci_low",
               "ci_high", "n", "note")  # fmt: skip


def bias_csv(b: BiasResult) -> str:
    """One row per test (full precision; estimates on the reporting scale), then the
    filled studies of trim and fill."""
    rows: list[list[Any]] = [[r[h] for h in CSV_HEADERS] for r in test_rows(b)]
    tf, tm = b.trim_and_fill, b.trim_and_fill_model
    if isinstance(tf, TrimFill) and tm is not None:
        for s in tm.studies[b.model.k :]:
            rows.append(["filled", s.label, None, None, None, None, s.estimate, s.ci_low,
                         s.ci_high, None, f"yi = {s.yi!r}, vi = {s.vi!r}"])  # fmt: skip
    return csv_text(CSV_HEADERS, rows)


# ---------------------------------------------------------------------------
# The report's section


def no_funnel_reason(result: PoolResult) -> str | None:
    """Why the report shows no funnel plot for ``result`` (None when it shows one)."""
    if result.measure == "MED":
        return "No funnel plot: pooled medians have no standard errors."
    if result.method == "GLMM":
        return (
            "No funnel plot: the small-study tests need an inverse-variance model; the GLMM "
            "fit has none (run synth bias with --method REML on the same data)."
        )
    if result.k < LOW_POWER_K:
        return (
            f"No funnel plot: with {result.k} {'study' if result.k == 1 else 'studies'} "
            f"(fewer than {LOW_POWER_K}) a funnel plot and the tests for its asymmetry have too "
            "little power to tell chance from real asymmetry (Cochrane Handbook for Systematic "
            "Reviews of Interventions, section 13.3.5.4)."
        )
    return None


def bias_section(result: PoolResult, *, prefix: str, bias: BiasResult | None = None) -> str:
    """The report's small-study section of one outcome, as HTML.

    k >= 10: the funnel plot (inline SVG) and a table of the tests, with the sentences of
    :func:`summary_sentences` and the warnings. Fewer than 10 studies (or medians, or a
    GLMM fit): one sentence that says why there is no funnel plot. ``prefix`` keeps the
    SVG's ids unique in the page; ``bias`` may be given when already computed.
    """
    reason = no_funnel_reason(result)
    head = '<div class="keep small-study"><h3>Small-study effects</h3>'
    if reason is not None:
        return f'{head}<p class="no-funnel">{escape(reason)}</p></div>'
    from synthesis.plots.funnel import funnel_image

    try:
        b = bias if bias is not None else bias_of(result)
        svg = inline_svg(funnel_image(b, fmt="svg").data, prefix=prefix)
    except SynthError as exc:
        return f'{head}<p class="no-funnel">No funnel plot: {escape(str(exc))}</p></div>'
    label = f"Funnel plot of {result.outcome}"
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    pct = level_text(result.level)
    heads = ["Test", "Result", "p", f"Estimate [{pct} CI]"]
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in _lines(b)
    )
    table = (
        '<table class="numbers small-study"><thead><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in heads)
        + f"</tr></thead><tbody>{body}</tbody></table>"
    )
    parts = [
        head,
        f'<figure class="forest funnel">\n{svg}\n</figure>',
        table,
        f"<p>{escape(' '.join(summary_sentences(b)))}</p>",
    ]
    notes = [*_not_run(b), *b.warnings]
    if notes:
        parts.append(
            '<ul class="warnings">'
            + "".join(f"<li>{escape(w)}</li>" for w in dict.fromkeys(notes))
            + "</ul>"
        )
    parts.append("</div>")
    return "\n".join(parts)
