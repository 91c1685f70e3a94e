"""Core: what a server's preferences mean (mention channels, /find privacy, post size), and a post of any size."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone

import pytest

from bot.core.daily_post import gather_ranking
from bot.core.errors import UserFacingError
from bot.core.server_prefs import (
    NOTHING_TO_DISALLOW,
    allowing,
    answers_mention,
    disallowing,
    everywhere,
    parse_post_size,
    results_private,
)
from bot.discord_app.embeds import MESSAGE_EMBED_CHARS
from bot.discord_app.trending_post import VOTE_PREFIX, build_post, vote_view
from bot.state import State
from bot.state.server_settings import MAX_POST_SIZE, GuildSettings, unset
from tests.bot.fakes import PAPERS, FakeRetriever

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def with_channels(channels: tuple[int, ...] | None) -> GuildSettings:
    return dataclasses.replace(unset(1), mention_channels=channels)


@pytest.mark.parametrize("size", [1, 5, 10])
def test_post_sizes_in_range_are_kept(size: int) -> None:
    assert parse_post_size(size) == size


@pytest.mark.parametrize("size", [0, 11, -3, 100])
def test_post_sizes_out_of_range_are_explained_in_one_line(size: int) -> None:
    with pytest.raises(UserFacingError) as caught:
        parse_post_size(size)
    text = caught.value.message
    assert "\n" not in text and "1 to 10" in text and f"`{size}`" in text and "nothing was saved" in text


def test_mentions_are_answered_everywhere_by_default() -> None:
    assert answers_mention(None, 10)  # a server that never configured anything
    assert answers_mention(unset(1), 10)
    assert answers_mention(with_channels(None), 10, parent_id=20)


def test_a_mention_list_limits_the_channels_and_covers_their_threads() -> None:
    listed = with_channels((10, 11))
    assert answers_mention(listed, 10) and answers_mention(listed, 11)
    assert not answers_mention(listed, 12)
    assert answers_mention(listed, 500, parent_id=10)  # a thread under #10
    assert not answers_mention(listed, 500, parent_id=12)
    assert not answers_mention(with_channels(()), 10)  # an emptied list answers nowhere
    # A reply to the bot's own message (say to /find results there) continues the conversation.
    assert answers_mention(listed, 12, replies_to_bot=True)
    assert answers_mention(with_channels(()), 12, replies_to_bot=True)


def test_an_explicit_private_option_wins_over_the_server_default() -> None:
    private_server = dataclasses.replace(unset(1), private_results=True)
    assert results_private(private_server, None) is True
    assert results_private(private_server, False) is False
    assert results_private(unset(1), None) is False
    assert results_private(unset(1), True) is True
    assert results_private(None, None) is False  # no server (DMs) or no state: public, as before


def test_allowing_starts_a_list_and_disallowing_needs_one() -> None:
    assert allowing(None, 10) == (10,)  # from "every channel" to "only this one"
    assert allowing((10,), 5) == (5, 10) and allowing((5, 10), 10) == (5, 10)
    assert disallowing((5, 10), 10) == (5,) and disallowing((5,), 5) == ()
    assert disallowing((5,), 7) == (5,)
    with pytest.raises(UserFacingError) as caught:
        disallowing(None, 10)
    assert caught.value.message == NOTHING_TO_DISALLOW and "/config mentions allow" in NOTHING_TO_DISALLOW
    assert everywhere((5, 10)) is None


@pytest.mark.parametrize("size", [1, 3, MAX_POST_SIZE])
def test_the_daily_post_has_the_servers_size(size: int, store: State) -> None:
    papers = tuple(dataclasses.replace(p, upvotes=100 - i, published="2026-11-22") for i, p in enumerate(PAPERS))
    ranking = gather_ranking(store.ledger, store.events, FakeRetriever(papers), 1, NOW, date(2026, 11, 23), limit=size)
    post = build_post(ranking, date(2026, 11, 23))
    assert post.paper_ids == tuple(p.id for p in papers[:size])
    assert len(post.embeds) == size
    # Discord's limits on one message: 10 embeds, 6000 characters over them, 25 buttons.
    assert sum(len(e) for e in post.embeds) <= MESSAGE_EMBED_CHARS
    buttons = [item.custom_id for item in vote_view(post.paper_ids).children]  # type: ignore[attr-defined]
    assert buttons == [f"{VOTE_PREFIX}{pid}" for pid in post.paper_ids]
