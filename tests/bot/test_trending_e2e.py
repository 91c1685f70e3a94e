"""End to end: the daily trending post, votes, reactions and /trending, with the real bot on the fake Discord.

The scheduler runs on a hand-moved clock: each test calls `tick()` at chosen instants instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest

from bot.core.daily_post import post_nonce
from bot.core.engagement import SEARCH, EngagementEvent
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.scheduler import Scheduler
from bot.core.trending import NEAR_SEARCHES, ROTATION, TRENDING
from bot.core.trending_text import marker
from bot.datadir import DataDir
from bot.discord_app.embeds import escape
from bot.discord_app.trending_post import VOTE_PREFIX, TrendingPoster
from bot.state import SqliteEventSink, State, utc_iso
from corpus.paper import Paper
from tests.bot.fakes import PAPERS, FakeRetriever
from tests.bot.harness import Clock, eventually, running_bot
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, FakeMessage
from tests.fakediscord.pytest_helpers import ClientRun

TIMEOUT = 5.0
# 09:00 in Paris on 23 November 2026 is 08:00 UTC.
BEFORE = datetime(2026, 11, 23, 7, 59, tzinfo=timezone.utc)
AT = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
DAY = "2026-11-23"


def popular(papers: tuple[Paper, ...]) -> list[Paper]:
    """Give the papers distinct upvote counts (the first most), published the day before the test."""
    return [
        dataclasses.replace(p, upvotes=100 - 7 * i, published="2026-11-22T00:00:00+00:00") for i, p in enumerate(papers)
    ]


class World:
    """The state, retriever and clock that outlive one bot process, and starting a bot over them."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path, papers: list[Paper]) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.retriever = FakeRetriever(tuple(papers))
        self.clock = Clock(BEFORE)
        self.state = State.open(DataDir(tmp_path).state)
        assert fake.guild is not None
        self.guild_id = fake.guild.id
        self.channel_id = next(c.id for c in fake.guild.text_channels if c.name == "papers")

    def configure(self, time: str = "09:00", tz: str = "Europe/Paris") -> None:
        self.state.servers.set_trending(self.guild_id, self.channel_id, time, tz)

    def posts(self) -> list[FakeMessage]:
        return [m for m in self.fake.bot_messages(self.channel_id) if "PaperScout daily post" in m.content]

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[tuple[ClientRun, Scheduler]]:
        """Start a bot process over this world (state, papers, clock); yield it and its scheduler."""
        # A new process opens the state file afresh: nothing survives in memory.
        self.state.close()
        self.state = State.open(DataDir(self.tmp_path).state)
        handlers = Handlers(LiveIndex(self.retriever), SqliteEventSink(self.state.events), SlidingWindowLimiter(100, 30))
        async with running_bot(self.fake, handlers, self.tmp_path, state=self.state, clock=self.clock) as run:
            poster = TrendingPoster(run.client, self.state.ledger, self.state.events, handlers.index)
            yield run, Scheduler(self.state.servers, self.state.meta, poster, prune=self.state.prune, now=self.clock)


@pytest.fixture
def world(fake: FakeDiscord, tmp_path: Path) -> Iterator[World]:
    """Popular papers, a configured-later server, state in a temp dir."""
    w = World(fake, tmp_path, popular(PAPERS))
    yield w
    w.state.close()


def vote_ids(msg: FakeMessage) -> list[str]:
    return [cid for cid in msg.custom_ids() if cid.startswith(VOTE_PREFIX)]


async def test_nothing_is_posted_before_a_channel_is_chosen_or_before_the_time(world: World) -> None:
    async with world.connect() as (run, scheduler):
        world.clock.now = AT + timedelta(hours=3)
        report = await scheduler.tick()
        assert report.posts == {} and world.posts() == []

        world.configure("09:00", "Europe/Paris")
        world.clock.now = BEFORE
        report = await scheduler.tick()
        assert report.posts == {} and world.posts() == []
        assert world.state.ledger.get(world.guild_id, DAY) is None


async def test_post_at_the_chosen_local_time_has_header_five_cards_votes_and_footer(world: World) -> None:
    world.configure("09:00", "Europe/Paris")
    async with world.connect() as (run, scheduler):
        world.clock.now = AT
        report = await scheduler.tick()
        assert report.posts == {world.guild_id: "sent"}
        [post] = world.posts()
        header, tag = post.content.split("\n")
        assert "Trending papers for Monday 23 November" in header and tag == marker(DAY)
        # The five most upvoted papers, in order, one 👍 button each.
        expected = [p.id for p in world.retriever.papers[:5]]
        assert [e["title"] for e in post.embeds] == [
            f"{i}. {escape(p.clean_title)}" for i, p in enumerate(world.retriever.papers[:5], 1)
        ]
        assert vote_ids(post) == [f"{VOTE_PREFIX}{pid}" for pid in expected]
        assert "Why it's here" in post.embeds[0]["description"] and "100 upvotes" in post.embeds[0]["description"]
        footer = post.embeds[-1]["footer"]["text"]
        assert footer.startswith("Ranked by") and footer.count(". ") == 0
        assert post.nonce == post_nonce(world.guild_id, DAY)
        record = world.state.ledger.get(world.guild_id, DAY)
        assert record is not None and record.status == "sent" and record.message_id == post.id
        assert record.paper_ids == tuple(expected) and record.mode == TRENDING

        # Later the same day: nothing more.
        world.clock.now = AT + timedelta(hours=5)
        assert (await scheduler.tick()).posts == {}
        assert len(world.posts()) == 1


async def test_no_second_post_after_a_restart_the_same_day(world: World) -> None:
    world.configure()
    world.clock.now = AT
    async with world.connect() as (run, scheduler):
        await scheduler.tick()
    assert len(world.posts()) == 1
    world.clock.now = AT + timedelta(minutes=30)
    async with world.connect() as (run, scheduler):
        report = await scheduler.tick()
    assert report.posts == {} and len(world.posts()) == 1


async def test_a_crash_between_send_and_ledger_is_recovered_from_the_channel_history(world: World) -> None:
    world.configure()
    world.clock.now = AT
    async with world.connect() as (run, scheduler):
        await scheduler.tick()
    [post] = world.posts()
    # As if the process died after Discord accepted the message but before the ledger said so.
    world.state.ledger.mark(world.guild_id, DAY, "pending")
    world.clock.now = AT + timedelta(hours=2)
    async with world.connect() as (run, scheduler):
        report = await scheduler.tick()
    assert report.posts == {world.guild_id: "recovered"}
    assert [m.id for m in world.posts()] == [post.id]
    record = world.state.ledger.get(world.guild_id, DAY)
    assert record is not None and record.status == "sent" and record.message_id == post.id


async def test_a_crash_before_sending_sends_the_recorded_papers_once(world: World) -> None:
    world.configure()
    ids = [p.id for p in world.retriever.papers[5:8]]
    # The intent was written, then the process died before the message went out.
    world.state.ledger.record_intent(world.guild_id, DAY, world.channel_id, post_nonce(world.guild_id, DAY), ids)
    world.clock.now = AT + timedelta(minutes=1)
    async with world.connect() as (run, scheduler):
        report = await scheduler.tick()
        assert report.posts == {world.guild_id: "sent"}
        [post] = world.posts()
        assert vote_ids(post) == [f"{VOTE_PREFIX}{pid}" for pid in ids]
        # A second tick (e.g. a retry) finds the day settled.
        assert (await scheduler.tick()).posts == {}
    assert len(world.posts()) == 1


async def test_catch_up_after_downtime_posts_once_the_same_day_and_never_for_a_missed_day(world: World) -> None:
    world.configure("09:00", "Europe/Paris")
    # Down all of the 23rd; back at 18:00 Paris time on the 24th.
    world.clock.now = datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
    async with world.connect() as (run, scheduler):
        report = await scheduler.tick()
        assert report.posts == {world.guild_id: "sent"}
        assert (await scheduler.tick()).posts == {}
    assert world.state.ledger.get(world.guild_id, DAY) is None
    record = world.state.ledger.get(world.guild_id, "2026-11-24")
    assert record is not None and record.status == "sent"
    assert len(world.posts()) == 1


async def test_a_paper_is_not_posted_again_for_thirty_days(world: World) -> None:
    world.configure("09:00", "UTC")
    days: list[list[str]] = []
    async with world.connect() as (run, scheduler):
        for offset in (0, 1, 30):
            world.clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc) + timedelta(days=offset)
            await scheduler.tick()
            days.append(vote_ids(world.posts()[-1]))
    first, second, thirtieth = days
    assert len(first) == 5 and not set(first) & set(second)
    # Day 31 is past the 30-day rule (and freshness has moved on): the earlier papers may return.
    assert set(thirtieth) & (set(first) | set(second))


async def test_a_day_with_nothing_new_is_skipped_and_logged(fake: FakeDiscord, tmp_path: Path, caplog) -> None:
    world = World(fake, tmp_path, popular(PAPERS[:3]))
    try:
        world.configure("09:00", "UTC")
        async with world.connect() as (run, scheduler):
            world.clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
            assert (await scheduler.tick()).posts == {world.guild_id: "sent"}
            world.clock.now += timedelta(days=1)
            with caplog.at_level("INFO", logger="bot.discord_app.trending_post"):
                assert (await scheduler.tick()).posts == {world.guild_id: "skipped"}
            assert "skipping the day" in caplog.text
            assert len(world.posts()) == 1
            record = world.state.ledger.get(world.guild_id, "2026-11-02")
            assert record is not None and record.status == "skipped" and record.paper_ids == ()
            # Skipped is settled: no retry every tick.
            assert (await scheduler.tick()).posts == {}
    finally:
        world.state.close()


async def test_votes_persist_across_a_restart_and_count_once_per_user(world: World) -> None:
    world.configure()
    world.clock.now = AT
    async with world.connect() as (run, scheduler):
        await scheduler.tick()
    [post] = world.posts()
    target = world.retriever.papers[4].id
    since = AT - timedelta(days=1)
    # A new process: the 👍 buttons of the earlier post still work.
    async with world.connect() as (run, scheduler):
        fake = world.fake
        first = await fake.click_button(post, f"{VOTE_PREFIX}{target}", user=fake.user)
        answer = await fake.wait_for_response(first, timeout=TIMEOUT)
        assert answer.flags & FLAG_EPHEMERAL and "counted" in answer.content
        again = await fake.click_button(post, f"{VOTE_PREFIX}{target}", user=fake.user)
        assert "already voted" in (await fake.wait_for_response(again, timeout=TIMEOUT)).content
        other = await fake.click_button(post, f"{VOTE_PREFIX}{target}", user=fake.moderator)
        await fake.wait_for_response(other, timeout=TIMEOUT)
    assert world.state.ledger.vote_counts(world.guild_id, since) == {target: 2}


async def test_thumbs_up_and_fire_reactions_count_for_every_card_of_the_post(world: World) -> None:
    world.configure()
    world.clock.now = AT
    since = AT - timedelta(days=1)
    async with world.connect() as (run, scheduler):
        await scheduler.tick()
        [post] = world.posts()
        fake = world.fake
        await fake.add_reaction(world.channel_id, post.id, "\N{FIRE}", user=fake.user)
        await fake.add_reaction(world.channel_id, post.id, "\N{THUMBS UP SIGN}", user=fake.moderator)
        await fake.add_reaction(world.channel_id, post.id, "\N{PILE OF POO}", user=fake.user)
        expected = {pid[len(VOTE_PREFIX):]: 2 for pid in vote_ids(post)}
        await eventually(lambda: world.state.ledger.reaction_counts(world.guild_id, since) == expected, "two reactions counted")
        await fake.remove_reaction(world.channel_id, post.id, "\N{FIRE}", user=fake.user)
        expected = {pid: 1 for pid in expected}
        await eventually(lambda: world.state.ledger.reaction_counts(world.guild_id, since) == expected, "one reaction left")
        # A reaction on any other message is not ours to count.
        other = await fake.send_message(world.channel_id, "unrelated", author=fake.user)
        await fake.add_reaction(world.channel_id, other.id, "\N{FIRE}", user=fake.user)
        await asyncio.sleep(0.2)
        assert world.state.ledger.reaction_counts(world.guild_id, since) == expected


async def test_votes_lift_a_paper_in_trending_on_demand(world: World) -> None:
    world.configure()
    world.clock.now = AT
    async with world.connect() as (run, scheduler):
        await scheduler.tick()
        [post] = world.posts()
        last = world.retriever.papers[4]
        fake = world.fake
        for user in (fake.user, fake.moderator):
            inter = await fake.click_button(post, f"{VOTE_PREFIX}{last.id}", user=user)
            await fake.wait_for_response(inter, timeout=TIMEOUT)
        inter = await fake.send_interaction_command("trending", {"days": 3}, user=fake.user)
        shown = await fake.wait_for_response(inter, timeout=TIMEOUT, predicate=lambda m: bool(m.embeds))
    assert shown.embeds[0]["title"] == f"1. {last.clean_title}"
    assert "Trending papers" in shown.content and "last 3 days" in shown.embeds[-1]["footer"]["text"]


async def test_fallbacks_near_recent_searches_then_rotation_say_so(fake: FakeDiscord, tmp_path: Path) -> None:
    # The shipped corpus has no upvotes or stars: a new server has no signal at all.
    world = World(fake, tmp_path, list(PAPERS))
    try:
        world.configure("09:00", "UTC")
        async with world.connect() as (run, scheduler):
            world.clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
            await scheduler.tick()
            rotation = world.posts()[-1]
            assert "today's pick" in rotation.content
            assert world.state.ledger.get(world.guild_id, "2026-11-01").mode == ROTATION

            # A search (not acted on) leaves no engagement, but it tells the fallback what this server likes.
            world.clock.now += timedelta(days=1)
            shown = tuple(p.id for p in PAPERS[:2])
            world.state.events.add(
                EngagementEvent(SEARCH, fake.user.id, world.guild_id, shown, "graph neural networks", at=utc_iso(world.clock.now - timedelta(hours=1)))
            )
            await scheduler.tick()
            near = world.posts()[-1]
            assert "close to what this server searched" in near.content
            assert world.state.ledger.get(world.guild_id, "2026-11-02").mode == NEAR_SEARCHES
            assert any("Graph" in e["title"] for e in near.embeds)
    finally:
        world.state.close()
