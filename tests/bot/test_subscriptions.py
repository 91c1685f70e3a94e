"""Matching new papers to topic subscriptions, without Discord."""

from __future__ import annotations

import dataclasses
from typing import Callable

import pytest

from bot.core.errors import UserFacingError
from bot.core.subscriptions import (
    CHANNEL,
    DM,
    MAX_TOPIC_CHARS,
    SEARCH_DEPTH,
    Destination,
    clean_topic,
    find_same_topic,
    match_subscriptions,
    topic_key,
)
from bot.state import Subscription
from corpus.paper import Paper
from retrieval.types import Hit, QueryError, SearchResult
from tests.bot.fakes import FAST_SINKHORN, GRAPHS, IMPLICIT, SINKHORN, FakeRetriever, make_paper

OLD = "2025-01-01T00:00:00+00:00"
CREATED = "2025-02-01T00:00:00+00:00"
NEW = "2025-03-01T00:00:00+00:00"


def fresh(paper: Paper, at: str = NEW) -> Paper:
    """Return the paper as if ingested at `at`."""
    return dataclasses.replace(paper, ingested_at=at)


def sub(
    sid: int,
    topic: str,
    *,
    user: int = 7,
    guild: int | None = None,
    channel: int | None = None,
    paused: bool = False,
    created: str = CREATED,
) -> Subscription:
    return Subscription(sid, guild, channel, user, topic, paused, created)


def hit(paper: Paper, rank: int, similarity: float) -> Hit:
    return Hit(paper, rank, 1.0 / rank, None, 0.0, (), similarity, "")


def fixed_search(hits: list[Hit], weak: bool = False) -> Callable[[str, int], SearchResult]:
    calls: list[tuple[str, int]] = []

    def search(query: str, k: int) -> SearchResult:
        calls.append((query, k))
        return SearchResult(query, tuple(hits[:k]), weak)

    search.calls = calls  # type: ignore[attr-defined]
    return search


def nothing_delivered(sub_id: int) -> set[str]:
    return set()


def ids(match_hits: tuple[Hit, ...]) -> list[str]:
    return [h.paper.id for h in match_hits]


# ------------------------------------------------------------------------- topics


def test_clean_topic_folds_whitespace() -> None:
    assert clean_topic("  graph\n neural\tnetworks ") == "graph neural networks"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "Type a few words"),
        ("   ", "Type a few words"),
        ("?!…", "no words"),
        ("the of and", "common words"),
        ("transformers " * 40, "too long"),
    ],
)
def test_clean_topic_refuses_with_a_reason(raw: str, says: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        clean_topic(raw)
    assert says in caught.value.message


def test_topic_at_the_limit_is_fine() -> None:
    topic = ("a" * (MAX_TOPIC_CHARS - 1)) + "b"
    assert clean_topic(topic) == topic


def test_same_topic_ignores_case_and_spacing() -> None:
    subs = [sub(1, "Optimal Transport"), sub(2, "graph neural networks")]
    assert find_same_topic(subs, "optimal  transport") == subs[0]
    assert find_same_topic(subs, "optimal transport maps") is None
    assert topic_key(" A  b ") == "a b"


# ----------------------------------------------------------------------- matching


def test_threshold_keeps_only_close_papers() -> None:
    close, far = fresh(SINKHORN), fresh(FAST_SINKHORN)
    search = fixed_search([hit(close, 1, 0.62), hit(far, 2, 0.41)])
    matches = match_subscriptions(search, [sub(1, "sinkhorn")], [close, far], nothing_delivered, threshold=0.5)
    assert len(matches) == 1
    (topic,) = matches[0].topics
    assert ids(topic.hits) == [close.id] and topic.paper_ids == (close.id,)
    assert search.calls == [("sinkhorn", SEARCH_DEPTH)]  # type: ignore[attr-defined]


def test_paper_exactly_at_threshold_is_kept() -> None:
    paper = fresh(SINKHORN)
    search = fixed_search([hit(paper, 1, 0.5)])
    matches = match_subscriptions(search, [sub(1, "sinkhorn")], [paper], nothing_delivered, threshold=0.5)
    assert [ids(m.topics[0].hits) for m in matches] == [[paper.id]]


def test_weak_result_sends_nothing() -> None:
    paper = fresh(SINKHORN)
    search = fixed_search([hit(paper, 1, 0.9)], weak=True)
    assert match_subscriptions(search, [sub(1, "sinkhorn")], [paper], nothing_delivered, threshold=0.5) == []


def test_only_candidates_are_sent() -> None:
    new, elsewhere = fresh(SINKHORN), fresh(FAST_SINKHORN)
    search = fixed_search([hit(elsewhere, 1, 0.9), hit(new, 2, 0.8)])
    matches = match_subscriptions(search, [sub(1, "sinkhorn")], [new], nothing_delivered, threshold=0.5)
    assert ids(matches[0].topics[0].hits) == [new.id]


def test_only_papers_ingested_after_the_subscription() -> None:
    before, same_time, after = fresh(SINKHORN, OLD), fresh(IMPLICIT, CREATED), fresh(FAST_SINKHORN, NEW)
    papers = [before, same_time, after]
    search = fixed_search([hit(p, i, 0.9) for i, p in enumerate(papers, start=1)])
    matches = match_subscriptions(search, [sub(1, "sinkhorn")], papers, nothing_delivered, threshold=0.5)
    assert ids(matches[0].topics[0].hits) == [after.id]


def test_no_search_when_nothing_arrived_since_the_subscription() -> None:
    search = fixed_search([hit(fresh(SINKHORN, OLD), 1, 0.9)])
    assert match_subscriptions(search, [sub(1, "sinkhorn")], [fresh(SINKHORN, OLD)], nothing_delivered) == []
    assert search.calls == []  # type: ignore[attr-defined]


def test_a_paper_is_delivered_once() -> None:
    first, second = fresh(SINKHORN), fresh(FAST_SINKHORN)
    search = fixed_search([hit(first, 1, 0.9), hit(second, 2, 0.8)])
    delivered: dict[int, set[str]] = {1: {first.id}}
    matches = match_subscriptions(search, [sub(1, "sinkhorn")], [first, second], lambda s: delivered.get(s, set()))
    assert ids(matches[0].topics[0].hits) == [second.id]
    delivered[1].add(second.id)
    assert match_subscriptions(search, [sub(1, "sinkhorn")], [first, second], lambda s: delivered.get(s, set())) == []


def test_paused_subscriptions_are_skipped() -> None:
    paper = fresh(SINKHORN)
    search = fixed_search([hit(paper, 1, 0.9)])
    matches = match_subscriptions(
        search, [sub(1, "sinkhorn", paused=True), sub(2, "sinkhorn", user=8)], [paper], nothing_delivered
    )
    assert [m.destination for m in matches] == [Destination(DM, 8)]


def test_unsearchable_topic_is_skipped_not_raised() -> None:
    paper = fresh(SINKHORN)

    def search(query: str, k: int) -> SearchResult:
        if query == "broken":
            raise QueryError("no")
        return SearchResult(query, (hit(paper, 1, 0.9),), False)

    matches = match_subscriptions(search, [sub(1, "broken"), sub(2, "sinkhorn")], [paper], nothing_delivered)
    assert [t.subscription.id for m in matches for t in m.topics] == [2]


def test_grouped_per_destination_then_topic_with_a_real_fake_retriever() -> None:
    retriever = FakeRetriever(tuple(fresh(p) for p in (IMPLICIT, SINKHORN, FAST_SINKHORN, *GRAPHS[:2])))
    subs = [
        sub(1, "sinkhorn optimal transport", guild=100, channel=200, user=7),
        sub(2, "graph neural networks", user=7),
        sub(3, "implicit differentiation", guild=100, channel=200, user=9),
        sub(4, "sinkhorn optimal transport", user=8),
    ]
    matches = match_subscriptions(retriever.search, subs, retriever.papers, nothing_delivered, threshold=0.6)
    by_destination = {m.destination: [(t.subscription.id, ids(t.hits)) for t in m.topics] for m in matches}
    sinkhorn = ["p-sinkhorn", "p-fast-sinkhorn"]
    assert by_destination == {
        Destination(CHANNEL, 200, 100): [(1, sinkhorn), (3, ["p-implicit"])],
        Destination(DM, 7): [(2, ["p-graph-0", "p-graph-1"])],
        Destination(DM, 8): [(4, sinkhorn)],
    }
    # The same topic of two subscribers is searched once.
    assert [q for q, _ in retriever.searches].count("sinkhorn optimal transport") == 1


def test_a_paper_matching_two_topics_is_shown_once_and_delivered_to_both() -> None:
    paper, other = fresh(SINKHORN), fresh(FAST_SINKHORN)

    def search(query: str, k: int) -> SearchResult:
        hits = (hit(paper, 1, 0.9),) if query == "sinkhorn" else (hit(paper, 1, 0.8), hit(other, 2, 0.7))
        return SearchResult(query, hits, False)

    subs = [sub(1, "sinkhorn"), sub(2, "optimal transport")]
    (match,) = match_subscriptions(search, subs, [paper, other], nothing_delivered, threshold=0.5)
    assert [ids(t.hits) for t in match.topics] == [[paper.id], [other.id]]
    assert [t.paper_ids for t in match.topics] == [(paper.id,), (paper.id, other.id)]
    assert match.papers == 2 and match.subscription_ids == (1, 2)


def test_at_most_a_message_worth_per_destination_shared_between_topics() -> None:
    papers = [fresh(make_paper(f"p{i}", f"Paper {i}", "About things.")) for i in range(30)]

    def search(query: str, k: int) -> SearchResult:
        start = 0 if query == "first" else 15
        return SearchResult(query, tuple(hit(p, r, 0.9 - r / 100) for r, p in enumerate(papers[start:start + 15], 1)), False)

    (match,) = match_subscriptions(search, [sub(1, "first"), sub(2, "second")], papers, nothing_delivered)
    assert match.papers == 10
    assert [len(t.hits) for t in match.topics] == [5, 5]
    # Shown = delivered: the rest stays eligible for the next run.
    assert [t.paper_ids for t in match.topics] == [tuple(ids(t.hits)) for t in match.topics]
    assert ids(match.topics[0].hits) == [p.id for p in papers[:5]]  # the best of each topic


def test_hits_are_ordered_by_similarity() -> None:
    a, b = fresh(SINKHORN), fresh(FAST_SINKHORN)
    search = fixed_search([hit(a, 1, 0.6), hit(b, 2, 0.8)])
    (match,) = match_subscriptions(search, [sub(1, "sinkhorn")], [a, b], nothing_delivered, threshold=0.5)
    assert ids(match.topics[0].hits) == [b.id, a.id]


def test_no_candidates_no_matches() -> None:
    search = fixed_search([])
    assert match_subscriptions(search, [sub(1, "sinkhorn")], [], nothing_delivered) == []
