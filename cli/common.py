"""What every ``synth`` command shares: the ``main`` group, options, error handling.

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
from synthesis.cli.output import SynthGroup

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
    """A user-facing error without a file position (exit status 2):
    ``synth: error: what is wrong; what to do``."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"synth: error: {self.message}", file=file if file is not None else sys.stderr)


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
        type=str,
        default=None,
        metavar="DIR",
        help="Folder of *.yaml study records (default: studies/, or 'studies:' in synth.yaml).",
    )(f)


ci_option = click.option(
    "--ci",
    "ci",
    type=click.Choice(["wald", "hksj"], case_sensitive=False),
    default="wald",
    show_default=True,
    help="CI for the pooled estimate: Wald z or Hartung-Knapp-Sidik-Jonkman t(k-1).",
)
level_option = click.option(
    "--level", type=float, default=0.95, show_default=True, help="Confidence level."
)


def selection_options(f: F) -> F:
    """The options that choose an analysis, shared by ``pool`` and ``forest``."""
    options = [
        click.option(
            "--outcome",
            required=True,
            metavar="NAME",
            help="Outcome to pool (synonyms allowed: 'overall response rate' = ORR).",
        ),
        click.option(
            "--measure",
            default=None,
            metavar="[PLO|PFT|PAS|PR|RR|OR|RD|MD|SMD|HR|GEN|MED]",
            help="Effect measure (metafor codes). Default: PLO for counts, "
            "else what most studies give. MD/SMD: mean difference / Hedges' g.",
        ),
        click.option(
            "--method",
            default=None,
            metavar="[REML|DL|PM|ML|HE|SJ|HS|EB|FE|GLMM|MH|PETO|WM|MM]",
            help="tau² estimator (default REML); GLMM for PLO; MH (Mantel-Haenszel) for "
            "RR/OR/RD and PETO for OR, both common-effect; WM (default) or MM for medians.",
        ),
        ci_option,
        level_option,
        click.option("--by", default=None, metavar="TAG", help="Subgroup analysis by a study tag."),
        click.option(
            "--where",
            multiple=True,
            metavar="TAG=VALUE",
            help="Keep only studies with this tag value (repeatable).",
        ),
        studies_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


#: --sort: one study order in every output (synthesis.analyses.order.SORTS and its default;
#: not imported here, so that --help does not load the analysis)
SORTS = ("year", "estimate", "listed")
sort_option = click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="year",
    show_default=True,
    help="Order of the study rows (within each subgroup or outcome): by year (ties as "
    "listed), by estimate, or as listed in the studies folder. The same order in every "
    "command.",
)


def selection_without_by(command: str, instead: str) -> Callable[[F], F]:
    """The selection options of ``synth pool`` for a command that fits one model of the
    whole outcome: ``--by`` is not offered (nor shown in --help), and given anyway it is
    refused with what to do (``instead``), exit status 2."""

    def refuse(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is not None:
            raise UserError(f"--by does not apply to synth {command}: {instead}")

    def decorate(f: F) -> F:
        f = selection_options(f)
        params = f.__click_params__  # type: ignore[attr-defined]
        params[:] = [
            click.Option(["--by"], hidden=True, expose_value=False, callback=refuse)
            if p.name == "by"
            else p
            for p in params
        ]
        return f

    return decorate


#: --model and --cluster: the same options on pool, forest, table and report
model_option = click.option(
    "--model",
    type=click.Choice(["rows", "multilevel"], case_sensitive=False),
    default="rows",
    show_default=True,
    help="rows: every row (arm or study) independent (rma.uni); multilevel: rows "
    "nested in clusters (rma.mv, REML or ML).",
)

cluster_option = click.option(
    "--cluster",
    default="study",
    show_default=True,
    metavar="study|TAG",
    help="With --model multilevel: rows of the same study, or of the same value of "
    "TAG (a trial reported in several papers, a centre), form a cluster.",
)


def check_cluster(model: str, cluster: str) -> None:
    """Refuse --cluster given without --model multilevel (it would be ignored): called by
    every command that has both options, before any work."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source("cluster") if ctx is not None else None
    if source not in (None, ParameterSource.DEFAULT) and model.lower() != "multilevel":
        raise UserError(
            f"--cluster {cluster}: clusters belong to the multilevel model; add --model "
            "multilevel, or leave out --cluster"
        )


def model_options(f: F) -> F:
    """``--also``, ``--pi``, ``--model``, ``--cluster`` and ``--null``: what ``pool`` and
    ``forest`` add to the selection."""
    options = [
        click.option(
            "--also",
            default=None,
            metavar="[FE|MH|PETO]",
            help="Also fit this common-effect model and show it beside the random-effects "
            "one (MH: RR/OR/RD, PETO: OR).",
        ),
        click.option(
            "--pi",
            type=click.Choice(["normal", "t"], case_sensitive=False),
            default="normal",
            show_default=True,
            help="Prediction interval on the normal quantile (metafor) or on t with k - 2 df "
            "(Higgins et al. 2009; needs k >= 3).",
        ),
        model_option,
        cluster_option,
        click.option(
            "--null",
            type=float,
            default=None,
            metavar="VALUE",
            help="Test the pooled value against VALUE (reporting scale: a proportion, a "
            "ratio, months). Default: 1 for ratios, 0 for differences, no test for "
            "proportions and medians.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def pooled(
    *,
    studies: str | None,
    outcome: str,
    measure: str | None,
    method: str | None,
    ci: str,
    level: float,
    by: str | None,
    where: tuple[str, ...],
    also: str | None = None,
    pi: str = "normal",
    null: float | None = None,
    model: str = "rows",
    cluster: str = "study",
) -> tuple[Any, Any]:
    """Load the review and pool one outcome (the options of ``selection_options`` and
    ``model_options``).

    Returns ``(review, result)`` after printing every warning on stderr.
    """
    from synthesis.records.review import load_review

    check_cluster(model, cluster)
    if model.lower() == "multilevel":
        from functools import partial

        from synthesis.analyses.multilevel import pool_multilevel as pool_outcome

        pool_outcome = partial(pool_outcome, cluster=cluster)
    else:
        from synthesis.analyses.pool import pool as pool_outcome
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
            also=also,
            pi=pi.lower(),
            null=null,
        )
    echo_warnings(review.general_warnings)
    for line in result.record_warnings:  # already "FILE:LINE: FIELD: warning: ..."
        click.echo(line, err=True)
    echo_warnings(list(result.warnings))
    for group in result.subgroups or ():
        echo_warnings([f"{group.by}={group.value}: {w}" for w in group.warnings])
    for r in (result, *(result.subgroups or ())):
        if r.common is not None:
            where_ = f"{r.by}={r.value}: " if r.by else ""
            own = [w for w in r.common.warnings if w not in r.warnings]
            echo_warnings([f"{where_}common effect ({r.common.method}): {w}" for w in own])
    return review, result


def force_option(f: F) -> F:
    return click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")(f)


@click.group(
    cls=SynthGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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
      synth forest --outcome ORR -o forest-orr.png
      synth table
      synth report -o report.html
      synth extract abstract.txt -o studies/new-study.yaml
    """


def output_format(path: str, fmt: str | None, suffixes: dict[str, str]) -> str:
    """The format of the file ``-o path``: ``fmt`` (--format) if given, else the one its
    suffix names. Refused before any work, and so before anything is written, when the
    suffix names another format than --format, or names none and --format is not given."""
    from pathlib import Path

    suffix = Path(path).suffix.lower()
    named = suffixes.get(suffix)
    if fmt is None and named is None:
        endings = _endings(suffixes)
        what = f"the suffix '{suffix}' names no format" if suffix else "no suffix names the format"
        raise UserError(f"{path}: {what}; end the file name with {endings}, or give --format")
    if fmt is not None and named is not None and named != fmt:
        own = [s for s, f in suffixes.items() if f == fmt]
        rename = f"name the file {Path(path).with_suffix(own[0]).name}" if own else "another"
        raise UserError(
            f"--format {fmt} does not match the suffix of {path} ({suffix} is {named}); "
            f"leave out --format or {rename}"
        )
    return fmt if fmt is not None else named  # type: ignore[return-value]


def output_suffix(path: str, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse ``-o path`` whose suffix is not one of ``suffixes`` (the command writes one
    format, ``what``), before any work."""
    from pathlib import Path

    suffix = Path(path).suffix.lower()
    if suffix not in suffixes:
        raise UserError(
            f"{path}: {what}; end the file name with {_endings(dict.fromkeys(suffixes, ''))}"
        )


def _endings(suffixes: dict[str, str]) -> str:
    names = list(suffixes)
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


#: Image formats of plot files, by suffix (forest, funnel, sensitivity, bubble, rob).
PLOT_SUFFIXES = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def plot_target(path: str, *, force: bool, option: str = "") -> str:
    """The image format of a plot file (from its suffix), its target checked before the
    work (``synthesis.io.write_atomic`` checks again). ``option`` prefixes the message."""
    from pathlib import Path

    suffix = Path(path).suffix.lower()
    if suffix not in PLOT_SUFFIXES:
        raise UserError(
            f"{option}{path}: unknown plot format '{suffix or '(no suffix)'}'; "
            "end the file name with .png, .svg or .pdf"
        )
    from synthesis.io import check_target

    with user_errors():
        check_target(path, force=force)
    return PLOT_SUFFIXES[suffix]
