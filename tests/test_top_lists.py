"""Top lists over a million scores: the n highest found above a sampled floor, and hits' BM25 ranks in one pass."""

from __future__ import annotations

import numpy as np
import pytest

import retrieval.fusion as fusion
from retrieval.fusion import bm25_ranks, top_rows


def _counted(scores: np.ndarray, values: np.ndarray) -> list[int | None]:
    return [int(np.count_nonzero(scores > v)) + 1 if v > 0 else None for v in values]


@pytest.mark.parametrize("sorted_up_to", [fusion._SORTED_RANKS, 10])  # sorting, and counting past the limit
def test_ranks_equal_counting_per_value_with_ties_and_unmatched(monkeypatch: pytest.MonkeyPatch, sorted_up_to) -> None:
    monkeypatch.setattr(fusion, "_SORTED_RANKS", sorted_up_to)
    rng = np.random.default_rng(5)
    scores = np.where(rng.random(5000) < 0.3, rng.integers(1, 40, 5000) / 4, 0.0)  # many ties, many zeros
    rows = rng.choice(5000, 30, replace=False)
    got = bm25_ranks(scores, scores[rows])
    assert got == _counted(scores, scores[rows])
    assert any(r is None for r in got) and any(r is not None for r in got)
    top = int(np.argmax(scores))
    assert bm25_ranks(scores, scores[[top]]) == [1]


def test_no_matching_hit_has_no_rank() -> None:
    assert bm25_ranks(np.array([0.0, 2.0, 1.0]), np.array([0.0, 0.0])) == [None, None]


def _brute(scores: np.ndarray, n: int, allowed, sparse: bool) -> set[int]:
    scores = scores if allowed is None else np.where(allowed, scores, -np.inf)
    order = np.argsort(-scores, kind="stable")[:n]
    return {int(r) for r in order if np.isfinite(scores[r]) and (scores[r] > 0 or not sparse)}


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("shape", ["spread", "few positive", "filtered", "heavy ties"])
def test_the_floor_finds_the_same_top_as_sorting_everything(sparse: bool, shape: str) -> None:
    rng = np.random.default_rng(11)
    size, n = 200_000, 150
    scores = rng.standard_normal(size) * 3
    allowed = None
    if shape == "few positive":  # fewer positives than n: a sparse list has only those
        scores = np.where(rng.random(size) < 0.0005, rng.random(size) + 0.1, 0.0)
    elif shape == "filtered":
        allowed = rng.random(size) < 0.01
    elif shape == "heavy ties":  # the floor lands inside a tie: more than n are above it or none is used
        scores = rng.integers(0, 6, size).astype(np.float64)
    got = top_rows(scores, n, allowed, sparse=sparse)
    assert len(set(got.tolist())) == got.size
    want = _brute(scores, n, allowed, sparse)
    # Which of rows tied at the cut make it is arbitrary (zeros, when few are positive); their scores are not.
    assert sorted(scores[got].tolist()) == sorted(scores[list(want)].tolist())
    if shape in ("spread", "filtered") or (shape == "few positive" and sparse):
        assert set(got.tolist()) == want
