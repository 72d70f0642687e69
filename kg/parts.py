"""A build's outputs as parts: the graph as one N-Quads file per source file (graph/), the merged serialisations
made from them on request, the property-graph tables as parts per group of files, and the embedded database
patched with what changed — so a rebuild writes what its changed files touch (issue 11)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_atomic
from .identity import slug

if TYPE_CHECKING:
    from .build import FileGraph


def _strip_prefixes(turtle: bytes) -> bytes:
    return b"\n".join(line for line in turtle.split(b"\n") if not line.startswith(b"@prefix "))


def concat(path: Path, head: bytes, parts: Iterable[Path | bytes], tail: bytes = b"", separator: bytes = b"\n",
            lead: bool = False) -> None:
    """Stream head + parts (files or bytes; empty ones skipped) joined by separator + tail into path, atomically
    (no file part is held in memory beyond a buffer; a failing producer leaves the file in place). With `lead`,
    the separator also comes before the first part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(head)
            first = not lead
            for part in parts:
                if (part.stat().st_size if isinstance(part, Path) else len(part)) == 0:
                    continue
                if not first:
                    fh.write(separator)
                if isinstance(part, Path):
                    with open(part, "rb") as src:
                        shutil.copyfileobj(src, fh, 1 << 20)
                else:
                    fh.write(part)
                first = False
            fh.write(tail)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def index_path(path: Path) -> Path:
    """Where concat_reusing keeps what a concatenation is made of: a line per part, its size and its path."""
    return path.with_name(f".{path.name}.index")


def _previous_runs(previous: Path | None) -> dict[str, tuple[int, int]]:
    """A concatenation's parts by path → (offset, size) in it, from its index; empty when either is missing or they
    disagree (the file's size is not the sum of the parts')."""
    if previous is None:
        return {}
    where, at = {}, 0
    try:
        with open(index_path(previous), encoding="utf-8") as fh:
            for line in fh:
                size, part = line.rstrip("\n").split("\t", 1)
                where[part] = (at, int(size))
                at += int(size)
        return where if previous.stat().st_size == at else {}
    except (OSError, ValueError):
        return {}


def _copy_range(src, dst, start: int, end: int) -> None:
    """Bytes [start, end) of the open file `src` appended to the open file `dst` (in the kernel where it can)."""
    dst.flush()
    while start < end:
        try:
            n = os.copy_file_range(src.fileno(), dst.fileno(), end - start, start)
        except (AttributeError, OSError):  # not on this system or file system: through a buffer
            src.seek(start)
            while start < end:
                chunk = src.read(min(1 << 20, end - start))
                if not chunk:
                    raise OSError(f"{src.name} ended before byte {end}")
                dst.write(chunk)
                start += len(chunk)
            return
        if n == 0:
            raise OSError(f"{src.name} ended before byte {end}")
        start += n
    dst.seek(0, os.SEEK_END)


def concat_reusing(path: Path, parts: Iterable[str | Path], previous: Path | None) -> None:
    """The parts (files) one after another into `path`, atomically, with an index of them beside it
    (index_path): a part that the `previous` concatenation holds — the same path with the same size; cache entries
    are named by their content — is copied from it, and parts that lie one after another there as one range, so a
    rebuild after one changed file reads that file's part and copies the rest of `previous` (documents.jsonl at
    10k: 268 MB from 10,000 files)."""
    old = _previous_runs(previous)
    tmp, index = path.with_name(f".{path.name}.{os.getpid()}.tmp"), index_path(path)
    index_tmp = index.with_name(f"{index.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh, open(index_tmp, "w", encoding="utf-8") as idx, \
                (open(previous, "rb") if old else open(os.devnull, "rb")) as src:
            run: list[int] = []  # [start, end) of `previous` still to copy

            def flush() -> None:
                if run:
                    _copy_range(src, fh, *run)
                    run.clear()

            for part in map(os.fspath, parts):
                hit = old.get(part)
                if hit is not None and os.stat(part).st_size != hit[1]:
                    hit = None
                if hit is None:
                    flush()
                    with open(part, "rb") as one:
                        shutil.copyfileobj(one, fh, 1 << 20)
                        size = one.tell()
                elif run and run[1] == hit[0]:
                    run[1] += hit[1]
                    size = hit[1]
                else:
                    flush()
                    run.extend((hit[0], hit[0] + hit[1]))
                    size = hit[1]
                idx.write(f"{size}\t{part}\n")
            flush()
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        index_tmp.unlink(missing_ok=True)
        raise
    os.replace(index_tmp, index)
    os.replace(tmp, path)


PARTS_DIR = "graph"  # one N-Quads file per source file (its named graph), and _build.nq: ontology, vocabularies, build
MERGED_AUTO_MB = 512  # --merged auto writes graph.nq/.ttl/.jsonld while the parts stay under this size
MERGED_CHOICES = ("auto", "always", "never")


def link_parts(folder: Path, head_nq: bytes, graphs: Iterable[tuple[str, "FileGraph"]]) -> list[str]:
    """The graph as a folder of N-Quads parts: each file's named graph hard-linked from the cache (no copy: a
    rebuild writes only the parts of changed files), the shared graphs in _build.nq, and parts.json — for each
    part its source file and its documents' IRIs, so the merged serialisations can be made from the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "_build.nq", head_nq)
    taken = {"_build.nq", "parts.json"}

    def linked():  # each part linked, then its manifest entry: the manifest is streamed, never whole in memory
        for name, g in graphs:
            part = f"{slug(name)}.nq"
            k = 1
            while part in taken:  # two names that differ only in characters a slug replaces
                k += 1
                part = f"{slug(name)}~{k}.nq"
            taken.add(part)
            source, target = os.path.join(g.entry, "graph.nq"), os.path.join(folder, part)  # strings: per file
            try:
                os.link(source, target)
            except OSError:  # another file system, or links not allowed: copy
                shutil.copyfile(source, target)
            yield json.dumps({"file": name, "part": part, "documents": list(g.iris)}, ensure_ascii=False).encode()

    concat(folder / "parts.json", b"[\n", linked(), b"\n]\n", separator=b",\n")
    return [f"{PARTS_DIR}/"]


def own_chunks(own: list) -> tuple[bytes, bytes]:
    """A file's own triples as a Turtle chunk (no prefixes) and a JSON-LD chunk (no brackets), for the merge."""
    import pyoxigraph as ox

    from .rdf import serialize

    jsonld = serialize(own, ox.RdfFormat.JSON_LD).strip()
    return (_strip_prefixes(serialize(own, ox.RdfFormat.TURTLE)),
            jsonld[1:-1].strip() if jsonld.startswith(b"[") else jsonld)


def split_part(path: Path, iris: tuple[str, ...], source: str) -> Iterator[tuple[bool, object]]:
    """The triples of a file's N-Quads part, each with whether it is the file's own (kg.rdf.is_own_triple)."""
    import pyoxigraph as ox

    from .identity import Owners
    from .rdf import is_own_triple

    owns = Owners.of_file(source, iris)
    with open(path, "rb") as fh:
        for q in ox.parse(fh, format=ox.RdfFormat.N_QUADS):
            yield is_own_triple(q, owns), q.triple


def own_chunk_files(folder: Path, iris: tuple[str, ...], source: str) -> tuple[Path, Path]:
    """A file's own.ttl and own.jsonld chunks in its graph cache folder, made from its N-Quads part the first time
    a build writes the merged files: they are a third of the cache and only the merged files need them."""
    ttl, jsonld = folder / "own.ttl", folder / "own.jsonld"
    if not (ttl.exists() and jsonld.exists()):
        ttl_chunk, jsonld_chunk = own_chunks([t for own, t in split_part(folder / "graph.nq", iris, source) if own])
        write_atomic(ttl, ttl_chunk)
        write_atomic(jsonld, jsonld_chunk)
    return ttl, jsonld


def write_merged(dest: Path, head_nq: bytes, shared_nt: Path, nq_parts: Iterable[Path],
                 own_ttl: Iterable[Path | bytes], own_jsonld: Iterable[Path | bytes]) -> None:
    """graph.nq (every named graph), graph.ttl and graph.jsonld (their merge: the shared triples once — the
    N-Triples file `shared_nt` —, then each file's own triples) into `dest`, streamed from the per-file parts and
    chunks (files or bytes)."""
    import pyoxigraph as ox

    from .rdf import PREFIXES, serialize

    concat(dest / "graph.nq", head_nq, nq_parts, separator=b"")
    prefixes = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in sorted(PREFIXES.items())).encode()
    shared_triples = list(ox.parse(path=shared_nt, format=ox.RdfFormat.N_TRIPLES))
    shared_ttl = _strip_prefixes(serialize(shared_triples, ox.RdfFormat.TURTLE))
    concat(dest / "graph.ttl", prefixes + shared_ttl + b"\n", own_ttl)
    del shared_ttl
    shared_jsonld = serialize(shared_triples, ox.RdfFormat.JSON_LD).strip()
    del shared_triples
    head_json = shared_jsonld[:-1].rstrip() if shared_jsonld.endswith(b"]") else b"[" + shared_jsonld
    concat(dest / "graph.jsonld", head_json, own_jsonld, tail=b"]\n", separator=b",", lead=True)


def export_merged(build_folder: Path, dest: Path) -> list[str]:
    """graph.nq, graph.ttl and graph.jsonld of a build, made from its parts folder (graph/) into `dest` — the
    same bytes the build writes when it writes them itself; on request for a corpus too large to write them
    on every build. Reads the parts twice (shared triples first); never holds more than one part's triples."""
    import pyoxigraph as ox

    folder = build_folder / PARTS_DIR
    if not (folder / "parts.json").exists():
        raise FileNotFoundError(f"no graph parts in {build_folder}: run `kg build … --out {build_folder}` first")
    manifest = json.loads((folder / "parts.json").read_text("utf-8"))
    head_nq = (folder / "_build.nq").read_bytes()

    def split(entry) -> Iterator[tuple[bool, ox.Triple]]:
        return split_part(folder / entry["part"], tuple(entry["documents"]), entry["file"])

    head = [f"{q.triple} ." for q in ox.parse(head_nq, format=ox.RdfFormat.N_QUADS)]
    shared: set[str] = set()
    for entry in manifest:
        shared.update(f"{t} ." for own, t in split(entry) if not own)

    def chunks(which: int) -> Iterator[bytes]:
        for entry in manifest:
            yield own_chunks([t for own, t in split(entry) if own])[which]

    dest.mkdir(parents=True, exist_ok=True)
    shared_nt = dest / f".shared.{os.getpid()}.nt"
    try:
        write_lines(shared_nt, merged_lines(head, [sorted(shared)]))
        del shared
        write_merged(dest, head_nq, shared_nt, [folder / e["part"] for e in manifest], chunks(0), chunks(1))
    finally:
        shared_nt.unlink(missing_ok=True)
    return ["graph.nq", "graph.ttl", "graph.jsonld"]


def merged_lines(head: list[str], runs: list[Iterable[str]]) -> Iterator[str]:
    """The shared N-Triples lines of a build, each once: the head's (ontology, vocabularies, build) in their order,
    then those of the sorted `runs` (the partials' line files), merged k-way in sorted order — streamed, so no
    more than a line of each run is held."""
    import heapq

    seen = set(head)
    yield from dict.fromkeys(head)
    last = None
    for line in heapq.merge(*runs):
        if line != last and line not in seen:
            yield line
        last = line


def write_lines(path: Path, lines: Iterable[str]) -> int:
    """Lines into a file (one per line, UTF-8 as N-Triples text is), atomically; returns how many."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(tmp, "w", encoding="utf-8", errors="surrogatepass", newline="\n") as fh:
            for line in lines:
                fh.write(line)
                fh.write("\n")
                n += 1
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return n


def read_lines(path: Path) -> Iterator[str]:
    """The lines of a file write_lines wrote, streamed (split on "\n" only: a literal keeps U+2028 unescaped)."""
    with open(path, encoding="utf-8", errors="surrogatepass", newline="\n") as fh:
        for line in fh:
            yield line[:-1]


PARTIALS_DIR = "partials"  # in the graph cache: per chunk, what its files share, merged


def shared_lines(folder: Path) -> list[str]:
    """A file's shared.nt as N-Triples lines. Oxigraph writes a triple per line, as str(triple) + " .": the lines
    need no parsing (split on "\n" only: a literal keeps U+2028 and U+0085 unescaped, which str.splitlines cuts)."""
    return (folder / "shared.nt").read_bytes().decode("utf-8").split("\n")


@lru_cache(maxsize=1)
def merge_code() -> str:
    """A hash of the code that makes and merges the partials (this module, kg.shared, kg.shared_delta); the rest it
    uses is in the graph cache's fingerprint. Partials and merges made by other code are not reused: a merge taken
    from the cache links the build in place's shared table part."""
    from . import shared, shared_delta

    h = hashlib.sha256()
    for module in (__file__, shared.__file__, shared_delta.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()[:16]


def _chunk_partial(args: tuple[list[str], str]) -> str:
    """What one chunk's files share, merged and cached (see chunk_partials) — <key>.nt (its shared lines, sorted),
    <key>.rows (a kg.shared run), <key>.pickle (their sizes) —; runs where the build's work runs."""
    import pickle

    from .projection import CorpusMerge
    from .shared import write_run

    folders, path = args
    path = Path(path)
    lines: set[str] = set()
    rows = CorpusMerge(lambda uri: None)
    for folder in map(Path, folders):
        lines.update(shared_lines(folder))
        rows.add_rest(*pickle.loads((folder / "rest-rows.pickle").read_bytes()))
    lines.discard("")
    nt = path.with_suffix(".nt")
    write_lines(nt, sorted(lines))
    del lines
    sizes = {"nt": nt.stat().st_size, "rows": write_run(path.with_suffix(".rows"), rows.settled(), rows.tally)}
    write_atomic(path, pickle.dumps(sizes, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
    return str(path)


def chunk_members(names: list[str]) -> dict[int, list[int]]:
    """Chunk (kg.projection.chunk_of) → the indices of its files, in chunk order: a file's table part and partial."""
    from .projection import chunk_of

    members: dict[int, list[int]] = {}
    for k, name in enumerate(names):
        members.setdefault(chunk_of(name), []).append(k)
    return dict(sorted(members.items()))


def partial_paths(root: Path, names: list[str], graphs: list["FileGraph"]) -> dict[int, tuple[Path, list[int]]]:
    """Per chunk of files (kg.projection.chunk_of), in chunk order: where its partial is cached, and its files. A
    partial is named by its files and what each shares (FileGraph.shared_key), not by their whole graphs: an edit
    that changes nothing a file shares leaves its chunk's partial as it was."""
    members = chunk_members(names)
    out = {}
    for c in members:
        made_of = [merge_code()] + [[names[k], graphs[k].shared_key] for k in members[c]]
        key = hashlib.sha256(json.dumps(made_of, ensure_ascii=False).encode()).hexdigest()[:32]
        out[c] = (root / PARTIALS_DIR / key[:2] / f"{key}.pickle", members[c])
    return out


def owners_key(names: list[str], graphs: list["FileGraph"]) -> str:
    """Which file owns which documents (the owner rule, and the file indices the merge's pending rows are kept
    by), hashed."""
    h = hashlib.sha256()
    for name, g in zip(names, graphs):  # a file at a time: the whole corpus's names and IRIs as one JSON text was
        h.update(json.dumps([name, list(g.iris)], ensure_ascii=False).encode() + b"\n")  # ~35 MB at 100k
    return h.hexdigest()[:32]


def merge_key(paths: dict[int, tuple[Path, list[int]]], owners: str) -> str:
    """What the merge of the partials is made of: the partials, and which file owns which documents (owners_key)."""
    h = hashlib.sha256()
    for c in paths:
        h.update(paths[c][0].stem.encode())
    h.update(owners.encode())
    return h.hexdigest()[:32]


def chunk_partials(paths: dict[int, tuple[Path, list[int]]], graphs: list["FileGraph"],
                   executor) -> list[tuple[Path, Path]]:
    """Per chunk of files (partial_paths, in chunk order): the file of the N-Triples lines its files share, each
    once and sorted (for merged_lines), and the run of their shared rows — merged within the chunk — and derived
    counts (for kg.shared.merge_tables and merge_derived). Each is cached, so a rebuild after one changed file
    merges that file's chunk again and reads the other chunks' partials instead of every file's shared triples and
    rows; missing partials are made on `executor`. Merging the partials in chunk order gives the same graph
    whichever build made them."""
    import pickle

    todo = [([str(graphs[k].folder) for k in members], str(path)) for path, members in paths.values()
            if not path.exists()]
    executor.map(_chunk_partial, todo, None, lost=lambda a: None)  # a lost one is made below, in this process

    def whole(path: Path) -> bool:
        try:
            sizes = pickle.loads(path.read_bytes())
            return (path.with_suffix(".nt").stat().st_size == sizes["nt"]
                    and path.with_suffix(".rows").stat().st_size == sizes["rows"])
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, KeyError, AttributeError):
            return False

    out = []
    for path, members in paths.values():
        if not whole(path):  # missing (its worker died) or cut short (written without a flush to disk): made here
            _chunk_partial(([str(graphs[k].folder) for k in members], str(path)))
        out.append((path.with_suffix(".nt"), path.with_suffix(".rows")))
    return out


TABLES_STATE = ".tables-state.json"  # per table part: what it was made from, so a rebuild can take it in place


def write_table_parts(stage: Path, out: Path, names: list[str], graphs: list["FileGraph"], said: dict[int, str],
                      pending: Path, shared_key: str, write_shared: Callable | None, fingerprint: str,
                      executor) -> tuple[list[str], list[str] | None]:
    """The property-graph tables into `stage`: the shared part (merged shared rows and derived counts) and each file
    part (kg.projection.chunk_of) from its files' own rows with what other files say of their nodes — read by the
    part's writer from the folder `pending` (write_pending), hashed per file index in `said`. A part is hard-linked
    from the build in place when it would hold the same: for a file part, the same files with the same graphs and
    the same said of their nodes; for the shared part, the same merge (`shared_key`), else `write_shared()` writes
    it into `stage` (None: the merge wrote it there). So a rebuild after one changed file writes one file part per
    table, and the shared part only when what files share changed. Returns the tables written and the parts made
    anew (None when there was no earlier build to take parts from). File parts are written on `executor`."""
    from .projection import NODE_SCHEMA, REL_SCHEMA, TABLES_DIR, part_name, table_dir
    from .publish import current_build

    by_chunk = chunk_members(names)
    state = {part_name(None): shared_key}
    for c, members in by_chunk.items():
        made_of = [fingerprint] + [[names[k], graphs[k].folder.name, said.get(k, "")] for k in members]
        state[part_name(c)] = hashlib.sha256(json.dumps(made_of, ensure_ascii=False).encode()).hexdigest()[:20]
    previous = current_build(out)
    try:
        before = json.loads((previous / TABLES_STATE).read_text("utf-8")) if previous else {}
    except (OSError, ValueError):
        before = {}
    folders = [table_dir("node", k) for k in NODE_SCHEMA] + [table_dir("rel", k) for k in REL_SCHEMA]
    rewritten = sorted(set(before) - set(state))  # parts of files no longer built: gone
    shared = part_name(None)
    if write_shared is None:  # written into the stage by the merge
        if before.get(shared) != shared_key:
            rewritten.insert(0, shared)
    elif not (before.get(shared) == shared_key and _link_part(previous, stage, folders, shared)):
        rewritten.insert(0, shared)
        write_shared()
    todo = []
    for c in sorted(by_chunk):
        part = part_name(c)
        if before.get(part) == state[part] and _link_part(previous, stage, folders, part):
            continue
        rewritten.append(part)
        todo.append((str(stage), part, [(str(graphs[k].folder / "own-rows.pickle"), k) for k in by_chunk[c]],
                     str(pending_file(pending, c)) if any(k in said for k in by_chunk[c]) else None))
    for args, done in zip(todo, executor.map(_write_part, todo, None, lost=lambda a: None)):
        if done is None:  # its worker died: written here (an error here is the build's)
            _write_part(args)
    write_atomic(stage / TABLES_STATE, json.dumps(state, sort_keys=True) + "\n")
    tables = stage / TABLES_DIR
    written = [f"{TABLES_DIR}/{d}/" for d in folders if (tables / d).is_dir() and any((tables / d).glob("*.parquet"))]
    return written, (rewritten if before else None)


def pending_file(folder: Path, chunk: int) -> Path:
    """Where write_pending keeps what other files say of the nodes of one chunk's files."""
    return folder / f"{chunk:02d}.pickle"


def write_pending(folder: Path, members: dict[int, list[int]],
                  pending: dict[int, dict]) -> tuple[dict[int, str], dict[int, int]]:
    """What other files say of each file's nodes (kg.shared.merge_tables), one pickle per chunk of files (`members`:
    chunk → file indices) for the writer of that chunk's table part, so no process holds all of it but the merge
    that made it (at 100k it was the largest thing the build's own process held). Returns its hash per file index
    (pending_digest: whether a file's table part must be written again) and each file's size per chunk — written
    without a flush each, like the other cache entries, so a reader checks the sizes before trusting them."""
    import pickle

    folder.mkdir(parents=True, exist_ok=True)
    said, sizes = {}, {}
    for c, files in members.items():
        entries = {k: pending[k] for k in files if pending.get(k)}
        if entries:
            sizes[c] = write_atomic(pending_file(folder, c), pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL),
                                    durable=False)
            said.update((k, pending_digest(e)) for k, e in entries.items())
    return said, sizes


def pending_digest(entries: dict | None) -> str:
    """A hash of what other files say of one file's nodes (kg.projection.CorpusMerge.pending of the file): its table
    part must be written again when this changes."""
    if not entries:
        return ""
    h = hashlib.sha256()
    for key in sorted(entries):
        kind, name, row, sources = entries[key]
        h.update(json.dumps([key, row, sorted(sources)], ensure_ascii=False, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def _write_part(args: tuple[str, str, list[tuple[str, int]], str | None]) -> str:
    """One file part of every table (pass 2): its files' own rows with what other files say of their nodes (the
    chunk's write_pending file, when they say anything)."""
    import pickle

    from .projection import TableWriter, write_own_rows

    stage, part, files, said = args
    pending = pickle.loads(Path(said).read_bytes()) if said else {}
    with TableWriter(Path(stage), part) as writer:
        write_own_rows(((pickle.loads(Path(rows).read_bytes()), pending.pop(k, {})) for rows, k in files), writer)
    return part


def _link_part(previous: Path, stage: Path, folders: list[str], part: str) -> bool:
    """Hard-link one part of every table from the previous build; False (nothing linked) if that cannot be done."""
    from .projection import TABLES_DIR

    linked = []
    try:
        for d in folders:
            src = previous / TABLES_DIR / d / f"{part}.parquet"
            if src.exists():
                dst = stage / TABLES_DIR / d / src.name
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.link(src, dst)
                linked.append(dst)
        return True
    except OSError:
        for dst in linked:
            dst.unlink(missing_ok=True)
        return False


PATCH_MAX_PARTS = 8  # a rebuild that rewrote more file parts than this loads the database in full


def patch_database(out: Path, stage: Path, rewritten: list[str] | None,
                   rows_per_table: dict[str, int]) -> tuple[int | None, str, object, bool]:
    """The embedded database as the build in place's, patched with what changed in the rewritten table parts
    (kg.stores.ladybug.patch): (the rows it changed, how, the kg.projection.TableDelta, False) — or (None, why not,
    None, whether a patch was tried and failed) when there is nothing to patch, the change is large or the patched
    database would not match the tables (the caller loads in full)."""
    from .projection import SHARED_PART, TABLES_DIR, table_delta
    from .publish import current_build
    from .stores.ladybug import DB_NAME, PatchError, patch

    previous = current_build(out)
    if rewritten is None or previous is None or not (previous / DB_NAME).is_file():
        return None, "loaded (no earlier build to patch)", None, False
    file_parts = len([p for p in rewritten if p != SHARED_PART])
    if file_parts > PATCH_MAX_PARTS:
        return None, f"loaded ({file_parts} file parts of the tables changed)", None, False
    old = [p for part in rewritten for p in (previous / TABLES_DIR).glob(f"*/{part}.parquet")]
    new = [p for part in rewritten for p in (stage / TABLES_DIR).glob(f"*/{part}.parquet")]
    delta = table_delta(old, new)
    try:
        patch(previous / DB_NAME, delta, stage / TABLES_DIR, stage, rows_per_table)
    except PatchError as err:
        return None, f"loaded (the patch failed: {err})", None, True
    return delta.size(), f"patched ({delta.size()} rows, {file_parts} file parts)", delta, False
