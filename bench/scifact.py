"""SciFact rationales: external data for answer-sentence selection (training claims only).

`../shared/data/scifact-rationales/` holds SciFact's training claims (Wadden et al., 2020),
each with a cited abstract and the sentences annotated as its rationale. A case is one
(claim, abstract) pair with evidence: the sentences are the abstract's own list, the
rationale the union of its evidence sets' sentences. The cases are split by claim, with a
fixed seed, into a training part (for fitting and tuning) and a set-aside part that only
the final report reads. The split was drawn before any selection rule was changed.
"""

from __future__ import annotations

import ast
import csv
import io
import random
import re
import sys
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "scifact-rationales"
SPLIT_SEED = 19
# Share of claims set aside, scored only for the report.
SET_ASIDE = 0.4


@dataclass(frozen=True)
class RationaleCase:
    """A claim, its cited abstract's title and sentences, and which sentences are its rationale."""

    claim_id: int
    claim: str
    title: str
    sentences: tuple[str, ...]
    rationale: frozenset[int]


def _sentence_list(text: str) -> tuple[str, ...]:
    """Return the sentences of an abstract written as a list of string literals, commas or not.

    The file writes numpy's repr (`['First.'\n 'Second.']`): parsed as one Python expression,
    adjacent literals would join into one string, so each literal is read as a token.
    """
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return tuple(str(ast.literal_eval(t.string)).strip() for t in tokens if t.type == tokenize.STRING)


def read_cases(directory: Path = DEFAULT_DIR) -> list[RationaleCase]:
    """Return every (claim, abstract) pair with annotated rationale sentences, in file order."""
    csv.field_size_limit(sys.maxsize)
    docs: dict[str, tuple[str, tuple[str, ...]]] = {}
    with (directory / "corpus.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sentences = _sentence_list(row["abstract"])
            docs[row["doc_id"]] = (row["title"].strip(), sentences)
    rationale: dict[tuple[int, str], set[int]] = defaultdict(set)
    claims: dict[int, str] = {}
    with (directory / "claims_train.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            # Written as "[4]", "[1, 9]" or "[1 9]": the numbers are what counts.
            indexes = [int(n) for n in re.findall(r"\d+", row["evidence_sentences"] or "")]
            if not row["evidence_doc_id"] or not indexes:
                continue
            claim_id = int(row["id"])
            claims[claim_id] = row["claim"].strip()
            rationale[(claim_id, row["evidence_doc_id"])].update(int(i) for i in indexes)
    cases = []
    for (claim_id, doc_id), indexes in rationale.items():
        if doc_id not in docs:
            continue
        title, sentences = docs[doc_id]
        kept = frozenset(i for i in indexes if 0 <= i < len(sentences))
        if kept and len(sentences) > 1:
            cases.append(RationaleCase(claim_id, claims[claim_id], title, sentences, kept))
    return cases


def split_cases(cases: list[RationaleCase], seed: int = SPLIT_SEED) -> tuple[list[RationaleCase], list[RationaleCase]]:
    """Return (training part, set-aside part), split by claim so a claim's abstracts stay together."""
    claim_ids = sorted({c.claim_id for c in cases})
    random.Random(seed).shuffle(claim_ids)
    aside = set(claim_ids[: round(len(claim_ids) * SET_ASIDE)])
    return [c for c in cases if c.claim_id not in aside], [c for c in cases if c.claim_id in aside]
