"""Every named research query, in the Cypher subset that LadybugDB and Neo4j both run identically.

Rules of that subset: values always as $parameters (an empty string means "no filter", since
LadybugDB cannot type a null parameter); no type(r) (roles are the `role` property); `end` in
backticks (a LadybugDB keyword); every ORDER BY total, so both engines return the same rows in the
same order (find-document's Document.find_order is unique but by chance: kg.projection.find_order);
arithmetic on a parameter goes through an INT64 property (s.rank - $skip, not $skip + $limit):
LadybugDB types a small integer parameter as INT8.
"""
from __future__ import annotations

from dataclasses import dataclass

ROLE_TYPES = "LEADS|RESPONSIBLE_FOR|COOPERATES_ON"


@dataclass(frozen=True)
class NamedQuery:
    """A query runnable by name: its Cypher text and the parameters it takes."""

    name: str
    description: str
    cypher: str
    params: tuple[str, ...]


LEAD_AGENCIES = NamedQuery(
    "lead-agencies",
    "Which agencies lead tasks, by jurisdiction, with counts (optionally one level); a page of the ranking.",
    """
MATCH (a:Agency)-[:IN_JURISDICTION]->(j:Jurisdiction)
WHERE a.tasks_led > 0 AND ($level = '' OR j.level = $level)
RETURN j.name AS jurisdiction, j.level AS level, a.name AS agency, a.tasks_led AS tasks
ORDER BY tasks DESC, jurisdiction, agency
SKIP $skip LIMIT $limit
""",
    ("level", "skip", "limit"),
)
LEAD_AGENCIES_ON_TOPIC = NamedQuery(
    "lead-agencies",
    "Which agencies lead tasks about one topic (the task's or its document's), by jurisdiction, with counts.",
    """
MATCH (a:Agency)-[s:LEADS_ON]->(:Topic {name: $topic})
WHERE ($level = '' AND s.rank > $skip AND s.rank - $skip <= $limit)
   OR ($level <> '' AND s.level = $level AND s.level_rank > $skip AND s.level_rank - $skip <= $limit)
RETURN s.jurisdiction AS jurisdiction, s.level AS level, a.name AS agency, s.tasks AS tasks
ORDER BY tasks DESC, jurisdiction, agency, a.uri
""",
    ("topic", "level", "skip", "limit"),
)


def lead_agencies(topic: str = "", level: str = "", limit: int = 50, page: int = 1) -> tuple[NamedQuery, dict]:
    """The lead-agencies query and its parameters: one page (1-based) of `limit` rows; limit 0 is every row.

    Counts come from the build's derived LEADS_ON and tasks_led (kg.projection.summarise), so the query reads
    one row per agency instead of aggregating every task; on a topic, a page is a range of the ranks the build
    gave the topic's leads (kg.projection.derived_rows), not a sort of all of them."""
    params = {"level": level, **paging(limit, page)}
    if topic:
        return LEAD_AGENCIES_ON_TOPIC, {"topic": topic, **params}
    return LEAD_AGENCIES, params


DEFAULT_LIMIT = 50  # rows per page of a named query unless asked otherwise
ALL_ROWS = 1_000_000_000  # LIMIT for "no limit" (Cypher has no LIMIT ALL)


def paging(limit: int = DEFAULT_LIMIT, page: int = 1) -> dict:
    """{skip, limit} for one page (1-based) of `limit` rows; limit 0 means every row (one page)."""
    if page < 1:
        raise ValueError("page numbers start at 1")
    if limit < 0:
        raise ValueError("limit is 0 (every row) or more")
    if limit == 0:
        return {"skip": 0, "limit": ALL_ROWS}
    return {"skip": (page - 1) * limit, "limit": limit}


# Two steps, because LadybugDB reads at the scan every property a query uses later, for every document: the first
# reads only what it tests and sorts by (no name, no kind) and keeps ten uris; the second looks those ten up by uri
# (the primary key) for the columns returned. The order is the build's find_order (kg.projection.find_order: loaded
# before cited, a shorter name first) — an integer: sorting the matches by kind, name and uri read those strings of
# every match. At 100k documents (40,321 of 151,025 titles match 实施方案) 88–106 → 30–42 ms. `d.title = $text` needs
# no test of its own in WHERE: a title equal to the text contains it.
FIND_DOCUMENT = NamedQuery(
    "find-document",
    "Documents matching a 文号, a title (exact or a part of it) or a uri, best match first: exact matches, then "
    "loaded before cited documents, shorter names first.",
    """
MATCH (d:Document)
WHERE d.title CONTAINS $text OR d.doc_number = $number OR d.uri = $text
WITH d.uri AS found, d.find_order AS place,
     CASE WHEN d.uri = $text OR d.doc_number = $number OR d.title = $text THEN 0 ELSE 1 END AS rank
ORDER BY rank, place
LIMIT 10
MATCH (x:Document {uri: found})
RETURN x.uri AS uri, x.name AS document, x.doc_number AS doc_number, x.kind AS kind, rank
ORDER BY rank, x.find_order
""",
    ("text", "number"),
)

_LINEAGE_UP = """
MATCH p = (d:Document {{uri: $uri}})-[:CITES*1..{depth}]->(x:Document)
WHERE x.uri <> $uri
RETURN 'up' AS direction, min(length(p)) AS depth, x.name AS document, x.doc_number AS doc_number,
       x.level AS level, x.kind AS kind, x.uri AS uri
ORDER BY depth, document, uri
"""
_LINEAGE_DOWN = """
MATCH p = (x:Document)-[:CITES*1..{depth}]->(d:Document {{uri: $uri}})
WHERE x.uri <> $uri
RETURN 'down' AS direction, min(length(p)) AS depth, x.name AS document, x.doc_number AS doc_number,
       x.level AS level, x.kind AS kind, x.uri AS uri
ORDER BY depth, document, uri
"""
MAX_DEPTH = 6


def lineage_query(direction: str, depth: int) -> NamedQuery:
    """The chain of documents a document implements ('up') or that implement it ('down')."""
    if direction not in ("up", "down"):
        raise ValueError("direction is 'up' or 'down'")
    if not 1 <= int(depth) <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}")
    text = (_LINEAGE_UP if direction == "up" else _LINEAGE_DOWN).format(depth=int(depth))
    return NamedQuery(f"lineage-{direction}", f"Documents {direction} the citation chain, depth ≤ {depth}.",
                      text, ("uri",))


# LIMIT repeats the bound of the rank range: with it Neo4j reads the page from its index on SHARES_TASKS.rank in
# order and stops (kg.stores.neo4j.RANKED); without it, it scanned every pair (262 ms at 30k documents).
CO_RESPONSIBILITY = NamedQuery(
    "co-responsibility",
    "Pairs of agencies that share tasks (any role), with the number of shared tasks; a page of the ranking.",
    """
MATCH (a:Agency)-[s:SHARES_TASKS]->(b:Agency)
WHERE s.rank > $skip AND s.rank - $skip <= $limit
RETURN a.name AS agency_a, b.name AS agency_b, s.tasks AS shared_tasks
ORDER BY s.rank
LIMIT $limit
""",
    ("skip", "limit"),
)

AGENCY_TASKS = NamedQuery(
    "agency",
    "Tasks of one agency (by name, part of a name, or an alias), with role and quote; a page of them.",
    f"""
MATCH (a:Agency)
WHERE a.tasks_held > 0 AND (a.name CONTAINS $name OR $name IN a.aliases)
WITH a ORDER BY a.name, a.uri LIMIT $agencies
MATCH (a)-[r:{ROLE_TYPES}]->(t:Task)
WITH a, r, t ORDER BY a.name, a.uri, r.source, r.start, r.role, t.number SKIP $skip LIMIT $limit
MATCH (d:Document {{uri: t.document}})
RETURN a.name AS agency, r.role AS role, t.number AS number, t.heading AS heading, r.quote AS quote,
       d.name AS document, r.source AS source, r.start AS start, r.`end` AS `end`
ORDER BY agency, a.uri, source, start, role, number
""",
    ("name", "skip", "limit", "agencies"),
)


def agency_tasks(name: str, limit: int = DEFAULT_LIMIT, page: int = 1) -> tuple[NamedQuery, dict]:
    """The agency query and its parameters for one page. Rows go agency by agency (name, then uri) and every
    agency it reads holds a task (the build's tasks_held), so the page's rows are among those of the first
    skip + limit matching agencies: only those are read and sorted, not every matching agency's roles; the
    document of each of the page's tasks is then looked up by its uri (joining the tasks with every document
    cost more than the rest at 100k documents)."""
    params = paging(limit, page)
    return AGENCY_TASKS, {"name": name, **params, "agencies": params["skip"] + params["limit"]}


REUSE = NamedQuery(
    "reuse",
    "The clauses of one document that copy (verbatim) or adapt clauses of the documents it implements.",
    """
MATCH (c:Clause)-[:IN_DOCUMENT]->(d:Document {uri: $uri})
MATCH (c)-[r:REUSES]->(p:Clause)-[:IN_DOCUMENT]->(pd:Document)
RETURN c.start AS start, c.`end` AS `end`, r.kind AS kind, r.similarity AS similarity, r.copied AS copied,
       c.quote AS clause, pd.name AS parent, p.quote AS parent_clause, p.source AS parent_source,
       p.start AS parent_start
ORDER BY start, parent, parent_start
SKIP $skip LIMIT $limit
""",
    ("uri", "skip", "limit"),
)

CASCADE = NamedQuery(
    "cascade",
    "Which items of the documents it implements each task of one document carries down, and who carries it.",
    f"""
MATCH (d:Document {{uri: $uri}})-[:HAS_TASK]->(t:Task)-[c:CASCADES_FROM]->(p:Provision)-[:IN_DOCUMENT]->(pd:Document)
MATCH (a:Agency)-[r:{ROLE_TYPES}]->(t)
RETURN t.start AS start, t.number AS task, t.heading AS heading, a.name AS agency, r.role AS role,
       pd.name AS parent, p.number AS parent_item, p.heading AS parent_heading, c.score AS score
ORDER BY start, parent, parent_item, role, agency
SKIP $skip LIMIT $limit
""",
    ("uri", "skip", "limit"),
)
# The task above is reached by a path of two hops of either type (a task's CASCADES_FROM to a provision, the
# provision's STATES_TASK to its task: no other pair of hops joins two tasks), not by naming the provision: LadybugDB
# 0.22 takes longer to plan a query paged by parameters the more nodes it names — with the provision, 35–55 ms of
# planning, at any size of graph (the query itself runs in a few ms); without it, 14–20 ms in all.
CASCADE_BODIES = NamedQuery(
    "cascade-bodies",
    "Who carries a higher document's obligation below: the bodies assigned an item above, and the bodies of the "
    "tasks that carry it down in one document, with how many tasks.",
    """
MATCH (d:Document {uri: $uri})-[:HAS_TASK]->(t:Task)-[:CASCADES_FROM|STATES_TASK*2..2]->(pt:Task)
MATCH (above:Agency)-[:LEADS|RESPONSIBLE_FOR]->(pt)
MATCH (below:Agency)-[:LEADS|RESPONSIBLE_FOR]->(t)
RETURN above.name AS above, above.functional_type AS function_above, below.name AS below,
       below.functional_type AS function_below, count(DISTINCT t) AS tasks
ORDER BY tasks DESC, above, below
SKIP $skip LIMIT $limit
""",
    ("uri", "skip", "limit"),
)
DROPPED = NamedQuery(
    "cascade-dropped",
    "The items of the documents one document implements that none of its tasks carries down.",
    """
MATCH (d:Document {uri: $uri})-[:CITES]->(pd:Document)<-[:IN_DOCUMENT]-(p:Provision)
WHERE NOT EXISTS { MATCH (d)-[:HAS_TASK]->(:Task)-[:CASCADES_FROM]->(p) }
RETURN pd.name AS parent, p.start AS start, p.number AS parent_item, p.heading AS parent_heading
ORDER BY parent, start
SKIP $skip LIMIT $limit
""",
    ("uri", "skip", "limit"),
)

# Read from the build's counts (kg.projection.tally: Instrument.tasks_<level>, USED_ON per topic), one row per
# instrument and level, instead of counting the tasks that use each instrument (1.49 million at 100k documents:
# 0.7–1.5 s). The levels are the columns of kg.projection.LEVEL_COLUMNS, '' for a document with no level.
_LEVEL_OF = {"national": "tasks_national", "province": "tasks_province", "city": "tasks_city",
             "county": "tasks_county"}


def _per_level(var: str) -> str:
    whens = " ".join(f"WHEN '{level}' THEN {var}.{column}" for level, column in _LEVEL_OF.items())
    return f"CASE level {whens} ELSE {var}.tasks_no_level END"


INSTRUMENTS = NamedQuery(
    "instruments",
    "How many tasks use each policy instrument, per typology and level of government (optionally one topic).",
    f"""
MATCH (i:Instrument)
OPTIONAL MATCH (i)-[u:USED_ON]->(:Topic {{name: $topic}})
UNWIND ['national', 'province', 'city', 'county', ''] AS level
WITH i, level, CASE WHEN $topic = '' THEN {_per_level("i")} ELSE {_per_level("u")} END AS tasks
WHERE tasks > 0 AND ($level = '' OR level = $level)
RETURN i.typology AS typology, level, i.code AS code, i.name AS instrument, tasks
ORDER BY typology, level, tasks DESC, code
SKIP $skip LIMIT $limit
""",
    ("topic", "level", "skip", "limit"),
)

NAMED = {q.name: q for q in (LEAD_AGENCIES, CO_RESPONSIBILITY, AGENCY_TASKS, FIND_DOCUMENT, REUSE, CASCADE, DROPPED,
                                               CASCADE_BODIES, INSTRUMENTS)}
