"""What a build keeps per input file is on disk (kg.spool), read back in order: issue 11's bounded memory."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_a_spool_reads_back_records_filled_in_any_order_and_leaves_no_file(tmp_path):
    from kg.spool import BLOCK, Spool

    spool = Spool(tmp_path)
    places = [spool.reserve() for _ in range(5)]
    for k in (3, 1, 0, 4, 2):  # results of parallel work arrive out of order
        spool[places[k]] = ("record", k, "文" * k)
    spool.append({"last": True})
    assert list(spool) == [("record", k, "文" * k) for k in range(5)] + [{"last": True}]
    assert spool[-1] == {"last": True} and spool[1:3] == [("record", 1, "文"), ("record", 2, "文文")]
    spool[2] = "set again"
    assert spool[2] == "set again" and list(spool)[2] == "set again" and len(spool) == 6
    assert list(tmp_path.iterdir()) == []  # a scratch file that is gone when closed: nothing is left in a build
    with pytest.raises(IndexError):
        spool[6]
    late = spool.reserve()
    with pytest.raises(LookupError, match="never filled"):
        spool[late]
    with pytest.raises(LookupError):
        list(spool)

    rng = random.Random(7)  # records larger and smaller than a block, read in order and by index
    sizes = [rng.choice([0, 1, 100, BLOCK - 1, BLOCK + 5, 3 * BLOCK]) for _ in range(40)]
    big = Spool(tmp_path, (bytes([k]) * n for k, n in enumerate(sizes)))
    assert [len(r) for r in big] == sizes == [len(big[k]) for k in range(len(big))]
    assert all(r == bytes([k]) * n for k, (r, n) in enumerate(zip(big, sizes)))

    text = Spool.of_text(tmp_path, ["中文.txt", "lone \udc80 surrogate", ""])
    assert list(text) == ["中文.txt", "lone \udc80 surrogate", ""] and text[1] == "lone \udc80 surrogate"


def test_results_settled_out_of_order_go_into_a_spool_in_entry_order(tmp_path):
    """kg.executors.map_settling fills a spool's reserved places as results arrive; cached values (Done) between
    tasks are written as they come, not held until the task before them settles."""
    from kg.executors import Done, LocalProcesses, map_settling
    from kg.spool import Spool

    def entries():
        for k in range(60):
            yield Done(("cached", k)) if k % 3 else ((k,), k)

    spool = Spool(tmp_path)
    pool = LocalProcesses(2)
    try:
        got = map_settling(pool, _squared, entries(), lambda k, result: ("made", k, result), None, lambda a: None,
                           into=spool)
    finally:
        pool.close()
    assert got is spool
    assert list(spool) == [("cached", k) if k % 3 else ("made", k, k * k) for k in range(60)]


def _squared(args: tuple[int]) -> int:
    return args[0] ** 2


def test_a_file_whose_graph_fails_in_a_build_is_reported_and_the_rest_are_built(tmp_path, monkeypatch):
    """The outcome of a file whose graph could not be made is changed in place in the build's spool of outcomes:
    the report, build-info.json and documents.jsonl say so, and every other file is in the graph."""
    from kg import build as B

    paths = sorted((ROOT / "examples").glob("0*.txt"))[:3]
    broken = paths[1].name
    made = B._graph_one

    def failing(args):
        if args[0] == broken:
            raise RuntimeError("no graph for this one")
        return made(args)

    monkeypatch.setattr(B, "_graph_one", failing)
    report = B.build(paths, tmp_path / "out", jobs=1)
    assert [(f.name, f.error) for f in report.failed] == [
        (broken, "internal error while building this file's graph (RuntimeError: no graph for this one); "
                 "please report this file")]
    assert report.files[1].summary is None and all(f.summary for k, f in enumerate(report.files) if k != 1)
    info = json.loads((tmp_path / "out" / "build-info.json").read_text("utf-8"))
    assert [f["file"] for f in info["files_failed"]] == [broken] and info["files"] == 3
    parts = json.loads((tmp_path / "out" / "graph" / "parts.json").read_text("utf-8"))
    assert [p["file"] for p in parts] == [paths[0].name, paths[2].name]
    sources = {json.loads(line)["source"] for line in
               (tmp_path / "out" / "documents.jsonl").read_text("utf-8").splitlines()}
    assert sources == {paths[0].name, paths[2].name}


def test_a_file_is_found_by_name_among_names_on_disk_even_when_hashes_collide(tmp_path, monkeypatch):
    """Phase B finds the file a cited document is in by its name (kg.build._NameIndex: hashes in memory, names on
    disk); names whose hashes collide are told apart by reading them."""
    from kg import build as B
    from kg.spool import Spool

    names = Spool.of_text(tmp_path, [f"文件{k}.txt" for k in range(500)])
    find = B._NameIndex(names)
    assert [find(f"文件{k}.txt") for k in (0, 499, 250)] == [0, 499, 250]
    with pytest.raises(KeyError):
        find("另一个.txt")
    monkeypatch.setattr(B, "_name_hash", lambda name: len(name))  # every name of one length collides
    find = B._NameIndex(names)
    assert all(find(f"文件{k}.txt") == k for k in range(0, 500, 7))
    with pytest.raises(KeyError):
        find("文件x.txt")


def test_after_a_build_no_record_of_a_file_is_left_in_memory(tmp_path):
    """What a build keeps of each file (outcome, summary, graph entry) is read back from its spools, not held: after
    the build, none of those records is alive, and the report's files are read from disk (issue 11)."""
    import gc

    from kg import build as B
    from kg.spool import Spool

    paths = sorted((ROOT / "examples").glob("0*.txt"))
    report = B.build(paths, tmp_path / "out", jobs=1)
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, (B.FileOutcome, B.FileSummary, B.FileGraph))]
    assert alive == []
    assert isinstance(report.files, Spool) and [f.path for f in report.files] == paths
    assert report.document_count == len((tmp_path / "out" / "documents.jsonl").read_text("utf-8").splitlines())
