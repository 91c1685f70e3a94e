"""The words of a weekly digest: its title, a header line per section, the week marker."""

from __future__ import annotations

from datetime import date

from bot.core.digest_schedule import WEEKDAYS
from bot.core.trending import NEAR_SEARCHES, TRENDING
from bot.core.weekly_digest import TOPICS, Digest

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

# The header line of each kind of section; `{cards}` is the section's card numbers, "1–3" or "4".
SECTION_LINES = {
    TOPICS: "**{cards}** \u00b7 new this week on this server's subscription topics",
    TRENDING: "**{cards}** \u00b7 trending in this server over the past 7 days",
    NEAR_SEARCHES: "**{cards}** \u00b7 no trending signal this week, so: close to what this server searched recently",
}


def day_name(weekday: int) -> str:
    """Return a weekday's name, capitalized ("Monday")."""
    return WEEKDAYS[weekday].capitalize()


def _day_text(day: date) -> str:
    # Spelled out by hand so the post does not depend on the host's locale.
    return f"{day_name(day.weekday())} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def marker(week: str) -> str:
    """Return the line that identifies our digest of a week in the channel's history."""
    return f"-# PaperScout weekly digest \u00b7 {week}"


def digest_content(digest: Digest, local_day: date, week: str) -> str:
    """Return the message text above the cards: the title, one line per section, the marker."""
    lines = [f"**\N{NEWSPAPER} Weekly digest for the week to {_day_text(local_day)}**"]
    first = 1
    for section in digest.sections:
        last = first + len(section.items) - 1
        cards = f"{first}" if first == last else f"{first}\u2013{last}"
        lines.append(SECTION_LINES.get(section.kind, "**{cards}**").format(cards=cards))
        first = last + 1
    lines.append(marker(week))
    return "\n".join(lines)

