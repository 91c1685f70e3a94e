"""The served index follows the corpus store, whichever process wrote to it."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.core.conversation import Talk
from bot.core.errors import FatalError
from bot.core.fresh_papers import FreshPapers
from bot.core.index_sync import IndexSync
from bot.core.live_index import LiveIndex
from bot.datadir import DataDir
from bot.discord_app.client import PaperScoutBot
from bot.services import build_index, open_services
from bot.state import State
from corpus.sources.refresh import Refresher, SourceConfig
from retrieval.vector_lock import VectorLockBusy
from retrieval.vectors import VectorStoreError
from tests.bot.fakes import FakeRetriever
from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import pointed_at
from tests.sources_fixtures import LoopbackServer, hf_item
from tests.test_corpus_processes import command, env_for, jsonl

HF_PATH = "/api/daily_papers"


class Revisions:
    """A store revision the test moves by hand."""

    def __init__(self) -> None:
        self.value = 1

    def __call__(self) -> int:
        return self.value


def test_nothing_is_rebuilt_while_the_revision_stands() -> None:
    rebuilt: list[int] = []
    revision = Revisions()
    live = LiveIndex(FakeRetriever())
    sync = IndexSync(live, revision, lambda: (rebuilt.append(1) or FakeRetriever(), revision.value), served_revision=1)
    assert sync.sync() is False and rebuilt == []
    revision.value = 2
    assert sync.sync() is True and rebuilt == [1] and live.generation == 1
    assert sync.sync() is False and rebuilt == [1]


def test_a_busy_vector_store_is_left_to_the_next_tick() -> None:
    revision, busy = Revisions(), [True]

    def rebuild():
        if busy[0]:
            raise VectorLockBusy("another process is writing the vectors")
        return FakeRetriever(), revision.value

    live = LiveIndex(FakeRetriever())
    sync = IndexSync(live, revision, rebuild, served_revision=0)
    assert sync.sync() is False and live.generation == 0
    busy[0] = False
    assert sync.sync() is True and sync.served_revision == 1


def test_a_damaged_vector_store_is_fatal() -> None:
    def rebuild():
        raise VectorStoreError("cannot read the vector store at /x/vectors (...); run `paperscout reindex`")

    sync = IndexSync(LiveIndex(FakeRetriever()), Revisions(), rebuild, served_revision=0)
    with pytest.raises(FatalError, match="paperscout reindex"):
        sync.sync()


def test_the_bots_refresh_and_a_cli_ingest_interleaved_both_survive_and_are_served(
    tmp_path: Path, shipped_data_dir: Path, encoder
) -> None:
    root = tmp_path / "data"
    shutil.copytree(shipped_data_dir, root)
    data_dir = DataDir(root)
    services = open_services(data_dir, encoder=encoder)
    live = LiveIndex(services.retriever)

    def rebuild():
        retriever, _, revision = build_index(data_dir, services.store, encoder, lock_wait=0)
        return retriever, revision

    sync = IndexSync(live, services.store.revision, rebuild, services.revision)
    feeds = LoopbackServer()
    try:
        feeds.set(HF_PATH, json.dumps([hf_item("2611.00042", "Budgeted Sinkhorn for Streaming Transport", "We bound the cost of Sinkhorn iterations on streams of measures.")]))
        off = SourceConfig(enabled=False)
        fresh = FreshPapers(Refresher(services.store, SourceConfig(base_url=feeds.url, timeout=5, spacing=0), off), sync.sync)
        # The CLI ingest (another process) and the bot's refresh run at the same time.
        cli = subprocess.Popen(
            command("ingest", str(jsonl(tmp_path / "cli.jsonl", 0, 20))), cwd=tmp_path, env=env_for(root),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        outcome = fresh.refresh("2026-11-23")
        out, err = cli.communicate(timeout=600)
    finally:
        feeds.stop()
    assert cli.returncode == 0, err
    assert len(outcome.added) == 1 and "added 20" in out
    sync.sync()  # the next scheduler tick
    served = {paper.title for paper in live.current.papers}
    assert "Budgeted Sinkhorn for Streaming Transport" in served
    assert {f"Sparse Graph Method Number {n}" for n in range(20)} <= served
    assert len(live.current) == len(services.store) == 440 + 20 + 1
    top = live.current.search("method 13 handles sparse graphs", 1).hits[0]
    assert top.paper.title == "Sparse Graph Method Number 13"


async def test_a_fatal_error_in_the_scheduler_stops_the_bot_with_one_line(
    fake: FakeDiscord, handlers, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        async def run(self, stop: asyncio.Event) -> None:
            raise FatalError("cannot read the vector store at /data/vectors (InternalError: x); run `paperscout reindex`")

    state = State.open(DataDir(tmp_path).state)
    talk = Talk(handlers.index, state.conversations, handlers.sink)
    bot = PaperScoutBot(handlers, talk, command_hash_file=DataDir(tmp_path).command_hash, guild_ready_timeout=0.05)
    bot.scheduler = Broken()  # type: ignore[assignment]
    with caplog.at_level(logging.ERROR), pointed_at(fake):
        # start() returns once the bot closed itself.
        await asyncio.wait_for(bot.start("fake-token"), timeout=20)
    state.close()
    assert bot.is_closed() and isinstance(bot.fatal_error, FatalError)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [str(bot.fatal_error)] and errors[0].exc_info is None
