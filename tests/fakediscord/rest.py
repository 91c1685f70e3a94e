"""REST dispatch (recording, faults, auth, routing, Discord-style errors) and the user/app routes."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .attachment_uploads import ATTACHMENT_ROUTE
from .limits import FormErrors
from .payloads import application_payload, channel_payload, client_user_payload, user_payload
from .rest_commands import CommandRoutes
from .rest_guilds import GuildRoutes
from .rest_interactions import InteractionRoutes
from .rest_messages import MessageRoutes
from .rest_routing import JSON_CONTENT_TYPE, ApiError, Call, Router, json_response, no_content
from .rest_threads import ThreadRoutes
from .state import RecordedRequest, Rejection

if TYPE_CHECKING:
    from .server import FakeDiscord

_API_PREFIX = re.compile(r"^/api/v\d+(?=/)")


class RestApi(ThreadRoutes, MessageRoutes, GuildRoutes, CommandRoutes):
    """Serves every REST route of the fake."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.router = Router()
        self._register()
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
        add("GET", ATTACHMENT_ROUTE, self.get_attachment, auth=False)  # the CDN: attachment_uploads.py
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
        self.register_thread_routes(add)

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
