"""Known items stay first: easy queries that name one paper must keep it at rank 1, filtered or not.

The dev set's known-item queries plus ten more written for this test, over the shipped
corpus with the real model. A ranking change that buys a dev-set gain by demoting one
of these fails here.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from retrieval.filters import SearchFilters

DEV = Path(__file__).resolve().parent.parent / "eval" / "dev.jsonl"
WRITTEN = [
    ("jaxopt modular implicit differentiation of optimization problems", "Efficient and Modular Implicit Differentiation"),
    ("sparse newton iterations to accelerate sinkhorn", "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations"),
    ("MathCoder code interpreter fine-tuning for math", "MathCoder: Seamless Code Integration in LLMs for Enhanced Mathematical Reasoning"),
    ("quasi-Borel spaces for higher-order probabilistic programming", "A Convenient Category for Higher-Order Probability Theory"),
    ("NILUT neural implicit 3D lookup tables", "NILUT: Conditional Neural Implicit 3D Lookup Tables for Image Enhancement"),
    ("FIMO formal IMO shortlist problems in Lean", "FIMO: A Challenge Formal Dataset for Automated Theorem Proving"),
    ("Inter-GPS Geometry3K geometry problem solving", "Inter-GPS: Interpretable Geometry Problem Solving with Formal Language and Symbolic Reasoning"),
    ("Alchemy symbolic mutation of Mathlib theorems", "Alchemy: Amplifying Theorem-Proving Capability through Symbolic Mutation"),
    ("convergent graph solver fixed points", "Convergent Graph Solvers"),
    ("generalized implicit FTRL online learning", "Generalized Implicit Follow-The-Regularized-Leader"),
]


def _dev_known_items() -> list[tuple[str, str]]:
    items = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        query = json.loads(line)
        if query["type"] == "known_item":
            [title] = [t for t, grade in query["relevant"].items() if grade == 3]
            items.append((query["query"], title))
    return items


KNOWN = _dev_known_items() + WRITTEN


def test_the_dev_set_has_its_known_items() -> None:
    assert len(KNOWN) == 6 + len(WRITTEN)


@pytest.mark.parametrize(("query", "title"), KNOWN)
def test_a_known_item_is_ranked_first(shipped_services, query: str, title: str) -> None:
    retriever = shipped_services.retriever
    assert retriever.search(query, 3).hits[0].paper.title == title
    # A filter that every paper passes must not move anything.
    everyone = SearchFilters(exclude=("zzqxjv",))
    assert [h.paper.id for h in retriever.search(query, 10, everyone).hits] == [h.paper.id for h in retriever.search(query, 10).hits]


def test_mechanical_known_items_both_signals_rank_first_stay_first(shipped_services) -> None:
    """Half-remembered titles (bench/mechanical_queries.py) of 80 shipped papers: where BM25 alone and dense alone both put the paper first, so does the hybrid, and the hybrid misses no more than the better single signal."""
    from bench.mechanical_queries import known_item_query
    from retrieval.evaluate import rankings

    retriever = shipped_services.retriever
    rng = random.Random(13)
    papers = rng.sample(retriever.papers, 80)
    agreed, firsts = 0, {"bm25": 0, "dense": 0, "hybrid": 0}
    for paper in papers:
        query = known_item_query(paper.clean_title, rng)
        ranked = rankings(retriever, query, k=1)
        for system, top in ranked.items():
            firsts[system] += top == [paper.id]
        if ranked["bm25"] == ranked["dense"] == [paper.id]:
            agreed += 1
            assert ranked["hybrid"] == [paper.id], query
    # Most of them are such easy cases (the test would prove little otherwise).
    assert agreed >= 50
    assert firsts["hybrid"] >= max(firsts["bm25"], firsts["dense"]), firsts
