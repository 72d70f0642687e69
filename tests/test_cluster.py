"""`kg build --engine dask` on a local Dask cluster of 2 worker processes: the same outputs as in-process."""
import os
import time
from pathlib import Path

import pytest

from kg.build import build
from kg.executors import DaskCluster, ExecutorError, open_executor

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "examples").glob("0*.txt")) + sorted((ROOT / "examples" / "dev").glob("d0*"))
# every output but build-info.json (times) and the database file (its pages are not byte-stable across loads)
COMPARED = ("graph.nq", "graph.ttl", "graph.jsonld", "documents.jsonl", "overview.html", "tables")


def _outputs(folder: Path) -> dict[str, bytes]:
    out = {}
    for name in COMPARED:
        p = folder / name
        for f in ([p] if p.is_file() else sorted(p.rglob("*"))):
            if f.is_file():
                out[str(f.relative_to(folder))] = f.read_bytes()
    return out


def test_dask_build_is_byte_identical_to_the_process_build(tmp_path):
    local = build(SAMPLES, tmp_path / "local", jobs=2)
    cluster = build(SAMPLES, tmp_path / "dask", jobs=2, engine="dask")
    assert local.conforms and cluster.conforms and not cluster.failed
    assert cluster.document_count == local.document_count > 0
    a, b = _outputs(tmp_path / "local"), _outputs(tmp_path / "dask")
    assert len(a) >= 10 and a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def _dies_on_three(n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), 9)  # as the OOM killer would
    return n * 10


@pytest.mark.parametrize("n,stream", [(8, False), (40, False), (200, True)])  # one file per task; batches; a
def test_a_worker_killed_mid_task_costs_only_its_own_item(n, stream):                # stream read as workers free up
    cluster = DaskCluster(workers=2)
    args = (k for k in range(n)) if stream else list(range(n))
    try:
        got = cluster.map(_dies_on_three, args, None, lost=lambda k: f"lost {k}", total=n if stream else None)
    finally:
        cluster.close()
    assert got == [k * 10 if k != 3 else "lost 3" for k in range(n)]


def test_an_unreachable_scheduler_is_one_clear_error():
    t = time.monotonic()
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskCluster("tcp://127.0.0.1:9", timeout=2).connect()
    assert time.monotonic() - t < 30


def test_an_unknown_engine_is_refused():
    with pytest.raises(ExecutorError, match="unknown engine 'spark'"):
        open_executor("spark")
