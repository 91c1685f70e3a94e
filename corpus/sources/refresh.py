"""One refresh cycle over the fresh-paper sources, with per-source backoff after failures.

Each source is fetched by one thread at a time (its lock), so its polite spacing holds
however many callers there are: the daily refresh, and papers members ask to fetch.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from corpus.sources import ParseResult, PayloadError, arxiv, hf_daily
from corpus.sources.http import Fetcher, FetchError
from corpus.store import CorpusError, CorpusStore

log = logging.getLogger(__name__)

HF_DAILY = "hf-daily"
ARXIV = "arxiv"


@dataclass(frozen=True)
class SourceConfig:
    """How to reach one source; `query`/`max_results` only matter for arXiv."""

    enabled: bool = True
    base_url: str = ""
    timeout: float = 20.0
    spacing: float = 3.0
    query: str | None = None
    max_results: int = 50


DEFAULT_HF_DAILY = SourceConfig(base_url="https://huggingface.co", spacing=1.0)
# arXiv's API terms ask for one request every three seconds.
DEFAULT_ARXIV = SourceConfig(
    base_url="https://export.arxiv.org", spacing=3.0, query="cat:cs.LG OR cat:cs.CL OR cat:cs.CV", max_results=50
)


@dataclass(frozen=True)
class RefreshReport:
    """What one source did in one cycle; `status` is 'ok', 'failed', 'backoff', 'busy' or 'disabled'."""

    source: str
    status: str
    feed: str | None = None
    fetched: int = 0
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    problems: tuple[str, ...] = ()
    error: str | None = None
    retry_at: float | None = None

    @property
    def ok(self) -> bool:
        """Return whether the source was fetched and parsed."""
        return self.status == "ok"


@dataclass
class Backoff:
    """Failure count and earliest next attempt (clock seconds) of one source."""

    failures: int = 0
    next_attempt: float | None = None
    last_error: str | None = None


@dataclass
class _Source:
    config: SourceConfig
    fetcher: Fetcher
    backoff: Backoff = field(default_factory=Backoff)
    # Held for each fetch: the fetcher's spacing counts from its last request, which two threads
    # fetching at once would both read before either wrote it.
    lock: threading.Lock = field(default_factory=threading.Lock)


def utc_today() -> str:
    """Return today's UTC date as YYYY-MM-DD."""
    return datetime.now(timezone.utc).date().isoformat()


class Refresher:
    """Runs refresh cycles into one store; a failing source only delays itself."""

    def __init__(
        self,
        store: CorpusStore,
        hf_daily_config: SourceConfig = DEFAULT_HF_DAILY,
        arxiv_config: SourceConfig = DEFAULT_ARXIV,
        *,
        backoff_base: float = 300.0,
        backoff_cap: float = 6 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        today: Callable[[], str] = utc_today,
    ) -> None:
        self.store = store
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._clock = clock
        self._today = today
        self._sources = {
            name: _Source(config, Fetcher(config.base_url, timeout=config.timeout, spacing=config.spacing, clock=clock, sleep=sleep))
            for name, config in ((HF_DAILY, hf_daily_config), (ARXIV, arxiv_config))
        }

    def backoff(self, source: str) -> Backoff:
        """Return the backoff state of `source` ('hf-daily' or 'arxiv')."""
        return self._sources[source].backoff

    def refresh_hf_daily(self, day: str | None = None, *, force: bool = False) -> RefreshReport:
        """Ingest one day's Hugging Face daily papers; `force` makes it a one-shot run (see `_run`)."""
        day = hf_daily.check_day(day or self._today())
        fetcher = self._sources[HF_DAILY].fetcher
        return self._run(HF_DAILY, hf_daily.source_name(day), lambda: hf_daily.fetch_daily_papers(fetcher, day), force)

    def refresh_arxiv(self, query: str | None = None, *, force: bool = False) -> RefreshReport:
        """Ingest the newest arXiv papers for `query` (default: configured); `force`: a one-shot run (see `_run`)."""
        source = self._sources[ARXIV]
        query = (query or source.config.query or "").strip()
        if not query:
            return RefreshReport(ARXIV, "failed", error="no arXiv query configured")
        fetch = lambda: arxiv.fetch_query(source.fetcher, query, source.config.max_results)  # noqa: E731
        return self._run(ARXIV, arxiv.source_name(query), fetch, force)

    def fetch_arxiv_ids(self, arxiv_ids: list[str], *, wait: float | None = 0.0) -> RefreshReport:
        """Ingest the arXiv papers with these ids now (a paper someone pasted), as the feed's own run.

        Not forced: a feed that is off, backing off or was told Retry-After is not asked, and a
        failure schedules the feed's next attempt like any other. `wait`: how long to wait for a
        fetch already under way (None: as long as it takes); past that the report says 'busy'.
        """
        source = self._sources[ARXIV]
        feed = arxiv.source_name("id:" + ",".join(arxiv_ids))
        return self._run(ARXIV, feed, lambda: arxiv.fetch_ids(source.fetcher, arxiv_ids), False, wait=wait)

    def _run(
        self, name: str, feed: str, fetch: Callable[[], ParseResult], force: bool, *, wait: float | None = None
    ) -> RefreshReport:
        """Fetch one feed into the store; a forced run ignores `enabled` and backoff and leaves backoff alone."""
        # A forced run is a one-shot (`paperscout ingest`): nothing will retry it and its caller prints
        # the report, so it neither schedules a retry nor logs at WARNING what the report already says.
        source = self._sources[name]
        if not force and not source.config.enabled:
            return RefreshReport(name, "disabled", feed=feed)
        if not source.lock.acquire(timeout=-1 if wait is None else wait):
            return RefreshReport(name, "busy", feed=feed, error="another fetch from this feed is under way")
        try:
            return self._run_locked(name, feed, fetch, force)
        finally:
            source.lock.release()

    def _run_locked(self, name: str, feed: str, fetch: Callable[[], ParseResult], force: bool) -> RefreshReport:
        source = self._sources[name]
        # Read under the lock: a fetch that just failed may have set the next attempt meanwhile.
        now = self._clock()
        state = source.backoff
        if not force and state.next_attempt is not None and now < state.next_attempt:
            return RefreshReport(name, "backoff", feed=feed, error=state.last_error, retry_at=state.next_attempt)
        try:
            result = fetch()
        except (FetchError, PayloadError) as exc:
            if force:
                log.info("%s failed (one-shot run, no retry scheduled): %s", feed, exc)
                return RefreshReport(name, "failed", feed=feed, error=str(exc))
            return self._failed(name, feed, str(exc), getattr(exc, "retry_after", None))
        # Parsing is done before the store is touched, so a failure above leaves it as it was; the
        # batch is one transaction, so a failure here leaves it as it was too, and the feed is retried.
        try:
            added = self.store.add(result.candidates, origin=feed)
        except (sqlite3.Error, CorpusError, OSError) as exc:
            error = f"storing its papers in {self.store.path} failed: {exc}"
            if force:
                return RefreshReport(name, "failed", feed=feed, error=error)
            return self._failed(name, feed, error, None)
        if not force:
            state.failures, state.next_attempt, state.last_error = 0, None, None
        for problem in result.problems:
            log.log(logging.INFO if force else logging.WARNING, "%s", problem)
        log.info(
            "%s: %d fetched, %d added, %d updated, %d skipped",
            feed, len(result.candidates) + len(result.problems), len(added.added), len(added.updated), len(result.problems),
        )
        return RefreshReport(
            name,
            "ok",
            feed=feed,
            fetched=len(result.candidates) + len(result.problems),
            added=tuple(added.added),
            updated=tuple(added.updated),
            unchanged=added.unchanged,
            problems=result.problems,
        )

    def _failed(self, name: str, feed: str, error: str, retry_after: float | None) -> RefreshReport:
        state = self._sources[name].backoff
        state.failures += 1
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (state.failures - 1))
        if retry_after is not None:
            # The server knows best when it will take us again, but never wait past the cap.
            delay = min(self.backoff_cap, max(delay, retry_after))
        state.next_attempt = self._clock() + delay
        state.last_error = error
        log.warning("%s failed (%d in a row), next attempt in %.0f s: %s", feed, state.failures, delay, error)
        return RefreshReport(name, "failed", feed=feed, error=error, retry_at=state.next_attempt)


def ingest_hf_daily(store: CorpusStore, day: str, config: SourceConfig = DEFAULT_HF_DAILY) -> RefreshReport:
    """Ingest one day's Hugging Face daily papers into `store` now (for `paperscout ingest --hf-daily`)."""
    return Refresher(store, hf_daily_config=config).refresh_hf_daily(day, force=True)


def ingest_arxiv(store: CorpusStore, query: str, config: SourceConfig = DEFAULT_ARXIV) -> RefreshReport:
    """Ingest the newest arXiv papers for `query` into `store` now (for `paperscout ingest --arxiv`)."""
    return Refresher(store, arxiv_config=config).refresh_arxiv(query, force=True)
