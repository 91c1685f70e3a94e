"""The threads the bot remembers go when Discord's do: a deleted thread, a deleted channel, a server that removed the bot."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.datadir import DataDir
from bot.state import State
from bot.state.server_settings import ANSWER_THREAD
from bot.state.threads import AnswerThreads
from tests.bot.harness import eventually, running_bot
from tests.bot.test_threads_e2e import QUESTION, ask_in_thread, follow_up, handlers
from tests.fakediscord import FakeDiscord


def now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def state(fake: FakeDiscord, tmp_path: Path):
    opened = State.open(DataDir(tmp_path).state)
    # Another server (the bot is in it) with a thread of its own, which must stay.
    other = fake.create_guild("Other server")
    opened.servers.set_answers_in(other.id, ANSWER_THREAD)
    AnswerThreads(opened.db).opened(7, other.id, next(iter(other.channels)), now())
    opened.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    yield opened
    opened.close()


def thread_ids(state: State) -> list[int]:
    return [row[0] for row in state.db.read("SELECT thread_id FROM answer_threads ORDER BY thread_id")]


async def test_a_deleted_thread_is_forgotten(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        thread, _ = await ask_in_thread(fake, QUESTION, state=state)
        assert (await follow_up(fake, thread, "more", state=state)).embeds
        await eventually(lambda: thread_ids(state) == sorted([7, thread.id]), "the thread's row")
        await fake.delete_thread(thread.id)
        await eventually(lambda: thread_ids(state) == [7], "the deleted thread's row to go")


async def test_a_deleted_channel_takes_its_threads_with_it(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    papers = next(c.id for c in fake.guild.text_channels if c.id != fake.channel.id)
    async with running_bot(fake, handlers(), tmp_path, state=state):
        kept, _ = await ask_in_thread(fake, QUESTION, channel_id=papers, state=state)
        gone, _ = await ask_in_thread(fake, QUESTION, state=state)
        await eventually(lambda: thread_ids(state) == sorted([7, kept.id, gone.id]), "the threads' rows")
        await fake.delete_channel(gone.parent_id)
        await eventually(lambda: thread_ids(state) == sorted([7, kept.id]), "the channel's thread rows to go")
        assert state.servers.get(fake.guild.id).answers_in == ANSWER_THREAD  # the server's choice stays


async def test_a_server_that_removed_the_bot_loses_its_threads(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        thread, _ = await ask_in_thread(fake, QUESTION, state=state)
        await eventually(lambda: thread_ids(state) == sorted([7, thread.id]), "the thread's row")
        guild_id = fake.guild.id
        await fake.remove_guild(guild_id)
        await eventually(lambda: thread_ids(state) == [7], "the server's thread rows to go")
        assert state.servers.get(guild_id) is None and len(state.db.read("SELECT * FROM guild_settings")) == 1
