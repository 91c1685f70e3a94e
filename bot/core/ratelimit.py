"""A per-user sliding-window rate limit with an injectable clock."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Callable, Hashable

from bot.core.errors import RateLimited


class SlidingWindowLimiter:
    """Allow at most `count` actions per key within any `seconds`-long window."""

    def __init__(self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if count < 1 or seconds <= 0:
            raise ValueError("a rate limit needs count >= 1 and seconds > 0")
        self.count = count
        self.seconds = seconds
        self._clock = clock
        self._hits: defaultdict[Hashable, deque[float]] = defaultdict(deque)

    def retry_after(self, key: Hashable) -> float:
        """Return 0 if `key` may act now, else the seconds until it may."""
        now = self._clock()
        hits = self._hits[key]
        while hits and now - hits[0] >= self.seconds:
            hits.popleft()
        if len(hits) < self.count:
            return 0.0
        return self.seconds - (now - hits[0])

    def acquire(self, key: Hashable) -> None:
        """Record one action for `key`, or raise RateLimited without recording it."""
        wait = self.retry_after(key)
        if wait > 0:
            raise RateLimited(wait)
        self._hits[key].append(self._clock())
        if len(self._hits) > 10_000:
            # Forget idle users so a long-running bot does not grow without bound.
            for stale in [k for k, q in self._hits.items() if not q or self._clock() - q[-1] >= self.seconds]:
                del self._hits[stale]
