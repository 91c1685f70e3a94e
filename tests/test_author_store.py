"""The corpus store's author index: written with each paper, backfilled by its migration, read by name and prefix.

The author rows are written inside the paper's own transaction (corpus/sqlite_authors.py), so
what `kill -9` does to them is what it does to the papers: a committed batch keeps both, an
interrupted one leaves neither. The test below kills a real process inside the transaction.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from corpus.author_index import AuthorIndex
from corpus.ingest import open_corpus
from corpus.records import Candidate
from corpus.sqlite_schema import MIGRATIONS
from corpus.sqlite_store import SqliteCorpusStore

ROOT = Path(__file__).resolve().parent.parent


def candidate(n: int, authors: tuple[str, ...], published: str | None = None, arxiv: str | None = None) -> Candidate:
    return Candidate(f"A study of topic {n}", f"We study topic {n} at length.", "test", n + 1, arxiv_id=arxiv,
                     authors=authors, published=published)


BATCH = [
    candidate(0, ("Marco Cuturi", "Gabriel Peyré"), "2019-03-01", "1903.00001"),
    candidate(1, ("Cuturi, M.", "Jean Feydy"), "2024-06-01", "2406.00001"),
    candidate(2, ("M. Cuturi",), None, "2100.00001"),
    candidate(3, ("Mathieu Blondel", "Marco Cuturi"), "2021-01-15", "2101.00001"),
    candidate(4, ("Marie Cuturi",), "2022-01-01", "2201.00001"),  # another M. Cuturi: the known false match of an initial
    candidate(5, ("Gabriel Peyre", "@everyone **x**", "  ", ""), "2020-02-02", "2002.00001"),
]


@pytest.fixture
def store(tmp_path: Path):
    opened = open_corpus(tmp_path / "corpus.sqlite3", seed=False)
    opened.add(BATCH, origin="test")
    yield opened
    opened.close()


def titles(papers) -> list[str]:
    return [p.title for p in papers]


def test_papers_by_author_newest_first_undated_last(store: SqliteCorpusStore) -> None:
    assert titles(store.papers_by_author("Marco Cuturi")) == [
        "A study of topic 1", "A study of topic 3", "A study of topic 0", "A study of topic 2",
    ]
    # An initial meets every given name of that initial: Marie too.
    assert len(store.papers_by_author("M. Cuturi")) == 5
    assert len(store.papers_by_author("cuturi")) == 5  # a surname alone
    assert titles(store.papers_by_author("Peyré, Gabriel")) == ["A study of topic 5", "A study of topic 0"]
    assert store.papers_by_author("Nobody Known") == [] and store.papers_by_author(" ,. ") == []


def test_names_by_prefix_most_papers_first(store: SqliteCorpusStore) -> None:
    assert store.author_names("cut") == [("Marco Cuturi", 2), ("Cuturi, M.", 1), ("M. Cuturi", 1), ("Marie Cuturi", 1)]
    assert store.author_names("Mar") == [("Marco Cuturi", 2), ("Marie Cuturi", 1)]
    assert store.author_names("peyre") == [("Gabriel Peyre", 1), ("Gabriel Peyré", 1)]
    assert store.author_names("gabriel p") == [("Gabriel Peyre", 1), ("Gabriel Peyré", 1)]
    assert len(store.author_names("", limit=3)) == 3
    assert store.author_names("zzz") == []


def test_the_in_memory_index_answers_as_the_store_does(store: SqliteCorpusStore) -> None:
    """corpus/author_index.py (what the bot serves) against the store's SQL, the reference."""
    index = AuthorIndex(store.papers())
    for typed in ("Marco Cuturi", "M. Cuturi", "cuturi", "Gabriel Peyre", "Jean Feydy", "nobody", "everyone"):
        assert [p.id for p in index.papers_by(typed)[1]] == [p.id for p in store.papers_by_author(typed)], typed
    for typed in ("", "c", "cut", "mar", "gab", "peyr", "m", "@", "zz"):
        assert index.names(typed) == store.author_names(typed), typed


def test_a_merge_that_changes_the_authors_replaces_their_rows(store: SqliteCorpusStore, tmp_path: Path) -> None:
    report = store.add([candidate(2, ("Marco Cuturi", "Jean Feydy"), None, "2100.00001")])
    assert report.updated and not report.added
    assert "A study of topic 2" in titles(store.papers_by_author("Jean Feydy"))
    assert ("M. Cuturi", 1) not in store.author_names("cuturi")  # it was written only on that paper
    store.close()
    reopened = SqliteCorpusStore.open(tmp_path / "corpus.sqlite3")
    try:
        assert titles(reopened.papers_by_author("Jean Feydy")) == ["A study of topic 1", "A study of topic 2"]
        assert ("M. Cuturi", 1) not in reopened.author_names("cuturi")
    finally:
        reopened.close()


def test_removing_a_paper_removes_its_authors(store: SqliteCorpusStore) -> None:
    store.remove(["1406.00001", "2406.00001"])
    assert "A study of topic 1" not in titles(store.papers_by_author("Marco Cuturi"))
    assert store.papers_by_author("Jean Feydy") == [] and store.author_names("feydy") == []


def test_the_migration_backfills_papers_stored_before_it(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite3"
    store = open_corpus(path, seed=False)
    store.add(BATCH)
    store.close()
    # The file as the previous schema left it: papers with their authors, no author table.
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE paper_authors")
    conn.execute("DROP INDEX papers_keys")  # a later migration's
    conn.execute(f"PRAGMA user_version = {next(i for i, m in enumerate(MIGRATIONS) if 'paper_authors' in m[0])}")
    conn.commit()
    conn.close()
    with pytest.raises(Exception, match="older PaperScout"):
        SqliteCorpusStore.open(path, readonly=True)
    migrated = SqliteCorpusStore.open(path)
    try:
        fresh = open_corpus(tmp_path / "fresh.sqlite3", seed=False)
        fresh.add(BATCH)
        assert migrated.author_names("") == fresh.author_names("")
        assert titles(migrated.papers_by_author("Marco Cuturi")) == titles(fresh.papers_by_author("Marco Cuturi"))
        rows = migrated._read("SELECT paper_id, position, name FROM paper_authors ORDER BY paper_id, position")
        assert rows == fresh._read("SELECT paper_id, position, name FROM paper_authors ORDER BY paper_id, position")
        fresh.close()
    finally:
        migrated.close()


def test_a_process_killed_inside_the_transaction_leaves_neither_papers_nor_author_rows(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite3"
    store = open_corpus(path, seed=False)
    store.add(BATCH[:2])
    store.close()
    script = textwrap.dedent(f"""
        import os, signal
        from corpus.records import Candidate
        from corpus.sqlite_store import SqliteCorpusStore
        store = SqliteCorpusStore.open({str(path)!r})
        def batch():
            yield Candidate("A paper the crash loses", "Lost.", "test", 1, authors=("Lost Author",))
            os.kill(os.getpid(), signal.SIGKILL)  # mid-transaction: the paper and its author rows are written
            yield Candidate("Never reached", "Never.", "test", 2)
        store.add(batch())
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr
    reopened = SqliteCorpusStore.open(path)
    try:
        assert reopened.papers_by_author("Lost Author") == [] and reopened.author_names("lost") == []
        assert len(reopened.papers_by_author("Marco Cuturi")) == 2  # the committed batch is whole
    finally:
        reopened.close()
