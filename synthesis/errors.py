"""Problems found in study records, and the exception that carries them.

Every problem is reported as ``FILE:LINE: FIELD: message`` (the contract's
section 4).  Validation collects all of them before raising, as pandera
collects every failure into one report.
"""

from __future__ import annotations

import datetime
import difflib
import math
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Problem:
    """One problem (error or warning) at a place in a record file."""

    file: str
    line: int | None
    field: str
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        prefix = "warning: " if self.severity == "warning" else ""
        # One problem, one line: a line break quoted from a record is shown as \n.
        return _one_line(f"{where}: {self.field}: {prefix}{self.message}")


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:
        return text.replace("\r", "\\r").replace("\n", "\\n")
    return text


class SynthError(Exception):
    """A user-facing error with no file position (bad option, nothing to pool, ...)."""


class RecordError(SynthError):
    """Raised after reading every record when at least one record has an error."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} problem(s) in study records")

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


# ---------------------------------------------------------------------------
# Bounds and wording shared by every reader of user input

#: Largest magnitude of any number in a record: far beyond any clinical quantity, and
#: small enough that squares, products and sums of them stay finite in double precision.
MAX_MAGNITUDE = 1e50
#: Largest whole number (a count, a cohort size): more than any trial or registry holds.
MAX_COUNT = 1_000_000_000


def suggest(name: str, choices: Sequence[str] | Mapping[str, str]) -> str:
    """``"; did you mean 'X'?"`` for the choice closest to ``name``, or ``""``.

    The one "did you mean" of synth: an exact match of the case-folded name first, else
    difflib's closest (ratio >= 0.6) of the case-folded choices. ``choices`` may map each
    name matched to the name shown (a synonym to its outcome); else a choice is shown in
    its own spelling.
    """
    shown = choices if isinstance(choices, Mapping) else {c: c for c in choices}
    lowered = {c.lower(): c for c in shown}
    key = name.lower()
    if key not in lowered:
        close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
        if not close:
            return ""
        key = close[0]
    return f"; did you mean '{shown[lowered[key]]}'?"


def type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        return f"text '{value if len(value) <= 60 else value[:57] + '...'}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"a date ({value.isoformat()})"
    if isinstance(value, int) and abs(value) > MAX_COUNT:
        digits = int(abs(value).bit_length() * 0.30103) + 1
        shown = f"{value:.3e}" if digits < 300 else f"a number of about {digits} digits"
        return f"{shown}, above the largest count synth accepts ({MAX_COUNT:,})"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} (not a finite number)"
    if isinstance(value, float) and abs(value) > MAX_MAGNITUDE:
        return (
            f"{value:g}, far beyond any number synth accepts (counts up to {MAX_COUNT:,}, "
            f"other numbers up to {MAX_MAGNITUDE:g})"
        )
    if isinstance(value, float) and value.is_integer() and abs(value) > MAX_COUNT:
        return f"{value:g}, above the largest count synth accepts ({MAX_COUNT:,})"
    return repr(value)


_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int, *, otherwise: str = "not a regular file") -> str:
    """What a file of ``st_mode`` *mode* is, for "X: is a named pipe (FIFO), not a file"."""
    return next((name for test, name in _FILE_KINDS if test(mode)), otherwise)
