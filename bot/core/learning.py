"""Subscriptions that learn: a topic's profile moves toward what its readers liked and away from what they did not.

The rule is Rocchio's relevance feedback on the topic's MiniLM vector:

    profile = normalize(A * topic + B * mean(liked papers' vectors) - C * mean(disliked papers' vectors))

with A = 1, B = 0.75, C = 0.15, the values Manning, Raghavan and Schütze's *Introduction to
Information Retrieval* (9.1.1) gives as reasonable: positive feedback counts several times more
than negative, which is noisier (a paper disliked for being off-topic and one disliked for
being weak look alike, and pushing away from both would push off the topic too). A paper is
liked when its readers' 👍 outnumber their 👎, disliked when the 👎 do (bot/state/feedback.py).
The profile then stands in for the topic's vector when new papers are scored
(bot/core/subscriptions.py), with a cutoff as selective as the topic's threshold
(`profile_cutoff`); without votes it *is* the topic's vector.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from bot.core.paper_vectors import PaperVectors
from bot.state.feedback import Tally
from bot.state.subscriptions import Subscription
from corpus.paper import Paper
from retrieval.snippets import best_sentence
from retrieval.types import Hit, SearchResult

VotesOf = Callable[[int], Tally]
TOPIC_WEIGHT = 1.0
LIKED_WEIGHT = 0.75
DISLIKED_WEIGHT = 0.15


def rocchio(topic: np.ndarray, liked: np.ndarray, disliked: np.ndarray) -> np.ndarray:
    """Return normalize(A*topic + B*mean(liked) - C*mean(disliked)); an empty group adds nothing."""
    profile = TOPIC_WEIGHT * np.asarray(topic, dtype=np.float32)
    if len(liked):
        profile = profile + LIKED_WEIGHT * np.asarray(liked, dtype=np.float32).mean(axis=0)
    if len(disliked):
        profile = profile - DISLIKED_WEIGHT * np.asarray(disliked, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(profile))
    return profile / norm if norm > 0 else profile


@dataclass(frozen=True, eq=False)
class Profile:
    """What a topic subscription's new papers are scored against, and how many votes shaped it."""

    vector: np.ndarray = field(repr=False)
    topic: np.ndarray = field(repr=False)
    liked: int = 0
    disliked: int = 0

    @property
    def learned(self) -> bool:
        """Return whether votes moved it away from the plain topic."""
        return bool(self.liked or self.disliked)


@dataclass(frozen=True)
class Learning:
    """What topic subscriptions learn from: their readers' votes, and the served papers' vectors."""

    votes: VotesOf
    vectors: PaperVectors

    def profile(self, sub: Subscription) -> Profile | None:
        """Return a topic's profile once its readers voted, else None (the plain topic is searched)."""
        tally = self.votes(sub.id)
        return None if tally.empty else profile_of(sub, tally, self.vectors)


def profile_of(sub: Subscription, tally: Tally, vectors: PaperVectors) -> Profile:
    """Return a topic subscription's profile: its topic's vector moved by the papers its readers voted on.

    A voted paper no longer served (removed from the corpus) no longer counts.
    """
    liked = vectors.doc(tally.liked)
    disliked = vectors.doc(tally.disliked)
    topic = vectors.encode(sub.topic)
    return Profile(rocchio(topic, liked, disliked), topic, liked=len(liked), disliked=len(disliked))


def profile_cutoff(profile: Profile, vectors: PaperVectors, threshold: float) -> float:
    """Return the score a new paper needs against the profile: as selective as `threshold` is for the plain topic.

    A profile mixes abstracts' vectors into a short query's, and an abstract is closer to
    abstracts than a query is: at the topic's own threshold a learned topic would let several
    times more papers through (measured on the shipped corpus: after five votes the next
    delivery for "convex optimization" went from 1 card to 10). So the profile lets through as many of the served papers as the
    plain topic does at `threshold` (its own best ones): votes change which papers come, not
    how many. A topic that lets none through still lets none through.
    """
    passing = vectors.passing(profile.topic, threshold)
    return vectors.nth_best(profile.vector, passing) if passing else float("inf")


def profile_hits(
    profile: Profile, new: Sequence[Paper], result: SearchResult | None, vectors: PaperVectors, threshold: float
) -> list[Hit]:
    """Return the new papers whose similarity to the profile reaches its cutoff (`profile_cutoff`), best first.

    Every new paper is scored, not only the topic search's hits: what readers liked may lie
    beyond the topic's own top results. A paper the topic search found keeps that hit's
    snippet and matched words; the others show the sentence saying what the paper does.
    The search's weak flag does not decide here: the readers' papers are evidence enough.
    """
    scores = vectors.similarities(profile.vector, (p.id for p in new))
    found = {h.paper.id: h for h in result.hits} if result is not None else {}
    cutoff = profile_cutoff(profile, vectors, threshold) if scores else float("inf")
    kept = sorted((p for p in new if scores.get(p.id, -np.inf) >= cutoff), key=lambda p: (-scores[p.id], p.id))
    hits = []
    for rank, paper in enumerate(kept, start=1):
        hit = found.get(paper.id)
        if hit is not None:
            hits.append(replace(hit, rank=rank, dense_similarity=scores[paper.id]))
        else:
            sentence = best_sentence(paper, frozenset(), {})
            hits.append(Hit(paper, rank, scores[paper.id], None, 0.0, (), scores[paper.id], sentence))
    return hits


def _papers(n: int) -> str:
    return f"{n} paper{'s' if n != 1 else ''}"


def topic_reason(sub: Subscription, profile: Profile | None) -> str:
    """Return why a topic subscription's paper came, e.g. "close to your topic “X” and to 3 papers you liked"."""
    personal = sub.guild_id is None
    topic = " ".join(sub.topic.split())
    text = f"close to your topic \u201c{topic}\u201d" if personal else f"close to this channel's topic \u201c{topic}\u201d"
    if profile is None or not profile.learned:
        return text
    if profile.liked:
        text += f" and to {_papers(profile.liked)} you liked" if personal else f" and to {_papers(profile.liked)} liked here"
    if profile.disliked:
        text += f", away from {_papers(profile.disliked)} {'you' if personal else 'readers here'} disliked"
    return text


def author_reason(sub: Subscription) -> str:
    """Return why a followed author's paper came."""
    name = " ".join(sub.topic.split())
    return f"a new paper by {name}, whom you follow" if sub.guild_id is None else f"a new paper by {name}, followed here"
