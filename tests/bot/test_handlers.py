"""Unit tests of the handlers (with the fake retriever), the rate limit and the text renderer."""

from __future__ import annotations

import pytest

from bot.core import engagement as events
from bot.core.conversation import Place
from bot.core.errors import RateLimited, UserFacingError
from bot.core.handlers import HELP_TEXT, PAGES, Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.replies import ANSWER, HELP, PAPER_CARD, RESULTS, Requester
from bot.discord_app.embeds import header
from bot.terminal import text_render
from tests.bot.fakes import FAST_SINKHORN, IMPLICIT, SINKHORN, FakeRetriever, ListSink, make_paper
from tests.bot.harness import memory_talk

ALICE = Requester(user_id=1, guild_id=10)


class Clock:
    """A clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_counts_per_user_and_frees_up() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(2, 30, clock=clock)
    limiter.acquire(1)
    clock.now += 10
    limiter.acquire(1)
    limiter.acquire(2)  # another user is not affected
    with pytest.raises(RateLimited) as info:
        limiter.acquire(1)
    assert info.value.retry_after == pytest.approx(20)
    assert "Try again in 20 s." in info.value.message
    clock.now += 20  # the first search leaves the window
    limiter.acquire(1)
    with pytest.raises(RateLimited):
        limiter.acquire(1)


async def test_find_returns_pages_and_records_one_event(handlers: Handlers, retriever: FakeRetriever, sink: ListSink) -> None:
    reply = await handlers.find(ALICE, "graph neural networks", 2)
    assert reply.kind == RESULTS and reply.page_size == 2 and reply.pages == PAGES
    assert retriever.searches == [("graph neural networks", 2 * PAGES)]
    assert [c.rank for c in reply.page(1)] == [3, 4]
    assert reply.cards[0].why.startswith("keywords: graph, neural, networks")
    assert [e.kind for e in sink.events] == [events.SEARCH]
    event = sink.events[0]
    assert (event.user_id, event.guild_id, event.query) == (1, 10, "graph neural networks")
    assert event.paper_ids == tuple(c.paper.id for c in reply.page(0))


async def test_find_clamps_count_and_says_so(handlers: Handlers, retriever: FakeRetriever) -> None:
    many = await handlers.find(ALICE, "sinkhorn", 50)
    assert many.page_size == 10
    assert many.note == "You asked for 50 results per page; showing 10, the most allowed (1-10)."
    # On Discord the note is in the message above the cards, as the note on a long query is.
    assert f"*{many.note}*" in header(many)
    assert "showing 10, the most allowed" in text_render.render(many)
    few = await handlers.find(ALICE, "sinkhorn", 0)
    assert few.page_size == 1 and few.note == "You asked for 0 results per page; showing 1, the fewest allowed (1-10)."
    assert (await handlers.find(ALICE, "sinkhorn", 10)).note is None
    # Both notes at once: the query cut short, and the count.
    both = await handlers.find(ALICE, "sinkhorn " * 100, 11)
    assert both.note is not None and both.note.startswith("Your query was long;") and both.note.endswith("(1-10).")


async def test_weak_results_are_few_and_marked(handlers: Handlers) -> None:
    reply = await handlers.find(ALICE, "quantum chromodynamics", 10)
    assert reply.weak and len(reply.cards) == 3 and all(c.weak for c in reply.cards)
    assert "Nothing in the corpus is close" in reply.text


async def test_bad_queries_are_user_errors_before_any_search(handlers: Handlers, retriever: FakeRetriever) -> None:
    acknowledged = []

    async def ack() -> None:
        acknowledged.append(True)

    for query in ("", "   ", "?!"):
        with pytest.raises(UserFacingError):
            await handlers.find(ALICE, query, before_search=ack)
    assert retriever.searches == [] and acknowledged == []


async def test_rate_limit_refuses_before_acknowledging(retriever: FakeRetriever) -> None:
    handlers = Handlers(LiveIndex(retriever), ListSink(), SlidingWindowLimiter(1, 30))
    acknowledged = []

    async def ack() -> None:
        acknowledged.append(True)

    await handlers.find(ALICE, "sinkhorn", before_search=ack)
    with pytest.raises(RateLimited):
        await handlers.find(ALICE, "sinkhorn", before_search=ack)
    assert acknowledged == [True] and len(retriever.searches) == 1


async def test_a_question_quotes_the_best_sentence_cited_to_its_card(handlers: Handlers, sink: ListSink) -> None:
    reply = (await memory_talk(handlers).message(Place(ALICE.user_id, ALICE.guild_id, 5), "sinkhorn newton steps")).reply
    assert reply.kind == ANSWER and len(reply.cards) == 3
    first = reply.quotes[0]
    assert first.number == 1 and first.title == FAST_SINKHORN.title == reply.cards[0].paper.title
    assert "Newton steps" in first.sentence
    assert sink.events[-1].kind == events.MENTION


def test_help_is_the_help_text(handlers: Handlers) -> None:
    reply = handlers.help()
    assert reply.kind == HELP and reply.text == HELP_TEXT


async def test_paper_resolves_ids_titles_and_unique_prefixes(handlers: Handlers, sink: ListSink) -> None:
    assert (await handlers.paper(ALICE, IMPLICIT.id)).cards[0].paper == IMPLICIT
    assert (await handlers.paper(ALICE, "efficient and modular implicit differentiation")).cards[0].paper == IMPLICIT
    reply = await handlers.paper(ALICE, "Efficient and Modular")
    assert reply.kind == PAPER_CARD and reply.cards[0].full and reply.cards[0].paper == IMPLICIT
    with pytest.raises(UserFacingError, match="7 titles match it"):  # offered to pick from (test_title_choices.py)
        await handlers.paper(ALICE, "Graph Neural Networks for Task")  # seven titles start like this
    assert [e.kind for e in sink.events] == [events.PAPER] * 3


async def test_similar_and_details(handlers: Handlers, sink: ListSink) -> None:
    reply = await handlers.similar(ALICE, SINKHORN.title)
    assert reply.cards[0].paper == FAST_SINKHORN and SINKHORN.id not in [c.paper.id for c in reply.cards]
    details = await handlers.details(ALICE, SINKHORN.id)
    assert details.ephemeral and details.cards[0].full
    with pytest.raises(UserFacingError):
        await handlers.details(ALICE, "p-gone")
    assert [e.kind for e in sink.events] == [events.SIMILAR, events.DETAILS]
    assert sink.events[0].paper_ids[0] == SINKHORN.id


async def test_complete_caps_choices_at_25_and_100_chars() -> None:
    papers = tuple(make_paper(f"p-{i}", f"Sparse {'Attention ' * 20}{i}", "x.") for i in range(40))
    handlers = Handlers(LiveIndex(FakeRetriever(papers)), ListSink())
    choices = await handlers.complete("sparse")
    assert len(choices) == 25 and all(len(name) <= 100 for name, _ in choices)
    assert choices[0] == (choices[0][0], "p-0") and choices[0][0].endswith("\u2026")


async def test_a_failing_sink_does_not_cost_the_answer(retriever: FakeRetriever) -> None:
    class Broken(ListSink):
        def record(self, event: events.EngagementEvent) -> None:
            raise OSError("disk full")

    reply = await Handlers(LiveIndex(retriever), Broken()).find(ALICE, "sinkhorn")
    assert reply.cards


async def test_text_render_shows_the_same_cards(handlers: Handlers) -> None:
    reply = await handlers.find(ALICE, "implicit differentiation", 2)
    text = text_render.render(reply)
    lines = text.splitlines()
    assert lines[0] == "Papers for \u201cimplicit differentiation\u201d"
    assert "1. Efficient and Modular Implicit Differentiation" in lines
    assert "*implicit* *differentiation*" in text and "why: keywords: implicit, differentiation" in text
    assert "listed: HF papers page 000, #1; HF papers page 004, #125" in text
    assert "Code: https://github.com/google/jaxopt" in text
