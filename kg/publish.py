"""A build folder as a transaction: one builder at a time, outputs staged, then swapped in by one rename.

Layout of `out/`: each build writes into `.builds/<id>/`; `current` is a symbolic link to the complete build
in place, and every output name (`graph.ttl`, `graph.lbug`, `tables` …) is a link through `current`. Swapping
`current` is one atomic rename, so a reader — or a build killed at any point — sees the previous complete
build or the new one, never a mix. The cache (`.cache/`) is content-addressed and shared by all builds.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

BUILDS_DIR = ".builds"
CURRENT = "current"
LOCK = ".lock"


class BuildLocked(Exception):
    """Another build holds the folder; the message names it."""


class FolderLock:
    """An exclusive lock on a build folder (flock: released by the kernel when its holder dies, so a lock
    left by a killed build is taken over at once)."""

    def __init__(self, out: Path):
        self.path = out / LOCK
        self.fd: int | None = None

    def __enter__(self) -> "FolderLock":
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise BuildLocked(f"another kg build (pid {holder}) is writing {self.path.parent}; "
                              "wait for it to finish or build into another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def new_stage(out: Path) -> Path:
    """A fresh folder for this build's outputs; stages left by killed builds are removed first."""
    builds = out / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    keep = current_build(out)
    for old in builds.iterdir():
        if old.resolve() != keep:
            _remove(old)
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    for k in range(1000):  # a second build by this process within the same second gets its own folder
        stage = builds / (name if k == 0 else f"{name}-{k}")
        try:
            stage.mkdir()
            return stage
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot make a build folder under {builds}")


def current_build(out: Path) -> Path | None:
    """The complete build in place (None before the first one)."""
    link = out / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def swap_in(out: Path, stage: Path, names: list[str]) -> None:
    """Make `stage` the build in place with one rename, then drop the build it replaced."""
    previous = current_build(out)
    tmp = out / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.join(BUILDS_DIR, stage.name), tmp)
    for name in names:  # output names link through `current` (made once; a pre-link layout is converted)
        _link(out / name, os.path.join(CURRENT, name))
        for suffix in (".wal", ".shadow"):  # left beside a database by a writer that was killed
            _remove(out / (name + suffix))
    os.replace(tmp, out / CURRENT)  # the swap
    _fsync_dir(out)
    for entry in out.iterdir():  # a name the previous build wrote and this one did not (graph.ttl after --merged never)
        if entry.is_symlink() and os.readlink(entry).startswith(CURRENT + os.sep) and \
                os.readlink(entry)[len(CURRENT) + 1:] not in names:
            entry.unlink()
    if previous is not None and previous != stage.resolve():
        _remove(previous)


def _link(path: Path, target: str) -> None:
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)  # a folder from a build made before this layout
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
