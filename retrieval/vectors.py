"""Paper embeddings persisted in a Chroma collection, embedded once and reused.

Each paper has one vector for "title. abstract" and a few for sentence windows. Every
record carries a hash of the text it embeds, so only new or changed papers are embedded;
the collection's metadata names the model and the embedding-text version, and a change of
either re-embeds everything.

Search runs exactly over the vectors held in memory (a matrix product): at 87k papers it
is milliseconds, and fusion needs the dense score of every BM25 candidate too, which an
approximate nearest-neighbour query would not give.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from corpus.paper import Paper
from retrieval.encoder import Encoder
from retrieval.sentences import STRIDE, WINDOW, windows

log = logging.getLogger(__name__)

# Bump when what gets embedded changes (text layout, window size): everything re-embeds.
TEXT_VERSION = f"title-abstract+windows{WINDOW}s{STRIDE}-v1"
COLLECTION = "paper_vectors"
_BATCH = 2000


class VectorStoreError(RuntimeError):
    """The vector store on disk cannot be opened."""


@dataclass(frozen=True)
class VectorMatrix:
    """Vectors in memory: one doc row per paper, and window rows with their paper's row."""

    doc: np.ndarray
    windows: np.ndarray
    window_owner: np.ndarray


def _texts_of(paper: Paper) -> list[str]:
    return [paper.text, *windows(paper.clean_title, paper.clean_abstract)]


def _digest(texts: list[str]) -> str:
    return hashlib.sha1("\x1f".join(texts).encode("utf-8")).hexdigest()


class ChromaVectors:
    """The embeddings of a corpus, persisted in Chroma under `path`."""

    def __init__(self, path: Path, encoder: Encoder) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.encoder = encoder
        self.path = Path(path)
        try:
            self._client = chromadb.PersistentClient(
                path=str(self.path),
                settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True),
            )
            self._collection = self._open_collection()
        except Exception as exc:  # Chroma raises many kinds on a damaged directory
            raise self._damaged("open", exc) from exc

    def _damaged(self, doing: str, exc: Exception) -> VectorStoreError:
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        return VectorStoreError(
            f"cannot {doing} the vector store at {self.path} ({exc.__class__.__name__}: {first_line}); "
            "delete that directory to rebuild it"
        )

    @contextlib.contextmanager
    def _chroma(self, doing: str) -> Iterator[None]:
        """Turn any error Chroma raises while `doing` into one VectorStoreError naming the directory."""
        try:
            yield
        except VectorStoreError:
            raise
        except Exception as exc:
            raise self._damaged(doing, exc) from exc

    def _open_collection(self):
        signature = {"model": self.encoder.name, "text_version": TEXT_VERSION}
        names = {c.name if hasattr(c, "name") else c for c in self._client.list_collections()}
        if COLLECTION in names:
            collection = self._client.get_collection(COLLECTION, embedding_function=None)
            meta = collection.metadata or {}
            if {k: meta.get(k) for k in signature} == signature:
                return collection
            log.info("embedding model or text changed (%s -> %s): re-embedding everything", meta, signature)
            self._client.delete_collection(COLLECTION)
        # embedding_function=None: Chroma must never load its own default model (it downloads).
        return self._client.create_collection(
            COLLECTION,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata=signature,
        )

    def _stored(self) -> dict[str, str]:
        """Return paper id -> digest of what is stored for it."""
        with self._chroma("read"):
            got = self._collection.get(where={"kind": "doc"}, include=["metadatas"])
        return {m["paper_id"]: m["digest"] for m in got["metadatas"]}

    def sync(self, papers: list[Paper], progress: bool = False) -> int:
        """Embed papers that are new or changed, drop vectors of papers gone; return how many were embedded."""
        stored = self._stored()
        wanted = {p.id for p in papers}
        gone = [pid for pid in stored if pid not in wanted]
        todo: list[tuple[Paper, list[str], str]] = []
        for paper in papers:
            texts = _texts_of(paper)
            digest = _digest(texts)
            if stored.get(paper.id) != digest:
                todo.append((paper, texts, digest))
        with self._chroma("update"):
            for pid in gone + [p.id for p, _, _ in todo if p.id in stored]:
                self._collection.delete(where={"paper_id": pid})
        if not todo:
            return 0
        flat = [(paper, i, text, digest) for paper, texts, digest in todo for i, text in enumerate(texts)]
        log.info("embedding %d papers (%d texts)", len(todo), len(flat))
        vectors = self.encoder.encode([text for _, _, text, _ in flat], progress=progress)
        for start in range(0, len(flat), _BATCH):
            chunk = flat[start:start + _BATCH]
            with self._chroma("write"):
                self._collection.upsert(
                    ids=[f"{paper.id}#{'doc' if i == 0 else f'w{i}'}" for paper, i, _, _ in chunk],
                    embeddings=vectors[start:start + len(chunk)],
                    metadatas=[
                        {"paper_id": paper.id, "kind": "doc" if i == 0 else "window", "digest": digest}
                        for paper, i, _, digest in chunk
                    ],
                )
        return len(todo)

    def load(self, paper_ids: Iterable[str]) -> VectorMatrix:
        """Return the stored vectors aligned with `paper_ids` (row i = paper_ids[i])."""
        row = {pid: i for i, pid in enumerate(paper_ids)}
        with self._chroma("read"):
            got = self._collection.get(include=["embeddings", "metadatas"])
        dim = 384
        doc = np.zeros((len(row), dim), dtype=np.float32)
        win_vecs: list[np.ndarray] = []
        owners: list[int] = []
        have = np.zeros(len(row), dtype=bool)
        embeddings = got["embeddings"]
        for emb, meta in zip(embeddings if embeddings is not None else [], got["metadatas"]):
            r = row.get(meta["paper_id"])
            if r is None:
                continue
            if meta["kind"] == "doc":
                doc[r] = emb
                have[r] = True
            else:
                win_vecs.append(np.asarray(emb, dtype=np.float32))
                owners.append(r)
        missing = int((~have).sum())
        if missing:
            raise VectorStoreError(f"{missing} papers have no stored vector; the index must be synced first")
        win = np.vstack(win_vecs) if win_vecs else np.zeros((0, dim), dtype=np.float32)
        return VectorMatrix(doc=doc, windows=win, window_owner=np.asarray(owners, dtype=np.int64))

    def close(self) -> None:
        """Release the client's resources."""
        # Chroma's embedded client has no public close; dropping references lets it release.
        self._collection = None
        self._client = None
