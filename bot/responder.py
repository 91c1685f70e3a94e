"""Delivering Replies to interactions and messages, with the error policy every command shares."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

import discord

from bot import cards
from bot.errors import UserFacingError
from bot.replies import Reply

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side while answering that. Please try again in a moment."


def _message_kwargs(message: cards.RenderedMessage, view: discord.ui.View | None) -> dict:
    # discord.py wants its MISSING sentinel, not None, for arguments not given.
    kwargs: dict = {"embeds": list(message.embeds)}
    if message.content:
        kwargs["content"] = message.content
    if view is not None:
        kwargs["view"] = view
    return kwargs


class Responder:
    """Answers one interaction once, by response or followup, tracking what was sent."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.sent_followup = False

    async def defer(self, *, ephemeral: bool) -> None:
        """Acknowledge now (the answer may take longer than Discord's 3 s), answer later."""
        if not self.interaction.response.is_done():
            await self.interaction.response.defer(thinking=True, ephemeral=ephemeral)

    async def send(
        self, reply: Reply, *, view: discord.ui.View | None = None, ephemeral: bool | None = None, page: int = 0
    ) -> None:
        """Send a rendered reply: the first message (with the view), then any continuations."""
        ephemeral = reply.ephemeral if ephemeral is None else ephemeral
        messages = cards.render(reply, page)
        first = _message_kwargs(messages[0], view)
        response = self.interaction.response
        if not response.is_done():
            await response.send_message(**first, ephemeral=ephemeral)
        else:
            await self.interaction.followup.send(**first, ephemeral=ephemeral, wait=True)
            self.sent_followup = True
        for extra in messages[1:]:
            await self.interaction.followup.send(**_message_kwargs(extra, None), ephemeral=ephemeral, wait=True)
            self.sent_followup = True

    async def fail(self, text: str) -> None:
        """Tell the user what went wrong, privately."""
        response = self.interaction.response
        try:
            if not response.is_done():
                await response.send_message(text, ephemeral=True)
                return
            if response.type == discord.InteractionResponseType.deferred_channel_message and not self.sent_followup:
                # The "thinking..." placeholder may be public; a followup would fill it publicly.
                await self.interaction.delete_original_response()
            await self.interaction.followup.send(text, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("could not tell the user about an error (%s %s)", exc.status, exc.code)


async def guarded(interaction: discord.Interaction, what: str, work: Callable[[Responder], Awaitable[None]]) -> None:
    """Run `work`; user errors become their message, anything else an apology and a logged traceback."""
    responder = Responder(interaction)
    try:
        await work(responder)
    except UserFacingError as exc:
        await responder.fail(exc.message)
    except Exception:
        log.exception("%s failed (user %s, guild %s)", what, interaction.user.id, interaction.guild_id)
        await responder.fail(APOLOGY)


async def reply_to(message: discord.Message, reply: Reply, view: discord.ui.View | None = None) -> discord.Message:
    """Reply to a message with a rendered reply (a reply cannot be ephemeral)."""
    rendered = cards.render(reply)
    sent = await message.reply(**_message_kwargs(rendered[0], view), mention_author=False)
    for extra in rendered[1:]:
        await message.channel.send(**_message_kwargs(extra, None))
    return sent


async def guarded_reply(message: discord.Message, what: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` for a message; problems become a short reply, unexpected ones also a log entry."""
    try:
        await work()
        return
    except UserFacingError as exc:
        text = exc.message
    except Exception:
        log.exception("%s failed (user %s, channel %s)", what, message.author.id, message.channel.id)
        text = APOLOGY
    try:
        await message.reply(text, mention_author=False)
    except discord.HTTPException as exc:
        log.warning("could not reply with an error (%s %s)", exc.status, exc.code)
