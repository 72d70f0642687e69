"""What the build's main process keeps per file and per document, measured with tracemalloc. Never part of the tests.

    .venv/bin/python benchmarks/index_memory.py CORPUS --files 1000 --scale 100

Extracts the first `--files` files of CORPUS (e.g. from benchmarks/synth.py), then scales their document keys
`--scale` times (each copy with its own names, IRIs, titles and 文号) and prints, per file, what the keys cost
held in memory (as a build held them before kg.build.KeyLog: decoded from each file's cache summary) against in
a KeyLog (a position per file), with the ratio; what a build keeps of each file besides (its outcome, name and
graph entry) in lists against in spools (kg.spool), with the ratio; what the corpus index that kg.rdf.plan_stream
makes before the first plan holds, per document, the keys read back from the log; and what the list of input
files costs as Paths against strings (loaders.read.iter_paths / file_names), per file, with the ratio.
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def traced(make) -> tuple[object, int, int]:
    """make() with tracemalloc on: (its value, bytes held by it after a collection, the peak while making it)."""
    gc.collect()
    tracemalloc.start()
    value = make()
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return value, held, peak


def scaled_keys(corpus: Path, files: int, scale: int) -> list:
    from kg.identity import document_keys
    from loaders import extract_file
    from loaders.read import file_names

    found = []
    for name in file_names([corpus])[:files]:
        try:
            found.append((Path(name).name, document_keys(extract_file(Path(name)))))
        except Exception:  # a file the loaders refuse is not part of the index
            continue
    return [(f"{c}-{name}", [dataclasses.replace(k, source=f"{c}-{k.source}", iri=f"{k.iri}/c{c}",
                                                 number=f"{k.number}{c}" if k.number else None,
                                                 title=f"{k.title}{c}" if k.title else None) for k in keys])
            for c in range(scale) for name, keys in found]


def kept_per_file(folder: Path, sources: list[str], documents: int) -> None:
    """Prints what a build keeps of each file besides its keys — its outcome (path, cache entry, summary), its name
    and its graph entry (kg.build.FileOutcome, FileGraph), shaped as a build makes them — held in lists (as builds
    did until the twelfth session) against in spools (kg.spool), per file, with the ratio."""
    import hashlib

    from kg.build import FileGraph, FileOutcome, FileSummary
    from kg.spool import Spool

    per_doc = documents / len(sources)
    findings = {"no_date": 1, "no_issuer": 1}

    def records():
        for k, name in enumerate(sources):
            h = hashlib.sha256(name.encode()).hexdigest()
            docs = max(1, round(per_doc * (k % 3 + 1) / 2))
            outcome = FileOutcome(f"/data/corpus/{name}", FileSummary(docs, 6 * docs, findings, 300 * k),
                                  cache_entry=f"/data/out/.cache/extract-b1e52585961abe9a/{h[:2]}/{h}.json")
            graph = FileGraph(f"/data/out/.cache/graph-8d9457b3a05cd921/{h[:2]}/{h}", True, (), 500, False,
                              tuple(f"https://w3id.org/policykg/id/doc/{h[:24]}/{d}" for d in range(docs)), h)
            yield outcome, name, graph

    def kept(make) -> list:
        outcomes, names, graphs = make(), make(), make()
        for outcome, name, graph in records():
            outcomes.append(outcome)
            names.append(name)
            graphs.append(graph)
        return [outcomes, names, graphs]

    held, in_lists, _ = traced(lambda: kept(list))
    del held
    held, in_spools, _ = traced(lambda: kept(lambda: Spool(folder)))
    n = len(sources)
    print(f"outcome, name and graph entry ({n:,} files): in lists {in_lists / 1e6:.1f} MB ({in_lists / n:.0f} B a "
          f"file), in spools {in_spools / 1e6:.1f} MB ({in_spools / n:.0f} B a file, their write buffers included) — "
          f"{in_lists / in_spools:.0f}× less")


def main(argv=None) -> int:
    from kg.build import KeyLog
    from kg.identity import DocumentKey
    from kg.rdf import plan_stream
    from loaders.read import file_names, iter_paths

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--scale", type=int, default=100)
    args = ap.parse_args(argv)
    files = scaled_keys(args.corpus, args.files, args.scale)
    data = [json.dumps([k.to_data() for k in keys], ensure_ascii=False) for _, keys in files]
    sources = [name for name, _ in files]
    documents = sum(len(keys) for _, keys in files)
    del files
    held, in_memory, _ = traced(lambda: [[DocumentKey.from_data(k) for k in json.loads(d)] for d in data])
    del held
    with tempfile.TemporaryDirectory() as tmp:
        log = KeyLog(Path(tmp))
        at, in_log, _ = traced(lambda: [log.add(json.loads(d)) for d in data])
        n = len(sources)
        print(f"document keys ({n:,} files, {documents:,} documents): in memory {in_memory / n:.0f} B a file, "
              f"in a key log {in_log / n:.0f} B a file — {in_memory / in_log:.0f}× less")
        stream, held, peak = traced(lambda: (lambda s: (s, next(s)))(plan_stream(sources, lambda f: log.read(at[f]))))
        print(f"corpus index: {held / 1e6:.1f} MB held ({held / documents:.0f} B a document), {peak / 1e6:.1f} MB "
              "at its peak")
        del stream
        log.close()
        kept_per_file(Path(tmp), sources, documents)
    paths, as_paths, _ = traced(lambda: [str(p) and p.name and p for p in iter_paths([args.corpus])])
    del paths
    names, as_strings, _ = traced(lambda: file_names([args.corpus]))
    n = len(names)
    print(f"input list ({n:,} files): Paths {as_paths / n:.0f} B a file, strings {as_strings / n:.0f} B a file — "
          f"strings hold {as_paths / as_strings:.1f}× less")
    return 0


if __name__ == "__main__":
    sys.exit(main())
