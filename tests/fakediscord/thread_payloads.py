"""Threads as Discord has them: the thread channel, its constants and its JSON (a channel with thread_metadata).

Facts from Discord's Threads topic (discord-api-docs, docs/topics/Threads.md) and the channel
resource: a public thread started from a message has that message's id; its type follows the
parent's (a text channel's threads are PUBLIC_THREAD, an announcement channel's NEWS_THREAD);
it inherits the parent's permission overwrites; names are 1-100 characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .state import CHANNEL_NEWS, CHANNEL_TEXT, FakeChannel

CHANNEL_NEWS_THREAD = 10
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12
THREAD_TYPES = (CHANNEL_NEWS_THREAD, CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD)
# The parent channel type -> the type of a thread started from one of its messages.
THREAD_TYPE_OF = {CHANNEL_TEXT: CHANNEL_PUBLIC_THREAD, CHANNEL_NEWS: CHANNEL_NEWS_THREAD}

# CREATE_PUBLIC_THREADS and SEND_MESSAGES_IN_THREADS are in state.py (the default @everyone has them).
MANAGE_THREADS = 1 << 34
CREATE_PRIVATE_THREADS = 1 << 36

THREAD_NAME_MAX = 100
# Minutes of inactivity before Discord archives a thread; the only values it accepts.
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)

# Error codes Discord answers thread operations with.
THREAD_ALREADY_CREATED = 160004  # "A thread has already been created for this message"
THREAD_ARCHIVED = 50083  # "Operation cannot be performed on an archived thread"
WRONG_CHANNEL_TYPE = 50024  # "Cannot execute action on this channel type"


@dataclass
class FakeThread(FakeChannel):
    """A thread: a channel whose `parent_id` is a text channel, with its archive state and members."""

    owner_id: int = 0
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    archive_timestamp: str = ""
    create_timestamp: str = ""
    message_count: int = 0
    # Users who joined (the creator, and everyone who posted in it).
    member_ids: set[int] = field(default_factory=set)


def thread_member_payload(thread: FakeThread, user_id: int) -> dict[str, Any]:
    """Build a thread member object (who joined, when)."""
    return {"id": str(thread.id), "user_id": str(user_id), "join_timestamp": thread.create_timestamp, "flags": 1}


def thread_payload(thread: FakeThread, *, me: int | None = None, newly_created: bool = False) -> dict[str, Any]:
    """Build a thread channel object; `me` adds that user's thread member if they joined."""
    last = str(thread.last_message_id) if thread.last_message_id else None
    data: dict[str, Any] = {
        "id": str(thread.id),
        "type": thread.type,
        "guild_id": str(thread.guild_id),
        "parent_id": str(thread.parent_id),
        "owner_id": str(thread.owner_id),
        "name": thread.name,
        "last_message_id": last,
        "rate_limit_per_user": 0,
        "message_count": thread.message_count,
        "total_message_sent": thread.message_count,
        # Discord stops counting at 50.
        "member_count": min(len(thread.member_ids), 50),
        "flags": 0,
        "thread_metadata": {
            "archived": thread.archived,
            "auto_archive_duration": thread.auto_archive_duration,
            "archive_timestamp": thread.archive_timestamp,
            "locked": thread.locked,
            "invitable": True,
            "create_timestamp": thread.create_timestamp,
        },
    }
    if me is not None and me in thread.member_ids:
        data["member"] = thread_member_payload(thread, me)
    if newly_created:
        data["newly_created"] = True
    return data
