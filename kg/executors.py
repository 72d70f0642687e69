"""Where a build's per-file work runs: processes of this machine (default) or the workers of a Dask cluster.

Both run the same functions on the same arguments and give results in argument order, so a build's outputs
are byte-identical whichever runs it. See docs/scaling.md for pointing a build at a real cluster."""
from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Protocol

from .processes import pool_context

Progress = Callable[[int], None] | None
ENGINES = ("process", "dask")
IN_FLIGHT = 4  # batches of work sent per worker and not yet taken back: all an executor holds of a stream of work
FLUSH = object()  # in a stream of tasks: send the batch begun so far, the next task may be far off (batches)
FLUSH_AFTER = 64  # entries settled in line after a task before map_settling sends that task's batch


class ExecutorError(Exception):
    """The engine cannot run the build (no scheduler, workers that differ or cannot see the files)."""


class Executor(Protocol):
    """Runs func over args, in order; a task whose worker died gets lost(arg) as its result. `args` may be a stream
    (a generator): it is read as workers free up, so at most IN_FLIGHT batches per worker are held at once, never
    every task; `total` (the stream's length or a bound on it, when it has no len) sizes the batches. `keep`, when
    given, is applied here to each result as it arrives, in argument order, and its value kept instead: what the
    caller holds of a result is never the raw form of every result at once (a cold build's per-file summaries).
    FLUSH in `args` is no task: it sends the batch begun so far."""

    def map(self, func: Callable, args: Iterable, progress: Progress, lost: Callable,
            keep: Callable | None = None, total: int | None = None) -> list: ...

    def close(self) -> None: ...


class LocalProcesses:
    """A process pool of `jobs` processes on this machine (0: one per core); with one process the work runs in
    line. A single task goes to the pool too: what it allocates (a changed file's extraction, its graph, a table
    part's rows) is given back when its process ends instead of staying under the build's later peaks (issue 11:
    a one-change rebuild at 10k raised the build's own process from 144 to 253 MB writing one table part in line),
    and a task that kills its process costs only itself."""

    def __init__(self, jobs: int = 0):
        self.jobs = jobs or os.cpu_count() or 1

    def map(self, func: Callable, args: Iterable, progress: Progress, lost: Callable,
            keep: Callable | None = None, total: int | None = None) -> list:
        stream = iter(args)
        head = list(islice(stream, 1))
        if self.jobs > 1 and head:
            return pool_map(func, chain(head, stream), self.jobs, progress, lost, keep, _total(args, total))
        results = track(map(func, (arg for arg in chain(head, stream) if arg is not FLUSH)), progress)
        return list(map(keep, results) if keep else results)

    def close(self) -> None:
        pass


class DaskCluster:
    """Tasks on a Dask distributed cluster: the scheduler at `address`, else a local cluster of `workers`
    processes with one thread each (the work is pure Python: threads would share one interpreter lock).

    Connected on the first map that has work (a rebuild served from the caches starts no cluster). Workers
    must run the same policykg (checked: code and vocabulary fingerprints) and see the input files and the
    output folder at the same paths (checked with a probe file), since tasks read files and write their cached
    results there. Files go out in batches, as the process pool's chunks do: one task per file costs the
    scheduler more than a small file's work."""

    def __init__(self, address: str | None = None, workers: int = 0, shared_folder: Path | None = None,
                 timeout: float = 20.0):
        self.address, self.workers, self.shared_folder, self.timeout = address, workers, shared_folder, timeout
        self.client = None
        self._cluster = None

    def connect(self) -> None:
        """Reach the scheduler (or start the local cluster) and check the workers; ExecutorError if not."""
        if self.client is not None:
            return
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise ExecutorError("the dask engine needs the 'distributed' package: pip install 'policykg[cluster]'") \
                from err
        try:
            if self.address:
                self.client = Client(self.address, timeout=f"{self.timeout}s")
            else:
                self._cluster = LocalCluster(n_workers=self.workers or os.cpu_count() or 1, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self.client = Client(self._cluster)
        except (OSError, TimeoutError) as err:
            self.close()
            raise ExecutorError(f"cannot reach the Dask scheduler at {self.address}: {err}") from err
        try:
            self._check_workers(self.shared_folder)
        except ExecutorError:
            self.close()
            raise

    def _check_workers(self, shared_folder: Path | None) -> None:
        from kg.build import code_fingerprint

        self.client.wait_for_workers(1, timeout=60)
        mine = code_fingerprint()
        theirs = self.client.run(_fingerprint)
        odd = sorted(w for w, fp in theirs.items() if fp != mine)
        if odd:
            raise ExecutorError(f"{len(odd)} Dask worker(s) run different policykg code or vocabularies "
                                f"(fingerprint {theirs[odd[0]]}, here {mine}): install the same version on every "
                                "worker")
        if shared_folder is not None:
            from kg.files import write_atomic

            probe = shared_folder / f".dask-probe-{os.getpid()}"
            write_atomic(probe, mine)
            try:
                seen = self.client.run(_reads, str(probe), mine)
            finally:
                probe.unlink(missing_ok=True)
            blind = sorted(w for w, ok in seen.items() if not ok)
            if blind:
                raise ExecutorError(f"{len(blind)} Dask worker(s) cannot see {shared_folder}: the input files and "
                                    "the output folder must be on a file system every worker mounts at the same "
                                    "path")

    def map(self, func: Callable, args: Iterable, progress: Progress, lost: Callable,
            keep: Callable | None = None, total: int | None = None) -> list:
        keep = keep or _same
        stream = iter(args)
        head = list(islice(stream, 1))
        if not head:
            return []
        self.connect()
        from distributed.scheduler import KilledWorker

        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        size = max(1, _total(args, total) // (workers * 8))
        out: list = []
        sent: deque = deque()  # (future, batch) in argument order

        def take_back() -> None:
            future, batch = sent.popleft()
            try:
                results = future.result()
            except KilledWorker:  # a worker died each time it ran this batch (Dask retries elsewhere first)
                results = []
                for arg in batch:  # one file per task now, so only a file that kills its worker is lost
                    try:
                        results.append(self.client.submit(func, arg, pure=False).result())
                    except KilledWorker:
                        results.append(lost(arg))
            out.extend(keep(r) for r in results)
            if progress:
                progress(len(batch))

        for batch in batches(chain(head, stream), size):
            sent.append((self.client.submit(_run_batch, func, batch, pure=False), batch))
            if len(sent) >= workers * IN_FLIGHT:
                take_back()
        while sent:
            take_back()
        return out

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def open_executor(engine: str = "process", jobs: int = 0, scheduler: str | None = None,
                  shared_folder: Path | None = None) -> Executor:
    """The executor named by `engine`: 'process' (jobs processes) or 'dask' (the scheduler at `scheduler`, or
    $DASK_SCHEDULER_ADDRESS, else a local cluster of `jobs` workers)."""
    if engine == "process":
        return LocalProcesses(jobs)
    if engine == "dask":
        return DaskCluster(scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None, jobs, shared_folder)
    raise ExecutorError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


def _run_batch(func: Callable, batch: list) -> list:
    return [func(arg) for arg in batch]


def _fingerprint() -> str:
    from kg.build import code_fingerprint

    return code_fingerprint()


def _reads(path: str, expected: str) -> bool:
    try:
        return Path(path).read_text("utf-8") == expected
    except OSError:
        return False


def pool_map(func, args: Iterable, jobs: int, progress: Progress, lost: Callable, keep: Callable | None = None,
             total: int | None = None) -> list:
    """func over args in a process pool, in order, each result through `keep` as it arrives, the args read as a
    stream with at most IN_FLIGHT batches per process sent and not taken back (Executor.map). A worker killed
    mid-task (the OOM killer) breaks the whole pool; what was in flight is run again one item per process, so only
    the item that kills its process gets `lost(arg)` as its result, and the rest of the stream goes to a new pool."""
    from concurrent.futures.process import BrokenProcessPool

    keep = keep or _same
    # batches of at most 64 items: at 10k files, batches of 625 left a core idle for most of the last one
    size = max(1, min(64, _total(args, total) // (jobs * 8)))
    stream = batches(iter(args), size)
    out: list = []
    sent: deque = deque()  # (future, batch) in argument order

    def take_back() -> None:
        future, batch = sent[0]
        out.extend(keep(r) for r in future.result())  # BrokenProcessPool: the batch stays to be run again
        sent.popleft()
        if progress:
            progress(len(batch))

    while True:
        try:
            with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, mp_context=pool_context()) as pool:
                for batch in stream:
                    sent.append((None, batch))  # kept before it is sent: a pool found broken here loses nothing
                    sent[-1] = (pool.submit(_run_batch, func, batch), batch)
                    if len(sent) >= jobs * IN_FLIGHT:
                        take_back()
                while sent:
                    take_back()
            return out
        except BrokenProcessPool:
            pass
        while sent:  # batches that came back whole before the break keep their results
            future, batch = sent.popleft()
            try:
                if future is None:
                    raise BrokenProcessPool("never sent")
                results = future.result()
            except BrokenProcessPool:
                results = [_alone(func, arg, lost) for arg in batch]
            out.extend(keep(r) for r in results)
            if progress:
                progress(len(batch))


def _alone(func, arg, lost: Callable):
    """func(arg) in a process of its own; lost(arg) when that process dies."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_start_worker, mp_context=pool_context()) as pool:
            return pool.submit(func, arg).result()
    except BrokenProcessPool:
        return lost(arg)


def batches(items: Iterator, size: int) -> Iterator[list]:
    """Lists of `size` items read from a stream (the last one shorter, and one cut short by FLUSH)."""
    batch: list = []
    for item in items:
        if item is FLUSH:
            if batch:
                yield batch
                batch = []
            continue
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _total(args: Iterable, total: int | None) -> int:
    """How many tasks a map has, for sizing its batches: `total` when given, else len(args) (0 for a stream)."""
    if total is not None:
        return total
    return len(args) if hasattr(args, "__len__") else 0


def _same(result):
    return result


def _start_worker() -> None:
    """A pool worker's start: it ends with the build, and what it inherited from the build is frozen for the
    garbage collector. A forked worker holds a copy of the build's heap (every file's keys and plans); each full
    collection walked all of it again (phase B was 1.4× slower at 10k files, 1.5× at 100k). Frozen objects are never
    collected in the worker (nothing there frees them anyway) and the collector no longer writes to their pages."""
    import gc

    _end_with_parent()
    gc.freeze()


def _end_with_parent() -> None:
    """Pool workers die with the build (Linux PR_SET_PDEATHSIG): a killed build leaves no orphan holding its lock."""
    import ctypes
    import signal

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
        except OSError:
            pass  # no libc by that name: workers still end when the pool shuts down
    if os.getppid() == 1:  # the parent died before the call took effect
        os._exit(1)


def track(results: Iterable, progress: Progress) -> Iterator:
    """Pass results through, counting each on the progress bar."""
    for r in results:
        if progress:
            progress(1)
        yield r


@dataclass(slots=True)
class Done:
    """An entry of map_settling's stream settled where it was read (a cache hit, a file that cannot be read)."""

    value: object


def map_settling(executor: Executor, func: Callable, entries: Iterable, settle: Callable, progress: Progress,
                 lost: Callable, total: int | None = None, into=None) -> MutableSequence:
    """A value per entry of a stream, in entry order, put into `into` (a list, the default, or a kg.spool.Spool,
    whose places can be reserved and filled as results arrive): an entry is Done(value), kept as it is, or
    (task, context), whose task runs on `executor` (func, read as a stream: Executor.map) and whose value is
    settle(context, result) as its result arrives. Only the contexts of tasks in flight are held, never every
    task; with a spool, never every value either."""
    out = [] if into is None else into

    def reserve() -> int:
        """A place in `out` for a task's value, filled when its result arrives."""
        if hasattr(out, "reserve"):
            return out.reserve()
        out.append(None)
        return len(out) - 1

    waiting: deque = deque()  # (place in out, context) of each task sent, in order: results come back so

    def tasks() -> Iterator:
        since = -1  # entries settled in line since a task went into a batch not yet sent (-1: none did)
        for entry in entries:
            if isinstance(entry, Done):
                out.append(entry.value)
                if progress:
                    progress(1)
                if since >= 0:
                    since += 1
                    if since == FLUSH_AFTER:  # tasks are sparse (a rebuild): send it now, not when a batch fills
                        since = -1  # or the stream ends (a changed file's extraction waited for the 10k checks)
                        yield FLUSH
                continue
            task, context = entry
            waiting.append((reserve(), context))
            since = 0
            yield task

    def keep(result) -> None:
        k, context = waiting.popleft()
        out[k] = settle(context, result)

    executor.map(func, tasks(), progress, lost=lost, keep=keep, total=total)
    return out
