"""A review: the studies directory found, every record read, checked and normalized.

:func:`load_review` reads a whole studies directory, collects every problem in every
file, and either raises :class:`~synthesis.errors.RecordError` or returns a
:class:`Review`. ``synth.yaml`` (the review's settings) is read here too.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from synthesis.errors import Problem, RecordError, SynthError
from synthesis.records.normalize import SYNONYMS, Entry, Synonyms, normalize_study
from synthesis.records.schema import (
    ID_PATTERN,
    Study,
    parse_study,
    suggest,
    type_name,
    unique_labels,
)
from synthesis.records.yamlio import LineDict, discover, read_yaml


@dataclass(frozen=True)
class Review:
    """A loaded, checked, normalized review."""

    root: Path
    studies: tuple[Study, ...]
    entries: tuple[Entry, ...]
    warnings: tuple[Problem, ...]
    synonyms: Synonyms
    # warnings about no single entry (a study, the folder); the rest travel with entries
    general_warnings: tuple[Problem, ...] = ()
    # what the folder walk skipped on purpose: (kind, path), e.g. ("hidden folder", ".git")
    skipped: tuple[tuple[str, str], ...] = ()
    # the synth.yaml the review was loaded with (read once, by load_review): its ``grade``
    # is the reviewer's GRADE judgements that synth grade, table and report apply
    config: Config | None = field(default=None, repr=False, compare=False)
    _by_id: dict[str, Study] = field(init=False, repr=False, compare=False)

    def frame(self):  # -> pandas.DataFrame
        """The tidy table of entries (one row per outcome entry; tags as ``tag:NAME`` columns)."""
        import pandas as pd

        return pd.DataFrame([e.as_row() for e in self.entries])

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {s.id: s for s in self.studies})

    def study(self, study_id: str) -> Study:
        """The study with this id (a dictionary look-up: O(1), not a scan)."""
        return self._by_id[study_id]

    def outcomes(self) -> list[str]:
        return sorted({e.outcome for e in self.entries})

    def no_outcome(self, name: str, prefix: str = "") -> SynthError:
        """The error for an outcome name that no study reports (``prefix``: the option
        that named it): what the name was read as, the closest outcome of the review
        (by its name or a synonym) and the outcomes there are."""
        wanted = self.synonyms.canonical(name)
        existing = self.outcomes()
        read_as = f" (read as {wanted})" if wanted != name else ""
        hint = self.synonyms.closest(name, existing)
        listing = ", ".join(existing) or "none"
        return SynthError(
            f"{prefix}no study reports outcome '{name}'{read_as}"
            + (
                f"{hint} (outcomes in this review: {listing})"
                if hint
                else f"; outcomes in this review: {listing}"
            )
        )


# ---------------------------------------------------------------------------
# Configuration (synth.yaml)


@dataclass(frozen=True)
class Config:
    studies: Path | None
    synonyms: dict[str, tuple[str, ...]]
    file: Path | None
    warnings: tuple[Problem, ...] = ()
    # the reviewer's GRADE judgements by outcome (synthesis.analyses.grade.ReviewerJudgements)
    grade: dict[str, Any] = field(default_factory=dict)
    # where ``studies:`` is written: (the file as shown, its line, the folder as written)
    studies_at: tuple[str, int, str] | None = None


def read_config(root: Path) -> Config:
    """Read ``synth.yaml`` in *root* if present (keys: ``studies``, ``synonyms``, ``grade``)."""
    path = root / "synth.yaml"
    if not path.is_file():
        return Config(studies=None, synonyms={}, file=None)
    shown = _shown(path)  # as records are shown: relative to the working folder
    problems: list[Problem] = []
    warnings: list[Problem] = []
    doc = read_yaml(path, shown, problems, empty_ok=True)
    if doc is None and not problems:
        doc = LineDict()
        doc.line, doc.lines, doc.raw = 1, {}, {}
    if isinstance(doc, LineDict):
        for key in doc:
            if key not in ("studies", "synonyms", "grade"):
                problems.append(
                    Problem(
                        shown,
                        doc.lines[key],
                        key,
                        f"unknown setting{suggest(key, ('studies', 'synonyms', 'grade'))}",
                    )
                )
        studies = doc.get("studies")
        if studies is not None and not isinstance(studies, str):
            problems.append(Problem(shown, doc.lines["studies"], "studies", "must be a path"))
        synonyms: dict[str, tuple[str, ...]] = {}
        raw = doc.get("synonyms") or {}
        if not isinstance(raw, dict):
            problems.append(
                Problem(shown, doc.lines["synonyms"], "synonyms", "must map NAME: [synonym, ...]")
            )
        else:
            for canon, names in raw.items():
                if isinstance(names, str):
                    names = [names]
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    problems.append(
                        Problem(
                            shown,
                            raw.lines.get(canon, doc.line),
                            f"synonyms.{canon}",
                            "must be a list of names",
                        )
                    )
                    continue
                synonyms[str(canon)] = tuple(names)
                warnings.extend(_remapped_builtins(shown, raw, str(canon), names))
    elif doc is not None:
        problems.append(Problem(shown, 1, "file", f"expected a mapping, got {type_name(doc)}"))
    grade: dict[str, Any] = {}
    if isinstance(doc, LineDict) and doc.get("grade") is not None:  # reviewer's GRADE judgements
        from synthesis.records.judgements import check_grade_config
        from synthesis.records.rob import line_finder

        checked, found = check_grade_config(
            value=doc["grade"], line_of=line_finder(doc), path=shown
        )
        problems.extend(found)
        grade = checked or {}
    if problems:
        raise RecordError(problems)
    given = doc.get("studies") if isinstance(doc, dict) else None
    return Config(
        studies=(root / given) if given else None,
        synonyms=synonyms,
        file=path,
        warnings=tuple(warnings),
        grade=grade,
        studies_at=(shown, doc.lines["studies"], given) if given else None,
    )


def _remapped_builtins(file: str, raw: LineDict, canon: str, names: list[str]) -> list[Problem]:
    """Warnings for synonyms that take a built-in outcome name away from its outcome."""
    builtin = Synonyms()
    out = []
    for name in names:
        current = builtin.canonical(name)
        if current != canon and (current in SYNONYMS or name.strip() != current):
            out.append(
                Problem(
                    file,
                    raw.lines.get(canon, raw.line),
                    f"synonyms.{canon}",
                    f"'{name}' is the built-in outcome {current}; mapping it to {canon} merges "
                    f"two different outcomes - remove '{name}' from the list unless you mean it",
                    "warning",
                )
            )
    return out


def bundled_studies() -> Path:
    """The example review shipped with the package (studies/, installed as synthesis.studies)."""
    from importlib.resources import files

    return Path(str(files("synthesis.studies")))


def resolve_studies_dir(
    studies: str | Path | None, *, root: Path | None = None, config: Config | None = None
) -> Path:
    """--studies, else ``studies:`` in synth.yaml, else ``./studies``, else the bundled review.

    ``config``: synth.yaml of ``root`` when the caller has read it already (else read here).
    """
    root = Path.cwd() if root is None else root
    if studies is not None:
        path = Path(studies)
        if not path.is_dir():
            if path.exists():
                raise SynthError(
                    f"{path}: is a file, not a folder; --studies takes the folder of the "
                    "study records"
                )
            raise SynthError(f"{path}: studies directory not found")
        return path
    if config is None:
        config = read_config(root)
    if config.studies is not None:
        if not config.studies.is_dir():
            file, line, given = config.studies_at or (str(config.file), None, str(config.studies))
            problem = (
                f"{given} is a file, not a folder"
                if config.studies.exists()
                else f"directory {given} not found"
            )
            raise RecordError(
                [
                    Problem(
                        file,
                        line,
                        "studies",
                        f"{problem}; give the folder of the study records, relative to the "
                        "folder of synth.yaml",
                    )
                ]
            )
        return config.studies
    here = root / "studies"
    if here.is_dir():
        return here
    bundled = bundled_studies()
    if bundled.is_dir():
        return bundled
    raise SynthError("no studies/ directory here; pass --studies DIR")


# ---------------------------------------------------------------------------
# Loading a review


def load_review(
    studies: str | Path | None = None,
    *,
    root: str | Path | None = None,
    check_sources: bool = False,
) -> Review:
    """Read, check and normalize every record under the studies directory.

    Raises :class:`RecordError` carrying every problem (errors and warnings)
    if any record has an error; otherwise the returned review carries the warnings and
    the settings of ``synth.yaml`` in ``root`` (default: the working folder) as
    :attr:`Review.config`, read once: callers take the reviewer's GRADE judgements from
    ``review.config.grade`` rather than reading the file again.
    With *check_sources* (``synth validate``), the quotes of every record that names a
    ``source_text`` are checked against that text (:mod:`synthesis.records.provenance`);
    without it no source text is read.
    """
    # Reading a review allocates many small containers and frees none of them:
    # the cyclic garbage collector would only re-scan them (about 10% of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_review(studies, root, check_sources)
    finally:
        if collecting:
            gc.enable()


def _load_review(
    studies: str | Path | None, root: str | Path | None, check_sources: bool = False
) -> Review:
    root_path = Path.cwd() if root is None else Path(root)
    config = read_config(root_path)  # the one read of synth.yaml
    studies_dir = resolve_studies_dir(studies, root=root_path, config=config)
    synonyms = Synonyms(config.synonyms)
    problems: list[Problem] = list(config.warnings)
    if (
        studies is None
        and studies_dir == bundled_studies()
        and not (root_path / "studies").is_dir()
    ):
        problems.append(
            Problem(
                str(studies_dir),
                None,
                "studies",
                "no studies/ folder here; using the bundled example review (pass --studies DIR)",
                "warning",
            )
        )
    parsed: list[tuple[Study, bool]] = []  # (study, sound?)
    first: dict[str, tuple[str, int]] = {}  # id -> (file, line) where first seen
    base = Path(_shown(studies_dir))
    files = discover(studies_dir, problems, shown=base)
    texts: dict[Path, tuple[str | None, str | None]] = {}  # source texts read, by path
    for path in files:
        shown = str(base / path.relative_to(studies_dir))
        doc = read_yaml(path, shown, problems)
        if doc is None:
            continue
        start = len(problems)
        # partial: a record with errors is still checked entry by entry, so that
        # one run reports every problem; only sound records make the review.
        study = parse_study(doc, shown, problems, partial=True)
        sound = not _has_error(problems, start)
        # Duplicate ids across files (even in records with other errors): name both places.
        study_id = doc.get("id") if isinstance(doc, LineDict) else None
        if isinstance(study_id, str) and ID_PATTERN.match(study_id):
            line = doc.lines.get("id", doc.line)
            if study_id in first:
                other_file, other_line = first[study_id]
                problems.append(
                    Problem(
                        shown,
                        line,
                        "id",
                        f"duplicate id '{study_id}' (also in {other_file}:{other_line})",
                    )
                )
                sound = False
            else:
                first[study_id] = (shown, line)
        if study is not None:
            parsed.append((study, sound))
            if check_sources and isinstance(study.meta.get("source_text"), str):
                problems.extend(_check_source(study, path, texts))
    # labels unique in the review ('Smith 2020a', 'Smith 2020b'), the same in every output
    labels = unique_labels([study for study, _ in parsed])
    parsed = [
        (replace(study, review_label=label), sound)
        for (study, sound), label in zip(parsed, labels, strict=True)
    ]
    entries: list[Entry] = []
    unique: list[Study] = []
    for study, sound in parsed:
        start = len(problems)
        study_entries = normalize_study(study, synonyms, problems)
        if sound and not _has_error(problems, start):
            entries.extend(study_entries)
            unique.append(study)
    if not files:
        problems.append(
            Problem(str(studies_dir), None, "studies", "no *.yaml or *.yml study records found")
        )
    if any(p.severity == "error" for p in problems):
        raise RecordError(sorted(problems, key=_problem_order))
    warnings = tuple(sorted(problems, key=_problem_order))
    entries, general = _attach_warnings(entries, warnings)
    return Review(
        root=studies_dir,
        studies=tuple(unique),
        entries=tuple(entries),
        warnings=warnings,
        synonyms=synonyms,
        general_warnings=general,
        skipped=getattr(files, "skipped", ()),
        config=config,
    )


def _check_source(
    study: Study, path: Path, texts: dict[Path, tuple[str | None, str | None]]
) -> list[Problem]:
    """The provenance problems of one record that names its source text."""
    from synthesis.records.provenance import check_source

    written = study.meta["source_text"]
    return check_source(
        record=path,
        shown=study.file,
        written=written,
        line=study.lines.get("source_text", study.line),
        entries=[(e.index, e.values, e.lines, e.line) for e in study.outcomes],
        cache=texts,
    )


_ENTRY_FIELD = re.compile(r"outcomes\[(\d+)\]")


def _attach_warnings(
    entries: list[Entry], warnings: tuple[Problem, ...]
) -> tuple[list[Entry], tuple[Problem, ...]]:
    """Give each entry the warnings about it; return the rest (about studies, the review).

    A warning belongs to the entry whose ``outcomes[i]`` its field names, so it is shown
    with the results that use that entry and nowhere else (one dictionary pass).
    """
    index = {(e.file, e.index): i for i, e in enumerate(entries)}
    attached: dict[int, list[str]] = {}
    general: list[Problem] = []
    for w in warnings:
        match = _ENTRY_FIELD.match(w.field)
        at = index.get((w.file, int(match.group(1)))) if match else None
        if at is None:
            general.append(w)
        else:
            attached.setdefault(at, []).append(str(w))
    out = [
        replace(e, warnings=tuple(attached[i])) if i in attached else e
        for i, e in enumerate(entries)
    ]
    return out, tuple(general)


def _has_error(problems: list[Problem], start: int) -> bool:
    return any(p.severity == "error" for p in problems[start:])


def _problem_order(p: Problem) -> tuple[str, int, str]:
    return (p.file, p.line or 0, p.field)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
