"""Rationale top-1 precision on SciFact's set-aside claims: `python -m bench.scifact_report`.

For each (claim, abstract) pair of the set-aside part (bench/scifact.py; never used for fitting
or choosing), each rule picks one sentence of the abstract; top-1 precision is the share of
pairs whose pick is an annotated rationale sentence. The gate is not involved: every abstract
here is known to bear on its claim. Rules: the new scorer (retrieval/answer_model.json), the
previous rule (bench/answer_baselines.py), plain MiniLM cosine of claim and sentence, and the
first sentence. The spread is the standard deviation over five folds of the pairs.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np

from bench.answer_baselines import previous_scores
from bench.answer_fit import folds
from bench.scifact import DEFAULT_DIR, read_cases, split_cases
from retrieval.answer import default_model
from retrieval.answer_features import sentence_features
from retrieval.bm25 import BM25Index
from retrieval.encoder import MiniLMEncoder
from retrieval.question_kind import question_kind
from retrieval.tokenize import tokenize


def picks(directory: Path = DEFAULT_DIR) -> dict[str, list[bool]]:
    """Return, per rule, whether its pick was a rationale sentence, for each set-aside pair."""
    every = read_cases(directory)
    aside = split_cases(every)[1]
    idf = BM25Index([tokenize(c.title + " " + " ".join(c.sentences)) for c in {c.title: c for c in every}.values()]).idf
    unknown = max(idf.values(), default=1.0)
    encoder = MiniLMEncoder()
    static = encoder.static_vectors()
    weights = default_model().weights
    out: dict[str, list[bool]] = {"new scorer": [], "previous rule": [], "plain cosine": [], "first sentence": []}
    for c in aside:
        n = len(c.sentences)
        features = sentence_features(c.claim, question_kind(c.claim), c.title, c.sentences, idf, static)
        vectors = encoder.encode([c.claim, *c.sentences, *(f"{c.title}. {s}" for s in c.sentences)])
        cosine, titled = vectors[1:1 + n] @ vectors[0], vectors[1 + n:] @ vectors[0]
        previous = previous_scores(c.claim, c.title, c.sentences, titled, idf, unknown)
        for name, scores in (("new scorer", features @ weights), ("previous rule", previous), ("plain cosine", cosine)):
            out[name].append(int(np.argmax(scores)) in c.rationale)
        out["first sentence"].append(0 in c.rationale)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    results = picks(args.data)
    n = len(next(iter(results.values())))
    print(f"SciFact set-aside part: {n} (claim, abstract) pairs\n{'rule':16} {'top-1':>6} {'spread':>7}")
    for name, hits in results.items():
        spread = statistics.pstdev(float(np.mean(f)) for f in folds(hits, 5))
        print(f"{name:16} {np.mean(hits):6.3f} {spread:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
