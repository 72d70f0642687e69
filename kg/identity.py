"""Stable IRIs for documents, agencies, tasks and divisions, and resolution of citations across files."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from loaders.patterns import marker_of
from loaders.records import Citation, DocNumber, Document

BASE = "https://w3id.org/policykg/id/"
_UNSAFE = re.compile(r"[\s<>\"{}|\\^`/?#%&\[\]]+")


def slug(text: str) -> str:
    """An IRI path segment: Unicode kept, whitespace and IRI delimiters replaced."""
    s = unicodedata.normalize("NFKC", text).strip()
    return _UNSAFE.sub("_", s).strip("_") or "_"


def norm_title(title: str | None) -> str:
    """A title for matching: no whitespace, brackets, punctuation or 的 (曲靖市推进产教融合的实施方案 ≡ …融合实施方案)."""
    if not title:
        return ""
    s = unicodedata.normalize("NFKC", title)
    return re.sub(r"[\s《》〈〉<>()（）\[\]〔〕【】“”\"'‘’·、，,：:。.;；\-—－的]", "", s)


def number_iri(number: DocNumber) -> str:
    """A document identified by its 发文字号."""
    return f"{BASE}doc/{slug(number.issuer_code)}-{number.year}-{number.serial}"


def document_iri(doc: Document, index_in_file: int) -> str:
    """文号 if any, else normalised title and jurisdiction, else source file and position."""
    if doc.doc_number is not None:
        return number_iri(doc.doc_number)
    if doc.title:
        return f"{BASE}doc/{doc.jurisdiction.code or 'x'}/{slug(norm_title(doc.title))}"
    return f"{BASE}doc/source/{slug(doc.source)}/{index_in_file}"


def stub_iri(citation: Citation) -> str:
    """A cited document that is not loaded: by its 文号, else by its normalised title."""
    if citation.doc_number is not None:
        return number_iri(citation.doc_number)
    return f"{BASE}doc/cited/{slug(norm_title(citation.title))}"


def agency_iri(name: str, division_code: str | None) -> str:
    """An agency: its jurisdiction's code and its canonical name."""
    return f"{BASE}agency/{division_code or 'x'}/{slug(name)}"


def division_iri(code: str) -> str:
    """An administrative division by its six-digit code."""
    return f"{BASE}division/{code}"


def source_iri(source: str) -> str:
    """An input file (also the name of its named graph)."""
    return f"{BASE}source/{slug(source)}"


_KIND_PREFIX = {"cn": "s", "pcn": "p", "num": "n", "pnum": "q", "shi": "y"}


def section_key(section_path: list[str], number: str | None) -> str:
    """A task's place in its document: 三、/（一）/1. → s3.p1.n1 (markers only, headings ignored)."""
    from loaders.patterns import cn_to_int

    parts = []
    for entry in section_path or ([number] if number else []):
        m = marker_of(entry or "")
        if not m:
            parts.append(slug(entry or "_")[:12])
            continue
        kind, marker, _ = m
        digits = re.sub(r"\D", "", marker)
        value = digits or str(cn_to_int(re.sub(r"[^〇零一二三四五六七八九十百两]", "", marker)) or 0)
        parts.append(f"{_KIND_PREFIX[kind]}{value}")
    if not parts and number:
        parts.append(slug(number))
    return ".".join(parts) or "t"


@dataclass
class Resolver:
    """Links citations to loaded documents: 文号, then exact title, then a title within the same file."""

    by_number: dict[str, str]
    by_title: dict[str, list[tuple[str, str]]]  # norm title → [(iri, source)]

    @classmethod
    def of(cls, loaded: list[tuple[Document, str]]) -> "Resolver":
        by_number: dict[str, str] = {}
        by_title: dict[str, list[tuple[str, str]]] = {}
        for doc, iri in loaded:
            if doc.doc_number is not None:  # of several copies, the least IRI: the same whatever the file order
                known = by_number.get(doc.doc_number.text)
                by_number[doc.doc_number.text] = iri if known is None else min(known, iri)
            key = norm_title(doc.title)
            if key:
                by_title.setdefault(key, []).append((iri, doc.source))
        for items in by_title.values():
            items.sort()
        return cls(by_number, by_title)

    def resolve(self, citation: Citation, source: str, citing_iri: str) -> str | None:
        """The IRI of the loaded document a citation names, if any (never the citing document)."""
        if citation.doc_number is not None and citation.doc_number.text in self.by_number:
            iri = self.by_number[citation.doc_number.text]
            return iri if iri != citing_iri else None
        key = norm_title(citation.title)
        if not key:
            return None
        exact = [iri for iri, _ in self.by_title.get(key, []) if iri != citing_iri]
        if exact:
            return exact[0]
        if len(key) < 8:
            return None
        # the same file: 《终身职业技能培训制度的实施意见》（附件一） names 曲靖市人民政府关于推行终身职业技能培训制度的实施意见
        same_file = [(title, iri) for title, items in self.by_title.items() for iri, src in items
                     if src == source and iri != citing_iri]
        for near in ({iri for title, iri in same_file if key in title},  # the cited title within a title
                     {iri for title, iri in same_file if title in key}):
            if len(near) == 1:
                return next(iter(near))
            if near:
                return None
        return None
