"""The daily jobs on one clock: refresh fresh papers, deliver subscriptions, prune old events, post trending and weekly digests.

The clock is injected (`now`, `sleep`), so tests drive days and restarts without waiting.
Order within a tick matters: the refresh runs before any post that is due, so a post
can show papers that arrived that morning.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Awaitable, Callable, Protocol

from bot.core.errors import FatalError
from bot.core.fresh_papers import FreshOutcome
from bot.state.meta import Meta
from bot.state.server_settings import GuildSettings, ServerSettings

log = logging.getLogger(__name__)

REFRESH_DAY = "refresh_day"
DELIVERY_DAY = "delivery_day"
PRUNE_DAY = "prune_day"


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class Poster(Protocol):
    """What the scheduler needs of the trending poster."""

    def pending_day(self, settings: GuildSettings, now: datetime) -> str | None: ...
    async def post(self, settings: GuildSettings, now: datetime) -> str: ...


@dataclass(frozen=True)
class TickReport:
    """What one tick did: the refresh (if it ran), subscription delivery, the post and digest outcomes per server."""

    refresh: FreshOutcome | None
    delivered: bool
    posts: dict[int, str]
    # Per server whose weekly digest was due (bot/discord_app/digest_post.py).
    digests: dict[int, str] = field(default_factory=dict)


class Scheduler:
    """Wakes every `tick_seconds` and runs whatever is due."""

    def __init__(
        self,
        servers: ServerSettings,
        meta: Meta,
        poster: Poster,
        *,
        prune: Callable[[datetime], int] | None = None,
        sync_index: Callable[[], bool] | None = None,
        refresh: Callable[[str], FreshOutcome] | None = None,
        deliver: Callable[[datetime], Awaitable[object]] | None = None,
        digest: Callable[[datetime], Awaitable[dict[int, str]]] | None = None,
        refresh_time: time = time(5, 0),
        tick_seconds: float = 30.0,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.servers = servers
        self.meta = meta
        self.prune = prune
        self.sync_index = sync_index
        self.poster = poster
        self.refresh = refresh
        self.deliver = deliver
        self.digest = digest
        self.refresh_time = refresh_time
        self.tick_seconds = tick_seconds
        self.now = now

    async def _meta(self, key: str) -> str | None:
        return await asyncio.to_thread(self.meta.get, key)

    async def _set_meta(self, key: str, value: str) -> None:
        await asyncio.to_thread(self.meta.set, key, value)

    async def tick(self) -> TickReport:
        """Run the jobs due at the clock's current time."""
        now = self.now()
        today = now.astimezone(timezone.utc).date().isoformat()
        servers = await asyncio.to_thread(self.servers.enabled)
        due = [s for s in servers if await asyncio.to_thread(self.poster.pending_day, s, now) is not None]

        # Papers another process added (or removed) since the last tick are served from now on.
        synced = False
        if self.sync_index is not None:
            try:
                synced = await asyncio.to_thread(self.sync_index)
            except FatalError:
                raise
            except Exception:
                log.exception("bringing the index up to date with the corpus store failed; trying again at the next tick")

        outcome = None
        refreshed_today = await self._meta(REFRESH_DAY) == today
        time_for_refresh = now.astimezone(timezone.utc).time().replace(tzinfo=None) >= self.refresh_time
        if self.refresh is not None and not refreshed_today and (time_for_refresh or due):
            try:
                outcome = await asyncio.to_thread(self.refresh, today)
            except FatalError:
                raise
            except Exception:
                # Feed errors are handled inside the refresh; anything else must not hold up the posts.
                log.exception("the fresh-paper refresh failed; posting with the papers we have")
            # A failing source is retried on later ticks (its backoff decides when); the day counts
            # as refreshed once every enabled source got through.
            if outcome is not None and outcome.complete:
                await self._set_meta(REFRESH_DAY, today)

        # Subscribers hear of new papers right after a refresh that found some, and at least once a day
        # (which also covers papers that arrived just before a restart).
        delivered = False
        fresh = synced or (outcome is not None and bool(outcome.added))
        if self.deliver is not None and (fresh or (time_for_refresh and await self._meta(DELIVERY_DAY) != today)):
            try:
                await self.deliver(now)
                delivered = True
            except Exception:
                log.exception("delivering subscriptions failed; they stay due for the next run")
            await self._set_meta(DELIVERY_DAY, today)

        if self.prune is not None and await self._meta(PRUNE_DAY) != today:
            pruned = await asyncio.to_thread(self.prune, now)
            await self._set_meta(PRUNE_DAY, today)
            if pruned:
                log.info("pruned %d events, votes and reactions older than 90 days", pruned)

        posts = {}
        for settings in due:
            try:
                posts[settings.guild_id] = await self.poster.post(settings, now)
            except Exception:
                # One server's trouble (e.g. a bad setting) must not cost the others their post.
                log.exception("the trending post of guild %s failed; retrying at the next tick", settings.guild_id)
                posts[settings.guild_id] = "error"

        digests: dict[int, str] = {}
        if self.digest is not None:
            try:
                digests = await self.digest(now)
            except Exception:
                log.exception("the weekly digests failed; retrying at the next tick")
        return TickReport(outcome, delivered, posts, digests)

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set; a failing tick is logged and the next one runs as usual.

        A FatalError ends the loop and propagates: the bot cannot go on (see PaperScoutBot).
        """
        while not stop.is_set():
            try:
                await self.tick()
            except (asyncio.CancelledError, FatalError):
                raise
            except Exception:
                log.exception("a scheduler tick failed; trying again at the next tick")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.tick_seconds)
            except asyncio.TimeoutError:
                pass
