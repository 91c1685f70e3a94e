"""The corpus store: the one interface every caller uses, whatever database keeps the papers.

The store of record is SQLite (`corpus/sqlite_store.py`); a server database can be added
behind the same `CorpusStore` protocol without touching its callers. Every write is one
transaction over a batch, safe against a second writing process and against `kill -9`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from corpus.paper import Paper
from corpus.records import Candidate


class CorpusError(RuntimeError):
    """The corpus store cannot be opened or read; the message names the file and what to do."""


@dataclass
class AddReport:
    """What adding a batch of candidates did to the store."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        """Return whether anything was added or updated."""
        return bool(self.added or self.updated)


@dataclass(frozen=True)
class RemoveReport:
    """What removing papers did: the ids removed, and the references that named no paper."""

    removed: tuple[str, ...]
    not_found: tuple[str, ...]


class CorpusStore(Protocol):
    """Papers by id, matched across sources by arXiv id, else by normalized title."""

    path: Path

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Paper]: ...
    def papers(self) -> list[Paper]: ...
    def get(self, paper_id: str) -> Paper | None: ...
    # What an index that leaves papers on disk reads (retrieval/paper_rows.py, corpus/sqlite_reads.py).
    def keys(self) -> dict[str, str]: ...
    def fetch(self, ids: Sequence[str]) -> list[Paper]: ...
    def facts(self) -> dict[str, tuple[str | None, bool]]: ...
    def titles(self) -> dict[str, str]: ...
    def authors(self) -> Iterator[tuple[str, tuple[str, ...]]]: ...
    def find(self, *, arxiv_id: str | None = None, title: str | None = None) -> Paper | None: ...
    def add(self, candidates: Iterable[Candidate], now: str | None = None, *, origin: str = "") -> AddReport: ...
    def remove(self, refs: Iterable[str], *, origin: str = "") -> RemoveReport: ...
    def revision(self) -> int: ...
    def record_indexed(self, digests: Mapping[str, str]) -> None: ...
    def forget_indexed(self, paper_ids: Iterable[str] | None = None) -> None: ...
    def indexed(self) -> dict[str, str]: ...
    def stats(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


def utc_now() -> str:
    """Return the current UTC time as an ISO 8601 string with seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so a reader sees either the old or the new file, never half."""
    write_atomic_with(path, lambda handle: handle.write(data))


def write_atomic_with(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Let `write` fill a temporary file, then put it at `path` whole (a reader sees the old file or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
