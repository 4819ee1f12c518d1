"""The draft: outcome entries with their quotes, the arms, and what was left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthesis.records.schema import WHOLE_COHORT

from .comments import comment_line, yaml_string, yaml_value
from .groups import DraftArm
from .text import short


@dataclass(frozen=True)
class DraftEntry:
    """One outcome entry: its data fields in record order, the quote and its span."""

    name: str
    fields: tuple[tuple[str, Any], ...]  # e.g. (("events", 5), ("total", 6), ("percent", 83.3))
    quote: str
    span: tuple[int, int]  # text[span[0]:span[1]] == quote
    arm: str | None = None
    timepoint: str | None = None
    note: str | None = None
    todo: str | None = None  # a comment line shown above the entry
    check: str | None = None  # how something in the entry was inferred ("# check: ...")
    values: tuple[tuple[int, int], ...] = ()  # offsets of the numbers it holds (not printed)

    def get(self, key: str) -> Any:
        for k, v in self.fields:
            if k == key:
                return v
        return None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.arm is not None:
            out["arm"] = self.arm
        out.update(self.fields)
        if self.timepoint is not None:
            out["timepoint"] = self.timepoint
        out["quote"] = self.quote
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Draft:
    """A drafted study record with its provenance and everything left out."""

    study_id: str
    source_name: str | None
    citation: str | None
    year: int | None
    doi: str | None
    pmid: str | None
    journal: str | None
    n: int | None
    n_quote: str | None
    arms: tuple[DraftArm, ...]
    entries: tuple[DraftEntry, ...]
    comments: tuple[str, ...]  # "skipped: ..." / "ambiguous: ..."
    missing: tuple[str, ...]  # required fields the text does not give

    def record(self) -> dict[str, Any]:
        """The record as a plain mapping (what ``yaml.safe_load(to_yaml())`` gives)."""
        out: dict[str, Any] = {"id": self.study_id}
        if self.citation is not None:
            out["citation"] = self.citation
        if self.year is not None:
            out["year"] = self.year
        for key in ("doi", "pmid", "journal"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.n is not None:
            out["n"] = self.n
        if self.arms:
            arms: list[dict[str, Any]] = []
            if self.n is not None or any(e.arm == WHOLE_COHORT for e in self.entries):
                arms.append({"id": WHOLE_COHORT, **({"n": self.n} if self.n else {})})
            for a in self.arms:
                arms.append({"id": a.id, "label": a.label, **({"n": a.n} if a.n else {})})
            out["arms"] = arms
        out["outcomes"] = [e.as_dict() for e in self.entries]
        return out

    def to_yaml(self) -> str:
        """The draft as YAML text with the reviewer's comments in place."""
        return render(self)


_VALIDATE_MESSAGES = {
    "citation": "citation: required field is missing",
    "year": "year: required field is missing",
}


def render(d: Draft) -> str:
    lines: list[str] = []
    source = d.source_name or "the given text"
    lines.append(f"# Drafted by `synth extract` from {comment_line(source)}.")
    lines.append("# DRAFT: check every number against the abstract before saving it as a record.")
    for key in d.missing:
        lines.append(
            f"# TODO fill in: {key} (not found in the text; synth validate reports "
            f'"{_VALIDATE_MESSAGES[key]}")'
        )
    for c in d.comments:
        lines.append(f"# {comment_line(c)}")
    lines.append(f"id: {yaml_value(d.study_id)}")
    if d.citation is not None:
        lines.append(f"citation: {yaml_string(d.citation)}")
    if d.year is not None:
        lines.append(f"year: {d.year}")
    if d.doi is not None:
        lines.append(f"doi: {yaml_string(d.doi)}")
    if d.pmid is not None:
        lines.append(f"pmid: {yaml_string(d.pmid)}")
    if d.journal is not None:
        lines.append(f"journal: {yaml_string(d.journal)}")
    if d.n is not None:
        lines.append(f"n: {d.n}  # {comment_line(short(d.n_quote or '', 200))}")
    record = d.record()
    if "arms" in record:
        lines.append("arms:")
        by_id = {a.id: a for a in d.arms}
        for arm in record["arms"]:
            body = ", ".join(f"{k}: {yaml_value(v)}" for k, v in arm.items())
            src = by_id.get(arm["id"])
            tail = ""
            if src is not None:
                also = "".join(f'also "{a}"; ' for a in src.aliases if a != src.label)
                tail = f"  # {comment_line(also + short(src.quote, 200))}"
            lines.append(f"  - {{{body}}}{tail}")
    if not d.entries:
        lines.append("outcomes: []")
    else:
        lines.append("outcomes:")
    for e in d.entries:
        if e.check:
            lines.append(f"  # check: {comment_line(e.check)}")
        if e.todo:
            lines.append(f"  # {e.todo}")
        first = True
        for key, value in e.as_dict().items():
            text = (
                yaml_string(value) if key in ("quote", "note", "timepoint") else yaml_value(value)
            )
            lines.append(f"  {'- ' if first else '  '}{key}: {text}")
            first = False
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Numbers that look like outcomes and were not drafted
