"""Policy lineage on the bundled chain (examples/lineage): 国办发〔2019〕6号 and the 江西 document implementing it,
beside a 江西 document of the same site that implements a national document not in the corpus."""
from pathlib import Path

import pytest

from kg.build import build
from kg.queries import FIND_DOCUMENT, lineage_query
from kg.stores.ladybug import LadybugReader

CHAIN = Path(__file__).resolve().parent.parent / "examples" / "lineage"


@pytest.fixture(scope="module")
def chain_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("lineage")
    report = build(sorted(CHAIN.glob("*.txt")), out, jobs=1)
    assert report.conforms and not report.failed
    return out


def _find(db, text):
    return db.run(FIND_DOCUMENT.cypher, {"text": text, "number": text})[1][0][0]


def test_citations_between_loaded_documents_resolve_and_only_to_their_parent(chain_build):
    with LadybugReader(chain_build) as db:
        rows = db.run("MATCH (a:Document {kind: 'loaded'})-[:CITES]->(b:Document {kind: 'loaded'}) "
                      "RETURN a.source, b.source, b.doc_number ORDER BY b.source")[1]
        # the notice names the plan it promulgates; the plan implements the national document
        assert rows == [["L02_jiangxi_rongzidanbao.txt", "L01_national_rongzidanbao.txt", "国办发〔2019〕6号"],
                        ["L02_jiangxi_rongzidanbao.txt", "L02_jiangxi_rongzidanbao.txt", None]]
        # the other 江西 document cites its own (absent) national parent, never the loaded one
        up = db.run(lineage_query("up", 3).cypher, {"uri": _find(db, "赣府厅发〔2020〕4号")})[1]
        assert [(r[3], r[4], r[5]) for r in up if r[3]] == [("国办发〔2019〕29号", "national", "cited")]


def test_lineage_of_every_local_plan_reaches_a_national_document_with_levels(chain_build):
    with LadybugReader(chain_build) as db:
        local = db.run("MATCH (d:Document {kind: 'loaded'}) WHERE d.level <> 'national' "
                       "AND EXISTS { MATCH (d)-[:CITES]->() } RETURN d.uri, d.level ORDER BY d.uri")[1]
        assert local and all(level == "province" for _, level in local)
        for uri, _ in local:
            up = db.run(lineage_query("up", 3).cypher, {"uri": uri})[1]
            assert any(r[4] == "national" for r in up), uri
            assert all(r[4] in ("national", "province", "city", "county") for r in up if r[3]), uri


def test_every_stub_cited_by_number_carries_issuer_level_and_year(chain_build):
    with LadybugReader(chain_build) as db:
        stubs = db.run("MATCH (d:Document {kind: 'cited'}) WHERE d.doc_number IS NOT NULL "
                       "OPTIONAL MATCH (d)-[:ISSUED_BY]->(a:Agency) "
                       "RETURN d.doc_number, d.level, d.year, a.name ORDER BY d.doc_number")[1]
    assert len(stubs) >= 3
    assert all(level and year and issuer for _, level, year, issuer in stubs), stubs
    assert ["赣府厅发〔2014〕52号", "province", 2014, "江西省人民政府办公厅"] in stubs


def test_instrument_counts_of_provincial_documents_equal_the_aggregation_over_the_facts(chain_build):
    from kg.queries import INSTRUMENTS, paging
    from test_stores import INSTRUMENTS_OVER_FACTS

    with LadybugReader(chain_build) as db:
        levels = set()
        for topic, level in (("", ""), ("", "national"), ("", "province"), ("产教融合", ""), ("职业教育", "")):
            params = {"topic": topic, "level": level, **paging(0)}
            rows = db.run(INSTRUMENTS.cypher, params)
            assert rows == db.run(INSTRUMENTS_OVER_FACTS, params), params
            levels |= {row[1] for row in rows[1]}
    assert levels == {"province"}  # the national document states no task (tests/test_graph.py: every level)


def test_new_named_queries_give_the_same_rows_on_neo4j(chain_build, neo4j_server):
    """reuse, cascade (and its dropped items), instruments and lineage with levels, on a real Neo4j 5."""
    from kg.projection import read_tables
    from kg.queries import CASCADE, CASCADE_BODIES, DROPPED, INSTRUMENTS, REUSE, paging
    from kg.stores.neo4j import Neo4jReader, connect, sync

    driver = connect(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    try:
        with driver.session() as s:
            s.run("MATCH (n) DETACH DELETE n").consume()
        sync(driver, read_tables(chain_build))
        neo4j = Neo4jReader(driver)
        with LadybugReader(chain_build) as embedded:
            uris = [r[0] for r in embedded.run("MATCH (d:Document {kind: 'loaded'}) RETURN d.uri ORDER BY d.uri")[1]]
            cases = [(INSTRUMENTS, {"topic": "", "level": "", **paging(0)}),
                     (INSTRUMENTS, {"topic": "", "level": "province", **paging(3, 2)}),
                     (INSTRUMENTS, {"topic": "职业教育", "level": "", **paging(0)})]
            for uri in uris:
                cases += [(q, {"uri": uri, **paging(0)}) for q in (REUSE, CASCADE, DROPPED, CASCADE_BODIES)]
                cases += [(lineage_query(d, 3), {"uri": uri}) for d in ("up", "down")]
            nonempty = 0
            for query, params in cases:
                a, b = embedded.run(query.cypher, params), neo4j.run(query.cypher, params)
                assert a == b, (query.name, params)
                nonempty += bool(a[1])
            assert nonempty >= 8
    finally:
        driver.close()


def test_diffusion_queries_from_the_command_line(chain_build):
    import json
    import subprocess
    import sys

    def kg(*args):
        return subprocess.run([sys.executable, "-m", "kg", "query", *args, "--db", str(chain_build)],
                              capture_output=True, text=True, timeout=300, cwd=CHAIN.parent.parent)

    res = kg("reuse", "--doc", "若干措施", "--format", "json")
    assert res.returncode == 0 and "share 0." in res.stderr and len(json.loads(res.stdout)) >= 20
    res = kg("cascade", "--doc", "若干措施", "--dropped", "--format", "json")
    assert res.returncode == 0 and {r["parent_item"] for r in json.loads(res.stdout)} >= {"（一）"}
    res = kg("instruments", "--level", "province", "--format", "json")
    assert res.returncode == 0 and {r["typology"] for r in json.loads(res.stdout)} == {"rothwell-zegveld",
                                                                                       "mcdonnell-elmore"}
    res = kg("instruments", "--level", "township")
    assert res.returncode == 2 and "--level is national, province, city or county" in res.stderr
    res = kg("reuse", "--doc", "没有这份文件")
    assert res.returncode == 1 and "no document matches" in res.stderr and "Traceback" not in res.stderr
