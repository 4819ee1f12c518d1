"""Groups: the arms or cohorts an abstract compares, their sizes and every name they go by.

A :class:`Groups` model is read once per abstract (:func:`find_groups`) and then answers
one question for the attribution: which group does this phrase name
(:meth:`Groups.resolve`), and which groups does this sentence name, in order
(:meth:`Groups.named`)?

Where the groups come from, most trusted first:

1. an allocation with sizes: "randomized to A (n = 30) or B (n = 14)", "A (130), B (127),
   or C (129)", "150 and 151 patients were assigned to A and B, respectively", "240 to A
   and 245 to B", "(377 A, 378 B)", "A n = 54, B n = 49", "217 patients who received A
   and 439 who received B", "a total of 264 patients received A, and a total of 187
   patients received B";
2. an allocation without sizes: "randomized to receive either A or B";
3. a comparison: "A versus B" (in a sentence about a trial or a comparison, or twice),
   "compared A with B", "to A and B groups";
4. dose cohorts named as such: "the 2-mg cohort" ... "the 4-mg cohort";
5. two sized statements with different groups: "15 patients were randomized to 500 mg",
   "among 36 patients on the 1000 mg arm";
6. one sized group and its complement: "30 received L-ASNase-based regimens" ...
   "non-L-ASNase regimens".

Sizes are then filled from statements such as "277 (51.4%) underwent CHT" or "35 patients
were enrolled in each cohort".

A phrase names a group by its *keys*: the words of the group's label and aliases, cut to
their first four letters ("surgery" and "surgical" agree), with abbreviations defined in
the text expanded ("SC" -> "standard care"), generic words dropped ("therapy", "arm",
"patients") and negations kept as one key ("no CHT", "non-L-ASNase", "did not receive").
A phrase names the group whose keys it matches exactly, else the one with the most keys
that no other group has (numbers and ordinals count double: "2-mg", "second-line"), and
a phrase without a negation never names a negated group.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from synthesis.records.schema import WHOLE_COHORT

from .text import INT, NUM, NUMBER, PAREN, PEOPLE, Sentence, int_value, short

# ---------------------------------------------------------------------------
# Keys: the words that name a group


_GENERIC = frozenset(
    [
        "therapy",
        "therapies",
        "treatment",
        "treatments",
        "treated",
        "induction",
        "maintenance",
        "consolidation",
        "regimen",
        "regimens",
        "arm",
        "arms",
        "group",
        "groups",
        "cohort",
        "cohorts",
        "dose",
        "doses",
        "dosing",
        "the",
        "either",
        "alone",
        "plus",
        "and",
        "with",
        "of",
        "or",
        "to",
        "in",
        "on",
        "single",
        "agent",
        "monotherapy",
        "daily",
        "orally",
        "oral",
        "intravenously",
        "intravenous",
        "subcutaneous",
        "weekly",
        "cycle",
        "cycles",
        "course",
        "courses",
        "patients",
        "patient",
        "pts",
        "subjects",
        "cases",
        "women",
        "men",
        "trial",
        "phase",
        "line",
        "lines",
        "based",
        "containing",
        "only",
        "receive",
        "received",
        "receiving",
        "undergo",
        "underwent",
        "who",
        "that",
        "were",
        "was",
        "those",
        "mg",
        "kg",
        "m2",
        "g",
        "ug",
        "mcg",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "once",
        "twice",
        "every",
        "by",
        "as",
        "a",
        "an",
        "for",
        "at",
        "respectively",
        "each",
        "both",
        "all",
        "study",
        "combination",
        "combined",
        "administered",
        "given",
        "treatment-naive",
        "after",
        "before",
        "then",
        "followed",
    ]
)
_NEGATION = frozenset({"no", "non", "not", "without", "never", "nonuse"})
_ORDINALS = frozenset({"first", "second", "third", "fourth", "fifth", "1st", "2nd", "3rd"})
NEG = "~not"  # the key of a negation ("no CHT", "non-L-ASNase", "did not receive")
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    if word.isdigit() or word in _ORDINALS or len(word) <= 4:
        return word
    return word[:4]


# "drug A", "arm B", "X-treated patients" (not "B-cell", not the "I" of a phase)
_LETTER = re.compile(
    r"(?:(?<![\w'-])|(?<=non-)|(?<=Non-))([A-HJ-Z])(?![\w'])"
    r"(?!-(?!(?:treated|based|containing|randomi[sz]ed|receiving|"
    r"alone)\b))"
)


def word_keys(phrase: str) -> frozenset[str]:
    """The keys of a phrase without abbreviations expanded (see the module docstring)."""
    out: set[str] = set()
    # "A with or without B" is A, with B optional: no negation
    low = re.sub(r"\bwith\s+or\s+without\b", "with", phrase.lower())
    # "che-motherapy" (a line-break hyphen), "ide-cel": the joined word counts too
    for joined in re.findall(r"[a-z]{2,}(?:-[a-z]{2,})+", low):
        parts = joined.split("-")
        if not all(p in _GENERIC or p in _NEGATION for p in parts):
            out.add(_stem(joined.replace("-", "")))
    # "B-R", "R-B": a code of single letters joined by hyphens is one key ("br")
    for code in re.findall(r"(?<![\w/+-])[a-z](?:-[a-z])+(?![\w/+-])", low):
        out.add(code.replace("-", ""))
    # "drug A", "arm B": a capital letter on its own names a group ("I" is a phase)
    for letter in _LETTER.findall(phrase):
        out.add(letter.lower())
    for w in _WORD.findall(low):
        if w in _NEGATION:
            out.add(NEG)
        elif w in _GENERIC or (len(w) == 1 and not w.isdigit()):
            continue
        else:
            out.add(_stem(w))
    return frozenset(out)


def _weight(key: str) -> int:
    return 2 if key == NEG or key.isdigit() or key in _ORDINALS else 1


# ---------------------------------------------------------------------------
# Abbreviations defined in the text: "standard care (SC)", "idecabtagene vicleucel (ide-cel)"

_SHORT_FORM = re.compile(r"\(\s*(?P<s>[A-Za-z][A-Za-z0-9+/-]{0,11})\s*[);,]")
_WORD_BEFORE = re.compile(r"[A-Za-z0-9][\w+/-]*")


_STOP_WORDS = frozenset({"and", "or", "of", "the", "with", "in", "a", "an", "to", "for", "as"})


def _norm(short_form: str) -> str:
    return re.sub(r"[^a-z0-9+]", "", short_form.lower())


def _long_form(words: list[str], short_form: str) -> str | None:
    """The shortest run of the last *words* whose letters spell *short_form* (Schwartz-Hearst)."""
    letters = [c for c in short_form.lower() if c.isalnum()]
    if not letters or not letters[0].isalpha():
        return None
    limit = min(len(letters) + 5, 2 * len(letters) + 1)
    for k in range(1, min(limit, len(words)) + 1):
        run = words[-k:]
        if run[0][0].lower() != letters[0] or run[0].lower() in _STOP_WORDS:
            continue
        text = " ".join(run).lower()
        i = 0
        for ch in text:
            if i < len(letters) and ch == letters[i]:
                i += 1
        if i == len(letters):
            return " ".join(run)
    return None


def find_abbreviations(text: str) -> dict[str, str]:
    """Short form (normalised: lower case, letters, digits and '+') -> its long form."""
    out: dict[str, str] = {}
    for m in _SHORT_FORM.finditer(text):
        form = m.group("s")
        if not any(c.isupper() for c in form) and "-" not in form:
            continue  # "(either)", "(range)": not an abbreviation
        before = text[max(0, m.start() - 120) : m.start()]
        before = re.split(r"[;:.()\[\]]", before)[-1]
        words = _WORD_BEFORE.findall(before)[-12:]
        long = _long_form(words, form) if words else None
        if long is not None and len(long) > len(form):
            out.setdefault(_norm(form), long)
    return out


# ---------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class DraftArm:
    """One arm or cohort: its id, printed label, size, and where the text defines it."""

    id: str
    label: str
    n: int | None
    quote: str
    span: tuple[int, int]
    aliases: tuple[str, ...] = ()  # other names printed for it ("SC", "arm A", "no CHT")


_ARM_LETTER = re.compile(r"(?i)\b(?:arm|group|cohort)\s+\(?([A-Za-z]|\d{1,2})\)?(?![\w-])")
_ROLE_WORDS = {
    "control": re.compile(r"(?i)\b(?:control|comparator|reference)\b"),
    "experimental": re.compile(r"(?i)\b(?:experimental|investigational|intervention)\b"),
}
_CONTROL_LABEL = re.compile(
    r"(?i)\b(?:placebo|control|standard|observation|best\s+supportive|usual\s+care|no|non|"
    r"without|alone|only|deferred|conventional)\b"
)


@dataclass(frozen=True)
class Groups:
    """The groups of an abstract and how phrases resolve to them (see the module docstring)."""

    arms: tuple[DraftArm, ...] = ()
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    how: str | None = None  # "allocation with sizes", "allocation", "comparison", ...
    comments: tuple[str, ...] = ()
    # computed once: the keys of each arm, and phrases already read (the work stays linear)
    _arm_keys: tuple[frozenset[str], ...] = field(default=(), init=False, repr=False, compare=False)
    _distinct: tuple[frozenset[str], ...] = field(default=(), init=False, repr=False, compare=False)
    _vocabulary: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _memo: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        roles = self._roles()
        keys = []
        for arm in self.arms:
            out = set(self.keys(arm.label))
            for alias in arm.aliases:
                out |= self.keys(alias)
            keys.append(frozenset(out) | roles.get(arm.id, frozenset()))
        distinct = [
            k - frozenset().union(*(o for j, o in enumerate(keys) if j != i))
            for i, k in enumerate(keys)
        ]
        object.__setattr__(self, "_arm_keys", tuple(keys))
        object.__setattr__(self, "_vocabulary", frozenset().union(*keys))
        object.__setattr__(self, "_distinct", tuple(distinct))

    def keys(self, phrase: str) -> frozenset[str]:
        """The keys of *phrase*, abbreviations expanded, "arm A" as the key ``arm:a``."""
        known = self._memo.get(phrase)
        if known is not None:
            return known
        if len(self._memo) > 50_000:
            self._memo.clear()
        out = set(word_keys(phrase))
        for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9+/-]*", phrase):
            long = self.abbreviations.get(_norm(w))
            if long is not None:
                out |= word_keys(long)
                out.add(_norm(w))
        for m in _ARM_LETTER.finditer(phrase):
            out.add(f"arm:{m.group(1).lower()}")
        for role, rx in _ROLE_WORDS.items():
            if rx.search(phrase):
                out.add(f"role:{role}")
        self._memo[phrase] = frozenset(out)
        return self._memo[phrase]

    def arm_keys(self, arm: DraftArm) -> frozenset[str]:
        """The keys of an arm: its label's and its aliases' (and its role's, if known)."""
        return self._arm_keys[self.arms.index(arm)]

    def _roles(self) -> dict[str, frozenset[str]]:
        """'the control arm': the one arm whose label reads as a control, in a two-arm study."""
        if len(self.arms) != 2:
            return {}
        control = [a for a in self.arms if _CONTROL_LABEL.search(" ".join((a.label, *a.aliases)))]
        if len(control) != 1:
            return {}
        other = next(a for a in self.arms if a is not control[0])
        return {
            control[0].id: frozenset({"role:control"}),
            other.id: frozenset({"role:experimental"}),
        }

    def resolve(self, phrase: str) -> DraftArm | None:
        """The group *phrase* names, or None when it names none or cannot tell which."""
        if not self.arms:
            return None
        keys = self.keys(phrase)
        if not keys or keys == {NEG}:
            return None
        if any(len(k) == 1 or k.isdigit() for k in keys - self._vocabulary):
            return None  # "drug Z" is not "drug X": a letter or number no group has
        all_keys = self._arm_keys
        exact = [a for a, k in zip(self.arms, all_keys, strict=True) if k == keys]
        if len(exact) == 1:
            return exact[0]
        scores: list[int] = []
        for own in self._distinct:
            if NEG in own and NEG not in keys and "role:control" not in keys & own:
                scores.append(-1)  # "CHT" never names "no CHT" (but "the control group" may)
                continue
            scores.append(sum(_weight(x) for x in keys & own))
        best = max(scores)
        if best > 0:
            top = [a for a, s in zip(self.arms, scores, strict=True) if s == best]
            return top[0] if len(top) == 1 else None
        # no distinctive key: the group whose keys cover the phrase with the fewest left over
        cover = [
            (len(k - keys), a)
            for a, k, s in zip(self.arms, all_keys, scores, strict=True)
            if s == 0 and keys <= k and (NEG in k) == (NEG in keys)
        ]
        if not cover:
            return None
        cover.sort(key=lambda t: t[0])
        if len(cover) > 1 and cover[0][0] == cover[1][0]:
            return None
        return cover[0][1]

    def named(self, text: str) -> list[tuple[int, int, DraftArm]]:
        """The groups *text* names, in order, as (start, end, group); repeats merged."""
        if not self.arms:
            return []
        vocabulary = self._vocabulary
        out: list[tuple[int, int, DraftArm]] = []
        for start, end in _name_runs(text):
            phrase = text[start:end]
            if not (self.keys(phrase) & vocabulary):
                continue
            arm = self.resolve(phrase)
            if arm is None:
                continue
            if out and out[-1][2] is arm and not _SEPARATES.search(text[out[-1][1] : start]):
                out[-1] = (out[-1][0], end, arm)
                continue
            out.append((start, end, arm))
        return out

    def named_arms(self, text: str) -> list[DraftArm]:
        """The distinct groups *text* names, in order of first mention."""
        out: list[DraftArm] = []
        for _, _, arm in self.named(text):
            if arm not in out:
                out.append(arm)
        return out


# a run of words that may name a group: split at separators and at words that join two
# names ("A and B", "A vs. B", "A than B", "with A", "for A"), and at numbers with a unit
_RUN_BREAK = re.compile(
    r"(?i)[,;:()\[\]=]|\s(?:and|or|vs\.?|versus|v\.?|than|compared|with|for|in|to|from|of|"
    r"among|was|were|is|are|had|has|at|by|while|whereas|but|respectively|plus\s+(?=\d))(?=\s)"
    r"|\.(?=\s)|(?<![\w+/-])\d+(?:[.·]\d+)?\s*(?:%|months?|mos?\.?|years?|weeks?|days?)"
)
_SEPARATES = re.compile(r"(?i)[,;]|\b(?:and|or|vs|versus|than|compared)\b")


def _name_runs(text: str) -> Iterable[tuple[int, int]]:
    start = 0
    for m in _RUN_BREAK.finditer(text):
        if m.start() > start and text[start : m.start()].strip():
            yield _trimmed(text, start, m.start())
        start = m.end()
    if text[start:].strip():
        yield _trimmed(text, start, len(text))


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


# ---------------------------------------------------------------------------
# Labels

_LEAD = re.compile(
    r"(?i)^(?:(?:to|receive|received|receiving|either|the|a|an|undergo|underwent|be|treated|"
    r"treatment|therapy|induction|with|and|or|vs\.?|versus|compared|once-daily|twice-daily|"
    r"daily|oral|orally|single-agent|intravenous|iv|initial|standard-of-care|"
    r"conventional)\s+"
    r"|(?:one|two|three|four|five|six|\d+)\s+(?:to\s+\w+\s+)?(?:induction\s+|consolidation\s+)?"
    r"(?:cycles?|courses?|doses?)\s+of\s+"
    rf"|(?:[<≤>≥~]?\s*{NUM}(?:\s*[-–]\s*{NUM})?\s*(?:mg|g|µg|mcg|ug|mg/kg|mg/m2|mg/m\(2\)|"
    r"mg/m²|iu|units?|%)?(?:/(?:m2|m\(2\)|kg|day|d|week))?\s+))+"
)
_CUT = re.compile(
    r"(?i)\s(?:until|every|once|twice|daily|for|at|on|over|during|given|administered|"
    r"intravenously|orally|subcutaneously|i\.v\.|iv|q\d+w|days?\s+\d|prior|which|who|that|as\s+"
    r"(?!the\s+\w+-line)|in\s+(?:combination|patients|the)|followed|using|among|in|from|by|"
    r"between|versus|vs)\b"
    rf"|\s[<≤>≥~]?\s*{NUM}(?:\s*[-–]\s*{NUM})?\s*(?:mg|g|µg|mcg|ug|%|iu|units?)\b"
    r"|\s*[(\[;]"
)
# "vincristine, doxorubicin, and dexamethasone": a list of drugs is one label
_DRUG_LIST = re.compile(
    r"^[A-Za-z][\w+/-]*(?:,\s+[A-Za-z][\w+/-]*){1,4},?\s+and\s+[A-Za-z][\w+/-]*"
)
_PAREN_ALIAS = re.compile(
    r"\(\s*(?P<a>(?i:arm|group|cohort)\s+[A-Za-z0-9]{1,2}|[A-Za-z0-9][A-Za-z0-9+/-]{0,11})\s*\)"
)
_LABEL_WORDS = 6
_DOSE_ONLY = re.compile(
    r"(?i)(?:the\s+)?(?P<v>\d+(?:\.\d+)?)(?:-|\s)?(?P<u>mg|g|µg|mcg|ug)(?:/(?:m2|kg|day|d))?"
    r"(?:\s+(?:arm|cohort|group|dose))?"
)


# "5 mg/day on days 1-28": a dose and its schedule, no drug named (the drug of the arm before)
_DOSE_SCHEDULE = re.compile(
    r"(?i)(?P<v>\d+(?:\.\d+)?)\s?(?P<u>mg|g|µg|mcg|ug)(?:/(?:m2|kg|day|d))?\s+"
    r"(?:on\s+days?|daily|once|twice|every|per\s+day|for\s+\d)\b"
)


def label_and_aliases(segment: str) -> tuple[str | None, tuple[str, ...]]:
    """The name in an allocation segment and the names printed for it in parentheses.

    "once-daily ibrutinib 420 mg until progression (n = 136)" -> "ibrutinib";
    "first-line CT (FOLFIRI or FOLFOX4) plus B (arm A)" -> "CT plus B", ("arm A",).
    """
    s = " ".join(segment.split())
    dose = _DOSE_ONLY.fullmatch(s) or _DOSE_SCHEDULE.match(s)
    if dose is not None:  # "500 mg", "the 2-mg cohort": the dose is the name
        return f"{dose.group('v')} {dose.group('u').lower()}", ()
    aliases = tuple(
        m.group("a")
        for m in _PAREN_ALIAS.finditer(s)
        if re.search(r"[A-Z]|-|\b(?:arm|group|cohort)\b", m.group("a"))
        and not re.fullmatch(r"(?i)n|CI|[A-Z]?\d+|Q\d+W|i\.?v\.?", m.group("a"))
    )
    s = _LEAD.sub("", s)  # before parentheses go: "12 mg/m(2) mitoxantrone"
    s = re.sub(PAREN, " ", s)
    s = " ".join(s.split())
    s = _LEAD.sub("", s)
    listed = _DRUG_LIST.match(s)
    if listed is not None:
        s = listed.group(0)
    else:
        cut = _CUT.search(s)
        if cut is not None and cut.start() > 0:
            s = s[: cut.start()]
        s = s.split(",")[0]
        s = " ".join(s.split()[:_LABEL_WORDS])
    s = s.strip(" ,;:.-")
    s = re.sub(r"(?i)\s+(?:and|or|with|the|to|plus)$", "", s)
    if not s or not re.search(r"[A-Za-z0-9]", s):
        return None, aliases
    return s, aliases


def clean_label(segment: str) -> str | None:
    """The name in an allocation segment (see :func:`label_and_aliases`)."""
    return label_and_aliases(segment)[0]


def slug(label: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", label.lower()).strip("-")[:32].strip("-")
    return s or "arm"


# ---------------------------------------------------------------------------
# Definitions


@dataclass(frozen=True)
class _Def:
    labels: tuple[str, ...]
    sizes: tuple[int | None, ...]
    sentence: Sentence
    kind: str
    aliases: tuple[tuple[str, ...], ...] = ()


def _define(segments: list[str], sizes: list[int | None], s: Sentence, kind: str) -> _Def | None:
    """A definition from raw segments, or None when one has no name."""
    labels: list[str] = []
    aliases: list[tuple[str, ...]] = []
    for segment in segments:
        label, alias = label_and_aliases(segment)
        if label is None:
            return None
        added = _ADDED_TO.match(label)
        if added is not None and labels:
            # "either A (n = 71) or in combination with B (n = 62)": the second arm is A + B,
            # the first is A alone
            base = re.sub(r"(?i)\s+(?:alone|only|monotherapy)$", "", labels[0])
            label = f"{base} + {added.group('b')}"
            labels[0] = f"{base} alone"
        labels.append(label)
        aliases.append(alias)
    return _Def(tuple(_parallel(labels)), tuple(sizes), s, kind, tuple(aliases))


# a segment that only adds a drug to the arm named before it
_ADDED_TO = re.compile(
    r"(?i)^(?:in\s+combination\s+with|combined\s+with|together\s+with|along\s+with|"
    r"with\s+the\s+addition\s+of|plus)\s+(?P<b>\S.*)$"
)


_CODE = re.compile(r"[A-Z][A-Za-z0-9+/-]*[A-Z0-9][A-Za-z0-9+/-]*")


def _parallel(labels: list[str]) -> list[str]:
    """ "transplants after conditioning with MEL200 or MEL100": the names are parallel, so a
    label that ends in a code like the other labels (all one code each) is that code."""
    single = [x for x in labels if " " not in x]
    if len(labels) < 2 or len(single) != len(labels) - 1 or not all(map(_CODE.fullmatch, single)):
        return labels
    out = []
    for x in labels:
        last = x.split()[-1]
        stem = re.match(r"[A-Za-z]+", last)
        # codes of one family ("MEL200", "MEL100"): the same letters before their numbers
        kin = stem is not None and len(stem.group(0)) >= 2
        kin = kin and all(y.startswith(stem.group(0)) and y != last for y in single)
        out.append(last if " " in x and _CODE.fullmatch(last) and kin else x)
    return out


_ALLOCATION = re.compile(
    r"(?i)\b(?:randomi[sz]ed|randomly\s+assigned|allocated|assigned|randomi[sz]ation|"
    r"allocation)\b"
)
_TREATS = re.compile(
    r"(?i)\b(?:randomi[sz]ed|randomly|assigned|allocated|received|receiving|receive|treated\s+with|"
    r"either|underwent|undergo)\b"
)
_ITEM = re.compile(
    # "(arm A, n = 97)": the arm's own name before its size is an alias too
    rf"\(\s*(?:(?P<eq>[nN]\s*=)\s*|(?P<alias>(?:[Aa]rm|[Gg]roup)\s+(?:[A-Z]|\d{{1,2}})|"
    rf"[A-Za-z][A-Za-z0-9+/-]{{0,11}})\s*[;,]\s*"
    rf"(?P<eq2>[nN]\s*=)\s*)?(?P<n>{INT})(?P<pts>\s+(?:patients|pts|participants))?"
    # "(n = 95, nonresponders received a second course)": a remark after the size
    r"(?P<rest>\s*[,;]\s*[A-Za-z][^()=]{0,100})?\s*\)"
)
_ITEM_GAP = re.compile(
    # "A (n = 69) of 28-day cycles; or placebo (n = 67)": a short remark, then the next item
    r"(?i)^(?:\s*[^;()\d]{0,30}(?:\d+-day\s+cycles)?;(?=\s*(?:or|and)\s))?"
    r"\s*(?:,\s*(?:(?:or|and)\s+)?|(?:or|and|vs\.?|versus|compared\s+with)\s+)"
    r"(?:with\s+)?(?:the\s+|to\s+)?(?P<label>(?:[^;()]|" + PAREN + r"){1,120}?)\s*$"
)
_ANCHOR = re.compile(
    r"(?i)\b(?:(?:selected|eligible|considered|scheduled|fit)\s+for|treated\s+with|"
    r"to\s+(?:receive|undergo)(?:\s+either)?|to\s+either|either|received|receiving|"
    r"to|into|comparing|compared|of)\s+(?=\S)|:\s*"
)
# a name of one to six (or three) words: not across "and", "vs" or a verb
_NOT_IN_NAME = r"(?!(?:and|or|vs|versus|v|was|were|is|are|had|has|have|showed|did|than)\b)"
_WORDS = rf"[A-Za-z][\w+/-]*(?:\s+{_NOT_IN_NAME}[A-Za-z][\w+/-]*){{0,5}}"
_SHORT_WORDS = rf"[A-Za-z][\w+/-]*(?:\s+{_NOT_IN_NAME}[A-Za-z][\w+/-]*){{0,2}}"


def _first_segment(text: str, end: int) -> str:
    """The label text before a first size item: from the last allocation anchor, or 4 words."""
    window = text[max(0, end - 160) : end]
    last = None
    for last in _ANCHOR.finditer(window):  # noqa: B007 - the last anchor is wanted
        pass
    segment = window[last.end() :] if last is not None else ""
    if not segment.strip() or len(segment) > 120:
        words = re.findall(r"[A-Za-z][\w+/-]*", window)[-4:]
        segment = " ".join(words)
    return segment


def _alias_of(m: re.Match[str], segment: str) -> str:
    """ "(TC; n = 407)": the name printed beside a size, kept as the group's alias when the
    words it abbreviates are in the group's name ("erythropoietin plus supportive care
    (SC; n = 53)" is not "SC")."""
    alias = m.group("alias")
    if not alias:
        return ""
    label = clean_label(segment) or ""
    long = _long_form(_WORD_BEFORE.findall(segment), alias)
    if long is not None and not word_keys(long) <= word_keys(label):
        return ""
    return f" ({alias})"


def _sized_lists(s: Sentence) -> list[_Def]:
    """ "A (n = 30) or B (n = 14)", "A (130), B (127), or C (129)" (bare sizes: allocation)."""
    text = s.text
    chains: list[list[tuple[re.Match[str], str]]] = []
    for m in _ITEM.finditer(text):
        if chains:
            prev = chains[-1][-1][0]
            gap = _ITEM_GAP.match(text[prev.end() : m.start()])
            if gap is not None:
                chains[-1].append((m, gap.group("label") + _alias_of(m, gap.group("label"))))
                continue
        first = _first_segment(text, m.start())
        chains.append([(m, first + _alias_of(m, first))])
    out: list[_Def] = []
    for chain in chains:
        if not 2 <= len(chain) <= 4:
            continue
        bare = any(
            m.group("eq") is None and m.group("eq2") is None and m.group("pts") is None
            for m, _ in chain
        )
        if any(m.group("rest") and not (m.group("eq") or m.group("eq2")) for m, _ in chain):
            continue  # "(35, 20%)": a remark only after "n ="
        if bare and not _ALLOCATION.search(text[: chain[0][0].start()]):
            continue  # "(35)" is a size only in an allocation sentence
        # sizes in a sentence that allocates or treats: arms; otherwise groups (by age, ...)
        kind = "allocation with sizes" if _TREATS.search(text) else "groups with sizes"
        d = _define(
            [segment for _, segment in chain],
            [int_value(m.group("n")) for m, _ in chain],
            s,
            kind,
        )
        if d is not None:
            out.append(d)
    return out


_RESPECTIVELY = re.compile(
    rf"(?i)\b(?P<n1>{INT})\s+and\s+(?P<n2>{INT})\s+{PEOPLE}\s+were\s+(?:\w+\s+)?"
    rf"(?:assigned|allocated|randomi[sz]ed)\s+to\s+(?:receive\s+)?"
    rf"(?P<l1>{_SHORT_WORDS}(?:\s*{PAREN})?)\s+and\s+(?P<l2>{_SHORT_WORDS}(?:\s*{PAREN})?)"
    rf",?\s+respectively"
)
_TO_ITEM = re.compile(
    # "Fifty-nine of 113 patients (52.2%) were randomized to Arm A and 54 of 113 (47.8%) to B"
    rf"(?i)(?<![\w.,])(?P<n>{NUMBER})\s+(?:of\s+(?:{INT})\s+)?(?:{PEOPLE}\s+)?"
    rf"(?:\(\s*{NUM}\s?%\s*\)\s+)?(?:were\s+)?(?:(?:(?:randomly\s+)?"
    r"(?:assigned|allocated|randomi[sz]ed)\s+)?to\s+(?:receive\s+|undergo\s+)?(?:the\s+)?"
    # "150 patients were enrolled in arm A and 148 in arm B": an arm or group by its name
    r"|(?P<verb>(?:enrolled|included|treated|randomi[sz]ed)\s+)?(?P<in>in(?:to)?)\s+(?:the\s+)?"
    r"(?=[\w+/-]+(?:\s+[\w+/-]+){0,2}?\s+(?:arm|group|cohort)s?\b|(?:arm|group|cohort)\s+[A-Z0-9]\b))"
    rf"(?P<l>{_WORDS})"
)
_TO_GAP = re.compile(r"(?i)^\s*(?:,\s*(?:and\s+)?|and\s+|vs\.?\s+|versus\s+|;\s*)$")
_NAMED_ARM = re.compile(r"\b(?:[Aa]rm|[Gg]roup)\s+(?:[A-Z]|\d{1,2})\b")
_IN = r"(?:(?:in|to|on)\s+(?:the\s+)?)?"  # "(45 in arm A and 43 in arm B)"
_PAREN_SIZES = re.compile(
    rf"\(\s*(?P<n1>{INT})\s+{_IN}(?P<l1>{_SHORT_WORDS})\s*(?:,|;|and|vs\.?|versus)\s*"
    rf"(?P<n2>{INT})\s+{_IN}(?P<l2>{_SHORT_WORDS})\s*"
    rf"(?:(?:,|;|and|,\s*and)\s*(?P<n3>{INT})\s+{_IN}(?P<l3>{_SHORT_WORDS})\s*)?\)"
)
_N_EQUALS = re.compile(
    rf"(?P<l>[A-Za-z][\w+/-]*(?:\s+[A-Za-z][\w+/-]*){{0,2}}?)\s*[:,]?\s+[nN]\s*=\s*"
    rf"(?P<n>{INT})\b"
)
_WHO_RECEIVED = re.compile(
    rf"(?i)\b(?P<n1>{INT})\s+(?:{PEOPLE}\s+)?who\s+(?:received|underwent|were\s+treated\s+"
    rf"with)\s+(?P<l1>{_SHORT_WORDS})\s*,?\s*and\s+(?P<n2>{INT})\s+(?:{PEOPLE}\s+)?who\s+"
    rf"(?:received|underwent|were\s+treated\s+with)\s+(?P<l2>{_SHORT_WORDS})"
)
# "85 patients treated with A with 90 patients treated with B", "85 patients receiving A and
# 90 patients receiving B"
_TREATED_WITH = re.compile(
    rf"(?i)\b(?P<n1>{INT})\s+(?:{PEOPLE}\s+)?(?:treated\s+with|receiving|given)\s+"
    rf"(?P<l1>{_SHORT_WORDS})\s*,?\s*(?:with|and|versus|vs\.?|to)\s+(?P<n2>{INT})\s+"
    rf"(?:{PEOPLE}\s+)?(?:treated\s+with|receiving|given)\s+(?P<l2>{_SHORT_WORDS})"
)
# "A total of 264 patients received A, and a total of 187 patients received B", "40 patients
# received drug X and 38 received standard care (SC)"
_RECEIVED = re.compile(
    rf"(?i)(?<![\w.,])(?P<n>{NUMBER})\s+(?:\(\s*(?P<pct>{NUM})\s?%\s*\)\s+)?"
    rf"(?:(?:[^\s,;.\d]+\s+){{0,8}}?{PEOPLE}\b[^,;.]{{0,60}}?\s)?"
    r"(?:received|underwent|were\s+treated\s+(?:with|only(?:\s+with)?))\s+"
    r"(?P<l>(?:(?!\s+(?:and|or|while|whereas)\s+(?:a\s+total\s+of\s+)?\d)[^,;.()]){1,60}"
    rf"(?:\s*{PAREN})?)"
)


# "938 patients (651 stage B and 287 stage C) were randomized": the cohort's composition
_COMPOSITION_BEFORE = re.compile(rf"(?i)\b{INT}\s+(?:[\w-]+\s+){{0,2}}?{PEOPLE}\s*$")


def _pairs(s: Sentence, rx: re.Pattern[str], kind: str) -> list[_Def]:
    out: list[_Def] = []
    for m in rx.finditer(s.text):
        if (
            rx is _PAREN_SIZES
            and _COMPOSITION_BEFORE.search(s.text, 0, m.start())
            and not re.search(r"(?i)\b(?:arm|group)s?\b", m.group(0))
        ):
            continue  # the parts of a cohort by a characteristic, not the arms it was split into
        g = m.groupdict()
        segments: list[str] = []
        sizes: list[int | None] = []
        for i in (1, 2, 3):
            if g.get(f"l{i}") is None:
                continue
            segments.append(g[f"l{i}"])
            sizes.append(int_value(g[f"n{i}"]) if g.get(f"n{i}") else None)
        d = _define(segments, sizes, s, kind)
        if d is not None:
            out.append(d)
    return out


def _chain(s: Sentence, matches: list[re.Match[str]], kind: str) -> list[_Def]:
    if not 2 <= len(matches) <= 4:
        return []
    d = _define(
        [m.group("l") for m in matches], [int_value(m.group("n")) for m in matches], s, kind
    )
    return [d] if d is not None else []


def _to_chains(s: Sentence) -> list[_Def]:
    """ "240 to A and 245 to B", "289 patients were assigned to A and 294 patients to B"."""
    text = s.text
    if not _ALLOCATION.search(text):
        return []
    chains: list[list[re.Match[str]]] = []
    for m in _TO_ITEM.finditer(text):
        if chains and _TO_GAP.match(text[chains[-1][-1].end() : m.start()]):
            chains[-1].append(m)
        else:
            chains.append([m])
    # "three in arm A and three in arm B" (events per arm): an "in" list opens with its verb
    chains = [c for c in chains if not (c[0].group("in") and not c[0].group("verb"))]
    return [d for chain in chains for d in _chain(s, chain, "allocation with sizes")]


# "60 patients were enrolled (A, n = 30; B, n = 30)": the count the list adds up to
_COUNT_BEFORE = re.compile(
    rf"(?i)\b(?P<n>{INT})\s+{PEOPLE}\s+(?:were\s+|was\s+)?(?:\w+\s+){{0,2}}?[(\[]\s*$"
)


def _n_equals(s: Sentence) -> list[_Def]:
    """ "RVd n = 54, RVd-Elo n = 49"."""
    text = s.text
    chain: list[re.Match[str]] = []
    for m in _N_EQUALS.finditer(text):
        if not chain and re.search(r"[(\[]\s*$", text[max(0, m.start() - 3) : m.start()]):
            # "(chemotherapy, n = 259; ASCT, n = 258)": a list of sizes that fills the
            # parentheses; one "A (B, n = 5)" inside a phrase is not
            inside = re.match(r"[^()\[\]]*[)\]]", text[m.start() :])
            items = len(_N_EQUALS.findall(inside.group(0))) if inside else 0
            sizes = (
                [int_value(x) or 0 for x in re.findall(r"[nN]\s*=\s*(\d+)", inside.group(0))]
                if inside
                else []
            )
            count = _COUNT_BEFORE.search(text, 0, m.start())
            adds_up = count is not None and int_value(count.group("n")) == sum(sizes)
            if items < 2 or not (_ALLOCATION.search(text) or adds_up):
                continue  # "(progressive disease, n = 4; AEs, n = 3)": reasons, not arms
        gap = text[chain[-1].end() : m.start()] if chain else ""
        if chain and not re.fullmatch(r"\s*[,;]\s*(?:and\s+)?", gap):
            break
        chain.append(m)
    return _chain(s, chain, "allocation with sizes")


# "167 patients (n = 84, IC; n = 83, Epi)": sizes printed before their labels, filling a
# parenthesis after a count of patients they add up to
_N_FIRST_LIST = re.compile(
    rf"(?i)\b(?P<n>{NUMBER})\s+{PEOPLE}\s*\(\s*(?P<items>[nN]\s*=\s*(?:{INT})\s*,\s*[^,;()]{{1,40}}"
    rf"(?:\s*;\s*(?:and\s+)?[nN]\s*=\s*(?:{INT})\s*,\s*[^,;()]{{1,40}}){{1,3}})\)"
)
_N_FIRST_ITEM = re.compile(rf"[nN]\s*=\s*(?P<n>(?:{INT}))\s*,\s*(?P<l>[^,;()]{{1,40}})")


def _n_first(s: Sentence) -> list[_Def]:
    """ "One hundred sixty-seven patients (n = 84, IC; n = 83, Epi) were assessed"."""
    out: list[_Def] = []
    for m in _N_FIRST_LIST.finditer(s.text):
        items = list(_N_FIRST_ITEM.finditer(m.group("items")))
        sizes = [int_value(x.group("n")) for x in items]
        if None in sizes or sum(x for x in sizes if x is not None) != int_value(m.group("n")):
            continue  # not the whole count split into its groups
        d = _define([x.group("l").strip() for x in items], list(sizes), s, "allocation with sizes")
        if d is not None:
            out.append(d)
    return out


# "we compared A (CTDa; n = 426) with B (MP; n = 423)": each group's short name and size in
# the parenthesis after its name, the groups joined by a comparison word
_ABBR_SIZE = re.compile(
    rf"\(\s*(?P<l>(?=[\w+/-]*[A-Z])[A-Za-z][\w+/-]{{0,15}})\s*[;,]\s*[nN]\s*=\s*(?P<n>(?:{INT}))\s*\)"
)
_ABBR_GAP = re.compile(
    r"(?i)\s+(?:with|versus|vs\.?|or|and|to)\s+(?:(?:to\s+)?(?:receive|either)\s+)?"
    r"(?:[^\s();,.]+[\s,]+){0,8}?[^\s();,.]+\s*$"
)


def _abbreviation_sizes(s: Sentence) -> list[_Def]:
    """ "we compared an attenuated regimen of A, B, and C (CTDa; n = 426) with D and E (MP;
    n = 423)"."""
    found = list(_ABBR_SIZE.finditer(s.text))
    if not 2 <= len(found) <= 4:
        return []
    for a, b in itertools.pairwise(found):
        if not _ABBR_GAP.match(s.text[a.end() : b.start()]):
            return []
    return _chain(s, found, "allocation with sizes")


# "61 received CSA and 54 ATG and CSA": the second size with its verb left out, to the
# clause's end
_ELIDED = re.compile(
    rf"\s*,?\s*and\s+(?P<n>{INT})\s+(?!{PEOPLE}\b|of\b|to\b|in\b|with\b|had\b|were\b|"
    r"(?:months?|years?|weeks?|days?|mg|%)(?!\w))(?P<l>[A-Za-z][^,;.()\d]{0,40}?)\s*(?=[.;]|$)"
)


def _parallel_received(s: Sentence) -> list[_Def]:
    """ "A total of 264 patients received A, and a total of 187 patients received B"."""
    found = list(_RECEIVED.finditer(s.text))
    if len(found) == 1:
        elided = _ELIDED.match(s.text, found[0].end())
        if elided is not None:
            if _breakdown(s.text, found[0], elided):
                return []
            return _chain(s, [found[0], elided], "allocation with sizes")
    if len(found) == 3 and re.fullmatch(r"\s*[;:]\s*", s.text[found[0].end() : found[1].start()]):
        # "we identified 2263 adults who received an HMA; 1154 (51%) received A, and 1109
        # (49%) received B": a head clause, then the split
        found = found[1:]
    if not 2 <= len(found) <= 3:
        return []
    for a, b in itertools.pairwise(found):
        if not re.fullmatch(
            r"(?i)\s*,?\s*(?:and|while|whereas|another|and\s+another)\s+(?:a\s+total\s+of\s+)?",
            s.text[a.end() : b.start("n")],
        ):
            return []
    if _breakdown(s.text, *found):
        return []
    shares = [m.group("pct") for m in found]
    if any(shares) and (
        None in shares or abs(sum(float(x.replace("·", ".")) for x in shares if x) - 100) > 1.5
    ):
        return []  # "25 (89%) received A and 10 (36%) received B": overlapping, not a split
    return _chain(s, found, "allocation with sizes")


# a group's size printed in the sentence: "(n = 83, Epi)", "Epi (n = 83)", "83 Epi"
_STATED_SIZE = re.compile(rf"(?i)\b[nN]\s*=\s*(?P<n>(?:{INT}))\b")


def _breakdown(text: str, *items: re.Match[str]) -> bool:
    """ "(n = 84, IC; n = 83, Epi) were assessed; 69 patients received decitabine and 14
    azacitidine": sizes that add up to a group's size stated before them in the sentence are
    that group's parts (what its patients received), not the arms."""
    sizes = [int_value(m.group("n")) for m in items]
    if any(x is None for x in sizes):
        return False
    total = sum(x for x in sizes if x is not None)
    stated = [int_value(m.group("n")) for m in _STATED_SIZE.finditer(text, 0, items[0].start())]
    return total in stated


def _sized_definitions(s: Sentence) -> list[_Def]:
    """Every definition with sizes in a sentence (each finder only where its words occur)."""
    low = s.text.lower()
    allocation = _ALLOCATION.search(s.text) is not None
    out = _sized_lists(s) if "(" in low else []
    if "respectively" in low:
        out += _pairs(s, _RESPECTIVELY, "allocation with sizes")
    if allocation:
        out += _to_chains(s)
    if allocation or _NAMED_ARM.search(s.text):  # "(45 in arm A and 43 in arm B)"
        out += _pairs(s, _PAREN_SIZES, "allocation with sizes")
    if "=" in low:
        out += _n_equals(s)
        out += _n_first(s)
        if (allocation or "compar" in low) and not out:
            out += _abbreviation_sizes(s)  # only where no other list with sizes is read
    if "who" in low:
        out += _pairs(s, _WHO_RECEIVED, "allocation with sizes")
    if "treated" in low or "receiving" in low or "given" in low:
        out += _pairs(s, _TREATED_WITH, "allocation with sizes")
    if "receiv" in low or "underw" in low or "treated" in low:
        out += _parallel_received(s)
    if "/" in low:
        out += _slash_sizes(s)
    return out


# "592 patients (arm A/B/C, 197/198/197 patients)": the arms' sizes in the order of their
# letters, their sum the count before the parentheses
SLASH_SIZES = re.compile(
    rf"(?i)\b(?P<n>{INT})\s+{PEOPLE}\s*\(\s*(?P<word>arms?|groups?|cohorts?)\s+"
    r"(?P<letters>(?-i:[A-Z])(?:\s*/\s*(?-i:[A-Z])){1,3})\s*[,:]?\s*"
    r"(?P<sizes>\d+(?:\s*/\s*\d+){1,3})\s*(?:patients|pts)?\s*\)"
)


def slash_parts(m: re.Match[str]) -> list[tuple[str, int]] | None:
    """The (letter, size) pairs of a :data:`SLASH_SIZES` match whose sizes sum to its count."""
    letters = [x.strip() for x in m.group("letters").split("/")]
    sizes = [int(x) for x in m.group("sizes").split("/")]
    total = int_value(m.group("n"))
    if len(letters) != len(sizes) or total is None or sum(sizes) != total:
        return None
    return list(zip(letters, sizes, strict=True))


def _slash_sizes(s: Sentence) -> list[_Def]:
    out: list[_Def] = []
    for m in SLASH_SIZES.finditer(s.text):
        parts = slash_parts(m)
        if parts is None:
            continue
        word = m.group("word").lower().rstrip("s")
        labels = tuple(f"{word} {letter}" for letter, _ in parts)
        out.append(_Def(labels, tuple(n for _, n in parts), s, "allocation with sizes"))
    return out


# "randomized to receive either A or B", "randomly assigned to undergo A or to receive B"
_EITHER = re.compile(
    r"(?i:randomi[sz]ed|randomly\s+assigned|allocated|assigned)\b[^.;]{0,300}?"
    r"\b(?:to|received)\s+(?!\d|(?:one|two|three|four|five|six)\s+(?:to|or|and)\b)"
    r"(?:(?:receive|undergo|be\s+treated\s+with)\s+)?"
    r"(?:either\s+)?"
    r"(?P<a>(?:[^;()]|" + PAREN + r"){1,160}?)\s+or\s+(?:to\s+(?:receive|undergo)\s+)?"
    r"(?P<b>(?:[^;()]|" + PAREN + r"){1,100}?)(?=\s*(?:;|\.(?!\d)|,\s+(?:followed|and\s+then|with|"
    r"until|for|who|which)\b|\s+(?:followed|until|for|in|at|who|which)\b|$))"
)
# "A versus B", "A vs. B", "compared A with B", "to A and B groups", "for the A and B groups"
# "carfilzomib, daratumumab, and dexamethasone (KdD)", "carfilzomib and dexamethasone (Kd)"
_DRUGS = (
    r"[A-Za-z][\w+/-]*(?:,\s+[A-Za-z][\w+/-]*){0,4},?\s+and\s+[A-Za-z][\w+/-]*\s*"
    r"\((?:[^()]{1,12})\)"
)
# names in a comparison may open with a digit when they are not numbers ("7+3", "5-FU")
_NAME_WORDS = (
    r"(?<![\w.,])(?:[A-Za-z][\w+/-]*|\d[\d/]*\+[\w+/-]*|\d+-[A-Za-z][\w+/-]*)"
    rf"(?:\s+{_NOT_IN_NAME}[A-Za-z][\w+/-]*){{0,2}}"
)
_VERSUS = re.compile(
    rf"(?P<a>{_DRUGS}|{_NAME_WORDS}(?:\s*{PAREN})?)\s+(?:versus|vs\.?|v\.?)\s+(?:the\s+)?"
    rf"(?P<b>{_DRUGS}|{_NAME_WORDS}(?:\s*{PAREN})?)"
)
_COMPARED = re.compile(
    # "compared second-line treatment with A and B", "comparing therapy with A with B"
    r"(?i)\bcompar(?:e|ed|es|ing)\s+(?:(?!with\b)[\w-]+\s+){0,3}?(?:treatment|therapy|regimens?|"
    rf"outcomes)\s+(?:with|of)\s+(?P<a>{_SHORT_WORDS})\s+(?:and|with|to|versus|vs\.?)\s+"
    rf"(?P<b>{_SHORT_WORDS})"
    # "compared A with B", "compare the efficacy of A with those of B"
    r"|\bcompar(?:e|ed|es|ing)\s+(?:the\s+\w+(?:\s+and\s+\w+)?\s+of\s+)?"
    rf"(?P<a2>{_SHORT_WORDS})\s+(?:with|to|versus)\s+(?:those\s+of\s+)?(?P<b2>{_SHORT_WORDS})"
)
_TO_GROUPS = re.compile(
    rf"(?i)\b(?:to|for|in)\s+(?:the\s+)?(?P<a>{_SHORT_WORDS})\s+(?:and|or)\s+"
    rf"(?P<b>{_SHORT_WORDS})\s+(?:groups?|arms?|cohorts?)\b"
)
_TRIAL_WORDS = re.compile(
    r"(?i)\b(?:compare[ds]?|comparing|randomi[sz]ed|randomly|trial|phase|assigned)\b"
)
_OUTCOME_WORDS = re.compile(
    r"(?i)\b(?:survival|response|remission|rate|rates|mortality|progression|OS|PFS|EFS|DFS|"
    r"ORR|CR|HR|ratio|months?|years?|weeks?|days?|patients?|efficacy|safety|toxicity|"
    r"outcomes?|results?|benefit|analysis|data|study|trial)\b"
)
# the left name of "A versus B" starts after these words ("trial of A versus B")
_LEFT_START = re.compile(r"(?i)^.*\b(?:of|between|comparing|compare[ds]?|trial|study|with)\s+")


_EITHER_LIST = re.compile(r"(?is).*?\beither\s+(?P<items>[^,()]{1,40}(?:,\s*[^,()]{1,40}){1,2}),?")


def _unsized_definitions(s: Sentence) -> list[_Def]:
    out: list[_Def] = []
    if not _ALLOCATION.search(s.text) or " or " not in s.text:
        return out
    for m in _EITHER.finditer(s.text):
        segments = [m.group("a"), m.group("b")]
        # "6 monthly courses of either A, B, or C": a list of three (or four) after "either"
        listed = _EITHER_LIST.fullmatch(m.group("a"))
        if listed is not None:
            parts = [x.strip() for x in re.split(r",", listed.group("items")) if x.strip()]
            if 2 <= len(parts) <= 3 and all(len(x.split()) <= 3 for x in parts):
                segments = [*parts, m.group("b")]
        elif re.search(r"(?i)either\s", m.group("a")):
            segments[0] = re.split(r"(?i)either\s+", m.group("a"))[-1]
        d = _define(segments, [None] * len(segments), s, "allocation")
        if d is not None:
            out.append(d)
    return out


def _comparison_definitions(s: Sentence) -> list[_Def]:
    out: list[_Def] = []
    trial = _TRIAL_WORDS.search(s.text) is not None
    low = s.text.lower()
    for rx, needles in (
        (_COMPARED, ("compar",)),
        (_TO_GROUPS, ("group", "arm", "cohort")),
        (_VERSUS, ("vs", "versus", "v.", " v ")),
    ):
        if not any(n in low for n in needles):
            continue
        for m in rx.finditer(s.text):
            a = m.group("a") if m.group("a") is not None else m.group("a2")
            b = m.group("b") if m.group("b") is not None else m.group("b2")
            d = _define([_LEFT_START.sub("", a), b], [None, None], s, "comparison")
            if d is None or any(_OUTCOME_WORDS.search(x) for x in d.labels):
                continue
            if not trial and rx is _VERSUS:
                d = replace(d, kind="comparison (once)")
            out.append(d)
    return out


# dose cohorts: "the 2-mg cohort", "the 1000 mg arm"
_DOSE_COHORT = re.compile(
    r"(?i)\b(?P<l>\d+(?:\.\d+)?(?:-|\s)?(?:mg|g|µg|mcg|ug)(?:/(?:m2|kg|day|d))?)\s+(?:cohort|arm)\b"
)
# "35 patients were enrolled in each cohort", "109 propensity score-matched pairs"
_EACH = re.compile(
    rf"(?i)\b(?P<n>{NUMBER})\s+{PEOPLE}\s+(?:were\s+)?(?:enrolled|treated|included|randomi[sz]ed)"
    r"\s+(?:in|into|to|per)\s+(?:each|every)\s+(?:cohort|arm|group)\b"
    # "we have randomized 50 patients in both treatment arms"
    rf"|\b(?:enrolled|treated|included|randomi[sz]ed)\s+(?P<n2>{NUMBER})\s+{PEOPLE}\s+"
    r"(?:in|into|to|per)\s+(?:each|every|both)\s+(?:treatment\s+|study\s+)?(?:cohort|arm|group)s?\b"
    rf"|\b(?P<pairs>{NUMBER})\s+(?:propensity[- ]score[- ])?matched\s+pairs\b"
)
_DOSE = r"\d+(?:\.\d+)?(?:-|\s)?(?:mg|g|µg|mcg|ug)(?:/(?:m2|kg|day|d))?\b"
# statements of one group's size
_SIZE_STATEMENTS = (
    re.compile(
        rf"(?i)(?<![\w.,])(?P<n>{NUMBER})\s+(?:\(\s*{NUM}\s?%\s*\)\s+)?(?:{PEOPLE}\s+)?"
        r"(?:were\s+)?(?:randomi[sz]ed|randomly\s+assigned|assigned|allocated)\s+to\s+"
        rf"(?:receive\s+)?(?:the\s+)?(?P<l>{_DOSE}|{_SHORT_WORDS})"
    ),
    re.compile(
        rf"(?i)(?<![\w.,])(?P<n>{NUMBER})\s+(?:\(\s*{NUM}\s?%\s*\)\s+)?(?:{PEOPLE}\s+)?"
        rf"(?:received|underwent|were\s+treated\s+with)\s+(?P<l>{_SHORT_WORDS})"
    ),
    re.compile(
        rf"(?i)\b(?:among|in|of)\s+(?:the\s+)?(?P<n>{NUMBER})\s+(?:\w+\s+)?{PEOPLE}\s+"
        rf"(?:on|in|receiving|treated\s+with|assigned\s+to)\s+(?:the\s+)?"
        rf"(?P<l>{_DOSE}|{_SHORT_WORDS})"
    ),
)


@dataclass(frozen=True)
class _Size:
    n: int
    label: str
    sentence: Sentence
    allocation: bool


def _size_statements(sents: list[Sentence]) -> list[_Size]:
    out: list[_Size] = []
    for s in sents:
        for i, rx in enumerate(_SIZE_STATEMENTS):
            for m in rx.finditer(s.text):
                n = int_value(m.group("n"))
                label = clean_label(m.group("l"))
                if n is None or n <= 0 or label is None:
                    continue
                if re.match(
                    r"(?i)[^,;.()]{0,60}?(?:,\s*)?\b(?:or|versus|vs\.?)\s", s.text[m.end() :]
                ):
                    continue  # "370 patients were randomly assigned to A or B": the whole cohort
                out.append(_Size(n, label, s, i == 0))
    return out


def _arm(label: str, n: int | None, s: Sentence, aliases: tuple[str, ...] = ()) -> DraftArm:
    """An arm; a letter or number it goes by is part of its label ("CT only (arm B)")."""
    letter = next((a for a in aliases if _ARM_LETTER.fullmatch(a)), None)
    shown = f"{label} ({letter})" if letter and letter.lower() not in label.lower() else label
    # a long label defined with its abbreviation ("carfilzomib, daratumumab, and dexamethasone
    # (KdD)") takes the abbreviation as its id
    short_form = next((a for a in aliases if " " not in a and len(a) <= 12), None)
    key = short_form if short_form and len(label) > 20 else label
    return DraftArm(slug(key), shown, n, s.text, (s.start, s.end), aliases)


def _valid(labels: tuple[str, ...], abbreviations: Mapping[str, str]) -> bool:
    """Distinct ids, each label with keys of its own, none the reserved id."""
    ids = [slug(label) for label in labels]
    if len(set(ids)) != len(ids) or WHOLE_COHORT in ids:
        return False
    probe = Groups((), abbreviations)
    keys = [probe.keys(label) for label in labels]
    if not all(k - {NEG} for k in keys) and not all(keys):
        return False
    return len(set(keys)) == len(keys)


def _same_groups(
    a: _Def, b: _Def, abbreviations: Mapping[str, str], model: Groups | None = None
) -> list[int] | None:
    """How the labels of *b* map onto those of *a* (one to one), or None."""
    if len(a.labels) != len(b.labels):
        return None
    if model is None:
        model = Groups(tuple(_arm(label, None, a.sentence) for label in a.labels), abbreviations)
    mapping = []
    for label in b.labels:
        arm = model.resolve(label)
        if arm is None:
            return None
        mapping.append(model.arms.index(arm))
    return mapping if sorted(mapping) == list(range(len(a.labels))) else None


def find_groups(sents: list[Sentence], text: str) -> Groups:
    """The groups of an abstract (see the module docstring)."""
    abbreviations = find_abbreviations(text)
    sized: list[_Def] = []
    unsized: list[_Def] = []
    compared: list[_Def] = []
    seen: set[tuple[str, tuple[str, ...], tuple[int | None, ...]]] = set()

    def fresh(found: list[_Def]) -> list[_Def]:
        # the same definition printed again adds nothing (and an abstract makes a few: the
        # bound keeps the comparisons between definitions small on any input)
        out = []
        for d in found:
            key = (d.kind, tuple(x.lower() for x in d.labels), d.sizes)
            if key not in seen and len(seen) < 200 and _valid(d.labels, abbreviations):
                seen.add(key)
                out.append(d)
        return out

    for s in sents:
        sized += fresh(_sized_definitions(s))
        unsized += fresh(_unsized_definitions(s))
        compared += fresh(_comparison_definitions(s))
    statements = _size_statements(sents)
    chosen: _Def | None = None
    comments: list[str] = []
    by_size = [d for d in sized if d.kind != "allocation with sizes"]  # "aged 60 or older (n = 18)"
    sized = [d for d in sized if d.kind == "allocation with sizes"]
    if sized:
        agree = all(_same_groups(sized[0], d, abbreviations) is not None for d in sized[1:])
        if not agree:
            for d in sized:
                comments.append(
                    f'ambiguous (several group definitions): "{short(d.sentence.text)}"'
                )
            return Groups((), abbreviations, None, tuple(comments))
        chosen = sized[0]
    elif unsized:
        chosen = unsized[0]
    else:
        chosen = _chosen_comparison(compared, abbreviations)
        if chosen is None:
            chosen = _cohort_definition(sents, statements, abbreviations)
        if chosen is None:
            chosen = _complement_definition(sents, statements, text, abbreviations)
        if chosen is None and by_size:
            chosen = by_size[0]
    if chosen is None:
        return Groups((), abbreviations, None, tuple(comments))
    aliases = chosen.aliases or tuple(() for _ in chosen.labels)
    arms = [
        _arm(label, n, chosen.sentence, alias)
        for label, n, alias in zip(chosen.labels, chosen.sizes, aliases, strict=True)
    ]
    model = Groups(tuple(arms), abbreviations, chosen.kind)
    # other definitions of the same groups: their labels are aliases, their sizes fill gaps
    plain = Groups(
        tuple(_arm(label, None, chosen.sentence) for label in chosen.labels), abbreviations
    )
    for d in (*sized, *unsized, *compared, *by_size):
        if d is chosen:
            continue
        mapping = _same_groups(chosen, d, abbreviations, plain)
        if mapping is None:
            continue
        for n, i in zip(d.sizes, mapping, strict=True):
            if n is not None and arms[i].n is None:
                s = d.sentence
                arms[i] = replace(arms[i], n=n, quote=s.text, span=(s.start, s.end))
        extra = d.aliases or tuple(() for _ in d.labels)
        for label, more, i in zip(d.labels, extra, mapping, strict=True):
            for printed in (label, *more):
                name = _ALIAS_TRIM.sub("", printed).strip()
                known = [x.lower() for x in (arms[i].label, *arms[i].aliases)]
                if name and name.lower() not in known:
                    arms[i] = replace(arms[i], aliases=(*arms[i].aliases, name))
    model = Groups(tuple(arms), abbreviations, chosen.kind)
    arms = _fill_sizes(model, sents, statements)
    arms = _respective_sizes(arms, chosen.sentence, sents)
    return Groups(tuple(arms), abbreviations, chosen.kind, tuple(comments))


# "assigned to docetaxel", "in the nivolumab", "placebo group": the name inside
_ALIAS_TRIM = re.compile(
    r"(?i)^(?:(?:(?:assigned|allocated|randomi[sz]ed)\s+to|in|for|to|with|the)\s+)+"
    r"|\s+(?:group|arm|cohort|treatment)s?$"
)


def _chosen_comparison(compared: list[_Def], abbreviations: Mapping[str, str]) -> _Def | None:
    """The comparison the text makes most often (in a trial sentence, or at least twice).

    Comparisons are counted together when their names resolve onto each other; the most
    frequent wins, the first named on a tie; a comparison named once outside a sentence
    about a trial or a comparison is not enough.
    """
    if len(compared) > 40:
        compared = compared[:40]  # a bound on the pairwise work (an abstract names a few)
    best: tuple[int, int, _Def] | None = None
    for i, d in enumerate(compared):
        support = sum(_same_groups(d, o, abbreviations) is not None for o in compared)
        trial = any(
            o.kind == "comparison" and _same_groups(d, o, abbreviations) is not None
            for o in compared
        )
        if not trial and support < 2:
            continue
        if best is None or support > best[0]:
            best = (support, i, d)
    return best[2] if best else None


def _cohort_definition(
    sents: list[Sentence], statements: list[_Size], abbreviations: Mapping[str, str]
) -> _Def | None:
    """Dose cohorts named as cohorts or arms, or two sized statements of different groups."""
    labels: dict[str, Sentence] = {}
    for s in sents:
        for m in _DOSE_COHORT.finditer(s.text):
            label = re.sub(r"(\d)(?:-|\s)?(mg|g|µg|mcg|ug)", r"\1 \2", m.group("l").lower())
            labels.setdefault(label, s)
        for m in re.finditer(r"(?i)\b(\d+)-\s+and\s+(\d+)-(mg|g)\s+(?:cohorts?|arms?)\b", s.text):
            for k in (1, 2):
                labels.setdefault(f"{m.group(k)} {m.group(3).lower()}", s)
    if 2 <= len(labels) <= 4:
        names = tuple(labels)
        if _valid(names, abbreviations):
            first = min(labels.values(), key=lambda s: s.start)
            return _Def(names, (None,) * len(names), first, "cohorts")
    allocated = [st for st in statements if st.allocation]
    if allocated:
        distinct: list[_Size] = []
        probe = Groups((), abbreviations)
        for st in statements:
            k = probe.keys(st.label)
            if k and all(not (k & probe.keys(o.label)) for o in distinct):
                distinct.append(st)
        if 2 <= len(distinct) <= 3:
            names = tuple(st.label for st in distinct)
            if _valid(names, abbreviations):
                return _Def(names, (None,) * len(names), distinct[0].sentence, "cohorts")
    return None


def _complement_definition(
    sents: list[Sentence], statements: list[_Size], text: str, abbreviations: Mapping[str, str]
) -> _Def | None:
    """One sized group and its complement: "30 received A" ... "non-A regimens"."""
    probe = Groups((), abbreviations)
    for st in statements:
        k = probe.keys(st.label)
        if not k or NEG in k:
            continue
        for m in re.finditer(
            r"(?i)\b(?:non-|no\s+|without\s+)(?P<l>[A-Za-z][\w+/-]*(?:\s+[A-Za-z][\w+/-]*){0,2})",
            text,
        ):
            other = clean_label(m.group(0))
            if other is None:
                continue
            ko = probe.keys(other)
            if NEG in ko and ko - {NEG} and (ko - {NEG}) <= k:
                return _Def((st.label, other), (None, None), st.sentence, "comparison")
    return None


def _fill_sizes(model: Groups, sents: list[Sentence], statements: list[_Size]) -> list[DraftArm]:
    """Sizes stated apart from the definition: "277 (51.4%) underwent CHT", "35 in each cohort"."""
    arms = list(model.arms)
    for s in sents:
        each = _EACH.search(s.text)
        if each is not None and (each.group("n") or each.group("n2") or len(arms) == 2):
            n = int_value(each.group("n") or each.group("n2") or each.group("pairs"))
            if n:
                arms = [
                    a if a.n is not None else replace(a, n=n, quote=s.text, span=(s.start, s.end))
                    for a in arms
                ]
    found: dict[str, list[_Size]] = {}
    for st in statements:
        arm = model.resolve(st.label)
        if arm is not None:
            found.setdefault(arm.id, []).append(st)
    for i, a in enumerate(arms):
        sizes = {st.n for st in found.get(a.id, [])}
        if a.n is None and len(sizes) == 1:
            st = found[a.id][0]
            arms[i] = replace(
                a, n=st.n, quote=st.sentence.text, span=(st.sentence.start, st.sentence.end)
            )
    return arms


# "randomly assigned to A or B; 200 and 198 patients, respectively"
_SIZES_RESPECTIVELY = re.compile(
    rf"(?i)(?<![\w.,])(?P<n1>{INT})(?:\s*,\s*(?P<n2>{INT}))?,?\s+and\s+(?P<n3>{INT})\s+"
    rf"(?:{PEOPLE}\s*)?,?\s*respectively\b"
)


def _respective_sizes(
    arms: list[DraftArm], defining: Sentence, sents: list[Sentence]
) -> list[DraftArm]:
    """Sizes listed with "respectively" right after the arms' definition (same or next
    sentence), one per arm, when no arm has its size yet."""
    if any(a.n is not None for a in arms) or len(arms) < 2:
        return arms
    at = next((i for i, s in enumerate(sents) if s.start == defining.start), None)
    if at is None:
        return arms
    for s in sents[at : at + 2]:
        text = s.text
        m = _SIZES_RESPECTIVELY.search(text)
        if m is None:
            continue
        sizes = [int_value(g) for g in (m.group("n1"), m.group("n2"), m.group("n3")) if g]
        before = text[: m.start()]
        if s is defining and not _allocation_before(before):
            continue
        if len(sizes) == len(arms) and all(sizes):
            return [
                replace(a, n=n, quote=s.text, span=(s.start, s.end))
                for a, n in zip(arms, sizes, strict=True)
            ]
    return arms


def _allocation_before(text: str) -> bool:
    """The sentence names the allocation before the sizes (";" or "," ends it)."""
    return bool(_ALLOCATION.search(text)) and bool(re.search(r"[;,:]\s*$", text))
