"""When papers were ingested: reading the stored times, and the papers that arrived after a moment."""

from __future__ import annotations

import bisect
import logging
from datetime import datetime, timezone
from typing import Sequence

from corpus.paper import Paper

log = logging.getLogger(__name__)


def moment(text: str) -> datetime | None:
    """Return a stored ISO time as an aware datetime (UTC when it names no zone), None when unreadable."""
    try:
        parsed = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


class NewPapers:
    """The candidate papers by ingest time, so each subscription's new ones are one bisect away."""

    def __init__(self, candidates: Sequence[Paper]) -> None:
        timed: list[tuple[datetime, str, Paper]] = []
        for paper in candidates:
            at = moment(paper.ingested_at)
            if at is None:
                log.warning("paper %s has an unreadable ingested_at %r; not sending it", paper.id, paper.ingested_at)
                continue
            timed.append((at, paper.id, paper))
        timed.sort(key=lambda t: (t[0], t[1]))
        self._times = [t[0] for t in timed]
        self._papers = [t[2] for t in timed]
        self.times = {t[1]: t[0] for t in timed}

    @property
    def latest(self) -> datetime | None:
        """Return the newest ingest time, None without candidates."""
        return self._times[-1] if self._times else None

    def after(self, since: datetime) -> list[Paper]:
        """Return the candidates ingested strictly after `since`."""
        return self._papers[bisect.bisect_right(self._times, since):]
