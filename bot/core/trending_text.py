"""The words of a trending ranking: the post's header and rule, each card's "why it's here", the day marker."""

from __future__ import annotations

import re
from datetime import date

from bot.core.replies import Card
from bot.core.trending import (
    DEFAULT_DAYS,
    DEFAULT_WEIGHTS,
    NEAR_SEARCHES,
    ROTATION,
    TRENDING,
    TrendingEntry,
    TrendingRanking,
    TrendingWeights,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def _day_text(day: date) -> str:
    # Spelled out by hand so the post does not depend on the host's locale.
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def header(ranking: TrendingRanking, local_day: date) -> str:
    """Return the post's one-line title, saying which case of the ranking applies."""
    day = _day_text(local_day)
    if ranking.mode == NEAR_SEARCHES:
        return f"🔎 {day}: no trending signal yet, so here are papers close to what this server searched recently"
    if ranking.mode == ROTATION:
        return f"🎲 {day}: no trending signal or recent searches yet, so here is today's pick from the corpus"
    return f"📈 Trending papers for {day}"


def _days_text(days: int) -> str:
    return "day" if days == 1 else f"{days} days"


def footer(ranking: TrendingRanking, weights: TrendingWeights = DEFAULT_WEIGHTS) -> str:
    """Return one sentence stating the rule that produced the ranking."""
    window = _days_text(ranking.days)
    half_life = f"{weights.half_life_days:g}"
    quiet = (
        "No paper that has not already been posted here recently had Hugging Face upvotes, GitHub stars "
        f"or activity on this server over the last {window}"
    )
    if ranking.mode == NEAR_SEARCHES:
        return (
            f"{quiet}, so these are the papers that best match this server's latest (up to "
            f"{weights.max_queries}) distinct searches of the past {weights.query_lookback_days} days."
        )
    if ranking.mode == ROTATION:
        return (
            f"{quiet}, and no search here in the past {weights.query_lookback_days} days led to such a paper, "
            "so these come from a daily rotation through the whole corpus."
        )
    return (
        "Ranked by Hugging Face upvotes and GitHub stars plus this server's searches, clicks, 👍 votes "
        f"and reactions over the last {window}, with a {half_life}-day freshness half-life."
    )


FOOTER = footer(TrendingRanking(mode=TRENDING, entries=(), days=DEFAULT_DAYS))


def _first_sentences(text: str, limit: int = 320) -> str:
    """Return the abstract's opening sentences up to about `limit` characters."""
    picked: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        if picked and sum(len(s) + 1 for s in picked) + len(sentence) > limit:
            break
        picked.append(sentence)
    return " ".join(picked)


def entry_reason(entry: TrendingEntry, mode: str) -> str:
    """Return the card's "why it's here" line from the signals that put it there."""
    if mode == NEAR_SEARCHES:
        return "close to what this server searched recently"
    if mode == ROTATION:
        return "today's pick from the corpus"
    parts = []
    paper = entry.paper
    if paper.upvotes:
        parts.append(f"{paper.upvotes} upvotes")
    if paper.github_stars:
        parts.append(f"{paper.github_stars} GitHub stars")
    if entry.engagement > 0:
        parts.append(f"engagement {entry.engagement:g} in this server")
    parts.append(f"freshness {entry.freshness:.2f}")
    return "; ".join(parts) + f" \u2192 score {entry.score:.2f}"


def trending_cards(ranking: TrendingRanking) -> tuple[Card, ...]:
    """Return the cards of a ranking, numbered from 1."""
    return tuple(
        Card(
            paper=entry.paper,
            rank=index,
            sentence=_first_sentences(entry.paper.clean_abstract),
            reason=entry_reason(entry, ranking.mode),
        )
        for index, entry in enumerate(ranking.entries, start=1)
    )


def marker(local_date: str) -> str:
    """Return the line that identifies our post of a day in the channel's history."""
    return f"-# PaperScout daily post \u00b7 {local_date} \u00b7 vote for a paper with its \N{THUMBS UP SIGN} button"
