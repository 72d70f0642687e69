"""Per-file SHACL validation with the fast engine (`shacl`, Rust) and the reference (pySHACL), as a ratio.

    python benchmarks/shacl_engines.py BUILD_FOLDER      # a folder `kg build` wrote (its graph.nq)

Both engines get each file's graph as N-Triples, as the build hands it to them: the fast engine reads the text
directly; pySHACL needs an rdflib graph parsed from it (that parse is part of its cost in the build too).
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from kg.validate import _validate_ntriples, source_graphs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    args = ap.parse_args()
    graphs = source_graphs(args.folder / "graph.nq")
    triples = sum(len(g) for g in graphs)
    texts = [(str(i), g.serialize(format="nt").encode("utf-8")) for i, g in enumerate(graphs)]
    times = {}
    for engine in ("shacl", "pyshacl"):
        os.environ["KG_SHACL_ENGINE"] = engine
        _validate_ntriples(texts[0])  # warm: shapes compiled, imports done
        t = time.perf_counter()
        verdicts = [_validate_ntriples(x)[1] for x in texts]
        times[engine] = time.perf_counter() - t
        print(f"{engine}: {len(graphs)} file graphs, {triples:,} triples, {times[engine]:.2f} s, "
              f"all conform: {all(verdicts)}")
    print(f"pySHACL / shacl: {times['pyshacl'] / times['shacl']:.1f}x")


if __name__ == "__main__":
    main()
