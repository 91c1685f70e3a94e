"""Result lists kept for their paging buttons: the reply as plain data and back, in real SQLite, and their expiry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from bot.core.live_index import LiveIndex
from bot.core.replies import RESULTS, Card, Quote, Reply, Requester
from bot.core.result_pages import ResultPages, reply_data, reply_from_data
from bot.state import State
from bot.state.conversations import CONVERSATION_TTL
from tests.bot.fakes import FAST_SINKHORN, IMPLICIT, SINKHORN, FakeRetriever
from tests.bot.harness import Clock

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
REPLY = Reply(
    RESULTS,
    "Papers for \u201csinkhorn\u201d",
    (
        Card(SINKHORN, rank=1, sentence="We smooth the problem.", matched_terms=("sinkhorn",), similarity=0.75),
        Card(FAST_SINKHORN, rank=2, sentence="We add Newton steps.", matched_terms=("sinkhorn", "newton"), weak=True),
        Card(IMPLICIT, rank=3, reason="3 \N{THUMBS UP SIGN} this week", full=True),
    ),
    query="sinkhorn",
    note="Your query was long; only its first 500 characters were searched.",
    quotes=(Quote("We add Newton steps.", FAST_SINKHORN.title, 2),),
    page_size=2,
    understood="Only papers with code: 3 in the corpus",
)


def test_a_reply_survives_the_trip_through_json() -> None:
    data = json.loads(json.dumps(reply_data(REPLY)))
    assert data["cards"][0]["paper"] == SINKHORN.id  # ids, not papers
    assert reply_from_data(data, FakeRetriever().get) == REPLY


def test_a_paper_gone_from_the_corpus_leaves_its_card_out() -> None:
    data = reply_data(REPLY)
    corpus = FakeRetriever(tuple(p for p in FakeRetriever().papers if p.id != FAST_SINKHORN.id))
    back = reply_from_data(data, corpus.get)
    assert [c.paper.id for c in back.cards] == [SINKHORN.id, IMPLICIT.id] and [c.rank for c in back.cards] == [1, 3]


def test_fields_another_version_wrote_are_ignored() -> None:
    data = reply_data(REPLY)
    data["shiny_new_field"] = 1
    data["cards"][0]["another_one"] = "x"
    assert reply_from_data(data, FakeRetriever().get) == REPLY


async def test_a_list_lasts_the_conversation_ttl_after_its_last_use(store: State) -> None:
    clock = Clock(NOW)
    pages = ResultPages(LiveIndex(FakeRetriever()), store.conversations, clock)
    owner = Requester(user_id=7, guild_id=9)
    list_id = await pages.keep(owner, REPLY)
    assert list_id is not None
    kept = await pages.get(list_id)
    assert kept is not None and kept.owner == owner and kept.reply == REPLY

    clock.now = NOW + CONVERSATION_TTL - timedelta(seconds=1)
    await pages.touch(list_id)
    clock.now += CONVERSATION_TTL - timedelta(seconds=1)
    assert await pages.get(list_id) is not None
    clock.now += timedelta(seconds=2)
    assert await pages.get(list_id) is None
    assert await pages.get(list_id + 1) is None  # never kept

    assert store.conversations.prune(clock.now) == 1
    assert store.db.read("SELECT COUNT(*) FROM result_lists") == [(0,)]


async def test_a_list_that_cannot_be_kept_is_shown_without_paging(store: State) -> None:
    pages = ResultPages(LiveIndex(FakeRetriever()), store.conversations)
    store.close()  # every write now fails
    assert await pages.keep(Requester(user_id=7), REPLY) is None
