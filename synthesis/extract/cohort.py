"""The cohort: the total number of patients an abstract reports on.

:func:`find_cohort` takes the first cohort phrase in text order ("a total of 120
patients", "seven patients ... were enrolled", "patients ... (n = 132)"), and leaves the
size out when its sentence gives a rival count beside it, or when it is a part ("150 and
151 patients", "of the 120 patients, 100 ..."), a count per arm or a count of screened
patients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .groups import SLASH_SIZES, slash_parts
from .text import INT, NUM, NUMBER, PAREN, PEOPLE, Sentence, int_value

# words between a count and "patients": not a number, not "and"/"or" ("150 and 151 patients")
_FILLER = r"(?:(?!(?:and|or|to|of)\b)(?:[A-Za-z\u00c0-\u024f][\w/+-]*|\([A-Za-z][\w/+-]*\))\s+)"
_COHORT_PATTERNS = (
    # "analyzed 51 patients", "a retrospective study of 32 ALL cases", "a total of 120 patients"
    re.compile(
        rf"(?i)\b(?:total of|cohort of|series of|study of|analy[sz]ed|enrolled|included|"
        rf"reviewed|recruited|evaluated|identified|investigated|studied|data of|records of|"
        rf"outcomes? of|followed|compris(?:ed|ing|es)|consist(?:ed|ing|s)\s+of|report(?:ed)?\s+on|"
        rf"collected\s+(?:for|on)|"
        rf"treatment of|randomi[sz]ed|randomly\s+assigned|data\s+(?:from|on)|"
        # "we treated 441 children with ...": the authors' own cohort, active voice
        rf"\bwe\s+(?:have\s+|had\s+)?(?:\w+ly\s+)?(?:treated|enrolled|included|analy[sz]ed|"
        rf"reviewed|examined|evaluated|studied|assessed))"
        rf"\s+(?:the\s+)?(?:data\s+of\s+|records\s+of\s+)?(?P<n>{NUMBER})\s+"
        rf"{_FILLER}{{0,5}}?{PEOPLE}\b"
    ),
    # "seven patients with newly diagnosed ANKL were enrolled"
    re.compile(
        rf"(?i)(?<![\w/,])(?<!\d\.)(?P<n>{NUMBER})\s+{_FILLER}{{0,6}}?{PEOPLE}\b[^.;]{{0,120}}?"
        rf"\b(?:were|was)\s+(?:\w+\s+){{0,2}}?(?:enrolled|included|analy[sz]ed|treated|evaluated|"
        rf"identified|recruited|randomi[sz]ed|reviewed|studied|assigned|allocated|divided|"
        rf"registered)"
    ),
    # "patients with B-cell ALL treated with blinatumomab (n = 132)"
    re.compile(rf"(?i)\b{PEOPLE}\b[^.;()]{{0,100}}?\(\s*[nN]\s*=\s*(?P<n>{INT})\s*\)"),
    # "One hundred sixteen patients received blinatumomab." (a sentence that opens with it),
    # "In this phase 2 study, 134 patients with CLL (median age, 66 years) received A"
    re.compile(
        rf"(?i)^(?:[A-Z][a-z]+(?:\s+and\s+[A-Z][a-z]+)?:?\s+(?=In\b|For\b))?"
        rf"(?:(?:In|For)\s+(?:this|the|our)\s+[^;.]{{0,80}}?,\s*|(?:In\s+total|Overall|"
        rf"Altogether),\s*)?(?P<n>{NUMBER})\s+{_FILLER}{{0,3}}?{PEOPLE}"
        rf"(?:\s+(?:with|age[ds]?|who|from)\s+[^.;()]{{0,100}}?)?(?:\s*{PAREN})?\s+"
        r"(?:received|underwent)\b"
    ),
    # "The 126 patients entered were balanced ...": the cohort named with its size
    # (listed after the "Among" pattern, whose index is fixed below)
    # "Among 33 treated patients (61% men; ...), ...": a sentence framed by the treated cohort
    re.compile(
        rf"(?i)^(?:Among|In|Of)\s+(?:the\s+|all\s+)?(?P<n>{NUMBER})\s+(?:(?:treated|evaluable|"
        rf"enrolled|eligible|assessable|included)\s+{PEOPLE}\b(?!\s+(?:who|with|in|on|receiving)\b)"
        # "Of the 176 patients who are currently evaluable, ..."
        rf"|{PEOPLE}\s+who\s+(?:are|were)\s+(?:currently\s+|now\s+)?"
        r"(?:evaluable|assessable|eligible)\b"
        # "Of 520 patients, 260 received A and 260 received B": the sentence's frame
        rf"|{PEOPLE}\s*,"
        # "Of the 200 patients randomized, 190 ...": the randomized are the frame
        rf"|{PEOPLE}\s+(?:randomi[sz]ed|enrolled|included)\s*,)"
    ),
)
_AMONG = _COHORT_PATTERNS[4]
_THE_N = re.compile(
    rf"(?i)^(?:The|All|In\s+all,?)\s+(?P<n>{NUMBER})\s+(?:\w+\s+)?{PEOPLE}\s+(?:who\s+)?"
    r"(?:entered|were\s+entered|enrolled|were\s+enrolled|included|treated|randomi[sz]ed)\b"
)
# "among 794 patients registered, 778 were eligible", "Of 150 patients screened, 120 were
# enrolled": the count that passed the check is the cohort
_PASSED = re.compile(
    r"(?i)\b(?:registered|screened|assessed|referred|identified|enrolled|recruited)"
    r"(?:\s*,\s*(?:of\s+whom\s+|and\s+)?|\s+and\s+|\s*;\s*)"
    rf"(?P<n>{NUMBER})\s+(?:{PEOPLE}\s+)?(?:were|was)\s+(?:\w+\s+)?"
    r"(?:eligible|included|enrolled|randomi[sz]ed|analy[sz]ed)\b"
)
# "performed in 592 patients (arm A/B/C, 197/198/197 patients)": a count its arms add up to
# "Eligible were 955 patients", "Included were 120 patients": the verb first
_VERB_FIRST = re.compile(
    rf"(?i)\b(?:eligible|included|enrolled|analy[sz]ed|evaluated)\s+were\s+(?P<n>{NUMBER})\s+"
    rf"{_FILLER}{{0,3}}?{PEOPLE}\b"
)
# "59 of 113 patients (52.2%) were randomized to A and 54 of 113 (47.8%) to B": the whole
_SHARES_OF = re.compile(
    rf"(?i)(?<![\w.,])(?P<a>{NUMBER})\s+of\s+(?P<n>{INT})\s+{PEOPLE}\b(?:[^.;]|\.\d){{0,160}}?"
    rf"\band\s+(?P<b>{INT})\s+of\s+(?P=n)\b"
)
# "We compared A with B in 289 elderly patients", "We retrospectively evaluated survival
# outcomes in 980 elderly (>=70 years) AML patients": the study's own population
_WE_IN = re.compile(
    # "This phase 3, randomized study assessed A in 205 patients": the study as the subject
    rf"(?i)(?:^|[.;]\s+|,\s+)(?:we|(?-i:This|this)\s+(?:[\w,-]+\s+){{0,5}}?(?:study|trial))\s+"
    rf"(?:\w+ly\s+)?(?:compared|evaluated|assessed|investigated|"
    rf"studied|examined|analy[sz]ed|reviewed|describe[ds]?|report(?:ed)?|"
    # "We conducted a randomized trial comparing A with B in 332 patients who ..."
    rf"(?:conducted|performed|undertook)\s+an?\s+(?:[\w,-]+\s+){{0,4}}?(?:trial|study))\b"
    rf"[^.;]{{0,120}}?"
    rf"\b(?:in|among)\s+(?P<n>{NUMBER})\s+(?:{_FILLER}|\([^()]{{1,30}}\)\s+){{0,6}}?"
    rf"{PEOPLE}\b"
)
# "565 patients with chronic ITP enrolled and met criteria": the verb in the active voice
_ENROLLED = re.compile(
    rf"(?i)(?<![\w/,])(?<!\d\.)(?P<n>{NUMBER})\s+{_FILLER}{{0,3}}?{PEOPLE}"
    rf"(?:\s+(?:with|from|aged)\s+[^.;,()]{{0,60}}?)?\s+enrolled\s+(?:and|in|on|onto|into)\b"
)
_COHORT_PATTERNS = (
    *_COHORT_PATTERNS,
    _ENROLLED,
    _THE_N,
    _PASSED,
    SLASH_SIZES,
    _VERB_FIRST,
    _SHARES_OF,
    _WE_IN,
)
# "Sixty-three patients (72.4%) received R-CHOP": a share of the cohort, not a rival count
_SHARE_AFTER = re.compile(rf"(?i)\s*(?:{PEOPLE}\s*)?\(\s*(?P<pct>{NUM})\s?%")
_SUBSET_COUNT = re.compile(rf"(?i)\b(?P<k>{NUMBER})\s+of\s+(?:the\s+)?$")
_PER_ARM = re.compile(
    r"(?i)\s*(?:in|for|per)\s+(?:each|every|both)\b|\s*per\s+(?:arm|group|cohort)"
)
_SUBSET_BEFORE = re.compile(r"(?i)\b(?:of the|among the|among|of these|of whom|of them|in)\s*$")
# "Of the 405 patients who were randomly assigned ..., 376 received": the sentence's frame
_SENTENCE_OF = re.compile(r"(?i)^\s*(?:[A-Z][a-z]+:\s*)?of\s+(?:the\s+)?$")


_EVALUABLE = re.compile(
    rf"(?i)\b(?P<n>{NUMBER})\s+(?:{PEOPLE}\s+)?(?:were|was)\s+(?:\w+\s+)?(?:evaluable|assessable)\b"
    rf"|\b(?P<n2>{NUMBER})\s+(?:response[- ])?(?:evaluable|assessable)\s+{PEOPLE}\b"
    # "Response was assessed in 100 patients"
    rf"|\b(?:assessed|evaluated|evaluable|assessable)\s+(?:for\s+\w+\s+)?in\s+(?P<n3>{NUMBER})\s+"
    rf"{PEOPLE}\b"
)


# a count that passed a check after registration: "595 were eligible", "600 were evaluable"
_LATER_CHECK = re.compile(
    rf"(?i)\b{NUMBER}\s+(?:{PEOPLE}\s+)?(?:were|was)\s+(?:\w+\s+)?(?:eligible|evaluable|assessable)\b"
)
_REGISTERED = re.compile(rf"(?i){NUMBER}\s+[^.;]{{0,160}}?\b(?:were|was)\s+(?:\w+\s+)?registered\b")


# "The training cohort consisted of 733 patients ... a validation cohort of 190 patients":
# a study of two or more named cohorts; the count of one of them is not the study's
_PART_COHORT = re.compile(
    r"(?i)\b(?P<kind>training|derivation|discovery|validation|replication|development|"
    r"test(?:ing)?|exploratory|confirmatory)\s+(?:cohort|set|series|sample|population)s?\b"
)


def _one_of_named_cohorts(sents: list[Sentence], sent: Sentence, pos: int) -> bool:
    """Whether the count at ``pos`` is the size of one named cohort ("the training cohort
    of 733 patients") while the text names another kind of cohort ("validation cohort")."""
    clause = re.split(r"[;.]", sent.text[: pos - sent.start])[-1]
    own = [m.group("kind").lower() for m in _PART_COHORT.finditer(clause)]
    if not own:
        return False
    kinds = {m.group("kind").lower() for s in sents for m in _PART_COHORT.finditer(s.text)}
    return bool(kinds - set(own))


@dataclass(frozen=True)
class Cohort:
    n: int | None
    sentence: Sentence | None
    single: bool  # no other "N patients were ..." size in the text: a safe denominator
    ambiguous: Sentence | None = None  # a sentence with two rival cohort sizes
    # where the first rival size's sentence starts: a rate stated after the cohort and before
    # it is of the cohort ("459 were enrolled. CR was achieved in 89%. 237 were randomized")
    rival_at: int | None = None


def find_cohort(sents: list[Sentence]) -> Cohort:
    """The total cohort: the first cohort phrase in text order."""
    found: list[tuple[int, int, Sentence, bool, float | None]] = []
    for s in sents:
        for pattern in _COHORT_PATTERNS:
            for m in pattern.finditer(s.text):
                # the checks look at most 80 characters back: the work per match is bounded
                at = m.start("n")
                low = max(0, at - 80)
                prefix = s.text[low:at]
                frame = at <= 60 and _SENTENCE_OF.match(s.text[:at]) is not None
                subset = _SUBSET_COUNT.search(prefix)
                if pattern is not _COHORT_PATTERNS[1]:
                    subset = None
                if (
                    re.search(r"(?i)\bscreened\b", m.group(0))
                    and subset is None
                    and pattern is not _PASSED
                ) or (_PER_ARM.match(s.text, m.end())):
                    continue  # "601 screened patients"; "35 patients were enrolled in each cohort"
                clause = re.split(r"[,;:]", s.text[max(0, m.start() - 200) : m.start()])[-1]
                if pattern is _COHORT_PATTERNS[2] and re.search(r"(?i)\bmedian\b", clause[-60:]):
                    continue  # "median OS of all relapsed patients (n = 228)": that median's n
                if (
                    _SUBSET_BEFORE.search(prefix)
                    and pattern is not _COHORT_PATTERNS[0]
                    and pattern is not _AMONG
                    and pattern is not SLASH_SIZES
                    and pattern is not _PASSED
                    and pattern is not _SHARES_OF
                    and pattern is not _WE_IN
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
                        s.text[max(0, m.start() - 40) : m.start()],
                    )
                    and not frame
                ):
                    continue  # "assigned to A (n = 60)", "patients aged 60 or older (n = 18)"
                if re.search(r"(?i)\b(?!(?:19|20)\d\d\b)\d+\s*(?:,|and|or)\s*$", prefix) or (
                    pattern is _COHORT_PATTERNS[1]
                    and re.search(
                        rf"(?i)\b(?:and|or)\s+(?!(?:19|20)\d\d\b){NUMBER}\s",
                        m.group(0)[m.end("n") - m.start() :],
                    )
                    and not _parts_of(m.group(0)[m.end("n") - m.start() :], int_value(m.group("n")))
                ):
                    continue  # "150 and 151 patients", "46 with AML and 26 with ALL": parts
                strong = pattern is not _COHORT_PATTERNS[2] and pattern is not _AMONG
                value = int_value(m.group("n"))
                start = m.start("n")
                if subset is not None:
                    # "493 of 601 patients were randomized": the 493 were
                    value, start = int_value(subset.group("k")), low + subset.start("k")
                if value is None or value <= 0:
                    continue
                if pattern is SLASH_SIZES and slash_parts(m) is None:
                    continue
                if pattern is _SHARES_OF:
                    a, b = int_value(m.group("a")), int_value(m.group("b"))
                    if a is None or b is None or a + b != value:
                        continue
                    start = m.start("a") - 1  # before the "59 of" that is one part
                share = _SHARE_AFTER.match(s.text, m.end("n"))
                pct = float(share.group("pct").replace("·", ".")) if share else None
                found.append((s.start + start, value, s, strong, pct))
    if any(_LATER_CHECK.search(s.text) for s in sents):
        # "637 patients were registered ... 595 were eligible": the registered are not the
        # cohort when the text says how many passed a check
        found = [f for f in found if not _REGISTERED.match(f[2].text, f[0] - f[2].start)]
    if not found:
        return Cohort(None, None, False)
    found.sort(key=lambda t: t[0])
    pos, n, sent, _, _ = found[0]
    if _parallel_count(sent, pos - sent.start, n):
        return Cohort(None, None, False, sent)
    if _one_of_named_cohorts(sents, sent, pos):
        return Cohort(None, None, False)
    rivals = [
        (at, s)
        for at, v, s, strong, pct in found[1:]
        if strong and v != n and not (pct is not None and abs(100 * v / n - pct) < 0.6)
    ]
    # "190 were evaluable for response", "among 40 evaluable patients": another denominator
    for s in sents:
        for m in _EVALUABLE.finditer(s.text):
            v = int_value(m.group("n") or m.group("n2") or m.group("n3"))
            if v is not None and v != n and s.start + m.start() > pos:
                rivals.append((s.start + m.start(), s))
    rival_at = min(s.start for _, s in rivals) if rivals else None
    return Cohort(n, sent, not rivals, rival_at=rival_at)


def _parts_of(text: str, n: int | None) -> bool:
    """ "44 patients, 10 from A and 34 from B, were enrolled": a breakdown that sums to n."""
    m = re.search(
        rf"(?i),\s*(?P<a>{NUMBER})\s+[^,;\d]{{0,40}}?\band\s+(?P<b>{NUMBER})\s+[^,;\d]*,", text
    ) or re.match(  # "938 patients (651 stage B and 287 stage C) were randomized"
        rf"(?i)\s*{PEOPLE}?\s*\(\s*(?P<a>{NUMBER})\s+[^,;()\d]{{0,40}}?\band\s+(?P<b>{NUMBER})"
        r"\s+[^,;()\d]{0,40}\)",
        text,
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
    rivals: list[int] = []
    for m in _LOOSE_COUNT.finditer(sent.text):
        value = int_value(m.group("n"))
        if m.start("n") == at or value is None or value == n:
            continue
        before = sent.text[: m.start("n")]
        if re.search(r"(?i)\bscreened\s*$", before) or "screened" in m.group(0).lower():
            continue
        if re.match(
            r"(?i)\s+(?:were\s+|was\s+)?(?:screened|registered|assessed)\b", sent.text[m.end() :]
        ):
            continue  # "1,024 patients were screened and 800 were randomized": before the cohort
        if re.match(r"(?i)\s*(?:years?|months?|weeks?|days?|y|yrs?)\b", sent.text[m.end("n") :]):
            continue  # "(> 12 but < 60 years) patients": an age, not a count
        if re.match(rf"\s*\(\s*{NUM}\s?%", sent.text[m.end() :]):
            continue  # "24 patients (54%) were papillary type": a share of the cohort
        if re.search(r"\d\s*,\s*(?:and\s+)?$", before[-12:]):
            continue  # "96, 456, and 150 patients had favorable-, ...": a distribution
        if re.search(
            r"(?i)(?:(?<!total )(?<!series )(?<!cohort )\bof|\bamong|\bin)\s+(?:the\s+)?$",
            before,
        ):
            continue
        rivals.append(value)
    # "583 patients were enrolled ... 289 patients were assigned to A and 294 patients to B":
    # counts that add up to the cohort are its parts
    return bool(rivals) and sum(rivals) != n
