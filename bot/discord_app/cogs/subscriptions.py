"""/subscribe, /subscriptions, /unsubscribe, /subscription reset: topic subscriptions by DM or into a channel.

Followed authors (/follow, bot/discord_app/cogs/follow.py) are subscriptions too: listed and
removed here alike. Which subscriptions a member may manage: bot/discord_app/subscription_access.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserFacingError
from bot.core.subscriptions import (
    MAX_SUBSCRIPTIONS_PER_USER,
    TOPIC_INPUT_CHARS,
    clean_topic,
    find_same_topic,
    is_personal,
)
from bot.discord_app.autocomplete import never_fails
from bot.discord_app.permissions import require_postable
from bot.discord_app.responder import Responder
from bot.discord_app.subscription_access import SubscriptionAccess
from bot.discord_app.subscription_text import PAUSED_WHY, describe_subscriptions, shown_topic
from bot.discord_app.vote_buttons import FeedbackButton
from bot.state.subscriptions import AUTHOR, TOPIC, Subscription, Subscriptions

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

__all__ = ["CHANNEL_IN_DMS", "CHANNEL_NOT_ALLOWED", "PAUSED_WHY", "PICK_ONE", "SubscriptionsCog"]

log = logging.getLogger(__name__)

CHANNEL_NOT_ALLOWED = (
    "Only members with the **Manage Server** permission can subscribe a channel. "
    "Leave out `channel` to get the papers by DM instead."
)
CHANNEL_IN_DMS = "Channel subscriptions belong to a server: use /subscribe with `channel` in a server, not in DMs."
# Also the answer for another member's subscription or a channel's the invoker may not manage or see:
# a different one would tell a stranger which ids exist.
PICK_ONE = "I don't know that subscription. Pick one from the suggestions (see them all with /subscriptions)."
PICK_TOPIC = "I don't know that topic subscription. Pick one from the suggestions (see them all with /subscriptions)."
# Per server, the same cap as per user: the autocomplete and the list stay readable.
MAX_SUBSCRIPTIONS_PER_SERVER = MAX_SUBSCRIPTIONS_PER_USER


class SubscriptionsCog(commands.Cog):
    """Topic subscriptions kept in the state store; delivery runs elsewhere (subscription_delivery)."""

    subscription = app_commands.Group(name="subscription", description="Manage one of your subscriptions")

    def __init__(self, subscriptions: Subscriptions) -> None:
        self.store = subscriptions
        self.access = SubscriptionAccess(subscriptions)

    async def _personal(self, user_id: int) -> list[Subscription]:
        return await self.access.personal(user_id)

    async def _server(self, guild_id: int | None) -> list[Subscription]:
        return await self.access.server(guild_id)

    # ----------------------------------------------------------------- commands

    @app_commands.command(name="subscribe")
    @app_commands.describe(
        topic="What to follow, e.g. graph neural networks",
        channel="Post into this channel (needs Manage Server); leave out to get the papers by DM",
    )
    async def subscribe(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, TOPIC_INPUT_CHARS],
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Get new papers on a topic once a day, by DM or in a channel."""
        text = clean_topic(topic)
        if channel is None:
            await self._subscribe_personal(interaction, text)
        else:
            await self._subscribe_channel(interaction, text, channel)

    async def _subscribe_personal(self, interaction: discord.Interaction, text: str) -> None:
        user_id = interaction.user.id
        personal = await self._personal(user_id)
        same = find_same_topic(personal, text)
        if same is not None and same.paused:
            await asyncio.to_thread(self.store.set_paused, same.id, False)
            log.info("user %s resumed subscription %s", user_id, same.id)
            await Responder(interaction).send_text(
                f"Resumed your paused subscription to {shown_topic(same.topic)}. "
                "It was paused because I couldn't DM you: make sure your DMs are open to me "
                "(Privacy Settings: allow direct messages from server members)."
            )
            return
        if same is not None:
            raise UserFacingError(f"You're already subscribed to {shown_topic(same.topic)} by DM.")
        if len(personal) >= MAX_SUBSCRIPTIONS_PER_USER:
            raise UserFacingError(
                f"You already have {len(personal)} subscriptions, the most I keep per person. "
                "Remove one with `/unsubscribe` first."
            )
        sub = await asyncio.to_thread(self.store.add, None, None, user_id, text)
        log.info("user %s subscribed by DM (subscription %s)", user_id, sub.id)
        await Responder(interaction).send_text(
            f"Subscribed to {shown_topic(text)}. Once a day I'll DM you new papers that match it "
            "(keep your DMs open to me). See yours with `/subscriptions`."
        )

    async def _subscribe_channel(
        self, interaction: discord.Interaction, text: str, channel: discord.TextChannel
    ) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise UserFacingError(CHANNEL_IN_DMS)
        if not interaction.permissions.manage_guild:
            raise UserFacingError(CHANNEL_NOT_ALLOWED)
        require_postable(interaction, channel, guild_id)
        server = await self._server(guild_id)
        same = find_same_topic((s for s in server if s.channel_id == channel.id), text)
        if same is not None:
            raise UserFacingError(f"{channel.mention} is already subscribed to {shown_topic(same.topic)}.")
        if len(server) >= MAX_SUBSCRIPTIONS_PER_SERVER:
            raise UserFacingError(
                f"This server already has {len(server)} channel subscriptions, the most I keep. "
                "Remove one with `/unsubscribe` first."
            )
        sub = await asyncio.to_thread(self.store.add, guild_id, channel.id, interaction.user.id, text)
        log.info("guild %s subscribed channel %s (subscription %s)", guild_id, channel.id, sub.id)
        await Responder(interaction).send_text(
            f"Subscribed {channel.mention} to {shown_topic(text)}. New matching papers are posted there once a day."
        )

    @app_commands.command(name="subscriptions")
    async def subscriptions(self, interaction: discord.Interaction) -> None:
        """List your subscriptions and followed authors and, in a server, its channel ones."""
        personal = await self._personal(interaction.user.id)
        server = await self.access.visible(interaction) if interaction.guild_id is not None else None
        topics = [s.id for s in personal + (server or []) if s.kind == TOPIC]
        tallies = await asyncio.to_thread(lambda: {sid: self.store.votes.tally(sid) for sid in topics})
        await Responder(interaction).send_text(describe_subscriptions(personal, server, tallies))

    @app_commands.command(name="unsubscribe")
    @app_commands.describe(subscription="The subscription to remove (start typing its topic)")
    async def unsubscribe(self, interaction: discord.Interaction, subscription: app_commands.Range[str, 1, 200]) -> None:
        """Stop a subscription or a followed author."""
        allowed = await self.access.removable(interaction)
        target = self.access.pick(allowed, subscription)
        if target is None:
            raise UserFacingError(PICK_ONE)
        removed = await asyncio.to_thread(self.store.remove, target.id)
        if not removed:
            raise UserFacingError(PICK_ONE)
        log.info("user %s removed subscription %s", interaction.user.id, target.id)
        where = "by DM" if is_personal(target) else f"in <#{target.channel_id}>"
        what = f"by {shown_topic(target.topic)}" if target.kind == AUTHOR else f"on {shown_topic(target.topic)}"
        await Responder(interaction).send_text(f"Unsubscribed: no more papers {what} {where}.")

    @unsubscribe.autocomplete("subscription")
    @never_fails
    async def subscription_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest the subscriptions the invoker may remove, matching what was typed."""
        return self.access.choices(interaction, await self.access.removable(interaction), current)

    @subscription.command(name="reset")
    @app_commands.describe(subscription="The topic whose learning to forget (start typing it)")
    async def reset(self, interaction: discord.Interaction, subscription: app_commands.Range[str, 1, 200]) -> None:
        """Forget what a topic learned from 👍/👎: match the plain topic again."""
        allowed = [s for s in await self.access.removable(interaction) if s.kind == TOPIC]
        target = self.access.pick(allowed, subscription)
        if target is None:
            raise UserFacingError(PICK_TOPIC)
        forgotten = await asyncio.to_thread(self.store.votes.reset, target.id)
        log.info("user %s reset subscription %s (%d votes)", interaction.user.id, target.id, forgotten)
        if not forgotten:
            text = f"{shown_topic(target.topic)} had learned nothing yet: it already matches the plain topic."
        else:
            votes = f"{forgotten} vote{'s' if forgotten != 1 else ''}"
            text = f"Reset {shown_topic(target.topic)}: forgot {votes}. New papers are matched to the plain topic again."
        await Responder(interaction).send_text(text)

    @reset.autocomplete("subscription")
    @never_fails
    async def reset_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest the topic subscriptions the invoker may reset."""
        allowed = [s for s in await self.access.removable(interaction) if s.kind == TOPIC]
        return self.access.choices(interaction, allowed, current)


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog when the bot has a state store."""
    if bot.state is None:
        log.info("no state store: /subscribe is not available")
        return
    await bot.add_cog(SubscriptionsCog(bot.state.subscriptions))
    # Registered with the commands: the 👍/👎 under every delivery ever sent answer from now on.
    bot.add_dynamic_items(FeedbackButton)
