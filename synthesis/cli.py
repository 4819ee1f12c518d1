"""Command line interface (placeholder, filled in by the records/pooling work)."""

import click


@click.group()
def main() -> None:
    """synth: evidence synthesis from YAML study records."""
