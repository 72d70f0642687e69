"""Graph stores (issue #4): one projection into LadybugDB, Neo4j (a real server) and networkx."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from kg.build import build
from kg.projection import DERIVED, FIND_NAME_LENGTH, LEVEL_COLUMNS, find_order, read_tables
from kg.queries import (_LEVEL_OF, CO_RESPONSIBILITY, FIND_DOCUMENT, INSTRUMENTS, LEAD_AGENCIES,
                        LEAD_AGENCIES_ON_TOPIC, agency_tasks, lead_agencies, lineage_query, paging)
from kg.stores.ladybug import CypherError, LadybugReader
from kg.stores.neo4j import Neo4jReader, connect, sync
from kg.stores.nx import export, to_networkx

ROOT = Path(__file__).resolve().parent.parent
EVAL = Path(__file__).parent / "fixtures" / "eval"


def kg(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, env={**os.environ, **(env or {})})


# ------------------------------------------------------------------ embedded (LadybugDB)

def _holds_the_projection(db_folder: Path, tables_folder: Path) -> None:
    """The embedded database in `db_folder` holds as many nodes and relationships of each kind as the tables."""
    pg = read_tables(tables_folder)
    with LadybugReader(db_folder) as db:
        for label, rows in pg.nodes.items():
            assert db.run(f"MATCH (n:{label}) RETURN count(n)")[1] == [[len(rows)]]
        for rtype, rows in pg.rels.items():
            assert db.run(f"MATCH ()-[r:{rtype}]->() RETURN count(r)")[1] == [[len(rows)]]


def test_embedded_database_holds_the_whole_projection(built_seeds):
    _holds_the_projection(built_seeds, built_seeds)


def test_node_tables_are_copied_on_one_thread_and_relationships_on_every_one(built_seeds, tmp_path, monkeypatch):
    """LadybugDB 0.22 deadlocked copying more than 131,072 nodes of some sets of IRIs on two threads and loaded them
    on one (benchmarks/ladybug_copy_hang.py reproduces it on a 10k build): every node table's COPY runs on one
    thread, each relationship type's on the threads the database had, which are put back after each node table;
    the database holds the whole projection."""
    import ladybug

    from kg.stores import ladybug as store

    log: list[str] = []

    class Logged(ladybug.Connection):
        def execute(self, query, *args, **kwargs):
            result = super().execute(query, *args, **kwargs)
            if query.startswith("CALL current_setting('threads')"):
                threads = result.get_next()[0]
                log.append(f"threads were {threads}")
                return super().execute(query, *args, **kwargs)
            log.append(query)
            return result

    monkeypatch.setattr(ladybug, "Connection", Logged)
    store.bulk_load(built_seeds / "tables", tmp_path)
    setting, copies = None, {"node": [], "rel": []}
    for query in log:
        if query.startswith("CALL threads="):
            setting = int(query.split("=")[1])
        elif query.startswith("COPY "):
            label = query.split()[1]
            copies["node" if label in store.NODE_SCHEMA else "rel"].append((label, setting))
    had = {int(q.split()[-1]) for q in log if q.startswith("threads were")}  # read before each node table
    assert len(had) == 1  # put back after each: every node table found the database's own setting
    assert copies["node"] and all(threads == store.NODE_COPY_THREADS == 1 for _, threads in copies["node"])
    assert copies["rel"] and {threads for _, threads in copies["rel"]} == had
    _holds_the_projection(tmp_path, built_seeds)


def test_cypher_cli_reads_with_parameters_and_refuses_writes(built_seeds):
    res = kg("cypher", "MATCH (a:Agency {name: $n})-[r:RESPONSIBLE_FOR]->(t:Task) RETURN count(t) AS tasks",
             "--param", "n=五华区教育体育局", "--db", built_seeds, "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)[0]["tasks"] >= 19
    res = kg("cypher", "CREATE (:Topic {uri: 'x'})", "--db", built_seeds)
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "read-only" in res.stderr
    res = kg("cypher", "MATCH (n RETURN n", "--db", built_seeds)
    assert res.returncode == 1 and res.stderr.startswith("kg cypher: Parser exception")
    assert "Traceback" not in res.stderr


def test_named_queries_pass_the_read_only_check_so_their_runs_skip_it(built_seeds, monkeypatch):
    """Every query of kg.queries passes the embedded engine's read-only check (its EXPLAIN); run as a named query
    (checked=True, as the CLI runs them) it is planned once, not twice, and gives the same rows."""
    from kg.engines import EngineError, run
    from kg.queries import NAMED

    statements = []
    execute = LadybugReader._execute
    monkeypatch.setattr(LadybugReader, "_execute", lambda self, q, p: statements.append(q) or execute(self, q, p))
    with LadybugReader(built_seeds) as db:
        uri = db.run("MATCH (d:Document {kind: 'loaded'}) RETURN d.uri ORDER BY d.uri LIMIT 1")[1][0][0]
        values = {"text": "职业教育", "number": "", "uri": uri, "skip": 0, "limit": 10, "topic": "", "level": "",
                  "name": "教育", "agencies": 10}
        for query in [*NAMED.values(), lineage_query("up", 3), lineage_query("down", 3)]:
            params = {name: values[name] for name in query.params}
            statements.clear()
            checked = run(db, query.cypher, params)
            assert [s.split(None, 1)[0] for s in statements] == ["EXPLAIN", "MATCH"], query.name
            statements.clear()
            assert run(db, query.cypher, params, checked=True) == checked and len(statements) == 1, query.name
        statements.clear()
        with pytest.raises(EngineError, match="read-only"):
            run(db, "MATCH (d:Document) SET d.name = 'x'")
        assert statements[0].startswith("EXPLAIN")


def test_cypher_write_needs_the_flag(built_seeds, tmp_path):
    copy = tmp_path / "db"
    copy.mkdir()
    shutil.copy(built_seeds / "graph.lbug", copy / "graph.lbug")
    res = kg("cypher", "CREATE (:Topic {uri: 'x', name: '测试'})", "--db", copy, "--write")
    assert res.returncode == 0, res.stderr
    assert "测试" in kg("cypher", "MATCH (t:Topic {uri: 'x'}) RETURN t.name", "--db", copy).stdout


def test_missing_database_is_a_clear_error(tmp_path):
    res = kg("query", "lead-agencies", "--db", tmp_path)
    assert res.returncode == 1 and "no embedded database" in res.stderr


# ------------------------------------------------------------------ networkx

def test_networkx_graph_and_exports(built_seeds, tmp_path):
    pg = read_tables(built_seeds)
    g = to_networkx(pg)
    facts = sum(len(rows) for rtype, rows in pg.rels.items() if rtype not in DERIVED)
    assert (g.number_of_nodes(), g.number_of_edges()) == (pg.counts()[0], facts)
    assert not any(k in DERIVED for _, _, k in g.edges(keys=True)) and pg.rels["SHARES_TASKS"]
    bureau = "https://w3id.org/policykg/id/agency/530102/五华区教育体育局"
    assert g.nodes[bureau]["label"] == "Agency"
    assert sum(1 for _, _, k in g.out_edges(bureau, keys=True) if k == "RESPONSIBLE_FOR") >= 19
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        export(g, tmp_path / f"g.{fmt}", fmt)
        back = reader(tmp_path / f"g.{fmt}")
        assert back.number_of_nodes() == g.number_of_nodes()
    res = kg("export", "--format", "json", "--out", built_seeds, "--to", tmp_path / "g.json")
    assert res.returncode == 0, res.stderr
    data = json.loads((tmp_path / "g.json").read_text())
    assert len(data["nodes"]) == g.number_of_nodes() and len(data["links"]) == g.number_of_edges()


# ------------------------------------------------------------------ named queries vs the gold

def _scorer():
    spec = importlib.util.spec_from_file_location("policykg_score", EVAL / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lead_agencies_agree_with_the_gold(built_seeds):
    score = _scorer()
    gold_leads = []
    for f in sorted((EVAL / "gold").glob("*.json")):
        for doc in json.loads(f.read_text(encoding="utf-8")):
            for task in doc["tasks"]:
                gold_leads += [score.agency_key(a, doc["jurisdiction"]) for a in task["lead"]]
    with LadybugReader(built_seeds) as db:
        query, params = lead_agencies("产教融合", limit=0)
        columns, rows = db.run(query.cypher, params)
        aliases = dict(db.run("MATCH (a:Agency) RETURN a.name, a.aliases")[1])
    by_name = {r[2]: r for r in rows}
    for name, level in (("曲靖市人力资源和社会保障局", "city"), ("曲靖市教育体育局", "city"),
                        ("五华区教育体育局", "county"), ("呼图壁县教育局", "county")):
        assert by_name[name][1] == level
    assert sum(r[3] for r in rows) == len(gold_leads)
    keys = {r[2]: [score.agency_key({"name": n, "jurisdiction": r[0]}, {}) for n in [r[2], *aliases[r[2]]]]
            for r in rows}
    counted = Counter()
    for g in gold_leads:  # an exact name or alias first; the scorer's lenient match only when unambiguous
        exact = [name for name, ks in keys.items() if g in ks]
        loose = [name for name, ks in keys.items() if any(score.agency_match(k, g) for k in ks)]
        match = exact or loose
        assert len(match) == 1, (g, match)
        counted[match[0]] += 1
    assert counted == Counter({r[2]: r[3] for r in rows})


# The aggregations the named queries ran over the facts before the counts were materialised: the oracle.
LEADS_OVER_FACTS = """
MATCH (a:Agency)-[:LEADS]->(t:Task)<-[:HAS_TASK]-(d:Document)
MATCH (a)-[:IN_JURISDICTION]->(j:Jurisdiction)
WHERE ($level = '' OR j.level = $level)
  AND ($topic = ''
       OR EXISTS { MATCH (t)-[:ABOUT]->(:Topic {name: $topic}) }
       OR EXISTS { MATCH (d)-[:PART_OF*0..3]->(:Document)-[:ABOUT]->(:Topic {name: $topic}) })
RETURN j.name AS jurisdiction, j.level AS level, a.name AS agency, count(DISTINCT t) AS tasks
ORDER BY tasks DESC, jurisdiction, agency
"""
PAIRS_OVER_FACTS = """
MATCH (a:Agency)-[:LEADS|RESPONSIBLE_FOR|COOPERATES_ON]->(t:Task)<-[:LEADS|RESPONSIBLE_FOR|COOPERATES_ON]-(b:Agency)
WHERE a.uri < b.uri
RETURN a.name AS agency_a, b.name AS agency_b, count(DISTINCT t) AS shared_tasks
ORDER BY shared_tasks DESC, agency_a, agency_b
"""


# The instruments query as it ran before the build counted the tasks that use each instrument
INSTRUMENTS_OVER_FACTS = """
MATCH (d:Document)-[:HAS_TASK]->(t:Task)-[:USES_INSTRUMENT]->(i:Instrument)
WHERE ($topic = ''
       OR EXISTS { MATCH (t)-[:ABOUT]->(:Topic {name: $topic}) }
       OR EXISTS { MATCH (d)-[:PART_OF*0..3]->(:Document)-[:ABOUT]->(:Topic {name: $topic}) })
  AND ($level = '' OR d.level = $level)
RETURN i.typology AS typology, coalesce(d.level, '') AS level, i.code AS code, i.name AS instrument,
       count(DISTINCT t) AS tasks
ORDER BY typology, level, tasks DESC, code
SKIP $skip LIMIT $limit
"""


def test_materialised_counts_equal_the_aggregation_over_the_facts(built_seeds):
    with LadybugReader(built_seeds) as db:
        for topic, level in (("产教融合", ""), ("", ""), ("", "county"), ("产教融合", "city"), ("职业教育", "")):
            query, params = lead_agencies(topic, level, limit=0)
            fast = db.run(query.cypher, params)
            slow = db.run(LEADS_OVER_FACTS, {"topic": topic, "level": level})
            assert fast == slow and (fast[1] or topic == "职业教育"), (topic, level)
        fast = db.run(CO_RESPONSIBILITY.cypher, paging(0))
        assert fast == db.run(PAIRS_OVER_FACTS) and len(fast[1]) > 100
        levels = set()
        for topic, level, page in (("", "", paging(0)), ("", "county", paging(0)), ("产教融合", "", paging(0)),
                                   ("产教融合", "city", paging(0)), ("职业教育", "", paging(0)), ("", "", paging(7, 3)),
                                   ("no such topic", "", paging(0))):
            params = {"topic": topic, "level": level, **page}
            fast = db.run(INSTRUMENTS.cypher, params)
            assert fast == db.run(INSTRUMENTS_OVER_FACTS, params), params
            levels |= {row[1] for row in fast[1]}
        assert levels == {"city", "county"}, levels  # the samples' levels (tests/test_lineage.py: the others)


def test_the_instruments_query_names_the_build_s_level_columns():
    assert {**_LEVEL_OF, "": "tasks_no_level"} == LEVEL_COLUMNS


# Every document find-document could return, with what its order promises to go by
FIND_OVER_ALL = """
MATCH (d:Document)
WHERE d.uri = $text OR d.doc_number = $number OR d.title = $text OR d.title CONTAINS $text
RETURN d.uri AS uri, d.name AS document, d.doc_number AS doc_number, d.kind AS kind,
       CASE WHEN d.uri = $text OR d.doc_number = $number OR d.title = $text THEN 0 ELSE 1 END AS rank
"""


def _promised(row: list) -> tuple:
    """What find-document orders by, as it says: exact matches first, loaded before cited, shorter names first."""
    uri, name, _, kind, rank = row
    return rank, kind != "loaded", min(len(name), FIND_NAME_LENGTH)


def test_find_document_returns_the_best_ten_matches_in_the_order_it_promises(built_seeds):
    with LadybugReader(built_seeds) as db:
        orders = db.run("MATCH (d:Document) RETURN d.uri, d.kind, d.name, d.find_order")[1]
        assert orders and all(o == find_order(u, k, n) for u, k, n, o in orders)  # as every merge left the row
        assert len({o for *_, o in orders}) == len(orders)
        uri = db.run("MATCH (d:Document {kind: 'loaded'}) RETURN d.uri ORDER BY d.uri LIMIT 1")[1][0][0]
        cases = [("职业教育", ""), ("实施方案", ""), ("昆发改社会〔2019〕611号", "昆发改社会〔2019〕611号"),
                 (uri, ""), ("关于", ""), ("no such document", "")]
        sizes = []
        for text, number in cases:
            every = db.run(FIND_OVER_ALL, {"text": text, "number": number})[1]
            found = db.run(FIND_DOCUMENT.cypher, {"text": text, "number": number})[1]
            assert len(found) == min(10, len(every)) and all(r in every for r in found), text
            assert [_promised(r) for r in found] == sorted(_promised(r) for r in found), text
            left = [r for r in every if r not in found]
            assert not found or all(_promised(r) >= _promised(found[-1]) for r in left), text
            sizes.append((len(every), {r[4] for r in found}))
        assert sizes[0][0] > 10 and sizes[2][1] == {0} and 0 in sizes[3][1] and sizes[-1][0] == 0, sizes


# The agency query over every matching agency's roles, as it ran before it read only the agencies a page needs
AGENCY_OVER_ALL_ROLES = """
MATCH (a:Agency)-[r:LEADS|RESPONSIBLE_FOR|COOPERATES_ON]->(t:Task)<-[:HAS_TASK]-(d:Document)
WHERE a.name = $name OR a.name CONTAINS $name OR $name IN a.aliases
RETURN a.name AS agency, r.role AS role, t.number AS number, t.heading AS heading, r.quote AS quote,
       d.name AS document, r.source AS source, r.start AS start, r.`end` AS `end`
ORDER BY agency, a.uri, source, start, role, number
"""


def test_a_page_of_an_agencys_tasks_reads_only_the_agencies_it_needs_and_misses_nothing(built_seeds):
    with LadybugReader(built_seeds) as db:
        # 人民政府: the first matching agencies by name issue documents and hold no task (中卫市人民政府, 云南省人民政府 …)
        for name, size in (("局", 6), ("教育", 6), ("人社局", 6), ("五华区教育体育局", 6), ("人民政府", 1),
                           ("人民政府", 2), ("no such agency", 6)):
            every = db.run(AGENCY_OVER_ALL_ROLES, {"name": name})[1]
            query, params = agency_tasks(name, 0)
            assert db.run(query.cypher, params)[1] == every, name
            pages = []
            for page in range(1, -(-len(every) // size) + 2):
                query, params = agency_tasks(name, size, page)
                pages += db.run(query.cypher, params)[1]
            assert pages == every, (name, size)
        assert len(db.run(AGENCY_OVER_ALL_ROLES, {"name": "局"})[1]) > 50
        # agencies that hold no task (an issuer only) are passed over, not counted in the page's window
        idle = db.run("MATCH (a:Agency) WHERE a.tasks_held = 0 RETURN count(a)")[1][0][0]
        held = db.run("MATCH (a:Agency) WHERE EXISTS { MATCH (a)-[:LEADS|RESPONSIBLE_FOR|COOPERATES_ON]->(:Task) } "
                      "RETURN count(a)")[1][0][0]
        assert idle > 0 and held + idle == db.run("MATCH (a:Agency) RETURN count(a)")[1][0][0]


def test_pages_of_a_named_query_add_up_to_all_its_rows(built_seeds):
    with LadybugReader(built_seeds) as db:
        every = db.run(CO_RESPONSIBILITY.cypher, paging(0))[1]
        pages, page = [], 1
        while rows := db.run(CO_RESPONSIBILITY.cypher, paging(40, page))[1]:
            assert len(rows) <= 40
            pages += rows
            page += 1
        assert pages == every and page == -(-len(every) // 40) + 1
        for level in ("", "county"):  # a page of the leads on a topic is a range of the ranks the build gave them
            query, params = lead_agencies("产教融合", level, limit=0)
            every = db.run(query.cypher, params)[1]
            pages = []
            for page in range(1, -(-len(every) // 7) + 2):
                query, params = lead_agencies("产教融合", level, limit=7, page=page)
                rows = db.run(query.cypher, params)[1]
                assert len(rows) <= 7 and (rows or page > len(every) / 7)
                pages += rows
            assert pages == every and len(every) > 7 and all(r[1] == "county" for r in every if level)
    res = kg("query", "co-responsibility", "--db", built_seeds, "--format", "json")
    assert res.returncode == 0 and len(json.loads(res.stdout)) == 50  # the default page
    res = kg("query", "co-responsibility", "--db", built_seeds, "--page", "0")
    assert res.returncode == 2 and "page numbers start at 1" in res.stderr


# ------------------------------------------------------------------ Neo4j (real server)

def _clear(driver):
    with driver.session() as s:
        s.run("MATCH (n) DETACH DELETE n").consume()


@pytest.fixture()
def neo4j_driver(neo4j_server):
    driver = connect(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    _clear(driver)
    yield driver
    driver.close()


def test_sync_is_idempotent(neo4j_driver, built_seeds):
    pg = read_tables(built_seeds)
    first = sync(neo4j_driver, pg, batch_size=100)
    assert (first.nodes_created, first.relationships_created) == pg.counts()
    again = sync(neo4j_driver, pg, batch_size=100)
    assert (again.nodes_created, again.relationships_created) == (0, 0)
    reader = Neo4jReader(neo4j_driver)
    assert reader.run("SHOW CONSTRAINTS YIELD labelsOrTypes RETURN count(*)")[1][0][0] >= 5


def _operators(plan: dict) -> list[str]:
    return [plan["operatorType"], *(op for child in plan.get("children", []) for op in _operators(child))]


def test_neo4j_reads_a_co_responsibility_page_from_the_rank_index(neo4j_driver, built_seeds):
    """The sync creates a range index on SHARES_TASKS.rank and the query's LIMIT lets the planner read a page from
    it in order and stop (issue 11: 262 → 9 ms at 30k documents) instead of scanning every agency pair."""
    sync(neo4j_driver, read_tables(built_seeds))
    with neo4j_driver.session() as s:
        indexes = s.run("SHOW INDEXES YIELD type, entityType, labelsOrTypes, properties").data()
        assert {"type": "RANGE", "entityType": "RELATIONSHIP", "labelsOrTypes": ["SHARES_TASKS"],
                "properties": ["rank"]} in indexes
        s.run("CALL db.awaitIndexes(300)").consume()
        plan = s.run("EXPLAIN " + CO_RESPONSIBILITY.cypher, paging(25, 2)).consume().plan
    ops = [op.split("@")[0] for op in _operators(plan)]
    # the index gives the rank order (no sort of every pair) and the page stops at the LIMIT
    assert any("RelationshipIndex" in op for op in ops) and "Limit" in ops, ops
    assert not any(op in ("Sort", "Top", "PartialSort", "PartialTop") for op in ops), ops


QUERY_CASES = [
    (LEAD_AGENCIES_ON_TOPIC, {"topic": "产教融合", "level": "", **paging(0)}),
    (LEAD_AGENCIES_ON_TOPIC, {"topic": "产教融合", "level": "city", **paging(3, 2)}),
    (LEAD_AGENCIES, {"level": "county", **paging(0)}),
    (LEAD_AGENCIES, {"level": "", **paging(10, 2)}),
    (CO_RESPONSIBILITY, paging(25)),
    (CO_RESPONSIBILITY, paging(25, 3)),
    agency_tasks("五华区教育体育局", 0),
    agency_tasks("人社局", 5, 2),
    (FIND_DOCUMENT, {"text": "昆发改社会〔2019〕611号", "number": "昆发改社会〔2019〕611号"}),
    (FIND_DOCUMENT, {"text": "职业教育", "number": ""}),  # more matches than the ten it returns
    (INSTRUMENTS, {"topic": "", "level": "", **paging(0)}),
    (INSTRUMENTS, {"topic": "产教融合", "level": "county", **paging(0)}),
    (INSTRUMENTS, {"topic": "产教融合", "level": "", **paging(5, 2)}),
]


def test_every_named_query_gives_the_same_rows_on_both_engines(neo4j_driver, built_seeds):
    sync(neo4j_driver, read_tables(built_seeds))
    neo4j = Neo4jReader(neo4j_driver)
    with LadybugReader(built_seeds) as embedded:
        uris = [r[0] for r in embedded.run("MATCH (d:Document {kind: 'loaded'}) RETURN d.uri ORDER BY d.uri")[1]]
        cases = list(QUERY_CASES)
        for direction in ("up", "down"):
            cases += [(lineage_query(direction, 3), {"uri": u}) for u in uris]
        nonempty = 0
        for query, params in cases:
            a, b = embedded.run(query.cypher, params), neo4j.run(query.cypher, params)
            assert a == b, (query.name, params)
            nonempty += bool(a[1])
        assert nonempty >= len(QUERY_CASES) + 4


def test_prune_removes_exactly_the_removed_files_facts(neo4j_driver, built_seeds, examples_dir, tmp_path):
    sync(neo4j_driver, read_tables(built_seeds))
    removed = "002_ef8d9751ef9cfd10.txt"
    smaller = tmp_path / "smaller"
    report = build([p for p in sorted(examples_dir.glob("*.txt")) if p.name != removed], smaller, jobs=1)
    assert report.conforms
    pg = read_tables(smaller)
    result = sync(neo4j_driver, pg, prune=True)
    assert result.nodes_deleted > 0 and result.relationships_deleted > 0
    neo4j = Neo4jReader(neo4j_driver)
    with LadybugReader(smaller) as embedded:
        for label in pg.nodes:
            q = f"MATCH (n:{label}) RETURN n.uri ORDER BY n.uri"
            assert neo4j.run(q) == embedded.run(q), label
        q = "MATCH (a)-[r]->(b) RETURN a.uri, b.uri, r.sources ORDER BY a.uri, b.uri"
        assert sorted(map(str, neo4j.run(q)[1])) == sorted(map(str, embedded.run(q)[1]))
    left = neo4j.run("MATCH (n) WHERE $f IN n.sources RETURN count(n)", {"f": removed})[1]
    assert left == [[0]]
    # the letter's own agencies are gone; the ones other files also name remain
    names = {r[0] for r in neo4j.run("MATCH (a:Agency) RETURN a.name")[1]}
    assert "曲靖市教育体育局" in names and "曲靖市工业和信息化局" in names


def test_sync_and_query_cli_against_neo4j(neo4j_server, neo4j_driver, built_seeds):
    env = {"NEO4J_PASSWORD": neo4j_server.password}
    res = kg("sync", "neo4j", "--uri", neo4j_server.uri, "--user", "neo4j", "--out", built_seeds,
             "--batch-size", "200", env=env)
    assert res.returncode == 0, res.stderr
    nodes, rels = read_tables(built_seeds).counts()
    assert f"{nodes} nodes and {rels} relationships created" in res.stdout
    again = kg("sync", "neo4j", "--uri", neo4j_server.uri, "--out", built_seeds, env=env)
    assert "0 nodes and 0 relationships created" in again.stdout
    for out in (res, again):
        assert neo4j_server.password not in out.stdout + out.stderr
    on_neo4j = kg("query", "lead-agencies", "--topic", "产教融合", "--neo4j-uri", neo4j_server.uri, env=env)
    embedded = kg("query", "lead-agencies", "--topic", "产教融合", "--db", built_seeds)
    assert on_neo4j.returncode == 0, on_neo4j.stderr
    assert on_neo4j.stdout == embedded.stdout and "五华区教育体育局" in embedded.stdout
    lineage = kg("query", "lineage", "--doc", "曲靖市推进产教融合的实施方案", "--neo4j-uri", neo4j_server.uri,
                 "--format", "csv", env=env)
    assert "云政办发〔2018〕60号" in lineage.stdout and "曲靖麒麟职教集团质量年度报告2020" in lineage.stdout


NEO4J_ATTEMPTS = [
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "CREATE (:Topic {uri: 'x'})",
    "MATCH (a:Agency) SET a.name = 'x'",
    "MATCH (n) DETACH DELETE n",
    "CALL dbms.components()",
    "CALL db.createLabel('Evil')",
    "MATCH (a:Agency) RETURN count(a); MATCH (n) DETACH DELETE n",
    "CREATE INDEX evil FOR (n:Agency) ON (n.name)",
    "FOREACH (x IN [1] | CREATE (:Topic {uri: 'y'}))",
]


def test_read_only_cypher_on_neo4j_refuses_everything_but_reading(neo4j_server, neo4j_driver, built_seeds):
    sync(neo4j_driver, read_tables(built_seeds))
    reader = Neo4jReader(neo4j_driver)
    count = "MATCH (n) RETURN count(n) AS n"
    before = reader.run(count)[1]
    env = {"NEO4J_PASSWORD": neo4j_server.password}
    for attempt in NEO4J_ATTEMPTS:
        res = kg("cypher", attempt, "--neo4j-uri", neo4j_server.uri, env=env)
        lines = res.stderr.strip().splitlines()
        assert res.returncode == 1 and len(lines) == 1 and lines[0].startswith("kg cypher:"), (attempt, res.stderr)
        assert "root:" not in res.stdout
    assert reader.run(count)[1] == before
    # reading stays allowed whatever the planner picks: paths, scans of several relationship types, the rank index
    for query in ("MATCH (d:Document)-[:CITES*1..3]->(e:Document) RETURN count(*) AS n",
                  "MATCH ()-[r:LEADS|COOPERATES_ON]->() RETURN count(r) AS n",
                  "MATCH ()-[s:SHARES_TASKS]->() WHERE s.rank <= 3 RETURN count(s) AS n"):
        assert reader.run(query)[1][0][0] > 0, query


def test_wrong_or_missing_password_is_one_clear_line(neo4j_server, built_seeds):
    res = kg("sync", "neo4j", "--uri", neo4j_server.uri, "--out", built_seeds, env={"NEO4J_PASSWORD": "wrong"})
    assert res.returncode == 1 and res.stderr.strip() == \
        f"kg sync neo4j: {neo4j_server.uri}: authentication failed for user 'neo4j'"
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    res = subprocess.run([sys.executable, "-m", "kg", "sync", "neo4j", "--uri", neo4j_server.uri, "--out",
                          str(built_seeds)], capture_output=True, text=True, cwd=ROOT, env=env,
                         stdin=subprocess.DEVNULL, timeout=120)
    assert res.returncode == 1 and "set NEO4J_PASSWORD" in res.stderr


def test_embedded_errors_are_cypher_errors(built_seeds):
    with LadybugReader(built_seeds) as db, pytest.raises(CypherError):
        db.run("MATCH (n:Nope) RETURN n")


def test_counter_of_roles_matches_the_records(built_seeds):
    records = [json.loads(line) for line in (built_seeds / "documents.jsonl").read_text().splitlines()]
    expected = Counter()
    for d in records:
        for t in d["tasks"]:
            for role in ("lead", "responsible", "cooperating"):
                expected[role] += len({a["canonical"] for a in t[role]})
    pg = read_tables(built_seeds)
    assert (len(pg.rels["LEADS"]), len(pg.rels["RESPONSIBLE_FOR"]), len(pg.rels["COOPERATES_ON"])) == \
        (expected["lead"], expected["responsible"], expected["cooperating"])


def test_server_killed_mid_sync_is_one_line_and_a_rerun_completes_it(neo4j_server, built_seeds, tmp_path):
    """A second server (its own store): killed while a sync runs, restarted on the same store, synced again."""
    import time

    from neo4j_server import start

    work = tmp_path / "neo4j2"
    server = start(work)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "kg", "sync", "neo4j", "--uri", server.uri, "--out",
                                 str(built_seeds), "--batch-size", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, "NEO4J_PASSWORD": server.password})
        driver = connect(server.uri, server.user, server.password)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # kill once the sync has written something
            if Neo4jReader(driver).run("MATCH (n) RETURN count(n) AS n")[1][0][0] > 20:
                break
            time.sleep(0.1)
        driver.close()
        server.process.kill()
        server.process.wait()
        out, err = proc.communicate(timeout=300)
        lines = err.strip().splitlines()
        assert proc.returncode == 1 and len(lines) == 1 and "re-run" in lines[0], err
        assert "Traceback" not in err and server.password not in out + err
    finally:
        server.stop()
    server = start(work)  # the same store, recovered
    try:
        env = {"NEO4J_PASSWORD": server.password}
        res = kg("sync", "neo4j", "--uri", server.uri, "--out", built_seeds, env=env)
        assert res.returncode == 0, res.stderr
        driver = connect(server.uri, server.user, server.password)
        reader = Neo4jReader(driver)
        pg = read_tables(built_seeds)
        for label, rows in pg.nodes.items():
            got = {r[0] for r in reader.run(f"MATCH (n:{label}) RETURN n.uri")[1]}
            assert got == {r["uri"] for r in rows}, label
        for rtype, rows in pg.rels.items():
            got = Counter((a, b) for a, b in reader.run(f"MATCH (a)-[r:{rtype}]->(b) RETURN a.uri, b.uri")[1])
            assert got == Counter((r["from"], r["to"]) for r in rows), rtype
        driver.close()
        again = kg("sync", "neo4j", "--uri", server.uri, "--out", built_seeds, env=env)
        assert "0 nodes and 0 relationships created" in again.stdout
    finally:
        server.stop()


def test_the_delta_of_two_builds_parts_tells_rows_gone_changed_and_new(tmp_path):
    """kg.projection.table_delta, which the patch applies: per table, the keys gone, the rows written (changed or
    new, as dicts of every column) and which of them changed; a derived table whose part differs is replaced
    whole; byte-identical parts are not read."""
    from kg.projection import TableWriter, table_delta

    def part(folder, agencies, places, leads):
        with TableWriter(folder, "part-07") as w:
            w.add("node", "Agency", agencies)
            w.add("rel", "IN_JURISDICTION", places)
            w.add("rel", "LEADS_ON", leads)
        return sorted((folder / "tables").glob("*/part-07.parquet"))

    def agency(uri, name, aliases=None):
        return {"uri": uri, "name": name, "aliases": aliases, "sources": ["a.txt"]}

    def place(a):
        return {"from": a, "to": "j1", "from_label": "Agency", "to_label": "Jurisdiction", "sources": ["a.txt"]}

    lead = {"from": "a1", "to": "t1", "from_label": "Agency", "to_label": "Topic", "tasks": 1, "rank": 1}
    old = part(tmp_path / "old", [agency("a1", "甲"), agency("a2", "乙"), agency("a3", "丙")],
               [place("a1"), place("a2")], [lead])
    new = part(tmp_path / "new", [agency("a1", "甲"), agency("a2", "乙", ["乙局"]), agency("a4", "丁")],
               [place("a1"), place("a4")], [{**lead, "tasks": 2}])
    delta = table_delta(old, new)
    assert delta.removed == {("node", "Agency"): ["a3"], ("rel", "IN_JURISDICTION"): [("a2", "j1")]}
    written = {t: [(r.get("uri") or (r["from"], r["to"]), r.get("name"), r.get("aliases")) for r in rows]
               for t, rows in delta.written.items()}
    assert written == {("node", "Agency"): [("a2", "乙", ["乙局"]), ("a4", "丁", None)],
                       ("rel", "IN_JURISDICTION"): [(("a4", "j1"), None, None)]}
    assert delta.changed == {("node", "Agency"): {"a2"}, ("rel", "IN_JURISDICTION"): set()}
    assert delta.replaced == {"LEADS_ON"}
    assert not table_delta(old, old).written and not table_delta(old, old).replaced


def _delta_in_python(was_rows: list[dict], now_rows: list[dict], kind: str) -> tuple[list, list[dict], set]:
    """The rows' delta as the patch first computed it, every row a Python tuple: the oracle of the Arrow one."""
    key = (lambda r: r["uri"]) if kind == "node" else (lambda r: (r["from"], r["to"]))
    was, now = {key(r): r for r in was_rows}, {key(r): r for r in now_rows}
    return (sorted(k for k in was if k not in now), [now[k] for k in sorted(now) if was.get(k) != now[k]],
            {k for k in now if k in was and was[k] != now[k]})


def test_the_rows_delta_in_arrow_equals_comparing_every_row_in_python():
    """kg.projection's rows' delta compares two versions of a table column by column in Arrow (a patch at 10k
    spent ~0.7 s reading the shared part's rows into Python to compare them): on random versions of a node table
    and a relationship table — rows kept, gone, new, changed in one column; nulls against values, lists that
    differ in length, in one element, or are empty against null; keys whose NUL-joined form might sort otherwise
    (a prefix of another `from`) — it gives what the row-by-row comparison gives, in the same order."""
    import random

    import pyarrow as pa

    from kg.projection import _rows_delta, table_schema

    rng = random.Random(11)
    words = ["甲", "乙", "a", "ab", "", "丙局"]

    def value(field):
        if rng.random() < 0.15:
            return None
        t = field.type
        if pa.types.is_list(t):
            return [rng.choice(words + [None]) for _ in range(rng.randrange(3))]
        if pa.types.is_boolean(t):
            return rng.random() < 0.5
        if pa.types.is_integer(t):
            return rng.randrange(-2, 3)
        if pa.types.is_floating(t):
            return rng.choice([0.0, 0.5, -1.25])
        return rng.choice(words)

    for kind, name in [("node", "Agency"), ("node", "Document"), ("rel", "RESPONSIBLE_FOR")]:
        schema = table_schema(kind, name)
        for _ in range(60):
            keys = sorted({(rng.choice(["a", "ab", "a\u00e9", "b"]), rng.choice(["x", "y", "yz"]))
                           for _ in range(rng.randrange(12))})
            rows = []
            for k in keys:
                row = {f.name: value(f) for f in schema}
                if kind == "node":
                    row["uri"] = "/".join(k)
                else:
                    row["from"], row["to"] = k
                rows.append(row)
            was = [r for r in rows if rng.random() < 0.8]
            now = []
            for r in rows:
                if rng.random() < 0.25:
                    continue
                r = dict(r)
                if rng.random() < 0.3:
                    f = rng.choice([f for f in schema if f.name not in ("uri", "from", "to")])
                    r[f.name] = value(f)
                now.append(r)
            rng.shuffle(was)
            rng.shuffle(now)
            got = _rows_delta(pa.Table.from_pylist(was, schema), pa.Table.from_pylist(now, schema), kind)
            assert got == _delta_in_python(was, now, kind), (kind, name, was, now)
