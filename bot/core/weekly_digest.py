"""What a server's weekly digest holds: the week's papers on its channel subscriptions' topics, then its trending.

Everything read is that server's own: its channel subscriptions (not anyone's DM ones), its
events, votes and reactions. Two sections, each bounded, a paper shown once:

1. **Topics**: each distinct topic of the server's active channel subscriptions is searched
   once (SEARCH_DEPTH deep); a hit counts when the search is not flagged weak, the paper was
   published or added to the corpus in the last WINDOW_DAYS days, and its MiniLM cosine to
   the topic is at least the subscriptions' SIMILARITY_THRESHOLD (the measured bar for "on
   topic"). The topics take turns, each giving its nearest paper not yet shown.
2. **Trending**: the server's ranking over the last 7 days, as `/trending days:7` computes it
   (bot/core/daily_post.gather_ranking, papers posted recently not held back), without the
   papers of section 1. Its fallback to papers near the server's searches is kept and said
   so; the fallback to a rotation through the corpus is not: a random pick is no "top paper".

Searching is CPU work: call `build_digest` in a thread.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Sequence

from bot.core.daily_post import gather_ranking
from bot.core.live_index import Retriever
from bot.core.replies import Card
from bot.core.subscriptions import SEARCH_DEPTH, SIMILARITY_THRESHOLD, topic_key
from bot.core.trending import ROTATION
from bot.core.trending_text import trending_cards
from bot.state.events import EventLog
from bot.state.ledger import PostLedger
from bot.state.subscriptions import TOPIC, Subscriptions
from corpus.paper import Paper
from retrieval.types import Hit, QueryError

log = logging.getLogger(__name__)

WINDOW_DAYS = 7
# Ten cards in all at most: Discord shows at most 10 embeds in a message.
TOPIC_CARDS = 5
TRENDING_CARDS = 5
# Section kinds, as stored in the ledger: TOPICS, then one of the trending ranking's modes.
TOPICS = "topics"


@dataclass(frozen=True)
class DigestItem:
    """One paper of a digest, with why it is there and the sentence its card shows."""

    paper: Paper
    reason: str
    sentence: str = ""
    matched_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestSection:
    """A run of cards under one header line."""

    kind: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class Digest:
    """A server's digest: its non-empty sections, in order."""

    sections: tuple[DigestSection, ...]

    @property
    def paper_ids(self) -> tuple[str, ...]:
        """Return every paper shown, in card order."""
        return tuple(item.paper.id for section in self.sections for item in section.items)

    def cards(self) -> tuple[Card, ...]:
        """Return the cards, numbered from 1 across the sections."""
        items = [item for section in self.sections for item in section.items]
        return tuple(
            Card(paper=i.paper, rank=n, sentence=i.sentence, matched_terms=i.matched_terms, reason=i.reason)
            for n, i in enumerate(items, start=1)
        )

    def to_json(self) -> str:
        """Return what the ledger keeps of the digest, to resend the same papers after a crash."""
        return json.dumps([
            {"kind": s.kind, "papers": [[i.paper.id, i.reason, i.sentence] for i in s.items]} for s in self.sections
        ])


def digest_from_json(text: str, source: Retriever) -> Digest:
    """Return a stored digest over the papers still in the corpus (a section left empty is dropped)."""
    sections = []
    for section in json.loads(text):
        items = tuple(
            DigestItem(paper, reason, sentence)
            for paper_id, reason, sentence in section["papers"]
            if (paper := source.get(paper_id)) is not None
        )
        if items:
            sections.append(DigestSection(section["kind"], items))
    return Digest(tuple(sections))


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def recent_papers(papers: Sequence[Paper], now: datetime, days: int = WINDOW_DAYS) -> set[str]:
    """Return the ids of papers published or added to the corpus in the `days` before `now`."""
    start = now - timedelta(days=days)
    recent = set()
    for paper in papers:
        stamps = (_moment(paper.published), _moment(paper.ingested_at))
        if any(stamp is not None and start <= stamp <= now for stamp in stamps):
            recent.add(paper.id)
    return recent


def server_topics(subscriptions: Subscriptions, guild_id: int) -> list[str]:
    """Return the distinct topics of a server's active channel subscriptions, oldest first (author follows are no topic)."""
    topics: dict[str, str] = {}
    for sub in subscriptions.list(guild_id=guild_id):
        # The guild_id filter already excludes DMs; a channel is what makes it the server's topic.
        if sub.channel_id is not None and not sub.paused and sub.kind == TOPIC:
            topics.setdefault(topic_key(sub.topic), sub.topic)
    return list(topics.values())


def _near(source: Retriever, topic: str, recent: set[str], threshold: float) -> list[Hit]:
    """Return the recent papers near a topic, nearest first."""
    try:
        result = source.search(topic, SEARCH_DEPTH)
    except QueryError as exc:
        log.warning("cannot search digest topic %r: %s", topic, exc)
        return []
    if result.weak:
        return []
    hits = [h for h in result.hits if h.paper.id in recent and h.dense_similarity >= threshold]
    return sorted(hits, key=lambda h: (-h.dense_similarity, h.rank))


def topic_items(
    source: Retriever, topics: Sequence[str], recent: set[str], limit: int = TOPIC_CARDS,
    threshold: float = SIMILARITY_THRESHOLD,
) -> tuple[DigestItem, ...]:
    """Return up to `limit` recent papers near the topics, the topics taking turns (each paper once)."""
    queues = [(topic, _near(source, topic, recent, threshold)) for topic in topics]
    picked: list[DigestItem] = []
    seen: set[str] = set()
    while len(picked) < limit and any(hits for _, hits in queues):
        for topic, hits in queues:
            while hits and hits[0].paper.id in seen:
                hits.pop(0)
            if hits and len(picked) < limit:
                hit = hits.pop(0)
                seen.add(hit.paper.id)
                picked.append(DigestItem(hit.paper, f"new this week, close to the topic \u201c{topic}\u201d",
                                         hit.best_sentence, hit.matched_terms))
    return tuple(picked)


def trending_items(
    ledger: PostLedger, events: EventLog, source: Retriever, guild_id: int, now: datetime,
    shown: Sequence[str], limit: int = TRENDING_CARDS,
) -> DigestSection | None:
    """Return the server's 7-day trending papers not already shown (None when only a rotation is left)."""
    ranking = gather_ranking(
        ledger, events, source, guild_id, now, now.date(), days=WINDOW_DAYS, avoid_recent_posts=False,
        limit=limit + len(shown),
    )
    if ranking.mode == ROTATION:
        return None
    taken = set(shown)
    cards = [card for card in trending_cards(ranking) if card.paper.id not in taken][:limit]
    items = tuple(DigestItem(c.paper, c.reason, c.sentence) for c in cards)
    return DigestSection(ranking.mode, items) if items else None


def build_digest(
    source: Retriever, subscriptions: Subscriptions, ledger: PostLedger, events: EventLog, guild_id: int,
    now: datetime, *, topic_limit: int = TOPIC_CARDS, trending_limit: int = TRENDING_CARDS,
) -> Digest:
    """Return a server's digest for the week before `now` (no sections: nothing to send)."""
    topics = server_topics(subscriptions, guild_id)
    sections = []
    if topics:
        recent = recent_papers(source.papers, now)
        items = topic_items(source, topics, recent, topic_limit)
        if items:
            sections.append(DigestSection(TOPICS, items))
    shown = [item.paper.id for section in sections for item in section.items]
    trending = trending_items(ledger, events, source, guild_id, now, shown, trending_limit)
    if trending is not None:
        sections.append(trending)
    return Digest(tuple(sections))

