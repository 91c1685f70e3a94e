"""Sending the daily trending post once per server and local day, and its persistent 👍 vote buttons.

When a post is due and what goes in it is decided in bot/core/daily_post.py.

Sending a message cannot be made atomic with the ledger, so a post goes through three steps:
record the intent ("pending", with a nonce), send with that nonce (discord.py sets
`enforce_nonce`, so Discord returns the first message for a repeated nonce for a few
minutes), then mark it "sent". A "pending" entry found later means we crashed between
the steps: the channel's recent history is searched for our post of that day before
anything is sent again. What remains: a crash after Discord accepted the message, a
restart after the nonce window, and the post no longer among the channel's last
`own_posts.HISTORY_LIMIT` messages (or the history unreadable) would post a second time.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Sequence

import discord

from bot.core.daily_post import FINAL, POST_LIMIT, due_day, gather_ranking, post_nonce, ranking_of
from bot.core.live_index import LiveIndex
from bot.core.trending import TrendingRanking
from bot.core.trending_text import footer, header, marker, trending_cards
from bot.discord_app.embeds import result_embeds
from bot.discord_app.own_posts import messageable, own_message
from bot.state.events import EventLog
from bot.state.ledger import PostLedger
from bot.state.server_settings import MAX_POST_SIZE, GuildSettings

log = logging.getLogger(__name__)

VOTE_PREFIX = "ps:vote:"
COUNTED_EMOJI = ("\N{THUMBS UP SIGN}", "\N{FIRE}")


@dataclass(frozen=True)
class PostMessage:
    """The trending post as Discord parts: content (header + marker), card embeds, vote buttons."""

    content: str
    embeds: tuple[discord.Embed, ...]
    paper_ids: tuple[str, ...]


def ranking_embeds(ranking: TrendingRanking, limit: int = POST_LIMIT) -> list[discord.Embed]:
    """Return the cards of a ranking as embeds, the ranking rule in the last one's footer."""
    rule = footer(ranking)[:2048]
    # The rule's characters count towards the message's 6000 too: keep room for them.
    embeds = result_embeds(trending_cards(ranking)[:limit], reserve=len(rule))
    if embeds:
        embeds[-1].set_footer(text=rule)
    return embeds


def build_post(ranking: TrendingRanking, local_day: date) -> PostMessage:
    """Return the post of a ranking: header line, a card per entry, the rule in the last card's footer.

    The ranking already has the server's size (or, resent after a restart, the size it was
    recorded with); at most 10 cards, Discord's limit of embeds per message.
    """
    content = f"**{header(ranking, local_day)}**\n{marker(local_day.isoformat())}"
    ids = tuple(entry.paper.id for entry in ranking.entries[:MAX_POST_SIZE])
    return PostMessage(content, tuple(ranking_embeds(ranking, len(ids))), ids)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ps:vote:(?P<paper>[A-Za-z0-9_-]{1,80})"):
    """The 👍 under a trending card: persistent (rebuilt from its custom id after a restart), one vote per user."""

    def __init__(self, paper_id: str, number: int | None = None) -> None:
        label = f"{number}" if number is not None else None
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="\N{THUMBS UP SIGN}",
                label=label,
                custom_id=f"{VOTE_PREFIX}{paper_id}",
            )
        )
        self.paper_id = paper_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> VoteButton:
        """Rebuild the button of any past post from its custom id."""
        return cls(match["paper"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Record the vote and thank the voter privately."""
        client = interaction.client
        ledger: PostLedger | None = getattr(client, "ledger", None)
        message = interaction.message
        if ledger is None or message is None:
            await interaction.response.send_message("Votes are not being counted right now.", ephemeral=True)
            return
        clock: Callable[[], datetime] = getattr(client, "clock")
        try:
            post = await asyncio.to_thread(ledger.for_message, message.id)
            if post is None or self.paper_id not in post.paper_ids:
                text = "This vote button is no longer active."
            else:
                counted = await asyncio.to_thread(
                    ledger.record_vote, interaction.guild_id, message.id, self.paper_id, interaction.user.id, clock()
                )
                text = "Thanks, your \N{THUMBS UP SIGN} is counted." if counted else "You already voted for this paper."
        except Exception:
            log.exception("could not record a vote on message %s", message.id)
            text = "Sorry, I could not record that vote. Please try again later."
        await interaction.response.send_message(text, ephemeral=True)


def vote_view(paper_ids: Sequence[str]) -> discord.ui.View:
    """Return the row of 👍 buttons, numbered like the cards; timeout None so it is persistent."""
    view = discord.ui.View(timeout=None)
    for number, paper_id in enumerate(paper_ids, start=1):
        view.add_item(VoteButton(paper_id, number))
    return view


class TrendingPoster:
    """Sends each server's daily post through the ledger; one instance per bot."""

    def __init__(self, client: discord.Client, ledger: PostLedger, events: EventLog, index: LiveIndex) -> None:
        self.client = client
        self.ledger = ledger
        self.events = events
        self.index = index

    def pending_day(self, settings: GuildSettings, now: datetime) -> str | None:
        """Return the local day to post for if the time has come and that day is not settled yet."""
        day = due_day(settings, now)
        if day is None:
            return None
        record = self.ledger.get(settings.guild_id, day)
        return None if record is not None and record.status in FINAL else day

    async def post(self, settings: GuildSettings, now: datetime) -> str:
        """Post for the server if due; return what happened: "sent", "recovered", "skipped", "failed", "retry" or "not-due"."""
        day = due_day(settings, now)
        if day is None or settings.channel_id is None:
            return "not-due"
        guild_id, channel_id = settings.guild_id, settings.channel_id
        record = await asyncio.to_thread(self.ledger.get, guild_id, day)
        if record is not None and record.status in FINAL:
            return "not-due"
        channel = await messageable(self.client, channel_id)
        if channel is None:
            log.warning("guild %s: trending channel %s is gone or hidden; no post for %s", guild_id, channel_id, day)
            await asyncio.to_thread(self._settle, guild_id, day, channel_id, "failed")
            return "failed"
        source = self.index.current
        if record is not None:
            found = await own_message(self.client, channel, record.nonce, marker(record.local_date), "post")
            if found is not None:
                await asyncio.to_thread(self.ledger.mark, guild_id, day, "sent", found.id)
                log.info("guild %s: found the %s post already sent (message %s) after a restart", guild_id, day, found.id)
                return "recovered"
            ranking = ranking_of(record, source)
        else:
            local_day = date.fromisoformat(day)
            ranking = await asyncio.to_thread(
                gather_ranking, self.ledger, self.events, source, guild_id, now, local_day, limit=settings.post_size
            )
            if not ranking.entries:
                log.info("guild %s: nothing qualifies for the %s trending post (corpus empty or all posted recently); skipping the day", guild_id, day)
                await asyncio.to_thread(self._settle, guild_id, day, channel_id, "skipped")
                return "skipped"
            ids = tuple(entry.paper.id for entry in ranking.entries[:MAX_POST_SIZE])
            record = await asyncio.to_thread(
                self.ledger.record_intent, guild_id, day, channel_id, post_nonce(guild_id, day), ids, ranking.mode
            )
        if not ranking.entries:
            log.info("guild %s: the papers of the pending %s post are gone; skipping the day", guild_id, day)
            await asyncio.to_thread(self.ledger.mark, guild_id, day, "skipped")
            return "skipped"
        message = build_post(ranking, date.fromisoformat(day))
        try:
            sent = await channel.send(
                content=message.content, embeds=list(message.embeds), view=vote_view(message.paper_ids), nonce=record.nonce
            )
        except discord.Forbidden as exc:
            log.warning("guild %s: not allowed to post in channel %s (%s); no post for %s", guild_id, channel_id, exc.text, day)
            await asyncio.to_thread(self.ledger.mark, guild_id, day, "failed")
            return "failed"
        except (discord.HTTPException, OSError, asyncio.TimeoutError) as exc:
            # Left "pending": the next tick checks the history, then resends with the same nonce.
            log.warning("guild %s: sending the %s post failed (%s); will retry", guild_id, day, exc)
            return "retry"
        await asyncio.to_thread(self.ledger.mark, guild_id, day, "sent", sent.id)
        log.info("guild %s: posted %d trending papers (%s) for %s", guild_id, len(message.paper_ids), ranking.mode, day)
        return "sent"

    def _settle(self, guild_id: int, day: str, channel_id: int, status: str) -> None:
        """Record a day without a post, so it is not attempted again."""
        if self.ledger.get(guild_id, day) is None:
            self.ledger.record_intent(guild_id, day, channel_id, post_nonce(guild_id, day), (), status=status)
        else:
            self.ledger.mark(guild_id, day, status)
