"""Comments and YAML: the draft as YAML text, with what was left out as comments in place.

A drafted number is never silent about its doubts: a ``# check:`` comment above an entry
says how something in it was inferred; ``# skipped:`` and ``# ambiguous:`` comments at the
top list every outcome-like number that was read but not drafted, and why.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from .text import Num, short

if TYPE_CHECKING:
    from .model import Draft

_YAML_PRINTABLE = re.compile(
    r"[\x20\x21\x23-\x5b\x5d-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
    r"\U00010000-\U0010ffff]"
)


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly *text*."""
    out = ['"']
    for ch in text:
        if _YAML_PRINTABLE.fullmatch(ch):
            out.append(ch)
        elif ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def yaml_value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if isinstance(value, Num):
        return value.text
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    text = str(value)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_/.+-]*", text) and text.lower() not in (
        "yes",
        "no",
        "on",
        "off",
        "true",
        "false",
        "null",
        "y",
        "n",
    ):
        return text
    return yaml_string(text)


def comment_line(text: str) -> str:
    """One comment line: whitespace runs as one space, unprintable characters escaped."""
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    return "".join(
        ch if ch in '"\\' or _YAML_PRINTABLE.fullmatch(ch) else f"\\u{ord(ch):04x}" for ch in flat
    )


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
            tail = f"  # {comment_line(short(src.quote, 200))}" if src else ""
            lines.append(f"  - {{{body}}}{tail}")
    if not d.entries:
        lines.append("outcomes: []")
    else:
        lines.append("outcomes:")
    for e in d.entries:
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
