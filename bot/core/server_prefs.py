"""What a server's /config preferences mean: where mentions are answered, /find's privacy, the post's size.

Each decision is made here once; the front ends only read the settings and ask.
"""

from __future__ import annotations

from bot.core.errors import UserFacingError
from bot.state.server_settings import MAX_POST_SIZE, MIN_POST_SIZE, GuildSettings, MentionChannels


def parse_post_size(size: int) -> int:
    """Return a daily post size from 1 to 10, or explain the range in one line."""
    # Discord's client enforces the option's range, but other clients and the API need not.
    if isinstance(size, bool) or not isinstance(size, int) or not MIN_POST_SIZE <= size <= MAX_POST_SIZE:
        raise UserFacingError(
            f"The daily post holds {MIN_POST_SIZE} to {MAX_POST_SIZE} papers (Discord shows at most "
            f"{MAX_POST_SIZE} cards in one message); `{size}` is out of range, nothing was saved."
        )
    return size


def answers_mention(
    settings: GuildSettings | None, channel_id: int, parent_id: int | None = None, *, replies_to_bot: bool = False
) -> bool:
    """Return whether a mention in this server channel gets an answer.

    A thread (`parent_id` set) follows the channel it belongs to, so allowing #papers also
    covers the threads under it. A reply to one of the bot's own messages (e.g. to /find
    results, which work in every channel) continues that conversation wherever it is: the
    list stops the bot being called up in a channel, not it finishing what it said there.
    """
    if replies_to_bot or settings is None or settings.mention_channels is None:
        return True
    return channel_id in settings.mention_channels or (parent_id is not None and parent_id in settings.mention_channels)


def results_private(settings: GuildSettings | None, asked: bool | None) -> bool:
    """Return whether /find answers only the searcher: their explicit choice wins, else the server's default."""
    if asked is not None:
        return asked
    return settings is not None and settings.private_results


def allowing(channels: MentionChannels, channel_id: int) -> tuple[int, ...]:
    """Return the mention channels with one more: from "every channel", the list starts with it alone."""
    return tuple(sorted(set(channels or ()) | {channel_id}))


NOTHING_TO_DISALLOW = (
    "Mentions are answered in every channel, so there is no list to take a channel off. "
    "Use `/config mentions allow` for each channel where I should answer; mentions elsewhere then get no answer."
)


def disallowing(channels: MentionChannels, channel_id: int) -> tuple[int, ...]:
    """Return the mention channels without one; refuse when mentions are answered everywhere (there is no list)."""
    if channels is None:
        raise UserFacingError(NOTHING_TO_DISALLOW)
    return tuple(c for c in channels if c != channel_id)


def everywhere(channels: MentionChannels) -> MentionChannels:
    """Return the setting that answers mentions in every channel."""
    return None
