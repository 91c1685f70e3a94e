"""Per-server settings: where and when the daily trending post goes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.state.db import Database, now_iso

_COLUMNS = "guild_id, channel_id, post_time, timezone, enabled, updated_at"


@dataclass(frozen=True)
class GuildSettings:
    """One server's trending settings; `enabled` is False after `/config trending off`."""

    guild_id: int
    channel_id: int | None
    post_time: str | None
    timezone: str | None
    enabled: bool
    updated_at: str


def _settings(row: tuple) -> GuildSettings:
    return GuildSettings(row[0], row[1], row[2], row[3], bool(row[4]), row[5])


class ServerSettings:
    """The `guild_settings` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, guild_id: int) -> GuildSettings | None:
        """Return a server's settings, or None if it never configured anything."""
        rows = self.db.read(f"SELECT {_COLUMNS} FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return _settings(rows[0]) if rows else None

    def enabled(self) -> list[GuildSettings]:
        """Return the settings of every server with trending on."""
        rows = self.db.read(f"SELECT {_COLUMNS} FROM guild_settings WHERE enabled = 1 ORDER BY guild_id")
        return [_settings(row) for row in rows]

    def set_trending(self, guild_id: int, channel_id: int, post_time: str, tz: str) -> GuildSettings:
        """Turn trending on for a server with its channel, local time and timezone."""
        now = now_iso()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO guild_settings (guild_id, channel_id, post_time, timezone, enabled, updated_at) "
                "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
                "post_time = excluded.post_time, timezone = excluded.timezone, enabled = 1, updated_at = excluded.updated_at",
                (guild_id, channel_id, post_time, tz, now),
            )
        return GuildSettings(guild_id, channel_id, post_time, tz, True, now)

    def disable_trending(self, guild_id: int) -> bool:
        """Turn trending off, keeping the channel and time; return whether it was on."""
        with self.db.write() as conn:
            cursor = conn.execute(
                "UPDATE guild_settings SET enabled = 0, updated_at = ? WHERE guild_id = ? AND enabled = 1",
                (now_iso(), guild_id),
            )
            return cursor.rowcount > 0
