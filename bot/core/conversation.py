"""Talking to PaperScout: a question starts a conversation, follow-ups refine its answers.

A Discord reply to one of the bot's answers refines what that answer showed (its query,
filters, results and how many were shown), however the conversation went on since: a
branch, which then becomes the conversation's latest state. A message that is no reply
continues the same user's latest state in the same channel, thread or DM within the
conversation's lifetime (never another user's conversation). `bot.core.followups` reads what a
follow-up asks; anything else is a new question in the same conversation. Every answer
to a follow-up starts with one line saying what was understood, so a misunderstanding
shows at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from bot.core import engagement as events
from bot.core.answer_reply import answer_reply
from bot.core.author_conversation import first_author_papers, lists_an_author, refine_author_list
from bot.core.bibtex import bibtex_entry
from bot.core.engagement import EventSink, record_safely
from bot.core.errors import UserFacingError
from bot.core.export import EXPORT, conversation_export
from bot.core.followup_authors import AUTHOR_FILTER, FIRST_AUTHOR
from bot.core.followups import (
    BIBTEX,
    CODE_FILTER,
    DATE_FILTER,
    DETAILS,
    EXCLUDE,
    MORE,
    NEW_TOPIC,
    QUESTION,
    SIMILAR,
    FollowUp,
    parse_followup,
)
from bot.core.handlers import card_from_hit, filters_line, kept_event, not_in_corpus
from bot.core.live_index import LiveIndex, Retriever
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.replies import PAPER_CARD, RESULTS, TEXT, Card, Reply
from bot.state.conversations import Conversation
from corpus.records import normalize_arxiv_id
from retrieval.filters import SearchFilters
from retrieval.query import clean_query
from retrieval.types import QueryError, SearchResult

log = logging.getLogger(__name__)

# Ranked papers kept per conversation ("more" pages through them), and shown per answer.
RESULT_DEPTH = 30
PER_ANSWER = 3
NO_CONVERSATION = (
    "I have no earlier answer of yours here to refine (conversations last 24 hours). "
    "Ask me a question, e.g. \u201cis there work on faster Sinkhorn?\u201d"
)


@dataclass(frozen=True)
class Place:
    """Who wrote, and where: `channel_id` is the channel, thread or DM (0 in the console)."""

    user_id: int
    guild_id: int | None
    channel_id: int
    # The bot message this one replies to, if any.
    reply_to: int | None = None


@dataclass(frozen=True)
class Answer:
    """What to send, and the answer state the sent message shows (to attach its id to), if any."""

    reply: Reply
    state_id: int | None


class ConversationStore(Protocol):
    """The part of bot.state.conversations.Conversations a conversation needs."""

    def start(self, user_id: int, guild_id: int | None, channel_id: int, query: str, filters: dict[str, Any],
              result_ids: list[str], shown: int, now: datetime) -> Conversation: ...
    def save(self, conversation: Conversation, now: datetime) -> Conversation: ...
    def by_message(self, message_id: int, now: datetime) -> Conversation | None: ...
    def latest(self, user_id: int, channel_id: int, now: datetime) -> Conversation | None: ...
    def latest_untied(self, user_id: int, channel_id: int, now: datetime) -> Conversation | None: ...
    def attach(self, message_id: int, state_id: int) -> None: ...


def filters_of(data: dict[str, Any]) -> SearchFilters:
    """Return the search filters stored with a conversation."""
    return SearchFilters.from_data(data)


def filters_data(filters: SearchFilters) -> dict[str, Any]:
    """Return search filters as the plain data a conversation stores."""
    return filters.as_data()


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Talk:
    """Answers questions and follow-ups over the live index, remembering each conversation."""

    def __init__(
        self,
        index: LiveIndex,
        store: ConversationStore,
        sink: EventSink,
        limiter: SlidingWindowLimiter | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.index = index
        self.store = store
        self.sink = sink
        self.limiter = limiter
        self.clock = clock

    # ------------------------------------------------------------------ entry

    async def message(self, where: Place, text: str) -> Answer:
        """Answer one message: a follow-up of the user's conversation here, or a new question."""
        now = self.clock()
        pasted = normalize_arxiv_id(text.strip())
        if pasted is not None:
            return self._pasted_paper(where, pasted)
        conversation = await asyncio.to_thread(self._conversation, where, now)
        followup = parse_followup(text, now.date())
        if followup.kind == QUESTION or (conversation is None and followup.kind == NEW_TOPIC):
            question = followup.text or text
            keep = filters_of(conversation.filters) if conversation and followup.kind == NEW_TOPIC else SearchFilters()
            return await self._question(where, question, keep, conversation, now)
        if conversation is None:
            return Answer(Reply(TEXT, NO_CONVERSATION), None)
        retriever = self.index.current
        if followup.kind == MORE:
            return await self._more(where, conversation, retriever, now)
        if followup.kind == EXPORT:  # every result of this state, as .bib and .ris files: bot/core/export.py
            reply = conversation_export(retriever.get, conversation, now.date(), followup.understood)
            return Answer(reply, await self._current(conversation, now))
        if followup.kind in (DETAILS, SIMILAR, BIBTEX):
            return await self._about_result(where, conversation, followup, retriever, now)
        if followup.kind == FIRST_AUTHOR:  # a new list: bot/core/author_conversation.py
            return Answer(*await first_author_papers(self, where, conversation, followup, retriever, now, PER_ANSWER))
        if followup.kind == NEW_TOPIC:
            return await self._question(where, followup.text, filters_of(conversation.filters), conversation, now,
                                        understood=followup.understood)
        return await self._refine(where, conversation, followup, now)

    def _pasted_paper(self, where: Place, arxiv_id: str) -> Answer:
        """Show the paper a message names by arXiv id or link, or say the corpus lacks it."""
        paper = self.index.current.find_arxiv(arxiv_id)
        if paper is None:
            return Answer(Reply(TEXT, not_in_corpus(arxiv_id), fetchable=arxiv_id), None)
        self._record(events.PAPER, where, (paper.id,), arxiv_id)
        return Answer(Reply(PAPER_CARD, "", (Card(paper=paper, full=True),), page_size=1), None)

    async def attach(self, message_id: int, state_id: int) -> None:
        """Remember which answer state a sent message shows, so a reply to it refines exactly that."""
        try:
            await asyncio.to_thread(self.store.attach, message_id, state_id)
        except Exception:
            # The answer went out; at worst a reply to it starts afresh instead of continuing.
            log.exception("could not remember message %s of answer state %s", message_id, state_id)

    async def remember(self, where: Place, query: str, filters: SearchFilters, paper_ids: list[str], shown: int) -> int:
        """Start a conversation from results shown elsewhere (/find); return its answer state's id (to attach)."""
        saved = await self._save(where, None, query, filters, paper_ids, shown, self.clock())
        return self._state_id(saved)

    def _conversation(self, where: Place, now: datetime) -> Conversation | None:
        if where.reply_to is None:
            return self.store.latest(where.user_id, where.channel_id, now)
        replied = self.store.by_message(where.reply_to, now)
        if replied is None:
            # No state is tied to that message: it expired, it showed none (help, a pasted paper),
            # or it is an answer not tied yet (a reply can outrun the tie that follows sending, and
            # a bot stopped in between never ties it). Only a latest state that no message shows
            # can be that answer's; any other state is not what the user replied to: start afresh.
            pending = self.store.latest_untied(where.user_id, where.channel_id, now)
            if pending is not None and pending.state_id is not None:
                # Tie it now, so the message keeps referring to that state once this answer is tied to its own.
                self.store.attach(where.reply_to, pending.state_id)
                return pending
            # The tie may have landed between the two reads: look the message up once more.
            replied = self.store.by_message(where.reply_to, now)
            if replied is None:
                return None
        if replied.user_id == where.user_id:
            return replied
        # A reply to someone else's answer refers to that answer, in a conversation of the replier's own.
        return self.store.start(where.user_id, where.guild_id, where.channel_id, replied.query,
                                replied.filters, list(replied.result_ids), replied.shown, now)

    @staticmethod
    def _state_id(conversation: Conversation) -> int:
        # Every conversation the store starts or saves has an answer state; only a head from
        # before states were kept lacks one, and it is saved (so given one) before it is answered from.
        if conversation.state_id is None:
            raise ValueError(f"conversation {conversation.id} has no answer state")
        return conversation.state_id

    # ------------------------------------------------------------------ plumbing

    def _record(self, kind: str, where: Place, paper_ids: tuple[str, ...], query: str | None = None) -> None:
        event = kept_event(kind, where.user_id, where.guild_id, paper_ids, query)  # a DM keeps no query text
        if event is not None:
            record_safely(self.sink, event)

    async def _search(self, retriever: Retriever, query: str, filters: SearchFilters, user_id: int) -> SearchResult:
        if self.limiter is not None:
            self.limiter.acquire(user_id)
        try:
            return await asyncio.to_thread(retriever.search, query, RESULT_DEPTH, filters)
        except QueryError as exc:
            raise UserFacingError(str(exc)) from None

    async def _current(self, conversation: Conversation, now: datetime) -> int:
        """Return the answer state an answer that changes nothing (details, BibTeX, "that is all") shows."""
        if conversation.state_id is None:
            # A head from before answer states were kept: keep its state now, so a reply to this answer has one.
            conversation = await asyncio.to_thread(self.store.save, conversation, now)
        return self._state_id(conversation)

    async def _save(self, where: Place, conversation: Conversation | None, query: str, filters: SearchFilters,
                    result_ids: list[str], shown: int, now: datetime) -> Conversation:
        if conversation is None:
            return await asyncio.to_thread(self.store.start, where.user_id, where.guild_id, where.channel_id,
                                           query, filters_data(filters), result_ids, shown, now)
        updated = dataclasses.replace(conversation, query=query, filters=filters_data(filters),
                                      result_ids=tuple(result_ids), shown=shown)
        return await asyncio.to_thread(self.store.save, updated, now)

    def _result_number(self, conversation: Conversation, followup: FollowUp) -> int:
        """Return the 0-based position a follow-up names among the results shown, or explain why not."""
        shown = min(conversation.shown, len(conversation.result_ids))
        if shown == 0:
            raise UserFacingError("My last answer showed no papers, so there is no result to pick. Ask me a question.")
        index = followup.index if followup.index is not None else 1
        position = shown - 1 if index == -1 else index - 1
        if not 0 <= position < shown:
            raise UserFacingError(
                f"I showed {shown} result{'s' if shown != 1 else ''}, so pick a number from 1 to {shown}."
            )
        return position

    # ------------------------------------------------------------------ answers

    async def _question(self, where: Place, question: str, filters: SearchFilters, conversation: Conversation | None,
                        now: datetime, understood: str | None = None) -> Answer:
        try:
            text, note = clean_query(question)
        except QueryError as exc:
            raise UserFacingError(str(exc)) from None
        retriever = self.index.current
        result = await self._search(retriever, text, filters, where.user_id)
        note = note or result.note
        shown = result.hits[:PER_ANSWER]
        self._record(events.MENTION, where, tuple(h.paper.id for h in shown), result.query)
        saved = await self._save(where, conversation, result.query, filters, [h.paper.id for h in result.hits],
                                 len(shown), now)
        # The answer's text (which sentences answer, or "nothing close") is bot.core.answer_reply's.
        reply = await asyncio.to_thread(answer_reply, retriever, result, shown, note,
                                        understood or filters_line(filters, result))
        return Answer(reply, self._state_id(saved))

    async def _more(self, where: Place, conversation: Conversation, retriever: Retriever, now: datetime) -> Answer:
        start = conversation.shown
        ids = conversation.result_ids[start:start + PER_ANSWER]
        papers = [p for p in (retriever.get(pid) for pid in ids) if p is not None]
        if not papers:
            text = f"That is all I have on \u201c{conversation.query}\u201d. Ask me something else, or narrow it down."
            return Answer(Reply(TEXT, text, understood="More results"), await self._current(conversation, now))
        cards = tuple(Card(paper=p, rank=start + i + 1) for i, p in enumerate(papers))
        saved = await asyncio.to_thread(self.store.save, dataclasses.replace(conversation, shown=start + len(ids)), now)
        self._record(events.PAGE, where, tuple(p.id for p in papers), conversation.query)
        understood = f"More results for \u201c{conversation.query}\u201d: {start + 1}\u2013{start + len(papers)}"
        return Answer(Reply(RESULTS, "", cards, query=conversation.query, understood=understood, page_size=PER_ANSWER),
                      self._state_id(saved))

    async def _about_result(self, where: Place, conversation: Conversation, followup: FollowUp, retriever: Retriever,
                            now: datetime) -> Answer:
        position = self._result_number(conversation, followup)
        paper = retriever.get(conversation.result_ids[position])
        if paper is None:
            raise UserFacingError("That paper is no longer in my corpus. Ask me again.")
        number = position + 1
        if followup.kind == DETAILS:
            self._record(events.DETAILS, where, (paper.id,))
            reply = Reply(PAPER_CARD, "", (Card(paper=paper, full=True),), page_size=1,
                          understood=f"Details of result {number}")
            return Answer(reply, await self._current(conversation, now))
        if followup.kind == BIBTEX:
            reply = Reply(TEXT, f"BibTeX for {paper.clean_title or paper.title}:", code=bibtex_entry(paper),
                          understood=f"BibTeX entry of result {number}")
            return Answer(reply, await self._current(conversation, now))
        if self.limiter is not None:
            self.limiter.acquire(where.user_id)
        result = await asyncio.to_thread(retriever.similar, paper.id, RESULT_DEPTH)
        shown = result.hits[:PER_ANSWER]
        self._record(events.SIMILAR, where, (paper.id, *(h.paper.id for h in shown)), paper.title)
        saved = await self._save(where, conversation, paper.clean_title or paper.title, SearchFilters(),
                                 [h.paper.id for h in result.hits], len(shown), now)
        reply = Reply(RESULTS, f"Papers similar to \u201c{paper.clean_title or paper.title}\u201d",
                      tuple(card_from_hit(h) for h in shown), query=paper.title, page_size=PER_ANSWER,
                      understood=f"Papers similar to result {number}")
        return Answer(reply, self._state_id(saved))

    async def _refine(self, where: Place, conversation: Conversation, followup: FollowUp, now: datetime) -> Answer:
        filters = filters_of(conversation.filters)
        if followup.kind == CODE_FILTER:
            filters = dataclasses.replace(filters, has_code=True)
        elif followup.kind == DATE_FILTER:
            filters = dataclasses.replace(filters, since=followup.since, until=followup.until)
        elif followup.kind == EXCLUDE:
            filters = dataclasses.replace(filters, exclude=(*filters.exclude, followup.text))
        elif followup.kind == AUTHOR_FILTER:
            filters = dataclasses.replace(filters, author=followup.text)
        retriever = self.index.current
        if await lists_an_author(retriever, conversation.query, filters_of(conversation.filters)):  # stays a list
            return Answer(*await refine_author_list(self, where, conversation, followup, filters, retriever, now,
                                                    PER_ANSWER))
        result = await self._search(retriever, conversation.query, filters, where.user_id)
        before = conversation.result_ids
        still = await asyncio.to_thread(retriever.count_passing, before, filters)
        understood = f"{followup.understood}: {still} of the {len(before)} results"
        if result.undated:
            understood += f" ({result.undated} papers with no known date left out)"
        shown = result.hits[:PER_ANSWER]
        saved = await self._save(where, conversation, conversation.query, filters, [h.paper.id for h in result.hits],
                                 len(shown), now)
        self._record(events.SEARCH, where, tuple(h.paper.id for h in shown), conversation.query)
        if not shown:
            return Answer(Reply(TEXT, "No paper passes that filter. Word it differently, or ask anew.",
                                understood=understood), self._state_id(saved))
        heading = f"Papers for \u201c{conversation.query}\u201d"
        if result.weak:
            heading = "None of the papers that pass is close to that; the nearest, marked as weak matches:"
        reply = Reply(RESULTS, heading, tuple(card_from_hit(h, result.weak) for h in shown), query=conversation.query,
                      weak=result.weak, page_size=PER_ANSWER, understood=understood)
        return Answer(reply, self._state_id(saved))
