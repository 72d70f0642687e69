"""Result tables as aligned text (CJK-aware widths), CSV or JSON."""
from __future__ import annotations

import csv
import io
import json
import unicodedata


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (list, tuple)):
        return "、".join(_cell(x) for x in v)
    return str(v).replace("\n", " ")


def format_table(columns: list[str], rows: list[list], fmt: str = "table", max_width: int = 60) -> str:
    """Render rows as 'table' (aligned), 'csv' or 'json' (a list of objects)."""
    if fmt == "json":
        return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=1, default=str) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(v) for v in r])
        return buf.getvalue()
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r} (table, csv, json)")
    cells = [[_clip(_cell(v), max_width) for v in r] for r in rows]
    widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()
    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def _clip(s: str, n: int) -> str:
    if _width(s) <= n:
        return s
    out, w = "", 0
    for c in s:
        cw = _width(c)
        if w + cw > n - 1:
            break
        out += c
        w += cw
    return out + "…"
