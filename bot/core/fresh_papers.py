"""The daily fresh-paper refresh inside the bot: fetch the feeds into the store, then bring the index up to date."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from bot.core.errors import FatalError
from corpus.sources.refresh import ARXIV, HF_DAILY, Refresher, RefreshReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FreshOutcome:
    """One refresh: each source's report, the new paper ids, and whether every enabled source succeeded."""

    reports: tuple[RefreshReport, ...]
    added: tuple[str, ...]
    complete: bool


class FreshPapers:
    """Runs refresh cycles into the corpus store, then calls `sync_index` if anything changed.

    Synchronous (network, embedding): the scheduler runs it in a thread. `sync_index`
    rebuilds the served index from the store, embedding only papers without vectors.
    """

    def __init__(self, refresher: Refresher, sync_index: Callable[[], object]) -> None:
        self.refresher = refresher
        self.sync_index = sync_index
        # The day each source last got through: a source that succeeded is not fetched again that day
        # while another one is still failing and being retried.
        self._done: dict[str, str] = {}

    def refresh(self, day: str) -> FreshOutcome:
        """Run one cycle for a UTC day; bring the index up to date if any paper was added or updated."""
        runs = {HF_DAILY: lambda: self.refresher.refresh_hf_daily(day), ARXIV: self.refresher.refresh_arxiv}
        reports = tuple(run() for name, run in runs.items() if self._done.get(name) != day)
        for report in reports:
            if report.status in ("ok", "disabled"):
                self._done[report.source] = day
        added = tuple(pid for report in reports for pid in report.added)
        if added or any(report.updated for report in reports):
            try:
                self.sync_index()
            except FatalError:
                raise
            except Exception:
                # The papers are stored; the next tick's index sync (or a restart) indexes them.
                log.exception("indexing the fresh papers failed; still serving the previous index")
        complete = all(self._done.get(name) == day for name in runs)
        return FreshOutcome(reports, added, complete)
