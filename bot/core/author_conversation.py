"""Author lists in a conversation: "more by the first author", and refining a list of one author's papers.

"More by the first author" answers with a new list, the papers of a result's first author,
newest first. The answer becomes the conversation's latest state: its query is the author's
name as written and its filters name the author, which is how `lists_an_author` knows a list (from
/author, `/find author:"Name"` alone, or this follow-up) from a search. Refining a list ("only
with code", "since 2024", "only by NAME") lists again, newest first, instead of ranking the
papers by how close their text is to a person's name.

Kept apart from bot/core/conversation.py (near its size limit), which calls this with itself.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Protocol

from bot.core import engagement as events
from bot.core.author_papers import LIST_MAX, authors_of, papers_passing
from bot.core.errors import UserFacingError
from bot.core.followups import FollowUp
from bot.core.live_index import Retriever
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.replies import RESULTS, TEXT, Card, Reply
from bot.state.conversations import Conversation
from corpus.authors import author_name
from retrieval.filters import SearchFilters, published_day


class TalkParts(Protocol):
    """The parts of bot.core.conversation.Talk this uses (named here: importing Talk would be a cycle)."""

    limiter: SlidingWindowLimiter | None

    def _result_number(self, conversation: Conversation, followup: FollowUp) -> int: ...
    async def _save(self, where: Any, conversation: Conversation | None, query: str, filters: SearchFilters,
                    result_ids: list[str], shown: int, now: datetime) -> Conversation: ...
    def _record(self, kind: str, where: Any, paper_ids: tuple[str, ...], query: str | None = None) -> None: ...
    @staticmethod
    def _state_id(conversation: Conversation) -> int: ...


async def first_author_papers(talk: TalkParts, where: Any, conversation: Conversation, followup: FollowUp,
                              retriever: Retriever, now: datetime, per_answer: int) -> tuple[Reply, int]:
    """Return the answer listing the papers of the first author of the result the follow-up names, and its state id."""
    position = talk._result_number(conversation, followup)
    number = position + 1
    paper = retriever.get(conversation.result_ids[position])
    if paper is None:
        raise UserFacingError("That paper is no longer in my corpus. Ask me again.")
    if not paper.authors:
        raise UserFacingError(f"I don't know who wrote result {number}, so I cannot list their other papers.")
    if talk.limiter is not None:
        talk.limiter.acquire(where.user_id)
    name, papers = await asyncio.to_thread(lambda: authors_of(retriever).papers_by(paper.authors[0]))
    if not papers:  # a first author with no letters or digits in the name: nothing keys it
        raise UserFacingError(f"I cannot look up the first author of result {number} by name.")
    listed = papers[:LIST_MAX]
    shown = listed[:per_answer]
    saved = await talk._save(where, conversation, name, SearchFilters(author=name), [p.id for p in listed],
                             len(shown), now)
    talk._record(events.SEARCH, where, tuple(p.id for p in shown), name)
    understood = f"{followup.understood}: {name}, {len(papers)} paper{'s' if len(papers) != 1 else ''} in the corpus"
    cards = tuple(Card(paper=p, rank=rank) for rank, p in enumerate(shown, start=1))
    reply = Reply(RESULTS, f"Papers by {name}, newest first", cards, query=name, page_size=per_answer,
                  understood=understood)
    return reply, talk._state_id(saved)


async def lists_an_author(retriever: Retriever, query: str, filters: SearchFilters) -> bool:
    """Return whether a state with this query and these filters is a list of one author's papers, not a search.

    A list's query is the author's name as their papers write it (what `papers_by` returns), so a
    search that merely names the author ("optimal transport by Cuturi") stays a search.
    """
    name = filters.author
    if not name or author_name(query) is None:
        return False
    found = await asyncio.to_thread(lambda: authors_of(retriever).matches(name))
    return any(written == query for _, written in found)


async def refine_author_list(talk: TalkParts, where: Any, conversation: Conversation, followup: FollowUp,
                             filters: SearchFilters, retriever: Retriever, now: datetime,
                             per_answer: int) -> tuple[Reply, int]:
    """Return the list again under the refined `filters` (newest first), and its state id."""
    if talk.limiter is not None:
        talk.limiter.acquire(where.user_id)

    def look_up() -> tuple[str, list, int, int]:
        display, _, papers = papers_passing(retriever, filters)
        undated = 0
        if filters.dated:  # as a search says it: the author's papers a date filter could not judge
            _, every = authors_of(retriever).papers_by(filters.author or "")
            undated = sum(1 for p in every if published_day(p) is None)
        return display, papers, retriever.count_passing(conversation.result_ids, filters), undated

    display, papers, still, undated = await asyncio.to_thread(look_up)
    display = display or filters.author or conversation.query
    listed = papers[:LIST_MAX]
    shown = listed[:per_answer]
    saved = await talk._save(where, conversation, display, filters, [p.id for p in listed], len(shown), now)
    talk._record(events.SEARCH, where, tuple(p.id for p in shown), display)
    understood = f"{followup.understood}: {still} of the {len(conversation.result_ids)} results"
    if undated:
        understood += f" ({undated} papers with no known date left out)"
    if not shown:
        reply = Reply(TEXT, "No paper passes that filter. Word it differently, or ask anew.", understood=understood)
        return reply, talk._state_id(saved)
    cards = tuple(Card(paper=p, rank=rank) for rank, p in enumerate(shown, start=1))
    note = f"{len(papers)} of their papers pass." if len(papers) > len(shown) else None
    reply = Reply(RESULTS, f"Papers by {display}, newest first", cards, query=display, page_size=per_answer,
                  understood=understood, note=note)
    return reply, talk._state_id(saved)
