"""Answers in threads, independent of Discord: which mentions open a thread, what it is called, why not.

A server that chose threads (`/config answers thread`) gets its answers to questions in a thread
started from the question. Only a question opens one: a follow-up ("more", "only with code"), a
pasted paper or a bare mention is answered where it was asked, since it continues or needs no
discussion. The rest (permissions, posting, falling back) is the Discord front end's.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import date

from bot.core.card_text import cut
from bot.core.followups import NEW_TOPIC, QUESTION, parse_followup
from bot.core.replies import Reply
from corpus.records import normalize_arxiv_id
from retrieval.query import join_notes

# Discord's limit on a channel's (and so a thread's) name.
THREAD_NAME_LIMIT = 100
DEFAULT_THREAD_NAME = "PaperScout answer"

# Why an answer came as a reply although the server chose threads: one line under the answer.
NO_THREAD_PERMISSION = (
    "I answered here: opening a thread needs my Create Public Threads and Send Messages in Threads "
    "permissions in this channel."
)
THREAD_NOT_OPENED = "I answered here: Discord did not let me open a thread for this question."
THREAD_GONE = "I answered here: the thread was archived, locked or deleted before I could post in it."

# Mention syntax (users, roles, channels, slash commands) and mass pings: a name shows them as typed.
_MENTION_SYNTAX = re.compile(r"<(?:@[!&]?|#|/[^:>]{1,64}:)\d+>")
_MASS_PING = re.compile(r"@(everyone|here)\b", re.IGNORECASE)


def opens_thread(question: str, today: date) -> bool:
    """Return whether a mention's text asks anew, so its answer opens a thread where threads are chosen."""
    text = question.strip()
    if not text or normalize_arxiv_id(text) is not None:
        return False
    return parse_followup(text, today).kind in (QUESTION, NEW_TOPIC)


def thread_name(question: str) -> str:
    """Return a thread's name from the question: one plain line, no mention syntax, at most 100 characters."""
    text = _MENTION_SYNTAX.sub(" ", question)
    # Control and format characters (newlines, bidi overrides, zero-width joiners) have no place in a name.
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    # Names never ping, but a copied "@everyone" should not read as one either.
    text = _MASS_PING.sub(lambda m: m.group(1), text)
    text = " ".join(text.split())
    return cut(text, THREAD_NAME_LIMIT) or DEFAULT_THREAD_NAME


def noted(reply: Reply, reason: str | None) -> Reply:
    """Return the reply with the line saying why it is not in a thread (if any) under it."""
    return dataclasses.replace(reply, note=join_notes(reply.note, reason)) if reason else reply
