"""What a weekly digest holds, over a real state file: a server's own topics and trending, recent papers, bounded, once each."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest

from bot.core.digest_text import digest_content, marker
from bot.core.engagement import SEARCH, EngagementEvent
from bot.core.trending import NEAR_SEARCHES, TRENDING
from bot.core.weekly_digest import TOPIC_CARDS, TOPICS, Digest, build_digest, digest_from_json, recent_papers
from bot.datadir import DataDir
from bot.state import State
from bot.state.subscriptions import AUTHOR
from corpus.paper import Paper
from tests.bot.fakes import ATTENTION, FAST_SINKHORN, GRAPHS, IMPLICIT, SINKHORN, FakeRetriever, make_paper

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
HOME, OTHER = 1, 2
HOME_CHANNEL, OTHER_CHANNEL = 10, 20


def dated(paper: Paper, days_ago: float, upvotes: int | None = None) -> Paper:
    return dataclasses.replace(paper, published=(NOW - timedelta(days=days_ago)).isoformat(), upvotes=upvotes)


# Six graph papers of this week, one of last month; the Sinkhorn papers are this week's too.
RECENT_GRAPHS = [dated(p, 1 + i * 0.5) for i, p in enumerate(GRAPHS[:6])]
OLD_GRAPH = dated(GRAPHS[6], 30)
PAPERS = (*RECENT_GRAPHS, OLD_GRAPH, dated(SINKHORN, 2), dated(FAST_SINKHORN, 3), dated(IMPLICIT, 200), dated(ATTENTION, 100))


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    opened = State.open(DataDir(tmp_path).state)
    yield opened
    opened.close()


@pytest.fixture
def source() -> FakeRetriever:
    return FakeRetriever(PAPERS)


def digest_of(state: State, source: FakeRetriever, guild_id: int = HOME, **limits: int) -> Digest:
    return build_digest(source, state.subscriptions, state.ledger, state.events, guild_id, NOW, **limits)


def test_papers_of_the_week_are_those_published_or_added_in_the_last_seven_days() -> None:
    added_now = make_paper("p-new", "Brand New", "We add a paper today to the corpus.")
    added_now = dataclasses.replace(added_now, ingested_at=(NOW - timedelta(hours=1)).isoformat())
    recent = recent_papers([*PAPERS, added_now], NOW)
    assert recent == {p.id for p in RECENT_GRAPHS} | {SINKHORN.id, FAST_SINKHORN.id, "p-new"}


def test_the_topic_section_has_recent_papers_near_the_servers_channel_topics_only(state: State, source: FakeRetriever) -> None:
    state.subscriptions.add(HOME, HOME_CHANNEL, 5, "graph neural networks")
    # Not the server's: another server's channel topic, and a member's own topic by DM.
    state.subscriptions.add(OTHER, OTHER_CHANNEL, 6, "sinkhorn optimal transport")
    state.subscriptions.add(None, None, 5, "sinkhorn iterations")
    digest = digest_of(state, source)
    [topics] = digest.sections
    assert topics.kind == TOPICS
    shown = [item.paper.id for item in topics.items]
    assert len(shown) == TOPIC_CARDS and set(shown) <= {p.id for p in RECENT_GRAPHS}
    assert OLD_GRAPH.id not in shown
    assert all("graph neural networks" in item.reason for item in topics.items)

    other = digest_of(state, source, OTHER)
    assert {item.paper.id for item in other.sections[0].items} == {SINKHORN.id, FAST_SINKHORN.id}


def test_topics_take_turns_and_a_paper_is_shown_once(state: State, source: FakeRetriever) -> None:
    state.subscriptions.add(HOME, HOME_CHANNEL, 5, "graph neural networks")
    state.subscriptions.add(HOME, HOME_CHANNEL + 1, 5, "Graph  Neural Networks")  # the same topic, searched once
    state.subscriptions.add(HOME, HOME_CHANNEL, 5, "sinkhorn")
    source.searches.clear()
    digest = digest_of(state, source, topic_limit=4)
    [topics] = digest.sections
    ids = [item.paper.id for item in topics.items]
    assert len(ids) == len(set(ids)) == 4
    # Graph, Sinkhorn, graph, Sinkhorn: each topic's nearest in turn.
    assert [pid.startswith("p-graph") for pid in ids] == [True, False, True, False]
    assert [text for text, _ in source.searches] == ["graph neural networks", "sinkhorn"]


def test_paused_topics_and_weak_searches_give_nothing(state: State, source: FakeRetriever) -> None:
    paused = state.subscriptions.add(HOME, HOME_CHANNEL, 5, "graph neural networks")
    state.subscriptions.set_paused(paused.id, True)
    state.subscriptions.add(HOME, HOME_CHANNEL, 5, "protein folding")  # nothing shares a word: weak
    # Following an author is no topic: the name is never searched.
    state.subscriptions.add(HOME, HOME_CHANNEL, 5, "Sinkhorn", kind=AUTHOR)
    assert digest_of(state, source).sections == ()
    assert [text for text, _ in source.searches] == ["protein folding"]


def test_trending_is_the_servers_own_week_without_the_topic_papers(state: State) -> None:
    # Upvoted papers trend everywhere; votes count only where they were cast.
    popular = [dated(p, 1, upvotes=50 - i) for i, p in enumerate(PAPERS)]
    source = FakeRetriever(tuple(popular))
    state.subscriptions.add(HOME, HOME_CHANNEL, 5, "graph neural networks")
    for user in range(5):
        state.ledger.record_vote(OTHER, 900, ATTENTION.id, user, NOW - timedelta(hours=2))
    home = digest_of(state, source)
    topics, trending = home.sections
    assert (topics.kind, trending.kind) == (TOPICS, TRENDING)
    assert not {i.paper.id for i in topics.items} & {i.paper.id for i in trending.items}
    assert len(home.paper_ids) == len(set(home.paper_ids)) <= 10
    assert ATTENTION.id not in home.paper_ids  # its votes were cast in the other server
    other = digest_of(state, source, OTHER)
    [other_trending] = other.sections
    assert other_trending.items[0].paper.id == ATTENTION.id
    assert "engagement 15 in this server" in other_trending.items[0].reason


def test_without_trending_signal_searches_stand_in_and_a_rotation_never_does(state: State, source: FakeRetriever) -> None:
    assert digest_of(state, source).sections == ()  # no topic, no signal, no search: nothing to send
    state.events.add(EngagementEvent(SEARCH, 5, HOME, (), "sinkhorn", at=(NOW - timedelta(days=1)).isoformat()))
    [near] = digest_of(state, source).sections
    assert near.kind == NEAR_SEARCHES and near.items[0].paper.id in {SINKHORN.id, FAST_SINKHORN.id}
    assert digest_of(state, source, OTHER).sections == ()


def test_a_stored_digest_comes_back_with_the_same_papers_and_reasons(state: State, source: FakeRetriever) -> None:
    state.subscriptions.add(HOME, HOME_CHANNEL, 5, "graph neural networks")
    state.events.add(EngagementEvent(SEARCH, 5, HOME, (), "sinkhorn", at=(NOW - timedelta(days=1)).isoformat()))
    digest = digest_of(state, source)
    again = digest_from_json(digest.to_json(), source)
    assert [s.kind for s in again.sections] == [s.kind for s in digest.sections]
    assert again.paper_ids == digest.paper_ids
    assert [c.reason for c in again.cards()] == [c.reason for c in digest.cards()]
    # A paper that left the corpus since is left out; an emptied section goes.
    fewer = FakeRetriever(tuple(p for p in PAPERS if not p.id.startswith("p-graph")))
    assert [s.kind for s in digest_from_json(digest.to_json(), fewer).sections] == [NEAR_SEARCHES]


def test_the_message_text_has_a_title_a_line_per_section_and_the_week_marker(state: State, source: FakeRetriever) -> None:
    state.subscriptions.add(HOME, HOME_CHANNEL, 5, "graph neural networks")
    state.events.add(EngagementEvent(SEARCH, 5, HOME, (), "sinkhorn", at=(NOW - timedelta(days=1)).isoformat()))
    digest = digest_of(state, source, topic_limit=3, trending_limit=1)
    title, topics, near, tag = digest_content(digest, date(2026, 11, 23), "2026-W48").split("\n")
    assert title == "**\N{NEWSPAPER} Weekly digest for the week to Monday 23 November 2026**"
    assert topics.startswith("**1\u20133** \u00b7 new this week on this server's subscription topics")
    assert near.startswith("**4** \u00b7 no trending signal this week")
    assert tag == marker("2026-W48")
    assert [c.rank for c in digest.cards()] == [1, 2, 3, 4]
