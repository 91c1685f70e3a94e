"""Engagement events: the kinds PaperScout counts, and where handlers send them."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.state.events import EngagementEvent

__all__ = ["DETAILS", "MENTION", "PAGE", "PAPER", "SEARCH", "SIMILAR", "EngagementEvent", "EventSink", "LoggingEventSink"]

# Kinds a sink may receive; bot/core/trending.py weighs them per paper.
SEARCH = "search"
MENTION = "mention"
PAGE = "page"
DETAILS = "details"
SIMILAR = "similar"
PAPER = "paper"


class EventSink(Protocol):
    """Where engagement events go; implementations must not raise into handlers."""

    def record(self, event: EngagementEvent) -> None:
        """Take one event and return at once: handlers call it on the event loop, so it must not wait on a disk."""

    def close(self) -> None:
        """Flush and release whatever the sink holds."""


def record_safely(sink: EventSink, event: EngagementEvent) -> None:
    """Give `event` to `sink`; a failure is logged, never raised: counting must not cost a user their answer.

    Runs on the event loop: the bot's sink (bot.state.event_writer.EventWriter) only queues the event.
    """
    try:
        sink.record(event)
    except Exception:
        logging.getLogger(__name__).exception("event sink failed on %s", event.kind)


class LoggingEventSink:
    """A sink that writes one log line per event (the console's; the bot stores them with an EventWriter)."""

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
