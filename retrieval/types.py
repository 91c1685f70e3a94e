"""Results the retrieval layer returns: frozen, with the breakdown a user can be shown."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.paper import Paper


def why_matched(matched_terms: tuple[str, ...], similarity: float) -> str:
    """Return the one-line "why it matched" every front end shows: matched words, then semantic similarity."""
    parts = []
    if matched_terms:
        parts.append("keywords: " + ", ".join(matched_terms[:6]))
    parts.append(f"semantic similarity {similarity:.2f}")
    return "; ".join(parts)


class QueryError(ValueError):
    """A query that cannot be searched; the message is written for the person who typed it."""


@dataclass(frozen=True)
class Hit:
    """One ranked paper and why it matched."""

    paper: Paper
    rank: int
    score: float
    bm25_rank: int | None
    bm25_score: float
    matched_terms: tuple[str, ...]
    dense_similarity: float
    best_sentence: str

    @property
    def why(self) -> str:
        """Return a one-line explanation of the match."""
        return why_matched(self.matched_terms, self.dense_similarity)


@dataclass(frozen=True)
class MatchStrength:
    """How strongly a query's best results match it: what the weak-match flag decides on.

    semantic: the best cosine (doc or window) among the top five;
    lexical: the largest share of the query's idf mass one of the top five holds.
    Neither alone separates "nothing close" from a paraphrase (no shared words) or a known
    item named by a rare acronym (low cosine), but a weighted sum does.
    """

    semantic: float
    lexical: float

    def combined(self, lexical_weight: float) -> float:
        """Return semantic + lexical_weight * lexical."""
        return self.semantic + lexical_weight * self.lexical


@dataclass(frozen=True)
class SearchResult:
    """A ranked list of hits; `weak` says the corpus holds nothing close to the query."""

    query: str
    hits: tuple[Hit, ...]
    weak: bool
    note: str | None = None
    # With filters: how many papers passed them, and how many a date filter left out for want of a date.
    matching: int | None = None
    undated: int = 0
