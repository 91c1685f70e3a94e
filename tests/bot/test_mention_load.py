"""The mention load benchmark's core, small: every request answered once, figures present and ordered (never its speed)."""

from __future__ import annotations

import math
from pathlib import Path

from bench.mention_load import as_question, pick_queries, run_load
from tests.bot.fakes import FakeRetriever

QUERIES = ["fast sinkhorn iterations", "implicit differentiation", "graph neural networks", "attention transformers",
           "optimal transport distances", "message passing on graphs", "automatic differentiation?"]


async def test_five_mentions_and_five_finds_each_answered_once(tmp_path: Path) -> None:
    result = await run_load(FakeRetriever(), QUERIES, 5, tmp_path, timeout=15, settle=0.2)
    summary = result.summary()
    for burst, key in ((result.mentions, "mention"), (result.finds, "find")):
        assert burst.answers == (1,) * 5 and burst.each_answered_once
        assert burst.failures == 0  # neither an apology nor a rate-limit refusal
        f = summary[key]
        assert f["n"] == f["answered_once"] == 5
        figures = [f["p50_ms"], f["p95_ms"], f["p99_ms"], f["max_ms"]]
        assert all(math.isfinite(x) and x > 0 for x in figures)
        assert figures == sorted(figures)
    assert len(result.finds.acks_s) == 5
    assert summary["cores"] >= 1 and summary["papers"] == len(FakeRetriever())


def test_queries_are_picked_reproducibly_and_asked_as_questions() -> None:
    assert pick_queries(QUERIES, 10) == pick_queries(QUERIES, 10)
    assert len(pick_queries(QUERIES, 10)) == 10 and set(pick_queries(QUERIES, 7)) == set(QUERIES)
    assert as_question("sinkhorn") == "is there work on sinkhorn?"
    assert as_question("automatic differentiation?") == "automatic differentiation?"
