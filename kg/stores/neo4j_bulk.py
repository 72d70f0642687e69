"""First load of a large graph into an empty Neo4j database: `neo4j-admin database import full`.

The admin importer writes the store files directly, without transactions, so it is the way to load millions
of elements; it needs the database to be new (or stopped and overwritten). The CSV files it reads are written
here from the same property-graph rows and properties `kg sync neo4j` MERGEs — sync stamp included — so an
ordinary sync afterwards finds every node and relationship in place and creates nothing.
"""
from __future__ import annotations

import csv
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..projection import NODE_SCHEMA, REL_SCHEMA, PropertyGraph

ARRAY_DELIMITER = "\u001f"  # the unit separator: never in a name or a file name, unlike ; or ,
_TYPES = {"STRING": "string", "INT64": "long", "DOUBLE": "double", "BOOLEAN": "boolean", "STRING[]": "string[]"}


class BulkImportError(Exception):
    """neo4j-admin is missing or refused the import; one readable message."""


@dataclass
class BulkReport:
    """What the import wrote: CSV files, element counts, seconds, and the importer's own summary."""

    folder: Path
    node_files: list[tuple[str, Path]] = field(default_factory=list)
    rel_files: list[tuple[str, Path]] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0
    seconds: float = 0.0
    summary: str = ""


def _cell(value, kind: str):
    if value is None:
        return None  # an empty, unquoted field: no property (as SET n.x = null leaves none)
    if kind == "BOOLEAN":
        return "true" if value else "false"
    if kind == "STRING[]":
        return ARRAY_DELIMITER.join(map(str, value)) if value else None
    return value


def write_import_csvs(pg: PropertyGraph, folder: Path, stamp: str | None = None) -> BulkReport:
    """The admin importer's CSV files (header row + rows, one file per label and per relationship type and
    pair of labels); ids are uris, in one id space per label, as the uniqueness constraints of a sync."""
    stamp = stamp or pg.fingerprint()
    folder.mkdir(parents=True, exist_ok=True)
    report = BulkReport(folder)
    for label, cols in NODE_SCHEMA.items():
        path = folder / f"nodes-{label}.csv"
        props = [(c, t) for c, t in cols if c != "uri"]
        header = [f"uri:ID({label})", *(f"{c}:{_TYPES[t]}" for c, t in props), "sync_stamp:string"]
        n = _write_csv(path, header, ([r["uri"], *(_cell(r.get(c), t) for c, t in props), stamp]
                                      for r in pg.nodes.get(label) or []))
        if n:
            report.node_files.append((label, path))
            report.nodes += n
    for rtype, (pairs, cols) in REL_SCHEMA.items():
        for a, b in pairs:
            path = folder / f"rels-{rtype}-{a}-{b}.csv"
            header = [f":START_ID({a})", f":END_ID({b})", *(f"{c}:{_TYPES[t]}" for c, t in cols),
                      "sync_stamp:string"]
            n = _write_csv(path, header, ([r["from"], r["to"], *(_cell(r.get(c), t) for c, t in cols), stamp]
                                          for r in pg.rels.get(rtype) or []
                                          if r["from_label"] == a and r["to_label"] == b))
            if n:
                report.rel_files.append((rtype, path))
                report.relationships += n
    return report


def _write_csv(path: Path, header: list[str], rows) -> int:
    """Header and rows (streamed) into path; no file when there is no row. The rows written."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    if not n:
        path.unlink()
    return n


def admin_command(given: str | None = None) -> list[str]:
    """The neo4j-admin to run: `given`, else $NEO4J_ADMIN, else neo4j-admin on the PATH (split like a shell)."""
    text = given or os.environ.get("NEO4J_ADMIN") or shutil.which("neo4j-admin")
    if not text:
        raise BulkImportError("neo4j-admin not found: pass --neo4j-admin PATH (or set NEO4J_ADMIN) to the "
                              "neo4j-admin of the Neo4j installation that holds the database")
    return shlex.split(text)


def bulk_import(pg: PropertyGraph, folder: Path, database: str = "neo4j", admin: list[str] | None = None,
                overwrite: bool = False, env: dict | None = None, timeout_s: float = 6 * 3600) -> BulkReport:
    """Write the CSV files into `folder` and run `neo4j-admin database import full` for `database`
    (it must not exist yet, or pass `overwrite` for a stopped one). Raises BulkImportError with the importer's
    own message when it refuses."""
    admin = admin or admin_command()
    report = write_import_csvs(pg, folder)
    cmd = [*admin, "database", "import", "full", database,  # the name first: the file lists take many values
           *(f"--nodes={label}={path}" for label, path in report.node_files),
           *(f"--relationships={rtype}={path}" for rtype, path in report.rel_files),
           "--id-type=string", "--multiline-fields=true", f"--array-delimiter={ARRAY_DELIMITER}",
           f"--report-file={folder / 'import.report'}"]
    if overwrite:
        cmd.append("--overwrite-destination=true")
    t = time.perf_counter()
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                             env={**os.environ, **(env or {})})
    except FileNotFoundError as err:
        raise BulkImportError(f"cannot run {admin[0]}: {err.strerror}") from None
    except subprocess.TimeoutExpired:
        raise BulkImportError(f"neo4j-admin did not finish within {timeout_s:g} s") from None
    report.seconds = time.perf_counter() - t
    lines = [ln for ln in (res.stdout + "\n" + res.stderr).splitlines() if ln.strip() and not ln.startswith("\t")]
    if res.returncode != 0:
        reason = next((ln for ln in reversed(lines) if "Exception" in ln or "rror" in ln), lines[-1] if lines
                      else f"exit status {res.returncode}")
        raise BulkImportError(f"neo4j-admin database import refused: {reason.strip()[:400]}")
    done = [ln for ln in lines if ln.startswith("IMPORT DONE")] + \
        [ln.strip() for ln in lines if ln.strip().endswith(("nodes", "relationships", "properties"))]
    report.summary = "; ".join(done)
    return report
