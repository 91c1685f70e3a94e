"""Answers in threads when a thread cannot be had: missing permissions, a thread closed or deleted under the bot."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core.thread_answers import NO_THREAD_PERMISSION, THREAD_GONE
from bot.datadir import DataDir
from bot.state import State
from bot.state.server_settings import ANSWER_THREAD
from bot.state.threads import AnswerThreads
from tests.bot.harness import TIMEOUT, no_pings, replies_to, running_bot
from tests.bot.test_threads_e2e import QUESTION, ask_in_thread, handlers, mention
from tests.fakediscord import FakeDiscord
from tests.fakediscord.state import CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS
from tests.fakediscord.thread_payloads import MANAGE_THREADS, FakeThread


def now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def state(tmp_path: Path):
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


@pytest.mark.parametrize("denied", [CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS], ids=["create", "send"])
async def test_without_thread_permissions_the_answer_is_a_reply_saying_why(
    fake: FakeDiscord, state: State, tmp_path: Path, denied: int
) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    # Before connecting: the bot's permissions come from GUILD_CREATE's overwrites.
    fake.set_channel_permissions(fake.channel.id, fake.bot_user.id, deny=denied, member=True)
    async with running_bot(fake, handlers(), tmp_path, state=state):
        asked = await mention(fake, fake.channel.id, QUESTION)
        answer = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
        assert NO_THREAD_PERMISSION in answer.content and "[1]" in answer.content and no_pings(answer)
        assert fake.threads == {} and fake.rejections == []  # checked first: no refused request


async def test_a_refused_thread_falls_back_to_a_reply(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    async with running_bot(fake, handlers(), tmp_path, state=state):
        # Taken away behind the bot's back (its cache still says it may): Discord refuses the thread.
        fake.set_channel_permissions(fake.channel.id, fake.bot_user.id, deny=CREATE_PUBLIC_THREADS, member=True)
        asked = await mention(fake, fake.channel.id, QUESTION)
        answer = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
        assert NO_THREAD_PERMISSION in answer.content and answer.embeds
        assert [(r.status, r.code) for r in fake.rejections] == [(403, 50013)]


async def _delete(fake: FakeDiscord, thread: FakeThread) -> None:
    await fake.delete_thread(thread.id)


async def _lock(fake: FakeDiscord, thread: FakeThread) -> None:
    await fake.archive_thread(thread.id, locked=True)


@pytest.mark.parametrize("close", [_delete, _lock], ids=["deleted", "archived-and-locked"])
async def test_a_thread_closed_before_the_answer_falls_back_to_a_reply(
    fake: FakeDiscord, state: State, tmp_path: Path, close
) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    fake.on_thread_start = lambda thread: close(fake, thread)  # a moderator, the moment it opens
    async with running_bot(fake, handlers(), tmp_path, state=state):
        asked = await mention(fake, fake.channel.id, QUESTION)
        answer = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
        assert THREAD_GONE in answer.content and "[1]" in answer.content
        # The fallback answer is a normal one: a Discord reply to it refines it, even one sent at once.
        more = await mention(fake, fake.channel.id, "more", reply_to=answer)
        refined = await fake.wait_for_message(fake.channel.id, replies_to(more), timeout=TIMEOUT)
        assert refined.embeds and not {e["title"] for e in refined.embeds} & {e["title"] for e in answer.embeds}
        # So does a mention in the channel without a reply, as after any answer there.
        first = await mention(fake, fake.channel.id, "the first one")
        detail = await fake.wait_for_message(fake.channel.id, replies_to(first), timeout=TIMEOUT)
        assert detail.embeds and detail.embeds[0]["title"] == answer.embeds[0]["title"].split(". ", 1)[1]
        assert AnswerThreads(state.db).get(asked.id, fake.guild.id, now()) is None


async def test_a_follow_up_in_a_locked_thread_is_answered_under_its_question(
    fake: FakeDiscord, state: State, tmp_path: Path
) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    thread_mod = fake.create_role(fake.guild.id, "Thread moderator", MANAGE_THREADS)
    fake.guild.members[fake.moderator.id].role_ids.append(thread_mod.id)
    async with running_bot(fake, handlers(), tmp_path, state=state):
        thread, first = await ask_in_thread(fake, QUESTION, state=state)
        await fake.lock_thread(thread.id)
        with pytest.raises(PermissionError):  # members without Manage Threads cannot post in it at all
            await mention(fake, thread.id, "more")
        said = await mention(fake, thread.id, "more", author=fake.moderator)
        # The bot may not post in the locked thread: it answers under the thread's question in the channel.
        answer = await fake.wait_for_message(fake.channel.id, replies_to(fake.get_message(thread.id)), timeout=TIMEOUT)
        assert THREAD_GONE in answer.content and answer.embeds
        assert not [m for m in fake.bot_messages(thread.id) if replies_to(said)(m)]
        assert [(r.status, r.code) for r in fake.rejections] == [(403, 50013)]

