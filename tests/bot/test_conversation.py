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
    assert answer.state_id is not None


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
    before.conversations.attach(555, answer.state_id)
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


# ---------------------------------------------------------------- replies refer to the answer they reply to

QUESTION = "fast Sinkhorn iterations"


def ids(answer: Answer) -> list[str]:
    return [c.paper.id for c in answer.reply.cards]


class Chat:
    """Alice's side of a Discord chat: each answer is "sent" as a message id and tied to its state, as the cog does."""

    def __init__(self, t: Talk, where: Place = ALICE) -> None:
        self.t = t
        self.where = where
        self.next_id = 1000

    async def say(self, text: str, reply_to: int | None = None, where: Place | None = None) -> tuple[int, Answer]:
        place = where or self.where
        answer = await self.t.message(Place(place.user_id, place.guild_id, place.channel_id, reply_to=reply_to), text)
        self.next_id += 1
        if answer.state_id is not None:
            await self.t.attach(self.next_id, answer.state_id)
        return self.next_id, answer


async def test_a_reply_refines_what_its_answer_showed_however_the_conversation_went_on(tmp_path: Path) -> None:
    before = State.open(DataDir(tmp_path).state)
    chat = Chat(talk(before))
    first, asked = await chat.say(QUESTION)
    coded, with_code = await chat.say("only with code", reply_to=first)
    _, both = await chat.say("newer than 2024", reply_to=coded)
    assert ids(both) == ["p-sink-0"]  # with code and from 2025 on: the refinements add up along a branch
    _, more = await chat.say("more", reply_to=first)
    # The first answer's own list, unfiltered, from where it stopped: not "that is all" of the refined one.
    assert more.reply.kind == RESULTS and [c.rank for c in more.reply.cards] == [4, 5, 6]
    assert ids(more) == ["p-sink-3", "p-sink-4", "p-sink-5"]
    _, dated = await chat.say("newer than 2024", reply_to=first)
    assert ids(dated) == ["p-sink-0", "p-sink-2", "p-sink-6"]  # the date only: papers without code too
    _, other = await chat.say("Sinkhorn transport variant 6")
    assert ids(other)[0] == "p-sink-6" != ids(asked)[0]
    before.close()
    after = State.open(DataDir(tmp_path).state)
    try:
        chat.t = talk(after, Clock(NOW + timedelta(hours=1)))
        _, picked = await chat.say("the first one", reply_to=first)
        assert picked.reply.kind == PAPER_CARD and picked.reply.cards[0].paper.id == ids(asked)[0]
        _, third = await chat.say("the third one", reply_to=coded)
        assert third.reply.cards[0].paper.id == ids(with_code)[2]
    finally:
        after.close()


async def test_a_message_that_is_no_reply_continues_the_latest_branch(state: State) -> None:
    chat = Chat(talk(state))
    first, _ = await chat.say(QUESTION)
    await chat.say("only with code", reply_to=first)
    _, more = await chat.say("more", reply_to=first)
    assert [c.rank for c in more.reply.cards] == [4, 5, 6]
    _, after = await chat.say("more")  # continues the branch just answered, not the "with code" one
    assert ids(after) == ["p-sink-6", "p-sink-7"]


async def test_more_replied_to_a_more_page_continues_where_that_page_ended(state: State) -> None:
    chat = Chat(talk(state))
    first, _ = await chat.say(QUESTION)
    page, _ = await chat.say("more", reply_to=first)
    await chat.say("more", reply_to=page)
    _, again = await chat.say("more", reply_to=page)  # the page's own end, however often asked
    assert [c.rank for c in again.reply.cards] == [7, 8]
    _, end = await chat.say("more")
    assert end.reply.kind == TEXT and "all I have" in end.reply.text
    done, _ = await chat.say("more")
    _, picked = await chat.say("the last one", reply_to=done)  # "all I have" refers to the list it ended
    assert picked.reply.cards[0].paper.id == "p-sink-7"


async def test_a_reply_to_another_users_answer_starts_the_repliers_own_branch(state: State) -> None:
    chat = Chat(talk(state))
    first, _ = await chat.say(QUESTION)
    _, bobs = await chat.say("more", reply_to=first, where=BOB)
    assert [c.rank for c in bobs.reply.cards] == [4, 5, 6]
    _, bobs_next = await chat.say("more", where=BOB)
    assert [c.rank for c in bobs_next.reply.cards] == [7, 8]
    _, alices = await chat.say("more")  # Alice's own conversation did not move
    assert [c.rank for c in alices.reply.cards] == [4, 5, 6]


async def test_a_reply_to_an_answer_never_tied_to_its_state_refers_to_it_until_the_user_moves_on(state: State) -> None:
    # As after a kill -9 between sending an answer and tying its message to its state.
    t = talk(state)
    chat = Chat(t)
    await chat.say(QUESTION)
    coded = await t.message(ALICE, "only with code")
    assert coded.state_id is not None  # sent as message 4242, never tied
    _, third = await chat.say("the third one", reply_to=4242)  # the latest state, which no message showed
    assert third.reply.cards[0].paper.id == ids(coded)[2]
    _, again = await chat.say("the second one", reply_to=4242)  # still that state, though "the third one" showed it
    assert again.reply.cards[0].paper.id == ids(coded)[1]
    await t.message(ALICE, "Sinkhorn transport variant 6")  # sent as 4343, never tied
    await chat.say("more")  # the user moved on: the latest state is shown by another message
    # Not the "more" of some other state: start afresh.
    assert (await t.message(Place(1, 10, 100, reply_to=4343), "more")).reply.text == NO_CONVERSATION
    _, head = await chat.say("more")  # no reply: the latest state, as ever
    assert [c.rank for c in head.reply.cards] == [7, 8]


async def test_a_reply_to_an_expired_answer_does_not_act_on_a_newer_conversation(state: State) -> None:
    clock = Clock(NOW)
    chat = Chat(talk(state, clock))
    first, _ = await chat.say(QUESTION)
    clock.now = NOW + timedelta(hours=25)
    await chat.say("Sinkhorn transport variant 6")
    assert (await chat.say("the first one", reply_to=first))[1].reply.text == NO_CONVERSATION


class TieLandsBetweenReads:
    """The state store, with the bot's tie of a sent answer landing just after the reply looked its message up."""

    def __init__(self, conversations, message_id: int, state_id: int) -> None:
        self._inner, self._message_id, self._state_id = conversations, message_id, state_id

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def latest_untied(self, user_id: int, channel_id: int, now: datetime):
        self._inner.attach(self._message_id, self._state_id)
        return self._inner.latest_untied(user_id, channel_id, now)


async def test_a_reply_racing_the_tie_of_the_answer_it_replies_to_still_refines_that_answer(state: State) -> None:
    first = await ask(talk(state), ALICE, "is there work on fast Sinkhorn iterations?")
    racing = Talk(LiveIndex(FakeRetriever(PAPERS)), TieLandsBetweenReads(state.conversations, 777, first.state_id),
                  ListSink(), clock=Clock(NOW))
    reply = (await racing.message(Place(1, 10, 100, reply_to=777), "only with code")).reply
    assert reply.understood and reply.understood.startswith("Only papers with code")
