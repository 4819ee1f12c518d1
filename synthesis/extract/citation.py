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
_DOI = re.compile(
    r"(?i)\b(?:doi:?\s{0,5}|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/[^\s\"<>]{1,200}?)"
    r"(?=[.,;]?(?:\s|$))"
)
_PMID = re.compile(r"\bPMID:?\s{0,5}(\d{1,9})\b")


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
