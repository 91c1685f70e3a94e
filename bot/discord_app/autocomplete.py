"""Autocomplete callbacks that never fail in the user's face: an error offers no choices and is logged."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, TypeVar

import discord
from discord import app_commands

log = logging.getLogger(__name__)

# Discord rejects an autocomplete answer with more than 25 choices; discord.py does not cap them.
MAX_CHOICES = 25

Choices = list[app_commands.Choice[str]]
C = TypeVar("C", bound=Callable[..., Awaitable[Choices]])


def never_fails(callback: C) -> C:
    """Wrap an autocomplete method so an exception returns no choices instead of "Loading options failed"."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction, current: str) -> Choices:
        try:
            choices = await callback(self, interaction, current)
        except Exception:
            log.exception("autocomplete %s failed for %r; offering no choices", callback.__qualname__, current)
            return []
        return choices[:MAX_CHOICES]

    return wrapper  # type: ignore[return-value]


def warm_up(build: Callable[[], object], what: str) -> asyncio.Future:
    """Run `build` in a worker thread now, so the first keystrokes need not wait for what it builds.

    A failure is only logged: the first keystroke that needs it builds it again (and reports a
    real failure then). An index published later (after an ingest) builds on its first use.
    """
    future = asyncio.get_running_loop().run_in_executor(None, build)

    def _log_failure(done: asyncio.Future) -> None:
        if not done.cancelled() and done.exception() is not None:
            log.warning("could not build the %s ahead of use", what, exc_info=done.exception())

    future.add_done_callback(_log_failure)
    return future
