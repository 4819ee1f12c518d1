"""``synth table`` (summary of findings) and ``synth report`` (one self-contained HTML file)."""

from __future__ import annotations

import click
from synthesis.cli.common import (
    check_cluster,
    ci_option,
    cluster_option,
    echo_warnings,
    force_option,
    level_option,
    main,
    model_option,
    output_suffix,
    sort_option,
    studies_option,
    user_errors,
)

METHOD_METAVAR = "[REML|DL|PM|ML|HE|SJ|HS|EB|FE|GLMM|WM|MM]"


def analysis_options(f):  # type: ignore[no-untyped-def]
    """--measure, --method, --also, --model, --cluster, --ci, --level, --studies: how
    every outcome is pooled."""
    options = [
        click.option(
            "--measure",
            "measures",
            multiple=True,
            metavar="OUTCOME=CODE",
            help="Pool OUTCOME with this measure (repeatable), e.g. Death=OR; other outcomes "
            "at their default measure (PLO for counts, else what most studies give).",
        ),
        click.option(
            "--method",
            default=None,
            metavar=METHOD_METAVAR,
            help="tau² estimator for every outcome it applies to (default REML; medians: WM). "
            "Where it does not apply, the outcome's default is used and the row says so.",
        ),
        click.option(
            "--also",
            default=None,
            metavar="[FE|MH|PETO]",
            help="Also show this common-effect model beside each random-effects result "
            "(MH: RR/OR/RD, PETO: OR), as synth pool --also. Outcomes it does not apply "
            "to say why.",
        ),
        model_option,
        cluster_option,
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
    measures: tuple[str, ...],
    method: str | None,
    also: str | None,
    model: str,
    cluster: str,
    ci: str,
    level: float,
    studies: str | None,
) -> None:
    """Summary of findings: one row per outcome, pooled at its default measure.

    Each row: outcome, measure, k, participants, pooled estimate [CI], prediction
    interval, I², tau², method and numbered warnings. An outcome that cannot be
    pooled gets a row saying why. Markdown (a pipe table with notes) pastes into
    a document; CSV and JSON keep full precision.

    --also MH (or FE, PETO) adds a Model column and, under each outcome it applies
    to, the common-effect line beside the random-effects one ("Common effect
    (Mantel-Haenszel)", "Random effects (REML)"); JSON: "common". --model multilevel
    pools rows nested in clusters; tau² is then the sum of the two variance
    components, each shown with its count.

    \b
    Examples:
      synth table
      synth table --outcome ORR --outcome OS
      synth table --format csv > summary.csv
      synth table --method DL --ci hksj --format html > summary.html
      synth table --outcome ORR --measure ORR=OR --also MH
      synth table --outcome ORR --model multilevel
    """

    from synthesis.analyses.summary import summarize
    from synthesis.records.review import load_review
    from synthesis.render.grade_section import with_certainty
    from synthesis.render.sof import render

    check_cluster(model, cluster)
    with user_errors():
        review = load_review(studies)
        summary = summarize(
            review, outcomes=outcomes, method=method, ci=ci, level=level, also=also,
            measures=measures, model=model, cluster=cluster,
        )  # fmt: skip
        result = with_certainty(summary, review, reviewer=review.config.grade)
    echo_warnings(list(result.record_warnings))
    click.echo(render(result, fmt=fmt), nl=False)


@main.command()
@click.option(
    "-o",
    "--output",
    required=True,
    type=str,
    metavar="FILE",
    help="The HTML file to write (e.g. report.html).",
)
@force_option
@click.option("--title", default=None, help="Title at the top (default: names the folder).")
@sort_option
@analysis_options
def report(
    output: str,
    force: bool,
    title: str | None,
    sort: str,
    measures: tuple[str, ...],
    method: str | None,
    also: str | None,
    model: str,
    cluster: str,
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

    --also MH (or FE, PETO) shows the common-effect result beside each
    random-effects one, in the tables and as a second diamond in the forest plots.
    --model multilevel shows each outcome's two variance components (with their
    level names and counts) and keeps the rows of a cluster together.

    \b
    Examples:
      synth report -o report.html
      synth report -o report.html --force --title "ANKL review, May 2025"
      synth report -o report.html --method PM --ci hksj --studies my-review/studies  # yours
      synth report -o report.html --measure ORR=OR
      synth report -o report.html --model multilevel --cluster disease
    """

    from synthesis.analyses.summary import summarize
    from synthesis.io import check_target, write_atomic
    from synthesis.records.review import load_review
    from synthesis.render.report import report_html

    check_cluster(model, cluster)
    with user_errors():
        check_target(output, force=force)  # before the work; write_atomic checks again
    output_suffix(output, (".html", ".htm"), "synth report writes an HTML page")
    with user_errors():
        review = load_review(studies)
        summary = summarize(
            review, method=method, ci=ci, level=level, sort=sort, also=also,
            measures=measures, model=model, cluster=cluster,
        )  # fmt: skip
        # the reviewer's GRADE judgements of synth.yaml, read once by load_review
        text = report_html(summary, review=review, title=title, reviewer=review.config.grade)
        path = write_atomic(output, text, force=force)
    echo_warnings(list(review.warnings))
    pooled = len(summary.pooled)
    size = len(text.encode("utf-8"))
    click.echo(
        f"wrote {path} ({pooled} outcome{'' if pooled == 1 else 's'} pooled, "
        f"{len(summary.not_pooled)} not poolable, {max(1, round(size / 1000))} kB)"
    )
