"""Replies -> plain terminal text, the console's counterpart of bot/discord_app/embeds.py."""

from __future__ import annotations

import textwrap

from bot.core import card_text
from bot.core.replies import HELP, TITLES, Card, Reply
from bot.core.title_choices import choices_text

WIDTH = 88
SNIPPET_CHARS = 320


def _wrap(text: str, indent: str = "   ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent.rstrip()]


def _marked(text: str, terms: tuple[str, ...]) -> str:
    """Return `text` with matched words in *stars* (the terminal's bold)."""
    return "".join(f"*{piece}*" if hit else piece for piece, hit in card_text.highlight(text, terms))


def render_card(card: Card) -> str:
    """Render one card as indented lines."""
    paper = card.paper
    title = paper.clean_title or paper.title
    prefix = f"{card.rank}. " if card.rank is not None else ""
    lines = [f"{prefix}{title}" + ("  [weak match]" if card.weak else "")]
    url = card_text.title_url(paper)
    if url:
        lines.append(f"   {url}")
    if card.full:
        names = card_text.author_names(paper)  # cleaned: a raw name may hold a terminal escape
        if names:
            lines += _wrap("by " + ", ".join(names))
        lines += _wrap(paper.clean_abstract or paper.abstract or "(no abstract)")
    elif card.sentence:
        text = card_text.snippet(card.sentence, card.matched_terms, SNIPPET_CHARS)
        lines += _wrap(f"\u201c{_marked(text, card.matched_terms)}\u201d")
    if card.why:
        lines += _wrap(f"why: {card.why}")
    for link in card_text.shown_links(paper):
        if link.url != url:
            lines.append(f"   {link.label}: {link.url}")
    listed = card_text.listings_line(paper)
    if listed:
        lines.append(f"   listed: {listed}")
    return "\n".join(lines)


def bolded(text: str, span: tuple[int, int] | None) -> str:
    """Return `text` with its `span` between ** marks (the answering words), as chat markdown shows bold."""
    if span is None or not text[span[0]:span[1]].strip():
        return text
    start, end = span
    return f"{text[:start]}**{text[start:end]}**{text[end:]}"


def render(reply: Reply, page: int = 0) -> str:
    """Render a reply (one page of it) as terminal text."""
    if reply.kind == HELP:
        return reply.text.replace("**", "")
    if reply.kind == TITLES:
        return choices_text(reply) + "\n"
    lines: list[str] = [f"({reply.understood})"] if reply.understood else []
    if reply.text:
        lines.append(reply.text)
    for quote in reply.quotes:
        cite = f" [{quote.number}]" if quote.number is not None else ""
        lines += _wrap(f"\u201c{bolded(quote.sentence, quote.bold)}\u201d{cite}", "  > ")
        if quote.number is None:
            lines.append(f"  \u2014 from {quote.title}")
    if reply.code:
        lines += ["", reply.code]
    if reply.note:
        lines.append(f"({reply.note})")
    if reply.pages > 1:
        lines.append(f"page {page + 1} of {reply.pages} (/more for the next)")
    if lines:
        lines.append("")
    for card in reply.page(page):
        lines.append(render_card(card))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
