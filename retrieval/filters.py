"""Search filters (publication date, code link, excluded topics, an author), applied inside retrieval before the top k.

Filtering inside the ranking, not by dropping cards afterwards, means a filtered search
still returns k papers whenever k qualify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from corpus.author_index import AuthorIndex, author_index
from corpus.paper import Paper, links_to_code
from retrieval.bm25 import BM25Index
from retrieval.paper_rows import PaperRows
from retrieval.tokenize import tokenize

UNKNOWN = -1


@dataclass(frozen=True)
class SearchFilters:
    """What a result must satisfy; the defaults filter nothing."""

    since: date | None = None
    until: date | None = None
    has_code: bool = False
    # Topics to leave out: a paper is dropped when its title or abstract holds every word of one.
    exclude: tuple[str, ...] = ()
    # A name: a paper passes when one of its authors may be that person (corpus/authors.py's rule).
    author: str | None = None

    @property
    def active(self) -> bool:
        """Return whether any filter is set."""
        return bool(self.since or self.until or self.has_code or self.exclude or self.author)

    def as_data(self) -> dict[str, Any]:
        """Return the filters as JSON-ready plain data (what a conversation stores)."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "has_code": self.has_code,
            "exclude": list(self.exclude),
            "author": self.author,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SearchFilters:
        """Return the filters `as_data` made (a key that data lacks filters nothing)."""
        return cls(
            since=date.fromisoformat(data["since"]) if data.get("since") else None,
            until=date.fromisoformat(data["until"]) if data.get("until") else None,
            has_code=bool(data.get("has_code")),
            exclude=tuple(data.get("exclude") or ()),
            author=data.get("author") or None,
        )

    @property
    def dated(self) -> bool:
        """Return whether papers need a known date to pass."""
        return self.since is not None or self.until is not None


@dataclass(frozen=True)
class FilterOutcome:
    """Which papers pass, and how many a date filter left out only because their date is unknown."""

    mask: np.ndarray
    undated: int


def published_day(paper: Paper) -> date | None:
    """Return a paper's publication date, or None if unknown or unreadable."""
    return _day(paper.published)


def _day(published: str | None) -> date | None:
    text = (published or "").strip()[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def has_code(paper: Paper) -> bool:
    """Return whether a paper links to its code."""
    return links_to_code(paper.github_repo, (link.kind for link in paper.links))


class FilterIndex:
    """Per-paper facts the filters test, read from the papers' source on the first filtered search."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        # The sequence as given keys the shared author index (corpus/author_index.py).
        self._given = papers
        self.papers = PaperRows.of(papers)

    @cached_property
    def _columns(self) -> tuple[np.ndarray, np.ndarray]:
        # Most searches filter nothing: a start does not read a million papers' dates and links.
        facts = self.papers.source.facts()
        # A paper added to the source after the index was built is not a row; one removed since is undated and codeless.
        known = [facts.get(pid, (None, False)) for pid in self.papers.ids]
        days = (_day(published) for published, _ in known)
        day = np.fromiter((d.toordinal() if d else UNKNOWN for d in days), dtype=np.int64, count=len(known))
        return day, np.fromiter((code for _, code in known), dtype=bool, count=len(known))

    @property
    def day(self) -> np.ndarray:
        """Return each row's publication day as a proleptic ordinal, UNKNOWN where undated."""
        return self._columns[0]

    @property
    def code(self) -> np.ndarray:
        """Return whether each row's paper links to its code."""
        return self._columns[1]

    @cached_property
    def authors(self) -> AuthorIndex:
        """Return the papers' author index, built on first use (most processes never filter by author).

        Shared with the bot's author lists over the same papers (corpus/author_index.py), and kept
        here, so it lives as long as the retriever that holds this FilterIndex.
        """
        return author_index(self._given)

    def apply(self, filters: SearchFilters, bm25: BM25Index) -> FilterOutcome:
        """Return the papers that pass `filters`."""
        mask = np.ones(len(self.papers), dtype=bool)
        undated = 0
        if filters.dated:
            known = self.day != UNKNOWN
            undated = int((~known).sum())
            mask &= known
            if filters.since is not None:
                mask &= self.day >= filters.since.toordinal()
            if filters.until is not None:
                mask &= self.day <= filters.until.toordinal()
        if filters.has_code:
            mask &= self.code
        if filters.author:
            by_author = np.zeros(len(self.papers), dtype=bool)
            by_author[self.authors.rows(filters.author)] = True
            mask &= by_author
        for topic in filters.exclude:
            terms = list(dict.fromkeys(tokenize(topic)))
            if terms:
                mask &= ~bm25.all_terms_mask(terms)
        return FilterOutcome(mask, undated)
