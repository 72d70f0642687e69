"""Records → RDF: one named graph per source file, plus the ontology, the vocabularies and the build.

Quads are Oxigraph terms, emitted in a fixed order (so every serialisation is reproducible without
sorting) and deduplicated per graph. Each file's graph is self-contained for SHACL: it also types
every node it points at (agencies, divisions, cited documents in other files, vocabulary concepts).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from loaders.divisions import division_table
from loaders.records import Agency, Document, Span
from loaders.vocab import vocabulary
from ontology import ONTOLOGY_DIR, VOCAB_DIR

from .identity import (BASE, DocumentKey, Resolver, agency_iri, division_iri, document_keys, section_key, slug,
                       source_iri, stub_iri)

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"


class Namespace:
    """pk.Task → NamedNode('…#Task'), made once per name."""

    def __init__(self, base: str):
        self._base = base
        self._terms: dict[str, ox.NamedNode] = {}

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> ox.NamedNode:
        term = self._terms.get(name)
        if term is None:
            term = self._terms[name] = ox.NamedNode(self._base + name)
            if name.isidentifier():
                object.__setattr__(self, name, term)  # later lookups skip __getattr__
        return term

    def __str__(self) -> str:
        return self._base


PK = Namespace("https://w3id.org/policykg/ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")
TIME = Namespace("http://www.w3.org/2006/time#")
PROV = Namespace("http://www.w3.org/ns/prov#")
INSTRUMENT_VOCAB = "https://w3id.org/policykg/vocab/instrument/"
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
RDF = Namespace(RDF_NS)
XSD = Namespace(XSD_NS)

PREFIXES = {
    "pk": str(PK), "eli": str(ELI), "org": str(ORG), "oa": str(OA), "time": str(TIME), "prov": str(PROV),
    "skos": str(SKOS), "dcterms": str(DCTERMS), "rdfs": str(RDFS), "xsd": XSD_NS, "pkid": BASE,
    "pkd": "https://w3id.org/policykg/vocab/department/", "pkf": "https://w3id.org/policykg/vocab/function/",
    "pkt": "https://w3id.org/policykg/vocab/doctype/", "pktopic": "https://w3id.org/policykg/vocab/topic/",
}

BUILD_GRAPH = ox.NamedNode(BASE + "graph/build")
VOCAB_GRAPH = ox.NamedNode(BASE + "graph/vocabulary")
ONTOLOGY_GRAPH = ox.NamedNode(BASE + "graph/ontology")
BUILD = ox.NamedNode(BASE + "build")

ROLE_PROPERTY = {"lead": PK.leads, "responsible": PK.responsibleFor, "cooperating": PK.cooperatesOn}
RELATION_PROPERTY = {"based_on": ELI.based_on, "applies": ELI.applies}
ORG_CLASS = {
    "PeoplesGovernment": PK.PeoplesGovernment, "GovernmentOffice": PK.Bureau, "Bureau": PK.Bureau,
    "Department": PK.Bureau, "Commission": PK.Bureau, "Office": PK.Bureau, "PartyOrgan": PK.PartyOrgan,
    "School": PK.School, "Enterprise": PK.Enterprise, "Association": PK.Association,
    "MassOrganization": PK.Association, "Committee": PK.Committee, "Collective": PK.CollectiveActor,
    "PublicInstitution": PK.Agency, "SubdistrictOffice": PK.Agency, "Organization": PK.Agency,
}
LEVEL_CLASS = {1: PK.Province, 2: PK.City, 3: PK.County}
_GOVERNMENT_DEPARTMENTS = {"Bureau", "Commission", "Department", "Office", "GovernmentOffice"}


def lit(value: str) -> ox.Literal:
    """A plain string literal."""
    return ox.Literal(value)


def zh(value: str) -> ox.Literal:
    """A Chinese-tagged literal."""
    return ox.Literal(value, language="zh")


def typed(value, datatype: ox.NamedNode) -> ox.Literal:
    """A typed literal (booleans and numbers written in their XSD lexical form)."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return ox.Literal(str(value), datatype=datatype)


def _date(value: str | None) -> ox.Literal | None:
    if not value:
        return None
    if len(value) == 10:
        return typed(value, XSD.date)
    if len(value) == 7:
        return typed(value, XSD.gYearMonth)
    return typed(value[:4], XSD.gYear)


class _Graph:
    """One named graph being written: quads in first-emission order, without duplicates."""

    def __init__(self, name: ox.NamedNode):
        self.name = name
        self.quads: dict[ox.Quad, None] = {}

    def add(self, s, p, o) -> None:
        self.quads[ox.Quad(s, p, o, self.name)] = None


class Corpus:
    """The built dataset: named graphs in a fixed order (ontology, vocabulary, build, then files)."""

    def __init__(self):
        self.graphs: dict[str, _Graph] = {}

    def graph(self, name: ox.NamedNode) -> _Graph:
        g = self.graphs.get(name.value)
        if g is None:
            g = self.graphs[name.value] = _Graph(name)
        return g

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad, graph by graph."""
        for g in self.graphs.values():
            yield from g.quads

    def file_graphs(self) -> list[_Graph]:
        """The graphs of the source files."""
        return [g for g in self.graphs.values() if g.name not in (BUILD_GRAPH, VOCAB_GRAPH, ONTOLOGY_GRAPH)]


def _parse_into(g: _Graph, path) -> None:
    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        g.add(t.subject, t.predicate, t.object)


class GraphWriter:
    """Writes one corpus of documents (grouped by source file) as RDF."""

    def __init__(self, version: str):
        self.version = version
        self.corpus = Corpus()
        vocab = vocabulary()
        self.doc_types = {c.pref: ox.NamedNode(c.iri) for c in vocab.doc_types}
        self.topics = {c.pref: ox.NamedNode(c.iri) for c in vocab.topics}
        self.departments = {d.pref: d for d in vocab.departments}
        self.functional = vocab.functional_types
        self.ministries = {body: function for function, body in vocab.national_bodies.items()}
        self.table = division_table()

    # ----------------------------------------------------------------- entry points
    def write(self, files: list[tuple[str, list[Document]]]) -> Corpus:
        """Add every file's documents, resolving citations across the whole corpus (all in memory)."""
        plans = plan_files(files)
        self.shared_graphs()
        everyone = {(source, d.doc_id): d for source, docs in files for d in docs}
        for (source, docs), plan in zip(files, plans):
            self.file_graph(source, docs, plan, everyone)
        return self.corpus

    def shared_graphs(self) -> list[_Graph]:
        """The ontology, the vocabularies and the build activity, each a named graph."""
        _parse_into(self.corpus.graph(ONTOLOGY_GRAPH), ONTOLOGY_DIR / "policykg.ttl")
        v = self.corpus.graph(VOCAB_GRAPH)
        for name in ("departments.ttl", "doctypes.ttl", "topics.ttl", "instruments.ttl"):
            _parse_into(v, VOCAB_DIR / name)
        self._build_node(self.corpus.graph(BUILD_GRAPH))
        return [self.corpus.graphs[g.value] for g in (ONTOLOGY_GRAPH, VOCAB_GRAPH, BUILD_GRAPH)]

    def file_graph(self, source: str, docs: list[Document], plan: "FilePlan",
                   parents: dict[tuple[str, str], Document] | None = None) -> _Graph:
        """One source file's named graph, given its documents' IRIs and resolved citations; with `parents`
        (the cited loaded documents of other files, by (source, doc_id)), the clauses they reuse."""
        src = ox.NamedNode(source_iri(source))
        g = self.corpus.graph(src)
        g.add(src, RDF.type, PROV.Entity)
        g.add(src, DCTERMS.title, lit(source))
        self._build_node(g)
        iris = {(source, d.doc_id): iri for d, iri in zip(docs, plan.iris)}
        for k, (doc, targets) in enumerate(zip(docs, plan.citations)):
            node = ox.NamedNode(iris[(source, doc.doc_id)])
            self._document(g, doc, node, iris, source, targets)
            if parents is not None and k < len(plan.parents):
                mine = [(iri, psrc, parents[(psrc, pid)]) for iri, psrc, pid in plan.parents[k] if (psrc, pid) in parents]
                self._reuse(g, doc, node, source, mine)
                self._cascade(g, doc, node, mine)
        return g

    def _reuse(self, g: _Graph, doc: Document, node: ox.NamedNode, source: str,
               parents: list[tuple[str, str, Document]]) -> None:
        """The clauses of `doc` that reuse clauses of the documents it implements (kg.reuse), PROV-aligned:
        each reusing clause prov:wasDerivedFrom the parent clause, qualified by a pk:TextReuse."""
        from .reuse import align, prepare, reuse_share

        local = prepare([c.text for c in doc.clauses])  # once, however many parents
        reused: list = []
        written: set[int] = set()
        for parent_iri, parent_source, parent in parents:  # in IRI order (plan_files sorts them)
            pairs = align(local, [c.text for c in parent.clauses])
            reused += pairs
            for p in pairs:
                mine = ox.NamedNode(f"{node.value}/clause/{p.local + 1}")
                theirs = ox.NamedNode(f"{parent_iri}/clause/{p.parent + 1}")
                if p.local not in written:
                    self._clause(g, mine, doc.clauses[p.local], node, source)
                    written.add(p.local)
                self._clause(g, theirs, parent.clauses[p.parent], ox.NamedNode(parent_iri), parent_source)
                g.add(mine, PROV.wasDerivedFrom, theirs)
                self._qualified(g, ox.NamedNode(f"{mine.value}/reuse/{p.parent + 1}"), PK.TextReuse,
                                {PK.reusingClause: mine, PK.reusedClause: theirs},
                                {PK.similarity: typed(p.similarity, XSD.decimal),
                                 PK.copiedShare: typed(p.copied, XSD.decimal), PK.reuseKind: lit(p.kind)})
        if parents:
            g.add(node, PK.reuseShare, typed(reuse_share(local, reused), XSD.decimal))

    def _cascade(self, g: _Graph, doc: Document, node: ox.NamedNode, parents: list[tuple[str, str, Document]]) -> None:
        """Which items of the documents it implements the document's tasks carry down (kg.cascade); every item
        of such a parent is declared, so the items no task carries are there to find."""
        from .cascade import cascade

        if not doc.tasks:
            return
        tasks = task_nodes(node, doc.tasks)
        for parent_iri, parent_source, parent in parents:  # in IRI order (plan_files sorts them)
            parent_node = ox.NamedNode(parent_iri)
            items = [ox.NamedNode(f"{parent_iri}/provision/{k + 1}") for k in range(len(parent.provisions))]
            parent_tasks = list(zip(parent.tasks, task_nodes(parent_node, parent.tasks)))
            for item, p in zip(items, parent.provisions):
                g.add(item, RDF.type, PK.Provision)
                g.add(item, PK.provisionOf, parent_node)
                g.add(item, PK.number, lit(p.number))
                if p.heading:
                    g.add(item, PK.heading, zh(p.heading))
                g.add(item, PK.text, zh(p.text))
                self._evidence(g, item, p.span, parent_node, parent_source)
                for t, tnode in parent_tasks:  # the parent's own assignment in this item: who carried it above
                    if t.span is not None and p.span.start <= t.span.start and t.span.end <= p.span.end:
                        g.add(item, PK.statesTask, tnode)
            for link in cascade(doc, parent):
                task, item = tasks[link.task], items[link.provision]
                g.add(task, PK.cascadesFrom, item)
                self._qualified(g, ox.NamedNode(f"{task.value}/cascade/{link.provision + 1}"), PK.TaskCascade,
                                {PK.cascadingTask: task, PK.parentProvision: item},
                                {PK.score: typed(link.score, XSD.decimal),
                                 PK.copiedCharacters: typed(link.copied, XSD.integer),
                                 PK.headingAlike: typed(link.heading_alike, XSD.boolean),
                                 PK.agenciesAlike: typed(link.agencies_alike, XSD.boolean)})

    @staticmethod
    def _qualified(g: _Graph, node: ox.NamedNode, cls: ox.NamedNode, links: dict, values: dict) -> None:
        """A qualification node (a pk:TextReuse, a pk:TaskCascade): its class, the nodes it relates, its values."""
        g.add(node, RDF.type, cls)
        for prop, term in (*links.items(), *values.items()):
            g.add(node, prop, term)

    def _clause(self, g: _Graph, node: ox.NamedNode, clause, doc: ox.NamedNode, source: str) -> None:
        g.add(node, RDF.type, PK.Clause)
        g.add(node, PK.clauseOf, doc)
        g.add(node, PK.text, zh(clause.text))
        self._evidence(g, node, clause.span, doc, source)

    def _build_node(self, g: _Graph) -> None:
        g.add(BUILD, RDF.type, PK.BuildActivity)
        g.add(BUILD, RDFS.label, lit("policykg build"))
        g.add(BUILD, PK.softwareVersion, lit(f"policykg {self.version}"))

    # ----------------------------------------------------------------- pieces
    def _evidence(self, g: _Graph, node: ox.NamedNode, span: Span | None, doc_iri: ox.NamedNode,
                  source: str) -> None:
        g.add(node, PROV.wasDerivedFrom, doc_iri)
        if span is None:
            return
        target = ox.NamedNode(f"{node.value}#text")
        sel = ox.NamedNode(f"{node.value}#selector")
        g.add(node, PK.evidence, target)
        g.add(target, RDF.type, OA.SpecificResource)
        g.add(target, OA.hasSource, ox.NamedNode(source_iri(source)))
        g.add(target, OA.hasSelector, sel)
        g.add(sel, RDF.type, OA.TextQuoteSelector)
        g.add(sel, RDF.type, OA.TextPositionSelector)
        g.add(sel, OA.exact, lit(span.quote))
        g.add(sel, OA.start, typed(span.start, XSD.nonNegativeInteger))
        g.add(sel, OA.end, typed(span.end, XSD.nonNegativeInteger))

    def _division(self, g: _Graph, code: str | None) -> ox.NamedNode | None:
        if not code:
            return None
        for d in self.table.chain(code):
            node = ox.NamedNode(division_iri(d.code))
            g.add(node, RDF.type, LEVEL_CLASS[d.level])
            g.add(node, SKOS.prefLabel, zh(d.name))
            g.add(node, PK.divisionCode, lit(d.code))
            g.add(node, SKOS.inScheme, PK.DivisionScheme)
            if d.parent and d.parent in self.table.by_code:
                parent = ox.NamedNode(division_iri(d.parent))
                g.add(node, SKOS.broader, parent)
                g.add(node, PK.within, parent)
        return ox.NamedNode(division_iri(code))

    def _concept(self, g: _Graph, iri: str) -> ox.NamedNode:
        node = ox.NamedNode(iri)
        g.add(node, RDF.type, SKOS.Concept)
        return node

    def _agency(self, g: _Graph, a: Agency) -> ox.NamedNode:
        name = a.canonical or a.name
        node = ox.NamedNode(agency_iri(name, a.division_code))
        g.add(node, RDF.type, ORG_CLASS.get(a.org_class or "", PK.Agency))
        g.add(node, SKOS.prefLabel, zh(name))
        if a.name != name:
            g.add(node, SKOS.altLabel, zh(a.name))
        if a.surface and a.surface not in (name, a.name):
            g.add(node, SKOS.altLabel, zh(a.surface))
        division = self._division(g, a.division_code)
        if division is not None:
            g.add(node, PK.inJurisdiction, division)
            if a.org_class in _GOVERNMENT_DEPARTMENTS and a.division_code:
                d = self.table.by_code.get(a.division_code)
                if d is not None:
                    gov = ox.NamedNode(agency_iri(d.name + "人民政府", d.code))
                    if gov != node:
                        g.add(node, ORG.subOrganizationOf, gov)
                        g.add(gov, RDF.type, PK.PeoplesGovernment)
                        g.add(gov, SKOS.prefLabel, zh(d.name + "人民政府"))
                        g.add(gov, PK.inJurisdiction, division)
        place = a.jurisdiction or ""
        dept = self.departments.get(name[len(place):] if place and name.startswith(place) else name)
        if dept is not None:
            g.add(node, PK.department, self._concept(g, dept.iri))
        function = a.functional_type or self.ministries.get(name)  # 教育部 has the function 教育, as 省教育厅 has
        if function in self.functional:
            g.add(node, PK.functionalType, self._concept(g, self.functional[function]))
        return node

    def _document(self, g: _Graph, doc: Document, node: ox.NamedNode, iris: dict, source: str,
                  targets: list[str | None]) -> None:
        g.add(node, RDF.type, PK.LoadedDocument)
        g.add(node, PK.sourceFile, lit(source))
        g.add(node, PROV.wasGeneratedBy, BUILD)
        if doc.title:
            g.add(node, ELI.title, zh(doc.title))
            g.add(node, RDFS.label, zh(doc.title))
        if doc.doc_number is not None:
            self._number(g, node, doc.doc_number)
        if doc.doc_type in self.doc_types:
            g.add(node, ELI.type_document, self._concept(g, self.doc_types[doc.doc_type].value))
        for prop, value in ((ELI.date_document, doc.date), (ELI.date_publication, doc.published)):
            date = _date(value)
            if date is not None:
                g.add(node, prop, date)
        for a in doc.issuers:
            g.add(node, ELI.passed_by, self._agency(g, a))
        if doc.level:
            g.add(node, PK.governmentLevel, lit(doc.level))
        division = self._division(g, doc.jurisdiction.code)
        if division is not None:
            g.add(node, ELI.jurisdiction, division)
        for r in doc.recipients:
            g.add(node, PK.recipient, lit(r))
        if doc.part_of:
            g.add(node, ELI.is_part_of, ox.NamedNode(iris[(source, doc.part_of)]))
        for t in doc.topics:
            g.add(node, PK.about, self._concept(g, self.topics[t].value))
        if doc.title_span is not None:
            self._evidence(g, node, doc.title_span, node, source)
        for k, (c, target) in enumerate(zip(doc.citations, targets)):
            cited = ox.NamedNode(target or stub_iri(c))
            if target is None:
                g.add(cited, RDF.type, PK.CitedDocument)
                g.add(cited, ELI.title, zh(c.title))
                g.add(cited, RDFS.label, zh(c.title))
                if c.doc_number is not None:
                    self._number(g, cited, c.doc_number)
                if c.issuer is not None:  # read from the 文号's issuer code (loaders.issuers)
                    g.add(cited, ELI.passed_by, self._agency(g, c.issuer))
                if c.level:
                    g.add(cited, PK.governmentLevel, lit(c.level))
            else:
                g.add(cited, RDF.type, PK.PolicyDocument)  # typed here too, so this file's graph stands alone
            g.add(node, ELI.cites, cited)
            if c.relation in RELATION_PROPERTY:
                g.add(node, RELATION_PROPERTY[c.relation], cited)
            cnode = ox.NamedNode(f"{node.value}/citation/{k + 1}")
            g.add(cnode, RDF.type, PK.Citation)
            g.add(cnode, PK.citingDocument, node)
            g.add(cnode, PK.citedDocument, cited)
            g.add(cnode, PK.citedTitle, lit(c.title))
            g.add(cnode, PK.citationRelation, lit(c.relation))
            self._evidence(g, cnode, c.span, node, source)
        for t, tnode in zip(doc.tasks, task_nodes(node, doc.tasks)):
            self._task(g, t, tnode, node, source)

    def _number(self, g: _Graph, node: ox.NamedNode, number) -> None:
        g.add(node, ELI.id_local, lit(number.text))
        g.add(node, PK.docNumberIssuerCode, lit(number.issuer_code))
        g.add(node, PK.docNumberYear, typed(number.year, XSD.gYear))
        g.add(node, PK.docNumberSerial, typed(number.serial, XSD.integer))

    def _task(self, g: _Graph, t, node: ox.NamedNode, doc: ox.NamedNode, source: str) -> None:
        g.add(node, RDF.type, PK.Task)
        g.add(doc, PK.hasTask, node)
        g.add(node, PK.taskOf, doc)
        g.add(node, RDFS.label, zh(f"{t.number or ''}{t.heading or t.text[:30]}"))
        if t.number:
            g.add(node, PK.number, lit(t.number))
        if t.heading:
            g.add(node, PK.heading, zh(t.heading))
        g.add(node, PK.text, zh(t.text))
        if t.section_path:
            g.add(node, PK.sectionPath, lit(" › ".join(t.section_path)))
        for topic in t.topics:
            g.add(node, PK.about, self._concept(g, self.topics[topic].value))
        for code in t.instruments:  # loaders.instruments: one per typology, with the words that fired
            concept = self._concept(g, INSTRUMENT_VOCAB + code.code)
            g.add(node, PK.instrument, concept)
            coding = ox.NamedNode(f"{node.value}/instrument/{code.typology}")
            g.add(coding, RDF.type, PK.InstrumentCoding)
            g.add(coding, PK.codedTask, node)
            g.add(coding, PK.codedInstrument, concept)
            for word, _ in code.words:
                g.add(coding, PK.firedWord, zh(word))
        self._evidence(g, node, t.span, doc, source)
        for role in ("lead", "responsible", "cooperating"):
            for a in getattr(t, role):
                anode = self._agency(g, a)
                g.add(anode, ROLE_PROPERTY[role], node)
                rnode = ox.NamedNode(f"{node.value}/role/{role}/{'-'.join(anode.value.split('/')[-2:])}")
                g.add(rnode, RDF.type, PK.RoleAssignment)
                g.add(rnode, PK.agent, anode)
                g.add(rnode, PK.task, node)
                g.add(rnode, PK.role, PK[role])
                self._evidence(g, rnode, a.span, doc, source)
        if t.deadline is not None:
            dnode = ox.NamedNode(f"{node.value}#deadline")
            g.add(node, PK.hasDeadline, dnode)
            g.add(dnode, RDF.type, PK.Deadline)
            g.add(dnode, PK.deadlineText, lit(t.deadline.text))
            g.add(dnode, PK.ongoing, typed(bool(t.deadline.ongoing), XSD.boolean))
            date = _date(t.deadline.date)
            if date is not None:
                g.add(dnode, TIME.inXSDDate if date.datatype == XSD.date else TIME.inXSDgYearMonth, date)
        for k, target in enumerate(t.targets):
            tn = ox.NamedNode(f"{node.value}#target-{k + 1}")
            g.add(node, PK.hasTarget, tn)
            g.add(tn, RDF.type, PK.Target)
            g.add(tn, PK.value, typed(f"{target.value:g}", XSD.decimal))
            g.add(tn, PK.unit, lit(target.unit))
            g.add(tn, PK.text, lit(target.text))
            if target.year:
                g.add(tn, PK.targetYear, typed(target.year, XSD.gYear))
            if target.comparator:
                g.add(tn, PK.comparator, lit(target.comparator))


@dataclass(frozen=True)
class FilePlan:
    """What a file's graph needs from the rest of the corpus: its documents' IRIs, where citations point."""

    iris: tuple[str, ...]
    citations: tuple[tuple[str | None, ...], ...]  # per document, per citation: a loaded document's IRI
    # per document: the loaded documents of other files it cites, as (IRI, source file, doc_id), for text reuse
    parents: tuple[tuple[tuple[str, str, str], ...], ...] = ()


def task_nodes(doc: ox.NamedNode, tasks) -> list[ox.NamedNode]:
    """The IRIs of a document's tasks: its IRI + /task/ + the task's place (s3.p1.n1), ~2… when repeated."""
    seen: dict[str, int] = {}
    out = []
    for t in tasks:
        key = section_key(t.section_path, t.number)
        seen[key] = seen.get(key, 0) + 1
        out.append(ox.NamedNode(f"{doc.value}/task/{key}" + (f"~{seen[key]}" if seen[key] > 1 else "")))
    return out


def plan_files(files: list[tuple[str, list[Document]]]) -> list[FilePlan]:
    """Stable IRIs for every loaded document and the resolution of every citation across the corpus."""
    return plan_corpus([(source, document_keys(docs)) for source, docs in files])


def plan_corpus(files: list[tuple[str, list[DocumentKey]]]) -> list[FilePlan]:
    """plan_files from the documents' keys alone."""
    return list(plan_stream([source for source, _ in files], lambda f: files[f][1]))


def plan_stream(sources: list[str], keys_of: Callable[[int], list[DocumentKey]]) -> Iterator[FilePlan]:
    """plan_corpus a file at a time, in file order, for the files `sources` names, whose documents' keys
    keys_of(index) gives (a build reads them back from disk: kg.build.KeyLog). The corpus's index (each document's
    IRI → its file, the resolver) is made first, in one pass over the keys that also counts the IRIs (two more when
    documents contest an IRI: contested_document_iris, then the index again); each file's plan (its citations
    resolved, the documents its clauses are aligned with) only when asked for, the file's keys read again — so a
    build holds neither every file's keys nor every file's plan."""
    qualified: dict[tuple[int, int], str] = {}

    def iris_of(f: int, keys: list[DocumentKey]) -> list[str]:
        return [qualified.get((f, d), key.iri) for d, key in enumerate(keys)]

    where: dict[str, int] = {}  # IRI → its file's index (the same string objects as the resolver's values)
    counts: Counter = Counter()  # each IRI's claimants (the first pass only)

    def loaded() -> Iterator[tuple[DocumentKey, str]]:
        for f in range(len(sources)):
            keys = keys_of(f)
            for key, iri in zip(keys, iris_of(f, keys)):
                where[iri] = f
                if not qualified:
                    counts[iri] += 1
                yield key, iri

    resolver = Resolver.of(loaded())
    qualified.update(contested_document_iris(sources, keys_of, counts))
    counts.clear()
    if qualified:  # documents that claimed one IRI, told apart: the index made again with their IRIs
        where.clear()
        resolver = Resolver.of(loaded())

    @lru_cache(maxsize=256)
    def doc_ids(f: int) -> dict[str, str]:
        """A cited file's documents: IRI → doc_id (a file cited once is often cited again soon)."""
        keys = keys_of(f)
        return {iri: key.doc_id for key, iri in zip(keys, iris_of(f, keys))}

    for f, source in enumerate(sources):
        keys = keys_of(f)
        file_iris = iris_of(f, keys)
        own = Resolver.own_titles(keys, file_iris)
        targets = tuple(tuple(resolver.resolve(number, title, own, iri) for number, title in key.citations)
                        for key, iri in zip(keys, file_iris))
        parents = tuple(tuple(sorted({(t, sources[where[t]], doc_ids(where[t])[t]) for t in doc_targets
                                      if t and where[t] != f}))
                        for doc_targets in targets)
        yield FilePlan(tuple(file_iris), targets, parents)


def contested_document_iris(sources: list[str], keys_of: Callable[[int], list[DocumentKey]],
                            counts: Counter | None = None) -> dict[tuple[int, int], str]:
    """The IRIs of the loaded documents several claim, told apart: (file index, document index) → the IRI it gets
    instead of its own (every other document keeps DocumentKey.iri). Where several documents claim one IRI (two
    files with the same title and place and no 文号, a document saved twice), every claimant gets it qualified by
    its source file — all of them, so no IRI depends on which file came first. `counts` (each IRI's claimants),
    when the caller counted them, saves a pass over the keys."""
    if counts is None:
        counts = Counter(key.iri for f in range(len(sources)) for key in keys_of(f))
    claims: dict[str, list[tuple[int, int]]] = {iri: [] for iri, n in counts.items() if n > 1}
    del counts
    if not claims:
        return {}
    for f in range(len(sources)):
        for d, key in enumerate(keys_of(f)):
            if key.iri in claims:
                claims[key.iri].append((f, d))
    qualified: dict[tuple[int, int], str] = {}
    for iri, claimants in claims.items():
        per_file = Counter(f for f, _ in claimants)
        for f, d in claimants:
            base = f"{iri}/in/{slug(sources[f])}"
            qualified[f, d] = base if per_file[f] == 1 else f"{base}/{d}"
    return qualified


def is_own_triple(triple, owns) -> bool:
    """Whether a triple belongs to the file `owns` (identity.Owners) says: about one of its nodes, or linking a
    shared node to one (an agency responsible for one of its tasks) — such links grow with the corpus, so they are
    not kept with the triples files share."""
    if owns(triple.subject.value) is not None:
        return True
    o = triple.object
    return isinstance(o, ox.NamedNode) and owns(o.value) is not None


def serialize(items: Iterable, fmt: ox.RdfFormat) -> bytes:
    """Triples or quads in one of Oxigraph's formats, with the project's prefixes where they apply."""
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return ox.serialize(items, format=fmt, prefixes=PREFIXES)
    return ox.serialize(items, format=fmt)
