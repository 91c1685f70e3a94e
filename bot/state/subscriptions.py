"""Subscriptions (to a topic, or following an author), the papers each was sent, and its readers' votes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from bot.state.db import Database, now_iso, utc_iso, where
from bot.state.feedback import SubscriptionVotes

_COLUMNS = "id, guild_id, channel_id, user_id, topic, paused, created_at, kind"
# What a subscription follows (the `kind` column): a topic searched for, or an author's new papers.
TOPIC = "topic"
AUTHOR = "author"


@dataclass(frozen=True)
class Subscription:
    """A subscription into a server channel, or by DM when `guild_id` is None.

    `topic` is the topic searched for, or for `kind` AUTHOR the name of the author followed.
    """

    id: int
    guild_id: int | None
    channel_id: int | None
    user_id: int
    topic: str
    paused: bool
    created_at: str
    kind: str = TOPIC


def _subscription(row: tuple) -> Subscription:
    return Subscription(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], row[7])


class Subscriptions:
    """The `subscriptions` and `deliveries` tables; `votes` holds what readers thought of the papers sent."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.votes = SubscriptionVotes(db)

    def add(
        self, guild_id: int | None, channel_id: int | None, user_id: int, topic: str, kind: str = TOPIC
    ) -> Subscription:
        """Store a subscription (guild_id None: by DM to user_id) to a topic, or following an author."""
        now = now_iso()
        with self.db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO subscriptions (guild_id, channel_id, user_id, topic, paused, created_at, kind) "
                "VALUES (?, ?, ?, ?, 0, ?, ?)",
                (guild_id, channel_id, user_id, topic, now, kind),
            )
            sub_id = int(cursor.lastrowid or 0)
        return Subscription(sub_id, guild_id, channel_id, user_id, topic, False, now, kind)

    def list(self, *, guild_id: int | None = None, user_id: int | None = None) -> list[Subscription]:
        """Return subscriptions, filtered by server and/or user, oldest first."""
        clause, params = where(("guild_id = ?", guild_id), ("user_id = ?", user_id))
        rows = self.db.read(f"SELECT {_COLUMNS} FROM subscriptions{clause} ORDER BY id", params)
        return [_subscription(r) for r in rows]

    def get(self, sub_id: int) -> Subscription | None:
        """Return one subscription by id."""
        rows = self.db.read(f"SELECT {_COLUMNS} FROM subscriptions WHERE id = ?", (sub_id,))
        return _subscription(rows[0]) if rows else None

    def remove(self, sub_id: int) -> bool:
        """Delete a subscription, its delivery record and its votes; return whether it existed."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM deliveries WHERE subscription_id = ?", (sub_id,))
            conn.execute("DELETE FROM subscription_votes WHERE subscription_id = ?", (sub_id,))
            return conn.execute("DELETE FROM subscriptions WHERE id = ?", (sub_id,)).rowcount > 0

    def set_paused(self, sub_id: int, paused: bool) -> bool:
        """Pause or resume a subscription; return whether it exists."""
        with self.db.write() as conn:
            return conn.execute("UPDATE subscriptions SET paused = ? WHERE id = ?", (int(paused), sub_id)).rowcount > 0

    def record_deliveries(self, sub_id: int, paper_ids: Sequence[str], at: datetime) -> None:
        """Remember that these papers were sent to a subscription."""
        with self.db.write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO deliveries (subscription_id, paper_id, ts) VALUES (?, ?, ?)",
                [(sub_id, paper_id, utc_iso(at)) for paper_id in paper_ids],
            )

    def delivered(self, sub_id: int) -> set[str]:
        """Return the ids of the papers already sent to a subscription."""
        return {r[0] for r in self.db.read("SELECT paper_id FROM deliveries WHERE subscription_id = ?", (sub_id,))}

    def sent_here(self, paper_id: str, *, guild_id: int | None, channel_id: int | None, user_id: int) -> list[Subscription]:
        """Return the subscriptions that sent a paper to where a reader is: their DMs, or a server channel.

        In DMs (guild_id None) that is the reader's own personal subscriptions; in a channel, every
        subscription of that channel, whoever made it: any member who sees the channel is its reader.
        """
        if guild_id is None:
            clause, params = "s.guild_id IS NULL AND s.user_id = ?", (user_id,)
        else:
            clause, params = "s.guild_id = ? AND s.channel_id = ?", (guild_id, channel_id)
        rows = self.db.read(
            f"SELECT {', '.join('s.' + c.strip() for c in _COLUMNS.split(','))} FROM subscriptions s "
            f"JOIN deliveries d ON d.subscription_id = s.id WHERE d.paper_id = ? AND {clause} ORDER BY s.id",
            (paper_id, *params),
        )
        return [_subscription(r) for r in rows]
