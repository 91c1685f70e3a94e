"""Threads in the fake's world: starting one from a message, archiving, deleting, and posting in them.

What is modelled, and why (Discord's Threads topic, docs/topics/Threads.md of discord-api-docs):
- A thread inherits its parent channel's permissions; Send Messages in Threads replaces Send
  Messages inside it (see rest_threads.py), Create Public Threads is needed to start one.
- "Sending a message will automatically unarchive the thread, unless the thread has been locked
  by a moderator": a message to an archived thread un-archives it (THREAD_UPDATE, then
  MESSAGE_CREATE). Modelled so because that is what a user sees: a follow-up in an old thread
  reopens it. A locked thread (archived or not) takes posts only from members with Manage Threads.
- Archived threads leave the bot's cache (discord.py drops them on THREAD_UPDATE) and are not in
  GUILD_CREATE, which lists only active threads.
"""

from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable

from .inject import InjectionMixin
from .inject_interactions import MessageRef
from .payloads import iso_now
from .state import FakeChannel, FakeMessage, FakeUser
from .store import UserRef
from .thread_payloads import (
    MANAGE_THREADS,
    THREAD_TYPE_OF,
    FakeThread,
    thread_payload,
)

ThreadHook = Callable[[FakeThread], Awaitable[None] | None]


class ThreadWorld(InjectionMixin):
    """Thread state and the actions tests take on threads (as a moderator would)."""

    # Called right after the bot starts a thread, before its answer: a test can archive or delete it there.
    on_thread_start: ThreadHook | None = None

    # ------------------------------------------------------------ lookups

    @property
    def threads(self) -> dict[int, FakeThread]:
        """Return every existing thread by id."""
        return {cid: c for cid, c in self.channels.items() if isinstance(c, FakeThread)}

    def thread(self, thread_id: int) -> FakeThread:
        """Return a thread or raise KeyError."""
        channel = self.channels[int(thread_id)]
        if not isinstance(channel, FakeThread):
            raise KeyError(f"channel {thread_id} is not a thread")
        return channel

    def thread_of(self, message: MessageRef) -> FakeThread | None:
        """Return the thread started from a message, if any (it has the message's id)."""
        msg_id = message.id if isinstance(message, FakeMessage) else int(message)
        channel = self.channels.get(msg_id)
        return channel if isinstance(channel, FakeThread) else None

    def active_thread_payloads(self, guild_id: int) -> list[dict[str, Any]]:
        """Return GUILD_CREATE's `threads`: the guild's active threads, with the bot's membership."""
        return [
            thread_payload(t, me=self.bot_user.id)
            for t in self.threads.values()
            if t.guild_id == guild_id and not t.archived
        ]

    def channel_permissions(self, channel: FakeChannel, user_id: int) -> int:
        """Compute permissions; a thread has its parent channel's."""
        if isinstance(channel, FakeThread):
            parent = self.channels.get(channel.parent_id or 0)
            return 0 if parent is None else super().channel_permissions(parent, user_id)
        return super().channel_permissions(channel, user_id)

    def new_message(self, channel: FakeChannel, author: FakeUser, fields: dict[str, Any], **kwargs: Any) -> FakeMessage:
        """Store a message; in a thread, count it and make its author a member."""
        msg = super().new_message(channel, author, fields, **kwargs)
        if isinstance(channel, FakeThread):
            channel.message_count += 1
            channel.member_ids.add(author.id)
        return msg

    # ------------------------------------------------------------ changes

    def start_thread(
        self, parent: FakeChannel, message: FakeMessage, name: str, owner: FakeUser, auto_archive_duration: int = 1440
    ) -> FakeThread:
        """Create the public thread of a message (same id as the message); the REST route validates first."""
        now = iso_now()
        thread = FakeThread(
            id=message.id,
            type=THREAD_TYPE_OF[parent.type],
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
            archive_timestamp=now,
            create_timestamp=now,
            member_ids={owner.id},
        )
        self.channels[thread.id] = thread
        return thread

    async def thread_event(self, event: str, thread: FakeThread, **extra: Any) -> int | None:
        """Dispatch THREAD_CREATE / THREAD_UPDATE / THREAD_DELETE for a thread (if the bot is connected)."""
        if self.gateway.session_id is None:
            return None
        if event == "THREAD_DELETE":
            data: dict[str, Any] = {
                "id": str(thread.id), "guild_id": str(thread.guild_id), "parent_id": str(thread.parent_id),
                "type": thread.type,
            }
        else:
            data = {**thread_payload(thread, me=self.bot_user.id), **extra}
        return await self.dispatch(event, data)

    async def run_thread_start_hook(self, thread: FakeThread) -> None:
        """Run the test's `on_thread_start`, if any."""
        if self.on_thread_start is not None:
            outcome = self.on_thread_start(thread)
            if inspect.isawaitable(outcome):
                await outcome

    async def archive_thread(self, thread_id: int, *, locked: bool = False) -> FakeThread:
        """A moderator archives (and maybe locks) a thread: THREAD_UPDATE."""
        thread = self.thread(thread_id)
        thread.archived, thread.locked, thread.archive_timestamp = True, locked, iso_now()
        await self.thread_event("THREAD_UPDATE", thread)
        return thread

    async def lock_thread(self, thread_id: int, locked: bool = True) -> FakeThread:
        """A moderator locks (or unlocks) a thread without archiving it: THREAD_UPDATE."""
        thread = self.thread(thread_id)
        thread.locked = locked
        await self.thread_event("THREAD_UPDATE", thread)
        return thread

    async def unarchive_thread(self, thread_id: int) -> FakeThread:
        """Un-archive a thread (by a message or a moderator): THREAD_UPDATE."""
        thread = self.thread(thread_id)
        thread.archived, thread.archive_timestamp = False, iso_now()
        await self.thread_event("THREAD_UPDATE", thread)
        return thread

    async def delete_thread(self, thread_id: int) -> None:
        """A moderator deletes a thread: THREAD_DELETE."""
        thread = self.thread(thread_id)
        del self.channels[thread.id]
        await self.thread_event("THREAD_DELETE", thread)

    async def open_for(self, thread: FakeThread, user_id: int) -> None:
        """Un-archive a thread a message is about to be posted in, as Discord does; refuse a locked one.

        Raises PermissionError when the thread is locked and the author lacks Manage Threads.
        """
        if thread.locked and not self.channel_permissions(thread, user_id) & MANAGE_THREADS:
            raise PermissionError(f"thread {thread.id} is locked")
        if thread.archived:
            await self.unarchive_thread(thread.id)

    async def send_message(self, channel_id: int, content: str, **options: Any) -> FakeMessage:
        """A user posts (options as InjectionMixin's); an archived thread reopens, a locked one may refuse."""
        channel = self.channels.get(int(channel_id))
        if isinstance(channel, FakeThread):
            author: UserRef | None = options.get("author")
            await self.open_for(channel, self.resolve_user(author).id)
        return await super().send_message(channel_id, content, **options)
