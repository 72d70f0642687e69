"""Task tables in text (序号 | 重点任务 | 主要内容 | 牵头单位 | 配合单位 | 完成时限) as role clauses, row by row.

Cells are separated by tabs (tables saved from web pages and .docx) or by pipes (Markdown-like copies). A cell
may run over several lines; a row without its own 序号 under a numbered one (a row span) is a task of its
own, numbered and headed like the row above (GUIDE §7)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .responsibility import RoleClause, RoleList

# Column kinds by header text, tried in this order (a header cell takes the first kind it matches).
_COLUMNS = (
    ("internal", re.compile(r"(处室|内牵头|内配合|内部)")),  # divisions inside one agency: not agencies
    ("number", re.compile(r"^(序号|编号|序)$")),
    ("lead", re.compile(r"(牵头单位|牵头部门|主责单位|牵头)")),
    ("responsible", re.compile(r"(责任单位|责任部门|负责单位|责任主体|指导部门|实施单位|承办单位)")),
    ("cooperating", re.compile(r"(配合单位|配合部门|协办单位|参与单位|配合)")),
    ("deadline", re.compile(r"(完成时限|完成时间|时间节点|时限|进度)")),
    ("content", re.compile(r"(内容|具体措施|工作措施|措施|任务描述|具体要求)")),
    ("name", re.compile(r"(任务|举措|事项|项目|名称|工作)")),
)
_ROLE_COLUMNS = ("lead", "responsible", "cooperating")
_NONE = {"/", "—", "-", "无", "——", "－"}
_NUMBER = re.compile(r"^\d{1,3}[.、．]?$")


@dataclass
class TableRow:
    """One task row: number, heading (its item-name cell), task text and offsets, and the row's role clause."""

    number: str | None
    text: str
    start: int
    end: int
    clause: RoleClause
    heading: str | None = None


Cell = tuple[str, int, int]


def _split(line: str, base: int) -> list[Cell] | None:
    """A line's cells with offsets, or None when the line is not a table line (no tab, fewer than two pipes)."""
    if "\t" in line:
        sep = "\t"
    elif line.count("|") >= 2:
        sep = "|"
    else:
        return None
    out, pos = [], 0
    for raw in line.split(sep):
        s = raw.strip()
        off = raw.find(s) if s else 0
        out.append((s, base + pos + off, base + pos + off + len(s)))
        pos += len(raw) + 1
    if sep == "|":  # | a | b | → the empty edges are not cells
        if out and not out[0][0] and line.lstrip().startswith("|"):
            out.pop(0)
        while out and not out[-1][0]:
            out.pop()
    return out


def _header(cells: list[str]) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for i, c in enumerate(cells):
        c = re.sub(r"\s+", "", c)
        if not c or len(c) > 12:
            continue
        for kind, pattern in _COLUMNS:
            if pattern.search(c):
                if kind not in cols:
                    cols[kind] = i
                break
    if not (set(_ROLE_COLUMNS) & set(cols)) or not ({"name", "content"} & set(cols)):
        return None
    return cols


def find_task_rows(text: str, start: int, end: int) -> list[TableRow]:
    """Rows of every task table in text[start:end]."""
    rows: list[TableRow] = []
    cols: dict[str, int] | None = None
    width = 0
    pending: list[Cell] | None = None  # a row whose last cells are still to come on the next lines
    previous: list[Cell] | None = None  # the last complete row (a row span's number and heading come from it)
    pos = start
    for line in text[start:end].split("\n"):
        base = pos
        pos += len(line) + 1
        cells = _split(line, base)
        if cells is not None:
            header = _header([c[0] for c in cells])
            if header is not None:
                if pending:
                    _emit(rows, cols, pending, previous, width)
                cols, width, pending, previous = header, len(cells), None, None
                continue
        if cols is None:
            continue
        if pending is not None and (cells is None or not _starts_row(cells, cols)
                                    and len(pending) + len(cells) - 1 <= width):
            pending = _continue(pending, cells, line, base)  # a cell broken over lines
        elif cells is not None and len(cells) >= 2:
            if pending:
                previous = _emit(rows, cols, pending, previous, width)
            pending = cells
        elif line.strip() and len(line.strip()) > 40 and cells is None:
            cols = None  # prose after the table
            continue
        if pending is not None and len(pending) >= width:
            previous = _emit(rows, cols, pending, previous, width)
            pending = None
    if pending and cols is not None:
        _emit(rows, cols, pending, previous, width)
    return rows


def _starts_row(cells: list[Cell], cols: dict[str, int]) -> bool:
    """A line that opens a new row: its 序号 cell holds a number (or the table has no 序号 column)."""
    if "number" not in cols:
        return len(cells) >= 2
    return bool(_NUMBER.match(cells[0][0])) or not cells[0][0] and len(cells) >= 2


def _continue(pending: list[Cell], cells: list[Cell] | None, line: str, base: int) -> list[Cell]:
    """The row so far with the next line: its first fragment continues the last cell, the rest are new cells."""
    if cells is None:
        s = line.strip()
        cells = [(s, base + line.find(s), base + line.find(s) + len(s))] if s else []
    if not cells:
        return pending
    head, *rest = cells
    last = pending[-1]
    if head[0]:
        last = (last[0] + "\n" + head[0] if last[0] else head[0], last[1] if last[0] else head[1], head[2])
    return pending[:-1] + [last] + rest


def _emit(rows: list[TableRow], cols: dict[str, int] | None, cells: list[Cell],
          previous: list[Cell] | None, width: int) -> list[Cell] | None:
    """Add the row (aligned right when it lacks its leading cells, as a row span does) and return it."""
    if cols is None:
        return previous
    need = max(max(cols.values()) + 1, min(width, len(previous) if previous else width))
    if len(cells) < need:
        if previous is None or len(cells) < 2:
            return previous
        cells = previous[:need - len(cells)] + cells  # a sub-row: number and heading from the spanning row
    elif previous is not None:  # a row span saved as empty cells: the spanning row's number and item name
        for kind in ("number", "name"):
            if kind in cols and not cells[cols[kind]][0] and cols[kind] < len(previous):
                cells = cells[:cols[kind]] + [previous[cols[kind]]] + cells[cols[kind] + 1:]
    name = cells[cols["name"]] if "name" in cols else None
    content = cells[cols["content"]] if "content" in cols else None
    body = content if content and content[0] else name
    if body is None or not body[0]:
        return previous
    clause = RoleClause("table", min(c[1] for c in cells if c[0]) if any(c[0] for c in cells) else body[1],
                        max(c[2] for c in cells))
    for role in _ROLE_COLUMNS:
        if role in cols:
            value, v0, v1 = cells[cols[role]]
            if value and value not in _NONE:
                clause.lists.append(RoleList(role, value, v0, v1))
    if "deadline" in cols and cells[cols["deadline"]][0] not in ("", *_NONE):
        clause.deadline = cells[cols["deadline"]]
    number = cells[cols["number"]][0] if "number" in cols else None
    heading = name[0].rstrip("。.") if name and content and name[0] else None
    rows.append(TableRow(number or None, body[0], body[1], body[2], clause, heading))
    return cells
