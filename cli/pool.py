"""``synth pool``: one outcome pooled, printed as a table, JSON, CSV or Markdown."""

from __future__ import annotations

import click
from synthesis.cli.common import main, model_options, pooled, selection_options, sort_option


@main.command()
@selection_options
@model_options
@sort_option
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
    also: str | None,
    pi: str,
    model: str,
    cluster: str,
    null: float | None,
    sort: str,
    fmt: str,
) -> None:
    """Pool one outcome across studies (random effects, metafor's numbers).

    Prints per-study estimates with weights, the pooled estimate with its CI and
    prediction interval, and heterogeneity (tau², I², H², Q; with --by, per
    subgroup too). With one study nothing is pooled: the row says so and shows the
    study's own estimate and CI. Warnings go to stderr (and into the JSON's "warnings").

    Two-arm outcomes: counts as RR, OR or RD (also Mantel-Haenszel, --method MH, or
    Peto, --method PETO); means with SD and n as MD or SMD (Hedges' g). --also MH (or
    FE, PETO) shows the common-effect result beside the random-effects one, as R meta
    and RevMan do (JSON: "common"). A pooled proportion or median is tested only
    against a value you state with --null (e.g. a historical response rate).

    \b
    Examples:
      synth pool --outcome ORR
      synth pool --outcome ORR --measure PFT --method DL --ci hksj
      synth pool --outcome ORR --null 0.3
      synth pool --outcome ORR --by disease --format md
      synth pool --outcome OS --measure MED --format json
      synth pool --outcome CR --where disease=ANKL --level 0.90
      synth pool --outcome ORR --measure OR --method MH
      synth pool --outcome ORR --measure RR --method REML --also MH
      synth pool --outcome "overall response rate" --also FE --pi t
      synth pool --outcome ORR --sort estimate
    """
    from synthesis.analyses.pool import order_result
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
        also=also,
        pi=pi,
        null=null,
        model=model,
        cluster=cluster,
    )
    result = order_result(result, sort)  # the rows only: the numbers do not depend on it
    if fmt == "json":
        click.echo(render.json_text(result.to_dict()))
    elif fmt == "csv":
        click.echo(render.pool_csv(result), nl=False)
    elif fmt == "md":
        click.echo(render.pool_markdown(result))
    else:
        click.echo(render.pool_table(result))
