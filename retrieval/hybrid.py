"""Hybrid retrieval: BM25 and dense scores, each standardized on its own top list, then added."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from corpus.clean import normalize_title
from corpus.paper import Paper
from retrieval.answer import Quote, answer_quotes
from retrieval.bm25 import BM25Index
from retrieval.encoder import Encoder
from retrieval.filters import FilterIndex, SearchFilters
from retrieval.query import clean_query
from retrieval.sentences import split_sentences
from retrieval.tokenize import phrases, tokenize, words
from retrieval.types import Hit, QueryError, SearchResult
from retrieval.vectors import VectorMatrix

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class FusionConfig:
    """Weights of the fused score, chosen on the dev set (see README, "Quality")."""

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
    # Second stage: the top `rerank_depth` are reordered by fused score plus `anchor_weight`
    # times their cosine to the top paper, both standardized within that top (see `anchor_rerank`).
    anchor_weight: float = 0.5
    rerank_depth: int = 30
    title_repeats: int = 2
    # Weak-match flag: weak when best cosine + lexical_weight * lexical strength is below
    # the threshold (see `_is_weak`).
    weak_lexical_weight: float = 0.25
    weak_threshold: float = 0.555


def _standardize(scores: np.ndarray, depth: int, floor: float) -> np.ndarray:
    """Scale scores by the mean and deviation of their own top `depth`, clipped below at `floor`."""
    if scores.size == 0:
        return scores
    top = np.partition(scores, -min(depth, scores.size))[-min(depth, scores.size):]
    std = float(top.std())
    return np.maximum((scores - float(top.mean())) / (std if std > 1e-9 else 1.0), floor)


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


class HybridRetriever:
    """Search over a fixed list of papers with BM25 and dense vectors."""

    def __init__(
        self,
        papers: list[Paper],
        bm25: BM25Index,
        vectors: VectorMatrix,
        encoder: Encoder,
        config: FusionConfig = FusionConfig(),
        phrase_index: BM25Index | None = None,
    ) -> None:
        self.papers = papers
        self.bm25 = bm25
        self.phrase_index = phrase_index
        self.vectors = vectors
        self.encoder = encoder
        self.config = config
        self._row = {p.id: i for i, p in enumerate(papers)}
        self._by_title = {normalize_title(p.title): p for p in papers}
        self._filters = FilterIndex(papers)
        self._by_arxiv = {p.arxiv_id: p for p in reversed(papers) if p.arxiv_id}
        # A query word the corpus never uses weighs like the rarest word it does use.
        self._unknown_idf = max(bm25.idf.values(), default=1.0)

    # --- look-ups -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.papers)

    def get(self, paper_id: str) -> Paper | None:
        """Return a paper by id."""
        row = self._row.get(paper_id)
        return self.papers[row] if row is not None else None

    def find_arxiv(self, arxiv_id: str) -> Paper | None:
        """Return the paper with this (bare) arXiv id."""
        return self._by_arxiv.get(arxiv_id)

    def count_passing(self, paper_ids: Sequence[str], filters: SearchFilters) -> int:
        """Return how many of these papers pass `filters`."""
        mask = self._filters.apply(filters, self.bm25).mask
        return sum(1 for pid in paper_ids if pid in self._row and mask[self._row[pid]])

    def answer_quotes(self, query: str, hits: Sequence[Hit]) -> tuple[Quote, ...]:
        """Return, for up to three hits, the abstract sentence that best answers `query` (see retrieval.answer)."""
        return answer_quotes(query, hits, self.encoder, self.bm25.idf)

    def find_title(self, title: str) -> Paper | None:
        """Return the paper whose normalized title equals `title`'s."""
        return self._by_title.get(normalize_title(title))

    def complete_titles(self, prefix: str, limit: int = 25) -> list[Paper]:
        """Return up to `limit` papers whose title matches what was typed so far."""
        key = normalize_title(prefix)
        if not key:
            return self.papers[:limit]
        starts = [p for t, p in self._by_title.items() if t.startswith(key)]
        contains = [p for t, p in self._by_title.items() if key in t and not t.startswith(key)]
        picked = (starts + contains)[:limit]
        if len(picked) < limit:
            # Fall back to word overlap, so "sinkhorn newton" finds "...Sinkhorn...Newton...".
            terms = set(key.split())
            seen = {p.id for p in picked}
            scored = sorted(
                ((len(terms & set(t.split())), p) for t, p in self._by_title.items() if p.id not in seen),
                key=lambda x: (-x[0], x[1].title),
            )
            picked += [p for n, p in scored if n > 0][: limit - len(picked)]
        return picked

    # --- scoring --------------------------------------------------------------------------

    def dense_scores(self, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (combined dense score, doc cosine) for every paper."""
        doc = self.vectors.doc @ qvec
        best = doc.copy()
        if self.vectors.windows.shape[0]:
            win = self.vectors.windows @ qvec
            np.maximum.at(best, self.vectors.window_owner, win)
        return doc + self.config.window_weight * best, best

    def _fuse(self, bm25: np.ndarray, dense: np.ndarray, phrase: np.ndarray | None) -> np.ndarray:
        c = self.config
        fused = c.bm25_weight * _standardize(bm25, c.norm_depth, c.norm_floor)
        fused += (1 - c.bm25_weight) * _standardize(dense, c.norm_depth, c.norm_floor)
        if phrase is not None:
            fused += c.phrase_weight * _standardize(phrase, c.norm_depth, c.norm_floor)
        return fused

    def _phrase_scores(self, terms: list[str]) -> np.ndarray | None:
        if self.phrase_index is None or self.config.phrase_weight <= 0:
            return None
        scores = self.phrase_index.scores(phrases(terms))
        # A query whose pairs occur nowhere adds a constant: leave it out instead.
        return scores if scores.any() else None

    def score_all(self, query: str, allowed: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Return per-paper arrays: bm25, dense (after feedback), plain_dense (before), cosine and fused (reranked).

        Papers not `allowed` (by a filter) get a fused score of -inf, before feedback and the second stage.
        """
        terms = tokenize(query)
        bm25 = self.bm25.scores(terms)
        phrase = self._phrase_scores(terms)
        qvec = self.encoder.encode([query])[0]
        dense, cosine = self.dense_scores(qvec)
        plain_dense = dense
        fused = self._masked(self._fuse(bm25, dense, phrase), allowed)
        c = self.config
        if c.feedback_weight > 0 and len(self.papers) > c.feedback_docs:
            top = np.argsort(-fused, kind="stable")[: c.feedback_docs]
            expanded = qvec + c.feedback_weight * self.vectors.doc[top].mean(axis=0)
            expanded /= np.linalg.norm(expanded) or 1.0
            dense, _ = self.dense_scores(expanded)
            fused = self._masked(self._fuse(bm25, dense, phrase), allowed)
        fused = anchor_rerank(fused, self.vectors.doc, c.rerank_depth, c.anchor_weight)
        return {"bm25": bm25, "dense": dense, "plain_dense": plain_dense, "cosine": cosine, "fused": fused, "terms": terms}

    @staticmethod
    def _masked(fused: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
        return fused if allowed is None else np.where(allowed, fused, -np.inf)

    def _is_weak(self, cosine: np.ndarray, terms: list[str], order: np.ndarray) -> bool:
        """Return whether the best results are too far from the query to be called matches.

        Semantic strength is the best cosine among the top five; lexical strength is the
        largest share of the query's idf mass that one of them matches. Neither alone
        separates "nothing close" from a paraphrase (no shared words) or a known item
        named by a rare acronym (low cosine), but their sum does.
        """
        c = self.config
        top = order[:5]
        sem = float(cosine[top].max()) if top.size else 0.0
        lex = self._lexical_strength(terms, top)
        return sem + c.weak_lexical_weight * lex < c.weak_threshold

    def _lexical_strength(self, terms: list[str], rows: np.ndarray) -> float:
        unique = list(dict.fromkeys(terms))
        total = sum(self.bm25.idf.get(t, self._unknown_idf) for t in unique)
        if not total:
            return 0.0
        best = 0.0
        for r in rows:
            matched = self.bm25.doc_terms(int(r), unique)
            best = max(best, sum(self.bm25.idf[t] for t in matched) / total)
        return best

    # --- results --------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> SearchResult:
        """Return the top `k` papers for `query` that pass `filters`; raise QueryError for unsearchable input."""
        text, note = clean_query(query)
        k = max(1, min(int(k), 100))
        if not self.papers:
            return SearchResult(query=text, hits=(), weak=True, note="The corpus is empty.")
        allowed, matching, undated = None, None, 0
        if filters is not None and filters.active:
            outcome = self._filters.apply(filters, self.bm25)
            allowed, matching, undated = outcome.mask, int(outcome.mask.sum()), outcome.undated
            if not matching:
                return SearchResult(query=text, hits=(), weak=False, note=note, matching=0, undated=undated)
        s = self.score_all(text, allowed)
        order = np.argsort(-s["fused"], kind="stable")
        if allowed is not None:
            order = order[: matching]
        weak = self._is_weak(s["cosine"], s["terms"], order)
        hits = tuple(self._hit(int(r), rank, s, text) for rank, r in enumerate(order[:k], start=1))
        return SearchResult(query=text, hits=hits, weak=weak, note=note, matching=matching, undated=undated)

    def similar(self, paper_id: str, k: int = 5) -> SearchResult:
        """Return the `k` papers nearest to a paper (itself excluded).

        The paper's own vector finds papers written about the same things; its title as a
        keyword query keeps the topic named in the title in view (the vector of a paper on
        faster Sinkhorn leans towards Newton methods, its title towards optimal transport).
        """
        row = self._row.get(paper_id)
        if row is None:
            raise QueryError("I don't know that paper. Pick a title from the suggestions.")
        paper = self.papers[row]
        dense, cosine = self.dense_scores(self.vectors.doc[row])
        terms = tokenize(paper.clean_title)
        bm25 = self.bm25.scores(terms)
        fused = self._fuse(bm25, dense, self._phrase_scores(terms))
        fused[row] = -np.inf
        order = np.argsort(-fused, kind="stable")[:k]
        s = {"bm25": bm25, "dense": dense, "cosine": cosine, "fused": fused, "terms": terms}
        hits = tuple(self._hit(int(r), rank, s, paper.clean_title) for rank, r in enumerate(order, start=1))
        return SearchResult(query=paper.title, hits=hits, weak=False)

    def _hit(self, row: int, rank: int, s: dict, query: str) -> Hit:
        paper = self.papers[row]
        bm25 = float(s["bm25"][row])
        bm25_rank = None
        if bm25 > 0:
            bm25_rank = int((s["bm25"] > bm25).sum()) + 1
        matched = self._matched_words(paper, query)
        return Hit(
            paper=paper,
            rank=rank,
            score=float(s["fused"][row]),
            bm25_rank=bm25_rank,
            bm25_score=bm25,
            matched_terms=tuple(matched),
            dense_similarity=float(s["cosine"][row]),
            best_sentence=self.best_sentence(paper, query),
        )

    def _matched_words(self, paper: Paper, query: str) -> list[str]:
        """Return the query's words (as typed, folded) whose stems occur in the paper."""
        doc_stems = set(tokenize(paper.clean_title + " " + paper.clean_abstract))
        out = []
        for word in dict.fromkeys(words(query)):
            stems = tokenize(word)
            if stems and all(st in doc_stems for st in stems):
                out.append(word)
        return out

    def best_sentence(self, paper: Paper, query: str) -> str:
        """Return the abstract sentence that best matches the query (idf-weighted overlap, then cosine)."""
        sentences = split_sentences(paper.clean_abstract)
        if not sentences:
            return ""
        q_terms = set(tokenize(query))
        idf = self.bm25.idf
        scored = []
        for i, sentence in enumerate(sentences):
            overlap = set(tokenize(sentence)) & q_terms
            scored.append((sum(idf.get(t, 0.0) for t in overlap), -i, sentence))
        best = max(scored)
        if best[0] > 0:
            return best[2]
        # No shared words: let the model pick (only a handful of short sentences to encode).
        vecs = self.encoder.encode([query, *sentences[:12]])
        sims = vecs[1:] @ vecs[0]
        return sentences[int(np.argmax(sims))]
