"""Attribution: which outcome, which group and which timepoint each value of a sentence is for.

Three readers work on one sentence at a time, over the terms and values that
:mod:`.numbers` found in it: proportions (:func:`binary_entries`), medians
(:func:`median_entries`) and ratios (:func:`ratio_entries`). Values go to groups by the
sentence's structure (:func:`assign`):

* a value labelled with its group: "7.7 months in the A group", "28.4 months for KdD vs
  15.2 months for Kd", "RVd-Elo = 31 mos.", "41% (POM+LoDEX) and 48% (POM)";
* a list "x vs y", "x and y ..., respectively" for the groups listed after it ("for A and
  B, respectively") or named in the sentence in that order ("higher with A than with B (x
  vs y)");
* a sentence about one group: "In the 4-mg cohort, ...", "Among 36 patients on the A arm";

and, inferred rather than stated (drafted with a ``# check:`` comment that says how):

* a list "x vs y" in a sentence that names only the first group: the second value is the
  other group's;
* a list in a sentence that names no group: the groups in the order the allocation
  defined them.

A value that cannot be tied to one group is left out with a ``# skipped:`` comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from synthesis.records.normalize import events_from_percent, printed_decimals

from .groups import DraftArm, Groups
from .model import DraftEntry
from .numbers import (
    BARE_RATIO,
    MEDIAN_VALUE,
    NR,
    RATIO,
    RATIO_FOR_ITEM,
    RATIO_FOR_NEXT,
    RATIO_LIST_TAIL,
    RATIO_LIST_VALUE,
    Term,
    Value,
    find_terms,
    ratio_kind,
    unit_name,
)
from .text import (
    NUM,
    NUMBER,
    PAREN,
    PEOPLE,
    Num,
    Sentence,
    int_value,
    num_text,
    number,
    short,
)

Span = tuple[int, int]
_RESPECTIVELY = re.compile(r"(?i)\bres-?\s?pectively\b")  # "res-pectively": a line break


@dataclass
class State:
    """What the readers have drafted and said so far (used only inside one extraction)."""

    entries: list[DraftEntry] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    covered: list[Span] = field(default_factory=list)  # absolute spans a comment accounts for

    def note(self, comment: str, *spans: Span) -> None:
        """A comment, and the spans of the text (absolute offsets) it speaks for."""
        self.comments.append(comment)
        self.covered.extend(spans)


def _skip(
    state: State, sent: Sentence, reason: str, a: int | None = None, b: int | None = None
) -> None:
    """``skipped (reason): "value" in "sentence"`` (or the whole sentence when no span)."""
    text = sent.text
    if a is None or b is None:
        state.note(f'skipped ({reason}): "{short(text)}"', (sent.start, sent.end))
        return
    state.note(
        f'skipped ({reason}): "{short(text[a:b])}" in "{short(text)}"',
        (sent.start + a, sent.start + b),
    )


# ---------------------------------------------------------------------------
# Sentence context

_BASELINE = re.compile(r"(?i)\b(?:before|prior to|at diagnosis|at baseline|at enrol?lment)\b")
_TIMEPOINT = re.compile(
    r"^(?P<tp>(?:After|At|By|Following)\s+(?:the\s+)?(?:\w+[- ]){0,3}?"
    r"(?:cycles?|courses?|months?|weeks?|years?|days?|induction|consolidation)"
    r"(?:\s+of\s+(?:therapy|treatment|induction))?)\s*,"
    r"|^(?P<tp2>At\s+(?:the\s+)?(?:interim|final|primary|updated)\s+(?:\w+\s+){0,2}?analys[ie]s)\b"
    r"|^(?:An?|The)\s+(?P<tp3>(?:interim|final|primary|updated)\s+analys[ie]s)\b"
)
_SUBGROUP_SENTENCE = re.compile(
    r"(?i)\b(?:subgroups?|subsets?|subset\s+analysis|subgroup\s+analysis)\b"
    r"|\b(?:in|among|for)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:patients|those)\s+"
    r"(?:with|who|presenting|aged|older|younger|harbou?ring|having)\b"
    r"|^(?:patients|those)\s+(?:with|who|aged|older|younger)\b"
    # "Excluding patients with favorable karyotypes, the CR rate was 45%": a subpopulation
    r"|\b(?:excluding|except(?:\s+for)?|apart\s+from|other\s+than)\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:patients|those|cases|subjects)\b"
    # "Salvage A had an 85% CR rate", "At relapse, retreatment with A gave ...": the values of
    # a later treatment phase (its patients are a subgroup), not the study's cohort
    r"|(?:^|[,;:]\s*)(?:[\w-]+\s+){0,3}?(?:salvage|rescue|re-?treatment|re-?induction)\b"
)
# "in the 2-mg cohort", "In the 4-mg cohort,": the group a sentence's values belong to
GROUP_BEFORE = re.compile(
    r"(?i)\b(?:in|among|for)\s+(?:the\s+)?(?P<g>(?:(?!(?:each|both|all|two|three|either|"
    r"the|this|our|whole|entire|overall|total|study|same|other)\b)[\w+/-]+\s+){1,4}?)"
    r"(?:cohort|arm|group)s?\b"
)
# "Among 36 patients on the 1000 mg arm, ...", "In patients receiving A, ...": the sentence
# is about one group's members (an arm if it names one, else a subpopulation)
_GROUP_MEMBERS = re.compile(
    rf"(?i)^\s*(?:[A-Z][a-z]+:\s*)?(?:in|among|of)\s+(?:the\s+)?(?:{NUMBER}\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:patients|subjects|participants|pts)\s+(?:on|in|receiving|given|"
    r"treated\s+(?:on|in|with)|assigned\s+to|randomi[sz]ed\s+to)\s+(?:the\s+)?"
    r"(?P<g>[^,;()]{1,40}?)(?:\s+(?:cohort|arm|group)s?)?\s*,"
)
# "In the 4-mg cohort, ...": a sentence that opens with its group
_GROUP_OPENING = re.compile(
    r"(?i)^\s*(?:[A-Z][a-z]+:\s*)?" + GROUP_BEFORE.pattern.removeprefix("(?i)") + r"\s*,"
)


# "Arm A: Median OS 19.2 months", "Age >60: median OS 22.3 months": a list line that opens
# with a label and a colon is about the group the label names, unless the label is a heading
# ("Results:", "Efficacy:", "Overall survival (OS):", "Median OS:")
_COLON_LABEL = re.compile(r"^\s*(?P<g>[^:;.\n]{1,50}?)\s*:\s+")
_HEADING = re.compile(
    r"(?i)\b(?:results?|findings?|efficacy|survival|outcomes?|end\s?points?|conclusions?|summary|"
    r"overall|all|analys[ie]s|follow[- ]up|update[ds]?|primary|secondary|key|main|long[- ]term|"
    r"clinical|median|methods?|background|objectives?|aims?|purpose|design|whole|entire|"
    r"total|intention|ITT|study|data|time[- ]to|note|notably|importantly|finally|additionally|"
    r"moreover|furthermore|interestingly|briefly|addition)\b"
)


# "Among high-risk patients, ...", "In older patients, ...": a sentence that opens with the
# members of a group described by a qualifier (not "all", "evaluable", "the 45 treated")
_MEMBERS_OPENING = re.compile(
    r"(?i)^\s*(?:[A-Z][a-z]+:\s*)?(?:in|among|for)\s+(?:the\s+)?"
    r"(?P<g>(?!(?:all|the|these|those|our|this|study|evaluable|eligible|enrolled|treated|included|"
    r"assessable|analy[sz]ed|randomi[sz]ed|overall|entire|whole|total|\d+)\b)"
    r"[\w+/()-]+(?:\s+[\w+/()-]+){0,2}?\s+(?:patients|subjects|participants|pts|cases))"
    r"(?:\s*\(\s*[nN]\s*=\s*\d+\s*\))?\s*,"
)


def colon_label(text: str, terms: list[Term], pos: int) -> str | None:
    """The group label a list line opens with before ``pos`` ("Ven+Aza: Median OS ..."), if
    any: not a heading word, no outcome term."""
    m = _COLON_LABEL.match(text)
    if m is None or m.end() > pos or _HEADING.search(m.group("g")):
        return None
    if any(t.start < m.end("g") for t in terms):
        return None  # "OS: median 12 months": the outcome is the heading
    return m.group("g")


def group_frame(text: str) -> re.Match[str] | None:
    """The group a sentence opens with ("Among 36 patients on the A arm, ..."), if any."""
    return _GROUP_MEMBERS.match(text) or _GROUP_OPENING.match(text)


# "Unplanned analysis with additional 6-month follow-up demonstrated median OS of ..."
_FOLLOW_UP = re.compile(
    r"(?i)\b(?:with|after)\s+(?:an?\s+)?(?P<tp>(?:additional|longer|extended|further)\s+"
    r"(?:\d+[- ]month\s+)?follow[- ]up)"
)


def _timepoint(sent: Sentence) -> str | None:
    m = _TIMEPOINT.match(sent.text)
    if m is None:
        f = _FOLLOW_UP.search(sent.text[:200])
        return f.group("tp") if f else None
    return m.group("tp") or m.group("tp2") or m.group("tp3")


def _entry(
    name: str,
    fields: list[tuple[str, Any]],
    sent: Sentence,
    spans: list[Span],
    *,
    arm: str | None = None,
    timepoint: str | None = None,
    note: str | None = None,
    check: str | None = None,
) -> DraftEntry:
    return DraftEntry(
        name=name,
        fields=tuple(fields),
        quote=sent.text,
        span=(sent.start, sent.end),
        arm=arm,
        timepoint=timepoint,
        note=note,
        check=check,
        values=tuple((sent.start + a, sent.start + b) for a, b in spans),
    )


# ---------------------------------------------------------------------------
# Which group each value of a list belongs to

_ARM_REF = r"[A-Za-z0-9][\w/+.-]*(?:\s+(?:plus\s+|\+\s+)?[A-Za-z0-9][\w/+-]*){0,2}?"
_TRAILING_ARMS = re.compile(
    rf"(?:\s*{PAREN})?\s*,?\s*(?:(?P<each>(?:for|in)\s+(?:each|both|either)\s+(?:arms?|groups?|cohorts?))"
    rf"|(?:for|in|with)\s+(?:the\s+)?(?P<t1>{_ARM_REF})\s*,?\s+(?:and|vs\.?|versus|v\.?)\s+"
    rf"(?:the\s+)?(?P<t2>{_ARM_REF})(?:\s+(?:arms?|groups?|cohorts?|treatment))?)?"
)
_BETTER = re.compile(
    r"(?i)\b(?:higher|longer|better|greater|superior|improved|prolonged|more|favou?r(?:ed|ing))\b"
)
_WORSE = re.compile(r"(?i)\b(?:lower|shorter|worse|inferior|poorer|fewer|less)\b")
_ALLOCATED_KINDS = ("allocation with sizes", "allocation", "comparison")


# "in the PAD arm", "with CVD": a name of a group that the model may not know
_GROUP_NAME = re.compile(
    r"(?i)\b(?:in|for|with|on)\s+the\s+(?P<g>[\w+/-]+(?:\s+[\w+/-]+){0,2}?)\s+"
    r"(?:arm|group|cohort)s?\b"
    r"|\b(?:with|after|for)\s+(?P<a>(?-i:[A-Z][A-Za-z0-9+/-]{1,10}))(?![\w+/-])"
    r"(?!\s+(?:of|and)\b)"
)
_NOT_A_GROUP = re.compile(
    r"(?i)^(?:each|both|all|two|three|\d|either|whole|entire|overall|total|study|same|other|"
    r"two\s+\w+|treatment|control|experimental|(?:\w+\s+)?(?:CR|PR|ORR|OS|PFS|EFS|DFS|HR|CI|MRD|"
    r"AEs?|IPI|ECOG|ISS|FLIPI|IQR|NR|ITT|MR|SD|VGPR|P))$"
)


def _unknown_group(groups: Groups, text: str) -> str | None:
    """A group named in *text* that resolves to no arm (so no order can be inferred)."""
    for m in _GROUP_NAME.finditer(text):
        name = m.group("g") or m.group("a")
        if _NOT_A_GROUP.match(name) or groups.resolve(name) is not None:
            continue
        if m.group("a") and not groups.keys(name):
            continue
        return name
    return None


# "(9 vs. 2 months; P < .001)": the p of a comparison printed right after its values
_P_AFTER = re.compile(
    r"\s*(?:months?|mos?\.?|years?|weeks?|days?|%)?\s*"
    # "... of patients for A and B, respectively [P = .48]": the words up to "respectively"
    r"(?:[^;()\[\]\d]{0,80}?\brespectively\s*)?[;,(\[]?\s*"
    r"(?:(?i:two|one|1|2)[-‐‑]sided\s+)?(?:(?i:un)?stratified\s+)?(?:(?i:nominal)\s+)?"
    rf"(?:(?i:log-rank)\s+)?(?i:p)\s*(?:-?\s*value)?\s*(?P<op>=|<|>|≤|≥|<=|>=)\s*(?P<p>{NUM}|[.·]\d+)"
)


# "1.2 x 10-6", "3.4 × 10^-5", "2.1E-7": the rest of a number in scientific notation
_SCIENTIFIC = re.compile(r"\s*(?:[x×*]\s*10\s*(?:\^|-|−|–|‐)|[eE][-−]\d)")


def _p_after(text: str, pos: int) -> Any:
    """The p printed right after *pos* (a number, or text such as "<0.001"), else None."""
    m = _P_AFTER.match(text, pos)
    if m is None:
        return None
    p_text = num_text(m.group("p"))
    if float(p_text) > 1 or _SCIENTIFIC.match(text, m.end()):
        return None
    return number(m.group("p")) if m.group("op") == "=" else f"{m.group('op')}{p_text}"


def _with_p(state: State, first: int, arm: str | None, p: Any) -> None:
    """Put a comparison's p on its first arm's entry (the contract's place for it)."""
    if p is None or first >= len(state.entries):
        return
    e = state.entries[first]
    if e.arm != arm or e.get("p") is not None:
        return
    if any(
        r.span == e.span and r.get("p") == p and any(r.get(k) is not None for k in _KINDS)
        for r in state.entries[:first]
    ):
        return  # "12.1 vs 8.3 months (P = .002; HR 0.70 ...)": the ratio's p already
    note = "p of the comparison between the arms"
    state.entries[first] = replace(
        e, fields=(*e.fields, ("p", p)), note=f"{e.note}; {note}" if e.note else note
    )


@dataclass(frozen=True)
class Assignment:
    arms: list[DraftArm] | None
    check: str | None = None  # how an inferred order was inferred
    why: str | None = None  # why no order could be given


def _arm_pair(groups: Groups, a: str, b: str) -> list[DraftArm] | None:
    """ "for A and B": both groups, "arms A and B" read as "arm A" and "arm B"."""
    if re.fullmatch(r"(?i)arms?\s+[A-Za-z0-9]", a) and re.fullmatch(r"[A-Za-z0-9]", b):
        a, b = f"arm {a.split()[-1]}", f"arm {b}"
    a1, a2 = groups.resolve(a), groups.resolve(b)
    if a1 is not None and a2 is None and len(groups.arms) == 2:
        # "for A plus X and X alone": the other arm, when B names nothing of A
        own = groups.arm_keys(a1) - groups.arm_keys(next(x for x in groups.arms if x is not a1))
        if groups.keys(b) and not (groups.keys(b) & own):
            a2 = next(x for x in groups.arms if x is not a1)
    return [a1, a2] if a1 is not None and a2 is not None and a1 is not a2 else None


def _direction_agrees(text: str, before: str, named: DraftArm, values: list[float]) -> bool:
    """ "A had higher rates (x vs y)": the named group's value (the first) is the larger."""
    if len(values) != 2:
        return True
    if _BETTER.search(before) and values[0] < values[1]:
        return False
    return not (_WORSE.search(before) and values[0] > values[1])


# "longer in the thalidomide arm, 73 versus 60 months": the comparative tied to the group
_MORE_IN = re.compile(
    r"(?i)\b(?P<w>longer|higher|greater|better|superior|improved|prolonged|shorter|lower|worse|"
    r"inferior|favou?r(?:ed|ing))\s+"
    # "longer overall survival after A": the outcome may stand between
    r"(?:(?:overall|progression-free|event-free|disease-free|relapse-free|survival|OS|PFS|EFS|"
    r"DFS)\s+){0,3}(?:(?:in|with|for|on|among|after)\s+)?(?:the\s+)?$"
)
_LESS_WORDS = frozenset({"shorter", "lower", "worse", "inferior"})


def _by_direction(
    groups: Groups,
    text: str,
    one: DraftArm,
    other: DraftArm,
    values: list[float],
    *,
    timed: bool = False,
) -> Assignment | None:
    """Two values, one named group after a comparative ("longer in A"): the named group's
    value is the larger (or, after "shorter", "lower", the smaller), whatever the order.

    With *timed* (two survival times) the named group's value may also be printed second:
    "PFS was superior in the A arm (median 28 v 35 months)" makes 35 A's, 28 the other's."""
    if len(values) != 2 or values[0] == values[1]:
        return None
    spans = [(a, b) for a, b, arm in groups.named(text) if arm is one]
    if len(spans) != 1:
        return None
    # the group's span may hold the comparative ("longer after A" read as A's name)
    start, end = spans[0]
    cuts = [start] + [start + x.end() for x in re.finditer(r"\s+", text[start:end])]
    m = next(
        (
            found
            for cut in cuts
            if (found := _MORE_IN.search(text[max(0, start - 60) : cut])) is not None
        ),
        None,
    )
    if m is None:
        return None
    cue = " ".join(text[max(0, start - 60) + m.start() : end].split())
    larger = 0 if values[0] > values[1] else 1
    mine = larger if m.group("w").lower() not in _LESS_WORDS else 1 - larger
    # the named group's value printed second: read only for survival times in a bracket
    # right after the group ("superior in the A arm (median 28 v 35 months"), never after a
    # comma ("longer in A, 8 versus 12 months" stays out: the order is unclear)
    if mine != 0 and not (timed and re.match(r"(?i)\s*(?:arm|group)?\s*\(", text[end:])):
        return None
    arms = [one, other] if mine == 0 else [other, one]
    return Assignment(
        arms,
        check=(
            f'arms inferred: "{cue}" ({one.label}) makes the '
            f"{'larger' if mine == larger else 'smaller'} value {one.label}'s, the other "
            f"{other.label}'s"
        ),
    )


def assign(
    groups: Groups,
    text: str,
    first: int,
    last: int,
    count: int,
    values: list[float],
    *,
    trailing: re.Match[str] | None = None,
    timed: bool = False,
) -> Assignment:
    """The groups of *count* values printed in ``text[first:last]`` (see the module docstring);
    *timed*: the values are survival times (longer is better)."""
    arms = list(groups.arms)
    if len(arms) < 2:
        return Assignment(None, why="arms not identified")
    if trailing is not None and trailing.group("t1"):
        pair = _arm_pair(groups, trailing.group("t1"), trailing.group("t2"))
        if pair is not None and count == 2:
            return Assignment(pair)
        return Assignment(None, why="groups named after the values are not the arms")
    inside = [(a, b) for a, b in ((first, last),)]
    named = [arm for a, b, arm in groups.named(text) if not any(x <= a < y for x, y in inside)]
    distinct: list[DraftArm] = []
    for arm in named:
        if arm not in distinct:
            distinct.append(arm)
    if len(distinct) == count:
        return Assignment(distinct)
    if count == 2 and len(distinct) > 2:
        # "higher with A than with B (x vs y) or with C (x vs z)": the pair around the values
        before = groups.named_arms(text[:first])
        after = groups.named_arms(text[last:])
        if len(before) >= 2:
            return Assignment([before[0], before[-1]])
        if before and after and before[0] is not after[0]:
            return Assignment([before[0], after[0]])
        return Assignment(None, why="more groups named than values")
    unknown = _unknown_group(groups, text)
    if unknown is not None:
        return Assignment(None, why=f'"{unknown}" is named, not an identified arm')
    if len(distinct) == 1 and count == len(arms) > 2 and distinct[0] is arms[0]:
        order = ", ".join(a.label for a in arms[1:])
        return Assignment(
            arms,
            check=(
                f"arms inferred: the first value is {arms[0].label}'s (named in the sentence), "
                f"the others taken in the order the arms were defined ({order})"
            ),
        )
    if count == 2 and len(distinct) == 1 and len(arms) == 2:
        one = distinct[0]
        other = next(a for a in arms if a is not one)
        if one is not arms[0]:
            return _by_direction(groups, text, one, other, values, timed=timed) or Assignment(
                None, why=f"only {one.label} is named and the order of the values is not stated"
            )
        if not _direction_agrees(text, text[:first], one, values):
            return Assignment(None, why=f"the values do not read as {one.label} first")
        return Assignment(
            [one, other],
            check=(
                f"arms inferred: the first value is {one.label}'s (named in the sentence), "
                f"the second {other.label}'s (the other arm, not named)"
            ),
        )
    if not distinct and count == len(arms) and groups.how in _ALLOCATED_KINDS:
        order = ", ".join(a.label for a in arms)
        return Assignment(
            arms,
            check=(
                f"arms inferred: the sentence names no group; values taken in the order the "
                f"arms were defined ({order})"
            ),
        )
    return Assignment(None, why="arms not identified")


# ---------------------------------------------------------------------------
# Proportions

_AFTER_VERB = re.compile(
    r"^\s*(?:of\s+(?:the\s+)?)?(?:(?:evaluable|treated|assessable)\s+)?(?:patients?|cases?|pts)?"
    r"\s*(?:\([^()\d]*\))?\s*[)\]]?\s*(?:with|achieved|achieving|"
    r"attained|attaining|had|reached|showed|obtained|experienced|were in)\b"
)
_GROUP_AFTER = re.compile(
    r"(?i)^\s*(?:of\s+(?:the\s+)?patients\s+)?"
    # "a response rate of 74% was found in the A group"
    r"(?:(?:was|were)\s+(?:found|observed|seen|achieved|noted|reported|recorded)\s+)?"
    r"(?:in|among|for)\s+(?:the\s+)?"
    r"(?:[\w+/-]+\s+){0,5}?(?:group|arm|cohort|subgroup)s?\b(?:\s+(?-i:[A-Z]|\d{1,2})\b)?"
)
_TERM_AFTER = re.compile(r"\s*(?:(?:objective|confirmed|overall|durable)\s+)?")
_PAREN_LABEL = re.compile(r"^\s*\(\s*(?P<g>[A-Za-z][^()\d;,]{0,40}?)\s*\)")
_SUBGROUP_AFTER = re.compile(
    r"(?i)^\s*(?:in|among)\s+(?:the\s+)?(?:patients|those)\s+"
    r"(?:with|who|receiving|treated|undergoing|aged|older|younger)\b"
)
_RESPONDED = re.compile(
    r"(?i)^\s*(?:\)\s*)?(?:patients?\s+|pts\s+)?(?:responded|(?:had|achieved|attained)\s+an?\s+"
    r"(?:objective\s+|overall\s+)?response)\b(?!\s+(?:to|after)\b)"
)
_OF_RESPONDERS = re.compile(
    r"(?i)^\s*(?:\([^()]*\)\s*)?of\s+(?:the\s+|all\s+)?(?:patients|those|cases)\s+"
    r"(?P<q>(?:in|with|who\s+(?:achieved|attained|had|were\s+in)|achieving|attaining)\s+"
    r"[^,;.()]{1,40})"
)
_IN_POPULATION = re.compile(
    r"(?i)^\s+(?:in|among|for)\s+(?!(?:the\s+)?(?:overall|whole|entire|total|all|study|"
    r"intention|itt|evaluable)\b)(?:the\s+)?(?P<g>[A-Za-z][\w+/-]*(?:[\s-]+[A-Za-z][\w+/-]*){0,3}?)"
    r"\s*,?\s+(?:and|vs\.?|versus|compared\s+with)\s+\d"
)
# "Among 40 evaluable patients, ...", "Of the 52 treated patients, ...": a sentence's population
_TOTAL_FRAME = re.compile(
    rf"(?i)^\s*(?:[A-Z][a-z]+:\s*)?(?:among|in|of)\s+(?:the\s+|all\s+)?(?P<n>{NUMBER})\s+"
    r"(?:(?:response[- ])?(?:evaluable|assessable|treated|enrolled|eligible|randomi[sz]ed)\s+)?"
    r"(?:patients|subjects|participants|pts)"
    r"(?:\s+(?:(?:who\s+were\s+)?(?:evaluable|assessable)(?:\s+for\s+(?:response|efficacy))?|"
    r"treated|enrolled|randomi[sz]ed))?\s*(?:\([^()]*\)\s*)?,\s*"
)
# "..., with 57% complete and 17% partial responses": what follows a group's rate
_PARTS_AFTER = re.compile(r"(?i)^\s*(?:\([^()]*\)\s*)?,\s*(?:with|including)\s*$")
_PARTS_MORE = re.compile(r"(?i)^\s*(?:,\s*and|,|and)\s*$")
_TREATED_LABEL = re.compile(
    r"(?i)\s+(?:in|among|for)\s+(?:the\s+)?(?:patients|those|subjects)\s+(?:who\s+were\s+)?"
    rf"(?:treated\s+with|receiving|who\s+received|given|assigned\s+to)\s+(?:the\s+)?(?P<g>{_ARM_REF})"
    r"(?=\s*(?:[,;.)]|$|\s+(?:and|vs\.?|versus|compared|arm|group)\b))"
)
_COMPARE = re.compile(r"^\s*(?:vs\.?|versus|v\.?(?=\s)|compared (?:with|to))\s*", re.I)
_LABEL_BEFORE = re.compile(
    rf"(?<![\w/+.-])(?!(?:vs|versus|and)\b)(?P<g>{_ARM_REF})\s*(?:[:=,]\s*)?$"
)


def _label_before(groups: Groups, text: str, pos: int, low: int) -> DraftArm | None:
    """ "(RVd 8%, RVd-Elo 16%)": the group printed right before a value."""
    window = text[max(low, pos - 40) : pos]
    m = _LABEL_BEFORE.search(window)
    if m is None:
        return None
    lead = window[: m.start()]
    if lead and not re.search(r"(?:[(\[,;:]|\b(?:vs\.?|versus|and))\s*$", lead):
        return None
    if _VERB_LAST.search(m.group("g")):
        return None  # "for A and B were 97% and 91%": a list's last item and its verb
    return groups.resolve(m.group("g"))


# a verb or function word ending the words before a value: a clause, not a printed label
_VERB_LAST = re.compile(
    r"(?i)\b(?:was|were|is|are|of|had|has|have|showed|achieved|reached|in|with|for|at|to|by)$"
)


_WITH_LABEL = re.compile(
    rf"\s+(?:with|in|for|on)\s+(?:the\s+)?(?P<g>{_ARM_REF})(?:\s+(?:arm|group|cohort))?"
    r"(?=\s*(?:[,;.)]|$|\s+(?:and|vs\.?|versus|compared)\b))"
)
# words of a sentence that compares groups: its values need not all be one group's
_COMPARES = re.compile(
    r"(?i)\b(?:vs\.?|versus|compared|than|respectively|both|each|either|whereas|while|between)\b"
)
# "After induction with A, ...": A names a time, not the group the values are of
_TIMING_BEFORE = re.compile(
    r"(?i)\b(?:after|following|before|prior\s+to|post)\s+(?:[\w-]+\s+){0,3}?$"
)
# "low (mortality rate, 6.2%)": a label, then the outcome inside a parenthesis
_LABEL_PAREN = re.compile(r"(?P<g>[A-Za-z][\w+/-]*(?:\s+[A-Za-z][\w+/-]*)?)\s*\(\s*$")


# "without differences between the 3 arms", "similar in both groups": a pooled value
_POOLED = re.compile(
    r"(?i)\b(?:without|with\s+no|no)\s+(?:(?:statistically\s+)?significant\s+)?"
    r"differences?\s+(?:between|among|across)\s+(?:the\s+)?(?:\d|two|three|four|both|all)"
    r"\s*(?:\w+\s+)?(?:arms|groups|cohorts)\b"
)


def binary_entries(
    sent: Sentence, terms: list[Term], values: list[Value], state: State, groups: Groups
) -> None:
    """Proportions of a sentence: outcome by the term before (or after) the value, group by
    the sentence's structure."""
    first = len(state.entries)
    _binary_entries(sent, terms, values, state, groups)
    if len(groups.arms) < 2 or len(state.entries) == first:
        return
    if not groups.named(sent.text):
        return
    # "Overall CR rate was 76% without differences between the 3 arms, ... in arm B": the
    # rate is the whole cohort's when the sentence says so before naming any arm
    pooled = _POOLED.search(sent.text)
    if pooled is not None and not groups.named(sent.text[: pooled.start()]):
        return
    # "After progression on A, patients crossed over to B; the ORR was 30%": a rate with no
    # group in a sentence that names the arms is not clearly the whole cohort's
    kept = state.entries[:first]
    for e in state.entries[first:]:
        if e.arm is None:
            shown = ", ".join(f"{k}: {v}" for k, v in e.fields)
            state.note(
                f"skipped (a rate in a sentence that names the arms, its group not clear): "
                f'{e.name} {shown} in "{short(sent.text)}"',
                *e.values,
            )
        else:
            kept.append(e)
    state.entries[:] = kept


def _binary_entries(
    sent: Sentence, terms: list[Term], values: list[Value], state: State, groups: Groups
) -> None:
    text = sent.text
    terms = _defined_terms(terms, text)
    bterms = [t for t in terms if t.kind == "binary"]
    if not bterms or not values:
        return
    if _BASELINE.search(text):
        for v in values:
            _skip(state, sent, "baseline?", v.start, v.end)
        return
    if _SUBGROUP_SENTENCE.search(text[: values[0].start]):
        _skip(state, sent, "subgroup")
        return
    group = group_frame(text)
    if group is None or group.end() > values[0].start:
        group = GROUP_BEFORE.search(text[: values[0].start])
    if group is not None and re.search(r"(?i)\s(?:versus|vs\.?|and|or)\s", group.group("g")):
        group = None  # "in the A versus B arms were x% versus y%": two groups, read in order
    sentence_arm: DraftArm | None = None
    if group is not None:
        sentence_arm = groups.resolve(group.group("g"))
        if sentence_arm is None:
            _skip(
                state,
                sent,
                f'values of a group that is not an identified arm, "{group.group(0)}"',
            )
            return
    frame_check: str | None = None
    if sentence_arm is None and len(groups.arms) >= 2 and not _COMPARES.search(text):
        # "Best response to A was: CR 22 of 149 (15%); ...": the one arm the sentence names
        named = groups.named_arms(text)
        spans = groups.named(text)
        timing = any(_TIMING_BEFORE.search(text, max(0, a - 40), a) for a, _, _ in spans)
        if len(named) == 1 and not timing and groups.named_arms(text[: values[0].start]) == named:
            sentence_arm = named[0]
            frame_check = (
                f"arm inferred: the sentence names only {sentence_arm.label}, before its values"
            )
    tp = _timepoint(sent)
    used: set[int] = set()
    last_pair: tuple[Term, int] | None = None
    sentence_total: tuple[int, str] | None = None  # "(n = 61)" of a rate earlier in the sentence
    frame = _TOTAL_FRAME.match(text)
    if frame is not None and sentence_arm is None and frame.end() <= values[0].start:
        # "Among 40 evaluable patients, the ORR was 75%": the sentence's population
        framed = int_value(frame.group("n"))
        if framed:
            sentence_total = (framed, frame.group(0).rstrip(" ,"))
    # "74% in the A group": its arm, where it ends, and whether a part followed it
    last_group: tuple[DraftArm, int, bool] | None = None
    i = 0
    while i < len(values):
        v = values[i]
        after = text[v.end :]
        # "MRD negativity in 60% of patients in CR": of the patients an outcome defines
        responders = _OF_RESPONDERS.match(after)
        if (
            responders is not None
            and "total" not in dict(v.fields)
            and find_terms(responders.group("q"))
        ):
            _skip(state, sent, "a rate among responders", v.start, v.end)
            i += 1
            continue
        # "70% in NPM1-mutated and 40% in wild-type patients": populations that are not arms
        pops = _IN_POPULATION.match(after)
        if (
            pops is not None
            and not re.search(r"(?i)\b(?:arm|group|cohort)s?\b", pops.group("g"))
            and (not groups.arms or groups.resolve(pops.group("g")) is None)
        ):
            _skip(state, sent, "subgroup", v.start, v.end)
            i += 1
            continue
        # "from 72% to 93%": a change, not a rate of one group
        if re.search(r"(?i)\bfrom\s*$", text[max(0, v.start - 10) : v.start]) or (
            i > 0 and re.fullmatch(r"(?i)\s*to\s*", text[values[i - 1].end : v.start])
        ):
            _skip(state, sent, 'a change "from ... to ..."', v.start, v.end)
            i += 1
            continue
        # a survival term between the outcome and the value: "MRD negativity (DFS, 92%)"
        prior = [t for t in terms if t.end <= v.start]
        if prior and prior[-1].kind != "binary":
            i += 1
            continue
        # "3 risk groups: low (mortality rate, 6.2%), medium (14.5%)": the value of the
        # group named before the parenthesis, not of the cohort
        if prior and sentence_arm is None:
            label = _LABEL_PAREN.search(text, max(0, prior[-1].start - 40), prior[-1].start)
            if label is not None and ")" not in text[prior[-1].end : v.start]:
                arm = groups.resolve(label.group("g")) if groups.arms else None
                if arm is None:
                    _skip(state, sent, f'a value of "{label.group("g")}"', v.start, v.end)
                    i += 1
                    continue
        # value followed by "with CR" / "achieved CR": that term or nothing
        verb = _AFTER_VERB.match(after)
        if verb and re.match(r"\s*of\b", after) and re.search(r"(?:with|had)$", verb.group(0)):
            verb = None  # "60% of patients with CR": a population, not the outcome
        if verb and verb.group(0).strip() == "with" and re.match(r"\s*with\s+\d", after):
            verb = None  # "ORR was 93.2% with 81% CR": the outcome before, then its part
        if verb and groups.arms and verb.group(0).strip() == "with":
            w = _WITH_LABEL.match(after)
            if w is not None and groups.resolve(w.group("g")) is not None:
                verb = None  # "40% with AB": a group, not "with CR"
        if verb:
            rest = verb.end()
            nxt = next((t for t in bterms if t.start >= v.end), None)
            if nxt is not None and re.fullmatch(
                r"\s*(?:an?\s+|the\s+)?", text[v.end + rest : nxt.start]
            ):
                v, framed = _framed(v, sentence_total, sentence_arm)
                _add_binary(
                    nxt.name,
                    v,
                    sent,
                    state,
                    _timepoint_of(text, nxt) or tp,
                    arm=_id(sentence_arm),
                    check=framed or frame_check,
                )
                used.add(bterms.index(nxt))
                i += 1
                continue
            if "total" not in dict(v.fields):
                i += 1
                continue
        # "30 (75%) responded": the overall response, said with a verb
        if _RESPONDED.match(after) and not _term_run(bterms, v.start, text, used):
            v, framed = _framed(v, sentence_total, sentence_arm)
            _add_binary(
                "ORR", v, sent, state, tp, arm=_id(sentence_arm), check=framed or frame_check
            )
            i += 1
            continue
        # "23% complete response", "10 (18.9%) objective partial responses": the term after
        direct = _TERM_AFTER.match(after)
        nxt = next((t for t in bterms if t.start >= v.end), None)
        if (
            direct is not None
            and nxt is not None
            and nxt.start == v.end + direct.end()
            and not _term_run(bterms, v.start, text, used)
        ):
            arm_id = _id(sentence_arm)
            v, framed = _framed(v, sentence_total, sentence_arm)
            if arm_id is None and last_group is not None:
                # "ORR was 74% in the A group, with 57% CR and 17% PR": the parts of that
                # group's rate, named right after it
                gap = text[last_group[1] : v.start]
                rx = _PARTS_AFTER if not last_group[2] else _PARTS_MORE
                if rx.match(gap) and not groups.named(gap):
                    arm_id = last_group[0].id
                    last_group = (last_group[0], nxt.end, True)
            _add_binary(
                nxt.name,
                v,
                sent,
                state,
                _timepoint_of(text, nxt) or tp,
                arm=arm_id,
                check=framed or frame_check,
            )
            used.add(bterms.index(nxt))
            i += 1
            continue
        # "60% in the A group", "41% (POM+LoDEX)", "RVd 8%": the group if it is one
        group_after = _GROUP_AFTER.match(after)
        paren = _PAREN_LABEL.match(after)
        labelled = groups.resolve(paren.group("g")) if paren and groups.arms else None
        before_label = _label_before(groups, text, v.start, values[i - 1].end if i else 0)
        if labelled is None and before_label is not None and groups.arms:
            labelled = before_label
        if labelled is None and groups.arms:
            # "40% with AB, 50% with CD and 60% with EF": the group named right after
            w = _WITH_LABEL.match(after)
            labelled = groups.resolve(w.group("g")) if w else None
        if labelled is None and groups.arms:
            # "65% in patients treated with A and 40% in those treated with B"
            w = _TREATED_LABEL.match(after)
            labelled = groups.resolve(w.group("g")) if w else None
        if (
            group_after
            or labelled is not None
            or (_SUBGROUP_AFTER.match(after) and "total" not in dict(v.fields))
        ):
            arm = groups.resolve(group_after.group(0)) if group_after else labelled
            term = _preceding(bterms, v.start, text, used) or (
                last_pair[0] if last_pair and arm is not None else None
            )
            if arm is not None and term is not None:
                _add_binary(term.name, v, sent, state, _timepoint_of(text, term) or tp, arm=arm.id)
                last_pair = (term, v.end)
                last_group = (arm, v.end + (group_after.end() if group_after else 0), False)
            else:
                _skip(state, sent, "subgroup", v.start, min(len(text), v.end + 60))
            i += 1
            continue
        # comparison "A% vs. B%", or "A% and B% for X and Y, respectively"
        listed = _value_list(values, i, text) if i + 1 < len(values) else [v]
        compare = i + 1 < len(values) and _COMPARE.fullmatch(text[v.end : values[i + 1].start])
        tail = _TRAILING_ARMS.match(text, listed[-1].end) if len(listed) > 1 else None
        by_arm = tail is not None and tail.group("t1") is not None
        respectively = len(listed) > 1 and _RESPECTIVELY.search(text, listed[-1].end) is not None
        run = _term_run(bterms, v.start, text, used)
        if (
            compare
            or by_arm
            or (respectively and len(run) <= 1 and len(listed) == len(groups.arms))
        ):
            pair = [v, values[i + 1]] if compare else listed
            term = run[0] if len(run) == 1 else None
            if (
                term is None
                and last_pair is not None
                and not any(last_pair[1] <= t.start < v.start for t in terms)
            ):
                term = last_pair[0]  # "higher with A than with B (x vs y) or with C (x vs z)"
            got = assign(
                groups,
                text,
                v.start,
                pair[-1].end,
                len(pair),
                [float(dict(x.fields).get("percent", 0)) for x in pair],
                trailing=tail if by_arm else None,
            )
            if term is None or got.arms is None:
                why = got.why if term is not None else "outcome not identified"
                _skip(state, sent, f"two-arm comparison, {why}", v.start, pair[-1].end)
            else:
                first_entry = len(state.entries)
                for arm, val in zip(got.arms, pair, strict=True):
                    _add_binary(
                        term.name,
                        val,
                        sent,
                        state,
                        _timepoint_of(text, term) or tp,
                        arm=arm.id,
                        check=got.check,
                    )
                if len(got.arms) == len(groups.arms):  # a pairwise p of three arms: no place
                    trail = _TRAILING_ARMS.match(text, pair[-1].end)
                    after = trail.end() if trail and trail.group("t1") else pair[-1].end
                    _with_p(state, first_entry, got.arms[0].id, _p_after(text, after))
            if term is not None:
                last_pair = (term, pair[-1].end)
            i += len(pair)
            continue
        # "ORR and CR rates were 80% and 50%, respectively"
        if len(run) > 1:
            listed = _value_list(values, i, text)
            items = (
                _respective_items(text, _prior_terms(bterms, v.start, used), listed[0].start)
                if len(listed) != len(run) and _RESPECTIVELY.search(text, listed[-1].end)
                else None
            )
            if len(listed) == len(run) and _RESPECTIVELY.search(text, listed[-1].end):
                for term, val in zip(run, listed, strict=True):
                    _add_binary(
                        term.name, val, sent, state, tp, arm=_id(sentence_arm), check=frame_check
                    )
                    used.add(bterms.index(term))
            elif items is not None and len(items) == len(listed):
                # "CR, PR, and no response were 25%, 58%, and 17%, respectively": the items
                # with a canonical name take their values; the others are left out
                _add_respective(
                    items, listed, sent, state, tp, _id(sentence_arm), frame_check, used, bterms
                )
            else:
                state.note(
                    "ambiguous (several outcomes for these numbers): "
                    f'"{short(text[run[0].start : listed[-1].end])}"',
                    (sent.start + v.start, sent.start + listed[-1].end),
                )
            i += len(listed)
            continue
        if len(run) == 1:
            listed = _value_list(values, i, text)
            items = (
                _respective_items(text, _prior_terms(bterms, v.start, used), listed[0].start)
                if len(listed) > 1 and _RESPECTIVELY.search(text, listed[-1].end)
                else None
            )
            if items is not None and len(items) == len(listed):
                # "PR, stable disease, and CR were 40%, 35%, and 25%, respectively"
                _add_respective(
                    items, listed, sent, state, tp, _id(sentence_arm), frame_check, used, bterms
                )
                i += len(listed)
                continue
            if len(listed) > 1:
                # "The ORR of A and B were 67.8% and 55.6%": one outcome, several groups
                _skip(
                    state,
                    sent,
                    "several values for one outcome, groups not identified",
                    v.start,
                    listed[-1].end,
                )
                i += len(listed)
                continue
            of_n = _OF_N.search(text[run[0].end : v.start])
            d = dict(v.fields)
            check = frame_check
            n = int_value(of_n.group("n") or of_n.group("n2")) if of_n is not None else None
            if n is None and sentence_total is not None and sentence_arm is None:
                # "the CR rate among all treated patients (n = 61) was 61%, with an ORR of 82%"
                n, phrase = sentence_total
                check = f'total inferred: of "{phrase}", stated before it in the sentence'
            if n is None and sentence_arm is not None:
                # "A: CR 22 of 149 (15%); PR 95 of 149 (64%), for an ORR of 79%": one total
                totals = {
                    e.get("total")
                    for e in state.entries
                    if e.span == (sent.start, sent.end) and e.arm == sentence_arm.id
                }
                if len(totals) == 1 and None not in totals:
                    n = totals.pop()
                    how = f"total inferred: {sentence_arm.label}'s other rates here are of {n}"
                    check = f"{check}; {how}" if check else how
            if n and "total" not in d and "percent" in d:
                pct = d["percent"]
                decimals = printed_decimals(getattr(pct, "text", str(pct)), float(pct))
                if events_from_percent(float(pct), n, decimals):
                    v = Value(v.kind, v.start, v.end, (*v.fields, ("total", n)))
                    if of_n is not None:
                        sentence_total = (n, of_n.group(0).strip())
                    else:
                        _add_binary(
                            run[0].name, v, sent, state, tp, arm=_id(sentence_arm), check=check
                        )
                        used.add(bterms.index(run[0]))
                        i += 1
                        continue
            _add_binary(run[0].name, v, sent, state, tp, arm=_id(sentence_arm), check=check)
            used.add(bterms.index(run[0]))
        i += 1


def _prior_terms(bterms: list[Term], pos: int, used: set[int]) -> list[Term]:
    """The binary terms before *pos* not yet given a value."""
    return [t for k, t in enumerate(bterms) if t.end <= pos and k not in used]


# an item of a list of outcomes that has no canonical name: "stable disease", "no response"
_OUTCOME_ITEM = re.compile(
    r"(?i)\b(?:respon\w*|remissions?|disease|progression|relapses?|failures?|improvements?)$"
)


def _respective_items(text: str, run: list[Term], end: int) -> list[Term | None] | None:
    """ "Complete response, partial response, and no response were 25%, 58%, and 17%,
    respectively": the listed items before the verb, each with its term (None when it has no
    canonical name); None when the list is not a plain list of outcomes."""
    head = re.match(
        r"(?is)(?P<list>.*?)\s+(?:rates?\s+)?(?:were|was|of|:)\s+(?:observed\s+in\s+)?$",
        text[run[0].start : end],
    )
    if head is None:
        return None
    out: list[Term | None] = []
    at = run[0].start
    for piece in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", head.group("list")):
        if not piece or len(piece.split()) > 4 or re.search(r"[\d()%;]", piece):
            return None
        at = text.index(piece, at)
        inside = [t for t in run if at <= t.start < at + len(piece)]
        if len(inside) > 1:
            return None
        if inside and inside[0].end - inside[0].start < len(piece) - 12:
            return None  # "ORR of early use": more than the outcome's name
        if not inside and not _OUTCOME_ITEM.search(piece):
            return None  # "late use": a group, not an outcome
        out.append(inside[0] if inside else None)
        at += len(piece)
    if [t for t in out if t is not None] != run:
        return None
    return out


def _framed(
    v: Value, total: tuple[int, str] | None, arm: DraftArm | None
) -> tuple[Value, str | None]:
    """A count or percent without its total takes the sentence's population ("Of the 40
    evaluable patients, 30 (75%) ...") when that reproduces it."""
    d = dict(v.fields)
    if total is None or arm is not None or "total" in d or "percent" not in d:
        return v, None
    n, phrase = total
    pct = d["percent"]
    decimals = printed_decimals(getattr(pct, "text", str(pct)), float(pct))
    candidates = events_from_percent(float(pct), n, decimals)
    if not candidates or ("events" in d and d["events"] not in candidates):
        return v, None
    check = f'total inferred: of "{phrase}", stated before it in the sentence'
    return Value(v.kind, v.start, v.end, (*v.fields, ("total", n))), check


def _defined_terms(terms: list[Term], text: str) -> list[Term]:
    """Terms inside a parenthesis that follows a term define it ("total responses (complete
    response [CR], partial response [PR], minimal response [MR]) were 44 of 56"): not read."""
    out: list[Term] = []
    close = -1
    for t in terms:
        if t.start < close:
            continue
        out.append(t)
        m = re.match(r"\s*\(", text[t.end :])
        if m is None:
            continue
        opening = t.end + m.end() - 1
        depth, j = 0, opening
        for j in range(opening, min(len(text), opening + 200)):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                break
        inside = text[t.end + m.end() : j]
        if depth == 0 and not re.search(r"\d", inside) and len(find_terms(inside)) >= 2:
            close = j
    return out


def _add_respective(
    items: list[Term | None],
    listed: list[Value],
    sent: Sentence,
    state: State,
    tp: str | None,
    arm: str | None,
    check: str | None,
    used: set[int],
    bterms: list[Term],
) -> None:
    """Values of a "respectively" list of outcomes, item by item: an item with a canonical
    name takes its value; one without (None) is left out with a comment."""
    for term, val in zip(items, listed, strict=True):
        if term is None:
            _skip(state, sent, "an outcome with no canonical name", val.start, val.end)
            continue
        _add_binary(term.name, val, sent, state, tp, arm=arm, check=check)
        used.add(bterms.index(term))


def _id(arm: DraftArm | None) -> str | None:
    return arm.id if arm is not None else None


_POPULATION_BEFORE = re.compile(
    r"(?i)\b(?:patients|those|subjects|participants)\s+(?:who|that)\s+(?:\w+\s+){1,2}"
    r"(?:an?\s+|the\s+)?$"
)


def _timepoint_of(text: str, term: Term) -> str | None:
    """ "the post-ASCT CR rate": a timepoint written as a prefix of the outcome."""
    m = re.search(r"(?i)\b((?:post|pre)[-\u2013]?\s?[A-Za-z]+)\s+$", text[: term.start][-40:])
    return m.group(1) if m else None


def _preceding(terms: list[Term], pos: int, text: str, used: set[int]) -> Term | None:
    run = _term_run(terms, pos, text, used)
    return run[0] if len(run) == 1 else None


# "The objective response rate of the 50 patients was 48.0%": the rate's denominator
_OF_N = re.compile(
    rf"(?i)^\s*(?:\([A-Za-z/+ ]*\)\s*)?(?:of|in|among)\s+(?:the|all)?\s*(?:(?P<n>{NUMBER})\s+"
    r"(?:(?:evaluable|treated|assessable|enrolled|eligible)\s+)?patients\b|"
    r"(?:(?:evaluable|treated|assessable|enrolled|eligible)\s+)?patients\s*\(\s*[nN]\s*=\s*"
    r"(?P<n2>\d+)\s*\))"
)
# "The ORR, including partial response with lymphocytosis, was 94%": an aside's outcome
_ASIDE = re.compile(r"(?i)[,(]\s*(?:including|excluding|except|not\s+including)\s+(?:\w+\s+){0,2}$")


def _term_run(terms: list[Term], pos: int, text: str, used: set[int]) -> list[Term]:
    """Unused terms before *pos* that no other value separates from it (within 90 chars)."""
    before = [
        (i, t)
        for i, t in enumerate(terms)
        if t.end <= pos
        and i not in used
        and not _ASIDE.search(text[max(0, t.start - 30) : t.start])
    ]
    if not before:
        return []
    _, last = before[-1]
    if _POPULATION_BEFORE.search(text[max(0, last.start - 80) : last.start]):
        return []  # "Of the 34 patients who obtained CR, 16 (47%) remain ...": a population
    gap = _OF_N.sub("", text[last.end : pos])
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
_DURATION = rf"(?:{NUMBER}|\d+(?:\.\d+)?)[-\s‐‑–]?(?:days?|weeks?|months?|years?|d|wk|mo|yr)\b"
# "4-week mortality", "induction (8-week) mortality", "60 day NRM"
_LANDMARK_BEFORE = re.compile(rf"(?i)(?:\b{_DURATION}|\(\s*{_DURATION}\s*\))\s*$")
# "mortality ... at 60 days", "(10% vs 13% at 60 days)", "within 30 days", "by day 100"
_LANDMARK_AFTER = re.compile(rf"(?i)\b(?:at|by|within|through)\s+(?:{_DURATION}|day\s+\d+\b)")


def _landmark(text: str, name: str, v: Value) -> bool:
    """A rate at a fixed time ("4-week mortality was 26%"): a landmark, not a proportion."""
    terms = find_terms(text)
    before = [t for t in terms if t.name == name and t.end <= v.start]
    if not before:
        return False
    term = before[-1]
    if _LANDMARK_BEFORE.search(text[max(0, term.start - 40) : term.start]):
        return True
    later = [t.start for t in terms if t.start >= v.end]
    stop = min([len(text), *later, *(i for i in (text.find(";", v.end),) if i >= 0)])
    return _LANDMARK_AFTER.search(text, term.end, stop) is not None


def _add_binary(
    name: str,
    v: Value,
    sent: Sentence,
    state: State,
    timepoint: str | None,
    *,
    arm: str | None = None,
    check: str | None = None,
) -> None:
    if name in _LANDMARK_OUTCOMES and _landmark(sent.text, name, v):
        _skip(state, sent, f"a landmark rate, {name} at a fixed time", v.start, v.end)
        return
    fields = list(v.fields)
    d = dict(fields)
    note = None
    if "percent" in d and "total" in d and "events" in d:
        pct = d["percent"]
        decimals = printed_decimals(getattr(pct, "text", str(pct)), float(pct))
        if d["events"] not in events_from_percent(float(pct), d["total"], decimals):
            note = (
                f"printed {_printed(pct)}% does not fit {d['events']}/{d['total']} "
                f"({100 * d['events'] / d['total']:.1f}%); the count is kept, the percent left out"
            )
            fields = [("events", d["events"]), ("total", d["total"])]
    state.entries.append(
        _entry(
            name,
            fields,
            sent,
            [(v.start, v.end)],
            arm=arm,
            timepoint=timepoint,
            note=note,
            check=check,
        )
    )


def _printed(value: Any) -> str:
    return value.text if isinstance(value, Num) else str(value)


# ---------------------------------------------------------------------------
# Medians

# "for patients treated with the combination of A plus B", "in those receiving A": a group
# named through its members (resolved through the arms the phrase names)
_MEMBERS = (
    r"(?:for|in|among)\s+(?:the\s+)?(?:patients|those|subjects|participants|pts)\s+"
    r"(?:who\s+(?:were\s+)?)?(?:randomly\s+)?(?:treated\s+with|receiving|received|given|"
    r"assigned\s+to|randomi[sz]ed\s+to|allocated\s+to|on)\s+(?:the\s+)?"
)
_MEDIAN_GAP = re.compile(
    # "Median OS (95% CI): 12.1 (9.8-14.0) months": a CI header after the outcome
    r"(?:\s*\([A-Za-z/+ -]+\)"
    r"|\s*[\[(]\s*\d{2}(?:\.\d)?\s?%\s*(?:CI|confidence\s+intervals?)\s*[\])])?"
    r"(?:\s+time\b)?"
    # "Median OS, estimated by the Kaplan-Meier method, was 30 months"
    r"(?:\s*,\s*(?:as\s+)?(?:estimated|calculated|assessed|determined|measured)\s+(?:by|with|using)"
    r"\s+[^,;()\d]{1,50},)?"
    # "Median PFS and overall response rates for A vs. B were 6.8 vs. 5.7 months ... and x% vs y%"
    r"(?:\s+and\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:response|remission)\s+rates?)?"
    # "(PFS; primary end point; 13.3 vs 4.4 months"
    r"(?:\s*\(\s*(?:[^();\d]{1,40};\s*){1,3}(?=\d)|\s*;\s*(?:[^();\d]{1,40};\s*){0,3}(?=\d))?"
    r"(?:\s*\((?=\s*\d))?"
    r"(?:\s*\((?:all|whole|entire)\s+(?:patients|cohort|population)\))?"
    r"(?:\s+from\s+(?:the\s+)?(?:(?:first|second|third|initial|1st|2nd)\s+)?(?:relapse|diagnosis|randomi[sz]ation|enrol?ment|transplant\w*|"
    r"registration|treatment\s+start|start\s+of\s+treatment|"
    # "median OS from T0", "from study entry": a start point of one or two words, no number
    r"(?!\d)(?!the\b)[\w-]{2,20}(?:\s+(?:entry|start|inclusion|infusion|onset))?)\b)?"
    # "for A versus B", "in the A and B groups": the groups, in the order of the values
    rf"(?:\s+(?:for|in)\s+(?:the\s+)?(?P<pre1>{_ARM_REF})"
    rf"(?P<mid>(?:\s*,\s*(?:the\s+)?{_ARM_REF}){{0,2}})\s*,?\s+(?:versus|vs\.?|v\.?|compared\s+with|and)"
    rf"\s+(?:the\s+)?(?P<pre2>{_ARM_REF})(?:\s+(?:arms?|groups?|cohorts?|treatment))?"
    r"(?=\s+(?:was|were|is|are)\b|\s*[:,])|"
    rf"\s+for\s+(?:the\s+)?(?P<pre3>{_ARM_REF})\s+(?:versus|vs\.?|v\.?|compared\s+with)\s+"
    rf"(?:the\s+)?(?P<pre4>{_ARM_REF})(?:\s+(?:arms?|groups?|treatment))?)?"
    rf"(?:\s+(?:for|with|in)\s+(?:the\s+)?(?P<pre>(?!all\b|the\b|whole\b|entire\b)"
    rf"{_ARM_REF})(?:\s+(?:arm|group|cohort))?(?=\s+(?:was|were|is)\b)"
    rf"|\s+{_MEMBERS}(?P<prep>[^,;()\d]{{1,60}}?)(?:\s+(?:arm|group|cohort))?"
    r"(?=\s+(?:was|were|is)\b))?"
    r"(?:\s+(?:for|of|in)\s+(?:all\s+)?(?:the\s+)?(?:whole\s+|entire\s+|overall\s+|total\s+|study\s+)?"
    r"(?:cohort|patients|population|(?<=whole\s|ntire\s|erall\s|total\s|study\s)group)"
    r"(?=\s+(?:was|were|is)\b))?"
    # "Median PR-OS of all relapsed DLBCL patients after auto-HCT (n = 228) was 9.8 months"
    r"(?:\s+(?:of|in|among|for)\s+all\s+(?:the\s+)?(?:[\w/-]+\s+){0,4}?(?:patients|cases)"
    r"(?:\s+(?:after|with|treated|receiving)\s+[^(),;]{1,30}?(?=\s*\(|\s+(?:was|were|is)\b))?"
    r"(?:\s*\(\s*[nN]\s*=\s*\d+\s*\))?)?"
    rf"(?:\s+(?:versus|vs\.?|v\.?|compared\s+with)\s+(?:the\s+)?(?P<vs>{_ARM_REF})\s*(?=\())?"
    r"\s*(?:[:=,]|\bwas\b|\bwere\b|\bof\b|\bis\b|\bare\b|\bhas\b|\bhave\b|\bhad\b|\breached\b)?"
    # "median PFS was calculated as 27 months", "was estimated at", "was found to be"
    r"(?:\s*been\b)?(?:\s*(?:calculated|estimated|determined|found|observed|reported|"
    r"recorded|measured|computed)\s+(?:as|at|to\s+be)\b)?"
    # "Median OS was 10 months longer with A vs B (59.1 vs 49.1 months": a difference first
    rf"(?:(?:\s*(?:by\s+)?\d+(?:\.\d+)?\s*(?:months?|years?|weeks?|days?|mo)\s+(?=(?:significantly\s+)?"
    r"(?:longer|shorter|better|worse|improved|superior|inferior)\s+(?:with|in|for)\s.{1,80}?\(\s*\d))?"
    rf"\s*(?:significantly\s+)?(?:longer|shorter|better|worse|improved|superior|inferior)\s+"
    rf"(?:with|in|for)\s+(?:the\s+)?(?P<sub>{_ARM_REF})(?:\s+(?:arm|group))?"
    rf"(?:\s+(?:than|compared\s+(?:with|to)|versus|vs\.?)\s+(?:with\s+|in\s+|for\s+)?(?:the\s+)?"
    rf"{_ARM_REF}(?:\s+(?:arm|group))?)?\s*[(,:])?"
    # "median survival did not differ significantly according to randomization (67, 70 and ..."
    r"(?:\s*(?:did|was|were)\s+not\s+(?:[\w-]+\s+){0,6}?(?=\(\s*\d)"
    # "Median OS was similar between groups (8.1 vs 7.9 months)"
    r"|\s*(?:similar|comparable)\s+(?:between|across|in|among)\s+(?:the\s+)?"
    r"(?:two\s+|both\s+|2\s+|three\s+|3\s+)?(?:treatment\s+)?(?:groups|arms|cohorts)\s*(?=\(\s*\d))?"
    r"\s*[(\[]?\s*"
)
_VALUE_LABEL = re.compile(
    rf"\s+(?:(?:with|in|for)\s+(?:the\s+)?(?P<lab>(?!each\b|both\b|all\b|either\b)"
    rf"{_ARM_REF})(?:\s+(?:arm|group|cohort))?"
    r"(?=\s*(?:[,;().\]]|$|\s+(?:vs\.?|versus|v\.?|and|compared)\s))"
    rf"|{_MEMBERS}(?P<labp>[^,;()\d]{{1,60}}?)(?:\s+(?:arm|group|cohort))?"
    r"(?=\s*(?:[,;().\]]|$|\s+(?:vs\.?|versus|v\.?|compared)\s|\s+and\s+(?=\d|not\s|NR\b))))"
)
_AFTER_LABEL = re.compile(
    rf"\s+after\s+(?:the\s+)?(?P<lab>{_ARM_REF})(?:\s+(?:arm|group|cohort))?(?P<labp>)"
    r"(?=\s*(?:[,;().\]]|$|\s+(?:vs\.?|versus|v\.?|and|compared)\s))"
)
_PRE_LABEL = re.compile(
    r"\s*(?:(?:in|for|with)\s+(?:the\s+)?)?"
    rf"(?P<lab>(?!not\b|NR\b){_ARM_REF})(?:\s+(?:arm|group|cohort))?(?:\s*(?:=|:|,)\s*|\s+)"
    rf"(?={NUM}|not\s|NR\b)"
)
_VALUE_SEP = re.compile(
    r"\s*(?:,?\s*(?:as\s+)?compared\s+(?:with|to)|,?\s*(?:vs\.?|versus)|"
    # "10.1 months in the A arm, while it was 6.2 months in the B arm"
    r",?\s*(?:while|whereas)(?:\s+(?:it|that|this|the\s+median)\s+(?:was|were))?|,\s*and|,|;|"
    r"and(?:\s+(?:was|were)\b)?|v\.?(?=\s))\s*"
)
# "... months for the A and B groups", "... for A and B, respectively": a list of groups
_RESPECTIVELY_AFTER = re.compile(
    rf"(?:\s*,\s*(?:the\s+)?{_ARM_REF}){{0,2}}"
    rf"\s*,?\s+(?:and|vs\.?|versus)\s+(?:the\s+)?(?!\d[\d.,]*\s){_ARM_REF}(?:\s+(?:arms?|groups?|cohorts?)\b"
    r"|,?\s+respectively)"
)
_GROUP_LIST_AFTER = re.compile(
    rf"(?:\s*,\s*(?:the\s+)?(?!\d){_ARM_REF}){{0,2}}"
    rf"\s*,?\s+(?:and|vs\.?|versus|v\.?)\s+(?:the\s+)?(?P<g>(?!\d){_ARM_REF})"
    r"(?:\s+(?:arms?|groups?|cohorts?))?(?=\s*(?:[,;.)\]]|$))"
)
_FOR_BOTH = re.compile(r"(?i)\s+(?:for|in)\s+(?:each|both)\b(?!\s+(?:arms?|groups?|cohorts?)\b)")
_UNLABELLED_CI = re.compile(
    rf"\s*[(\[]\s*(?P<lo>{NUM})\s*(?:-|‐|‑|–|—|−|to)\s*(?P<hi>{NUM})\s*[)\]]"
)
# "median (95% CI) PFS ... of 5 (4, 6)": after a CI header, a comma may part the limits
_HEADED_CI = re.compile(rf"\s*[(\[]\s*(?P<lo>{NUM})\s*(?:-|‐|‑|–|—|−|to|,)\s*(?P<hi>{NUM})\s*[)\]]")
_TIME_UNIT = re.compile(r"(?i)\s*(?:months?|mos?\.?|years?|weeks?|days?)\b")


@dataclass
class _Medians:
    """A run of median values read after an outcome: values, labels, CIs, separators."""

    vals: list[re.Match[str]] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    extra_ci: list[tuple[str, str] | None] = field(default_factory=list)
    seps: list[str] = field(default_factory=list)
    end: int = 0
    unit: str | None = None  # a unit printed after the last value's CI


def _group_label(groups: Groups, text: str, pos: int) -> re.Match[str] | None:
    """ "RVd-Elo = 31 mos.", "KdD, not reached": a group's name printed before its value."""
    m = _PRE_LABEL.match(text, pos)
    return m if m is not None and groups.resolve(m.group("lab")) is not None else None


# "... months in the A arm among ...", "... months in patients older than 70": the group or
# subgroup a value is for, printed after it (and not read as its label)
_GROUP_AFTER_VALUE = re.compile(
    r"(?i)\s*(?:months?|mos?\.?|years?|weeks?|days?)?\s*,?\s+(?:in|among|for|with|on)\s+"
    r"(?!(?:the\s+)?(?:all|entire|whole|overall|total|study|full|intention|ITT|this|our|present|"
    r"current|same)\b)(?:the\s+)?(?:(?:[\w+/-]+\s+){0,4}?"
    r"(?:(?P<who>patients|those|subjects|participants)\s+(?:with|who|without|achieving|achieved|"
    r"aged|older|younger|having|harbou?ring|that|whose)\b"
    r"|(?P<grp>arms?|groups?|cohorts?|subgroups?|subsets?|responders|non-responders)\b)|)"
    r"[^,;.]{0,40}"
)
_WHOLE_LABEL = re.compile(
    r"(?i)(?:this|our|the|present|current|whole|entire|overall|total|study|full|all|ITT|"
    r"intention)\b|(?:cohort|population|patients)$"
    # "Median OS for the 45 evaluable patients was": the study's patients
    r"|\d+\s+(?:(?:evaluable|eligible|enrolled|treated|included|assessable|analy[sz]ed|"
    r"randomi[sz]ed)\s+)?(?:patients|subjects|participants)$"
)
_BRACKET_LABEL = re.compile(r"\s*[(\[]\s*(?P<g>[A-Za-z][^()\[\]\d;,=]{0,40}?)\s*[)\]]")


# "A who relapsed", "A after B": a phrase that qualifies the group names a subgroup
_QUALIFIED = re.compile(
    r"(?i)\b(?:who|whom|which|that|after|before|following|without|achieving|achieved|aged|"
    r"older|younger|relapsed|refractory|responders?|responding|had|has|having|harbou?ring|"
    r"carrying|positive|negative|mutated|mutation|(?:patients|those|subjects)\s+with)\b"
)
# "Patients treated with A had a median OS of", "The A group had a median PFS of": the
# subject of the clause is a group
_MEMBERS_SUBJECT = re.compile(
    r"(?i)(?:^|[;:,]\s*|\b(?:while|whereas)\s+)(?P<s>[^,;:()]{0,50}?\b(?:patients|those|subjects|"
    r"participants|pts|cases)\b[^,;:()]{0,50}?)\s+(?:had|showed|achieved|experienced|attained|"
    r"reached|demonstrated)\s+(?:an?\s+|the\s+)?$"
)
_STUDY_PATIENTS = re.compile(
    r"(?i)\s*(?:the\s+|all\s+|these\s+|our\s+)*(?:\d+\s+)?(?:(?:evaluable|eligible|enrolled|"
    r"treated|included|assessable|analy[sz]ed|randomi[sz]ed)\s+)?(?:patients|subjects|"
    r"participants|pts|cases)(?:\s+(?:overall|in\s+(?:this|our|the)\s+(?:study|trial|cohort)))?"
)
_SUBJECT = re.compile(
    r"(?i)(?:^|[;,:]\s*|\b(?:while|whereas)\s+)(?:the\s+)?(?:(?:patients|those|subjects|"
    r"participants)\s+(?:who\s+(?:were\s+)?)?(?:treated\s+with|receiving|received|given|"
    r"assigned\s+to|randomi[sz]ed\s+to|allocated\s+to|in|on)\s+(?:the\s+)?(?P<g>[^,;()]{1,60}?)"
    r"|(?P<g2>[A-Za-z0-9][\w+/.-]*(?:\s+[\w+/.-]+){0,3}?))(?:\s+(?:arm|group|cohort))?\s+"
    r"(?:had|showed|achieved|experienced|attained|reached)\s+(?:an?\s+|the\s+)?$"
)


def _resolve_label(groups: Groups, label: str) -> DraftArm | None:
    """The arm a value's label names: the label itself, else the one arm a longer phrase
    names ("the combination of A plus dexamethasone" -> A, when dexamethasone is no arm),
    unless the phrase qualifies it ("A who relapsed")."""
    if _QUALIFIED.search(label):
        return None
    arm = groups.resolve(label)
    if arm is not None:
        return arm
    named = groups.named_arms(label)
    return named[0] if len(named) == 1 else None


def _read_medians(text: str, pos: int, groups: Groups, ci_header: bool = False) -> _Medians:
    out = _Medians(end=pos)
    while True:
        pre = _group_label(groups, text, pos)
        vm = MEDIAN_VALUE.match(text, pre.end() if pre else pos)
        if vm is None or vm.end() == vm.start():
            break
        out.vals.append(vm)
        end = vm.end()
        ci = None
        skipped_paren = False
        # "16.4 months (A) vs 12.1 months (B)": a group's name in a bracket after its value
        bracket = _BRACKET_LABEL.match(text, end)
        if bracket is not None and groups.resolve(bracket.group("g")) is None:
            bracket = None
        if bracket is not None:
            end = bracket.end()
        unl = (_HEADED_CI if ci_header else _UNLABELLED_CI).match(text, end)
        labelled_before = any(v.group("lvl") or v.group("blvl") for v in out.vals[:-1])
        if unl and not (vm.group("lo") or vm.group("blo")) and (labelled_before or ci_header):
            ci = (unl.group("lo"), unl.group("hi"))  # "versus 5.4 months (4.5-6.8)"
            end = unl.end()
        elif not (vm.group("lo") or vm.group("blo")) and bracket is None:
            skip = re.match(rf"\s*{PAREN}", text[end : end + 300])
            if skip and not re.search(r"(?i)\b(?:HR|OR|ratio)\b", skip.group(0)):
                end += skip.end()  # a CI the pattern cannot read: left out
                skipped_paren = True
        out.extra_ci.append(ci)
        if not vm.group("unit"):
            unit = _TIME_UNIT.match(text, end)
            if unit is not None and (len(out.vals) > 1 or ci is not None or skipped_paren):
                end = unit.end()
                out.unit = unit.group(0).strip().rstrip(".")
        if _FOR_BOTH.match(text, end):
            out.labels.append("*both")  # "3.8 months for both": which two is not said here
            out.end = end
            break
        lab = _VALUE_LABEL.match(text, end)
        if lab is None:
            # "20.2 months after CHOP versus 33.1 months after R-CHOP": a treatment the value
            # follows is its group only when it is an arm ("after relapse" is no label)
            lab = _AFTER_LABEL.match(text, end)
            if lab is not None and groups.resolve(lab.group("lab")) is None:
                lab = None
        if lab is not None and lab.group("lab") and _RESPECTIVELY_AFTER.match(text, lab.end()):
            lab = None  # "... months for A and B, respectively": the list's, not this value's
        if lab is not None and lab.group("lab"):
            more = _GROUP_LIST_AFTER.match(text, lab.end())
            if more is not None:
                one, two = groups.resolve(lab.group("lab")), groups.resolve(more.group("g"))
                if one is not None and two is not None and one is not two:
                    lab = None  # "x vs y months for A vs B": a list of groups after the values
        label = (
            (lab.group("lab") or lab.group("labp"))
            if lab
            else (bracket.group("g") if bracket else (pre.group("lab") if pre else None))
        )
        out.labels.append(label)
        if lab:
            end = lab.end()
        sep = _VALUE_SEP.match(text, end)
        out.end = end
        if sep is None:
            break
        nxt = _group_label(groups, text, sep.end())
        following = MEDIAN_VALUE.match(text, nxt.end() if nxt else sep.end())
        if not following or re.match(
            r"\s?%|[-‐]\s?(?:year|month|week|day)", text[following.end() : following.end() + 8]
        ):
            break  # "... months (p = 0.35) and 69.8 % vs. 57.3 %": a percent is no median
        if sep.group(0).strip() == ";" and nxt is None:
            break
        out.seps.append(re.sub(r"(?i)^as\s+", "", sep.group(0).strip().lstrip(",").strip()))
        pos = sep.end()
    return out


_CARRIED_MEDIAN = re.compile(
    r"(?i)\bmedian\s+[\w-]+(?:\s+[\w-]+){0,2}\s*\(\s*\d[^()]{0,120}\)\s*,?\s*and\s+$"
)


# "OS (median [95% confidence interval; CI]) was ...": the form of the values that follow
_CI_HEADER = re.compile(
    r"\s*[\[(]\s*\d{2}(?:\.\d)?\s?%\s*(?:CI|confidence\s+interval)[^\])]{0,20}[\])]\s*\)?"
)


_NOT_SURVIVAL_MEDIAN = re.compile(
    r"(?i)\b(?:follow[- ]?up|age|cycles?|doses?|number|interval|lines?|times?\s+on|observation)\b"
)


def _median_run(text: str, m: re.Match[str], tterms: list[Term]) -> tuple[list[Term], int] | None:
    """The time outcomes a "median" introduces, and where its values may start."""
    header = _CI_HEADER.match(text, m.end())
    before = [t for t in tterms if t.end <= m.start()]
    if (
        header is not None
        and before
        and re.fullmatch(r"\s*\(\s*", text[before[-1].end : m.start()])
    ):
        return [before[-1]], header.end()
    first = next((t for t in tterms if t.start >= m.end()), None)
    if first is not None and _NOT_SURVIVAL_MEDIAN.search(text[m.end() : first.start]):
        return None  # "median follow-up for OS", "median age at OS analysis": not a survival median
    if first is not None and re.fullmatch(
        # "median (95% CI) PFS", "median (range) OS": the form of the values, printed before
        r"(?:\s*[\[(]\s*(?:\d{2}(?:\.\d)?\s?%\s*(?:CI|confidence\s+intervals?)|range|IQR|"
        r"interquartile\s+range)\s*[\])])?"
        r"(?:(?:\s+[A-Za-z-]+){0,2}?\s+|\s+[A-Za-z]{1,4}-)",
        text[m.end() : first.start],
    ):
        run = [first]
        for t in tterms:
            if t.start > run[-1].end and re.fullmatch(
                r"\s*(?:,|and|or|,\s*and|&)\s*(?:the\s+)?(?:median\s+)?",
                text[run[-1].end : t.start],
            ):
                run.append(t)
        return run, run[-1].end
    # "PFS ... (median of 28 v 35 months)", "At IA of OS, median was 41.4": the one survival
    # outcome the sentence names before
    lead = re.match(r"\s+(?:duration\s+)?of\b|\s*(?:was|were|,)(?=\s)", text[m.end() :])
    # "A prolonged PFS (median 14.2 vs 8.1 months ...)": "(median" right before the values
    in_paren = re.search(r"\(\s*$", text[max(0, m.start() - 3) : m.start()]) is not None
    bare = lead is None and in_paren and re.match(r"\s+(?=\d)", text[m.end() :]) is not None
    names = {t.name for t in tterms if t.end <= m.start()}
    if (
        (lead is not None or bare)
        and before
        and re.fullmatch(r"\s*\(\s*", text[before[-1].end : m.start()])
    ):
        # "PFS (median, 10 months) and OS (median, 20 months)": the outcome right before
        return [before[-1]], m.end() + (
            lead.end() if lead is not None and lead.group(0).strip() == "," else 0
        )
    if (lead is None and not bare) or len(names) != 1 or len({t.name for t in tterms}) != 1:
        return None
    return [next(t for t in tterms if t.end <= m.start())], m.end() + (
        lead.end()
        if lead is not None and lead.group(0).strip().startswith(("of", "duration"))
        else 0
    )


# "... versus an estimated median of 16 months": a value on the second side of a comparison
# "6 months longer", "an improvement of 6 months", "prolonged by 6 months": a difference
_DIFFERENCE_AFTER = re.compile(
    r"(?i)\s*(?:months?|mos?\.?|years?|weeks?|days?)?\s*(?:longer|shorter|more|less|better|worse|"
    r"greater|fewer|improvement|gain|increase|decrease|difference|benefit|prolongation|extension)\b"
)
_DIFFERENCE_BEFORE = re.compile(
    r"(?i)\b(?:(?:improvement|gain|increase|decrease|difference|benefit|prolongation|extension|"
    r"reduction)\s+(?:in\s+[\w-]+(?:\s+[\w-]+){0,2}\s+)?of|(?:improved|prolonged|extended|"
    r"increased|reduced|shortened|longer|shorter)\s+by|by\s+(?:about|approximately|nearly|"
    r"almost|over|more\s+than)?)\s*$"
)
_FIRST_SIDE = re.compile(
    r"(?i)[^;()\d]{1,60}?\b(?:vs\.?|versus|compared\s+(?:with|to))\s+[^;()\d]{0,40}?"
    r"(?:\d|not\s+(?:yet\s+)?reached|NR\b)"
    # "25 months for patients treated before 2010 and 40 months for those treated after":
    # another time value in the same clause, no other outcome between
    r"|(?:(?!median|survival|\b(?:OS|PFS|EFS|DFS|RFS|TTP|DOR|TTF)\b|free|response|follow)"
    r"[^;()]){1,60}?\b(?:and|while|whereas|but)\s+(?:(?:it|that)\s+was\s+)?(?:only\s+)?"
    r"(?<![\w.-])\d+(?:\.\d+)?\s+(?:months?|mos?\b|years?|weeks?|days?)\b"
)
_FAVOURING = re.compile(
    rf"(?i)[^;]{{0,40}}?\b(?:favou?ring|in\s+favou?r\s+of)\s+(?:the\s+)?(?P<g>{_ARM_REF})"
)
_SECOND_SIDE = re.compile(
    r"(?i)\b(?:versus|vs\.?|compared\s+(?:with|to)|than)\s+(?:(?:an?|the)\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:median\b[^,;()]{0,30}?)?$"
)


# "... similar in patients treated with BR (59.0 months) and FCR (55.0 months)": a group's value
_GROUP_PAREN_VALUE = re.compile(
    rf"[A-Za-z][\w+/-]*\s*\(\s*{NUM}\s*(?:months?|mos?|years?|weeks?|days?)\s*\)"
)


_LIST_VERB = re.compile(r"\s*(?::|\b(?:were|was|are|is)\b)")
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:and|or)\b|,|\band\b|\bor\b|&)\s*")


# "in patients who received A": the members of an arm, not a subgroup
_ARM_MEMBERS = re.compile(
    r"(?i)(?:in|among|for)\s+(?:the\s+)?(?:patients|those|subjects|participants)\s+who\s+"
    r"(?:were\s+)?(?:received|treated\s+with|given|assigned\s+to|randomi[sz]ed\s+to|"
    r"allocated\s+to)\s+(?:the\s+)?(?P<g>[^,;()]{1,60}?)"
    r"(?=\s*[,;()]|\s+(?:had|has|was|were|showed|than|compared|vs\.?|versus)\b|\s*$)"
)


def _subgroup_before(text: str, end: int, groups: Groups) -> bool:
    """Whether ``text[:end]`` names a subgroup (see ``_SUBGROUP_SENTENCE``), not counting
    "in patients who received A" for an arm A."""
    for m in _SUBGROUP_SENTENCE.finditer(text, 0, end):
        members = _ARM_MEMBERS.match(text, m.start())
        if members is not None and _resolve_label(groups, members.group("g")) is not None:
            continue
        return True
    return False


_M_ABBREVIATION = re.compile(r"\bm(?P<t>OS|PFS|EFS|DFS)\b")


def _outcome_list(
    text: str, start: int, tterms: list[Term], groups: Groups
) -> tuple[list[Term | None], int] | None:
    """ "Median OS (overall survival [OS]), duration of CCR (CCR), and DFS were": the items
    of a list of outcomes up to its verb, each the one time outcome it names or None (an
    item the synonyms table does not know). Brackets are read as one piece; None when the
    text does not read as such a list (no verb within 200 characters)."""
    items: list[Term | None] = []
    depth = 0
    item_start = start
    pos = start
    limit = min(len(text), start + 200)

    def close(end: int) -> bool:
        inside = [t for t in tterms if item_start <= t.start and t.end <= end]
        if not text[item_start:end].strip() or re.search(r"\d", text[item_start:end]):
            return False
        names = {t.name for t in inside}
        if len(names) > 1 or groups.named_arms(text[item_start:end]):
            return False  # "Median PFS for A and B were ...": a list of groups, not outcomes
        items.append(inside[0] if inside else None)
        return True

    while pos < limit:
        ch = text[pos]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            verb = _LIST_VERB.match(text, pos)
            if verb is not None and (pos == 0 or not text[pos - 1].isalnum()):
                if not close(pos):
                    return None
                return items, verb.end()
            sep = _LIST_SEP.match(text, pos)
            if sep is not None and (pos == 0 or not text[pos - 1].isalnum() or ch == ","):
                if not close(pos):
                    return None
                pos = item_start = sep.end()
                continue
        pos += 1
    return None


def _listed_medians(
    sent: Sentence,
    state: State,
    run: list[Term],
    tterms: list[Term],
    groups: Groups,
    frame_arm: DraftArm | None,
) -> bool:
    """ "Median survival (OS), CCR and DFS were 2.2, 2.4, and 2 years, respectively": values
    paired with a list of outcomes that holds an item with no canonical name (left out with
    a comment). True when the sentence was read so."""
    text = sent.text
    found = _outcome_list(text, run[0].start, tterms, groups)
    if found is None:
        return False
    items, after = found
    if len(items) < 2 or (None not in items and len(items) <= len(run)) or not any(items):
        return False
    read = _read_medians(text, after + len(text[after:]) - len(text[after:].lstrip()), groups)
    vals = read.vals
    if (
        len(vals) != len(items)
        or any(read.labels)
        or any(s.lower().startswith(("v", "compared")) for s in read.seps)
    ):
        return False
    b = vals[-1].end()
    if not re.match(
        r"(?i)\s*(?:months?|mos?\.?|years?|weeks?|days?)?\s*,?\s*respectively\b", text[b:]
    ):
        return False
    unit = next((unit_name(v.group("unit")) for v in reversed(vals) if v.group("unit")), None)
    if unit is None:
        tail = _TIME_UNIT.match(text, b)
        unit = unit_name(tail.group(0).strip().rstrip(".")) if tail else unit_name(read.unit)
    if unit is None:
        return False
    tp = _timepoint(sent)
    for term, vm, ci in zip(items, vals, read.extra_ci, strict=True):
        if term is None:
            _skip(
                state, sent, "a median of an outcome with no canonical name", vm.start(), vm.end()
            )
            continue
        _add_median(term.name, vm, unit, sent, state, tp, arm=_id(frame_arm), extra_ci=ci)
    return True


_THE_GROUPS = re.compile(
    r"(?i)\b(?:(?:in|for)\s+(?:the\s+|these\s+)?(?:(?P<k>two|three|2|3|both)\s+)"
    r"|(?:between|across)\s+(?:the\s+|these\s+)?(?:(?P<k2>two|three|2|3|both)\s+)?)"
    r"(?:treatment\s+|study\s+)?(?:groups|arms|cohorts)\b"
)
_COUNTS = {"two": 2, "2": 2, "both": 2, "three": 3, "3": 3}


def _in_the_groups(groups: Groups, text: str, count: int) -> Assignment | None:
    """ "median survival (6.7 vs 6.5 months) was similar in the 2 groups": a sentence that
    names no group but says the values are the groups' (as many as there are) takes them in
    the order the groups were defined, with a check."""
    m = _THE_GROUPS.search(text)
    arms = list(groups.arms)
    if m is None or count != len(arms):
        return None
    k = m.group("k") or m.group("k2")
    if k is not None and _COUNTS[k.lower()] != len(arms):
        return None
    if groups.named_arms(text) or _unknown_group(groups, text) is not None:
        return None
    order = ", ".join(a.label for a in arms)
    return Assignment(
        arms,
        check=(
            f'arms inferred: the sentence says the values are "{m.group(0)}" and names none; '
            f"values taken in the order the groups were defined ({order})"
        ),
    )


def median_entries(sent: Sentence, terms: list[Term], state: State, groups: Groups) -> None:
    """Medians of a sentence ("median OS was 12 months (95% CI ...)"), one per outcome/group.

    Where a run of values starts: after "median" and its outcomes ("median PFS and OS",
    "median (95% CI) PFS", "mOS"), after "PFS and OS medians", after "PFS (median, ...";
    the words between may say how or from when ("from T0", "was calculated as",
    "estimated by the Kaplan-Meier method,"), never "follow-up", age or cycles. Which
    group each value is for: a label after it ("in the A arm", "(A)", "for patients
    treated with A"), before it ("for A was", "Patients treated with A had a median OS
    of"), a list of groups before or after the values, each group's bracket ("A (7.7
    months; 95% CI ...) versus B (...)"), "in the two groups" or "between groups" (the
    groups' order, with a check), else :func:`assign`. A value whose group or subgroup is
    named but is no arm is left out with a comment; an outcome list item with no
    canonical name is left out, the others paired "respectively".
    """
    first = len(state.entries)
    _median_entries(sent, terms, state, groups)
    if len(groups.arms) < 2 or len(state.entries) == first:
        return
    # "After crossover from A to B, median OS was 20 months": an arm named in the clause
    # before a median with no group makes it not clearly the whole cohort's
    kept = state.entries[:first]
    for e in state.entries[first:]:
        at = e.values[0][0] - sent.start if e.values else 0
        clause = sent.text[: max(0, at)].rsplit(";", 1)[-1]
        # "PFS (median, 10 months) ... favoured A": an arm named after the value, too, unless
        # it has its own values there ("12 months and did not differ (13 months for A vs ...")
        after = sent.text[max(0, at) :].split(";", 1)[0]
        valued = {x.arm for x in state.entries[first:] if x.arm is not None}
        named_after = any(arm.id not in valued for _, _, arm in groups.named(after))
        if e.arm is None and (groups.named(clause) or named_after):
            shown = ", ".join(f"{k}: {v}" for k, v in e.fields)
            state.note(
                f"skipped (a median in a clause that names an arm, its group not clear): "
                f'{e.name} {shown} in "{short(sent.text)}"',
                *e.values,
            )
        else:
            kept.append(e)
    state.entries[:] = kept


def _median_entries(sent: Sentence, terms: list[Term], state: State, groups: Groups) -> None:
    text = sent.text
    tterms = [t for t in terms if t.kind == "time"]
    drafted_nr = False
    starts: list[tuple[int, list[Term], int]] = []
    for m in re.finditer(r"(?i)\bmedian\b", text):
        found = _median_run(text, m, tterms)
        if found is not None:
            starts.append((m.start(), *found))
    for m in re.finditer(r"(?i)\bmedians\b", text):
        # "PFS and OS medians were 10 and 20 months": the outcomes right before
        run = [t for t in tterms if t.end <= m.start()]
        if run and re.fullmatch(r"\s+", text[run[-1].end : m.start()]):
            listed = [run[-1]]
            for t in reversed(run[:-1]):
                if not re.fullmatch(r"\s*(?:,|and|or|,\s*and)\s*", text[t.end : listed[0].start]):
                    break
                listed.insert(0, t)
            starts.append((listed[0].start, listed, m.end()))
    # "mOS was 12.1 mo", "mPFS: 6.2 months": "m" before an outcome's abbreviation is "median"
    for mm in _M_ABBREVIATION.finditer(text):
        term = next((t for t in tterms if (t.start, t.end) == mm.span("t")), None)
        if term is not None:
            starts.append((mm.start(), [term], term.end))
    for t in tterms:
        # "median TTP (13.6 vs. 7.0 months; ...) and PFS (11.9 vs. 6.4 months)": "median" carries
        if _CARRIED_MEDIAN.search(text[max(0, t.start - 160) : t.start]) and re.match(
            r"\s*\((?=\s*\d)", text[t.end : t.end + 4]
        ):
            starts.append((t.start, [t], t.end))
    starts.sort(key=lambda x: x[0])
    # "median OS with A (7.7 months; 95% CI ...) versus B (5.0 months; ...)": each group
    # names its value in a bracket; read before the lists below
    _group_paren_times(sent, tterms, state, groups)
    grouped = False  # an earlier value of the sentence is a group's: a later bare one may be too
    for m_start, run, after in starts:
        if _subgroup_before(text, m_start, groups):
            _skip(state, sent, "subgroup")
            continue
        frame = group_frame(text)
        frame_arm: DraftArm | None = None
        frame_list: list[DraftArm] = []
        if frame is not None and frame.end() <= m_start:
            frame_arm = groups.resolve(frame.group("g"))
            listed = groups.named_arms(frame.group("g")) if frame_arm is None else []
            if len(listed) >= 2 and re.search(r",|\band\b", frame.group("g")):
                # "In the A and B arms, the median PFS was x and y months, respectively"
                frame_list = listed
            elif frame_arm is None:
                # "Among 36 patients on the 1000 mg arm, median PFS was ...": not the cohort's
                _skip(
                    state,
                    sent,
                    f'median of a group that is not an identified arm, "{short(frame.group(0))}"',
                )
                continue
        label = colon_label(text, terms, m_start) if frame is None else None
        opening = _MEMBERS_OPENING.match(text) if frame is None and label is None else None
        if opening is not None and opening.end() <= m_start:
            # "Among high-risk patients, median PFS was 10.1 months": a subpopulation's value
            # unless the words name one arm ("Among ibrutinib-treated patients, ...")
            label = opening.group("g")
        if label is not None:
            frame_arm = _resolve_label(groups, label)
            if frame_arm is None:
                # "Age >60: Median OS 22.3 months": a subgroup's, not the cohort's
                _skip(state, sent, f'median of a group named before it, "{label}"')
                continue
        if _listed_medians(sent, state, run, tterms, groups, frame_arm):
            continue
        gap = _MEDIAN_GAP.match(text, after)
        pos = gap.end() if gap else after
        ci_header = (
            _CI_HEADER.match(text, after - 40 if after >= 40 else 0) is not None
            or bool(re.search(r"(?i)median\s*[\[(]\s*\d{2}\s?%\s*(?:CI|confidence)", text[:pos]))
            or bool(re.search(r"[\[(]\s*\d{2}(?:\.\d)?\s?%\s*(?:CI|confidence)", text[after:pos]))
        )
        read = _read_medians(text, pos, groups, ci_header)
        vals, labels, extra_ci, seps = read.vals, read.labels, read.extra_ci, read.seps
        if not vals:
            continue
        a, b = vals[0].start(), vals[-1].end()
        if _covered(state, sent.start + a):
            continue  # read already, with the group printed before its bracket
        if any(
            _DIFFERENCE_AFTER.match(text, v.end())
            or _DIFFERENCE_BEFORE.search(text[max(0, v.start() - 40) : v.start()])
            for v in vals
        ):
            # "Median OS was 6 months longer than ...", "improved by 6 months": a difference
            _skip(state, sent, "a difference between medians, not a median", a, b)
            continue
        tail = text[read.end :].split(";", 1)[0][:60]
        other_group = next(
            (
                g
                for g in GROUP_BEFORE.finditer(tail)
                if _resolve_label(groups, g.group("g")) is None
                and not _WHOLE_LABEL.match(g.group("g"))
            ),
            None,
        )
        if any(read.labels) and (_subgroup_before(tail, len(tail), groups) or other_group):
            # "20 months in the A arm and 30 months in the B arm for patients aged 65 or older"
            _skip(state, sent, "subgroup named after the values", a, b)
            continue
        unit = next((unit_name(v.group("unit")) for v in reversed(vals) if v.group("unit")), None)
        if unit is None:
            tail = _TIME_UNIT.match(text, b)
            unit = unit_name(tail.group(0).strip().rstrip(".")) if tail else unit_name(read.unit)
        if unit is None:
            # "Median OS (months): 12.1": the unit in a bracket after the outcome
            header = re.search(r"\(\s*(months?|years?|weeks?|days?)\s*\)", text[after:pos])
            unit = unit_name(header.group(1).lower()) if header else None
        is_nr = [re.fullmatch(NR, v.group("v")) is not None for v in vals]
        if unit is None and not all(is_nr):
            _skip(state, sent, "median without a unit", a, b)
            continue
        tp = _timepoint(sent)
        trailing = _TRAILING_ARMS.match(text, read.end)
        if "*both" in labels:
            _skip(state, sent, 'a value "for both" or "for each", groups not named', a, b)
            continue
        if frame_arm is not None and (any(labels) or len(vals) != len(run)):
            _skip(state, sent, "medians in a sentence about one group", a, b)
            continue
        pre_label = (gap.group("pre") or gap.group("prep")) if gap is not None else None
        if pre_label and _WHOLE_LABEL.match(pre_label):
            pre_label = None  # "Median OS in the intention-to-treat population was": the cohort
        if labels and labels[0] is None:
            # "median OS for KdD was 50.8 months vs 43.6 for Kd", "longer in the A group (x vs y",
            # "The median OS in the A arm was 24.1 months"
            labels[0] = pre_label
        if labels and labels[0] is None and frame_arm is None and groups.arms:
            # "Patients treated with A had a median OS of 24.1 months, compared with ..."
            subject = _SUBJECT.search(text[:m_start])
            if subject is not None:
                named = _resolve_label(groups, subject.group("g") or subject.group("g2"))
                if named is not None:
                    labels[0] = named.label
        if labels and labels[0] is None and frame_arm is None:
            # "Transplanted patients had a median OS of 30 months", "Those achieving CR had":
            # the subject names a subpopulation (not "Patients", "All 45 evaluable patients")
            who = _MEMBERS_SUBJECT.search(text[:m_start])
            if who is not None and not _STUDY_PATIENTS.fullmatch(who.group("s")):
                _skip(state, sent, f'median of a group named as the subject, "{who.group("s")}"')
                continue
        # which arm each value belongs to
        targets: list[DraftArm] | None = None
        check: str | None = None
        if frame_list:
            if (
                len(vals) != len(frame_list)
                or any(labels)
                or len(run) != 1
                or not _RESPECTIVELY.search(text[b : b + 80])
            ):
                _skip(state, sent, "medians in a sentence about several groups", a, b)
                continue
            for arm, vm, ci in zip(frame_list, vals, extra_ci, strict=True):
                _add_median(run[0].name, vm, unit, sent, state, tp, arm=arm.id, extra_ci=ci)
            grouped = True
            continue
        if (
            not groups.arms
            and len(vals) > 1
            and labels[0] is None
            and all(labels[1:])
            and seps
            and all(x.lower().startswith(("v", "compared")) for x in seps)
            and not pre_label
            and len(run) == 1
        ):
            # "Median OS was 16 months, compared with 9 months in a historical cohort": the
            # first value is the study's, the others another group's (left out)
            _skip(state, sent, "median of a group compared with", vals[1].start(), b)
            _add_median(run[0].name, vals[0], unit, sent, state, tp, extra_ci=extra_ci[0])
            continue
        if not groups.arms and any(
            lab and not _WHOLE_LABEL.match(lab) and lab != "*both" for lab in labels
        ):
            # "16 months in the high-risk subgroup" with no arms defined: not the cohort's
            _skip(state, sent, "median for a group or subgroup named after it", a, b)
            continue
        if any(labels) and groups.arms:
            targets = []
            for lab in labels:
                arm = _resolve_label(groups, lab) if lab else None
                if arm is None or arm in targets:
                    targets = None
                    break
                targets.append(arm)
            if (
                targets is None
                and len(vals) == 2
                and len(groups.arms) == 2
                and (labels[0] is None) != (labels[1] is None)
            ):
                known = next(groups.resolve(x) for x in labels if x)
                if known is not None:
                    other = next(x for x in groups.arms if x is not known)
                    targets = [known if x else other for x in labels]
                    check = (
                        f"arm inferred: one value is labelled {known.label}, the other is "
                        f"taken for {other.label} (the other arm)"
                    )
            if targets is None:
                _skip(state, sent, "median for a group that is not an arm", a, b)
                continue
        elif (
            trailing
            and trailing.group("each")
            and len(vals) == 1
            and groups.arms
            and frame_arm is None
        ):
            for arm in groups.arms:
                _add_median(run[0].name, vals[0], unit, sent, state, tp, arm=arm.id)
            continue
        elif len(vals) > 1 and len(run) == 1:
            pair_trailing = trailing if trailing and trailing.group("t1") else None
            if (
                pair_trailing is None
                and gap is not None
                and (gap.group("pre1") or gap.group("pre3"))
            ):
                k = ("pre1", "pre2") if gap.group("pre1") else ("pre3", "pre4")
                if gap.group("pre1") and gap.group("mid"):
                    # "in the A, B and C groups was x, y and z months": three or four groups
                    names = [
                        gap.group("pre1"),
                        *[x for x in re.split(r"\s*,\s*(?:the\s+)?", gap.group("mid")) if x],
                        gap.group("pre2"),
                    ]
                    listed = [_resolve_label(groups, x) for x in names]
                    ok = None not in listed and len({id(x) for x in listed}) == len(listed)
                    got_pair = [x for x in listed if x is not None] if ok else None
                else:
                    got_pair = _arm_pair(groups, gap.group(k[0]), gap.group(k[1]))
                got = Assignment(got_pair, why="groups named are not the arms")
            else:
                got = assign(
                    groups,
                    text,
                    a,
                    b,
                    len(vals),
                    [_median_number(v) for v in vals],
                    trailing=pair_trailing,
                    timed=True,
                )
            if got.arms is None and pair_trailing is None:
                got = _in_the_groups(groups, text, len(vals)) or got
            fav = _FAVOURING.match(text, b)
            favoured = groups.resolve(fav.group("g")) if fav is not None else None
            if got.arms is not None and favoured in got.arms and len(got.arms) == len(vals):
                # "18.2 versus 24.1 months, favouring A": A's must be the longer time
                numbers = [_median_number(v) for v in vals]
                mine = numbers[got.arms.index(favoured)]
                if any(x >= mine for i, x in enumerate(numbers) if got.arms[i] is not favoured):
                    _skip(state, sent, "the values do not agree with the group favoured", a, b)
                    continue
            if got.arms is None or len(got.arms) != len(vals):
                _skip(state, sent, f"two-arm comparison, {got.why or 'arms not identified'}", a, b)
                continue
            targets, check = got.arms, got.check
        if targets is not None:
            grouped = True
            first_entry = len(state.entries)
            for arm, vm, ci in zip(targets, vals, extra_ci, strict=True):
                _add_median(
                    run[0].name, vm, unit, sent, state, tp, arm=arm.id, extra_ci=ci, check=check
                )
            if len(vals) > 1 and len(vals) == len(groups.arms):
                # "21.8 months for MPT and 14.5 months for MP (P = .004)": after the last label
                end = read.end if read.labels and read.labels[-1] else vals[-1].end()
                _with_p(state, first_entry, targets[0].id, _p_after(text, end))
            continue
        if (trailing and (trailing.group("t1") or trailing.group("each"))) or (
            pre_label or (gap and any(gap.group(k) for k in ("pre1", "pre3", "sub")))
        ):
            _skip(state, sent, "median for a group", a, b)
            grouped = True
            continue
        if len(run) == len(vals):
            pairs = list(zip(run, vals, extra_ci, strict=True))
        elif len(vals) == 1 and all(is_nr):
            pairs = [(t, vals[0], None) for t in run]
        else:
            state.note(
                f'ambiguous (medians do not pair with outcomes): "{short(text)}"',
                (sent.start + a, sent.start + b),
            )
            continue
        paired: str | None = None
        if len(pairs) > 1 and len(vals) > 1 and not _RESPECTIVELY.search(text, b):
            if len(groups.arms) == len(vals) or any(
                not re.fullmatch(r"(?i),?\s*and|,", sep) for sep in seps
            ):
                state.note(
                    f'ambiguous (medians without "respectively"): "{short(text)}"',
                    (sent.start + a, sent.start + b),
                )
                continue
            # "Median PFS and OS were 10.2 and 20.5 months": paired in the order named
            paired = (
                "outcomes paired with the values in the order both are listed (the sentence "
                'does not say "respectively")'
            )
        if any(s.lower().startswith(("v", "compared")) for s in seps):
            _skip(state, sent, "two-arm comparison, arms not identified", a, b)
            continue
        if (
            len(vals) == 1
            and frame_arm is None
            and not labels[0]
            and _FIRST_SIDE.match(text, read.end)
        ):
            # "20.2 months after CHOP versus 33.1 months after R-CHOP" with no arms known: the
            # words after the value were not read, and a compared value follows: one side's
            _skip(state, sent, "one side of a comparison, its group not named", a, b)
            continue
        if _SECOND_SIDE.search(text[max(0, m_start - 60) : a]) and frame_arm is None:
            # "not reached ... versus an estimated median of 16 months": the other side's
            _skip(state, sent, "the second side of a comparison, its group not named", a, b)
            continue
        after_vals = _GROUP_AFTER_VALUE.match(text, read.end)
        if (
            after_vals is not None
            and frame_arm is None
            and (
                groups.named_arms(after_vals.group(0))
                or after_vals.group("who")
                or after_vals.group("grp")
            )
        ):
            # "12 months in the A arm among patients older than 70": a group's or a subgroup's
            _skip(state, sent, "median for a group or subgroup named after it", a, b)
            continue
        if (grouped or _GROUP_PAREN_VALUE.search(text, 0, m_start)) and frame_arm is None:
            # "EFS was similar with A (59 months) and B (55 months); median OS was not reached"
            _skip(state, sent, "a median after group values in the same sentence", a, b)
            continue
        for term, vm, ci in pairs:
            _add_median(
                term.name, vm, unit, sent, state, tp, arm=_id(frame_arm), extra_ci=ci, check=paired
            )
            drafted_nr = drafted_nr or re.fullmatch(NR, vm.group("v")) is not None
    _labelled_times(sent, tterms, state, groups)
    _from_to_times(sent, tterms, state, groups)
    # "not reached" left over in a sentence about survival: say so
    if tterms and not drafted_nr:
        for nr in re.finditer(r"(?i)not\s+(?:yet\s+)?reached", text):
            if not _covered(state, sent.start + nr.start()):
                _skip(state, sent, '"not reached" for a subgroup?', nr.start(), nr.end())


def _covered(state: State, pos: int) -> bool:
    return any(a <= pos < b for e in state.entries[-8:] for a, b in e.values) or any(
        a <= pos < b for a, b in state.covered[-16:]
    )


def _median_number(vm: re.Match[str]) -> float:
    raw = vm.group("v")
    return float("inf") if re.fullmatch(NR, raw) else float(num_text(raw))


# "(13 months for CPX-351 vs 11 months for ven/aza", "(19 months with fludarabine, 18 months
# with chlorambucil", "[RVd-Elo = 68 mos, RVd = not reached": times labelled with their groups
_LABELLED_TIME = re.compile(
    rf"(?:(?P<pre>{_ARM_REF})\s*(?:=|:|,)\s*)?(?P<v>{NUM}|{NR})\s*"
    r"(?P<unit>months?|mos?\.?|years?|weeks?|days?)?"
    rf"(?:\s+(?:with|in|for)\s+(?:the\s+)?(?P<post>{_ARM_REF})(?:\s+(?:arm|group|cohort))?)?"
)


_TERM_TO_TIMES = re.compile(
    r"\s*(?:(?:was|were)\s+)?(?:(?:significantly|numerically|markedly)\s+)?"
    r"(?:(?:longer|shorter|better|worse|improved|superior|inferior|prolonged|similar)\s+)?"
    # "Median PFS favoured A (x vs y)": the favoured arm's time is the longer
    r"(?:(?:with|in|for|after|favou?red|favou?ring)\s+(?:the\s+)?[\w+/-]{1,30}"
    r"(?:\s+[\w+/-]{1,30})?"
    r"(?:\s+(?:arm|group))?\s*)?"
)
_UNLABELLED_TIMES = re.compile(
    rf"\s*[(\[]\s*(?P<v1>{NUM}|{NR})\s*(?:months?|mos?\.?)?\s*(?:vs\.?|versus|v\.?)\s*"
    rf"(?P<v2>{NUM}|{NR})\s*(?P<unit>months?|mos?\.?|years?|weeks?|days?)\b"
)


def _labelled_times(sent: Sentence, tterms: list[Term], state: State, groups: Groups) -> None:
    """Times per group left after the median reader: "(13 months for A vs 11 months for B)",
    "[A = 68 mos, B = not reached]", "overall survival (9 vs. 2 months)".

    Read as medians of the one survival outcome the clause names; without the word
    "median" the entry carries a ``# check:`` comment.
    """
    text = sent.text
    if len(groups.arms) < 2 or not tterms or _subgroup_before(text, len(text), groups):
        return
    tp = _timepoint(sent)
    # "(13 months for A vs 11 months for B)", "PFS was 27 months for A compared with 20
    # months for B": a list of labelled times opens after a bracket or after "was"
    for open_ in re.finditer(r"[(\[]|\b(?:was|were)\s+(?=\d)", text):
        start = open_.end()
        if _covered(state, sent.start + start) or _covered(state, sent.start + start + 3):
            continue
        names = {t.name for t in tterms if t.end <= open_.start()}
        if len(names) != 1:
            continue
        term = next(t for t in reversed(tterms) if t.end <= open_.start())
        median_word = re.search(r"(?i)\bmedian\b", text[max(0, term.start - 40) : open_.start()])
        check = None
        if not median_word:
            check = (
                f"read as medians: the sentence gives a time per group for {term.name} "
                'without the word "median"'
            )
        items: list[tuple[re.Match[str], DraftArm]] = []
        pos = start
        while len(items) < 4:
            m = _LABELLED_TIME.match(text, pos)
            if m is None or not (m.group("pre") or m.group("post")):
                break
            arm = groups.resolve(m.group("pre") or m.group("post"))
            if arm is None or any(arm is x for _, x in items):
                break
            items.append((m, arm))
            sep = re.match(
                r"\s*(?:,|;|vs\.?|versus|v\.?|and|compared\s+(?:with|to))\s*",
                text[m.end() : m.end() + 16],
            )
            if sep is None:
                break
            pos = m.end() + sep.end()
        if len(items) == len(groups.arms):
            units = [m.group("unit") for m, _ in items if m.group("unit")]
            if units:
                unit = unit_name(units[-1].rstrip(".").lower())
                first_entry = len(state.entries)
                for m, arm in items:
                    _add_median(term.name, m, unit, sent, state, tp, arm=arm.id, check=check)
                _with_p(state, first_entry, items[0][1].id, _p_after(text, items[-1][0].end()))
            continue
        # "CHT was associated with better overall survival (9 vs. 2 months; ...)", "Overall
        # survival was longer with A (14 vs 9 months)"
        if items or not _TERM_TO_TIMES.fullmatch(text[term.end : open_.start()]):
            continue
        pair = _UNLABELLED_TIMES.match(text, open_.start())
        if pair is None:
            continue
        values = [_median_number_text(pair.group(k)) for k in ("v1", "v2")]
        got = assign(groups, text, pair.start("v1"), pair.end("v2"), 2, values, timed=True)
        if got.arms is None:
            _skip(
                state,
                sent,
                f"two-arm comparison, {got.why or 'arms not identified'}",
                pair.start("v1"),
                pair.end(),
            )
            continue
        unit = unit_name(pair.group("unit").rstrip(".").lower())
        how = "; ".join(x for x in (check, got.check) if x)
        first_entry = len(state.entries)
        for arm, k in zip(got.arms, ("v1", "v2"), strict=True):
            _add_median(
                term.name,
                _Found(pair.group(k), pair.start(k), pair.end(k)),
                unit,
                sent,
                state,
                tp,
                arm=arm.id,
                check=how or None,
            )
        _with_p(state, first_entry, got.arms[0].id, _p_after(text, pair.end()))


# "First-line EGFR TKI therapy [12.9 months, 95% confidence interval (CI), 10.7–15.2] provided
# longer PFS than did second-line EGFR TKI therapy (9.0 months, 95% CI, 7.7–10.2)"
_GROUP_PAREN_TIME = re.compile(
    r"(?P<g>[A-Za-z0-9][\w/+.-]*(?:\s+[A-Za-z0-9][\w/+-]*){0,3})\s*[(\[]\s*"
    r"(?P<median>median\s*[,:]?\s*)?"
    # "the A arm (not reached) than in the B arm (18.2 months)": NR needs no unit
    rf"(?P<v>{NUM}(?=\s*(?:months?|mos?|years?|weeks?|days?)\b)|{NR})"
    r"\s*(?P<unit>months?|mos?\.?|years?|weeks?|days?)?"
    r"(?:\s*[,;]\s*(?P<lvl>\d{1,2}(?:\.\d)?)\s?%\s*(?:CI|confidence\s+interval)(?:\s*\(CI\))?"
    rf"\s*[:,]?\s*(?P<lo>{NUM})\s*(?:-|‐|‑|–|—|−|to)\s*(?P<hi>{NUM}))?"
    # "TC (5.0 months; 95% CI, 4.3 to 6.3; P = .108; HR ...)": more may follow in the bracket
    r"(?=\s*[)\];,])"
)


def _group_paren_times(sent: Sentence, tterms: list[Term], state: State, groups: Groups) -> None:
    """A time printed in brackets after each group's name, in a sentence about one survival
    outcome: read as the groups' medians, with a ``# check:`` comment."""
    text = sent.text
    if len(groups.arms) < 2 or len({t.name for t in tterms}) != 1:
        return
    if _subgroup_before(text, len(text), groups) or _covered(state, sent.start + len(text) // 2):
        return
    found: list[tuple[re.Match[str], DraftArm]] = []
    for m in _GROUP_PAREN_TIME.finditer(text):
        if _covered(state, sent.start + m.start("v")):
            return
        words = m.group("g").split()
        # the name may start after a few words: try the last 4, 3, 2 and 1 of them
        arm = next(
            (a for k in range(len(words), 0, -1) if (a := groups.resolve(" ".join(words[-k:])))),
            None,
        )
        if arm is None or any(arm is x for _, x in found):
            return
        found.append((m, arm))
    if len(found) != len(groups.arms):
        return
    term = tterms[0]
    check = None
    if not all(m.group("median") for m, _ in found) and not re.search(
        r"(?i)\bmedian\s+(?:[\w-]+\s+){0,2}$", text[max(0, term.start - 40) : term.start]
    ):
        check = (
            f"read as medians: the sentence gives a time per group for {term.name} without "
            'the word "median"'
        )
    tp = _timepoint(sent)
    units = [unit_name(m.group("unit").rstrip(".").lower()) for m, _ in found if m.group("unit")]
    if not units:
        return  # all "not reached": read by the median lists
    for m, arm in found:
        unit = unit_name(m.group("unit").rstrip(".").lower()) if m.group("unit") else units[0]
        _add_median(term.name, m, unit, sent, state, tp, arm=arm.id, check=check)


_FROM_TO = re.compile(
    rf"(?i)\b(?P<verb>improved|prolonged|increased|extended|lengthened)\s+(?P<mid>[^,;()\d]{{1,60}}?)"
    rf"\s+from\s+(?:an?\s+|the\s+)?(?:median\s+(?:of\s+)?)?(?P<v1>{NUM})\s*"
    r"(?P<u1>months?|years?|weeks?|days?)?\s+to\s+(?:a\s+median\s+of\s+)?"
    rf"(?P<v2>{NUM})\s*(?P<unit>months?|years?|weeks?|days?)\b"
)


def _from_to_times(sent: Sentence, tterms: list[Term], state: State, groups: Groups) -> None:
    """ "A improved EFS from median 22 months to 34 months" in a two-arm trial: the second
    value is A's (the subject), the first the other arm's; drafted with a check."""
    text = sent.text
    if len(groups.arms) != 2 or not tterms or _subgroup_before(text, len(text), groups):
        return
    for m in _FROM_TO.finditer(text):
        if _covered(state, sent.start + m.start("v1")):
            continue
        inside = [t for t in tterms if m.start("mid") <= t.start and t.end <= m.end("mid")]
        if len({t.name for t in inside}) != 1:
            continue
        subject = groups.named_arms(text[: m.start()])
        if len(subject) != 1 or groups.named_arms(text[m.start() : m.end()]):
            continue
        one = subject[0]
        other = next(a for a in groups.arms if a is not one)
        if float(num_text(m.group("v2"))) <= float(num_text(m.group("v1"))):
            continue  # "improved ... from 34 to 22"? not read
        unit = unit_name(m.group("unit").lower())
        check = (
            f'arms inferred: "{one.label} {m.group("verb")} ... from x to y": y is '
            f"{one.label}'s, x {other.label}'s"
        )
        first_entry = len(state.entries)
        name = inside[0].name
        tp = _timepoint(sent)
        for arm, k in ((one, "v2"), (other, "v1")):
            found = _Found(m.group(k), m.start(k), m.end(k))
            _add_median(name, found, unit, sent, state, tp, arm=arm.id, check=check)
        _with_p(state, first_entry, one.id, _p_after(text, m.end()))


@dataclass(frozen=True)
class _Found:
    """A value read without a match of its own (stands in for a match in :func:`_add_median`)."""

    v: str
    a: int
    b: int

    def group(self, name: str) -> str:
        assert name == "v"
        return self.v

    def groupdict(self) -> dict[str, str | None]:
        return {"v": self.v}

    def start(self) -> int:
        return self.a

    def end(self) -> int:
        return self.b


def _median_number_text(raw: str) -> float:
    return float("inf") if re.fullmatch(NR, raw) else float(num_text(raw))


def _add_median(
    name: str,
    vm: re.Match[str] | _Found,
    unit: str | None,
    sent: Sentence,
    state: State,
    timepoint: str | None,
    *,
    arm: str | None = None,
    single_ci: bool = True,
    extra_ci: tuple[str, str] | None = None,
    check: str | None = None,
) -> None:
    raw = vm.group("v")
    median: Any = "NR" if re.fullmatch(NR, raw) else number(raw)
    fields: list[tuple[str, Any]] = [("median", median)]
    groups_ = vm.groupdict()
    own = groups_.get("unit")
    if own:
        # "2 years for A and 18 months for B": a value's own unit before the list's
        unit = unit_name(own.rstrip(".").lower()) or unit
    lo = groups_.get("lo") or groups_.get("blo")
    hi = groups_.get("hi") or groups_.get("bhi")
    lvl = groups_.get("lvl") or groups_.get("blvl")
    if lo is None and extra_ci is not None:
        lo, hi = extra_ci  # the level printed with the first value of the comparison
    note = None
    if lo is not None and hi is not None and single_ci:
        if re.fullmatch(NR, hi):
            note = f"CI {num_text(lo)} to not reached: a limit that is not a number; left out"
        else:
            hi_v: Any = number(hi)
            lo_v = number(lo)
            ok = median == "NR" or float(lo_v) <= float(median) <= float(hi_v)
            if ok and float(lo_v) > float(hi_v):
                ok = False
            if ok:
                fields.append(("ci", [lo_v, hi_v]))
                if lvl is not None and float(lvl) != 95:
                    fields.append(("ci_level", Num(str(float(lvl) / 100))))
            else:
                note = "the printed interval does not contain the median; left out"
    fields.append(("unit", unit or "months"))
    state.entries.append(
        _entry(
            name,
            fields,
            sent,
            [(vm.start(), vm.end())],
            arm=arm,
            timepoint=timepoint,
            note=note,
            check=check,
        )
    )


# ---------------------------------------------------------------------------
# Ratios

_ANALYSIS = (
    # "Furthermore, male gender was associated with ...": a linking word first
    r"(?:(?:Furthermore|Moreover|Additionally|In\s+addition|Also|Similarly|Notably|"
    r"Importantly|Finally|However|Likewise),?\s+)?"
    r"(?:(?:In|On|After|By|Using)\s+(?:a\s+|the\s+)?(?:multivariate|multivariable|univariate)"
    r"\s+(?:Cox\s+)?(?:regression\s+)?(?:analysis|analyses|model)\s*,?\s*)?"
)
# the patient groups a ratio compares when they are defined by a factor, not by treatment
# "High-risk (HR) disease": an abbreviation in parentheses inside a factor's name
_ABBREV = r"\([A-Za-z][\w+/-]{0,9}\)"
_FACTOR_CONTRASTS = (
    # "Elevated EBV DNA was associated with inferior PFS (HR ...)"
    re.compile(
        rf"^{_ANALYSIS}(?P<c>[A-Za-z](?:[^,;()]|{_ABBREV}){{1,60}}?)\s+(?:was|were|remained|is|are)\s+"
        r"(?:\w+\s+)?(?:associated|correlated)\s+with\b"
    ),
    # "TP53 mutation predicted shorter overall survival (HR ...)"
    re.compile(
        rf"^{_ANALYSIS}(?P<c>[A-Za-z](?:[^,;()]|{_ABBREV}){{1,60}}?)\s+(?:predicted|was\s+an?\s+"
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


# "although late relapse (HR 0.21 ...) was associated with lower mortality"
_FACTOR_BEFORE_PAREN = re.compile(
    r"(?:^|[,;]\s*|\b(?:although|while|whereas|and|but)\s+)(?P<c>[A-Za-z][^,;()]{0,60}?)\s*"
    r"[(\[]\s*(?:[nN]\s*=\s*\d+\s*[;,]\s*)?"
    # "Older age (≥70 vs <70 years; HR 1.8 ...": the levels compared, inside the parenthesis
    # "one lesion (vs. no lesion, HR 1.6": the reference level only
    r"(?:(?P<spec>(?:[^()\[\];,]{0,30}?\s)?(?:vs\.?|versus)\s[^()\[\];,]{1,30}?)\s*[;,]\s*)?$"
)
# "... (HR 0.66) and B (n = 273; HR 0.55) were independently associated": a list of factors
_ASSOCIATED_AFTER = re.compile(
    r"^[^()\[\]]{0,30}?[)\]]?(?:\s*,?\s*(?:and\s+)?[A-Za-z][^,;()\[\]]{0,60}?\s*"
    # the next items, each with its ratio in parentheses or brackets ("[HR 2.5, 95% CI
    # (1.3-4.1)]": one nested parenthesis)
    r"(?:\([^()]{0,80}\)|\[(?:[^\[\]()]|\([^()]{0,30}\)){0,80}\])){0,6}"
    r"\s*(?:(?:was|were|remained)\s+(?:\w+\s+){0,2}(?:associated|correlated|predictive|prognostic|"
    r"predictors?|(?:risk\s+)?factors?)|(?:\w+\s+)?predicted\b|as\s+(?:\w+\s+){0,3}"
    r"(?:predictors?|factors?)\b"
    # "... (HR 1.74) turned out to be independent risk factors"
    r"|(?:turned\s+out|proved|emerged)\s+(?:to\s+)?(?:be\s+|as\s+)?(?:\w+\s+){0,3}"
    r"(?:predictors?|(?:risk\s+)?factors?)\b)"
)
# "Among patients receiving systemic treatment, A (HR ...)": the population of the contrast
_AMONG_FRAME = re.compile(r"^(?:Among|In)\s+(?P<f>(?:patients|those)\s[^,;()]{3,60}?),\s")
# "the risk of mortality increased with age (HR, 1.25 ...)"
_WITH_FACTOR = re.compile(
    r"\b(?:increased|decreased|rose|fell|improved|worsened|higher|lower|shorter|longer)\s+with\s+"
    r"(?:(?:increasing|higher|lower|older)\s+)?(?P<c>[A-Za-z][^,;()]{0,40}?)\s*[(\[]\s*$"
)


# "Negative predictors for survival were: A (RR 2.0 ...), B (RR 1.3 ...) and C (...)":
# a list of factors, each followed by its ratio
_FACTOR_LIST = re.compile(
    r"(?i)\b(?:predictors?|factors?|variables?|covariates?|determinants?)\b[^.;:()]{0,80}?"
    r"(?:\b(?:were|was|included|are)\b\s*:?|:)\s*"
)
_LIST_VERB = re.compile(
    r"(?i)\b(?:was|were|is|are|had|has|have|showed|improved|prolonged|reduced|increased|"
    r"decreased|achieved|received|compared)\b"
)
_ITEM_LEAD = re.compile(r"(?i)^(?:(?:and|or)\s+)?(?:\(?\d{1,2}\)\s*)?")


def _list_item(text: str, low: int, pos: int) -> str | None:
    """The item of a list that ends right before the parenthesis at *pos* ("..., a spleen
    size >22 cm (RR ..."), from the last comma, semicolon, colon or "and" outside
    parentheses after *low*; None when it is empty or reads as a clause."""
    depth = 0
    i = pos
    start = low
    while i > low:
        i -= 1
        ch = text[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                # an unclosed "(" of a former item ends the item ("(1) age ... ("):
                # only an enumerator is skipped over
                if not re.match(r"\(\d{1,2}\)", text[i : i + 4]):
                    start = i + 1
                    break
            else:
                depth -= 1
        elif depth == 0 and ch in ",;:":
            start = i + 1
            break
        elif (
            depth == 0
            and text[i : i + 5] == " and "
            and i + 5 <= pos
            and text[:i].rstrip().endswith((")", "]"))
        ):
            # "A (RR 1.3 ...) and B (": "and" after a former item's ratio
            start = i + 5
            break
    item = _ITEM_LEAD.sub("", text[start:pos].strip()).strip()
    if not item or len(item) > 90 or _LIST_VERB.search(item) or not re.search("[A-Za-z]", item):
        return None
    return item


# "the prognostic factors for inferior OS associated with A [HR ...], B [HR ...] and C
# [HR ...]": the list follows "associated with"
_FACTOR_LIST_WITH = re.compile(
    r"(?i)\b(?:predictors?|factors?|variables?|covariates?|determinants?)\b[^.;:()\[\]]{0,80}?"
    r"\b(?:associated|correlated)\s+with\s+"
)


def _listed_factor(text: str, pos: int) -> str | None:
    """The factor of a ratio at *pos* that a list of factors introduces, else None."""
    intros = list(_FACTOR_LIST.finditer(text, 0, pos))
    if not intros:
        withs = list(_FACTOR_LIST_WITH.finditer(text, 0, pos))
        if not withs:
            return None
        low = withs[-1].end()
        if _LIST_VERB.search(re.sub(r"\([^()]*\)|\[[^\[\]]*\]", "", text[low:pos])):
            return None
        item = _list_item(text, low, pos)
        # "factors associated with OS (HR ...": an outcome is not a factor
        return None if item is None or find_terms(item) else item
    low = intros[-1].end()
    # only list items between the introduction and the ratio: a verb outside the items'
    # parentheses ("factors were balanced; OS was longer with A (HR ...") ends the list
    if _LIST_VERB.search(re.sub(r"\([^()]*\)", "", text[low:pos])):
        return None
    return _list_item(text, low, pos)


_PATIENTS_WITH = re.compile(
    r"\b(?:for|in|among)\s+(?P<c>(?:patients|those|subjects)\s+(?:with|without|who|aged)\b"
    r"[^,;()]{1,60}?)\s*[(\[]\s*$"
)


# "Age >60: HR = 1.91, p = 0.07": a results line headed by the factor its ratio is for
_LABEL_COLON = re.compile(r"^(?P<c>[A-Za-z][^:;,.()\[\]]{0,50}?)\s*:\s*$")
_NOT_A_FACTOR = re.compile(
    r"(?i)\b(?:results?|conclusions?|background|methods?|findings?|interpretation|outcomes?|"
    r"efficacy|safety|analys[ie]s|models?|regression|univariate|multivariate|multivariable|"
    r"overall|all|total|cohort|population|study|trial|arms?|groups?|ratios?|HRs?|ORs?)\b"
)


def _factor_contrast(text: str, m: re.Match[str], groups: Groups) -> str | None:
    """The groups a ratio compares, as printed, when a factor (not an arm) defines them."""
    before = text[: m.start()]
    label = _LABEL_COLON.match(before)
    if (
        label is not None
        and not groups.arms
        and not _NOT_A_FACTOR.search(label.group("c"))
        and not find_terms(label.group("c"))
        and not _LIST_VERB.search(label.group("c"))
    ):
        return label.group("c").strip()
    pos = m.start()
    while pos > 0 and text[pos - 1] in " ([":
        pos -= 1
    listed = _listed_factor(text, pos) if pos < m.start() else None
    if listed is not None:
        return listed
    if not (groups.arms and groups.named(before)):
        near = before[-80:]
        c = _FACTOR_BEFORE_PAREN.search(near)
        if c is not None and _ASSOCIATED_AFTER.match(text[m.end() : m.end() + 300]):
            contrast = re.sub(
                r"(?i)^(?:although|while|whereas|and|but)\s+", "", c.group("c").strip()
            )
            if c.group("spec"):
                contrast = f"{contrast} ({c.group('spec').strip()})"
            # "Multivariate Cox regression identified elevated LDH (HR ...": the factor only
            contrast = re.sub(
                r"(?i)^.*\b(?:identified|included|including|revealed)\s+", "", contrast
            )
            frame = _AMONG_FRAME.match(text)
            if frame is not None and frame.end() <= m.start() and frame.group("f") not in contrast:
                contrast = f"{contrast}, among {frame.group('f')}"
            return contrast
        c = _WITH_FACTOR.search(near)
        if c is not None:
            return c.group("c").strip()
    if not groups.arms:
        # a study without arms: "OS was shorter for patients with secondary AML (HR ...)"
        c = _PATIENTS_WITH.search(before[-100:])
        if c is not None:
            return c.group("c").strip()
    for rx in _FACTOR_CONTRASTS:
        c = rx.search(before)
        if c is None:
            continue
        contrast = c.group("c").strip()
        if groups.arms and groups.named(before):
            return None  # the sentence names the arms: a treatment contrast
        return contrast
    return None


# "improved OS in LOT2 (HR, ...": the ratio of a subgroup named right before it
_IN_SUBGROUP = re.compile(
    r"\b(?:in|among|including)\s+(?:the\s+)?(?P<sub>[^,;()\s](?:[^,;()]|(?<=[A-Za-z0-9])\([^(),;\s]{1,15}\)){0,40}?)\s*[(\[]\s*$"
)
_NOT_SUBGROUP = re.compile(
    r"(?i)\b(?:analys[ie]s|models?|regression|population|overall|whole|entire|all|total|"
    r"intention|ITT|study|trial|cohort|comparison|favou?r|terms|multivariate|multivariable|"
    r"both|each|arms?|groups?)\b"
)
# "ibrutinib vs other treatments improved OS": the comparison the sentence states
_COMPARED_BEFORE = re.compile(
    r"(?P<c>[A-Za-z][^,;()]{0,40}?\s(?:vs\.?|versus)\s[^,;()]{1,40}?)\s+(?:improved|prolonged|"
    r"reduced|increased|decreased|was\s+associated|were\s+associated)\b"
)
# "0.63-1.03" right after the number a ratio reads: that number opens a range (a CI)
_RANGE_NEXT = re.compile(r"\s*(?:-|‐|‑|–|—|−|to)\s*\d")
# "95% CI for the hazard ratio": what follows is the interval, not the estimate
_CI_FOR = re.compile(r"(?i)(?:\bCI|confidence\s+interval|C\.I\.)\s*(?:for|of)\s+(?:the\s+)?$")


# "In patients with del(17p), ...", "Among the high-risk subgroup, ...": a sentence about a
# subgroup
_RATIO_SUBGROUP_FRAME = re.compile(
    r"^(?:[A-Z][a-z]+:\s*)?(?:(?:In|Among|For)\s+(?P<f>(?:the\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:patients|those|subjects|participants)\s+(?:with|who|aged|older|younger|harbou?ring|"
    r"having|presenting|refractory|receiving)\b[^,;]{1,80}?|(?:the\s+)?[^,;()]{2,60}?\s+"
    r"(?:subgroups?|subsets?))\s*,\s"
    # "In a subset analysis of EGFR wild-type tumors, ...", "In a post hoc analysis of ..."
    r"|(?:In|From)\s+(?:a|the)\s+(?:[\w-]+\s+){0,2}?(?:subset|subgroup|post[-\s]hoc|"
    r"exploratory)\s+analys[ie]s\s+(?:of|in|among)\s+(?P<f2>[^,;]{2,80}?)\s*,\s"
    # "A planned analysis of the secondary AML subgroup demonstrated ..."
    r"|(?:An?|The)\s+(?:[\w-]+\s+){0,2}?analys[ie]s\s+(?:of|in)\s+(?P<f3>(?:the\s+)?[^,;()]{2,60}?"
    r"\s+(?:subgroups?|subsets?))\s)"
)
_PEOPLE_AFTER = re.compile(rf"\s*(?:{PEOPLE}|patients?|pts)\b", re.I)
_COX = re.compile(r"(?i)\bcox\b|proportional[-\s]hazards?")
# "...; P = .108; hazard ratio": a p right before a ratio, inside the same parenthesis
_P_BEFORE = re.compile(
    r"[;,(\[]\s*(?:(?i:nominal)\s+)?(?i:p)\s*(?P<op>=|<|>|≤|≥|<=|>=)\s*"
    rf"(?P<p>{NUM}|[.·]\d+)\s*[;,]\s*$"
)


_POPULATION = re.compile(r"(?i)\b(?:patients|those|subjects|participants|subgroups?|subsets?)\b")


def _enclosing_paren(text: str, pos: int) -> int | None:
    """The offset of the parenthesis *pos* is inside (within 150 characters), else None."""
    depth = 0
    for i in range(pos - 1, max(-1, pos - 151), -1):
        ch = text[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                return i
            depth -= 1
    return None


def _subgroup_of(text: str, m: re.Match[str], groups: Groups) -> tuple[str, int] | None:
    """The subgroup a ratio at *m* belongs to, as printed, with its offset: named right
    before the ratio or before the parenthesis it is in ("in patients with X (median PFS,
    12 v 22 months; HR ..."), or opening the sentence ("In a subset analysis of X, ...")."""
    sub = _IN_SUBGROUP.search(text, max(0, m.start() - 60), m.start())
    if sub is None:
        open_ = _enclosing_paren(text, m.start())
        if open_ is not None and open_ < m.start() - 1:
            sub = _IN_SUBGROUP.search(text, max(0, open_ - 60), open_ + 1)
            if sub is not None and not _POPULATION.search(sub.group("sub")):
                sub = None  # "no difference in median PFS was observed [A = 31 mos., HR ..."
    if (
        sub is not None
        and not _NOT_SUBGROUP.search(sub.group("sub"))
        and groups.resolve(sub.group("sub")) is None
        # "occurred in 20% vs 25% (HR ..": values, not a subgroup
        and re.search(
            r"[A-Za-z]{2,}",
            re.sub(
                r"(?i)\b(?:vs|versus|v|and|or|patients?|pts|cases?|subjects?|participants?|events?)\b",
                "",
                sub.group("sub"),
            ),
        )
    ):
        return sub.group("sub").strip(), sub.start()
    frame = _RATIO_SUBGROUP_FRAME.match(text)
    if frame is not None and frame.end() <= m.start():
        f = frame.group("f") or frame.group("f2") or frame.group("f3")
        return f.strip(), frame.start()
    return None


def _p_before(text: str, pos: int) -> Any:
    """The p printed right before the ratio at *pos*, inside its parenthesis, else None."""
    m = _P_BEFORE.search(text[max(0, pos - 40) : pos])
    if m is None:
        return None
    p_text = num_text(m.group("p"))
    if float(p_text) > 1:
        return None
    return number(m.group("p")) if m.group("op") == "=" else f"{m.group('op')}{p_text}"


# "30-day mortality", "early death", "mortality at 60 days": death counted up to a time point
_EARLY_DEATH = re.compile(
    r"(?i)\b(?:early|induction|treatment[- ]related|transplant[- ]related|day[- ]\d+)\s*$"
)


def _timepoint_death(text: str, t: Term) -> bool:
    """Whether the mortality or death term *t* is counted up to a time point ("30- and
    60-day mortality", "early death", "mortality at 100 days"): a landmark, not overall
    survival, so a hazard ratio of it is not an OS ratio."""
    if t.name != "Mortality" and t.kind != "death":
        return False
    before = text[max(0, t.start - 40) : t.start]
    if _LANDMARK_BEFORE.search(before) or _EARLY_DEATH.search(before):
        return True
    return re.match(rf"(?i)\s*{_LANDMARK_AFTER.pattern[4:]}", text[t.end :]) is not None


# the words that end an item of a list of outcomes ("relapse or survival at four years")
_ITEM_STOP = re.compile(
    r"(?i)^(?:at|in|of|for|between|with|without|among|was|were|is|are|did|does|had|has|"
    r"showed|favou?red|the|a|an|both|by|on|from|after|than|vs|versus|no|not)$"
)
_CONJ = re.compile(r"(?i),?\s+(?:and/or|and|or|&)\s+")


def _respectively_items(text: str, end: int, terms: list[Term]) -> list[tuple[int, int]] | None:
    """The items of the coordinated list of outcomes before *end* ("There was no difference
    in relapse or survival ...", "PFS, EFS and OS were ..."), as spans, first to last: the
    last coordination before *end* whose items name an outcome term; None when there is none."""
    depth_at = []
    depth = 0
    for ch in text[:end]:
        depth_at.append(depth)
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
    conjs = [c for c in _CONJ.finditer(text, 0, end) if depth_at[c.start()] == 0]
    for c in reversed(conjs):
        # the right item: words up to punctuation or a stop word (at most six words)
        pos = c.end()
        words = list(re.finditer(r"[^\s,;:()\[\]]+", text[pos:end]))
        r_end = pos
        for w in words[:6]:
            gap = text[r_end : pos + w.start()]
            if _ITEM_STOP.match(w.group()) or re.search(r"[,;:()\[\]]", gap):
                break
            r_end = pos + w.end()
        if r_end == pos:
            continue
        items = [(c.end(), r_end)]
        # the left items: back to punctuation or a stop word; "A, B and C" gives three
        right = c.start()
        while True:
            left = right
            back = list(re.finditer(r"[^\s,;:()\[\]]+", text[:right]))
            for w in reversed(back[-6:]):
                if _ITEM_STOP.match(w.group()) or re.search(r"[;:()\[\]]|,", text[w.end() : left]):
                    break
                left = w.start()
            if left == right:
                break
            items.insert(0, (left, right))
            comma = re.search(r",\s*$", text[:left])
            if comma is None:
                break
            right = comma.start()
        if len(items) < 2:
            continue
        if any(a <= t.start and t.end <= b for t in terms for a, b in items):
            return items
    return None


def _respectively_ratios(
    text: str, terms: list[Term], ratios: list[re.Match[str]]
) -> dict[int, str | None] | None:
    """ "No difference in relapse or survival: 46% vs 54%; HR 1.17 (...), and 50% vs 47%;
    HR 1.10 (...), respectively": labelled ratios printed one after the other and closed by
    "respectively" belong, in order, to the items of the list of outcomes before them. Returns
    the outcome of each ratio (by its start), None for an item with no canonical outcome (or
    a time-point mortality), or None when the sentence is not such a list. When the counts
    differ every ratio of the list maps to None (skipped, never shifted)."""
    if len(ratios) < 2 or any(m.group("for") for m in ratios):
        return None
    if any(ratios[0].start() <= t.start < ratios[-1].start() for t in terms):
        return None  # "median PFS ... (HR ..), and median OS ... (HR ..), respectively": each named
    last = ratios[-1]
    resp = _RESPECTIVELY.search(text, last.end())
    if resp is None or resp.start() - last.end() > 80:
        return None
    items = _respectively_items(text, ratios[0].start(), terms)
    if items is None or len(items) != len(ratios):
        return {m.start(): None for m in ratios}
    out: dict[int, str | None] = {}
    for m, (a, b) in zip(ratios, items, strict=True):
        kind = ratio_kind(m.group("kind"))
        inside = [t for t in terms if a <= t.start and t.end <= b]
        if kind == "hr":
            names = {
                "OS" if t.name == "Mortality" else t.name
                for t in inside
                if (t.kind in ("time", "death") or t.name == "Mortality")
                and not _timepoint_death(text, t)
            }
        else:
            names = {t.name for t in inside if t.kind == "binary"}
        if text[a:b].rstrip().endswith(("-", "‐", "–")) or any(
            _timepoint_death(text, t) for t in inside
        ):
            names = set()  # "30- and 60-day mortality": landmarks
        out[m.start()] = names.pop() if len(names) == 1 else None
    return out


# "Factors included in the univariate analysis for OS were ...", "Cox regression for PFS":
# the one outcome an analysis of the abstract is for
_ANALYSIS_FOR = re.compile(
    r"(?i)\b(?:analys[ie]s|models?|regressions?|factors?|predictors?|variables?)\s+"
    r"(?:of|for)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?$"
)


def analysis_outcome(text: str, terms: list[Term]) -> str | None:
    """The one outcome a sentence says an analysis is for ("the univariate analysis for
    OS"), when that is the only outcome it names, else None."""
    names = {t.name for t in terms}
    if len(names) != 1:
        return None
    t = terms[0]
    return t.name if _ANALYSIS_FOR.search(text[max(0, t.start - 60) : t.start]) else None


# "predictors of response", "a lower likelihood of response": response with no qualifier
_RESPONSE_EVENT = re.compile(
    r"(?i)\b(?:likelihood|odds|probability|chances?|predictors?|correlates?|determinants?)\s+"
    r"of\s+(?:a\s+)?response\b(?!\s*(?:duration|rates?\s+of|[(\[]?\s*(?:CR|PR|MR)\b))"
)


def ratio_entries(
    sent: Sentence,
    terms: list[Term],
    state: State,
    groups: Groups,
    *,
    carried: str | None = None,
    carried_from: str = "the outcome of the ratios of the sentence before",
) -> None:
    """Hazard, odds and risk ratios of a sentence, with CI, level and p as printed.

    *carried*: the outcome of the ratios of the sentence before, for a sentence that names
    none ("Similar results were recorded in landmark analyses (HR, 0.52 ...)"); such a ratio
    is drafted with a ``# check:`` comment.
    """
    text = sent.text
    first = len(state.entries)
    listed_end = 0
    labelled = [
        m
        for m in RATIO.finditer(text)
        if RATIO_LIST_TAIL.match(text, m.end()) is None
        and not _PEOPLE_AFTER.match(text, m.end("v"))
    ]
    respective = _respectively_ratios(text, terms, labelled)
    for m in RATIO.finditer(text):
        if m.start() < listed_end:
            continue
        tail = RATIO_LIST_TAIL.match(text, m.end())
        if tail is not None:
            # "HR 0.60 and 0.75, respectively": a list of ratios, one per outcome named
            listed_end = tail.end()
            _ratio_list(sent, terms, state, groups, m, tail.end())
            continue
        if (
            m.group("for") is None
            and m.group("lo") is None
            and m.group("ulo") is None
            and m.group("p") is None
            and RATIO_FOR_ITEM.match(text, m.end())
        ):
            # "the HR was 0.62 for PFS (P = .01) and 0.70 for OS": each value labelled
            listed_end = _ratio_for_items(sent, state, groups, m)
            continue
        if _PEOPLE_AFTER.match(text, m.end("v")):
            continue  # "ORR was 45% (OR 12 patients)": a count, not a ratio
        kind = ratio_kind(m.group("kind"))
        value = number(m.group("v").replace(",", "."))  # "RR 3,9": a decimal comma
        fields: list[tuple[str, Any]] = [(kind, value)]
        note = None
        lo, hi, lvl = m.group("lo"), m.group("hi"), m.group("lvl")
        for alt in ("3", "4", "5", "6", "7"):
            if lo is None and m.groupdict().get(f"lo{alt}") is not None:
                lo, hi = m.group(f"lo{alt}"), m.group(f"hi{alt}")
                lvl = m.groupdict().get(f"lvl{alt}")
                if lvl is None:
                    note = "CI level not printed; the default 0.95 is assumed"
        if lo is None and m.group("ulo") is not None:
            lo, hi = m.group("ulo"), m.group("uhi")
            lvl = m.group("lvl0")
            if lvl is None:
                note = "CI level not printed; the default 0.95 is assumed"
        span = (m.start(), m.end())
        if lo is None and (
            _RANGE_NEXT.match(text, m.end("v"))
            or _CI_FOR.search(text[max(0, m.start() - 40) : m.start()])
        ):
            # "95% confidence interval for hazard ratio 0.63-1.03": a CI with no estimate;
            # its lower bound is not the ratio, so nothing is drafted
            shown = short(text[max(0, m.start() - 40) : m.end() + 12])
            state.note(
                f'skipped (a ratio CI without its estimate): "{shown}"',
                (sent.start + m.start(), sent.start + m.end() + 12),
            )
            continue
        if lo is not None:
            if re.fullmatch(NR, hi):
                _skip(state, sent, "ratio CI with NR", *span)
                continue
            lo_v, hi_v = number(lo), number(hi)
            if not (0 < float(lo_v) <= float(value) <= float(hi_v)):
                _skip(state, sent, "ratio outside its CI, misread?", *span)
                continue
            fields.append(("ci", [lo_v, hi_v]))
            if lvl is not None and float(lvl) != 95:
                fields.append(("ci_level", Num(str(float(lvl) / 100))))
        if float(value) <= 0:
            continue
        if m.group("p") is not None:
            op = m.group("op")
            p_printed = m.group("p").replace(",", ".")  # "p=0,007": a decimal comma
            p_text = num_text(p_printed)
            # "P = 1.2 x 10-6": a p in scientific notation is not drafted (the ratio is)
            # "p=0.000": a rounded-down p is not a value (left out)
            if 0 < float(p_text) <= 1 and not _SCIENTIFIC.match(text, m.end()):
                fields.append(("p", number(p_printed) if op == "=" else f"{op}{p_text}"))
        else:
            # "(...; P = .108; hazard ratio [HR], 0.85; 95% CI ...)": the p printed just
            # before the ratio, in its parenthesis
            p = _p_before(text, m.start())
            if p is not None:
                fields.append(("p", p))
        commas = [x for x in (m.group("v"), m.group("p")) if x and "," in x]
        if commas:
            # "RR 3,9; p=0,007": the note prints the numbers as read (validate finds them)
            read = "; ".join(f"{x} as {num_text(x.replace(',', '.'))}" for x in commas)
            comma = f"decimal comma read: {read}"
            note = f"{note}; {comma}" if note else comma
        if m.group("per") or m.group("per0"):
            per = f"ratio per {m.group('per') or m.group('per0')}"
            note = f"{note}; {per}" if note else per
        if kind == "rr" and _COX.search(text):
            # "In multivariate Cox analysis ... (RR 2.0, P<0.0001)": a Cox model's relative
            # risk is a hazard ratio
            fields[0] = ("hr", value)
            rr = "printed RR from a Cox model, recorded as a hazard ratio"
            note = f"{note}; {rr}" if note else rr
        if respective is not None and m.start() in respective:
            name = respective[m.start()]
            if name is None:
                why = "ratio of a 'respectively' list item with no canonical outcome"
                _skip(state, sent, why, *span)
                continue
        else:
            factor = _factor_contrast(text, m, groups)
            name = _ratio_outcome(text, terms, m, kind=fields[0][0], factor=factor)
        check = None
        if (
            name is None
            and fields[0][0] in ("or", "rr")
            and not any(t.end <= m.start() for t in terms)
            and _RESPONSE_EVENT.search(text, 0, m.start())
        ):
            # "a lower likelihood of response (odds ratio, 0.34 ...": response unqualified
            name = "ORR"
            check = "outcome inferred: 'response' (not qualified) read as overall response"
        elif name is None and carried is not None and not terms:
            name = carried
            check = f"outcome inferred: this sentence names none; {carried} is {carried_from}"
        if name is None:
            _skip(state, sent, "ratio without a named outcome", *span)
            continue
        contrast = _factor_contrast(text, m, groups)
        sub = _subgroup_of(text, m, groups) if contrast is None else None
        if sub is not None:
            # "A vs B improved OS in LOT2 (HR, 0.279 ...)", "In patients with del(17p), PFS
            # was longer with A than with B (HR 0.30 ...)": a subgroup's ratio
            sub_text, sub_start = sub
            compared = _COMPARED_BEFORE.search(text, 0, sub_start)
            if compared is not None:
                contrast = f"{compared.group('c').strip()}, {sub_text}"
            elif len(groups.arms) == 2:
                # the subgroup as printed; which arm is the reference the sentence may not say
                contrast = sub_text
                how = (
                    "subgroup ratio: the contrast is the subgroup the sentence names; add the "
                    "two arms it compares (experimental vs reference)"
                )
                check = f"{check}; {how}" if check else how
            else:
                _skip(state, sent, "a subgroup ratio whose contrast is not stated", *span)
                continue
        if contrast is not None:
            fields.append(("contrast", contrast))
        adjusted = re.search(r"(?i)multivaria(?:te|ble)|adjusted", text) is not None
        if adjusted or m.group("kind").startswith("a") or m.group("adjfor"):
            fields.append(("adjusted", True))
        if adjusted and contrast is None and not groups.arms:
            # a multivariate ratio in a study without arms compares the levels of a factor;
            # without its contrast it would be pooled as a treatment effect
            _skip(state, sent, "a multivariate ratio whose contrast is not stated", *span)
            continue
        if contrast is None and check is not None and check.startswith("outcome inferred: 'resp"):
            check += "; no contrast found: name the groups this ratio compares in `contrast`"
        if contrast is None and not groups.arms and check is None:
            # the groups of the study were not found: the ratio compares two groups the
            # reviewer names (its value, CI and p are read as printed)
            check = (
                "no contrast found: the study's groups were not identified; name the two "
                "groups this ratio compares in `contrast`"
            )
        state.entries.append(_entry(name, fields, sent, [span], note=note, check=check))
    _bare_ratios(sent, terms, state, groups, first)


def _ratio_list(
    sent: Sentence, terms: list[Term], state: State, groups: Groups, m: re.Match[str], end: int
) -> None:
    """ "The HRs for PFS and OS were 0.60 (95% CI ...) and 0.75 (95% CI ...), respectively":
    each value goes to the outcome named in the same place of the sentence's list of
    outcomes; when the counts differ, nothing is drafted."""
    text = sent.text
    kind = ratio_kind(m.group("kind"))
    values = list(RATIO_LIST_VALUE.finditer(text, m.start("v"), end))
    wanted = ("time",) if kind == "hr" else ("binary",)
    if m.group("for"):
        named = [t.name for t in find_terms(m.group("for"))]
    else:
        named = [t.name for t in terms if t.end <= m.start() and t.kind in wanted]
    names = list(dict.fromkeys(named))
    span = (m.start(), end)
    if len(names) != len(values) or len(values) < 2:
        _skip(state, sent, "ratios listed with 'respectively' whose outcomes do not match", *span)
        return
    contrast = _factor_contrast(text, m, groups)
    if contrast is None and _IN_SUBGROUP.search(text, max(0, m.start() - 60), m.start()):
        _skip(state, sent, "a subgroup's ratios whose contrast is not stated", *span)
        return
    adjusted = re.search(r"(?i)multivaria(?:te|ble)|adjusted", text) is not None
    for name, v in zip(names, values, strict=True):
        value = number(v.group("v"))
        fields: list[tuple[str, Any]] = [(kind, value)]
        if v.group("lo") is not None:
            if re.fullmatch(NR, v.group("hi")):
                continue
            lo_v, hi_v = number(v.group("lo")), number(v.group("hi"))
            if not (0 < float(lo_v) <= float(value) <= float(hi_v)):
                continue
            fields.append(("ci", [lo_v, hi_v]))
            if float(v.group("lvl")) != 95:
                fields.append(("ci_level", Num(str(float(v.group("lvl")) / 100))))
        if float(value) <= 0:
            continue
        if contrast is not None:
            fields.append(("contrast", contrast))
        if adjusted:
            fields.append(("adjusted", True))
        state.entries.append(_entry(name, fields, sent, [(v.start(), v.end())]))


def _ratio_for_items(sent: Sentence, state: State, groups: Groups, m: re.Match[str]) -> int:
    """ "The HR was 0.62 for PFS (P = .01) and 0.70 for OS (P = .04)": one ratio per value,
    each for the outcome its label names. A label that names no outcome ("4.13 for low
    risk") is a category of a factor: nothing of the list is drafted. Returns the end of
    the list."""
    text = sent.text
    kind = ratio_kind(m.group("kind"))
    items: list[tuple[re.Match[str], re.Match[str]]] = []
    value_m: re.Match[str] = m
    pos = m.end()
    while True:
        item = RATIO_FOR_ITEM.match(text, pos)
        if item is None:
            break
        items.append((value_m, item))
        nxt = RATIO_FOR_NEXT.match(text, item.end())
        if nxt is None:
            break
        value_m, pos = nxt, nxt.end()
    end = items[-1][1].end()
    named = []
    for _, item in items:
        # "for overall survival from CR": the time outcome first, else the one rate
        found = find_terms(item.group("label"))
        times = {t.name for t in found if t.kind == "time"}
        rates = {t.name for t in found if t.kind == "binary"}
        one = times if times else (rates if kind != "hr" else set())
        named.append(one.pop() if len(one) == 1 else None)
    span = (m.start(), end)
    if None in named or len(set(named)) != len(named):
        _skip(state, sent, "ratios for labels that name no outcome (categories?)", *span)
        return end
    contrast = _factor_contrast(text, m, groups)
    check = None
    if contrast is None and m.group("favor"):
        check = f'the ratio is "{m.group("favor")}": name the two groups it compares in `contrast`'
    elif contrast is None and not groups.arms:
        _skip(state, sent, "a ratio whose contrast is not stated", *span)
        return end
    adjusted = re.search(r"(?i)multivaria(?:te|ble)|adjusted", text) is not None
    for name, (vm, item) in zip(named, items, strict=True):
        value = number(vm.group("v"))
        if float(value) <= 0:
            continue
        fields: list[tuple[str, Any]] = [(kind, value)]
        if item.group("p") is not None:
            p_text = num_text(item.group("p"))
            if float(p_text) <= 1:
                op = item.group("op")
                fields.append(("p", number(item.group("p")) if op == "=" else f"{op}{p_text}"))
        if contrast is not None:
            fields.append(("contrast", contrast))
        if adjusted:
            fields.append(("adjusted", True))
        state.entries.append(_entry(name, fields, sent, [(vm.start("v"), item.end())], check=check))
    return end


# what a parenthesis of a median, a rate or a count is labelled with, not a ratio's
_NOT_A_RATIO_ITEM = re.compile(r"(?i)\b(?:median|mean|rates?|range|IQR)\b|%")
_KINDS = ("hr", "or", "rr")


def _bare_ratios(
    sent: Sentence, terms: list[Term], state: State, groups: Groups, first: int
) -> None:
    """Ratios printed without their label: "(HR, 0.60; P < .0001) and OS (0.67; P = .0162)"
    (the kind of the ratio before them in the sentence), or "(2.24; 95% CI, 1.16-4.33)" in a
    sentence about a Cox model (a hazard ratio, drafted with a ``# check:`` comment)."""
    text = sent.text
    labelled = [(m.start(), m.end()) for m in RATIO.finditer(text)]
    for bm in BARE_RATIO.finditer(text):
        if any(a <= bm.start() < b or a < bm.end() <= b for a, b in labelled):
            continue
        if bm.group("lo") is None and bm.group("p") is None:
            continue
        value = number(bm.group("v"))
        if float(value) <= 0:
            continue
        fields: list[tuple[str, Any]] = []
        if bm.group("lo") is not None:
            if re.fullmatch(NR, bm.group("hi")):
                continue
            lo_v, hi_v = number(bm.group("lo")), number(bm.group("hi"))
            if not (0 < float(lo_v) <= float(value) <= float(hi_v)):
                continue
            fields.append(("ci", [lo_v, hi_v]))
            if float(bm.group("lvl")) != 95:
                fields.append(("ci_level", Num(str(float(bm.group("lvl")) / 100))))
        if bm.group("p") is not None:
            p_text = num_text(bm.group("p"))
            if float(p_text) > 1 or _SCIENTIFIC.match(text, bm.end("p")):
                continue
            op = bm.group("op")
            fields.append(("p", number(bm.group("p")) if op == "=" else f"{op}{p_text}"))
        before = [
            e
            for e in state.entries[first:]
            if e.values and e.values[0][0] - sent.start < bm.start()
        ]
        prev = before[-1] if before else None
        prev_kind = next((k for k in _KINDS if prev is not None and prev.get(k) is not None), None)
        prev_end = prev.values[0][1] - sent.start if prev is not None else 0
        item_low = max(prev_end, 0)
        item = _list_item(text, item_low, bm.start())
        if item is not None and _NOT_A_RATIO_ITEM.search(item):
            continue
        check = None
        if prev_kind is not None:
            kind = prev_kind
        elif bm.group("lo") is not None and _COX.search(text):
            kind = "hr"
            check = (
                "ratio inferred: printed without HR, a number with its CI in a sentence "
                "about a Cox model"
            )
        else:
            continue
        wanted = ("time",) if kind == "hr" else ("binary",)
        fits = [
            t
            for t in terms
            if t.end <= bm.start()
            and (t.kind in wanted or (kind == "hr" and t.name == "Mortality"))
            and not _timepoint_death(text, t)
        ]
        right_before = bool(fits) and re.fullmatch(r"[\s(\[,:;]*", text[fits[-1].end : bm.start()])
        seg_low = max(prev_end, 0)
        if (
            not right_before
            and prev is not None
            and prev_end > 0
            and (
                _UNNAMED_OUTCOME.search(text, seg_low, bm.start())
                or any(seg_low <= t.start and t.end <= bm.start() for t in terms)
            )
        ):
            # "improved OS (HR ..) and reduced the incidence of GVHD (0.60 ..": an event with
            # no canonical name (or of another kind) between: not the ratio before's outcome
            _skip(
                state,
                sent,
                "a ratio printed without its label, outcome not named",
                bm.start(),
                bm.end(),
            )
            continue
        if right_before:
            name = "OS" if fits[-1].name == "Mortality" else fits[-1].name
        elif prev is not None and prev_kind is not None:
            name = prev.name
        elif fits:
            name = "OS" if fits[-1].name == "Mortality" else fits[-1].name
        else:
            continue
        span = (bm.start(), bm.end())
        contrast = _listed_factor(text, bm.start())
        if contrast is None and prev is not None and prev_kind is not None:
            if right_before:
                contrast = prev.get("contrast")  # the same comparison, another outcome
            elif item is not None:
                compared = _COMPARED_BEFORE.search(text, 0, bm.start())
                if (
                    compared is not None
                    and prev.get("contrast") is not None
                    and not _NOT_SUBGROUP.search(item)
                    and groups.resolve(item) is None
                ):
                    contrast = f"{compared.group('c').strip()}, {item}"  # another subgroup
                else:
                    _skip(
                        state, sent, "a ratio printed without its label, contrast not stated", *span
                    )
                    continue
        elif contrast is None and prev_kind is None and not groups.arms:
            _skip(state, sent, "a ratio printed without its label, contrast not stated", *span)
            continue
        out = [(kind, value), *fields]
        if contrast is not None:
            out.append(("contrast", contrast))
        if re.search(r"(?i)multivaria(?:te|ble)|adjusted", text) or (
            prev is not None and prev.get("adjusted")
        ):
            out.append(("adjusted", True))
        note = "printed without its label; the kind of the ratio before it in the sentence"
        if check is not None:
            note = None
        elif prev is None:
            continue
        elif prev.check is not None:
            check = prev.check  # the ratio before it was inferred: so is this one
        state.entries.append(_entry(name, out, sent, [span], note=note, check=check))


# "progression or death", "event or death": death as part of a composite end point
_COMPOSITE_DEATH = re.compile(
    r"(?i)\b(progression|relapse|recurrence|events?|failure)\s+(?:or|and/or|and)\s+$"
)


def _composite(text: str, t: Term) -> str | None:
    """The first part of a composite whose death *t* is ("progression"), else None."""
    if t.kind != "death" and t.name != "Mortality":
        return None
    c = _COMPOSITE_DEATH.search(text[max(0, t.start - 40) : t.start])
    return c.group(1).lower() if c else None


# where a clause begins: a semicolon or a contrasting conjunction outside parentheses
_CLAUSE_BREAK = re.compile(
    r"(?i);|,\s*(?:but|while|whereas|although|though|yet|and)\b|\b(?:but|whereas|although)\b"
)


# an event or outcome the synonyms table has no canonical name for ("the risk of relapse",
# "graft-versus-host disease", "time to next treatment", "treatment-related mortality")
_UNNAMED_OUTCOME = re.compile(
    r"(?i)\b(?:relapses?|recurrences?|progression|incidence|risk\s+of|time\s+to|GVHD|"
    r"graft[- ]versus[- ]host|thrombo\w*|infections?|toxicit\w*|mortality|events?|"
    r"failure|transformation|complications?|hospitali[sz]\w*)\b"
)


def _clause_start(text: str, pos: int) -> int:
    """The start of the clause that holds *pos*: after the last semicolon or "but" /
    "while" / ", and" before it, outside parentheses (0 when there is none)."""
    depth_at = [0] * (pos + 1)
    depth = 0
    for i, ch in enumerate(text[:pos]):
        depth_at[i] = depth
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
    low = 0
    for b in _CLAUSE_BREAK.finditer(text, 0, pos):
        if depth_at[b.start()] == 0 and depth_at[min(b.end(), pos)] == 0:
            low = b.end()
    return low


def _ratio_outcome(
    text: str,
    terms: list[Term],
    m: re.Match[str],
    *,
    kind: str | None = None,
    factor: str | None = None,
) -> str | None:
    """The outcome of the ratio at *m*. *factor*: the ratio compares the levels of a factor
    named before it (then an event word there, "late relapse (HR ..) was associated with
    lower mortality", is the factor, not the outcome)."""
    if m.group("for"):
        for_text = m.group("for")
        inner = find_terms(for_text)
        if inner and inner[0].kind == "other":
            return None  # "odds ratio for MRD-negative complete response": no canonical name
        if any(t.name == "PFS" for t in inner) or re.search(r"(?i)progression", for_text):
            return "PFS"
        if inner and not any(_composite(for_text, t) for t in inner):
            if inner[0].kind == "death" and re.search(
                r"(?i)\bdeath\s+(?:or|and/or|and)\s+\w", for_text
            ):
                return None  # "hazard ratio for death or relapse": a composite, not OS
            return inner[0].name
        if not inner:
            return None
        # "hazard ratio for event or death": the sentence's outcome, not OS
        terms = [t for t in terms if not (m.start() <= t.start < m.end())]
    elif any(_composite(text, t) == "progression" for t in terms if t.end <= m.start()):
        # "reduced the risk of progression or death by 38% (HR 0.62 ...)": PFS, when no other
        # outcome comes between
        last = [t for t in terms if t.end <= m.start()][-1]
        if _composite(text, last) == "progression":
            return "PFS"
    # death inside a composite ("relapse or death") is not overall survival; death up to a
    # time point ("30-day mortality", "early death") is a landmark: it names no ratio outcome
    terms = [
        t if not _timepoint_death(text, t) else Term("landmark death", "other", t.start, t.end)
        for t in terms
        if _composite(text, t) is None
    ]
    kind = kind or ratio_kind(m.group("kind"))
    wanted = ("time", "death") if kind == "hr" else ("binary",)

    def fits(t: Term) -> bool:
        # a hazard ratio of mortality is one of overall survival
        return t.kind in wanted or (kind == "hr" and t.name == "Mortality")

    nearest = [t for t in terms if t.end <= m.start() and (fits(t) or t.kind == "other")]
    if (
        nearest
        and nearest[-1].kind == "other"
        and not RATIO.search(text[nearest[-1].end : m.start()])
    ):
        return None  # "MRD- complete response rates (22% vs 8%; OR, 3.55)": not CR, not MRD-
    before = [t for t in terms if t.end <= m.start() and fits(t)]

    def name_of(t: Term) -> str:
        return "OS" if t.name == "Mortality" and kind == "hr" else t.name

    if before and re.fullmatch(r"[\s(\[,:;]*", text[before[-1].end : m.start()]):
        return name_of(before[-1])  # "improved PFS (HR 0.61 ...)"
    # only an outcome of the ratio's own clause: "the risk of relapse was lower (HR 0.60),
    # but overall survival was similar" does not give OS (relapse has no canonical name)
    low = _clause_start(text, m.start())
    own = [t for t in terms if low <= t.start and t.end <= m.start()]
    prev = [r for r in RATIO.finditer(text, 0, m.start()) if r.end() <= m.start()]
    sibling = bool(prev) and re.fullmatch(
        r"[^()\[\]]{0,3}[)\]]?\s*(?:,\s*)?(?:and|or|nor)?\s*[^()\[\];]{1,60}?\s*[(\[]?\s*",
        text[prev[-1].end() : m.start()],
    )
    if sibling and _LIST_VERB.search(text[prev[-1].end() : m.start()]):
        sibling = False
    # "A (OR ..) nor B (OR ..) had higher chances of CR": items of one list of factors
    if not sibling and not any(fits(t) for t in own):
        # an event word inside the factor's name is the factor ("late relapse (HR ..) was
        # associated with lower mortality"); one after it is the ratio's outcome
        f_at = text.rfind(factor, 0, m.start()) if factor else -1
        cue = [
            c
            for c in _UNNAMED_OUTCOME.finditer(text, low, m.start())
            if not any(t.start <= c.start() < t.end and fits(t) for t in terms)
            and not (f_at >= 0 and f_at <= c.start() < f_at + len(factor or ""))
        ]
        if own or cue:
            return None
    names = {name_of(t) for t in terms if fits(t) and not t.start <= m.start() < t.end}
    if len(names) == 1:
        return names.pop()
    # "improved PFS from a median of 13 to 30 months (HR 0.45 ...) and OS from ... (HR 0.33":
    # the nearest outcome before the ratio, when no other ratio or outcome comes between
    if before:
        last = before[-1]
        between = text[last.end : m.start()]
        if (
            len(between) <= 160
            and not RATIO.search(between)
            and not any(last.end <= t.start < m.start() for t in terms)
            # a rate's term is the subject ("the CR rate was higher ..."), not a modifier of
            # another noun ("CR durability")
            and (kind == "hr" or _RATE_TERM_AFTER.match(between))
        ):
            return name_of(last)
    return None


_RATE_TERM_AFTER = re.compile(
    r"(?i)\s*(?:[(\[,:;]|\d|(?:rates?|was|were|is|are|in|with|among|for|of|by)\b)"
)


def median_context(text: str, v: Value, spans: list[Span]) -> bool:
    """A percent-free number inside a 'median ...' clause is not a count."""
    d = dict(v.fields)
    return "percent" not in d and any(a <= v.start < b for a, b in spans)
