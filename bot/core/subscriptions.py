"""Subscriptions, independent of Discord: validating topics and matching new papers to them.

A subscription is a topic (a search query) or a followed author (bot/core/author_follow.py),
and a destination: a server channel, or the subscriber's DMs (`guild_id` None). Each run,
`match_subscriptions` searches every active topic once and keeps the hits that are (a) new to
that subscription (ingested after it was created and never delivered to it) and (b) close
enough to the topic by dense cosine similarity; once its readers voted on papers, the topic's
profile (bot/core/learning.py) is scored instead of the topic. A followed author gets every
new paper of theirs. The result is grouped per destination, then per subscription, ready for
delivery, each group with the line saying why its papers came.

Searching is CPU work (the query is encoded): call `match_subscriptions` in a thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Sequence

from bot.core.author_follow import AuthorPapers, followed_hits, papers_by_index
from bot.core.errors import UserFacingError
from bot.core.ingest_times import NewPapers, moment
from bot.core.learning import Learning, author_reason, profile_hits, topic_reason
from bot.state.subscriptions import AUTHOR, TOPIC, Subscription
from corpus.paper import Paper
from retrieval.query import clean_query
from retrieval.tokenize import tokenize
from retrieval.types import Hit, QueryError, SearchResult

log = logging.getLogger(__name__)

# Minimum dense similarity (Hit.dense_similarity: MiniLM cosine of topic and paper) for a
# new paper to be sent. Measured on eval/dev.jsonl with the real retriever over the
# shipped corpus (440 papers): for each of the 44 queries not flagged weak, every paper in
# the fused top 100; "relevant" = judged grade >= 2 (126 such papers), everything else
# (unjudged or grade 1) counted as a miss, so precision is a lower bound:
#
#   threshold  relevant kept  precision (>=2)  precision (>=1)  kept/query  hits on negatives
#     0.45      97/126 0.77     97/316 0.31        0.44            8.1          1
#     0.50      84/126 0.67     84/164 0.51        0.68            4.2          0
#     0.55      67/126 0.53     67/94  0.71        0.87            2.4          0
#     0.60      46/126 0.37     46/54  0.85        0.94            1.4          0
#
# (Relevant papers' similarities: median 0.57, 10th percentile 0.36; unjudged top-20 hits:
# median 0.35, 90th percentile 0.48.) A subscription is a push notification, so precision
# matters more than recall: at 0.55 about 7 in 8 papers sent are judged related (87% grade
# >= 1) and half of the clearly relevant ones still get through; 0.50 would send a loosely
# related paper one time in three. Of the 5 negative queries 4 are flagged weak (skipped
# anyway) and the fifth has no hit at or above 0.50.
SIMILARITY_THRESHOLD = 0.55
# How deep to search: the retriever caps k at 100, and a new paper only counts if it is
# among the hits. In the same measurement no paper with similarity >= 0.55 ranked below
# the fused top 100 for any query (at 0.50: 1 paper in 44 queries, not a relevant one),
# so the cap loses nothing at this threshold.
SEARCH_DEPTH = 100
# At most this many papers per destination and run: one message holds 10 embeds. Papers
# left over are not recorded as delivered, so they stay eligible for the next run.
MAX_PAPERS_PER_MESSAGE = 10
MAX_SUBSCRIPTIONS_PER_USER = 25
MAX_TOPIC_CHARS = 200
# What the /subscribe option accepts: more than MAX_TOPIC_CHARS, so that `clean_topic` can say
# why a topic is too long instead of Discord refusing the input without a word.
TOPIC_INPUT_CHARS = 500

CHANNEL = "channel"
DM = "dm"

Search = Callable[[str, int], SearchResult]
Delivered = Callable[[int], "set[str]"]


# ----------------------------------------------------------------------------- topics


def clean_topic(raw: str) -> str:
    """Return a topic fit to subscribe to (whitespace folded), or raise UserFacingError saying why."""
    try:
        text, note = clean_query(raw)
    except QueryError as exc:
        raise UserFacingError(str(exc)) from None
    if note is not None or len(text) > MAX_TOPIC_CHARS:
        raise UserFacingError(
            f"That topic is too long ({len(' '.join(str(raw).split()))} characters); keep it under "
            f"{MAX_TOPIC_CHARS}, e.g. `diffusion models for video`."
        )
    if not tokenize(text):
        raise UserFacingError(
            "That topic only has common words I can't match papers on. "
            "Name a subject, e.g. `graph neural networks` or `optimal transport`."
        )
    return text


def topic_key(topic: str) -> str:
    """Return the form two topics are compared in: case- and whitespace-insensitive."""
    return " ".join(topic.casefold().split())


def find_same_topic(subscriptions: Iterable[Subscription], topic: str) -> Subscription | None:
    """Return the first topic subscription whose topic is the same as `topic`, if any (author follows aside)."""
    key = topic_key(topic)
    return next((s for s in subscriptions if s.kind == TOPIC and topic_key(s.topic) == key), None)


def is_personal(sub: Subscription) -> bool:
    """Return whether a subscription is delivered by DM (not into a server channel)."""
    return sub.guild_id is None


# ---------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Destination:
    """Where papers go: a channel (`id` is the channel id) or a user's DMs (`id` is the user id)."""

    kind: str
    id: int
    guild_id: int | None = None


def destination_of(sub: Subscription) -> Destination:
    """Return where a subscription's papers are sent."""
    if sub.guild_id is None or sub.channel_id is None:
        return Destination(DM, sub.user_id)
    return Destination(CHANNEL, sub.channel_id, sub.guild_id)


@dataclass(frozen=True)
class TopicMatch:
    """The papers of one topic for one destination.

    `hits` are shown under the topic, best first; `paper_ids` are every paper this run
    delivers to the subscription, including ones shown under another topic of the same
    destination (a paper is shown once per message but counts as delivered to each).
    `reason` says why its papers came ("close to your topic ... and to 3 papers you liked").
    """

    subscription: Subscription
    hits: tuple[Hit, ...]
    paper_ids: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class Match:
    """Everything one destination gets in one run, grouped by topic."""

    destination: Destination
    topics: tuple[TopicMatch, ...]

    @property
    def papers(self) -> int:
        """Return how many papers are shown (each paper once)."""
        return sum(len(t.hits) for t in self.topics)

    @property
    def subscription_ids(self) -> tuple[int, ...]:
        """Return the ids of the subscriptions served."""
        return tuple(t.subscription.id for t in self.topics)


def _topic_hits(
    sub: Subscription,
    result: SearchResult,
    candidates: dict[str, datetime],
    already: set[str],
    threshold: float,
) -> list[Hit]:
    """Return the hits of a search that are new to a subscription and close enough, best first."""
    created = moment(sub.created_at)
    if created is None:
        return []
    if result.weak:
        return []
    kept = [
        h
        for h in result.hits
        if h.paper.id in candidates
        and candidates[h.paper.id] > created
        and h.paper.id not in already
        and h.dense_similarity >= threshold
    ]
    kept.sort(key=lambda h: (-h.dense_similarity, h.rank))
    return kept


def _round_robin(per_topic: list[list[Hit]], limit: int) -> list[list[Hit]]:
    """Pick up to `limit` distinct papers over the topics, taking each topic's best in turn."""
    shown: list[list[Hit]] = [[] for _ in per_topic]
    seen: set[str] = set()
    queues = [list(hits) for hits in per_topic]
    while len(seen) < limit and any(queues):
        for i, queue in enumerate(queues):
            while queue and queue[0].paper.id in seen:
                queue.pop(0)
            if queue and len(seen) < limit:
                hit = queue.pop(0)
                shown[i].append(hit)
                seen.add(hit.paper.id)
    return shown


def why_sent(topic: TopicMatch, hit: Hit) -> str:
    """Return the line a delivered card says it came for ("" when the match has no reason: the card's own then)."""
    if not topic.reason or topic.subscription.kind == AUTHOR:
        return topic.reason
    return f"{topic.reason} (similarity {hit.dense_similarity:.2f})"


def match_subscriptions(
    search: Search,
    subscriptions: Sequence[Subscription],
    candidates: Sequence[Paper],
    delivered: Delivered,
    *,
    threshold: float = SIMILARITY_THRESHOLD,
    depth: int = SEARCH_DEPTH,
    per_message: int = MAX_PAPERS_PER_MESSAGE,
    learning: Learning | None = None,
    by_author: AuthorPapers | None = None,
) -> list[Match]:
    """Return, per destination, the new candidate papers that match each active subscription.

    `candidates` are the papers that may be sent (e.g. the corpus, or the papers added by
    the latest refresh); a subscription only gets those ingested after it was created and
    not yet delivered to it. Paused subscriptions are skipped, and so are plain topics whose
    search the retriever flags as weak. Each distinct topic is searched once. With
    `learning`, a topic its readers voted on is matched by its profile. A followed author's
    papers come from `by_author` (by default, an author index of `candidates`). Destinations
    come in the order of their first subscription; a destination with no paper is left out.
    """
    new = NewPapers(candidates)
    latest = new.latest
    if latest is None:
        return []
    authors = by_author or papers_by_index(candidates)
    searched: dict[str, SearchResult | None] = {}
    grouped: dict[Destination, list[tuple[Subscription, list[Hit], str]]] = {}
    for sub in subscriptions:
        if sub.paused:
            continue
        created = moment(sub.created_at)
        if created is None:
            log.warning("subscription %s has an unreadable created_at %r; skipping it", sub.id, sub.created_at)
            continue
        if latest <= created:
            continue  # nothing arrived since it was created: no need to search
        already = delivered(sub.id)
        if sub.kind == AUTHOR:
            times = new.times
            hits = followed_hits(
                authors(sub.topic), lambda p: p.id in times and times[p.id] > created and p.id not in already
            )
            reason = author_reason(sub)
        else:
            key = topic_key(sub.topic)
            if key not in searched:
                try:
                    searched[key] = search(sub.topic, depth)
                except QueryError as exc:
                    log.warning("cannot search subscription topic %r: %s", sub.topic, exc)
                    searched[key] = None
            result = searched[key]
            profile = learning.profile(sub) if learning is not None else None
            if profile is not None and learning is not None:
                fresh = [p for p in new.after(created) if p.id not in already]
                hits = profile_hits(profile, fresh, result, learning.vectors, threshold)
            elif result is not None:
                hits = _topic_hits(sub, result, new.times, already, threshold)
            else:
                continue
            reason = topic_reason(sub, profile)
        if hits:
            grouped.setdefault(destination_of(sub), []).append((sub, hits, reason))
    matches: list[Match] = []
    for destination, entries in grouped.items():
        shown = _round_robin([hits for _, hits, _ in entries], per_message)
        shown_ids = {h.paper.id for hits in shown for h in hits}
        topics = tuple(
            TopicMatch(
                subscription=sub,
                hits=tuple(picked),
                # Delivered: what is shown under any topic of this message and matched this one.
                paper_ids=tuple(h.paper.id for h in hits if h.paper.id in shown_ids),
                reason=reason,
            )
            for (sub, hits, reason), picked in zip(entries, shown)
            if any(h.paper.id in shown_ids for h in hits)
        )
        if topics:
            matches.append(Match(destination, topics))
    return matches
