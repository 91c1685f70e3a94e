"""What /find and /author share: whose eyes a list is for, and sending it so a reply to it refines it."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.core.conversation import Place, Talk
from bot.core.replies import Reply, Requester
from bot.core.result_pages import ResultPages
from bot.core.server_prefs import results_private
from bot.discord_app.responder import Responder
from bot.discord_app.views import results_view
from bot.state.server_settings import ServerSettings
from retrieval.filters import SearchFilters

log = logging.getLogger(__name__)


async def answer_privately(servers: ServerSettings | None, guild_id: int | None, asked: bool | None) -> bool:
    """Return whether to answer only the asker: their choice, else the server's default."""
    if asked is not None or guild_id is None or servers is None:
        return results_private(None, asked)
    try:
        settings = await asyncio.to_thread(servers.get, guild_id)
    except Exception:
        # Unknown default: showing results only to the asker cannot expose what a server keeps private.
        log.exception("could not read the result privacy of guild %s; answering privately", guild_id)
        return True
    return results_private(settings, asked)


async def send_card_list(
    interaction: discord.Interaction,
    responder: Responder,
    talk: Talk,
    pages: ResultPages | None,
    who: Requester,
    reply: Reply,
    topic: str,
    filters: SearchFilters,
    ephemeral: bool,
) -> None:
    """Send a list of cards with its controls; a public one is kept as a conversation a reply refines."""
    view = await results_view(pages, reply, who)
    state_id = None
    if reply.cards and not ephemeral and interaction.channel_id is not None:
        # Kept before the list is sent, so a reply that comes at once finds it (as the latest
        # state, which no message shows until the message id is attached below).
        where = Place(who.user_id, who.guild_id, interaction.channel_id)
        ids = [card.paper.id for card in reply.cards]
        try:
            state_id = await talk.remember(where, reply.query or topic, filters, ids, reply.page_size)
        except Exception:
            # A locked or failing state file costs only the reply-to-refine, never the answer.
            log.exception("could not keep the list of user %s as a conversation", who.user_id)
    await responder.send(reply, view=view, ephemeral=ephemeral)
    if state_id is not None:
        sent = await interaction.original_response()
        await talk.attach(sent.id, state_id)
