"""The ``synth`` command line: parse, call one library function, render.

One module per command group; each registers its commands on :data:`main`
(defined in :mod:`synthesis.cli.common`) when imported. Library exceptions become
:class:`click.ClickException` subclasses with exit status 2 and one
``FILE:LINE: FIELD: problem`` line per problem on stderr. Heavy modules
(matplotlib, statsmodels, pymare, pandas) are never imported at module level.
"""

from __future__ import annotations

from synthesis.cli import extract, forest, pool, records, sensitivity, summary  # noqa: F401
from synthesis.cli.common import main

__all__ = ["main"]
