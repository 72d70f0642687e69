"""Typed records that the loaders produce: documents, citations, tasks, agencies, spans."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Span:
    """A stretch of the original file: character offsets into the decoded source and its quote."""

    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Jurisdiction:
    """An administrative division chain: province ⊃ city ⊃ county, with the lowest unit's code."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    code: str | None = None

    @property
    def lowest(self) -> str | None:
        """Name of the lowest unit that is known."""
        return self.county or self.city or self.province

    @property
    def level(self) -> str | None:
        """'county', 'city' or 'province' for the lowest unit known."""
        if self.county:
            return "county"
        if self.city:
            return "city"
        return "province" if self.province else None


@dataclass
class Agency:
    """An agency mention resolved to its jurisdiction (name as written, canonical name beside it)."""

    name: str
    surface: str
    jurisdiction: str | None
    canonical: str | None = None
    functional_type: str | None = None
    org_class: str | None = None
    collective: bool = False
    division_code: str | None = None
    span: Span | None = None


@dataclass
class DocNumber:
    """A parsed 发文字号: 云政办发〔2018〕60号 → issuer code 云政办发, year 2018, serial 60."""

    text: str
    issuer_code: str
    year: int
    serial: int


@dataclass
class Citation:
    """A document named in 《》 by the citing document, with the 文号 that follows it."""

    title: str
    doc_number: DocNumber | None = None
    relation: str = "cites"  # cites | based_on | applies
    span: Span | None = None
    issuer: Agency | None = None  # read from the 文号's issuer code (loaders.issuers), when the tables say
    level: str | None = None  # national | province | city | county: the cited document's, from the same code


@dataclass
class Deadline:
    """A 完成时限: the text as written, its parsed date (YYYY-MM[-DD]) and whether it is ongoing."""

    text: str
    date: str | None = None
    ongoing: bool = False
    span: Span | None = None


@dataclass
class Target:
    """A quantitative target inside a task: 建成3个实训基地 → 3 个 (year if stated)."""

    value: float
    unit: str
    text: str
    year: int | None = None
    comparator: str | None = None  # '>=' for 以上/不低于/至少/超过, '<=' for 以下/不超过
    span: Span | None = None


@dataclass(frozen=True)
class InstrumentCode:
    """A policy-instrument code of a task: typology, the concept's notation, the words that fired (word, times)."""

    typology: str  # rothwell-zegveld | mcdonnell-elmore
    code: str  # supply | environment | demand | mandate | inducement | capacity-building | system-changing | exhortation
    words: tuple[tuple[str, int], ...] = ()


@dataclass
class Task:
    """A numbered unit of a plan carrying a responsibility assignment (GUIDE §4)."""

    number: str | None
    heading: str | None
    text: str
    section_path: list[str] = field(default_factory=list)
    lead: list[Agency] = field(default_factory=list)
    responsible: list[Agency] = field(default_factory=list)
    cooperating: list[Agency] = field(default_factory=list)
    deadline: Deadline | None = None
    targets: list[Target] = field(default_factory=list)
    span: Span | None = None
    topics: list[str] = field(default_factory=list)
    instruments: list[InstrumentCode] = field(default_factory=list)  # one per typology (loaders.instruments)


@dataclass
class Diagnostic:
    """A finding a researcher should check (loaders/diagnostics.py lists the codes), with its span if any."""

    code: str
    message: str
    span: Span | None = None


@dataclass
class Clause:
    """A clause of a document's body (loaders.clauses): its normalised text and where it stands in the file."""

    text: str
    span: Span


@dataclass
class Provision:
    """A numbered item of a document's body that has no sub-items (（三）…, 5.…): the unit a task of a lower
    document is cascaded from, whether or not the item assigns bodies itself."""

    number: str
    heading: str | None
    text: str
    section_path: list[str]
    span: Span


@dataclass
class Document:
    """One document found in a file: a notice, the plan it promulgates, an attachment."""

    doc_id: str
    source: str
    part_of: str | None
    title: str | None
    doc_number: DocNumber | None
    doc_type: str | None
    date: str | None
    issuers: list[Agency]
    jurisdiction: Jurisdiction
    recipients: list[str]
    citations: list[Citation]
    tasks: list[Task]
    extent: tuple[int, int] | None = None  # original offsets of the whole document
    published: str | None = None
    title_span: Span | None = None
    topics: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    level: str | None = None  # national | province | city | county: the level of government that issued it
    clauses: list[Clause] = field(default_factory=list)  # the body's clauses, for text-reuse alignment
    provisions: list[Provision] = field(default_factory=list)  # the body's innermost numbered items


@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def plain(value: Any) -> Any:
    """A record as plain data, as dataclasses.asdict gives it (tuples stay tuples), without its deep copies:
    records hold only strings, numbers and other records, and asdict was a third of extraction's time."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    names = _field_names(type(value)) if hasattr(type(value), "__dataclass_fields__") else None
    if names is not None:
        return {n: plain(getattr(value, n)) for n in names}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    raise TypeError(f"not a record value: {type(value).__name__}")


def _agency_json(a: Agency) -> dict[str, Any]:
    out: dict[str, Any] = {"name": a.name, "jurisdiction": a.jurisdiction}
    if a.collective:
        out["collective"] = True
    out.update(surface=a.surface, canonical=a.canonical, functional_type=a.functional_type,
               org_class=a.org_class, division_code=a.division_code)
    if a.span:
        out["span"] = plain(a.span)
    return out


def _number_json(n: DocNumber | None) -> dict[str, Any] | None:
    return plain(n) if n else None


def document_to_contract(doc: Document) -> dict[str, Any]:
    """The JSON object of ../shared/eval/CONTRACT.md for one document, with extra keys."""
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "part_of": doc.part_of,
        "title": doc.title,
        "doc_number": doc.doc_number.text if doc.doc_number else None,
        "doc_type": doc.doc_type,
        "date": doc.date,
        "issuers": [_agency_json(a) for a in doc.issuers],
        "jurisdiction": {"province": doc.jurisdiction.province, "city": doc.jurisdiction.city,
                         "county": doc.jurisdiction.county},
        "level": doc.level,
        "recipients": doc.recipients,
        "citations": [
            {"title": c.title, "doc_number": c.doc_number.text if c.doc_number else None,
             "parsed_number": _number_json(c.doc_number), "relation": c.relation,
             "issuer": _agency_json(c.issuer) if c.issuer else None, "level": c.level,
             "span": plain(c.span) if c.span else None}
            for c in doc.citations
        ],
        "tasks": [
            {
                "number": t.number,
                "heading": t.heading,
                "text": t.text,
                "section_path": t.section_path,
                "lead": [_agency_json(a) for a in t.lead],
                "responsible": [_agency_json(a) for a in t.responsible],
                "cooperating": [_agency_json(a) for a in t.cooperating],
                "deadline": t.deadline.text if t.deadline else None,
                "deadline_date": t.deadline.date if t.deadline else None,
                "ongoing": t.deadline.ongoing if t.deadline else False,
                "targets": [plain(x) for x in t.targets],
                "span": plain(t.span) if t.span else None,
                "topics": t.topics,
                "instruments": [{"typology": x.typology, "code": x.code, "words": [w for w, _ in x.words]}
                                for x in t.instruments],
            }
            for t in doc.tasks
        ],
        "topics": doc.topics,
        "parsed_number": _number_json(doc.doc_number),
        "division_code": doc.jurisdiction.code,
        "published": doc.published,
        "extent": list(doc.extent) if doc.extent else None,
        "title_span": plain(doc.title_span) if doc.title_span else None,
        "warnings": [plain(d) for d in doc.diagnostics],
    }
