"""The terminal console: same handlers as the bot, cards rendered as text."""

from __future__ import annotations

import io

from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.terminal.console import run_console, run_session
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
    assert "Here is what I found:" in out and "Newton steps" in out and "[1]" in out
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
