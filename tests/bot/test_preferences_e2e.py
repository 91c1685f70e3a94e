"""End to end: setting a server's /config preferences, and what they change, with the real bot on the fake Discord.

Moderators set the post size, /find's default privacy and the mention channels; mentions
outside the allowed channels then get no answer, /find follows the server's default
privacy, and the daily post has the server's number of cards.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.scheduler import Scheduler
from bot.discord_app.trending_post import VOTE_PREFIX, TrendingPoster
from bot.state import SqliteEventSink, State
from tests.bot.fakes import PAPERS, FakeRetriever
from tests.bot.harness import TIMEOUT, Clock, eventually, replies_to, running_bot
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, FakeMessage
from tests.fakediscord.pytest_helpers import ClientRun
from tests.fakediscord.state import SEND_MESSAGES

# 09:00 in Paris on 23 November 2026 is 08:00 UTC.
AT = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def channels(fake: FakeDiscord) -> tuple[int, int]:
    """Return the default guild's #general and #papers."""
    assert fake.guild is not None
    by_name = {c.name: c.id for c in fake.guild.text_channels}
    return by_name["general"], by_name["papers"]


async def moderator_runs(fake: FakeDiscord, name: str, options: dict | None = None) -> str:
    """Run a /config command as the moderator and return its (private) answer."""
    inter = await fake.send_interaction_command(name, options, user=fake.moderator)
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL
    return msg.content


# ----------------------------------------------------------------------------- setting them


async def test_moderator_sets_the_post_size(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    assert "**5**" in await moderator_runs(fake, "config trending size")
    saved = await moderator_runs(fake, "config trending size", {"cards": 8})
    assert saved.startswith("Saved.") and "**8**" in saved
    settings = store.servers.get(fake.guild.id)
    assert settings is not None and settings.post_size == 8 and not settings.enabled  # trending stays off
    assert "**8**" in await moderator_runs(fake, "config trending size")
    assert "Papers in the daily post: **8**" in await moderator_runs(fake, "config show")


@pytest.mark.parametrize("cards", [0, 11, 50])
async def test_out_of_range_post_size_is_explained(
    fake: FakeDiscord, stored_run: ClientRun, store: State, cards: int
) -> None:
    # Discord's client enforces the option's 1-10, another client need not.
    assert fake.guild is not None
    answer = await moderator_runs(fake, "config trending size", {"cards": cards})
    assert "\n" not in answer and "1 to 10 papers" in answer and f"`{cards}`" in answer
    assert store.servers.get(fake.guild.id) is None


async def test_moderator_makes_results_private_by_default(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    assert "**public**" in await moderator_runs(fake, "config results")
    saved = await moderator_runs(fake, "config results", {"private": True})
    assert saved.startswith("Saved.") and "**private**" in saved
    settings = store.servers.get(fake.guild.id)
    assert settings is not None and settings.private_results
    assert "**private**" in await moderator_runs(fake, "config show")
    await moderator_runs(fake, "config results", {"private": False})
    settings = store.servers.get(fake.guild.id)
    assert settings is not None and not settings.private_results


async def test_moderator_limits_mentions_to_listed_channels(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    guild_id, papers, general = fake.guild.id, channels(fake)[1], fake.guild.text_channels[0].id

    # With no list there is nothing to take a channel off: say how to make one instead.
    refused = await moderator_runs(fake, "config mentions disallow", {"channel": general})
    assert "/config mentions allow" in refused and store.servers.get(guild_id) is None

    saved = await moderator_runs(fake, "config mentions allow", {"channel": papers})
    assert saved.startswith("Saved.") and f"answered only in <#{papers}>" in saved
    again = await moderator_runs(fake, "config mentions allow", {"channel": papers})
    assert again.startswith(f"<#{papers}> was already allowed.")
    await moderator_runs(fake, "config mentions allow", {"channel": general})
    settings = store.servers.get(guild_id)
    assert settings is not None and settings.mention_channels == tuple(sorted((papers, general)))
    assert f"<#{general}>" in await moderator_runs(fake, "config show")

    await moderator_runs(fake, "config mentions disallow", {"channel": general})
    emptied = await moderator_runs(fake, "config mentions disallow", {"channel": papers})
    assert "**no channel**" in emptied
    settings = store.servers.get(guild_id)
    assert settings is not None and settings.mention_channels == ()

    assert "**every channel**" in await moderator_runs(fake, "config mentions everywhere")
    settings = store.servers.get(guild_id)
    assert settings is not None and settings.mention_channels is None
    assert not fake.history(papers) and not fake.history(general)  # all of it private
    assert fake.rejections == []


async def test_a_mention_channel_the_bot_cannot_answer_in_is_refused(
    fake: FakeDiscord, stored_handlers: Handlers, store: State, tmp_path: Path
) -> None:
    assert fake.guild is not None
    channel = channels(fake)[1]
    fake.set_channel_permissions(channel, fake.guild.id, deny=SEND_MESSAGES)
    async with running_bot(fake, stored_handlers, tmp_path, state=store):
        answer = await moderator_runs(fake, "config mentions allow", {"channel": channel})
    assert "can't post in" in answer and "**Send Messages**" in answer and "nothing was saved" in answer
    assert store.servers.get(fake.guild.id) is None


async def test_deleting_a_mention_channel_takes_it_off_the_list(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    guild_id, papers, general = fake.guild.id, channels(fake)[1], fake.guild.text_channels[0].id
    await moderator_runs(fake, "config mentions allow", {"channel": papers})
    await moderator_runs(fake, "config mentions allow", {"channel": general})

    await fake.delete_channel(papers)

    def listed() -> tuple[int, ...] | None:
        settings = store.servers.get(guild_id)
        return settings.mention_channels if settings is not None else None

    await eventually(lambda: listed() == (general,), "the deleted channel to leave the mention list")
    stored_run.assert_alive()


# ----------------------------------------------------------------------------- what they change


async def ask(fake: FakeDiscord, channel: int, question: str = "sinkhorn") -> FakeMessage:
    """Mention the bot with a question in a channel."""
    return await fake.send_message(channel, f"<@{fake.bot_user.id}> {question}")


def answers_to(fake: FakeDiscord, msg: FakeMessage) -> list[FakeMessage]:
    return [m for m in fake.bot_messages() if replies_to(msg)(m)]


async def test_mentions_outside_the_allowed_channels_get_no_answer(fake: FakeDiscord, stored_run: ClientRun) -> None:
    general, papers = channels(fake)
    await moderator_runs(fake, "config mentions allow", {"channel": papers})

    ignored = await ask(fake, general)
    answered = await ask(fake, papers)
    reply = await fake.wait_for_message(papers, replies_to(answered), timeout=TIMEOUT)
    assert reply.embeds and "sinkhorn" in reply.embeds[0]["title"].lower()
    dm = await fake.send_dm("sinkhorn")  # a DM belongs to no server's list
    await fake.wait_for_message(dm.channel_id, replies_to(dm), timeout=TIMEOUT)
    # Both later mentions were answered, so an answer (or a hint) to the first would be in by now.
    assert answers_to(fake, ignored) == [] and fake.history(general) == [ignored]

    await moderator_runs(fake, "config mentions everywhere")
    again = await ask(fake, general)
    await fake.wait_for_message(general, replies_to(again), timeout=TIMEOUT)
    assert answers_to(fake, ignored) == []  # the earlier mention stays unanswered
    assert fake.rejections == []


async def test_an_emptied_mention_list_answers_nowhere(fake: FakeDiscord, stored_run: ClientRun) -> None:
    general, papers = channels(fake)
    await moderator_runs(fake, "config mentions allow", {"channel": papers})
    await moderator_runs(fake, "config mentions disallow", {"channel": papers})
    other = await fake.add_guild("Another Server", members=[fake.user])
    silent = [await ask(fake, general), await ask(fake, papers)]
    # The same path as the silent ones (its server's settings are read), and answered: a later barrier.
    barrier = await ask(fake, other.text_channels[0].id)
    await fake.wait_for_message(barrier.channel_id, replies_to(barrier), timeout=TIMEOUT)
    assert [answers_to(fake, m) for m in silent] == [[], []]


async def test_replies_to_the_bots_own_results_are_answered_outside_the_list(fake: FakeDiscord, stored_run: ClientRun) -> None:
    general, papers = channels(fake)
    await moderator_runs(fake, "config mentions allow", {"channel": papers})
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn"}, channel_id=general)
    results = await fake.wait_for_response(inter, timeout=TIMEOUT)

    # A Discord reply mentions the replied-to author by default.
    follow_up = await fake.send_message(general, "only with code", mentions=[fake.bot_user], reply_to=results)
    answer = await fake.wait_for_message(general, replies_to(follow_up), timeout=TIMEOUT)
    assert answer.embeds
    fresh = await ask(fake, general, "attention")
    barrier = await ask(fake, papers)
    await fake.wait_for_message(papers, replies_to(barrier), timeout=TIMEOUT)
    assert answers_to(fake, fresh) == []


async def test_find_is_private_by_default_when_the_server_says_so(fake: FakeDiscord, stored_run: ClientRun) -> None:
    assert fake.channel is not None
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn", "count": 2})
    public = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert not public.flags & FLAG_EPHEMERAL  # the default default: everyone sees them

    await moderator_runs(fake, "config results", {"private": True})
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn", "count": 2})
    private = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert private.flags & FLAG_EPHEMERAL and len(private.embeds) == 2
    assert private not in fake.history(fake.channel.id)

    # Asking explicitly still wins over the server's default.
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn", "count": 2, "private": False})
    shown = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert not shown.flags & FLAG_EPHEMERAL and shown in fake.history(fake.channel.id)
    assert fake.rejections == []


@pytest.mark.parametrize("cards", [1, 10])
async def test_the_daily_post_has_the_size_the_server_chose(
    fake: FakeDiscord, store: State, tmp_path: Path, cards: int
) -> None:
    assert fake.guild is not None
    _, papers_id = channels(fake)
    # Distinct upvotes, so the ranking is the papers in order.
    papers = [
        dataclasses.replace(p, upvotes=100 - 7 * i, published="2026-11-22T00:00:00+00:00") for i, p in enumerate(PAPERS)
    ]
    handlers = Handlers(LiveIndex(FakeRetriever(tuple(papers))), SqliteEventSink(store.events), SlidingWindowLimiter(100, 30))
    clock = Clock(AT)
    async with running_bot(fake, handlers, tmp_path, state=store, clock=clock) as run:
        await moderator_runs(
            fake, "config trending set", {"channel": papers_id, "time": "09:00", "timezone": "Europe/Paris"}
        )
        assert "Saved." in await moderator_runs(fake, "config trending size", {"cards": cards})
        poster = TrendingPoster(run.client, store.ledger, store.events, handlers.index)
        report = await Scheduler(store.servers, store.meta, poster, prune=store.prune, now=clock).tick()

    assert report.posts == {fake.guild.id: "sent"}
    [post] = [m for m in fake.bot_messages(papers_id) if "PaperScout daily post" in m.content]
    expected = [p.id for p in papers[:cards]]
    assert len(post.embeds) == cards
    assert [cid for cid in post.custom_ids() if cid.startswith(VOTE_PREFIX)] == [f"{VOTE_PREFIX}{pid}" for pid in expected]
    record = store.ledger.get(fake.guild.id, "2026-11-23")
    assert record is not None and record.paper_ids == tuple(expected)
    assert fake.rejections == []
