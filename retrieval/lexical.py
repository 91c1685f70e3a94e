"""The lexical half of the index: term and phrase BM25 over the same rows, updated by difference.

Each row remembers which paper it indexes and that paper's content digest (corpus/paper.py:
the cleaned title and abstract, all the indexed text is made of), so a changed corpus costs
only its difference, found from the store's ids and digests alone: rows of removed or edited
papers are dropped, new and edited papers are read, tokenized and appended. Rebuilding instead took a minute and 3.5 GB at
87k papers for every new paper (see BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from corpus.paper import Paper
from retrieval.bm25 import BM25Index, BM25Params, BM25Scorer, PhraseIndex, Vocabulary, pair_keys
from retrieval.postings import Postings, doc_key_counts
from retrieval.tokenize import tokenize

# Papers tokenized per step of a full build: bounds the memory of the token lists in flight.
BUILD_BATCH = 16_384


def lexical_text(paper: Paper, title_repeats: int) -> str:
    """Return the text BM25 indexes: the title `title_repeats` times, then the abstract."""
    return " ".join([paper.clean_title] * title_repeats + [paper.clean_abstract])


@dataclass(frozen=True)
class LexicalIndex:
    """Term BM25 and phrase BM25 over the same rows; row i indexes paper `row_ids[i]`."""

    terms: BM25Index
    phrases: PhraseIndex
    row_ids: tuple[str, ...]
    row_digests: tuple[str, ...]

    @property
    def params(self) -> BM25Params:
        """Return the BM25 parameters of both indexes."""
        return self.terms.params

    def scores(self, terms: list[str], phrase_weight: float) -> tuple[np.ndarray, np.ndarray | None]:
        """Return every row's term BM25 for `terms`, and its phrase BM25 (None when unweighted, or when no pair
        of the query occurs anywhere: a constant would add nothing)."""
        bm25 = self.terms.scores(terms)
        if phrase_weight <= 0:
            return bm25, None
        phrase = self.phrases.scores(terms)
        return bm25, (phrase if phrase.any() else None)

    @classmethod
    def empty(cls, params: BM25Params = BM25Params()) -> LexicalIndex:
        """Return an index of no rows."""
        vocab = Vocabulary()
        nothing = np.zeros(0, dtype=np.float64)
        return cls(
            BM25Index.from_parts(vocab, BM25Scorer(Postings.empty(), nothing, params)),
            PhraseIndex(vocab, BM25Scorer(Postings.empty(), nothing, params)),
            (), (),
        )

    def appended(self, papers: Sequence[Paper], title_repeats: int) -> LexicalIndex:
        """Return this index with one new row per paper, after the present ones."""
        if not papers:
            return self
        vocab = self.terms.vocab.copy()
        first = self.terms.n_docs
        texts = [lexical_text(p, title_repeats) for p in papers]
        numbered = [vocab.numbered(tokenize(text)) for text in texts]
        pairs = [pair_keys(ids) for ids in numbered]
        lengths = np.array([ids.size for ids in numbered], dtype=np.float64)
        params = self.params
        term_scorer, phrase_scorer = self.terms.scorer, self.phrases.scorer
        terms = BM25Scorer(
            term_scorer.postings.appended(*doc_key_counts(numbered, first)),
            np.concatenate([term_scorer.doc_len, lengths]), params,
        )
        phrases = BM25Scorer(
            phrase_scorer.postings.appended(*doc_key_counts(pairs, first)),
            np.concatenate([phrase_scorer.doc_len, np.maximum(lengths - 1, 0)]), params,
        )
        return LexicalIndex(
            BM25Index.from_parts(vocab, terms),
            PhraseIndex(vocab, phrases),
            self.row_ids + tuple(p.id for p in papers),
            self.row_digests + tuple(p.content_digest for p in papers),
        )

    def without(self, dropped: np.ndarray) -> LexicalIndex:
        """Return this index without the rows where `dropped` is True (the others keep their order)."""
        if not dropped.any():
            return self
        params, vocab = self.params, self.terms.vocab
        term_scorer, phrase_scorer = self.terms.scorer, self.phrases.scorer
        terms = BM25Scorer(term_scorer.postings.without(dropped), term_scorer.doc_len[~dropped], params)
        phrases = BM25Scorer(phrase_scorer.postings.without(dropped), phrase_scorer.doc_len[~dropped], params)
        keep = np.flatnonzero(~dropped)
        return LexicalIndex(
            BM25Index.from_parts(vocab, terms),
            PhraseIndex(vocab, phrases),
            tuple(self.row_ids[i] for i in keep),
            tuple(self.row_digests[i] for i in keep),
        )


@dataclass(frozen=True)
class LexicalUpdate:
    """An index brought up to date, and how much of it changed."""

    index: LexicalIndex
    added: int
    dropped: int

    @property
    def changed(self) -> bool:
        """Return whether any row was added or dropped."""
        return bool(self.added or self.dropped)


def build_lexical(papers: Sequence[Paper], title_repeats: int, params: BM25Params = BM25Params()) -> LexicalIndex:
    """Return a new index of `papers`: tokenized in batches (the token lists in memory stay small), merged once."""
    vocab = Vocabulary()
    terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    lengths: list[np.ndarray] = []
    ids: list[str] = []
    digests: list[str] = []
    for start in range(0, len(papers), BUILD_BATCH):
        # A slice at a time: papers read from the store (paper_rows.py) are read batch by batch.
        batch = papers[start:start + BUILD_BATCH]
        texts = [lexical_text(p, title_repeats) for p in batch]
        numbered = [vocab.numbered(tokenize(text)) for text in texts]
        # Rows so far, not `start`: a paper removed from the store meanwhile shortens its batch.
        first = len(ids)
        terms.append(_compact(doc_key_counts(numbered, first)))
        pairs.append(_compact(doc_key_counts([pair_keys(n) for n in numbered], first)))
        lengths.append(np.array([n.size for n in numbered], dtype=np.float64))
        ids += [p.id for p in batch]
        digests += [p.content_digest for p in batch]
    doc_len = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.float64)
    return LexicalIndex(
        BM25Index.from_parts(vocab, BM25Scorer(_merged(terms), doc_len, params)),
        PhraseIndex(vocab, BM25Scorer(_merged(pairs), np.maximum(doc_len - 1, 0), params)),
        tuple(ids), tuple(digests),
    )


def _compact(triples: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (key, doc, count) triples in the postings' own types: 14 bytes a posting held until the merge, not 20."""
    keys, docs, tfs = triples
    return keys, docs.astype(np.int32, copy=False), np.minimum(tfs, 65535).astype(np.uint16)


def _merged(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Postings:
    """Return the postings of batches' triples (each batch in document order, batches in order), emptying `parts`."""
    if not parts:
        return Postings.empty()
    # Each batch's triples are sorted by document then key, and batches follow each other: the whole is in document order.
    keys = np.concatenate([k for k, _, _ in parts])
    docs = np.concatenate([d for _, d, _ in parts])
    tfs = np.concatenate([t for _, _, t in parts])
    parts.clear()
    return Postings.from_doc_order(keys, docs, tfs)


def update_lexical(
    index: LexicalIndex | None, keys: Mapping[str, str], fetch: Callable[[Sequence[str]], Sequence[Paper]], title_repeats: int,
) -> LexicalUpdate:
    """Return `index` made to index exactly the papers `keys` names (id -> content digest, in store order).

    Rows of gone or edited papers are dropped; `fetch` reads the papers to append (all of
    them, batch by batch, when there is no index yet). Kept rows keep their order and new
    ones follow in the order of `keys`; the caller orders everything else by `row_ids`.
    """
    if index is None:
        built = build_lexical(_Fetched(tuple(keys), fetch), title_repeats)
        return LexicalUpdate(built, len(built.row_ids), 0)
    dropped = np.fromiter(
        (keys.get(pid) != digest for pid, digest in zip(index.row_ids, index.row_digests)),
        dtype=bool, count=len(index.row_ids),
    )
    index = index.without(dropped)
    present = set(index.row_ids)
    added = fetch([pid for pid in keys if pid not in present])
    return LexicalUpdate(index.appended(added, title_repeats), len(added), int(dropped.sum()))


class _Fetched(Sequence[Paper]):
    """The papers of `ids`, read a slice at a time (what build_lexical walks)."""

    def __init__(self, ids: tuple[str, ...], fetch: Callable[[Sequence[str]], Sequence[Paper]]) -> None:
        self._ids, self._fetch = ids, fetch

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return list(self._fetch(self._ids[row]))
        return self._fetch([self._ids[row]])[0]
