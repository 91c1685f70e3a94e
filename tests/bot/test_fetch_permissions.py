"""Who may grow the shared corpus from Discord, the daily quotas, the audit, and the arXiv feed's lock and backoff.

Real parts: SQLite state files, a loopback arXiv server, the real Refresher and PaperFetch.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest

from bot.core.paper_fetch import FetchPolicy, FetchRequest, PaperFetch
from bot.core.replies import TEXT, Reply
from bot.datadir import DataDir
from bot.settings import Settings, SettingsError, get_settings
from bot.state import State
from bot.state.fetch_audit import read_audit
from corpus.ingest import open_corpus
from corpus.sources.refresh import Refresher, SourceConfig
from tests.sources_fixtures import FakeClock, LoopbackServer, arxiv_entry

OWNER, MANAGER, MEMBER = 11, 22, 33
ALLOWED, OTHER = 1001, 2002
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
PAPER = "2611.04242"
FEED = '<feed xmlns="http://www.w3.org/2005/Atom">{}</feed>'.format(
    arxiv_entry(f"http://arxiv.org/abs/{PAPER}v1", "Sinkhorn Meets Sparse Newton",
                "We make Sinkhorn iterations converge far faster with sparse Newton steps on large problems.")
)


def policy(**limits: int) -> FetchPolicy:
    return FetchPolicy(
        per_user_daily=limits.get("per_user", 10), per_server_daily=limits.get("per_server", 30),
        owner_ids=frozenset({OWNER}), admin_guild_ids=frozenset({ALLOWED}),
    )


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


@pytest.fixture
def feed() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    server.set("/api/query", FEED, content_type="application/atom+xml")
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path):
    opened = open_corpus(tmp_path / "corpus.sqlite3", seed=False)
    yield opened
    opened.close()


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    "user, guild, manages, allowed",
    [
        (OWNER, OTHER, False, True),      # an owner, anywhere, without any permission
        (OWNER, None, False, True),       # an owner in a DM
        (MANAGER, ALLOWED, True, True),   # Manage Server in an allow-listed server
        (MANAGER, OTHER, True, False),    # Manage Server in a server anyone can create: the old hole
        (MEMBER, ALLOWED, False, False),  # a plain member of an allow-listed server
        (MANAGER, None, True, False),     # no server, no Manage Server
    ],
)
def test_only_owners_and_managers_of_allow_listed_servers_may_fetch(user, guild, manages, allowed) -> None:
    assert policy().may_fetch(user, guild, manages) is allowed


def test_nobody_may_fetch_unless_the_operator_says_who() -> None:
    empty = FetchPolicy(per_user_daily=10, per_server_daily=30)
    assert not empty.may_fetch(MANAGER, ALLOWED, True)
    assert empty.who_can_add() == "Only my operator can add papers to my corpus."
    assert "Manage Server" in policy().who_can_add() and "\n" not in policy().who_can_add()


def test_the_line_saying_who_can_add_papers_goes_only_to_those_who_cannot(state: State, store) -> None:
    fetch = PaperFetch(Refresher(store, SourceConfig(enabled=False), SourceConfig(base_url="http://127.0.0.1:9")),
                       lambda: None, state.fetch_audit, policy())
    reply = Reply(TEXT, f"arXiv:{PAPER} is not in my corpus yet.", fetchable=PAPER)
    assert fetch.offer(reply, True) == reply
    told = fetch.offer(reply, False)
    assert told.text.splitlines() == [reply.text, policy().who_can_add()] and told.fetchable == PAPER


def test_settings_read_owner_and_server_ids_and_the_quotas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_OWNER_IDS", "123456789012345678, 42")
    monkeypatch.setenv("CORPUS_ADMIN_GUILD_IDS", "[7 8,9]")
    monkeypatch.setenv("FETCH_DAILY_LIMIT_PER_USER", "3")
    settings = Settings(_env_file=None)
    assert settings.owner_ids == {123456789012345678, 42}
    assert settings.corpus_admin_guilds == {7, 8, 9}
    assert settings.fetch_daily_limit_per_user == 3 and settings.fetch_daily_limit_per_server == 30
    defaults = Settings(_env_file=None, bot_owner_ids="", corpus_admin_guild_ids="")
    assert defaults.owner_ids == frozenset() and defaults.corpus_admin_guilds == frozenset()
    monkeypatch.setenv("BOT_OWNER_IDS", "12, @everyone")
    with pytest.raises(SettingsError, match="BOT_OWNER_IDS"):
        get_settings(_env_file=None)


# ---------------------------------------------------------------- quotas and the audit (real SQLite)


def test_quota_per_user_then_per_server_over_the_last_24_hours(state: State) -> None:
    audit = state.fetch_audit

    def reserve(user: int, at: datetime, guild: int | None = ALLOWED):
        return audit.reserve(user, guild, PAPER, at, per_user=2, per_server=3)

    assert reserve(OWNER, NOON).over is None
    assert reserve(OWNER, NOON + timedelta(hours=1)).over is None
    refused = reserve(OWNER, NOON + timedelta(hours=2))
    assert (refused.over, refused.limit, refused.free_at) == ("user", 2, NOON + timedelta(days=1))
    # Refusals are recorded but not counted: the member is not locked out longer for trying.
    assert reserve(MANAGER, NOON + timedelta(hours=3)).over is None
    assert reserve(MANAGER, NOON + timedelta(hours=4)).over == "server"
    # A DM has no server quota; the member's own still holds.
    assert reserve(MANAGER, NOON + timedelta(hours=4), guild=None).over is None
    # 24 hours after the first fetch, one frees up.
    assert reserve(OWNER, NOON + timedelta(days=1, seconds=1)).over is None
    assert audit.count() == 7
    assert [r.outcome for r in audit.recent(7)] == ["pending", "pending", "quota", "pending", "quota", "pending", "pending"]


def test_fetches_that_never_asked_arxiv_do_not_count(state: State) -> None:
    audit = state.fetch_audit
    for outcome in ("backoff", "busy", "busy"):
        audit.finish(audit.reserve(OWNER, ALLOWED, PAPER, NOON, per_user=1, per_server=9).record_id, outcome)
    first = audit.reserve(OWNER, ALLOWED, PAPER, NOON, per_user=1, per_server=9)
    audit.finish(first.record_id, "failed")
    assert first.over is None
    assert audit.reserve(OWNER, ALLOWED, PAPER, NOON, per_user=1, per_server=9).over == "user"


def test_two_processes_clicking_at_once_never_exceed_a_quota(tmp_path: Path) -> None:
    # Two openers of one file (as two bot processes would be), eight clicks at once, three allowed.
    states = [State.open(DataDir(tmp_path).state) for _ in range(2)]
    try:
        start = threading.Barrier(8)
        results: list[str | None] = []

        def click(i: int) -> None:
            start.wait()
            results.append(states[i % 2].fetch_audit.reserve(100 + i, ALLOWED, PAPER, NOON, per_user=5, per_server=3).over)

        threads = [threading.Thread(target=click, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results, key=str) == [None] * 3 + ["server"] * 5
    finally:
        for opened in states:
            opened.close()


def test_the_audit_is_read_read_only_by_stats(state: State, tmp_path: Path) -> None:
    path = DataDir(tmp_path).state
    audit = state.fetch_audit
    audit.finish(audit.reserve(OWNER, None, PAPER, NOON, per_user=5, per_server=5).record_id, "added")
    count, recent = read_audit(path, 5)
    assert count == 1
    assert recent[0].as_json() == {"at": "2026-12-07T12:00:00+00:00", "user_id": OWNER, "guild_id": None,
                                   "arxiv_id": PAPER, "outcome": "added"}
    assert read_audit(tmp_path / "absent.sqlite3") == (0, [])


# ---------------------------------------------------------------- the arXiv feed: backoff, Retry-After, one at a time


def test_a_pasted_fetch_honours_the_feeds_retry_after(store, feed: LoopbackServer) -> None:
    clock = FakeClock()
    refresher = Refresher(store, SourceConfig(enabled=False), SourceConfig(base_url=feed.url, timeout=5, spacing=0),
                          clock=clock, sleep=clock.sleep)
    feed.set("/api/query", "slow down", status=503, content_type="text/plain", headers={"Retry-After": "900"})
    assert refresher.fetch_arxiv_ids([PAPER]).status == "failed"
    feed.set("/api/query", FEED, content_type="application/atom+xml")
    # The old one-shot (`force=True`) asked again at once; the feed said 15 minutes.
    again = refresher.fetch_arxiv_ids([PAPER])
    assert again.status == "backoff" and again.retry_at == pytest.approx(clock.now + 900)
    assert len(feed.requests_to("/api/query")) == 1
    clock.advance(901)
    assert refresher.fetch_arxiv_ids([PAPER]).added and len(feed.requests_to("/api/query")) == 2


def test_one_fetch_at_a_time_per_feed_keeping_its_spacing(store, feed: LoopbackServer) -> None:
    clock = FakeClock()
    in_spacing, release = threading.Event(), threading.Event()

    def sleep(seconds: float) -> None:
        # The second fetch waits out arXiv's 3 s here, holding the feed; the test clicks meanwhile.
        in_spacing.set()
        release.wait(timeout=10)
        clock.sleep(seconds)

    refresher = Refresher(store, SourceConfig(enabled=False), SourceConfig(base_url=feed.url, timeout=5, spacing=3),
                          clock=clock, sleep=sleep)
    assert refresher.fetch_arxiv_ids([PAPER]).status == "ok"
    second: list[object] = []
    worker = threading.Thread(target=lambda: second.append(refresher.fetch_arxiv_ids([PAPER], wait=None)))
    worker.start()
    assert in_spacing.wait(timeout=10)
    try:
        third = refresher.fetch_arxiv_ids([PAPER], wait=0)
        assert third.status == "busy" and len(feed.requests_to("/api/query")) == 1
    finally:
        release.set()
        worker.join(timeout=10)
    assert second[0].status == "ok" and clock.sleeps == [3.0]
    assert len(feed.requests_to("/api/query")) == 2


def test_paper_fetch_refuses_the_member_who_may_not_and_audits_the_rest(state: State, store, feed: LoopbackServer) -> None:
    synced: list[int] = []
    refresher = Refresher(store, SourceConfig(enabled=False), SourceConfig(base_url=feed.url, timeout=5, spacing=0))
    fetch = PaperFetch(refresher, lambda: synced.append(1), state.fetch_audit, policy(per_user=1),
                       clock=lambda: NOON)
    assert fetch.fetch(FetchRequest(PAPER, MANAGER, OTHER, True)) == policy().who_can_add()
    assert feed.requests_to("/api/query") == [] and state.fetch_audit.count() == 0
    assert fetch.fetch(FetchRequest(PAPER, MANAGER, ALLOWED, True)).startswith(f"Added arXiv:{PAPER}")
    refused = fetch.fetch(FetchRequest("2611.05555", MANAGER, ALLOWED, True))
    assert refused == "Daily limit reached: you have fetched 1 paper in the last 24 hours. Try again after 12:00 UTC."
    assert len(feed.requests_to("/api/query")) == 1 and synced == [1]
    assert [(r.user_id, r.guild_id, r.arxiv_id, r.outcome) for r in state.fetch_audit.recent()] == [
        (MANAGER, ALLOWED, "2611.05555", "quota"), (MANAGER, ALLOWED, PAPER, "added"),
    ]
