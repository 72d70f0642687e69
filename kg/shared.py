"""What files share — the rows of nodes several files describe and the derived counts — merged out of core.

Each chunk of files leaves a run (kg.parts.chunk_partials): its shared rows and its counts, each section sorted
by key, written as pickled frames. A build merges the runs k-way, a key at a time, streaming the merged rows into
the shared table part; the derived counts are ranked by an external sort. A build runs the merge in a process of
its own (kg.build), which holds an index per agency (name, jurisdiction, tasks led and held) and per jurisdiction
and topic, a frame of each run, a row group of each table and a sort's batch, and hands back what files say of
another file's nodes (kept per file for its table part) — never the rows themselves (issue 11, item 1).
"""
from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from .projection import (DERIVED, NODE_SCHEMA, REL_SCHEMA, PropertyGraph, Tally, TableWriter, lead_order,
                         leads_on_row, pair_order, rank_leads, seat_of, shares_row)

FRAME = 256  # entries per pickled frame of a run: a merge holds one frame of each of its runs at a time
SORT_RUN = 50_000  # entries an external sort holds in memory at once
TABLES = [("node", k) for k in NODE_SCHEMA] + [("rel", k) for k in REL_SCHEMA if k not in DERIVED]


def _frames(fh, entries: Iterable) -> None:
    """Entries as pickled frames of FRAME, then an empty frame: one section of a run."""
    frame = []
    for entry in entries:
        frame.append(entry)
        if len(frame) >= FRAME:
            pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)
            frame = []
    if frame:
        pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.dump([], fh, protocol=pickle.HIGHEST_PROTOCOL)


def write_run(path: Path, rows: PropertyGraph, counts: Tally) -> int:
    """One chunk's shared rows (each table in key order, as CorpusMerge.settled gives them) and counts, as a run of
    sections in the order merge_runs reads them — tasks led and held per agency, each table of TABLES, tasks led
    per agency and topic, tasks per agency pair —; returns its size. Written without a flush to disk (the caller
    records the size)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "wb") as fh:
        _frames(fh, sorted(counts.led.items()))
        _frames(fh, sorted(counts.held.items()))
        for kind, name in TABLES:
            table = rows.nodes[name] if kind == "node" else rows.rels[name]
            _frames(fh, (((r["uri"],) if kind == "node" else (r["from"], r["to"]), r) for r in table))
        _frames(fh, sorted(counts.led_on.items()))
        _frames(fh, sorted(counts.pairs.items()))
    os.replace(tmp, path)
    return path.stat().st_size


class RunReader:
    """A run read a section at a time: every run of a merge is read in step, section by section."""

    def __init__(self, path: Path):
        self.fh = open(path, "rb")

    def section(self) -> Iterator:
        while frame := pickle.load(self.fh):
            yield from frame

    def close(self) -> None:
        self.fh.close()


def _summed(readers: list[RunReader]) -> Iterator[tuple]:
    """One counts section of every run, merged: (key, the sum of its counts), in key order."""
    for key, group in groupby(heapq.merge(*(r.section() for r in readers), key=itemgetter(0)), key=itemgetter(0)):
        yield key, sum(n for _, n in group)


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


def merge_runs(runs: list[Path], owner: Callable[[str], int | None], writer: TableWriter,
               scratch: Path) -> dict[int, dict[tuple, list]]:
    """Merge the runs (in chunk order) into `writer` (the shared table part): each shared node and relationship
    once (_combined), Agency.tasks_led and tasks_held filled, then the derived LEADS_ON and SHARES_TASKS rows with
    their ranks (kg.projection.derived_rows' rules, computed here without the rows in memory). Returns what files
    say of another file's nodes, by the owner's index (CorpusMerge.pending: key → [kind, name, row, sources])."""
    readers = [RunReader(p) for p in runs]
    try:
        led, held = dict(_summed(readers)), dict(_summed(readers))
        pending: dict[int, dict[tuple, list]] = defaultdict(dict)
        name: dict[str, str] = {}
        juris: dict[str, tuple[str, str | None]] = {}
        seat: dict[str, tuple[str, str | None]] = {}
        topics: set[str] = set()
        for kind, table in TABLES:
            merged = heapq.merge(*(r.section() for r in readers), key=itemgetter(0))
            for key, group in groupby(merged, key=itemgetter(0)):
                rows = [row for _, row in group]
                k = owner(key[0])
                if k is None and kind == "rel":
                    k = owner(key[1])
                if k is not None:  # another file's node: its part takes the row, with every file's sources
                    pending[k][(kind, table, *key)] = [kind, table, rows[0],
                                                       set().union(*(r["sources"] for r in rows))]
                    continue
                row = _combined(rows)
                if table == "Agency":
                    row["tasks_led"], row["tasks_held"] = led.get(key[0], 0), held.get(key[0], 0)
                    name[key[0]] = row.get("name") or ""
                elif table == "Jurisdiction":
                    juris[key[0]] = (row.get("name") or "", row.get("level"))
                elif table == "Topic":
                    topics.add(key[0])
                elif table == "IN_JURISDICTION" and key[0] in name and key[1] in juris:
                    seat[key[0]] = seat_of([seat.get(key[0], juris[key[1]]), juris[key[1]]])
                writer.add(kind, table, [row])
        del led, held, juris
        _leads_on(_summed(readers), name, seat, topics, writer, scratch)
        _shares(_summed(readers), name, writer, scratch)
    finally:
        for r in readers:
            r.close()
    return dict(pending)


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
