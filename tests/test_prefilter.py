"""The sign-code first pass: its distances, and a shortlist that is exact about which rows it keeps."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.prefilter import SignCodes


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_distances_count_the_coordinates_whose_signs_differ() -> None:
    doc = _vectors(300)
    query = _vectors(1, seed=1)[0]
    want = ((doc > 0) != (query > 0)).sum(axis=1)
    assert SignCodes.of(doc).distances(query).tolist() == want.tolist()


def test_codes_made_in_chunks_equal_codes_made_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval import prefilter

    doc = _vectors(1000)
    whole = SignCodes.of(doc).words
    monkeypatch.setattr(prefilter, "_CHUNK", 64)
    monkeypatch.setattr(prefilter, "_BLOCK", 100)
    chunked = SignCodes.of(doc)
    assert np.array_equal(whole, chunked.words)
    query = _vectors(1, seed=2)[0]
    assert np.array_equal(chunked.distances(query), ((doc > 0) != (query > 0)).sum(axis=1))


def test_the_shortlist_is_the_k_nearest_by_distance_ties_broken_by_row() -> None:
    doc = _vectors(2000)
    codes = SignCodes.of(doc)
    query = doc[17]
    distance = codes.distances(query)
    rows = codes.shortlist(query, 50)
    assert rows.size == 50 and list(rows) == sorted(rows)
    want = np.lexsort((np.arange(distance.size), distance))[:50]
    assert set(rows.tolist()) == set(want.tolist())
    assert 17 in rows


def test_a_filtered_shortlist_keeps_only_allowed_rows_and_never_more_than_exist() -> None:
    doc = _vectors(500)
    codes = SignCodes.of(doc)
    allowed = np.zeros(500, dtype=bool)
    allowed[::7] = True
    rows = codes.shortlist(doc[0], 30, allowed)
    assert rows.size == 30 and allowed[rows].all()
    few = np.zeros(500, dtype=bool)
    few[[3, 99, 250]] = True
    assert codes.shortlist(doc[0], 30, few).tolist() == [3, 99, 250]
    assert codes.shortlist(doc[0], 30, np.zeros(500, dtype=bool)).size == 0


def test_codes_need_whole_64_bit_words() -> None:
    with pytest.raises(ValueError, match="multiple of 64"):
        SignCodes.of(np.ones((3, 100), dtype=np.float32))
