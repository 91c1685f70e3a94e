"""The corpus database's schema: ordered migrations, applied at open time and counted in `PRAGMA user_version`."""

from __future__ import annotations

# Each entry migrates the schema from version i to i + 1; never edit a shipped entry, append.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        # `seq` keeps insertion order; `title_key` is the normalized title papers are matched on.
        # `content_digest` hashes the cleaned title and abstract: everything the index is built from.
        """CREATE TABLE papers (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            abstract TEXT NOT NULL,
            clean_title TEXT NOT NULL,
            clean_abstract TEXT NOT NULL,
            title_key TEXT NOT NULL,
            arxiv_id TEXT,
            ingested_at TEXT NOT NULL,
            authors TEXT NOT NULL,
            published TEXT,
            upvotes INTEGER,
            github_repo TEXT,
            github_stars INTEGER,
            links TEXT NOT NULL,
            content_digest TEXT NOT NULL,
            changed_at_revision INTEGER NOT NULL
        )""",
        "CREATE INDEX papers_arxiv ON papers (arxiv_id) WHERE arxiv_id IS NOT NULL",
        "CREATE INDEX papers_title_key ON papers (title_key)",
        # Every place a paper was listed, in the order it was first seen there.
        """CREATE TABLE listings (
            paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            source TEXT NOT NULL REFERENCES sources (name),
            rank INTEGER NOT NULL,
            PRIMARY KEY (paper_id, position)
        )""",
        "CREATE INDEX listings_source ON listings (source)",
        """CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            first_seen TEXT NOT NULL
        )""",
        # One row per write: what a command or feed did to the store, and when.
        """CREATE TABLE ingest_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            origin TEXT NOT NULL,
            added INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL,
            removed INTEGER NOT NULL
        )""",
        # The vectors of each paper known to be fully stored, and the digest they were made from;
        # written by the index after each vector write, checked against the vector store on open.
        """CREATE TABLE indexed (
            paper_id TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
            digest TEXT NOT NULL
        )""",
        # `revision` counts committed changes to papers, so other processes can tell they must reload.
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO meta (key, value) VALUES ('revision', '0')",
    ),
    (
        # A picture a source offers for the paper (HF daily papers); NULL where none is known,
        # which is every paper stored before this column existed.
        "ALTER TABLE papers ADD COLUMN thumbnail TEXT",
    ),
    (
        # Each paper's authors, normalized by corpus/authors.py (written with the paper, see
        # corpus/sqlite_authors.py): `name` as written, `folded` for prefixes, `key` to match on.
        # `position` is the place in the paper's author list, so position 0 is the first author.
        """CREATE TABLE paper_authors (
            paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            folded TEXT NOT NULL,
            key TEXT NOT NULL,
            PRIMARY KEY (paper_id, position)
        )""",
        "CREATE INDEX paper_authors_key ON paper_authors (key)",
        "CREATE INDEX paper_authors_folded ON paper_authors (folded)",
        # The papers stored before: the author_* functions are corpus/authors.py's, registered on
        # every store connection (corpus/sqlite_authors.py), so the backfill follows the same rule.
        """INSERT INTO paper_authors (paper_id, position, name, folded, key)
            SELECT p.id, CAST(j.key AS INTEGER), author_display(j.value), author_folded(j.value), author_key(j.value)
            FROM papers p, json_each(p.authors) j
            WHERE j.type = 'text' AND author_key(j.value) IS NOT NULL""",
    ),
    (
        # Every paper's id and content digest, read at each start to find what the index files
        # lack (corpus/sqlite_reads.py): from this index, not from the table of abstracts (a
        # 4 GB scan at a million papers; 2.5 s from the index).
        "CREATE INDEX papers_keys ON papers (id, content_digest)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
