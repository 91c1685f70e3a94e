"""Papers by author over the index being served: `author:"Name"` in a query, /author's list, names to suggest.

The served index answers, not the store: what a list shows is what search, details and
"more" can open. Its author index is built on a retriever's first author request (in a worker
thread) and kept as long as that retriever is; the author filter inside retrieval
(retrieval/filters.py) uses the same one (corpus/author_index.author_index).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading
import weakref
from typing import Awaitable, Callable

from bot.core.card_text import cut
from bot.core.errors import UserFacingError
from bot.core.live_index import LiveIndex, Retriever
from bot.core.replies import RESULTS, Card, Reply
from corpus.author_index import MAX_NAMES, AuthorIndex, author_index
from corpus.authors import MAX_NAME, author_name, clean_display
from corpus.paper import Paper
from retrieval.filters import SearchFilters

# Papers an author list holds (its pages); the note says when an author has more.
LIST_MAX = 30
# Discord's limit on an autocomplete choice's name and value.
CHOICE_LIMIT = 100
# `author:"Two Words"`, `author:“Two Words”` or `author:OneWord`, anywhere in a query.
_AUTHOR_TERM = re.compile(r"(?<!\S)author:[ \t]*(?:\"(?P<q>[^\"]*)\"?|\u201c(?P<s>[^\u201d]*)\u201d?|(?P<w>\S*))",
                          re.IGNORECASE)
AUTHOR_EXAMPLE = 'e.g. author:"Marco Cuturi" or author:Cuturi'
# Markdown, mention and link characters: a name echoed in an error line loses them.
_MARKUP = re.compile(r"[\\*_`~|<>\[\]()#@:]")

# Each served retriever's index, kept alive with it (the search filter over the same papers shares it).
_built: weakref.WeakKeyDictionary[object, AuthorIndex] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def authors_of(retriever: Retriever) -> AuthorIndex:
    """Return the author index of a retriever's papers, building it once (call from a worker thread)."""
    with _lock:
        found = _built.get(retriever)
        if found is None:
            found = _built[retriever] = author_index(retriever.papers)
        return found


def split_author(query: str) -> tuple[str, str | None]:
    """Return the query without its `author:` term, and the name that term gives (None without one)."""
    terms = list(_AUTHOR_TERM.finditer(query))
    if not terms:
        return query, None
    if len(terms) > 1:
        raise UserFacingError(f"Give one author at a time, {AUTHOR_EXAMPLE}.")
    term = terms[0]
    name = clean_display(term.group("q") or term.group("s") or term.group("w") or "")
    if author_name(name) is None:
        raise UserFacingError(f"Put a name after author:, {AUTHOR_EXAMPLE}.")
    rest = " ".join((query[:term.start()] + " " + query[term.end():]).split())
    return rest, name


def with_author(query: str, filters: SearchFilters | None) -> tuple[str, SearchFilters | None]:
    """Return the query without its `author:` term, and `filters` with that author added."""
    rest, name = split_author(query)
    if name is None:
        return query, filters
    return rest, dataclasses.replace(filters or SearchFilters(), author=name)


def by_author(name: str) -> SearchFilters:
    """Return the filters of a list of one author's papers (what /author searches with and a conversation keeps)."""
    return SearchFilters(author=name)


def unknown_author(name: str) -> str:
    """Return the one line for a name no paper in the corpus carries."""
    # Error lines go out as written (not escaped like cards): drop what could format or mention.
    shown = cut(" ".join(_MARKUP.sub(" ", name).split()), 100)
    return f"I know no papers by \u201c{shown}\u201d. Start typing a name and pick one of the suggestions."


def papers_passing(retriever: Retriever, filters: SearchFilters) -> tuple[str, int, list[Paper]]:
    """Return the author of `filters` as most papers write them, their number of papers, and those passing
    the other filters, newest first (call from a worker thread)."""
    display, papers = authors_of(retriever).papers_by(filters.author or "")
    others = dataclasses.replace(filters, author=None)
    # The other filters as a search applies them; an author has few papers, each checked alone.
    passing = [p for p in papers if retriever.count_passing([p.id], others)] if others.active else papers
    return display, len(papers), passing


async def author_listing(
    index: LiveIndex,
    filters: SearchFilters,
    count: int,
    *,
    admit: Callable[[], None] | None = None,
    before_search: Callable[[], Awaitable[None]] | None = None,
) -> Reply:
    """Return the papers of the author `filters` names that pass its other filters, newest first, `count` per page.

    `admit` counts the request against the user's rate limit; `before_search` runs once it is admitted.
    """
    name = filters.author or ""
    if author_name(name) is None or len(name) > MAX_NAME:
        raise UserFacingError(unknown_author(name))
    if admit is not None:
        admit()
    if before_search is not None:
        await before_search()
    retriever = index.current
    others = dataclasses.replace(filters, author=None)
    display, total, papers = await asyncio.to_thread(papers_passing, retriever, filters)
    if not total:
        raise UserFacingError(unknown_author(name))
    if not papers:
        return Reply(RESULTS, f"None of the {total} papers by {display} passes those filters.", query=display)
    shown = papers[:LIST_MAX]
    note = f"The newest {len(shown)} of {len(papers)} papers." if len(papers) > len(shown) else None
    if others.active:
        note = f"{len(papers)} of their {total} papers pass the filters" + (f"; the newest {len(shown)} here." if note else ".")
    cards = tuple(Card(paper=paper, rank=rank) for rank, paper in enumerate(shown, start=1))
    return Reply(RESULTS, f"Papers by {display}, newest first", cards, query=display, note=note,
                 page_size=max(1, count))


async def author_choices(index: LiveIndex, typed: str) -> list[tuple[str, str]]:
    """Return up to 25 (label, name) suggestions for a name typed so far, most papers first."""
    retriever = index.current
    names = await asyncio.to_thread(lambda: authors_of(retriever).names(typed or "", MAX_NAMES))
    choices = []
    for name, papers in names:
        if len(name) <= CHOICE_LIMIT:
            label = f"{name} ({papers} paper{'s' if papers != 1 else ''})"
            choices.append((label if len(label) <= CHOICE_LIMIT else name, name))
    return choices
