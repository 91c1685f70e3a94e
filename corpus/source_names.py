"""Readable names of the places papers are listed in (pages, feeds, files), for people and stats."""

from __future__ import annotations

import re

# A shipped HF papers page is named "<page number>_<16 hex digits>".
_HF_PAGE = re.compile(r"^(\d{1,4})_[0-9a-f]{16}$")

# The kinds of place a listing comes from; cards take their colour from it.
SHIPPED_PAGE = "page"
HF_DAILY = "hf-daily"
ARXIV = "arxiv"
FILE = "file"


def source_kind(source: str) -> str:
    """Return which kind of place a listing source is: a shipped page, a feed, or an operator's file."""
    if _HF_PAGE.match(source):
        return SHIPPED_PAGE
    kind, _, rest = source.partition(":")
    if kind in (HF_DAILY, ARXIV) and rest:
        return kind
    # Ingested JSONL files and pages are named after the file.
    return FILE


def source_label(source: str) -> str:
    """Return a listing source as a person would name it, e.g. "HF papers page 000"."""
    page = _HF_PAGE.match(source)
    if page:
        return f"HF papers page {page.group(1)}"
    kind = source_kind(source)
    rest = source.partition(":")[2]
    if kind == HF_DAILY:
        return f"HF daily papers {rest}"
    if kind == ARXIV:
        return f"arXiv {rest}"
    return f"file {source}"
