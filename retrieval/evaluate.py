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


class JudgmentsError(ValueError):
    """A judged query file or BEIR directory that cannot be used; the message names the file (and line) and why."""


@dataclass(frozen=True)
class TitleJudged:
    """A judged query as a file states it: relevance grades keyed by paper title."""

    id: str
    type: str
    query: str
    grades: dict[str, int]


def _text_of(path: Path) -> str:
    """Return a file's text, or raise JudgmentsError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JudgmentsError(f"{path}: cannot read it ({exc.strerror or exc.__class__.__name__})") from None
    except UnicodeDecodeError:
        raise JudgmentsError(f"{path}: not UTF-8 text") from None


def _grade(value: object, what: str) -> int:
    """Return a relevance grade as an int; bools and fractions are mistakes, not grades."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{what} must be a whole number, not {value!r}") from None


def _title_judged(item: object, number: int) -> TitleJudged:
    if not isinstance(item, dict):
        raise ValueError("expected a JSON object")
    query = item.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ValueError("missing or empty 'query'")
    relevant = item.get("relevant", {})
    if not isinstance(relevant, dict):
        raise ValueError("'relevant' must map paper titles to grades")
    grades = {str(title): _grade(grade, f"the grade of {title!r}") for title, grade in relevant.items()}
    return TitleJudged(str(item.get("id", number)), str(item.get("type", "query")), query, grades)


def read_judged_titles(path: Path) -> list[TitleJudged]:
    """Read a query file keyed by paper title (one JSON object a line); raise JudgmentsError with file:line on bad input.

    Read before any index is opened: a wrong path should cost a second, not an index build.
    """
    path = Path(path)
    items = []
    for number, line in enumerate(_text_of(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(_title_judged(json.loads(line), number))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            raise JudgmentsError(f"{path}:{number}: not a judged query ({exc})") from None
    if not items:
        raise JudgmentsError(f"{path}: no judged queries in it")
    return items


def resolve_titles(items: list[TitleJudged], retriever: HybridRetriever) -> tuple[list[Judged], list[str]]:
    """Return the queries with grades keyed by paper id, and the judged titles not in the corpus."""
    queries, unknown = [], []
    for item in items:
        grades = {}
        for title, grade in item.grades.items():
            paper = retriever.find_title(title)
            if paper is None:
                unknown.append(title)
            else:
                grades[paper.id] = grade
        queries.append(Judged(item.id, item.type, item.query, grades))
    return queries, unknown


def load_judged_titles(path: Path, retriever: HybridRetriever) -> tuple[list[Judged], list[str]]:
    """Read a query file keyed by paper title; return queries and titles not in the corpus."""
    return resolve_titles(read_judged_titles(path), retriever)


def _json_lines(path: Path, required: tuple[str, ...]) -> list[dict]:
    """Return the JSON objects of a JSONL file, each holding the `required` keys; raise JudgmentsError with file:line."""
    items = []
    for number, line in enumerate(_text_of(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise JudgmentsError(f"{path}:{number}: not JSON ({exc})") from None
        if not isinstance(item, dict):
            raise JudgmentsError(f"{path}:{number}: expected a JSON object")
        missing = [key for key in required if key not in item]
        if missing:
            raise JudgmentsError(f"{path}:{number}: missing {', '.join(repr(k) for k in missing)}")
        items.append(item)
    return items


def load_beir(directory: Path) -> tuple[list[dict], list[Judged]]:
    """Read a BEIR directory: corpus.jsonl, queries.jsonl and qrels/test.tsv; raise JudgmentsError naming what is wrong."""
    directory = Path(directory)
    if not directory.is_dir():
        raise JudgmentsError(f"{directory}: not a directory (a BEIR directory holds corpus.jsonl, queries.jsonl and qrels/test.tsv)")
    corpus = _json_lines(directory / "corpus.jsonl", ("_id",))
    if not corpus:
        raise JudgmentsError(f"{directory / 'corpus.jsonl'}: no documents in it")
    texts, types = {}, {}
    for item in _json_lines(directory / "queries.jsonl", ("_id", "text")):
        texts[str(item["_id"])] = str(item["text"])
        types[str(item["_id"])] = str(item.get("type", "beir"))
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    qrels = directory / "qrels" / "test.tsv"
    for number, row in enumerate(csv.reader(_text_of(qrels).splitlines(), delimiter="\t"), start=1):
        if len(row) < 3 or row[0] in {"query-id", "query_id", "qid"}:
            continue
        try:
            grades[row[0]][row[1]] = _grade(row[2], "the grade")
        except ValueError as exc:
            raise JudgmentsError(f"{qrels}:{number}: {exc}") from None
    judged = [Judged(qid, types[qid], texts[qid], dict(g)) for qid, g in grades.items() if qid in texts]
    # Queries typed "negative" have no judgments by design (nothing in the corpus answers them).
    judged += [Judged(qid, kind, texts[qid]) for qid, kind in types.items() if kind == "negative" and qid not in grades]
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
