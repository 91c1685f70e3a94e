"""Builders for the JSON objects Discord sends (users, members, guilds, messages...)."""

from __future__ import annotations

import datetime
from typing import Any, Callable

from .state import (
    CHANNEL_DM,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
)
from .thread_payloads import FakeThread, thread_payload

# discord.py reads this from every interaction; 25 MiB is Discord's default upload limit.
ATTACHMENT_SIZE_LIMIT = 25 * 1024 * 1024


def iso_now() -> str:
    """Return the current UTC time in Discord's ISO-8601 format."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def user_payload(user: FakeUser) -> dict[str, Any]:
    """Build a user object."""
    return {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": user.avatar,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
        "collectibles": None,
    }


def client_user_payload(user: FakeUser) -> dict[str, Any]:
    """Build the bot's own user object (GET /users/@me, READY.user)."""
    return {**user_payload(user), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}


def member_payload(
    member: FakeMember, *, with_user: bool = True, permissions: int | None = None
) -> dict[str, Any]:
    """Build a guild member object; `flags` is mandatory for discord.py's Member()."""
    data: dict[str, Any] = {
        "roles": [str(r) for r in member.role_ids],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": member.flags,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(member.user)
    if permissions is not None:
        # Interactions carry the invoking member's resolved permissions as a string.
        data["permissions"] = str(permissions)
    return data


def role_payload(role: FakeRole) -> dict[str, Any]:
    """Build a role object (permissions is a string bitfield)."""
    return {
        "id": str(role.id),
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "managed": role.managed,
        "mentionable": role.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def channel_payload(channel: FakeChannel) -> dict[str, Any]:
    """Build a channel object (guild channel, thread or DM)."""
    if isinstance(channel, FakeThread):
        return thread_payload(channel)
    last = str(channel.last_message_id) if channel.last_message_id else None
    if channel.type == CHANNEL_DM:
        return {
            "id": str(channel.id),
            "type": CHANNEL_DM,
            "last_message_id": last,
            "recipients": [user_payload(u) for u in channel.recipients],
            "flags": 0,
        }
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "topic": channel.topic,
        "nsfw": channel.nsfw,
        "permission_overwrites": list(channel.permission_overwrites),
        "last_message_id": last,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def guild_create_payload(guild: FakeGuild, *, joined: bool = False) -> dict[str, Any]:
    """Build the full GUILD_CREATE object (channels, roles, members with flags).

    `joined=True` is for a guild the bot joins after READY: Discord then omits
    `unavailable`, which is how discord.py tells on_guild_join from on_guild_available.
    """
    data = {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "features": [],
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "premium_progress_bar_enabled": False,
        "joined_at": guild.joined_at,
        "large": False,
        "unavailable": False,
        # member_count == len(members) marks the guild as chunked, so discord.py never
        # asks for member chunks at startup.
        "member_count": len(guild.members),
        "roles": [role_payload(r) for r in guild.roles.values()],
        "channels": [
            {k: v for k, v in channel_payload(c).items() if k != "guild_id"} for c in guild.channels.values()
        ],
        "members": [member_payload(m) for m in guild.members.values()],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "emojis": [],
        "stickers": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "application_command_counts": {},
        "embedded_activities": [],
        "lazy": True,
    }
    if joined:
        del data["unavailable"]
    return data


def application_payload(application_id: int, name: str, owner: FakeUser) -> dict[str, Any]:
    """Build GET /oauth2/applications/@me (every key discord.py's AppInfo requires)."""
    return {
        "id": str(application_id),
        "name": name,
        "description": "Fake application served by FakeDiscord",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(owner),
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "summary": "",
        "rpc_origins": [],
        "terms_of_service_url": None,
        "privacy_policy_url": None,
        "interactions_endpoint_url": None,
        "tags": [],
        "redirect_uris": [],
        "approximate_guild_count": 1,
    }


def message_payload(
    msg: FakeMessage,
    *,
    lookup: Callable[[int], FakeMessage | None],
    member_of: Callable[[int, int], FakeMember | None],
    users: Callable[[int], FakeUser | None],
    with_member: bool = False,
    depth: int = 0,
) -> dict[str, Any]:
    """Build a full message object; `with_member` adds the author's partial member (gateway style)."""
    data: dict[str, Any] = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "author": user_payload(msg.author),
        "content": msg.content,
        "timestamp": msg.timestamp,
        "edited_timestamp": msg.edited_timestamp,
        "tts": msg.tts,
        "mention_everyone": msg.mention_everyone,
        "mentions": [],
        "mention_roles": [str(r) for r in msg.mention_role_ids],
        "mention_channels": [],
        "attachments": list(msg.attachments),
        "embeds": list(msg.embeds),
        "components": list(msg.components),
        "reactions": [
            {
                "count": len(uids),
                "count_details": {"burst": 0, "normal": len(uids)},
                "me": False,
                "me_burst": False,
                "burst_colors": [],
                "emoji": {"id": None, "name": emoji},
            }
            for emoji, uids in msg.reactions.items()
            if uids
        ],
        "pinned": msg.pinned,
        "type": msg.type,
        "flags": msg.flags,
    }
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
        if with_member:
            member = member_of(msg.guild_id, msg.author.id)
            if member is not None:
                data["member"] = member_payload(member, with_user=False)
    if msg.nonce is not None:
        data["nonce"] = msg.nonce
    if msg.webhook_id is not None:
        data["webhook_id"] = str(msg.webhook_id)
    if msg.application_id is not None:
        data["application_id"] = str(msg.application_id)
    for uid in msg.mention_user_ids:
        user = users(uid)
        if user is None:
            continue
        mention = user_payload(user)
        if msg.guild_id is not None:
            member = member_of(msg.guild_id, uid)
            if member is not None:
                mention["member"] = member_payload(member, with_user=False)
        data["mentions"].append(mention)
    if msg.message_reference is not None:
        data["message_reference"] = msg.message_reference
        ref_id = msg.message_reference.get("message_id")
        # Discord nests the replied-to message one level deep only.
        if ref_id is not None and depth == 0:
            ref = lookup(int(ref_id))
            data["referenced_message"] = (
                None
                if ref is None or ref.deleted
                else message_payload(ref, lookup=lookup, member_of=member_of, users=users, depth=1)
            )
    return data


def command_payload(
    command: dict[str, Any], *, command_id: int, application_id: int, guild_id: int | None, version: int
) -> dict[str, Any]:
    """Build a stored application command from what the bot PUT."""
    data = {
        "type": 1,
        "options": [],
        "default_member_permissions": None,
        "dm_permission": True,
        "nsfw": False,
        "name_localizations": None,
        "description_localizations": None,
        **command,
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(version),
    }
    if data["type"] != 1:
        # Discord returns an empty description for user and message commands.
        data.setdefault("description", "")
    if data.get("default_member_permissions") is not None:
        # discord.py sends an int; Discord stores and returns the bitfield as a string.
        data["default_member_permissions"] = str(data["default_member_permissions"])
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data
