"""When a typed title names no paper but matches several: the titles it may mean, to pick from.

`/paper sinkhorn` should not answer "I don't know a paper titled ..." while the corpus holds
three Sinkhorn papers. The handlers raise `AmbiguousTitle` (a UserFacingError, so a front end
that only shows error text still lists the candidates); its `reply` is a TITLES Reply that a
front end renders as a list with a way to pick one.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.card_text import authors_line, cut, published_date
from bot.core.errors import UserFacingError
from bot.core.replies import TITLES, Card, Reply
from corpus.clean import normalize_title
from corpus.paper import Paper

# Titles offered at most: a short list to read, and well under a select menu's 25 options.
CHOICES_SHOWN = 10
# Titles looked at: enough to know whether there are more than those shown.
_LOOKED_AT = 25
_TYPED_SHOWN = 100


class TitleIndex(Protocol):
    """The part of the retriever that completes titles."""

    def complete_titles(self, prefix: str, limit: int = 25) -> list[Paper]: ...


class AmbiguousTitle(UserFacingError):
    """A typed title that names no paper but matches some; `reply` lists them to pick from."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(choices_text(reply))
        self.reply = reply


def _every_word_starts_a_title_word(typed: list[str], title: list[str]) -> bool:
    return all(any(word.startswith(t) for word in title) for t in typed)


def title_candidates(index: TitleIndex, typed: str, limit: int = _LOOKED_AT) -> list[Paper]:
    """Return the papers a typed title may mean, best first: its text is in the title, or each typed word starts a title word."""
    key = normalize_title(typed)
    if not key:
        return []
    words = key.split()
    found = []
    # complete_titles also falls back to any shared word ("no such paper" finds every "paper"):
    # a title is offered only if it holds all of what was typed.
    for paper in index.complete_titles(typed, limit):
        title = normalize_title(paper.title)
        if key in title or _every_word_starts_a_title_word(words, title.split()):
            found.append(paper)
    return found


def choice_detail(paper: Paper) -> str:
    """Return what tells same-sounding titles apart: the first authors and the year, as known."""
    parts = [authors_line(paper)]
    day = published_date(paper)
    if day:
        parts.append(day[:4])
    return " \u00b7 ".join(part for part in parts if part)


def choices_reply(typed: str, papers: list[Paper]) -> Reply:
    """Return the TITLES reply offering `papers` (the first CHOICES_SHOWN) for a typed title."""
    shown = papers[:CHOICES_SHOWN]
    quoted = f"\u201c{cut(' '.join(typed.split()), _TYPED_SHOWN)}\u201d"
    if len(shown) == 1:
        heading = f"No paper is titled {quoted}; one title matches it:"
    else:
        heading = f"No paper is titled {quoted}; {len(shown)} titles match it:"
    note = None
    if len(papers) > len(shown):
        heading = f"No paper is titled {quoted}; the first {len(shown)} titles that match it:"
        note = "Type more of the title to narrow these down."
    cards = tuple(Card(paper=paper, rank=i) for i, paper in enumerate(shown, start=1))
    return Reply(TITLES, heading, cards, query=typed, note=note, page_size=max(1, len(cards)), ephemeral=True)


def choice_lines(reply: Reply) -> list[str]:
    """Return the candidates of a TITLES reply as plain numbered lines: "1. Title — authors · year"."""
    lines = []
    for card in reply.cards:
        detail = choice_detail(card.paper)
        title = card.paper.clean_title or card.paper.title
        lines.append(f"{card.rank}. {title}" + (f" \u2014 {detail}" if detail else ""))
    return lines


def choices_text(reply: Reply) -> str:
    """Return a TITLES reply as plain text: heading, numbered titles, note."""
    return "\n".join([reply.text, *choice_lines(reply), *([reply.note] if reply.note else [])])
