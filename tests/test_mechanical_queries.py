"""The mechanical quality check: deterministic queries from sampled papers, written as a BEIR directory eval reads."""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench.mechanical_queries import build, generate, known_item_query, passage_query
from retrieval.evaluate import load_beir

ABSTRACT = (
    "Optimal transport is a useful tool in machine learning. Its cost grows fast with the data. "
    "We propose a sparse Newton method that speeds up the Sinkhorn algorithm considerably. "
    "Experiments on large point clouds show it converges orders of magnitude faster."
)


def _corpus(tmp_path: Path, n: int = 30) -> Path:
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(
        json.dumps({"title": f"Paper {i} on accelerated optimal transport solvers", "abstract": ABSTRACT}) for i in range(n)
    ) + "\n")
    return path


def test_a_known_item_query_keeps_at_least_three_title_words_shuffled() -> None:
    title = "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations"
    for seed in range(20):
        query = known_item_query(title, random.Random(seed)).split()
        assert 3 <= len(query) <= len(title.split()) and set(query) <= set(title.split())


def test_a_passage_query_is_the_middle_sentence_of_eight_words_or_more() -> None:
    assert passage_query(ABSTRACT) == "We propose a sparse Newton method that speeds up the Sinkhorn algorithm considerably."
    assert passage_query("Too short. Also short.") is None


def test_the_same_seed_gives_the_same_check_and_eval_reads_it(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    first, second = generate(corpus, 10, 5), generate(corpus, 10, 5)
    assert [q["query"] for q in first[1]] == [q["query"] for q in second[1]]
    assert [c.title for c in first[0]] != [c.title for c in generate(corpus, 10, 6)[0]]

    count = build(corpus, tmp_path / "beir", papers=10, seed=5)
    docs, judged = load_beir(tmp_path / "beir")
    assert count == len(judged) == 20
    assert {q.type for q in judged} == {"known_item", "passage"}
    sampled = {d["_id"] for d in docs if d["_id"].startswith("s")}
    assert len(sampled) == 10 and len(docs) > 10  # the shipped corpus joins as distractors
    assert all(set(q.grades) <= sampled and len(q.grades) == 1 for q in judged)
