"""/author: one person's papers, newest first, as paged cards like /find; names autocomplete."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.author_papers import author_choices, authors_of, by_author
from bot.core.conversation import Talk
from bot.core.handlers import DEFAULT_COUNT, MAX_COUNT, Handlers
from bot.core.result_pages import ResultPages
from bot.core.title_completion import TitleCompletions
from bot.discord_app.autocomplete import never_fails, warm_up
from bot.discord_app.card_lists import answer_privately, send_card_list
from bot.discord_app.responder import Responder
from bot.discord_app.views import requester_of
from bot.state.server_settings import ServerSettings
from corpus.authors import MAX_NAME

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot


class AuthorsCog(commands.Cog):
    """Papers by author."""

    def __init__(
        self,
        handlers: Handlers,
        talk: Talk,
        pages: ResultPages | None = None,
        servers: ServerSettings | None = None,
        completions: TitleCompletions | None = None,
    ) -> None:
        self.handlers = handlers
        self.talk = talk
        self.pages = pages
        self.servers = servers
        self._warming: asyncio.Future | None = None
        # Suggestions on each keystroke, kept a minute and limited per member, as titles are.
        self.completions = completions or TitleCompletions(
            lambda typed: author_choices(handlers.index, typed), lambda: handlers.index.generation
        )

    async def cog_load(self) -> None:
        """Start building the served papers' author index, so the first suggestions need not wait for it."""
        # Seconds at tens of thousands of papers.
        self._warming = warm_up(lambda: authors_of(self.handlers.index.current), "author index")

    @app_commands.command(name="author")
    @app_commands.describe(
        name="Start typing a name and pick one, e.g. Marco Cuturi",
        count="How many papers per page (1-10, default 5)",
        private="Show the list only to you (default: this server's choice, public unless set)",
    )
    async def author(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, MAX_NAME],
        count: app_commands.Range[int, 1, MAX_COUNT] = DEFAULT_COUNT,
        private: bool | None = None,
    ) -> None:
        """List one author's papers, newest first."""
        who = requester_of(interaction)
        responder = Responder(interaction)
        ephemeral = await answer_privately(self.servers, interaction.guild_id, private)
        filters = by_author(name)
        reply = await self.handlers.find(
            who, "", count, filters=filters, before_search=lambda: responder.defer(ephemeral=ephemeral),
            private=ephemeral,
        )
        await send_card_list(interaction, responder, self.talk, self.pages, who, reply, name, filters, ephemeral)

    @author.autocomplete("name")
    @never_fails
    async def author_name(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest known names as the user types, most papers first."""
        pairs = await self.completions.choices(interaction.user.id, current)
        return [app_commands.Choice(name=label, value=value) for label, value in pairs]


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    servers = bot.state.servers if bot.state is not None else None
    await bot.add_cog(AuthorsCog(bot.handlers, bot.talk, bot.result_pages, servers))
