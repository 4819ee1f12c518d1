"""One study order for every output: ``--sort year|estimate|listed`` (default ``year``).

``synth pool`` (its JSON, table, CSV and Markdown), ``synth forest``, ``synth studies``,
``synth table`` and ``synth report`` all order studies by these rules, so a study is on
the same line of every output. Pure Python: importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from synthesis.errors import SynthError

__all__ = ["DEFAULT_SORT", "SORTS", "check_sort", "sort_studies"]

#: ``year``: by year, ties in the listed order (the default). ``estimate``: ascending,
#: rows without an estimate last. ``listed``: the order in which the records are read
#: (files in path order under the studies folder, entries in file order).
SORTS: tuple[str, ...] = ("year", "estimate", "listed")
DEFAULT_SORT = "year"

T = TypeVar("T")


def check_sort(sort: str) -> str:
    """``sort`` if it is one of :data:`SORTS`, else a :class:`SynthError` naming them."""
    if sort not in SORTS:
        raise SynthError(f"--sort {sort}: use one of {', '.join(SORTS)}")
    return sort


def sort_studies(studies: Sequence[T], sort: str = DEFAULT_SORT) -> list[T]:
    """``studies`` (objects with ``year``, ``estimate`` and ``listed``) in ``sort`` order.

    ``listed`` is each row's position in the listed order, so any order can be restored
    from any other: sorting is idempotent and the rules compose.
    """
    check_sort(sort)

    def key(s: Any) -> tuple[Any, ...]:
        if sort == "year":
            return (s.year, s.listed)
        if sort == "estimate":
            return (s.estimate is None, 0.0 if s.estimate is None else s.estimate, s.listed)
        return (s.listed,)

    return sorted(studies, key=key)
