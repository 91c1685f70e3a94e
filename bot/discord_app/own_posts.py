"""What the daily post and the weekly digest share: finding their channel, and their own earlier message in it.

Both claim a ledger row before sending; after a crash between the send and the mark, the
channel's recent history says whether the message went out (its nonce or its marker text).
"""

from __future__ import annotations

import logging

import discord

log = logging.getLogger(__name__)

# How far back a crashed send is looked for: a channel that got more messages than this since
# (or whose history cannot be read) gets the post a second time.
HISTORY_LIMIT = 50


async def messageable(client: discord.Client, channel_id: int) -> discord.abc.Messageable | None:
    """Return the channel to post into, from the cache or Discord; None if it is gone or hidden."""
    channel = client.get_channel(channel_id)
    if channel is not None:
        return channel  # type: ignore[return-value]
    try:
        fetched = await client.fetch_channel(channel_id)
    except (discord.NotFound, discord.Forbidden):
        return None
    return fetched if isinstance(fetched, discord.abc.Messageable) else None


async def own_message(
    client: discord.Client, channel: discord.abc.Messageable, nonce: str, tag: str, what: str
) -> discord.Message | None:
    """Return our message among the channel's recent ones that carries `nonce` or the text `tag`, if there."""
    me = client.user
    try:
        async for message in channel.history(limit=HISTORY_LIMIT):
            if me is not None and message.author.id == me.id:
                if message.nonce == nonce or tag in (message.content or ""):
                    return message
    except (discord.Forbidden, discord.HTTPException) as exc:
        log.warning("could not read the history of channel %s to check for an earlier %s: %s", getattr(channel, "id", "?"), what, exc)
    return None
