"""Who may grow the shared corpus, end to end: the real bot on the loopback Discord, a loopback arXiv, `paperscout stats`."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import AsyncIterator

import pytest

from bot.cli import main
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.paper_fetch import FetchPolicy, PaperFetch
from bot.datadir import DataDir
from bot.state import State
from corpus.ingest import open_corpus
from corpus.sources.refresh import Refresher, SourceConfig
from tests.bot.fakes import FakeRetriever, ListSink
from tests.bot.harness import TIMEOUT, replies_to, running_bot
from tests.bot.test_conversation import PAPERS
from tests.fakediscord import FakeDiscord, FakeMessage
from tests.sources_fixtures import LoopbackServer, arxiv_entry

PAPER, OTHER_PAPER = "2611.04242", "2611.05555"


@pytest.fixture
def state(tmp_path: Path):
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


@contextlib.asynccontextmanager
async def fetching_bot(fake: FakeDiscord, state: State, tmp_path: Path, policy: FetchPolicy) -> AsyncIterator[tuple[LoopbackServer, object]]:
    """Run the bot with a Fetch button wired to a loopback arXiv and a corpus store in the data dir."""
    feed = LoopbackServer()
    entry = arxiv_entry(f"http://arxiv.org/abs/{PAPER}v2", "Sinkhorn Meets Sparse Newton",
                        "We make Sinkhorn iterations converge far faster with sparse Newton steps on large problems.")
    feed.set("/api/query", f'<feed xmlns="http://www.w3.org/2005/Atom">{entry}</feed>', content_type="application/atom+xml")
    store = open_corpus(DataDir(tmp_path).corpus, seed=False)
    try:
        refresher = Refresher(store, SourceConfig(enabled=False), SourceConfig(base_url=feed.url, timeout=5, spacing=0))
        handlers = Handlers(LiveIndex(FakeRetriever(PAPERS)), ListSink())
        async with running_bot(fake, handlers, tmp_path, state=state) as run:
            run.client.fetch = PaperFetch(refresher, lambda: None, state.fetch_audit, policy)
            yield feed, store
    finally:
        feed.stop()
        store.close()


async def paste(fake: FakeDiscord, arxiv_id: str, author=None, channel_id: int | None = None) -> FakeMessage:
    channel = channel_id or fake.channel.id
    asked = await fake.send_message(channel, f"https://arxiv.org/abs/{arxiv_id}", mentions=[fake.bot_user], author=author)
    return await fake.wait_for_message(channel, replies_to(asked), timeout=TIMEOUT)


async def click(fake: FakeDiscord, answer: FakeMessage, arxiv_id: str, user=None) -> FakeMessage:
    clicked = await fake.click_button(answer, f"ps:fetch:{arxiv_id}", user=user)
    return await fake.wait_for_response(clicked, timeout=TIMEOUT, predicate=lambda m: bool(m.content))


def stats(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path) -> dict:
    monkeypatch.setenv("PAPERSCOUT_DATA_DIR", str(data_dir))
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


async def test_a_manager_of_a_server_not_allow_listed_gets_no_fetch_button_but_the_line_saying_who_can(
    fake: FakeDiscord, state: State, tmp_path: Path
) -> None:
    policy = FetchPolicy(per_user_daily=10, per_server_daily=30, admin_guild_ids=frozenset({fake.guild.id + 1}))
    async with fetching_bot(fake, state, tmp_path, policy) as (feed, store):
        # The moderator has Manage Server in the fake's guild: enough before, not now.
        for author in (fake.moderator, fake.user):
            answer = await paste(fake, PAPER, author=author)
            lines = answer.content.splitlines()
            assert f"arXiv:{PAPER} is not in my corpus" in lines[0]
            assert lines[-1] == policy.who_can_add() and "Manage Server" in lines[-1]
            assert not [c for c in answer.custom_ids() if c.startswith("ps:fetch:")]
            assert not answer.mention_everyone and not answer.mention_user_ids
        assert feed.requests_to("/api/query") == [] and len(store) == 0 and state.fetch_audit.count() == 0


async def test_an_owner_fetches_then_the_quota_refuses_the_next_in_one_line_and_stats_shows_the_audit(
    fake: FakeDiscord, state: State, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The owner is a plain member of a server nobody allow-listed: being an owner is enough.
    policy = FetchPolicy(per_user_daily=1, per_server_daily=30, owner_ids=frozenset({fake.user.id}))
    async with fetching_bot(fake, state, tmp_path, policy) as (feed, store):
        answer = await paste(fake, PAPER)
        assert policy.who_can_add() not in answer.content
        done = await click(fake, answer, PAPER)
        assert done.ephemeral and done.content == f"Added arXiv:{PAPER} to my corpus: it shows up in searches now."
        assert store.find(arxiv_id=PAPER).title == "Sinkhorn Meets Sparse Newton"

        # Someone else clicking the owner's button is refused: the rule holds on every click.
        other = await click(fake, answer, PAPER, user=fake.moderator)
        assert other.ephemeral and other.content == policy.who_can_add()

        second = await paste(fake, OTHER_PAPER)
        refused = await click(fake, second, OTHER_PAPER)
        assert refused.ephemeral and len(refused.content.splitlines()) == 1
        assert refused.content.startswith("Daily limit reached: you have fetched 1 paper in the last 24 hours.")
        assert len(feed.requests_to("/api/query")) == 1

    fetches = stats(monkeypatch, capsys, tmp_path)["fetches"]
    assert fetches["count"] == 2
    assert [(r["user_id"], r["guild_id"], r["arxiv_id"], r["outcome"]) for r in fetches["recent"]] == [
        (fake.user.id, fake.guild.id, OTHER_PAPER, "quota"), (fake.user.id, fake.guild.id, PAPER, "added"),
    ]
    assert all(r["at"] for r in fetches["recent"])
    monkeypatch.setenv("PAPERSCOUT_DATA_DIR", str(tmp_path))
    assert main(["stats"]) == 0
    assert f"arXiv:{PAPER}  user {fake.user.id} in server {fake.guild.id}: added" in capsys.readouterr().out
