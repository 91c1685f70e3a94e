"""Searching with a whole message ("Find similar papers" on any message): which words to search for.

A message may be a pasted abstract, a link or a discussion. When it links a paper the
corpus has, the answer is the papers similar to that paper. Otherwise its words are
searched: mentions, links and markdown left out (they say nothing about the topic, and an
echoed @everyone must not look like one), cut at a sentence end within the characters a
search takes (`retrieval.query.MAX_QUERY_CHARS`), with a note saying so.

Anyone can point the menu at any message, so its text is hostile input: the asker is
admitted by the rate limit before anything is parsed, and every pattern here runs in time
linear in the text (no repetition can rescan what another start already scanned).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from dataclasses import dataclass
from typing import Sequence

from bot.core.errors import UserFacingError
from bot.core.handlers import DEFAULT_COUNT, BeforeSearch, Handlers, not_in_corpus
from bot.core.replies import Reply, Requester
from corpus.records import normalize_arxiv_id
from retrieval.query import MAX_QUERY_CHARS, join_notes

NO_TEXT = "That message has no text I can search with. Try it on a message with words in it, e.g. a pasted abstract."

# User, role and channel mentions, custom emoji, and @everyone/@here. Possessive runs: a
# failed match gives nothing back to retry.
_MENTIONS = re.compile(r"<(?:@[!&]?|#)\d++>|<a?:\w++:\d++>|@(?:everyone|here)\b")
# A masked link keeps its text; a bare link (or one in <>, which Discord does not unfurl) goes.
# Neither run may cross a "[": each start scans only up to the next one, so "[[[[..." or
# "[a](http://[a](http://..." cost one pass, not one pass per bracket.
_MASKED_LINK = re.compile(r"\[([^\[\]]*+)\]\(<?https?://[^)\s\[]*+>?\)")
_LINK = re.compile(r"<?https?://\S+")
# Emphasis, strike, spoiler, code, quote and heading marks; a run of underscores unless it is
# inside a word (jax_opt). The run is tried only from its first underscore ((?<!_)): tried
# from every underscore of "a____...b", the old `_+(?!\w)` was quadratic.
_MARKS = re.compile(r"[*~`|>#]+|(?<!\w)_+|(?<!_)_++(?!\w)")
_TOKEN_EDGES = "<>()[]{}.,;:!?'\"*_`|"
# A sentence end: where a long message is cut, unless that would drop more than half of what fits.
_SENTENCE_END = re.compile(r"[.!?](?=\s)")
# The linked papers looked up, in order: a message of a thousand ids asks for no more lookups than this.
MAX_LINKED = 3


@dataclass(frozen=True)
class MessageQuery:
    """What a message asks for: the arXiv ids it names, the words to search, and a note if they were cut."""

    arxiv_ids: tuple[str, ...]
    text: str
    note: str | None = None


def _arxiv_ids(text: str, limit: int = MAX_LINKED) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for token in text.split():
        arxiv_id = normalize_arxiv_id(token.strip(_TOKEN_EDGES))
        if arxiv_id is not None:
            found[arxiv_id] = None
            if len(found) >= limit:
                break
    return tuple(found)


def _words(text: str) -> str:
    text = _MENTIONS.sub(" ", text)
    text = _MASKED_LINK.sub(r" \1 ", text)
    text = _LINK.sub(" ", text)
    text = _MARKS.sub(" ", text)
    return " ".join(text.split())


def _cut(text: str, limit: int = MAX_QUERY_CHARS) -> tuple[str, str | None]:
    if len(text) <= limit:
        return text, None
    ends = [m.end() for m in _SENTENCE_END.finditer(text[: limit + 1]) if m.end() <= limit]
    if ends and ends[-1] >= limit // 2:
        cut = text[: ends[-1]]
    else:
        cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut, f"The message is long; I searched with its first {len(cut)} characters."


def message_query(content: str, embed_texts: Sequence[str] = ()) -> MessageQuery:
    """Return what to search for in a message's content and the text of its embeds (a link's preview)."""
    arxiv_ids = _arxiv_ids(content)
    words = _words(" ".join([content, *embed_texts]))
    text, note = _cut(words)
    return MessageQuery(arxiv_ids, text, note)


async def search_message(
    handlers: Handlers,
    who: Requester,
    content: str,
    embed_texts: Sequence[str] = (),
    *,
    before_search: BeforeSearch | None = None,
) -> Reply:
    """Return the papers similar to a paper the message links to, else those its words find (answered privately)."""
    # Admitted before the message is read: reading it is work an over-eager user must not get free.
    handlers.admit(who)
    query = message_query(content, embed_texts)
    retriever = handlers.index.current
    for arxiv_id in query.arxiv_ids:
        paper = await asyncio.to_thread(retriever.find_arxiv, arxiv_id)
        if paper is not None:
            return await handlers.similar(
                who, paper.id, DEFAULT_COUNT, before_search=before_search, admitted=True, private=True
            )
    if not any(ch.isalnum() for ch in query.text):
        # A link to a paper we lack says more than "no text".
        raise UserFacingError(not_in_corpus(query.arxiv_ids[0]) if query.arxiv_ids else NO_TEXT)
    reply = await handlers.find(
        who, query.text, DEFAULT_COUNT, before_search=before_search, admitted=True, private=True
    )
    return dataclasses.replace(reply, note=join_notes(query.note, reply.note))
