"""The scheduler on a hand-moved clock, and the fresh-paper refresh against loopback feeds.

The first tests drive `Scheduler.tick()` with a recording poster and refresh, so the order
and frequency of jobs are checked without Discord; the last ones run `FreshPapers` over a
real corpus store, loopback HTTP feeds and the real encoder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core.daily_post import due_day
from bot.core.engagement import SEARCH, EngagementEvent
from bot.core.fresh_papers import FreshOutcome, FreshPapers
from bot.core.scheduler import Scheduler
from bot.datadir import DataDir
from bot.state import GuildSettings, State, utc_iso
from corpus.ingest import open_corpus, read_page, shipped_pages
from corpus.sources.refresh import Refresher, SourceConfig
from corpus.store import CorpusStore
from retrieval.index import open_retriever
from tests.bot.harness import Clock
from tests.sources_fixtures import FakeClock, LoopbackServer, arxiv_feed, hf_item
from tests.test_retrieval_index import CountingEncoder

HF_PATH = "/api/daily_papers"
ARXIV_PATH = "/api/query"


@dataclass
class RecordingPoster:
    """Posts nothing; records what the scheduler asked, in order with the refreshes."""

    log: list[str]
    settled: set[tuple[int, str]] = field(default_factory=set)
    broken: set[int] = field(default_factory=set)

    def pending_day(self, settings: GuildSettings, now: datetime) -> str | None:
        day = due_day(settings, now)
        return None if day is None or (settings.guild_id, day) in self.settled else day

    async def post(self, settings: GuildSettings, now: datetime) -> str:
        day = self.pending_day(settings, now)
        assert day is not None
        if settings.guild_id in self.broken:
            raise RuntimeError("this server's post blew up")
        self.settled.add((settings.guild_id, day))
        self.log.append(f"post {settings.guild_id} {day}")
        return "sent"


@dataclass
class RecordingRefresh:
    """Stands in for FreshPapers.refresh: records calls, fails while `complete` is False."""

    log: list[str]
    complete: bool = True
    added: tuple[str, ...] = ()

    def __call__(self, day: str) -> FreshOutcome:
        self.log.append(f"refresh {day}")
        return FreshOutcome((), self.added, self.complete)


@pytest.fixture
def state(store: State) -> State:
    """The state store (the conftest's `store`), named for what the scheduler calls it."""
    return store


def scheduler_for(state: State, clock: Clock, log: list[str], refresh: RecordingRefresh) -> Scheduler:
    async def deliver(now: datetime) -> None:
        log.append(f"deliver {now:%H:%M}")

    return Scheduler(state.servers, state.meta, RecordingPoster(log), prune=state.prune, refresh=refresh, deliver=deliver, refresh_time=datetime.min.time().replace(hour=5), now=clock)


async def test_refresh_runs_once_a_day_at_its_utc_time_then_delivers(state: State) -> None:
    log: list[str] = []
    clock = Clock(datetime(2026, 11, 23, 4, 59, tzinfo=timezone.utc))
    scheduler = scheduler_for(state, clock, log, RecordingRefresh(log))
    await scheduler.tick()
    assert log == []
    clock.now = clock.now.replace(hour=5, minute=0)
    await scheduler.tick()
    clock.now += timedelta(hours=3)
    await scheduler.tick()
    assert log == ["refresh 2026-11-23", "deliver 05:00"]
    # A restart (new scheduler, same state) does not refresh again that day.
    again = scheduler_for(state, clock, log, RecordingRefresh(log))
    await again.tick()
    assert log == ["refresh 2026-11-23", "deliver 05:00"]
    clock.now = datetime(2026, 11, 24, 5, 1, tzinfo=timezone.utc)
    await again.tick()
    assert log[2:] == ["refresh 2026-11-24", "deliver 05:01"]


async def test_a_due_post_runs_the_refresh_first_even_before_the_refresh_time(state: State) -> None:
    log: list[str] = []
    state.servers.set_trending(1, 10, "03:00", "UTC")
    clock = Clock(datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc))
    scheduler = scheduler_for(state, clock, log, RecordingRefresh(log))
    report = await scheduler.tick()
    assert log == ["refresh 2026-11-23", "post 1 2026-11-23"]
    assert report.posts == {1: "sent"}


async def test_a_failing_refresh_is_retried_on_later_ticks_and_new_papers_are_delivered(state: State) -> None:
    log: list[str] = []
    clock = Clock(datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc))
    refresh = RecordingRefresh(log, complete=False)
    scheduler = scheduler_for(state, clock, log, refresh)
    await scheduler.tick()
    clock.now += timedelta(minutes=1)
    refresh.complete, refresh.added = True, ("p-new",)
    await scheduler.tick()
    clock.now += timedelta(minutes=1)
    await scheduler.tick()
    # Retried until it got through; delivery ran after the first attempt and again when papers arrived.
    assert log == ["refresh 2026-11-23", "deliver 06:00", "refresh 2026-11-23", "deliver 06:01"]


async def test_a_crashing_refresh_or_delivery_does_not_hold_up_the_posts(state: State, caplog) -> None:
    log: list[str] = []
    state.servers.set_trending(1, 10, "06:00", "UTC")

    def broken_refresh(day: str) -> FreshOutcome:
        log.append(f"refresh {day}")
        raise RuntimeError("disk on fire")

    async def broken_delivery(now: datetime) -> None:
        raise RuntimeError("also on fire")

    clock = Clock(datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc))
    scheduler = Scheduler(state.servers, state.meta, RecordingPoster(log), prune=state.prune, refresh=broken_refresh, deliver=broken_delivery, now=clock)
    report = await scheduler.tick()
    assert report.posts == {1: "sent"} and report.refresh is None and not report.delivered
    assert log == ["refresh 2026-11-23", "post 1 2026-11-23"]
    assert "refresh failed" in caplog.text and "delivering subscriptions failed" in caplog.text
    # The refresh is tried again on the next tick (it never completed).
    clock.now += timedelta(seconds=30)
    await scheduler.tick()
    assert log[-1] == "refresh 2026-11-23"


async def test_one_servers_failing_post_does_not_cost_the_others_theirs(state: State) -> None:
    log: list[str] = []
    state.servers.set_trending(1, 10, "06:00", "UTC")
    state.servers.set_trending(2, 20, "06:00", "UTC")
    poster = RecordingPoster(log, broken={1})
    clock = Clock(datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc))
    report = await Scheduler(state.servers, state.meta, poster, now=clock).tick()
    assert report.posts == {1: "error", 2: "sent"}
    poster.broken.clear()
    clock.now += timedelta(seconds=30)
    assert (await Scheduler(state.servers, state.meta, poster, now=clock).tick()).posts == {1: "sent"}


async def test_old_events_are_pruned_once_a_day(state: State) -> None:
    now = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)
    old = EngagementEvent(SEARCH, 7, 1, ("p",), "q", at=utc_iso(now - timedelta(days=91)))
    recent = EngagementEvent(SEARCH, 7, 1, ("p",), "q", at=utc_iso(now - timedelta(days=89)))
    state.events.add_many([old, recent])
    state.ledger.record_vote(1, 99, "p", 7, now - timedelta(days=100))
    log: list[str] = []
    await scheduler_for(state, Clock(now), log, RecordingRefresh(log)).tick()
    assert [e.ts for e in state.events.read(1)] == [recent.at]
    assert state.ledger.vote_counts(1, now - timedelta(days=365)) == {}


async def test_a_server_with_an_unknown_timezone_is_skipped_not_fatal(state: State) -> None:
    state.servers.set_trending(1, 10, "03:00", "Mars/Olympus_Mons")
    state.servers.set_trending(2, 20, "03:00", "UTC")
    log: list[str] = []
    clock = Clock(datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc))
    report = await scheduler_for(state, clock, log, RecordingRefresh(log)).tick()
    assert report.posts == {2: "sent"}


# ------------------------------------------------------------- fresh papers, for real


@pytest.fixture
def feeds():
    server = LoopbackServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def seed_papers():
    """Six shipped papers as a small starting corpus (candidates, as a page gives them)."""
    return read_page(shipped_pages()[0])[:6]


def seeded_store(tmp_path: Path, candidates) -> CorpusStore:
    store = open_corpus(DataDir(tmp_path).corpus, seed=False)
    store.add(candidates, origin="test seed")
    return store


def fresh_for(tmp_path: Path, papers, encoder, feeds: LoopbackServer, published: list):
    store = seeded_store(tmp_path, papers)
    clock = FakeClock()
    refresher = Refresher(
        store,
        SourceConfig(base_url=feeds.url, timeout=0.5, spacing=0.0),
        SourceConfig(base_url=feeds.url, timeout=0.5, spacing=0.0, query="cat:cs.LG", max_results=10),
        backoff_base=60.0,
        clock=clock,
        sleep=clock.sleep,
    )
    fresh = FreshPapers(refresher, lambda: published.append(open_retriever(store.papers(), DataDir(tmp_path).index_paths(), encoder)))
    return store, clock, fresh


def test_fresh_papers_are_indexed_alone_and_published(tmp_path: Path, encoder, seed_papers, feeds) -> None:
    counting = CountingEncoder(encoder)
    open_retriever(seeded_store(tmp_path, seed_papers).papers(), DataDir(tmp_path).index_paths(), counting)
    feeds.set(HF_PATH, json.dumps([hf_item("2611.00001", "Sinkhorn Iterations on a Budget", "We make Sinkhorn iterations cheaper.", upvotes=12)]))
    feeds.set(ARXIV_PATH, arxiv_feed(), content_type="application/atom+xml")
    published: list = []
    store, _, fresh = fresh_for(tmp_path, seed_papers, counting, feeds, published)
    counting.texts = 0

    outcome = fresh.refresh("2026-11-23")

    assert outcome.complete and len(outcome.added) == len(store) - len(seed_papers) >= 2
    [retriever] = published
    assert len(retriever) == len(store)
    # Only the new papers were embedded (each paper is its text plus a few sentence windows).
    assert 0 < counting.texts <= 4 * len(outcome.added)
    top = retriever.search("cheaper Sinkhorn iterations", 3).hits[0]
    assert top.paper.title == "Sinkhorn Iterations on a Budget" and top.paper.upvotes == 12


def test_a_failing_feed_is_retried_later_without_refetching_the_good_one(tmp_path: Path, encoder, seed_papers, feeds) -> None:
    feeds.set(HF_PATH, json.dumps([hf_item("2611.00002", "A Paper From The Daily List")]))
    feeds.set(ARXIV_PATH, "upstream broke", status=503, content_type="text/plain")
    published: list = []
    store, clock, fresh = fresh_for(tmp_path, seed_papers, encoder, feeds, published)

    first = fresh.refresh("2026-11-23")
    assert not first.complete and [r.status for r in first.reports] == ["ok", "failed"]
    assert len(published) == 1 and len(store) == len(seed_papers) + 1

    # Next tick, still inside the backoff: nothing is fetched at all.
    second = fresh.refresh("2026-11-23")
    assert [r.status for r in second.reports] == ["backoff"] and len(feeds.requests_to(HF_PATH)) == 1

    feeds.set(ARXIV_PATH, arxiv_feed(), content_type="application/atom+xml")
    clock.advance(61)
    third = fresh.refresh("2026-11-23")
    assert third.complete and [r.source for r in third.reports] == ["arxiv"]
    assert len(feeds.requests_to(HF_PATH)) == 1 and len(published) == 2
    assert len(open_corpus(store.path, seed=False)) == len(store)
