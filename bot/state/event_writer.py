"""The bot's event sink: engagement events stored by one background thread, so the event loop never waits on the disk.

`record` puts the event on a bounded queue and returns. The thread writes what is queued in
batches, one transaction each, every write waiting a bounded time for the file's lock
(bot.state.db.WRITE_WAIT). While another program holds that lock (a backup, a `sqlite3`
shell) the batch is kept and tried again; the queue fills meanwhile, and events past its
capacity are dropped, counted, and logged at most once a minute. Events only feed /trending
and the daily post: losing a few is better than making anyone wait for an answer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from bot.state.db import WRITE_WAIT, WriteLockBusy
from bot.state.events import EngagementEvent, EventLog

log = logging.getLogger(__name__)

# Events waiting at most (a few MB): about an hour of a busy bot's searches.
CAPACITY = 10_000
# Events per transaction.
BATCH = 200
# Seconds between two tries while the file is locked.
RETRY_PAUSE = 0.5
# Seconds `close` gives the queue to reach the disk.
FLUSH_WAIT = 5.0
# Seconds between two warnings about dropped events.
REPORT_EVERY = 60.0
# Seconds an idle thread sleeps before looking whether it was closed.
_IDLE = 0.2


class EventWriter:
    """An event sink (bot.core.engagement.EventSink) that stores events from its own thread."""

    def __init__(self, events: EventLog, *, capacity: int = CAPACITY, retry_pause: float = RETRY_PAUSE) -> None:
        self.events = events
        self.retry_pause = retry_pause
        self._queue: queue.Queue[EngagementEvent] = queue.Queue(maxsize=capacity)
        self._stop = threading.Event()
        self._flush_by = float("inf")
        self._count_lock = threading.Lock()
        self.written = 0
        self.dropped = 0
        self._unreported = 0
        self._reported_at = float("-inf")
        self._thread = threading.Thread(target=self._run, name="event-writer", daemon=True)
        self._thread.start()

    def record(self, event: EngagementEvent) -> None:
        """Queue the event and return at once (this runs on the event loop); drop it if the queue is full."""
        if self._stop.is_set():
            self._drop(1, "the writer was closed")
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self._drop(1, "the queue is full: the state file has been locked a long time")

    def close(self, wait: float = FLUSH_WAIT) -> None:
        """Write what is queued, giving up after about `wait` seconds, and stop the thread."""
        self._flush_by = time.monotonic() + wait
        self._stop.set()
        # A write under way may still wait its WRITE_WAIT for the lock.
        self._thread.join(wait + WRITE_WAIT + 1.0)
        if self._thread.is_alive():
            log.warning("the event writer did not finish within %.0f s; %d events may be lost", wait, self._queue.qsize())
        with self._count_lock:
            if self._unreported:
                log.warning("dropped %d engagement events in all (%d written)", self.dropped, self.written)

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        pending: list[EngagementEvent] = []
        while True:
            pending += self._take(BATCH - len(pending), block=not pending)
            if not pending:
                if self._stop.is_set():
                    return
                continue
            if self._write(pending):
                pending = []
                continue
            left = self._flush_by - time.monotonic()
            if left <= 0:
                self._drop(len(pending) + self._queue.qsize(), "the state file stayed locked while the bot stopped")
                return
            time.sleep(min(self.retry_pause, left))

    def _take(self, limit: int, *, block: bool) -> list[EngagementEvent]:
        """Return up to `limit` queued events; when `block`, wait a moment for the first."""
        taken: list[EngagementEvent] = []
        try:
            if block:
                taken.append(self._queue.get(timeout=_IDLE))
            while len(taken) < limit:
                taken.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        return taken

    def _write(self, batch: list[EngagementEvent]) -> bool:
        """Store a batch; return False if the file's lock was held (try again later), True once it is settled."""
        try:
            self.events.add_many(batch)
        except WriteLockBusy:
            return False
        except Exception:
            # Not a lock: trying again would fail again (a closed store, a full disk).
            log.exception("could not store %d engagement events; they are dropped", len(batch))
            self._drop(len(batch), "the write failed")
            return True
        self.written += len(batch)
        return True

    def _drop(self, count: int, why: str) -> None:
        """Count dropped events; warn now and then, not once per event."""
        with self._count_lock:
            self.dropped += count
            self._unreported += count
            now = time.monotonic()
            if now - self._reported_at < REPORT_EVERY:
                return
            log.warning("dropped %d engagement events (%s); %d dropped since start", self._unreported, why, self.dropped)
            self._unreported = 0
            self._reported_at = now
