"""Delivering Replies to interactions and messages, and telling users about failures.

Commands and view callbacks do not catch errors: they raise, and the command tree's and
the views' error hooks call `report_failure`, which asks bot.core.errors what to say.
"""

from __future__ import annotations

import logging

import discord

from bot.core.errors import failure_text
from bot.core.replies import Reply
from bot.discord_app import embeds
from bot.discord_app.export_files import attachments

log = logging.getLogger(__name__)

# Set in interaction.extras once a followup went out, so a later failure report (made by an
# error hook with a fresh Responder) knows the "thinking..." placeholder is already filled.
_SENT_FOLLOWUP = "paperscout_sent_followup"


def _message_kwargs(message: embeds.RenderedMessage, view: discord.ui.View | None) -> dict:
    # discord.py wants its MISSING sentinel, not None, for arguments not given.
    kwargs: dict = {"embeds": list(message.embeds)}
    if message.content:
        kwargs["content"] = message.content
    if view is not None:
        kwargs["view"] = view
    return kwargs


class Responder:
    """Answers one interaction once, by response or followup."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction

    @property
    def sent_followup(self) -> bool:
        """Return whether a followup message was sent for this interaction."""
        return bool(self.interaction.extras.get(_SENT_FOLLOWUP))

    async def defer(self, *, ephemeral: bool) -> None:
        """Acknowledge now (the answer may take longer than Discord's 3 s), answer later."""
        if not self.interaction.response.is_done():
            await self.interaction.response.defer(thinking=True, ephemeral=ephemeral)

    async def send(
        self, reply: Reply, *, view: discord.ui.View | None = None, ephemeral: bool | None = None, page: int = 0
    ) -> None:
        """Send a rendered reply: the first message (with the view), then any continuations."""
        ephemeral = reply.ephemeral if ephemeral is None else ephemeral
        messages = embeds.render(reply, page)
        first = _message_kwargs(messages[0], view) | attachments(reply)  # an export's .bib and .ris files
        response = self.interaction.response
        if not response.is_done():
            await response.send_message(**first, ephemeral=ephemeral)
        else:
            await self._followup(**first, ephemeral=ephemeral)
        for extra in messages[1:]:
            await self._followup(**_message_kwargs(extra, None), ephemeral=ephemeral)

    async def send_text(self, text: str, *, ephemeral: bool = True) -> None:
        """Send a plain text answer (settings confirmations, lists)."""
        if not self.interaction.response.is_done():
            await self.interaction.response.send_message(text, ephemeral=ephemeral)
        else:
            await self._followup(content=text, ephemeral=ephemeral)

    async def _followup(self, **kwargs: object) -> None:
        await self.interaction.followup.send(**kwargs, wait=True)  # type: ignore[arg-type]
        self.interaction.extras[_SENT_FOLLOWUP] = True

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


async def report_failure(interaction: discord.Interaction, error: BaseException, what: str) -> None:
    """Tell the user about a failed command or control: their fix, or the apology (logged)."""
    text = failure_text(error, f"{what} (user {interaction.user.id}, guild {interaction.guild_id})")
    await Responder(interaction).fail(text)


async def reply_to(message: discord.Message, reply: Reply, view: discord.ui.View | None = None) -> discord.Message:
    """Reply to a message with a rendered reply (a reply cannot be ephemeral)."""
    rendered = embeds.render(reply)
    sent = await message.reply(**_message_kwargs(rendered[0], view), **attachments(reply), mention_author=False)
    for extra in rendered[1:]:
        await message.channel.send(**_message_kwargs(extra, None))
    return sent


async def report_message_failure(message: discord.Message, error: BaseException, what: str) -> None:
    """Answer a message whose handling failed: the user's fix, or the apology (logged)."""
    text = failure_text(error, f"{what} (user {message.author.id}, channel {message.channel.id})")
    try:
        await message.reply(text, mention_author=False)
    except discord.HTTPException as exc:
        log.warning("could not reply with an error (%s %s)", exc.status, exc.code)
