"""/subscribe, /subscriptions, /unsubscribe: topic subscriptions by DM or into a server channel."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import card_text
from bot.core.errors import UserFacingError
from bot.core.subscriptions import (
    MAX_SUBSCRIPTIONS_PER_USER,
    TOPIC_INPUT_CHARS,
    clean_topic,
    find_same_topic,
    is_personal,
    topic_key,
)
from bot.discord_app import embeds
from bot.discord_app.autocomplete import never_fails
from bot.discord_app.permissions import member_sees, require_postable
from bot.discord_app.responder import Responder
from bot.state.subscriptions import Subscription, Subscriptions

if TYPE_CHECKING:
    from bot.discord_app.client import PaperScoutBot

log = logging.getLogger(__name__)

CHANNEL_NOT_ALLOWED = (
    "Only members with the **Manage Server** permission can subscribe a channel. "
    "Leave out `channel` to get the papers by DM instead."
)
CHANNEL_IN_DMS = "Channel subscriptions belong to a server: use /subscribe with `channel` in a server, not in DMs."
# Also the answer for another member's subscription or a channel's the invoker may not manage or see:
# a different one would tell a stranger which ids exist.
PICK_ONE = "I don't know that subscription. Pick one from the suggestions (see them all with /subscriptions)."
PAUSED_WHY = "paused: I couldn't DM you (your DMs are closed to me)"
# Per server, the same cap as per user: the autocomplete and the list stay readable.
MAX_SUBSCRIPTIONS_PER_SERVER = MAX_SUBSCRIPTIONS_PER_USER
LISTED_TOPIC_CHARS = 80
LIST_BUDGET = embeds.CONTENT_LIMIT - 100
CHOICE_NAME_LIMIT = 100


def shown_topic(topic: str, limit: int = 150) -> str:
    """Return a topic quoted and escaped for a message (mentions never ping: allowed_mentions none)."""
    return f"\u201c{embeds.fit(' '.join(topic.split()), limit)}\u201d"


def _since(sub: Subscription) -> str:
    return sub.created_at[:10]


def personal_line(sub: Subscription) -> str:
    """Return one personal subscription as a list line."""
    line = f"\u2022 {shown_topic(sub.topic, LISTED_TOPIC_CHARS)} \u2014 by DM, since {_since(sub)}"
    if sub.paused:
        line += f" \u2014 \u23f8 **{PAUSED_WHY}**. Open your DMs, then `/subscribe` the same topic to resume."
    return line


def channel_line(sub: Subscription) -> str:
    """Return one channel subscription as a list line."""
    line = f"\u2022 {shown_topic(sub.topic, LISTED_TOPIC_CHARS)} \u2192 <#{sub.channel_id}>, since {_since(sub)}"
    if sub.paused:
        line += " \u2014 \u23f8 **paused**"
    return line


def describe_subscriptions(personal: list[Subscription], server: list[Subscription] | None) -> str:
    """Return the /subscriptions answer: personal ones, then (in a server) the server's channel ones."""
    sections: list[tuple[str, list[str]]] = []
    if personal:
        sections.append(("**Your subscriptions** (new papers by DM, once a day)", [personal_line(s) for s in personal]))
    if server:
        sections.append(("**This server's channel subscriptions**", [channel_line(s) for s in server]))
    if not sections:
        text = "You have no subscriptions. Start one with `/subscribe topic:graph neural networks`"
        if server is not None:
            text += " (add `channel` to post into a channel, with Manage Server)"
        return text + "."
    out: list[str] = []
    used = 0
    total = sum(len(lines) for _, lines in sections)
    shown = 0
    for title, lines in sections:
        if used + len(title) + 1 > LIST_BUDGET:
            break
        out.append(title)
        used += len(title) + 1
        for line in lines:
            if used + len(line) + 1 > LIST_BUDGET:
                break
            out.append(line)
            used += len(line) + 1
            shown += 1
    if shown < total:
        out.append(f"\u2026and {total - shown} more.")
    out.append("Remove one with `/unsubscribe`.")
    return card_text.cut("\n".join(out), embeds.CONTENT_LIMIT)


def choice_name(sub: Subscription, channel_name: str | None = None) -> str:
    """Return an autocomplete label for a subscription (plain text, at most 100 characters)."""
    if is_personal(sub):
        where = "by DM"
    else:
        where = f"in #{channel_name}" if channel_name else "in a channel"
    suffix = f" ({where}{', paused' if sub.paused else ''})"
    return card_text.cut(" ".join(sub.topic.split()), CHOICE_NAME_LIMIT - len(suffix)) + suffix


class SubscriptionsCog(commands.Cog):
    """Topic subscriptions kept in the state store; delivery runs elsewhere (subscription_delivery)."""

    def __init__(self, subscriptions: Subscriptions) -> None:
        self.store = subscriptions

    # ------------------------------------------------------------------ helpers

    async def _personal(self, user_id: int) -> list[Subscription]:
        subs = await asyncio.to_thread(self.store.list, user_id=user_id)
        return [s for s in subs if is_personal(s)]

    async def _server(self, guild_id: int | None) -> list[Subscription]:
        if guild_id is None:
            return []
        return await asyncio.to_thread(self.store.list, guild_id=guild_id)

    async def _visible(self, interaction: discord.Interaction) -> list[Subscription]:
        """Return the server's channel subscriptions in channels the invoker can see."""
        guild = interaction.guild
        subs = await self._server(interaction.guild_id)
        return [s for s in subs if guild is not None and member_sees(interaction, guild.get_channel(s.channel_id or 0))]

    async def _removable(self, interaction: discord.Interaction) -> list[Subscription]:
        """Return what the invoker may remove: their personal ones, and with Manage Server the server's they see."""
        subs = await self._personal(interaction.user.id)
        if interaction.guild_id is not None and interaction.permissions.manage_guild:
            subs += await self._visible(interaction)
        return subs

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
        """List your subscriptions and, in a server, its channel subscriptions."""
        personal = await self._personal(interaction.user.id)
        server = await self._visible(interaction) if interaction.guild_id is not None else None
        await Responder(interaction).send_text(describe_subscriptions(personal, server))

    @app_commands.command(name="unsubscribe")
    @app_commands.describe(subscription="The subscription to remove (start typing its topic)")
    async def unsubscribe(self, interaction: discord.Interaction, subscription: app_commands.Range[str, 1, 200]) -> None:
        """Stop a subscription."""
        allowed = await self._removable(interaction)
        target = self._pick(allowed, subscription)
        if target is None:
            raise UserFacingError(PICK_ONE)
        removed = await asyncio.to_thread(self.store.remove, target.id)
        if not removed:
            raise UserFacingError(PICK_ONE)
        log.info("user %s removed subscription %s", interaction.user.id, target.id)
        where = "by DM" if is_personal(target) else f"in <#{target.channel_id}>"
        await Responder(interaction).send_text(f"Unsubscribed: no more papers on {shown_topic(target.topic)} {where}.")

    @staticmethod
    def _pick(allowed: list[Subscription], value: str) -> Subscription | None:
        """Return the subscription an autocomplete value (its id) or a typed topic names."""
        value = value.strip()
        if value.isdigit():
            found = next((s for s in allowed if s.id == int(value)), None)
            if found is not None:
                return found
        same = [s for s in allowed if topic_key(s.topic) == topic_key(value)]
        return same[0] if len(same) == 1 else None

    @unsubscribe.autocomplete("subscription")
    @never_fails
    async def subscription_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest the subscriptions the invoker may remove, matching what was typed."""
        allowed = await self._removable(interaction)
        key = topic_key(current or "")
        picked = [s for s in allowed if key in topic_key(s.topic)] if key else allowed
        guild = interaction.guild
        choices = []
        for sub in picked[:25]:
            channel = guild.get_channel(sub.channel_id) if guild is not None and sub.channel_id else None
            choices.append(app_commands.Choice(name=choice_name(sub, getattr(channel, "name", None)), value=str(sub.id)))
        return choices


async def setup(bot: PaperScoutBot) -> None:
    """Add the cog when the bot has a state store."""
    if bot.state is None:
        log.info("no state store: /subscribe is not available")
        return
    await bot.add_cog(SubscriptionsCog(bot.state.subscriptions))
