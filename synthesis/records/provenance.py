"""Provenance: a record's quotes checked against the text it was drawn from.

A record may name its source (``source_text: abstracts/yoon2025.txt``, relative to the
record's folder). ``synth validate`` (and only validate: pooling never reads a source
text) then checks, for every outcome entry with a ``quote``:

* the quote is verbatim in the text. Whitespace is compared as runs: a line break or a
  tab in the text matches a space in the quote (YAML folds long quotes onto several
  lines, and abstracts are wrapped), and leading or trailing spaces do not matter.
  Nothing else is loosened: a changed word, number, hyphen, dash, quote mark or
  decimal point is not verbatim.
* every number of the entry (``events``, ``total``, ``percent``, ``median``, the CI's
  bounds, ``hr``, ``p``, ``n``, ...) is printed in its quote, in digits or in words
  ("Forty-six" is 46; ``NR`` is "not reached"; a ``p`` of ``"<0.001"`` is 0.001; a
  ``ci_level`` of 0.975 is "97.5%"). A number the quote cannot show (a denominator
  stated in another sentence, a count derived from two printed ones) is accepted when
  the entry's ``note`` prints it, that is, when the record says where it comes from.

The source text is read as the extractor reads an abstract: a regular file of at most
:data:`MAX_BYTES` bytes, UTF-8 text without NUL bytes. Its path is relative to the
record's folder and may go up (``../abstracts/x.txt``); an absolute path is refused by
the schema, as it would break as soon as the review is moved or shared.

This module is pure and depends on nothing else of synth but :class:`Problem`: the
extractor (``synthesis.extract``) may use it, the records layer never imports the
extractor. The work is linear in the text and the record (bounded windows everywhere).
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from synthesis.errors import Problem, file_kind

MAX_BYTES = 1_000_000  # an abstract is a few kB; 1 MB leaves room for a long one with notes

# (line, field, quote, numbers): numbers are values, or (field, value) pairs
QuoteEntry = tuple[int | None, str, str, Sequence[Any]]
QuoteProblem = tuple[int | None, str, str]  # (line, field, message)

# ---------------------------------------------------------------------------
# Printed numbers: the one grammar of numbers in prose, for validate and for synth extract
# (synthesis.extract.text builds its patterns on NUM, WORD_NUM and word_value)

NUM = r"\d+(?:[.·]\d+)?"
_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_UNITS = {w: i for i, w in enumerate(_UNITS)}
_WORD_TENS = {w: 10 * (i + 2) for i, w in enumerate(_TENS)}
_BELOW_100 = (
    r"(?:(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(_UNITS[1:10]) + r"))?"
    r"|" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
)
# "Three hundred eighty-six", "One hundred and twelve", "forty-two", "seven"
# (the lookahead on the first letter lets the engine skip other words without trying them all)
WORD_NUM = (
    r"(?=[zotfsenZOTFSEN])(?:(?:" + "|".join(_UNITS[1:10]) + r")\s+hundred"
    r"(?:\s+(?:and\s+)?" + _BELOW_100 + r")?\b|" + _BELOW_100 + r")"
)
_NUMBER = re.compile(rf"(?<![\w.·])[.·]?{NUM}")
# "41,640", "3 700": thousands separators (comma, space, no-break and thin spaces)
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
_SHOWN = 60  # characters of a quote shown in a message
_PASSAGE = 100  # characters of the closest passage shown
_SHINGLE = 3  # words in a row that anchor the closest passage
_MAX_HITS = 20  # places one run of words is looked up at (bounds the work on repetitive text)


def word_value(text: str) -> int | None:
    """'Forty-six' -> 46, 'seven' -> 7, 'Three hundred eighty-six' -> 386; None otherwise."""
    words = [w for w in re.split(r"[- ]+", text.strip().lower()) if w and w != "and"]
    value = 0
    if len(words) >= 2 and words[1] == "hundred":
        if words[0] not in _WORD_UNITS or _WORD_UNITS[words[0]] == 0:
            return None
        value, words = 100 * _WORD_UNITS[words[0]], words[2:]
        if not words:
            return value
    if len(words) == 1:
        w = words[0]
        below = _WORD_UNITS.get(w, _WORD_TENS.get(w))
        return None if below is None else value + below
    if len(words) == 2 and words[0] in _WORD_TENS and words[1] in _WORD_UNITS:
        return value + _WORD_TENS[words[0]] + _WORD_UNITS[words[1]]
    return None


def iter_numbers(text: str) -> Iterator[float]:
    """Every number printed in *text*, in digits or in words ("Forty-six" -> 46), and
    with thousands separators ("41,640", "3 700") also as the one number they print."""
    for value, _at in _numbers_at(text):
        yield value


def _numbers_at(text: str) -> Iterator[tuple[float, int]]:
    """(value, offset) of every number printed in *text*: digits, grouped digits, words,
    decimal commas."""
    for m in _NUMBER.finditer(text):
        t = m.group(0).replace("·", ".")
        try:
            yield float("0" + t if t.startswith(".") else t), m.start()
        except ValueError:
            continue
    for m in _GROUPED.finditer(text):
        yield float(re.sub(r"\D", "", m.group(0))), m.start()
    for m in _WORD_NUMBER.finditer(text):
        value = word_value(m.group(0))
        if value is not None:
            yield float(value), m.start()
    for m in _DECIMAL_COMMA.finditer(text):
        yield float(m.group(0).replace(",", ".")), m.start()


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


def collapse(text: str) -> str:
    """*text* with every run of whitespace as one space, and no space at either end."""
    return " ".join(text.split())


def _short(text: str, limit: int = _SHOWN) -> str:
    flat = collapse(text[: limit * 8])
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _present(field: str, value: Any, printed: set[float], quote: str) -> bool:
    """Whether *value* (of *field*) is printed in the quote, whose numbers are *printed*."""
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in ("NR", "NE") or text.lower().startswith("not "):
            return _NR.search(quote) is not None
        text = text.lstrip("<>=≤≥ ").replace("·", ".")
        try:
            value = float(text)
        except ValueError:
            return collapse(value) in collapse(quote)
    if not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        return False
    x = float(value)
    candidates = [x]
    if field == "ci_level" and 0 < x < 1:
        candidates.append(round(x * 100, 10))  # a level is printed as a percent: "97.5% CI"
    return any(
        any(math.isclose(c, p, rel_tol=1e-9, abs_tol=1e-12) for p in printed) for c in candidates
    )


def check_quotes(
    *,
    text: str,
    entries: Sequence[QuoteEntry],
    source: str = "the source text",
    notes: Sequence[str | None] | None = None,
) -> list[QuoteProblem]:
    """Problems with the quotes of a record against its source *text*.

    *entries* are ``(line, field, quote, numbers)``: the line of the quote in the record
    (or None), its field path (``outcomes[2].quote``), the quote, and the entry's numbers,
    as values or as ``(field, value)`` pairs (see :func:`entry_numbers`). *notes*, if
    given, holds each entry's ``note``: a number printed there is accounted for. Reported,
    as ``(line, field, message)``, in the order of the entries:

    * a quote that is not in the text (whitespace runs compared as one space), with the
      closest passage of the text and the first word where they differ;
    * a number of the entry printed neither in its quote nor in its note.

    A number field is named ``outcomes[2].percent`` when the pair gives its field, else the
    quote's field is named. *source* names the text in messages.
    """
    flat = collapse(text)
    index = _Index(flat)
    places: dict[float, int] | None = None  # where the text prints each number (made once)
    problems: list[QuoteProblem] = []
    for i, (line, field, quote, numbers) in enumerate(entries):
        quote = "" if quote is None else str(quote)
        if not quote.strip():
            problems.append(
                (line, field, f"quote is empty; copy the sentence from {source} that gives it")
            )
            continue
        if collapse(quote) not in flat:
            problems.append((line, field, _not_found(quote, index, source)))
        printed = set(iter_numbers(quote))
        note = notes[i] if notes is not None and i < len(notes) else None
        noted = set(iter_numbers(str(note))) if note else set()
        base = field.rsplit(".", 1)[0] if field.endswith(".quote") else field
        for item in numbers:
            name, value = item if isinstance(item, tuple) and len(item) == 2 else ("", item)
            if value is None:
                continue
            if _present(str(name), value, printed, quote):
                continue
            if note and _present(str(name), value, noted, str(note)):
                continue
            where = f"{base}.{name}" if name else field
            shown = f"{value:g}" if isinstance(value, float) else value
            if places is None:
                places = {}
                for v, at in _numbers_at(text):
                    places.setdefault(v, at)
            problems.append((line, where, _not_printed(shown, value, quote, text, places, source)))
    return problems


def _window(text: str, a: int, b: int) -> str:
    """``text[a:b]`` cut to whole words, on one line, with "..." where it was cut."""
    a, b = max(0, a), min(len(text), b)
    if a > 0 and not text[a - 1].isspace():
        space = re.search(r"\s", text[a:b])
        a = a + space.end() if space else a
    if b < len(text) and not text[b].isspace():
        spaces = [m.start() for m in re.finditer(r"\s", text[a:b])]
        b = a + spaces[-1] if spaces else b
    shown = collapse(text[a:b])
    return ("..." if a > 0 else "") + shown + ("..." if b < len(text) else "")


def _not_printed(
    shown: Any, value: Any, quote: str, text: str, places: dict[float, int], source: str
) -> str:
    """The message for a number not in its quote: where the text prints it, if it does."""
    head = f'{shown} is not printed in the quote "{_short(quote)}"'
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().lstrip("<>=≤≥ ").replace("·", "."))
        except ValueError:
            number = None
    at = places.get(number) if number is not None and math.isfinite(number) else None
    if at is None and number is not None and math.isfinite(number):
        return (
            f"{head}, nor anywhere in {source}; check the number, or say in the entry's note "
            "where it comes from"
        )
    if at is None:
        return (
            f"{head}; quote the passage that gives it, or say in the entry's note where it "
            "comes from"
        )
    line = text.count("\n", 0, at) + 1
    around = _window(text, at - 40, at + 40)
    return (
        f'{head}; {source}:{line} prints it ("{around}"): quote that passage, or say in '
        "the entry's note where it comes from"
    )


# ---------------------------------------------------------------------------
# The closest passage: anchored on runs of words shared with the quote (linear)


class _Index:
    """The words of the (collapsed) source text, indexed on first use (most quotes are found)."""

    def __init__(self, flat: str) -> None:
        self.flat = flat
        self._spans: list[tuple[int, int]] | None = None
        self._words: list[str] = []
        self._grams: dict[int, dict[tuple[str, ...], list[int]]] = {}

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", self.flat)]
            self._words = [self.flat[a:b] for a, b in self._spans]
        return self._spans

    @property
    def words(self) -> list[str]:
        self.spans  # noqa: B018 (makes the words)
        return self._words

    def grams(self, size: int) -> dict[tuple[str, ...], list[int]]:
        """Where each run of *size* words starts (at most :data:`_MAX_HITS` places each)."""
        if size not in self._grams:
            out: dict[tuple[str, ...], list[int]] = {}
            words = self.words
            for i in range(len(words) - size + 1):
                places = out.setdefault(tuple(words[i : i + size]), [])
                if len(places) < _MAX_HITS:
                    places.append(i)
            self._grams[size] = out
        return self._grams[size]

    def closest(self, words: list[str]) -> int | None:
        """The word offset of the source at which *words* (a quote) fits best, or None.

        Every run of :data:`_SHINGLE` words of the quote that the text also holds votes for
        the alignment it implies (a lone word of four letters or more when no run is shared);
        the alignment with most votes wins, the first on a tie. The text is indexed once
        (linear), and each quote costs its length times at most :data:`_MAX_HITS`.
        """
        for size in (_SHINGLE, 1):
            if len(words) < size:
                continue
            grams = self.grams(size)
            votes: dict[int, int] = {}
            for j in range(len(words) - size + 1):
                key = tuple(words[j : j + size])
                if size == 1 and (len(key[0]) < 4 or not any(c.isalpha() for c in key[0])):
                    continue  # a lone short word or number anchors nothing
                for i in grams.get(key, ()):
                    votes[i - j] = votes.get(i - j, 0) + 1
            if votes:
                best = max(votes.values())
                return min(d for d, v in votes.items() if v == best)
        return None


def _not_found(quote: str, index: _Index, source: str) -> str:
    """The message for a quote not in the source: the closest passage and the difference."""
    head = f'quote is not in {source}: "{_short(quote)}"'
    words = collapse(quote).split(" ")
    at = index.closest(words)
    if at is None:
        return (
            f"{head}; no passage of the text shares a word of four letters or more with it "
            "(is source_text the right file?)"
        )
    lo = max(0, at)
    hi = min(len(index.words), at + len(words))
    if lo >= hi:
        return f"{head}; copy the passage from the text"
    passage_words = index.words[lo:hi]
    offset = lo - at  # quote words before the text's first word (a quote running off the start)
    diff = next(
        (
            k
            for k in range(len(words))
            if not 0 <= k - offset < len(passage_words) or words[k] != passage_words[k - offset]
        ),
        None,
    )
    a, b = index.spans[lo][0], index.spans[hi - 1][1]
    if diff is not None and 0 <= diff - offset < len(passage_words):
        k = lo + diff - offset
        theirs = _short(index.words[k], 30)
        # the passage around the first difference, cut to whole words
        start = max(a, index.spans[k][0] - _PASSAGE // 3)
        shown = _window(index.flat, start, min(b, start + _PASSAGE))
        return (
            f'{head}; the closest passage is "{shown}": the text has "{theirs}" where the '
            f'quote has "{_short(words[diff], 30)}"'
        )
    shown = _window(index.flat, max(a, b - _PASSAGE), b)
    if diff is not None and diff - offset >= len(passage_words):
        return (
            f'{head}; the closest passage is "{shown}", where the text ends and the quote goes '
            f'on with "{_short(words[diff], 30)}"'
        )
    if diff is not None:  # the quote starts before the text does
        return f'{head}; the closest passage is "{shown}", which the quote begins before'
    return f'{head}; the closest passage is "{shown}"'


# ---------------------------------------------------------------------------
# Reading a record's source text


def read_source(path: Path) -> tuple[str | None, str | None]:
    """(text, None) for a readable source text, else (None, what is wrong).

    Only a regular file is read (a FIFO would block, a device never end), at most
    :data:`MAX_BYTES` bytes of it, and only UTF-8 text without NUL bytes (a BOM is
    dropped).
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return None, "file not found"
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISDIR(st.st_mode):
        return None, "is a folder; give the text file the record was drawn from"
    if not stat.S_ISREG(st.st_mode):
        return None, f"is {file_kind(st.st_mode)}, not a file; give a plain text file"
    if st.st_size > MAX_BYTES:
        return None, _too_large(f"{st.st_size:,} bytes")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the check, open does not block
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return None, f"is {file_kind(mode)}, not a file; give a plain text file"
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return None, _too_large("the file")
    nul = data.find(b"\x00")
    if nul >= 0:
        return None, f"binary file (NUL byte at offset {nul}); give the source as plain UTF-8 text"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, (
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as "
            "UTF-8 text"
        )
    if not text.strip():
        return None, "file is empty; give the text the record was drawn from"
    return text, None


def _too_large(size: str) -> str:
    return (
        f"{size} is over the {MAX_BYTES:,}-byte (1 MB) limit for a source text; keep the "
        "abstract's text only"
    )


def check_source(
    *,
    record: Path,
    shown: str,
    written: str,
    line: int,
    entries: Sequence[tuple[int, Mapping[str, Any], Mapping[str, int], int]],
    cache: dict[Path, tuple[str | None, str | None]] | None = None,
) -> list[Problem]:
    """Every problem of one record's provenance, as ``FILE:LINE: FIELD: problem``.

    *record* is the record file, *shown* its name in messages, *written* the value of its
    ``source_text`` (at *line*), and *entries* its outcome entries as ``(index, values,
    lines, line)``. *cache* keeps texts read for other records in the same run.
    """
    path = record.parent / written
    key = Path(os.path.normpath(path))
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = read_source(path)
        if cache is not None:
            cache[key] = found
    text, error = found
    if text is None:
        where = Path(os.path.normpath(Path(shown).parent / written))
        return [Problem(shown, line, "source_text", f"{written}: {error} (looked for {where})")]
    quoted: list[QuoteEntry] = []
    notes: list[str | None] = []
    problems: list[Problem] = []
    for index, values, lines, entry_line in entries:
        if "quote" not in values or values["quote"] is None:
            problems.append(
                Problem(
                    shown,
                    entry_line,
                    f"outcomes[{index}]",
                    f"no quote, so its numbers are not checked against {written}; add the "
                    "passage they come from as 'quote:'",
                    "warning",
                )
            )
            continue
        quoted.append(
            (
                lines.get("quote", entry_line),
                f"outcomes[{index}].quote",
                str(values["quote"]),
                entry_numbers(values),
            )
        )
        note = values.get("note")
        notes.append(None if note is None else str(note))
    for q_line, field, message in check_quotes(
        text=text, entries=quoted, source=written, notes=notes
    ):
        problems.append(Problem(shown, q_line, field, message))
    return problems
