"""Where a build's main process holds its memory: `kg build` as a child, its resident memory sampled. Never part of
the tests.

    .venv/bin/python benchmarks/build_memory.py CORPUS OUT [--jobs 2] [--every 0.2] [--window 5]

Runs `python -m kg build CORPUS --out OUT --jobs N` and reads the build's own process's VmRSS from /proc every
`--every` seconds: prints its peak, the largest sample of each `--window` seconds (the timeline that shows which
phase holds what), the largest process of the build's tree (getrusage of the children waited for: the main
process or one of its workers — the database's load, the overview, a merge), and the build's phase timings from
build-info.json. Linux only (/proc).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def resident_mb(pid: int) -> int | None:
    """The resident memory of process `pid` in MB, None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def sampled(corpus: Path, out: Path, jobs: int, every: float, window: float) -> tuple[int, float, int, dict]:
    """(exit code, wall seconds, peak MB, largest sample per window start) of one build."""
    t0 = time.perf_counter()
    build = subprocess.Popen([sys.executable, "-m", "kg", "build", str(corpus), "--out", str(out), "--jobs", str(jobs)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    windows: dict[float, int] = {}
    while build.poll() is None:
        mb = resident_mb(build.pid)
        if mb is not None:
            start = (time.perf_counter() - t0) // window * window
            windows[start] = max(windows.get(start, 0), mb)
        time.sleep(every)
    err = build.stderr.read()
    if build.returncode not in (0, 1):
        raise RuntimeError(err[-2000:])
    return build.returncode, time.perf_counter() - t0, max(windows.values(), default=0), windows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--every", type=float, default=0.2, help="seconds between samples")
    ap.add_argument("--window", type=float, default=5.0, help="seconds of the timeline's steps")
    args = ap.parse_args(argv)
    code, wall, peak, windows = sampled(args.corpus, args.out, args.jobs, args.every, args.window)
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(f"exit {code}, {wall:.1f} s, main process peak {peak} MB, largest process of the build {largest} MB")
    print("timeline (window start: largest sample, MB): " + " ".join(f"{s:.0f}s:{mb}" for s, mb in windows.items()))
    info = json.loads((args.out / "build-info.json").read_text("utf-8"))
    print("phases (s):", {k: round(v, 1) for k, v in info["timings_s"].items()}, "—", info.get("shared_merge"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
