"""The index being served: one owner, read once per request, swapped whole when a refresh publishes.

A refresh builds the next retriever in a worker thread while the current one keeps
answering; `publish` then replaces the reference in one assignment, so a request that
already took `current` finishes on the index it started with and the next one sees the
new papers. Nothing else holds the retriever, so there is one place to look for "which
index is live".
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol, Sequence

from corpus.paper import Paper
from retrieval.answer import QuestionAnswer
from retrieval.filters import SearchFilters
from retrieval.types import SearchResult

log = logging.getLogger(__name__)


class Retriever(Protocol):
    """The part of retrieval.hybrid.HybridRetriever that the bot's use cases need."""

    papers: list[Paper]

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> SearchResult: ...
    def answer(self, result: SearchResult, max_papers: int = 3) -> QuestionAnswer: ...
    def count_passing(self, paper_ids: Sequence[str], filters: SearchFilters) -> int: ...
    def find_arxiv(self, arxiv_id: str) -> Paper | None: ...
    def similar(self, paper_id: str, k: int = 5) -> SearchResult: ...
    def get(self, paper_id: str) -> Paper | None: ...
    def find_title(self, title: str) -> Paper | None: ...
    def complete_titles(self, prefix: str, limit: int = 25) -> list[Paper]: ...
    def __len__(self) -> int: ...


class LiveIndex:
    """Holds the retriever being served; `publish` swaps in a new one atomically."""

    def __init__(self, retriever: Retriever) -> None:
        self._current = retriever
        self._lock = threading.Lock()
        self.generation = 0

    @property
    def current(self) -> Retriever:
        """Return the retriever to answer one request with (take it once per request)."""
        return self._current

    def publish(self, retriever: Retriever) -> None:
        """Serve `retriever` from now on; requests in flight finish on the previous one."""
        with self._lock:
            self._current = retriever
            self.generation += 1
        log.info("now serving %d papers (index generation %d)", len(retriever), self.generation)
