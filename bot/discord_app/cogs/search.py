"""/find: ranked paper cards with paging and per-card menus."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.conversation import Place, Talk
from bot.core.handlers import DEFAULT_COUNT, MAX_COUNT, Handlers, find_filters
from bot.discord_app.responder import Responder
from bot.discord_app.views import VIEW_TIMEOUT, ResultsView, requester_of

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

# Retrieval searches the first 500 characters and says so; more is never useful.
QUERY_MAX = 1000


class SearchCog(commands.Cog):
    """Search the corpus."""

    def __init__(self, handlers: Handlers, talk: Talk, view_timeout: float = VIEW_TIMEOUT) -> None:
        self.handlers = handlers
        self.talk = talk
        self.view_timeout = view_timeout

    @app_commands.command(name="find")
    @app_commands.describe(
        query="A topic or a question, e.g. implicit differentiation",
        count="How many papers per page (1-10, default 5)",
        private="Show the results only to you",
        since="Only papers published since: a year (2025), a month (2025-03), a day, or a span (30d, 12w)",
        has_code="Only papers with a code link",
    )
    async def find(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, QUERY_MAX],
        count: app_commands.Range[int, 1, MAX_COUNT] = DEFAULT_COUNT,
        private: bool = False,
        since: app_commands.Range[str, 1, 20] | None = None,
        has_code: bool = False,
    ) -> None:
        """Find papers on a topic or question."""
        who = requester_of(interaction)
        responder = Responder(interaction)
        today = datetime.now(timezone.utc).date()
        filters = find_filters(since, has_code, today)
        reply = await self.handlers.find(
            who, query, count, filters=filters, before_search=lambda: responder.defer(ephemeral=private)
        )
        view = ResultsView(self.handlers, reply, who, timeout=self.view_timeout) if reply.cards else None
        await responder.send(reply, view=view, ephemeral=private)
        if view is not None:
            view.message_editor = interaction.edit_original_response
        if reply.cards and not private and interaction.channel_id is not None:
            # Replying to the results continues from them, like a mention's answer.
            where = Place(who.user_id, who.guild_id, interaction.channel_id)
            ids = [card.paper.id for card in reply.cards]
            conversation_id = await self.talk.remember(where, reply.query or query, filters, ids, reply.page_size)
            sent = await interaction.original_response()
            await self.talk.attach(sent.id, conversation_id)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    await bot.add_cog(SearchCog(bot.handlers, bot.talk, bot.view_timeout))
