"""Every expensive path counts against a per-user limit: /trending, /paper, the result controls, the
"Find similar papers" menu (before it reads the message) and title suggestions (which scan every title).

End-to-end parts drive the real bot on the loopback Discord with a tight limit; a refused action
gets the limiter's one line, privately.
"""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from bot.core.errors import RateLimited
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import CLICK, SlidingWindowLimiter
from bot.core.title_completion import SCANS, TitleCompletions
from bot.datadir import DataDir
from bot.discord_app.cogs.message_search import MENU_NAME
from bot.state import State
from corpus.paper import Paper
from tests.bot.fakes import IMPLICIT, FakeRetriever, ListSink
from tests.bot.harness import TIMEOUT, running_bot
from tests.bot.test_lasting_controls_e2e import page_button
from tests.fakediscord import FakeDiscord, FakeMessage
from tests.fakediscord.pytest_helpers import ClientRun

LIMITED = "You're searching faster than I can keep up with."


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counting(FakeRetriever):
    """The fake retriever, counting the arXiv look-ups and title scans it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.arxiv_lookups = 0
        self.title_scans = 0

    def find_arxiv(self, arxiv_id: str) -> Paper | None:
        self.arxiv_lookups += 1
        return super().find_arxiv(arxiv_id)

    def complete_titles(self, prefix: str, limit: int = 25) -> list[Paper]:
        self.title_scans += 1
        return super().complete_titles(prefix, limit)


# ------------------------------------------------------------------------- the limiter


def test_clicks_cost_a_quarter_of_a_search_and_refusals_cost_nothing() -> None:
    clock = Ticks()
    limiter = SlidingWindowLimiter(2, 30, clock)
    limiter.acquire(1)
    for _ in range(4):
        limiter.acquire(1, CLICK)
    with pytest.raises(RateLimited):
        limiter.acquire(1, CLICK)
    with pytest.raises(RateLimited):
        limiter.acquire(1, CLICK)  # the refusal above was not counted: still exactly full
    assert limiter.retry_after(1, CLICK) == 30 and limiter.retry_after(2) == 0
    clock.now += 10
    assert limiter.retry_after(1, CLICK) == 20
    clock.now += 20
    limiter.acquire(1)  # the first search left the window
    with pytest.raises(ValueError):
        limiter.retry_after(1, 3)  # an action dearer than the whole budget could never pass


def test_a_search_waits_for_enough_clicks_to_leave_the_window() -> None:
    clock = Ticks()
    limiter = SlidingWindowLimiter(1, 30, clock)
    for _ in range(4):
        limiter.acquire(1, CLICK)
        clock.now += 5
    # Clicks at 0, 5, 10, 15 s; now 20 s. A search needs all four gone: the last leaves at 45 s.
    assert limiter.retry_after(1) == 25


# ---------------------------------------------------------------------- on the loopback Discord


@pytest.fixture
def counting() -> Counting:
    return Counting()


def tight(retriever: FakeRetriever, count: int) -> Handlers:
    return Handlers(LiveIndex(retriever), ListSink(), SlidingWindowLimiter(count, 600))


@pytest.fixture
async def state(tmp_path: Path) -> AsyncIterator[State]:
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


async def answer(fake: FakeDiscord, name: str, options: dict, user: object = None) -> FakeMessage:
    inter = await fake.send_interaction_command(name, options, user=user)
    return await fake.wait_for_response(inter, timeout=TIMEOUT)


async def test_trending_counts_against_the_askers_limit(fake: FakeDiscord, tmp_path: Path, state: State) -> None:
    async with running_bot(fake, tight(FakeRetriever(), 2), tmp_path, state=state):
        for _ in range(2):
            inter = await fake.send_interaction_command("trending", {"days": 7}, user=fake.user)
            shown = await fake.wait_for_response(inter, timeout=TIMEOUT, predicate=lambda m: bool(m.embeds))
            assert not shown.ephemeral
        refused = await answer(fake, "trending", {"days": 7}, user=fake.user)
        assert refused.content.startswith(LIMITED) and refused.ephemeral and "\n" not in refused.content
        inter = await fake.send_interaction_command("trending", {"days": 7}, user=fake.moderator)
        assert (await fake.wait_for_response(inter, timeout=TIMEOUT, predicate=lambda m: bool(m.embeds))).embeds


async def test_result_menus_and_page_buttons_count_as_clicks(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tight(FakeRetriever(), 2), tmp_path):
        results = await answer(fake, "find", {"query": "graph neural networks", "count": 2})  # 1 search of 2
        first = results.find_component("results:details")["options"][0]["value"]
        for _ in range(2):  # four clicks cost the second search
            pick = await fake.select(results, "results:details", [first])
            assert (await fake.wait_for_response(pick, timeout=TIMEOUT)).embeds
        for step, shown in (("next", "Page 2 of 3"), ("prev", "Page 1 of 3")):
            turn = await fake.click_button(results, page_button(results, step))
            await fake.wait_for_response(turn, timeout=TIMEOUT, predicate=lambda m: shown in m.content)
            results = fake.get_message(results.id)
        pick = await fake.select(results, "results:details", [first])
        refused = await fake.wait_for_response(pick, timeout=TIMEOUT)
        assert refused.content.startswith(LIMITED) and refused.ephemeral and not refused.embeds
        turn = await fake.click_button(results, page_button(results, "next"))
        assert (await fake.wait_for_response(turn, timeout=TIMEOUT)).content.startswith(LIMITED)
        assert "Page 1 of 3" in fake.get_message(results.id).content  # not turned


async def test_the_message_menu_is_limited_before_it_reads_the_message(
    fake: FakeDiscord, tmp_path: Path, counting: Counting
) -> None:
    async with running_bot(fake, tight(counting, 1), tmp_path):
        shared = await fake.send_message(fake.channel.id, f"have you read https://arxiv.org/abs/{IMPLICIT.arxiv_id}")
        inter = await fake.send_message_command(MENU_NAME, shared, user=fake.moderator)
        assert IMPLICIT.title in (await fake.wait_for_response(inter, timeout=TIMEOUT)).content
        assert counting.arxiv_lookups == 1
        inter = await fake.send_message_command(MENU_NAME, shared, user=fake.moderator)
        refused = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert refused.content.startswith(LIMITED) and refused.ephemeral
        assert counting.arxiv_lookups == 1  # refused before anything was looked up


async def test_paper_and_similar_count_before_they_scan_titles(
    fake: FakeDiscord, tmp_path: Path, counting: Counting
) -> None:
    async with running_bot(fake, tight(counting, 1), tmp_path):
        await answer(fake, "paper", {"title": "sinkhorn"})
        scans = counting.title_scans
        refused = await answer(fake, "similar", {"title": "no such paper anywhere"})
        assert refused.content.startswith(LIMITED) and counting.title_scans == scans
        refused = await answer(fake, "paper", {"title": "no such paper anywhere"})
        assert refused.content.startswith(LIMITED) and counting.title_scans == scans


async def test_the_same_text_typed_twice_scans_once(fake: FakeDiscord, tmp_path: Path, counting: Counting) -> None:
    async with running_bot(fake, tight(counting, 100), tmp_path):
        for user in (fake.user, fake.moderator):
            typing = await fake.send_autocomplete("paper", {"title": "Sinkhorn "}, user=user)
            assert len(await fake.wait_for_autocomplete(typing, timeout=TIMEOUT)) == 2
        assert counting.title_scans == 1


async def test_a_burst_of_keystrokes_scans_a_bounded_number_of_times(
    fake: FakeDiscord, tmp_path: Path, counting: Counting
) -> None:
    async with running_bot(fake, tight(counting, 100), tmp_path) as run:
        cog = run.client.get_cog("PapersCog")
        # The default window, made long enough that this test's own speed cannot matter.
        cog.completions.limiter = SlidingWindowLimiter(SCANS, 3600)
        typed = "optimal transport with entropic regularisation and sinkhorn"
        for end in range(1, len(typed) + 1):
            typing = await fake.send_autocomplete("similar", {"title": typed[:end]})
            await fake.wait_for_autocomplete(typing, timeout=TIMEOUT)
        assert counting.title_scans == SCANS
        # Another member is not held back by the first one's typing.
        typing = await fake.send_autocomplete("similar", {"title": "implicit"}, user=fake.moderator)
        await fake.wait_for_autocomplete(typing, timeout=TIMEOUT)
        assert counting.title_scans == SCANS + 1


async def test_past_the_limit_a_member_keeps_their_last_suggestions() -> None:
    clock, scans = Ticks(), []

    async def complete(typed: str) -> list[tuple[str, str]]:
        scans.append(typed)
        return [(f"title for {typed}", f"id-{len(scans)}")]

    generation = [0]
    completions = TitleCompletions(complete, lambda: generation[0], limiter=SlidingWindowLimiter(2, 10, clock), clock=clock)
    assert await completions.choices(1, "opt") == [("title for opt", "id-1")]
    assert await completions.choices(1, "Opt ") == [("title for opt", "id-1")]  # the same title text: kept
    assert await completions.choices(1, "optim") == [("title for optim", "id-2")]
    assert await completions.choices(1, "optima") == [("title for optim", "id-2")]  # over the limit: the last ones
    assert await completions.choices(2, "optima") == [("title for optima", "id-3")]  # another member scans
    assert await completions.choices(1, "optima") == [("title for optima", "id-3")]  # and it is kept for everyone
    clock.now += 10
    assert await completions.choices(1, "optimal") == [("title for optimal", "id-4")]  # the window moved on
    generation[0] += 1  # a new index: what was kept may be stale
    assert await completions.choices(3, "opt") == [("title for opt", "id-5")]
    clock.now += 60
    assert await completions.choices(3, "opt") == [("title for opt", "id-6")]  # kept a minute only
    assert len(scans) == 6
