"""/find: ranked paper cards with paging and per-card menus."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.author_papers import with_author
from bot.core.conversation import Talk
from bot.core.handlers import DEFAULT_COUNT, MAX_COUNT, Handlers, find_filters
from bot.core.result_pages import ResultPages
from bot.discord_app.card_lists import answer_privately, send_card_list
from bot.discord_app.responder import Responder
from bot.discord_app.views import requester_of
from bot.state.server_settings import ServerSettings

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

# Retrieval searches the first 500 characters and says so; more is never useful.
QUERY_MAX = 1000


class SearchCog(commands.Cog):
    """Search the corpus."""

    def __init__(
        self, handlers: Handlers, talk: Talk, pages: ResultPages | None = None, servers: ServerSettings | None = None
    ) -> None:
        self.handlers = handlers
        self.talk = talk
        # Where results of several pages are kept for their ◀/▶ buttons; None: no paging buttons.
        self.pages = pages
        # Where a server's default privacy of results is kept; None (no state store): public.
        self.servers = servers

    @app_commands.command(name="find")
    @app_commands.describe(
        query="A topic or a question, e.g. implicit differentiation",
        count="How many papers per page (1-10, default 5)",
        private="Show the results only to you (default: this server's choice, public unless set)",
        since="Only papers published since: a year (2025), a month (2025-03), a day, or a span (30d, 12w)",
        has_code="Only papers with a code link",
    )
    async def find(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, QUERY_MAX],
        count: app_commands.Range[int, 1, MAX_COUNT] = DEFAULT_COUNT,
        private: bool | None = None,
        since: app_commands.Range[str, 1, 20] | None = None,
        has_code: bool = False,
    ) -> None:
        """Find papers on a topic or question."""
        who = requester_of(interaction)
        responder = Responder(interaction)
        ephemeral = await answer_privately(self.servers, interaction.guild_id, private)
        today = datetime.now(timezone.utc).date()
        query, filters = with_author(query, find_filters(since, has_code, today))  # author:"Name" in the query
        reply = await self.handlers.find(
            who, query, count, filters=filters, before_search=lambda: responder.defer(ephemeral=ephemeral),
            private=ephemeral,
        )
        await send_card_list(interaction, responder, self.talk, self.pages, who, reply, query, filters, ephemeral)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    servers = bot.state.servers if bot.state is not None else None
    await bot.add_cog(SearchCog(bot.handlers, bot.talk, bot.result_pages, servers))
