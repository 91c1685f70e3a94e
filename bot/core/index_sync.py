"""Keeping the served index in step with the corpus store, whichever process wrote to it.

Any write to the store (the bot's own refresh, `paperscout ingest` or `remove` in another
process) bumps the store's revision. Each scheduler tick compares it with the revision the
served index was built from; on a difference the index is rebuilt (embedding what no
process has embedded yet) and published. If another process holds the vector store at that
moment, the tick leaves it to the next one instead of waiting.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from bot.core.errors import FatalError
from bot.core.live_index import LiveIndex, Retriever
from retrieval.vector_lock import VectorLockBusy
from retrieval.vectors import VectorStoreError

log = logging.getLogger(__name__)

# (retriever, revision it was built from)
Rebuild = Callable[[], tuple[Retriever, int]]


class IndexSync:
    """Rebuilds and publishes the served index when the corpus store's revision moves on."""

    def __init__(self, live: LiveIndex, revision: Callable[[], int], rebuild: Rebuild, served_revision: int) -> None:
        self.live = live
        self.revision = revision
        self.rebuild = rebuild
        self.served_revision = served_revision
        # The scheduler's tick and a fetched paper may sync at once: one rebuild at a time in this process.
        self._lock = threading.Lock()

    def sync(self) -> bool:
        """Publish a rebuilt index if the store changed since the served one; return whether it did.

        Synchronous (reads the store, may embed): run it in a thread.
        """
        with self._lock:
            return self._sync()

    def _sync(self) -> bool:
        if self.revision() == self.served_revision:
            return False
        before = len(self.live.current)
        try:
            retriever, revision = self.rebuild()
        except VectorLockBusy:
            log.info("another process is writing the vectors; serving the current index until the next tick")
            return False
        except VectorStoreError as exc:
            # The vectors cannot be read or written: serving on would hide it until the next restart.
            raise FatalError(str(exc)) from exc
        self.live.publish(retriever)
        self.served_revision = revision
        log.info("the corpus changed (revision %d): now serving %d papers, %+d", revision, len(retriever), len(retriever) - before)
        return True
