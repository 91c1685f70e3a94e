"""/help: what the bot can do, with examples."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.handlers import Handlers
from bot.discord_app.responder import Responder

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot


class HelpCog(commands.Cog):
    """Explain the bot."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """Show what PaperScout can do, with examples."""
        await Responder(interaction).send(self.handlers.help(), ephemeral=True)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    await bot.add_cog(HelpCog(bot.handlers))
