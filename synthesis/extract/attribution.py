"""Attribution: which outcome, which arm and which timepoint each value of a sentence is for.

Three readers work on one sentence at a time, over the terms and values that
:mod:`.numbers` found in it: proportions (:func:`binary_entries`), medians
(:func:`median_entries`) and ratios (:func:`ratio_entries`). A value goes to an arm only
when the sentence's structure says which; otherwise it is left out with a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from synthesis.normalize import events_from_percent, printed_decimals

from .groups import GROUP_BEFORE, DraftArm, arm_of, arm_order, group_frame, mentions
from .model import DraftEntry
from .numbers import (
    MEDIAN_VALUE,
    NR,
    RATIO,
    Term,
    Value,
    find_terms,
    number,
    ratio_kind,
    unit_name,
)
from .text import NUM, NUMBER, PAREN, Num, Sentence, num_text, short


@dataclass
class State:
    """Mutable accumulator used only inside :func:`extract`."""

    entries: list[DraftEntry] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


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


def binary_entries(
    sent: Sentence, terms: list[Term], values: list[Value], state: State, arms: list[DraftArm]
) -> None:
    text = sent.text
    bterms = [t for t in terms if t.kind == "binary"]
    if not bterms or not values:
        return
    if _BASELINE.search(text):
        for v in values:
            state.comments.append(
                f'skipped (baseline?): "{short(text[v.start : v.end])}" in "{short(text)}"'
            )
        return
    if _SUBGROUP_SENTENCE.search(text[: values[0].start]):
        state.comments.append(f'skipped (subgroup): "{short(text)}"')
        return
    group = group_frame(text)
    if group is None or group.end() > values[0].start:
        group = GROUP_BEFORE.search(text[: values[0].start])
    sentence_arm: DraftArm | None = None
    if group is not None:
        sentence_arm = arm_of(group.group("g"), arms)
        if sentence_arm is None:
            state.comments.append(
                f'skipped (values of a group that is not an identified arm, "{group.group(0)}"): '
                f'"{short(text)}"'
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
            state.comments.append(f'skipped (a change "from ... to ..."): "{short(text)}"')
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
                shown = short(text[v.start : v.end + 60])
                state.comments.append(f'skipped (subgroup): "{shown}" in "{short(text)}"')
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
                order = arm_order(text[: v.start], 2, arms)
            if term is None or order is None:
                state.comments.append(
                    "skipped (two-arm comparison, arms not identified): "
                    f'"{short(text[v.start : pair[-1].end])}" in "{short(text)}"'
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
                    f'"{short(text[run[0].start : listed[-1].end])}"'
                )
            i += len(listed)
            continue
        if len(run) == 1:
            listed = _value_list(values, i, text)
            if len(listed) > 1:
                # "The ORR of A and B were 67.8% and 55.6%": one outcome, several groups
                state.comments.append(
                    "skipped (several values for one outcome, groups not identified): "
                    f'"{short(text[run[0].start : listed[-1].end])}"'
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
_DURATION = rf"(?:{NUMBER}|\d+(?:\.\d+)?)[-\s‐‑–]?(?:days?|weeks?|months?|years?|d|wk|mo|yr)\b"
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
    state: State,
    timepoint: str | None,
    *,
    arm: str | None = None,
) -> None:
    if name in _LANDMARK_OUTCOMES and _landmark(sent.text, name, v):
        shown = short(sent.text[v.start : v.end])
        state.comments.append(
            f'skipped (a landmark rate, {name} at a fixed time): "{shown}" in "{short(sent.text)}"'
        )
        return
    fields = list(v.fields)
    d = dict(fields)
    note = None
    if "percent" in d and "total" in d:
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
    rf"(?:\s*{PAREN})?\s*,?\s*(?:(?P<each>(?:for|in)\s+(?:each|both)\s+(?:arms?|groups?))"
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


def median_entries(sent: Sentence, terms: list[Term], state: State, arms: list[DraftArm]) -> None:
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
            state.comments.append(f'skipped (subgroup): "{short(text)}"')
            continue
        frame = group_frame(text)
        frame_arm: DraftArm | None = None
        if frame is not None and frame.end() <= m.start():
            frame_arm = arm_of(frame.group("g"), arms)
            if frame_arm is None:
                # "Among 36 patients on the 1000 mg arm, median PFS was ...": not the cohort's
                state.comments.append(
                    f"skipped (median of a group that is not an identified arm, "
                    f'"{short(frame.group(0))}"): "{short(text)}"'
                )
                continue
        gap = _MEDIAN_GAP.match(text, after)
        pos = gap.end() if gap else after
        vals: list[re.Match[str]] = []
        labels: list[str | None] = []
        extra_ci: list[tuple[str, str] | None] = []
        seps: list[str] = []
        while True:
            vm = MEDIAN_VALUE.match(text, pos)
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
                skip = re.match(rf"\s*{PAREN}", text[end:])
                if skip and not re.search(r"(?i)\b(?:HR|OR|ratio)\b", skip.group(0)):
                    end += skip.end()  # a CI the pattern cannot read: left out
            extra_ci.append(ci)
            lab = _VALUE_LABEL.match(text, end)
            labels.append(lab.group("lab") if lab else None)
            if lab:
                end = lab.end()
            sep = _VALUE_SEP.match(text, end)
            if sep is None or not MEDIAN_VALUE.match(text, sep.end()):
                pos = end
                break
            seps.append(sep.group(0).strip())
            pos = sep.end()
        if not vals:
            continue
        unit = next((unit_name(v.group("unit")) for v in reversed(vals) if v.group("unit")), None)
        is_nr = [re.fullmatch(NR, v.group("v")) is not None for v in vals]
        if unit is None and not all(is_nr):
            state.comments.append(f'skipped (median without a unit): "{short(text)}"')
            continue
        tp = _timepoint(sent)
        trailing = _TRAILING_ARMS.match(text, pos)
        shown = short(text[vals[0].start() : vals[-1].end()])
        if frame_arm is not None and (any(labels) or len(vals) != len(run)):
            state.comments.append(
                f'skipped (medians in a sentence about one group): "{shown}" in "{short(text)}"'
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
                    f'skipped (median for a group that is not an arm): "{shown}" in "{short(text)}"'
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
                order = arm_order(text[: vals[0].start()], len(vals), arms)
            if order is None:
                state.comments.append(
                    f'skipped (two-arm comparison, arms not identified): "{shown}" in '
                    f'"{short(text)}"'
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
            state.comments.append(f'skipped (median for a group): "{shown}" in "{short(text)}"')
            continue
        if len(run) == len(vals):
            pairs = list(zip(run, vals, strict=True))
        elif len(vals) == 1 and all(is_nr):
            pairs = [(t, vals[0]) for t in run]
        else:
            state.comments.append(f'ambiguous (medians do not pair with outcomes): "{short(text)}"')
            continue
        if len(pairs) > 1 and len(vals) > 1 and "respectively" not in text[vals[-1].end() :]:
            state.comments.append(f'ambiguous (medians without "respectively"): "{short(text)}"')
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
        state.comments.append(f'skipped ("not reached" for a subgroup?): "{short(text)}"')


def _add_median(
    name: str,
    vm: re.Match[str],
    unit: str | None,
    sent: Sentence,
    state: State,
    timepoint: str | None,
    *,
    arm: str | None = None,
    single_ci: bool = True,
    extra_ci: tuple[str, str] | None = None,
) -> None:
    raw = vm.group("v")
    median: Any = "NR" if re.fullmatch(NR, raw) else number(raw)
    fields: list[tuple[str, Any]] = [("median", median)]
    lo = vm.group("lo") or vm.group("blo")
    hi = vm.group("hi") or vm.group("bhi")
    lvl = vm.group("lvl") or vm.group("blvl")
    if lo is None and extra_ci is not None:
        lo, hi = extra_ci  # the level printed with the first value of the comparison
    note = None
    if lo is not None and single_ci:
        hi_v: Any = "NR" if re.fullmatch(NR, hi) else number(hi)
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
        if arms and mentions(before, arms):
            return None  # the sentence names the arms: a treatment contrast
        return contrast
    return None


# "0.63-1.03" right after the number a ratio reads: that number opens a range (a CI)
_RANGE_NEXT = re.compile(r"\s*(?:-|‐|‑|–|—|−|to)\s*\d")
# "95% CI for the hazard ratio": what follows is the interval, not the estimate
_CI_FOR = re.compile(r"(?i)(?:\bCI|confidence\s+interval|C\.I\.)\s*(?:for|of)\s+(?:the\s+)?$")


def ratio_entries(sent: Sentence, terms: list[Term], state: State, arms: list[DraftArm]) -> None:
    text = sent.text
    for m in RATIO.finditer(text):
        kind = ratio_kind(m.group("kind"))
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
            shown = short(text[max(0, m.start() - 40) : m.end() + 12])
            state.comments.append(f'skipped (a ratio CI without its estimate): "{shown}"')
            continue
        if lo is not None:
            if re.fullmatch(NR, hi):
                state.comments.append(f'skipped (ratio CI with NR): "{short(text)}"')
                continue
            lo_v, hi_v = number(lo), number(hi)
            if not (0 < float(lo_v) <= float(value) <= float(hi_v)):
                shown = short(text[m.start() : m.end()])
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
                f'skipped (ratio without a named outcome): "{short(text[m.start() : m.end()])}"'
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
    kind = ratio_kind(m.group("kind"))
    wanted = ("time", "death") if kind == "hr" else ("binary",)
    nearest = [t for t in terms if t.end <= m.start() and t.kind in (*wanted, "other")]
    if (
        nearest
        and nearest[-1].kind == "other"
        and not RATIO.search(text[nearest[-1].end : m.start()])
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
            and not RATIO.search(between)
            and not any(last.end <= t.start < m.start() for t in terms)
        ):
            return last.name
    return None


def median_context(text: str, v: Value, spans: list[tuple[int, int]]) -> bool:
    """A percent-free number inside a 'median ...' clause is not a count."""
    d = dict(v.fields)
    return "percent" not in d and any(a <= v.start < b for a, b in spans)
