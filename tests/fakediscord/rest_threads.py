"""REST routes for threads: start one from a message, edit (archive, lock, rename), delete, list active ones.

Posting in a thread goes through the ordinary message route; this mixin only swaps the
permission it needs (Send Messages in Threads, not Send Messages) and applies the archive rule:
the post un-archives an archived thread, and a locked one refuses the bot unless it has Manage
Threads (400/50083 when it is also archived, as Discord answers; 403/50013 while it is active).
"""

from __future__ import annotations

from typing import Any, Callable

from aiohttp import web

from .limits import FormErrors
from .payloads import iso_now
from .rest_messages import MessageRoutes
from .rest_routing import ApiError, Call, json_response
from .state import CREATE_PUBLIC_THREADS, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS, FakeChannel
from .thread_payloads import (
    ARCHIVE_DURATIONS,
    MANAGE_THREADS,
    THREAD_ALREADY_CREATED,
    THREAD_ARCHIVED,
    THREAD_NAME_MAX,
    THREAD_TYPE_OF,
    WRONG_CHANNEL_TYPE,
    FakeThread,
    thread_payload,
)

AddRoute = Callable[..., None]


def _thread_fields(body: Any, *, creating: bool) -> dict[str, Any]:
    """Validate name / auto_archive_duration (and archived / locked on edit) like Discord (50035)."""
    body = body if isinstance(body, dict) else {}
    errors = FormErrors()
    name = body.get("name")
    if creating and name is None:
        errors.required(("name",))
    elif name is not None and (not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME_MAX):
        errors.add(("name",), "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME_MAX} in length.")
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        errors.add(("auto_archive_duration",), "BASE_TYPE_CHOICES", f"Value must be one of {ARCHIVE_DURATIONS}.")
    if errors:
        raise ApiError.form(errors)
    return body


class ThreadRoutes(MessageRoutes):
    """Thread routes; RestApi puts this mixin before MessageRoutes so its overrides apply."""

    def register_thread_routes(self, add: AddRoute) -> None:
        """Add the thread routes to the router."""
        add("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.start_thread_from_message)
        add("PATCH", "/channels/{channel_id}", self.edit_thread)
        add("DELETE", "/channels/{channel_id}", self.delete_thread)
        add("GET", "/guilds/{guild_id}/threads/active", self.active_threads)

    def require(self, channel: FakeChannel, permission: int) -> None:
        """Check a bot permission; in a thread, sending needs Send Messages in Threads instead."""
        if isinstance(channel, FakeThread) and permission & SEND_MESSAGES:
            permission = (permission & ~SEND_MESSAGES) | SEND_MESSAGES_IN_THREADS
        super().require(channel, permission)

    def _thread(self, call: Call) -> FakeThread:
        channel = self.channel(call)
        if not isinstance(channel, FakeThread):
            raise ApiError(400, WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type")
        return channel

    def _can_manage(self, thread: FakeThread) -> bool:
        return bool(self.fake.channel_permissions(thread, self.fake.bot_user.id) & MANAGE_THREADS)

    async def create_message(self, call: Call) -> web.Response:
        """POST /channels/{id}/messages; in a thread: refuse a locked one, un-archive an archived one."""
        channel = self.channel(call)
        if isinstance(channel, FakeThread) and (channel.archived or channel.locked):
            self.require(channel, SEND_MESSAGES)
            if channel.locked and not self._can_manage(channel):
                if channel.archived:
                    raise ApiError(400, THREAD_ARCHIVED, "Thread is locked")
                raise ApiError(403, 50013, "Missing Permissions")
            if channel.archived:
                await self.fake.unarchive_thread(channel.id)
        return await super().create_message(call)

    async def start_thread_from_message(self, call: Call) -> web.Response:
        """POST /channels/{id}/messages/{id}/threads: a public thread with the message's id."""
        fake = self.fake
        channel = self.channel(call)
        if channel.type not in THREAD_TYPE_OF:
            raise ApiError(400, WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type")
        self.require(channel, CREATE_PUBLIC_THREADS)
        msg = self.channel_message(call, channel)
        if msg.id in fake.channels:
            raise ApiError(400, THREAD_ALREADY_CREATED, "A thread has already been created for this message")
        body = _thread_fields(call.body, creating=True)
        thread = fake.start_thread(channel, msg, body["name"], fake.bot_user, body.get("auto_archive_duration") or 1440)
        await fake.thread_event("THREAD_CREATE", thread, newly_created=True)
        await fake.run_thread_start_hook(thread)
        return json_response(thread_payload(thread, me=fake.bot_user.id))

    async def edit_thread(self, call: Call) -> web.Response:
        """PATCH /channels/{id} of a thread: the creator or Manage Threads; un-locking needs Manage Threads."""
        fake = self.fake
        thread = self._thread(call)
        body = _thread_fields(call.body, creating=False)
        if not self._can_manage(thread) and not self._may_edit(thread, body):
            raise ApiError(403, 50013, "Missing Permissions")
        if "name" in body:
            thread.name = body["name"]
        if body.get("auto_archive_duration"):
            thread.auto_archive_duration = body["auto_archive_duration"]
        if "locked" in body:
            thread.locked = bool(body["locked"])
        if "archived" in body and bool(body["archived"]) != thread.archived:
            thread.archived = bool(body["archived"])
            thread.archive_timestamp = iso_now()
        await fake.thread_event("THREAD_UPDATE", thread)
        return json_response(thread_payload(thread, me=fake.bot_user.id))

    def _may_edit(self, thread: FakeThread, body: dict[str, Any]) -> bool:
        """Return whether the bot may make this edit without Manage Threads (Discord's Threads topic)."""
        if "locked" in body or "rate_limit_per_user" in body or thread.locked:
            return False
        if thread.owner_id == self.fake.bot_user.id:
            return True
        # A member may only un-archive.
        return set(body) <= {"archived"} and not body.get("archived") and self.fake.bot_user.id in thread.member_ids

    async def delete_thread(self, call: Call) -> web.StreamResponse:
        """DELETE /channels/{id} of a thread (Manage Threads)."""
        thread = self._thread(call)
        if not self._can_manage(thread):
            raise ApiError(403, 50013, "Missing Permissions")
        await self.fake.delete_thread(thread.id)
        return json_response(thread_payload(thread))

    async def active_threads(self, call: Call) -> web.Response:
        """GET /guilds/{id}/threads/active."""
        guild_id = int(call.params["guild_id"])
        if guild_id not in self.fake.guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        return json_response({"threads": self.fake.active_thread_payloads(guild_id), "members": []})

