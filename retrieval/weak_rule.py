"""Choosing the weak-match flag's rule honestly: fitted on some labelled queries, scored on others.

A rule is `semantic + lexical_weight * lexical < threshold` over a query's MatchStrength.
Fitting picks, among candidate lexical weights, the rule that flags the most negatives
(queries nothing in the corpus answers) while flagging at most `cap` of the answerable
queries in every labelled set it is given. Cross-validation fits on k-1 folds of the dev
queries (plus any fixed extra set, such as the mechanical weak check) and counts what the
rule flags on the held-out fold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from retrieval.crossval import folds_of
from retrieval.evaluate import Judged
from retrieval.hybrid import HybridRetriever
from retrieval.query import clean_query
from retrieval.types import QueryError

LEXICAL_WEIGHTS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5)
# At most one answerable query in forty flagged (issue 13's bar).
CAP = 1 / 40


@dataclass(frozen=True)
class Labelled:
    """Match strengths of a set of queries and which of them are negatives."""

    semantic: np.ndarray
    lexical: np.ndarray
    negative: np.ndarray

    def take(self, rows: np.ndarray) -> Labelled:
        """Return the queries at `rows`."""
        return Labelled(self.semantic[rows], self.lexical[rows], self.negative[rows])

    def __len__(self) -> int:
        return int(self.negative.size)


@dataclass(frozen=True)
class WeakRule:
    """`semantic + lexical_weight * lexical < threshold` means weak."""

    lexical_weight: float
    threshold: float

    def flags(self, data: Labelled) -> np.ndarray:
        """Return, per query, whether the rule calls it weak."""
        return data.semantic + self.lexical_weight * data.lexical < self.threshold


@dataclass(frozen=True)
class FlagCounts:
    """How many negatives and answerable queries a rule flagged, of how many."""

    negatives: int
    of_negatives: int
    answerable: int
    of_answerable: int

    def __add__(self, other: FlagCounts) -> FlagCounts:
        return FlagCounts(
            self.negatives + other.negatives, self.of_negatives + other.of_negatives,
            self.answerable + other.answerable, self.of_answerable + other.of_answerable,
        )


def count_flags(rule: WeakRule, data: Labelled) -> FlagCounts:
    """Return what `rule` flags in `data`."""
    flagged = rule.flags(data)
    return FlagCounts(
        int(flagged[data.negative].sum()), int(data.negative.sum()),
        int(flagged[~data.negative].sum()), int((~data.negative).sum()),
    )


def strengths(retriever: HybridRetriever, queries: Sequence[Judged]) -> Labelled:
    """Return the match strength of each query's results (unsearchable queries left out); no judgments = negative."""
    rows = []
    for q in queries:
        try:
            text, _ = clean_query(q.query)
        except QueryError:
            continue
        m = retriever.match_strength(text)
        rows.append((m.semantic, m.lexical, not q.grades))
    table = np.array(rows, dtype=float).reshape(-1, 3)
    return Labelled(table[:, 0], table[:, 1], table[:, 2].astype(bool))


def fit_weak_rule(sets: Sequence[Labelled], cap: float = CAP, weights: Sequence[float] = LEXICAL_WEIGHTS) -> WeakRule:
    """Return the rule flagging the largest mean share of negatives with at most `cap` of each set's answerable flagged.

    For a weight, the cut is the lowest score at which one more answerable query in some set
    would be flagged; the threshold sits midway between the cut and the highest score below
    it that is flagged (a negative, or an answerable query within the cap), so a rounding
    difference moves no query across it.
    """
    best: tuple[float, WeakRule] | None = None
    for weight in weights:
        scored = [(d.semantic + weight * d.lexical, d.negative) for d in sets]
        cuts = []
        for score, negative in scored:
            answerable = np.sort(score[~negative])
            allowed = int(np.floor(cap * answerable.size + 1e-9))
            cuts.append(float(answerable[allowed]) if allowed < answerable.size else np.inf)
        cut = min(cuts)
        below = [float(x) for score, _ in scored for x in score[score < cut]]
        threshold = (max(below) + cut) / 2 if below and np.isfinite(cut) else cut
        rule = WeakRule(weight, threshold)
        caught = float(np.mean([(score[negative] < threshold).mean() if negative.any() else 0.0 for score, negative in scored]))
        # Ties go to the smaller weight (listed first): the simpler rule.
        if best is None or caught > best[0] + 1e-12:
            best = (caught, rule)
    assert best is not None
    return best[1]


def cross_validate_rule(dev: Labelled, extra: Sequence[Labelled] = (), folds: int = 5, seed: int = 0, cap: float = CAP) -> FlagCounts:
    """Return what rules fitted on k-1 folds of `dev` (plus `extra`) flag on the held-out folds, summed."""
    total = FlagCounts(0, 0, 0, 0)
    for held in folds_of(len(dev), folds, seed):
        train = np.setdiff1d(np.arange(len(dev)), held)
        rule = fit_weak_rule([dev.take(train), *extra], cap)
        total = total + count_flags(rule, dev.take(held))
    return total
