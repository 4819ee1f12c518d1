"""Reading an abstract's text file: regular files of bounded size, UTF-8 text only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from synthesis.errors import SynthError, file_kind

MAX_BYTES = 1_000_000  # an abstract is a few kB; 1 MB leaves room for a long one with its notes


def _not_regular(p: Path, mode: int) -> SynthError:
    kind = file_kind(mode)
    return SynthError(f"{p}: is {kind}, not a file; give the abstract as a plain text file")


def _too_large(p: Path, size: str) -> SynthError:
    return SynthError(
        f"{p}: {size} is over the {MAX_BYTES:,}-byte (1 MB) limit for an abstract; "
        "give the abstract's text only"
    )


def read_abstract(path: str | Path) -> str:
    """The text of an abstract file; a clear :class:`SynthError` for anything that is not text.

    Only a regular file is read (a FIFO or a device would block or never end), and at most
    :data:`MAX_BYTES` bytes of it.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise SynthError(f"{p}: file not found") from None
    except OSError as exc:
        raise SynthError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise SynthError(f"{p}: is a folder; give the abstract's text file")
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(p, st.st_mode)
    if st.st_size > MAX_BYTES:
        raise _too_large(p, f"{st.st_size:,} bytes")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the check, open does not block
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise SynthError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(p, mode)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SynthError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise _too_large(p, "the file")
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise SynthError(
            f"{p}: binary file (NUL byte at offset {at}); give the abstract as plain UTF-8 text"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SynthError(
            f"{p}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the abstract as UTF-8 text"
        ) from None
    if not text.strip():
        raise SynthError(f"{p}: file is empty; expected the text of an abstract")
    return text
