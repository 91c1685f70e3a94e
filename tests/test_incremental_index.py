"""The index brought up to date by difference equals one built from scratch, on both halves.

Lexical: rows appended and dropped give the same BM25 scores, idf and phrase scores as a
fresh build over the same papers. Vectors: a start reads the cache file and touches Chroma
only for the difference; when the cache cannot be trusted, the full reconcile runs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from corpus.ingest import read_page, shipped_pages
from corpus.records import new_paper
from retrieval.index import open_index
from retrieval.lexical import build_lexical, update_lexical
from retrieval.postings import Postings, doc_key_counts
from retrieval.tokenize import tokenize
from retrieval.vector_lock import vector_lock
from retrieval.vector_cache import load_cache
from retrieval.vector_sync import sync_vectors
from retrieval.paper_rows import ListSource, PaperRows
from retrieval.vectors import ChromaVectors
from tests.test_retrieval_index import paths
from tests.test_vector_reconcile import HashEncoder, papers

QUERIES = [
    "implicit differentiation",
    "optimal transport sinkhorn faster",
    "diffusion model sampling",
    "graph neural network over-smoothing",
    "large language model reasoning benchmark",
    "zeroth-order optimization",
]


@pytest.fixture(scope="module")
def shipped():
    found = []
    for page in shipped_pages()[:6]:
        found += read_page(page)
    return [new_paper(c, f"p{i:04d}", "2026-01-01T00:00:00+00:00") for i, c in enumerate(found)]



def _keyed(papers):
    """Return (keys, fetch) of a list of papers, as update_lexical reads them from the store."""
    source = ListSource(papers)
    return source.keys(), source.fetch


def _same_ranking_data(got, want) -> None:
    assert got.row_ids == want.row_ids
    assert dict(got.terms.idf) == pytest.approx(dict(want.terms.idf), abs=1e-12)
    for query in QUERIES:
        terms = tokenize(query)
        np.testing.assert_allclose(got.terms.scores(terms), want.terms.scores(terms), atol=1e-9)
        np.testing.assert_allclose(got.phrases.scores(terms), want.phrases.scores(terms), atol=1e-9)


def test_postings_append_and_drop_match_a_fresh_build():
    rng = np.random.default_rng(7)
    docs = [rng.integers(0, 40, size=rng.integers(1, 30)) for _ in range(60)]
    whole = Postings.empty().appended(*doc_key_counts(docs, 0))
    stepwise = Postings.empty()
    for start in range(0, 60, 7):
        stepwise = stepwise.appended(*doc_key_counts(docs[start:start + 7], start))
    for field in ("keys", "starts", "docs", "tfs"):
        np.testing.assert_array_equal(getattr(stepwise, field), getattr(whole, field))

    dropped = rng.random(60) < 0.3
    kept = [d for d, gone in zip(docs, dropped) if not gone]
    rebuilt = Postings.empty().appended(*doc_key_counts(kept, 0))
    pruned = whole.without(dropped)
    for field in ("keys", "starts", "docs", "tfs"):
        np.testing.assert_array_equal(getattr(pruned, field), getattr(rebuilt, field))


def test_lexical_updates_equal_a_fresh_build(shipped):
    old, new = shipped[:150], shipped[150:190]
    index = update_lexical(None, *_keyed(old), 2).index
    # 40 papers arrive, 10 leave, one is edited (it moves to the end).
    edited = dataclasses.replace(old[3], clean_abstract=old[3].clean_abstract + " We also study Sinkhorn scaling.")
    now = [p for i, p in enumerate(old) if i % 15 != 14 and i != 3] + [edited] + new
    update = update_lexical(index, *_keyed(now), 2)
    assert (update.added, update.dropped) == (41, 11)
    # Kept rows keep their order and the rest follow in the given order: here that is `now`'s.
    fresh = build_lexical(now, 2)
    _same_ranking_data(update.index, fresh)
    # Nothing changed: nothing to do.
    again = update_lexical(update.index, *_keyed(now), 2)
    assert not again.changed and again.index is update.index


def test_a_restart_reads_the_cache_not_the_store(tmp_path, monkeypatch):
    encoder = HashEncoder()
    where = paths(tmp_path)
    first = open_index(papers(40), where, encoder).retriever
    assert where.vector_cache.exists()

    def no_full_reads(*args, **kwargs):
        raise AssertionError("the whole store was read")

    monkeypatch.setattr(ChromaVectors, "reconcile", no_full_reads)
    monkeypatch.setattr(ChromaVectors, "stored", no_full_reads)
    encoder.texts = 0
    again = open_index(papers(40), where, encoder)
    assert encoder.texts == 0 and again.report.embedded == ()
    np.testing.assert_array_equal(again.retriever.vectors.doc, first.vectors.doc)
    np.testing.assert_array_equal(again.retriever.vectors.windows, first.vectors.windows)

    # 5 arrive, 3 leave: only the 5 are embedded, the 3 leave the store too.
    now = papers(37) + papers(5, start=100)
    changed = open_index(now, where, encoder)
    assert set(changed.report.embedded) == {p.id for p in papers(5, start=100)}
    assert set(changed.report.removed) == {p.id for p in papers(3, start=37)}
    assert encoder.texts == 5 * 3
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder) as store:
        assert store.count() == 42 * 3
    monkeypatch.undo()
    # The same matrix as a full reconcile over a store without a cache gives.
    full = open_index(now, paths(tmp_path / "fresh"), HashEncoder()).retriever
    order = {p.id: i for i, p in enumerate(full.papers)}
    rows = [order[p.id] for p in changed.retriever.papers]
    np.testing.assert_allclose(changed.retriever.vectors.doc, full.vectors.doc[rows], atol=1e-6)


def test_a_store_changed_behind_the_cache_is_reconciled_in_full(tmp_path):
    encoder = HashEncoder()
    where = paths(tmp_path)
    corpus = papers(12)
    open_index(corpus, where, encoder)
    # Another writer (or a crash) deleted records without updating the cache.
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder) as store:
        store.delete([f"{corpus[4].id}#doc"])
    encoder.texts = 0
    opened = open_index(corpus, where, encoder)
    assert opened.report.embedded == (corpus[4].id,) and opened.report.repaired == (corpus[4].id,)
    assert encoder.texts == 3


def test_a_damaged_cache_is_only_a_slower_start(tmp_path):
    encoder = HashEncoder()
    where = paths(tmp_path)
    first = open_index(papers(8), where, encoder).retriever
    where.vector_cache.write_bytes(b"not a cache at all")
    encoder.texts = 0
    again = open_index(papers(8), where, encoder).retriever
    assert encoder.texts == 0
    np.testing.assert_allclose(again.vectors.doc, first.vectors.doc, atol=1e-6)
    assert load_cache(where.vector_cache, '{"model": "hash-encoder-for-tests", "text_version": "x"}') is None


def test_without_windows_each_paper_has_one_vector(tmp_path):
    encoder = HashEncoder()
    where = dataclasses.replace(paths(tmp_path), with_windows=False)
    retriever = open_index(papers(6), where, encoder).retriever
    assert encoder.texts == 6 and retriever.vectors.windows.shape[0] == 0
    assert retriever.search("Paper 3 topic 3", k=3).hits


def test_an_untouched_store_is_not_even_opened_and_a_touched_one_is_checked(tmp_path, monkeypatch):
    from retrieval import vectors as vectors_module

    encoder = HashEncoder()
    where = paths(tmp_path)
    first = open_index(papers(10), where, encoder).retriever
    real_client = vectors_module.chroma_client
    opened = []
    monkeypatch.setattr(vectors_module, "chroma_client", lambda *a, **k: opened.append(1) or real_client(*a, **k))
    again = open_index(papers(10), where, encoder).retriever
    assert opened == [] and encoder.texts == 30
    np.testing.assert_array_equal(again.vectors.doc, first.vectors.doc)

    # Another process opened the store (its files changed): the record count is checked, nothing re-embedded.
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder) as store:
        store.count()
    checked = open_index(papers(10), where, encoder)
    assert opened == [1, 1] and checked.report.embedded == () and encoder.texts == 30
    # ... and the check file now matches again.
    open_index(papers(10), where, encoder)
    assert opened == [1, 1]


def test_a_successor_built_beside_the_served_index_shares_what_did_not_change(tmp_path):
    encoder = HashEncoder()
    where = paths(tmp_path)
    served = open_index(papers(12), where, encoder).retriever
    same = open_index(papers(12), where, encoder, previous=served).retriever
    assert same.lexical is served.lexical

    grown = open_index(papers(12) + papers(3, start=50), where, encoder, previous=served).retriever
    assert [p.id for p in grown.papers] == [p.id for p in papers(12) + papers(3, start=50)]
    fresh = open_index(papers(12) + papers(3, start=50), paths(tmp_path / "fresh"), HashEncoder()).retriever
    for query in ("Paper 51 topic 51", "topic 3"):
        assert [h.paper.id for h in grown.search(query, 5).hits] == [h.paper.id for h in fresh.search(query, 5).hits]


def test_the_cache_carries_the_sign_codes_of_its_rows_in_any_order(tmp_path):
    from retrieval.prefilter import SignCodes

    encoder = HashEncoder()
    where = paths(tmp_path)
    open_index(papers(30), where, encoder)
    # A start mapped from the cache: the codes come with it, row for row.
    again = open_index(papers(30), where, encoder).retriever
    assert again.vectors.codes is not None
    np.testing.assert_array_equal(again.vectors.codes, SignCodes.of(again.vectors.doc).words)
    # The same papers in another order: the codes follow their rows.
    shuffled = list(reversed(papers(30)))
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder) as store:
        rows = PaperRows.of(shuffled)
        _, matrix = sync_vectors(store, rows, [p.content_digest for p in shuffled], where.vector_cache, where.vector_check)
    np.testing.assert_array_equal(matrix.doc, again.vectors.doc[::-1])
    np.testing.assert_array_equal(matrix.codes, SignCodes.of(matrix.doc).words)


def test_the_index_files_are_written_aligned_so_every_array_maps_in_place(tmp_path):
    from retrieval.npz_mmap import mapped_npz

    where = paths(tmp_path)
    open_index(papers(30), where, HashEncoder())
    for path in (where.vector_cache, where.bm25):
        for name, array in mapped_npz(path).items():
            # A view of the file (nothing read into memory), on a 64-byte boundary for BLAS.
            assert not array.flags.owndata and array.ctypes.data % 64 == 0, (path.name, name)


def test_a_full_build_merged_once_equals_appending_batch_by_batch(shipped, monkeypatch):
    from retrieval import lexical

    monkeypatch.setattr(lexical, "BUILD_BATCH", 7)  # several batches, one of them short
    built = build_lexical(shipped, 2)
    appended = lexical.LexicalIndex.empty()
    for start in range(0, len(shipped), 7):
        appended = appended.appended(shipped[start:start + 7], 2)
    assert built.row_ids == appended.row_ids and built.row_digests == appended.row_digests
    assert built.terms.vocab.terms == appended.terms.vocab.terms
    for got, want in ((built.terms.scorer, appended.terms.scorer), (built.phrases.scorer, appended.phrases.scorer)):
        for name in ("keys", "starts", "docs", "tfs"):
            a, b = getattr(got.postings, name), getattr(want.postings, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        np.testing.assert_array_equal(got.doc_len, want.doc_len)
    _same_ranking_data(built, appended)
