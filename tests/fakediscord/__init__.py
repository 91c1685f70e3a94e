"""A loopback fake Discord (REST + JSON gateway) that the real discord.py client talks to.

Start it, point discord.py at it (see pytest_helpers.connect_client), then inject users'
actions (slash commands, clicks, messages) and assert on what the bot sent.
"""

from .faults import FaultRule
from .payloads import (
    channel_payload,
    guild_create_payload,
    member_payload,
    message_payload,
    role_payload,
    user_payload,
)
from .server import FakeDiscord
from .state import (
    ADMINISTRATOR,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    MANAGE_GUILD,
    CallbackRecord,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    RecordedRequest,
    Rejection,
)

__all__ = [
    "ADMINISTRATOR",
    "FLAG_EPHEMERAL",
    "FLAG_LOADING",
    "MANAGE_GUILD",
    "CallbackRecord",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "FaultRule",
    "RecordedRequest",
    "Rejection",
    "channel_payload",
    "guild_create_payload",
    "member_payload",
    "message_payload",
    "role_payload",
    "user_payload",
]
