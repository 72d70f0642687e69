"""Stable IRIs for documents, agencies, tasks and divisions, and resolution of citations across files."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
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


class Owners:
    """Which file a node belongs to: `roots` maps a file's source IRI and its documents' IRIs to the file; a node
    under a root (…/doc/X/task/s1.p2, …/doc/X#title) belongs to the root's file, any other node (an agency, a
    division, a cited document) to none — the one ownership rule of per-file parts and the corpus merge."""

    def __init__(self, roots: dict, memo: bool = False):
        self.roots = roots
        self._memo: dict | None = {} if memo else None

    @classmethod
    def of_file(cls, source: str, doc_iris: tuple[str, ...]) -> "Owners":
        """One file's nodes (owner True), remembered per uri: a file's graph asks about each node many times."""
        return cls({source_iri(source): True, **dict.fromkeys(doc_iris, True)}, memo=True)

    def __call__(self, uri: str):
        memo = self._memo
        if memo is not None:
            got = memo.get(uri, memo)
            if got is not memo:
                return got
        roots, found, cut = self.roots, self.roots.get(uri), len(uri)
        while found is None:
            cut = max(uri.rfind("/", 0, cut), uri.rfind("#", 0, cut))
            if cut <= 0:
                break
            found = roots.get(uri[:cut])
        if memo is not None:
            memo[uri] = found
        return found


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


@dataclass(frozen=True, slots=True)
class DocumentKey:
    """What IRIs and citation resolution need of a loaded document: a build keeps these for the whole corpus,
    never the records themselves (issue 11: memory must not grow with the text of the corpus)."""

    doc_id: str
    source: str  # the file the document came from (doc.source)
    iri: str  # document_iri, before two claimants of one IRI are told apart
    number: str | None  # its 文号 as written
    title: str | None
    citations: tuple[tuple[str | None, str | None], ...]  # per citation: (文号 as written, title)

    @classmethod
    def of(cls, doc: Document, index_in_file: int) -> "DocumentKey":
        return cls(doc.doc_id, doc.source, document_iri(doc, index_in_file),
                   doc.doc_number.text if doc.doc_number is not None else None, doc.title,
                   tuple((c.doc_number.text if c.doc_number is not None else None, c.title) for c in doc.citations))

    def to_data(self) -> list:
        return [self.doc_id, self.source, self.iri, self.number, self.title, [list(c) for c in self.citations]]

    @classmethod
    def from_data(cls, data: list) -> "DocumentKey":
        doc_id, source, iri, number, title, citations = data
        return cls(doc_id, source, iri, number, title, tuple((n, t) for n, t in citations))


def document_keys(docs: list[Document]) -> list[DocumentKey]:
    """The keys of one file's documents, in file order."""
    return [DocumentKey.of(doc, i) for i, doc in enumerate(docs)]


@dataclass
class Resolver:
    """Links citations to loaded documents: 文号, then exact title, then a title within the same file. A build
    holds one for the whole corpus (the index issue 11 allows), so it keeps per document no more than its 文号 and
    normalised title, each mapped to the IRI; a file's own titles, for the same-file step, come with the file."""

    by_number: dict[str, str]
    by_title: dict[str, str | tuple[str, ...]]  # norm title → the IRI of its document, or the sorted IRIs of several

    @classmethod
    def of(cls, loaded: Iterable[tuple[DocumentKey, str]]) -> "Resolver":
        by_number: dict[str, str] = {}
        by_title: dict[str, str | list[str] | tuple[str, ...]] = {}
        for key, iri in loaded:
            if key.number is not None:  # of several copies, the least IRI: the same whatever the file order
                known = by_number.get(key.number)
                by_number[key.number] = iri if known is None else min(known, iri)
            title = norm_title(key.title)
            if title:
                have = by_title.get(title)
                if have is None:
                    by_title[title] = iri
                elif isinstance(have, list):
                    have.append(iri)
                else:
                    by_title[title] = [have, iri]
        for title, have in by_title.items():
            if isinstance(have, list):
                by_title[title] = tuple(sorted(have))
        return cls(by_number, by_title)

    @staticmethod
    def own_titles(keys: list[DocumentKey], iris: Iterable[str]) -> list[tuple[str, str]]:
        """A file's documents as the same-file step looks at them: (normalised title, IRI)."""
        return [(title, iri) for key, iri in zip(keys, iris) if (title := norm_title(key.title))]

    def resolve(self, number: str | None, title: str | None, own_titles: list[tuple[str, str]],
                citing_iri: str) -> str | None:
        """The IRI of the loaded document a citation (its 文号 and title) names, if any (never the citing one);
        `own_titles` are those of the citing document's file (own_titles)."""
        if number is not None and number in self.by_number:
            iri = self.by_number[number]
            return iri if iri != citing_iri else None
        key = norm_title(title)
        if not key:
            return None
        have = self.by_title.get(key, ())
        exact = [iri for iri in ((have,) if isinstance(have, str) else have) if iri != citing_iri]
        if exact:
            return exact[0]
        if len(key) < 8:
            return None
        # the same file: 《终身职业技能培训制度的实施意见》（附件一） names 曲靖市人民政府关于推行终身职业技能培训制度的实施意见
        same_file = [(t, iri) for t, iri in own_titles if iri != citing_iri]
        for near in ({iri for t, iri in same_file if key in t},  # the cited title within a title
                     {iri for t, iri in same_file if t in key}):
            if len(near) == 1:
                return next(iter(near))
            if near:
                return None
        return None
