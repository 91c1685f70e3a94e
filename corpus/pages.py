"""Parse Hugging Face paper pages saved as text into (title, abstract) listings.

Two layouts occur:
- compact: a banner, then "Subscribe" glued to the first title, then alternating
  title and abstract lines;
- spaced: the same banner with blank lines between lines, a "byAK ..." line and a date
  header ("Mar 11"), then title and abstract paragraphs separated by blank lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BANNER = (
    "new",
    "get trending papers in your email inbox once a day!",
    "get trending papers in your email inbox!",
    "subscribe",
    "byak and the research community",
)
_DATE_RE = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]* \d{1,2}(?:, \d{4})?$")
# A title is one line; an abstract of a real paper is far longer than any title.
_MAX_TITLE = 300


class PageError(ValueError):
    """A page that holds no papers or cannot be read as a paper page."""


@dataclass(frozen=True)
class PageListing:
    """A paper as listed on a page: verbatim title and abstract, 1-based rank."""

    title: str
    abstract: str
    rank: int


def _strip_banner(lines: list[str]) -> list[str]:
    """Drop the banner lines and the "Subscribe" prefix glued to the first title."""
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        low = line.lower()
        if low in _BANNER or _DATE_RE.match(line):
            i += 1
            continue
        if low.startswith("subscribe") and len(line) > len("subscribe"):
            lines = [line[len("subscribe"):].strip(), *lines[i + 1:]]
            i = 0
        break
    return lines[i:]


def _spaced_blocks(text: str) -> list[str]:
    """Split a spaced page into its lines, keeping an empty string for an empty abstract."""
    # Paragraphs are separated by exactly one blank line; three newlines in a row mean an
    # empty paragraph (a paper listed without abstract), which must keep its slot.
    return [block.strip() for block in re.split(r"\n\n", text.strip("\n"))]


def parse_page(text: str) -> list[PageListing]:
    """Return the listings of one page in order; raise PageError when there are none."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    spaced = "\n\n" in text.strip("\n")
    raw_lines = _spaced_blocks(text) if spaced else text.split("\n")
    lines = _strip_banner(raw_lines)
    if not spaced:
        lines = [line.strip() for line in lines]
        while lines and not lines[-1]:
            lines.pop()
    listings: list[PageListing] = []
    i = 0
    while i < len(lines):
        title = lines[i].strip()
        if not title:
            i += 1
            continue
        abstract = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if len(title) > _MAX_TITLE:
            raise PageError(f"line {i + 1} is too long for a title: the page does not alternate title and abstract")
        if abstract and len(abstract) <= _MAX_TITLE // 3 and i + 2 < len(lines) and len(lines[i + 2]) > _MAX_TITLE:
            # A short line followed by a long one: this paper has no abstract and the short
            # line is the next title.
            abstract = ""
            i += 1
        else:
            i += 2
        listings.append(PageListing(title=title, abstract=abstract, rank=len(listings) + 1))
    if not listings:
        raise PageError("no papers found on the page")
    return listings
