"""Every card type, rendered from worst-case papers, stays inside Discord's limits and keeps its formatting.

Limits are checked twice: against the numbers in ../shared/discord-notes.md written out here,
and by the fake Discord's own validator (tests/fakediscord/limits.py), which answers 50035
as Discord does. Discord counts code points (a Discord engineer on discord-api-docs#1315:
"Our API uses Python 3, so the API calculates length based on the number of codepoints"),
which is what len() counts, so astral characters below need no special allowance.
"""

from __future__ import annotations

import re
from datetime import date

import discord
import pytest

from bot.core.replies import ANSWER, PAPER_CARD, RESULTS, Card, Quote, Reply
from bot.core.title_choices import choices_reply
from bot.core.trending import TRENDING, TrendingEntry, TrendingRanking
from bot.discord_app import embeds as cards
from bot.discord_app.title_picker import TitlePicker
from bot.discord_app.trending_post import build_post
from corpus.paper import Link, Listing, Paper
from tests.fakediscord.limits import FormErrors, validate_components, validate_message

# Discord's limits, from ../shared/discord-notes.md (not from the module under test).
TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE = 256, 4096, 25, 256, 1024
FOOTER, AUTHOR, TOTAL, EMBEDS, CONTENT = 2048, 256, 6000, 10, 2000

# Markdown, mentions, a right-to-left override, zero-width and astral characters, an emoji sequence.
NASTY = (
    "@everyone @here <@&123> <@456> **bold** __under__ `tick` ```fence``` ||spoiler|| ~~strike~~ "
    "> quote # heading - item 1. one [link](https://evil.example) \\*already\\* \u202eevil\u202c "
    "\u200bzero \U0001d538\U0001d539 \U0001f469\u200d\U0001f469\u200d\U0001f467 "
)


def worst_paper(pid: str, *, arxiv_id: str | None = "2105.15183") -> Paper:
    """A paper whose every text field is too long and full of markup."""
    return Paper(
        id=pid,
        title=NASTY * 20,
        abstract=NASTY * 400,
        clean_title=NASTY * 20,
        clean_abstract=("# " + NASTY + "\n> ") * 300,
        ingested_at="2026-03-06T00:00:00+00:00",
        links=tuple(Link(f"https://github.com/{'x' * i}", "code", "Code") for i in range(1, 60))
        + tuple(Link(f"https://project{i}.example/{'p' * 40}", "project", "Project page") for i in range(60)),
        listings=tuple(Listing(f"hf-daily:{NASTY}{i}", i) for i in range(99)),
        arxiv_id=arxiv_id,
        authors=tuple(f"{NASTY[:120]} {i}" for i in range(3000)),
        published="9999-12-31T23:59:59Z",
        upvotes=10**15,
        github_stars=10**15,
        github_repo="https://github.com/" + "r" * 2000,
        thumbnail="https://cdn.example/" + "t" * 2000 + ".png",
    )


def worst_cards(n: int, **extra: object) -> tuple[Card, ...]:
    papers = [worst_paper(f"p-worst-{i}", arxiv_id=None if i % 2 else "2105.15183") for i in range(n)]
    return tuple(
        Card(paper=p, rank=i, sentence=NASTY * 50, matched_terms=("everyone", "bold", "spoiler"), similarity=0.5, **extra)
        for i, p in enumerate(papers, start=1)
    )


_OUR_URL = re.compile(r"\]\(https?://[^\s)]*\)")
_TIMESTAMP = re.compile(r"<t:-?\d+:[RD]>")


def unescaped(text: str, char: str) -> int:
    """Count occurrences of `char` not escaped by a backslash."""
    count = 0
    for i, c in enumerate(text):
        if c != char:
            continue
        slashes = 0
        while i - slashes - 1 >= 0 and text[i - slashes - 1] == "\\":
            slashes += 1
        count += slashes % 2 == 0
    return count


def assert_formatting_holds(text: str, *, line_starts: bool = True) -> None:
    """Paper text cannot open markdown: only our own balanced bold/italic markers stay unescaped."""
    text = _TIMESTAMP.sub("", _OUR_URL.sub("]", text))
    for char in "_`|~":
        assert unescaped(text, char) == 0, (char, text[:300])
    assert unescaped(text, "*") % 2 == 0, text[:300]
    for line in text.split("\n") if line_starts else ():
        assert not re.match(r"\s*(#{1,3}|>|-|\d+\.)\s", line), line[:80]


def assert_within_limits(content: str | None, embeds: list[discord.Embed] | tuple[discord.Embed, ...]) -> None:
    assert len(content or "") <= CONTENT and len(embeds) <= EMBEDS
    assert sum(len(e) for e in embeds) <= TOTAL
    for embed in embeds:
        assert len(embed.title or "") <= TITLE and len(embed.description or "") <= DESCRIPTION
        assert len(embed.fields) <= FIELDS
        assert all(0 < len(f.name) <= FIELD_NAME and 0 < len(f.value) <= FIELD_VALUE for f in embed.fields)
        assert len(embed.footer.text or "") <= FOOTER and len(embed.author.name or "") <= AUTHOR
        assert_formatting_holds(embed.title or "", line_starts=False)  # "1. " is our rank
        assert_formatting_holds(embed.description or "")
        for f in embed.fields:
            assert_formatting_holds(f.value)
    # The fake Discord's validator, written from the API docs separately from the renderer.
    errors = FormErrors()
    validate_message({"content": content, "embeds": [e.to_dict() for e in embeds]}, errors)
    assert not errors, errors.nested()


def assert_rendered_fits(reply: Reply) -> list[cards.RenderedMessage]:
    messages = cards.render(reply)
    for message in messages:
        assert_within_limits(message.content, message.embeds)
    return messages


@pytest.mark.parametrize("count", [1, 3, 10])
def test_result_pages_of_worst_case_cards_fit(count: int) -> None:
    reply = Reply(RESULTS, "Papers for \u201c" + NASTY * 10 + "\u201d", worst_cards(count), query=NASTY, page_size=10)
    (message,) = assert_rendered_fits(reply)
    assert len(message.embeds) == count
    assert all(e.title.startswith(f"{i}. ") for i, e in enumerate(message.embeds, start=1))


def test_weak_and_answer_cards_of_worst_case_papers_fit() -> None:
    weak = Reply(RESULTS, "Nothing is close", worst_cards(3, weak=True), weak=True)
    assert_rendered_fits(weak)
    quotes = tuple(Quote(NASTY * 30, NASTY * 10, number=i) for i in (1, 2, 3)) + (Quote(NASTY * 30, NASTY * 10),)
    answer = Reply(ANSWER, NASTY * 10, worst_cards(3), quotes=quotes, understood=NASTY * 5, note=NASTY * 5)
    (message,) = assert_rendered_fits(answer)
    assert_formatting_holds(message.content, line_starts=False)  # its "> " quote lines are ours
    # Every quote keeps a readable share of the room left by the heading, however dense its markdown.
    quoted = [line for line in message.content.split("\n") if line.startswith("> ")]
    assert len(quoted) == 4 and all(len(line) >= cards.MIN_QUOTE for line in quoted)


def test_a_page_of_ordinary_cards_keeps_its_side_fields() -> None:
    # The fallbacks (no fields, squeezed cards) are for pathological input only.
    ordinary = tuple(
        Card(
            paper=Paper(
                id=f"p{i}", title=f"An Ordinary Title Number {i}", abstract="x", clean_title=f"An Ordinary Title Number {i}",
                clean_abstract="x", ingested_at="2026-01-01", arxiv_id="2105.15183",
                authors=("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"),
                published="2025-01-01", upvotes=3, github_stars=40, github_repo="https://github.com/a/b",
                listings=(Listing("hf-daily:2026-03-06", i),),
            ),
            rank=i, sentence="An ordinary sentence about the method. " * 5, matched_terms=("method",), similarity=0.5,
        )
        for i in range(1, 11)
    )
    embeds = cards.result_embeds(ordinary)
    assert_within_limits(None, embeds)
    assert all({f.name for f in e.fields} == {"Links", "Listed on"} for e in embeds)
    assert all("et al." in e.description and "<t:" in e.description for e in embeds)


def test_full_card_of_a_worst_case_paper_fits_every_message() -> None:
    messages = assert_rendered_fits(Reply(PAPER_CARD, "", (Card(paper=worst_paper("p-full"), full=True),), page_size=1))
    first = messages[0].embeds[0]
    fields = {f.name: f.value for f in first.fields}
    assert fields["Authors"].endswith(" more") and fields["Published"].startswith("9999-12-31 (<t:")
    assert first.thumbnail.url is not None
    # Nothing of the abstract is lost across embeds and messages (escapes aside).
    text = " ".join(e.description or "" for m in messages for e in m.embeds)
    assert text.replace("\\", "").split() == cards.escape(worst_paper("p-full").clean_abstract).replace("\\", "").split()


def test_trending_post_of_worst_case_papers_fits_with_its_rule() -> None:
    entries = tuple(TrendingEntry(worst_paper(f"p-t{i}"), 1.0, 1.0, 0.0, 0.0) for i in range(10))
    post = build_post(TrendingRanking(mode=TRENDING, entries=entries, days=7), date(2026, 3, 6))
    assert_within_limits(post.content, post.embeds)
    assert post.embeds[-1].footer.text


def test_title_choices_of_worst_case_titles_fit_with_their_menu() -> None:
    papers = [worst_paper(f"p-c{i}") for i in range(25)]
    reply = choices_reply(NASTY * 10, papers)
    (message,) = assert_rendered_fits(reply)
    assert message.embeds[0].description.count("\n") == 9  # ten shown
    picker = TitlePicker(reply, lambda interaction, paper_id: None, placeholder=NASTY * 10, timeout=1)  # type: ignore[arg-type, return-value]
    errors = FormErrors()
    validate_components(picker.to_components(), errors)
    assert not errors, errors.nested()
    assert all(len(o.label) <= 100 and len(o.description or "") <= 100 for o in picker.menu.options)


def test_a_crowded_page_still_fits_when_room_is_reserved() -> None:
    embeds = cards.result_embeds(worst_cards(10), reserve=2048)
    assert sum(len(e) for e in embeds) <= TOTAL - 2048
