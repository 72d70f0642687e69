"""SPARQL over a built graph, on an in-memory Oxigraph store (fast load and query; see benchmarks/)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT_S = 60.0

PREFIXES = """PREFIX pk: <https://w3id.org/policykg/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


class SparqlError(Exception):
    """A query that cannot run; the message is one readable line."""


@dataclass
class Table:
    """Query results: column names and rows of plain values (None for unbound)."""

    columns: list[str]
    rows: list[list]


def load_store(out: Path):
    """An Oxigraph store holding the graph built into `out`: every named graph (one per source file, and the
    ontology, vocabularies and build), read from graph.nq or, when the build did not write the merged files,
    from the parts folder graph/. The default graph is their merge."""
    import pyoxigraph as ox

    path, union, parts = out / "graph.nq", out / "graph.ttl", out / "graph"
    store = ox.Store()
    if path.exists() and union.exists():
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)  # named graphs, one per source file
        store.bulk_load(path=str(union), format=ox.RdfFormat.TURTLE)  # their merge, as the default graph
    elif (parts / "parts.json").exists():
        default = ox.DefaultGraph()
        for part in sorted(parts.glob("*.nq")):
            store.bulk_load(path=str(part), format=ox.RdfFormat.N_QUADS)
            with open(part, "rb") as fh:  # the merge: a triple several files state is one triple of the store
                store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, default)
                                  for q in ox.parse(fh, format=ox.RdfFormat.N_QUADS))
    else:
        raise SparqlError(f"no graph in {out}: run `kg build … --out {out}` first")
    return store


def _value(term):
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        if dt.endswith(("#integer", "#nonNegativeInteger", "#int", "#long")):
            return int(term.value)
        if dt.endswith(("#decimal", "#double", "#float")):
            return float(term.value)
        if dt.endswith("#boolean"):
            return term.value == "true"
        return term.value
    return term.value


# SPARQL's lexical grammar: strings, IRIs and comments hold free text; every other bare word is a keyword,
# a prefixed name (with ':'), a variable (?x, $x), a number or `a` — so a bare SERVICE is the SERVICE keyword.
_SPARQL_TOKEN = re.compile("|".join((
    r"'{3}.*?'{3}", r'"{3}.*?"{3}',  # long strings
    r"'(?:[^'\\\n]|\\.)*'", r'"(?:[^"\\\n]|\\.)*"',  # strings
    r'<[^<>"{}|^`\\\x00-\x20]*>',  # IRIs
    r"#[^\n]*",  # comments
    r"[?$]?[\w:.-]+", r".")), re.S)


def check_local(sparql: str) -> None:
    """Refuse federated queries (SERVICE): a query reads the built graph and nothing beyond this machine's files."""
    for m in _SPARQL_TOKEN.finditer(sparql):
        if m.group(0).upper() == "SERVICE":
            raise SparqlError("SERVICE (federated query) is not allowed: kg sparql reads only the built graph")


def query(store, sparql: str, add_prefixes: bool = True) -> Table:
    """Run a SELECT (or ASK) query; the default graph is the merge of all named graphs (GRAPH ?g works too)."""
    check_local(sparql)
    text = (PREFIXES + sparql) if add_prefixes else sparql
    try:
        result = store.query(text)
    except SyntaxError as err:
        raise SparqlError(f"SPARQL syntax error: {str(err).splitlines()[0]}") from err
    except (OSError, ValueError) as err:
        raise SparqlError(f"SPARQL error: {str(err).splitlines()[0]}") from err
    if isinstance(result, bool):
        return Table(["ask"], [[result]])
    if not hasattr(result, "variables"):
        raise SparqlError("only SELECT and ASK queries are supported here")
    columns = [v.value for v in result.variables]
    return Table(columns, [[_value(sol[c]) for c in columns] for sol in result])


def _query_in_child(conn, out: str, sparql: str) -> None:
    try:
        conn.send(("ok", query(load_store(Path(out)), sparql)))
    except SparqlError as err:
        conn.send(("error", str(err)))
    except BaseException as err:  # the parent turns it into one line
        conn.send(("error", f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"))
    finally:
        conn.close()


def query_build(out: Path, sparql: str, timeout: float = DEFAULT_TIMEOUT_S) -> Table:
    """Load the build in a child process and run the query there, stopped after `timeout` seconds.

    Oxigraph evaluates in native code that does not return to Python, so only a process can be stopped."""
    import multiprocessing as mp

    check_local(sparql)
    if not (out / "graph.nq").exists() and not (out / "graph" / "parts.json").exists():
        raise SparqlError(f"no graph in {out}: run `kg build … --out {out}` first")
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_query_in_child, args=(child, str(out), sparql), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise SparqlError(f"query stopped after {timeout:g} s (raise the limit with --timeout)")
        status, value = parent.recv()
    except EOFError:
        raise SparqlError("the query process ended without an answer (out of memory?)") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    if status != "ok":
        raise SparqlError(value)
    return value
