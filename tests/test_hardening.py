"""Hostile use (issue #9): reads that cannot write, queries that stay local and bounded.

Every case is generated here (nothing large is committed); each must end in one clear line or a correct
result, and leave the build folder byte-for-byte as it was."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def kg(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env={**os.environ, **(env or {})})


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under a build folder (not its cache) and the hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


def one_line_error(res, prog: str) -> str:
    assert res.returncode != 0
    assert "Traceback" not in res.stderr, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(prog + ":"), res.stderr
    return lines[0]


@pytest.fixture()
def build_copy(built_seeds, tmp_path) -> Path:
    """A private copy of the sample build, so an attack that succeeded could not spoil other tests."""
    copy = tmp_path / "out"
    shutil.copytree(built_seeds, copy, ignore=shutil.ignore_patterns(".cache"))
    return copy


CYPHER_ATTEMPTS = [
    "CHECKPOINT",
    "MATCH (a:Agency) RETURN count(a); CHECKPOINT",
    "MATCH (a:Agency) RETURN count(a) ; CREATE (:Topic {uri: 'x'})",
    "COPY (MATCH (a:Agency) RETURN a.name) TO '{out}/tables/Agency.parquet'",
    "COPY Agency FROM '{out}/tables/Agency.parquet'",
    "LOAD FROM '/etc/passwd' (header=false, file_format='csv') RETURN *",
    "LOAD FROM '/etc/hostname' (header=false, file_format='csv', delim='|') RETURN *",
    "INSTALL httpfs",
    "LOAD EXTENSION httpfs",
    "ATTACH '{out}/graph.lbug' AS other (dbtype lbug)",
    "CALL threads=1",
    "CALL current_setting('threads') RETURN *",
    "BEGIN TRANSACTION",
    "MATCH (a:Agency) SET a.name = 'x'",
    "MATCH (a:Agency) DETACH DELETE a",
    "MERGE (:Topic {uri: 'x'})",
    "DROP TABLE Topic",
    "CREATE NODE TABLE Evil(uri STRING PRIMARY KEY)",
    "EXPORT DATABASE '{out}/export'",
    "PROFILE MATCH (a:Agency) RETURN count(a)",
    "EXPLAIN MATCH (a:Agency) RETURN count(a); CHECKPOINT",
    "/* ; */ CHECKPOINT // ;",
]


@pytest.mark.parametrize("attempt", CYPHER_ATTEMPTS)
def test_read_only_cypher_refuses_everything_but_reading(build_copy, attempt):
    before = tree_digest(build_copy)
    res = kg("cypher", attempt.replace("{out}", str(build_copy)), "--db", build_copy)
    line = one_line_error(res, "kg cypher")
    assert "root:" not in res.stdout and "localhost" not in res.stdout, line
    assert tree_digest(build_copy) == before  # nothing written, no .wal or .shadow left
    again = kg("cypher", "MATCH (a:Agency) RETURN count(a) AS n", "--db", build_copy, "--format", "csv")
    assert again.returncode == 0 and int(again.stdout.split()[1]) > 50, again.stderr


def test_read_only_cypher_still_reads(build_copy):
    for q in ("MATCH (a:Agency {name: 'a;b'}) RETURN count(a)  // a comment; with a semicolon",
              "CALL show_tables() RETURN name",
              "UNWIND [1, 2] AS x RETURN x",
              "MATCH (d:Document)-[:CITES*1..3]->(e:Document) RETURN count(*)",
              "MATCH (a:Agency) WHERE EXISTS { MATCH (a)-[:LEADS]->(:Task) } RETURN count(a);"):
        res = kg("cypher", q, "--db", build_copy)
        assert res.returncode == 0, (q, res.stderr)


SPARQL_ATTEMPTS = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { service <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
    "LOAD <http://127.0.0.1:{port}/data.ttl>",
    "DROP ALL",
]


def test_sparql_stays_on_the_machine_and_changes_nothing(build_copy):
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(1)
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        before = tree_digest(build_copy)
        for attempt in SPARQL_ATTEMPTS:
            res = kg("sparql", attempt.replace("{port}", str(port)), "--out", build_copy)
            one_line_error(res, "kg sparql")
        assert hits == []  # no request ever reached the listener
        assert tree_digest(build_copy) == before
    finally:
        stop.set()
        thread.join()
        server.close()


def test_sparql_has_a_time_limit(build_copy):
    res = kg("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "--out", build_copy,
             "--timeout", "2", timeout=60)
    assert "stopped after 2 s" in one_line_error(res, "kg sparql")
    ok = kg("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--out", build_copy, "--format", "csv")
    assert ok.returncode == 0 and int(ok.stdout.split()[1]) > 1000
