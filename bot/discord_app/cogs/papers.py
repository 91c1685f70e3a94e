"""/paper and /similar: one paper in full, or its nearest neighbours; both autocomplete titles.

A typed title that matches several papers ("sinkhorn") is answered, privately, with the
matching titles and a menu: picking one does what the command would have done with it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.handlers import Handlers
from bot.core.replies import TITLES, Reply
from bot.core.result_pages import ResultPages
from bot.core.title_choices import AmbiguousTitle
from bot.core.title_completion import TitleCompletions
from bot.discord_app.autocomplete import never_fails, warm_up
from bot.discord_app.responder import Responder
from bot.discord_app.title_picker import OpenPaper, TitlePicker
from bot.discord_app.views import VIEW_TIMEOUT, requester_of, results_view

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

OPEN_PLACEHOLDER = "Open one of these papers\u2026"
SIMILAR_PLACEHOLDER = "Find papers similar to\u2026"


class PapersCog(commands.Cog):
    """Look papers up by title."""

    def __init__(
        self,
        handlers: Handlers,
        view_timeout: float = VIEW_TIMEOUT,
        pages: ResultPages | None = None,
        completions: TitleCompletions | None = None,
    ) -> None:
        self.handlers = handlers
        # Suggestions on each keystroke, shared and limited per member (bot/core/title_completion.py).
        self.completions = completions or TitleCompletions(handlers.complete, lambda: handlers.index.generation)
        # How long a title menu listens (it is kept in memory, unlike the result controls).
        self.view_timeout = view_timeout
        self.pages = pages
        self._warming: asyncio.Future | None = None

    async def cog_load(self) -> None:
        """Start building the served papers' title index (about a second at 87k papers), so typing need not wait."""
        build = getattr(self.handlers.index.current, "title_index_size", None)  # only the real retriever has one
        if build is not None:
            self._warming = warm_up(build, "title index")

    async def _choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        pairs = await self.completions.choices(interaction.user.id, current)
        return [app_commands.Choice(name=name, value=value) for name, value in pairs]

    async def _offer(self, interaction: discord.Interaction, reply: Reply, open_paper: OpenPaper, placeholder: str) -> None:
        """Answer with the titles that match, and a menu that opens the one picked."""
        picker = TitlePicker(reply, open_paper, placeholder=placeholder, timeout=self.view_timeout)
        await Responder(interaction).send(reply, view=picker)
        picker.message_editor = interaction.edit_original_response

    async def _show_paper(self, interaction: discord.Interaction, title_or_id: str) -> None:
        reply = await self.handlers.paper_or_choices(requester_of(interaction), title_or_id)
        if reply.kind == TITLES:
            await self._offer(interaction, reply, self._show_paper, OPEN_PLACEHOLDER)
            return
        await Responder(interaction).send(reply)

    async def _show_similar(self, interaction: discord.Interaction, title_or_id: str) -> None:
        who = requester_of(interaction)
        responder = Responder(interaction)
        try:
            reply = await self.handlers.similar(who, title_or_id, before_search=lambda: responder.defer(ephemeral=False))
        except AmbiguousTitle as ambiguous:
            await self._offer(interaction, ambiguous.reply, self._show_similar, SIMILAR_PLACEHOLDER)
            return
        await responder.send(reply, view=await results_view(self.pages, reply, who))

    @app_commands.command(name="paper")
    @app_commands.describe(title="Start typing a title and pick one")
    async def paper(self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 300]) -> None:
        """Show one paper in full."""
        await self._show_paper(interaction, title)

    @paper.autocomplete("title")
    @never_fails
    async def paper_title(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest titles as the user types."""
        return await self._choices(interaction, current)

    @app_commands.command(name="similar")
    @app_commands.describe(title="Start typing a title and pick one")
    async def similar(self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 300]) -> None:
        """Find papers similar to one you know."""
        await self._show_similar(interaction, title)

    @similar.autocomplete("title")
    @never_fails
    async def similar_title(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest titles as the user types."""
        return await self._choices(interaction, current)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    await bot.add_cog(PapersCog(bot.handlers, bot.view_timeout, bot.result_pages))
