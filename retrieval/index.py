"""Build a ready HybridRetriever from papers: BM25 in memory, vectors reconciled with Chroma under its lock."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from corpus.paper import Paper
from retrieval.bm25 import BM25Index, BM25Params
from retrieval.bm25_files import fingerprint, load_index, save_index
from retrieval.encoder import Encoder
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.tokenize import phrases, tokenize
from retrieval.vector_lock import vector_lock
from retrieval.vectors import ChromaVectors, ReconcileReport, drop_server_collection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexPaths:
    """Where one corpus's index lives: both BM25 files and the Chroma directory (named by the caller)."""

    bm25_terms: Path
    bm25_phrases: Path
    vectors: Path
    # Held by whichever process uses the vector store (see vector_lock.py).
    vectors_lock: Path
    # "host:port" of a Chroma server to use instead of the directory `vectors`.
    chroma_server: str | None = None


@dataclass(frozen=True)
class OpenedIndex:
    """A ready retriever and what reconciling its vectors did."""

    retriever: HybridRetriever
    report: ReconcileReport


def bm25_text(paper: Paper, title_repeats: int) -> str:
    """Return the text BM25 indexes: the title `title_repeats` times, then the abstract."""
    return " ".join([paper.clean_title] * title_repeats + [paper.clean_abstract])


def build_bm25(papers: list[Paper], title_repeats: int) -> tuple[BM25Index, BM25Index]:
    """Tokenize every paper; return the term index and the adjacent-pair (phrase) index."""
    docs = [tokenize(bm25_text(p, title_repeats)) for p in papers]
    return BM25Index(docs), BM25Index([phrases(d) for d in docs])


def open_bm25(papers: list[Paper], paths: IndexPaths, title_repeats: int) -> tuple[BM25Index, BM25Index]:
    """Load both BM25 indexes from their files if they match `papers`, else build and store them."""
    params = BM25Params()
    stamp = fingerprint([f"{p.id}\x1f{bm25_text(p, title_repeats)}" for p in papers], params)
    terms_path, phrases_path = paths.bm25_terms, paths.bm25_phrases
    terms = load_index(terms_path, stamp, params)
    pairs = load_index(phrases_path, stamp, params) if terms is not None else None
    if terms is not None and pairs is not None:
        return terms, pairs
    terms, pairs = build_bm25(papers, title_repeats)
    save_index(terms, terms_path, stamp)
    save_index(pairs, phrases_path, stamp)
    return terms, pairs


def open_index(
    papers: Sequence[Paper] | Callable[[], Sequence[Paper]],
    paths: IndexPaths,
    encoder: Encoder,
    config: FusionConfig = FusionConfig(),
    *,
    progress: bool = False,
    on_indexed: Callable[[dict[str, str]], None] | None = None,
    on_reconciled: Callable[[ReconcileReport], None] | None = None,
    lock_wait: float | None = None,
    on_lock_wait: Callable[[], None] | None = None,
) -> OpenedIndex:
    """Load or build the indexes of `papers` at `paths`: vectors reconciled, BM25 from its files.

    Only papers whose vectors are missing, partial or stale are embedded, and vectors of
    papers not in `papers` are removed. The vector store is used only while holding its
    lock (`lock_wait` seconds at most; VectorLockBusy after that). Give `papers` as a
    function to read them from a shared store once the lock is held: a list read before
    could miss papers another process committed and embedded meanwhile, and their vectors
    would be taken for those of removed papers.
    """
    started = time.perf_counter()
    with vector_lock(paths.vectors_lock, lock_wait, on_lock_wait):
        papers = list(papers() if callable(papers) else papers)
        with ChromaVectors(paths.vectors, encoder, paths.chroma_server) as store:
            report = store.reconcile(papers, progress=progress, on_indexed=on_indexed)
            if on_reconciled is not None:
                # Still under the lock: no other process can change the vectors before this hears of them.
                on_reconciled(report)
            matrix = store.load(papers)
    vectors_s = time.perf_counter() - started
    bm25, phrase_index = open_bm25(papers, paths, config.title_repeats)
    log.info(
        "index ready: %d papers, %d embedded, vectors ready in %.2fs, %.1fs in all",
        len(papers), len(report.embedded), vectors_s, time.perf_counter() - started,
    )
    retriever = HybridRetriever(papers, bm25, matrix, encoder, config, phrase_index=phrase_index)
    return OpenedIndex(retriever, report)


def open_retriever(papers: list[Paper], paths: IndexPaths, encoder: Encoder, config: FusionConfig = FusionConfig(), progress: bool = False) -> HybridRetriever:
    """Return a ready retriever over `papers` (open_index without its report)."""
    return open_index(papers, paths, encoder, config, progress=progress).retriever


def set_aside_vectors(paths: IndexPaths, lock_wait: float | None = None) -> Path | None:
    """Move the vector store aside (kept for inspection), under its lock; return where, or None if absent.

    On a Chroma server there is no directory to move: the collection is dropped instead.
    """
    with vector_lock(paths.vectors_lock, lock_wait):
        if paths.chroma_server is not None:
            drop_server_collection(paths.chroma_server)
            return None
        if not paths.vectors.exists():
            return None
        target = paths.vectors.with_name(f"{paths.vectors.name}.set-aside-{time.strftime('%Y%m%d-%H%M%S')}")
        paths.vectors.rename(target)
        return target
