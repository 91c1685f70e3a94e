"""Following an author, independent of Discord: checking a name, and finding a followed author's new papers.

Names are matched by corpus/authors.py's rule (case, accents and initials folded: "M. Cuturi"
and "Marco Cuturi" are one person, "Marco" and "Maria Cuturi" are not). A follow is stored
as a subscription of kind AUTHOR (bot/state/subscriptions.py), so delivery, pausing,
/subscriptions and /unsubscribe treat it as they treat a topic.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

from bot.core.errors import UserFacingError
from bot.state.subscriptions import AUTHOR, Subscription
from corpus.author_index import AuthorIndex
from corpus.authors import MAX_NAME, author_name, clean_display, newest_first
from corpus.paper import Paper
from retrieval.snippets import best_sentence
from retrieval.types import Hit

AuthorPapers = Callable[[str], Sequence[Paper]]
NAME_EXAMPLE = "e.g. `Marco Cuturi`"


def clean_author(raw: str) -> str:
    """Return a name fit to follow (control characters gone, spaces folded), or raise UserFacingError saying why."""
    name = clean_display(raw)
    if len(" ".join(str(raw).split())) > MAX_NAME:
        raise UserFacingError(f"That name is too long; keep it under {MAX_NAME} characters, {NAME_EXAMPLE}.")
    if author_name(name) is None:
        raise UserFacingError(f"Give an author's name, {NAME_EXAMPLE} (start typing and pick one of the suggestions).")
    return name


def same_name(a: str, b: str) -> bool:
    """Return whether two followed names are written the same once folded ("Marco  cuturi" is "Marco Cuturi")."""
    left, right = author_name(a), author_name(b)
    return left is not None and right is not None and left.folded == right.folded


def find_same_follow(subscriptions: Iterable[Subscription], name: str) -> Subscription | None:
    """Return the first author follow of the same name, if any."""
    return next((s for s in subscriptions if s.kind == AUTHOR and same_name(s.topic, name)), None)


def papers_by_index(papers: Sequence[Paper]) -> AuthorPapers:
    """Return a look-up of a name's papers among `papers`, the index built on the first call."""
    built: list[AuthorIndex] = []

    def papers_by(name: str) -> Sequence[Paper]:
        if not built:
            built.append(AuthorIndex(papers))
        return built[0].papers_by(name)[1]

    return papers_by


def followed_hits(papers: Sequence[Paper], eligible: Callable[[Paper], bool]) -> list[Hit]:
    """Return a followed author's papers that may be sent, newest first, as hits to show.

    There is no query: the card's snippet is the sentence saying what the paper does.
    """
    kept = newest_first(p for p in papers if eligible(p))
    return [
        Hit(paper, rank, 0.0, None, 0.0, (), 0.0, best_sentence(paper, frozenset(), {}))
        for rank, paper in enumerate(kept, start=1)
    ]
