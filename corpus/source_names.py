"""Readable names of the places papers are listed in (pages, feeds, files), for people and stats."""

from __future__ import annotations

import re

# A shipped HF papers page is named "<page number>_<16 hex digits>".
_HF_PAGE = re.compile(r"^(\d{1,4})_[0-9a-f]{16}$")


def source_label(source: str) -> str:
    """Return a listing source as a person would name it, e.g. "HF papers page 000"."""
    page = _HF_PAGE.match(source)
    if page:
        return f"HF papers page {page.group(1)}"
    kind, _, rest = source.partition(":")
    if kind == "hf-daily" and rest:
        return f"HF daily papers {rest}"
    if kind == "arxiv" and rest:
        return f"arXiv {rest}"
    return f"file {source}"
