"""Files → Document records: read, normalise, segment, then run the pipeline and assemble tasks."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from .agencies import AgencyContext, AgencyResolver, split_items
from .citations import dedupe
from .clauses import split_clauses
from .diagnostics import diagnose
from .metadata import infer_division, is_national, jurisdiction_of, read_metadata
from .instruments import code_text
from .issuers import LEVELS, Issuer, issuer_of
from .divisions import division_table
from .normalize import NormText, normalize
from .pipeline import Marks, annotate, default_pipeline, shift_clause
from .read import LoaderError, Source, read_source, readable_name
from .records import Agency, Citation, Clause, Deadline, Document, Jurisdiction, Provision, Span, Target, Task
from .responsibility import ROLES, RoleClause, RoleList, parse_deadline
from .segment import Segment, segment_documents
from .structure import Unit, assignment_target, parse_units
from .tables import find_task_rows
from .topics import topics_in
from .vocab import vocabulary

_RANK = {"lead": 0, "responsible": 1, "cooperating": 2}


@dataclass
class _Assignment:
    """Role clauses gathered for one task before resolution: a unit's, or a bare paragraph's."""

    unit: Unit | None = None
    paragraph: tuple[int, int] | None = None
    clauses: list[RoleClause] = field(default_factory=list)

    @property
    def explicit(self) -> bool:
        return any(c.kind in ("label", "parenthetical", "sentence") for c in self.clauses)


def extract_file(path: Path | str, max_mb: float | None = None) -> list[Document]:
    """Extract every document of one file; raises LoaderError naming the file on bad input."""
    source = read_source(path) if max_mb is None else read_source(path, max_mb=max_mb)
    return extract_source(source)


def extract_source(source: Source) -> list[Document]:
    """Extract the documents of a Source already read."""
    text = source.text
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise LoaderError(source.path, "no Chinese text found (not a policy document)")
    norm = normalize(text)
    if not norm.text.strip():
        raise LoaderError(source.path, "nothing left after clean-up (only page furniture or punctuation)")
    return extract_text(norm, readable_name(source.path.name))


def extract_string(text: str, source_name: str = "text.txt") -> list[Document]:
    """Extract the documents of a text given as a string (offsets refer to that string)."""
    return extract_source(Source(Path(source_name), text, "utf-8", "txt"))


def _span(norm: NormText, start: int, end: int) -> Span:
    return norm.span(start, end)


def extract_text(norm: NormText, source_name: str) -> list[Document]:
    """Documents of one normalised text (see GUIDE §1–6)."""
    segments = segment_documents(norm.text)
    stem = Path(source_name).stem
    docs: list[Document] = []
    nlp = default_pipeline()
    for i, seg in enumerate(segments):
        parent = docs[seg.parent] if seg.parent is not None and seg.parent < len(docs) else None
        docs.append(_document(norm, seg, f"{stem}-{i}", source_name, parent, nlp))
    return docs


def _document(norm: NormText, seg: Segment, doc_id: str, source: str, parent: Document | None, nlp) -> Document:
    text = norm.text
    meta = read_metadata(text, seg.start, seg.body_start, seg.end, seg.title)
    national = bool(meta.issuer_names) and all(is_national(n) for n, _, _ in meta.issuer_names) or \
        not meta.issuer_names and _carried_by_national(parent)  # a plan or attachment of a national document
    division = None if national else infer_division([" ".join(n for n, _, _ in meta.issuer_names), seg.title or ""],
                                                    text[seg.body_start:seg.end])
    juris = jurisdiction_of(division)
    if parent is not None and (division is None or seg.kind == "promulgated" and
                               not (seg.title and division.name in seg.title)):
        juris = parent.jurisdiction if parent.jurisdiction.code and (
            division is None or parent.jurisdiction.code.startswith(division.code.rstrip("0")[:4])) else juris
    resolver = AgencyResolver(AgencyContext(juris, juris.code, national=national))
    issuers = _dedupe_agencies([a for name, s, e in meta.issuer_names
                                for a in _resolve_one(resolver, name, norm, s, e)])
    date = meta.date
    if seg.kind in ("promulgated", "attachment") and parent is not None:  # GUIDE §2, §7: the carrier's
        issuers = issuers or list(parent.issuers)
        date = date or parent.date
    marks = annotate(nlp, text[seg.start:seg.end])
    citations = _citations(marks, norm, seg.start)
    _, units = parse_units(text, seg.body_start, seg.end)
    tasks = _tasks(marks, norm, seg, resolver, units)
    doc = Document(
        doc_id=doc_id, source=source, part_of=parent.doc_id if parent else None,
        title=seg.title, doc_number=meta.doc_number, doc_type=meta.doc_type, date=date,
        issuers=issuers, jurisdiction=juris, recipients=meta.recipients, citations=citations, tasks=tasks,
        extent=(norm.offsets[seg.start], norm.offsets[min(seg.end, len(text))] if seg.end < len(text)
                else len(norm.original)),
        published=meta.published,
        title_span=_span(norm, seg.title_start, seg.title_end) if seg.title_start is not None else None,
        topics=sorted(set(topics_in(seg.title or "")) | set(topics_in(text[seg.start:seg.end], min_count=3)),
                      key=_topic_order),
        level="national" if national else _level_of(juris),
        clauses=[Clause(text[s:e], norm.span(s, e)) for s, e in split_clauses(text, seg.body_start, seg.end)],
        provisions=_provisions(norm, units),
    )
    _cited_issuers(citations, juris.code)
    doc.diagnostics = diagnose(doc, meta.date_note if date == meta.date else None,
                               national=national or juris.code is None and _carried_by_national(parent))
    return doc


def _provisions(norm: NormText, units: list[Unit]) -> list[Provision]:
    """The innermost numbered items of the body (no sub-items), with their text as written and span."""
    out = []
    for u in units:
        if u.children:
            continue
        body = _unit_text(norm.text, u)
        if body:
            out.append(Provision(u.marker, u.heading, body, u.path(), norm.span(u.start, u.end)))
    return out


def _level_of(juris: Jurisdiction) -> str | None:
    """The level of a local jurisdiction: its lowest known unit's."""
    return "county" if juris.county else "city" if juris.city else "province" if juris.province else None


def _cited_issuers(citations: list[Citation], near: str | None) -> None:
    """Give each citation with a 文号 the issuer and level its issuer code names (read near the citing
    document's division), resolved as a body named in a document of that place would be."""
    resolvers: dict[str | None, AgencyResolver] = {}  # one per issuing place: a plan cites a few places often
    for c in citations:
        issuer = issuer_of(c.doc_number.issuer_code, near) if c.doc_number is not None else None
        if issuer is None:
            issuer = _issuer_in_title(c.title, near)
        if issuer is None:
            continue
        c.level = issuer.level
        resolver = resolvers.get(issuer.division_code)
        if resolver is None:
            juris = jurisdiction_of(division_table().by_code.get(issuer.division_code)) if issuer.division_code \
                else Jurisdiction()
            resolver = resolvers[issuer.division_code] = AgencyResolver(
                AgencyContext(juris, juris.code, national=issuer.division_code is None))
        c.issuer, _ = resolver.resolve_one(issuer.body)


def _issuer_in_title(title: str, near: str | None) -> Issuer | None:
    """The issuer a cited title names before its 关于 (国务院关于…, 云南省人民政府办公厅关于…), when it is a national
    body or opens with a place: its level, read as a document of that place would read it."""
    head = title.split("关于", 1)[0].strip() if "关于" in title else ""
    if not head or len(head) > 40 or "、" in head or " " in head:
        return None  # 关于 inside a name, or several joint issuers: left unread
    if is_national(head):
        return Issuer("", head, "national")
    table = division_table()
    places = table.mentions(head)
    if not places or places[0][0] != 0:
        return None
    division = table.resolve(places[0][2], near)
    if division is None:
        return None
    return Issuer("", head, LEVELS[division.level], division.code)


def _carried_by_national(parent: Document | None) -> bool:
    """Whether the document carrying this one was issued by central bodies only."""
    return parent is not None and bool(parent.issuers) and all(is_national(a.name) for a in parent.issuers)


def _topic_order(label: str) -> int:
    return [c.pref for c in vocabulary().topics].index(label)


def _resolve_one(resolver: AgencyResolver, name: str, norm: NormText, start: int, end: int) -> list[Agency]:
    agency, _ = resolver.resolve_one(resolver.clean(name))
    if agency is None:
        return []
    if 0 <= start < end:
        agency.span = _span(norm, start, end)
    return [agency]


def _dedupe_agencies(agencies: list[Agency]) -> list[Agency]:
    seen, out = set(), []
    for a in agencies:
        key = a.canonical or a.name
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def _citations(marks: Marks, norm: NormText, base: int) -> list[Citation]:
    matches = dedupe(marks.citations)
    return [Citation(title=c.title, doc_number=c.doc_number, relation=c.relation,
                     span=_span(norm, base + c.start, base + c.end)) for c in matches]


_NEWLINE = re.compile("\n")


class _UnitIndex:
    """The innermost unit holding a position, found by bisecting the units' starts (not by scanning them all)."""

    def __init__(self, units: list[Unit]):
        self.units = sorted(units, key=lambda u: u.start)
        self.starts = [u.start for u in self.units]

    def innermost(self, pos: int, own: bool = True) -> Unit | None:
        """Of the units with start <= pos < end (own_end when `own`), the one that starts last."""
        i = bisect.bisect_right(self.starts, pos) - 1
        while i >= 0:  # walk back from the closest start: the enclosing unit is the first still open at pos
            u = self.units[i]
            if pos < (u.own_end if own else u.end):
                return u
            i -= 1
        return None


class _TargetIndex:
    """A segment's targets in start order (offsets into the whole text), found for a task by bisection."""

    def __init__(self, marks: Marks, base: int):
        self.targets = sorted(((s + base, e + base, t) for t, s, e in marks.targets), key=lambda x: (x[0], x[1]))
        self.starts = [s for s, _, _ in self.targets]

    def within(self, start: int, end: int) -> list[tuple[int, int, Target]]:
        return self.targets[bisect.bisect_left(self.starts, start):bisect.bisect_left(self.starts, end)]


def _tasks(marks: Marks, norm: NormText, seg: Segment, resolver: AgencyResolver, units: list[Unit]) -> list[Task]:
    text = norm.text
    base = seg.start
    index = _UnitIndex(units)
    by_unit: dict[int, _Assignment] = {}
    inline: list[tuple[Unit | None, RoleClause]] = []
    subjects: list[tuple[Unit | None, RoleClause]] = []
    label_owner = {ln.start: u for u in units for ln in u.label_lines}
    targets = _TargetIndex(marks, base)
    lines = _Lines(text, seg.start, seg.end)
    first_leads_from = _first_listed_leads_from(text, seg)
    blankets = _blanket_assignments(text, seg)
    for clause in marks.role_clauses:
        c: RoleClause = shift_clause(clause, base)
        if c.start < seg.body_start:
            continue
        if c.kind == "label":
            owner = label_owner.get(c.start) or label_owner.get(lines.start(c.start))
            if owner is None:
                owner = index.innermost(c.start, own=False)
            if owner is None:
                continue
            target = assignment_target(owner)
            by_unit.setdefault(id(target), _Assignment(unit=target)).clauses.append(c)
        elif c.kind in ("parenthetical", "sentence"):
            if c.kind == "sentence" and not _resolves_fully(resolver, c, grounded=True):
                continue
            owner = index.innermost(c.start)
            key = id(owner) if owner is not None else -c.start
            para = None if owner is not None else lines.paragraph(c.start)
            by_unit.setdefault(key, _Assignment(unit=owner, paragraph=para)).clauses.append(c)
        elif c.kind == "inline":
            inline.append((index.innermost(c.start), c))
        else:
            subjects.append((index.innermost(c.start), c))
    any_explicit = any(a.explicit for a in by_unit.values())
    tasks: list[tuple[int, Task]] = []
    # inline clauses join their unit's assignment when it has one, else stand as tasks of their own
    standalone: list[tuple[Unit | None, RoleClause]] = []
    for unit, c in inline:
        key = id(unit) if unit is not None else None
        if key is not None and key in by_unit and by_unit[key].explicit:
            by_unit[key].clauses.append(c)
        else:
            standalone.append((unit, c))
    for a in by_unit.values():
        unit = a.unit
        parts = _separate_assignments(text, a) if unit is not None else []
        if len(parts) > 1:  # several assignments in one item: a task each (GUIDE §7)
            for (p_start, p_end), clauses in parts:
                task = _make_task(norm, resolver, clauses, unit.marker, unit.heading,
                                  text[p_start:p_end].strip().lstrip("；;，,。 ").strip(), unit.path(), p_start, p_end,
                                  targets, first_leads_from)
                if task is not None:
                    tasks.append((p_start, task))
            continue
        if unit is not None:
            start, end = unit.body_start, unit.end
            body = _unit_text(text, unit)
            number, heading, path = unit.marker, unit.heading, unit.path()
        else:
            start, end = a.paragraph or (a.clauses[0].start, a.clauses[0].end)
            body, number, heading, path = text[start:end].strip(), None, None, []
        task = _make_task(norm, resolver, a.clauses, number, heading, body, path, start, end, targets, first_leads_from)
        if task is not None:
            tasks.append((start, task))
    with_inline = {id(u) for u, _ in standalone if u is not None}
    inline_starts = sorted(c.start for _, c in standalone)
    for unit, c in standalone:
        if not _resolves_fully(resolver, c, grounded=True):
            continue  # 促进职业院校… / 由行业协会牵头: no particular body
        end = _inline_end(text, lines, c, inline_starts, unit)
        body = text[c.start:end].strip().rstrip("；;")
        task = _make_task(norm, resolver, [c], unit.marker if unit else None, unit.heading if unit else None,
                          body, unit.path() if unit else [], c.start, end, targets, first_leads_from)
        if task is not None:
            tasks.append((c.start, task))
    for row in find_task_rows(text, seg.body_start, seg.end):
        unit = index.innermost(row.start, own=False)
        heading = row.heading or (row.text.split("。")[0] if "。" in row.text[:50] else None)
        task = _make_task(norm, resolver, [row.clause], row.number, heading, row.text,
                          unit.path() if unit else [], row.start, row.end, targets, first_leads_from)
        if task is not None:
            tasks.append((row.start, task))
            any_explicit = True
    if any_explicit:
        for unit, c in subjects:
            if unit is None or id(unit) in by_unit or id(unit) in with_inline or \
                    not _resolves_fully(resolver, c, grounded=True):
                continue
            body = text[c.start:c.end].strip()
            task = _make_task(norm, resolver, [c], unit.marker, unit.heading, body, unit.path(), c.start,
                              c.end, targets, first_leads_from)
            if task is not None:
                tasks.append((c.start, task))
    for at, names in blankets:
        for start, task in tasks:
            if start > at:
                _add_blanket(task, names, resolver, norm)
        # every later item at the level of the one that states the clause is a task, also one naming nobody
        item = index.innermost(at)
        taken = sorted(start for start, _ in tasks)
        for unit in units if item is not None else []:
            k = bisect.bisect_left(taken, unit.start)  # a task already inside this unit?
            if unit.kind == item.kind and unit.start > at and not (k < len(taken) and taken[k] < unit.end):
                clause = RoleClause("blanket", names.start, names.end, [names])
                task = _make_task(norm, resolver, [clause], unit.marker, unit.heading, _unit_text(text, unit),
                                  unit.path(), unit.body_start, unit.end, targets)
                if task is not None:
                    tasks.append((unit.body_start, task))
    tasks.sort(key=lambda x: x[0])
    return [t for _, t in tasks]


def _blanket_assignments(text: str, seg: Segment) -> list[tuple[int, RoleList]]:
    """Blanket clauses of a segment (以下各项工作均需X负责落实，不再一一列出): (position, the bodies with their role)."""
    out = []
    for pattern in vocabulary().blanket_assignments:
        for m in pattern.finditer(text, seg.body_start, seg.end):
            role = "lead" if "牵头" in text[m.end("who"):m.end()] else "responsible"
            out.append((m.start(), RoleList(role, m.group("who"), m.start("who"), m.end("who"))))
    return out


def _add_blanket(task: Task, names: RoleList, resolver: AgencyResolver, norm: NormText) -> None:
    """Give a later task the bodies of a blanket clause, quoting the clause, unless it names them already
    (GUIDE §7)."""
    have = {a.canonical or a.name for r in ROLES for a in getattr(task, r)}
    for agency, start, end in resolver.resolve_list(names.text, base=names.start):
        if (agency.canonical or agency.name) not in have:
            agency.span = norm.span(start, end)
            getattr(task, names.role).append(agency)


def _separate_assignments(text: str, a: _Assignment) -> list[tuple[tuple[int, int], list[RoleClause]]]:
    """An item whose assignments are all parentheticals, two or more with the item's text between them
    (建设基地（A牵头）；开展培训（B负责）。): each parenthetical with the text before it, as its own task."""
    unit = a.unit
    parens = sorted(a.clauses, key=lambda c: c.start)
    if len(parens) < 2 or any(c.kind != "parenthetical" for c in parens):
        return []
    out, pos = [], unit.body_start
    for c in parens:
        if not re.search(r"[\u4e00-\u9fff]", text[pos:c.start]):
            return []  # two brackets side by side: one assignment written in two parts
        out.append(((pos, c.end), [c]))
        pos = c.end
    return out


def _first_listed_leads_from(text: str, seg: Segment) -> int | None:
    """Where a "列第一位者为牵头单位，下同" convention is stated in the segment's body, if it is."""
    found = [i for phrase in vocabulary().rule("conventions", "first_listed_leads")
             if (i := text.find(phrase, seg.body_start, seg.end)) >= 0]
    return min(found) if found else None


def _first_listed_leads(resolver: AgencyResolver, clauses: list[RoleClause], roles: dict[str, list[Agency]]) -> None:
    """Make the first listed body the lead, the others keeping their written role (GUIDE §7); when the first
    listed party is an unspecified one that is dropped, nobody leads."""
    explicit = [c for c in clauses if c.kind in ("parenthetical", "label", "sentence", "table")] or clauses
    lists = sorted((rl for c in explicit for rl in c.lists), key=lambda rl: rl.start)
    if not lists:
        return
    items = split_items(lists[0].text)
    if not items or resolver.is_unspecified(resolver.clean(items[0][0])):
        return
    resolved = resolver.resolve_list(lists[0].text)
    if not resolved:
        return
    key = resolved[0][0].canonical or resolved[0][0].name
    for r in ROLES:
        for a in roles[r]:
            if (a.canonical or a.name) == key:
                roles[r].remove(a)
                roles["lead"].insert(0, a)
                return


def _resolves_fully(resolver: AgencyResolver, clause: RoleClause, grounded: bool = False) -> bool:
    """Every item of every list names an agency (so a sentence like 推进工作落实 is no assignment); with
    `grounded`, a real body too — a sentence's subject such as 高等职业学校 or 地方政府 names a kind of body,
    not one (GUIDE §7)."""
    for rl in clause.lists:
        named = [x for x in (resolver.clean(i) for i, _ in split_items(rl.text)) if x and not resolver.is_unspecified(x)]
        resolved = resolver.resolve_list(rl.text)
        if not named or len(resolved) != len(named):
            return False
        if grounded and not all(_is_grounded(resolver, a) for a, _, _ in resolved):
            return False
    return True


def _is_grounded(resolver: AgencyResolver, agency: Agency) -> bool:
    """A particular body: a known department, a 各… collective, a national body, or a name that carries its place."""
    surface = resolver.clean(agency.surface)
    collective = agency.collective and surface.startswith("各")  # 各县（区）人民政府, not 职业院校 as a kind
    return bool(agency.functional_type or collective or is_national(surface)
                or resolver.leading_place(surface) is not None or re.match(r"^(省|自治区|市|州|县|区|旗)", surface))


class _Lines:
    """Line starts and ends around positions of one segment, by bisecting its line breaks once found.

    A scan back to the previous line break costs the whole line on every call: on a text of one long line
    that made task assembly quadratic."""

    def __init__(self, text: str, start: int, end: int):
        self.text, self.lo, self.hi = text, start, end
        self.breaks = [m.start() for m in _NEWLINE.finditer(text, start, end)]
        self._before: int | None = None
        self._after: int | None = None

    def start(self, pos: int) -> int:
        """text.rfind("\\n", 0, pos) + 1, for lo <= pos <= hi."""
        i = bisect.bisect_left(self.breaks, pos)
        if i:
            return self.breaks[i - 1] + 1
        if self._before is None:
            self._before = self.text.rfind("\n", 0, self.lo)
        return self._before + 1

    def end(self, pos: int) -> int:
        """text.find("\\n", pos) (-1 when none), for lo <= pos <= hi."""
        i = bisect.bisect_left(self.breaks, pos)
        if i < len(self.breaks):
            return self.breaks[i]
        if self._after is None:
            self._after = self.text.find("\n", self.hi)
        return self._after

    def paragraph(self, pos: int) -> tuple[int, int]:
        """The line holding pos, to the text's end when it is the last."""
        e = self.end(pos)
        return self.start(pos), (e if e >= 0 else len(self.text))


def _unit_text(text: str, unit: Unit) -> str:
    """The unit's text from after its marker to its end, without the label lines."""
    parts, pos = [], unit.body_start
    for ln in sorted(unit.label_lines + [x for ch in _descendants(unit) for x in ch.label_lines],
                     key=lambda x: x.start):
        if ln.start >= unit.end:
            continue
        parts.append(text[pos:ln.start])
        pos = ln.end
    parts.append(text[pos:unit.end])
    body = "".join(parts)
    return re.sub(r"\n{2,}", "\n", body).strip()


def _descendants(unit: Unit) -> list[Unit]:
    out = []
    for ch in unit.children:
        out.append(ch)
        out.extend(_descendants(ch))
    return out


def _inline_end(text: str, lines: _Lines, c: RoleClause, starts: list[int], unit: Unit | None) -> int:
    """Where an inline clause's task ends: its unit, line, the next inline clause or a ；, whichever is first."""
    limit = unit.own_end if unit is not None else lines.paragraph(c.start)[1]
    para_end = lines.end(c.start)
    if para_end >= 0:
        limit = min(limit, para_end)
    k = bisect.bisect_right(starts, c.start)  # the next inline clause starting after this one
    if k < len(starts) and starts[k] < limit:
        limit = starts[k]
    semi = re.search(r"[；;]", text[c.end:limit])
    return c.end + semi.start() if semi else limit


def _make_task(norm: NormText, resolver: AgencyResolver, clauses: list[RoleClause], number, heading, body,
               path, start, end, targets: _TargetIndex, first_leads_from: int | None = None) -> Task | None:
    roles: dict[str, list[Agency]] = {r: [] for r in ROLES}
    seen: dict[str, str] = {}
    deadline = None
    for c in clauses:
        for rl in c.lists:
            resolved = resolver.resolve_list(rl.text, base=rl.start)
            for agency, a_start, a_end in resolved:
                agency.span = norm.span(a_start, a_end)
                key = agency.canonical or agency.name
                if key in seen:
                    if _RANK[rl.role] < _RANK[seen[key]]:  # 牵头 beats 责任 beats 配合
                        roles[seen[key]] = [x for x in roles[seen[key]] if (x.canonical or x.name) != key]
                        roles[rl.role].append(agency)
                        seen[key] = rl.role
                    continue
                seen[key] = rl.role
                roles[rl.role].append(agency)
        if c.deadline and deadline is None:
            d: Deadline = parse_deadline(c.deadline[0])
            d.span = norm.span(c.deadline[1], c.deadline[2])
            deadline = d
    if not any(roles.values()):
        return None
    if first_leads_from is not None and end > first_leads_from:
        _first_listed_leads(resolver, clauses, roles)
    found = [Target(t.value, t.unit, t.text, t.year, t.comparator, norm.span(s, e))
             for s, e, t in targets.within(start, end)]
    return Task(number=number, heading=heading, text=body, section_path=path, lead=roles["lead"],
                responsible=roles["responsible"], cooperating=roles["cooperating"], deadline=deadline,
                targets=found, span=norm.span(start, end), topics=topics_in((heading or "") + body),
                instruments=code_text(body, heading))
