"""/trending's ranking is kept per server for a few minutes and computed once however many ask at once."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from pathlib import Path

from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.trending import ROTATION, TrendingRanking
from bot.core.trending_cache import TTL_SECONDS, TrendingCache
from bot.datadir import DataDir
from bot.state import EventLog, SqliteEventSink, State
from tests.bot.fakes import FakeRetriever
from tests.bot.harness import TIMEOUT, running_bot
from tests.fakediscord import FakeDiscord


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ranking(days: int) -> TrendingRanking:
    return TrendingRanking(mode=ROTATION, entries=(), days=days)


class Counting:
    """A ranking computation that counts its runs and can be held until released."""

    def __init__(self, hold: bool = False) -> None:
        self.runs = 0
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def __call__(self, days: int = 7) -> TrendingRanking:
        self.runs += 1
        self.release.wait(10)
        return ranking(days)


async def test_a_ranking_is_reused_within_the_window_and_recomputed_after() -> None:
    clock, compute = Ticks(), Counting()
    cache = TrendingCache(clock=clock)
    first = await cache.ranking(1, 7, compute)
    clock.now += TTL_SECONDS - 1
    assert await cache.ranking(1, 7, compute) is first and compute.runs == 1
    # Another window or another server is another ranking.
    await cache.ranking(1, 30, lambda: compute(30))
    await cache.ranking(2, 7, compute)
    assert compute.runs == 3
    clock.now += 1
    assert await cache.ranking(1, 7, compute) is not first and compute.runs == 4


async def test_a_burst_computes_once_and_everyone_gets_it() -> None:
    compute = Counting(hold=True)
    cache = TrendingCache()
    asked = [asyncio.create_task(cache.ranking(5, 7, compute)) for _ in range(20)]
    await asyncio.sleep(0.05)
    compute.release.set()
    answers = await asyncio.gather(*asked)
    assert compute.runs == 1 and all(a is answers[0] for a in answers) and cache.computed == 1


async def test_the_least_recently_used_ranking_goes_first() -> None:
    compute = Counting()
    cache = TrendingCache(max_kept=2)
    for guild in (1, 2, 1, 3):  # 2 is then the least recently used
        await cache.ranking(guild, 7, compute)
    await cache.ranking(1, 7, compute)
    assert compute.runs == 3
    await cache.ranking(2, 7, compute)
    assert compute.runs == 4


class CountingLog(EventLog):
    """The events table, counting the reads a ranking makes."""

    reads = 0

    def read(self, *args: object, **kwargs: object) -> list:  # type: ignore[override]
        CountingLog.reads += 1
        return super().read(*args, **kwargs)  # type: ignore[arg-type]


async def test_repeated_trending_reads_the_events_once(fake: FakeDiscord, tmp_path: Path) -> None:
    opened = State.open(DataDir(tmp_path).state)
    state = dataclasses.replace(opened, events=CountingLog(opened.db))
    CountingLog.reads = 0
    handlers = Handlers(LiveIndex(FakeRetriever()), SqliteEventSink(state.events), SlidingWindowLimiter(100, 30))
    try:
        async with running_bot(fake, handlers, tmp_path, state=state):
            answers = []
            for user in (fake.user, fake.moderator, fake.user):
                inter = await fake.send_interaction_command("trending", {"days": 7}, user=user)
                answers.append(await fake.wait_for_response(inter, timeout=TIMEOUT, predicate=lambda m: bool(m.embeds)))
            assert len({tuple(e["title"] for e in m.embeds) for m in answers}) == 1
            assert CountingLog.reads == 1
            other = await fake.send_interaction_command("trending", {"days": 30}, user=fake.user)
            await fake.wait_for_response(other, timeout=TIMEOUT, predicate=lambda m: bool(m.embeds))
            assert CountingLog.reads == 2
    finally:
        state.close()
