"""The mechanical quality check: deterministic queries from sampled papers, written as a BEIR directory eval reads."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from bench.mechanical_queries import (
    build,
    build_weak_check,
    generate,
    known_item_query,
    off_topic_titles,
    paraphrase_query,
    passage_query,
    question_query,
)
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


def test_a_question_wraps_part_of_the_title_in_order() -> None:
    title = "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations"
    for seed in range(20):
        query = question_query(title, random.Random(seed))
        assert query.endswith("?") and query == query.lower()
        inner = [w for w in title.lower().split() if w in query.split()]
        positions = [query.split().index(w) for w in inner]
        assert inner and positions == sorted(positions)


def test_a_paraphrase_like_query_keeps_no_title_word_and_drops_the_rarest_words() -> None:
    title = "Sparse Newton Iterations for Sinkhorn"
    doc_freq = Counter({"optimal": 50, "transport": 40, "useful": 5, "tool": 7, "machine": 80, "learning": 95})
    query = paraphrase_query(title, ABSTRACT, doc_freq)
    # The sentence sharing fewest words with the title is the first or the second: the first
    # shares none ("Optimal transport is a useful tool in machine learning.").
    assert query is not None
    kept = query.lower().split()
    assert not set(kept) & {"sparse", "newton", "iterations", "sinkhorn", "for"}
    # Six content words: the two in fewest abstracts go, stopwords and the rest stay.
    assert kept == ["optimal", "transport", "is", "a", "in", "machine", "learning"]
    assert paraphrase_query(title, "Too short. Also short.", doc_freq) is None


def test_the_same_seed_gives_the_same_check_and_eval_reads_it(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    first, second = generate(corpus, 10, 5), generate(corpus, 10, 5)
    assert [q["query"] for q in first[1]] == [q["query"] for q in second[1]]
    assert [c.title for c in first[0]] != [c.title for c in generate(corpus, 10, 6)[0]]

    count = build(corpus, tmp_path / "beir", papers=10, seed=5)
    docs, judged = load_beir(tmp_path / "beir")
    assert count == len(judged) == 40
    assert {q.type for q in judged} == {"known_item", "passage", "question", "paraphrase"}
    sampled = {d["_id"] for d in docs if d["_id"].startswith("s")}
    assert len(sampled) == 10 and len(docs) > 10  # the shipped corpus joins as distractors
    assert all(set(q.grades) <= sampled and len(q.grades) == 1 for q in judged)


def test_the_weak_check_pairs_answerable_shipped_queries_with_off_topic_negatives(tmp_path: Path) -> None:
    path = tmp_path / "scale.jsonl"
    rows = [
        {"id": "icra/icra2020/a", "title": "A cable-driven gripper for fruit picking", "abstract": ABSTRACT},
        {"id": "iros/iros2019/b", "title": "Tactile skin for humanoid hands", "abstract": ABSTRACT},
        # A robotics title naming a learning topic is not a safe negative; other venues never are.
        {"id": "corl/corl2021/c", "title": "Reinforcement learning for legged robots", "abstract": ABSTRACT},
        {"id": "nips/nips2020/d", "title": "Sparse Newton iterations for Sinkhorn", "abstract": ABSTRACT},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    assert off_topic_titles(path) == ["A cable-driven gripper for fruit picking", "Tactile skin for humanoid hands"]

    count = build_weak_check(path, tmp_path / "weak", papers=5, seed=3)
    docs, judged = load_beir(tmp_path / "weak")
    negatives = [q for q in judged if q.type == "negative"]
    answerable = [q for q in judged if q.grades]
    assert count == len(judged) and len(negatives) == 2 and not any(q.grades for q in negatives)
    assert len(docs) == 440 and all(d["_id"].startswith("d") for d in docs)  # the shipped corpus alone
    assert {q.type for q in answerable} <= {"known_item", "passage", "question", "paraphrase"} and len(answerable) >= 5 * 3
    assert all(set(q.grades) <= {d["_id"] for d in docs} for q in answerable)
