"""Mentions under load: how fast the real bot answers when many questions arrive at once.

    python -m bench.mention_load [--questions N] [--data DIR]

The real PaperScoutBot (discord.py, its cogs, the handlers and the conversation store) runs
against the project's loopback fake Discord (tests/fakediscord), over the real retriever of
the shipped corpus opened as `python -m bot` opens it (`open_services`: hybrid BM25 + MiniLM).
With `--data DIR` that data dir's corpus and index are reused (the first run embeds every
paper: minutes on two cores); by default a temporary one is built. The bot's own state
(conversations, engagement events) always lives in a temporary dir, so a reused data dir
collects no benchmark traffic.

After an untimed warm-up (a few mentions and /finds, one at a time: it loads the model),
N different question-style mentions ("@PaperScout is there work on {query}?", queries from
bench/queries.jsonl) are sent at once (asyncio.gather), then N /find commands with the same
queries, also at once. Each request's latency runs from just before it is sent to the moment
the benchmark, woken by the fake on every change it records, sees the bot's answer stored: a
mention's reply message, or the /find's deferred response filled. After each burst the
benchmark waits a moment more and checks that every request got exactly one answer; it also
counts answers that are an apology or a rate-limit refusal.

Rate limit: the bot's default (settings' 5 searches per 30 s per user) is kept, and every
request comes from a user of its own, so the limit never refuses one of them.

Caveat: the fake, the client and the bot share this process and its event loop (as in the
tests), so the fake's own work is in the figures; searches run in the bot's worker threads.
Prints a table, then one line of JSON last. No figure here is a target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from bench.corpus_file import read_queries
from bench.measure import percentile_ms
from bot.core.errors import APOLOGY, RateLimited
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex, Retriever
from bot.core.ratelimit import SlidingWindowLimiter
from bot.datadir import DataDir
from bot.settings import Settings
from bot.state import SqliteEventSink, State
from tests.bot.harness import running_bot
from tests.fakediscord import FakeDiscord, FakeMessage, FakeUser
from tests.fakediscord.pytest_helpers import running_fake

DEFAULT_QUESTIONS = 50
WARM_UP = 2
# Long enough for 50 answers on two cores many times over; a burst that needs more has failed.
BURST_TIMEOUT = 300.0
# How long to keep watching after the last answer, so a second answer to any request would be seen.
SETTLE_S = 1.0
# The bot's rate limit as `python -m bot` configures it when nothing is set.
RATE_COUNT = Settings.model_fields["rate_limit_count"].default
RATE_SECONDS = Settings.model_fields["rate_limit_seconds"].default
LIMITER = f"the bot's default limiter ({RATE_COUNT} per {RATE_SECONDS:g} s per user), each request from a user of its own"
# The start of the refusal a rate-limited user sees (the seconds that follow vary).
RATE_LIMITED = RateLimited(1).message.split(" Try again")[0]


@dataclass(frozen=True)
class Burst:
    """N requests of one kind sent at once: each one's latency and answers."""

    kind: str
    # Seconds from just before each request was sent to its answer, in send order.
    latencies_s: tuple[float, ...]
    # Answers each request had once the burst settled (1 each is right).
    answers: tuple[int, ...]
    # Answers that were an apology or a rate-limit refusal, not results.
    failures: int
    # From the first send to the last answer.
    wall_s: float
    # /find only: seconds from each interaction's dispatch to its accepted acknowledgement (Discord allows 3 s).
    acks_s: tuple[float, ...] = ()

    @property
    def each_answered_once(self) -> bool:
        """Return whether every request got exactly one answer."""
        return bool(self.answers) and all(n == 1 for n in self.answers)

    def figures(self) -> dict:
        """Return the burst's figures (milliseconds, rounded) for the table and the JSON line."""
        ms = self.latencies_s
        out = {
            "n": len(ms), "answered_once": sum(1 for n in self.answers if n == 1), "failures": self.failures,
            "p50_ms": round(percentile_ms(ms, 50), 1), "p95_ms": round(percentile_ms(ms, 95), 1),
            "p99_ms": round(percentile_ms(ms, 99), 1), "max_ms": round(max(ms) * 1000, 1) if ms else float("nan"),
            "wall_s": round(self.wall_s, 2), "per_s": round(len(ms) / self.wall_s, 1) if self.wall_s else float("nan"),
        }
        if self.acks_s:
            out |= {"ack_p95_ms": round(percentile_ms(self.acks_s, 95), 1), "ack_max_ms": round(max(self.acks_s) * 1000, 1)}
        return out


@dataclass(frozen=True)
class LoadResult:
    """One run: the mention burst and the /find burst over the same queries."""

    papers: int
    cores: int
    limiter: str
    mentions: Burst
    finds: Burst

    def summary(self) -> dict:
        """Return everything as one JSON-ready object."""
        return {"papers": self.papers, "cores": self.cores, "limiter": self.limiter,
                "mention": self.mentions.figures(), "find": self.finds.figures()}


def pick_queries(queries: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """Return n queries in a fixed shuffled order (mixing the file's kinds), repeating the list if it is short."""
    shuffled = list(queries)
    random.Random(seed).shuffle(shuffled)
    return [shuffled[i % len(shuffled)] for i in range(n)]


def as_question(query: str) -> str:
    """Return a query asked the way people mention the bot."""
    query = query.strip()
    return query if query.endswith("?") else f"is there work on {query}?"


def _failed(msg: FakeMessage) -> bool:
    return msg.content.startswith(APOLOGY) or msg.content.startswith(RATE_LIMITED)


class _Replies:
    """The bot's replies in one channel by the message they answer, read incrementally.

    One index shared by every waiter, so each wake-up of the fake costs a look at the new
    messages only, not a scan of the channel per waiting request (that scan, on the bot's own
    event loop, would slow the bot being measured).
    """

    def __init__(self, fake: FakeDiscord, channel_id: int) -> None:
        self.bot_messages = fake.messages[channel_id]  # the fake appends the bot's messages here, in order
        self.seen = len(self.bot_messages)
        self.by_target: dict[int, list[FakeMessage]] = {}

    def first(self, target_id: int) -> FakeMessage | None:
        """Return the first reply to a message, or None yet."""
        for msg in self.bot_messages[self.seen :]:
            ref = msg.message_reference
            if ref is not None and not msg.deleted:
                self.by_target.setdefault(int(ref["message_id"]), []).append(msg)
        self.seen = len(self.bot_messages)
        found = self.by_target.get(target_id)
        return found[0] if found else None


async def _mentions(fake: FakeDiscord, questions: Sequence[str], users: Sequence[FakeUser], timeout: float, settle: float) -> Burst:
    """Send one mention per (question, user) at once; time each to its reply."""
    channel = fake.channel.id
    replies = _Replies(fake, channel)
    sent: list[FakeMessage] = []

    async def ask(question: str, user: FakeUser) -> tuple[float, float]:
        start = time.perf_counter()
        msg = await fake.send_message(channel, f"{fake.bot_user.mention} {question}", author=user, mentions=[fake.bot_user])
        sent.append(msg)
        await fake.wait_for(lambda: replies.first(msg.id), timeout=timeout, what=f"a reply to mention {msg.id}")
        return start, time.perf_counter()

    times = await asyncio.gather(*(ask(q, u) for q, u in zip(questions, users)))
    await asyncio.sleep(settle)
    replies.first(0)  # take in anything that arrived while settling
    answers = [replies.by_target.get(m.id, []) for m in sent]
    return Burst(
        "mention", tuple(end - start for start, end in times), tuple(len(a) for a in answers),
        sum(1 for a in answers for m in a if _failed(m)), max(e for _, e in times) - min(s for s, _ in times),
    )


async def _finds(fake: FakeDiscord, queries: Sequence[str], users: Sequence[FakeUser], timeout: float, settle: float) -> Burst:
    """Send one /find per (query, user) at once; time each to its filled response."""
    inters = []

    async def find(query: str, user: FakeUser) -> tuple[float, float]:
        start = time.perf_counter()
        inter = await fake.send_interaction_command("find", {"query": query}, user=user)
        inters.append(inter)
        await fake.wait_for_response(inter, timeout=timeout)
        return start, time.perf_counter()

    times = await asyncio.gather(*(find(q, u) for q, u in zip(queries, users)))
    await asyncio.sleep(settle)
    # A followup that did not fill the deferred response would be a second visible message.
    answers = [[fake.get_message(i) for i in dict.fromkeys(inter.visible_ids)] for inter in inters]
    acks = tuple(inter.acked_at - inter.dispatched_at for inter in inters if inter.acked_at is not None)
    return Burst(
        "/find", tuple(end - start for start, end in times), tuple(len(a) for a in answers),
        sum(1 for a in answers for m in a if m is not None and _failed(m)),
        max(e for _, e in times) - min(s for s, _ in times), acks,
    )


async def run_load(retriever: Retriever, queries: Sequence[str], n: int, state_dir: Path, *,
                   warm_up: int = WARM_UP, timeout: float = BURST_TIMEOUT, settle: float = SETTLE_S) -> LoadResult:
    """Run the real bot on a fake Discord over `retriever`; time N mentions at once, then N /finds at once.

    `warm_up` mentions and /finds go first, one at a time and untimed; `settle` is how long each
    burst is watched after its last answer for a second answer to any request.
    """
    picked = pick_queries(queries, n + warm_up)
    # Different queries for the warm-up, so no timed query was asked before.
    warm, timed = picked[:warm_up], picked[warm_up:]
    state = State.open(DataDir(state_dir).state)
    # As bot/__main__.py wires it: events to SQLite, the default per-user limit.
    sink = SqliteEventSink(state.events)
    handlers = Handlers(LiveIndex(retriever), sink, SlidingWindowLimiter(RATE_COUNT, RATE_SECONDS))
    try:
        async with running_fake() as fake, running_bot(fake, handlers, state_dir, state=state):
            users = []
            for i in range(2 * (n + warm_up)):
                user = fake.create_user(f"asker{i}")
                fake.add_member(fake.guild.id, user)
                users.append(user)
            for i, query in enumerate(warm):  # one at a time: loads the model, opens what opens on first use
                await _mentions(fake, [as_question(query)], [users[i]], timeout, 0)
                await _finds(fake, [query], [users[n + warm_up + i]], timeout, 0)
            mentions = await _mentions(fake, [as_question(q) for q in timed], users[warm_up : n + warm_up], timeout, settle)
            finds = await _finds(fake, timed, users[n + 2 * warm_up :], timeout, settle)
    finally:
        sink.close()
        state.close()
    return LoadResult(len(retriever), os.cpu_count() or 0, LIMITER, mentions, finds)


def table(result: LoadResult) -> str:
    """Return the result as a small Markdown table with a header line."""
    lines = [
        f"Bursts on the fake Discord: {result.papers} papers, {result.cores} cores; {result.limiter}.",
        "",
        "| request | N | answered once | failures | p50 ms | p95 ms | p99 ms | max ms | burst wall s | answers/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for burst in (result.mentions, result.finds):
        f = burst.figures()
        lines.append(f"| {burst.kind} | {f['n']} | {f['answered_once']} | {f['failures']} | {f['p50_ms']} | {f['p95_ms']} | "
                     f"{f['p99_ms']} | {f['max_ms']} | {f['wall_s']} | {f['per_s']} |")
    f = result.finds.figures()
    if "ack_p95_ms" in f:
        lines.append(f"\n/find acknowledged (deferred) after: p95 {f['ack_p95_ms']} ms, max {f['ack_max_ms']} ms (Discord allows 3000 ms).")
    return "\n".join(lines)


@contextlib.contextmanager
def _data_dir(path: Path | None) -> Iterator[Path]:
    """Yield the data dir to open: the one given, or a temporary one removed afterwards."""
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="mention-load-data-") as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    """Open the shipped corpus as the bot does, run both bursts, print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=DEFAULT_QUESTIONS, help="requests per burst (default 50)")
    parser.add_argument("--data", type=Path, help="data dir to reuse (its index persists); default: a temporary one")
    parser.add_argument("--queries", type=Path, help="queries file (default bench/queries.jsonl)")
    args = parser.parse_args(argv)
    if args.questions < 1:
        parser.error("--questions must be at least 1")
    # The bot and discord.py log every request at INFO; only problems belong in a benchmark's output.
    logging.basicConfig(level=logging.WARNING)
    from bot.services import open_services

    with _data_dir(args.data) as data, tempfile.TemporaryDirectory(prefix="mention-load-state-") as state_dir:
        start = time.perf_counter()
        services = open_services(DataDir(data), progress=True)
        print(f"index open: {len(services.retriever)} papers in {time.perf_counter() - start:.1f} s ({data})", flush=True)
        try:
            result = asyncio.run(run_load(services.retriever, read_queries(args.queries), args.questions, Path(state_dir)))
        finally:
            services.store.close()
    print(table(result))
    print(json.dumps(result.summary(), sort_keys=True))
    return 0 if result.mentions.each_answered_once and result.finds.each_answered_once else 1


if __name__ == "__main__":
    raise SystemExit(main())
