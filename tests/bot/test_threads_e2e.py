"""Answers in threads end to end: the real bot on the loopback Discord, /config answers, follow-ups, a restart."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.core.conversation import NO_CONVERSATION
from bot.discord_app.cogs.config import NOT_ALLOWED
from bot.datadir import DataDir
from bot.state import State
from bot.state.server_settings import ANSWER_REPLY, ANSWER_THREAD
from bot.state.threads import AnswerThreads
from tests.bot.harness import TIMEOUT, eventually, no_pings, replies_to, running_bot
from tests.bot.test_conversation import PAPERS
from tests.bot.test_conversation_e2e import CODE_TITLES, handlers, state, titles  # noqa: F401 (state: a fixture)
from tests.fakediscord import FakeDiscord, FakeMessage
from tests.fakediscord.thread_payloads import FakeThread

QUESTION = "is there work on fast Sinkhorn iterations?"


async def moderator_runs(fake: FakeDiscord, command: str) -> str:
    """Run a /config command as the moderator and return its private answer."""
    inter = await fake.send_interaction_command(command, user=fake.moderator)
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.ephemeral
    return msg.content


async def mention(fake: FakeDiscord, channel_id: int, text: str, author=None, reply_to=None) -> FakeMessage:
    """A member mentions the bot (the mention in the text too, as Discord's client writes it)."""
    return await fake.send_message(channel_id, f"{fake.bot_user.mention} {text}", mentions=[fake.bot_user],
                                   author=author, reply_to=reply_to)


async def ask_in_thread(fake: FakeDiscord, text: str, author=None, channel_id: int | None = None,
                        state: State | None = None) -> tuple[FakeThread, FakeMessage]:
    """Ask in #general (or `channel_id`) and return the thread opened from the question, and the answer in it.

    With `state`, return once the bot has stored the answer as the thread's latest: the answer is
    visible a moment before, and a test is quicker than a person to follow up.
    """
    asked = await mention(fake, channel_id or fake.channel.id, text, author=author)
    thread = await fake.wait_for(lambda: fake.thread_of(asked), timeout=TIMEOUT, what="a thread on the question")
    answer = await fake.wait_for_message(thread.id, timeout=TIMEOUT)
    if state is not None:
        await eventually(lambda: latest_answer(state, thread) == answer.id, "the thread's latest answer")
    return thread, answer


def latest_answer(state: State, thread: FakeThread) -> int | None:
    """Return the answer the state holds as the thread's latest."""
    ours = AnswerThreads(state.db).get(thread.id, thread.guild_id or 0, datetime.now(timezone.utc))
    return ours.latest_answer if ours is not None else None


async def follow_up(fake: FakeDiscord, thread: FakeThread, text: str, author=None,
                    state: State | None = None) -> FakeMessage:
    """Post a follow-up in the thread (a mention, no Discord reply) and return the bot's answer (as ask_in_thread)."""
    said = await mention(fake, thread.id, text, author=author)
    answer = await fake.wait_for_message(thread.id, replies_to(said), timeout=TIMEOUT)
    if state is not None:
        await eventually(lambda: latest_answer(state, thread) == answer.id, "the thread's latest answer")
    return answer


async def test_config_answers_thread_puts_the_answer_in_a_thread_from_the_question(
    fake: FakeDiscord, state: State, tmp_path: Path
) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        for choice in ("config answers thread", "config answers reply"):  # an admin may have opened it to all
            refused = await fake.send_interaction_command(choice, user=fake.user, enforce_permissions=False)
            assert (await fake.wait_for_response(refused, timeout=TIMEOUT)).content == NOT_ALLOWED
        assert state.servers.get(fake.guild.id) is None
        saved = await moderator_runs(fake, "config answers thread")
        assert saved.startswith("Saved.") and "**in a thread**" in saved and "Create Public Threads" in saved
        assert state.servers.get(fake.guild.id).answers_in == ANSWER_THREAD
        assert "**in a thread**" in await moderator_runs(fake, "config show")
        thread, answer = await ask_in_thread(fake, QUESTION)
        assert (thread.parent_id, thread.name, thread.owner_id) == (fake.channel.id, QUESTION, fake.bot_user.id)
        assert "[1]" in answer.content and len(answer.embeds) == 3 and no_pings(answer)
        assert answer.message_reference is None  # posted in the thread, not a reply
        assert [m for m in fake.bot_messages(fake.channel.id) if not m.ephemeral] == []  # nothing in the channel
        assert fake.rejections == []


async def test_follow_ups_in_the_thread_need_no_reply(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    async with running_bot(fake, handlers(), tmp_path, state=state):
        thread, answer = await ask_in_thread(fake, QUESTION, state=state)
        more = await follow_up(fake, thread, "more", state=state)
        assert titles(more) and not set(titles(more)) & set(titles(answer))
        coded = await follow_up(fake, thread, "only with code", state=state)
        assert "Only papers with code" in coded.content and titles(coded) and set(titles(coded)) <= CODE_TITLES
        second = await follow_up(fake, thread, "the second one", state=state)
        assert second.embeds[0]["title"] == titles(coded)[1]
        # Another member in the thread continues the thread's conversation: its latest answer.
        theirs = await follow_up(fake, thread, "the first one", author=fake.moderator, state=state)
        assert theirs.embeds[0]["title"] == titles(coded)[0]
        # Without the message-content intent a message that does not mention the bot reaches it empty.
        quiet = await fake.send_message(thread.id, "the third one")
        third = await follow_up(fake, thread, "the third one", state=state)
        assert third.embeds[0]["title"] == titles(coded)[2]
        assert not [m for m in fake.bot_messages(thread.id) if replies_to(quiet)(m)]
        assert not fake.threads.keys() - {thread.id}  # follow-ups open no further threads
        assert fake.bot_messages(fake.channel.id) == []


async def test_a_follow_up_in_an_archived_thread_reopens_it(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    async with running_bot(fake, handlers(), tmp_path, state=state):
        thread, answer = await ask_in_thread(fake, QUESTION, state=state)
        await fake.archive_thread(thread.id)  # a day without messages, or a moderator
        more = await follow_up(fake, thread, "more", state=state)  # Discord un-archives a thread on a new message
        assert not fake.thread(thread.id).archived
        assert titles(more) and not set(titles(more)) & set(titles(answer))
        assert fake.rejections == []


async def test_the_thread_conversation_survives_a_restart(fake: FakeDiscord, tmp_path: Path) -> None:
    path = DataDir(tmp_path).state
    before = State.open(path)
    before.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    async with running_bot(fake, handlers(), tmp_path, state=before):
        thread, answer = await ask_in_thread(fake, QUESTION, state=before)
        coded = await follow_up(fake, thread, "only with code", state=before)
    before.close()
    after = State.open(path)
    try:
        async with running_bot(fake, handlers(), tmp_path, state=after):
            # GUILD_CREATE brings the active thread back; the state knows it is ours and its latest answer.
            second = await follow_up(fake, thread, "the second one", state=after)
            assert second.embeds[0]["title"] == titles(coded)[1]
            await fake.archive_thread(thread.id)
            first = await follow_up(fake, thread, "the first one")
            assert first.embeds[0]["title"] == titles(coded)[0]
    finally:
        after.close()


async def test_replies_stay_the_default_and_can_be_chosen_again(
    fake: FakeDiscord, state: State, tmp_path: Path
) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        asked = await mention(fake, fake.channel.id, QUESTION)
        answer = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
        assert "[1]" in answer.content and fake.threads == {}
        assert "**replies**" in await moderator_runs(fake, "config show")
        await moderator_runs(fake, "config answers thread")
        thread, _ = await ask_in_thread(fake, "fast Sinkhorn iterations with code")
        saved = await moderator_runs(fake, "config answers reply")
        assert saved.startswith("Saved.") and "**replies**" in saved
        assert state.servers.get(fake.guild.id).answers_in == ANSWER_REPLY
        later = await mention(fake, fake.channel.id, "Sinkhorn transport")
        await fake.wait_for_message(fake.channel.id, replies_to(later), timeout=TIMEOUT)
        assert fake.thread_of(later) is None and list(fake.threads) == [thread.id]
        # The thread opened before still continues its conversation without a reply.
        assert (await follow_up(fake, thread, "more")).embeds


async def test_follow_ups_dms_and_pasted_papers_open_no_thread(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    async with running_bot(fake, handlers(), tmp_path, state=state):
        # A follow-up in the channel continues there (the conversation lives in its thread: none here).
        more = await mention(fake, fake.channel.id, "more")
        answer = await fake.wait_for_message(fake.channel.id, replies_to(more), timeout=TIMEOUT)
        assert answer.content == NO_CONVERSATION
        pasted = await mention(fake, fake.channel.id, f"https://arxiv.org/abs/{PAPERS[1].arxiv_id}")
        card = await fake.wait_for_message(fake.channel.id, replies_to(pasted), timeout=TIMEOUT)
        assert card.embeds and PAPERS[1].clean_title in card.embeds[0]["title"]
        dm = await fake.send_dm(QUESTION)  # DMs have no threads
        dm_answer = await fake.wait_for_message(dm.channel_id, replies_to(dm), timeout=TIMEOUT)
        assert "[1]" in dm_answer.content
        assert fake.threads == {}


async def test_a_long_hostile_question_names_its_thread_safely(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    role = fake.guild.everyone.id
    question = f"@everyone <@&{role}> fast Sinkhorn iterations\n" + "and many more words " * 10
    async with running_bot(fake, handlers(), tmp_path, state=state):
        thread, answer = await ask_in_thread(fake, question)
        assert len(thread.name) <= 100 and "@" not in thread.name and "\n" not in thread.name
        assert thread.name.startswith("everyone fast Sinkhorn iterations and many")
        assert no_pings(answer) and fake.rejections == []


async def test_a_pasted_paper_in_the_thread_does_not_break_its_conversation(
    fake: FakeDiscord, state: State, tmp_path: Path
) -> None:
    state.servers.set_answers_in(fake.guild.id, ANSWER_THREAD)
    async with running_bot(fake, handlers(), tmp_path, state=state):
        thread, answer = await ask_in_thread(fake, QUESTION, state=state)
        card = await follow_up(fake, thread, f"https://arxiv.org/abs/{PAPERS[1].arxiv_id}")
        assert PAPERS[1].clean_title in card.embeds[0]["title"]  # a card, with no conversation state of its own
        # A follow-up by another member still refines the thread's latest answer, the one with results.
        more = await follow_up(fake, thread, "more", author=fake.moderator)
        assert titles(more) and not set(titles(more)) & set(titles(answer))
