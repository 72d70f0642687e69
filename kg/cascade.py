"""Task cascade: which item of a higher document each task of a lower document carries down.

A local task is matched with the innermost numbered items (provisions) of the document it implements by what
it copies from them, clause by clause (kg.reuse.compare over the clauses inside the task and inside each
item: the copied characters of each local clause's best parent clause, among those sharing the most character
bigrams with it, counted for the item holding that clause), plus two signals that do not depend on wording:

- the headings read alike (ratio ≥ 0.75: 明确风险分担比例 / 明确风险分担比例, 健全风险补偿机制 /
  探索风险补偿机制), worth HEADING_WEIGHT copied characters;
- the bodies the parent item assigns (its task, if it has one) and the local task's bodies share a
  functional type (教育部 ↔ 省教育厅 ↔ 市教育局, from the department vocabulary), worth AGENCY_WEIGHT.

A task cascades from its best item when that weight reaches MIN_WEIGHT, and also from a second item that
weighs at least half as much and at least SECOND_WEIGHT (a local task often merges two parent items). Items
no local task cascades from are what the lower document dropped on the way down.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from loaders.records import Document, Span

from .reuse import candidates, compare, compared_text, prepare

MIN_COPIED = 8  # characters a clause must copy to count for an item
HEADING_ALIKE, HEADING_WEIGHT = 0.75, 40
AGENCY_WEIGHT = 20
MIN_WEIGHT, SECOND_WEIGHT = 16, 30
FULL_SCORE = 100  # weight at which the score reaches 1


@dataclass(frozen=True)
class CascadeLink:
    """A local task (index into its document's tasks) carried down from a parent provision (index)."""

    task: int
    provision: int
    score: float  # weight / FULL_SCORE, at most 1
    copied: int  # characters its clauses copy from the item's clauses
    heading_alike: bool
    agencies_alike: bool


def _inside(span: Span | None, outer: Span | None) -> bool:
    return span is not None and outer is not None and outer.start <= span.start and span.end <= outer.end


def _owner(span: Span, spans: list[Span | None]) -> int | None:
    for k, outer in enumerate(spans):
        if _inside(span, outer):
            return k
    return None


def _alike(a: str | None, b: str | None) -> bool:
    a, b = compared_text(a or ""), compared_text(b or "")
    return bool(a and b) and SequenceMatcher(None, a, b, autojunk=False).ratio() >= HEADING_ALIKE


def _ministries() -> dict[str, str]:
    """Central body → its function, from the vocabulary's national bodies (教育部 → 教育)."""
    from loaders.vocab import vocabulary

    return {body: function for function, body in vocabulary().national_bodies.items()}


def _functional_types(agencies, ministries: dict[str, str]) -> set[str]:
    """The functions of the bodies: a local bureau's from its department, a ministry's from `ministries`
    (教育部 ↔ 教育 ↔ 省教育厅 ↔ 市教育局)."""
    return {a.functional_type or ministries.get(a.canonical or a.name) for a in agencies} - {None}


def cascade(local: Document, parent: Document) -> list[CascadeLink]:
    """The links from the local document's tasks to the parent's provisions, best first per task."""
    if not local.tasks or not parent.provisions:
        return []
    task_spans = [t.span for t in local.tasks]
    item_spans = [p.span for p in parent.provisions]
    local_owner = [_owner(c.span, task_spans) for c in local.clauses]
    parent_owner = [_owner(c.span, item_spans) for c in parent.clauses]
    mine, theirs = prepare([c.text for c in local.clauses]), prepare([c.text for c in parent.clauses])
    in_items = {j for j, owner in enumerate(parent_owner) if owner is not None}
    copied: dict[tuple[int, int], int] = defaultdict(int)
    for i, a in enumerate(mine.keys):
        if local_owner[i] is None:
            continue
        best = None
        for j in candidates(mine, i, theirs, among=in_items, limit=16):  # sharing the most bigrams with it
            n = compare(a, theirs.keys[j])[2]
            if n >= MIN_COPIED and (best is None or n > best[0]):
                best = (n, j)
        if best is not None:
            copied[(local_owner[i], parent_owner[best[1]])] += best[0]
    # the bodies each parent item assigns: through the parent's task that lies in it
    ministries = _ministries()
    item_types: list[set[str]] = [set() for _ in parent.provisions]
    for t in parent.tasks:
        k = _owner(t.span, item_spans) if t.span else None
        if k is not None:
            item_types[k] |= _functional_types(t.lead + t.responsible + t.cooperating, ministries)
    links: list[CascadeLink] = []
    for ti, task in enumerate(local.tasks):
        types = _functional_types(task.lead + task.responsible + task.cooperating, ministries)
        weighed = []
        for pi, item in enumerate(parent.provisions):
            n = copied.get((ti, pi), 0)
            heading = _alike(task.heading, item.heading)
            agencies = bool(types & item_types[pi])
            weight = n + HEADING_WEIGHT * heading + AGENCY_WEIGHT * agencies
            if n or heading:
                weighed.append((weight, pi, n, heading, agencies))
        weighed.sort(key=lambda x: (-x[0], x[1]))
        if not weighed or weighed[0][0] < MIN_WEIGHT:
            continue
        top = weighed[0][0]
        for k, (weight, pi, n, heading, agencies) in enumerate(weighed[:2]):
            if k and (weight < SECOND_WEIGHT or weight < top / 2):
                continue
            links.append(CascadeLink(ti, pi, round(min(1.0, weight / FULL_SCORE), 3), n, heading, agencies))
    return links
