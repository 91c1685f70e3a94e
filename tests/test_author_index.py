"""The in-memory author index against the rule applied paper by paper, and its sharing between users of one list."""

from __future__ import annotations

import random

from corpus.author_index import AuthorIndex, author_index
from corpus.authors import author_name, newest_first, same_author
from corpus.records import Candidate, new_paper
from retrieval.filters import FilterIndex

GIVEN = ["John", "Jane", "J.", "Marco", "M.", "Marie", "Ada", "A.", "Łukasz", "Lukasz", "Jürgen", ""]
SURNAMES = ["Smith", "Cuturi", "Kaiser", "Schmidhuber", "Lovelace", "Smithson"]


def corpus(seed: int, n: int = 300, prefix: str = "p"):
    """Papers with random authors from a small pool: initials, surname-first forms, accents, no given name."""
    chance = random.Random(seed)

    def name() -> str:
        given, surname = chance.choice(GIVEN), chance.choice(SURNAMES)
        return f"{surname}, {given}" if given and chance.random() < 0.3 else f"{given} {surname}".strip()

    return [new_paper(Candidate(f"Paper {i}", "An abstract of a few words.", "t", i + 1,
                                authors=tuple(name() for _ in range(chance.randint(0, 4))),
                                published=f"20{10 + i % 15}-01-01" if i % 5 else None), f"{prefix}{i}", "2026-01-01")
            for i in range(n)]


def by_the_rule(papers, typed: str) -> list[str]:
    """Return the ids of the papers with an author `typed` may name, checked one author at a time."""
    query = author_name(typed)
    names = {p.id: [n for n in map(author_name, p.authors) if n is not None] for p in papers}
    return [p.id for p in newest_first(p for p in papers if any(same_author(query, n) for n in names[p.id]))]


QUERIES = ["John Smith", "J. Smith", "smith", "Lukasz Kaiser", "L Kaiser", "Jurgen Schmidhuber", "Ada Lovelace",
           "Cuturi, Marie", "SMITHSON", "Nobody Known"]


def test_the_index_answers_as_the_rule_does_paper_by_paper() -> None:
    for seed in (1, 2):
        papers = corpus(seed)
        index = AuthorIndex(papers)
        for typed in QUERIES:
            assert [p.id for p in index.papers_by(typed)[1]] == by_the_rule(papers, typed), (seed, typed)
        # A second index over the next corpus reuses the spellings parsed before; the answers are the same.
        grown = papers + corpus(seed + 10, 20, prefix="new")
        again = AuthorIndex(grown)
        for typed in QUERIES:
            assert [p.id for p in again.papers_by(typed)[1]] == by_the_rule(grown, typed), (seed, typed)


def test_names_count_papers_not_mentions_and_rank_most_papers_first() -> None:
    papers = [new_paper(Candidate(f"Paper {i}", "An abstract of a few words.", "t", i + 1, authors=authors),
                        f"p{i}", "2026-01-01")
              for i, authors in enumerate([("Ada Lovelace", "Ada Lovelace"), ("Ada Lovelace",), ("A. Lovelace",),
                                           ("Charles Babbage", "\u200b", "")])]
    index = AuthorIndex(papers)
    assert index.names("lov") == [("Ada Lovelace", 2), ("A. Lovelace", 1)]
    assert index.names("") == [("Ada Lovelace", 2), ("A. Lovelace", 1), ("Charles Babbage", 1)]
    assert index.names("babbage c") == [("Charles Babbage", 1)]  # the key form: surname, initial
    assert index.papers_by("lovelace")[0] == "Ada Lovelace"  # as most of their papers write it


def test_one_index_serves_every_user_of_the_same_papers() -> None:
    papers = corpus(3, 50)
    shared = author_index(papers)
    assert author_index(papers) is shared
    assert FilterIndex(papers).authors is shared  # the search filter builds no second one
    assert author_index(list(papers)) is not shared  # another list (a new corpus) gets its own
