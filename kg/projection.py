"""RDF → property graph: the one mapping that feeds LadybugDB, Neo4j and networkx (docs/graph-model.md).

Labels come from the ontology's class hierarchy (every subclass of pk:Agency is an Agency, …); each
node and relationship records the source files (named graphs) that assert it, for pruning and
provenance. Role and citation relationships carry the quote and character offsets of their evidence.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

from ontology import ONTOLOGY_DIR

from .rdf import BUILD_GRAPH, ELI, OA, ONTOLOGY_GRAPH, ORG, PK, RDF, RDFS, SKOS, TIME, VOCAB_GRAPH

# ---------------------------------------------------------------- the schema, in one place
# a document's level of government (pk:governmentLevel; the shapes allow these four) → the derived column counting
# tasks of documents of that level (Instrument, USED_ON); "" is a document with no level
LEVEL_COLUMNS = {"national": "tasks_national", "province": "tasks_province", "city": "tasks_city",
                 "county": "tasks_county", "": "tasks_no_level"}
NODE_SCHEMA: dict[str, list[tuple[str, str]]] = {
    "Document": [("uri", "STRING"), ("name", "STRING"), ("title", "STRING"), ("kind", "STRING"),
                 ("doc_number", "STRING"), ("issuer_code", "STRING"), ("year", "INT64"), ("serial", "INT64"),
                 ("doc_type", "STRING"), ("date", "STRING"), ("published", "STRING"),
                 ("jurisdiction", "STRING"), ("level", "STRING"), ("source", "STRING"), ("quote", "STRING"), ("start", "INT64"),
                 ("end", "INT64"), ("reuse_share", "DOUBLE"), ("find_order", "INT64"), ("sources", "STRING[]")],
    "Task": [("uri", "STRING"), ("name", "STRING"), ("number", "STRING"), ("heading", "STRING"),
             ("text", "STRING"), ("section_path", "STRING"), ("deadline", "STRING"), ("deadline_date", "STRING"),
             ("ongoing", "BOOLEAN"), ("document", "STRING"), ("source", "STRING"), ("quote", "STRING"),
             ("start", "INT64"), ("end", "INT64"), ("sources", "STRING[]")],
    "Agency": [("uri", "STRING"), ("name", "STRING"), ("aliases", "STRING[]"), ("org_class", "STRING"),
               ("functional_type", "STRING"), ("jurisdiction", "STRING"), ("collective", "BOOLEAN"),
               ("tasks_led", "INT64"), ("tasks_held", "INT64"), ("sources", "STRING[]")],
    "Jurisdiction": [("uri", "STRING"), ("name", "STRING"), ("code", "STRING"), ("level", "STRING"),
                     ("sources", "STRING[]")],
    "Topic": [("uri", "STRING"), ("name", "STRING"), ("name_en", "STRING"), ("sources", "STRING[]")],
    "Provision": [("uri", "STRING"), ("number", "STRING"), ("heading", "STRING"), ("text", "STRING"),
                  ("document", "STRING"), ("source", "STRING"), ("quote", "STRING"), ("start", "INT64"),
                  ("end", "INT64"), ("sources", "STRING[]")],
    "Instrument": [("uri", "STRING"), ("code", "STRING"), ("name", "STRING"), ("name_en", "STRING"),
                   ("typology", "STRING"), *((c, "INT64") for c in LEVEL_COLUMNS.values()), ("sources", "STRING[]")],
    "Clause": [("uri", "STRING"), ("text", "STRING"), ("document", "STRING"), ("source", "STRING"),
               ("quote", "STRING"), ("start", "INT64"), ("end", "INT64"), ("sources", "STRING[]")],
}
_EVIDENCE = [("quote", "STRING"), ("source", "STRING"), ("start", "INT64"), ("end", "INT64")]
REL_SCHEMA: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    "CITES": ([("Document", "Document")], [("relation", "STRING"), ("cited_title", "STRING"), *_EVIDENCE]),
    "PART_OF": ([("Document", "Document")], []),
    "ISSUED_BY": ([("Document", "Agency")], []),
    "HAS_TASK": ([("Document", "Task")], []),
    "LEADS": ([("Agency", "Task")], [("role", "STRING"), *_EVIDENCE]),
    "RESPONSIBLE_FOR": ([("Agency", "Task")], [("role", "STRING"), *_EVIDENCE]),
    "COOPERATES_ON": ([("Agency", "Task")], [("role", "STRING"), *_EVIDENCE]),
    "IN_JURISDICTION": ([("Agency", "Jurisdiction"), ("Document", "Jurisdiction")], []),
    "WITHIN": ([("Jurisdiction", "Jurisdiction")], []),
    "ABOUT": ([("Document", "Topic"), ("Task", "Topic")], []),
    "SUB_ORGANIZATION_OF": ([("Agency", "Agency")], []),
    "IN_DOCUMENT": ([("Clause", "Document"), ("Provision", "Document")], []),
    "USES_INSTRUMENT": ([("Task", "Instrument")], [("typology", "STRING"), ("words", "STRING[]")]),
    "STATES_TASK": ([("Provision", "Task")], []),
    "CASCADES_FROM": ([("Task", "Provision")], [("score", "DOUBLE"), ("copied", "INT64"), ("heading_alike", "BOOLEAN"),
                                                ("agencies_alike", "BOOLEAN")]),
    "REUSES": ([("Clause", "Clause")], [("similarity", "DOUBLE"), ("copied", "DOUBLE"), ("kind", "STRING")]),
    # derived (summarise): counts the named queries read instead of aggregating every task at query time
    "LEADS_ON": ([("Agency", "Topic")], [("tasks", "INT64"), ("jurisdiction", "STRING"), ("level", "STRING"),
                                         ("rank", "INT64"), ("level_rank", "INT64")]),
    "SHARES_TASKS": ([("Agency", "Agency")], [("tasks", "INT64"), ("rank", "INT64")]),
    "USED_ON": ([("Instrument", "Topic")], [(c, "INT64") for c in LEVEL_COLUMNS.values()]),
}
DERIVED = frozenset({"LEADS_ON", "SHARES_TASKS", "USED_ON"})  # not facts of a sentence: views of facts leave them out
for _props in REL_SCHEMA.values():
    _props[1].append(("sources", "STRING[]"))

ROLE_TYPES = {"lead": "LEADS", "responsible": "RESPONSIBLE_FOR", "cooperating": "COOPERATES_ON"}
ROLE_NAMES = {"lead": "牵头", "responsible": "责任", "cooperating": "配合"}
_DIRECT_EDGES = {ELI.is_part_of.value: "PART_OF", ELI.passed_by.value: "ISSUED_BY", PK.hasTask.value: "HAS_TASK",
                 PK.inJurisdiction.value: "IN_JURISDICTION", ELI.jurisdiction.value: "IN_JURISDICTION",
                 PK.within.value: "WITHIN", PK.about.value: "ABOUT",
                 ORG.subOrganizationOf.value: "SUB_ORGANIZATION_OF", PK.clauseOf.value: "IN_DOCUMENT",
                 PK.provisionOf.value: "IN_DOCUMENT", PK.statesTask.value: "STATES_TASK"}
# an object typed in another file's graph takes its label from the property's range (pk:statesTask → pk:Task):
# a file's projection must not depend on what the other files say
_RANGE_LABEL = {PK.statesTask.value: "Task"}
_LEVELS = {PK.Province.value: "province", PK.City.value: "city", PK.County.value: "county"}
_SHARED = {BUILD_GRAPH.value, VOCAB_GRAPH.value, ONTOLOGY_GRAPH.value}
_TYPE = RDF.type.value


@dataclass
class PropertyGraph:
    """Node rows per label and relationship rows per type (rows: dicts keyed by the schema's names)."""

    nodes: dict[str, list[dict]] = field(default_factory=dict)
    rels: dict[str, list[dict]] = field(default_factory=dict)

    def counts(self) -> tuple[int, int]:
        """(nodes, relationships)."""
        return sum(map(len, self.nodes.values())), sum(map(len, self.rels.values()))

    def fingerprint(self) -> str:
        """A hash of the whole content: equal graphs, equal fingerprints."""
        h = hashlib.sha256()
        for part in (self.nodes, self.rels):
            h.update(json.dumps(part, ensure_ascii=False, sort_keys=True, default=str).encode())
        return h.hexdigest()[:20]

    def sources(self) -> set[str]:
        """Every source file that contributes to the graph."""
        return {s for rows in list(self.nodes.values()) + list(self.rels.values()) for r in rows
                for s in r.get("sources") or []}


@lru_cache(maxsize=1)
def label_classes() -> dict[str, str]:
    """Class IRI → node label, from the ontology's subclass hierarchy."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDFS as RDFS_NS

    ontology = Graph().parse(ONTOLOGY_DIR / "policykg.ttl", format="turtle")
    roots = {PK.PolicyDocument.value: "Document", PK.Task.value: "Task", PK.Agency.value: "Agency",
             PK.AdministrativeDivision.value: "Jurisdiction", PK.Clause.value: "Clause",
             PK.Provision.value: "Provision"}
    out: dict[str, str] = {}
    for root, label in roots.items():
        for cls in ontology.transitive_subjects(RDFS_NS.subClassOf, URIRef(root)):
            out[str(cls)] = label
    return out


def _value(terms: list | None, as_type=str):
    """The first literal's value, converted."""
    for t in terms or ():
        if isinstance(t, ox.Literal):
            v = t.value
            if as_type is bool:
                return v == "true"
            return as_type(v) if as_type is not str else v
    return None


def _zh(terms: list | None) -> str | None:
    for t in terms or ():
        if isinstance(t, ox.Literal) and t.language == "zh":
            return t.value
    return _value(terms)


def _iri(terms: list | None) -> str | None:
    for t in terms or ():
        if isinstance(t, ox.NamedNode):
            return t.value
    return None


def project(quads: Iterable[ox.Quad]) -> PropertyGraph:
    """Project the built dataset (quads, grouped by graph) onto the property-graph schema above."""
    graphs: dict[str, list] = {}
    for q in quads:
        g = q.graph_name
        graphs.setdefault(g.value if isinstance(g, ox.NamedNode) else "", []).append(q)
    return project_graphs(graphs.items())


def project_graphs(graphs: Iterable[tuple[str, Iterable]]) -> PropertyGraph:
    """Project named graphs — (graph IRI, triples or quads) — onto the property-graph schema."""
    labels = label_classes()
    po: dict[str, dict[str, list]] = {}
    node_sources: dict[str, set[str]] = defaultdict(set)
    triple_sources: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    named = ox.NamedNode
    for gname, items in graphs:
        gid = None if not gname or gname in _SHARED else gname.rsplit("/", 1)[-1]
        for q in items:
            s, p, o = q.subject.value, q.predicate.value, q.object
            props = po.get(s)
            if props is None:
                props = po[s] = {}
            values = props.get(p)
            if values is None:
                props[p] = [o]
            elif o not in values:
                values.append(o)
            if gid is not None:
                node_sources[s].add(gid)
                if isinstance(o, named):
                    triple_sources[(s, p, o.value)].add(gid)
    concepts = concept_labels()
    label_of: dict[str, str] = {}
    for s, props in po.items():
        for t in props.get(_TYPE, ()):
            label = labels.get(t.value)
            if label:
                label_of[s] = label
                break
        else:
            if s in concepts["topic"]:
                label_of[s] = "Topic"
            elif s in concepts["instrument"]:
                label_of[s] = "Instrument"

    empty: dict = {}

    def evidence(node: str) -> dict:
        target = _iri(po.get(node, empty).get(PK.evidence.value))
        if target is None:
            return {"quote": None, "source": None, "start": None, "end": None}
        sel = _iri(po.get(target, empty).get(OA.hasSelector.value))
        src = _iri(po.get(target, empty).get(OA.hasSource.value))
        sp = po.get(sel, empty) if sel else empty
        return {"quote": _value(sp.get(OA.exact.value)), "source": src.rsplit("/", 1)[-1] if src else None,
                "start": _value(sp.get(OA.start.value), int), "end": _value(sp.get(OA.end.value), int)}

    pg = PropertyGraph(nodes={k: [] for k in NODE_SCHEMA}, rels={k: [] for k in REL_SCHEMA})
    for s in sorted(label_of):
        label = label_of[s]
        row = {"uri": s, "sources": sorted(node_sources.get(s, ()))}
        row.update(_node_properties(label, s, po.get(s, {}), po, evidence, concepts))
        pg.nodes[label].append(row)
    referenced_concepts: set[str] = set()
    seen_rels: set[tuple[str, str, str]] = set()

    def add_rel(rtype: str, a: str, b: str, props: dict, sources: set[str], range_label: str | None = None) -> None:
        la, lb = label_of.get(a), label_of.get(b) or range_label
        if (la, lb) not in REL_SCHEMA[rtype][0] or (rtype, a, b) in seen_rels:
            return
        seen_rels.add((rtype, a, b))
        if lb in ("Topic", "Instrument"):  # a concept is a node where something points to it
            referenced_concepts.add(b)
        pg.rels[rtype].append({"from": a, "to": b, "from_label": la, "to_label": lb, **props,
                               "sources": sorted(sources)})

    role_assignment, citation, text_reuse = PK.RoleAssignment.value, PK.Citation.value, PK.TextReuse.value
    task_cascade, coding = PK.TaskCascade.value, PK.InstrumentCoding.value
    for s in sorted(po):
        props = po[s]
        types = {t.value for t in props.get(_TYPE, ())}
        if role_assignment in types:
            role = _iri(props[PK.role.value]).rsplit("#", 1)[-1]
            add_rel(ROLE_TYPES[role], _iri(props[PK.agent.value]), _iri(props[PK.task.value]),
                    {"role": ROLE_NAMES[role], **evidence(s)}, node_sources.get(s, set()))
        elif coding in types:
            concept = _iri(props[PK.codedInstrument.value])
            add_rel("USES_INSTRUMENT", _iri(props[PK.codedTask.value]), concept,
                    {"typology": concepts["instrument"].get(concept, ("", "", ""))[2],
                     "words": sorted(t.value for t in props.get(PK.firedWord.value, ()))},
                    node_sources.get(s, set()))
        elif task_cascade in types:
            add_rel("CASCADES_FROM", _iri(props[PK.cascadingTask.value]), _iri(props[PK.parentProvision.value]),
                    {"score": _value(props.get(PK.score.value), float),
                     "copied": _value(props.get(PK.copiedCharacters.value), int),
                     "heading_alike": _value(props.get(PK.headingAlike.value), bool),
                     "agencies_alike": _value(props.get(PK.agenciesAlike.value), bool)}, node_sources.get(s, set()))
        elif text_reuse in types:
            add_rel("REUSES", _iri(props[PK.reusingClause.value]), _iri(props[PK.reusedClause.value]),
                    {"similarity": _value(props.get(PK.similarity.value), float),
                     "copied": _value(props.get(PK.copiedShare.value), float),
                     "kind": _value(props.get(PK.reuseKind.value))}, node_sources.get(s, set()))
        elif citation in types:
            add_rel("CITES", _iri(props[PK.citingDocument.value]), _iri(props[PK.citedDocument.value]),
                    {"relation": _value(props.get(PK.citationRelation.value)),
                     "cited_title": _value(props.get(PK.citedTitle.value)), **evidence(s)},
                    node_sources.get(s, set()))
        if s not in label_of:
            continue
        for p in sorted(props):
            rtype = _DIRECT_EDGES.get(p)
            if rtype is None:
                continue
            for o in sorted(props[p], key=lambda t: getattr(t, "value", "")):
                if isinstance(o, ox.NamedNode):
                    add_rel(rtype, s, o.value, {}, triple_sources.get((s, p, o.value), set()), _RANGE_LABEL.get(p))
    pg.nodes["Topic"] = [r for r in pg.nodes["Topic"] if r["uri"] in referenced_concepts]
    pg.nodes["Instrument"] = [r for r in pg.nodes["Instrument"] if r["uri"] in referenced_concepts]
    for rows in pg.rels.values():
        rows.sort(key=lambda r: (r["from"], r["to"]))
    return pg


@lru_cache(maxsize=1)
def concept_labels() -> dict[str, dict[str, tuple[str, str]]]:
    """Vocabulary concept IRI → (Chinese, English) label, for topics, document types and functional types."""
    from loaders.vocab import vocabulary

    v = vocabulary()
    functional = {}
    for d in v.departments:
        if d.functional_iri:
            functional[d.functional_iri] = (d.functional_type, "")
    return {"topic": {c.iri: (c.pref, c.english) for c in v.topics},
            "instrument": _instrument_concepts(),
            "doctype": {c.iri: (c.pref, c.english) for c in v.doc_types},
            "functional": functional}


def _instrument_concepts() -> dict[str, tuple[str, str, str]]:
    """Instrument concept IRI → (Chinese, English label, typology notation), from ontology/vocab/instruments.ttl."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import SKOS as SKOS_NS

    from ontology import VOCAB_DIR

    g = Graph().parse(VOCAB_DIR / "instruments.ttl", format="turtle")
    scheme = URIRef(PK.InstrumentScheme.value)
    out = {}
    for c in g.subjects(SKOS_NS.inScheme, scheme):
        typology = g.value(c, SKOS_NS.broader)
        if typology is None:
            continue
        labels = {lit.language: str(lit) for lit in g.objects(c, SKOS_NS.prefLabel)}
        out[str(c)] = (labels.get("zh", ""), labels.get("en", ""), str(g.value(typology, SKOS_NS.notation)))
    return out


FIND_NAME_LENGTH = 511  # names longer than this many characters sort as this long in find_order (9 bits)


def find_order(uri: str, kind: str, name: str) -> int:
    """Where a document stands among the documents find-document matches equally well, as one non-negative INT64
    (sorting an integer reads no strings of the matches): loaded before cited, a shorter name first (the text
    searched for is more of it), then 53 bits of a hash of the uri — a function of the row alone, so a cold and an
    incremental build agree, and unique but by chance (two documents of one kind and name length tie with
    probability n²/2⁵⁴: ~10⁻⁶ at 150,000 documents)."""
    digest = int.from_bytes(hashlib.blake2b(uri.encode("utf-8"), digest_size=8).digest(), "big") >> 11
    return (kind != "loaded") << 62 | min(len(name), FIND_NAME_LENGTH) << 53 | digest


def _node_properties(label: str, s: str, props: dict, po: dict, evidence, concepts: dict) -> dict:
    def one(p, as_type=str):
        return _value(props.get(p.value), as_type)

    if label == "Document":
        title, number = one(ELI.title), one(ELI.id_local)
        juris = _iri(props.get(ELI.jurisdiction.value))
        doc_type = _iri(props.get(ELI.type_document.value))
        ev = evidence(s)
        year = one(PK.docNumberYear)
        source = one(PK.sourceFile)
        name = title or number or (f"{source} #{s.rsplit('/', 1)[-1]}" if source else s.rsplit("/", 1)[-1])
        kind = "loaded" if any(t.value == PK.LoadedDocument.value for t in props.get(_TYPE, ())) else "cited"
        return {"name": name, "title": title, "kind": kind, "find_order": find_order(s, kind, name),
                "doc_number": number, "issuer_code": one(PK.docNumberIssuerCode),
                "year": int(year[:4]) if year else None, "serial": one(PK.docNumberSerial, int),
                "doc_type": concepts["doctype"].get(doc_type, (None,))[0] if doc_type else None,
                "date": one(ELI.date_document), "published": one(ELI.date_publication),
                "jurisdiction": _zh(po.get(juris, {}).get(SKOS.prefLabel.value)) if juris else None,
                "level": one(PK.governmentLevel),
                "source": source, "quote": ev["quote"], "start": ev["start"], "end": ev["end"],
                "reuse_share": one(PK.reuseShare, float)}
    if label == "Provision":
        ev = evidence(s)
        return {"number": one(PK.number), "heading": _zh(props.get(PK.heading.value)),
                "text": _zh(props.get(PK.text.value)), "document": _iri(props.get(PK.provisionOf.value)),
                "source": ev["source"], "quote": ev["quote"], "start": ev["start"], "end": ev["end"]}
    if label == "Clause":
        ev = evidence(s)
        return {"text": _zh(props.get(PK.text.value)), "document": _iri(props.get(PK.clauseOf.value)),
                "source": ev["source"], "quote": ev["quote"], "start": ev["start"], "end": ev["end"]}
    if label == "Task":
        dl = _iri(props.get(PK.hasDeadline.value))
        dprops = po.get(dl, {}) if dl else {}
        ev = evidence(s)
        return {"name": _zh(props.get(RDFS.label.value)), "number": one(PK.number), "heading": one(PK.heading),
                "text": one(PK.text), "section_path": one(PK.sectionPath),
                "deadline": _value(dprops.get(PK.deadlineText.value)),
                "deadline_date": _value(dprops.get(TIME.inXSDDate.value) or dprops.get(TIME.inXSDgYearMonth.value)),
                "ongoing": _value(dprops.get(PK.ongoing.value), bool) if dl else None,
                "document": _iri(props.get(PK.taskOf.value)),
                "source": ev["source"], "quote": ev["quote"], "start": ev["start"], "end": ev["end"]}
    if label == "Agency":
        juris = _iri(props.get(PK.inJurisdiction.value))
        ft = _iri(props.get(PK.functionalType.value))
        classes = sorted(t.value.rsplit("#", 1)[-1] for t in props.get(_TYPE, ()))
        return {"name": _zh(props.get(SKOS.prefLabel.value)),
                "aliases": sorted(t.value for t in props.get(SKOS.altLabel.value, ())),
                "org_class": classes[0] if classes else None,
                "functional_type": concepts["functional"].get(ft, (None,))[0] if ft else None,
                "jurisdiction": _zh(po.get(juris, {}).get(SKOS.prefLabel.value)) if juris else None,
                "collective": any(t.value == PK.CollectiveActor.value for t in props.get(_TYPE, ()))}
    if label == "Jurisdiction":
        level = next((_LEVELS[t.value] for t in props.get(_TYPE, ()) if t.value in _LEVELS), None)
        return {"name": _zh(props.get(SKOS.prefLabel.value)), "code": one(PK.divisionCode), "level": level}
    if label == "Topic":
        name, english = concepts["topic"][s]
        return {"name": name, "name_en": english or None}
    if label == "Instrument":
        name, english, typology = concepts["instrument"][s]
        return {"code": s.rsplit("/", 1)[-1], "name": name, "name_en": english or None, "typology": typology}
    raise ValueError(label)


def merge(parts: Iterable[PropertyGraph]) -> PropertyGraph:
    """Per-file projections → one, in memory: a node or relationship once, with the union of sources (and aliases)
    — CorpusMerge with every node shared."""
    merged = CorpusMerge(lambda uri: None)
    for part in parts:
        merged.add_rest(part, Tally())
    return merged.settled()


@dataclass
class Tally:
    """What the derived counts (summarise) count, for one file or many: they add up across files, since a task and
    the facts counted with it (its document's topics, its holders) are all one file's."""

    led: Counter = field(default_factory=Counter)  # agency → tasks it leads
    led_on: Counter = field(default_factory=Counter)  # (agency, topic) → tasks it leads about the topic
    pairs: Counter = field(default_factory=Counter)  # (agency, agency), the smaller uri first → tasks both hold
    held: Counter = field(default_factory=Counter)  # agency → tasks of a document it holds any role on
    used: Counter = field(default_factory=Counter)  # (instrument, level of the task's document) → tasks using it
    used_on: Counter = field(default_factory=Counter)  # (instrument, topic, level) → tasks about the topic using it

    def add(self, other: "Tally") -> None:
        self.led.update(other.led)
        self.held.update(other.held)
        self.led_on.update(other.led_on)
        self.pairs.update(other.pairs)
        self.used.update(other.used)
        self.used_on.update(other.used_on)


def tally(pg: PropertyGraph) -> Tally:
    """Count what summarise records: tasks led per agency and per agency and topic (the task's own topics or those
    of its document and the documents that document is part of, up to three levels), tasks held in any role per
    agency, tasks per agency pair, tasks using an instrument per level of their document and per topic and level.
    Each count is of distinct tasks of a document, as the named queries' aggregations over the facts were."""
    about: dict[str, set[str]] = defaultdict(set)
    for r in pg.rels["ABOUT"]:
        about[r["from"]].add(r["to"])
    parent = {r["from"]: r["to"] for r in pg.rels["PART_OF"]}

    def doc_topics(doc: str) -> set[str]:
        out, d = set(about.get(doc, ())), doc
        for _ in range(3):  # PART_OF*0..3
            d = parent.get(d)
            if d is None:
                break
            out |= about.get(d, set())
        return out

    task_doc = {r["to"]: r["from"] for r in pg.rels["HAS_TASK"]}
    level = {r["uri"]: r.get("level") or "" for r in pg.nodes["Document"]}
    t = Tally()
    for r in pg.rels["USES_INSTRUMENT"]:
        task, instrument = r["from"], r["to"]
        if task not in task_doc:
            continue
        lv = level.get(task_doc[task], "")
        t.used[(instrument, lv)] += 1
        for topic in sorted(about.get(task, set()) | doc_topics(task_doc[task])):  # one order in every process
            t.used_on[(instrument, topic, lv)] += 1
    for r in pg.rels["LEADS"]:
        agency, task = r["from"], r["to"]
        if task not in task_doc:
            continue  # the named queries count tasks of a document only
        t.led[agency] += 1
        for topic in sorted(about.get(task, set()) | doc_topics(task_doc[task])):  # one order in every process
            t.led_on[(agency, topic)] += 1
    holders: dict[str, set[str]] = defaultdict(set)
    for rtype in ("LEADS", "RESPONSIBLE_FOR", "COOPERATES_ON"):
        for r in pg.rels[rtype]:
            holders[r["to"]].add(r["from"])
    for task, agencies in holders.items():
        ordered = sorted(agencies)  # one order in every process (a set's follows string hashing)
        if task in task_doc:
            t.held.update(ordered)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                t.pairs[(a, b)] += 1
    return t


def seat_of(places: Iterable[tuple[str, str | None]]) -> tuple[str, str | None]:
    """The jurisdiction (name, level) an agency's leads are ranked by: of several, the first by name."""
    return min(places, key=lambda x: (x[0], x[1] or ""))


def leads_on_row(agency: str, topic: str, tasks: int, seat: tuple[str, str | None] | None) -> dict:
    """A LEADS_ON row, unranked (rank 0: an agency in no jurisdiction stays so)."""
    return {"from": agency, "to": topic, "from_label": "Agency", "to_label": "Topic", "tasks": tasks,
            "jurisdiction": seat[0] if seat else None, "level": seat[1] if seat else None,
            "rank": 0, "level_rank": 0, "sources": []}


def lead_order(row: dict, name: dict[str, str]) -> tuple:
    """Where a seated LEADS_ON row stands among its topic's leads: most tasks first, then jurisdiction, agency
    name and uri (the lead-agencies query's ORDER BY)."""
    return row["to"], -row["tasks"], row["jurisdiction"], name.get(row["from"], ""), row["from"]


def rank_leads(rows: Iterable[dict]) -> Iterator[dict]:
    """Seated LEADS_ON rows in lead_order, with their `rank` among the topic's leads and `level_rank` among those
    of their level filled in."""
    seen: Counter = Counter()
    for row in rows:
        seen[row["to"]] += 1
        seen[(row["to"], row["level"])] += 1
        row["rank"], row["level_rank"] = seen[row["to"]], seen[(row["to"], row["level"])]
        yield row


def pair_order(pair: tuple[str, str], tasks: int, name: dict[str, str]) -> tuple:
    """Where an agency pair stands in the SHARES_TASKS ranking: most shared first, then the agencies' names."""
    return -tasks, name.get(pair[0], ""), name.get(pair[1], ""), pair


def shares_row(pair: tuple[str, str], tasks: int, rank: int) -> dict:
    return {"from": pair[0], "to": pair[1], "from_label": "Agency", "to_label": "Agency", "tasks": tasks,
            "rank": rank, "sources": []}


def level_counts(counts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """(level, tasks) pairs → the LEVEL_COLUMNS row values, 0 where none (a level outside them, which the shapes
    refuse, counts as no level)."""
    row = dict.fromkeys(LEVEL_COLUMNS.values(), 0)
    for level, n in counts:
        row[LEVEL_COLUMNS.get(level, LEVEL_COLUMNS[""])] += n
    return row


def used_on_row(instrument: str, topic: str, counts: Iterable[tuple[str, int]]) -> dict:
    """A USED_ON row (instrument → topic): tasks about the topic that use the instrument, per level."""
    return {"from": instrument, "to": topic, "from_label": "Instrument", "to_label": "Topic", **level_counts(counts),
            "sources": []}


def derived_rows(t: Tally, agencies: list[dict], topics: set[str], jurisdictions: list[dict],
                 in_jurisdiction: list[dict], instruments: list[dict]) -> dict[str, list[dict]]:
    """Fill Agency.tasks_led and tasks_held, and each Instrument's tasks per level, in the rows, in place; the
    LEADS_ON, SHARES_TASKS and USED_ON rows. A page of a ranking is a range of ranks, not a sort of every row: a
    pair's `rank` is its place among all pairs (pair_order); a LEADS_ON row carries its agency's jurisdiction and
    its place among the topic's leads and among those of one level (rank_leads). kg.shared computes the same
    without the rows in memory."""
    for row in agencies:
        row["tasks_led"] = t.led.get(row["uri"], 0)
        row["tasks_held"] = t.held.get(row["uri"], 0)
    per_level: dict[str, list] = defaultdict(list)
    for (instrument, lv), n in t.used.items():
        per_level[instrument].append((lv, n))
    for row in instruments:
        row.update(level_counts(per_level.get(row["uri"], ())))
    per_topic: dict[tuple[str, str], list] = defaultdict(list)
    for (instrument, topic, lv), n in t.used_on.items():
        if topic in topics:
            per_topic[(instrument, topic)].append((lv, n))
    used_on = [used_on_row(i, topic, per_topic[(i, topic)]) for i, topic in sorted(per_topic)]
    name = {row["uri"]: row.get("name") or "" for row in agencies}
    juris = {row["uri"]: (row.get("name") or "", row.get("level")) for row in jurisdictions}
    places: dict[str, list] = defaultdict(list)
    for r in in_jurisdiction:
        if r["from"] in name and r["to"] in juris:
            places[r["from"]].append(juris[r["to"]])
    seat = {a: seat_of(p) for a, p in places.items()}
    leads_on = [leads_on_row(a, topic, n, seat.get(a)) for (a, topic), n in sorted(t.led_on.items()) if topic in topics]
    for _ in rank_leads(sorted((r for r in leads_on if r["from"] in seat), key=lambda r: lead_order(r, name))):
        pass  # rank_leads fills each row's ranks in place
    ranked = sorted(t.pairs.items(), key=lambda x: pair_order(x[0], x[1], name))
    rank = {pair: k + 1 for k, (pair, _) in enumerate(ranked)}
    shares = [shares_row(pair, n, rank[pair]) for pair, n in sorted(t.pairs.items())]
    return {"LEADS_ON": leads_on, "SHARES_TASKS": shares, "USED_ON": used_on}


def summarise(pg: PropertyGraph) -> PropertyGraph:
    """Fill the derived counts of a merged graph, in place: Agency.tasks_led and tasks_held, LEADS_ON (agency →
    topic), SHARES_TASKS (agency pair), Instrument.tasks_<level> and USED_ON (instrument → topic) — see tally;
    computed from the merged rows, so right after any rebuild."""
    pg.rels.update(derived_rows(tally(pg), pg.nodes["Agency"], {r["uri"] for r in pg.nodes["Topic"]},
                                pg.nodes["Jurisdiction"], pg.rels["IN_JURISDICTION"], pg.nodes["Instrument"]))
    return pg


def split_own(pg: PropertyGraph, is_own) -> tuple[PropertyGraph, PropertyGraph]:
    """A file's rows → (its own: nodes it alone describes and relationships touching one, the rest: nodes and
    relationships other files may describe too). Own rows need no merging across files."""
    own = PropertyGraph(nodes={k: [] for k in pg.nodes}, rels={k: [] for k in pg.rels})
    rest = PropertyGraph(nodes={k: [] for k in pg.nodes}, rels={k: [] for k in pg.rels})
    for label, rows in pg.nodes.items():
        for row in rows:
            (own if is_own(row["uri"]) else rest).nodes[label].append(row)
    for rtype, rows in pg.rels.items():
        for row in rows:
            (own if is_own(row["from"]) or is_own(row["to"]) else rest).rels[rtype].append(row)
    return own, rest


TABLES_DIR = "tables"
ROW_GROUP = 5_000  # rows a table writer holds before writing them out
CHUNKS = 64  # a file's own rows go to part-<crc32(file name) % CHUNKS> of each table: a rebuild rewrites its part
SHARED_PART = "shared"  # the rows files share, merged, and the derived counts


def chunk_of(source: str) -> int:
    """The table part a file's own rows go to (stable: by its name, not its place in the corpus)."""
    import zlib

    return zlib.crc32(source.encode("utf-8")) % CHUNKS


def part_name(chunk: int | None) -> str:
    return SHARED_PART if chunk is None else f"part-{chunk:02d}"


def table_dir(kind: str, name: str) -> str:
    """A table's folder under tables/: <Label> for nodes, rel-<TYPE> for relationships."""
    return name if kind == "node" else f"rel-{name}"


def table_schema(kind: str, name: str):
    """The Arrow schema of a node label's or a relationship type's table (the database's columns; a relationship
    table leads with from, to and both ends' labels)."""
    import pyarrow as pa

    def arrow_type(t: str):
        return {"STRING": pa.string(), "INT64": pa.int64(), "BOOLEAN": pa.bool_(), "DOUBLE": pa.float64(),
                "STRING[]": pa.list_(pa.string())}[t]

    if kind == "node":
        return pa.schema([pa.field(c, arrow_type(t)) for c, t in NODE_SCHEMA[name]])
    lead = [pa.field(c, pa.string()) for c in ("from", "to", "from_label", "to_label")]
    return pa.schema(lead + [pa.field(c, arrow_type(t)) for c, t in REL_SCHEMA[name][1]])


def rows_table(kind: str, name: str, rows: list[dict]):
    """Rows (dicts; a column they lack is null) as an Arrow table of the table's schema."""
    import pyarrow as pa

    schema = table_schema(kind, name)
    return pa.table({f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in schema}, schema=schema)


class TableWriter:
    """Rows streamed into one part of every table — tables/<Label>/<part>.parquet, tables/rel-<TYPE>/<part>.parquet
    — a row group at a time, so a table is never whole in memory; each file appears (renamed into place) only
    when close() is called. A table is the folder of its parts (pandas and pyarrow read a folder as one table)."""

    def __init__(self, out, part: str):
        from pathlib import Path

        self.folder = Path(out) / TABLES_DIR
        self.folder.mkdir(parents=True, exist_ok=True)  # a build without rows still has (empty) tables
        self.part = part
        self.buffers: dict[tuple[str, str], list[dict]] = {}
        self.writers: dict[tuple[str, str], object] = {}
        self.rows: dict[tuple[str, str], int] = defaultdict(int)

    def path(self, kind: str, name: str):
        return self.folder / table_dir(kind, name) / f"{self.part}.parquet"

    def _tmp(self, kind: str, name: str):
        final = self.path(kind, name)
        return final.with_name(f".{final.name}.{os.getpid()}.tmp")

    def add(self, kind: str, name: str, rows: Iterable[dict]) -> None:
        buf = self.buffers.setdefault((kind, name), [])
        for row in rows:
            buf.append(row)
            if len(buf) >= ROW_GROUP:
                self._flush(kind, name)
                buf = self.buffers[(kind, name)]

    def add_table(self, kind: str, name: str, table) -> None:
        """Rows already in an Arrow table of the table's schema, a row group of ROW_GROUP at a time: the file
        add() would write from the same rows, when nothing else is added to the table."""
        if self.buffers.get((kind, name)):
            raise ValueError(f"{table_dir(kind, name)}: rows are buffered; add_table writes a table whole")
        for start in range(0, table.num_rows, ROW_GROUP):
            self._write(kind, name, table.slice(start, ROW_GROUP))

    def _flush(self, kind: str, name: str) -> None:
        rows = self.buffers.get((kind, name))
        if not rows:
            return
        self._write(kind, name, rows_table(kind, name, rows))
        self.buffers[(kind, name)] = []

    def _write(self, kind: str, name: str, table) -> None:
        import pyarrow.parquet as pq

        writer = self.writers.get((kind, name))
        if writer is None:
            tmp = self._tmp(kind, name)
            tmp.parent.mkdir(parents=True, exist_ok=True)
            writer = self.writers[(kind, name)] = pq.ParquetWriter(str(tmp), table_schema(kind, name))
        writer.write_table(table)
        self.rows[(kind, name)] += table.num_rows

    def close(self) -> list[str]:
        """Write what is buffered, put every part in place; the parts written (tables/…)."""
        written = []
        for kind, name in list(self.buffers):
            self._flush(kind, name)
        for key in [("node", k) for k in NODE_SCHEMA] + [("rel", k) for k in REL_SCHEMA]:
            writer = self.writers.pop(key, None)
            if writer is None:
                continue
            writer.close()
            tmp, final = self._tmp(*key), self.path(*key)
            os.replace(tmp, final)  # not flushed to disk one by one: the build syncs once before it is published
            written.append(f"{TABLES_DIR}/{table_dir(*key)}/{final.name}")
        return written

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(self, kind, err, tb) -> None:
        """close() when the block ends normally; abort() when it raises: no part of a failed write is left."""
        if kind is None:
            self.close()
        else:
            self.abort()

    def abort(self) -> None:
        for key, writer in self.writers.items():
            writer.close()
            self._tmp(*key).unlink(missing_ok=True)
        self.writers.clear()


class CorpusMerge:
    """merge() for a corpus whose rows do not fit in memory, in two passes over the files' parts.

    A file's own rows (split_own) are written straight to the tables in pass 2, into its part; only the rest —
    agencies, divisions, topics, cited documents that are not loaded, and the few rows a file writes about another
    file's nodes — is merged in memory in pass 1. `owner(uri)` names the file a node belongs to (None: shared).
    Where a file describes another file's node, the owner's row is kept with the union of sources (merge() kept
    the first file's); a row no owner writes goes to the owner's part."""

    def __init__(self, owner):
        self.owner = owner
        self.shared = PropertyGraph(nodes={k: {} for k in NODE_SCHEMA}, rels={k: {} for k in REL_SCHEMA})
        # what files say of another file's node, by owner: key → [kind, name, row, sources]
        self.pending: dict[int, dict[tuple, list]] = defaultdict(dict)
        self.tally = Tally()
        self._sources: dict[int, tuple[set, set | None]] = {}

    def add_rest(self, rest: PropertyGraph, counts: Tally) -> None:
        """Pass 1: a file's rows that are not its own, and its share of the derived counts."""
        self.tally.add(counts)
        for label, rows in rest.nodes.items():
            table = self.shared.nodes[label]
            for row in rows:
                uri = row["uri"]
                k = self.owner(uri)
                if k is not None:
                    self._pend(k, ("node", label, uri), row)
                    continue
                self._merge_into(table, uri, row)
        for rtype, rows in rest.rels.items():
            table = self.shared.rels[rtype]
            for row in rows:
                k = self.owner(row["from"])
                if k is None:
                    k = self.owner(row["to"])
                if k is not None:
                    self._pend(k, ("rel", rtype, row["from"], row["to"]), row)
                    continue
                self._merge_into(table, (row["from"], row["to"]), row)

    def _pend(self, k: int, key: tuple, row: dict) -> None:
        have = self.pending[k].get(key)
        if have is None:
            self.pending[k][key] = [key[0], key[1], row, set(row["sources"])]
        else:
            have[3].update(row["sources"])

    def _merge_into(self, table: dict, key, row: dict) -> None:
        """The first row for a key stays; later ones add their sources (and aliases), sorted in settled(), and fill
        what it leaves empty — as projecting the merged triples takes a property from whichever file states it
        (one file gives a city government's functional type, another names the government only)."""
        have = table.get(key)
        if have is None:
            table[key] = row
            return
        for k, v in row.items():
            if v is not None and have.get(k) is None:
                have[k] = v
        acc = self._sources.get(id(have))
        if acc is None:
            acc = self._sources[id(have)] = (set(have["sources"]), set(have["aliases"]) if "aliases" in have else None)
        acc[0].update(row["sources"])
        if acc[1] is not None:
            acc[1].update(row.get("aliases") or ())

    def settled(self) -> PropertyGraph:
        """The shared rows merged so far, in key order, their sources (and aliases) sorted once: a topic or a
        province that thousands of files name would otherwise be re-sorted thousands of times."""
        for groups in (self.shared.nodes, self.shared.rels):
            for table in groups.values():
                for row in table.values():
                    acc = self._sources.pop(id(row), None)
                    if acc is not None:
                        row["sources"] = sorted(acc[0])
                        if acc[1] is not None:
                            row["aliases"] = sorted(acc[1])
        return PropertyGraph(nodes={k: [v[u] for u in sorted(v)] for k, v in self.shared.nodes.items()},
                             rels={k: [v[key] for key in sorted(v)] for k, v in self.shared.rels.items()})

    def write_shared(self, writer: TableWriter) -> None:
        """The merged shared rows and the derived counts (pass 1's result), into the shared part."""
        shared = self.settled()
        derived = derived_rows(self.tally, shared.nodes["Agency"], {r["uri"] for r in shared.nodes["Topic"]},
                               shared.nodes["Jurisdiction"], shared.rels["IN_JURISDICTION"], shared.nodes["Instrument"])
        for label, rows in shared.nodes.items():
            writer.add("node", label, rows)
        for rtype, rows in shared.rels.items():
            writer.add("rel", rtype, derived.get(rtype, rows))

    def write_own(self, files: Iterable[tuple[int, PropertyGraph]], writer: TableWriter) -> None:
        """Pass 2 for one part: the own rows of its files (k, rows), with what other files add to them."""
        write_own_rows(((part, self.pending.pop(k, {})) for k, part in files), writer)


def write_own_rows(files: Iterable[tuple[PropertyGraph, dict]], writer: TableWriter) -> None:
    """Pass 2 for one part, wherever it runs: each file's own rows with what other files say of its nodes
    (CorpusMerge.pending of the file: key → [kind, name, row, sources])."""
    for part, pending in files:
        for label, rows in part.nodes.items():
            for row in rows:
                extra = pending.pop(("node", label, row["uri"]), None)
                if extra is not None:
                    row["sources"] = sorted(extra[3] | set(row["sources"]))
            writer.add("node", label, rows)
        for rtype, rows in part.rels.items():
            for row in rows:
                extra = pending.pop(("rel", rtype, row["from"], row["to"]), None)
                if extra is not None:
                    row["sources"] = sorted(extra[3] | set(row["sources"]))
            writer.add("rel", rtype, rows)
        for key in sorted(pending):  # what a file said of this file's node that this file did not say itself
            kind, name, row, sources = pending[key]
            writer.add(kind, name, [{**row, "sources": sorted(sources)}])


@dataclass
class TableDelta:
    """What changed between two versions of some parts of the tables, per label and type: rows gone (keys), rows
    new or changed (whole rows), and tables to replace whole (the derived counts: a pair's rank moves with any
    task, so comparing them row by row costs more than writing them again). Keys: a node's uri; a relationship's
    (from, to)."""

    removed: dict[tuple[str, str], list] = field(default_factory=dict)  # (kind, name) → keys
    written: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (kind, name) → rows, new or changed
    changed: dict[tuple[str, str], set] = field(default_factory=dict)  # (kind, name) → keys of rows that were there
    replaced: set[str] = field(default_factory=set)  # relationship types whose rows are all written again

    def size(self) -> int:
        return sum(map(len, self.removed.values())) + sum(map(len, self.written.values()))


def table_delta(old: list, new: list) -> TableDelta:
    """The delta from the parts `old` to the parts `new` (Parquet files of one build and the next: a part is
    tables/<table>/<part>.parquet, and the same part names are on both sides, so a row that moved between them is
    seen as changed, not gone and new). A part whose file is byte-identical on both sides is not read; the others
    are compared in Arrow, column by column (at 10k the shared part's 30k agencies and their places, read into
    Python to compare, took ~0.7 s of a patch), and only the rows written become dicts."""
    import filecmp

    import pyarrow as pa
    import pyarrow.parquet as pq

    def key(path) -> tuple[str, str]:
        return path.parent.name, path.name

    before, after = {key(p): p for p in old}, {key(p): p for p in new}
    same = {k for k in set(before) & set(after) if filecmp.cmp(before[k], after[k], shallow=False)}
    delta = TableDelta()

    def load(paths: dict, folder: str, schema) -> pa.Table:
        # ParquetFile, not read_table: that imports pandas (0.34 s)
        parts = [pq.ParquetFile(path).read(columns=schema.names) for (f, _), path in sorted(paths.items())
                 if f == folder and (f, path.name) not in same]
        return pa.concat_tables(parts).combine_chunks() if parts else schema.empty_table()

    for folder in sorted({f for f, _ in set(before) | set(after)}):
        kind, name = ("rel", folder[4:]) if folder.startswith("rel-") else ("node", folder)
        if kind == "rel" and name in DERIVED:
            if any((f, n) not in same for f, n in set(before) | set(after) if f == folder):
                delta.replaced.add(name)
            continue
        schema = table_schema(kind, name)
        was, now = load(before, folder, schema), load(after, folder, schema)
        gone, written, changed = _rows_delta(was, now, kind)
        table = (kind, name)
        if gone:
            delta.removed[table] = gone
        if written:
            delta.written[table] = written
            delta.changed[table] = changed
    return delta


def _row_keys(table, kind: str):
    """A table's rows' keys as one string column: a node's uri; a relationship's from and to, joined by NUL (which
    no IRI holds, and which sorts below every character: the joined keys sort as the (from, to) pairs)."""
    import pyarrow.compute as pc

    keys = table["uri"] if kind == "node" else pc.binary_join_element_wise(table["from"], table["to"], "\x00")
    return keys.combine_chunks()


def _rows_delta(was, now, kind: str) -> tuple[list, list[dict], set]:
    """Between two versions of a table's rows (Arrow tables, one schema, a key once each): the keys gone (sorted),
    the rows new or changed (dicts, sorted by key) and the keys of those that changed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def keys_of(table) -> list:
        return table["uri"].to_pylist() if kind == "node" else list(zip(table["from"].to_pylist(),
                                                                         table["to"].to_pylist()))

    old_keys, new_keys = _row_keys(was, kind), _row_keys(now, kind)
    kept, stays = pc.is_in(old_keys, value_set=new_keys), pc.is_in(new_keys, value_set=old_keys)
    gone = keys_of(was.filter(pc.invert(kept)))
    a, b = was.filter(kept), now.filter(stays)
    a = a.take(pc.sort_indices(_row_keys(a, kind)))  # both sides' kept rows in one order: row i is one key's
    b = b.take(pc.sort_indices(_row_keys(b, kind)))
    differ = None
    for column in b.column_names:
        unequal = _unequal(a[column].combine_chunks(), b[column].combine_chunks())
        differ = unequal if differ is None else pc.or_(differ, unequal)
    written = pa.concat_tables([b.filter(differ), now.filter(pc.invert(stays))])
    written = written.take(pc.sort_indices(_row_keys(written, kind)))
    return sorted(gone), written.to_pylist(), set(keys_of(b.filter(differ)))


def _positions(array):
    """0, 1, … len(array) − 1 as an Arrow array (pyarrow has no arange; pa.array(range(n)) converts Python ints)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.indices_nonzero(pc.or_kleene(pc.is_valid(array), pa.scalar(True)))


def _unequal(a, b):
    """Whether each of two aligned arrays' values differ (Arrow booleans): two nulls are equal; lists are compared
    by length, then element by element."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_list(a.type):
        unequal = _unequal(pc.list_value_length(a), pc.list_value_length(b))
        rows = pc.indices_nonzero(pc.and_(pc.invert(unequal), pc.is_valid(a)))  # both lists there, one length
        if len(rows):
            sa, sb = a.take(rows), b.take(rows)
            parents = pc.list_parent_indices(sa).filter(_unequal(pc.list_flatten(sa), pc.list_flatten(sb)))
            if len(parents):
                unequal = pc.or_(unequal, pc.is_in(_positions(a), value_set=rows.take(pc.unique(parents))))
        return unequal
    return pc.or_(pc.fill_null(pc.not_equal(a, b), False), pc.not_equal(pc.is_valid(a), pc.is_valid(b)))


def read_tables(out) -> PropertyGraph:
    """The projection written by TableWriter (every part of every table), whole in memory — for views of a
    graph that fits; kg sync streams StreamedTables instead."""
    tables = StreamedTables(out)
    try:
        return PropertyGraph(nodes={k: list(v) for k, v in tables.nodes.items()},
                             rels={k: list(v) for k, v in tables.rels.items()})
    except (OSError, ValueError) as err:  # a part whose footer reads but whose data does not (pyarrow's errors)
        raise TablesError(f"a table in {out / TABLES_DIR} is damaged ({type(err).__name__}); run `kg build … "
                          f"--out {out}` again") from None


class TableRows:
    """The rows of one table, read from its parts a batch at a time each time it is iterated (never whole)."""

    def __init__(self, paths: list):
        self.paths = paths

    def __iter__(self):
        import pyarrow.parquet as pq

        for path in self.paths:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP):
                yield from batch.to_pylist()

    def __bool__(self) -> bool:
        return bool(self.paths)


class StreamedTables:
    """The tables of a build as PropertyGraph's reader sees them (nodes, rels, counts, fingerprint), with rows read
    from the Parquet parts as they are used: what kg sync neo4j streams into Neo4j without the whole graph in
    memory. Every part's footer and columns are checked when opened (TablesError naming the file)."""

    def __init__(self, out):
        import pyarrow.parquet as pq

        folder = out / TABLES_DIR
        if not folder.exists():
            raise FileNotFoundError(f"no property-graph tables in {out}: run `kg build … --out {out}` first")
        self.rows: dict[str, int] = {}
        self.nodes: dict[str, TableRows] = {}
        self.rels: dict[str, TableRows] = {}
        for kind, names, into in (("node", NODE_SCHEMA, self.nodes), ("rel", REL_SCHEMA, self.rels)):
            needed = {"uri"} if kind == "node" else {"from", "to"}
            for name in names:
                paths = sorted((folder / table_dir(kind, name)).glob("*.parquet"))
                for path in paths:
                    try:
                        meta = pq.ParquetFile(path)
                    except Exception as err:  # pyarrow raises several types for a damaged file
                        raise TablesError(f"{path} is damaged ({type(err).__name__}); run `kg build … --out {out}` "
                                          "again") from None
                    if not needed <= set(meta.schema_arrow.names):
                        raise TablesError(f"{path} is not a table kg build wrote (no {', '.join(sorted(needed))} "
                                          f"column); run `kg build … --out {out}` again")
                    self.rows[name] = self.rows.get(name, 0) + meta.metadata.num_rows
                into[name] = TableRows(paths)

    def counts(self) -> tuple[int, int]:
        """(nodes, relationships)."""
        return (sum(self.rows.get(k, 0) for k in NODE_SCHEMA), sum(self.rows.get(k, 0) for k in REL_SCHEMA))

    def fingerprint(self) -> str:
        """PropertyGraph.fingerprint of the same rows (the JSON it hashes, written a row at a time)."""
        h = hashlib.sha256()
        for part in (self.nodes, self.rels):
            h.update(b"{")
            for k, name in enumerate(sorted(part)):
                h.update(((", " if k else "") + json.dumps(name, ensure_ascii=False) + ": [").encode())
                for j, row in enumerate(part[name]):
                    h.update(((", " if j else "") + json.dumps(row, ensure_ascii=False, sort_keys=True,
                                                               default=str)).encode())
                h.update(b"]")
            h.update(b"}")
        return h.hexdigest()[:20]


class TablesError(ValueError):
    """A property-graph table that is missing columns or cannot be read; one line naming the file."""
