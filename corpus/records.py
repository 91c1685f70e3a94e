"""Turn a parsed candidate into a Paper, and merge a candidate into an existing Paper."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

from corpus.clean import clean_text, extract_links, normalize_title
from corpus.paper import Link, Listing, Paper
from corpus.urls import web_url

_ARXIV_RE = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """A paper as one source saw it, before matching against the store."""

    title: str
    abstract: str
    source: str
    rank: int
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    upvotes: int | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    thumbnail: str | None = None

    def __post_init__(self) -> None:
        # Every source spells ids differently (URLs, "v7" suffixes): match on the bare id.
        object.__setattr__(self, "arxiv_id", normalize_arxiv_id(self.arxiv_id))
        # Checked here, once for every source: a card shows these URLs as a picture and a link, so a
        # value that is not plainly a web address (a second line, a fake label) is dropped, not kept.
        object.__setattr__(self, "thumbnail", web_url(self.thumbnail))
        object.__setattr__(self, "github_repo", web_url(self.github_repo))
        object.__setattr__(self, "authors", tuple(name for name in map(plain_line, self.authors) if name))


# Control characters (an escape sequence repaints a terminal) and bidi overrides (they reorder
# what follows on a card); zero-width joiners stay, emoji and some scripts need them.
_UNSHOWABLE = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain_line(text: object) -> str:
    """Return `text` as one line of showable text: controls and bidi overrides gone, whitespace collapsed."""
    if not isinstance(text, str):
        return ""
    kept = "".join(" " if unicodedata.category(ch) == "Cc" or ch in _UNSHOWABLE else ch for ch in text)
    return " ".join(kept.split())


# An abstract of fewer words is not an abstract ("TBD", "See the paper."): such a record is not ingested.
MIN_ABSTRACT_WORDS = 6


def not_a_paper(title: str, abstract: str) -> str | None:
    """Return why a record does not look like a paper (no title, no abstract, too short), else None."""
    if not title.strip():
        return "no title"
    words = len(abstract.split())
    if words == 0:
        return "no abstract"
    if words < MIN_ABSTRACT_WORDS:
        return f"abstract shorter than a sentence ({words} word{'s' if words != 1 else ''})"
    return None


def normalize_arxiv_id(raw: str | None) -> str | None:
    """Return a bare arXiv id without URL, prefix or version suffix, or None if it is not one."""
    if not raw or not isinstance(raw, str):
        return None
    text = raw.strip().rstrip("/")
    text = re.sub(r"^(?:https?://)?(?:www\.)?(?:arxiv\.org|huggingface\.co/papers)/(?:abs/|pdf/)?", "", text, flags=re.I)
    text = re.sub(r"^arxiv:", "", text, flags=re.I).removesuffix(".pdf")
    match = _ARXIV_RE.fullmatch(text)
    return match.group(1) if match else None


def paper_id_for(title: str) -> str:
    """Return the stable id derived from a normalized title."""
    return "p" + hashlib.sha1(normalize_title(title).encode("utf-8")).hexdigest()[:12]


def _source_links(paper_title: str, arxiv_id: str | None, github_repo: str | None) -> tuple[Link, ...]:
    links: list[Link] = []
    if arxiv_id:
        links.append(Link(f"https://arxiv.org/abs/{arxiv_id}", "arxiv", "arXiv"))
        links.append(Link(f"https://huggingface.co/papers/{arxiv_id}", "paper", "HF Papers"))
    else:
        # Without an id we cannot link the paper itself; a title search is the honest fallback.
        query = urllib.parse.quote_plus(paper_title)
        links.append(Link(f"https://arxiv.org/search/?query={query}&searchtype=title", "search", "Search arXiv"))
        links.append(Link(f"https://huggingface.co/papers?q={query}", "search", "Search HF Papers"))
    if github_repo:
        links.append(Link(github_repo, "code", "GitHub"))
    return tuple(links)


def _links_for(title: str, abstract: str, arxiv_id: str | None, github_repo: str | None) -> tuple[Link, ...]:
    found = extract_links(abstract)
    merged: dict[str, Link] = {}
    for link in (*found, *_source_links(clean_text(title), arxiv_id, github_repo)):
        # An abstract is feed text too: a "URL" in it ending in a control character or a made-up host is not kept.
        if web_url(link.url) == link.url:
            merged.setdefault(link.url.rstrip("/").lower(), link)
    return tuple(merged.values())


def new_paper(candidate: Candidate, paper_id: str, now: str) -> Paper:
    """Build the record of a paper seen for the first time."""
    return Paper(
        id=paper_id,
        title=candidate.title,
        abstract=candidate.abstract,
        clean_title=clean_text(candidate.title),
        clean_abstract=clean_text(candidate.abstract),
        ingested_at=now,
        links=_links_for(candidate.title, candidate.abstract, candidate.arxiv_id, candidate.github_repo),
        listings=(Listing(candidate.source, candidate.rank),),
        arxiv_id=candidate.arxiv_id,
        authors=candidate.authors,
        published=candidate.published,
        upvotes=candidate.upvotes,
        github_repo=candidate.github_repo,
        github_stars=candidate.github_stars,
        thumbnail=candidate.thumbnail,
    )


def merge(paper: Paper, candidate: Candidate) -> Paper:
    """Return `paper` updated with what `candidate` adds; id, title and first abstract stay."""
    listing = Listing(candidate.source, candidate.rank)
    listings = paper.listings if listing in paper.listings else (*paper.listings, listing)
    abstract = paper.abstract or candidate.abstract
    arxiv_id = paper.arxiv_id or candidate.arxiv_id
    # A record stored before URLs were checked may hold a bad one: it is not carried forward.
    github_repo = candidate.github_repo or web_url(paper.github_repo)
    updated = dataclasses.replace(
        paper,
        abstract=abstract,
        clean_abstract=clean_text(abstract),
        listings=listings,
        arxiv_id=arxiv_id,
        authors=candidate.authors or paper.authors,
        published=paper.published or candidate.published,
        # Popularity moves over time: the newest observation wins.
        upvotes=candidate.upvotes if candidate.upvotes is not None else paper.upvotes,
        github_repo=github_repo,
        github_stars=candidate.github_stars if candidate.github_stars is not None else paper.github_stars,
        # Like popularity, the newest picture wins; a source without one keeps the one we have.
        thumbnail=candidate.thumbnail or paper.thumbnail,
    )
    if (updated.arxiv_id, updated.github_repo, updated.abstract) != (paper.arxiv_id, paper.github_repo, paper.abstract):
        updated = dataclasses.replace(updated, links=_links_for(updated.title, abstract, arxiv_id, github_repo))
    return updated
