"""What the state holds of a server across its tables: listing servers, forgetting one or a channel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.state.db import Database, now_iso

# Every table with a guild_id column; deliveries hang off subscriptions.
_GUILD_TABLES = (
    "guild_settings", "post_ledger", "subscriptions", "events", "votes", "reactions", "conversations", "answer_threads",
    "digest_settings", "digest_ledger", "subscription_votes",
)


@dataclass(frozen=True)
class ForgottenChannel:
    """What forgetting a deleted channel changed."""

    subscriptions_removed: int
    trending_off: bool
    mentions_unlisted: bool


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

    def forget_channel(self, guild_id: int, channel_id: int) -> ForgottenChannel:
        """Drop a deleted channel's subscriptions, answer threads and mention permission; stop trending posted there."""
        with self.db.write() as conn:
            for hanging in ("deliveries", "subscription_votes"):
                conn.execute(
                    f"DELETE FROM {hanging} WHERE subscription_id IN "
                    "(SELECT id FROM subscriptions WHERE guild_id = ? AND channel_id = ?)",
                    (guild_id, channel_id),
                )
            removed = conn.execute(
                "DELETE FROM subscriptions WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
            ).rowcount
            # Discord deletes a channel's threads with it; the answer threads opened there are gone too.
            conn.execute("DELETE FROM answer_threads WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id))
            now = now_iso()
            off = conn.execute(
                "UPDATE guild_settings SET enabled = 0, updated_at = ? WHERE guild_id = ? AND channel_id = ? AND enabled = 1",
                (now, guild_id, channel_id),
            ).rowcount
            # The list keeps its other channels; emptied, it answers mentions nowhere rather than
            # everywhere, since the server chose to limit them.
            unlisted = conn.execute(
                "UPDATE guild_settings SET mention_channels = "
                "(SELECT json_group_array(value) FROM json_each(mention_channels) WHERE value != ?), updated_at = ? "
                "WHERE guild_id = ? AND mention_channels IS NOT NULL "
                "AND EXISTS (SELECT 1 FROM json_each(mention_channels) WHERE value = ?)",
                (channel_id, now, guild_id, channel_id),
            ).rowcount
        return ForgottenChannel(removed, off > 0, unlisted > 0)
