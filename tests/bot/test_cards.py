"""Unit tests of the Discord card renderer and the text decisions it shares with the console."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import discord
import pytest

from bot.core import card_text
from bot.core.replies import ANSWER, RESULTS, Card, Quote, Reply
from bot.discord_app import embeds as cards
from corpus.paper import Link, Listing, Paper
from corpus.source_names import ARXIV, FILE, HF_DAILY, SHIPPED_PAGE
from tests.bot.fakes import IMPLICIT, LONG, MARKDOWN, SINKHORN, make_paper


def result_card(paper=IMPLICIT, sentence=None, terms=("implicit", "differentiation"), rank=1) -> Card:
    sentence = sentence if sentence is not None else paper.clean_abstract.split(". ")[1]
    return Card(paper=paper, rank=rank, sentence=sentence, matched_terms=terms, similarity=0.71)


def test_cut_stops_at_a_word_with_an_ellipsis() -> None:
    text = "implicit differentiation of optimization problems"
    assert card_text.cut(text, 100) == text
    cut = card_text.cut(text, 30)
    assert cut == "implicit differentiation of\u2026" and len(cut) <= 30
    assert card_text.cut("x" * 50, 10) == "x" * 9 + "\u2026"  # one huge word is still cut


def test_split_text_keeps_every_word() -> None:
    chunks = card_text.split_text(LONG.clean_abstract, 4000)
    assert all(len(c) <= 4000 for c in chunks) and len(chunks) == 4
    assert " ".join(chunks).split() == LONG.clean_abstract.split()


def test_listing_labels_name_the_hf_page() -> None:
    assert card_text.listing_label(Listing("000_a8f2f76e0bca95a6", 12)) == "HF papers page 000, #12"
    assert card_text.listing_label(Listing("hf-daily:2026-11-23", 3)) == "HF daily papers 2026-11-23, #3"
    assert card_text.listing_label(Listing("arxiv:cat:cs.LG", 1)) == "arXiv cat:cs.LG, #1"
    assert card_text.listing_label(Listing("fresh-papers", 2)) == "file fresh-papers, #2"
    many = make_paper("p", "T", "A.", listings=tuple((f"{i:03d}_a8f2f76e0bca95a6", i) for i in range(5)))
    assert card_text.listings_line(many) == "HF papers page 000, #0; HF papers page 001, #1; HF papers page 002, #2; +2 more"


def test_title_links_to_arxiv_else_nothing() -> None:
    assert card_text.title_url(IMPLICIT) == "https://arxiv.org/abs/2105.15183"
    # Without an id, a title link could only be a search passed off as the paper.
    assert card_text.title_url(SINKHORN) is None
    assert cards.result_embed(result_card(SINKHORN, "x", ())).url is None


def test_snippet_centres_on_the_first_match() -> None:
    sentence = " ".join(f"filler{i}" for i in range(60)) + " the sinkhorn algorithm converges " + "tail " * 30
    snippet = card_text.snippet(sentence, ("sinkhorn",), 120)
    assert len(snippet) <= 120 and "sinkhorn" in snippet
    assert snippet.startswith("\u2026") and snippet.endswith("\u2026")


def test_matched_terms_are_bold_by_stem() -> None:
    embed = cards.result_embed(result_card(sentence="Transformers use attention; a transformer is fast.", terms=("transformer",)))
    snippet_line = embed.description.splitlines()[2]  # after the byline and the signals line
    assert snippet_line == "**Transformers** use attention; a **transformer** is fast."


def test_result_card_layout() -> None:
    embed = cards.result_embed(result_card())
    assert embed.title == "1. Efficient and Modular Implicit Differentiation"
    assert embed.url == "https://arxiv.org/abs/2105.15183"
    byline, signals, snippet, why = embed.description.split("\n")
    assert byline == "Mathieu Blondel, Quentin Berthet"  # no date known: none shown
    assert signals == "[Code](https://github.com/google/jaxopt)"  # no counts known: none shown
    assert "**implicit** **differentiation**" in snippet
    assert why == "*Why it matched:* keywords: implicit, differentiation; semantic similarity 0.71"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Links"] == (
        "[arXiv](https://arxiv.org/abs/2105.15183) \u00b7 [PDF](https://arxiv.org/pdf/2105.15183) \u00b7 "
        "[HF paper page](https://huggingface.co/papers/2105.15183)"
    )
    assert fields["Listed on"] == "HF papers page 000, #1; HF papers page 004, #125"
    assert embed.footer.text is None and embed.thumbnail.url is None
    assert embed.colour.value == card_text.SOURCE_COLOURS[SHIPPED_PAGE]


def test_weak_cards_are_marked() -> None:
    embed = cards.result_embed(Card(paper=SINKHORN, rank=1, sentence="x", similarity=0.1, weak=True))
    assert "Weak match" in embed.footer.text and embed.colour == cards.WEAK_COLOR


def test_markdown_in_titles_and_text_is_escaped() -> None:
    card = Card(paper=MARKDOWN, rank=2, sentence=MARKDOWN.clean_abstract, matched_terms=("sinkhorn",), similarity=0.4)
    embed = cards.result_embed(card)
    assert embed.title == "2. A \\*Bold\\* \\_Claim\\_ about \\`code\\`, \\|\\|spoilers\\|\\| and \\~\\~strikes\\~\\~"
    assert "\\*\\*markdown\\*\\*" in embed.description and "\\[links]" in embed.description
    assert "**sinkhorn**" in embed.description  # our own bold survives
    full = cards.full_card_messages(Card(paper=MARKDOWN, full=True))[0][0]
    assert full.description.startswith("\\# Not a heading\n\\> not a quote")


def test_user_text_in_headers_is_escaped() -> None:
    reply = Reply(RESULTS, "Papers for \u201c**bold** `tick`\u201d", (result_card(),))
    assert cards.header(reply) == "Papers for \u201c\\*\\*bold\\*\\* \\`tick\\`\u201d"


def test_every_limit_holds_for_a_page_of_huge_cards() -> None:
    paper = make_paper("p-huge", "Word " * 100, "Long sentence " * 1000, listings=tuple(("src" * 50, i) for i in range(99)))
    huge = tuple(result_card(paper, "Long *sentence* " * 500, ("long",), rank=i) for i in range(1, 11))
    embeds = cards.result_embeds(huge)
    assert len(embeds) == 10 and sum(len(e) for e in embeds) <= cards.MESSAGE_EMBED_CHARS
    for embed in embeds:
        assert len(embed.title) <= cards.TITLE_LIMIT and embed.title.endswith("\u2026")
        assert len(embed.description) <= cards.DESCRIPTION_LIMIT
        assert all(len(f.value) <= cards.FIELD_VALUE_LIMIT and len(f.name) <= 256 for f in embed.fields)
    # A single card keeps a longer snippet than one of ten.
    assert len(cards.result_embeds(huge[:1])[0].description) > len(embeds[0].description)


def test_long_abstract_continues_in_further_embeds_and_messages() -> None:
    messages = cards.full_card_messages(Card(paper=LONG, full=True))
    embeds = [e for m in messages for e in m]
    assert len(embeds) == 4 and len(messages) >= 2
    for message in messages:
        assert len(message) <= cards.MESSAGE_EMBEDS and sum(len(e) for e in message) <= cards.MESSAGE_EMBED_CHARS
    assert all(len(e.description) <= cards.DESCRIPTION_LIMIT for e in embeds)
    assert embeds[1].title == "Abstract, continued (2/4)"
    assert " ".join(e.description for e in embeds).split() == LONG.clean_abstract.split()


def test_answer_quotes_the_sentence_and_its_title() -> None:
    reply = Reply(ANSWER, "The closest I found:", (result_card(),), quotes=(Quote("We use *Sinkhorn*.", "Title_with_underscores"),))
    content = cards.render(reply)[0].content
    assert content == "The closest I found:\n> We use \\*Sinkhorn\\*.\n\u2014 from *Title\\_with\\_underscores*"
    assert len(content) <= cards.CONTENT_LIMIT


def test_an_answer_opens_with_the_quote_its_answering_words_in_bold_and_escaped() -> None:
    sentence = "It is *4.2x faster* than [Sinkhorn](http://x) for @everyone."
    start = sentence.index("4.2x")
    quote = Quote(sentence, "Fast transport", 1, bold=(start, start + len("4.2x faster")))
    content = cards.render(Reply(ANSWER, "", (result_card(),), quotes=(quote,)))[0].content
    # Paper text stays literal (its stars and brackets escaped); only our span is bold.
    assert content == "> It is \\***4.2x faster**\\* than \\[Sinkhorn](http://x) for @everyone. **[1]**"
    # A quote cut short keeps its bold span closed (clipped at the cut), never an open "**".
    long = Quote("The result: " + "word " * 400 + "and 10x faster at the end.", "T", 1, bold=(12, 2012))
    cut = cards.render(Reply(ANSWER, "", (result_card(),), quotes=(long,)))[0].content
    assert len(cut) <= cards.CONTENT_LIMIT and cut.count("**") == 4 and cut.endswith("word**\u2026 **[1]**")


def test_render_pages() -> None:
    many = tuple(result_card(rank=i) for i in range(1, 6))
    reply = Reply(RESULTS, "Papers", many, page_size=2)
    pages = [cards.render(reply, p)[0] for p in range(3)]
    assert [len(p.embeds) for p in pages] == [2, 2, 1]
    assert pages[2].content.endswith("Page 3 of 3")
    assert all(isinstance(e, discord.Embed) for p in pages for e in p.embeds)


# ------------------------------------------------------------- what readers scan first

FRESH = dataclasses.replace(
    IMPLICIT,
    authors=("Mathieu Blondel", "Quentin Berthet", "Marco Cuturi", "Roy Frostig", "Stephan Hoyer"),
    published="2021-05-31T17:48:49.000Z",
    upvotes=12,
    github_stars=1234,
    github_repo="https://github.com/google/jaxopt",
    listings=(Listing("000_a8f2f76e0bca95a6", 1), Listing("hf-daily:2026-03-06", 4)),
    thumbnail="https://cdn-uploads.huggingface.co/production/uploads/x/figure.webp",
)
FRESH_UNIX = int(datetime(2021, 5, 31, 17, 48, 49, tzinfo=timezone.utc).timestamp())


def test_result_cards_show_authors_date_counts_and_code_first() -> None:
    embed = cards.result_embed(result_card(FRESH))
    byline, signals = embed.description.split("\n")[:2]
    assert byline == f"Mathieu Blondel, Quentin Berthet, Marco Cuturi et al. \u00b7 published <t:{FRESH_UNIX}:R>"
    assert signals == "12 upvotes \u00b7 1,234 GitHub stars \u00b7 [Code](https://github.com/google/jaxopt)"
    # The code link is on the signals line, so the Links field does not repeat it.
    assert "Code" not in {f.name: f.value for f in embed.fields}["Links"]


def test_counts_that_are_known_are_shown_even_when_zero_or_one() -> None:
    assert card_text.popularity(dataclasses.replace(FRESH, upvotes=1, github_stars=0)) == ("1 upvote", "0 GitHub stars")
    assert card_text.popularity(dataclasses.replace(FRESH, upvotes=None)) == ("1,234 GitHub stars",)
    assert card_text.popularity(IMPLICIT) == ()


def test_full_card_shows_every_author_and_the_absolute_date() -> None:
    first = cards.full_card_messages(Card(paper=FRESH, full=True))[0][0]
    fields = {f.name: f.value for f in first.fields}
    assert fields["Authors"] == "Mathieu Blondel, Quentin Berthet, Marco Cuturi, Roy Frostig, Stephan Hoyer"
    assert fields["Published"] == f"2021-05-31 (<t:{FRESH_UNIX}:R>)"
    assert "[Code](https://github.com/google/jaxopt)" in fields["Links"]
    assert first.footer.text == "12 upvotes \u00b7 1,234 GitHub stars"
    assert first.thumbnail.url == FRESH.thumbnail


def test_authors_line_names_three_then_et_al() -> None:
    three = dataclasses.replace(IMPLICIT, authors=("A. One", "B. Two", "C. Three"))
    assert card_text.authors_line(three) == "A. One, B. Two, C. Three"
    four = dataclasses.replace(IMPLICIT, authors=("A. One", "B. Two", "C. Three", "D. Four"))
    assert card_text.authors_line(four) == "A. One, B. Two, C. Three et al."
    # Author names come from feeds as typed: LaTeX accents are folded, control characters dropped.
    odd = dataclasses.replace(IMPLICIT, authors=("J\\\"{o}rg Ren\\'e", "Eve\u202e Evil\u200b", "  "))
    assert card_text.authors_line(odd) == "J\u00f6rg Ren\u00e9, Eve Evil"
    assert card_text.authors_line(dataclasses.replace(IMPLICIT, authors=())) == ""


@pytest.mark.parametrize(
    "published, unix, day",
    [
        ("2021-05-31T17:48:49.000Z", FRESH_UNIX, "2021-05-31"),
        ("2021-05-31", int(datetime(2021, 5, 31, tzinfo=timezone.utc).timestamp()), "2021-05-31"),
        ("2021-05-31T20:00:00-05:00", int(datetime(2021, 6, 1, 1, tzinfo=timezone.utc).timestamp()), "2021-05-31"),
        ("2021-05-31T17:48:49", FRESH_UNIX, "2021-05-31"),  # no zone: read as UTC
        ("sometime in May", None, None),
        (None, None, None),
    ],
)
def test_publication_dates(published: str | None, unix: int | None, day: str | None) -> None:
    paper = dataclasses.replace(IMPLICIT, published=published)
    when = card_text.published_at(paper)
    assert (int(when.timestamp()) if when else None, card_text.published_date(paper)) == (unix, day)
    assert ("published <t:" in cards.byline(paper)) == (unix is not None)


def test_links_are_real_pages_and_searches_only_without_an_id() -> None:
    assert [(l.label, l.url) for l in card_text.shown_links(FRESH)] == [
        ("arXiv", "https://arxiv.org/abs/2105.15183"),
        ("PDF", "https://arxiv.org/pdf/2105.15183"),
        ("HF paper page", "https://huggingface.co/papers/2105.15183"),
        ("Code", "https://github.com/google/jaxopt"),
    ]
    # A paper without an id: the stored "Search arXiv" link is relabelled as the search it is.
    no_id = [(l.kind, l.label, l.url) for l in card_text.shown_links(SINKHORN)]
    query = "Sinkhorn+Distances%3A+Lightspeed+Computation+of+Optimal+Transport"
    assert no_id == [
        ("search", "Search arXiv for this title", f"https://arxiv.org/search/?query={query}&searchtype=title"),
        ("search", "Search HF Papers for this title", f"https://huggingface.co/papers?q={query}"),
    ]
    value = {f.name: f.value for f in cards.result_embed(result_card(SINKHORN, "x", ())).fields}["Links"]
    assert value.startswith("[Search arXiv for this title](https://arxiv.org/search/?query=Sinkhorn")
    # Code and project pages found in an abstract are listed, each once.
    found = dataclasses.replace(SINKHORN, links=(
        Link("https://github.com/a/b", "code", "Code"), Link("https://github.com/a/b/", "code", "GitHub"),
        Link("https://project.example/", "project", "Project page"),
    ))
    assert [l.label for l in card_text.shown_links(found)][:2] == ["Code", "Project page"]


def test_a_link_url_that_would_break_markdown_is_encoded_and_a_huge_one_dropped() -> None:
    assert cards.markdown_link("a_b", "https://x.example/p(1) q") == "[a\\_b](https://x.example/p(1%29%20q)"
    assert cards.markdown_link("Code", "https://x.example/" + "a" * 600) == ""


@pytest.mark.parametrize(
    "sources, colour",
    [
        (("000_a8f2f76e0bca95a6",), card_text.SOURCE_COLOURS[SHIPPED_PAGE]),
        (("hf-daily:2026-03-06",), card_text.SOURCE_COLOURS[HF_DAILY]),
        (("arxiv:cat:cs.LG",), card_text.SOURCE_COLOURS[ARXIV]),
        (("fresh-papers",), card_text.SOURCE_COLOURS[FILE]),
        # The freshest listing decides: a shipped paper in today's HF daily list looks like news.
        (("000_a8f2f76e0bca95a6", "hf-daily:2026-03-06"), card_text.SOURCE_COLOURS[HF_DAILY]),
        ((), card_text.SOURCE_COLOURS[FILE]),
    ],
)
def test_colour_per_source(sources: tuple[str, ...], colour: int) -> None:
    paper = dataclasses.replace(IMPLICIT, listings=tuple(Listing(s, i) for i, s in enumerate(sources, 1)))
    assert cards.result_embed(result_card(paper)).colour.value == colour
    assert cards.full_card_messages(Card(paper=paper, full=True))[0][0].colour.value == colour
    assert len(set(card_text.SOURCE_COLOURS.values()) | {card_text.WEAK_COLOUR}) == 5  # all tell apart


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://cdn-uploads.huggingface.co/production/uploads/x/figure.webp", True),
        ("http://example.org/a.png", True),
        ("javascript:alert(1)", False),
        ("data:image/png;base64,AAAA", False),
        ("/avatars/0bcba885d6e0ff74e03f42faa5c86783.svg", False),
        ("https://exa mple.org/a.png", False),
        (None, False),
    ],
)
def test_thumbnail_only_for_http_urls(url: str | None, shown: bool) -> None:
    # Built directly, as an old import or a hand-edited store could: the card checks again.
    paper = Paper(**{**dataclasses.asdict(FRESH), "links": FRESH.links, "listings": FRESH.listings, "thumbnail": url})
    embed = cards.result_embed(result_card(paper))
    assert (embed.thumbnail.url == url) if shown else embed.thumbnail.url is None
