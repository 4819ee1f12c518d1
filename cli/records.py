"""``synth validate`` and ``synth studies``: the records layer on the command line."""

from __future__ import annotations

import click
from synthesis.cli.common import echo_warnings, main, sort_option, studies_option, user_errors


@main.command()
@studies_option
def validate(studies: str | None) -> None:
    """Check every study record; exit 0 with a one-line summary when all are sound.

    Every problem in every file is printed as FILE:LINE: FIELD: problem and the
    exit status is 2. Warnings (legal but doubtful values) are printed and do not
    change the exit status.

    A record that names its source (source_text: abstracts/x.txt, relative to the
    record's folder) has every quote checked against that text: each quote must be
    verbatim in it (runs of spaces and line breaks count as one space) and each
    number of the entry must be printed in its quote (or, for a number drawn from
    elsewhere, in the entry's note). Only validate reads source texts.

    \b
    Examples:
      synth validate
      synth validate --studies my-review/studies     # the records of your review
    """
    from synthesis.records.review import load_review
    from synthesis.records.walk import skipped_summary

    with user_errors():
        review = load_review(studies, check_sources=True)
    echo_warnings(review.warnings)
    n_out = len(review.outcomes())
    n_rec = len(review.studies)
    skipped = skipped_summary(review.skipped)
    sourced = sum(isinstance(s.meta.get("source_text"), str) for s in review.studies)
    click.echo(
        f"OK: {n_rec} record{'s' if n_rec != 1 else ''}, {len(review.entries)} outcome entries "
        f"({n_out} outcome{'s' if n_out != 1 else ''}), "
        f"{len(review.warnings)} warning{'s' if len(review.warnings) != 1 else ''}"
        + (f"; quotes checked against the source text of {sourced} of {n_rec}" if sourced else "")
        + (f"; {skipped}" if skipped else "")
    )


@main.command("studies")
@studies_option
@click.option(
    "--outcome", default=None, metavar="NAME", help="Only this outcome (synonyms allowed)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@sort_option
def studies_cmd(studies: str | None, outcome: str | None, fmt: str, sort: str) -> None:
    """List what each study reports, by outcome: what is available to pool.

    \b
    Examples:
      synth studies
      synth studies --outcome "overall survival" --format csv
    """
    from synthesis.analyses.overview import overview
    from synthesis.records.review import load_review
    from synthesis.render import text as render

    with user_errors():
        review = load_review(studies)
        headers, rows = overview(review, outcome=outcome, sort=sort)
    echo_warnings(review.warnings)
    if fmt == "json":
        click.echo(render.json_text([dict(zip(headers, r, strict=True)) for r in rows]))
    elif fmt == "csv":
        click.echo(render.csv_text(headers, rows), nl=False)
    else:
        click.echo(render.text_table(headers, rows))
