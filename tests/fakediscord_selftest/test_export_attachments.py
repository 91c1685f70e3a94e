"""The fake keeps what uploaded files hold: channel messages, edits that keep them, the CDN URL, the 10-file cap.

discord.py sends files as multipart/form-data, `payload_json` and `files[N]` parts: what the fake
keeps and serves back must be those bytes, read through discord.py's own `Attachment.read()` too.
"""

from __future__ import annotations

import io

import aiohttp
import discord
import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.attachment_uploads import MAX_FILES, attachment_bytes, attachment_files
from tests.fakediscord_selftest.testbot import TestBot


def files(*named: tuple[str, bytes]) -> list[discord.File]:
    return [discord.File(io.BytesIO(data), filename=name) for name, data in named]


async def test_uploaded_files_are_read_back_by_name_and_survive_an_edit(fake: FakeDiscord, bot: TestBot) -> None:
    channel = await bot.fetch_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("two files", files=files(("a.bib", b"@misc{a,}\n"), ("a.ris", b"TY  - JOUR\r\nER  - \r\n")))
    stored = fake.get_message(sent.id)
    assert stored is not None
    assert attachment_files(fake, stored) == {"a.bib": b"@misc{a,}\n", "a.ris": b"TY  - JOUR\r\nER  - \r\n"}
    # An edit that keeps the attachments (discord.py sends them back by id) keeps what they hold.
    edited = await sent.edit(content="still two files", attachments=sent.attachments)
    stored = fake.get_message(edited.id)
    assert stored is not None and stored.content == "still two files"
    assert attachment_files(fake, stored) == {"a.bib": b"@misc{a,}\n", "a.ris": b"TY  - JOUR\r\nER  - \r\n"}
    with pytest.raises(KeyError):
        attachment_bytes(fake, {"id": "1"})  # never uploaded
    assert fake.internal_errors == []


async def test_more_than_ten_files_on_one_message_are_refused(fake: FakeDiscord, bot: TestBot) -> None:
    channel = await bot.fetch_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    many = files(*((f"{n}.txt", b"x") for n in range(MAX_FILES + 1)))
    with pytest.raises(discord.HTTPException) as refused:  # discord.py leaves the count to Discord
        await channel.send("too many", files=many)
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert fake.bot_messages(fake.channel.id) == []


async def test_an_attachment_is_read_back_from_its_url_as_from_discords_cdn(fake: FakeDiscord, bot: TestBot) -> None:
    channel = await bot.fetch_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    ris = "TY  - JOUR\r\nTI  - Caf\u00e9 \u91cf\u5b50\r\nER  - \r\n".encode("utf-8")
    sent = await channel.send(files=files(("papers.ris", ris), ("papers.bib", b"@misc{a,}\n")))
    upload = next(r for r in fake.requests if r.method == "POST" and r.files)
    assert [f["field"] for f in upload.files] == ["files[0]", "files[1]"]  # discord.py's multipart parts
    assert [a["filename"] for a in upload.json["attachments"]] == ["papers.ris", "papers.bib"]  # payload_json
    first, second = sent.attachments
    assert (first.filename, first.size, second.filename) == ("papers.ris", len(ris), "papers.bib")
    assert await first.read() == ris and await second.read() == b"@misc{a,}\n"  # GET on the URL, as from the CDN
    async with aiohttp.ClientSession() as session:
        for url in (first.url.replace("papers.ris", "other.ris"), first.url.replace(str(first.id), "1")):
            async with session.get(url) as missing:  # another name or id: nothing there
                assert missing.status == 404
    assert fake.internal_errors == []
