"""All-pairs text reuse on a synthetic corpus: MinHash/LSH candidates, then clause alignment, against the cost of
aligning every pair of documents. Never part of the tests.

    .venv/bin/python benchmarks/reuse.py --docs 10000 [--corpus DIR] [--jobs 2]

Prints the corpus size, the LSH time and candidate pairs, the alignment time of the candidates, the measured
cost of one alignment on a random sample of all pairs, and the ratio of the all-pairs estimate to the LSH route.
The synthetic corpus (benchmarks/synth.py) recombines the samples' sentences, so it has far more near-duplicate
documents than a real one: a stress for the candidate step, not a measure of reuse in real policy.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _clauses(path: str) -> list[tuple[str, list[str]]]:
    from loaders import extract_file
    from loaders.read import LoaderError

    try:
        return [(f"{Path(path).name}#{d.doc_id}", [c.text for c in d.clauses]) for d in extract_file(path)]
    except LoaderError:
        return []


def main(argv=None) -> int:
    from kg.reuse import align, near_duplicate_pairs, prepare

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10000, help="files of the synthetic corpus")
    ap.add_argument("--corpus", type=Path, help="an existing corpus folder instead of a fresh synthetic one")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=0.5, help="LSH Jaccard threshold (4-gram shingles)")
    ap.add_argument("--sample", type=int, default=300, help="random pairs aligned to price the all-pairs route")
    ap.add_argument("--max-pairs", type=int, default=20000, help="candidates aligned in full (the rest priced)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp)
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), "--docs", str(args.docs),
                            "--out", tmp], check=True, capture_output=True)
        files = sorted(str(p) for p in corpus.iterdir() if p.is_file())
        t = time.perf_counter()
        with Pool(args.jobs) as pool:
            docs = dict(x for part in pool.imap(_clauses, files, chunksize=64) for x in part)
        t_extract = time.perf_counter() - t
        n_clauses = sum(map(len, docs.values()))
        print(f"{len(files):,} files → {len(docs):,} documents, {n_clauses:,} clauses (extracted in {t_extract:.0f} s)")
        t = time.perf_counter()
        pairs = near_duplicate_pairs(docs, threshold=args.threshold)
        t_lsh = time.perf_counter() - t
        print(f"MinHash/LSH (threshold {args.threshold}): {len(pairs):,} candidate pairs in {t_lsh:.1f} s")
        t = time.perf_counter()
        prepared = {k: prepare(v) for k, v in docs.items()}
        t_prepare = time.perf_counter() - t
        rnd = random.Random(7)
        todo = pairs if len(pairs) <= args.max_pairs else rnd.sample(pairs, args.max_pairs)
        t = time.perf_counter()
        reused = sum(len(align(prepared[a], prepared[b])) for a, b in todo)
        t_part = time.perf_counter() - t
        t_align = t_part * len(pairs) / max(1, len(todo))
        print(f"preparing every document once: {t_prepare:.1f} s; aligning "
              + (f"all {len(pairs):,} candidates" if todo is pairs else
                 f"{len(todo):,} of the {len(pairs):,} candidates (the rest priced at the same rate)")
              + f": {t_align:.1f} s ({t_part / max(1, len(todo)) * 1000:.2f} ms a pair, {reused:,} reused clauses)")
        keys = list(docs)
        sample = [tuple(rnd.sample(keys, 2)) for _ in range(args.sample)]
        t = time.perf_counter()
        for a, b in sample:
            align(prepared[a], prepared[b])
        per_pair = (time.perf_counter() - t) / len(sample)
        all_pairs = len(keys) * (len(keys) - 1) // 2
        estimate = all_pairs * per_pair
        print(f"every pair instead: {all_pairs:,} pairs × {per_pair * 1000:.1f} ms = {estimate / 3600:.1f} h "
              f"(one core); LSH route {t_lsh + t_prepare + t_align:.0f} s — "
              f"{estimate / (t_lsh + t_prepare + t_align):,.0f}× less")
    return 0


if __name__ == "__main__":
    sys.exit(main())
