"""Answers in threads, the parts without Discord: which mentions open one, its name, the stored setting and threads."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core.thread_answers import DEFAULT_THREAD_NAME, THREAD_NAME_LIMIT, opens_thread, thread_name
from bot.datadir import DataDir
from bot.state import State
from bot.state.conversations import CONVERSATION_TTL
from bot.state.migrations import MIGRATIONS, SCHEMA_VERSION
from bot.state.server_settings import ANSWER_REPLY, ANSWER_THREAD
from bot.state.threads import AnswerThread, AnswerThreads

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path):
    state = State.open(DataDir(tmp_path).state)
    yield state
    state.close()


# --- which mentions open a thread ------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "is there work on fast Sinkhorn iterations?",
    "optimal transport",
    "what about diffusion models",  # a new topic: a search of its own
])
def test_questions_open_a_thread(text: str) -> None:
    assert opens_thread(text, TODAY)


@pytest.mark.parametrize("text", [
    "", "   ", "more", "only with code", "the second one", "bibtex 2", "newer than 2024",
    "https://arxiv.org/abs/1706.03762", "2401.00001",
])
def test_follow_ups_pasted_papers_and_bare_mentions_do_not(text: str) -> None:
    assert not opens_thread(text, TODAY)


# --- the thread's name -------------------------------------------------------------------------


def test_a_short_question_is_its_own_name() -> None:
    assert thread_name("  is there work on  fast Sinkhorn?  ") == "is there work on fast Sinkhorn?"


def test_a_long_question_is_cut_at_a_word_to_discords_limit() -> None:
    name = thread_name("sinkhorn " * 40)
    assert len(name) <= THREAD_NAME_LIMIT and name.endswith("\u2026") and "sinkh\u2026" not in name
    exact = "x" * THREAD_NAME_LIMIT
    assert thread_name(exact) == exact


@pytest.mark.parametrize("hostile, expected", [
    ("<@123> <@!456> <@&789> <#42> </find:99> sinkhorn", "sinkhorn"),
    ("@everyone @HERE look at sinkhorn", "everyone HERE look at sinkhorn"),
    ("line one\nline two\r\n\tthree", "line one line two three"),
    ("right\u202eto left\u200b zero width\x00nul", "right to left zero width nul"),
    ("**bold** `code` sinkhorn \U0001f680", "**bold** `code` sinkhorn \U0001f680"),  # names show no markdown
])
def test_a_hostile_question_gives_a_plain_name(hostile: str, expected: str) -> None:
    assert thread_name(hostile) == expected


@pytest.mark.parametrize("empty", ["", "   ", "<@123>", "\n\u200b\n"])
def test_a_name_is_never_empty(empty: str) -> None:
    assert thread_name(empty) == DEFAULT_THREAD_NAME


# --- the server's choice ------------------------------------------------------------------------


def test_answers_go_in_replies_unless_a_server_chooses_threads(tmp_path: Path, store: State) -> None:
    assert store.servers.get(5) is None
    assert store.servers.set_post_size(5, 3).answers_in == ANSWER_REPLY  # a server's row starts with replies
    assert store.servers.set_answers_in(5, ANSWER_THREAD).answers_in == ANSWER_THREAD
    assert store.servers.set_answers_in(6, ANSWER_THREAD).post_size == 5  # the other settings keep their defaults
    with pytest.raises(sqlite3.IntegrityError):
        store.servers.set_answers_in(5, "carrier pigeon")
    store.close()
    again = State.open(DataDir(tmp_path).state)
    try:
        assert again.servers.get(5).answers_in == ANSWER_THREAD and again.servers.get(5).post_size == 3
    finally:
        again.close()


def test_a_file_from_before_threads_gains_the_setting_and_the_table(tmp_path: Path) -> None:
    version = next(i for i, migration in enumerate(MIGRATIONS) if any("answer_threads" in s for s in migration))
    path = DataDir(tmp_path).state
    with sqlite3.connect(path) as conn:
        for migration in MIGRATIONS[:version]:
            for statement in migration:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("INSERT INTO guild_settings (guild_id, enabled, updated_at) VALUES (1, 0, '2026-03-01')")
    state = State.open(path)
    try:
        assert state.db.schema_version == SCHEMA_VERSION
        assert state.servers.get(1).answers_in == ANSWER_REPLY
        AnswerThreads(state.db).opened(10, 1, 2, NOW)
    finally:
        state.close()


# --- the threads the bot opened ------------------------------------------------------------------


def test_a_thread_keeps_its_latest_answer_across_a_reopen(tmp_path: Path, store: State) -> None:
    threads = AnswerThreads(store.db)
    threads.opened(100, 1, 10, NOW)
    assert threads.answered(100, 501, NOW + timedelta(minutes=5))
    assert not threads.answered(999, 502, NOW)  # not one of ours
    store.close()
    again = State.open(DataDir(tmp_path).state)
    try:
        kept = AnswerThreads(again.db).get(100, 1, NOW + timedelta(hours=1))
        assert kept == AnswerThread(100, 1, 10, 501, kept.updated_at)
    finally:
        again.close()


def test_a_thread_has_no_latest_answer_until_its_first_and_a_quicker_follow_up_wins(store: State) -> None:
    threads = AnswerThreads(store.db)
    threads.opened(100, 1, 10, NOW)
    assert threads.get(100, 1, NOW).latest_answer is None  # a follow-up then continues the asker's conversation
    assert threads.answered(100, 500, NOW, first=True)
    assert threads.get(100, 1, NOW).latest_answer == 500
    threads.opened(200, 1, 10, NOW)
    threads.answered(200, 602, NOW)  # a follow-up's answer, posted before the first answer's bookkeeping
    assert not threads.answered(200, 601, NOW, first=True)
    assert threads.get(200, 1, NOW).latest_answer == 602


def test_a_thread_is_never_another_servers(store: State) -> None:
    threads = AnswerThreads(store.db)
    threads.opened(100, 1, 10, NOW)
    assert threads.get(100, 2, NOW) is None


def test_a_thread_expires_with_its_conversation_and_goes_with_its_server(store: State) -> None:
    threads = AnswerThreads(store.db)
    threads.opened(100, 1, 10, NOW)
    threads.opened(200, 2, 20, NOW)
    later = NOW + CONVERSATION_TTL + timedelta(minutes=1)
    assert threads.get(100, 1, later) is None
    threads.opened(300, 1, 10, later)  # opening one drops the expired rows
    assert store.db.read("SELECT thread_id FROM answer_threads ORDER BY thread_id") == [(300,)]
    store.guilds.delete(1)
    assert threads.get(300, 1, later) is None
    threads.opened(400, 3, 30, later)
    threads.forget(400)
    assert threads.get(400, 3, later) is None


def test_a_deleted_channel_takes_its_answer_threads(store: State) -> None:
    threads = AnswerThreads(store.db)
    threads.opened(100, 1, 10, NOW)
    threads.opened(101, 1, 11, NOW)
    threads.opened(102, 2, 10, NOW)  # another server's channel with the same id stays
    store.guilds.forget_channel(1, 10)
    assert store.db.read("SELECT thread_id FROM answer_threads ORDER BY thread_id") == [(101,), (102,)]


def test_an_answer_whose_thread_never_opened_continues_in_its_channel(store: State) -> None:
    question_id, channel_id = 900, 10  # the thread would have had the question's id
    started = store.conversations.start(7, 1, question_id, "sinkhorn", {}, ["a", "b"], 1, NOW)
    AnswerThreads(store.db).opened(question_id, 1, channel_id, NOW)
    AnswerThreads(store.db).not_opened(question_id, channel_id)
    assert store.conversations.latest(7, channel_id, NOW).id == started.id
    assert store.conversations.latest(7, question_id, NOW) is None
    assert AnswerThreads(store.db).get(question_id, 1, NOW) is None
