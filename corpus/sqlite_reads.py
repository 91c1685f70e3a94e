"""The corpus store's reads for an index that leaves the papers on disk (retrieval/paper_rows.py).

At a million papers, reading every paper into each process took 51 s and 2.8 GB. An index
needs much less at start: each paper's id and content digest, to find what its files lack.
The papers themselves are read when a result shows them, and the few columns a filter or
title completion needs are read on their first use.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Iterator, Sequence

from corpus.paper import Paper, links_to_code
from corpus.sqlite_rows import COLUMNS, paper_from_row

# SQLite allows at least 999 bound values in a statement.
_CHUNK = 500
# Papers' authors read per statement by authors(): the lock is held a page at a time.
_AUTHOR_PAGE = 8192


def code_linked(github_repo: str | None, links: str) -> bool:
    """Return whether a paper's row links to its code (a GitHub repo, or a link of kind "code" in its JSON links)."""
    # Parsing the JSON of every paper with links would cost seconds at a million: only those that may hold one.
    kinds = (link.get("kind") for link in json.loads(links)) if '"code"' in links else ()
    return links_to_code(github_repo, kinds)


class BulkReads:
    """Mixed into SqliteCorpusStore (its connection, lock and row reader)."""

    _conn: sqlite3.Connection
    _lock: threading.RLock

    def keys(self) -> dict[str, str]:
        """Return paper id -> content digest of every paper, in store order."""
        # The covering index (schema migration 4) holds both columns: the table of abstracts is not read.
        sql = "SELECT id, content_digest FROM papers INDEXED BY papers_keys ORDER BY seq"
        with self._guard(), self._lock:  # type: ignore[attr-defined]
            return dict(self._conn.execute(sql))

    def fetch(self, ids: Sequence[str]) -> list[Paper]:
        """Return the stored papers among `ids`, in store order, each once (an id not stored is left out)."""
        ids = list(dict.fromkeys(ids))
        found: list[tuple[int, Paper]] = []
        with self._guard(), self._lock:  # type: ignore[attr-defined]
            for start in range(0, len(ids), _CHUNK):
                chunk = tuple(ids[start:start + _CHUNK])
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(f"SELECT seq, {COLUMNS} FROM papers WHERE id IN ({marks})", chunk).fetchall()
                listings = self._listings(self._conn, [r[1] for r in rows]) if rows else {}  # type: ignore[attr-defined]
                found += [(r[0], paper_from_row(r[1:], tuple(listings.get(r[1], ())))) for r in rows]
        found.sort(key=lambda pair: pair[0])
        return [paper for _, paper in found]

    def facts(self) -> dict[str, tuple[str | None, bool]]:
        """Return paper id -> (publication date as stored, whether it links to code) of every paper."""
        with self._guard(), self._lock:  # type: ignore[attr-defined]
            rows = self._conn.execute("SELECT id, published, github_repo, links FROM papers")
            return {pid: (published, code_linked(repo, links)) for pid, published, repo, links in rows}

    def titles(self) -> dict[str, str]:
        """Return paper id -> title as parsed, of every paper, in store order."""
        with self._guard(), self._lock:  # type: ignore[attr-defined]
            return dict(self._conn.execute("SELECT id, title FROM papers ORDER BY seq"))

    def authors(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Yield (paper id, authors) of every paper in store order, read a page at a time (an author index's walk:
        reading whole papers for it took minutes at a million)."""
        after = -1
        while True:
            with self._guard(), self._lock:  # type: ignore[attr-defined]
                rows = self._conn.execute(
                    "SELECT seq, id, authors FROM papers WHERE seq > ? ORDER BY seq LIMIT ?", (after, _AUTHOR_PAGE)
                ).fetchall()
            if not rows:
                return
            for _, pid, authors in rows:
                yield pid, () if authors == "[]" else tuple(json.loads(authors))
            after = rows[-1][0]
