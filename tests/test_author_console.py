"""Authors in the terminal console: /author with Tab completion, author:"Name" in /find, and the follow-ups in words.

Over a real retriever (BM25, vectors, filters) of the hand-made papers the Discord test uses; only the
encoder is a fake, since lists and filters by author are what is tested.
"""

from __future__ import annotations

import asyncio
import io

import pytest

from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.terminal.console import ConsoleSession, run_session
from corpus.records import Candidate, new_paper
from retrieval.index import open_retriever
from tests.bot.fakes import ListSink
from tests.bot.harness import memory_talk
from tests.bot.test_authors_e2e import CUTURI_NEWEST_FIRST, ROWS
from tests.test_filters_real import WordsEncoder
from tests.test_retrieval_index import paths


@pytest.fixture(scope="module")
def handlers(tmp_path_factory) -> Handlers:
    papers = [
        new_paper(Candidate(title, abstract, "test", i + 1, authors=authors, published=published,
                            github_repo=f"https://github.com/lab/repo{i}" if code else None), f"p{i}", "2026-01-01")
        for i, (title, abstract, authors, published, code) in enumerate(ROWS)
    ]
    retriever = open_retriever(papers, paths(tmp_path_factory.mktemp("index")), WordsEncoder())
    return Handlers(LiveIndex(retriever), ListSink())


def answers(handlers: Handlers, *lines: str) -> list[str]:
    """Return what the console printed after each line."""
    out = io.StringIO()
    assert run_session(handlers, memory_talk(handlers), io.StringIO("\n".join(lines) + "\n"), out) == 0
    return out.getvalue().split("paperscout> ")[1:len(lines) + 1]


def order(text: str, titles: list[str]) -> list[str]:
    """Return the titles that appear in `text`, in the order they appear."""
    return sorted((t for t in titles if t in text), key=text.index)


ALL_TITLES = [row[0] for row in ROWS]


def test_author_lists_newest_first_and_the_follow_ups_refine_it(handlers: Handlers) -> None:
    listed, coded, blondel, feydy = answers(
        handlers, "/author cuturi", "only with code", "more by the first author of the second one",
        '/find author:"Feydy, J." sinkhorn',
    )
    assert "Papers by Marco Cuturi, newest first" in listed
    assert order(listed, ALL_TITLES) == CUTURI_NEWEST_FIRST
    assert "(Only papers with code: 3 of the 5 results)" in coded
    assert order(coded, ALL_TITLES) == [CUTURI_NEWEST_FIRST[i] for i in (0, 1, 4)]
    assert "(Papers by the first author of result 2: Mathieu Blondel, 1 paper in the corpus)" in blondel
    assert order(blondel, ALL_TITLES) == ["Efficient and Modular Implicit Differentiation"]
    assert order(feydy, ALL_TITLES) == ["Sinkhorn Divergences for Unbalanced Transport"]
    assert "by Feydy, J." in feydy


def test_author_mistakes_are_one_line(handlers: Handlers) -> None:
    bare, unknown, twice = answers(handlers, "/author", "/author Nobody Atall", "/find author:a author:b x")
    assert bare.strip() == "Give a name: /author NAME."
    assert unknown.strip().startswith("I know no papers by \u201cNobody Atall\u201d") and unknown.strip().count("\n") == 0
    assert twice.strip().startswith("Give one author at a time") and twice.strip().count("\n") == 0


def test_tab_completes_the_command_and_known_names(handlers: Handlers) -> None:
    session = ConsoleSession(handlers, memory_talk(handlers), io.StringIO())
    assert asyncio.run(session.completions("/au")) == ["/author"]
    assert asyncio.run(session.completions("/author cutu")) == ["/author Marco Cuturi", "/author Cuturi, M."]
    assert asyncio.run(session.completions("/author gabriel p")) == ["/author Gabriel Peyré"]
    assert asyncio.run(session.completions("/author zzz")) == []


def test_the_console_help_names_author(handlers: Handlers) -> None:
    text = "".join(answers(handlers, "/help"))
    assert "/author NAME" in text and "only by NAME" in text and "more by the first author" in text
