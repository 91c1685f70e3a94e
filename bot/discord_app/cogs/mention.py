"""@-mentions and DMs: answer a question with a quoted sentence and the top 3 cards."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.conversation import Place, Talk
from bot.core.handlers import Handlers
from bot.core.replies import Requester
from bot.discord_app.fetch_button import FetchButton, fetch_view
from bot.discord_app.responder import reply_to, report_message_failure
from bot.discord_app.views import VIEW_TIMEOUT, ResultsView

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

# User, role and channel mentions say who is addressed, not what to search for.
_MENTION_TOKEN = re.compile(r"<(?:@[!&]?|#)\d+>")


def question_of(content: str) -> str:
    """Return the question in a message, without mention tokens."""
    return " ".join(_MENTION_TOKEN.sub(" ", content).split())


class MentionCog(commands.Cog):
    """Answer messages that mention the bot, and DMs."""

    def __init__(self, bot: commands.Bot, handlers: Handlers, talk: Talk, view_timeout: float = VIEW_TIMEOUT) -> None:
        self.bot = bot
        self.handlers = handlers
        self.talk = talk
        self.view_timeout = view_timeout

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

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Reply once to a mention or DM; never to bots or ourselves."""
        if not self._addressed(message):
            return
        guild_id = message.guild.id if message.guild else None
        who = Requester(user_id=message.author.id, guild_id=guild_id)
        # A Discord reply names the message it answers: one of ours continues that conversation.
        replied = message.reference.message_id if message.reference is not None else None
        where = Place(message.author.id, guild_id, message.channel.id, reply_to=replied)
        question = question_of(message.content)
        try:
            if question:
                answer = await self.talk.message(where, question)
                reply, conversation_id = answer.reply, answer.conversation_id
            else:
                reply, conversation_id = self.handlers.help(), None
            view = ResultsView(self.handlers, reply, who, timeout=self.view_timeout) if reply.cards else None
            if reply.fetchable and guild_id is not None and getattr(self.bot, "fetch", None) is not None:
                view = fetch_view(reply.fetchable)
            sent = await reply_to(message, reply, view)
        except Exception as exc:
            # A listener has no error hook that knows the message; the decision is still bot.core.errors'.
            await report_message_failure(message, exc, "mention")
            return
        if isinstance(view, ResultsView):
            view.message_editor = sent.edit
        if conversation_id is not None:
            await self.talk.attach(sent.id, conversation_id)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog with the bot's handlers."""
    bot.add_dynamic_items(FetchButton)
    await bot.add_cog(MentionCog(bot, bot.handlers, bot.talk, bot.view_timeout))
