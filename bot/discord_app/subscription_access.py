"""Which subscriptions (topics and followed authors) a member may see and manage, shared by their commands.

A member manages their own personal (DM) subscriptions; with Manage Server, also the server's
channel subscriptions in channels they can see. Anything else is answered like an unknown
subscription, so a stranger cannot learn which ids exist.
"""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands

from bot.core import card_text
from bot.core.subscriptions import is_personal, topic_key
from bot.discord_app.permissions import member_sees
from bot.state.subscriptions import AUTHOR, Subscription, Subscriptions

CHOICE_NAME_LIMIT = 100
CHOICES = 25


def choice_name(sub: Subscription, channel_name: str | None = None) -> str:
    """Return an autocomplete label for a subscription (plain text, at most 100 characters)."""
    if is_personal(sub):
        where = "by DM"
    else:
        where = f"in #{channel_name}" if channel_name else "in a channel"
    suffix = f" ({where}{', paused' if sub.paused else ''})"
    prefix = "papers by " if sub.kind == AUTHOR else ""
    return card_text.cut(prefix + " ".join(sub.topic.split()), CHOICE_NAME_LIMIT - len(suffix)) + suffix


class SubscriptionAccess:
    """The state's subscriptions as one member may see and manage them."""

    def __init__(self, store: Subscriptions) -> None:
        self.store = store

    async def personal(self, user_id: int) -> list[Subscription]:
        """Return a member's DM subscriptions, topics and follows, oldest first."""
        subs = await asyncio.to_thread(self.store.list, user_id=user_id)
        return [s for s in subs if is_personal(s)]

    async def server(self, guild_id: int | None) -> list[Subscription]:
        """Return a server's channel subscriptions (none outside a server)."""
        if guild_id is None:
            return []
        return await asyncio.to_thread(self.store.list, guild_id=guild_id)

    async def visible(self, interaction: discord.Interaction) -> list[Subscription]:
        """Return the server's channel subscriptions in channels the invoker can see."""
        guild = interaction.guild
        subs = await self.server(interaction.guild_id)
        return [s for s in subs if guild is not None and member_sees(interaction, guild.get_channel(s.channel_id or 0))]

    async def removable(self, interaction: discord.Interaction) -> list[Subscription]:
        """Return what the invoker may manage: their personal ones, and with Manage Server the server's they see."""
        subs = await self.personal(interaction.user.id)
        if interaction.guild_id is not None and interaction.permissions.manage_guild:
            subs += await self.visible(interaction)
        return subs

    @staticmethod
    def pick(allowed: list[Subscription], value: str) -> Subscription | None:
        """Return the subscription an autocomplete value (its id) or a typed topic or name names."""
        value = value.strip()
        if value.isdigit():
            found = next((s for s in allowed if s.id == int(value)), None)
            if found is not None:
                return found
        same = [s for s in allowed if topic_key(s.topic) == topic_key(value)]
        return same[0] if len(same) == 1 else None

    @staticmethod
    def choices(interaction: discord.Interaction, allowed: list[Subscription], current: str) -> list[app_commands.Choice[str]]:
        """Return up to 25 choices among `allowed` whose topic or name holds what was typed."""
        key = topic_key(current or "")
        picked = [s for s in allowed if key in topic_key(s.topic)] if key else allowed
        guild = interaction.guild
        out = []
        for sub in picked[:CHOICES]:
            channel = guild.get_channel(sub.channel_id) if guild is not None and sub.channel_id else None
            out.append(app_commands.Choice(name=choice_name(sub, getattr(channel, "name", None)), value=str(sub.id)))
        return out
