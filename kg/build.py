"""`kg build`: extract (cached by content hash, in parallel), write RDF outputs atomically, validate."""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from kg import __version__
from kg.executors import Done, Executor, LocalProcesses, map_settling, open_executor
from kg.files import write_atomic
from loaders.read import LoaderError, file_bytes, readable_name
from loaders.records import Document
from loaders.serialize import documents_from_data, documents_to_data

from .identity import DocumentKey, Owners, document_keys
from .isolated import Ready, run_isolated, start_isolated
from .parts import (MERGED_AUTO_MB, MERGED_CHOICES, PARTS_DIR, chunk_partials, concat_reusing, link_parts,
                    merge_key, own_chunk_files, owners_key, partial_paths, patch_database, write_lines, write_merged,
                    write_table_parts)
from .publish import current_build
from .spool import Spool

CACHE_DIR = ".cache"
OVERVIEW_NODES = 1500  # the overview page keeps the best-connected nodes beyond this
OVERVIEW_TITLE = "policykg — overview"
# what the build's steps in processes of their own import, made beforehand by Ready interpreters (kg.isolated) that
# _build starts where a core is idle (pandas: pyarrow imports it at its first conversion of Python values, 0.25 s)
STEP_MODULES = ("kg.build", "kg.shared", "kg.shared_delta", "kg.projection", "kg.parts", "kg.validate",
                "kg.stores.ladybug", "pyarrow.parquet", "pyarrow.compute", "ladybug", "pandas")


class KeyLog(Spool):
    """Every extracted file's document keys (DocumentKey.to_data lists), a JSON record each in a spool: a build
    reads a file's keys back when it plans the file (kg.rdf.plan_stream), instead of holding every file's — what
    grew with the corpus in the main process, ~1 KB a file (issue 11)."""

    def __init__(self, folder: Path):
        super().__init__(folder, encode=lambda keys: json.dumps(keys, ensure_ascii=False).encode("utf-8",
                                                                                                "surrogatepass"),
                         decode=lambda data: json.loads(data.decode("utf-8", "surrogatepass")))

    def add(self, keys: list) -> int:
        """Append one file's keys; returns their place."""
        self.append(keys)
        return len(self) - 1

    def read(self, at: int) -> list[DocumentKey]:
        """The keys added at place `at`."""
        return [DocumentKey.from_data(k) for k in self[at]]


def summary_data(docs: list[Document]) -> dict:
    """What a cache entry's summary holds of a file's documents (kept beside the records): their keys, the number
    of tasks and the findings' counts."""
    from loaders.diagnostics import summarise

    return {"keys": [k.to_data() for k in document_keys(docs)], "tasks": sum(len(d.tasks) for d in docs),
            "findings": summarise(docs)}


@dataclass(slots=True)
class FileSummary:
    """What a build keeps of one extracted file: how many documents and tasks it has, its findings' counts, and
    where its documents' keys are (their place in a KeyLog) — not the keys themselves, nor the records, which stay
    in the cache on disk (issue 11: memory must not grow with the corpus's text)."""

    documents: int
    tasks: int
    findings: dict[str, int]
    at: int  # its keys' place in the build's KeyLog
    records: str = ""  # a hash of its records (their JSON in the cache): what phase B's cache key reads of them

    @classmethod
    def logged(cls, data: dict, log: KeyLog, memo: dict) -> "FileSummary":
        """The summary of a file from its summary_data: the keys go to `log`; the findings' counts, which many
        files repeat, are one object for all of them (taken from `memo`)."""
        keys = data["keys"]
        for k in keys:  # ValueError etc. when damaged, before anything reaches the log
            DocumentKey.from_data(k)
        findings = memo.setdefault(("findings", *sorted(data["findings"].items())), data["findings"])
        records = str(data["records"])
        return cls(len(keys), data["tasks"], findings, log.add(keys), records)


@dataclass(slots=True)
class FileOutcome:
    """One input file after extraction: a summary of its documents (the records are in `cache`), whether the
    cache served it, or its error."""

    file: str  # the input file's path as given (a string: a build keeps one per file, a Path costs 3–4× more)
    summary: FileSummary | None = None
    cached: bool = False
    error: str | None = None
    cache_entry: str | None = None  # the extracted records, as JSON (a string: a Path costs ~3× its memory)

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def name(self) -> str:
        """The input file's name, readable (loaders.read.readable_name)."""
        return readable_name(os.path.basename(self.file))


@dataclass
class BuildReport:
    """What a build did, with timings (seconds) — also written to build-info.json."""

    out: Path
    files: Sequence[FileOutcome] = field(default_factory=list)  # a Spool when built: read back from disk
    triples: int = 0
    conforms: bool | None = None
    violations: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0
    validated: int = 0
    kept_previous: bool = False  # the build in place was kept (the graph failed SHACL, or every input failed)
    pruned: tuple[list[str], int] = ([], 0)  # the cache folders of other code removed after the build, their bytes
    overview_key: str | None = None  # what the overview shows, hashed: an unchanged selection is not drawn again
    patched_rows: int | None = None  # the database was the previous one patched with this many rows (None: loaded)
    database: str = ""  # how the embedded database was made, and why
    shared_merge: str = ""  # how what files share was merged (or taken from the cache)
    overview: str = ""  # whether the overview page was drawn, or taken from the build in place and why

    counted: tuple | None = None  # (failed files, documents, tasks, files from the cache), once the build is over

    def count(self) -> None:
        """Count the files once the build is over, in one pass: each pass reads every file's outcome back from disk
        (~40 ms at 10k files), and the report is asked for these counts several times."""
        failed, documents, tasks, cached = [], 0, 0, 0
        for f in self.files:
            if f.error:
                failed.append(f)
            elif f.summary is not None:
                documents += f.summary.documents
                tasks += f.summary.tasks
            cached += f.cached
        self.counted = (failed, documents, tasks, cached)

    @property
    def failed(self) -> list[FileOutcome]:
        return self.counted[0] if self.counted else [f for f in self.files if f.error]

    @property
    def summaries(self) -> Iterator[FileSummary]:
        return (f.summary for f in self.files if not f.error and f.summary is not None)

    @property
    def document_count(self) -> int:
        return self.counted[1] if self.counted else sum(s.documents for s in self.summaries)

    @property
    def task_count(self) -> int:
        return self.counted[2] if self.counted else sum(s.tasks for s in self.summaries)

    @property
    def cached_count(self) -> int:
        """How many files the extraction cache served."""
        return self.counted[3] if self.counted else sum(f.cached for f in self.files)


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


GRAPH_MODULES = ("rdf.py", "identity.py", "projection.py", "validate.py", "reuse.py", "cascade.py")
# The modules of `loaders` that phase B runs: the records and their JSON, the vocabularies, the divisions, the
# numbering patterns (kg.identity). Not the extraction's rules: the graph cache is keyed by the records themselves,
# so a change to how records are extracted makes again only the graphs of files whose records it changes (a test
# checks that the graph modules import nothing else of loaders).
GRAPH_LOADERS = ("records.py", "serialize.py", "vocab.py", "divisions.py", "patterns.py")


@lru_cache(maxsize=1)
def graph_fingerprint() -> str:
    """Hash of what turns records into graphs (RDF mapping, projection, SHACL, ontology, vocabularies and the parts
    of `loaders` they use) — not of the extraction rules: the cache key holds a hash of each file's records."""
    import loaders
    from ontology import ONTOLOGY_DIR, VOCAB_DIR

    h = hashlib.sha256(__version__.encode())
    here, loaders_dir = Path(__file__).parent, Path(loaders.__file__).parent
    for p in [here / n for n in GRAPH_MODULES] + [loaders_dir / n for n in GRAPH_LOADERS] + \
            sorted(ONTOLOGY_DIR.glob("*.ttl")) + sorted(VOCAB_DIR.glob("*")):
        h.update(p.parent.name.encode() + b"/" + p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def code_fingerprint() -> str:
    """The extraction's and the graphs' fingerprints: what every process of a build must run the same of."""
    return f"{extractor_fingerprint()}-{graph_fingerprint()}"


def _cache_path(out: Path, data: bytes, name: str) -> str:
    """The extraction cache entry of a file's bytes under its name (a string: a rebuild makes one per file)."""
    key = hashlib.sha256(data + b"\0" + os.fsencode(name)).hexdigest()
    return os.path.join(out, CACHE_DIR, f"extract-{extractor_fingerprint()}", key[:2], f"{key}.json")


def _summary_path(cache: str | Path) -> str:
    """The summary beside a cache entry (strings, not Paths: asked for every file of a rebuild)."""
    return os.fspath(cache)[:-len(".json")] + ".summary.json"


def _contract_path(cache: str | Path) -> str:
    """The documents.jsonl lines beside a cache entry."""
    return os.fspath(cache)[:-len(".json")] + ".contract.jsonl"


def _contract_lines(docs: list[Document]) -> bytes:
    """A file's lines of documents.jsonl (the extraction contract), made once beside its cache entry: the build
    joins them without reading the records again. A lone surrogate stays a JSON escape."""
    return "".join(json.dumps(_contract(d), ensure_ascii=False) + "\n" for d in docs).encode("utf-8", "backslashreplace")


def _extract_one(args: tuple[str, float, str]) -> tuple[str, dict | None, str | None]:
    """Extract one file where it runs (a process, a cluster worker) and write its records to the cache there;
    only its summary_data travels back."""
    from kg.extraction import extract_one  # here, not at the top: spaCy is imported only where files are extracted

    path, max_mb, cache = args
    result = extract_one(Path(path), max_mb)
    if result.error:
        return path, None, result.error
    records = json.dumps(documents_to_data(result.documents), ensure_ascii=False).encode("utf-8")
    summary = {**summary_data(result.documents), "records": records_hash(records)}
    _write_entry(Path(cache), records, result.documents, summary)
    return path, summary, None


def records_hash(records: bytes) -> str:
    """The hash of a file's records as the cache holds them (their JSON): phase B's cache key reads the records by
    it, so a change to the extraction code that leaves a file's records as they were keeps its graph."""
    return hashlib.sha256(records).hexdigest()[:32]


def _write_entry(cache: Path, records: bytes | None, docs: list[Document], summary: dict) -> None:
    """A cache entry: the records, the file's documents.jsonl lines, and last the summary with both files' sizes
    — written without a flush to disk each (write_atomic's `durable`): a reader trusts the entry only when the
    sizes match, so a power cut costs an extraction, never a wrong graph."""
    sizes = {"contract": write_atomic(Path(_contract_path(cache)), _contract_lines(docs), durable=False)}
    sizes["records"] = write_atomic(cache, records, durable=False) if records is not None else cache.stat().st_size
    write_atomic(Path(_summary_path(cache)), json.dumps({**summary, "sizes": sizes}, ensure_ascii=False),
                 durable=False)


def _cached_summary(cache: str) -> dict | None:
    """The summary_data beside the cache entry `cache` (made from the records when missing or not theirs), None
    when there is no entry; ValueError etc. when damaged. Paths as strings (os, not pathlib): a rebuild asks this
    of every file."""
    try:
        with open(_summary_path(cache), "rb") as fh:
            data = json.loads(fh.read().decode("utf-8"))
        sizes = {"contract": os.stat(_contract_path(cache)).st_size, "records": os.stat(cache).st_size}
        if data["sizes"] == sizes and isinstance(data.get("records"), str):
            del data["sizes"]
            return data
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(cache, "rb") as fh:
            records = fh.read()
    except FileNotFoundError:
        return None
    docs = documents_from_data(json.loads(records.decode("utf-8")))
    summary = {**summary_data(docs), "records": records_hash(records)}
    _write_entry(Path(cache), None, docs, summary)
    return summary


def extract_all(paths: list[Path | str], out: Path, jobs: int = 0, max_mb: float = 20.0,
                progress: Callable[[int], None] | None = None, executor: Executor | None = None,
                log: KeyLog | None = None) -> Spool[FileOutcome]:
    """Extract every file, serving unchanged files from the cache; order follows `paths`. The work runs on
    `executor` (default: `jobs` local processes). The records go to the cache; the outcomes, on disk (a Spool in
    `out`), carry summaries, whose documents' keys are in `log` (default: a new KeyLog in `out`). Files are read
    and looked up in the cache as the executor takes work: the tasks of files waiting their turn are never all
    held at once."""
    memo: dict = {}  # FileSummary.logged: one object for what many files' summaries repeat
    log = log if log is not None else KeyLog(out)

    def entries():
        for path in map(os.fspath, paths):
            try:
                data = file_bytes(path, max_mb)
            except LoaderError as err:
                yield Done(FileOutcome(path, error=err.reason))
                continue
            except OSError as err:
                yield Done(FileOutcome(path, error=f"cannot read: {err.strerror or err}"))
                continue
            cache = _cache_path(out, data, os.path.basename(path))
            del data
            summary = None
            try:
                found = _cached_summary(cache)
                if found is not None:
                    summary = FileSummary.logged(found, log, memo)
            except (ValueError, KeyError, TypeError):
                pass  # a damaged cache entry is extracted again
            if summary is not None:
                yield Done(FileOutcome(path, summary, cached=True, cache_entry=cache))
            else:
                yield (path, max_mb, cache), (path, cache)

    def settle(context: tuple[str, str], result) -> FileOutcome:
        (path, cache), (_, summary, error) = context, result
        return FileOutcome(path, error=error) if error is not None else \
            FileOutcome(path, FileSummary.logged(summary, log, memo), cache_entry=cache)

    return map_settling(
        executor or LocalProcesses(jobs), _extract_one, entries(), settle, progress, total=len(paths),
        lost=lambda a: (a[0], None, "the process extracting this file died (killed by the system — out of "
                                    "memory?); other files are not affected"), into=Spool(out))


@dataclass(slots=True)
class FileGraph:
    """What phase B made of one file (cached on disk by the file's content key)."""

    entry: str  # its folder (a string: kept per file for the whole build) — graph.nq, shared.nt (what other files
    # may say too), own-rows.pickle, … (own.ttl/.jsonld: kg.parts)
    conforms: bool | None
    messages: tuple[str, ...]  # its SHACL messages (the empty tuple, one object, for a file that conforms)
    own_triples: int = 0
    computed: bool = False  # made in this build (not served from the cache)
    iris: tuple[str, ...] = ()  # the IRIs of its documents: the nodes (and what hangs off them) it owns
    shared_key: str = ""  # a hash of what it shares with other files (shared.nt, rest-rows.pickle)

    @property
    def folder(self) -> Path:
        return Path(self.entry)


def _graph_root(out: Path) -> Path:
    """The graph cache: per-file entries by content key, and the partial merges of chunks of them."""
    return out / CACHE_DIR / f"graph-{graph_fingerprint()}"


def _graph_key(name: str, records: str, plan, parent_records: dict[str, str] | None = None) -> str:
    """Phase B's cache key of a file: its name, its records (their hash), its plan (IRIs, citation targets,
    parents) and the records of the files its clauses are aligned with."""
    h = hashlib.sha256(f"{name}\0{records}".encode("utf-8", "surrogatepass"))
    h.update(repr((plan.iris, plan.citations, plan.parents)).encode())
    for source in sorted(parent_records or {}):  # the content of the documents its clauses are aligned with
        h.update(f"{source}={parent_records[source]}".encode("utf-8", "surrogatepass"))
    h.update(__version__.encode())
    return h.hexdigest()


def _graph_one(args) -> tuple[str, dict]:
    """Phase B for one file: its graph in every format, its SHACL result and its property-graph rows."""
    import pickle

    import pyoxigraph as ox

    from loaders.serialize import documents_from_data

    from .projection import project_graphs, split_own, tally
    from .identity import Owners
    from .rdf import GraphWriter, is_own_triple, serialize
    from .validate import validate_graphs

    source, cache_file, plan, folder, validate, parent_caches = args
    docs = documents_from_data(json.loads(Path(cache_file).read_text("utf-8")))
    parents = {(psrc, d.doc_id): d for psrc, path in parent_caches.items()
               for d in documents_from_data(json.loads(Path(path).read_text("utf-8")))}
    writer = GraphWriter(__version__)
    g = writer.file_graph(source, docs, plan, parents)
    owns = Owners.of_file(source, plan.iris)
    own, shared = [], []
    for q in g.quads:
        (own if is_own_triple(q, owns) else shared).append(q.triple)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {}  # the cache entry's files are written without a flush to disk each: meta.json, last, has their sizes
    sizes["graph.nq"] = write_atomic(folder / "graph.nq", serialize(g.quads, ox.RdfFormat.N_QUADS), durable=False)
    shared_nt = serialize(shared, ox.RdfFormat.N_TRIPLES)
    sizes["shared.nt"] = write_atomic(folder / "shared.nt", shared_nt, durable=False)
    pg = project_graphs([(g.name.value, g.quads)])
    own_rows, rest_rows = split_own(pg, lambda uri: owns(uri) is not None)
    sizes["own-rows.pickle"] = write_atomic(folder / "own-rows.pickle", pickle.dumps(
        own_rows, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
    rest = pickle.dumps((rest_rows, tally(pg)), protocol=pickle.HIGHEST_PROTOCOL)
    sizes["rest-rows.pickle"] = write_atomic(folder / "rest-rows.pickle", rest, durable=False)
    # what the file shares with others, hashed (its bytes are the same in every process: tests/test_graph.py)
    meta = {"conforms": None, "messages": [], "own_triples": len(own), "sizes": sizes,
            "shared_key": hashlib.sha256(shared_nt + b"\0" + rest).hexdigest()[:32]}
    if validate:
        nt = serialize((q.triple for q in g.quads), ox.RdfFormat.N_TRIPLES)
        result = validate_graphs([(g.name.value, nt)], cache=None, jobs=1)
        meta.update(conforms=result.conforms, messages=result.messages, report=result.report)
    write_atomic(folder / "meta.json", json.dumps(meta, ensure_ascii=False), durable=False)
    return source, meta


def _entry_whole(folder: str, meta: dict) -> bool:
    """Whether a graph cache entry's files are all there with the sizes meta.json recorded (and its shared key)."""
    try:
        return "shared_key" in meta and all(os.stat(os.path.join(folder, name)).st_size == size  # per file: no
                                            for name, size in meta["sizes"].items())  # Path objects
    except (OSError, KeyError, AttributeError):
        return False


GRAPH_BUDGET_S = 300  # seconds phase B may spend on one file before it becomes an error line
_KEPT_META = ("conforms", "messages", "own_triples", "shared_key")  # what a build needs of a file's meta.json


def _graph_one_guarded(args) -> tuple[str, dict | None, str | None]:
    """_graph_one within its time budget; a failure is the file's error, not the build's end."""
    from .budget import OverBudget, time_budget

    try:
        with time_budget(GRAPH_BUDGET_S):
            source, meta = _graph_one(args)
        return source, {k: meta[k] for k in _KEPT_META}, None  # the rest (sizes, the SHACL report) stays on disk
    except OverBudget:
        return args[0], None, (f"building this file's graph stopped after {GRAPH_BUDGET_S:g} s; "
                               "other files are not affected")
    except MemoryError:
        return args[0], None, "building this file's graph ran out of memory; other files are not affected"
    except Exception as err:  # a bug must not lose the rest of the batch; say so plainly
        return args[0], None, (f"internal error while building this file's graph ({type(err).__name__}: "
                               f"{err}); please report this file")


def graph_files(files: Sequence[tuple[str, str | Path, FileSummary]], out: Path, jobs: int, validate: bool,
                log: KeyLog, progress: Callable[[int], None] | None = None,
                executor: Executor | None = None, names: Sequence[str] | None = None) -> Spool[FileGraph | str]:
    """Phase B over every file (its name, its cache entry, its summary: where `log` has the keys of its
    documents), in parallel on `executor` (default: `jobs` local processes); files whose content key is unchanged
    come from the cache. A file whose graph could not be made (its worker died, its budget ran out) gives its error
    instead; the results are on disk (a Spool in `out`). Each file is planned (kg.rdf.plan_stream, its keys read
    back then) and its cache entry looked up only when the executor can take its task: the keys, plans and tasks
    of files waiting their turn are never all held at once. `names`: the files' names, when the caller has them
    apart (a text spool)."""
    from .rdf import plan_stream

    root = os.fspath(_graph_root(out))
    at = array("Q", (summary.at for _, _, summary in files))  # where each file's keys are: 8 bytes a file
    # the names apart, as text: the plans and the index read names by place (~2 a file), where reading them
    # through `files` would unpickle each file's whole record
    names = names if names is not None else Spool.of_text(out, (name for name, _, _ in files))
    find = _NameIndex(names)

    def entries():
        plans = plan_stream(names, lambda f: log.read(at[f]))
        for (name, cache_file, summary), plan in zip(files, plans):
            parents = {psrc: files[find(psrc)] for doc_parents in plan.parents for _, psrc, _ in doc_parents}
            parent_caches = {psrc: str(parent[1]) for psrc, parent in parents.items()}
            key = _graph_key(name, summary.records, plan, {psrc: parent[2].records for psrc, parent in parents.items()})
            folder = os.path.join(root, key[:2], key)  # strings, not Paths: made for every file
            try:
                with open(os.path.join(folder, "meta.json"), "rb") as fh:
                    meta = json.loads(fh.read().decode("utf-8"))
            except (OSError, ValueError):
                meta = None
            whole = isinstance(meta, dict) and _entry_whole(folder, meta)
            if whole and (meta["conforms"] is not None or not validate):
                yield Done(_file_graph(folder, meta, plan.iris, computed=False))  # a FileGraph, not its meta.json
            else:
                yield (name, str(cache_file), plan, folder, validate, parent_caches), (folder, plan.iris)

    def settle(context: tuple[str, tuple[str, ...]], result) -> FileGraph | str:
        (folder, iris), (_, meta, error) = context, result
        return _file_graph(folder, meta, iris, computed=True) if error is None else error

    return map_settling(
        executor or LocalProcesses(jobs), _graph_one_guarded, entries(), settle, progress, total=len(files),
        lost=lambda t: (t[0], None, "the process building this file's graph died (killed by the system — out of "
                                    "memory?); other files are not affected"), into=Spool(out))


class _NameIndex:
    """Where a name is in a sequence of distinct names (read from disk): 16 bytes a name in memory — a hash of each,
    sorted, beside its place — where a dict of the names would hold every name (issue 11)."""

    def __init__(self, names: Sequence[str]):
        pairs = sorted((_name_hash(name), k) for k, name in enumerate(names))
        self._names = names
        self._hashes = array("Q", (h for h, _ in pairs))
        self._places = array("Q", (k for _, k in pairs))

    def __call__(self, name: str) -> int:
        h = _name_hash(name)
        i = bisect_left(self._hashes, h)
        while i < len(self._hashes) and self._hashes[i] == h:  # names whose hashes collide: each read to compare
            if self._names[self._places[i]] == name:
                return self._places[i]
            i += 1
        raise KeyError(name)


def _name_hash(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def _file_graph(folder: str, meta: dict, iris: tuple[str, ...], computed: bool) -> FileGraph:
    """A FileGraph from its cache entry's meta.json: what the build keeps of it (the SHACL report stays on disk)."""
    return FileGraph(folder, meta["conforms"], tuple(meta["messages"]), meta.get("own_triples", 0), computed,
                     iris, meta["shared_key"])


def build(paths: list[Path | str], out: Path, jobs: int = 0, validate: bool = True, max_mb: float = 20.0,
          progress: Callable[[int], None] | None = None, engine: str = "process",
          scheduler: str | None = None, merged: str = "auto", overview_nodes: int = OVERVIEW_NODES,
          keep_caches: bool = False) -> BuildReport:
    """Build the knowledge graph of the given files into `out` (see README for the outputs), as a transaction:
    one builder at a time (BuildLocked otherwise); the previous build stays in place until the new one is whole,
    and stays when every input failed. Per-file work runs on `engine` (kg.executors: 'process', or 'dask' on
    the cluster at `scheduler`); the outputs are the same either way. The graph is always written as a folder of
    per-file N-Quads parts (graph/); `merged` says when graph.nq, graph.ttl and graph.jsonld are written too:
    'always', 'never', or 'auto' — while the parts stay under MERGED_AUTO_MB (else `kg export` makes them).
    The overview page shows every node, or the `overview_nodes` best connected when there are more. Once the
    build is in place, the caches of other extraction or graph code are removed (prune_caches) unless
    `keep_caches`."""
    from .publish import FolderLock, new_stage, swap_in

    if merged not in MERGED_CHOICES:
        raise ValueError(f"merged must be one of {', '.join(MERGED_CHOICES)}, not {merged!r}")
    if overview_nodes < 1:
        raise ValueError(f"overview_nodes must be 1 or more, not {overview_nodes!r}")
    out.mkdir(parents=True, exist_ok=True)
    with FolderLock(out):
        stage = new_stage(out)
        executor = open_executor(engine, jobs, scheduler, shared_folder=out)
        ready = Ready(STEP_MODULES, 0)  # interpreters for the steps in processes of their own (_build starts them)
        try:
            report = _build(paths, out, stage, jobs, validate, max_mb, progress, executor, ready, merged,
                            overview_nodes)
        finally:
            ready.close()
            executor.close()
        report.count()
        inputs_failed = bool(report.files) and len(report.failed) == len(report.files)
        previous = current_build(out)
        if report.conforms is False or (inputs_failed and previous is not None):
            report.kept_previous = previous is not None
            shutil.rmtree(stage, ignore_errors=True)
            return report
        write_build_info(report, stage)
        os.sync()  # cache entries (and the graph parts linked to them) were written without a flush each
        staged = sorted({name.split("/")[0] for name in report.outputs} - {"validation.txt", "validation.ttl"})
        swap_in(out, stage, staged + ["build-info.json"])
        if not keep_caches:
            report.pruned = prune_caches(out)
    return report


def prune_caches(out: Path) -> tuple[list[str], int]:
    """Remove the cache folders under out/.cache that the current code does not read (extract-* and graph-* named
    by other fingerprints): each change to the extraction or graph code starts new ones, 4–6 GB at 10k files and
    ~39 GB at 100k, which nothing reads again unless that code comes back. (the folders' names, their bytes)"""
    keep = {f"extract-{extractor_fingerprint()}", _graph_root(out).name}
    removed, freed = [], 0
    for folder in sorted((out / CACHE_DIR).glob("*-*")):
        if folder.name in keep or not folder.name.startswith(("extract-", "graph-")) or not folder.is_dir() \
                or folder.is_symlink():
            continue
        for root, _, names in os.walk(folder):
            for name in names:
                try:
                    freed += os.lstat(os.path.join(root, name)).st_size
                except OSError:
                    pass
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed, freed


def _build(paths: list[Path], out: Path, stage: Path, jobs: int, validate: bool, max_mb: float,
           progress: Callable[[int], None] | None, executor: Executor, ready: Ready, merged: str = "auto",
           overview_nodes: int = OVERVIEW_NODES) -> BuildReport:
    """Extract and graph every file (cache in `out`), writing the build's outputs into `stage`; the steps in
    processes of their own run in `ready`'s interpreters while it has some."""
    import pyoxigraph as ox

    from .rdf import GraphWriter, serialize

    report = BuildReport(out=out)
    t0 = time.perf_counter()
    # what the build keeps per file (its outcome, its name and cache entry, its graph) is on disk, in spools
    # (kg.spool: scratch files, unlinked as made), read back in order or by index: 12 bytes a record in memory
    log = KeyLog(stage)  # every file's documents' keys, read back a file at a time by phase B's plans
    try:
        report.files = extract_all(paths, out, jobs=jobs, max_mb=max_mb, progress=progress, executor=executor,
                                   log=log)
        t1 = time.perf_counter()
        report.timings["extract"] = t1 - t0
        ready.add(1)  # the rows' merge's interpreter, its imports made while the graphs are checked
        ok = array("Q", (k for k, f in enumerate(report.files) if not f.error))  # their places in report.files

        def extracted() -> Iterable[FileOutcome]:
            return (f for f in report.files if not f.error)

        files = Spool(stage, ((name, f.cache_entry, f.summary) for name, f in
                              zip(_unique_sources(f.name for f in extracted()), extracted())))
        # the names apart, as text: read by place by the plans, and later by the partials' and table parts' keys
        names = Spool.of_text(stage, (name for name, _, _ in files))
        made = graph_files(files, out, jobs, validate, log, progress=progress, executor=executor, names=names)
    finally:
        log.close()
    failed = {i for i, got in enumerate(made) if isinstance(got, str)}
    for i in sorted(failed):  # its graph could not be made: the file fails, the build goes on
        f = report.files[ok[i]]
        f.error, f.summary = made[i], None
        report.files[ok[i]] = f
    del ok
    if failed:
        names = Spool.of_text(stage, (x for i, x in enumerate(names) if i not in failed))
        graphs = Spool(stage, (g for i, g in enumerate(made) if i not in failed))
    else:
        graphs = made
    t2 = time.perf_counter()
    report.timings["graph_per_file"] = t2 - t1
    report.validated = sum(1 for g in graphs if g.computed and g.conforms is not None)
    if validate:
        failing = [g for g in graphs if g.conforms is False]
        report.conforms = not failing
        report.violations = sorted(m for g in failing for m in g.messages)
        write_atomic(out / "validation.txt", "conforms\n" if report.conforms else "\n".join(report.violations) + "\n")
        reports = [json.loads((g.folder / "meta.json").read_text("utf-8")).get("report", "") for g in failing]
        write_atomic(out / "validation.ttl", "\n".join(reports) if failing else
                     "@prefix sh: <http://www.w3.org/ns/shacl#> .\n[] a sh:ValidationReport ; sh:conforms true .\n")
        report.outputs += ["validation.ttl", "validation.txt"]
        if failing:
            return report
    # the shared part: ontology, vocabularies, build, and what files share — each triple once, kept as its
    # N-Triples text (the nodes several files describe: agencies, divisions, topics, cited documents); with it,
    # pass 1 of the rows: what files share, merged in memory, and the derived counts. Both come from per-chunk
    # partials (kg.parts.chunk_partials): a rebuild merges again only the chunks whose shared facts changed, and
    # when none did, takes the merge's figures from the cache and its table part from the build in place
    t_shared = time.perf_counter()
    head_graphs = GraphWriter(__version__).shared_graphs()
    head_nq = serialize((q for g in head_graphs for q in g.quads), ox.RdfFormat.N_QUADS)
    del files
    root = _graph_root(out)
    partials = partial_paths(root, names, graphs)
    owners = owners_key(names, graphs)
    key = merge_key(partials, owners)
    write_merged_files = merged == "always" or (merged == "auto" and not _larger(graphs, MERGED_AUTO_MB))
    merge = None if write_merged_files else _cached_merge(out, root, key, validate)
    if merge is None:
        anew = sum(not path.exists() for path, _ in partials.values())
        with _owned_file(stage, names, graphs) as owned:
            merge = _merge_shared(out, root, key, owners, head_graphs, partials, graphs, owned, executor, validate,
                                  stage, ready)
        how = (f"{len(merge.updated)} changed, updated in place" if merge.updated is not None else
               f"merged from {len(partials)} partials")
        report.shared_merge = f"{how} ({anew} made anew)"
    else:
        report.shared_merge = "taken from the cache (what files share is unchanged)"
    # the rows' merge (or update); the shared triples are merged and validated beside it and the outputs that
    # follow, their own seconds apart (validate_across_files), waited for when needed (shared_triples_wait)
    report.timings["merge_shared"] = time.perf_counter() - t_shared
    try:
        return _write_outputs(report, out, stage, root, key, merge, names, graphs, partials, head_nq,
                              write_merged_files, validate, executor, ready, overview_nodes)
    finally:
        if merge.triples_step is not None:  # the build stopped before it needed them: not wanted
            merge.triples_step.close()
        if merge.shared_nt is not None:  # needed by this build only (validation, the merged files): 126 MB at 100k
            merge.shared_nt.unlink(missing_ok=True)


def _write_outputs(report: BuildReport, out: Path, stage: Path, root: Path, key: str, merge: SharedMerge, names,
                   graphs, partials: dict, head_nq: bytes, write_merged_files: bool, validate: bool, executor,
                   ready: Ready, overview_nodes: int) -> BuildReport:
    """The build's outputs into `stage` once what files share is merged: the graph parts (and the merged files),
    documents.jsonl, the table parts, the database and the overview — while the shared triples are merged and
    validated in their own process (settle_triples), which the build waits for before the merged files, or at the
    end: when the validation across files fails, the report says so and the stage is discarded (kg.build.build)."""
    from .stores.ladybug import DB_NAME

    def across_files() -> bool:
        """The shared triples settled and counted (called once); False when they fail the shapes (the report and
        the validation files say why)."""
        if merge.triples_step is not None:
            t = time.perf_counter()
            settle_triples(merge, root, key)
            report.timings["shared_triples_wait"] = time.perf_counter() - t
        report.triples = merge.triples + sum(g.own_triples for g in graphs)
        if not validate:
            return True
        # what no single file shows: the nodes several files describe, with all they say of them
        report.timings["validate_across_files"] = merge.validate_seconds
        report.validated += merge.validated
        across = merge.validation
        if not across.conforms:
            report.conforms = False
            report.violations = across.messages
            write_atomic(out / "validation.txt", "\n".join(across.messages) + "\n")
            write_atomic(out / "validation.ttl", across.report)
        return across.conforms

    t3 = time.perf_counter()
    if write_merged_files and not across_files():
        return report
    report.outputs += link_parts(stage / PARTS_DIR, head_nq, zip(names, graphs))
    if write_merged_files:
        def own(k: int) -> Iterator[Path]:  # each file's own Turtle (0) or JSON-LD (1) chunk, made when missing
            return (own_chunk_files(g.folder, g.iris, name)[k] for name, g in zip(names, graphs))

        write_merged(stage, head_nq, merge.shared_nt, (g.folder / "graph.nq" for g in graphs), own(0), own(1))
        report.outputs += ["graph.ttl", "graph.jsonld", "graph.nq"]
    previous = current_build(out)
    concat_reusing(stage / "documents.jsonl", (_contract_path(f.cache_entry) for f in report.files if not f.error),
                   previous / "documents.jsonl" if previous else None)
    report.outputs.append("documents.jsonl")
    report.timings["write"] = time.perf_counter() - t3
    t4 = time.perf_counter()

    def write_shared() -> None:  # the merge came from the cache, but its table part cannot be linked
        runs = [rows for _, rows in chunk_partials(partials, graphs, executor)]
        with _owned_file(stage, names, graphs) as owned:  # in a process of its own, as the merge it repeats
            run_isolated(_write_shared_part, runs, owned, stage, root, ready=ready)

    tables_written, rewritten = write_table_parts(stage, out, names, graphs, merge.said, _pending_dir(root, key),
                                                  key, None if merge.written else write_shared, graph_fingerprint(),
                                                  executor)
    report.outputs += tables_written
    t5 = time.perf_counter()
    report.timings["project"] = t5 - t4
    # the database, then the overview when it must be drawn from it, each in a process of its own: their buffer
    # pools and what they read are not added to this process's peak, nor to each other's (at 100k the load peaked
    # at 1.3 GB and the overview at 1.7 GB alone, 2.05 GB in one process), and are given back when each ends
    loaded = run_isolated(_load, out, stage, rewritten, overview_nodes, ready=ready)
    if loaded[2]:  # the patch failed: the load, in a new process (not on top of the patch's memory)
        failed = loaded
        loaded = run_isolated(_load, out, stage, None, overview_nodes, loaded[1])
        loaded[4]["embedded_load"] += failed[4]["embedded_load"]
    report.patched_rows, report.database, _, overview, seconds, (report.nodes, report.relationships) = loaded
    report.timings.update(seconds)
    t6 = time.perf_counter()
    report.overview_key, report.overview = overview or run_isolated(_overview, out, stage, overview_nodes,
                                                                    ready=ready)
    report.timings["overview"] = time.perf_counter() - t6
    report.outputs += [DB_NAME, "overview.html"]
    if not write_merged_files:  # (settling caches the merge's figures, `said` with them)
        across_files()
    merge.said = {}
    return report


def _larger(graphs: Iterable[FileGraph], mb: float) -> bool:
    """Whether the graph parts' files (graph.nq) come to more than `mb` MB: counted only until they do."""
    total, limit = 0, mb * 1e6
    for g in graphs:
        total += os.stat(os.path.join(g.entry, "graph.nq")).st_size
        if total > limit:
            return True
    return False


def _load(out: Path, stage: Path, rewritten: list[str] | None, room: int, patch_failed: str = "") -> tuple[
        int | None, str, bool, tuple[str, str] | None, dict[str, float], tuple[int, int]]:
    """The embedded database of a build (the one in place patched, else loaded from the tables), and its overview
    page when the patch changes nothing the page counts or shows (viz.keeps_overview: taken from the build in
    place without asking the database): (rows patched or None, how the database was made, whether the patch
    failed, the overview's (key, how it was made) or None when it must be drawn, seconds, the tables' nodes and
    relationships — counted here from the Parquet footers, so the build's own process never imports pyarrow's
    Parquet reader and its pools: ~35 MB at any size). A failed patch loads
    nothing: the caller loads in a new process (`patch_failed`: why), so the failed patch's memory (its buffer
    pool, its rows) is not under the load's."""
    from .projection import TABLES_DIR, StreamedTables
    from .stores.ladybug import bulk_load

    t = time.perf_counter()
    tables = StreamedTables(stage)  # the rows per table, from the Parquet footers
    if patch_failed:
        patched, how, delta = None, patch_failed, None
    else:
        patched, how, delta, failed = patch_database(out, stage, rewritten, tables.rows)
        if failed:
            return None, how, True, None, {"embedded_load": time.perf_counter() - t}, tables.counts()
    if patched is None:
        bulk_load(stage / TABLES_DIR, stage)
    counts = tables.counts()
    return (patched, how, False, _overview_kept(out, stage, delta, room, counts[0]),
            {"embedded_load": time.perf_counter() - t}, counts)


@dataclass
class SharedMerge:
    """What files share, merged (from the chunk partials) — or, when the same merge was made before, what the build
    needs of it from the cache: the shared triples' count, their SHACL result and, by the owner's index, a hash of
    what files say of other files' nodes (the rows themselves are on disk: _pending_dir); `shared_nt` and
    `written` only when merged now."""

    triples: int
    said: dict[int, str]
    pending_sizes: dict[int, int]  # per chunk, the size of its pending rows' file (kg.parts.write_pending)
    validation: object = None  # validate.ValidationResult of the shared part, when validated
    validated: int = 0  # 1 when validated in this build
    validate_seconds: float = 0.0
    shared_nt: Path | None = None  # the shared triples' N-Triples file, when merged in this build
    written: bool = False  # whether the merge wrote the shared table part into the build's stage
    partials: dict[int, str] | None = None  # chunk → the stem of its partial: what a later update compares
    owners: str = ""  # kg.parts.owners_key of the files merged
    updated: list[int] | None = None  # the chunks whose rows were merged again in place (None: a whole merge)
    triples_step: object = None  # kg.isolated.IsolatedStep merging and validating the triples, until settled


def _merge_path(root: Path, key: str) -> Path:
    return root / "merged" / key[:2] / f"{key}.pickle"


def _pending_dir(root: Path, key: str) -> Path:
    """The merge `key`'s rows that files say of other files' nodes, a file per chunk (kg.parts.write_pending)."""
    return _merge_path(root, key).with_suffix(".pending")


def _cached_merge(out: Path, root: Path, key: str, validate: bool) -> SharedMerge | None:
    """The merge `key` from the cache, when the build in place holds its shared table part (else the rows are
    needed to write it: None) and its pending rows' files are whole (the sizes it recorded)."""
    import pickle

    from .parts import TABLES_STATE, pending_file
    from .projection import SHARED_PART

    previous = current_build(out)
    try:
        if previous is None or json.loads((previous / TABLES_STATE).read_text("utf-8")).get(SHARED_PART) != key:
            return None
        merge = pickle.loads(_merge_path(root, key).read_bytes())
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, TypeError, AttributeError):
        return None
    if validate and merge.validation is None:
        return None
    pending = _pending_dir(root, key)
    try:
        if not all(pending_file(pending, c).stat().st_size == size for c, size in merge.pending_sizes.items()):
            return None
    except (OSError, AttributeError):  # gone, or a merge cached before its pending rows were kept on disk
        return None
    return merge


def _merge_shared(out: Path, root: Path, key: str, owners: str, head_graphs, partials: dict, graphs: list[FileGraph],
                  owned: Path, executor, validate: bool, stage: Path, ready: Ready) -> SharedMerge:
    """Merge the chunk partials, out of core: the shared triples (after the ontology, vocabularies and build), each
    once, into a file — merged k-way from the partials' sorted line files — validated together (the result cached
    by their content); the shared rows and derived counts into the shared table part in `stage` (kg.shared), or,
    when the build in place's merge differs from this one in a few chunks only, that merge's part and pending rows
    updated with what those chunks changed (kg.shared_delta). The rows' steps run in processes of their own while
    the triples are merged and validated in others: none needs another's result. The figures a later build with
    the same merge needs are cached under `key`."""
    runs = chunk_partials(partials, graphs, executor)
    shared_nt = _merge_path(root, key).with_suffix(".nt")
    head = [f"{q.triple} ." for g in head_graphs for q in g.quads]
    # in processes of their own: the merge's buffers (a frame of every run, a row group of every table, the external
    # sorts' batches) are given back when each ends instead of staying under this process's later peaks; so are the
    # rows files say of other files' nodes, written per chunk for the table parts' writers (only their hashes
    # come back)
    members = {c: files for c, (_, files) in partials.items()}
    row_runs = [rows for _, rows in runs]
    pending = _pending_dir(root, key)
    stems = {c: path.stem for c, (path, _) in partials.items()}
    prior = _prior_merge(out, root, stems, owners)
    # the triples merged and validated in a process of their own, collected by the build when it needs them
    # (settle_triples): the rows' steps, the table parts and the database go on meanwhile
    triples_step = start_isolated(_shared_triples, [lines for lines, _ in runs], head, shared_nt,
                                  root if validate else None)
    steps: list = []  # the rows' steps; the last gives what files say of other files' nodes (hashes, sizes)

    def whole() -> None:  # the derived counts' merge and the tables', beside each other
        steps.append(start_isolated(_merge_derived_counts, row_runs, owned, stage, root, ready=ready))
        steps.append(start_isolated(_merge_what_files_say, row_runs, owned, stage, members, pending, ready=ready))

    updated = None
    try:
        if prior is None:
            whole()
        else:
            previous, before_key, before, changed = prior
            olds = [(_partial_rows(root, before.partials[c]), runs[list(partials).index(c)][1]) for c in changed]
            steps.append(start_isolated(_update_what_files_share, row_runs, olds, owned, previous, stage, members,
                                        _pending_dir(root, before_key), pending, before.said,
                                        before.pending_sizes, ready=ready))
            updated = changed
        ready.add(1)  # the database's step, next: its imports made while the rows are merged
        got = steps[-1].result()
        if got is None:  # a Topic or Jurisdiction row changed: the whole merge after all
            steps.pop().close()
            updated = None
            whole()
            got = steps[-1].result()
        said, sizes = got
        for step in steps[:-1]:
            step.result()
    except BaseException:
        triples_step.close()
        raise
    finally:
        for step in steps:
            step.close()
    return SharedMerge(0, said, sizes, None, 0, 0.0, shared_nt, written=True, partials=stems, owners=owners,
                       updated=updated, triples_step=triples_step)


def settle_triples(merge: SharedMerge, root: Path, key: str) -> None:
    """Wait for a merge's shared triples (their count, their validation) and cache the merge's figures under
    `key`, for a later build with the same merge (_cached_merge)."""
    import pickle

    step, merge.triples_step = merge.triples_step, None
    with step:
        merge.triples, merge.validation, merge.validated, merge.validate_seconds = step.result()
    write_atomic(_merge_path(root, key), pickle.dumps(SharedMerge(merge.triples, merge.said, merge.pending_sizes,
                                                                 merge.validation, partials=merge.partials,
                                                                 owners=merge.owners),
                                                      protocol=pickle.HIGHEST_PROTOCOL), durable=False)


def _shared_triples(runs: list[Path], head: list[str], shared_nt: Path, root: Path | None) -> tuple:
    """The shared triples merged into `shared_nt` and, with `root`, validated (_validate_shared, here: this is
    already a process of its own): (their count, the validation result or None, 1 when validated now, its
    seconds)."""
    triples = _merge_shared_triples(runs, head, shared_nt)
    if root is None:
        return triples, None, 0, 0.0
    t = time.perf_counter()
    validation, validated = _validate_shared(shared_nt, root, _validate_shared_file)
    return triples, validation, validated, time.perf_counter() - t


def _partial_rows(root: Path, stem: str) -> Path:
    """The run of rows of the partial named `stem` (kg.parts.partial_paths)."""
    from .parts import PARTIALS_DIR

    return root / PARTIALS_DIR / stem[:2] / f"{stem}.rows"


def _prior_merge(out: Path, root: Path, stems: dict[int, str],
                 owners: str) -> tuple[Path, str, SharedMerge, list[int]] | None:
    """The build in place's merge when this one can update it (kg.shared_delta): the same files owning the same
    documents, the same chunks, at most MAX_CHUNKS of them with other partials, whose old runs are still cached,
    and its pending rows whole: (its build folder, its merge's key, its merge, the changed chunks)."""
    import pickle

    from .parts import TABLES_STATE, pending_file
    from .projection import SHARED_PART
    from .shared_delta import MAX_CHUNKS

    previous = current_build(out)
    try:
        key = json.loads((previous / TABLES_STATE).read_text("utf-8")).get(SHARED_PART) if previous else None
        before = pickle.loads(_merge_path(root, key).read_bytes()) if key else None
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, TypeError, AttributeError):
        return None
    if before is None or getattr(before, "owners", "") != owners or getattr(before, "partials", None) is None:
        return None
    if before.partials.keys() != stems.keys():
        return None
    changed = [c for c in stems if before.partials[c] != stems[c]]
    if not changed or len(changed) > MAX_CHUNKS:
        return None
    try:
        if not all(_partial_rows(root, before.partials[c]).is_file() for c in changed):
            return None
        pending = _pending_dir(root, key)
        if not all(pending_file(pending, c).stat().st_size == size for c, size in before.pending_sizes.items()):
            return None
    except OSError:
        return None
    return previous, key, before, changed


def _merge_shared_triples(runs: list[Path], head: list[str], shared_nt: Path) -> int:
    """The shared triples, after the `head` lines, each once into `shared_nt`, merged k-way from the chunks' sorted
    line files (run in a process of its own); returns their count."""
    from .parts import merged_lines, read_lines

    return write_lines(shared_nt, merged_lines(head, [read_lines(lines) for lines in runs]))


def _merge_what_files_say(runs: list[Path], owned: Path, stage: Path, members: dict[int, list[int]],
                          pending: Path) -> tuple[dict[int, str], dict[int, int]]:
    """The tables' merge (run in a process of its own): _merge_shared_tables, and what files say of other files'
    nodes into `pending`, a file per chunk of files (`members`). Returns write_pending's hashes per file index and
    sizes per chunk."""
    from .parts import write_pending

    return write_pending(pending, members, _merge_shared_tables(runs, owned, stage))


def _update_what_files_share(runs: list[Path], changed: list[tuple[Path, Path]], owned: Path, previous: Path,
                             stage: Path, members: dict[int, list[int]], before: Path, pending: Path,
                             said: dict[int, str], sizes: dict[int, int]) -> tuple[dict, dict] | None:
    """The shared table part and pending rows as the previous build's updated with the `changed` chunks' runs (run
    in a process of its own): kg.shared_delta.update_shared, or None (nothing written) when it cannot."""
    from .shared_delta import update_shared

    return update_shared(runs, changed, Owners(_read_owned(owned), memo=True), previous, stage, members, before,
                         pending, said, sizes)


def _merge_shared_tables(runs: list[Path], owned: Path, stage: Path) -> dict[int, dict[tuple, list]]:
    """The rows files share into the shared table part in `stage` (kg.shared.merge_tables, owners from the `owned`
    file); returns what files say of other files' nodes."""
    from .projection import SHARED_PART, TableWriter
    from .shared import merge_tables

    with TableWriter(stage, SHARED_PART) as writer:
        return merge_tables(runs, Owners(_read_owned(owned), memo=True), writer)


def _merge_derived_counts(runs: list[Path], owned: Path, stage: Path, scratch: Path) -> None:
    """The derived counts' merge (run in a process of its own, beside the tables'): LEADS_ON and SHARES_TASKS,
    ranked, and USED_ON, into the shared table part in `stage` (kg.shared.merge_derived)."""
    from .projection import SHARED_PART, TableWriter
    from .shared import merge_derived

    with TableWriter(stage, SHARED_PART) as writer:
        merge_derived(runs, Owners(_read_owned(owned), memo=True), writer, scratch)


def _write_shared_part(runs: list[Path], owned: Path, stage: Path, scratch: Path) -> None:
    """The shared table part alone (run in a process of its own), when the merge came from the cache but the build
    in place's shared part cannot be linked: what files say of other files' nodes is the cached merge's, so nothing
    comes back to the build's process."""
    _merge_shared_tables(runs, owned, stage)
    _merge_derived_counts(runs, owned, stage, scratch)


def _validate_shared(shared_nt: Path, root: Path, check: Callable):
    """validate.validate_shared of the shared triples' file by `check` (_validate_shared_file), its result cached
    by their content (the shapes are in the graph fingerprint, so in `root`): a rebuild whose changed files add
    nothing to what files share validates nothing again. Run in a process of its own (_shared_triples: the engine
    holds the whole shared graph). Returns (the result, 1 when it was computed, else 0)."""
    from .validate import ValidationResult

    h = hashlib.sha256()
    with open(shared_nt, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    path = root / "across" / f"{h.hexdigest()}.json"
    try:
        data = json.loads(path.read_text("utf-8"))
        return ValidationResult(data["conforms"], data["report"], data["messages"]), 0
    except (OSError, ValueError, KeyError, TypeError):
        pass
    result = check(shared_nt)
    write_atomic(path, json.dumps({"conforms": result.conforms, "report": result.report,
                                   "messages": result.messages}, ensure_ascii=False), durable=False)
    return result, 1


def _validate_shared_file(shared_nt: Path):
    """validate.validate_shared of an N-Triples file (run in a process of its own)."""
    from .validate import validate_shared

    return validate_shared(shared_nt.read_text("utf-8", "surrogatepass"))


def _owned_roots(names: Iterable[str], graphs: Iterable[FileGraph]):
    """The roots of identity.Owners for the whole corpus, a file at a time: (file index, IRI) for each file's
    source IRI and its documents' IRIs (a node under a root belongs to that file; any other node to none)."""
    from .identity import source_iri

    for k, (name, g) in enumerate(zip(names, graphs)):
        yield k, source_iri(name)
        for iri in g.iris:
            yield k, iri


OWNED_FILE = ".owned.txt"  # in the stage, for the merge's process: _owned_roots as lines "index IRI"


@contextmanager
def _owned_file(stage: Path, names: Iterable[str], graphs: Iterable[FileGraph]):
    """_write_owned's file for the block, removed after it whatever happens (not an output: the stage becomes the
    build in place)."""
    path = _write_owned(stage, names, graphs)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _write_owned(stage: Path, names: Iterable[str], graphs: Iterable[FileGraph]) -> Path:
    """_owned_roots written a file at a time for the merge's process, which makes the map itself: the main
    process never holds it (a source IRI per file and an entry per document: ~30 MB at 100k files). IRIs hold no
    spaces or line breaks."""
    path = stage / OWNED_FILE
    write_lines(path, (f"{k} {iri}" for k, iri in _owned_roots(names, graphs)))
    return path


def _read_owned(path: Path) -> dict[str, int]:
    """The map _write_owned wrote: IRI → file index."""
    owned: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="surrogatepass") as fh:
        for line in fh:
            k, iri = line.rstrip("\n").split(" ", 1)
            owned[iri] = int(k)
    return owned


OVERVIEW_STATE = ".overview.json"  # its key, the nodes it shows, the last taken by its count, its tasks' documents


def _overview_before(out: Path) -> tuple[Path | None, dict]:
    """The build in place and what its overview shows ({} when it has none)."""
    previous = current_build(out)
    if previous is not None and (previous / "overview.html").exists():
        try:
            return previous, json.loads((previous / OVERVIEW_STATE).read_text("utf-8"))
        except (OSError, ValueError):
            pass
    return previous, {}


def _overview_kept(out: Path, stage: Path, delta, room: int, nodes: int) -> tuple[str, str] | None:
    """The overview page in place, taken into `stage` when the database is the previous one patched with a `delta`
    that changes nothing the page shows and leaves its selection as it is (viz.keeps_overview: the patched
    database is asked only for the counts of the nodes at new rows, not for every node's): (its key, how), else
    None."""
    from .stores.ladybug import DB_NAME, OVERVIEW_POOL, LadybugReader
    from .viz import keeps_overview, node_degrees

    def degrees(uris: list[str]) -> dict[str, int]:
        with LadybugReader(stage / DB_NAME, buffer_pool=OVERVIEW_POOL) as reader:
            return node_degrees(reader.run, uris)

    previous, before = _overview_before(out)
    if delta is None or not before.get("uris") or before.get("room") != room or not keeps_overview(
            delta, set(before["uris"]) | set(before.get("documents", [])), before.get("least"), degrees,
            full=nodes > room):
        return None
    shutil.copy2(previous / "overview.html", stage / "overview.html")
    write_atomic(stage / OVERVIEW_STATE, json.dumps(before, ensure_ascii=False))
    return before["key"], "kept (the database patch changes nothing it counts or shows)"


def overview_key(nodes: list[dict], rels: list[tuple[str, dict]]) -> str:
    """The key of what an overview page shows (kept in its state): the same selection, the same page."""
    return hashlib.sha256(json.dumps([nodes, rels], ensure_ascii=False, sort_keys=True, default=str).encode()
                          + OVERVIEW_TITLE.encode()).hexdigest()[:20]


def _overview(out: Path, stage: Path, room: int) -> tuple[str, str]:
    """Write the overview page into `stage`, or take the page in place when the selection's key is unchanged,
    without drawing it (drawing is the slow part). Returns the key and what was done. The selection is read from
    the build's embedded database, so the graph is never whole in memory."""
    from .stores.ladybug import DB_NAME, OVERVIEW_POOL, LadybugReader
    from .viz import ranked_overview, render

    previous, before = _overview_before(out)
    with LadybugReader(stage / DB_NAME, buffer_pool=OVERVIEW_POOL) as reader:
        nodes, rels, ranked = ranked_overview(reader.run, room)
    key = overview_key(nodes, rels)
    if before.get("key") == key:
        shutil.copy2(previous / "overview.html", stage / "overview.html")
        how = "kept (the same selection)"
    else:
        render(nodes, rels, OVERVIEW_TITLE, stage / "overview.html")
        how = "drawn"
    state = {"key": key, "uris": [n["uri"] for n in nodes], "room": room, **ranked}
    write_atomic(stage / OVERVIEW_STATE, json.dumps(state, ensure_ascii=False))
    return key, how


def _contract(doc: Document) -> dict:
    from loaders.records import document_to_contract

    return document_to_contract(doc)


def _unique_sources(names: Iterable[str]) -> Iterator[str]:
    """Two inputs with the same file name in different folders stay apart (name, name~2, …)."""
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        yield name if seen[name] == 1 else f"{name}~{seen[name]}"


def _findings(report: BuildReport) -> dict:
    """Findings to check, counted by code over the build and per file (files with none left out)."""
    from collections import Counter

    total: Counter = Counter()
    per_file: dict[str, dict | None] = {}  # a file's counts, one object for what many files repeat; None: none
    memo: dict[tuple, dict] = {}
    for f in report.files:  # read back a file at a time: the counts of every file are never all decoded at once
        if not f.error and f.summary:
            counts = f.summary.findings
            total.update(counts)
            per_file[f.name] = memo.setdefault(tuple(sorted(counts.items())), counts) if counts else None
    return {"total": dict(sorted(total.items())), "files": {k: v for k, v in sorted(per_file.items()) if v}}


def write_build_info(report: BuildReport, folder: Path) -> None:
    """build-info.json: the build's time and figures, no host name or absolute path (kept out of the graph)."""
    info = {
        "software": f"policykg {__version__}",
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "extractor_fingerprint": extractor_fingerprint(),
        "files": len(report.files),
        "files_from_cache": report.cached_count,
        "files_failed": [{"file": f.name, "error": f.error} for f in report.failed],
        "documents": report.document_count,
        "warnings": _findings(report),
        "tasks": report.task_count,
        "triples": report.triples,
        "property_graph": {"nodes": report.nodes, "relationships": report.relationships},
        "conforms": report.conforms,
        "graphs_validated": report.validated,
        "timings_s": {k: round(v, 3) for k, v in report.timings.items()},
        "shared_merge": report.shared_merge,
        "embedded_database": report.database,
        "overview_key": report.overview_key,
        "overview": report.overview,
        "outputs": report.outputs,
    }
    write_atomic(folder / "build-info.json", json.dumps(info, ensure_ascii=False, indent=1) + "\n")
