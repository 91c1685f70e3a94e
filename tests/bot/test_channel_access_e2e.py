"""End to end: a member can only aim the bot at, list and remove what is in channels they can see and post in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.handlers import Handlers
from bot.discord_app.cogs.subscriptions import PICK_ONE
from bot.discord_app.permissions import MEMBER_CANNOT
from bot.state import State
from tests.bot.harness import running_bot
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord
from tests.fakediscord.state import EMBED_LINKS, READ_MESSAGE_HISTORY, SEND_MESSAGES, VIEW_CHANNEL, FakeUser

TIMEOUT = 5.0
BOT_POSTS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY


async def answer(fake: FakeDiscord, name: str, options: dict | None = None, *, user: FakeUser | None) -> str:
    """Run a command and return its (ephemeral) answer."""
    inter = await fake.send_interaction_command(name, options, user=user)
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL, msg.content
    return msg.content


def channel_named(fake: FakeDiscord, name: str) -> int:
    assert fake.guild is not None
    return next(c.id for c in fake.guild.text_channels if c.name == name)


@pytest.mark.parametrize("denied", [VIEW_CHANNEL, SEND_MESSAGES], ids=["hidden", "read-only"])
async def test_manager_cannot_aim_the_bot_at_a_channel_they_cannot_post_in(
    fake: FakeDiscord, stored_handlers: Handlers, store: State, tmp_path: Path, denied: int
) -> None:
    assert fake.guild is not None and fake.moderator is not None
    papers = channel_named(fake, "papers")
    # Before connecting (the bot's cache comes from GUILD_CREATE): only the moderator is kept out;
    # the bot itself may post there.
    fake.set_channel_permissions(papers, fake.moderator.id, deny=denied, member=True)
    async with running_bot(fake, stored_handlers, tmp_path, state=store):
        for name, options in (
            ("config trending set", {"channel": papers, "time": "09:00", "timezone": "UTC"}),
            ("subscribe", {"topic": "optimal transport", "channel": papers}),
            ("config mentions allow", {"channel": papers}),
        ):
            assert await answer(fake, name, options, user=fake.moderator) == MEMBER_CANNOT, name
        assert store.servers.get(fake.guild.id) is None
        assert store.subscriptions.list() == []
        # The same moderator may still use a channel they can post in.
        general = channel_named(fake, "general")
        saved = await answer(fake, "subscribe", {"topic": "optimal transport", "channel": general}, user=fake.moderator)
        assert saved.startswith(f"Subscribed <#{general}>")
        assert fake.rejections == []


async def test_subscriptions_in_hidden_channels_are_neither_listed_nor_removable(
    fake: FakeDiscord, handlers: Handlers, store: State, tmp_path: Path
) -> None:
    assert fake.guild is not None and fake.user is not None and fake.moderator is not None
    guild = fake.guild
    owner = fake.users[guild.owner_id]
    # A private staff channel: hidden from @everyone (so from the member and the moderator), open to the bot.
    staff = fake.create_channel(guild.id, "staff-only").id
    fake.set_channel_permissions(staff, guild.id, deny=VIEW_CHANNEL)
    assert fake.bot_user is not None
    fake.set_channel_permissions(staff, fake.bot_user.id, allow=BOT_POSTS, member=True)
    papers = channel_named(fake, "papers")
    hidden = store.subscriptions.add(guild.id, staff, owner.id, "secret merger papers")
    shown = store.subscriptions.add(guild.id, papers, fake.moderator.id, "optimal transport")
    theirs = store.subscriptions.add(None, None, fake.moderator.id, "diffusion models")

    async with running_bot(fake, handlers, tmp_path, state=store):
        for user in (fake.user, fake.moderator):
            listed = await answer(fake, "subscriptions", user=user)
            assert "optimal transport" in listed and f"<#{papers}>" in listed
            assert "secret merger" not in listed and f"<#{staff}>" not in listed
        # The owner sees every channel, so every subscription.
        listed = await answer(fake, "subscriptions", user=owner)
        assert "secret merger" in listed and f"<#{staff}>" in listed

        # A manager who cannot see the channel is not offered its subscription, nor may remove it.
        inter = await fake.send_autocomplete("unsubscribe", {"subscription": ""}, user=fake.moderator)
        choices = await fake.wait_for_autocomplete(inter, timeout=TIMEOUT)
        assert {c["value"] for c in choices} == {str(shown.id), str(theirs.id)}
        assert await answer(fake, "unsubscribe", {"subscription": str(hidden.id)}, user=fake.moderator) == PICK_ONE
        assert hidden.id in {s.id for s in store.subscriptions.list()}
        assert fake.rejections == []


async def test_unsubscribe_answers_alike_for_ids_not_yours_and_ids_that_do_not_exist(
    fake: FakeDiscord, handlers: Handlers, store: State, tmp_path: Path
) -> None:
    assert fake.guild is not None and fake.user is not None and fake.moderator is not None
    papers = channel_named(fake, "papers")
    channel_sub = store.subscriptions.add(fake.guild.id, papers, fake.moderator.id, "optimal transport")
    theirs = store.subscriptions.add(None, None, fake.moderator.id, "diffusion models")
    missing = max(channel_sub.id, theirs.id) + 1000
    async with running_bot(fake, handlers, tmp_path, state=store):
        answers = {
            value: await answer(fake, "unsubscribe", {"subscription": value}, user=fake.user)
            for value in (str(channel_sub.id), str(theirs.id), str(missing), "diffusion models", "no such topic")
        }
        assert set(answers.values()) == {PICK_ONE}, answers
        assert len(store.subscriptions.list()) == 2
        assert fake.rejections == []
