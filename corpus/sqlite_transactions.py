"""SQLite transactions and schema migrations, shared by the corpus store and the bot's state."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from typing import Iterator, Sequence

log = logging.getLogger(__name__)


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back the connection's open transaction, if it still has one (SQLite ends some on its own)."""
    if not conn.in_transaction:
        return
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        # Called while another error is on its way up: that one tells the caller what went wrong.
        log.exception("could not roll back a failed transaction")


@contextlib.contextmanager
def settled(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Commit the transaction just begun on `conn` after the block, or roll it back: never leave it open."""
    try:
        yield conn
    except BaseException:
        rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT can leave the transaction open (SQLITE_BUSY while a reader holds the
        # file in rollback-journal mode, a deferred foreign key): every later BEGIN on this
        # connection would then fail with "cannot start a transaction within a transaction".
        rollback(conn)
        raise


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection, lock: threading.RLock) -> Iterator[sqlite3.Connection]:
    """Run a block of writes as one BEGIN IMMEDIATE transaction (all of it or nothing), holding `lock`.

    IMMEDIATE takes SQLite's write lock at once, so two processes' read-modify-write blocks
    are serialized instead of failing at commit; `lock` does the same for this process's threads.
    """
    with lock:
        conn.execute("BEGIN IMMEDIATE")
        with settled(conn):
            yield conn


def migrate(conn: sqlite3.Connection, migrations: Sequence[Sequence[str]], label: object) -> None:
    """Apply the migrations past `PRAGMA user_version`, each in its own transaction (safe against a second opener).

    Entry i of `migrations` takes the schema from version i to i + 1; the version is read
    inside the write lock, since another process may have migrated meanwhile.
    """
    while True:
        conn.execute("BEGIN IMMEDIATE")
        with settled(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= len(migrations):
                break
            for statement in migrations[version]:
                conn.execute(statement)
            # PRAGMA user_version is transactional, so a failed migration leaves the old version.
            conn.execute(f"PRAGMA user_version = {version + 1}")
        log.info("schema of %s migrated to version %d", label, version + 1)
