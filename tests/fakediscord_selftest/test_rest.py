"""End-to-end tests of the fake's REST side: JSON errors, faults and retries, uploads, nonces, payload limits."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import discord
import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import connect_client, running_fake
from tests.fakediscord_selftest.testbot import TIMEOUT, TestBot, replies_to


async def test_raw_http_errors_are_json(fake: FakeDiscord) -> None:
    auth = {"Authorization": "Bot t"}
    async with aiohttp.ClientSession(headers=auth) as session:
        async with session.get(f"{fake.api_base}/users/@me") as resp:
            assert resp.headers["Content-Type"] == "application/json"  # exactly, no charset
        async with session.get(f"{fake.api_base}/no/such/route") as resp:
            assert resp.status == 404 and resp.headers["Content-Type"] == "application/json"
        async with session.get(f"{fake.api_base}/channels/not-a-snowflake") as resp:
            assert (resp.status, (await resp.json())["code"]) == (400, 50035)
        url = f"{fake.api_base}/channels/{fake.channel.id}/messages"
        async with session.post(url, data=b"{oops", headers={"Content-Type": "application/json"}) as resp:
            assert (resp.status, (await resp.json())["code"]) == (400, 50109)
        async with aiohttp.ClientSession() as anonymous:
            async with anonymous.get(f"{fake.api_base}/users/@me") as resp:
                assert resp.status == 401
    assert [(r.method, r.path) for r in fake.unknown_routes] == [("GET", "/no/such/route")]
    assert fake.internal_errors == []


async def test_server_error_on_followup_is_retried(fake: FakeDiscord, bot: TestBot) -> None:
    rule = fake.fail_next("POST /webhooks/", status=502)
    inter = await fake.send_interaction_command("slow", {"query": "retry"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)  # discord.py waits 1 s after a 5xx
    assert rule.hits == 1 and msg.embeds[0]["description"] == "for retry"
    assert [r.status for r in fake.requests if r.path.startswith("/webhooks/")] == [502, 200]


async def test_file_upload_to_a_new_dm_and_fetches(fake: FakeDiscord, bot: TestBot) -> None:
    user = await bot.fetch_user(fake.user.id)
    sent = await user.send("your digest", file=discord.File(io.BytesIO(b"1706.03762"), filename="papers.txt"))
    dm = fake.dm_channel(fake.user)
    assert sent.channel.id == dm.id
    stored = fake.bot_messages(dm.id)[0]
    assert stored.content == "your digest" and stored.guild_id is None
    assert [(a["filename"], a["size"]) for a in stored.attachments] == [("papers.txt", 10)]
    upload = next(r for r in fake.requests if r.files)
    assert upload.json["content"] == "your digest" and upload.files[0]["data"] == b"1706.03762"
    assert sent.attachments[0].filename == "papers.txt"

    guild = bot.get_guild(fake.guild.id)
    assert guild is not None
    member = await guild.fetch_member(fake.moderator.id)
    assert member.guild_permissions.manage_guild
    channel = await bot.fetch_channel(fake.channel.id)
    assert channel.name == "general"


async def test_rate_limited_send_is_retried_once(fake: FakeDiscord, bot: TestBot) -> None:
    route = f"/channels/{fake.channel.id}/messages"
    rule = fake.fail_next(f"POST {route}", status=429, retry_after=0.1)
    user_msg = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> find papers")
    reply = await fake.wait_for_message(fake.channel.id, replies_to(user_msg), timeout=TIMEOUT)
    assert rule.hits == 1
    assert [r.status for r in fake.requests if r.method == "POST" and r.path == route] == [429, 200]
    assert fake.bot_messages(fake.channel.id) == [reply]


async def test_nonce_dedupes_retried_sends_and_history_pages(fake: FakeDiscord, bot: TestBot) -> None:
    channel = bot.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("paper digest", nonce=4242)
    again = await channel.send("paper digest", nonce=4242)
    assert first.id == again.id
    assert len(fake.bot_messages(fake.channel.id)) == 1 and len(fake.nonce_hits) == 1
    assert fake.requests[-1].json["enforce_nonce"] is True

    older = [await fake.send_message(fake.channel.id, f"note {i}") for i in range(3)]
    newest_first = [m.id async for m in channel.history(limit=2)]
    assert newest_first == [older[2].id, older[1].id]
    oldest_first = [m.id async for m in channel.history(after=discord.Object(first.id))]
    assert oldest_first == [m.id for m in older]


async def test_channel_message_limits(fake: FakeDiscord, bot: TestBot) -> None:
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=fake.channel.id)
    button = {"type": 2, "style": 1, "label": "ok", "custom_id": "b"}
    cases: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({"content": "x" * 2001}, ("content",)),
        ({"embeds": [{"title": "t" * 257}]}, ("embeds", "0", "title")),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, ("embeds", "0", "fields")),
        ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, ("embeds", "0", "fields", "0", "value")),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, ("embeds", "0", "footer", "text")),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, ("embeds", "0", "author", "name")),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, ("embeds",)),
        ({"embeds": [{"title": "t"}] * 11}, ("embeds",)),
        ({"components": [{"type": 1, "components": [button]}] * 6}, ("components",)),
        (
            {"components": [{"type": 1, "components": [{**button, "custom_id": f"b{i}"} for i in range(6)]}]},
            ("components", "0", "components"),
        ),
        ({"components": [{"type": 1, "components": [{**button, "custom_id": "c" * 101}]}]},
         ("components", "0", "components", "0", "custom_id")),
        ({"components": [{"type": 1, "components": [{**button, "label": "l" * 81}]}]},
         ("components", "0", "components", "0", "label")),
    ]
    for payload, path in cases:
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.request(route, json=payload)
        assert (info.value.status, info.value.code) == (400, 50035), payload
        node: Any = fake.rejections[-1].errors
        for part in path:
            node = node[part]
        assert node["_errors"], path
    with pytest.raises(discord.HTTPException) as empty:
        await bot.http.request(route, json={"content": ""})
    assert empty.value.code == 50006
    assert fake.bot_messages() == []


async def test_guild_scoped_sync_and_unknown_route() -> None:
    async with running_fake() as fake:
        bot = TestBot(sync_guild=fake.guild.id)
        async with connect_client(bot, fake):
            assert fake.commands.get(None) is None
            assert [scope for scope, _ in fake.command_puts] == [fake.guild.id]
            inter = await fake.send_interaction_command("echo", {"text": "guild"})
            assert inter.data["guild_id"] == str(fake.guild.id)
            assert (await fake.wait_for_response(inter, timeout=TIMEOUT)).embeds[0]["description"] == "guild"
            with pytest.raises(discord.NotFound):
                await bot.http.request(discord.http.Route("GET", "/applications/{x}/nothing", x=1))
            assert fake.unknown_routes[-1].path == "/applications/1/nothing"
