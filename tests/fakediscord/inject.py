"""What a test can make "users" do: slash commands, autocomplete, clicks, messages, reactions."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .gateway import INTENT_MESSAGE_CONTENT
from .payloads import ATTACHMENT_SIZE_LIMIT, channel_payload, member_payload, role_payload, user_payload
from .state import ADMINISTRATOR, CHANNEL_DM, FakeChannel, FakeInteraction, FakeMessage, FakeUser
from .store import DiscordState, UserRef

if TYPE_CHECKING:
    from .gateway import Gateway
    from .waiting import Notifier

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11
OptionsArg = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
MessageRef = FakeMessage | int


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


class InjectionMixin(DiscordState):
    """Injection API of FakeDiscord; every method dispatches over the gateway."""

    gateway: Gateway
    notifier: Notifier

    async def dispatch(self, event: str, data: dict[str, Any]) -> int | None:
        """Send any gateway event; returns its sequence number (None if intents filter it)."""
        seq = await self.gateway.dispatch(event, data)
        self.notifier.notify()
        return seq

    # ------------------------------------------------------ slash commands

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

    def _resolved(self, options: Sequence[Mapping[str, Any]], guild_id: int | None) -> dict[str, Any]:
        resolved: dict[str, dict[str, Any]] = {}
        guild = self.guilds.get(guild_id) if guild_id is not None else None

        def add_user(uid: int) -> bool:
            user = self.users.get(uid)
            if user is None:
                return False
            resolved.setdefault("users", {})[str(uid)] = user_payload(user)
            member = guild.members.get(uid) if guild else None
            if member is not None:
                perms = guild.permissions_for(uid) if guild else 0
                resolved.setdefault("members", {})[str(uid)] = member_payload(
                    member, with_user=False, permissions=perms
                )
            return True

        def add_role(rid: int) -> bool:
            role = guild.roles.get(rid) if guild else None
            if role is None:
                return False
            resolved.setdefault("roles", {})[str(rid)] = role_payload(role)
            return True

        def walk(items: Sequence[Mapping[str, Any]]) -> None:
            for item in items:
                kind, value = item.get("type"), item.get("value")
                if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
                    walk(item.get("options") or [])
                elif value is None or item.get("focused"):
                    continue
                elif kind == USER:
                    add_user(int(value))
                elif kind == ROLE:
                    add_role(int(value))
                elif kind == MENTIONABLE:
                    add_user(int(value)) or add_role(int(value))
                elif kind == CHANNEL and int(value) in self.channels:
                    channel = self.channels[int(value)]
                    data = channel_payload(channel)
                    data["permissions"] = str(self.channel_permissions(channel, self.bot_user.id))
                    resolved.setdefault("channels", {})[str(value)] = data

        walk(options)
        return resolved

    def _member_permissions(self, channel: FakeChannel, user: FakeUser, override: int | str | None) -> int:
        """Return the permissions a member has in a channel, unless the test overrides them."""
        return int(override) if override is not None else self.channel_permissions(channel, user.id)

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

    # ---------------------------------------------------------- components

    def _as_message(self, message: MessageRef) -> FakeMessage:
        msg = message if isinstance(message, FakeMessage) else self.get_message(int(message))
        if msg is None or msg.deleted:
            raise ValueError(f"unknown or deleted message {message!r}")
        return msg

    async def click_button(
        self, message: MessageRef, custom_id: str, *, user: UserRef | None = None
    ) -> FakeInteraction:
        """Click a button of a message the bot sent (type 3, component_type 2)."""
        msg = self._as_message(message)
        component = msg.find_component(custom_id)
        if component is None:
            raise ValueError(f"message {msg.id} has no component {custom_id!r}; it has {msg.custom_ids()}")
        if component.get("type") != 2:
            raise ValueError(f"component {custom_id!r} is not a button")
        if component.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled: no user can click it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if "id" in component:
            data["id"] = component["id"]
        return await self._dispatch_interaction(
            3, data, user=self.resolve_user(user), channel=self.channels[msg.channel_id], message=msg
        )

    async def select(
        self, message: MessageRef, custom_id: str, values: Iterable[Any], *, user: UserRef | None = None
    ) -> FakeInteraction:
        """Pick values in a select menu of a message the bot sent (type 3)."""
        msg = self._as_message(message)
        component = msg.find_component(custom_id)
        if component is None or component.get("type") not in (3, 5, 6, 7, 8):
            raise ValueError(f"message {msg.id} has no select menu {custom_id!r}")
        if component.get("disabled"):
            raise ValueError(f"select {custom_id!r} is disabled")
        picked = [str(v.id) if hasattr(v, "id") else str(v) for v in values]
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(picked) <= high:
            raise ValueError(f"select {custom_id!r} accepts {low}..{high} values, got {len(picked)}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"], "values": picked}
        if component["type"] == 3:
            allowed = {o["value"] for o in component.get("options") or []}
            if not set(picked) <= allowed:
                raise ValueError(f"{sorted(set(picked) - allowed)} are not options of {custom_id!r}")
        else:
            kind = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[component["type"]]
            resolved = self._resolved([{"type": kind, "value": v} for v in picked], msg.guild_id)
            data["resolved"] = resolved
        return await self._dispatch_interaction(
            3, data, user=self.resolve_user(user), channel=self.channels[msg.channel_id], message=msg
        )

    async def submit_modal(
        self, interaction: FakeInteraction | int, values: Mapping[str, str], *, user: UserRef | None = None
    ) -> FakeInteraction:
        """Submit the modal the bot answered `interaction` with (type 5)."""
        origin = self.interaction(interaction)
        if origin.modal is None:
            raise ValueError(f"interaction {origin.id} was not answered with a modal")

        def answer(component: Mapping[str, Any]) -> dict[str, Any]:
            item: dict[str, Any] = {"type": component["type"], "custom_id": component["custom_id"]}
            if component["type"] == 4:
                item["value"] = str(values.get(component["custom_id"], ""))
            else:
                item["values"] = list(values.get(component["custom_id"], []))
            return item

        submitted: list[dict[str, Any]] = []
        for top in origin.modal.get("components") or []:
            if top.get("type") == 1:
                submitted.append({"type": 1, "components": [answer(c) for c in top.get("components") or []]})
            elif top.get("type") == 18 and isinstance(top.get("component"), dict):
                submitted.append({"type": 18, "component": answer(top["component"])})
        data = {"custom_id": origin.modal["custom_id"], "components": submitted}
        message = self.get_message(origin.message_id) if origin.message_id is not None else None
        submitter = self.resolve_user(user or origin.user)
        channel = self.channels[origin.channel_id]
        return await self._dispatch_interaction(5, data, user=submitter, channel=channel, message=message)

    async def _dispatch_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        *,
        user: FakeUser,
        channel: FakeChannel,
        member_permissions: int | str | None = None,
        locale: str = "en-US",
        message: FakeMessage | None = None,
    ) -> FakeInteraction:
        iid = self.ids.next()
        token = f"fake-interaction-{iid}-{secrets.token_hex(12)}"
        channel_obj = channel_payload(channel)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(self.channel_permissions(channel, self.bot_user.id)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            # discord.py reads this key unconditionally (Interaction.filesize_limit).
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": str(channel.id),
            "channel": channel_obj,
        }
        if channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            member = guild.members.get(user.id)
            if member is None:
                raise ValueError(f"{user.username} is not a member of guild {guild.name!r}")
            perms = self._member_permissions(channel, user, member_permissions)
            channel_obj["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member_payload(member, permissions=perms),
                context=0,
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(user=user_payload(user), context=1 if channel.type == CHANNEL_DM else 2)
        if message is not None:
            payload["message"] = self.message_json(message)
        interaction = FakeInteraction(
            id=iid,
            token=token,
            type=itype,
            channel_id=channel.id,
            guild_id=channel.guild_id,
            user=user,
            data=data,
            payload=payload,
            dispatched_at=self.clock.now(),
            message_id=message.id if message is not None else None,
        )
        self.register_interaction(interaction)
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    # ------------------------------------------------------------ messages

    async def send_message(
        self,
        channel_id: int,
        content: str,
        *,
        author: UserRef | None = None,
        mentions: Iterable[UserRef] = (),
        embeds: Sequence[dict[str, Any]] = (),
        reply_to: MessageRef | None = None,
    ) -> FakeMessage:
        """A user posts a message (MESSAGE_CREATE); `<@id>` in content becomes a mention."""
        channel = self.channels[int(channel_id)]
        user = self.resolve_user(author)
        if channel.guild_id is not None and user.id not in self.guilds[channel.guild_id].members:
            raise ValueError(f"{user.username} is not a member of the channel's guild")
        fields: dict[str, Any] = {"content": content, "embeds": list(embeds)}
        if reply_to is not None:
            target = self._as_message(reply_to)
            fields["message_reference"] = {"message_id": target.id, "channel_id": target.channel_id}
        msg = self.new_message(channel, user, fields, source="user", msg_type=19 if reply_to is not None else 0)
        for extra in mentions:
            uid = self.resolve_user(extra).id
            if uid not in msg.mention_user_ids:
                msg.mention_user_ids.append(uid)
        await self.publish("MESSAGE_CREATE", msg)
        return msg

    async def send_dm(self, content: str, *, author: UserRef | None = None) -> FakeMessage:
        """A user DMs the bot (channel type 1, no guild_id)."""
        user = self.resolve_user(author)
        return await self.send_message(self.dm_channel(user).id, content, author=user)

    async def edit_user_message(self, message: MessageRef, content: str) -> FakeMessage:
        """A user edits their message (MESSAGE_UPDATE)."""
        msg = self._as_message(message)
        self.apply_edit(msg, {"content": content})
        await self.publish("MESSAGE_UPDATE", msg)
        return msg

    async def delete_message(self, message: MessageRef) -> None:
        """Delete any message (MESSAGE_DELETE)."""
        msg = self._as_message(message)
        msg.deleted = True
        await self.publish("MESSAGE_DELETE", msg)

    async def publish(self, event: str, msg: FakeMessage) -> int | None:
        """Dispatch MESSAGE_CREATE/UPDATE/DELETE for a message, as Discord would."""
        if self.gateway.session_id is None or msg.ephemeral:
            # Ephemeral messages never reach the gateway; before IDENTIFY there is no one to tell.
            return None
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
        else:
            data = self.gateway_message_json(msg)
        return await self.dispatch(event, data)

    def gateway_message_json(self, msg: FakeMessage) -> dict[str, Any]:
        """Render a message for the gateway (with the author's member), as the bot may see it."""
        return self.bot_view_json(msg, gateway=True)

    def bot_view_json(self, msg: FakeMessage, *, gateway: bool = False) -> dict[str, Any]:
        """Render a message for the bot, blanking content it may not read without the intent."""
        data = self.message_json(msg, gateway=gateway)
        sees_content = (
            self.gateway.has_intent(INTENT_MESSAGE_CONTENT)
            or msg.guild_id is None
            or msg.author.id == self.bot_user.id
            or self.bot_user.id in msg.mention_user_ids
        )
        if not sees_content:
            # Discord strips these fields (gateway and REST) for bots without the privileged intent.
            data.update(content="", embeds=[], attachments=[], components=[])
            data.pop("poll", None)
        return data

    # ----------------------------------------------------------- reactions

    @staticmethod
    def _emoji_payload(emoji: str) -> dict[str, Any]:
        if emoji.startswith("<") and emoji.endswith(">") and emoji.count(":") == 2:
            animated, name, eid = emoji[1:-1].split(":")
            return {"id": eid, "name": name, "animated": animated == "a"}
        if ":" in emoji and emoji.split(":")[-1].isdigit():
            name, eid = emoji.rsplit(":", 1)
            return {"id": eid, "name": name, "animated": False}
        return {"id": None, "name": emoji}

    async def _reaction_event(self, event: str, msg: FakeMessage, emoji: str, user: FakeUser) -> int | None:
        data: dict[str, Any] = {
            "user_id": str(user.id),
            "channel_id": str(msg.channel_id),
            "message_id": str(msg.id),
            "emoji": self._emoji_payload(emoji),
            "type": 0,
            "burst": False,
            "burst_colors": [],
            "message_author_id": str(msg.author.id),
        }
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
            member = self.member_of(msg.guild_id, user.id)
            if member is not None and event == "MESSAGE_REACTION_ADD":
                data["member"] = member_payload(member)
        if self.gateway.session_id is None:
            return None
        return await self.dispatch(event, data)

    async def add_reaction(
        self, channel_id: int, message_id: int, emoji: str, user: UserRef | None = None
    ) -> int | None:
        """A user (default alice) reacts to a message (MESSAGE_REACTION_ADD)."""
        msg = self._as_message(message_id)
        if msg.channel_id != int(channel_id):
            raise ValueError(f"message {message_id} is not in channel {channel_id}")
        reactor = self.resolve_user(user)
        msg.reactions.setdefault(emoji, set()).add(reactor.id)
        return await self._reaction_event("MESSAGE_REACTION_ADD", msg, emoji, reactor)

    async def remove_reaction(
        self, channel_id: int, message_id: int, emoji: str, user: UserRef | None = None
    ) -> int | None:
        """A user removes a reaction (MESSAGE_REACTION_REMOVE)."""
        msg = self._as_message(message_id)
        reactor = self.resolve_user(user)
        msg.reactions.get(emoji, set()).discard(reactor.id)
        return await self._reaction_event("MESSAGE_REACTION_REMOVE", msg, emoji, reactor)
