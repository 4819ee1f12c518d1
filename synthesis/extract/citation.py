"""The citation line (journal, year, volume, pages), the DOI and the PMID of an abstract."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CITATION = re.compile(
    r"(?m)^[ \t]{0,20}(?:\d{1,3}\.\s{1,5})?(?P<journal>[A-Z][A-Za-z&.\-' ]{1,80}?)\.?\s{1,5}"
    r"(?P<year>(?:19|20)\d{2})(?:\s{1,5}[A-Z][a-z]{2}(?:\s{1,5}\d{1,2})?)?\s{0,5};\s{0,5}"
    r"(?P<vol>\d{1,6})(?:\s{0,5}\((?P<issue>[^)\n]{1,12})\))?"
    r"(?:\s{0,5}:\s{0,5}(?P<pages>[A-Za-z]?\d{1,8}(?:[-–][A-Za-z]?\d{1,8})?))?"
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}"
# other forms of a citation, tried when the one above is absent (the first in text order wins)
_OTHER_CITATIONS = (
    # "... Trial (DELTA). J Clin Oncol 2014;32:1902-1908." (after a title on the same line)
    re.compile(
        r"(?<=[.?!]\s)(?P<journal>[A-Z][A-Za-z&.\-']{0,30}(?:\s[A-Z][A-Za-z&.\-']{0,30}){0,6}?)\.?"
        r"\s{1,5}(?P<year>(?:19|20)\d{2})\s{0,5};\s{0,5}\d{1,6}(?:\s{0,5}\([^)\n]{1,12}\))?"
        r"\s{0,5}:\s{0,5}[A-Za-z]?\d{1,8}(?:[-–][A-Za-z]?\d{1,8})?"
    ),
    # "J Clin Oncol 22 (9): 1589-97, 2004."
    re.compile(
        r"(?<=[.?!]\s)(?P<journal>[A-Z][A-Za-z&.\-']{0,30}(?:\s[A-Z][A-Za-z&.\-']{0,30}){0,6}?)"
        r"\s{1,5}\d{1,6}\s{0,5}\([^)\n]{1,12}\)\s{0,5}:\s{0,5}\d{1,8}(?:[-–]\d{1,8})?,\s{0,5}"
        r"(?P<year>(?:19|20)\d{2})\b"
    ),
    # "Sun et al. BMC Cancer (2016) 16:265", "Blood (2012) 120 (21): 1725"
    re.compile(
        r"(?P<journal>[A-Z][A-Za-z&.\-']{0,30}(?:\s[A-Z][A-Za-z&.\-']{0,30}){0,6}?)\s{1,5}"
        r"\((?P<year>(?:19|20)\d{2})\)\s{1,5}\d{1,6}(?:\s{0,5}\([^)\n]{1,12}\))?\s{0,5}:\s{0,5}"
        r"[A-Za-z]?\d{1,8}\b"
    ),
    # "Leukemia volume 31, pages 1234–1240 (2017)"
    re.compile(
        r"(?m)^[ \t]{0,20}(?P<journal>[A-Z][A-Za-z&.\-' ]{1,80}?)\s{1,5}volume\s{1,5}\d{1,6},"
        r"\s{1,5}pages?\s{1,5}[A-Za-z]?\d{1,8}(?:\s{0,3}[-–]\s{0,3}[A-Za-z]?\d{1,8})?\s{1,5}"
        r"\((?P<year>(?:19|20)\d{2})\)[ \t]*$"
    ),
    # "Biomarker Research volume 11, Article number: 84 (2023)"
    re.compile(
        r"(?m)^[ \t]{0,20}(?P<journal>[A-Z][A-Za-z&.\-' ]{1,80}?)\s{1,5}volume\s{1,5}\d{1,6},"
        r"\s{1,5}(?:Article\s+number|article)\s*:?\s*[A-Za-z]?\d{1,8}\s{1,5}"
        r"\((?P<year>(?:19|20)\d{2})\)[ \t]*$"
    ),
    # "Journal of the National Cancer Institute 2003 January 16" (a line of its own)
    re.compile(
        rf"(?m)^[ \t]{{0,20}}(?P<journal>[A-Z][A-Za-z&.\-' ]{{1,80}}?)\s{{1,5}}"
        rf"(?P<year>(?:19|20)\d{{2}})\s{{1,5}}{_MONTH}(?:\s{{1,5}}\d{{1,2}})?[ \t]*$"
    ),
    # "Stathopoulos, G. P., ..., Georgoulias, V. (2004). Front-line treatment ..." (APA)
    re.compile(r"(?m)^[^\n]{0,400}?\b[A-Z]\.\s\((?P<year>(?:19|20)\d{2})\)\.\s"),
)
# "Presented at the 54th ASH Annual Meeting, Atlanta, GA, December 8-11, 2012": a meeting
# abstract's year, used only when the text prints no citation
_PRESENTED = re.compile(
    r"(?i)\bpresented\s+(?:in\s+part\s+)?at\s+(?:the\s+)?[^.;\n]{0,160}?"
    r"\b(?:meeting|congress|conference|symposium)\b[^.;\n]{0,80}?\b(?P<year>(?:19|20)\d{2})\b"
)
_DOI = re.compile(
    r"(?i)\b(?:doi:?\s{0,5}|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/[^\s\"<>]{1,200}?)"
    r"(?=[.,;]?(?:\s|$))"
)
_PMID = re.compile(r"\b(?:PMID|PubMed\s+ID)\s{0,3}:?\s{0,5}(\d{1,9})\b")


@dataclass(frozen=True)
class Citation:
    text: str | None
    journal: str | None
    year: int | None
    doi: str | None
    pmid: str | None


def find_citation(text: str) -> Citation:
    """The first citation line, DOI and PMID of *text* (each None when absent)."""
    m = _CITATION.search(text)
    if m is None:
        found = [x for x in (rx.search(text) for rx in _OTHER_CITATIONS) if x is not None]
        m = min(found, key=lambda x: x.start("year")) if found else None
    doi = _DOI.search(text)
    pmid = _PMID.search(text)
    if m is None:
        met = _PRESENTED.search(text)
        return Citation(
            None,
            None,
            int(met.group("year")) if met else None,
            doi.group(1) if doi else None,
            pmid.group(1) if pmid else None,
        )
    journal = m.groupdict().get("journal")
    return Citation(
        text=text[m.start("journal") if journal else m.start() : m.end()].strip(),
        journal=journal.strip().rstrip(".") if journal else None,
        year=int(m.group("year")),
        doi=doi.group(1) if doi else None,
        pmid=pmid.group(1) if pmid else None,
    )
