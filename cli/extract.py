"""``synth extract``: draft a study record from the plain text of an abstract."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from synthesis.cli.common import force_option, main, output_suffix, user_errors

if TYPE_CHECKING:
    from synthesis.extract import Draft


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
    Check every number before saving the draft with your records. A summary on
    stderr counts the entries drafted, those with a # check: comment (something
    inferred: confirm it) and the # skipped: and # ambiguous: comments (numbers
    read but left out).

    \b
    Examples:
      synth extract abstract.txt
      synth extract abstract.txt --id new-study -o studies/new-study.yaml   # in your review
      synth extract abstract.txt -o draft.yaml --force
    """
    from synthesis.extract import extract as draft_record
    from synthesis.extract import read_abstract
    from synthesis.io import check_target, write_atomic

    if output is not None:
        output_suffix(
            output, (".yaml", ".yml"), "a study record is YAML, and synth reads only those"
        )
    with user_errors():
        if output is not None:
            check_target(output, force=force)  # before the work; write_atomic checks again
        text = read_abstract(abstract)
        draft = draft_record(text, study_id=study_id, source_name=abstract)
        yaml_text = draft.to_yaml()
        if output is None:
            click.echo(yaml_text, nl=False)
            click.echo(f"synth: drafted {_summary(draft)}", err=True)
            return
        write_atomic(output, yaml_text, force=force)
    click.echo(f"synth: wrote {output}: {_summary(draft)}", err=True)


def _summary(draft: Draft) -> str:
    """What the reviewer has to do with a draft, counted from its entries and comments.

    ``# check:`` marks an entry with something inferred (confirm it); each ``# skipped:``
    comment names numbers read but left out, each ``# ambiguous:`` one numbers that could
    belong to several outcomes or groups (draft them by hand if they belong).
    """
    entries = len(draft.entries)
    check = sum(1 for e in draft.entries if e.check)
    skipped = sum(1 for c in draft.comments if c.startswith("skipped"))
    ambiguous = sum(1 for c in draft.comments if c.startswith("ambiguous"))
    todo = sum(1 for e in draft.entries if e.todo) + len(draft.missing)
    fill = ", ".join(draft.missing) if draft.missing else "none"
    return (
        f"{entries} outcome entr{'y' if entries == 1 else 'ies'}, {check} to confirm "
        f"(# check:), {skipped} skipped (# skipped:), {ambiguous} ambiguous (# ambiguous:), "
        f"{todo} field(s) to fill in (required: {fill}); check every number"
    )
