"""`kg build`: extract (cached by content hash, in parallel), write RDF outputs atomically, validate."""
from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from kg import __version__
from loaders import LoaderError, extract_file
from loaders.records import Document
from loaders.serialize import documents_from_data, documents_to_data

CACHE_DIR = ".cache"
OVERVIEW_NODES = 1500  # the overview page keeps the best-connected nodes beyond this


@dataclass
class FileOutcome:
    """One input file after extraction: its documents, whether the cache served it, or its error."""

    path: Path
    documents: list[Document]
    cached: bool = False
    error: str | None = None


@dataclass
class BuildReport:
    """What a build did, with timings (seconds) — also written to build-info.json."""

    out: Path
    files: list[FileOutcome] = field(default_factory=list)
    triples: int = 0
    conforms: bool | None = None
    violations: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0
    validated: int = 0

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.error]

    @property
    def documents(self) -> list[Document]:
        return [d for f in self.files for d in f.documents]


@lru_cache(maxsize=1)
def extractor_fingerprint() -> str:
    """Hash of the extraction code and vocabularies: a change to either invalidates the cache."""
    import loaders
    from ontology import VOCAB_DIR

    h = hashlib.sha256(__version__.encode())
    for p in sorted(Path(loaders.__file__).parent.glob("*.py")) + sorted(VOCAB_DIR.glob("*")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _cache_path(out: Path, data: bytes, name: str) -> Path:
    key = hashlib.sha256(data + b"\0" + name.encode()).hexdigest()
    return out / CACHE_DIR / f"extract-{extractor_fingerprint()}" / key[:2] / f"{key}.json"


def _extract_one(args: tuple[str, float]) -> tuple[str, list | None, str | None]:
    path, max_mb = args
    try:
        return path, documents_to_data(extract_file(path, max_mb=max_mb)), None
    except LoaderError as err:
        return path, None, err.reason
    except Exception as err:  # a bug must not lose the rest of the batch; say so plainly
        return path, None, f"internal error while extracting ({type(err).__name__}: {err}); please report this file"


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so that readers see the old or the new content, never a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def extract_all(paths: list[Path], out: Path, jobs: int = 0, max_mb: float = 20.0,
                progress: Callable[[int], None] | None = None) -> list[FileOutcome]:
    """Extract every file, serving unchanged files from the cache; order follows `paths`."""
    outcomes: dict[int, FileOutcome] = {}
    todo: list[tuple[int, Path, Path | None]] = []
    for i, path in enumerate(paths):
        try:
            data = path.read_bytes()
        except OSError as err:
            outcomes[i] = FileOutcome(path, [], error=f"cannot read: {err.strerror or err}")
            if progress:
                progress(1)
            continue
        cache = _cache_path(out, data, path.name)
        if cache.exists():
            try:
                outcomes[i] = FileOutcome(path, documents_from_data(json.loads(cache.read_text("utf-8"))),
                                          cached=True)
                if progress:
                    progress(1)
                continue
            except (ValueError, KeyError, TypeError):
                pass  # a damaged cache entry is extracted again
        todo.append((i, path, cache))
    jobs = jobs or os.cpu_count() or 1
    args = [(str(p), max_mb) for _, p, _ in todo]
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
            results = pool.map(_extract_one, args, chunksize=max(1, len(todo) // (jobs * 8)))
            results = _track(results, progress)
    else:
        results = _track(map(_extract_one, args), progress)
    for (i, path, cache), (_, data, error) in zip(todo, results):
        if error is not None:
            outcomes[i] = FileOutcome(path, [], error=error)
            continue
        write_atomic(cache, json.dumps(data, ensure_ascii=False))
        outcomes[i] = FileOutcome(path, documents_from_data(data))
    return [outcomes[i] for i in range(len(paths))]


def _track(results, progress):
    for r in results:
        if progress:
            progress(1)
        yield r


def build(paths: list[Path], out: Path, jobs: int = 0, validate: bool = True, max_mb: float = 20.0,
          progress: Callable[[int], None] | None = None) -> BuildReport:
    """Build the knowledge graph of the given files into `out` (see README for the outputs)."""
    import pyoxigraph as ox

    from .projection import project_graphs, write_tables
    from .rdf import GraphWriter, serialize
    from .stores.ladybug import DB_NAME, bulk_load

    out.mkdir(parents=True, exist_ok=True)
    report = BuildReport(out=out)
    t0 = time.perf_counter()
    report.files = extract_all(paths, out, jobs=jobs, max_mb=max_mb, progress=progress)
    t1 = time.perf_counter()
    report.timings["extract"] = t1 - t0
    files = _unique_sources([(f.path.name, f.documents) for f in report.files if not f.error])
    corpus = GraphWriter(__version__).write(files)
    triples = corpus.triples()
    report.triples = len(triples)
    t2 = time.perf_counter()
    report.timings["rdf"] = t2 - t1
    if validate:
        from .validate import validate_graphs

        graphs = [(g.name.value, serialize((q.triple for q in g.quads), ox.RdfFormat.N_TRIPLES))
                  for g in corpus.file_graphs()]
        result = validate_graphs(graphs, cache=out / CACHE_DIR, jobs=jobs)
        report.conforms, report.violations = result.conforms, result.messages
        report.validated = result.checked
        write_atomic(out / "validation.txt", "conforms\n" if result.conforms else "\n".join(result.messages) + "\n")
        write_atomic(out / "validation.ttl", result.report if not result.conforms else
                     "@prefix sh: <http://www.w3.org/ns/shacl#> .\n[] a sh:ValidationReport ; sh:conforms true .\n")
        report.outputs += ["validation.ttl", "validation.txt"]
        report.timings["validate"] = time.perf_counter() - t2
        if not result.conforms:
            return report
    t3 = time.perf_counter()
    write_atomic(out / "graph.ttl", serialize(triples, ox.RdfFormat.TURTLE))
    write_atomic(out / "graph.jsonld", serialize(triples, ox.RdfFormat.JSON_LD))
    write_atomic(out / "graph.nq", serialize(corpus.quads(), ox.RdfFormat.N_QUADS))
    write_atomic(out / "documents.jsonl", "".join(
        json.dumps(_contract(d), ensure_ascii=False) + "\n" for _, docs in files for d in docs))
    report.outputs += ["graph.ttl", "graph.jsonld", "graph.nq", "documents.jsonl"]
    report.timings["write"] = time.perf_counter() - t3
    t4 = time.perf_counter()
    pg = project_graphs((g.name.value, g.quads) for g in corpus.graphs.values())
    report.outputs += write_tables(pg, out)
    report.nodes, report.relationships = pg.counts()
    t5 = time.perf_counter()
    report.timings["project"] = t5 - t4
    bulk_load(pg, out)
    report.outputs.append(DB_NAME)
    t6 = time.perf_counter()
    report.timings["embedded_load"] = t6 - t5
    from .viz import Selection, page

    page(pg, Selection(all=True, max_nodes=OVERVIEW_NODES), out / "overview.html", title="policykg — overview")
    report.outputs.append("overview.html")
    report.timings["overview"] = time.perf_counter() - t6
    return report


def _contract(doc: Document) -> dict:
    from loaders.records import document_to_contract

    return document_to_contract(doc)


def _unique_sources(files: list[tuple[str, list[Document]]]) -> list[tuple[str, list[Document]]]:
    """Two inputs with the same file name in different folders stay apart (name, name~2, …)."""
    seen: dict[str, int] = {}
    out = []
    for name, docs in files:
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name}~{seen[name]}", docs))
    return out


def write_build_info(report: BuildReport) -> None:
    """build-info.json: the build's time, host and figures (kept out of the graph so it stays reproducible)."""
    info = {
        "software": f"policykg {__version__}",
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "python": platform.python_version(),
        "extractor_fingerprint": extractor_fingerprint(),
        "files": len(report.files),
        "files_from_cache": sum(f.cached for f in report.files),
        "files_failed": [{"path": str(f.path), "error": f.error} for f in report.failed],
        "documents": len(report.documents),
        "tasks": sum(len(d.tasks) for d in report.documents),
        "triples": report.triples,
        "property_graph": {"nodes": report.nodes, "relationships": report.relationships},
        "conforms": report.conforms,
        "graphs_validated": report.validated,
        "timings_s": {k: round(v, 3) for k, v in report.timings.items()},
        "outputs": report.outputs,
    }
    write_atomic(report.out / "build-info.json", json.dumps(info, ensure_ascii=False, indent=1) + "\n")
