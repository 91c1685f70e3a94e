"""Replies -> discord.Embed: the only module that builds embeds, and it keeps Discord's limits.

`escape` and `fit` (bot/discord_app/markdown.py) are imported from here by other modules too.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.core import card_text, title_choices
from bot.core.replies import ANSWER, HELP, TITLES, Card, Quote, Reply
from bot.discord_app.markdown import escape, fit, highlighted, markdown_link, relative_time
from corpus.paper import Paper
from corpus.source_names import SHIPPED_PAGE

# Discord's limits (see ../shared/discord-notes.md). Discord counts code points, as len() does.
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
CONTENT_LIMIT = 2000
MESSAGE_EMBED_CHARS = 6000
MESSAGE_EMBEDS = 10
# Stay a little under the hard cap so rounding in our estimates can never cost a message.
EMBED_BUDGET = 5900
# A result card's byline names at most this many characters of authors.
BYLINE_AUTHORS_LIMIT = 200
# A full card's author list stops short of the field limit to say how many were left out.
_MORE_AUTHORS_ROOM = 24

FENCE = "`" * 3
# The message content's share for quoted sentences and for a code block, at most.
QUOTES_ROOM = 1400
CODE_ROOM = 1500
# A quote shorter than this says too little to be worth showing.
MIN_QUOTE = 60
COLOR = discord.Colour(card_text.SOURCE_COLOURS[SHIPPED_PAGE])
WEAK_COLOR = discord.Colour(card_text.WEAK_COLOUR)
# Snippet lengths tried, longest first, until all cards of a page fit the message budget.
SNIPPET_STEPS = (420, 320, 240, 160, 100, 60, 0)
SEP = " \u00b7 "


@dataclass(frozen=True)
class RenderedMessage:
    """One Discord message: content and embeds (continuations come as further messages)."""

    content: str | None
    embeds: tuple[discord.Embed, ...]


@dataclass(frozen=True)
class Detail:
    """How much a result card shows; cards of a crowded page show less."""

    snippet: int = SNIPPET_STEPS[0]
    listed: bool = True
    links: bool = True


# Tried in order until a page of cards fits the message: shorter snippets first, then fewer fields.
DETAIL_STEPS = (
    *(Detail(snippet=n) for n in SNIPPET_STEPS),
    Detail(snippet=0, listed=False),
    Detail(snippet=0, listed=False, links=False),
)


def _links_value(paper: Paper, *, without_code: bool = False) -> str:
    parts = []
    for link in card_text.shown_links(paper):
        if without_code and link.kind == "code":
            continue
        shown = markdown_link(link.label, link.url)
        if shown:
            parts.append(shown)
    value = SEP.join(parts)
    while len(value) > FIELD_VALUE_LIMIT and parts:
        parts.pop()
        value = SEP.join(parts)
    return value


def _title(card: Card, limit: int = TITLE_LIMIT) -> str:
    prefix = f"{card.rank}. " if card.rank is not None else ""
    return prefix + fit(card.paper.clean_title or card.paper.title, limit - len(prefix))


def _base_embed(card: Card, description: str) -> discord.Embed:
    embed = discord.Embed(
        title=_title(card),
        url=card_text.title_url(card.paper),
        description=description or None,
        colour=discord.Colour(card_text.card_colour(card)),
    )
    thumbnail = card_text.thumbnail_url(card.paper)
    if thumbnail:
        embed.set_thumbnail(url=thumbnail)
    return embed


def _add_field(embed: discord.Embed, name: str, value: str, inline: bool = True) -> None:
    # Discord rejects a field with an empty value.
    if value:
        embed.add_field(name=name, value=value, inline=inline)


def byline(paper: Paper) -> str:
    """Return a result card's first line: the first three authors, then when it was published."""
    parts = []
    authors = card_text.authors_line(paper)
    if authors:
        parts.append(fit(authors, BYLINE_AUTHORS_LIMIT))
    when = card_text.published_at(paper)
    if when is not None:
        parts.append(f"published {relative_time(when)}")
    return SEP.join(parts)


def signals(paper: Paper) -> str:
    """Return a result card's second line: upvotes and GitHub stars where known, and the code link."""
    parts = list(card_text.popularity(paper))
    code = card_text.code_url(paper)
    if code:
        parts.append(markdown_link("Code", code))
    return SEP.join(part for part in parts if part)


def snippet_description(card: Card, snippet_limit: int) -> str:
    """Return a result card's description: byline, signals, snippet with bold matches, then why it matched."""
    lines = [line for line in (byline(card.paper), signals(card.paper)) if line]
    if snippet_limit > 0 and card.sentence:
        text = card_text.snippet(card.sentence, card.matched_terms, snippet_limit)
        lines.append(highlighted(text, card.matched_terms))
    if card.why:
        label = "Why it's here" if card.reason else "Why it matched"
        lines.append(f"*{label}:* {fit(card.why, 300)}")
    return "\n".join(lines)


def result_embed(
    card: Card, snippet_limit: int = SNIPPET_STEPS[0], *, listed: bool = True, links: bool = True, size: int | None = None
) -> discord.Embed:
    """Render a search-result card: linked title, byline, signals, snippet, why, links, listings.

    With `size`, the card is cut to at most that many characters: no fields, no footer, a
    shorter title and the leading whole lines of its description (a line cut in half could
    leave markdown open).
    """
    description = snippet_description(card, snippet_limit)
    if size is not None:
        title = _title(card, min(TITLE_LIMIT, max(8, size // 2)))
        embed = _base_embed(card, _whole_lines(description, size - len(title)))
        embed.title = title
        return embed
    embed = _base_embed(card, description)
    if links:
        # The code link is already on the signals line.
        _add_field(embed, "Links", _links_value(card.paper, without_code=True))
    if listed:
        _add_field(embed, "Listed on", fit(card_text.listings_line(card.paper), FIELD_VALUE_LIMIT))
    if card.weak:
        embed.set_footer(text="Weak match: nothing in the corpus is close to your query")
    return embed


def result_embeds(cards: tuple[Card, ...], reserve: int = 0) -> list[discord.Embed]:
    """Render up to 10 result cards, showing less of each until the message fits 6000 chars.

    `reserve` characters are kept free for text the caller adds (a footer on the last card).
    """
    cards = cards[:MESSAGE_EMBEDS]
    budget = EMBED_BUDGET - reserve
    for detail in DETAIL_STEPS:
        embeds = [result_embed(card, detail.snippet, listed=detail.listed, links=detail.links) for card in cards]
        if sum(len(e) for e in embeds) <= budget:
            return embeds
    # Still too long (only possible with pathological titles, names or reasons): an equal share each.
    share = budget // max(1, len(cards))
    return [result_embed(card, 0, size=share) for card in cards]


def _whole_lines(text: str, limit: int) -> str:
    """Return the leading lines of `text` that fit in `limit` characters."""
    out = ""
    for line in text.split("\n"):
        longer = f"{out}\n{line}" if out else line
        if len(longer) > limit:
            break
        out = longer
    return out


def authors_value(paper: Paper, limit: int = FIELD_VALUE_LIMIT) -> str:
    """Return every author that fits in `limit` characters, then how many more there are."""
    # Each name shown takes at least three characters with its ", ".
    names = card_text.author_names(paper, limit // 3)
    shown: list[str] = []
    used = 0
    for name in names:
        piece = fit(name, 200)
        if used + len(piece) + 2 > limit - _MORE_AUTHORS_ROOM:
            break
        shown.append(piece)
        used += len(piece) + 2
    value = ", ".join(shown)
    more = card_text.author_count(paper) - len(shown)
    if more > 0:
        value += f" and {more:,} more"
    return value


def published_value(paper: Paper) -> str:
    """Return the full card's date: the absolute day, then Discord's relative time."""
    day = card_text.published_date(paper)
    when = card_text.published_at(paper)
    if day is None or when is None:
        return ""
    return f"{day} ({relative_time(when)})"


def full_card_messages(card: Card) -> list[list[discord.Embed]]:
    """Render a whole paper: abstract over as many embeds (and messages) as it needs."""
    paper = card.paper
    first = _base_embed(card, "")
    _add_field(first, "Authors", authors_value(paper), inline=False)
    _add_field(first, "Published", published_value(paper))
    _add_field(first, "Links", _links_value(paper))
    _add_field(first, "Listed on", fit(card_text.listings_line(paper), FIELD_VALUE_LIMIT))
    stats = SEP.join(card_text.popularity(paper))
    if stats:
        first.set_footer(text=stats)
    abstract = paper.clean_abstract or paper.abstract or "(no abstract)"
    # The first embed shares the message's 6000 characters with the fields above.
    chunk = DESCRIPTION_LIMIT - 100
    chunks = _escaped_chunks(abstract, min(chunk, EMBED_BUDGET - len(first)), chunk)
    first.description = chunks[0] or None
    embeds = [first]
    colour = first.colour
    for i, text in enumerate(chunks[1:], start=2):
        embeds.append(discord.Embed(title=f"Abstract, continued ({i}/{len(chunks)})", description=text, colour=colour))
    return _pack(embeds)


def _escaped_chunks(text: str, first_limit: int, limit: int) -> list[str]:
    """Split text into pieces whose escaped form fits (`first_limit` for the first), breaking between words."""
    out: list[str] = []
    rest = text.strip()
    while rest:
        room = max(1, first_limit if not out else limit)
        raw = card_text.split_text(rest, room)[0]
        if len(escape(raw)) > room:
            # Escaping at most doubles a character, so half the room always fits.
            raw = card_text.split_text(rest, max(1, room // 2))[0]
        out.append(escape(raw))
        rest = rest[len(raw):].lstrip()
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


def titles_embed(reply: Reply) -> discord.Embed:
    """Render the titles a typed title may mean as numbered lines, each with its authors and year."""
    lines = []
    for card in reply.cards:
        title = fit(card.paper.clean_title or card.paper.title, 200)
        detail = title_choices.choice_detail(card.paper)
        lines.append(f"**{card.rank}.** {title}" + (f" \u2014 {fit(detail, 150)}" if detail else ""))
    return discord.Embed(description=card_text.cut("\n".join(lines), DESCRIPTION_LIMIT), colour=COLOR)


def header(reply: Reply, page: int = 0) -> str:
    """Return the message content above the cards: heading, quotes, code, note, page (at most 2000 chars).

    The heading and note have fixed caps; quotes and code share what is left, so the content is
    never cut blindly (a cut could leave a code fence or our italics open).
    """
    if reply.kind == HELP:
        return ""
    head = [f"*{fit(reply.understood, 300)}*"] if reply.understood else []
    if reply.text:
        head.append(fit(reply.text, 900))
    tail = [f"*{fit(reply.note, 200)}*"] if reply.note else []
    if reply.pages > 1:
        tail.append(f"Page {page + 1} of {reply.pages}")
    room = CONTENT_LIMIT - len("\n".join(head + tail)) - 1
    middle = _quote_lines(reply.quotes, min(QUOTES_ROOM, room))
    room -= sum(len(line) + 1 for line in middle)
    code_room = min(CODE_ROOM, room - 2 * len(FENCE) - 3)
    if reply.code and code_room > 0:
        # A code block shows its text literally; only a fence inside it could end it early.
        middle.append(FENCE + "\n" + card_text.cut(reply.code.replace(FENCE, "'" * 3), code_room) + "\n" + FENCE)
    return "\n".join(head + middle + tail)


def _quote_lines(quotes: tuple[Quote, ...], room: int) -> list[str]:
    """Return the quote lines, sharing `room` characters; the last quotes go if each would be too short."""
    for count in range(len(quotes), 0, -1):
        shown = quotes[:count]
        cites = [f" **[{q.number}]**" if q.number is not None else f"\n\u2014 from *{fit(q.title, 250)}*" for q in shown]
        budget = (room - sum(len("> ") + len(cite) + 1 for cite in cites)) // count
        if budget >= MIN_QUOTE:
            return ["> " + fit(q.sentence, budget, q.bold).replace("\n", " ") + cite for q, cite in zip(shown, cites)]
    return []


def help_embed(reply: Reply) -> discord.Embed:
    """Render the help text (our own markdown, so it is not escaped)."""
    return discord.Embed(title="PaperScout", description=card_text.cut(reply.text, DESCRIPTION_LIMIT), colour=COLOR)


def render(reply: Reply, page: int = 0) -> list[RenderedMessage]:
    """Render a reply as Discord messages; the first one carries any buttons."""
    if reply.kind == HELP:
        return [RenderedMessage(content=None, embeds=(help_embed(reply),))]
    if reply.kind == TITLES:
        return [RenderedMessage(content=header(reply) or None, embeds=(titles_embed(reply),))]
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
