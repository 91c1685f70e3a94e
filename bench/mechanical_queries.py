"""A quality check nobody tunes on: queries made mechanically from papers sampled out of a large corpus.

For each of `papers` papers drawn (with `seed`) from a JSONL(.gz) corpus:
- a known-item query: the title's words shuffled, about a third of them dropped (at least
  three kept), as someone half-remembering a title types it;
- a passage query: the sentence in the middle of the abstract, as someone quoting what a
  paper says rather than what it is called.
The one relevant paper of each query is its source. The index holds the sampled papers
plus the shipped corpus (as distractors). The result is a BEIR directory, which
`paperscout eval --beir` scores; `paperscout eval --generated CORPUS` does both at once.
The scale corpus stays outside the repo; this generator and its default seed are the record.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench.corpus_file import read_corpus
from corpus.clean import clean_text
from corpus.records import Candidate
from retrieval.sentences import split_sentences

DEFAULT_PAPERS = 1000
DEFAULT_SEED = 13
# Share of a title's words a known-item query leaves out.
DROP = 0.33


def known_item_query(title: str, rng: random.Random) -> str:
    """Return the title's words shuffled with about a third dropped (at least three kept, or all if fewer)."""
    words = title.split()
    kept = [w for w in words if rng.random() >= DROP]
    if len(kept) < min(3, len(words)):
        kept = rng.sample(words, min(3, len(words)))
    rng.shuffle(kept)
    return " ".join(kept)


def passage_query(abstract: str) -> str | None:
    """Return the middle sentence of the abstract, or None if it has no sentence of eight words or more."""
    sentences = [s for s in split_sentences(clean_text(abstract)) if len(s.split()) >= 8]
    return sentences[len(sentences) // 2] if sentences else None


def generate(corpus: Path, papers: int = DEFAULT_PAPERS, seed: int = DEFAULT_SEED) -> tuple[list[Candidate], list[dict]]:
    """Return the sampled papers and their queries ({"id", "type", "query", "paper"}: index into the papers)."""
    rng = random.Random(seed)
    pool = read_corpus(corpus)
    sampled = rng.sample(pool, min(papers, len(pool)))
    queries = []
    for i, paper in enumerate(sampled):
        queries.append({"id": f"k{i}", "type": "known_item", "query": known_item_query(paper.title, rng), "paper": i})
        passage = passage_query(paper.abstract)
        if passage is not None:
            queries.append({"id": f"p{i}", "type": "passage", "query": passage, "paper": i})
    return sampled, queries


def write_beir(directory: Path, sampled: list[Candidate], queries: list[dict], distractors: list[Candidate]) -> None:
    """Write the sampled papers plus distractors, the queries and their judgments as a BEIR directory."""
    (directory / "qrels").mkdir(parents=True, exist_ok=True)
    with (directory / "corpus.jsonl").open("w", encoding="utf-8") as handle:
        for i, paper in enumerate(sampled):
            handle.write(json.dumps({"_id": f"s{i}", "title": paper.title, "text": paper.abstract}) + "\n")
        for i, paper in enumerate(distractors):
            handle.write(json.dumps({"_id": f"d{i}", "title": paper.title, "text": paper.abstract}) + "\n")
    with (directory / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for q in queries:
            handle.write(json.dumps({"_id": q["id"], "text": q["query"], "type": q["type"]}) + "\n")
    with (directory / "qrels" / "test.tsv").open("w", encoding="utf-8") as handle:
        handle.write("query-id\tcorpus-id\tscore\n")
        for q in queries:
            handle.write(f"{q['id']}\ts{q['paper']}\t1\n")


def build(corpus: Path, directory: Path, papers: int = DEFAULT_PAPERS, seed: int = DEFAULT_SEED) -> int:
    """Generate the check into `directory` (the shipped corpus as distractors); return the number of queries."""
    sampled, queries = generate(corpus, papers, seed)
    taken = {s.title.strip().lower() for s in sampled}
    distractors = [c for c in read_corpus(None) if c.title.strip().lower() not in taken]
    write_beir(directory, sampled, queries, distractors)
    return len(queries)
