"""What files share, merged again when a few chunks' partials changed: the previous merge's shared table part and
pending rows, with only the keys those chunks touch merged again from every run by kg.shared's rules — the same
part and rows the whole merge would write, in a fraction of its time (issue 11, item 3).

The keys a chunk touches are those whose entries differ between its old and new run. Each is merged again from
every run (RunReader.lookup reads only the frames that can hold it); the previous part's other rows are kept as
they are. The derived counts follow: an agency's tasks led and held, the LEADS_ON rows of the topics whose ranking
a touched count, seat or name changes, every SHARES_TASKS rank (one pair's count can move every rank below it:
sorted again in Arrow), USED_ON again from the runs (a few rows). A change to the Topic or Jurisdiction tables,
which filter and seat every derived row, is left to the whole merge (update_shared returns None).
"""
from __future__ import annotations

import os
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from .files import write_atomic
from .projection import (SHARED_PART, TABLES_DIR, TableWriter, lead_order, leads_on_row, level_counts, rank_leads,
                         rows_table, seat_of, shares_row, table_dir)
from .shared import (FIRST_TABLE, HELD, LED, LED_ON, PAIRS, SEATS, TABLES, USED, USED_ON, RunReader, _combined,
                     _summed, _used_on)

MAX_CHUNKS = 4  # chunks whose partials changed beyond which the whole merge runs
SETTLED = (("node", "Topic"), ("node", "Jurisdiction"))  # their change leaves the update to the whole merge
SECTIONS = USED_ON + 1


def changed_keys(old: Path, new: Path) -> list[set]:
    """Per section, the keys whose entries differ between a chunk's old run and its new one."""
    a, b = RunReader(old), RunReader(new)
    try:
        out = []
        for index in range(SECTIONS):
            before, after = dict(a.section(index)), dict(b.section(index))
            out.append({k for k in before.keys() | after.keys() if before.get(k) != after.get(k)})
        return out
    finally:
        a.close()
        b.close()


class _Runs:
    """Every run of the merge (chunk order), asked for the entries of some keys."""

    def __init__(self, runs: list[Path]):
        self.readers: list[RunReader] = []
        try:
            for path in runs:
                self.readers.append(RunReader(path))
        except BaseException:
            self.close()
            raise

    def rows(self, index: int, keys: Iterable) -> dict:
        """key → its entries' values in chunk order (the keys no run holds are left out)."""
        keys = set(keys)
        got: dict = defaultdict(list)
        for reader in self.readers:
            for key, value in reader.lookup(index, keys).items():
                got[key].append(value)
        return got

    def sums(self, index: int, keys: Iterable) -> dict:
        """key → the sum of its counts over the runs (a counts section)."""
        return {key: sum(values) for key, values in self.rows(index, keys).items()}

    def close(self) -> None:
        for reader in self.readers:
            reader.close()


class _Pending:
    """What files say of other files' nodes (kg.parts.write_pending's files), the chunks a touched key's owner is
    in read from the previous merge and written again into the new one's folder; the others linked."""

    def __init__(self, before: Path, sizes: dict[int, int], members: dict[int, list[int]]):
        self.before, self.sizes, self.members = before, dict(sizes), members
        self.chunk = {k: c for c, files in members.items() for k in files}
        self.loaded: dict[int, dict] = {}

    def set(self, k: int, key: tuple, entry: list | None) -> None:
        """File `k`'s entry for node or relationship `key` (kind, table, *key): what other files say, or None."""
        from .parts import pending_file

        c = self.chunk[k]
        if c not in self.loaded:
            self.loaded[c] = pickle.loads(pending_file(self.before, c).read_bytes()) if c in self.sizes else {}
        entries = self.loaded[c].setdefault(k, {})
        if entry is None:
            entries.pop(key, None)
        else:
            entries[key] = entry

    def write(self, folder: Path, said: dict[int, str]) -> tuple[dict[int, str], dict[int, int]]:
        """The new merge's pending files into `folder`: (its hashes per file index, its sizes per chunk)."""
        from .parts import pending_digest, pending_file

        folder.mkdir(parents=True, exist_ok=True)
        said, sizes = dict(said), dict(self.sizes)
        order = {t: n for n, t in enumerate(TABLES)}
        for c in sizes.keys() - self.loaded.keys():
            _link(pending_file(self.before, c), pending_file(folder, c))
        for c, loaded in self.loaded.items():
            entries = {}
            for k in self.members[c]:  # merge_tables' order: the chunk's files, each's keys by table then key
                said.pop(k, None)
                if loaded.get(k):
                    entries[k] = dict(sorted(loaded[k].items(), key=lambda e: (order[e[0][:2]], e[0][2:])))
                    said[k] = pending_digest(entries[k])
            sizes.pop(c, None)
            pending_file(folder, c).unlink(missing_ok=True)
            if entries:
                data = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
                sizes[c] = write_atomic(pending_file(folder, c), data, durable=False)
        return said, sizes


def _link(src: Path, dst: Path) -> None:
    """dst as a hard link of src (a copy where links cannot be made), replacing what is there."""
    import shutil

    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _key_columns(kind: str) -> list[str]:
    return ["uri"] if kind == "node" else ["from", "to"]


def _without(table, kind: str, keys: set[tuple]):
    """The table's rows whose key is not among `keys`, filtered in Arrow (a relationship's key: from NUL to)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not keys:
        return table
    if kind == "node":
        column, wanted = table.column("uri"), [key[0] for key in keys]
    else:
        column = pc.binary_join_element_wise(table.column("from"), table.column("to"), "\0")
        wanted = ["\0".join(key) for key in keys]
    return table.filter(pc.invert(pc.is_in(column, value_set=pa.array(wanted, pa.string()))))


def update_shared(runs: list[Path], changed: list[tuple[Path, Path]], owner: Callable[[str], int | None],
                  previous: Path, stage: Path, members: dict[int, list[int]], before: Path, pending: Path,
                  said: dict[int, str], sizes: dict[int, int]) -> tuple[dict[int, str], dict[int, int]] | None:
    """The shared table part into `stage` and the pending rows into `pending`, from the previous build's part
    (`previous`: its folder) and pending rows (`before`, with their hashes `said` and sizes) and the `changed`
    chunks' (old run, new run): what kg.shared.merge_tables and merge_derived would write from `runs`. Returns the
    new hashes and sizes (write_pending's), or None when a Topic or Jurisdiction row changed (nothing written)."""
    import pyarrow.parquet as pq

    touched = [set() for _ in range(SECTIONS)]
    for old, new in changed:
        for keys, more in zip(touched, changed_keys(old, new)):
            keys |= more
    if any(touched[FIRST_TABLE + TABLES.index(t)] for t in SETTLED):
        return None

    def old_table(kind: str, name: str):
        path = previous / TABLES_DIR / table_dir(kind, name) / f"{SHARED_PART}.parquet"
        return pq.ParquetFile(path).read() if path.exists() else None  # not read_table: it imports pandas (0.4 s)

    every = _Runs(runs)
    notes = _Pending(before, sizes, members)
    final: dict[str, object] = {}  # the new shared rows of the tables the derived counts read
    agencies_before = old_table("node", "Agency")  # their names: which touched agencies were renamed
    with TableWriter(stage, SHARED_PART) as writer:
        try:
            for kind, name in TABLES:
                keys = set(touched[FIRST_TABLE + TABLES.index((kind, name))])
                if name == "Agency":
                    keys |= {(a,) for a in touched[LED] | touched[HELD]}
                elif name == "Instrument":
                    keys |= {(i,) for i, _ in touched[USED]}
                if keys:
                    fresh = _merged_rows(every, kind, name, keys, owner, notes)
                    was = agencies_before if name == "Agency" else old_table(kind, name)
                    table = _spliced(was, kind, name, keys, fresh)
                    if table is not None and table.num_rows:
                        writer.add_table(kind, name, table)
                else:  # the previous part's file, linked (read only when the derived counts need its rows)
                    was = previous / TABLES_DIR / table_dir(kind, name) / f"{SHARED_PART}.parquet"
                    if was.exists():
                        _link(was, writer.path(kind, name))
                    table = (agencies_before if name == "Agency" else
                             old_table(kind, name) if (kind, name) in SEATS else None)
                if (kind, name) in SEATS:  # what the derived counts read of the tables
                    final[name] = table
            _update_derived(every, touched, final, agencies_before, old_table, writer)
        finally:
            every.close()
    return notes.write(pending, said)


def _merged_rows(every: _Runs, kind: str, name: str, keys: set[tuple], owner: Callable[[str], int | None],
                 notes: _Pending) -> list[dict]:
    """The shared rows of `keys` merged again from every run (merge_tables' rule); the keys another file owns go to
    its pending rows (or out of them, when no run holds the key any more)."""
    index = FIRST_TABLE + TABLES.index((kind, name))
    found = every.rows(index, keys)
    led = held = used = None
    if name == "Agency":
        agencies = [key[0] for key in keys]
        led, held = every.sums(LED, agencies), every.sums(HELD, agencies)
    elif name == "Instrument":
        used = defaultdict(list)
        for (instrument, level), n in _summed(every.readers, USED):
            used[instrument].append((level, n))
    fresh = []
    for key in sorted(keys):
        rows = found.get(key)
        k = owner(key[0])
        if k is None and kind == "rel":
            k = owner(key[1])
        if k is not None:
            notes.set(k, (kind, name, *key),
                      [kind, name, rows[0], set().union(*(r["sources"] for r in rows))] if rows else None)
            continue
        if not rows:
            continue
        row = _combined(rows)
        if led is not None:
            row["tasks_led"], row["tasks_held"] = led.get(key[0], 0), held.get(key[0], 0)
        elif used is not None:
            row.update(level_counts(used.get(key[0], ())))
        fresh.append(row)
    return fresh


def _spliced(table, kind: str, name: str, keys: set[tuple], fresh: list[dict]):
    """The previous shared rows without `keys`, with the `fresh` rows, in key order (as the merge writes them)."""
    import pyarrow as pa

    parts = []
    if table is not None:
        parts.append(_without(table, kind, keys))
    if fresh:
        parts.append(rows_table(kind, name, fresh))
    if not parts:
        return None
    joined = pa.concat_tables(parts)
    return joined.sort_by([(c, "ascending") for c in _key_columns(kind)])


def _update_derived(every: _Runs, touched: list[set], final: dict, before, old_table: Callable,
                    writer: TableWriter) -> None:
    """LEADS_ON, SHARES_TASKS and USED_ON after the touched counts, names and seats (merge_derived's rules);
    `before`: the previous shared Agency rows (which touched agencies were renamed)."""
    import pyarrow.compute as pc

    def column(table, name: str) -> list:
        return table.column(name).to_pylist() if table is not None else []

    agencies = final["Agency"]
    name = dict(zip(column(agencies, "uri"), (n or "" for n in column(agencies, "name"))))
    was = dict(zip(column(before, "uri"), (n or "" for n in column(before, "name"))))
    topics = set(column(final["Topic"], "uri"))
    touched_agencies = {key[0] for key in touched[FIRST_TABLE + TABLES.index(("node", "Agency"))]}
    renamed = {a for a in touched_agencies if name.get(a) != was.get(a)}
    reseated = touched_agencies | {f for f, _ in touched[FIRST_TABLE + TABLES.index(("rel", "IN_JURISDICTION"))]}
    jurisdictions = final["Jurisdiction"]
    juris = dict(zip(column(jurisdictions, "uri"),
                     zip((n or "" for n in column(jurisdictions, "name")), column(jurisdictions, "level"))))
    places = final["IN_JURISDICTION"]

    def seats(agents: set[str]) -> dict[str, tuple[str, str | None]]:
        """The seats of `agents` (seat_of their shared jurisdictions; none when not a shared agency)."""
        import pyarrow as pa

        found: dict[str, list] = defaultdict(list)
        if places is not None and agents:
            mine = places.filter(pc.is_in(places.column("from"), value_set=pa.array(sorted(agents), pa.string())))
            for a, j in zip(column(mine, "from"), column(mine, "to")):
                if a in name and j in juris:
                    found[a].append(juris[j])
        return {a: seat_of(p) for a, p in found.items()}

    led_on = {key for key in touched[LED_ON] if key[1] in topics}
    _leads(every, led_on, reseated | renamed, seats, name, old_table("rel", "LEADS_ON"), writer)
    _pairs(every, touched[PAIRS], renamed, name, old_table("rel", "SHARES_TASKS"), writer)
    if touched[USED_ON]:
        _used_on(_summed(every.readers, USED_ON), topics, writer)
    elif (used_on := old_table("rel", "USED_ON")) is not None:
        writer.add_table("rel", "USED_ON", used_on)


def _leads(every: _Runs, counts: set[tuple], agents: set[str], seats: Callable, name: dict[str, str], table,
           writer: TableWriter) -> None:
    """LEADS_ON after the touched (agency, topic) `counts` and the `agents` whose seat or name may have changed: the
    rows of the topics they are in ranked again (rank_leads), the other topics' rows as they were; the agencies in
    no jurisdiction first, in key order (merge_derived's layout)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table is None:
        table = rows_table("rel", "LEADS_ON", [])
    mine = pc.is_in(table.column("from"), value_set=pa.array(sorted(agents), pa.string()))
    topics = {t for _, t in counts} | set(table.filter(mine).column("to").to_pylist())
    if not topics:
        if table.num_rows:
            writer.add_table("rel", "LEADS_ON", table)
        return
    seated = pc.is_valid(table.column("jurisdiction"))
    moved = pc.is_in(table.column("to"), value_set=pa.array(sorted(topics), pa.string()))
    again = table.filter(pc.or_(pc.invert(seated), moved)).to_pylist()
    tasks = every.sums(LED_ON, counts)
    seat = seats(agents | {a for a, _ in counts})
    rows = {(r["from"], r["to"]): r for r in again if (r["from"], r["to"]) not in counts}
    for (a, t), r in rows.items():  # their seat may have changed (ranks: rank_leads, below)
        if a in agents:
            rows[(a, t)] = leads_on_row(a, t, r["tasks"], seat.get(a))
    for (a, t) in counts:
        if tasks.get((a, t)):
            rows[(a, t)] = leads_on_row(a, t, tasks[(a, t)], seat.get(a))
    parts = [rows_table("rel", "LEADS_ON", sorted((r for r in rows.values() if r["jurisdiction"] is None),
                                                   key=lambda r: (r["from"], r["to"])))]
    kept = table.filter(seated)
    for topic in sorted(set(kept.column("to").to_pylist()) | topics):
        if topic in topics:
            ranked = sorted((r for (_, t), r in rows.items() if t == topic and r["jurisdiction"] is not None),
                            key=lambda r: lead_order(r, name))
            parts.append(rows_table("rel", "LEADS_ON", list(rank_leads(ranked))))
        else:
            parts.append(kept.filter(pc.equal(kept.column("to"), topic)))
    joined = pa.concat_tables(parts)
    if joined.num_rows:
        writer.add_table("rel", "LEADS_ON", joined)


def _pairs(every: _Runs, pairs: set[tuple], renamed: set[str], name: dict[str, str], table,
           writer: TableWriter) -> None:
    """SHARES_TASKS after the touched pair counts and renamed agencies: every pair ranked again in pair_order (most
    shared first, then the agencies' names, then the pair), sorted in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pairs and not renamed:
        if table is not None and table.num_rows:
            writer.add_table("rel", "SHARES_TASKS", table)
        return
    tasks = every.sums(PAIRS, pairs)
    parts = []
    if table is not None:
        parts.append(_without(table, "rel", pairs))
    parts.append(rows_table("rel", "SHARES_TASKS", [shares_row(p, n, 0) for p, n in sorted(tasks.items()) if n]))
    joined = pa.concat_tables(parts)
    uris = pa.array(list(name), pa.string())
    names = pa.array(list(name.values()), pa.string())

    def named(end: str):
        return pc.fill_null(pc.take(names, pc.index_in(joined.column(end), value_set=uris)), "")

    indices = pc.sort_indices(pa.table({"tasks": joined.column("tasks"), "a": named("from"), "b": named("to"),
                                        "from": joined.column("from"), "to": joined.column("to")}),
                              sort_keys=[("tasks", "descending"), ("a", "ascending"), ("b", "ascending"),
                                         ("from", "ascending"), ("to", "ascending")])
    ranked = joined.take(indices)
    ranked = ranked.set_column(ranked.schema.get_field_index("rank"), "rank",
                               pa.array(range(1, ranked.num_rows + 1), pa.int64()))
    if ranked.num_rows:
        writer.add_table("rel", "SHARES_TASKS", ranked)
