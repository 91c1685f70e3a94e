"""Buttons and menus under result cards: paging for the searcher, details and similar for anyone.

Every control is a discord.py DynamicItem whose custom id holds what it needs, and the
client registers their classes at start-up (`RESULT_CONTROLS`). So a click is answered
the same way a minute after the message was sent, after any view timeout, and after a
restart: no view object waits in memory for it. ◀/▶ carry the id of the result list kept
in the state (bot/core/result_pages.py) and the page they open; the menus' options carry
paper ids, so they need no state at all. A ◀/▶ whose list expired says so in one line.
"""

from __future__ import annotations

import logging
import re

import discord

from bot.core.card_text import cut
from bot.core.export import exportable
from bot.core.handlers import Handlers
from bot.core.ratelimit import CLICK
from bot.core.replies import Reply, Requester
from bot.core.result_pages import EXPIRED, ResultPages
from bot.discord_app import embeds
from bot.discord_app.export_button import ExportButton
from bot.discord_app.responder import Responder, report_failure

log = logging.getLogger(__name__)

# How long a menu kept in memory (the title picker) listens: interaction tokens live 15
# minutes; stop a minute early so disabling it still works. Result controls need none.
VIEW_TIMEOUT = 13 * 60.0
NOT_YOURS = "Only the person who searched can turn these pages. Run /find to get your own results."
PREVIOUS, NEXT = "prev", "next"
_LABELS = {PREVIOUS: "\u25c0 Previous", NEXT: "Next \u25b6"}
# The menus kept the custom ids they had before they outlived their view, so menus on
# messages sent by older versions work too.
DETAILS_ID, SIMILAR_ID = "results:details", "results:similar"
OPTION_TEXT_LIMIT = 100


def requester_of(interaction: discord.Interaction) -> Requester:
    """Return who used an interaction, and in which guild."""
    return Requester(user_id=interaction.user.id, guild_id=interaction.guild_id)


def _handlers(interaction: discord.Interaction) -> Handlers:
    return getattr(interaction.client, "handlers")


def _pages(interaction: discord.Interaction) -> ResultPages | None:
    return getattr(interaction.client, "result_pages", None)


def on_private_results(interaction: discord.Interaction) -> bool:
    """Return whether the clicked controls sit on an answer only its asker sees (its clicks then leave no event)."""
    return interaction.message is not None and interaction.message.flags.ephemeral


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"results:(?P<step>prev|next)(?::(?P<list>[0-9]{1,19}):(?P<page>[0-9]{1,4}))?",
):
    """◀ or ▶: shows page `page` of kept result list `list_id`, to the searcher only.

    A button without a list id was sent before lists were kept: it can only say it expired.
    """

    def __init__(self, step: str, list_id: int | None, page: int = 0, *, disabled: bool = False) -> None:
        custom_id = f"results:{step}" if list_id is None else f"results:{step}:{list_id}:{page}"
        super().__init__(discord.ui.Button(label=_LABELS[step], custom_id=custom_id, disabled=disabled, row=0))
        self.list_id = list_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PageButton:
        """Rebuild the button of any message from its custom id."""
        list_id = int(match["list"]) if match["list"] else None
        return cls(match["step"], list_id, int(match["page"] or 0))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Edit the message to show the page, if the list is still kept and the clicker searched."""
        try:
            await _turn(interaction, self.list_id, self.page)
        except Exception as exc:
            # discord.py only logs what a dynamic item raises; the user would see "interaction failed".
            await report_failure(interaction, exc, f"results button {self.custom_id}")


async def _turn(interaction: discord.Interaction, list_id: int | None, page: int) -> None:
    handlers = _handlers(interaction)
    who = requester_of(interaction)
    # A page turn reads the state database: counted (lightly) before it, like every button.
    handlers.admit(who, CLICK)
    pages = _pages(interaction)
    kept = await pages.get(list_id) if pages is not None and list_id is not None else None
    if pages is None or kept is None:
        await Responder(interaction).send_text(EXPIRED)
        return
    if interaction.user.id != kept.owner.user_id:
        await Responder(interaction).send_text(NOT_YOURS)
        return
    page = max(0, min(page, kept.reply.pages - 1))
    handlers.record_page(who, kept.reply, page, private=on_private_results(interaction))
    message = embeds.render(kept.reply, page)[0]
    view = ResultsView(kept.reply, list_id=kept.id, page=page)
    await interaction.response.edit_message(content=message.content, embeds=list(message.embeds), view=view)
    await pages.touch(kept.id)


class DetailsMenu(discord.ui.DynamicItem[discord.ui.Select], template=DETAILS_ID):
    """The "details of a paper" menu: anyone may open a card in full, privately."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> DetailsMenu:
        """Wrap the menu of any message: the picked option is the paper's id."""
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the picked paper in full, only to whoever picked it."""
        try:
            reply = await _handlers(interaction).details(
                requester_of(interaction), self.item.values[0], private=on_private_results(interaction)
            )
            await Responder(interaction).send(reply, ephemeral=True)
        except Exception as exc:
            await report_failure(interaction, exc, "results menu details")


class SimilarMenu(discord.ui.DynamicItem[discord.ui.Select], template=SIMILAR_ID):
    """The "papers similar to" menu: anyone may ask, and gets the answer privately."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> SimilarMenu:
        """Wrap the menu of any message: the picked option is the paper's id."""
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the papers nearest to the picked one, only to whoever picked it."""
        try:
            responder = Responder(interaction)
            reply = await _handlers(interaction).similar(
                requester_of(interaction), self.item.values[0], before_search=lambda: responder.defer(ephemeral=True),
                private=on_private_results(interaction),
            )
            await responder.send(reply, ephemeral=True)
        except Exception as exc:
            await report_failure(interaction, exc, "results menu similar")


RESULT_CONTROLS = (PageButton, DetailsMenu, SimilarMenu, ExportButton)


class ResultsView(discord.ui.View):
    """The controls under one page of result cards: ◀/▶ when the reply is kept as list `list_id`, then the menus.

    A click reaches the DynamicItem classes the client registers, which find the handlers
    and the list's owner themselves: the view holds neither, and nothing times out.
    """

    def __init__(self, reply: Reply, *, list_id: int | None = None, page: int = 0) -> None:
        super().__init__(timeout=None)
        last = reply.pages - 1
        if list_id is not None and last > 0:
            self.add_item(PageButton(PREVIOUS, list_id, max(page - 1, 0), disabled=page <= 0))
            self.add_item(PageButton(NEXT, list_id, min(page + 1, last), disabled=page >= last))
        if list_id is not None and exportable(reply):
            self.add_item(ExportButton(list_id))  # the whole list as .bib and .ris: bot/discord_app/export_button.py
        options = []
        for i, card in enumerate(reply.page(page), start=1):
            number = card.rank if card.rank is not None else i
            label = cut(f"{number}. {card.paper.clean_title or card.paper.title}", OPTION_TEXT_LIMIT)
            options.append(discord.SelectOption(label=label, value=card.paper.id))
        if options:
            details = discord.ui.Select(custom_id=DETAILS_ID, placeholder="Details of a paper\u2026", options=options, row=1)
            similar = discord.ui.Select(custom_id=SIMILAR_ID, placeholder="Papers similar to\u2026", options=list(options), row=2)
            self.add_item(DetailsMenu(details))
            self.add_item(SimilarMenu(similar))
        # Sent stopped: discord.py renders a stopped view's components but never stores it, so
        # every click goes to the DynamicItem classes registered at start-up. A stored view would
        # be a hazard too: when it times out (discord.py gives ephemeral ones 15 minutes),
        # ViewStore.remove_view unregisters its items' DynamicItem classes for every message.
        self.stop()


async def results_view(pages: ResultPages | None, reply: Reply, owner: Requester) -> ResultsView | None:
    """Return the controls for a reply's cards (None without cards); a list to page through or export is kept."""
    if not reply.cards:
        return None
    keep = reply.pages > 1 or exportable(reply)
    list_id = await pages.keep(owner, reply) if pages is not None and keep else None
    return ResultsView(reply, list_id=list_id)
