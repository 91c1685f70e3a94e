"""@-mentions and DMs: answer a question with a quoted sentence and the top 3 cards (in a thread where chosen)."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.conversation import Place, Talk
from bot.core.handlers import Handlers
from bot.core.replies import Requester
from bot.core.result_pages import ResultPages
from bot.core.server_prefs import answers_mention
from bot.discord_app.fetch_button import FetchButton, fetch_offer
from bot.discord_app.responder import report_message_failure
from bot.discord_app.threads import ThreadAnswers
from bot.discord_app.views import results_view
from bot.state.server_settings import ServerSettings
from bot.state.threads import AnswerThreads

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

log = logging.getLogger(__name__)

# User, role and channel mentions say who is addressed, not what to search for.
_MENTION_TOKEN = re.compile(r"<(?:@[!&]?|#)\d+>")


def question_of(content: str) -> str:
    """Return the question in a message, without mention tokens."""
    return " ".join(_MENTION_TOKEN.sub(" ", content).split())


class MentionCog(commands.Cog):
    """Answer messages that mention the bot, and DMs."""

    def __init__(
        self,
        bot: commands.Bot,
        handlers: Handlers,
        talk: Talk,
        pages: ResultPages | None = None,
        servers: ServerSettings | None = None,
        threads: ThreadAnswers | None = None,
    ) -> None:
        self.bot = bot
        self.handlers = handlers
        self.talk = talk
        # Where an answer of several pages would be kept for its ◀/▶ buttons.
        self.pages = pages
        # Without a state store every channel is answered, as by default.
        self.servers = servers
        # Where answers go (a reply, or a thread where the server chose threads).
        self.threads = threads or ThreadAnswers(None, None, lambda: datetime.now(timezone.utc))

    def _addressed(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return False
        if message.guild is None:
            return True
        if any(user.id == me.id for user in message.mentions):
            return True
        # Picking "@PaperScout" in the member list can insert the bot's managed role instead.
        own_role = message.guild.self_role
        return own_role is not None and own_role.id in message.raw_role_mentions

    async def _answers_here(self, message: discord.Message) -> bool:
        """Return whether the server lets mentions be answered in this channel (DMs have no server: always)."""
        settings = None
        if message.guild is not None and self.servers is not None:
            try:
                settings = await asyncio.to_thread(self.servers.get, message.guild.id)
            except Exception:
                # Someone asked the bot directly: a settings read that fails must not silence it.
                log.exception("could not read the mention channels of guild %s; answering", message.guild.id)
                return True
        parent_id = getattr(message.channel, "parent_id", None)
        return answers_mention(settings, message.channel.id, parent_id, replies_to_bot=self._replies_to_us(message))

    def _replies_to_us(self, message: discord.Message) -> bool:
        """Return whether the message is a Discord reply to one of our messages."""
        me = self.bot.user
        replied = message.reference.resolved if message.reference is not None else None
        return me is not None and isinstance(replied, discord.Message) and replied.author.id == me.id

    def _answer_replied_to(self, message: discord.Message) -> int | None:
        """Return the id of our message this one is a Discord reply to (None: no reply, or to someone else's)."""
        if message.reference is None or message.reference.message_id is None:
            return None
        replied = message.reference.resolved
        if isinstance(replied, discord.Message) and not self._replies_to_us(message):
            # A reply to a person's message, mentioning us, is no reply to an answer: it continues the conversation.
            return None
        # Ours, or not resolved (deleted, not delivered): the state store knows whether it was an answer.
        return message.reference.message_id

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Reply once to a mention or DM; never to bots or ourselves."""
        if not self._addressed(message):
            return
        if not await self._answers_here(message):
            # Silence, like a channel the bot cannot see: a hint in a channel the server closed
            # to the bot would be the noise the setting is there to stop.
            log.debug("mention in channel %s: not one of its server's mention channels", message.channel.id)
            return
        guild_id = message.guild.id if message.guild else None
        who = Requester(user_id=message.author.id, guild_id=guild_id)
        question = question_of(message.content)
        placement = await self.threads.place(message, question, self._answer_replied_to(message))
        where = Place(message.author.id, guild_id, placement.channel_id, reply_to=placement.reply_to)
        try:
            if question:
                answer = await self.talk.message(where, question)
                reply, state_id = answer.reply, answer.state_id
            else:
                reply, state_id = self.handlers.help(), None
            view = await results_view(self.pages, reply, who)
            if reply.fetchable:
                # The button for members who may grow the corpus; for the rest, a line saying who can.
                reply, offered = fetch_offer(self.bot, message, reply)
                view = offered if offered is not None else view
            sent = await self.threads.deliver(message, question, placement, reply, view)
        except Exception as exc:
            # A listener has no error hook that knows the message; the decision is still bot.core.errors'.
            await report_message_failure(message, exc, "mention")
            return
        if state_id is not None:
            await self.talk.attach(sent.id, state_id)
            await self.threads.answered(placement, sent)  # tied first: a follow-up that finds it finds its state

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """Forget a deleted thread the bot may have opened."""
        await self.threads.forget(payload.thread_id)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    bot.add_dynamic_items(FetchButton)
    servers = bot.state.servers if bot.state is not None else None
    threads = ThreadAnswers(servers, AnswerThreads(bot.state.db) if bot.state is not None else None, bot.clock)
    await bot.add_cog(MentionCog(bot, bot.handlers, bot.talk, bot.result_pages, servers, threads))
