"""The "Fetch it" button under a pasted paper the corpus lacks, shown only to members who may grow the corpus.

Who may is bot.core.paper_fetch's rule (BOT_OWNER_IDS, or Manage Server in a server of
CORPUS_ADMIN_GUILD_IDS); everyone else gets the line saying who can add papers instead.
"""

from __future__ import annotations

import asyncio
import logging
import re

import discord

from bot.core.paper_fetch import FetchRequest, PaperFetch
from bot.core.replies import Reply
from bot.discord_app.responder import Responder, report_failure

log = logging.getLogger(__name__)

FETCH_PREFIX = "ps:fetch:"
TURNED_OFF = "Fetching papers from arXiv is turned off for this bot (ARXIV_ENABLED=false)."


class FetchButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ps:fetch:(?P<arxiv>[0-9A-Za-z./-]{4,40})"):
    """Persistent (rebuilt from its custom id after a restart): fetch one arXiv paper into the corpus."""

    def __init__(self, arxiv_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label=f"Fetch arXiv:{arxiv_id}",
                custom_id=f"{FETCH_PREFIX}{arxiv_id}",
            )
        )
        self.arxiv_id = arxiv_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> FetchButton:
        """Rebuild the button of any past message from its custom id."""
        return cls(match["arxiv"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Fetch the paper if the member may; tell them privately how it went."""
        try:
            fetch: PaperFetch | None = getattr(interaction.client, "fetch", None)
            if fetch is None:
                await Responder(interaction).send_text(TURNED_OFF)
                return
            # The button stays on the message for anyone to click: the rule is checked on every click.
            request = FetchRequest(
                self.arxiv_id, interaction.user.id, interaction.guild_id,
                manages_server=interaction.guild_id is not None and interaction.permissions.manage_guild,
            )
            if not fetch.may_fetch(request.user_id, request.guild_id, request.manages_server):
                await Responder(interaction).send_text(fetch.policy.who_can_add())
                return
            responder = Responder(interaction)
            await responder.defer(ephemeral=True)
            await responder.send_text(await asyncio.to_thread(fetch.fetch, request))
        except Exception as exc:
            await report_failure(interaction, exc, f"fetch button arXiv:{self.arxiv_id}")


def fetch_view(arxiv_id: str) -> discord.ui.View:
    """Return the one-button view offering to fetch a paper; timeout None so it is persistent."""
    view = discord.ui.View(timeout=None)
    view.add_item(FetchButton(arxiv_id))
    return view


def fetch_offer(client: discord.Client, message: discord.Message, reply: Reply) -> tuple[Reply, discord.ui.View | None]:
    """Return the reply to a pasted paper the corpus lacks and its Fetch button, if the author may fetch.

    With fetching turned off (no arXiv feed) there is no button and nothing to say about who could.
    """
    fetch: PaperFetch | None = getattr(client, "fetch", None)
    if fetch is None or not reply.fetchable:
        return reply, None
    author = message.author
    manages = isinstance(author, discord.Member) and author.guild_permissions.manage_guild
    guild_id = message.guild.id if message.guild is not None else None
    may = fetch.may_fetch(author.id, guild_id, manages)
    return fetch.offer(reply, may), fetch_view(reply.fetchable) if may else None
