"""The state database: one SQLite file in WAL mode; a writing and a reading connection shared by threads.

Synchronous (sqlite3); the bot calls it through asyncio.to_thread (engagement events through
bot.state.event_writer). Every write runs in one transaction and waits a bounded time for the
file's write lock; the schema is created and migrated at open time by the ordered migrations
in `bot.state.migrations`, counted in `PRAGMA user_version`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from bot.state.migrations import MIGRATIONS, SCHEMA_VERSION
from corpus.sqlite_transactions import migrate, settled

log = logging.getLogger(__name__)

# The longest a write waits for the state file's write lock, held by another of our writes or by
# another program (a backup, a `sqlite3` shell). Writes run in worker threads that the commands'
# reads and searches share, so a write held up longer would hold up answers too.
WRITE_WAIT = 2.0
# How long a write queues behind one of ours that is itself waiting for another program's lock.
QUEUE_WAIT = 0.25
# Once a write gave up, the file is taken to be held: later writes look briefly, until one gets it.
PROBE_WAIT = 0.05
_POLL = 0.02


class StateError(RuntimeError):
    """The state file cannot be opened or read; the message names the file and what to do."""


class WriteLockBusy(sqlite3.OperationalError):
    """A write gave up waiting for the state file's write lock (nothing of it was written)."""


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    """Return whether SQLite refused because another connection holds a lock (SQLITE_BUSY or SQLITE_LOCKED)."""
    # The low byte is the primary code (SQLITE_BUSY_SNAPSHOT and the like are busy too).
    return exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


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
        # Reads go through their own connection: in WAL mode they never wait for a write lock,
        # so a write waiting for the file cannot hold up the reads that commands answer from.
        self._reader, self._read_lock = self._open_reader()
        # Since when (monotonic) a write of ours has been waiting for another program's lock.
        self._waiting_since: float | None = None
        # A write gave up on the file's lock and none has got it since.
        self._held = False

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

    def _open_reader(self) -> tuple[sqlite3.Connection, threading.RLock]:
        if str(self.path) == ":memory:":
            # A second connection would open a second, empty database.
            return self._conn, self._lock
        try:
            reader = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=WRITE_WAIT)
            reader.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            self._conn.close()
            raise self._fail(str(exc)) from exc
        return reader, threading.RLock()

    @property
    def schema_version(self) -> int:
        """Return the schema version of the open file."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connections (the last one checkpoints the WAL)."""
        if self._reader is not self._conn:
            with self._read_lock:
                self._reader.close()
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run a block of writes as one transaction: all of it or nothing; raise WriteLockBusy if the file stays locked."""
        deadline = time.monotonic() + (PROBE_WAIT if self._held else WRITE_WAIT)
        if not self._acquire(deadline):
            raise WriteLockBusy(f"the state file {self.path} is busy with another write; nothing was written")
        try:
            self._begin(deadline)
            with settled(self._conn) as conn:
                yield conn
        finally:
            self._lock.release()

    def _acquire(self, deadline: float) -> bool:
        """Take the connection's lock by `deadline`; give up early behind a write stuck on another program's lock."""
        while not self._lock.acquire(timeout=max(0.0, min(_POLL, deadline - time.monotonic()))):
            now = time.monotonic()
            since = self._waiting_since
            if now >= deadline or (since is not None and now - since >= QUEUE_WAIT):
                return False
        return True

    def _begin(self, deadline: float) -> None:
        """BEGIN IMMEDIATE, waiting for the file's write lock no later than `deadline`."""
        try:
            if not self._try_begin(0.0):
                # Say so before waiting, so writes queued behind this one stop waiting for it.
                self._waiting_since = time.monotonic()
                try:
                    got = self._try_begin(deadline - time.monotonic())
                finally:
                    self._waiting_since = None
                if not got:
                    if not self._held:
                        log.warning("the state file %s is locked by another program; writes give up after %.1f s",
                                    self.path, WRITE_WAIT)
                    self._held = True
                    raise WriteLockBusy(f"the state file {self.path} is locked by another program; nothing was written")
        finally:
            # The statements inside the transaction wait as long as a write may (in WAL mode they seldom must).
            self._busy_timeout(WRITE_WAIT)
        if self._held:
            log.info("the state file %s is writable again", self.path)
            self._held = False

    def _try_begin(self, wait: float) -> bool:
        """Return whether BEGIN IMMEDIATE got the file's write lock within `wait` seconds."""
        self._busy_timeout(wait)
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_locked(exc):
                return False
            raise
        return True

    def _busy_timeout(self, seconds: float) -> None:
        self._conn.execute(f"PRAGMA busy_timeout = {max(0, int(seconds * 1000))}")

    def read(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Return the rows of one query."""
        with self._read_lock:
            return self._reader.execute(sql, params).fetchall()
