"""The numbering hierarchy of a plan (一、（一）1.（1）一是) as units with section paths (GUIDE §4)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .patterns import LABEL, MARKER_RANK, marker_of


@dataclass
class Line:
    """A line of normalised text with its offsets."""

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
    """Lines of text[start:end] with absolute offsets (empty lines dropped)."""
    out, pos = [], start
    for raw in text[start:end].split("\n"):
        s = pos + (len(raw) - len(raw.lstrip()))
        e = pos + len(raw.rstrip())
        if e > s:
            out.append(Line(text[s:e], s, e))
        pos += len(raw) + 1
    return out


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
