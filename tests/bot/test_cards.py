"""Unit tests of the Discord card renderer and the text decisions it shares with the console."""

from __future__ import annotations

import discord

from bot.core import card_text
from bot.core.replies import ANSWER, RESULTS, Card, Quote, Reply
from bot.discord_app import embeds as cards
from corpus.paper import Listing
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


def test_title_links_to_arxiv_else_the_first_link() -> None:
    assert card_text.title_url(IMPLICIT) == "https://arxiv.org/abs/2105.15183"
    assert card_text.title_url(SINKHORN) == SINKHORN.links[0].url
    assert [link.kind for link in card_text.shown_links(SINKHORN)] == []  # search links are not listed


def test_snippet_centres_on_the_first_match() -> None:
    sentence = " ".join(f"filler{i}" for i in range(60)) + " the sinkhorn algorithm converges " + "tail " * 30
    snippet = card_text.snippet(sentence, ("sinkhorn",), 120)
    assert len(snippet) <= 120 and "sinkhorn" in snippet
    assert snippet.startswith("\u2026") and snippet.endswith("\u2026")


def test_matched_terms_are_bold_by_stem() -> None:
    embed = cards.result_embed(result_card(sentence="Transformers use attention; a transformer is fast.", terms=("transformer",)))
    assert embed.description.startswith("**Transformers** use attention; a **transformer** is fast.")


def test_result_card_layout() -> None:
    embed = cards.result_embed(result_card())
    assert embed.title == "1. Efficient and Modular Implicit Differentiation"
    assert embed.url == "https://arxiv.org/abs/2105.15183"
    assert "**implicit** **differentiation**" in embed.description
    assert "*Why it matched:* keywords: implicit, differentiation; semantic similarity 0.71" in embed.description
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Links"] == "[arXiv](https://arxiv.org/abs/2105.15183) \u00b7 [Code](https://github.com/google/jaxopt)"
    assert fields["Listed on"] == "HF papers page 000, #1; HF papers page 004, #125"
    assert embed.footer.text is None


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


def test_render_pages() -> None:
    many = tuple(result_card(rank=i) for i in range(1, 6))
    reply = Reply(RESULTS, "Papers", many, page_size=2)
    pages = [cards.render(reply, p)[0] for p in range(3)]
    assert [len(p.embeds) for p in pages] == [2, 2, 1]
    assert pages[2].content.endswith("Page 3 of 3")
    assert all(isinstance(e, discord.Embed) for p in pages for e in p.embeds)
