"""Task tables (序号 | 重点任务 | 牵头单位 | 配合单位 | 完成时限) as role clauses, row by row."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .responsibility import RoleClause, RoleList

_COLUMNS = {
    "number": re.compile(r"^(序号|编号|序)$"),
    "task": re.compile(r"(任务|工作内容|工作措施|具体措施|主要举措|措施|事项|内容)"),
    "lead": re.compile(r"(牵头单位|牵头部门|主责单位|牵头)"),
    "responsible": re.compile(r"(责任单位|责任部门|负责单位|责任主体)"),
    "cooperating": re.compile(r"(配合单位|配合部门|协办单位|参与单位|配合)"),
    "deadline": re.compile(r"(完成时限|完成时间|时间节点|时限|进度)"),
}


@dataclass
class TableRow:
    """One task row: number, task cell text and its offsets, and the row's role clause."""

    number: str | None
    text: str
    start: int
    end: int
    clause: RoleClause


def _cells(line: str, base: int) -> list[tuple[str, int, int]]:
    out, pos = [], 0
    for raw in line.split("\t"):
        s = raw.strip()
        off = raw.find(s) if s else 0
        out.append((s, base + pos + off, base + pos + off + len(s)))
        pos += len(raw) + 1
    return out


def _header(cells: list[str]) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for i, c in enumerate(cells):
        for name in ("number", "lead", "responsible", "cooperating", "deadline", "task"):
            if name not in cols and _COLUMNS[name].search(c) and len(c) <= 12:
                cols[name] = i
                break
    if not ({"lead", "responsible"} & set(cols)) or "task" not in cols:
        return None
    return cols


def find_task_rows(text: str, start: int, end: int) -> list[TableRow]:
    """Rows of every task table in text[start:end] (lines of tab-separated cells)."""
    rows: list[TableRow] = []
    cols: dict[str, int] | None = None
    pos = start
    for line in text[start:end].split("\n"):
        base = pos
        pos += len(line) + 1
        if "\t" not in line:
            cols = None if line.strip() else cols
            continue
        cells = _cells(line, base)
        header = _header([c[0] for c in cells])
        if header is not None:
            cols = header
            continue
        if cols is None or len(cells) <= max(cols.values()):
            continue
        task_text, t0, t1 = cells[cols["task"]]
        if not task_text:
            continue
        clause = RoleClause("table", base, base + len(line))
        for role in ("lead", "responsible", "cooperating"):
            if role in cols:
                value, v0, v1 = cells[cols[role]]
                if value:
                    clause.lists.append(RoleList(role, value, v0, v1))
        if "deadline" in cols and cells[cols["deadline"]][0]:
            clause.deadline = cells[cols["deadline"]]
        number = cells[cols["number"]][0] if "number" in cols else None
        rows.append(TableRow(number or None, task_text, t0, t1, clause))
    return rows
