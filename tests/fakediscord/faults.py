"""Fault injection for REST routes: rate limits (429 with Via) and server errors."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import web

JSON_HEADERS = {"Content-Type": "application/json"}
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class FaultRule:
    """Answer the next `times` requests matching `match` with `status`."""

    match: str
    status: int = 429
    retry_after: float = 0.2
    times: int = 1
    global_: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Match "METHOD /path-substring" or a bare substring of "METHOD /path"."""
        head, _, rest = self.match.partition(" ")
        if head.upper() in _METHODS and rest:
            return method == head.upper() and rest in path
        return self.match in f"{method} {path}"

    @property
    def exhausted(self) -> bool:
        """Return True once the rule has fired `times` times."""
        return self.hits >= self.times

    def response(self) -> web.Response:
        """Build the injected response."""
        if self.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": self.global_}
            # discord.py treats a 429 without Via as a Cloudflare ban and raises instead of retrying.
            headers = {
                **JSON_HEADERS,
                "Via": "1.1 google",
                "Retry-After": str(max(1, int(self.retry_after + 0.999))),
                "X-RateLimit-Scope": "global" if self.global_ else "user",
            }
            if self.global_:
                headers["X-RateLimit-Global"] = "true"
            return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)
        body = {"message": f"{self.status}: Injected failure", "code": 0}
        return web.Response(status=self.status, body=json.dumps(body).encode(), headers=dict(JSON_HEADERS))


class FaultInjector:
    """Holds pending fault rules and consumes them in order."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.fired: list[tuple[str, str, int]] = []

    def add(self, rule: FaultRule) -> FaultRule:
        """Queue a rule."""
        self.rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """Return the first live rule matching this request and count the hit."""
        for rule in self.rules:
            if not rule.exhausted and rule.matches(method, path):
                rule.hits += 1
                self.fired.append((method, path, rule.status))
                return rule
        return None
