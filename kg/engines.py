"""Opening the Cypher engine a command asks for: the embedded database (default) or a Neo4j server."""
from __future__ import annotations

import json
from pathlib import Path

from .readonly import ReadOnlyError
from .stores.ladybug import CypherError, LadybugReader
from .stores.neo4j import Neo4jError, Neo4jReader, connect, password_from_env_or_prompt


class EngineError(Exception):
    """Cannot open the engine or run a query; one readable line."""


def open_engine(db: Path, neo4j_uri: str | None = None, user: str = "neo4j", database: str | None = None,
                write: bool = False):
    """A reader with .run(query, params) → (columns, rows) and .close()."""
    try:
        if neo4j_uri:
            password = password_from_env_or_prompt(user)
            return Neo4jReader(connect(neo4j_uri, user, password, database), database=database, write=write)
        return LadybugReader(db, write=write)
    except (CypherError, Neo4jError) as err:
        raise EngineError(str(err)) from err


def run(engine, query: str, params: dict | None = None, checked: bool = False) -> tuple[list[str], list[list]]:
    """Run one query; engine errors become EngineError. checked=True for a query of kg.queries: the tests run each
    through the engines' read-only checks, so they are not made again for every run."""
    try:
        return engine.run(query, params or {}, checked=checked)
    except (CypherError, Neo4jError, ReadOnlyError) as err:
        raise EngineError(str(err)) from err


def parse_param(text: str) -> tuple[str, object]:
    """--param k=v: v as JSON when it parses (numbers, lists, true/false), else as a string."""
    if "=" not in text:
        raise ValueError(f"--param {text!r}: expected name=value")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value
