"""``synth pool``: one outcome pooled, printed as a table, JSON, CSV or Markdown."""

from __future__ import annotations

import click
from synthesis.cli.common import main, pooled, selection_options


@main.command()
@selection_options
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
    from synthesis.render import text as render

    _, result = pooled(
        studies=studies,
        outcome=outcome,
        measure=measure,
        method=method,
        ci=ci,
        level=level,
        by=by,
        where=where,
    )
    if fmt == "json":
        click.echo(render.json_text(result.to_dict()))
    elif fmt == "csv":
        click.echo(render.pool_csv(result), nl=False)
    elif fmt == "md":
        click.echo(render.pool_markdown(result))
    else:
        click.echo(render.pool_table(result))
