"""/follow, /unfollow: an author's new papers by DM or into a channel, with the day's other subscription papers.

A follow is a subscription of kind AUTHOR (bot/core/author_follow.py): delivered, paused,
listed by /subscriptions and removed by /unsubscribe like a topic; /unfollow offers only follows.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.author_follow import clean_author, find_same_follow
from bot.core.author_papers import author_choices, authors_of
from bot.core.errors import UserFacingError
from bot.core.live_index import LiveIndex
from bot.core.subscriptions import MAX_SUBSCRIPTIONS_PER_USER, is_personal
from bot.core.title_completion import TitleCompletions
from bot.discord_app.autocomplete import never_fails
from bot.discord_app.permissions import require_postable
from bot.discord_app.responder import Responder
from bot.discord_app.subscription_access import SubscriptionAccess
from bot.discord_app.subscription_text import shown_topic
from bot.state.subscriptions import AUTHOR, Subscriptions
from corpus.authors import MAX_NAME

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

log = logging.getLogger(__name__)

FOLLOW_NOT_ALLOWED = (
    "Only members with the **Manage Server** permission can make a channel follow an author. "
    "Leave out `channel` to get the papers by DM instead."
)
FOLLOW_IN_DMS = "Channel follows belong to a server: use /follow with `channel` in a server, not in DMs."
PICK_FOLLOW = "I don't know that follow. Pick one from the suggestions (see them all with /subscriptions)."
# The same caps as topics, which they share: a member's list and a server's stay readable.
MAX_PER_SERVER = MAX_SUBSCRIPTIONS_PER_USER


class FollowCog(commands.Cog):
    """Following authors; their papers are delivered with the subscriptions (subscription_delivery)."""

    def __init__(self, subscriptions: Subscriptions, index: LiveIndex) -> None:
        self.store = subscriptions
        self.access = SubscriptionAccess(subscriptions)
        self.index = index
        # Suggestions on each keystroke, kept a minute and limited per member, as /author's are.
        self.completions = TitleCompletions(lambda typed: author_choices(index, typed), lambda: index.generation)

    async def _known(self, name: str) -> tuple[str, int]:
        """Return how the corpus mostly writes this author and how many of their papers it holds."""
        retriever = self.index.current
        display, papers = await asyncio.to_thread(lambda: authors_of(retriever).papers_by(name))
        return display, len(papers)

    async def _so_far(self, name: str) -> str:
        display, count = await self._known(name)
        if not count:
            return "I know no papers of theirs yet; their new ones will come as they arrive."
        return f"I know {count} paper{'s' if count != 1 else ''} by {shown_topic(display)} so far (see `/author`)."

    @app_commands.command(name="follow")
    @app_commands.describe(
        author="Start typing a name and pick one, e.g. Marco Cuturi",
        channel="Post into this channel (needs Manage Server); leave out to get the papers by DM",
    )
    async def follow(
        self,
        interaction: discord.Interaction,
        author: app_commands.Range[str, 1, MAX_NAME],
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Get an author's new papers once a day, by DM or in a channel."""
        name = clean_author(author)
        if channel is None:
            await self._follow_personal(interaction, name)
        else:
            await self._follow_channel(interaction, name, channel)

    async def _follow_personal(self, interaction: discord.Interaction, name: str) -> None:
        user_id = interaction.user.id
        personal = await self.access.personal(user_id)
        same = find_same_follow(personal, name)
        if same is not None and same.paused:
            await asyncio.to_thread(self.store.set_paused, same.id, False)
            log.info("user %s resumed follow %s", user_id, same.id)
            await Responder(interaction).send_text(
                f"Resumed following {shown_topic(same.topic)}. It was paused because I couldn't DM you: "
                "make sure your DMs are open to me."
            )
            return
        if same is not None:
            raise UserFacingError(f"You already follow {shown_topic(same.topic)}.")
        if len(personal) >= MAX_SUBSCRIPTIONS_PER_USER:
            raise UserFacingError(
                f"You already have {len(personal)} subscriptions and follows, the most I keep per person. "
                "Remove one with `/unsubscribe` first."
            )
        sub = await asyncio.to_thread(self.store.add, None, None, user_id, name, AUTHOR)
        log.info("user %s follows an author by DM (subscription %s)", user_id, sub.id)
        await Responder(interaction).send_text(
            f"Following {shown_topic(name)}: once a day I'll DM you their new papers (keep your DMs open to me). "
            + await self._so_far(name)
        )

    async def _follow_channel(self, interaction: discord.Interaction, name: str, channel: discord.TextChannel) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise UserFacingError(FOLLOW_IN_DMS)
        if not interaction.permissions.manage_guild:
            raise UserFacingError(FOLLOW_NOT_ALLOWED)
        require_postable(interaction, channel, guild_id)
        server = await self.access.server(guild_id)
        same = find_same_follow((s for s in server if s.channel_id == channel.id), name)
        if same is not None:
            raise UserFacingError(f"{channel.mention} already follows {shown_topic(same.topic)}.")
        if len(server) >= MAX_PER_SERVER:
            raise UserFacingError(
                f"This server already has {len(server)} channel subscriptions and follows, the most I keep. "
                "Remove one with `/unsubscribe` first."
            )
        sub = await asyncio.to_thread(self.store.add, guild_id, channel.id, interaction.user.id, name, AUTHOR)
        log.info("guild %s: channel %s follows an author (subscription %s)", guild_id, channel.id, sub.id)
        await Responder(interaction).send_text(
            f"{channel.mention} now follows {shown_topic(name)}: their new papers are posted there once a day. "
            + await self._so_far(name)
        )

    @follow.autocomplete("author")
    @never_fails
    async def author_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest known names as the user types, most papers first."""
        pairs = await self.completions.choices(interaction.user.id, current)
        return [app_commands.Choice(name=label, value=value) for label, value in pairs]

    @app_commands.command(name="unfollow")
    @app_commands.describe(follow="The author to stop following (start typing the name)")
    async def unfollow(self, interaction: discord.Interaction, follow: app_commands.Range[str, 1, 200]) -> None:
        """Stop following an author."""
        allowed = [s for s in await self.access.removable(interaction) if s.kind == AUTHOR]
        target = self.access.pick(allowed, follow)
        if target is None or not await asyncio.to_thread(self.store.remove, target.id):
            raise UserFacingError(PICK_FOLLOW)
        log.info("user %s removed follow %s", interaction.user.id, target.id)
        where = "by DM" if is_personal(target) else f"in <#{target.channel_id}>"
        await Responder(interaction).send_text(f"Unfollowed: no more papers by {shown_topic(target.topic)} {where}.")

    @unfollow.autocomplete("follow")
    @never_fails
    async def follow_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest the follows the invoker may remove, matching what was typed."""
        allowed = [s for s in await self.access.removable(interaction) if s.kind == AUTHOR]
        return self.access.choices(interaction, allowed, current)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog when the bot has a state store."""
    if bot.state is None:
        log.info("no state store: /follow is not available")
        return
    await bot.add_cog(FollowCog(bot.state.subscriptions, bot.handlers.index))
