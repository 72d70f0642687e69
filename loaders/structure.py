"""The numbering hierarchy of a plan (一、（一）1.（1）一是) as units with section paths (GUIDE §4)."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import lru_cache

from .patterns import LABEL, MARKER_RANK, marker_of


@dataclass(frozen=True)
class Line:
    """A line of normalised text with its offsets (frozen: the lines of a text are shared by its readers)."""

    text: str
    start: int
    end: int


@dataclass
class Unit:
    """A numbered unit: its marker, heading, own text range, children and label lines after it."""

    kind: str
    marker: str
    start: int  # offset of the marker
    body_start: int  # offset just after the marker
    end: int = 0  # end of the unit including children
    own_end: int = 0  # end of the unit's own text (before its first child)
    heading: str | None = None
    parent: "Unit | None" = None
    children: list["Unit"] = field(default_factory=list)
    label_lines: list[Line] = field(default_factory=list)

    @property
    def rank(self) -> int:
        return MARKER_RANK[self.kind]

    def path(self) -> list[str]:
        """Markers and headings from the outermost section down to this unit."""
        out, u = [], self
        while u is not None:
            out.append(f"{u.marker}{u.heading or ''}")
            u = u.parent
        return list(reversed(out))


def split_lines(text: str, start: int, end: int) -> list[Line]:
    """Lines of text[start:end] with absolute offsets (empty lines dropped).

    The lines of the whole text are split once and shared (a document's segment, header, body and units ask
    for overlapping ranges of one text); only the lines cut by `start` or `end` are split again."""
    lines, starts, ends = _text_lines(text)
    i = bisect.bisect_right(ends, start)  # the first raw line that ends after start
    j = bisect.bisect_left(starts, end)  # the lines from j on start at or after end
    out = []
    for k in range(i, j):
        ls, le, line = starts[k], ends[k], lines[k]
        if ls >= start and le <= end:
            if line is not None:
                out.append(line)
            continue
        cut = _strip_line(text, max(ls, start), min(le, end))
        if cut is not None:
            out.append(cut)
    return out


def _strip_line(text: str, s: int, e: int) -> Line | None:
    raw = text[s:e]
    a = s + (len(raw) - len(raw.lstrip()))
    b = s + len(raw.rstrip())
    return Line(text[a:b], a, b) if b > a else None


@lru_cache(maxsize=1)  # the text being extracted: one at a time
def _text_lines(text: str) -> tuple[list[Line | None], list[int], list[int]]:
    """Every raw line of a text (None when blank) with its start and end offsets (end: its line break)."""
    lines, starts, ends, pos = [], [], [], 0
    for raw in text.split("\n"):
        starts.append(pos)
        ends.append(pos + len(raw))
        lines.append(_strip_line(text, pos, pos + len(raw)) if raw.strip() else None)
        pos += len(raw) + 1
    return lines, starts, ends


def _heading(first_line: str) -> str | None:
    cut = first_line.find("。")
    if cut < 0:
        s = first_line.strip()
        return s if 0 < len(s) <= 60 and not s.endswith(("：", ":", "，")) else None
    head = first_line[:cut].strip()
    return head if 0 < len(head) <= 50 else None


def parse_units(text: str, start: int, end: int) -> tuple[list[Unit], list[Unit]]:
    """Units of text[start:end]: (top-level units, all units in order). Label lines attach to units."""
    lines = split_lines(text, start, end)
    roots: list[Unit] = []
    units: list[Unit] = []
    stack: list[Unit] = []
    for ln in lines:
        if "\t" in ln.text:  # table rows and tables of contents are not numbering
            continue
        if LABEL.match(ln.text):
            if units:
                units[-1].label_lines.append(ln)
            continue
        m = marker_of(ln.text)
        if not m:
            continue
        kind, marker, m_end = m
        unit = Unit(kind=kind, marker=marker, start=ln.start, body_start=ln.start + m_end)
        unit.heading = _heading(ln.text[m_end:])
        while stack and stack[-1].rank >= unit.rank:
            stack.pop()
        unit.parent = stack[-1] if stack else None
        (unit.parent.children if unit.parent else roots).append(unit)
        stack.append(unit)
        units.append(unit)
    for i, u in enumerate(units):
        # the unit ends where the next unit of the same or a higher rank (not a descendant) starts
        u.end = end
        for v in units[i + 1:]:
            if not _is_descendant(v, u):
                u.end = v.start
                break
        u.own_end = u.children[0].start if u.children else u.end
    return roots, units


def _is_descendant(v: Unit, u: Unit) -> bool:
    p = v.parent
    while p is not None:
        if p is u:
            return True
        p = p.parent
    return False


def assignment_target(unit: Unit) -> Unit:
    """The unit a label block after `unit` belongs to: 一是…二是… items pass it to their group."""
    if unit.kind == "shi" and unit.parent is not None:
        return unit.parent
    return unit
