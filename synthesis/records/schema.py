"""The record schema: parsed YAML -> frozen, typed Study objects, every problem collected.

Loading is ``yaml.safe_load``-safe (libyaml's C parser when available) and
remembers the line of every field, so that every problem can be reported as
``FILE:LINE: FIELD: message``.  Nothing here stops at the first problem: each
check appends to a list of :class:`~synthesis.errors.Problem` and the caller
(:func:`synthesis.normalize.load_review`) raises once, after every file.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synthesis.errors import Problem
from synthesis.records.yamlio import LineDict

if TYPE_CHECKING:
    from synthesis.records.rob import RiskOfBias

# ---------------------------------------------------------------------------
# The record schema

STUDY_FIELDS = (
    "id",
    "citation",
    "year",
    "label",
    "doi",
    "pmid",
    "url",
    "title",
    "authors",
    "journal",
    "design",
    "population",
    "tags",
    "n",
    "arms",
    "outcomes",
    "note",
    "risk_of_bias",
    "source_text",
)
# Optional descriptive fields, kept as they are on Study.meta.
META_FIELDS = tuple(
    f
    for f in STUDY_FIELDS
    if f not in ("id", "citation", "year", "tags", "n", "arms", "outcomes", "risk_of_bias")
)
ARM_FIELDS = ("id", "label", "n", "role", "note")
COMMON_OUTCOME_FIELDS = ("name", "arm", "quote", "timepoint", "p", "note")
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "binary": ("events", "percent", "total"),
    "median": ("median", "unit", "ci", "ci_level", "n"),
    "ratio": ("hr", "or", "rr", "ci", "ci_level", "contrast", "adjusted"),
    "generic": ("estimate", "se", "ci", "ci_level", "scale", "n"),
    "continuous": ("mean", "sd", "n"),
}
OUTCOME_FIELDS = tuple(dict.fromkeys(COMMON_OUTCOME_FIELDS + sum(KIND_FIELDS.values(), ())).keys())
# The fields whose presence decides the kind of an outcome entry.
KIND_MARKERS: dict[str, tuple[str, ...]] = {
    "binary": ("events", "percent"),
    "median": ("median",),
    "ratio": ("hr", "or", "rr"),
    "generic": ("estimate",),
    "continuous": ("mean",),
}
#: Other names people give outcome fields, for "did you mean" when difflib finds none.
FIELD_ALIASES: dict[str, str] = {
    "stdev": "sd",
    "std": "sd",
    "stddev": "sd",
    "std_dev": "sd",
    "st_dev": "sd",
    "s.d.": "sd",
    "standard_deviation": "sd",
    "average": "mean",
    "avg": "mean",
    "abstract": "source_text",
    "abstract_text": "source_text",
    "abstract_file": "source_text",
    "source_file": "source_text",
    "sourcefile": "source_text",
    "text": "source_text",
}
# The same, as sets for fast membership tests.
_STUDY_FIELD_SET = frozenset(STUDY_FIELDS)
_ARM_FIELD_SET = frozenset(ARM_FIELDS)
_OUTCOME_FIELD_SET = frozenset(OUTCOME_FIELDS)
_FOREIGN_FIELDS = {  # fields of other kinds of entry, by kind
    kind: _OUTCOME_FIELD_SET - frozenset(COMMON_OUTCOME_FIELDS + fields)
    for kind, fields in KIND_FIELDS.items()
}
_MARKERS = tuple(m for ms in KIND_MARKERS.values() for m in ms)
ROLES = ("experimental", "control")
UNITS = ("months", "weeks", "days", "years")
UNIT_ALIASES = {
    "month": "months",
    "mo": "months",
    "mos": "months",
    "week": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "day": "days",
    "d": "days",
    "year": "years",
    "yr": "years",
    "yrs": "years",
    "y": "years",
}
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
NOT_REACHED = "NR"
WHOLE_COHORT = "all"  # reserved arm id: the whole cohort of a multi-arm study


@dataclass(frozen=True)
class Arm:
    id: str
    label: str | None
    n: int | None
    role: str | None
    line: int
    implicit: bool = False


@dataclass(frozen=True)
class OutcomeEntry:
    """One outcome entry as written (before normalization), with its lines."""

    name: str
    kind: str  # binary | median | ratio | generic | continuous
    arm: str | None
    values: dict[str, Any]  # every field as read
    raw: dict[str, str]  # the YAML text of scalar fields (for printed precision)
    lines: dict[str, int]
    line: int
    index: int  # position in the outcomes list


@dataclass(frozen=True)
class Study:
    id: str
    citation: str
    year: int
    arms: tuple[Arm, ...]
    outcomes: tuple[OutcomeEntry, ...]
    tags: dict[str, str]
    n: int | None
    file: str
    line: int
    lines: dict[str, int]
    meta: dict[str, Any] = field(default_factory=dict)  # doi, pmid, design, population, ...
    risk_of_bias: RiskOfBias | None = None  # the checked record (synthesis.records.rob)

    def arm(self, arm_id: str) -> Arm | None:
        for a in self.arms:
            if a.id == arm_id:
                return a
        return None

    @property
    def first_author_year(self) -> str:
        """'Yoon 2025': the record's ``label``, else first word of the citation and the year."""
        if self.meta.get("label"):
            return str(self.meta["label"])
        author = re.split(r"[\s,]", self.citation.strip(), maxsplit=1)[0] or self.id
        return f"{author} {self.year}"


# ---------------------------------------------------------------------------
# Reading


def suggest(name: str, choices: tuple[str, ...] | list[str] | Mapping[str, str]) -> str:
    """'; did you mean 'X'?' for the choice closest to *name* (difflib), else ''.

    ``choices`` may map each name matched to the name shown (a synonym to its outcome)."""
    shown = choices if isinstance(choices, Mapping) else {c: c for c in choices}
    match = difflib.get_close_matches(name, list(shown), n=1, cutoff=0.6)
    if not match:
        lowered = {c.lower(): c for c in shown}
        if name.lower() in lowered:
            match = [lowered[name.lower()]]
    return f"; did you mean '{shown[match[0]]}'?" if match else ""


_PLAIN_KEY = re.compile(r"[^\s:'\"]+")


def _unknown_fields(
    mapping: LineDict,
    allowed: tuple[str, ...],
    shown: str,
    prefix: str,
    problems: list[Problem],
    known: frozenset[str] | None = None,
) -> None:
    if (known if known is not None else frozenset(allowed)).issuperset(mapping):
        return
    for key in mapping:
        if key not in allowed:
            shown_key = key if _PLAIN_KEY.fullmatch(key) else repr(key)  # '' or 'a: b'
            problems.append(
                Problem(
                    shown,
                    mapping.lines.get(key, mapping.line),
                    f"{prefix}{shown_key}",
                    f"unknown field{suggest(key, allowed) or _alias(key, allowed)}",
                )
            )


def _alias(key: str, allowed: tuple[str, ...]) -> str:
    """'; did you mean 'sd'?' for a known other name of an allowed field (stdev, std)."""
    target = FIELD_ALIASES.get(key.strip().lower().replace(" ", "_"))
    return f"; did you mean '{target}'?" if target in allowed else ""


#: Largest magnitude of any number in a record: far beyond any clinical quantity, and
#: small enough that squares, products and sums of them stay finite in double precision.
MAX_MAGNITUDE = 1e50
#: Largest whole number (a count, a cohort size): more than any trial or registry holds.
MAX_COUNT = 1_000_000_000


def is_number(value: Any) -> bool:
    """A finite number a record may hold (bounded: see :data:`MAX_MAGNITUDE`)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_MAGNITUDE
    return math.isfinite(value) and abs(value) <= MAX_MAGNITUDE


def is_int(value: Any) -> bool:
    """A whole number a record may hold as a count (at most :data:`MAX_COUNT`)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_COUNT
    return isinstance(value, float) and value.is_integer() and abs(value) <= MAX_COUNT


def type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        return f"text '{value if len(value) <= 60 else value[:57] + '...'}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"a date ({value.isoformat()})"
    if isinstance(value, int) and abs(value) > MAX_COUNT:
        digits = int(abs(value).bit_length() * 0.30103) + 1
        shown = f"{value:.3e}" if digits < 300 else f"a number of about {digits} digits"
        return f"{shown}, above the largest count synth accepts ({MAX_COUNT:,})"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} (not a finite number)"
    if isinstance(value, float) and abs(value) > MAX_MAGNITUDE:
        return (
            f"{value:g}, far beyond any number synth accepts (counts up to {MAX_COUNT:,}, "
            f"other numbers up to {MAX_MAGNITUDE:g})"
        )
    if isinstance(value, float) and value.is_integer() and abs(value) > MAX_COUNT:
        return f"{value:g}, above the largest count synth accepts ({MAX_COUNT:,})"
    return repr(value)


def parse_study(
    doc: Any, shown: str, problems: list[Problem], *, partial: bool = False
) -> Study | None:
    """Check one parsed document against the record schema; None if it has an error.

    With ``partial=True`` a record whose errors lie only in study-level fields
    or in single outcome entries (not in ``n`` or ``arms``, on which every entry
    depends) is still returned, holding its sound entries, so that the caller
    can check those too and report every problem of the file in one run.
    Such a study must never reach an analysis.
    """
    if not isinstance(doc, LineDict):
        problems.append(
            Problem(
                shown,
                getattr(doc, "line", 1) or 1,
                "record",
                f"expected a mapping of fields (id, citation, year, ...), got {type_name(doc)}",
            )
        )
        return None
    start = len(problems)
    where = doc.lines

    def line_of(key: str) -> int:
        return where.get(key, doc.line)

    def err(key: str, message: str, line: int | None = None) -> None:
        problems.append(Problem(shown, line if line is not None else line_of(key), key, message))

    _unknown_fields(doc, STUDY_FIELDS, shown, "", problems, _STUDY_FIELD_SET)

    for key in ("id", "citation", "year"):
        if key not in doc:
            err(key, "required field is missing", line=doc.line)

    study_id = doc.get("id")
    if "id" in doc and not (isinstance(study_id, str) and ID_PATTERN.match(study_id)):
        if is_number(study_id):
            err("id", f"got the number {study_id!r}; put it in quotes to use it as an id")
        else:
            err(
                "id",
                f"must match [A-Za-z0-9][A-Za-z0-9._-]* (letters, digits, '.', '_', '-'), "
                f"got {type_name(study_id)}",
            )
    citation = doc.get("citation")
    if "citation" in doc and not (isinstance(citation, str) and citation.strip()):
        err("citation", f"must be non-empty text, got {type_name(citation)}")
    year = doc.get("year")
    if "year" in doc:
        if not is_int(year):
            err("year", f"must be an integer year such as 2025, got {type_name(year)}")
        elif not 1800 <= int(year) <= 2100:
            err("year", f"{int(year)} is not a plausible publication year (1800-2100)")

    for key in ("label", "doi", "url", "title", "journal", "design", "population", "note"):
        if key in doc and not isinstance(doc[key], str):
            err(key, f"must be text, got {type_name(doc[key])}")
    if "pmid" in doc and not (
        (is_int(doc["pmid"]) and int(doc["pmid"]) > 0)
        or (isinstance(doc["pmid"], str) and doc["pmid"].isdigit())
    ):
        err("pmid", f"must be a PubMed id (digits), got {type_name(doc['pmid'])}")
    source_ok = "source_text" in doc and _check_source_text(
        doc["source_text"], line_of("source_text"), shown, problems
    )
    if "authors" in doc and not (
        isinstance(doc["authors"], list) and all(isinstance(a, str) for a in doc["authors"])
    ):
        err("authors", "must be a list of names")

    tags: dict[str, str] = {}
    raw_tags = doc.get("tags")
    if "tags" in doc:
        if not isinstance(raw_tags, dict):
            err(
                "tags",
                f"must be a flat mapping such as {{disease: ANKL}}, got {type_name(raw_tags)}",
            )
        else:
            for key, value in raw_tags.items():
                tag_line = getattr(raw_tags, "lines", {}).get(key, line_of("tags"))
                if isinstance(value, (dict, list)) or value is None:
                    err(f"tags.{key}", f"must be a single value, got {type_name(value)}", tag_line)
                else:
                    tags[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)

    n = doc.get("n")
    n_ok = "n" not in doc or (is_int(n) and int(n) > 0)
    if not n_ok:
        err("n", f"must be a positive whole number of patients, got {type_name(n)}")
        n = None
    n = int(n) if n is not None else None

    arms_start = len(problems)
    arms = _parse_arms(doc, shown, n, problems)
    # A wrong role or label leaves the arm usable; any other arm error (id, n,
    # an unknown field) could make the entries that depend on it fail for no
    # reason of their own, so such a record is not checked entry by entry.
    arms_ok = not any(
        p.severity == "error" and not p.field.endswith((".role", ".label"))
        for p in problems[arms_start:]
    )
    outcomes: list[OutcomeEntry] = []
    raw_outcomes = doc.get("outcomes")
    if "outcomes" not in doc:
        err(
            "outcomes",
            "required field is missing (write 'outcomes: []' if there are none)",
            doc.line,
        )
    elif raw_outcomes is None:
        pass  # 'outcomes:' with nothing after it: an empty list
    elif not isinstance(raw_outcomes, list):
        err("outcomes", f"must be a list of outcome entries, got {type_name(raw_outcomes)}")
    else:
        arm_ids = tuple(a.id for a in arms)
        multi_arm = len(arms) > 1
        for i, item in enumerate(raw_outcomes):
            line = raw_outcomes.lines[i]
            entry = _parse_outcome(item, i, line, shown, arm_ids, multi_arm, problems)
            if entry is not None:
                outcomes.append(entry)

    risk_of_bias = None
    if "risk_of_bias" in doc:  # contract section 7; checked by the tool's own rules
        from synthesis.records.rob import check_risk_of_bias, line_finder

        risk_of_bias, found = check_risk_of_bias(
            value=doc["risk_of_bias"], line_of=line_finder(doc), path=shown
        )
        problems.extend(found)

    if _has_error(problems, start) and not (partial and n_ok and arms_ok):
        return None
    meta = {key: doc[key] for key in META_FIELDS if key in doc}
    if not source_ok:
        meta.pop("source_text", None)  # a bad path is reported, never opened
    return Study(
        id=study_id if isinstance(study_id, str) else str(study_id),
        citation=citation.strip() if isinstance(citation, str) else "",
        year=int(year) if is_int(year) else 0,
        arms=arms,
        outcomes=tuple(outcomes),
        tags=tags,
        n=n,
        file=shown,
        line=doc.line,
        lines=dict(where),
        meta=meta,
        risk_of_bias=risk_of_bias,
    )


def _check_source_text(value: Any, line: int, shown: str, problems: list[Problem]) -> bool:
    """``source_text``: a path to a text file, relative to the record's folder.

    Only its form is checked here (no file is read: pooling never opens a source text);
    ``synth validate`` reads the file and checks the quotes (synthesis.records.provenance).
    Whether the value is a usable path.
    """
    before = len(problems)
    if not isinstance(value, str) or not value.strip():
        problems.append(
            Problem(
                shown,
                line,
                "source_text",
                "must be the path of the text the record was drawn from, relative to the "
                f"record's folder (such as abstracts/yoon2025.txt), got {type_name(value)}",
            )
        )
    elif "\x00" in value:
        problems.append(Problem(shown, line, "source_text", "the path holds a NUL character"))
    elif value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", value):
        problems.append(
            Problem(
                shown,
                line,
                "source_text",
                f"'{value}' is an absolute path; give it relative to the record's folder (such "
                "as abstracts/yoon2025.txt) so that the review still works when moved or shared",
            )
        )
    return len(problems) == before


def _has_error(problems: list[Problem], start: int) -> bool:
    """Whether an error was appended to *problems* at or after index *start*."""
    return any(p.severity == "error" for p in problems[start:])


def _parse_arms(
    doc: LineDict, shown: str, n: int | None, problems: list[Problem]
) -> tuple[Arm, ...]:
    raw = doc.get("arms")
    if "arms" not in doc or raw is None:
        return (Arm(id=WHOLE_COHORT, label=None, n=n, role=None, line=doc.line, implicit=True),)
    if not isinstance(raw, list) or not raw:
        problems.append(
            Problem(
                shown, doc.lines["arms"], "arms", "must be a non-empty list of arms (or left out)"
            )
        )
        return ()
    arms: list[Arm] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        line = raw.lines[i]
        prefix = f"arms[{i}]"
        if not isinstance(item, LineDict):
            problems.append(
                Problem(shown, line, prefix, f"must be a mapping with an id, got {type_name(item)}")
            )
            continue
        _unknown_fields(item, ARM_FIELDS, shown, f"{prefix}.", problems, _ARM_FIELD_SET)
        arm_id = item.get("id")
        ok = True  # the id is usable
        if arm_id is None:
            problems.append(Problem(shown, item.line, f"{prefix}.id", "required field is missing"))
            ok = False
        elif not (isinstance(arm_id, str) and ID_PATTERN.match(arm_id)):
            problems.append(
                Problem(
                    shown,
                    item.lines["id"],
                    f"{prefix}.id",
                    f"must be a short name, got {type_name(arm_id)}",
                )
            )
            ok = False
        elif arm_id in seen:
            problems.append(
                Problem(
                    shown,
                    item.lines["id"],
                    f"{prefix}.id",
                    f"duplicate arm id '{arm_id}' (first at line {seen[arm_id]})",
                )
            )
            ok = False
        else:
            seen[arm_id] = item.lines["id"]
        arm_n = item.get("n")
        if "n" in item and not (is_int(arm_n) and int(arm_n) > 0):
            problems.append(
                Problem(
                    shown,
                    item.lines["n"],
                    f"{prefix}.n",
                    f"must be a positive whole number of patients, got {type_name(arm_n)}",
                )
            )
            arm_n = None
        role = item.get("role")
        if "role" in item and role not in ROLES:
            problems.append(
                Problem(
                    shown,
                    item.lines["role"],
                    f"{prefix}.role",
                    f"must be 'experimental' or 'control', got {type_name(role)}"
                    f"{suggest(str(role), ROLES)}",
                )
            )
            role = None
        label = item.get("label")
        if "label" in item and not isinstance(label, (str, int, float)):
            problems.append(Problem(shown, item.lines["label"], f"{prefix}.label", "must be text"))
            label = None
        if ok:
            arms.append(
                Arm(
                    id=arm_id,
                    label=None if label is None else str(label),
                    n=None if arm_n is None else int(arm_n),
                    role=role,
                    line=item.line,
                )
            )
    roles = [a.role for a in arms if a.role]
    for role in ROLES:
        if roles.count(role) > 1:
            problems.append(
                Problem(
                    shown,
                    doc.lines["arms"],
                    "arms",
                    f"more than one arm has role '{role}'; RR/OR/RD need exactly one of each",
                    "warning",
                )
            )
    # An arm with id "all" is the whole cohort; it does not count towards the sum.
    groups = [a for a in arms if a.id != WHOLE_COHORT]
    if n is not None and all(a.n is not None for a in groups) and sum(a.n or 0 for a in groups) > n:
        problems.append(
            Problem(
                shown,
                doc.lines["arms"],
                "arms",
                f"arm sizes add up to {sum(a.n or 0 for a in groups)}, "
                f"more than the study's n = {n}",
                "warning",
            )
        )
    return tuple(arms)


def _parse_outcome(
    item: Any,
    index: int,
    line: int,
    shown: str,
    arm_ids: tuple[str, ...],
    multi_arm: bool,
    problems: list[Problem],
) -> OutcomeEntry | None:
    prefix = f"outcomes[{index}]"
    if not isinstance(item, LineDict):
        problems.append(
            Problem(shown, line, prefix, f"must be a mapping with a name, got {type_name(item)}")
        )
        return None
    before = len(problems)
    _unknown_fields(item, OUTCOME_FIELDS, shown, f"{prefix}.", problems, _OUTCOME_FIELD_SET)

    def err(key: str, message: str) -> None:
        problems.append(Problem(shown, item.lines.get(key, item.line), f"{prefix}.{key}", message))

    name = item.get("name")
    if "name" not in item:
        err("name", "required field is missing")
    elif not isinstance(name, str) or not name.strip():
        err("name", f"must be text such as ORR or OS, got {type_name(name)}")

    kinds = [k for k, markers in KIND_MARKERS.items() if not item.keys().isdisjoint(markers)]
    kind = kinds[0] if len(kinds) == 1 else None
    if not kinds and not any(
        key not in _OUTCOME_FIELD_SET and suggest(key, _MARKERS) for key in item
    ):  # (a misspelt data field, reported above, already says why there is no data)
        err(
            "name",
            "no data: give events/percent (binary), median, hr/or/rr (ratio), "
            "mean/sd/n (continuous) or estimate (generic)",
        )
    elif len(kinds) > 1:
        fields = [m for k in kinds for m in KIND_MARKERS[k] if m in item]
        err(
            fields[1],
            f"an entry holds one kind of data; this one mixes {' and '.join(fields)} "
            "(split it into separate entries)",
        )
    ratios = [m for m in ("hr", "or", "rr") if m in item]
    if len(ratios) > 1:
        err(ratios[1], f"give one ratio per entry, got {' and '.join(ratios)}")

    if kind is not None and not _FOREIGN_FIELDS[kind].isdisjoint(item):
        for key in item:
            if key in _FOREIGN_FIELDS[kind]:
                err(key, f"does not belong to a {kind} entry")

    arm = item.get("arm")
    if "arm" in item:
        if not isinstance(arm, str) or arm not in arm_ids:
            known = ", ".join(arm_ids) if arm_ids and arm_ids != (WHOLE_COHORT,) else "none defined"
            err(
                "arm",
                f"no arm '{arm}' in this study (arms: {known}){suggest(str(arm), list(arm_ids))}",
            )
    elif multi_arm and kind in ("binary", "median", "continuous"):
        what = {"binary": "count", "median": "median", "continuous": "mean"}[kind]
        err(
            "arm",
            f"this study has {len(arm_ids)} arms ({', '.join(arm_ids)}); "
            f"a {what} needs 'arm:' to say which",
        )

    for key in ("quote", "timepoint", "note"):
        if key in item and not isinstance(item[key], (str, int, float)):
            err(key, f"must be text, got {type_name(item[key])}")
    if "p" in item and not _p_ok(item["p"]):
        err("p", f"must be a number in [0, 1] or text such as '<0.001', got {type_name(item['p'])}")

    if len(problems) > before or kind is None:
        return None
    if arm is None and not multi_arm and arm_ids:
        arm = arm_ids[0]
    return OutcomeEntry(
        name=name.strip(),
        kind=kind,
        arm=arm,
        values=dict(item),
        raw=dict(item.raw),
        lines=dict(item.lines),
        line=item.line,
        index=index,
    )


P_TEXT = re.compile(r"^\s*(<=|>=|<|>|=|≤|≥)?\s*(0?\.\d+|0|1(\.0*)?|\d?\.?\d+[eE]-?\d+)\s*$")


def parse_p(value: Any) -> tuple[float | None, str | None, bool]:
    """(p as a number, its bound operator or None, ok?) from a number or text like '<0.001'."""
    if is_number(value):
        return float(value), None, 0.0 <= float(value) <= 1.0
    if isinstance(value, str):
        m = P_TEXT.match(value.replace(",", "."))
        if m:
            p = float(m.group(2))
            op = m.group(1)
            op = {"≤": "<=", "≥": ">=", "=": None}.get(op, op) if op else None
            return p, op, 0.0 <= p <= 1.0
    return None, None, False


def _p_ok(value: Any) -> bool:
    return parse_p(value)[2]
