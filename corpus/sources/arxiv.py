"""Parse the arXiv API's Atom feed (`/api/query`) into candidates."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Iterator

from corpus.records import Candidate, normalize_arxiv_id
from corpus.sources import ParseResult, PayloadError
from corpus.sources.http import Fetcher

log = logging.getLogger(__name__)

API_PATH = "/api/query"
ATOM = "{http://www.w3.org/2005/Atom}"
FEED = ATOM + "feed"
ENTRY = ATOM + "entry"
# U+FFFD is what a wrong decode leaves behind; C1 controls are cp1252 text read as Latin-1.
_GARBLED = re.compile("[\ufffd\x80-\x9f]")


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


def _plain_text(entry: ET.Element, tag: str) -> str:
    """Return the collapsed text of `tag`; raise ValueError if it is missing, empty or garbled."""
    child = entry.find(ATOM + tag)
    if child is not None and len(child):
        # arXiv escapes all markup; child elements mean `.text` would silently cut the text short.
        raise ValueError(f"{tag} holds markup, not text")
    text = _collapse(child.text if child is not None else None)
    if not text:
        raise ValueError(f"missing or empty {tag}")
    if _GARBLED.search(text):
        raise ValueError(f"garbled {tag} (replacement or control characters)")
    return text


def _published(entry: ET.Element) -> str:
    """Return the entry's publication timestamp; raise ValueError if it is missing or not ISO 8601."""
    raw = _child_text(entry, "published")
    if not raw:
        raise ValueError("missing published date")
    try:
        datetime.fromisoformat(raw)
    except ValueError:
        # Stored, a bad date would look brand new to the trending ranking forever.
        raise ValueError(f"bad published date {raw[:40]!r}") from None
    return raw


def candidate_from_entry(entry: ET.Element, source: str, rank: int) -> Candidate:
    """Build a candidate from one Atom entry; raise ValueError naming the first malformed field."""
    title = _plain_text(entry, "title")
    raw_id = _child_text(entry, "id")
    if not raw_id:
        raise ValueError("missing id")
    arxiv_id = normalize_arxiv_id(raw_id)
    if arxiv_id is None:
        raise ValueError(f"id {raw_id[:80]!r} is not an arXiv id")
    abstract = _plain_text(entry, "summary")
    published = _published(entry)
    authors = tuple(name for name in (_child_text(a, "name") for a in entry.findall(ATOM + "author")) if name)
    return Candidate(
        title=title,
        abstract=abstract,
        source=source,
        rank=rank,
        arxiv_id=arxiv_id,
        authors=authors,
        published=published,
    )


def _entry_label(entry: ET.Element) -> str:
    """Return how a problem line names an entry: its arXiv id, else its raw id or title, else nothing."""
    raw_id = _child_text(entry, "id")
    title = _child_text(entry, "title")
    if normalize_arxiv_id(raw_id):
        return f" ({normalize_arxiv_id(raw_id)})"
    if raw_id or title:
        return f" ({(raw_id or title)[:80]!r})"
    return ""


def _feed_entries(text: str | bytes) -> Iterator[tuple[str, ET.Element | None]]:
    """Yield (root tag, entry) per complete top-level entry, then (root tag, None); raise ET.ParseError."""
    parser = ET.XMLPullParser(events=("start", "end"))
    parser.feed(text)

    def events() -> Iterator[tuple[str, ET.Element]]:
        # Events before a well-formedness error come out first, then the error is raised.
        yield from parser.read_events()
        parser.close()
        yield from parser.read_events()

    root_tag = ""
    depth = 0
    for event, element in events():
        if event == "start":
            depth += 1
            root_tag = root_tag or element.tag
            continue
        depth -= 1
        if depth == 1 and element.tag == ENTRY:
            yield root_tag, element
        elif depth == 0:
            yield root_tag, None


def parse_feed(text: str | bytes, query: str) -> ParseResult:
    """Return the candidates of an Atom feed (rank = 1-based position); bad entries are skipped."""
    source = source_name(query)
    head = text[:2048] if isinstance(text, bytes) else text[:2048].encode("utf-8", "replace")
    if b"<!DOCTYPE" in head.upper():
        # The API never sends one; refusing it sidesteps entity-expansion tricks.
        raise PayloadError(f"{source}: unexpected DOCTYPE in feed")
    candidates: list[Candidate] = []
    problems: list[str] = []
    rank = 0
    try:
        for root_tag, entry in _feed_entries(text):
            if root_tag != FEED:
                raise PayloadError(f"{source}: expected an Atom <feed>, got <{root_tag}>")
            if entry is None:
                continue
            rank += 1
            entry_id = _child_text(entry, "id")
            if "/api/errors" in entry_id:
                # arXiv reports a bad query as a feed holding a single "Error" entry.
                raise PayloadError(f"{source}: arXiv API error: {_child_text(entry, 'summary') or entry_id}")
            try:
                candidates.append(candidate_from_entry(entry, source, rank))
            except ValueError as exc:
                problems.append(f"{source}: entry {rank}{_entry_label(entry)}: skipped: {exc}")
            entry.clear()  # the entry is done with; keep the tree from holding the whole feed
    except ET.ParseError as exc:
        if rank == 0:
            raise PayloadError(f"{source}: response is not valid XML ({exc})") from exc
        # A feed that breaks off or stops being well-formed after some entries keeps those: they were
        # complete and well-formed, and failing the feed would hide them until arXiv fixes it.
        problems.append(f"{source}: feed is not valid XML after entry {rank} ({exc}); the rest was not read")
    return ParseResult(tuple(candidates), tuple(problems))


def fetch_query(fetcher: Fetcher, query: str, max_results: int = 50) -> ParseResult:
    """Fetch and parse the newest papers for `query`; raise FetchError or PayloadError on failure."""
    query = query.strip()
    if not query:
        raise ValueError("empty arXiv query")
    return parse_feed(fetcher.get_text(API_PATH, query_params(query, max_results)), query)


def fetch_ids(fetcher: Fetcher, arxiv_ids: list[str]) -> ParseResult:
    """Fetch and parse the papers with these arXiv ids (the API's `id_list`); raise FetchError or PayloadError."""
    if not arxiv_ids:
        raise ValueError("no arXiv id to fetch")
    params = {"id_list": ",".join(arxiv_ids), "max_results": str(len(arxiv_ids))}
    return parse_feed(fetcher.get_text(API_PATH, params), "id:" + ",".join(arxiv_ids))
