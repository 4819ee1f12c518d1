"""Writing output files: checked first, then atomic and exclusive, never over a user's file.

Every file ``synth`` writes (plots, reports, drafted records) goes through
:func:`write_atomic`; a command calls :func:`check_target` before its work, so that a
target that cannot be written is refused before anything is computed.

What a target may be
    Absent (its folder must exist and be writable), or, with ``force``, a regular
    file. Anything else is refused, with or without ``force``: a folder, a device
    (``/dev/null``, ``/dev/full``), a FIFO, a socket, a symbolic link that points
    nowhere (a *dangling* link counts as existing: it is never replaced) or into a loop.
    A symbolic link to a regular file is refused without ``force``; with ``force`` the
    file it points to is replaced and the link is kept (as a shell's ``>`` or an
    editor would do); the link itself is never replaced.

How the bytes are written
    1. Into an unnamed temporary file in the destination's folder (Linux ``O_TMPFILE``):
       a crash or ``kill -9`` leaves nothing visible. Where ``O_TMPFILE`` is missing or
       refused (not Linux, or the file system does not support it: ``open`` fails with
       EOPNOTSUPP, EISDIR or EINVAL), a named temporary file
       ``.synth-tmp-<pid>-<random>-<NAME>`` is used instead, and every later write into
       that folder deletes such files whose process is gone and that are more than a
       minute old (or more than a day old, whatever their pid).
    2. The data is flushed to the disk (``fsync``) before the file gets its name.
    3. A new file gets its name with ``link(2)`` (``linkat`` of the unnamed file through
       ``/proc/self/fd``, or ``link`` of the named one). ``link`` never replaces a name, so
       of two runs racing for the same target exactly one wins and the others are told
       that the file exists. Where the file system has no hard links (``link`` fails with
       EPERM, EOPNOTSUPP or ENOSYS: FAT, exFAT and some network and FUSE file systems),
       the file is created with ``O_CREAT | O_EXCL`` and written in place: still
       exclusive, but not atomic (a reader may see it half-written, a crash leaves it
       partial).
    4. With ``force``, an existing regular file (checked again just before) is replaced
       with ``rename(2)`` (:func:`os.replace`), keeping its permission bits.

Every operating-system error (permission denied, read-only file system, no space left,
...) becomes one :class:`WriteError`: ``cannot write FILE: reason; what to do``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path

from synthesis.errors import SynthError
from synthesis.errors import file_kind as _kind

# The unnamed temporary file of Linux; None elsewhere (or when tests switch it off).
_O_TMPFILE: int | None = getattr(os, "O_TMPFILE", None)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# open(O_TMPFILE) failing with these means "not supported here": fall back to a named file.
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT, errno.ENOSYS}
# link() failing with these means "this file system has no hard links" (link(2): EPERM).
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV}
if hasattr(errno, "ENOTSUP"):
    _NO_HARD_LINKS.add(errno.ENOTSUP)
    _NO_TMPFILE.add(errno.ENOTSUP)

TEMP_PREFIX = ".synth-tmp-"
_TEMP_NAME = re.compile(r"\.synth-tmp-(\d+)-([0-9a-z]{8})-")
STALE_AFTER = 60.0  # seconds: a temporary of a dead process older than this is removed
STALE_ANYWAY = 86_400.0  # seconds: older than this it is removed whatever its pid says
_MODE = 0o666  # new files: rw for all, less the umask (as any program)


class WriteError(SynthError):
    """A target that cannot be written: ``cannot write FILE: reason; what to do`` (the
    command line prints it as ``synth: error: cannot write ...``)."""

    def __init__(self, target: str | Path, reason: str, todo: str) -> None:
        self.target = str(target)
        self.reason = reason
        self.todo = todo
        super().__init__(f"cannot write {target}: {reason}; {todo}")


def check_target(path: str | Path, *, force: bool = False) -> Path:
    """Refuse a target that :func:`write_atomic` would refuse; for a command to call first.

    Besides what the target is (see the module's docstring) this checks that a file
    can be created in its folder, by creating a temporary one there and removing it.
    """
    target = Path(path)
    destination = _destination(target, force)
    folder = _folder_of(destination)
    try:
        fd = _open_folder(folder)
        try:
            _probe(fd, destination.name)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _write_error(target, exc, folder) from None
    return target


def write_atomic(path: str | Path, data: bytes | str, *, force: bool = False) -> Path:
    """Write ``data`` to ``path``: complete or not at all, and never over an existing file
    unless ``force`` (and then only over a regular file). Returns ``path`` as a Path.

    Raises :class:`SynthError` when the target is refused and :class:`WriteError` when
    the operating system refuses a step (the message says what to do).
    """
    target = Path(path)
    destination = _destination(target, force)
    folder = _folder_of(destination)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        fd = _open_folder(folder)
        try:
            _remove_stale_temporaries(fd)
            if force:
                _replace(fd, target, destination.name, payload)
            elif not _create(fd, destination.name, payload):
                raise SynthError(_exists(target))
            _sync_folder(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _write_error(target, exc, folder) from None
    return target


# ---------------------------------------------------------------------------
# What the target is


def _exists(target: Path) -> str:
    return f"{target}: already exists; use --force to overwrite it"


def _not_regular(target: Path, mode: int) -> WriteError:
    kind = _kind(mode)
    what = f"it is {kind}, not a regular file" if kind.startswith("a ") else f"it is {kind}"
    return WriteError(
        target,
        what,
        "synth writes only regular files, even with --force: give the name of a file",
    )


def _destination(target: Path, force: bool) -> Path:
    """The path to write for *target*, after refusing what may not be written."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        _check_folder(target, _folder_of(target))
        return target
    except OSError as exc:
        raise _write_error(target, exc, _folder_of(target)) from None
    if stat.S_ISLNK(st.st_mode):
        return _link_destination(target, force)
    if stat.S_ISDIR(st.st_mode):
        raise WriteError(target, "it is a folder", "give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(target, st.st_mode)
    if not force:
        raise SynthError(_exists(target))
    return target


def _link_destination(target: Path, force: bool) -> Path:
    """A symbolic link: refused, or (``force``, to a regular file) the file it points to."""
    try:
        points_to = os.readlink(target)
    except OSError as exc:
        raise _write_error(target, exc, _folder_of(target)) from None
    try:
        st = os.stat(target)
    except FileNotFoundError:
        raise WriteError(
            target,
            f"it is a symbolic link to {points_to}, which does not exist (a dangling link)",
            "remove the link or give another name (--force does not replace a link)",
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WriteError(
                target,
                "it is a symbolic link in a loop of links",
                "remove the link or give another name",
            ) from None
        raise _write_error(target, exc, _folder_of(target)) from None
    if stat.S_ISDIR(st.st_mode):
        raise WriteError(
            target, f"it is a symbolic link to {points_to}, which is a folder", "give a file name"
        )
    if not stat.S_ISREG(st.st_mode):
        raise WriteError(
            target,
            f"it is a symbolic link to {points_to}, which is {_kind(st.st_mode)}",
            "synth writes only regular files, even with --force: give the name of a file",
        )
    if not force:
        raise SynthError(
            f"{target}: already exists (a symbolic link to {points_to}); "
            "use --force to overwrite the file it points to"
        )
    return Path(os.path.realpath(target))


def _folder_of(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _check_folder(target: Path, folder: Path) -> None:
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        raise WriteError(
            target,
            f"folder {folder} does not exist",
            f"create it first (mkdir -p {folder}) or give another folder",
        ) from None
    except OSError as exc:
        raise _write_error(target, exc, folder) from None
    if not stat.S_ISDIR(st.st_mode):
        raise WriteError(target, f"{folder} is not a folder", "give a path inside a folder")


# ---------------------------------------------------------------------------
# Writing


def _open_folder(folder: Path) -> int:
    return os.open(folder, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)


def _temp_name(name: str) -> str:
    """``.synth-tmp-<pid>-<8 random>-<NAME>``, within the 255 bytes a name may have."""
    stem = name.encode("utf-8", "surrogateescape")[:180].decode("utf-8", "ignore")
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    random = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{TEMP_PREFIX}{os.getpid()}-{random}-{stem}"


def _open_unnamed(dir_fd: int) -> int | None:
    """An unnamed file in the folder (``O_TMPFILE``), or None where that is unsupported."""
    if _O_TMPFILE is None:
        return None
    try:
        return os.open(".", _O_TMPFILE | os.O_WRONLY | _O_CLOEXEC, _MODE, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in _NO_TMPFILE:
            return None
        raise


def _open_named(dir_fd: int, name: str) -> tuple[int, str]:
    """A new named temporary file for *name* in the folder: (fd, its name)."""
    for _ in range(100):
        temp = _temp_name(name)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
            return os.open(temp, flags, _MODE, dir_fd=dir_fd), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", name)  # pragma: no cover


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def _unlink_quietly(dir_fd: int, name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=dir_fd)


def _probe(dir_fd: int, name: str) -> None:
    """Create a temporary file in the folder and remove it (raises what creating raises)."""
    fd = _open_unnamed(dir_fd)
    if fd is not None:
        os.close(fd)
        return
    fd, temp = _open_named(dir_fd, name)
    os.close(fd)
    _unlink_quietly(dir_fd, temp)


def _create(dir_fd: int, name: str, payload: bytes) -> bool:
    """Make *name* hold *payload* if no such name exists; False if it exists."""
    fd = _open_unnamed(dir_fd)
    if fd is not None:
        try:
            _write_all(fd, payload)
            try:
                # linkat(AT_FDCWD, "/proc/self/fd/N", dir_fd, name, AT_SYMLINK_FOLLOW)
                os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=dir_fd, follow_symlinks=True)
                return True
            except FileExistsError:
                return False
            except OSError as exc:  # no /proc (ENOENT), or no links on this file system
                if exc.errno not in _NO_HARD_LINKS | {errno.ENOENT}:
                    raise
        finally:
            os.close(fd)
    fd, temp = _open_named(dir_fd, name)
    try:
        try:
            _write_all(fd, payload)
        finally:
            os.close(fd)
        try:
            os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
    finally:
        _unlink_quietly(dir_fd, temp)
    return _create_in_place(dir_fd, name, payload)


def _create_in_place(dir_fd: int, name: str, payload: bytes) -> bool:
    """No hard links here: ``O_CREAT | O_EXCL`` and write (exclusive, not atomic)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
    try:
        fd = os.open(name, flags, _MODE, dir_fd=dir_fd)
    except FileExistsError:
        return False
    try:
        _write_all(fd, payload)
    except BaseException:
        os.close(fd)
        _unlink_quietly(dir_fd, name)
        raise
    os.close(fd)
    return True


def _replace(dir_fd: int, target: Path, name: str, payload: bytes) -> None:
    """``--force``: replace the regular file *name* (checked again now) by *payload*,
    or create it (exclusively) when it does not exist."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:  # absent (or removed meanwhile): create it
        if _create(dir_fd, name, payload):
            return
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)  # created meanwhile
    if stat.S_ISDIR(st.st_mode):
        raise WriteError(target, "it is a folder", "give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(target, st.st_mode)
    fd, temp = _open_named(dir_fd, name)
    try:
        try:
            os.fchmod(fd, st.st_mode & 0o777)
            _write_all(fd, payload)
        finally:
            os.close(fd)
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        _unlink_quietly(dir_fd, temp)
        raise


def _sync_folder(dir_fd: int) -> None:
    """Make the new name durable (best effort: some file systems refuse fsync on a folder)."""
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    except (OSError, OverflowError, ValueError):
        return False
    return True


def _remove_stale_temporaries(dir_fd: int) -> list[str]:
    """Delete our own temporaries left in the folder by a process that died (kill -9).

    Only regular files named ``.synth-tmp-<pid>-<8 random>-...``, owned by this user,
    more than a minute old and whose process is gone (or more than a day old). Best
    effort: what cannot be listed or removed is left. Returns the names removed.
    """
    removed: list[str] = []
    now = time.time()
    try:
        entries = list(os.scandir(dir_fd))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            continue
        age = now - st.st_mtime
        if age > STALE_ANYWAY or (age > STALE_AFTER and not _pid_alive(int(match.group(1)))):
            try:
                os.unlink(entry.name, dir_fd=dir_fd)
                removed.append(entry.name)
            except OSError:
                pass
    return removed


# ---------------------------------------------------------------------------
# Errors


def _write_error(target: Path, exc: OSError, folder: Path) -> WriteError:
    """One line for an operating-system error: what went wrong and what to do."""
    reason, todo = os_error_text(exc, folder)
    return WriteError(target, reason, todo)


def os_error_text(exc: OSError, folder: Path | str | None = None) -> tuple[str, str]:
    """(reason, what to do) for an operating-system error met writing into *folder*."""
    code = exc.errno
    where = f"to {folder}" if folder is not None else "there"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied", f"write elsewhere, or ask for write access {where}"
    if code == errno.EROFS:
        return "the file system is read-only", "write to another folder"
    if code == errno.ENOSPC:
        return "no space left on the device", "free some space or write to another disk"
    if code == getattr(errno, "EDQUOT", None):
        return "disk quota exceeded", "free some space or write to another disk"
    if code == errno.ENOENT and folder is not None and os.path.isdir(folder):
        return f"{folder} does not take new files", "write to another folder"  # /proc, /sys
    if code == errno.ENOENT and folder is not None:
        return (
            f"folder {folder} does not exist",
            f"create it first (mkdir -p {folder}) or give another folder",
        )
    if code == errno.ENOTDIR:
        return "a part of the path is not a folder", "check the path"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long", "give a shorter name"
    if code == errno.ELOOP:
        return "too many symbolic links in the path", "check the path"
    if code == errno.EISDIR:
        return "it is a folder", "give a file name"
    if code == errno.EIO:
        return "input/output error", "check the disk and try again"
    reason = exc.strerror.lower() if exc.strerror else str(exc)
    return reason, "check the path and the disk, then try again"
