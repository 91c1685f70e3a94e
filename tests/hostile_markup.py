"""A checker for live markup in rendered cards, and the hostile feed text it is run against.

"PWN" marks hostile text, so the checker can tell it from our own formatting (a card's bold
matched words, its italic "Why it matched", an answer's "**[1]**" citations).
"""

from __future__ import annotations

import re

import discord

from corpus.urls import web_url

# Every way feed text could open markup: emphasis, code, spoilers, strikes, masked links,
# mentions (user, role, channel, everyone), timestamps, escapes, and line-start markup after
# newlines.
INLINE = (
    "@everyone @here <@123> <@!123> <@&456> <#789> </find:1> <t:0:R> **PWNbold** __PWNunder__ _PWNital_ "
    "`PWNcode` ```PWNfence``` ||PWNspoil|| ~~PWNstrike~~ [PWNlink](https://evil.example/x) "
    "[arXiv PDF](https://evil.example/paper.pdf) ) ] ( [ \\*PWNesc\\* "
)
LINES = "\n# PWNhead\n## PWNhead2\n-# PWNsub\n> PWNquote\n>>> PWNquotes\n- PWNitem\n* PWNstar\n+ PWNplus\n1. PWNone\n"
HOSTILE = INLINE + LINES + INLINE
# A githubRepo that passes an http(s) prefix check and then shows bold text and a spoofed PDF link.
SPOOF_REPO = "https://github.com/a/b\n**PWNrepo** [arXiv PDF](https://evil.example/x.pdf)"
EVIL_AUTHOR = "[x](http://evil)"

OUR_LABELS = {
    "arXiv", "PDF", "HF paper page", "Code", "Project page",
    "Search arXiv for this title", "Search HF Papers for this title",
}
_LINK_AT = re.compile(r"\[([^\[\]\n]*)\]\(([^)\s]*)\)")
_OUR_CITATION = re.compile(r" \*\*\[\d+\]\*\*")
_OUR_TIMESTAMP = re.compile(r"<t:-?\d+:[RD]>")
_LINE_MARKUP = re.compile(r"[^\S\n]*(#{1,3} |-# |>>> |> |[-+*] |\d+\. )")
_MASS_MENTION = re.compile(r"@(everyone|here)")


def _escaped(text: str, i: int) -> bool:
    slashes = 0
    while i - slashes - 1 >= 0 and text[i - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


def live_markup(text: str | None, *, own_lines: tuple[str, ...] = (), mentions_parse: bool = False) -> list[str]:
    """Return what in rendered `text` is live markup not of our making (empty when it is all safe).

    `own_lines` are line prefixes we write ourselves (a quote's "> ", the daily post's "-# ").
    `mentions_parse` says whether Discord would turn "@everyone" into a mention: never in an
    embed, and not in content sent with allowed_mentions none, as all of ours is (the client's
    default; tests/bot/test_discord_e2e.py and test_subscriptions_e2e.py check it on the wire).
    "<@123>" shows as a mention even so: it must be escaped, whatever the setting.
    """
    if not text:
        return []
    problems: list[str] = []
    # An answer cites its cards as " **[1]**": our brackets, not a link.
    text = _OUR_CITATION.sub(" CITE", text)
    # 1. Masked links: every unescaped "[" must open one of ours, to a URL that passes the check.
    plain, i = [], 0
    while i < len(text):
        if text[i] == "[" and not _escaped(text, i):
            match = _LINK_AT.match(text, i)
            if match is None:
                problems.append(f"unescaped '[' that opens no link of ours: {text[i:i + 60]!r}")
            else:
                label, url = match.groups()
                if label not in OUR_LABELS:
                    problems.append(f"link labelled {label!r} by someone else: {match.group(0)[:80]!r}")
                if web_url(url) != url:
                    problems.append(f"link to an unchecked URL: {url[:80]!r}")
                plain.append("LINK")
                i = match.end()
                continue
        plain.append(text[i])
        i += 1
    rest = _OUR_TIMESTAMP.sub("TIME", "".join(plain))
    # 2. Characters that open markup or a mention anywhere.
    for char in "_`|~<":
        if any(c == char and not _escaped(rest, j) for j, c in enumerate(rest)):
            problems.append(f"unescaped {char!r}")
    # 3. Emphasis: our stars pair up, and none comes from hostile text ("**PWNbold**").
    stars = [j for j, c in enumerate(rest) if c == "*" and not _escaped(rest, j)]
    if len(stars) % 2:
        problems.append("an odd number of unescaped '*'")
    if any(rest.startswith("PWN", j + 1) for j in stars):
        problems.append("a hostile '*' opens emphasis")
    # 4. Markup that counts only at a line start: headings, subtext, quotes, lists.
    for line in rest.split("\n"):
        if _LINE_MARKUP.match(line) and not line.startswith(own_lines):
            problems.append(f"line-start markup: {line[:60]!r}")
    if mentions_parse and _MASS_MENTION.search(rest):
        problems.append("@everyone/@here would be parsed")
    return problems


def links_in(text: str) -> list[tuple[str, str]]:
    """Return the (label, URL) of every live masked link in rendered `text`."""
    return [
        (m.group(1), m.group(2))
        for i, c in enumerate(text)
        if c == "[" and not _escaped(text, i) and (m := _LINK_AT.match(text, i))
    ]


def message_markup(content: str | None, embeds: tuple[discord.Embed, ...] | list[discord.Embed], *, own_lines: tuple[str, ...] = ()) -> list[str]:
    """Return the live markup found anywhere in a message: content, titles, descriptions, fields, footers."""
    found = live_markup(content, own_lines=own_lines)
    for embed in embeds:
        # Embeds render markdown in the description and field values, some in titles; mentions never parse.
        # A result card's title starts with its rank ("3. "), ours.
        found += live_markup(re.sub(r"^\d+\. ", "", embed.title or ""))
        for part in (embed.description, *(f.value for f in embed.fields), *(f.name for f in embed.fields)):
            found += live_markup(part)
        for url in (embed.url, embed.thumbnail.url):
            if url is not None and web_url(url) != url:
                found.append(f"embed URL that fails the check: {url[:80]!r}")
    return found
