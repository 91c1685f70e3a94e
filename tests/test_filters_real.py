"""Filters through the real retriever (BM25, vectors, the candidate pool): not a fake that re-implements them."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from corpus.records import Candidate, new_paper
from retrieval.filters import SearchFilters, has_code, published_day
from retrieval.fusion import FusionConfig
from retrieval.index import open_retriever
from retrieval.tokenize import tokenize
from tests.test_retrieval_index import paths
from tests.test_vector_reconcile import HashEncoder


def test_has_code_keeps_only_papers_with_code_and_counts_them(shipped_services) -> None:
    retriever = shipped_services.retriever
    with_code = sum(has_code(p) for p in retriever.papers)
    assert 0 < with_code < len(retriever.papers)  # a filter that every paper passes would prove nothing
    result = retriever.search("optimization of neural networks", 10, SearchFilters(has_code=True))
    assert result.hits and all(has_code(h.paper) for h in result.hits)
    assert result.matching == with_code
    plain = retriever.search("optimization of neural networks", 30)
    ids = [h.paper.id for h in plain.hits]
    assert retriever.count_passing(ids, SearchFilters(has_code=True)) == sum(has_code(h.paper) for h in plain.hits)
    # The filter is applied before the top k is cut: papers with code beyond the unfiltered top 10 still come.
    assert len(result.hits) == min(10, with_code)


def test_excluding_words_drops_every_paper_that_holds_them(shipped_services) -> None:
    retriever = shipped_services.retriever
    plain = retriever.search("sinkhorn optimal transport", 10)
    assert any("sinkhorn" in tokenize(h.paper.text) for h in plain.hits)
    result = retriever.search("sinkhorn optimal transport", 10, SearchFilters(exclude=("Sinkhorn",)))
    assert result.hits and all("sinkhorn" not in tokenize(h.paper.text) for h in result.hits)


@pytest.fixture
def dated(tmp_path):
    """A real retriever over papers of known dates (a fake encoder: the filters are what is tested)."""
    years = [2021, 2022, 2023, 2024, 2025, None]
    papers = [
        new_paper(Candidate(title=f"Graph transformers study {i}", abstract=f"Graph transformers for molecules, study {i}.",
                            source="test", rank=i + 1, published=f"{year}-06-01" if year else None), f"p{i}", "2026-01-01")
        for i, year in enumerate(years * 3)
    ]
    return open_retriever(papers, paths(tmp_path), HashEncoder())


def test_a_date_filter_keeps_the_window_and_says_how_many_had_no_date(dated) -> None:
    since = SearchFilters(since=date(2024, 1, 1))
    result = dated.search("graph transformers", 20, since)
    assert result.hits and all(published_day(h.paper) >= date(2024, 1, 1) for h in result.hits)
    assert len(result.hits) == 6 and result.undated == 3 and result.matching == 6
    window = SearchFilters(since=date(2022, 1, 1), until=date(2022, 12, 31))
    assert {published_day(h.paper).year for h in dated.search("graph transformers", 20, window).hits} == {2022}
    ids = [p.id for p in dated.papers]
    assert dated.count_passing(ids, since) == 6
    assert dated.count_passing(ids, SearchFilters()) == len(ids)


class WordsEncoder:
    """A hand-written fake encoder whose cosines follow shared words (each word a fixed random vector), so dense ranks like words."""

    name = "words-encoder-for-tests"

    def encode(self, texts):
        rows = []
        for text in texts:
            vector = np.zeros(384)
            for word in tokenize(text):
                vector += np.random.default_rng(int.from_bytes(word.encode()[:8], "little")).normal(size=384)
            rows.append(vector / (np.linalg.norm(vector) or 1.0))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), 384)


def test_a_filter_reaches_papers_beyond_the_unfiltered_candidate_pool(tmp_path) -> None:
    """With a pool of 20 among 120 papers, a filter that only the pool's outsiders pass still finds them."""
    papers = [
        new_paper(Candidate(title=f"Graph transformers for molecules {i}" if i < 100 else f"Diffusion samplers for images {i}",
                            abstract=("Graph transformers for molecular property prediction." if i < 100
                                      else "Diffusion models sample images quickly.") + f" Variant {i}.",
                            source="test", rank=i + 1, published="2025-06-01" if i >= 100 else "2021-06-01"), f"p{i}", "2026-01-01")
        for i in range(120)
    ]
    config = dataclasses.replace(FusionConfig(), candidates=20, norm_depth=20)
    retriever = open_retriever(papers, paths(tmp_path), WordsEncoder(), config)
    pool = {h.paper.id for h in retriever.search("graph transformers molecules", 120).hits}
    assert len(pool) < len(papers)  # the pool is smaller than the corpus
    recent = SearchFilters(since=date(2025, 1, 1))
    assert not pool & {p.id for p in papers if published_day(p) >= date(2025, 1, 1)}  # no recent paper in the plain pool
    result = retriever.search("graph transformers molecules", 10, recent)
    assert len(result.hits) == 10 and result.matching == 20
    assert all(published_day(h.paper) >= date(2025, 1, 1) for h in result.hits)
    assert retriever.count_passing([p.id for p in papers], recent) == 20


def _paperscout(data_dir, *args: str) -> str:
    done = subprocess.run([str(Path(sys.executable).with_name("paperscout")), *args], capture_output=True, text=True,
                          env={**os.environ, "PAPERSCOUT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_search_since_and_has_code_run_as_a_process_keep_only_passing_papers(tmp_path, shipped_data_dir) -> None:
    """Dated papers, some with code, ingested beside the shipped ones (which have no dates), then searched as a user would."""
    data_dir = tmp_path / "data"
    shutil.copytree(shipped_data_dir, data_dir)
    rows = [{"title": f"Contrastive graph representation learning, study {i}",
             "abstract": f"We learn graph representations with a contrastive objective (study {i}) and test them on molecules.",
             "published": f"{2022 + i % 4}-03-01", **({"github_repo": f"https://github.com/lab/graphs{i}"} if i % 2 else {})}
            for i in range(12)]
    (tmp_path / "new.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    _paperscout(data_dir, "ingest", str(tmp_path / "new.jsonl"))
    query = "contrastive graph representation learning"
    plain = {h["title"] for h in json.loads(_paperscout(data_dir, "search", query, "-k", "30", "--json"))}
    passing = {r["title"] for r in rows if r["published"] >= "2024" and "github_repo" in r}
    assert len(passing) == 3 and plain > passing  # the plain top 30 holds papers the filters must remove
    hits = json.loads(_paperscout(data_dir, "search", query, "-k", "30", "--since", "2024-01-01", "--has-code", "--json"))
    assert {h["title"] for h in hits} == passing
    code_only = {h["title"] for h in json.loads(_paperscout(data_dir, "search", query, "-k", "30", "--has-code", "--json"))}
    assert passing < code_only and all("study" not in t or int(t.rsplit(" ", 1)[1]) % 2 for t in code_only)
