"""SHACL validation against ontology/shapes.ttl: one graph, or a corpus file by file.

Two engines give the same report: `shacl` (Rust, the default: tens of times less CPU) and pySHACL (the
reference the tests hold the fast one to; `KG_SHACL_ENGINE=pyshacl` or engine="pyshacl" selects it).
A corpus is validated per source-file graph (each is self-contained: it types every node it points
at), in parallel processes, and each result is cached by the graph's content, so a rebuild checks
only the files whose graph changed. See benchmarks/ for the figures.
"""
from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, Graph, URIRef

from ontology import ONTOLOGY_DIR

from .files import write_atomic
from .processes import pool_context


@dataclass
class ValidationResult:
    """Whether the graph conforms, the report graph (Turtle), and one readable line per violation."""

    conforms: bool
    report: str
    messages: list[str]
    checked: int = 0  # graphs validated now (not served from the cache)
    graphs: int = 0
    failing: list[str] = field(default_factory=list)
    results: list[tuple[str, str, str]] = field(default_factory=list)  # (focus, path, component), violations


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The OWL ontology."""
    return Graph().parse(ONTOLOGY_DIR / "policykg.ttl", format="turtle")


@lru_cache(maxsize=1)
def _superclasses() -> dict[URIRef, set[URIRef]]:
    ont = ontology_graph()
    classes = set(ont.subjects(RDFS.subClassOf, None)) | set(ont.objects(None, RDFS.subClassOf))
    return {c: set(ont.transitive_objects(c, RDFS.subClassOf)) - {c} for c in classes}


@lru_cache(maxsize=1)
def shapes_fingerprint() -> str:
    """Hash of the shapes and the ontology: a change to either invalidates cached results."""
    h = hashlib.sha256()
    for name in ("shapes.ttl", "policykg.ttl"):
        h.update((ONTOLOGY_DIR / name).read_bytes())
    return h.hexdigest()[:16]


def _with_supertypes(graph: Graph) -> Graph:
    """Add the superclass types the ontology implies (a pk:Bureau is a pk:Agency) so sh:class sees them."""
    sup = _superclasses()
    for s, o in list(graph.subject_objects(RDF.type)):
        for c in sup.get(o, ()):
            graph.add((s, RDF.type, c))
    return graph


ENGINES = ("shacl", "pyshacl")


def default_engine() -> str:
    """The engine named by $KG_SHACL_ENGINE, else the fast one."""
    engine = os.environ.get("KG_SHACL_ENGINE", "shacl")
    if engine not in ENGINES:
        raise ValueError(f"KG_SHACL_ENGINE={engine!r}: use one of {', '.join(ENGINES)}")
    return engine


@lru_cache(maxsize=1)
def _compiled_shapes():
    import shacl

    return shacl.Shapes.from_file(str(ONTOLOGY_DIR / "shapes.ttl"))


def validate(graph: Graph, limit: int = 50, engine: str | None = None) -> ValidationResult:
    """Validate one rdflib graph; messages read 'focus node — path: message' (the same with either engine)."""
    if (engine or default_engine()) == "shacl":  # it adds the supertypes to the text itself
        return validate_ntriples_fast(graph.serialize(format="nt"), limit)
    data = Graph()
    for t in graph:
        data.add(t)
    return _validate_reference(_with_supertypes(data), limit)


_TYPE = f" <{RDF.type}> "


def _with_supertypes_nt(nt: str) -> str:
    """N-Triples text plus the superclass types the ontology implies, without building a graph."""
    sup = _superclasses()
    extra = []
    for line in nt.splitlines():
        subject, found, rest = line.partition(_TYPE)
        if found and rest.startswith("<"):
            for c in sup.get(URIRef(rest[1:rest.index(">")]), ()):
                extra.append(f"{subject}{_TYPE}<{c}> .")
    return nt + ("\n" + "\n".join(extra) + "\n" if extra else "")


def validate_ntriples_fast(nt: str, limit: int = 50, focus: set[str] | None = None,
                           backwards: bool = True) -> ValidationResult:
    """The fast engine straight on N-Triples text (what the build has): no rdflib graph is built. With `focus`,
    only violations about those nodes count (the others are checked where their whole description is); without
    `backwards`, none on a path followed backwards (sh:inversePath)."""
    report = _compiled_shapes().validate_text(_with_supertypes_nt(nt), format="ntriples", allow_warnings=True)
    names = _prefixes()
    messages, results = [], []
    for r in report.results:
        if r.severity.rsplit("#", 1)[-1] != "Violation":
            continue
        if focus is not None and r.focus_node.strip("<>") not in focus or not backwards and r.path and \
                r.path.startswith("^"):
            continue
        node = r.focus_node[1:-1] if r.focus_node.startswith("<") else r.focus_node
        results.append((node, (r.path or "").strip("<>"), r.component))
        path = URIRef(r.path[1:-1]).n3(names) if r.path and r.path.startswith("<") and r.path.endswith(">") \
            else (r.path or "")
        what = r.message or f"violates sh:{_lower_first(r.component.removesuffix('ConstraintComponent'))}"
        messages.append(f"{node} — {path}: {what}")
    messages.sort()
    conforms = bool(report.conforms) if focus is None else not results
    return ValidationResult(conforms, report.turtle if not conforms else "", messages[:limit] if limit else messages,
                            checked=1, graphs=1, results=sorted(results))


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


@lru_cache(maxsize=1)
def _prefixes():
    """The project's prefixes, for messages that read eli:title rather than a full IRI."""
    from rdflib.namespace import NamespaceManager

    from .rdf import PREFIXES

    names = NamespaceManager(Graph(), bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        names.bind(prefix, iri)
    return names


def _validate_reference(data: Graph, limit: int) -> ValidationResult:
    from pyshacl import validate as shacl_validate
    from rdflib.namespace import SH

    conforms, report, _ = shacl_validate(data, shacl_graph=_shapes(), inference="none",
                                         allow_warnings=True, inplace=True)
    messages, results = [], []
    nested = set(report.objects(None, SH.detail))  # a result's sh:detail is part of it, not one of its own
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        if result in nested:
            continue
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        msg = report.value(result, SH.resultMessage)
        messages.append(f"{focus} — {path.n3(report.namespace_manager) if path is not None else ''}: {msg}")
        component = str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        results.append((str(focus), str(path) if isinstance(path, URIRef) else "", component))
    messages.sort()
    return ValidationResult(bool(conforms), report.serialize(format="turtle"),
                            messages[:limit] if limit else messages, checked=1, graphs=1, results=sorted(results))


def _validate_ntriples(args: tuple[str, bytes]) -> tuple[str, bool, list[str], str]:
    name, data = args
    if default_engine() == "shacl":
        r = validate_ntriples_fast(data.decode("utf-8"), limit=0)
        return name, r.conforms, r.messages, "" if r.conforms else r.report
    g = Graph()
    g.parse(data=data.decode("utf-8"), format="nt")
    r = validate(g, limit=0)
    return name, r.conforms, r.messages, "" if r.conforms else r.report


def validate_graphs(graphs: list[tuple[str, bytes]], cache: Path | None = None, jobs: int = 0) -> ValidationResult:
    """Validate named N-Triples graphs in parallel; results cached under `cache` by content hash."""
    results: dict[str, tuple[bool, list[str], str]] = {}
    todo: list[tuple[str, bytes, Path | None]] = []
    for name, data in graphs:
        path = None
        if cache is not None:
            key = hashlib.sha256(data).hexdigest()
            path = cache / f"shacl-{shapes_fingerprint()}" / key[:2] / f"{key}.json"
            if path.exists():
                try:
                    hit = json.loads(path.read_text("utf-8"))
                    results[name] = (hit["conforms"], hit["messages"], hit["report"])
                    continue
                except (ValueError, KeyError):
                    pass
        todo.append((name, data, path))
    jobs = jobs or os.cpu_count() or 1
    args = [(n, d) for n, d, _ in todo]
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=pool_context()) as pool:
            done = list(pool.map(_validate_ntriples, args, chunksize=max(1, len(todo) // (jobs * 8))))
    else:
        done = [_validate_ntriples(a) for a in args]
    for (name, _, path), (_, conforms, messages, report) in zip(todo, done):
        results[name] = (conforms, messages, report)
        if path is not None:
            write_atomic(path, json.dumps({"conforms": conforms, "messages": messages, "report": report},
                                          ensure_ascii=False))
    failing = [n for n, (ok, _, _) in results.items() if not ok]
    messages = sorted(m for _, (_, ms, _) in results.items() for m in ms)
    report = "\n".join(results[n][2] for n in failing)
    return ValidationResult(not failing, report, messages, checked=len(todo), graphs=len(graphs),
                            failing=sorted(failing))


def source_graphs(nq: Path) -> list[Graph]:
    """The per-file named graphs of a build's graph.nq, each as an rdflib graph (to validate them one by one)."""
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(nq, format="nquads")
    out = []
    for ctx in ds.graphs():
        if len(ctx) and "/source/" in str(ctx.identifier):
            g = Graph()
            for t in ctx:
                g.add(t)
            out.append(g)
    return out


def validate_shared(shared_nt: str) -> ValidationResult:
    """What validation file by file cannot see: the nodes several files describe (agencies, divisions, cited
    documents, concepts), validated with everything all files say of them — the build's merged shared part.
    Document IRIs are unique per file by construction (kg.rdf.contested_document_iris), so these are the only
    nodes two files can disagree on. A path followed backwards (sh:inversePath, e.g. a cited document is cited
    by something) leads into a file's own nodes: that was checked with the file, and is not counted here."""
    subjects = {line[1:line.index(">")] for line in shared_nt.splitlines() if line.startswith("<")}
    return validate_ntriples_fast(shared_nt, limit=0, focus=subjects, backwards=False)
