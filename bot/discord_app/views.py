"""Buttons and menus under result cards: paging for the searcher, details and similar for anyone."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import discord

from bot.core.card_text import cut
from bot.core.handlers import Handlers
from bot.core.replies import Reply, Requester
from bot.discord_app import embeds
from bot.discord_app.responder import Responder, report_failure

log = logging.getLogger(__name__)

# Interaction tokens live 15 minutes; stop a minute early so disabling the buttons still works.
VIEW_TIMEOUT = 13 * 60.0
NOT_YOURS = "Only the person who searched can turn these pages. Run /find to get your own results."

MessageEditor = Callable[..., Awaitable[Any]]


def requester_of(interaction: discord.Interaction) -> Requester:
    """Return who used an interaction, and in which guild."""
    return Requester(user_id=interaction.user.id, guild_id=interaction.guild_id)


class ResultsView(discord.ui.View):
    """Previous/next (searcher only) plus "details" and "similar" menus over the cards shown."""

    def __init__(self, handlers: Handlers, reply: Reply, owner: Requester, *, timeout: float = VIEW_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.handlers = handlers
        self.reply = reply
        self.owner = owner
        self.page = 0
        # Set by whoever sent the message: how to edit it once the view expires.
        self.message_editor: MessageEditor | None = None
        self.prev_button: discord.ui.Button[ResultsView] | None = None
        self.next_button: discord.ui.Button[ResultsView] | None = None
        if reply.pages > 1:
            self.prev_button = discord.ui.Button(label="\u25c0 Previous", custom_id="results:prev", row=0)
            self.next_button = discord.ui.Button(label="Next \u25b6", custom_id="results:next", row=0)
            self.prev_button.callback = self._previous
            self.next_button.callback = self._next
            self.add_item(self.prev_button)
            self.add_item(self.next_button)
        self.details_menu: discord.ui.Select[ResultsView] = discord.ui.Select(
            custom_id="results:details", placeholder="Details of a paper\u2026", row=1
        )
        self.similar_menu: discord.ui.Select[ResultsView] = discord.ui.Select(
            custom_id="results:similar", placeholder="Papers similar to\u2026", row=2
        )
        self.details_menu.callback = self._details
        self.similar_menu.callback = self._similar
        self.add_item(self.details_menu)
        self.add_item(self.similar_menu)
        self._refresh()

    def _refresh(self) -> None:
        """Match buttons and menu options to the current page."""
        if self.prev_button is not None and self.next_button is not None:
            self.prev_button.disabled = self.page == 0
            self.next_button.disabled = self.page >= self.reply.pages - 1
        options = []
        for i, card in enumerate(self.reply.page(self.page), start=1):
            number = card.rank if card.rank is not None else i
            label = cut(f"{number}. {card.paper.clean_title or card.paper.title}", 100)
            options.append(discord.SelectOption(label=label, value=card.paper.id))
        self.details_menu.options = list(options)
        self.similar_menu.options = list(options)

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        if interaction.user.id != self.owner.user_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        self.page = max(0, min(self.page + step, self.reply.pages - 1))
        self._refresh()
        self.handlers.record_page(requester_of(interaction), self.reply, self.page)
        message = embeds.render(self.reply, self.page)[0]
        await interaction.response.edit_message(content=message.content, embeds=list(message.embeds), view=self)

    async def _previous(self, interaction: discord.Interaction) -> None:
        await self._turn(interaction, -1)

    async def _next(self, interaction: discord.Interaction) -> None:
        await self._turn(interaction, +1)

    async def _details(self, interaction: discord.Interaction) -> None:
        reply = await self.handlers.details(requester_of(interaction), self.details_menu.values[0])
        await Responder(interaction).send(reply, ephemeral=True)

    async def _similar(self, interaction: discord.Interaction) -> None:
        responder = Responder(interaction)
        reply = await self.handlers.similar(
            requester_of(interaction), self.similar_menu.values[0], before_search=lambda: responder.defer(ephemeral=True)
        )
        await responder.send(reply, ephemeral=True)

    async def on_timeout(self) -> None:
        """Disable every control by editing the message, so nobody clicks a dead button."""
        for item in self.children:
            if isinstance(item, (discord.ui.Button, discord.ui.Select)):
                item.disabled = True
        if self.message_editor is None:
            return
        try:
            await self.message_editor(view=self)
        except discord.HTTPException as exc:
            # Deleted message or expired token: nothing left to disable.
            log.debug("could not disable an expired view (%s %s)", exc.status, exc.code)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        """Tell the user what went wrong in a button or menu: their fix, or the apology (logged)."""
        await report_failure(interaction, error, f"results control {getattr(item, 'custom_id', item)}")
