"""Sending subscription matches: one message per destination, deliveries recorded only once sent.

`deliver` takes the output of `bot.core.subscriptions.match_subscriptions` and posts, for each
destination (a server channel or a subscriber's DMs), one message: a header naming each
topic (or followed author) and the numbers of its papers, then up to 10 paper cards, each
saying why it came, and under them a 👍/👎 pair per card (bot/discord_app/vote_buttons.py)
that teaches the topics what their readers like. Nothing pings anyone.

Failure policy, so that a success is never resent and a failure is retried next run:
- deliveries are recorded in the state store only after Discord accepted the message;
- a DM refused with 50007 ("Cannot send messages to this user": DMs closed, bot blocked,
  no shared server) pauses that user's subscriptions in the message; `/subscriptions` shows
  them as paused and `/subscribe` with the same topic resumes one;
- a channel that is gone or forbidden, or any other HTTP error, is logged and skipped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import discord

from bot.core import card_text
from bot.core.author_papers import authors_of
from bot.core.handlers import card_from_hit
from bot.core.learning import Learning
from bot.core.live_index import LiveIndex
from bot.core.paper_vectors import paper_vectors
from bot.core.replies import Card
from bot.core.subscriptions import DM, MAX_PAPERS_PER_MESSAGE, Match, match_subscriptions, why_sent
from bot.discord_app import embeds
from bot.discord_app.vote_buttons import feedback_view
from bot.state.subscriptions import AUTHOR, Subscriptions

log = logging.getLogger(__name__)

# Discord's error code for a DM the recipient does not accept.
CANNOT_DM = 50007
TOPIC_SHOWN_CHARS = 120


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did."""

    messages: int = 0
    papers: int = 0
    paused: int = 0
    failures: int = 0


def numbered_cards(match: Match) -> tuple[list[Card], dict[str, int]]:
    """Return the cards of a match numbered 1..n in topic order, each saying why it came, and each paper's number."""
    shown: list[Card] = []
    numbers: dict[str, int] = {}
    for topic in match.topics:
        for hit in topic.hits:
            if hit.paper.id in numbers:
                continue
            numbers[hit.paper.id] = len(shown) + 1
            shown.append(dataclasses.replace(card_from_hit(hit), rank=len(shown) + 1, reason=why_sent(topic, hit)))
    return shown, numbers


def header_text(match: Match, numbers: dict[str, int]) -> str:
    """Return the message content: who it is for and, per topic, the numbers of its papers."""
    if match.destination.kind == DM:
        lines = ["**New papers for your PaperScout subscriptions**"]
    else:
        lines = ["**New papers for this channel's PaperScout subscriptions**"]
    for topic in match.topics:
        nums = sorted(numbers[pid] for pid in topic.paper_ids if pid in numbers)
        if not nums:
            continue
        label = "paper" if len(nums) == 1 else "papers"
        shown_topic = embeds.fit(" ".join(topic.subscription.topic.split()), TOPIC_SHOWN_CHARS)
        by = "by " if topic.subscription.kind == AUTHOR else ""
        lines.append(f"\u2022 {by}\u201c{shown_topic}\u201d \u2014 {label} {', '.join(str(n) for n in nums)}")
    if match.destination.kind == DM:
        lines.append("*\N{THUMBS UP SIGN}/\N{THUMBS DOWN SIGN} teach your topics what you like. Stop with /unsubscribe; see all with /subscriptions.*")
    else:
        lines.append("*\N{THUMBS UP SIGN}/\N{THUMBS DOWN SIGN} teach this channel's topics what its readers like.*")
    return card_text.cut("\n".join(lines), embeds.CONTENT_LIMIT)


async def _messageable(client: discord.Client, match: Match) -> discord.abc.Messageable:
    """Return the channel or DM channel to send into (raises discord.HTTPException on failure)."""
    destination = match.destination
    if destination.kind == DM:
        user = client.get_user(destination.id) or await client.fetch_user(destination.id)
        return user.dm_channel or await user.create_dm()
    channel = client.get_channel(destination.id)
    if channel is None:
        channel = await client.fetch_channel(destination.id)
    if not isinstance(channel, discord.abc.Messageable):
        raise TypeError(f"channel {destination.id} cannot hold messages")
    return channel


async def _pause(store: Subscriptions, match: Match) -> int:
    for sub_id in match.subscription_ids:
        await asyncio.to_thread(store.set_paused, sub_id, True)
    return len(match.subscription_ids)


async def _record(store: Subscriptions, match: Match, now: datetime) -> None:
    for topic in match.topics:
        if topic.paper_ids:
            await asyncio.to_thread(store.record_deliveries, topic.subscription.id, list(topic.paper_ids), now)


async def deliver(client: discord.Client, store: Subscriptions, matches: Sequence[Match], now: datetime) -> DeliveryReport:
    """Send each destination its papers in one message; record, pause or skip as the policy says."""
    messages = papers = paused = failures = 0
    for match in matches:
        shown, numbers = numbered_cards(match)
        if not shown:
            continue
        destination = match.destination
        where = f"{destination.kind} {destination.id}"
        try:
            target = await _messageable(client, match)
            await target.send(
                content=header_text(match, numbers),
                embeds=embeds.result_embeds(tuple(shown)),
                view=feedback_view([card.paper.id for card in shown]),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.Forbidden as exc:
            if destination.kind == DM and exc.code == CANNOT_DM:
                paused += await _pause(store, match)
                log.info(
                    "user %s does not accept DMs: paused their subscriptions %s",
                    destination.id,
                    list(match.subscription_ids),
                )
            else:
                failures += 1
                log.warning("not allowed to send subscription papers to %s (%s %s)", where, exc.status, exc.code)
            continue
        except discord.NotFound as exc:
            failures += 1
            log.warning("cannot send subscription papers to %s: it is gone (%s %s)", where, exc.status, exc.code)
            continue
        except discord.HTTPException as exc:
            failures += 1
            log.warning(
                "sending subscription papers to %s failed (%s %s); they stay due for the next run",
                where, exc.status, exc.code,
            )
            continue
        except Exception:
            failures += 1
            log.exception("sending subscription papers to %s failed", where)
            continue
        messages += 1
        papers += len(shown)
        try:
            await _record(store, match, now)
        except Exception:
            # The message went out; at worst these papers are sent again next run.
            log.exception("sent subscription papers to %s but could not record them", where)
    if messages or paused or failures:
        log.info(
            "subscriptions: %d messages, %d papers, %d paused, %d failures", messages, papers, paused, failures
        )
    return DeliveryReport(messages=messages, papers=papers, paused=paused, failures=failures)


def match_served(store: Subscriptions, retriever, *, per_message: int = MAX_PAPERS_PER_MESSAGE) -> list[Match]:
    """Match every subscription against the papers a retriever serves, learning from votes where it has vectors."""
    vectors = paper_vectors(retriever)
    return match_subscriptions(
        retriever.search, store.list(), retriever.papers, store.delivered, per_message=per_message,
        learning=Learning(store.votes.tally, vectors) if vectors is not None else None,
        # The served index's author index, built once per index and shared with /author.
        by_author=lambda name: authors_of(retriever).papers_by(name)[1],
    )


async def deliver_new_papers(client: discord.Client, store: Subscriptions, index: LiveIndex, now: datetime) -> DeliveryReport:
    """Match every subscription against the corpus being served, then send what matched."""
    # Matching encodes each topic and reads the state: keep it off the event loop.
    matches = await asyncio.to_thread(match_served, store, index.current)
    return await deliver(client, store, matches, now)
