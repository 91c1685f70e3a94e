"""Open a ready HybridRetriever over papers: BM25 and vectors brought up to date by difference, under the vector lock."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence, Union

from corpus.failpoints import crash_point
from corpus.paper import Paper
from retrieval.bm25 import BM25Params
from retrieval.bm25_files import load_lexical, save_lexical, stamp_of, stored_rows
from retrieval.encoder import Encoder
from retrieval.fusion import FusionConfig
from retrieval.hybrid import HybridRetriever
from retrieval.lexical import LexicalIndex, update_lexical
from retrieval.paper_rows import ListSource, PaperRows, PaperSource
from retrieval.segments import difference, folds
from retrieval.vector_cache import segment_path
from retrieval.vector_lock import vector_lock
from retrieval.vector_sync import sync_vectors
from retrieval.vectors import ChromaVectors, ReconcileReport, drop_server_collection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexPaths:
    """Where one corpus's index lives (named by the caller), and how its vectors are made."""

    bm25: Path
    vectors: Path
    # Held by whichever process uses the vector store (see vector_lock.py).
    vectors_lock: Path
    # The last synced vectors as one matrix, so a start reads a file instead of the whole store,
    # and the fingerprint of the vector files that sync left (unchanged: Chroma is not opened).
    vector_cache: Path
    vector_check: Path
    # "host:port" of a Chroma server to use instead of the directory `vectors`.
    chroma_server: str | None = None
    # Embed sentence windows besides the whole text (see docs/operating.md, "Scaling out").
    with_windows: bool = True


@dataclass(frozen=True)
class OpenedIndex:
    """A ready retriever and what reconciling its vectors did."""

    retriever: HybridRetriever
    report: ReconcileReport


def open_lexical(
    keys: Mapping[str, str], fetch: Callable[[Sequence[str]], Sequence[Paper]], path: Path, title_repeats: int,
    start: LexicalIndex | None = None, compact: bool = False,
) -> LexicalIndex:
    """Return the BM25 indexes of the papers `keys` names (id -> content digest), the stored ones brought up to date by difference.

    `fetch` reads the papers the index lacks. Given `start` (the index being served), that is
    brought up to date instead of the file. The file is written again only when the difference
    from it passes segments.folds (each open finds a smaller one again, tokenizing only those
    papers), and always when `compact`.
    """
    params = BM25Params()
    stamp = stamp_of(params, title_repeats)
    served = start is not None and start.params == params
    stored = start if served else load_lexical(path, stamp, params)
    update = update_lexical(stored, keys, fetch, title_repeats)
    if update.changed:
        log.info("BM25 index: %d papers added, %d dropped", update.added, update.dropped)
    if stored is not None and not (update.changed or compact):
        return update.index
    index = update.index
    # How many rows the file lacks or holds stale (None: no usable file).
    pending = None if stored is None else _pending(index, stored_rows(path, stamp)) if served else update.added + update.dropped
    if pending is None or compact or (pending and folds(pending, len(index.row_ids))):
        save_lexical(index, path, stamp)
        crash_point("bm25-written")
    return index


def _pending(index: LexicalIndex, on_disk: dict[str, str] | None) -> int | None:
    """Return how large the difference between `index` and the file's rows `on_disk` is, counted as the vector cache counts it."""
    if on_disk is None:
        return None
    rows, gone = difference(index.row_ids, index.row_digests, on_disk)
    return len(rows) + len(gone)


Papers = Union[PaperSource, Sequence[Paper]]


def open_index(
    papers: Papers | Callable[[], Papers],
    paths: IndexPaths,
    encoder: Encoder,
    config: FusionConfig = FusionConfig(),
    *,
    progress: bool = False,
    on_indexed: Callable[[dict[str, str]], None] | None = None,
    on_reconciled: Callable[[ReconcileReport], None] | None = None,
    lock_wait: float | None = None,
    on_lock_wait: Callable[[], None] | None = None,
    previous: HybridRetriever | None = None,
    compact: bool = False,
) -> OpenedIndex:
    """Load or build the indexes of `papers` at `paths`: vectors reconciled, BM25 from its files.

    `papers` is where they are kept (the corpus store: only their ids and content digests are
    read here, and the papers the index files lack) or a list of them. Only papers whose
    vectors are missing, partial or stale are embedded, and vectors of papers not in `papers`
    are removed. The vector store is used only while holding its lock (`lock_wait` seconds at
    most; VectorLockBusy after that). Give `papers` as a function to read them from a shared
    store once the lock is held: ids read before could miss papers another process committed
    and embedded meanwhile, and their vectors would be taken for those of removed papers.

    A process that serves `previous` while building its successor passes it: an unchanged
    BM25 index is then shared rather than read again.
    """
    started = time.perf_counter()
    with vector_lock(paths.vectors_lock, lock_wait, on_lock_wait):
        source = _source(papers() if callable(papers) else papers)
        keys = source.keys()
        lexical = open_lexical(keys, source.fetch, paths.bm25, config.title_repeats, previous.lexical if previous else None, compact)
        del keys
        # Rows follow the lexical index (kept papers in their old order, new ones after them).
        rows = PaperRows(source, lexical.row_ids)
        with ChromaVectors(paths.vectors, encoder, paths.chroma_server, with_windows=paths.with_windows) as store:
            report, matrix = sync_vectors(
                store, rows, lexical.row_digests, paths.vector_cache, paths.vector_check,
                progress=progress, on_indexed=on_indexed, compact=compact,
            )
            if on_reconciled is not None:
                # Still under the lock: no other process can change the vectors before this hears of them.
                on_reconciled(report)
    log.info(
        "index ready: %d papers, %d embedded, %.1fs in all", len(rows), len(report.embedded), time.perf_counter() - started,
    )
    retriever = HybridRetriever(rows, lexical, matrix, encoder, config)
    return OpenedIndex(retriever, report)


def _source(papers: Papers) -> PaperSource:
    """Return where `papers` are kept: the store as it is, a list wrapped as one."""
    if callable(getattr(papers, "keys", None)) and callable(getattr(papers, "fetch", None)):
        return papers  # type: ignore[return-value]
    return ListSource(list(papers))  # type: ignore[arg-type]


def open_retriever(papers: Papers, paths: IndexPaths, encoder: Encoder, config: FusionConfig = FusionConfig(), progress: bool = False) -> HybridRetriever:
    """Return a ready retriever over `papers` (open_index without its report)."""
    return open_index(papers, paths, encoder, config, progress=progress).retriever


def set_aside_vectors(paths: IndexPaths, lock_wait: float | None = None) -> Path | None:
    """Move the vector store aside (kept for inspection), under its lock; return where, or None if absent.

    On a Chroma server there is no directory to move: the collection is dropped instead.
    """
    with vector_lock(paths.vectors_lock, lock_wait):
        if paths.chroma_server is not None:
            paths.vector_cache.unlink(missing_ok=True)
            paths.vector_check.unlink(missing_ok=True)
            drop_server_collection(paths.chroma_server)
            return None
        for derived in (paths.vector_cache, segment_path(paths.vector_cache), paths.vector_check):
            derived.unlink(missing_ok=True)
        if not paths.vectors.exists():
            return None
        target = paths.vectors.with_name(f"{paths.vectors.name}.set-aside-{time.strftime('%Y%m%d-%H%M%S')}")
        paths.vectors.rename(target)
        return target
