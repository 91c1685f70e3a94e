"""What PaperScout does, independent of Discord: each handler validates, calls the domain, returns a Reply.

The Discord cogs and the terminal console call the same handlers and only differ in how
they render the Reply (bot/discord_app/embeds.py or bot/terminal/text_render.py).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Awaitable, Callable

from bot.core import engagement as events
from bot.core.author_papers import author_listing
from bot.core.card_text import cut
from bot.core.engagement import EngagementEvent, EventSink, record_safely
from bot.core.errors import UserFacingError
from bot.core.followups import parse_since
from bot.core.live_index import LiveIndex, Retriever
from bot.core.ratelimit import CLICK, SEARCH, SlidingWindowLimiter
from bot.core.replies import HELP, PAPER_CARD, RESULTS, Card, Reply, Requester
from bot.core.title_choices import AmbiguousTitle, choices_reply, title_candidates
from corpus.clean import normalize_title
from corpus.paper import Paper
from corpus.records import normalize_arxiv_id
from retrieval.filters import SearchFilters
from retrieval.query import clamp_count, clean_query, join_notes
from retrieval.types import Hit, QueryError, SearchResult

log = logging.getLogger(__name__)

MAX_COUNT = 10
DEFAULT_COUNT = 5
# /find fetches this many pages up front so paging never searches again.
PAGES = 3
WEAK_SHOWN = 3
AUTOCOMPLETE_LIMIT = 25
CHOICE_LIMIT = 100

HELP_TEXT = """I find machine-learning papers in my corpus by topic or by question.

**/find** `query` \u2014 ranked papers with a snippet, why they matched, and links \
(options: `since:2025-03`, `has_code:true`).
\u2003e.g. `/find implicit differentiation` or `/find faster sinkhorn count:3 private:true`
**/paper** `title` \u2014 one paper in full (start typing and pick a title).
**/similar** `title` \u2014 the papers nearest to one you know.
**/author** `name` \u2014 one author's papers, newest first (`/find author:"Marco Cuturi" sinkhorn` filters by author).
**/trending** `days` \u2014 what this server is reading now.
**/subscribe** `topic` \u2014 new papers on a topic, by DM (or into a channel: `channel:#papers`); \
**/subscriptions**, **/unsubscribe** to manage them. **/follow** `author` \u2014 an author's new papers the same way \
(**/unfollow** stops). \U0001f44d/\U0001f44e under delivered papers teach a topic what you like; **/subscription reset** forgets.
**/config digest weekly** `day` `time` \u2014 (Manage Server) the week's top papers for this server once a week, \
e.g. `/config digest weekly day:Monday time:09:00`.
**/help** \u2014 this message.
**Mention me** with a question, e.g. `@PaperScout is there work on faster Sinkhorn?`, \
and I quote the sentences that answer it from the top 3 papers. DMs work too. \
**Reply** to refine: `only with code`, `newer than 2024`, `the second one`, `more`, `bibtex 2`, \
`only by Cuturi`, `more by the first author`.
**Find similar papers** \u2014 right-click any message (Apps) to search with its text: a pasted abstract, a link, a discussion.

On results, use \u25c0 / \u25b6 to page (only the person who searched can), and the menus to \
open a paper's details or find similar ones. Searches, /paper, /trending and the message menu are \
limited to a few per user every half minute (a page turn or a details view counts a quarter)."""

BeforeSearch = Callable[[], Awaitable[None]]


def card_from_hit(hit: Hit, weak: bool = False) -> Card:
    """Return the card model of a search hit."""
    return Card(
        paper=hit.paper,
        rank=hit.rank,
        sentence=hit.best_sentence,
        matched_terms=hit.matched_terms,
        similarity=hit.dense_similarity,
        weak=weak,
    )


def not_in_corpus(arxiv_id: str) -> str:
    """Return the message for a pasted paper the corpus lacks."""
    return (
        f"arXiv:{arxiv_id} is not in my corpus yet. It will be once a daily feed or an operator's ingest brings it in; "
        "meanwhile, search for its topic with /find."
    )


def find_filters(since: str | None, has_code: bool, today: date) -> SearchFilters:
    """Return the filters of /find's `since` and `has_code` options (UserFacingError for a bad `since`)."""
    return SearchFilters(since=parse_since(since, today) if since else None, has_code=has_code)


def filters_line(filters: SearchFilters, result: SearchResult) -> str | None:
    """Return the line saying which filters applied (and what a date filter left out), or None."""
    if not filters.active:
        return None
    parts = []
    if filters.since:
        parts.append(f"published since {filters.since.isoformat()}")
    if filters.until:
        parts.append(f"published until {filters.until.isoformat()}")
    if filters.has_code:
        parts.append("with code")
    parts += [f"not about {topic}" for topic in filters.exclude]
    if filters.author:
        parts.append(f"by {filters.author}")
    line = "Only papers " + ", ".join(parts) + f": {result.matching or 0} in the corpus"
    if result.undated:
        line += f" ({result.undated} with no known date left out)"
    return line


def kept_event(
    kind: str, user_id: int, guild_id: int | None, paper_ids: tuple[str, ...] = (), query: str | None = None,
    *, private: bool = False,
) -> EngagementEvent | None:
    """Return the event to keep of an action, or None: what was answered privately leaves none, a DM keeps no words.

    Events feed only a server's public /trending, which shows the papers they count and falls
    back to the server's recent queries: an answer only its asker saw must not surface there.
    Nothing reads events without a server (DMs, the console), so their query text is not kept.
    """
    if private:
        return None
    return EngagementEvent(kind, user_id, guild_id, paper_ids, query if guild_id is not None else None)


def _quoted(text: str, limit: int = 200) -> str:
    return f"\u201c{cut(' '.join(text.split()), limit)}\u201d"


class Handlers:
    """PaperScout's commands over the live index, an event sink and a per-user rate limit."""

    def __init__(self, index: LiveIndex, sink: EventSink, limiter: SlidingWindowLimiter | None = None) -> None:
        self.index = index
        self.sink = sink
        self.limiter = limiter

    # --- plumbing --------------------------------------------------------------------------

    def _record(
        self, kind: str, who: Requester, paper_ids: tuple[str, ...] = (), query: str | None = None, *, private: bool = False
    ) -> None:
        event = kept_event(kind, who.user_id, who.guild_id, paper_ids, query, private=private)
        if event is not None:
            record_safely(self.sink, event)

    def admit(self, who: Requester, cost: float = SEARCH) -> None:
        """Count an action of `cost` against the user's rate limit, or raise RateLimited (nothing counted)."""
        if self.limiter is not None:
            self.limiter.acquire(who.user_id, cost)

    @staticmethod
    def _validate(query: str) -> tuple[str, str | None]:
        """Return the query as retrieval will search it, and the note saying it was cut (if it was)."""
        try:
            return clean_query(query)
        except QueryError as exc:
            raise UserFacingError(str(exc)) from None

    @staticmethod
    async def _search(retriever: Retriever, query: str, k: int, filters: SearchFilters | None = None) -> SearchResult:
        try:
            return await asyncio.to_thread(retriever.search, query, k, filters)
        except QueryError as exc:
            raise UserFacingError(str(exc)) from None

    @staticmethod
    def _resolve(retriever: Retriever, title_or_id: str) -> Paper | None:
        """Return the paper an autocomplete value (an id) or a typed title names."""
        value = (title_or_id or "").strip()
        if not value:
            return None
        paper = retriever.get(value) or retriever.find_title(value)
        if paper is not None:
            return paper
        # A pasted arXiv id or arXiv / Hugging Face paper link (abs, pdf, versioned).
        arxiv_id = normalize_arxiv_id(value)
        if arxiv_id is not None:
            return retriever.find_arxiv(arxiv_id)
        key = normalize_title(value)
        if not key:
            return None
        # The start of one title is unambiguous enough, unless another title matches it too
        # ("sinkhorn" starts one title and is in others): then the titles are offered instead.
        matches = title_candidates(retriever, value, 2)
        if len(matches) == 1 and normalize_title(matches[0].title).startswith(key):
            return matches[0]
        return None

    async def _paper_or_error(self, retriever: Retriever, title_or_id: str) -> Paper:
        """Return the paper named; raise AmbiguousTitle when titles match the text but none is it, else UserFacingError."""
        paper = await asyncio.to_thread(self._resolve, retriever, title_or_id)
        if paper is None:
            arxiv_id = normalize_arxiv_id(title_or_id or "")
            if arxiv_id is not None:
                raise UserFacingError(not_in_corpus(arxiv_id))
            candidates = await asyncio.to_thread(title_candidates, retriever, title_or_id or "")
            if candidates:
                raise AmbiguousTitle(choices_reply(title_or_id, candidates))
            raise UserFacingError(
                f"I don't know a paper titled {_quoted(title_or_id, 100)}. "
                "Pick a title from the suggestions, or search with /find."
            )
        return paper

    # --- commands --------------------------------------------------------------------------

    async def find(
        self,
        who: Requester,
        query: str,
        count: int = DEFAULT_COUNT,
        *,
        filters: SearchFilters | None = None,
        before_search: BeforeSearch | None = None,
        admitted: bool = False,
        private: bool = False,
    ) -> Reply:
        """Search and return ranked cards, `count` per page; `before_search` runs once admitted.

        `admitted`: the caller already counted this search; `private`: only the asker sees the answer.
        An author filter with no query lists that author's papers newest first (front ends read `author:"Name"`).
        """
        if filters is not None and filters.author and not query.strip():
            admit = None if admitted else lambda: self.admit(who)
            reply = await author_listing(self.index, filters, max(1, min(int(count), MAX_COUNT)), admit=admit,
                                         before_search=before_search)
            self._record(events.SEARCH, who, tuple(c.paper.id for c in reply.page(0)), reply.query, private=private)
            return reply
        text, note = self._validate(query)
        # Discord's option already holds `count` to 1..MAX_COUNT; the console and other callers pass what they are given.
        count, count_note = clamp_count(count, 1, MAX_COUNT, "results per page")
        if not admitted:
            self.admit(who)
        if before_search is not None:
            await before_search()
        result = await self._search(self.index.current, text, count * PAGES, filters)
        note = join_notes(note or result.note, count_note)
        understood = filters_line(filters, result) if filters is not None else None
        hits = result.hits
        if not hits:
            self._record(events.SEARCH, who, (), result.query, private=private)
            return Reply(RESULTS, f"I found nothing for {_quoted(result.query)}.", query=result.query, note=note,
                         understood=understood)
        if result.weak:
            hits = hits[: min(count, WEAK_SHOWN)]
            heading = (
                f"Nothing in the corpus is close to {_quoted(result.query)}. "
                "Here are the nearest few, marked as weak matches:"
            )
        else:
            heading = f"Papers for {_quoted(result.query)}"
        cards = tuple(card_from_hit(h, result.weak) for h in hits)
        reply = Reply(
            RESULTS, heading, cards, query=result.query, weak=result.weak, note=note, page_size=count,
            understood=understood,
        )
        self._record(events.SEARCH, who, tuple(c.paper.id for c in reply.page(0)), result.query, private=private)
        return reply

    async def paper(self, who: Requester, title: str) -> Reply:
        """Return one paper in full, by autocomplete id or title."""
        # Counted before the look-up: a title that is not a known id scans every title.
        self.admit(who)
        paper = await self._paper_or_error(self.index.current, title)
        self._record(events.PAPER, who, (paper.id,), title)
        return Reply(PAPER_CARD, "", (Card(paper=paper, full=True),), page_size=1)

    async def paper_or_choices(self, who: Requester, title: str) -> Reply:
        """Return one paper in full or, when the title typed matches several, a TITLES reply listing them."""
        try:
            return await self.paper(who, title)
        except AmbiguousTitle as ambiguous:
            return ambiguous.reply

    async def details(self, who: Requester, paper_id: str, *, private: bool = False) -> Reply:
        """Return the full card of a paper picked from results (`private`: results only the picker saw)."""
        self.admit(who, CLICK)
        paper = await asyncio.to_thread(self.index.current.get, paper_id)
        if paper is None:
            raise UserFacingError("That paper is no longer in my corpus. Try /find again.")
        self._record(events.DETAILS, who, (paper.id,), private=private)
        return Reply(PAPER_CARD, "", (Card(paper=paper, full=True),), page_size=1, ephemeral=True)

    async def similar(
        self,
        who: Requester,
        title_or_id: str,
        count: int = DEFAULT_COUNT,
        *,
        before_search: BeforeSearch | None = None,
        admitted: bool = False,
        private: bool = False,
    ) -> Reply:
        """Return the papers nearest to one paper (`admitted` and `private` as for `find`)."""
        if not admitted:
            # Counted before the look-up, which may scan every title.
            self.admit(who)
        retriever = self.index.current
        paper = await self._paper_or_error(retriever, title_or_id)
        count = max(1, min(int(count), MAX_COUNT))
        if before_search is not None:
            await before_search()
        try:
            result = await asyncio.to_thread(retriever.similar, paper.id, count)
        except QueryError as exc:
            raise UserFacingError(str(exc)) from None
        cards = tuple(card_from_hit(h) for h in result.hits)
        self._record(events.SIMILAR, who, (paper.id, *(c.paper.id for c in cards)), paper.title, private=private)
        heading = f"Papers similar to {_quoted(paper.clean_title or paper.title)}"
        return Reply(RESULTS, heading, cards, query=paper.title, page_size=max(1, len(cards)))

    def help(self) -> Reply:
        """Return what the bot can do, with examples."""
        return Reply(HELP, HELP_TEXT)

    def record_page(self, who: Requester, reply: Reply, page: int, *, private: bool = False) -> None:
        """Count a page turn on a result list (`private`: a list only its owner sees)."""
        self._record(events.PAGE, who, tuple(c.paper.id for c in reply.page(page)), reply.query, private=private)

    async def complete(self, prefix: str) -> list[tuple[str, str]]:
        """Return up to 25 (title, paper id) choices for what was typed so far."""
        papers = await asyncio.to_thread(self.index.current.complete_titles, prefix or "", AUTOCOMPLETE_LIMIT)
        choices = []
        for paper in papers[:AUTOCOMPLETE_LIMIT]:
            name = cut(paper.clean_title or paper.title, CHOICE_LIMIT) or paper.id
            if len(paper.id) <= CHOICE_LIMIT:
                choices.append((name, paper.id))
        return choices
