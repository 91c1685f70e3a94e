"""Paper vectors in memory: one doc row per paper and its sentence windows, laid out for gathering by row."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from retrieval.prefilter import FROM_PAPERS

DIM = 384


@dataclass(frozen=True)
class VectorMatrix:
    """Vectors in memory: one doc row per paper; paper i's windows are windows[window_start[i]:window_start[i+1]]."""

    doc: np.ndarray
    windows: np.ndarray
    window_start: np.ndarray
    # The doc vectors' sign codes (prefilter.SignCodes.words) when read with them from the cache file,
    # so a large corpus's first pass is ready without reading every vector; None: made when needed.
    codes: np.ndarray | None = None

    def stored(self) -> VectorMatrix:
        """Return this matrix as the cache file keeps it: float16 vectors (see vector_cache.py)."""
        return VectorMatrix(self.doc.astype(np.float16, copy=False), self.windows.astype(np.float16, copy=False),
                            self.window_start, self.codes)

    def doc_rows(self, rows: np.ndarray | int) -> np.ndarray:
        """Return doc vectors `rows` as float32 (the cache file keeps float16: see vector_cache.py)."""
        return _float32(self.doc[rows])

    def window_rows(self, rows: np.ndarray) -> np.ndarray:
        """Return window vectors `rows` as float32."""
        return _float32(self.windows[rows])

    def doc_products(self, vector: np.ndarray) -> np.ndarray:
        """Return every doc vector's product with `vector` (float32), a block of rows at a time: a float16
        matrix times a float32 vector would first copy the whole matrix as float32 (1.5 GB at a million papers)."""
        if self.doc.dtype != np.float32 and self.doc.shape[0] <= _KEEP_FLOAT32_UP_TO:
            return self._doc32 @ np.asarray(vector, dtype=np.float32)
        return _blocked(self.doc, vector)

    @cached_property
    def _doc32(self) -> np.ndarray:
        # A small corpus scores every paper each query (prefilter.FROM_PAPERS): converted once, not each time.
        return _float32(self.doc)

    def window_products(self, vector: np.ndarray) -> np.ndarray:
        """Return every window vector's product with `vector` (float32), a block at a time."""
        return _blocked(self.windows, vector)

    @classmethod
    def from_rows(cls, per_paper: Sequence[np.ndarray]) -> VectorMatrix:
        """Return the matrix of papers given each one's vectors (its doc vector first, then its windows)."""
        if not per_paper:
            return cls(np.zeros((0, DIM), dtype=np.float32), np.zeros((0, DIM), dtype=np.float32), np.zeros(1, dtype=np.int64))
        doc = np.stack([rows[0] for rows in per_paper]).astype(np.float32, copy=False)
        counts = np.fromiter((len(rows) - 1 for rows in per_paper), dtype=np.int64, count=len(per_paper))
        windows = [rows[1:] for rows in per_paper if len(rows) > 1]
        win = np.concatenate(windows).astype(np.float32, copy=False) if windows else np.zeros((0, DIM), dtype=np.float32)
        return cls(doc, win, np.concatenate([[0], np.cumsum(counts)]))



# Rows converted at a time by VectorMatrix.doc_products: 24 MB of float32.
_BLOCK = 16_384
# Up to this many papers (those a search scores in full), doc_products keeps a float32 copy of float16 doc
# vectors (30 MB at most).
_KEEP_FLOAT32_UP_TO = FROM_PAPERS


def _blocked(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    if matrix.dtype == np.float32:
        return matrix @ vector
    out = np.empty(matrix.shape[0], dtype=np.float32)
    for at in range(0, matrix.shape[0], _BLOCK):
        out[at:at + _BLOCK] = _float32(matrix[at:at + _BLOCK]) @ vector
    return out


# Elements converted per call by _float32: under torch's grain size (32,768), so each call stays on
# the calling thread (torch's worker threads spin-wait when other processes hold the cores).
_CONVERT = 32_640


def _float32(values: np.ndarray) -> np.ndarray:
    """Return `values` as float32. numpy converts float16 one element at a time (5.4 ms for a 5,000-paper
    shortlist); torch, the model's library, with the processor's conversion instructions (0.9 ms)."""
    if values.dtype == np.float32:
        return values
    if values.dtype != np.float16 or values.size < _CONVERT:
        return np.asarray(values, dtype=np.float32)
    import torch

    with warnings.catch_warnings():  # a mapped file's array is read-only; it is only read here
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        source = torch.from_numpy(np.ascontiguousarray(values).reshape(-1))
    out = torch.empty(source.shape, dtype=torch.float32)
    for at in range(0, source.numel(), _CONVERT):
        out[at:at + _CONVERT].copy_(source[at:at + _CONVERT])
    return out.numpy().reshape(values.shape)
