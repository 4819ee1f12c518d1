"""What each study reports, by outcome: the rows of ``synth studies``."""

from __future__ import annotations

from typing import Any

from synthesis.errors import SynthError
from synthesis.records.normalize import Entry, entry_data
from synthesis.records.review import Review

HEADERS = ("outcome", "study", "label", "arm", "role", "kind", "data", "n", "poolable_as", "source")


def poolable_as(entry: Entry, review_entries: tuple[Entry, ...]) -> str:
    """The measure codes under which ``synth pool`` can use this entry."""
    if entry.kind == "binary":
        codes = ["PLO", "PFT", "PAS", "PR"]
        roles = {
            e.arm_role
            for e in review_entries
            if e.study == entry.study and e.outcome == entry.outcome and e.kind == "binary"
        }
        if entry.arm_role in ("experimental", "control") and {"experimental", "control"} <= roles:
            codes += ["RR", "OR", "RD"]
        return " ".join(codes)
    if entry.kind == "continuous":  # MD/SMD between an experimental and a control arm
        roles = {
            e.arm_role
            for e in review_entries
            if e.study == entry.study and e.outcome == entry.outcome and e.kind == "continuous"
        }
        return "MD SMD" if {"experimental", "control"} <= roles else ""
    if entry.kind == "median":
        return "" if entry.not_reached else "MED"
    if entry.kind == "ratio":
        return entry.ratio_type.upper() if entry.se is not None else ""
    return "GEN" if entry.se is not None else ""


def overview(
    review: Review, *, outcome: str | None = None
) -> tuple[tuple[str, ...], list[list[Any]]]:
    """(headers, rows) of every entry, sorted by outcome, year and study."""
    entries = review.entries
    if outcome is not None:
        wanted = review.synonyms.canonical(outcome)
        entries = tuple(e for e in entries if e.outcome == wanted)
        if not entries:
            raise SynthError(
                f"no entries for outcome '{outcome}'; outcomes in this review: "
                f"{', '.join(review.outcomes())}"
            )
    rows = [
        [
            e.outcome,
            e.study,
            e.label,
            e.arm or "",
            e.arm_role or "",
            e.kind,
            entry_data(e),
            e.n,
            poolable_as(e, review.entries),
            f"{e.file}:{e.line}",
        ]
        for e in sorted(entries, key=lambda e: (e.outcome.lower(), e.year, e.study, e.line))
    ]
    return HEADERS, rows
