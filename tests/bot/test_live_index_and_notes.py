"""The one served index (read once per request, swapped whole), the long-query note, and one "why" text."""

from __future__ import annotations

import io

from bot.core.conversation import Place
from bot.core.handlers import Handlers, card_from_hit
from bot.core.live_index import LiveIndex
from bot.core.replies import Requester
from bot.terminal import text_render
from bot.terminal.console import run_session
from retrieval.query import MAX_QUERY_CHARS
from tests.bot.fakes import IMPLICIT, SINKHORN, FakeRetriever, ListSink
from tests.bot.harness import memory_talk

ALICE = Requester(user_id=1, guild_id=10)
# Six hundred characters: longer than retrieval searches, every word a real topic word.
LONG_QUERY = " ".join(["sinkhorn optimal transport"] * 25)
NOTE = "only its first"


async def test_a_published_index_serves_the_next_request() -> None:
    old, new = FakeRetriever(), FakeRetriever((SINKHORN,))
    index = LiveIndex(old)
    handlers = Handlers(index, ListSink())
    index.publish(new)
    reply = await handlers.find(ALICE, "sinkhorn")
    assert [c.paper.id for c in reply.cards] == [SINKHORN.id]
    assert new.searches and not old.searches
    assert index.generation == 1 and index.current is new


async def test_a_request_finishes_on_the_index_it_started_with() -> None:
    """A refresh publishing mid-request (here: while the title is resolved) does not mix two indexes."""
    index = LiveIndex(FakeRetriever())

    class PublishesWhileResolving(FakeRetriever):
        def get(self, paper_id: str):
            index.publish(FakeRetriever(()))  # the next index knows no paper at all
            return super().get(paper_id)

    started = PublishesWhileResolving()
    index.publish(started)
    reply = await Handlers(index, ListSink()).similar(ALICE, IMPLICIT.id)
    assert reply.cards and IMPLICIT.clean_title in reply.text
    assert len(index.current) == 0  # the swap happened, after the request had taken its index


async def test_a_long_query_is_cut_once_and_the_note_reaches_find_and_mentions() -> None:
    retriever = FakeRetriever()
    handlers = Handlers(LiveIndex(retriever), ListSink())
    assert len(LONG_QUERY) > MAX_QUERY_CHARS
    found = await handlers.find(ALICE, LONG_QUERY)
    answered = (await memory_talk(handlers).message(Place(ALICE.user_id, ALICE.guild_id, 5), LONG_QUERY)).reply
    for reply in (found, answered):
        assert reply.note is not None and NOTE in reply.note and str(len(reply.query or "")) in reply.note
        assert NOTE in text_render.render(reply)
    searched = [text for text, _ in retriever.searches]
    assert len(searched) == 2 and all(len(text) <= MAX_QUERY_CHARS for text in searched)
    assert searched[0] == found.query  # searched exactly as the note describes


def test_the_console_shows_the_long_query_note() -> None:
    out = io.StringIO()
    handlers = Handlers(LiveIndex(FakeRetriever()), ListSink())
    assert run_session(handlers, memory_talk(handlers), io.StringIO(f"/find {LONG_QUERY}\n{LONG_QUERY}\n"), out) == 0
    assert out.getvalue().count(f"(Your query was long; {NOTE}") == 2


def test_cards_the_console_and_json_share_one_why_text() -> None:
    hit = FakeRetriever().search("implicit differentiation").hits[0]
    card = card_from_hit(hit)
    assert card.why == hit.why == "keywords: implicit, differentiation; semantic similarity 1.00"
    assert f"why: {hit.why}" in text_render.render_card(card)
