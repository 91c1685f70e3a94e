"""REST routes for guilds: the guild itself, its channels, roles and members."""

from __future__ import annotations

from aiohttp import web

from .payloads import channel_payload, guild_create_payload, member_payload, role_payload
from .rest_lookups import RestLookups
from .rest_routing import ApiError, Call, json_response
from .state import FakeGuild


class GuildRoutes(RestLookups):
    """GET under /guilds/{id}; RestApi registers them."""

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
