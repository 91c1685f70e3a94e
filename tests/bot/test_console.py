"""The terminal console: same handlers as the bot, cards rendered as text."""

from __future__ import annotations

import asyncio
import io
import logging

from bot.core.errors import APOLOGY
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.terminal.console import ConsoleSession, run_console, run_session
from bot.terminal.log_lines import OneLineFormatter
from tests.bot.fakes import FakeRetriever, ListSink
from tests.bot.harness import memory_talk


def run_lines(handlers: Handlers, *lines: str) -> str:
    out = io.StringIO()
    assert run_session(handlers, memory_talk(handlers), io.StringIO("\n".join(lines) + "\n"), out) == 0
    return out.getvalue()


def test_console_commands_with_the_fake_retriever() -> None:
    sink = ListSink()
    out = run_lines(
        Handlers(LiveIndex(FakeRetriever()), sink),
        "/help",
        "/find graph neural networks",
        "/more",
        "/paper Attention Is All You Need",
        "/similar p-sinkhorn",
        "/find ?!",
        "/bogus",
        "/trending 3",
        "is there work on sinkhorn with newton steps?",
        "/quit",
        "/find never reached",
    )
    assert "/find" in out and "**" not in out.split("paperscout>")[1]  # help without markdown stars
    assert "1. Graph Neural Networks for Task 0" in out and "6. Graph Neural Networks for Task 5" in out
    assert "page 2 of 3" in out
    assert "Code: https://github.com/tensorflow/tensor2tensor" in out and "based solely on attention" in out
    assert "Papers similar to \u201cSinkhorn Distances" in out
    assert "That query has no words to search for" in out and "Unknown command /bogus" in out
    assert "/trending works on Discord only" in out
    # A question's reply opens with the answering sentence, cited to its card.
    assert "paperscout>   > \u201cWe add Newton steps" in out and "[1]" in out
    assert "never reached" not in out
    assert [e.kind for e in sink.events] == ["search", "paper", "similar", "mention"]


def test_console_find_on_the_shipped_corpus(shipped_services) -> None:
    """Acceptance: `paperscout console` answers `/find implicit differentiation` with the JAXopt paper first."""
    stdout = io.StringIO()
    assert run_console(shipped_services.retriever, io.StringIO("/find implicit differentiation\n"), stdout) == 0
    out = stdout.getvalue()
    cards = [line for line in out.splitlines() if line[:3] in {"1. ", "2. ", "3. "}]
    assert cards[0] == "1. Efficient and Modular Implicit Differentiation"
    assert out.rstrip().endswith("paperscout>")  # ended cleanly at end of input


def test_console_help_is_the_consoles_own_syntax() -> None:
    out = run_lines(Handlers(LiveIndex(FakeRetriever()), ListSink()), "/help")
    for syntax in ("/find QUERY", "/more", "/paper TITLE", "/similar TITLE", "/new", "/quit", "Ctrl-C", "Ctrl-D"):
        assert syntax in out, syntax
    # Discord's options, buttons and menus are not the console's.
    for discord_only in ("count:", "private:", "has_code:", "\u25c0", "menus", "@PaperScout"):
        assert discord_only not in out, discord_only
    # Reading a pipe there is no line editing, so /help does not offer its keys.
    assert "Tab completes" not in out


def test_console_paper_lists_the_titles_a_partial_title_matches_and_a_number_picks_one() -> None:
    sink = ListSink()
    out = run_lines(Handlers(LiveIndex(FakeRetriever()), sink), "/paper sinkhorn", "/paper 2", "/similar sinkhorn", "/similar 1")
    listed, opened, similar_listed, similar = out.split("paperscout> ")[1:5]
    assert listed.startswith("No paper is titled \u201csinkhorn\u201d; 2 titles match it:")
    assert "1. Sinkhorn Distances: Lightspeed Computation of Optimal Transport" in listed
    assert "2. Faster Sinkhorn Iterations with Newton Steps" in listed
    assert "Type /paper and a number from the list, or the whole title." in listed
    assert "I don't know a paper" not in out
    assert opened.startswith("Faster Sinkhorn Iterations with Newton Steps")  # the full card of number 2
    assert "Type /similar and a number" in similar_listed
    assert similar.startswith("Papers similar to \u201cSinkhorn Distances")
    assert [e.kind for e in sink.events] == ["paper", "similar"]


def test_console_paper_keeps_the_handlers_message_when_nothing_matches() -> None:
    out = run_lines(Handlers(LiveIndex(FakeRetriever()), ListSink()), "/paper zzqx", "/paper 2501.99999", "/paper")
    assert "I don't know a paper titled \u201czzqx\u201d" in out
    assert "arXiv:2501.99999 is not in my corpus yet" in out
    assert "Give a title: /paper TITLE" in out


def test_console_find_results_can_be_refined_in_words() -> None:
    out = run_lines(Handlers(LiveIndex(FakeRetriever()), ListSink()), "/find graph neural networks", "the second one")
    assert "I have no earlier answer" not in out
    assert "(Details of result 2)" in out


def test_console_completes_commands_and_titles() -> None:
    handlers = Handlers(LiveIndex(FakeRetriever()), ListSink())
    session = ConsoleSession(handlers, memory_talk(handlers), io.StringIO())
    assert asyncio.run(session.completions("/pa")) == ["/paper"]
    assert asyncio.run(session.completions("/paper attention")) == ["/paper Attention Is All You Need"]
    # Only titles that start with what was typed: the completion replaces the line.
    assert asyncio.run(session.completions("/paper all you need")) == []
    assert asyncio.run(session.completions("graph")) == []


class BrokenRetriever(FakeRetriever):
    """A retriever whose search fails the way a bug would."""

    def search(self, query, k=10, filters=None):
        raise RuntimeError("the index fell over\nsecond line of the message")


def test_console_failure_is_one_line_without_a_traceback(caplog) -> None:
    out = run_lines(Handlers(LiveIndex(BrokenRetriever()), ListSink()), "/find graph", "/paper Attention Is All You Need")
    assert APOLOGY in out and "based solely on attention" in out  # the console went on after the failure
    logged = caplog.text
    assert "RuntimeError: the index fell over second line of the message" in logged
    assert "Traceback" not in logged and len(logged.strip().splitlines()) == 1
    # The formatter is the session's only: afterwards the handlers format as before.
    assert all(not isinstance(h.formatter, OneLineFormatter) for h in logging.getLogger().handlers)
