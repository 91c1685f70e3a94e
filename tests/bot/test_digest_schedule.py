"""The weekly digest's schedule: the next slot, daylight-saving days, catch-up, and what it follows from the daily post."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.core.digest_schedule import (
    DigestPlan,
    digest_nonce,
    due_slot,
    iso_week,
    next_slot,
    parse_weekday,
    plan_of,
)
from bot.core.errors import UserFacingError
from bot.state.digest_settings import DigestSchedule
from bot.state.server_settings import GuildSettings, unset

MONDAY, SUNDAY = 0, 6


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def plan(weekday: int = MONDAY, at: str = "09:00", zone: str = "Europe/Paris") -> DigestPlan:
    return DigestPlan(guild_id=1, channel_id=10, weekday=weekday, post_time=at, timezone=zone)


def schedule(channel: int | None = None, zone: str | None = None, enabled: bool = True) -> DigestSchedule:
    return DigestSchedule(1, MONDAY, "09:00", channel, zone, enabled, "")


def daily(channel: int | None = 20, zone: str | None = "Asia/Tokyo") -> GuildSettings:
    return GuildSettings(1, channel, "08:00", zone, True, "")


@pytest.mark.parametrize("typed, number", [("monday", 0), ("Monday", 0), (" FRI ", 4), ("sun", 6), ("Sunday", 6)])
def test_days_are_read_by_name_or_three_letters(typed: str, number: int) -> None:
    assert parse_weekday(typed) == number


@pytest.mark.parametrize("typed", ["someday", "m", "lundi", "", "`mon`"])
def test_other_days_are_explained(typed: str) -> None:
    with pytest.raises(UserFacingError, match="not a day of the week"):
        parse_weekday(typed)


def test_the_plan_follows_the_daily_posts_channel_and_timezone_unless_given() -> None:
    followed = plan_of(schedule(), daily())
    assert followed is not None
    assert (followed.channel_id, followed.timezone, followed.own_channel, followed.own_timezone) == (
        20, "Asia/Tokyo", False, False,
    )
    own = plan_of(schedule(channel=30, zone="Europe/Paris"), daily())
    assert own is not None and (own.channel_id, own.timezone, own.own_channel, own.own_timezone) == (
        30, "Europe/Paris", True, True,
    )
    # A server without a daily post: its own channel, in UTC.
    alone = plan_of(schedule(channel=30), unset(1))
    assert alone is not None and alone.timezone == "UTC"


def test_no_plan_when_off_or_without_any_channel() -> None:
    assert plan_of(None, daily()) is None
    assert plan_of(schedule(enabled=False), daily()) is None
    assert plan_of(schedule(), None) is None
    assert plan_of(schedule(), daily(channel=None)) is None


def test_iso_weeks_key_the_ledger_across_a_year_end() -> None:
    assert iso_week(date(2026, 11, 23)) == "2026-W48"
    assert iso_week(date(2026, 1, 5)) == "2026-W02"
    # 1 January 2027 is a Friday: it still belongs to the last week of 2026, and the Monday after starts 2027's.
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    assert iso_week(date(2027, 1, 4)) == "2027-W01"


def test_next_slot_is_the_coming_weekday_at_the_local_time() -> None:
    # 09:00 in Paris (UTC+1 in November) is 08:00 UTC.
    assert next_slot(plan(), utc(2026, 11, 25, 12, 0)) == utc(2026, 11, 30, 8, 0)
    assert next_slot(plan(), utc(2026, 11, 23, 7, 59)) == utc(2026, 11, 23, 8, 0)
    # At the slot itself, the next one is a week away.
    assert next_slot(plan(), utc(2026, 11, 23, 8, 0)) == utc(2026, 11, 30, 8, 0)
    # The local day, not the UTC one, decides: 23:30 UTC on Sunday is already Monday in Tokyo.
    tokyo = plan(at="09:00", zone="Asia/Tokyo")
    assert next_slot(tokyo, utc(2026, 11, 22, 23, 30)) == utc(2026, 11, 23, 0, 0)


def test_the_slot_keeps_its_local_time_when_daylight_saving_ends() -> None:
    new_york = plan(at="09:00", zone="America/New_York")
    # Clocks go back on Sunday 1 November 2026: 09:00 is 13:00 UTC before, 14:00 UTC after.
    assert next_slot(new_york, utc(2026, 10, 20, 0, 0)) == utc(2026, 10, 26, 13, 0)
    assert next_slot(new_york, utc(2026, 10, 27, 0, 0)) == utc(2026, 11, 2, 14, 0)


def test_a_time_the_clocks_jump_over_is_sent_at_the_jump() -> None:
    # Paris, Sunday 28 March 2027: 02:00 becomes 03:00 (01:00 UTC), so 02:30 never shows on the clock.
    gap = plan(weekday=SUNDAY, at="02:30")
    assert next_slot(gap, utc(2027, 3, 27, 12, 0)) == utc(2027, 3, 28, 1, 0)
    assert due_slot(gap, utc(2027, 3, 28, 0, 59, 59)) is None
    slot = due_slot(gap, utc(2027, 3, 28, 1, 0))
    assert slot is not None and slot.at == utc(2027, 3, 28, 1, 0) and slot.week == "2027-W12"


def test_a_time_that_comes_twice_is_sent_the_first_time() -> None:
    # Paris, Sunday 25 October 2026: 03:00 becomes 02:00 again (01:00 UTC), so 02:30 comes twice.
    twice = plan(weekday=SUNDAY, at="02:30")
    assert next_slot(twice, utc(2026, 10, 24, 12, 0)) == utc(2026, 10, 25, 0, 30)
    assert due_slot(twice, utc(2026, 10, 25, 0, 29)) is None
    first = due_slot(twice, utc(2026, 10, 25, 0, 30))
    second = due_slot(twice, utc(2026, 10, 25, 1, 30))
    # Both times of 02:30 are the same slot of the same week: the ledger lets one digest through.
    assert first is not None and second is not None and first == second


def test_a_missed_slot_is_due_until_its_local_day_ends_then_skipped() -> None:
    monday = plan()
    on_time = due_slot(monday, utc(2026, 11, 23, 8, 0))
    assert on_time is not None and (on_time.week, on_time.local_date) == ("2026-W48", date(2026, 11, 23))
    # Back at 23:59 Paris time: still that Monday, sent late once (the ledger sees to "once").
    late = due_slot(monday, utc(2026, 11, 23, 22, 59))
    assert late == on_time
    # Past Paris midnight the Monday is over: that week's digest is skipped, not sent on Tuesday.
    assert due_slot(monday, utc(2026, 11, 23, 23, 0)) is None
    assert due_slot(monday, utc(2026, 11, 27, 12, 0)) is None
    # Before the time on the day itself, nothing yet.
    assert due_slot(monday, utc(2026, 11, 23, 7, 59)) is None
    # The week after, the next one.
    nxt = due_slot(monday, utc(2026, 11, 30, 8, 0) + timedelta(hours=3))
    assert nxt is not None and nxt.week == "2026-W49"


def test_an_unknown_timezone_has_no_slot() -> None:
    broken = plan(zone="Mars/Olympus_Mons")
    assert due_slot(broken, utc(2026, 11, 23, 12, 0)) is None
    assert next_slot(broken, utc(2026, 11, 23, 12, 0)) is None


def test_the_nonce_is_stable_short_and_differs_per_server_and_week() -> None:
    nonce = digest_nonce(1, "2026-W48")
    assert nonce == digest_nonce(1, "2026-W48") and len(nonce) <= 25
    assert len({nonce, digest_nonce(2, "2026-W48"), digest_nonce(1, "2026-W49")}) == 3
