"""Open the corpus store and its index in a data directory: shared by the CLI and the bot."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.datadir import DataDir
from corpus.ingest import open_corpus
from corpus.store import CorpusStore
from retrieval.encoder import Encoder, MiniLMEncoder
from retrieval.hybrid import HybridRetriever
from retrieval.index import open_retriever

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The domain objects a front end (CLI, console, bot) works with."""

    data_dir: DataDir
    store: CorpusStore
    retriever: HybridRetriever
    encoder: Encoder


def open_services(
    data_dir: DataDir, encoder: Encoder | None = None, progress: bool = False, store: CorpusStore | None = None
) -> Services:
    """Open (building on first use) the corpus and its index in `data_dir`.

    A caller that already holds the corpus store (after an ingest) passes it as `store`.
    """
    data_dir.prepare()
    encoder = encoder or MiniLMEncoder()
    store = store if store is not None else open_corpus(data_dir.corpus)
    retriever = open_retriever(store.papers(), data_dir.index_paths(), encoder, progress=progress)
    return Services(data_dir=data_dir, store=store, retriever=retriever, encoder=encoder)
