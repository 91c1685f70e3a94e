"""The "Find similar papers" message command: right-click any message, Apps, and get papers like it.

What is searched for is decided in bot/core/message_search.py. The answer is private to
whoever asked: the message may be someone else's, and its channel did not ask for papers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.handlers import Handlers
from bot.core.message_search import search_message
from bot.core.result_pages import ResultPages
from bot.discord_app.responder import Responder
from bot.discord_app.views import requester_of, results_view

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

MENU_NAME = "Find similar papers"


def embed_texts(message: discord.Message) -> list[str]:
    """Return the titles and descriptions of a message's embeds (a link's preview: often a paper's abstract)."""
    texts: list[str] = []
    for embed in message.embeds:
        texts += [text for text in (embed.title, embed.description) if text]
    return texts


class MessageSearchCog(commands.Cog):
    """Search with the text of any message."""

    def __init__(self, tree: app_commands.CommandTree, handlers: Handlers, pages: ResultPages | None = None) -> None:
        self.tree = tree
        self.handlers = handlers
        self.pages = pages
        # A cog cannot declare a context menu with a decorator; it is added to the tree while loaded.
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.find_similar)

    async def cog_load(self) -> None:
        """Put the message command in the tree, like the slash commands."""
        self.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Take the message command out of the tree."""
        self.tree.remove_command(self.menu.name, type=self.menu.type)

    async def find_similar(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Answer, privately, with papers similar to the message (or to the paper it links)."""
        who = requester_of(interaction)
        responder = Responder(interaction)
        reply = await search_message(
            self.handlers, who, message.content or "", embed_texts(message),
            before_search=lambda: responder.defer(ephemeral=True),
        )
        view = await results_view(self.pages, reply, who)
        await responder.send(reply, view=view, ephemeral=True)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    await bot.add_cog(MessageSearchCog(bot.tree, bot.handlers, bot.result_pages))
