"""Vectors persisted in Chroma: embedded once, incrementally, and re-embedded when they must be."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from corpus.ingest import read_page, shipped_pages
from corpus.records import new_paper
from retrieval.index import IndexPaths, open_retriever
from retrieval.vectors import VectorStoreError, texts_of


class CountingEncoder:
    """Wraps the real encoder and counts the texts it is asked to embed."""

    def __init__(self, inner, name: str | None = None) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.texts = 0

    def encode(self, texts):
        self.texts += len(texts)
        return self.inner.encode(texts)



def _keyed(papers):
    """Return (keys, fetch) of a list of papers, as open_lexical reads them from the store."""
    from retrieval.paper_rows import ListSource

    source = ListSource(papers)
    return source.keys(), source.fetch

def paths(root) -> IndexPaths:
    """Return an index layout under `root` (the bot names its files in bot/datadir.py)."""
    return IndexPaths(
        bm25=root / "bm25.npz", vectors=root / "vectors", vectors_lock=root / "vectors.lock",
        vector_cache=root / "vectors.npz", vector_check=root / "vectors.check.json",
    )


@pytest.fixture(autouse=True)
def no_shipped_vectors(monkeypatch):
    """These papers are shipped with their vectors: set those aside, so what is counted here is the model's work."""
    monkeypatch.setattr("retrieval.vectors.shipped_vectors", lambda signature, todo: {})


@pytest.fixture(scope="module")
def small_papers():
    page = shipped_pages()[0]
    return [new_paper(c, f"p{i:03d}", "2026-01-01T00:00:00+00:00") for i, c in enumerate(read_page(page)[:8])]


def test_restart_embeds_nothing(tmp_path, encoder, small_papers):
    first = CountingEncoder(encoder)
    open_retriever(small_papers, paths(tmp_path / "v"), first)
    assert first.texts >= len(small_papers)  # one text per paper plus its windows

    second = CountingEncoder(encoder)
    retriever = open_retriever(small_papers, paths(tmp_path / "v"), second)
    assert second.texts == 0
    # And the reopened vectors are the ones computed the first time.
    assert retriever.vectors.doc.shape == (len(small_papers), 384)
    norms = np.linalg.norm(retriever.vectors.doc, axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-3)


def test_new_and_changed_papers_embed_only_themselves(tmp_path, encoder, small_papers):
    counting = CountingEncoder(encoder)
    open_retriever(small_papers[:6], paths(tmp_path / "v"), counting)
    counting.texts = 0
    open_retriever(small_papers[:7], paths(tmp_path / "v"), counting)
    assert counting.texts == len(texts_of(small_papers[6]))

    counting.texts = 0
    changed = dataclasses.replace(small_papers[0], clean_abstract=small_papers[0].clean_abstract + " A new final sentence.")
    open_retriever([changed, *small_papers[1:7]], paths(tmp_path / "v"), counting)
    assert counting.texts == len(texts_of(changed))


def test_changed_model_name_re_embeds_everything(tmp_path, encoder, small_papers):
    open_retriever(small_papers, paths(tmp_path / "v"), CountingEncoder(encoder))
    renamed = CountingEncoder(encoder, name="another-model")
    open_retriever(small_papers, paths(tmp_path / "v"), renamed)
    assert renamed.texts == sum(len(texts_of(p)) for p in small_papers)


def test_removed_papers_leave_the_index(tmp_path, encoder, small_papers):
    open_retriever(small_papers, paths(tmp_path / "v"), CountingEncoder(encoder))
    retriever = open_retriever(small_papers[:3], paths(tmp_path / "v"), CountingEncoder(encoder))
    assert len(retriever) == 3
    assert retriever.vectors.doc.shape[0] == 3 and retriever.vectors.window_start.size == 4


def test_corrupt_vector_store_is_a_clear_error(tmp_path, encoder, small_papers):
    store = tmp_path / "v"
    (store / "vectors").mkdir(parents=True)
    (store / "vectors" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(VectorStoreError, match="vectors.*paperscout reindex"):
        open_retriever(small_papers, paths(store), CountingEncoder(encoder))


def test_bm25_is_persisted_and_brought_up_to_date_by_difference(tmp_path, small_papers, monkeypatch):
    from retrieval import index as index_module
    from retrieval import lexical
    from retrieval.tokenize import tokenize

    built = []
    real_build = lexical.build_lexical
    monkeypatch.setattr(lexical, "build_lexical", lambda *a: built.append(1) or real_build(*a))
    tokenized = []
    real_tokenize = lexical.tokenize
    monkeypatch.setattr(lexical, "tokenize", lambda text: tokenized.append(text) or real_tokenize(text))

    first = index_module.open_lexical(*_keyed(small_papers), tmp_path / "bm25.npz", 2)
    second = index_module.open_lexical(*_keyed(small_papers), tmp_path / "bm25.npz", 2)
    assert len(built) == 1 and len(tokenized) == len(small_papers)  # the second open loaded the file
    query = tokenize("implicit differentiation of optimization problems")
    np.testing.assert_array_equal(first.terms.scores(query), second.terms.scores(query))
    np.testing.assert_array_equal(first.phrases.scores(query), second.phrases.scores(query))
    assert second.terms.idf == first.terms.idf

    # One paper edited: only it is tokenized again, and it moves to the last row.
    tokenized.clear()
    changed = [dataclasses.replace(small_papers[0], clean_title="A different title"), *small_papers[1:]]
    third = index_module.open_lexical(*_keyed(changed), tmp_path / "bm25.npz", 2)
    assert len(built) == 1 and len(tokenized) == 1
    assert third.row_ids == tuple(p.id for p in small_papers[1:]) + (small_papers[0].id,)


def test_damaged_bm25_file_is_rebuilt_not_fatal(tmp_path, small_papers):
    from retrieval.index import open_lexical

    open_lexical(*_keyed(small_papers), tmp_path / "bm25.npz", 2)
    (tmp_path / "bm25.npz").write_bytes(b"garbage")
    index = open_lexical(*_keyed(small_papers), tmp_path / "bm25.npz", 2)
    assert index.terms.n_docs == len(small_papers)
    assert (tmp_path / "bm25.npz").stat().st_size > 100  # written again
