"""REST routes under /channels: send (replies, nonces), history, edit, delete, the bot's reactions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .attachment_uploads import check_upload_count, keep_uploads, serve_attachment
from .limits import FormErrors, is_empty_message
from .payloads import channel_payload
from .rest_lookups import RestLookups
from .rest_routing import ApiError, Call, edit_leaves_empty, json_response, no_content
from .state import (
    CHANNEL_DM,
    FLAG_COMPONENTS_V2,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    FakeMessage,
)

CHANNEL_MESSAGE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2


class MessageRoutes(RestLookups):
    """GET/POST/PATCH/DELETE under /channels/{id}; RestApi registers them."""

    def message_fields(
        self, call: Call, *, prefix: tuple[str, ...] = (), existing: FakeMessage | None = None
    ) -> dict[str, Any]:
        """Validate a create/edit body (channels and interactions alike), keeping uploaded files' bytes."""
        check_upload_count(call.files)
        fields = super().message_fields(call, prefix=prefix, existing=existing)
        keep_uploads(self.fake, fields, call.files)  # tests/fakediscord/attachment_uploads.py
        return fields

    async def get_attachment(self, call: Call) -> web.Response:
        """GET an attachment's CDN URL (outside /api, no token): the bytes uploaded."""
        return serve_attachment(self.fake, call)

    async def get_channel(self, call: Call) -> web.Response:
        """GET /channels/{id}."""
        return json_response(channel_payload(self.channel(call)))

    async def typing(self, call: Call) -> web.StreamResponse:
        """POST /channels/{id}/typing."""
        self.channel(call)
        return no_content()

    async def create_message(self, call: Call) -> web.Response:
        """POST /channels/{id}/messages, with replies, nonce dedupe and limits."""
        fake = self.fake
        channel = self.channel(call)
        if channel.type != CHANNEL_DM:
            self.require(channel, SEND_MESSAGES)
        elif any(user.dms_closed for user in channel.recipients):
            raise ApiError(403, 50007, "Cannot send messages to this user")
        fields = self.message_fields(call)
        ref = fields.get("message_reference")
        if isinstance(ref, dict) and ref.get("message_id") is not None:
            target = fake.get_message(int(ref["message_id"]))
            missing = target is None or target.deleted or target.channel_id != int(ref.get("channel_id") or channel.id)
            if missing:
                if ref.get("fail_if_not_exists", True):
                    errors = FormErrors()
                    errors.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                    raise ApiError.form(errors)
                fields.pop("message_reference")
        if is_empty_message(fields):
            raise ApiError(400, 50006, "Cannot send an empty message")
        nonce = fields.get("nonce")
        if nonce is not None and fields.get("enforce_nonce"):
            earlier = fake.message_for_nonce(channel.id, nonce)
            if earlier is not None:
                # Discord answers a retried send with the message it already created.
                fake.nonce_hits.append(earlier)
                return json_response(fake.message_json(earlier))
        reply = fields.get("message_reference") is not None
        flags = int(fields.get("flags") or 0) & CHANNEL_MESSAGE_FLAGS
        msg_type = 19 if reply else 0  # REPLY
        msg = fake.new_message(channel, fake.bot_user, fields, source="channel", flags=flags, msg_type=msg_type)
        fake.remember_nonce(msg)
        await fake.publish("MESSAGE_CREATE", msg)
        return json_response(fake.message_json(msg))

    async def get_messages(self, call: Call) -> web.Response:
        """GET /channels/{id}/messages: newest first, with limit/before/after/around."""
        channel = self.channel(call)
        if channel.type != CHANNEL_DM:
            self.require(channel, READ_MESSAGE_HISTORY)
        try:
            limit = int(call.query.get("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            errors = FormErrors()
            errors.add(("limit",), "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
            raise ApiError.form(errors)
        history = self.fake.history(channel.id)  # oldest first
        if "after" in call.query:
            after = int(call.query["after"])
            picked = [m for m in history if m.id > after][:limit]
        elif "around" in call.query:
            around = int(call.query["around"])
            older = [m for m in history if m.id <= around][-((limit + 1) // 2) :]
            newer = [m for m in history if m.id > around][: limit // 2]
            picked = older + newer
        else:
            before = int(call.query["before"]) if "before" in call.query else None
            pool = [m for m in history if before is None or m.id < before]
            picked = pool[-limit:]
        picked.sort(key=lambda m: m.id, reverse=True)
        return json_response([self.fake.bot_view_json(m) for m in picked])

    async def get_message(self, call: Call) -> web.Response:
        """GET /channels/{id}/messages/{id}."""
        channel = self.channel(call)
        return json_response(self.fake.bot_view_json(self.channel_message(call, channel)))

    async def edit_message(self, call: Call) -> web.Response:
        """PATCH /channels/{id}/messages/{id} (only the bot's own messages)."""
        channel = self.channel(call)
        msg = self.channel_message(call, channel)
        if msg.author.id != self.fake.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        fields = self.message_fields(call, existing=msg)
        if edit_leaves_empty(msg, fields):
            raise ApiError(400, 50006, "Cannot send an empty message")
        self.fake.apply_edit(msg, fields)
        await self.fake.publish("MESSAGE_UPDATE", msg)
        return json_response(self.fake.message_json(msg))

    async def delete_message(self, call: Call) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{id}."""
        channel = self.channel(call)
        msg = self.channel_message(call, channel)
        if msg.author.id != self.fake.bot_user.id and channel.guild_id is not None:
            self.require(channel, 1 << 13)  # MANAGE_MESSAGES
        msg.deleted = True
        await self.fake.publish("MESSAGE_DELETE", msg)
        return no_content()

    async def add_own_reaction(self, call: Call) -> web.StreamResponse:
        """PUT .../reactions/{emoji}/@me."""
        channel = self.channel(call)
        msg = self.channel_message(call, channel)
        await self.fake.add_reaction(channel.id, msg.id, call.params["emoji"], self.fake.bot_user)
        return no_content()

    async def remove_own_reaction(self, call: Call) -> web.StreamResponse:
        """DELETE .../reactions/{emoji}/@me."""
        channel = self.channel(call)
        msg = self.channel_message(call, channel)
        await self.fake.remove_reaction(channel.id, msg.id, call.params["emoji"], self.fake.bot_user)
        return no_content()
