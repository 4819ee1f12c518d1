"""``synth table`` (summary of findings) and ``synth report`` (one self-contained HTML file)."""

from __future__ import annotations

import click
from synthesis.cli.common import (
    ci_option,
    echo_warnings,
    force_option,
    level_option,
    main,
    studies_option,
    user_errors,
)

METHOD_METAVAR = "[REML|DL|PM|ML|HE|SJ|HS|EB|FE|GLMM|WM|MM]"


def analysis_options(f):  # type: ignore[no-untyped-def]
    """--method, --ci, --level, --studies: how every outcome is pooled."""
    options = [
        click.option(
            "--method",
            default=None,
            metavar=METHOD_METAVAR,
            help="tau² estimator for every outcome it applies to (default REML; medians: WM). "
            "Where it does not apply, the outcome's default is used and the row says so.",
        ),
        ci_option,
        level_option,
        studies_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


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
    type=click.Choice(["md", "csv", "html", "json"]),
    default="md",
    show_default=True,
)
@analysis_options
def table(
    outcomes: tuple[str, ...],
    fmt: str,
    method: str | None,
    ci: str,
    level: float,
    studies: str | None,
) -> None:
    """Summary of findings: one row per outcome, pooled at its default measure.

    Each row: outcome, measure, k, participants, pooled estimate [CI], prediction
    interval, I², tau², method and numbered warnings. An outcome that cannot be
    pooled gets a row saying why. Markdown (a pipe table with notes) pastes into
    a document; CSV and JSON keep full precision.

    \b
    Examples:
      synth table
      synth table --outcome ORR --outcome OS
      synth table --format csv > summary.csv
      synth table --method DL --ci hksj --format html > summary.html
    """
    from synthesis.render.grade_section import graded_summary
    from synthesis.render.sof import render

    with user_errors():
        result = graded_summary(
            outcomes=outcomes, method=method, ci=ci, level=level, studies=studies
        )
    echo_warnings(list(result.record_warnings))
    click.echo(render(result, fmt=fmt), nl=False)


@main.command()
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    metavar="FILE",
    help="The HTML file to write (e.g. report.html).",
)
@force_option
@click.option("--title", default=None, help="Title at the top (default: names the folder).")
@click.option(
    "--sort",
    type=click.Choice(["year", "estimate", "listed"]),
    default="year",
    show_default=True,
    help="Order of the studies of each outcome, as in pool, forest and studies.",
)
@analysis_options
def report(
    output: str,
    force: bool,
    title: str | None,
    sort: str,
    method: str | None,
    ci: str,
    level: float,
    studies: str | None,
) -> None:
    """Write one self-contained HTML report of every outcome that can be pooled.

    At the top the summary of findings; then per outcome its forest plot (inline
    SVG), pooled estimate, prediction interval, heterogeneity, warnings, and every
    study's data with the quote it came from and its record FILE:LINE; at the
    bottom the settings used. No scripts, no external files; prints with a page
    break before each outcome.

    \b
    Examples:
      synth report -o report.html
      synth report -o report.html --force --title "ANKL review, May 2025"
      synth report -o report.html --method PM --ci hksj --studies studies/
    """
    from synthesis.analyses.summary import summarize
    from synthesis.io import check_target, write_atomic
    from synthesis.records.review import load_review
    from synthesis.render.report import report_html

    with user_errors():
        check_target(output, force=force)  # before the work; write_atomic checks again
        review = load_review(studies)
        summary = summarize(review, method=method, ci=ci, level=level, sort=sort)
        text = report_html(summary, review=review, title=title)
        path = write_atomic(output, text, force=force)
    echo_warnings(list(review.warnings))
    pooled = len(summary.pooled)
    size = len(text.encode("utf-8"))
    click.echo(
        f"wrote {path} ({pooled} outcome{'' if pooled == 1 else 's'} pooled, "
        f"{len(summary.not_pooled)} not poolable, {max(1, round(size / 1000))} kB)"
    )
