"""The daily trending post without Discord: when a server's post is due, its nonce, and what goes in it.

Sending (through the ledger, with the nonce, checking the channel's history after a
restart) is the Discord front end's part: bot/discord_app/trending_post.py.
"""

from __future__ import annotations

import hashlib
import logging
import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Sequence

from bot.core.live_index import Retriever
from bot.core.trending import TRENDING, TrendingEntry, TrendingRanking, rank_trending
from bot.state.events import EventLog
from bot.state.ledger import PostLedger, PostRecord
from bot.state.server_settings import DEFAULT_POST_SIZE, GuildSettings

log = logging.getLogger(__name__)

# /trending's size; the daily post has each server's own (`GuildSettings.post_size`).
POST_LIMIT = DEFAULT_POST_SIZE
# A paper posted to a server is not posted there again for this many days.
NO_REPEAT_DAYS = 30
# The fallback "near what this server searched" looks this far back.
SEARCH_MEMORY_DAYS = 30
NEAR_K = 10
# Ledger states after which a day is settled: nothing more is sent for it.
FINAL = ("sent", "skipped", "failed")


def local_moment(settings: GuildSettings, now: datetime) -> datetime | None:
    """Return `now` in the server's timezone, or None if its settings are incomplete or unknown."""
    if not settings.timezone or not settings.post_time or settings.channel_id is None:
        return None
    try:
        return now.astimezone(zoneinfo.ZoneInfo(settings.timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("guild %s has an unknown timezone %r: no trending post", settings.guild_id, settings.timezone)
        return None


def due_day(settings: GuildSettings, now: datetime) -> str | None:
    """Return the server's local date (ISO) if its post time has come today, else None."""
    local = local_moment(settings, now)
    if local is None or not settings.enabled:
        return None
    hours, minutes = (int(part) for part in (settings.post_time or "").split(":"))
    if local.time().replace(tzinfo=None) < time(hours, minutes):
        return None
    return local.date().isoformat()


def post_nonce(guild_id: int, local_date: str) -> str:
    """Return the nonce of a server's post of a day: stable across restarts, within Discord's 25 chars."""
    return "ps" + hashlib.sha1(f"{guild_id}:{local_date}".encode()).hexdigest()[:23]


def gather_ranking(
    ledger: PostLedger,
    events_log: EventLog,
    source: Retriever,
    guild_id: int,
    now: datetime,
    today: date,
    *,
    days: int = 7,
    avoid_recent_posts: bool = True,
    limit: int = POST_LIMIT,
) -> TrendingRanking:
    """Read a server's signals from the ledger and event log and rank the corpus (synchronous: run in a thread)."""
    window_start = now - timedelta(days=max(days, SEARCH_MEMORY_DAYS))
    events = events_log.read(guild_id, since=window_start)
    since = now - timedelta(days=days)
    votes = ledger.vote_counts(guild_id, since)
    reactions = ledger.reaction_counts(guild_id, since)
    exclude: set[str] = set()
    if avoid_recent_posts:
        first_day = (today - timedelta(days=NO_REPEAT_DAYS - 1)).isoformat()
        for post in ledger.since(guild_id, first_day):
            if post.status in ("sent", "pending"):
                exclude.update(post.paper_ids)

    def near(queries: Sequence[str]) -> list[list[str]]:
        ids = []
        for query in queries:
            try:
                result = source.search(query, NEAR_K)
            except Exception:
                # A stored query that no longer validates (e.g. rules changed) only loses its vote.
                log.debug("near-search of %r failed", query, exc_info=True)
                ids.append([])
                continue
            ids.append([] if result.weak else [hit.paper.id for hit in result.hits])
        return ids

    return rank_trending(
        source.papers,
        events=events,
        votes=votes,
        reactions=reactions,
        now=now,
        today=today,
        days=days,
        exclude=exclude,
        limit=limit,
        near=near,
    )


def ranking_of(record: PostRecord, source: Retriever) -> TrendingRanking:
    """Rebuild a pending post's ranking from its ledger entry, for an identical resend."""
    entries = []
    for paper_id in record.paper_ids:
        paper = source.get(paper_id)
        if paper is not None:
            entries.append(TrendingEntry(paper=paper, score=0.0, popularity=0.0, engagement=0.0, freshness=1.0))
    return TrendingRanking(mode=record.mode or TRENDING, entries=tuple(entries), days=7)
