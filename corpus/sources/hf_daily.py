"""Parse the Hugging Face daily papers API (`/api/daily_papers?date=...`) into candidates."""

from __future__ import annotations

import json
import logging
import urllib.parse
from datetime import date, datetime
from typing import Any

from corpus.records import Candidate
from corpus.sources import ParseResult, PayloadError
from corpus.sources.http import Fetcher
from corpus.urls import web_url

log = logging.getLogger(__name__)

API_PATH = "/api/daily_papers"


def check_day(day: str) -> str:
    """Return `day` if it is an ISO date (YYYY-MM-DD); raise ValueError otherwise."""
    try:
        return date.fromisoformat(day.strip()).isoformat()
    except (AttributeError, ValueError) as exc:
        raise ValueError(f"not a date (expected YYYY-MM-DD): {day!r}") from exc


def source_name(day: str) -> str:
    """Return the listing source name of one day's list, e.g. 'hf-daily:2026-03-06'."""
    return f"hf-daily:{day}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _timestamp(value: Any) -> str | None:
    # Like other odd fields, a date that does not parse is dropped: the paper then ages from its
    # ingest time, while a stored bad date would look brand new to the trending ranking forever.
    text = _text(value)
    if text is None:
        return None
    try:
        datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return text.strip()


def _count(value: Any) -> int | None:
    # bool is an int subclass; a True upvote count is malformed, not 1.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _authors(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = (item.get("name") if isinstance(item, dict) else None for item in value)
    return tuple(" ".join(name.split()) for name in names if _text(name))


# Discord shows these as an embed thumbnail; a video in `mediaUrls` (.mp4) it cannot.
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def _thumbnail(item: dict[str, Any], paper: dict[str, Any]) -> str | None:
    """Return the picture to show with the paper: the submitter's first image, else the API's thumbnail."""
    # `thumbnail` is Hugging Face's generated social card, which repeats the title and looks alike
    # for every paper; the submitter's figure (`mediaUrls`) is what tells papers apart at a glance.
    media = paper.get("mediaUrls") if isinstance(paper.get("mediaUrls"), list) else item.get("mediaUrls")
    for raw in media if isinstance(media, list) else ():
        url = web_url(raw)
        if url and urllib.parse.urlsplit(url).path.lower().endswith(_IMAGE_SUFFIXES):
            return url
    return web_url(item.get("thumbnail")) or web_url(paper.get("thumbnail"))


def candidate_from_item(item: Any, source: str, rank: int) -> Candidate:
    """Build a candidate from one daily-papers item; raise ValueError if it has no usable title."""
    if not isinstance(item, dict):
        raise ValueError(f"expected an object, got {type(item).__name__}")
    paper = item.get("paper")
    if paper is None:
        paper = {}
    if not isinstance(paper, dict):
        raise ValueError("'paper' is not an object")
    # `paper` holds the canonical fields; the top-level copies are only a fallback.
    title = _text(paper.get("title")) or _text(item.get("title"))
    if title is None:
        raise ValueError("missing or empty title")
    abstract = paper.get("summary")
    if abstract is None:
        abstract = item.get("summary")
    if abstract is not None and not isinstance(abstract, str):
        raise ValueError("summary is not a string")
    return Candidate(
        title=" ".join(title.split()),
        abstract=" ".join((abstract or "").split()),
        source=source,
        rank=rank,
        arxiv_id=_text(paper.get("id")),
        authors=_authors(paper.get("authors")),
        published=_timestamp(paper.get("publishedAt")) or _timestamp(item.get("publishedAt")),
        upvotes=_count(paper.get("upvotes")),
        # A prefix check is not enough: "https://x\n**bold** [arXiv PDF](https://evil)" starts right.
        github_repo=web_url(paper.get("githubRepo")),
        github_stars=_count(paper.get("githubStars")),
        thumbnail=_thumbnail(item, paper),
    )


# A day's list holds tens of papers; many more means a broken or hostile feed, and every item kept
# is stored in the shared corpus and may become a card in daily posts and subscription DMs.
MAX_ITEMS = 200


def _capped(payload: list[Any], source: str) -> list[Any]:
    """Return the first MAX_ITEMS items of a day's list, logging how many were dropped."""
    if len(payload) <= MAX_ITEMS:
        return payload
    dropped = len(payload) - MAX_ITEMS
    log.warning("%s: %d items, more than the %d kept: dropped the last %d", source, len(payload), MAX_ITEMS, dropped)
    return payload[:MAX_ITEMS]


def parse_daily_papers(payload: Any, day: str) -> ParseResult:
    """Return the candidates of a decoded payload (rank = 1-based position); bad items are skipped."""
    source = source_name(day)
    if not isinstance(payload, list):
        raise PayloadError(f"{source}: expected a JSON list, got {type(payload).__name__}")
    candidates: list[Candidate] = []
    problems: list[str] = []
    for rank, item in enumerate(_capped(payload, source), start=1):
        try:
            candidates.append(candidate_from_item(item, source, rank))
        except ValueError as exc:
            problems.append(f"{source}: item {rank}: skipped: {exc}")
    return ParseResult(tuple(candidates), tuple(problems))


def parse_daily_papers_text(text: str, day: str) -> ParseResult:
    """Decode and parse a daily-papers response body; raise PayloadError if it is not JSON."""
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise PayloadError(f"{source_name(day)}: response is not valid JSON ({exc})") from exc
    return parse_daily_papers(payload, day)


def fetch_daily_papers(fetcher: Fetcher, day: str) -> ParseResult:
    """Fetch and parse one day's list; raise FetchError or PayloadError if the whole batch fails."""
    day = check_day(day)
    return parse_daily_papers_text(fetcher.get_text(API_PATH, {"date": day}), day)
