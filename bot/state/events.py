"""Engagement events (searches, clicks, look-ups) as stored, and the sink that stores them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from bot.state.db import Database, ids_json, ids_of, utc_iso, where

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class EngagementEvent:
    """One thing a user did with PaperScout, and the papers it showed them (kinds: bot.core.engagement)."""

    kind: str
    user_id: int
    guild_id: int | None
    paper_ids: tuple[str, ...] = ()
    query: str | None = None
    at: str = field(default_factory=_now)


@dataclass(frozen=True)
class StoredEvent:
    """An engagement event as stored."""

    id: int
    ts: str
    guild_id: int | None
    user_id: int
    kind: str
    paper_ids: tuple[str, ...]
    query: str | None


class EventLog:
    """The `events` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_many(self, events: Iterable[EngagementEvent]) -> int:
        """Store events in one transaction; return how many."""
        rows = [
            (utc_iso(datetime.fromisoformat(e.at)), e.guild_id, e.user_id, e.kind, ids_json(e.paper_ids), e.query)
            for e in events
        ]
        with self.db.write() as conn:
            conn.executemany(
                "INSERT INTO events (ts, guild_id, user_id, kind, paper_ids, query) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
        return len(rows)

    def add(self, event: EngagementEvent) -> None:
        """Store one event."""
        self.add_many([event])

    def read(self, guild_id: int | None = None, since: datetime | None = None) -> list[StoredEvent]:
        """Return stored events, oldest first, of one server (or all) and from a time on."""
        clause, params = where(("guild_id = ?", guild_id), ("ts >= ?", utc_iso(since) if since is not None else None))
        rows = self.db.read(
            f"SELECT id, ts, guild_id, user_id, kind, paper_ids, query FROM events{clause} ORDER BY ts, id", params
        )
        return [StoredEvent(r[0], r[1], r[2], r[3], r[4], ids_of(r[5]), r[6]) for r in rows]

    def prune(self, cutoff: datetime) -> int:
        """Delete events from before `cutoff`; return how many went."""
        with self.db.write() as conn:
            return conn.execute("DELETE FROM events WHERE ts < ?", (utc_iso(cutoff),)).rowcount


class SqliteEventSink:
    """An event sink (bot.core.engagement.EventSink) that stores each event as it is recorded.

    Synchronous: a write may wait for the file's lock (bot.state.db.WRITE_WAIT), so this is for
    callers off the event loop (tests, benchmarks). The bot uses bot.state.event_writer.EventWriter.
    """

    def __init__(self, events: EventLog) -> None:
        self.events = events

    def record(self, event: EngagementEvent) -> None:
        """Store the event; a failing write is logged, never raised into a handler."""
        try:
            self.events.add(event)
        except Exception:
            log.exception("could not store a %s event", event.kind)

    def close(self) -> None:
        """Nothing to flush: each event is committed when recorded (the owner closes the store)."""
