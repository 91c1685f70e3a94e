"""The "export" follow-up through the conversation (real SQLite state), and the console writing the files."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.core.conversation import NO_CONVERSATION, RESULT_DEPTH, Place, Talk
from bot.core.export import ExportReply, file_stem, files_of
from bot.core.followup_export import EXPORT_UNDERSTOOD
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.replies import TEXT
from bot.core.ris import parse_ris
from bot.state import State
from bot.terminal.console import ConsoleSession
from tests.bot.fakes import PAPERS as ALL_FAKE_PAPERS, FakeRetriever, ListSink, make_paper
from tests.bot.harness import Clock, memory_talk
from tests.bot.test_conversation import NOW, PAPERS

ALICE = Place(user_id=1, guild_id=10, channel_id=100)
# More Sinkhorn papers than a conversation keeps, so the export is seen to hold every kept result.
MANY = PAPERS + tuple(make_paper(f"p-extra-{i}", f"Sinkhorn Extra {i}", "Fast Sinkhorn iterations.") for i in range(30))


def talk(state: State) -> Talk:
    return Talk(LiveIndex(FakeRetriever(MANY)), state.conversations, ListSink(), clock=Clock(NOW))


def titles(reply: ExportReply) -> list[str]:
    bib, ris = files_of(reply)
    return [next(value for tag, value in record if tag == "TI") for record in parse_ris(ris.data.decode("utf-8"))]


async def test_export_sends_every_result_of_the_conversation_not_just_the_page(tmp_path: Path) -> None:
    state = State.open(tmp_path / "state.sqlite3")
    try:
        t = talk(state)
        question = await t.message(ALICE, "is there work on fast Sinkhorn iterations?")
        assert len(question.reply.cards) == 3
        answer = await t.message(ALICE, "export these to zotero")
        reply = answer.reply
        assert isinstance(reply, ExportReply) and reply.kind == TEXT and reply.understood == EXPORT_UNDERSTOOD
        conversation = state.conversations.latest(ALICE.user_id, ALICE.channel_id, NOW)
        assert conversation is not None and len(conversation.result_ids) == RESULT_DEPTH
        expected = [p.clean_title for p in (FakeRetriever(MANY).get(pid) for pid in conversation.result_ids) if p]
        assert titles(reply) == expected and len(expected) == RESULT_DEPTH
        # The answer shows the same state: a reply to it still refines the question's results.
        assert answer.state_id == question.state_id
        stem = file_stem(conversation.query, NOW.date())
        assert [f.name for f in files_of(reply)] == [f"{stem}.bib", f"{stem}.ris"]
        assert stem.startswith("paperscout-") and "sinkhorn" in stem and stem.endswith("-2026-11-30")
    finally:
        state.close()


async def test_export_follows_the_filters_of_the_list_as_refined(tmp_path: Path) -> None:
    state = State.open(tmp_path / "state.sqlite3")
    try:
        t = talk(state)
        await t.message(ALICE, "is there work on fast Sinkhorn iterations?")
        coded = await t.message(ALICE, "only with code")
        exported = (await t.message(ALICE, "bibtex file")).reply
        code_titles = {p.clean_title for p in MANY if any(link.kind == "code" for link in p.links)}
        assert titles(exported) and set(titles(exported)) <= code_titles
        assert titles(exported)[:3] == [card.paper.clean_title for card in coded.reply.cards]
    finally:
        state.close()


async def test_export_without_a_conversation_says_so(tmp_path: Path) -> None:
    state = State.open(tmp_path / "state.sqlite3")
    try:
        answer = await talk(state).message(ALICE, "export")
        assert answer.reply.text == NO_CONVERSATION and files_of(answer.reply) == ()
    finally:
        state.close()


def test_the_console_writes_both_files_into_its_directory_and_never_over_a_file(tmp_path: Path) -> None:
    handlers = Handlers(LiveIndex(FakeRetriever()), ListSink())
    out = io.StringIO()
    session = ConsoleSession(handlers, memory_talk(handlers), out, export_dir=tmp_path)

    async def lines(*typed: str) -> None:
        for line in typed:
            assert await session.handle(line)

    asyncio.run(lines("/find graph neural networks", "export", "ris"))
    written = sorted(p.name for p in tmp_path.iterdir())
    stem = min(written, key=len).rsplit(".", 1)[0]  # "-2.bib" sorts before ".bib": take the shortest
    assert stem.startswith("paperscout-graph-neural-networks-")
    assert written == sorted([f"{stem}.bib", f"{stem}.ris", f"{stem}-2.bib", f"{stem}-2.ris"])
    text = out.getvalue()
    assert f"Wrote {tmp_path / (stem + '.bib')}" in text and f"Wrote {tmp_path / (stem + '-2.ris')}" in text
    assert (tmp_path / f"{stem}.ris").read_bytes() == (tmp_path / f"{stem}-2.ris").read_bytes()
    records = parse_ris((tmp_path / f"{stem}.ris").read_text(encoding="utf-8"))
    # Every card /find listed (three pages of five), not the page shown.
    assert len(records) == len(ALL_FAKE_PAPERS) == 13
