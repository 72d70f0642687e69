"""The RDF knowledge graph (issue #3): shapes, identity, cross-document links, provenance, reproducibility."""
from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from kg.build import build
from kg.parts import pending_digest
from kg.projection import read_tables
from kg.validate import validate, validate_graphs

PK = Namespace("https://w3id.org/policykg/ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory, examples_dir):
    out = tmp_path_factory.mktemp("out")
    report = build(sorted(examples_dir.glob("*.txt")), out, jobs=1)
    assert not report.failed
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    return out, report, graph


def _doc(graph: Graph, title: str) -> URIRef:
    (node,) = list(graph.subjects(ELI.title, Literal(title, lang="zh")))
    return node


def test_seed_graph_conforms_to_the_shapes(built):
    out, report, _ = built
    assert report.conforms is True, report.violations[:5]
    assert (out / "validation.txt").read_text() == "conforms\n"


def test_qujing_plan_is_part_of_its_notice_which_is_part_of_the_report(built):
    _, _, g = built
    plan = _doc(g, "曲靖市推进产教融合的实施方案")
    notice = _doc(g, "曲靖市人民政府办公室关于印发曲靖市推进产教融合实施方案的通知")
    report = _doc(g, "曲靖麒麟职教集团质量年度报告2020")
    assert (plan, ELI.is_part_of, notice) in g
    assert (notice, ELI.is_part_of, report) in g


def test_wuhua_plan_cites_the_kunming_opinion_and_is_part_of_its_notice(built):
    _, _, g = built
    plan = _doc(g, "五华区关于深化产教融合的实施方案")
    notice = _doc(g, "关于印发《五华区关于深化产教融合的实施方案》的通知")
    assert (plan, ELI.is_part_of, notice) in g
    (cited,) = [o for o in g.objects(plan, ELI.cites)]
    assert (cited, ELI.id_local, Literal("昆发改社会〔2019〕611号")) in g
    assert (cited, RDF.type, PK.CitedDocument) in g
    assert (cited, PK.docNumberIssuerCode, Literal("昆发改社会")) in g
    assert (plan, ELI.based_on, cited) in g
    # the notice's citation of the plan it promulgates links to the loaded plan, not to a stub
    assert (notice, ELI.cites, plan) in g


def test_report_citations_resolve_to_its_attachments(built):
    _, _, g = built
    report = _doc(g, "曲靖麒麟职教集团质量年度报告2020")
    att1 = _doc(g, "曲靖市人民政府关于推行终身职业技能培训制度的实施意见")  # a letter-spacing gap closed
    notice = _doc(g, "曲靖市人民政府办公室关于印发曲靖市推进产教融合实施方案的通知")
    assert (report, ELI.cites, att1) in g
    assert (report, ELI.cites, notice) in g


def test_one_node_for_an_agency_named_by_many_tasks(built):
    _, _, g = built
    nodes = set(g.subjects(SKOS.prefLabel, Literal("五华区教育体育局", lang="zh")))
    assert len(nodes) == 1
    (node,) = nodes
    tasks = set(g.objects(node, PK.responsibleFor)) | set(g.objects(node, PK.leads))
    assert len(tasks) >= 20
    assert str(node) == "https://w3id.org/policykg/id/agency/530102/五华区教育体育局"


def test_zhongwei_education_bureau_is_within_ningxia(built):
    _, _, g = built
    (bureau,) = set(g.subjects(SKOS.prefLabel, Literal("中卫市教育局", lang="zh")))
    division = g.value(bureau, PK.inJurisdiction)
    chain = set(g.transitive_objects(division, PK.within))
    (ningxia,) = set(g.subjects(PK.divisionCode, Literal("640000")))
    assert ningxia in chain
    assert (ningxia, SKOS.prefLabel, Literal("宁夏回族自治区", lang="zh")) in g


def test_every_role_assignment_quotes_its_source_at_the_offsets(built, examples_dir):
    _, _, g = built
    texts = {p.name: p.read_text(encoding="utf-8") for p in examples_dir.glob("*.txt")}
    assignments = list(g.subjects(RDF.type, PK.RoleAssignment))
    assert len(assignments) > 500
    for ra in assignments:
        target = g.value(ra, PK.evidence)
        source = str(g.value(target, OA.hasSource)).rsplit("/", 1)[-1]
        sel = g.value(target, OA.hasSelector)
        start, end = int(g.value(sel, OA.start)), int(g.value(sel, OA.end))
        assert texts[source][start:end] == str(g.value(sel, OA.exact))


def test_a_document_cited_by_several_files_is_one_stub(tmp_path, examples_dir):
    a = "甲市深化产教融合实施方案\n\n为贯彻落实《国务院办公厅关于深化产教融合的若干意见》（国办发〔2017〕95号），制定本方案。\n"
    b = "乙县深化产教融合实施方案\n\n根据《关于深化产教融合的若干意见》（国办发[2017]95号），制定本方案。\n"
    (tmp_path / "a.txt").write_text(a, encoding="utf-8")
    (tmp_path / "b.txt").write_text(b, encoding="utf-8")
    report = build([tmp_path / "a.txt", tmp_path / "b.txt"], tmp_path / "out", jobs=1)
    g = Graph().parse(tmp_path / "out" / "graph.ttl")
    stubs = set(g.subjects(ELI.id_local, Literal("国办发〔2017〕95号")))
    assert len(stubs) == 1 and report.conforms
    assert len(set(g.subjects(ELI.cites, next(iter(stubs))))) == 2


def test_two_builds_give_identical_files_and_a_changed_file_is_the_only_one_extracted(tmp_path, examples_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(examples_dir, corpus)
    paths = sorted(corpus.glob("*.txt"))
    first = build(paths, tmp_path / "out", jobs=1)
    ttl = (tmp_path / "out" / "graph.ttl").read_bytes()
    again = build(paths, tmp_path / "out2", jobs=1)
    assert (tmp_path / "out2" / "graph.ttl").read_bytes() == ttl
    assert (tmp_path / "out2" / "graph.nq").read_bytes() == (tmp_path / "out" / "graph.nq").read_bytes()
    assert (tmp_path / "out2" / "graph.jsonld").read_bytes() == (tmp_path / "out" / "graph.jsonld").read_bytes()
    assert not any(f.cached for f in [*first.files, *again.files])
    changed = corpus / "002_ef8d9751ef9cfd10.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("市侨联", "市工商联"), encoding="utf-8")
    rebuilt = build(paths, tmp_path / "out", jobs=1)
    assert [f.path.name for f in rebuilt.files if not f.cached] == ["002_ef8d9751ef9cfd10.txt"]
    assert (tmp_path / "out" / "graph.ttl").read_bytes() != ttl


def test_parallel_extraction_equals_serial(tmp_path, examples_dir):
    paths = sorted(examples_dir.glob("*.txt"))
    build(paths, tmp_path / "serial", jobs=1)
    build(paths, tmp_path / "parallel", jobs=2)
    assert (tmp_path / "serial" / "graph.ttl").read_bytes() == (tmp_path / "parallel" / "graph.ttl").read_bytes()


def test_a_violation_is_reported_readably(tmp_path):
    g = Graph()
    task = URIRef("https://w3id.org/policykg/id/doc/x/t/task/n1")
    g.add((task, RDF.type, PK.Task))
    result = validate(g)
    assert not result.conforms
    assert any(m.startswith(f"{task} — pk:taskOf") for m in result.messages)
    assert any("role assignment" in m for m in result.messages)
    # the corpus path: per graph, cached by content
    data = g.serialize(format="nt").encode()
    first = validate_graphs([("a", data), ("b", b"")], cache=tmp_path, jobs=1)
    assert (first.conforms, first.failing, first.checked) == (False, ["a"], 2)
    again = validate_graphs([("a", data), ("b", b"")], cache=tmp_path, jobs=1)
    assert again.checked == 0 and again.messages == first.messages


def test_an_invalid_build_fails_with_a_readable_message(tmp_path, monkeypatch):
    from kg import rdf

    monkeypatch.setattr(rdf.GraphWriter, "_number",
                        lambda self, g, node, number: g.add(node, rdf.ELI.id_local, rdf.lit("not a number")))
    (tmp_path / "a.txt").write_text("曲靖市人民政府关于推进产教融合的实施方案\n\n曲政发〔2020〕3号\n\n一、任务\n"
                                    "（一）建设实训基地。（市教育局牵头）\n", encoding="utf-8")
    report = build([tmp_path / "a.txt"], tmp_path / "out", jobs=1)
    assert report.conforms is False
    assert any("eli:id_local" in m for m in report.violations)
    assert not (tmp_path / "out" / "graph.ttl").exists()
    assert "id_local" in (tmp_path / "out" / "validation.txt").read_text()


def test_build_cli_and_sparql(tmp_path, examples_dir):
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "kg", "build", str(examples_dir), "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stderr
    from loaders import extract_file, iter_paths

    docs = [d for f in iter_paths([examples_dir]) for d in extract_file(f)]  # samples and examples/dev
    assert f"{len(docs)} documents, {sum(len(d.tasks) for d in docs)} tasks" in res.stderr, res.stderr
    assert "SHACL conforms" in res.stderr
    info = (out / "build-info.json").read_text()
    assert '"host"' not in info and "built_at" in info and str(out) not in info
    assert "built_at" not in (out / "graph.ttl").read_text()
    q = ("SELECT ?n WHERE { ?d eli:title ?t ; eli:cites ?c . ?c eli:id_local ?n . "
         "FILTER(CONTAINS(STR(?t), '五华区关于')) }")
    res = subprocess.run([sys.executable, "-m", "kg", "sparql", q, "--out", str(out), "--format", "csv"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["n", "昆发改社会〔2019〕611号"]
    bad = subprocess.run([sys.executable, "-m", "kg", "sparql", "SELECT ?x WHERE {", "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 1 and bad.stderr.startswith("kg sparql: SPARQL syntax error")
    assert "Traceback" not in bad.stderr


def test_per_file_projections_merge_into_the_whole_graph_projection(seed_docs):
    from kg.projection import merge, project_graphs
    from kg.rdf import GraphWriter

    corpus = GraphWriter("test").write(list(seed_docs.items()))
    whole = project_graphs((g.name.value, g.quads) for g in corpus.graphs.values())
    parts = merge(project_graphs([(g.name.value, g.quads)]) for g in corpus.file_graphs())
    assert whole.counts() == parts.counts() == (304, 1438)  # 284 + instrument concepts and cited documents' issuers
    assert whole.nodes == parts.nodes and whole.rels == parts.rels


def test_no_two_documents_share_an_iri_and_no_iri_depends_on_file_order(tmp_path):
    """Two files holding documents of the same title and place without 文号 (or one document saved twice) were
    one node with two titles, two sources…: the merged graph failed the shapes though every file passed."""
    from pyoxigraph import RdfFormat, parse, serialize

    from kg.rdf import plan_files
    from kg.validate import validate_ntriples_fast
    from loaders import extract_file

    plan = "曲靖市推进产教融合的实施方案\n一、任务\n（一）建设实训基地。（市教育局牵头）\n"
    notice = "曲靖市人民政府关于印发某方案的通知\n曲政发〔2020〕3号\n一、任务\n（一）建设。（市教育局牵头）\n"
    texts = {"a.txt": plan, "b.txt": plan.replace("实训", "培训"), "c.txt": notice, "d.txt": notice}
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    files = [(name, extract_file(tmp_path / name)) for name in sorted(texts)]
    plans = plan_files(files)
    iris = [i for p in plans for i in p.iris]
    assert len(set(iris)) == len(iris) == 4
    assert [p.iris for p in reversed(plan_files(list(reversed(files))))] == [p.iris for p in plans]
    report = build(sorted(tmp_path.glob("*.txt")), tmp_path / "out", jobs=1)
    assert report.conforms is True
    merged = serialize((q.triple for q in parse(path=tmp_path / "out" / "graph.nq", format=RdfFormat.N_QUADS)),
                       format=RdfFormat.N_TRIPLES).decode("utf-8")
    whole = validate_ntriples_fast(merged, limit=0)
    assert whole.conforms, whole.messages[:5]


@pytest.mark.parametrize("merged", ["auto", "never"])
def test_nodes_that_several_files_describe_are_validated_with_all_they_say(tmp_path, monkeypatch, merged):
    """Each file alone conforms; two files that give one agency node two different names do not, and the build
    says so (the fault is made by minting one IRI for every bureau) — whether it waits for the validation across
    files before writing the merged files (auto, at this size) or, writing none, at its end: nothing is published."""
    from kg import rdf

    original = rdf.agency_iri
    monkeypatch.setattr(rdf, "agency_iri", lambda name, code: original("某局", code) if name.endswith("局")
                        else original(name, code))
    for name, bureau in (("a", "市教育局"), ("b", "市财政局")):
        (tmp_path / f"{name}.txt").write_text(f"曲靖市推进{name}产教融合的实施方案\n一、任务\n（一）建设实训基地。（{bureau}牵头）\n",
                                              encoding="utf-8")
    alone = build([tmp_path / "a.txt"], tmp_path / "alone", jobs=1, merged=merged)
    assert alone.conforms is True and "validate_across_files" in alone.timings
    both = build(sorted(tmp_path.glob("*.txt")), tmp_path / "both", jobs=1, merged=merged)
    assert both.conforms is False
    assert any("skos:prefLabel" in m and "maxCount" in m for m in both.violations), both.violations[:3]
    assert not (tmp_path / "both" / "graph.ttl").exists() and not (tmp_path / "both" / "current").exists()
    assert not list((tmp_path / "both").glob("*.lbug")) and "maxCount" in (tmp_path / "both" / "validation.txt").read_text()
    assert not list((tmp_path / "both").glob(".cache/graph-*/merged/*/*.nt"))  # the shared triples' file is gone


@pytest.mark.parametrize("spill", [False, True])
def test_the_streamed_merge_gives_the_whole_graphs_projection(tmp_path, monkeypatch, spill):
    """Issue 11 item 1: the build never holds the rows: every file's own rows stream to the tables; what files
    share is merged within chunks of files, then out of core across them (kg.shared: runs merged k-way, ranks by
    an external sort — forced to spill to disk here with tiny runs). The tables must hold what projecting the
    whole graph at once gives, derived counts and their ranks included — also for a loaded document other files
    cite (the owner's part takes it)."""
    import json

    import kg.shared
    from kg.identity import Owners, source_iri
    from kg.projection import (CorpusMerge, TableWriter, chunk_of, part_name, project_graphs, read_tables, split_own,
                               summarise, tally, write_own_rows)
    from kg.rdf import GraphWriter, plan_files
    from kg.shared import merge_derived, merge_tables, write_run
    from loaders import extract_file

    if spill:
        monkeypatch.setattr(kg.shared, "SORT_RUN", 7)
        monkeypatch.setattr(kg.shared, "FRAME", 3)
    examples = ROOT / "examples"
    paths = sorted(examples.glob("*.txt")) + sorted((examples / "dev").glob("d0*.txt"))
    files = [(p.name, extract_file(p)) for p in paths]
    writer = GraphWriter("test")
    corpus = writer.write(files)
    whole = summarise(project_graphs((g.name.value, g.quads) for g in corpus.graphs.values()))
    plans = plan_files(files)
    owned = {iri: k for k, plan in enumerate(plans) for iri in plan.iris}
    owned.update({source_iri(name): k for k, (name, _) in enumerate(files)})

    graphs = {g.name.value: g for g in corpus.file_graphs()}
    chunks: dict[int, list] = {}
    for k, ((name, _), plan) in enumerate(zip(files, plans)):
        g = graphs[source_iri(name)]
        part = project_graphs([(g.name.value, g.quads)])
        owns = Owners.of_file(name, plan.iris)
        own, rest = split_own(part, lambda uri: owns(uri) is not None)
        chunks.setdefault(chunk_of(name), []).append((k, own, rest, tally(part)))
    assert len(chunks) > 3
    runs = []
    for c in sorted(chunks):  # each chunk's partial, as kg.parts._chunk_partial makes it
        within = CorpusMerge(lambda uri: None)
        for _, _, rest, counts in chunks[c]:
            within.add_rest(rest, counts)
        runs.append(tmp_path / "runs" / f"{c}.rows")
        write_run(runs[-1], within.settled(), within.tally)
    shared = TableWriter(tmp_path, part_name(None))  # as a build runs them: the tables and the derived counts
    pending = merge_tables(runs, Owners(owned), shared)  # apart, each with a writer of its own
    counts = TableWriter(tmp_path, part_name(None))
    merge_derived(runs, Owners(owned), counts, tmp_path)
    counts.close()
    shared.close()
    for c in sorted(chunks):
        part = TableWriter(tmp_path, part_name(c))
        write_own_rows(((own, pending.pop(k, {})) for k, own, _, _ in chunks[c]), part)
        part.close()
    assert not pending
    streamed = read_tables(tmp_path)

    def rows(groups, label):
        return sorted(json.dumps({k: v for k, v in r.items() if v is not None}, ensure_ascii=False, sort_keys=True)
                      for r in groups.get(label, []))

    cited_loaded = [r for r in whole.nodes["Document"] if r.get("kind") == "loaded" and len(r["sources"]) > 1]
    assert cited_loaded  # the case the owner rule is for is in the corpus
    assert len(whole.rels["LEADS_ON"]) > 7 and len(whole.rels["SHARES_TASKS"]) > 7  # more than one sorted run
    assert len(whole.rels["USED_ON"]) > 7 and any(r["tasks_city"] for r in whole.nodes["Instrument"])
    for label in whole.nodes:
        assert rows(streamed.nodes, label) == rows(whole.nodes, label), label
    for rtype in whole.rels:
        assert rows(streamed.rels, rtype) == rows(whole.rels, rtype), rtype


def test_instrument_counts_are_per_level_of_the_task_s_document_and_per_topic_of_the_task_or_its_documents():
    """Tasks using an instrument, counted once each, by their document's level (no level: tasks_no_level) and by
    every topic of the task, its document or a document that one is part of (up to three levels up)."""
    from kg.projection import NODE_SCHEMA, REL_SCHEMA, PropertyGraph, derived_rows, tally

    pg = PropertyGraph(nodes={k: [] for k in NODE_SCHEMA}, rels={k: [] for k in REL_SCHEMA})

    def rel(rtype, a, b):
        pg.rels[rtype].append({"from": a, "to": b})

    pg.nodes["Document"] += [{"uri": "plan", "level": "national"}, {"uri": "annex", "level": "national"},
                             {"uri": "notice", "level": None}]
    rel("PART_OF", "annex", "plan")
    rel("ABOUT", "plan", "topic/产教融合")
    rel("ABOUT", "t3", "topic/职业教育")
    for doc, task in (("plan", "t1"), ("annex", "t2"), ("notice", "t3"), ("notice", "t4")):
        rel("HAS_TASK", doc, task)
    for task, instrument in (("t1", "i/a"), ("t2", "i/a"), ("t2", "i/b"), ("t3", "i/a"), ("t4", "i/a"),
                             ("t5", "i/a")):  # t5: of no document, counted nowhere
        rel("USES_INSTRUMENT", task, instrument)
    counts = tally(pg)
    assert counts.used == {("i/a", "national"): 2, ("i/a", ""): 2, ("i/b", "national"): 1}
    assert counts.used_on == {("i/a", "topic/产教融合", "national"): 2, ("i/b", "topic/产教融合", "national"): 1,
                              ("i/a", "topic/职业教育", ""): 1}
    instruments = [{"uri": "i/a"}, {"uri": "i/b"}, {"uri": "i/c"}]
    derived = derived_rows(counts, [], {"topic/产教融合"}, [], [], instruments)
    zero = {"tasks_national": 0, "tasks_province": 0, "tasks_city": 0, "tasks_county": 0, "tasks_no_level": 0}
    assert instruments == [{"uri": "i/a", **zero, "tasks_national": 2, "tasks_no_level": 2},
                           {"uri": "i/b", **zero, "tasks_national": 1}, {"uri": "i/c", **zero}]
    assert [(r["from"], r["to"], r["tasks_national"], r["tasks_no_level"]) for r in derived["USED_ON"]] == [
        ("i/a", "topic/产教融合", 2, 0), ("i/b", "topic/产教融合", 1, 0)]  # 职业教育 is no Topic node here


def test_merging_fills_what_one_file_leaves_empty_whichever_file_comes_first(tmp_path):
    """Two files name one city government; only one gives its functional type (its 政府 suffix was read there).
    Projecting the merged triples gives the type, so the merge of the files' rows must too, in either order
    (build partials merge chunk by chunk, not in file order); sources are the union."""
    import shutil

    from kg.projection import NODE_SCHEMA, REL_SCHEMA, CorpusMerge, PropertyGraph, Tally, TableWriter, part_name, \
        read_tables
    from kg.shared import merge_tables, write_run

    uri = "https://w3id.org/policykg/id/agency/371700/菏泽市人民政府"

    def rows(functional_type, source):
        pg = PropertyGraph(nodes={k: [] for k in NODE_SCHEMA}, rels={k: [] for k in REL_SCHEMA})
        pg.nodes["Agency"].append({"uri": uri, "name": "菏泽市人民政府", "aliases": [], "functional_type": functional_type,
                                   "jurisdiction": "菏泽市", "sources": [source]})
        return pg

    for first_empty in (True, False):
        order = (rows(None, "a.txt"), rows("政府", "b.txt"))[::1 if first_empty else -1]
        merged = CorpusMerge(lambda u: None)
        for part in order:
            merged.add_rest(part, Tally())
        [row] = merged.settled().nodes["Agency"]
        assert row["functional_type"] == "政府" and row["sources"] == ["a.txt", "b.txt"]
        # the same across chunks of files: their runs merged out of core (kg.shared)
        runs = [tmp_path / f"{k}.rows" for k in range(2)]
        order = (rows(None, "a.txt"), rows("政府", "b.txt"))[::1 if first_empty else -1]  # the merge above filled them
        for run, part in zip(runs, order):
            write_run(run, part, Tally())
        writer = TableWriter(tmp_path / "out", part_name(None))
        assert merge_tables(runs, lambda u: None, writer) == {}
        writer.close()
        [row] = read_tables(tmp_path / "out").nodes["Agency"]
        assert row["functional_type"] == "政府" and row["sources"] == ["a.txt", "b.txt"]
        shutil.rmtree(tmp_path / "out")


def test_the_derived_counts_read_a_shared_agencys_name_as_the_merged_row_has_it():
    """merge_derived takes an agency's name and a jurisdiction's name and level without combining the rows (their
    sources and aliases): the first value in chunk order that is not None — what _combined leaves in the row the
    tables' merge writes, an empty name included."""
    import copy
    import itertools

    from kg.shared import _combined, _first

    values = [None, "", "菏泽市人民政府", "菏泽市政府"]
    for names in itertools.product(values, repeat=3):
        rows = [{"uri": "a", "name": n, "sources": [f"{k}.txt"], "aliases": []} for k, n in enumerate(names)]
        assert _first(rows, "name") == _combined(copy.deepcopy(rows))["name"], names


def test_the_overview_selection_read_from_the_database_is_the_one_drawn_from_the_rows(built_seeds):
    """The overview's best-connected nodes are counted by the embedded database (the rows are never whole in
    memory): the same nodes, properties and relationships as the selection over the rows."""
    import json

    from kg.projection import read_tables
    from kg.stores.ladybug import LadybugReader
    from kg.viz import Selection, ranked_overview, select, select_overview

    pg = read_tables(built_seeds)

    def plain(items):
        return sorted(json.dumps({k: v for k, v in x.items() if v is not None} if isinstance(x, dict) else
                                 [x[0], {k: v for k, v in x[1].items() if v is not None}],
                                 ensure_ascii=False, sort_keys=True) for x in items)

    with LadybugReader(built_seeds) as db:
        for room in (40, 100_000):  # the best connected; every node
            nodes, rels = select(pg, Selection(all=True, max_nodes=room))
            got_nodes, got_rels = select_overview(db.run, room)
            assert plain(got_nodes) == plain(nodes) and plain(got_rels) == plain(rels)
            # what a later build keeps it by: the documents of the tasks it shows (drawn with their jurisdiction)
            _, _, ranked = ranked_overview(db.run, room)
            shown_tasks = {n["uri"] for n in got_nodes if n["label"] == "Task"}
            assert set(ranked["documents"]) == {r["from"] for r in pg.rels["HAS_TASK"] if r["to"] in shown_tasks}
            assert (ranked["least"] is None) == (room == 100_000)  # every node shown: no last one taken by count
            if room == 40:
                assert [n["uri"] for n in got_nodes] == [n["uri"] for n in nodes]


def test_the_graph_is_a_folder_of_parts_and_the_merged_files_are_made_on_request(tmp_path, examples_dir):
    """Issue 11 item 3: every build writes the graph as per-file N-Quads parts linked from the cache (a rebuild
    writes only the changed file's part); graph.nq/.ttl/.jsonld are written while small (--merged auto) or on
    request, and `kg export -f rdf` makes the very bytes the build writes. SPARQL answers the same either way."""
    import json
    import os

    from kg.parts import export_merged
    from kg.sparql import query, load_store

    corpus = tmp_path / "corpus"
    shutil.copytree(examples_dir, corpus, ignore=shutil.ignore_patterns("dev", "lineage"))
    paths = sorted(corpus.glob("*.txt"))
    out = tmp_path / "out"
    build(paths, out, jobs=1)  # auto: five files are small, so the merged files are written too
    manifest = json.loads((out / "graph" / "parts.json").read_text("utf-8"))
    assert [e["file"] for e in manifest] == [p.name for p in paths] and all(e["documents"] for e in manifest)
    export_merged(out, tmp_path / "export")
    for name in ("graph.nq", "graph.ttl", "graph.jsonld"):
        assert (tmp_path / "export" / name).read_bytes() == (out / name).read_bytes(), name
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    named = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    merged_answers = [query(load_store(out), q).rows for q in (count, named)]
    inodes = {e["part"]: os.stat(out / "graph" / e["part"]).st_ino for e in manifest}

    changed = corpus / "002_ef8d9751ef9cfd10.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("市侨联", "市工商联"), encoding="utf-8")
    build(paths, out, jobs=1, merged="never")
    assert not any((out / name).exists() or (out / name).is_symlink()
                   for name in ("graph.nq", "graph.ttl", "graph.jsonld"))  # no link left to the previous build's
    again = {e["part"]: os.stat(out / "graph" / e["part"]).st_ino for e in manifest}
    assert [p for p in inodes if again[p] != inodes[p]] == ["002_ef8d9751ef9cfd10.txt.nq"]
    changed.write_text(changed.read_text(encoding="utf-8").replace("市工商联", "市侨联"), encoding="utf-8")
    build(paths, out, jobs=1, merged="never")
    assert [query(load_store(out), q).rows for q in (count, named)] == merged_answers
    export_merged(out, tmp_path / "export2")
    for name in ("graph.nq", "graph.ttl", "graph.jsonld"):
        assert (tmp_path / "export2" / name).read_bytes() == (tmp_path / "export" / name).read_bytes(), name
    with pytest.raises(ValueError, match="merged must be one of"):
        build(paths, out, jobs=1, merged="sometimes")


def _database_rows(folder: Path) -> dict:
    """Every node and relationship in a build's embedded database, as sorted JSON lines per label and type."""
    import json

    from kg.projection import NODE_SCHEMA, REL_SCHEMA
    from kg.stores.ladybug import LadybugReader

    def plain(value: dict) -> str:
        return json.dumps({k: v for k, v in value.items() if not k.startswith("_")}, ensure_ascii=False,
                          sort_keys=True, default=str)

    out = {}
    with LadybugReader(folder) as db:
        for label in NODE_SCHEMA:
            out[label] = sorted(plain(n) for (n,) in db.run(f"MATCH (n:{label}) RETURN n")[1])
        for rtype in REL_SCHEMA:
            out[rtype] = sorted(f"{a} {b} {plain(r)}" for a, b, r in
                                db.run(f"MATCH (a)-[r:{rtype}]->(b) RETURN a.uri, b.uri, r")[1])
    return out


def test_a_rebuild_writes_only_the_changed_files_table_part_and_equals_a_cold_build(tmp_path, examples_dir):
    """Issue 11 item 3: each table is a folder of parts; a file's own rows are in one part (by its name), so a
    rebuild after one changed file writes that file's part — and the shared part only when what the file shares
    changed — and takes every other part in place (hard links). The tables, the database and the graph equal those
    of a cold build of the same files."""
    from kg.parts import export_merged
    from kg.projection import chunk_of, part_name, read_tables

    corpus = tmp_path / "corpus"
    shutil.copytree(examples_dir, corpus)
    paths = sorted(corpus.rglob("*.txt"))
    out = tmp_path / "out"
    build(paths, out, jobs=2, merged="never")  # as a large corpus is built: the merged files only on request

    def inodes() -> dict:
        return {str(p.relative_to(out / "tables")): p.stat().st_ino for p in (out / "tables").glob("*/*.parquet")}

    def partials() -> set:
        return set((out / ".cache").glob("graph-*/partials/*/*.pickle"))

    def rebuild(old: str, new: str) -> tuple[set, set, str, str]:
        """Edit the file, build again: (the table files rewritten, the partials merged anew, how the shared facts
        were merged, how the overview was made)."""
        before, before_partials = inodes(), partials()
        changed.write_text(changed.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        report = build(paths, out, jobs=2, merged="never")
        assert report.patched_rows is not None  # the database in place, patched
        after = inodes()
        return ({name.split("/")[1] for name in after if before.get(name) != after[name]}, partials() - before_partials,
                report.shared_merge, report.overview)

    changed = corpus / "002_ef8d9751ef9cfd10.txt"
    own_part = f"{part_name(chunk_of(changed.name))}.parquet"
    # the letter's addressee: nothing the file shares with others changes — the merge of what files share is taken
    # from the cache and the shared table part stays in place
    rewritten, merged, how, overview = rebuild("市侨联", "市工商联")
    assert (rewritten, merged, how) == ({own_part}, set(), "taken from the cache (what files share is unchanged)")
    again = build(paths, out, jobs=2, merged="never")  # nothing changed: the database patched with no rows
    assert again.patched_rows == 0 and again.overview == "kept (the database patch changes nothing it counts or shows)"
    # another lead body, new to the corpus: an agency and the derived counts change — one partial merged again, the
    # shared part written, and the patch adds the agency before the counts of the pairs it shares
    rewritten, merged, how, overview = rebuild("由人社部门牵头", "由市地震局牵头")
    assert rewritten == {"shared.parquet", own_part} and len(merged) == 1 and how.endswith("(1 made anew)")
    assert overview != "kept (the database patch changes nothing it counts or shows)"  # relationships came and went

    cold = tmp_path / "cold"
    assert build(paths, cold, jobs=2).patched_rows is None
    assert read_tables(out).fingerprint() == read_tables(cold).fingerprint()
    assert _database_rows(out) == _database_rows(cold)
    export_merged(out, tmp_path / "export")
    for name in ("graph.nq", "graph.ttl", "graph.jsonld"):
        assert (tmp_path / "export" / name).read_bytes() == (cold / name).read_bytes(), name
    for gone in corpus.rglob("d01_*.txt"):  # a file gone, and one back as it was: patched again
        gone.unlink()
    changed.write_text(changed.read_text(encoding="utf-8").replace("市工商联", "市侨联").replace("由市地震局牵头", "由人社部门牵头"),
                       encoding="utf-8")
    paths = sorted(corpus.rglob("*.txt"))
    assert build(paths, out, jobs=2, merged="never").patched_rows
    assert build(paths, cold, jobs=2).patched_rows
    fresh = tmp_path / "fresh"
    build(paths, fresh, jobs=2)
    assert _database_rows(out) == _database_rows(cold) == _database_rows(fresh)
    assert read_tables(out).fingerprint() == read_tables(fresh).fingerprint()
    # the database in place damaged: the patch fails, and the database is loaded whole in a process of its own
    (out / "graph.lbug").resolve().write_bytes(b"not a database" * 1000)
    changed.write_text(changed.read_text(encoding="utf-8").replace("市侨联", "市工商联"), encoding="utf-8")
    report = build(paths, out, jobs=2, merged="never")
    assert report.patched_rows is None and report.database.startswith("loaded (the patch failed: the database in place")
    changed.write_text(changed.read_text(encoding="utf-8").replace("市工商联", "市侨联"), encoding="utf-8")
    assert build(paths, out, jobs=2, merged="never").patched_rows is not None  # the loaded one patches again
    assert _database_rows(out) == _database_rows(fresh)


def test_the_overview_is_kept_only_when_a_patch_changes_nothing_it_counts_or_shows():
    """kg.viz.keeps_overview: the overview of the build in place holds after a patch when no node or drawn
    relationship came or went and no changed row is at a node it shows; derived counts are not drawn."""
    from kg.projection import TableDelta
    from kg.viz import keeps_overview

    shown = {"doc/a", "agency/x"}
    doc = {"uri": "doc/b", "name": "b"}
    assert keeps_overview(TableDelta(), shown)
    assert keeps_overview(TableDelta(written={("node", "Document"): [doc]}, changed={("node", "Document"): {"doc/b"}}),
                          shown)
    assert not keeps_overview(TableDelta(written={("node", "Document"): [{**doc, "uri": "doc/a"}]},
                                         changed={("node", "Document"): {"doc/a"}}), shown)  # a node it shows
    assert not keeps_overview(TableDelta(written={("node", "Document"): [doc]}), shown)  # a new node
    assert not keeps_overview(TableDelta(removed={("node", "Task"): ["doc/b/task/1"]}), shown)
    lead = {"from": "agency/y", "to": "doc/b/task/1"}
    assert not keeps_overview(TableDelta(written={("rel", "LEADS"): [lead]}), shown)  # a new relationship
    assert not keeps_overview(TableDelta(removed={("rel", "LEADS"): [("agency/y", "doc/b/task/1")]}), shown)
    assert keeps_overview(TableDelta(written={("rel", "LEADS"): [lead]}, changed={("rel", "LEADS"): {
        ("agency/y", "doc/b/task/1")}}), shown)  # a changed quote between nodes it does not show
    assert keeps_overview(TableDelta(written={("rel", "LEADS"): [{**lead, "from": "agency/x"}]}, changed={
        ("rel", "LEADS"): {("agency/x", "doc/b/task/1")}}), shown)  # at a node it shows, to one it does not: not drawn
    assert not keeps_overview(TableDelta(written={("rel", "CITES"): [{"from": "doc/a", "to": "agency/x"}]}, changed={
        ("rel", "CITES"): {("doc/a", "agency/x")}}), shown)  # between two it shows: drawn
    assert keeps_overview(TableDelta(replaced={"SHARES_TASKS"}, removed={("rel", "SHARES_TASKS"): [("a", "b")]}), shown)


def test_new_rows_keep_the_overview_while_their_nodes_rank_below_the_last_one_taken_by_its_count():
    """A patch that adds rows keeps the overview when none is at a node it shows and each node at one still ranks
    below the last node the selection took by its count (ties by uri); the database is asked only for those
    nodes' counts."""
    from kg.projection import TableDelta
    from kg.viz import keeps_overview

    shown = {"doc/a", "agency/x"}
    least = [5, "agency/m"]
    lead = {"from": "agency/y", "to": "doc/b/task/1"}
    new_lead = TableDelta(written={("rel", "LEADS"): [lead]})
    asked = []

    def counts(found):
        def degrees(uris):
            asked.append(uris)
            return {u: found[u] for u in uris if u in found}
        return degrees

    assert keeps_overview(new_lead, shown, least, counts({"agency/y": 4, "doc/b/task/1": 2}))
    assert asked == [["agency/y", "doc/b/task/1"]]
    assert keeps_overview(new_lead, shown, least, counts({"agency/y": 5, "doc/b/task/1": 2}))  # a tie, a later uri
    assert not keeps_overview(new_lead, shown, [5, "agency/z"], counts({"agency/y": 5}))  # a tie, an earlier uri
    assert not keeps_overview(new_lead, shown, least, counts({"agency/y": 6}))  # would be taken now
    assert not keeps_overview(new_lead, shown, None, counts({}))  # every node shown, or the room not full by counts
    assert not keeps_overview(new_lead, shown)
    assert not keeps_overview(TableDelta(written={("rel", "LEADS"): [{**lead, "from": "agency/x"}]}), shown, least,
                              counts({}))  # a count of a node it shows grew: its order may change
    new_node = TableDelta(written={("node", "Agency"): [{"uri": "agency/new"}]})
    assert keeps_overview(new_node, shown, least, counts({}))  # no relationship yet
    gone = TableDelta(removed={("rel", "LEADS"): [("agency/y", "doc/b/task/1")], ("node", "Agency"): ["agency/y"]})
    assert keeps_overview(gone, shown, least, counts({}), full=True)  # counts of nodes it does not show fell
    assert not keeps_overview(gone, shown, least, counts({}))  # perhaps no more nodes than room: every node shown
    assert not keeps_overview(gone, shown, None, counts({}), full=True)  # not a selection by counts
    assert not keeps_overview(TableDelta(removed={("rel", "LEADS"): [("agency/x", "doc/b/task/1")]}), shown, least,
                              counts({}), full=True)  # a count of a node it shows fell


@pytest.mark.parametrize("room, kept", [(10, True), (30, False)])
def test_an_overview_kept_after_a_patch_is_the_one_a_selection_over_the_patched_database_gives(
        tmp_path, examples_dir, room, kept):
    """Issue 11 item 3: the overview only when its selection changes. A body added to a task's list (new rows at
    nodes the page does not show) keeps the page without counting every node when they rank below its last node
    (room 10), and draws it again when they no longer do (room 30); taken out again (rows gone), the page is kept
    or drawn back as at first. Every time the page in place is the selection a full count over the patched
    database gives."""
    import json

    import kg.build as B
    from kg.publish import current_build
    from kg.stores.ladybug import DB_NAME, LadybugReader
    from kg.viz import ranked_overview

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in sorted(examples_dir.glob("0*.txt")):
        shutil.copy(p, corpus / p.name)
    paths, out = sorted(corpus.iterdir()), tmp_path / "out"

    def in_place() -> dict:  # the state of the overview in place
        return json.loads((current_build(out) / B.OVERVIEW_STATE).read_text("utf-8"))

    def counted_again() -> dict:  # the selection a full count over the database in place gives
        with LadybugReader(current_build(out) / DB_NAME) as db:
            nodes, rels, ranked = ranked_overview(db.run, room)
        return {"key": B.overview_key(nodes, rels), "uris": [n["uri"] for n in nodes], **ranked}

    build(paths, out, jobs=1, validate=False, merged="never", overview_nodes=room)
    first = in_place()
    changed = corpus / "002_ef8d9751ef9cfd10.txt"
    text = changed.read_text(encoding="utf-8")
    assert "教育体育、工业信息等部门配合" in text
    changed.write_text(text.replace("教育体育、工业信息等部门配合", "教育体育、工业信息、财政等部门配合"), encoding="utf-8")
    report = build(paths, out, jobs=1, validate=False, merged="never", overview_nodes=room)
    assert report.patched_rows  # new rows: the database in place patched
    assert (report.overview == "kept (the database patch changes nothing it counts or shows)") == kept
    state, counted = in_place(), counted_again()
    assert (state["key"], state["least"], state["uris"]) == (counted["key"], counted["least"], counted["uris"])
    assert state["least"] is not None and state["room"] == room
    changed.write_text(text, encoding="utf-8")  # as it was: the rows go again
    report = build(paths, out, jobs=1, validate=False, merged="never", overview_nodes=room)
    assert report.patched_rows  # rows gone: kept without counting every node (room 10), or drawn as at first
    assert (report.overview == "kept (the database patch changes nothing it counts or shows)") == kept
    state, counted = in_place(), counted_again()
    assert (state["key"], state["least"]) == (counted["key"], counted["least"]) == (first["key"], first["least"])
    other = build(paths, out, jobs=1, validate=False, merged="never", overview_nodes=room + 1)
    assert other.overview == "drawn"  # another room: another selection, never the page in place


def test_the_shared_triples_are_merged_as_lines_because_a_serialised_triple_is_its_text():
    """The build deduplicates the files' shared triples as N-Triples lines, without parsing them: that holds while
    Oxigraph writes each triple on one line exactly as str(triple) + ' .' — also for literals with line and
    paragraph separators, quotes, escapes and characters beyond the BMP (split on newlines only)."""
    import pyoxigraph as ox

    odd = ["x\u2028y\u2029z", "a\x85b", 'say "hi"\\now', "line\nbreak\ttab\r", "\x1c\x00", "𠮷野家", "曲靖市"]
    triples = [ox.Triple(ox.NamedNode("https://w3id.org/policykg/id/agency/x/局"), ox.NamedNode("http://p"),
                         ox.Literal(text, language="zh") if k % 2 else ox.Literal(text)) for k, text in enumerate(odd)]
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    assert text.split("\n")[:-1] == [f"{t} ." for t in triples] and text.endswith("\n")


def test_streamed_tables_give_the_rows_counts_and_stamp_of_the_tables_read_whole(built_seeds):
    """kg sync neo4j reads the tables part by part (StreamedTables): the same rows in the same order, the same counts
    and the same sync stamp as read_tables, which holds them all in memory."""
    from kg.projection import StreamedTables, read_tables

    whole, streamed = read_tables(built_seeds), StreamedTables(built_seeds)
    assert streamed.counts() == whole.counts()
    assert streamed.fingerprint() == whole.fingerprint()
    for label in whole.nodes:
        assert list(streamed.nodes[label]) == whole.nodes[label]
    for rtype in whole.rels:
        assert list(streamed.rels[rtype]) == whole.rels[rtype]


def test_what_a_file_shares_hashes_the_same_in_every_process(tmp_path):
    """A file's shared_key (the hash of its shared triples and rows) names the cached partial merges: it must not
    depend on the process's string hashing (PYTHONHASHSEED), or a rebuild would merge every chunk again."""
    import json
    import os

    script = """
import json, sys
from pathlib import Path
from kg import build as B
from kg.rdf import plan_corpus
out = Path(sys.argv[1])
log = B.KeyLog(out)
outs = B.extract_all(sorted(Path("examples").glob("*.txt")), out, jobs=1, log=log)
files = [(o.path.name, o.cache_entry, log.read(o.summary.at)) for o in outs]
keys = [B._graph_one((n, str(c), p, str(out / "g" / n), False, {}))[1]["shared_key"]
        for (n, c, _), p in zip(files, plan_corpus([(n, k) for n, _, k in files]))]
print(json.dumps(keys))
"""
    runs = [subprocess.run([sys.executable, "-c", script, str(tmp_path / seed)], capture_output=True, text=True,
                           cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2")]
    assert runs[0] == runs[1] and len(json.loads(runs[0])) == 5


def test_partials_made_by_other_merge_code_are_not_reused(tmp_path, monkeypatch):
    """The partials and the merge taken from the cache name the code that made them (kg.parts, kg.shared), which is
    not in the graph cache's fingerprint: a change to how files' shared facts are merged must merge them again."""
    from types import SimpleNamespace

    import kg.parts as parts

    graphs = [SimpleNamespace(shared_key="k1", iris=()), SimpleNamespace(shared_key="k2", iris=())]
    names = ["a.txt", "b.txt"]
    before = parts.partial_paths(tmp_path, names, graphs)
    monkeypatch.setattr(parts, "merge_code", lambda: "other code")
    after = parts.partial_paths(tmp_path, names, graphs)
    assert before.keys() == after.keys() and all(before[c][0] != after[c][0] for c in before)
    owners = parts.owners_key(names, graphs)
    assert parts.merge_key(before, owners) != parts.merge_key(after, owners)


def test_a_shared_part_that_cannot_be_linked_is_written_again_in_a_process_of_its_own(tmp_path, examples_dir,
                                                                                        monkeypatch):
    """A rebuild whose merge comes from the cache takes the shared table part from the build in place by a hard
    link; where that cannot be done (a file system without hard links), the part is written again from the chunks'
    runs — in a process of its own, as the merge it repeats (issue 11: its buffers and the ownership map are never
    this process's). The tables equal the first build's."""
    import kg.build as B
    import kg.parts as parts

    paths = sorted(examples_dir.glob("0*.txt"))
    out = tmp_path / "out"
    build(paths, out, jobs=1, validate=False, merged="never")
    first = read_tables(out).fingerprint()
    calls, real, real_start = [], B.run_isolated, B.start_isolated

    def spy(func, *args, **kw):
        calls.append(func.__name__)
        return real(func, *args, **kw)

    def spy_start(func, *args, **kw):
        calls.append(func.__name__)
        return real_start(func, *args, **kw)

    monkeypatch.setattr(B, "run_isolated", spy)
    monkeypatch.setattr(B, "start_isolated", spy_start)
    monkeypatch.setattr(parts, "_link_part", lambda *args: False)
    report = build(paths, out, jobs=1, validate=False, merged="never")
    assert report.shared_merge == "taken from the cache (what files share is unchanged)"
    assert "_write_shared_part" in calls
    assert not {"_merge_what_files_say", "_merge_derived_counts", "_shared_triples"} & set(calls)
    assert not list(out.glob(f"**/{B.OWNED_FILE}"))  # the ownership map's file is not left in the build
    assert read_tables(out).fingerprint() == first


def test_what_files_share_is_merged_in_a_process_of_its_own(tmp_path, examples_dir, monkeypatch):
    """The merge's buffers (a frame of every run, a row group of every table, the external sorts' batches) are held
    by fresh processes and given back when each ends: the build's own process, which keeps its per-file index to
    the end, must not carry them under its later peaks (issue 11: peak memory). The tables' merge and the
    derived counts' run while the triples are merged and validated, each in a process of its own (none needs
    another's result; each runs on one core) — and the triples go on beside the table parts and the database,
    collected last. Same graph as ever (the other tests)."""
    import kg.build as B

    steps, events, owned = [], [], {}
    real, real_start = B.run_isolated, B.start_isolated

    def spy(func, *args, **kw):
        events.append(("run", func.__name__))
        value = real(func, *args, **kw)
        steps.append((func.__name__, value))
        return value

    def spy_start(func, *args, **kw):
        if func.__name__ == "_merge_what_files_say":
            owned.update(B._read_owned(args[1]))
        events.append(("start", func.__name__))
        step = real_start(func, *args, **kw)
        collect = step.result

        def result():
            value = collect()
            events.append(("result", func.__name__))
            steps.append((func.__name__, value))
            return value

        step.result = result
        return step

    monkeypatch.setattr(B, "run_isolated", spy)
    monkeypatch.setattr(B, "start_isolated", spy_start)
    # the Tianjin plan says things of the national plan it implements, a node the national file owns
    dev = [examples_dir / "dev" / name for name in ("d03_guojia_zhijiaogaige.txt", "d09_tianjin_zhijiao.txt")]
    inputs = sorted(examples_dir.glob("0*.txt")) + dev
    report = build(inputs, tmp_path / "out", jobs=1, merged="never")
    merged = [value for name, value in steps if name == "_merge_what_files_say"]
    assert len(merged) == 1
    # the triples (merged, then validated, in one process of their own) started first, then the derived counts and
    # the tables, each in a process of its own; the rows collected, the database loaded, the triples collected last
    assert events[:6] == [("start", "_shared_triples"), ("start", "_merge_derived_counts"),
                          ("start", "_merge_what_files_say"), ("result", "_merge_what_files_say"),
                          ("result", "_merge_derived_counts"), ("run", "_load")]
    assert events.index(("result", "_shared_triples")) > events.index(("run", "_load"))
    # who owns which node reaches the merge's process as a file the build wrote a file at a time (the map is never
    # made in this process: ~30 MB at 100k files): every file's source and its documents; not left in the build
    assert sorted(set(owned.values())) == list(range(len(inputs)))
    assert len(owned) >= len(inputs) + report.document_count
    assert not list((tmp_path / "out").glob(f"**/{B.OWNED_FILE}"))
    said, sizes = merged[0]
    [(triples, across, validated, _)] = [value for name, value in steps if name == "_shared_triples"]
    assert triples > 0 and report.triples > triples  # the shared triples, counted in the child, are in the total
    assert across.conforms and validated == 1 and report.conforms
    assert list((tmp_path / "out").glob("**/tables/Agency/shared.parquet"))  # the child wrote the shared part
    # what files say of other files' nodes stays on disk, a file per chunk for the table parts' writers: only a
    # hash per file comes back (at 100k the rows were the largest thing this process held)
    assert said and all(isinstance(k, int) and len(h) == 16 for k, h in said.items())
    written = {}
    for path in (tmp_path / "out").glob(".cache/graph-*/merged/*/*.pending/*.pickle"):
        written.update(pickle.loads(path.read_bytes()))
    assert {k: pending_digest(e) for k, e in written.items()} == said
    # and the table parts' writers read them: the owner's row carries the other file's sources
    tables = read_tables(tmp_path / "out")
    for entries in written.values():
        for kind, table, *key in entries:
            sources = entries[(kind, table, *key)][3]
            rows = tables.nodes[table] if kind == "node" else tables.rels[table]
            [row] = [r for r in rows if ([r["uri"]] if kind == "node" else [r["from"], r["to"]]) == key]
            assert sources <= set(row["sources"])
    assert sizes and all(n > 0 for n in sizes.values())
    # the same merge is then taken from the cache — but not when its files are cut short (written without a flush
    # each, as a power cut can leave them) or gone: merged again, the same tables
    again = build(sorted(examples_dir.glob("0*.txt")) + dev, tmp_path / "out", jobs=1, merged="never")
    assert again.shared_merge.startswith("taken from the cache")
    for path in (tmp_path / "out").glob(".cache/graph-*/merged/*/*.pending/*.pickle"):
        path.write_bytes(path.read_bytes()[:10])
    again = build(sorted(examples_dir.glob("0*.txt")) + dev, tmp_path / "out", jobs=1, merged="never")
    assert again.shared_merge.startswith("merged from")
    assert read_tables(tmp_path / "out").fingerprint() == tables.fingerprint()


def test_the_database_and_the_overview_are_made_in_processes_of_their_own(tmp_path, examples_dir, monkeypatch):
    """Loading the database and drawing the overview each hold a 1 GB buffer pool and what they read: in one
    process they added up (2.05 GB at 100k, 1.3 and 1.7 GB apart), so each runs in a fresh process — and a rebuild
    whose patch changes nothing the page shows takes it from the build in place without a process to ask the
    database."""
    import kg.build as B

    steps = []
    real = B.run_isolated

    def spy(func, *args, **kw):
        steps.append(func.__name__)
        return real(func, *args, **kw)

    monkeypatch.setattr(B, "run_isolated", spy)
    files, out = sorted(examples_dir.glob("0*.txt")), tmp_path / "out"
    report = build(files, out, jobs=1)
    assert steps.count("_load") == 1 and steps.count("_overview") == 1 and report.overview == "drawn"
    assert (out / "current" / "overview.html").exists() or list(out.glob("*/overview.html"))
    steps.clear()
    again = build(files, out, jobs=1)
    assert "_load" in steps and "_overview" not in steps  # (small builds merge again: they write the merged files)
    assert again.overview.startswith("kept") and again.patched_rows == 0


def test_a_change_to_the_extraction_code_makes_again_only_the_graphs_of_files_whose_records_change(
        tmp_path, examples_dir, monkeypatch):
    """Phase B's cache is keyed by each file's records (a hash of them in its extraction summary), not by the
    extraction code: new extraction code that gives the same records for four files and other records for one
    extracts every file again, then makes one graph — and the build equals a cold build with that code."""
    import kg.build as B
    import kg.extraction
    from kg.extraction import extract_one

    paths = sorted(examples_dir.glob("0*.txt"))
    out = tmp_path / "out"
    build(paths, out, jobs=1, merged="never")

    def graph_entries() -> list[str]:  # the graph cache's entries, by their key
        return sorted(p.parent.name for p in (out / ".cache").glob("graph-*/*/*/meta.json"))

    before = graph_entries()
    assert len(before) == 5

    def other_code(path, max_mb):  # a title read differently in one file
        result = extract_one(path, max_mb)
        if path.name == paths[2].name:
            result.documents[0].title = result.documents[0].title + "（修订）"
        return result

    monkeypatch.setattr(B, "extractor_fingerprint", lambda: "other-extraction-code")
    monkeypatch.setattr(kg.extraction, "extract_one", other_code)  # kg.build imports it where files are extracted
    report = build(paths, out, jobs=1, merged="never")
    assert not any(f.cached for f in report.files)  # extracted again: the extraction cache is the new code's
    after = graph_entries()
    assert len(set(after) - set(before)) == 1 and set(before) <= set(after)
    cold = build(paths, tmp_path / "cold", jobs=1, merged="never")
    assert (cold.triples, cold.nodes, cold.relationships) == (report.triples, report.nodes, report.relationships)
    assert read_tables(out).fingerprint() == read_tables(tmp_path / "cold").fingerprint()
    assert (out / "documents.jsonl").read_bytes() == (tmp_path / "cold" / "documents.jsonl").read_bytes()
    assert sorted(p.name for p in (out / "graph").iterdir()) == sorted(p.name for p in (tmp_path / "cold" / "graph").iterdir())
    for part in (out / "graph").iterdir():
        assert part.read_bytes() == (tmp_path / "cold" / "graph" / part.name).read_bytes(), part.name


def test_the_graph_cache_fingerprint_covers_every_part_of_loaders_that_phase_b_runs():
    """The graph cache's fingerprint hashes kg's graph modules and the loaders modules they import (GRAPH_LOADERS),
    not the extraction rules; every loaders module reached from kg's graph modules — directly, through other kg
    modules, or through loaders' own imports — must be listed, else a change to it would serve stale graphs."""
    import ast

    import kg.build as B

    kg_dir, loaders_dir = ROOT / "kg", ROOT / "loaders"

    def imports(path: Path) -> tuple[set[str], set[str]]:
        """(kg modules, loaders modules) a module imports, anywhere in it."""
        own = path.parent.name
        kg_mods, loader_mods = set(), set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                base = (own if node.level else "") + ("." if node.level and node.module else "") + (node.module or "")
                names = [base] if node.module else [f"{own}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                top, _, rest = name.partition(".")
                if top == "kg" and rest:
                    kg_mods.add(rest.split(".")[0])
                elif top == "loaders" and rest:
                    loader_mods.add(rest.split(".")[0])
        return kg_mods, loader_mods

    # kg's graph modules, and the loaders module phase B's worker (kg.build._graph_one) reads the records with
    todo = [kg_dir / name for name in B.GRAPH_MODULES] + [loaders_dir / "serialize.py"]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        assert path.exists(), path
        seen.add(path)
        kg_mods, loader_mods = imports(path)
        todo += [kg_dir / f"{m}.py" for m in kg_mods]
        todo += [loaders_dir / f"{m}.py" for m in loader_mods]
    reached = {p.name for p in seen if p.parent == loaders_dir}
    assert reached <= set(B.GRAPH_LOADERS), sorted(reached - set(B.GRAPH_LOADERS))
    assert {"records.py", "patterns.py", "vocab.py"} <= reached  # the walk reaches what kg.rdf and kg.identity use
    assert "extract.py" not in B.GRAPH_LOADERS


def test_the_caches_of_earlier_code_are_removed_once_a_build_is_in_place(tmp_path, examples_dir):
    """Each change to the extraction or graph code starts new cache folders (4–6 GB at 10k files, ~39 GB at 100k)
    that nothing reads again: a build in place removes those of other fingerprints — not its own, not other
    folders, not when it publishes nothing (every input failed) — and keeps them with keep_caches (--keep-caches), the
    CLI saying what it removed. The build after the removal is served from its own caches."""
    import kg.build as B

    paths = sorted(examples_dir.glob("0*.txt"))[:2]
    out = tmp_path / "out"
    build(paths, out, jobs=1, merged="never")
    cache = out / ".cache"
    mine = sorted(p.name for p in cache.iterdir())
    assert mine == sorted([f"extract-{B.extractor_fingerprint()}", B._graph_root(out).name])

    def earlier() -> list[str]:
        names = ["extract-0123456789abcdef", "graph-fedcba9876543210"]
        for name in names:
            (cache / name / "ab").mkdir(parents=True, exist_ok=True)
            (cache / name / "ab" / "entry.json").write_bytes(b"x" * 1000)
        (cache / "notes").mkdir(exist_ok=True)  # not a cache of the build's: left alone
        return names

    old = earlier()
    report = build(paths, out, jobs=1, merged="never", keep_caches=True)
    assert report.pruned == ([], 0) and set(old) <= {p.name for p in cache.iterdir()}
    report = build(paths, out, jobs=1, merged="never", max_mb=1e-6)  # every input fails: nothing published
    assert report.kept_previous and report.pruned == ([], 0) and set(old) <= {p.name for p in cache.iterdir()}
    report = build(paths, out, jobs=1, merged="never")
    assert report.pruned == (old, 2000) and all(f.cached for f in report.files)
    assert sorted(p.name for p in cache.iterdir()) == sorted(mine + ["notes"])
    # the CLI says so
    earlier()
    done = subprocess.run([sys.executable, "-m", "kg", "build", *map(str, paths), "--out", str(out), "--jobs", "1",
                           "--merged", "never"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "removed 2 cache folder(s) of earlier code (0.0 GB; --keep-caches keeps them)" in done.stderr
    assert sorted(p.name for p in cache.iterdir()) == sorted(mine + ["notes"])


def test_plans_read_each_files_keys_once_for_the_index_and_once_for_its_plan():
    """kg.rdf.plan_stream reads a file's keys back from disk (kg.build.KeyLog) each time it needs them: the index
    of the corpus counts the IRIs in its one pass (at 10k a separate counting pass was a quarter of the reads);
    only when documents contest an IRI are the keys read for the claims and the index again — and every plan is
    then what it was with a pass of its own."""
    from kg.identity import DocumentKey
    from kg.rdf import contested_document_iris, plan_stream

    def key(source, n, iri, title, cites=()):
        return DocumentKey(f"{source}#{n}", source, iri, None, title, tuple(cites))

    def plans(files):
        reads = []

        def keys_of(f):
            reads.append(f)
            return files[f][1]
        got = list(plan_stream([name for name, _ in files], keys_of))
        return got, sorted(reads)

    plain = [("a.txt", [key("a.txt", 0, "doc/a", "甲方案", [(None, "乙意见")])]),
             ("b.txt", [key("b.txt", 0, "doc/b", "乙意见")]),
             ("c.txt", [key("c.txt", 0, "doc/c", "丙通知", [(None, "甲方案")])])]
    got, reads = plans(plain)
    assert [p.citations for p in got] == [(("doc/b",),), ((),), (("doc/a",),)]
    assert reads.count(1) == 2 + 1 and reads.count(0) == 2 + 1 and reads.count(2) == 2  # index, plan, cited
    contested = plain + [("d.txt", [key("d.txt", 0, "doc/b", "乙意见")])]  # the same document saved twice
    got, reads = plans(contested)
    assert [p.iris for p in got][1::2] == [("doc/b/in/b.txt",), ("doc/b/in/d.txt",)]
    assert got[0].citations == ((min("doc/b/in/b.txt", "doc/b/in/d.txt"),),)
    assert reads.count(2) == 4  # the index, the claims, the index again, its plan
    assert contested_document_iris([n for n, _ in contested], lambda f: contested[f][1]) == {
        (1, 0): "doc/b/in/b.txt", (3, 0): "doc/b/in/d.txt"}
