"""The paper record every other layer reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, slots=True)
class Listing:
    """One place a paper was listed: a source (page name, feed) and its 1-based rank there."""

    source: str
    rank: int


@dataclass(frozen=True, slots=True)
class Link:
    """A link shown on a card; `kind` is 'code', 'project', 'arxiv', 'search' or 'paper'."""

    url: str
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class Paper:
    """A deduplicated paper.

    `title` and `abstract` are kept verbatim as parsed (evaluation files key on the parsed
    title); `text` is the cleaned "title. abstract" used for indexing and `clean_abstract`
    the cleaned abstract used for display. `thumbnail` is an http(s) image URL from a source
    that offers one (the HF daily papers feed), None otherwise.
    """

    id: str
    title: str
    abstract: str
    clean_title: str
    clean_abstract: str
    ingested_at: str
    links: tuple[Link, ...] = ()
    listings: tuple[Listing, ...] = ()
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    upvotes: int | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    thumbnail: str | None = None

    @property
    def text(self) -> str:
        """Return the cleaned text that is indexed: title, then abstract."""
        if not self.clean_abstract:
            return self.clean_title
        return f"{self.clean_title}. {self.clean_abstract}"

    @property
    def content_digest(self) -> str:
        """Return a digest of everything the index is built from (cleaned title and abstract)."""
        return hashlib.sha1(f"{self.clean_title}\x1f{self.clean_abstract}".encode("utf-8")).hexdigest()

    @property
    def sources(self) -> tuple[str, ...]:
        """Return the distinct sources this paper was listed in, in first-seen order."""
        return tuple(dict.fromkeys(listing.source for listing in self.listings))


def links_to_code(github_repo: str | None, link_kinds: Iterable[str]) -> bool:
    """Return whether a paper with this GitHub repo and links of these kinds links to its code (what "has code" means)."""
    return bool(github_repo) or "code" in link_kinds
