"""Hybrid retrieval: BM25 and dense scores over a pool of candidates, each standardized on its own top list, then added."""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Sequence

import numpy as np

from corpus.clean import normalize_title
from corpus.paper import Paper
from retrieval.answer import QuestionAnswer, answer_question
from retrieval.question_kind import question_kind
from retrieval.static_vectors import StaticVectors
from retrieval.encoder import Encoder
from retrieval.filters import FilterIndex, SearchFilters
from retrieval.fusion import FusionConfig, agreed_row, anchor_rerank, bm25_ranks, put_first, standardize, top_rows, top_stats
from retrieval.lexical import LexicalIndex
from retrieval.paper_rows import PaperRows
from retrieval.prefilter import FROM_PAPERS as PREFILTER_FROM
from retrieval.prefilter import SignCodes
from retrieval.query import MAX_RESULTS, clamp_count, clean_query, join_notes
from retrieval.snippets import TermsHeld, best_sentence, matched_words, terms_held
from retrieval.title_index import TitleIndex, TitleIndexSize
from retrieval.tokenize import tokenize
from retrieval.types import Hit, MatchStrength, QueryError, SearchResult
from retrieval.vector_matrix import VectorMatrix

log = logging.getLogger(__name__)


class HybridRetriever:
    """Search over a fixed set of papers with BM25 and dense vectors (row i = papers[i] everywhere).

    The papers stay where they are kept (paper_rows.py): a list given here is wrapped as one.
    """

    def __init__(
        self,
        papers: Sequence[Paper],
        lexical: LexicalIndex,
        vectors: VectorMatrix,
        encoder: Encoder,
        config: FusionConfig = FusionConfig(),
    ) -> None:
        self.papers = PaperRows.of(papers)
        self.lexical = lexical
        self.bm25 = lexical.terms
        self.vectors = vectors
        self.encoder = encoder
        self.config = config
        self._row = {pid: i for i, pid in enumerate(self.papers.ids)}
        self._filters = FilterIndex(self.papers)
        # A query word the corpus never uses weighs like the rarest word it does use.
        self._unknown_idf = max(self.bm25.idf.values(), default=1.0)

    # Built on first use: a process that only updates the index (`paperscout ingest`) never
    # needs them, and at 87k papers they cost a second. Two threads racing build the same.

    @cached_property
    def _title_index(self) -> TitleIndex:
        # On the first keystroke, not at start (cold starts count): about 1.3 s at 87k titles, 20 s at 1M.
        titles = self.papers.source.titles()
        by_title: dict[str, tuple[str, str]] = {}
        for pid in self.papers.ids:
            title = titles.get(pid)
            if title is not None:
                by_title[normalize_title(title)] = (pid, title)
        del titles
        return TitleIndex(by_title)

    @cached_property
    def _codes(self) -> SignCodes | None:
        # Large corpora shortlist dense candidates by the signs of their vectors (see prefilter.py).
        if len(self.papers) < PREFILTER_FROM:
            return None
        return SignCodes(self.vectors.codes) if self.vectors.codes is not None else SignCodes.of(self.vectors.doc)

    # --- look-ups -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.papers)

    def get(self, paper_id: str) -> Paper | None:
        """Return a paper by id."""
        row = self._row.get(paper_id)
        return self.papers[row] if row is not None else None

    def _served(self, paper: Paper | None) -> Paper | None:
        # The source may hold papers this index does not (added since it was built).
        return paper if paper is not None and paper.id in self._row else None

    def find_arxiv(self, arxiv_id: str) -> Paper | None:
        """Return the paper with this (bare) arXiv id."""
        return self._served(self.papers.source.find(arxiv_id=arxiv_id)) if arxiv_id else None

    def count_passing(self, paper_ids: Sequence[str], filters: SearchFilters) -> int:
        """Return how many of these papers pass `filters`."""
        mask = self._filters.apply(filters, self.bm25).mask
        return sum(1 for pid in paper_ids if pid in self._row and mask[self._row[pid]])

    @cached_property
    def _static(self) -> StaticVectors | None:
        # Only the real MiniLM encoder has a word-piece table; a test's fake encoder has none.
        make = getattr(self.encoder, "static_vectors", None)
        return make() if make is not None else None

    def answer(self, result: SearchResult, max_papers: int = 3) -> QuestionAnswer:
        """Return the sentences of `result`'s top papers that answer its query; none when the match is weak."""
        if result.weak:
            return QuestionAnswer(result.query, question_kind(result.query), ())
        return answer_question(result.query, result.hits, self.bm25.idf, self._static, max_papers=max_papers,
                               unknown_idf=self._unknown_idf)

    def find_title(self, title: str) -> Paper | None:
        """Return the paper whose normalized title equals `title`'s."""
        return self._served(self.papers.source.find(title=title)) if normalize_title(title) else None

    def complete_titles(self, prefix: str, limit: int = 25) -> list[Paper]:
        """Return up to `limit` papers whose title matches what was typed so far."""
        key = normalize_title(prefix)
        if not key:
            return self.papers[:limit]
        # Titles starting with the key, then holding it, then sharing words with it (so
        # "sinkhorn newton" finds "...Sinkhorn...Newton..."): see retrieval/title_index.py.
        return self.papers.papers(self._title_index.complete(key, limit))

    def title_index_size(self) -> TitleIndexSize:
        """Return what the autocomplete index cost to build (building it now if no keystroke has)."""
        return self._title_index.size

    # --- scoring --------------------------------------------------------------------------

    def _dense(self, rows: np.ndarray, qvec: np.ndarray, doc: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (combined dense score, best cosine of doc and windows) of papers `rows`."""
        if doc is None:
            doc = self.vectors.doc_rows(rows) @ qvec
        best = doc.copy()
        starts = self.vectors.window_start
        if self.vectors.windows.shape[0]:
            lo, counts = starts[rows], starts[rows + 1] - starts[rows]
            total = int(counts.sum())
            if total:
                first = np.repeat(np.cumsum(counts) - counts, counts)
                window_rows = np.repeat(lo, counts) + (np.arange(total) - first)
                owner = np.repeat(np.arange(rows.size), counts)
                np.maximum.at(best, owner, self.vectors.window_rows(window_rows) @ qvec)
        return doc + self.config.window_weight * best, best

    def nearest(self, qvec: np.ndarray, k: int = 50) -> np.ndarray:
        """Return the rows of the `k` papers whose doc vectors are closest to `qvec`, closest first (dense only).

        In a large corpus only the sign pass's shortlist is scored (see prefilter.py).
        """
        rows = np.arange(len(self.papers)) if self._codes is None else self._codes.shortlist(qvec, max(self.config.shortlist, k))
        exact = self.vectors.doc_rows(rows) @ qvec
        return rows[np.argsort(-exact, kind="stable")[:k]]

    def _cosines(self, qvec: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Return each paper's doc cosine to `qvec` and the rows scored (None: all, in a small corpus); in a large one,
        exact on the sign pass's shortlist (and on one among `allowed` papers if too few of those made it), -inf elsewhere."""
        if self._codes is None:
            return self.vectors.doc_products(qvec), None
        rows = self._codes.shortlist(qvec, self.config.shortlist)
        if allowed is not None and np.count_nonzero(allowed[rows]) < self.config.candidates:
            rows = np.union1d(rows, self._codes.shortlist(qvec, self.config.shortlist, allowed))
        cosine = np.full(len(self.papers), -np.inf, dtype=np.float32)
        cosine[rows] = self.vectors.doc_rows(rows) @ qvec
        return cosine, rows

    def _pool(self, lists: list[np.ndarray], allowed: np.ndarray | None, scored: np.ndarray | None) -> np.ndarray:
        """Return the sorted rows among the top `candidates` of any of `lists` (the first: dense, finite only at rows
        `scored` unless None; the rest: lexical)."""
        # Never fewer than a list's standardization depth: its scale comes from its own top.
        n = max(self.config.candidates, self.config.norm_depth)
        if len(self.papers) <= n and allowed is None:
            return np.arange(len(self.papers))
        dense, *lexical = lists
        if scored is None:
            top_dense = top_rows(dense, n, allowed)
        else:  # the same rows, found among the few scored instead of a million (3 ms at a million papers)
            top_dense = scored[top_rows(dense[scored], n, None if allowed is None else allowed[scored])]
        picked = [top_dense] + [top_rows(scores, n, allowed, sparse=True) for scores in lexical]
        return np.unique(np.concatenate(picked))

    def score_all(self, query: str, allowed: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Return per-paper arrays: bm25, dense (after feedback), plain_dense (before), cosine and fused (reranked).

        Only the candidate pool is scored in full: elsewhere fused and dense are -inf (cosine
        is the doc cosine, -inf outside a large corpus's shortlist). Papers not `allowed` (by a filter) get a fused score of -inf,
        before feedback and the second stage.
        """
        s = self._scored(query, allowed)
        rows = s["rows"]
        return s | {name: self._spread(rows, s[name]) for name in ("dense", "plain_dense", "fused")}

    def _scored(self, query: str, allowed: np.ndarray | None) -> dict:
        # As score_all, with dense, plain_dense and fused at s["rows"] only (spread: 3 ms at a million papers).
        return self._score(tokenize(query), self.encoder.encode([query])[0], allowed, feedback=True)

    def _score(self, terms: list[str], qvec: np.ndarray, allowed: np.ndarray | None, *, feedback: bool) -> dict:
        """Score `rows` of the candidate pool; `feedback` adds relevance feedback and the anchor rerank (searches)."""
        c = self.config
        bm25, phrase = self.lexical.scores(terms, c.phrase_weight)
        # Exact doc cosines, of every paper or of a large corpus's shortlist: either only picks candidates.
        cosine, scored = self._cosines(qvec, allowed)
        lists = [cosine, bm25] + ([phrase] if phrase is not None else [])
        # The lists' own top (unfiltered) sets their scale, as if the whole corpus were scored;
        # a filter then picks its candidates among the papers it allows.
        pool = self._pool(lists, None, scored)
        rows = pool if allowed is None else np.union1d(pool[allowed[pool]], self._pool(lists, allowed, scored))
        in_pool = np.isin(rows, pool, assume_unique=True)
        scales = [top_stats(scores[pool], c.norm_depth) for scores in (bm25, phrase) if scores is not None]
        lexical = c.bm25_weight * standardize(bm25[rows], scales[0], c.norm_floor)
        if phrase is not None:
            lexical += c.phrase_weight * standardize(phrase[rows], scales[1], c.norm_floor)
        ok = np.ones(rows.size, dtype=bool) if allowed is None else allowed[rows]

        def fuse(dense: np.ndarray) -> np.ndarray:
            scale = top_stats(dense[in_pool], c.norm_depth)
            return np.where(ok, lexical + (1 - c.bm25_weight) * standardize(dense, scale, c.norm_floor), -np.inf)

        # The exact doc cosines of the rows are known already unless a shortlist left some out.
        plain_dense, best = self._dense(rows, qvec, cosine[rows] if self._codes is None else None)
        dense = plain_dense
        fused = fuse(dense)
        if feedback:
            short = not c.feedback_max_terms or len(set(terms)) <= c.feedback_max_terms
            if c.feedback_weight > 0 and len(self.papers) > c.feedback_docs and short:
                top = rows[np.argsort(-fused, kind="stable")[: c.feedback_docs]]
                expanded = qvec + c.feedback_weight * self.vectors.doc_rows(top).mean(axis=0)
                expanded /= np.linalg.norm(expanded) or 1.0
                dense, _ = self._dense(rows, expanded)
                fused = fuse(dense)
            # When BM25 alone and dense alone rank the same paper first, nothing later has
            # better evidence: it stays first (the dev set and the mechanical check had known
            # items both ranked first and the fusion second).
            agreed = agreed_row(fused, bm25[rows], plain_dense)
            if agreed is not None and c.keep_agreed_first:
                fused = put_first(fused, agreed)
            if agreed is not None or not c.anchor_needs_agreement:
                fused = anchor_rerank(fused, self.vectors.doc_rows(rows), c.rerank_depth, c.anchor_weight)
        cosine[rows] = best  # `cosine` is this query's own array
        return {"bm25": bm25, "terms": terms, "cosine": cosine, "rows": rows, "dense": dense, "plain_dense": plain_dense,
                "fused": fused}

    def _spread(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Return a per-paper array: `values` at `rows`, -inf elsewhere."""
        out = np.full(len(self.papers), -np.inf)
        out[rows] = values
        return out

    def match_strength(self, query: str) -> MatchStrength:
        """Return how strongly the best results for `query` match it (what the weak flag decides on)."""
        s = self._scored(query, None)
        order = self._ranked(s)
        return self._strength(s, terms_held(self.bm25, query, s["terms"], order[:5]), order)

    def _strength(self, s: dict, found: TermsHeld, order: np.ndarray) -> MatchStrength:
        top = order[:5]
        semantic = float(s["cosine"][top].max()) if top.size else 0.0
        return MatchStrength(semantic, self._lexical_strength(found, top))

    def _lexical_strength(self, found: TermsHeld, rows: np.ndarray) -> float:
        """Return the largest share of the query's idf mass that one of `rows` holds."""
        total = sum(found.idf.get(t, self._unknown_idf) for t in found.terms)
        if not total:
            return 0.0
        held = [found.of(int(r)) for r in rows]
        return max((sum(found.idf[t] for t in found.terms if t in h) / total for h in held), default=0.0)

    # --- results --------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> SearchResult:
        """Return the top `k` papers for `query` that pass `filters`; raise QueryError for unsearchable input."""
        text, note = clean_query(query)
        k, k_note = clamp_count(k, 1, MAX_RESULTS)
        note = join_notes(note, k_note)
        if not self.papers:
            return SearchResult(query=text, hits=(), weak=True, note="The corpus is empty.")
        allowed, matching, undated = None, None, 0
        if filters is not None and filters.active:
            outcome = self._filters.apply(filters, self.bm25)
            allowed, matching, undated = outcome.mask, int(outcome.mask.sum()), outcome.undated
            if not matching:
                return SearchResult(query=text, hits=(), weak=False, note=note, matching=0, undated=undated)
        s = self._scored(text, allowed)
        order = self._ranked(s)
        found = terms_held(self.bm25, text, s["terms"], np.union1d(order[:k], order[:5]))
        weak = self.config.is_weak(self._strength(s, found, order))
        self.papers.papers([self.papers.ids[r] for r in order[:k]])  # one read of the store for every card, not one each
        hits = self._hits(order[:k], s, found)
        return SearchResult(query=text, hits=hits, weak=weak, note=note, matching=matching, undated=undated)

    @staticmethod
    def _ranked(s: dict) -> np.ndarray:
        """Return the scored rows best first, those a filter left out (-inf) dropped."""
        rows, fused = s["rows"], s["fused"]
        order = np.argsort(-fused, kind="stable")
        return rows[order[np.isfinite(fused[order])]]

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
        allowed = np.ones(len(self.papers), dtype=bool)
        allowed[row] = False
        s = self._score(tokenize(paper.clean_title), self.vectors.doc_rows(row), allowed, feedback=False)
        order = self._ranked(s)[:k]
        found = terms_held(self.bm25, paper.clean_title, s["terms"], order)
        self.papers.papers([self.papers.ids[r] for r in order])
        hits = self._hits(order, s, found)
        return SearchResult(query=paper.title, hits=hits, weak=False)

    def _hits(self, order: np.ndarray, s: dict, found: TermsHeld) -> tuple[Hit, ...]:
        ranks = bm25_ranks(s["bm25"], s["bm25"][order])
        # Fused scores are kept per scored row, and the scored rows are ascending.
        scores = s["fused"][np.searchsorted(s["rows"], order)].tolist()
        return tuple(self._hit(int(r), rank, s, found, ranks[rank - 1], scores[rank - 1]) for rank, r in enumerate(order, start=1))

    def _hit(self, row: int, rank: int, s: dict, found: TermsHeld, bm25_rank: int | None, score: float) -> Hit:
        paper = self.papers[row]
        bm25 = float(s["bm25"][row])
        held = found.of(row)
        return Hit(
            paper=paper,
            rank=rank,
            score=score,
            bm25_rank=bm25_rank,
            bm25_score=bm25,
            matched_terms=tuple(matched_words(found, row)),
            dense_similarity=float(s["cosine"][row]),
            best_sentence=best_sentence(paper, held, found.idf),
        )
