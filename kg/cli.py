"""The `kg` command line: a thin shell over the library (loaders, kg)."""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

import typer

from kg import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="policykg: Chinese policy documents → a traceable knowledge graph.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"policykg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """policykg command line."""
    import logging

    # Libraries' own log lines would repeat, unattributed, what a command reports as one line naming the file
    # (the Neo4j driver on a lost connection, pdfminer on a damaged stream).
    for name in ("neo4j", "pdfminer"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


@lru_cache(maxsize=1)
def _bar_class():
    """tqdm without its monitor thread: builds fork worker processes while a bar is open, and a fork taken with
    a second thread running can hand the child a lock that thread held (Python 3.12+ warns at each fork)."""
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0

    return Bar


def _progress(total: int, desc: str, unit: str = "step", disable: bool | None = None):
    """A tqdm bar on stderr for more than a handful of items, silent when stderr is not a terminal."""
    return _bar_class()(total=total, desc=desc, unit=unit, file=sys.stderr,
                        disable=(total <= 10 if disable is None else disable) or not sys.stderr.isatty())


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Files or folders (.txt, .docx, .pdf, .html)."),
    fmt: str = typer.Option("jsonl", "--format", help="Output format: jsonl (the extraction contract)."),
    max_mb: float = typer.Option(20.0, "--max-mb", help="Refuse files larger than this many MB."),
    report: bool = typer.Option(False, "--report", help="Also print, on stderr, each file's findings to check "
                                                        "(no title, repaired date, unknown agency …) by code."),
) -> None:
    """Print one JSON object per document found (shared/eval/CONTRACT.md); each carries its "warnings"."""
    from kg.extraction import extract_paths
    from loaders import document_to_contract, iter_paths
    from loaders.read import readable_name

    if fmt != "jsonl":
        typer.echo(f"kg extract: unknown --format {fmt!r} (only jsonl)", err=True)
        raise typer.Exit(2)
    files = iter_paths(paths)
    if not files:
        typer.echo("kg extract: no input files found", err=True)
        raise typer.Exit(2)
    failed = 0
    findings: list = []
    out = sys.stdout.buffer
    with _progress(len(files), "extract") as bar:
        for result in extract_paths(files, max_mb=max_mb):
            bar.update(1)
            if result.error:
                failed += 1
                bar.clear()
                typer.echo(f"kg extract: {readable_name(result.path)}: {result.error}", err=True)
                continue
            for doc in result.documents:
                line = json.dumps(document_to_contract(doc), ensure_ascii=False) + "\n"
                out.write(line.encode("utf-8", "backslashreplace"))  # a stray surrogate stays a JSON escape
            out.flush()
            if report:
                findings.append((readable_name(result.path), result.documents))
    if report:
        _print_findings(findings)
    raise typer.Exit(1 if failed else 0)


def _print_findings(findings: list) -> None:
    """Per file: documents, tasks and the count of each finding code — the files to check first come first."""
    from loaders.diagnostics import CODES, summarise

    rows = [(name, len(docs), sum(len(d.tasks) for d in docs), summarise(docs)) for name, docs in findings]
    rows.sort(key=lambda r: (-sum(r[3].values()), r[0]))
    typer.echo("kg extract: findings per file (see loaders/diagnostics.py for each code)", err=True)
    for name, n_docs, n_tasks, counts in rows:
        found = ", ".join(f"{code} {n}" for code, n in counts.items()) or "none"
        typer.echo(f"  {name}: {n_docs} documents, {n_tasks} tasks; {found}", err=True)
    total = summarise(d for _, docs in findings for d in docs)
    typer.echo("  total: " + (", ".join(f"{code} {n}" for code, n in total.items()) or "none"), err=True)
    unknown = sorted(set(total) - set(CODES))
    if unknown:  # a code added without a description would be a bug
        typer.echo(f"  (undocumented codes: {', '.join(unknown)})", err=True)


@app.command()
def build(
    paths: list[Path] = typer.Argument(..., help="Files or folders of policy documents."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Extraction processes (0 = one per core)."),
    no_validate: bool = typer.Option(False, "--no-validate", help="Write the graph even if SHACL finds violations."),
    max_mb: float = typer.Option(20.0, "--max-mb", help="Refuse files larger than this many MB."),
    engine: str = typer.Option("process", "--engine",
                               help="Where per-file work runs: process (this machine) or dask (a Dask cluster)."),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Dask scheduler address (tcp://host:8786; else $DASK_SCHEDULER_ADDRESS, "
                                       "else a local cluster of --jobs workers)."),
    merged: str = typer.Option("auto", "--merged",
                               help="When to write graph.nq/.ttl/.jsonld besides the per-file parts in graph/: auto "
                                    "(while the parts stay under 512 MB), always or never (`kg export -f ttl` "
                                    "makes them later)."),
    overview_nodes: int = typer.Option(1500, "--overview-nodes", min=1,  # kg.build.OVERVIEW_NODES
                                       help="The overview page shows every node, or this many of the best "
                                            "connected when there are more."),
    keep_caches: bool = typer.Option(False, "--keep-caches",
                                     help="Keep the caches of earlier extraction or graph code in OUT/.cache "
                                          "(removed by default once the build is in place: GBs each at scale)."),
) -> None:
    """Extract the documents and write the knowledge graph (N-Quads parts per file; Turtle, JSON-LD, N-Quads)."""
    from kg.build import MERGED_CHOICES, build as run_build
    from kg.isolated import StepKilled
    from kg.executors import ENGINES, ExecutorError
    from kg.publish import BuildLocked
    from kg.spool import Spool
    from loaders.read import file_names, readable_name

    if engine not in ENGINES:
        typer.echo(f"kg build: unknown --engine {engine!r} (choose {' or '.join(ENGINES)})", err=True)
        raise typer.Exit(2)
    if merged not in MERGED_CHOICES:
        typer.echo(f"kg build: unknown --merged {merged!r} (choose {', '.join(MERGED_CHOICES)})", err=True)
        raise typer.Exit(2)
    names = file_names(paths)  # strings, not Paths: ~100 bytes a file where a Path takes ~380
    if not names:
        typer.echo("kg build: no input files found", err=True)
        raise typer.Exit(2)
    try:
        files = Spool.of_text(out, names)  # read back a file at a time: the list is not kept through the build
        del names
        with _progress(2 * len(files), "build") as bar:  # each file: extraction, then its graph
            report = run_build(files, out, jobs=jobs, validate=not no_validate, max_mb=max_mb,
                               progress=bar.update, engine=engine, scheduler=scheduler, merged=merged,
                               overview_nodes=overview_nodes, keep_caches=keep_caches)
    except (BuildLocked, ExecutorError, StepKilled) as err:
        typer.echo(f"kg build: {err}", err=True)
        raise typer.Exit(1)
    except OSError as err:
        typer.echo(f"kg build: cannot write {readable_name(out)}: {err.strerror or err}", err=True)
        raise typer.Exit(1)
    for f in report.failed:
        typer.echo(f"kg build: {readable_name(f.path)}: {f.error}", err=True)
    if report.kept_previous and report.conforms is not False:
        typer.echo(f"kg build: every input failed; the previous build in {readable_name(out)} is kept", err=True)
        raise typer.Exit(1)
    if report.conforms is False:
        typer.echo(f"kg build: the graph violates the SHACL shapes ({len(report.violations)} violations; "
                   f"full report in {out / 'validation.txt'}):", err=True)
        for line in report.violations[:10]:
            typer.echo(f"  {line}", err=True)
        typer.echo("kg build: graph not written" + ("; the previous build is kept" if report.kept_previous else "")
                   + "; fix the input or rerun with --no-validate", err=True)
        raise typer.Exit(1)
    removed, freed = report.pruned
    if removed:
        typer.echo(f"kg build: removed {len(removed)} cache folder(s) of earlier code ({freed / 1e9:.1f} GB; "
                   "--keep-caches keeps them)", err=True)
    typer.echo(f"built {out}: {len(report.files)} files ({report.cached_count} from cache, "
               f"{len(report.failed)} failed), "
               f"{report.document_count} documents, {report.task_count} tasks, {report.triples} triples"
               + ("" if no_validate else ", SHACL conforms"), err=True)
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def sparql(
    query_text: str = typer.Argument(..., metavar="QUERY", help="A SPARQL SELECT/ASK query (common prefixes are predeclared), or @file.rq."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="The build folder to query."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    timeout: float = typer.Option(60.0, "--timeout", help="Stop the query after this many seconds."),
) -> None:
    """Run SPARQL over the built graph (all named graphs as one); no SERVICE, stopped after --timeout."""
    from kg.formatting import format_table
    from kg.sparql import SparqlError, query_build

    try:
        if query_text.startswith("@"):
            query_text = Path(query_text[1:]).read_text(encoding="utf-8")
        table = query_build(out, query_text, timeout=timeout)
        sys.stdout.write(format_table(table.columns, table.rows, fmt))
    except (SparqlError, ValueError, OSError) as err:
        typer.echo(f"kg sparql: {err}", err=True)
        raise typer.Exit(1)


DB_OPTION = typer.Option(Path("out"), "--db", help="Build folder (or graph.lbug) of the embedded database.")
FORMAT_OPTION = typer.Option("table", "--format", "-f", help="table, csv or json.")
NEO4J_URI_OPTION = typer.Option(None, "--neo4j-uri", help="Query a Neo4j server instead (bolt://…, neo4j://…).")
USER_OPTION = typer.Option("neo4j", "--user", help="Neo4j user; the password comes from NEO4J_PASSWORD or a prompt.")
DATABASE_OPTION = typer.Option(None, "--database", help="Neo4j database name (default: the server's default).")


def _run_query(prog: str, query_text: str, params: dict, db: Path, fmt: str, neo4j_uri: str | None, user: str,
               database: str | None, write: bool = False, checked: bool = False) -> None:
    """Run one query and print its table (and, for a full page, how to get the next); checked=True for a query of
    kg.queries (engines.run)."""
    from kg.engines import EngineError, open_engine, run
    from kg.formatting import format_table

    try:
        engine = open_engine(db, neo4j_uri, user, database, write=write)
    except EngineError as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(1)
    try:
        columns, rows = run(engine, query_text, params, checked=checked)
        sys.stdout.write(format_table(columns, rows, fmt))
        limit = params.get("limit")
        if "skip" in params and rows and len(rows) == limit:  # a full page: there may be more
            page = params["skip"] // limit + 1
            typer.echo(f"{prog}: page {page} of {limit} rows; --page {page + 1} for the next, --limit 0 for all",
                       err=True)
    except (EngineError, ValueError) as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(1)
    finally:
        engine.close()


@app.command()
def cypher(
    query_text: str = typer.Argument(..., metavar="QUERY", help="A Cypher query; values as $name parameters."),
    param: list[str] = typer.Option([], "--param", "-p", help="name=value (JSON values allowed); repeatable."),
    db: Path = DB_OPTION, fmt: str = FORMAT_OPTION, neo4j_uri: str | None = NEO4J_URI_OPTION,
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
    write: bool = typer.Option(False, "--write", help="Allow writes (read-only by default)."),
) -> None:
    """Run Cypher on the embedded database (default) or on Neo4j, read-only unless --write."""
    from kg.engines import parse_param

    try:
        params = dict(parse_param(p) for p in param)
    except ValueError as err:
        typer.echo(f"kg cypher: {err}", err=True)
        raise typer.Exit(2)
    _run_query("kg cypher", query_text, params, db, fmt, neo4j_uri, user, database, write=write)


query_app = typer.Typer(help="Named research queries (identical on the embedded database and Neo4j).",
                        no_args_is_help=True)
app.add_typer(query_app, name="query")


LIMIT_OPTION = typer.Option(50, "--limit", help="Rows per page (0: every row).")
PAGE_OPTION = typer.Option(1, "--page", help="Which page of --limit rows (1 is the first).")


def _paging(prog: str, limit: int, page: int) -> dict:
    from kg.queries import paging

    try:
        return paging(limit, page)
    except ValueError as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(2)


@query_app.command("lead-agencies")
def query_lead_agencies(
    topic: str = typer.Option("", "--topic", help="Only tasks about this topic (e.g. 产教融合)."),
    level: str = typer.Option("", "--level", help="city, county or province: the lead agency's level."),
    limit: int = LIMIT_OPTION, page: int = PAGE_OPTION,
    db: Path = DB_OPTION, fmt: str = FORMAT_OPTION, neo4j_uri: str | None = NEO4J_URI_OPTION,
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
) -> None:
    """Which agencies lead tasks, by jurisdiction, with counts (most first, a page at a time)."""
    from kg.queries import lead_agencies

    prog = "kg query lead-agencies"
    if level not in ("", "city", "county", "province"):
        typer.echo(f"{prog}: --level is city, county or province", err=True)
        raise typer.Exit(2)
    _paging(prog, limit, page)
    query, params = lead_agencies(topic, level, limit, page)
    _run_query(prog, query.cypher, params, db, fmt, neo4j_uri, user, database, checked=True)


@query_app.command("co-responsibility")
def query_co_responsibility(
    limit: int = LIMIT_OPTION, page: int = PAGE_OPTION,
    db: Path = DB_OPTION, fmt: str = FORMAT_OPTION, neo4j_uri: str | None = NEO4J_URI_OPTION,
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
) -> None:
    """Pairs of agencies that share tasks, most shared first (a page at a time)."""
    from kg.queries import CO_RESPONSIBILITY

    prog = "kg query co-responsibility"
    _run_query(prog, CO_RESPONSIBILITY.cypher, _paging(prog, limit, page), db, fmt, neo4j_uri, user, database,
               checked=True)


@query_app.command("agency")
def query_agency(
    name: str = typer.Option(..., "--name", help="Agency name, part of one, or an alias (市教育局…)."),
    limit: int = typer.Option(100, "--limit", help="Rows per page (0: every row)."), page: int = PAGE_OPTION,
    db: Path = DB_OPTION, fmt: str = FORMAT_OPTION, neo4j_uri: str | None = NEO4J_URI_OPTION,
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
) -> None:
    """The tasks of one agency, with its role, the quote and where it is written (a page at a time)."""
    from kg.queries import agency_tasks

    prog = "kg query agency"
    _paging(prog, limit, page)  # a bad page or limit: one line, exit 2
    query, params = agency_tasks(name, limit, page)
    _run_query(prog, query.cypher, params, db, fmt, neo4j_uri, user, database, checked=True)


def _find_document(prog: str, engine, doc: str) -> tuple[str, str]:
    """(uri, name) of the document a --doc names (文号, title or part of it, uri); exits when none does."""
    from kg.engines import run
    from kg.queries import FIND_DOCUMENT
    from loaders.citations import parse_doc_number

    number = parse_doc_number(doc)
    _, found = run(engine, FIND_DOCUMENT.cypher, {"text": doc.strip(), "number": number.text if number else ""},
                   checked=True)
    if not found:
        typer.echo(f"{prog}: no document matches {doc!r}", err=True)
        raise typer.Exit(1)
    uri, name = found[0][0], found[0][1]
    if len(found) > 1 and found[1][4] == found[0][4]:
        typer.echo(f"{prog}: {doc!r} matches {len(found)} documents; using {name} ({uri})", err=True)
    return uri, name


def _about_document(prog: str, doc: str, queries: list[str], params: dict, heading, db: Path, fmt: str,
                    neo4j_uri: str | None, user: str, database: str | None) -> None:
    """Find the document --doc names, run each query with its uri (rows one after another), say `heading` of it
    on stderr and print the table; engine errors are one line."""
    from kg.engines import EngineError, open_engine, run
    from kg.formatting import format_table

    try:
        engine = open_engine(db, neo4j_uri, user, database)
    except EngineError as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(1)
    try:
        uri, name = _find_document(prog, engine, doc)
        columns, rows = None, []
        for query in queries:
            columns, part = run(engine, query, {"uri": uri, **params}, checked=True)
            rows.extend(part)
        typer.echo(heading(engine, uri, name), err=True)
        sys.stdout.write(format_table(columns, rows, fmt))
    except EngineError as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(1)
    finally:
        engine.close()


@query_app.command("reuse")
def query_reuse(
    doc: str = typer.Option(..., "--doc", help="文号, title (or part of it) or uri of the document."),
    limit: int = typer.Option(100, "--limit", help="Rows per page (0: every row)."), page: int = PAGE_OPTION,
    db: Path = DB_OPTION, fmt: str = FORMAT_OPTION, neo4j_uri: str | None = NEO4J_URI_OPTION,
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
) -> None:
    """Clauses of a document that copy or adapt the documents it implements, with its reuse share."""
    from kg.engines import run
    from kg.queries import REUSE

    prog = "kg query reuse"

    def heading(engine, uri: str, name: str) -> str:
        share = run(engine, "MATCH (d:Document {uri: $uri}) RETURN d.reuse_share", {"uri": uri})[1]
        value = share[0][0] if share else None
        return f"reuse in {name}: " + (f"share {value:.3f} of its clause text" if value is not None
                                       else "it implements no loaded document")

    _about_document(prog, doc, [REUSE.cypher], _paging(prog, limit, page), heading, db, fmt, neo4j_uri, user,
                    database)


@query_app.command("cascade")
def query_cascade(
    doc: str = typer.Option(..., "--doc", help="文号, title (or part of it) or uri of the lower document."),
    dropped: bool = typer.Option(False, "--dropped", help="Instead: the parent items none of its tasks carries."),
    bodies: bool = typer.Option(False, "--bodies", help="Instead: bodies assigned an item above × bodies below."),
    limit: int = typer.Option(100, "--limit", help="Rows per page (0: every row)."), page: int = PAGE_OPTION,
    db: Path = DB_OPTION, fmt: str = FORMAT_OPTION, neo4j_uri: str | None = NEO4J_URI_OPTION,
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
) -> None:
    """Which items of the documents it implements each task carries down, and which bodies carry them."""
    from kg.queries import CASCADE, CASCADE_BODIES, DROPPED

    prog = "kg query cascade"
    if dropped and bodies:
        typer.echo(f"{prog}: --dropped or --bodies, not both", err=True)
        raise typer.Exit(2)
    query, what = (DROPPED, "parent items no task carries") if dropped else \
        (CASCADE_BODIES, "bodies above and below") if bodies else (CASCADE, "task cascade")
    _about_document(prog, doc, [query.cypher], _paging(prog, limit, page),
                    lambda engine, uri, name: f"{what}: {name}", db, fmt, neo4j_uri, user, database)


@query_app.command("instruments")
def query_instruments(
    topic: str = typer.Option("", "--topic", help="Only tasks about this topic (e.g. 产教融合)."),
    level: str = typer.Option("", "--level", help="national, province, city or county: the document's level."),
    limit: int = typer.Option(0, "--limit", help="Rows per page (0: every row)."), page: int = PAGE_OPTION,
    db: Path = DB_OPTION, fmt: str = FORMAT_OPTION, neo4j_uri: str | None = NEO4J_URI_OPTION,
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
) -> None:
    """Tasks per policy instrument (Rothwell–Zegveld; McDonnell–Elmore) and level of government."""
    from kg.queries import INSTRUMENTS

    prog = "kg query instruments"
    if level not in ("", "national", "province", "city", "county"):
        typer.echo(f"{prog}: --level is national, province, city or county", err=True)
        raise typer.Exit(2)
    _run_query(prog, INSTRUMENTS.cypher, {"topic": topic, "level": level, **_paging(prog, limit, page)}, db, fmt,
               neo4j_uri, user, database, checked=True)


@query_app.command("lineage")
def query_lineage(
    doc: str = typer.Option(..., "--doc", help="文号, title (or part of it) or uri of the document."),
    up: bool = typer.Option(False, "--up", help="Only what it implements (documents it cites, transitively)."),
    down: bool = typer.Option(False, "--down", help="Only what implements it (documents citing it)."),
    depth: int = typer.Option(3, "--depth", help="How many citation steps (1–6)."),
    db: Path = DB_OPTION, fmt: str = FORMAT_OPTION, neo4j_uri: str | None = NEO4J_URI_OPTION,
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
) -> None:
    """The chain of documents a document implements and that implement it."""
    from kg.queries import lineage_query

    prog = "kg query lineage"
    try:
        queries = [lineage_query(d, depth) for d in (("up", "down") if up == down else ("up",) if up else ("down",))]
    except ValueError as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(2)
    _about_document(prog, doc, [q.cypher for q in queries], {}, lambda engine, uri, name: f"lineage of {name}",
                    db, fmt, neo4j_uri, user, database)


sync_app = typer.Typer(help="Copy the built graph into another store.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")


def _bulk_neo4j(prog: str, pg, out: Path, database: str, admin: str | None, overwrite: bool) -> None:
    from kg.stores.neo4j_bulk import BulkImportError, admin_command, bulk_import

    folder = out / "neo4j-import"
    try:
        report = bulk_import(pg, folder, database, admin_command(admin), overwrite=overwrite)
    except BulkImportError as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(1)
    typer.echo(f"imported {report.nodes} nodes and {report.relationships} relationships into database "
               f"{database} in {report.seconds:.1f} s with neo4j-admin (CSV files in {folder}); start Neo4j, then "
               "`kg sync neo4j --uri …` creates its constraints and indexes and keeps it up to date")


@sync_app.command("neo4j")
def sync_neo4j(
    uri: str = typer.Option(None, "--uri", help="bolt://host:7687 or neo4j://… (Aura: neo4j+s://…)."),
    user: str = USER_OPTION, database: str | None = DATABASE_OPTION,
    out: Path = typer.Option(Path("out"), "--out", "-o", help="The build folder to sync."),
    batch_size: int = typer.Option(1000, "--batch-size", help="Rows per UNWIND transaction."),
    prune: bool = typer.Option(False, "--prune", help="Delete what this build no longer contains."),
    bulk: bool = typer.Option(False, "--bulk", help="First load of a new database with neo4j-admin's importer "
                                                     "(no server needed; start Neo4j afterwards)."),
    neo4j_admin: str = typer.Option(None, "--neo4j-admin",
                                    help="With --bulk: the neo4j-admin to run (else $NEO4J_ADMIN, else the PATH)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="With --bulk: replace an existing (stopped) database."),
) -> None:
    """Batched, idempotent MERGE of the built graph into Neo4j (password: NEO4J_PASSWORD or a prompt); with
    --bulk, the first load of a new database through `neo4j-admin database import full`."""
    from kg.projection import StreamedTables
    from kg.stores.neo4j import Neo4jError, connect, password_from_env_or_prompt, sync

    prog = "kg sync neo4j"
    if batch_size < 1:
        typer.echo(f"{prog}: --batch-size must be at least 1", err=True)
        raise typer.Exit(2)
    if not bulk and not uri:
        typer.echo(f"{prog}: --uri is needed (or --bulk for the first load of a new database)", err=True)
        raise typer.Exit(2)
    try:
        pg = StreamedTables(out)  # rows read from the Parquet parts as they are sent, never the whole graph at once
    except (FileNotFoundError, ValueError) as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(1)
    if bulk:
        _bulk_neo4j(prog, pg, out, database or "neo4j", neo4j_admin, overwrite)
        return
    try:
        driver = connect(uri, user, password_from_env_or_prompt(user), database)
    except Neo4jError as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(1)
    total = sum(pg.counts())
    try:
        with _progress(total, "sync", unit="row", disable=False) as bar:
            report = sync(driver, pg, database=database, batch_size=batch_size, prune=prune, progress=bar.update)
    except Neo4jError as err:
        typer.echo(f"{prog}: {err}", err=True)
        raise typer.Exit(1)
    finally:
        driver.close()
    rate = total / report.seconds if report.seconds else 0
    typer.echo(f"synced {total} elements in {report.seconds:.1f} s ({rate:,.0f}/s, {report.batches} batches): "
               f"{report.nodes_created} nodes and {report.relationships_created} relationships created"
               + (f", {report.nodes_deleted} nodes and {report.relationships_deleted} relationships pruned"
                  if prune else ""))


@app.command()
def export(
    fmt: str = typer.Option("graphml", "--format", "-f",
                            help="graphml, gexf (Gephi) or json (node-link); or rdf: graph.nq, graph.ttl and "
                                 "graph.jsonld merged from the build's per-file parts."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="The build folder."),
    to: Path | None = typer.Option(None, "--to", help="Output file (default out/graph.<format>); for rdf a folder "
                                                       "(default: out/export)."),
) -> None:
    """Export the property graph for Gephi, Cytoscape or d3 (via networkx), or the merged RDF serialisations."""
    from kg.projection import read_tables
    from kg.stores.nx import EXPORT_FORMATS, export as write_export, to_networkx

    if fmt == "rdf":
        from kg.parts import export_merged

        dest = to or out / "export"
        try:
            written = export_merged(out, dest)
        except (FileNotFoundError, ValueError, OSError) as err:
            typer.echo(f"kg export: {err}", err=True)
            raise typer.Exit(1)
        typer.echo(f"wrote {', '.join(str(dest / name) for name in written)}", err=True)
        return
    if fmt not in EXPORT_FORMATS:
        typer.echo(f"kg export: --format is one of {', '.join(EXPORT_FORMATS)} or rdf", err=True)
        raise typer.Exit(2)
    try:
        g = to_networkx(read_tables(out))
    except (FileNotFoundError, ValueError) as err:
        typer.echo(f"kg export: {err}", err=True)
        raise typer.Exit(1)
    target = to or out / f"graph.{fmt}"
    write_export(g, target, fmt)
    typer.echo(f"wrote {target}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges", err=True)


@app.command()
def viz(
    doc: str | None = typer.Option(None, "--doc", help="A document: 文号, title or part of it."),
    agency: str | None = typer.Option(None, "--agency", help="An agency: name, part of it, or an alias."),
    topic: str | None = typer.Option(None, "--topic", help="A topic (产教融合, 校企合作 …)."),
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", help="A division name or code."),
    all_: bool = typer.Option(False, "--all", help="The whole graph (best-connected nodes up to --max-nodes)."),
    depth: int = typer.Option(2, "--depth", help="Steps out from the selected node(s)."),
    max_nodes: int = typer.Option(2000, "--max-nodes", help="Largest page to draw."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="The build folder."),
    page_path: Path | None = typer.Option(None, "--page", help="Where to write the page (default out/viz.html)."),
) -> None:
    """Write an interactive graph page (works offline) for a document, agency, topic or jurisdiction."""
    from kg.projection import read_tables
    from kg.viz import Selection, VizError, page

    chosen = [x for x in (doc, agency, topic, jurisdiction) if x] + (["all"] if all_ else [])
    if len(chosen) != 1:
        typer.echo("kg viz: choose exactly one of --doc, --agency, --topic, --jurisdiction, --all", err=True)
        raise typer.Exit(2)
    try:
        pg = read_tables(out)
        path, n, m = page(pg, Selection(doc, agency, topic, jurisdiction, all_, depth, max_nodes),
                          page_path or out / "viz.html")
    except (FileNotFoundError, ValueError, VizError) as err:
        typer.echo(f"kg viz: {err}", err=True)
        raise typer.Exit(1)
    typer.echo(f"wrote {path}: {n} nodes, {m} edges", err=True)


def main() -> None:
    """Entry point for `python -m kg`."""
    app(prog_name="kg")
