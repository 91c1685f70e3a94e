"""Synchronous world state: create users/guilds/channels, look things up, compute permissions."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from .payloads import iso_now, member_payload
from .state import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    CHANNEL_DM,
    CHANNEL_TEXT,
    DEFAULT_EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    CallbackRecord,
    FakeChannel,
    FakeClock,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    RecordedRequest,
    Rejection,
    SnowflakeFactory,
)

UserRef = FakeUser | int


class DiscordState:
    """Everything the fake Discord knows, plus the records tests assert on."""

    def __init__(
        self,
        *,
        bot_id: int | None = None,
        bot_name: str = "PaperScout",
        application_id: int | None = None,
        ack_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        nonce_window: float = 5 * 60.0,
        with_default_guild: bool = True,
    ) -> None:
        self.ids = SnowflakeFactory()
        self.clock = FakeClock()
        self.ack_deadline = ack_deadline
        self.token_lifetime = token_lifetime
        self.nonce_window = nonce_window
        self.application_id = application_id or self.ids.next()
        self.bot_user = FakeUser(id=bot_id or self.ids.next(), username=bot_name, bot=True)
        self.app_owner = FakeUser(id=self.ids.next(), username="app-owner")
        self.users: dict[int, FakeUser] = {u.id: u for u in (self.bot_user, self.app_owner)}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self._history: dict[int, list[FakeMessage]] = defaultdict(list)
        self._messages_by_id: dict[int, FakeMessage] = {}
        # Public records.
        self.messages: defaultdict[int, list[FakeMessage]] = defaultdict(list)
        self.interactions: dict[int, FakeInteraction] = {}
        self._interactions_by_token: dict[str, FakeInteraction] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_puts: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.requests: list[RecordedRequest] = []
        self.rejections: list[Rejection] = []
        self.interaction_callbacks: list[CallbackRecord] = []
        self.followups: list[FakeMessage] = []
        self.unknown_routes: list[RecordedRequest] = []
        # Exceptions raised by the fake's own handlers (answered 400 so the bot fails fast).
        self.internal_errors: list[tuple[RecordedRequest, Exception]] = []
        self.nonce_hits: list[FakeMessage] = []
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        # Defaults tests can use directly.
        self.guild: FakeGuild | None = None
        self.channel: FakeChannel | None = None
        self.user: FakeUser | None = None
        self.moderator: FakeUser | None = None
        if with_default_guild:
            self._create_defaults()

    # ----------------------------------------------------------------- setup

    def _create_defaults(self) -> None:
        self.user = self.create_user("alice", global_name="Alice")
        self.moderator = self.create_user("morgan", global_name="Morgan")
        owner = self.create_user("olivia", global_name="Olivia")
        self.guild = self.create_guild("PaperScout Test Guild", owner=owner, channels=("general", "papers"))
        moderator_role = self.create_role(self.guild.id, "Moderator", MANAGE_GUILD)
        self.add_member(self.guild.id, self.user)
        self.add_member(self.guild.id, self.moderator, roles=[moderator_role.id])
        self.channel = self.guild.text_channels[0]

    def create_user(self, username: str, *, global_name: str | None = None, bot: bool = False) -> FakeUser:
        """Create a user known to the fake."""
        user = FakeUser(id=self.ids.next(), username=username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str,
        *,
        owner: FakeUser | None = None,
        channels: Iterable[str] = ("general",),
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int = 0,
    ) -> FakeGuild:
        """Create a guild the bot is in, with @everyone, a managed bot role and text channels."""
        owner = owner or self.app_owner
        gid = self.ids.next()
        guild = FakeGuild(id=gid, name=name, owner_id=owner.id, joined_at=iso_now())
        guild.roles[gid] = FakeRole(id=gid, name="@everyone", permissions=everyone_permissions)
        self.guilds[gid] = guild
        bot_role = self.create_role(gid, self.bot_user.username, bot_permissions)
        bot_role.managed = True
        self.add_member(gid, owner)
        self.add_member(gid, self.bot_user, roles=[bot_role.id])
        for channel_name in channels:
            self.create_channel(gid, channel_name)
        return guild

    def create_role(self, guild_id: int, name: str, permissions: int = 0) -> FakeRole:
        """Add a role to a guild."""
        guild = self.guilds[guild_id]
        role = FakeRole(id=self.ids.next(), name=name, permissions=permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def create_channel(
        self, guild_id: int, name: str, *, type: int = CHANNEL_TEXT, topic: str | None = None
    ) -> FakeChannel:
        """Add a channel to a guild."""
        guild = self.guilds[guild_id]
        position = sum(1 for c in guild.channels.values() if c.type == type)
        channel = FakeChannel(
            id=self.ids.next(), type=type, name=name, guild_id=guild_id, position=position, topic=topic
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_member(
        self, guild_id: int, user: FakeUser, *, roles: Iterable[int] = (), nick: str | None = None
    ) -> FakeMember:
        """Make a user a member of a guild."""
        self.users.setdefault(user.id, user)
        member = FakeMember(user=user, role_ids=list(roles), nick=nick, joined_at=iso_now())
        self.guilds[guild_id].members[user.id] = member
        return member

    def set_channel_permissions(
        self, channel_id: int, target_id: int, *, allow: int = 0, deny: int = 0, member: bool = False
    ) -> None:
        """Set a permission overwrite for a role (or member) on a channel."""
        channel = self.channels[channel_id]
        channel.permission_overwrites = [o for o in channel.permission_overwrites if int(o["id"]) != target_id]
        channel.permission_overwrites.append(
            {"id": str(target_id), "type": 1 if member else 0, "allow": str(allow), "deny": str(deny)}
        )

    def dm_channel(self, user: UserRef) -> FakeChannel:
        """Return the DM channel between the bot and a user, creating it once."""
        user = self.resolve_user(user)
        for channel in self.channels.values():
            if channel.type == CHANNEL_DM and channel.recipients and channel.recipients[0].id == user.id:
                return channel
        channel = FakeChannel(id=self.ids.next(), type=CHANNEL_DM, recipients=[user])
        self.channels[channel.id] = channel
        return channel

    # --------------------------------------------------------------- lookups

    def resolve_user(self, user: UserRef | None) -> FakeUser:
        """Accept a FakeUser or an id; default to the default human user."""
        if user is None:
            if self.user is None:
                raise ValueError("no default user: pass user=")
            return self.user
        if isinstance(user, FakeUser):
            self.users.setdefault(user.id, user)
            return user
        return self.users[int(user)]

    def member_of(self, guild_id: int, user_id: int) -> FakeMember | None:
        """Return a guild member or None."""
        guild = self.guilds.get(guild_id)
        return guild.members.get(user_id) if guild else None

    def get_message(self, message_id: int) -> FakeMessage | None:
        """Return any stored message by id (deleted ones too)."""
        return self._messages_by_id.get(message_id)

    def history(
        self, channel_id: int, *, include_ephemeral: bool = False, include_deleted: bool = False
    ) -> list[FakeMessage]:
        """Return a channel's messages, oldest first (user and bot messages)."""
        return [
            m
            for m in self._history.get(channel_id, [])
            if (include_ephemeral or not m.ephemeral) and (include_deleted or not m.deleted)
        ]

    def bot_messages(self, channel_id: int | None = None) -> list[FakeMessage]:
        """Return the non-deleted messages the bot created, optionally in one channel."""
        pools = [self.messages.get(channel_id, [])] if channel_id is not None else list(self.messages.values())
        found = [m for pool in pools for m in pool if not m.deleted]
        return sorted(found, key=lambda m: m.id)

    def interaction(self, ref: FakeInteraction | int | str) -> FakeInteraction:
        """Accept an interaction handle or id."""
        if isinstance(ref, FakeInteraction):
            return ref
        return self.interactions[int(ref)]

    def interaction_by_token(self, token: str) -> FakeInteraction | None:
        """Return the interaction owning a webhook token."""
        return self._interactions_by_token.get(token)

    def register_interaction(self, interaction: FakeInteraction) -> None:
        """Remember a dispatched interaction."""
        self.interactions[interaction.id] = interaction
        self._interactions_by_token[interaction.token] = interaction

    # ------------------------------------------------------------ permissions

    def channel_permissions(self, channel: FakeChannel, user_id: int) -> int:
        """Compute a member's permissions in a channel, applying overwrites like Discord."""
        if channel.guild_id is None:
            return ALL_PERMISSIONS
        guild = self.guilds[channel.guild_id]
        perms = guild.permissions_for(user_id)
        if perms & ADMINISTRATOR or perms == ALL_PERMISSIONS:
            return perms
        member = guild.members.get(user_id)
        if member is None:
            return 0
        overwrites = {int(o["id"]): o for o in channel.permission_overwrites}

        def apply(ow: dict[str, Any] | None, value: int) -> int:
            if ow is None:
                return value
            return (value & ~int(ow["deny"])) | int(ow["allow"])

        perms = apply(overwrites.get(guild.id), perms)
        role_allow = role_deny = 0
        for role_id in member.role_ids:
            ow = overwrites.get(role_id)
            if ow is not None and ow.get("type", 0) == 0:
                role_allow |= int(ow["allow"])
                role_deny |= int(ow["deny"])
        perms = (perms & ~role_deny) | role_allow
        member_ow = overwrites.get(user_id)
        if member_ow is not None and member_ow.get("type") == 1:
            perms = apply(member_ow, perms)
        return perms

    def member_chunk(
        self, guild_id: int, query: str | None, user_ids: Any, limit: int | None
    ) -> list[dict[str, Any]]:
        """Answer a REQUEST_GUILD_MEMBERS by query prefix or user ids."""
        guild = self.guilds.get(guild_id)
        if guild is None:
            return []
        members = list(guild.members.values())
        if user_ids:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.user.id in wanted]
        elif query:
            members = [m for m in members if m.user.username.lower().startswith(query.lower())]
        if limit:
            members = members[:limit]
        return [member_payload(m) for m in members]
