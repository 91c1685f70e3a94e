"""Sentences that answer a question: for each of the top papers, its abstract sentence that answers, if any.

A question asks for a kind of answer (retrieval/question_kind.py); each candidate sentence
of a paper's abstract is scored by a linear model over cheap features
(retrieval/answer_features.py): words shared with the question and with what the title does
not already say, closeness of meaning by mean word-piece vectors, place in the abstract
(background first, findings later), and the cues of the kind asked (numbers for "how much",
"than" for comparisons, "we show that" for yes/no, "by"/"using" for "how", "because" for
"why"). The weights are fitted by `python -m bench.answer_fit` on SciFact's training
rationales and the tuning half of eval/questions.jsonl, and ship in answer_model.json.

A paper is quoted only when it holds enough of what the question asks (AnswerModel's gate):
otherwise it is shown as a card, not quoted, so no sentence is put forward as an answer it is not.
No model runs over the sentences at question time: a question costs its search plus a few
milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from retrieval.answer_features import NAMES, idf_share, sentence_features
from retrieval.answer_span import answer_span
from retrieval.question_kind import question_kind
from retrieval.sentences import split_sentences
from retrieval.static_vectors import StaticVectors
from retrieval.tokenize import tokenize
from retrieval.types import Hit

MODEL_PATH = Path(__file__).resolve().with_name("answer_model.json")
# Very long abstracts are cut: later sentences are rarely the answer.
MAX_SENTENCES = 24
# Fragments shorter than this ("Code is released.") say nothing quotable.
MIN_CHARS = 25


@dataclass(frozen=True)
class Quote:
    """One sentence quoted from a paper's abstract, citing the card `number` it came from."""

    paper_id: str
    # 1-based: the hit's position among the answer's papers (the card the quote cites).
    number: int
    # Copied verbatim from split_sentences(paper.clean_abstract); never rewritten.
    sentence: str
    score: float
    # [start, end) of the words that answer (the figure, the comparison, the finding), or None.
    bold: tuple[int, int] | None = None


@dataclass(frozen=True)
class QuestionAnswer:
    """What a question got: the kind of answer it asks for, and its quotes in card order."""

    question: str
    kind: str
    quotes: tuple[Quote, ...]

    @property
    def answered(self) -> bool:
        """Return whether any paper answers (else the reply says "nothing close")."""
        return bool(self.quotes)


@dataclass(frozen=True)
class AnswerModel:
    """The fitted sentence weights (one per feature of NAMES) and the gate a paper must pass to be quoted.

    The gate (gate_parts): the share of the question's idf mass the paper's title and abstract
    hold, plus `gate_rare` x the share of its two rarest words' mass, plus `gate_dense` x the
    paper's dense similarity, at least `gate_min`. A paper about another topic that shares the
    question's everyday words ("accuracy", "transformer") holds little of its rare words
    ("insulin", "tokamak"); the paper a question was asked about holds most.
    """

    weights: np.ndarray
    gate_dense: float = 0.5
    gate_rare: float = 0.0
    gate_min: float = 0.0

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> AnswerModel:
        """Read a model written by bench/answer_fit.py; its feature list must be today's."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != NAMES:
            raise ValueError(f"{path} was fitted on other features: run `python -m bench.answer_fit`")
        return cls(np.asarray(data["weights"], dtype=np.float64), float(data["gate_dense"]),
                   float(data.get("gate_rare", 0.0)), float(data["gate_min"]))

    def passes(self, parts: tuple[float, float, float]) -> bool:
        """Return whether a paper with these gate_parts may be quoted."""
        coverage, rare, dense = parts
        return coverage + self.gate_rare * rare + self.gate_dense * dense >= self.gate_min


def gate_parts(question: str, paper_text: str, dense_similarity: float, idf: Mapping[str, float],
               unknown: float) -> tuple[float, float, float]:
    """Return (coverage, rare coverage, dense similarity) of a paper for a question (see AnswerModel)."""
    terms = list(dict.fromkeys(tokenize(question)))
    present = set(tokenize(paper_text))
    rare = sorted(terms, key=lambda t: -idf.get(t, unknown))[:2]
    return idf_share(terms, present, idf, unknown), idf_share(rare, present, idf, unknown), dense_similarity


_DEFAULT: AnswerModel | None = None


def default_model() -> AnswerModel:
    """Return the shipped model, read once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = AnswerModel.load()
    return _DEFAULT


def candidate_sentences(abstract: str) -> list[tuple[int, str]]:
    """Return (position, sentence) pairs of an abstract worth scoring, in abstract order."""
    sentences = split_sentences(abstract)[:MAX_SENTENCES]
    kept = [(i, s) for i, s in enumerate(sentences) if len(s) >= MIN_CHARS]
    # An abstract of fragments only still gets its sentences considered.
    return kept or list(enumerate(sentences))


def answer_question(
    question: str,
    hits: Sequence[Hit],
    idf: Mapping[str, float],
    static: StaticVectors | None = None,
    *,
    model: AnswerModel | None = None,
    max_papers: int = 3,
    unknown_idf: float | None = None,
) -> QuestionAnswer:
    """Return the quotes that answer `question` among `hits[:max_papers]`, in card order (the best paper first)."""
    model = model or default_model()
    kind = question_kind(question)
    if not question.strip():
        return QuestionAnswer(question, kind, ())
    question_static = static.encode([question])[0] if static is not None else None
    # A question word the corpus never uses weighs like its rarest known word.
    unknown = max(idf.values(), default=1.0) if unknown_idf is None else unknown_idf
    quotes = []
    for number, hit in enumerate(hits[: max(0, max_papers)], start=1):
        sentences = [s for _, s in candidate_sentences(hit.paper.clean_abstract)]
        if not sentences or not model.passes(gate_parts(question, hit.paper.text, hit.dense_similarity, idf, unknown)):
            continue
        features = sentence_features(question, kind, hit.paper.clean_title, sentences, idf, static, question_static, unknown)
        scores = features @ model.weights
        # Ties go to the earlier sentence: argmax returns the first maximum.
        best = int(np.argmax(scores))
        sentence = sentences[best]
        quotes.append(Quote(hit.paper.id, number, sentence, float(scores[best]), answer_span(question, kind, sentence)))
    return QuestionAnswer(question, kind, tuple(quotes))
