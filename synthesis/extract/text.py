"""Text and sentences: the sentences of an abstract with their offsets, and printed numbers.

Every sentence keeps its offsets into the original string (``source[start:end] ==
text``), so that a quote is always an exact substring of the input. A "sentence" longer
than :data:`MAX_SENTENCE` characters (no real abstract has one: the longest of the 65
development abstracts has 516) is read in pieces cut at a clause or word boundary, so that
the work per sentence is bounded and the whole extraction is linear in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from synthesis.records.provenance import NUM, WORD_NUM, word_value  # noqa: F401 (re-exported)

MAX_SENTENCE = 1000  # characters; a longer run without a sentence end is read in pieces


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # == source[start:end]


@dataclass(frozen=True)
class Split:
    """The English sentences of a text and what was not read as one sentence."""

    sentences: list[Sentence]
    cjk_dropped: int  # sentences mostly in CJK script (a translation is not read twice)
    cut: int  # over-long runs without a sentence end, read in pieces


_CJK = re.compile(
    r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]"
)
_BOUNDARY = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z\[(\"'])|(?<=[。！？；])|\n+"
    r"|(?:(?<=[a-z]{3}\.)|(?<=\)\.))(?=[A-Z][a-z]{2})"  # "phase III study.Three hundred"
    r"|(?<=[a-z]{2}\.)\s+(?=\d{1,3}(?:,\d{3})?\s+[a-z])"  # "... therapy. 289 patients were"
)
_ABBREVIATIONS = frozenset(
    ("vs", "e.g", "i.e", "al", "fig", "figs", "no", "nos", "approx", "ca", "dr")
) | frozenset(("st", "mr", "ms", "et", "cf", "resp", "ref", "vol", "pp"))
# words a single capital letter names a thing after ("Arm B", "group A", "drug X")
_LETTER_NAMES = frozenset(("arm", "arms", "group", "groups", "cohort", "drug", "part", "stage"))
_LAST_WORD = re.compile(r"(\S{1,12})\.$")


def _cjk_share(text: str) -> float:
    cjk = len(_CJK.findall(text))
    letters = sum(1 for ch in text if ch.isalpha())
    return cjk / letters if letters else 0.0


def _abbreviation_before(text: str, end: int) -> bool:
    """Whether the period ending ``text[:end]`` closes an abbreviation ("vs.", "S.")."""
    window = text[max(0, end - 16) : end].rstrip()
    last = _LAST_WORD.search(window)
    if last is None:
        return False
    at = max(0, end - 16) + last.start()
    if at > 0 and not text[at - 1].isspace() and text[at - 1] not in "([":
        return False  # a longer word than the window shows: not an abbreviation
    word = last.group(1).lower().lstrip("([")
    if len(word) == 1 and "a" <= word <= "z":
        # an initial ("Yoon S. E."), not a name at a sentence's end ("drug Y. Patients")
        before = text[max(0, at - 30) : at].split()
        if before and before[-1].lower().strip("([") in _LETTER_NAMES:
            return False  # "randomized to Arm B. In evaluable patients": a group's letter
        return not before or not before[-1][:1].islower()
    return word in _ABBREVIATIONS


def _cut(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """``text[a:b]`` in pieces of at most MAX_SENTENCE characters, cut after "; ", ", " or " "."""
    out: list[tuple[int, int]] = []
    while b - a > MAX_SENTENCE:
        window = text[a + MAX_SENTENCE // 2 : a + MAX_SENTENCE]
        for sep in ("; ", ", ", " "):
            k = window.rfind(sep)
            if k >= 0:
                stop = a + MAX_SENTENCE // 2 + k + len(sep)
                break
        else:
            stop = a + MAX_SENTENCE
        out.append((a, stop))
        a = stop
    out.append((a, b))
    return out


def split_text(text: str) -> Split:
    """English sentences of *text* with offsets (see the module docstring)."""
    out: list[Sentence] = []
    dropped = cut = 0
    start = 0
    pieces: list[tuple[int, int]] = []
    for m in _BOUNDARY.finditer(text):
        end = m.start()
        if m.group(0).strip() == "" and "\n" not in m.group(0) and _abbreviation_before(text, end):
            continue  # "vs. 21.4%", "Yoon S. E."
        pieces.append((start, end))
        start = m.end()
    pieces.append((start, len(text)))
    for a0, b0 in pieces:
        parts = _cut(text, a0, b0)
        cut += len(parts) > 1
        for a, b in parts:
            chunk = text[a:b]
            lead = len(chunk) - len(chunk.lstrip())
            a, b = a + lead, a + len(chunk.rstrip())
            if a >= b:
                continue
            if _cjk_share(text[a:b]) > 0.2:
                dropped += 1
                continue
            out.append(Sentence(a, b, text[a:b]))
    return Split(out, dropped, cut)


def sentences(text: str) -> tuple[list[Sentence], int]:
    """English sentences of *text* with offsets, and how many CJK sentences were dropped."""
    split = split_text(text)
    return split.sentences, split.cjk_dropped


def short(text: str, limit: int = 160) -> str:
    """*text* on one line, cut to *limit* characters (for comments)."""
    t = " ".join(text[: limit * 4].split())
    return t if len(t) <= limit else t[: limit - 3] + "..."


# ---------------------------------------------------------------------------
# Printed numbers (digits and words in the one grammar of synthesis.records.provenance)

# a parenthesis with one level of nesting, "(60 mg/m(2) every 3 weeks)", of bounded length
PAREN = r"\((?:[^()]|\([^()]{0,40}\)){0,120}\)"
# "41,640"; "3 700 patients" (a space as thousands separator, only before a word)
INT = r"\d{1,3}(?:,\d{3})+|(?<![\d.,])\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?=\s+[^\W\d])|\d+"


def int_value(text: str) -> int | None:
    t = text.strip()
    if re.fullmatch(INT, t) or re.fullmatch(r"\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+", t):
        return int(re.sub(r"[,\s\u00a0\u2009\u202f]", "", t))
    return word_value(t)


def num_text(text: str) -> str:
    """A printed number as YAML number text: '0·65' -> '0.65', '.049' -> '0.049'."""
    t = text.strip().replace("·", ".")
    if t.startswith("."):
        t = "0" + t
    return t


def num_value(text: str) -> int | float:
    t = num_text(text)
    return int(t) if re.fullmatch(r"\d+", t) else float(t)


class Num(float):
    """A float that remembers its printed text (so 46.70 is written as 46.70)."""

    text: str

    def __new__(cls, printed: str) -> Num:
        obj = super().__new__(cls, float(num_text(printed)))
        obj.text = num_text(printed)
        return obj

    def __repr__(self) -> str:
        return self.text


def number(printed: str) -> int | Num:
    t = num_text(printed)
    return int(t) if re.fullmatch(r"\d+", t) else Num(printed)


PEOPLE = (
    r"(?:patients|cases|subjects|participants|adults|children|individuals|people|pts|men|women)"
)
NUMBER = rf"(?:{INT}|{WORD_NUM})"
