"""What only its asker saw leaves no event: it cannot move the server's public /trending or surface there.

/trending counts a server's events and, without any signal, shows papers near the server's
recent queries: a private search, a details view or page turn on private results, or the
"Find similar papers" menu (always private) stored there would show others what someone looked
at alone. DMs are stored without their words: nothing reads DM events' queries.
Each test ends with a public /find as a barrier: once its event is stored, any earlier one would be too.
"""

from __future__ import annotations

from bot.core import engagement as events
from bot.discord_app.cogs.message_search import MENU_NAME
from bot.state import State
from tests.bot.harness import TIMEOUT, eventually, replies_to
from tests.bot.test_lasting_controls_e2e import page_button
from tests.fakediscord import FakeDiscord
from tests.fakediscord.pytest_helpers import ClientRun

SECRET = "secret sinkhorn newton topic"


async def barrier(fake: FakeDiscord, store: State) -> list[tuple[str, str | None]]:
    """Run a public /find and return (kind, query) of every stored event once it is stored."""
    inter = await fake.send_interaction_command("find", {"query": "graph neural networks"})
    await fake.wait_for_response(inter, timeout=TIMEOUT)
    await eventually(lambda: any(e.query == "graph neural networks" for e in store.events.read()), "the public search")
    return [(e.kind, e.query) for e in store.events.read()]


async def test_private_results_and_their_controls_leave_no_event(
    fake: FakeDiscord, stored_run: ClientRun, store: State
) -> None:
    inter = await fake.send_interaction_command("find", {"query": SECRET, "count": 2, "private": True})
    results = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert results.ephemeral and results.embeds
    first = results.find_component("results:details")["options"][0]["value"]
    pick = await fake.select(results, "results:details", [first])
    assert (await fake.wait_for_response(pick, timeout=TIMEOUT)).embeds
    near = await fake.select(results, "results:similar", [first])
    assert (await fake.wait_for_response(near, timeout=TIMEOUT, predicate=lambda m: bool(m.embeds))).embeds
    turn = await fake.click_button(results, page_button(results, "next"))
    await fake.wait_for_response(turn, timeout=TIMEOUT, predicate=lambda m: "Page 2 of 3" in m.content)

    # Nothing else happened here: /trending has no signal, and does not fall back to the private search.
    trending = await fake.send_interaction_command("trending", {"days": 7})
    shown = await fake.wait_for_response(trending, timeout=TIMEOUT, predicate=lambda m: bool(m.embeds))
    assert "today's pick" in shown.content
    assert await barrier(fake, store) == [(events.SEARCH, "graph neural networks")]


async def test_the_message_menu_leaves_no_event(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    pasted = await fake.send_message(fake.channel.id, f"anyone know work on {SECRET}?")
    inter = await fake.send_message_command(MENU_NAME, pasted, user=fake.moderator)
    assert (await fake.wait_for_response(inter, timeout=TIMEOUT)).embeds
    linked = await fake.send_message(fake.channel.id, "https://arxiv.org/abs/2105.15183")
    inter = await fake.send_message_command(MENU_NAME, linked, user=fake.moderator)
    assert (await fake.wait_for_response(inter, timeout=TIMEOUT)).embeds
    assert await barrier(fake, store) == [(events.SEARCH, "graph neural networks")]


async def test_public_clicks_still_count(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn optimal transport"})
    results = await fake.wait_for_response(inter, timeout=TIMEOUT)
    first = results.find_component("results:details")["options"][0]["value"]
    pick = await fake.select(results, "results:details", [first], user=fake.moderator)
    await fake.wait_for_response(pick, timeout=TIMEOUT)
    stored = await barrier(fake, store)
    assert stored == [
        (events.SEARCH, "sinkhorn optimal transport"), (events.DETAILS, None), (events.SEARCH, "graph neural networks")
    ]


async def test_a_dm_question_is_stored_without_its_words(fake: FakeDiscord, stored_run: ClientRun, store: State) -> None:
    dm = await fake.send_dm(SECRET)
    await fake.wait_for_message(dm.channel_id, replies_to(dm), timeout=TIMEOUT)
    await eventually(lambda: any(e.guild_id is None for e in store.events.read()), "the DM's event")
    [stored] = [e for e in store.events.read() if e.guild_id is None]
    assert stored.kind == events.MENTION and stored.query is None and stored.paper_ids
