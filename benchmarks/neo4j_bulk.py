"""First load into Neo4j: neo4j-admin's importer (kg sync neo4j --bulk) against the batched MERGE sync, on the
same property graph, with the same Neo4j 5.26 jars the tests use. Never part of the tests.

    .venv/bin/python benchmarks/neo4j_bulk.py BUILD_FOLDER [--bulk-only]

Prints elements, seconds and elements/s for: the bulk import (CSV writing and the importer), the server's
start on the imported store, an ordinary sync afterwards (it must create nothing), and a batched sync into an
empty database; then the ratio of the two first loads.
"""
from __future__ import annotations

import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main(argv=None) -> int:
    from neo4j_server import _classpath, start

    import resource

    from kg.projection import StreamedTables
    from kg.stores.neo4j import connect, sync
    from kg.stores.neo4j_bulk import bulk_import

    args = argv or sys.argv[1:]
    build = Path(args[0])
    bulk_only = "--bulk-only" in args  # no batched first load to compare with (disk and time at 100k)
    pg = StreamedTables(build)  # as kg sync neo4j reads them: part by part
    n = sum(pg.counts())
    print(f"{build}: {pg.counts()[0]:,} nodes, {pg.counts()[1]:,} relationships")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "bulk"
        work.mkdir()
        classpath = _classpath(work)
        admin = work / "neo4j-admin"
        admin.write_text(f'#!/bin/sh\nexec java -Xmx2g -cp "{classpath}" org.neo4j.cli.AdminTool "$@"\n')
        admin.chmod(admin.stat().st_mode | stat.S_IEXEC)
        home = work / "home"
        (home / "conf").mkdir(parents=True)
        t = time.perf_counter()
        report = bulk_import(pg, Path(tmp) / "csv", admin=[str(admin)],
                             env={"NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")})
        t_bulk = time.perf_counter() - t
        print(f"bulk import: {t_bulk:.1f} s ({n / t_bulk:,.0f} elements/s; importer alone {report.seconds:.1f} s)")
        server = start(work)
        try:
            driver = connect(server.uri, server.user, server.password)
            again = sync(driver, pg)
            print(f"ordinary sync afterwards: {again.seconds:.1f} s, created {again.nodes_created} nodes and "
                  f"{again.relationships_created} relationships")
            driver.close()
        finally:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)  # the imported store and its CSVs: disk for the batched one
        shutil.rmtree(Path(tmp) / "csv", ignore_errors=True)
        if bulk_only:
            print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
            return 0
        work2 = Path(tmp) / "batched"
        server = start(work2)
        try:
            driver = connect(server.uri, server.user, server.password)
            first = sync(driver, pg)
            print(f"batched sync into an empty database: {first.seconds:.1f} s ({n / first.seconds:,.0f} elements/s)")
            driver.close()
        finally:
            server.stop()
        print(f"first load: bulk {t_bulk:.1f} s vs batched {first.seconds:.1f} s — {first.seconds / t_bulk:.1f}×")
    print(f"peak RSS of this process (CSV writing and syncs; the servers are other processes): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
