"""Title suggestions while a member types (/paper, /similar): a burst of keystrokes scans the titles only so often.

Discord asks for suggestions on nearly every keystroke, and each answer scans every title
(about 200 ms at 87k papers; a prefix index is another change's). So what was typed is
answered from the suggestions of the last minute when anyone typed the same (the scan
depends only on the normalized text and the index being served), and each member may start
at most `SCANS` scans per `SCAN_SECONDS`; past that they keep their last suggestions until
the window frees a scan. No error is shown: suggestions are a courtesy, not an answer.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Awaitable, Callable

from bot.core.errors import RateLimited
from bot.core.ratelimit import SlidingWindowLimiter
from corpus.clean import normalize_title

Choices = list[tuple[str, str]]

SCANS = 8
SCAN_SECONDS = 10.0
KEEP_SECONDS = 60.0
# Suggestion lists kept at most, and members whose last list is kept (least recently used go first).
MAX_KEPT = 1024


def _put(kept: OrderedDict, key: object, value: object, limit: int) -> None:
    kept[key] = value
    kept.move_to_end(key)
    while len(kept) > limit:
        kept.popitem(last=False)


class TitleCompletions:
    """Suggestions for typed text, kept a minute for everyone, with a per-member limit on fresh scans."""

    def __init__(
        self,
        complete: Callable[[str], Awaitable[Choices]],
        generation: Callable[[], int],
        *,
        limiter: SlidingWindowLimiter | None = None,
        clock: Callable[[], float] = time.monotonic,
        keep_seconds: float = KEEP_SECONDS,
        max_kept: int = MAX_KEPT,
    ) -> None:
        self._complete = complete
        self._generation = generation
        self._clock = clock
        self.limiter = limiter or SlidingWindowLimiter(SCANS, SCAN_SECONDS, clock)
        self.keep_seconds = keep_seconds
        self.max_kept = max_kept
        self._kept: OrderedDict[tuple[int, str], tuple[float, Choices]] = OrderedDict()
        self._last: OrderedDict[int, Choices] = OrderedDict()

    def _fresh(self, key: tuple[int, str]) -> Choices | None:
        kept = self._kept.get(key)
        if kept is None or self._clock() - kept[0] >= self.keep_seconds:
            return None
        return kept[1]

    async def choices(self, user_id: int, typed: str) -> Choices:
        """Return suggestions for what `user_id` has typed so far."""
        key = (self._generation(), normalize_title(typed or ""))
        choices = self._fresh(key)
        if choices is None:
            try:
                self.limiter.acquire(user_id)
            except RateLimited:
                return list(self._last.get(user_id, []))
            choices = await self._complete(typed or "")
            _put(self._kept, key, (self._clock(), choices), self.max_kept)
        _put(self._last, user_id, choices, self.max_kept)
        return list(choices)
