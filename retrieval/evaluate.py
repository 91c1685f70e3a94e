"""Retrieval quality: nDCG@10, Recall@10 and MRR@10 for BM25, dense and hybrid rankings."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.hybrid import HybridRetriever
from retrieval.query import clean_query
from retrieval.types import QueryError

SYSTEMS = ("bm25", "dense", "hybrid")
CUTOFF = 10


@dataclass(frozen=True)
class Judged:
    """A query with graded judgments by paper id; no judgments means a negative query."""

    id: str
    type: str
    query: str
    grades: dict[str, int] = field(default_factory=dict)


def dcg(gains: list[float]) -> float:
    """Return the discounted cumulative gain of gains in rank order (linear gain)."""
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = CUTOFF) -> float:
    """Return nDCG@k with the grade itself as gain."""
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg([grades.get(doc, 0) for doc in ranked[:k]]) / ideal


def recall_at(ranked: list[str], grades: dict[str, int], min_grade: int, k: int = CUTOFF) -> float:
    """Return the share of relevant documents (grade >= min_grade) found in the top k."""
    relevant = {d for d, g in grades.items() if g >= min_grade}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def mrr_at(ranked: list[str], grades: dict[str, int], min_grade: int, k: int = CUTOFF) -> float:
    """Return the reciprocal rank of the first relevant document in the top k, else 0."""
    for i, doc in enumerate(ranked[:k]):
        if grades.get(doc, 0) >= min_grade:
            return 1.0 / (i + 1)
    return 0.0


def load_judged_titles(path: Path, retriever: HybridRetriever) -> tuple[list[Judged], list[str]]:
    """Read a query file keyed by paper title; return queries and titles not in the corpus."""
    queries, unknown = [], []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            grades = {}
            for title, grade in item.get("relevant", {}).items():
                paper = retriever.find_title(title)
                if paper is None:
                    unknown.append(title)
                else:
                    grades[paper.id] = int(grade)
            queries.append(Judged(str(item.get("id", number)), item.get("type", "query"), item["query"], grades))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a judged query ({exc})") from exc
    return queries, unknown


def load_beir(directory: Path) -> tuple[list[dict], list[Judged]]:
    """Read a BEIR directory: corpus.jsonl, queries.jsonl and qrels/test.tsv."""
    directory = Path(directory)
    corpus = [json.loads(line) for line in (directory / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    texts, types = {}, {}
    for line in (directory / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            texts[str(item["_id"])] = item["text"]
            types[str(item["_id"])] = str(item.get("type", "beir"))
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    with (directory / "qrels" / "test.tsv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) < 3 or row[0] in {"query-id", "query_id", "qid"}:
                continue
            grades[row[0]][row[1]] = int(row[2])
    judged = [Judged(qid, types[qid], texts[qid], dict(g)) for qid, g in grades.items() if qid in texts]
    return corpus, judged


def rankings(retriever: HybridRetriever, query: str, k: int = CUTOFF) -> dict[str, list[str]]:
    """Return the top-k paper ids of each system for one query."""
    s = retriever.score_all(query)
    ids = [p.id for p in retriever.papers]
    out = {}
    # "dense" alone is the plain query's dense score, before relevance feedback.
    for system, scores in (("bm25", s["bm25"]), ("dense", s["plain_dense"]), ("hybrid", s["fused"])):
        order = np.argsort(-scores, kind="stable")[:k]
        out[system] = [ids[i] for i in order]
    return out


def evaluate(retriever: HybridRetriever, queries: list[Judged], min_grade: int) -> dict:
    """Return mean metrics per system, per query type, and the weak flag's rates."""
    per: dict[str, dict[str, list[float]]] = {s: defaultdict(list) for s in SYSTEMS}
    by_type: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    flagged = {"negative": [], "positive": []}
    for q in queries:
        try:
            text, _ = clean_query(q.query)
        except QueryError:
            continue
        kind = "positive" if q.grades else "negative"
        flagged[kind].append(retriever.search(text, CUTOFF).weak)
        if not q.grades:
            continue
        ranked = rankings(retriever, text)
        for system in SYSTEMS:
            m = {
                "ndcg@10": ndcg_at(ranked[system], q.grades),
                "recall@10": recall_at(ranked[system], q.grades, min_grade),
                "mrr@10": mrr_at(ranked[system], q.grades, min_grade),
            }
            for name, value in m.items():
                per[system][name].append(value)
            by_type[q.type][system].append(m["ndcg@10"])

    def mean(values: list[float]) -> float:
        return round(float(np.mean(values)), 4) if values else 0.0

    result: dict = {s: {m: mean(v) for m, v in per[s].items()} for s in SYSTEMS}
    result["negatives_flagged"] = mean([float(x) for x in flagged["negative"]])
    result["positives_flagged"] = mean([float(x) for x in flagged["positive"]])
    result["queries"] = len(queries)
    result["by_type"] = {t: {s: mean(v) for s, v in systems.items()} | {"n": len(next(iter(systems.values())))} for t, systems in sorted(by_type.items())}
    return result
