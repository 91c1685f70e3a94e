"""Injected slash commands and autocomplete: find the synced command, build its options, check access."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .inject_interactions import (
    ATTACHMENT,
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
    InteractionDispatch,
    MessageRef,
)
from .state import ADMINISTRATOR, FakeChannel, FakeInteraction, FakeUser
from .store import UserRef

OptionsArg = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
# Application command types: slash (chat input), user and message context menus.
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3


def _snowflake_of(value: Any) -> str:
    return str(value.id) if hasattr(value, "id") else str(int(value))


def _coerce(option: Mapping[str, Any], value: Any) -> Any:
    """Convert a Python value to what Discord sends for this option type."""
    kind = option.get("type")
    if kind == STRING:
        return str(value)
    if kind == INTEGER:
        return int(value)
    if kind == NUMBER:
        return float(value)
    if kind == BOOLEAN:
        return bool(value)
    if kind in (USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT):
        return _snowflake_of(value)
    return value


class CommandInjection(InteractionDispatch):
    """Users invoking slash commands (type 2) and typing into autocomplete options (type 4)."""

    def find_command(self, name: str, guild_id: int | None = None, *, type: int = 1) -> dict[str, Any] | None:
        """Return the registered command a user would see in this guild (guild ones first)."""
        scopes: list[int | None] = ([guild_id] if guild_id is not None else []) + [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == type:
                    return command
        return None

    def _require_command(self, name: str, guild_id: int | None) -> dict[str, Any]:
        command = self.find_command(name, guild_id)
        if command is None:
            known = sorted({c["name"] for cmds in self.commands.values() for c in cmds})
            raise LookupError(f"/{name} is not registered (did the bot sync its tree?); registered: {known}")
        return command

    def _channel_for(self, guild_id: int | None, channel_id: int | None) -> FakeChannel:
        if channel_id is not None:
            return self.channels[int(channel_id)]
        if guild_id is not None:
            return self.guilds[int(guild_id)].text_channels[0]
        if self.channel is None:
            raise ValueError("no default channel: pass channel_id=")
        return self.channel

    def _build_options(
        self, command: Mapping[str, Any], sub_path: Sequence[str], options: OptionsArg, *, partial: bool
    ) -> list[dict[str, Any]]:
        schema: list[Mapping[str, Any]] = list(command.get("options") or [])
        chain: list[Mapping[str, Any]] = []
        for name in sub_path:
            groups = (o for o in schema if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP))
            found = next((o for o in groups if o["name"] == name), None)
            if found is None:
                raise ValueError(f"/{command['name']} has no subcommand or group {name!r}")
            chain.append(found)
            schema = list(found.get("options") or [])
        if options is None or isinstance(options, Mapping):
            leaf = self._options_from_mapping(command["name"], schema, options or {}, partial=partial)
        else:
            leaf = [dict(o) for o in options]
        for parent in reversed(chain):
            leaf = [{"name": parent["name"], "type": parent["type"], "options": leaf}]
        return leaf

    def _options_from_mapping(
        self, command_name: str, schema: Sequence[Mapping[str, Any]], values: Mapping[str, Any], *, partial: bool
    ) -> list[dict[str, Any]]:
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
            raise ValueError(f"/{command_name} has subcommands: pass the name as '{command_name} <sub>'")
        by_name = {o["name"]: o for o in schema}
        built: list[dict[str, Any]] = []
        for name, value in values.items():
            option = by_name.get(name)
            if option is None:
                raise ValueError(f"/{command_name} has no option {name!r}; it has {sorted(by_name)}")
            coerced = _coerce(option, value)
            choices = option.get("choices")
            # Discord's client only lets users pick one of the declared choices.
            if choices and not partial and coerced not in [c["value"] for c in choices]:
                raise ValueError(f"{coerced!r} is not a choice of option {name!r}")
            built.append({"name": name, "type": option["type"], "value": coerced})
        if not partial:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise ValueError(f"/{command_name} requires options {missing}")
        return built

    def _check_command_allowed(
        self, command: Mapping[str, Any], user: FakeUser, channel: FakeChannel, member_permissions: int | str | None
    ) -> None:
        # Discord's client hides commands a member may not use; mirror that so tests
        # cannot invoke what a real user could not.
        if channel.guild_id is None:
            contexts = command.get("contexts")
            if command.get("dm_permission") is False or (contexts is not None and 1 not in contexts):
                raise PermissionError(f"/{command['name']} is not available in DMs")
            return
        required = command.get("default_member_permissions")
        if required is None:
            return
        needed = int(required)
        perms = self._member_permissions(channel, user, member_permissions)
        if perms & ADMINISTRATOR:
            return
        if needed == 0 or perms & needed != needed:
            raise PermissionError(f"{user.username} cannot see /{command['name']} (needs permissions {needed})")

    async def send_interaction_command(
        self,
        name: str,
        options: OptionsArg = None,
        *,
        user: UserRef | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        member_permissions: int | str | None = None,
        locale: str = "en-US",
        enforce_permissions: bool = True,
    ) -> FakeInteraction:
        """Invoke a slash command ("name" or "group sub"); options as {name: value} or raw list."""
        user = self.resolve_user(user)
        channel = self._channel_for(guild_id, channel_id)
        parts = name.split()
        command = self._require_command(parts[0], channel.guild_id)
        built = self._build_options(command, parts[1:], options, partial=False)
        data: dict[str, Any] = {"id": command["id"], "name": parts[0], "type": 1, "options": built}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        resolved = self._resolved(built, channel.guild_id)
        if resolved:
            data["resolved"] = resolved
        if enforce_permissions:
            self._check_command_allowed(command, user, channel, member_permissions)
        return await self._dispatch_interaction(
            2, data, user=user, channel=channel, member_permissions=member_permissions, locale=locale
        )

    async def send_message_command(
        self,
        name: str,
        message: MessageRef,
        *,
        user: UserRef | None = None,
        member_permissions: int | str | None = None,
        locale: str = "en-US",
        enforce_permissions: bool = True,
    ) -> FakeInteraction:
        """Use a message context-menu command (right-click, Apps) on a message, in that message's channel.

        Discord sends interaction type 2 with `data.type` 3, the message's id as `target_id` and
        the message itself in `resolved.messages`, content included: the target of a message
        command is one of the exceptions to the message-content intent.
        """
        msg = self._as_message(message)
        if msg.ephemeral:
            raise ValueError("Discord offers no Apps menu on an ephemeral message")
        user = self.resolve_user(user)
        channel = self.channels[msg.channel_id]
        command = self.find_command(name, channel.guild_id, type=MESSAGE_COMMAND)
        if command is None:
            known = sorted(c["name"] for cmds in self.commands.values() for c in cmds if c.get("type") == MESSAGE_COMMAND)
            raise LookupError(f"no message command {name!r} is registered; message commands: {known}")
        if enforce_permissions:
            self._check_command_allowed(command, user, channel, member_permissions)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": MESSAGE_COMMAND,
            "target_id": str(msg.id),
            "resolved": {"messages": {str(msg.id): self.message_json(msg)}},
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._dispatch_interaction(
            2, data, user=user, channel=channel, member_permissions=member_permissions, locale=locale
        )

    async def send_autocomplete(
        self,
        name: str,
        options: OptionsArg,
        *,
        focused: str | None = None,
        user: UserRef | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Simulate typing into an option with autocomplete (type 4); `focused` defaults to the last key."""
        user = self.resolve_user(user)
        channel = self._channel_for(guild_id, channel_id)
        parts = name.split()
        command = self._require_command(parts[0], channel.guild_id)
        built = self._build_options(command, parts[1:], options, partial=True)
        leaf = built
        while leaf and leaf[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            leaf = leaf[0]["options"]
        if isinstance(options, Mapping):
            target = focused or (list(options)[-1] if options else None)
            for option in leaf:
                if option["name"] == target:
                    # What the user has typed so far always arrives as a string.
                    option["focused"] = True
                    option["value"] = str(option["value"])
        if not any(o.get("focused") for o in leaf):
            raise ValueError("autocomplete needs exactly one focused option")
        data: dict[str, Any] = {"id": command["id"], "name": parts[0], "type": 1, "options": built}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._dispatch_interaction(4, data, user=user, channel=channel, locale=locale)
