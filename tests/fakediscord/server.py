"""FakeDiscord: a loopback Discord (REST + JSON gateway) for driving the real discord.py client."""

from __future__ import annotations

from typing import Any, Callable, Iterable, TypeVar

from aiohttp import web

from .faults import FaultInjector, FaultRule
from .gateway import Gateway
from .inject import InjectionMixin
from .payloads import channel_payload, client_user_payload, guild_create_payload
from .rest import RestApi
from .state import (
    DEFAULT_EVERYONE_PERMISSIONS,
    CallbackRecord,
    FakeGuild,
    FakeInteraction,
    FakeMessage,
    FakeUser,
    Rejection,
)
from .thread_world import ThreadWorld
from .waiting import Notifier

T = TypeVar("T")
API_VERSION = 10


class FakeDiscord(ThreadWorld, InjectionMixin):
    """A fake Discord on 127.0.0.1: REST under /api/v10, the gateway at ws://host:port/."""

    def __init__(
        self,
        *,
        bot_id: int | None = None,
        bot_name: str = "PaperScout",
        application_id: int | None = None,
        token: str | None = None,
        ack_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        nonce_window: float = 5 * 60.0,
        with_default_guild: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(
            bot_id=bot_id,
            bot_name=bot_name,
            application_id=application_id,
            ack_deadline=ack_deadline,
            token_lifetime=token_lifetime,
            nonce_window=nonce_window,
            with_default_guild=with_default_guild,
        )
        # None accepts any non-empty token; a string must match exactly (REST and IDENTIFY).
        self.token = token
        self.host = host
        self.port = 0
        self.notifier = Notifier()
        self.faults = FaultInjector()
        self.gateway = Gateway(self)
        self.rest = RestApi(self)
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------- lifecycle

    async def start(self) -> FakeDiscord:
        """Bind a free port on the loopback interface and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Close the gateway connection and stop the server."""
        if self._runner is None:
            return
        await self.gateway.close()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def http_base(self) -> str:
        """Return http://host:port."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Return the value for discord.http.Route.BASE."""
        return f"{self.http_base}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """Return the value for DiscordWebSocket.DEFAULT_GATEWAY (and READY.resume_gateway_url)."""
        return f"ws://{self.host}:{self.port}/"

    def token_ok(self, token: str | None) -> bool:
        """Check a bot token the way the fake is configured to."""
        if not token:
            return False
        return self.token is None or token == self.token

    # ----------------------------------------------------- gateway payloads

    def ready_payload(self, session_id: str, shard: list[int] | None) -> dict[str, Any]:
        """Build READY; resume_gateway_url points back at this fake."""
        data: dict[str, Any] = {
            "v": API_VERSION,
            "user": client_user_payload(self.bot_user),
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": str(gid), "unavailable": True} for gid in self.guilds],
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }
        if shard is not None:
            data["shard"] = shard
        return data

    def guild_create_payloads(self) -> list[dict[str, Any]]:
        """Build GUILD_CREATE for every guild the bot is in (with its active threads)."""
        return [
            {**guild_create_payload(g), "threads": self.active_thread_payloads(g.id)} for g in self.guilds.values()
        ]

    # ------------------------------------------------------- guild changes

    async def add_guild(
        self,
        name: str,
        *,
        owner: FakeUser | None = None,
        channels: Iterable[str] = ("general",),
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        members: Iterable[FakeUser] = (),
    ) -> FakeGuild:
        """Add the bot to a new guild; dispatches GUILD_CREATE if the client is connected."""
        guild = self.create_guild(name, owner=owner, channels=channels, everyone_permissions=everyone_permissions)
        for user in members:
            self.add_member(guild.id, user)
        if self.gateway.session_id is not None:
            await self.dispatch("GUILD_CREATE", guild_create_payload(guild, joined=True))
        return guild

    async def remove_guild(self, guild_id: int, *, unavailable: bool = False) -> None:
        """Remove the bot from a guild (or mark it unavailable): GUILD_DELETE."""
        data: dict[str, Any] = {"id": str(guild_id)}
        if unavailable:
            data["unavailable"] = True
        else:
            guild = self.guilds.pop(guild_id)
            for channel_id in guild.channels:
                self.channels.pop(channel_id, None)
            if self.guild is guild:
                self.guild = None
                self.channel = None
        if self.gateway.session_id is not None:
            await self.dispatch("GUILD_DELETE", data)

    async def delete_channel(self, channel_id: int) -> None:
        """Delete a guild channel (as an admin would): CHANNEL_DELETE."""
        channel = self.channels.pop(channel_id)
        for thread_id in [t.id for t in self.threads.values() if t.parent_id == channel_id]:
            del self.channels[thread_id]  # Discord deletes a channel's threads with it
        guild = self.guilds.get(channel.guild_id) if channel.guild_id is not None else None
        if guild is not None:
            guild.channels.pop(channel_id, None)
        if self.channel is channel:
            self.channel = None
        if self.gateway.session_id is not None:
            await self.dispatch("CHANNEL_DELETE", channel_payload(channel))

    # ----------------------------------------------------- fault injection

    def fail_next(
        self,
        match: str,
        status: int = 429,
        retry_after: float = 0.2,
        times: int = 1,
        *,
        global_: bool = False,
    ) -> FaultRule:
        """Fail the next `times` requests matching "METHOD /path-part" (or a substring) with `status`."""
        return self.faults.add(FaultRule(match, status=status, retry_after=retry_after, times=times, global_=global_))

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the websocket with `code`; discord.py reconnects and RESUMEs (see wait_for_resume)."""
        await self.gateway.drop(code)

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send INVALID_SESSION; not resumable forces a fresh IDENTIFY (see wait_for_identify)."""
        await self.gateway.invalidate_session(resumable)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT."""
        await self.gateway.request_reconnect()

    def advance_clock(self, seconds: float) -> None:
        """Move the fake clock forward (expires ack deadlines, webhook tokens, nonce windows)."""
        self.clock.advance(seconds)

    # ---------------------------------------------------------- shortcuts

    @property
    def resumes(self) -> int:
        """Return how many RESUMEs succeeded."""
        return self.gateway.resumes

    @property
    def identifies(self) -> int:
        """Return how many IDENTIFYs were received."""
        return len(self.gateway.identifies)

    @property
    def intents(self) -> int | None:
        """Return the intents of the last IDENTIFY."""
        return self.gateway.intents

    # ------------------------------------------------------------ waiting

    def _describe(self) -> str:
        lines = [f"recent requests: {[(r.method, r.path, r.status) for r in self.requests[-8:]]}"]
        if self.rejections:
            lines.append(f"rejections: {[(r.path, r.status, r.code, r.message) for r in self.rejections[-5:]]}")
        if self.internal_errors:
            lines.append(f"FAKE INTERNAL ERRORS: {[(r.path, repr(e)) for r, e in self.internal_errors]}")
        if self.unknown_routes:
            lines.append(f"unknown routes: {[(r.method, r.path) for r in self.unknown_routes[-5:]]}")
        return "\n".join(lines)

    async def wait_for(self, check: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition") -> T:
        """Wait until check() returns something other than None."""
        return await self.notifier.wait_for(check, timeout=timeout, what=what, describe=self._describe)

    async def wait_ready(self, timeout: float = 5.0) -> None:
        """Wait until the client identified and got READY + GUILD_CREATEs."""
        await self.wait_for(lambda: True if self.gateway.connected else None, timeout=timeout, what="IDENTIFY/READY")

    async def wait_for_identify(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until `count` IDENTIFYs were answered and the connection is live."""
        await self.wait_for(
            lambda: True if self.identifies >= count and self.gateway.connected else None,
            timeout=timeout,
            what=f"{count} IDENTIFY",
        )

    async def wait_for_resume(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until `count` RESUMEs succeeded and the connection is live."""
        await self.wait_for(
            lambda: True if self.resumes >= count and self.gateway.connected else None,
            timeout=timeout,
            what=f"{count} RESUME",
        )

    async def wait_for_commands(self, guild_id: int | None = None, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until the bot PUT its commands (global, or for a guild)."""
        return await self.wait_for(
            lambda: self.commands.get(guild_id) if any(scope == guild_id for scope, _ in self.command_puts) else None,
            timeout=timeout,
            what=f"command sync ({'global' if guild_id is None else guild_id})",
        )

    async def wait_for_response(
        self,
        interaction: FakeInteraction | int,
        timeout: float = 5.0,
        predicate: Callable[[FakeMessage], bool] | None = None,
    ) -> FakeMessage:
        """Return the latest visible answer (message, filled defer, update or followup) to an interaction."""
        inter = self.interaction(interaction)

        def check() -> FakeMessage | None:
            for msg_id in reversed(inter.visible_ids):
                msg = self.get_message(msg_id)
                if msg is not None and not msg.loading and (predicate is None or predicate(msg)):
                    return msg
            return None

        return await self.wait_for(check, timeout=timeout, what=f"a response to interaction {inter.id}")

    async def wait_for_autocomplete(
        self, interaction: FakeInteraction | int, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Return the choices the bot answered an autocomplete with."""
        inter = self.interaction(interaction)
        return await self.wait_for(
            lambda: inter.autocomplete_choices, timeout=timeout, what=f"autocomplete choices for {inter.id}"
        )

    async def wait_for_callback(self, interaction: FakeInteraction | int, timeout: float = 5.0) -> CallbackRecord:
        """Return the first callback POST for an interaction (accepted or rejected)."""
        iid = self.interaction(interaction).id
        return await self.wait_for(
            lambda: next((c for c in self.interaction_callbacks if c.interaction_id == iid), None),
            timeout=timeout,
            what=f"a callback for interaction {iid}",
        )

    async def wait_for_message(
        self,
        channel_id: int,
        predicate: Callable[[FakeMessage], bool] | None = None,
        timeout: float = 5.0,
        *,
        after: int | None = None,
    ) -> FakeMessage:
        """Return the first message the bot created in a channel matching predicate (ids > after)."""

        def check() -> FakeMessage | None:
            for msg in self.messages.get(channel_id, []):
                if msg.deleted or msg.loading or (after is not None and msg.id <= after):
                    continue
                if predicate is None or predicate(msg):
                    return msg
            return None

        return await self.wait_for(check, timeout=timeout, what=f"a bot message in channel {channel_id}")

    async def wait_for_rejection(
        self, predicate: Callable[[Rejection], bool] | None = None, timeout: float = 5.0
    ) -> Rejection:
        """Return the first recorded rejection matching predicate."""
        return await self.wait_for(
            lambda: next((r for r in self.rejections if predicate is None or predicate(r)), None),
            timeout=timeout,
            what="a rejected request",
        )
