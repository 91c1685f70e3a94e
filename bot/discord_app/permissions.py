"""Checks of what the bot may do in a channel before it promises to post there."""

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


def require_postable(interaction: discord.Interaction, channel: discord.TextChannel, guild_id: int) -> None:
    """Refuse a channel of another server, or one where the bot lacks what posting papers needs."""
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
