"""/config: a server's settings (Manage Server only), and forgetting a server or channel the bot loses."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Callable, Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserFacingError
from bot.core.server_prefs import allowing, disallowing, everywhere, parse_post_size
from bot.core.time_settings import parse_post_time, parse_timezone, suggest_zones
from bot.discord_app.autocomplete import never_fails
from bot.discord_app.digest_config import digest_commands
from bot.discord_app.permissions import require_postable
from bot.discord_app.responder import Responder
from bot.state.guilds import GuildData
from bot.state.server_settings import (
    ANSWER_REPLY,
    ANSWER_THREAD,
    MAX_POST_SIZE,
    MIN_POST_SIZE,
    GuildSettings,
    MentionChannels,
    ServerSettings,
    unset,
)

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

log = logging.getLogger(__name__)

NOT_ALLOWED = "Only members with the **Manage Server** permission can change PaperScout's settings."
GUILD_ONLY = "Settings belong to a server: use /config in a server channel, not in DMs."


def _trending_line(settings: GuildSettings) -> str:
    if settings.channel_id is None:
        return "Daily trending post: **off** (no channel chosen). Turn it on with `/config trending set`."
    where = f"<#{settings.channel_id}> at **{settings.post_time}** ({settings.timezone})"
    if settings.enabled:
        return f"Daily trending post: **on**, in {where}."
    return f"Daily trending post: **off** (last set to {where}). Turn it on again with `/config trending set`."


def size_line(settings: GuildSettings) -> str:
    """Return how many papers the daily post has."""
    return f"Papers in the daily post: **{settings.post_size}** (`/config trending size`, 1-10)."


# Enough for any real list, well within a message's 2000 characters.
_LISTED_CHANNELS = 40


def mentions_line(settings: GuildSettings) -> str:
    """Return where mentions of the bot are answered."""
    channels = settings.mention_channels
    if channels is None:
        return "Mentions: answered in **every channel** (`/config mentions allow` limits them to channels you pick)."
    if not channels:
        return (
            "Mentions: answered in **no channel** (`/config mentions allow` adds one, "
            "`/config mentions everywhere` answers them everywhere)."
        )
    shown = ", ".join(f"<#{c}>" for c in channels[:_LISTED_CHANNELS])
    more = f" and {len(channels) - _LISTED_CHANNELS} more" if len(channels) > _LISTED_CHANNELS else ""
    return f"Mentions: answered only in {shown}{more} (and their threads); elsewhere they get no answer."


def results_line(settings: GuildSettings) -> str:
    """Return whether /find answers privately when the searcher does not say."""
    if settings.private_results:
        return (
            "/find results: **private** by default, seen only by the searcher "
            "(`private:False` on /find shows them to everyone)."
        )
    return "/find results: **public** by default (`private:True` on /find shows them only to the searcher)."


def answers_line(settings: GuildSettings) -> str:
    """Return where answers to mentions go."""
    if settings.answers_in == ANSWER_THREAD:
        return (
            "Answers to questions: **in a thread** started from each question "
            "(`/config answers reply` answers with replies again)."
        )
    return "Answers to questions: **replies** (`/config answers thread` opens a thread for each question instead)."


# Said when threads are chosen: what the bot needs, and what happens without it.
THREAD_NEEDS = (
    "I need **Create Public Threads** and **Send Messages in Threads** in the channels where I answer; "
    "where I lack them I reply instead and say why. Follow-ups in a thread need no reply, only a mention of me."
)


def describe(settings: GuildSettings | None, guild_id: int = 0) -> str:
    """Return a server's settings as the text /config show replies with, one line per setting."""
    current = settings if settings is not None else unset(guild_id)
    lines = (
        _trending_line(current), size_line(current), mentions_line(current), results_line(current),
        answers_line(current),
    )
    return "\n".join(lines)


class ConfigCog(commands.Cog):
    """Per-server settings, kept in the state store."""

    config = app_commands.Group(
        name="config",
        description="PaperScout settings for this server.",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    trending = app_commands.Group(name="trending", description="The daily trending post.", parent=config)
    mentions = app_commands.Group(
        name="mentions", description="The channels where I answer when mentioned.", parent=config
    )
    answers = app_commands.Group(name="answers", description="Where my answers to questions go.", parent=config)

    def __init__(
        self, servers: ServerSettings, guilds: GuildData, bot: commands.Bot | None = None,
        more_lines: Sequence[Callable[[int], str]] = (),
    ) -> None:
        self.servers = servers
        self.guilds = guilds
        self.bot = bot
        # Lines of settings kept outside guild_settings (the weekly digest), read in a thread for /config show.
        self.more_lines = tuple(more_lines)

    @staticmethod
    def _require_manager(interaction: discord.Interaction) -> int:
        """Return the guild id, or refuse: the default permission can be overridden by server admins."""
        if interaction.guild_id is None:
            raise UserFacingError(GUILD_ONLY)
        if not interaction.permissions.manage_guild:
            raise UserFacingError(NOT_ALLOWED)
        return interaction.guild_id

    @trending.command(name="set")
    @app_commands.describe(
        channel="Where to post",
        time="Local time of day, 24-hour HH:MM (e.g. 09:00)",
        timezone="IANA timezone, e.g. Europe/Paris",
    )
    async def trending_set(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 20],
        timezone: app_commands.Range[str, 1, 64],
    ) -> None:
        """Post trending papers daily in a channel at a local time."""
        guild_id = self._require_manager(interaction)
        post_time = parse_post_time(time)
        tz = parse_timezone(timezone)
        require_postable(interaction, channel, guild_id)
        saved = await asyncio.to_thread(self.servers.set_trending, guild_id, channel.id, post_time, tz)
        log.info("guild %s set trending to channel %s at %s %s", guild_id, channel.id, post_time, tz)
        await Responder(interaction).send_text(f"Saved. {_trending_line(saved)}\n{size_line(saved)}")

    @trending_set.autocomplete("timezone")
    @never_fails
    async def timezone_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest IANA timezone names containing what was typed."""
        return [app_commands.Choice(name=z, value=z) for z in suggest_zones(current)]

    @trending.command(name="off")
    async def trending_off(self, interaction: discord.Interaction) -> None:
        """Stop the daily trending post in this server."""
        guild_id = self._require_manager(interaction)
        was_on = await asyncio.to_thread(self.servers.disable_trending, guild_id)
        text = "The daily trending post is now off." if was_on else "The daily trending post was already off."
        await Responder(interaction).send_text(text)

    @trending.command(name="size")
    @app_commands.describe(cards="How many papers each daily post shows (1-10, default 5); leave out to see it")
    async def trending_size(
        self,
        interaction: discord.Interaction,
        cards: app_commands.Range[int, MIN_POST_SIZE, MAX_POST_SIZE] | None = None,
    ) -> None:
        """Set how many papers the daily trending post shows."""
        guild_id = self._require_manager(interaction)
        if cards is None:
            await Responder(interaction).send_text(size_line(await self._current(guild_id)))
            return
        size = parse_post_size(cards)
        saved = await asyncio.to_thread(self.servers.set_post_size, guild_id, size)
        log.info("guild %s set the trending post size to %d", guild_id, size)
        await Responder(interaction).send_text(f"Saved. {size_line(saved)}")

    @config.command(name="results")
    @app_commands.describe(private="True: /find shows results only to the searcher unless they ask; leave out to see it")
    async def results(self, interaction: discord.Interaction, private: bool | None = None) -> None:
        """Choose whether /find results are private by default."""
        guild_id = self._require_manager(interaction)
        if private is None:
            await Responder(interaction).send_text(results_line(await self._current(guild_id)))
            return
        saved = await asyncio.to_thread(self.servers.set_private_results, guild_id, private)
        log.info("guild %s set private results to %s", guild_id, private)
        await Responder(interaction).send_text(f"Saved. {results_line(saved)}")

    @mentions.command(name="allow")
    @app_commands.describe(channel="A channel where I should answer mentions")
    async def mentions_allow(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Answer mentions in this channel (once any is allowed, only in allowed ones)."""
        guild_id = self._require_manager(interaction)
        # Answering needs the same as posting papers: see, send, embed, and reply (read history).
        require_postable(interaction, channel, guild_id)
        same = f"{channel.mention} was already allowed."
        await self._change_mentions(interaction, guild_id, lambda now: allowing(now, channel.id), same)

    @mentions.command(name="disallow")
    @app_commands.describe(channel="A channel where I should no longer answer mentions")
    async def mentions_disallow(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Stop answering mentions in this channel."""
        guild_id = self._require_manager(interaction)
        same = f"{channel.mention} was not allowed anyway."
        await self._change_mentions(interaction, guild_id, lambda now: disallowing(now, channel.id), same)

    @mentions.command(name="everywhere")
    async def mentions_everywhere(self, interaction: discord.Interaction) -> None:
        """Answer mentions in every channel again (the default)."""
        guild_id = self._require_manager(interaction)
        await self._change_mentions(interaction, guild_id, everywhere, "Nothing changed.")

    async def _change_mentions(
        self,
        interaction: discord.Interaction,
        guild_id: int,
        change: Callable[[MentionChannels], MentionChannels],
        same: str,
    ) -> None:
        """Apply a change to the mention channels (atomically, in the state) and say where mentions are answered."""
        changed, saved = await asyncio.to_thread(self.servers.change_mention_channels, guild_id, change)
        if changed:
            log.info("guild %s set its mention channels to %s", guild_id, saved.mention_channels)
        await Responder(interaction).send_text(f"{'Saved.' if changed else same} {mentions_line(saved)}")

    @answers.command(name="thread")
    async def answers_thread(self, interaction: discord.Interaction) -> None:
        """Answer each question in a thread started from it."""
        await self._set_answers(interaction, ANSWER_THREAD)

    @answers.command(name="reply")
    async def answers_reply(self, interaction: discord.Interaction) -> None:
        """Answer questions with a reply in the channel (the default)."""
        await self._set_answers(interaction, ANSWER_REPLY)

    async def _set_answers(self, interaction: discord.Interaction, place: str) -> None:
        guild_id = self._require_manager(interaction)
        saved = await asyncio.to_thread(self.servers.set_answers_in, guild_id, place)
        log.info("guild %s set answers in %s", guild_id, place)
        extra = f" {THREAD_NEEDS}" if place == ANSWER_THREAD else ""
        await Responder(interaction).send_text(f"Saved. {answers_line(saved)}{extra}")

    @config.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """Show this server's PaperScout settings."""
        guild_id = self._require_manager(interaction)
        settings = await asyncio.to_thread(self.servers.get, guild_id)
        more = [await asyncio.to_thread(line, guild_id) for line in self.more_lines]
        await Responder(interaction).send_text("\n".join([describe(settings, guild_id), *more]))

    async def _current(self, guild_id: int) -> GuildSettings:
        """Return the server's settings, the defaults if it never set any."""
        return await asyncio.to_thread(self.servers.get, guild_id) or unset(guild_id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Forget a server the bot was removed from: settings, posts, subscriptions and events."""
        await self._forget(guild.id, "left guild")

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Forget servers the bot was removed from while it was offline."""
        if self.bot is None:
            return
        # READY lists every server the bot is in, unavailable (outage) ones included, so a
        # server missing from it has removed the bot.
        present = {guild.id for guild in self.bot.guilds}
        try:
            gone = await asyncio.to_thread(self.guilds.known_ids) - present
        except Exception:
            log.exception("could not list the servers in the state store")
            return
        for guild_id in sorted(gone):
            await self._forget(guild_id, "removed while offline from guild")

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """Forget a deleted channel: its subscriptions and mention permission go; trending turns off if it was there."""
        try:
            gone = await asyncio.to_thread(self.guilds.forget_channel, channel.guild.id, channel.id)
        except Exception:
            log.exception("could not forget deleted channel %s of guild %s", channel.id, channel.guild.id)
            return
        if gone.subscriptions_removed or gone.trending_off or gone.mentions_unlisted:
            log.info(
                "channel %s of guild %s was deleted: removed %d subscriptions%s%s",
                channel.id, channel.guild.id, gone.subscriptions_removed,
                ", turned trending off" if gone.trending_off else "",
                ", took it off the mention channels" if gone.mentions_unlisted else "",
            )

    async def _forget(self, guild_id: int, why: str) -> None:
        try:
            await asyncio.to_thread(self.guilds.delete, guild_id)
        except Exception:
            log.exception("could not delete the data of guild %s (%s)", guild_id, why)
            return
        log.info("%s %s: deleted its settings, subscriptions and events", why, guild_id)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog when the bot has a state store."""
    if bot.state is None:
        log.info("no state store: /config is not available")
        return
    digest = digest_commands(bot.state, bot.clock, ConfigCog._require_manager)
    cog = ConfigCog(bot.state.servers, bot.state.guilds, bot, more_lines=(digest.describe,))
    cog.config.add_command(digest)  # /config digest ...: a subgroup of its own module
    await bot.add_cog(cog)
