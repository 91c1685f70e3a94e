"""The trending ranking: the formula, engagement counting, the window, and the two fallbacks."""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Sequence

import pytest

from bot.core import engagement as kinds
from bot.core.trending import (
    NEAR_SEARCHES,
    ROTATION,
    TRENDING,
    TrendingRanking,
    TrendingWeights,
    engagement_by_paper,
    rank_trending,
)
from bot.core.trending_text import header
from bot.state import StoredEvent
from corpus.paper import Paper
from tests.bot.fakes import make_paper

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
GUILD = 42


def paper(pid: str, *, upvotes: int | None = None, stars: int | None = None, age_days: float | None = 0) -> Paper:
    """Build a paper published `age_days` before NOW (None: no published date, so ingestion counts)."""
    base = make_paper(pid, f"Title of {pid}", f"Abstract of {pid}.")
    published = None if age_days is None else (NOW - timedelta(days=age_days)).isoformat()
    return replace(base, upvotes=upvotes, github_stars=stars, published=published)


_ids = iter(range(1, 1_000_000))


def ev(
    kind: str,
    *paper_ids: str,
    at: datetime = NOW - timedelta(hours=1),
    user: int = 1,
    guild: int | None = GUILD,
    query: str | None = None,
) -> StoredEvent:
    """Build a stored event the way State returns it."""
    return StoredEvent(next(_ids), at.isoformat(timespec="seconds"), guild, user, kind, tuple(paper_ids), query)


def rank(papers: Sequence[Paper], **kwargs) -> TrendingRanking:
    """Rank with empty signals unless a test gives them."""
    kwargs.setdefault("events", ())
    kwargs.setdefault("votes", {})
    kwargs.setdefault("reactions", {})
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("today", TODAY)
    return rank_trending(papers, **kwargs)


def engagement(events: Sequence[StoredEvent], votes=None, reactions=None, days: int = 7) -> dict[str, float]:
    """Engagement with no votes or reactions unless given."""
    return engagement_by_paper(events, votes or {}, reactions or {}, NOW, days, TrendingWeights())


def ids(ranking: TrendingRanking) -> list[str]:
    """The ranked paper ids."""
    return [entry.paper.id for entry in ranking.entries]


# ---------------------------------------------------------------------- the formula


def test_weights_defaults_match_the_documented_formula() -> None:
    w = TrendingWeights()
    assert (w.upvotes, w.github_stars) == (1.0, 0.5)
    assert (w.details, w.paper, w.similar, w.page, w.search, w.mention) == (2.0, 2.0, 1.5, 0.5, 1.0, 0.5)
    assert (w.vote, w.reaction, w.engagement_scale, w.half_life_days) == (3.0, 2.0, 3.0, 14.0)
    assert (w.acted_on_minutes, w.query_lookback_days, w.max_queries) == (30.0, 30, 10)


def test_formula_on_a_hand_computed_example() -> None:
    # 9 upvotes and 99 stars: ln 10 + 0.5 · ln 100 = 2 ln 10; 14 days old: one half-life.
    a = paper("a", upvotes=9, stars=99, age_days=14)
    ranking = rank([a], events=[ev(kinds.DETAILS, "a")], votes={"a": 1}, reactions={"a": 1})
    assert ranking.mode == TRENDING and ranking.days == 7
    (entry,) = ranking.entries
    assert entry.popularity == pytest.approx(4.605170185988092, abs=1e-9)
    assert entry.freshness == pytest.approx(0.5, abs=1e-9)
    assert entry.engagement == pytest.approx(2 + 3 + 2, abs=1e-9)
    assert entry.score == pytest.approx(0.5 * (2 * math.log(10) + 3 * math.log(8)), abs=1e-9)


def test_missing_counts_are_zero_and_age_falls_back_to_ingestion() -> None:
    # make_paper ingests on 2025-01-01, which is 424.5 days before NOW.
    b = paper("b", upvotes=None, stars=3, age_days=None)
    (entry,) = rank([b]).entries
    assert entry.popularity == pytest.approx(0.5 * math.log(4), abs=1e-9)
    assert entry.freshness == pytest.approx(0.5 ** (424.5 / 14), abs=1e-9)


def test_future_and_unparseable_dates_count_as_new() -> None:
    future = paper("future", upvotes=1, age_days=-3)
    garbled = replace(paper("garbled", upvotes=1), published="not a date")
    entries = rank([future, garbled]).entries
    assert [e.freshness for e in entries] == [1.0, 1.0]


def test_freshness_makes_an_old_popular_paper_lose_to_a_fresh_one() -> None:
    old = paper("a-old", upvotes=50, stars=10, age_days=60)
    fresh = paper("z-fresh", upvotes=50, stars=10, age_days=1)
    ranking = rank([old, fresh])
    assert ids(ranking) == ["z-fresh", "a-old"]
    assert ranking.entries[0].popularity == ranking.entries[1].popularity


def test_ties_break_by_paper_id_and_limit_applies() -> None:
    papers = [paper(pid, upvotes=5) for pid in ("c", "a", "d", "b")]
    assert ids(rank(papers, limit=3)) == ["a", "b", "c"]


def test_votes_and_reactions_raise_a_paper() -> None:
    a, b = paper("a", upvotes=20), paper("b", upvotes=20)
    assert ids(rank([a, b])) == ["a", "b"]
    assert ids(rank([a, b], votes={"b": 1})) == ["b", "a"]
    assert ids(rank([a, b], reactions={"b": 1})) == ["b", "a"]
    by_votes = rank([b], votes={"b": 2}).entries[0]
    by_reactions = rank([b], reactions={"b": 2}).entries[0]
    assert (by_votes.engagement, by_reactions.engagement) == (6.0, 4.0)


def test_a_paper_without_popularity_or_engagement_does_not_qualify() -> None:
    quiet, liked = paper("quiet"), paper("liked", upvotes=1)
    ranking = rank([quiet, liked])
    assert ranking.mode == TRENDING and ids(ranking) == ["liked"]


def test_exclude_removes_a_paper() -> None:
    a, b = paper("a", upvotes=100), paper("b", upvotes=1)
    assert ids(rank([a, b], exclude={"a"})) == ["b"]
    # With everything excluded nothing qualifies, so the ranking falls back.
    fallback = rank([a, b], exclude={"a", "b"})
    assert fallback.mode == ROTATION and fallback.entries == ()


# ---------------------------------------------------------------------- engagement


def test_each_event_kind_has_its_weight() -> None:
    got = engagement([
        ev(kinds.DETAILS, "d"),
        ev(kinds.PAPER, "p"),
        ev(kinds.SIMILAR, "src", "n1", "n2"),
        ev(kinds.PAGE, "g1", "g2"),
        ev(kinds.MENTION, "m1", "m2", query="what is sinkhorn"),
        ev(kinds.SEARCH, "s1", "s2", at=NOW - timedelta(hours=2), query="x"),
    ])
    # The search gets nothing: the clicks an hour after it are past the 30-minute limit.
    assert got == {"d": 2.0, "p": 2.0, "src": 1.5, "g1": 0.5, "g2": 0.5, "m1": 0.5, "m2": 0.5}


def test_a_search_not_acted_on_counts_nothing() -> None:
    at = NOW - timedelta(hours=3)
    search = ev(kinds.SEARCH, "s1", "s2", at=at, query="optimal transport")
    assert engagement([search]) == {}
    # None of these is the same user acting in the same server within 30 minutes after the search.
    not_acting = {
        "too late": ev(kinds.DETAILS, "x", at=at + timedelta(minutes=30, seconds=1)),
        "before": ev(kinds.DETAILS, "x", at=at - timedelta(seconds=1)),
        "another user": ev(kinds.DETAILS, "x", at=at + timedelta(minutes=5), user=2),
        "another server": ev(kinds.DETAILS, "x", at=at + timedelta(minutes=5), guild=7),
        "another search": ev(kinds.SEARCH, "x", at=at + timedelta(minutes=5), query="sinkhorn"),
        "a mention": ev(kinds.MENTION, at=at + timedelta(minutes=5), query="what is sinkhorn"),
    }
    for why, other in not_acting.items():
        got = engagement([search, other])
        assert "s1" not in got and "s2" not in got, why


def test_a_search_followed_by_details_within_30_minutes_counts() -> None:
    at = NOW - timedelta(hours=3)
    search = ev(kinds.SEARCH, "s1", "s2", at=at, query="optimal transport")
    for follow_up in (kinds.DETAILS, kinds.PAGE, kinds.SIMILAR, kinds.PAPER):
        clicked = ev(follow_up, "other", at=at + timedelta(minutes=30))
        got = engagement([search, clicked])
        assert (got["s1"], got["s2"]) == (1.0, 1.0), follow_up
    same_second = ev(kinds.DETAILS, "s2", at=at)
    assert engagement([search, same_second]) == {"s1": 1.0, "s2": 3.0}


def test_repeated_clicks_by_one_user_count_once_a_day() -> None:
    clicks = [ev(kinds.DETAILS, "a", at=NOW - timedelta(minutes=m)) for m in range(10)]
    assert engagement(clicks) == {"a": 2.0}
    # Another user, another kind or another UTC day each count again.
    more = [
        ev(kinds.DETAILS, "a", user=2),
        ev(kinds.PAPER, "a"),
        ev(kinds.DETAILS, "a", at=NOW - timedelta(days=1)),
    ]
    assert engagement(clicks + more) == {"a": 2.0 + 2.0 + 2.0 + 2.0}


def test_events_outside_the_window_do_not_count() -> None:
    inside = ev(kinds.DETAILS, "in", at=NOW - timedelta(days=6, hours=23))
    too_old = ev(kinds.DETAILS, "old", at=NOW - timedelta(days=7, seconds=1))
    future = ev(kinds.DETAILS, "future", at=NOW + timedelta(minutes=1))
    broken = replace(ev(kinds.DETAILS, "broken"), ts="yesterday")
    assert engagement([inside, too_old, future, broken]) == {"in": 2.0}
    assert engagement([inside, too_old], days=8) == {"in": 2.0, "old": 2.0}


def test_engagement_alone_makes_a_paper_trend() -> None:
    quiet, clicked = paper("a-quiet"), paper("b-clicked")
    ranking = rank([quiet, clicked], events=[ev(kinds.DETAILS, "b-clicked")])
    assert ranking.mode == TRENDING and ids(ranking) == ["b-clicked"]
    assert ranking.entries[0].score == pytest.approx(3 * math.log(3), abs=1e-9)


# ---------------------------------------------------------------------- fallbacks


class RecordingNear:
    """A fake `near`: returns canned hits per query and records what it was asked."""

    def __init__(self, hits: dict[str, list[str]]) -> None:
        self.hits = hits
        self.calls: list[list[str]] = []

    def __call__(self, queries: Sequence[str]) -> list[list[str]]:
        self.calls.append(list(queries))
        return [self.hits.get(q, []) for q in queries]


def test_near_searches_fallback_uses_the_recent_distinct_queries() -> None:
    papers = [paper(pid) for pid in ("a", "b", "c", "d")]
    day = timedelta(days=1)
    history = [
        ev(kinds.SEARCH, at=NOW - 40 * day, query="too old"),
        ev(kinds.SEARCH, at=NOW - 20 * day, query="Sinkhorn"),
        ev(kinds.MENTION, at=NOW - 15 * day, query="diffusion"),
        ev(kinds.SEARCH, at=NOW - 12 * day, query="sinkhorn "),
        ev(kinds.DETAILS, "a", at=NOW - 11 * day, query="not a query kind"),
        ev(kinds.SEARCH, at=NOW - 10 * day, query="   "),
    ]
    near = RecordingNear({"sinkhorn": ["a", "b", "ghost"], "diffusion": ["c", "b", "d"]})
    ranking = rank(papers, events=history, near=near, exclude={"d"})
    assert near.calls == [["sinkhorn", "diffusion"]]
    assert ranking.mode == NEAR_SEARCHES
    # b: 1/2 + 1/2; a: 1; c: 1 — ties by id; the unknown "ghost" and excluded "d" are dropped.
    assert [(e.paper.id, e.score) for e in ranking.entries] == [("a", 1.0), ("b", 1.0), ("c", 1.0)]
    assert header(ranking, TODAY) != header(replace(ranking, mode=TRENDING), TODAY)


def test_near_searches_asks_for_at_most_ten_queries_newest_first() -> None:
    history = [ev(kinds.SEARCH, at=NOW - timedelta(days=20 - i), query=f"q{i}") for i in range(15)]
    near = RecordingNear({"q14": ["a"]})
    ranking = rank([paper("a")], events=history, near=near, limit=3)
    assert near.calls == [[f"q{i}" for i in range(14, 4, -1)]]
    assert ranking.mode == NEAR_SEARCHES and ids(ranking) == ["a"]


def test_near_searches_with_nothing_usable_falls_back_to_rotation() -> None:
    papers = [paper(pid) for pid in ("a", "b")]
    history = [ev(kinds.SEARCH, at=NOW - timedelta(days=10), query="sinkhorn")]
    assert rank(papers, events=history).mode == ROTATION  # no near callable
    assert rank(papers, events=history, near=RecordingNear({"sinkhorn": ["a"]}), exclude={"a"}).mode == ROTATION

    def broken(queries: Sequence[str]) -> list[list[str]]:
        raise RuntimeError("index gone")

    assert rank(papers, events=history, near=broken).mode == ROTATION


def test_rotation_without_history_is_a_deterministic_daily_walk() -> None:
    papers = [paper(f"p{i:02d}") for i in range(12)]
    first = rank(papers)
    assert first.mode == ROTATION and len(first.entries) == 5
    assert rank(list(reversed(papers))) == first
    # The walk: papers in sha1(id) order from offset (ordinal · limit) mod N, wrapping.
    order = sorted((p.id for p in papers), key=lambda pid: hashlib.sha1(pid.encode()).hexdigest())
    start = (TODAY.toordinal() * 5) % 12
    assert ids(first) == [order[(start + k) % 12] for k in range(5)]
    tomorrow = rank(papers, today=TODAY + timedelta(days=1))
    assert set(ids(tomorrow)).isdisjoint(ids(first))
    assert all(e.score == 0.0 for e in first.entries)


def test_rotation_skips_excluded_papers() -> None:
    papers = [paper(f"p{i:02d}") for i in range(12)]
    first = ids(rank(papers))
    skipped = ids(rank(papers, exclude={first[0], first[2]}))
    assert len(skipped) == 5
    assert skipped[:3] == [first[1], first[3], first[4]]
    assert not {first[0], first[2]} & set(skipped)


def test_rotation_returns_what_is_left_of_a_small_corpus() -> None:
    papers = [paper(pid) for pid in ("a", "b", "c")]
    assert sorted(ids(rank(papers))) == ["a", "b", "c"]
    assert sorted(ids(rank(papers, exclude={"b"}))) == ["a", "c"]


def test_empty_corpus_gives_an_empty_rotation() -> None:
    history = [ev(kinds.SEARCH, at=NOW - timedelta(days=2), query="sinkhorn")]
    ranking = rank([], events=history, votes={"x": 3}, near=RecordingNear({"sinkhorn": ["x"]}))
    assert ranking == TrendingRanking(mode=ROTATION, entries=(), days=7)


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize("days", [0, -1, 91, 7.5, True])
def test_days_outside_1_to_90_is_rejected(days) -> None:
    with pytest.raises(ValueError, match="1 to 90"):
        rank([paper("a", upvotes=1)], days=days)
    with pytest.raises(ValueError, match="1 to 90"):
        engagement_by_paper([], {}, {}, NOW, days, TrendingWeights())


@pytest.mark.parametrize("days", [1, 90])
def test_days_at_the_bounds_are_accepted(days: int) -> None:
    assert rank([paper("a", upvotes=1)], days=days).days == days


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        rank([paper("a", upvotes=1)], limit=0)
