"""The daily posts of each server (the ledger), and the 👍 votes and reactions they collect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from bot.state.db import Database, ids_json, ids_of, now_iso, utc_iso

_COLUMNS = "guild_id, local_date, channel_id, message_id, nonce, status, paper_ids, created_at, mode"


@dataclass(frozen=True)
class PostRecord:
    """One daily post of a server, from intent ("pending") to "sent" (or "skipped")."""

    guild_id: int
    local_date: str
    channel_id: int
    message_id: int | None
    nonce: str
    status: str
    paper_ids: tuple[str, ...]
    created_at: str
    mode: str = "trending"


def _post(row: tuple) -> PostRecord:
    return PostRecord(row[0], row[1], row[2], row[3], row[4], row[5], ids_of(row[6]), row[7], row[8])


class PostLedger:
    """The `post_ledger`, `votes` and `reactions` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ posts

    def record_intent(
        self,
        guild_id: int,
        local_date: str,
        channel_id: int,
        nonce: str,
        paper_ids: Sequence[str],
        mode: str = "trending",
        status: str = "pending",
    ) -> PostRecord:
        """Record that a post is about to be sent (status "pending"); one per server and local day.

        A day with nothing to post is recorded the same way with status "skipped".
        """
        now = now_iso()
        with self.db.write() as conn:
            conn.execute(
                f"INSERT INTO post_ledger ({_COLUMNS}) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
                (guild_id, local_date, channel_id, nonce, status, ids_json(paper_ids), now, mode),
            )
        return PostRecord(guild_id, local_date, channel_id, None, nonce, status, tuple(paper_ids), now, mode)

    def mark(self, guild_id: int, local_date: str, status: str, message_id: int | None = None) -> None:
        """Set a ledger entry's status (and the message id once sent)."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE post_ledger SET status = ?, message_id = COALESCE(?, message_id) "
                "WHERE guild_id = ? AND local_date = ?",
                (status, message_id, guild_id, local_date),
            )

    def get(self, guild_id: int, local_date: str) -> PostRecord | None:
        """Return a server's ledger entry for a local day."""
        rows = self.db.read(
            f"SELECT {_COLUMNS} FROM post_ledger WHERE guild_id = ? AND local_date = ?", (guild_id, local_date)
        )
        return _post(rows[0]) if rows else None

    def since(self, guild_id: int, local_date: str) -> list[PostRecord]:
        """Return a server's ledger entries from a local day on, oldest first."""
        rows = self.db.read(
            f"SELECT {_COLUMNS} FROM post_ledger WHERE guild_id = ? AND local_date >= ? ORDER BY local_date",
            (guild_id, local_date),
        )
        return [_post(row) for row in rows]

    def for_message(self, message_id: int) -> PostRecord | None:
        """Return the ledger entry of a sent post by its message id."""
        rows = self.db.read(f"SELECT {_COLUMNS} FROM post_ledger WHERE message_id = ?", (message_id,))
        return _post(rows[0]) if rows else None

    # ------------------------------------------------------- votes and reactions

    def record_vote(self, guild_id: int | None, message_id: int, paper_id: str, user_id: int, at: datetime) -> bool:
        """Store a 👍 vote for a paper on a post; return False if this user already voted for it there."""
        with self.db.write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO votes (message_id, paper_id, user_id, guild_id, ts) VALUES (?, ?, ?, ?, ?)",
                (message_id, paper_id, user_id, guild_id, utc_iso(at)),
            )
            return cursor.rowcount > 0

    def vote_counts(self, guild_id: int, since: datetime) -> dict[str, int]:
        """Return the number of votes per paper in a server from a time on."""
        rows = self.db.read(
            "SELECT paper_id, COUNT(*) FROM votes WHERE guild_id = ? AND ts >= ? GROUP BY paper_id",
            (guild_id, utc_iso(since)),
        )
        return {paper_id: int(count) for paper_id, count in rows}

    def add_reaction(self, guild_id: int | None, message_id: int, user_id: int, emoji: str, at: datetime) -> bool:
        """Store a reaction on a message; return False if it was already there."""
        with self.db.write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO reactions (message_id, user_id, emoji, guild_id, ts) VALUES (?, ?, ?, ?, ?)",
                (message_id, user_id, emoji, guild_id, utc_iso(at)),
            )
            return cursor.rowcount > 0

    def remove_reaction(self, message_id: int, user_id: int, emoji: str) -> bool:
        """Forget a reaction that was taken back; return whether it was stored."""
        with self.db.write() as conn:
            cursor = conn.execute(
                "DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?", (message_id, user_id, emoji)
            )
            return cursor.rowcount > 0

    def reaction_counts(self, guild_id: int, since: datetime) -> dict[str, int]:
        """Return, per paper, the reactions on the server's posts that carried it (each card of a post counts)."""
        rows = self.db.read(
            "SELECT p.paper_ids, COUNT(*) FROM reactions r JOIN post_ledger p ON p.message_id = r.message_id "
            "WHERE r.guild_id = ? AND r.ts >= ? GROUP BY r.message_id",
            (guild_id, utc_iso(since)),
        )
        counts: dict[str, int] = {}
        for paper_ids, count in rows:
            for paper_id in ids_of(paper_ids):
                counts[paper_id] = counts.get(paper_id, 0) + int(count)
        return counts

    def prune(self, cutoff: datetime) -> int:
        """Delete votes and reactions from before `cutoff`; return how many went."""
        with self.db.write() as conn:
            stamp = utc_iso(cutoff)
            return sum(conn.execute(f"DELETE FROM {table} WHERE ts < ?", (stamp,)).rowcount for table in ("votes", "reactions"))
