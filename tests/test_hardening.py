"""Hostile use (issue #9): reads that cannot write, queries that stay local and bounded.

Every case is generated here (nothing large is committed); each must end in one clear line or a correct
result, and leave the build folder byte-for-byte as it was."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def kg(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env={**os.environ, **(env or {})})


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under a build folder (not its cache) and the hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts and p.name != ".lock"}


def published(out: Path) -> dict[str, str]:
    """What a reader of the build folder sees: every visible output, read through its links."""
    seen = {}
    for top in sorted(out.iterdir()):
        if top.name.startswith(".") or top.name == "current":
            continue
        for p in [top] if top.is_file() else sorted(q for q in top.rglob("*") if q.is_file()):
            seen[str(p.relative_to(out))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return seen


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


# ------------------------------------------------------------------ builds as transactions

SAMPLE = ROOT / "examples" / "002_ef8d9751ef9cfd10.txt"


def test_a_build_where_every_input_fails_keeps_the_previous_one(tmp_path):
    out = tmp_path / "out"
    assert kg("build", SAMPLE, "--out", out).returncode == 0
    before = tree_digest(out)
    (tmp_path / "empty.txt").write_bytes(b"")
    res = kg("build", tmp_path / "empty.txt", "--out", out)
    assert res.returncode == 1 and "previous build" in res.stderr and "Traceback" not in res.stderr
    assert {k: v for k, v in tree_digest(out).items() if not k.startswith("validation")} == \
        {k: v for k, v in before.items() if not k.startswith("validation")}


def test_a_second_builder_is_refused_with_one_line(tmp_path):
    from kg.publish import FolderLock

    out = tmp_path / "out"
    out.mkdir()
    with FolderLock(out):  # as a running build holds it
        res = kg("build", SAMPLE, "--out", out)
    assert "another kg build" in one_line_error(res, "kg build")
    assert kg("build", SAMPLE, "--out", out).returncode == 0  # the lock goes with its holder


@pytest.mark.parametrize("delay", [0.5, 1.5, 2.5, 3.5, 5.0])
def test_a_build_killed_at_any_point_leaves_the_previous_build(tmp_path, delay):
    import signal
    import time

    out = tmp_path / "out"
    assert kg("build", SAMPLE, "--out", out).returncode == 0
    before = published(out)
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", ROOT / "examples", "--out", out, "-j", "2"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = published(out)
    if after != before:  # the new build was swapped in before the kill: then it is whole
        import json

        from loaders import iter_paths

        info = json.loads((out / "build-info.json").read_text())
        assert info["files"] == len(iter_paths([ROOT / "examples"]))
        files = {k for k in after if not k.startswith(("validation", "build-info"))}
        listed = {o for o in info["outputs"] if not o.startswith("validation") and o != "graph.lbug"}
        folders = {o for o in listed if o.endswith("/")}  # graph/, tables/Task/ …: every file in them
        assert folders and all(any(f.startswith(d) for f in files) for d in folders)
        assert {f for f in files if not f.startswith(tuple(folders))} - {"graph.lbug"} == listed - folders
        # exactly the new build's outputs, nothing of the old one
    res = kg("cypher", "MATCH (d:Document) RETURN count(d) AS n", "--db", out, "--format", "csv")
    assert res.returncode == 0 and int(res.stdout.split()[1]) >= 1
    assert kg("build", SAMPLE, "--out", out).returncode == 0  # a stale lock or stage never blocks


# ------------------------------------------------------------------ odd files and names

def test_special_files_and_odd_names_are_one_line_each(tmp_path):
    import json

    good = tmp_path / "good.txt"
    shutil.copy(SAMPLE, good)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    gbk_name = os.fsdecode("曲靖市方案".encode("gbk") + b".txt")
    shutil.copy(SAMPLE, os.path.join(os.fsencode(tmp_path), os.fsencode(gbk_name)))
    newline_name = tmp_path / "a\nkg build: forged.txt"
    newline_name.write_bytes(b"")
    out = tmp_path / "out"
    res = kg("build", good, fifo, "/dev/zero", tmp_path / "曲靖市方案.txt", newline_name, "--out", out, timeout=120)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert sum("pipe.txt" in ln and "not a regular file" in ln for ln in lines) == 1
    assert sum("/dev/zero" in ln for ln in lines) == 1
    assert not any(ln.startswith("kg build: forged") for ln in lines)  # the newline is shown escaped
    assert (out / "graph.ttl").exists()
    # a GBK-encoded name is read as GBK; kg extract prints valid UTF-8 JSON for it
    gbk_path = os.path.join(os.fsencode(tmp_path), os.fsencode(gbk_name))
    res = subprocess.run([sys.executable, "-m", "kg", "extract", gbk_path], capture_output=True, cwd=ROOT,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    docs = [json.loads(line) for line in res.stdout.decode("utf-8").splitlines()]
    assert docs and all(d["source"] == "曲靖市方案.txt" for d in docs)
    build = subprocess.run([sys.executable, "-m", "kg", "build", gbk_path, "--out", tmp_path / "o2"],
                           capture_output=True, cwd=ROOT, timeout=300)
    assert build.returncode == 0, build.stderr
    info = (tmp_path / "o2" / "build-info.json").read_text(encoding="utf-8")
    assert '"host"' not in info and str(tmp_path) not in info


def test_neo4j_uri_with_credentials_is_refused_without_echoing_them():
    res = kg("cypher", "MATCH (n) RETURN n", "--neo4j-uri", "bolt://bob:s3cr3t@127.0.0.1:1",
             env={"NEO4J_PASSWORD": "x"})
    line = one_line_error(res, "kg cypher")
    assert "s3cr3t" not in res.stderr + res.stdout and "no credentials" in line
    res = kg("cypher", "MATCH (n) RETURN n", "--neo4j-uri", "htp:/not a uri", env={"NEO4J_PASSWORD": "x"})
    assert "not a Neo4j URI" in one_line_error(res, "kg cypher")


def test_docx_bomb_is_refused_from_its_zip_directory(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(30):
                fh.write(chunk)
    assert bomb.stat().st_size < 1 << 20
    res = kg("extract", bomb, "--max-mb", "1")
    assert "decompression bomb" in one_line_error(res, "kg extract")


def _pdf_with_streams(*streams: tuple[bytes, bytes]) -> bytes:
    """A minimal PDF whose page content is the given (dictionary entries, stream bytes) objects."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ["
               + b" ".join(b"%d 0 R" % (4 + k) for k in range(len(streams))) + b"] >>"]
    for entries, body in streams:
        objects.append(b"<< " + entries + b" /Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for k, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _zeros_deflated(mb: int) -> bytes:
    import zlib

    z, block = zlib.compressobj(9), b"\0" * (1 << 20)
    return b"".join(z.compress(block) for _ in range(mb)) + z.flush()


@pytest.mark.parametrize("kind", ["flate", "flate-twice", "ascii85-then-flate", "content-marked-as-image"])
def test_pdf_bomb_is_refused_before_pdfminer_unpacks_it(tmp_path, kind):
    """--max-mb 1 allows 20 MB unpacked; each bomb below unpacks to 40 MB or more (a 1 GB one is in hostile.py)."""
    import base64
    import zlib

    zeros = _zeros_deflated(40)
    if kind == "flate":
        streams = [(b"/Filter /FlateDecode", zeros)]
    elif kind == "flate-twice":  # 40 MB of zeros, deflated twice: a few hundred bytes on disk
        streams = [(b"/Filter [/FlateDecode /FlateDecode]", zlib.compress(zeros, 9))]
    elif kind == "ascii85-then-flate":
        streams = [(b"/Filter [/A85 /Fl]", base64.a85encode(zeros, adobe=True)[2:])]
    else:  # a dictionary that says "image" does not stop pdfminer decoding a page's content stream
        streams = [(b"/Type /XObject /Subtype /Image /Width 1 /Height 1 /Filter /FlateDecode", zeros)]
    pdf = tmp_path / f"{kind}.pdf"
    pdf.write_bytes(_pdf_with_streams(*streams))
    assert pdf.stat().st_size < 1 << 20
    res = kg("extract", pdf, "--max-mb", "1")
    line = one_line_error(res, "kg extract")
    assert "decompression bomb" in line and "more than 20 MB" in line, line


def test_pdf_inflation_is_measured_in_steps_and_a_real_pdf_passes():
    from loaders.inflation import pdf_unpacked
    from loaders.read import read_source

    fixture = Path(__file__).parent / "fixtures" / "sample.pdf"
    assert pdf_unpacked(fixture.read_bytes(), 1 << 30) < 1 << 20
    assert "产教融合" in read_source(fixture).text
    bomb = _pdf_with_streams((b"/Filter /FlateDecode", _zeros_deflated(64)))
    assert 32 << 20 < pdf_unpacked(bomb, 32 << 20) <= (32 << 20) + (1 << 16)  # stops one step past the cap
    assert pdf_unpacked(bomb, 1 << 30) == 64 << 20


def test_a_stray_byte_keeps_the_utf8_file_and_cr_only_lines_keep_the_title(tmp_path):
    import json

    text = SAMPLE.read_text(encoding="utf-8")
    data = text.encode("utf-8")
    cut = len(data) // 2
    (tmp_path / "stray.txt").write_bytes(data[:cut] + b"\xff" + data[cut:])
    (tmp_path / "cr.txt").write_bytes(text.replace("\n", "\r").encode("utf-8"))
    (tmp_path / "lf.txt").write_bytes(data)
    res = subprocess.run([sys.executable, "-m", "kg", "extract", tmp_path / "lf.txt", tmp_path / "stray.txt",
                          tmp_path / "cr.txt"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    by_file: dict[str, list] = {}
    for d in docs:
        by_file.setdefault(d["source"], []).append(d["title"])
    assert by_file["stray.txt"] == by_file["lf.txt"] == by_file["cr.txt"]


def _dies_on_three(n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), 9)  # as the OOM killer would
    return n * 10


def test_a_worker_killed_mid_task_costs_only_its_own_item():
    from kg.executors import pool_map

    got = pool_map(_dies_on_three, list(range(8)), 2, None, lost=lambda n: f"lost {n}")
    assert got == [0, 10, 20, "lost 3", 40, 50, 60, 70]


def test_what_the_caller_keeps_of_each_result_is_made_as_it_arrives_lost_ones_included():
    """Executor.map's `keep`: a cold build keeps each file's summary in its shared form, never every raw one at
    once; the item whose worker died goes through it too, and order is kept (pool, one process, in line)."""
    from kg.executors import LocalProcesses, pool_map

    seen = []

    def keep(result):
        seen.append(result)
        return ("kept", result)

    got = pool_map(_dies_on_three, list(range(8)), 2, None, lost=lambda n: f"lost {n}", keep=keep)
    assert got == [("kept", r) for r in [0, 10, 20, "lost 3", 40, 50, 60, 70]]
    assert sorted(map(str, seen)) == sorted(map(str, [0, 10, 20, "lost 3", 40, 50, 60, 70]))
    assert LocalProcesses(1).map(abs, [-1, -2], None, lost=None, keep=str) == ["1", "2"]
    assert LocalProcesses(2).map(abs, [-1, -2], None, lost=None) == [1, 2]


def test_executors_read_their_work_as_a_stream_a_few_batches_ahead():
    """Executor.map takes a generator and reads it only as workers free up (issue 11: phase B made every file's
    plan and task before sending the first, ~110 MB at 100k files); results stay in order, and a worker killed
    mid-stream costs only its own item while the rest of the stream goes on in a new pool."""
    from kg.executors import IN_FLIGHT, LocalProcesses, pool_map

    taken, when_kept = [], []

    def stream(n):
        for k in range(n):
            taken.append(k)
            yield k

    def keep(result):
        when_kept.append(len(taken))
        return result

    got = pool_map(_dies_on_three, stream(2000), 2, None, lost=lambda n: f"lost {n}", keep=keep, total=2000)
    assert got == [k * 10 if k != 3 else "lost 3" for k in range(2000)]
    assert len(taken) == 2000
    size = min(64, 2000 // (2 * 8))
    assert when_kept[0] <= 2 * IN_FLIGHT * size + size < 2000, when_kept[0]
    assert max(b - a for a, b in zip(range(len(when_kept)), when_kept)) <= 2 * IN_FLIGHT * size + size
    assert LocalProcesses(2).map(abs, (-k for k in range(5)), None, lost=None) == [0, 1, 2, 3, 4]
    assert LocalProcesses(2).map(abs, iter([-7]), None, lost=None) == [7]
    assert LocalProcesses(2).map(abs, iter([]), None, lost=None) == []


def _process_id(_) -> int:
    return os.getpid()


def test_a_single_task_runs_in_a_process_of_its_own_unless_there_is_one_process():
    """A one-change rebuild sends one task to each phase: it runs in a pool process, so what it allocates is given
    back when that process ends (issue 11: writing one table part in line raised the build's process by 110 MB at
    10k) and a task that kills its process costs only itself; with jobs=1 the work runs in line."""
    from kg.executors import LocalProcesses

    assert LocalProcesses(2).map(_process_id, iter(["one"]), None, lost=None) != [os.getpid()]
    assert LocalProcesses(1).map(_process_id, iter(["one"]), None, lost=None) == [os.getpid()]
    # a lone task that kills its process: in line it would have killed the build (here, the test run)
    assert LocalProcesses(2).map(_dies_on_three, iter([3]), None, lost=lambda n: f"lost {n}") == ["lost 3"]


def test_entries_settled_where_they_are_read_keep_their_place_among_the_tasks_results():
    """map_settling: what extraction and phase B share — cache hits (Done) stay in place, each task's result is
    settled with its context as it arrives, lost ones included, in entry order (in line and in a pool)."""
    from kg.executors import Done, LocalProcesses, map_settling

    entries = [Done("cached 0"), (1, "one"), Done("cached 2"), (3, "three"), (4, "four"), Done("cached 5")]
    got = map_settling(LocalProcesses(2), _dies_on_three, iter(entries),
                       lambda context, result: f"{context}: {result}", None, lost=lambda n: f"lost {n}")
    assert got == ["cached 0", "one: 10", "cached 2", "three: lost 3", "four: 40", "cached 5"]
    got = map_settling(LocalProcesses(1), abs, iter([Done("kept"), (-2, "a"), (-3, "b")]),
                       lambda context, result: (context, result), None, lost=None)
    assert got == ["kept", ("a", 2), ("b", 3)]


def _touch(path: str) -> str:
    Path(path).write_text("ran")
    return path


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_lone_task_among_settled_entries_is_sent_without_waiting_for_its_batch_to_fill(tmp_path, jobs):
    """A rebuild's stream is mostly cache hits with a changed file somewhere: its task must go to a worker while
    the rest is still checked, not when a batch of 64 fills or the stream ends (at 10k a changed file's extraction
    started only after the 10,000 checks, ~1 s later). The entries after the task wait (at most a minute) for
    the task's file: they see it only when the task ran meanwhile. In a batch with other tasks, as before."""
    from kg.executors import FLUSH, FLUSH_AFTER, Done, LocalProcesses, batches, map_settling

    marker = str(tmp_path / "ran")
    seen = []

    def entries():
        yield Done("cached 0")
        yield marker, "changed"
        for k in range(1, 3 * FLUSH_AFTER):
            if k == 2 * FLUSH_AFTER:
                for _ in range(600):
                    if Path(marker).exists():
                        break
                    time.sleep(0.1)
                seen.append(Path(marker).exists())
            yield Done(f"cached {k}")

    got = map_settling(LocalProcesses(jobs), _touch, entries(), lambda context, result: context, None,
                       lost=None, total=10_000)  # as a build gives it: batches of 64
    assert got[:3] == ["cached 0", "changed", "cached 1"] and len(got) == 3 * FLUSH_AFTER + 1
    assert seen == [True]
    assert list(batches(iter([1, 2, FLUSH, 3, FLUSH, FLUSH, 4, 5, 6]), 2)) == [[1, 2], [3], [4, 5], [6]]


def test_a_build_hands_its_per_file_work_to_the_executor_as_a_stream(tmp_path, examples_dir, monkeypatch):
    """Extraction and the per-file graphs give the executor a generator, each file read, planned and looked up in
    the cache only as a worker can take it — never a list of every file's task (the same build: the other tests)."""
    import kg.build as B
    from kg.executors import LocalProcesses

    class Recording(LocalProcesses):
        def __init__(self):
            super().__init__(2)
            self.given = []

        def map(self, func, args, *rest, **named):
            self.given.append((func.__name__, hasattr(args, "__len__")))
            return super().map(func, args, *rest, **named)

    executor = Recording()
    monkeypatch.setattr(B, "open_executor", lambda *a, **k: executor)
    report = B.build(sorted(examples_dir.glob("0*.txt")), tmp_path / "out", jobs=2, validate=False)
    assert not report.failed and report.document_count > 0
    assert ("_extract_one", False) in executor.given and ("_graph_one_guarded", False) in executor.given


def test_a_build_keeps_each_files_keys_on_disk_and_reads_them_back_by_position(tmp_path):
    """A build keeps per file a count, the findings (one object for what many files repeat) and where the file's
    documents' keys are in a KeyLog (issue 11: the keys grew with the corpus, ~1 KB a file) — read back whole,
    whatever their length, as written; a damaged summary is refused before it reaches the log."""
    import gc

    from kg.build import FileSummary, KeyLog, summary_data
    from kg.identity import DocumentKey
    from loaders import extract_string

    docs = extract_string("关于印发《某某方案》的通知\n根据《国务院办公厅关于深化产教融合的若干意见》（国办发〔2017〕95号），"
                          "制定本方案。\n一、建设实训基地。（市教育局牵头）\n", "a.txt")
    log, memo = KeyLog(tmp_path), {}
    assert list(tmp_path.iterdir()) == []  # a scratch file that is gone when closed: nothing is left in a build
    data = {**summary_data(docs), "records": "hash-of-a"}  # the records' hash: phase B's cache key reads them by it
    long_title = "方案" * 5000  # longer than one read
    long_key = DocumentKey("d9", "b.txt", "https://example.org/doc/9", None, long_title, ((None, "某意见"),))
    one = FileSummary.logged(data, log, memo)
    two = FileSummary.logged({"keys": [long_key.to_data()], "tasks": 0, "findings": dict(data["findings"]),
                              "records": "hash-of-b"}, log, memo)
    three = FileSummary.logged({**summary_data(docs), "records": "hash-of-a"}, log, memo)
    assert (one.records, two.records) == ("hash-of-a", "hash-of-b")
    assert log.read(one.at) == [DocumentKey.from_data(k) for k in data["keys"]] == log.read(three.at)
    assert log.read(two.at) == [long_key] and log.read(one.at) == log.read(three.at)  # read in any order
    assert (one.documents, one.tasks) == (len(docs), sum(len(d.tasks) for d in docs)) and two.documents == 1
    assert one.findings is two.findings is three.findings
    held = gc.get_referents(one, two, three)  # what the summaries hold: counts, findings, positions
    assert not any(isinstance(o, (DocumentKey, list, tuple)) for o in held)
    with pytest.raises((ValueError, TypeError)):
        FileSummary.logged({"keys": [["d1", "a.txt"]], "tasks": 0, "findings": {}, "records": "x"}, log, memo)
    with pytest.raises(KeyError):  # a summary without its records' hash (an older build's) is made again
        FileSummary.logged({**summary_data(docs)}, log, memo)
    log.close()


def _frozen_objects(_n: int) -> int:
    import gc

    return gc.get_freeze_count()


def test_pool_workers_freeze_what_they_inherit_from_the_build():
    """A forked worker's copy of the build's heap is left out of its garbage collections (issue 11: full
    collections walking it made per-file graph work 1.4× slower at 10k files)."""
    from kg.executors import pool_map

    inherited = [[str(i)] for i in range(50_000)]  # as a build's keys and plans would be (lists: tracked)
    counts = pool_map(_frozen_objects, list(range(4)), 2, None, lost=lambda n: None)
    assert all(c >= len(inherited) for c in counts), counts


def _memory_of(n: int) -> tuple[int, int]:
    """(n * 10, this process's resident memory in MB) — or killed as the OOM killer would, on 3."""
    rss_kb = int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0])
    return _dies_on_three(n), rss_kb // 1024


def test_a_step_in_its_own_process_holds_none_of_the_builds_memory_and_its_death_is_one_clear_error():
    from kg.isolated import StepKilled, run_isolated

    big = b"x" * (600 << 20)  # resident here; a forked child would show it in its own RSS
    value, rss_mb = run_isolated(_memory_of, 2)
    assert value == 20 and rss_mb < 400, rss_mb
    with pytest.raises(StepKilled, match="memory of was killed.*out of memory"):
        run_isolated(_memory_of, 3)
    del big
    with pytest.raises(ValueError, match="invalid literal"):  # the step's own error, raised here
        run_isolated(int, "not a number")


def _imported(name: str) -> tuple[bool, int]:
    """(whether `name` was imported in this process before the step ran, this process's id)."""
    return name in sys.modules, os.getpid()


def test_a_ready_interpreter_runs_one_step_with_its_imports_made_and_those_left_are_stopped():
    """kg.isolated.Ready starts interpreters ahead of the build's steps, their imports made while the build does
    other work (a step's start was ~0.6 s of pyarrow, pandas and ladybug on the build's path): a step handed to one
    runs there — the module already imported, in the interpreter started first — and still once per process; one
    that died while waiting is passed over for a fresh interpreter; those never used are stopped."""
    from kg.isolated import Ready, run_isolated

    with Ready(["wave"], 2) as ready:
        first, second = [process.pid for process in ready._waiting]
        assert run_isolated(_imported, "wave", ready=ready) == (True, first)
        ready._waiting[0].kill()  # the second dies while it waits
        ready._waiting[0].wait()
        imported, pid = run_isolated(_imported, "wave", ready=ready)
        assert not imported and pid not in (first, second)  # a fresh interpreter: nothing imported ahead
        ready.add(1)
        left = ready._waiting[0]
        with pytest.raises(ValueError, match="invalid literal"):  # the step's own error, raised here
            run_isolated(int, "not a number", ready=ready)
        assert left.wait(timeout=30) == 0  # that step ran in it
        ready.add(1)
        unused = ready._waiting[0]
    assert unused.wait(timeout=30) != 0  # stopped (killed) when the build no longer needs it


def test_a_ready_interpreter_the_system_refuses_is_no_error(monkeypatch):
    """Ready interpreters only save time: when the system refuses a process for one (too many processes), the
    step starts its own as before."""
    import subprocess as sp

    import kg.isolated as I

    real = sp.Popen

    def refuse_ready(args, **kw):
        if "--ready" in args:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real(args, **kw)

    monkeypatch.setattr(I.subprocess, "Popen", refuse_ready)
    ready = I.Ready(["wave"], 2)
    assert ready.take() is None
    imported, pid = I.run_isolated(_imported, "wave", ready=ready)
    assert not imported and pid != os.getpid()
    ready.close()


def _meet(mine: str, theirs: str) -> bool:
    """Leave the file `mine`, then wait (at most a minute) for `theirs`: True when the other step left it."""
    Path(mine).write_text("here")
    for _ in range(600):
        if Path(theirs).exists():
            return True
        time.sleep(0.1)
    return False


def test_a_step_started_apart_runs_beside_another_and_is_stopped_when_left_behind(tmp_path):
    """start_isolated's step runs while this process runs another (the rows' merge beside the triples' merge and
    their validation): two steps that each wait for the other's file meet — run one after the other, each would
    wait its minute out and say False. A step whose result is not collected (this process raised) is stopped."""
    from kg.isolated import run_isolated, start_isolated

    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    with start_isolated(_meet, a, b) as step:
        assert run_isolated(_meet, b, a) is True
        assert step.result() is True
    with pytest.raises(KeyError):
        with start_isolated(time.sleep, 600) as step:
            raise KeyError("this process failed first")
    assert step.process.poll() is not None and not Path(step.tmp.name).exists()


def test_a_build_script_without_a_main_guard_runs_once(tmp_path):
    """A researcher's script that builds at top level: the isolated steps must not run it again (multiprocessing's
    spawn imports the main script in the child, which would build a second time, inside the first)."""
    script = tmp_path / "build_corpus.py"
    script.write_text("import os\nfrom kg.isolated import run_isolated\nprint('ran', run_isolated(os.getpid) != os.getpid())\n",
                      encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0 and res.stdout == "ran True\n", res.stderr[-2000:]


def test_a_build_script_without_a_main_guard_builds_once_under_forkserver(tmp_path):
    """Python 3.14 makes forkserver the default start method on Linux; it (like spawn) runs the main script again in
    each worker, so an unguarded build script would build again in every pool worker (each failing on the folder's
    lock). The pools fork on Linux whatever the default: the script here makes forkserver the default, as 3.14
    will, and its build runs once."""
    script = tmp_path / "build_corpus.py"
    script.write_text(
        "import multiprocessing, sys\n"
        "from pathlib import Path\n"
        "if __name__ == '__main__':\n"
        "    multiprocessing.set_start_method('forkserver')  # the default from Python 3.14; the rest unguarded\n"
        "from kg.build import build\n"
        "print('building', flush=True)\n"
        f"files = sorted(str(p) for p in Path({str(SAMPLE.parent)!r}).glob('0*.txt'))\n"
        f"build(files, Path({str(tmp_path / 'out')!r}), jobs=2)\n"
        "print('built', flush=True)\n", encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0 and res.stdout == "building\nbuilt\n", res.stdout + res.stderr[-2000:]
    assert "BuildLocked" not in res.stderr, res.stderr[-2000:]


def test_a_pathological_file_becomes_one_error_line_within_its_budget(tmp_path):
    from kg.extraction import extract_one

    slow = tmp_path / "slow.txt"
    slow.write_text(SAMPLE.read_text(encoding="utf-8").replace("\n", "") * 400, encoding="utf-8")
    result = extract_one(slow, budget_s=0.5)
    assert result.documents == [] and "stopped after 0.5 s" in result.error
    assert extract_one(SAMPLE, budget_s=30).error is None


@pytest.mark.parametrize("damage", ["empty", "foreign"])
def test_damaged_tables_are_one_line_in_viz_export_and_sync(build_copy, damage):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = build_copy / "tables" / "Agency" / "shared.parquet"
    if damage == "empty":
        table.write_bytes(b"")
    else:
        pq.write_table(pa.table({"a.name": ["x"]}), table)
    for args, prog in ((("viz", "--all"), "kg viz"), (("export",), "kg export"),
                       (("sync", "neo4j", "--uri", "bolt://127.0.0.1:1"), "kg sync neo4j")):
        res = kg(*args, "--out", build_copy, env={"NEO4J_PASSWORD": "x"})
        assert "Agency/shared.parquet" in one_line_error(res, prog)


def test_docx_with_xml_comments_reads(tmp_path):
    import json
    import zipfile

    docx = pytest.importorskip("docx")
    plain = tmp_path / "plain.docx"
    d = docx.Document()
    d.add_paragraph("曲靖市人民政府关于推进产教融合的实施方案")
    d.add_paragraph("一、建设实训基地。（市教育局牵头）")
    d.save(plain)
    with zipfile.ZipFile(plain) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    xml = xml.replace("<w:body>", "<w:body><!-- a comment --><?pi data?>", 1).replace("</w:p>", "<!-- c --></w:p>", 1)
    parts["word/document.xml"] = xml.encode("utf-8")
    commented = tmp_path / "commented.docx"
    with zipfile.ZipFile(commented, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    res = kg("extract", commented)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.splitlines()[0])["title"] == "曲靖市人民政府关于推进产教融合的实施方案"


def test_long_texts_are_cut_at_line_breaks_then_sentence_ends_and_nothing_is_lost():
    from loaders.pipeline import chunks

    lined = "一二三四五六七八。\n" * 30
    pieces = list(chunks(lined, 25))
    assert all(lined[e - 1] == "\n" and e - s <= 25 for s, e in pieces)
    one_line = "一二三四五六七八。" * 30
    assert all(one_line[e - 1] == "。" for s, e in chunks(one_line, 25))
    bare = "一" * 100
    for text in (lined, one_line, bare):
        got = list(chunks(text, 25))
        assert got[0][0] == 0 and got[-1][1] == len(text)
        assert all(a[1] == b[0] for a, b in zip(got, got[1:]))  # contiguous: every character in one chunk


def test_annotating_in_chunks_marks_what_one_pass_marks():
    from loaders.normalize import normalize
    from loaders.pipeline import annotate, default_pipeline

    text = normalize((ROOT / "examples" / "000_95c1921bd3a85654.txt").read_text(encoding="utf-8")).text
    nlp = default_pipeline()
    whole, cut = annotate(nlp, text), annotate(nlp, text, size=1500)
    assert len(text) > 10 * 1500
    assert cut.role_clauses == whole.role_clauses and cut.citations == whole.citations
    assert [(s, e) for _, s, e in cut.targets] == [(s, e) for _, s, e in whole.targets]
    assert len(whole.role_clauses) > 20


def _peak_rss_mb(path: Path) -> float:
    """Peak RSS of `kg extract` on one file, in a child process (MB)."""
    script = ("import resource, subprocess, sys; subprocess.run([sys.executable, '-m', 'kg', 'extract', "
              "'--max-mb', '50', sys.argv[1]], stdout=subprocess.DEVNULL, check=True); "
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    return float(subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                                cwd=ROOT, timeout=600, check=True).stdout)


def test_memory_of_a_long_one_line_text_grows_far_slower_than_its_text(tmp_path):
    """The 50 MB-under-1 GB ceiling as a slope: at most 20 MB of peak RSS per MB of text (it was ~100)."""
    line = SAMPLE.read_text(encoding="utf-8").replace("\n", "")
    sizes = {}
    for mb in (1, 4):
        f = tmp_path / f"line-{mb}.txt"
        data = (line * (mb * 1024 * 1024 // len(line.encode("utf-8")) + 1)).encode("utf-8")[:mb * 1024 * 1024]
        f.write_bytes(data.decode("utf-8", "ignore").encode("utf-8"))
        sizes[mb] = _peak_rss_mb(f)
    assert (sizes[4] - sizes[1]) / 3 <= 20, sizes


@pytest.mark.parametrize("run", [" ", "\u3000", "第1页 ", "1 "])
def test_whitespace_runs_longer_than_a_chunk_keep_the_task(run):
    """A chunk may start inside a 300k-character run: every line rule there must stay linear (the label
    pattern once tried every split of the run between its two optional-whitespace parts)."""
    from loaders.extract import extract_string

    text = "某某市人民政府关于推进产教融合的实施方案\n\n一、任务" + run * (300_000 // len(run)) + "x\n（市教育局牵头）\n"
    (doc,) = extract_string(text)
    assert [a.name for t in doc.tasks for a in t.lead] == ["市教育局"]


def _notices(n: int, banner: bool) -> str:
    """n short 公文 one after another, as a compilation or a page of notices prints them."""
    import datetime

    out = []
    for i in range(1, n + 1):
        day = datetime.date(2015, 1, 1) + datetime.timedelta(days=i)
        head = f"曲靖市人民政府办公室文件\n曲政办发〔2021〕{i}号\n" if banner else ""
        out.append(f"{head}曲靖市人民政府办公室关于做好第{i}批实训基地建设工作的通知\n各县（市、区）人民政府，市直有关部门：\n"
                   f"　　一、建设第{i}批实训基地。（市教育体育局牵头，市财政局配合）\n"
                   f"曲靖市人民政府办公室\n{day.year}年{day.month}月{day.day}日\n（此件公开发布）\n")
    return "\n".join(out)


@pytest.mark.parametrize("banner", [True, False])
def test_notices_written_one_after_another_are_documents_of_their_own(banner):
    from loaders.extract import extract_string

    docs = extract_string(_notices(3000, banner))
    assert len(docs) == 3000 and all(d.part_of is None for d in docs)
    assert docs[41].title == "曲靖市人民政府办公室关于做好第42批实训基地建设工作的通知"
    assert docs[41].date == "2015-02-12" and (docs[41].doc_number is not None) == banner
    assert [[a.name for a in t.lead] for t in docs[41].tasks] == [["曲靖市教育体育局"]]


def test_a_notice_and_the_plan_it_promulgates_stay_one_notice_and_its_plan():
    from loaders.extract import extract_string

    text = ("曲靖市人民政府办公室关于印发曲靖市产教融合实施方案的通知\n各县（市、区）人民政府：\n"
            "　　现将《曲靖市产教融合实施方案》印发给你们，请认真贯彻执行。\n曲靖市人民政府办公室\n2021年3月1日\n"
            "曲靖市产教融合实施方案\n为深化产教融合，制定本方案。\n一、建设实训基地。（市教育体育局牵头）\n")
    notice, plan = extract_string(text)
    assert plan.part_of == notice.doc_id and plan.title == "曲靖市产教融合实施方案" and len(plan.tasks) == 1


def test_a_file_whose_graph_cannot_be_made_is_its_own_error_and_the_rest_are_built(tmp_path):
    from kg.build import FileGraph, KeyLog, extract_all, graph_files

    paths = [ROOT / "examples" / "001_7e316252f085b915.txt", SAMPLE]
    log = KeyLog(tmp_path)
    outcomes = extract_all(paths, tmp_path, jobs=1, log=log)
    files = [(p.name, o.cache_entry, o.summary) for p, o in zip(paths, outcomes)]
    files[0] = (files[0][0], tmp_path / "gone.json", files[0][2])  # its records vanished before phase B
    got = graph_files(files, tmp_path, jobs=2, validate=False, log=log)
    assert isinstance(got[0], str) and "internal error while building this file's graph" in got[0]
    assert isinstance(got[1], FileGraph) and got[1].own_triples > 0


def test_a_table_part_appears_whole_or_not_at_all(tmp_path):
    """A TableWriter block puts its parts in place when it ends, and leaves nothing (no part, no temporary file)
    when it raises — the shared part, a chunk's part and the merge all write this way."""
    from kg.projection import TableWriter

    row = {"uri": "https://w3id.org/policykg/id/topic/x", "name": "x", "sources": []}
    with TableWriter(tmp_path, "part-00") as writer:
        writer.add("node", "Topic", [row])
    assert [p.name for p in tmp_path.rglob("*.parquet*")] == ["part-00.parquet"]
    with pytest.raises(RuntimeError), TableWriter(tmp_path, "part-01") as writer:
        writer.add("node", "Topic", [row])
        writer._flush("node", "Topic")  # a temporary file is open when the failure comes
        raise RuntimeError("the merge failed")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["part-00.parquet"]


def test_streamed_outputs_replace_a_file_whole_or_not_at_all(tmp_path):
    """documents.jsonl and the merged serialisations stream from per-file parts: all of them or the old file."""
    from kg.parts import concat

    target = tmp_path / "documents.jsonl"
    concat(target, b"", (f"{k}\n".encode() for k in range(3)), separator=b"")
    assert target.read_text() == "0\n1\n2\n"

    def broken():
        yield b"new\n"
        raise RuntimeError("the producer failed half way")

    with pytest.raises(RuntimeError):
        concat(target, b"", broken(), separator=b"")
    assert target.read_text() == "0\n1\n2\n" and [p.name for p in tmp_path.iterdir()] == ["documents.jsonl"]


@pytest.mark.parametrize("in_kernel", [True, False])
def test_a_concatenation_copies_what_the_previous_one_holds_and_reads_the_rest(tmp_path, monkeypatch, in_kernel):
    """documents.jsonl is made from every file's part; a rebuild copies the runs of parts the previous one holds
    (the same path, the same size: from its index) and reads only the others — in the kernel where it can, through
    a buffer where it cannot. Either way the bytes are what reading every part gives; a part removed, added,
    moved or grown, a previous file or index damaged, and a failing part leave no half-written file."""
    import os

    from kg.parts import concat_reusing, index_path

    if not in_kernel:
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    parts = []
    for k in range(12):
        parts.append(tmp_path / "parts" / f"{k:02d}.jsonl")
        parts[-1].parent.mkdir(exist_ok=True)
        parts[-1].write_text("".join(f'{{"file": {k}, "line": {n}}}\n' for n in range(k % 4)), encoding="utf-8")

    def made(order, previous=None) -> bytes:
        target = tmp_path / f"docs-{len(list(tmp_path.glob('docs-*')))}.jsonl"
        concat_reusing(target, order, previous)
        assert target.read_bytes() == b"".join(p.read_bytes() for p in order)
        return target

    import kg.parts

    copied = []
    real_copy = kg.parts._copy_range

    def copy_range(src, dst, start: int, end: int) -> None:
        copied.append(end - start)
        real_copy(src, dst, start, end)

    monkeypatch.setattr(kg.parts, "_copy_range", copy_range)
    first = made(parts)
    assert index_path(first).read_text(encoding="utf-8").count("\n") == 12 and not copied
    again = made(parts, first)  # nothing changed: the whole previous file in one range
    assert copied == [first.stat().st_size] and again.stat().st_size == first.stat().st_size
    parts[5].write_text('{"file": 5, "grown": true}\n', encoding="utf-8")  # a part changed in place (same path)
    extra = tmp_path / "parts" / "new.jsonl"
    extra.write_text('{"file": "new"}\n', encoding="utf-8")
    copied.clear()
    second = made(parts[:3] + [extra] + parts[4:9] + parts[10:] + [parts[3]], first)
    assert len(copied) == 5  # 0-2 | 4 | 6-8 | 10-11 | 3: the new part and the grown one read
    made(list(reversed(parts)), second)
    first.write_bytes(first.read_bytes()[:-5])  # a previous file that no longer matches its index: not trusted
    made(parts, first)
    index_path(second).write_text("not\tan index\nat all", encoding="utf-8")
    made(parts, second)
    target = tmp_path / "failing.jsonl"
    with pytest.raises(FileNotFoundError):
        concat_reusing(target, parts + [tmp_path / "parts" / "gone.jsonl"], second)
    assert not target.exists() and not index_path(target).exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_cache_entries_cut_short_are_made_again_not_trusted(tmp_path):
    """Cache entries are written without a flush to disk each (kg.files.write_atomic `durable`): a power cut can
    leave one cut short. Each entry records its files' sizes, so such an entry is made again, and the build equals
    a clean one."""
    from kg.build import build

    src = tmp_path / "src"
    src.mkdir()
    for p in sorted((ROOT / "examples").glob("0*.txt"))[:3]:
        shutil.copy(p, src / p.name)
    out = tmp_path / "out"
    build(sorted(src.iterdir()), out, jobs=1)
    clean = published(out)
    cache = out / ".cache"
    entries = sorted(p.parent for p in cache.glob("graph-*/*/*/meta.json"))
    assert len(entries) == 3
    cut = [entries[0] / "graph.nq", entries[1] / "rest-rows.pickle", next(cache.glob("extract-*/*/*.contract.jsonl"))]
    for p in cut:
        p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    report = build(sorted(src.iterdir()), out, jobs=1)
    assert report.validated == 2  # the two graph entries were made again (what files share: cached, unchanged)
    assert all(p.stat().st_size > 0 for p in cut)
    after = published(out)
    varies = {"build-info.json", "graph.lbug"}  # a time stamp; a database file's bytes are not its rows
    assert {k: v for k, v in after.items() if k not in varies} == {k: v for k, v in clean.items() if k not in varies}
