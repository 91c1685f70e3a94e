"""In-memory state of the fake Discord: users, guilds, channels, messages, interactions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# Discord's epoch (2015-01-01T00:00:00Z) in milliseconds; snowflakes carry ms since then.
DISCORD_EPOCH_MS = 1420070400000

# Permission bits used by the fake (subset of Discord's table).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
# Every bit Discord currently defines; administrators and owners get all of them.
ALL_PERMISSIONS = (1 << 51) - 1
# What @everyone gets in a freshly created guild, close enough for bots.
DEFAULT_EVERYONE_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)

# Message flags the fake interprets.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15

# Channel types.
CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_VOICE = 2
CHANNEL_CATEGORY = 4
CHANNEL_NEWS = 5


class SnowflakeFactory:
    """Hands out strictly increasing snowflakes whose timestamp part is the current time."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a fresh snowflake larger than every one handed out before."""
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        # Time-based so discord.py's created_at is plausible, +1 so ids never repeat.
        self._last = max(self._last + 1, now_ms << 22)
        return self._last


class FakeClock:
    """Monotonic clock that tests can move forward to expire deadlines without sleeping."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        """Return the current fake time in seconds."""
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        self._offset += seconds


@dataclass
class FakeUser:
    """A Discord user (the bot itself or a human)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None
    # The user accepts no DMs from the bot: posting in their DM channel answers 403/50007.
    dms_closed: bool = False

    @property
    def mention(self) -> str:
        """Return the `<@id>` mention string."""
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False


@dataclass
class FakeMember:
    """A user's membership in one guild."""

    user: FakeUser
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = "2024-01-01T00:00:00.000000+00:00"
    flags: int = 0


@dataclass
class FakeChannel:
    """A guild channel or a DM channel."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    permission_overwrites: list[dict[str, Any]] = field(default_factory=list)
    recipients: list[FakeUser] = field(default_factory=list)
    last_message_id: int | None = None


@dataclass
class FakeGuild:
    """A guild with its channels, roles and members."""

    id: int
    name: str
    owner_id: int
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    joined_at: str = "2024-01-01T00:00:00.000000+00:00"

    @property
    def everyone(self) -> FakeRole:
        """Return the @everyone role."""
        return self.roles[self.id]

    @property
    def text_channels(self) -> list[FakeChannel]:
        """Return the text channels ordered by position."""
        return sorted(
            (c for c in self.channels.values() if c.type in (CHANNEL_TEXT, CHANNEL_NEWS)),
            key=lambda c: (c.position, c.id),
        )

    def permissions_for(self, user_id: int) -> int:
        """Compute a member's guild-level permissions (roles only, no overwrites)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        if member is None:
            return 0
        perms = self.everyone.permissions
        for role_id in member.role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        # Discord treats Administrator as "every permission".
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms


@dataclass
class FakeMessage:
    """A message stored by the fake, with the parsed fields tests assert on."""

    id: int
    channel_id: int
    guild_id: int | None
    author: FakeUser
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    tts: bool = False
    allowed_mentions: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    nonce: str | int | None = None
    timestamp: str = ""
    edited_timestamp: str | None = None
    pinned: bool = False
    webhook_id: int | None = None
    application_id: int | None = None
    # Id of the interaction this message answers (callback, followup), if any.
    interaction_id: int | None = None
    # "channel" (POST /channels), "callback", "followup" or "user" (injected by a test).
    source: str = "channel"
    mention_user_ids: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    # Emoji -> set of user ids that reacted.
    reactions: dict[str, set[int]] = field(default_factory=dict)
    deleted: bool = False
    # Every payload that edited this message, in order.
    edits: list[dict[str, Any]] = field(default_factory=list)
    # The payload that created the message, as received.
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ephemeral(self) -> bool:
        """Return True for ephemeral (flag 64) messages."""
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Return True while this is a deferred "thinking..." placeholder."""
        return bool(self.flags & FLAG_LOADING)

    @property
    def embed(self) -> dict[str, Any] | None:
        """Return the first embed, if any."""
        return self.embeds[0] if self.embeds else None

    def custom_ids(self) -> list[str]:
        """Return every component custom_id in this message, depth first."""
        found: list[str] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                if "custom_id" in item:
                    found.append(item["custom_id"])
                walk(item.get("components") or [])
                accessory = item.get("accessory")
                if isinstance(accessory, dict):
                    walk([accessory])

        walk(self.components)
        return found

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        """Return the component with this custom_id, if present."""

        def walk(items: list[dict[str, Any]]) -> dict[str, Any] | None:
            for item in items:
                if item.get("custom_id") == custom_id:
                    return item
                hit = walk(item.get("components") or [])
                if hit is not None:
                    return hit
                accessory = item.get("accessory")
                if isinstance(accessory, dict) and accessory.get("custom_id") == custom_id:
                    return accessory
            return None

        return walk(self.components)


@dataclass
class FakeInteraction:
    """An interaction the fake dispatched, and everything the bot did in answer to it."""

    id: int
    token: str
    type: int
    channel_id: int
    guild_id: int | None
    user: FakeUser
    data: dict[str, Any]
    payload: dict[str, Any]
    dispatched_at: float
    # For component interactions: the message whose component was used.
    message_id: int | None = None
    ack_type: int | None = None
    acked_at: float | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    # Ids of messages that became visible answers, in order (original, updates, followups).
    visible_ids: list[int] = field(default_factory=list)
    autocomplete_choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None

    @property
    def acknowledged(self) -> bool:
        """Return True once a callback was accepted."""
        return self.ack_type is not None


@dataclass
class RecordedRequest:
    """One REST request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Rejection:
    """A request the fake refused the way Discord would."""

    method: str
    path: str
    status: int
    code: int
    message: str
    errors: dict[str, Any] | None
    body: Any
    interaction_id: int | None = None


@dataclass
class CallbackRecord:
    """One POST /interactions/{id}/{token}/callback, accepted or not."""

    interaction_id: int
    type: int | None
    data: dict[str, Any] | None
    status: int
    error_code: int | None = None
