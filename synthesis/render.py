"""Rendering: results and tables -> text, Markdown, CSV, JSON.

No plotting here (that lives apart, so that ``synth pool`` never imports matplotlib).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any


def fmt(value: Any, digits: int = 3) -> str:
    """A number for people: fixed digits, '' for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 10 ** (-digits)):
            return f"{value:.{digits}g}"
        return f"{value:.{digits}f}"
    return str(value)


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[bool] | None = None
) -> str:
    """An aligned plain-text table (numbers right-aligned)."""
    cells = [[str(h) for h in headers]] + [
        [fmt(c) if not isinstance(c, str) else c for c in r] for r in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    if numeric is None:
        numeric = [
            all(not isinstance(r[i], str) for r in rows) and bool(rows) for i in range(len(headers))
        ]
    lines = []
    for j, r in enumerate(cells):
        parts = [
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub/Pandoc pipe table."""
    out = ["| " + " | ".join(md_escape(str(h)) for h in headers) + " |"]
    out.append("|" + "|".join("---" for _ in headers) + "|")
    for r in rows:
        out.append(
            "| " + " | ".join(md_escape(c if isinstance(c, str) else fmt(c)) for c in r) + " |"
        )
    return "\n".join(out)


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV with full-precision numbers (repr), empty for None."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for r in rows:
        writer.writerow(["" if c is None else (repr(c) if isinstance(c, float) else c) for c in r])
    return buf.getvalue()


def json_text(obj: Any) -> str:
    """JSON with NaN forbidden (values that do not exist are null)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)


def entry_data(entry: Any) -> str:
    """What a record says, in one short string.

    '14/30', 'median 11 mo [1, 22.9]', 'HR 2.14 [1.06, 4.33]'.
    """
    if entry.kind == "binary":
        text = f"{entry.events}/{entry.total}"
        if entry.events_from_percent:
            text += f" (from {entry.percent:g}%)"
        return text
    if entry.kind == "median":
        text = "median NR" if entry.not_reached else f"median {entry.median:.3g} mo"
        if entry.median_ci_low is not None:
            high = "NR" if entry.median_ci_high is None else f"{entry.median_ci_high:.3g}"
            text += f" [{entry.median_ci_low:.3g}, {high}]"
        return text
    if entry.kind == "ratio":
        text = f"{entry.ratio_type.upper()} {entry.ratio:g}"
        if entry.ci_low is not None:
            text += f" [{entry.ci_low:g}, {entry.ci_high:g}]"
        elif entry.p is not None:
            text += f" (p = {entry.p_text or entry.p})"
        return text
    text = f"{entry.yi:g}"
    if entry.se is not None:
        text += f" (SE {entry.se:.3g})"
    return text
