"""Running the real PaperScoutBot against the fake Discord, shared by fixtures and tests."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, AsyncIterator

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
