"""What the state holds of a server across its tables: listing servers, forgetting one or a channel."""

from __future__ import annotations

from bot.state.db import Database, now_iso

# Every table with a guild_id column; deliveries hang off subscriptions.
_GUILD_TABLES = ("guild_settings", "post_ledger", "subscriptions", "events", "votes", "reactions", "conversations")


class GuildData:
    """Operations that span every table of a server."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def known_ids(self) -> set[int]:
        """Return every server id the state holds anything of."""
        union = " UNION ".join(f"SELECT guild_id FROM {table} WHERE guild_id IS NOT NULL" for table in _GUILD_TABLES)
        return {int(row[0]) for row in self.db.read(union)}

    def delete(self, guild_id: int) -> None:
        """Forget a server: its settings, post ledger, subscriptions and events, in one transaction."""
        with self.db.write() as conn:
            conn.execute(
                "DELETE FROM deliveries WHERE subscription_id IN (SELECT id FROM subscriptions WHERE guild_id = ?)",
                (guild_id,),
            )
            for table in _GUILD_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))

    def forget_channel(self, guild_id: int, channel_id: int) -> tuple[int, bool]:
        """Drop a deleted channel's subscriptions and turn trending off if it posted there.

        Returns how many subscriptions went and whether trending was switched off.
        """
        with self.db.write() as conn:
            conn.execute(
                "DELETE FROM deliveries WHERE subscription_id IN "
                "(SELECT id FROM subscriptions WHERE guild_id = ? AND channel_id = ?)",
                (guild_id, channel_id),
            )
            removed = conn.execute(
                "DELETE FROM subscriptions WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
            ).rowcount
            off = conn.execute(
                "UPDATE guild_settings SET enabled = 0, updated_at = ? WHERE guild_id = ? AND channel_id = ? AND enabled = 1",
                (now_iso(), guild_id, channel_id),
            ).rowcount
        return removed, off > 0
