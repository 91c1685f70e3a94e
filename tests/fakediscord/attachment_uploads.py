"""Uploaded files: the bytes behind a message's attachments, kept so tests can read what the bot sent.

Discord takes files as multipart/form-data (`payload_json` plus `files[N]` parts; rest.py reads
them) and serves each attachment's bytes from its CDN URL. The fake records the attachment
objects on the message (rest_lookups.py), keeps the bytes here, by attachment id, per fake, and
serves them at the attachment's `url` (`/attachments/{channel}/{id}/{filename}`, no token, as
the CDN does), so discord.py's `Attachment.read()` works against it. Like Discord it refuses
more than 10 files on one message (error 50035).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from aiohttp import web

from .limits import FormErrors
from .rest_routing import ApiError, Call

if TYPE_CHECKING:
    from .server import FakeDiscord
    from .state import FakeMessage

MAX_FILES = 10
ATTACHMENT_ROUTE = "/attachments/{channel_id}/{attachment_id}/{filename}"
# Per fake: attachment id -> (file name, bytes). Weak, so a finished test's fake takes its uploads along.
_UPLOADS: WeakKeyDictionary[Any, dict[str, tuple[str, bytes]]] = WeakKeyDictionary()


def check_upload_count(files: list[dict[str, Any]]) -> None:
    """Raise Discord's form error for more than 10 files on one message."""
    if len(files) > MAX_FILES:
        errors = FormErrors()
        errors.add(("attachments",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_FILES} or fewer in length.")
        raise ApiError.form(errors)


def keep_uploads(fake: FakeDiscord, fields: dict[str, Any], files: list[dict[str, Any]]) -> None:
    """Keep the bytes of the files a create or edit just attached: the last len(files) attachment objects."""
    if not files:
        return
    new = (fields.get("attachments") or [])[-len(files):]
    kept = _UPLOADS.setdefault(fake, {})
    for attachment, upload in zip(new, files):
        kept[str(attachment["id"])] = (str(attachment["filename"]), upload["data"])


def attachment_bytes(fake: FakeDiscord, attachment: dict[str, Any]) -> bytes:
    """Return what an attachment object (as a message shows it) holds; KeyError if the fake never received it."""
    return _UPLOADS.get(fake, {})[str(attachment["id"])][1]


def attachment_files(fake: FakeDiscord, message: FakeMessage) -> dict[str, bytes]:
    """Return a message's attachments as {filename: bytes}."""
    return {attachment["filename"]: attachment_bytes(fake, attachment) for attachment in message.attachments}


def serve_attachment(fake: FakeDiscord, call: Call) -> web.Response:
    """GET an attachment's URL: its bytes, or a plain 404 for an id or a file name it never stored."""
    stored = _UPLOADS.get(fake, {}).get(call.params["attachment_id"])
    if stored is None or stored[0] != call.params["filename"]:
        return web.Response(status=404, text="404: Not Found")
    return web.Response(body=stored[1], content_type="application/octet-stream")
