"""What each study reports, by outcome: the rows of ``synth studies``."""

from __future__ import annotations

from typing import Any

from synthesis.analyses.order import DEFAULT_SORT, check_sort
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


def _value(e: Entry) -> float | None:
    """An entry's own number, for --sort estimate: proportion, median, ratio or estimate."""
    if e.kind == "binary" and e.events is not None and e.total:
        return e.events / e.total
    if e.kind == "median":
        return None if e.not_reached else e.median
    return e.ratio if e.kind == "ratio" else e.yi


def _order(entries: tuple[Entry, ...], sort: str) -> list[Entry]:
    """By outcome, then as ``synth pool --sort`` orders studies (year by default)."""
    check_sort(sort)
    listed = {id(e): i for i, e in enumerate(entries)}

    def key(e: Entry) -> tuple[Any, ...]:
        if sort == "year":
            return (e.outcome.lower(), e.year, listed[id(e)])
        if sort == "estimate":
            v = _value(e)
            return (e.outcome.lower(), v is None, v or 0.0, listed[id(e)])
        return (e.outcome.lower(), listed[id(e)])

    return sorted(entries, key=key)


def overview(
    review: Review, *, outcome: str | None = None, sort: str = DEFAULT_SORT
) -> tuple[tuple[str, ...], list[list[Any]]]:
    """(headers, rows) of every entry, by outcome, then in ``sort`` order (year by default)."""
    entries = review.entries
    if outcome is not None:
        wanted = review.synonyms.canonical(outcome)
        entries = tuple(e for e in entries if e.outcome == wanted)
        if not entries:
            raise review.no_outcome(outcome)
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
        for e in _order(tuple(entries), sort)
    ]
    return HEADERS, rows
