"""End-to-end tests of the fake Discord, driving the real discord.py client over loopback sockets."""

from __future__ import annotations

import asyncio
import io
from typing import Any, AsyncIterator, Callable

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from tests.fakediscord import FLAG_EPHEMERAL, MANAGE_GUILD, FakeDiscord, FakeMessage
from tests.fakediscord.pytest_helpers import connect_client, running_fake

TIMEOUT = 5.0


# --------------------------------------------------------------------- test bot


class PanelView(discord.ui.View):
    """A button that rewrites its own message."""

    def __init__(self, bot: TestBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="OK", custom_id="panel:ok", style=discord.ButtonStyle.primary)
    async def ok(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        """Record the click and edit the message in place (callback type 7)."""
        self.bot.clicks.append(interaction.user.id)
        await interaction.response.edit_message(content=f"clicked by {interaction.user.name}", view=None)

    @discord.ui.button(label="Later", custom_id="panel:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        """Deferred update (callback type 6), then edit the button's message via @original."""
        await interaction.response.defer()
        await interaction.edit_original_response(content="updated later", view=None)


class TopicView(discord.ui.View):
    """A string select."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.select(
        custom_id="topic:pick",
        options=[discord.SelectOption(label=x.upper(), value=x) for x in ("nlp", "cv", "rl")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[TopicView]) -> None:
        """Answer with the picked value."""
        await interaction.response.edit_message(content=f"topic={select.values[0]}", view=None)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """A modal with one text input."""

    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Your feedback", custom_id="feedback:text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Thank the user, quoting their input."""
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


class TestBot(commands.Bot):
    """A tiny bot exercising what PaperScout does: slash commands, views, replies."""

    __test__ = False  # not a pytest test class

    def __init__(self, *, intents: discord.Intents | None = None, sync_guild: int | None = None) -> None:
        super().__init__(
            command_prefix="!",
            intents=intents or discord.Intents.default(),
            help_command=None,
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.sync_guild = sync_guild
        self.autocomplete_size = 5
        self.clicks: list[int] = []
        self.errors: list[BaseException] = []
        self.seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.reactions: asyncio.Queue[discord.RawReactionActionEvent] = asyncio.Queue()
        self.guild_events: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self.gate = asyncio.Event()
        self._add_commands()

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(description="Echo text in an embed")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(embed=discord.Embed(title="Echo", description=text))

        @tree.command(description="Defer, then answer with a followup")
        async def slow(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(embed=discord.Embed(title="Results", description=f"for {query}"))

        @tree.command(description="Defer, wait for the test's go, then follow up")
        async def later(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await self.gate.wait()
            await interaction.followup.send("finally")

        @tree.command(description="Answer, then delete the answer")
        async def temp(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("temporary")
            await interaction.delete_original_response()

        @tree.command(description="Answer with an embed that is too long")
        async def huge(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(embed=discord.Embed(description="x" * 4097))

        @tree.command(description="Acknowledge twice")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("first")
            # A fresh InteractionResponse bypasses discord.py's local guard, like a
            # second handler would, so the second ack really reaches Discord.
            await discord.InteractionResponse(interaction).send_message("second")

        @tree.command(description="Answer after the 3 s window")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            await interaction.response.send_message("too late")

        @tree.command(description="Search with autocomplete")
        async def search(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.send_message(f"searching {query}")

        @search.autocomplete("query")
        async def search_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            size = self.autocomplete_size
            return [app_commands.Choice(name=f"{current} {i}", value=f"{current}-{i}") for i in range(size)]

        @tree.command(description="Show a button")
        async def panel(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Press OK", view=PanelView(self))

        @tree.command(description="Show a select")
        async def topic(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Pick a topic", view=TopicView())

        @tree.command(description="Open a modal")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(description="Server settings")
        @app_commands.default_permissions(manage_guild=True)
        async def settings(interaction: discord.Interaction) -> None:
            if not interaction.permissions.manage_guild:
                await interaction.response.send_message("Manage Server required", ephemeral=True)
                return
            await interaction.response.send_message("settings updated")

        admin = app_commands.Group(name="admin", description="Admin tools")
        index = app_commands.Group(name="index", description="Index tools", parent=admin)

        @index.command(name="rebuild", description="Rebuild the index")
        async def rebuild(interaction: discord.Interaction, shards: int) -> None:
            await interaction.response.send_message(f"rebuilding {shards} shards")

        tree.add_command(admin)

        @tree.error
        async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            self.errors.append(getattr(error, "original", error))

    async def setup_hook(self) -> None:
        """Sync commands globally, or to one guild when asked."""
        if self.sync_guild is not None:
            guild = discord.Object(self.sync_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s pause before a re-IDENTIFY (keeps the invalid-session test fast)."""

    async def on_message(self, message: discord.Message) -> None:
        """Reply once to mentions and DMs; ignore bots (including ourselves)."""
        await self.seen.put(message)
        if message.author.bot:
            return
        if self.user in message.mentions or message.guild is None:
            await message.reply(f"Hi {message.author.display_name}!")

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Record reactions."""
        await self.reactions.put(payload)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Record joins."""
        await self.guild_events.put(("join", guild.id))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Record removals."""
        await self.guild_events.put(("remove", guild.id))


async def next_seen(bot: TestBot, message_id: int) -> discord.Message:
    """Wait until the bot's on_message saw a given message."""

    async def find() -> discord.Message:
        while True:
            message = await bot.seen.get()
            if message.id == message_id:
                return message

    return await asyncio.wait_for(find(), TIMEOUT)


def replies_to(msg: FakeMessage) -> Callable[[FakeMessage], bool]:
    """Predicate: a bot message replying to `msg`."""
    return lambda m: m.message_reference is not None and m.message_reference["message_id"] == str(msg.id)


# --------------------------------------------------------------------- fixtures


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord."""
    async with running_fake() as fake:
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[TestBot]:
    """The test bot, connected and ready; teardown fails if its start() task died."""
    bot = TestBot()
    async with connect_client(bot, fake):
        yield bot


# ------------------------------------------------------------------------ tests


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


async def test_slash_command_answers_with_embed(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("echo", {"text": "attention is all you need"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.embeds[0]["title"] == "Echo"
    assert msg.embeds[0]["description"] == "attention is all you need"
    assert msg.interaction_id == inter.id and msg.source == "callback"
    assert not msg.ephemeral
    assert [c.type for c in fake.interaction_callbacks] == [4]
    assert fake.history(fake.channel.id) == [msg]


async def test_defer_then_followup_fills_the_thinking_message(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("slow", {"query": "diffusion"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert [c.type for c in fake.interaction_callbacks] == [5]
    assert msg.id == inter.original_message_id  # the first followup replaced the placeholder
    assert not msg.loading
    assert msg.embeds[0]["description"] == "for diffusion"
    assert fake.followups == [msg]
    followup_posts = [r for r in fake.requests if r.path.startswith("/webhooks/")]
    assert len(followup_posts) == 1 and followup_posts[0].query.get("wait") == "1"


async def test_followup_after_token_expiry_is_rejected(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("later")
    await fake.wait_for_callback(inter, timeout=TIMEOUT)
    fake.advance_clock(15 * 60 + 1)
    bot.gate.set()
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == inter.id, timeout=TIMEOUT)
    assert (rejection.status, rejection.code) == (401, 50027)


async def test_oversized_embed_is_rejected(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("huge")
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == inter.id, timeout=TIMEOUT)
    assert (rejection.status, rejection.code) == (400, 50035)
    error = rejection.errors["data"]["embeds"]["0"]["description"]["_errors"][0]
    assert error["code"] == "BASE_TYPE_MAX_LENGTH"
    assert not inter.acknowledged and fake.bot_messages() == []
    await fake.wait_for(lambda: bot.errors or None, timeout=TIMEOUT, what="the bot's error handler")
    assert isinstance(bot.errors[0], discord.HTTPException) and bot.errors[0].code == 50035


async def test_autocomplete_choices_and_the_25_limit(fake: FakeDiscord, bot: TestBot) -> None:
    ok = await fake.send_autocomplete("search", {"query": "bert"})
    choices = await fake.wait_for_autocomplete(ok, timeout=TIMEOUT)
    assert [c["value"] for c in choices] == [f"bert-{i}" for i in range(5)]

    bot.autocomplete_size = 30
    too_many = await fake.send_autocomplete("search", {"query": "gpt"})
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == too_many.id, timeout=TIMEOUT)
    assert rejection.code == 50035
    assert rejection.errors["data"]["choices"]["_errors"][0]["message"] == "Must be 25 or fewer in length."
    assert too_many.autocomplete_choices is None


async def test_second_ack_is_rejected(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("twice")
    first = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert first.content == "first"
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == inter.id, timeout=TIMEOUT)
    assert (rejection.status, rejection.code) == (400, 40060)
    assert rejection.message == "Interaction has already been acknowledged."
    assert [m.content for m in fake.bot_messages()] == ["first"]


async def test_late_ack_is_rejected(fake: FakeDiscord, bot: TestBot) -> None:
    fake.ack_deadline = 0.2  # the handler sleeps 0.3 s
    inter = await fake.send_interaction_command("late")
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == inter.id, timeout=TIMEOUT)
    assert (rejection.status, rejection.code) == (404, 10062)
    assert not inter.acknowledged
    await fake.wait_for(lambda: bot.errors or None, timeout=TIMEOUT, what="the bot's error handler")
    assert isinstance(bot.errors[0], discord.NotFound)


async def test_button_click_reaches_the_view(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("panel")
    panel = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert panel.custom_ids() == ["panel:ok", "panel:later"]
    click = await fake.click_button(panel, "panel:ok", user=fake.moderator)
    updated = await fake.wait_for_response(click, timeout=TIMEOUT)
    assert bot.clicks == [fake.moderator.id]
    assert updated.id == panel.id
    assert updated.content == "clicked by morgan" and updated.components == []
    assert click.ack_type == 7


async def test_deferred_update_then_edit_original(fake: FakeDiscord, bot: TestBot) -> None:
    panel = await fake.wait_for_response(await fake.send_interaction_command("panel"), timeout=TIMEOUT)
    click = await fake.click_button(panel, "panel:later")
    updated = await fake.wait_for_response(click, timeout=TIMEOUT)
    assert click.ack_type == 6
    assert updated.id == panel.id and updated.content == "updated later" and updated.components == []
    patch = [r for r in fake.requests if r.method == "PATCH"]
    assert [r.path for r in patch] == [f"/webhooks/{fake.application_id}/{click.token}/messages/@original"]


async def test_delete_original_response(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("temp")
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    await fake.wait_for(lambda: msg.deleted or None, timeout=TIMEOUT, what="DELETE @original")
    assert fake.history(fake.channel.id) == [] and fake.bot_messages() == []


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


async def test_select_menu(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("topic")
    menu = await fake.wait_for_response(inter, timeout=TIMEOUT)
    with pytest.raises(ValueError):
        await fake.select(menu, "topic:pick", ["biology"])  # not an option: no user could pick it
    picked = await fake.select(menu, "topic:pick", ["rl"])
    updated = await fake.wait_for_response(picked, timeout=TIMEOUT)
    assert updated.content == "topic=rl"


async def test_modal_round_trip(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("feedback")
    callback = await fake.wait_for_callback(inter, timeout=TIMEOUT)
    assert callback.type == 9 and inter.modal is not None and inter.modal["title"] == "Feedback"
    submit = await fake.submit_modal(inter, {"feedback:text": "great bot"})
    answer = await fake.wait_for_response(submit, timeout=TIMEOUT)
    assert answer.content == "thanks: great bot"
    assert answer.flags & FLAG_EPHEMERAL
    assert answer not in fake.history(fake.channel.id)  # ephemeral: not in channel history


async def test_subcommand_group_with_integer_option(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("admin index rebuild", {"shards": 4})
    assert inter.data["options"][0]["options"][0]["options"] == [{"name": "shards", "type": 4, "value": 4}]
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.content == "rebuilding 4 shards"


async def test_member_permissions_reach_the_bot(fake: FakeDiscord, bot: TestBot) -> None:
    with pytest.raises(PermissionError):
        await fake.send_interaction_command("settings", user=fake.user)  # Discord hides it from alice

    allowed = await fake.send_interaction_command("settings", user=fake.moderator)
    assert int(allowed.payload["member"]["permissions"]) & MANAGE_GUILD
    assert (await fake.wait_for_response(allowed, timeout=TIMEOUT)).content == "settings updated"

    denied = await fake.send_interaction_command("settings", user=fake.user, enforce_permissions=False)
    answer = await fake.wait_for_response(denied, timeout=TIMEOUT)
    assert answer.content == "Manage Server required" and answer.ephemeral


async def test_rate_limited_send_is_retried_once(fake: FakeDiscord, bot: TestBot) -> None:
    route = f"/channels/{fake.channel.id}/messages"
    rule = fake.fail_next(f"POST {route}", status=429, retry_after=0.1)
    user_msg = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> find papers")
    reply = await fake.wait_for_message(fake.channel.id, replies_to(user_msg), timeout=TIMEOUT)
    assert rule.hits == 1
    assert [r.status for r in fake.requests if r.method == "POST" and r.path == route] == [429, 200]
    assert fake.bot_messages(fake.channel.id) == [reply]


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
