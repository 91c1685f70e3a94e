"""Result controls that last: ◀/▶, details and similar after the view's timeout, after a restart, and once expired.

The real PaperScoutBot on the fake Discord. Every wait is on an event (a response, a view's
own timeout), never on the clock; the lists' expiry is moved with a hand-set Clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import discord

from bot.core import engagement as events
from bot.core.handlers import Handlers
from bot.core.result_pages import EXPIRED
from bot.datadir import DataDir
from bot.discord_app.views import NOT_YOURS
from bot.state import State
from bot.state.conversations import CONVERSATION_TTL
from tests.bot.fakes import GRAPHS, ListSink
from tests.bot.harness import DEFER, TIMEOUT, UPDATE_MESSAGE, Clock, callback_types, running_bot
from tests.fakediscord import FakeDiscord, FakeMessage

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
# Short enough for a view that times out to do so at once in a test, and awaited, not slept on.
SHORT_VIEW_TIMEOUT = 0.05


def page_button(msg: FakeMessage, step: str) -> str:
    """Return the custom id of a results message's ◀ ("prev") or ▶ ("next") button."""
    found = [cid for cid in msg.custom_ids() if cid.startswith(f"results:{step}:")]
    assert len(found) == 1, msg.custom_ids()
    return found[0]


def ranks(msg: FakeMessage) -> list[str]:
    """Return the result numbers the message's details menu offers (those of the page shown)."""
    menu = msg.find_component("results:details")
    return [option["label"].split(".", 1)[0] for option in (menu or {}).get("options", [])]


async def find_graphs(fake: FakeDiscord, **options: object) -> FakeMessage:
    inter = await fake.send_interaction_command("find", {"query": "graph neural networks", "count": 2, **options})
    return await fake.wait_for_response(inter, timeout=TIMEOUT)


async def next_page(fake: FakeDiscord, msg: FakeMessage, expected: list[str], user: object = None) -> FakeMessage:
    click = await fake.click_button(msg, page_button(msg, "next"), user=user)
    shown = await fake.wait_for_response(click, timeout=TIMEOUT, predicate=lambda m: ranks(m) == expected)
    assert click.ack_type == UPDATE_MESSAGE and shown.id == msg.id
    return shown


async def test_buttons_work_after_a_restart(fake: FakeDiscord, handlers: Handlers, sink: ListSink, tmp_path: Path) -> None:
    path = DataDir(tmp_path).state
    before = State.open(path)
    try:
        async with running_bot(fake, handlers, tmp_path, state=before):
            msg = await find_graphs(fake)
            assert ranks(msg) == ["1", "2"]
    finally:
        before.close()

    after = State.open(path)
    try:
        async with running_bot(fake, handlers, tmp_path, state=after):
            # A new client on the same state file: nothing of the first one is in memory.
            shown = await next_page(fake, msg, ["3", "4"])
            assert sink.kinds()[-1] == events.PAGE and sink.events[-1].user_id == fake.user.id
            refused = await fake.click_button(shown, page_button(shown, "prev"), user=fake.moderator)
            assert (await fake.wait_for_response(refused, timeout=TIMEOUT)).content == NOT_YOURS
            back = await fake.click_button(shown, page_button(shown, "prev"))
            await fake.wait_for_response(back, timeout=TIMEOUT, predicate=lambda m: ranks(m) == ["1", "2"])

            pick = await fake.select(msg, "results:details", [GRAPHS[0].id], user=fake.moderator)
            details = await fake.wait_for_response(pick, timeout=TIMEOUT)
            assert details.ephemeral and details.embeds[0]["title"] == GRAPHS[0].title
            near = await fake.select(msg, "results:similar", [GRAPHS[0].id])
            similar = await fake.wait_for_response(near, timeout=TIMEOUT)
            assert callback_types(fake, near.id) == [DEFER] and similar.ephemeral and similar.embeds
            assert GRAPHS[0].title in similar.content
    finally:
        after.close()
    assert fake.rejections == []


async def test_a_control_pressed_after_the_view_timeout_still_works(
    fake: FakeDiscord, handlers: Handlers, tmp_path: Path
) -> None:
    async with running_bot(fake, handlers, tmp_path, view_timeout=SHORT_VIEW_TIMEOUT) as run:
        msg = await find_graphs(fake)
        # A view sent after the results, with the bot's in-memory view timeout, has timed out:
        # any view kept in memory for the results would have too.
        probe = discord.ui.View(timeout=SHORT_VIEW_TIMEOUT)
        probe.add_item(discord.ui.Button(label="probe", custom_id="probe"))
        channel = run.client.get_channel(fake.channel.id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("probe", view=probe)
        assert await probe.wait()  # True: it timed out

        components = [c for row in msg.components for c in row["components"]]
        assert components and not any(c.get("disabled") for c in components if c["type"] == 3)
        await next_page(fake, msg, ["3", "4"])
        pick = await fake.select(msg, "results:details", [GRAPHS[2].id])
        assert (await fake.wait_for_response(pick, timeout=TIMEOUT)).embeds[0]["title"] == GRAPHS[2].title


async def test_a_list_lasts_a_day_after_its_last_use_then_says_so(
    fake: FakeDiscord, handlers: Handlers, tmp_path: Path
) -> None:
    clock = Clock(NOW)
    async with running_bot(fake, handlers, tmp_path, clock=clock):
        msg = await find_graphs(fake)
        almost = CONVERSATION_TTL - timedelta(minutes=1)
        clock.now += almost
        await next_page(fake, msg, ["3", "4"])
        clock.now += almost  # two days after the search, but under a day after the last page turn
        await next_page(fake, msg, ["5", "6"])

        clock.now += CONVERSATION_TTL + timedelta(minutes=1)
        click = await fake.click_button(msg, page_button(msg, "prev"))
        answer = await fake.wait_for_response(click, timeout=TIMEOUT)
        assert answer.ephemeral and answer.content == EXPIRED and "\n" not in EXPIRED
        assert "24 hours" in EXPIRED and ranks(msg) == ["5", "6"]  # the results stay as they were
        # The menus carry paper ids, not state: they outlive the list.
        pick = await fake.select(msg, "results:details", [GRAPHS[4].id])
        assert (await fake.wait_for_response(pick, timeout=TIMEOUT)).embeds[0]["title"] == GRAPHS[4].title
    assert fake.rejections == []


async def test_private_results_page_too(fake: FakeDiscord, handlers: Handlers, tmp_path: Path) -> None:
    async with running_bot(fake, handlers, tmp_path):
        msg = await find_graphs(fake, private=True)
        assert msg.ephemeral
        shown = await next_page(fake, msg, ["3", "4"])
        assert shown.ephemeral


async def test_paging_buttons_sent_by_an_older_version_say_they_expired(
    fake: FakeDiscord, handlers: Handlers, tmp_path: Path
) -> None:
    # Before result lists were kept, the buttons' custom ids named no list.
    components = [
        {"type": 1, "components": [
            {"type": 2, "style": 2, "label": "\u25c0 Previous", "custom_id": "results:prev", "disabled": True},
            {"type": 2, "style": 2, "label": "Next \u25b6", "custom_id": "results:next"},
        ]},
        {"type": 1, "components": [{
            "type": 3, "custom_id": "results:details", "min_values": 1, "max_values": 1,
            "options": [{"label": f"1. {GRAPHS[0].title}", "value": GRAPHS[0].id}],
        }]},
    ]
    async with running_bot(fake, handlers, tmp_path):
        old = fake.new_message(fake.channel, fake.bot_user, {"content": "Papers", "components": components}, source="channel")
        click = await fake.click_button(old, "results:next")
        answer = await fake.wait_for_response(click, timeout=TIMEOUT)
        assert answer.ephemeral and answer.content == EXPIRED
        pick = await fake.select(old, "results:details", [GRAPHS[0].id])
        assert (await fake.wait_for_response(pick, timeout=TIMEOUT)).embeds[0]["title"] == GRAPHS[0].title
