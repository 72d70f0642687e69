"""Extraction over many files: every file is tried, failures are reported per file, not raised."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from loaders import Document, LoaderError, extract_file

from .budget import OverBudget, time_budget


@dataclass
class FileResult:
    """The documents of one file, or the reason it could not be read."""

    path: Path
    documents: list[Document]
    error: str | None = None


DEFAULT_BUDGET_S = 300  # seconds one file may take before it becomes an error line


def extract_one(path: Path, max_mb: float | None = None, budget_s: float | None = DEFAULT_BUDGET_S) -> FileResult:
    """Extract one file; any failure — also running past `budget_s` seconds — becomes the result's error."""
    try:
        with time_budget(budget_s):
            return FileResult(path, extract_file(path, max_mb=max_mb))
    except OverBudget:
        return FileResult(path, [], f"extraction stopped after {budget_s:g} s (a pathological file?); "
                                    "other files are not affected")
    except LoaderError as err:
        return FileResult(path, [], err.reason)
    except (OSError, UnicodeError, MemoryError) as err:
        return FileResult(path, [], f"cannot read: {type(err).__name__}: {err}")
    except Exception as err:  # a bug must not lose the rest of the batch; say so plainly
        return FileResult(path, [], f"internal error while extracting ({type(err).__name__}: {err}); "
                                    "please report this file")


def extract_paths(paths: list[Path], max_mb: float | None = None,
                  on_done: Callable[[FileResult], None] | None = None) -> Iterator[FileResult]:
    """Extract each file in order; a bad file yields an error result and the batch goes on."""
    for path in paths:
        result = extract_one(path, max_mb)
        if on_done is not None:
            on_done(result)
        yield result
