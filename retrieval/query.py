"""Turning what a person typed into a searchable query, or a message saying why it cannot be one."""

from __future__ import annotations

import re
import unicodedata

from retrieval.types import QueryError

MAX_QUERY_CHARS = 500
# The most results one search returns.
MAX_RESULTS = 100


def clean_query(raw: str) -> tuple[str, str | None]:
    """Return a searchable query and a note for the user, or raise QueryError."""
    if raw is None:
        raise QueryError("Type a few words to search for, e.g. `implicit differentiation`.")
    text = unicodedata.normalize("NFC", str(raw))
    # Control characters and zero-width marks carry no meaning and confuse tokenization.
    text = "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"} else ch for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QueryError("Type a few words to search for, e.g. `implicit differentiation`.")
    note = None
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUERY_CHARS]
        note = f"Your query was long; only its first {len(cut)} characters were searched."
        text = cut
    if not any(ch.isalnum() for ch in text):
        raise QueryError("That query has no words to search for. Try a topic, e.g. `optimal transport`.")
    return text, note


def clamp_count(asked: int, low: int, high: int, noun: str = "results") -> tuple[int, str | None]:
    """Return `asked` brought within low..high, and a note for the user when it had to be.

    A count out of range is served rather than refused (the nearest allowed one), but said:
    a silent change makes the answer look wrong.
    """
    count = max(low, min(int(asked), high))
    if count == asked:
        return count, None
    bound = "most" if count == high else "fewest"
    return count, f"You asked for {asked} {noun}; showing {count}, the {bound} allowed ({low}-{high})."


def join_notes(*notes: str | None) -> str | None:
    """Return the notes that are there as one, or None when there are none."""
    return " ".join(n for n in notes if n) or None
