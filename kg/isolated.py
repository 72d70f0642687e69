"""One step of a build in a fresh interpreter (`python -m kg.isolated`): its memory is its own — none of the
build's, as a forked child's would be — and given back when it ends.

Not multiprocessing's spawn: that imports the caller's main script again in the child, which runs a script
without an `if __name__ == "__main__"` guard (a researcher's build script) a second time.
"""
from __future__ import annotations

import importlib
import json
import pickle
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path


class StepKilled(RuntimeError):
    """A step of the build run in a process of its own ended without a result (killed: out of memory?)."""


def run_isolated(func: Callable, *args, ready: "Ready | None" = None):
    """func(*args) in a new Python process (one of `ready`'s when it has one waiting); its result returned, its
    exception raised here. The function and its arguments must pickle (a module-level function); the child imports
    them with this process's sys.path."""
    with start_isolated(func, *args, ready=ready) as step:
        return step.result()


def start_isolated(func: Callable, *args, ready: "Ready | None" = None) -> "IsolatedStep":
    """run_isolated's step started, not waited for: this process goes on (say, with another step) while it runs;
    its result() waits. Use it in a `with` block: a step left behind (this process raised first) is stopped."""
    return IsolatedStep(func, args, ready)


class Ready:
    """Fresh interpreters started ahead of the steps that will run in them, each importing `modules` while this
    process does other work, then waiting for its one step (start_isolated(…, ready=…)): a step's start — the
    interpreter and its imports, ~0.6 s with pyarrow, pandas and ladybug — is then off the build's path. Still a
    fresh process per step (its memory its own, given back when it ends); those never used are stopped by close()."""

    def __init__(self, modules: Sequence[str], count: int = 1):
        self.modules = tuple(modules)
        self._waiting: deque[subprocess.Popen] = deque()
        self.add(count)

    def add(self, count: int = 1) -> None:
        """Start `count` more interpreters — fewer when the system refuses a process (they only save time: a step
        without one starts its own, and says so if that fails too)."""
        for _ in range(count):
            try:
                self._waiting.append(subprocess.Popen(
                    [sys.executable, "-m", "kg.isolated", "--ready", json.dumps(sys.path), *self.modules],
                    stdin=subprocess.PIPE))
            except OSError:
                return

    def take(self) -> subprocess.Popen | None:
        """A waiting interpreter (the longest started), or None when none is left alive."""
        while self._waiting:
            process = self._waiting.popleft()
            if process.poll() is None:
                return process
        return None

    def close(self) -> None:
        """Stop the interpreters no step took."""
        while self._waiting:
            process = self._waiting.popleft()
            process.kill()
            process.wait()
            process.stdin.close()

    def __enter__(self) -> "Ready":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class IsolatedStep:
    """A step of the build running in a fresh interpreter (start_isolated): its task and result travel as files
    in a scratch folder of its own, removed when the step is collected or stopped."""

    def __init__(self, func: Callable, args: tuple, ready: Ready | None = None):
        self.name = func.__name__.strip("_").replace("_", " ")
        self.tmp = tempfile.TemporaryDirectory(prefix="kg-step-")
        task, self.path = Path(self.tmp.name) / "task.pickle", Path(self.tmp.name) / "result.pickle"
        try:
            with task.open("wb") as fh:  # the path first (the child needs it to import what the task names), then
                pickle.dump(sys.path, fh)  # the task streamed to the file: never a second copy of its bytes in memory
                pickle.dump((func, args), fh, protocol=pickle.HIGHEST_PROTOCOL)
            self.process = _handed(ready.take() if ready is not None else None, task, self.path) or \
                subprocess.Popen([sys.executable, "-m", "kg.isolated", str(task), str(self.path)],
                                 stdin=subprocess.DEVNULL)
        except BaseException:
            self.tmp.cleanup()
            raise

    def result(self):
        """Wait for the step: its result, or its exception raised here (StepKilled when it left none)."""
        try:
            code = self.process.wait()
            if not self.path.exists():
                why = ("was killed (by the system — out of memory?)" if code < 0 else
                       f"ended with exit code {code} and no result (its error is above)")
                raise StepKilled(f"the process running {self.name} {why}; the build in place is kept")
            with self.path.open("rb") as fh:
                ok, value = pickle.load(fh)
        finally:
            self.tmp.cleanup()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the step if it still runs (its result is not wanted), and remove its scratch folder."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.tmp.cleanup()

    def __enter__(self) -> "IsolatedStep":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _handed(process: subprocess.Popen | None, task: Path, result: Path) -> subprocess.Popen | None:
    """`process` (a Ready interpreter) given the step's task, or None when there is none or it has died."""
    if process is None:
        return None
    try:
        process.stdin.write(json.dumps([str(task), str(result)]).encode("utf-8") + b"\n")
        process.stdin.close()
        return process
    except OSError:  # it died while waiting (killed): a fresh one instead
        process.kill()
        process.wait()
        return None


def _wait(path: list[str], modules: Sequence[str]) -> None:
    """A Ready interpreter: import `modules`, then run the step whose task and result paths come on stdin (nothing
    when stdin closes first)."""
    from .executors import _end_with_parent

    _end_with_parent()
    sys.path[:] = path
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the step imports what it needs itself, and says why that fails
            pass
    line = sys.stdin.buffer.readline()
    if line.strip():
        task, result = json.loads(line)
        _run(Path(task), Path(result))


def _run(task: Path, result: Path) -> None:
    """The child: run the task, write (True, its result) or (False, its exception) to `result`."""
    from .executors import _end_with_parent

    _end_with_parent()
    with task.open("rb") as fh:
        sys.path[:] = pickle.load(fh)
        func, args = pickle.load(fh)
    try:
        out = (True, func(*args))
    except Exception as err:  # raised again in the parent
        out = (False, err)
    try:
        data = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its text
        data = pickle.dumps((False, RuntimeError(f"{type(out[1]).__name__}: {out[1]}")))
    tmp = result.with_name(result.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(result)


if __name__ == "__main__":
    if sys.argv[1] == "--ready":
        _wait(json.loads(sys.argv[2]), sys.argv[3:])
    else:
        _run(Path(sys.argv[1]), Path(sys.argv[2]))
