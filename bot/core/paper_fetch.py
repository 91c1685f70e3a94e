"""Adding a paper someone pasted but the corpus lacks: fetch it from arXiv by id, store it, index it."""

from __future__ import annotations

import logging
from typing import Callable

from corpus.sources.refresh import Refresher

log = logging.getLogger(__name__)


class PaperFetch:
    """Fetches papers by arXiv id into the store, then brings the served index up to date.

    Synchronous (network, embedding): call it in a thread.
    """

    def __init__(self, refresher: Refresher, sync_index: Callable[[], object]) -> None:
        self.refresher = refresher
        self.sync_index = sync_index

    def fetch(self, arxiv_id: str) -> str:
        """Add one paper by arXiv id; return what to tell the member who asked."""
        report = self.refresher.fetch_arxiv_ids([arxiv_id])
        if report.error:
            log.warning("fetching arXiv:%s failed: %s", arxiv_id, report.error)
            return f"I could not fetch arXiv:{arxiv_id} just now ({report.error.split(': ')[-1]}). Try again later."
        if not (report.added or report.updated or report.unchanged):
            return f"arXiv has no paper arXiv:{arxiv_id}."
        self.sync_index()
        return f"Added arXiv:{arxiv_id} to my corpus: it shows up in searches now."
