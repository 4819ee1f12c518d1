"""Risk-of-bias tools as data, and the check of a study's ``risk_of_bias`` record.

A record (contract section 7) names a tool and gives the tool's own judgements::

    risk_of_bias:
      tool: ROB2
      overall: some concerns
      domains: {D1: low, D2: some concerns, D3: low, D4: low, D5: high}
      note: "..."

A domain may also be a mapping ``{judgement: high, note: "what it rests on"}``, and so
may ``overall``.  QUADAS-2 records may add ``applicability: {D1: low, D2: high, D3:
unclear}``.  Newcastle-Ottawa (NOS) domains take stars (an integer, or a string of
``*``/``★``), and their good/fair/poor rating follows from the stars (AHRQ conversion).

The tools (with the references their domains and scales come from):

* ``ROB2``: Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing
  risk of bias in randomised trials. BMJ 2019;366:l4898.  D1-D5; low / some concerns /
  high.  The overall judgement is at least the worst domain (the tool's algorithm).
* ``ROBINS-I``: Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing
  risk of bias in non-randomised studies of interventions. BMJ 2016;355:i4919.  D1-D7;
  low / moderate / serious / critical / no information.
* ``QUADAS-2``: Whiting PF, Rutjes AWS, Westwood ME, et al. QUADAS-2: a revised tool for
  the quality assessment of diagnostic accuracy studies. Ann Intern Med
  2011;155(8):529-536.  Risk of bias D1-D4 and applicability concerns D1-D3; low /
  high / unclear.
* ``NOS``: Wells GA, Shea B, O'Connell D, et al. The Newcastle-Ottawa Scale (NOS) for
  assessing the quality of nonrandomised studies in meta-analyses. Ottawa Hospital
  Research Institute.  Stars: selection 0-4, comparability 0-2, outcome (cohort) or
  exposure (case-control) 0-3.  Good / fair / poor by the conversion to AHRQ standards
  (the thresholds below, as published with e.g. Sharmin S et al. 2017 and applied in
  many reviews).
* ``Murad``: Murad MH, Sultan S, Haffar S, Bazerbachi F. Methodological quality and
  synthesis of case series and case reports. BMJ Evid Based Med 2018;23(2):60-63.  For
  single-group (non-comparative) data such as response rates of case series and
  single-arm trials: selection, ascertainment, causality and reporting (the tool's four
  domains and eight questions); judged low / some concerns / high, the overall at least
  as severe as the worst domain.  It judges limitations beyond the missing control
  group, which GRADE already counts by starting non-randomized evidence at low.
* ``other``: free domain names; levels from the common vocabulary below.

Every tool's levels map onto GRADE's risk-of-bias scale ``low < some concerns < high <
critical`` (ROBINS-I moderate ~ some concerns, serious ~ high; NOS good/fair/poor ~
low/some concerns/high; "no information" and QUADAS-2 "unclear" map to None and some
concerns respectively), which is what :mod:`synthesis.analyses.grade` reads.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthesis.errors import Problem
from synthesis.errors import suggest as _suggest
from synthesis.errors import type_name as _type_name

# ---------------------------------------------------------------------------
# The scale GRADE reads (best first), and the symbols of robvis's traffic lights.

GRADE_ROB_SCALE: tuple[str, ...] = ("low", "some concerns", "high", "critical")
NO_INFORMATION = "no information"


@dataclass(frozen=True)
class Domain:
    key: str  # "D1", "selection"
    label: str  # "Bias arising from the randomization process"
    max_stars: int | None = None  # NOS only


@dataclass(frozen=True)
class Tool:
    name: str  # canonical name: ROB2, ROBINS-I, QUADAS-2, NOS, other
    title: str
    reference: str
    domains: tuple[Domain, ...]
    levels: tuple[str, ...]  # domain judgements, best first (NOS: the derived ratings)
    # level -> GRADE_ROB_SCALE entry (None: no information); default: LEVEL_GRADES's
    to_grade: Mapping[str, str | None] = field(default_factory=dict)
    overall_levels: tuple[str, ...] = ()  # the overall judgement's scale (default: levels)
    applicability: tuple[Domain, ...] = ()
    applicability_levels: tuple[str, ...] = ()  # default: levels, when there are such domains
    stars: bool = False
    free_domains: bool = False
    overall_rule: str = "at least as severe as the worst domain"

    def __post_init__(self) -> None:
        if not self.to_grade:
            object.__setattr__(self, "to_grade", {lv: LEVEL_GRADES[lv] for lv in self.levels})
        if not self.overall_levels:
            object.__setattr__(self, "overall_levels", self.levels)
        if self.applicability and not self.applicability_levels:
            object.__setattr__(self, "applicability_levels", self.levels)

    def domain(self, key: str) -> Domain | None:
        for d in self.domains:
            if d.key == key:
                return d
        return None

    def rank(self, level: str | None) -> int | None:
        """Position of ``level`` on GRADE's scale (0 = low), None if not ranked."""
        grade = self.to_grade.get(level) if level is not None else None
        return None if grade is None else GRADE_ROB_SCALE.index(grade)


#: Every tool's judgement on GRADE's scale (NOS's ratings have their own, ``_NOS_GRADE``).
LEVEL_GRADES: dict[str, str | None] = {
    "low": "low",
    "some concerns": "some concerns",
    "moderate": "some concerns",
    "unclear": "some concerns",
    "high": "high",
    "serious": "high",
    "critical": "critical",
    "no information": None,
}
_NOS_GRADE = {"good": "low", "fair": "some concerns", "poor": "high"}


def _numbered(*labels: str) -> tuple[Domain, ...]:
    """Domains D1, D2, ... with these labels."""
    return tuple(Domain(f"D{i}", label) for i, label in enumerate(labels, 1))


TOOLS: dict[str, Tool] = {
    "ROB2": Tool(
        name="ROB2",
        title="Cochrane risk-of-bias tool for randomized trials (RoB 2)",
        reference="Sterne JAC et al. BMJ 2019;366:l4898",
        domains=_numbered(
            "Bias arising from the randomization process",
            "Bias due to deviations from intended interventions",
            "Bias due to missing outcome data",
            "Bias in measurement of the outcome",
            "Bias in selection of the reported result",
        ),
        levels=("low", "some concerns", "high"),
    ),
    "ROBINS-I": Tool(
        name="ROBINS-I",
        title="Risk Of Bias In Non-randomized Studies of Interventions (ROBINS-I)",
        reference="Sterne JAC et al. BMJ 2016;355:i4919",
        domains=_numbered(
            "Bias due to confounding",
            "Bias in selection of participants into the study",
            "Bias in classification of interventions",
            "Bias due to deviations from intended interventions",
            "Bias due to missing data",
            "Bias in measurement of outcomes",
            "Bias in selection of the reported result",
        ),
        levels=("low", "moderate", "serious", "critical", "no information"),
    ),
    "QUADAS-2": Tool(
        name="QUADAS-2",
        title="Quality Assessment of Diagnostic Accuracy Studies (QUADAS-2)",
        reference="Whiting PF et al. Ann Intern Med 2011;155(8):529-536",
        domains=_numbered(
            "Patient selection",
            "Index test(s)",
            "Reference standard",
            "Flow and timing",
        ),
        levels=("low", "unclear", "high"),
        applicability=_numbered(
            "Applicability: patient selection",
            "Applicability: index test(s)",
            "Applicability: reference standard",
        ),
    ),
    "NOS": Tool(
        name="NOS",
        title="Newcastle-Ottawa Scale (NOS)",
        reference=(
            "Wells GA et al., Ottawa Hospital Research Institute; good/fair/poor by the "
            "conversion to AHRQ standards"
        ),
        domains=(
            Domain("selection", "Selection", 4),
            Domain("comparability", "Comparability", 2),
            Domain("outcome", "Outcome", 3),
            Domain("exposure", "Exposure", 3),
        ),
        levels=("good", "fair", "poor"),
        to_grade=_NOS_GRADE,
        stars=True,
        overall_rule="the AHRQ conversion of its stars",
    ),
    "Murad": Tool(
        name="Murad",
        title="Case series and single-arm studies (Murad et al. 2018)",
        reference="Murad MH et al. BMJ Evid Based Med 2018;23(2):60-63",
        domains=(
            Domain("selection", "Selection (the whole experience of the centre?)"),
            Domain("ascertainment", "Ascertainment of exposure and outcome"),
            Domain("causality", "Causality (other causes ruled out, follow-up long enough)"),
            Domain("reporting", "Reporting (enough detail to replicate and apply)"),
        ),
        levels=("low", "some concerns", "high"),
    ),
    "other": Tool(
        name="other",
        title="Other tool (free domains)",
        reference="as the record's note says",
        domains=(),
        levels=tuple(LEVEL_GRADES),
        free_domains=True,
    ),
}
TOOL_NAMES: tuple[str, ...] = tuple(TOOLS)
_TOOL_KEYS = {re.sub(r"[\s_-]", "", name).lower(): name for name in TOOLS}
_TOOL_KEYS.update(
    {
        "newcastleottawa": "NOS",
        "rob": "ROB2",
        "robinsi": "ROBINS-I",
        "murad2018": "Murad",
        "caseseries": "Murad",
    }
)

# NOS -> AHRQ standards (good / fair / poor).  Per domain, the stars that count as
# "good" and "fair" (anything less is "poor"); a study is good when every domain is
# good, fair when selection is fair and the others good, poor otherwise:
#   good: 3-4 stars selection AND 1-2 comparability AND 2-3 outcome/exposure
#   fair: 2 stars selection AND 1-2 comparability AND 2-3 outcome/exposure
#   poor: 0-1 stars selection OR 0 comparability OR 0-1 outcome/exposure
NOS_AHRQ: dict[str, tuple[int, int | None]] = {
    # domain: (fewest stars for "good", fewest for "fair"; None = no fair band)
    "selection": (3, 2),
    "comparability": (1, None),
    "outcome": (2, None),
    "exposure": (2, None),
}
NOS_AHRQ_SOURCE = (
    "Newcastle-Ottawa stars converted to AHRQ standards: good = 3-4 selection, 1-2 "
    "comparability and 2-3 outcome/exposure stars; fair = 2 selection, 1-2 comparability "
    "and 2-3 outcome/exposure; poor = 0-1 selection or 0 comparability or 0-1 "
    "outcome/exposure (as stated with e.g. Sharmin S et al. 2017)"
)

# Symbols of the traffic-light plot by GRADE rank (robvis), and for "no information".
SYMBOLS: dict[str | None, str] = {
    "low": "+",
    "some concerns": "\u2212",
    "high": "\u00d7",
    "critical": "!",
    None: "?",
}

FIELDS: tuple[str, ...] = ("tool", "overall", "domains", "note", "applicability")
_JUDGEMENT_FIELDS: tuple[str, ...] = ("judgement", "note")


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Judgement:
    """One judgement of a record: a domain, an applicability concern, or the overall."""

    key: str  # "D1", "selection", "overall"
    label: str
    level: str | None  # the tool's own level, canonical spelling; None if not judged
    grade_level: str | None  # on GRADE_ROB_SCALE; None for "no information"
    stars: int | None = None  # NOS only
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "level": self.level,
            "grade_level": self.grade_level,
        }
        if self.stars is not None:
            out["stars"] = self.stars
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class RiskOfBias:
    """A checked ``risk_of_bias`` record, in the tool's domain order."""

    tool: str
    overall: Judgement
    overall_derived: bool  # True when the record gave no overall and it follows from domains
    domains: tuple[Judgement, ...]
    applicability: tuple[Judgement, ...] = ()
    note: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def grade_level(self) -> str | None:
        """The overall judgement on GRADE's scale (None: no information)."""
        return self.overall.grade_level

    def domain(self, key: str) -> Judgement | None:
        for d in self.domains:
            if d.key == key:
                return d
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "overall": self.overall.level,
            "overall_derived": self.overall_derived,
            "grade_level": self.grade_level,
            "domains": {d.key: d.to_dict() for d in self.domains},
            "applicability": {d.key: d.to_dict() for d in self.applicability},
            "note": self.note,
            "warnings": list(self.warnings),
        }

    def to_frame(self):  # -> pandas.DataFrame, one row per judgement
        import pandas as pd

        rows = [
            {"part": part, **j.to_dict()}
            for part, items in (
                ("domain", self.domains),
                ("applicability", self.applicability),
                ("overall", (self.overall,)),
            )
            for j in items
        ]
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Helpers


def normalize_level(text: str) -> str:
    """``"Some  Concerns"`` -> ``"some concerns"``, ``"no_information"`` -> ``"no information"``."""
    return " ".join(text.replace("_", " ").split()).lower()


def tool_named(name: str) -> Tool | None:
    """The tool called ``name`` (case, spaces, hyphens and underscores ignored)."""
    return TOOLS.get(_TOOL_KEYS.get(re.sub(r"[\s_-]", "", name).lower(), ""))


def to_grade_level(tool: str, level: str) -> str | None:
    """A tool's level on GRADE's scale (low / some concerns / high / critical; None = no info)."""
    t = tool_named(tool)
    if t is None:
        raise ValueError(f"unknown risk-of-bias tool '{tool}'")
    key = normalize_level(level)
    if key not in t.to_grade:
        raise ValueError(f"unknown {t.name} level '{level}'")
    return t.to_grade[key]


def nos_domain_rating(domain: str, stars: int) -> str:
    """The AHRQ rating of one NOS domain from its stars (good / fair / poor)."""
    good, fair = NOS_AHRQ[domain]
    if stars >= good:
        return "good"
    if fair is not None and stars >= fair:
        return "fair"
    return "poor"


def nos_overall(stars: Mapping[str, int]) -> str | None:
    """The AHRQ rating of a NOS assessment; None if selection, comparability or the third
    domain (outcome or exposure) is missing.
    """
    third = stars.get("outcome", stars.get("exposure"))
    if "selection" not in stars or "comparability" not in stars or third is None:
        return None
    ratings = [
        nos_domain_rating("selection", stars["selection"]),
        nos_domain_rating("comparability", stars["comparability"]),
        nos_domain_rating("outcome", third),
    ]
    if "poor" in ratings:
        return "poor"
    return "fair" if "fair" in ratings else "good"


def _listing(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(items)


def _count_stars(value: Any) -> int | None:
    """Stars as an int (5 -> 5, "***" -> 3, "★★" -> 2, "" -> 0); None if not stars."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[*★☆]*", value.strip()):
        return value.count("*") + value.count("★")
    return None


def line_finder(doc: Any, default: int | None = None) -> Callable[[str], int | None]:
    """``line_of(field_path)`` for a document read by the record loader.

    ``"risk_of_bias.domains.D3"`` -> the line of the key ``D3`` in that mapping; a key
    that is missing gives the line of the nearest field above it that exists (its
    parent's key), as the loader does for a missing field.  Keys may themselves hold
    dots (``grade.OS 2.5y.imprecision``): the longest key that matches wins.
    """
    top = getattr(doc, "line", None) or default

    def line_of(path: str) -> int | None:
        node, rest, line = doc, path, top
        while rest and isinstance(node, Mapping):
            lines = getattr(node, "lines", {})
            match = None
            for key in node:
                k = str(key)
                if (rest == k or rest.startswith(k + ".")) and (
                    match is None or len(k) > len(str(match))
                ):
                    match = key
            if match is None:
                break
            line = lines.get(match, getattr(node, "line", None) or line)
            node, rest = node[match], rest[len(str(match)) + 1 :]
        return line

    return line_of


# ---------------------------------------------------------------------------
# The check


def check_risk_of_bias(
    *,
    value: Any,
    line_of: Callable[[str], int | None],
    path: str | Path,
    field_name: str = "risk_of_bias",
) -> tuple[RiskOfBias | None, list[Problem]]:
    """Check a parsed ``risk_of_bias`` mapping; every problem, not just the first.

    ``line_of(field_path)`` gives the source line of a field path such as
    ``risk_of_bias.domains.D3`` (the record loader's line map); ``path`` is the file
    as shown in messages.  Returns the checked record (None if any problem is an
    error) and the problems (errors and warnings) as :class:`Problem` values.
    """
    shown = str(path)
    problems: list[Problem] = []

    def add(fieldpath: str, message: str, severity: str = "error", at: str | None = None) -> None:
        line = line_of(at if at is not None else fieldpath)
        problems.append(Problem(shown, line, fieldpath, message, severity))

    def errors() -> bool:
        return any(p.severity == "error" for p in problems)

    if not isinstance(value, Mapping):
        add(
            field_name,
            f"expected a mapping with tool, overall, domains and note, got {_type_name(value)}",
        )
        return None, problems

    # Unknown keys (applicability is checked once the tool is known).
    for key in value:
        if key not in FIELDS:
            shown_key = key if isinstance(key, str) else repr(key)
            add(f"{field_name}.{shown_key}", f"unknown field{_suggest(str(key), FIELDS)}")

    tool = _check_tool(value, field_name, add)

    note = value.get("note")
    if note is not None and not isinstance(note, str):
        add(f"{field_name}.note", f"must be text, got {_type_name(note)}")
        note = None

    if tool is None:
        return None, problems

    if "applicability" in value and not tool.applicability:
        add(
            f"{field_name}.applicability",
            f"applicability concerns are part of QUADAS-2 only, not {tool.name}",
        )

    domains: list[Judgement] = []
    if "domains" in value:
        domains = _check_domains(tool, value["domains"], f"{field_name}.domains", add)
    applicability: list[Judgement] = []
    if tool.applicability and "applicability" in value:
        applicability = _check_domains(
            tool, value["applicability"], f"{field_name}.applicability", add, applicability=True
        )

    overall: Judgement | None = None
    if "overall" in value:
        overall = _check_overall(tool, value["overall"], f"{field_name}.overall", add)
    elif "domains" not in value:
        add(
            field_name,
            "give an overall judgement, the domain judgements, or both "
            f"({tool.name}: {_domain_keys_text(tool)})",
        )

    if errors():
        return None, problems

    derived = _derive_overall(tool, domains)
    overall_derived = overall is None
    if overall is None:
        if derived is None:  # no overall, and the domains do not give one
            add(
                f"{field_name}.overall",
                "cannot be derived: NOS needs selection, comparability and outcome "
                "(or exposure) stars, or an overall good / fair / poor"
                if tool.stars
                else f"cannot be derived: no domain is judged; give {tool.name}'s overall "
                f"judgement ({_listing(tool.overall_levels)})",
            )
            return None, problems
        overall = Judgement(
            key="overall",
            label="Overall",
            level=derived,
            grade_level=tool.to_grade[derived],
        )
    else:
        _compare_overall(tool, overall, domains, derived, f"{field_name}.overall", add)

    warnings = tuple(p.message for p in problems if p.severity == "warning")
    return (
        RiskOfBias(
            tool=tool.name,
            overall=overall,
            overall_derived=overall_derived,
            domains=tuple(domains),
            applicability=tuple(applicability),
            note=note,
            warnings=warnings,
        ),
        problems,
    )


def _domain_keys_text(tool: Tool) -> str:
    if tool.free_domains:
        return "domains are free names"
    if tool.stars:
        return "selection, comparability, outcome or exposure"
    keys = [d.key for d in tool.domains]
    if not all(re.fullmatch(r"D\d+", k) for k in keys):
        return _listing(keys)
    return f"{keys[0]}-{keys[-1]}"


def _levels_text(tool: Tool, levels: tuple[str, ...]) -> str:
    return f"{tool.name}'s levels are {_listing(levels)}"


def _check_tool(value: Mapping, field_name: str, add: Callable[..., None]) -> Tool | None:
    if "tool" not in value:
        add(
            f"{field_name}.tool",
            f"required field is missing; use one of {_listing(TOOL_NAMES)}",
        )
        return None
    raw = value["tool"]
    if not isinstance(raw, str):
        add(
            f"{field_name}.tool",
            f"must be one of {_listing(TOOL_NAMES)}, got {_type_name(raw)}",
        )
        return None
    tool = tool_named(raw)
    if tool is None:
        add(
            f"{field_name}.tool",
            f"unknown tool '{raw}'{_suggest(raw, TOOL_NAMES)} (tools: {_listing(TOOL_NAMES)})",
        )
    return tool


def _parse_judgement(
    raw: Any, fieldpath: str, add: Callable[..., None]
) -> tuple[Any, str | None, bool]:
    """(value, note, ok) from ``low`` or ``{judgement: low, note: ...}``."""
    if not isinstance(raw, Mapping):
        return raw, None, True
    ok = True
    for key in raw:
        if key not in _JUDGEMENT_FIELDS:
            add(f"{fieldpath}.{key}", f"unknown field{_suggest(str(key), _JUDGEMENT_FIELDS)}")
            ok = False
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        add(f"{fieldpath}.note", f"must be text, got {_type_name(note)}")
        ok = False
        note = None
    if "judgement" not in raw:
        add(f"{fieldpath}.judgement", "required field is missing (the level, e.g. low)")
        return None, note, False
    return raw["judgement"], note, ok


def _check_level(
    tool: Tool,
    raw: Any,
    levels: tuple[str, ...],
    fieldpath: str,
    add: Callable[..., None],
) -> str | None:
    if not isinstance(raw, str):
        add(fieldpath, f"expected one of {_listing(levels)}, got {_type_name(raw)}")
        return None
    key = normalize_level(raw)
    if key in levels:
        return key
    add(
        fieldpath,
        f"unknown level '{raw}'{_suggest(key, levels)} ({_levels_text(tool, levels)})",
    )
    return None


def _check_domains(
    tool: Tool,
    raw: Any,
    fieldpath: str,
    add: Callable[..., None],
    *,
    applicability: bool = False,
) -> list[Judgement]:
    wanted = tool.applicability if applicability else tool.domains
    levels = tool.applicability_levels if applicability else tool.levels
    if not isinstance(raw, Mapping):
        example = (
            "{selection: 3, comparability: 1, outcome: 2}"
            if tool.stars
            else "{D1: low, D2: some concerns}"
        )
        add(
            fieldpath,
            f"expected a mapping of domain to judgement such as {example}, got {_type_name(raw)}",
        )
        return []
    found: dict[str, Judgement] = {}
    spelled: dict[str, str] = {}
    suggested: set[str] = set()  # domains a misspelt key probably meant (no "missing" warning)
    keys = [d.key for d in wanted]
    for key, item in raw.items():
        where = f"{fieldpath}.{key if isinstance(key, str) and key.strip() else repr(key)}"
        if not isinstance(key, str) or not key.strip():
            add(where, "a domain name must be non-empty text")
            continue
        if tool.free_domains:
            canonical, label = key.strip(), key.strip()
        else:
            match = next((k for k in keys if k.lower() == key.strip().lower()), None)
            if match is None:
                part = "applicability domain" if applicability else "domain"
                close = difflib.get_close_matches(key.lower(), [k.lower() for k in keys], n=1)
                suggested.update(k for k in keys if close and k.lower() == close[0])
                add(
                    where,
                    f"unknown {part} '{key}' for {tool.name}{_suggest(key, keys)} "
                    f"({tool.name}'s {part}s are {_listing(keys)})",
                )
                continue
            canonical = match
            label = next(d.label for d in wanted if d.key == match)
        if canonical in found or canonical in spelled:
            add(where, f"{canonical} is given twice (as '{spelled[canonical]}' and '{key}')")
            continue
        spelled[canonical] = key
        value, note, ok = _parse_judgement(item, where, add)
        if not ok and value is None:
            continue
        level_field = f"{where}.judgement" if isinstance(item, Mapping) else where
        if tool.stars:
            stars = _count_stars(value)
            top = next(d.max_stars for d in wanted if d.key == canonical) or 0
            if stars is None:
                add(
                    level_field,
                    f"expected a number of stars 0-{top} (or a string of *), "
                    f"got {_type_name(value)}",
                )
                continue
            if not 0 <= stars <= top:
                add(level_field, f"{canonical} takes 0-{top} stars, got {stars}")
                continue
            level = nos_domain_rating(canonical, stars)
            if ok:
                found[canonical] = Judgement(
                    canonical, label, level, tool.to_grade[level], stars=stars, note=note
                )
            continue
        level = _check_level(tool, value, levels, level_field, add)
        if level is not None and ok:
            found[canonical] = Judgement(canonical, label, level, tool.to_grade[level], note=note)

    if tool.stars and "outcome" in spelled and "exposure" in spelled:
        add(
            f"{fieldpath}.exposure",
            "give outcome (cohort studies) or exposure (case-control studies), not both",
        )
    # Domains the tool has but the record leaves out: shown as "no information".
    if not tool.free_domains:
        missing = [d for d in wanted if d.key not in spelled]
        if tool.stars and ("outcome" in spelled or "exposure" in spelled):
            missing = [d for d in missing if d.key not in ("outcome", "exposure")]
        elif tool.stars:
            missing = [d for d in missing if d.key != "exposure"]
        for d in missing:
            if d.key in suggested:  # the misspelt key already has an error naming it
                continue
            add(
                f"{fieldpath}.{d.key}",
                f"no judgement for {d.key} ({d.label}); it is shown as 'no information'",
                "warning",
                at=fieldpath,  # a missing key has no line of its own: the mapping's
            )
    order = {k: i for i, k in enumerate(keys)}
    return sorted(found.values(), key=lambda j: order.get(j.key, len(order)))


def _check_overall(
    tool: Tool, raw: Any, fieldpath: str, add: Callable[..., None]
) -> Judgement | None:
    value, note, ok = _parse_judgement(raw, fieldpath, add)
    if value is None and not ok:
        return None
    level_field = f"{fieldpath}.judgement" if isinstance(raw, Mapping) else fieldpath
    level = _check_level(tool, value, tool.overall_levels, level_field, add)
    if level is None or not ok:
        return None
    return Judgement("overall", "Overall", level, tool.to_grade[level], note=note)


def _derive_overall(tool: Tool, domains: list[Judgement]) -> str | None:
    """The overall level the tool's own rule gives from ``domains`` (None if it cannot)."""
    if tool.stars:
        return nos_overall({d.key: d.stars for d in domains if d.stars is not None})
    ranked = [(tool.rank(d.level), d.level) for d in domains]
    worst = max((r for r in ranked if r[0] is not None), default=None)
    has_no_info = any(r[0] is None for r in ranked)
    if worst is None:
        return NO_INFORMATION if has_no_info and NO_INFORMATION in tool.levels else None
    # ROBINS-I: "no information" overall when nothing is serious or critical but
    # information is lacking in a domain.
    if has_no_info and NO_INFORMATION in tool.overall_levels and worst[0] < 2:
        return NO_INFORMATION
    return worst[1]


def _compare_overall(
    tool: Tool,
    overall: Judgement,
    domains: list[Judgement],
    derived: str | None,
    fieldpath: str,
    add: Callable[..., None],
) -> None:
    """Warn when the overall judgement is better than the tool's own rule allows."""
    if derived is None or not domains:
        return
    if tool.stars:
        if (tool.rank(overall.level) or 0) < (tool.rank(derived) or 0):
            stars = ", ".join(f"{d.key} {d.stars}" for d in domains)
            add(
                fieldpath,
                f"overall '{overall.level}' is better than the AHRQ conversion of the "
                f"stars ({stars}), which gives '{derived}'",
                "warning",
            )
        return
    mine = tool.rank(overall.level)
    ranked = [(tool.rank(d.level), d) for d in domains if tool.rank(d.level) is not None]
    if not ranked:
        return
    worst_rank, worst = max(ranked, key=lambda r: r[0])
    if mine is None:  # overall "no information" although a domain is serious/critical
        if worst_rank >= 2:
            add(
                fieldpath,
                f"overall '{overall.level}' although {worst.key} is '{worst.level}'; "
                f"{tool.name} rates the overall {tool.overall_rule}",
                "warning",
            )
        return
    if mine < worst_rank:
        add(
            fieldpath,
            f"overall '{overall.level}' is better than the worst domain "
            f"({worst.key}: {worst.level}); {tool.name} rates the overall "
            f"{tool.overall_rule}",
            "warning",
        )
