"""One changed file on a built corpus: what a rebuild costs for edits of different reach. Never part of the tests.

    .venv/bin/python benchmarks/one_change.py --corpus /tmp/policykg-bench/corpus-10000 \\
        --out /tmp/policykg-bench/out-10000 [--repeat 2]

Edits one file in the middle of the corpus (the first from there with a body named in a task's list) and builds
after each edit, as `kg build` in a child process (run_all.run_build, 2 processes):
- a body added to a task (`、县气象局` after the body): what files share changes — the merge of the rows is updated
  in place, the shared triples validated the first time this content is seen (later runs find it in the cache);
- the body taken out again (the file as it was: its shared content was validated before);
- a task reworded (a comma made a semicolon on the body's line): the file's own rows change, nothing shared does;
- a line appended: the records change, no row does.
Prints per edit the wall time, how the shared part was made, the database patch and the build's timings; the file
is put back as it was at the end (also when a build fails). Builds the corpus first when --out holds no build.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

BODY = re.compile(r"[\u4e00-\u9fff]{1,8}局(?=[、，])")  # a body ending in 局 followed by a list's separator


def _target(corpus: Path) -> tuple[Path, re.Match]:
    """The first file from the middle of the corpus (UTF-8) with a body in a list, and that body."""
    files = sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix == ".txt" and "_gbk" not in p.name)
    for path in files[len(files) // 2:] + files[:len(files) // 2]:
        found = BODY.search(path.read_text("utf-8", errors="replace"))
        if found:
            return path, found
    raise SystemExit(f"no file in {corpus} names a body in a list")


def main(argv=None) -> int:
    from run_all import run_build

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=2, help="rounds of the four edits")
    ap.add_argument("--body", default="县气象局", help="the body added to the task")
    args = ap.parse_args(argv)
    if not (args.out / "current").exists():
        wall, _, _ = run_build(args.corpus, args.out, "--jobs", "2")
        print(f"first build: {wall:.1f} s")
    path, found = _target(args.corpus)
    original = path.read_bytes()
    text = original.decode("utf-8")
    line_start = text.rfind("\n", 0, found.start()) + 1
    edits = [
        ("a body added", text[:found.end()] + "、" + args.body + text[found.end():]),
        ("the body taken out", text),
        ("a task reworded", text[:line_start] + text[line_start:found.start()].replace("，", "；", 1) +
         text[found.start():]),
        ("a line appended", text + "\n（本段为基准测试追加。）\n"),
    ]
    print(f"{path.name}: {found.group(0)} in a list")
    try:
        for round_ in range(1, args.repeat + 1):
            for name, edited in edits:
                path.write_text(edited, encoding="utf-8")
                wall, main_mb, info = run_build(args.corpus, args.out, "--jobs", "2")
                timings = {k: round(v, 1) for k, v in info["timings_s"].items()}
                print(f"round {round_}, {name}: {wall:.1f} s, main {main_mb:.0f} MB | {info['shared_merge']} | "
                      f"{info['embedded_database']} | {timings}")
            path.write_bytes(original)
    finally:
        path.write_bytes(original)
    wall, _, info = run_build(args.corpus, args.out, "--jobs", "2")
    print(f"as it was: {wall:.1f} s | {info['shared_merge']} | {info['embedded_database']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
