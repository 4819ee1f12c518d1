"""Standard output that cannot be written: one line and exit status 2, never a traceback.

``synth table > /dev/full`` (no space left), a standard output on a read-only or
vanished file, ...: click re-raises the ``OSError`` of a failed write.
:class:`SynthGroup` (the class of the ``main`` group) turns an ``OSError`` raised inside
``click.echo`` (every line ``synth`` prints goes through it; every file it writes goes
through :mod:`synthesis.io`, which names the file) into
``synth: error: cannot write standard output: reason; what to do``. Any other
exception is left alone. A broken pipe (``synth table | head -1``) stays click's: no
message, exit status 1.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from typing import Any

import click


class SynthGroup(click.Group):
    """The ``main`` group: a failed write to standard output is one line, not a traceback;
    numerical RuntimeWarnings (numpy's overflow, 0/0 ...) never reach the user: the library
    turns what they would mean into values that do not exist (null) or a clear error."""

    def invoke(self, ctx: click.Context) -> Any:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return super().invoke(ctx)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as exc:
            standalone = kwargs.get("standalone_mode", True)
            stream = _echo_stream(exc)
            if not standalone or exc.errno in (None, errno.EPIPE) or stream is None:
                raise
            if stream == "standard output":
                _stop_stdout()
            from synthesis.io import os_error_text

            reason, _ = os_error_text(exc)
            with contextlib.suppress(OSError):  # standard error may fail: then silence
                click.echo(
                    f"synth: error: cannot write {stream}: {reason}; "
                    "send the output (> FILE) where it can be written",
                    err=True,
                )
            sys.exit(2)


def _echo_stream(exc: BaseException) -> str | None:
    """The stream ``click.echo`` failed to write when it raised *exc*; None if it did not."""
    if getattr(exc, "filename", None) is not None:
        return None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "echo" and frame.f_globals.get("__name__") == "click.utils":
            err = frame.f_locals.get("err") or frame.f_locals.get("file") is sys.stderr
            return "standard error" if err else "standard output"
        tb = tb.tb_next
    return None


def _stop_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the exit's flush cannot fail again."""
    try:
        fd = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except (AttributeError, OSError, ValueError):  # no real descriptor (a test's stream)
        pass
