"""Honest quality numbers: per-query scores of ranking variants, and k-fold selection among them.

A variant chosen because it scores best on all the dev queries is scored on the queries
that chose it. Here each fold is scored by the variant that did best on the other folds,
so the mean over folds estimates what the choice is worth on queries it never saw, and
the spread over folds says how much to believe it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from retrieval.evaluate import Judged, ndcg_at, rankings
from retrieval.fusion import FusionConfig
from retrieval.hybrid import HybridRetriever
from retrieval.query import clean_query


@dataclass(frozen=True)
class CrossValidated:
    """The held-out score of choosing among variants on the other folds."""

    per_fold: tuple[float, ...]
    chosen: tuple[str, ...]

    @property
    def mean(self) -> float:
        """Return the mean held-out score."""
        return float(np.mean(self.per_fold))

    @property
    def spread(self) -> float:
        """Return the standard deviation of the held-out scores over folds."""
        return float(np.std(self.per_fold, ddof=1)) if len(self.per_fold) > 1 else 0.0


def folds_of(count: int, folds: int, seed: int = 0) -> list[np.ndarray]:
    """Return `folds` disjoint random index sets covering range(count)."""
    return np.array_split(np.random.default_rng(seed).permutation(count), folds)


def cross_validate(scores: Mapping[str, np.ndarray], folds: int = 5, seed: int = 0) -> CrossValidated:
    """Score each fold with the variant whose mean is best on the other folds (ties: the first named)."""
    names = list(scores)
    count = len(scores[names[0]])
    parts = folds_of(count, folds, seed)
    per_fold, chosen = [], []
    for i, held in enumerate(parts):
        train = np.concatenate([p for j, p in enumerate(parts) if j != i])
        best = max(names, key=lambda name: (float(scores[name][train].mean()), -names.index(name)))
        chosen.append(best)
        per_fold.append(float(scores[best][held].mean()))
    return CrossValidated(tuple(per_fold), tuple(chosen))


def variant_scores(
    retriever: HybridRetriever, queries: Sequence[Judged], variants: Mapping[str, FusionConfig], system: str = "hybrid"
) -> dict[str, np.ndarray]:
    """Return each variant's nDCG@10 per query (queries without judgments left out), on one index."""
    judged = [q for q in queries if q.grades]
    original = retriever.config
    out = {}
    try:
        for name, config in variants.items():
            retriever.config = config
            out[name] = np.array([ndcg_at(rankings(retriever, clean_query(q.query)[0])[system], q.grades) for q in judged])
    finally:
        retriever.config = original
    return out


def ablations(base: FusionConfig) -> dict[str, FusionConfig]:
    """Return the default ranking and the ranking without each of its later stages."""
    return {
        "default": base,
        "no feedback": dataclasses.replace(base, feedback_weight=0.0),
        "feedback for all": dataclasses.replace(base, feedback_max_terms=0),
        "no second stage": dataclasses.replace(base, anchor_weight=0.0),
        "second stage always": dataclasses.replace(base, anchor_needs_agreement=False),
        "no agreed-first": dataclasses.replace(base, keep_agreed_first=False),
        "no phrase index": dataclasses.replace(base, phrase_weight=0.0),
    }
