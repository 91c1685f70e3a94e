"""Choose the answer gate (retrieval/answer.py AnswerModel): `python -m bench.answer_gate` updates answer_model.json.

For each TUNING question (retrieval/answer.py never sees the test half), searched as a mention
is, the gate value of its best card is coverage + r x rare coverage + w x dense similarity
(see AnswerModel). Questions the weak-match flag already answers "nothing close" are left out.
The issue allows at most one answerable question in 40 to be told "nothing close": for each
(w, r) on a small grid the threshold is set just under the value of the answerable question
that many from the bottom, and the (w, r) that then catches the most absent-topic questions
wins (ties: the wider gap between that threshold and the next answerable value below it).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.answer_quality import DEPTH, PAPERS, open_question_index
from bench.answer_set import BENCH_CORPUS, tuning_questions
from retrieval.answer import MODEL_PATH
from retrieval.answer import gate_parts

DENSE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
RARE_WEIGHTS = (0.0, 0.25, 0.5)
# At most this share of answerable tuning questions may be told "nothing close".
MISS_RATE = 1 / 40


def gate_values(retriever, questions) -> list[tuple[bool, np.ndarray]]:
    """Return (answerable, [coverage, rare coverage, dense] of each top card) for each question not flagged weak."""
    unknown = max(retriever.bm25.idf.values(), default=1.0)
    out = []
    for q in questions:
        result = retriever.search(q.query, DEPTH)
        if result.weak or not result.hits:
            continue
        parts = np.array([gate_parts(q.query, h.paper.text, h.dense_similarity, retriever.bm25.idf, unknown)
                          for h in result.hits[:PAPERS]])
        out.append((q.answerable, parts))
    return out


def choose(values: list[tuple[bool, np.ndarray]]) -> tuple[float, float, float, str]:
    """Return (dense weight, rare weight, threshold, how it was chosen)."""
    best = None
    for w in DENSE_WEIGHTS:
        for r in RARE_WEIGHTS:
            weights = np.array([1.0, r, w])
            pos = sorted(float((p @ weights).max()) for ok, p in values if ok)
            neg = [float((p @ weights).max()) for ok, p in values if not ok]
            misses = int(len(pos) * MISS_RATE)
            threshold = pos[misses] - 1e-6
            gap = pos[misses] - (pos[misses - 1] if misses else pos[0] - 1.0)
            caught = sum(v < threshold for v in neg)
            key = (caught, gap)
            if best is None or key > best[0]:
                best = (key, w, r, threshold, f"{caught}/{len(neg)} absent caught, {misses}/{len(pos)} answerable told nothing")
    _, w, r, threshold, how = best
    return w, r, threshold, how


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BENCH_CORPUS)
    parser.add_argument("--index", type=Path, help="reuse this index directory")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    questions = tuning_questions()
    with tempfile.TemporaryDirectory(prefix="paperscout-gate-") as tmp:
        retriever = open_question_index(args.corpus, args.index or Path(tmp), progress=sys.stderr.isatty())
        values = gate_values(retriever, questions)
    w, r, threshold, how = choose(values)
    model = json.loads(args.out.read_text(encoding="utf-8"))
    model.update(gate_dense=w, gate_rare=r, gate_min=round(threshold, 4))
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"{len(values)} tuning questions not flagged weak; gate: coverage + {r} x rare + {w} x dense >= {threshold:.4f} ({how})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
