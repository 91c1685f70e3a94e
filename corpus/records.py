"""Turn a parsed candidate into a Paper, and merge a candidate into an existing Paper."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import urllib.parse
from dataclasses import dataclass

from corpus.clean import clean_text, extract_links, normalize_title
from corpus.paper import Link, Listing, Paper

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
        # Checked here, once for every source: a card shows this URL as an image.
        object.__setattr__(self, "thumbnail", web_url(self.thumbnail))


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


# Longer URLs are not images anyone meant to show; the cap also keeps a hostile feed from bloating rows.
MAX_URL_CHARS = 2048
_URL_JUNK = re.compile(r"[\s\x00-\x1f\x7f-\x9f<>\"]")


def web_url(raw: object) -> str | None:
    """Return `raw` if it is an absolute http(s) URL with a host and nothing odd in it, else None."""
    if not isinstance(raw, str):
        return None
    url = raw.strip()
    if not url or len(url) > MAX_URL_CHARS or _URL_JUNK.search(url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a bracketed host that is not an IPv6 address
        return None
    # javascript:, data: and file: URLs, and "https:///path", are not links to show anyone.
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


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
    github_repo = candidate.github_repo or paper.github_repo
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
