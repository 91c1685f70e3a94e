"""Growth without rewriting: an ingest writes a segment of its difference, not the whole index files; compaction folds it.

Each case compares the index reopened from base + segment with one built from scratch over
the same papers (vectors by paper id, BM25 scores by query), and checks which files were
written: the whole files keep their bytes until the difference passes segments.folds or
`compact` is asked for.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from retrieval import segments
from retrieval.index import open_index
from retrieval.tokenize import tokenize
from retrieval.vector_cache import load_cache, segment_path
from tests.test_retrieval_index import paths
from tests.test_vector_reconcile import HashEncoder, papers

QUERIES = ["paper 3 sentence", "paper 41", "paper 120 graphs", "sentence"]


def _by_id(retriever) -> dict[str, np.ndarray]:
    return {p.id: retriever.vectors.doc[i] for i, p in enumerate(retriever.papers)}


def _same_index(got, want) -> None:
    """Assert two retrievers index the same papers with the same vectors and BM25 scores (rows in any order)."""
    assert sorted(p.id for p in got.papers) == sorted(p.id for p in want.papers)
    got_vectors, want_vectors = _by_id(got), _by_id(want)
    for pid, vector in want_vectors.items():
        np.testing.assert_allclose(got_vectors[pid], vector, atol=1e-6)
    row_got = {p.id: i for i, p in enumerate(got.papers)}
    order = [row_got[p.id] for p in want.papers]
    for query in QUERIES:
        terms = tokenize(query)
        np.testing.assert_allclose(got.lexical.terms.scores(terms)[order], want.lexical.terms.scores(terms), atol=1e-9)
        np.testing.assert_allclose(got.lexical.phrases.scores(terms)[order], want.lexical.phrases.scores(terms), atol=1e-9)
    # The sign codes follow their rows.
    from retrieval.prefilter import SignCodes
    if got.vectors.codes is not None:
        np.testing.assert_array_equal(got.vectors.codes, SignCodes.of(got.vectors.doc).words)


def _bytes(where) -> tuple[bytes, bytes]:
    return where.vector_cache.read_bytes(), where.bm25.read_bytes()


def test_an_ingest_writes_a_segment_and_leaves_the_whole_files_as_they_were(tmp_path):
    encoder = HashEncoder()
    where = paths(tmp_path)
    open_index(papers(60), where, encoder)
    assert not segment_path(where.vector_cache).exists()
    whole = _bytes(where)

    # 5 arrive, 2 leave, 1 is edited.
    edited = dataclasses.replace(papers(1, start=7)[0], clean_abstract="An edited abstract about sentence graphs.")
    now = [p for p in papers(60) if p.id not in ("p000003", "p000007", "p000011")] + [edited] + papers(5, start=100)
    grown = open_index(now, where, encoder).retriever
    assert _bytes(where) == whole
    assert segment_path(where.vector_cache).exists()
    fresh = open_index(now, paths(tmp_path / "fresh"), HashEncoder()).retriever
    _same_index(grown, fresh)

    # A restart reads base + segment: nothing embedded, the same index.
    encoder.texts = 0
    again = open_index(now, where, encoder)
    assert encoder.texts == 0 and again.report.embedded == ()
    _same_index(again.retriever, fresh)
    # The files alone (base + segment) hold exactly these papers' vectors: the start trusted them without Chroma.
    cached = load_cache(where.vector_cache, signature_of(where))
    assert cached is not None and sorted(cached.ids) == sorted(p.id for p in now)
    rows = {pid: i for i, pid in enumerate(cached.ids)}
    for pid, vector in _by_id(fresh).items():
        np.testing.assert_allclose(cached.matrix.doc[rows[pid]], vector, atol=1e-6)
    # And the next ingest rewrites the segment only.
    later = now + papers(3, start=200)
    open_index(later, where, encoder)
    assert _bytes(where) == whole
    _same_index(open_index(later, where, encoder).retriever, open_index(later, paths(tmp_path / "fresh2"), HashEncoder()).retriever)


def test_compaction_folds_the_segment_into_new_whole_files(tmp_path):
    encoder = HashEncoder()
    where = paths(tmp_path)
    open_index(papers(40), where, encoder)
    whole = _bytes(where)
    now = papers(38) + papers(4, start=100)
    open_index(now, where, encoder)
    assert segment_path(where.vector_cache).exists()
    compacted = open_index(now, where, encoder, compact=True).retriever
    assert not segment_path(where.vector_cache).exists()
    after = _bytes(where)
    assert after[0] != whole[0] and after[1] != whole[1]
    _same_index(compacted, open_index(now, paths(tmp_path / "fresh"), HashEncoder()).retriever)
    # The new whole files alone hold everything.
    cached = load_cache(where.vector_cache, signature_of(where))
    assert cached is not None and sorted(cached.ids) == sorted(p.id for p in now)
    # Compacting again writes them whole again (files an older version wrote get the current layout).
    encoder.texts = 0
    again = open_index(now, where, encoder, compact=True).retriever
    assert encoder.texts == 0 and not segment_path(where.vector_cache).exists()
    _same_index(again, compacted)


def signature_of(where) -> str:
    from retrieval.npz_mmap import mapped_npz

    return bytes(mapped_npz(where.vector_cache)["signature"]).decode("utf-8")


def test_a_difference_past_the_rule_is_written_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(segments, "SEGMENT_ROWS", 3)
    encoder = HashEncoder()
    where = paths(tmp_path)
    open_index(papers(40), where, encoder)
    whole = _bytes(where)
    open_index(papers(40) + papers(2, start=100), where, encoder)  # 2 <= 3: a segment
    assert _bytes(where) == whole and segment_path(where.vector_cache).exists()
    now = papers(40) + papers(6, start=100)  # 6 > 3: whole files again
    open_index(now, where, encoder)
    assert not segment_path(where.vector_cache).exists()
    rewritten = _bytes(where)
    assert rewritten[0] != whole[0] and rewritten[1] != whole[1]
    _same_index(open_index(now, where, encoder).retriever, open_index(now, paths(tmp_path / "fresh"), HashEncoder()).retriever)


def test_a_segment_left_from_before_a_new_base_is_ignored(tmp_path):
    # A crash between writing a new base and removing the segment leaves a segment of the old base.
    encoder = HashEncoder()
    where = paths(tmp_path)
    open_index(papers(30), where, encoder)
    open_index(papers(30) + papers(2, start=100), where, encoder)
    old_segment = segment_path(where.vector_cache).read_bytes()
    now = papers(28) + papers(2, start=100)
    open_index(now, where, encoder, compact=True)
    segment_path(where.vector_cache).write_bytes(old_segment)
    encoder.texts = 0
    reopened = open_index(now, where, encoder)
    assert encoder.texts == 0
    _same_index(reopened.retriever, open_index(now, paths(tmp_path / "fresh"), HashEncoder()).retriever)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_segment_costs_a_slower_start_not_a_wrong_index(tmp_path, damage):
    encoder = HashEncoder()
    where = paths(tmp_path)
    open_index(papers(30), where, encoder)
    now = papers(30) + papers(3, start=100)
    open_index(now, where, encoder)
    segment = segment_path(where.vector_cache)
    data = segment.read_bytes()
    segment.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"not an index" * 50)
    reopened = open_index(now, where, encoder)
    _same_index(reopened.retriever, open_index(now, paths(tmp_path / "fresh"), HashEncoder()).retriever)
