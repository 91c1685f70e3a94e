"""Hostile messages for "Find similar papers": 200k characters built to make a backtracking pattern rescan.

The first inputs made one of the old patterns try every position against the rest of the
text (brackets or masked links that never close, underscore runs inside a word): at 200k
characters, from half a minute to many minutes of one CPU on the event loop. The rest guard
the other patterns. Each parse runs in a forked process that the test waits on (a regex holds
the GIL until it is done, so a thread could not be waited on): a parse that does not come
back fails the test instead of hanging it, and what each parse returns is checked exactly.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

import pytest

from bot.core.message_search import MAX_LINKED, MessageQuery, message_query

N = 200_000
# Twice the 100k the issue names, and a wait far past what a linear parse needs (milliseconds): the old
# patterns needed from half a minute to many minutes here, so the test tells them apart on any machine.
STUCK = 10.0


def _parse_into(out: Connection, content: str) -> None:
    out.send(message_query(content))


def parse(content: str) -> MessageQuery:
    """Return message_query(content), or fail if it does not come back."""
    # Forked, the child has the text and the module already: nothing is imported or pickled in.
    context = multiprocessing.get_context("fork")
    received, sent = context.Pipe(duplex=False)
    child = context.Process(target=_parse_into, args=(sent, content), daemon=True)
    child.start()
    sent.close()
    try:
        assert received.poll(STUCK), f"parsing {len(content)} hostile characters did not finish"
        return received.recv()
    finally:
        child.kill()
        child.join()


@pytest.mark.parametrize(
    ("content", "expected", "cut"),
    [
        # Brackets that never close: each "[" used to scan to the end of the message.
        ("sinkhorn transport " + "[" * N, "sinkhorn transport", True),
        # Masked-link openers that never close: each used to scan every later link.
        ("sinkhorn " + "[a](http://" * (N // 11), "sinkhorn [a](", False),
        # An underscore run inside a word: each underscore used to try the rest of the run.
        ("sinkhorn " + "x" + "_" * N + "y", "sinkhorn", True),
        # An underscore run opening a word is markup, and goes.
        ("sinkhorn " + "_" * N + "x", "sinkhorn x", False),
        # Guards for the other patterns: marks and underscores interleaved, mention and emoji openers that never end.
        ("*_" * (N // 2) + "sinkhorn", "sinkhorn", False),
        ("sinkhorn <@" + "1" * N, "sinkhorn", True),
        ("sinkhorn " + "<:a" * (N // 3), "sinkhorn", True),
        ("sinkhorn <a:" + "b" * N, "sinkhorn", True),
    ],
    ids=["brackets", "masked-links", "underscores-in-word", "underscores-open", "marks", "mention", "emoji", "animated"],
)
def test_hostile_text_is_parsed_to_its_words(content: str, expected: str, cut: bool) -> None:
    assert len(content) >= N - 10
    query = parse(content)
    assert query.text == expected
    # What is left after markup goes is cut to what a search takes, with a note, only when it is longer.
    assert query.note == (f"The message is long; I searched with its first {len(expected)} characters." if cut else None)


def test_closed_masked_links_keep_their_text_however_many() -> None:
    content = "[optimal transport](https://example.org/a) " * (N // 43)
    query = parse(content)
    assert query.text.startswith("optimal transport optimal transport") and "example.org" not in query.text


def test_a_message_of_endless_ids_looks_up_only_the_first_few() -> None:
    ids = [f"{2000 + i // 10000:04d}.{i % 10000:05d}" for i in range(N // 11)]
    query = parse(" ".join(ids))
    assert query.arxiv_ids == tuple(ids[:MAX_LINKED])


def test_everyday_markup_is_read_as_before() -> None:
    # The linear patterns keep what the old ones did on ordinary messages (tests/bot/test_message_search.py has more).
    text = "**see** __this__ `jax_opt` snake_case_name _lead trail_ [the paper](<https://example.org/x>) <@1> <a:b:2>"
    assert parse(text).text == "see this jax_opt snake_case_name lead trail the paper"
