"""Fixtures of the bot tests: the fake retriever, handlers, a fake Discord and the real bot on it."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest

from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.datadir import DataDir
from bot.state import SqliteEventSink, State
from tests.bot.fakes import FakeRetriever, ListSink
from tests.bot.harness import running_bot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import ClientRun, running_fake


@pytest.fixture
def retriever() -> FakeRetriever:
    """A retriever over a dozen hand-made papers."""
    return FakeRetriever()


@pytest.fixture
def sink() -> ListSink:
    """An event sink that keeps events for assertions."""
    return ListSink()


@pytest.fixture
def handlers(retriever: FakeRetriever, sink: ListSink) -> Handlers:
    """Handlers with a rate limit too generous to trip by accident."""
    return Handlers(LiveIndex(retriever), sink, SlidingWindowLimiter(100, 30))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord."""
    async with running_fake() as fake:
        yield fake


@pytest.fixture
async def run(fake: FakeDiscord, handlers: Handlers, tmp_path: Path) -> AsyncIterator[ClientRun]:
    """The bot connected to the fake, commands synced globally."""
    async with running_bot(fake, handlers, tmp_path) as run:
        yield run


@pytest.fixture
def store(tmp_path: Path) -> Iterator[State]:
    """The bot's state in a temporary data dir."""
    state = State.open(DataDir(tmp_path).state)
    yield state
    state.close()


@pytest.fixture
def stored_handlers(retriever: FakeRetriever, store: State) -> Handlers:
    """Handlers whose events go to SQLite, as in bot/__main__.py."""
    return Handlers(LiveIndex(retriever), SqliteEventSink(store.events), SlidingWindowLimiter(100, 30))


@pytest.fixture
async def stored_run(fake: FakeDiscord, stored_handlers: Handlers, store: State, tmp_path: Path) -> AsyncIterator[ClientRun]:
    """The bot with a state store, connected to the fake."""
    async with running_bot(fake, stored_handlers, tmp_path, state=store) as run:
        yield run
