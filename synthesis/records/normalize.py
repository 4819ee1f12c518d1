"""Normalization: checked records -> one tidy table of outcome entries.

This is the one place where

* outcome names go through the synonyms table (extendable in ``synth.yaml``),
* a printed ``percent`` becomes an event count (the integers whose percentage
  rounds to the printed value at its printed precision),
* median units become months (``NR`` kept as "not reached", never a number),
* ratios go to the log scale with their SE from the CI (or a two-sided p).

:func:`load_review` reads a whole studies directory, collects every problem
in every file, and either raises :class:`~synthesis.errors.RecordError` or
returns a :class:`Review`.  ``Review.entries`` is a tuple of frozen
:class:`Entry` rows; ``Review.frame()`` is the same table as a pandas
DataFrame (pandas is imported only there, to keep ``synth pool`` fast).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from synthesis.errors import Problem
from synthesis.records.schema import (
    NOT_REACHED,
    UNIT_ALIASES,
    UNITS,
    Study,
    is_int,
    is_number,
    parse_p,
    suggest,
    type_name,
)
from synthesis.special import ndtri

# ---------------------------------------------------------------------------
# Outcome synonyms

SYNONYMS: dict[str, tuple[str, ...]] = {
    "ORR": (
        "overall response rate",
        "overall response",
        "objective response rate",
        "objective response",
        "response rate",
        "best overall response",
    ),
    "CR": (
        "complete remission",
        "complete response",
        "complete remission rate",
        "complete response rate",
    ),
    "CR/CRi": (
        "CR/CRi",
        "CR or CRi",
        "CR+CRi",
        "CR + CRi",
        "CRc",
        "composite complete remission",
        "complete remission with or without incomplete hematologic recovery",
        "complete response or complete response with incomplete hematologic recovery",
    ),
    "CRi": ("complete remission with incomplete hematologic recovery",),
    "PR": ("partial response", "partial remission"),
    "MRD-": ("MRD negativity", "MRD negative", "MRD-negative", "MRD negative rate"),
    "OS": ("overall survival",),
    "PFS": ("progression-free survival", "progression free survival"),
    "EFS": ("event-free survival", "event free survival"),
    "DFS": ("disease-free survival", "disease free survival"),
    "RFS": ("relapse-free survival", "recurrence-free survival", "relapse free survival"),
    "DOR": ("duration of response", "DoR"),
    "TTP": ("time to progression",),
    "NRM": ("non-relapse mortality", "non relapse mortality"),
    "Mortality": ("mortality", "death", "deaths", "all-cause mortality"),
}


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower())


class Synonyms:
    """Case-insensitive outcome-name lookup: any synonym -> the canonical name."""

    def __init__(self, extra: dict[str, Iterable[str]] | None = None) -> None:
        table: dict[str, str] = {}
        merged = {k: list(v) for k, v in SYNONYMS.items()}
        for canon, names in (extra or {}).items():
            merged.setdefault(canon, []).extend(names)
        for canon, names in merged.items():
            table[_key(canon)] = canon
            for n in names:
                table[_key(n)] = canon
        self._table = table
        self._seen: dict[str, str] = {}

    def canonical(self, name: str) -> str:
        found = self._seen.get(name)
        if found is None:
            found = self._seen[name] = self._table.get(_key(name), name.strip())
        return found

    def known(self) -> list[str]:
        return sorted(set(self._table.values()))

    def closest(self, name: str, among: Iterable[str]) -> str:
        """'; did you mean 'ORR'?' for the outcome of *among* whose name or synonym is
        closest to *name* (case-insensitive), else ''."""
        outcomes = set(among)
        names = {key: canon for key, canon in self._table.items() if canon in outcomes}
        names.update({_key(canon): canon for canon in outcomes})
        return suggest(_key(name), names)


# ---------------------------------------------------------------------------
# Numbers


def z_quantile(level: float) -> float:
    """Two-sided normal critical value for a confidence level: qnorm(1 - (1 - level) / 2).

    From :mod:`synthesis.special` (Wichura's AS 241, as scipy's ndtri), not scipy,
    whose import alone takes longer than validating a whole review.
    """
    return -float(ndtri((1.0 - level) / 2.0))


def printed_decimals(raw: str | None, value: float) -> int:
    """Decimal places as printed in the record (``46.70`` -> 2), falling back to repr."""
    text = (raw if raw is not None else repr(value)).strip()
    try:
        exponent = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def events_from_percent(percent: float, total: int, decimals: int) -> range:
    """Every integer count whose percentage of *total* rounds to *percent*.

    A printed value p with d decimals stands for the interval
    [p - 0.5 * 10^-d, p + 0.5 * 10^-d] (both ends allowed, since authors round
    half up or half to even).  Exact decimal arithmetic avoids float edge effects.
    Closed form: a ``range`` (O(1) in memory and time, whatever the total).
    """
    half = Decimal(5) * Decimal(10) ** (-(min(decimals, 12) + 1))
    p = Decimal(str(percent))
    low, high = (p - half) * total / 100, (p + half) * total / 100
    first = max(0, math.ceil(low))
    last = min(total, math.floor(high))
    return range(first, last + 1)


def se_from_ci(low: float, high: float, level: float, *, log: bool) -> float:
    """SE on the analysis scale from a symmetric CI: (U - L) / (2 z); log scale for ratios."""
    z = z_quantile(level)
    if log:
        return (math.log(high) - math.log(low)) / (2.0 * z)
    return (high - low) / (2.0 * z)


def se_from_p(estimate: float, p: float, *, log: bool) -> float | None:
    """SE from a two-sided Wald p-value: |est| / z(1 - p/2); None when undefined."""
    if not 0.0 < p < 1.0:
        return None
    z = -float(ndtri(p / 2.0))  # = qnorm(1 - p/2), without losing digits when p is small
    effect = math.log(estimate) if log else estimate
    if z <= 0 or effect == 0:
        return None
    return abs(effect) / z


MONTHS_PER = {"months": 1.0, "weeks": 7.0 / 30.4375, "days": 1.0 / 30.4375, "years": 12.0}


# ---------------------------------------------------------------------------
# The tidy entry


@dataclass(frozen=True)
class Entry:
    """One normalized outcome entry: a row of the review's tidy table."""

    study: str
    outcome: str  # canonical name
    outcome_raw: str
    kind: str  # binary | median | ratio | generic | continuous
    arm: str | None
    arm_label: str | None
    arm_role: str | None
    file: str
    line: int
    year: int
    label: str  # "Yoon 2025"
    # binary
    events: int | None = None
    total: int | None = None
    percent: float | None = None
    events_from_percent: bool = False
    # median (months)
    median: float | None = None
    not_reached: bool = False
    median_ci_low: float | None = None
    median_ci_high: float | None = None
    n: int | None = None
    unit: str | None = None
    # continuous (n above: the arm's size the mean and SD are drawn from)
    mean: float | None = None
    sd: float | None = None
    # ratio
    ratio_type: str | None = None  # hr | or | rr
    ratio: float | None = None
    # ratio & generic: analysis scale
    yi: float | None = None
    se: float | None = None
    se_source: str | None = None  # "ci" | "p" | "se"
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    scale: str | None = None
    # common
    p: float | None = None
    p_text: str | None = None
    timepoint: str | None = None
    contrast: str | None = None
    adjusted: bool | None = None
    quote: str | None = None
    note: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    index: int = 0  # position in the record's outcomes list
    # warnings from reading this entry ("FILE:LINE: FIELD: warning: ..."): they travel with
    # the entry into every result that uses it, and only there
    warnings: tuple[str, ...] = ()

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row.pop("warnings")
        tags = row.pop("tags")
        for key, value in tags.items():
            row[f"tag:{key}"] = value
        return row


def normalize_study(study: Study, synonyms: Synonyms, problems: list[Problem]) -> list[Entry]:
    """Entries of one study, normalized; consistency problems are appended."""
    out: list[Entry] = []
    label = study.first_author_year
    for oc in study.outcomes:
        entry = _normalize_entry(study, oc, synonyms, problems, label)
        if entry is not None:
            out.append(entry)
    return out


def _normalize_entry(
    study, oc, synonyms: Synonyms, problems: list[Problem], label: str | None = None
) -> Entry | None:
    v = oc.values
    prefix = f"outcomes[{oc.index}]"
    start = len(problems)

    def problem(key: str, message: str, severity: str = "error") -> None:
        problems.append(
            Problem(study.file, oc.lines.get(key, oc.line), f"{prefix}.{key}", message, severity)
        )

    arm = study.arm(oc.arm) if oc.arm else None
    common: dict[str, Any] = {
        "study": study.id,
        "outcome": synonyms.canonical(oc.name),
        "outcome_raw": oc.name,
        "kind": oc.kind,
        "arm": None
        if arm is None or (arm.implicit and oc.kind in ("ratio", "generic"))
        else arm.id,
        "arm_label": arm.label if arm else None,
        "arm_role": arm.role if arm else None,
        "file": study.file,
        "line": oc.line,
        "year": study.year,
        "label": study.first_author_year if label is None else label,
        "timepoint": None if v.get("timepoint") is None else str(v["timepoint"]),
        "quote": None if v.get("quote") is None else str(v["quote"]),
        "note": None if v.get("note") is None else str(v["note"]),
        "tags": dict(study.tags),
        "index": oc.index,
    }
    if "p" in v:
        p, op, _ = parse_p(v["p"])
        common["p"] = p
        common["p_text"] = str(v["p"]) if op or isinstance(v["p"], str) else None

    odd = _odd_characters(oc.name)
    if odd is not None:
        problem("name", odd, "warning")
    if oc.kind == "binary":
        fields = _binary(study, oc, arm, problem)
    elif oc.kind == "median":
        fields = _median(study, oc, arm, problem)
    elif oc.kind == "ratio":
        fields = _ratio(oc, problem, common.get("p"), common.get("p_text"))
    elif oc.kind == "continuous":
        fields = _continuous(study, oc, arm, problem)
    else:
        fields = _generic(oc, problem)
    if fields is None or any(p.severity == "error" for p in problems[start:]):
        return None
    return Entry(**common, **fields)


# Letters of other scripts that look like Latin ones (the usual homoglyphs in names).
_LOOKALIKE = str.maketrans(
    "АВЕКМНОРСТХаеорсухіІјЈѕЅΑΒΕΖΗΙΚΜΝΟΡΤΥΧοκνρτυχ",
    "ABEKMHOPCTXaeopcyxiIjJsSABEZHIKMNOPTYXokvptux",
)


def _odd_characters(name: str) -> str | None:
    """A warning for an outcome name with invisible characters or look-alike letters.

    'ORR\u200b' or 'ОRR' (Cyrillic О) would silently become outcomes of their own.
    """
    invisible = [ch for ch in name if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn")]
    if invisible:
        ch = invisible[0]
        what = unicodedata.name(ch, "unnamed")
        return (
            f"contains an invisible character (U+{ord(ch):04X} {what}); it would be an outcome "
            "of its own - delete the character (retype the name)"
        )
    foreign = [
        ch for ch in name if ch.isalpha() and ord(ch) > 0x7F and ch.translate(_LOOKALIKE) != ch
    ]
    if foreign and any(ch.isascii() and ch.isalpha() for ch in name):
        ch = foreign[0]
        what = unicodedata.name(ch, "unnamed").title()
        looks = name.translate(_LOOKALIKE)
        return (
            f"'{name}' mixes scripts: {what} (U+{ord(ch):04X}) looks like Latin "
            f"'{ch.translate(_LOOKALIKE)}', so '{name}' would be an outcome apart from "
            f"'{looks}' - retype the name in Latin letters"
        )
    return None


def _binary(study, oc, arm, problem) -> dict[str, Any] | None:
    v = oc.values
    ok = True
    total = v.get("total")
    if "total" in v:
        if not (is_int(total) and int(total) > 0):
            problem("total", f"must be a whole number > 0, got {type_name(total)}")
            ok = False
    else:
        total = arm.n if arm is not None and arm.n is not None else None
        if total is None and (arm is None or arm.implicit):
            total = study.n
    events = v.get("events")
    if "events" in v and not (is_int(events) and int(events) >= 0):
        problem("events", f"must be a whole number >= 0, got {type_name(events)}")
        ok = False
    percent = v.get("percent")
    if "percent" in v and not (is_number(percent) and 0 <= float(percent) <= 100):
        problem("percent", f"must be a number from 0 to 100, got {type_name(percent)}")
        ok = False
    if not ok:
        return None
    if total is None:
        where = f"arm '{arm.id}' has no n" if arm is not None and not arm.implicit else "no n"
        problem(
            "total",
            f"missing: give total (the denominator) or the arm's n ({where})",
        )
        return None
    total = int(total)
    if "total" in v and not _total_fits(
        study, arm, total, events, v.get("note"), v.get("quote"), problem
    ):
        return None
    from_percent = False
    if events is not None:
        events = int(events)
        if events > total:
            problem("events", f"{events} events is more than the total of {total}")
            return None
    if percent is not None:
        decimals = printed_decimals(oc.raw.get("percent"), float(percent))
        candidates = events_from_percent(float(percent), total, decimals)
        printed = oc.raw.get("percent", str(percent))
        if events is not None:
            if events not in candidates:
                problem(
                    "percent",
                    f"{printed}% does not match events/total = {events}/{total} "
                    f"({100 * events / total:.{max(decimals, 1)}f}%)",
                )
                return None
        elif not candidates:
            problem(
                "percent",
                f"no whole number of events out of {total} gives {printed}% "
                f"(nearest: {_nearest_note(float(percent), total, decimals)}); check the "
                "total, or record the count the paper gives as events, with a note saying "
                "how the percent was printed",
            )
            return None
        else:
            # nearest in exact arithmetic (a tie goes to the smaller count)
            exact = Decimal(str(percent)) * total
            events = min(candidates, key=lambda e: (abs(100 * e - exact), e))
            from_percent = True
            if len(candidates) > 1:
                listed = (
                    " or ".join(f"{c}/{total}" for c in candidates)
                    if len(candidates) <= 4
                    else f"any of {len(candidates):,} counts from {candidates[0]} to "
                    f"{candidates[-1]} out of {total}"
                )
                problem(
                    "percent",
                    f"{printed}% of {total} could be {listed}; using the nearest, "
                    f"{events}/{total} ({100 * events / total:.2f}%) - give events to settle it",
                    "warning",
                )
    return {
        "events": events,
        "total": total,
        "percent": None if percent is None else float(percent),
        "events_from_percent": from_percent,
        "n": total,
    }


def _total_fits(study, arm, total: int, events, note, quote, problem) -> bool:
    """A stated ``total`` against the size of its arm (or of the study, for one cohort).

    More than the arm holds is impossible (an error); fewer is a subset such as the
    evaluable patients (a warning, so the reviewer confirms it).
    """
    if arm is not None and not arm.implicit:
        size, whose = arm.n, f"arm '{arm.id}' has n = {arm.n}"
    else:
        size, whose = study.n, f"the study has n = {study.n}"
    if size is None or total == size:
        return True
    if total > size:
        problem(
            "total",
            f"{total} is more than the {size} patients it is drawn from ({whose}); "
            "correct the total or the n",
        )
        return False
    if note or (quote and re.search(rf"(?<![\d.]){total}(?![\d]|\.\d)", quote)):
        return True  # the reviewer's note or the quoted text accounts for the subset
    what = "events" if events is not None else "the percent"
    problem(
        "total",
        f"{total} is fewer than the {size} patients ({whose}): {what} counted among a "
        "subset (evaluable patients?); say so in a note, or drop total to use n",
        "warning",
    )
    return True


def _nearest_note(percent: float, total: int, decimals: int) -> str:
    below = math.floor(percent * total / 100)
    options = [e for e in (below, below + 1) if 0 <= e <= total]
    return ", ".join(f"{e}/{total} = {100 * e / total:.{decimals + 1}f}%" for e in options)


def _ci_pair(oc, problem, *, positive: bool, allow_nr: bool) -> tuple[Any, Any] | None:
    ci = oc.values.get("ci")
    if ci is None:
        return None
    if not (isinstance(ci, list) and len(ci) == 2):
        got = f"a list of {len(ci)}" if isinstance(ci, list) else type_name(ci)
        problem("ci", f"must be two bounds [low, high], got {got}")
        return None
    low, high = ci
    for bound, name in ((low, "low"), (high, "high")):
        if allow_nr and isinstance(bound, str) and bound.strip().upper() == NOT_REACHED:
            continue
        if not is_number(bound):
            problem("ci", f"{name} bound must be a number, got {type_name(bound)}")
            return None
        if positive and float(bound) <= 0:
            problem("ci", f"{name} bound must be > 0 for a ratio, got {bound}")
            return None
    if is_number(low) and is_number(high) and float(low) > float(high):
        problem("ci", f"low bound {low} is above high bound {high}; swap them: [{high}, {low}]")
        return None
    return low, high


def _ci_level(oc, problem) -> float:
    level = oc.values.get("ci_level", 0.95)
    if is_number(level) and 0 < float(level) < 0.5:
        problem(
            "ci_level",
            f"{level} is below 0.5; a reported CI is 0.90, 0.95 or 0.99 - give it as such",
        )
        return 0.95
    if not (is_number(level) and 0 < float(level) < 1):
        hint = (
            f"; did you mean {float(level) / 100:g}?"
            if is_number(level) and 1 < level < 100
            else ""
        )
        problem(
            "ci_level",
            f"must be a proportion between 0 and 1 such as 0.95, got {type_name(level)}{hint}",
        )
        return 0.95
    if "ci_level" in oc.values and "ci" not in oc.values:
        problem("ci_level", "given without a ci; it has no effect", "warning")
    return float(level)


def _median(study, oc, arm, problem) -> dict[str, Any] | None:
    v = oc.values
    unit = v.get("unit", "months")
    unit_key = str(unit).strip().lower()
    unit_key = UNIT_ALIASES.get(unit_key, unit_key)
    if unit_key not in UNITS:
        problem(
            "unit",
            f"unknown unit '{unit}'; use one of {', '.join(UNITS)}{suggest(str(unit), UNITS)}",
        )
        return None
    factor = MONTHS_PER[unit_key]
    median = v.get("median")
    not_reached = isinstance(median, str) and median.strip().upper() == NOT_REACHED
    if not not_reached and not (is_number(median) and float(median) > 0):
        problem("median", f"must be a number > 0 or 'NR' (not reached), got {type_name(median)}")
        return None
    ci = _ci_pair(oc, problem, positive=False, allow_nr=True)
    if "ci" in v and ci is None:
        return None
    _ci_level(oc, problem)
    low = high = None
    if ci is not None:
        low = None if not is_number(ci[0]) else float(ci[0]) * factor
        high = None if not is_number(ci[1]) else float(ci[1]) * factor
        if low is None:
            problem("ci", "the low bound cannot be 'NR'")
            return None
        if not not_reached and not (
            float(ci[0]) <= float(median) and (high is None or float(median) <= float(ci[1]))
        ):
            problem("ci", f"[{ci[0]}, {ci[1]}] does not contain the median {median}")
            return None
    n = v.get("n")
    if "n" in v and not (is_int(n) and int(n) > 0):
        problem("n", f"must be a whole number > 0, got {type_name(n)}")
        return None
    if n is None:
        n = arm.n if arm is not None and arm.n is not None else None
        if n is None and (arm is None or arm.implicit):
            n = study.n
    return {
        "median": None if not_reached else float(median) * factor,
        "not_reached": not_reached,
        "median_ci_low": low,
        "median_ci_high": high,
        "n": None if n is None else int(n),
        "unit": unit_key,
    }


def _ratio(oc, problem, p: float | None, p_text: str | None) -> dict[str, Any] | None:
    v = oc.values
    ratio_type = next(k for k in ("hr", "or", "rr") if k in v)
    ratio = v[ratio_type]
    if not (is_number(ratio) and float(ratio) > 0):
        problem(ratio_type, f"a ratio must be a number > 0, got {type_name(ratio)}")
        return None
    ratio = float(ratio)
    level = _ci_level(oc, problem)
    ci = _ci_pair(oc, problem, positive=True, allow_nr=False)
    if "ci" in v and ci is None:
        return None
    se = None
    source = None
    if ci is not None:
        low, high = float(ci[0]), float(ci[1])
        if not low <= ratio <= high:
            problem("ci", f"[{ci[0]}, {ci[1]}] does not contain the estimate {v[ratio_type]}")
            return None
        if low == high:
            problem("ci", "low and high bounds are equal; the SE would be 0")
            return None
        se = se_from_ci(low, high, level, log=True)
        source = "ci"
        mid = 0.5 * (math.log(low) + math.log(high))
        half = 0.5 * (math.log(high) - math.log(low))
        if abs(math.log(ratio) - mid) > 0.25 * half:
            problem(
                "ci",
                f"the estimate {v[ratio_type]} is far from the CI's geometric midpoint "
                f"{math.exp(mid):.3g}; check for a typo (or an asymmetric interval)",
                "warning",
            )
        if p is not None and p_text is None and 0 < p < 1 and ratio != 1:
            implied = se_from_p(ratio, p, log=True)
            if implied is not None and not 0.5 < implied / se < 2.0:
                problem(
                    "p",
                    f"p = {p} implies a log-scale SE of {implied:.3g}, the CI one of {se:.3g}; "
                    "check both",
                    "warning",
                )
    else:
        low = high = None
        if p is not None and p_text is None:
            se = se_from_p(ratio, p, log=True)
            source = "p" if se is not None else None
        if se is None:
            if p_text:
                why = f"p is only given as a bound ('{p_text}')"
            elif p is not None:
                why = f"p = {p:g} with {ratio_type.upper()} {ratio:g} gives no SE"
            else:
                why = "no ci and no exact p"
            problem(
                ratio_type,
                f"cannot be pooled: {why}; its SE is unknown",
                "warning",
            )
    if se is not None and not _se_fits(se, problem, "ci" if source == "ci" else "p"):
        return None
    adjusted = v.get("adjusted")
    if adjusted is not None and not isinstance(adjusted, bool):
        problem("adjusted", f"must be true or false, got {type_name(adjusted)}")
        return None
    contrast = v.get("contrast")
    return {
        "ratio_type": ratio_type,
        "ratio": ratio,
        "yi": math.log(ratio),
        "se": se,
        "se_source": source,
        "ci_low": low,
        "ci_high": high,
        "ci_level": level if ci is not None else None,
        "contrast": None if contrast is None else str(contrast),
        "adjusted": adjusted,
        "n": None,
    }


#: Bounds of a standard error on the analysis scale: the variance (SE²), its inverse
#: (the weight) and weight x estimate² stay finite and normal in double precision.
SE_MIN, SE_MAX = 1e-50, 1e50


def _se_fits(se: float, problem, key: str) -> bool:
    if SE_MIN <= se <= SE_MAX:
        return True
    where = {"ci": "the CI gives", "p": "the p-value gives", "se": "the"}[key]
    size = "small" if se < SE_MIN else "large"
    problem(
        key,
        f"{where} SE {se:.3g} is too {size} to pool (weights 1/SE² must stay finite: "
        f"SE from {SE_MIN:g} to {SE_MAX:g}); check the number",
    )
    return False


def _generic(oc, problem) -> dict[str, Any] | None:
    v = oc.values
    estimate = v.get("estimate")
    if not is_number(estimate):
        problem("estimate", f"must be a number, got {type_name(estimate)}")
        return None
    estimate = float(estimate)
    level = _ci_level(oc, problem)
    ci = _ci_pair(oc, problem, positive=False, allow_nr=False)
    if "ci" in v and ci is None:
        return None
    se = v.get("se")
    source = None
    if se is not None:
        if not (is_number(se) and float(se) > 0):
            problem("se", f"must be a number > 0, got {type_name(se)}")
            return None
        se = float(se)
        source = "se"
    low = high = None
    if ci is not None:
        low, high = float(ci[0]), float(ci[1])
        if not low <= estimate <= high:
            problem("ci", f"[{ci[0]}, {ci[1]}] does not contain the estimate {v['estimate']}")
            return None
        if se is None:
            if low == high:
                problem("ci", "low and high bounds are equal; the SE would be 0")
                return None
            se = se_from_ci(low, high, level, log=False)
            source = "ci"
    if se is None:
        problem("se", "missing: a generic estimate needs se or ci to be pooled", "warning")
    elif not _se_fits(se, problem, source or "se"):
        return None
    scale = v.get("scale")
    n = v.get("n")
    if "n" in v and not (is_int(n) and int(n) > 0):
        problem("n", f"must be a whole number > 0, got {type_name(n)}")
        return None
    return {
        "yi": estimate,
        "se": se,
        "se_source": source,
        "ci_low": low,
        "ci_high": high,
        "ci_level": level if ci is not None else None,
        "scale": None if scale is None else str(scale),
        "n": None if n is None else int(n),
    }


def _continuous(study, oc, arm, problem) -> dict[str, Any] | None:
    """mean, sd (> 0) and n (a whole number, else the arm's n) of one arm."""
    v = oc.values
    ok = True
    mean, sd, n = v.get("mean"), v.get("sd"), v.get("n")
    if not is_number(mean):
        problem("mean", f"must be a number, got {type_name(mean)}")
        ok = False
    if "sd" not in v:
        problem(
            "sd",
            "missing: a mean needs its standard deviation sd (e.g. sd: 18.4); from a standard "
            "error, sd = se * sqrt(n)",
        )
        ok = False
    elif not (is_number(sd) and float(sd) > 0):
        problem("sd", f"must be a standard deviation > 0, got {type_name(sd)}")
        ok = False
    if "n" in v and not (is_int(n) and int(n) > 0):
        problem("n", f"must be a positive whole number of patients, got {type_name(n)}")
        ok = False
    if not ok:
        return None
    if n is None:
        n = arm.n if arm is not None and arm.n is not None else None
        if n is None and (arm is None or arm.implicit):
            n = study.n
        if n is None:
            where = f"arm '{arm.id}' has no n" if arm is not None and not arm.implicit else "no n"
            problem("n", f"missing: give n (the patients behind the mean) or the arm's n ({where})")
            return None
    elif not _continuous_n_fits(study, arm, int(n), v.get("note"), v.get("quote"), problem):
        return None
    return {"mean": float(mean), "sd": float(sd), "n": int(n)}


def _continuous_n_fits(study, arm, n: int, note, quote, problem) -> bool:
    """A continuous entry's ``n`` against its arm's size: the rule of :func:`_total_fits`.

    More than the arm holds is an error; fewer (completers, an available-case analysis)
    a warning unless a note or the quote accounts for it.
    """
    if arm is not None and not arm.implicit:
        size, whose = arm.n, f"arm '{arm.id}' has n = {arm.n}"
    else:
        size, whose = study.n, f"the study has n = {study.n}"
    if size is None or n == size:
        return True
    if n > size:
        problem(
            "n",
            f"{n} is more than the {size} patients it is drawn from ({whose}); "
            "correct this n or the arm's",
        )
        return False
    if note or (quote and re.search(rf"(?<![\d.]){n}(?![\d]|\.\d)", quote)):
        return True
    problem(
        "n",
        f"{n} is fewer than the {size} patients ({whose}): the mean and SD of a subset "
        "(completers?); say so in a note, or drop n to use the arm's n",
        "warning",
    )
    return True


def entry_data(entry: Entry) -> str:
    """What a record says, in one short string.

    '14/30', 'median 11 mo [1, 22.9]', 'HR 2.14 [1.06, 4.33]', '62.1 (SD 18.4), n = 40'.
    """
    if entry.kind == "binary":
        text = f"{entry.events}/{entry.total}"
        if entry.events_from_percent:
            text += f" (from {entry.percent:g}%)"
        return text
    if entry.kind == "median":
        text = "median NR" if entry.not_reached else f"median {entry.median:.3g} mo"
        if entry.median_ci_low is not None:
            high = "NR" if entry.median_ci_high is None else f"{entry.median_ci_high:.3g}"
            text += f" [{entry.median_ci_low:.3g}, {high}]"
        return text
    if entry.kind == "ratio":
        text = f"{entry.ratio_type.upper()} {entry.ratio:g}"
        if entry.ci_low is not None:
            text += f" [{entry.ci_low:g}, {entry.ci_high:g}]"
        elif entry.p is not None:
            text += f" (p = {entry.p_text or entry.p})"
        return text
    if entry.kind == "continuous":
        return f"{entry.mean:g} (SD {entry.sd:g}), n = {entry.n}"
    text = f"{entry.yi:g}"
    if entry.se is not None:
        text += f" (SE {entry.se:.3g})"
    return text
