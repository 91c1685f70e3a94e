"""The served papers' MiniLM vectors, as a learning subscription needs them: encode a topic, read and score papers.

A subscription profile (bot/core/learning.py) is a vector in the same space as a search's
query vector, so it is scored the way a search scores its query's dense similarity: the best
cosine over a paper's doc vector and its sentence-window vectors (`Hit.dense_similarity`).
With no votes the profile is the topic's own vector and the scores are the search's.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from corpus.paper import Paper


class PaperVectors:
    """Rows of one retriever's vectors by paper id (row i is papers[i], as in retrieval.hybrid)."""

    def __init__(self, papers: Sequence[Paper], doc: np.ndarray, windows: np.ndarray, window_start: np.ndarray, encode) -> None:
        self._rows = {p.id: i for i, p in enumerate(papers)}
        self._doc = doc
        self._windows = windows
        self._start = window_start
        self._encode = encode

    def encode(self, text: str) -> np.ndarray:
        """Return the normalized vector of a text, as a search encodes its query."""
        return np.asarray(self._encode([text])[0], dtype=np.float32)

    def doc(self, paper_ids: Iterable[str]) -> np.ndarray:
        """Return the doc vectors of the papers that are served, one row each (papers gone are left out)."""
        rows = [self._rows[pid] for pid in paper_ids if pid in self._rows]
        return self._doc[rows] if rows else np.zeros((0, self._doc.shape[1]), dtype=np.float32)

    def passing(self, vector: np.ndarray, threshold: float) -> int:
        """Return how many served papers score at least `threshold` against `vector`."""
        return int((self._all_scores(vector) >= threshold).sum())

    def nth_best(self, vector: np.ndarray, n: int) -> float:
        """Return the score of the `n`-th best served paper against `vector` (1 is the best)."""
        scores = self._all_scores(vector)
        n = max(1, min(n, scores.size))
        return float(np.partition(scores, scores.size - n)[scores.size - n])

    def _all_scores(self, vector: np.ndarray) -> np.ndarray:
        """Return every served paper's best cosine to `vector`, by row."""
        best = self._doc @ vector
        if self._windows.shape[0]:
            counts = np.diff(self._start)
            np.maximum.at(best, np.repeat(np.arange(best.size), counts), self._windows @ vector)
        return best

    def similarities(self, vector: np.ndarray, paper_ids: Iterable[str]) -> dict[str, float]:
        """Return each served paper's best cosine to `vector` over its doc and window vectors."""
        ids = [pid for pid in paper_ids if pid in self._rows]
        if not ids:
            return {}
        rows = np.fromiter((self._rows[pid] for pid in ids), dtype=np.int64, count=len(ids))
        best = self._doc[rows] @ vector
        if self._windows.shape[0]:
            # Every window row of these papers at once, each credited to its paper (as retrieval.hybrid does).
            lo, counts = self._start[rows], self._start[rows + 1] - self._start[rows]
            total = int(counts.sum())
            if total:
                first = np.repeat(np.cumsum(counts) - counts, counts)
                window_rows = np.repeat(lo, counts) + (np.arange(total) - first)
                np.maximum.at(best, np.repeat(np.arange(rows.size), counts), self._windows[window_rows] @ vector)
        return {pid: float(score) for pid, score in zip(ids, best)}


def paper_vectors(retriever: object) -> PaperVectors | None:
    """Return the vectors of a retriever's papers, or None for one without vectors (then nothing learns)."""
    vectors = getattr(retriever, "vectors", None)
    encoder = getattr(retriever, "encoder", None)
    papers = getattr(retriever, "papers", None)
    if vectors is None or encoder is None or papers is None:
        return None
    return PaperVectors(papers, vectors.doc, vectors.windows, vectors.window_start, encoder.encode)
