"""The fast SHACL engine (`shacl`, Rust) against the reference (pySHACL): the same verdict and the same
violations — focus node, path, constraint component — on real file graphs and on injected faults."""
from __future__ import annotations

import pytest
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef

from kg.validate import source_graphs, validate, validate_ntriples_fast

PK = Namespace("https://w3id.org/policykg/ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")


def _agree(g: Graph) -> tuple[bool, list]:
    fast, ref = validate(g, limit=0, engine="shacl"), validate(g, limit=0, engine="pyshacl")
    assert fast.conforms == ref.conforms
    assert fast.results == ref.results
    return fast.conforms, fast.results


def test_the_engines_agree_on_every_file_graph_of_the_samples(built_seeds):
    graphs = source_graphs(built_seeds / "graph.nq")
    assert len(graphs) == 5
    for g in graphs:
        assert _agree(g) == (True, [])


def _first(g: Graph, cls: URIRef) -> URIRef:
    return sorted(g.subjects(RDF.type, cls))[0]


def _doc_with_number(g: Graph) -> URIRef:
    return sorted(s for s in g.subjects(RDF.type, PK.LoadedDocument) if (s, ELI.id_local, None) in g)[0]


FAULTS = {
    "missing source file": lambda g: g.remove((_first(g, PK.LoadedDocument), PK.sourceFile, None)),
    "two titles": lambda g: g.add((_first(g, PK.LoadedDocument), ELI.title, Literal("另一个标题", lang="zh"))),
    "title without language": lambda g: g.set((_first(g, PK.LoadedDocument), ELI.title, Literal("标题"))),
    "number not a 文号": lambda g: g.set((_doc_with_number(g), ELI.id_local, Literal("not a number"))),
    "date as a plain string": lambda g: g.set((_first(g, PK.LoadedDocument), ELI.date_document, Literal("2020年"))),
    "document type as text": lambda g: g.set((_first(g, PK.LoadedDocument), ELI.type_document, Literal("通知"))),
    "task of an untyped node": lambda g: g.set((_first(g, PK.Task), PK.taskOf, URIRef("https://example.org/x"))),
    "task without text": lambda g: g.remove((_first(g, PK.Task), PK.text, None)),
    "task number as integer": lambda g: g.set((_first(g, PK.Task), PK.number, Literal(3, datatype=XSD.integer))),
    "task with two documents": lambda g: g.add((_first(g, PK.Task), PK.taskOf, _first(g, PK.LoadedDocument))
                                               ) or g.add((_first(g, PK.Task), PK.taskOf, sorted(
                                                   g.subjects(RDF.type, PK.LoadedDocument))[-1])),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_engines_report_the_same_injected_fault(built_seeds, fault):
    g = max(source_graphs(built_seeds / "graph.nq"), key=len)  # the sample with a report, a notice and a plan
    FAULTS[fault](g)
    conforms, results = _agree(g)
    assert conforms is False and results


def test_violations_about_several_focus_nodes_all_count():
    """A focus set keeps every violation about its nodes (and only those), however many there are."""
    task = "<https://w3id.org/policykg/ontology#Task>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    nt = "".join(f"<https://example.org/t{i}> {rdf_type} {task} .\n" for i in range(3))
    everything = validate_ntriples_fast(nt, limit=0)
    assert {f for f, _, _ in everything.results} == {f"https://example.org/t{i}" for i in range(3)}
    two = validate_ntriples_fast(nt, limit=0, focus={"https://example.org/t1", "https://example.org/t2"})
    assert {f for f, _, _ in two.results} == {"https://example.org/t1", "https://example.org/t2"}
    assert two.conforms is False and len(two.messages) == len(two.results)
    assert validate_ntriples_fast(nt, limit=0, focus={"https://example.org/none"}).conforms is True
