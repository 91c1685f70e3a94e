"""Discord markdown of the cards: escaping paper and user text, links, timestamps."""

from __future__ import annotations

import re
from datetime import datetime

from bot.core import card_text
from corpus.urls import web_url

# A link whose URL is longer is left out: it would eat a card's budget, and no real page needs it.
LINK_URL_LIMIT = 512
# Characters that open markdown anywhere: emphasis, code, strike, spoilers, masked links ("["),
# and mentions, channels, custom emoji and timestamps ("<"); the backslash itself too.
_INLINE_MARKDOWN = re.compile(r"([\\*_`~|\[<])")
# Headings ("#", "##", "-#"), quotes and list markers are markdown only at a line start. The
# indent is spaces within the line ("[^\S\n]", not "\s"): "\s*" ran on across every newline of a
# blank run from each of its line starts, quadratic in the run's length.
_LEADING_MARKDOWN = re.compile(r"^([^\S\n]*)([#>\-+])", re.MULTILINE)
_LEADING_NUMBER = re.compile(r"^([^\S\n]*\d+)\.(?=\s)", re.MULTILINE)
# Inside a link's URL these end it early (")", whitespace) or break out of it ("<", ">", brackets,
# backslash, backtick): percent-encoded, they lead to the same page. "(" only ends a link with a
# ")", always encoded: left as is, it keeps URLs readable.
_URL_BREAKERS = re.compile(r"[\s)<>\[\]\\`]")


def escape(text: str) -> str:
    """Escape Discord markdown so paper or user text shows literally and cannot break a card."""
    # Not discord.utils.escape_markdown: it escapes a "[...](...)" span by its first bracket only,
    # and its greedy pattern swallows everything between two links on a line, unescaped.
    escaped = _INLINE_MARKDOWN.sub(r"\\\1", text)
    escaped = _LEADING_MARKDOWN.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    return _LEADING_NUMBER.sub(lambda m: m.group(1) + "\\.", escaped)


def emphasized(text: str, bold: tuple[int, int] | None) -> str:
    """Escape `text` and put its characters [start, end) in bold (a span past a cut is clipped to it)."""
    if bold is None:
        return escape(text)
    # A cut text ends in an ellipsis that the span never covers.
    body = len(text) - 1 if text.endswith(card_text.ELLIPSIS) else len(text)
    start, end = max(0, bold[0]), min(bold[1], body)
    if start >= end or not text[start:end].strip():
        return escape(text)
    return escape(text[:start]) + "**" + escape(text[start:end]) + "**" + escape(text[end:])


def fit(text: str, limit: int, bold: tuple[int, int] | None = None) -> str:
    """Escape `text` (its `bold` span in bold), then cut it at a word so the result fits `limit`."""
    rendered = emphasized(text, bold)
    if len(rendered) <= limit:
        return rendered
    # Escapes add characters, as many as the text has markdown: find the longest cut of the
    # raw text whose escaped form fits (a fixed guess would cut markdown-heavy text to nothing).
    best = card_text.cut(text, min(1, limit))
    low, high = 2, min(len(text), limit)
    while low <= high:
        middle = (low + high) // 2
        candidate = emphasized(card_text.cut(text, middle), bold)
        if len(candidate) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def highlighted(text: str, terms: tuple[str, ...]) -> str:
    """Escape `text` and put the words matching `terms` in bold."""
    return "".join(f"**{escape(piece)}**" if hit else escape(piece) for piece, hit in card_text.highlight(text, terms))


def markdown_link(label: str, url: str) -> str:
    """Return `[label](url)`, label escaped and URL encoded; "" for a URL too long or not a web address."""
    encoded = _URL_BREAKERS.sub(lambda m: _percent(m.group(0)), url.strip())
    if len(encoded) > LINK_URL_LIMIT or web_url(encoded) is None:
        return ""
    return f"[{link_label(label)}]({encoded})"


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def link_label(label: str) -> str:
    """Return a link's text as one escaped line with no brackets, so it can neither end the link nor open another."""
    # A "]" (escaped or not) can end the label early in some renderers; parentheses read the same.
    flat = " ".join(label.split()).replace("[", "(").replace("]", ")")
    return escape(flat)


def relative_time(when: datetime) -> str:
    """Return Discord's timestamp markup that each reader sees as "3 days ago" in their own locale."""
    return f"<t:{int(when.timestamp())}:R>"
