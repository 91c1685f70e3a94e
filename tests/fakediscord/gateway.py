"""The JSON gateway: HELLO, heartbeats, IDENTIFY/READY, RESUME with replay, dispatches."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import FakeDiscord

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15

# Long enough that heartbeats never matter during a test, like Discord's real value.
HEARTBEAT_INTERVAL_MS = 41250
# Events that make no sense to replay after a RESUME.
_NOT_REPLAYED = {"READY", "RESUMED"}


def required_intent(event: str, data: dict[str, Any]) -> int | None:
    """Return the intent bit Discord requires before it sends this event, if any."""
    in_guild = "guild_id" in data
    if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"):
        return INTENT_GUILD_MESSAGES if in_guild else INTENT_DIRECT_MESSAGES
    if event.startswith("MESSAGE_REACTION_"):
        return INTENT_GUILD_MESSAGE_REACTIONS if in_guild else INTENT_DIRECT_MESSAGE_REACTIONS
    if event.startswith("GUILD_MEMBER_") and event != "GUILD_MEMBERS_CHUNK":
        return INTENT_GUILD_MEMBERS
    if event.startswith(("GUILD_", "CHANNEL_", "THREAD_")) and event != "GUILD_MEMBERS_CHUNK":
        return INTENT_GUILDS
    return None


@dataclass
class Connection:
    """One websocket connection from the client."""

    ws: web.WebSocketResponse
    number: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # True once IDENTIFY or RESUME completed: only then are dispatches sent live.
    live: bool = False


class Gateway:
    """Serves one bot session over as many websocket connections as the client opens."""

    def __init__(self, fake: FakeDiscord) -> None:
        self._fake = fake
        # Serialises sequence numbers, the replay log and sends, so a RESUME never
        # interleaves with a concurrent dispatch (no event lost or delivered twice).
        self._lock = asyncio.Lock()
        self.connection: Connection | None = None
        self.session_id: str | None = None
        self.seq = 0
        self.log: list[dict[str, Any]] = []
        self.intents: int | None = None
        self.shard: list[int] | None = None
        self.identifies: list[dict[str, Any]] = []
        self.resumes = 0
        self.resume_requests: list[dict[str, Any]] = []
        self.failed_resumes = 0
        self.connections = 0
        self.heartbeats = 0
        self.close_codes: list[int | None] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.member_requests: list[dict[str, Any]] = []
        self.withheld: list[tuple[str, dict[str, Any]]] = []
        self.frames_sent: list[dict[str, Any]] = []

    @property
    def connected(self) -> bool:
        """Return True while a connection is identified or resumed."""
        return self.connection is not None and self.connection.live

    def has_intent(self, bit: int) -> bool:
        """Return True if the client identified with this intent bit."""
        return self.intents is not None and bool(self.intents & bit)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Accept a websocket, send HELLO and serve opcodes until it closes."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.connections += 1
        conn = Connection(ws=ws, number=self.connections)
        previous, self.connection = self.connection, conn
        if previous is not None and not previous.ws.closed:
            previous.live = False
            await previous.ws.close(code=4000)
        await self._send(conn, {"op": OP_HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["fake"]}})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            conn.live = False
            if self.connection is conn:
                self.connection = None
            self.close_codes.append(ws.close_code)
            self._fake.notifier.notify()
        return ws

    async def _on_frame(self, conn: Connection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            await self._send(conn, {"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._on_identify(conn, data or {})
        elif op == OP_RESUME:
            await self._on_resume(conn, data or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._on_request_members(data or {})
        elif op == OP_PRESENCE_UPDATE:
            self.presence_updates.append(data or {})
            self._fake.notifier.notify()

    async def _on_identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if not self._fake.token_ok(data.get("token")):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        async with self._lock:
            self.session_id = uuid.uuid4().hex
            self.seq = 0
            self.log = []
            self.intents = data.get("intents")
            self.shard = data.get("shard")
            self.identifies.append(data)
            await self._emit(conn, "READY", self._fake.ready_payload(self.session_id, self.shard))
            for guild in self._fake.guild_create_payloads():
                await self._emit(conn, "GUILD_CREATE", guild)
            conn.live = True
        self._fake.notifier.notify()

    async def _on_resume(self, conn: Connection, data: dict[str, Any]) -> None:
        self.resume_requests.append(data)
        async with self._lock:
            if self.session_id is None or data.get("session_id") != self.session_id:
                self.failed_resumes += 1
                await self._send(conn, {"op": OP_INVALID_SESSION, "d": False})
                return
            last_seq = data.get("seq") or 0
            # Discord replays everything the client missed, then confirms with RESUMED.
            for frame in self.log:
                if frame["s"] > last_seq and frame["t"] not in _NOT_REPLAYED:
                    await self._send(conn, frame)
            await self._emit(conn, "RESUMED", {"_trace": ["fake"]})
            conn.live = True
            self.resumes += 1
        self._fake.notifier.notify()

    async def _on_request_members(self, data: dict[str, Any]) -> None:
        self.member_requests.append(data)
        guild_ids = data.get("guild_id")
        for gid in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            members = self._fake.member_chunk(int(gid), data.get("query"), data.get("user_ids"), data.get("limit"))
            chunk = {"guild_id": str(gid), "members": members, "chunk_index": 0, "chunk_count": 1, "not_found": []}
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def _emit(self, conn: Connection | None, event: str, data: dict[str, Any]) -> int:
        # Caller holds self._lock.
        self.seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.log.append(frame)
        if conn is not None:
            await self._send(conn, frame)
        return self.seq

    async def _send(self, conn: Connection, frame: dict[str, Any]) -> None:
        async with conn.lock:
            if conn.ws.closed:
                conn.live = False
                return
            try:
                await conn.ws.send_str(json.dumps(frame))
            except (ConnectionError, RuntimeError):
                # The event stays in the log and is replayed on RESUME.
                conn.live = False
                return
        if frame.get("op") == OP_DISPATCH:
            self.frames_sent.append(frame)

    async def dispatch(self, event: str, data: dict[str, Any]) -> int | None:
        """Send a DISPATCH (or log it for replay while disconnected); None if intents filter it."""
        async with self._lock:
            if self.session_id is None:
                raise RuntimeError(f"cannot dispatch {event}: the client has not identified yet")
            needed = required_intent(event, data)
            if needed is not None and not self.has_intent(needed):
                self.withheld.append((event, data))
                return None
            conn = self.connection if self.connected else None
            return await self._emit(conn, event, data)

    async def drop(self, code: int = 4000) -> None:
        """Close the live websocket with `code`; the client reconnects on its own."""
        conn = self.connection
        if conn is None:
            raise RuntimeError("no gateway connection to drop")
        async with self._lock:
            conn.live = False
        await conn.ws.close(code=code, message=b"dropped by FakeDiscord")

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send INVALID_SESSION; when not resumable the client must IDENTIFY afresh."""
        conn = self.connection
        if conn is None:
            raise RuntimeError("no gateway connection")
        async with self._lock:
            conn.live = False
            if not resumable:
                self.session_id = None
            await self._send(conn, {"op": OP_INVALID_SESSION, "d": resumable})

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT, which makes discord.py close and RESUME."""
        conn = self.connection
        if conn is None:
            raise RuntimeError("no gateway connection")
        async with self._lock:
            conn.live = False
            await self._send(conn, {"op": OP_RECONNECT, "d": None})

    async def close(self) -> None:
        """Close the current connection (server shutdown)."""
        conn = self.connection
        if conn is not None and not conn.ws.closed:
            conn.live = False
            await conn.ws.close(code=1001, message=b"FakeDiscord shutting down")
