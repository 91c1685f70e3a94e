"""A server's weekly digest: its schedule (`digest_settings`) and what was sent each ISO week (`digest_ledger`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.state.db import Database, now_iso

_SETTINGS = "guild_id, weekday, post_time, channel_id, timezone, enabled, updated_at"
_LEDGER = "guild_id, week, channel_id, message_id, nonce, status, content, created_at"


@dataclass(frozen=True)
class DigestSchedule:
    """When a server's digest goes out: `weekday` 0 is Monday, `post_time` is local HH:MM.

    `channel_id` and `timezone` None follow the daily trending post's channel and timezone.
    """

    guild_id: int
    weekday: int
    post_time: str
    channel_id: int | None
    timezone: str | None
    enabled: bool
    updated_at: str


@dataclass(frozen=True)
class DigestRecord:
    """One server's digest of one ISO week ("2026-W48"), from its claim ("pending") to "sent".

    `content` is the digest as the core wrote it (JSON), so a resend after a crash shows the same papers.
    """

    guild_id: int
    week: str
    channel_id: int
    message_id: int | None
    nonce: str
    status: str
    content: str
    created_at: str


def _schedule(row: tuple) -> DigestSchedule:
    return DigestSchedule(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])


def _record(row: tuple) -> DigestRecord:
    return DigestRecord(*row)


def _read(conn: sqlite3.Connection, guild_id: int) -> DigestSchedule | None:
    row = conn.execute(f"SELECT {_SETTINGS} FROM digest_settings WHERE guild_id = ?", (guild_id,)).fetchone()
    return _schedule(row) if row is not None else None


class DigestSettings:
    """The `digest_settings` table: one row per server that ever set a digest."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, guild_id: int) -> DigestSchedule | None:
        """Return a server's digest schedule, or None if it never set one."""
        rows = self.db.read(f"SELECT {_SETTINGS} FROM digest_settings WHERE guild_id = ?", (guild_id,))
        return _schedule(rows[0]) if rows else None

    def enabled(self) -> list[DigestSchedule]:
        """Return every schedule that is on, by server id."""
        rows = self.db.read(f"SELECT {_SETTINGS} FROM digest_settings WHERE enabled = 1 ORDER BY guild_id")
        return [_schedule(row) for row in rows]

    def set_weekly(
        self, guild_id: int, weekday: int, post_time: str, channel_id: int | None, timezone: str | None
    ) -> DigestSchedule:
        """Turn a server's digest on for a weekday and local time (None: follow the daily post's channel/timezone)."""
        with self.db.write() as conn:
            conn.execute(
                f"INSERT INTO digest_settings ({_SETTINGS}) VALUES (?, ?, ?, ?, ?, 1, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET weekday = excluded.weekday, post_time = excluded.post_time, "
                "channel_id = excluded.channel_id, timezone = excluded.timezone, enabled = 1, "
                "updated_at = excluded.updated_at",
                (guild_id, weekday, post_time, channel_id, timezone, now_iso()),
            )
            saved = _read(conn, guild_id)
        assert saved is not None
        return saved

    def disable(self, guild_id: int) -> bool:
        """Turn a server's digest off, keeping its schedule; return whether it was on."""
        with self.db.write() as conn:
            cursor = conn.execute(
                "UPDATE digest_settings SET enabled = 0, updated_at = ? WHERE guild_id = ? AND enabled = 1",
                (now_iso(), guild_id),
            )
            return cursor.rowcount > 0


class DigestLedger:
    """The `digest_ledger` table: at most one digest per server and ISO week."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(
        self, guild_id: int, week: str, channel_id: int, nonce: str, content: str, status: str = "pending"
    ) -> DigestRecord | None:
        """Claim a server's week before sending; return None if it was already claimed (by us earlier, or another process).

        A week with nothing to send is claimed the same way with status "skipped".
        """
        now = now_iso()
        with self.db.write() as conn:
            cursor = conn.execute(
                f"INSERT OR IGNORE INTO digest_ledger ({_LEDGER}) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)",
                (guild_id, week, channel_id, nonce, status, content, now),
            )
            if cursor.rowcount == 0:
                return None
        return DigestRecord(guild_id, week, channel_id, None, nonce, status, content, now)

    def mark(self, guild_id: int, week: str, status: str, message_id: int | None = None) -> None:
        """Set a week's status (and the message id once sent)."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE digest_ledger SET status = ?, message_id = COALESCE(?, message_id) WHERE guild_id = ? AND week = ?",
                (status, message_id, guild_id, week),
            )

    def get(self, guild_id: int, week: str) -> DigestRecord | None:
        """Return a server's entry for an ISO week."""
        rows = self.db.read(f"SELECT {_LEDGER} FROM digest_ledger WHERE guild_id = ? AND week = ?", (guild_id, week))
        return _record(rows[0]) if rows else None

    def weeks(self, guild_id: int) -> list[DigestRecord]:
        """Return a server's entries, oldest week first."""
        rows = self.db.read(f"SELECT {_LEDGER} FROM digest_ledger WHERE guild_id = ? ORDER BY week", (guild_id,))
        return [_record(row) for row in rows]
