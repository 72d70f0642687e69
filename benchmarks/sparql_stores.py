"""rdflib versus Oxigraph on a built graph: load, a GROUP BY query, Turtle out. Prints figures.

    .venv/bin/python benchmarks/sparql_stores.py /tmp/policykg-bench/out-1000
"""
from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

QUERY = """PREFIX pk: <https://w3id.org/policykg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?agency (COUNT(DISTINCT ?task) AS ?n) WHERE { ?a pk:leads ?task ; skos:prefLabel ?agency }
GROUP BY ?agency ORDER BY DESC(?n) ?agency LIMIT 20"""


def timed(fn):
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def main(out: Path) -> int:
    import pyoxigraph as ox
    from rdflib import Graph

    ttl = out / "graph.ttl"
    print(f"graph: {ttl} ({ttl.stat().st_size / 1e6:.0f} MB)")
    load_r, g = timed(lambda: Graph().parse(ttl, format="turtle"))
    load_o, store = timed(lambda: _ox_store(ttl))
    q_r, rows_r = timed(lambda: list(g.query(QUERY)))
    q_o, rows_o = timed(lambda: list(store.query(QUERY)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w_r, _ = timed(lambda: g.serialize(format="turtle"))
    w_o, _ = timed(lambda: store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph()))
    assert len(rows_r) == len(rows_o)
    print(f"{len(g):,} triples")
    print("| step | rdflib | Oxigraph | speed-up |")
    print("|---|---|---|---|")
    for name, a, b in (("load Turtle", load_r, load_o), ("SPARQL GROUP BY", q_r, q_o), ("write Turtle", w_r, w_o)):
        print(f"| {name} | {a:.2f} s | {b:.2f} s | {a / b:.0f}× |")
    return 0


def _ox_store(path: Path):
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
