"""State: schema and migrations, persistence, per-server deletion, pruning, transactions, bad files."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core import engagement as events
from bot.core.engagement import EngagementEvent
from bot.datadir import DataDir
from bot.state import SqliteEventSink, State, StateError, utc_iso
from bot.state.migrations import SCHEMA_VERSION
from bot.state.server_settings import DEFAULT_POST_SIZE, GuildSettings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def event(guild_id: int | None, at: datetime = NOW, kind: str = events.SEARCH, user_id: int = 7) -> EngagementEvent:
    """Build an event at a given time."""
    return EngagementEvent(kind, user_id, guild_id, ("p-a", "p-b"), "sinkhorn", at=utc_iso(at))


@pytest.fixture
def store(tmp_path: Path):
    """A fresh store in a temporary data dir."""
    state = State.open(DataDir(tmp_path).state)
    yield state
    state.close()


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_schema_created_in_wal_mode(tmp_path: Path) -> None:
    store = State.open(DataDir(tmp_path / "data").state)
    path = DataDir(tmp_path / "data").state
    assert store.db.schema_version == SCHEMA_VERSION >= 1
    store.close()
    assert {"guild_settings", "post_ledger", "events", "subscriptions"} <= tables(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_migrates_an_existing_empty_file(tmp_path: Path) -> None:
    path = DataDir(tmp_path).state
    path.write_bytes(b"")  # e.g. touched by an operator, or created by an old version that crashed
    store = State.open(path)
    assert store.db.schema_version == SCHEMA_VERSION
    assert store.servers.get(1) is None
    store.close()


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    store = State.open(DataDir(tmp_path).state)
    store.servers.set_trending(1, 10, "09:00", "Europe/Paris")
    store.events.add(event(1))
    sub = store.subscriptions.add(None, None, 7, "optimal transport")
    store.ledger.record_intent(1, "2026-03-01", 10, "nonce-1", ["p-a"])
    store.close()

    again = State.open(DataDir(tmp_path).state)
    settings = again.servers.get(1)
    assert settings is not None and (settings.channel_id, settings.post_time, settings.timezone, settings.enabled) == (
        10, "09:00", "Europe/Paris", True,
    )
    assert [e.paper_ids for e in again.events.read(1)] == [("p-a", "p-b")]
    assert again.subscriptions.list(user_id=7) == [sub]
    post = again.ledger.get(1, "2026-03-01")
    assert post is not None and post.status == "pending" and post.paper_ids == ("p-a",)
    assert again.db.schema_version == SCHEMA_VERSION
    again.close()


def test_settings_set_off_and_set_again(store: State) -> None:
    store.servers.set_trending(1, 10, "09:00", "UTC")
    assert store.servers.disable_trending(1) is True
    assert store.servers.disable_trending(1) is False
    off = store.servers.get(1)
    assert off is not None and not off.enabled and off.channel_id == 10  # remembered for /config show
    assert store.servers.enabled() == []
    store.servers.set_trending(1, 11, "18:30", "Asia/Tokyo")
    assert [(s.guild_id, s.channel_id, s.post_time) for s in store.servers.enabled()] == [(1, 11, "18:30")]


def test_ledger_one_entry_per_server_and_day(store: State) -> None:
    store.ledger.record_intent(1, "2026-03-01", 10, "n1", ["p-a", "p-b"])
    with pytest.raises(sqlite3.IntegrityError):
        store.ledger.record_intent(1, "2026-03-01", 10, "n2", ["p-c"])
    store.ledger.mark(1, "2026-03-01", "sent", message_id=555)
    post = store.ledger.get(1, "2026-03-01")
    assert post is not None and (post.status, post.message_id, post.nonce) == ("sent", 555, "n1")
    store.ledger.record_intent(1, "2026-03-02", 10, "n3", ["p-c"])
    assert [p.local_date for p in store.ledger.since(1, "2026-03-02")] == ["2026-03-02"]


def test_subscription_crud(store: State) -> None:
    channel_sub = store.subscriptions.add(1, 10, 7, "diffusion")
    dm_sub = store.subscriptions.add(None, None, 7, "optimal transport")
    assert store.subscriptions.list(guild_id=1) == [channel_sub]
    assert store.subscriptions.list(user_id=7) == [channel_sub, dm_sub]
    assert store.subscriptions.set_paused(dm_sub.id, True)
    assert store.subscriptions.list(user_id=7)[1].paused
    assert store.subscriptions.get(channel_sub.id) == channel_sub and store.subscriptions.get(dm_sub.id + 99) is None
    assert store.subscriptions.remove(channel_sub.id) and not store.subscriptions.remove(channel_sub.id)
    assert [s.id for s in store.subscriptions.list()] == [dm_sub.id]


def test_delete_guild_removes_only_that_guilds_rows(store: State) -> None:
    for gid in (1, 2):
        store.servers.set_trending(gid, gid * 10, "09:00", "UTC")
        store.events.add(event(gid))
        store.subscriptions.add(gid, gid * 10, 7, "topic")
        store.ledger.record_intent(gid, "2026-03-01", gid * 10, f"n{gid}", ["p-a"])
        store.ledger.mark(gid, "2026-03-01", "sent", message_id=gid * 100)
        store.ledger.record_vote(gid, gid * 100, "p-a", 7, NOW)
        store.ledger.add_reaction(gid, gid * 100, 7, "\N{FIRE}", NOW)
        store.subscriptions.record_deliveries(store.subscriptions.list(guild_id=gid)[0].id, ["p-a"], NOW)
    dm = store.subscriptions.add(None, None, 7, "dm topic")
    store.subscriptions.record_deliveries(dm.id, ["p-a"], NOW)
    store.events.add(event(None))  # a DM event belongs to no server
    guild_1_sub = store.subscriptions.list(guild_id=1)[0].id

    store.guilds.delete(1)

    assert store.servers.get(1) is None and store.servers.get(2) is not None
    assert store.events.read(1) == [] and len(store.events.read(2)) == 1
    assert {e.guild_id for e in store.events.read()} == {2, None}
    assert [s.guild_id for s in store.subscriptions.list()] == [2, None] and dm in store.subscriptions.list()
    assert store.ledger.get(1, "2026-03-01") is None and store.ledger.get(2, "2026-03-01") is not None
    since = NOW - timedelta(days=1)
    assert store.ledger.vote_counts(1, since) == {} and store.ledger.vote_counts(2, since) == {"p-a": 1}
    assert store.ledger.reaction_counts(1, since) == {} and store.ledger.reaction_counts(2, since) == {"p-a": 1}
    assert store.subscriptions.delivered(guild_1_sub) == set() and store.subscriptions.delivered(dm.id) == {"p-a"}


def test_old_schema_file_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    from bot.state.migrations import MIGRATIONS

    path = DataDir(tmp_path).state
    with sqlite3.connect(path) as conn:  # a version-1 file, as the first release wrote it
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO post_ledger VALUES (1, '2026-03-01', 10, 55, 'n', 'sent', '[\"p-a\"]', '2026-03-01T09:00:00+00:00')"
        )
    store = State.open(path)
    post = store.ledger.get(1, "2026-03-01")
    assert store.db.schema_version == SCHEMA_VERSION
    assert post is not None and post.mode == "trending" and post.paper_ids == ("p-a",)
    assert store.ledger.for_message(55) == post
    store.close()


def test_votes_count_once_per_user_paper_and_post(store: State) -> None:
    assert store.ledger.record_vote(1, 100, "p-a", 7, NOW)
    assert not store.ledger.record_vote(1, 100, "p-a", 7, NOW + timedelta(minutes=1))
    assert store.ledger.record_vote(1, 100, "p-a", 8, NOW)
    assert store.ledger.record_vote(1, 101, "p-a", 7, NOW)  # another day's post
    assert store.ledger.record_vote(1, 100, "p-b", 7, NOW - timedelta(days=10))
    assert store.ledger.vote_counts(1, NOW - timedelta(days=7)) == {"p-a": 3}
    assert store.ledger.vote_counts(2, NOW - timedelta(days=7)) == {}


def test_reactions_count_for_each_paper_of_the_post_and_can_be_taken_back(store: State) -> None:
    store.ledger.record_intent(1, "2026-03-01", 10, "n1", ["p-a", "p-b"])
    store.ledger.mark(1, "2026-03-01", "sent", message_id=100)
    since = NOW - timedelta(days=7)
    assert store.ledger.add_reaction(1, 100, 7, "\N{FIRE}", NOW)
    assert not store.ledger.add_reaction(1, 100, 7, "\N{FIRE}", NOW)
    assert store.ledger.add_reaction(1, 100, 8, "\N{THUMBS UP SIGN}", NOW)
    store.ledger.add_reaction(1, 999, 7, "\N{FIRE}", NOW)  # not a post of ours: never counted
    assert store.ledger.reaction_counts(1, since) == {"p-a": 2, "p-b": 2}
    assert store.ledger.remove_reaction(100, 7, "\N{FIRE}") and not store.ledger.remove_reaction(100, 7, "\N{FIRE}")
    assert store.ledger.reaction_counts(1, since) == {"p-a": 1, "p-b": 1}


def test_deliveries_and_meta(store: State) -> None:
    sub = store.subscriptions.add(None, None, 7, "optimal transport")
    store.subscriptions.record_deliveries(sub.id, ["p-a", "p-b"], NOW)
    store.subscriptions.record_deliveries(sub.id, ["p-b", "p-c"], NOW)
    assert store.subscriptions.delivered(sub.id) == {"p-a", "p-b", "p-c"}
    store.subscriptions.remove(sub.id)
    assert store.subscriptions.delivered(sub.id) == set()
    assert store.meta.get("refresh_day") is None
    store.meta.set("refresh_day", "2026-03-01")
    store.meta.set("refresh_day", "2026-03-02")
    assert store.meta.get("refresh_day") == "2026-03-02"


def test_prune_drops_events_older_than_90_days(store: State) -> None:
    store.events.add_many([
        event(1, NOW - timedelta(days=91)),
        event(1, NOW - timedelta(days=90, seconds=1)),
        event(1, NOW - timedelta(days=89)),
        event(2, NOW),
    ])
    assert store.prune(NOW) == 2
    assert [e.ts for e in store.events.read()] == [utc_iso(NOW - timedelta(days=89)), utc_iso(NOW)]
    assert [e.guild_id for e in store.events.read(since=NOW - timedelta(days=1))] == [2]


def test_event_times_are_normalized_to_utc(store: State) -> None:
    paris = timezone(timedelta(hours=1))
    store.events.add(EngagementEvent(events.PAPER, 7, 1, ("p-a",), None, at="2026-03-01T13:00:00+01:00"))
    store.events.add(event(1, datetime(2026, 3, 1, 12, 30, tzinfo=paris)))
    assert [e.ts for e in store.events.read(1)] == ["2026-03-01T11:30:00+00:00", "2026-03-01T12:00:00+00:00"]


def test_a_failing_multi_row_write_leaves_nothing(store: State) -> None:
    good = event(1)
    bad = EngagementEvent(None, 7, 1, ("p-a",), None, at=utc_iso(NOW))  # type: ignore[arg-type]  # kind is NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        store.events.add_many([good, good, bad])
    assert store.events.read() == []
    store.events.add_many([good])  # the store is usable afterwards
    assert len(store.events.read()) == 1


def test_corrupt_file_gives_a_clear_error_and_is_kept(tmp_path: Path) -> None:
    path = DataDir(tmp_path).state
    garbage = b"this is not a database, it is someone's notes\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(StateError) as caught:
        State.open(DataDir(tmp_path).state)
    message = str(caught.value)
    assert str(path) in message and "untouched" in message
    assert path.read_bytes() == garbage  # never recreated over the user's file


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = DataDir(tmp_path).state
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StateError, match="newer"):
        State.open(path)


def test_state_path_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    (DataDir(tmp_path).state).mkdir()
    with pytest.raises(StateError, match=DataDir(tmp_path).state.name):
        State.open(DataDir(tmp_path).state)


def test_sqlite_sink_persists_and_never_raises(store: State, caplog: pytest.LogCaptureFixture) -> None:
    sink = SqliteEventSink(store.events)
    sink.record(event(1, kind=events.DETAILS))
    assert [(e.kind, e.guild_id, e.query) for e in store.events.read()] == [(events.DETAILS, 1, "sinkhorn")]
    store.close()
    sink.record(event(1))  # closed store: logged, not raised into the handler
    assert "could not store" in caplog.text
    sink.close()


def test_version_3_file_gains_the_preferences_keeping_its_settings(tmp_path: Path) -> None:
    from bot.state.migrations import MIGRATIONS

    path = DataDir(tmp_path).state
    with sqlite3.connect(path) as conn:  # a file from before the preferences
        for migration in MIGRATIONS[:3]:
            for statement in migration:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 3")
        conn.execute("INSERT INTO guild_settings VALUES (1, 10, '09:00', 'Europe/Paris', 1, '2026-03-01T09:00:00+00:00')")
    store = State.open(path)
    assert store.db.schema_version == SCHEMA_VERSION
    settings = store.servers.get(1)
    assert settings == GuildSettings(
        1, 10, "09:00", "Europe/Paris", True, "2026-03-01T09:00:00+00:00", DEFAULT_POST_SIZE, False, None
    )
    assert store.servers.enabled() == [settings]
    store.close()

