"""The Export button under result cards: the whole list as a .bib and a .ris file, privately, to whoever clicks.

Like ◀/▶ (bot/discord_app/views.py) its custom id names the result list kept in the state
(bot/core/result_pages.py), and the client registers its class at start-up with the other
result controls, so a click is answered the same after a restart; a list that expired says
so in one line. Whoever can see the list may export it: its searcher, or, on a public message,
anyone in that server who may view the channel (bot.core.export.may_export). The files come
back ephemeral, so a click shows nothing to anyone else.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import discord

from bot.core.export import NOT_SHOWN, export_reply, may_export
from bot.core.handlers import Handlers
from bot.core.ratelimit import CLICK
from bot.core.replies import Requester
from bot.core.result_pages import EXPIRED, ResultPages
from bot.discord_app.responder import Responder, report_failure

EXPORT_PREFIX = "results:export:"
LABEL = "Export .bib/.ris"


class ExportButton(discord.ui.DynamicItem[discord.ui.Button], template=r"results:export:(?P<list>[0-9]{1,19})"):
    """Sends kept result list `list_id` as a .bib and a .ris file, only to whoever clicked."""

    def __init__(self, list_id: int) -> None:
        super().__init__(discord.ui.Button(label=LABEL, custom_id=f"{EXPORT_PREFIX}{list_id}", row=0))
        self.list_id = list_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ExportButton:
        """Rebuild the button of any message from its custom id."""
        return cls(int(match["list"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Answer with the two files, privately, if the list is still kept."""
        try:
            await _export(interaction, self.list_id)
        except Exception as exc:
            # discord.py only logs what a dynamic item raises; the user would see "interaction failed".
            await report_failure(interaction, exc, f"results button {self.custom_id}")


async def _export(interaction: discord.Interaction, list_id: int) -> None:
    handlers: Handlers = getattr(interaction.client, "handlers")
    who = Requester(user_id=interaction.user.id, guild_id=interaction.guild_id)
    # Reads the state and builds two small files: counted like a page turn.
    handlers.admit(who, CLICK)
    pages: ResultPages | None = getattr(interaction.client, "result_pages", None)
    kept = await pages.get(list_id) if pages is not None else None
    responder = Responder(interaction)
    if pages is None or kept is None:
        await responder.send_text(EXPIRED)
        return
    if not may_export(kept.owner, who, seen=_seen_publicly(interaction)):
        await responder.send_text(NOT_SHOWN)
        return
    clock = getattr(interaction.client, "clock", None)
    today = (clock() if clock is not None else datetime.now(timezone.utc)).date()
    reply = export_reply([card.paper for card in kept.reply.cards], kept.reply.query, today)
    await responder.send(reply, ephemeral=True)
    await pages.touch(kept.id)


def _seen_publicly(interaction: discord.Interaction) -> bool:
    """Return whether the clicked list is on a public message in a channel the clicker may view."""
    message = interaction.message
    public = message is not None and not message.flags.ephemeral
    return public and interaction.permissions.view_channel
