"""SHACL validation of the built graph against ontology/shapes.ttl (pySHACL on a plain rdflib graph)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph

from ontology import ONTOLOGY_DIR


@dataclass
class ValidationResult:
    """Whether the graph conforms, the report graph, and one readable line per violation."""

    conforms: bool
    report: Graph
    messages: list[str]


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The OWL ontology (its subclass axioms let sh:class see pk:Bureau as a pk:Agency)."""
    return Graph().parse(ONTOLOGY_DIR / "policykg.ttl", format="turtle")


def validate(graph: Graph, limit: int = 50) -> ValidationResult:
    """Validate a graph; messages read 'focus node — path: message'."""
    from pyshacl import validate as shacl_validate
    from rdflib.namespace import SH

    conforms, report, _ = shacl_validate(graph, shacl_graph=_shapes(), ont_graph=ontology_graph(),
                                         inference="none", allow_warnings=True)
    messages = []
    for result in sorted(report.subjects(SH.resultSeverity, SH.Violation)):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        msg = report.value(result, SH.resultMessage)
        messages.append(f"{focus} — {path.n3(report.namespace_manager) if path is not None else ''}: {msg}")
    messages.sort()
    return ValidationResult(bool(conforms), report, messages[:limit] if limit else messages)
