"""What files share — the rows of nodes several files describe and the derived counts — merged out of core.

Each chunk of files leaves a run (kg.parts.chunk_partials): its shared rows and its counts, each section sorted
by key, written as pickled frames, with the sections' offsets at its end so a reader can start at any of them. A
build merges the runs k-way, a key at a time, streaming the merged rows into the shared table part; the derived
counts are ranked by an external sort. The tables (merge_tables) and the derived counts (merge_derived) are merged
apart — a build runs each in a process of its own (kg.build), side by side: one holds the tasks led and held per
agency, the other an index per agency (name, jurisdiction) and per jurisdiction and topic and a sort's batch; each
a frame of each run and a row group of each table it writes. Only what files say of another file's nodes (kept
per file for its table part) is handed back — never the rows themselves (issue 11, item 1).
"""
from __future__ import annotations

import heapq
import os
import pickle
import struct
import tempfile
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from .projection import (DERIVED, NODE_SCHEMA, REL_SCHEMA, PropertyGraph, Tally, TableWriter, lead_order,
                         leads_on_row, level_counts, pair_order, rank_leads, seat_of, shares_row, used_on_row)

FRAME = 256  # entries per pickled frame of a run: a merge holds one frame of each of its runs at a time
SORT_RUN = 50_000  # entries an external sort holds in memory at once
TABLES = [("node", k) for k in NODE_SCHEMA] + [("rel", k) for k in REL_SCHEMA if k not in DERIVED]
# a run's sections, in order: tasks led and held per agency, each table of TABLES, tasks led per agency and topic,
# tasks per agency pair, tasks using an instrument per level and per topic and level
LED, HELD, FIRST_TABLE = 0, 1, 2
LED_ON, PAIRS, USED, USED_ON = (FIRST_TABLE + len(TABLES) + k for k in range(4))
# what the derived counts need of the tables: agencies' names, their jurisdictions' names and levels, the topics
SEATS = [("node", "Agency"), ("node", "Jurisdiction"), ("node", "Topic"), ("rel", "IN_JURISDICTION")]
_FOOTER = struct.Struct("<Q")  # a run ends with the pickled offsets of its sections, then where they start


def _frames(fh, entries: Iterable, index: tuple[list, list[int]] | None = None) -> None:
    """Entries as pickled frames of FRAME, then an empty frame: one section of a run; with `index`, each frame's
    first key and offset appended to it (a sorted section's frame index: RunReader.lookup)."""
    frame = []

    def dump() -> None:
        if index is not None:
            index[0].append(frame[0][0])
            index[1].append(fh.tell())
        pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)

    for entry in entries:
        frame.append(entry)
        if len(frame) >= FRAME:
            dump()
            frame = []
    if frame:
        dump()
    pickle.dump([], fh, protocol=pickle.HIGHEST_PROTOCOL)


def write_run(path: Path, rows: PropertyGraph, counts: Tally) -> int:
    """One chunk's shared rows (each table in key order, as CorpusMerge.settled gives them) and counts, as a run of
    sections — tasks led and held per agency, each table of TABLES, tasks led per agency and topic, tasks per agency
    pair, tasks using an instrument per level and per topic and level — and their offsets; returns its size.
    Written without a flush to disk (the caller records the size)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    offsets: list[int] = []
    frames: list[tuple[list, list[int]]] = []  # per section: its frames' first keys and offsets
    with open(tmp, "wb") as fh:
        def section(entries: Iterable) -> None:
            offsets.append(fh.tell())
            frames.append(([], []))
            _frames(fh, entries, frames[-1])

        section(sorted(counts.led.items()))
        section(sorted(counts.held.items()))
        for kind, name in TABLES:
            table = rows.nodes[name] if kind == "node" else rows.rels[name]
            section(((r["uri"],) if kind == "node" else (r["from"], r["to"]), r) for r in table)
        section(sorted(counts.led_on.items()))
        section(sorted(counts.pairs.items()))
        section(sorted(counts.used.items()))
        section(sorted(counts.used_on.items()))
        footer = fh.tell()
        pickle.dump((offsets, frames), fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.write(_FOOTER.pack(footer))
    os.replace(tmp, path)
    return path.stat().st_size


class RunReader:
    """A run read a section at a time, from any section, or the entries of some keys (its sections' offsets and
    frame indices are at its end)."""

    def __init__(self, path: Path):
        self.fh = open(path, "rb")
        try:
            self.fh.seek(-_FOOTER.size, os.SEEK_END)
            (footer,) = _FOOTER.unpack(self.fh.read(_FOOTER.size))
            self.fh.seek(footer)
            self.offsets, self.frames = pickle.load(self.fh)
        except BaseException:
            self.fh.close()
            raise

    def lookup(self, index: int, keys: Iterable) -> dict:
        """The entries of section `index` whose keys are among `keys`: key → its value (a section holds a key once),
        reading only the frames that can hold them (the frames' first keys, bisected)."""
        firsts, offsets = self.frames[index]
        wanted: dict[int, set] = defaultdict(set)
        for key in keys:
            at = bisect_right(firsts, key) - 1
            if at >= 0:
                wanted[at].add(key)
        found = {}
        for at in sorted(wanted):
            self.fh.seek(offsets[at])
            found.update(entry for entry in pickle.load(self.fh) if entry[0] in wanted[at])
        return found

    def section(self, index: int) -> Iterator:
        """The entries of section `index`; a reader reads one section at a time."""
        self.fh.seek(self.offsets[index])
        while frame := pickle.load(self.fh):
            yield from frame

    def close(self) -> None:
        self.fh.close()


def _summed(readers: list[RunReader], index: int) -> Iterator[tuple]:
    """Counts section `index` of every run, merged: (key, the sum of its counts), in key order."""
    merged = heapq.merge(*(r.section(index) for r in readers), key=itemgetter(0))
    for key, group in groupby(merged, key=itemgetter(0)):
        yield key, sum(n for _, n in group)


def _groups(readers: list[RunReader], owner: Callable[[str], int | None],
            tables: list[tuple[str, str]]) -> Iterator[tuple[str, str, tuple, list[dict], int | None]]:
    """The rows of `tables` (in TABLES order) from every run, a key at a time in key order: (kind, table, key, its
    rows in chunk order, the index of the file that owns the node — for a relationship, its first end's, else its
    second's — or None when shared)."""
    for kind, table in tables:
        index = FIRST_TABLE + TABLES.index((kind, table))
        merged = heapq.merge(*(r.section(index) for r in readers), key=itemgetter(0))
        for key, group in groupby(merged, key=itemgetter(0)):
            k = owner(key[0])
            if k is None and kind == "rel":
                k = owner(key[1])
            yield kind, table, key, [row for _, row in group], k


def _combined(rows: list[dict]) -> dict:
    """The rows of one node or relationship from several chunks, in chunk order: the first stays, later ones fill
    what it leaves empty and add their sources (and aliases) — CorpusMerge._merge_into's rule."""
    have = rows[0]
    if len(rows) == 1:
        return have
    sources, aliases = set(have["sources"]), set(have["aliases"] or ()) if "aliases" in have else None
    for row in rows[1:]:
        for k, v in row.items():
            if v is not None and have.get(k) is None:
                have[k] = v
        sources.update(row["sources"])
        if aliases is not None:
            aliases.update(row.get("aliases") or ())
    have["sources"] = sorted(sources)
    if aliases is not None:
        have["aliases"] = sorted(aliases)
    return have


def _first(rows: list[dict], column: str):
    """What _combined gives a row's `column`: the first value in chunk order that is not None (without combining
    the rest of the rows: their sources and aliases)."""
    return next((v for row in rows if (v := row.get(column)) is not None), None)


def external_sorted(entries: Iterable, key: Callable, scratch: Path) -> Iterator:
    """entries sorted by key, holding SORT_RUN of them at a time: sorted runs pickled into `scratch`, merged."""
    runs, batch = [], []

    def spill() -> None:
        batch.sort(key=key)
        fh = tempfile.TemporaryFile(dir=scratch)
        _frames(fh, batch)
        fh.seek(0)
        runs.append(fh)
        batch.clear()

    for entry in entries:
        batch.append(entry)
        if len(batch) >= SORT_RUN:
            spill()
    if not runs:
        batch.sort(key=key)
        yield from batch
        return
    if batch:
        spill()

    def read(fh) -> Iterator:
        while frame := pickle.load(fh):
            yield from frame

    try:
        yield from heapq.merge(*map(read, runs), key=key)
    finally:
        for fh in runs:
            fh.close()


def merge_tables(runs: list[Path], owner: Callable[[str], int | None],
                 writer: TableWriter) -> dict[int, dict[tuple, list]]:
    """Merge the runs' tables (in chunk order) into `writer` (the shared table part): each shared node and
    relationship once (_combined), Agency.tasks_led and tasks_held and Instrument's tasks per level filled. Returns
    what files say of another file's nodes, by the owner's index (CorpusMerge.pending: key → [kind, name, row,
    sources])."""
    readers = [RunReader(p) for p in runs]
    try:
        led, held = dict(_summed(readers, LED)), dict(_summed(readers, HELD))
        used: dict[str, list] = defaultdict(list)
        for (instrument, level), n in _summed(readers, USED):
            used[instrument].append((level, n))
        pending: dict[int, dict[tuple, list]] = defaultdict(dict)
        for kind, table, key, rows, k in _groups(readers, owner, TABLES):
            if k is not None:  # another file's node: its part takes the row, with every file's sources
                pending[k][(kind, table, *key)] = [kind, table, rows[0], set().union(*(r["sources"] for r in rows))]
                continue
            row = _combined(rows)
            if table == "Agency":
                row["tasks_led"], row["tasks_held"] = led.get(key[0], 0), held.get(key[0], 0)
            elif table == "Instrument":
                row.update(level_counts(used.get(key[0], ())))
            writer.add(kind, table, [row])
    finally:
        for r in readers:
            r.close()
    return dict(pending)


def merge_derived(runs: list[Path], owner: Callable[[str], int | None], writer: TableWriter, scratch: Path) -> None:
    """The derived rows of the runs into `writer` — LEADS_ON and SHARES_TASKS with their ranks, USED_ON — by kg.
    projection.derived_rows' rules, computed here without the rows in memory: the shared agencies' names and seats
    and the topics are read from the runs' SEATS tables, each value as the row merge_tables writes holds it
    (_first)."""
    readers = [RunReader(p) for p in runs]
    try:
        name: dict[str, str] = {}
        juris: dict[str, tuple[str, str | None]] = {}
        seat: dict[str, tuple[str, str | None]] = {}
        topics: set[str] = set()
        for _, table, key, rows, k in _groups(readers, owner, [t for t in TABLES if t in SEATS]):
            if k is not None:
                continue
            if table == "Agency":
                name[key[0]] = _first(rows, "name") or ""
            elif table == "Jurisdiction":
                juris[key[0]] = (_first(rows, "name") or "", _first(rows, "level"))
            elif table == "Topic":
                topics.add(key[0])
            elif key[0] in name and key[1] in juris:  # IN_JURISDICTION
                seat[key[0]] = seat_of([seat.get(key[0], juris[key[1]]), juris[key[1]]])
        del juris
        _leads_on(_summed(readers, LED_ON), name, seat, topics, writer, scratch)
        _shares(_summed(readers, PAIRS), name, writer, scratch)
        _used_on(_summed(readers, USED_ON), topics, writer)
    finally:
        for r in readers:
            r.close()


def _leads_on(counts: Iterator[tuple], name: dict, seat: dict, topics: set[str], writer: TableWriter,
              scratch: Path) -> None:
    """LEADS_ON rows (agency → topic), ranked as kg.projection.derived_rows ranks them: those of agencies in no
    jurisdiction written as they come, the others in lead_order by an external sort."""
    def seated() -> Iterator[tuple]:
        for (a, topic), n in counts:
            if topic in topics:
                row = leads_on_row(a, topic, n, seat.get(a))
                if a in seat:
                    yield lead_order(row, name), row
                else:
                    writer.add("rel", "LEADS_ON", [row])

    # a row at a time: sorting consumes seated(), which writes to the same table, before the first ranked row
    for row in rank_leads(row for _, row in external_sorted(seated(), itemgetter(0), scratch)):
        writer.add("rel", "LEADS_ON", [row])


def _shares(counts: Iterator[tuple], name: dict, writer: TableWriter, scratch: Path) -> None:
    """SHARES_TASKS rows (agency pair, the smaller uri first), ranked in pair_order by an external sort."""
    keyed = ((pair_order(pair, n, name), n) for pair, n in counts)
    writer.add("rel", "SHARES_TASKS", (shares_row(order[3], n, rank) for rank, (order, n) in
                                       enumerate(external_sorted(keyed, itemgetter(0), scratch), 1)))


def _used_on(counts: Iterator[tuple], topics: set[str], writer: TableWriter) -> None:
    """USED_ON rows (instrument → topic), one per pair with its tasks per level: the counts come in key order, so
    a pair's levels are consecutive."""
    for (instrument, topic), group in groupby(counts, key=lambda entry: entry[0][:2]):
        if topic in topics:
            writer.add("rel", "USED_ON", [used_on_row(instrument, topic, ((key[2], n) for key, n in group))])
