"""REST plumbing (routing, recording, errors) and the non-interaction routes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import web

from .limits import FormErrors, is_empty_message, validate_commands, validate_message
from .payloads import (
    application_payload,
    channel_payload,
    client_user_payload,
    command_payload,
    guild_create_payload,
    member_payload,
    role_payload,
    user_payload,
)
from .state import (
    CHANNEL_DM,
    FLAG_COMPONENTS_V2,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    FakeChannel,
    FakeGuild,
    FakeMessage,
    RecordedRequest,
    Rejection,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON_CONTENT_TYPE = "application/json"
# discord.py's json_or_text only decodes JSON when the header is exactly this, so
# aiohttp's json_response (which appends "; charset=utf-8") must not be used.
JSON_HEADERS = {"Content-Type": JSON_CONTENT_TYPE}
UPLOAD_LIMIT = 25 * 1024 * 1024
CHANNEL_MESSAGE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
_API_PREFIX = re.compile(r"^/api/v\d+(?=/)")


def json_response(data: Any, status: int = 200) -> web.Response:
    """Return JSON with Content-Type exactly `application/json`."""
    return web.Response(status=status, body=json.dumps(data).encode(), headers=dict(JSON_HEADERS))


def no_content() -> web.Response:
    """Return 204 without a body."""
    return web.Response(status=204)


def edit_leaves_empty(msg: FakeMessage, fields: dict[str, Any]) -> bool:
    """Return True if applying an edit would leave nothing to show (error 50006)."""
    current = {"content": msg.content, "embeds": msg.embeds, "components": msg.components}
    return is_empty_message({**current, "attachments": msg.attachments, **fields})


def truthy(value: str | None) -> bool:
    """Interpret query flags like wait=1 / wait=true."""
    return value is not None and value.lower() in ("1", "true", "yes")


class ApiError(Exception):
    """An error answer in Discord's JSON shape; the dispatcher records it as a rejection."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    @classmethod
    def form(cls, errors: FormErrors) -> ApiError:
        """Build the 400 Invalid Form Body error (50035)."""
        body = errors.body()
        return cls(400, body["code"], body["message"], body["errors"])

    def body(self) -> dict[str, Any]:
        """Return the JSON body."""
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


@dataclass
class Call:
    """One routed request: path parameters, parsed body, uploaded files, its record."""

    request: web.Request
    params: dict[str, str]
    body: Any
    files: list[dict[str, Any]]
    record: RecordedRequest
    interaction_id: int | None = None
    query: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


class Router:
    """Tiny method+pattern router; patterns use {name} placeholders for one segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []

    def add(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        """Register a route; `auth=False` for interaction and webhook-token routes."""
        regex = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[a-z_]+\})", pattern)
            if part
        )
        self._routes.append((method, re.compile(f"^{regex}$"), handler, auth))

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str], bool] | None:
        """Return (handler, params, auth) for the first matching route."""
        for route_method, regex, handler, auth in self._routes:
            if route_method != method:
                continue
            match = regex.match(path)
            if match:
                return handler, match.groupdict(), auth
        return None


class RestApi:
    """Serves every REST route of the fake."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.router = Router()
        self._register()
        # Imported here: rest_interactions imports helpers from this module.
        from .rest_interactions import InteractionRoutes

        self.interactions = InteractionRoutes(fake, self, self.router)

    def _register(self) -> None:
        add = self.router.add
        add("GET", "/users/@me", self.get_me)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        add("GET", "/gateway", self.get_gateway, auth=False)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("POST", "/users/@me/channels", self.create_dm)
        add("DELETE", "/users/@me/guilds/{guild_id}", self.leave_guild)
        add("GET", "/users/{user_id}", self.get_user)
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("POST", "/channels/{channel_id}/typing", self.typing)
        add("POST", "/channels/{channel_id}/messages", self.create_message)
        add("GET", "/channels/{channel_id}/messages", self.get_messages)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_own_reaction)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.remove_own_reaction)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self.get_guild_roles)
        add("GET", "/guilds/{guild_id}/members", self.list_members)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        for prefix in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            add("GET", f"{prefix}/commands", self.get_commands)
            add("PUT", f"{prefix}/commands", self.put_commands)
            add("POST", f"{prefix}/commands", self.upsert_command)
            add("DELETE", f"{prefix}/commands/{{command_id}}", self.delete_command)

    # -------------------------------------------------------------- dispatch

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Record the request, apply injected faults, route it, record the outcome."""
        fake = self.fake
        api_path = _API_PREFIX.sub("", request.path, count=1)
        body, files, bad_json = await self._read_body(request)
        record = RecordedRequest(request.method, api_path, dict(request.query), body, files=files)
        fake.requests.append(record)
        call = Call(request, {}, body, files, record, query=dict(request.query))
        try:
            rule = fake.faults.take(request.method, api_path)
            if rule is not None:
                response: web.StreamResponse = rule.response()
            elif bad_json:
                raise ApiError(400, 50109, "The request body contains invalid JSON.")
            else:
                response = await self._route_safely(call)
        except ApiError as exc:
            fake.rejections.append(
                Rejection(
                    method=request.method,
                    path=api_path,
                    status=exc.status,
                    code=exc.code,
                    message=exc.message,
                    errors=exc.errors,
                    body=body,
                    interaction_id=call.interaction_id,
                )
            )
            response = json_response(exc.body(), exc.status)
        record.status = response.status
        fake.notifier.notify()
        return response

    async def _route_safely(self, call: Call) -> web.StreamResponse:
        try:
            return await self._route(call)
        except ApiError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, ValueError) and "invalid literal for int()" in str(exc):
                errors = FormErrors()
                errors.add(("id",), "NUMBER_TYPE_COERCE", "Value is not snowflake.")
                raise ApiError.form(errors) from exc
            return self._internal_error(call, exc)
        except Exception as exc:  # noqa: BLE001 - a bug in the fake must surface, not hang the bot
            return self._internal_error(call, exc)

    def _internal_error(self, call: Call, exc: Exception) -> web.Response:
        # Deliberately 400, not 500: discord.py would retry a 5xx for ~10 s and hide the bug.
        self.fake.internal_errors.append((call.record, exc))
        message = f"FakeDiscord internal error: {type(exc).__name__}: {exc}"
        return json_response({"message": message, "code": 0}, 400)

    async def _route(self, call: Call) -> web.StreamResponse:
        resolved = self.router.resolve(call.request.method, call.record.path)
        if resolved is None:
            self.fake.unknown_routes.append(call.record)
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        handler, params, auth = resolved
        call.params = params
        if auth:
            header = call.request.headers.get("Authorization", "")
            token = header[4:] if header.startswith("Bot ") else None
            if not self.fake.token_ok(token):
                raise ApiError(401, 0, "401: Unauthorized")
        return await handler(call)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]], bool]:
        """Return (json body or payload_json, uploaded files, whether the JSON was invalid)."""
        if not request.body_exists:
            return None, [], False
        if request.content_type == JSON_CONTENT_TYPE:
            raw = await request.read()
            try:
                return json.loads(raw or b"null"), [], False
            except ValueError:
                return raw.decode(errors="replace"), [], True
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            body: Any = None
            files: list[dict[str, Any]] = []
            for name, value in form.items():
                if name == "payload_json":
                    try:
                        body = json.loads(str(value))
                    except ValueError:
                        return str(value), [], True
                elif isinstance(value, web.FileField):
                    data = value.file.read()
                    files.append(
                        {"field": name, "filename": value.filename, "content_type": value.content_type, "data": data}
                    )
            return body, files, False
        return (await request.text()) or None, [], False

    # --------------------------------------------------------------- helpers

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

    # ------------------------------------------------------------ users, app

    async def get_me(self, call: Call) -> web.Response:
        """GET /users/@me."""
        return json_response(client_user_payload(self.fake.bot_user))

    async def get_application(self, call: Call) -> web.Response:
        """GET /oauth2/applications/@me."""
        fake = self.fake
        return json_response(application_payload(fake.application_id, fake.bot_user.username, fake.app_owner))

    async def get_gateway(self, call: Call) -> web.Response:
        """GET /gateway."""
        return json_response({"url": self.fake.gateway_url.rstrip("/")})

    async def get_gateway_bot(self, call: Call) -> web.Response:
        """GET /gateway/bot (used by AutoShardedClient)."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response({"url": self.fake.gateway_url.rstrip("/"), "shards": 1, "session_start_limit": limit})

    async def get_user(self, call: Call) -> web.Response:
        """GET /users/{id}."""
        user = self.fake.users.get(int(call.params["user_id"]))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return json_response(user_payload(user))

    async def create_dm(self, call: Call) -> web.Response:
        """POST /users/@me/channels {recipient_id}."""
        recipient = (call.body or {}).get("recipient_id")
        if recipient is None or int(recipient) not in self.fake.users:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        return json_response(channel_payload(self.fake.dm_channel(int(recipient))))

    async def leave_guild(self, call: Call) -> web.StreamResponse:
        """DELETE /users/@me/guilds/{id}: the bot leaves, GUILD_DELETE follows."""
        guild_id = int(call.params["guild_id"])
        if guild_id not in self.fake.guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        await self.fake.remove_guild(guild_id)
        return no_content()

    # -------------------------------------------------------------- channels

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

    # ---------------------------------------------------------------- guilds

    def _guild(self, call: Call) -> FakeGuild:
        guild = self.fake.guilds.get(int(call.params["guild_id"]))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    async def get_guild(self, call: Call) -> web.Response:
        """GET /guilds/{id} (REST shape: no channels or members)."""
        data = guild_create_payload(self._guild(call))
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at", "member_count"):
            data.pop(key, None)
        return json_response(data)

    async def get_guild_channels(self, call: Call) -> web.Response:
        """GET /guilds/{id}/channels."""
        return json_response([channel_payload(c) for c in self._guild(call).channels.values()])

    async def get_guild_roles(self, call: Call) -> web.Response:
        """GET /guilds/{id}/roles."""
        return json_response([role_payload(r) for r in self._guild(call).roles.values()])

    async def list_members(self, call: Call) -> web.Response:
        """GET /guilds/{id}/members?limit&after."""
        guild = self._guild(call)
        after = int(call.query.get("after", "0"))
        limit = int(call.query.get("limit", "1"))
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return json_response([member_payload(m) for m in members[:limit]])

    async def get_member(self, call: Call) -> web.Response:
        """GET /guilds/{id}/members/{user}."""
        member = self._guild(call).members.get(int(call.params["user_id"]))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return json_response(member_payload(member))

    # -------------------------------------------------------------- commands

    def _command_scope(self, call: Call) -> int | None:
        self.check_application(call)
        if "guild_id" not in call.params:
            return None
        guild_id = int(call.params["guild_id"])
        if guild_id not in self.fake.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return guild_id

    def _store_commands(self, scope: int | None, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Discord keeps a command's id when one with the same type and name is re-registered.
        old = {(c.get("type", 1), c["name"]): int(c["id"]) for c in self.fake.commands.get(scope, [])}
        stored = [
            command_payload(
                cmd,
                command_id=old.get((cmd.get("type", 1), cmd["name"])) or self.fake.ids.next(),
                application_id=self.fake.application_id,
                guild_id=scope,
                version=self.fake.ids.next(),
            )
            for cmd in commands
        ]
        self.fake.commands[scope] = stored
        return stored

    async def get_commands(self, call: Call) -> web.Response:
        """GET application commands (global or guild)."""
        return json_response(self.fake.commands.get(self._command_scope(call), []))

    async def put_commands(self, call: Call) -> web.Response:
        """PUT (bulk overwrite) application commands, as tree.sync() does."""
        scope = self._command_scope(call)
        errors = FormErrors()
        validate_commands(call.body, errors)
        if errors:
            raise ApiError.form(errors)
        self.fake.command_puts.append((scope, call.body))
        return json_response(self._store_commands(scope, call.body))

    async def upsert_command(self, call: Call) -> web.Response:
        """POST one application command (create or replace by name)."""
        scope = self._command_scope(call)
        errors = FormErrors()
        validate_commands([call.body], errors)
        if errors:
            raise ApiError.form(errors)
        body = call.body
        key = (body.get("type", 1), body["name"])
        before = self.fake.commands.get(scope, [])
        current = [c for c in before if (c.get("type", 1), c["name"]) != key]
        existed = len(current) != len(before)
        server_keys = ("id", "version", "application_id", "guild_id")
        kept = [{k: v for k, v in c.items() if k not in server_keys} for c in current]
        stored = self._store_commands(scope, kept + [body])
        return json_response(stored[-1], 200 if existed else 201)

    async def delete_command(self, call: Call) -> web.StreamResponse:
        """DELETE one application command."""
        scope = self._command_scope(call)
        commands = self.fake.commands.get(scope, [])
        remaining = [c for c in commands if c["id"] != call.params["command_id"]]
        if len(remaining) == len(commands):
            raise ApiError(404, 10063, "Unknown application command")
        self.fake.commands[scope] = remaining
        return no_content()
