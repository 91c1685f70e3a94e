"""Fit the answer scorer's weights: `python -m bench.answer_fit` rewrites retrieval/answer_model.json.

The scorer is linear in the features of retrieval/answer_features.py; within one abstract a
softmax over its sentences is fitted to put its mass on the acceptable ones (listwise
cross-entropy, L2 penalty, features standardized, then folded back into plain weights).
Training cases: SciFact's training rationales (the part not set aside, bench/scifact.py) and
the tuning questions (the tuning half of eval/questions.jsonl and eval/questions_tuning_extra.jsonl;
each question over its own paper; the test half is never read here). The L2 strength and the weight given to the question cases are chosen by 5-fold
cross-validation over the tuning questions (SciFact always in training). About a minute on
two cores, most of it reading the SciFact corpus; the model is a few hundred bytes of JSON.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.answer_set import BENCH_CORPUS, Question, question_corpus, tuning_questions
from bench.scifact import DEFAULT_DIR, read_cases, split_cases
from retrieval.answer import MODEL_PATH, candidate_sentences
from retrieval.answer_features import NAMES, sentence_features
from retrieval.bm25 import BM25Index
from retrieval.encoder import MiniLMEncoder
from retrieval.question_kind import question_kind
from retrieval.static_vectors import StaticVectors
from retrieval.tokenize import tokenize


@dataclass(frozen=True, eq=False)
class FitCase:
    """One abstract's sentence features and which sentences are acceptable answers."""

    features: np.ndarray
    accepted: np.ndarray
    weight: float = 1.0
    group: str = "scifact"


def scifact_cases(static: StaticVectors, directory: Path = DEFAULT_DIR, part: int = 0) -> list[FitCase]:
    """Return the SciFact cases of one part of the split (0: training, 1: set aside)."""
    cases = split_cases(read_cases(directory))[part]
    every = read_cases(directory)
    idf = BM25Index([tokenize(c.title + " " + " ".join(c.sentences)) for c in {c.title: c for c in every}.values()]).idf
    out = []
    for c in cases:
        x = sentence_features(c.claim, question_kind(c.claim), c.title, c.sentences, idf, static)
        acc = np.array([i in c.rationale for i in range(len(c.sentences))])
        out.append(FitCase(x, acc))
    return out


def question_cases(static: StaticVectors, questions: list[Question], corpus: Path | None = BENCH_CORPUS) -> list[FitCase]:
    """Return the answerable questions, each over its own paper's candidate sentences."""
    papers = question_corpus(corpus)
    idf = BM25Index([tokenize(p.text) for p in papers]).idf
    by_title = {p.clean_title: p for p in papers}
    out = []
    for q in questions:
        if not q.answerable or q.title not in by_title:
            continue
        paper = by_title[q.title]
        sentences = [s for _, s in candidate_sentences(paper.clean_abstract)]
        acc = np.array([s in q.accept for s in sentences])
        if not acc.any():
            continue
        x = sentence_features(q.query, question_kind(q.query), paper.clean_title, sentences, idf, static)
        out.append(FitCase(x, acc, group=q.id))
    return out


def fit(cases: list[FitCase], l2: float, steps: int = 400, lr: float = 0.05) -> np.ndarray:
    """Return weights (raw feature scale) minimizing the weighted listwise loss plus l2 * |w|^2."""
    stacked = np.concatenate([c.features for c in cases])
    mean, std = stacked.mean(axis=0), stacked.std(axis=0) + 1e-9
    xs = [(c.features - mean) / std for c in cases]
    w = np.zeros(len(NAMES))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    total = sum(c.weight for c in cases)
    for step in range(1, steps + 1):
        grad = 2 * l2 * w
        for x, c in zip(xs, cases):
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            q = p * c.accepted
            q /= q.sum()
            grad += c.weight / total * (x.T @ (p - q))
        # Adam: the features' scales differ even standardized (rare binary cues).
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad ** 2
        w -= lr * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    return w / std


def top1(cases: list[FitCase], w: np.ndarray) -> float:
    """Return the share of cases whose best-scored sentence is acceptable."""
    return float(np.mean([c.accepted[int(np.argmax(c.features @ w))] for c in cases])) if cases else 0.0


def folds(items: list, k: int, seed: int = 19) -> list[list]:
    """Return `items` dealt into k folds after a seeded shuffle."""
    order = list(items)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BENCH_CORPUS, help="the bench corpus the questions' sample comes from")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    static = MiniLMEncoder().static_vectors()
    sci = scifact_cases(static)
    tune = question_cases(static, tuning_questions(), corpus=args.corpus)
    print(f"training cases: {len(sci)} SciFact, {len(tune)} tuning questions")
    best = None
    for l2 in (0.001, 0.01, 0.1):
        for qweight in (1.0, 3.0, 10.0):
            scores = []
            for held in folds(tune, 5):
                held_ids = {c.group for c in held}
                train = sci + [FitCase(c.features, c.accepted, qweight, c.group) for c in tune if c.group not in held_ids]
                scores.append(top1(held, fit(train, l2)))
            mean = float(np.mean(scores))
            print(f"l2 {l2:<6} question weight {qweight:<5} fold top-1 {mean:.3f} (folds {', '.join(f'{s:.2f}' for s in scores)})")
            if best is None or mean > best[0] + 1e-9:
                best = (mean, l2, qweight)
    _, l2, qweight = best
    w = fit(sci + [FitCase(c.features, c.accepted, qweight, c.group) for c in tune], l2)
    # The gate is chosen afterwards, over searched papers (bench/answer_gate.py): keep it.
    old = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    model = {"features": list(NAMES), "weights": [round(float(x), 6) for x in w],
             "gate_dense": old.get("gate_dense", 0.5), "gate_rare": old.get("gate_rare", 0.0),
             "gate_min": old.get("gate_min", 0.0),
             "l2": l2, "question_weight": qweight}
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"chose l2 {l2}, question weight {qweight}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
