"""Conversations: what a user asked, the filters in force and the ranked results, so follow-ups refine them.

Two kinds of record. A conversation row holds the latest state of one user's talk in one
channel (its "head"): a message that is no reply continues it. Every answer also keeps the
state it showed as an answer state, never changed once written, and the bot's message is
tied to it: a Discord reply names a message, so it refines what that message showed, even
after the conversation moved on. Kept in SQLite so a reply still works after a restart; a
conversation expires after `CONVERSATION_TTL` without activity and is pruned, with its
answer states, with the day's other old state. The result lists behind paging buttons
(bot/core/result_pages.py) are kept here too, and just as long.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Sequence

from bot.state.db import Database, utc_iso

CONVERSATION_TTL = timedelta(hours=24)
_COLUMNS = "c.id, c.user_id, c.guild_id, c.channel_id, c.query, c.filters, c.result_ids, c.shown, c.updated_at"
# The newest answer state of conversation `c`: the state its head holds.
_NEWEST_STATE = "(SELECT MAX(s.id) FROM answer_states s WHERE s.conversation_id = c.id)"


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
    """One state of a conversation; `filters` is plain data (see bot.core.conversation for its meaning)."""

    id: int
    user_id: int
    guild_id: int | None
    channel_id: int
    query: str
    filters: dict[str, Any] = field(default_factory=dict)
    result_ids: tuple[str, ...] = ()
    shown: int = 0
    # When the conversation was last active (any of its answers), which is what expires it.
    updated_at: str = ""
    # The answer state these values are kept as; None for a head from before answer states were kept.
    state_id: int | None = None


def _conversation(row: tuple) -> Conversation:
    return Conversation(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), tuple(json.loads(row[6])), row[7],
                        row[8], row[9])


def _state_values(query: str, filters: dict[str, Any], result_ids: Sequence[str], shown: int) -> tuple:
    return (query, json.dumps(filters), json.dumps(list(result_ids)), shown)


class Conversations:
    """The `conversations`, `answer_states`, `conversation_messages` and `result_lists` tables."""

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
        """Store a new conversation with its first answer state, and return that state."""
        stamp = utc_iso(now)
        values = _state_values(query, filters, result_ids, shown)
        with self.db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO conversations (user_id, guild_id, channel_id, query, filters, result_ids, shown, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, guild_id, channel_id, *values, stamp, stamp),
            )
            conv_id = int(cursor.lastrowid or 0)
            state_id = self._keep_state(conn, conv_id, values, stamp)
        return Conversation(conv_id, user_id, guild_id, channel_id, query, dict(filters), tuple(result_ids), shown, stamp,
                            state_id)

    def save(self, conversation: Conversation, now: datetime) -> Conversation:
        """Make these query, filters, results and count shown its latest state, kept as a new answer state.

        Earlier answer states are left as they were: the messages tied to them still refer to what they showed.
        """
        stamp = utc_iso(now)
        values = _state_values(conversation.query, conversation.filters, conversation.result_ids, conversation.shown)
        # One transaction: after a crash the head and its answer state are both there, or neither.
        with self.db.write() as conn:
            conn.execute(
                "UPDATE conversations SET query = ?, filters = ?, result_ids = ?, shown = ?, updated_at = ? WHERE id = ?",
                (*values, stamp, conversation.id),
            )
            state_id = self._keep_state(conn, conversation.id, values, stamp)
        return dataclasses.replace(conversation, updated_at=stamp, state_id=state_id)

    @staticmethod
    def _keep_state(conn: sqlite3.Connection, conversation_id: int, values: tuple, stamp: str) -> int:
        cursor = conn.execute(
            "INSERT INTO answer_states (conversation_id, query, filters, result_ids, shown, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (conversation_id, *values, stamp),
        )
        return int(cursor.lastrowid or 0)

    def attach(self, message_id: int, state_id: int) -> None:
        """Remember that a sent bot message showed an answer state (a no-op if that state was pruned meanwhile)."""
        # One statement, after the message went out: a crash before it leaves the message untied
        # (see `latest_untied`: a reply to it starts afresh at worst), never tied to a state it
        # did not show.
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO conversation_messages (message_id, conversation_id, state_id) "
                "SELECT ?, conversation_id, id FROM answer_states WHERE id = ?",
                (message_id, state_id),
            )

    def by_message(self, message_id: int, now: datetime) -> Conversation | None:
        """Return the state a bot message showed, if its conversation is still live."""
        # A message tied before answer states were kept refers to its conversation's latest state.
        rows = self.db.read(
            "SELECT c.id, c.user_id, c.guild_id, c.channel_id, COALESCE(s.query, c.query), COALESCE(s.filters, c.filters), "
            "COALESCE(s.result_ids, c.result_ids), COALESCE(s.shown, c.shown), c.updated_at, s.id "
            "FROM conversation_messages m JOIN conversations c ON c.id = m.conversation_id "
            "LEFT JOIN answer_states s ON s.id = m.state_id WHERE m.message_id = ? AND c.updated_at >= ?",
            (message_id, utc_iso(now - CONVERSATION_TTL)),
        )
        return _conversation(rows[0]) if rows else None

    def latest(self, user_id: int, channel_id: int, now: datetime) -> Conversation | None:
        """Return this user's most recent live conversation state in this channel (never another user's)."""
        # Timestamps have whole seconds; the newest answer state breaks a tie between conversations.
        rows = self.db.read(
            f"SELECT {_COLUMNS}, {_NEWEST_STATE} AS state_id FROM conversations c "
            "WHERE c.user_id = ? AND c.channel_id = ? AND c.updated_at >= ? "
            "ORDER BY c.updated_at DESC, state_id DESC, c.id DESC LIMIT 1",
            (user_id, channel_id, utc_iso(now - CONVERSATION_TTL)),
        )
        return _conversation(rows[0]) if rows else None

    def latest_untied(self, user_id: int, channel_id: int, now: datetime) -> Conversation | None:
        """Return this user's latest state in this channel if no message is tied to it yet, else None.

        That is an answer being sent (a reply can outrun the tie), or one the bot sent and then
        stopped before tying: a reply to a message the store does not know may refer to it.
        """
        head = self.latest(user_id, channel_id, now)
        if head is None or head.state_id is None:
            return None
        tied = self.db.read("SELECT 1 FROM conversation_messages WHERE state_id = ? LIMIT 1", (head.state_id,))
        return None if tied else head

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
            for table in ("conversation_messages", "answer_states"):
                conn.execute(
                    f"DELETE FROM {table} WHERE conversation_id IN (SELECT id FROM conversations WHERE updated_at < ?)",
                    (cutoff,),
                )
            pruned = conn.execute("DELETE FROM conversations WHERE updated_at < ?", (cutoff,)).rowcount
            return pruned + conn.execute("DELETE FROM result_lists WHERE updated_at < ?", (cutoff,)).rowcount
