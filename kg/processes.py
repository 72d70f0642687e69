"""How the build starts the processes of its pools: one start method for kg.executors and kg.validate."""
from __future__ import annotations

import sys


def pool_context():
    """The start method of the build's process pools: fork where the platform has it as its own (Linux), so a
    worker never runs the caller's main script — spawn and forkserver (Python 3.14's default on Linux) import it in
    each worker, and a researcher's build script without an `if __name__ == "__main__"` guard would build again
    there. Elsewhere the platform's default (macOS: fork is unsafe with its system libraries)."""
    import multiprocessing

    return multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
