"""Open the corpus store and its index in a data directory: shared by the CLI and the bot."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from bot.datadir import DataDir
from corpus.ingest import open_corpus
from corpus.store import CorpusStore
from retrieval.encoder import Encoder, MiniLMEncoder
from retrieval.hybrid import HybridRetriever
from retrieval.index import open_index
from retrieval.vectors import ReconcileReport, texts_of, vector_digest

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The domain objects a front end (CLI, console, bot) works with."""

    data_dir: DataDir
    store: CorpusStore
    retriever: HybridRetriever
    encoder: Encoder
    report: ReconcileReport
    # The store's revision the retriever was built from.
    revision: int


def open_store(data_dir: DataDir, *, readonly: bool = False) -> CorpusStore:
    """Open the corpus store (importing an old corpus.json once; seeding the shipped pages unless read-only)."""
    if not readonly:
        data_dir.prepare()
    return open_corpus(data_dir.corpus, legacy_json=data_dir.legacy_corpus, readonly=readonly)


def _say(text: str) -> None:
    """Tell the operator what a slow step is doing (stderr: stdout may be a command's result)."""
    print(text, file=sys.stderr, flush=True)


def _say_waiting() -> None:
    _say("waiting for another PaperScout process that is writing the vectors...")


def build_index(
    data_dir: DataDir,
    store: CorpusStore,
    encoder: Encoder,
    *,
    progress: bool = False,
    lock_wait: float | None = None,
    previous: HybridRetriever | None = None,
    compact: bool = False,
) -> tuple[HybridRetriever, ReconcileReport, int]:
    """Reconcile the vectors with the store's papers and return a retriever, its report and revision.

    A process rebuilding the index it serves passes that as `previous` (see open_index).
    """
    revision = 0

    def papers() -> CorpusStore:
        # Read once the vector lock is held (see open_index); the revision first, so it never overstates.
        nonlocal revision
        revision = store.revision()
        return store

    def follow(report: ReconcileReport) -> None:
        # The store's record of what is indexed follows what the vector store was found to hold
        # (unless found as the last sync left it: reading a million marks took 2.8 s of a start; the
        # marks only feed `stats` and the ingest's note on leftovers, and the next change syncs them all).
        if report.untouched:
            return
        marks, complete = store.indexed(), report.complete
        stale = [pid for pid in marks if pid not in complete]
        if stale:
            store.forget_indexed(stale)
        store.record_indexed({pid: digest for pid, digest in complete.items() if marks.get(pid) != digest})

    opened = open_index(
        papers, data_dir.index_paths(), encoder,
        progress=progress, on_indexed=store.record_indexed, on_reconciled=follow, lock_wait=lock_wait,
        on_lock_wait=_say_waiting if progress else None, previous=previous, compact=compact,
    )
    return opened.retriever, opened.report, revision


def open_services(
    data_dir: DataDir,
    encoder: Encoder | None = None,
    progress: bool = False,
    store: CorpusStore | None = None,
    lock_wait: float | None = None,
    compact: bool = False,
) -> Services:
    """Open (building on first use) the corpus and its index in `data_dir`.

    A caller that already holds the corpus store (after an ingest) passes it as `store`;
    `compact` writes the index files whole (see retrieval/segments.py).
    """
    encoder = encoder or MiniLMEncoder()
    # With `progress`, each slow first-run step is announced: a first start otherwise looks hung for minutes.
    seeding = progress and store is None and not data_dir.corpus.exists() and not data_dir.legacy_corpus.exists()
    if seeding:
        _say("Building the corpus from the shipped paper pages (first run only)...")
    store = store if store is not None else open_store(data_dir)
    if seeding:
        _say(f"Corpus built: {len(store)} papers.")
    retriever, report, revision = build_index(data_dir, store, encoder, progress=progress, lock_wait=lock_wait, compact=compact)
    if progress and (seeding or report.embedded):
        _say(f"Ready: {len(retriever)} papers searchable.")
    return Services(data_dir, store, retriever, encoder, report, revision)


def indexed_count(store: CorpusStore, with_windows: bool = True) -> int:
    """Return how many papers the store records as fully indexed with their current texts."""
    marks = store.indexed()
    return sum(1 for paper in store.papers() if marks.get(paper.id) == vector_digest(texts_of(paper, with_windows)))
