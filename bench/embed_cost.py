"""What it costs to embed a corpus on this machine, measured on a sample and scaled.

The scale benchmark stores supplied vectors (embedding 87k papers would take hours), so
this measures the real thing on a seeded sample of at least 2,000 papers, in three
batches: each batch is a fresh data directory whose first index build embeds every paper
(whole texts alone, then whole texts and sentence windows, the default), through the
index's own sync. The corpus-wide figure is the median rate scaled to the corpus size.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.datadir import DataDir
from corpus.records import Candidate

SAMPLE = 2001
BATCHES = 3


class Unshipped:
    """The model under another name. The shipped papers' vectors are kept per model name,
    so a store filled through this embeds every paper, shipped or not."""

    def __init__(self, model) -> None:
        self.model = model
        self.name = f"{model.name}+embed-cost"

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts)


def _batch_seconds(batch: list[Candidate], windows: bool, encoder) -> tuple[float, int]:
    from bot.services import open_services
    from corpus.ingest import open_corpus

    with tempfile.TemporaryDirectory(prefix="paperscout-embed-") as tmp:
        data_dir = DataDir(Path(tmp) / "data", embed_windows=windows).prepare()
        store = open_corpus(data_dir.corpus, seed=False)
        store.add(batch, origin="bench")
        store.close()
        start = time.perf_counter()
        services = open_services(data_dir, encoder=encoder)
        seconds = time.perf_counter() - start
        embedded = len(services.report.embedded)
        services.store.close()
    return seconds, embedded


def embedding_cost(candidates: list[Candidate], corpus_size: int, model, say) -> dict:
    """Return the sample's size, each batch's papers per second with and without windows, and the scaled minutes."""
    sample = random.Random(5).sample(candidates, min(SAMPLE, len(candidates)))
    batches = [sample[i::BATCHES] for i in range(BATCHES)]
    encoder = Unshipped(model)
    out: dict = {"embed_sample": len(sample), "embed_scaled_to": corpus_size}
    for windows in (False, True):
        name = "windows" if windows else "whole"
        rates = []
        for batch in batches:
            say(f"embedding {len(batch)} sampled papers ({'whole texts and sentence windows' if windows else 'whole texts only'})")
            seconds, embedded = _batch_seconds(batch, windows, encoder)
            if embedded != len(batch):
                raise RuntimeError(f"the embedding sample embedded {embedded} of {len(batch)} papers")
            rates.append(len(batch) / seconds)
        out[f"embed_{name}_papers_per_s"] = [round(r, 1) for r in rates]
        out[f"embed_{name}_corpus_min"] = round(corpus_size / float(np.median(rates)) / 60, 1)
    return out
