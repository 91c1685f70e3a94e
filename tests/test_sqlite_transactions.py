"""SQLite transactions (corpus.sqlite_transactions): a failed COMMIT never leaves the connection inside it.

SQLite keeps the transaction open after some failed COMMITs: SQLITE_BUSY while another
connection reads a rollback-journal file, or a deferred foreign key. Each test makes a real
COMMIT fail on a real file, then checks that the next write on the same connection works.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.datadir import DataDir
from bot.state import State
from corpus.sqlite_transactions import immediate, migrate


def connect(path: Path) -> sqlite3.Connection:
    """Open a connection as the stores do: transactions issued by hand, a short busy timeout."""
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0.1)


def test_commit_refused_under_a_readers_lock_is_rolled_back_and_the_next_write_works(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    writer = connect(path)
    writer.execute("PRAGMA journal_mode = DELETE")  # here a reader's SHARED lock blocks COMMIT
    writer.execute("CREATE TABLE t (x INTEGER)")
    lock = threading.RLock()
    reader = connect(path)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)  # holds SHARED until COMMIT

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with immediate(writer, lock) as conn:
            conn.execute("INSERT INTO t VALUES (1)")
    assert not writer.in_transaction

    reader.execute("COMMIT")
    with immediate(writer, lock) as conn:  # before the fix: "cannot start a transaction within a transaction"
        conn.execute("INSERT INTO t VALUES (2)")
    assert [row[0] for row in reader.execute("SELECT x FROM t")] == [2]


def test_commit_refused_by_a_deferred_foreign_key_is_rolled_back(tmp_path: Path) -> None:
    conn = connect(tmp_path / "store.sqlite")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    lock = threading.RLock()

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        with immediate(conn, lock) as c:
            c.execute("INSERT INTO child VALUES (99)")  # checked only at COMMIT
    assert not conn.in_transaction

    with immediate(conn, lock) as c:
        c.execute("INSERT INTO parent VALUES (1)")
        c.execute("INSERT INTO child VALUES (1)")
    assert conn.execute("SELECT parent_id FROM child").fetchall() == [(1,)]


def test_a_failing_block_is_rolled_back_even_when_sqlite_already_ended_it(tmp_path: Path) -> None:
    conn = connect(tmp_path / "store.sqlite")
    conn.execute("CREATE TABLE t (x INTEGER)")
    lock = threading.RLock()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        with immediate(conn, lock) as c:
            c.execute("INSERT INTO t VALUES (1)")
            c.execute("ROLLBACK")  # the transaction ends inside the block...
            c.execute("SELECT * FROM missing")  # ...and this error, not "no transaction is active", reaches the caller
    with immediate(conn, lock) as c:
        c.execute("INSERT INTO t VALUES (2)")
    assert conn.execute("SELECT x FROM t").fetchall() == [(2,)]


def test_a_failed_migration_leaves_the_old_version_and_no_open_transaction(tmp_path: Path) -> None:
    conn = connect(tmp_path / "store.sqlite")
    migrations = [["CREATE TABLE a (x INTEGER)"], ["CREATE TABLE b (x INTEGER)", "CREATE TABLE a (y INTEGER)"]]
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        migrate(conn, migrations, "test store")
    assert not conn.in_transaction
    assert conn.execute("PRAGMA user_version").fetchone() == (1,)
    migrate(conn, migrations[:1], "test store")  # the connection still works


def test_state_store_writes_again_after_a_failed_commit(tmp_path: Path) -> None:
    store = State.open(DataDir(tmp_path).state)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            with store.db.write() as conn:
                conn.execute("PRAGMA defer_foreign_keys = ON")
                conn.execute(
                    "INSERT INTO answer_states (conversation_id, query, filters, result_ids, shown, created_at) "
                    "VALUES (999, 'q', '{}', '[]', 0, '2026-01-01T00:00:00+00:00')"
                )
        # Before the fix the store's one connection stayed in that transaction: every write failed until restart.
        saved = store.servers.set_private_results(1, True)
        assert saved.private_results is True
        assert store.servers.get(1) == saved
    finally:
        store.close()
