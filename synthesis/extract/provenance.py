"""Provenance: every quote is verbatim in its source text and holds the numbers of its entry."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .text import NUM, num_text


def iter_numbers(text: str) -> Iterator[float]:
    """Every number printed in *text* (for checks: a drafted number must be among them)."""
    for m in re.finditer(rf"[.·]?{NUM}", text):
        try:
            yield float(num_text(m.group(0)))
        except ValueError:
            continue
