"""Conversations over the fake retriever and the real SQLite state: questions, follow-ups, filters, restarts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core.conversation import NO_CONVERSATION, Answer, Place, Talk
from bot.core.errors import UserFacingError
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.replies import ANSWER, PAPER_CARD, RESULTS, TEXT, Requester
from bot.datadir import DataDir
from bot.state import State
from tests.bot.fakes import FakeRetriever, ListSink, make_paper
from tests.bot.harness import Clock

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
ALICE = Place(user_id=1, guild_id=10, channel_id=100)
BOB = Place(user_id=2, guild_id=10, channel_id=100)


def sinkhorn_paper(n: int, year: int | None, code: bool) -> object:
    sentences = " ".join(f"Sentence {i} on Sinkhorn transport variant {n}." for i in range(3))
    return make_paper(
        f"p-sink-{n}", f"Sinkhorn Transport Variant {n}", f"We study fast Sinkhorn iterations, variant {n}. {sentences}",
        code=f"https://github.com/x/sinkhorn-{n}" if code else None,
        published=f"{year}-06-01" if year else None,
        arxiv_id=f"2{n:03d}.00001",
    )


PAPERS = tuple(sinkhorn_paper(n, year, code) for n, (year, code) in enumerate(
    [(2025, True), (2023, False), (2026, False), (None, True), (2024, True), (2022, False), (2025, False), (None, False)]
))


@pytest.fixture
def state(tmp_path: Path):
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


def talk(state: State, clock: Clock | None = None) -> Talk:
    return Talk(LiveIndex(FakeRetriever(PAPERS)), state.conversations, ListSink(), clock=clock or Clock(NOW))


async def ask(t: Talk, where: Place, text: str) -> Answer:
    return await t.message(where, text)


async def test_a_question_is_answered_with_quotes_cited_to_its_cards(state: State) -> None:
    answer = await ask(talk(state), ALICE, "is there work on fast Sinkhorn iterations?")
    reply = answer.reply
    assert reply.kind == ANSWER and len(reply.cards) == 3
    assert [q.number for q in reply.quotes] == [1, 2, 3]
    for quote in reply.quotes:
        card = reply.cards[quote.number - 1]
        assert quote.title == card.paper.clean_title and quote.sentence in card.paper.clean_abstract
    assert answer.conversation_id is not None


async def test_only_with_code_keeps_papers_with_code_and_says_so(state: State) -> None:
    t = talk(state)
    await ask(t, ALICE, "fast Sinkhorn iterations")
    reply = (await ask(t, ALICE, "only with code")).reply
    assert reply.kind == RESULTS and reply.cards
    assert all(any(link.kind == "code" for link in c.paper.links) for c in reply.cards)
    assert reply.understood == "Only papers with code: 3 of the 8 results"


async def test_the_second_one_is_the_full_card_of_result_2(state: State) -> None:
    t = talk(state)
    first = (await ask(t, ALICE, "fast Sinkhorn iterations")).reply
    reply = (await ask(t, ALICE, "the second one")).reply
    assert reply.kind == PAPER_CARD and reply.cards[0].full
    assert reply.cards[0].paper.id == first.cards[1].paper.id
    assert reply.understood and "2" in reply.understood


async def test_more_shows_new_papers_none_repeated(state: State) -> None:
    t = talk(state)
    first = (await ask(t, ALICE, "fast Sinkhorn iterations")).reply
    second = (await ask(t, ALICE, "more")).reply
    third = (await ask(t, ALICE, "more")).reply
    seen = [c.paper.id for r in (first, second, third) for c in r.cards]
    assert len(seen) == 8 == len(set(seen))
    assert [c.rank for c in second.cards] == [4, 5, 6]
    done = (await ask(t, ALICE, "more")).reply
    assert done.kind == TEXT and "all I have" in done.text


async def test_a_result_that_does_not_exist_gets_a_clear_message(state: State) -> None:
    t = talk(state)
    await ask(t, ALICE, "fast Sinkhorn iterations")
    with pytest.raises(UserFacingError, match="pick a number from 1 to 3"):
        await ask(t, ALICE, "the ninth one")


async def test_a_date_filter_counts_papers_without_a_date(state: State) -> None:
    t = talk(state)
    await ask(t, ALICE, "fast Sinkhorn iterations")
    reply = (await ask(t, ALICE, "newer than 2024")).reply
    assert {c.paper.published[:4] for c in reply.cards} <= {"2025", "2026"} and len(reply.cards) == 3
    assert reply.understood.endswith("(2 papers with no known date left out)")


async def test_what_about_keeps_the_filters_and_without_drops_a_topic(state: State) -> None:
    t = talk(state)
    await ask(t, ALICE, "fast Sinkhorn iterations")
    await ask(t, ALICE, "with code")
    reply = (await ask(t, ALICE, "what about Sinkhorn variant 4?")).reply
    assert reply.understood and all(any(l.kind == "code" for l in c.paper.links) for c in reply.cards)
    dropped = (await ask(t, ALICE, "without variant 4")).reply
    assert "variant 4" not in " ".join(c.paper.clean_abstract for c in dropped.cards)


async def test_bibtex_and_similar_follow_ups(state: State) -> None:
    t = talk(state)
    first = (await ask(t, ALICE, "fast Sinkhorn iterations")).reply
    cite = (await ask(t, ALICE, "bibtex 2")).reply
    assert cite.kind == TEXT and cite.code and first.cards[1].paper.arxiv_id in cite.code
    similar = (await ask(t, ALICE, "similar to the first")).reply
    assert similar.kind == RESULTS and first.cards[0].paper.id not in [c.paper.id for c in similar.cards]


async def test_another_users_message_never_continues_the_first_users_conversation(state: State) -> None:
    t = talk(state)
    await ask(t, ALICE, "fast Sinkhorn iterations")
    assert (await ask(t, BOB, "more")).reply.text == NO_CONVERSATION


async def test_a_reply_continues_the_answer_it_replies_to_after_a_restart(tmp_path: Path) -> None:
    before = State.open(DataDir(tmp_path).state)
    answer = await ask(talk(before), ALICE, "fast Sinkhorn iterations")
    before.conversations.attach(555, answer.conversation_id)
    first_ids = [c.paper.id for c in answer.reply.cards]
    before.close()
    after = State.open(DataDir(tmp_path).state)
    try:
        # A new process, and Alice asked about something else meanwhile in another channel.
        t = talk(after, Clock(NOW + timedelta(hours=3)))
        await ask(t, Place(1, 10, 200), "graph neural networks")
        reply = (await ask(t, Place(1, 10, 100, reply_to=555), "the first one")).reply
        assert reply.cards[0].paper.id == first_ids[0]
    finally:
        after.close()


async def test_conversations_expire(state: State) -> None:
    clock = Clock(NOW)
    t = talk(state, clock)
    await ask(t, ALICE, "fast Sinkhorn iterations")
    clock.now = NOW + timedelta(hours=25)
    assert (await ask(t, ALICE, "more")).reply.text == NO_CONVERSATION
    assert state.conversations.prune(clock.now) == 1


@pytest.mark.parametrize(
    "pasted", ["https://arxiv.org/abs/2000.00001v2", "arxiv.org/pdf/2000.00001.pdf", "https://huggingface.co/papers/2000.00001", "2000.00001"]
)
async def test_a_pasted_arxiv_link_or_id_shows_that_paper(state: State, pasted: str) -> None:
    reply = (await ask(talk(state), ALICE, pasted)).reply
    assert reply.kind == PAPER_CARD and reply.cards[0].paper.arxiv_id == "2000.00001"


async def test_a_pasted_paper_the_corpus_lacks_says_so(state: State) -> None:
    reply = (await ask(talk(state), ALICE, "https://arxiv.org/abs/2401.99999")).reply
    assert reply.kind == TEXT and "arXiv:2401.99999 is not in my corpus" in reply.text
    handlers = Handlers(talk(state).index, ListSink())
    found = await handlers.paper(Requester(1), "https://arxiv.org/abs/2003.00001v3")
    assert found.cards[0].paper.arxiv_id == "2003.00001"
    with pytest.raises(UserFacingError, match="arXiv:2401.99999 is not in my corpus"):
        await handlers.paper(Requester(1), "2401.99999")
