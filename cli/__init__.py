"""The ``synth`` command line: parse, call one library function, render.

One module per command group; each registers its commands on :data:`main`
(defined in :mod:`synthesis.cli.common`) when imported. Library exceptions become
:class:`click.ClickException` subclasses with exit status 2 and one
``FILE:LINE: FIELD: problem`` line per problem on stderr. Heavy modules
(matplotlib, statsmodels, pymare, pandas) are never imported at module level.
"""

from __future__ import annotations

# one line per command module: importing it registers its commands on main
import synthesis.cli.bias
import synthesis.cli.extract
import synthesis.cli.forest
import synthesis.cli.grade
import synthesis.cli.pool
import synthesis.cli.records
import synthesis.cli.regress
import synthesis.cli.sensitivity
import synthesis.cli.summary  # noqa: F401  (binds "synthesis"; every line registers)
from synthesis.cli.common import main

__all__ = ["main"]
