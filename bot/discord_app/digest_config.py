"""/config digest: a server's weekly digest (Manage Server only), a subgroup the /config cog adds to its group.

Not a cog of its own: Discord nests it under /config, whose cog checks the member and lists
the setting in /config show.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Callable

import discord
from discord import app_commands

from bot.core.digest_schedule import WEEKDAYS, DigestPlan, due_slot, next_slot, parse_weekday, plan_of
from bot.core.digest_text import day_name
from bot.core.errors import UserFacingError
from bot.core.time_settings import parse_post_time, parse_timezone, suggest_zones
from bot.core.weekly_digest import TOPIC_CARDS, TRENDING_CARDS
from bot.discord_app.autocomplete import never_fails
from bot.discord_app.permissions import require_postable
from bot.discord_app.responder import Responder
from bot.state import State
from bot.state.digest_settings import DigestLedger, DigestSchedule, DigestSettings
from bot.state.server_settings import GuildSettings, ServerSettings

log = logging.getLogger(__name__)

NO_CHANNEL = (
    "The digest goes to the daily post's channel, and this server has none yet: "
    "add `channel:` (e.g. `/config digest weekly day:Monday time:09:00 channel:#papers`) or run `/config trending set` first."
)
WHAT_IT_HOLDS = (
    f"Each digest shows up to {TOPIC_CARDS} papers of the past 7 days nearest to this server's channel subscription "
    f"topics, then up to {TRENDING_CARDS} of its trending papers of the week (as `/trending days:7`)."
)


def schedule_text(plan: DigestPlan) -> str:
    """Return when and where a digest goes, saying what it follows from the daily post."""
    zone = plan.timezone if plan.own_timezone else f"{plan.timezone}, the daily post's timezone"
    where = f"<#{plan.channel_id}>" + ("" if plan.own_channel else " (the daily post's channel)")
    return f"{day_name(plan.weekday)}s at **{plan.post_time}** ({zone}) in {where}"


def digest_line(
    schedule: DigestSchedule | None, server: GuildSettings | None, now: datetime, claimed: Callable[[str], bool]
) -> str:
    """Return the /config show line of a server's digest; `claimed(week)`: whether the ledger holds that week."""
    if schedule is None:
        return "Weekly digest: **off** (`/config digest weekly day:Monday time:09:00` sends the week's top papers every Monday)."
    if not schedule.enabled:
        return (
            f"Weekly digest: **off** (last set to {day_name(schedule.weekday)}s at {schedule.post_time}). "
            "Turn it on again with `/config digest weekly`."
        )
    plan = plan_of(schedule, server)
    if plan is None:
        return f"Weekly digest: **on**, but without a channel to post in. {NO_CHANNEL}"
    slot = due_slot(plan, now)
    if slot is not None and not claimed(slot.week):
        # Its time passed earlier today and the week is not settled: the catch-up rule sends it now.
        when = "this week's is due now and goes out at the next scheduler tick"
    else:
        upcoming = next_slot(plan, now)
        when = f"next <t:{int(upcoming.timestamp())}:F>" if upcoming is not None else "never: its timezone is unknown"
    return f"Weekly digest: **on**, {schedule_text(plan)}; {when}."


class DigestCommands(app_commands.Group):
    """`/config digest weekly` and `/config digest off`."""

    def __init__(
        self,
        digests: DigestSettings,
        ledger: DigestLedger,
        servers: ServerSettings,
        clock: Callable[[], datetime],
        require_manager: Callable[[discord.Interaction], int],
    ) -> None:
        super().__init__(name="digest", description="A weekly digest of this server's top papers.")
        self.digests = digests
        self.ledger = ledger
        self.servers = servers
        self.clock = clock
        self.require_manager = require_manager

    def describe(self, guild_id: int) -> str:
        """Return the server's digest line for /config show (synchronous: reads the state)."""
        return digest_line(
            self.digests.get(guild_id), self.servers.get(guild_id), self.clock(),
            lambda week: self.ledger.get(guild_id, week) is not None,
        )

    @app_commands.command(name="weekly")
    @app_commands.describe(
        day="The day of the week to post on",
        time="Local time of day, 24-hour HH:MM (e.g. 09:00)",
        channel="Where to post (default: the daily trending post's channel)",
        timezone="IANA timezone, e.g. Europe/Paris (default: the daily post's, else UTC)",
    )
    @app_commands.choices(day=[app_commands.Choice(name=name.capitalize(), value=name) for name in WEEKDAYS])
    async def weekly(
        self,
        interaction: discord.Interaction,
        day: str,
        time: app_commands.Range[str, 1, 20],
        channel: discord.TextChannel | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        """Post the week's top papers once a week, on a day at a local time."""
        guild_id = self.require_manager(interaction)
        weekday = parse_weekday(day)
        post_time = parse_post_time(time)
        zone = parse_timezone(timezone) if timezone else None
        if channel is not None:
            require_postable(interaction, channel, guild_id)
        server = await asyncio.to_thread(self.servers.get, guild_id)
        if channel is None and (server is None or server.channel_id is None):
            raise UserFacingError(NO_CHANNEL)
        await asyncio.to_thread(
            self.digests.set_weekly, guild_id, weekday, post_time, channel.id if channel else None, zone
        )
        log.info("guild %s set its weekly digest to weekday %d at %s", guild_id, weekday, post_time)
        line = await asyncio.to_thread(self.describe, guild_id)
        await Responder(interaction).send_text(f"Saved. {line}\n{WHAT_IT_HOLDS}")

    @weekly.autocomplete("timezone")
    @never_fails
    async def timezone_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest IANA timezone names containing what was typed."""
        return [app_commands.Choice(name=z, value=z) for z in suggest_zones(current)]

    @app_commands.command(name="off")
    async def off(self, interaction: discord.Interaction) -> None:
        """Stop the weekly digest in this server."""
        guild_id = self.require_manager(interaction)
        was_on = await asyncio.to_thread(self.digests.disable, guild_id)
        text = "The weekly digest is now off." if was_on else "The weekly digest was already off."
        await Responder(interaction).send_text(text)



def digest_commands(
    state: State, clock: Callable[[], datetime], require_manager: Callable[[discord.Interaction], int]
) -> DigestCommands:
    """Return the subgroup over a state file, for the /config cog to add to its group."""
    return DigestCommands(DigestSettings(state.db), DigestLedger(state.db), state.servers, clock, require_manager)
