"""Shared fixtures: paths of the bundled sample corpus and a helper to extract from text."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The bundled sample corpus (the five seed documents)."""
    return EXAMPLES


@pytest.fixture(scope="session")
def seed_docs():
    """Every document extracted from the sample corpus, by source file name."""
    from loaders import extract_file

    return {p.name: extract_file(p) for p in sorted(EXAMPLES.glob("*.txt"))}


def only(docs, **where):
    """The single document matching the given attribute values."""
    found = [d for d in docs if all(getattr(d, k) == v for k, v in where.items())]
    assert len(found) == 1, f"expected one document with {where}, found {len(found)}"
    return found[0]


def names(agencies) -> list[str]:
    """Agency names, in order."""
    return [a.name for a in agencies]


def fresh_python(code: str) -> str:
    """What `code` prints, run in a fresh interpreter from the repository root (for what a process does from its
    start: the modules it imports, the threads it starts); its stderr is the assertion's message if it fails."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory):
    """A real Neo4j 5.26 Community server for this test session (skips, or fails if KG_REQUIRE_NEO4J=1)."""
    from neo4j_server import ServerUnavailable, start

    required = os.environ.get("KG_REQUIRE_NEO4J") == "1"
    try:
        server = start(tmp_path_factory.mktemp("neo4j"))
    except ServerUnavailable as err:
        if required:
            pytest.fail(f"KG_REQUIRE_NEO4J=1 but Neo4j is unavailable: {err}")
        pytest.skip(f"Neo4j unavailable: {err}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def built_seeds(tmp_path_factory, examples_dir):
    """The sample corpus built once (graph files, property-graph tables, embedded database)."""
    from kg.build import build

    out = tmp_path_factory.mktemp("seed-build")
    report = build(sorted(examples_dir.glob("*.txt")), out, jobs=1)
    assert report.conforms and not report.failed
    return out
