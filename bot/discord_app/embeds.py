"""Replies -> discord.Embed: the only module that builds embeds, and it keeps Discord's limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bot.core import card_text
from bot.core.replies import ANSWER, HELP, Card, Reply

# Discord's limits (see ../shared/discord-notes.md).
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
CONTENT_LIMIT = 2000
MESSAGE_EMBED_CHARS = 6000
MESSAGE_EMBEDS = 10
# Stay a little under the hard cap so rounding in our estimates can never cost a message.
EMBED_BUDGET = 5900

FENCE = "`" * 3
COLOR = discord.Colour(0x5865F2)
WEAK_COLOR = discord.Colour(0x99AAB5)
# Snippet lengths tried, longest first, until all cards of a page fit the message budget.
SNIPPET_STEPS = (420, 320, 240, 160, 100, 60, 0)
_LEADING_MARKDOWN = re.compile(r"^(\s*)([#>\-*+])(?=\s)", re.MULTILINE)
_LEADING_NUMBER = re.compile(r"^(\s*\d+)\.(?=\s)", re.MULTILINE)


@dataclass(frozen=True)
class RenderedMessage:
    """One Discord message: content and embeds (continuations come as further messages)."""

    content: str | None
    embeds: tuple[discord.Embed, ...]


def escape(text: str) -> str:
    """Escape Discord markdown so paper or user text shows literally and cannot break a card."""
    escaped = discord.utils.escape_markdown(text, ignore_links=False)
    # Headings, quotes and list markers at a line start are markdown too.
    escaped = _LEADING_MARKDOWN.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    return _LEADING_NUMBER.sub(lambda m: m.group(1) + "\\.", escaped)


def fit(text: str, limit: int) -> str:
    """Escape `text`, then cut it at a word so the escaped form fits `limit`."""
    escaped = escape(text)
    while len(escaped) > limit:
        # Escapes add characters: cut the raw text shorter until the escaped text fits.
        text = card_text.cut(text, max(1, len(text) - (len(escaped) - limit) - 1))
        escaped = escape(text)
    return escaped


def highlighted(text: str, terms: tuple[str, ...]) -> str:
    """Escape `text` and put the words matching `terms` in bold."""
    return "".join(f"**{escape(piece)}**" if hit else escape(piece) for piece, hit in card_text.highlight(text, terms))


def _links_value(card: Card) -> str:
    parts = []
    for link in card_text.shown_links(card.paper):
        url = link.url.replace(")", "%29").replace(" ", "%20")
        parts.append(f"[{escape(link.label)}]({url})")
    value = " \u00b7 ".join(parts)
    while len(value) > FIELD_VALUE_LIMIT and parts:
        parts.pop()
        value = " \u00b7 ".join(parts)
    return value


def _title(card: Card) -> str:
    prefix = f"{card.rank}. " if card.rank is not None else ""
    return prefix + fit(card.paper.clean_title or card.paper.title, TITLE_LIMIT - len(prefix))


def _base_embed(card: Card, description: str) -> discord.Embed:
    embed = discord.Embed(
        title=_title(card),
        url=card_text.title_url(card.paper),
        description=description or None,
        colour=WEAK_COLOR if card.weak else COLOR,
    )
    return embed


def _add_meta_fields(embed: discord.Embed, card: Card) -> None:
    links = _links_value(card)
    if links:
        embed.add_field(name="Links", value=links, inline=True)
    listed = card_text.listings_line(card.paper)
    if listed:
        embed.add_field(name="Listed on", value=fit(listed, FIELD_VALUE_LIMIT), inline=True)


def snippet_description(card: Card, snippet_limit: int) -> str:
    """Return a result card's description: snippet with bold matches, then why it matched."""
    lines = []
    if snippet_limit > 0 and card.sentence:
        text = card_text.snippet(card.sentence, card.matched_terms, snippet_limit)
        lines.append(highlighted(text, card.matched_terms))
    if card.why:
        label = "Why it's here" if card.reason else "Why it matched"
        lines.append(f"*{label}:* {fit(card.why, 300)}")
    return "\n".join(lines)


def result_embed(card: Card, snippet_limit: int = SNIPPET_STEPS[0]) -> discord.Embed:
    """Render a search-result card: linked title, snippet, why, links, listings."""
    embed = _base_embed(card, snippet_description(card, snippet_limit))
    _add_meta_fields(embed, card)
    if card.weak:
        embed.set_footer(text="Weak match: nothing in the corpus is close to your query")
    return embed


def result_embeds(cards: tuple[Card, ...]) -> list[discord.Embed]:
    """Render up to 10 result cards, shortening snippets until the message fits 6000 chars."""
    cards = cards[:MESSAGE_EMBEDS]
    embeds: list[discord.Embed] = []
    for limit in SNIPPET_STEPS:
        embeds = [result_embed(card, limit) for card in cards]
        if sum(len(e) for e in embeds) <= EMBED_BUDGET:
            return embeds
    # Still too long (only possible with pathological titles): drop the side fields too.
    for embed in embeds:
        embed.clear_fields()
    return embeds


def full_card_messages(card: Card) -> list[list[discord.Embed]]:
    """Render a whole paper: abstract over as many embeds (and messages) as it needs."""
    abstract = card.paper.clean_abstract or card.paper.abstract or "(no abstract)"
    chunks = _escaped_chunks(abstract, DESCRIPTION_LIMIT - 100)
    first = _base_embed(card, chunks[0])
    paper = card.paper
    if paper.authors:
        first.add_field(name="Authors", value=fit(", ".join(paper.authors), FIELD_VALUE_LIMIT), inline=False)
    if paper.published:
        first.add_field(name="Published", value=fit(paper.published, 100), inline=True)
    _add_meta_fields(first, card)
    stats = []
    if paper.upvotes is not None:
        stats.append(f"{paper.upvotes} upvotes")
    if paper.github_stars is not None:
        stats.append(f"{paper.github_stars} GitHub stars")
    if stats:
        first.set_footer(text=" \u00b7 ".join(stats))
    embeds = [first]
    for i, chunk in enumerate(chunks[1:], start=2):
        embeds.append(discord.Embed(title=f"Abstract, continued ({i}/{len(chunks)})", description=chunk, colour=COLOR))
    return _pack(embeds)


def _escaped_chunks(text: str, limit: int) -> list[str]:
    """Split text into pieces whose escaped form fits `limit`, breaking between words."""
    out: list[str] = []
    # Escaping at most doubles a character, so raw chunks of limit/2 always fit; try larger first.
    for raw in card_text.split_text(text, limit):
        escaped = escape(raw)
        if len(escaped) <= limit:
            out.append(escaped)
        else:
            out.extend(escape(piece) for piece in card_text.split_text(raw, limit // 2))
    return out or [""]


def _pack(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages of at most 10 embeds and 6000 characters."""
    messages: list[list[discord.Embed]] = [[]]
    used = 0
    for embed in embeds:
        size = len(embed)
        if messages[-1] and (used + size > EMBED_BUDGET or len(messages[-1]) >= MESSAGE_EMBEDS):
            messages.append([])
            used = 0
        messages[-1].append(embed)
        used += size
    return messages


def header(reply: Reply, page: int = 0) -> str:
    """Return the message content above the cards: heading, note, page."""
    if reply.kind == HELP:
        return ""
    lines = [f"*{fit(reply.understood, 300)}*"] if reply.understood else []
    lines.append(fit(reply.text, 900))
    budget = 1400 // max(1, len(reply.quotes))
    for quote in reply.quotes:
        cite = f" **[{quote.number}]**" if quote.number is not None else f"\n\u2014 from *{fit(quote.title, 250)}*"
        lines.append("> " + fit(quote.sentence, budget).replace("\n", " ") + cite)
    if reply.code:
        # A code block shows its text literally; only a fence inside it could end it early.
        lines.append(FENCE + "\n" + card_text.cut(reply.code.replace(FENCE, "'" * 3), 1500) + "\n" + FENCE)
    if reply.note:
        lines.append(f"*{fit(reply.note, 200)}*")
    if reply.pages > 1:
        lines.append(f"Page {page + 1} of {reply.pages}")
    return card_text.cut("\n".join(lines), CONTENT_LIMIT)


def help_embed(reply: Reply) -> discord.Embed:
    """Render the help text (our own markdown, so it is not escaped)."""
    return discord.Embed(title="PaperScout", description=card_text.cut(reply.text, DESCRIPTION_LIMIT), colour=COLOR)


def render(reply: Reply, page: int = 0) -> list[RenderedMessage]:
    """Render a reply as Discord messages; the first one carries any buttons."""
    if reply.kind == HELP:
        return [RenderedMessage(content=None, embeds=(help_embed(reply),))]
    cards = reply.page(page)
    if len(cards) == 1 and cards[0].full:
        messages = full_card_messages(cards[0])
        rendered = [RenderedMessage(content=header(reply, page) or None, embeds=tuple(messages[0]))]
        rendered += [RenderedMessage(content=None, embeds=tuple(m)) for m in messages[1:]]
        return rendered
    content = header(reply, page) or None
    if reply.kind == ANSWER and not cards:
        return [RenderedMessage(content=content, embeds=())]
    return [RenderedMessage(content=content, embeds=tuple(result_embeds(cards)))]
