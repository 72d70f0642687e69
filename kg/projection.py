"""RDF → property graph: the one mapping that feeds LadybugDB, Neo4j and networkx (docs/graph-model.md).

Labels come from the ontology's class hierarchy (every subclass of pk:Agency is an Agency, …); each
node and relationship records the source files (named graphs) that assert it, for pruning and
provenance. Role and citation relationships carry the quote and character offsets of their evidence.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Literal

from .rdf import BUILD_GRAPH, ELI, OA, ONTOLOGY_GRAPH, ORG, PK, TIME, VOCAB_GRAPH

# ---------------------------------------------------------------- the schema, in one place
NODE_SCHEMA: dict[str, list[tuple[str, str]]] = {
    "Document": [("uri", "STRING"), ("name", "STRING"), ("title", "STRING"), ("kind", "STRING"),
                 ("doc_number", "STRING"), ("issuer_code", "STRING"), ("year", "INT64"), ("serial", "INT64"),
                 ("doc_type", "STRING"), ("date", "STRING"), ("published", "STRING"),
                 ("jurisdiction", "STRING"), ("source", "STRING"), ("quote", "STRING"), ("start", "INT64"),
                 ("end", "INT64"), ("sources", "STRING[]")],
    "Task": [("uri", "STRING"), ("name", "STRING"), ("number", "STRING"), ("heading", "STRING"),
             ("text", "STRING"), ("section_path", "STRING"), ("deadline", "STRING"), ("deadline_date", "STRING"),
             ("ongoing", "BOOLEAN"), ("document", "STRING"), ("source", "STRING"), ("quote", "STRING"),
             ("start", "INT64"), ("end", "INT64"), ("sources", "STRING[]")],
    "Agency": [("uri", "STRING"), ("name", "STRING"), ("aliases", "STRING[]"), ("org_class", "STRING"),
               ("functional_type", "STRING"), ("jurisdiction", "STRING"), ("collective", "BOOLEAN"),
               ("sources", "STRING[]")],
    "Jurisdiction": [("uri", "STRING"), ("name", "STRING"), ("code", "STRING"), ("level", "STRING"),
                     ("sources", "STRING[]")],
    "Topic": [("uri", "STRING"), ("name", "STRING"), ("name_en", "STRING"), ("sources", "STRING[]")],
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
}
for _props in REL_SCHEMA.values():
    _props[1].append(("sources", "STRING[]"))

ROLE_TYPES = {"lead": "LEADS", "responsible": "RESPONSIBLE_FOR", "cooperating": "COOPERATES_ON"}
ROLE_NAMES = {"lead": "牵头", "responsible": "责任", "cooperating": "配合"}
_DIRECT_EDGES = {ELI.is_part_of: "PART_OF", ELI.passed_by: "ISSUED_BY", PK.hasTask: "HAS_TASK",
                 PK.inJurisdiction: "IN_JURISDICTION", ELI.jurisdiction: "IN_JURISDICTION",
                 PK.within: "WITHIN", PK.about: "ABOUT", ORG.subOrganizationOf: "SUB_ORGANIZATION_OF"}
_LEVELS = {PK.Province: "province", PK.City: "city", PK.County: "county"}
_SHARED = {BUILD_GRAPH, VOCAB_GRAPH, ONTOLOGY_GRAPH}


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


def _label_classes(ontology: Graph) -> dict[URIRef, str]:
    """Class → node label, from the ontology's subclass hierarchy."""
    roots = {PK.PolicyDocument: "Document", PK.Task: "Task", PK.Agency: "Agency",
             PK.AdministrativeDivision: "Jurisdiction"}
    out: dict[URIRef, str] = {}
    for root, label in roots.items():
        for cls in ontology.transitive_subjects(RDFS.subClassOf, root):
            out[cls] = label
    return out


def _lit(g_values: list, as_type=str):
    for v in g_values:
        if isinstance(v, Literal):
            return as_type(v.toPython()) if as_type is not str else str(v)
    return None


def project(ds: Dataset) -> PropertyGraph:
    """Project the built RDF dataset onto the property-graph schema above."""
    ontology = ds.graph(ONTOLOGY_GRAPH)
    labels = _label_classes(ontology)
    po: dict[URIRef, dict[URIRef, list]] = defaultdict(lambda: defaultdict(list))
    node_sources: dict[URIRef, set[str]] = defaultdict(set)
    triple_sources: dict[tuple, set[str]] = defaultdict(set)
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if hasattr(g, "identifier") else g
        if o not in po[s][p]:
            po[s][p].append(o)
        if gid not in _SHARED:
            source = str(gid).rsplit("/", 1)[-1]
            node_sources[s].add(source)
            if isinstance(o, URIRef):
                triple_sources[(s, p, o)].add(source)
    topic_scheme = PK.TopicScheme
    label_of: dict[URIRef, str] = {}
    for s, props in po.items():
        for t in props.get(RDF.type, []):
            if t in labels:
                label_of[s] = labels[t]
                break
        else:
            if topic_scheme in props.get(SKOS.inScheme, []):
                label_of[s] = "Topic"
    # evidence of reified facts: node → (quote, source, start, end)
    def evidence(node: URIRef) -> dict:
        target = (po[node].get(PK.evidence) or [None])[0]
        if target is None:
            return {"quote": None, "source": None, "start": None, "end": None}
        sel = (po[target].get(OA.hasSelector) or [None])[0]
        src = (po[target].get(OA.hasSource) or [None])[0]
        return {"quote": _lit(po[sel].get(OA.exact, [])), "source": str(src).rsplit("/", 1)[-1] if src else None,
                "start": _lit(po[sel].get(OA.start, []), int), "end": _lit(po[sel].get(OA.end, []), int)}

    pg = PropertyGraph(nodes={k: [] for k in NODE_SCHEMA}, rels={k: [] for k in REL_SCHEMA})
    for s in sorted(label_of, key=str):
        label, props = label_of[s], po[s]
        row = {"uri": str(s), "sources": sorted(node_sources.get(s, ()))}
        row.update(_node_properties(label, s, props, po, evidence))
        pg.nodes[label].append(row)
    referenced_topics = set()
    seen_rels: set[tuple[str, str, str]] = set()

    def add_rel(rtype: str, a: URIRef, b: URIRef, props: dict, sources: set[str]) -> None:
        la, lb = label_of.get(a), label_of.get(b)
        if (la, lb) not in REL_SCHEMA[rtype][0]:
            return
        key = (rtype, str(a), str(b))
        if key in seen_rels:
            return
        seen_rels.add(key)
        if lb == "Topic":
            referenced_topics.add(str(b))
        pg.rels[rtype].append({"from": str(a), "to": str(b), "from_label": la, "to_label": lb, **props,
                               "sources": sorted(sources)})

    for s in sorted(po, key=str):
        props = po[s]
        types = set(props.get(RDF.type, []))
        if PK.RoleAssignment in types:
            agent, task = props[PK.agent][0], props[PK.task][0]
            role = str(props[PK.role][0]).rsplit("#", 1)[-1]
            add_rel(ROLE_TYPES[role], agent, task, {"role": ROLE_NAMES[role], **evidence(s)},
                    node_sources.get(s, set()))
        elif PK.Citation in types:
            citing, cited = props[PK.citingDocument][0], props[PK.citedDocument][0]
            add_rel("CITES", citing, cited, {"relation": _lit(props.get(PK.citationRelation, [])),
                                            "cited_title": _lit(props.get(PK.citedTitle, [])), **evidence(s)},
                    node_sources.get(s, set()))
        if s not in label_of:
            continue
        for p in sorted(props, key=str):
            rtype = _DIRECT_EDGES.get(p)
            if rtype is None:
                continue
            for o in sorted(props[p], key=str):
                if isinstance(o, URIRef):
                    add_rel(rtype, s, o, {}, triple_sources.get((s, p, o), set()))
    # topics: only those something is about
    pg.nodes["Topic"] = [r for r in pg.nodes["Topic"] if r["uri"] in referenced_topics]
    for rows in pg.rels.values():
        rows.sort(key=lambda r: (r["from"], r["to"]))
    return pg


def _node_properties(label: str, s: URIRef, props: dict, po: dict, evidence) -> dict:
    def one(p, as_type=str):
        return _lit(props.get(p, []), as_type)

    if label == "Document":
        title = one(ELI.title)
        number = one(ELI.id_local)
        juris = (props.get(ELI.jurisdiction) or [None])[0]
        doc_type = (props.get(ELI.type_document) or [None])[0]
        ev = evidence(s)
        return {"name": title or number or str(s).rsplit("/", 1)[-1], "title": title,
                "kind": "loaded" if PK.LoadedDocument in props.get(RDF.type, []) else "cited",
                "doc_number": number, "issuer_code": one(PK.docNumberIssuerCode),
                "year": int(str(one(PK.docNumberYear))[:4]) if one(PK.docNumberYear) else None,
                "serial": one(PK.docNumberSerial, int),
                "doc_type": _zh(po[doc_type].get(SKOS.prefLabel, [])) if doc_type is not None else None,
                "date": one(ELI.date_document), "published": one(ELI.date_publication),
                "jurisdiction": _zh(po[juris].get(SKOS.prefLabel, [])) if juris is not None else None,
                "source": one(PK.sourceFile), "quote": ev["quote"], "start": ev["start"], "end": ev["end"]}
    if label == "Task":
        dl = (props.get(PK.hasDeadline) or [None])[0]
        dprops = po[dl] if dl is not None else {}
        ev = evidence(s)
        doc = (props.get(PK.taskOf) or [None])[0]
        return {"name": _zh(props.get(RDFS.label, [])), "number": one(PK.number), "heading": one(PK.heading),
                "text": one(PK.text), "section_path": one(PK.sectionPath),
                "deadline": _lit(dprops.get(PK.deadlineText, [])),
                "deadline_date": _lit(dprops.get(TIME.inXSDDate, []) or dprops.get(TIME.inXSDgYearMonth, [])),
                "ongoing": _lit(dprops.get(PK.ongoing, []), bool) if dl is not None else None,
                "document": str(doc) if doc is not None else None,
                "source": ev["source"], "quote": ev["quote"], "start": ev["start"], "end": ev["end"]}
    if label == "Agency":
        juris = (props.get(PK.inJurisdiction) or [None])[0]
        ft = (props.get(PK.functionalType) or [None])[0]
        cls = sorted(str(t).rsplit("#", 1)[-1] for t in props.get(RDF.type, []))
        return {"name": _zh(props.get(SKOS.prefLabel, [])),
                "aliases": sorted(str(v) for v in props.get(SKOS.altLabel, [])),
                "org_class": cls[0] if cls else None,
                "functional_type": _zh(po[ft].get(SKOS.prefLabel, [])) if ft is not None else None,
                "jurisdiction": _zh(po[juris].get(SKOS.prefLabel, [])) if juris is not None else None,
                "collective": PK.CollectiveActor in props.get(RDF.type, [])}
    if label == "Jurisdiction":
        level = next((_LEVELS[t] for t in props.get(RDF.type, []) if t in _LEVELS), None)
        return {"name": _zh(props.get(SKOS.prefLabel, [])), "code": one(PK.divisionCode), "level": level}
    if label == "Topic":
        en = [str(v) for v in props.get(SKOS.prefLabel, []) if getattr(v, "language", None) == "en"]
        return {"name": _zh(props.get(SKOS.prefLabel, [])), "name_en": en[0] if en else None}
    raise ValueError(label)


def _zh(values: list) -> str | None:
    for v in values:
        if isinstance(v, Literal) and v.language == "zh":
            return str(v)
    return _lit(values)


def load_dataset(path) -> Dataset:
    """The built dataset (graph.nq) read back from an output folder."""
    import warnings

    ds = Dataset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(str(path), format="nquads")
    return ds


TABLES_DIR = "tables"


def write_tables(pg: PropertyGraph, out) -> list[str]:
    """The projection as Parquet files (tables/<Label>.parquet, tables/rel-<TYPE>.parquet), for pandas too."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .build import write_atomic

    folder = out / TABLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, groups in (("", pg.nodes), ("rel-", pg.rels)):
        for name, rows in groups.items():
            if not rows:
                continue
            table = pa.Table.from_pylist(rows)
            sink = pa.BufferOutputStream()
            pq.write_table(table, sink)
            path = folder / f"{kind}{name}.parquet"
            write_atomic(path, sink.getvalue().to_pybytes())
            written.append(f"{TABLES_DIR}/{path.name}")
    return written


def read_tables(out) -> PropertyGraph:
    """The projection written by write_tables."""
    import pyarrow.parquet as pq

    folder = out / TABLES_DIR
    if not folder.exists():
        raise FileNotFoundError(f"no property-graph tables in {out}: run `kg build … --out {out}` first")
    pg = PropertyGraph(nodes={k: [] for k in NODE_SCHEMA}, rels={k: [] for k in REL_SCHEMA})
    for label in NODE_SCHEMA:
        path = folder / f"{label}.parquet"
        if path.exists():
            pg.nodes[label] = pq.read_table(path).to_pylist()
    for rtype in REL_SCHEMA:
        path = folder / f"rel-{rtype}.parquet"
        if path.exists():
            pg.rels[rtype] = pq.read_table(path).to_pylist()
    return pg
