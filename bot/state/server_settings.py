"""Per-server settings: the daily trending post (where, when, how many cards), /find's default privacy, mention channels,
where mention answers go (a reply or a thread)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Callable

from bot.state.db import Database, now_iso

# The size of the daily post. The migration that added `post_size` repeats these numbers in its
# DEFAULT and CHECK (a shipped migration is never edited); tests/bot/test_state.py holds them equal.
DEFAULT_POST_SIZE = 5
MIN_POST_SIZE = 1
MAX_POST_SIZE = 10

# Where a mention's answer goes: a Discord reply (the default), or a thread started from the question.
# The migration that added `answers_in` repeats these words in its DEFAULT and CHECK.
ANSWER_REPLY = "reply"
ANSWER_THREAD = "thread"
ANSWER_PLACES = (ANSWER_REPLY, ANSWER_THREAD)

_COLUMNS = (
    "guild_id, channel_id, post_time, timezone, enabled, updated_at, post_size, private_results, mention_channels, "
    "answers_in"
)

MentionChannels = tuple[int, ...] | None


@dataclass(frozen=True)
class GuildSettings:
    """One server's settings; `enabled` is False after `/config trending off`.

    `mention_channels` None answers mentions in every channel; a tuple (maybe empty) only in those.
    `answers_in` is ANSWER_REPLY or ANSWER_THREAD.
    """

    guild_id: int
    channel_id: int | None
    post_time: str | None
    timezone: str | None
    enabled: bool
    updated_at: str
    post_size: int = DEFAULT_POST_SIZE
    private_results: bool = False
    mention_channels: MentionChannels = None
    answers_in: str = ANSWER_REPLY


def unset(guild_id: int) -> GuildSettings:
    """Return the settings of a server that never configured anything: every default."""
    return GuildSettings(guild_id, None, None, None, False, "")


def _channels_json(channels: MentionChannels) -> str | None:
    return None if channels is None else json.dumps(sorted(set(channels)))


def _channels_of(text: str | None) -> MentionChannels:
    return None if text is None else tuple(int(c) for c in json.loads(text))


def _settings(row: tuple) -> GuildSettings:
    return GuildSettings(
        row[0], row[1], row[2], row[3], bool(row[4]), row[5], int(row[6]), bool(row[7]), _channels_of(row[8]), row[9]
    )


def _read(conn: sqlite3.Connection, guild_id: int) -> GuildSettings | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM guild_settings WHERE guild_id = ?", (guild_id,)).fetchone()
    return _settings(row) if row is not None else None


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
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO guild_settings (guild_id, channel_id, post_time, timezone, enabled, updated_at) "
                "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
                "post_time = excluded.post_time, timezone = excluded.timezone, enabled = 1, updated_at = excluded.updated_at",
                (guild_id, channel_id, post_time, tz, now_iso()),
            )
            saved = _read(conn, guild_id)
        assert saved is not None
        return saved

    def disable_trending(self, guild_id: int) -> bool:
        """Turn trending off, keeping the channel and time; return whether it was on."""
        with self.db.write() as conn:
            cursor = conn.execute(
                "UPDATE guild_settings SET enabled = 0, updated_at = ? WHERE guild_id = ? AND enabled = 1",
                (now_iso(), guild_id),
            )
            return cursor.rowcount > 0

    def set_post_size(self, guild_id: int, size: int) -> GuildSettings:
        """Set how many cards the server's daily post has (the table refuses sizes out of range)."""
        return self._set(guild_id, "post_size", size)

    def set_private_results(self, guild_id: int, private: bool) -> GuildSettings:
        """Set whether /find answers only the searcher when the command does not say."""
        return self._set(guild_id, "private_results", int(private))

    def set_answers_in(self, guild_id: int, place: str) -> GuildSettings:
        """Set where answers to mentions go: ANSWER_REPLY or ANSWER_THREAD (the table refuses anything else)."""
        return self._set(guild_id, "answers_in", place)

    def change_mention_channels(
        self, guild_id: int, change: Callable[[MentionChannels], MentionChannels]
    ) -> tuple[bool, GuildSettings]:
        """Replace the server's mention channels by `change(current)` in one transaction; return (changed, settings).

        Reading and writing in the same transaction keeps two moderators' edits from losing
        one another; if `change` raises, nothing is written.
        """
        with self.db.write() as conn:
            current = _read(conn, guild_id) or unset(guild_id)
            wanted = change(current.mention_channels)
            changed = _channels_json(wanted) != _channels_json(current.mention_channels)
            if changed:
                self._upsert(conn, guild_id, "mention_channels", _channels_json(wanted))
            saved = _read(conn, guild_id) or current
        return changed, saved

    def _set(self, guild_id: int, column: str, value: object) -> GuildSettings:
        with self.db.write() as conn:
            self._upsert(conn, guild_id, column, value)
            saved = _read(conn, guild_id)
        assert saved is not None
        return saved

    @staticmethod
    def _upsert(conn: sqlite3.Connection, guild_id: int, column: str, value: object) -> None:
        # `column` is one of this module's own names, never user input. A server without a row
        # gets one with trending off and every other setting at its default.
        conn.execute(
            f"INSERT INTO guild_settings (guild_id, {column}, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
            (guild_id, value, now_iso()),
        )
