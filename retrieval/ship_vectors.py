"""Build retrieval/shipped_vectors.npz: the vectors of the shipped papers (see shipped_vectors.py).

    python -m retrieval.ship_vectors    (or: make vectors)

Run it after changing corpus/pages, the model or the embedded texts; the tests say when it is due.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from corpus.ingest import open_corpus
from corpus.paper import Paper
from retrieval.encoder import Encoder, MiniLMEncoder
from retrieval.shipped_vectors import SHIPPED_FILE, ShippedVectors, load_shipped, save_shipped
from retrieval.vectors import TEXT_VERSION, texts_of, vector_digest


def shipped_papers() -> list[Paper]:
    """Return the papers of the shipped pages, as a first start stores them."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_corpus(Path(tmp) / "corpus.sqlite3")
        try:
            return list(store.papers())
        finally:
            store.close()


def build(path: Path = SHIPPED_FILE, encoder: Encoder | None = None) -> ShippedVectors:
    """Embed every shipped paper's texts (whole text and windows) with the model and write them to `path`."""
    encoder = encoder or MiniLMEncoder()
    papers = shipped_papers()
    all_texts = [texts_of(p) for p in papers]
    rows = encoder.encode([t for texts in all_texts for t in texts])
    shipped = ShippedVectors(
        {"model": encoder.name, "text_version": TEXT_VERSION},
        tuple(p.id for p in papers),
        tuple(vector_digest(t) for t in all_texts),
        np.concatenate([[0], np.cumsum([len(t) for t in all_texts])]).astype(np.int64),
        rows.astype(np.float16),
    )
    save_shipped(path, shipped)
    load_shipped.cache_clear()
    return shipped


def main() -> None:
    shipped = build()
    size = SHIPPED_FILE.stat().st_size
    print(f"wrote {SHIPPED_FILE}: {len(shipped.ids)} papers, {shipped.rows.shape[0]} vectors, {size / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
