"""End to end: 👍/👎 under delivered cards teach a topic, with the real retriever over the shipped corpus.

The real PaperScoutBot on the fake Discord, the real MiniLM vectors, the real state file:
a click is stored, changes the topic's profile, survives a restart, and a reset forgets it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from bot.core.handlers import Handlers
from bot.core.learning import Learning
from bot.core.live_index import LiveIndex
from bot.core.paper_vectors import paper_vectors
from bot.core.ratelimit import SlidingWindowLimiter
from bot.datadir import DataDir
from bot.discord_app.cogs.subscriptions import PICK_TOPIC
from bot.discord_app.subscription_delivery import deliver, deliver_new_papers, match_served
from bot.discord_app.vote_buttons import VOTE_PREFIX
from bot.state import SqliteEventSink, State
from bot.state.feedback import DISLIKE, LIKE, Tally
from retrieval.hybrid import HybridRetriever
from tests.bot.harness import running_bot
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, FakeMessage

TIMEOUT = 10.0
TOPIC = "optimal transport"


@pytest.fixture(scope="module")
def news(shipped_services) -> HybridRetriever:
    """The shipped corpus as if every paper arrived after the subscriptions a test makes."""
    served = shipped_services.retriever
    later = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(timespec="seconds")
    papers = [dataclasses.replace(p, ingested_at=later) for p in served.papers]
    return HybridRetriever(papers, served.lexical, served.vectors, served.encoder, served.config)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


def handlers_over(index: LiveIndex, state: State) -> Handlers:
    return Handlers(index, SqliteEventSink(state.events), SlidingWindowLimiter(100, 30))


async def answer(fake: FakeDiscord, name: str, options: dict | None = None, **kwargs) -> str:
    inter = await fake.send_interaction_command(name, options, **kwargs)
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL, msg.content
    return msg.content


async def click(fake: FakeDiscord, message: FakeMessage, vote: str, paper_id: str, user) -> str:
    inter = await fake.click_button(message, f"{VOTE_PREFIX}{vote}:{paper_id}", user=user)
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL
    return msg.content


def bot_posts(fake: FakeDiscord, channel_id: int) -> list[FakeMessage]:
    assert fake.bot_user is not None
    return [m for m in fake.history(channel_id) if m.author.id == fake.bot_user.id and m.source == "channel"]


def card_ids(message: FakeMessage) -> list[str]:
    """Return the papers of a delivery in card order, read from its 👍 buttons."""
    return [cid.split(":", 3)[3] for cid in message.custom_ids() if cid.startswith(f"{VOTE_PREFIX}up:")]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


async def test_a_vote_is_stored_moves_the_profile_survives_a_restart_and_resets(
    fake: FakeDiscord, state: State, news: HybridRetriever, tmp_path: Path
) -> None:
    assert fake.user is not None
    index = LiveIndex(news)
    dm = fake.dm_channel(fake.user).id
    async with running_bot(fake, handlers_over(index, state), tmp_path, state=state) as run:
        await answer(fake, "subscribe", {"topic": TOPIC}, user=fake.user)
        report = await deliver_new_papers(run.client, state.subscriptions, index, datetime.now(timezone.utc))
        assert report.messages == 1
        (delivery,) = bot_posts(fake, dm)
        shown = card_ids(delivery)
        assert 1 <= len(shown) <= 10 and len(delivery.custom_ids()) == 2 * len(shown)
        description = delivery.embeds[0]["description"]
        assert f"close to your topic \u201c{TOPIC}\u201d (similarity 0." in description
        liked, disliked = shown[0], shown[-1]

        said = await click(fake, delivery, "up", liked, fake.user)
        assert said == f"Thanks, your \N{THUMBS UP SIGN} is counted. \u201c{TOPIC}\u201d will lean toward papers like this one."
        assert await click(fake, delivery, "up", liked, fake.user) == "You already gave this paper a \N{THUMBS UP SIGN}."
        if disliked != liked:
            assert "away from" in await click(fake, delivery, "down", disliked, fake.user)

    (sub,) = state.subscriptions.list()
    votes = state.subscriptions.votes
    assert votes.vote_of(sub.id, liked, fake.user.id) == LIKE
    vectors = paper_vectors(news)
    assert vectors is not None
    profile = Learning(votes.tally, vectors).profile(sub)
    assert profile is not None and profile.liked == 1
    topic = vectors.encode(TOPIC)
    # The profile moved toward the liked paper: closer to it than the plain topic is.
    liked_vector = vectors.doc([liked])[0]
    assert cosine(profile.vector, liked_vector) > cosine(topic, liked_vector) + 0.05

    # A new process: the buttons of the earlier delivery still work; a vote can be changed.
    async with running_bot(fake, handlers_over(index, state), tmp_path, state=state):
        said = await click(fake, delivery, "down", liked, fake.user)
        assert said.startswith("Changed to \N{THUMBS DOWN SIGN}.")
        assert votes.vote_of(sub.id, liked, fake.user.id) == DISLIKE
        listed = await answer(fake, "subscriptions", user=fake.user)
        assert "learning from 0 \N{THUMBS UP SIGN} and " in listed

        inter = await fake.send_autocomplete("subscription reset", {"subscription": "transport"}, user=fake.user)
        assert await fake.wait_for_autocomplete(inter, timeout=TIMEOUT) == [
            {"name": f"{TOPIC} (by DM)", "value": str(sub.id)}
        ]
        said = await answer(fake, "subscription reset", {"subscription": str(sub.id)}, user=fake.user)
        forgotten = 2 if disliked != liked else 1
        assert said == f"Reset \u201c{TOPIC}\u201d: forgot {forgotten} vote{'s' if forgotten > 1 else ''}. " \
            "New papers are matched to the plain topic again."
        assert "already matches the plain topic" in await answer(
            fake, "subscription reset", {"subscription": str(sub.id)}, user=fake.user
        )
    assert votes.tally(sub.id) == Tally() and Learning(votes.tally, vectors).profile(sub) is None
    assert fake.rejections == []


async def test_in_a_channel_every_member_votes_once_and_the_next_delivery_says_why(
    fake: FakeDiscord, state: State, news: HybridRetriever, tmp_path: Path
) -> None:
    assert fake.guild is not None and fake.user is not None and fake.moderator is not None
    papers = next(c.id for c in fake.guild.text_channels if c.name == "papers")
    index = LiveIndex(news)
    async with running_bot(fake, handlers_over(index, state), tmp_path, state=state) as run:
        await answer(fake, "subscribe", {"topic": TOPIC, "channel": papers}, user=fake.moderator)
        (sub,) = state.subscriptions.list()
        # The first delivery holds two cards: the rest waits for the next one.
        matches = match_served(state.subscriptions, news, per_message=2)
        report = await deliver(run.client, state.subscriptions, matches, datetime.now(timezone.utc))
        assert report.papers == 2
        (delivery,) = bot_posts(fake, papers)
        first = card_ids(delivery)
        assert state.subscriptions.delivered(sub.id) == set(first)
        for member in (fake.user, fake.moderator):
            assert "is counted" in await click(fake, delivery, "up", first[0], member)
        assert state.subscriptions.votes.tally(sub.id) == Tally(liked=(first[0],))
        # Any member votes; only a Manage Server member may reset what the channel's topic learned.
        options = {"subscription": str(sub.id)}
        assert await answer(fake, "subscription reset", options, user=fake.user) == PICK_TOPIC

        await deliver_new_papers(run.client, state.subscriptions, index, datetime.now(timezone.utc))
        second = bot_posts(fake, papers)[-1]
        assert second is not delivery and not set(card_ids(second)) & set(first)
        assert "close to this channel's topic \u201coptimal transport\u201d and to 1 paper liked here" in (
            second.embeds[0]["description"]
        )
    assert fake.rejections == []
