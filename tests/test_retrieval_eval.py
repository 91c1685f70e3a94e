"""Evaluation metrics on hand-computed examples, and `paperscout eval --beir` on a tiny directory."""

from __future__ import annotations

import json
import math

import pytest

from bot.cli import main
from retrieval.evaluate import dcg, mrr_at, ndcg_at, recall_at


def test_metrics_match_hand_computation():
    ranked = ["a", "x", "b", "y", "c"]
    grades = {"a": 3, "b": 2, "c": 1, "d": 2}
    # DCG = 3/log2(2) + 0 + 2/log2(4) + 0 + 1/log2(6); ideal order 3, 2, 2, 1.
    actual = 3 + 2 / 2 + 1 / math.log2(6)
    ideal = 3 + 2 / math.log2(3) + 2 / 2 + 1 / math.log2(5)
    assert dcg([3, 0, 2, 0, 1]) == pytest.approx(actual)
    assert ndcg_at(ranked, grades) == pytest.approx(actual / ideal)
    # Relevant means grade >= 2: a, b, d; two of three are in the top 10.
    assert recall_at(ranked, grades, min_grade=2) == pytest.approx(2 / 3)
    assert mrr_at(["x", "c", "b"], grades, min_grade=2) == pytest.approx(1 / 3)
    assert mrr_at(["x", "y"], grades, min_grade=2) == 0.0
    assert ndcg_at(ranked, {}) == 0.0


def test_cutoff_is_ten():
    ranked = [f"n{i}" for i in range(10)] + ["a"]
    assert ndcg_at(ranked, {"a": 3}) == 0.0
    assert recall_at(ranked, {"a": 3}, min_grade=1) == 0.0


def _write_beir(root):
    docs = [
        ("d1", "Sinkhorn iterations for optimal transport", "We accelerate the Sinkhorn algorithm for entropic optimal transport."),
        ("d2", "Implicit differentiation of optimization layers", "We differentiate through the solution of an optimization problem."),
        ("d3", "Convolutional networks for image classification", "A deep residual network classifies images."),
        ("d4", "Theorem proving with language models", "A language model proves theorems in Lean."),
    ]
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": i, "title": t, "text": x}) for i, t, x in docs), encoding="utf-8")
    queries = [("q1", "fast optimal transport"), ("q2", "differentiating through an argmin"), ("q3", "neural theorem provers")]
    (root / "queries.jsonl").write_text("\n".join(json.dumps({"_id": i, "text": t}) for i, t in queries), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td4\t1\n", encoding="utf-8")


def test_eval_beir_on_a_tiny_directory(tmp_path, capsys, monkeypatch):
    _write_beir(tmp_path / "beir")
    data_dir = tmp_path / "botdata"
    monkeypatch.setenv("PAPERSCOUT_DATA_DIR", str(data_dir))
    assert main(["eval", "--beir", str(tmp_path / "beir"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["queries"] == 3
    assert set(result) >= {"bm25", "dense", "hybrid", "negatives_flagged", "positives_flagged"}
    assert result["hybrid"]["mrr@10"] == pytest.approx(1.0)
    assert result["dense"]["recall@10"] == pytest.approx(1.0)
    # The bot's data dir is never touched by an evaluation.
    assert not data_dir.exists()
