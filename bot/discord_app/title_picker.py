"""The menu under a list of titles that match what was typed: picking one opens that paper."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import discord

from bot.core.card_text import cut
from bot.core.replies import Reply
from bot.core.title_choices import choice_detail
from bot.discord_app.responder import report_failure

log = logging.getLogger(__name__)

# Discord's limits on a select menu's options.
OPTION_TEXT_LIMIT = 100
OPTIONS_LIMIT = 25

# Runs with the picking interaction and the id of the paper picked.
OpenPaper = Callable[[discord.Interaction, str], Awaitable[None]]
MessageEditor = Callable[..., Awaitable[Any]]


class TitlePicker(discord.ui.View):
    """One select menu over the cards of a TITLES reply; `open_paper` answers the pick."""

    def __init__(self, reply: Reply, open_paper: OpenPaper, *, placeholder: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.open_paper = open_paper
        # Set by whoever sent the message: how to edit it once the menu expires.
        self.message_editor: MessageEditor | None = None
        options = []
        for card in reply.cards[:OPTIONS_LIMIT]:
            # A value must fit the option; a longer id cannot be offered (ids are ~15 characters).
            if len(card.paper.id) > OPTION_TEXT_LIMIT:
                continue
            title = card.paper.clean_title or card.paper.title
            detail = choice_detail(card.paper)
            options.append(discord.SelectOption(
                label=cut(f"{card.rank}. {title}", OPTION_TEXT_LIMIT),
                value=card.paper.id,
                description=cut(detail, OPTION_TEXT_LIMIT) or None,
            ))
        self.menu: discord.ui.Select[TitlePicker] = discord.ui.Select(
            custom_id="titles:pick", placeholder=cut(placeholder, 150), options=options
        )
        self.menu.callback = self._picked
        if options:
            self.add_item(self.menu)

    async def _picked(self, interaction: discord.Interaction) -> None:
        await self.open_paper(interaction, self.menu.values[0])

    async def on_timeout(self) -> None:
        """Disable the menu by editing the message, so nobody picks from a dead one."""
        self.menu.disabled = True
        if self.message_editor is None:
            return
        try:
            await self.message_editor(view=self)
        except discord.HTTPException as exc:
            # Dismissed message or expired token: nothing left to disable.
            log.debug("could not disable an expired title menu (%s %s)", exc.status, exc.code)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        """Tell the user what went wrong with their pick: their fix, or the apology (logged)."""
        await report_failure(interaction, error, "title menu")
