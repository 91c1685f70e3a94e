"""A per-user sliding-window rate limit with an injectable clock, where an action may cost less than a search."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Callable, Hashable

from bot.core.errors import RateLimited

# What actions cost against a user's budget (`count` per window). A search, a similar look-up,
# a /trending or a message searched from the Apps menu runs retrieval: a whole unit.
SEARCH = 1.0
# A page turn or a details view only reads what is at hand: four of them cost one search, so a
# reader who pages and opens cards is not stopped, and a clicking script is.
CLICK = 0.25
# Float sums of quarters are exact; the slack only guards other costs against rounding.
_SLACK = 1e-9


class SlidingWindowLimiter:
    """Allow actions per key while their costs within any `seconds`-long window add up to at most `count`."""

    def __init__(self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if count < 1 or seconds <= 0:
            raise ValueError("a rate limit needs count >= 1 and seconds > 0")
        self.count = count
        self.seconds = seconds
        self._clock = clock
        self._hits: defaultdict[Hashable, deque[tuple[float, float]]] = defaultdict(deque)

    def _recent(self, key: Hashable, now: float) -> deque[tuple[float, float]]:
        hits = self._hits.get(key) or deque()
        while hits and now - hits[0][0] >= self.seconds:
            hits.popleft()
        return hits

    def retry_after(self, key: Hashable, cost: float = SEARCH) -> float:
        """Return 0 if `key` may take an action of `cost` now, else the seconds until it may."""
        if not 0 < cost <= self.count:
            raise ValueError(f"an action must cost more than 0 and at most {self.count}, got {cost!r}")
        now = self._clock()
        hits = self._recent(key, now)
        excess = sum(c for _, c in hits) + cost - self.count
        if excess <= _SLACK:
            return 0.0
        # Wait until the oldest actions that cover the excess have left the window.
        freed = 0.0
        for at, spent in hits:
            freed += spent
            if freed >= excess - _SLACK:
                return max(self.seconds - (now - at), 0.0)
        return self.seconds  # unreachable: all of the window frees at least `excess`

    def acquire(self, key: Hashable, cost: float = SEARCH) -> None:
        """Record one action of `cost` for `key`, or raise RateLimited without recording it."""
        wait = self.retry_after(key, cost)
        if wait > 0:
            raise RateLimited(wait)
        self._hits[key].append((self._clock(), cost))
        if len(self._hits) > 10_000:
            # Forget idle users so a long-running bot does not grow without bound.
            now = self._clock()
            for stale in [k for k, q in self._hits.items() if not q or now - q[-1][0] >= self.seconds]:
                del self._hits[stale]
