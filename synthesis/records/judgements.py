"""The reviewer's GRADE judgements in ``synth.yaml`` (``grade:``), checked.

The records layer reads ``synth.yaml`` (:func:`synthesis.records.review.read_config`),
so the check of its ``grade:`` section lives here, below the analyses:
:mod:`synthesis.analyses.grade` applies the judgements (and re-exports every name
defined here).  Every problem is collected with its line; a judgement without its
reason is an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthesis.errors import Problem
from synthesis.errors import suggest as _suggest
from synthesis.errors import type_name as _type_name

DOMAINS: tuple[str, ...] = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
)
UPGRADES: tuple[str, ...] = ("large_effect", "dose_response", "confounding")


@dataclass(frozen=True)
class DomainRating:
    """One GRADE domain: levels rated down (0, 1, 2), why, and who said so."""

    downgrade: int
    reason: str
    by: str = "synth"  # "synth" | "reviewer"
    assessed: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "downgrade": self.downgrade,
            "reason": self.reason,
            "by": self.by,
            "assessed": self.assessed,
        }


@dataclass(frozen=True)
class UpgradeRating:
    """One reason for rating up: levels (0, 1, 2), why, and who said so."""

    upgrade: int
    reason: str
    by: str = "synth"
    assessed: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "upgrade": self.upgrade,
            "reason": self.reason,
            "by": self.by,
            "assessed": self.assessed,
        }


@dataclass(frozen=True)
class ReviewerJudgements:
    """The checked ``grade.<outcome>`` mapping of ``synth.yaml``."""

    domains: Mapping[str, DomainRating] = field(default_factory=dict)
    upgrades: Mapping[str, UpgradeRating] = field(default_factory=dict)
    control_risk: float | None = None
    threshold: tuple[float, ...] | None = None
    start: tuple[str, str] | None = None  # (level, reason)
    measure: str | None = None  # the measure to pool the outcome with (synth grade)


REVIEWER_FIELDS: tuple[str, ...] = (
    *DOMAINS,
    *UPGRADES,
    "control_risk",
    "threshold",
    "start",
    "measure",
)
MISSING_REASON = "required field is missing: every reviewer judgement needs its reason"


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))


def check_reviewer(
    *,
    value: Any,
    line_of: Callable[[str], int | None],
    path: str | Path,
    field_name: str = "grade",
) -> tuple[ReviewerJudgements | None, list[Problem]]:
    """Check one outcome's reviewer judgements (``grade.ORR`` in ``synth.yaml``).

    Every problem is collected; a judgement without its reason is an error.
    ``field_name`` is the path of ``value`` (``grade.ORR``); ``line_of`` gives the
    line of a field path, ``path`` is the file as shown.
    """
    shown = str(path)
    problems: list[Problem] = []

    def add(fieldpath: str, message: str, at: str | None = None) -> None:
        line = line_of(at if at is not None else fieldpath)  # a missing key: its parent's
        problems.append(Problem(shown, line, fieldpath, message))

    if not isinstance(value, Mapping):
        add(
            field_name,
            "expected a mapping of GRADE judgements such as "
            f'indirectness: {{downgrade: 1, reason: "..."}}, got {_type_name(value)}',
        )
        return None, problems

    domains: dict[str, DomainRating] = {}
    upgrades: dict[str, UpgradeRating] = {}
    control_risk: float | None = None
    threshold: tuple[float, ...] | None = None
    start: tuple[str, str] | None = None
    measure: str | None = None

    for key, item in value.items():
        where = f"{field_name}.{key}"
        if key not in REVIEWER_FIELDS:
            add(
                where,
                f"unknown field{_suggest(str(key), REVIEWER_FIELDS)} "
                f"(GRADE fields: {', '.join(REVIEWER_FIELDS)})",
            )
            continue
        if key in DOMAINS or key in UPGRADES:
            word = "downgrade" if key in DOMAINS else "upgrade"
            levels = _check_entry(item, where, word, add)
            if levels is not None:
                if key in DOMAINS:
                    domains[key] = DomainRating(levels[0], levels[1], "reviewer")
                else:
                    upgrades[key] = UpgradeRating(levels[0], levels[1], "reviewer")
        elif key == "control_risk":
            if not _is_number(item):
                add(where, f"must be a risk between 0 and 1 (e.g. 0.3), got {_type_name(item)}")
            elif not 0 < float(item) < 1:
                hint = f"; did you mean {float(item) / 100:g}?" if 1 < float(item) < 100 else ""
                add(where, f"must be a risk between 0 and 1 (exclusive), got {item:g}{hint}")
            else:
                control_risk = float(item)
        elif key == "threshold":
            items = item if isinstance(item, (list, tuple)) else [item]
            if not items or not all(_is_number(t) for t in items):
                add(
                    where,
                    "must be a number or a list of numbers on the reporting scale "
                    f"(e.g. 1.25 or [0.8, 1.25]), got {_type_name(item)}",
                )
            else:
                threshold = tuple(float(t) for t in items)
        elif key == "measure":
            from synthesis.measures import MEASURE_CODES

            code = item.upper() if isinstance(item, str) else None
            if code not in MEASURE_CODES:
                add(
                    where,
                    f"must be a measure code ({', '.join(MEASURE_CODES)}), got "
                    f"{_type_name(item)}{_suggest(str(item).upper(), MEASURE_CODES)}",
                )
            else:
                measure = code
        else:  # start
            start = _check_start(item, where, add)

    if problems:
        return None, problems
    return (
        ReviewerJudgements(domains, upgrades, control_risk, threshold, start, measure),
        problems,
    )


def _check_entry(
    item: Any, where: str, word: str, add: Callable[..., None]
) -> tuple[int, str] | None:
    example = f'{{{word}: 1, reason: "..."}}'
    if not isinstance(item, Mapping):
        add(
            where,
            f"expected {example}, got {_type_name(item)}; every judgement needs its reason",
        )
        return None
    ok = True
    for key in item:
        if key not in (word, "reason"):
            add(f"{where}.{key}", f"unknown field{_suggest(str(key), (word, 'reason'))}")
            ok = False
    levels = item.get(word)
    if word not in item:
        add(
            f"{where}.{word}",
            f"required field is missing (0, 1 or 2 levels); e.g. {example}",
            at=where,
        )
        ok = False
    elif isinstance(levels, bool) or not (
        _is_number(levels) and float(levels).is_integer() and 0 <= levels <= 2
    ):
        add(f"{where}.{word}", f"must be 0, 1 or 2 levels, got {_type_name(levels)}")
        ok = False
    reason = item.get("reason")
    if "reason" not in item:
        add(f"{where}.reason", MISSING_REASON, at=where)
        ok = False
    elif not isinstance(reason, str) or not reason.strip():
        add(
            f"{where}.reason",
            f"must be non-empty text saying why, got {_type_name(reason)}",
        )
        ok = False
    if not ok:
        return None
    return int(levels), reason.strip()


def _check_start(item: Any, where: str, add: Callable[..., None]) -> tuple[str, str] | None:
    if not isinstance(item, Mapping):
        add(where, f'expected {{level: high|low, reason: "..."}}, got {_type_name(item)}')
        return None
    ok = True
    for key in item:
        if key not in ("level", "reason"):
            add(f"{where}.{key}", f"unknown field{_suggest(str(key), ('level', 'reason'))}")
            ok = False
    level = item.get("level")
    if level not in ("high", "low"):
        add(f"{where}.level", f"must be high or low, got {_type_name(level)}", at=where)
        ok = False
    reason = item.get("reason")
    if "reason" not in item:
        add(f"{where}.reason", MISSING_REASON, at=where)
        ok = False
    elif not isinstance(reason, str) or not reason.strip():
        add(f"{where}.reason", f"must be non-empty text saying why, got {_type_name(reason)}")
        ok = False
    return (level, reason.strip()) if ok else None


def check_grade_config(
    *, value: Any, line_of: Callable[[str], int | None], path: str | Path
) -> tuple[dict[str, ReviewerJudgements] | None, list[Problem]]:
    """Check the whole ``grade:`` mapping of ``synth.yaml`` (outcome -> judgements)."""
    if not isinstance(value, Mapping):
        problem = Problem(
            str(path),
            line_of("grade"),
            "grade",
            f"expected a mapping of outcome name to GRADE judgements, got {_type_name(value)}",
        )
        return None, [problem]
    out: dict[str, ReviewerJudgements] = {}
    problems: list[Problem] = []
    for outcome, item in value.items():
        checked, found = check_reviewer(
            value=item, line_of=line_of, path=path, field_name=f"grade.{outcome}"
        )
        problems.extend(found)
        if checked is not None:
            out[str(outcome)] = checked
    return (None if problems else out), problems
