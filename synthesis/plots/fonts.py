"""The plot font and its fallbacks: text a font cannot draw is said once, in synth's words.

Plots are drawn in DejaVu Sans (shipped with matplotlib: the same look everywhere).
DejaVu has Latin, Greek and Cyrillic but no CJK; where a CJK-capable font is installed
(:data:`FALLBACK_FONTS`), matplotlib (3.6 and later) takes the glyphs DejaVu lacks from
it. Characters no font of the chain has would be drawn as empty boxes, and matplotlib
would say so with one raw ``UserWarning`` per glyph and draw call (with source paths);
:func:`missing_glyphs_warning` says it once instead, naming the text, and
:func:`quiet_glyphs` keeps matplotlib's warnings about it out of the user's terminal.
matplotlib is imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import warnings
from collections.abc import Iterable, Iterator, Sequence

__all__ = [
    "FALLBACK_FONTS",
    "PRIMARY_FONT",
    "font_family",
    "missing_glyphs_warning",
    "quiet_glyphs",
]

PRIMARY_FONT = "DejaVu Sans"
#: Fonts with CJK (and more) glyphs, tried in this order where installed: Noto Sans CJK
#: and Source Han Sans (Adobe/Google), WenQuanYi, Droid Sans Fallback (Debian's
#: fonts-droid-fallback), AR PL (fonts-arphic), Unifont (last: a bitmap look).
FALLBACK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Unifont",
)


@functools.lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """Font family name -> file of its regular face, for the fonts matplotlib knows."""
    from matplotlib import font_manager

    out: dict[str, str] = {}
    for f in font_manager.fontManager.ttflist:
        if f.name not in out or (f.weight in (400, "normal") and f.style == "normal"):
            out[f.name] = f.fname
    return out


def font_family() -> list[str]:
    """The primary font, then the installed fallbacks (only installed ones: naming a
    missing family makes matplotlib log 'findfont: Font family ... not found')."""
    installed = _installed()
    return [PRIMARY_FONT, *(name for name in FALLBACK_FONTS if name in installed)]


@functools.cache
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):  # an unreadable font file: it draws nothing
        return frozenset()


def _coverage() -> frozenset[int]:
    installed = _installed()
    out: set[int] = set()
    for name in font_family():
        if name in installed:
            out |= _charmap(installed[name])
    return frozenset(out)


def missing_characters(text: str) -> list[str]:
    """The characters of ``text`` that no font of :func:`font_family` has (spaces and
    control characters aside), each once, in order."""
    covered = _coverage()
    seen: dict[str, None] = {}
    for ch in text:
        if ord(ch) not in covered and ch.isprintable() and not ch.isspace():
            seen.setdefault(ch, None)
    return list(seen)


def _quoted(texts: Sequence[str]) -> str:
    return ", ".join(f"'{t}'" for t in texts)


def missing_glyphs_warning(labels: Iterable[str], others: Iterable[str] = ()) -> str | None:
    """One warning for every text the plot fonts cannot draw, or None.

    ``labels`` are study labels (the record's ``label:`` or its citation and year);
    ``others`` any other text drawn (title, data, footer).
    """
    bad_labels = [t for t in dict.fromkeys(labels) if t and missing_characters(t)]
    bad_others = [t for t in dict.fromkeys(others) if t and missing_characters(t)]
    if not bad_labels and not bad_others:
        return None
    texts = (*bad_labels, *bad_others)
    chars = list(dict.fromkeys(c for t in texts for c in missing_characters(t)))
    shown = " ".join(chars[:10]) + (" ..." if len(chars) > 10 else "")
    if bad_labels:
        what = (
            f"label {_quoted(bad_labels)} has"
            if len(bad_labels) == 1
            else f"labels {_quoted(bad_labels)} have"
        )
        fix = (
            "install a font that has them (e.g. fonts-noto-cjk) or give the record a "
            "label: without them"
        )
    else:
        what = f"{_quoted(bad_others)} {'has' if len(bad_others) == 1 else 'have'}"
        fix = "install a font that has them (e.g. fonts-noto-cjk)"
    return f"{what} characters the plot font cannot draw ({shown}), drawn as empty boxes; {fix}"


@contextlib.contextmanager
def quiet_glyphs() -> Iterator[None]:
    """matplotlib's own words about fonts kept out of the terminal: its warnings about
    missing glyphs (said once, by synth) and its log line when a fallback font has no
    bold face (it then uses the regular one, as it should)."""
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"(?s).*missing from", category=UserWarning)
            yield
    finally:
        log.setLevel(level)
