"""Readers' 👍/👎 on delivered papers in the state, and the Rocchio rule that turns them into a profile."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from bot.core.learning import DISLIKED_WEIGHT, LIKED_WEIGHT, TOPIC_WEIGHT, Profile, rocchio, topic_reason
from bot.datadir import DataDir
from bot.state import State
from bot.state.feedback import CHANGED, COUNTED, DISLIKE, LIKE, SAME, Tally
from bot.state.migrations import MIGRATIONS, SCHEMA_VERSION
from bot.state.subscriptions import AUTHOR, TOPIC, Subscription

AT = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
GUILD, CHANNEL, OTHER_CHANNEL = 100, 200, 201
ALICE, BOB, CAROL = 7, 8, 9


def unit(i: int, dim: int = 4) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


# --------------------------------------------------------------------------- Rocchio


def test_the_profile_is_the_normalized_weighted_sum_of_topic_liked_and_disliked() -> None:
    assert (TOPIC_WEIGHT, LIKED_WEIGHT, DISLIKED_WEIGHT) == (1.0, 0.75, 0.15)
    profile = rocchio(unit(0), np.stack([unit(1), unit(2)]), np.stack([unit(3)]))
    expected = np.array([1.0, 0.75 / 2, 0.75 / 2, -0.15])
    assert np.allclose(profile, expected / np.linalg.norm(expected))
    assert np.isclose(np.linalg.norm(profile), 1.0)


def test_without_votes_the_profile_is_the_topic() -> None:
    empty = np.zeros((0, 4), dtype=np.float32)
    assert np.allclose(rocchio(unit(2), empty, empty), unit(2))
    only_disliked = rocchio(unit(0), empty, np.stack([unit(0)]))
    # Disliking the topic's own direction shrinks it but never flips the profile off the topic.
    assert np.allclose(only_disliked, unit(0))


def test_the_reason_names_the_topic_and_the_liked_papers() -> None:
    dm = Subscription(1, None, None, ALICE, "optimal *transport*", False, AT.isoformat())
    channel = Subscription(2, GUILD, CHANNEL, ALICE, "optimal transport", False, AT.isoformat())
    learned = Profile(unit(0), unit(0), liked=3, disliked=1)
    assert topic_reason(dm, None) == "close to your topic \u201coptimal *transport*\u201d"
    assert topic_reason(dm, learned) == (
        "close to your topic \u201coptimal *transport*\u201d and to 3 papers you liked, away from 1 paper you disliked"
    )
    assert topic_reason(channel, Profile(unit(0), unit(0), liked=1)) == (
        "close to this channel's topic \u201coptimal transport\u201d and to 1 paper liked here"
    )


# ----------------------------------------------------------------------------- state


@pytest.fixture
def state(tmp_path: Path):
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


def test_one_vote_per_member_and_paper_changeable(state: State) -> None:
    sub = state.subscriptions.add(GUILD, CHANNEL, ALICE, "optimal transport")
    votes = state.subscriptions.votes
    assert votes.record([sub.id], "p1", ALICE, GUILD, LIKE, AT) == COUNTED
    assert votes.record([sub.id], "p1", ALICE, GUILD, LIKE, AT) == SAME
    assert votes.record([sub.id], "p1", ALICE, GUILD, DISLIKE, AT) == CHANGED
    assert votes.vote_of(sub.id, "p1", ALICE) == DISLIKE
    with pytest.raises(ValueError):
        votes.record([sub.id], "p1", ALICE, GUILD, 2, AT)


def test_a_paper_counts_as_its_readers_vote_on_balance(state: State) -> None:
    sub = state.subscriptions.add(GUILD, CHANNEL, ALICE, "optimal transport")
    votes = state.subscriptions.votes
    votes.record([sub.id], "liked", ALICE, GUILD, LIKE, AT)
    votes.record([sub.id], "liked", BOB, GUILD, LIKE, AT)
    votes.record([sub.id], "liked", CAROL, GUILD, DISLIKE, AT)
    votes.record([sub.id], "tied", ALICE, GUILD, LIKE, AT)
    votes.record([sub.id], "tied", BOB, GUILD, DISLIKE, AT)
    votes.record([sub.id], "disliked", CAROL, GUILD, DISLIKE, AT)
    assert votes.tally(sub.id) == Tally(liked=("liked",), disliked=("disliked",))
    assert votes.tally(sub.id + 1) == Tally() and Tally().empty


def test_reset_forgets_the_votes_of_one_subscription_only(state: State) -> None:
    first = state.subscriptions.add(None, None, ALICE, "optimal transport")
    second = state.subscriptions.add(None, None, ALICE, "graph neural networks")
    votes = state.subscriptions.votes
    votes.record([first.id, second.id], "p1", ALICE, None, LIKE, AT)
    votes.record([first.id], "p2", ALICE, None, DISLIKE, AT)
    assert votes.reset(first.id) == 2
    assert votes.tally(first.id).empty and votes.tally(second.id) == Tally(liked=("p1",))
    assert votes.reset(first.id) == 0


def test_who_a_delivered_paper_was_sent_to_decides_whose_vote_counts(state: State) -> None:
    subs = state.subscriptions
    mine = subs.add(None, None, ALICE, "optimal transport")
    theirs = subs.add(None, None, BOB, "optimal transport")
    here = subs.add(GUILD, CHANNEL, BOB, "sinkhorn")
    follow = subs.add(GUILD, CHANNEL, BOB, "Marco Cuturi", AUTHOR)
    elsewhere = subs.add(GUILD, OTHER_CHANNEL, BOB, "sinkhorn")
    for sub in (mine, theirs, here, follow, elsewhere):
        subs.record_deliveries(sub.id, ["p1"], AT)
    subs.record_deliveries(mine.id, ["p2"], AT)
    # In DMs: only the reader's own subscriptions; in a channel: that channel's, whoever made them.
    assert subs.sent_here("p1", guild_id=None, channel_id=None, user_id=ALICE) == [mine]
    assert subs.sent_here("p2", guild_id=None, channel_id=None, user_id=BOB) == []
    assert subs.sent_here("p1", guild_id=GUILD, channel_id=CHANNEL, user_id=CAROL) == [here, follow]
    assert subs.sent_here("p2", guild_id=GUILD, channel_id=CHANNEL, user_id=CAROL) == []
    assert (here.kind, follow.kind) == (TOPIC, AUTHOR)


def test_votes_go_with_their_subscription_channel_and_server(state: State) -> None:
    subs = state.subscriptions
    personal = subs.add(None, None, ALICE, "optimal transport")
    channel = subs.add(GUILD, CHANNEL, ALICE, "sinkhorn")
    other = subs.add(GUILD, OTHER_CHANNEL, ALICE, "sinkhorn")
    for sub, guild in ((personal, None), (channel, GUILD), (other, GUILD)):
        subs.votes.record([sub.id], "p1", ALICE, guild, LIKE, AT)
    assert subs.remove(personal.id)
    assert subs.votes.tally(personal.id).empty
    state.guilds.forget_channel(GUILD, CHANNEL)
    assert subs.votes.tally(channel.id).empty and not subs.votes.tally(other.id).empty
    assert GUILD in state.guilds.known_ids()
    state.guilds.delete(GUILD)
    assert subs.votes.tally(other.id).empty
    assert state.db.read("SELECT COUNT(*) FROM subscription_votes") == [(0,)]


def test_a_state_file_from_before_follows_keeps_its_subscriptions_as_topics(tmp_path: Path) -> None:
    mine = next(i for i, m in enumerate(MIGRATIONS) if any("subscription_votes" in s for s in m))
    path = DataDir(tmp_path).state
    with sqlite3.connect(path) as conn:
        for migration in MIGRATIONS[:mine]:
            for statement in migration:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {mine}")
        conn.execute(
            "INSERT INTO subscriptions (guild_id, channel_id, user_id, topic, paused, created_at) "
            "VALUES (NULL, NULL, 7, 'optimal transport', 0, '2026-03-01T09:00:00+00:00')"
        )
    state = State.open(path)
    try:
        assert state.db.schema_version == SCHEMA_VERSION
        (sub,) = state.subscriptions.list()
        assert sub == Subscription(1, None, None, 7, "optimal transport", False, "2026-03-01T09:00:00+00:00", TOPIC)
        assert state.subscriptions.votes.tally(sub.id).empty
    finally:
        state.close()
