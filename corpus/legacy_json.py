"""Reading the corpus.json store of earlier versions, imported once into the SQLite store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corpus.paper import Link, Listing, Paper

FORMAT_VERSION = 1


class LegacyCorpusError(ValueError):
    """The old corpus.json cannot be read; the message says why."""


def _paper(data: dict[str, Any]) -> Paper:
    return Paper(
        **{
            **data,
            "links": tuple(Link(**link) for link in data.get("links", ())),
            "listings": tuple(Listing(**listing) for listing in data.get("listings", ())),
            "authors": tuple(data.get("authors", ())),
        }
    )


def read_legacy_corpus(path: Path) -> list[Paper]:
    """Return the papers of an old corpus.json; raise LegacyCorpusError if it is damaged or unknown."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT_VERSION:
            raise LegacyCorpusError(f"unknown corpus format {doc.get('format') if isinstance(doc, dict) else None!r}")
        return [_paper(item) for item in doc["papers"]]
    except LegacyCorpusError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LegacyCorpusError(f"unreadable or corrupt ({exc.__class__.__name__})") from exc
