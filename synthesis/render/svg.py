"""An SVG file's text made ready to sit inside an HTML page (the report's plots)."""

from __future__ import annotations

import re

_DECL = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.S)
_ID = re.compile(r'\bid="([^"]+)"')


def inline_svg(data: bytes | str, *, prefix: str) -> str:
    """An SVG file's text ready to sit inside HTML: no XML declaration or DOCTYPE,
    and every ``id`` (with the references to it) prefixed so that several plots
    in one page do not share ids."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    text = _DECL.sub("", text).strip()
    ids = set(_ID.findall(text))
    if ids:
        names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        text = re.sub(rf'\bid="({names})"', rf'id="{prefix}-\1"', text)
        text = re.sub(rf"#({names})(?=[\"')])", rf"#{prefix}-\1", text)
    return text
