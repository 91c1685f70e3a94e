"""What a card shows of why a paper matched: the query words it holds and its best sentence, without the model.

Picking the sentence with the model when no query word occurs in a paper cost up to
97 ms a query at 87k papers (p95); a search answers from the index alone, and questions
that deserve a model-picked sentence get one from `answer.py`. Which query terms each
shown paper holds is looked up once per search, one posting list per term (looking it up
per hit, word and sentence was 6 ms of a long question's search).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from corpus.paper import Paper
from retrieval.answer_features import background_mask
from retrieval.bm25 import BM25Index
from retrieval.sentences import split_sentences
from retrieval.tokenize import fold, tokenize, words

_JOINERS = re.compile(r"[-_'’]")


@dataclass(frozen=True)
class TermsHeld:
    """A query's words and terms, and which of its terms each of some papers (rows) holds."""

    # The query's distinct terms, in query order.
    terms: tuple[str, ...]
    # Each word of the query as typed (folded), with its terms.
    words: tuple[tuple[str, tuple[str, ...]], ...]
    # The query's distinct terms -> idf (terms no paper holds are absent).
    idf: dict[str, float]
    held: dict[int, frozenset[str]]

    def of(self, row: int) -> frozenset[str]:
        """Return the query terms paper `row` holds."""
        return self.held.get(row, frozenset())


def terms_held(index: BM25Index, query: str, terms: Sequence[str], rows: Sequence[int]) -> TermsHeld:
    """Return which of the query's terms each of `rows` holds (title or abstract)."""
    query_words = tuple((w, tuple(tokenize(w))) for w in dict.fromkeys(words(query)))
    unique = list(dict.fromkeys([*terms, *(t for _, stems in query_words for t in stems)]))
    rows_arr = np.asarray(list(rows), dtype=np.int64)
    held: dict[int, set[str]] = {int(r): set() for r in rows_arr}
    idf: dict[str, float] = {}
    for term in unique:
        slot = index.slot(term)
        if slot < 0:
            continue
        idf[term] = float(index.scorer.idf[slot])
        docs = index.scorer.postings.run(slot)[0]
        if rows_arr.size and docs.size:
            at = np.minimum(np.searchsorted(docs, rows_arr), docs.size - 1)
            for r in rows_arr[docs[at] == rows_arr]:
                held[int(r)].add(term)
    return TermsHeld(tuple(dict.fromkeys(terms)), query_words, idf, {r: frozenset(t) for r, t in held.items()})


def matched_words(found: TermsHeld, row: int) -> list[str]:
    """Return the query's words whose terms paper `row` all holds."""
    held = found.of(row)
    return [w for w, stems in found.words if stems and all(t in held for t in stems)]


def best_sentence(paper: Paper, held: frozenset[str], idf: dict[str, float]) -> str:
    """Return the abstract sentence with the most idf weight of the query terms the paper holds (`held`).

    Ties go to the earlier sentence. With no shared word, the sentence saying what the paper
    does (its first "we" or "this paper" sentence, else its first) stands for it.
    """
    sentences = split_sentences(paper.clean_abstract)
    if not sentences:
        return ""
    # A word whose stem is t starts with all of t but its last letter (Snowball rewrites
    # endings only), so a sentence can hold t only if it contains that start: summing the
    # idf of the starts it contains bounds its score from above. Sentences are tokenized
    # best bound first, until no bound left can beat the best score found.
    starts = [(t[: max(3, len(t) - 1)], idf.get(t, 0.0)) for t in held]
    bounded = []
    for i, sentence in enumerate(sentences):
        folded = fold(sentence)
        # Joined compounds ("zerothorder") are terms too: look for them without the joiners.
        squashed = _JOINERS.sub("", folded)
        bound = sum(weight for start, weight in starts if start in folded or start in squashed)
        if bound > 0:
            bounded.append((bound, -i, sentence))
    bounded.sort(reverse=True)
    best = (0.0, 0, "")
    for bound, neg_i, sentence in bounded:
        if best[0] > 0 and (best[0], best[1]) >= (bound, neg_i):
            break
        overlap = set(tokenize(sentence)) & held
        best = max(best, (sum(idf.get(t, 0.0) for t in overlap), neg_i, sentence))
    if best[0] > 0:
        return best[2]
    background = background_mask(sentences)
    return next((s for s, b in zip(sentences, background) if not b), sentences[0])
