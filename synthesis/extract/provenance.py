"""Provenance: every quote is verbatim in its source text and holds the numbers of its entry.

:func:`check_quotes` is what ``synth validate`` runs for a record that names its source
(``source_text: abstracts/yoon2025.txt``): each entry's ``quote`` must be in the text, and
each number of the entry must be printed in its quote. Whitespace is compared as runs
(a line break in the text matches a space in the quote; YAML folds lines), nothing else is
loosened: a quote with a changed word or number is not verbatim.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .text import NUM, WORD_NUM, num_text, word_value

# (line, field, quote, numbers): numbers are values, or (field, value) pairs
QuoteEntry = tuple[int | None, str, str, Sequence[Any]]
QuoteProblem = tuple[int | None, str, str]  # (line, field, message)

_NUMBER = re.compile(rf"(?<![\w.·])[.·]?{NUM}")
_GROUPED = re.compile(r"(?<![\w.,·])\d{1,3}(?:[, \u00a0\u2009\u202f]\d{3})+(?![\d.·])")
# "RR 3,9; p=0,007": a decimal comma (one or two decimals, or a leading zero), never a
# thousands separator ("41,640")
_DECIMAL_COMMA = re.compile(r"(?<![\w.,·])(?:\d{1,3},\d{1,2}|0,\d{1,6})(?![\d,.·])")
_WORD_NUMBER = re.compile(rf"(?i)\b{WORD_NUM}\b")
_NR = re.compile(r"(?i)\bNR\b|not\s+(?:yet\s+)?(?:been\s+)?reached|not\s+estimable|\bNE\b")
# the numeric fields of an outcome entry (the contract's section 1), in record order
NUMBER_FIELDS = (
    "events",
    "total",
    "percent",
    "median",
    "ci",
    "ci_level",
    "hr",
    "or",
    "rr",
    "p",
    "mean",
    "sd",
    "n",
    "estimate",
    "se",
)
_SHOWN = 60


def iter_numbers(text: str) -> Iterator[float]:
    """Every number printed in *text*, in digits or in words ("Forty-six" -> 46), and
    with thousands separators ("41,640", "3 700") also as the one number they print."""
    for m in _NUMBER.finditer(text):
        try:
            yield float(num_text(m.group(0)))
        except ValueError:
            continue
    for m in _GROUPED.finditer(text):
        yield float(re.sub(r"\D", "", m.group(0)))
    for m in _WORD_NUMBER.finditer(text):
        value = word_value(m.group(0))
        if value is not None:
            yield float(value)
    for m in _DECIMAL_COMMA.finditer(text):
        yield float(m.group(0).replace(",", "."))


def entry_numbers(entry: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The numbers of an outcome entry as (field, value) pairs, a CI as its two bounds."""
    out: list[tuple[str, Any]] = []
    for key in NUMBER_FIELDS:
        value = entry.get(key)
        if value is None or isinstance(value, bool):
            continue
        if key == "ci" and isinstance(value, (list, tuple)):
            out.extend(("ci", bound) for bound in value if bound is not None)
        else:
            out.append((key, value))
    return out


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _short(text: str) -> str:
    flat = _collapse(text)
    return flat if len(flat) <= _SHOWN else flat[: _SHOWN - 3] + "..."


def _present(field: str, value: Any, printed: set[float], quote: str) -> bool:
    """Whether *value* (of *field*) is printed in the quote."""
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in ("NR", "NE") or text.lower().startswith("not "):
            return _NR.search(quote) is not None
        text = text.lstrip("<>=≤≥ ").replace("·", ".")
        try:
            value = float(text)
        except ValueError:
            return _collapse(value) in _collapse(quote)
    if not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        return False
    x = float(value)
    candidates = [x]
    if field == "ci_level" and 0 < x < 1:
        candidates.append(round(x * 100, 10))  # a level is printed as a percent: "97.5% CI"
    return any(
        any(math.isclose(c, p, rel_tol=1e-9, abs_tol=1e-12) for p in printed) for c in candidates
    )


def check_quotes(*, text: str, entries: Sequence[QuoteEntry]) -> list[QuoteProblem]:
    """Problems with the quotes of a record against its source *text*.

    *entries* are ``(line, field, quote, numbers)``: the line of the quote in the record
    (or None), its field path (``outcomes[2].quote``), the quote, and the entry's numbers,
    as values or as ``(field, value)`` pairs (see :func:`entry_numbers`). Reported, as
    ``(line, field, message)``:

    * a quote that is not in the text (whitespace runs compared as one space);
    * a number of the entry that the quote does not print (digits or words; ``NR`` as
      "not reached"; a ``p`` of ``"<0.001"`` as 0.001; a ``ci_level`` of 0.95 as 95).

    A number field is named ``outcomes[2].percent`` when the pair gives its field, else the
    quote's field is named.
    """
    source = _collapse(text)
    problems: list[QuoteProblem] = []
    for line, field, quote, numbers in entries:
        if not isinstance(quote, str) or not quote.strip():
            problems.append((line, field, "quote is empty; copy the sentence from the source text"))
            continue
        if _collapse(quote) not in source:
            problems.append((line, field, _not_found(quote, source)))
        printed = set(iter_numbers(quote))
        base = field.rsplit(".", 1)[0] if field.endswith(".quote") else field
        for item in numbers:
            name, value = item if isinstance(item, tuple) and len(item) == 2 else ("", item)
            if value is None:
                continue
            if not _present(str(name), value, printed, quote):
                where = f"{base}.{name}" if name else field
                shown = value if not isinstance(value, float) else f"{value:g}"
                problems.append(
                    (
                        line,
                        where,
                        f'{shown} is not printed in the quote "{_short(quote)}"; quote the '
                        "sentence that gives it",
                    )
                )
    return problems


def _not_found(quote: str, source: str) -> str:
    """The message for a quote not in the source: how much of its start is there."""
    q = _collapse(quote)
    low, high = 0, len(q)
    while low < high:  # the longest prefix of the quote found in the source (binary search)
        mid = (low + high + 1) // 2
        if q[:mid] in source:
            low = mid
        else:
            high = mid - 1
    hint = ""
    if low >= 10:
        hint = f'; it agrees up to "{_short(q[max(0, low - 30) : low])}" and differs after'
    return f'quote is not in the source text: "{_short(quote)}"{hint}'
