"""Event-driven waiting: re-check a condition whenever the fake's state changes."""

from __future__ import annotations

import asyncio
from typing import Callable, TypeVar

T = TypeVar("T")


class Notifier:
    """Wakes every waiter on each state change so waits never poll or sleep blindly."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake all current waiters."""
        # Swap the event so later waiters block until the *next* change.
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(
        self,
        check: Callable[[], T | None],
        *,
        timeout: float,
        what: str,
        describe: Callable[[], str] | None = None,
    ) -> T:
        """Return check()'s first non-None result, or raise TimeoutError after `timeout` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._event
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                detail = f"\n{describe()}" if describe is not None else ""
                raise TimeoutError(f"FakeDiscord: timed out after {timeout}s waiting for {what}{detail}")
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                pass
