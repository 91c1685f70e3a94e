"""Benchmark: index build and query latency at 440 papers, BM25 at the 87k scale corpus.

Run with `make bench` (or `python -m bench.search_latency`). Prints tables of medians over
repeated runs; never part of the test suite.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from bot.datadir import DataDir
from bot.services import open_services
from corpus.records import Candidate, new_paper
from retrieval.bm25 import BM25Index
from retrieval.bm25_files import load_index, save_index
from retrieval.index import build_bm25
from retrieval.tokenize import tokenize

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "eval" / "dev.jsonl"
SCALE = ROOT.parent / "shared" / "bench-data" / "paperlists_ml.jsonl.gz"


def _median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _machine() -> str:
    import torch

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} threads)"


def bench_small(data_dir: DataDir, repeats: int) -> None:
    """Time start-up and queries over the shipped corpus."""
    start = time.perf_counter()
    services = open_services(data_dir)
    open_s = time.perf_counter() - start
    retriever = services.retriever
    papers = retriever.papers
    queries = [json.loads(line)["query"] for line in DEV.read_text().splitlines() if line.strip()] if DEV.exists() else ["implicit differentiation"]
    retriever.search(queries[0])  # load the model before timing

    rows = [
        ("open store + index (vectors stored)", open_s * 1000),
        ("BM25 build (tokenize + index)", _median_ms(lambda: build_bm25(papers, 2), repeats)),
        ("query: encode only", statistics.median(_median_ms(lambda q=q: services.encoder.encode([q]), repeats) for q in queries)),
        ("query: BM25 scores only", statistics.median(_median_ms(lambda q=q: retriever.bm25.scores(tokenize(q)), repeats) for q in queries)),
        ("query: hybrid search, k=10", statistics.median(_median_ms(lambda q=q: retriever.search(q, 10), repeats) for q in queries)),
    ]
    print(f"\n## Shipped corpus: {len(papers)} papers, {len(queries)} queries, median of {repeats} runs each")
    print(f"{'step':40} {'median ms':>10}")
    for name, ms in rows:
        print(f"{name:40} {ms:10.2f}")


def bench_scale_bm25(limit: int, repeats: int) -> None:
    """Time BM25 build and scoring on the scale corpus (no embedding)."""
    if not SCALE.exists():
        print(f"\n(scale corpus not found at {SCALE}; skipped)")
        return
    papers = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i >= limit:
                break
            item = json.loads(line)
            papers.append(new_paper(Candidate(item["title"], item.get("abstract") or "", "bench", i + 1), str(i), "2026-01-01"))
    start = time.perf_counter()
    docs = [tokenize(f"{p.clean_title} {p.clean_title} {p.clean_abstract}") for p in papers]
    tok_s = time.perf_counter() - start
    start = time.perf_counter()
    index = BM25Index(docs)
    idx_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bm25.npz"
        save_index(index, path, "bench")
        start = time.perf_counter()
        loaded = load_index(path, "bench", index.params)
        load_s = time.perf_counter() - start
        assert loaded is not None and loaded.n_docs == index.n_docs
    queries = ["implicit differentiation", "optimal transport sinkhorn", "diffusion model sampling speed", "graph neural network over-smoothing"]
    q_ms = statistics.median(_median_ms(lambda q=q: index.scores(tokenize(q)), repeats) for q in queries)
    print(f"\n## Scale corpus BM25: {len(papers)} papers")
    print(f"{'step':40} {'value':>10}")
    print(f"{'tokenize all (s)':40} {tok_s:10.1f}")
    print(f"{'build inverted index (s)':40} {idx_s:10.1f}")
    print(f"{'load persisted index (s)':40} {load_s:10.1f}")
    print(f"{'query scores, median (ms)':40} {q_ms:10.1f}")


def main() -> None:
    """Run the benchmarks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse an embedded data dir (default: a temporary one)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scale-limit", type=int, default=87_249)
    args = parser.parse_args()
    print(f"# PaperScout search benchmark\nmachine: {_machine()}")
    if args.data_dir:
        bench_small(DataDir(args.data_dir), args.repeats)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            open_services(DataDir(Path(tmp)))  # embed once, untimed
            bench_small(DataDir(Path(tmp)), args.repeats)
    bench_scale_bm25(args.scale_limit, args.repeats)


if __name__ == "__main__":
    main()
