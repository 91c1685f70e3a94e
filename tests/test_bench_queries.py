"""The latency benchmark's query set: shape, kinds, lengths, and paraphrases that share no title word."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from corpus.ingest import open_corpus
from corpus.store import CorpusStore
from retrieval.tokenize import tokenize

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "bench" / "queries.jsonl"
DEV = ROOT / "eval" / "dev.jsonl"
MINIMUM = {"dev": 45, "short": 50, "medium": 50, "long": 25, "paraphrase": 30}
WORDS = {"short": (1, 3), "medium": (4, 8), "long": (12, 40)}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _rows(QUERIES)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    return open_corpus(tmp_path_factory.mktemp("corpus") / "corpus.sqlite3")


def test_every_line_is_an_object_with_a_query_and_a_known_kind(rows: list[dict]) -> None:
    assert all(set(row) == {"query", "kind"} for row in rows)
    assert all(isinstance(row["query"], str) and row["query"].strip() for row in rows)
    assert all(row["query"] == row["query"].strip() for row in rows)
    assert {row["kind"] for row in rows} == set(MINIMUM)


def test_queries_are_distinct_ignoring_case_and_there_are_enough(rows: list[dict]) -> None:
    keys = [row["query"].casefold() for row in rows]
    assert len(set(keys)) == len(keys)
    assert len(keys) >= 200


def test_each_kind_has_its_minimum_count(rows: list[dict]) -> None:
    counts = Counter(row["kind"] for row in rows)
    assert all(counts[kind] >= least for kind, least in MINIMUM.items()), counts


def test_dev_queries_come_first_verbatim_in_dev_set_order(rows: list[dict]) -> None:
    dev = [row["query"] for row in _rows(DEV)]
    assert [row["query"] for row in rows if row["kind"] == "dev"] == dev
    assert [row["kind"] for row in rows[: len(dev)]] == ["dev"] * len(dev)


def test_kinds_are_grouped_in_a_fixed_order(rows: list[dict]) -> None:
    order = [kind for i, kind in enumerate(row["kind"] for row in rows) if i == 0 or rows[i - 1]["kind"] != kind]
    assert order == ["dev", "short", "medium", "long", "paraphrase"]


@pytest.mark.parametrize("kind", sorted(WORDS))
def test_word_counts_fit_the_kind(rows: list[dict], kind: str) -> None:
    low, high = WORDS[kind]
    outside = [row["query"] for row in rows if row["kind"] == kind and not low <= len(row["query"].split()) <= high]
    assert outside == []


def test_paraphrases_share_no_token_with_any_shipped_title(rows: list[dict], shipped: CorpusStore) -> None:
    vocabulary = {token for paper in shipped.papers() for token in tokenize(paper.title)}
    assert len(vocabulary) > 1000
    paraphrases = [row["query"] for row in rows if row["kind"] == "paraphrase"]
    assert all(len(tokenize(query)) >= 2 for query in paraphrases)
    shared = {query: sorted(set(tokenize(query)) & vocabulary) for query in paraphrases}
    assert {query: words for query, words in shared.items() if words} == {}
