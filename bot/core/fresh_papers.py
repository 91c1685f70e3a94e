"""The daily fresh-paper refresh inside the bot: fetch the feeds, index only what is new, swap the retriever."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

from corpus.paper import Paper
from corpus.sources.refresh import ARXIV, HF_DAILY, Refresher, RefreshReport
from corpus.store import CorpusStore

log = logging.getLogger(__name__)

R = TypeVar("R")


@dataclass(frozen=True)
class FreshOutcome:
    """One refresh: each source's report, the new paper ids, and whether every enabled source succeeded."""

    reports: tuple[RefreshReport, ...]
    added: tuple[str, ...]
    complete: bool


class FreshPapers(Generic[R]):
    """Runs refresh cycles into the corpus store and hands a re-opened retriever to `publish`.

    Synchronous (network, embedding): the scheduler runs it in a thread. `reindex` opens a
    retriever over all papers; it embeds only papers whose vectors are not stored yet.
    """

    def __init__(
        self,
        store: CorpusStore,
        refresher: Refresher,
        reindex: Callable[[list[Paper]], R],
        publish: Callable[[R], None],
    ) -> None:
        self.store = store
        self.refresher = refresher
        self.reindex = reindex
        self.publish = publish
        # The day each source last got through: a source that succeeded is not fetched again that day
        # while another one is still failing and being retried.
        self._done: dict[str, str] = {}

    def refresh(self, day: str) -> FreshOutcome:
        """Run one cycle for a UTC day; re-index and publish if any paper was added or updated."""
        runs = {HF_DAILY: lambda: self.refresher.refresh_hf_daily(day), ARXIV: self.refresher.refresh_arxiv}
        reports = tuple(run() for name, run in runs.items() if self._done.get(name) != day)
        for report in reports:
            if report.status in ("ok", "disabled"):
                self._done[report.source] = day
        added = tuple(pid for report in reports for pid in report.added)
        changed = added or any(report.updated for report in reports)
        if changed:
            try:
                self.publish(self.reindex(self.store.papers()))
            except Exception:
                # The bot keeps serving the old index; the papers are saved and indexed at the next change or restart.
                log.exception("indexing the fresh papers failed; still serving the previous index")
        complete = all(self._done.get(name) == day for name in runs)
        return FreshOutcome(reports, added, complete)
