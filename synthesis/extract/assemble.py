"""Record assembly: the pipeline from text to :class:`Draft`, and the checks across entries.

1. :func:`.text.split_text` splits the text into sentences with their offsets (runs of
   over 1,000 characters in pieces) and drops the ones written mostly in CJK characters
   (the seed abstracts repeat their text in Chinese: a number must not be read twice);
   sentences with more outcome terms or numbers than prose has (a table, junk) are not
   read, and a sentence repeated word for word is read once: the work per sentence is
   bounded, and the whole is linear in the input (at most 1 MB);
2. :func:`.citation.find_citation` reads the citation line, the DOI and the PMID;
   :func:`.cohort.find_cohort` the total cohort size; :func:`.groups.find_groups` the arms
   or cohorts, their sizes and aliases;
3. per sentence, :mod:`.attribution` attaches the values :mod:`.numbers` finds to outcomes
   and groups, with a ``# check:`` comment where a group is inferred;
4. a percent takes its ``total`` from its group's n, or from the cohort's n when no other
   cohort size is stated, if that n reproduces it (not when a group it is compared with
   has no stated size);
5. conflicts (the same outcome, arm and timepoint twice) keep the first entry and list the
   other as a comment; every outcome-like number left is named in a ``# skipped:`` comment.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from synthesis.errors import SynthError
from synthesis.records.normalize import events_from_percent, printed_decimals
from synthesis.records.schema import ID_PATTERN, WHOLE_COHORT

from .attribution import (
    State,
    analysis_outcome,
    binary_entries,
    median_context,
    median_entries,
    ratio_entries,
)
from .citation import find_citation
from .cohort import Cohort, find_cohort
from .comments import unread_numbers, yaml_value
from .groups import DraftArm, find_groups
from .model import Draft, DraftEntry
from .numbers import RATIO, Term, find_binary_values, find_terms
from .text import MAX_SENTENCE, Sentence, short, split_text

# "According to the Cox analysis, ...": a sentence reporting a model's estimates
_MODEL = re.compile(r"(?i)\bcox\b|multivaria|univaria|regression|proportional[-\s]hazards?")


def _study_id(study_id: str | None, source_name: str | None) -> str:
    if study_id:
        return study_id
    if source_name:
        stem = Path(source_name).stem
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")
        if slug and ID_PATTERN.match(slug):
            return slug
    return "draft"


MAX_CHARS = 1_000_000  # as read_abstract's byte limit
# A sentence of an abstract names a handful of outcomes and a few dozen numbers (at most 6
# and 28 in the 65 development abstracts); a "sentence" with many more is a table or
# junk, and reading it would cost time that grows with the square of its size.
MAX_TERMS = 12
MAX_NUMBERS = 60
_ANY_NUMBER = re.compile(r"\d+")
_DIGIT_OR_NR = re.compile(
    r"\d|(?i:not\s+(?:yet\s+)?(?:been\s+)?reached)|\bNR\b|(?i:\b(?:one|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    r"ninety|hundred)\b)"
)


def _dense(text: str, terms: list[Term]) -> bool:
    return len(terms) > MAX_TERMS or len(_ANY_NUMBER.findall(text)) > MAX_NUMBERS


def extract(text: str, *, study_id: str | None = None, source_name: str | None = None) -> Draft:
    """Draft a study record from an abstract's text (see the module docstring)."""
    if study_id is not None and not ID_PATTERN.match(study_id):
        raise SynthError(
            f"--id: {study_id!r} is not a valid id ([A-Za-z0-9][A-Za-z0-9._-]*: "
            "letters, digits, '.', '_', '-')"
        )
    if len(text) > MAX_CHARS:
        raise SynthError(
            f"the text has {len(text):,} characters, over the {MAX_CHARS:,}-character (1 MB) "
            "limit for an abstract; give the abstract's text only"
        )
    split = split_text(text)
    sents = split.sentences
    terms_of = {id(s): find_terms(s.text) for s in sents}
    dense = [s for s in sents if _dense(s.text, terms_of[id(s)])]
    if dense:
        sents = [s for s in sents if not _dense(s.text, terms_of[id(s)])]
    # a sentence repeated word for word gives nothing new: read once
    first_of: dict[str, Sentence] = {}
    repeats: list[Sentence] = []
    for s in sents:
        if s.text in first_of:
            repeats.append(s)
        else:
            first_of[s.text] = s
    if repeats:
        sents = list(first_of.values())
    cit = find_citation(text)
    cohort = find_cohort(sents)
    n, n_sent = cohort.n, cohort.sentence
    groups = find_groups(sents, text)
    state = State()
    sized = [a.n for a in groups.arms if a.n]
    if n is not None and len(sized) >= 2 and n in sized:
        # "CPX-351 (n = 217) or ven/aza (n = 439)": the first size read is one group's,
        # and no total is printed (a sum would be a derived number): n left out
        state.comments.append(
            f"skipped (n = {n} is one group's size, no total printed; n left out): "
            f'"{short(n_sent.text if n_sent else "")}"'
        )
        cohort = Cohort(None, None, False)
        n, n_sent = None, None
    if cohort.ambiguous is not None:
        state.comments.append(
            f'ambiguous (several cohort sizes; n left out): "{short(cohort.ambiguous.text)}"'
        )
    state.comments.extend(groups.comments)
    if split.cut:
        state.comments.append(
            f"skipped: {split.cut:,} run(s) of over {MAX_SENTENCE:,} characters without a sentence "
            "end, read in pieces (check the text was pasted whole)"
        )
    if dense:
        state.note(
            f"skipped: {len(dense):,} sentence(s) with more than {MAX_TERMS} outcome terms or "
            f'{MAX_NUMBERS} numbers, not prose (a table?), not read: "{short(dense[0].text, 80)}"'
        )
    if repeats:
        state.note(
            f"skipped: {len(repeats):,} sentence(s) that repeat an earlier one word for word "
            f'(read once): "{short(repeats[0].text, 80)}"',
            *((s.start, s.end) for s in repeats[:100_000]),
        )
    if split.cjk_dropped:
        state.comments.append(
            f"skipped: {split.cjk_dropped} sentence(s) mostly in CJK script (a translation is "
            "not read twice)"
        )
    carried: str | None = None  # the one outcome of the ratios of the sentence before
    analysed: str | None = None  # "the univariate analysis for OS": an analysis's outcome
    for s in sents:
        terms = terms_of[id(s)]
        if not terms:
            # "Similar results were recorded in landmark analyses (HR, 0.52; ...)": a ratio
            # in a sentence that names no outcome continues the sentence before's
            # (or names its outcome in the ratio: "the HR for progression was 0.51")
            if RATIO.search(s.text):
                if carried is None and analysed is not None and _MODEL.search(s.text):
                    # "Factors in the analysis for OS were ... According to the Cox model,
                    # age (HR ...)": the model's outcome, named sentences before
                    ratio_entries(
                        s,
                        terms,
                        state,
                        groups,
                        carried=analysed,
                        carried_from="the outcome of the analysis an earlier sentence names",
                    )
                else:
                    ratio_entries(s, terms, state, groups, carried=carried)
            carried = None
            continue
        analysed = analysis_outcome(s.text, terms)
        if not _DIGIT_OR_NR.search(s.text):
            carried = None
            continue  # no number and no "not reached": nothing to draft
        before = len(state.entries)
        ratio_entries(s, terms, state, groups)
        names = {e.name for e in state.entries[before:]}
        carried = names.pop() if len(names) == 1 else None
        # ratio spans are not binary values ("HR 0.65 (95% CI ...)" has no percent to read,
        # but a "p = 0.5" or "(0.50-0.84)" must not be read as one either)
        ratio_spans = [(m.start(), m.end()) for m in RATIO.finditer(s.text)]
        median_spans = [
            (m.start(), m.end())
            for m in re.finditer(r"(?i)\bmedian\b[^;()\d]{0,60}\d[^;)]{0,30}", s.text)
        ]
        values = [
            v
            for v in find_binary_values(s.text)
            if not any(a <= v.start < b for a, b in ratio_spans)
            and not median_context(s.text, v, median_spans)
        ]
        binary_entries(s, terms, values, state, groups)
        median_entries(s, terms, state, groups)
    entries = _resolve(state.entries, state)
    arms = list(groups.arms)
    used_arms = {e.arm for e in entries if e.arm}
    # randomized groups whose sizes are all stated are the record's arms, compared or not
    sized_allocation = groups.how in ("allocation with sizes", "allocation") and all(
        a.n for a in arms
    )
    if arms and not (used_arms - {WHOLE_COHORT}) and not sized_allocation:
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
    unsized = _unsized_comparisons(entries, arms)
    checked = [_check_total(e, text, cohort, arms, state.comments, unsized) for e in entries]
    for e, kept in zip(entries, checked, strict=True):
        if kept is None:
            state.covered.extend(e.values)  # its comment names it
    entries = _shared_totals([e for e in checked if e is not None], text)
    state.comments.extend(unread_numbers(text, sents, terms_of, entries, state.covered))
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


def _unsized_comparisons(entries: list[DraftEntry], arms: list[DraftArm]) -> dict[int, str]:
    """Rates compared in one sentence where some group has no stated size: id -> that group.

    "30 received A, showing higher response rates (46.7% vs. 21.4%) than non-A regimens":
    when one group's denominator is not printed, the other rate's is not safe either
    (both are often of the evaluable patients); neither takes a total.
    """
    size = {a.id: a.n for a in arms}
    label = {a.id: a.label for a in arms}
    by_place: dict[tuple[str, tuple[int, int]], list[DraftEntry]] = {}
    for e in entries:
        if e.arm not in (None, WHOLE_COHORT) and e.fields[0][0] in ("events", "percent"):
            by_place.setdefault((e.name, e.span), []).append(e)
    out: dict[int, str] = {}
    for group in by_place.values():
        missing = [x for x in group if not size.get(x.arm or "")]
        if len(group) > 1 and missing:
            for e in group:
                out[id(e)] = label.get(missing[0].arm or "", missing[0].arm or "")
    return out


def _resolve(entries: list[DraftEntry], state: State) -> list[DraftEntry]:
    """One entry per (outcome, arm, timepoint, kind of data); the others become comments."""
    out: list[DraftEntry] = []
    seen: dict[tuple[Any, ...], DraftEntry] = {}
    ratio_keys: set[tuple[Any, ...]] = set()
    for e in entries:
        key: tuple[Any, ...] = (e.name, e.arm, e.timepoint, e.fields[0][0])
        if e.fields[0][0] in ("hr", "or", "rr"):
            # several ratios for one outcome are several contrasts (arms, subgroups, analyses)
            key = (*key, repr(e.fields))
            if key[:4] in ratio_keys and e.get("contrast") is None:
                e = replace(e, note=e.note or "another ratio for this outcome: name its contrast")
        if key in seen:
            first = seen[key]
            same = first.fields == e.fields
            what = "repeated" if same else "ambiguous (a second value for the same outcome)"
            shown = ", ".join(f"{k}: {yaml_value(v)}" for k, v in e.fields)
            state.note(f'{what}: {e.name} {shown} in "{short(e.quote)}"', *e.values)
            continue
        seen[key] = e
        ratio_keys.add(key[:4])
        out.append(e)
    return out


def _check_total(
    e: DraftEntry,
    text: str,
    cohort: Cohort,
    arms: list[DraftArm],
    comments: list[str],
    unsized: dict[int, str],
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
    default: int | None = cohort.n if cohort.single else None
    if (
        default is None
        and cohort.sentence is not None
        and cohort.rival_at is not None
        and cohort.sentence.start <= e.span[0]
        and e.span[1] <= cohort.rival_at
    ):
        default = cohort.n  # stated after the cohort, before any other size
    source: tuple[int, int] | None = (
        (cohort.sentence.start, cohort.sentence.end) if cohort.sentence else None
    )
    if e.arm not in (None, WHOLE_COHORT):
        arm = next((a for a in arms if a.id == e.arm), None)
        default = arm.n if arm else None
        source = arm.span if arm else None
    if id(e) in unsized:
        default = None
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
    if "events" in d and "percent" in d and default and not fits and not _fits_any(d, e.quote):
        # "CR in 627 patients (82%)" of 778: the percent is of another, unstated denominator
        shown = ", ".join(f"{k}: {yaml_value(v)}" for k, v in e.fields)
        comments.append(
            f"skipped (count and percent are not of the stated n = {default}, the denominator is "
            f'not clear): {e.name} {shown} in "{short(e.quote)}"'
        )
        return None
    if "events" not in d:
        shown = ", ".join(f"{k}: {yaml_value(v)}" for k, v in e.fields)
        why = "a percent whose denominator is not stated"
        if id(e) in unsized:
            why = f"a rate compared with {unsized[id(e)]}, whose size is not stated"
        where = f" ({e.arm})" if e.arm not in (None, WHOLE_COHORT) else ""
        comments.append(f'skipped ({why}): {e.name}{where} {shown} in "{short(e.quote)}"')
        return None
    # the text does not give the denominator: a placeholder that validate names
    fields = [*e.fields, ("total", None)]
    todo = "TODO fill in: total (the denominator is not printed with this number)"
    return replace(e, fields=tuple(fields), todo=todo)


def _fits_any(d: dict[str, Any], quote: str) -> bool:
    """Some count printed in the quote is the denominator of its count and percent
    ("83.3% (5/6), including 4 patients (66.6%) with CR": 4 of the 6 evaluable)."""
    pct = d["percent"]
    decimals = printed_decimals(getattr(pct, "text", str(pct)), float(pct))
    for m in re.finditer(r"(?<![\d.])\d+(?![\d.])", quote):
        total = int(m.group(0))
        # within one printed unit: "66.6%" for 4/6 (66.67%) is truncated, not rounded
        if total > d["events"] and abs(100 * d["events"] / total - float(pct)) < 10.0**-decimals:
            return True
    return False


def _shared_totals(entries: list[DraftEntry], text: str) -> list[DraftEntry]:
    """Counts that are parts of a rate of their sentence share its total.

    "The ORR was 55.4% (13 complete responses, one partial response, ...)": when the
    sentence's rate has a total (its own or the cohort's), a count printed with it and
    without a percent is of the same patients. Drafted with a ``# check:`` comment.
    """
    out = list(entries)
    for i, e in enumerate(entries):
        d = dict(e.fields)
        if "total" not in d or d["total"] is not None or "events" not in d or "percent" in d:
            continue
        siblings = [
            x
            for x in entries
            if x is not e
            and x.arm == e.arm
            and x.span[0] <= e.span[0] < e.span[1] == x.span[1]  # x's own sentence is e's
            and x.get("total") is not None
            and x.get("percent") is not None
        ]
        totals = {x.get("total") for x in siblings}
        if len(totals) != 1:
            continue
        total = totals.pop()
        if not isinstance(total, int) or d["events"] > total:
            continue
        x = siblings[0]
        fields = tuple((k, total if k == "total" else v) for k, v in e.fields)
        out[i] = replace(
            e,
            fields=fields,
            quote=text[x.span[0] : x.span[1]],
            span=x.span,
            todo=None,
            check=(
                f"total inferred: the {x.name} rate of this sentence is of {total}, and this "
                "count is printed as a part of it"
            ),
        )
    return out
