"""Neo4j: batched, idempotent sync of the projection through the official driver's managed transactions."""
from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from dataclasses import dataclass, field

from ..projection import NODE_SCHEMA, REL_SCHEMA, PropertyGraph

PASSWORD_ENV = "NEO4J_PASSWORD"


class Neo4jError(Exception):
    """A failure talking to Neo4j; the message is one readable line (never a credential)."""


@dataclass
class SyncReport:
    """What a sync changed on the server."""

    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    nodes_deleted: int = 0
    relationships_deleted: int = 0
    batches: int = 0
    seconds: float = 0.0
    stamp: str = ""
    counters: dict = field(default_factory=dict)

    def add(self, counters) -> None:
        self.nodes_created += counters.nodes_created
        self.relationships_created += counters.relationships_created
        self.properties_set += counters.properties_set
        self.nodes_deleted += counters.nodes_deleted
        self.relationships_deleted += counters.relationships_deleted


def password_from_env_or_prompt(user: str) -> str:
    """NEO4J_PASSWORD, else an interactive prompt that does not echo; never printed or logged."""
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise Neo4jError(f"set {PASSWORD_ENV} (no terminal to ask for {user}'s password)")
    return getpass.getpass(f"Neo4j password for {user}: ")


def shown_uri(uri: str) -> str:
    """The URI as it may be printed: a user:password@ part is dropped."""
    import re

    return re.sub(r"(?<=://)[^/@]*@", "", uri)


def connect(uri: str, user: str, password: str, database: str | None = None):
    """A verified driver; connection and auth failures become Neo4jError without the password."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable

    shown = shown_uri(uri)
    if shown != uri:
        raise Neo4jError(f"{shown}: put no credentials in the URI; the password comes from {PASSWORD_ENV} "
                         "or a prompt, the user from --user")
    try:
        driver = GraphDatabase.driver(uri, auth=(user, password))
    except Exception as err:  # the driver raises several types for a malformed URI
        raise Neo4jError(f"{uri}: not a Neo4j URI ({type(err).__name__}: {str(err).splitlines()[0]}); "
                         "use bolt://host:7687, neo4j://… or neo4j+s://…") from None
    try:
        driver.verify_connectivity(**({"database": database} if database else {}))
    except AuthError as err:
        driver.close()
        raise Neo4jError(f"{uri}: authentication failed for user {user!r}") from err
    except (ServiceUnavailable, OSError, ValueError) as err:
        driver.close()
        raise Neo4jError(f"{uri}: cannot connect ({type(err).__name__}: {str(err).splitlines()[0]})") from err
    except Exception as err:  # e.g. a database that does not exist: the server's own one-line message
        driver.close()
        message = " ".join((getattr(err, "message", None) or str(err)).split())
        raise Neo4jError(f"{uri}: {message[:300]}") from None
    return driver


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def _node_rows(label: str, rows: Iterable[dict], stamp: str) -> Iterator[dict]:
    names = [c for c, _ in NODE_SCHEMA[label]]
    return ({"uri": r["uri"], "props": {**{n: r.get(n) for n in names if n != "uri"}, "sync_stamp": stamp}}
            for r in rows)


def _rel_rows(rtype: str, rows: Iterable[dict], stamp: str) -> Iterator[dict]:
    names = [c for c, _ in REL_SCHEMA[rtype][1]]
    return ({"from": r["from"], "to": r["to"], "props": {**{n: r.get(n) for n in names}, "sync_stamp": stamp}}
            for r in rows)


# Relationship properties a named query pages by (kg.queries): a range index lets Neo4j read a page in rank order
# and stop, instead of scanning every relationship of the type (co-responsibility at 30k: 262 → 9 ms).
RANKED = {"SHARES_TASKS": "rank"}


def schema_statements() -> list[str]:
    """One uniqueness constraint on uri per label, and a range index per RANKED relationship property (labels and
    types come from the schema, not from input)."""
    return ([f"CREATE CONSTRAINT {label.lower()}_uri IF NOT EXISTS FOR (n:{label}) REQUIRE n.uri IS UNIQUE"
             for label in NODE_SCHEMA] +
            [f"CREATE INDEX {rtype.lower()}_{prop} IF NOT EXISTS FOR ()-[r:{rtype}]-() ON (r.{prop})"
             for rtype, prop in RANKED.items()])


def _merge_nodes(label: str) -> str:
    return f"UNWIND $rows AS row MERGE (n:{label} {{uri: row.uri}}) SET n += row.props"


def _merge_rels(rtype: str, a: str, b: str) -> str:
    return (f"UNWIND $rows AS row MATCH (a:{a} {{uri: row.from}}) MATCH (b:{b} {{uri: row.to}}) "
            f"MERGE (a)-[r:{rtype}]->(b) SET r += row.props")


def _write(session, query: str, rows: list[dict]):
    def work(tx):
        return tx.run(query, rows=rows).consume().counters

    return session.execute_write(work)


def sync(driver, pg: PropertyGraph, database: str | None = None, batch_size: int = 1000, prune: bool = False,
         progress: Callable[[int], None] | None = None) -> SyncReport:
    """MERGE every node and relationship in batches; with prune, delete what this build no longer has."""
    import time

    from neo4j.exceptions import DriverError, Neo4jError as ServerError

    report = SyncReport(stamp=pg.fingerprint())
    t0 = time.perf_counter()
    try:
        _sync(driver, pg, report, database, batch_size, prune, progress)
    except (DriverError, ServerError, OSError) as err:
        message = " ".join((getattr(err, "message", None) or str(err) or type(err).__name__).split())
        raise Neo4jError(f"sync stopped after {report.batches} batches ({type(err).__name__}: {message[:200]}); "
                         "nothing is half-written — re-run the same command to complete it") from None
    report.seconds = time.perf_counter() - t0
    return report


def _sync(driver, pg: PropertyGraph, report: SyncReport, database: str | None, batch_size: int, prune: bool,
          progress: Callable[[int], None] | None) -> None:
    """The batches of a sync: constraints and indexes, nodes by label, relationships by type, then the prune."""
    with driver.session(database=database) as session:
        for stmt in schema_statements():
            session.execute_write(lambda tx, s=stmt: tx.run(s).consume())
        for label in NODE_SCHEMA:
            rows = _node_rows(label, pg.nodes.get(label) or [], report.stamp)
            for batch in _batches(rows, batch_size):
                report.add(_write(session, _merge_nodes(label), batch))
                report.batches += 1
                if progress:
                    progress(len(batch))
        for rtype, (pairs, _) in REL_SCHEMA.items():
            for a, b in pairs:
                rows = _rel_rows(rtype, (r for r in pg.rels.get(rtype) or []
                                         if r["from_label"] == a and r["to_label"] == b), report.stamp)
                for batch in _batches(rows, batch_size):
                    report.add(_write(session, _merge_rels(rtype, a, b), batch))
                    report.batches += 1
                    if progress:
                        progress(len(batch))
        if prune:
            _prune(session, report, batch_size)


def _prune(session, report: SyncReport, batch_size: int) -> None:
    """Delete relationships, then nodes, of our labels that this sync did not stamp."""
    types = "|".join(REL_SCHEMA)
    rel_query = (f"MATCH ()-[r:{types}]->() WHERE r.sync_stamp IS NULL OR r.sync_stamp <> $stamp "
                 "WITH r LIMIT $limit DELETE r")
    while True:
        counters = session.execute_write(
            lambda tx: tx.run(rel_query, stamp=report.stamp, limit=batch_size).consume().counters)
        report.add(counters)
        if counters.relationships_deleted < batch_size:
            break
    for label in NODE_SCHEMA:
        node_query = (f"MATCH (n:{label}) WHERE n.sync_stamp IS NULL OR n.sync_stamp <> $stamp "
                      "WITH n LIMIT $limit DETACH DELETE n")
        while True:
            counters = session.execute_write(
                lambda tx, q=node_query: tx.run(q, stamp=report.stamp, limit=batch_size).consume().counters)
            report.add(counters)
            if counters.nodes_deleted < batch_size:
                break


def sync_row_by_row(driver, pg: PropertyGraph, database: str | None = None) -> SyncReport:
    """The slow baseline for benchmarks: one transaction per node and per relationship."""
    return sync(driver, pg, database=database, batch_size=1)


class Neo4jReader:
    """Runs Cypher on a Neo4j server; read transactions unless write=True."""

    def __init__(self, driver, database: str | None = None, write: bool = False):
        self.driver, self.database, self.write = driver, database, write

    def run(self, query: str, params: dict | None = None, checked: bool = False) -> tuple[list[str], list[list]]:
        """Execute one query in a managed transaction: (column names, rows); checked=True for a query of kg.queries
        (tests check each): no EXPLAIN before it."""
        from neo4j.exceptions import ClientError, Neo4jError as DriverError

        from ..readonly import check_neo4j_plan, single_statement

        def work(tx):
            result = tx.run(query, **(params or {}))
            keys = list(result.keys())
            return keys, [[_plain(v) for v in rec.values()] for rec in result]

        def explain(tx):
            summary = tx.run("EXPLAIN " + query, **(params or {})).consume()
            return summary.query_type, summary.plan

        if not self.write and not checked:
            query = single_statement(query)
        try:
            with self.driver.session(database=self.database) as session:
                if not self.write and not checked:
                    check_neo4j_plan(*session.execute_read(explain))
                return (session.execute_write if self.write else session.execute_read)(work)
        except (ClientError, DriverError) as err:
            message = getattr(err, "message", None) or str(err)
            raise Neo4jError(" ".join(message.split())) from err

    def close(self) -> None:
        self.driver.close()


def _plain(value):
    """Driver values → plain Python (nodes and relationships become property dicts)."""
    if hasattr(value, "items") and hasattr(value, "element_id"):
        return dict(value.items())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
