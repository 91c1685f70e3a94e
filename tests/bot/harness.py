"""Running the real PaperScoutBot against the fake Discord, shared by fixtures and tests."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from bot.core.conversation import Talk
from bot.core.handlers import Handlers
from bot.datadir import DataDir
from bot.discord_app.client import PaperScoutBot
from bot.state import State
from tests.fakediscord import FakeDiscord, FakeMessage
from tests.fakediscord.pytest_helpers import ClientRun, connect_client


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, handlers: Handlers, data_dir: Path, **options: Any) -> AsyncIterator[ClientRun]:
    """Connect a PaperScoutBot to the fake; guild_ready_timeout keeps on_ready fast."""
    options.setdefault("guild_ready_timeout", 0.05)
    state = options.get("state")
    own = None if state is not None else State.open(DataDir(data_dir).state)
    conversations = (state or own).conversations
    talk = Talk(handlers.index, conversations, handlers.sink, handlers.limiter, clock=options.get("clock") or _utc_now)
    bot = PaperScoutBot(handlers, talk, command_hash_file=DataDir(data_dir).command_hash, **options)
    try:
        async with connect_client(bot, fake) as run:
            yield run
    finally:
        if own is not None:
            own.close()


def memory_talk(handlers: Handlers) -> Talk:
    """Return a Talk over the handlers' index whose conversations live in an in-memory state."""
    return Talk(handlers.index, State.open(Path(":memory:")).conversations, handlers.sink, handlers.limiter)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


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


# Interaction callback types (Discord API).
TIMEOUT = 5.0
DEFER = 5
CHANNEL_MESSAGE = 4
UPDATE_MESSAGE = 7


def replies_to(msg: FakeMessage) -> Callable[[FakeMessage], bool]:
    """Predicate: a bot message replying to `msg`."""
    return lambda m: m.message_reference is not None and m.message_reference["message_id"] == str(msg.id)


def callback_types(fake: FakeDiscord, inter_id: int) -> list[int | None]:
    """Return the callback types the bot sent for one interaction."""
    return [c.type for c in fake.interaction_callbacks if c.interaction_id == inter_id]


def no_pings(msg: FakeMessage) -> bool:
    """Return True if a message pinged nobody."""
    return not msg.mention_user_ids and not msg.mention_role_ids and not msg.mention_everyone
