"""Reusable helpers to run a FakeDiscord and connect a real discord.py client to it.

Plain async context managers, so any conftest can wrap them in fixtures, e.g.::

    @pytest.fixture
    async def fake():
        async with running_fake() as fake:
            yield fake

    @pytest.fixture
    async def bot_run(fake):
        bot = make_my_bot()  # guild_ready_timeout=0.05 keeps on_ready fast
        async with connect_client(bot, fake) as run:
            yield run
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterator

import discord
import yarl
from discord.gateway import DiscordWebSocket

from .server import FakeDiscord


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at the fake; restore both afterwards."""
    old_base = discord.http.Route.BASE
    old_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    # Route builds its URL at construction, so every later request (webhooks and
    # interaction callbacks included) goes to the fake. Never call _set_api_version:
    # it resets BASE to discord.com.
    discord.http.Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running_fake(**kwargs: Any) -> AsyncIterator[FakeDiscord]:
    """Start a FakeDiscord(**kwargs) on a free loopback port; fail if the fake itself had a bug."""
    fake = FakeDiscord(**kwargs)
    await fake.start()
    try:
        yield fake
        if fake.internal_errors:
            raise AssertionError(f"FakeDiscord raised internally: {fake.internal_errors!r}")
    finally:
        await fake.close()


@dataclass
class ClientRun:
    """A discord.py client running against a fake, with its `client.start()` task."""

    client: discord.Client
    fake: FakeDiscord
    task: asyncio.Task[None]

    def assert_alive(self) -> None:
        """Fail if client.start() has ended (it can die after on_ready already fired)."""
        if self.task.done():
            exc = None if self.task.cancelled() else self.task.exception()
            raise AssertionError(f"discord client task ended early: {exc!r}") from exc


async def wait_client_ready(
    client: discord.Client, fake: FakeDiscord, task: asyncio.Task[None], timeout: float
) -> None:
    """Wait for on_ready (client side) and a live session (fake side); fail fast if start() dies."""
    ready = asyncio.ensure_future(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not ready.done():
            ready.cancel()
    if task in done:
        exc = None if task.cancelled() else task.exception()
        raise AssertionError(f"discord client stopped before it was ready: {exc!r}") from exc
    if ready not in done:
        seen = [(r.method, r.path, r.status) for r in fake.requests]
        raise TimeoutError(f"discord client not ready after {timeout}s; requests so far: {seen}")
    await fake.wait_ready(timeout=timeout)


@contextlib.asynccontextmanager
async def connect_client(
    client: discord.Client, fake: FakeDiscord, *, token: str = "fake-token", timeout: float = 10.0
) -> AsyncIterator[ClientRun]:
    """Run `client.start(token)` against the fake until ready; close it cleanly on exit."""
    with pointed_at(fake):
        task = asyncio.create_task(client.start(token), name=f"discord-client-{id(client)}")
        run = ClientRun(client=client, fake=fake, task=task)
        try:
            await wait_client_ready(client, fake, task, timeout)
            yield run
            # The body passed: the client must still be running, or it crashed silently.
            run.assert_alive()
        finally:
            await shutdown_client(client, task, timeout)


async def shutdown_client(client: discord.Client, task: asyncio.Task[None], timeout: float = 10.0) -> None:
    """Close the client and reap its start() task (its exception, if any, was reported before)."""
    await client.close()
    try:
        await asyncio.wait_for(task, timeout)
    except asyncio.TimeoutError:
        task.cancel()
    except Exception:  # noqa: BLE001 - already surfaced by assert_alive or the failing test body
        pass
