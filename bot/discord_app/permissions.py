"""Checks of what the bot (and the member asking) may do in a channel before it promises to post there."""

from __future__ import annotations

import discord

from bot.core.errors import UserFacingError

# What the bot needs in a channel it posts papers into: see it, post in it, show paper cards
# (embeds), and read its recent messages (after a restart it looks there for its own post of
# the day before posting again).
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    """Return the names of the channel permissions the bot lacks for posting papers."""
    return [label for flag, label in NEEDED.items() if not getattr(permissions, flag)]


# What the member choosing a channel must be able to do there themselves: a Manage Server member
# may not point the bot's posts at a channel hidden from them, or one they could not post in.
MEMBER_NEEDS = ("view_channel", "send_messages")
MEMBER_CANNOT = "Pick a channel where you yourself can see and send messages; nothing was saved."


def member_sees(interaction: discord.Interaction, channel: discord.abc.GuildChannel | None) -> bool:
    """Return whether the invoking member can see `channel` (False outside a server or for an unknown channel)."""
    member = interaction.user
    if channel is None or not isinstance(member, discord.Member):
        return False
    return channel.permissions_for(member).view_channel


def require_postable(interaction: discord.Interaction, channel: discord.TextChannel, guild_id: int) -> None:
    """Refuse a channel of another server, one the bot cannot post papers in, or one the member can't post in."""
    guild = interaction.guild
    me = guild.me if guild is not None else None
    if me is None or channel.guild.id != guild_id:
        raise UserFacingError("Pick a text channel of this server.")
    missing = missing_permissions(channel.permissions_for(me))
    if missing:
        raise UserFacingError(
            f"I can't post in {channel.mention}: I'm missing {', '.join(f'**{m}**' for m in missing)} there. "
            "Give me those permissions in the channel settings (or pick another channel); nothing was saved."
        )
    member = interaction.user
    # Computed from the cached roles and channel overwrites, as Discord computes them.
    allowed = channel.permissions_for(member) if isinstance(member, discord.Member) else None
    if allowed is None or not all(getattr(allowed, flag) for flag in MEMBER_NEEDS):
        raise UserFacingError(MEMBER_CANNOT)
