"""Synchronous message state: store and edit messages, resolve mentions, render them, dedupe nonces."""

from __future__ import annotations

import re
from typing import Any

from .payloads import iso_now, message_payload
from .state import FLAG_LOADING, FLAG_SUPPRESS_EMBEDS, FakeChannel, FakeInteraction, FakeMessage, FakeUser
from .store import DiscordState

USER_MENTION_RE = re.compile(r"<@!?(\d+)>")
ROLE_MENTION_RE = re.compile(r"<@&(\d+)>")
EVERYONE_RE = re.compile(r"@(everyone|here)\b")
# Fields a message edit may replace.
EDITABLE_FIELDS = ("content", "embeds", "components", "attachments", "allowed_mentions")


class MessageStore(DiscordState):
    """Messages on top of DiscordState: what the REST routes and the injected users create."""

    def new_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        fields: dict[str, Any],
        *,
        source: str,
        flags: int = 0,
        msg_type: int = 0,
        interaction: FakeInteraction | None = None,
    ) -> FakeMessage:
        """Store a new message built from a create payload."""
        msg = FakeMessage(
            id=self.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=fields.get("content") or "",
            embeds=list(fields.get("embeds") or []),
            components=list(fields.get("components") or []),
            attachments=list(fields.get("attachments") or []),
            flags=flags,
            type=msg_type,
            tts=bool(fields.get("tts")),
            allowed_mentions=fields.get("allowed_mentions"),
            message_reference=self._normalise_reference(fields.get("message_reference"), channel),
            nonce=fields.get("nonce"),
            timestamp=iso_now(),
            interaction_id=interaction.id if interaction else None,
            source=source,
            raw=dict(fields),
        )
        if source in ("callback", "followup"):
            # Interaction answers are sent by the application's webhook.
            msg.webhook_id = self.application_id
            msg.application_id = self.application_id
        self._apply_mentions(msg)
        self._history[channel.id].append(msg)
        self._messages_by_id[msg.id] = msg
        if author.id == self.bot_user.id:
            self.messages[channel.id].append(msg)
        channel.last_message_id = msg.id
        return msg

    def apply_edit(self, msg: FakeMessage, fields: dict[str, Any], *, mark_edited: bool = True) -> None:
        """Replace the fields an edit payload carries, as Discord does."""
        for key in EDITABLE_FIELDS:
            if key not in fields:
                continue
            value = fields[key]
            if key == "content":
                msg.content = value or ""
            elif key == "allowed_mentions":
                msg.allowed_mentions = value
            else:
                setattr(msg, key, list(value or []))
        if "flags" in fields and fields["flags"] is not None:
            # Only SUPPRESS_EMBEDS can be toggled by an edit.
            msg.flags = (msg.flags & ~FLAG_SUPPRESS_EMBEDS) | (int(fields["flags"]) & FLAG_SUPPRESS_EMBEDS)
        if mark_edited:
            msg.edited_timestamp = iso_now()
        msg.edits.append(dict(fields))
        self._apply_mentions(msg)

    def finish_loading(self, msg: FakeMessage) -> None:
        """Turn a deferred "thinking" placeholder into a normal message."""
        msg.flags &= ~FLAG_LOADING

    def _normalise_reference(self, ref: Any, channel: FakeChannel) -> dict[str, Any] | None:
        if not isinstance(ref, dict) or ref.get("message_id") is None:
            return None
        data = {
            "type": ref.get("type", 0),
            "message_id": str(ref["message_id"]),
            "channel_id": str(ref.get("channel_id") or channel.id),
        }
        if channel.guild_id is not None:
            data["guild_id"] = str(ref.get("guild_id") or channel.guild_id)
        return data

    def _apply_mentions(self, msg: FakeMessage) -> None:
        # Discord only lists users/roles that were actually pinged, which allowed_mentions
        # controls; default parsing differs for webhook/interaction messages.
        webhook = msg.webhook_id is not None
        allowed = msg.allowed_mentions
        default_parse = ["users"] if webhook else ["users", "roles", "everyone"]
        parse = default_parse if allowed is None else list(allowed.get("parse") or [])
        explicit_users = {int(u) for u in (allowed or {}).get("users") or []}
        explicit_roles = {int(r) for r in (allowed or {}).get("roles") or []}
        user_ids: list[int] = []
        for raw in USER_MENTION_RE.findall(msg.content):
            uid = int(raw)
            if uid in self.users and uid not in user_ids and ("users" in parse or uid in explicit_users):
                user_ids.append(uid)
        if msg.message_reference is not None:
            ref = self.get_message(int(msg.message_reference["message_id"]))
            replied_ping = allowed is None or bool(allowed.get("replied_user"))
            if ref is not None and replied_ping and ref.author.id not in user_ids and not webhook:
                user_ids.append(ref.author.id)
        role_ids: list[int] = []
        if msg.guild_id is not None:
            guild = self.guilds.get(msg.guild_id)
            for raw in ROLE_MENTION_RE.findall(msg.content):
                rid = int(raw)
                if guild and rid in guild.roles and rid not in role_ids and ("roles" in parse or rid in explicit_roles):
                    role_ids.append(rid)
        msg.mention_user_ids = user_ids
        msg.mention_role_ids = role_ids
        msg.mention_everyone = bool(EVERYONE_RE.search(msg.content)) and "everyone" in parse

    def message_json(self, msg: FakeMessage, *, gateway: bool = False) -> dict[str, Any]:
        """Render a message as the REST API (or, with gateway=True, MESSAGE_CREATE) shows it."""
        return message_payload(
            msg,
            lookup=self.get_message,
            member_of=self.member_of,
            users=self.users.get,
            with_member=gateway,
        )

    def remember_nonce(self, msg: FakeMessage) -> None:
        """Record a nonce so an enforce_nonce retry returns this message."""
        if msg.nonce is not None:
            self._nonces[(msg.channel_id, str(msg.nonce))] = (msg.id, self.clock.now())

    def message_for_nonce(self, channel_id: int, nonce: Any) -> FakeMessage | None:
        """Return the message created with this nonce within the nonce window, if any."""
        hit = self._nonces.get((channel_id, str(nonce)))
        if hit is None or self.clock.now() - hit[1] > self.nonce_window:
            return None
        return self.get_message(hit[0])
