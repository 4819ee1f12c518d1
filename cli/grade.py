"""``synth grade`` (GRADE summary of findings) and ``synth rob`` (risk-of-bias plots)."""

from __future__ import annotations

import click
from synthesis.cli.common import (
    UserError,
    ci_option,
    echo_warnings,
    force_option,
    level_option,
    main,
    output_format,
    plot_target,
    studies_option,
    user_errors,
)

FORMATS = ("md", "csv", "html", "json", "docx")
SUFFIX_FORMATS = {".md": "md", ".csv": "csv", ".html": "html", ".htm": "html", ".json": "json",
                  ".docx": "docx"}  # fmt: skip
NO_RECORDS = (
    "no study record has a risk_of_bias mapping; add one to each study's YAML file, e.g.\n"
    "  risk_of_bias:\n"
    "    tool: ROB2          # ROB2 | ROBINS-I | QUADAS-2 | NOS | Murad | other\n"
    "    overall: some concerns\n"
    "    domains: {D1: low, D2: some concerns, D3: low, D4: low, D5: low}\n"
    '    note: "what the judgements rest on"\n'
    "then run 'synth validate' (contract section 7)"
)


def _warn(outcome: str, warnings: tuple[str, ...] | list[str]) -> None:
    for w in warnings:
        if ": warning: " in w:  # a record's warning, already FILE:LINE: FIELD: warning: ...
            click.echo(w, err=True)
        else:
            click.echo(f"synth: warning: {outcome}: {w}", err=True)


@main.command()
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    metavar="NAME",
    help="Only this outcome (repeatable; rows in the order given). Default: every outcome.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: md, or from the suffix of -o). docx needs -o.",
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE",
    type=str,
    help="Write to FILE instead of stdout (never over an existing file without --force).",
)
@force_option
@click.option(
    "--measure",
    default=None,
    metavar="CODE",
    help="Pool every chosen outcome with this measure (e.g. RR for two-arm counts); "
    "default: as synth table, or 'measure:' under the outcome in synth.yaml's grade:.",
)
@click.option(
    "--method",
    default=None,
    metavar="[REML|DL|PM|ML|HE|SJ|HS|EB|FE|GLMM|WM|MM]",
    help="tau² estimator where it applies (default REML; medians: WM).",
)
@ci_option
@level_option
@click.option(
    "--by",
    default=None,
    metavar="TAG",
    help="Subgroups by a study tag: the test for subgroup differences enters inconsistency.",
)
@studies_option
def grade(
    outcomes: tuple[str, ...],
    fmt: str | None,
    output: str | None,
    force: bool,
    measure: str | None,
    method: str | None,
    ci: str,
    level: float,
    by: str | None,
    studies: str | None,
) -> None:
    """GRADE certainty of the evidence: the summary-of-findings table, per outcome.

    Each outcome is pooled as 'synth table' pools it; then synth suggests, for each of
    the five GRADE domains (risk of bias, inconsistency, indirectness, imprecision,
    publication bias) and the three upgrades, a number of levels with its reason, and
    the certainty (high, moderate, low, very low). Randomized designs start high, the
    rest low (from each record's design:). Risk of bias is the share of the pooled
    weight from studies whose risk_of_bias record is high (serious) or critical. A
    reviewer's judgement under 'grade:' in synth.yaml (with its reason) replaces the
    suggestion and is shown as the reviewer's. The rules and their sources are in
    the README.

    \b
    synth.yaml (the reviewer's judgements; every one needs its reason):
      grade:
        ORR:
          indirectness: {downgrade: 1, reason: "two diseases pooled"}
          threshold: 0.3        # a decision threshold on the reporting scale
          control_risk: 0.3     # assumed control risk for absolute effects
          measure: RR           # pool this outcome with RR (two-arm counts)

    \b
    Examples:
      synth grade
      synth grade --outcome ORR --format json
      synth grade --format docx -o summary-of-findings.docx
      synth grade --outcome ORR --by disease --format html -o grade.html --force
    """
    from synthesis.analyses.grade import grade_review
    from synthesis.io import check_target, write_atomic
    from synthesis.records.review import load_review
    from synthesis.render.grade import render

    if output is not None:
        fmt = output_format(output, fmt, SUFFIX_FORMATS)  # a contradiction: refused now
    elif fmt is None:
        fmt = "md"
    if fmt == "docx" and output is None:
        raise UserError(
            "--format docx writes a Word file: give it a name with -o, e.g. -o sof.docx"
        )
    with user_errors():
        if output is not None:
            check_target(output, force=force)  # before the work; write_atomic checks again
        review = load_review(studies)
        report = grade_review(
            review,
            outcomes=outcomes,
            reviewer=review.config.grade,
            measure=measure,
            method=method,
            ci=ci.lower(),
            level=level,
            by=by,
        )
        if not report.results:
            why = "; ".join(f"{n.outcome}: {n.reason}" for n in report.not_graded)
            raise UserError(f"no outcome could be pooled, so none graded ({why})")
    echo_warnings(review.general_warnings)
    echo_warnings(list(report.warnings))
    for skipped in report.not_graded:
        click.echo(f"synth: warning: {skipped.outcome}: not graded: {skipped.reason}", err=True)
    for result in report.results:
        _warn(result.outcome or "", result.warnings)
    if not any(s.risk_of_bias is not None for s in review.studies):
        click.echo(
            "synth: warning: no study has a risk_of_bias record, so risk of bias is not "
            "assessed; add risk_of_bias to the records (see synth rob --help)",
            err=True,
        )
    data = render(report.results, fmt=fmt)
    if output is None:
        click.echo(data, nl=False)
        return
    with user_errors():
        path = write_atomic(output, data, force=force)
    n = len(report.results)
    click.echo(f"wrote {path} ({n} outcome{'' if n == 1 else 's'}, {fmt})")


@main.command()
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    type=str,
    help="Where to write the plots; the format follows the suffix: .png, .svg or .pdf.",
)
@force_option
@click.option(
    "--palette",
    type=click.Choice(["cochrane", "colourblind"], case_sensitive=False),
    default="cochrane",
    show_default=True,
    help="robvis's Cochrane colours, or its colour-blind-safe palette.",
)
@click.option(
    "--outcome",
    default=None,
    metavar="NAME",
    help="Weight the summary bars by this outcome's pooled weights (its studies only); "
    "default: every study with a record, each counted once.",
)
@click.option(
    "--dpi",
    type=click.IntRange(100, 1200),
    default=200,
    show_default=True,
    help="Resolution of a PNG (100 to 1200).",
)
@studies_option
def rob(
    output: str,
    force: bool,
    palette: str,
    outcome: str | None,
    dpi: int,
    studies: str | None,
) -> None:
    """Draw the risk-of-bias traffic-light plot and the summary bar plot (as robvis).

    Above: one row per study, one column per domain of its tool and the overall
    judgement (+ low, - some concerns, x high, ! critical, ? no information; NOS cells
    show their stars). Below: per domain, the share of studies at each level, or with
    --outcome the share of that outcome's pooled weight. Studies assessed with
    different tools get one panel per tool. Studies without a risk_of_bias record are
    left out and named in a warning.

    \b
    Examples:
      synth rob -o risk-of-bias.png
      synth rob -o risk-of-bias.svg --palette colourblind
      synth rob -o rob-orr.pdf --outcome ORR --force
    """
    image_fmt = plot_target(output, force=force)
    from synthesis.analyses.pool import pool
    from synthesis.io import write_atomic
    from synthesis.records.review import load_review

    with user_errors():
        review = load_review(studies)
        weights: dict[str, float] | None = None
        chosen = [s for s in review.studies if s.risk_of_bias is not None]
        if not chosen:
            raise UserError(NO_RECORDS)
        if outcome is not None:
            result = pool(review, outcome=outcome)
            weights = {}
            for row in result.studies:
                weights[row.id] = weights.get(row.id, 0.0) + float(row.weight or 0.0)
            in_outcome = [review.study(i) for i in weights]
            chosen = [s for s in in_outcome if s.risk_of_bias is not None]
            left = [s.id for s in in_outcome if s.risk_of_bias is None]
            if not chosen:
                raise UserError(
                    f"no study of {result.outcome} has a risk_of_bias record "
                    f"({', '.join(left)}); add one to their records"
                )
        else:
            left = [s.id for s in review.studies if s.risk_of_bias is None]
    echo_warnings(review.general_warnings)
    if left:
        share = ""
        if weights is not None:
            share = f" ({sum(weights[i] for i in left):.1f}% of the pooled weight)"
        click.echo(
            f"synth: warning: no risk_of_bias record, not in the plot: {', '.join(left)}{share}",
            err=True,
        )
    from synthesis.plots.rob import figure_bytes, rob_figure

    chosen.sort(key=lambda s: (s.year, s.first_author_year.lower()))  # as the forest plot
    labels = [(s.first_author_year, s.risk_of_bias) for s in chosen]
    fig = rob_figure(
        studies=labels,
        weights=None if weights is None else [weights[s.id] for s in chosen],
        palette=palette.lower(),
        dpi=dpi,
    )
    with user_errors():
        path = write_atomic(output, figure_bytes(fig, fmt=image_fmt), force=force)
    w, h = fig.get_size_inches()
    size = f"{round(w * dpi)}x{round(h * dpi)} px" if image_fmt == "png" else f"{w:.1f}x{h:.1f} in"
    n = len(chosen)
    click.echo(f"wrote {path} ({n} stud{'y' if n == 1 else 'ies'}, {size})")
