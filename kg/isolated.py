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
    name = func.__name__.strip("_").replace("_", " ")
    with tempfile.TemporaryDirectory(prefix="kg-step-") as tmp:
        task, result = Path(tmp) / "task.pickle", Path(tmp) / "result.pickle"
        with task.open("wb") as fh:  # the path first (the child needs it to import what the task names), then the
            pickle.dump(sys.path, fh)  # task streamed to the file: never a second copy of its bytes in memory
            pickle.dump((func, args), fh, protocol=pickle.HIGHEST_PROTOCOL)
        done = subprocess.run([sys.executable, "-m", "kg.isolated", str(task), str(result)],
                              stdin=subprocess.DEVNULL, check=False)
        if not result.exists():
            why = ("was killed (by the system — out of memory?)" if done.returncode < 0 else
                   f"ended with exit code {done.returncode} and no result (its error is above)")
            raise StepKilled(f"the process running {name} {why}; the build in place is kept")
        with result.open("rb") as fh:
            ok, value = pickle.load(fh)
    if not ok:
        raise value
    return value


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
