"""`kg sync neo4j --bulk`: neo4j-admin's importer (from the same Neo4j 5.26 jars as the test server) loads an
empty database; a real server then opens it, and an ordinary sync afterwards creates nothing."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kg.projection import read_tables
from kg.queries import CO_RESPONSIBILITY, lead_agencies, paging
from kg.stores.ladybug import LadybugReader
from kg.stores.neo4j import Neo4jReader, connect, sync
from kg.stores.neo4j_bulk import BulkImportError, bulk_import, write_import_csvs

ROOT = Path(__file__).resolve().parent.parent


def _admin(work: Path) -> tuple[Path, dict]:
    """A neo4j-admin for the test server's home: the jars' AdminTool behind a small shell script."""
    from neo4j_server import ServerUnavailable, _classpath, missing_tools

    required = os.environ.get("KG_REQUIRE_NEO4J") == "1"
    try:
        if missing_tools():
            raise ServerUnavailable(f"needs {', '.join(missing_tools())} (a JDK 17+ and Maven) to run Neo4j")
        work.mkdir(parents=True, exist_ok=True)
        classpath = _classpath(work)
    except ServerUnavailable as err:
        if required:
            pytest.fail(f"KG_REQUIRE_NEO4J=1 but Neo4j is unavailable: {err}")
        pytest.skip(f"Neo4j unavailable: {err}")
    script = work / "neo4j-admin"
    script.write_text(f'#!/bin/sh\nexec java -Xmx1g -cp "{classpath}" org.neo4j.cli.AdminTool "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    home = work / "home"
    (home / "conf").mkdir(parents=True, exist_ok=True)
    return script, {"NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}


def test_csvs_hold_every_element_with_typed_headers(built_seeds, tmp_path):
    pg = read_tables(built_seeds)
    report = write_import_csvs(pg, tmp_path)
    assert (report.nodes, report.relationships) == pg.counts()
    head = (tmp_path / "nodes-Agency.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith('"uri:ID(Agency)"') and '"aliases:string[]"' in head and '"tasks_led:long"' in head
    rel = next(p for t, p in report.rel_files if t == "LEADS")
    assert rel.read_text(encoding="utf-8").startswith('":START_ID(Agency)",":END_ID(Task)"')


def test_bulk_import_then_sync_creates_nothing(built_seeds, tmp_path):
    from neo4j_server import start

    work = tmp_path / "neo4j"
    admin, env = _admin(work)
    pg = read_tables(built_seeds)
    report = bulk_import(pg, tmp_path / "csv", admin=[str(admin)], env=env)
    assert (report.nodes, report.relationships) == pg.counts() and "IMPORT DONE" in report.summary
    with pytest.raises(BulkImportError, match="refused"):  # the database exists now: never overwritten unasked
        bulk_import(pg, tmp_path / "csv2", admin=[str(admin)], env=env)
    server = start(work)  # opens the imported store
    try:
        driver = connect(server.uri, server.user, server.password)
        try:
            neo4j = Neo4jReader(driver)
            for label, rows in pg.nodes.items():
                assert neo4j.run(f"MATCH (n:{label}) RETURN count(n)")[1] == [[len(rows)]], label
            again = sync(driver, pg)
            assert (again.nodes_created, again.relationships_created) == (0, 0)
            with LadybugReader(built_seeds) as embedded:
                query, params = lead_agencies("产教融合", limit=0)
                for q, p in ((query.cypher, params), (CO_RESPONSIBILITY.cypher, paging(30))):
                    assert embedded.run(q, p) == neo4j.run(q, p)
                q = "MATCH (a:Agency) RETURN a.uri, a.aliases, a.collective, a.tasks_led ORDER BY a.uri"
                assert embedded.run(q) == neo4j.run(q)
        finally:
            driver.close()
    finally:
        server.stop()


def test_cli_bulk_without_neo4j_admin_is_one_clear_error(built_seeds, tmp_path):
    res = subprocess.run([sys.executable, "-m", "kg", "sync", "neo4j", "--bulk", "--out", str(built_seeds),
                          "--neo4j-admin", str(tmp_path / "nowhere" / "neo4j-admin")],
                         capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={k: v for k, v in os.environ.items() if k != "NEO4J_ADMIN"})
    assert res.returncode == 1 and res.stderr.startswith("kg sync neo4j: cannot run") and "Traceback" not in res.stderr
