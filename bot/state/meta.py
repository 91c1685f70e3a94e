"""Small facts that must survive a restart, e.g. the UTC day of the last fresh-paper refresh."""

from __future__ import annotations

from bot.state.db import Database


class Meta:
    """The `meta` key-value table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> str | None:
        """Return a stored fact by key."""
        rows = self.db.read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set(self, key: str, value: str) -> None:
        """Store a fact by key, replacing the old value."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
