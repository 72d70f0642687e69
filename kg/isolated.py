"""One step of a build in a fresh interpreter (`python -m kg.isolated`): its memory is its own — none of the
build's, as a forked child's would be — and given back when it ends.

Not multiprocessing's spawn: that imports the caller's main script again in the child, which runs a script
without an `if __name__ == "__main__"` guard (a researcher's build script) a second time.
"""
from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


class StepKilled(RuntimeError):
    """A step of the build run in a process of its own ended without a result (killed: out of memory?)."""


def run_isolated(func: Callable, *args):
    """func(*args) in a new Python process; its result returned, its exception raised here. The function and its
    arguments must pickle (a module-level function); the child imports them with this process's sys.path."""
    with start_isolated(func, *args) as step:
        return step.result()


def start_isolated(func: Callable, *args) -> "IsolatedStep":
    """run_isolated's step started, not waited for: this process goes on (say, with another step) while it runs;
    its result() waits. Use it in a `with` block: a step left behind (this process raised first) is stopped."""
    return IsolatedStep(func, args)


class IsolatedStep:
    """A step of the build running in a fresh interpreter (start_isolated): its task and result travel as files
    in a scratch folder of its own, removed when the step is collected or stopped."""

    def __init__(self, func: Callable, args: tuple):
        self.name = func.__name__.strip("_").replace("_", " ")
        self.tmp = tempfile.TemporaryDirectory(prefix="kg-step-")
        task, self.path = Path(self.tmp.name) / "task.pickle", Path(self.tmp.name) / "result.pickle"
        try:
            with task.open("wb") as fh:  # the path first (the child needs it to import what the task names), then
                pickle.dump(sys.path, fh)  # the task streamed to the file: never a second copy of its bytes in memory
                pickle.dump((func, args), fh, protocol=pickle.HIGHEST_PROTOCOL)
            self.process = subprocess.Popen([sys.executable, "-m", "kg.isolated", str(task), str(self.path)],
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
    _run(Path(sys.argv[1]), Path(sys.argv[2]))
