"""Threads the bot opened for its answers, and the latest answer in each.

In such a thread a mention that is no Discord reply refines the thread's latest answer, so a
follow-up ("more", "only with code", "the second one") needs no reply. The answer's state is
kept with the conversations (bot/state/conversations.py); a row here only points at the
message that showed it, so it survives a restart as they do, and it expires with them:
CONVERSATION_TTL after the thread's last answer. Expired rows are dropped whenever a thread is
opened, and a server's rows go with the rest of its data (bot/state/guilds.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.state.conversations import CONVERSATION_TTL
from bot.state.db import Database, utc_iso


@dataclass(frozen=True)
class AnswerThread:
    """A thread the bot opened: where (its server and parent channel) and its latest answer."""

    thread_id: int
    guild_id: int
    channel_id: int
    answer_id: int
    updated_at: str

    @property
    def latest_answer(self) -> int | None:
        """Return the thread's latest answer; None before the first is posted (`answer_id` is then the thread's)."""
        return None if self.answer_id == self.thread_id else self.answer_id


class AnswerThreads:
    """The `answer_threads` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def opened(self, thread_id: int, guild_id: int, channel_id: int, now: datetime) -> None:
        """Remember a thread opened for an answer not posted yet (and drop the expired ones)."""
        stamp = utc_iso(now)
        with self.db.write() as conn:
            conn.execute("DELETE FROM answer_threads WHERE updated_at < ?", (utc_iso(now - CONVERSATION_TTL),))
            # Until its first answer is in, the thread's own id stands for it: no answer is tied to that id.
            conn.execute(
                "INSERT OR REPLACE INTO answer_threads (thread_id, guild_id, channel_id, answer_id, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (thread_id, guild_id, channel_id, thread_id, stamp),
            )

    def answered(self, thread_id: int, answer_id: int, now: datetime, first: bool = False) -> bool:
        """Make `answer_id` the thread's latest answer; return False if the thread is not one of ours.

        The `first` answer (the one the thread was opened for) does not replace a follow-up's that
        was posted before its bookkeeping finished.
        """
        only_first = " AND answer_id = thread_id" if first else ""
        with self.db.write() as conn:
            cursor = conn.execute(
                f"UPDATE answer_threads SET answer_id = ?, updated_at = ? WHERE thread_id = ?{only_first}",
                (answer_id, utc_iso(now), thread_id),
            )
            return cursor.rowcount > 0

    def get(self, thread_id: int, guild_id: int, now: datetime) -> AnswerThread | None:
        """Return a live thread of ours in this server (never one of another server's)."""
        rows = self.db.read(
            "SELECT thread_id, guild_id, channel_id, answer_id, updated_at FROM answer_threads "
            "WHERE thread_id = ? AND guild_id = ? AND updated_at >= ?",
            (thread_id, guild_id, utc_iso(now - CONVERSATION_TTL)),
        )
        return AnswerThread(*rows[0]) if rows else None

    def not_opened(self, thread_id: int, channel_id: int) -> None:
        """Move the conversation started for a thread that never opened (or vanished) to the channel answered in.

        The answer's conversation is keyed to the thread's id before the thread exists (the question's
        message id, which no other channel has); once the answer falls back to the channel, a
        follow-up there must find it, as it finds any answer's.
        """
        with self.db.write() as conn:
            conn.execute("UPDATE conversations SET channel_id = ? WHERE channel_id = ?", (channel_id, thread_id))
            conn.execute("DELETE FROM answer_threads WHERE thread_id = ?", (thread_id,))

    def forget(self, thread_id: int) -> None:
        """Drop a deleted thread."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM answer_threads WHERE thread_id = ?", (thread_id,))
