"""/paper and /similar with a title that matches several papers: the titles are offered, not refused."""

from __future__ import annotations

import pytest

from bot.core import engagement as events
from bot.core.errors import UserFacingError
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.replies import PAPER_CARD, TITLES, Requester
from bot.core.title_choices import CHOICES_SHOWN, AmbiguousTitle, choice_lines, choices_reply, title_candidates
from bot.discord_app import embeds as cards
from bot.discord_app.title_picker import TitlePicker
from corpus.paper import Paper
from tests.bot.fakes import FAST_SINKHORN, GRAPHS, IMPLICIT, MARKDOWN, SINKHORN, FakeRetriever, ListSink, make_paper

ALICE = Requester(user_id=1, guild_id=10)


class OverlapRetriever(FakeRetriever):
    """Completes titles like HybridRetriever: starts, then contains, then any shared word."""

    def complete_titles(self, prefix: str, limit: int = 25) -> list[Paper]:
        picked = super().complete_titles(prefix, limit)
        words = set(prefix.lower().split())
        shared = [p for p in self.papers if p not in picked and words & set(p.title.lower().split())]
        return (picked + shared)[:limit]


async def test_a_title_several_papers_match_offers_them(handlers: Handlers, sink: ListSink) -> None:
    with pytest.raises(AmbiguousTitle) as raised:
        await handlers.paper(ALICE, "sinkhorn")
    reply = raised.value.reply
    assert reply.kind == TITLES and reply.ephemeral
    assert [c.paper for c in reply.cards] == [SINKHORN, FAST_SINKHORN] and [c.rank for c in reply.cards] == [1, 2]
    assert reply.text == "No paper is titled \u201csinkhorn\u201d; 2 titles match it:"
    # A front end that only shows error text still lists them instead of refusing.
    assert raised.value.message == (
        "No paper is titled \u201csinkhorn\u201d; 2 titles match it:\n"
        "1. Sinkhorn Distances: Lightspeed Computation of Optimal Transport\n"
        "2. Faster Sinkhorn Iterations with Newton Steps"
    )
    assert "don't know a paper" not in raised.value.message
    assert sink.events == []  # nothing was opened


async def test_paper_or_choices_returns_either_reply(handlers: Handlers, sink: ListSink) -> None:
    assert (await handlers.paper_or_choices(ALICE, "sinkhorn")).kind == TITLES
    full = await handlers.paper_or_choices(ALICE, "Efficient and Modular")  # one title starts so, no other matches
    assert full.kind == PAPER_CARD and full.cards[0].paper == IMPLICIT
    assert [e.kind for e in sink.events] == [events.PAPER]
    with pytest.raises(UserFacingError, match="don't know a paper titled"):
        await handlers.paper_or_choices(ALICE, "zzqx")


async def test_similar_offers_the_titles_too(handlers: Handlers) -> None:
    with pytest.raises(AmbiguousTitle) as raised:
        await handlers.similar(ALICE, "sinkhorn")
    assert [c.paper for c in raised.value.reply.cards] == [SINKHORN, FAST_SINKHORN]


async def test_many_matches_show_the_first_ten_and_say_so() -> None:
    papers = tuple(make_paper(f"p-gnn-{i}", f"Graph Networks Study {i:02d}", "We study graphs.") for i in range(30))
    handlers = Handlers(LiveIndex(FakeRetriever(papers)), ListSink())
    reply = await handlers.paper_or_choices(ALICE, "graph networks")
    assert len(reply.cards) == CHOICES_SHOWN and reply.note == "Type more of the title to narrow these down."
    assert reply.text == "No paper is titled \u201cgraph networks\u201d; the first 10 titles that match it:"


async def test_only_titles_holding_every_typed_word_are_offered() -> None:
    handlers = Handlers(LiveIndex(OverlapRetriever()), ListSink())
    # Shared words alone ("paper", "networks") are no match: the title is unknown, as before.
    with pytest.raises(UserFacingError, match="don't know a paper titled") as raised:
        await handlers.paper(ALICE, "no such paper anywhere")
    assert not isinstance(raised.value, AmbiguousTitle)
    # Each typed word may be the start of a title word, in any order.
    found = title_candidates(OverlapRetriever(), "newton sinkh")
    assert found == [FAST_SINKHORN]
    assert title_candidates(OverlapRetriever(), "graph task") == list(GRAPHS)


async def test_one_title_containing_the_text_is_offered_not_opened(handlers: Handlers) -> None:
    reply = await handlers.paper_or_choices(ALICE, "lightspeed computation")
    assert reply.kind == TITLES and [c.paper for c in reply.cards] == [SINKHORN]
    assert reply.text == "No paper is titled \u201clightspeed computation\u201d; one title matches it:"


def test_choice_lines_tell_same_titles_apart_by_authors_and_year() -> None:
    twins = [
        make_paper("p-a", "Attention Is All You Need", "x " * 10, authors=("A. Vaswani", "N. Shazeer"), published="2017-06-12"),
        make_paper("p-b", "Attention Is All You Need", "x " * 10, authors=("B. Other",), published="2023-01-01"),
    ]
    reply = choices_reply("attention", twins)
    assert choice_lines(reply) == [
        "1. Attention Is All You Need \u2014 A. Vaswani, N. Shazeer \u00b7 2017",
        "2. Attention Is All You Need \u2014 B. Other \u00b7 2023",
    ]


async def test_titles_render_as_an_escaped_list_with_a_menu() -> None:
    papers = [MARKDOWN, SINKHORN]
    reply = choices_reply("**a** @everyone", papers)
    (message,) = cards.render(reply)
    assert message.content == "No paper is titled \u201c\\*\\*a\\*\\* @everyone\u201d; 2 titles match it:"
    lines = message.embeds[0].description.split("\n")
    assert lines[0] == "**1.** A \\*Bold\\* \\_Claim\\_ about \\`code\\`, \\|\\|spoilers\\|\\| and \\~\\~strikes\\~\\~"
    assert lines[1] == "**2.** Sinkhorn Distances: Lightspeed Computation of Optimal Transport"
    picker = TitlePicker(reply, _open_nothing, placeholder="Open one of these papers\u2026", timeout=60)
    assert [(o.label, o.value) for o in picker.menu.options] == [
        ("1. A *Bold* _Claim_ about `code`, ||spoilers|| and ~~strikes~~", MARKDOWN.id),  # menus show text as is
        ("2. Sinkhorn Distances: Lightspeed Computation of Optimal Transport", SINKHORN.id),
    ]


async def _open_nothing(interaction: object, paper_id: str) -> None:
    return None
