"""REST building blocks: Discord-style JSON answers and errors, the routed call, the router."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web

from .limits import FormErrors, is_empty_message
from .state import FakeMessage, RecordedRequest

JSON_CONTENT_TYPE = "application/json"
# discord.py's json_or_text only decodes JSON when the header is exactly this, so
# aiohttp's json_response (which appends "; charset=utf-8") must not be used.
JSON_HEADERS = {"Content-Type": JSON_CONTENT_TYPE}


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
