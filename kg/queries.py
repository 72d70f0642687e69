"""Every named research query, in the Cypher subset that LadybugDB and Neo4j both run identically.

Rules of that subset: values always as $parameters (an empty string means "no filter", since
LadybugDB cannot type a null parameter); no type(r) (roles are the `role` property); `end` in
backticks (a LadybugDB keyword); every ORDER BY total, so both engines return the same rows in the
same order.
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
    "Which agencies lead tasks, by jurisdiction, with counts (optionally one topic, one level).",
    """
MATCH (a:Agency)-[:LEADS]->(t:Task)<-[:HAS_TASK]-(d:Document)
MATCH (a)-[:IN_JURISDICTION]->(j:Jurisdiction)
WHERE ($level = '' OR j.level = $level)
  AND ($topic = ''
       OR EXISTS { MATCH (t)-[:ABOUT]->(:Topic {name: $topic}) }
       OR EXISTS { MATCH (d)-[:PART_OF*0..3]->(:Document)-[:ABOUT]->(:Topic {name: $topic}) })
RETURN j.name AS jurisdiction, j.level AS level, a.name AS agency, count(DISTINCT t) AS tasks
ORDER BY tasks DESC, jurisdiction, agency
LIMIT $limit
""",
    ("topic", "level", "limit"),
)
ALL_ROWS = 1_000_000_000  # LIMIT for "no limit" (Cypher has no LIMIT ALL)

FIND_DOCUMENT = NamedQuery(
    "find-document",
    "Documents matching a 文号, a title (exact or a part of it) or a uri, best match first.",
    """
MATCH (d:Document)
WHERE d.uri = $text OR d.doc_number = $number OR d.title = $text OR d.title CONTAINS $text
RETURN d.uri AS uri, d.name AS document, d.doc_number AS doc_number, d.kind AS kind,
       CASE WHEN d.uri = $text OR d.doc_number = $number OR d.title = $text THEN 0 ELSE 1 END AS rank
ORDER BY rank, kind DESC, document, uri
LIMIT 10
""",
    ("text", "number"),
)

_LINEAGE_UP = """
MATCH p = (d:Document {{uri: $uri}})-[:CITES*1..{depth}]->(x:Document)
WHERE x.uri <> $uri
RETURN 'up' AS direction, min(length(p)) AS depth, x.name AS document, x.doc_number AS doc_number,
       x.kind AS kind, x.uri AS uri
ORDER BY depth, document, uri
"""
_LINEAGE_DOWN = """
MATCH p = (x:Document)-[:CITES*1..{depth}]->(d:Document {{uri: $uri}})
WHERE x.uri <> $uri
RETURN 'down' AS direction, min(length(p)) AS depth, x.name AS document, x.doc_number AS doc_number,
       x.kind AS kind, x.uri AS uri
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


CO_RESPONSIBILITY = NamedQuery(
    "co-responsibility",
    "Pairs of agencies that share tasks (any role), with the number of shared tasks.",
    f"""
MATCH (a:Agency)-[:{ROLE_TYPES}]->(t:Task)<-[:{ROLE_TYPES}]-(b:Agency)
WHERE a.uri < b.uri
RETURN a.name AS agency_a, b.name AS agency_b, count(DISTINCT t) AS shared_tasks
ORDER BY shared_tasks DESC, agency_a, agency_b
LIMIT $limit
""",
    ("limit",),
)

AGENCY_TASKS = NamedQuery(
    "agency",
    "Every task of one agency (by name, part of a name, or an alias), with its role and the quote.",
    f"""
MATCH (a:Agency)-[r:{ROLE_TYPES}]->(t:Task)<-[:HAS_TASK]-(d:Document)
WHERE a.name = $name OR a.name CONTAINS $name OR $name IN a.aliases
RETURN a.name AS agency, r.role AS role, t.number AS number, t.heading AS heading, r.quote AS quote,
       d.name AS document, r.source AS source, r.start AS start, r.`end` AS `end`
ORDER BY agency, source, start, role, number
""",
    ("name",),
)

NAMED = {q.name: q for q in (LEAD_AGENCIES, CO_RESPONSIBILITY, AGENCY_TASKS, FIND_DOCUMENT)}
