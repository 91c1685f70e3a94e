"""/find: ranked paper cards with paging and per-card menus."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.conversation import Place, Talk
from bot.core.handlers import DEFAULT_COUNT, MAX_COUNT, Handlers, find_filters
from bot.core.result_pages import ResultPages
from bot.core.server_prefs import results_private
from bot.discord_app.responder import Responder
from bot.discord_app.views import requester_of, results_view
from bot.state.server_settings import ServerSettings

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

log = logging.getLogger(__name__)

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

    async def _private(self, guild_id: int | None, asked: bool | None) -> bool:
        """Return whether to answer only the searcher: their choice, else the server's default."""
        if asked is not None or guild_id is None or self.servers is None:
            return results_private(None, asked)
        try:
            settings = await asyncio.to_thread(self.servers.get, guild_id)
        except Exception:
            # Unknown default: showing results only to the searcher cannot expose what a server keeps private.
            log.exception("could not read the result privacy of guild %s; answering privately", guild_id)
            return True
        return results_private(settings, asked)

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
        ephemeral = await self._private(interaction.guild_id, private)
        today = datetime.now(timezone.utc).date()
        filters = find_filters(since, has_code, today)
        reply = await self.handlers.find(
            who, query, count, filters=filters, before_search=lambda: responder.defer(ephemeral=ephemeral),
            private=ephemeral,
        )
        view = await results_view(self.pages, reply, who)
        conversation_id = None
        if reply.cards and not ephemeral and interaction.channel_id is not None:
            # Replying to the results continues from them, like a mention's answer. Kept before
            # the results are sent, so a reply that comes at once finds them (as the latest state
            # no message shows yet, until the message id is attached below).
            where = Place(who.user_id, who.guild_id, interaction.channel_id)
            ids = [card.paper.id for card in reply.cards]
            try:
                conversation_id = await self.talk.remember(where, reply.query or query, filters, ids, reply.page_size)
            except Exception:
                # A locked or failing state file costs only the reply-to-refine, never the answer.
                log.exception("could not keep /find's results of user %s as a conversation", who.user_id)
        await responder.send(reply, view=view, ephemeral=ephemeral)
        if conversation_id is not None:
            sent = await interaction.original_response()
            await self.talk.attach(sent.id, conversation_id)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    servers = bot.state.servers if bot.state is not None else None
    await bot.add_cog(SearchCog(bot.handlers, bot.talk, bot.result_pages, servers))
