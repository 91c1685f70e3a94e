"""The "Find similar papers" message command end to end: the real bot on the fake Discord.

Users right-click a message (Apps) and the fake sends what Discord sends: interaction type 2
with `data.type` 3, `target_id` and the message in `resolved.messages`, its content included
although the bot has no message-content intent.
"""

from __future__ import annotations

from bot.core.message_search import NO_TEXT
from bot.discord_app.cogs.message_search import MENU_NAME
from retrieval.query import MAX_QUERY_CHARS
from tests.bot.fakes import IMPLICIT, FakeRetriever, ListSink
from tests.bot.harness import DEFER, TIMEOUT, callback_types, no_pings
from tests.bot.test_lasting_controls_e2e import page_button, ranks
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, FakeMessage
from tests.fakediscord.limits import FormErrors, validate_commands
from tests.fakediscord.pytest_helpers import ClientRun

# A pasted abstract of 14 sentences, about 780 characters: more than a search takes.
ABSTRACT = " ".join(
    [
        "Graph neural networks learn node features by message passing on graphs.",
        "We study how deep message passing networks oversmooth node features.",
    ] * 7
)


async def menu(fake: FakeDiscord, message: FakeMessage, user: object = None) -> FakeMessage:
    inter = await fake.send_message_command(MENU_NAME, message, user=user)
    answer = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert answer.ephemeral  # someone else's message, a channel that asked for nothing: private
    return answer


async def test_registered_as_a_message_command_only(fake: FakeDiscord, run: ClientRun) -> None:
    menus = [c for c in fake.commands[None] if c["type"] == 3]
    assert [(m["name"], m["description"]) for m in menus] == [(MENU_NAME, "")]
    assert not [c for c in fake.commands[None] if c["type"] == 2]  # no user command
    assert fake.rejections == []


async def test_a_pasted_abstract_is_cut_at_a_sentence_and_its_results_page(
    fake: FakeDiscord, run: ClientRun, retriever: FakeRetriever, sink: ListSink
) -> None:
    assert len(ABSTRACT) > MAX_QUERY_CHARS
    pasted = await fake.send_message(fake.channel.id, ABSTRACT)  # no mention: the bot does not answer it
    inter = await fake.send_message_command(MENU_NAME, pasted, user=fake.moderator)
    answer = await fake.wait_for_response(inter, timeout=TIMEOUT)
    assert callback_types(fake, inter.id) == [DEFER] and answer.flags & FLAG_EPHEMERAL
    searched = retriever.searches[-1][0]
    assert len(searched) <= MAX_QUERY_CHARS and searched.endswith("passing on graphs.")
    assert f"The message is long; I searched with its first {len(searched)} characters." in answer.content
    assert sink.events == []  # a private answer leaves no event (tests/bot/test_private_events_e2e.py)

    # The answer is the moderator's, paged like /find, by them only.
    assert ranks(answer) == ["1", "2", "3", "4", "5"]
    click = await fake.click_button(answer, page_button(answer, "next"), user=fake.moderator)
    turned = await fake.wait_for_response(click, timeout=TIMEOUT, predicate=lambda m: ranks(m)[:1] == ["6"])
    assert turned.id == answer.id
    assert not [m for m in fake.bot_messages(fake.channel.id) if not m.ephemeral]  # nothing public
    assert fake.rejections == []


async def test_a_link_to_a_known_paper_finds_papers_like_it(fake: FakeDiscord, run: ClientRun, sink: ListSink) -> None:
    shared = await fake.send_message(fake.channel.id, "have you read <https://arxiv.org/abs/2105.15183v2>? looks neat")
    answer = await menu(fake, shared)
    assert IMPLICIT.title in answer.content and answer.embeds
    assert sink.events == []


async def test_a_link_to_a_paper_the_corpus_lacks(fake: FakeDiscord, run: ClientRun) -> None:
    shared = await fake.send_message(fake.channel.id, "https://arxiv.org/abs/2611.04242")
    answer = await menu(fake, shared)
    assert "arXiv:2611.04242 is not in my corpus yet" in answer.content and "\n" not in answer.content
    assert not answer.embeds


async def test_a_message_without_text_gets_one_line(fake: FakeDiscord, run: ClientRun) -> None:
    image = {"id": "1", "filename": "plot.png", "size": 2048, "url": "https://cdn.example/plot.png",
             "proxy_url": "https://cdn.example/plot.png", "content_type": "image/png"}
    picture = fake.new_message(fake.channel, fake.user, {"content": "", "attachments": [image]}, source="user")
    await fake.publish("MESSAGE_CREATE", picture)
    answer = await menu(fake, picture)
    assert answer.content == NO_TEXT and "\n" not in NO_TEXT and not answer.embeds

    only_pings = await fake.send_message(fake.channel.id, f"<@{fake.moderator.id}> <:blob:123456789012345678> @here")
    assert (await menu(fake, only_pings)).content == NO_TEXT


async def test_markdown_and_everyone_never_ping(fake: FakeDiscord, run: ClientRun) -> None:
    role = next(r for r in fake.guild.roles.values() if r.name == "Moderator")
    loud = await fake.send_message(
        fake.channel.id, f"@everyone **look** <@&{role.id}> <@{fake.moderator.id}> ||sinkhorn|| `optimal` _transport_"
    )
    answer = await menu(fake, loud)
    assert answer.embeds and "@everyone" not in answer.content and f"<@&{role.id}>" not in answer.content
    assert "sinkhorn optimal transport" in answer.content  # what was searched, marks left out
    assert answer.allowed_mentions == {"parse": []} and no_pings(answer)


def test_the_fake_refuses_a_context_menu_with_a_description_or_options() -> None:
    # Discord's rule for user and message commands, which the fake holds the bot to.
    errors = FormErrors()
    validate_commands([{"name": MENU_NAME, "type": 3, "description": "Find papers", "options": [{"name": "x"}]}], errors)
    assert set(errors.nested()["0"]) == {"description", "options"}
    fine = FormErrors()
    validate_commands([{"name": MENU_NAME, "type": 3}], fine)
    assert not fine
