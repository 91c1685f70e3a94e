"""State: a server's preferences in SQLite (post size, /find privacy, mention channels), atomic and lasting."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.datadir import DataDir
from bot.state import State
from bot.state.guilds import ForgottenChannel
from bot.state.server_settings import DEFAULT_POST_SIZE, MAX_POST_SIZE, MIN_POST_SIZE, GuildSettings, unset


def test_preferences_default_and_do_not_turn_trending_on(store: State) -> None:
    store.servers.set_trending(1, 10, "09:00", "UTC")
    configured = store.servers.get(1)
    assert configured is not None
    assert (configured.post_size, configured.private_results, configured.mention_channels) == (DEFAULT_POST_SIZE, False, None)
    assert unset(2) == GuildSettings(2, None, None, None, False, "")

    # A server that only sets a preference gets a row, with trending still off.
    assert store.servers.set_private_results(2, True).private_results
    saved = store.servers.set_post_size(2, 8)
    assert (saved.post_size, saved.private_results, saved.enabled, saved.channel_id) == (8, True, False, None)
    assert [s.guild_id for s in store.servers.enabled()] == [1]
    assert 2 in store.guilds.known_ids()
    # Turning trending on later keeps the preferences.
    after = store.servers.set_trending(2, 20, "08:00", "UTC")
    assert (after.enabled, after.post_size, after.private_results) == (True, 8, True)


def test_preferences_persist_across_reopening(tmp_path: Path) -> None:
    store = State.open(DataDir(tmp_path).state)
    store.servers.set_post_size(1, 10)
    store.servers.set_private_results(1, True)
    store.servers.change_mention_channels(1, lambda now: (30, 20))
    store.close()
    again = State.open(DataDir(tmp_path).state)
    settings = again.servers.get(1)
    assert settings is not None
    assert (settings.post_size, settings.private_results, settings.mention_channels) == (10, True, (20, 30))
    again.close()


def test_the_table_refuses_post_sizes_out_of_range(store: State) -> None:
    # The migration's DEFAULT and CHECK repeat the module's constants; this holds them equal.
    for size in (MIN_POST_SIZE - 1, MAX_POST_SIZE + 1):
        with pytest.raises(sqlite3.IntegrityError):
            store.servers.set_post_size(1, size)
    assert store.servers.get(1) is None  # nothing half-written
    for size in (MIN_POST_SIZE, MAX_POST_SIZE):
        assert store.servers.set_post_size(1, size).post_size == size
    with store.db.write() as conn:
        conn.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (3, 'now')")
    fresh = store.servers.get(3)
    assert fresh is not None and fresh.post_size == DEFAULT_POST_SIZE and fresh.mention_channels is None


def test_mention_channels_change_in_one_transaction(store: State) -> None:
    assert store.servers.change_mention_channels(1, lambda now: now) == (False, unset(1))
    assert store.servers.get(1) is None  # an unchanged default writes no row

    changed, saved = store.servers.change_mention_channels(1, lambda now: (now or ()) + (10,))
    assert changed and saved.mention_channels == (10,)
    changed, saved = store.servers.change_mention_channels(1, lambda now: (now or ()) + (10,))
    assert not changed and saved.mention_channels == (10,)
    changed, saved = store.servers.change_mention_channels(1, lambda now: ())
    assert changed and saved.mention_channels == ()  # an empty list answers nowhere, unlike None

    def refuse(now: tuple[int, ...] | None) -> tuple[int, ...]:
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.servers.change_mention_channels(1, refuse)
    settings = store.servers.get(1)
    assert settings is not None and settings.mention_channels == ()
    assert store.servers.change_mention_channels(1, lambda now: None)[1].mention_channels is None


def test_a_deleted_channel_leaves_the_mention_list(store: State) -> None:
    store.servers.change_mention_channels(1, lambda now: (10, 11))
    store.servers.change_mention_channels(2, lambda now: (10,))  # the same id in another server stays
    store.servers.set_trending(3, 10, "09:00", "UTC")  # everywhere: nothing to take off

    gone = store.guilds.forget_channel(1, 10)
    assert (gone.subscriptions_removed, gone.trending_off, gone.mentions_unlisted) == (0, False, True)
    assert store.guilds.forget_channel(1, 99).mentions_unlisted is False
    gone = store.guilds.forget_channel(1, 11)
    assert gone.mentions_unlisted
    settings, other = store.servers.get(1), store.servers.get(2)
    assert settings is not None and settings.mention_channels == ()  # still limited: now to no channel
    assert other is not None and other.mention_channels == (10,)
    assert store.guilds.forget_channel(3, 10) == ForgottenChannel(0, True, False)
    third = store.servers.get(3)
    assert third is not None and third.mention_channels is None


def test_snowflake_sized_channel_ids_survive_json(store: State) -> None:
    big = 1_300_000_000_000_000_001
    store.servers.change_mention_channels(1, lambda now: (big, big + 1))
    assert store.guilds.forget_channel(1, big).mentions_unlisted
    settings = store.servers.get(1)
    assert settings is not None and settings.mention_channels == (big + 1,)
