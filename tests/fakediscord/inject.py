"""What a test can make "users" do: slash commands, autocomplete, clicks, messages, reactions."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from .gateway import INTENT_MESSAGE_CONTENT
from .inject_commands import CommandInjection
from .inject_components import ComponentInjection
from .inject_interactions import MessageRef
from .payloads import member_payload
from .state import FakeMessage, FakeUser
from .store import UserRef


class InjectionMixin(CommandInjection, ComponentInjection):
    """Injection API of FakeDiscord; every method dispatches over the gateway."""

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
