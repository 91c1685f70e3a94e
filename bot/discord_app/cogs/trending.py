"""/trending, the persistent 👍 buttons of daily posts, and 👍/🔥 reactions counted for the post's papers."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.daily_post import gather_ranking
from bot.core.errors import UserFacingError
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.trending_cache import TrendingCache
from bot.core.trending_text import header
from bot.discord_app.responder import Responder
from bot.discord_app.trending_post import COUNTED_EMOJI, VoteButton, ranking_embeds
from bot.state.events import EventLog
from bot.state.ledger import PostLedger

if TYPE_CHECKING:
    from datetime import datetime

    from bot.discord_app.client import PaperScoutBot

log = logging.getLogger(__name__)

GUILD_ONLY = "Trending is counted per server: use /trending in a server channel."


class TrendingCog(commands.Cog):
    """Trending on demand, and the votes and reactions that feed it."""

    def __init__(
        self,
        bot: PaperScoutBot,
        ledger: PostLedger,
        events: EventLog,
        index: LiveIndex,
        limiter: SlidingWindowLimiter | None = None,
        cache: TrendingCache | None = None,
    ) -> None:
        self.bot = bot
        self.ledger = ledger
        self.events = events
        self.index = index
        # /trending answers publicly and may rank a server's whole window: it counts as a search
        # against the asker's limit, and a server's ranking is reused for a few minutes.
        self.limiter = limiter
        self.cache = cache or TrendingCache()

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.bot.clock

    @app_commands.command(name="trending")
    @app_commands.describe(days="How many days of activity to count (1-90, default 7)")
    @app_commands.guild_only()
    async def trending(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 90] = 7) -> None:
        """Show this server's trending papers now."""

        guild_id = interaction.guild_id
        if guild_id is None:
            raise UserFacingError(GUILD_ONLY)
        if self.limiter is not None:
            self.limiter.acquire(interaction.user.id)
        await Responder(interaction).defer(ephemeral=False)
        now = self.clock()
        source = self.index.current
        ranking = await self.cache.ranking(
            guild_id, days,
            lambda: gather_ranking(
                self.ledger, self.events, source, guild_id, now, now.date(), days=days, avoid_recent_posts=False
            ),
        )
        if not ranking.entries:
            await interaction.followup.send("There are no papers in my corpus yet.")
            return
        embeds = ranking_embeds(ranking)
        await interaction.followup.send(content=f"**{header(ranking, now.date())}**", embeds=embeds)

    async def _reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        """Store or forget a 👍/🔥 on one of our daily posts; other emoji and messages are ignored."""
        if payload.emoji.is_custom_emoji() or payload.emoji.name not in COUNTED_EMOJI:
            return
        me = self.bot.user
        if payload.guild_id is None or (me is not None and payload.user_id == me.id):
            return
        try:
            post = await asyncio.to_thread(self.ledger.for_message, payload.message_id)
            if post is None:
                return
            emoji = payload.emoji.name or ""
            if added:
                await asyncio.to_thread(
                    self.ledger.add_reaction, payload.guild_id, payload.message_id, payload.user_id, emoji, self.clock()
                )
            else:
                await asyncio.to_thread(self.ledger.remove_reaction, payload.message_id, payload.user_id, emoji)
        except Exception:
            log.exception("could not store a reaction on message %s", payload.message_id)

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Count a reaction on a daily post."""
        await self._reaction(payload, added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """Stop counting a reaction that was taken back."""
        await self._reaction(payload, added=False)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog and the persistent vote buttons when the bot has a state store."""
    if bot.state is None:
        log.info("no state store: /trending and votes are not available")
        return
    bot.add_dynamic_items(VoteButton)
    await bot.add_cog(TrendingCog(bot, bot.state.ledger, bot.state.events, bot.handlers.index, bot.handlers.limiter))
