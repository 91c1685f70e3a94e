"""The seeded draw that split eval/questions.jsonl into tuning and test halves before any rule changed.

Within each (source, kind) group, in file order, the questions are shuffled with the seed and
the first half (rounded down) goes to "tune", the rest to "test". `tests/test_answer_set.py`
checks that the file's halves are this draw, so no question can move between halves by hand.
"""

from __future__ import annotations

import random
from collections import defaultdict

SPLIT_SEED = 19
TUNE = "tune"
TEST = "test"


def draw_halves(questions: list[dict], seed: int = SPLIT_SEED) -> dict[str, str]:
    """Return each question id's half."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for q in questions:
        groups[(q["source"], q["kind"])].append(q["id"])
    halves = {}
    for key in sorted(groups):
        ids = list(groups[key])
        random.Random(f"{seed}:{key[0]}:{key[1]}").shuffle(ids)
        for i, qid in enumerate(ids):
            halves[qid] = TUNE if i < len(ids) // 2 else TEST
    return halves
