"""The ``synth`` command line: parse, call one library function, render.

Library exceptions become :class:`click.ClickException` subclasses with exit
status 2 and one ``FILE:LINE: FIELD: problem`` line per problem on stderr.
Heavy modules (matplotlib, statsmodels, pymare, pandas) are never imported here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TypeVar

import click

from synthesis.errors import Problem, RecordError, SynthError

F = TypeVar("F", bound=Callable[..., Any])


class ProblemsReported(click.ClickException):
    """Bad input: every problem on its own line, exit status 2, no traceback."""

    exit_code = 2

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")

    def show(self, file: IO[Any] | None = None) -> None:
        out = file if file is not None else sys.stderr
        errors = [p for p in self.problems if p.severity == "error"]
        for problem in self.problems:
            click.echo(str(problem), file=out)
        files = {p.file for p in errors}
        click.echo(
            f"synth: {len(errors)} error(s) in {len(files)} file(s); fix them and run again",
            file=out,
        )


class UserError(click.ClickException):
    """A user-facing error without a file position (exit status 2)."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"synth: {self.message}", file=file if file is not None else sys.stderr)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn library exceptions into click exceptions (sqlite-utils style)."""
    try:
        yield
    except RecordError as exc:
        raise ProblemsReported(exc.problems) from None
    except SynthError as exc:
        raise UserError(str(exc)) from None


def echo_warnings(warnings: tuple[Problem, ...] | list[Problem] | list[str]) -> None:
    for w in warnings:
        click.echo(str(w) if isinstance(w, Problem) else f"synth: warning: {w}", err=True)


def studies_option(f: F) -> F:
    return click.option(
        "--studies",
        "studies",
        type=click.Path(file_okay=False, path_type=str),
        default=None,
        metavar="DIR",
        help="Folder of *.yaml study records (default: studies/, or 'studies:' in synth.yaml).",
    )(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="synth", prog_name="synth")
def main() -> None:
    """synth: evidence synthesis from YAML study records.

    \b
    Records (one YAML file per study) -> validation -> effect sizes ->
    random-effects pooling (metafor's numbers) -> tables, JSON, plots.

    \b
    Examples:
      synth validate
      synth studies
      synth pool --outcome ORR
    """


@main.command()
@studies_option
def validate(studies: str | None) -> None:
    """Check every study record; exit 0 with a one-line summary when all are sound.

    Every problem in every file is printed as FILE:LINE: FIELD: problem and the
    exit status is 2. Warnings (legal but doubtful values) are printed and do not
    change the exit status.

    \b
    Examples:
      synth validate
      synth validate --studies my-review/studies
    """
    from synthesis.normalize import load_review

    with user_errors():
        review = load_review(studies)
    echo_warnings(review.warnings)
    n_out = len(review.outcomes())
    n_rec = len(review.studies)
    click.echo(
        f"OK: {n_rec} record{'s' if n_rec != 1 else ''}, {len(review.entries)} outcome entries "
        f"({n_out} outcome{'s' if n_out != 1 else ''}), "
        f"{len(review.warnings)} warning{'s' if len(review.warnings) != 1 else ''}"
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
def studies_cmd(studies: str | None, outcome: str | None, fmt: str) -> None:
    """List what each study reports, by outcome: what is available to pool.

    \b
    Examples:
      synth studies
      synth studies --outcome "overall survival" --format csv
    """
    from synthesis import render
    from synthesis.normalize import load_review
    from synthesis.overview import overview

    with user_errors():
        review = load_review(studies)
        headers, rows = overview(review, outcome=outcome)
    echo_warnings(review.warnings)
    if fmt == "json":
        click.echo(render.json_text([dict(zip(headers, r, strict=True)) for r in rows]))
    elif fmt == "csv":
        click.echo(render.csv_text(headers, rows), nl=False)
    else:
        click.echo(render.text_table(headers, rows))


@main.command()
@click.option(
    "--outcome",
    required=True,
    metavar="NAME",
    help="Outcome to pool (synonyms allowed: 'overall response rate' = ORR).",
)
@click.option(
    "--measure",
    default=None,
    metavar="[PLO|PFT|PAS|PR|RR|OR|RD|HR|GEN|MED]",
    help="Effect measure (metafor codes). Default: PLO for counts, else what most studies give.",
)
@click.option(
    "--method",
    default=None,
    metavar="[REML|DL|PM|ML|HE|SJ|HS|EB|FE|GLMM|WM|MM]",
    help="tau² estimator (default REML); GLMM for PLO; WM (default) or MM for medians.",
)
@click.option(
    "--ci",
    "ci",
    type=click.Choice(["wald", "hksj"], case_sensitive=False),
    default="wald",
    show_default=True,
    help="CI for the pooled estimate: Wald z or Hartung-Knapp-Sidik-Jonkman t(k-1).",
)
@click.option("--level", type=float, default=0.95, show_default=True, help="Confidence level.")
@click.option("--by", default=None, metavar="TAG", help="Subgroup analysis by a study tag.")
@click.option(
    "--where",
    multiple=True,
    metavar="TAG=VALUE",
    help="Keep only studies with this tag value (repeatable).",
)
@studies_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "md"]),
    default="table",
    show_default=True,
)
def pool(
    outcome: str,
    measure: str | None,
    method: str | None,
    ci: str,
    level: float,
    by: str | None,
    where: tuple[str, ...],
    studies: str | None,
    fmt: str,
) -> None:
    """Pool one outcome across studies (random effects, metafor's numbers).

    Prints per-study estimates with weights, the pooled estimate with its CI and
    prediction interval, and heterogeneity (tau², I², H², Q). Warnings go to stderr
    (and into the JSON's "warnings").

    \b
    Examples:
      synth pool --outcome ORR
      synth pool --outcome ORR --measure PFT --method DL --ci hksj
      synth pool --outcome ORR --by disease --format md
      synth pool --outcome OS --measure MED --format json
      synth pool --outcome CR --where disease=ANKL --level 0.90
    """
    from synthesis import render
    from synthesis.analysis import pool as pool_outcome
    from synthesis.normalize import load_review

    with user_errors():
        review = load_review(studies)
        result = pool_outcome(
            review,
            outcome=outcome,
            measure=measure,
            method=method,
            ci=ci.lower(),
            level=level,
            by=by,
            where=where,
        )
    echo_warnings(review.warnings)
    echo_warnings(list(result.warnings))
    for group in result.subgroups or ():
        echo_warnings([f"{group.by}={group.value}: {w}" for w in group.warnings])
    if fmt == "json":
        click.echo(render.json_text(result.to_dict()))
    elif fmt == "csv":
        click.echo(render.pool_csv(result), nl=False)
    elif fmt == "md":
        click.echo(render.pool_markdown(result))
    else:
        click.echo(render.pool_table(result))
