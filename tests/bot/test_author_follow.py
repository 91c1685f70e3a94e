"""Following an author without Discord: the name checks and which new papers a follow gets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bot.core.author_follow import clean_author, find_same_follow, same_name
from bot.core.errors import UserFacingError
from bot.core.learning import Profile, author_reason, topic_reason
from bot.core.subscriptions import DM, Destination, Match, TopicMatch, find_same_topic, match_subscriptions, why_sent
from bot.discord_app.embeds import result_embeds
from bot.discord_app.subscription_delivery import header_text, numbered_cards
from bot.state import Subscription
from bot.state.subscriptions import AUTHOR, TOPIC
from corpus.paper import Paper
from retrieval.types import Hit
from tests.bot.fakes import FAST_SINKHORN, IMPLICIT, SINKHORN, FakeRetriever, make_paper
from tests.hostile_markup import EVIL_AUTHOR, HOSTILE, message_markup

CREATED = "2025-02-01T00:00:00+00:00"
NEW = "2025-03-01T00:00:00+00:00"


def fresh(paper: Paper, *, authors: tuple[str, ...] | None = None, published: str | None = None) -> Paper:
    changes: dict = {"ingested_at": NEW}
    if authors is not None:
        changes["authors"] = authors
    if published is not None:
        changes["published"] = published
    return dataclasses.replace(paper, **changes)


def follow(sid: int, name: str, *, user: int = 7, guild: int | None = None, channel: int | None = None) -> Subscription:
    return Subscription(sid, guild, channel, user, name, False, CREATED, AUTHOR)


def nothing(sub_id: int) -> set[str]:
    return set()


def test_names_are_cleaned_and_checked() -> None:
    assert clean_author("  Marco\n  Cuturi\u200b ") == "Marco Cuturi"
    for bad, says in (("?!", "author's name"), ("x" * 201, "too long")):
        with pytest.raises(UserFacingError) as caught:
            clean_author(bad)
        assert says in caught.value.message


def test_the_same_name_is_followed_once_whatever_its_case_and_accents() -> None:
    assert same_name("Marco  Cuturi", "marco cuturi") and same_name("Gabriel Peyré", "gabriel peyre")
    assert not same_name("Marco Cuturi", "M. Cuturi")  # an initial may be another person: two follows
    subs = [Subscription(1, None, None, 7, "Marco Cuturi", False, CREATED, TOPIC), follow(2, "Marco Cuturi")]
    assert find_same_follow(subs, "MARCO CUTURI") == subs[1]
    # A topic and a follow with the same words are different subscriptions.
    assert find_same_topic(subs, "marco cuturi") == subs[0]
    assert find_same_topic(subs[1:], "marco cuturi") is None


def test_a_follow_gets_the_authors_new_papers_newest_first_once_each() -> None:
    older = fresh(SINKHORN, authors=("Marco Cuturi",), published="2025-01-10")
    newer = fresh(FAST_SINKHORN, authors=("M. Cuturi", "Someone Else"), published="2025-02-20")
    unrelated = fresh(IMPLICIT)  # Blondel and Berthet
    before = dataclasses.replace(fresh(make_paper("p-old", "Old", "We did it before."), authors=("Marco Cuturi",)),
                                 ingested_at="2025-01-01T00:00:00+00:00")
    papers = [older, newer, unrelated, before]
    retriever = FakeRetriever(tuple(papers))
    (match,) = match_subscriptions(retriever.search, [follow(1, "Marco Cuturi")], papers, nothing)
    (topic,) = match.topics
    assert match.destination == Destination(DM, 7)
    # "M. Cuturi" may be Marco Cuturi (corpus/authors.py's rule); the paper from before the follow is not new.
    assert [h.paper.id for h in topic.hits] == [newer.id, older.id] and topic.paper_ids == (newer.id, older.id)
    assert why_sent(topic, topic.hits[0]) == "a new paper by Marco Cuturi, whom you follow"
    assert retriever.searches == []  # a follow searches nothing
    assert match_subscriptions(retriever.search, [follow(1, "Marco Cuturi")], papers, lambda s: {newer.id, older.id}) == []


def test_follows_and_topics_share_one_message_per_destination() -> None:
    by_blondel = fresh(IMPLICIT)
    on_topic = fresh(SINKHORN)
    papers = [by_blondel, on_topic, fresh(FAST_SINKHORN)]
    retriever = FakeRetriever(tuple(papers))
    subs = [
        Subscription(1, 100, 200, 7, "sinkhorn optimal transport", False, CREATED, TOPIC),
        follow(2, "Mathieu Blondel", guild=100, channel=200),
        follow(3, "Nobody Known"),
    ]
    (match,) = match_subscriptions(retriever.search, subs, papers, nothing, threshold=0.6)
    assert [(t.subscription.id, [h.paper.id for h in t.hits]) for t in match.topics] == [
        (1, ["p-sinkhorn", "p-fast-sinkhorn"]), (2, ["p-implicit"])
    ]
    assert why_sent(match.topics[1], match.topics[1].hits[0]) == "a new paper by Mathieu Blondel, followed here"
    reason = why_sent(match.topics[0], match.topics[0].hits[0])
    assert reason.startswith("close to this channel's topic \u201csinkhorn optimal transport\u201d (similarity ")


def test_a_paused_follow_gets_nothing() -> None:
    paper = fresh(IMPLICIT)
    paused = dataclasses.replace(follow(1, "Mathieu Blondel"), paused=True)
    assert match_subscriptions(FakeRetriever((paper,)).search, [paused], [paper], nothing) == []


def test_hostile_topics_and_names_stay_text_in_a_delivery() -> None:
    hostile_topic = "sinkhorn " + HOSTILE
    hostile_name = "Mathieu Blondel " + EVIL_AUTHOR
    paper, theirs = fresh(SINKHORN), fresh(IMPLICIT)
    hits = (Hit(paper, 1, 1.0, 1, 1.0, ("sinkhorn",), 0.61, paper.clean_abstract),)
    their_hits = (Hit(theirs, 1, 0.0, None, 0.0, (), 0.0, theirs.clean_abstract),)
    topic = Subscription(1, None, None, 7, hostile_topic, False, CREATED, TOPIC)
    followed = follow(2, hostile_name)
    learned = Profile(np.ones(2, dtype=np.float32), np.ones(2, dtype=np.float32), liked=2, disliked=1)
    match = Match(Destination(DM, 7), (
        TopicMatch(topic, hits, (paper.id,), topic_reason(topic, learned)),
        TopicMatch(followed, their_hits, (theirs.id,), author_reason(followed)),
    ))
    shown, numbers = numbered_cards(match)
    assert "and to 2 papers you liked" in shown[0].why and "[x](http://evil)" in shown[1].why
    assert "by \u201cMathieu Blondel" in header_text(match, numbers)
    assert message_markup(header_text(match, numbers), result_embeds(tuple(shown))) == []
