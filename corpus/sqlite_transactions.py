"""SQLite transactions and schema migrations, shared by the corpus store and the bot's state."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from typing import Iterator, Sequence

log = logging.getLogger(__name__)


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection, lock: threading.RLock) -> Iterator[sqlite3.Connection]:
    """Run a block of writes as one BEGIN IMMEDIATE transaction (all of it or nothing), holding `lock`.

    IMMEDIATE takes SQLite's write lock at once, so two processes' read-modify-write blocks
    are serialized instead of failing at commit; `lock` does the same for this process's threads.
    """
    with lock:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection, migrations: Sequence[Sequence[str]], label: object) -> None:
    """Apply the migrations past `PRAGMA user_version`, each in its own transaction (safe against a second opener).

    Entry i of `migrations` takes the schema from version i to i + 1; the version is read
    inside the write lock, since another process may have migrated meanwhile.
    """
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= len(migrations):
                conn.execute("COMMIT")
                return
            for statement in migrations[version]:
                conn.execute(statement)
            # PRAGMA user_version is transactional, so a failed migration leaves the old version.
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("schema of %s migrated to version %d", label, version + 1)
