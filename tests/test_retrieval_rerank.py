"""The second stage: the fused top list reordered towards the papers nearest the top one."""

from __future__ import annotations

import numpy as np

from retrieval.fusion import anchor_rerank


def _unit(*rows):
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


# Paper 0 is the top hit; paper 2 is a near-duplicate of it, paper 1 is unrelated to it.
VECS = _unit([1, 0, 0], [0, 1, 0], [0.9, 0.1, 0], [0, 0, 1], [0.5, 0.5, 0])


def test_a_close_neighbour_of_the_top_paper_overtakes_a_slightly_better_stranger():
    fused = np.array([3.0, 2.0, 1.9, 0.0, -0.5])
    out = anchor_rerank(fused, VECS, depth=3, weight=0.5)
    # Top 3: fused [3, 2, 1.9] (std 0.497), cosines to paper 0 [1, 0, 0.994].
    # z(fused) + 0.5 z(cos): paper 2 gains 0.5 * 0.70, paper 1 loses 0.5 * 1.41 -> 2 before 1.
    assert list(np.argsort(-out, kind="stable")) == [0, 2, 1, 3, 4]
    # The top paper stays first and papers below the reordered top keep their scores.
    assert out[3] == 0.0 and out[4] == -0.5
    assert out[[0, 1, 2]].min() > out[3]


def test_small_weight_keeps_the_fused_order():
    fused = np.array([3.0, 2.0, 1.9, 0.0, -0.5])
    out = anchor_rerank(fused, VECS, depth=3, weight=0.01)
    assert list(np.argsort(-out, kind="stable")) == [0, 1, 2, 3, 4]


def test_reordered_top_stays_above_the_rest():
    # Paper 1 is far from the top paper and close behind the cut: it must not fall below paper 3.
    fused = np.array([3.0, 1.0, 0.95, 0.9, -0.5])
    out = anchor_rerank(fused, VECS, depth=3, weight=5.0)
    order = list(np.argsort(-out, kind="stable"))
    assert order[:3] == [0, 2, 1] and order[3:] == [3, 4]


def test_zero_weight_or_flat_scores_change_nothing():
    fused = np.array([3.0, 2.0, 1.9, 0.0, -0.5])
    assert anchor_rerank(fused, VECS, depth=3, weight=0.0) is fused
    flat = np.ones(5)
    assert np.array_equal(anchor_rerank(flat, VECS, depth=5, weight=0.5), flat)


def test_the_paper_both_signals_rank_first_stays_first():
    from retrieval.fusion import agreed_row, put_first

    fused = np.array([3.0, 1.0, 2.5, -np.inf])
    lexical = np.array([1.0, 0.5, 4.0, 9.0])  # row 3 is filtered out (-inf): it cannot be the agreed one
    dense = np.array([0.3, 0.2, 0.6, 0.9])
    assert agreed_row(fused, lexical, dense) == 2
    out = put_first(fused, 2)
    assert int(np.argmax(out)) == 2 and out[0] == 3.0 and out[3] == -np.inf
    # The signals disagree, or no word matches: the fusion decides.
    assert agreed_row(fused, lexical, np.array([0.7, 0.2, 0.6, 0.9])) is None
    assert agreed_row(fused, np.zeros(4), dense) is None
