"""`python -m bot` as a separate process, pointed at the fake Discord through its settings."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.allocator import GLIBC_SETTINGS
from bot.datadir import DataDir
from bot.state import State
from corpus.ingest import open_corpus
from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import running_fake
from tests.sources_fixtures import LoopbackServer, arxiv_feed, hf_item

TOKEN = "MTIz.secret-token-that-must-never-be-logged.abc"
FRESH_TITLE = "Sinkhorn Iterations on a Budget"
FRESH_ABSTRACT = "We make Sinkhorn iterations for optimal transport cheaper by spending a fixed compute budget."


def bot_env(**settings: str) -> dict[str, str]:
    """Return the environment of a bot process: ours minus any real Discord settings and glibc's malloc ones, plus `settings`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCORD_", "PAPERSCOUT_", "RATE_LIMIT_")) and k not in GLIBC_SETTINGS}
    env.update({"HF_HUB_OFFLINE": "1", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"})
    env.update(settings)
    return env


def run_quick(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    # cwd is a fresh directory so no developer's .env leaks into the run.
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=bot_env(**settings),
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    ("setting", "value"),
    [("RATE_LIMIT_COUNT", "lots"), ("DISCORD_DEV_GUILD_ID", "my-guild"), ("LOG_LEVEL", "LOUD")],
)
def test_malformed_setting_stops_start_up_with_one_line(tmp_path: Path, setting: str, value: str) -> None:
    done = run_quick(tmp_path, DISCORD_TOKEN=TOKEN, **{setting: value})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0]
    assert TOKEN not in done.stdout + done.stderr


def test_log_lines_never_carry_the_token(caplog: pytest.LogCaptureFixture) -> None:
    from bot.logging_setup import RedactSecret

    logger = logging.getLogger("paperscout.test-redact")
    logger.addFilter(RedactSecret(TOKEN))
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("connecting with %s", TOKEN)
    assert caplog.messages == ["connecting with [redacted]"]


def test_missing_token_names_the_variable(tmp_path: Path) -> None:
    done = run_quick(tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "paperscout: missing setting DISCORD_TOKEN (set it, or run `paperscout console`)"
    ]


async def test_python_m_bot_serves_the_fake_and_stops_on_sigterm(shipped_data_dir: Path, tmp_path: Path) -> None:
    """The composition root for real: fresh papers from loopback feeds, the trending post, /find, SIGTERM."""
    data_dir = tmp_path / "data"
    shutil.copytree(shipped_data_dir, data_dir)
    log_path = tmp_path / "bot.log"
    feeds = LoopbackServer()
    feeds.set("/api/daily_papers", json.dumps([hf_item("2611.00001", FRESH_TITLE, FRESH_ABSTRACT, upvotes=30)]))
    feeds.set("/api/query", arxiv_feed(), content_type="application/atom+xml")
    async with running_fake(token=TOKEN) as fake:
        assert fake.guild is not None
        papers = next(c.id for c in fake.guild.text_channels if c.name == "papers")
        state = State.open(DataDir(data_dir).state)
        # Due since midnight UTC: the first tick refreshes the feeds, then posts.
        state.servers.set_trending(fake.guild.id, papers, "00:00", "UTC")
        # A subscriber by DM, whose topic the fresh paper matches.
        state.subscriptions.add(None, None, fake.user.id, "faster Sinkhorn iterations for optimal transport")
        state.close()
        with log_path.open("w") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot",
                cwd=tmp_path,
                env=bot_env(
                    DISCORD_TOKEN=TOKEN,
                    DISCORD_API_BASE=fake.api_base,
                    DISCORD_GATEWAY_URL=fake.gateway_url,
                    PAPERSCOUT_DATA_DIR=str(data_dir),
                    HF_DAILY_BASE_URL=feeds.url,
                    ARXIV_BASE_URL=feeds.url,
                    ARXIV_SPACING_SECONDS="0",
                    SCHEDULER_TICK_SECONDS="1",
                ),
                stdout=log, stderr=subprocess.STDOUT,
            )
            try:
                await answer_a_find(fake, proc)
                post = await fake.wait_for_message(papers, lambda m: "PaperScout daily post" in m.content, timeout=240)
                # The fresh paper (the only one with upvotes) tops the post and is searchable.
                assert post.embeds[0]["title"] == f"1. {FRESH_TITLE}"
                dm = fake.dm_channel(fake.user.id)
                sent = await fake.wait_for_message(dm.id, lambda m: bool(m.embeds), timeout=60)
                assert [e["title"] for e in sent.embeds] == [f"1. {FRESH_TITLE}"]
                inter = await fake.send_interaction_command("find", {"query": "cheaper sinkhorn iterations budget"})
                found = await fake.wait_for_response(inter, timeout=60)
                assert found.embeds[0]["title"] == f"1. {FRESH_TITLE}"
                proc.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(proc.wait(), 60)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
                feeds.stop()
    output = log_path.read_text()
    assert code == 0, output
    assert "stopped cleanly" in output
    # Its allocator was bounded before any thread started (bot/allocator.py).
    assert "malloc: at most 2 arenas" in output
    assert TOKEN not in output
    assert (data_dir / "discord-commands.sha256").exists()
    # The /finds were stored in the state database, which was closed cleanly, with the day's post.
    state = State.open(DataDir(data_dir).state)
    try:
        assert [e.kind for e in state.events.read()] == ["search", "search"]
        assert [p.status for p in state.ledger.since(fake.guild.id, "2000-01-01")] == ["sent"]
    finally:
        state.close()
    assert open_corpus(DataDir(data_dir).corpus, readonly=True).find(arxiv_id="2611.00001") is not None


def test_corrupt_state_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    state_file = DataDir(data_dir).state
    state_file.write_bytes(b"not a database" * 100)
    done = run_quick(tmp_path, DISCORD_TOKEN=TOKEN, PAPERSCOUT_DATA_DIR=str(data_dir))
    assert done.returncode == 1
    assert str(state_file) in done.stderr and "untouched" in done.stderr
    assert state_file.read_bytes() == b"not a database" * 100


def _damage(data_dir: Path, what: str) -> Path:
    """Damage one part of a copied data dir; return the path the error must name."""
    if what == "corpus":
        target = DataDir(data_dir).corpus
        open_corpus(target, seed=False).close()  # the last close folds the WAL into the file: damage the whole store
        target.write_text('{"format": 1, "papers": [{"id": ', encoding="utf-8")  # cut off mid-write
    elif what == "vectors":
        target = DataDir(data_dir).vectors
        (target / "chroma.sqlite3").write_bytes(b"this is no SQLite file" * 500)
    else:
        target = data_dir
        shutil.rmtree(data_dir)
        data_dir.write_text("not a directory\n", encoding="utf-8")
    return target


def _snapshot(path: Path) -> dict[str, bytes]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(f): f.read_bytes() for f in files}


@pytest.mark.parametrize("what", ["corpus", "vectors", "data-dir-is-a-file"])
def test_damaged_data_stops_start_up_with_one_line_naming_it(tmp_path: Path, shipped_data_dir: Path, what: str) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(shipped_data_dir, data_dir)
    damaged = _damage(data_dir, what)
    before = _snapshot(damaged)
    done = run_quick(tmp_path, DISCORD_TOKEN=TOKEN, PAPERSCOUT_DATA_DIR=str(data_dir))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and TOKEN not in done.stderr
    errors = [line for line in done.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, done.stderr
    assert str(damaged) in errors[0]
    assert any(hint in errors[0] for hint in ("move it away", "paperscout reindex", "point PAPERSCOUT_DATA_DIR"))
    assert _snapshot(damaged) == before  # nothing was rewritten or repaired behind the operator's back


async def answer_a_find(fake: FakeDiscord, proc: asyncio.subprocess.Process) -> None:
    """Wait for the process to connect and sync, then check it answers /find like the console."""
    commands = await fake.wait_for_commands(None, timeout=240)  # loading the model takes a while
    assert proc.returncode is None
    assert {c["name"] for c in commands} == {
        "find", "paper", "similar", "author", "help", "config", "trending", "subscribe", "subscriptions", "unsubscribe",
        "subscription", "follow", "unfollow", "Find similar papers",
    }
    await fake.wait_ready(timeout=60)
    inter = await fake.send_interaction_command("find", {"query": "implicit differentiation"})
    msg = await fake.wait_for_response(inter, timeout=60)
    assert msg.embeds[0]["title"] == "1. Efficient and Modular Implicit Differentiation"
    assert fake.rejections == []
