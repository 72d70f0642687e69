"""`kg extract` prints the contract's JSON Lines; a bad file is one stderr line and exit 1."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import fresh_python

ROOT = Path(__file__).resolve().parent.parent


def run_kg(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_extract_prints_contract_lines(examples_dir):
    res = run_kg("extract", examples_dir / "003_9fe223a00010feb8.txt")
    assert res.returncode == 0, res.stderr
    (line,) = res.stdout.splitlines()
    doc = json.loads(line)
    required = {"doc_id", "source", "part_of", "title", "doc_number", "doc_type", "date", "issuers",
                "jurisdiction", "recipients", "citations", "tasks"}
    assert required <= doc.keys()
    assert doc["source"] == "003_9fe223a00010feb8.txt"
    task = doc["tasks"][0]
    assert {"number", "heading", "text", "lead", "responsible", "cooperating", "deadline"} <= task.keys()
    assert task["responsible"][0]["span"]["quote"] == "市发展改革委"


def test_bad_files_do_not_lose_the_batch(tmp_path, examples_dir):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "punct.txt").write_text("。，、；：？！……——《》（）\n", encoding="utf-8")
    good = examples_dir / "002_ef8d9751ef9cfd10.txt"
    res = run_kg("extract", tmp_path / "empty.txt", good, tmp_path / "binary.txt", tmp_path / "punct.txt")
    assert res.returncode == 1
    assert len(res.stdout.splitlines()) == 1 and "曲政函〔2022〕512号" in res.stdout
    errors = res.stderr.strip().splitlines()
    assert len(errors) == 3
    assert errors[0] == f"kg extract: {tmp_path / 'empty.txt'}: empty file"
    assert "binary content" in errors[1] and "no Chinese text" in errors[2]
    assert "Traceback" not in res.stderr


def test_large_file_gets_a_clear_error(tmp_path):
    big = tmp_path / "big.txt"
    line = "为加快推进我市职业教育改革，健全完善校园治理体系，促进职业教育高质量发展。\n".encode()
    with big.open("wb") as fh:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    res = run_kg("extract", big)
    assert res.returncode == 1
    assert "file too large (50.0 MB > 20 MB limit" in res.stderr


def test_gbk_file_and_folder_input(tmp_path, examples_dir):
    text = (examples_dir / "003_9fe223a00010feb8.txt").read_text(encoding="utf-8").replace("學", "学")
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    res = run_kg("extract", tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["jurisdiction"]["city"] == "中卫市"


def test_truncated_document_is_still_extracted(tmp_path, examples_dir):
    data = (examples_dir / "003_9fe223a00010feb8.txt").read_bytes()[:2500]
    (tmp_path / "cut.txt").write_bytes(data)
    res = run_kg("extract", tmp_path / "cut.txt")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["title"].startswith("中卫市贯彻落实")


def test_version_and_help():
    assert run_kg("--version").stdout.startswith("policykg ")
    assert "extract" in run_kg("--help").stdout


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, examples_dir):
    for i in range(12):
        (tmp_path / f"doc{i:02d}.txt").write_text((examples_dir / "002_ef8d9751ef9cfd10.txt").read_text(
            encoding="utf-8"), encoding="utf-8")
    res = run_kg("extract", tmp_path)
    assert res.returncode == 0 and len(res.stdout.splitlines()) == 12
    assert res.stderr == ""  # tqdm writes nothing when stderr is not a terminal


def test_progress_bar_starts_no_thread():
    """Builds fork workers while a bar is open; tqdm's monitor thread would make every fork one taken from a
    process with two threads (a lock it holds stays held in the child). Plain tqdm, the control, starts one."""
    code = ("import sys, threading\n"
            "from tqdm import tqdm\n"
            "from kg.cli import _progress\n"
            "def monitors(): return sum(t.name == 'tqdm_monitor' for t in threading.enumerate())\n"
            "for disable in (True, False):\n"
            "    with _progress(100, 'x', disable=disable) as bar:\n"
            "        bar.update(50)\n"
            "        ours = monitors()\n"
            "with tqdm(total=100, file=sys.stderr) as bar:\n"
            "    plain = monitors()\n"
            "print(ours, plain)\n")
    assert fresh_python(code).split() == ["0", "1"]
