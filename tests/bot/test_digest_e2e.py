"""End to end: the weekly digest with the real bot on the loopback Discord, its scheduler on a hand-moved clock.

Each restart closes the bot and reopens the state file, as a new process would; only the file,
the fake Discord and the clock carry over.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest

from bot.core.digest_schedule import digest_nonce
from bot.core.digest_text import marker
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.scheduler import Scheduler
from bot.datadir import DataDir
from bot.discord_app.digest_post import digest_poster
from bot.discord_app.trending_post import TrendingPoster
from bot.state import SqliteEventSink, State
from bot.state.digest_settings import DigestLedger, DigestSettings
from corpus.paper import Paper
from tests.bot.fakes import ATTENTION, FAST_SINKHORN, GRAPHS, IMPLICIT, SINKHORN, FakeRetriever
from tests.bot.harness import Clock, no_pings, running_bot
from tests.fakediscord import FakeDiscord, FakeMessage
from tests.fakediscord.pytest_helpers import ClientRun

# Monday 23 November 2026, 09:00 in Paris, is 08:00 UTC (ISO week 48).
SLOT = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
WEEK, NEXT_WEEK = "2026-W48", "2026-W49"
MONDAY = 0


def dated(paper: Paper, days_before: float, upvotes: int | None = None) -> Paper:
    return dataclasses.replace(paper, published=(SLOT - timedelta(days=days_before)).isoformat(), upvotes=upvotes)


# This week's graph and Sinkhorn papers; two older, upvoted papers that trend.
PAPERS = (
    *(dated(p, 2) for p in GRAPHS), dated(SINKHORN, 3), dated(FAST_SINKHORN, 3),
    dated(IMPLICIT, 40, upvotes=60), dated(ATTENTION, 40, upvotes=50),
)


class World:
    """The state file, papers and clock that outlive a bot process, and starting a bot over them."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path, papers: tuple[Paper, ...] = PAPERS) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.retriever = FakeRetriever(papers)
        self.clock = Clock(SLOT - timedelta(minutes=1))
        self.state = State.open(DataDir(tmp_path).state)
        assert fake.guild is not None
        self.guild_id = fake.guild.id
        self.channel_id = next(c.id for c in fake.guild.text_channels if c.name == "papers")

    def set_digest(self, guild_id: int, channel_id: int, topic: str) -> None:
        DigestSettings(self.state.db).set_weekly(guild_id, MONDAY, "09:00", channel_id, "Europe/Paris")
        self.state.subscriptions.add(guild_id, channel_id, self.fake.moderator.id, topic)

    def digests(self, channel_id: int | None = None) -> list[FakeMessage]:
        channel = channel_id or self.channel_id
        return [m for m in self.fake.bot_messages(channel) if "PaperScout weekly digest" in m.content]

    def ledger(self) -> DigestLedger:
        return DigestLedger(self.state.db)

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[tuple[ClientRun, Scheduler]]:
        """Start a bot process over this world; yield it and its scheduler (ticked by hand)."""
        self.state.close()
        self.state = State.open(DataDir(self.tmp_path).state)
        handlers = Handlers(LiveIndex(self.retriever), SqliteEventSink(self.state.events), SlidingWindowLimiter(100, 30))
        async with running_bot(self.fake, handlers, self.tmp_path, state=self.state, clock=self.clock) as run:
            trending = TrendingPoster(run.client, self.state.ledger, self.state.events, handlers.index)
            digest = digest_poster(run.client, self.state, handlers.index)
            yield run, Scheduler(self.state.servers, self.state.meta, trending, digest=digest.post_due, now=self.clock)


@pytest.fixture
def world(fake: FakeDiscord, tmp_path: Path) -> Iterator[World]:
    w = World(fake, tmp_path)
    yield w
    w.state.close()


def titles(message: FakeMessage) -> list[str]:
    return [embed["title"] for embed in message.embeds]


async def test_exactly_one_digest_a_week_across_restarts(world: World) -> None:
    world.set_digest(world.guild_id, world.channel_id, "graph neural networks")
    async with world.connect() as (run, scheduler):
        assert (await scheduler.tick()).digests == {} and world.digests() == []
        world.clock.now = SLOT
        assert (await scheduler.tick()).digests == {world.guild_id: "sent"}
        [digest] = world.digests()
        title, topics, trending, tag = digest.content.split("\n")
        assert "Weekly digest for the week to Monday 23 November 2026" in title
        assert topics.startswith("**1\u20135** \u00b7 new this week") and trending.startswith("**6\u20137** \u00b7 trending")
        assert tag == marker(WEEK) and digest.nonce == digest_nonce(world.guild_id, WEEK)
        assert titles(digest)[:5] == [f"{i}. Graph Neural Networks for Task {i - 1}" for i in range(1, 6)]
        assert titles(digest)[5:] == [f"6. {IMPLICIT.title}", f"7. {ATTENTION.title}"]
        assert "graph neural networks" in digest.embeds[0]["description"] and no_pings(digest)
        assert digest.custom_ids() == []  # no vote buttons: votes belong to the daily post
        world.clock.now = SLOT + timedelta(hours=6)
        assert (await scheduler.tick()).digests == {}
    record = world.ledger().get(world.guild_id, WEEK)
    assert record is not None and record.status == "sent" and record.message_id == digest.id

    # Restarted later that day, and again on Thursday: the week is settled.
    for later in (timedelta(hours=3), timedelta(days=3)):
        world.clock.now = SLOT + later
        async with world.connect() as (run, scheduler):
            assert (await scheduler.tick()).digests == {}
    assert len(world.digests()) == 1

    # The next Monday, one more.
    world.clock.now = SLOT + timedelta(days=7)
    async with world.connect() as (run, scheduler):
        assert (await scheduler.tick()).digests == {world.guild_id: "sent"}
        assert (await scheduler.tick()).digests == {}
    first, second = world.digests()
    assert second.content.endswith(marker(NEXT_WEEK))
    assert [r.week for r in world.ledger().weeks(world.guild_id)] == [WEEK, NEXT_WEEK]


async def test_a_claim_that_crashed_before_sending_is_sent_once_with_its_papers(world: World) -> None:
    world.set_digest(world.guild_id, world.channel_id, "graph neural networks")
    content = '[{"kind": "topics", "papers": [["p-graph-3", "new this week, close to the topic", ""]]}]'
    claimed = world.ledger().claim(world.guild_id, WEEK, world.channel_id, digest_nonce(world.guild_id, WEEK), content)
    assert claimed is not None
    # A second claim of the week (another process, a restart) gets nothing.
    assert world.ledger().claim(world.guild_id, WEEK, world.channel_id, "x", "[]") is None
    world.clock.now = SLOT + timedelta(minutes=5)
    async with world.connect() as (run, scheduler):
        assert (await scheduler.tick()).digests == {world.guild_id: "sent"}
        assert (await scheduler.tick()).digests == {}
    [digest] = world.digests()
    assert titles(digest) == ["1. Graph Neural Networks for Task 3"]


async def test_a_digest_sent_just_before_a_crash_is_found_in_the_channel_not_sent_again(world: World) -> None:
    world.set_digest(world.guild_id, world.channel_id, "graph neural networks")
    world.clock.now = SLOT
    async with world.connect() as (run, scheduler):
        await scheduler.tick()
    [digest] = world.digests()
    # As if the process died after Discord took the message, before the ledger said so.
    world.ledger().mark(world.guild_id, WEEK, "pending")
    world.clock.now = SLOT + timedelta(hours=1)
    async with world.connect() as (run, scheduler):
        assert (await scheduler.tick()).digests == {world.guild_id: "recovered"}
    assert [m.id for m in world.digests()] == [digest.id]
    record = world.ledger().get(world.guild_id, WEEK)
    assert record is not None and record.status == "sent" and record.message_id == digest.id


async def test_a_slot_missed_all_day_is_skipped_and_one_missed_for_hours_is_sent_late(world: World) -> None:
    world.set_digest(world.guild_id, world.channel_id, "graph neural networks")
    # Down all of Monday the 23rd; back on Tuesday.
    world.clock.now = SLOT + timedelta(days=1)
    async with world.connect() as (run, scheduler):
        assert (await scheduler.tick()).digests == {}
    assert world.digests() == [] and world.ledger().weeks(world.guild_id) == []
    # Down on the next Monday morning, back at 23:30 Paris time: sent late, once.
    world.clock.now = SLOT + timedelta(days=7, hours=14, minutes=30)
    async with world.connect() as (run, scheduler):
        assert (await scheduler.tick()).digests == {world.guild_id: "sent"}
        world.clock.now += timedelta(hours=1)  # past midnight: Tuesday
        assert (await scheduler.tick()).digests == {}
    [digest] = world.digests()
    assert digest.content.endswith(marker(NEXT_WEEK))


async def test_each_server_gets_only_its_own_topics_and_trending(fake: FakeDiscord, tmp_path: Path) -> None:
    # No upvotes anywhere: only what each server did can make a paper trend there.
    world = World(fake, tmp_path, tuple(dataclasses.replace(p, upvotes=None) for p in PAPERS))
    try:
        other = await fake.add_guild("Other Lab", channels=("digest",))
        other_channel = other.text_channels[0].id
        world.set_digest(world.guild_id, world.channel_id, "graph neural networks")
        world.set_digest(other.id, other_channel, "sinkhorn")
        for user in range(3):
            world.state.ledger.record_vote(other.id, 900, IMPLICIT.id, 1000 + user, SLOT - timedelta(hours=5))
        world.clock.now = SLOT
        async with world.connect() as (run, scheduler):
            assert (await scheduler.tick()).digests == {world.guild_id: "sent", other.id: "sent"}
        [home] = world.digests()
        [theirs] = world.digests(other_channel)
        # Home: its topic's papers; no trending (no signal, no searches here), none of the other server's.
        assert titles(home) == [f"{i}. Graph Neural Networks for Task {i - 1}" for i in range(1, 6)]
        assert len(home.content.split("\n")) == 3
        assert titles(theirs) == [f"1. {SINKHORN.title}", f"2. {FAST_SINKHORN.title}", f"3. {IMPLICIT.title}"]
        assert "engagement 9 in this server" in theirs.embeds[2]["description"]
    finally:
        world.state.close()
