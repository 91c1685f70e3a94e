"""BM25 with rank-bm25's BM25Okapi semantics over an inverted index.

rank-bm25 scores a query by walking every document's term dictionary; this index keeps,
per term, the documents that contain it, so a query costs only its postings. The scores
are equal to `rank_bm25.BM25Okapi` (tested to 1e-6), including its idf floor: terms in
more than half of the documents get `epsilon * mean(idf)` instead of a negative idf.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BM25Params:
    """BM25Okapi's parameters, with rank-bm25's defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


class BM25Index:
    """An inverted index over tokenized documents that scores queries with BM25Okapi."""

    def __init__(self, docs: list[list[str]], params: BM25Params = BM25Params()) -> None:
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self._setup(
            {t: (np.array(ids, dtype=np.int32), np.array(tfs, dtype=np.float64)) for t, (ids, tfs) in postings.items()},
            np.array([len(d) for d in docs], dtype=np.float64),
            params,
        )

    @classmethod
    def from_postings(
        cls, postings: dict[str, tuple[np.ndarray, np.ndarray]], doc_len: np.ndarray, params: BM25Params
    ) -> BM25Index:
        """Rebuild an index from its postings (term -> sorted doc ids, term frequencies)."""
        index = cls.__new__(cls)
        index._setup(postings, doc_len, params)
        return index

    @property
    def postings(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Return term -> (sorted doc ids, term frequencies); read-only by convention."""
        return self._postings

    def _setup(self, postings: dict[str, tuple[np.ndarray, np.ndarray]], doc_len: np.ndarray, params: BM25Params) -> None:
        self.params = params
        self.doc_len = doc_len
        self.n_docs = len(doc_len)
        self._postings = postings
        self.idf = self._idf({t: len(ids) for t, (ids, _) in self._postings.items()})
        avgdl = float(doc_len.mean()) if self.n_docs else 1.0
        # The length normalisation of each document does not depend on the query.
        self._norm = params.k1 * (1 - params.b + params.b * doc_len / (avgdl or 1.0))

    def _idf(self, df: dict[str, int]) -> dict[str, float]:
        idf = {t: math.log(self.n_docs - n + 0.5) - math.log(n + 0.5) for t, n in df.items()}
        if not idf:
            return idf
        floor = self.params.epsilon * (sum(idf.values()) / len(idf))
        return {t: (v if v >= 0 else floor) for t, v in idf.items()}

    def __contains__(self, term: str) -> bool:
        return term in self._postings

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """Return the BM25 score of every document for the query (repeated terms count again)."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        k1 = self.params.k1
        for term in query_terms:
            posting = self._postings.get(term)
            if posting is None:
                continue
            ids, tfs = posting
            scores[ids] += self.idf[term] * (tfs * (k1 + 1) / (tfs + self._norm[ids]))
        return scores

    def doc_terms(self, doc: int, query_terms: list[str]) -> list[str]:
        """Return the query terms present in document `doc`, in query order, once each."""
        found = []
        for term in dict.fromkeys(query_terms):
            posting = self._postings.get(term)
            if posting is not None:
                ids = posting[0]
                j = np.searchsorted(ids, doc)
                if j < len(ids) and ids[j] == doc:
                    found.append(term)
        return found

    def all_terms_mask(self, terms: list[str]) -> np.ndarray:
        """Return, per document, whether it holds every one of `terms` (a term nobody uses: none does)."""
        mask = np.ones(self.n_docs, dtype=bool)
        for term in dict.fromkeys(terms):
            posting = self._postings.get(term)
            if posting is None:
                return np.zeros(self.n_docs, dtype=bool)
            holds = np.zeros(self.n_docs, dtype=bool)
            holds[posting[0]] = True
            mask &= holds
        return mask
