"""Interactive pyvis pages of the property graph: offline (everything inline), typed colours and a legend,
role-styled edges, plain-text tooltips with the source quote, filters by type and jurisdiction."""
from __future__ import annotations

import html
import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .files import write_atomic
from .projection import DERIVED, PropertyGraph

CJK_FONTS = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'WenQuanYi Zen Hei', 'Microsoft YaHei', " \
            "'PingFang SC', 'Source Han Sans SC', sans-serif"
NODE_STYLE = {  # label → (colour, shape, legend text)
    "Document": ("#4e79a7", "box", "文件 Document"),
    "Task": ("#f28e2b", "dot", "任务 Task"),
    "Agency": ("#59a14f", "ellipse", "机构 Agency"),
    "Jurisdiction": ("#b07aa1", "diamond", "行政区 Jurisdiction"),
    "Topic": ("#edc948", "star", "主题 Topic"),
    "Clause": ("#9c755f", "square", "条句 Clause"),
    "Provision": ("#ff9da7", "triangle", "条款 Provision"),
    "Instrument": ("#76b7b2", "hexagon", "政策工具 Instrument"),
}
FONT_SIZE = {"Document": 22, "Task": 12, "Agency": 20, "Jurisdiction": 22, "Topic": 20, "Clause": 10, "Provision": 12, "Instrument": 18}
EDGE_STYLE = {  # type → (label, colour, dashed, width)
    "LEADS": ("牵头", "#d62728", False, 3),
    "RESPONSIBLE_FOR": ("责任", "#2ca02c", False, 2),
    "COOPERATES_ON": ("配合", "#7f7f7f", True, 1),
    "CITES": ("引用", "#1f77b4", True, 1),
    "PART_OF": ("属于", "#9467bd", False, 2),
    "ISSUED_BY": ("发文", "#17becf", False, 1),
    "HAS_TASK": ("任务", "#ffbb78", False, 1),
    "IN_JURISDICTION": ("辖区", "#c5b0d5", True, 1),
    "WITHIN": ("位于", "#c5b0d5", True, 1),
    "ABOUT": ("主题", "#dbdb8d", True, 1),
    "SUB_ORGANIZATION_OF": ("隶属", "#98df8a", True, 1),
    "IN_DOCUMENT": ("条句", "#c49c94", True, 1),
    "REUSES": ("复用", "#8c564b", False, 2),  # solid: verbatim; the kind is in the tooltip
    "CASCADES_FROM": ("承接", "#e377c2", False, 2),
    "STATES_TASK": ("分工", "#ff9da7", True, 1),
    "USES_INSTRUMENT": ("工具", "#76b7b2", True, 1),
}


class VizError(Exception):
    """Nothing to show for the selection; the message says what was asked for."""


@dataclass
class Selection:
    """Which part of the graph to draw."""

    doc: str | None = None
    agency: str | None = None
    topic: str | None = None
    jurisdiction: str | None = None
    all: bool = False
    depth: int = 1
    max_nodes: int = 2000


def _neighbours(pg: PropertyGraph) -> dict[str, set[str]]:
    adj: dict[str, set[str]] = {}
    for rtype, rows in pg.rels.items():
        if rtype in DERIVED:
            continue
        for r in rows:
            adj.setdefault(r["from"], set()).add(r["to"])
            adj.setdefault(r["to"], set()).add(r["from"])
    return adj


def _degrees(pg: PropertyGraph) -> dict[str, int]:
    """Relationships at each node (both directions; a relationship from a node to itself counts twice)."""
    degree: dict[str, int] = {}
    for rtype, rows in pg.rels.items():
        if rtype in DERIVED:
            continue
        for r in rows:
            degree[r["from"]] = degree.get(r["from"], 0) + 1
            degree[r["to"]] = degree.get(r["to"], 0) + 1
    return degree


def _seeds(pg: PropertyGraph, sel: Selection) -> list[str]:
    def match(label: str, text: str, keys: tuple[str, ...]) -> list[str]:
        exact = [r["uri"] for r in pg.nodes[label] if any(r.get(k) == text for k in keys) or r["uri"] == text]
        return exact or [r["uri"] for r in pg.nodes[label] if any(text in (r.get(k) or "") for k in keys)]

    if sel.doc:
        return match("Document", sel.doc, ("doc_number", "title", "name"))
    if sel.agency:
        return match("Agency", sel.agency, ("name",)) or \
            [r["uri"] for r in pg.nodes["Agency"] if sel.agency in (r.get("aliases") or [])]
    if sel.topic:
        return match("Topic", sel.topic, ("name", "name_en"))
    if sel.jurisdiction:
        return match("Jurisdiction", sel.jurisdiction, ("name", "code"))
    return []


def select(pg: PropertyGraph, sel: Selection) -> tuple[list[dict], list[tuple[str, dict]]]:
    """Nodes (with their label) and relationships to draw: the seeds and `depth` steps around them."""
    labels = {r["uri"]: (label, r) for label, rows in pg.nodes.items() for r in rows}
    if sel.all:
        keep = list(labels)
        if len(keep) > sel.max_nodes:  # keep the best connected nodes: the most relationships (derived ones aside)
            degree = _degrees(pg)
            keep = sorted(keep, key=lambda u: (-degree.get(u, 0), u))[:sel.max_nodes]
    else:
        seeds = _seeds(pg, sel)
        if not seeds:
            asked = sel.doc or sel.agency or sel.topic or sel.jurisdiction
            raise VizError(f"nothing in the graph matches {asked!r}")
        adj = _neighbours(pg)
        keep, seen = [], set()
        queue = deque((s, 0) for s in seeds)
        while queue and len(keep) < sel.max_nodes:
            uri, d = queue.popleft()
            if uri in seen:
                continue
            seen.add(uri)
            keep.append(uri)
            if d < sel.depth:
                # topics and divisions are hubs: show them, do not walk through them
                if d > 0 and labels.get(uri, ("",))[0] in ("Topic", "Jurisdiction"):
                    continue
                queue.extend((n, d + 1) for n in sorted(adj.get(uri, ())) if n not in seen)
    kept = set(keep)
    doc_place = {r["uri"]: r.get("jurisdiction") for r in pg.nodes["Document"]}
    task_place = {r["to"]: doc_place.get(r["from"]) for r in pg.rels["HAS_TASK"]}
    nodes = [{"label": labels[u][0], **labels[u][1]} for u in keep if u in labels]
    for n in nodes:
        if n["label"] == "Task":
            n["jurisdiction"] = task_place.get(n["uri"])
    rels = [(rtype, r) for rtype, rows in pg.rels.items() if rtype not in DERIVED
            for r in rows if r["from"] in kept and r["to"] in kept]
    return nodes, rels


def select_overview(run, max_nodes: int) -> tuple[list[dict], list[tuple[str, dict]]]:
    """The overview's selection (as select with all=True) read from a database: `run(query, params)` → (columns,
    rows) on the build's embedded database. Every node when they are few, else the `max_nodes` with the most
    relationships (ties by uri); the database counts them, so the graph is never whole in memory."""
    nodes, rels, _ = ranked_overview(run, max_nodes)
    return nodes, rels


def node_degrees(run, uris: list[str]) -> dict[str, int]:
    """The relationships the overview counts (all but the derived counts) at each of `uris` that has any."""
    return dict(run("MATCH (n)-[r]-(m) WHERE n.uri IN $uris AND NOT label(r) IN $derived RETURN n.uri, count(r)",
                    {"uris": sorted(uris), "derived": sorted(DERIVED)})[1])


def ranked_overview(run, max_nodes: int) -> tuple[list[dict], list[tuple[str, dict]], dict]:
    """select_overview's nodes and relationships, and what a later build needs to tell, without counting every
    node again, whether a patch leaves the selection as it is: the last node taken by its count (`least`: [count,
    uri], None when every node is shown or the room was filled with unconnected nodes) and the documents of the
    tasks it shows (a task is drawn with its document's jurisdiction)."""
    from .projection import NODE_SCHEMA, REL_SCHEMA

    derived = sorted(DERIVED)
    least = None
    total = sum(run(f"MATCH (n:{label}) RETURN count(n)", {})[1][0][0] for label in NODE_SCHEMA)
    if total > max_nodes:
        # counted by the nodes' internal ids (the aggregation holds a number per node, not its uri), then the
        # uris of those at or above the k-th count, ties broken by uri
        degree = "MATCH (n)-[r]-(m) WHERE NOT label(r) IN $derived WITH n, count(r) AS d "
        counts = run(degree + "RETURN d ORDER BY d DESC LIMIT $k", {"derived": derived, "k": max_nodes})[1]
        ranked = run(degree + "WHERE d >= $least RETURN n.uri, d",
                     {"derived": derived, "least": counts[-1][0] if counts else 1})[1] if counts else []
        ranked = sorted(ranked, key=lambda x: (-x[1], x[0]))[:max_nodes]
        keep = [u for u, _ in ranked]
        if len(keep) == max_nodes:
            least = [ranked[-1][1], ranked[-1][0]]
        if len(keep) < max_nodes:  # fewer connected nodes than room: the unconnected ones by uri
            have = set(keep)
            rest = sorted(u for label in NODE_SCHEMA for (u,) in run(f"MATCH (n:{label}) RETURN n.uri", {})[1]
                          if u not in have)
            keep += rest[: max_nodes - len(keep)]
    else:
        keep = None
    found: dict[str, dict] = {}
    listed: list[str] = []
    for label in NODE_SCHEMA:
        if keep is None:
            rows = run(f"MATCH (n:{label}) RETURN n ORDER BY n.uri", {})[1]
        else:
            rows = run(f"MATCH (n:{label}) WHERE n.uri IN $uris RETURN n", {"uris": keep})[1]
        for (n,) in rows:
            found[n["uri"]] = {"label": label, **{k: v for k, v in n.items() if not k.startswith("_")}}
            listed.append(n["uri"])
    uris = keep if keep is not None else listed
    nodes = [found[u] for u in uris if u in found]
    tasks = [n["uri"] for n in nodes if n["label"] == "Task"]
    documents: set[str] = set()
    if tasks:
        rows = run("MATCH (d:Document)-[:HAS_TASK]->(t:Task) WHERE t.uri IN $uris RETURN t.uri, d.jurisdiction, d.uri",
                   {"uris": tasks})[1]
        place = {t: j for t, j, _ in rows}
        documents = {d for _, _, d in rows}
        for n in nodes:
            if n["label"] == "Task":
                n["jurisdiction"] = place.get(n["uri"])
    rel_order = {rtype: k for k, rtype in enumerate(REL_SCHEMA)}
    rows = run("MATCH (a)-[r]->(b) WHERE a.uri IN $uris AND b.uri IN $uris AND NOT label(r) IN $derived "
               "RETURN label(r), label(a), label(b), a.uri, b.uri, r", {"uris": uris, "derived": derived})[1]
    rels = [(rtype, {"from": a, "to": b, "from_label": la, "to_label": lb,
                     **{k: v for k, v in r.items() if not k.startswith("_")}})
            for rtype, la, lb, a, b, r in rows]
    rels.sort(key=lambda x: (rel_order[x[0]], x[1]["from"], x[1]["to"]))
    return nodes, rels, {"least": least, "documents": sorted(documents)}


def keeps_overview(delta, shown: set[str], least: list | None = None,
                   degrees: Callable[[list[str]], dict[str, int]] | None = None, full: bool = False) -> bool:
    """Whether an overview drawn from a database still holds after the database was patched with `delta`
    (kg.projection.TableDelta), the page's nodes being `shown` (with the documents of the tasks it shows): no
    changed row is a node it shows or a relationship between two; no new or removed row is at one (its count, by
    which the page takes and orders what it shows, would change); and every node at a new row still ranks below
    the last node the selection took by its count (`least`: [count, uri]; `degrees`: the counts after the patch of
    the nodes asked, kg.viz.node_degrees). The nodes shown keep their counts, those not shown only fall or are
    checked, so the best connected stay the same. Rows go only while the selection is one by counts (`least`)
    and the database keeps more nodes than the page has room for (`full`); without `least`, only changed rows
    keep it. The derived counts are not drawn; an agency's tasks_led is a node row like any other."""
    from .projection import DERIVED

    for (kind, name), keys in delta.removed.items():
        if kind == "rel" and name in DERIVED:
            continue
        if least is None or not full:
            return False
        for key in keys:
            if any(end in shown for end in ((key,) if kind == "node" else key)):
                return False
    grown: set[str] = set()  # nodes at a new row: their counts grew (or they are new)
    for (kind, name), rows in delta.written.items():
        if kind == "rel" and name in DERIVED:
            continue
        changed = delta.changed.get((kind, name), set())
        for row in rows:
            key = row["uri"] if kind == "node" else (row["from"], row["to"])
            ends = (key,) if kind == "node" else key
            if key in changed:  # a node drawn, or a relationship drawn (between two nodes it shows), is not the same
                if all(end in shown for end in ends):
                    return False
            elif any(end in shown for end in ends):  # a count it ranks by grew
                return False
            else:
                grown.update(ends)
    if not grown:
        return True
    if least is None or degrees is None:
        return False
    count, last = least
    return all(d < count or d == count and uri > last for uri, d in degrees(sorted(grown)).items())


def _short(text: str | None, n: int = 18) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def _tooltip(node: dict) -> str:
    """Plain text (vis-network shows a string title as text, so document text never runs as markup)."""
    label = node["label"]
    lines = [f"[{NODE_STYLE[label][2]}] {node.get('name') or ''}"]
    for key, name in (("doc_number", "文号"), ("date", "日期"), ("jurisdiction", "行政区"), ("org_class", "类别"),
                      ("functional_type", "职能"), ("number", "编号"), ("deadline", "时限"), ("code", "代码"),
                      ("source", "来源文件")):
        if node.get(key):
            lines.append(f"{name}: {node[key]}")
    if node.get("quote"):
        lines.append(f"原文 ({node.get('start')}–{node.get('end')}): {_short(node['quote'], 160)}")
    if label in ("Task", "Clause", "Provision") and node.get("text"):
        lines.append(_short(node["text"], 240))
    return "\n".join(lines)


def _edge_tooltip(rtype: str, r: dict) -> str:
    lines = [EDGE_STYLE[rtype][0] + f" ({rtype})"]
    if r.get("quote"):
        lines.append(f"原文 {r.get('source')} {r.get('start')}–{r.get('end')}: {_short(r['quote'], 160)}")
    if r.get("relation"):
        lines.append(f"relation: {r['relation']}")
    if r.get("score") is not None:
        lines.append(f"score {r['score']}, copied {r.get('copied')}, headings alike {r.get('heading_alike')}")
    if r.get("words"):
        lines.append("words: " + "、".join(r["words"]))
    if r.get("kind"):
        lines.append(f"{r['kind']}: similarity {r.get('similarity')}, copied {r.get('copied')}")
    return "\n".join(lines)


def render(nodes: list[dict], rels: list[tuple[str, dict]], title: str, path: Path) -> Path:
    """Write the page: pyvis with inline vis-network, plus a legend and type/jurisdiction filters.

    Tooltips travel as `tip`, never as pyvis's `title`: pyvis switches to an innerHTML popup when any title
    holds "href", so document text could run as markup. The page script hands them to vis-network as plain
    strings (shown with innerText), and a Content-Security-Policy forbids every request the page could make."""
    from pyvis.network import Network

    net = Network(height="900px", width="100%", directed=True, cdn_resources="in_line", heading="")
    for n in nodes:
        colour, shape, _ = NODE_STYLE[n["label"]]
        place = n.get("name") if n["label"] == "Jurisdiction" else n.get("jurisdiction") or ""
        label = n.get("number") or "" if n["label"] in ("Task", "Provision") else \
            _short(n.get("text"), 12) if n["label"] == "Clause" else _short(n.get("name"))
        extra = {"size": 9} if n["label"] == "Task" else {}  # (size on box/ellipse shapes breaks physics)
        net.add_node(n["uri"], label=label, tip=_tooltip(n), color=colour, shape=shape, **extra,
                     jurisdiction=place, kind=n["label"],
                     font={"face": CJK_FONTS, "size": FONT_SIZE[n["label"]], "color": "#222"})
    for rtype, r in rels:
        label, colour, dashed, width = EDGE_STYLE[rtype]
        if rtype == "REUSES" and r.get("kind") == "adapted":
            label, dashed = "改写", True
        net.add_edge(r["from"], r["to"], label=label, tip=_edge_tooltip(rtype, r), color=colour, dashes=dashed,
                     width=width, arrows="to", font={"face": CJK_FONTS, "size": 11, "align": "middle"},
                     rel_type=rtype)
    big = len(nodes) > 300
    net.set_options(json.dumps({
        "layout": {"randomSeed": 42, "improvedLayout": not big},
        "physics": {"solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120, "avoidOverlap": 0.4},
                    "stabilization": {"enabled": True, "iterations": 250 if big else 600, "fit": True},
                    "minVelocity": 1.0},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
        "edges": {"smooth": {"type": "continuous"} if not big else False},
    }))
    page = net.generate_html()
    if "popup.innerHTML" in page:  # pyvis took its markup-tooltip path: document text could run as script
        raise VizError("pyvis produced an HTML tooltip template; refusing to write a page that renders markup")
    page = _offline(page)
    page = page.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" '
                        f'content="{_CSP}">', 1)
    page = page.replace("</head>", _HEAD.replace("__TITLE__", html.escape(title)) + "</head>", 1)
    jurisdictions = sorted({n.get("jurisdiction") or "" for n in nodes} - {""})
    legend = _legend(jurisdictions, len(nodes), len(rels))
    page = page.replace("<body>", "<body>" + legend, 1)
    page = page.replace("</body>", _SCRIPT + "</body>", 1)
    write_atomic(path, page)
    return path


def _offline(page: str) -> str:
    """Drop pyvis's CDN links (Bootstrap): the page must work with no network."""
    page = re.sub(r"<link[^>]+https?://[^>]+>\s*", "", page)
    page = re.sub(r"<script[^>]+src=\"https?://[^>]+>\s*</script>\s*", "", page)
    return page


def _legend(jurisdictions: list[str], n_nodes: int, n_rels: int) -> str:
    node_items = "".join(f'<span class="pk-key"><i style="background:{c}"></i>{html.escape(t)}</span>'
                         for c, _, t in NODE_STYLE.values())
    edge_items = "".join(f'<span class="pk-key"><b style="border-color:{c};border-style:{"dashed" if d else "solid"}">'
                         f'</b>{html.escape(t)}</span>' for t, c, d, _ in EDGE_STYLE.values() if t in
                         ("牵头", "责任", "配合", "引用", "属于"))
    types = "".join(f'<option value="{k}">{html.escape(v[2])}</option>' for k, v in NODE_STYLE.items())
    places = "".join(f'<option value="{html.escape(j)}">{html.escape(j)}</option>' for j in jurisdictions)
    return (f'<div id="pk-panel"><div class="pk-title" id="pk-title"></div>'
            f'<div>{node_items}</div><div>{edge_items}</div>'
            f'<label>类型 <select id="pk-type"><option value="">全部 all</option>{types}</select></label> '
            f'<label>行政区 <select id="pk-place"><option value="">全部 all</option>{places}</select></label> '
            f'<span class="pk-count">{n_nodes} nodes · {n_rels} edges</span></div>')


_CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")

_HEAD = """<title>__TITLE__</title>
<style>
  body { margin: 0; font-family: %s; }
  #pk-panel { position: absolute; z-index: 10; top: 8px; left: 8px; right: 8px; background: rgba(255,255,255,.92);
              border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; font-size: 13px; }
  .pk-title { font-weight: bold; font-size: 15px; margin-bottom: 4px; }
  .pk-key { margin-right: 12px; white-space: nowrap; }
  .pk-key i { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 4px; }
  .pk-key b { display: inline-block; width: 22px; height: 0; border-top-width: 3px; margin: 0 4px 3px 0; }
  .pk-count { color: #666; margin-left: 10px; }
  div.vis-tooltip { white-space: pre-wrap; max-width: 460px; font-family: %s; }
  #mynetwork { margin-top: 0; }
</style>
<script>document.addEventListener("DOMContentLoaded", function () {
  document.getElementById("pk-title").textContent = document.title; });</script>
""" % (CJK_FONTS, CJK_FONTS)

_SCRIPT = """<script>
(function () {
  // tooltips as plain strings: vis-network shows a string title with innerText, never as markup
  nodes.update(nodes.get().map(function (n) { return {id: n.id, title: String(n.tip || "")}; }));
  edges.update(edges.get().map(function (e) { return {id: e.id, title: String(e.tip || "")}; }));
  function apply() {
    var kind = document.getElementById("pk-type").value;
    var place = document.getElementById("pk-place").value;
    var updates = nodes.get().map(function (n) {
      var hide = (kind && n.kind !== kind) || (place && n.jurisdiction !== place && n.kind !== "Topic");
      return {id: n.id, hidden: !!hide};
    });
    nodes.update(updates);
  }
  document.getElementById("pk-type").addEventListener("change", apply);
  document.getElementById("pk-place").addEventListener("change", apply);
  var settled = false;
  function ready() {
    if (settled) { return; }
    settled = true;  // stopSimulation() fires the stabilisation event again
    network.stopSimulation();
    network.setOptions({physics: false});
    network.fit();
    var bar = document.getElementById("loadingBar");
    if (bar) { bar.style.display = "none"; }
    window.pkReady = true;
  }
  network.once("stabilizationIterationsDone", ready);
  setTimeout(ready, 20000);
})();
</script>
"""


def page(pg: PropertyGraph, sel: Selection, path: Path, title: str | None = None) -> tuple[Path, int, int]:
    """Select, render and write a page: (path, nodes, edges)."""
    nodes, rels = select(pg, sel)
    if title is None:
        what = sel.doc or sel.agency or sel.topic or sel.jurisdiction
        title = f"policykg — {what}" if what else "policykg — overview"
    render(nodes, rels, title, path)
    return path, len(nodes), len(rels)
