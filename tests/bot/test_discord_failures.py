"""End to end against the fake Discord: what the bot does when Discord, the network or a handler fails."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest

from bot.core import engagement as events
from bot.core.errors import APOLOGY
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.replies import Card
from bot.discord_app import embeds as cards
from tests.bot.fakes import FakeRetriever, ListSink, make_paper
from tests.bot.harness import CHANNEL_MESSAGE, TIMEOUT, callback_types, replies_to, running_bot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import ClientRun


async def test_rate_limited_send_still_answers_once(fake: FakeDiscord, run: ClientRun) -> None:
    route = f"/channels/{fake.channel.id}/messages"
    rule = fake.fail_next(f"POST {route}", status=429, retry_after=0.1)
    asked = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> optimal transport")
    reply = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
    assert rule.hits == 1
    assert [r.status for r in fake.requests if r.method == "POST" and r.path == route] == [429, 200]
    assert fake.bot_messages(fake.channel.id) == [reply]


async def test_dropped_gateway_resumes_and_answers(fake: FakeDiscord, run: ClientRun) -> None:
    await fake.drop_gateway(4000)
    missed = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> implicit differentiation")
    await fake.wait_for_resume(1, timeout=TIMEOUT)
    assert fake.identifies == 1
    reply = await fake.wait_for_message(fake.channel.id, replies_to(missed), timeout=TIMEOUT)
    assert len(reply.embeds) == 3
    inter = await fake.send_interaction_command("find", {"query": "attention"})
    assert (await fake.wait_for_response(inter, timeout=TIMEOUT)).embeds
    assert len([m for m in fake.bot_messages(fake.channel.id) if replies_to(missed)(m)]) == 1


async def test_handler_error_apologizes_and_bot_keeps_serving(
    fake: FakeDiscord, run: ClientRun, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        inter = await fake.send_interaction_command("find", {"query": "explode please"})
        apology = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert apology.content == APOLOGY and apology.ephemeral
        # The public "thinking" placeholder was removed so the apology stays private.
        assert fake.get_message(inter.original_message_id).deleted
        asked = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> explode")
        sorry = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
        assert sorry.content == APOLOGY
    tracebacks = [r for r in caplog.records if r.exc_info and "exploded" in str(r.exc_info[1])]
    assert len(tracebacks) == 2
    ok = await fake.send_interaction_command("find", {"query": "implicit differentiation"})
    assert (await fake.wait_for_response(ok, timeout=TIMEOUT)).embeds
    run.assert_alive()


async def test_user_errors_are_ephemeral_and_plain(fake: FakeDiscord, run: ClientRun) -> None:
    inter = await fake.send_interaction_command("find", {"query": "?!"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.ephemeral and "no words to search for" in msg.content
    assert callback_types(fake, inter.id) == [CHANNEL_MESSAGE]  # answered at once, no public placeholder


async def test_rate_limit_is_friendly_and_ephemeral(fake: FakeDiscord, retriever: FakeRetriever, tmp_path: Path) -> None:
    sink = ListSink()
    handlers = Handlers(LiveIndex(retriever), sink, SlidingWindowLimiter(2, 30))
    async with running_bot(fake, handlers, tmp_path):
        for _ in range(2):
            ok = await fake.send_interaction_command("find", {"query": "sinkhorn"})
            assert (await fake.wait_for_response(ok, timeout=TIMEOUT)).embeds
        limited = await fake.send_interaction_command("find", {"query": "sinkhorn"})
        msg = await fake.wait_for_response(limited, timeout=TIMEOUT)
        assert msg.ephemeral and "Try again in" in msg.content and " s." in msg.content
        assert callback_types(fake, limited.id) == [CHANNEL_MESSAGE]
        # The limit is per user: someone else may still search.
        other = await fake.send_interaction_command("find", {"query": "sinkhorn"}, user=fake.moderator)
        assert (await fake.wait_for_response(other, timeout=TIMEOUT)).embeds
    assert len(retriever.searches) == 3 and sink.kinds() == [events.SEARCH] * 3


async def test_largest_page_fits_discord_limits(fake: FakeDiscord, run: ClientRun) -> None:
    """Ten cards with huge titles, sentences and many listings pass the fake's Discord limits."""
    huge = [
        Card(
            paper=make_paper(
                f"p-huge-{i}",
                "Gigantic " * 40,
                "Enormous sentence " * 300,
                code="https://github.com/x/" + "y" * 200,
                listings=tuple((f"{i:03d}_a8f2f76e0bca95a6", r) for r in range(40)),
            ),
            rank=i + 1,
            sentence="Enormous *sentence* " * 300,
            matched_terms=("enormous", "sentence", "gigantic"),
            similarity=0.5,
        )
        for i in range(10)
    ]
    embeds = cards.result_embeds(tuple(huge))
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=fake.channel.id)
    await run.client.http.request(route, json={"embeds": [e.to_dict() for e in embeds]})
    assert fake.rejections == [] and len(fake.bot_messages(fake.channel.id)[0].embeds) == 10
