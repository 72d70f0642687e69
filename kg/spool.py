"""Sequences a build keeps a record of per input file, held on disk instead of in memory (issue 11: the build's
main process must not grow with the corpus beyond the index that resolves citations)."""
from __future__ import annotations

import operator
import os
import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

BLOCK = 1 << 20  # bytes written, and read ahead when iterating, at a time
UNFILLED = 0xFFFFFFFF  # the size of a place reserved and not yet filled


def _pickled(record) -> bytes:
    return pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)


class Spool(Sequence[T], Generic[T]):
    """A sequence of records in a scratch file (unlinked as it is made: gone when closed or when the process ends):
    in memory a record costs its place and size, 12 bytes. A place can be reserved and filled later, so records that
    arrive out of order (results of parallel work) are written as they come and read back in order — sequentially,
    a block at a time, or by index (os.pread: no file position a forked worker's copy could disturb). A record set
    again is written anew (its old bytes stay unused). `encode`/`decode` turn a record into bytes and back (default:
    pickle)."""

    def __init__(self, folder: Path, records: Iterable[T] = (), encode: Callable[[T], bytes] = _pickled,
                 decode: Callable[[bytes], T] = pickle.loads):
        folder.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=folder, prefix=".spool-", buffering=0)
        self._encode, self._decode = encode, decode
        self._starts = array("Q")
        self._sizes = array("I")  # UNFILLED for a place reserved and not yet filled
        self._pending = bytearray()  # encoded, not yet written: the file's bytes from self._written on
        self._written = 0
        for record in records:
            self.append(record)

    @classmethod
    def of_text(cls, folder: Path, records: Iterable[str] = ()) -> "Spool[str]":
        """A spool of strings, kept as UTF-8 (a lone surrogate survives)."""
        return cls(folder, records, lambda s: s.encode("utf-8", "surrogatepass"),
                   lambda b: b.decode("utf-8", "surrogatepass"))

    def reserve(self) -> int:
        """A new place at the end, to be filled (__setitem__) before it is read; returns its index."""
        self._starts.append(0)
        self._sizes.append(UNFILLED)
        return len(self._sizes) - 1

    def append(self, record: T) -> None:
        self[self.reserve()] = record

    def __setitem__(self, index: int, record: T) -> None:
        k = self._place(index)
        data = self._encode(record)
        if len(data) >= UNFILLED:
            raise ValueError(f"a record of {len(data)} bytes is too large for a spool")
        self._starts[k], self._sizes[k] = self._written + len(self._pending), len(data)
        self._pending += data
        if len(self._pending) >= BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            os.pwrite(self._file.fileno(), self._pending, self._written)
            self._written += len(self._pending)
            self._pending.clear()

    def _place(self, index) -> int:
        k = operator.index(index)
        if k < 0:
            k += len(self._sizes)
        if not 0 <= k < len(self._sizes):
            raise IndexError("spool index out of range")
        return k

    def _span(self, k: int) -> tuple[int, int]:
        if self._sizes[k] == UNFILLED:
            raise LookupError(f"place {k} of the spool was reserved and never filled")
        return self._starts[k], self._starts[k] + self._sizes[k]

    def __len__(self) -> int:
        return len(self._sizes)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        start, end = self._span(self._place(index))
        self._flush()
        return self._decode(os.pread(self._file.fileno(), end - start, start))

    def __iter__(self) -> Iterator[T]:
        self._flush()
        fd, block, at = self._file.fileno(), b"", 0  # `block` holds the file's bytes from `at` on
        for k in range(len(self._sizes)):
            start, end = self._span(k)
            if start < at or end > at + len(block):
                block, at = os.pread(fd, max(BLOCK, end - start), start), start
            yield self._decode(block[start - at:end - at])

    def close(self) -> None:
        self._file.close()

    def __repr__(self) -> str:
        return f"<Spool of {len(self)} records>"


class Column(Sequence):
    """One field of a sequence of tuples, read through it (nothing copied): the names of a spool of (name, …)."""

    def __init__(self, rows: Sequence[tuple], field: int):
        self._rows, self._field = rows, field

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [row[self._field] for row in self._rows[index]]
        return self._rows[index][self._field]

    def __iter__(self) -> Iterator:
        return (row[self._field] for row in self._rows)
