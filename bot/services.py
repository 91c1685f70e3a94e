"""Wire the corpus store and the retriever from settings: shared by the CLI and the bot."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from corpus.ingest import open_corpus
from corpus.store import CorpusStore
from retrieval.encoder import Encoder, MiniLMEncoder
from retrieval.hybrid import HybridRetriever
from retrieval.index import open_retriever

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The domain objects a front end (CLI, console, bot) works with."""

    store: CorpusStore
    retriever: HybridRetriever
    encoder: Encoder


def corpus_path(data_dir: Path) -> Path:
    """Return where the corpus store lives in a data dir."""
    return Path(data_dir) / "corpus.json"


def open_services(
    data_dir: Path, encoder: Encoder | None = None, progress: bool = False, store: CorpusStore | None = None
) -> Services:
    """Open (building on first use) the corpus and its index under `data_dir`.

    A caller that already holds the corpus store (after an ingest) passes it as `store`.
    """
    encoder = encoder or MiniLMEncoder()
    store = store if store is not None else open_corpus(corpus_path(data_dir))
    retriever = open_retriever(store.papers(), data_dir, encoder, progress=progress)
    return Services(store=store, retriever=retriever, encoder=encoder)
