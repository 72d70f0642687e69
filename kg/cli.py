"""The `kg` command line: a thin shell over the library (loaders, kg)."""
from __future__ import annotations

import json
import sys
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


def _progress(total: int, desc: str):
    """A tqdm bar on stderr for more than a handful of items, silent when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="file", file=sys.stderr,
                disable=total <= 5 or not sys.stderr.isatty())


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Files or folders (.txt, .docx, .pdf, .html)."),
    fmt: str = typer.Option("jsonl", "--format", help="Output format: jsonl (the extraction contract)."),
    max_mb: float = typer.Option(20.0, "--max-mb", help="Refuse files larger than this many MB."),
) -> None:
    """Print one JSON object per document found (shared/eval/CONTRACT.md)."""
    from kg.extraction import extract_paths
    from loaders import document_to_contract, iter_paths

    if fmt != "jsonl":
        typer.echo(f"kg extract: unknown --format {fmt!r} (only jsonl)", err=True)
        raise typer.Exit(2)
    files = iter_paths(paths)
    if not files:
        typer.echo("kg extract: no input files found", err=True)
        raise typer.Exit(2)
    failed = 0
    out = sys.stdout
    with _progress(len(files), "extract") as bar:
        for result in extract_paths(files, max_mb=max_mb):
            bar.update(1)
            if result.error:
                failed += 1
                bar.clear()
                typer.echo(f"kg extract: {result.path}: {result.error}", err=True)
                continue
            for doc in result.documents:
                out.write(json.dumps(document_to_contract(doc), ensure_ascii=False) + "\n")
            out.flush()
    raise typer.Exit(1 if failed else 0)


@app.command()
def build(
    paths: list[Path] = typer.Argument(..., help="Files or folders of policy documents."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Extraction processes (0 = one per core)."),
    no_validate: bool = typer.Option(False, "--no-validate", help="Write the graph even if SHACL finds violations."),
    max_mb: float = typer.Option(20.0, "--max-mb", help="Refuse files larger than this many MB."),
) -> None:
    """Extract the documents and write the knowledge graph (Turtle, JSON-LD, N-Quads) into --out."""
    from kg.build import build as run_build
    from kg.build import write_build_info
    from loaders import iter_paths

    files = iter_paths(paths)
    if not files:
        typer.echo("kg build: no input files found", err=True)
        raise typer.Exit(2)
    with _progress(len(files), "extract") as bar:
        report = run_build(files, out, jobs=jobs, validate=not no_validate, max_mb=max_mb, progress=bar.update)
    for f in report.failed:
        typer.echo(f"kg build: {f.path}: {f.error}", err=True)
    write_build_info(report)
    if report.conforms is False:
        typer.echo(f"kg build: the graph violates the SHACL shapes ({len(report.violations)} violations; "
                   f"full report in {out / 'validation.txt'}):", err=True)
        for line in report.violations[:10]:
            typer.echo(f"  {line}", err=True)
        typer.echo("kg build: graph not written; fix the input or rerun with --no-validate", err=True)
        raise typer.Exit(1)
    docs = report.documents
    cached = sum(f.cached for f in report.files)
    typer.echo(f"built {out}: {len(report.files)} files ({cached} from cache, {len(report.failed)} failed), "
               f"{len(docs)} documents, {sum(len(d.tasks) for d in docs)} tasks, {report.triples} triples"
               + ("" if no_validate else ", SHACL conforms"), err=True)
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def sparql(
    query_text: str = typer.Argument(..., metavar="QUERY", help="A SPARQL SELECT/ASK query (common prefixes are predeclared), or @file.rq."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="The build folder to query."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
) -> None:
    """Run SPARQL over the built graph (all named graphs as one)."""
    from kg.formatting import format_table
    from kg.sparql import SparqlError, load_store, query

    if query_text.startswith("@"):
        query_text = Path(query_text[1:]).read_text(encoding="utf-8")
    try:
        table = query(load_store(out), query_text)
        sys.stdout.write(format_table(table.columns, table.rows, fmt))
    except (SparqlError, ValueError) as err:
        typer.echo(f"kg sparql: {err}", err=True)
        raise typer.Exit(1)


def main() -> None:
    """Entry point for `python -m kg`."""
    app(prog_name="kg")
