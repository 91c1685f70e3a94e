"""Building and dispatching INTERACTION_CREATE: the payload, resolved objects, member permissions."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .payloads import ATTACHMENT_SIZE_LIMIT, channel_payload, member_payload, role_payload, user_payload
from .state import CHANNEL_DM, FakeChannel, FakeInteraction, FakeMessage, FakeUser
from .store_messages import MessageStore

if TYPE_CHECKING:
    from .gateway import Gateway
    from .waiting import Notifier

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11
MessageRef = FakeMessage | int


class InteractionDispatch(MessageStore):
    """Base of the injection API: gateway dispatch and the INTERACTION_CREATE every user action sends."""

    gateway: Gateway
    notifier: Notifier

    async def dispatch(self, event: str, data: dict[str, Any]) -> int | None:
        """Send any gateway event; returns its sequence number (None if intents filter it)."""
        seq = await self.gateway.dispatch(event, data)
        self.notifier.notify()
        return seq

    def _as_message(self, message: MessageRef) -> FakeMessage:
        msg = message if isinstance(message, FakeMessage) else self.get_message(int(message))
        if msg is None or msg.deleted:
            raise ValueError(f"unknown or deleted message {message!r}")
        return msg

    def _member_permissions(self, channel: FakeChannel, user: FakeUser, override: int | str | None) -> int:
        """Return the permissions a member has in a channel, unless the test overrides them."""
        return int(override) if override is not None else self.channel_permissions(channel, user.id)

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
