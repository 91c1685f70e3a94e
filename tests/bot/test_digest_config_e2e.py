"""End to end: /config digest (Manage Server), with the real bot on the loopback Discord and a real state file."""

from __future__ import annotations

from bot.discord_app.cogs.config import NOT_ALLOWED
from bot.discord_app.digest_config import NO_CHANNEL
from bot.state import State
from bot.state.digest_settings import DigestSettings
from tests.bot.harness import eventually
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, FakeInteraction
from tests.fakediscord.pytest_helpers import ClientRun

TIMEOUT = 5.0


def papers_channel(fake: FakeDiscord) -> int:
    assert fake.guild is not None
    return next(c.id for c in fake.guild.text_channels if c.name == "papers")


async def answer(fake: FakeDiscord, inter: FakeInteraction) -> str:
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL, msg.content
    return msg.content


async def moderator_runs(fake: FakeDiscord, name: str, options: dict | None = None) -> str:
    return await answer(fake, await fake.send_interaction_command(name, options, user=fake.moderator))


async def test_digest_is_a_config_subgroup_with_the_days_as_choices(fake: FakeDiscord, stored_run: ClientRun) -> None:
    config = fake.find_command("config")
    assert config is not None
    digest = next(o for o in config["options"] if o["name"] == "digest")
    assert {o["name"] for o in digest["options"]} == {"weekly", "off"}
    weekly = next(o for o in digest["options"] if o["name"] == "weekly")
    options = {o["name"]: o for o in weekly["options"]}
    assert [c["value"] for c in options["day"]["choices"]] == [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ]
    assert [name for name, o in options.items() if o.get("required")] == ["day", "time"]


async def test_members_without_manage_server_are_refused(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    for name, options in (
        ("config digest weekly", {"day": "monday", "time": "09:00", "channel": papers_channel(fake)}),
        ("config digest off", None),
    ):
        inter = await fake.send_interaction_command(name, options, user=fake.user, enforce_permissions=False)
        assert await answer(fake, inter) == NOT_ALLOWED
    assert DigestSettings(store.db).get(fake.guild.id) is None


async def test_set_show_and_turn_off_the_digest(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    channel = papers_channel(fake)
    # Without a channel and without a daily post, there is nowhere to send it.
    assert await moderator_runs(fake, "config digest weekly", {"day": "monday", "time": "9:00"}) == NO_CHANNEL
    assert DigestSettings(store.db).get(fake.guild.id) is None

    saved = await moderator_runs(
        fake, "config digest weekly", {"day": "friday", "time": "17:30", "channel": channel, "timezone": "europe/paris"}
    )
    assert saved.startswith(f"Saved. Weekly digest: **on**, Fridays at **17:30** (Europe/Paris) in <#{channel}>; next <t:")
    assert "channel subscription topics" in saved
    schedule = DigestSettings(store.db).get(fake.guild.id)
    assert schedule is not None and (schedule.weekday, schedule.post_time, schedule.channel_id, schedule.timezone) == (
        4, "17:30", channel, "Europe/Paris",
    )
    assert "Weekly digest: **on**, Fridays at **17:30**" in await moderator_runs(fake, "config show")
    assert not fake.history(channel)  # nothing public was posted

    assert await moderator_runs(fake, "config digest off") == "The weekly digest is now off."
    assert await moderator_runs(fake, "config digest off") == "The weekly digest was already off."
    assert "Weekly digest: **off** (last set to Fridays at 17:30)" in await moderator_runs(fake, "config show")


async def test_without_options_it_follows_the_daily_posts_channel_and_timezone(
    fake: FakeDiscord, stored_run: ClientRun, store: State
) -> None:
    assert fake.guild is not None
    channel = papers_channel(fake)
    await moderator_runs(
        fake, "config trending set", {"channel": channel, "time": "08:00", "timezone": "America/New_York"}
    )
    saved = await moderator_runs(fake, "config digest weekly", {"day": "monday", "time": "09:00"})
    assert (
        f"Mondays at **09:00** (America/New_York, the daily post's timezone) in <#{channel}> (the daily post's channel)"
        in saved
    )
    schedule = DigestSettings(store.db).get(fake.guild.id)
    assert schedule is not None and (schedule.channel_id, schedule.timezone) == (None, None)


async def test_bad_times_and_timezones_are_explained_and_nothing_is_saved(
    fake: FakeDiscord, stored_run: ClientRun, store: State
) -> None:
    assert fake.guild is not None
    where = {"day": "monday", "channel": papers_channel(fake)}
    assert "24-hour HH:MM" in await moderator_runs(fake, "config digest weekly", {**where, "time": "9am"})
    bad_zone = await moderator_runs(fake, "config digest weekly", {**where, "time": "09:00", "timezone": "Mars/Base"})
    assert "not a timezone I know" in bad_zone
    assert DigestSettings(store.db).get(fake.guild.id) is None


async def test_a_removed_server_loses_its_digest(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    assert fake.guild is not None
    guild_id = fake.guild.id
    await moderator_runs(fake, "config digest weekly", {"day": "monday", "time": "09:00", "channel": papers_channel(fake)})
    store_digests = DigestSettings(store.db)
    assert store_digests.get(guild_id) is not None and guild_id in store.guilds.known_ids()
    await fake.remove_guild(guild_id)
    await eventually(lambda: store_digests.get(guild_id) is None, "the server's digest to be deleted")
