"""Whether LadybugDB's COPY of a node table deadlocks on two threads, on the IRIs of a build. Never part of the tests.

    .venv/bin/python benchmarks/ladybug_copy_hang.py BUILD [--rows 135810] [--tries 5] [--timeout 30]

Takes the Document IRIs of BUILD's tables, repeats them with a suffix (-1, -2, …) up to --rows distinct keys, and
copies them into a fresh database's node table (the key only), each try in a process of its own stopped after
--timeout seconds: with every thread and with one (kg.stores.ladybug.NODE_COPY_THREADS). Prints how many tries
loaded and how many hung. On a 10k synthetic build, LadybugDB 0.22 on two cores hung 5 of 5 tries on two threads
above 131,072 rows (one node group) and loaded 5 of 5 on one; 100,000 rows loaded either way.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_COPY = """
import sys, ladybug
folder, threads = sys.argv[1], int(sys.argv[2])
db = ladybug.Database(folder + "/db", buffer_pool_size=1 << 30)
conn = ladybug.Connection(db)
conn.execute("CREATE NODE TABLE D(uri STRING PRIMARY KEY)")
if threads:
    conn.execute(f"CALL threads={threads}")
conn.execute(f"COPY D FROM '{folder}/keys.parquet'")
print(conn.execute("MATCH (d:D) RETURN count(d)").get_next()[0])
"""


def keys(build: Path, rows: int) -> list[str]:
    """The build's Document IRIs, then each again with a suffix, until `rows` distinct keys."""
    import pyarrow.parquet as pq

    base = pq.read_table(build / "tables" / "Document", columns=["uri"])["uri"].to_pylist()
    out = [base[i % len(base)] + (f"-{i // len(base)}" if i >= len(base) else "") for i in range(rows)]
    if len(set(out)) != len(out):
        raise SystemExit("the suffixed IRIs collide with the build's own: choose another --rows")
    return out


def main(argv=None) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", type=Path)
    ap.add_argument("--rows", type=int, default=135_810)
    ap.add_argument("--tries", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args(argv)
    print("| threads | loaded | hung | seconds (loaded) |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        pq.write_table(pa.table({"uri": keys(args.build, args.rows)}), f"{tmp}/keys.parquet")
        for threads in (0, 1):
            loaded, hung, seconds = 0, 0, []
            for k in range(args.tries):
                folder = Path(tmp) / f"try-{threads}-{k}"
                folder.mkdir()
                (folder / "keys.parquet").symlink_to(Path(tmp) / "keys.parquet")
                t = time.perf_counter()
                try:
                    done = subprocess.run([sys.executable, "-c", _COPY, str(folder), str(threads)],
                                          capture_output=True, text=True, timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    hung += 1
                    continue
                if done.returncode == 0 and done.stdout.strip() == str(args.rows):
                    loaded += 1
                    seconds.append(time.perf_counter() - t)
                else:
                    print(done.stderr[-500:], file=sys.stderr)
            spent = f"{min(seconds):.2f}–{max(seconds):.2f}" if seconds else "–"
            print(f"| {'every' if threads == 0 else threads} | {loaded} | {hung} | {spent} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
