"""Number finding: outcome terms and the values a sentence prints.

* :func:`find_terms`: outcome terms (ORR, CR, OS, ...) with their canonical names, and
  outcomes with no canonical name (VGPR, stable disease, ...) that only keep their numbers
  from going to another outcome;
* :func:`find_binary_values`: a proportion as percent and/or events/total;
* :data:`MEDIAN_VALUE`: a median with its unit and CI ("not reached" as NR);
* :data:`RATIO`: a hazard, odds or risk ratio with its CI and p.

Every pattern is linear: spans between the parts of a value are bounded, and no
quantified group can match the same text in two ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .text import NUM, PEOPLE, WORD_NUM, int_value, number


@dataclass(frozen=True)
class Term:
    name: str
    kind: str  # "binary" | "time"
    start: int
    end: int


# "progression-free and overall survival", "event-free, disease-free and overall survival"
_SHARED = r"(?=\s*(?:,|/|\band\b|\bor\b)\s*(?:and\s+|or\s+)?(?:[\w-]+\s+){0,4}?survival\b)"
_TERM_SPECS: tuple[tuple[str, str, str], ...] = (
    # (canonical name, kind, regex) - tried together, leftmost-longest wins
    (
        "CR/CRi",
        "binary",
        # "CR rate plus CRp": CR with incomplete platelet recovery is a CRi
        r"(?:CR\s*/\s*CR[ip]\b|CR\s*(?:rates?\s+)?(?:\+|plus)\s*CR[ip]\b|CR\s+or\s+CRi|CRc\b"
        r"|composite complete remission"
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
        r"(?:(?i:complete (?:remission|response))(?:\s+rates?)?|\bCR1?\b(?:\s+rates?)?"
        # "complete and partial responders", "57% complete and 17% partial responses"
        r"|(?i:complete)(?=\s+(?:and|or)\s+(?:\d+(?:\.\d+)?\s?%\s+)?partial\s+"
        r"(?i:remissions?|responses?|responders?)\b))",
    ),
    ("PR", "binary", r"(?:(?i:partial (?:remission|response|responders?))|\bPR\b)"),
    (
        "ORR",
        "binary",
        r"(?:(?i:(?:overall|objective|best overall|best|total)(?:\s+(?:initial|h[a]?ematologic))?"
        r" responses?(?:\s+rates?)?|response rates?)"
        r"|\bORRs?\b)",
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
        r"(?:(?i:MRD[- ]{0,2}(?:negative\s+)?(?:complete (?:remission|response)|CR\b)"
        r"|(?:complete (?:remission|response)|CR) with (?:MRD negativity|negative MRD"
        r"|undetectable MRD)|very good partial (?:remission|response)|minor response"
        r"|stable disease|disease control(?: rate)?|clinical benefit(?: rate)?"
        r"|(?:stringent|near|marrow) complete (?:remission|response)"
        r"|hematologic improvement|(?:complete\s+|major\s+|partial\s+)?(?:cytogenetic|molecular)"
        r"\s+(?:response|remission)s?)(?:\s+rates?)?|\b(?:VGPR|MR|SD|DCR|CBR|sCR|nCR|mCR|HI)\b)",
    ),
    ("NRM", "binary", r"(?:(?i:non[- ]relapse mortality)|\bNRM\b)"),
    ("Mortality", "binary", r"(?i:(?<!related )(?<!relapse )(?<!associated )mortality)"),
    # "mOS", "mPFS": a median's abbreviation (the "m" is read by the median reader)
    ("OS", "time", r"(?:(?i:overall survival)|(?:\b|(?<=\bm))OS\b)"),
    # "progression-free and overall survival": the first of two "... survival" shares the word
    ("PFS", "time", rf"(?:(?i:progression[- ]free(?: survival|{_SHARED}))|(?:\b|(?<=\bm))PFS\b)"),
    ("EFS", "time", rf"(?:(?i:event[- ]free(?: survival|{_SHARED}))|(?:\b|(?<=\bm))EFS\b)"),
    ("DFS", "time", rf"(?:(?i:disease[- ]free(?: survival|{_SHARED}))|(?:\b|(?<=\bm))DFS\b)"),
    ("RFS", "time", rf"(?:(?i:(?:relapse|recurrence)[- ]free(?: survival|{_SHARED}))|\bRFS\b)"),
    ("LFS", "time", r"(?:(?i:leuka?emia[- ]free survival)|\bLFS\b)"),
    (
        "DOR",
        "time",
        r"(?:(?i:duration of (?:the )?(?:overall )?(?:response|remission|complete remission)"
        r"|(?:response|remission) duration)"
        r"|(?i:duration of )(?:CR\s*(?:\+|/|or)\s*CRi|CR)\b|\bD[oO]?R\b)",
    ),
    ("TTP", "time", r"(?:(?i:time[- ]to[- ](?:tumou?r[- ])?progression)|\bTTP\b)"),
    ("GRFS", "time", r"(?:(?i:GVHD[- ]free,?\s+relapse[- ]free survival)|\bGRFS\b)"),
    ("OS", "time", r"(?i:survival)"),
    ("OS", "death", r"(?i:\bdeath\b)"),
)
_TERMS = [(name, kind, re.compile(rx)) for name, kind, rx in _TERM_SPECS]
# words (lower case) one of which each pattern needs: a pattern whose words are all absent
# from a sentence is not run on it (a cheap test that keeps the work per sentence small)
_NEEDLES: tuple[tuple[str, ...], ...] = (
    ("cr", "complete"),
    ("cri", "incomplete"),
    ("cr", "complete"),
    ("pr", "partial"),
    ("response", "orr"),
    ("mrd", "residual"),
    (
        "mrd",
        "partial",
        "minor",
        "stable",
        "control",
        "benefit",
        "complete",
        "improvement",
        "vgpr",
        "mr",
        "sd",
        "dcr",
        "cbr",
        "cr",
        "hi",
        "cytogenetic",
        "molecular",
    ),
    ("nrm", "relapse mortality", "relapse-mortality"),
    ("mortality",),
    ("overall survival", "os"),
    ("progression", "pfs"),
    ("event", "efs"),
    ("disease", "dfs"),
    ("relapse", "recurrence", "rfs"),
    ("leuk", "lfs"),
    ("duration", "dor", "dr"),
    ("progression", "ttp"),
    ("gvhd", "grfs"),
    ("survival",),
    ("death",),
)
assert len(_NEEDLES) == len(_TERMS)


def find_terms(text: str) -> list[Term]:
    """Outcome terms in *text*, leftmost-longest, non-overlapping."""
    found: list[Term] = []
    low = text.lower()
    for (name, kind, rx), needles in zip(_TERMS, _NEEDLES, strict=True):
        if not any(n in low for n in needles):
            continue
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
# Proportions

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
        rf"(?!\s*(?:years|months|days|weeks|mg))(?=\s+(?:evaluable\s+|treated\s+)?{PEOPLE}|[\s),.;])"
    ),
    re.compile(
        rf"(?i)(?<![\d.,/])\b(?P<k>\d+|{WORD_NUM})\s*(?:patients?|cases?|pts)?\s*[(\[]\s*{_PCT}\s*[)\]]"
    ),
    re.compile(rf"(?<![\d.,/·])\b{_PCT}(?!\s*(?:CI\b|confidence|C\.I\.|of (?:the )?(?:CI)))"),
    # "(13 complete responses, one partial response, ...)": a count of responses
    re.compile(
        rf"(?i)(?<![\d.,/·])\b(?P<k>\d+|{WORD_NUM})(?=\s+(?:complete|partial)\s+"
        r"(?:responses?|remissions?)\b(?!\s+(?:rates?|was|were|is)\b))"
    ),
)


# the characters each pattern needs (all of them), in the order of _BINARY_PATTERNS
_BINARY_NEEDLES: tuple[tuple[str, ...], ...] = (
    ("%", "of"),
    ("%", "/"),
    ("%", "of"),
    ("/", "%"),
    ("%", "of"),
    ("/",),
    ("of",),
    ("%",),
    ("%",),
    ("partial", "complete"),
)
assert len(_BINARY_NEEDLES) == len(_BINARY_PATTERNS)


@dataclass(frozen=True)
class Value:
    """A value found in a sentence: binary (events/total/percent) or time (median)."""

    kind: str  # "binary" | "median"
    start: int
    end: int
    fields: tuple[tuple[str, Any], ...]


def find_binary_values(text: str) -> list[Value]:
    """Proportions in *text*: the first pattern that reads a span wins it."""
    found: list[Value] = []
    taken = bytearray(len(text) + 1)  # 1 where a value was read: overlap checks stay linear
    low = text.lower()
    for rx, needles in zip(_BINARY_PATTERNS, _BINARY_NEEDLES, strict=True):
        if not all(n in low for n in needles):
            continue
        for m in rx.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            if ci_level_at(text, m):
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
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            found.append(Value("binary", m.start(), m.end(), tuple(fields)))
    found.sort(key=lambda v: v.start)
    return found


def ci_level_at(text: str, m: re.Match[str]) -> bool:
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

UNIT = r"(?P<unit>days?|weeks?|months?|years?|mo|mos|wk|wks|yrs?)\b"
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
NR = r"(?:not\s+(?:yet\s+)?(?:been\s+)?reached|\bNR\b)"
CI_BODY = (
    r"(?:(?P<lvl>\d{1,2}(?:\.\d{1,3})?)\s?%\s*(?:CI|confidence\s+interval|C\.I\.|Cl)"
    r"(?:\s*\[(?:\d{1,2}(?:\.\d{1,3})?\s?%\s*)?CI\]|\s*\((?:\d{1,2}(?:\.\d{1,3})?\s?%\s*)?CI\))?"
    rf"\s*[:=,]?\s*)(?P<lo>{NUM})\s*(?:-|‐|‑|–|—|−|to|,)\s*(?P<hi>{NUM}|{NR})(?:\s*\[NR\])?"
    rf"(?:\s*(?:months|weeks|days|years)\b)?"
)
MEDIAN_VALUE = re.compile(
    rf"(?P<v>{NUM}|{NR})(?:\s*[(\[]\s*{CI_BODY}\s*[)\]])?(?:\s*{UNIT})?"
    rf"(?:\s*[(\[;,]\s*{CI_BODY.replace('?P<', '?P<b')}\s*[)\]]?)?"
)


def unit_name(text: str | None) -> str | None:
    if text is None:
        return None
    t = text.lower()
    return _UNIT_NAMES.get(t, t if t in ("days", "weeks", "months", "years") else None)


# ---------------------------------------------------------------------------
# Ratios

RATIO = re.compile(
    rf"(?P<kind>(?i:hazard\s+ratios?|odds\s+ratios?|relative\s+risks?|risk\s+ratios?)|\ba?HRs?\b|\ba?OR\b|\bRR\b)"
    rf"(?:\s*[(\[](?:a?HR|a?OR|RR)[)\]])?"
    r"(?:\s*\[\s*(?P<lvl0>\d{1,2}(?:\.\d{1,3})?)\s?%\s*CI\s*\])?"
    # "the HR adjusted for comorbidities was 1.5"
    r"(?:\s+(?P<adjfor>adjusted\s+for\s+[^,;:()=\d]{1,60}?)(?=\s+(?:was|is|of)\b))?"
    # "the odds ratio in favor of the ambulatory arm was 1.51"
    r"(?:\s+(?P<favor>in\s+favou?r\s+of\s+[^,;:()=\d]{1,60}?)(?=\s+(?:was|were|is)\b))?"
    # "HR per 10 years, 1.30": the unit of a continuous covariate before the value
    r"(?:\s+per\s+(?P<per0>(?:\d+[-\s]?)?[A-Za-z][A-Za-z/-]*(?:\s+[A-Za-z][A-Za-z/-]*){0,2}?)"
    r"(?=\s*[,:=]))?"
    r"(?:\s+(?:for|of)\s+(?P<for>[^,;:()=\d]{1,90}?)(?:\s*\([^()\d]{1,40}\))?)?"
    # "RR 3,9": a decimal comma (one or two decimals), read as 3.9
    rf"\s*(?:[:=,]|\bwas\b|\bwere\b|\bof\b|\bis\b)?\s*(?P<v>{NUM}|\d{{1,3}},\d{{1,2}}(?![\d,.·]))"
    r"(?!\d|[.·]\d|%|,\d)"
    # "HR, 1.25 per decade; 95% CI ...": the unit of a continuous covariate
    r"(?:\s+per\s+(?P<per>(?:\d+[-\s]?)?[A-Za-z][A-Za-z/-]*(?:\s+[A-Za-z][A-Za-z/-]*){0,2}?)"
    r"(?=\s*[;,)\]]))?"
    rf"(?:\s*[;,]?\s*[(\[]?\s*(?:{CI_BODY}"
    # "95% CI [0.38, 0.63]", "CI 0.38-0.63", "95% confidence limits 0.38-0.63"
    r"|(?:(?P<lvl3>\d{1,2}(?:\.\d{1,3})?)\s?%\s*)?(?:CI|(?i:confidence\s+(?:interval|limits)))"
    rf"\s*[:=,]?\s*[(\[]\s*(?P<lo3>{NUM})\s*(?:-|‐|‑|–|—|−|to|,)\s*(?P<hi3>{NUM})\s*[)\]]"
    rf"|(?:CI|(?i:confidence\s+(?:interval|limits)))\s*[:=,]?\s*(?P<lo4>{NUM})\s*(?:-|‐|‑|–|—|−|to)\s*"
    rf"(?P<hi4>{NUM})"
    rf"|(?P<lvl5>\d{{1,2}}(?:\.\d{{1,3}})?)\s?%\s*(?i:confidence\s+limits)\s*[:=,]?\s*(?P<lo5>{NUM})"
    rf"\s*(?:-|‐|‑|–|—|−|to)\s*(?P<hi5>{NUM})"
    # "CI 95% 0.49–0.78": the level after "CI"
    rf"|(?:CI|(?i:confidence\s+interval))\s*(?P<lvl6>\d{{1,2}}(?:\.\d{{1,3}})?)\s?%\s*[:=,]?\s*"
    rf"(?P<lo6>{NUM})\s*(?:-|‐|‑|–|—|−|to)\s*(?P<hi6>{NUM})"
    # "[0.49; 0.78]", "95% CI 0.49; 0.78)": a semicolon between the bounds, closed at once
    rf"|(?:(?P<lvl7>\d{{1,2}}(?:\.\d{{1,3}})?)\s?%\s*CI\s*[:=,]?\s*)?(?P<lo7>{NUM})\s*;\s*"
    rf"(?P<hi7>{NUM})(?=\s*[)\]])"
    rf"|(?P<ulo>{NUM})\s*(?:-|‐|‑|–|—|−|to|,)\s*(?P<uhi>{NUM}))"
    rf"(?!\d|[.·]\d|%))?"
    r"(?:\s*[;,)\]]?\s*[;,(\[]?\s*(?:(?i:one|two|1|2)[-‐‑]sided\s+)?(?:(?i:un)?stratified\s+)?"
    r"(?:(?i:log-?rank)\s+)?(?:(?i:nominal)\s+)?(?i:p)\s*(?:-?\s*value)?\s*"
    rf"(?P<op>=|<|>|≤|≥|<=|>=)\s*(?P<p>0,\d{{1,6}}(?![\d,])|{NUM}|[.·]\d+))?"
)
# "0.60 (95% CI 0.45-0.80) and 0.75 (95% CI 0.58-0.97), respectively": the values of a list
# of ratios after the first (which RATIO reads)
RATIO_LIST_VALUE = re.compile(rf"(?P<v>{NUM})(?!\d|[.·]\d|%|,\d)(?:\s*[(\[]\s*{CI_BODY}\s*[)\]])?")
RATIO_LIST_TAIL = re.compile(
    rf"\s*[)\]]?(?:\s*(?:,\s*and|,|and)\s*{NUM}(?:\s*[(\[][^()\[\]]{{0,80}}[)\]])?){{1,3}}"
    r"\s*[)\]]?"
    r"\s*,?\s*respectively\b"
)
# "the HR was 0.62 for PFS (P = .01) and 0.70 for OS (P = .04)": values each labelled
# "for" an outcome after the first
RATIO_FOR_ITEM = re.compile(
    r"\s+for\s+(?P<label>[A-Za-z][^,;()\d]{0,50}?)"
    r"(?:\s*\(\s*(?i:p)\s*(?P<op>=|<|>|≤|≥|<=|>=)\s*(?P<p>\d*[.·]?\d+)\s*\))?"
    r"(?=\s*(?:,|;|\.|\band\b|$))"
)
RATIO_FOR_NEXT = re.compile(rf"\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?P<v>{NUM})(?!\d|[.·]\d|%)")
# "... (HR 0.60; P < .0001) and OS (0.67; P = .0162)": a ratio printed without its label,
# a number with its CI and/or p alone in a parenthesis (the reader decides what it is)
BARE_RATIO = re.compile(
    rf"[(\[]\s*(?P<v>{NUM})(?!\d|[.·]\d|%)"
    rf"(?:\s*[;,]\s*{CI_BODY})?"
    r"(?:\s*[;,]\s*(?:(?i:nominal)\s+)?(?i:p)\s*(?:-?\s*value)?\s*"
    rf"(?P<op>=|<|>|≤|≥|<=|>=)\s*(?P<p>{NUM}|[.·]\d+))?"
    r"\s*[)\]]"
)


def ratio_kind(text: str) -> str:
    t = text.lower().lstrip("a")
    if t.startswith("h"):
        return "hr"
    if t.startswith("o"):
        return "or"
    return "rr"
