"""How papers become rows of the corpus database and back, and how that database is opened."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from corpus.paper import Link, Listing, Paper
from corpus.store import CorpusError

COLUMNS = (
    "id, title, abstract, clean_title, clean_abstract, ingested_at, arxiv_id, authors, published, "
    "upvotes, github_repo, github_stars, links, thumbnail"
)
# How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 60.0


def row_values(paper: Paper) -> tuple:
    """Return a paper's values in COLUMNS order (lists as JSON)."""
    return (
        paper.id, paper.title, paper.abstract, paper.clean_title, paper.clean_abstract, paper.ingested_at,
        paper.arxiv_id, json.dumps(list(paper.authors)), paper.published, paper.upvotes, paper.github_repo,
        paper.github_stars, json.dumps([asdict(link) for link in paper.links]), paper.thumbnail,
    )


def paper_from_row(row: tuple, listings: tuple[Listing, ...]) -> Paper:
    """Return the paper of a row read in COLUMNS order, with its listings."""
    # Empty lists skip the JSON parser: most papers have no links, and reading 87k papers is on every start.
    links = () if row[12] == "[]" else tuple(Link(**link) for link in json.loads(row[12]))
    title, abstract = row[1], row[2]
    # Most cleaned texts equal the parsed ones: keep one string, not two (75 MB of 431 at 87k papers).
    clean_title = title if row[3] == title else row[3]
    clean_abstract = abstract if row[4] == abstract else row[4]
    return Paper(
        id=row[0], title=title, abstract=abstract, clean_title=clean_title, clean_abstract=clean_abstract, ingested_at=row[5],
        arxiv_id=row[6], authors=() if row[7] == "[]" else tuple(json.loads(row[7])), published=row[8],
        upvotes=row[9], github_repo=row[10], github_stars=row[11], links=links, listings=listings, thumbnail=row[13],
    )


def failer(path: Path) -> Callable[[str], CorpusError]:
    """Return a maker of the one-line error for a store that cannot be used."""

    def fail(reason: str) -> CorpusError:
        return CorpusError(
            f"cannot use the corpus store {path}: {reason}. It was left untouched; "
            "restore it from a backup, or move it away to rebuild the corpus from the shipped pages"
        )

    return fail


def connect(target: str, fail: Callable[[str], CorpusError], uri: bool = False) -> sqlite3.Connection:
    """Open a connection with explicit transactions, foreign keys on, and a long busy timeout."""
    try:
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S, uri=uri)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn
    except sqlite3.Error as exc:
        raise fail(str(exc)) from exc
