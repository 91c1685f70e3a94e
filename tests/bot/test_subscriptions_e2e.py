"""End to end: /subscribe, /subscriptions, /unsubscribe and delivery, real PaperScoutBot on the fake Discord."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator

import pytest

from bot.core.handlers import Handlers
from bot.core.subscriptions import Match, match_subscriptions
from bot.discord_app.cogs.subscriptions import CHANNEL_NOT_ALLOWED, PAUSED_WHY, PICK_ONE
from bot.discord_app.subscription_delivery import DeliveryReport, deliver
from bot.state import State, Subscription
from corpus.paper import Paper
from tests.bot.fakes import PAPERS, FakeRetriever
from tests.bot.harness import running_bot
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, FakeInteraction, FakeMessage
from tests.fakediscord.pytest_helpers import ClientRun
from tests.fakediscord.state import SEND_MESSAGES

TIMEOUT = 5.0
THRESHOLD = 0.6  # FakeRetriever's similarity is the share of query stems a paper has



@pytest.fixture
def tomorrow_papers() -> tuple[Paper, ...]:
    """The fake corpus as if it had all arrived after any subscription a test makes."""
    later = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(timespec="seconds")
    return tuple(dataclasses.replace(p, ingested_at=later) for p in PAPERS)


@pytest.fixture
def news(tomorrow_papers: tuple[Paper, ...]) -> FakeRetriever:
    return FakeRetriever(tomorrow_papers)


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, handlers: Handlers, store: State, data_dir: Path) -> AsyncIterator[ClientRun]:
    async with running_bot(fake, handlers, data_dir, state=store) as run:
        yield run


@pytest.fixture
async def bot_run(fake: FakeDiscord, handlers: Handlers, store: State, tmp_path: Path) -> AsyncIterator[ClientRun]:
    async with running(fake, handlers, store, tmp_path) as run:
        yield run


def channel_named(fake: FakeDiscord, name: str) -> int:
    assert fake.guild is not None
    return next(c.id for c in fake.guild.text_channels if c.name == name)


async def ephemeral_answer(fake: FakeDiscord, inter: FakeInteraction) -> FakeMessage:
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL, msg.content
    return msg


async def command(fake: FakeDiscord, name: str, options: dict | None = None, **kwargs) -> str:
    inter = await fake.send_interaction_command(name, options, **kwargs)
    return (await ephemeral_answer(fake, inter)).content


async def run_delivery(run: ClientRun, store: State, news: FakeRetriever) -> tuple[list[Match], DeliveryReport]:
    matches = match_subscriptions(news.search, store.subscriptions.list(), news.papers, store.subscriptions.delivered, threshold=THRESHOLD)
    report = await deliver(run.client, store.subscriptions, matches, datetime.now(timezone.utc))
    return matches, report


def bot_posts(fake: FakeDiscord, channel_id: int) -> list[FakeMessage]:
    assert fake.bot_user is not None
    return [m for m in fake.history(channel_id) if m.author.id == fake.bot_user.id and m.source == "channel"]


def titles(msg: FakeMessage) -> list[str]:
    return [e["title"] for e in msg.embeds]


def only(subs: list[Subscription], topic: str) -> Subscription:
    (found,) = [s for s in subs if s.topic == topic]
    return found


# ------------------------------------------------------------------------ commands


async def test_member_cannot_subscribe_a_channel(fake: FakeDiscord, bot_run: ClientRun, store: State) -> None:
    papers = channel_named(fake, "papers")
    answer = await command(fake, "subscribe", {"topic": "sinkhorn", "channel": papers}, user=fake.user)
    assert answer == CHANNEL_NOT_ALLOWED
    assert store.subscriptions.list() == []
    assert fake.rejections == []


async def test_subscribe_by_channel_and_dm_then_list(fake: FakeDiscord, bot_run: ClientRun, store: State) -> None:
    assert fake.guild is not None and fake.user is not None and fake.moderator is not None
    papers = channel_named(fake, "papers")
    answer = await command(
        fake, "subscribe", {"topic": "Optimal  transport", "channel": papers}, user=fake.moderator
    )
    assert answer.startswith(f"Subscribed <#{papers}>") and "\u201cOptimal transport\u201d" in answer
    # Markdown in a topic is shown literally.
    answer = await command(fake, "subscribe", {"topic": "graph *neural* networks"}, user=fake.user)
    assert "DM you" in answer and "graph \\*neural\\* networks" in answer
    # In DMs too.
    dm = fake.dm_channel(fake.user).id
    answer = await command(fake, "subscribe", {"topic": "implicit differentiation"}, user=fake.user, channel_id=dm)
    assert answer.startswith("Subscribed to")

    channel_sub = only(store.subscriptions.list(), "Optimal transport")
    assert (channel_sub.guild_id, channel_sub.channel_id, channel_sub.user_id) == (fake.guild.id, papers, fake.moderator.id)
    personal = store.subscriptions.list(user_id=fake.user.id)
    assert [(s.topic, s.guild_id, s.channel_id) for s in personal] == [
        ("graph *neural* networks", None, None), ("implicit differentiation", None, None)
    ]

    # Duplicates are refused, whatever the case and spacing.
    answer = await command(fake, "subscribe", {"topic": "IMPLICIT differentiation"}, user=fake.user)
    assert "already subscribed" in answer
    answer = await command(fake, "subscribe", {"topic": "optimal transport", "channel": papers}, user=fake.moderator)
    assert "already subscribed" in answer
    assert len(store.subscriptions.list()) == 3

    listed = await command(fake, "subscriptions", user=fake.user)
    assert "**Your subscriptions**" in listed and "**This server's channel subscriptions**" in listed
    assert "graph \\*neural\\* networks" in listed and "implicit differentiation" in listed
    assert f"\u201cOptimal transport\u201d \u2192 <#{papers}>" in listed
    # In DMs only the personal ones.
    listed = await command(fake, "subscriptions", user=fake.user, channel_id=dm)
    assert "implicit differentiation" in listed and "Optimal transport" not in listed
    assert not bot_posts(fake, papers)  # nothing public was posted
    assert fake.rejections == []


@pytest.mark.parametrize(
    ("topic", "says"), [("the of and", "common words"), ("?!?", "no words"), ("transformers " * 30, "too long")]
)
async def test_bad_topics_are_explained(
    fake: FakeDiscord, bot_run: ClientRun, store: State, topic: str, says: str
) -> None:
    assert says in await command(fake, "subscribe", {"topic": topic})
    assert store.subscriptions.list() == []


async def test_channel_the_bot_cannot_post_in_is_refused(
    fake: FakeDiscord, handlers: Handlers, store: State, tmp_path: Path
) -> None:
    assert fake.guild is not None
    papers = channel_named(fake, "papers")
    # Before connecting: the bot's view of channel permissions comes from GUILD_CREATE.
    fake.set_channel_permissions(papers, fake.guild.id, deny=SEND_MESSAGES)
    async with running(fake, handlers, store, tmp_path):
        answer = await command(fake, "subscribe", {"topic": "sinkhorn", "channel": papers}, user=fake.moderator)
        assert "can't post in" in answer and "**Send Messages**" in answer
        assert store.subscriptions.list() == []


async def test_per_user_cap(fake: FakeDiscord, bot_run: ClientRun, store: State) -> None:
    assert fake.user is not None
    for i in range(25):
        store.subscriptions.add(None, None, fake.user.id, f"topic number {i}")
    answer = await command(fake, "subscribe", {"topic": "one more topic"})
    assert "25 subscriptions" in answer and "/unsubscribe" in answer
    assert len(store.subscriptions.list()) == 25


async def test_unsubscribe_autocomplete_and_removal(fake: FakeDiscord, bot_run: ClientRun, store: State) -> None:
    assert fake.guild is not None and fake.user is not None and fake.moderator is not None
    papers = channel_named(fake, "papers")
    channel_sub = store.subscriptions.add(fake.guild.id, papers, fake.moderator.id, "optimal transport")
    mine = store.subscriptions.add(None, None, fake.user.id, "graph neural networks")
    theirs = store.subscriptions.add(None, None, fake.moderator.id, "diffusion models")

    inter = await fake.send_autocomplete("unsubscribe", {"subscription": ""}, user=fake.user)
    choices = await fake.wait_for_autocomplete(inter, timeout=TIMEOUT)
    assert choices == [{"name": "graph neural networks (by DM)", "value": str(mine.id)}]

    inter = await fake.send_autocomplete("unsubscribe", {"subscription": "TRANS"}, user=fake.moderator)
    choices = await fake.wait_for_autocomplete(inter, timeout=TIMEOUT)
    assert choices == [{"name": "optimal transport (in #papers)", "value": str(channel_sub.id)}]

    # A plain member can remove neither the server's nor another member's subscriptions (told as
    # for an unknown one: see test_channel_access_e2e).
    for other in (channel_sub, theirs):
        assert await command(fake, "unsubscribe", {"subscription": str(other.id)}, user=fake.user) == PICK_ONE
    assert await command(fake, "unsubscribe", {"subscription": "nonsense"}) == PICK_ONE

    answer = await command(fake, "unsubscribe", {"subscription": str(mine.id)}, user=fake.user)
    assert answer.startswith("Unsubscribed") and "graph neural networks" in answer
    answer = await command(fake, "unsubscribe", {"subscription": str(channel_sub.id)}, user=fake.moderator)
    assert answer.startswith("Unsubscribed") and f"<#{papers}>" in answer
    assert [s.id for s in store.subscriptions.list()] == [theirs.id]


# ------------------------------------------------------------------------ delivery


async def test_delivery_into_channel_and_dm_once(
    fake: FakeDiscord, bot_run: ClientRun, store: State, news: FakeRetriever
) -> None:
    assert fake.user is not None and fake.moderator is not None
    papers = channel_named(fake, "papers")
    await command(fake, "subscribe", {"topic": "sinkhorn optimal transport", "channel": papers}, user=fake.moderator)
    await command(fake, "subscribe", {"topic": "implicit differentiation", "channel": papers}, user=fake.moderator)
    await command(fake, "subscribe", {"topic": "graph neural networks"}, user=fake.user)
    await command(fake, "subscribe", {"topic": "quantum chromodynamics lattice"}, user=fake.moderator)  # no match

    matches, report = await run_delivery(bot_run, store, news)
    assert report == DeliveryReport(messages=2, papers=10, paused=0, failures=0)
    assert len(matches) == 2

    (channel_post,) = bot_posts(fake, papers)
    assert titles(channel_post) == [
        "1. Sinkhorn Distances: Lightspeed Computation of Optimal Transport",
        "2. Faster Sinkhorn Iterations with Newton Steps",
        "3. Efficient and Modular Implicit Differentiation",
    ]
    assert "\u201csinkhorn optimal transport\u201d \u2014 papers 1, 2" in channel_post.content
    assert "\u201cimplicit differentiation\u201d \u2014 paper 3" in channel_post.content
    assert channel_post.allowed_mentions == {"parse": []}
    assert not channel_post.mention_user_ids and not channel_post.mention_everyone

    (dm_post,) = bot_posts(fake, fake.dm_channel(fake.user).id)
    assert titles(dm_post) == [f"{i + 1}. Graph Neural Networks for Task {i}" for i in range(7)]
    assert "\u201cgraph neural networks\u201d" in dm_post.content and "/unsubscribe" in dm_post.content
    assert not bot_posts(fake, fake.dm_channel(fake.moderator).id)

    channel_sub = only(store.subscriptions.list(), "sinkhorn optimal transport")
    assert store.subscriptions.delivered(channel_sub.id) == {"p-sinkhorn", "p-fast-sinkhorn"}

    # The same papers the next day: nothing new, nothing sent.
    matches, report = await run_delivery(bot_run, store, news)
    assert matches == [] and report == DeliveryReport()
    assert len(bot_posts(fake, papers)) == 1 and len(bot_posts(fake, fake.dm_channel(fake.user).id)) == 1
    assert fake.rejections == []


async def test_closed_dms_pause_the_subscription(
    fake: FakeDiscord, bot_run: ClientRun, store: State, news: FakeRetriever
) -> None:
    assert fake.user is not None
    await command(fake, "subscribe", {"topic": "graph neural networks"}, user=fake.user)
    fake.user.dms_closed = True

    _, report = await run_delivery(bot_run, store, news)
    assert report == DeliveryReport(messages=0, papers=0, paused=1, failures=0)
    (sub,) = store.subscriptions.list()
    assert sub.paused and store.subscriptions.delivered(sub.id) == set()
    rejection = await fake.wait_for_rejection(lambda r: r.code == 50007, timeout=TIMEOUT)
    assert rejection.status == 403

    # Paused: the next run does not even try.
    sent_before = len(fake.requests)
    matches, report = await run_delivery(bot_run, store, news)
    assert matches == [] and report == DeliveryReport()
    assert not [r for r in fake.requests[sent_before:] if r.path.startswith("/channels/")]

    listed = await command(fake, "subscriptions", user=fake.user)
    assert "paused" in listed and PAUSED_WHY in listed

    # Subscribing to the same topic resumes it; once DMs open, the papers arrive.
    answer = await command(fake, "subscribe", {"topic": "Graph neural networks"}, user=fake.user)
    assert answer.startswith("Resumed")
    assert not store.subscriptions.list()[0].paused
    fake.user.dms_closed = False
    _, report = await run_delivery(bot_run, store, news)
    assert report.messages == 1 and report.papers == 7


async def test_paused_dm_subscription_can_be_removed(fake: FakeDiscord, bot_run: ClientRun, store: State) -> None:
    assert fake.user is not None
    sub = store.subscriptions.add(None, None, fake.user.id, "graph neural networks")
    store.subscriptions.set_paused(sub.id, True)
    inter = await fake.send_autocomplete("unsubscribe", {"subscription": "graph"}, user=fake.user)
    choices = await fake.wait_for_autocomplete(inter, timeout=TIMEOUT)
    assert choices == [{"name": "graph neural networks (by DM, paused)", "value": str(sub.id)}]
    assert (await command(fake, "unsubscribe", {"subscription": str(sub.id)})).startswith("Unsubscribed")
    assert store.subscriptions.list() == []


async def test_failed_channel_send_is_retried_next_run(
    fake: FakeDiscord, bot_run: ClientRun, store: State, news: FakeRetriever
) -> None:
    assert fake.guild is not None
    papers = channel_named(fake, "papers")
    await command(fake, "subscribe", {"topic": "implicit differentiation", "channel": papers}, user=fake.moderator)
    fake.set_channel_permissions(papers, fake.guild.id, deny=SEND_MESSAGES)

    _, report = await run_delivery(bot_run, store, news)
    assert report == DeliveryReport(messages=0, papers=0, paused=0, failures=1)
    (sub,) = store.subscriptions.list()
    assert not sub.paused and store.subscriptions.delivered(sub.id) == set()

    fake.set_channel_permissions(papers, fake.guild.id)
    _, report = await run_delivery(bot_run, store, news)
    assert report.messages == 1
    assert titles(bot_posts(fake, papers)[0]) == ["1. Efficient and Modular Implicit Differentiation"]
