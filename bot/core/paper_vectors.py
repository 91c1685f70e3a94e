"""The served papers' MiniLM vectors, as a learning subscription needs them: encode a topic, read and score papers.

A subscription profile (bot/core/learning.py) is a vector in the same space as a search's
query vector, so it is scored the way a search scores its query's dense similarity: the best
cosine over a paper's doc vector and its sentence-window vectors (`Hit.dense_similarity`).
With no votes the profile is the topic's own vector and the scores are the search's.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from retrieval.vector_matrix import VectorMatrix


class PaperVectors:
    """Rows of one retriever's vectors by paper id (row i is papers[i], as in retrieval.hybrid)."""

    def __init__(self, paper_ids: Sequence[str], vectors: VectorMatrix, encode) -> None:
        # Ids, not papers: a large corpus's papers stay in the store (retrieval/paper_rows.py).
        self._rows = {pid: i for i, pid in enumerate(paper_ids)}
        self._vectors = vectors
        self._encode = encode

    def encode(self, text: str) -> np.ndarray:
        """Return the normalized vector of a text, as a search encodes its query."""
        return np.asarray(self._encode([text])[0], dtype=np.float32)

    def doc(self, paper_ids: Iterable[str]) -> np.ndarray:
        """Return the doc vectors of the papers that are served, one row each (papers gone are left out)."""
        rows = [self._rows[pid] for pid in paper_ids if pid in self._rows]
        return self._vectors.doc_rows(rows) if rows else np.zeros((0, self._vectors.doc.shape[1]), dtype=np.float32)

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
        best = self._vectors.doc_products(vector)
        if self._vectors.windows.shape[0]:
            counts = np.diff(self._vectors.window_start)
            np.maximum.at(best, np.repeat(np.arange(best.size), counts), self._vectors.window_products(vector))
        return best

    def similarities(self, vector: np.ndarray, paper_ids: Iterable[str]) -> dict[str, float]:
        """Return each served paper's best cosine to `vector` over its doc and window vectors."""
        ids = [pid for pid in paper_ids if pid in self._rows]
        if not ids:
            return {}
        rows = np.fromiter((self._rows[pid] for pid in ids), dtype=np.int64, count=len(ids))
        best = self._vectors.doc_rows(rows) @ vector
        if self._vectors.windows.shape[0]:
            # Every window row of these papers at once, each credited to its paper (as retrieval.hybrid does).
            starts = self._vectors.window_start
            lo, counts = starts[rows], starts[rows + 1] - starts[rows]
            total = int(counts.sum())
            if total:
                first = np.repeat(np.cumsum(counts) - counts, counts)
                window_rows = np.repeat(lo, counts) + (np.arange(total) - first)
                np.maximum.at(best, np.repeat(np.arange(rows.size), counts), self._vectors.window_rows(window_rows) @ vector)
        return {pid: float(score) for pid, score in zip(ids, best)}


def paper_vectors(retriever: object) -> PaperVectors | None:
    """Return the vectors of a retriever's papers, or None for one without vectors (then nothing learns)."""
    vectors = getattr(retriever, "vectors", None)
    encoder = getattr(retriever, "encoder", None)
    papers = getattr(retriever, "papers", None)
    if vectors is None or encoder is None or papers is None:
        return None
    ids = getattr(papers, "ids", None)
    return PaperVectors(ids if ids is not None else [p.id for p in papers], vectors, encoder.encode)
