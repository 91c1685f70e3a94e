"""The candidate pool and the sign-code dense pass, exercised on the shipped corpus by shrinking them.

At 440 papers the pool is the whole corpus; here it is cut to 60 per list and the sign
pass is switched on with a shortlist of 120, as an 87k corpus would use them. Rankings must stay close to
scoring every paper, and known items must stay first.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from retrieval import hybrid
from retrieval.hybrid import HybridRetriever
from retrieval.prefilter import SignCodes
from tests.test_known_items import WRITTEN, _dev_known_items

DEV = Path(__file__).resolve().parent.parent / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def pooled(shipped_services):
    """The shipped index with a 60-paper pool per list (just above the standardization depth) and the sign pass on."""
    full = shipped_services.retriever
    config = dataclasses.replace(full.config, candidates=60, shortlist=120)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hybrid, "PREFILTER_FROM", 100)
        retriever = HybridRetriever(full.papers, full.lexical, full.vectors, full.encoder, config)
        assert retriever._codes is not None
    return retriever


def test_the_sign_pass_shortlists_the_exact_nearest_papers(shipped_services) -> None:
    # Each paper as the query, a shortlist of 120 of the 440: it holds 99.7% of the exact top 10
    # (60 held 98.2%), the paper itself always.
    doc = shipped_services.retriever.vectors.doc
    codes = SignCodes.of(doc)
    found = []
    for row in range(doc.shape[0]):
        shortlist = set(codes.shortlist(doc[row], 120).tolist())
        assert row in shortlist
        found.append(len(set(np.argsort(-(doc @ doc[row]))[:10].tolist()) & shortlist) / 10)
    assert np.mean(found) >= 0.99


def test_a_pooled_ranking_stays_close_to_scoring_every_paper(shipped_services, pooled) -> None:
    queries = [json.loads(line)["query"] for line in DEV.read_text(encoding="utf-8").splitlines()]
    overlap = []
    for query in queries:
        want = [h.paper.id for h in shipped_services.retriever.search(query, 10).hits]
        got = [h.paper.id for h in pooled.search(query, 10).hits]
        assert got[0] == want[0], query
        overlap.append(len(set(got) & set(want)) / 10)
    assert np.mean(overlap) >= 0.95


@pytest.mark.parametrize("query, title", _dev_known_items() + WRITTEN)
def test_known_items_stay_first_in_a_pooled_ranking(pooled, query: str, title: str) -> None:
    assert pooled.search(query, 5).hits[0].paper.title == title


def test_nearest_finds_the_exact_dense_neighbours(shipped_services, pooled) -> None:
    doc = shipped_services.retriever.vectors.doc.astype(np.float32)  # products in float32, as searches take them
    for row in (0, 100, 200, 300):
        exact = np.argsort(-(doc @ doc[row]), kind="stable")[:10]
        assert list(pooled.nearest(doc[row], 10)) == list(exact)


def test_the_dense_list_is_pooled_from_the_rows_it_scored_as_from_every_row(pooled) -> None:
    # A large corpus's dense list is -inf outside the sign shortlist: its top found among the
    # shortlist's rows alone (cheap at a million papers) must be the top found over every row.
    rng = np.random.default_rng(3)
    n = len(pooled)
    for trial in range(20):
        scored = np.sort(rng.choice(n, size=int(rng.integers(1, 200)), replace=False))
        dense = np.full(n, -np.inf, dtype=np.float32)
        dense[scored] = rng.standard_normal(scored.size).astype(np.float32)
        bm25 = np.where(rng.random(n) < 0.3, rng.random(n) * 5, 0.0)
        allowed = None if trial % 2 else rng.random(n) < 0.5
        np.testing.assert_array_equal(pooled._pool([dense, bm25], allowed, scored), pooled._pool([dense, bm25], allowed, None))
