"""End to end: /follow and /unfollow, and a followed author's papers arriving with the day's delivery, once, across restarts.

The real PaperScoutBot on the fake Discord; the scheduler runs on a hand-moved clock and
delivers as bot/__main__.py wires it (deliver_new_papers over the served index).
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest

from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.scheduler import Scheduler
from bot.datadir import DataDir
from bot.discord_app.cogs.follow import FOLLOW_NOT_ALLOWED, PICK_FOLLOW
from bot.discord_app.subscription_delivery import deliver_new_papers
from bot.discord_app.trending_post import TrendingPoster
from bot.discord_app.vote_buttons import GONE, VOTE_PREFIX
from bot.state import SqliteEventSink, State
from bot.state.feedback import LIKE
from bot.state.subscriptions import AUTHOR
from corpus.paper import Paper
from tests.bot.fakes import GRAPHS, IMPLICIT, SINKHORN, FakeRetriever, make_paper
from tests.bot.harness import Clock, running_bot
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, FakeMessage
from tests.fakediscord.pytest_helpers import ClientRun

TIMEOUT = 5.0
DAY1 = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)
# The papers arrive after the follows a test makes (those are stamped with the real time).
LATER = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(timespec="seconds")


def arrived(paper: Paper, **changes: object) -> Paper:
    return dataclasses.replace(paper, ingested_at=LATER, **changes)


BY_BLONDEL = arrived(IMPLICIT)  # Mathieu Blondel, Quentin Berthet
BY_CUTURI = arrived(SINKHORN, authors=("Marco Cuturi",))
OTHERS = tuple(arrived(p) for p in GRAPHS[:2])
NEW_BY_BLONDEL = arrived(
    make_paper("p-blondel-new", "Learning with Fenchel-Young Losses", "We introduce Fenchel-Young losses.",
               authors=("M. Blondel", "Vlad Niculae")),
)


class World:
    """The state, served index and clock that outlive one bot process."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.index = LiveIndex(FakeRetriever((BY_BLONDEL, BY_CUTURI, *OTHERS)))
        self.clock = Clock(DAY1)
        self.state = State.open(DataDir(tmp_path).state)
        assert fake.guild is not None
        self.papers_channel = next(c.id for c in fake.guild.text_channels if c.name == "papers")

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[tuple[ClientRun, Scheduler]]:
        """Start a bot process over this world; yield it and its scheduler."""
        self.state.close()
        self.state = State.open(DataDir(self.tmp_path).state)
        handlers = Handlers(self.index, SqliteEventSink(self.state.events), SlidingWindowLimiter(100, 30))
        async with running_bot(self.fake, handlers, self.tmp_path, state=self.state, clock=self.clock) as run:

            async def deliver(now: datetime) -> object:
                return await deliver_new_papers(run.client, self.state.subscriptions, self.index, now)

            poster = TrendingPoster(run.client, self.state.ledger, self.state.events, self.index)
            yield run, Scheduler(self.state.servers, self.state.meta, poster, deliver=deliver, now=self.clock)

    def posts(self, channel_id: int) -> list[FakeMessage]:
        assert self.fake.bot_user is not None
        return [m for m in self.fake.history(channel_id) if m.author.id == self.fake.bot_user.id and m.source == "channel"]

    def dm_posts(self) -> list[FakeMessage]:
        return self.posts(self.fake.dm_channel(self.fake.user).id)


@pytest.fixture
def world(fake: FakeDiscord, tmp_path: Path) -> Iterator[World]:
    w = World(fake, tmp_path)
    yield w
    w.state.close()


async def answer(fake: FakeDiscord, name: str, options: dict | None = None, **kwargs) -> str:
    inter = await fake.send_interaction_command(name, options, **kwargs)
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL, msg.content
    return msg.content


def titles(msg: FakeMessage) -> list[str]:
    return [e["title"] for e in msg.embeds]


async def test_follow_by_dm_and_channel_delivered_once_across_restarts(world: World) -> None:
    fake = world.fake
    papers = world.papers_channel
    async with world.connect() as (run, scheduler):
        # Names autocomplete over the authors the corpus knows.
        inter = await fake.send_autocomplete("follow", {"author": "blon"}, user=fake.user)
        choices = await fake.wait_for_autocomplete(inter, timeout=TIMEOUT)
        assert {"name": "Mathieu Blondel (1 paper)", "value": "Mathieu Blondel"} in choices
        said = await answer(fake, "follow", {"author": "Mathieu Blondel"}, user=fake.user)
        assert said.startswith("Following \u201cMathieu Blondel\u201d") and "1 paper by" in said
        assert "already follow" in await answer(fake, "follow", {"author": "mathieu  BLONDEL"}, user=fake.user)
        # A channel needs Manage Server, as a channel subscription does.
        assert await answer(fake, "follow", {"author": "Marco Cuturi", "channel": papers}, user=fake.user) == FOLLOW_NOT_ALLOWED
        said = await answer(fake, "follow", {"author": "Marco Cuturi", "channel": papers}, user=fake.moderator)
        assert said.startswith(f"<#{papers}> now follows \u201cMarco Cuturi\u201d")
        said = await answer(fake, "follow", {"author": "Nobody *Known*"}, user=fake.moderator)
        assert "no papers of theirs yet" in said and "Nobody \\*Known\\*" in said
        assert [s.kind for s in world.state.subscriptions.list()] == [AUTHOR, AUTHOR, AUTHOR]

        report = await scheduler.tick()
        assert report.delivered
        (dm,) = world.dm_posts()
        assert titles(dm) == ["1. Efficient and Modular Implicit Differentiation"]
        assert "by \u201cMathieu Blondel\u201d \u2014 paper 1" in dm.content
        assert "a new paper by Mathieu Blondel, whom you follow" in dm.embeds[0]["description"]
        assert dm.custom_ids() == [f"{VOTE_PREFIX}up:{BY_BLONDEL.id}", f"{VOTE_PREFIX}down:{BY_BLONDEL.id}"]
        (post,) = world.posts(papers)
        assert titles(post) == ["1. Sinkhorn Distances: Lightspeed Computation of Optimal Transport"]
        assert "followed here" in post.embeds[0]["description"]
        assert not dm.mention_everyone and post.allowed_mentions == {"parse": []}

        # A vote on a followed author's paper is kept, but teaches nothing: follows send every paper.
        click = await fake.click_button(dm, f"{VOTE_PREFIX}up:{BY_BLONDEL.id}", user=fake.user)
        assert (await fake.wait_for_response(click, timeout=TIMEOUT)).content == "Thanks, your \N{THUMBS UP SIGN} is counted."

    # A new process the next day: nothing is sent again.
    world.clock.now = DAY1 + timedelta(days=1)
    async with world.connect() as (run, scheduler):
        assert (await scheduler.tick()).delivered
        assert len(world.dm_posts()) == 1 and len(world.posts(papers)) == 1

        # The author's next paper arrives ("M. Blondel" is the same person): it alone comes, once.
        world.index.publish(FakeRetriever((BY_BLONDEL, BY_CUTURI, *OTHERS, NEW_BY_BLONDEL)))
        world.clock.now = DAY1 + timedelta(days=2)
        assert (await scheduler.tick()).delivered
        assert [titles(m) for m in world.dm_posts()] == [
            ["1. Efficient and Modular Implicit Differentiation"], ["1. Learning with Fenchel-Young Losses"]
        ]
        world.clock.now += timedelta(hours=3)
        await scheduler.tick()
        assert len(world.dm_posts()) == 2 and len(world.posts(papers)) == 1

        listed = await answer(fake, "subscriptions", user=fake.user)
        assert "papers by \u201cMathieu Blondel\u201d \u2014 by DM" in listed
        assert "papers by \u201cMarco Cuturi\u201d \u2192" in listed
    follow_id = next(s.id for s in world.state.subscriptions.list(user_id=fake.user.id))
    assert world.state.subscriptions.votes.vote_of(follow_id, BY_BLONDEL.id, fake.user.id) == LIKE


async def test_unfollow_offers_only_follows_and_old_buttons_then_say_so(world: World) -> None:
    fake = world.fake
    async with world.connect() as (run, scheduler):
        await answer(fake, "follow", {"author": "Mathieu Blondel"}, user=fake.user)
        await answer(fake, "subscribe", {"topic": "graph neural networks"}, user=fake.user)
        await scheduler.tick()
        (dm,) = world.dm_posts()
        follow = next(s for s in world.state.subscriptions.list() if s.kind == AUTHOR)

        inter = await fake.send_autocomplete("unfollow", {"follow": ""}, user=fake.user)
        assert await fake.wait_for_autocomplete(inter, timeout=TIMEOUT) == [
            {"name": "papers by Mathieu Blondel (by DM)", "value": str(follow.id)}
        ]
        # Another member cannot remove it (told as for an unknown one).
        assert await answer(fake, "unfollow", {"follow": str(follow.id)}, user=fake.moderator) == PICK_FOLLOW
        said = await answer(fake, "unfollow", {"follow": str(follow.id)}, user=fake.user)
        assert said == "Unfollowed: no more papers by \u201cMathieu Blondel\u201d by DM."
        assert [s.topic for s in world.state.subscriptions.list()] == ["graph neural networks"]

        # The removed follow's card: its vote has nothing left to count for.
        click = await fake.click_button(dm, f"{VOTE_PREFIX}up:{BY_BLONDEL.id}", user=fake.user)
        assert (await fake.wait_for_response(click, timeout=TIMEOUT)).content == GONE
        # The topic's card still counts, and teaches the topic.
        graph = OTHERS[0].id
        click = await fake.click_button(dm, f"{VOTE_PREFIX}down:{graph}", user=fake.user)
        said = (await fake.wait_for_response(click, timeout=TIMEOUT)).content
        assert said == (
            "Thanks, your \N{THUMBS DOWN SIGN} is counted. "
            "\u201cgraph neural networks\u201d will lean away from papers like this one."
        )
    assert fake.rejections == []


async def test_closed_dms_pause_a_follow_and_following_again_resumes_it(world: World) -> None:
    fake = world.fake
    assert fake.user is not None
    async with world.connect() as (run, scheduler):
        await answer(fake, "follow", {"author": "Mathieu Blondel"}, user=fake.user)
        fake.user.dms_closed = True
        await scheduler.tick()
        (sub,) = world.state.subscriptions.list()
        assert sub.paused and world.dm_posts() == []
        listed = await answer(fake, "subscriptions", user=fake.user)
        assert "Open your DMs, then `/follow` the same author to resume." in listed
        assert (await answer(fake, "follow", {"author": "Mathieu  Blondel"}, user=fake.user)).startswith(
            "Resumed following \u201cMathieu Blondel\u201d"
        )
        fake.user.dms_closed = False
        world.clock.now = DAY1 + timedelta(days=1)
        await scheduler.tick()
        assert [titles(m) for m in world.dm_posts()] == [["1. Efficient and Modular Implicit Differentiation"]]
