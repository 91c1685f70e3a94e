"""The author filter through the real retriever, combined with the other filters and beyond the candidate pool."""

from __future__ import annotations

import dataclasses
from datetime import date

from corpus.records import Candidate, new_paper
from retrieval.filters import SearchFilters, has_code, published_day
from retrieval.fusion import FusionConfig
from retrieval.index import open_retriever
from tests.test_filters_real import WordsEncoder
from tests.test_retrieval_index import paths


def papers():
    """120 papers: 100 on graph transformers by others, 20 on diffusion, 6 of them by Ada Lovelace (some dated, some with code)."""
    out = []
    for i in range(120):
        graph = i < 100
        ada = i >= 114
        out.append(new_paper(Candidate(
            title=f"Graph transformers for molecules {i}" if graph else f"Diffusion samplers for images {i}",
            abstract=("Graph transformers for molecular property prediction." if graph
                      else "Diffusion models sample images quickly.") + f" Variant {i}." + (" Noise." if i % 4 == 1 else ""),
            source="test", rank=i + 1,
            authors=("Lovelace, Ada", "Charles Babbage") if ada else (f"Author {i} Person", "Charles Babbage"),
            published=f"{2020 + i % 6}-06-01" if i % 3 else None,
            github_repo=f"https://github.com/lab/r{i}" if i % 2 else None,
        ), f"p{i}", "2026-01-01"))
    return out


def test_the_author_filter_finds_their_papers_beyond_the_pool_and_combines_with_the_others(tmp_path) -> None:
    corpus = papers()
    config = dataclasses.replace(FusionConfig(), candidates=20, norm_depth=20)
    retriever = open_retriever(corpus, paths(tmp_path), WordsEncoder(), config)
    ada = {p.id for p in corpus if "Lovelace, Ada" in p.authors}
    pool = {h.paper.id for h in retriever.search("graph transformers molecules", 20).hits}
    assert not pool & ada  # her papers are not among the plain candidates
    by_ada = SearchFilters(author="Ada Lovelace")
    result = retriever.search("graph transformers molecules", 10, by_ada)
    assert {h.paper.id for h in result.hits} == ada and result.matching == len(ada)
    for typed in ("A. Lovelace", "lovelace", "Lovelace, A.", "ADA LOVELACE"):
        assert retriever.count_passing([p.id for p in corpus], SearchFilters(author=typed)) == len(ada)
    assert retriever.search("diffusion", 10, SearchFilters(author="Alan Lovelace")).hits == ()
    # With the other filters: each keeps only what it keeps alone.
    combined = SearchFilters(since=date(2023, 1, 1), has_code=True, exclude=("noise",), author="Ada Lovelace")
    hits = retriever.search("diffusion samplers", 10, combined).hits
    expected = {p.id for p in corpus if p.id in ada and has_code(p) and (published_day(p) or date.min) >= date(2023, 1, 1)
                and "noise" not in p.abstract.lower()}
    assert {h.paper.id for h in hits} == expected and expected
    coded = {h.paper.id for h in retriever.search("diffusion samplers", 10, dataclasses.replace(by_ada, has_code=True)).hits}
    assert coded == {pid for pid in ada if int(pid[1:]) % 2} and coded
    # A common co-author: every paper.
    assert retriever.count_passing([p.id for p in corpus], SearchFilters(author="Charles Babbage")) == len(corpus)


def test_filters_round_trip_through_plain_data_with_the_author() -> None:
    filters = SearchFilters(since=date(2024, 1, 1), has_code=True, exclude=("graphs",), author="Ada Lovelace")
    assert SearchFilters.from_data(filters.as_data()) == filters
    assert SearchFilters.from_data({"since": None, "has_code": False}) == SearchFilters()  # a state kept before authors
    assert SearchFilters(author="X").active and not SearchFilters(author="").active
