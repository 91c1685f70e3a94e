"""The bot's own memory: the real `python -m bot` process under steady traffic on the loopback Discord.

    python -m bench.bot_memory [--minutes M] [--data DIR] [--env NAME=VALUE ...]

The project's fake Discord (tests/fakediscord) runs in this process; the bot runs as a separate
`python -m bot` process pointed at it (DISCORD_API_BASE, DISCORD_GATEWAY_URL, a token), so the
resident memory read from /proc/PID/status is the bot's alone. Without `--data` a temporary data dir
is built with the shipped corpus (by `paperscout reindex` in a process of its own, so the bot starts
as it restarts in production: nothing to embed). With `--data DIR` that dir's corpus and index are
used through symbolic links from a temporary dir, which holds the bot's own state (conversations,
events, the command hash): the dir collects no benchmark traffic. Set PAPERSCOUT_EMBED_WINDOWS as
the dir was built, or the bot re-embeds it. The feeds are off (HF_DAILY_ENABLED, ARXIV_ENABLED), and
glibc's malloc variables are not passed on (bot/allocator.py); `--env` adds any setting.

Once the bot has synced its commands and is connected, it is left idle for IDLE_S, then gets
steady traffic for M minutes: every 2 s, 5 /find commands and one mention question
("@PaperScout is there work on {query}?"), queries from bench/queries.jsonl, each from one of
USERS users in turn (so the default rate limit of 5 per 30 s never refuses one). Requests are
sent on the clock, whether or not earlier ones were answered. VmRSS is sampled every SAMPLE_S.

Figures (MB = 10^6 bytes): idle (the last sample before traffic), after 2 min of traffic (the
first sample at or past 120 s), max, end (the last sample), VmHWM (the kernel's peak), and the
drift: (max - min) / min of the samples from the later of 2 min and a third of the run to the
end, in percent. "Flat within 10%" means drift <= 10. Every request must be answered exactly
once, and neither by an apology nor by a rate-limit refusal; how long answers took (p50, p95) is
reported beside, loosely: the fake and the traffic share the machine with the bot.
Prints a table, then one line of JSON last (with every sample as [t_s, MB]).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Iterator, Mapping

from bench.corpus_file import read_queries
from bench.measure import own_code, percentile_ms
from bench.mention_load import RATE_LIMITED, as_question, pick_queries
from bot.allocator import GLIBC_SETTINGS
from bot.core.errors import APOLOGY
from tests.fakediscord import FakeDiscord, FakeInteraction, FakeMessage, FakeUser
from tests.fakediscord.pytest_helpers import running_fake

TOKEN = "bench.bot-memory.token"
TICK_S = 2.0
FINDS_PER_TICK = 5
MENTIONS_PER_TICK = 1
SAMPLE_S = 5.0
IDLE_S = 20.0
USERS = 60
AFTER_S = 120.0
ANSWER_TIMEOUT_S = 120.0
# Connecting waits for the index to open: seconds on the shipped corpus, a minute or more at 87k.
START_TIMEOUT_S = 900.0
# What a given data dir lends the bot (the rest, its state, stays in the temporary dir).
INDEX_FILES = ("corpus.sqlite3", "corpus.json", "bm25.npz", "vectors", "vectors.npz", "vectors.segment.npz", "vectors.check.json", "vectors.lock")
MB = 1_000_000


def read_memory(pid: int) -> dict[str, int]:
    """Return VmRSS, VmHWM, RssAnon and RssFile of a process, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) * 1024
    return out


@dataclass(frozen=True)
class Sample:
    """One reading of the bot's memory; t_s counts from the start of the traffic (negative before)."""

    t_s: float
    rss: int
    anon: int


def summarize(samples: list[Sample], minutes: float) -> dict:
    """Return idle, after-2-min, max, end and drift (see the module docstring) of the samples."""
    idle = [s for s in samples if s.t_s < 0]
    busy = [s for s in samples if s.t_s >= 0]
    after = next((s for s in busy if s.t_s >= AFTER_S), None)
    window_start = max(AFTER_S, minutes * 60 / 3)
    window = [s.rss for s in busy if s.t_s >= window_start] or [s.rss for s in busy]

    def mb(value: int | None) -> float | None:
        return None if value is None else round(value / MB, 1)

    return {
        "idle_mb": mb(idle[-1].rss if idle else None),
        "idle_anon_mb": mb(idle[-1].anon if idle else None),
        "after_2min_mb": mb(after.rss if after else None),
        "max_mb": mb(max((s.rss for s in busy), default=None)),
        "end_mb": mb(busy[-1].rss if busy else None),
        "end_anon_mb": mb(busy[-1].anon if busy else None),
        "drift_from_s": round(window_start),
        "drift_pct": round((max(window) - min(window)) / min(window) * 100, 1) if window else None,
    }


@dataclass
class Traffic:
    """The requests sent and what answered them."""

    fake: FakeDiscord
    timeout: float = ANSWER_TIMEOUT_S
    finds: list[FakeInteraction] = field(default_factory=list)
    mentions: list[FakeMessage] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Seconds from just before each request was sent to its answer, per kind.
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"find": [], "mention": []})
    late: int = 0
    _seen: int = 0
    _replies: dict[int, list[FakeMessage]] = field(default_factory=dict)

    def replies_to(self, message_id: int) -> list[FakeMessage]:
        """Return the bot's replies to a message, taking in the channel's new messages once for every waiter."""
        channel = self.fake.messages[self.fake.channel.id]
        for msg in channel[self._seen :]:
            ref = msg.message_reference
            if ref is not None and not msg.deleted:
                self._replies.setdefault(int(ref["message_id"]), []).append(msg)
        self._seen = len(channel)
        return self._replies.get(message_id, [])

    def send(self, kind: str, query: str, user: FakeUser) -> None:
        """Send one request without waiting for its answer (its waiter counts it late if none comes)."""
        self.tasks.append(asyncio.create_task(self._find(query, user) if kind == "find" else self._mention(query, user)))

    async def _find(self, query: str, user: FakeUser) -> None:
        start = time.perf_counter()
        inter = await self.fake.send_interaction_command("find", {"query": query}, user=user)
        self.finds.append(inter)
        await self._answer("find", start, lambda: self.fake.wait_for_response(inter, timeout=self.timeout))

    async def _mention(self, query: str, user: FakeUser) -> None:
        fake, start = self.fake, time.perf_counter()
        msg = await fake.send_message(fake.channel.id, f"{fake.bot_user.mention} {as_question(query)}", author=user, mentions=[fake.bot_user])
        self.mentions.append(msg)
        await self._answer("mention", start, lambda: fake.wait_for(lambda: self.replies_to(msg.id) or None, timeout=self.timeout))

    async def _answer(self, kind: str, start: float, wait: Callable[[], Awaitable[object]]) -> None:
        try:
            await wait()
        except (TimeoutError, asyncio.TimeoutError):
            self.late += 1
        else:
            self.latencies[kind].append(time.perf_counter() - start)

    def counts(self) -> dict:
        """Return sent, answered exactly once, and failed (an apology or a refusal) per kind."""
        find_answers = [[m for i in dict.fromkeys(x.visible_ids) if (m := self.fake.get_message(i)) is not None] for x in self.finds]
        mention_answers = [self.replies_to(m.id) for m in self.mentions]

        def failed(msgs: list[FakeMessage]) -> bool:
            return any(m.content.startswith((APOLOGY, RATE_LIMITED)) for m in msgs)

        return {
            "finds_sent": len(self.finds), "finds_answered_once": sum(len(a) == 1 for a in find_answers),
            "mentions_sent": len(self.mentions), "mentions_answered_once": sum(len(a) == 1 for a in mention_answers),
            "failed": sum(failed(a) for a in find_answers + mention_answers), "late": self.late,
            **{f"{kind}_{q}_ms": round(percentile_ms(self.latencies[kind], q), 1) for kind in ("find", "mention") for q in (50, 95)},
        }


def bot_env(data_dir: Path, fake: FakeDiscord, extra: Mapping[str, str]) -> dict[str, str]:
    """Return the bot's environment: ours minus Discord, data-dir, rate and glibc malloc settings, plus the fake and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "RATE_LIMIT_"))
           and k not in ("PAPERSCOUT_DATA_DIR", "LOG_LEVEL", "CHROMA_HOST", "CHROMA_PORT", *GLIBC_SETTINGS)}
    env |= {
        "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url,
        "PAPERSCOUT_DATA_DIR": str(data_dir), "HF_DAILY_ENABLED": "false", "ARXIV_ENABLED": "false",
        "HF_HUB_OFFLINE": "1", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
    }
    return own_code(env) | dict(extra)



def _reindex(data_dir: Path, cwd: Path) -> None:
    """Build or bring up to date the corpus and index of a data dir, in a process of its own."""
    env = own_code({k: v for k, v in os.environ.items() if k != "PAPERSCOUT_DATA_DIR"} | {"PAPERSCOUT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"})
    code = "import sys; from bot.cli import main; sys.exit(main(['reindex']))"
    subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, check=True, capture_output=True, text=True)


@contextlib.contextmanager
def bot_data_dir(data_dir: Path | None, work: Path) -> Iterator[Path]:
    """Yield the data dir the bot runs on: a fresh one with the shipped corpus, or links to `data_dir`'s index."""
    bot_dir = work / "data"
    bot_dir.mkdir()
    if data_dir is None:
        _reindex(bot_dir, work)
    else:
        data_dir = data_dir.resolve()
        if not (data_dir / "vectors").exists():
            _reindex(data_dir, work)
        for name in INDEX_FILES:
            if (data_dir / name).exists():
                (bot_dir / name).symlink_to(data_dir / name)
    yield bot_dir


def sample(pid: int, t_s: float) -> Sample:
    """Return the process's memory now, as a Sample at t_s."""
    mem = read_memory(pid)
    return Sample(round(t_s, 1), mem["VmRSS"], mem.get("RssAnon", 0))


async def _sample_every(pid: int, start: float, samples: list[Sample], every: float) -> None:
    while True:
        await asyncio.sleep(every)
        samples.append(sample(pid, time.monotonic() - start))


async def _drive(traffic: Traffic, proc: asyncio.subprocess.Process, users: list[FakeUser], minutes: float) -> float:
    """Send the steady traffic for `minutes` on the clock; return the seconds it took."""
    start = time.monotonic()
    picked = pick_queries(read_queries(None), int(minutes * 60 / TICK_S + 1) * (FINDS_PER_TICK + MENTIONS_PER_TICK))
    sent = tick = 0
    while time.monotonic() - start < minutes * 60:
        for kind in ("find",) * FINDS_PER_TICK + ("mention",) * MENTIONS_PER_TICK:
            traffic.send(kind, picked[sent], users[sent % USERS])
            sent += 1
        tick += 1
        if proc.returncode is not None:
            raise RuntimeError(f"the bot exited with {proc.returncode}")
        await asyncio.sleep(max(0.0, start + tick * TICK_S - time.monotonic()))
    return time.monotonic() - start


async def _measure(data_dir: Path, work: Path, minutes: float, say: Callable[[str], object], extra: Mapping[str, str],
                   sample_s: float, idle_s: float) -> dict:
    log_path = work / "bot.log"
    async with running_fake(token=TOKEN) as fake:
        users = [fake.create_user(f"reader{i}") for i in range(USERS)]
        for user in users:
            fake.add_member(fake.guild.id, user)
        with log_path.open("w") as log:
            proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=work, env=bot_env(data_dir, fake, extra),
                                                        stdout=log, stderr=subprocess.STDOUT)
        started = time.monotonic()
        traffic = Traffic(fake)
        sampler = None
        try:
            await fake.wait_for_commands(None, timeout=START_TIMEOUT_S)
            await fake.wait_ready(timeout=60)
            say(f"bot pid {proc.pid} connected after {time.monotonic() - started:.1f} s; idle for {idle_s:g} s")
            await asyncio.sleep(idle_s)
            samples = [sample(proc.pid, -1.0)]  # idle: just before the traffic
            traffic_start = time.monotonic()
            sampler = asyncio.create_task(_sample_every(proc.pid, traffic_start, samples, sample_s))
            traffic_s = await _drive(traffic, proc, users, minutes)
            await asyncio.gather(*traffic.tasks)
            await asyncio.sleep(1.0)  # a second answer to any request would arrive now
            samples.append(sample(proc.pid, time.monotonic() - traffic_start))
            hwm = read_memory(proc.pid)["VmHWM"]
        finally:
            if sampler is not None:
                sampler.cancel()
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(proc.wait(), 60)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            await asyncio.gather(*traffic.tasks, *([sampler] if sampler else []), return_exceptions=True)
    papers = re.search(r"(\d+) papers ready", log_path.read_text(errors="replace"))
    return {
        "papers": int(papers.group(1)) if papers else None, "minutes": round(traffic_s / 60, 2), "cores": os.cpu_count(),
        "bot_exit": proc.returncode, "env": dict(extra), "hwm_mb": round(hwm / MB, 1),
        **summarize(samples, minutes), **traffic.counts(),
        "samples": [[s.t_s, round(s.rss / MB, 1)] for s in samples],
    }


def measure_bot_memory(data_dir: Path | None, minutes: float, say: Callable[[str], object] = print, *,
                       env: Mapping[str, str] | None = None, sample_s: float = SAMPLE_S, idle_s: float = IDLE_S) -> dict:
    """Run `python -m bot` on the fake Discord under steady traffic for `minutes`; return its memory figures.

    `data_dir` None: a temporary data dir with the shipped corpus; else that dir's corpus and index
    (the bot's state in a temporary dir). `env` adds settings to the bot's environment. The result
    holds the figures of the module docstring, the request counts, and every sample as [t_s, MB].
    """
    with tempfile.TemporaryDirectory(prefix="bot-memory-") as tmp:
        work = Path(tmp)
        say("preparing the data dir..." if data_dir is None else f"using the index of {data_dir}")
        with bot_data_dir(data_dir, work) as bot_dir:
            try:
                return asyncio.run(_measure(bot_dir, work, minutes, say, env or {}, sample_s, idle_s))
            except BaseException:
                say("the bot's log ends:\n" + "\n".join((work / "bot.log").read_text(errors="replace").splitlines()[-30:]))
                raise


def answered_all(result: dict) -> bool:
    """Return whether every request was answered exactly once, with results, and the bot stopped cleanly."""
    return (result["finds_answered_once"] == result["finds_sent"] and result["mentions_answered_once"] == result["mentions_sent"]
            and result["failed"] == 0 and result["late"] == 0 and result["bot_exit"] == 0)


def table(result: dict) -> str:
    """Return the figures as a small Markdown table with a header line."""
    env = " ".join(f"{k}={v}" for k, v in result["env"].items()) or "none"
    return "\n".join([
        f"The bot process under steady traffic: {result['papers']} papers, {result['cores']} cores, {result['minutes']} min "
        f"of {FINDS_PER_TICK} /find + {MENTIONS_PER_TICK} mention every {TICK_S:g} s; extra settings: {env}.",
        "",
        "| idle MB | after 2 min MB | max MB | end MB | VmHWM MB | drift % (from s) | /find answered | mentions answered | failed | late |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {result['idle_mb']} | {result['after_2min_mb']} | {result['max_mb']} | {result['end_mb']} | {result['hwm_mb']} | "
        f"{result['drift_pct']} ({result['drift_from_s']}) | {result['finds_answered_once']}/{result['finds_sent']} | "
        f"{result['mentions_answered_once']}/{result['mentions_sent']} | {result['failed']} | {result['late']} |",
        "",
        f"Anonymous memory: idle {result['idle_anon_mb']} MB, end {result['end_anon_mb']} MB. Answered after (p50 / p95): "
        f"/find {result['find_50_ms']} / {result['find_95_ms']} ms, mention {result['mention_50_ms']} / {result['mention_95_ms']} ms.",
    ])


def main(argv: list[str] | None = None) -> int:
    """Measure the bot process's memory, print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of traffic (default 10)")
    parser.add_argument("--data", type=Path, help="data dir whose corpus and index to use; default: the shipped corpus")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="a setting for the bot process (repeatable)")
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    extra = dict(item.split("=", 1) for item in args.env)
    result = measure_bot_memory(args.data, args.minutes, lambda text: print(text, file=sys.stderr, flush=True), env=extra)
    print(table(result))
    print(json.dumps(result, sort_keys=True))
    return 0 if answered_all(result) else 1


if __name__ == "__main__":
    raise SystemExit(main())
