"""Answer states: what each answer showed, kept unchanged, so a reply refines that answer (a branch)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.datadir import DataDir
from bot.state import State, utc_iso
from bot.state.migrations import SCHEMA_VERSION
from tests.bot.test_state import NOW


@pytest.fixture
def store(tmp_path: Path):
    """A fresh store in a temporary data dir."""
    state = State.open(DataDir(tmp_path).state)
    yield state
    state.close()



def rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_an_answer_state_never_changes_once_kept_even_across_a_restart(tmp_path: Path) -> None:
    path = DataDir(tmp_path).state
    store = State.open(path)
    conversations = store.conversations
    first = conversations.start(7, 1, 10, "sinkhorn", {"has_code": False}, ["p-a", "p-b", "p-c", "p-d"], 3, NOW)
    conversations.attach(501, first.state_id)
    later = conversations.save(replace(first, filters={"has_code": True}, result_ids=("p-c",), shown=1), NOW)
    conversations.attach(502, later.state_id)
    conversations.save(replace(later, query="graphs", result_ids=("p-x",), shown=1), NOW + timedelta(minutes=1))
    store.close()
    store = State.open(path)
    try:
        shown = store.conversations.by_message(501, NOW + timedelta(hours=1))
        assert shown == replace(first, updated_at=shown.updated_at)  # the same state, the conversation's clock moved on
        assert store.conversations.by_message(502, NOW + timedelta(hours=1)).result_ids == ("p-c",)
        head = store.conversations.latest(7, 10, NOW + timedelta(hours=1))
        assert (head.id, head.query, head.result_ids) == (first.id, "graphs", ("p-x",)) and head.state_id > later.state_id
    finally:
        store.close()
    assert rows(path, "answer_states") == 3 and rows(path, "conversations") == 1


def test_a_branch_from_an_earlier_answer_becomes_the_latest_state_leaving_others_alone(store: State) -> None:
    conversations = store.conversations
    first = conversations.start(7, 1, 10, "sinkhorn", {}, ["p-a", "p-b", "p-c", "p-d"], 3, NOW)
    conversations.attach(501, first.state_id)
    coded = conversations.save(replace(first, filters={"has_code": True}, result_ids=("p-c",), shown=1), NOW)
    conversations.attach(502, coded.state_id)
    replied = conversations.by_message(501, NOW)
    branch = conversations.save(replace(replied, shown=4), NOW)  # "more", replied to the first answer
    assert conversations.latest(7, 10, NOW) == branch and branch.filters == {}
    assert conversations.by_message(502, NOW) == replace(coded, updated_at=branch.updated_at)
    assert conversations.by_message(501, NOW).shown == 3
    # Another user's conversation, started later in the same second, is never this user's latest.
    conversations.start(8, 1, 10, "graphs", {}, ["p-x"], 1, NOW)
    assert conversations.latest(7, 10, NOW) == branch


def test_latest_is_the_conversation_answered_last_even_within_one_second(store: State) -> None:
    conversations = store.conversations
    older = conversations.start(7, 1, 10, "sinkhorn", {}, ["p-a"], 1, NOW)
    conversations.start(7, 1, 10, "graphs", {}, ["p-x"], 1, NOW)  # e.g. a /find
    answered = conversations.save(replace(older, shown=0), NOW)  # a reply to the older one's answer
    assert conversations.latest(7, 10, NOW) == answered


def test_a_message_tied_to_a_pruned_or_unknown_state_refers_to_nothing(store: State) -> None:
    conversations = store.conversations
    conversations.attach(501, 12345)  # no such state: nothing is tied
    assert conversations.by_message(501, NOW) is None
    assert conversations.latest(7, 10, NOW) is None


def test_prune_drops_answer_states_and_messages_with_their_conversation(store: State, tmp_path: Path) -> None:
    conversations = store.conversations
    old = conversations.start(7, 1, 10, "sinkhorn", {}, ["p-a"], 1, NOW)
    conversations.attach(501, old.state_id)
    conversations.attach(502, conversations.save(replace(old, shown=0), NOW).state_id)
    live = conversations.start(8, 1, 10, "graphs", {}, ["p-x"], 1, NOW)
    conversations.attach(503, live.state_id)
    live = conversations.save(replace(live, shown=0), NOW + timedelta(hours=20))
    later = NOW + timedelta(hours=25)
    # An answer lasts as long as its conversation is active: Bob's first answer, 25 hours old, still is.
    assert conversations.by_message(501, later) is None and conversations.by_message(503, later).shown == 1
    assert store.prune(later) == 1
    path = DataDir(tmp_path).state
    assert rows(path, "answer_states") == 2 and rows(path, "conversation_messages") == 1
    assert conversations.by_message(503, later).state_id == conversations.latest(8, 10, later).state_id - 1


def test_forgetting_a_server_drops_its_answer_states(store: State, tmp_path: Path) -> None:
    conversations = store.conversations
    conversations.attach(501, conversations.start(7, 1, 10, "sinkhorn", {}, ["p-a"], 1, NOW).state_id)
    conversations.attach(502, conversations.start(7, 2, 20, "sinkhorn", {}, ["p-a"], 1, NOW).state_id)
    store.guilds.delete(1)
    path = DataDir(tmp_path).state
    assert rows(path, "answer_states") == 1 and rows(path, "conversation_messages") == 1
    assert conversations.by_message(501, NOW) is None and conversations.by_message(502, NOW) is not None


def test_version_5_conversations_keep_working_their_messages_refer_to_the_latest_state(tmp_path: Path) -> None:
    from bot.state.migrations import MIGRATIONS

    path = DataDir(tmp_path).state
    stamp = utc_iso(NOW)
    with sqlite3.connect(path) as conn:  # a file from before answer states were kept
        for migration in MIGRATIONS[:5]:
            for statement in migration:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 5")
        conn.execute(
            "INSERT INTO conversations VALUES (1, 7, 1, 10, 'sinkhorn', '{}', '[\"p-a\", \"p-b\"]', 2, ?, ?)", (stamp, stamp)
        )
        conn.execute("INSERT INTO conversation_messages VALUES (501, 1)")
    store = State.open(path)
    try:
        assert store.db.schema_version == SCHEMA_VERSION
        replied = store.conversations.by_message(501, NOW)
        assert (replied.query, replied.result_ids, replied.shown, replied.state_id) == ("sinkhorn", ("p-a", "p-b"), 2, None)
        assert store.conversations.latest(7, 10, NOW) == replied
        kept = store.conversations.save(replied, NOW)
        assert kept.state_id is not None and store.conversations.latest(7, 10, NOW) == kept
    finally:
        store.close()


def test_latest_untied_is_the_latest_state_only_while_no_message_shows_it(store: State) -> None:
    conversations = store.conversations
    first = conversations.start(7, 1, 10, "sinkhorn", {}, ["p-a"], 1, NOW)
    assert conversations.latest_untied(7, 10, NOW) == first  # being sent, or sent by a bot that stopped
    conversations.attach(501, first.state_id)
    assert conversations.latest_untied(7, 10, NOW) is None
    later = conversations.save(replace(first, shown=0), NOW)
    assert conversations.latest_untied(7, 10, NOW) == later and conversations.latest_untied(8, 10, NOW) is None
