"""``synth extract``: draft a study record from the plain text of an abstract.

The promise is the opposite of a language model's: the draft may miss a number,
but every number it writes is in the text, and the outcome entry that holds it
carries a ``quote`` that is an exact substring of the input (kept as character
offsets into the original string, never into a normalised copy).

The pipeline is a series of small pure functions over the text:

1. :func:`sentences` splits the text into sentences with their offsets and drops
   the ones written mostly in CJK characters (the seed abstracts repeat their text
   in Chinese: a number must not be read twice because of that);
2. :func:`find_citation` reads the citation line (journal, year, volume, pages),
   the DOI and the PMID; :func:`find_cohort` the total cohort size;
3. per sentence, regular expressions find outcome terms (ORR, CR, OS, ...) and
   values (percent and/or events/total, medians with unit and CI, "not reached",
   hazard and odds ratios with CI and p), and attach values to terms by position;
   :func:`find_arms` reads the arms from the sentence that allocates patients to them
   ("randomized to A (n = 143) or B (n = 68)", "A (130), B (127), or C (129)", "150 and
   151 patients were assigned to A and B, respectively", "either A or B"); a value goes
   to an arm only when the text says which ("7.7 months in the A group", "with A versus
   ... with B", "for A and B, respectively", arms named in order before "x% vs y%");
   values of subgroups ("in patients with ...", "subset analysis"), of a change ("from
   72% to 93%") or of an arm that is not identified are listed as skipped;
4. a percent takes its ``total`` from the arm's n, or from the cohort's n when no other
   cohort size is stated, if that n reproduces it (the quote then runs from the sentence
   that states the n to the rate); a percent that no stated n reproduces is skipped;
5. conflicts (the same outcome, arm and timepoint twice) keep the first entry and
   list the other as a comment; several ratios for one outcome are kept (contrasts);
   a ratio between groups defined by a factor ("Patients with prior surgery had longer
   PFS (HR ...)") carries that phrase, verbatim, as its ``contrast``;
6. outcomes with no canonical name (VGPR, stable disease, "MRD-negative CR", ...) are
   recognised only so that their numbers go to no other outcome; the cohort ``n`` is left
   out when a sentence gives rival sizes, and a median's own "(n = X)", a size "in each
   arm" or a count of screened patients is never taken for it.

Whatever is doubtful is left out and listed in the draft as a ``# skipped:`` or
``# ambiguous:`` comment, so the reviewer sees it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from synthesis.errors import SynthError
from synthesis.records.schema import ID_PATTERN, WHOLE_COHORT

# ---------------------------------------------------------------------------
# Reading the input


def read_abstract(path: str | Path) -> str:
    """The text of an abstract file; a clear :class:`SynthError` for anything that is not text."""
    p = Path(path)
    if p.is_dir():
        raise SynthError(f"{p}: is a folder; give the abstract's text file")
    if not p.exists():
        raise SynthError(f"{p}: file not found")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise SynthError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise SynthError(
            f"{p}: binary file (NUL byte at offset {at}); give the abstract as plain UTF-8 text"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SynthError(
            f"{p}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the abstract as UTF-8 text"
        ) from None
    if not text.strip():
        raise SynthError(f"{p}: file is empty; expected the text of an abstract")
    return text


# ---------------------------------------------------------------------------
# Result types


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
class DraftArm:
    id: str
    label: str
    n: int | None
    quote: str
    span: tuple[int, int]


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
        return _render(self)


# ---------------------------------------------------------------------------
# Sentences


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # == source[start:end]


_CJK = re.compile(
    r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]"
)
_BOUNDARY = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z\[(\"'])|(?<=[。！？；])|\n+"
    r"|(?:(?<=[a-z]{3}\.)|(?<=\)\.))(?=[A-Z][a-z]{2})"  # "phase III study.Three hundred"
)
_ABBREVIATIONS = frozenset(
    [
        "vs",
        "e.g",
        "i.e",
        "al",
        "fig",
        "figs",
        "no",
        "nos",
        "approx",
        "ca",
        "dr",
        "st",
        "mr",
        "ms",
        "et",
        "cf",
        "resp",
        "ref",
        "vol",
        "pp",
    ]
)


def _cjk_share(text: str) -> float:
    cjk = len(_CJK.findall(text))
    letters = sum(1 for ch in text if ch.isalpha())
    return cjk / letters if letters else 0.0


def sentences(text: str) -> tuple[list[Sentence], int]:
    """English sentences of *text* with offsets, and how many CJK sentences were dropped."""
    out: list[Sentence] = []
    dropped = 0
    start = 0
    pieces: list[tuple[int, int]] = []
    for m in _BOUNDARY.finditer(text):
        end = m.start()
        before = text[start:end].rstrip()
        if m.group(0).strip() == "" and "\n" not in m.group(0):
            last = re.search(r"(\S+)\.$", before)
            word = last.group(1).lower().lstrip("([") if last else ""
            if word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word):
                continue  # "vs. 21.4%", "Yoon S. E."
        pieces.append((start, end))
        start = m.end()
    pieces.append((start, len(text)))
    for a, b in pieces:
        chunk = text[a:b]
        lead = len(chunk) - len(chunk.lstrip())
        a, b = a + lead, a + len(chunk.rstrip())
        if a >= b:
            continue
        if _cjk_share(text[a:b]) > 0.2:
            dropped += 1
            continue
        out.append(Sentence(a, b, text[a:b]))
    return out, dropped


# ---------------------------------------------------------------------------
# Numbers

NUM = r"\d+(?:[.·]\d+)?"
_PAREN = r"\((?:[^()]|\([^()]*\))*\)"  # one level of nesting: "(60 mg/m(2) every 3 weeks)"
_WORD_UNITS = {
    w: i
    for i, w in enumerate(
        [
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
    )
}
_WORD_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        [
            "twenty",
            "thirty",
            "forty",
            "fifty",
            "sixty",
            "seventy",
            "eighty",
            "ninety",
        ]
    )
}
_BELOW_100 = (
    r"(?:(?:" + "|".join(_WORD_TENS) + r")(?:[- ](?:" + "|".join(list(_WORD_UNITS)[1:10]) + r"))?"
    r"|" + "|".join(sorted(_WORD_UNITS, key=len, reverse=True)) + r")"
)
# "Three hundred eighty-six", "One hundred and twelve", "forty-two", "seven"
WORD_NUM = (
    r"(?:(?:" + "|".join(list(_WORD_UNITS)[1:10]) + r")\s+hundred"
    r"(?:\s+(?:and\s+)?" + _BELOW_100 + r")?\b|" + _BELOW_100 + r")"
)
INT = r"\d{1,3}(?:,\d{3})+|\d+"


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


def int_value(text: str) -> int | None:
    t = text.strip()
    if re.fullmatch(INT, t):
        return int(t.replace(",", ""))
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


# ---------------------------------------------------------------------------
# Citation


_CITATION = re.compile(
    r"(?m)^[ \t]*(?:\d+\.\s+)?(?P<journal>[A-Z][A-Za-z&.\-' ]{1,80}?)\.?\s+"
    r"(?P<year>(?:19|20)\d{2})(?:\s+[A-Z][a-z]{2}(?:\s+\d{1,2})?)?\s*;\s*"
    r"(?P<vol>\d+)(?:\s*\((?P<issue>[^)\n]{1,12})\))?(?:\s*:\s*(?P<pages>[A-Za-z]?\d+(?:[-–][A-Za-z]?\d+)?))?"
)
_DOI = re.compile(
    r"(?i)\b(?:doi:?\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/[^\s\"<>]+?)(?=[.,;]?(?:\s|$))"
)
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b")


@dataclass(frozen=True)
class Citation:
    text: str | None
    journal: str | None
    year: int | None
    doi: str | None
    pmid: str | None


def find_citation(text: str) -> Citation:
    m = _CITATION.search(text)
    doi = _DOI.search(text)
    pmid = _PMID.search(text)
    if m is None:
        return Citation(
            None, None, None, doi.group(1) if doi else None, pmid.group(1) if pmid else None
        )
    return Citation(
        text=text[m.start("journal") : m.end()].strip(),
        journal=m.group("journal").strip().rstrip("."),
        year=int(m.group("year")),
        doi=doi.group(1) if doi else None,
        pmid=pmid.group(1) if pmid else None,
    )


# ---------------------------------------------------------------------------
# Cohort size

_PEOPLE = r"(?:patients|cases|subjects|participants|adults|children|individuals|people|pts)"
_NUMBER = rf"(?:{INT}|{WORD_NUM})"
# words between a count and "patients": not a number, not "and"/"or" ("150 and 151 patients")
_FILLER = r"(?:(?!(?:and|or|to|of)\b)(?:[A-Za-z\u00c0-\u024f][\w/+-]*|\([A-Za-z][\w/+-]*\))\s+)"
_COHORT_PATTERNS = (
    # "analyzed 51 patients", "a retrospective study of 32 ALL cases", "a total of 120 patients"
    re.compile(
        rf"(?i)\b(?:total of|cohort of|series of|study of|analy[sz]ed|enrolled|included|"
        rf"reviewed|recruited|evaluated|identified|investigated|studied|data of|records of)"
        rf"\s+(?:the\s+)?(?:data\s+of\s+|records\s+of\s+)?(?P<n>{_NUMBER})\s+"
        rf"{_FILLER}{{0,4}}?{_PEOPLE}\b"
    ),
    # "seven patients with newly diagnosed ANKL were enrolled"
    re.compile(
        rf"(?i)(?<![\w/,])(?<!\d\.)(?P<n>{_NUMBER})\s+{_FILLER}{{0,3}}?{_PEOPLE}\b[^.;]{{0,120}}?"
        rf"\b(?:were|was)\s+(?:\w+\s+)?(?:enrolled|included|analy[sz]ed|treated|evaluated|"
        rf"identified|recruited|randomi[sz]ed|reviewed|studied|assigned|allocated)"
    ),
    # "patients with B-cell ALL treated with blinatumomab (n = 132)"
    re.compile(rf"(?i)\b{_PEOPLE}\b[^.;()]{{0,100}}?\(\s*[nN]\s*=\s*(?P<n>{INT})\s*\)"),
    # "One hundred sixteen patients received blinatumomab." (a sentence that opens with it)
    re.compile(rf"(?i)^(?P<n>{_NUMBER})\s+{_FILLER}{{0,3}}?{_PEOPLE}\s+(?:received|underwent)\b"),
)
_SUBSET_BEFORE = re.compile(r"(?i)\b(?:of the|among the|among|of these|of whom|of them|in)\s*$")
# "Of the 405 patients who were randomly assigned ..., 376 received": the sentence's frame
_SENTENCE_OF = re.compile(r"(?i)^\s*(?:[A-Z][a-z]+:\s*)?of\s+(?:the\s+)?$")


@dataclass(frozen=True)
class Cohort:
    n: int | None
    sentence: Sentence | None
    single: bool  # no other "N patients were ..." size in the text: a safe denominator
    ambiguous: Sentence | None = None  # a sentence with two rival cohort sizes


def find_cohort(sents: list[Sentence]) -> Cohort:
    """The total cohort: the first cohort phrase in text order."""
    found: list[tuple[int, int, Sentence, bool]] = []
    for s in sents:
        for pattern in _COHORT_PATTERNS:
            for m in pattern.finditer(s.text):
                prefix = s.text[: m.start("n")]
                frame = _SENTENCE_OF.match(prefix) is not None
                subset = re.search(rf"(?i)\b(?P<k>{_NUMBER})\s+of\s+(?:the\s+)?$", prefix)
                if pattern is not _COHORT_PATTERNS[1]:
                    subset = None
                if (re.search(r"(?i)\bscreened\b", m.group(0)) and subset is None) or re.match(
                    r"(?i)\s*(?:in|for|per)\s+(?:each|every|both)\b|\s*per\s+(?:arm|group|cohort)",
                    s.text[m.end() :],
                ):
                    continue  # "601 screened patients"; "35 patients were enrolled in each cohort"
                clause = re.split(r"[,;:]", s.text[: m.start()])[-1]
                if pattern is _COHORT_PATTERNS[2] and re.search(r"(?i)\bmedian\b", clause[-60:]):
                    continue  # "median OS of all relapsed patients (n = 228)": that median's n
                if (
                    _SUBSET_BEFORE.search(prefix)
                    and pattern is not _COHORT_PATTERNS[0]
                    and not frame
                ):
                    continue
                if (
                    pattern is _COHORT_PATTERNS[2]
                    and re.search(
                        r"(?i)\b(?:to|or|versus|vs\.?|aged?|older|younger)\b|\(",
                        m.group(0)[: m.start("n") - m.start()].rsplit("(", 1)[0],
                    )
                ) or (
                    re.search(
                        r"(?i)\b(?:of|among|in)\s+(?:these|those|the|them)\s*$",
                        s.text[: m.start()],
                    )
                    and not frame
                ):
                    continue  # "assigned to A (n = 60)", "patients aged 60 or older (n = 18)"
                if re.search(r"(?i)\b(?!(?:19|20)\d\d\b)\d+\s*(?:,|and|or)\s*$", prefix) or (
                    pattern is _COHORT_PATTERNS[1]
                    and re.search(
                        rf"(?i)\b(?:and|or)\s+{_NUMBER}\s", m.group(0)[m.end("n") - m.start() :]
                    )
                    and not _parts_of(m.group(0)[m.end("n") - m.start() :], int_value(m.group("n")))
                ):
                    continue  # "150 and 151 patients", "46 with AML and 26 with ALL": parts
                strong = pattern is not _COHORT_PATTERNS[2]
                value = int_value(m.group("n"))
                start = m.start("n")
                if subset is not None:
                    # "493 of 601 patients were randomized": the 493 were
                    value, start = int_value(subset.group("k")), subset.start("k")
                if value is None or value <= 0:
                    continue
                found.append((s.start + start, value, s, strong))
    if not found:
        return Cohort(None, None, False)
    found.sort(key=lambda t: t[0])
    pos, n, sent, _ = found[0]
    if _parallel_count(sent, pos - sent.start, n):
        return Cohort(None, None, False, sent)
    others = {v for _, v, _, strong in found[1:] if strong and v != n}
    return Cohort(n, sent, not others)


def _parts_of(text: str, n: int | None) -> bool:
    """ "44 patients, 10 from A and 34 from B, were enrolled": a breakdown that sums to n."""
    m = re.search(
        rf"(?i),\s*(?P<a>{_NUMBER})\s+[^,;\d]{{0,40}}?\band\s+(?P<b>{_NUMBER})\s+[^,;\d]*,", text
    )
    if m is None or n is None:
        return False
    a, b = int_value(m.group("a")), int_value(m.group("b"))
    return a is not None and b is not None and a + b == n


_LOOSE_COUNT = re.compile(
    rf"(?i)(?<![\w.,/(])(?P<n>{_NUMBER})\s+(?:[^\s,;.\d]+\s+){{0,6}}?{_PEOPLE}\b"
)


def _parallel_count(sent: Sentence, at: int, n: int) -> bool:
    """Another count of people beside the cohort's in its sentence, not a part of it.

    "A total of 264 patients received A, and a total of 187 patients received B": which,
    if either, is the cohort is not clear. A count introduced as a part ("of the 120
    patients, 100 ...", "46 with AML and 26 ...", a sentence framed "Of N patients") is not
    a rival.
    """
    if _SENTENCE_OF.match(sent.text[:at]):
        return False
    for m in _LOOSE_COUNT.finditer(sent.text):
        value = int_value(m.group("n"))
        if m.start("n") == at or value is None or value == n:
            continue
        before = sent.text[: m.start("n")]
        if re.search(r"(?i)\bscreened\s*$", before) or "screened" in m.group(0).lower():
            continue
        if re.match(rf"\s*\(\s*{NUM}\s?%", sent.text[m.end() :]):
            continue  # "24 patients (54%) were papillary type": a share of the cohort
        if re.search(
            r"(?i)(?:(?<!total )(?<!series )(?<!cohort )\bof|\bamong|\bin)\s+(?:the\s+)?$",
            before,
        ):
            continue
        return True
    return False


# ---------------------------------------------------------------------------
# Outcome terms


@dataclass(frozen=True)
class Term:
    name: str
    kind: str  # "binary" | "time"
    start: int
    end: int


_TERM_SPECS: tuple[tuple[str, str, str], ...] = (
    # (canonical name, kind, regex) - tried together, leftmost-longest wins
    (
        "CR/CRi",
        "binary",
        r"(?:CR\s*/\s*CRi|CR\s*(?:\+|plus)\s*CRi|CR\s+or\s+CRi|CRc\b|composite complete remission"
        r"|(?i:complete (?:remission|response))(?:\s*\(CR\))?"
        r"(?:\s*(?:/|\+)\s*|\s+(?:or|and|with or without|plus)\s+)"
        r"(?:CR|(?i:complete (?:remission|response)))\s+with\s+incomplete\s+"
        r"(?:hematologic\s+|haematologic\s+|blood\s+count\s+|count\s+)?recovery(?:\s*\(CRi\))?"
        r"(?:\s+rates?)?"
        r"|(?i:complete (?:remission|response) with (?:full,?\s+)?partial,?\s+or\s+"
        r"incom-?plete (?:hematologic |haematologic )?recovery))",
    ),
    (
        "CRi",
        "binary",
        r"(?:complete (?:remission|response) with incomplete "
        r"(?:hematologic |haematologic |blood count |count )?recovery|\bCRi\b)",
    ),
    (
        "CR",
        "binary",
        r"(?:(?i:complete (?:remission|response))(?:\s+rates?)?|\bCR1?\b(?:\s+rates?)?)",
    ),
    ("PR", "binary", r"(?:(?i:partial (?:remission|response))|\bPR\b)"),
    (
        "ORR",
        "binary",
        r"(?:(?i:(?:overall|objective|best overall|best) response(?:\s+rates?)?|response rates?)"
        r"|\bORR\b)",
    ),
    (
        "MRD-",
        "binary",
        r"(?:(?i:(?:MRD|(?:minimal|measurable) residual disease)[- ]negativ(?:e|ity)"
        r"(?:\s*\(MRD-?\))?(?:\s+(?:achievement\s+)?rates?)?|undetectable MRD|MRD negativity"
        r"|complete MRD response\b)|\buMRD\b)",
    ),
    # outcomes with no canonical name: a value next to them belongs to none of the above
    (
        "",
        "other",
        r"(?:(?i:MRD[- ]?(?:negative\s+)?(?:complete (?:remission|response)|CR\b)"
        r"|(?:complete (?:remission|response)|CR) with (?:MRD negativity|negative MRD"
        r"|undetectable MRD)|very good partial (?:remission|response)|minor response"
        r"|stable disease|disease control(?: rate)?|clinical benefit(?: rate)?"
        r"|(?:stringent|near|marrow) complete (?:remission|response)"
        r"|hematologic improvement)(?:\s+rates?)?|\b(?:VGPR|MR|SD|DCR|CBR|sCR|nCR|mCR|HI)\b)",
    ),
    ("NRM", "binary", r"(?:(?i:non[- ]relapse mortality)|\bNRM\b)"),
    ("Mortality", "binary", r"(?i:(?<!related )(?<!relapse )mortality)"),
    ("OS", "time", r"(?:(?i:overall survival)|\bOS\b)"),
    ("PFS", "time", r"(?:(?i:progression[- ]free survival)|\bPFS\b)"),
    ("EFS", "time", r"(?:(?i:event[- ]free survival)|\bEFS\b)"),
    ("DFS", "time", r"(?:(?i:disease[- ]free survival)|\bDFS\b)"),
    ("RFS", "time", r"(?:(?i:(?:relapse|recurrence)[- ]free survival)|\bRFS\b)"),
    ("LFS", "time", r"(?:(?i:leuka?emia[- ]free survival)|\bLFS\b)"),
    (
        "DOR",
        "time",
        r"(?:(?i:duration of (?:the )?(?:overall )?(?:response|remission|complete remission))"
        r"|(?i:duration of )(?:CR\s*(?:\+|/|or)\s*CRi|CR)\b|\bDo?R\b)",
    ),
    ("TTP", "time", r"(?:(?i:time[- ]to[- ]progression)|\bTTP\b)"),
    ("GRFS", "time", r"(?:(?i:GVHD[- ]free,?\s+relapse[- ]free survival)|\bGRFS\b)"),
    ("OS", "time", r"(?i:survival)"),
    ("OS", "death", r"(?i:\bdeath\b)"),
)
_TERMS = [(name, kind, re.compile(rx)) for name, kind, rx in _TERM_SPECS]


def find_terms(text: str) -> list[Term]:
    """Outcome terms in *text*, leftmost-longest, non-overlapping."""
    found: list[Term] = []
    for name, kind, rx in _TERMS:
        for m in rx.finditer(text):
            found.append(Term(name, kind, m.start(), m.end()))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[Term] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue
        out.append(t)
    # "complete response (CR)" / "overall response rate (ORR)": the abbreviation repeats the term
    merged: list[Term] = []
    for t in out:
        if (
            merged
            and t.name == merged[-1].name
            and re.fullmatch(r"\s*\(\s*", text[merged[-1].end : t.start])
        ):
            close = re.match(r"\s*\)", text[t.end :])
            end = t.end + (close.end() if close else 0)
            merged[-1] = Term(t.name, t.kind, merged[-1].start, end)
            continue
        merged.append(t)
    return merged


# ---------------------------------------------------------------------------
# Value patterns

_PCT = rf"(?P<pct>{NUM})\s?%"
_K = r"(?P<k>\d+)"
_N = r"(?P<n>\d+)"
_NOUN = r"(?:\s+(?:patients?|cases?|subjects?|participants?|evaluable|pts))?"
_BINARY_PATTERNS = (
    # "Eighty-eight (78%) of 113 evaluable patients"
    re.compile(
        rf"(?i)(?<![\d.])\b(?P<k>\d+|{WORD_NUM})\s*[(\[]\s*{_PCT}\s*[)\]]\s+(?:of|out of)\s+"
        rf"(?:the\s+)?(?P<n>\d+|{WORD_NUM})\b(?![.·]\d)"
    ),
    re.compile(rf"{_PCT}\s*[(\[]\s*{_K}\s*/\s*{_N}{_NOUN}\s*[)\];,]"),
    re.compile(rf"{_PCT}\s*[(\[]\s*{_K}\s+(?:of|out of)\s+{_N}{_NOUN}\s*[)\];,]"),
    re.compile(
        rf"(?<![\d/.])\b{_K}\s*/\s*{_N}(?![\d/]|[.·]\d)[^()\[\]]{{0,25}}?[(\[]\s*{_PCT}\s*[)\]]"
    ),
    re.compile(
        rf"(?<![\d.·])\b{_K}\s+(?:of|out of)\s+{_N}\b(?![.·]\d)"
        rf"(?:\s+\w+){{0,2}}?\s*[(\[]\s*{_PCT}\s*[)\]]"
    ),
    re.compile(
        rf"(?<![\d/.])\b{_K}\s*/\s*{_N}(?![\d/]|[.·]\d)(?!\s*(?:years|months|days|weeks|mg))"
    ),
    re.compile(
        rf"(?i)(?<![\d.])\b(?P<k>\d+|{WORD_NUM})\s+(?:of|out of)\s+(?:the\s+)?"
        rf"(?P<n>\d+|{WORD_NUM})\b(?![.·]\d)"
        rf"(?!\s*(?:years|months|days|weeks|mg))(?=\s+(?:evaluable\s+|treated\s+)?{_PEOPLE}|[\s),.;])"
    ),
    re.compile(
        rf"(?i)(?<![\d.,/])\b(?P<k>\d+|{WORD_NUM})\s*(?:patients?|cases?|pts)?\s*[(\[]\s*{_PCT}\s*[)\]]"
    ),
    re.compile(rf"(?<![\d.,/·])\b{_PCT}(?!\s*(?:CI\b|confidence|C\.I\.|of (?:the )?(?:CI)))"),
)


@dataclass(frozen=True)
class Value:
    """A value found in a sentence: binary (events/total/percent) or time (median)."""

    kind: str  # "binary" | "median"
    start: int
    end: int
    fields: tuple[tuple[str, Any], ...]


def find_binary_values(text: str) -> list[Value]:
    found: list[Value] = []
    taken: list[tuple[int, int]] = []
    for rx in _BINARY_PATTERNS:
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if _ci_level_at(text, m):
                continue
            g = m.groupdict()
            fields: list[tuple[str, Any]] = []
            k = int_value(g["k"]) if g.get("k") else None
            n = int_value(g["n"]) if g.get("n") else None
            if g.get("n") is not None and (n is None or k is None or n <= 0 or k > n):
                continue
            if k is not None:
                fields.append(("events", k))
            if n is not None:
                fields.append(("total", n))
            if g.get("pct"):
                pct = number(g["pct"])
                if float(pct) > 100:
                    continue
                fields.append(("percent", pct))
            taken.append((m.start(), m.end()))
            found.append(Value("binary", m.start(), m.end(), tuple(fields)))
    found.sort(key=lambda v: v.start)
    return found


def _ci_level_at(text: str, m: re.Match[str]) -> bool:
    """A percent that is a CI level ("95% CI") or part of a range/CI of percents."""
    after = text[m.end() : m.end() + 30]
    before = text[max(0, m.start() - 20) : m.start()]
    if re.match(r"\s*(?:CI\b|confidence|C\.I\.|credible|prediction)", after, re.I):
        return True
    if re.search(r"(?:CI|confidence interval|range|IQR)\s*[:=,]?\s*$", before, re.I):
        return True
    return bool(re.match(r"\s*(?:-|‐|‑|–|—|to)\s*\d", after))


# ---------------------------------------------------------------------------
# Medians

_UNIT = r"(?P<unit>days?|weeks?|months?|years?|mo|mos|wk|wks|yrs?)\b"
_UNIT_NAMES = {
    "day": "days",
    "week": "weeks",
    "month": "months",
    "year": "years",
    "mo": "months",
    "mos": "months",
    "wk": "weeks",
    "wks": "weeks",
    "yr": "years",
    "yrs": "years",
}
_NR = r"(?:not\s+(?:yet\s+)?(?:been\s+)?reached|\bNR\b)"
_CI_BODY = (
    rf"(?:(?P<lvl>\d+(?:\.\d+)?)\s?%\s*(?:CI|confidence\s+interval|C\.I\.)(?:\s*\[(?:\d+(?:\.\d+)?\s?%\s*)?CI\])?"
    rf"\s*[:=,]?\s*)(?P<lo>{NUM})\s*(?:-|‐|‑|–|—|−|to|,)\s*(?P<hi>{NUM}|{_NR})"
    rf"(?:\s*(?:months|weeks|days|years)\b)?"
)
_MEDIAN_VALUE = re.compile(
    rf"(?P<v>{NUM}|{_NR})(?:\s*[(\[]\s*{_CI_BODY}\s*[)\]])?(?:\s*{_UNIT})?"
    rf"(?:\s*[(\[;,]\s*{_CI_BODY.replace('?P<', '?P<b')}\s*[)\]]?)?"
)


def _unit(text: str | None) -> str | None:
    if text is None:
        return None
    t = text.lower()
    return _UNIT_NAMES.get(t, t if t in ("days", "weeks", "months", "years") else None)


# ---------------------------------------------------------------------------
# Ratios

_RATIO = re.compile(
    rf"(?P<kind>(?i:hazard\s+ratio|odds\s+ratio|relative\s+risk|risk\s+ratio)|\ba?HR\b|\ba?OR\b|\bRR\b)"
    rf"(?:\s*[(\[](?:a?HR|a?OR|RR)[)\]])?(?:\s+for\s+(?P<for>[^,;:()=\d]{{1,40}}?))?"
    rf"\s*(?:[:=,]|\bwas\b|\bof\b|\bis\b)?\s*(?P<v>{NUM})(?!\d|[.·]\d|%)"
    rf"(?:\s*[;,]?\s*[(\[]?\s*(?:{_CI_BODY}|(?P<ulo>{NUM})\s*(?:-|‐|‑|–|—|−|to|,)\s*(?P<uhi>{NUM}))"
    rf"(?!\d|[.·]\d|%))?"
    rf"(?:\s*[;,)\]]?\s*[;,]?\s*(?i:p)\s*(?:-?\s*value)?\s*(?P<op>=|<|>|≤|≥|<=|>=)\s*(?P<p>{NUM}|[.·]\d+))?"
)
_RATIO_KIND = {"hazard": "hr", "odds": "or", "relative": "rr", "risk": "rr"}


def _ratio_kind(text: str) -> str:
    t = text.lower().lstrip("a")
    if t.startswith("h"):
        return "hr"
    if t.startswith("o"):
        return "or"
    return "rr"


# ---------------------------------------------------------------------------
# Extraction


@dataclass
class _State:
    """Mutable accumulator used only inside :func:`extract`."""

    entries: list[DraftEntry] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _short(text: str, limit: int = 160) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 3] + "..."


_BASELINE = re.compile(r"(?i)\b(?:before|prior to|at diagnosis|at baseline|at enrol?lment)\b")
_TIMEPOINT = re.compile(
    r"^(?P<tp>(?:After|At|By|Following)\s+(?:the\s+)?(?:\w+[- ]){0,3}?"
    r"(?:cycles?|courses?|months?|weeks?|years?|days?|induction|consolidation)"
    r"(?:\s+of\s+(?:therapy|treatment|induction))?)\s*,"
)
_AFTER_VERB = re.compile(
    r"^\s*(?:of\s+(?:the\s+)?)?(?:(?:evaluable|treated|assessable)\s+)?(?:patients?|cases?|pts)?"
    r"\s*(?:\([^()\d]*\))?\s*[)\]]?\s*(?:with|achieved|achieving|"
    r"attained|attaining|had|reached|showed|obtained|experienced|were in)\b"
)
_GROUP_AFTER = re.compile(
    r"(?i)^\s*(?:of\s+(?:the\s+)?patients\s+)?(?:in|among|for)\s+(?:the\s+)?"
    r"(?:[\w+/-]+\s+){0,5}?(?:group|arm|cohort|subgroup)s?\b"
)
_SUBGROUP_AFTER = re.compile(
    r"(?i)^\s*(?:in|among)\s+(?:the\s+)?(?:patients|those)\s+"
    r"(?:with|who|receiving|treated|undergoing|aged|older|younger)\b"
)
_COMPARE = re.compile(r"^\s*(?:vs\.?|versus|v\.?(?=\s)|compared (?:with|to))\s*", re.I)


def _timepoint(sent: Sentence) -> str | None:
    m = _TIMEPOINT.match(sent.text)
    return m.group("tp") if m else None


def _entry(
    name: str,
    fields: list[tuple[str, Any]],
    sent: Sentence,
    *,
    arm: str | None = None,
    timepoint: str | None = None,
    note: str | None = None,
    todo: str | None = None,
) -> DraftEntry:
    return DraftEntry(
        name=name,
        fields=tuple(fields),
        quote=sent.text,
        span=(sent.start, sent.end),
        arm=arm,
        timepoint=timepoint,
        note=note,
        todo=todo,
    )


def _binary_entries(
    sent: Sentence, terms: list[Term], values: list[Value], state: _State, arms: list[DraftArm]
) -> None:
    text = sent.text
    bterms = [t for t in terms if t.kind == "binary"]
    if not bterms or not values:
        return
    if _BASELINE.search(text):
        for v in values:
            state.comments.append(
                f'skipped (baseline?): "{_short(text[v.start : v.end])}" in "{_short(text)}"'
            )
        return
    if _SUBGROUP_SENTENCE.search(text[: values[0].start]):
        state.comments.append(f'skipped (subgroup): "{_short(text)}"')
        return
    group = _group_frame(text)
    if group is None or group.end() > values[0].start:
        group = _GROUP_BEFORE.search(text[: values[0].start])
    sentence_arm: DraftArm | None = None
    if group is not None:
        sentence_arm = arm_of(group.group("g"), arms)
        if sentence_arm is None:
            state.comments.append(
                f'skipped (values of a group that is not an identified arm, "{group.group(0)}"): '
                f'"{_short(text)}"'
            )
            return
    tp = _timepoint(sent)
    used: set[int] = set()
    last_pair: tuple[Term, int] | None = None
    i = 0
    while i < len(values):
        v = values[i]
        after = text[v.end :]
        # "from 72% to 93%": a change, not a rate of one group
        if re.search(r"(?i)\bfrom\s*$", text[: v.start]) or (
            i > 0 and re.fullmatch(r"(?i)\s*to\s*", text[values[i - 1].end : v.start])
        ):
            state.comments.append(f'skipped (a change "from ... to ..."): "{_short(text)}"')
            i += 1
            continue
        # a survival term between the outcome and the value: "MRD negativity (DFS, 92%)"
        prior = [t for t in terms if t.end <= v.start]
        if prior and prior[-1].kind != "binary":
            i += 1
            continue
        # value followed by "with CR" / "achieved CR": that term or nothing
        verb = _AFTER_VERB.match(after)
        if verb and re.match(r"\s*of\b", after) and re.search(r"(?:with|had)$", verb.group(0)):
            verb = None  # "60% of patients with CR": a population, not the outcome
        if verb:
            rest = verb.end()
            nxt = next((t for t in bterms if t.start >= v.end), None)
            if nxt is not None and re.fullmatch(
                r"\s*(?:an?\s+|the\s+)?", text[v.end + rest : nxt.start]
            ):
                _add_binary(nxt.name, v, sent, state, _timepoint_of(text, nxt) or tp)
                used.add(bterms.index(nxt))
                i += 1
                continue
            if "total" not in dict(v.fields):
                i += 1
                continue
        # "60% in the A group": the arm if it is one, else a subgroup
        group = _GROUP_AFTER.match(after)
        if group or (_SUBGROUP_AFTER.match(after) and "total" not in dict(v.fields)):
            arm = arm_of(group.group(0), arms) if group else None
            term = _preceding(bterms, v.start, text, used)
            if arm is not None and term is not None:
                _add_binary(term.name, v, sent, state, _timepoint_of(text, term) or tp, arm=arm.id)
            else:
                shown = _short(text[v.start : v.end + 60])
                state.comments.append(f'skipped (subgroup): "{shown}" in "{_short(text)}"')
            i += 1
            continue
        # comparison "A% vs. B%", or "A% and B% for X and Y, respectively"
        listed = _value_list(values, i, text) if i + 1 < len(values) else [v]
        compare = i + 1 < len(values) and _COMPARE.fullmatch(text[v.end : values[i + 1].start])
        tail = _TRAILING_ARMS.match(text, listed[-1].end) if len(listed) > 1 else None
        by_arm = tail is not None and tail.group("t1") is not None
        if compare or by_arm:
            pair = [v, values[i + 1]] if compare else listed
            term = _preceding(bterms, v.start, text, used)
            if (
                term is None
                and last_pair is not None
                and not any(last_pair[1] <= t.start < v.start for t in terms)
            ):
                term = last_pair[0]  # "higher with A than with B (x vs y) or with C (x vs z)"
            order: list[DraftArm] | None = None
            if by_arm and tail is not None and len(pair) == 2:
                a1, a2 = arm_of(tail.group("t1"), arms), arm_of(tail.group("t2"), arms)
                if a1 is not None and a2 is None and len(arms) == 2:
                    a2 = next(a for a in arms if a != a1)  # "for A plus X and X alone"
                order = [a1, a2] if a1 and a2 and a1 != a2 else None
            elif compare:
                order = _arm_order(text[: v.start], 2, arms)
            if term is None or order is None:
                state.comments.append(
                    "skipped (two-arm comparison, arms not identified): "
                    f'"{_short(text[v.start : pair[-1].end])}" in "{_short(text)}"'
                )
            else:
                for arm, val in zip(order, pair, strict=True):
                    _add_binary(
                        term.name, val, sent, state, _timepoint_of(text, term) or tp, arm=arm.id
                    )
            if term is not None:
                last_pair = (term, pair[-1].end)
            i += len(pair)
            continue
        # "ORR and CR rates were 80% and 50%, respectively"
        run = _term_run(bterms, v.start, text, used)
        if len(run) > 1:
            listed = _value_list(values, i, text)
            if (
                len(listed) == len(run)
                and "respectively" in text[values[i + len(listed) - 1].end :]
            ):
                for term, val in zip(run, listed, strict=True):
                    _add_binary(term.name, val, sent, state, tp)
                    used.add(bterms.index(term))
            else:
                state.comments.append(
                    "ambiguous (several outcomes for these numbers): "
                    f'"{_short(text[run[0].start : listed[-1].end])}"'
                )
            i += len(listed)
            continue
        if len(run) == 1:
            listed = _value_list(values, i, text)
            if len(listed) > 1:
                # "The ORR of A and B were 67.8% and 55.6%": one outcome, several groups
                state.comments.append(
                    "skipped (several values for one outcome, groups not identified): "
                    f'"{_short(text[run[0].start : listed[-1].end])}"'
                )
                i += len(listed)
                continue
            arm_id = sentence_arm.id if sentence_arm is not None else None
            _add_binary(run[0].name, v, sent, state, tp, arm=arm_id)
            used.add(bterms.index(run[0]))
        i += 1


_POPULATION_BEFORE = re.compile(
    r"(?i)\b(?:patients|those|subjects|participants)\s+(?:who|that)\s+(?:\w+\s+){1,2}"
    r"(?:an?\s+|the\s+)?$"
)
# "in the 2-mg cohort", "In the 4-mg cohort,": the group a sentence's values belong to
_GROUP_BEFORE = re.compile(
    r"(?i)\b(?:in|among|for)\s+(?:the\s+)?(?P<g>(?:(?!(?:each|both|all|two|three|either|"
    r"the|this|our|whole|entire|overall|total|study|same|other)\b)[\w+/-]+\s+){1,4}?)"
    r"(?:cohort|arm|group)s?\b"
)


# "Among 36 patients on the 1000 mg arm, ...", "In patients receiving A, ...": the sentence
# is about one group's members (an arm if it names one, else a subpopulation)
_GROUP_MEMBERS = re.compile(
    rf"(?i)^\s*(?:[A-Z][a-z]+:\s*)?(?:in|among|of)\s+(?:the\s+)?(?:{_NUMBER}\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:patients|subjects|participants|pts)\s+(?:on|in|receiving|given|"
    r"treated\s+(?:on|in|with)|assigned\s+to|randomi[sz]ed\s+to)\s+(?:the\s+)?"
    r"(?P<g>[^,;()]{1,40}?)(?:\s+(?:cohort|arm|group)s?)?\s*,"
)
# "In the 4-mg cohort, ...": a sentence that opens with its group
_GROUP_OPENING = re.compile(
    r"(?i)^\s*(?:[A-Z][a-z]+:\s*)?" + _GROUP_BEFORE.pattern.removeprefix("(?i)") + r"\s*,"
)


def _group_frame(text: str) -> re.Match[str] | None:
    """The group a sentence opens with ("Among 36 patients on the A arm, ..."), if any."""
    return _GROUP_MEMBERS.match(text) or _GROUP_OPENING.match(text)


def _timepoint_of(text: str, term: Term) -> str | None:
    """ "the post-ASCT CR rate": a timepoint written as a prefix of the outcome."""
    m = re.search(r"(?i)\b((?:post|pre)[-\u2013]?\s?[A-Za-z]+)\s+$", text[: term.start])
    return m.group(1) if m else None


def _preceding(terms: list[Term], pos: int, text: str, used: set[int]) -> Term | None:
    run = _term_run(terms, pos, text, used)
    return run[0] if len(run) == 1 else None


def _term_run(terms: list[Term], pos: int, text: str, used: set[int]) -> list[Term]:
    """Unused terms before *pos* that no other value separates from it (within 90 chars)."""
    before = [(i, t) for i, t in enumerate(terms) if t.end <= pos and i not in used]
    if not before:
        return []
    _, last = before[-1]
    if _POPULATION_BEFORE.search(text[: last.start]):
        return []  # "Of the 34 patients who obtained CR, 16 (47%) remain ...": a population
    gap = text[last.end : pos]
    if len(gap) > 90 or re.search(r"\d", re.sub(r"\([A-Za-z/+ ]*\)", "", gap)):
        return []
    run = [last]
    for j in range(len(before) - 2, -1, -1):
        _, t = before[j]
        between = text[t.end : run[0].start]
        if re.fullmatch(r"\s*(?:,|and|,\s*and|&)\s*(?:the\s+)?", between):
            run.insert(0, t)
        else:
            break
    return run


def _value_list(values: list[Value], i: int, text: str) -> list[Value]:
    out = [values[i]]
    j = i + 1
    while j < len(values) and re.fullmatch(
        r"\s*(?:,|and|,\s*and)\s*", text[values[j - 1].end : values[j].start]
    ):
        out.append(values[j])
        j += 1
    return out


_LANDMARK_OUTCOMES = frozenset({"Mortality", "NRM"})
_DURATION = rf"(?:{_NUMBER}|\d+(?:\.\d+)?)[-\s‐‑–]?(?:days?|weeks?|months?|years?|d|wk|mo|yr)\b"
# "4-week mortality", "induction (8-week) mortality", "60 day NRM"
_LANDMARK_BEFORE = re.compile(rf"(?i)(?:\b{_DURATION}|\(\s*{_DURATION}\s*\))\s*$")
# "mortality ... at 60 days", "(10% vs 13% at 60 days)", "within 30 days", "by day 100"
_LANDMARK_AFTER = re.compile(rf"(?i)\b(?:at|by|within)\s+(?:{_DURATION}|day\s+\d+\b)")


def _landmark(text: str, name: str, v: Value) -> bool:
    """A rate at a fixed time ("4-week mortality was 26%"): a landmark, not a proportion."""
    terms = find_terms(text)
    before = [t for t in terms if t.name == name and t.end <= v.start]
    if not before:
        return False
    term = before[-1]
    if _LANDMARK_BEFORE.search(text, 0, term.start):
        return True
    later = [t.start for t in terms if t.start >= v.end]
    stop = min([len(text), *later, *(i for i in (text.find(";", v.end),) if i >= 0)])
    return _LANDMARK_AFTER.search(text, term.end, stop) is not None


def _add_binary(
    name: str,
    v: Value,
    sent: Sentence,
    state: _State,
    timepoint: str | None,
    *,
    arm: str | None = None,
) -> None:
    if name in _LANDMARK_OUTCOMES and _landmark(sent.text, name, v):
        shown = _short(sent.text[v.start : v.end])
        state.comments.append(
            f'skipped (a landmark rate, {name} at a fixed time): "{shown}" in "{_short(sent.text)}"'
        )
        return
    fields = list(v.fields)
    d = dict(fields)
    note = None
    if "percent" in d and "total" in d:
        from synthesis.records.normalize import events_from_percent, printed_decimals

        pct = d["percent"]
        decimals = printed_decimals(getattr(pct, "text", str(pct)), float(pct))
        if d["events"] not in events_from_percent(float(pct), d["total"], decimals):
            note = (
                f"printed {_printed(pct)}% does not fit {d['events']}/{d['total']} "
                f"({100 * d['events'] / d['total']:.1f}%); events and total left out"
            )
            fields = [("percent", pct)]
    state.entries.append(_entry(name, fields, sent, arm=arm, timepoint=timepoint, note=note))


def _printed(value: Any) -> str:
    return value.text if isinstance(value, Num) else str(value)


_ARM_REF = r"[A-Za-z][\w/+-]*(?:\s+(?:plus\s+|\+\s+)?[A-Za-z][\w/+-]*){0,2}?"
_MEDIAN_GAP = re.compile(
    r"(?:\s*\([A-Za-z/+ ]+\))?(?:\s+time\b)?(?:\s*\((?=\s*\d))?"
    r"(?:\s*\((?:all|whole|entire)\s+(?:patients|cohort|population)\))?"
    r"(?:\s+from\s+(?:the\s+)?(?:relapse|diagnosis|randomi[sz]ation|enrol?ment|transplant\w*|"
    r"registration|treatment\s+start|start\s+of\s+treatment))?"
    rf"(?:\s+for\s+(?:the\s+)?(?P<pre1>{_ARM_REF})\s+(?:versus|vs\.?|v\.?|compared\s+with)\s+"
    rf"(?:the\s+)?(?P<pre2>{_ARM_REF})(?:\s+(?:arms?|groups?))?)?"
    r"(?:\s+for\s+(?:all\s+)?(?:the\s+)?(?:whole\s+|entire\s+)?(?:cohort|patients|population))?"
    r"\s*(?:[:=,]|\bwas\b|\bwere\b|\bof\b|\bis\b|\bare\b|\bhas\b|\bhave\b|\breached\b)?"
    r"(?:\s*(?:been|not been)\b)?"
    rf"(?:\s*(?:significantly\s+)?(?:longer|shorter|better|worse|improved|superior|inferior)\s+"
    rf"(?:with|in|for)\s+(?:the\s+)?(?P<sub>{_ARM_REF})(?:\s+(?:arm|group))?\s*\()?\s*"
)
_VALUE_LABEL = re.compile(
    rf"\s+(?:with|in|for)\s+(?:the\s+)?(?P<lab>{_ARM_REF})(?:\s+(?:arm|group|cohort))?"
    r"(?=\s*(?:[,;().]|$|\s+(?:vs\.?|versus|v\.?|and|compared)\s))"
)
_VALUE_SEP = re.compile(
    r"\s*(?:,\s*and|,|and(?:\s+(?:was|were)\b)?|vs\.?|versus|v\.?(?=\s)|compared with)\s*"
)
_TRAILING_ARMS = re.compile(
    rf"(?:\s*{_PAREN})?\s*,?\s*(?:(?P<each>(?:for|in)\s+(?:each|both)\s+(?:arms?|groups?))"
    rf"|(?:for|in|with)\s+(?:the\s+)?(?P<t1>{_ARM_REF})\s+(?:and|vs\.?|versus|v\.?)\s+(?:the\s+)?"
    rf"(?P<t2>{_ARM_REF})(?:\s+(?:arms?|groups?))?)?"
)
_UNLABELLED_CI = re.compile(rf"\s*\(\s*(?P<lo>{NUM})\s*(?:-|‐|‑|–|—|−|to)\s*(?P<hi>{NUM})\s*\)")
_SUBGROUP_SENTENCE = re.compile(
    r"(?i)\b(?:subgroups?|subsets?|subset\s+analysis|subgroup\s+analysis)\b"
    r"|\b(?:in|among|for)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:patients|those)\s+"
    r"(?:with|who|presenting|aged|older|younger|harbou?ring|having)\b"
    r"|^(?:patients|those)\s+(?:with|who|aged|older|younger)\b"
    # "Excluding patients with favorable karyotypes, the CR rate was 45%": a subpopulation
    r"|\b(?:excluding|except(?:\s+for)?|apart\s+from|other\s+than)\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:patients|those|cases|subjects)\b"
)


def arm_of(ref: str, arms: list[DraftArm]) -> DraftArm | None:
    """The arm a phrase names: most label words in common, and no tie."""
    words = set(re.findall(r"[a-z][a-z0-9]*", ref.lower()))
    scored = sorted(((len(arm_keys(a.label) & words), i) for i, a in enumerate(arms)), reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return arms[scored[0][1]]


def _mentions(text: str, arms: list[DraftArm]) -> list[DraftArm]:
    """Arms named in *text*, in order of first mention."""
    out: list[DraftArm] = []
    for chunk in re.split(
        r"(?i)[,;()\[\]]|\b(?:than|vs\.?|versus|v\.|and|or|with|in|for|compared)\b", text
    ):
        arm = arm_of(chunk, arms)
        if arm is not None and arm not in out:
            out.append(arm)
    return out


def _arm_order(before: str, count: int, arms: list[DraftArm]) -> list[DraftArm] | None:
    """The arms of *count* unlabelled values ("46.7% vs. 21.4%"), from the arms named before.

    All arms named in order: that order; a pair among three arms: the first and the last
    named ("higher with A than with B (x vs y) or with C (x vs z)"); only the first defined
    arm named, or none named when the arms were defined with their sizes: definition order.
    Anything else (only the second arm named, say) is unclear and gives None.
    """
    if len(arms) < 2 or count < 2 or count > len(arms):
        return None
    named = _mentions(before, arms)
    if count == len(arms) and len(named) == len(arms):
        return named
    if count == 2 and len(named) >= 2:
        return [named[0], named[-1]]
    if count == len(arms) and named == [arms[0]]:
        return list(arms)
    if count == len(arms) and not named and all(a.n for a in arms):
        return list(arms)
    return None


def _median_entries(sent: Sentence, terms: list[Term], state: _State, arms: list[DraftArm]) -> None:
    text = sent.text
    tterms = [t for t in terms if t.kind == "time"]
    for m in re.finditer(r"(?i)\bmedian\b", text):
        # the run of time terms right after "median" (a few words allowed in between)
        first = next((t for t in tterms if t.start >= m.end()), None)
        if first is not None and re.fullmatch(
            r"(?:\s+[A-Za-z-]+){0,2}?\s+", text[m.end() : first.start]
        ):
            run = [first]
            for t in tterms:
                if t.start > run[-1].end and re.fullmatch(
                    r"\s*(?:,|and|or|,\s*and|&)\s*(?:the\s+)?(?:median\s+)?",
                    text[run[-1].end : t.start],
                ):
                    run.append(t)
            after = run[-1].end
        else:
            # "PFS ... (median of 28 v 35 months)", "... and median duration of 39.4 months":
            # the one survival outcome the sentence names
            lead = re.match(r"\s+(?:duration\s+)?of\b", text[m.end() :])
            names = {t.name for t in tterms if t.end <= m.start()}
            if lead is None or len(names) != 1 or len({t.name for t in tterms}) != 1:
                continue
            run = [next(t for t in tterms if t.end <= m.start())]
            after = m.end() + lead.end()
        if _SUBGROUP_SENTENCE.search(text[: m.start()]):
            state.comments.append(f'skipped (subgroup): "{_short(text)}"')
            continue
        frame = _group_frame(text)
        frame_arm: DraftArm | None = None
        if frame is not None and frame.end() <= m.start():
            frame_arm = arm_of(frame.group("g"), arms)
            if frame_arm is None:
                # "Among 36 patients on the 1000 mg arm, median PFS was ...": not the cohort's
                state.comments.append(
                    f"skipped (median of a group that is not an identified arm, "
                    f'"{_short(frame.group(0))}"): "{_short(text)}"'
                )
                continue
        gap = _MEDIAN_GAP.match(text, after)
        pos = gap.end() if gap else after
        vals: list[re.Match[str]] = []
        labels: list[str | None] = []
        extra_ci: list[tuple[str, str] | None] = []
        seps: list[str] = []
        while True:
            vm = _MEDIAN_VALUE.match(text, pos)
            if vm is None or vm.end() == vm.start():
                break
            vals.append(vm)
            end = vm.end()
            ci = None
            unl = _UNLABELLED_CI.match(text, end)
            if unl and any(v.group("lvl") or v.group("blvl") for v in vals[:-1]):
                ci = (unl.group("lo"), unl.group("hi"))  # "versus 5.4 months (4.5-6.8)"
                end = unl.end()
            elif not (vm.group("lo") or vm.group("blo")):
                skip = re.match(rf"\s*{_PAREN}", text[end:])
                if skip and not re.search(r"(?i)\b(?:HR|OR|ratio)\b", skip.group(0)):
                    end += skip.end()  # a CI the pattern cannot read: left out
            extra_ci.append(ci)
            lab = _VALUE_LABEL.match(text, end)
            labels.append(lab.group("lab") if lab else None)
            if lab:
                end = lab.end()
            sep = _VALUE_SEP.match(text, end)
            if sep is None or not _MEDIAN_VALUE.match(text, sep.end()):
                pos = end
                break
            seps.append(sep.group(0).strip())
            pos = sep.end()
        if not vals:
            continue
        unit = next((_unit(v.group("unit")) for v in reversed(vals) if v.group("unit")), None)
        is_nr = [re.fullmatch(_NR, v.group("v")) is not None for v in vals]
        if unit is None and not all(is_nr):
            state.comments.append(f'skipped (median without a unit): "{_short(text)}"')
            continue
        tp = _timepoint(sent)
        trailing = _TRAILING_ARMS.match(text, pos)
        shown = _short(text[vals[0].start() : vals[-1].end()])
        if frame_arm is not None and (any(labels) or len(vals) != len(run)):
            state.comments.append(
                f'skipped (medians in a sentence about one group): "{shown}" in "{_short(text)}"'
            )
            continue
        # which arm each value belongs to
        targets: list[DraftArm] | None = None
        if any(labels):
            targets = []
            for lab in labels:
                arm = arm_of(lab, arms) if lab else None
                if arm is None or arm in targets:
                    targets = None
                    break
                targets.append(arm)
            if targets is None:
                state.comments.append(
                    f'skipped (median for a group that is not an arm): "{shown}" in '
                    f'"{_short(text)}"'
                )
                continue
        elif trailing and trailing.group("each") and len(vals) == 1 and arms and frame_arm is None:
            targets = [arms[0]] * 0 + list(arms)
            for arm in targets:
                _add_median(run[0].name, vals[0], unit, sent, state, tp, arm=arm.id)
            continue
        elif len(vals) > 1 and len(run) == 1:
            order: list[DraftArm] | None = None
            if trailing and trailing.group("t1"):
                a1, a2 = arm_of(trailing.group("t1"), arms), arm_of(trailing.group("t2"), arms)
                order = [a1, a2] if a1 and a2 and a1 != a2 and len(vals) == 2 else None
            elif gap and gap.group("pre1"):
                a1, a2 = arm_of(gap.group("pre1"), arms), arm_of(gap.group("pre2"), arms)
                order = [a1, a2] if a1 and a2 and a1 != a2 and len(vals) == 2 else None
            else:
                order = _arm_order(text[: vals[0].start()], len(vals), arms)
            if order is None:
                state.comments.append(
                    f'skipped (two-arm comparison, arms not identified): "{shown}" in '
                    f'"{_short(text)}"'
                )
                continue
            targets = order
        if targets is not None:
            for arm, vm, ci in zip(targets, vals, extra_ci, strict=True):
                _add_median(run[0].name, vm, unit, sent, state, tp, arm=arm.id, extra_ci=ci)
            continue
        if (trailing and (trailing.group("t1") or trailing.group("each"))) or (
            gap and (gap.group("pre1") or gap.group("sub"))
        ):
            state.comments.append(f'skipped (median for a group): "{shown}" in "{_short(text)}"')
            continue
        if len(run) == len(vals):
            pairs = list(zip(run, vals, strict=True))
        elif len(vals) == 1 and all(is_nr):
            pairs = [(t, vals[0]) for t in run]
        else:
            state.comments.append(
                f'ambiguous (medians do not pair with outcomes): "{_short(text)}"'
            )
            continue
        if len(pairs) > 1 and len(vals) > 1 and "respectively" not in text[vals[-1].end() :]:
            state.comments.append(f'ambiguous (medians without "respectively"): "{_short(text)}"')
            continue
        if any(s.lower().startswith(("v", "compared")) for s in seps):
            continue
        arm_id = frame_arm.id if frame_arm is not None else None
        for term, vm in pairs:
            _add_median(term.name, vm, unit, sent, state, tp, arm=arm_id, single_ci=len(vals) == 1)
    # "not reached" left over in a sentence about survival: say so
    if (
        tterms
        and re.search(r"(?i)not\s+(?:yet\s+)?reached", text)
        and not any(e.quote == text and e.get("median") == "NR" for e in state.entries)
    ):
        state.comments.append(f'skipped ("not reached" for a subgroup?): "{_short(text)}"')


def _add_median(
    name: str,
    vm: re.Match[str],
    unit: str | None,
    sent: Sentence,
    state: _State,
    timepoint: str | None,
    *,
    arm: str | None = None,
    single_ci: bool = True,
    extra_ci: tuple[str, str] | None = None,
) -> None:
    raw = vm.group("v")
    median: Any = "NR" if re.fullmatch(_NR, raw) else number(raw)
    fields: list[tuple[str, Any]] = [("median", median)]
    lo = vm.group("lo") or vm.group("blo")
    hi = vm.group("hi") or vm.group("bhi")
    lvl = vm.group("lvl") or vm.group("blvl")
    if lo is None and extra_ci is not None:
        lo, hi = extra_ci  # the level printed with the first value of the comparison
    note = None
    if lo is not None and single_ci:
        hi_v: Any = "NR" if re.fullmatch(_NR, hi) else number(hi)
        lo_v = number(lo)
        ok = median == "NR" or (
            float(lo_v) <= float(median) and (hi_v == "NR" or float(median) <= float(hi_v))
        )
        if ok and hi_v != "NR" and float(lo_v) > float(hi_v):
            ok = False
        if ok:
            fields.append(("ci", [lo_v, hi_v]))
            if lvl is not None and float(lvl) != 95:
                fields.append(("ci_level", Num(str(float(lvl) / 100))))
        else:
            note = "the printed interval does not contain the median; left out"
    fields.append(("unit", unit or "months"))
    state.entries.append(_entry(name, fields, sent, arm=arm, timepoint=timepoint, note=note))


_ANALYSIS = (
    r"(?:(?:In|On|After|By|Using)\s+(?:a\s+|the\s+)?(?:multivariate|multivariable|univariate)"
    r"\s+(?:Cox\s+)?(?:regression\s+)?(?:analysis|analyses|model)\s*,?\s*)?"
)
# the patient groups a ratio compares when they are defined by a factor, not by treatment
_FACTOR_CONTRASTS = (
    # "Elevated EBV DNA was associated with inferior PFS (HR ...)"
    re.compile(
        rf"^{_ANALYSIS}(?P<c>[A-Za-z][^,;()]{{1,60}}?)\s+(?:was|were)\s+(?:\w+\s+)?"
        r"(?:associated|correlated)\s+with\b"
    ),
    # "TP53 mutation predicted shorter overall survival (HR ...)"
    re.compile(
        rf"^{_ANALYSIS}(?P<c>[A-Za-z][^,;()]{{1,60}}?)\s+(?:predicted|was\s+an?\s+"
        r"(?:independent\s+)?(?:predictor|prognostic\s+factor))\b"
    ),
    # "Patients with prior nephrectomy had longer PFS (HR ...)"
    re.compile(
        rf"^{_ANALYSIS}(?P<c>(?:Patients|Those)\s+(?:with|without|who)\b[^,;()]{{1,60}}?)"
        r"\s+(?:had|showed|experienced)\b"
    ),
    # "Compared to the favorable group, the poor prognosis group had shorter PFS (HR ...)"
    re.compile(
        r"^(?P<c>Compared\s+(?:to|with)\s+[^,;()]{1,60}?,\s*[^,;()]{1,60}?)\s+"
        r"(?:had|showed|experienced)\b"
    ),
    # "For the comparison with the historical cohort, the hazard ratio ..."
    re.compile(r"^For\s+the\s+(?P<c>comparison\s+(?:with|to|between)\s+[^,;()]{1,60}?),"),
    # "After multivariate analysis ECOG (HR: 2.142 ...)"
    re.compile(
        r"(?i:multivariate|multivariable)\s+analys[ie]s,?\s+(?P<c>[A-Za-z][^,;()]{0,40}?)\s*"
        r"[(\[]\s*(?=$)"
    ),
)


def _factor_contrast(text: str, m: re.Match[str], arms: list[DraftArm]) -> str | None:
    """The groups a ratio compares, as printed, when a factor (not an arm) defines them."""
    before = text[: m.start()]
    for rx in _FACTOR_CONTRASTS:
        c = rx.search(before)
        if c is None:
            continue
        contrast = c.group("c").strip()
        if arms and _mentions(before, arms):
            return None  # the sentence names the arms: a treatment contrast
        return contrast
    return None


# "0.63-1.03" right after the number a ratio reads: that number opens a range (a CI)
_RANGE_NEXT = re.compile(r"\s*(?:-|‐|‑|–|—|−|to)\s*\d")
# "95% CI for the hazard ratio": what follows is the interval, not the estimate
_CI_FOR = re.compile(r"(?i)(?:\bCI|confidence\s+interval|C\.I\.)\s*(?:for|of)\s+(?:the\s+)?$")


def _ratio_entries(sent: Sentence, terms: list[Term], state: _State, arms: list[DraftArm]) -> None:
    text = sent.text
    for m in _RATIO.finditer(text):
        kind = _ratio_kind(m.group("kind"))
        value = number(m.group("v"))
        fields: list[tuple[str, Any]] = [(kind, value)]
        note = None
        lo, hi, lvl = m.group("lo"), m.group("hi"), m.group("lvl")
        if lo is None and m.group("ulo") is not None:
            lo, hi = m.group("ulo"), m.group("uhi")
            note = "CI level not printed; the default 0.95 is assumed"
        if lo is None and (
            _RANGE_NEXT.match(text, m.end("v")) or _CI_FOR.search(text, 0, m.start())
        ):
            # "95% confidence interval for hazard ratio 0.63-1.03": a CI with no estimate;
            # its lower bound is not the ratio, so nothing is drafted
            shown = _short(text[max(0, m.start() - 40) : m.end() + 12])
            state.comments.append(f'skipped (a ratio CI without its estimate): "{shown}"')
            continue
        if lo is not None:
            if re.fullmatch(_NR, hi):
                state.comments.append(f'skipped (ratio CI with NR): "{_short(text)}"')
                continue
            lo_v, hi_v = number(lo), number(hi)
            if not (0 < float(lo_v) <= float(value) <= float(hi_v)):
                shown = _short(text[m.start() : m.end()])
                state.comments.append(f'skipped (ratio outside its CI, misread?): "{shown}"')
                continue
            fields.append(("ci", [lo_v, hi_v]))
            if lvl is not None and float(lvl) != 95:
                fields.append(("ci_level", Num(str(float(lvl) / 100))))
        if float(value) <= 0:
            continue
        if m.group("p") is not None:
            op = m.group("op")
            p_text = num_text(m.group("p"))
            if float(p_text) > 1:
                continue
            fields.append(("p", number(m.group("p")) if op == "=" else f"{op}{p_text}"))
        name = _ratio_outcome(text, terms, m)
        if name is None:
            state.comments.append(
                f'skipped (ratio without a named outcome): "{_short(text[m.start() : m.end()])}"'
            )
            continue
        contrast = _factor_contrast(text, m, arms)
        if contrast is not None:
            fields.append(("contrast", contrast))
        if re.search(r"(?i)multivaria(?:te|ble)|adjusted", text) or m.group("kind").startswith("a"):
            fields.append(("adjusted", True))
        state.entries.append(_entry(name, fields, sent, note=note))


def _ratio_outcome(text: str, terms: list[Term], m: re.Match[str]) -> str | None:
    if m.group("for"):
        inner = find_terms(m.group("for"))
        if inner and inner[0].kind == "other":
            return None  # "odds ratio for MRD-negative complete response": no canonical name
        if any(t.name == "PFS" for t in inner) or re.search(r"(?i)progression", m.group("for")):
            return "PFS"
        if inner:
            return inner[0].name
        return None
    kind = _ratio_kind(m.group("kind"))
    wanted = ("time", "death") if kind == "hr" else ("binary",)
    nearest = [t for t in terms if t.end <= m.start() and t.kind in (*wanted, "other")]
    if (
        nearest
        and nearest[-1].kind == "other"
        and not _RATIO.search(text[nearest[-1].end : m.start()])
    ):
        return None  # "MRD- complete response rates (22% vs 8%; OR, 3.55)": not CR, not MRD-
    before = [t for t in terms if t.end <= m.start() and t.kind in wanted]
    if before and re.fullmatch(r"[\s(\[,:;]*", text[before[-1].end : m.start()]):
        return before[-1].name  # "improved PFS (HR 0.61 ...)"
    names = {t.name for t in terms if t.kind in wanted and not t.start <= m.start() < t.end}
    if len(names) == 1:
        return names.pop()
    # "improved PFS from a median of 13 to 30 months (HR 0.45 ...) and OS from ... (HR 0.33":
    # the nearest outcome before the ratio, when no other ratio or outcome comes between
    if before and kind == "hr":
        last = before[-1]
        between = text[last.end : m.start()]
        if (
            len(between) <= 80
            and not _RATIO.search(between)
            and not any(last.end <= t.start < m.start() for t in terms)
        ):
            return last.name
    return None


# ---------------------------------------------------------------------------
# Arms

_ARM_ITEM = re.compile(
    rf"(?P<l>[A-Za-z][\w+/-]*(?:\s+[\w+/-]+){{0,3}}?)\s*"
    rf"\(\s*(?:(?P<eq>[nN]\s*=)\s*)?(?P<n>{INT})(?P<pts>\s+(?:patients|pts))?\s*\)"
)
_ARM_SEP = re.compile(
    r"\s*(?:,\s*(?:or|and)?|or|and|vs\.?|versus|compared\s+with)\s+(?:with\s+)?(?:the\s+|to\s+)?"
)
_ALLOCATION = re.compile(
    r"(?i)\b(?:randomi[sz]ed|randomly\s+assigned|allocated|assigned|randomi[sz]ation)\b"
)
_ARM_STOP = re.compile(
    r"(?i)^(?:.*\b(?:to|receive|received|receiving|with|either|the|in|of|into|between|were|"
    r"patients|randomi[sz]ed|assigned|allocated)\s+)"
)
_ARM_RESPECTIVELY = re.compile(
    rf"(?i)\b(?P<n1>{INT})\s+and\s+(?P<n2>{INT})\s+{_PEOPLE}\s+were\s+(?:\w+\s+)?"
    rf"(?:assigned|allocated|randomi[sz]ed)\s+to\s+(?:receive\s+)?"
    rf"(?P<l1>[A-Za-z][\w+/-]*)(?:\s*{_PAREN})?\s+and\s+(?P<l2>[A-Za-z][\w+/-]*)"
    rf"(?:\s*{_PAREN})?,?\s+respectively"
)
_ARM_ASSIGNED = re.compile(
    rf"(?i)\b(?P<n1>{INT})\s+(?:were\s+)?(?:assigned|allocated|randomi[sz]ed)\s+to\s+"
    rf"(?P<l1>[A-Za-z][\w+/-]*)\s*(?:,|vs\.?|versus|and)\s+(?P<n2>{INT})\s+(?:were\s+)?"
    rf"(?:assigned|allocated|randomi[sz]ed)\s+to\s+(?P<l2>[A-Za-z][\w+/-]*)"
)
_LABEL = r"[A-Za-z][\w-]*(?:\s+(?:plus|\+|and)\s+[A-Za-z][\w-]*)?"
_LABEL2 = (
    rf"{_LABEL}(?:\s+(?!(?:or|and|in|with|for|plus|at|on|vs|versus|was|were|is|are|as|by|from|"
    rf"to|the|a|an|every|daily|orally|intravenously|alone|group|arm)\b)[A-Za-z][\w-]*)?"
)
_ARM_EITHER = re.compile(
    rf"(?i:randomi[sz]ed|randomly\s+assigned|allocated|assigned)\b[^.;]{{0,100}}?\bto\s+"
    rf"(?:receive\s+)?(?:either\s+)?(?P<l1>{_LABEL2})(?:\s*{_PAREN})?"
    rf"(?P<mid>[^;]{{0,100}}?)\s+or\s+(?P<l2>{_LABEL2})"
)
_ARM_VERSUS = re.compile(rf"\b(?P<l1>{_LABEL})\s+(?:versus|vs\.?)\s+(?P<l2>{_LABEL2})")
_GENERIC = frozenset(
    re.findall(
        r"\w+",
        "therapy treatment induction maintenance consolidation regimen regimens arm arms group "
        "groups standard care dose doses high low the either alone plus and with of or to in "
        "single agent monotherapy daily orally oral intravenously weekly cycle cycles patients "
        "trial phase second first line",
    )
)


def arm_keys(label: str) -> frozenset[str]:
    """The words of an arm label that name it ("rituximab plus bendamustine" -> both drugs)."""
    words = re.findall(r"[a-z][a-z0-9]*", label.lower())
    return frozenset(w for w in words if w not in _GENERIC and len(w) >= 2)


def _arm(label: str, n: int | None, s: Sentence) -> DraftArm:
    return DraftArm(_slug(label), label, n, s.text, (s.start, s.end))


def _arms_with_n(s: Sentence) -> list[list[DraftArm]]:
    """Arm definitions with sizes in one sentence (two or three arms)."""
    out: list[list[DraftArm]] = []
    text = s.text
    for m in _ARM_RESPECTIVELY.finditer(text):
        out.append(
            [
                _arm(m.group("l1"), int_value(m.group("n1")), s),
                _arm(m.group("l2"), int_value(m.group("n2")), s),
            ]
        )
    for m in _ARM_ASSIGNED.finditer(text):
        out.append(
            [
                _arm(m.group("l1"), int_value(m.group("n1")), s),
                _arm(m.group("l2"), int_value(m.group("n2")), s),
            ]
        )
    items = list(_ARM_ITEM.finditer(text))
    groups: list[list[re.Match[str]]] = []
    for m in items:
        lead = re.match(r"(?i)(?:(?:or|and|vs\.?|versus|compared|with|the|to)\s+)*", m.group("l"))
        gap = text[groups[-1][-1].end() : m.start("l")] + lead.group(0) if groups else ""
        if (
            groups
            and re.fullmatch(
                r"(?i)\s*,?\s*(?:(?:or|and|vs\.?|versus|compared|with|the|to)\s+)*", gap
            )
            and (lead.group(0) or "," in gap)
        ):
            groups[-1].append(m)
        else:
            groups.append([m])
    for g in groups:
        if not 2 <= len(g) <= 3:
            continue
        bare = any(m.group("eq") is None and m.group("pts") is None for m in g)
        if bare and not _ALLOCATION.search(text[: g[0].start("n")]):
            continue  # "(35)" is a size only in an allocation sentence
        arms: list[DraftArm] = []
        for k, m in enumerate(g):
            label = m.group("l")
            if k > 0:
                label = re.sub(r"(?i)^(?:or|and|vs\.?|versus|with|the|to)\s+", "", label)
            label = _ARM_STOP.sub("", label).strip()
            if not label:
                break
            arms.append(_arm(label, int_value(m.group("n")), s))
        else:
            out.append(arms)
    return out


def _arms_without_n(s: Sentence) -> list[list[DraftArm]]:
    out: list[list[DraftArm]] = []
    for rx in (_ARM_EITHER, _ARM_VERSUS):
        for m in rx.finditer(s.text):
            if rx is _ARM_EITHER and re.match(r"\s*with\b", m.group("mid") or ""):
                continue  # "induction therapy with A or B": the label is not the arm
            if rx is _ARM_VERSUS and not re.search(
                r"(?i)\b(?:compare[ds]?|comparing|randomi[sz]ed|trial|phase)\b", s.text
            ):
                continue
            out.append([_arm(m.group("l1"), None, s), _arm(m.group("l2"), None, s)])
    return out


def find_arms(sents: list[Sentence]) -> tuple[list[DraftArm], list[str]]:
    """The study's arms, from the sentence that allocates patients to them.

    With sizes: "randomized to A (n = 30) or B (n = 14)", "A (271 patients) or B (134
    patients)", "allocated to A (130), B (127), or C (129)", "150 and 151 patients were
    assigned to A and B, respectively", "(110 assigned to A vs 112 assigned to B)".
    Without sizes (only when no sizes are given anywhere): "randomized to receive either
    A or B", a title's "A versus B". Definitions that disagree give no arms.
    """
    for finder in (_arms_with_n, _arms_without_n):
        found: list[list[DraftArm]] = []
        for s in sents:
            for arms in finder(s):
                ids = [a.id for a in arms]
                keys = [arm_keys(a.label) for a in arms]
                if len(set(ids)) != len(ids) or WHOLE_COHORT in ids or not all(keys):
                    continue
                nested = any(
                    k1 <= k2 or k2 <= k1 for i, k1 in enumerate(keys) for k2 in keys[i + 1 :]
                )
                if nested and finder is _arms_without_n:
                    continue  # "bortezomib plus dexamethasone versus bortezomib": unclear
                found.append(arms)
        if not found:
            continue
        if finder is _arms_with_n:
            if all([a.id for a in f] == [a.id for a in found[0]] for f in found):
                return list(found[0]), []
            return [], [
                f'ambiguous (several group definitions): "{_short(f[0].quote)}"' for f in found
            ]
        first = found[0]
        if all(
            len(f) == len(first)
            and all(arm_keys(a.label) & arm_keys(b.label) for a, b in zip(f, first, strict=True))
            for f in found
        ):
            return list(first), []
        return [], []
    return [], []


def _slug(label: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", label.lower()).strip("-")[:32].strip("-")
    return s or "arm"


# ---------------------------------------------------------------------------
# Putting it together


def _study_id(study_id: str | None, source_name: str | None) -> str:
    if study_id:
        return study_id
    if source_name:
        stem = Path(source_name).stem
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")
        if slug and ID_PATTERN.match(slug):
            return slug
    return "draft"


def extract(text: str, *, study_id: str | None = None, source_name: str | None = None) -> Draft:
    """Draft a study record from an abstract's text (see the module docstring)."""
    if study_id is not None and not ID_PATTERN.match(study_id):
        raise SynthError(
            f"--id: {study_id!r} is not a valid id ([A-Za-z0-9][A-Za-z0-9._-]*: "
            "letters, digits, '.', '_', '-')"
        )
    sents, dropped = sentences(text)
    cit = find_citation(text)
    cohort = find_cohort(sents)
    n, n_sent = cohort.n, cohort.sentence
    arms, arm_comments = find_arms(sents)
    state = _State()
    sized = [a.n for a in arms if a.n]
    if n is not None and len(sized) >= 2 and n in sized:
        # "CPX-351 (n = 217) or ven/aza (n = 439)": the first size read is one group's,
        # and no total is printed (a sum would be a derived number): n left out
        state.comments.append(
            f"skipped (n = {n} is one group's size, no total printed; n left out): "
            f'"{_short(n_sent.text if n_sent else "")}"'
        )
        cohort = Cohort(None, None, False)
        n, n_sent = None, None
    if cohort.ambiguous is not None:
        state.comments.append(
            f'ambiguous (several cohort sizes; n left out): "{_short(cohort.ambiguous.text)}"'
        )
    state.comments.extend(arm_comments)
    if dropped:
        state.comments.append(
            f"skipped: {dropped} sentence(s) mostly in CJK script (a translation is not read twice)"
        )
    for s in sents:
        terms = find_terms(s.text)
        if not terms:
            continue
        _ratio_entries(s, terms, state, arms)
        # ratio spans are not binary values ("HR 0.65 (95% CI ...)" has no percent to read,
        # but a "p = 0.5" or "(0.50-0.84)" must not be read as one either)
        ratio_spans = [(m.start(), m.end()) for m in _RATIO.finditer(s.text)]
        median_spans = [
            (m.start(), m.end())
            for m in re.finditer(r"(?i)\bmedian\b[^;()\d]{0,60}\d[^;)]{0,30}", s.text)
        ]
        values = [
            v
            for v in find_binary_values(s.text)
            if not any(a <= v.start < b for a, b in ratio_spans)
            and not _median_context(s.text, v, median_spans)
        ]
        _binary_entries(s, terms, values, state, arms)
        _median_entries(s, terms, state, arms)
    entries = _resolve(state.entries, state.comments, arms, n)
    used_arms = {e.arm for e in entries if e.arm}
    if arms and not (used_arms - {WHOLE_COHORT}):
        state.comments.append(
            "skipped (groups defined but no outcome compares them): "
            + ", ".join(f"{a.label} (n = {a.n})" for a in arms)
        )
        arms = []
        entries = [e for e in entries if e.arm is None]
    if arms:
        entries = [
            e
            if e.arm is not None or e.fields[0][0] in ("hr", "or", "rr")
            else replace(e, arm=WHOLE_COHORT)
            for e in entries
        ]
    missing = tuple(
        key for key, value in (("citation", cit.text), ("year", cit.year)) if value is None
    )
    checked = [_check_total(e, text, cohort, arms, state.comments) for e in entries]
    entries = [e for e in checked if e is not None]
    return Draft(
        study_id=_study_id(study_id, source_name),
        source_name=source_name,
        citation=cit.text,
        year=cit.year,
        doi=cit.doi,
        pmid=cit.pmid,
        journal=cit.journal,
        n=n,
        n_quote=n_sent.text if n_sent else None,
        arms=tuple(arms),
        entries=tuple(entries),
        comments=tuple(dict.fromkeys(state.comments)),
        missing=missing,
    )


def _median_context(text: str, v: Value, spans: list[tuple[int, int]]) -> bool:
    """A percent-free number inside a 'median ...' clause is not a count."""
    d = dict(v.fields)
    return "percent" not in d and any(a <= v.start < b for a, b in spans)


def _resolve(
    entries: list[DraftEntry], comments: list[str], arms: list[DraftArm], n: int | None
) -> list[DraftEntry]:
    """One entry per (outcome, arm, timepoint, kind of data); the others become comments."""
    out: list[DraftEntry] = []
    seen: dict[tuple[Any, ...], DraftEntry] = {}
    for e in entries:
        key: tuple[Any, ...] = (e.name, e.arm, e.timepoint, e.fields[0][0])
        if e.fields[0][0] in ("hr", "or", "rr"):
            # several ratios for one outcome are several contrasts (arms, subgroups, analyses)
            key = (*key, repr(e.fields))
            if any(k[:4] == key[:4] for k in seen) and e.get("contrast") is None:
                e = replace(e, note=e.note or "another ratio for this outcome: name its contrast")
        if key in seen:
            first = seen[key]
            same = first.fields == e.fields
            what = "repeated" if same else "ambiguous (a second value for the same outcome)"
            shown = ", ".join(f"{k}: {_yaml_value(v)}" for k, v in e.fields)
            comments.append(f'{what}: {e.name} {shown} in "{_short(e.quote)}"')
            continue
        seen[key] = e
        out.append(e)
    return out


def _check_total(
    e: DraftEntry, text: str, cohort: Cohort, arms: list[DraftArm], comments: list[str]
) -> DraftEntry | None:
    """A count or percent without its denominator.

    A percent takes the arm's n (or, for the whole cohort, the cohort's n when the text
    gives no other candidate size) as its ``total`` when that n reproduces it; the quote
    then runs from the sentence that states the n to the one with the rate, so that it
    holds every number of the entry. A percent that no stated denominator reproduces is
    left out (its population is not known); a count keeps a ``total: null`` placeholder.
    """
    d = dict(e.fields)
    if ("percent" not in d and "events" not in d) or "total" in d:
        return e
    if e.note and e.note.startswith("printed"):
        return e  # its own printed count did not fit: the reviewer decides
    from synthesis.records.normalize import events_from_percent, printed_decimals

    default: int | None = cohort.n if cohort.single else None
    source: tuple[int, int] | None = (
        (cohort.sentence.start, cohort.sentence.end) if cohort.sentence else None
    )
    if e.arm not in (None, WHOLE_COHORT):
        arm = next((a for a in arms if a.id == e.arm), None)
        default = arm.n if arm else None
        source = arm.span if arm else None
    fits = default is not None and default > 0
    if fits and default is not None and "percent" in d:
        pct = d["percent"]
        decimals = printed_decimals(getattr(pct, "text", str(pct)), float(pct))
        candidates = events_from_percent(float(pct), default, decimals)
        fits = bool(candidates) and ("events" not in d or d["events"] in candidates)
    elif fits and default is not None:
        fits = d["events"] <= default
    if fits and "percent" in d and source is not None and default is not None:
        span = (min(e.span[0], source[0]), max(e.span[1], source[1]))
        fields = [*e.fields, ("total", default)]
        note = e.note
        if span != e.span:
            where = "the arm's n" if e.arm not in (None, WHOLE_COHORT) else "the cohort's n"
            note = f"total = {where}, stated apart from the rate"
        return replace(e, fields=tuple(fields), quote=text[span[0] : span[1]], span=span, note=note)
    if "events" not in d:
        shown = ", ".join(f"{k}: {_yaml_value(v)}" for k, v in e.fields)
        comments.append(
            f"skipped (a percent whose denominator is not stated): {e.name} {shown} in "
            f'"{_short(e.quote)}"'
        )
        return None
    # the text does not give the denominator: a placeholder that validate names
    fields = [*e.fields, ("total", None)]
    todo = "TODO fill in: total (the denominator is not printed with this number)"
    return replace(e, fields=tuple(fields), todo=todo)


# ---------------------------------------------------------------------------
# YAML output

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


def _yaml_value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if isinstance(value, Num):
        return value.text
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
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


def _comment(text: str) -> str:
    """One comment line: whitespace runs as one space, unprintable characters escaped."""
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    return "".join(
        ch if ch in '"\\' or _YAML_PRINTABLE.fullmatch(ch) else f"\\u{ord(ch):04x}" for ch in flat
    )


_VALIDATE_MESSAGES = {
    "citation": "citation: required field is missing",
    "year": "year: required field is missing",
}


def _render(d: Draft) -> str:
    lines: list[str] = []
    source = d.source_name or "the given text"
    lines.append(f"# Drafted by `synth extract` from {_comment(source)}.")
    lines.append("# DRAFT: check every number against the abstract before saving it as a record.")
    for key in d.missing:
        lines.append(
            f"# TODO fill in: {key} (not found in the text; synth validate reports "
            f'"{_VALIDATE_MESSAGES[key]}")'
        )
    for c in d.comments:
        lines.append(f"# {_comment(c)}")
    lines.append(f"id: {_yaml_value(d.study_id)}")
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
        lines.append(f"n: {d.n}  # {_comment(_short(d.n_quote or '', 200))}")
    record = d.record()
    if "arms" in record:
        lines.append("arms:")
        by_id = {a.id: a for a in d.arms}
        for arm in record["arms"]:
            body = ", ".join(f"{k}: {_yaml_value(v)}" for k, v in arm.items())
            src = by_id.get(arm["id"])
            tail = f"  # {_comment(_short(src.quote, 200))}" if src else ""
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
                yaml_string(value) if key in ("quote", "note", "timepoint") else _yaml_value(value)
            )
            lines.append(f"  {'- ' if first else '  '}{key}: {text}")
            first = False
    return "\n".join(lines) + "\n"


def iter_numbers(text: str) -> Iterator[float]:
    """Every number printed in *text* (for checks: a drafted number must be among them)."""
    for m in re.finditer(rf"[.·]?{NUM}", text):
        try:
            yield float(num_text(m.group(0)))
        except ValueError:
            continue
