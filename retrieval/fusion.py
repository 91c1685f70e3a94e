"""The fused ranking's arithmetic: its weights, per-list standardization, candidate pools and the anchor rerank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.prefilter import SHORTLIST
from retrieval.types import MatchStrength


@dataclass(frozen=True)
class FusionConfig:
    """Weights of the fused score, chosen on the dev set (see docs/quality.md, "Quality")."""

    bm25_weight: float = 0.45
    # Weight of the adjacent-term (phrase) BM25 signal, added on top when the query has pairs.
    phrase_weight: float = 0.2
    # Scores are standardized by the mean and deviation of each list's own top `norm_depth`;
    # below `norm_floor` deviations a score is clipped: the tail of a list carries no order
    # worth keeping, and an unclipped zero BM25 score would bury a paraphrase match.
    norm_depth: int = 50
    norm_floor: float = -0.5
    # Dense score = doc cosine + window_weight * best window cosine.
    window_weight: float = 1.0
    # Relevance feedback: query vector + feedback_weight * mean of the top `feedback_docs`.
    feedback_weight: float = 0.5
    feedback_docs: int = 3
    # Feedback only for queries of at most this many distinct terms (0: every query). A short
    # query's vector says little and its top three fill it in (dev known items +0.023); a long
    # one already says what it means, and the top three's centroid pulled long queries off
    # their paper on the mechanical check (docs/quality.md, "Quality").
    feedback_max_terms: int = 6
    # Second stage: the top `rerank_depth` are reordered by fused score plus `anchor_weight`
    # times their cosine to the top paper, both standardized within that top (see `anchor_rerank`).
    anchor_weight: float = 0.5
    rerank_depth: int = 30
    # The second stage only when the first pass is sure of its first paper: BM25 alone and
    # dense alone rank it first. Otherwise the anchor may be wrong, and pulling its
    # neighbours up pushes the right paper down (mechanical check: +0.001 on both seeds,
    # no query type worse; dev within noise, docs/quality.md "Quality").
    anchor_needs_agreement: bool = True
    # When BM25 and dense alone rank the same paper first, it stays first (see hybrid._score).
    keep_agreed_first: bool = True
    title_repeats: int = 2
    # Papers scored in full per query: the top `candidates` of each list (BM25, phrases, doc
    # cosine). Only they get window vectors, feedback and fusion; at 440 papers that is all of
    # them, at 87k it keeps a query to a few milliseconds past encoding (see BENCHMARKS.md).
    candidates: int = 300
    # Above prefilter.FROM_PAPERS, the papers whose doc cosine is computed at all: those nearest
    # the query by the signs of their vectors (see prefilter.py for how the size was chosen).
    shortlist: int = SHORTLIST
    # Weak-match flag: weak when the match strength's combined score (see MatchStrength) is
    # below the threshold; the rule is fitted on the mechanical weak check (see docs/quality.md, "Quality").
    weak_lexical_weight: float = 0.25
    weak_threshold: float = 0.555

    def is_weak(self, strength: MatchStrength) -> bool:
        """Return whether results this strong should be called "nothing close"."""
        return strength.combined(self.weak_lexical_weight) < self.weak_threshold


def top_stats(scores: np.ndarray, depth: int) -> tuple[float, float]:
    """Return the mean and deviation of the top `depth` scores (deviation 1 when they are all equal)."""
    if scores.size == 0:
        return 0.0, 1.0
    top = np.partition(scores, -min(depth, scores.size))[-min(depth, scores.size):]
    std = float(top.std())
    return float(top.mean()), (std if std > 1e-9 else 1.0)


def standardize(scores: np.ndarray, stats: tuple[float, float], floor: float) -> np.ndarray:
    """Return (scores - mean) / deviation, clipped below at `floor`."""
    mean, std = stats
    return np.maximum((scores - mean) / std, floor)


def top_rows(scores: np.ndarray, n: int, allowed: np.ndarray | None = None, *, sparse: bool = False) -> np.ndarray:
    """Return the rows of the `n` highest scores (unordered), among `allowed` rows if given.

    `sparse`: the scores are >= 0 and a zero says nothing (BM25): only positive rows are
    candidates, and finding them first makes the selection cheap when few are.
    """
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    rows = _above_floor(scores, n, 0.0 if sparse else -np.inf)
    if rows is None:
        rows = np.flatnonzero(scores > 0) if sparse else np.arange(scores.size)
    if rows.size > n:
        rows = rows[np.argpartition(-scores[rows], n)[:n]]
    return rows if sparse else rows[np.isfinite(scores[rows])]


def _above_floor(scores: np.ndarray, n: int, lowest: float) -> np.ndarray | None:
    """Return the rows (ascending) of the scores above a floor that at least `n` exceed, one that few more do;
    None when there are too few scores to bother or the floor let fewer than `n` through. The floor is never
    below `lowest`.

    The n highest of a million scores are then chosen among a few hundred above it: a partial
    sort of every score (or of every positive BM25 score, half a million for common words) took
    5-10 ms a query at a million papers. The floor is read off every `_SAMPLE_STEP`-th score,
    so about 4n exceed it only in expectation, and when fewer than n do the caller does without it.
    """
    if scores.size < _FLOOR_FROM:
        return None
    sample = scores[::_SAMPLE_STEP]
    want = min(sample.size, 4 * (n * sample.size // scores.size + 1))
    floor = max(float(np.partition(sample, sample.size - want)[sample.size - want]), lowest)
    rows = np.flatnonzero(scores > floor)
    return rows if rows.size >= n else None


# From this many scores, top_rows first keeps those above a floor read from every _SAMPLE_STEP-th one.
_FLOOR_FROM = 65_536
_SAMPLE_STEP = 32
# Above this many scores to rank among, bm25_ranks counts rather than sorts.
_SORTED_RANKS = 65_536


def bm25_ranks(scores: np.ndarray, values: np.ndarray) -> list[int | None]:
    """Return each of `values`' rank among `scores` (1 + how many score higher); None for a value <= 0 (no match).

    One pass over `scores` for all values: counting per value cost 0.3 ms each at a million papers.
    """
    positive = values[values > 0]
    if not positive.size:
        return [None] * values.size
    above = scores[scores > positive.min()]
    if above.size > _SORTED_RANKS:  # a weak lexical match among many: counting is cheaper than sorting
        higher = np.array([np.count_nonzero(above > v) for v in values])
    else:
        above.sort()
        higher = above.size - np.searchsorted(above, values, side="right")
    return [int(h) + 1 if v > 0 else None for h, v in zip(higher, values)]


def anchor_rerank(fused: np.ndarray, doc_vectors: np.ndarray, depth: int, weight: float) -> np.ndarray:
    """Return `fused` with its top `depth` reordered towards the papers nearest the top one.

    The first result is the surest; papers close to it are likelier on topic than papers
    that reached the top list through one stray word or a vague embedding. Within the top,
    the order follows z(fused) + weight * z(cosine to the first paper), z standardizing over
    that top. The first paper stays first (its cosine is the largest); the reordered top stays
    above the rest, and scores below it are untouched.
    """
    if weight <= 0 or depth < 2 or fused.size < 3:
        return fused
    order = np.argsort(-fused, kind="stable")
    top = order[:depth]
    # Papers a filter left out score -inf: they take no part.
    top = top[np.isfinite(fused[top])]
    if top.size < 3:
        return fused
    sim = doc_vectors[top] @ doc_vectors[top[0]]
    spread, sim_spread = float(fused[top].std()), float(sim.std())
    if spread < 1e-12 or sim_spread < 1e-12:
        return fused
    # Scaled by the fused spread, so the order equals that of the sum of the two z-scores.
    adjusted = fused[top] + weight * spread * (sim - float(sim.mean())) / sim_spread
    if top.size < fused.size:
        below = float(fused[order[top.size]])
        lowest = float(adjusted.min())
        if lowest <= below:
            adjusted = adjusted + (below - lowest) + spread * 1e-6
    out = fused.copy()
    out[top] = adjusted
    return out


def agreed_row(fused: np.ndarray, lexical: np.ndarray, dense: np.ndarray) -> int | None:
    """Return the position of the paper BM25 and dense alone both rank first (among papers `fused` allows), if any."""
    finite = np.isfinite(fused)
    if not finite.any():
        return None
    agreed = int(np.argmax(np.where(finite, lexical, -np.inf)))
    if lexical[agreed] <= 0 or agreed != int(np.argmax(np.where(finite, dense, -np.inf))):
        return None
    return agreed


def put_first(fused: np.ndarray, row: int) -> np.ndarray:
    """Return `fused` with position `row` scored just above the best."""
    out = fused.copy()
    out[row] = float(fused[np.isfinite(fused)].max()) + 1e-6
    return out
