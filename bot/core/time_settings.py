"""Reading the time and timezone a server types for its daily post."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

from bot.core.errors import UserFacingError

TIME_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


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
def zone_names() -> tuple[str, ...]:
    """Return every IANA timezone name the system knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def parse_timezone(text: str) -> str:
    """Return a canonical IANA timezone name, or explain the expected form."""
    name = text.strip()
    # Match case-insensitively ("europe/paris"), but keep the database's spelling.
    by_lower = {zone.lower(): zone for zone in zone_names()}
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


def suggest_zones(typed: str, limit: int = 25) -> list[str]:
    """Return timezone names containing what was typed (a few common ones for nothing typed)."""
    key = typed.strip().lower()
    if not key:
        return ["UTC", "Europe/London", "America/New_York"]
    return [zone for zone in zone_names() if key in zone.lower()][:limit]
