"""Engagement events (searches, clicks, look-ups) and where they go."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.state import StateStore

log = logging.getLogger(__name__)

# Kinds a sink may receive; bot/trending.py weighs them per paper.
SEARCH = "search"
MENTION = "mention"
PAGE = "page"
DETAILS = "details"
SIMILAR = "similar"
PAPER = "paper"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class EngagementEvent:
    """One thing a user did with PaperScout, and the papers it showed them."""

    kind: str
    user_id: int
    guild_id: int | None
    paper_ids: tuple[str, ...] = ()
    query: str | None = None
    at: str = field(default_factory=_now)


class EventSink(Protocol):
    """Where engagement events go; implementations must not raise into handlers."""

    def record(self, event: EngagementEvent) -> None:
        """Take one event."""

    def close(self) -> None:
        """Flush and release whatever the sink holds."""


class LoggingEventSink:
    """A sink that writes one log line per event (the console's; the bot stores events with SqliteEventSink)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or logging.getLogger("paperscout.events")

    def record(self, event: EngagementEvent) -> None:
        """Log the event at INFO."""
        self._log.info(
            "event kind=%s guild=%s user=%s papers=%s query=%r",
            event.kind, event.guild_id, event.user_id, ",".join(event.paper_ids), event.query,
        )

    def close(self) -> None:
        """Nothing to flush."""


class SqliteEventSink:
    """A sink that stores events in the state database, where trending counts them."""

    def __init__(self, state: StateStore) -> None:
        self.state = state

    def record(self, event: EngagementEvent) -> None:
        """Store the event; a failing write is logged, never raised into a handler."""
        # One small insert in WAL mode: cheap enough to run on the event loop.
        try:
            self.state.add_event(event)
        except Exception:
            log.exception("could not store a %s event", event.kind)

    def close(self) -> None:
        """Nothing to flush: each event is committed when recorded (the owner closes the store)."""
