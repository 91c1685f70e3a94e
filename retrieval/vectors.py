"""Paper embeddings persisted in a Chroma collection, reconciled with the papers they belong to.

Each paper has one vector for "title. abstract" and a few for sentence windows. Every
record carries the paper id and a digest of all the texts embedded for that paper, so a
reconcile can tell, from the store itself, which papers are complete, which are missing,
partial (a crash between writes) or stale (changed text), and which are gone. The
collection's metadata names the model and the embedding-text version; a change of either
re-embeds everything.

Reads are paged or targeted by ids, never "everything at once": Chroma's SQLite backend
refuses a query with more variables than SQLite allows (about 32k rows). Search runs on
vectors in memory, from the cache file rather than Chroma whenever it can (vector_sync.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np

from corpus.failpoints import crash_point
from corpus.paper import Paper
from retrieval.encoder import Encoder
from retrieval.paper_rows import PaperRows
from retrieval.progress import ProgressBar
from retrieval.sentences import STRIDE, WINDOW, windows
from retrieval.shipped_vectors import shipped_vectors
from retrieval.vector_matrix import VectorMatrix

log = logging.getLogger(__name__)

# Bump when what gets embedded changes (text layout, window size): everything re-embeds.
TEXT_VERSION = f"title-abstract+windows{WINDOW}s{STRIDE}-v1"
# Without sentence windows (for large corpora, see docs/operating.md "Scaling out"): one vector a paper.
DOC_ONLY_VERSION = "title-abstract-v1"
COLLECTION = "paper_vectors"
# Records per Chroma read or delete: well under SQLite's variable limit.
PAGE = 2000
# Papers embedded and written together; a crash loses at most this many papers' work.
CHUNK = 32
# Papers written together when their vectors are known already (shipped or supplied): larger writes are faster.
READY_CHUNK = 1024
# Chroma graphs every vector (HNSW) but is only read back by id here (search runs on our matrix), so the
# graph is built cheaply: 20,000 upserts took 6.2 s, 22.8 s with Chroma's defaults (ef 100, 16 neighbours).
HNSW = {"space": "cosine", "ef_construction": 10, "max_neighbors": 4}
REPAIR_HINT = "run `paperscout reindex` to rebuild the vectors from the corpus store"


class VectorStoreError(RuntimeError):
    """The vector store on disk cannot be used; the message names it and the command that repairs it."""


@dataclass(frozen=True)
class ReconcileReport:
    """What a reconcile did: papers embedded (new, or repaired), vectors of gone papers removed."""

    embedded: tuple[str, ...] = ()
    repaired: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    complete: Mapping[str, str] = field(default_factory=dict)
    # Found as the cache left them, Chroma not opened: the store's marks need no follow-up.
    untouched: bool = False


def chroma_client(path: Path, server: str | None = None):
    """Return a Chroma client: embedded in `path`, or talking to the server at "host:port"."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if server is None:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    host, _, port = server.rpartition(":")
    return chromadb.HttpClient(host=host, port=int(port), settings=settings)


def drop_server_collection(server: str) -> None:
    """Delete the paper vectors on a Chroma server (for a full rebuild)."""
    client = chroma_client(Path("."), server)
    try:
        if COLLECTION in {c.name if hasattr(c, "name") else c for c in client.list_collections()}:
            client.delete_collection(COLLECTION)
    finally:
        client.close()


def texts_of(paper: Paper, with_windows: bool = True) -> list[str]:
    """Return what is embedded for a paper: the whole text, then (unless turned off) its sentence windows."""
    return [paper.text, *windows(paper.clean_title, paper.clean_abstract)] if with_windows else [paper.text]


def vector_digest(texts: Sequence[str]) -> str:
    """Return the digest every vector record of a paper carries: of all its embedded texts."""
    return hashlib.sha1("\x1f".join(texts).encode("utf-8")).hexdigest()


def record_ids(paper_id: str, count: int) -> list[str]:
    """Return the Chroma ids of a paper's `count` vectors (the doc vector first)."""
    return [f"{paper_id}#doc", *(f"{paper_id}#w{i}" for i in range(1, count))]


class ChromaVectors:
    """The embeddings of a corpus in Chroma under `path`; open it only while holding the vector lock."""

    def __init__(self, path: Path, encoder: Encoder, server: str | None = None, *, with_windows: bool = True, shipped: bool = True) -> None:
        self.encoder = encoder
        self.use_shipped = shipped  # take the shipped papers' vectors from shipped_vectors.npz, not the model
        self.path = Path(path)
        self.with_windows = with_windows
        # Model and embedded-text layout: stored vectors of another signature are re-embedded.
        self.signature = {"model": encoder.name, "text_version": TEXT_VERSION if with_windows else DOC_ONLY_VERSION}
        # Named in error messages: the directory, or the server.
        self.where = f"the Chroma server {server}" if server else f"the vector store at {self.path}"
        self.server = server
        # Connected on first use: a start whose cache matches the files never imports Chroma (see vector_sync.py).
        self._client = None
        self._store = None

    @property
    def _collection(self):
        if self._client is None:
            self._connect()
        return self._store

    def _connect(self) -> None:
        try:
            with self._chroma("open"):
                self._client = chroma_client(self.path, self.server)
                self._store = self._open_collection()
        except VectorStoreError:
            # Chroma caches a client's system per path, half-built ones too: forget it, so the next
            # open of this path (e.g. after `reindex` set the damaged directory aside) starts clean.
            from chromadb.api.shared_system_client import SharedSystemClient

            self.close()
            SharedSystemClient.clear_system_cache()
            raise

    def fingerprint(self) -> str | None:
        """Return a digest of the vector directory's files (names, sizes, times); None on a server.

        Any write by any process, and even opening a client, changes it: take it after `close`.
        """
        if self.server is not None:
            return None
        files = sorted(p for p in self.path.rglob("*") if p.is_file()) if self.path.exists() else []
        listing = [(str(p.relative_to(self.path)), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
        return hashlib.sha1(repr(listing).encode()).hexdigest()

    def __enter__(self) -> ChromaVectors:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client, so the next open (in this or another process) reads the files afresh."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
        self._client = self._store = None

    @contextlib.contextmanager
    def _chroma(self, doing: str) -> Iterator[None]:
        """Turn any error Chroma raises while `doing` into one VectorStoreError naming the directory."""
        try:
            yield
        except VectorStoreError:
            raise
        except Exception as exc:  # Chroma raises many kinds on a damaged directory
            first_line = (str(exc).strip().splitlines() or [""])[0][:200]
            raise VectorStoreError(
                f"cannot {doing} {self.where} ({exc.__class__.__name__}: {first_line}); {REPAIR_HINT}"
            ) from exc

    def _open_collection(self):
        signature = self.signature
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
            COLLECTION, embedding_function=None, configuration={"hnsw": HNSW}, metadata=signature
        )

    def clear(self) -> None:
        """Drop every vector (for a full rebuild)."""
        with self._chroma("clear"):
            if self._client is None:
                self._connect()
            self._client.delete_collection(COLLECTION)
            self._store = self._open_collection()

    def stored(self) -> dict[str, dict[str, list[str]]]:
        """Return paper id -> digest -> record ids, read page by page."""
        out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        offset = 0
        while True:
            with self._chroma("read"):
                got = self._collection.get(include=["metadatas"], limit=PAGE, offset=offset)
            ids = got["ids"]
            for record_id, meta in zip(ids, got["metadatas"] or [{}] * len(ids)):
                meta = meta or {}
                out[record_id.rpartition("#")[0]][str(meta.get("digest", ""))].append(record_id)
            if len(ids) < PAGE:
                return out
            offset += len(ids)

    def texts(self, paper: Paper) -> list[str]:
        """Return what this store embeds for `paper`."""
        return texts_of(paper, self.with_windows)

    def count(self) -> int:
        """Return how many vector records the store holds."""
        with self._chroma("read"):
            return int(self._collection.count())

    def delete(self, ids: list[str]) -> None:
        """Delete these records (ids that are not there are ignored)."""
        for start in range(0, len(ids), PAGE):
            with self._chroma("update"):
                self._collection.delete(ids=ids[start:start + PAGE])

    def reconcile(
        self, papers: Sequence[Paper], *,
        progress: bool = False,
        on_indexed: Callable[[dict[str, str]], None] | None = None,
    ) -> tuple[ReconcileReport, dict[str, np.ndarray]]:
        """Make the store hold exactly the complete, current vectors of `papers`; embed only what is missing.

        A paper is complete when all its records carry its current digest and their number
        is its number of texts. Anything else of it is deleted and re-embedded. Vectors of
        papers not in `papers` are deleted. Work is written in chunks, so an interrupted
        reconcile resumes where it stopped; `on_indexed` hears of each chunk once written.
        Returns the report and the vectors just embedded, by paper id.
        """
        stored = self.stored()
        complete: dict[str, str] = {}
        todo: list[tuple[Paper, list[str], str]] = []
        stale_ids: list[str] = []
        repaired: list[str] = []
        for paper in papers:
            texts = self.texts(paper)
            digest = vector_digest(texts)
            have = stored.pop(paper.id, {})
            if set(have) == {digest} and len(have[digest]) == len(texts):
                complete[paper.id] = digest
                continue
            if have:
                repaired.append(paper.id)
                stale_ids += [rid for rids in have.values() for rid in rids]
            todo.append((paper, texts, digest))
        gone = sorted(stored)
        self.delete(stale_ids + [rid for pid in gone for rids in stored[pid].values() for rid in rids])
        fresh: dict[str, np.ndarray] = {}
        if todo:
            log.info("embedding %d papers (%d repaired), removing the vectors of %d gone", len(todo), len(repaired), len(gone))
            fresh = self.embed(todo, progress, complete, on_indexed)
        return ReconcileReport(tuple(p.id for p, _, _ in todo), tuple(repaired), tuple(gone), complete), fresh

    def embed(self, todo: list[tuple[Paper, list[str], str]], progress: bool, complete: dict[str, str],
              on_indexed: Callable[[dict[str, str]], None] | None) -> dict[str, np.ndarray]:
        """Write (paper, texts, digest) items chunk by chunk, shipped vectors as they are, others embedded; return them."""
        out: dict[str, np.ndarray] = {}
        # stderr: stdout may be a command's result (JSON) that a script reads.
        stream = sys.stderr if progress else None
        known = shipped_vectors(self.signature, todo) if self.use_shipped else {}
        if known and stream is not None:
            print(f"Using the shipped vectors for {len(known)} papers (none embedded).", file=stream, flush=True)
        # Vectors supplied with a corpus (the benchmark's PrecomputedEncoder) are written as shipped ones are.
        known |= getattr(self.encoder, "supplied", lambda items: {})(todo)
        log.info("using the shipped or supplied vectors of %d papers", len(known))
        ready, todo = [t for t in todo if t[0].id in known], [t for t in todo if t[0].id not in known]
        for chunk in (ready[i:i + READY_CHUNK] for i in range(0, len(ready), READY_CHUNK)):
            self._write(chunk, np.concatenate([known[paper.id] for paper, _, _ in chunk]), out, complete, on_indexed)
        with ProgressBar("Embedding papers", len(todo), "papers", stream if todo else None) as bar:
            for start in range(0, len(todo), CHUNK):
                chunk = todo[start:start + CHUNK]
                vectors = self.encoder.encode([text for _, texts, _ in chunk for text in texts])
                crash_point("embedding")
                self._write(chunk, vectors, out, complete, on_indexed)
                bar.advance(len(chunk))
        return out

    def _write(self, chunk: list[tuple[Paper, list[str], str]], vectors: np.ndarray, out: dict[str, np.ndarray],
               complete: dict[str, str], on_indexed: Callable[[dict[str, str]], None] | None) -> None:
        """Write a chunk's vectors (rows in the order of its papers' texts) and record it as indexed."""
        flat = [(paper, i, digest) for paper, texts, digest in chunk for i in range(len(texts))]
        with self._chroma("write"):
            self._collection.upsert(
                ids=[f"{paper.id}#{'doc' if i == 0 else f'w{i}'}" for paper, i, _ in flat],
                embeddings=vectors,
                # The digest alone: paper and kind are in the record id. Each metadata key is indexed
                # by Chroma; three keys made 20,000 writes take 8.4 s, one 4.8 s (records written
                # before this have all three, and read the same).
                metadatas=[{"digest": digest} for _, _, digest in flat],
            )
        crash_point("vectors-written")
        at = 0
        for paper, texts, _ in chunk:
            out[paper.id] = vectors[at:at + len(texts)]
            at += len(texts)
        written = {paper.id: digest for paper, _, digest in chunk}
        complete.update(written)
        if on_indexed is not None:
            on_indexed(written)

    def fetch(self, papers: Sequence[Paper]) -> dict[str, np.ndarray]:
        """Return the stored vectors of those `papers` whose records are all there with their current digest."""
        wanted: dict[str, tuple[str, int]] = {}
        ids: list[str] = []
        for paper in papers:
            texts = self.texts(paper)
            wanted[paper.id] = (vector_digest(texts), len(texts))
            ids += record_ids(paper.id, len(texts))
        found: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
        for start in range(0, len(ids), PAGE):
            with self._chroma("read"):
                got = self._collection.get(ids=ids[start:start + PAGE], include=["embeddings", "metadatas"])
            embeddings = got["embeddings"] if got["embeddings"] is not None else []
            for record_id, emb, meta in zip(got["ids"], embeddings, got["metadatas"] or [{}] * len(got["ids"])):
                paper_id, _, kind = record_id.rpartition("#")
                if paper_id in wanted and (meta or {}).get("digest") == wanted[paper_id][0]:
                    found[paper_id][0 if kind == "doc" else int(kind[1:])] = np.asarray(emb, dtype=np.float32)
        return {
            pid: np.stack([rows[i] for i in range(wanted[pid][1])])
            for pid, rows in found.items() if len(rows) == wanted[pid][1]
        }

    def load(self, papers: PaperRows, known: Mapping[str, np.ndarray] | None = None) -> VectorMatrix:
        """Return the vectors of `papers` (row i = papers[i]): those in `known`, the others read from the store."""
        known = dict(known or {})
        # By id: only the papers missing from `known` are read (a million after a full embed would take a minute).
        known.update(self.fetch(papers.papers([pid for pid in papers.ids if pid not in known], keep=False)))
        absent = sum(1 for pid in papers.ids if pid not in known)
        if absent:
            raise VectorStoreError(f"{absent} papers have no stored vector in {self.where}; {REPAIR_HINT}")
        return VectorMatrix.from_rows([known[pid] for pid in papers.ids])
