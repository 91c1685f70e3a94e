"""The files of an export reply as Discord attachments."""

from __future__ import annotations

import io

import discord

from bot.core.export import files_of
from bot.core.replies import Reply


def attachments(reply: Reply) -> dict[str, list[discord.File]]:
    """Return the `files` argument of the message that carries a reply: {} for a reply without files.

    A discord.File is read once when sent, so each message gets new ones.
    """
    files = [discord.File(io.BytesIO(file.data), filename=file.name) for file in files_of(reply)]
    return {"files": files} if files else {}
