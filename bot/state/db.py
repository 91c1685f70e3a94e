"""The state database: one SQLite file in WAL mode, one connection shared by threads behind a lock.

Synchronous (sqlite3); the bot calls it through asyncio.to_thread. Every write runs in
one transaction, and the schema is created and migrated at open time by the ordered
migrations in `bot.state.migrations`, counted in `PRAGMA user_version`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from bot.state.migrations import MIGRATIONS, SCHEMA_VERSION
from corpus.sqlite_transactions import immediate, migrate

log = logging.getLogger(__name__)


class StateError(RuntimeError):
    """The state file cannot be opened or read; the message names the file and what to do."""


def utc_iso(moment: datetime) -> str:
    """Return `moment` in UTC as a fixed-width ISO string, so text order is time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def now_iso() -> str:
    """Return the current time as `utc_iso` writes it."""
    return utc_iso(datetime.now(timezone.utc))


def ids_json(paper_ids: Iterable[str]) -> str:
    """Return paper ids as the JSON text a column stores."""
    return json.dumps(list(paper_ids))


def ids_of(text: str) -> tuple[str, ...]:
    """Return the paper ids stored by `ids_json`."""
    return tuple(json.loads(text))


def where(*conditions: tuple[str, object | None]) -> tuple[str, list[object]]:
    """Return a WHERE clause of the conditions whose value is not None, and its parameters."""
    used = [(clause, value) for clause, value in conditions if value is not None]
    if not used:
        return "", []
    return " WHERE " + " AND ".join(clause for clause, _ in used), [value for _, value in used]


class Database:
    """The open state file: reads, one-transaction writes, the schema version."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn = self._open()

    def _fail(self, reason: str) -> StateError:
        return StateError(
            f"cannot use the state file {self.path}: {reason}. It was left untouched; "
            "restore it from a backup or move it away to start with empty state."
        )

    def _open(self) -> sqlite3.Connection:
        if self.path.exists() and self.path.is_dir():
            raise self._fail("it is a directory")
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each write is one transaction.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        except sqlite3.Error as exc:
            raise self._fail(str(exc)) from exc
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise self._fail(f"SQLite integrity check failed ({check})")
            if version > SCHEMA_VERSION:
                raise self._fail(
                    f"its schema version {version} is newer than this PaperScout knows ({SCHEMA_VERSION})"
                )
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            # An in-memory state (the console's conversations) has no WAL to speak of.
            if str(mode).lower() not in ("wal", "memory"):
                log.warning("SQLite refused WAL mode for %s (journal mode %s)", self.path, mode)
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn, MIGRATIONS, self.path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._fail(str(exc)) from exc
        except StateError:
            conn.close()
            raise
        return conn

    @property
    def schema_version(self) -> int:
        """Return the schema version of the open file."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run a block of writes as one transaction: all of it or nothing."""
        with immediate(self._conn, self._lock) as conn:
            yield conn

    def read(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Return the rows of one query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()
