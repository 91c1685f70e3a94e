"""Reconciling the vectors with the papers: missing, partial, stale and gone papers; paged reads at any size."""

from __future__ import annotations

import dataclasses
import hashlib
import threading

import numpy as np
import pytest

from corpus.records import Candidate, new_paper
from retrieval.index import open_index
from retrieval.paper_rows import PaperRows
from retrieval.vector_lock import VectorLockBusy, vector_lock
from retrieval.vectors import ChromaVectors, record_ids, texts_of, vector_digest
from tests.test_retrieval_index import paths

FIVE_SENTENCES = " ".join(f"Sentence {i} of the abstract about topic {{n}} says something new." for i in range(5))


class HashEncoder:
    """A hand-written fake of our Encoder: deterministic unit vectors from a hash of each text (fast)."""

    name = "hash-encoder-for-tests"

    def __init__(self) -> None:
        self.texts = 0

    def encode(self, texts):
        self.texts += len(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "little")
            vector = np.random.default_rng(seed).normal(size=384).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


def papers(count: int, start: int = 0) -> list:
    return [
        new_paper(Candidate(f"Paper {n}", FIVE_SENTENCES.format(n=n), "test", n + 1), f"p{n:06d}", "2026-01-01T00:00:00+00:00")
        for n in range(start, start + count)
    ]


def test_every_paper_has_windows_here():
    assert all(len(texts_of(p)) == 3 for p in papers(3))


def test_missing_partial_stale_and_gone_papers_are_each_handled(tmp_path):
    encoder = HashEncoder()
    corpus = papers(10)
    where = paths(tmp_path)
    first = open_index(corpus, where, encoder).report
    assert len(first.embedded) == 10 and encoder.texts == 30
    # Damage: paper 1 loses a window vector (as a crash between writes would leave it),
    # paper 2's text changes, paper 9 leaves the corpus, paper 10 arrives.
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder) as store:
        store._collection.delete(ids=[record_ids(corpus[1].id, 3)[2]])
    changed = dataclasses.replace(corpus[2], clean_abstract=corpus[2].clean_abstract + " A new sentence here.")
    now = [corpus[0], corpus[1], changed, *corpus[3:9], *papers(1, start=10)]
    encoder.texts = 0
    opened = open_index(now, where, encoder)
    report = opened.report
    assert sorted(report.repaired) == [corpus[1].id, corpus[2].id]
    assert sorted(report.embedded) == [corpus[1].id, corpus[2].id, "p000010"]
    assert report.removed == (corpus[9].id,)
    assert encoder.texts == sum(len(texts_of(p)) for p in (corpus[1], changed, now[-1]))
    assert set(report.complete) == {p.id for p in now}
    assert opened.retriever.vectors.windows.shape == (sum(len(texts_of(p)) - 1 for p in now), 384)
    # And a reopen has nothing left to do.
    again = open_index(now, where, encoder).report
    assert again.embedded == () and again.removed == ()


def _write_directly(where, corpus, encoder) -> None:
    """Store every paper's vectors in a few large writes (the reconcile writes small chunks, slowly here)."""
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder) as store:
        rows = [(p.id, i, text, vector_digest(texts_of(p))) for p in corpus for i, text in enumerate(texts_of(p))]
        for start in range(0, len(rows), 5000):
            batch = rows[start:start + 5000]
            store._collection.upsert(
                ids=[f"{pid}#{'doc' if i == 0 else f'w{i}'}" for pid, i, _, _ in batch],
                embeddings=encoder.encode([text for _, _, text, _ in batch]),
                metadatas=[{"paper_id": pid, "kind": "doc" if i == 0 else "window", "digest": d} for pid, i, _, d in batch],
            )


def test_an_index_of_more_than_40000_vector_records_opens(tmp_path):
    encoder = HashEncoder()
    corpus = papers(14_000)
    where = paths(tmp_path)
    _write_directly(where, corpus, encoder)
    encoder.texts = 0
    opened = open_index(corpus, where, encoder)
    assert len(corpus) * 3 > 40_000
    assert opened.report.embedded == () and encoder.texts == 0
    assert opened.retriever.vectors.doc.shape == (14_000, 384)
    assert opened.retriever.vectors.windows.shape == (28_000, 384)
    expected = HashEncoder().encode([texts_of(corpus[-1])[0]])[0]
    # The index serves what its cache file keeps: float16, within half a unit in the last place.
    np.testing.assert_allclose(opened.retriever.vectors.doc[-1].astype(np.float32), expected, rtol=2**-11, atol=1e-7)


def test_chunks_written_before_a_failure_are_kept_and_not_redone(tmp_path):
    class FailsOnThirdChunk(HashEncoder):
        def encode(self, texts):
            self.calls = getattr(self, "calls", 0) + 1
            if self.calls == 3:
                raise RuntimeError("power cut")
            return super().encode(texts)

    corpus, where, seen = papers(100), paths(tmp_path), []
    with pytest.raises(RuntimeError):
        open_index(corpus, where, FailsOnThirdChunk(), on_indexed=seen.append)
    assert [len(chunk) for chunk in seen] == [32, 32]
    encoder = HashEncoder()
    report = open_index(corpus, where, encoder).report
    assert len(report.embedded) == 100 - 64 and encoder.texts == 3 * 36


def test_the_vector_lock_excludes_a_second_holder(tmp_path):
    lock = tmp_path / "vectors.lock"
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        # flock is per open file description: a second open in this process contends like another process.
        with vector_lock(lock):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    with pytest.raises(VectorLockBusy):
        with vector_lock(lock, wait=0):
            pass
    release.set()
    holder.join()
    with vector_lock(lock, wait=1):
        pass


def test_a_new_collection_builds_chromas_graph_cheaply_and_reads_back_exactly(tmp_path):
    # Chroma's HNSW graph is never searched here; its build settings must not change what is read back.
    from retrieval.vectors import HNSW

    encoder = HashEncoder()
    where = paths(tmp_path)
    corpus = papers(12)
    opened = open_index(corpus, where, encoder).retriever
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder) as store:
        hnsw = store._collection.configuration["hnsw"]
        assert {k: hnsw[k] for k in HNSW} == HNSW
        stored = store.load(PaperRows.of(corpus))
    # Chroma keeps float32; the index serves its cache file's float16 of the same vectors.
    assert opened.vectors.doc.dtype == np.float16
    np.testing.assert_allclose(opened.vectors.doc.astype(np.float32), stored.doc, rtol=2**-11, atol=1e-7)
    np.testing.assert_allclose(stored.doc, encoder.encode([store.texts(p)[0] for p in corpus]), atol=1e-6)


def test_records_keep_only_their_digest_and_older_records_with_three_keys_read_the_same(tmp_path):
    # Each metadata key costs Chroma an index write; the paper and kind are in the record id.
    encoder = HashEncoder()
    where = paths(tmp_path)
    corpus = papers(4)
    open_index(corpus, where, encoder)
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder) as store:
        got = store._collection.get(include=["metadatas"])
        assert all(set(meta) == {"digest"} for meta in got["metadatas"]) and len(got["ids"]) == 12
        now = store.stored()
        # Paper 0's records rewritten as stores written before this change hold them.
        old = [{"paper_id": corpus[0].id, "kind": "doc" if i == 0 else "window", "digest": vector_digest(store.texts(corpus[0]))}
               for i in range(3)]
        vectors = store._collection.get(ids=record_ids(corpus[0].id, 3), include=["embeddings"])["embeddings"]
        store._collection.upsert(ids=record_ids(corpus[0].id, 3), embeddings=vectors, metadatas=old)
        assert store.stored() == now
        assert set(store.fetch(corpus)) == {p.id for p in corpus}
