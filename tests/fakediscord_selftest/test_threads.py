"""The fake's threads, driven by the real discord.py client: start from a message, post, archive, lock, delete."""

from __future__ import annotations

import asyncio
from typing import Callable

import discord
import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.state import CREATE_PUBLIC_THREADS, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS
from tests.fakediscord.thread_payloads import (
    CHANNEL_PUBLIC_THREAD,
    MANAGE_THREADS,
    THREAD_ALREADY_CREATED,
    THREAD_ARCHIVED,
)
from tests.fakediscord_selftest.testbot import TIMEOUT, TestBot, next_seen, replies_to


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for the client's cache to catch up with a gateway event."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def started_thread(fake: FakeDiscord, bot: TestBot, name: str = "About Sinkhorn") -> discord.Thread:
    """A user posts in #general and the bot starts a thread from that message."""
    asked = await fake.send_message(fake.channel.id, "let us talk about sinkhorn")
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.fetch_message(asked.id)
    thread = await message.create_thread(name=name)
    await until(lambda: bot.get_channel(thread.id) is not None, "THREAD_CREATE in the cache")
    return thread


async def test_a_thread_started_from_a_message_has_its_id(fake: FakeDiscord, bot: TestBot) -> None:
    thread = await started_thread(fake, bot)
    stored = fake.thread(thread.id)
    assert thread.id == stored.id and stored.parent_id == fake.channel.id  # Discord: same id as the message
    assert (thread.parent_id, thread.name, thread.type.value, thread.owner_id) == (
        fake.channel.id, "About Sinkhorn", CHANNEL_PUBLIC_THREAD, fake.bot_user.id,
    )
    assert fake.thread_of(thread.id) is stored
    created = next(f for f in fake.gateway.frames_sent if f.get("t") == "THREAD_CREATE")
    assert created["d"]["newly_created"] is True and created["d"]["member"]["user_id"] == str(fake.bot_user.id)
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    again = await channel.fetch_message(thread.id)
    with pytest.raises(discord.HTTPException) as twice:
        await again.create_thread(name="Again")
    assert twice.value.code == THREAD_ALREADY_CREATED
    other = await fake.send_message(fake.channel.id, "another")
    with pytest.raises(discord.HTTPException) as long_name:
        await (await channel.fetch_message(other.id)).create_thread(name="x" * 101)
    assert long_name.value.code == 50035
    fetched = await bot.fetch_channel(thread.id)
    assert isinstance(fetched, discord.Thread) and fetched.parent_id == fake.channel.id
    assert [t.id for t in await bot.get_guild(fake.guild.id).active_threads()] == [thread.id]


async def test_messages_in_a_thread_have_the_thread_as_channel(fake: FakeDiscord, bot: TestBot) -> None:
    thread = await started_thread(fake, bot)
    await thread.send("the answer")
    [posted] = fake.bot_messages(thread.id)
    assert posted.content == "the answer" and posted.channel_id == thread.id and posted.guild_id == fake.guild.id
    asked = await fake.send_message(thread.id, f"{fake.bot_user.mention} hello", mentions=[fake.bot_user])
    seen = await next_seen(bot, asked.id)
    assert isinstance(seen.channel, discord.Thread) and seen.channel.parent_id == fake.channel.id
    reply = await fake.wait_for_message(thread.id, replies_to(asked), timeout=TIMEOUT)
    assert reply.content == "Hi Alice!"
    assert fake.thread(thread.id).message_count == 3 and fake.user.id in fake.thread(thread.id).member_ids


async def test_posting_in_an_archived_thread_unarchives_it(fake: FakeDiscord, bot: TestBot) -> None:
    thread = await started_thread(fake, bot)
    await thread.edit(archived=True)  # the bot started it: it may archive it
    assert fake.thread(thread.id).archived
    await until(lambda: bot.get_channel(thread.id) is None, "the archived thread leaving the cache")
    assert fake.active_thread_payloads(fake.guild.id) == []
    asked = await fake.send_message(thread.id, f"{fake.bot_user.mention} still there?", mentions=[fake.bot_user])
    seen = await next_seen(bot, asked.id)
    assert not fake.thread(thread.id).archived
    assert isinstance(seen.channel, discord.Thread) and not seen.channel.archived  # THREAD_UPDATE came first
    await fake.archive_thread(thread.id)
    await thread.send("the bot's own post reopens it too")
    assert not fake.thread(thread.id).archived


async def test_a_locked_thread_refuses_posts_without_manage_threads(fake: FakeDiscord, bot: TestBot) -> None:
    thread = await started_thread(fake, bot)
    await fake.archive_thread(thread.id, locked=True)
    with pytest.raises(PermissionError):
        await fake.send_message(thread.id, "hello?")
    with pytest.raises(discord.HTTPException) as refused:
        await thread.send("answer")
    assert (refused.value.status, refused.value.code) == (400, THREAD_ARCHIVED)
    with pytest.raises(discord.Forbidden):
        await thread.edit(archived=False)
    fake.set_channel_permissions(fake.channel.id, fake.bot_user.id, allow=MANAGE_THREADS, member=True)
    await thread.send("a moderator bot may")
    assert not fake.thread(thread.id).archived


async def test_thread_permissions_come_from_the_parent(fake: FakeDiscord, bot: TestBot) -> None:
    thread = await started_thread(fake, bot)
    bot_id = fake.bot_user.id
    # Send Messages in Threads, not Send Messages, is what posting in a thread needs.
    fake.set_channel_permissions(fake.channel.id, bot_id, deny=SEND_MESSAGES, member=True)
    await thread.send("fine without Send Messages")
    fake.set_channel_permissions(fake.channel.id, bot_id, deny=SEND_MESSAGES_IN_THREADS, member=True)
    with pytest.raises(discord.Forbidden) as no_send:
        await thread.send("refused")
    assert no_send.value.code == 50013
    fake.set_channel_permissions(fake.channel.id, bot_id, deny=CREATE_PUBLIC_THREADS, member=True)
    other = await fake.send_message(fake.channel.id, "another topic")
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.Forbidden):
        await (await channel.fetch_message(other.id)).create_thread(name="Refused")
    assert fake.thread_of(other.id) is None


async def test_a_deleted_thread_is_gone_and_active_ones_come_with_guild_create(fake: FakeDiscord, bot: TestBot) -> None:
    kept = await started_thread(fake, bot, "Kept")
    gone = await started_thread(fake, bot, "Gone")
    [guild] = fake.guild_create_payloads()
    assert sorted(int(t["id"]) for t in guild["threads"]) == sorted([kept.id, gone.id])
    await fake.delete_thread(gone.id)
    await until(lambda: bot.get_channel(gone.id) is None, "THREAD_DELETE in the cache")
    with pytest.raises(discord.NotFound) as unknown:
        await gone.send("too late")
    assert unknown.value.code == 10003
    before = bot.get_guild(fake.guild.id)
    await fake.invalidate_session(resumable=False)  # a fresh IDENTIFY: GUILD_CREATE lists the active threads
    await fake.wait_for_identify(2, timeout=TIMEOUT)
    fresh = lambda: bot.get_guild(fake.guild.id)  # noqa: E731
    await until(lambda: fresh() is not None and fresh() is not before, "the guild from the new GUILD_CREATE")
    assert bot.get_channel(kept.id) is not None
    assert bot.get_channel(gone.id) is None
