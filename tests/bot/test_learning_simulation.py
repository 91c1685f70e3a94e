"""A simulated reader who likes one sub-topic: after a few reactions, more of what they like comes.

Over the shipped corpus (440 papers) with the real MiniLM vectors, the real matching
(bot/core/subscriptions.py, bot/core/learning.py) and the real state file. The protocol:

1. A DM subscription to a topic; every shipped paper counts as new to it.
2. The first delivery holds REACTIONS cards (the plain topic); the reader reacts to each:
   👍 when the paper is about the sub-topic they care for (a word test on its title and
   abstract), 👎 otherwise. Those cards are recorded as delivered, as a real delivery does.
3. The next delivery (NEXT cards) is matched twice from the same state: once without the
   votes ("before": what the reader would get had they not reacted) and once with them
   ("after"). The share of liked papers among its cards is printed for both.

Every subscription sends only papers that reach its threshold, so "the next delivery" may
hold fewer than NEXT cards; both figures are over the cards actually sent. (The example of
the issue, "optimal transport" with a reader who likes Sinkhorn and entropic OT, has nothing
to measure here: 3 shipped papers reach the threshold and 3 mention Sinkhorn or entropic.)
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core.learning import Learning
from bot.core.paper_vectors import paper_vectors
from bot.core.subscriptions import SIMILARITY_THRESHOLD, match_subscriptions
from bot.datadir import DataDir
from bot.state import State
from bot.state.feedback import DISLIKE, LIKE
from corpus.paper import Paper
from retrieval.hybrid import HybridRetriever

READER = 42
REACTIONS = 5
NEXT = 10
AT = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


@dataclasses.dataclass(frozen=True)
class Reader:
    """A subscriber's topic and the sub-topic they like, as a test on a paper's words."""

    topic: str
    likes: re.Pattern[str]
    threshold: float = SIMILARITY_THRESHOLD

    def liked(self, paper: Paper) -> bool:
        return bool(self.likes.search(f"{paper.clean_title} {paper.clean_abstract}"))


# The reader cares for second-order methods (Newton, Hessians, curvature) among optimization papers:
# 50 of the 440 shipped papers, by this word test.
SECOND_ORDER = re.compile(r"newton|second[- ]order|hessian|quasi-newton|bfgs|curvature", re.IGNORECASE)
READERS = {
    "stochastic-optimization": Reader("stochastic optimization", SECOND_ORDER),
    "optimization-for-ml": Reader("optimization methods for machine learning", SECOND_ORDER),
}


def share(papers: list[Paper], reader: Reader) -> float:
    return sum(reader.liked(p) for p in papers) / len(papers) if papers else 0.0


def delivered_papers(retriever: HybridRetriever, state: State, reader: Reader, *, learn: bool, cards: int) -> list[Paper]:
    """Return the papers the next delivery to the reader's subscription holds, best first."""
    vectors = paper_vectors(retriever)
    assert vectors is not None
    learning = Learning(state.subscriptions.votes.tally, vectors) if learn else None
    matches = match_subscriptions(
        retriever.search, state.subscriptions.list(), retriever.papers, state.subscriptions.delivered,
        threshold=reader.threshold, per_message=cards, learning=learning,
    )
    return [h.paper for m in matches for t in m.topics for h in t.hits]


@pytest.mark.parametrize("name", sorted(READERS))
def test_the_share_of_liked_papers_rises_after_a_few_reactions(shipped_services, tmp_path: Path, name: str) -> None:
    reader = READERS[name]
    served = shipped_services.retriever
    later = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(timespec="seconds")
    retriever = HybridRetriever(
        [dataclasses.replace(p, ingested_at=later) for p in served.papers],
        served.lexical, served.vectors, served.encoder, served.config,
    )
    state = State.open(DataDir(tmp_path).state)
    try:
        sub = state.subscriptions.add(None, None, READER, reader.topic)
        first = delivered_papers(retriever, state, reader, learn=True, cards=REACTIONS)
        assert len(first) == REACTIONS
        state.subscriptions.record_deliveries(sub.id, [p.id for p in first], AT)
        for paper in first:
            vote = LIKE if reader.liked(paper) else DISLIKE
            state.subscriptions.votes.record([sub.id], paper.id, READER, None, vote, AT)
        tally = state.subscriptions.votes.tally(sub.id)
        assert tally.liked, "the first delivery must hold a paper the reader likes, or there is nothing to learn from"

        before = delivered_papers(retriever, state, reader, learn=False, cards=NEXT)
        after = delivered_papers(retriever, state, reader, learn=True, cards=NEXT)
    finally:
        state.close()
    liked_total = sum(reader.liked(p) for p in retriever.papers)
    print(
        f"\n[{name}] topic {reader.topic!r}; the reader likes {liked_total} of {len(retriever.papers)} papers; "
        f"first delivery {len(first)} cards, share liked {share(first, reader):.2f} "
        f"({len(tally.liked)} \N{THUMBS UP SIGN}, {len(tally.disliked)} \N{THUMBS DOWN SIGN})\n"
        f"[{name}] next delivery without the votes: {len(before)} cards, share liked {share(before, reader):.2f}\n"
        f"[{name}] next delivery with the votes:    {len(after)} cards, share liked {share(after, reader):.2f}"
    )
    for label, papers in (("without", before), ("with", after)):
        for p in papers:
            print(f"  {label:7} {'+' if reader.liked(p) else '-'} {p.clean_title[:90]}")
    assert not {p.id for p in after} & {p.id for p in first}  # nothing is sent twice
    # Learning changes which papers come, not how many (bot/core/learning.py, profile_cutoff).
    assert abs(len(after) - len(before)) <= 2
    assert share(after, reader) > share(before, reader)
