"""The "Fetch it" button under a pasted paper the corpus lacks: members with Manage Server add it from arXiv."""

from __future__ import annotations

import asyncio
import logging
import re

import discord

from bot.discord_app.responder import Responder, report_failure

log = logging.getLogger(__name__)

FETCH_PREFIX = "ps:fetch:"
NOT_ALLOWED = "Only members with the **Manage Server** permission can add papers to my corpus."
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
            if interaction.guild_id is None or not interaction.permissions.manage_guild:
                await Responder(interaction).send_text(NOT_ALLOWED)
                return
            fetch = getattr(interaction.client, "fetch", None)
            if fetch is None:
                await Responder(interaction).send_text(TURNED_OFF)
                return
            responder = Responder(interaction)
            await responder.defer(ephemeral=True)
            await responder.send_text(await asyncio.to_thread(fetch.fetch, self.arxiv_id))
        except Exception as exc:
            await report_failure(interaction, exc, f"fetch button arXiv:{self.arxiv_id}")


def fetch_view(arxiv_id: str) -> discord.ui.View:
    """Return the one-button view offering to fetch a paper; timeout None so it is persistent."""
    view = discord.ui.View(timeout=None)
    view.add_item(FetchButton(arxiv_id))
    return view
