"""/trending, the persistent 👍 buttons of daily posts, and 👍/🔥 reactions counted for the post's papers."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.responder import Responder, guarded
from bot.state import StateStore
from bot.handlers import Retriever
from bot.trending import header
from bot.trending_post import COUNTED_EMOJI, VoteButton, gather_ranking, ranking_embeds

if TYPE_CHECKING:
    from datetime import datetime

    from bot.client import PaperScoutBot

log = logging.getLogger(__name__)

GUILD_ONLY = "Trending is counted per server: use /trending in a server channel."


class TrendingCog(commands.Cog):
    """Trending on demand, and the votes and reactions that feed it."""

    def __init__(self, bot: PaperScoutBot, state: StateStore, source: Callable[[], Retriever]) -> None:
        self.bot = bot
        self.state = state
        self.source = source

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.bot.clock

    @app_commands.command(name="trending")
    @app_commands.describe(days="How many days of activity to count (1-90, default 7)")
    @app_commands.guild_only()
    async def trending(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 90] = 7) -> None:
        """Show this server's trending papers now."""

        async def work(responder: Responder) -> None:
            if interaction.guild_id is None:
                raise UserFacingError(GUILD_ONLY)
            await responder.defer(ephemeral=False)
            now = self.clock()
            ranking = await asyncio.to_thread(
                gather_ranking, self.state, self.source(), interaction.guild_id, now, now.date(),
                days=days, avoid_recent_posts=False,
            )
            if not ranking.entries:
                await interaction.followup.send("There are no papers in my corpus yet.")
                return
            embeds = ranking_embeds(ranking)
            await interaction.followup.send(content=f"**{header(ranking, now.date())}**", embeds=embeds)

        await guarded(interaction, "/trending", work)

    async def _reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        """Store or forget a 👍/🔥 on one of our daily posts; other emoji and messages are ignored."""
        if payload.emoji.is_custom_emoji() or payload.emoji.name not in COUNTED_EMOJI:
            return
        me = self.bot.user
        if payload.guild_id is None or (me is not None and payload.user_id == me.id):
            return
        try:
            post = await asyncio.to_thread(self.state.post_for_message, payload.message_id)
            if post is None:
                return
            emoji = payload.emoji.name or ""
            if added:
                await asyncio.to_thread(
                    self.state.add_reaction, payload.guild_id, payload.message_id, payload.user_id, emoji, self.clock()
                )
            else:
                await asyncio.to_thread(self.state.remove_reaction, payload.message_id, payload.user_id, emoji)
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
    await bot.add_cog(TrendingCog(bot, bot.state, lambda: bot.handlers.retriever))
