"""Sentence splitting and the overlapping sentence windows that are embedded per paper."""

from __future__ import annotations

import re

# A sentence ends at . ! ? followed by space and an uppercase letter, digit or quote; common
# abbreviations ("e.g.", "et al.", "i.e.", "vs.", "Fig.") do not end one.
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|et al|vs|cf|Fig|Eq|Sec|resp|approx|w\.r\.t))\.$", re.IGNORECASE)
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")

WINDOW = 3
STRIDE = 2


def split_sentences(text: str) -> list[str]:
    """Return the sentences of `text`, trimmed and non-empty."""
    parts = _BOUNDARY.split(text.strip())
    sentences: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        # Only a sentence's last characters can hold the abbreviation (the longest is 7): searching
        # the whole of every sentence was most of the time a card's snippet took.
        if sentences and _ABBREV.search(sentences[-1][-16:]):
            sentences[-1] = f"{sentences[-1]} {part}"
        else:
            sentences.append(part)
    return sentences


def windows(title: str, abstract: str) -> list[str]:
    """Return "title. s1 s2 s3" windows sliding over the abstract's sentences.

    The whole-text embedding is truncated by the model at 256 word pieces and blurs long
    abstracts; windows let one well-matching passage count on its own. Abstracts of up to
    three sentences need no window: the whole text already covers them.
    """
    sentences = split_sentences(abstract)
    if len(sentences) <= WINDOW:
        return []
    out = []
    for start in range(0, len(sentences) - WINDOW + STRIDE, STRIDE):
        chunk = sentences[start:start + WINDOW]
        if start > 0 and len(chunk) < 2:
            break
        out.append(f"{title}. " + " ".join(chunk))
    return out
