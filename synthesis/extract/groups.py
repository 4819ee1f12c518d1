"""Groups: the cohort an abstract reports on, and the arms or cohorts it compares.

:func:`find_cohort` reads the total cohort size; :func:`find_arms` reads the arms from
the sentence that allocates patients to them; :func:`arm_of` tells which arm a phrase names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from synthesis.records import WHOLE_COHORT

from .text import INT, NUM, NUMBER, PAREN, PEOPLE, Sentence, int_value, short

# words between a count and "patients": not a number, not "and"/"or" ("150 and 151 patients")
_FILLER = r"(?:(?!(?:and|or|to|of)\b)(?:[A-Za-z\u00c0-\u024f][\w/+-]*|\([A-Za-z][\w/+-]*\))\s+)"
_COHORT_PATTERNS = (
    # "analyzed 51 patients", "a retrospective study of 32 ALL cases", "a total of 120 patients"
    re.compile(
        rf"(?i)\b(?:total of|cohort of|series of|study of|analy[sz]ed|enrolled|included|"
        rf"reviewed|recruited|evaluated|identified|investigated|studied|data of|records of)"
        rf"\s+(?:the\s+)?(?:data\s+of\s+|records\s+of\s+)?(?P<n>{NUMBER})\s+"
        rf"{_FILLER}{{0,4}}?{PEOPLE}\b"
    ),
    # "seven patients with newly diagnosed ANKL were enrolled"
    re.compile(
        rf"(?i)(?<![\w/,])(?<!\d\.)(?P<n>{NUMBER})\s+{_FILLER}{{0,3}}?{PEOPLE}\b[^.;]{{0,120}}?"
        rf"\b(?:were|was)\s+(?:\w+\s+)?(?:enrolled|included|analy[sz]ed|treated|evaluated|"
        rf"identified|recruited|randomi[sz]ed|reviewed|studied|assigned|allocated)"
    ),
    # "patients with B-cell ALL treated with blinatumomab (n = 132)"
    re.compile(rf"(?i)\b{PEOPLE}\b[^.;()]{{0,100}}?\(\s*[nN]\s*=\s*(?P<n>{INT})\s*\)"),
    # "One hundred sixteen patients received blinatumomab." (a sentence that opens with it)
    re.compile(rf"(?i)^(?P<n>{NUMBER})\s+{_FILLER}{{0,3}}?{PEOPLE}\s+(?:received|underwent)\b"),
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
                subset = re.search(rf"(?i)\b(?P<k>{NUMBER})\s+of\s+(?:the\s+)?$", prefix)
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
                        rf"(?i)\b(?:and|or)\s+{NUMBER}\s", m.group(0)[m.end("n") - m.start() :]
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
        rf"(?i),\s*(?P<a>{NUMBER})\s+[^,;\d]{{0,40}}?\band\s+(?P<b>{NUMBER})\s+[^,;\d]*,", text
    )
    if m is None or n is None:
        return False
    a, b = int_value(m.group("a")), int_value(m.group("b"))
    return a is not None and b is not None and a + b == n


_LOOSE_COUNT = re.compile(
    rf"(?i)(?<![\w.,/(])(?P<n>{NUMBER})\s+(?:[^\s,;.\d]+\s+){{0,6}}?{PEOPLE}\b"
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
# Arms


@dataclass(frozen=True)
class DraftArm:
    id: str
    label: str
    n: int | None
    quote: str
    span: tuple[int, int]


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
    rf"(?i)\b(?P<n1>{INT})\s+and\s+(?P<n2>{INT})\s+{PEOPLE}\s+were\s+(?:\w+\s+)?"
    rf"(?:assigned|allocated|randomi[sz]ed)\s+to\s+(?:receive\s+)?"
    rf"(?P<l1>[A-Za-z][\w+/-]*)(?:\s*{PAREN})?\s+and\s+(?P<l2>[A-Za-z][\w+/-]*)"
    rf"(?:\s*{PAREN})?,?\s+respectively"
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
    rf"(?:receive\s+)?(?:either\s+)?(?P<l1>{_LABEL2})(?:\s*{PAREN})?"
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
                f'ambiguous (several group definitions): "{short(f[0].quote)}"' for f in found
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


def arm_of(ref: str, arms: list[DraftArm]) -> DraftArm | None:
    """The arm a phrase names: most label words in common, and no tie."""
    words = set(re.findall(r"[a-z][a-z0-9]*", ref.lower()))
    scored = sorted(((len(arm_keys(a.label) & words), i) for i, a in enumerate(arms)), reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return arms[scored[0][1]]


def mentions(text: str, arms: list[DraftArm]) -> list[DraftArm]:
    """Arms named in *text*, in order of first mention."""
    out: list[DraftArm] = []
    for chunk in re.split(
        r"(?i)[,;()\[\]]|\b(?:than|vs\.?|versus|v\.|and|or|with|in|for|compared)\b", text
    ):
        arm = arm_of(chunk, arms)
        if arm is not None and arm not in out:
            out.append(arm)
    return out


def arm_order(before: str, count: int, arms: list[DraftArm]) -> list[DraftArm] | None:
    """The arms of *count* unlabelled values ("46.7% vs. 21.4%"), from the arms named before.

    All arms named in order: that order; a pair among three arms: the first and the last
    named ("higher with A than with B (x vs y) or with C (x vs z)"); only the first defined
    arm named, or none named when the arms were defined with their sizes: definition order.
    Anything else (only the second arm named, say) is unclear and gives None.
    """
    if len(arms) < 2 or count < 2 or count > len(arms):
        return None
    named = mentions(before, arms)
    if count == len(arms) and len(named) == len(arms):
        return named
    if count == 2 and len(named) >= 2:
        return [named[0], named[-1]]
    if count == len(arms) and named == [arms[0]]:
        return list(arms)
    if count == len(arms) and not named and all(a.n for a in arms):
        return list(arms)
    return None


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


def group_frame(text: str) -> re.Match[str] | None:
    """The group a sentence opens with ("Among 36 patients on the A arm, ..."), if any."""
    return _GROUP_MEMBERS.match(text) or _GROUP_OPENING.match(text)
