"""Standard output that cannot be written: one line and exit status 2, never a traceback.

``synth table > /dev/full`` (no space left), a stdout on a read-only or vanished
file, ...: click re-raises the ``OSError`` of a failed write. :class:`SynthGroup`
(the class of the ``main`` group) turns an ``OSError`` that names no file (a stream
write; every file ``synth`` writes goes through :mod:`synthesis.io`, which names it)
into ``synth: error: cannot write standard output: reason; what to do``. A broken
pipe (``synth table | head -1``) stays click's: no message, exit status 1.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from typing import Any

import click


class SynthGroup(click.Group):
    """The ``main`` group: a failed write to standard output is one line, not a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as exc:
            standalone = kwargs.get("standalone_mode", True)
            if not standalone or exc.errno in (None, errno.EPIPE) or exc.filename is not None:
                raise
            _stop_stdout()
            from synthesis.io import os_error_text

            reason, _ = os_error_text(exc)
            with contextlib.suppress(OSError):  # standard error may fail too: then silence
                click.echo(
                    f"synth: error: cannot write standard output: {reason}; "
                    "send the output (> FILE) where it can be written",
                    err=True,
                )
            sys.exit(2)


def _stop_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the exit's flush cannot fail again."""
    try:
        fd = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except (AttributeError, OSError, ValueError):  # no real descriptor (a test's stream)
        pass
