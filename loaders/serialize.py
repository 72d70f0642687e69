"""Records ↔ plain JSON data, lossless, for the build cache and for passing records between processes."""
from __future__ import annotations

from typing import Any

from .records import plain, Agency, Citation, Clause, Deadline, InstrumentCode, Provision, Diagnostic, DocNumber, Document, Jurisdiction, Span, Target, Task


def documents_to_data(docs: list[Document]) -> list[dict[str, Any]]:
    """Documents as JSON-ready dicts (every field kept)."""
    return [plain(d) for d in docs]


def _span(d: dict | None) -> Span | None:
    return Span(**d) if d else None


def _number(d: dict | None) -> DocNumber | None:
    return DocNumber(**d) if d else None


def _agency(d: dict) -> Agency:
    return Agency(**{**d, "span": _span(d.get("span"))})


def _task(d: dict) -> Task:
    return Task(
        number=d["number"], heading=d["heading"], text=d["text"], section_path=list(d["section_path"]),
        lead=[_agency(a) for a in d["lead"]], responsible=[_agency(a) for a in d["responsible"]],
        cooperating=[_agency(a) for a in d["cooperating"]],
        deadline=Deadline(**{**d["deadline"], "span": _span(d["deadline"].get("span"))}) if d["deadline"] else None,
        targets=[Target(**{**t, "span": _span(t.get("span"))}) for t in d["targets"]],
        span=_span(d["span"]), topics=list(d.get("topics", [])),
        instruments=[InstrumentCode(x["typology"], x["code"], tuple((w, n) for w, n in x["words"]))
                     for x in d.get("instruments", [])],
    )


def documents_from_data(data: list[dict[str, Any]]) -> list[Document]:
    """Inverse of documents_to_data."""
    out = []
    for d in data:
        out.append(Document(
            doc_id=d["doc_id"], source=d["source"], part_of=d["part_of"], title=d["title"],
            doc_number=_number(d["doc_number"]), doc_type=d["doc_type"], date=d["date"],
            issuers=[_agency(a) for a in d["issuers"]], jurisdiction=Jurisdiction(**d["jurisdiction"]),
            recipients=list(d["recipients"]),
            citations=[Citation(title=c["title"], doc_number=_number(c["doc_number"]), relation=c["relation"],
                                span=_span(c["span"]), issuer=_agency(c["issuer"]) if c.get("issuer") else None,
                                level=c.get("level")) for c in d["citations"]],
            tasks=[_task(t) for t in d["tasks"]],
            extent=tuple(d["extent"]) if d.get("extent") else None,
            published=d.get("published"), title_span=_span(d.get("title_span")),
            topics=list(d.get("topics", [])),
            diagnostics=[Diagnostic(x["code"], x["message"], _span(x.get("span"))) for x in d.get("diagnostics", [])],
            level=d.get("level"),
            clauses=[Clause(c["text"], _span(c["span"])) for c in d.get("clauses", [])],
            provisions=[Provision(x["number"], x["heading"], x["text"], list(x["section_path"]), _span(x["span"]))
                        for x in d.get("provisions", [])],
        ))
    return out
