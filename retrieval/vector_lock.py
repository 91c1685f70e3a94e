"""One writer of the vector store at a time, across processes.

Chroma's embedded `PersistentClient` is not process-safe: a client does not see vectors
another process wrote after it opened, and two writers can clobber each other's segment
files. So every use of the vector store (reconcile, write, read) happens while holding an
exclusive `flock` on a lock file beside it, with a client opened after the lock was taken
and closed before it is released. Readers are never handed a stale client that way, and
the lock goes away with the process on any crash, `kill -9` included.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path
from typing import Callable, Iterator

log = logging.getLogger(__name__)


class VectorLockBusy(RuntimeError):
    """Another process held the vector store for longer than we were willing to wait."""


@contextlib.contextmanager
def vector_lock(path: Path, wait: float | None = None, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock at `path`; wait up to `wait` seconds (None: forever, 0: not at all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _take(fd, wait, on_wait):
            raise VectorLockBusy(f"another PaperScout process is writing the vectors (lock {path})")
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _take(fd: int, wait: float | None, on_wait: Callable[[], None] | None) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    if wait == 0:
        return False
    if on_wait is not None:
        on_wait()
    deadline = None if wait is None else time.monotonic() + wait
    while deadline is None or time.monotonic() < deadline:
        # Poll rather than block, so a bounded wait stays bounded.
        time.sleep(0.2)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            continue
    return False
