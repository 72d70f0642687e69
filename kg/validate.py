"""SHACL validation against ontology/shapes.ttl with pySHACL: one graph, or a corpus file by file.

A corpus is validated per source-file graph (each is self-contained: it types every node it points
at), in parallel processes, and each result is cached by the graph's content, so a rebuild checks
only the files whose graph changed. pySHACL costs about 0.1 ms per triple; see benchmarks/.
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


@dataclass
class ValidationResult:
    """Whether the graph conforms, the report graph (Turtle), and one readable line per violation."""

    conforms: bool
    report: str
    messages: list[str]
    checked: int = 0  # graphs validated now (not served from the cache)
    graphs: int = 0
    failing: list[str] = field(default_factory=list)


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


def validate(graph: Graph, limit: int = 50) -> ValidationResult:
    """Validate one rdflib graph; messages read 'focus node — path: message'."""
    from pyshacl import validate as shacl_validate
    from rdflib.namespace import SH

    data = Graph()
    for t in graph:
        data.add(t)
    conforms, report, _ = shacl_validate(_with_supertypes(data), shacl_graph=_shapes(), inference="none",
                                         allow_warnings=True, inplace=True)
    messages = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        msg = report.value(result, SH.resultMessage)
        messages.append(f"{focus} — {path.n3(report.namespace_manager) if path is not None else ''}: {msg}")
    messages.sort()
    return ValidationResult(bool(conforms), report.serialize(format="turtle"),
                            messages[:limit] if limit else messages, checked=1, graphs=1)


def _validate_ntriples(args: tuple[str, bytes]) -> tuple[str, bool, list[str], str]:
    name, data = args
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
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
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
