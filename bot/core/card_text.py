"""Text decisions shared by every card renderer: cutting, snippets, highlights, links, listings,
authors, dates, popularity, colours and pictures.

Everything here is plain text or plain numbers: the Discord embeds and the terminal text
render it, each in its own markup.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import quote, quote_plus

from bot.core.replies import Card
from corpus.clean import clean_text
from corpus.paper import Link, Listing, Paper
from corpus.urls import web_url
from corpus.source_names import ARXIV, FILE, HF_DAILY, SHIPPED_PAGE, source_kind, source_label
from retrieval.filters import published_day
from retrieval.tokenize import tokenize

ELLIPSIS = "\u2026"
_WORD_RE = re.compile(r"[^\W_]+(?:[-_'\u2019][^\W_]+)*")
# Links found in an abstract worth listing, and the label each is shown with (never a stored
# label: a record from an old import could say "arXiv PDF" of any URL); the paper's own pages
# are built from its arXiv id.
_ABSTRACT_LABELS = {"code": "Code", "project": "Project page"}
# A result card names this many authors, then "et al.": enough to recognise a group.
AUTHORS_SHOWN = 3
ET_AL = "et al."
# Card colours (0xRRGGBB) by the kind of place that listed the paper, so a glance tells a
# fresh feed paper from the shipped corpus; weak matches are grey whatever their source.
SOURCE_COLOURS = {
    SHIPPED_PAGE: 0x5865F2,  # Discord blurple: the corpus PaperScout ships with
    HF_DAILY: 0xFFD21E,  # Hugging Face yellow
    ARXIV: 0xB31B1B,  # arXiv red
    FILE: 0x3BA55C,  # green: a file an operator ingested
}
WEAK_COLOUR = 0x99AAB5


def cut(text: str, limit: int) -> str:
    """Return `text` if it fits in `limit` characters, else cut at a word with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    head = text[: limit - 1]
    space = head.rfind(" ")
    # Cut at the last space unless that throws away most of the text (one huge "word").
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-\u2013\u2014(") + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into chunks of at most `limit` characters, breaking between words."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        head = rest[:limit]
        space = head.rfind(" ")
        if space < limit // 2:
            space = limit
        chunks.append(rest[:space].rstrip())
        rest = rest[space:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _stems(text: str) -> set[str]:
    return set(tokenize(text))


def term_stems(terms: tuple[str, ...]) -> set[str]:
    """Return the stems of the matched query words, as the index compares them."""
    stems: set[str] = set()
    for term in terms:
        stems |= _stems(term)
    return stems


def highlight(text: str, terms: tuple[str, ...]) -> list[tuple[str, bool]]:
    """Split `text` into (segment, matched) pieces; matched words share a stem with a term."""
    wanted = term_stems(terms)
    if not wanted:
        return [(text, False)] if text else []
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in _WORD_RE.finditer(text):
        word_stems = _stems(match.group(0))
        if word_stems and word_stems & wanted:
            if match.start() > last:
                pieces.append((text[last:match.start()], False))
            pieces.append((match.group(0), True))
            last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


def snippet(sentence: str, terms: tuple[str, ...], limit: int) -> str:
    """Return at most `limit` characters of `sentence`, centred on its first matched word."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return sentence
    first = next((i for i, (piece, hit) in enumerate(highlight(sentence, terms)) if hit), None)
    if first is None:
        return cut(sentence, limit)
    start = sum(len(piece) for piece, _ in highlight(sentence, terms)[:first])
    # Keep a third of the window before the first match so it reads as context.
    begin = max(0, start - limit // 3)
    if begin == 0:
        return cut(sentence, limit)
    space = sentence.rfind(" ", 0, begin + 1)
    begin = space + 1 if space >= 0 else begin
    return cut(ELLIPSIS + sentence[begin:], limit)


def arxiv_url(arxiv_id: str, page: str = "abs") -> str:
    """Return an arXiv page of a paper: "abs" (the abstract) or "pdf"."""
    return f"https://arxiv.org/{page}/{quote(arxiv_id, safe='./')}"


def title_url(paper: Paper) -> str | None:
    """Return where the card title links: the arXiv abstract, or nothing when the paper has no id.

    A title that led to a search would pass a guess off as the paper; searches are listed,
    labelled as searches, among the links instead.
    """
    return web_url(arxiv_url(paper.arxiv_id)) if paper.arxiv_id else None


def code_url(paper: Paper) -> str | None:
    """Return the paper's code repository: the one its source named, else the first found in its abstract."""
    # Records are checked where they are made; checked again here because a store written by hand
    # or by an older version never was, and a raw value must never become a link.
    repo = web_url(paper.github_repo)
    if repo:
        return repo
    return next((url for link in paper.links if link.kind == "code" and (url := web_url(link.url))), None)


def shown_links(paper: Paper) -> list[Link]:
    """Return the links a card lists: arXiv, PDF, HF paper page, code, project pages; title searches without an id."""
    links: list[Link] = []
    if paper.arxiv_id:
        links.append(Link(url=arxiv_url(paper.arxiv_id), kind="arxiv", label="arXiv"))
        links.append(Link(url=arxiv_url(paper.arxiv_id, "pdf"), kind="pdf", label="PDF"))
        hf_page = f"https://huggingface.co/papers/{quote(paper.arxiv_id, safe='./')}"
        links.append(Link(url=hf_page, kind="paper", label="HF paper page"))
    code = code_url(paper)
    if code:
        links.append(Link(url=code, kind="code", label="Code"))
    seen = {_link_key(link.url) for link in links}
    for link in paper.links:
        url = web_url(link.url)
        if link.kind in _ABSTRACT_LABELS and url and _link_key(url) not in seen:
            links.append(Link(url=url, kind=link.kind, label=_ABSTRACT_LABELS[link.kind]))
            seen.add(_link_key(url))
    if not paper.arxiv_id:
        # Without an id the paper's own pages are unknown; a title search is the honest fallback.
        query = quote_plus(paper.clean_title or paper.title)
        links.append(Link(
            url=f"https://arxiv.org/search/?query={query}&searchtype=title", kind="search",
            label="Search arXiv for this title",
        ))
        links.append(Link(
            url=f"https://huggingface.co/papers?q={query}", kind="search", label="Search HF Papers for this title",
        ))
    # Built from an id or a title, quoted: checked all the same, so no card shows an unchecked link.
    return [link for link in links if web_url(link.url)]


def _link_key(url: str) -> str:
    return url.rstrip("/").lower()


def author_names(paper: Paper, limit: int | None = None) -> list[str]:
    """Return the paper's first `limit` (default all) author names as shown: LaTeX folded, control characters gone."""
    names: list[str] = []
    # Cleaning stops at `limit`: collaborations list thousands of authors, and a card shows three.
    for raw in paper.authors:
        if limit is not None and len(names) >= limit:
            break
        name = clean_text(raw)
        if name:
            names.append(name)
    return names


def author_count(paper: Paper) -> int:
    """Return how many authors the paper lists (blank entries aside)."""
    return sum(1 for raw in paper.authors if raw.strip())


def authors_line(paper: Paper, shown: int = AUTHORS_SHOWN) -> str:
    """Return the first `shown` authors, then "et al." if there are more; "" when none are known."""
    names = author_names(paper, shown + 1)
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + " " + ET_AL


def published_at(paper: Paper) -> datetime | None:
    """Return when the paper was published, in UTC (a bare date counts from its midnight UTC), or None."""
    text = (paper.published or "").strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        day = published_day(paper)
        return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) if day else None
    return when.astimezone(timezone.utc) if when.tzinfo else when.replace(tzinfo=timezone.utc)


def published_date(paper: Paper) -> str | None:
    """Return the publication date as YYYY-MM-DD, the day the date filters use, or None."""
    day = published_day(paper)
    return day.isoformat() if day else None


def popularity(paper: Paper) -> tuple[str, ...]:
    """Return the known counts, e.g. ("12 upvotes", "1,234 GitHub stars"); unknown counts are left out, 0 is shown."""
    parts = []
    if paper.upvotes is not None:
        parts.append(_counted(paper.upvotes, "upvote"))
    if paper.github_stars is not None:
        parts.append(_counted(paper.github_stars, "GitHub star"))
    return tuple(parts)


def _counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def card_source(paper: Paper) -> str:
    """Return the kind of place that listed the paper most recently (its colour on cards)."""
    # Listings are kept in the order they were first seen: the last one is the freshest news,
    # so a shipped paper that turns up in today's HF daily list looks like today's news.
    return source_kind(paper.listings[-1].source) if paper.listings else FILE


def card_colour(card: Card) -> int:
    """Return the card's colour as 0xRRGGBB: grey for a weak match, else its source's colour."""
    return WEAK_COLOUR if card.weak else SOURCE_COLOURS[card_source(card.paper)]


def thumbnail_url(paper: Paper) -> str | None:
    """Return the picture to show with the paper, if its source gave one (http(s) only)."""
    # Checked again here: a store written by hand or an old import never went through the parser.
    return web_url(paper.thumbnail)


def listing_label(listing: Listing) -> str:
    """Return where a paper was listed, e.g. "HF papers page 000, #12"."""
    return f"{source_label(listing.source)}, #{listing.rank}"


def listings_line(paper: Paper, limit: int = 3) -> str:
    """Return the paper's first `limit` listings on one line, noting how many more there are."""
    labels = [listing_label(x) for x in paper.listings[:limit]]
    extra = len(paper.listings) - limit
    if extra > 0:
        labels.append(f"+{extra} more")
    return "; ".join(labels)
