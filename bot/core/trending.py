"""The daily trending-papers ranking of one server: pure functions, no Discord and no I/O.

For the window of the last `days` days (default 7, at most 90) before `now`:

    popularity(p) = ln(1 + upvotes) + 0.5 · ln(1 + github_stars)          (missing counts are 0)
    engagement(p) = Σ event weights + 3 · votes(p) + 2 · reactions(p)     (this server only)
    freshness(p)  = 0.5 ** (age_days / 14)                                (age from `published`, else
                                                                           `ingested_at`, clipped at 0)
    score(p)      = freshness(p) · (popularity(p) + 3 · ln(1 + engagement(p)))

Event weights, per paper: details 2, paper (a /paper look-up) 2, similar 1.5 (the source paper
only), page 0.5 per paper on the page turned to, mention 0.5 per paper shown, search 1 per
paper shown but only when the search was acted on (the same user in the same server had a
page, details, similar or paper event 0 to 30 minutes after it). Each (user, paper, kind)
counts at most once per UTC day, so repeated clicks cannot push a paper up.

A paper qualifies when popularity + engagement > 0 and it is not in `exclude`; the top
`limit` by score (ties by paper id) are the "trending" ranking. Without any qualifying paper
the ranking falls back to papers near the server's recent searches ("near-searches"), and
without those to a deterministic daily rotation through the corpus ("rotation").
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Collection, Iterable, Mapping, Sequence

from bot.core import engagement as kinds
from bot.state.events import StoredEvent
from corpus.paper import Paper

log = logging.getLogger(__name__)

TRENDING = "trending"
NEAR_SEARCHES = "near-searches"
ROTATION = "rotation"

DEFAULT_DAYS = 7
MIN_DAYS = 1
MAX_DAYS = 90
DEFAULT_LIMIT = 5

NearFn = Callable[[Sequence[str]], Sequence[Sequence[str]]]


@dataclass(frozen=True)
class TrendingWeights:
    """The constants of the trending formula and its fallbacks."""

    upvotes: float = 1.0
    github_stars: float = 0.5
    details: float = 2.0
    paper: float = 2.0
    similar: float = 1.5
    page: float = 0.5
    search: float = 1.0
    mention: float = 0.5
    vote: float = 3.0
    reaction: float = 2.0
    engagement_scale: float = 3.0
    half_life_days: float = 14.0
    acted_on_minutes: float = 30.0
    query_lookback_days: int = 30
    max_queries: int = 10

    def event_weight(self, kind: str) -> float:
        """Return the per-paper weight of an event kind (0 for kinds that do not count)."""
        return {
            kinds.DETAILS: self.details,
            kinds.PAPER: self.paper,
            kinds.SIMILAR: self.similar,
            kinds.PAGE: self.page,
            kinds.SEARCH: self.search,
            kinds.MENTION: self.mention,
        }.get(kind, 0.0)


DEFAULT_WEIGHTS = TrendingWeights()

# Kinds that show a user acted on a search's results (not another search or a mention).
_FOLLOW_UPS = frozenset({kinds.PAGE, kinds.DETAILS, kinds.SIMILAR, kinds.PAPER})
_QUERY_KINDS = frozenset({kinds.SEARCH, kinds.MENTION})


@dataclass(frozen=True)
class TrendingEntry:
    """One ranked paper and the parts of its score."""

    paper: Paper
    score: float
    popularity: float
    engagement: float
    freshness: float


@dataclass(frozen=True)
class TrendingRanking:
    """A server's ranking for one day: which case applied, the papers, and the window in days."""

    mode: str
    entries: tuple[TrendingEntry, ...]
    days: int


# ---------------------------------------------------------------------- pieces


def validate_days(days: int) -> int:
    """Return `days` if it is a whole number of days from 1 to 90, else raise ValueError."""
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"the trending window must be a whole number of days from {MIN_DAYS} to {MAX_DAYS}, got {days!r}")
    return days


def _validate_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"the number of trending papers must be a whole number of at least 1, got {limit!r}")
    return limit


def _as_utc(moment: datetime) -> datetime:
    # Stored timestamps are UTC; a naive datetime is taken to be UTC too rather than local time.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _parse_ts(text: str | None) -> datetime | None:
    """Return an ISO timestamp or date as an aware UTC datetime, or None if it does not parse."""
    if not text:
        return None
    try:
        return _as_utc(datetime.fromisoformat(text.strip()))
    except (TypeError, ValueError):
        return None


def _ln1p_count(count: int | None) -> float:
    # Missing or (corrupt) negative counts add nothing rather than raising a math domain error.
    return math.log1p(max(0, count or 0))


def popularity(paper: Paper, weights: TrendingWeights = DEFAULT_WEIGHTS) -> float:
    """Return ln(1 + upvotes) + 0.5 · ln(1 + github_stars) for a paper."""
    return weights.upvotes * _ln1p_count(paper.upvotes) + weights.github_stars * _ln1p_count(paper.github_stars)


def freshness(paper: Paper, now: datetime, weights: TrendingWeights = DEFAULT_WEIGHTS) -> float:
    """Return 0.5 ** (age_days / half-life), aging from `published` if present, else `ingested_at`."""
    stamp = paper.published if paper.published else paper.ingested_at
    born = _parse_ts(stamp)
    if born is None:
        # A bad date must not sink or crash a ranking; debug only, since it would repeat daily.
        log.debug("paper %s has an unparseable date %r; treating it as new", paper.id, stamp)
        return 1.0
    age_days = max(0.0, (_as_utc(now) - born).total_seconds() / 86400.0)
    return 0.5 ** (age_days / weights.half_life_days)


def _timed(events: Iterable[StoredEvent]) -> list[tuple[datetime, StoredEvent]]:
    """Return the events whose timestamp parses, with it, in time order."""
    timed = []
    for event in events:
        at = _parse_ts(event.ts)
        if at is None:
            log.debug("skipping event %s with an unparseable timestamp %r", event.id, event.ts)
            continue
        timed.append((at, event))
    timed.sort(key=lambda pair: (pair[0], pair[1].id))
    return timed


def _counted_papers(event: StoredEvent) -> tuple[str, ...]:
    """Return the papers an event credits: only the source of a similar look-up, else all shown."""
    if event.kind == kinds.SIMILAR:
        return event.paper_ids[:1]
    return event.paper_ids


def engagement_by_paper(
    events: Sequence[StoredEvent],
    votes: Mapping[str, int],
    reactions: Mapping[str, int],
    now: datetime,
    days: int = DEFAULT_DAYS,
    weights: TrendingWeights = DEFAULT_WEIGHTS,
) -> dict[str, float]:
    """Return this server's engagement per paper over the `days` before `now` (papers with none are absent)."""
    validate_days(days)
    now = _as_utc(now)
    start = now - timedelta(days=days)
    act_window = timedelta(minutes=weights.acted_on_minutes)
    timed = [(at, event) for at, event in _timed(events) if at <= now]

    # When each (server, user) acted on results, to tell a search someone used from one they ignored.
    follow_ups: defaultdict[tuple[int | None, int], list[datetime]] = defaultdict(list)
    for at, event in timed:
        if event.kind in _FOLLOW_UPS:
            follow_ups[(event.guild_id, event.user_id)].append(at)

    def acted_on(at: datetime, event: StoredEvent) -> bool:
        times = follow_ups.get((event.guild_id, event.user_id), [])
        i = bisect.bisect_left(times, at)
        return i < len(times) and times[i] - at <= act_window

    scores: defaultdict[str, float] = defaultdict(float)
    seen: set[tuple[int | None, int, str, str, date]] = set()
    for at, event in timed:
        if at < start:
            continue
        weight = weights.event_weight(event.kind)
        if weight <= 0:
            continue
        if event.kind == kinds.SEARCH and not acted_on(at, event):
            continue
        for paper_id in dict.fromkeys(_counted_papers(event)):
            key = (event.guild_id, event.user_id, paper_id, event.kind, at.date())
            if key in seen:
                continue
            seen.add(key)
            scores[paper_id] += weight

    for paper_id, count in votes.items():
        if count > 0:
            scores[paper_id] += weights.vote * count
    for paper_id, count in reactions.items():
        if count > 0:
            scores[paper_id] += weights.reaction * count
    return dict(scores)


def recent_queries(events: Sequence[StoredEvent], now: datetime, weights: TrendingWeights = DEFAULT_WEIGHTS) -> list[str]:
    """Return the server's most recent distinct search/mention queries of the lookback, newest first."""
    now = _as_utc(now)
    start = now - timedelta(days=weights.query_lookback_days)
    queries: dict[str, str] = {}
    for at, event in reversed(_timed(events)):
        if event.kind not in _QUERY_KINDS or not (start <= at <= now):
            continue
        query = (event.query or "").strip()
        key = query.casefold()
        if query and key not in queries:
            queries[key] = query
            if len(queries) >= weights.max_queries:
                break
    return list(queries.values())


def _entry(
    paper: Paper, score: float, engagement: Mapping[str, float], now: datetime, weights: TrendingWeights
) -> TrendingEntry:
    return TrendingEntry(
        paper=paper,
        score=score,
        popularity=popularity(paper, weights),
        engagement=engagement.get(paper.id, 0.0),
        freshness=freshness(paper, now, weights),
    )


def _near_searches(
    by_id: Mapping[str, Paper], queries: Sequence[str], near: NearFn, excluded: Collection[str], limit: int
) -> list[tuple[str, float]]:
    """Return (paper id, Σ 1/(rank + 1)) of the best papers near the queries, best first."""
    try:
        results = near(queries)
    except Exception:
        # The daily post should still go out (as a rotation) when search is broken.
        log.warning("could not find papers near %d recent queries", len(queries), exc_info=True)
        return []
    scores: defaultdict[str, float] = defaultdict(float)
    for hits in results:
        for rank, paper_id in enumerate(dict.fromkeys(hits)):
            if paper_id in by_id and paper_id not in excluded:
                scores[paper_id] += 1.0 / (rank + 1)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _rotation(papers: Sequence[Paper], today: date, excluded: Collection[str], limit: int) -> list[Paper]:
    """Return the next `limit` non-excluded papers of a fixed hash order, starting at a per-day offset."""
    if not papers:
        return []
    ordered = sorted(papers, key=lambda p: (hashlib.sha1(p.id.encode("utf-8")).hexdigest(), p.id))
    start = (today.toordinal() * limit) % len(ordered)
    picked: list[Paper] = []
    for step in range(len(ordered)):
        paper = ordered[(start + step) % len(ordered)]
        if paper.id not in excluded:
            picked.append(paper)
            if len(picked) == limit:
                break
    return picked


# ---------------------------------------------------------------------- ranking


def rank_trending(
    papers: Sequence[Paper],
    *,
    events: Sequence[StoredEvent],
    votes: Mapping[str, int],
    reactions: Mapping[str, int],
    now: datetime,
    today: date,
    days: int = DEFAULT_DAYS,
    exclude: Collection[str] = frozenset(),
    limit: int = DEFAULT_LIMIT,
    near: NearFn | None = None,
    weights: TrendingWeights = DEFAULT_WEIGHTS,
) -> TrendingRanking:
    """Rank one server's trending papers for a day, falling back to near-searches, then rotation."""
    validate_days(days)
    _validate_limit(limit)
    now = _as_utc(now)
    excluded = frozenset(exclude)
    engagement = engagement_by_paper(events, votes, reactions, now, days, weights)

    scored: list[TrendingEntry] = []
    for paper in papers:
        if paper.id in excluded:
            continue
        pop = popularity(paper, weights)
        eng = engagement.get(paper.id, 0.0)
        if pop + eng <= 0:
            continue
        fresh = freshness(paper, now, weights)
        score = fresh * (pop + weights.engagement_scale * math.log1p(eng))
        scored.append(TrendingEntry(paper=paper, score=score, popularity=pop, engagement=eng, freshness=fresh))
    if scored:
        scored.sort(key=lambda e: (-e.score, e.paper.id))
        return TrendingRanking(mode=TRENDING, entries=tuple(scored[:limit]), days=days)

    by_id = {paper.id: paper for paper in papers}
    queries = recent_queries(events, now, weights)
    if near is not None and queries and by_id:
        close = _near_searches(by_id, queries, near, excluded, limit)
        if close:
            entries = tuple(_entry(by_id[pid], score, engagement, now, weights) for pid, score in close)
            return TrendingRanking(mode=NEAR_SEARCHES, entries=entries, days=days)

    picks = _rotation(papers, today, excluded, limit)
    entries = tuple(_entry(paper, 0.0, engagement, now, weights) for paper in picks)
    return TrendingRanking(mode=ROTATION, entries=entries, days=days)
