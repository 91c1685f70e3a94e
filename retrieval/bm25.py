"""BM25 with rank-bm25's BM25Okapi semantics over flat posting lists.

rank-bm25 scores a query by walking every document's term dictionary; these indexes keep,
per key, the documents that hold it, so a query costs only its postings. The scores equal
`rank_bm25.BM25Okapi` (tested to 1e-6), including its idf floor: keys in more than half of
the documents get `epsilon * mean(idf)` instead of a negative idf.

Two indexes share one vocabulary (term -> integer id): the term index, keyed by term id,
and the phrase index of adjacent term pairs, keyed by the two ids packed into one integer,
so the 2.4 M distinct pairs of 87k abstracts never become Python strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from retrieval.postings import Postings, doc_key_counts

_PAIR_SHIFT = np.int64(1 << 32)
# The most bytes of per-key contributions a scorer keeps (see BM25Scorer._contribution).
KEPT_BYTES = 256 * 2**20


@dataclass(frozen=True)
class BM25Params:
    """BM25Okapi's parameters, with rank-bm25's defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


class Vocabulary:
    """Terms numbered in order of first sight; numbers are never reused, so stored keys stay valid."""

    def __init__(self, terms: list[str] | None = None) -> None:
        self.terms: list[str] = list(terms or [])
        self._ids = {t: i for i, t in enumerate(self.terms)}

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, term: str) -> int | None:
        """Return a term's number, or None if no document ever used it."""
        return self._ids.get(term)

    def numbered(self, terms: list[str]) -> np.ndarray:
        """Return the numbers of `terms`, numbering new ones (mutates: use on a copy being built)."""
        ids = self._ids
        out = np.empty(len(terms), dtype=np.int64)
        for i, term in enumerate(terms):
            n = ids.get(term)
            if n is None:
                n = ids[term] = len(self.terms)
                self.terms.append(term)
            out[i] = n
        return out

    def copy(self) -> Vocabulary:
        """Return an independent copy (an index being served must not see a new one's terms)."""
        return Vocabulary(self.terms)


def pair_keys(ids: np.ndarray) -> np.ndarray:
    """Return the keys of the adjacent pairs of a document's term numbers."""
    return ids[:-1] * _PAIR_SHIFT + ids[1:] if ids.size > 1 else ids[:0]


class BM25Scorer:
    """BM25Okapi over integer-keyed postings and document lengths."""

    def __init__(self, postings: Postings, doc_len: np.ndarray, params: BM25Params = BM25Params()) -> None:
        self.postings = postings
        self.doc_len = doc_len
        self.params = params
        self.n_docs = int(doc_len.size)
        df = postings.df.astype(np.float64)
        idf = np.log(self.n_docs - df + 0.5) - np.log(df + 0.5)
        if idf.size:
            floor = params.epsilon * float(idf.mean())
            idf = np.where(idf >= 0, idf, floor)
        self.idf = idf
        avgdl = float(doc_len.mean()) if self.n_docs else 1.0
        # The length normalisation of each document does not depend on the query.
        self._norm = params.k1 * (1 - params.b + params.b * doc_len / (avgdl or 1.0))
        self._kept: dict[int, np.ndarray] = {}
        self._kept_bytes = 0

    def _contribution(self, slot: int) -> np.ndarray:
        """Return one key's score added to each of its postings, idf tf (k1 + 1) / (tf + norm), kept once computed.

        Kept per key, on first use by an index scored with `precomputed`: at 87k papers it halves
        the time of a long question's BM25 (1.9 ms). Computed for every posting at once it held
        8 bytes a posting and took 7.7 s on the first query at a million papers (1.1 GB); per key,
        a query pays only for its own keys' first use. The idf is multiplied in once (the same
        product as at query time), and at most KEPT_BYTES are kept, the longest-kept dropped first,
        so a long-running bot's memory stays bounded (230 MB after the 253 benchmark queries at 1M).
        """
        found = self._kept.get(slot)
        if found is None:
            ids, tfs = self.postings.run(slot)
            found = self.idf[slot] * self._saturation(tfs, ids)
            # Two threads may both compute a key: the same values. The lock-free bookkeeping may
            # miscount under a race, which only moves when keys are dropped.
            self._kept[slot] = found
            self._kept_bytes += found.nbytes
            while self._kept_bytes > KEPT_BYTES and len(self._kept) > 1:
                try:
                    self._kept_bytes -= self._kept.pop(next(iter(self._kept))).nbytes
                except (KeyError, RuntimeError, StopIteration):  # another thread dropped it first
                    break
        return found

    def _saturation(self, tfs: np.ndarray, docs: np.ndarray) -> np.ndarray:
        tf = tfs.astype(np.float64)
        return tf * (self.params.k1 + 1) / (tf + self._norm[docs])

    def add_scores(self, scores: np.ndarray, key: int, *, precomputed: bool = False) -> bool:
        """Add one key's BM25 contribution to `scores`; return whether any document has the key."""
        slot = self.postings.slot(key)
        if slot < 0:
            return False
        if precomputed:
            scores[self.postings.run(slot)[0]] += self._contribution(slot)
            return True
        ids, tfs = self.postings.run(slot)
        scores[ids] += self.idf[slot] * self._saturation(tfs, ids)
        return True

    def scores(self, keys: list[int], *, precomputed: bool = False) -> np.ndarray:
        """Return every document's score for these keys (a repeated key counts again)."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        for key in keys:
            self.add_scores(scores, key, precomputed=precomputed)
        return scores


class IdfView(Mapping):
    """The term index's idf as a read-only mapping term -> idf (terms some document holds)."""

    def __init__(self, index: BM25Index) -> None:
        self._index = index

    def __getitem__(self, term: str) -> float:
        slot = self._index.slot(term)
        if slot < 0:
            raise KeyError(term)
        return float(self._index.scorer.idf[slot])

    def __iter__(self) -> Iterator[str]:
        terms = self._index.vocab.terms
        return (terms[int(k)] for k in self._index.scorer.postings.keys)

    def __len__(self) -> int:
        return len(self._index.scorer.postings)

    def values(self) -> list[float]:  # type: ignore[override]
        """Return every idf, in iteration order, straight from the array (not one look-up per term)."""
        return self._index.scorer.idf.tolist()


class BM25Index:
    """BM25 over terms (strings), numbered by a vocabulary."""

    def __init__(self, docs: list[list[str]], params: BM25Params = BM25Params()) -> None:
        vocab = Vocabulary()
        keys, doc, tf = doc_key_counts([vocab.numbered(d) for d in docs], 0)
        postings = Postings.empty().appended(keys, doc, tf)
        self._setup(vocab, BM25Scorer(postings, np.array([len(d) for d in docs], dtype=np.float64), params))

    @classmethod
    def from_parts(cls, vocab: Vocabulary, scorer: BM25Scorer) -> BM25Index:
        """Return an index over a vocabulary and the scorer of its term postings."""
        index = cls.__new__(cls)
        index._setup(vocab, scorer)
        return index

    def _setup(self, vocab: Vocabulary, scorer: BM25Scorer) -> None:
        self.vocab = vocab
        self.scorer = scorer
        self.params = scorer.params
        self.n_docs = scorer.n_docs
        self.doc_len = scorer.doc_len
        self.idf = IdfView(self)

    def slot(self, term: str) -> int:
        """Return the term's slot in the postings, or -1 if no document holds it."""
        key = self.vocab.get(term)
        return -1 if key is None else self.scorer.postings.slot(key)

    def __contains__(self, term: str) -> bool:
        return self.slot(term) >= 0

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """Return the BM25 score of every document for the query (repeated terms count again)."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        for term in query_terms:
            key = self.vocab.get(term)
            if key is not None:
                self.scorer.add_scores(scores, key, precomputed=True)
        return scores

    def all_terms_mask(self, terms: list[str]) -> np.ndarray:
        """Return, per document, whether it holds every one of `terms` (a term nobody uses: none does)."""
        mask = np.ones(self.n_docs, dtype=bool)
        for term in dict.fromkeys(terms):
            slot = self.slot(term)
            if slot < 0:
                return np.zeros(self.n_docs, dtype=bool)
            holds = np.zeros(self.n_docs, dtype=bool)
            holds[self.scorer.postings.run(slot)[0]] = True
            mask &= holds
        return mask


class PhraseIndex:
    """BM25 over adjacent term pairs, numbered through the term index's vocabulary."""

    def __init__(self, vocab: Vocabulary, scorer: BM25Scorer) -> None:
        self.vocab = vocab
        self.scorer = scorer

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """Return every document's BM25 score for the query's adjacent pairs (a pair of an unknown term: none)."""
        ids = [self.vocab.get(t) for t in query_terms]
        keys = [int(a * _PAIR_SHIFT + b) for a, b in zip(ids, ids[1:]) if a is not None and b is not None]
        return self.scorer.scores(keys)
