"""``synth regress``: meta-regression of one outcome on study characteristics."""

from __future__ import annotations

import sys
import time

import click
from synthesis.cli.common import (
    echo_warnings,
    force_option,
    main,
    plot_target,
    selection_without_by,
    sort_option,
    user_errors,
)


class _Progress:
    """Progress of a permutation test on stderr, once it has run for a second."""

    DELAY = 1.0  # seconds before the first line
    EVERY = 0.5  # seconds between updates on a terminal (2 s between lines in a log)

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False
        self.tty = bool(getattr(sys.stderr, "isatty", lambda: False)())

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        every = self.EVERY if self.tty else 4 * self.EVERY
        if now - self.start < self.DELAY or (done < total and now - self.last < every):
            return
        self.last = now
        line = (
            f"synth: permutation test: {done:,} of {total:,} arrangements "
            f"({100 * done / total:.0f}%, {now - self.start:.0f} s)"
        )
        if self.tty:
            click.echo("\r" + line, nl=False, err=True)
        else:
            click.echo(line, err=True)
        self.shown = True

    def close(self) -> None:
        if self.shown and self.tty:
            click.echo("", err=True)


@main.command()
@selection_without_by(
    "regress",
    "a subgroup is a moderator here: use --mods TAG (or factor(TAG)), or --where "
    "TAG=VALUE to fit one subgroup",
)
@sort_option
@click.option(
    "--mods",
    multiple=True,
    metavar="TERM[,TERM...]",
    help="Moderators: year, n, a tag (numbers: continuous; text: categorical), or "
    "factor(TAG) to force categorical. Without --mods: the intercept-only model.",
)
@click.option(
    "--permutations",
    default=None,
    metavar="N|exact",
    help="Permutation test of every coefficient and of the moderators (metafor permutest): "
    "N random permutations, or exact enumeration.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**63 - 1),
    default=None,
    metavar="S",
    help="Seed of the random permutations (without it, one is drawn and reported).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "md"]),
    default="table",
    show_default=True,
)
@click.option(
    "--plot",
    default=None,
    metavar="FILE",
    type=str,
    help="Bubble plot of the effect against the first continuous moderator (.png, .svg or .pdf).",
)
@force_option
def regress(
    outcome: str,
    measure: str | None,
    method: str | None,
    ci: str,
    level: float,
    where: tuple[str, ...],
    studies: str | None,
    sort: str,
    mods: tuple[str, ...],
    permutations: str | None,
    seed: int | None,
    fmt: str,
    plot: str | None,
    force: bool,
) -> None:
    """Meta-regression: does the effect change with a study characteristic?

    Fits metafor's mixed-effects meta-regression rma(yi, vi, mods = ~ ...) on the rows
    'synth pool' would use: per coefficient the estimate (analysis scale, and the ratio
    per unit for log measures), SE, z or t (--ci hksj: Knapp-Hartung, F test of the
    moderators), p and CI; the test of the moderators, residual heterogeneity (tau², I²,
    H², QE) and R². Studies without a value for a moderator are left out (a warning names
    them). --permutations adds permutation p values (metafor permutest); exact
    enumeration is used whenever there are no more distinct arrangements than asked for.
    The study rows are in the order of 'synth pool' (--sort, default by year); the model
    is fitted on the rows as listed, so the numbers do not depend on it.

    \b
    Moderators (--mods, comma-separated):
      year, n          the record's year and number of patients (continuous)
      TAG              a tag: continuous when every value is a number (tags: {ablat: 44}),
                       else categorical, dummies TAG=LEVEL against the first level
      factor(TAG)      the tag as categorical even when its values are numbers

    \b
    Examples:
      synth regress --outcome ORR --mods year
      synth regress --outcome ORR --mods 'year,factor(setting)' --ci hksj
      synth regress --outcome ORR --mods year --permutations 1000 --seed 1 --format json
      synth regress --outcome ORR --permutations exact           # tests the pooled logit
      synth regress --outcome ORR --mods year --plot bubble.png --force
      synth regress --outcome ORR --mods year --where setting=mixed --format md
      synth regress --outcome ORR --mods 'factor(setting)' --sort listed --format csv
    """
    from synthesis.render import regress as render
    from synthesis.render.text import json_text

    fmt_plot = None
    if plot is not None:
        fmt_plot = plot_target(plot, force=force, option="--plot ")

    from synthesis.analyses.regress import regress as run_regress
    from synthesis.records.review import load_review

    progress = _Progress()
    with user_errors():
        review = load_review(studies)
        try:
            result = run_regress(
                review,
                outcome=outcome,
                mods=mods,
                measure=measure,
                method=method,
                ci=ci.lower(),
                level=level,
                where=where,
                permutations=permutations,
                seed=seed,
                sort=sort,
                progress=progress,
            )
        finally:
            progress.close()
        image = None
        if fmt_plot is not None:
            from synthesis.plots.bubble import bubble_image

            image = bubble_image(result, fmt=fmt_plot)
    echo_warnings(review.general_warnings)
    for line in result.record_warnings:  # already "FILE:LINE: FIELD: warning: ..."
        click.echo(line, err=True)
    echo_warnings(list(result.warnings))
    if image is not None:
        from synthesis.io import write_atomic

        with user_errors():
            path = write_atomic(plot, image.data, force=force)
        echo_warnings(list(image.layout.warnings))
        size = (
            f"{image.width_px}x{image.height_px} px"
            if image.fmt == "png"
            else f"{image.width_in:.1f}x{image.height_in:.1f} in"
        )
        click.echo(f"synth: wrote {path} (bubble plot of {image.layout.moderator}, {size})",
                   err=True)  # fmt: skip
    if fmt == "json":
        click.echo(json_text(result.to_dict()))
    elif fmt == "csv":
        click.echo(render.regress_csv(result), nl=False)
    elif fmt == "md":
        click.echo(render.regress_markdown(result))
    else:
        click.echo(render.regress_table(result))
