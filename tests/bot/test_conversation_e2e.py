"""Conversations end to end: the real bot on the fake Discord, replies refining answers, across a restart."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core.conversation import NO_CONVERSATION
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.paper_fetch import FetchPolicy, PaperFetch
from bot.datadir import DataDir
from bot.state import State
from corpus.ingest import open_corpus
from corpus.sources.refresh import Refresher, SourceConfig
from tests.bot.fakes import FakeRetriever, ListSink
from tests.bot.harness import TIMEOUT, eventually, replies_to, running_bot
from tests.bot.test_conversation import PAPERS
from tests.fakediscord import FakeDiscord, FakeMessage
from tests.sources_fixtures import LoopbackServer, arxiv_entry

CODE_TITLES = {p.clean_title for p in PAPERS if any(link.kind == "code" for link in p.links)}


@pytest.fixture
def state(tmp_path: Path):
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


def handlers() -> Handlers:
    return Handlers(LiveIndex(FakeRetriever(PAPERS)), ListSink())


def titles(message: FakeMessage) -> list[str]:
    return [embed["title"].split(". ", 1)[1] for embed in message.embeds]


async def ask(fake: FakeDiscord, text: str, reply_to: FakeMessage | None = None, author=None) -> FakeMessage:
    """Mention the bot (a Discord reply mentions the replied-to author by default) and wait for its answer."""
    asked = await fake.send_message(fake.channel.id, text, mentions=[fake.bot_user], reply_to=reply_to, author=author)
    return await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)


async def test_an_answer_refined_by_replies(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        answer = await ask(fake, "is there work on fast Sinkhorn iterations?")
        assert "[1]" in answer.content and len(answer.embeds) == 3
        coded = await ask(fake, "only with code", reply_to=answer)
        assert "Only papers with code" in coded.content
        assert set(titles(coded)) <= CODE_TITLES and titles(coded)
        second = await ask(fake, "the second one", reply_to=coded)
        assert second.embeds[0]["title"] == titles(coded)[1]
        more = await ask(fake, "more", reply_to=answer)
        assert not set(titles(more)) & set(titles(answer))


async def test_more_pages_through_new_papers_only(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        answer = await ask(fake, "fast Sinkhorn iterations")
        more = await ask(fake, "more", reply_to=answer)
        again = await ask(fake, "more", reply_to=more)
        shown = titles(answer) + titles(more) + titles(again)
        assert len(shown) == len(set(shown)) == 8


async def test_another_users_mention_never_continues_the_conversation(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        await ask(fake, "fast Sinkhorn iterations")
        other = await ask(fake, "more", author=fake.moderator)
        assert other.content == NO_CONVERSATION and not other.embeds


async def test_a_reply_to_an_answer_from_before_a_restart_still_works(fake: FakeDiscord, tmp_path: Path) -> None:
    path = DataDir(tmp_path).state
    before = State.open(path)
    async with running_bot(fake, handlers(), tmp_path, state=before):
        answer = await ask(fake, "fast Sinkhorn iterations")
    before.close()
    after = State.open(path)
    try:
        async with running_bot(fake, handlers(), tmp_path, state=after):
            first = await ask(fake, "the first one", reply_to=answer)
            assert first.embeds[0]["title"] == titles(answer)[0]
    finally:
        after.close()


async def test_find_with_since_and_has_code(fake: FakeDiscord, state: State, tmp_path: Path) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        inter = await fake.send_interaction_command("find", {"query": "fast Sinkhorn iterations", "since": "2025", "has_code": True})
        msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert "Only papers published since 2025-01-01, with code" in msg.content
        found = [embed["title"].split(". ", 1)[1] for embed in msg.embeds]
        assert found and set(found) <= CODE_TITLES
        bad = await fake.send_interaction_command("find", {"query": "sinkhorn", "since": "soonish"})
        error = await fake.wait_for_response(bad, timeout=TIMEOUT)
        assert error.ephemeral and "2025-03" in error.content


async def test_a_pasted_paper_the_corpus_lacks_can_be_fetched_by_a_manager(
    fake: FakeDiscord, state: State, tmp_path: Path
) -> None:
    # A manager of a server the operator allow-listed (CORPUS_ADMIN_GUILD_IDS); tests/bot/test_fetch_e2e.py
    # covers servers not on the list and the bot's owners.
    feed = LoopbackServer()
    store = open_corpus(tmp_path / "corpus.sqlite3", seed=False)
    synced: list[int] = []
    try:
        entry = arxiv_entry("http://arxiv.org/abs/2611.04242v2", "Sinkhorn Meets Sparse Newton",
                            "We make Sinkhorn iterations converge far faster with sparse Newton steps on large problems.")
        feed.set("/api/query", f'<feed xmlns="http://www.w3.org/2005/Atom">{entry}</feed>', content_type="application/atom+xml")
        refresher = Refresher(store, SourceConfig(enabled=False), SourceConfig(base_url=feed.url, timeout=5, spacing=0))
        async with running_bot(fake, handlers(), tmp_path, state=state) as run:
            policy = FetchPolicy(per_user_daily=10, per_server_daily=30, admin_guild_ids=frozenset({fake.guild.id}))
            run.client.fetch = PaperFetch(refresher, lambda: synced.append(1), state.fetch_audit, policy)
            member = await ask(fake, "https://arxiv.org/abs/2611.04242")
            assert "arXiv:2611.04242 is not in my corpus" in member.content and policy.who_can_add() in member.content
            assert member.custom_ids() == []
            answer = await ask(fake, "https://arxiv.org/abs/2611.04242", author=fake.moderator)
            assert "arXiv:2611.04242 is not in my corpus" in answer.content and policy.who_can_add() not in answer.content
            refused = await fake.click_button(answer, "ps:fetch:2611.04242")
            assert policy.who_can_add() in (await fake.wait_for_response(refused, timeout=TIMEOUT)).content
            assert len(store) == 0
            clicked = await fake.click_button(answer, "ps:fetch:2611.04242", user=fake.moderator)
            done = await fake.wait_for_response(clicked, timeout=TIMEOUT, predicate=lambda m: "Added" in (m.content or ""))
            assert done.ephemeral and "Added arXiv:2611.04242" in done.content
        assert store.find(arxiv_id="2611.04242").title == "Sinkhorn Meets Sparse Newton" and synced == [1]
        assert "id_list=2611.04242" in feed.requests_to("/api/query")[0]
    finally:
        feed.stop()
        store.close()


def ranks(message: FakeMessage) -> list[int]:
    return [int(embed["title"].split(". ", 1)[0]) for embed in message.embeds]


async def tied(state: State, *answers: FakeMessage) -> None:
    """Wait until the bot tied its answers to their states (it does so right after sending, which a test can outrun)."""
    now = datetime.now(timezone.utc)
    await eventually(lambda: all(state.conversations.by_message(a.id, now) for a in answers), "answers tied to states")


async def test_a_reply_acts_on_the_answer_it_replies_to_not_on_the_refined_state_even_after_a_restart(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    path = DataDir(tmp_path).state
    before = State.open(path)
    async with running_bot(fake, handlers(), tmp_path, state=before):
        answer = await ask(fake, "is there work on fast Sinkhorn iterations?")
        await tied(before, answer)
        coded = await ask(fake, "only with code", reply_to=answer)
        assert "Only papers with code" in coded.content and set(titles(coded)) <= CODE_TITLES
        await tied(before, coded)
        both = await ask(fake, "newer than 2024", reply_to=coded)
        assert titles(both) == ["Sinkhorn Transport Variant 0"]  # with code and from 2025 on
        more = await ask(fake, "more", reply_to=answer)
        # The first answer's own list from where it stopped: not "that is all" of the refined one.
        assert "all I have" not in more.content and ranks(more) == [4, 5, 6]
        assert titles(more) == [f"Sinkhorn Transport Variant {n}" for n in (3, 4, 5)]
        other = await ask(fake, "Sinkhorn transport variant 6")  # a new question, no reply
        assert titles(other)[0] == "Sinkhorn Transport Variant 6" != titles(answer)[0]
        await tied(before, both, more, other)
    before.close()
    after = State.open(path)
    try:
        async with running_bot(fake, handlers(), tmp_path, state=after):
            first = await ask(fake, "the first one", reply_to=answer)
            assert first.embeds[0]["title"] == titles(answer)[0]
            dated = await ask(fake, "newer than 2024", reply_to=answer)  # the date only, no code filter
            assert titles(dated) == [f"Sinkhorn Transport Variant {n}" for n in (0, 2, 6)]
            latest = await ask(fake, "the first one")  # no reply: the latest state, the new question's
            assert latest.embeds[0]["title"] == "Sinkhorn Transport Variant 0"
    finally:
        after.close()


async def test_a_reply_to_an_answer_never_tied_to_its_state_starts_afresh_once_the_user_moved_on(
    fake: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = DataDir(tmp_path).state
    before = State.open(path)
    async with running_bot(fake, handlers(), tmp_path, state=before):
        answer = await ask(fake, "fast Sinkhorn iterations")
        await tied(before, answer)

        def killed(message_id: int, state_id: int) -> None:
            raise RuntimeError("killed between sending the answer and tying it to its state")

        # The bot sends its answer, then stops before tying the message to the answer's state.
        monkeypatch.setattr(before.conversations, "attach", killed)
        untied = await ask(fake, "only with code", reply_to=answer)
        assert set(titles(untied)) <= CODE_TITLES
    monkeypatch.undo()
    before.close()
    after = State.open(path)
    try:
        async with running_bot(fake, handlers(), tmp_path, state=after):
            other = await ask(fake, "Sinkhorn transport variant 6")
            await tied(after, other)
            lost = await ask(fake, "more", reply_to=untied)  # not the "more" of the new question
            assert lost.content == NO_CONVERSATION and not lost.embeds
            first = await ask(fake, "the first one", reply_to=answer)  # the tied answer still works
            assert first.embeds[0]["title"] == titles(answer)[0]
            more = await ask(fake, "more")
            assert ranks(more) == [4, 5, 6] and titles(more)[0] not in titles(other)
    finally:
        after.close()


async def test_a_reply_to_a_persons_message_continues_the_latest_state(
    fake: FakeDiscord, state: State, tmp_path: Path
) -> None:
    async with running_bot(fake, handlers(), tmp_path, state=state):
        answer = await ask(fake, "fast Sinkhorn iterations")
        await tied(state, answer)
        remark = await fake.send_message(fake.channel.id, "these look good", author=fake.moderator)
        more = await ask(fake, "more", reply_to=remark)
        assert ranks(more) == [4, 5, 6] and not set(titles(more)) & set(titles(answer))
