"""The SPARQL examples in docs/ontology.md run and answer sensibly on the seed graph."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.build import build
from kg.sparql import load_store, query

DOC = Path(__file__).resolve().parent.parent / "docs" / "ontology.md"


@pytest.fixture(scope="module")
def store(tmp_path_factory, examples_dir):
    out = tmp_path_factory.mktemp("docs-out")
    build(sorted(examples_dir.glob("*.txt")), out, jobs=1, validate=False)
    return load_store(out)


def _queries() -> list[str]:
    return re.findall(r"```sparql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_docs_hold_two_queries():
    assert len(_queries()) == 2


def test_lead_agencies_query(store):
    table = query(store, _queries()[0])
    assert table.columns == ["agency", "jurisdiction", "tasks"]
    top = table.rows[0]
    assert top[0] == "曲靖市人力资源和社会保障局" and top[1] == "曲靖市" and top[2] >= 10


def test_agency_roles_query_quotes_the_source(store, examples_dir):
    table = query(store, _queries()[1])
    assert len(table.rows) >= 20
    text = (examples_dir / "001_7e316252f085b915.txt").read_text(encoding="utf-8")
    for role, number, heading, quote, start, end in table.rows:
        assert role in ("牵头", "责任", "配合")
        assert text[start:end] == quote


def test_graph_model_doc_names_every_label_and_relationship():
    from kg.projection import NODE_SCHEMA, REL_SCHEMA

    text = (DOC.parent / "graph-model.md").read_text(encoding="utf-8")
    for name in list(NODE_SCHEMA) + list(REL_SCHEMA):
        assert f"`{name}`" in text, name
    for label, cols in NODE_SCHEMA.items():
        for col, _ in cols:
            if col not in ("uri", "sources"):
                assert f"`{col}`" in text, (label, col)
