"""Extraction throughput on one core, warm (pipeline loaded), for each corpus at hand. Never part of the tests.

    taskset -c 0 .venv/bin/python benchmarks/extraction.py [--repeat 15] [--synthetic 200]

Corpora: the bundled samples (examples/0*.txt), the bundled development documents (examples/dev), and a
synthetic corpus generated into a temporary folder (benchmarks/synth.py, seed 7). Each figure is the best of
`--repeat` passes in process CPU time: this machine is a shared VM whose wall clock counts time the
hypervisor gives to others, and the best pass is the least disturbed one.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def throughput(files: list[Path], repeat: int) -> tuple[float, float, float]:
    """(MB/s, documents/s, MB) of extract_file over `files`, the best of `repeat` passes."""
    from loaders import extract_file

    extract_file(files[0])
    size = sum(f.stat().st_size for f in files)
    best, docs = float("inf"), 0
    for _ in range(repeat):
        t = time.process_time()
        docs = sum(len(extract_file(f)) for f in files)
        best = min(best, time.process_time() - t)
    return size / 1e6 / best, docs / best, size / 1e6


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--synthetic", type=int, default=200, help="documents in the synthetic corpus (0: none)")
    args = ap.parse_args(argv)
    corpora = {"samples": sorted((ROOT / "examples").glob("0*.txt")),
               "development (examples/dev)": sorted(p for p in (ROOT / "examples" / "dev").iterdir()
                                                    if p.suffix in (".txt", ".html", ".htm", ".docx", ".pdf"))}
    with tempfile.TemporaryDirectory() as tmp:
        if args.synthetic:
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), "--docs", str(args.synthetic),
                            "--out", tmp], check=True, capture_output=True)
            corpora[f"synthetic ({args.synthetic} files)"] = sorted(Path(tmp).iterdir())
        print("| corpus | MB | MB/s | documents/s |\n|---|---|---|---|")
        for name, files in corpora.items():
            mb_s, docs_s, mb = throughput(files, args.repeat)
            print(f"| {name} | {mb:.2f} | {mb_s:.2f} | {docs_s:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
