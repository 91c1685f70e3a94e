"""Hostile feed records, through the real parsers and a real corpus file, rendered as every card type.

A feed is not trusted: its titles, abstracts, author names and URLs may carry markdown,
mentions, newlines, control characters and links dressed up with our labels. Whatever a
feed sends, a card must show it as text: no live markup, no mention, and no link whose URL
fails the one URL check (corpus/urls.py) or that wears a label we did not write.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from bot.core.replies import ANSWER, PAPER_CARD, RESULTS, Card, Quote, Reply
from bot.core.subscriptions import DM, Destination, Match, TopicMatch
from bot.core.title_choices import choices_reply
from bot.core.trending import NEAR_SEARCHES, TRENDING, TrendingEntry, TrendingRanking
from bot.discord_app import embeds as cards
from bot.discord_app.markdown import escape, markdown_link
from bot.discord_app.subscription_delivery import header_text, numbered_cards
from bot.discord_app.trending_post import build_post
from bot.state.subscriptions import Subscription
from bot.terminal import text_render
from corpus.ingest import candidate_from_record
from corpus.paper import Link, Paper
from corpus.sources.arxiv import parse_feed
from corpus.sources.hf_daily import parse_daily_papers
from corpus.sqlite_store import SqliteCorpusStore
from corpus.urls import web_url
from retrieval.types import Hit
from tests.hostile_markup import (
    EVIL_AUTHOR,
    HOSTILE,
    INLINE,
    OUR_LABELS,
    SPOOF_REPO,
    links_in,
    live_markup,
    message_markup,
)
from tests.sources_fixtures import hf_item

DAY = "2026-03-06"

# ------------------------------------------------------------------ the hostile feed records


def hostile_papers(tmp_path: Path) -> list[Paper]:
    """Return hostile records of every source, as the real parsers make them and a real corpus file keeps them."""
    hf = parse_daily_papers([
        hf_item(
            "2603.00011", "Sinkhorn " + HOSTILE, "Sinkhorn method abstract " + HOSTILE,
            authors=[{"name": EVIL_AUTHOR}, {"name": "<@123> @everyone"}, {"name": "Eve\x1b[2J\u202e **PWNname**"}],
            githubRepo=SPOOF_REPO,
            mediaUrls=["https://evil.example/a.png\n[arXiv PDF](https://evil.example)"],
            thumbnail="javascript:alert(1)",
        ),
    ], DAY).candidates
    entry = (
        "<entry><id>http://arxiv.org/abs/2603.00012v1</id><published>2026-03-05T10:00:00Z</published>"
        f"<title>{_xml('Sinkhorn ' + INLINE)}</title><summary>{_xml('Sinkhorn method abstract ' + INLINE)}</summary>"
        f"<author><name>{_xml(EVIL_AUTHOR)}</name></author><author><name>@here `PWNtick`</name></author></entry>"
    )
    arxiv = parse_feed(f'<feed xmlns="http://www.w3.org/2005/Atom">{entry}</feed>', "cat:cs.LG").candidates
    jsonl = candidate_from_record(json.loads(json.dumps({
        "title": "Sinkhorn file record " + INLINE,
        # Abstract URLs are feed text too: one that ends in markup or has no real host is not a link.
        "abstract": "Sinkhorn method abstract with code at https://github.com/ok/repo and https://evil/x "
                    "and https://evil.example/p\x07[arXiv%20PDF] " + HOSTILE,
        "authors": [EVIL_AUTHOR, "Ada\nLovelace"],
        "github_repo": SPOOF_REPO,
    })), "hostile-file", 1)
    assert len(hf) == 1 and len(arxiv) == 1
    store = SqliteCorpusStore.open(tmp_path / "corpus.sqlite")
    try:
        store.add([*hf, *arxiv, jsonl])
        return sorted(store.papers(), key=lambda p: p.id)
    finally:
        store.close()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def handwritten_paper() -> Paper:
    """A record no parser made (an old store, a hand edit): raw newlines, spoofed links, markup everywhere."""
    return Paper(
        id="p-handwritten", title="Sinkhorn " + HOSTILE, abstract=HOSTILE, clean_title="Sinkhorn " + HOSTILE,
        clean_abstract="Sinkhorn method " + HOSTILE * 3, ingested_at="2026-03-06T00:00:00+00:00",
        links=(
            Link(SPOOF_REPO, "code", "GitHub"),
            Link("javascript:alert(1)", "project", "arXiv PDF"),
            Link("https://evil.example/ok", "project", "arXiv PDF"),
            Link("https://evil.example/a)b [arXiv PDF](https://evil.example)", "project", "Project page"),
        ),
        arxiv_id=None, authors=(EVIL_AUTHOR, "<@123>\n# PWNhead", "Eve\x1b[2J"), published="2026-03-01",
        upvotes=5, github_repo=SPOOF_REPO, github_stars=7, thumbnail="https://evil.example/a.png\n**PWN**",
    )


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> list[Paper]:
    return [*hostile_papers(tmp_path_factory.mktemp("hostile")), handwritten_paper()]


def _cards(papers: list[Paper]) -> tuple[Card, ...]:
    return tuple(
        Card(paper=p, rank=i, sentence=p.clean_abstract, matched_terms=("sinkhorn", "method"), similarity=0.5)
        for i, p in enumerate(papers, start=1)
    )


# ------------------------------------------------------------------ the records as stored


def test_no_stored_record_keeps_a_url_that_fails_the_check(papers: list[Paper]) -> None:
    stored = papers[:-1]
    assert len(stored) == 3
    for paper in stored:
        assert paper.github_repo is None  # SPOOF_REPO never entered the corpus
        assert paper.thumbnail is None or (web_url(paper.thumbnail) == paper.thumbnail and "evil" not in paper.thumbnail)
        assert all(web_url(link.url) == link.url for link in paper.links), paper.links
        assert all("\x1b" not in name and "\u202e" not in name and "\n" not in name for name in paper.authors)
    file_record = next(p for p in stored if p.listings[0].source == "hostile-file")
    # The abstract's real repository is kept; the host-less and control-character URLs are not.
    assert [link.url for link in file_record.links if link.kind == "code"] == ["https://github.com/ok/repo"]
    urls = [link.url for link in file_record.links]
    assert "https://evil/x" not in urls and "https://evil.example/p" not in [url.rstrip("\x07") for url in urls]


# ------------------------------------------------------------------ every card type


def test_result_cards_show_no_live_markup(papers: list[Paper]) -> None:
    reply = Reply(RESULTS, "Papers for \u201c" + HOSTILE + "\u201d", _cards(papers), query=HOSTILE, note=HOSTILE, page_size=10)
    (message,) = cards.render(reply)
    assert len(message.embeds) == len(papers)
    assert message_markup(message.content, message.embeds) == []
    # The squeezed form of a crowded page, and each detail level, hold too.
    for card in _cards(papers):
        for detail in cards.DETAIL_STEPS:
            embed = cards.result_embed(card, detail.snippet, listed=detail.listed, links=detail.links)
            assert message_markup(None, [embed]) == []
        assert message_markup(None, [cards.result_embed(card, 0, size=300)]) == []


def test_result_cards_show_the_real_code_link_and_no_spoofed_one(papers: list[Paper]) -> None:
    rendered = [cards.result_embed(card) for card in _cards(papers)]
    text = "\n".join((e.description or "") + "\n" + "\n".join(f.value for f in e.fields) for e in rendered)
    shown = links_in(text)
    assert ("Code", "https://github.com/ok/repo") in shown
    assert all(label in OUR_LABELS and "x.pdf" not in url for label, url in shown), shown


def test_answer_content_and_cards_show_no_live_markup(papers: list[Paper]) -> None:
    quotes = (
        Quote(HOSTILE, "Sinkhorn " + HOSTILE, number=1, bold=(0, 9)),
        Quote("Sinkhorn method " + HOSTILE, "Sinkhorn " + HOSTILE),
    )
    reply = Reply(ANSWER, HOSTILE, _cards(papers), quotes=quotes, understood=HOSTILE, note=HOSTILE)
    (message,) = cards.render(reply)
    assert message.content and message.content.count("\n> ") >= 1
    # "> " starts our quote lines; every other line start of the content is escaped.
    assert message_markup(message.content, message.embeds, own_lines=("> ",)) == []


def test_the_full_paper_card_shows_no_live_markup(papers: list[Paper]) -> None:
    for paper in papers:
        messages = cards.render(Reply(PAPER_CARD, "", (Card(paper=paper, full=True),), page_size=1))
        for message in messages:
            assert message_markup(message.content, message.embeds) == [], paper.id
        fields = {f.name: f.value for f in messages[0].embeds[0].fields}
        assert "\\[x](http://evil)" in fields["Authors"]  # the name as text, its bracket escaped


def test_the_titles_list_shows_no_live_markup(papers: list[Paper]) -> None:
    (message,) = cards.render(choices_reply(HOSTILE, papers))
    assert message_markup(message.content, message.embeds) == []


@pytest.mark.parametrize("mode", [TRENDING, NEAR_SEARCHES])
def test_the_trending_post_shows_no_live_markup(papers: list[Paper], mode: str) -> None:
    entries = tuple(TrendingEntry(p, 1.0, 1.0, 0.5, 0.5) for p in papers)
    post = build_post(TrendingRanking(mode=mode, entries=entries, days=7), date(2026, 3, 6))
    # The day marker ("-# PaperScout daily post ...") is our own subtext line.
    assert message_markup(post.content, post.embeds, own_lines=("-# PaperScout daily post",)) == []


def test_a_subscription_delivery_shows_no_live_markup(papers: list[Paper]) -> None:
    hits = tuple(Hit(p, i, 1.0, i, 1.0, ("sinkhorn",), 0.5, p.clean_abstract) for i, p in enumerate(papers, start=1))
    sub = Subscription(1, None, None, 42, "sinkhorn " + HOSTILE, False, "2026-03-01T00:00:00+00:00")
    match = Match(Destination(DM, 42), (TopicMatch(sub, hits, tuple(p.id for p in papers)),))
    shown, numbers = numbered_cards(match)
    content = header_text(match, numbers)
    assert message_markup(content, cards.result_embeds(tuple(shown))) == []
    assert len(shown) == len(papers)


def test_the_terminal_shows_hostile_records_as_lines_of_text(papers: list[Paper]) -> None:
    replies = [
        Reply(RESULTS, "Papers for " + HOSTILE, _cards(papers), query=HOSTILE, page_size=10),
        Reply(ANSWER, HOSTILE, _cards(papers), quotes=(Quote(HOSTILE, HOSTILE, number=1),)),
        choices_reply(HOSTILE, papers),
        *(Reply(PAPER_CARD, "", (Card(paper=p, full=True),), page_size=1) for p in papers),
    ]
    for reply in replies:
        text = text_render.render(reply)
        # No escape sequence or other control character reaches the terminal: nothing can repaint it.
        assert [c for c in text if unicodedata.category(c) == "Cc" and c != "\n"] == []
        for line in text.split("\n"):
            for url in re.findall(r"^   (?:arXiv|PDF|HF paper page|Code|Project page|Search [^:]+): (\S+)$", line):
                assert web_url(url) == url


def test_a_card_of_a_handwritten_record_never_links_its_raw_values() -> None:
    paper = handwritten_paper()
    card = cards.result_embed(Card(paper=paper, rank=1))
    assert card.thumbnail.url is None
    everything = (card.description or "") + "\n".join(f.value for f in card.fields)
    # The one valid abstract link is shown with our label, not the record's; the raw ones not at all.
    assert [link for link in links_in(everything) if not link[0].startswith("Search ")] == [
        ("Project page", "https://evil.example/ok")
    ]
    assert "javascript" not in everything


# ------------------------------------------------------------------ the pieces


@pytest.mark.parametrize(
    "url, kept",
    [
        ("https://github.com/a/b", True),
        ("http://example.org/a.png?x=1&y=(2)", True),
        ("https://b\u00fccher.example/", True),
        ("https://[2001:db8::1]/x", True),
        ("https://192.0.2.1:8080/x", True),
        ("https://github.com/a/b\nmore", False),
        ("https://github.com/a b", False),
        ("https://github.com/a/b\u200b", False),
        ("https://github.com/a/b\x00", False),
        ("https://github.com/<b>", False),
        ("https://github.com/a\\b", False),
        ("https://github.com/a`b`", False),
        ("https://arxiv.org@evil.example/", False),
        ("https://evil/", False),
        ("https://999.1.1.1/", False),
        ("https://-bad-.example/", False),
        ("https://github.com:99999/", False),
        ("https:///path", False),
        ("ftp://example.org/x", False),
        ("javascript:alert(1)", False),
        ("https://example.org/" + "a" * 2100, False),
        (None, False),
        (42, False),
    ],
)
def test_the_url_check(url: object, kept: bool) -> None:
    assert (web_url(url) == url) if kept else web_url(url) is None


def test_a_link_label_and_url_cannot_end_the_link_or_open_markup() -> None:
    link = markdown_link("a]b [c](x) *d*\nnext", "https://x.example/a) [b](https://evil.example)<c>\\`")
    assert link == "[a)b (c)(x) \\*d\\* next](https://x.example/a%29%20%5Bb%5D(https://evil.example%29%3Cc%3E%5C%60)"
    assert live_markup(link.replace("a)b (c)(x) \\*d\\* next", "Code")) == []
    # Not a web address after all: no link at all rather than a link somewhere odd.
    assert markdown_link("Code", "javascript:alert(1)") == ""
    assert markdown_link("Code", "https://github.com/a/b\u202e") == ""


def test_escape_keeps_line_starts_escaped_across_blank_runs() -> None:
    assert escape("a\n\n\n# b\n \t\n  > c\n\n12. d") == "a\n\n\n\\# b\n \t\n  \\> c\n\n12\\. d"


def test_escape_is_linear_on_long_runs_of_newlines_and_spaces() -> None:
    # Quadratic before: "\s*" from every line start of a blank run ran to its end (for these
    # 400,000 characters, some 10^11 steps: hours). Linear, it is a fraction of a second; the
    # limit below only has to tell "finishes" from "never does" on any machine.
    code = (
        "from bot.discord_app.markdown import escape\n"
        "text = '\\n' * 200_000 + ' \\n' * 100_000 + '\\t' * 100_000 + '# end'\n"
        "assert escape(text).endswith('\\\\# end')\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, timeout=120, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_checker_finds_what_it_is_for() -> None:
    # A checker that finds nothing proves nothing: each kind of live markup is caught.
    assert live_markup("**PWN**")
    assert live_markup("a <@123> b")
    assert live_markup("[arXiv PDF](https://evil.example/x.pdf)")
    assert live_markup("[Code](https://github.com/a/b\n**x**)")
    assert live_markup("[Code](https://evil/x)")
    assert live_markup("x\n# PWN")
    assert live_markup("@everyone", mentions_parse=True)
    assert live_markup("||PWN||") and live_markup("`PWN`") and live_markup("_PWN_") and live_markup("~~PWN~~")
    assert live_markup(escape(HOSTILE)) == []
    assert live_markup("**1.** [Code](https://github.com/a/b) <t:0:R> \\<@123>") == []


def test_every_paper_text_field_is_exercised(papers: list[Paper]) -> None:
    # Guards the render tests against passing vacuously: hostile text reaches each card part.
    for paper in papers:
        assert "PWN" in paper.clean_title and "PWN" in paper.clean_abstract
        assert EVIL_AUTHOR in paper.authors
    reply = Reply(RESULTS, "x", _cards(papers), page_size=10)
    (message,) = cards.render(reply)
    assert all("PWN" in (e.title or "") and "PWN" in (e.description or "") for e in message.embeds)
