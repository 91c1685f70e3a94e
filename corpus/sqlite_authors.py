"""The corpus store's author index: one row per (paper, position), written in the paper's own transaction.

`put_authors` runs inside the writer's BEGIN IMMEDIATE with the paper's row, so a paper and
its author rows commit together or not at all (a `kill -9` mid-batch leaves neither); a removed
paper's rows go with it (ON DELETE CASCADE). The names are normalized by corpus/authors.py, in
Python: the migration that backfills stored papers calls it through SQL functions that
`connect` registers on every connection of the store.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from typing import Callable

from corpus.authors import (AuthorName, author_name, clean_display, first_given, given_agrees, key_bounds, newest_first,
                            prefix_bounds)
from corpus.author_index import MAX_NAMES
from corpus.paper import Paper
from corpus.sqlite_rows import connect as connect_rows
from corpus.store import CorpusError

# SQLite allows at least 999 bound values in a statement.
_CHUNK = 500


@functools.lru_cache(maxsize=256)
def _parsed(raw: object) -> AuthorName | None:
    # The backfill asks for one author's key in its WHERE, then its key and folded form: parse once.
    return author_name(raw)


def _folded(raw: object) -> str | None:
    name = _parsed(raw)
    return name.folded if name else None


def _key(raw: object) -> str | None:
    name = _parsed(raw)
    return name.key if name else None


def register_functions(conn: sqlite3.Connection) -> None:
    """Make corpus/authors.py's normalizer callable from SQL (the backfill migration uses it)."""
    conn.create_function("author_display", 1, lambda raw: clean_display(raw) or None, deterministic=True)
    conn.create_function("author_folded", 1, _folded, deterministic=True)
    conn.create_function("author_key", 1, _key, deterministic=True)


def connect(target: str, fail: Callable[[str], CorpusError], uri: bool = False) -> sqlite3.Connection:
    """Open a store connection (corpus/sqlite_rows.py) with the author functions its migrations need."""
    conn = connect_rows(target, fail, uri=uri)
    register_functions(conn)
    return conn


def put_authors(conn: sqlite3.Connection, paper: Paper) -> None:
    """Replace a paper's author rows (call inside the transaction that writes the paper)."""
    conn.execute("DELETE FROM paper_authors WHERE paper_id = ?", (paper.id,))
    rows = []
    for position, raw in enumerate(paper.authors):
        name = author_name(raw)
        if name is not None:
            rows.append((paper.id, position, name.display, name.folded, name.key))
    conn.executemany("INSERT INTO paper_authors (paper_id, position, name, folded, key) VALUES (?, ?, ?, ?, ?)", rows)


class AuthorQueries:
    """The store's reads by author, mixed into SqliteCorpusStore (its connection, lock and row reader)."""

    _conn: sqlite3.Connection
    _lock: threading.RLock

    def papers_by_author(self, name: str) -> list[Paper]:
        """Return the papers with an author `name` may name, newest first (undated last)."""
        query = author_name(name)
        if query is None:
            return []
        low, high = key_bounds(query)
        with self._guard(), self._lock:  # type: ignore[attr-defined]
            rows = self._conn.execute(
                "SELECT paper_id, folded FROM paper_authors WHERE key >= ? AND key < ?", (low, high)
            ).fetchall()
            # Every key in the range has the query's surname; a full name also needs its given name to agree.
            given = query.given
            ids = sorted({pid for pid, folded in rows if not given or given_agrees(given, first_given(folded))})
            papers: list[Paper] = []
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                papers += self._papers_where(  # type: ignore[attr-defined]
                    self._conn, f"WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk)
                )
        return newest_first(papers)

    def author_names(self, typed: str, limit: int = MAX_NAMES) -> list[tuple[str, int]]:
        """Return (name as written, papers) of names whose folded form or surname starts as typed, most papers first."""
        bounds = prefix_bounds(typed)
        where, params = "", ()
        if bounds is not None:
            where, params = "WHERE (folded >= ? AND folded < ?) OR (key >= ? AND key < ?)", (*bounds, *bounds)
        return [
            (name, int(count))
            for name, count in self._read(  # type: ignore[attr-defined]
                f"SELECT name, COUNT(DISTINCT paper_id) AS n FROM paper_authors {where} "
                "GROUP BY name ORDER BY n DESC, name LIMIT ?",
                (*params, limit),
            )
        ]
