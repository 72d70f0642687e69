"""Every benchmark in one run; prints figures and writes benchmarks/RESULTS.md. Never part of the tests.

    .venv/bin/python benchmarks/run_all.py --sizes 1000,3000,10000,30000  # the curve (about 1 h 30 min)
    .venv/bin/python benchmarks/run_all.py --sizes 1000 --skip-neo4j      # quick

Measures: extraction MB/s and documents/s on one core; `kg build` wall time and peak memory per
corpus size; the rebuild after one file changed; the embedded bulk load; Neo4j sync throughput,
batched versus one row per transaction; the latency of every named query on LadybugDB and Neo4j.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 1000  # rows per UNWIND transaction (kg sync neo4j's default)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))


_MEASURED = """
import json, os, resource, sys
from kg.cli import main
sys.argv = ["kg", "build", *sys.argv[2:]]
try:
    main()
except SystemExit as end:
    code = end.code or 0
else:
    code = 0
with open(os.environ["KG_BENCH_RSS"], "w") as fh:
    json.dump({"main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "workers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, fh)
sys.exit(code)
"""


def run_build(corpus: Path, out: Path, *extra: str) -> tuple[float, float, dict]:
    """`kg build` as a child process: (wall seconds, peak RSS of the build's main process in MB — its largest
    worker is in build-info's "peak_worker_mb" here —, build-info)."""
    report = out.with_name(out.name + ".rss.json")
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", _MEASURED, "kg", str(corpus), "--out", str(out), *extra],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "KG_BENCH_RSS": str(report)})
    wall = time.perf_counter() - t
    if res.returncode not in (0, 1):
        raise RuntimeError(res.stderr[-2000:])
    rss = json.loads(report.read_text())
    info = json.loads((out / "build-info.json").read_text())
    info["peak_worker_mb"] = rss["workers"] / 1024
    return wall, rss["main"] / 1024, info


def extraction_rate(corpus: Path, limit: int = 300) -> tuple[float, float]:
    """(MB/s, documents/s) of extraction on one core, warm: benchmarks/extraction.py's measure (best of 3)."""
    from extraction import throughput

    mb_s, docs_s, _ = throughput(sorted(corpus.iterdir())[:limit], repeat=3)
    return mb_s, docs_s


# the document with the most tasks carrying items of the documents it implements down (ties: the first by uri)
CASCADING = """MATCH (d:Document)-[:HAS_TASK]->(:Task)-[:CASCADES_FROM]->()
RETURN d.uri, count(*) AS n ORDER BY n DESC, d.uri LIMIT 1"""


def query_latencies(run, uri: str, cascading: str | None = None, repeat: int = 5) -> dict[str, float]:
    """Median milliseconds of every named query (run(query, params) → rows, as the CLI runs a named query: no
    read-only check first); the reuse and cascade queries on `cascading`, a document with cascading tasks."""
    from kg.queries import (CASCADE, CASCADE_BODIES, CO_RESPONSIBILITY, DROPPED, FIND_DOCUMENT, INSTRUMENTS, REUSE,
                            agency_tasks, lead_agencies, lineage_query, paging)

    def named(query_and_params) -> tuple[str, dict]:
        query, params = query_and_params
        return query.cypher, params

    def lead(topic: str = "", level: str = "", limit: int = 50) -> tuple[str, dict]:
        return named(lead_agencies(topic, level, limit))

    below = {"uri": cascading or uri, **paging()}
    cases = {
        "lead-agencies --topic 产教融合 (first page of 50)": lead("产教融合"),
        "lead-agencies --level county (first page of 50)": lead(level="county"),
        "lead-agencies --topic 产教融合 --limit 0 (every row)": lead("产教融合", limit=0),
        "co-responsibility (first page of 50)": (CO_RESPONSIBILITY.cypher, paging(50)),
        "co-responsibility --page 10": (CO_RESPONSIBILITY.cypher, paging(50, 10)),
        "agency --name 教育局 (first page of 100)": named(agency_tasks("教育局", 100)),
        "lineage (find document)": (FIND_DOCUMENT.cypher, {"text": "实施方案", "number": ""}),
        "lineage --up --depth 3": (lineage_query("up", 3).cypher, {"uri": uri}),
        "lineage --down --depth 3": (lineage_query("down", 3).cypher, {"uri": uri}),
        "reuse (first page of 50)": (REUSE.cypher, below),
        "cascade (first page of 50)": (CASCADE.cypher, below),
        "cascade --dropped": (DROPPED.cypher, below),
        "cascade --bodies": (CASCADE_BODIES.cypher, below),
        "instruments": (INSTRUMENTS.cypher, {"topic": "", "level": "", **paging()}),
        "instruments --topic 产教融合 --level county": (INSTRUMENTS.cypher,
                                                     {"topic": "产教融合", "level": "county", **paging()}),
    }
    out = {}
    for name, (q, p) in cases.items():
        run(q, p)  # warm
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            run(q, p)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = statistics.median(times)
    return out


def _clear(driver) -> None:
    """Empty the database in batches (one transaction for a million elements exceeds Neo4j's memory limit)."""
    while True:
        with driver.session() as s:
            deleted = s.run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n").consume().counters.nodes_deleted
        if deleted == 0:
            return


def neo4j_figures(out: Path, sample: int = 3000) -> dict:
    """Sync throughput (batched vs one row per transaction) and query latencies on a real Neo4j."""
    from neo4j_server import start

    from kg.projection import NODE_SCHEMA, PropertyGraph, read_tables
    from kg.stores.neo4j import Neo4jReader, connect, sync

    work = Path("/tmp/policykg-bench-neo4j")
    shutil.rmtree(work / "home", ignore_errors=True)
    os.environ.setdefault("KG_NEO4J_HEAP", "3g")
    server = start(work)
    try:
        driver = connect(server.uri, server.user, server.password)
        pg = read_tables(out)
        total = sum(pg.counts())
        batched = sync(driver, pg, batch_size=BATCH)
        print(f"batched sync: {total:,} elements in {batched.seconds:.1f} s ({total / batched.seconds:,.0f}/s)",
              flush=True)
        again = sync(driver, pg, batch_size=BATCH)
        print(f"second sync: {again.nodes_created} nodes, {again.relationships_created} relationships created, "
              f"{again.seconds:.1f} s", flush=True)
        _clear(driver)
        # one row per transaction on a sample of the same graph (the whole would take hours)
        small = PropertyGraph(nodes={k: v[: sample // 2] for k, v in pg.nodes.items()},
                              rels={k: [] for k in pg.rels})
        kept = {r["uri"] for rows in small.nodes.values() for r in rows}
        small.rels = {k: [r for r in v if r["from"] in kept and r["to"] in kept][: sample // 4]
                      for k, v in pg.rels.items()}
        n_small = sum(small.counts())
        single = sync(driver, small, batch_size=1)
        print(f"one row per transaction: {n_small:,} elements in {single.seconds:.1f} s", flush=True)
        _clear(driver)
        sync(driver, pg, batch_size=BATCH)  # back to the whole graph for the queries
        reader = Neo4jReader(driver)
        uri = pg.nodes["Document"][0]["uri"]
        cascading = reader.run(CASCADING)[1]
        latencies = query_latencies(lambda q, p: reader.run(q, p, checked=True), uri,
                                    cascading[0][0] if cascading else None)
        driver.close()
        return {"elements": total, "batched_s": batched.seconds, "batched_rate": total / batched.seconds,
                "second_created": again.nodes_created + again.relationships_created, "second_s": again.seconds,
                "single_elements": n_small, "single_s": single.seconds, "single_rate": n_small / single.seconds,
                "latencies": latencies, "labels": list(NODE_SCHEMA)}
    finally:
        server.stop()


def main(argv=None) -> int:
    from synth import generate

    from kg.stores.ladybug import LadybugReader

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--work", type=Path, default=Path("/tmp/policykg-bench"))
    ap.add_argument("--skip-neo4j", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    rows, lines = [], []
    for n in sizes:
        corpus, out = args.work / f"corpus-{n}", args.work / f"out-{n}"
        if not corpus.exists():
            generate(corpus, n, seed=7)
        shutil.rmtree(out, ignore_errors=True)
        mb = sum(f.stat().st_size for f in corpus.iterdir()) / 1e6
        wall, peak, info = run_build(corpus, out)
        changed = sorted(corpus.iterdir())[n // 2]
        original = changed.read_bytes()
        changed.write_bytes(original + "\n（本段为基准测试追加。）\n".encode("gbk" if "_gbk" in changed.name else "utf-8"))
        try:
            inc_wall, inc_peak, inc_info = run_build(corpus, out)
        finally:
            changed.write_bytes(original)
        rows.append({"docs": n, "mb": mb, "wall": wall, "peak": peak, "info": info, "inc": inc_wall,
                     "inc_peak": inc_peak, "inc_info": inc_info})
        print(f"{n} documents ({mb:.1f} MB): build {wall:.1f} s, peak {peak:.0f} MB; one file changed: "
              f"{inc_wall:.1f} s; timings {info['timings_s']}")
    mb_s, docs_s = extraction_rate(args.work / f"corpus-{sizes[0]}")
    print(f"extraction on one core: {mb_s:.2f} MB/s, {docs_s:.1f} documents/s")
    biggest = args.work / f"out-{sizes[-1]}"
    with LadybugReader(biggest) as db:
        uri = db.run("MATCH (d:Document {kind: 'loaded'}) RETURN d.uri ORDER BY d.uri LIMIT 1")[1][0][0]
        cascading = db.run(CASCADING)[1]
        embedded = query_latencies(lambda q, p: db.run(q, p, checked=True), uri,
                                   cascading[0][0] if cascading else None)
    neo = None if args.skip_neo4j else neo4j_figures(biggest)

    lines.append(f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; synthetic corpora from "
                 "`benchmarks/synth.py` (seed 7). Generated by `benchmarks/run_all.py` "
                 f"--sizes {args.sizes} on {time.strftime('%Y-%m-%d')}.\n")
    lines.append("| documents | MB | `kg build` wall | peak RSS, main process | largest child process | extract | "
                 "graph per file (RDF, SHACL, rows) | write | project | embedded load | one file changed |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t = r["info"]["timings_s"]
        lines.append(f"| {r['docs']:,} | {r['mb']:.1f} | {r['wall']:.0f} s | {r['peak']:.0f} MB | "
                     f"{r['info']['peak_worker_mb']:.0f} MB | {t['extract']:.0f} s | "
                     f"{t['graph_per_file']:.0f} s | {t['write']:.0f} s | {t['project']:.0f} s | "
                     f"{t['embedded_load']:.1f} s | {r['inc']:.1f} s |")
    base = rows[0]
    lines.append(f"\nThe curve, against the {base['docs']:,}-document build: how time and memory grow with the corpus "
                 "(a flat memory column is issue 11's bounded build; the main process's peak — its children, the pool's "
                 "workers and the processes that validate what files share and load the database, are in the table above).\n")
    lines.append("| documents | × documents | wall per 1,000 documents | × wall | × peak RSS | one file changed | "
                 "database after one change |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in rows:
        lines.append(f"| {r['docs']:,} | {r['docs'] / base['docs']:.0f}× | {r['wall'] / r['docs'] * 1000:.1f} s | "
                     f"{r['wall'] / base['wall']:.1f}× | {r['peak'] / base['peak']:.2f}× | {r['inc']:.1f} s | "
                     f"{r['inc_info'].get('embedded_database', '–')} |")
    big = rows[-1]["info"]
    lines.append(f"\nAt {rows[-1]['docs']:,} documents: {big['documents']:,} documents found, {big['tasks']:,} tasks, "
                 f"{big['triples']:,} triples, {big['property_graph']['nodes']:,} nodes and "
                 f"{big['property_graph']['relationships']:,} relationships.\n")
    lines.append(f"Extraction on one core: **{mb_s:.2f} MB/s**, {docs_s:.1f} documents/s.\n")
    lines.append("| named query (median of 5) | LadybugDB | Neo4j |")
    lines.append("|---|---|---|")
    for name, ms in embedded.items():
        lines.append(f"| `kg query {name}` | {ms:.1f} ms | "
                     f"{neo['latencies'][name]:.1f} ms |" if neo else f"| `kg query {name}` | {ms:.1f} ms | – |")
    if neo:
        lines.append(f"\nNeo4j sync: batched ({BATCH:,} rows per UNWIND) **{neo['batched_rate']:,.0f} elements/s** "
                     f"({neo['elements']:,} in {neo['batched_s']:.1f} s); one row per transaction "
                     f"**{neo['single_rate']:,.0f} elements/s** (on {neo['single_elements']:,} elements) — "
                     f"batched is **{neo['batched_rate'] / neo['single_rate']:.0f}×** faster.\n")
    sparql = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sparql_stores.py"),
                             str(args.work / f"out-{sizes[0]}")], capture_output=True, text=True, cwd=ROOT)
    lines.append(f"\nSPARQL stores on the {sizes[0]:,}-document graph (`benchmarks/sparql_stores.py`):\n")
    lines.append("\n".join(ln for ln in sparql.stdout.splitlines() if ln.startswith("|") or "triples" in ln))
    text = "\n".join(lines) + "\n"
    write_section(ROOT / "benchmarks" / "RESULTS.md", text)
    print(text)
    return 0


BEGIN, END = "<!-- run_all: begin -->", "<!-- run_all: end -->"


def write_section(path: Path, text: str) -> None:
    """Put run_all's figures between its markers in RESULTS.md, keeping the sections other benchmarks wrote."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
    else:
        head, tail = old.rstrip("\n") + "\n\n", "\n"
    path.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
