"""The 👍/👎 that readers give the papers a subscription delivered: one vote per member and paper, changeable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from bot.state.db import Database, utc_iso

LIKE = 1
DISLIKE = -1
# What recording a click did, per subscription it counted for.
COUNTED, CHANGED, SAME = "counted", "changed", "same"


@dataclass(frozen=True)
class Tally:
    """A subscription's papers its readers liked and disliked on balance (a tie counts as neither)."""

    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Return whether no paper leans either way (the profile is the plain topic)."""
        return not self.liked and not self.disliked


class SubscriptionVotes:
    """The `subscription_votes` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self, sub_ids: Sequence[int], paper_id: str, user_id: int, guild_id: int | None, vote: int, at: datetime
    ) -> str:
        """Store a member's vote on a paper for these subscriptions; return COUNTED, CHANGED or SAME.

        The answer is the first subscription's (they were all sent the paper in the same message).
        """
        if vote not in (LIKE, DISLIKE):
            raise ValueError(f"a vote is {LIKE} or {DISLIKE}, not {vote!r}")
        outcome = SAME
        with self.db.write() as conn:
            for i, sub_id in enumerate(sub_ids):
                row = conn.execute(
                    "SELECT vote FROM subscription_votes WHERE subscription_id = ? AND paper_id = ? AND user_id = ?",
                    (sub_id, paper_id, user_id),
                ).fetchone()
                if row is not None and row[0] == vote:
                    continue
                conn.execute(
                    "INSERT INTO subscription_votes (subscription_id, paper_id, user_id, vote, guild_id, ts) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subscription_id, paper_id, user_id) "
                    "DO UPDATE SET vote = excluded.vote, ts = excluded.ts",
                    (sub_id, paper_id, user_id, vote, guild_id, utc_iso(at)),
                )
                if i == 0:
                    outcome = COUNTED if row is None else CHANGED
        return outcome

    def vote_of(self, sub_id: int, paper_id: str, user_id: int) -> int | None:
        """Return one member's vote on a paper for a subscription, if any."""
        rows = self.db.read(
            "SELECT vote FROM subscription_votes WHERE subscription_id = ? AND paper_id = ? AND user_id = ?",
            (sub_id, paper_id, user_id),
        )
        return int(rows[0][0]) if rows else None

    def tally(self, sub_id: int) -> Tally:
        """Return the papers liked and disliked on balance by a subscription's readers, oldest vote first."""
        rows = self.db.read(
            "SELECT paper_id, SUM(vote) FROM subscription_votes WHERE subscription_id = ? "
            "GROUP BY paper_id ORDER BY MIN(ts), paper_id",
            (sub_id,),
        )
        return Tally(
            liked=tuple(pid for pid, total in rows if total > 0),
            disliked=tuple(pid for pid, total in rows if total < 0),
        )

    def reset(self, sub_id: int) -> int:
        """Forget every vote on a subscription (its profile is the plain topic again); return how many."""
        with self.db.write() as conn:
            return conn.execute("DELETE FROM subscription_votes WHERE subscription_id = ?", (sub_id,)).rowcount
