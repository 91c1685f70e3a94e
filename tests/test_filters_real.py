"""Filters through the real retriever (BM25, vectors, the candidate pool): not a fake that re-implements them."""

from __future__ import annotations

from datetime import date

import pytest

from corpus.records import Candidate, new_paper
from retrieval.filters import SearchFilters, has_code, published_day
from retrieval.index import open_retriever
from retrieval.tokenize import tokenize
from tests.test_retrieval_index import paths
from tests.test_vector_reconcile import HashEncoder


def test_has_code_keeps_only_papers_with_code_and_counts_them(shipped_services) -> None:
    retriever = shipped_services.retriever
    with_code = sum(has_code(p) for p in retriever.papers)
    assert 0 < with_code < len(retriever.papers)  # a filter that every paper passes would prove nothing
    result = retriever.search("optimization of neural networks", 10, SearchFilters(has_code=True))
    assert result.hits and all(has_code(h.paper) for h in result.hits)
    assert result.matching == with_code
    plain = retriever.search("optimization of neural networks", 30)
    ids = [h.paper.id for h in plain.hits]
    assert retriever.count_passing(ids, SearchFilters(has_code=True)) == sum(has_code(h.paper) for h in plain.hits)
    # The filter is applied before the top k is cut: papers with code beyond the unfiltered top 10 still come.
    assert len(result.hits) == min(10, with_code)


def test_excluding_words_drops_every_paper_that_holds_them(shipped_services) -> None:
    retriever = shipped_services.retriever
    plain = retriever.search("sinkhorn optimal transport", 10)
    assert any("sinkhorn" in tokenize(h.paper.text) for h in plain.hits)
    result = retriever.search("sinkhorn optimal transport", 10, SearchFilters(exclude=("Sinkhorn",)))
    assert result.hits and all("sinkhorn" not in tokenize(h.paper.text) for h in result.hits)


@pytest.fixture
def dated(tmp_path):
    """A real retriever over papers of known dates (a fake encoder: the filters are what is tested)."""
    years = [2021, 2022, 2023, 2024, 2025, None]
    papers = [
        new_paper(Candidate(title=f"Graph transformers study {i}", abstract=f"Graph transformers for molecules, study {i}.",
                            source="test", rank=i + 1, published=f"{year}-06-01" if year else None), f"p{i}", "2026-01-01")
        for i, year in enumerate(years * 3)
    ]
    return open_retriever(papers, paths(tmp_path), HashEncoder())


def test_a_date_filter_keeps_the_window_and_says_how_many_had_no_date(dated) -> None:
    since = SearchFilters(since=date(2024, 1, 1))
    result = dated.search("graph transformers", 20, since)
    assert result.hits and all(published_day(h.paper) >= date(2024, 1, 1) for h in result.hits)
    assert len(result.hits) == 6 and result.undated == 3 and result.matching == 6
    window = SearchFilters(since=date(2022, 1, 1), until=date(2022, 12, 31))
    assert {published_day(h.paper).year for h in dated.search("graph transformers", 20, window).hits} == {2022}
    ids = [p.id for p in dated.papers]
    assert dated.count_passing(ids, since) == 6
    assert dated.count_passing(ids, SearchFilters()) == len(ids)
