"""Cards on the wire: the real bot against the fake Discord, which rejects what Discord rejects.

Title choices for /paper and /similar, and worst-case papers (huge, markdown- and
mention-laden) through /find and /paper: every message must be accepted and ping nobody.
"""

from __future__ import annotations

from pathlib import Path

from bot.core import engagement as events
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from tests.bot.fakes import FAST_SINKHORN, SINKHORN, FakeRetriever, ListSink
from tests.bot.harness import DEFER, TIMEOUT, callback_types, no_pings, running_bot
from tests.bot.test_card_limits import NASTY, worst_paper
from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import ClientRun


async def test_paper_with_several_matching_titles_offers_a_menu(fake: FakeDiscord, run: ClientRun, sink: ListSink) -> None:
    inter = await fake.send_interaction_command("paper", {"title": "sinkhorn"})
    offer = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert offer.ephemeral and "No paper is titled \u201csinkhorn\u201d" in offer.content
    assert "don't know a paper" not in offer.content
    assert offer.embeds[0]["description"].split("\n") == [f"**1.** {SINKHORN.title}", f"**2.** {FAST_SINKHORN.title}"]
    options = offer.find_component("titles:pick")["options"]
    assert [o["value"] for o in options] == [SINKHORN.id, FAST_SINKHORN.id]

    pick = await fake.select(offer, "titles:pick", [FAST_SINKHORN.id])
    card = await fake.wait_for_response(pick, timeout=TIMEOUT)
    assert not card.ephemeral and card.embeds[0]["title"] == FAST_SINKHORN.title  # as /paper would have shown it
    assert sink.events[-1].kind == events.PAPER and sink.events[-1].paper_ids == (FAST_SINKHORN.id,)
    assert fake.rejections == []


async def test_similar_with_several_matching_titles_offers_a_menu(fake: FakeDiscord, run: ClientRun) -> None:
    inter = await fake.send_interaction_command("similar", {"title": "sinkhorn"})
    offer = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert offer.ephemeral and offer.find_component("titles:pick") is not None
    pick = await fake.select(offer, "titles:pick", [SINKHORN.id])
    near = await fake.wait_for_response(pick, timeout=TIMEOUT)
    assert callback_types(fake, pick.id) == [DEFER]
    assert SINKHORN.title in near.content and near.embeds[0]["title"] == f"1. {FAST_SINKHORN.title}"


async def test_worst_case_cards_are_accepted_and_ping_nobody(fake: FakeDiscord, tmp_path: Path) -> None:
    papers = tuple(worst_paper(f"p-worst-{i}", arxiv_id=None if i % 2 else f"2105.1518{i}") for i in range(10))
    retriever = FakeRetriever(papers)
    async with running_bot(fake, Handlers(LiveIndex(retriever), ListSink()), tmp_path):
        inter = await fake.send_interaction_command("find", {"query": "everyone bold spoiler", "count": 10})
        page = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert len(page.embeds) == 10 and no_pings(page)

        full = await fake.send_interaction_command("paper", {"title": papers[0].id})
        await fake.wait_for(lambda: len(full.visible_ids) >= 2 or None, timeout=TIMEOUT, what="card + continuations")
        shown = [fake.get_message(i) for i in full.visible_ids]
        assert shown[0].embeds[0]["thumbnail"]["url"] == papers[0].thumbnail
        assert all(no_pings(m) for m in shown)

        choices = await fake.send_interaction_command("paper", {"title": NASTY[:40]})
        offer = await fake.wait_for_response(choices, timeout=TIMEOUT)
        assert offer.find_component("titles:pick") is not None and no_pings(offer)
    assert fake.rejections == []
