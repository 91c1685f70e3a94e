"""Every file PaperScout keeps under PAPERSCOUT_DATA_DIR, named in one place.

```
corpus.sqlite3            the corpus store of record (papers, listings, sources, ingest log; WAL)
corpus.json               the JSON store of earlier versions: imported once, then kept as a backup
bm25.npz                  the BM25 indexes of terms and adjacent term pairs, with the paper of each row
vectors/                  the Chroma collection of paper and window vectors (the store of record)
vectors.npz               the vectors as last written whole, mapped at start instead of reading the whole collection
vectors.segment.npz       the vectors synced since vectors.npz was written (retrieval/vector_cache.py)
vectors.check.json        the fingerprint of vectors/ as that sync left it (unchanged: Chroma is not opened)
vectors.lock              held by the one process using vectors/ at a time
state.sqlite3             the bot's state: server settings, ledger, events, subscriptions
discord-commands.sha256   hash of the slash commands last synced globally
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from retrieval.index import IndexPaths


class DataDirError(RuntimeError):
    """The data directory cannot be used; the message names it and what to do."""


@dataclass(frozen=True)
class DataDir:
    """The layout of one data directory."""

    root: Path
    # "host:port" of a Chroma server holding the vectors instead of vectors/ (CHROMA_HOST, CHROMA_PORT).
    chroma_server: str | None = None
    # Embed sentence windows besides each whole abstract (PAPERSCOUT_EMBED_WINDOWS).
    embed_windows: bool = True

    @property
    def corpus(self) -> Path:
        """Return the corpus store (SQLite)."""
        return self.root / "corpus.sqlite3"

    @property
    def legacy_corpus(self) -> Path:
        """Return the JSON corpus of earlier versions (imported once if present)."""
        return self.root / "corpus.json"

    @property
    def vectors(self) -> Path:
        """Return the Chroma directory."""
        return self.root / "vectors"

    @property
    def state(self) -> Path:
        """Return the bot's SQLite state file."""
        return self.root / "state.sqlite3"

    @property
    def command_hash(self) -> Path:
        """Return the file holding the hash of the last global command sync."""
        return self.root / "discord-commands.sha256"

    def index_paths(self) -> IndexPaths:
        """Return where the corpus's BM25 files and vectors live."""
        return IndexPaths(
            bm25=self.root / "bm25.npz",
            vectors=self.vectors,
            vectors_lock=self.root / "vectors.lock",
            vector_cache=self.root / "vectors.npz",
            vector_check=self.root / "vectors.check.json",
            chroma_server=self.chroma_server,
            with_windows=self.embed_windows,
        )

    def has_index(self) -> bool:
        """Return whether vectors were stored here before (else the first start embeds every paper)."""
        return self.vectors.exists()

    def prepare(self) -> DataDir:
        """Create the directory if needed; raise DataDirError if it is a file or cannot be created."""
        if self.root.exists() and not self.root.is_dir():
            raise DataDirError(
                f"PAPERSCOUT_DATA_DIR {self.root} is a file, not a directory; "
                "point PAPERSCOUT_DATA_DIR at a directory (it is created if missing)"
            )
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataDirError(
                f"cannot create the data directory {self.root} ({exc.strerror or exc}); "
                "point PAPERSCOUT_DATA_DIR at a writable directory"
            ) from None
        return self
