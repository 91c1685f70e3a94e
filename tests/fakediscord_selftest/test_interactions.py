"""End-to-end tests of the fake's interactions: acks, followups, autocomplete, components, modals."""

from __future__ import annotations

import discord
import pytest

from tests.fakediscord import FLAG_EPHEMERAL, MANAGE_GUILD, FakeDiscord
from tests.fakediscord_selftest.testbot import TIMEOUT, TestBot


async def test_slash_command_answers_with_embed(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("echo", {"text": "attention is all you need"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.embeds[0]["title"] == "Echo"
    assert msg.embeds[0]["description"] == "attention is all you need"
    assert msg.interaction_id == inter.id and msg.source == "callback"
    assert not msg.ephemeral
    assert [c.type for c in fake.interaction_callbacks] == [4]
    assert fake.history(fake.channel.id) == [msg]


async def test_defer_then_followup_fills_the_thinking_message(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("slow", {"query": "diffusion"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert [c.type for c in fake.interaction_callbacks] == [5]
    assert msg.id == inter.original_message_id  # the first followup replaced the placeholder
    assert not msg.loading
    assert msg.embeds[0]["description"] == "for diffusion"
    assert fake.followups == [msg]
    followup_posts = [r for r in fake.requests if r.path.startswith("/webhooks/")]
    assert len(followup_posts) == 1 and followup_posts[0].query.get("wait") == "1"


async def test_followup_after_token_expiry_is_rejected(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("later")
    await fake.wait_for_callback(inter, timeout=TIMEOUT)
    fake.advance_clock(15 * 60 + 1)
    bot.gate.set()
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == inter.id, timeout=TIMEOUT)
    assert (rejection.status, rejection.code) == (401, 50027)


async def test_oversized_embed_is_rejected(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("huge")
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == inter.id, timeout=TIMEOUT)
    assert (rejection.status, rejection.code) == (400, 50035)
    error = rejection.errors["data"]["embeds"]["0"]["description"]["_errors"][0]
    assert error["code"] == "BASE_TYPE_MAX_LENGTH"
    assert not inter.acknowledged and fake.bot_messages() == []
    await fake.wait_for(lambda: bot.errors or None, timeout=TIMEOUT, what="the bot's error handler")
    assert isinstance(bot.errors[0], discord.HTTPException) and bot.errors[0].code == 50035


async def test_autocomplete_choices_and_the_25_limit(fake: FakeDiscord, bot: TestBot) -> None:
    ok = await fake.send_autocomplete("search", {"query": "bert"})
    choices = await fake.wait_for_autocomplete(ok, timeout=TIMEOUT)
    assert [c["value"] for c in choices] == [f"bert-{i}" for i in range(5)]

    bot.autocomplete_size = 30
    too_many = await fake.send_autocomplete("search", {"query": "gpt"})
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == too_many.id, timeout=TIMEOUT)
    assert rejection.code == 50035
    assert rejection.errors["data"]["choices"]["_errors"][0]["message"] == "Must be 25 or fewer in length."
    assert too_many.autocomplete_choices is None


async def test_second_ack_is_rejected(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("twice")
    first = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert first.content == "first"
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == inter.id, timeout=TIMEOUT)
    assert (rejection.status, rejection.code) == (400, 40060)
    assert rejection.message == "Interaction has already been acknowledged."
    assert [m.content for m in fake.bot_messages()] == ["first"]


async def test_late_ack_is_rejected(fake: FakeDiscord, bot: TestBot) -> None:
    fake.ack_deadline = 0.2  # the handler sleeps 0.3 s
    inter = await fake.send_interaction_command("late")
    rejection = await fake.wait_for_rejection(lambda r: r.interaction_id == inter.id, timeout=TIMEOUT)
    assert (rejection.status, rejection.code) == (404, 10062)
    assert not inter.acknowledged
    await fake.wait_for(lambda: bot.errors or None, timeout=TIMEOUT, what="the bot's error handler")
    assert isinstance(bot.errors[0], discord.NotFound)


async def test_button_click_reaches_the_view(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("panel")
    panel = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert panel.custom_ids() == ["panel:ok", "panel:later"]
    click = await fake.click_button(panel, "panel:ok", user=fake.moderator)
    updated = await fake.wait_for_response(click, timeout=TIMEOUT)
    assert bot.clicks == [fake.moderator.id]
    assert updated.id == panel.id
    assert updated.content == "clicked by morgan" and updated.components == []
    assert click.ack_type == 7


async def test_deferred_update_then_edit_original(fake: FakeDiscord, bot: TestBot) -> None:
    panel = await fake.wait_for_response(await fake.send_interaction_command("panel"), timeout=TIMEOUT)
    click = await fake.click_button(panel, "panel:later")
    updated = await fake.wait_for_response(click, timeout=TIMEOUT)
    assert click.ack_type == 6
    assert updated.id == panel.id and updated.content == "updated later" and updated.components == []
    patch = [r for r in fake.requests if r.method == "PATCH"]
    assert [r.path for r in patch] == [f"/webhooks/{fake.application_id}/{click.token}/messages/@original"]


async def test_delete_original_response(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("temp")
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    await fake.wait_for(lambda: msg.deleted or None, timeout=TIMEOUT, what="DELETE @original")
    assert fake.history(fake.channel.id) == [] and fake.bot_messages() == []


async def test_select_menu(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("topic")
    menu = await fake.wait_for_response(inter, timeout=TIMEOUT)
    with pytest.raises(ValueError):
        await fake.select(menu, "topic:pick", ["biology"])  # not an option: no user could pick it
    picked = await fake.select(menu, "topic:pick", ["rl"])
    updated = await fake.wait_for_response(picked, timeout=TIMEOUT)
    assert updated.content == "topic=rl"


async def test_modal_round_trip(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("feedback")
    callback = await fake.wait_for_callback(inter, timeout=TIMEOUT)
    assert callback.type == 9 and inter.modal is not None and inter.modal["title"] == "Feedback"
    submit = await fake.submit_modal(inter, {"feedback:text": "great bot"})
    answer = await fake.wait_for_response(submit, timeout=TIMEOUT)
    assert answer.content == "thanks: great bot"
    assert answer.flags & FLAG_EPHEMERAL
    assert answer not in fake.history(fake.channel.id)  # ephemeral: not in channel history


async def test_subcommand_group_with_integer_option(fake: FakeDiscord, bot: TestBot) -> None:
    inter = await fake.send_interaction_command("admin index rebuild", {"shards": 4})
    assert inter.data["options"][0]["options"][0]["options"] == [{"name": "shards", "type": 4, "value": 4}]
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.content == "rebuilding 4 shards"


async def test_member_permissions_reach_the_bot(fake: FakeDiscord, bot: TestBot) -> None:
    with pytest.raises(PermissionError):
        await fake.send_interaction_command("settings", user=fake.user)  # Discord hides it from alice

    allowed = await fake.send_interaction_command("settings", user=fake.moderator)
    assert int(allowed.payload["member"]["permissions"]) & MANAGE_GUILD
    assert (await fake.wait_for_response(allowed, timeout=TIMEOUT)).content == "settings updated"

    denied = await fake.send_interaction_command("settings", user=fake.user, enforce_permissions=False)
    answer = await fake.wait_for_response(denied, timeout=TIMEOUT)
    assert answer.content == "Manage Server required" and answer.ephemeral
