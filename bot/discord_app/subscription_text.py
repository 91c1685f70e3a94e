"""The /subscriptions list: a member's topics and followed authors, and in a server its channel ones."""

from __future__ import annotations

from typing import Mapping

from bot.core import card_text
from bot.discord_app import embeds
from bot.state.feedback import Tally
from bot.state.subscriptions import AUTHOR, Subscription

PAUSED_WHY = "paused: I couldn't DM you (your DMs are closed to me)"
LISTED_TOPIC_CHARS = 80
LIST_BUDGET = embeds.CONTENT_LIMIT - 100


def shown_topic(topic: str, limit: int = 150) -> str:
    """Return a topic quoted and escaped for a message (mentions never ping: allowed_mentions none)."""
    return f"\u201c{embeds.fit(' '.join(topic.split()), limit)}\u201d"


def _since(sub: Subscription) -> str:
    return sub.created_at[:10]


def _what(sub: Subscription) -> str:
    shown = shown_topic(sub.topic, LISTED_TOPIC_CHARS)
    return f"papers by {shown}" if sub.kind == AUTHOR else shown


def _learned(tally: Tally | None) -> str:
    if tally is None or tally.empty:
        return ""
    return (
        f" \u2014 learning from {len(tally.liked)} \N{THUMBS UP SIGN} and {len(tally.disliked)} \N{THUMBS DOWN SIGN}"
        " (`/subscription reset` forgets them)"
    )


def personal_line(sub: Subscription, tally: Tally | None = None) -> str:
    """Return one personal subscription or follow as a list line."""
    line = f"\u2022 {_what(sub)} \u2014 by DM, since {_since(sub)}{_learned(tally)}"
    if sub.paused:
        again = "`/follow` the same author" if sub.kind == AUTHOR else "`/subscribe` the same topic"
        line += f" \u2014 \u23f8 **{PAUSED_WHY}**. Open your DMs, then {again} to resume."
    return line


def channel_line(sub: Subscription, tally: Tally | None = None) -> str:
    """Return one channel subscription or follow as a list line."""
    line = f"\u2022 {_what(sub)} \u2192 <#{sub.channel_id}>, since {_since(sub)}{_learned(tally)}"
    if sub.paused:
        line += " \u2014 \u23f8 **paused**"
    return line


def describe_subscriptions(
    personal: list[Subscription], server: list[Subscription] | None, tallies: Mapping[int, Tally] | None = None
) -> str:
    """Return the /subscriptions answer: personal ones, then (in a server) the server's channel ones."""
    tallies = tallies or {}
    sections: list[tuple[str, list[str]]] = []
    if personal:
        lines = [personal_line(s, tallies.get(s.id)) for s in personal]
        sections.append(("**Your subscriptions** (new papers by DM, once a day)", lines))
    if server:
        sections.append(("**This server's channel subscriptions**", [channel_line(s, tallies.get(s.id)) for s in server]))
    if not sections:
        text = (
            "You have no subscriptions. Start one with `/subscribe topic:graph neural networks`"
            " or `/follow author:Marco Cuturi`"
        )
        if server is not None:
            text += " (add `channel` to post into a channel, with Manage Server)"
        return text + "."
    out: list[str] = []
    used = 0
    total = sum(len(lines) for _, lines in sections)
    shown = 0
    for title, lines in sections:
        if used + len(title) + 1 > LIST_BUDGET:
            break
        out.append(title)
        used += len(title) + 1
        for line in lines:
            if used + len(line) + 1 > LIST_BUDGET:
                break
            out.append(line)
            used += len(line) + 1
            shown += 1
    if shown < total:
        out.append(f"\u2026and {total - shown} more.")
    out.append("Remove one with `/unsubscribe` (or `/unfollow`).")
    return card_text.cut("\n".join(out), embeds.CONTENT_LIMIT)
