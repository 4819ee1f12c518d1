"""Line-aware, bounded YAML reading: one file -> plain data that knows its lines.

Loading is ``yaml.safe_load``-safe (libyaml's C parser when available) and remembers
the line of every field, so that every problem can be reported as
``FILE:LINE: FIELD: message``. Problems are appended to a list, never raised.
"""

from __future__ import annotations

import re
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
        self.numbers: list[tuple[int, str, str]] = []  # (line, field, message)
        self.key = "value"  # the mapping key being built, named in number problems
        self.path: list[str] = []  # where _build is: ["outcomes", "[2]", "tags"]

    def field(self, key: str) -> str:
        """The full field path of *key* here: ``outcomes[2].tags.disease``."""
        parts = [*self.path, key]
        return "".join(p if p.startswith("[") or i == 0 else "." + p for i, p in enumerate(parts))

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
            surprise = _surprising_number(node, value)
            if surprise is not None:  # never cached: every occurrence is reported
                message, value = surprise
                loader.numbers.append((node.start_mark.line + 1, loader.key, message))
                return value
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
                key = _clip(str(key))
            loader.key = loader.field(key) if loader.path else key
            if i >= first_explicit:
                if key in written:
                    loader.duplicates.append((loader.field(key), key_node.start_mark.line + 1))
                written.add(key)
            lines[key] = key_node.start_mark.line + 1
            if value_node.__class__ is yaml.ScalarNode:
                raw[key] = value_node.value
                value = scalars.get((value_node.tag, value_node.value), _MISSING)
                out[key] = value if value is not _MISSING else _build(loader, value_node, memo)
            else:
                loader.path.append(key)
                out[key] = _build(loader, value_node, memo)
                loader.path.pop()
        return out
    if cls is yaml.SequenceNode and node.tag == _SEQ_TAG:
        seq = LineList()
        memo[id(node)] = seq
        seq.line = node.start_mark.line + 1
        seq.lines = [child.start_mark.line + 1 for child in node.value]
        for i, child in enumerate(node.value):
            loader.path.append(f"[{i}]")
            seq.append(_build(loader, child, memo))
            loader.path.pop()
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
            problem=f"cannot read {_clip(repr(node.value))} as {kind} ({_clip(str(exc))})",
            problem_mark=node.start_mark,
        ) from None


_TAG_NAMES = {
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
}


# ---------------------------------------------------------------------------
# Bounds: what a study record can reasonably be, checked before anything is built

#: Largest record file read (a study record is a few kB).
MAX_FILE_BYTES = 5_000_000
#: Deepest nesting of lists and mappings (a record needs 4: study, outcomes, entry, ci).
MAX_DEPTH = 32
#: Most values that aliases (``*name``) and merge keys may add by expansion.
MAX_ALIAS_EXPANSION = 10_000
#: Longest text quoted back in a message.
CLIP = 80

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+\Z")


def _clip(text: str, limit: int = CLIP) -> str:
    """*text* cut to *limit* characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)"


def _surprising_number(node: yaml.ScalarNode, value: Any) -> tuple[str, Any] | None:
    """A YAML 1.1 number whose text a person reads differently (050, 1:30, 0x1A, 1_000).

    Returns (message, value to carry on with) or None when the text is a plain decimal.
    """
    if node.tag not in (_INT_TAG, _FLOAT_TAG) or node.style:  # quoted: text, not a number
        return None
    text = node.value
    if (_PLAIN_INT if node.tag == _INT_TAG else _PLAIN_FLOAT).match(text):
        return None
    if text.lower().lstrip("+-") in (".inf", ".nan"):
        return None  # the schema says a number must be finite
    shown = _clip(text)
    if ":" in text:
        how = f"YAML reads {shown} as base 60 ({value:g})"
        fix = "write the number in decimal (1:30 as 1.5 for one and a half)"
        return f"{how}; {fix}, or quote it if it is text", text
    if _LEADING_ZERO.match(text) and node.tag == _INT_TAG:
        digits = text.lstrip("+-").lstrip("0_").replace("_", "") or "0"
        sign = "-" if text.startswith("-") else ""
        meant = int(sign + digits)
        how = f"YAML reads {shown} (leading zero) as the octal number {value:g}"
        return f"{how}; write {meant} without the leading zero", meant
    if "_" in text:
        return None  # 1_000 is 1000 to a reader too
    how = f"YAML reads {shown} as {value:g}"
    return f"{how}; write the number in plain decimal digits", value


def _flow_depth(text: str) -> tuple[int, int] | None:
    """(depth, line) where ``[``/``{`` nesting first passes :data:`MAX_DEPTH`, else None.

    One linear pass that skips quoted text and comments; a bracket inside a plain
    value ("see [1]") is not a collection, so only brackets where a value starts count.
    """
    depth = 0
    line = 1
    quote = ""
    comment = False
    starts = True  # a value may start here (line start, after ": ", "- ", "[", "{", ",")
    prev = "\n"
    for ch in text:
        if ch == "\n":
            line += 1
            comment = False
            if not quote:
                starts = True
            prev = ch
            continue
        if comment:
            continue
        if quote:
            if ch == quote and prev != "\\":
                quote = ""
            prev = "" if prev == "\\" and ch == "\\" else ch
            continue
        if ch == "#" and prev in " \t\n":
            comment = True
        elif ch in "'\"" and starts:
            quote = ch
            starts = False
        elif ch in "[{" and (starts or depth):
            depth += 1
            if depth > MAX_DEPTH:
                return depth, line
            starts = True
        elif ch in "]}" and depth:
            depth -= 1
            starts = False
        elif ch == ",":
            starts = bool(depth)
        elif ch == ":" or ch == "-":
            starts = True if depth else prev in " \t\n-" or ch == ":"
        elif ch not in " \t":
            starts = False
        prev = ch
    return None


def _graph_problem(root: yaml.Node) -> tuple[int, str] | None:
    """(line, message) when the composed document nests too deeply or aliases expand too far.

    Aliases make the node graph a DAG; its expanded size is counted with one memo per
    node, so the check is linear in the nodes written, whatever they expand to.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if nid in size and not done:
            continue
        if node.__class__ is yaml.ScalarNode:
            size[nid], depth[nid] = 1, 0
            distinct += 1
            continue
        children: list[yaml.Node] = []
        if node.__class__ is yaml.MappingNode:
            for key, value in node.value:
                children.append(key)
                children.append(value)
        else:
            children = list(node.value)
        if not done:
            size[nid] = -1  # on the stack: a cycle (an alias inside its own anchor) stops here
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
            continue
        distinct += 1
        size[nid] = 1 + sum(max(size.get(id(c), 1), 1) for c in children)
        depth[nid] = 1 + max((depth.get(id(c), 0) for c in children), default=0)
        line = node.start_mark.line + 1
        if depth[nid] > MAX_DEPTH:
            return line, f"nested more than {MAX_DEPTH} levels deep; a study record needs 4"
        if size[nid] - distinct > MAX_ALIAS_EXPANSION:
            return line, (
                f"aliases (*name) here expand to more than {MAX_ALIAS_EXPANSION:,} values; "
                "write the values out, or use fewer nested aliases"
            )
    return None


def _control_character(text: str) -> tuple[int, int, str] | None:
    """(line, column, U+XXXX) of the first control character YAML does not accept."""
    match = _CONTROL.search(text)
    if match is None:
        return None
    start = match.start()
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column, f"U+{ord(match.group()):04X}"


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def discover(
    studies_dir: Path, problems: list[Problem] | None = None, *, shown: str | Path | None = None
) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` (any case) under *studies_dir*, recursively, sorted.

    The walk's rules (hidden folders skipped, links followed once, cycles and unreadable
    folders reported) are :mod:`synthesis.records.walk`'s. Problems (named from
    *shown*, default *studies_dir*) are appended to *problems* when given; the list
    returned also carries them (``.problems``) and what was skipped (``.skipped``).
    """
    from synthesis.records.walk import find_records

    found = find_records(studies_dir, shown)
    if problems is not None:
        problems.extend(found.problems)
    return found


def read_yaml(path: Path, shown: str, problems: list[Problem], *, empty_ok: bool = False) -> Any:
    """Parse one file; on failure append a problem and return None.

    ``empty_ok``: an empty or comment-only file is no problem (settings files); it
    reads as None.

    Bounded before anything is built: the file's size, control characters, the
    nesting of flow collections, then the composed graph's depth and alias expansion.
    """
    data = _read_bounded(path, shown, problems)
    if data is None:
        return None
    text = _decode(data, shown, problems)
    if text is None:
        return None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        if not empty_ok:
            problems.append(Problem(shown, None, "file", "file is empty; expected a study record"))
        return None
    bad = _control_character(text)
    if bad is not None:
        line, column, code = bad
        problems.append(
            Problem(
                shown,
                line,
                "file",
                f"control character {code} at column {column}; delete it (YAML text "
                "cannot contain it), or re-save the file as plain UTF-8 text",
            )
        )
        return None
    deep = _flow_depth(text)
    if deep is not None:
        problems.append(Problem(shown, deep[1], "yaml", _TOO_DEEP))
        return None
    return _parse(text, shown, problems)


_TOO_DEEP = f"invalid YAML: nested more than {MAX_DEPTH} levels deep; a study record needs 4"


def _read_bounded(path: Path, shown: str, problems: list[Problem]) -> bytes | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(shown, None, "file", f"cannot be read: {exc.strerror or exc}"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(
            Problem(
                shown,
                None,
                "file",
                f"larger than {MAX_FILE_BYTES // 1_000_000} MB; a study record is a few kB "
                "(is this the right file?)",
            )
        )
        return None
    return data


_BOMS = ((b"\xff\xfe", "UTF-16 (little-endian)"), (b"\xfe\xff", "UTF-16 (big-endian)"))


def _decode(data: bytes, shown: str, problems: list[Problem]) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            problems.append(Problem(shown, 1, "file", f"the file is {name} text; save it as UTF-8"))
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guess = " (it looks like UTF-16: save it as UTF-8)" if b"\x00" in data[:200] else ""
        problems.append(
            Problem(
                shown,
                line,
                "file",
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}){guess}; "
                "save the file as UTF-8",
            )
        )
        return None


def _parse(text: str, shown: str, problems: list[Problem]) -> Any:
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            graph = _graph_problem(node)
            if graph is not None:
                problems.append(Problem(shown, graph[0], "yaml", f"invalid YAML: {graph[1]}"))
                return None
        doc = None if node is None else _build(loader, node, {})
    except yaml.MarkedYAMLError as exc:
        problems.append(_yaml_problem(exc, text, shown))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(shown, None, "yaml", f"invalid YAML: {_clip(str(exc), 300)}"))
        return None
    except RecursionError:
        problems.append(Problem(shown, None, "yaml", _TOO_DEEP))
        return None
    finally:
        loader.dispose()
    for key, line in loader.duplicates:
        problems.append(
            Problem(shown, line, key, "duplicate key; each field may appear once per mapping")
        )
    for line, key, message in loader.numbers:
        problems.append(Problem(shown, line, key, message))
    return doc


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, shown: str) -> Problem:
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
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in what:
        what = f"{what} (only plain YAML is allowed: no Python or custom tags)"
    return Problem(shown, line, "yaml", f"invalid YAML: {_clip(what, 300)}")


def _leading_space(text: str, line: int) -> str:
    """The indentation of line *line* (1-based) of *text*, '' past the end."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    row = lines[line - 1]
    return row[: len(row) - len(row.lstrip())]
