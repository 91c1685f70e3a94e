"""REST routes for application commands (global and guild): list, bulk overwrite, upsert, delete."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .limits import FormErrors, validate_commands
from .payloads import command_payload
from .rest_lookups import RestLookups
from .rest_routing import ApiError, Call, json_response, no_content


class CommandRoutes(RestLookups):
    """/applications/{app}[/guilds/{guild}]/commands; RestApi registers them."""

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
