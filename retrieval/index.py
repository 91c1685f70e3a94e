"""Build a ready HybridRetriever from papers: BM25 in memory, vectors synced with Chroma."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from corpus.paper import Paper
from retrieval.bm25 import BM25Index, BM25Params
from retrieval.bm25_files import fingerprint, load_index, save_index
from retrieval.encoder import Encoder
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.tokenize import phrases, tokenize
from retrieval.vectors import ChromaVectors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexPaths:
    """Where one corpus's index lives: both BM25 files and the Chroma directory (named by the caller)."""

    bm25_terms: Path
    bm25_phrases: Path
    vectors: Path


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


def open_retriever(
    papers: list[Paper],
    paths: IndexPaths,
    encoder: Encoder,
    config: FusionConfig = FusionConfig(),
    progress: bool = False,
) -> HybridRetriever:
    """Load or build the indexes of `papers` at `paths` and return a retriever.

    Only papers that are new or changed are embedded.
    """
    started = time.perf_counter()
    bm25, phrase_index = open_bm25(papers, paths, config.title_repeats)
    bm25_s = time.perf_counter() - started
    store = ChromaVectors(paths.vectors, encoder)
    embedded = store.sync(papers, progress=progress)
    matrix = store.load([p.id for p in papers])
    log.info(
        "index ready: %d papers, BM25 ready in %.2fs, %d papers embedded, %.1fs in all",
        len(papers), bm25_s, embedded, time.perf_counter() - started,
    )
    return HybridRetriever(papers, bm25, matrix, encoder, config, phrase_index=phrase_index)
