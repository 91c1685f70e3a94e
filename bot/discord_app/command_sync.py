"""When to push slash commands to Discord: dev guild at every start, global only when they changed."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import discord
from discord import app_commands

from corpus.store import write_atomic

log = logging.getLogger(__name__)


def command_set_hash(tree: app_commands.CommandTree) -> str:
    """Return a hash of the global command definitions (slash and context-menu) as Discord would receive them."""
    # A context menu may share its name with a slash command; the type keeps the order stable.
    payload = sorted(
        (command.to_dict(tree) for command in tree.get_commands()), key=lambda c: (c.get("type", 1), c["name"])
    )
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(tree: app_commands.CommandTree, hash_file: Path | None, dev_guild_id: int | None) -> str:
    """Sync commands; return "guild", "global" or "unchanged" (`hash_file` remembers the last global sync)."""
    if dev_guild_id is not None:
        guild = discord.Object(id=dev_guild_id)
        # Guild commands appear at once, so a developer sees changes without waiting.
        tree.copy_global_to(guild=guild)
        synced = await tree.sync(guild=guild)
        log.info("synced %d commands to dev guild %s", len(synced), dev_guild_id)
        return "guild"
    digest = command_set_hash(tree)
    if hash_file is not None and hash_file.exists() and hash_file.read_text(encoding="utf-8").strip() == digest:
        log.info("global commands unchanged since the last sync; not syncing")
        return "unchanged"
    synced = await tree.sync()
    if hash_file is not None:
        write_atomic(hash_file, (digest + "\n").encode())
    log.info("synced %d global commands (they may take a while to appear everywhere)", len(synced))
    return "global"
