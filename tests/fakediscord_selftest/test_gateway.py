"""End-to-end tests of the fake's gateway side: login and READY, message events and intents, RESUME, guilds."""

from __future__ import annotations

import asyncio

import discord
from discord.gateway import DiscordWebSocket

from tests.fakediscord import MANAGE_GUILD, FakeDiscord
from tests.fakediscord.pytest_helpers import connect_client, running_fake
from tests.fakediscord_selftest.testbot import TIMEOUT, TestBot, next_seen, replies_to


async def test_login_ready_and_command_sync(fake: FakeDiscord, bot: TestBot) -> None:
    paths = [(r.method, r.path) for r in fake.requests]
    assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert bot.user is not None and bot.user.id == fake.bot_user.id
    assert bot.application_id == fake.application_id
    assert [g.id for g in bot.guilds] == [fake.guild.id]
    guild = bot.get_guild(fake.guild.id)
    assert guild is not None and guild.get_channel(fake.channel.id) is not None
    # Members arrived (each with `flags`); without the members intent discord.py caches only itself.
    assert guild.me is not None and guild.member_count == len(fake.guild.members)
    assert fake.intents == discord.Intents.default().value
    assert len(fake.command_puts) == 1
    names = {c["name"] for c in fake.commands[None]}
    assert {"echo", "slow", "search", "panel", "admin", "settings"} <= names
    settings = next(c for c in fake.commands[None] if c["name"] == "settings")
    assert settings["default_member_permissions"] == str(MANAGE_GUILD)
    assert fake.unknown_routes == [] and fake.rejections == []


async def test_route_base_and_gateway_are_restored() -> None:
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with running_fake() as fake:
        async with connect_client(TestBot(), fake) as run:
            assert discord.http.Route.BASE == fake.api_base
            run.assert_alive()
    assert discord.http.Route.BASE == base
    assert DiscordWebSocket.DEFAULT_GATEWAY == gateway


async def test_mention_gets_exactly_one_reply(fake: FakeDiscord, bot: TestBot) -> None:
    first = await fake.send_message(fake.channel.id, f"hey <@{fake.bot_user.id}>, any news?")
    reply = await fake.wait_for_message(fake.channel.id, replies_to(first), timeout=TIMEOUT)
    assert reply.message_reference == {
        "type": 0,
        "message_id": str(first.id),
        "channel_id": str(fake.channel.id),
        "guild_id": str(fake.guild.id),
    }
    assert reply.content == "Hi Alice!" and reply.type == 19
    assert reply.allowed_mentions == {"parse": []}  # what discord.py sends for AllowedMentions.none()
    assert reply.mention_user_ids == []  # AllowedMentions.none(): nobody pinged
    # Barrier: once a later mention is answered, a duplicate reply to the first would be in.
    second = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> ping")
    await fake.wait_for_message(fake.channel.id, replies_to(second), timeout=TIMEOUT)
    assert [m for m in fake.bot_messages(fake.channel.id) if replies_to(first)(m)] == [reply]


async def test_message_content_needs_the_intent_unless_mentioned(fake: FakeDiscord, bot: TestBot) -> None:
    plain = await fake.send_message(fake.channel.id, "just chatting about papers")
    mention = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> read this")
    assert (await next_seen(bot, plain.id)).content == ""
    assert (await next_seen(bot, mention.id)).content == f"<@{fake.bot_user.id}> read this"


async def test_dm_reply(fake: FakeDiscord, bot: TestBot) -> None:
    dm = await fake.send_dm("hello bot")
    reply = await fake.wait_for_message(dm.channel_id, replies_to(dm), timeout=TIMEOUT)
    assert reply.guild_id is None and "guild_id" not in reply.message_reference
    assert (await next_seen(bot, dm.id)).content == "hello bot"  # DMs carry content

    inter = await fake.send_interaction_command("echo", {"text": "in a DM"}, channel_id=dm.channel_id)
    assert "user" in inter.payload and "member" not in inter.payload  # DM interactions carry `user`
    answer = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert answer.channel_id == dm.channel_id and answer.embeds[0]["description"] == "in a DM"


async def test_drop_gateway_resumes_and_replays(fake: FakeDiscord, bot: TestBot) -> None:
    session = fake.gateway.session_id
    await fake.drop_gateway(4000)
    # Sent while the bot is disconnected: must arrive through the RESUME replay, once.
    missed = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> are you there?")
    await fake.wait_for_resume(1, timeout=TIMEOUT)
    assert fake.gateway.resume_requests[-1]["session_id"] == session
    assert fake.identifies == 1 and fake.gateway.session_id == session
    reply = await fake.wait_for_message(fake.channel.id, replies_to(missed), timeout=TIMEOUT)
    assert reply.content == "Hi Alice!"
    inter = await fake.send_interaction_command("echo", {"text": "still alive"})
    assert (await fake.wait_for_response(inter, timeout=TIMEOUT)).embeds[0]["description"] == "still alive"
    assert len(fake.bot_messages(fake.channel.id)) == 2


async def test_invalid_session_leads_to_fresh_identify(fake: FakeDiscord, bot: TestBot) -> None:
    old_session = fake.gateway.session_id
    await fake.invalidate_session(resumable=False)
    await fake.wait_for_identify(2, timeout=TIMEOUT)
    assert fake.gateway.session_id != old_session and fake.resumes == 0
    inter = await fake.send_interaction_command("echo", {"text": "new session"})
    assert (await fake.wait_for_response(inter, timeout=TIMEOUT)).embeds[0]["description"] == "new session"


async def test_reactions_and_guild_lifecycle(fake: FakeDiscord, bot: TestBot) -> None:
    user_msg = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> hi")
    reply = await fake.wait_for_message(fake.channel.id, replies_to(user_msg), timeout=TIMEOUT)
    await fake.add_reaction(fake.channel.id, reply.id, "👍", fake.user)
    reaction = await asyncio.wait_for(bot.reactions.get(), TIMEOUT)
    assert (reaction.message_id, reaction.user_id, str(reaction.emoji)) == (reply.id, fake.user.id, "👍")

    second = await fake.add_guild("Second Lab", channels=("lobby",))
    assert await asyncio.wait_for(bot.guild_events.get(), TIMEOUT) == ("join", second.id)
    assert bot.get_guild(second.id) is not None
    await fake.remove_guild(second.id)
    assert await asyncio.wait_for(bot.guild_events.get(), TIMEOUT) == ("remove", second.id)
    assert bot.get_guild(second.id) is None
