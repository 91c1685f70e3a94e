"""Answers in threads on Discord: where a mention's answer goes, opening the thread, and the fallbacks.

Where a server chose threads, a question in a text channel gets a public thread started from
it, named from the question, with the answer inside. Discord gives a thread started from a
message that message's id (Threads topic of the API docs), so the answer is worked out before
the thread exists with the conversation already keyed to the thread's id, and a question whose
search fails opens no empty thread. In a thread the bot opened, a mention that is no Discord
reply refines the thread's latest answer (bot/state/threads.py), across restarts. The thread
is remembered before its answer is posted and an answer becomes its latest once tied to its
conversation state, so a quick follow-up finds both; an answer that falls back to the channel
takes its conversation there.

Without the message-content intent Discord sends the bot the text of messages that mention it
(and DMs) only, so follow-ups in a thread must mention the bot, as elsewhere.

Whatever goes wrong with a thread (missing permissions, a thread archived, locked or deleted
before the answer is in) the answer comes as a plain reply with one line saying why.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import discord

from bot.core.replies import Reply
from bot.core.thread_answers import (
    NO_THREAD_PERMISSION,
    THREAD_GONE,
    THREAD_NOT_OPENED,
    noted,
    opens_thread,
    thread_name,
)
from bot.discord_app import embeds
from bot.discord_app.export_files import attachments
from bot.discord_app.responder import reply_to
from bot.state.server_settings import ANSWER_THREAD, ServerSettings
from bot.state.threads import AnswerThreads

log = logging.getLogger(__name__)

# A day without a message archives the thread (Discord's default choice in its client).
AUTO_ARCHIVE_MINUTES = 1440


@dataclass(frozen=True)
class Placement:
    """Where a mention's answer goes: `open_thread` from the question, or in place (a reply)."""

    open_thread: bool
    # The channel the conversation is keyed to: the thread's id (the question's) when one opens.
    channel_id: int
    # The bot message this one refines (a Discord reply, or a bot-opened thread's latest answer).
    reply_to: int | None
    # One line saying why the answer is not in a thread, when the user should know.
    note: str | None = None
    # The message is in a thread the bot opened: the answer becomes the thread's latest.
    in_our_thread: bool = False


def can_thread(channel: discord.abc.Messageable, me: discord.Member | None) -> bool:
    """Return whether the bot may start a public thread in `channel` and post in it."""
    if not isinstance(channel, discord.TextChannel) or me is None:
        return False
    allowed = channel.permissions_for(me)
    return allowed.create_public_threads and allowed.send_messages_in_threads


async def post(channel: discord.abc.Messageable, reply: Reply, view: discord.ui.View | None = None,
               reference: discord.MessageReference | None = None) -> discord.Message:
    """Send a rendered reply into a channel or thread: the first message (with the view and files), then the rest."""
    rendered = embeds.render(reply)
    first = rendered[0]
    sent = await channel.send(content=first.content or None, embeds=list(first.embeds), view=view,
                              reference=reference, mention_author=False, **attachments(reply))
    for extra in rendered[1:]:
        await channel.send(content=extra.content or None, embeds=list(extra.embeds))
    return sent


class ThreadAnswers:
    """Puts answers in threads where a server chose them, and remembers the threads it opened."""

    def __init__(self, servers: ServerSettings | None, threads: AnswerThreads | None,
                 clock: Callable[[], datetime]) -> None:
        # Without a state store (some tests) there are no threads: every answer is a reply.
        self.servers = servers
        self.threads = threads
        self.clock = clock

    async def place(self, message: discord.Message, question: str, replied_to: int | None) -> Placement:
        """Decide where the answer to a mention goes (after the mention channels allowed answering)."""
        here = Placement(False, message.channel.id, replied_to)
        guild = message.guild
        if guild is None or self.servers is None or self.threads is None:
            return here  # a DM has no threads
        now = self.clock()
        try:
            ours = await asyncio.to_thread(self.threads.get, message.channel.id, guild.id, now)
            if ours is not None:
                # A follow-up in a thread we opened: no reply needed, it refines the thread's latest answer.
                return Placement(False, message.channel.id, replied_to or ours.latest_answer, in_our_thread=True)
            settings = await asyncio.to_thread(self.servers.get, guild.id)
        except Exception:
            # A read that fails must not silence the answer: answer in place, as by default.
            log.exception("could not read the thread settings of guild %s; answering in place", guild.id)
            return here
        if settings is None or settings.answers_in != ANSWER_THREAD or replied_to is not None:
            return here  # a Discord reply continues where the replied answer is
        if not isinstance(message.channel, discord.TextChannel) or not opens_thread(question, now.date()):
            return here  # threads, voice chats and forums hold no threads; follow-ups continue in place
        if not can_thread(message.channel, guild.me):
            return Placement(False, message.channel.id, None, NO_THREAD_PERMISSION)
        return Placement(True, message.id, None)

    async def deliver(self, message: discord.Message, question: str, placement: Placement, reply: Reply,
                      view: discord.ui.View | None) -> discord.Message:
        """Send the answer where it was placed, falling back to a reply (with the reason) if a thread fails."""
        reply = noted(reply, placement.note)
        if placement.open_thread:
            return await self._in_new_thread(message, question, reply, view)
        try:
            sent = await reply_to(message, reply, view)
        except discord.HTTPException as exc:
            parent = getattr(message.channel, "parent", None)
            if not placement.in_our_thread or not isinstance(parent, discord.TextChannel):
                raise
            # Our thread closed under us (a moderator locked it): answer under its question in the parent channel.
            log.warning("could not answer in thread %s (%s %s); answering in its channel",
                        message.channel.id, exc.status, exc.code)
            starter = discord.MessageReference(message_id=message.channel.id, channel_id=parent.id,
                                               fail_if_not_exists=False)
            return await post(parent, noted(reply, THREAD_GONE), view, starter)
        return sent

    async def _in_new_thread(self, message: discord.Message, question: str, reply: Reply,
                             view: discord.ui.View | None) -> discord.Message:
        try:
            thread = await message.create_thread(name=thread_name(question), auto_archive_duration=AUTO_ARCHIVE_MINUTES)
        except discord.HTTPException as exc:
            log.warning("could not open a thread on message %s (%s %s); replying", message.id, exc.status, exc.code)
            why = NO_THREAD_PERMISSION if isinstance(exc, discord.Forbidden) else THREAD_NOT_OPENED
            await self._not_opened(message)
            return await reply_to(message, noted(reply, why), view)
        assert self.threads is not None and message.guild is not None  # a thread opens only where both are
        try:
            # Remembered before the answer is in, so a follow-up quicker than the bookkeeping still counts as ours.
            await asyncio.to_thread(self.threads.opened, thread.id, message.guild.id, message.channel.id, self.clock())
        except Exception:
            # The answer still goes out; at worst a follow-up in the thread needs a Discord reply.
            log.exception("could not remember thread %s", thread.id)
        try:
            sent = await post(thread, reply, view)
        except discord.HTTPException as exc:
            log.warning("could not post in new thread %s (%s %s); replying", thread.id, exc.status, exc.code)
            await self._not_opened(message)
            return await reply_to(message, noted(reply, THREAD_GONE), view)
        return sent

    async def _not_opened(self, message: discord.Message) -> None:
        """Key the answer's conversation to the channel, before the answer lands there, so follow-ups find it."""
        if self.threads is None:
            return
        try:
            await asyncio.to_thread(self.threads.not_opened, message.id, message.channel.id)
        except Exception:
            # The answer still goes out; at worst a follow-up there needs a Discord reply to it.
            log.exception("could not move the conversation of message %s to its channel", message.id)

    async def answered(self, placement: Placement, sent: discord.Message) -> None:
        """Make an answer that keeps a conversation state (and is tied to it) the latest of the thread it is in.

        Called once the answer is tied, so a follow-up that finds it finds its state; answers without
        one (a pasted paper, "nothing to refine") would break the thread's chain. The first answer
        does not replace a quicker follow-up's; an answer that fell back to the channel is no thread's.
        """
        ours = placement.open_thread or placement.in_our_thread
        if self.threads is None or not ours or sent.channel.id != placement.channel_id:
            return
        try:
            await asyncio.to_thread(self.threads.answered, placement.channel_id, sent.id, self.clock(),
                                    placement.open_thread)
        except Exception:
            log.exception("could not update the latest answer of thread %s", placement.channel_id)

    async def forget(self, thread_id: int) -> None:
        """Forget a deleted thread."""
        if self.threads is None:
            return
        try:
            await asyncio.to_thread(self.threads.forget, thread_id)
        except Exception:
            log.exception("could not forget deleted thread %s", thread_id)
