"""Records → RDF: one named graph per source file, plus the build activity, with provenance on every fact."""
from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from loaders.divisions import division_table
from ontology import ONTOLOGY_DIR, VOCAB_DIR
from loaders.records import Agency, Document, Span
from loaders.vocab import vocabulary

from .identity import (BASE, Resolver, agency_iri, division_iri, document_iri, norm_title, section_key,
                       source_iri, stub_iri)

PK = Namespace("https://w3id.org/policykg/ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")
TIME = Namespace("http://www.w3.org/2006/time#")
BUILD_GRAPH = URIRef(BASE + "graph/build")
VOCAB_GRAPH = URIRef(BASE + "graph/vocabulary")
ONTOLOGY_GRAPH = URIRef(BASE + "graph/ontology")
BUILD = URIRef(BASE + "build")

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


def bind_prefixes(g: Graph) -> None:
    """The prefixes every serialisation uses."""
    for prefix, ns in (("pk", PK), ("eli", ELI), ("org", ORG), ("oa", OA), ("time", TIME), ("prov", PROV),
                       ("skos", SKOS), ("dcterms", DCTERMS), ("pkid", Namespace(BASE)),
                       ("pkd", Namespace("https://w3id.org/policykg/vocab/department/")),
                       ("pkf", Namespace("https://w3id.org/policykg/vocab/function/")),
                       ("pkt", Namespace("https://w3id.org/policykg/vocab/doctype/")),
                       ("pktopic", Namespace("https://w3id.org/policykg/vocab/topic/"))):
        g.bind(prefix, ns, override=True)


def _date(value: str | None) -> Literal | None:
    if not value:
        return None
    if len(value) == 10:
        return Literal(value, datatype=XSD.date)
    if len(value) == 7:
        return Literal(value, datatype=XSD.gYearMonth)
    return Literal(value[:4], datatype=XSD.gYear)


class GraphWriter:
    """Writes one corpus of documents (grouped by source file) into an RDF Dataset."""

    def __init__(self, version: str):
        self.version = version
        self.ds = Dataset()
        bind_prefixes(self.ds)
        vocab = vocabulary()
        self.doc_types = {c.pref: URIRef(c.iri) for c in vocab.doc_types}
        self.topics = {c.pref: URIRef(c.iri) for c in vocab.topics}
        self.departments = {d.pref: d for d in vocab.departments}
        self.functional = vocab.functional_types
        self.table = division_table()

    # ----------------------------------------------------------------- entry point
    def write(self, files: list[tuple[str, list[Document]]]) -> Dataset:
        """Add every file's documents, resolving citations across the whole corpus."""
        iris: dict[tuple[str, str], str] = {}
        loaded = []
        for source, docs in files:
            for i, doc in enumerate(docs):
                iri = document_iri(doc, i)
                iris[(source, doc.doc_id)] = iri
                loaded.append((doc, iri))
        resolver = Resolver.of(loaded)
        self.ds.graph(ONTOLOGY_GRAPH).parse(ONTOLOGY_DIR / "policykg.ttl", format="turtle")
        v = self.ds.graph(VOCAB_GRAPH)
        for name in ("departments.ttl", "doctypes.ttl", "topics.ttl"):
            v.parse(VOCAB_DIR / name, format="turtle")
        b = self.ds.graph(BUILD_GRAPH)
        b.add((BUILD, RDF.type, PK.BuildActivity))
        b.add((BUILD, RDFS.label, Literal("policykg build")))
        b.add((BUILD, PK.softwareVersion, Literal(f"policykg {self.version}")))
        for source, docs in files:
            g = self.ds.graph(URIRef(source_iri(source)))
            src = URIRef(source_iri(source))
            g.add((src, RDF.type, PROV.Entity))
            g.add((src, DCTERMS.title, Literal(source)))
            for doc in docs:
                self._document(g, doc, URIRef(iris[(source, doc.doc_id)]), iris, source, resolver)
        return self.ds

    # ----------------------------------------------------------------- pieces
    def _evidence(self, g: Graph, node: URIRef, span: Span | None, doc_iri: URIRef, source: str) -> None:
        g.add((node, PROV.wasDerivedFrom, doc_iri))
        if span is None:
            return
        target = URIRef(f"{node}#text")
        sel = URIRef(f"{node}#selector")
        g.add((node, PK.evidence, target))
        g.add((target, RDF.type, OA.SpecificResource))
        g.add((target, OA.hasSource, URIRef(source_iri(source))))
        g.add((target, OA.hasSelector, sel))
        g.add((sel, RDF.type, OA.TextQuoteSelector))
        g.add((sel, RDF.type, OA.TextPositionSelector))
        g.add((sel, OA.exact, Literal(span.quote)))
        g.add((sel, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
        g.add((sel, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))

    def _division(self, g: Graph, code: str | None) -> URIRef | None:
        if not code:
            return None
        chain = self.table.chain(code)
        for d in chain:
            node = URIRef(division_iri(d.code))
            g.add((node, RDF.type, LEVEL_CLASS[d.level]))
            g.add((node, SKOS.prefLabel, Literal(d.name, lang="zh")))
            g.add((node, PK.divisionCode, Literal(d.code)))
            g.add((node, SKOS.inScheme, PK.DivisionScheme))
            if d.parent and d.parent in self.table.by_code:
                parent = URIRef(division_iri(d.parent))
                g.add((node, SKOS.broader, parent))
                g.add((node, PK.within, parent))
        return URIRef(division_iri(code))

    def _agency(self, g: Graph, a: Agency) -> URIRef:
        name = a.canonical or a.name
        node = URIRef(agency_iri(name, a.division_code))
        g.add((node, RDF.type, ORG_CLASS.get(a.org_class or "", PK.Agency)))
        g.add((node, SKOS.prefLabel, Literal(name, lang="zh")))
        if a.name != name:
            g.add((node, SKOS.altLabel, Literal(a.name, lang="zh")))
        if a.surface and a.surface not in (name, a.name):
            g.add((node, SKOS.altLabel, Literal(a.surface, lang="zh")))
        division = self._division(g, a.division_code)
        if division is not None:
            g.add((node, PK.inJurisdiction, division))
            if a.org_class in _GOVERNMENT_DEPARTMENTS and a.division_code:
                d = self.table.by_code.get(a.division_code)
                if d is not None:
                    gov = URIRef(agency_iri(d.name + "人民政府", d.code))
                    if gov != node:
                        g.add((node, ORG.subOrganizationOf, gov))
                        g.add((gov, RDF.type, PK.PeoplesGovernment))
                        g.add((gov, SKOS.prefLabel, Literal(d.name + "人民政府", lang="zh")))
                        g.add((gov, PK.inJurisdiction, division))
        dept = self.departments.get(_core(name, a))
        if dept is not None:
            g.add((node, PK.department, URIRef(dept.iri)))
        if a.functional_type in self.functional:
            g.add((node, PK.functionalType, URIRef(self.functional[a.functional_type])))
        return node

    def _document(self, g: Graph, doc: Document, node: URIRef, iris: dict, source: str,
                  resolver: Resolver) -> None:
        g.add((node, RDF.type, PK.LoadedDocument))
        g.add((node, PK.sourceFile, Literal(source)))
        g.add((node, PROV.wasGeneratedBy, BUILD))
        if doc.title:
            g.add((node, ELI.title, Literal(doc.title, lang="zh")))
            g.add((node, RDFS.label, Literal(doc.title, lang="zh")))
        if doc.doc_number is not None:
            self._number(g, node, doc.doc_number)
        if doc.doc_type in self.doc_types:
            g.add((node, ELI.type_document, self.doc_types[doc.doc_type]))
        date = _date(doc.date)
        if date is not None:
            g.add((node, ELI.date_document, date))
        published = _date(doc.published)
        if published is not None:
            g.add((node, ELI.date_publication, published))
        for a in doc.issuers:
            g.add((node, ELI.passed_by, self._agency(g, a)))
        division = self._division(g, doc.jurisdiction.code)
        if division is not None:
            g.add((node, ELI.jurisdiction, division))
        for r in doc.recipients:
            g.add((node, PK.recipient, Literal(r)))
        if doc.part_of:
            g.add((node, ELI.is_part_of, URIRef(iris[(source, doc.part_of)])))
        for t in doc.topics:
            g.add((node, PK.about, self.topics[t]))
        if doc.title_span is not None:
            self._evidence(g, node, doc.title_span, node, source)
        for k, c in enumerate(doc.citations):
            target = resolver.resolve(c, source, str(node))
            cited = URIRef(target or stub_iri(c))
            if target is None:
                g.add((cited, RDF.type, PK.CitedDocument))
                g.add((cited, ELI.title, Literal(c.title, lang="zh")))
                g.add((cited, RDFS.label, Literal(c.title, lang="zh")))
                if c.doc_number is not None:
                    self._number(g, cited, c.doc_number)
            g.add((node, ELI.cites, cited))
            if c.relation in RELATION_PROPERTY:
                g.add((node, RELATION_PROPERTY[c.relation], cited))
            cnode = URIRef(f"{node}/citation/{k + 1}")
            g.add((cnode, RDF.type, PK.Citation))
            g.add((cnode, PK.citingDocument, node))
            g.add((cnode, PK.citedDocument, cited))
            g.add((cnode, PK.citedTitle, Literal(c.title)))
            g.add((cnode, PK.citationRelation, Literal(c.relation)))
            self._evidence(g, cnode, c.span, node, source)
        seen: dict[str, int] = {}
        for t in doc.tasks:
            key = section_key(t.section_path, t.number)
            seen[key] = seen.get(key, 0) + 1
            tnode = URIRef(f"{node}/task/{key}" + (f"~{seen[key]}" if seen[key] > 1 else ""))
            self._task(g, t, tnode, node, source)

    def _number(self, g: Graph, node: URIRef, number) -> None:
        g.add((node, ELI.id_local, Literal(number.text)))
        g.add((node, PK.docNumberIssuerCode, Literal(number.issuer_code)))
        g.add((node, PK.docNumberYear, Literal(str(number.year), datatype=XSD.gYear)))
        g.add((node, PK.docNumberSerial, Literal(number.serial)))

    def _task(self, g: Graph, t, node: URIRef, doc: URIRef, source: str) -> None:
        g.add((node, RDF.type, PK.Task))
        g.add((doc, PK.hasTask, node))
        g.add((node, PK.taskOf, doc))
        label = f"{t.number or ''}{t.heading or t.text[:30]}"
        g.add((node, RDFS.label, Literal(label, lang="zh")))
        if t.number:
            g.add((node, PK.number, Literal(t.number)))
        if t.heading:
            g.add((node, PK.heading, Literal(t.heading, lang="zh")))
        g.add((node, PK.text, Literal(t.text, lang="zh")))
        if t.section_path:
            g.add((node, PK.sectionPath, Literal(" › ".join(t.section_path))))
        for topic in t.topics:
            g.add((node, PK.about, self.topics[topic]))
        self._evidence(g, node, t.span, doc, source)
        for role in ("lead", "responsible", "cooperating"):
            for a in getattr(t, role):
                anode = self._agency(g, a)
                g.add((anode, ROLE_PROPERTY[role], node))
                rnode = URIRef(f"{node}/role/{role}/{'-'.join(anode.split('/')[-2:])}")
                g.add((rnode, RDF.type, PK.RoleAssignment))
                g.add((rnode, PK.agent, anode))
                g.add((rnode, PK.task, node))
                g.add((rnode, PK.role, PK[role]))
                self._evidence(g, rnode, a.span, doc, source)
        if t.deadline is not None:
            dnode = URIRef(f"{node}#deadline")
            g.add((node, PK.hasDeadline, dnode))
            g.add((dnode, RDF.type, PK.Deadline))
            g.add((dnode, PK.deadlineText, Literal(t.deadline.text)))
            g.add((dnode, PK.ongoing, Literal(bool(t.deadline.ongoing))))
            date = _date(t.deadline.date)
            if date is not None:
                prop = TIME.inXSDDate if date.datatype == XSD.date else TIME.inXSDgYearMonth
                g.add((dnode, prop, date))
        for k, target in enumerate(t.targets):
            tn = URIRef(f"{node}#target-{k + 1}")
            g.add((node, PK.hasTarget, tn))
            g.add((tn, RDF.type, PK.Target))
            g.add((tn, PK.value, Literal(f"{target.value:g}", datatype=XSD.decimal)))
            g.add((tn, PK.unit, Literal(target.unit)))
            g.add((tn, PK.text, Literal(target.text)))
            if target.year:
                g.add((tn, PK.targetYear, Literal(str(target.year), datatype=XSD.gYear)))
            if target.comparator:
                g.add((tn, PK.comparator, Literal(target.comparator)))


def _core(name: str, a: Agency) -> str:
    """The department part of a canonical name (its place removed)."""
    place = a.jurisdiction or ""
    core = name[len(place):] if place and name.startswith(place) else name
    return core


def union_graph(ds: Dataset) -> Graph:
    """Every triple of every named graph in one plain Graph (for Turtle, JSON-LD and SHACL)."""
    g = Graph()
    bind_prefixes(g)
    for triple in sorted({t for ctx in ds.graphs() for t in ctx}):  # sorted: serialisations are reproducible
        g.add(triple)
    return g


def iter_triples(ds: Dataset) -> Iterable:
    """All quads of the dataset."""
    return ds.quads((None, None, None, None))
