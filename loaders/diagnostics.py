"""What a researcher should check in an extracted document: each finding with a code, a message and, where it
has one, the span of the original text it is about. `kg extract --report` and build-info.json sum them per file."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .records import Agency, Diagnostic, Document

# code → what it means (the message of a finding adds the particulars)
CODES = {
    "no_title": "no title line found (a text that starts mid-document, or a layout the rules do not know)",
    "no_date": "neither a 成文日期 nor a publication date found",
    "date_repaired": "the 成文日期 lost its 年月日 and was read from its digits",
    "date_from_publication": "no 成文日期: the date is the stated publication date",
    "no_issuer": "no issuing body found",
    "jurisdiction_unresolved": "the issuing area could not be resolved (not a national document either)",
    "agency_not_in_vocabulary": "a body named in a role that the department vocabulary does not know",
    "no_tasks": "a plan-like document with no task assignments found",
}
_PLAN_TYPES = ("方案", "实施方案", "意见", "实施意见", "计划", "规划", "措施", "办法", "清单", "分工表")


def diagnose(doc: Document, date_note: str | None = None, national: bool = False) -> list[Diagnostic]:
    """The findings of one extracted document, in a fixed order."""
    out: list[Diagnostic] = []
    if doc.title is None:
        out.append(Diagnostic("no_title", CODES["no_title"]))
    if doc.date is None:
        out.append(Diagnostic("no_date", CODES["no_date"]))
    elif date_note in ("date_repaired", "date_from_publication"):
        out.append(Diagnostic(date_note, f"{CODES[date_note]}: {doc.date}"))
    if not doc.issuers and doc.part_of is None:
        out.append(Diagnostic("no_issuer", CODES["no_issuer"]))
    if doc.jurisdiction.code is None and not national:
        out.append(Diagnostic("jurisdiction_unresolved", CODES["jurisdiction_unresolved"]))
    seen: set[str] = set()
    for agency in _role_agencies(doc):
        if _unknown(agency) and agency.name not in seen:
            seen.add(agency.name)
            out.append(Diagnostic("agency_not_in_vocabulary", f"{CODES['agency_not_in_vocabulary']}: {agency.name}",
                                  agency.span))
    if not doc.tasks and doc.doc_type in _PLAN_TYPES:
        out.append(Diagnostic("no_tasks", CODES["no_tasks"]))
    return out


def _role_agencies(doc: Document) -> Iterable[Agency]:
    for t in doc.tasks:
        yield from t.lead
        yield from t.responsible
        yield from t.cooperating


def _unknown(agency: Agency) -> bool:
    """Not a known department, collective, government, party organ, school, enterprise or national body."""
    from .metadata import is_national

    return not (agency.functional_type or agency.collective or is_national(agency.name) or agency.org_class in
                ("PeoplesGovernment", "PartyOrgan", "School", "Enterprise", "MassOrganization", "Collective"))


def summarise(documents: Iterable[Document]) -> dict[str, int]:
    """Findings counted by code, over documents (one file's, or a build's)."""
    return dict(sorted(Counter(d.code for doc in documents for d in doc.diagnostics).items()))
