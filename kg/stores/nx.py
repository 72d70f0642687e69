"""networkx: the projection as a MultiDiGraph for analysis, and exports for Gephi and Cytoscape."""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from ..files import write_atomic
from ..projection import DERIVED, PropertyGraph

EXPORT_FORMATS = ("graphml", "gexf", "json")


def to_networkx(pg: PropertyGraph) -> nx.MultiDiGraph:
    """Nodes keyed by uri with their label and properties; edges keyed by relationship type (the facts: derived
    counts such as SHARES_TASKS are left out, so measures over the graph see only what documents say)."""
    g = nx.MultiDiGraph()
    for label, rows in pg.nodes.items():
        for row in rows:
            g.add_node(row["uri"], label=label, **{k: v for k, v in row.items() if k != "uri"})
    for rtype, rows in pg.rels.items():
        if rtype in DERIVED:
            continue
        for row in rows:
            props = {k: v for k, v in row.items() if k not in ("from", "to", "from_label", "to_label")}
            g.add_edge(row["from"], row["to"], key=rtype, type=rtype, **props)
    return g


def _flat(value):
    """GraphML and GEXF hold scalars only: lists become '; '-joined text, None is dropped by the caller."""
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value))
    return value


def _scalar_copy(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    h = nx.MultiDiGraph()
    for n, data in g.nodes(data=True):
        h.add_node(n, **{k: _flat(v) for k, v in data.items() if v is not None})
    for a, b, k, data in g.edges(keys=True, data=True):
        h.add_edge(a, b, key=k, **{kk: _flat(v) for kk, v in data.items() if v is not None})
    return h


def export(g: nx.MultiDiGraph, path: Path, fmt: str) -> None:
    """Write graphml (Gephi, Cytoscape, yEd), gexf (Gephi) or json (node-link, Cytoscape.js/d3)."""
    if fmt == "graphml":
        text = "\n".join(nx.generate_graphml(_scalar_copy(g), encoding="utf-8"))
    elif fmt == "gexf":
        text = "\n".join(nx.generate_gexf(_scalar_copy(g), encoding="utf-8"))
    elif fmt == "json":
        text = json.dumps(nx.node_link_data(g, edges="links"), ensure_ascii=False, indent=1, default=str)
    else:
        raise ValueError(f"unknown export format {fmt!r} ({', '.join(EXPORT_FORMATS)})")
    write_atomic(path, text + "\n")
