"""Comments and YAML: the draft as YAML text, with what was left out as comments in place.

A drafted number is never silent about its doubts: a ``# check:`` comment above an entry
says how something in it was inferred; ``# skipped:`` and ``# ambiguous:`` comments at the
top list every outcome-like number that was read but not drafted, and why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from .numbers import RATIO, Term, ci_level_at
from .text import NUM, Num, Sentence, short

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


_PERCENT = re.compile(rf"(?<![\d.,/·]){NUM}\s?%")
_TIME_VALUE = re.compile(
    rf"(?<![\d.,/·\w-])(?:{NUM}|not\s+(?:yet\s+)?reached)(?:\s*(?:months?|mos?\.?|years?|weeks?|days?)\b)"
)
_NOT_AN_OUTCOME_TIME = re.compile(
    r"(?i)(?:follow[- ]?up|\bage[ds]?\b|range|every|\bfor\b|\bat\b|within|after|\bby\b|\bday\b|IQR|"
    r"interval|\bover\b|\bfrom\b|\bup\s+to\b|until|during|before|\bCI\b|duration\s+of\s+"
    r"(?:treatment|therapy|exposure)|treatment\s+duration|\bin\b|-|–|\bto\b)\W{0,3}(?:[\w.]+\W{1,3}){0,2}$"
)
_TIME_TERMS = frozenset({"time", "death"})


def _outcome_like(sent: Sentence, terms: list[Term]) -> list[tuple[int, int]]:
    """Spans (in the sentence) of percents, survival times and ratios: numbers of outcomes."""
    text = sent.text
    out: list[tuple[int, int]] = []
    if terms:
        for m in _PERCENT.finditer(text):
            if ci_level_at(text, m) or re.match(
                r"\s*(?:-|‐|–|to)\s*\d", text[m.end() : m.end() + 8]
            ):
                continue  # a CI level, or the lower bound of a range
            if re.search(r"(?:-|‐|–|—|\bto)\s*$", text[max(0, m.start() - 6) : m.start()]):
                continue  # the upper bound of a range ("22.5 to 57.1%")
            out.append((m.start(), m.end()))
    if any(t.kind in _TIME_TERMS for t in terms):
        for m in _TIME_VALUE.finditer(text):
            if _NOT_AN_OUTCOME_TIME.search(text[max(0, m.start() - 30) : m.start()]):
                continue
            if re.match(
                r"(?i)\s*(?:-|–|to)\s*\d|\s*(?:of\s+)?follow", text[m.end() : m.end() + 12]
            ):
                continue
            out.append((m.start(), m.end()))
    for m in RATIO.finditer(text):
        out.append((m.start("v"), m.end("v")))
    return out


def unread_numbers(
    text: str,
    sents: list[Sentence],
    terms_of: dict[int, list[Term]],
    entries: Sequence[Any],  # DraftEntry: what it reads is each entry's .values spans
    covered: list[tuple[int, int]],
) -> list[str]:
    """A ``skipped`` comment for every outcome-like number no entry holds and no comment names."""
    mask = bytearray(len(text) + 1)
    for a, b in covered:
        mask[a:b] = b"\x01" * (b - a)
    for e in entries:
        for a, b in e.values:
            mask[a:b] = b"\x01" * (b - a)
    out: list[str] = []
    for s in sents:
        terms = terms_of.get(id(s)) or []
        if not terms:
            continue
        left = [
            s.text[a:b]
            for a, b in _outcome_like(s, terms)
            if not any(mask[s.start + a : s.start + b])
        ]
        if left:
            shown = ", ".join(f'"{x}"' for x in dict.fromkeys(left))
            why = "not tied to one outcome and group"
            if all(x.endswith("%") for x in left) and not any(t.kind == "binary" for t in terms):
                why = "a survival rate, at a fixed time?"  # "the 3-year OS was 71%"
            out.append(f'skipped ({why}): {shown} in "{short(s.text)}"')
    return out
