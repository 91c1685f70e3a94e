"""An index over the corpus store reads only what it needs: ids and digests at start, papers when shown."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import Counter

import pytest

from corpus.records import Candidate
from corpus.sqlite_store import SqliteCorpusStore
from retrieval import paper_rows
from retrieval.filters import SearchFilters, has_code
from retrieval.index import open_index
from retrieval.paper_rows import REMOVED_TITLE, ListSource, PaperRows
from tests.test_retrieval_index import paths
from tests.test_vector_reconcile import FIVE_SENTENCES, HashEncoder


def candidates(count: int, start: int = 0) -> list[Candidate]:
    return [
        Candidate(
            f"Paper {n} on topic {n}", FIVE_SENTENCES.format(n=n), "test", n + 1, arxiv_id=f"2401.{n:05d}",
            published=f"2024-0{1 + n % 9}-15" if n % 4 else None, github_repo="https://github.com/a/b" if n % 3 == 0 else None,
        )
        for n in range(start, start + count)
    ]


class CountingSource:
    """The store, with each fetch's ids written down (a hand-written spy over the real store)."""

    def __init__(self, store: SqliteCorpusStore) -> None:
        self.store = store
        self.fetched: list[str] = []

    def keys(self):
        return self.store.keys()

    def fetch(self, ids):
        self.fetched += list(ids)
        return self.store.fetch(ids)

    def facts(self):
        return self.store.facts()

    def titles(self):
        return self.store.titles()

    def find(self, **kwargs):
        return self.store.find(**kwargs)

    def authors(self):
        return self.store.authors()


@pytest.fixture
def store(tmp_path):
    opened = SqliteCorpusStore.open(tmp_path / "corpus.sqlite3")
    opened.add(candidates(30), origin="test")
    yield opened
    opened.close()


def test_the_store_lists_ids_and_digests_from_its_covering_index_in_store_order(store):
    papers = store.papers()
    assert list(store.keys().items()) == [(p.id, p.content_digest) for p in papers]
    # Served from the index of (id, content_digest), not by reading the table of abstracts.
    conn = sqlite3.connect(store.path)
    plan = " ".join(row[3] for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT id, content_digest FROM papers INDEXED BY papers_keys ORDER BY seq"))
    conn.close()
    assert "COVERING INDEX papers_keys" in plan


def test_fetch_facts_and_titles_agree_with_the_papers(store):
    papers = store.papers()
    wanted = [papers[7].id, "nope", papers[2].id, papers[29].id]
    # Store order, unknown ids left out; far more ids than one statement binds.
    assert store.fetch(wanted) == [papers[2], papers[7], papers[29]]
    assert store.fetch([p.id for p in reversed(papers)] * 40) == papers
    assert store.facts() == {p.id: (p.published, has_code(p)) for p in papers}
    assert list(store.titles().items()) == [(p.id, p.title) for p in papers]
    # The list-backed source answers the same.
    listed = ListSource(papers)
    assert listed.keys() == store.keys() and listed.facts() == store.facts() and listed.titles() == store.titles()
    assert listed.fetch(wanted) == store.fetch(wanted)


def test_a_link_of_kind_code_counts_as_code_in_the_stores_facts(tmp_path):
    from corpus.paper import Link
    from corpus.sqlite_reads import code_linked

    assert code_linked(None, '[{"url": "https://x.org/c", "kind": "code", "label": "Code"}]')
    assert not code_linked(None, '[{"url": "https://x.org/code", "kind": "project", "label": "\\"code\\""}]')
    assert not code_linked(None, "[]") and code_linked("https://github.com/a/b", "[]")
    assert has_code(_with_links(Link("https://x.org/c", "code", "Code")))


def _with_links(*links):
    from corpus.paper import Paper

    return Paper(id="x", title="t", abstract="", clean_title="t", clean_abstract="", ingested_at="", links=links)


def test_rows_read_papers_when_asked_keep_a_few_and_show_removed_ones_as_removed(store, monkeypatch):
    monkeypatch.setattr(paper_rows, "KEPT", 5)
    source = CountingSource(store)
    papers = store.papers()
    rows = PaperRows(source, [p.id for p in papers])
    assert len(rows) == 30 and source.fetched == []
    assert rows[3] == papers[3] and rows[3] == papers[3]
    assert source.fetched == [papers[3].id]  # the second read was kept
    assert rows[10:14] == papers[10:14]
    assert list(rows) == papers and rows.papers([papers[1].id, papers[0].id]) == [papers[1], papers[0]]
    assert len(rows._kept) <= 5
    store.remove([papers[4].id], origin="test")
    gone = rows[4]
    assert gone.id == papers[4].id and gone.title == REMOVED_TITLE and gone.abstract == ""


def test_an_index_over_the_store_reads_only_new_and_edited_papers_at_a_restart(store, tmp_path):
    encoder = HashEncoder()
    where = paths(tmp_path)
    built_source = CountingSource(store)
    first = open_index(built_source, where, encoder).retriever
    # Built from nothing: every paper read twice, once for BM25 and once for the vectors (their
    # digests come from the reconcile that embeds them, not from a read of their own).
    assert set(first.papers.ids) == set(store.keys())
    assert Counter(built_source.fetched) == {pid: 2 for pid in store.keys()}
    again_source = CountingSource(store)
    again = open_index(again_source, where, encoder).retriever
    assert again_source.fetched == []  # nothing changed: no paper read at all
    assert [h.paper.id for h in again.search("Paper 7 topic 7", 3).hits] == [h.paper.id for h in first.search("Paper 7 topic 7", 3).hits]

    added = store.add(candidates(2, start=100), origin="test").added
    grown_source = CountingSource(store)
    grown = open_index(grown_source, where, encoder).retriever
    assert set(grown_source.fetched) == set(added)
    assert grown.search("Paper 101 on topic 101", 1).hits[0].paper.id == added[1]


def test_a_retriever_over_the_store_answers_as_one_over_the_same_papers_in_memory(store, tmp_path):
    encoder = HashEncoder()
    stored = open_index(store, paths(tmp_path / "a"), encoder).retriever
    listed = open_index(store.papers(), paths(tmp_path / "b"), encoder).retriever
    assert stored.papers.ids == listed.papers.ids
    for query in ("topic 12", "Paper 3", "five sentences"):
        for filters in (None, SearchFilters(has_code=True), SearchFilters(since=__import__("datetime").date(2024, 5, 1))):
            got, want = stored.search(query, 5, filters), listed.search(query, 5, filters)
            assert [h.paper for h in got.hits] == [h.paper for h in want.hits] and got.matching == want.matching
    paper = store.papers()[5]
    assert stored.find_arxiv(paper.arxiv_id) == paper == stored.find_title(paper.title.upper())
    assert stored.find_title("no such title") is None and stored.find_arxiv("2499.99999") is None
    assert [p.id for p in stored.complete_titles("paper 1", 4)] == [p.id for p in listed.complete_titles("paper 1", 4)]


def test_an_author_index_over_the_store_reads_authors_not_papers_and_finds_what_a_list_does(tmp_path) -> None:
    from corpus import sqlite_reads
    from corpus.author_index import AuthorIndex

    store = SqliteCorpusStore.open(tmp_path / "corpus.sqlite3")
    writers = ["Marco Cuturi", "Ada Lovelace", "Alan Turing"]
    store.add([dataclasses.replace(c, authors=(writers[n % 3], f"Person {n}")) for n, c in enumerate(candidates(40))], origin="test")
    source = CountingSource(store)
    listed = store.papers()
    rows = PaperRows(source, [p.id for p in reversed(listed)])  # rows in another order than the store's
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite_reads, "_AUTHOR_PAGE", 7)  # pages end mid-way, as at a million papers
        over_store = AuthorIndex(rows)
    assert source.fetched == []  # no whole paper was read to build it
    over_list = AuthorIndex(list(reversed(listed)))
    for name in ("Cuturi", "Marco Cuturi", "Lovelace", "Person 3", "Nobody"):
        assert over_store.rows(name) == over_list.rows(name)
        assert over_store.names(name) == over_list.names(name)
    assert len(over_store.rows("Turing")) == 13 and over_store.papers_by("Cuturi")[0] == "Marco Cuturi"
    store.close()
