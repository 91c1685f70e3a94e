"""Sentences that answer a question: one verbatim abstract sentence per top paper, chosen by meaning and words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from retrieval.encoder import Encoder
from retrieval.sentences import split_sentences
from retrieval.tokenize import tokenize
from retrieval.types import Hit


@dataclass(frozen=True)
class Quote:
    """One sentence quoted from a paper's abstract, citing the card `number` it came from."""

    paper_id: str
    # 1-based: the hit's position among the answer's papers (the card the quote cites).
    number: int
    # Copied verbatim from split_sentences(paper.clean_abstract); never rewritten.
    sentence: str
    score: float


@dataclass(frozen=True)
class AnswerWeights:
    """How a sentence's answer score is made; the weights were chosen on held-apart questions (see below).

    score = cosine(question, "title. sentence")
            + lexical * overlap(question, sentence)
            + ask * overlap(question words not in the title, sentence)
            - background * (sentence precedes the abstract's first "we" / "this paper")

    Chosen on 26 tuning questions (other papers, judged like eval/answers.jsonl, not shipped),
    kept apart from the 15 that bench/answer_quality.py scores, under the constraint that
    "is there work on faster Sinkhorn?" quotes the sentence saying the method is faster. An
    acceptable sentence was picked for 10/26 by plain cosine, 12/26 with the title as context,
    13/26 adding the background penalty, and 12/26 with the terms below (11-12/26 over lexical
    0-0.2, ask 0.1-0.2, background 0.05-0.15): the `ask` term costs one question and is what
    makes the Sinkhorn case work, which also needs background >= 0.1. Small numbers: read the
    differences as "no worse", not as gains.
    """

    # The meaning: each sentence is read as part of its paper, its title prefixed (as in the
    # index's windows), so "our method" and acronyms ("the SNS algorithm") count as the topic.
    # Counting shared keywords first, as `best_sentence` does, quotes motivation sentences
    # that restate the topic; so words only break near-ties (cosines differ by 0.05-0.3).
    # Share (0..1) of the question's idf mass found in the sentence.
    lexical: float = 0.1
    # Share of the idf mass of the question's words the title does not already contain, found
    # in the sentence: the title tells the reader the topic, the quote should answer the rest
    # ("faster" in "faster Sinkhorn"). MiniLM alone rates "its runtime may still be slow" closer
    # to "faster Sinkhorn" than "converges orders of magnitude faster".
    ask: float = 0.1
    # Background: the sentences an abstract opens with before it first says what "we" or
    # "this paper" did. They restate the field and its problem ("Despite the success of the
    # Sinkhorn algorithm, its runtime may still be slow"), so they resemble the question while
    # answering none of it. A mild penalty: a background sentence still wins when clearly closer.
    background: float = 0.1
    # Very long abstracts are cut: later sentences are rarely the answer and each costs an encode.
    max_sentences: int = 24
    # Fragments shorter than this ("Code is released.") say nothing quotable.
    min_chars: int = 25


DEFAULT_WEIGHTS = AnswerWeights()
# Below this, the best sentence is only loosely related to the question: the paper is still
# shown as a card, but quoting it would put words in its mouth. Set on eval/dev.jsonl's 45
# queries (top 3 each): it drops 13 of 15 quotes for the negative queries, 11 of 30 for
# papers judged irrelevant and 4 of 90 for papers judged relevant.
MIN_SCORE = 0.4
# A sentence that says what the authors did: the end of an abstract's background.
_CONTRIBUTION = re.compile(r"\b(?:we|our|us|this (?:paper|work|study|article)|here)\b", re.IGNORECASE)


def candidate_sentences(abstract: str, weights: AnswerWeights = DEFAULT_WEIGHTS) -> list[tuple[int, str]]:
    """Return (position, sentence) pairs of an abstract worth scoring, in abstract order."""
    sentences = split_sentences(abstract)[: weights.max_sentences]
    kept = [(i, s) for i, s in enumerate(sentences) if len(s) >= weights.min_chars]
    # An abstract of fragments only still gets its sentences considered.
    return kept or list(enumerate(sentences))


def lexical_overlap(query_terms: Sequence[str], sentence: str, idf: Mapping[str, float], unknown: float | None = None) -> float:
    """Return the share of the query's idf mass whose terms occur in `sentence` (0..1)."""
    unique = list(dict.fromkeys(query_terms))
    if not unique:
        return 0.0
    # A query word the corpus never uses weighs like its rarest known word.
    unknown = max(idf.values(), default=1.0) if unknown is None else unknown
    weight = {t: idf.get(t, unknown) for t in unique}
    total = sum(weight.values())
    if total <= 0:
        return 0.0
    present = set(tokenize(sentence))
    return sum(w for t, w in weight.items() if t in present) / total


def background_mask(sentences: Sequence[str]) -> list[bool]:
    """Return, per sentence, whether it comes before the abstract's first contribution sentence.

    An abstract that never says "we" or "this paper" has no detectable background: nothing is marked.
    """
    first = next((i for i, s in enumerate(sentences) if _CONTRIBUTION.search(s)), None)
    if first is None:
        return [False] * len(sentences)
    return [i < first for i in range(len(sentences))]


def sentence_scores(
    cosines: np.ndarray,
    overlaps: Sequence[float],
    ask_overlaps: Sequence[float],
    background: Sequence[bool],
    weights: AnswerWeights = DEFAULT_WEIGHTS,
) -> np.ndarray:
    """Return each sentence's answer score (see AnswerWeights) from its parts."""
    scores = np.asarray(cosines, dtype=np.float64)
    scores = scores + weights.lexical * np.asarray(overlaps, dtype=np.float64)
    scores = scores + weights.ask * np.asarray(ask_overlaps, dtype=np.float64)
    return scores - weights.background * np.asarray(background, dtype=np.float64)


def _in_context(title: str, sentence: str) -> str:
    return f"{title}. {sentence}" if title else sentence


def answer_quotes(
    query: str,
    hits: Sequence[Hit],
    encoder: Encoder,
    idf: Mapping[str, float],
    *,
    max_papers: int = 3,
    min_score: float = MIN_SCORE,
    weights: AnswerWeights = DEFAULT_WEIGHTS,
) -> tuple[Quote, ...]:
    """Return at most one quote per paper among `hits[:max_papers]`, in hit order; weak papers get none."""
    papers = [h.paper for h in hits[: max(0, max_papers)]]
    per_paper = [candidate_sentences(p.clean_abstract, weights) for p in papers]
    texts = [_in_context(p.clean_title, s) for p, cands in zip(papers, per_paper) for _, s in cands]
    if not texts or not query.strip():
        return ()
    # One encode call for the query and every candidate: a few dozen short texts.
    vectors = encoder.encode([query, *texts])
    cosines = vectors[1:] @ vectors[0]
    query_terms = list(dict.fromkeys(tokenize(query)))
    # A question word the corpus never uses weighs like its rarest known word.
    unknown = max(idf.values(), default=1.0)
    quotes: list[Quote] = []
    start = 0
    for number, (paper, cands) in enumerate(zip(papers, per_paper), start=1):
        end = start + len(cands)
        paper_cosines = cosines[start:end]
        start = end
        if not cands:
            continue
        sentences = [s for _, s in cands]
        title_terms = set(tokenize(paper.clean_title))
        ask_terms = [t for t in query_terms if t not in title_terms]
        scores = sentence_scores(
            paper_cosines,
            [lexical_overlap(query_terms, s, idf, unknown) for s in sentences],
            [lexical_overlap(ask_terms, s, idf, unknown) for s in sentences],
            background_mask(sentences),
            weights,
        )
        # Ties go to the earlier sentence: argmax returns the first maximum.
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score < min_score:
            continue
        quotes.append(Quote(paper_id=paper.id, number=number, sentence=sentences[best], score=score))
    return tuple(quotes)
