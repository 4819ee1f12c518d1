"""Problems found in study records, and the exception that carries them.

Every problem is reported as ``FILE:LINE: FIELD: message`` (the contract's
section 4).  Validation collects all of them before raising, as pandera
collects every failure into one report.
"""

from __future__ import annotations

from dataclasses import dataclass


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
