"""/config: a server's trending settings (Manage Server only), and forgetting a server the bot leaves."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserFacingError
from bot.core.time_settings import parse_post_time, parse_timezone, suggest_zones
from bot.discord_app.autocomplete import never_fails
from bot.discord_app.permissions import require_postable
from bot.discord_app.responder import Responder
from bot.state.guilds import GuildData
from bot.state.server_settings import GuildSettings, ServerSettings

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

log = logging.getLogger(__name__)

NOT_ALLOWED = "Only members with the **Manage Server** permission can change PaperScout's settings."
GUILD_ONLY = "Settings belong to a server: use /config in a server channel, not in DMs."


def describe(settings: GuildSettings | None) -> str:
    """Return a server's settings as the text /config show replies with."""
    if settings is None or settings.channel_id is None:
        return "Daily trending post: **off** (no channel chosen). Turn it on with `/config trending set`."
    where = f"<#{settings.channel_id}> at **{settings.post_time}** ({settings.timezone})"
    if settings.enabled:
        return f"Daily trending post: **on**, in {where}."
    return f"Daily trending post: **off** (last set to {where}). Turn it on again with `/config trending set`."


class ConfigCog(commands.Cog):
    """Per-server settings, kept in the state store."""

    config = app_commands.Group(
        name="config",
        description="PaperScout settings for this server.",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    trending = app_commands.Group(name="trending", description="The daily trending post.", parent=config)

    def __init__(self, servers: ServerSettings, guilds: GuildData, bot: commands.Bot | None = None) -> None:
        self.servers = servers
        self.guilds = guilds
        self.bot = bot

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
        await Responder(interaction).send_text(f"Saved. {describe(saved)}")

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

    @config.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """Show this server's PaperScout settings."""
        guild_id = self._require_manager(interaction)
        settings = await asyncio.to_thread(self.servers.get, guild_id)
        await Responder(interaction).send_text(describe(settings))

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
        """Stop posting into a deleted channel: its subscriptions go, and trending turns off if it was there."""
        try:
            removed, off = await asyncio.to_thread(self.guilds.forget_channel, channel.guild.id, channel.id)
        except Exception:
            log.exception("could not forget deleted channel %s of guild %s", channel.id, channel.guild.id)
            return
        if removed or off:
            log.info(
                "channel %s of guild %s was deleted: removed %d subscriptions%s",
                channel.id, channel.guild.id, removed, ", turned trending off" if off else "",
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
    await bot.add_cog(ConfigCog(bot.state.servers, bot.state.guilds, bot))
