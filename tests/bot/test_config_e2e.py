"""End to end: /config and the state store, with the real PaperScoutBot against the loopback fake Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import engagement as events
from bot.core.handlers import Handlers
from bot.discord_app.cogs.config import NOT_ALLOWED
from bot.state import State
from tests.bot.harness import eventually, running_bot
from tests.fakediscord import FLAG_EPHEMERAL, MANAGE_GUILD, FakeDiscord, FakeInteraction, FakeMessage
from tests.fakediscord.pytest_helpers import ClientRun
from tests.fakediscord.state import EMBED_LINKS, SEND_MESSAGES

TIMEOUT = 5.0


def papers_channel(fake: FakeDiscord) -> int:
    """Return the id of the default guild's #papers channel."""
    assert fake.guild is not None
    return next(c.id for c in fake.guild.text_channels if c.name == "papers")


async def ephemeral_answer(fake: FakeDiscord, inter: FakeInteraction) -> FakeMessage:
    """Wait for the answer to an interaction and check that only the invoker saw it."""
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL, msg.content
    return msg


async def configure(fake: FakeDiscord, channel: int, time: str = "09:00", timezone: str = "Europe/Paris") -> FakeMessage:
    """Run /config trending set as the moderator."""
    inter = await fake.send_interaction_command(
        "config trending set", {"channel": channel, "time": time, "timezone": timezone}, user=fake.moderator
    )
    return await ephemeral_answer(fake, inter)


async def test_config_is_registered_guild_only_for_manage_server(fake: FakeDiscord, stored_run: ClientRun) -> None:
    config = fake.find_command("config")
    assert config is not None
    assert int(config["default_member_permissions"]) == MANAGE_GUILD
    assert config.get("dm_permission") is False or config.get("contexts") == [0]
    subs = {o["name"]: o for o in config["options"]}
    assert set(subs) == {"trending", "mentions", "results", "answers", "digest", "show"}
    assert {o["name"] for o in subs["trending"]["options"]} == {"set", "off", "size"}
    assert {o["name"] for o in subs["mentions"]["options"]} == {"allow", "disallow", "everywhere"}
    [cards] = next(o for o in subs["trending"]["options"] if o["name"] == "size")["options"]
    assert (cards["min_value"], cards["max_value"], cards.get("required", False)) == (1, 10, False)
    with pytest.raises(PermissionError):  # Discord's client hides it from plain members
        await fake.send_interaction_command("config show")


async def test_member_without_manage_server_is_refused(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    # A server admin may have overridden the default permission: the handler checks again.
    for name, options in (
        ("config trending set", {"channel": papers_channel(fake), "time": "09:00", "timezone": "UTC"}),
        ("config trending off", None),
        ("config trending size", {"cards": 3}),
        ("config trending size", None),
        ("config results", {"private": True}),
        ("config results", None),
        ("config mentions allow", {"channel": papers_channel(fake)}),
        ("config mentions disallow", {"channel": papers_channel(fake)}),
        ("config mentions everywhere", None),
        ("config show", None),
    ):
        inter = await fake.send_interaction_command(name, options, user=fake.user, enforce_permissions=False)
        msg = await ephemeral_answer(fake, inter)
        assert msg.content == NOT_ALLOWED
    assert store.servers.get(fake.guild.id) is None
    assert fake.rejections == []


async def test_moderator_sets_and_shows_trending(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    channel = papers_channel(fake)
    inter = await fake.send_interaction_command("config show", user=fake.moderator)
    assert "off" in (await ephemeral_answer(fake, inter)).content

    saved = await configure(fake, channel, time="9:05", timezone="america/new_york")
    assert saved.content.startswith("Saved.") and f"<#{channel}>" in saved.content
    settings = store.servers.get(fake.guild.id)
    assert settings is not None
    assert (settings.channel_id, settings.post_time, settings.timezone, settings.enabled) == (
        channel, "09:05", "America/New_York", True,
    )

    inter = await fake.send_interaction_command("config show", user=fake.moderator)
    shown = (await ephemeral_answer(fake, inter)).content
    assert "**on**" in shown and f"<#{channel}>" in shown and "09:05" in shown and "America/New_York" in shown
    assert not fake.history(channel)  # nothing public was posted
    assert fake.rejections == []


async def test_timezone_autocomplete_suggests_iana_names(fake: FakeDiscord, stored_run: ClientRun) -> None:
    inter = await fake.send_autocomplete(
        "config trending set",
        {"channel": papers_channel(fake), "time": "09:00", "timezone": "paris"},
        focused="timezone",
        user=fake.moderator,
    )
    choices = await fake.wait_for_autocomplete(inter, timeout=TIMEOUT)
    assert [c["value"] for c in choices] == ["Europe/Paris"]


@pytest.mark.parametrize("bad_time", ["25:00", "9am", "12:60", "noon"])
async def test_bad_time_is_explained(fake: FakeDiscord, stored_run: ClientRun, store: State, bad_time: str) -> None:
    assert fake.guild is not None
    msg = await configure(fake, papers_channel(fake), time=bad_time)
    assert "24-hour HH:MM" in msg.content and "09:00" in msg.content
    assert store.servers.get(fake.guild.id) is None


async def test_bad_timezone_is_explained(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    msg = await configure(fake, papers_channel(fake), timezone="Mars/Olympus_Mons")
    assert "not a timezone I know" in msg.content and "Europe/Paris" in msg.content
    assert store.servers.get(fake.guild.id) is None


async def test_channel_the_bot_cannot_post_in_is_refused(
    fake: FakeDiscord, stored_handlers: Handlers, store: State, tmp_path: Path
) -> None:
    assert fake.guild is not None
    channel = papers_channel(fake)
    # @everyone (which the bot's permissions come from) may not send or embed in #papers.
    fake.set_channel_permissions(channel, fake.guild.id, deny=SEND_MESSAGES | EMBED_LINKS)
    async with running_bot(fake, stored_handlers, tmp_path, state=store):
        msg = await configure(fake, channel)
        assert "can't post in" in msg.content
        assert "**Send Messages**" in msg.content and "**Embed Links**" in msg.content
        assert "View Channel" not in msg.content and "nothing was saved" in msg.content
        assert store.servers.get(fake.guild.id) is None
        # The other channel is fine.
        general = fake.guild.text_channels[0].id
        assert (await configure(fake, general)).content.startswith("Saved.")


async def test_trending_off(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    channel = papers_channel(fake)
    await configure(fake, channel)
    inter = await fake.send_interaction_command("config trending off", user=fake.moderator)
    assert (await ephemeral_answer(fake, inter)).content == "The daily trending post is now off."
    settings = store.servers.get(fake.guild.id)
    assert settings is not None and not settings.enabled and settings.channel_id == channel
    inter = await fake.send_interaction_command("config trending off", user=fake.moderator)
    assert "already off" in (await ephemeral_answer(fake, inter)).content
    inter = await fake.send_interaction_command("config show", user=fake.moderator)
    assert "**off**" in (await ephemeral_answer(fake, inter)).content


async def test_find_events_are_stored_in_sqlite(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None and fake.user is not None
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn", "count": 3})
    await fake.wait_for_response(inter, timeout=TIMEOUT)
    stored = store.events.read(fake.guild.id)
    assert [(e.kind, e.user_id, e.query, len(e.paper_ids)) for e in stored] == [
        (events.SEARCH, fake.user.id, "sinkhorn", 3)
    ]
    assert "p-sinkhorn" in stored[0].paper_ids


async def test_removing_the_guild_deletes_its_data(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    guild_id = fake.guild.id
    await configure(fake, papers_channel(fake))
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn"})
    await fake.wait_for_response(inter, timeout=TIMEOUT)
    store.subscriptions.add(guild_id, papers_channel(fake), fake.moderator.id, "optimal transport")
    other = await fake.add_guild("Another Server", members=[fake.moderator])
    store.servers.set_trending(other.id, other.text_channels[0].id, "10:00", "UTC")
    assert store.events.read(guild_id) and store.servers.get(guild_id) is not None

    await fake.remove_guild(guild_id)
    await eventually(lambda: store.servers.get(guild_id) is None, "the guild's data to be deleted")

    assert store.events.read(guild_id) == [] and store.subscriptions.list(guild_id=guild_id) == []
    assert store.servers.get(other.id) is not None  # other servers keep theirs
    stored_run.assert_alive()


async def test_servers_removed_while_offline_are_forgotten_at_start(
    fake: FakeDiscord, stored_handlers: Handlers, store: State, tmp_path: Path
) -> None:
    assert fake.guild is not None
    here, gone = fake.guild.id, 424242
    for guild_id in (here, gone):
        store.servers.set_trending(guild_id, 10, "09:00", "UTC")
        store.subscriptions.add(guild_id, 10, fake.moderator.id, "diffusion")
    store.subscriptions.add(None, None, fake.user.id, "optimal transport")  # a DM one belongs to no server
    async with running_bot(fake, stored_handlers, tmp_path, state=store) as run:
        await eventually(lambda: store.servers.get(gone) is None, "the departed server's data to be deleted")
        run.assert_alive()
    assert store.subscriptions.list(guild_id=gone) == [] and store.guilds.known_ids() == {here}
    assert store.servers.get(here) is not None and len(store.subscriptions.list()) == 2


async def test_deleting_the_trending_channel_turns_trending_off_and_drops_its_subscriptions(
    fake: FakeDiscord, stored_run: ClientRun, store: State
) -> None:
    assert fake.guild is not None
    guild_id, channel = fake.guild.id, papers_channel(fake)
    general = fake.guild.text_channels[0].id
    await configure(fake, channel)
    store.subscriptions.add(guild_id, channel, fake.moderator.id, "diffusion")
    kept = store.subscriptions.add(guild_id, general, fake.moderator.id, "optimal transport")

    await fake.delete_channel(channel)

    await eventually(lambda: store.subscriptions.list(guild_id=guild_id) == [kept], "the channel's subscription to go")
    settings = store.servers.get(guild_id)
    assert settings is not None and not settings.enabled
    stored_run.assert_alive()


async def test_show_lists_every_setting_with_its_default(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    # Setting each preference, and what it changes: tests/bot/test_preferences_e2e.py.
    inter = await fake.send_interaction_command("config show", user=fake.moderator)
    assert (await ephemeral_answer(fake, inter)).content.splitlines() == [
        "Daily trending post: **off** (no channel chosen). Turn it on with `/config trending set`.",
        "Papers in the daily post: **5** (`/config trending size`, 1-10).",
        "Mentions: answered in **every channel** (`/config mentions allow` limits them to channels you pick).",
        "/find results: **public** by default (`private:True` on /find shows them only to the searcher).",
        "Answers to questions: **replies** (`/config answers thread` opens a thread for each question instead).",
        "Weekly digest: **off** (`/config digest weekly day:Monday time:09:00` sends the week's top papers every Monday).",
    ]
    assert fake.guild is not None and store.servers.get(fake.guild.id) is None  # showing writes nothing
