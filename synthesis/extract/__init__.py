"""``synth extract``: draft a study record from the plain text of an abstract.

The promise is the opposite of a language model's: the draft may miss a number, but
every number it writes is in the text, and the outcome entry that holds it carries a
``quote`` that is an exact substring of the input (kept as character offsets into the
original string, never into a normalised copy). A number whose group is inferred rather
than stated is drafted with a ``# check:`` comment saying how; whatever cannot be tied to
one outcome and group is left out and listed as a ``# skipped:`` or ``# ambiguous:``
comment. :func:`check_quotes` checks a record's quotes against its source text.

Modules, each testable alone:

* :mod:`.source`: reading the file (regular files of at most 1 MB, UTF-8);
* :mod:`.text`: sentences with offsets, printed numbers;
* :mod:`.citation`: citation line, DOI, PMID;
* :mod:`.numbers`: outcome terms and the values a sentence prints;
* :mod:`.cohort`: the total cohort size;
* :mod:`.groups`: the arms or cohorts compared, their sizes and aliases;
* :mod:`.attribution`: which outcome and arm each value is for;
* :mod:`.assemble`: the pipeline and the checks across entries;
* :mod:`.comments`: the YAML text with its comments;
* checking quotes against their source text: :mod:`synthesis.records.provenance`
  (the one grammar of printed numbers, used by `synth validate` too), re-exported here.
"""

from __future__ import annotations

from synthesis.records.provenance import (
    QuoteEntry,
    QuoteProblem,
    check_quotes,
    entry_numbers,
    iter_numbers,
)

from .assemble import extract
from .comments import yaml_string
from .groups import DraftArm
from .model import Draft, DraftEntry
from .source import MAX_BYTES, read_abstract

__all__ = [
    "MAX_BYTES",
    "Draft",
    "DraftArm",
    "DraftEntry",
    "QuoteEntry",
    "QuoteProblem",
    "check_quotes",
    "entry_numbers",
    "extract",
    "iter_numbers",
    "read_abstract",
    "yaml_string",
]
