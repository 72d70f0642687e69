"""The merge of what files share updated in place (kg.shared_delta) gives what the whole merge gives."""
from __future__ import annotations

import json
import pickle
import random
import shutil
from collections import Counter

from kg.build import _graph_root, _merge_path, _pending_dir, build
from kg.parts import TABLES_STATE
from kg.projection import NODE_SCHEMA, REL_SCHEMA, SHARED_PART, PropertyGraph, Tally
from kg.publish import current_build

UPDATED = "1 changed, updated in place"


def test_a_run_looks_keys_up_in_the_frames_that_can_hold_them(tmp_path, monkeypatch):
    """RunReader.lookup bisects the frames' first keys: for any keys — present, absent, before the first and after
    the last — it finds what reading the whole section finds."""
    import kg.shared
    from kg.shared import LED, LED_ON, RunReader, write_run

    monkeypatch.setattr(kg.shared, "FRAME", 3)
    rng = random.Random(7)
    agencies = [f"https://e.org/agency/{n:03d}" for n in range(0, 200, 3)]
    rows = PropertyGraph({k: [] for k in NODE_SCHEMA}, {k: [] for k in REL_SCHEMA})
    rows.nodes["Agency"] = [{"uri": a, "name": a[-3:], "sources": ["f.txt"]} for a in agencies]
    counts = Tally(led=Counter({a: rng.randint(1, 9) for a in agencies[::2]}),
                   led_on=Counter({(a, t): 1 for a in agencies for t in ("t1", "t2")}))
    path = tmp_path / "run.rows"
    write_run(path, rows, counts)
    reader = RunReader(path)
    try:
        asked = [f"https://e.org/agency/{n:03d}" for n in range(-1, 202)] + ["", "~"]
        agency = kg.shared.FIRST_TABLE + kg.shared.TABLES.index(("node", "Agency"))
        for index, keys in ((LED, asked), (agency, [(a,) for a in asked]),
                            (LED_ON, [(a, t) for a in asked for t in ("t0", "t1", "t2", "t3")])):
            whole = dict(reader.section(index))
            for size in (1, 5, len(keys)):
                some = rng.sample(keys, size)
                assert reader.lookup(index, some) == {k: whole[k] for k in some if k in whole}
    finally:
        reader.close()


def _merge_outputs(out):
    """The build in place's shared table part (bytes per table) and its merge's pending rows, hashes and sizes."""
    build_folder = current_build(out)
    tables = {p.parent.name: p.read_bytes() for p in (build_folder / "tables").glob(f"*/{SHARED_PART}.parquet")}
    key = json.loads((build_folder / TABLES_STATE).read_text("utf-8"))[SHARED_PART]
    merge = pickle.loads(_merge_path(_graph_root(out), key).read_bytes())
    pending = {p.name: pickle.loads(p.read_bytes()) for p in _pending_dir(_graph_root(out), key).glob("*.pickle")}
    return tables, pending, merge.said, merge.pending_sizes


def test_a_few_changed_chunks_update_the_merge_in_place_as_the_whole_merge_would(tmp_path, examples_dir):
    """Issue 11 item 3: after an edit that changes what one file shares, the shared table part and the rows files
    say of other files' nodes are the previous merge's with the touched keys merged again — byte for byte what a
    cold build's whole merge writes: an agency added to a task (agencies, their seats, pairs and tasks held), a
    lead changed (tasks led, LEADS_ON ranks), a citation of a loaded document dropped (what one file says of
    another's nodes), and a new place (a Jurisdiction row: left to the whole merge)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(examples_dir, corpus)
    paths = sorted(corpus.rglob("*.txt"))
    out = tmp_path / "out"
    build(paths, out, jobs=2, merged="never")
    plan = corpus / "002_ef8d9751ef9cfd10.txt"
    citing = corpus / "lineage" / "L02_jiangxi_rongzidanbao.txt"
    edits = [
        (plan, "教育体育、工业信息等部门配合", "教育体育、工业信息、县数据局等部门配合", UPDATED),
        (plan, "由人社部门牵头", "由县数据局牵头", UPDATED),
        (citing, "和《国务院办公厅关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见》（国办发〔2019〕6号）",
         "", UPDATED),
        (plan, "由县数据局牵头", "由阿勒泰市数据局牵头", "merged from"),
    ]
    said_before = _merge_outputs(out)[1]
    for n, (path, old, new, how) in enumerate(edits):
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        report = build(paths, out, jobs=2, merged="never")
        assert report.shared_merge.startswith(how), (n, report.shared_merge)
        assert report.patched_rows  # the database patched with what changed
        cold = tmp_path / f"cold{n}"
        assert build(paths, cold, jobs=2, merged="never").shared_merge.startswith("merged from")
        updated, whole = _merge_outputs(out), _merge_outputs(cold)
        assert updated[0] == whole[0], (n, [t for t in whole[0] if updated[0].get(t) != whole[0][t]])
        assert updated[1:] == whole[1:], n
        if n == 2:  # the citing file no longer says the cited document's title: its owner's pending rows changed
            assert updated[1] != said_before and any(updated[1])
        said_before = updated[1]
        shutil.rmtree(cold)
