"""Authors end to end: /author with autocomplete, /find author:"...", "only by NAME" and "more by the first author".

The real bot on the loopback Discord, over a real retriever (BM25, vectors, filters) of hand-made papers with
authors and dates; a fake encoder only, since the author filter and lists are what is tested.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.datadir import DataDir
from bot.state import State
from corpus.records import Candidate, new_paper
from retrieval.index import open_retriever
from tests.bot.fakes import ListSink
from tests.bot.harness import TIMEOUT, no_pings, replies_to, running_bot
from tests.bot.test_lasting_controls_e2e import page_button
from tests.fakediscord import FakeDiscord, FakeMessage
from tests.test_filters_real import WordsEncoder
from tests.test_retrieval_index import paths

ROWS = [
    # title, abstract, authors, published, code
    ("Sinkhorn Distances: Lightspeed Computation of Optimal Transport",
     "Optimal transport distances computed with Sinkhorn matrix scaling.", ("Marco Cuturi",), "2013-06-01", True),
    ("Differentiable Ranks and Sorting using Optimal Transport",
     "Differentiable ranks and sorting operators built on optimal transport.",
     ("Marco Cuturi", "Olivier Teboul", "Jean-Philippe Vert"), "2019-05-01", False),
    ("Fast Sinkhorn Iterations on GPUs", "Sinkhorn iterations made fast on GPUs.", ("Cuturi, M.", "Gabriel Peyré"),
     "2024-02-01", True),
    ("Computational Optimal Transport", "A survey of computational optimal transport.", ("Gabriel Peyré", "Marco Cuturi"),
     "2018-03-01", False),
    ("Sinkhorn Divergences for Unbalanced Transport", "Sinkhorn divergences interpolate transport and kernels.",
     ("Jean Feydy", "Gabriel Peyré"), None, False),
    ("Efficient and Modular Implicit Differentiation", "Implicit differentiation of optimization problems.",
     ("Mathieu Blondel", "Quentin Berthet", "Marco Cuturi"), "2021-05-01", True),
    ("Attention Is All You Need", "The transformer is based solely on attention mechanisms.",
     ("Ashish Vaswani", "Noam Shazeer"), "2017-06-12", True),
    ("A *Bold* Claim about Markdown", "Markdown in abstracts and mentions.", ("@everyone", "<@&123> **Mallory**"),
     "2022-01-01", False),
]
CUTURI_NEWEST_FIRST = [
    "Fast Sinkhorn Iterations on GPUs", "Efficient and Modular Implicit Differentiation",
    "Differentiable Ranks and Sorting using Optimal Transport", "Computational Optimal Transport",
    "Sinkhorn Distances: Lightspeed Computation of Optimal Transport",
]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    papers = [
        new_paper(Candidate(title, abstract, "test", i + 1, authors=authors, published=published,
                            github_repo=f"https://github.com/lab/repo{i}" if code else None), f"p{i}", "2026-01-01")
        for i, (title, abstract, authors, published, code) in enumerate(ROWS)
    ]
    return open_retriever(papers, paths(tmp_path_factory.mktemp("index")), WordsEncoder())


@pytest.fixture
def handlers(retriever) -> Handlers:
    return Handlers(LiveIndex(retriever), ListSink(), SlidingWindowLimiter(100, 30))


@pytest.fixture
def state(tmp_path: Path):
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


def titles(message: FakeMessage) -> list[str]:
    return [embed["title"].split(". ", 1)[1] for embed in message.embeds]


async def ask(fake: FakeDiscord, text: str, reply_to: FakeMessage | None = None) -> FakeMessage:
    asked = await fake.send_message(fake.channel.id, text, mentions=[fake.bot_user], reply_to=reply_to)
    return await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)


async def test_author_autocompletes_names_and_pages_their_papers_newest_first(
    fake: FakeDiscord, handlers: Handlers, state: State, tmp_path: Path
) -> None:
    async with running_bot(fake, handlers, tmp_path, state=state):
        typing = await fake.send_autocomplete("author", {"name": "cutu"})
        choices = await fake.wait_for_autocomplete(typing, timeout=TIMEOUT)
        assert [(c["name"], c["value"]) for c in choices] == [
            ("Marco Cuturi (4 papers)", "Marco Cuturi"), ("Cuturi, M. (1 paper)", "Cuturi, M."),
        ]
        assert len(await fake.wait_for_autocomplete(await fake.send_autocomplete("author", {"name": ""}),
                                                    timeout=TIMEOUT)) == 12
        inter = await fake.send_interaction_command("author", {"name": "Marco Cuturi", "count": 2})
        first = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert "Papers by Marco Cuturi, newest first" in first.content and not first.ephemeral
        assert titles(first) == CUTURI_NEWEST_FIRST[:2]
        click = await fake.click_button(first, page_button(first, "next"))
        second = await fake.wait_for_response(click, timeout=TIMEOUT)
        assert titles(second) == CUTURI_NEWEST_FIRST[2:4]
        # A reply to the list refines it, like /find's results, and it stays a list: newest first.
        coded = await ask(fake, "only with code", reply_to=first)
        assert coded.content.startswith("*Only papers with code: 3 of the 5 results*")
        assert titles(coded) == [CUTURI_NEWEST_FIRST[i] for i in (0, 1, 4)]
        recent = await ask(fake, "since 2019", reply_to=coded)
        assert titles(recent) == CUTURI_NEWEST_FIRST[:2]  # with code still, and dated 2019 on
        peyre = await ask(fake, "only by Gabriel Peyré", reply_to=first)
        assert peyre.content.startswith("*Only papers by Gabriel Peyré: 2 of the 5 results*")
        assert "Papers by Gabriel Peyré, newest first" in peyre.content
        assert titles(peyre) == ["Fast Sinkhorn Iterations on GPUs", "Computational Optimal Transport",
                                 "Sinkhorn Divergences for Unbalanced Transport"]


async def test_an_unknown_name_is_one_line_and_hostile_names_neither_ping_nor_format(
    fake: FakeDiscord, handlers: Handlers, state: State, tmp_path: Path
) -> None:
    async with running_bot(fake, handlers, tmp_path, state=state):
        inter = await fake.send_interaction_command("author", {"name": "Nobody Atall"})
        refused = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert refused.content.startswith("I know no papers by") and "\n" not in refused.content
        assert refused.ephemeral and not refused.embeds
        inter = await fake.send_interaction_command("author", {"name": "<@&123> **Mallory**"})
        hostile = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert titles(hostile) == ["A \\*Bold\\* Claim about Markdown"] and no_pings(hostile)
        assert "Papers by \\<@&123> \\*\\*Mallory\\*\\*, newest first" in hostile.content  # escaped, shown literally


async def test_find_takes_an_author_term_in_the_query(
    fake: FakeDiscord, handlers: Handlers, state: State, tmp_path: Path
) -> None:
    async with running_bot(fake, handlers, tmp_path, state=state):
        inter = await fake.send_interaction_command("find", {"query": 'author:"Gabriel Peyre" sinkhorn'})
        found = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert "by Gabriel Peyre: 3 in the corpus" in found.content
        assert set(titles(found)) == {"Fast Sinkhorn Iterations on GPUs", "Computational Optimal Transport",
                                      "Sinkhorn Divergences for Unbalanced Transport"}
        inter = await fake.send_interaction_command("find", {"query": "author:Peyré"})
        listed = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert titles(listed) == ["Fast Sinkhorn Iterations on GPUs", "Computational Optimal Transport",
                                  "Sinkhorn Divergences for Unbalanced Transport"]  # newest first, undated last
        inter = await fake.send_interaction_command("find", {"query": 'author:"a" author:"b" sinkhorn'})
        refused = await fake.wait_for_response(inter, timeout=TIMEOUT)
        assert refused.content.startswith("Give one author at a time") and refused.ephemeral


async def test_only_by_and_more_by_the_first_author_across_restarts(
    fake: FakeDiscord, handlers: Handlers, tmp_path: Path
) -> None:
    """Each run opens the state file afresh (no State passed in), as a restarted bot does."""
    async with running_bot(fake, handlers, tmp_path):
        answer = await ask(fake, "is there work on sinkhorn optimal transport?")
        assert titles(answer)
        only = await ask(fake, "only by Jean Feydy", reply_to=answer)
        assert only.content.startswith("*Only papers by Jean Feydy")
        assert titles(only) == ["Sinkhorn Divergences for Unbalanced Transport"]
        ranks = await ask(fake, "is there work on differentiable ranks and sorting?")
        assert titles(ranks)[0] == "Differentiable Ranks and Sorting using Optimal Transport"
    async with running_bot(fake, handlers, tmp_path):
        # Replies to answers given before the restart: the states were kept in the state file.
        listed = await ask(fake, "more by the first author", reply_to=ranks)
        assert "Papers by the first author of result 1: Marco Cuturi, 5 papers in the corpus" in listed.content
        assert titles(listed) == CUTURI_NEWEST_FIRST[:3]
        first_of_second = await ask(fake, "more by the first author of the second one", reply_to=only)
        assert "Papers by the first author of result 2" not in first_of_second.content  # "only" showed one result
        assert "pick a number from 1 to 1" in first_of_second.content
    async with running_bot(fake, handlers, tmp_path):
        more = await ask(fake, "more", reply_to=listed)
        assert titles(more) == CUTURI_NEWEST_FIRST[3:]
        coded = await ask(fake, "only with code", reply_to=listed)  # still a list after the restart
        assert titles(coded) == [CUTURI_NEWEST_FIRST[i] for i in (0, 1, 4)]
