"""/help: what the bot can do, with examples."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.handlers import Handlers
from bot.responder import Responder, guarded

if TYPE_CHECKING:
    from bot.client import PaperScoutBot


class HelpCog(commands.Cog):
    """Explain the bot."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """Show what PaperScout can do, with examples."""

        async def work(responder: Responder) -> None:
            await responder.send(self.handlers.help(), ephemeral=True)

        await guarded(interaction, "/help", work)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    await bot.add_cog(HelpCog(bot.handlers))
