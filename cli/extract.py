"""``synth extract``: draft a study record from the plain text of an abstract."""

from __future__ import annotations

import click
from synthesis.cli.common import force_option, main, user_errors


@main.command()
@click.argument("abstract", metavar="ABSTRACT.txt", type=str)
@click.option(
    "--id", "study_id", default=None, metavar="ID", help="The record's id (default: the file name)."
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE.yaml",
    help="Write the draft here (refuses to overwrite an existing file) instead of printing it.",
)
@force_option
def extract(abstract: str, study_id: str | None, output: str | None, force: bool) -> None:
    """Draft a study record from an abstract's plain text.

    Every number in the draft is in the text, and the outcome entry that holds it
    has a quote that is an exact substring of the text. What it cannot read is
    left out; what it skipped or found ambiguous is listed as YAML comments.
    Check every number before saving the draft with your records.

    \b
    Examples:
      synth extract abstract.txt
      synth extract abstract.txt --id yoon2025-ankl -o studies/yoon2025-ankl.yaml
      synth extract abstract.txt -o draft.yaml --force
    """
    from synthesis.extract import extract as draft_record
    from synthesis.extract import read_abstract
    from synthesis.io import check_target, write_atomic

    with user_errors():
        if output is not None:
            check_target(output, force=force)  # before the work; write_atomic checks again
        text = read_abstract(abstract)
        draft = draft_record(text, study_id=study_id, source_name=abstract)
        yaml_text = draft.to_yaml()
        if output is None:
            click.echo(yaml_text, nl=False)
            return
        write_atomic(output, yaml_text, force=force)
    todo = sum(1 for e in draft.entries if e.todo) + len(draft.missing)
    fill = ", ".join(draft.missing) if draft.missing else "none"
    click.echo(
        f"synth: wrote {output}: {len(draft.entries)} outcome entr"
        f"{'y' if len(draft.entries) == 1 else 'ies'}, {len(draft.comments)} comment(s), "
        f"{todo} field(s) to fill in (required: {fill}); check every number",
        err=True,
    )
