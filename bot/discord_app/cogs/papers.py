"""/paper and /similar: one paper in full, or its nearest neighbours; both autocomplete titles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.handlers import Handlers
from bot.discord_app.autocomplete import never_fails
from bot.discord_app.responder import Responder
from bot.discord_app.views import VIEW_TIMEOUT, ResultsView, requester_of

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot


class PapersCog(commands.Cog):
    """Look papers up by title."""

    def __init__(self, handlers: Handlers, view_timeout: float = VIEW_TIMEOUT) -> None:
        self.handlers = handlers
        self.view_timeout = view_timeout

    async def _choices(self, current: str) -> list[app_commands.Choice[str]]:
        pairs = await self.handlers.complete(current)
        return [app_commands.Choice(name=name, value=value) for name, value in pairs]

    @app_commands.command(name="paper")
    @app_commands.describe(title="Start typing a title and pick one")
    async def paper(self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 300]) -> None:
        """Show one paper in full."""
        reply = await self.handlers.paper(requester_of(interaction), title)
        await Responder(interaction).send(reply)

    @paper.autocomplete("title")
    @never_fails
    async def paper_title(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest titles as the user types."""
        return await self._choices(current)

    @app_commands.command(name="similar")
    @app_commands.describe(title="Start typing a title and pick one")
    async def similar(self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 300]) -> None:
        """Find papers similar to one you know."""
        who = requester_of(interaction)
        responder = Responder(interaction)
        reply = await self.handlers.similar(who, title, before_search=lambda: responder.defer(ephemeral=False))
        view = ResultsView(self.handlers, reply, who, timeout=self.view_timeout) if reply.cards else None
        await responder.send(reply, view=view)
        if view is not None:
            view.message_editor = interaction.edit_original_response

    @similar.autocomplete("title")
    @never_fails
    async def similar_title(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest titles as the user types."""
        return await self._choices(current)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    await bot.add_cog(PapersCog(bot.handlers, bot.view_timeout))
