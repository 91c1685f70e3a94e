"""What handlers answer with: plain frozen data that the Discord embeds and the terminal text both render."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.paper import Paper
from retrieval.types import why_matched

# Reply kinds, so renderers and the Discord layer can pick a layout.
RESULTS = "results"
PAPER_CARD = "paper"
ANSWER = "answer"
HELP = "help"
# Plain text (and maybe a code block), no cards: e.g. a BibTeX entry or "nothing to continue".
TEXT = "text"
# Titles to pick from, when a typed title matches several papers (bot/core/title_choices.py).
TITLES = "titles"


@dataclass(frozen=True)
class Requester:
    """Who asked, and where (guild None for DMs and the console)."""

    user_id: int
    guild_id: int | None = None


@dataclass(frozen=True)
class Card:
    """One paper to show, with what made it match (empty for plain look-ups)."""

    paper: Paper
    rank: int | None = None
    sentence: str = ""
    matched_terms: tuple[str, ...] = ()
    similarity: float | None = None
    weak: bool = False
    # A full card shows the whole abstract instead of a snippet (/paper, details).
    full: bool = False
    # Why a card was picked when it was not a search match (e.g. the trending post's signals).
    reason: str = ""

    @property
    def why(self) -> str:
        """Return the one-line "why it matched", or "" for a plain look-up."""
        if self.reason:
            return self.reason
        if self.similarity is None:
            return ""
        return why_matched(self.matched_terms, self.similarity)


@dataclass(frozen=True)
class Quote:
    """A sentence quoted from a paper's abstract, with that paper's title and the number of its card."""

    sentence: str
    title: str
    number: int | None = None
    # [start, end) of the words that answer the question, shown in bold; None for none.
    bold: tuple[int, int] | None = None


@dataclass(frozen=True)
class Reply:
    """A handler's answer: a heading, optional quote and cards, shown `page_size` at a time."""

    kind: str
    text: str
    cards: tuple[Card, ...] = ()
    query: str | None = None
    weak: bool = False
    note: str | None = None
    quotes: tuple[Quote, ...] = ()
    page_size: int = 10
    ephemeral: bool = False
    # A follow-up's one line saying what was understood ("Only papers with code: 3 of the 12 results").
    understood: str | None = None
    # Text shown as a code block under the heading (a BibTeX entry).
    code: str | None = None
    # A pasted paper the corpus lacks (an arXiv id): front ends may offer to fetch it.
    fetchable: str | None = None

    @property
    def pages(self) -> int:
        """Return how many pages the cards fill (at least 1)."""
        return max(1, -(-len(self.cards) // self.page_size))

    def page(self, index: int) -> tuple[Card, ...]:
        """Return the cards of page `index` (0-based, clamped)."""
        index = max(0, min(index, self.pages - 1))
        return self.cards[index * self.page_size:(index + 1) * self.page_size]
