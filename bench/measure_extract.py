"""Measure ``synth extract``: recall and precision of drafted numbers against expected records.

Usage::

    python bench/measure_extract.py FOLDER [FOLDER ...]

Every ``X.txt`` in a folder that has an expected record ``X.yaml`` (or ``X.yml``) beside
it is run through the command line (``synth extract X.txt``, in-process through click's
test runner, so the same code path as a user's), and the printed draft is compared with
the expected record.

How facts are defined and matched
---------------------------------
A record is broken into atomic *facts*, each a (key, value):

* cohort size: ``("n",)`` for the study's ``n``; ``("arm n", ARM)`` for each arm's ``n``;
* per outcome entry, with OUTCOME = the canonical name through the synonyms table
  (``synthesis.normalize.Synonyms``) and ARM = the entry's ``arm`` (``all`` when absent):

  - response rates (binary entries): ``(OUTCOME, ARM, "total")`` for the denominator and
    ``(OUTCOME, ARM, "proportion")`` for the rate itself. A binary entry states one
    proportion, "as percent and/or events/total" (the issue's words), so its ``events``
    and ``percent`` are one fact, not two. Two proportions agree when every form both
    entries print agrees (equal ``events``, equal ``percent``) and, when one prints only
    ``events`` and the other only ``percent``, the percent is what the events give over
    the total (the expected entry's ``total``, else the drafted one) rounded at the
    percent's printed decimals (``22.2`` from 10/45: 10/45 = 22.22...% -> 22.2). Nothing
    else is loosened: the totals are compared as their own fact;
  - median survival (median entries): ``(OUTCOME, ARM, "median")`` in months
    (days / 30.4375, weeks x 7 / 30.4375, years x 12; ``NR`` is the token "NR"),
    and ``(OUTCOME, ARM, "median ci low" | "median ci high")`` likewise;
  - ratios with CIs: ``(OUTCOME, ARM, "hr" | "or" | "rr")``, ``(..., "ratio ci low" |
    "ratio ci high")`` and ``(..., "ci_level")`` (0.95 unless written) when a CI is given;
  - p-values: ``(OUTCOME, ARM, "p")``, a number or text such as "<0.001";

* other: ``("year",)``, ``("pmid",)``.

Arms are matched between the two records before comparing: the drafted arm with the
same id, else the one whose label shares the most words with the expected label, else
the one at the same position among the arms other than ``all``.

Numbers are equal when they agree to 1e-6 relative (the unit conversion is the same on
both sides, so equal printed values agree exactly). A key may hold several values (the
same outcome at two timepoints): the expected values of a key form a multiset and each
drafted value is matched to at most one unconsumed expected value. A placeholder
(``total: null``) is not a fact.

recall = expected facts found with the right value / expected facts;
precision = drafted facts that are right / drafted facts.
The script prints a table per folder and overall, then every wrong drafted fact and
every missed fact. It always exits 0: it is a measurement, not a test.

Figures
-------
The dev abstracts were written together with the extractor, so their figures are
optimistic; the seeds are the five real abstracts it was first developed on. Rounds 1-7
are 20-25 real published abstracts each, with expected records written by someone who had
not seen the extractor; each round was measured once unseen (its first run is kept as
``bench/roundN_first_run.txt`` from round 4 on), then used for development. The figures
of every round, first run and after, are in the README ("Drafting a record from an
abstract") and, per change, in ``bench/extract_log*.md``.
"""

from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synthesis.cli import main

from synthesis.records.normalize import MONTHS_PER, Synonyms, events_from_percent, printed_decimals
from synthesis.records.schema import UNIT_ALIASES

CATEGORIES = (
    "cohort size",
    "response rates",
    "median survival",
    "ratios with CIs",
    "p-values",
    "other",
)
SYNONYMS = Synonyms()


@dataclass(frozen=True)
class Fact:
    category: str
    key: tuple[str, ...]
    value: Any
    contrast: bool = False  # a fact of a ratio entry that names its contrast (see table())


def _months(value: Any, unit: str) -> Any:
    if isinstance(value, str) and value.strip().upper() == "NR":
        return "NR"
    if not isinstance(value, (int, float)):
        return value
    unit = UNIT_ALIASES.get(unit.lower(), unit.lower())
    return float(value) * MONTHS_PER.get(unit, math.nan)


def _p(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"\s+", "", value).replace("≤", "<=")
    return value


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def arm_map(expected: dict[str, Any], drafted: dict[str, Any]) -> dict[str, str]:
    """Drafted arm id -> expected arm id (see the module docstring)."""
    exp = [a for a in expected.get("arms") or [] if a.get("id") != "all"]
    got = [a for a in drafted.get("arms") or [] if a.get("id") != "all"]
    out: dict[str, str] = {"all": "all"}
    free = [a["id"] for a in exp]
    for i, arm in enumerate(got):
        if arm["id"] in free:
            out[arm["id"]] = arm["id"]
            free.remove(arm["id"])
            continue
        label = _words(str(arm.get("label", arm["id"])))
        best = max(
            (e for e in exp if e["id"] in free),
            key=lambda e: len(label & _words(str(e.get("label", e["id"])))),
            default=None,
        )
        if best is not None and label & _words(str(best.get("label", best["id"]))):
            out[arm["id"]] = best["id"]
            free.remove(best["id"])
        elif i < len(exp) and exp[i]["id"] in free:
            out[arm["id"]] = exp[i]["id"]
            free.remove(exp[i]["id"])
        else:
            out[arm["id"]] = f"?{arm['id']}"
    return out


def facts(record: dict[str, Any], arms: dict[str, str] | None = None) -> list[Fact]:
    """The atomic facts of one record (arm ids translated through *arms*)."""
    arms = arms or {}
    out: list[Fact] = []
    if isinstance(record.get("n"), int):
        out.append(Fact("cohort size", ("n",), record["n"]))
    for arm in record.get("arms") or []:
        if isinstance(arm.get("n"), int) and arm.get("id") != "all":
            out.append(Fact("cohort size", ("arm n", arms.get(arm["id"], arm["id"])), arm["n"]))
    for key in ("year", "pmid"):
        if record.get(key) is not None:
            out.append(Fact("other", (key,), str(record[key])))
    for entry in record.get("outcomes") or []:
        name = SYNONYMS.canonical(str(entry.get("name", "")))
        arm = entry.get("arm") or "all"
        arm = arms.get(arm, arm)

        has_contrast = entry.get("contrast") is not None

        def add(
            category: str,
            field: str,
            value: Any,
            *,
            name: str = name,
            arm: str = arm,
            contrast: bool = has_contrast,
        ) -> None:
            if value is not None:
                out.append(Fact(category, (name, arm, field), value, contrast))

        add("response rates", "total", entry.get("total"))
        if entry.get("events") is not None or entry.get("percent") is not None:
            add(
                "response rates",
                "proportion",
                Proportion(entry.get("events"), entry.get("percent"), entry.get("total")),
            )
        if "median" in entry:
            unit = str(entry.get("unit", "months"))
            add("median survival", "median", _months(entry["median"], unit))
            ci = entry.get("ci")
            if isinstance(ci, list) and len(ci) == 2:
                add("median survival", "median ci low", _months(ci[0], unit))
                add("median survival", "median ci high", _months(ci[1], unit))
        for kind in ("hr", "or", "rr"):
            if kind in entry:
                add("ratios with CIs", kind, entry[kind])
                ci = entry.get("ci")
                if isinstance(ci, list) and len(ci) == 2:
                    add("ratios with CIs", "ratio ci low", ci[0])
                    add("ratios with CIs", "ratio ci high", ci[1])
                    add("ratios with CIs", "ci_level", entry.get("ci_level", 0.95))
        add("p-values", "p", _p(entry.get("p")))
    return out


@dataclass(frozen=True)
class Proportion:
    """A binary entry's rate: its events and/or percent (and the total to convert with)."""

    events: Any
    percent: Any
    total: Any

    def __repr__(self) -> str:
        parts = []
        if self.events is not None:
            parts.append(f"{self.events}/{self.total if self.total is not None else '?'}")
        if self.percent is not None:
            parts.append(f"{self.percent}%")
        return " ".join(parts)


def _percent_of(events: Any, total: Any, percent: Any) -> bool:
    """Whether the printed *percent* is events/total rounded at its printed decimals."""
    if not all(isinstance(x, (int, float)) for x in (events, total, percent)) or total <= 0:
        return False
    # the decimals as printed: 76 (an int in YAML) has none, 22.2 has one
    decimals = printed_decimals(
        None if isinstance(percent, float) else str(percent), float(percent)
    )
    return events in events_from_percent(float(percent), int(total), decimals)


def same_proportion(expected: Proportion, drafted: Proportion) -> bool:
    """See the module docstring: every form both print agrees, or one converts to the other."""
    compared = False
    if expected.events is not None and drafted.events is not None:
        if not same(expected.events, drafted.events):
            return False
        compared = True
    if expected.percent is not None and drafted.percent is not None:
        if not same(expected.percent, drafted.percent):
            return False
        compared = True
    if compared:
        return True
    total = expected.total if expected.total is not None else drafted.total
    if expected.events is not None and drafted.percent is not None:
        return _percent_of(expected.events, total, drafted.percent)
    if drafted.events is not None and expected.percent is not None:
        return _percent_of(drafted.events, total, expected.percent)
    return False


def same(a: Any, b: Any) -> bool:
    if isinstance(a, Proportion) and isinstance(b, Proportion):
        return same_proportion(a, b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-12)
    return str(a) == str(b)


@dataclass(frozen=True)
class Outcome:
    file: str
    right: list[Fact]  # drafted and right
    wrong: list[tuple[Fact, list[Any]]]  # drafted, with the expected values of its key
    missed: list[tuple[Fact, list[Any]]]  # expected, with the drafted values of its key
    expected: list[Fact]
    drafted: list[Fact]
    error: str | None = None


def compare(file: str, expected: dict[str, Any], drafted: dict[str, Any]) -> Outcome:
    exp = facts(expected)
    got = facts(drafted, arm_map(expected, drafted))
    pool: dict[tuple[str, ...], list[Fact]] = defaultdict(list)
    for f in exp:
        pool[f.key].append(f)
    right: list[Fact] = []
    wrong: list[tuple[Fact, list[Any]]] = []
    matched: set[int] = set()
    for f in got:
        hit = next(
            (e for e in pool[f.key] if id(e) not in matched and same(e.value, f.value)), None
        )
        if hit is None:
            wrong.append((f, [e.value for e in pool[f.key]]))
        else:
            matched.add(id(hit))
            right.append(f)
    by_key: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for f in got:
        by_key[f.key].append(f.value)
    missed = [(e, by_key[e.key]) for e in exp if id(e) not in matched]
    return Outcome(file, right, wrong, missed, exp, got)


def run_one(txt: Path) -> tuple[dict[str, Any] | None, str | None]:
    result = CliRunner().invoke(main, ["extract", str(txt)])
    if result.exit_code != 0:
        return None, (result.output or str(result.exception)).strip()
    try:
        return yaml.safe_load(result.stdout), None
    except yaml.YAMLError as exc:  # a draft that is not YAML is a bug worth seeing
        return None, f"draft is not valid YAML: {exc}"


def measure_folder(folder: Path) -> list[Outcome]:
    out: list[Outcome] = []
    for txt in sorted(folder.glob("*.txt")):
        expected_path = next(
            (p for p in (txt.with_suffix(".yaml"), txt.with_suffix(".yml")) if p.is_file()), None
        )
        if expected_path is None:
            continue
        expected = yaml.safe_load(expected_path.read_text(encoding="utf-8")) or {}
        drafted, error = run_one(txt)
        if drafted is None:
            exp = facts(expected)
            out.append(Outcome(str(txt), [], [], [(f, []) for f in exp], exp, [], error))
            continue
        out.append(compare(str(txt), expected, drafted))
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def table(title: str, outcomes: list[Outcome]) -> str:
    rows = [
        f"{title}: {len(outcomes)} abstract(s)",
        f"  {'category':<16} {'expected':>8} {'found':>6} {'drafted':>8} {'right':>6} "
        f"{'recall':>7} {'precision':>9}",
    ]
    totals = [0, 0, 0, 0]
    for cat in CATEGORIES:
        e = sum(1 for o in outcomes for f in o.expected if f.category == cat)
        d = sum(1 for o in outcomes for f in o.drafted if f.category == cat)
        r = sum(1 for o in outcomes for f in o.right if f.category == cat)
        totals = [totals[0] + e, totals[1] + r, totals[2] + d, totals[3] + r]
        rows.append(f"  {cat:<16} {e:>8} {r:>6} {d:>8} {r:>6} {_ratio(r, e):>7} {_ratio(r, d):>9}")
    e, f, d, r = totals
    rows.append(f"  {'all':<16} {e:>8} {f:>6} {d:>8} {r:>6} {_ratio(f, e):>7} {_ratio(r, d):>9}")
    # Round 2's expected records leave out ratios between groups that a baseline factor
    # defines (its rule 8); round 3 replaced that rule (such a ratio is recordable with its
    # contrast). A drafted ratio that names its contrast and that such a record lacks is
    # counted wrong above; here it is also shown apart.
    apart = sum(1 for o in outcomes for fact, exp in o.wrong if fact.contrast and not exp)
    if apart:
        rows.append(
            f"  ({apart} of the {d - r} wrong are facts of ratios drafted with their contrast "
            f"that the expected record leaves out; without them precision is "
            f"{_ratio(r, d - apart)})"
        )
    return "\n".join(rows)


def details(outcomes: list[Outcome]) -> list[str]:
    lines: list[str] = []
    for o in outcomes:
        if o.error:
            lines.append(f"  {o.file}: ERROR {o.error}")
        for fact, expected in o.wrong:
            lines.append(
                f"  WRONG  {o.file}: {fact.key} drafted {fact.value!r}, expected "
                f"{expected if expected else 'nothing'}"
            )
        for fact, got in o.missed:
            lines.append(
                f"  MISSED {o.file}: {fact.key} expected {fact.value!r}, drafted "
                f"{got if got else 'nothing'}"
            )
    return lines


def main_(argv: list[str]) -> int:
    if not argv:
        print(__doc__.split("\n\n")[1])
        return 0
    everything: list[Outcome] = []
    for name in argv:
        folder = Path(name)
        if not folder.is_dir():
            print(f"{folder}: not a folder; skipped")
            continue
        outcomes = measure_folder(folder)
        everything.extend(outcomes)
        print(table(str(folder), outcomes))
        print()
    if len(argv) > 1:
        print(table("overall", everything))
        print()
    lines = details(everything)
    print("Wrong and missed facts:" if lines else "No wrong or missed facts.")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main_(sys.argv[1:]))
