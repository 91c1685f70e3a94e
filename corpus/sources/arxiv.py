"""Parse the arXiv API's Atom feed (`/api/query`) into candidates."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

from corpus.records import Candidate
from corpus.sources import ParseResult, PayloadError
from corpus.sources.http import Fetcher

log = logging.getLogger(__name__)

API_PATH = "/api/query"
ATOM = "{http://www.w3.org/2005/Atom}"


def source_name(query: str) -> str:
    """Return the listing source name of a query's results, e.g. 'arxiv:cat:cs.LG'."""
    return f"arxiv:{query}"


def query_params(query: str, max_results: int) -> dict[str, str]:
    """Return the query-string parameters for the newest `max_results` papers matching `query`."""
    return {
        "search_query": query,
        "start": "0",
        "max_results": str(max_results),
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }


def _collapse(text: str | None) -> str:
    # Atom titles and abstracts are hard-wrapped with leading spaces.
    return " ".join((text or "").split())


def _child_text(element: ET.Element, tag: str) -> str:
    child = element.find(ATOM + tag)
    return _collapse(child.text if child is not None else None)


def candidate_from_entry(entry: ET.Element, source: str, rank: int) -> Candidate:
    """Build a candidate from one Atom entry; raise ValueError if it has no title."""
    title = _child_text(entry, "title")
    if not title:
        raise ValueError("missing or empty title")
    authors = tuple(name for name in (_child_text(a, "name") for a in entry.findall(ATOM + "author")) if name)
    return Candidate(
        title=title,
        abstract=_child_text(entry, "summary"),
        source=source,
        rank=rank,
        arxiv_id=_child_text(entry, "id") or None,
        authors=authors,
        published=_child_text(entry, "published") or None,
    )


def parse_feed(text: str | bytes, query: str) -> ParseResult:
    """Return the candidates of an Atom feed (rank = 1-based position); bad entries are skipped."""
    source = source_name(query)
    head = text[:2048] if isinstance(text, bytes) else text[:2048].encode("utf-8", "replace")
    if b"<!DOCTYPE" in head.upper():
        # The API never sends one; refusing it sidesteps entity-expansion tricks.
        raise PayloadError(f"{source}: unexpected DOCTYPE in feed")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise PayloadError(f"{source}: response is not valid XML ({exc})") from exc
    if root.tag != ATOM + "feed":
        raise PayloadError(f"{source}: expected an Atom <feed>, got <{root.tag}>")
    candidates: list[Candidate] = []
    problems: list[str] = []
    for rank, entry in enumerate(root.findall(ATOM + "entry"), start=1):
        entry_id = _child_text(entry, "id")
        if "/api/errors" in entry_id:
            # arXiv reports a bad query as a feed holding a single "Error" entry.
            raise PayloadError(f"{source}: arXiv API error: {_child_text(entry, 'summary') or entry_id}")
        try:
            candidates.append(candidate_from_entry(entry, source, rank))
        except ValueError as exc:
            problems.append(f"{source}: entry {rank}: skipped: {exc}")
    return ParseResult(tuple(candidates), tuple(problems))


def fetch_query(fetcher: Fetcher, query: str, max_results: int = 50) -> ParseResult:
    """Fetch and parse the newest papers for `query`; raise FetchError or PayloadError on failure."""
    query = query.strip()
    if not query:
        raise ValueError("empty arXiv query")
    return parse_feed(fetcher.get_text(API_PATH, query_params(query, max_results)), query)
