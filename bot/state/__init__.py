"""The bot's state in one SQLite file, one module per table group; `State` holds them all.

Consumers take only the table group they use (e.g. the /config cog takes `servers` and
`guilds`); the composition root opens the `State` and hands the parts out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.state.conversations import Conversation, Conversations
from bot.state.db import Database, StateError, utc_iso
from bot.state.events import EngagementEvent, EventLog, SqliteEventSink, StoredEvent
from bot.state.fetch_audit import FetchAudit, FetchRecord, Reservation
from bot.state.guilds import GuildData
from bot.state.ledger import PostLedger, PostRecord
from bot.state.meta import Meta
from bot.state.server_settings import GuildSettings, ServerSettings
from bot.state.subscriptions import Subscription, Subscriptions

__all__ = [
    "EVENT_RETENTION", "Conversation", "Conversations", "Database", "EngagementEvent", "EventLog", "FetchAudit",
    "FetchRecord", "GuildData", "GuildSettings", "Meta", "PostLedger", "PostRecord", "Reservation", "ServerSettings",
    "SqliteEventSink", "State", "StateError", "StoredEvent", "Subscription", "Subscriptions", "utc_iso",
]

# Events, votes and reactions older than this are deleted daily.
EVENT_RETENTION = timedelta(days=90)


@dataclass(frozen=True)
class State:
    """The open state file and its table groups."""

    db: Database
    servers: ServerSettings
    ledger: PostLedger
    events: EventLog
    subscriptions: Subscriptions
    meta: Meta
    guilds: GuildData
    conversations: Conversations
    fetch_audit: FetchAudit

    @classmethod
    def open(cls, path: Path) -> State:
        """Open (creating and migrating if needed) the state file at `path`; raise StateError if unusable."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = Database(path)
        return cls(
            db=db,
            servers=ServerSettings(db),
            ledger=PostLedger(db),
            events=EventLog(db),
            subscriptions=Subscriptions(db),
            meta=Meta(db),
            guilds=GuildData(db),
            conversations=Conversations(db),
            fetch_audit=FetchAudit(db),
        )

    def prune(self, now: datetime) -> int:
        """Delete events, votes and reactions past the 90-day retention, and expired conversations; return how many."""
        cutoff = now - EVENT_RETENTION
        return self.events.prune(cutoff) + self.ledger.prune(cutoff) + self.conversations.prune(now)

    def close(self) -> None:
        """Close the file."""
        self.db.close()
