"""Writing output files so that readers see the old or the new content, never a half-written one."""
from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, durable: bool = True) -> int:
    """Write to a temporary sibling, flush to disk, then rename over the target; returns the bytes written.
    `durable=False` skips the flush to disk, for cache entries whose readers check their size (a flush costs as
    much as building a small file's graph, and an entry lost to a power cut is only made again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with open(tmp, "wb") as fh:
        fh.write(raw)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    return len(raw)
