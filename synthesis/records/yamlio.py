"""Line-aware, bounded YAML reading: one file -> plain data that knows its lines.

Loading is ``yaml.safe_load``-safe (libyaml's C parser when available) and remembers
the line of every field, so that every problem can be reported as
``FILE:LINE: FIELD: message``. Problems are appended to a list, never raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from synthesis.errors import Problem

try:  # libyaml's C parser: ~10x faster on large reviews
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML build
    _BaseLoader = yaml.SafeLoader

# ---------------------------------------------------------------------------
# YAML with line numbers


class LineDict(dict):
    """A mapping that knows the line of itself, of each key and the raw text of scalars."""

    line: int = 0
    lines: dict[str, int]
    raw: dict[str, str]


class LineList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    lines: list[int]


# Implicit tag of a plain scalar ("12" -> int, "NR" -> str), by its text.  The safe
# resolver's answer depends on the text alone, and the same short texts recur in
# every record, so remembering it saves most of the resolver's (pure-Python) time.
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 100_000


class _LineLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that records line numbers and duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        if self.yaml_path_resolvers:  # pragma: no cover - the safe loader has none
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        if self.yaml_path_resolvers:  # pragma: no cover
            super().ascend_resolver()

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= 40 and len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    return _build(loader, node, {})


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    return _build(loader, node, {})


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MISSING = object()
# Constructed plain scalars by (tag, text): immutable values, shared safely.
_SCALARS: dict[tuple[str, str], Any] = {}


def _build(loader: _LineLoader, node: yaml.Node, memo: dict[int, Any]) -> Any:
    """The document of *node*: what ``construct_document`` gives, about twice as fast.

    Plain mappings and sequences are built here directly; scalars are converted
    once per distinct (tag, text); anything else (sets, timestamps, an unknown
    or Python tag, which raises) goes through the safe constructor as usual.
    """
    cls = node.__class__
    if cls is yaml.ScalarNode:
        key = (node.tag, node.value)
        value = _SCALARS.get(key, _MISSING)
        if value is _MISSING:
            value = _construct(loader, node)
            immutable = value is None or type(value) in (str, int, float, bool)
            if immutable and len(node.value) <= 40 and len(_SCALARS) < _PLAIN_TAGS_MAX:
                _SCALARS[key] = value
        return value
    done = memo.get(id(node), _MISSING)  # an alias: the same node again
    if done is not _MISSING:
        return done
    if cls is yaml.MappingNode and node.tag == _MAP_TAG:
        # Merge keys (<<: *base) put the merged pairs first; a key written here may
        # override one of them, but not another key written here.
        explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        loader.flatten_mapping(node)
        first_explicit = len(node.value) - explicit
        written: set[str] = set()
        out = LineDict()
        memo[id(node)] = out
        out.line = node.start_mark.line + 1
        lines: dict[str, int] = {}
        raw: dict[str, str] = {}
        out.lines = lines
        out.raw = raw
        scalars = _SCALARS
        for i, (key_node, value_node) in enumerate(node.value):
            if key_node.__class__ is yaml.ScalarNode:
                key = scalars.get((key_node.tag, key_node.value), _MISSING)
                if key is _MISSING:
                    key = _build(loader, key_node, memo)
            else:  # a list or mapping as a key: allowed by YAML, never a field name
                key = _build(loader, key_node, memo)
            if not isinstance(key, str):
                key = str(key)
            if i >= first_explicit:
                if key in written:
                    loader.duplicates.append((key, key_node.start_mark.line + 1))
                written.add(key)
            lines[key] = key_node.start_mark.line + 1
            if value_node.__class__ is yaml.ScalarNode:
                raw[key] = value_node.value
                value = scalars.get((value_node.tag, value_node.value), _MISSING)
                out[key] = value if value is not _MISSING else _build(loader, value_node, memo)
            else:
                out[key] = _build(loader, value_node, memo)
        return out
    if cls is yaml.SequenceNode and node.tag == _SEQ_TAG:
        seq = LineList()
        memo[id(node)] = seq
        seq.line = node.start_mark.line + 1
        seq.lines = [child.start_mark.line + 1 for child in node.value]
        seq.extend(_build(loader, child, memo) for child in node.value)
        return seq
    value = _construct(loader, node)
    memo[id(node)] = value
    return value


def _construct(loader: _LineLoader, node: yaml.Node) -> Any:
    """The safe constructor's value for *node*; a value it cannot convert is a YAML error."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError) as exc:  # year: 2024-13-45, n: !!int ten
        kind = _TAG_NAMES.get(node.tag, node.tag)
        raise yaml.MarkedYAMLError(
            problem=f"cannot read {node.value!r} as {kind} ({exc})", problem_mark=node.start_mark
        ) from None


_TAG_NAMES = {
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
}


def discover(studies_dir: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` under *studies_dir*, recursively, in a stable order."""
    files = [p for p in studies_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    return sorted(files, key=str)


def read_yaml(path: Path, shown: str, problems: list[Problem]) -> Any:
    """Parse one file; on failure append a problem and return None."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(shown, None, "file", f"cannot be read: {exc.strerror or exc}"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                shown,
                line,
                "file",
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8",
            )
        )
        return None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        problems.append(Problem(shown, None, "file", "file is empty; expected a study record"))
        return None
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        doc = None if node is None else _build(loader, node, {})
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        context = exc.context if exc.problem else None
        if context and context.startswith("while"):
            # "found unexpected end of stream (while scanning a quoted scalar that starts at
            # line 3)"
            start = exc.context_mark.line + 1 if exc.context_mark is not None else None
            where = f" that starts at line {start}" if start is not None and start != line else ""
            what = f"{what} ({context}{where})"
        elif context:  # "expected a single document in the stream, but found another document"
            what = f"{context}, {what}"
        if line is not None and "\t" in _leading_space(text, line):
            what += "; the line is indented with a tab: YAML indents with spaces"
        if isinstance(exc, yaml.constructor.ConstructorError):
            what = f"{what} (only plain YAML is allowed: no Python or custom tags)"
        problems.append(Problem(shown, line, "yaml", f"invalid YAML: {what}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(shown, None, "yaml", f"invalid YAML: {exc}"))
        return None
    except RecursionError:
        problems.append(
            Problem(shown, None, "yaml", "invalid YAML: nested too deeply to be a study record")
        )
        return None
    finally:
        loader.dispose()
    for key, line in loader.duplicates:
        problems.append(
            Problem(shown, line, key, "duplicate key; each field may appear once per mapping")
        )
    return doc


def _leading_space(text: str, line: int) -> str:
    """The indentation of line *line* (1-based) of *text*, '' past the end."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    row = lines[line - 1]
    return row[: len(row) - len(row.lstrip())]
