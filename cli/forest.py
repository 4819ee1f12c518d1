"""``synth forest``: one outcome pooled, drawn as a forest plot (PNG, SVG or PDF)."""

from __future__ import annotations

import click
from synthesis.cli.common import (
    echo_warnings,
    force_option,
    main,
    model_options,
    plot_target,
    pooled,
    selection_options,
    sort_option,
    user_errors,
)


@main.command()
@selection_options
@model_options
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    type=str,
    help="Where to write the plot; the format follows the suffix: .png, .svg or .pdf.",
)
@sort_option
@click.option(
    "--favours",
    nargs=2,
    default=None,
    metavar="LEFT RIGHT",
    help="Labels under the axis, left and right of the line of no effect (comparative measures).",
)
@click.option(
    "--dpi",
    type=click.IntRange(200, 1200),
    default=200,
    show_default=True,
    help="Resolution of a PNG (200 to 1200). A PNG may have at most 32,768 px per side and "
    "50 megapixels (about 600 studies at 200 dpi); SVG and PDF have no limit.",
)
@force_option
def forest(
    outcome: str,
    measure: str | None,
    method: str | None,
    ci: str,
    level: float,
    by: str | None,
    where: tuple[str, ...],
    studies: str | None,
    also: str | None,
    pi: str,
    model: str,
    cluster: str,
    null: float | None,
    output: str,
    sort: str,
    favours: tuple[str, str] | None,
    dpi: int,
    force: bool,
) -> None:
    """Draw a forest plot of one outcome (the analysis of 'synth pool').

    Per study: label, data, estimate [CI], weight and a square sized by weight with
    its CI (arrows where it leaves the axis); the pooled diamond, the prediction
    interval as a bar under it, the line of no effect for comparative measures, and
    a footer with tau², I², Q and the method. With --by, one block per subgroup and
    the test for subgroup differences. With --also MH (or FE, PETO) two diamonds, the
    common-effect one above the random-effects one (as R meta and RevMan). With
    --model multilevel the rows of each cluster (study, or --cluster TAG value) are
    drawn together under a heading with their number of rows; the diamond and the
    prediction interval are the three-level model's, and the footer gives both
    variance components (between clusters, within).

    \b
    Examples:
      synth forest --outcome ORR -o forest-orr.png
      synth forest --outcome ORR --measure RR --favours "non-L-ASNase" "L-ASNase" -o orr-rr.pdf
      synth forest --outcome ORR --by disease --sort estimate -o orr-by-disease.svg
      synth forest --outcome OS --measure MED -o os-median.png --force
      synth forest --outcome ORR --measure OR --also MH -o orr-or.png
      synth forest --outcome ORR --model multilevel -o orr-multilevel.png
    """
    fmt = plot_target(output, force=force)
    from synthesis.io import write_atomic
    from synthesis.plots.forest import forest_image

    _, result = pooled(
        studies=studies,
        outcome=outcome,
        measure=measure,
        method=method,
        ci=ci,
        level=level,
        by=by,
        where=where,
        also=also,
        pi=pi,
        null=null,
        model=model,
        cluster=cluster,
    )
    with user_errors():
        image = forest_image(result, fmt=fmt, sort=sort, favours=favours, dpi=dpi)
        path = write_atomic(output, image.data, force=force)
    echo_warnings(list(image.layout.warnings))
    if fmt == "png":
        size = f"{image.width_px}x{image.height_px} px"
    else:
        size = f"{image.width_in:.1f}x{image.height_in:.1f} in"
    click.echo(f"wrote {path} ({result.outcome}, k = {result.k}, {size})")
