"""When a server's weekly digest is due: its weekday and local time, resolved against the daily post's settings.

The catch-up rule is the daily post's (bot/core/daily_post.py): a slot missed while the bot
was down is sent late once, if the bot is back before the slot's local day ends; a slot whose
day has passed is skipped, never sent later. At most one digest goes out per server and ISO
week (the ledger's key), whatever the server changes in between.

Times are wall-clock times in the server's timezone. On a day the clocks jump forward over
the chosen time (02:30 when 02:00 becomes 03:00), the slot is the jump itself; on a day they
fall back and the time comes twice, the slot is its first occurrence.
"""

from __future__ import annotations

import hashlib
import logging
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.core.errors import UserFacingError
from bot.state.digest_settings import DigestSchedule
from bot.state.server_settings import GuildSettings

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Without a timezone of its own or the daily post's, a digest keeps UTC.
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class DigestPlan:
    """A digest schedule with everything it follows from the daily post filled in."""

    guild_id: int
    channel_id: int
    weekday: int
    post_time: str
    timezone: str
    # Whether the channel / timezone are the daily post's (shown in /config show).
    own_channel: bool = True
    own_timezone: bool = True


@dataclass(frozen=True)
class DueSlot:
    """A digest that is due now: its ISO week (the ledger key), the slot's local day and instant (UTC)."""

    week: str
    local_date: date
    at: datetime


def parse_weekday(text: str) -> int:
    """Return 0 (Monday) to 6 (Sunday) for a day's English name or its first three letters."""
    key = text.strip().lower()
    for number, name in enumerate(WEEKDAYS):
        if key in (name, name[:3]):
            return number
    raise UserFacingError(f"`{text[:20].replace('`', '')}` is not a day of the week. Use e.g. `monday` or `friday`.")


def plan_of(schedule: DigestSchedule | None, server: GuildSettings | None) -> DigestPlan | None:
    """Return the schedule with the daily post's channel and timezone filled in; None if off or without a channel."""
    if schedule is None or not schedule.enabled:
        return None
    channel = schedule.channel_id if schedule.channel_id is not None else (server.channel_id if server else None)
    if channel is None:
        return None
    zone = schedule.timezone or (server.timezone if server else None) or DEFAULT_TIMEZONE
    return DigestPlan(
        schedule.guild_id, channel, schedule.weekday, schedule.post_time, zone,
        own_channel=schedule.channel_id is not None, own_timezone=schedule.timezone is not None,
    )


def iso_week(day: date) -> str:
    """Return the ISO week of a day as the ledger keys it, e.g. "2026-W48"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _zone(plan: DigestPlan) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(plan.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("guild %s has an unknown timezone %r: no weekly digest", plan.guild_id, plan.timezone)
        return None


def _wall(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def slot_instant(day: date, post_time: str, zone: zoneinfo.ZoneInfo) -> datetime:
    """Return (in UTC) the first instant of local `day` whose wall clock shows `post_time` or later."""
    hours, minutes = (int(part) for part in post_time.split(":"))
    wall = datetime.combine(day, time(hours, minutes))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
    if _wall(first, zone) == wall:
        return first  # the time exists (fold 0 is the first of two on a fall-back day)
    # Skipped by a jump forward: the two folds map to either side of the jump; find the jump to the second.
    low, high = sorted((first, wall.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)))
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def due_slot(plan: DigestPlan, now: datetime) -> DueSlot | None:
    """Return the slot to send for now, if its time has come and its local day is not over."""
    zone = _zone(plan)
    if zone is None:
        return None
    today = now.astimezone(zone).date()
    if today.weekday() != plan.weekday:
        return None
    at = slot_instant(today, plan.post_time, zone)
    return DueSlot(iso_week(today), today, at) if now >= at else None


def next_slot(plan: DigestPlan, now: datetime) -> datetime | None:
    """Return (in UTC) the first slot after `now`, or None with an unknown timezone."""
    zone = _zone(plan)
    if zone is None:
        return None
    today = now.astimezone(zone).date()
    for ahead in range(8):
        day = today + timedelta(days=ahead)
        if day.weekday() == plan.weekday:
            at = slot_instant(day, plan.post_time, zone)
            if at > now:
                return at
    return None  # not reached: within 8 days the weekday comes again, its slot after now


def digest_nonce(guild_id: int, week: str) -> str:
    """Return the nonce of a server's digest of a week: stable across restarts, within Discord's 25 chars."""
    return "pd" + hashlib.sha1(f"digest:{guild_id}:{week}".encode()).hexdigest()[:23]
