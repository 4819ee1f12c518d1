"""Writing output files: never over a user's file without ``force``, always atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from synthesis.errors import SynthError


def check_target(path: str | Path, *, force: bool = False) -> Path:
    """The checks of :func:`write_atomic`, for a command to make before its work."""
    target = Path(path)
    if target.is_dir():
        raise SynthError(f"{target}: is a folder; give a file name")
    if target.exists() and not force:
        raise SynthError(f"{target}: already exists; use --force to overwrite it")
    folder = target.parent
    if not folder.is_dir():
        raise SynthError(f"{target}: folder {folder} does not exist")
    return target


def write_atomic(path: str | Path, data: bytes | str, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    Refuses (``SynthError``) when ``path`` exists and ``force`` is false, or when
    its folder does not exist.  The file appears complete or not at all: the
    temporary file is renamed over the target with :func:`os.replace`.
    """
    target = check_target(path, force=force)
    folder = target.parent
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
