"""The `fake` and `bot` fixtures of the fake Discord's own end-to-end tests."""

from __future__ import annotations

from typing import AsyncIterator

import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import connect_client, running_fake
from tests.fakediscord_selftest.testbot import TestBot


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord."""
    async with running_fake() as fake:
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[TestBot]:
    """The test bot, connected and ready; teardown fails if its start() task died."""
    bot = TestBot()
    async with connect_client(bot, fake):
        yield bot
