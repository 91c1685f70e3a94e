"""Hybrid search over the shipped corpus: ranking, explanations, the weak flag and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.fusion import standardize, top_stats
from retrieval.query import clean_query
from retrieval.types import QueryError


@pytest.fixture(scope="module")
def retriever(shipped_services):
    return shipped_services.retriever


def test_implicit_differentiation_ranks_the_paper_first(retriever):
    result = retriever.search("implicit differentiation", 5)
    top = result.hits[0]
    assert top.paper.title == "Efficient and Modular Implicit Differentiation"
    assert not result.weak
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    assert top.bm25_rank == 1
    assert set(top.matched_terms) == {"implicit", "differentiation"}
    assert 0.3 < top.dense_similarity <= 1.0
    assert "implicit differentiation" in top.best_sentence.lower()
    assert "keywords: implicit, differentiation" in top.why
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_hyphenated_acronym_query_finds_sinkhorn(retriever):
    result = retriever.search("SNS Sinkhorn-Newton", 3)
    assert result.hits[0].paper.title == "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations"


def test_paraphrase_without_shared_words_still_matches(retriever):
    result = retriever.search("making optimal transport solvers converge in fewer steps", 5)
    titles = [h.paper.title for h in result.hits]
    assert "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations" in titles
    assert not result.weak


@pytest.mark.parametrize(
    "query",
    ["sourdough bread baking recipes", "football transfer rumours this summer", "best hiking trails in the alps"],
)
def test_off_topic_queries_are_flagged_weak(retriever, query):
    result = retriever.search(query, 5)
    assert result.weak
    assert len(result.hits) == 5  # the nearest papers are still shown, marked weak


def test_similar_excludes_the_paper_itself(retriever):
    paper = retriever.find_title("Efficient and Modular Implicit Differentiation")
    result = retriever.similar(paper.id, 5)
    ids = [h.paper.id for h in result.hits]
    assert paper.id not in ids and len(ids) == 5
    assert all("differentia" in h.paper.text.lower() for h in result.hits[:3])
    with pytest.raises(QueryError):
        retriever.similar("no-such-id")


def test_title_completion(retriever):
    found = retriever.complete_titles("efficient and modular")
    assert found[0].title == "Efficient and Modular Implicit Differentiation"
    assert len(retriever.complete_titles("")) == 25
    assert any("Sinkhorn" in p.title for p in retriever.complete_titles("newton sinkhorn"))
    assert len(retriever.complete_titles("a", limit=25)) <= 25


@pytest.mark.parametrize("query", ["", "   \n\t ", None, "🙂🔥🎉", "\x00\x07\x1b", "?!... ---"])
def test_unsearchable_input_is_a_clear_message(retriever, query):
    with pytest.raises(QueryError) as info:
        retriever.search(query)
    assert "search" in str(info.value).lower()


def test_huge_query_is_cut_and_says_so(retriever):
    result = retriever.search("sinkhorn optimal transport " * 250, 3)  # 6,750 characters
    assert result.note and "first" in result.note
    assert len(result.query) <= 500
    assert "optimal transport" in result.hits[0].paper.text.lower()


@pytest.mark.parametrize(
    "query",
    ["the of and is", "$\\mathcal{O}(n^2)$ \\frac{a}{b}", "@everyone **bold** `code` <@&123>", "ﬁne‐tuning 🙂 Schrödinger\u200b"],
)
def test_odd_but_searchable_input_returns_results(retriever, query):
    result = retriever.search(query, 3)
    assert len(result.hits) == 3


def test_clean_query_strips_controls_and_collapses_space():
    assert clean_query("  a\x00b\u200bc \n d ") == ("a b c d", None)


def test_standardize_scales_by_top_list_and_clips_the_tail():
    scores = np.array([10.0, 8.0, 6.0, 0.0, 0.0, 0.0])
    z = standardize(scores, top_stats(scores, 3), floor=-0.5)
    # Mean 8 and deviation of the top three set the scale; everything far below clips.
    std = np.std([10.0, 8.0, 6.0])
    np.testing.assert_allclose(z, [2 / std, 0.0, -0.5, -0.5, -0.5, -0.5])
    assert (standardize(scores, top_stats(scores, 3), floor=-5.0)[:3] == (scores[:3] - 8) / std).all()
    zeros = np.zeros(4)
    assert (standardize(zeros, top_stats(zeros, 3), floor=-0.5) == 0).all()
