"""End to end: the real PaperScoutBot (discord.py) over loopback sockets against the fake Discord.

That the fake rejects what Discord rejects (oversized embeds, more than 25 choices, late or
double acks) is proven in tests/fakediscord_selftest/; here every answer the bot sends must
pass the same checks, or the test fails on the missing response.
"""

from __future__ import annotations

from pathlib import Path

import discord

from bot.core import engagement as events
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.datadir import DataDir
from bot.discord_app.client import bot_intents
from bot.discord_app.views import NOT_YOURS
from tests.bot.fakes import FAST_SINKHORN, LONG, SINKHORN, FakeRetriever, ListSink, make_paper
from tests.bot.harness import DEFER, TIMEOUT, UPDATE_MESSAGE, callback_types, no_pings, replies_to, running_bot
from tests.bot.test_lasting_controls_e2e import page_button
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord
from tests.fakediscord.pytest_helpers import ClientRun

# ----------------------------------------------------------------------------- start-up


async def test_login_intents_and_global_sync_once(fake: FakeDiscord, handlers: Handlers, tmp_path: Path) -> None:
    async with running_bot(fake, handlers, tmp_path) as run:
        assert run.client.sync_outcome == "global"
        commands = {c["name"]: c for c in fake.commands[None]}
        assert set(commands) == {"find", "paper", "similar", "author", "help", "Find similar papers"}
        find = {o["name"]: o for o in commands["find"]["options"]}
        assert (find["count"]["min_value"], find["count"]["max_value"]) == (1, 10)
        assert find["query"]["required"] and not find["private"].get("required", False)
        assert commands["find"]["description"] == "Find papers on a topic or question."
        assert all(o.get("autocomplete") for c in ("paper", "similar") for o in commands[c]["options"])
        assert fake.intents == bot_intents().value
        assert not discord.Intents._from_value(fake.intents).message_content  # no privileged intent
    assert (DataDir(tmp_path).command_hash).exists()
    # Same command set, same data dir: a restart does not sync again.
    async with running_bot(fake, handlers, tmp_path) as run:
        assert run.client.sync_outcome == "unchanged"
    assert len(fake.command_puts) == 1
    assert fake.rejections == [] and fake.unknown_routes == []


async def test_changed_command_set_is_synced_again(fake: FakeDiscord, handlers: Handlers, tmp_path: Path) -> None:
    (DataDir(tmp_path).command_hash).write_text("hash-of-an-older-command-set\n")
    async with running_bot(fake, handlers, tmp_path) as run:
        assert run.client.sync_outcome == "global"
    assert [scope for scope, _ in fake.command_puts] == [None]
    assert (DataDir(tmp_path).command_hash).read_text().strip() != "hash-of-an-older-command-set"


async def test_dev_guild_sync_at_every_start(fake: FakeDiscord, handlers: Handlers, tmp_path: Path) -> None:
    for _ in range(2):
        async with running_bot(fake, handlers, tmp_path, dev_guild_id=fake.guild.id) as run:
            assert run.client.sync_outcome == "guild"
    assert [scope for scope, _ in fake.command_puts] == [fake.guild.id, fake.guild.id]
    assert {c["name"] for c in fake.commands[fake.guild.id]} == {"find", "paper", "similar", "author", "help", "Find similar papers"}
    assert not (DataDir(tmp_path).command_hash).exists()


# ----------------------------------------------------------------------------------- /find


async def test_find_defers_then_shows_valid_cards(fake: FakeDiscord, run: ClientRun, sink: ListSink) -> None:
    inter = await fake.send_interaction_command("find", {"query": "implicit differentiation"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert callback_types(fake, inter.id) == [DEFER]  # acknowledged first, searched in a thread
    assert not msg.ephemeral and msg.id == inter.original_message_id
    assert "implicit differentiation" in msg.content
    first = msg.embeds[0]
    assert first["title"] == "1. Efficient and Modular Implicit Differentiation"
    assert first["url"] == "https://arxiv.org/abs/2105.15183"
    assert "**implicit** **differentiation**" in first["description"]
    assert "semantic similarity" in first["description"]
    fields = {f["name"]: f["value"] for f in first["fields"]}
    assert "[Code](https://github.com/google/jaxopt)" in first["description"]  # on the signals line
    assert fields["Listed on"] == "HF papers page 000, #1; HF papers page 004, #125"
    assert len(msg.embeds) == 5
    assert {"results:details", "results:similar", page_button(msg, "next")} <= set(msg.custom_ids())
    assert sink.events[-1].kind == events.SEARCH and sink.events[-1].user_id == fake.user.id
    assert sink.events[-1].guild_id == fake.guild.id and len(sink.events[-1].paper_ids) == 5
    assert fake.rejections == []


async def test_private_find_is_ephemeral(fake: FakeDiscord, run: ClientRun) -> None:
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn", "count": 2, "private": True})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.flags & FLAG_EPHEMERAL and len(msg.embeds) == 2
    assert msg not in fake.history(fake.channel.id)


async def test_weak_results_say_nothing_is_close(fake: FakeDiscord, run: ClientRun) -> None:
    inter = await fake.send_interaction_command("find", {"query": "quantum chromodynamics lattice"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert "Nothing in the corpus is close" in msg.content
    assert len(msg.embeds) == 3 and all("Weak match" in e["footer"]["text"] for e in msg.embeds)


async def test_paging_only_for_the_searcher(fake: FakeDiscord, run: ClientRun, sink: ListSink) -> None:
    inter = await fake.send_interaction_command("find", {"query": "graph neural networks", "count": 2})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert [e["title"][:2] for e in msg.embeds] == ["1.", "2."] and "Page 1 of 3" in msg.content
    assert msg.find_component(page_button(msg, "prev"))["disabled"] is True

    other = await fake.click_button(msg, page_button(msg, "next"), user=fake.moderator)
    refusal = await fake.wait_for_response(other, timeout=TIMEOUT)
    assert refusal.content == NOT_YOURS and refusal.ephemeral
    assert [e["title"][:2] for e in msg.embeds] == ["1.", "2."]  # unchanged

    click = await fake.click_button(msg, page_button(msg, "next"))
    updated = await fake.wait_for_response(click, timeout=TIMEOUT)
    assert click.ack_type == UPDATE_MESSAGE and updated.id == msg.id
    assert [e["title"][:2] for e in updated.embeds] == ["3.", "4."] and "Page 2 of 3" in updated.content
    assert updated.find_component(page_button(updated, "prev"))["disabled"] is False
    labels = [o["label"] for o in updated.find_component("results:details")["options"]]
    assert labels[0].startswith("3. ")
    back = await fake.click_button(updated, page_button(updated, "prev"))
    again = await fake.wait_for_response(back, timeout=TIMEOUT, predicate=lambda m: "Page 1 of 3" in m.content)
    assert [e["title"][:2] for e in again.embeds] == ["1.", "2."]
    assert sink.kinds().count(events.PAGE) == 2  # the refused click is not counted


async def test_details_and_similar_menus(fake: FakeDiscord, run: ClientRun, sink: ListSink) -> None:
    inter = await fake.send_interaction_command("find", {"query": "sinkhorn optimal transport"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    first_id = msg.find_component("results:details")["options"][0]["value"]
    assert first_id == SINKHORN.id

    # Anyone may open details or similar papers; the answers are private to them.
    pick = await fake.select(msg, "results:details", [first_id], user=fake.moderator)
    details = await fake.wait_for_response(pick, timeout=TIMEOUT)
    assert details.ephemeral and details.embeds[0]["title"] == SINKHORN.title
    assert details.embeds[0]["description"].startswith("Optimal transport distances")

    near = await fake.select(msg, "results:similar", [first_id])
    similar = await fake.wait_for_response(near, timeout=TIMEOUT)
    assert callback_types(fake, near.id) == [DEFER] and similar.ephemeral
    assert similar.embeds[0]["title"] == f"1. {FAST_SINKHORN.title}"
    assert sink.kinds()[-2:] == [events.DETAILS, events.SIMILAR]
    assert sink.events[-2].user_id == fake.moderator.id and sink.events[-1].paper_ids[0] == SINKHORN.id


# The controls outliving their view, a restart and their state: tests/bot/test_lasting_controls_e2e.py.


# ------------------------------------------------------------------ /paper, /similar, /help


async def test_autocomplete_offers_titles(fake: FakeDiscord, run: ClientRun) -> None:
    typing = await fake.send_autocomplete("paper", {"title": "sinkhorn"})
    choices = await fake.wait_for_autocomplete(typing, timeout=TIMEOUT)
    assert [c["value"] for c in choices] == [SINKHORN.id, FAST_SINKHORN.id]
    assert choices[0]["name"] == SINKHORN.title
    empty = await fake.send_autocomplete("similar", {"title": ""})
    assert 0 < len(await fake.wait_for_autocomplete(empty, timeout=TIMEOUT)) <= 25


async def test_autocomplete_is_capped_at_25(fake: FakeDiscord, tmp_path: Path) -> None:
    papers = tuple(make_paper(f"p-{i}", f"Sparse Attention Variant {i}", "We vary sparse attention.") for i in range(40))

    class Greedy(FakeRetriever):
        def complete_titles(self, prefix: str, limit: int = 25) -> list:
            return list(self.papers)  # ignores the limit: the bot must cap

    async with running_bot(fake, Handlers(LiveIndex(Greedy(papers)), ListSink()), tmp_path):
        typing = await fake.send_autocomplete("paper", {"title": "sparse"})
        assert len(await fake.wait_for_autocomplete(typing, timeout=TIMEOUT)) == 25


async def test_paper_long_abstract_continues(fake: FakeDiscord, run: ClientRun, sink: ListSink) -> None:
    inter = await fake.send_interaction_command("paper", {"title": LONG.id})
    await fake.wait_for(lambda: len(inter.visible_ids) >= 3 or None, timeout=TIMEOUT, what="paper + continuations")
    shown = [fake.get_message(i) for i in inter.visible_ids]
    assert shown[0].embeds[0]["title"] == LONG.title
    text = " ".join(e["description"] for m in shown for e in m.embeds)
    assert text.split() == LONG.clean_abstract.split()  # nothing lost between messages
    assert sink.events[-1].kind == events.PAPER and sink.events[-1].paper_ids == (LONG.id,)


async def test_paper_by_typed_title_and_unknown_title(fake: FakeDiscord, run: ClientRun) -> None:
    inter = await fake.send_interaction_command("paper", {"title": "attention is all you need"})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert msg.embeds[0]["title"] == "Attention Is All You Need" and not msg.ephemeral
    missing = await fake.send_interaction_command("paper", {"title": "no such paper anywhere"})
    error = await fake.wait_for_response(missing, timeout=TIMEOUT)
    assert error.ephemeral and "don't know a paper titled" in error.content


async def test_similar_command(fake: FakeDiscord, run: ClientRun) -> None:
    inter = await fake.send_interaction_command("similar", {"title": SINKHORN.id})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert callback_types(fake, inter.id) == [DEFER]
    assert SINKHORN.title in msg.content and msg.embeds[0]["title"] == f"1. {FAST_SINKHORN.title}"


async def test_help(fake: FakeDiscord, run: ClientRun) -> None:
    inter = await fake.send_interaction_command("help")
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert "/find" in msg.embeds[0]["description"] and "/similar" in msg.embeds[0]["description"]


# ------------------------------------------------------------------------------- mentions


async def test_mention_gets_exactly_one_answer(fake: FakeDiscord, run: ClientRun, sink: ListSink) -> None:
    bot_id = fake.bot_user.id
    question = await fake.send_message(fake.channel.id, f"<@{bot_id}> is there work on Sinkhorn with Newton steps?")
    reply = await fake.wait_for_message(fake.channel.id, replies_to(question), timeout=TIMEOUT)
    # The reply opens with the answering sentence, cited to its card.
    assert reply.content.startswith("> We add Newton steps") and "**[1]**" in reply.content
    assert len(reply.embeds) == 3 and reply.embeds[0]["title"] == f"1. {FAST_SINKHORN.title}"
    assert reply.allowed_mentions["parse"] == [] and no_pings(reply)
    assert sink.events[-1].kind == events.MENTION and sink.events[-1].query == "is there work on Sinkhorn with Newton steps?"

    bare = await fake.send_message(fake.channel.id, f"<@{bot_id}>")
    help_reply = await fake.wait_for_message(fake.channel.id, replies_to(bare), timeout=TIMEOUT)
    assert "/find" in help_reply.embeds[0]["description"]
    # Once the later mention is answered, a duplicate answer to the first would be in.
    assert [m for m in fake.bot_messages(fake.channel.id) if replies_to(question)(m)] == [reply]


async def test_mentions_from_bots_and_plain_chat_are_ignored(fake: FakeDiscord, run: ClientRun) -> None:
    robot = fake.create_user("otherbot", bot=True)
    fake.add_member(fake.guild.id, robot)
    from_bot = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> sinkhorn", author=robot)
    chatter = await fake.send_message(fake.channel.id, "sinkhorn is neat")
    barrier = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> sinkhorn")
    await fake.wait_for_message(fake.channel.id, replies_to(barrier), timeout=TIMEOUT)
    assert not [m for m in fake.bot_messages() if replies_to(from_bot)(m) or replies_to(chatter)(m)]
    assert len(fake.bot_messages(fake.channel.id)) == 1


async def test_dm_question(fake: FakeDiscord, run: ClientRun) -> None:
    dm = await fake.send_dm("implicit differentiation")
    reply = await fake.wait_for_message(dm.channel_id, replies_to(dm), timeout=TIMEOUT)
    assert reply.guild_id is None and reply.embeds[0]["title"].endswith("Efficient and Modular Implicit Differentiation")


async def test_everyone_and_role_mentions_ping_nobody(fake: FakeDiscord, run: ClientRun) -> None:
    role = next(r for r in fake.guild.roles.values() if r.name == "Moderator")
    query = f"@everyone @here <@&{role.id}> <@{fake.moderator.id}> sinkhorn"
    inter = await fake.send_interaction_command("find", {"query": query})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert "@everyone" in msg.content and f"<@&{role.id}>" in msg.content  # echoed...
    assert msg.allowed_mentions == {"parse": []} and no_pings(msg)  # ...but nobody pinged

    asked = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> {query}")
    reply = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
    assert reply.allowed_mentions["parse"] == [] and no_pings(reply)


# ------------------------------------------------------------------- notes and failures


async def test_a_long_query_note_reaches_find_and_mentions(fake: FakeDiscord, run: ClientRun) -> None:
    query = " ".join(["sinkhorn optimal transport"] * 25)  # 674 characters; retrieval searches 500
    inter = await fake.send_interaction_command("find", {"query": query})
    msg = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert "Your query was long; only its first" in msg.content and msg.embeds
    asked = await fake.send_message(fake.channel.id, f"<@{fake.bot_user.id}> {query}")
    reply = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
    assert "Your query was long; only its first" in reply.content


async def test_a_failing_autocomplete_offers_no_choices(fake: FakeDiscord, tmp_path: Path) -> None:
    class Broken(FakeRetriever):
        def complete_titles(self, prefix: str, limit: int = 25) -> list:
            raise RuntimeError("the title index is gone")

    async with running_bot(fake, Handlers(LiveIndex(Broken()), ListSink()), tmp_path) as run:
        typing = await fake.send_autocomplete("paper", {"title": "sinkhorn"})
        assert await fake.wait_for_autocomplete(typing, timeout=TIMEOUT) == []
        run.assert_alive()
