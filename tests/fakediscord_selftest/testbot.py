"""The discord.py test bot that the fake Discord's own end-to-end tests drive."""

from __future__ import annotations

import asyncio
from typing import Callable

import discord
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import FakeMessage

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
