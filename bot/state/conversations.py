"""Conversations: what a user asked, the filters in force and the ranked results, so follow-ups refine them.

Kept in SQLite so a reply still works after a restart; a conversation expires after
`CONVERSATION_TTL` without activity and is pruned with the day's other old state. The result
lists behind paging buttons (bot/core/result_pages.py) are kept here too, and just as long.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Sequence

from bot.state.db import Database, utc_iso

CONVERSATION_TTL = timedelta(hours=24)
_COLUMNS = "id, user_id, guild_id, channel_id, query, filters, result_ids, shown, updated_at"


@dataclass(frozen=True)
class KeptResults:
    """A result list kept for its paging buttons: who searched, and the reply as plain data."""

    id: int
    user_id: int
    guild_id: int | None
    data: dict[str, Any]
    updated_at: str


@dataclass(frozen=True)
class Conversation:
    """One conversation's state; `filters` is plain data (see bot.core.conversation for its meaning)."""

    id: int
    user_id: int
    guild_id: int | None
    channel_id: int
    query: str
    filters: dict[str, Any] = field(default_factory=dict)
    result_ids: tuple[str, ...] = ()
    shown: int = 0
    updated_at: str = ""


def _conversation(row: tuple) -> Conversation:
    return Conversation(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), tuple(json.loads(row[6])), row[7], row[8])


class Conversations:
    """The `conversations`, `conversation_messages` and `result_lists` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def start(
        self,
        user_id: int,
        guild_id: int | None,
        channel_id: int,
        query: str,
        filters: dict[str, Any],
        result_ids: Sequence[str],
        shown: int,
        now: datetime,
    ) -> Conversation:
        """Store a new conversation and return it."""
        stamp = utc_iso(now)
        with self.db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO conversations (user_id, guild_id, channel_id, query, filters, result_ids, shown, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, guild_id, channel_id, query, json.dumps(filters), json.dumps(list(result_ids)), shown, stamp, stamp),
            )
            conv_id = int(cursor.lastrowid or 0)
        return Conversation(conv_id, user_id, guild_id, channel_id, query, dict(filters), tuple(result_ids), shown, stamp)

    def save(self, conversation: Conversation, now: datetime) -> Conversation:
        """Store a conversation's new query, filters, results and count shown."""
        stamp = utc_iso(now)
        with self.db.write() as conn:
            conn.execute(
                "UPDATE conversations SET query = ?, filters = ?, result_ids = ?, shown = ?, updated_at = ? WHERE id = ?",
                (conversation.query, json.dumps(conversation.filters), json.dumps(list(conversation.result_ids)),
                 conversation.shown, stamp, conversation.id),
            )
        return Conversation(**{**conversation.__dict__, "updated_at": stamp})

    def attach(self, message_id: int, conversation_id: int) -> None:
        """Remember that a bot message answered in a conversation."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO conversation_messages (message_id, conversation_id) VALUES (?, ?)",
                (message_id, conversation_id),
            )

    def by_message(self, message_id: int, now: datetime) -> Conversation | None:
        """Return the live conversation a bot message answered in, if any."""
        rows = self.db.read(
            f"SELECT {', '.join('c.' + c.strip() for c in _COLUMNS.split(','))} FROM conversations c "
            "JOIN conversation_messages m ON m.conversation_id = c.id WHERE m.message_id = ? AND c.updated_at >= ?",
            (message_id, utc_iso(now - CONVERSATION_TTL)),
        )
        return _conversation(rows[0]) if rows else None

    def latest(self, user_id: int, channel_id: int, now: datetime) -> Conversation | None:
        """Return this user's most recent live conversation in this channel (never another user's)."""
        rows = self.db.read(
            f"SELECT {_COLUMNS} FROM conversations WHERE user_id = ? AND channel_id = ? AND updated_at >= ? "
            "ORDER BY updated_at DESC, id DESC LIMIT 1",
            (user_id, channel_id, utc_iso(now - CONVERSATION_TTL)),
        )
        return _conversation(rows[0]) if rows else None

    def keep_results(self, user_id: int, guild_id: int | None, data: dict[str, Any], now: datetime) -> int:
        """Store a result list shown with paging buttons; return its id (the buttons carry it)."""
        stamp = utc_iso(now)
        with self.db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO result_lists (user_id, guild_id, reply, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, guild_id, json.dumps(data), stamp, stamp),
            )
            return int(cursor.lastrowid or 0)

    def results(self, list_id: int, now: datetime) -> KeptResults | None:
        """Return a result list unless it was unused for longer than the TTL (or never kept)."""
        rows = self.db.read(
            "SELECT id, user_id, guild_id, reply, updated_at FROM result_lists WHERE id = ? AND updated_at >= ?",
            (list_id, utc_iso(now - CONVERSATION_TTL)),
        )
        if not rows:
            return None
        row = rows[0]
        return KeptResults(row[0], row[1], row[2], json.loads(row[3]), row[4])

    def touch_results(self, list_id: int, now: datetime) -> None:
        """Mark a result list used now, so it lasts another TTL."""
        with self.db.write() as conn:
            conn.execute("UPDATE result_lists SET updated_at = ? WHERE id = ?", (utc_iso(now), list_id))

    def prune(self, now: datetime) -> int:
        """Delete conversations and result lists idle for longer than the TTL; return how many."""
        with self.db.write() as conn:
            cutoff = utc_iso(now - CONVERSATION_TTL)
            conn.execute(
                "DELETE FROM conversation_messages WHERE conversation_id IN (SELECT id FROM conversations WHERE updated_at < ?)",
                (cutoff,),
            )
            pruned = conn.execute("DELETE FROM conversations WHERE updated_at < ?", (cutoff,)).rowcount
            return pruned + conn.execute("DELETE FROM result_lists WHERE updated_at < ?", (cutoff,)).rowcount
