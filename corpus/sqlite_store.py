"""The corpus store of record: papers, listings, sources and an ingest log in one SQLite file (WAL).

Every write is one `BEGIN IMMEDIATE` transaction over a batch: SQLite serializes writers
across processes, and matching a candidate happens inside the writer's transaction, so two
`paperscout ingest` runs and the bot's refresh can write at once and lose nothing. A committed
batch survives `kill -9`; an interrupted one none. Each commit bumps `revision`, polled by others.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from corpus.clean import normalize_title
from corpus.failpoints import crash_point
from corpus.legacy_json import LegacyCorpusError, read_legacy_corpus
from corpus.paper import Listing, Paper
from corpus.records import Candidate, merge, new_paper, paper_id_for
from corpus.source_names import source_label
from corpus.sqlite_authors import AuthorQueries, connect, put_authors
from corpus.sqlite_reads import BulkReads
from corpus.sqlite_rows import COLUMNS, failer, paper_from_row, row_values
from corpus.sqlite_schema import MIGRATIONS, SCHEMA_VERSION
from corpus.sqlite_transactions import immediate, migrate
from corpus.store import AddReport, CorpusError, RemoveReport, utc_now

log = logging.getLogger(__name__)

class SqliteCorpusStore(AuthorQueries, BulkReads):
    """The CorpusStore over one SQLite file; thread-safe within a process, process-safe across them."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._conn = conn
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path, *, legacy_json: Path | None = None, readonly: bool = False) -> SqliteCorpusStore:
        """Open (creating and migrating) the store at `path`, importing `legacy_json` once if given.

        `readonly` never writes: a missing file reads as an empty store (or as the legacy
        JSON, imported into memory), and the file on disk is opened read-only.
        """
        path = Path(path)
        fail = failer(path)
        if readonly and not path.exists():
            store = cls(path, connect(":memory:", fail), readonly=True)
            migrate(store._conn, MIGRATIONS, "an in-memory corpus")
            if legacy_json is not None and legacy_json.exists():
                store._import_legacy(legacy_json)
            return store
        if path.is_dir():
            raise fail("it is a directory")
        if not readonly:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(f"file:{path}?mode=ro" if readonly else str(path), fail, uri=readonly)
        try:
            # Reading the schema proves the file is a database. A full integrity check would
            # read all of it (1.6 s at 87k papers, on every start); a damaged page is reported
            # instead when a read reaches it (see `_guard`).
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise fail(f"its schema version {version} is newer than this PaperScout knows ({SCHEMA_VERSION})")
            if not readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                migrate(conn, MIGRATIONS, path)
            elif version < SCHEMA_VERSION:
                raise fail("it was written by an older PaperScout; run `paperscout ingest` or the bot once to migrate it")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise fail(str(exc)) from exc
        except CorpusError:
            conn.close()
            raise
        store = cls(path, conn, readonly=readonly)
        if legacy_json is not None and not readonly and legacy_json.exists():
            store._import_legacy(legacy_json)
        return store

    def _import_legacy(self, legacy: Path) -> None:
        """Import an old corpus.json once (the file is kept as a backup and never read again)."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM meta WHERE key = 'legacy_imported'").fetchone():
                return
            try:
                papers = read_legacy_corpus(legacy)
            except LegacyCorpusError as exc:
                raise CorpusError(
                    f"cannot import the old corpus file {legacy}: {exc}; move it away to start from the shipped pages"
                ) from None
            for paper in papers:
                if conn.execute("SELECT 1 FROM papers WHERE id = ?", (paper.id,)).fetchone() is None:
                    self._insert(conn, paper)
            conn.execute("INSERT INTO meta (key, value) VALUES ('legacy_imported', ?)", (utc_now(),))
            self._log(conn, f"import {legacy.name}", len(papers), 0, 0, 0)
            if papers:
                self._bump(conn)
        log.info("imported %d papers from %s (kept as a backup)", len(papers), legacy)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------------ plumbing

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite's report of a damaged file ("database disk image is malformed") into the one-line error."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            # Its subclasses (busy, constraint, ...) are not damage.
            if type(exc) is not sqlite3.DatabaseError:
                raise
            raise failer(self.path)(str(exc)) from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self.readonly and self.path.exists():
            raise CorpusError(f"the corpus store {self.path} was opened read-only")
        with self._guard(), immediate(self._conn, self._lock) as conn:
            yield conn

    def _read(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        with self._guard(), self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")

    @staticmethod
    def _log(conn: sqlite3.Connection, origin: str, added: int, updated: int, unchanged: int, removed: int) -> None:
        conn.execute(
            "INSERT INTO ingest_log (at, origin, added, updated, unchanged, removed) VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), origin or "unknown", added, updated, unchanged, removed),
        )

    def _listings(self, conn: sqlite3.Connection, paper_ids: list[str] | None) -> dict[str, list[Listing]]:
        if paper_ids is None:
            rows = conn.execute("SELECT paper_id, source, rank FROM listings ORDER BY paper_id, position").fetchall()
        else:
            marks = ",".join("?" * len(paper_ids))
            rows = conn.execute(
                f"SELECT paper_id, source, rank FROM listings WHERE paper_id IN ({marks}) ORDER BY paper_id, position",
                paper_ids,
            ).fetchall()
        out: dict[str, list[Listing]] = {}
        for paper_id, source, rank in rows:  # a few source names across every listing: one string each
            out.setdefault(paper_id, []).append(Listing(sys.intern(source), rank))
        return out

    def _papers_where(self, conn: sqlite3.Connection, clause: str, params: tuple) -> list[Paper]:
        rows = conn.execute(f"SELECT {COLUMNS} FROM papers {clause}", params).fetchall()
        listings = self._listings(conn, [r[0] for r in rows]) if rows else {}
        return [paper_from_row(r, tuple(listings.get(r[0], ()))) for r in rows]

    def _insert(self, conn: sqlite3.Connection, paper: Paper) -> None:
        conn.execute(
            f"INSERT INTO papers ({COLUMNS}, title_key, content_digest, changed_at_revision) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'revision'))",
            (*row_values(paper), normalize_title(paper.title), paper.content_digest),
        )
        self._put_listings(conn, paper)
        put_authors(conn, paper)

    def _update(self, conn: sqlite3.Connection, paper: Paper) -> None:
        names = [c.strip() for c in COLUMNS.split(",")][1:]
        conn.execute(
            f"UPDATE papers SET {', '.join(f'{n} = ?' for n in names)}, content_digest = ?, "
            "changed_at_revision = (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'revision') WHERE id = ?",
            (*row_values(paper)[1:], paper.content_digest, paper.id),
        )
        conn.execute("DELETE FROM listings WHERE paper_id = ?", (paper.id,))
        self._put_listings(conn, paper)
        put_authors(conn, paper)

    @staticmethod
    def _put_listings(conn: sqlite3.Connection, paper: Paper) -> None:
        for source in dict.fromkeys(listing.source for listing in paper.listings):
            conn.execute(
                "INSERT OR IGNORE INTO sources (name, label, first_seen) VALUES (?, ?, ?)",
                (source, source_label(source), utc_now()),
            )
        conn.executemany(
            "INSERT INTO listings (paper_id, position, source, rank) VALUES (?, ?, ?, ?)",
            [(paper.id, i, listing.source, listing.rank) for i, listing in enumerate(paper.listings)],
        )

    def _match(self, conn: sqlite3.Connection, cand: Candidate) -> Paper | None:
        """Return the stored paper a candidate is: same arXiv id, else same title and no conflicting arXiv id."""
        if cand.arxiv_id:
            found = self._papers_where(conn, "WHERE arxiv_id = ? ORDER BY seq LIMIT 1", (cand.arxiv_id,))
            if found:
                return found[0]
        for paper in self._papers_where(conn, "WHERE title_key = ? ORDER BY seq", (normalize_title(cand.title),)):
            # Two papers with one title but different arXiv ids are two papers (e.g. a workshop and a journal version).
            if not paper.arxiv_id or not cand.arxiv_id or paper.arxiv_id == cand.arxiv_id:
                return paper
        return None

    @staticmethod
    def _fresh_id(conn: sqlite3.Connection, title: str) -> str:
        base = paper_id_for(title)
        candidate, n = base, 1
        while conn.execute("SELECT 1 FROM papers WHERE id = ?", (candidate,)).fetchone():
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    # ------------------------------------------------------------------ reads

    def __len__(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM papers")[0][0])

    def __iter__(self) -> Iterator[Paper]:
        return iter(self.papers())

    def __contains__(self, paper_id: object) -> bool:
        return isinstance(paper_id, str) and self.get(paper_id) is not None

    def papers(self) -> list[Paper]:
        """Return every paper in insertion order."""
        with self._guard(), self._lock:
            listings = self._listings(self._conn, None)
            # Row by row, not fetchall: all rows at once beside their papers peaked 60% above what the papers hold.
            return [paper_from_row(r, tuple(listings.pop(r[0], ()))) for r in self._conn.execute(f"SELECT {COLUMNS} FROM papers ORDER BY seq")]

    def get(self, paper_id: str) -> Paper | None:
        """Return the paper with this id, if any."""
        with self._guard(), self._lock:
            found = self._papers_where(self._conn, "WHERE id = ?", (paper_id,))
        return found[0] if found else None

    def find(self, *, arxiv_id: str | None = None, title: str | None = None) -> Paper | None:
        """Return the stored paper with this arXiv id, else the first with this title."""
        with self._guard(), self._lock:
            if arxiv_id:
                found = self._papers_where(self._conn, "WHERE arxiv_id = ? ORDER BY seq LIMIT 1", (arxiv_id,))
                if found:
                    return found[0]
            if title:
                found = self._papers_where(self._conn, "WHERE title_key = ? ORDER BY seq LIMIT 1", (normalize_title(title),))
                if found:
                    return found[0]
        return None

    def revision(self) -> int:
        """Return the number of committed changes so far (a cheap "has anything changed?" check)."""
        return int(self._read("SELECT value FROM meta WHERE key = 'revision'")[0][0])

    def indexed(self) -> dict[str, str]:
        """Return paper id -> digest of the vectors recorded as fully stored for it."""
        return dict(self._read("SELECT paper_id, digest FROM indexed"))

    def stats(self) -> dict[str, Any]:
        """Return papers, papers per readable source name, the newest ingest and the revision."""
        by_source: Counter[str] = Counter()
        for label, count in self._read(
            "SELECT s.label, COUNT(DISTINCT l.paper_id) FROM listings l JOIN sources s ON s.name = l.source GROUP BY s.name"
        ):
            by_source[label] += int(count)
        newest = self._read("SELECT MAX(ingested_at) FROM papers")[0][0]
        return {
            "papers": len(self),
            "by_source": dict(sorted(by_source.items())),
            "newest_ingest": newest,
            "revision": self.revision(),
        }

    # ------------------------------------------------------------------ writes

    def add(self, candidates: Iterable[Candidate], now: str | None = None, *, origin: str = "") -> AddReport:
        """Match each candidate to a stored paper (updating it) or store it as new: one transaction."""
        now = now or utc_now()
        report = AddReport()
        with self._write() as conn:
            for cand in candidates:
                existing = self._match(conn, cand)
                if existing is None:
                    paper = new_paper(cand, self._fresh_id(conn, cand.title), now)
                    self._insert(conn, paper)
                    report.added.append(paper.id)
                    continue
                merged = merge(existing, cand)
                if merged == existing:
                    report.unchanged += 1
                    continue
                self._update(conn, merged)
                if existing.id not in report.added and existing.id not in report.updated:
                    report.updated.append(existing.id)
            self._log(conn, origin, len(report.added), len(report.updated), report.unchanged, 0)
            if report.changed:
                self._bump(conn)
        crash_point("store-committed")
        return report

    def remove(self, refs: Iterable[str], *, origin: str = "") -> RemoveReport:
        """Remove papers named by id, arXiv id or title; one transaction."""
        removed: list[str] = []
        missing: list[str] = []
        with self._write() as conn:
            for ref in refs:
                rows = conn.execute(
                    "SELECT id FROM papers WHERE id = ? OR arxiv_id = ? OR title_key = ? ORDER BY seq",
                    (ref.strip(), ref.strip(), normalize_title(ref)),
                ).fetchall()
                ids = [r[0] for r in rows if r[0] not in removed]
                if not rows:
                    missing.append(ref)
                for paper_id in ids:
                    conn.execute("DELETE FROM listings WHERE paper_id = ?", (paper_id,))
                    conn.execute("DELETE FROM indexed WHERE paper_id = ?", (paper_id,))
                    conn.execute("DELETE FROM papers WHERE id = ?", (paper_id,))
                    removed.append(paper_id)
            self._log(conn, origin, 0, 0, 0, len(removed))
            if removed:
                self._bump(conn)
        return RemoveReport(tuple(removed), tuple(missing))

    def record_indexed(self, digests: Mapping[str, str]) -> None:
        """Record that these papers' vectors are fully stored, made from these digests."""
        if not digests:
            return
        with self._write() as conn:
            # A paper removed meanwhile has no row to point at: skip it rather than fail the batch.
            conn.executemany(
                "INSERT INTO indexed (paper_id, digest) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM papers WHERE id = ?) "
                "ON CONFLICT (paper_id) DO UPDATE SET digest = excluded.digest",
                [(pid, digest, pid) for pid, digest in digests.items()],
            )

    def forget_indexed(self, paper_ids: Iterable[str] | None = None) -> None:
        """Forget the index records of these papers (all papers when None)."""
        with self._write() as conn:
            if paper_ids is None:
                conn.execute("DELETE FROM indexed")
            else:
                conn.executemany("DELETE FROM indexed WHERE paper_id = ?", [(pid,) for pid in paper_ids])
