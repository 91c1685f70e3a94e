"""Who fetched which paper into the shared corpus from Discord, and the daily quotas counted from it.

Every fetch a member may make is recorded before arXiv is asked (outcome 'pending'), then
given its outcome; the quota counts those rows, so the count and the new row are one
transaction and two clicks at once cannot both take the last fetch of a day.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.state.db import Database, StateError, utc_iso

# Outcomes. Only fetches that asked arXiv (or are asking it) count against a quota: a refusal,
# a feed backing off or busy with another fetch cost arXiv nothing.
PENDING = "pending"
ADDED = "added"
PRESENT = "present"
MISSING = "missing"
FAILED = "failed"
BACKOFF = "backoff"
BUSY = "busy"
OVER_QUOTA = "quota"
COUNTED = (PENDING, ADDED, PRESENT, MISSING, FAILED)
QUOTA_WINDOW = timedelta(days=1)

_COLUMNS = "id, ts, user_id, guild_id, arxiv_id, outcome"


@dataclass(frozen=True)
class FetchRecord:
    """One fetch asked for from Discord."""

    id: int
    at: str
    user_id: int
    guild_id: int | None
    arxiv_id: str
    outcome: str

    def as_json(self) -> dict[str, object]:
        """Return the record as `paperscout stats --json` prints it."""
        return {"at": self.at, "user_id": self.user_id, "guild_id": self.guild_id, "arxiv_id": self.arxiv_id, "outcome": self.outcome}


@dataclass(frozen=True)
class Reservation:
    """A fetch recorded as pending, or refused: `over` is 'user' or 'server' and `free_at` when a fetch frees up."""

    record_id: int
    over: str | None = None
    limit: int = 0
    free_at: datetime | None = None


def _record(row: tuple) -> FetchRecord:
    return FetchRecord(int(row[0]), row[1], int(row[2]), row[3], row[4], row[5])


class FetchAudit:
    """The `fetch_audit` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def reserve(
        self, user_id: int, guild_id: int | None, arxiv_id: str, now: datetime, *, per_user: int, per_server: int
    ) -> Reservation:
        """Record a fetch as pending if the member's and the server's last 24 hours leave room, else as refused."""
        since = utc_iso(now - QUOTA_WINDOW)
        marks = ",".join("?" * len(COUNTED))
        with self.db.write() as conn:
            checks = [("user", "user_id", user_id, per_user)]
            if guild_id is not None:
                checks.append(("server", "guild_id", guild_id, per_server))
            over, limit, free_at = None, 0, None
            for name, column, value, cap in checks:
                rows = conn.execute(
                    f"SELECT ts FROM fetch_audit WHERE {column} = ? AND ts > ? AND outcome IN ({marks}) ORDER BY ts DESC LIMIT ?",
                    (value, since, *COUNTED, cap),
                ).fetchall()
                if len(rows) >= cap:
                    # The oldest of the `cap` newest leaves the window first.
                    over, limit, free_at = name, cap, datetime.fromisoformat(rows[-1][0]) + QUOTA_WINDOW
                    break
            cursor = conn.execute(
                "INSERT INTO fetch_audit (ts, user_id, guild_id, arxiv_id, outcome) VALUES (?, ?, ?, ?, ?)",
                (utc_iso(now), user_id, guild_id, arxiv_id, OVER_QUOTA if over else PENDING),
            )
            return Reservation(int(cursor.lastrowid), over, limit, free_at)

    def finish(self, record_id: int, outcome: str) -> None:
        """Give a pending fetch its outcome."""
        with self.db.write() as conn:
            conn.execute("UPDATE fetch_audit SET outcome = ? WHERE id = ?", (outcome, record_id))

    def count(self) -> int:
        """Return how many fetches were recorded."""
        return int(self.db.read("SELECT COUNT(*) FROM fetch_audit")[0][0])

    def recent(self, limit: int = 5) -> list[FetchRecord]:
        """Return the newest records, newest first."""
        return [_record(r) for r in self.db.read(f"SELECT {_COLUMNS} FROM fetch_audit ORDER BY id DESC LIMIT ?", (limit,))]


def read_audit(path: Path, last: int = 5) -> tuple[int, list[FetchRecord]]:
    """Return the record count and the newest `last` records of a state file, opened read-only (none if absent)."""
    if not Path(path).is_file():
        return 0, []
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StateError(f"cannot read the state file {path}: {exc}") from exc
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fetch_audit'").fetchall():
            return 0, []  # a state file from before the audit: nothing fetched was recorded
        count = int(conn.execute("SELECT COUNT(*) FROM fetch_audit").fetchone()[0])
        rows = conn.execute(f"SELECT {_COLUMNS} FROM fetch_audit ORDER BY id DESC LIMIT ?", (last,)).fetchall()
        return count, [_record(r) for r in rows]
    except sqlite3.Error as exc:
        raise StateError(f"cannot read the state file {path}: {exc}") from exc
    finally:
        conn.close()
