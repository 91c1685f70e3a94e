"""What every REST route shares: path channel/message lookups, bot permission checks, body validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .limits import FormErrors, validate_message
from .rest_routing import ApiError, Call
from .state import VIEW_CHANNEL, FakeChannel, FakeMessage

if TYPE_CHECKING:
    from .server import FakeDiscord

UPLOAD_LIMIT = 25 * 1024 * 1024


class RestLookups:
    """Base of the REST route groups; RestApi sets `fake`."""

    fake: FakeDiscord

    def channel(self, call: Call) -> FakeChannel:
        """Return the channel in the path or raise Unknown Channel."""
        channel = self.fake.channels.get(int(call.params["channel_id"]))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        if channel.guild_id is not None and channel.guild_id not in self.fake.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return channel

    def require(self, channel: FakeChannel, permission: int) -> None:
        """Raise 403 Missing Permissions unless the bot has `permission` in `channel`."""
        perms = self.fake.channel_permissions(channel, self.fake.bot_user.id)
        if not perms & VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if not perms & permission:
            raise ApiError(403, 50013, "Missing Permissions")

    def channel_message(self, call: Call, channel: FakeChannel) -> FakeMessage:
        """Return the message in the path or raise Unknown Message."""
        msg = self.fake.get_message(int(call.params["message_id"]))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    def message_fields(
        self, call: Call, *, prefix: tuple[str, ...] = (), existing: FakeMessage | None = None
    ) -> dict[str, Any]:
        """Validate a create/edit body and attach uploaded files as attachment objects."""
        body = call.body if isinstance(call.body, dict) else {}
        errors = FormErrors()
        validate_message(body, errors, prefix)
        if errors:
            raise ApiError.form(errors)
        fields = dict(body)
        if call.files or "attachments" in body:
            fields["attachments"] = self._attachments(call, body, existing)
        return fields

    def _attachments(self, call: Call, body: dict[str, Any], existing: FakeMessage | None) -> list[dict[str, Any]]:
        kept = {a["id"]: a for a in (existing.attachments if existing else [])}
        result: list[dict[str, Any]] = []
        for spec in body.get("attachments") or []:
            if str(spec.get("id")) in kept:
                result.append(kept[str(spec["id"])])
        channel_id = call.params.get("channel_id", "0")
        for upload in call.files:
            if len(upload["data"]) > UPLOAD_LIMIT:
                raise ApiError(413, 40005, "Request entity too large")
            aid = str(self.fake.ids.next())
            url = f"{self.fake.http_base}/attachments/{channel_id}/{aid}/{upload['filename']}"
            result.append(
                {
                    "id": aid,
                    "filename": upload["filename"],
                    "size": len(upload["data"]),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload["content_type"],
                }
            )
        return result

    def check_application(self, call: Call) -> None:
        """Raise Unknown Application unless the path names our application."""
        if int(call.params["app_id"]) != self.fake.application_id:
            raise ApiError(404, 10002, "Unknown Application")
