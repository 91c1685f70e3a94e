"""Paper vectors in memory: one doc row per paper and its sentence windows, laid out for gathering by row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

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

