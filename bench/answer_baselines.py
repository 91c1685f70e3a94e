"""The rules the new answer scorer is measured against: the previous rule, plain cosine, and the first sentence.

The previous rule (until issue 19) scored "title. sentence" by MiniLM cosine with the
question, plus 0.1 x the share of the question's idf mass in the sentence, plus 0.1 x that of
the words the title lacks, minus 0.1 for background sentences, and quoted a paper when its
best sentence reached 0.4, in card order; it embedded every candidate sentence at question
time. Kept here only so `python -m bench.answer_quality` can report it beside the new one.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from retrieval.answer import Quote, QuestionAnswer, candidate_sentences
from retrieval.answer_features import background_mask, idf_share
from retrieval.encoder import Encoder
from retrieval.question_kind import question_kind
from retrieval.tokenize import tokenize
from retrieval.types import Hit, SearchResult

PREVIOUS_MIN_SCORE = 0.4
PAPERS = 3


def _per_paper(hits: Sequence[Hit]) -> list[tuple[int, Hit, list[str]]]:
    out = []
    for number, hit in enumerate(hits[:PAPERS], start=1):
        sentences = [s for _, s in candidate_sentences(hit.paper.clean_abstract)]
        if sentences:
            out.append((number, hit, sentences))
    return out


def previous_scores(question: str, title: str, sentences: Sequence[str], titled_cosines: np.ndarray,
                    idf: Mapping[str, float], unknown: float) -> np.ndarray:
    """Return the previous rule's score of each sentence, given cosines of the question with "title. sentence"."""
    terms = list(dict.fromkeys(tokenize(question)))
    title_terms = set(tokenize(title))
    ask = [t for t in terms if t not in title_terms]
    present = [set(tokenize(s)) for s in sentences]
    return (titled_cosines + 0.1 * np.array([idf_share(terms, p, idf, unknown) for p in present])
            + 0.1 * np.array([idf_share(ask, p, idf, unknown) for p in present])
            - 0.1 * background_mask(sentences))


def previous_rule(encoder: Encoder, idf: Mapping[str, float]) -> Callable[[SearchResult], QuestionAnswer]:
    """Return the rule the bot used before: cosine with the title as context, words, background penalty."""
    unknown = max(idf.values(), default=1.0)

    def answer(result: SearchResult) -> QuestionAnswer:
        kind = question_kind(result.query)
        if result.weak:
            return QuestionAnswer(result.query, kind, ())
        papers = _per_paper(result.hits)
        texts = [f"{h.paper.clean_title}. {s}" for _, h, ss in papers for s in ss]
        if not texts:
            return QuestionAnswer(result.query, kind, ())
        vectors = encoder.encode([result.query, *texts])
        cosines = vectors[1:] @ vectors[0]
        quotes, start = [], 0
        for number, hit, sentences in papers:
            cos = cosines[start:start + len(sentences)]
            start += len(sentences)
            scores = previous_scores(result.query, hit.paper.clean_title, sentences, cos, idf, unknown)
            best = int(np.argmax(scores))
            if scores[best] >= PREVIOUS_MIN_SCORE:
                quotes.append(Quote(hit.paper.id, number, sentences[best], float(scores[best])))
        return QuestionAnswer(result.query, kind, tuple(quotes))

    return answer


def plain_cosine(encoder: Encoder) -> Callable[[SearchResult], QuestionAnswer]:
    """Return a rule quoting, for each paper, the sentence closest to the question by MiniLM cosine (never "nothing close" but for weak)."""

    def answer(result: SearchResult) -> QuestionAnswer:
        kind = question_kind(result.query)
        if result.weak:
            return QuestionAnswer(result.query, kind, ())
        quotes = []
        for number, hit, sentences in _per_paper(result.hits):
            vectors = encoder.encode([result.query, *sentences])
            cos = vectors[1:] @ vectors[0]
            best = int(np.argmax(cos))
            quotes.append(Quote(hit.paper.id, number, sentences[best], float(cos[best])))
        return QuestionAnswer(result.query, kind, tuple(quotes))

    return answer


def first_sentence(result: SearchResult) -> QuestionAnswer:
    """Quote each paper's first candidate sentence (never "nothing close" but for weak)."""
    kind = question_kind(result.query)
    if result.weak:
        return QuestionAnswer(result.query, kind, ())
    quotes = tuple(Quote(h.paper.id, n, ss[0], 0.0) for n, h, ss in _per_paper(result.hits))
    return QuestionAnswer(result.query, kind, quotes)
