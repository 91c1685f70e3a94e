"""/config: a server's trending settings (Manage Server only), and forgetting a server the bot leaves."""

from __future__ import annotations

import asyncio
import logging
import re
import zoneinfo
from functools import lru_cache
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.responder import Responder, guarded
from bot.state import GuildSettings, StateStore

if TYPE_CHECKING:
    from bot.client import PaperScoutBot

log = logging.getLogger(__name__)

NOT_ALLOWED = "Only members with the **Manage Server** permission can change PaperScout's settings."
GUILD_ONLY = "Settings belong to a server: use /config in a server channel, not in DMs."
TIME_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
# What the bot needs in the trending channel: see it, post in it, show paper cards (embeds), and read
# its recent messages (after a restart it looks there for its own post of the day before posting again).
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}


def parse_post_time(text: str) -> str:
    """Return a 24-hour time as zero-padded HH:MM, or explain the expected form."""
    match = TIME_PATTERN.match(text)
    if match is not None:
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours < 24 and minutes < 60:
            return f"{hours:02d}:{minutes:02d}"
    raise UserFacingError(
        f"`{text[:20].replace('`', '')}` is not a time I understand. "
        "Use 24-hour HH:MM, e.g. `09:00` or `18:30`."
    )


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def parse_timezone(text: str) -> str:
    """Return a canonical IANA timezone name, or explain the expected form."""
    name = text.strip()
    # Match case-insensitively ("europe/paris"), but keep the database's spelling.
    by_lower = {zone.lower(): zone for zone in _zone_names()}
    canonical = by_lower.get(name.lower())
    if canonical is not None:
        try:
            zoneinfo.ZoneInfo(canonical)
            return canonical
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    raise UserFacingError(
        f"`{name[:40].replace('`', '')}` is not a timezone I know. "
        "Use an IANA name like `Europe/Paris`, `America/New_York` or `UTC` (the option suggests names as you type)."
    )


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    """Return the names of the channel permissions the bot lacks for posting trending papers."""
    return [label for flag, label in NEEDED.items() if not getattr(permissions, flag)]


def require_postable(interaction: discord.Interaction, channel: discord.TextChannel, guild_id: int) -> None:
    """Refuse a channel of another server, or one where the bot lacks what posting papers needs."""
    guild = interaction.guild
    me = guild.me if guild is not None else None
    if me is None or channel.guild.id != guild_id:
        raise UserFacingError("Pick a text channel of this server.")
    missing = missing_permissions(channel.permissions_for(me))
    if missing:
        raise UserFacingError(
            f"I can't post in {channel.mention}: I'm missing {', '.join(f'**{m}**' for m in missing)} there. "
            "Give me those permissions in the channel settings (or pick another channel); nothing was saved."
        )


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

    def __init__(self, state: StateStore, bot: commands.Bot | None = None) -> None:
        self.state = state
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

        async def work(responder: Responder) -> None:
            guild_id = self._require_manager(interaction)
            post_time = parse_post_time(time)
            tz = parse_timezone(timezone)
            require_postable(interaction, channel, guild_id)
            saved = await asyncio.to_thread(self.state.set_trending, guild_id, channel.id, post_time, tz)
            log.info("guild %s set trending to channel %s at %s %s", guild_id, channel.id, post_time, tz)
            await interaction.response.send_message(f"Saved. {describe(saved)}", ephemeral=True)

        await guarded(interaction, "/config trending set", work)

    @trending_set.autocomplete("timezone")
    async def timezone_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest IANA timezone names containing what was typed."""
        key = current.strip().lower()
        names = [z for z in _zone_names() if key in z.lower()] if key else ["UTC", "Europe/London", "America/New_York"]
        return [app_commands.Choice(name=z, value=z) for z in names[:25]]

    @trending.command(name="off")
    async def trending_off(self, interaction: discord.Interaction) -> None:
        """Stop the daily trending post in this server."""

        async def work(responder: Responder) -> None:
            guild_id = self._require_manager(interaction)
            was_on = await asyncio.to_thread(self.state.disable_trending, guild_id)
            text = "The daily trending post is now off." if was_on else "The daily trending post was already off."
            await interaction.response.send_message(text, ephemeral=True)

        await guarded(interaction, "/config trending off", work)

    @config.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """Show this server's PaperScout settings."""

        async def work(responder: Responder) -> None:
            guild_id = self._require_manager(interaction)
            settings = await asyncio.to_thread(self.state.guild_settings, guild_id)
            await interaction.response.send_message(describe(settings), ephemeral=True)

        await guarded(interaction, "/config show", work)

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
            gone = await asyncio.to_thread(self.state.known_guild_ids) - present
        except Exception:
            log.exception("could not list the servers in the state store")
            return
        for guild_id in sorted(gone):
            await self._forget(guild_id, "removed while offline from guild")

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """Stop posting into a deleted channel: its subscriptions go, and trending turns off if it was there."""
        try:
            removed, off = await asyncio.to_thread(self.state.forget_channel, channel.guild.id, channel.id)
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
            await asyncio.to_thread(self.state.delete_guild, guild_id)
        except Exception:
            log.exception("could not delete the data of guild %s (%s)", guild_id, why)
            return
        log.info("%s %s: deleted its settings, subscriptions and events", why, guild_id)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog when the bot has a state store."""
    if bot.state is None:
        log.info("no state store: /config is not available")
        return
    await bot.add_cog(ConfigCog(bot.state, bot))
