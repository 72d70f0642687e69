"""LadybugDB, the embedded Cypher database: bulk load (COPY) of the projection, read-only queries."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..projection import NODE_SCHEMA, REL_SCHEMA, table_dir
from ..readonly import check_ladybug_plan, single_statement

DB_NAME = "graph.lbug"
QUERY_TIMEOUT_MS = 30_000


class CypherError(Exception):
    """A Cypher query that failed; the message is one readable line."""


def _q(name: str) -> str:
    return f"`{name}`"


def schema_statements() -> list[str]:
    """CREATE NODE/REL TABLE statements for the projection's schema."""
    out = []
    for label, cols in NODE_SCHEMA.items():
        body = ", ".join(f"{_q(c)} {t}" + (" PRIMARY KEY" if c == "uri" else "") for c, t in cols)
        out.append(f"CREATE NODE TABLE {label}({body})")
    for rtype, (pairs, cols) in REL_SCHEMA.items():
        ends = ", ".join(f"FROM {a} TO {b}" for a, b in pairs)
        props = "".join(f", {_q(c)} {t}" for c, t in cols)
        out.append(f"CREATE REL TABLE {rtype}({ends}{props})")
    return out


BUFFER_POOL = 1 << 30  # bytes of memory the database may cache while loading: the load stays bounded
OVERVIEW_POOL = BUFFER_POOL  # … and while counting the overview's best-connected nodes: 256 MB ran out at 100k
# documents (1.0M nodes); the count comes after the load, so it adds nothing to the load's peak


def bulk_load(tables: Path, out: Path) -> Path:
    """Write the projection's tables (kg.projection.TableWriter's Parquet parts) into out/graph.lbug with COPY
    — the database reads the files itself, never row by row through Python; replaces it atomically."""
    import ladybug

    final = out / DB_NAME
    for stale in out.glob(f".{DB_NAME}.*.tmp*"):  # left by a build that was killed
        _remove(stale)
    tmp = out / f".{DB_NAME}.{os.getpid()}.tmp"
    db = ladybug.Database(str(tmp), buffer_pool_size=BUFFER_POOL)
    conn = ladybug.Connection(db)
    ok = False
    try:
        for stmt in schema_statements():
            conn.execute(stmt)
        for label in NODE_SCHEMA:
            _copy(conn, "node", label, tables)
        for rtype in REL_SCHEMA:
            _copy(conn, "rel", rtype, tables)
        ok = True
    finally:
        _close(db, conn, out, tmp, ok)
    return final


class PatchError(Exception):
    """The database could not be patched (nothing was written); the message says why."""


def patch(previous: Path, delta, tables: Path, out: Path, expected: dict[str, int]) -> Path:
    """out/graph.lbug as a copy of the `previous` database with `delta` (kg.projection.TableDelta) applied: rows
    gone are deleted, changed rows replaced, new rows inserted, derived counts loaded again from `tables` — what a
    rebuild after a few changed files needs, instead of loading every row again. `expected` (rows per label and
    type in the new tables) is checked after, for the tables the delta touched; PatchError (nothing written)
    when the database fails or would not hold them, and the caller loads in full."""
    import ladybug
    import pyarrow as pa

    tmp = out / f".{DB_NAME}.{os.getpid()}.tmp"
    _remove(tmp)
    shutil.copyfile(previous, tmp)
    try:
        db = ladybug.Database(str(tmp), buffer_pool_size=BUFFER_POOL)
        conn = ladybug.Connection(db)
    except RuntimeError as err:  # the database in place is damaged: the caller loads in full
        _remove(tmp)
        raise PatchError(f"the database in place cannot be opened ({' '.join(str(err).split())[:160]})") from None
    ok = False

    try:
        create = {s.split("(")[0].split()[-1]: s for s in schema_statements()}
        for name in sorted(delta.replaced):  # the derived counts: every row again, from the new tables (below) —
            conn.execute(f"DROP TABLE {name}")  # the table made again, not its rows deleted: at 10k deleting 203k
            conn.execute(create[name])  # pairs took 1.3 s and left them in the log, which the next COPY wrote out
        for (kind, name), keys in list(delta.removed.items()) + [(t, sorted(k)) for t, k in delta.changed.items()]:
            if kind != "rel" or not keys:
                continue
            for a, b in REL_SCHEMA[name][0]:
                _with_frame(conn, f"LOAD FROM rows_ MATCH (x:{a} {{uri: c_from}})-[r:{name}]->(y:{b} {{uri: c_to}}) "
                                  "DELETE r", pa.table({"c_from": [k[0] for k in keys], "c_to": [k[1] for k in keys]}))
        for (kind, name), keys in delta.removed.items():
            if kind == "node":
                _with_frame(conn, f"LOAD FROM rows_ MATCH (n_:{name} {{uri: c_uri}}) DETACH DELETE n_",
                            pa.table({"c_uri": keys}))
        for (kind, name), rows in delta.written.items():
            if kind != "node":
                continue
            changed = delta.changed.get((kind, name), set())
            update = [r for r in rows if r["uri"] in changed]
            insert = [r for r in rows if r["uri"] not in changed]
            cols = [c for c, _ in NODE_SCHEMA[name] if c != "uri"]
            if update:
                sets = ", ".join(f"n_.{_q(c)} = c_{c}" for c in cols)
                _with_frame(conn, f"LOAD FROM rows_ MATCH (n_:{name} {{uri: c_uri}}) SET {sets}",
                            _frame(update, kind, name))
            if insert:
                _copy(conn, kind, name, rows_=_frame(insert, kind, name, ""))
        for (kind, name), rows in delta.written.items():
            if kind == "rel":
                _copy(conn, kind, name, rows_=_frame(rows, kind, name, ""))
        for name in sorted(delta.replaced):  # after the nodes: a new agency is in the counts of the pairs it shares
            _copy(conn, "rel", name, tables)
        touched = {name for _, name in list(delta.removed) + list(delta.written)} | delta.replaced
        have = {label: conn.execute(f"MATCH (n_:{label}) RETURN count(n_)").get_next()[0]
                for label in NODE_SCHEMA if label in touched}
        have.update({rtype: conn.execute(f"MATCH ()-[r:{rtype}]->() RETURN count(r)").get_next()[0]
                     for rtype in REL_SCHEMA if rtype in touched})
        wanted = {k: expected.get(k, 0) for k in have}
        if have != wanted:
            odd = sorted(k for k in have if have[k] != wanted[k])
            raise PatchError(f"the patched database holds other row counts than the tables ({', '.join(odd)})")
        ok = True
    except RuntimeError as err:  # the database could not do it (out of buffer pool …)
        raise PatchError(" ".join(str(err).split())[:200]) from None
    finally:
        _close(db, conn, out, tmp, ok)
    return out / DB_NAME


def _frame(rows: list[dict], kind: str, name: str, prefix: str = "c_"):
    """Rows of a table as the Arrow table a query reads (LOAD FROM rows_), each column named prefix + column."""
    from ..projection import rows_table

    table = rows_table(kind, name, rows)
    return table.rename_columns([prefix + c for c in table.column_names])


def _close(db, conn, out: Path, tmp: Path, ok: bool) -> None:
    """Close a database written at `tmp`; when whole (`ok`), put it in place of out/graph.lbug, else remove it."""
    conn.close()
    db.close()
    if not ok:
        for leftover in out.glob(f".{DB_NAME}.{os.getpid()}.tmp*"):
            _remove(leftover)
        return
    _remove(out / DB_NAME)
    os.replace(tmp, out / DB_NAME)
    for suffix in (".wal", ".shadow"):
        _remove(Path(str(tmp) + suffix))


# A node table's COPY runs on one thread: on two, LadybugDB 0.22 deadlocked (no CPU, never returned) copying more than
# 131,072 nodes (one node group) of some sets of IRIs — 135,810 Document rows of a 10k build's IRIs, each again with a
# suffix, hung 5 times of 5 and loaded on one thread 5 of 5 (benchmarks/ladybug_copy_hang.py); the 100k build's first
# COPY (151k documents) once hung too. Node tables on one thread cost nothing measurable at 10k (7.9–8.2 s against
# 8.2–9.0 s for the whole load); relationships keep every thread.
NODE_COPY_THREADS = 1


def _copy(conn, kind: str, name: str, tables: Path | None = None, rows_=None) -> None:
    """COPY one table's rows into the database, from its Parquet parts under `tables` or from the Arrow table
    `rows_` (the database reads either itself); a relationship type with several pairs of labels, pair by pair."""
    if rows_ is None:
        folder = tables / table_dir(kind, name)
        if not any(folder.glob("*.parquet")):
            return
        source = f"'{_path(folder)}/*.parquet'"
    else:
        source = "rows_"  # LadybugDB finds the frame by its name among this function's locals
    if kind == "node":
        names = ", ".join(_q(c) for c, _ in NODE_SCHEMA[name])
        threads = conn.execute("CALL current_setting('threads') RETURN *").get_next()[0]
        conn.execute(f"CALL threads={NODE_COPY_THREADS}")
        try:
            conn.execute(f"COPY {name} FROM (LOAD FROM {source} RETURN {names})")
        finally:
            conn.execute(f"CALL threads={int(threads)}")
        return
    pairs, cols = REL_SCHEMA[name]
    names = ", ".join(_q(c) for c in ["from", "to"] + [c for c, _ in cols])
    for a, b in pairs:
        where = "" if len(pairs) == 1 else f" WHERE from_label = '{a}' AND to_label = '{b}'"
        options = f" (from='{a}', to='{b}')" if len(pairs) > 1 else ""
        conn.execute(f"COPY {name} FROM (LOAD FROM {source}{where} RETURN {names}){options}")


def _with_frame(conn, query: str, rows_) -> None:
    """Run a query that reads the Arrow table `rows_` (LadybugDB finds it by its name among the caller's locals)."""
    conn.execute(query)


def _path(path: Path) -> str:
    """A file path inside a Cypher string literal (a quote or backslash in the build folder's path is escaped)."""
    return str(path.resolve()).replace("\\", "\\\\").replace("'", "\\'")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


class LadybugReader:
    """Runs Cypher on a built database; read-only unless write=True."""

    def __init__(self, path: Path, write: bool = False, buffer_pool: int = 0):
        import ladybug

        if path.is_dir():
            path = path / DB_NAME
        if not path.exists():
            raise CypherError(f"no embedded database at {path}: run `kg build … --out {path.parent}` first")
        try:
            self.db = ladybug.Database(str(path), read_only=not write, buffer_pool_size=buffer_pool)
        except RuntimeError as err:
            raise CypherError(f"cannot open {path}: {str(err).splitlines()[0]}") from err
        self.conn = ladybug.Connection(self.db)
        self.conn.set_query_timeout(QUERY_TIMEOUT_MS)
        self.write = write

    def run(self, query: str, params: dict | None = None, checked: bool = False) -> tuple[list[str], list[list]]:
        """Execute one query: (column names, rows); unless write=True, only a single reading statement — checked=True
        for a query of kg.queries (tests check each), whose plan is then not made twice: EXPLAIN costs what planning
        does (in LadybugDB 0.22 up to ~50 ms for a query paged by parameters, at any size of graph)."""
        if not self.write and not checked:
            query = single_statement(query)
            columns, plan = self._execute("EXPLAIN " + query, params)
            check_ladybug_plan("\n".join(str(v) for row in plan for v in row))
        return self._execute(query, params)

    def _execute(self, query: str, params: dict | None) -> tuple[list[str], list[list]]:
        try:
            result = self.conn.execute(query, params or {})
        except RuntimeError as err:
            raise CypherError(" ".join(str(err).split())) from err
        columns = result.get_column_names()
        rows = []
        while result.has_next():
            rows.append(list(result.get_next()))
        return columns, rows

    def close(self) -> None:
        self.conn.close()
        self.db.close()

    def __enter__(self) -> "LadybugReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
