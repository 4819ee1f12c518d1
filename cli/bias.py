"""``synth bias``: small-study effects of one outcome (Egger, regtest, ranktest, trimfill, fsn)."""

from __future__ import annotations

import click
from synthesis.cli.common import (
    UserError,
    echo_warnings,
    force_option,
    main,
    plot_target,
    pooled,
    selection_without_by,
    sort_option,
    user_errors,
)


def _target(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise UserError(
            f"--fsn-target {value}: expected a number on the reporting scale (a ratio for "
            "OR/RR/HR, a proportion for proportions), e.g. --fsn-target 1.1"
        ) from None


@main.command()
@selection_without_by(
    "bias",
    "the tests are for one model of the whole outcome; use --where TAG=VALUE to test one subgroup",
)
@sort_option
@click.option(
    "--predictor",
    type=click.Choice(["sei", "vi", "ninv", "sqrtninv"]),
    default="sei",
    show_default=True,
    help="Predictor of the regression tests: standard error, variance, 1/n or 1/sqrt(n).",
)
@click.option(
    "--estimator",
    type=click.Choice(["L0", "R0"]),
    default="L0",
    show_default=True,
    help="Trim-and-fill estimator of the number of missing studies.",
)
@click.option(
    "--side",
    type=click.Choice(["left", "right"]),
    default=None,
    help="Side on which trim and fill looks for missing studies (default: as metafor, from "
    "the sign of the regression test's slope).",
)
@click.option(
    "--fsn-target",
    "fsn_target",
    default=None,
    metavar="VALUE",
    help="Orwin's target effect on the reporting scale (a ratio for OR/RR/HR). "
    "Default: half the mean effect, as metafor.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "md"]),
    default="table",
    show_default=True,
)
@click.option(
    "--funnel",
    default=None,
    metavar="FILE",
    type=str,
    help="Also draw the funnel plot; the format follows the suffix: .png, .svg or .pdf.",
)
@force_option
def bias(
    outcome: str,
    measure: str | None,
    method: str | None,
    ci: str,
    level: float,
    where: tuple[str, ...],
    studies: str | None,
    sort: str,
    predictor: str,
    estimator: str,
    side: str | None,
    fsn_target: str | None,
    fmt: str,
    funnel: str | None,
    force: bool,
) -> None:
    """Small-study effects and publication bias of one outcome (metafor's numbers).

    For the model 'synth pool' fits with the same options: Egger's regression test
    (weighted least squares, t with k - 2 df; metafor regtest(model = "lm")), the
    regression test with the predictor as a moderator of the random-effects model
    (metafor's default regtest), Begg and Mazumdar's rank correlation test (ranktest),
    trim and fill (trimfill, L0 or R0) with the filled studies and the adjusted
    estimate, and fail-safe N (fsn: Rosenthal, Orwin, Rosenberg). A test that cannot be
    run (k < 3, all variances equal, no sample sizes for --predictor ninv) is null with
    the reason; with fewer than 10 studies the tests run but have low power (Cochrane
    Handbook 13.3.5.4). Warnings go to stderr (and into the JSON's "warnings"). The
    study rows (the model's and trim and fill's) are in the order of 'synth pool'
    (--sort, default by year); the tests run on the rows as listed, as metafor's.

    \b
    Examples:
      synth bias --outcome ORR
      synth bias --outcome OS --measure HR --format json
      synth bias --outcome ORR --method DL --predictor sqrtninv --estimator R0
      synth bias --outcome OS --measure HR --fsn-target 1.1 --format md
      synth bias --outcome ORR --funnel funnel-orr.png --force
      synth bias --outcome ORR --sort listed --format json
    """
    target = _target(fsn_target)
    image_fmt = None
    if funnel is not None:
        image_fmt = plot_target(funnel, force=force)

    from synthesis.analyses.bias import bias_of
    from synthesis.analyses.pool import order_result
    from synthesis.render import bias as render
    from synthesis.render.text import json_text

    _, result = pooled(
        studies=studies,
        outcome=outcome,
        measure=measure,
        method=method,
        ci=ci,
        level=level,
        by=None,
        where=where,
    )
    result = order_result(result, sort)  # the rows only: the numbers do not depend on it
    with user_errors():
        b = bias_of(result, predictor=predictor, estimator=estimator, side=side,
                    fsn_target=target)  # fmt: skip
    not_run = [t.reason for t in (b.egger, b.regression_test, b.rank_test, b.trim_and_fill)
               if not t]  # fmt: skip
    echo_warnings(list(dict.fromkeys([*not_run, *b.warnings])))
    if image_fmt is not None:
        from synthesis.io import write_atomic
        from synthesis.plots.funnel import funnel_image

        with user_errors():
            image = funnel_image(b, fmt=image_fmt)
            path = write_atomic(funnel, image.data, force=force)
        if image_fmt == "png":
            size = f"{image.width_px}x{image.height_px} px"
        else:
            size = f"{image.width_in:.1f}x{image.height_in:.1f} in"
        click.echo(f"wrote {path} (funnel plot of {result.outcome}, k = {result.k}, {size})",
                   err=True)  # fmt: skip
    if fmt == "json":
        click.echo(json_text(b.to_dict()))
    elif fmt == "csv":
        click.echo(render.bias_csv(b), nl=False)
    elif fmt == "md":
        click.echo(render.bias_markdown(b))
    else:
        click.echo(render.bias_table(b))
