"""Running the real PaperScoutBot against the fake Discord, shared by fixtures and tests."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from bot.client import PaperScoutBot
from bot.handlers import Handlers
from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import ClientRun, connect_client


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, handlers: Handlers, data_dir: Path, **options: Any) -> AsyncIterator[ClientRun]:
    """Connect a PaperScoutBot to the fake; guild_ready_timeout keeps on_ready fast."""
    options.setdefault("guild_ready_timeout", 0.05)
    bot = PaperScoutBot(handlers, data_dir=data_dir, **options)
    async with connect_client(bot, fake) as run:
        yield run


class Clock:
    """A clock the test moves by hand: call it for the time, assign `now` to move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def eventually(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Re-check a condition the bot changes outside the fake (so the fake's notifier cannot wake us)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
