"""Text decisions shared by every card renderer: cutting, snippets, highlights, links, listings."""

from __future__ import annotations

import re
from urllib.parse import quote

from corpus.paper import Link, Listing, Paper
from corpus.source_names import source_label
from retrieval.tokenize import tokenize

ELLIPSIS = "\u2026"
_WORD_RE = re.compile(r"[^\W_]+(?:[-_'\u2019][^\W_]+)*")
# Link kinds worth a button-like line on a card; "search" links only lead to a search page.
_SHOWN_KINDS = ("code", "project", "paper", "arxiv")


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


def cut_start(text: str, limit: int) -> str:
    """Return the end of `text` in `limit` characters, cut at a word with a leading ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    tail = text[-(limit - 1):]
    space = tail.find(" ")
    if 0 <= space <= len(tail) // 2:
        tail = tail[space + 1:]
    return ELLIPSIS + tail.lstrip()


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


def title_url(paper: Paper) -> str | None:
    """Return where the card title links: arXiv if known, else the paper's first link."""
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{quote(paper.arxiv_id, safe='./')}"
    return paper.links[0].url if paper.links else None


def shown_links(paper: Paper) -> list[Link]:
    """Return the code, project and paper links worth listing on a card (arXiv first)."""
    links: list[Link] = []
    if paper.arxiv_id:
        links.append(Link(url=f"https://arxiv.org/abs/{quote(paper.arxiv_id, safe='./')}", kind="arxiv", label="arXiv"))
    seen = {link.url for link in links}
    for link in paper.links:
        if link.kind in _SHOWN_KINDS and link.url not in seen:
            links.append(link)
            seen.add(link.url)
    return links


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
