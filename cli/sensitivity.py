"""``synth sensitivity``: leave-one-out, influence, cumulative and Baujat analyses."""

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

ORDERS = ("year", "precision", "listed")  # synthesis.analyses.sensitivity.ORDERS


@main.command()
@selection_without_by(
    "sensitivity",
    "the analyses refit one model of the whole outcome; use --where TAG=VALUE to analyse "
    "one subgroup",
)
@sort_option
@click.option(
    "--order",
    type=click.Choice(ORDERS),
    default="year",
    show_default=True,
    help="Order of the cumulative analysis: publication year (ties as listed), precision "
    "(most precise first, 1/vi descending) or as listed.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "md"]),
    default="table",
    show_default=True,
    help="table and md: the leave-one-out, influence, cumulative and Baujat tables; "
    "json: the contract's object; csv: one row per study with every number.",
)
@click.option(
    "--plot",
    metavar="FILE",
    type=str,
    default=None,
    help="Also draw the leave-one-out and cumulative forest plots and the Baujat plot, one "
    "under the other, into FILE (.png, .svg or .pdf).",
)
@force_option
def sensitivity(
    outcome: str,
    measure: str | None,
    method: str | None,
    ci: str,
    level: float,
    where: tuple[str, ...],
    studies: str | None,
    sort: str,
    order: str,
    fmt: str,
    plot: str | None,
    force: bool,
) -> None:
    """How the pooled result moves when one study goes, which studies drive it, and how it
    accumulated (metafor's leave1out, influence, baujat and cumul).

    The model is the one 'synth pool' fits with the same options (any measure with
    variances: not MED; any method but GLMM). Leave-one-out refits it without each study
    (estimate, CI, prediction interval, test, heterogeneity); influence gives externally
    standardized residuals, DFFITS, Cook's distance, covariance ratio, tau² and Q when
    deleted, hat, weight, DFBETAS and metafor's 'influential' flag; the cumulative
    analysis adds one study at a time (--order); the Baujat plot shows each study's
    contribution to heterogeneity against its influence on the pooled result. The rows
    are in the order of 'synth pool' (--sort, default by year); the numbers do not
    depend on it.
    Warnings go to stderr and into the JSON's "warnings".

    \b
    Examples:
      synth sensitivity --outcome ORR
      synth sensitivity --outcome ORR --format json > orr-sensitivity.json
      synth sensitivity --outcome OS --measure HR --method DL --ci hksj --format md
      synth sensitivity --outcome ORR --order precision --plot orr-sensitivity.png
      synth sensitivity --outcome CR --where disease=ANKL --plot cr.pdf --force
      synth sensitivity --outcome ORR --sort estimate --format md
    """
    if method is not None and method.upper() == "GLMM":
        raise UserError(
            "--method GLMM: leave-one-out, influence and cumulative analyses are defined for "
            "inverse-variance models (metafor's leave1out, influence and cumul have no GLMM "
            "method); rerun with --method ML, the closest inverse-variance model on the logit "
            "scale, or the default REML"
        )
    plot_fmt = None
    if plot is not None:
        plot_fmt = plot_target(plot, force=force)

    from synthesis.analyses.sensitivity import sensitivity_of
    from synthesis.render import sensitivity as render

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
    with user_errors():
        res = sensitivity_of(result, order=order, sort=sort)
    echo_warnings(list(res.warnings))
    if fmt == "json":
        click.echo(render.json_text(res.to_dict()))
    elif fmt == "csv":
        click.echo(render.sensitivity_csv(res), nl=False)
    elif fmt == "md":
        click.echo(render.sensitivity_markdown(res))
    else:
        click.echo(render.sensitivity_table(res))

    if plot is not None and plot_fmt is not None:
        from synthesis.io import write_atomic
        from synthesis.plots.sensitivity import sensitivity_image

        with user_errors():
            image = sensitivity_image(res, fmt=plot_fmt)
            path = write_atomic(plot, image.data, force=force)
        echo_warnings(list(image.warnings))
        if plot_fmt == "png":
            size = f"{image.width_px}x{image.height_px} px"
        else:
            size = f"{image.width_in:.1f}x{image.height_in:.1f} in"
        click.echo(f"synth: wrote {path} ({res.outcome}, k = {res.k}, {size})", err=True)
