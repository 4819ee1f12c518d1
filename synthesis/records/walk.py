"""Finding the study records under a folder: every skip on purpose, every failure said.

:func:`find_records` walks the studies folder itself (``os.scandir``, a stack, no
recursion) instead of ``Path.rglob``, which swallows a folder it cannot read and does
not follow links. The rules:

- A record is a regular file whose name ends in ``.yaml`` or ``.yml``, in any case
  (``.YAML``, ``.Yml``).
- Hidden entries (a name starting with ``.``) are skipped on purpose: folders such as
  ``.git``, ``.venv`` or ``.Trash``, and record-named files such as macOS's ``._x.yaml``
  or an editor's ``.#x.yaml``. They are listed in :attr:`Found.skipped`, which
  ``synth validate`` names in its summary. ``__pycache__`` folders (compiled Python,
  such as the bundled review's package file's) are skipped without a word.
- Symbolic links are followed, to files and to folders, on purpose: a review may
  gather records kept elsewhere. Each folder and each file is read once, known by
  ``(st_dev, st_ino)``: a link to a folder that contains it (a cycle) is a warning and
  is not followed; a second way to a folder or a file already read is a warning and is
  not read twice. Folders reached through a link are walked after every other folder,
  and of two names for one file the one without a link is kept, so the warning names
  the link, not the real path.
- A link that points nowhere (dangling) or into a loop of links is an error when its
  name is a record's (``x.yaml``), otherwise a warning.
- A folder that cannot be listed, and a record name that is not a regular file (a FIFO
  would block the read for ever, a device would never end), are errors.
- At most :data:`MAX_FOLDER_DEPTH` folders deep below the studies folder; a deeper
  folder is an error and is not read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from synthesis.errors import Problem, file_kind

MAX_FOLDER_DEPTH = 32
RECORD_SUFFIXES = (".yaml", ".yml")
SKIP_SILENTLY = frozenset({"__pycache__"})

_Key = tuple[int, int]  # (st_dev, st_ino)
# a folder to walk: (path, its parts below the root, keys of the folders that contain it,
# reached through a link?, its key)
_Item = tuple[Path, tuple[str, ...], tuple[_Key, ...], bool, _Key]


class Found(list):
    """The record files found (sorted), with what was skipped and the problems met."""

    skipped: tuple[tuple[str, str], ...]  # (kind, path relative to the folder)
    problems: tuple[Problem, ...]


def is_record_name(name: str) -> bool:
    return name.lower().endswith(RECORD_SUFFIXES)


def find_records(root: str | Path, shown: str | Path | None = None) -> Found:
    """Every study record under *root* (see the module's rules), sorted by path.

    *shown* is how *root* is named in problems (default: *root* itself).
    """
    walk = _Walk(Path(root), Path(shown) if shown is not None else Path(root))
    return walk.run()


def skipped_summary(skipped: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    """``skipped 1 hidden folder (.git) and 2 hidden files (._a.yaml, ._b.yaml)``; '' if none."""
    parts = []
    for kind in ("hidden folder", "hidden file"):
        names = [path for k, path in skipped if k == kind]
        if not names:
            continue
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        parts.append(f"{len(names)} {kind}{'s' if len(names) != 1 else ''} ({shown})")
    return "skipped " + " and ".join(parts) if parts else ""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class _Walk:
    def __init__(self, root: Path, base: Path) -> None:
        self.root = root
        self.base = base
        self.problems: list[Problem] = []
        self.skipped: list[tuple[str, str]] = []
        self.visited: dict[_Key, str] = {}  # folder -> how it was first shown
        # record candidates: (through a link?, shown, path, key)
        self.files: list[tuple[bool, str, Path, _Key]] = []

    def shown(self, rel: tuple[str, ...]) -> str:
        return str(self.base.joinpath(*rel))

    def problem(self, rel: tuple[str, ...], field: str, message: str, severity: str) -> None:
        self.problems.append(Problem(self.shown(rel), None, field, message, severity))

    def run(self) -> Found:
        try:
            st = os.stat(self.root)
        except OSError as exc:
            self.problem((), "folder", f"cannot be read: {_reason(exc)}", "error")
            return self.result()
        # Folders to walk: those reached without a link first, then the linked ones.
        real: list[_Item] = [(self.root, (), (), False, (st.st_dev, st.st_ino))]
        linked: list[_Item] = []
        while real or linked:
            folder, rel, ancestors, via_link, key = real.pop() if real else linked.pop()
            if key in self.visited:
                self.problem(
                    rel,
                    "folder",
                    f"the same folder as {self.visited[key]}, already read; not read twice",
                    "warning",
                )
                continue
            self.visited[key] = self.shown(rel)
            subfolders = self.scan(folder, rel, (*ancestors, key), via_link)
            for sub in reversed(subfolders):  # popped in name order
                (linked if sub[3] else real).append(sub)
        return self.result()

    def scan(
        self, folder: Path, rel: tuple[str, ...], ancestors: tuple[_Key, ...], via_link: bool
    ) -> list[_Item]:
        """List one folder: note its records, return its subfolders to walk."""
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            self.problem(
                rel,
                "folder",
                f"cannot be read: {_reason(exc)}; make it readable (chmod u+rx) "
                "or move it out of the studies folder",
                "error",
            )
            return []
        folder_dev = ancestors[-1][0]
        subfolders = []
        for entry in entries:
            name = entry.name
            sub_rel = (*rel, name)
            if name.startswith("."):
                self.skip_hidden(entry, sub_rel)
                continue
            try:
                is_link = entry.is_symlink()
                if not is_link and entry.is_file(follow_symlinks=False):
                    if is_record_name(name):  # the common case: no stat needed
                        key = (folder_dev, entry.inode())
                        self.files.append((via_link, self.shown(sub_rel), Path(entry.path), key))
                    continue
                st = entry.stat()  # follows a link
            except OSError as exc:
                self.unreadable(entry, sub_rel, exc)
                continue
            key = (st.st_dev, st.st_ino)
            if stat.S_ISDIR(st.st_mode):
                if name in SKIP_SILENTLY:
                    continue
                if key in ancestors:
                    target = self.visited.get(key, self.shown(()))
                    self.problem(
                        sub_rel,
                        "folder",
                        f"symbolic link to {target}, a folder that contains it (a cycle); "
                        "not followed",
                        "warning",
                    )
                    continue
                if len(sub_rel) > MAX_FOLDER_DEPTH:
                    self.problem(
                        sub_rel,
                        "folder",
                        f"more than {MAX_FOLDER_DEPTH} folders deep; not read "
                        "(move its records nearer the studies folder)",
                        "error",
                    )
                    continue
                subfolders.append((Path(entry.path), sub_rel, ancestors, via_link or is_link, key))
            elif stat.S_ISREG(st.st_mode):
                if is_record_name(name):
                    self.files.append(
                        (via_link or is_link, self.shown(sub_rel), Path(entry.path), key)
                    )
            elif is_record_name(name):
                kind = file_kind(st.st_mode, otherwise="not a file or a folder")
                self.problem(
                    sub_rel,
                    "file",
                    f"it is {kind}, not a regular file; a study record is a plain text file",
                    "error",
                )
        return subfolders

    def skip_hidden(self, entry: os.DirEntry, rel: tuple[str, ...]) -> None:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        path = "/".join(rel)
        if is_dir:
            self.skipped.append(("hidden folder", path))
        elif is_record_name(entry.name):
            self.skipped.append(("hidden file", path))

    def unreadable(self, entry: os.DirEntry, rel: tuple[str, ...], exc: OSError) -> None:
        record = is_record_name(entry.name)
        try:
            link = os.readlink(entry.path) if entry.is_symlink() else None
        except OSError:
            link = None
        if link is not None and exc.errno == errno.ENOENT:
            what = f"symbolic link to {link}, which does not exist"
        elif link is not None and exc.errno == errno.ELOOP:
            what = f"symbolic link to {link}, in a loop of links"
        else:
            self.problem(rel, "file", f"cannot be read: {_reason(exc)}", "error")
            return
        if record:
            self.problem(rel, "file", f"{what}; fix the link or remove it", "error")
        else:
            self.problem(rel, "file", f"{what}; nothing read from it", "warning")

    def result(self) -> Found:
        found = Found()
        kept: dict[_Key, str] = {}
        for _via_link, shown, path, key in sorted(self.files, key=lambda f: (f[0], f[1])):
            if key in kept:
                self.problems.append(
                    Problem(
                        shown,
                        None,
                        "file",
                        f"the same file as {kept[key]}, already read; not read twice",
                        "warning",
                    )
                )
                continue
            kept[key] = shown
            found.append(path)
        found.sort(key=str)
        found.skipped = tuple(self.skipped)
        found.problems = tuple(self.problems)
        return found
