"""Export end to end: the real PaperScoutBot on the loopback Discord sends a .bib and a .ris as attachments.

A /find, then its Export button (pressed by another member: the files come back to them only)
and an "export" reply: both answers carry the two files, read back from the fake's uploads and
parsed to the papers the list holds. The button keeps working after a restart on the same state
file, says so once its list expired, serves only who can see the list, and a mention's answer
has one too. Hostile titles stay inside their fields: one entry and one record per paper.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.core.bibtex import escape
from bot.core.export import NOT_SHOWN, file_stem
from bot.core.followup_export import EXPORT_UNDERSTOOD
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex
from bot.core.ratelimit import SlidingWindowLimiter
from bot.core.result_pages import EXPIRED
from bot.core.ris import parse_ris
from bot.datadir import DataDir
from bot.discord_app.export_button import EXPORT_PREFIX
from bot.state import State
from bot.state.conversations import CONVERSATION_TTL
from tests.bot.fakes import PAPERS, FakeRetriever, ListSink, make_paper
from tests.bot.harness import TIMEOUT, Clock, no_pings, replies_to, running_bot
from tests.bot.test_export import assert_balanced_entries, bib_entries
from tests.fakediscord import FakeDiscord, FakeMessage
from tests.fakediscord.attachment_uploads import attachment_files
from tests.fakediscord.state import VIEW_CHANNEL
from tests.hostile_markup import INLINE

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
QUERY = "graph neural networks"
STEM = file_stem(QUERY, NOW.date())


def export_button(msg: FakeMessage) -> str:
    """Return the custom id of a results message's Export button."""
    found = [cid for cid in msg.custom_ids() if cid.startswith(EXPORT_PREFIX)]
    assert len(found) == 1, msg.custom_ids()
    return found[0]


def listed_titles(query: str, count: int) -> list[str]:
    """Return the titles /find lists for a query: `count` per page, three pages, in rank order."""
    return [hit.paper.clean_title for hit in FakeRetriever().search(query, count * 3).hits]


def read_files(fake: FakeDiscord, msg: FakeMessage, stem: str = STEM) -> list[str]:
    """Return the titles both attached files hold, after checking the two agree paper by paper."""
    files = attachment_files(fake, msg)
    assert sorted(files) == [f"{stem}.bib", f"{stem}.ris"]
    bib, ris = files[f"{stem}.bib"].decode("utf-8"), files[f"{stem}.ris"].decode("utf-8")
    assert "\r\n" in ris and "\n" not in ris.replace("\r\n", "")
    records, entries = parse_ris(ris), bib_entries(bib)
    assert [dict(r)["ID"] for r in records] == [key for key, _ in entries]
    assert len({key for key, _ in entries}) == len(entries)
    titles = [dict(r)["TI"] for r in records]
    assert [fields["title"] for _, fields in entries] == ["{" + escape(title) + "}" for title in titles]
    return titles


async def find(fake: FakeDiscord, query: str = QUERY, **options: object) -> FakeMessage:
    inter = await fake.send_interaction_command("find", {"query": query, "count": 2, **options})
    return await fake.wait_for_response(inter, timeout=TIMEOUT)


async def test_the_export_button_and_an_export_reply_attach_the_whole_list(
    fake: FakeDiscord, handlers: Handlers, tmp_path: Path
) -> None:
    expected = listed_titles(QUERY, 2)
    async with running_bot(fake, handlers, tmp_path, clock=Clock(NOW)):
        msg = await find(fake)
        assert not msg.ephemeral and len(expected) == 6
        # Another member of the server may take the list along; only they see the files.
        click = await fake.click_button(msg, export_button(msg), user=fake.moderator)
        sent = await fake.wait_for_response(click, timeout=TIMEOUT)
        assert sent.ephemeral and sent.id != msg.id and sent.attachments
        assert read_files(fake, sent) == expected  # all three pages, not the two cards shown
        assert "6 papers for \u201cgraph neural networks\u201d as BibTeX and RIS" in sent.content

        # The page turned, the button stays and still names the same list.
        turn = await fake.click_button(msg, next(c for c in msg.custom_ids() if c.startswith("results:next:")))
        turned = await fake.wait_for_response(turn, timeout=TIMEOUT)
        assert export_button(turned) == export_button(msg)

        asked = await fake.send_message(fake.channel.id, "export these", mentions=[fake.bot_user], reply_to=msg)
        answer = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
        assert EXPORT_UNDERSTOOD in answer.content and no_pings(answer)
        assert read_files(fake, answer) == expected
        assert answer.custom_ids() == []  # files, no cards: nothing to page or export again
    assert fake.rejections == []


async def test_the_button_works_after_a_restart_and_says_when_its_list_expired(
    fake: FakeDiscord, handlers: Handlers, tmp_path: Path
) -> None:
    path = DataDir(tmp_path).state
    clock = Clock(NOW)
    before = State.open(path)
    try:
        async with running_bot(fake, handlers, tmp_path, state=before, clock=clock):
            msg = await find(fake)
    finally:
        before.close()

    after = State.open(path)
    try:
        async with running_bot(fake, handlers, tmp_path, state=after, clock=clock):
            # A new client on the same state file: nothing of the first one is in memory.
            click = await fake.click_button(msg, export_button(msg))
            sent = await fake.wait_for_response(click, timeout=TIMEOUT)
            assert sent.ephemeral and read_files(fake, sent) == listed_titles(QUERY, 2)

            clock.now += CONVERSATION_TTL + timedelta(minutes=1)
            late = await fake.click_button(msg, export_button(msg))
            expired = await fake.wait_for_response(late, timeout=TIMEOUT)
            assert expired.ephemeral and expired.content == EXPIRED and not expired.attachments
    finally:
        after.close()
    assert fake.rejections == []


async def test_a_mention_answer_and_private_results_can_be_exported_too(
    fake: FakeDiscord, handlers: Handlers, tmp_path: Path
) -> None:
    async with running_bot(fake, handlers, tmp_path, clock=Clock(NOW)):
        asked = await fake.send_message(fake.channel.id, "is there work on sinkhorn with newton steps?",
                                        mentions=[fake.bot_user])
        answer = await fake.wait_for_message(fake.channel.id, replies_to(asked), timeout=TIMEOUT)
        click = await fake.click_button(answer, export_button(answer))
        sent = await fake.wait_for_response(click, timeout=TIMEOUT)
        stem = next(iter(attachment_files(fake, sent))).rsplit(".", 1)[0]
        # Card titles are escaped for Discord; the files hold them as written.
        shown = [embed["title"].split(". ", 1)[1].replace("\\", "") for embed in answer.embeds]
        assert len(shown) == 3 and read_files(fake, sent, stem) == shown  # the answer's cards, in order

        private = await find(fake, private=True)
        click = await fake.click_button(private, export_button(private))
        sent = await fake.wait_for_response(click, timeout=TIMEOUT)
        assert sent.ephemeral and read_files(fake, sent) == listed_titles(QUERY, 2)


async def test_only_who_can_see_a_list_may_export_it(fake: FakeDiscord, handlers: Handlers, tmp_path: Path) -> None:
    async with running_bot(fake, handlers, tmp_path, clock=Clock(NOW)):
        # Discord shows neither click to the moderator (a private list; a channel they may not view):
        # were it ever delivered, the bot still sends them nothing of the list.
        private = await find(fake, private=True)
        refused = await fake.wait_for_response(
            await fake.click_button(private, export_button(private), user=fake.moderator), timeout=TIMEOUT)
        assert refused.ephemeral and refused.content == NOT_SHOWN and not refused.attachments

        public = await find(fake)
        fake.set_channel_permissions(fake.channel.id, fake.moderator.id, deny=VIEW_CHANNEL, member=True)
        hidden = await fake.wait_for_response(
            await fake.click_button(public, export_button(public), user=fake.moderator), timeout=TIMEOUT)
        assert hidden.content == NOT_SHOWN and not hidden.attachments
        # Its owner still may, and the owner of the private list too.
        for shown in (public, private):
            mine = await fake.wait_for_response(await fake.click_button(shown, export_button(shown)), timeout=TIMEOUT)
            assert read_files(fake, mine) == listed_titles(QUERY, 2)
    assert fake.rejections == []


# Titles, authors and abstracts written to break out of their field in either file, or to ping and
# open markdown: each must stay one field of one entry. All three share the query's three words.
EVIL_BIB = make_paper("p-evil-bib", "Graph Neural Networks}} @misc{injected, title = {pwned}}\n@comment{",
                      "Graph neural networks.}\n@misc{x,", authors=("Eve}\n@misc{a,", "Mallory\x00\u202e"))
EVIL_RIS = make_paper("p-evil-ris", "Graph Neural Networks\r\nER  - \r\nTY  - BOOK\r\nTI  - pwned",
                      "On graph neural networks.\nER  - \nTY  - JOUR", authors=("Eve\nAU  - Mallory",))
EVIL_MARKUP = make_paper("p-evil-markup", "Graph Neural Networks " + INLINE, "Graph neural networks " + INLINE)


async def test_hostile_query_text_in_the_export_answer_neither_pings_nor_opens_markdown(
    fake: FakeDiscord, handlers: Handlers, tmp_path: Path
) -> None:
    query = "@everyone **graph** <@&123> [neural](https://evil.example) networks"
    async with running_bot(fake, handlers, tmp_path, clock=Clock(NOW)):
        msg = await find(fake, query)
        click = await fake.click_button(msg, export_button(msg))
        sent = await fake.wait_for_response(click, timeout=TIMEOUT)
        assert no_pings(sent) and "**graph**" not in sent.content
        assert "\\*\\*graph\\*\\*" in sent.content and "\\[neural" in sent.content and "\\<@&123>" in sent.content
        (name, _), = [(n, b) for n, b in attachment_files(fake, sent).items() if n.endswith(".bib")]
        assert name.isascii() and "/" not in name and name.startswith("paperscout-") and "everyone" in name


async def test_hostile_titles_stay_inside_their_fields_one_entry_and_one_record_per_paper(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    handlers = Handlers(LiveIndex(FakeRetriever((EVIL_BIB, EVIL_RIS, EVIL_MARKUP, *PAPERS))), ListSink(),
                        SlidingWindowLimiter(100, 30))
    async with running_bot(fake, handlers, tmp_path, clock=Clock(NOW)):
        msg = await find(fake)
        sent = await fake.wait_for_response(await fake.click_button(msg, export_button(msg)), timeout=TIMEOUT)
        assert no_pings(sent)
        files = attachment_files(fake, sent)
        assert sorted(files) == [f"{STEM}.bib", f"{STEM}.ris"]
        bib, ris = files[f"{STEM}.bib"].decode("utf-8"), files[f"{STEM}.ris"].decode("utf-8")

    # One entry and one record per listed paper (6: three pages of two), keyed alike, in order.
    entries, records = bib_entries(bib), parse_ris(ris)
    assert len(entries) == len(records) == 6
    assert [key for key, _ in entries] == [dict(r)["ID"] for r in records]
    assert [line for line in bib.splitlines() if line.startswith("@")] == [f"@misc{{{key}," for key, _ in entries]
    assert_balanced_entries(bib)
    assert [fields["title"].count("pwned") for _, fields in entries[:3]] == [1, 1, 0]  # inside its title
    assert [[tag for tag, _ in r].count(tag) for r in records for tag in ("TY", "TI", "ER")] == [1] * 18
    assert {dict(r)["TY"] for r in records} == {"JOUR"} and "TY  - BOOK" not in ris.split("\r\n")
    titles = [dict(r)["TI"] for r in records]
    assert titles[1] == "Graph Neural Networks ER - TY - BOOK TI - pwned"
    assert titles[2].startswith("Graph Neural Networks @everyone") and all(t.startswith("Graph Neural") for t in titles)
    assert [value for tag, value in records[1] if tag == "AU"] == ["Eve AU - Mallory"]
    for text in (bib, ris):
        assert "\x00" not in text and "\u202e" not in text
