"""/trending's rankings of the last few minutes, per server: asking again within them costs nothing.

A ranking reads up to 90 days of a server's events and may run ten searches (the
near-searches fallback). It changes slowly, so one ranking per (server, days) is kept for
`TTL_SECONDS`, and a server computes one ranking at a time: a burst of /trending from many
members (or many accounts) waits for the one in progress and is answered from it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Callable

from bot.core.trending import TrendingRanking

# Long enough that a burst costs one ranking, short enough that a vote shows within minutes.
TTL_SECONDS = 300.0
# Rankings kept at most (the least recently used go first): a few per active server.
MAX_KEPT = 2048

Key = tuple[int, int]


class TrendingCache:
    """Per-server rankings of the last `ttl` seconds, each computed once, one computation at a time per server."""

    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic, max_kept: int = MAX_KEPT) -> None:
        self.ttl = ttl
        self.max_kept = max_kept
        self._clock = clock
        self._kept: OrderedDict[Key, tuple[float, TrendingRanking]] = OrderedDict()
        # One lock per server that asked: bounded by the servers the bot is in.
        self._locks: dict[int, asyncio.Lock] = {}
        self.computed = 0

    def _fresh(self, key: Key) -> TrendingRanking | None:
        kept = self._kept.get(key)
        if kept is None:
            return None
        at, ranking = kept
        if self._clock() - at >= self.ttl:
            del self._kept[key]
            return None
        self._kept.move_to_end(key)
        return ranking

    async def ranking(self, guild_id: int, days: int, compute: Callable[[], TrendingRanking]) -> TrendingRanking:
        """Return the server's kept ranking for `days`, or compute it in a thread (once, however many ask) and keep it."""
        key = (guild_id, days)
        ranking = self._fresh(key)
        if ranking is not None:
            return ranking
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            # Whoever held the lock may have just computed it.
            ranking = self._fresh(key)
            if ranking is not None:
                return ranking
            ranking = await asyncio.to_thread(compute)
            self.computed += 1
            self._kept[key] = (self._clock(), ranking)
            while len(self._kept) > self.max_kept:
                self._kept.popitem(last=False)
        return ranking
