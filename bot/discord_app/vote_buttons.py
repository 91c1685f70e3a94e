"""The 👍/👎 under each card a subscription delivered: persistent buttons whose votes teach the topic.

Each button's custom id holds the vote and the paper ("ps:sv:up:PAPER"); the client registers
the class at start-up, so a click works after any restart and no view waits in memory. Who
counts is decided at the click from the state, not from the button: the subscriptions that
sent this paper to where the click happened (bot/state/subscriptions.py `sent_here`). In DMs
that is the reader's own; in a channel, any member who sees the channel reads it. Each
member has one vote per paper and subscription, and may change it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

import discord

from bot.core.ratelimit import CLICK
from bot.discord_app import embeds
from bot.discord_app.responder import Responder, report_failure
from bot.discord_app.views import requester_of
from bot.state.feedback import CHANGED, DISLIKE, LIKE, SAME
from bot.state.subscriptions import TOPIC, Subscription, Subscriptions

log = logging.getLogger(__name__)

VOTE_PREFIX = "ps:sv:"
_VOTES = {"up": LIKE, "down": DISLIKE}
_EMOJI = {LIKE: "\N{THUMBS UP SIGN}", DISLIKE: "\N{THUMBS DOWN SIGN}"}
_PAPER_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
# Two cards' pairs per row: ten cards fill Discord's five rows.
CARDS_PER_ROW = 2
NOT_COUNTED = "Votes are not being counted right now."
GONE = "This paper's subscription is gone from here, so there is nothing for this vote to teach."
TOPICS_SHOWN = 3


@dataclass(frozen=True)
class Where:
    """Who clicked, and where: a DM (guild_id None) or a server channel."""

    user_id: int
    guild_id: int | None
    channel_id: int | None


def custom_id(vote: int, paper_id: str) -> str:
    """Return a vote button's custom id."""
    return f"{VOTE_PREFIX}{'up' if vote == LIKE else 'down'}:{paper_id}"


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"ps:sv:(?P<vote>up|down):(?P<paper>[A-Za-z0-9_-]{1,80})"
):
    """👍 or 👎 on one delivered card, numbered like the card."""

    def __init__(self, vote: int, paper_id: str, number: int | None = None) -> None:
        row = (number - 1) // CARDS_PER_ROW if number is not None and number > 0 else None
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji=_EMOJI[vote],
                label=str(number) if number is not None else None,
                custom_id=custom_id(vote, paper_id),
                row=row,
            )
        )
        self.vote = vote
        self.paper_id = paper_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> FeedbackButton:
        """Rebuild the button of any past delivery from its custom id."""
        return cls(_VOTES[match["vote"]], match["paper"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Record the vote for the subscriptions that sent this paper here; tell the voter privately."""
        try:
            state = getattr(interaction.client, "state", None)
            if state is None:
                await Responder(interaction).send_text(NOT_COUNTED)
                return
            handlers = getattr(interaction.client, "handlers", None)
            if handlers is not None:
                # A vote writes to the state: counted (lightly) like any other click.
                handlers.admit(requester_of(interaction), CLICK)
            clock: Callable[[], datetime] = getattr(interaction.client, "clock")
            where = Where(interaction.user.id, interaction.guild_id, interaction.channel_id)
            text = await asyncio.to_thread(self._record, state.subscriptions, where, clock())
            await Responder(interaction).send_text(text)
        except Exception as exc:
            # discord.py only logs what a dynamic item raises; the user would see "interaction failed".
            await report_failure(interaction, exc, f"subscription vote {self.custom_id}")

    def _record(self, store: Subscriptions, where: Where, at: datetime) -> str:
        subs = store.sent_here(self.paper_id, guild_id=where.guild_id, channel_id=where.channel_id, user_id=where.user_id)
        if not subs:
            return GONE
        ids = [s.id for s in subs]
        outcome = store.votes.record(ids, self.paper_id, where.user_id, where.guild_id, self.vote, at)
        log.info("user %s voted %+d on paper %s for subscriptions %s", where.user_id, self.vote, self.paper_id, ids)
        return vote_answer(outcome, self.vote, subs)


def _topics(subs: Sequence[Subscription]) -> str:
    names = [f"\u201c{embeds.fit(' '.join(s.topic.split()), 80)}\u201d" for s in subs[:TOPICS_SHOWN]]
    more = len(subs) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def vote_answer(outcome: str, vote: int, subs: Sequence[Subscription]) -> str:
    """Return the voter's one-line answer: counted, changed or already given, and what it teaches."""
    emoji = _EMOJI[vote]
    if outcome == SAME:
        return f"You already gave this paper a {emoji}."
    lead = f"Changed to {emoji}." if outcome == CHANGED else f"Thanks, your {emoji} is counted."
    topics = [s for s in subs if s.kind == TOPIC]
    if not topics:
        # Followed authors send every new paper of theirs: there is nothing to learn.
        return lead
    toward = "toward" if vote == LIKE else "away from"
    return f"{lead} {_topics(topics)} will lean {toward} papers like this one."


def feedback_view(paper_ids: Sequence[str]) -> discord.ui.View:
    """Return the 👍/👎 pairs for cards 1..n (a paper id too long for a custom id gets none)."""
    view = discord.ui.View(timeout=None)
    for number, paper_id in enumerate(paper_ids, start=1):
        if _PAPER_ID.fullmatch(paper_id):
            view.add_item(FeedbackButton(LIKE, paper_id, number))
            view.add_item(FeedbackButton(DISLIKE, paper_id, number))
    # Sent stopped, as the result controls are (bot/discord_app/views.py): clicks go to the class
    # registered at start-up, and no view per delivered message is kept in memory.
    view.stop()
    return view
