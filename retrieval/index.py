"""Build a ready HybridRetriever from papers: BM25 in memory, vectors synced with Chroma."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from corpus.paper import Paper
from retrieval.bm25 import BM25Index
from retrieval.encoder import Encoder
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.tokenize import phrases, tokenize
from retrieval.vectors import ChromaVectors

log = logging.getLogger(__name__)


def bm25_text(paper: Paper, title_repeats: int) -> str:
    """Return the text BM25 indexes: the title `title_repeats` times, then the abstract."""
    return " ".join([paper.clean_title] * title_repeats + [paper.clean_abstract])


def build_bm25(papers: list[Paper], title_repeats: int) -> tuple[BM25Index, BM25Index]:
    """Tokenize every paper; return the term index and the adjacent-pair (phrase) index."""
    docs = [tokenize(bm25_text(p, title_repeats)) for p in papers]
    return BM25Index(docs), BM25Index([phrases(d) for d in docs])


def open_retriever(
    papers: list[Paper],
    vector_dir: Path,
    encoder: Encoder,
    config: FusionConfig = FusionConfig(),
    progress: bool = False,
) -> HybridRetriever:
    """Embed what is missing, then return a retriever over `papers`."""
    started = time.perf_counter()
    bm25, phrase_index = build_bm25(papers, config.title_repeats)
    bm25_s = time.perf_counter() - started
    store = ChromaVectors(vector_dir, encoder)
    embedded = store.sync(papers, progress=progress)
    matrix = store.load([p.id for p in papers])
    log.info(
        "index ready: %d papers, BM25 built in %.2fs, %d papers embedded, %.1fs in all",
        len(papers), bm25_s, embedded, time.perf_counter() - started,
    )
    return HybridRetriever(papers, bm25, matrix, encoder, config, phrase_index=phrase_index)
